"""The TTL-after-finished controller (``pkg/controller/ttlafterfinished``, Kubernetes 1.32).

A finished Job (condition ``Complete`` or ``Failed`` True) with ``spec.ttlSecondsAfterFinished``
is deleted that many seconds after it finished — the condition's ``lastTransitionTime``.  Until
then the Job is re-queued for the moment its TTL expires; at expiry the controller re-reads the
Job from the API server (the TTL may have just been changed) and deletes it with
``propagationPolicy: Foreground`` and a uid precondition, so its pods go first.
"""
from __future__ import annotations

from ...api import errors
from ...client import Controller
from .job import Wakeups, is_job_finished, job_finish_time


def needs_cleanup(job: dict) -> bool:
    return (job.get("spec") or {}).get("ttlSecondsAfterFinished") is not None and is_job_finished(job)


class TTLAfterFinishedController(Controller):
    name = "ttl-after-finished"
    component = "ttl-after-finished-controller"

    def __init__(self, client, informers):
        super().__init__(client, informers)
        self.apiserver = client.apiserver
        self.wakeups = Wakeups(self.loop, self.enqueue)

    def start(self) -> None:
        self.jobs = self.informers.informer("jobs")
        self.jobs.add_handlers(self._observe, lambda old, cur: self._observe(cur), None)

    def _observe(self, job: dict) -> None:
        if not job["metadata"].get("deletionTimestamp") and needs_cleanup(job):
            md = job["metadata"]
            self.enqueue(f"{md.get('namespace', '')}/{md['name']}")

    def _expired(self, job: dict) -> bool:
        """``processTTL``: True once the TTL has run out; otherwise re-queue for that moment."""
        if job["metadata"].get("deletionTimestamp") or not needs_cleanup(job):
            return False
        finished = job_finish_time(job)
        if finished is None:
            raise errors.status("InternalError", f"unable to find the time when the Job "
                                                 f"{job['metadata'].get('namespace')}/{job['metadata']['name']} "
                                                 "finished")
        remaining = finished + job["spec"]["ttlSecondsAfterFinished"] - (self.apiserver.epoch + self.loop.now)
        if remaining <= 0:
            return True
        md = job["metadata"]
        self.wakeups.add_after(f"{md.get('namespace', '')}/{md['name']}", remaining)
        return False

    def reconcile(self, key: str) -> None:
        job = self.jobs.get(key)
        if job is None or not self._expired(job):
            return
        ns, _, name = key.partition("/")
        try:
            fresh = self.client.get("jobs", name, ns)
        except errors.StatusError as e:
            if e.reason == "NotFound":
                return
            raise
        if not self._expired(fresh):
            return
        try:
            self.client.delete("jobs", name, ns, propagation_policy="Foreground",
                               preconditions={"uid": fresh["metadata"]["uid"]})
        except errors.StatusError as e:
            if e.reason != "NotFound":
                raise
