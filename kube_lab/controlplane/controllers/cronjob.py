"""The CronJob controller (``pkg/controller/cronjob`` ``ControllerV2``, Kubernetes 1.32).

A CronJob creates a Job for every time its schedule (see :mod:`.cron`) comes round on the
cluster's virtual clock, read in ``spec.timeZone`` (UTC when unset).  Each sync:

1. deletes the oldest finished Jobs beyond ``successfulJobsHistoryLimit`` (3) and
   ``failedJobsHistoryLimit`` (1) — ``SuccessfulDelete`` "Deleted job <name>";
2. reconciles ``status.active`` with the Jobs it controls (``SawCompletedJob`` "Saw completed job:
   <name>, condition: Complete", ``MissingJob``, ``UnexpectedJob``) and ``lastSuccessfulTime``;
3. unless suspended, finds the most recent unmet schedule time after ``lastScheduleTime`` (or the
   creation time).  More than 100 missed times → a ``TooManyMissedTimes`` warning; a time older
   than ``startingDeadlineSeconds`` → ``MissSchedule`` and nothing is started;
4. applies ``concurrencyPolicy``: ``Forbid`` skips the run while a Job is active
   (``JobAlreadyActive``), ``Replace`` deletes the active Jobs first, ``Allow`` runs alongside;
5. creates ``<cronjob>-<scheduled time in minutes since the Unix epoch>`` from ``jobTemplate``
   with the ``batch.kubernetes.io/cronjob-scheduled-timestamp`` annotation (RFC 3339 in the
   CronJob's time zone) — ``SuccessfulCreate`` "Created job <name>" — and records it in
   ``status.active`` and ``lastScheduleTime``;
6. re-queues itself for the next schedule time plus 100 ms (``nextScheduleDelta``).
"""
from __future__ import annotations

from functools import cmp_to_key

from ...api import errors
from ...api.meta import controller_ref, deep_copy, new_controller_ref, parse_rfc3339, rfc3339
from ...client import Controller
from . import controller_utils as cu
from . import cron
from .job import Wakeups, finished_condition
from .replicaset import namespace_terminating

SCHEDULED_TIMESTAMP = "batch.kubernetes.io/cronjob-scheduled-timestamp"
NEXT_SCHEDULE_DELTA = 0.1         # nextScheduleDelta = 100 ms
MANY_MISSED = 100
INDEX_CRONJOB_NAME = "kube-lab/controller-name"


def _controller_name_index(obj: dict) -> list[str]:
    ref = controller_ref(obj)
    if ref is None:
        return []
    return [f"{obj['metadata'].get('namespace', '')}/{ref.get('name', '')}"]


def format_schedule(cj: dict, recorder=None) -> str:
    """``formatSchedule``: ``TZ=<zone> `` in front of the schedule when ``spec.timeZone`` is set;
    a ``TZ`` inside the schedule itself earns an ``UnsupportedSchedule`` warning."""
    spec = cj.get("spec") or {}
    schedule = spec.get("schedule") or ""
    if "TZ" in schedule and recorder is not None:
        recorder.event(cj, "Warning", "UnsupportedSchedule",
                       f'CRON_TZ or TZ used in schedule "{schedule}" is not officially supported, see '
                       "https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details")
    if spec.get("timeZone") is not None:
        return f"TZ={spec['timeZone']} {schedule}"
    return schedule


def most_recent_schedule_time(cj: dict, now: float, schedule: cron.Schedule, include_deadline: bool):
    """``mostRecentScheduleTime``: (earliest time, most recent unmet time or None, missed count
    class "none"/"few"/"many")."""
    md = cj["metadata"]
    st = cj.get("status") or {}
    earliest = parse_rfc3339(st["lastScheduleTime"]) if st.get("lastScheduleTime") else \
        parse_rfc3339(md["creationTimestamp"])
    missed = "none"
    deadline = (cj.get("spec") or {}).get("startingDeadlineSeconds")
    if include_deadline and deadline is not None:
        earliest = max(earliest, now - deadline)
    t1 = schedule.next(earliest)
    if t1 is None or now < t1:
        return earliest, None, missed
    t2 = schedule.next(t1)
    if t2 is None or now < t2:
        return earliest, t1, missed
    between = int(round(t2 - t1))
    if between < 1:
        raise cron.CronError("time difference between two schedules is less than 1 second")
    elapsed = int(now - t1)
    number_missed = elapsed // between + 1
    recent = None
    t = schedule.next(t1 + (number_missed - 2) * between)
    while t is not None and not t > now:
        recent = t
        t = schedule.next(t)
    if number_missed > MANY_MISSED:
        missed = "many"
    elif number_missed > 0:
        missed = "few"
    return earliest, recent, missed


def next_schedule_time_duration(cj: dict, now: float, schedule: cron.Schedule) -> float:
    """``nextScheduleTimeDuration``: seconds until the next schedule time, plus 100 ms."""
    try:
        earliest, recent, missed = most_recent_schedule_time(cj, now, schedule, False)
    except cron.CronError:
        recent, missed, earliest = now, "none", now
    if recent is None:
        recent = earliest if missed == "none" else now
    nxt = schedule.next(recent)
    if nxt is None:
        return float("inf")
    return nxt + NEXT_SCHEDULE_DELTA - now


def _job_ref(job: dict) -> dict:
    md = job["metadata"]
    return {"kind": "Job", "namespace": md.get("namespace", ""), "name": md["name"], "uid": md["uid"],
            "apiVersion": "batch/v1", "resourceVersion": md.get("resourceVersion", "")}


def _by_start_time(a: dict, b: dict) -> int:
    """``byJobStartTime``: started Jobs first, oldest first, then by name."""
    sa, sb = (a.get("status") or {}).get("startTime"), (b.get("status") or {}).get("startTime")
    if sa is None and sb is not None:
        return 1
    if sa is not None and sb is None:
        return -1
    if sa == sb:
        na, nb = a["metadata"]["name"], b["metadata"]["name"]
        return -1 if na < nb else 1 if na > nb else 0
    return -1 if parse_rfc3339(sa) < parse_rfc3339(sb) else 1


class CronJobController(Controller):
    """``ControllerV2``: informers on CronJobs and Jobs."""

    name = "cronjob"
    component = "cronjob-controller"

    def __init__(self, client, informers):
        super().__init__(client, informers)
        self.apiserver = client.apiserver
        self.wakeups = Wakeups(self.loop, self.enqueue)

    def _now(self) -> float:
        return self.apiserver.epoch + self.loop.now

    def start(self) -> None:
        self.cronjobs = self.informers.informer("cronjobs")
        self.jobs = self.informers.informer("jobs")
        cu.ensure_index(self.jobs, INDEX_CRONJOB_NAME, _controller_name_index)
        self.cronjobs.add_handlers(lambda cj: self.enqueue(self.key(cj)), self._update_cronjob,
                                   lambda cj: self.enqueue(self.key(cj)))
        self.jobs.add_handlers(self._job_event, lambda old, cur: self._update_job(old, cur), self._job_event)

    @staticmethod
    def key(obj: dict) -> str:
        md = obj["metadata"]
        return f"{md.get('namespace', '')}/{md['name']}"

    # -------------------------------------------------------------------------------------
    # handlers
    def _owner(self, job: dict) -> dict | None:
        ref = controller_ref(job)
        if ref is None or ref.get("kind") != "CronJob":
            return None
        cj = self.cronjobs.get(f"{job['metadata'].get('namespace', '')}/{ref.get('name', '')}")
        if cj is None or cj["metadata"].get("uid") != ref.get("uid"):
            return None
        return cj

    def _job_event(self, job: dict) -> None:
        cj = self._owner(job)
        if cj is not None:
            self.enqueue(self.key(cj))

    def _update_job(self, old: dict, cur: dict) -> None:
        if old["metadata"].get("resourceVersion") == cur["metadata"].get("resourceVersion"):
            return
        if controller_ref(old) != controller_ref(cur):
            self._job_event(old)
        self._job_event(cur)

    def _update_cronjob(self, old: dict, cur: dict) -> None:
        """``updateCronJob``: a new schedule or time zone re-queues for its next time; any other
        change syncs at once."""
        ospec, cspec = old.get("spec") or {}, cur.get("spec") or {}
        if ospec.get("schedule") != cspec.get("schedule") or ospec.get("timeZone") != cspec.get("timeZone"):
            try:
                sched = cron.parse_standard(format_schedule(cur))
            except cron.CronError:
                self.recorder.event(cur, "Warning", "UnParseableCronJobSchedule",
                                    f"unparseable schedule for cronjob: {cspec.get('schedule', '')}")
                return
            self.wakeups.add_after(self.key(cur), next_schedule_time_duration(cur, self._now(), sched))
            return
        self.enqueue(self.key(cur))

    # -------------------------------------------------------------------------------------
    # sync
    def reconcile(self, key: str) -> None:
        cj = self.cronjobs.get(key)
        if cj is None:
            self.wakeups.forget(key)
            return
        jobs = self.jobs.by_index(INDEX_CRONJOB_NAME, key)
        copy = deep_copy(cj)
        copy.setdefault("status", {})
        update_after_cleanup = self._cleanup_finished_jobs(copy, jobs)
        state = {"update": False}
        try:
            requeue = self._sync_cronjob(copy, jobs, state)
            sync_error = None
        except errors.StatusError as e:
            requeue, sync_error = None, e
        if update_after_cleanup or state["update"]:
            self._update_status(copy)
        if requeue is not None:
            self.wakeups.add_after(key, requeue)
            return
        if sync_error is not None:
            raise sync_error

    def _update_status(self, cj: dict) -> None:
        st = cj.get("status") or {}
        status = {}
        if st.get("active"):
            status["active"] = st["active"]
        for f in ("lastScheduleTime", "lastSuccessfulTime"):
            if st.get(f):
                status[f] = st[f]
        self.client.update_status("cronjobs", {**cj, "status": status}, cj["metadata"].get("namespace"))

    def _cleanup_finished_jobs(self, cj: dict, jobs: list[dict]) -> bool:
        """``cleanupFinishedJobs``: keep the newest ``successfulJobsHistoryLimit`` Complete and
        ``failedJobsHistoryLimit`` Failed Jobs."""
        spec = cj.get("spec") or {}
        if spec.get("failedJobsHistoryLimit") is None and spec.get("successfulJobsHistoryLimit") is None:
            return False
        succeeded = [j for j in jobs if finished_condition(j) == "Complete"]
        failed = [j for j in jobs if finished_condition(j) == "Failed"]
        update = False
        for group, limit in ((succeeded, spec.get("successfulJobsHistoryLimit")),
                             (failed, spec.get("failedJobsHistoryLimit"))):
            if limit is None:
                continue
            excess = len(group) - limit
            if excess <= 0:
                continue
            for job in sorted(group, key=cmp_to_key(_by_start_time))[:excess]:
                if self._delete_job(cj, job):
                    update = True
        return update

    def _delete_job(self, cj: dict, job: dict) -> bool:
        md = job["metadata"]
        try:
            self.client.delete("jobs", md["name"], md.get("namespace"), propagation_policy="Background")
        except errors.StatusError as e:
            self.recorder.event(cj, "Warning", "FailedDelete", f"Deleted job: {e.message}")
            return False
        self._delete_from_active(cj, md["uid"])
        self.recorder.event(cj, "Normal", "SuccessfulDelete", f"Deleted job {md['name']}")
        return True

    @staticmethod
    def _delete_from_active(cj: dict, uid: str) -> None:
        st = cj["status"]
        active = [r for r in st.get("active") or () if r.get("uid") != uid]
        st["active"] = active

    @staticmethod
    def _in_active(cj: dict, uid: str) -> bool:
        return any(r.get("uid") == uid for r in (cj.get("status") or {}).get("active") or ())

    def _sync_cronjob(self, cj: dict, jobs: list[dict], state: dict) -> float | None:
        """``syncCronJob``: returns the delay before the next sync (None: none needed); sets
        ``state["update"]`` when the status changed."""
        status = cj["status"]
        children = set()
        for job in jobs:
            uid = job["metadata"]["uid"]
            children.add(uid)
            found = self._in_active(cj, uid)
            finished = finished_condition(job)
            if not found and finished is None:
                fresh = self.client.get("cronjobs", cj["metadata"]["name"], cj["metadata"].get("namespace"))
                if self._in_active(fresh, uid):
                    fresh = deep_copy(fresh)
                    fresh.setdefault("status", {})
                    cj.clear()
                    cj.update(fresh)
                    status = cj["status"]
                    continue
                self.recorder.event(cj, "Warning", "UnexpectedJob", "Saw a job that the controller did not create "
                                                                    f"or forgot: {job['metadata']['name']}")
            elif found and finished is not None:
                self._delete_from_active(cj, uid)
                self.recorder.event(cj, "Normal", "SawCompletedJob",
                                    f"Saw completed job: {job['metadata']['name']}, condition: {finished}")
                state["update"] = True
            elif finished == "Complete":
                done = (job.get("status") or {}).get("completionTime")
                last = status.get("lastSuccessfulTime")
                if last is None:
                    status["lastSuccessfulTime"] = done
                    state["update"] = True
                if done and last and parse_rfc3339(done) > parse_rfc3339(last):
                    status["lastSuccessfulTime"] = done
                    state["update"] = True
        for ref in list(status.get("active") or ()):
            if ref.get("uid") in children:
                continue
            try:
                self.client.get("jobs", ref.get("name", ""), ref.get("namespace"))
            except errors.StatusError as e:
                if e.reason != "NotFound":
                    raise
                self.recorder.event(cj, "Normal", "MissingJob", f"Active job went missing: {ref.get('name')}")
                self._delete_from_active(cj, ref.get("uid"))
                state["update"] = True
        if cj["metadata"].get("deletionTimestamp"):
            return None
        spec = cj.get("spec") or {}
        if spec.get("timeZone") is not None:
            try:
                cron.load_location(spec["timeZone"])
            except cron.CronError as e:
                self.recorder.event(cj, "Warning", "UnknownTimeZone", f'invalid timeZone: "{spec["timeZone"]}": {e}')
                return None
        if spec.get("suspend"):
            return None
        try:
            sched = cron.parse_standard(format_schedule(cj, self.recorder))
        except cron.CronError as e:
            self.recorder.event(cj, "Warning", "UnparseableSchedule",
                                f'unparseable schedule: "{spec.get("schedule", "")}" : {e}')
            return None
        now = self._now()
        try:
            _, scheduled, missed = most_recent_schedule_time(cj, now, sched, True)
        except cron.CronError as e:
            self.recorder.event(cj, "Warning", "InvalidSchedule", f"invalid schedule: {spec.get('schedule', '')} : {e}")
            return None
        if scheduled is not None and missed == "many":
            self.recorder.event(cj, "Warning", "TooManyMissedTimes",
                                "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or "
                                "check clock skew")
        if scheduled is None:
            return next_schedule_time_duration(cj, now, sched)
        deadline = spec.get("startingDeadlineSeconds")
        if deadline is not None and scheduled + deadline < now:
            self.recorder.event(cj, "Warning", "MissSchedule",
                                f"Missed scheduled time to start a job: {cron.format_rfc1123z(scheduled)}")
            return next_schedule_time_duration(cj, now, sched)
        name = self._job_name(cj, scheduled)
        last = status.get("lastScheduleTime")
        if any(r.get("name") == name for r in status.get("active") or ()) or \
                (last is not None and parse_rfc3339(last) == scheduled):
            return next_schedule_time_duration(cj, now, sched)
        policy = spec.get("concurrencyPolicy") or "Allow"
        if policy == "Forbid" and status.get("active"):
            self.recorder.event(cj, "Normal", "JobAlreadyActive",
                                "Not starting job because prior execution is running and concurrency policy is Forbid")
            return next_schedule_time_duration(cj, now, sched)
        if policy == "Replace":
            for ref in list(status.get("active") or ()):
                try:
                    job = self.client.get("jobs", ref.get("name", ""), ref.get("namespace"))
                except errors.StatusError as e:
                    self.recorder.event(cj, "Warning", "FailedGet", f"Get job: {e.message}")
                    raise
                if not self._delete_job(cj, job):
                    raise errors.status("InternalError", f"could not replace job {ref.get('namespace')}/"
                                                         f"{ref.get('name')}")
                state["update"] = True
        body = self._job_from_template(cj, scheduled)
        ns = cj["metadata"].get("namespace", "")
        try:
            created = self.client.create("jobs", body, ns, owned=True)
        except errors.StatusError as e:
            if namespace_terminating(e):
                raise
            if e.reason != "AlreadyExists":
                self.recorder.event(cj, "Warning", "FailedCreate", f"Error creating job: {e.message}")
                raise
            created = self.client.get("jobs", name, ns)
            ref = controller_ref(created)
            if ref is None or ref.get("uid") != cj["metadata"]["uid"]:
                return None
            if self._in_active(cj, created["metadata"]["uid"]):
                return None
        else:
            self.recorder.event(cj, "Normal", "SuccessfulCreate", f"Created job {created['metadata']['name']}")
        status.setdefault("active", []).append(_job_ref(created))
        status["lastScheduleTime"] = rfc3339(scheduled, 0)
        state["update"] = True
        return next_schedule_time_duration(cj, now, sched)

    @staticmethod
    def _job_name(cj: dict, scheduled: float) -> str:
        """``getJobName``: ``<cronjob>-<scheduled Unix time in minutes>``."""
        return f"{cj['metadata']['name']}-{int(scheduled) // 60}"

    def _job_from_template(self, cj: dict, scheduled: float) -> dict:
        """``getJobFromTemplate2``: the template's labels, annotations (plus the scheduled
        timestamp) and spec, our controller reference, the deterministic name."""
        template = (cj.get("spec") or {}).get("jobTemplate") or {}
        tmd = template.get("metadata") or {}
        annotations = dict(tmd.get("annotations") or {})
        loc = cron.load_location((cj.get("spec") or {}).get("timeZone") or "")
        annotations[SCHEDULED_TIMESTAMP] = cron.format_rfc3339(scheduled, loc)
        md = {"name": self._job_name(cj, scheduled)}
        if tmd.get("labels"):
            md["labels"] = dict(tmd["labels"])
        md["annotations"] = annotations
        md["ownerReferences"] = [new_controller_ref(cj)]
        return {"apiVersion": "batch/v1", "kind": "Job", "metadata": md,
                "spec": deep_copy(template.get("spec") or {})}
