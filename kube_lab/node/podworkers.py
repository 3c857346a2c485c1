"""Pod workers (``pkg/kubelet/pod_workers.go``): one worker per pod, one operation at a time.

A pod moves through three stages, each run by the worker as a task:

* **sync** (``SyncPod``) — make the pod's containers match its spec; repeated after every
  change the kubelet hears about (API updates, container events, probe results) and otherwise
  once a minute (``--sync-frequency``, jittered); after an error (a crash back-off, a failed pull)
  it is retried in 10–15 s (``backOffPeriod`` with jitter 0.5);
* **terminating** (``SyncTerminatingPod``) — stop every container within the grace period;
  requested when the pod is deleted, removed from the API, or reaches a terminal phase.  A kill
  request cancels a sync in progress; a shorter grace period restarts the termination with it;
* **terminated** (``SyncTerminatedPod``) — tear down volumes and report the final status, after
  which the status manager may delete the pod object.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .tasks import Cancelled, Task

if TYPE_CHECKING:  # pragma: no cover
    from .kubelet import Kubelet

RESYNC = 60.0
BACKOFF = 10.0
TRANSIENT = 1.0
JITTER = 0.5


class PodState:
    __slots__ = ("uid", "pod", "task", "mode", "pending", "timer", "kill", "grace", "terminated", "finished",
                 "removed", "terminal", "started_at")

    def __init__(self, uid: str, pod: dict, now: float):
        self.uid = uid
        self.pod = pod
        self.task: Task | None = None
        self.mode = ""
        self.pending = False
        self.timer: Any = None
        self.kill = False
        self.grace: int | None = None
        self.terminated = False
        self.finished = False
        self.removed = False
        self.terminal = False
        self.started_at = now


class PodWorkers:
    def __init__(self, kubelet: "Kubelet"):
        self.kl = kubelet
        self.loop = kubelet.loop
        self.states: dict[str, PodState] = {}
        self.rng = kubelet.rng

    # requests -----------------------------------------------------------------------------
    def update(self, pod: dict, kill: bool = False, removed: bool = False, grace: int | None = None) -> None:
        """``UpdatePod``: remember the newest pod and make its worker act on it."""
        uid = pod["metadata"]["uid"]
        st = self.states.get(uid)
        if st is None:
            if removed and not self.kl.runtime.pod_containers(uid) and not self.kl.runtime.pod_sandboxes(uid):
                return      # never ran here: nothing to stop
            st = PodState(uid, pod, self.loop.now)
            self.states[uid] = st
        if not removed:
            st.pod = pod
        else:
            st.removed = True
        if st.finished:
            return
        if kill or removed or pod["metadata"].get("deletionTimestamp"):
            self._request_termination(st, grace)
        self._schedule(st)

    def _request_termination(self, st: PodState, grace: int | None) -> None:
        new = self.effective_grace(st, grace)
        if not st.kill:
            st.kill = True
            st.grace = new
            if st.task is not None and st.mode == "sync":
                st.task.cancel()
            return
        if st.grace is not None and new < st.grace and not st.terminated:
            st.grace = new
            if st.task is not None and st.mode == "terminating":
                st.task.cancel()

    def effective_grace(self, st: PodState, requested: int | None) -> int:
        """``calculateEffectiveGracePeriod``: only ever decreases; never below 1."""
        pod = st.pod
        grace = st.grace or 0
        override = pod["metadata"].get("deletionGracePeriodSeconds") if pod["metadata"].get("deletionTimestamp") else None
        if override is not None and (grace == 0 or override < grace):
            grace = int(override)
        if requested is not None and (grace == 0 or requested < grace):
            grace = requested
        if grace == 0:
            spec_grace = (pod.get("spec") or {}).get("terminationGracePeriodSeconds")
            grace = 30 if spec_grace is None else int(spec_grace)
        return max(1, grace)

    def sync_soon(self, uid: str) -> None:
        st = self.states.get(uid)
        if st is not None:
            self._schedule(st)

    # running -----------------------------------------------------------------------------
    def _schedule(self, st: PodState) -> None:
        if st.timer is not None:
            st.timer.cancel()
            st.timer = None
        if st.task is not None:
            st.pending = True
            return
        st.timer = self.loop.call_soon(self._run, st.uid)

    def _requeue(self, st: PodState, base: float) -> None:
        if st.timer is not None:
            st.timer.cancel()
        delay = base * (1 + JITTER * self.rng.random())
        st.timer = self.loop.call_later(delay, self._run, st.uid, background=True)

    def _run(self, uid: str) -> None:
        st = self.states.get(uid)
        if st is None or not self.kl.running:
            return
        st.timer = None
        if st.task is not None:
            st.pending = True
            return
        if st.finished:
            return
        pod = st.pod
        if st.terminated:
            mode, gen = "terminated", self.kl.sync_terminated_pod(pod)
        elif st.kill:
            mode, gen = "terminating", self.kl.sync_terminating_pod(pod, st.grace or 1)
        else:
            mode, gen = "sync", self.kl.sync_pod(pod)
        st.mode = mode
        task = Task(self.loop, gen, name=f"{mode} {pod['metadata']['name']}")
        st.task = task
        task.add_done_callback(lambda t, st=st: self._done(st, t))

    def _done(self, st: PodState, task: Task) -> None:
        if st.task is not task:
            return
        st.task = None
        mode = st.mode
        error = task.error
        if not self.kl.running:
            return
        if error is not None and not isinstance(error, Cancelled) and not self.kl.is_sync_error(error):
            raise error
        if mode == "sync":
            if isinstance(error, Cancelled):
                pass
            elif error is not None:
                self._requeue(st, TRANSIENT if getattr(error, "transient", False) else BACKOFF)
            elif task.result == "terminal":
                st.terminal = True
                self._request_termination(st, None)
                st.pending = True
            else:
                self._requeue(st, RESYNC)
        elif mode == "terminating":
            if isinstance(error, Cancelled):
                st.pending = True
            elif error is not None:
                self._requeue(st, BACKOFF)
            else:
                st.terminated = True
                st.pending = True
        elif mode == "terminated":
            if error is not None and not isinstance(error, Cancelled):
                self._requeue(st, BACKOFF)
            else:
                st.finished = True
                self.kl.status_manager.request_sync(st.uid)
        if st.pending:
            st.pending = False
            self._schedule(st)

    # queries ------------------------------------------------------------------------------
    def is_finished(self, uid: str) -> bool:
        st = self.states.get(uid)
        return st is not None and st.finished

    def is_terminating(self, uid: str) -> bool:
        st = self.states.get(uid)
        return st is not None and st.kill

    def known(self, uid: str) -> bool:
        return uid in self.states

    def forget(self, uid: str) -> None:
        st = self.states.pop(uid, None)
        if st is not None:
            if st.timer is not None:
                st.timer.cancel()
            if st.task is not None and not st.task.done:
                st.task.cancel()

    def stop(self) -> None:
        for st in list(self.states.values()):
            if st.timer is not None:
                st.timer.cancel()
                st.timer = None
            if st.task is not None and not st.task.done:
                t = st.task
                st.task = None
                t.cancel()

