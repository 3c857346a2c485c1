"""The Job controller (``pkg/controller/job``, Kubernetes 1.32).

A Job runs pods until ``completions`` of them have succeeded (``parallelism`` at a time), or until
it gives up.  Each sync (``syncJob``):

1. claims the Job's pods (adopting orphans adds the ``batch.kubernetes.io/job-tracking``
   finalizer as well as the controller reference);
2. counts what finished since the last sync — a pod is counted once, through finalizer-based
   tracking: its uid goes to ``status.uncountedTerminatedPods``, the finalizer is removed, and
   only then the ``succeeded`` / ``failed`` counters move;
3. decides whether the Job is finished: ``backoffLimit`` exceeded (failed pods, or container
   restarts under ``restartPolicy: OnFailure``), ``activeDeadlineSeconds`` passed, a
   ``podFailurePolicy`` ``FailJob`` rule matched — each first recorded as an interim
   ``FailureTarget`` condition, then ``Failed`` once no pod is terminating — or enough
   completions (``SuccessCriteriaMet``, then ``Complete``, reason ``CompletionsReached``);
4. otherwise creates or deletes pods towards ``min(parallelism, completions − succeeded)``, in
   slow-start batches, waiting out the pod-failure back-off (10 s doubling, capped at 10 min in
   1.32's code, ``MaxJobPodFailureBackOff``) after failures; ``suspend`` deletes the active pods.

``completionMode: Indexed`` gives every pod an index (annotation and label
``batch.kubernetes.io/job-completion-index``, hostname ``<job>-<index>``, ``JOB_COMPLETION_INDEX``
from the downward API, generateName ``<job>-<index>-``) and counts ``completedIndexes``.

Pod events are batched: a pod change syncs its Job one second later (``syncJobBatchPeriod``);
spec changes sync at once.  Events: ``SuccessfulCreate`` "Created pod: …", ``SuccessfulDelete``,
``Completed`` "Job completed", and on failure the condition's reason and message
(``BackoffLimitExceeded`` "Job has reached the specified backoff limit", ``DeadlineExceeded``
"Job was active longer than specified deadline", ``PodFailurePolicy`` …), ``Suspended`` /
``Resumed``.  ``backoffLimitPerIndex``, ``successPolicy`` and ``managedBy`` are not modelled.
"""
from __future__ import annotations

from functools import cmp_to_key
from types import SimpleNamespace

from ...api import errors
from ...api.meta import controller_ref, deep_copy, new_controller_ref, parse_rfc3339
from ...client import Controller
from . import controller_utils as cu
from .replicaset import namespace_terminating

JOB_TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
JOB_COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"   # annotation and label
COMPLETION_INDEX_ENV = "JOB_COMPLETION_INDEX"
SYNC_JOB_BATCH_PERIOD = 1.0            # syncJobBatchPeriod
DEFAULT_POD_FAILURE_BACKOFF = 10.0     # DefaultJobPodFailureBackOff
MAX_POD_FAILURE_BACKOFF = 600.0        # MaxJobPodFailureBackOff (10 min in the 1.32 code)
MAX_UNCOUNTED_PODS = 500
MAX_POD_CREATE_DELETE_PER_SYNC = 500
MAX_GENERATED_NAME_LENGTH = 58         # 63 − the 5 random characters
_STATUS_ORDER = ("conditions", "startTime", "completionTime", "active", "succeeded", "failed", "terminating",
                 "completedIndexes", "failedIndexes", "uncountedTerminatedPods", "ready")


# ---------------------------------------------------------------------------------------------
# helpers shared with the other batch / apps controllers
class Wakeups:
    """``queue.AddAfter`` as *background* timers: a wake-up for a deadline, a schedule or a TTL
    must not keep ``cluster.settle()`` busy (advance the clock to reach it).  One pending
    wake-up per key, the earliest wins."""

    def __init__(self, loop, enqueue):
        self.loop = loop
        self.enqueue = enqueue
        self._timers: dict = {}

    def add_after(self, key, delay: float) -> None:
        if delay <= 0:
            self.enqueue(key)
            return
        when = self.loop.now + delay
        timer = self._timers.get(key)
        if timer is not None and not timer.cancelled:
            if timer.when <= when:
                return
            timer.cancel()
        self._timers[key] = self.loop.call_at(when, self._due, key, background=True)

    def _due(self, key) -> None:
        self._timers.pop(key, None)
        self.enqueue(key)

    def forget(self, key) -> None:
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()


class PodExpectations(cu.Expectations):
    """``ControllerExpectations`` with creations and deletions expected at once (DaemonSet's
    ``SetExpectations``) and deletions counted without uids (the Job controller's)."""

    def set_expectations(self, key: str, adds: int, dels: int) -> None:
        self._uids.pop(key, None)
        self._exp[key] = cu._Expectation(adds, dels, self.loop.now)

    def expect(self, key: str, adds: int, pod_keys: list[str]) -> None:
        """Creations by count, deletions by pod key (``namespace/name``)."""
        self._uids[key] = set(pod_keys)
        self._exp[key] = cu._Expectation(adds, len(set(pod_keys)), self.loop.now)

    def expect_deletions_count(self, key: str, dels: int) -> None:
        self.set_expectations(key, 0, dels)

    def deletion_counted(self, key: str) -> None:
        exp = self._exp.get(key)
        if exp is not None:
            exp.dele -= 1

    def lower(self, key: str, adds: int, dels: int) -> None:
        exp = self._exp.get(key)
        if exp is not None:
            exp.add -= adds
            exp.dele -= dels


def condition(job: dict, ctype: str) -> dict | None:
    for c in (job.get("status") or {}).get("conditions") or ():
        if c.get("type") == ctype:
            return c
    return None


def finished_condition(job: dict) -> str | None:
    """``jobutil.FinishedCondition``: "Complete" or "Failed" when that condition is True."""
    for c in (job.get("status") or {}).get("conditions") or ():
        if c.get("type") in ("Complete", "Failed") and c.get("status") == "True":
            return c["type"]
    return None


def is_job_finished(job: dict) -> bool:
    return finished_condition(job) is not None


def phase(pod: dict) -> str:
    return (pod.get("status") or {}).get("phase") or ""


def is_terminal(pod: dict) -> bool:
    return phase(pod) in ("Succeeded", "Failed")


def has_tracking_finalizer(pod: dict) -> bool:
    return JOB_TRACKING_FINALIZER in (pod["metadata"].get("finalizers") or ())


def completion_index(pod: dict) -> int:
    """``getCompletionIndex``: the annotation as a non-negative int, else -1."""
    raw = (pod["metadata"].get("annotations") or {}).get(JOB_COMPLETION_INDEX)
    if raw is None or not raw.isdigit():
        return -1
    return int(raw)


def format_indexes(indexes) -> str:
    """``orderedIntervals.String``: ``0,2-4``."""
    out: list[str] = []
    items = sorted(indexes)
    i = 0
    while i < len(items):
        j = i
        while j + 1 < len(items) and items[j + 1] == items[j] + 1:
            j += 1
        out.append(str(items[i]) if i == j else f"{items[i]}-{items[j]}")
        i = j + 1
    return ",".join(out)


def parse_indexes(text: str | None, completions: int) -> set[int]:
    """``parseIndexesFromString``: intervals below ``completions`` (bad pieces skipped)."""
    out: set[int] = set()
    if not text:
        return out
    for piece in text.split(","):
        limits = piece.split("-")
        try:
            first = int(limits[0])
        except ValueError:
            continue
        if first >= completions:
            break
        last = first
        if len(limits) > 1:
            try:
                last = int(limits[1])
            except ValueError:
                continue
            last = min(last, completions - 1)
        out.update(range(first, last + 1))
    return out


def _time(ts: str | None) -> float | None:
    return parse_rfc3339(ts) if ts else None


def _ready_time(pod: dict) -> float | None:
    c = cu.ready_condition(pod)
    if c is None or c.get("status") != "True":
        return None
    return _time(c.get("lastTransitionTime"))


def _restarts(pod: dict) -> int:
    return sum(c.get("restartCount", 0) for c in (pod.get("status") or {}).get("containerStatuses") or ())


def _active_pods_cmp(a: dict, b: dict) -> int:
    """``controller.ActivePods``: unassigned < assigned, Pending < Unknown < Running, not ready <
    ready, ready for less time first, more restarts first, newer first."""
    def less(p, q) -> bool:
        pn, qn = (p.get("spec") or {}).get("nodeName") or "", (q.get("spec") or {}).get("nodeName") or ""
        if pn != qn and (not pn or not qn):
            return not pn
        po, qo = cu.PHASE_ORDINAL.get(phase(p), 0), cu.PHASE_ORDINAL.get(phase(q), 0)
        if po != qo:
            return po < qo
        pr, qr = cu.is_pod_ready(p), cu.is_pod_ready(q)
        if pr != qr:
            return not pr
        if pr and qr:
            pt, qt = _ready_time(p), _ready_time(q)
            if pt != qt and pt is not None and qt is not None:
                return pt > qt
        if _restarts(p) != _restarts(q):
            return _restarts(p) > _restarts(q)
        pc, qc = p["metadata"].get("creationTimestamp") or "", q["metadata"].get("creationTimestamp") or ""
        if pc != qc:
            return pc > qc
        return False
    if less(a, b):
        return -1
    if less(b, a):
        return 1
    return 0


def sort_active_pods(pods: list[dict]) -> list[dict]:
    return sorted(pods, key=cmp_to_key(_active_pods_cmp))


def finished_time(pod: dict) -> float:
    """``getFinishedTime``: the last container's finishedAt, else when Ready turned False, else
    the deletion time minus its grace period, else the creation time."""
    best = None
    st = pod.get("status") or {}
    for cs in list(st.get("containerStatuses") or ()) + list(st.get("initContainerStatuses") or ()):
        term = (cs.get("state") or {}).get("terminated")
        if term and term.get("finishedAt"):
            t = _time(term["finishedAt"])
            if best is None or t > best:
                best = t
    if best is not None:
        return best
    c = cu.ready_condition(pod)
    if c is not None and c.get("status") == "False" and c.get("lastTransitionTime"):
        return _time(c["lastTransitionTime"])
    md = pod["metadata"]
    if md.get("deletionTimestamp"):
        return _time(md["deletionTimestamp"]) - (md.get("deletionGracePeriodSeconds") or 0)
    return _time(md.get("creationTimestamp")) or 0.0


# ---------------------------------------------------------------------------------------------
# pod failure policy (pod_failure_policy.go)
def _exit_code_matches(code: int, req: dict) -> bool:
    values = req.get("values") or ()
    if req.get("operator") == "In":
        return code in values
    if req.get("operator") == "NotIn":
        return code not in values
    return False


def _matching_container(statuses, req: dict) -> dict | None:
    for cs in statuses or ():
        term = (cs.get("state") or {}).get("terminated")
        if not term:
            continue
        if req.get("containerName") in (None, cs.get("name")) and term.get("exitCode", 0) != 0:
            if _exit_code_matches(term.get("exitCode", 0), req):
                return cs
    return None


def match_pod_failure_policy(policy: dict | None, pod: dict) -> tuple[str | None, bool, str | None]:
    """``matchPodFailurePolicy``: (job failure message, count the failure?, action)."""
    if policy is None:
        return None, True, None
    st = pod.get("status") or {}
    md = pod["metadata"]
    for index, rule in enumerate(policy.get("rules") or ()):
        action = rule.get("action")
        if rule.get("onExitCodes") is not None:
            req = rule["onExitCodes"]
            cs = _matching_container(st.get("containerStatuses"), req) or \
                _matching_container(st.get("initContainerStatuses"), req)
            if cs is None:
                continue
            if action == "Ignore":
                return None, False, action
            if action == "Count":
                return None, True, action
            if action == "FailJob":
                code = cs["state"]["terminated"].get("exitCode", 0)
                return (f"Container {cs['name']} for pod {md.get('namespace', '')}/{md['name']} failed with exit "
                        f"code {code} matching {action} rule at index {index}"), True, action
        elif rule.get("onPodConditions") is not None:
            match = None
            for pc in st.get("conditions") or ():
                for pattern in rule["onPodConditions"]:
                    if pc.get("type") == pattern.get("type") and pc.get("status") == pattern.get("status", "True"):
                        match = pc
                        break
                if match is not None:
                    break
            if match is None:
                continue
            if action == "Ignore":
                return None, False, action
            if action == "Count":
                return None, True, action
            if action == "FailJob":
                return (f"Pod {md.get('namespace', '')}/{md['name']} has condition {match['type']} matching "
                        f"{action} rule at index {index}"), True, action
    return None, True, None


# ---------------------------------------------------------------------------------------------
class JobController(Controller):
    """``job.Controller``: informers on Jobs and Pods; orphaned pods that still carry the
    tracking finalizer are cleaned through the same queue under ``("orphan", key)``."""

    name = "job"
    component = "job-controller"

    def __init__(self, client, informers):
        super().__init__(client, informers)
        self.apiserver = client.apiserver
        self.expectations = PodExpectations(self.loop)
        self.finalizer_expectations: dict[str, set[str]] = {}
        self.backoff: dict[str, tuple[int, float | None]] = {}   # key → (failures after last success, last failure)
        self.wakeups = Wakeups(self.loop, self.enqueue)

    def _now(self) -> float:
        return self.apiserver.epoch + self.loop.now

    # -------------------------------------------------------------------------------------
    # wiring
    def start(self) -> None:
        self.jobs = self.informers.informer("jobs")
        cu.ensure_index(self.jobs, cu.INDEX_NAMESPACE, cu.namespace_index)
        self.pods = self.informers.informer("pods")
        cu.ensure_index(self.pods, cu.INDEX_CONTROLLER, cu.pod_controller_index)
        cu.ensure_index(self.pods, cu.INDEX_NAMESPACE, cu.namespace_index)
        self.jobs.add_handlers(self._add_job, self._update_job, self._delete_job)
        self.pods.add_handlers(self._add_pod, self._update_pod, lambda pod: self._delete_pod(pod, True))

    @staticmethod
    def key(obj: dict) -> str:
        md = obj["metadata"]
        return f"{md.get('namespace', '')}/{md['name']}"

    def _batched(self, job: dict) -> None:
        self.queue.add_after(self.key(job), SYNC_JOB_BATCH_PERIOD)

    def _resolve(self, namespace: str, ref: dict) -> dict | None:
        return cu.resolve_controller_ref(self.jobs, "Job", namespace, ref)

    def _pod_jobs(self, pod: dict) -> list[dict]:
        return cu.owners_selecting(self.jobs, pod)

    # -------------------------------------------------------------------------------------
    # event handlers
    def _add_job(self, job: dict) -> None:
        self.enqueue(self.key(job))

    def _update_job(self, old: dict, cur: dict) -> None:
        key = self.key(cur)
        if cur["metadata"].get("generation") == old["metadata"].get("generation"):
            self._batched(cur)
        else:
            self.enqueue(key)
        if is_job_finished(cur):
            self._cleanup_pod_finalizers(cur)
        start = (cur.get("status") or {}).get("startTime")
        ads = (cur.get("spec") or {}).get("activeDeadlineSeconds")
        if start and ads is not None and (old.get("spec") or {}).get("activeDeadlineSeconds") != ads:
            self.wakeups.add_after(key, ads - (self._now() - parse_rfc3339(start)))

    def _delete_job(self, job: dict) -> None:
        self.enqueue(self.key(job))
        self._cleanup_pod_finalizers(job)

    def _cleanup_pod_finalizers(self, job: dict) -> None:
        for pod in self.pods.by_index(cu.INDEX_CONTROLLER, job["metadata"]["uid"]):
            if has_tracking_finalizer(pod):
                self.enqueue(("orphan", self.key(pod)))

    def _add_pod(self, pod: dict) -> None:
        if pod["metadata"].get("deletionTimestamp"):
            self._delete_pod(pod, False)
            return
        ref = controller_ref(pod)
        if ref is not None:
            job = self._resolve(pod["metadata"].get("namespace", ""), ref)
            if job is None:
                return
            self.expectations.creation_observed(self.key(job))
            self._batched(job)
            return
        if has_tracking_finalizer(pod):
            self.enqueue(("orphan", self.key(pod)))
        for job in self._pod_jobs(pod):
            self._batched(job)

    def _update_pod(self, old: dict, cur: dict) -> None:
        if old["metadata"].get("resourceVersion") == cur["metadata"].get("resourceVersion"):
            return
        if cur["metadata"].get("deletionTimestamp"):
            self._delete_pod(cur, False)
            return
        removed = not has_tracking_finalizer(cur)
        cur_ref, old_ref = controller_ref(cur), controller_ref(old)
        ns = cur["metadata"].get("namespace", "")
        changed = cur_ref != old_ref
        if changed and old_ref is not None:
            job = self._resolve(ns, old_ref)
            if job is not None:
                if removed:
                    self._finalizer_removal_observed(self.key(job), cur["metadata"]["uid"])
                self._batched(job)
        if cur_ref is not None:
            job = self._resolve(ns, cur_ref)
            if job is None:
                return
            if removed:
                self._finalizer_removal_observed(self.key(job), cur["metadata"]["uid"])
            self._batched(job)
            return
        if has_tracking_finalizer(cur):
            self.enqueue(("orphan", self.key(cur)))
        if changed or (old["metadata"].get("labels") or {}) != (cur["metadata"].get("labels") or {}):
            for job in self._pod_jobs(cur):
                self._batched(job)

    def _delete_pod(self, pod: dict, final: bool) -> None:
        ref = controller_ref(pod)
        fin = has_tracking_finalizer(pod)
        if ref is None:
            if fin:
                self.enqueue(("orphan", self.key(pod)))
            return
        job = self._resolve(pod["metadata"].get("namespace", ""), ref)
        if job is None or is_job_finished(job):
            if fin:
                self.enqueue(("orphan", self.key(pod)))
            return
        key = self.key(job)
        self.expectations.deletion_counted(key)
        if final or not fin:
            self._finalizer_removal_observed(key, pod["metadata"]["uid"])
        self._batched(job)

    def _finalizer_removal_observed(self, key: str, uid: str) -> None:
        uids = self.finalizer_expectations.get(key)
        if uids is not None:
            uids.discard(uid)

    # -------------------------------------------------------------------------------------
    # orphan pods
    def _sync_orphan_pod(self, key: str) -> None:
        """``syncOrphanPod``: drop the tracking finalizer of a pod no unfinished Job owns."""
        pod = self.pods.get(key)
        if pod is None:
            return
        ref = controller_ref(pod)
        if ref is not None:
            if ref.get("kind") != "Job" or ref.get("apiVersion") != "batch/v1":
                return
            job = self._resolve(pod["metadata"].get("namespace", ""), ref)
            if job is not None and not is_job_finished(job):
                return
        self._remove_finalizer(pod)

    def _remove_finalizer(self, pod: dict) -> None:
        if not has_tracking_finalizer(pod):
            return
        md = pod["metadata"]
        try:
            self.client.patch("pods", md["name"], {"metadata": {"$deleteFromPrimitiveList/finalizers":
                                                                [JOB_TRACKING_FINALIZER]}},
                              namespace=md.get("namespace"))
        except errors.StatusError as e:
            if e.reason != "NotFound":
                raise

    # -------------------------------------------------------------------------------------
    # sync
    def reconcile(self, key) -> None:
        if isinstance(key, tuple):
            self._sync_orphan_pod(key[1])
            return
        shared = self.jobs.get(key)
        if shared is None:
            self.expectations.delete(key)
            self.finalizer_expectations.pop(key, None)
            self.backoff.pop(key, None)
            return
        if is_job_finished(shared):
            self.backoff.pop(key, None)
            return
        spec = shared.get("spec") or {}
        mode = spec.get("completionMode")
        if mode not in (None, "NonIndexed", "Indexed"):
            self.recorder.event(shared, "Warning", "UnknownCompletionMode",
                                "Skipped Job sync because completion mode is unknown")
            return
        job = deep_copy(shared)
        status = job.setdefault("status", {})
        uncounted = status.get("uncountedTerminatedPods") or {}
        status["uncountedTerminatedPods"] = {"succeeded": list(uncounted.get("succeeded") or ()),
                                             "failed": list(uncounted.get("failed") or ())}
        satisfied = self.expectations.satisfied(key)
        pods = self._pods_for_job(job)
        active_pods = cu.filter_active_pods(pods)
        ctx = SimpleNamespace(
            job=job, pods=pods, active_pods=active_pods, finished=None,
            ready=sum(1 for p in active_pods if cu.is_pod_ready(p)),
            uncounted_succeeded=set(status["uncountedTerminatedPods"]["succeeded"]),
            uncounted_failed=set(status["uncountedTerminatedPods"]["failed"]),
            expected_rm=set(self.finalizer_expectations.get(key, ())),
            terminating=sum(1 for p in pods if p["metadata"].get("deletionTimestamp") and not is_terminal(p)),
            prev_succeeded_indexes=set(), succeeded_indexes=set())
        active = len(active_pods)
        new_succeeded, new_failed = self._new_finished_pods(ctx)
        ctx.succeeded = (status.get("succeeded") or 0) + len(new_succeeded) + len(ctx.uncounted_succeeded)
        ctx.failed = (status.get("failed") or 0) + self._non_ignored_failed(job, new_failed) + \
            len(ctx.uncounted_failed)
        if not status.get("startTime") and not spec.get("suspend"):
            status["startTime"] = self.apiserver.timestamp()
        ctx.new_backoff = self._new_backoff_record(key, new_succeeded, new_failed)

        manage_error = None
        ctx.finished = self._condition_of(job, "SuccessCriteriaMet")
        if ctx.finished is None:
            target = condition(job, "FailureTarget")
            if target is not None and target.get("status") == "True":
                ctx.finished = self._new_condition("Failed", target.get("reason", ""), target.get("message", ""))
            else:
                msg = self._fail_job_message(job, pods)
                if msg is not None:
                    ctx.finished = self._new_condition("FailureTarget", "PodFailurePolicy", msg)
        if ctx.finished is None:
            if ctx.failed > spec.get("backoffLimit", 6) or self._past_backoff_limit_on_failure(job, pods):
                ctx.finished = self._new_condition("FailureTarget", "BackoffLimitExceeded",
                                                   "Job has reached the specified backoff limit")
            elif self._past_active_deadline(job):
                ctx.finished = self._new_condition("FailureTarget", "DeadlineExceeded",
                                                   "Job was active longer than specified deadline")
            elif spec.get("activeDeadlineSeconds") is not None and not spec.get("suspend"):
                remaining = spec["activeDeadlineSeconds"] - (self._now() - parse_rfc3339(status["startTime"]))
                self.wakeups.add_after(key, remaining)
        if self._indexed(job):
            completions = spec.get("completions") or 0
            ctx.prev_succeeded_indexes = parse_indexes(status.get("completedIndexes"), completions)
            ctx.succeeded_indexes = set(ctx.prev_succeeded_indexes)
            for p in pods:
                ix = completion_index(p)
                if phase(p) == "Succeeded" and 0 <= ix < completions and has_tracking_finalizer(p):
                    ctx.succeeded_indexes.add(ix)
            ctx.succeeded = len(ctx.succeeded_indexes)

        suspend_changed = False
        if ctx.finished is not None:
            deleted_ready, deleted, err = self._delete_active_pods(job, ctx.active_pods)
            if deleted != active or not satisfied:
                ctx.finished = None
            active -= deleted
            ctx.terminating += deleted
            ctx.ready -= deleted_ready
            manage_error = err
        else:
            manage_called = False
            if satisfied and not job["metadata"].get("deletionTimestamp"):
                active, manage_error = self._manage_job(job, ctx, key)
                manage_called = True
            if spec.get("completions") is None:
                complete = ctx.succeeded > 0 and active == 0
            else:
                complete = ctx.succeeded >= spec["completions"] and active == 0
            if complete:
                ctx.finished = self._new_condition("SuccessCriteriaMet", "CompletionsReached",
                                                   "Reached expected number of succeeded pods")
            elif manage_called:
                if spec.get("suspend"):
                    changed = self._ensure_condition(job, "Suspended", "True", "JobSuspended", "Job suspended")
                    if changed:
                        suspend_changed = True
                        self.recorder.event(shared, "Normal", "Suspended", "Job suspended")
                else:
                    changed = self._ensure_condition(job, "Suspended", "False", "JobResumed", "Job resumed")
                    if changed:
                        suspend_changed = True
                        self.recorder.event(shared, "Normal", "Resumed", "Job resumed")
                        status["startTime"] = self.apiserver.timestamp()

        needs = (suspend_changed or active != (status.get("active") or 0) or status.get("ready") != ctx.ready
                 or status.get("terminating") != ctx.terminating)
        status["active"] = active
        status["ready"] = ctx.ready
        status["terminating"] = ctx.terminating
        self._track_status_and_remove_finalizers(ctx, key, needs)
        if manage_error is not None:
            raise manage_error

    # -------------------------------------------------------------------------------------
    def _indexed(self, job: dict) -> bool:
        return (job.get("spec") or {}).get("completionMode") == "Indexed"

    def _only_replace_failed(self, job: dict) -> bool:
        spec = job.get("spec") or {}
        return spec.get("podReplacementPolicy") == "Failed" or spec.get("podFailurePolicy") is not None

    def _pod_failed(self, pod: dict, job: dict) -> bool:
        """``isPodFailed``: phase Failed, or (unless only failed pods are replaced) being deleted
        without having succeeded."""
        if phase(pod) == "Failed":
            return True
        if self._only_replace_failed(job):
            return False
        return bool(pod["metadata"].get("deletionTimestamp")) and phase(pod) != "Succeeded"

    def _condition_of(self, job: dict, ctype: str) -> dict | None:
        c = condition(job, ctype)
        return c if c is not None and c.get("status") == "True" else None

    def _new_condition(self, ctype: str, reason: str, message: str, status: str = "True") -> dict:
        now = self.apiserver.timestamp()
        c = {"type": ctype, "status": status, "lastProbeTime": now, "lastTransitionTime": now}
        if reason:
            c["reason"] = reason
        if message:
            c["message"] = message
        return c

    def _ensure_condition(self, job: dict, ctype: str, status: str, reason: str, message: str) -> bool:
        """``ensureJobConditionStatus``."""
        conds = job["status"].setdefault("conditions", [])
        for i, c in enumerate(conds):
            if c.get("type") == ctype:
                if c.get("status") != status or c.get("reason") != reason or c.get("message") != message:
                    conds[i] = self._new_condition(ctype, reason, message, status)
                    return True
                return False
        if status != "False":
            conds.append(self._new_condition(ctype, reason, message, status))
            return True
        if not conds:
            del job["status"]["conditions"]
        return False

    def _pods_for_job(self, job: dict) -> list[dict]:
        """``getPodsForJob``: claim pods; adoption adds the tracking finalizer too."""
        md = job["metadata"]
        ns = md.get("namespace", "")
        selector = cu.label_selector((job.get("spec") or {}).get("selector"))
        owned = self.pods.by_index(cu.INDEX_CONTROLLER, md["uid"])
        orphans = self.pods.by_index(cu.INDEX_CONTROLLER, "orphan/" + ns)
        candidates = sorted(owned + orphans, key=lambda p: p["metadata"]["name"]) if orphans else owned
        adopted: list[str] = []

        def adopt(pod: dict) -> None:
            patch = cu.owner_ref_patch(job, "batch/v1", "Job", pod["metadata"]["uid"])
            patch["metadata"]["finalizers"] = [JOB_TRACKING_FINALIZER]
            self.client.patch("pods", pod["metadata"]["name"], patch, namespace=ns)
            adopted.append(pod["metadata"]["uid"])

        pods, errs = cu.claim_objects(
            job, selector, candidates, adopt=adopt,
            release=lambda pod: self.client.patch(
                "pods", pod["metadata"]["name"], cu.delete_owner_ref_patch(pod["metadata"]["uid"], md["uid"]),
                namespace=ns),
            can_adopt=lambda: cu.recheck_deletion(self.client, "jobs", job))
        if errs:
            raise errs[0]
        out = []
        for p in pods:
            if p["metadata"]["uid"] in adopted and not has_tracking_finalizer(p):
                p = deep_copy(p)
                p["metadata"]["finalizers"] = list(p["metadata"].get("finalizers") or ()) + [JOB_TRACKING_FINALIZER]
            out.append(p)
        return out

    def _valid_pods(self, ctx, uncounted: set, pred) -> list[dict]:
        """``getValidPodsWithFilter``: tracked pods not counted yet (with a valid index)."""
        out = []
        completions = (ctx.job.get("spec") or {}).get("completions") or 0
        for p in ctx.pods:
            uid = p["metadata"]["uid"]
            if not has_tracking_finalizer(p) or uid in uncounted or uid in ctx.expected_rm:
                continue
            if self._indexed(ctx.job):
                ix = completion_index(p)
                if ix < 0 or ix >= completions:
                    continue
            if pred(p):
                out.append(p)
        return out

    def _new_finished_pods(self, ctx) -> tuple[list[dict], list[dict]]:
        succeeded = self._valid_pods(ctx, ctx.uncounted_succeeded, lambda p: phase(p) == "Succeeded")
        failed = self._valid_pods(ctx, ctx.uncounted_failed, lambda p: self._pod_failed(p, ctx.job))
        return succeeded, failed

    def _non_ignored_failed(self, job: dict, failed: list[dict]) -> int:
        policy = (job.get("spec") or {}).get("podFailurePolicy")
        if policy is None:
            return len(failed)
        return sum(1 for p in failed if match_pod_failure_policy(policy, p)[1])

    def _fail_job_message(self, job: dict, pods: list[dict]) -> str | None:
        policy = (job.get("spec") or {}).get("podFailurePolicy")
        if policy is None:
            return None
        for p in pods:
            if self._pod_failed(p, job):
                msg = match_pod_failure_policy(policy, p)[0]
                if msg is not None:
                    return msg
        return None

    def _past_backoff_limit_on_failure(self, job: dict, pods: list[dict]) -> bool:
        """``pastBackoffLimitOnFailure``: container restarts of running pods (OnFailure only)."""
        spec = job.get("spec") or {}
        if ((spec.get("template") or {}).get("spec") or {}).get("restartPolicy") != "OnFailure":
            return False
        total = 0
        for p in pods:
            if phase(p) in ("Running", "Pending"):
                st = p.get("status") or {}
                for cs in list(st.get("initContainerStatuses") or ()) + list(st.get("containerStatuses") or ()):
                    total += cs.get("restartCount", 0)
        limit = spec.get("backoffLimit", 6)
        return total > 0 if limit == 0 else total >= limit

    def _past_active_deadline(self, job: dict) -> bool:
        spec = job.get("spec") or {}
        start = (job.get("status") or {}).get("startTime")
        if spec.get("activeDeadlineSeconds") is None or not start or spec.get("suspend"):
            return False
        return self._now() - parse_rfc3339(start) >= spec["activeDeadlineSeconds"]

    # -------------------------------------------------------------------------------------
    # pod-failure back-off (backoff_utils.go)
    def _new_backoff_record(self, key: str, succeeded: list[dict], failed: list[dict]) -> tuple[int, float | None]:
        failures, last = self.backoff.get(key, (0, None))
        succ = sorted(finished_time(p) for p in succeeded)
        fail = sorted(finished_time(p) for p in failed)
        if not succ:
            if not fail:
                return failures, last
            return failures + len(fail), fail[-1]
        failures, last = 0, None
        for t in reversed(fail):
            if not t > succ[-1]:
                break
            if last is None:
                last = t
            failures += 1
        return failures, last

    def _remaining_backoff(self, record: tuple[int, float | None]) -> float:
        failures, last = record
        if failures == 0 or last is None:
            return 0.0
        delay = DEFAULT_POD_FAILURE_BACKOFF
        for _ in range(1, failures):
            delay *= 2
            if delay >= MAX_POD_FAILURE_BACKOFF:
                delay = MAX_POD_FAILURE_BACKOFF
                break
        elapsed = self._now() - last
        return 0.0 if delay < elapsed else delay - elapsed

    # -------------------------------------------------------------------------------------
    # creating and deleting pods
    def _delete_active_pods(self, job: dict, pods: list[dict]) -> tuple[int, int, errors.StatusError | None]:
        """``deleteActivePods``: delete (finalizers stay; tracking removes them)."""
        deleted = deleted_ready = 0
        first = None
        for pod in pods:
            name = pod["metadata"]["name"]
            try:
                self.client.delete("pods", name, job["metadata"].get("namespace"))
            except errors.StatusError as e:
                if e.reason != "NotFound":
                    self.recorder.event(job, "Warning", "FailedDelete", f"Error deleting: {e.message}")
                    first = first or e
                    continue
            else:
                self.recorder.event(job, "Normal", "SuccessfulDelete", f"Deleted pod: {name}")
            deleted += 1
            if cu.is_pod_ready(pod):
                deleted_ready += 1
        return deleted_ready, deleted, first

    def _delete_job_pods(self, job: dict, key: str, pods: list[dict]) -> tuple[int, int, errors.StatusError | None]:
        """``deleteJobPods``: drop the finalizer, then delete."""
        deleted = deleted_ready = 0
        first = None
        ns = job["metadata"].get("namespace")
        for pod in pods:
            name = pod["metadata"]["name"]
            try:
                self._remove_finalizer(pod)
                self.client.delete("pods", name, ns)
            except errors.StatusError as e:
                self.expectations.deletion_counted(key)
                if e.reason != "NotFound":
                    self.recorder.event(job, "Warning", "FailedDelete", f"Error deleting: {e.message}")
                    first = first or e
                    continue
            else:
                self.recorder.event(job, "Normal", "SuccessfulDelete", f"Deleted pod: {name}")
            deleted += 1
            if cu.is_pod_ready(pod):
                deleted_ready += 1
        return deleted_ready, deleted, first

    def _pods_for_removal(self, job: dict, pods: list[dict], at_least: int) -> list[dict]:
        """``activePodsForRemoval``: duplicated or out-of-range indexes first, then by
        ``ActivePods`` order."""
        rm: list[dict] = []
        left = pods
        if self._indexed(job):
            completions = (job.get("spec") or {}).get("completions") or 0
            left = []
            by_index: dict[int, list[dict]] = {}
            for p in sorted(pods, key=completion_index):
                by_index.setdefault(completion_index(p), []).append(p)
            for ix in sorted(by_index):
                group = by_index[ix]
                if ix < 0 or ix >= completions:
                    rm.extend(group)
                elif len(group) == 1:
                    left.append(group[0])
                else:
                    group = sort_active_pods(group)
                    rm.extend(group[:-1])
                    left.append(group[-1])
        if len(rm) < at_least:
            rm.extend(sort_active_pods(left)[:at_least - len(rm)])
        return rm

    def _first_pending_indexes(self, ctx, count: int, completions: int) -> list[int]:
        if count == 0:
            return []
        non_pending = set(ctx.succeeded_indexes)
        non_pending.update(completion_index(p) for p in ctx.active_pods)
        if self._only_replace_failed(ctx.job):
            non_pending.update(completion_index(p) for p in ctx.pods
                               if p["metadata"].get("deletionTimestamp") and not is_terminal(p))
        out = []
        for ix in range(completions):
            if len(out) >= count:
                break
            if ix not in non_pending:
                out.append(ix)
        return out

    def _manage_job(self, job: dict, ctx, key: str) -> tuple[int, errors.StatusError | None]:
        """``manageJob``: returns the new number of active pods."""
        spec = job["spec"]
        active = len(ctx.active_pods)
        parallelism = spec.get("parallelism", 1)
        if spec.get("suspend"):
            to_delete = self._pods_for_removal(job, ctx.active_pods, active)
            self.expectations.expect_deletions_count(key, len(to_delete))
            removed_ready, removed, err = self._delete_job_pods(job, key, to_delete)
            ctx.terminating += removed
            ctx.ready -= removed_ready
            return active - removed, err
        if spec.get("completions") is None:
            want = active if ctx.succeeded > 0 else parallelism
        else:
            want = max(0, min(spec["completions"] - ctx.succeeded, parallelism))
        rm_at_least = max(0, active - want)
        to_delete = self._pods_for_removal(job, ctx.active_pods, rm_at_least)[:MAX_POD_CREATE_DELETE_PER_SYNC]
        if to_delete:
            self.expectations.expect_deletions_count(key, len(to_delete))
            removed_ready, removed, err = self._delete_job_pods(job, key, to_delete)
            ctx.terminating += removed
            ctx.ready -= removed_ready
            return active - removed, err
        terminating = ctx.terminating if self._only_replace_failed(job) else 0
        diff = want - terminating - active
        if diff <= 0:
            return active, None
        remaining = self._remaining_backoff(ctx.new_backoff)
        if remaining > 0:
            self.queue.add_after(key, max(remaining, SYNC_JOB_BATCH_PERIOD))
            return 0, None
        diff = min(diff, MAX_POD_CREATE_DELETE_PER_SYNC)
        indexes: list[int] = []
        if self._indexed(job):
            indexes = self._first_pending_indexes(ctx, diff, spec.get("completions") or 0)
            diff = len(indexes)
        self.expectations.expect_creations(key, diff)
        template = deep_copy(spec.get("template") or {})
        if self._indexed(job):
            self._add_completion_index_env(template)
        tmd = template.setdefault("metadata", {})
        fins = list(tmd.get("finalizers") or ())
        if JOB_TRACKING_FINALIZER not in fins:
            fins.append(JOB_TRACKING_FINALIZER)
        tmd["finalizers"] = fins
        ref = new_controller_ref(job)
        ns = job["metadata"].get("namespace", "")
        queue = list(indexes)
        created = [0]

        def create_one() -> None:
            index = queue.pop(0) if queue else -1
            pod = cu.get_pod_from_template(template, job, ref)
            if index >= 0:
                pod["metadata"].setdefault("annotations", {})[JOB_COMPLETION_INDEX] = str(index)
                pod["metadata"]["labels"][JOB_COMPLETION_INDEX] = str(index)
                pod["spec"]["hostname"] = f"{job['metadata']['name']}-{index}"
                pod["metadata"]["generateName"] = self._generate_name_with_index(job["metadata"]["name"], index)
            try:
                out = self.client.create("pods", pod, ns, owned=True)
            except errors.StatusError as e:
                if namespace_terminating(e):
                    return
                self.recorder.event(job, "Warning", "FailedCreate", f"Error creating: {e.message}")
                raise
            created[0] += 1
            self.recorder.event(job, "Normal", "SuccessfulCreate", f"Created pod: {out['metadata']['name']}")

        successes, err = cu.slow_start_batch(diff, cu.SLOW_START_INITIAL_BATCH_SIZE, create_one)
        for _ in range(diff - successes):
            self.expectations.creation_observed(key)
        return active + successes, err

    @staticmethod
    def _generate_name_with_index(job_name: str, index: int) -> str:
        suffix = f"-{index}-"
        prefix = job_name + suffix
        if len(prefix) > MAX_GENERATED_NAME_LENGTH:
            prefix = job_name[:MAX_GENERATED_NAME_LENGTH - len(suffix)] + suffix
        return prefix

    @staticmethod
    def _add_completion_index_env(template: dict) -> None:
        spec = template.setdefault("spec", {})
        for field in ("initContainers", "containers"):
            for c in spec.get(field) or ():
                env = c.setdefault("env", [])
                if any(e.get("name") == COMPLETION_INDEX_ENV for e in env):
                    continue
                env.append({"name": COMPLETION_INDEX_ENV, "valueFrom": {"fieldRef": {
                    "fieldPath": f"metadata.annotations['{JOB_COMPLETION_INDEX}']"}}})

    # -------------------------------------------------------------------------------------
    # finalizer-based tracking
    def _can_remove_finalizer(self, ctx, pod: dict, failed: bool) -> bool:
        if ctx.job["metadata"].get("deletionTimestamp") or ctx.finished is not None or phase(pod) == "Succeeded":
            return True
        return failed

    def _track_status_and_remove_finalizers(self, ctx, key: str, needs_flush: bool) -> None:
        """``trackJobStatusAndRemoveFinalizers``."""
        job = ctx.job
        spec = job["spec"]
        status = job["status"]
        indexed = self._indexed(job)
        completions = spec.get("completions") or 0
        uncounted = status["uncountedTerminatedPods"]
        pods = sorted(ctx.pods, key=completion_index) if indexed else ctx.pods
        with_finalizer = {p["metadata"]["uid"] for p in pods
                          if has_tracking_finalizer(p) and p["metadata"]["uid"] not in ctx.expected_rm}
        if self._clean_uncounted(status, with_finalizer):
            needs_flush = True
        to_remove: list[dict] = []
        new_indexes: list[int] = []
        reached_max = False
        policy = spec.get("podFailurePolicy")
        for pod in pods:
            uid = pod["metadata"]["uid"]
            if not has_tracking_finalizer(pod) or uid in ctx.expected_rm:
                continue
            failed = self._pod_failed(pod, job)
            if not self._can_remove_finalizer(ctx, pod, failed):
                continue
            to_remove.append(pod)
            if phase(pod) == "Succeeded" and uid not in ctx.uncounted_failed:
                if indexed:
                    ix = completion_index(pod)
                    if 0 <= ix < completions and ix not in ctx.prev_succeeded_indexes:
                        new_indexes.append(ix)
                        needs_flush = True
                elif uid not in ctx.uncounted_succeeded:
                    needs_flush = True
                    uncounted["succeeded"].append(uid)
            elif failed or (ctx.finished is not None and ctx.finished["type"] != "SuccessCriteriaMet"):
                ix = completion_index(pod)
                if uid not in ctx.uncounted_failed and (not indexed or 0 <= ix < completions):
                    if policy is None or match_pod_failure_policy(policy, pod)[1]:
                        needs_flush = True
                        uncounted["failed"].append(uid)
            if len(new_indexes) + len(uncounted["succeeded"]) + len(uncounted["failed"]) >= MAX_UNCOUNTED_PODS:
                reached_max = True
                break
        if indexed:
            ctx.succeeded_indexes = ctx.succeeded_indexes | set(new_indexes)
            text = format_indexes(ctx.succeeded_indexes)
            if text != (status.get("completedIndexes") or ""):
                needs_flush = True
            status["succeeded"] = len(ctx.succeeded_indexes)
            status["completedIndexes"] = text
        if ctx.finished is not None and ctx.finished["type"] == "FailureTarget":
            status.setdefault("conditions", []).append(ctx.finished)
            needs_flush = True
            ctx.finished = self._new_condition("Failed", ctx.finished.get("reason", ""),
                                               ctx.finished.get("message", ""))
        if ctx.finished is not None and ctx.finished["type"] == "SuccessCriteriaMet":
            if self._condition_of(job, "SuccessCriteriaMet") is None:
                status.setdefault("conditions", []).append(ctx.finished)
                needs_flush = True
            ctx.finished = self._new_condition("Complete", ctx.finished.get("reason", ""),
                                               ctx.finished.get("message", ""))
        # flushUncountedAndRemoveFinalizers
        if needs_flush:
            ctx.job = job = self._update_status(job)
            status = job["status"]
            self.backoff[key] = ctx.new_backoff
            needs_flush = False
        rm_error = None
        if to_remove:
            self.finalizer_expectations.setdefault(key, set()).update(p["metadata"]["uid"] for p in to_remove)
            for pod in to_remove:
                try:
                    self._remove_finalizer(pod)
                except errors.StatusError as e:
                    self._finalizer_removal_observed(key, pod["metadata"]["uid"])
                    rm_error = rm_error or e
                    continue
                with_finalizer.discard(pod["metadata"]["uid"])
        if self._clean_uncounted(status, with_finalizer):
            needs_flush = True
        if rm_error is not None:
            if needs_flush:
                self._update_status(job)
            raise rm_error
        finished = not reached_max and self._enact_finished(ctx)
        if finished:
            needs_flush = True
        if needs_flush:
            ctx.job = self._update_status(ctx.job)
            if finished:
                self._record_finished(ctx.job, ctx.finished)

    @staticmethod
    def _clean_uncounted(status: dict, with_finalizer: set[str]) -> bool:
        """``cleanUncountedPodsWithoutFinalizers``: move uids whose finalizer is gone into the
        counters."""
        uncounted = status["uncountedTerminatedPods"]
        changed = False
        for field in ("succeeded", "failed"):
            keep = [uid for uid in uncounted.get(field) or () if uid in with_finalizer]
            if len(keep) != len(uncounted.get(field) or ()):
                changed = True
                status[field] = (status.get(field) or 0) + len(uncounted[field]) - len(keep)
                uncounted[field] = keep
        return changed

    def _enact_finished(self, ctx) -> bool:
        """``enactJobFinished``: the Complete / Failed condition once nothing is uncounted and no
        pod is terminating."""
        if ctx.finished is None:
            return False
        status = ctx.job["status"]
        uncounted = status.get("uncountedTerminatedPods") or {}
        if uncounted.get("succeeded") or uncounted.get("failed"):
            return False
        if ctx.terminating > 0:
            return False
        c = ctx.finished
        self._ensure_condition(ctx.job, c["type"], c["status"], c.get("reason", ""), c.get("message", ""))
        if c["type"] == "Complete":
            status["completionTime"] = c["lastTransitionTime"]
        return True

    def _record_finished(self, job: dict, cond: dict) -> None:
        if cond["type"] == "Complete":
            completions = (job.get("spec") or {}).get("completions")
            if completions is not None and (job["status"].get("succeeded") or 0) > completions:
                self.recorder.event(job, "Warning", "TooManySucceededPods",
                                    "Too many succeeded pods running after completion count reached")
            self.recorder.event(job, "Normal", "Completed", "Job completed")
        else:
            self.recorder.event(job, "Warning", cond.get("reason", ""), cond.get("message", ""))

    def _update_status(self, job: dict) -> dict:
        """``UpdateStatus`` with the status in ``JobStatus`` field order, Go's omitempty applied."""
        st = job["status"]
        out: dict = {}
        for field in _STATUS_ORDER:
            v = st.get(field)
            if field == "uncountedTerminatedPods":
                out[field] = {k: list(v[k]) for k in ("succeeded", "failed") if v and v.get(k)}
            elif field in ("ready", "terminating", "failedIndexes"):
                if v is not None:
                    out[field] = v
            elif v:
                out[field] = v
        body = {**job, "status": out}
        updated = deep_copy(self.client.update_status("jobs", body, job["metadata"].get("namespace")))
        uncounted = updated.setdefault("status", {}).setdefault("uncountedTerminatedPods", {})
        for field in ("succeeded", "failed"):
            uncounted[field] = list(uncounted.get(field) or ())
        return updated


def job_finish_time(job: dict) -> float | None:
    """``jobFinishTime``: when the Complete or Failed condition turned True."""
    for c in (job.get("status") or {}).get("conditions") or ():
        if c.get("type") in ("Complete", "Failed") and c.get("status") == "True":
            return _time(c.get("lastTransitionTime"))
    return None


__all__ = ["JobController", "Wakeups", "PodExpectations", "JOB_TRACKING_FINALIZER", "JOB_COMPLETION_INDEX",
           "finished_condition", "is_job_finished", "job_finish_time", "match_pod_failure_policy"]
