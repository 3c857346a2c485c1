"""What the workload controllers share, after ``pkg/controller/controller_utils.go`` and
``pkg/controller/controller_ref_manager.go`` (Kubernetes 1.32).

* :class:`Expectations` — ``UIDTrackingControllerExpectations``: a controller that has just asked
  for N creates (or these N deletes) does not act again for that owner until its informer has seen
  them, or five minutes (``ExpectationsTimeout``) have passed — so a slow watch never makes it
  over-create.
* :func:`slow_start_batch` — calls grouped in batches of 1, 2, 4, …; a batch with a failure stops
  the rest (one quota error costs one doomed request, not hundreds).
* :func:`pods_for_deletion` — ``ActivePodsWithRanks``: which pods a scale-down removes first.
* :func:`claim_objects` — ``ClaimObject``: adoption of matching orphans and release of owned
  objects whose labels no longer match, through strategic-merge patches of ``ownerReferences``.
* pod helpers: ``IsPodActive``, ``IsPodReady``, ``IsPodAvailable``, ``GetPodFromTemplate``.

Times: the loop's virtual clock, and ``metav1.Time`` strings as the API stores them.
"""
from __future__ import annotations

import math
from functools import cmp_to_key
from typing import Callable, Iterable

from ...api import errors
from ...api.meta import IdentityCache, controller_ref, parse_rfc3339
from ...api.selectors import Selector, SelectorError, from_label_selector, selector_from_set

EXPECTATIONS_TIMEOUT = 300.0          # ExpectationsTimeout = 5 * time.Minute
SLOW_START_INITIAL_BATCH_SIZE = 1     # SlowStartInitialBatchSize
BURST_REPLICAS = 500                  # replicaset.BurstReplicas
POD_DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"
PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}

# pod informer indexes shared by the workload controllers of one controller-manager
INDEX_CONTROLLER = "kube-lab/controller-uid"   # controller uid, or "orphan/<namespace>"
INDEX_NAMESPACE = "kube-lab/namespace"


def pod_controller_index(obj: dict) -> list[str]:
    ref = controller_ref(obj)
    if ref is not None:
        return [ref.get("uid", "")]
    return ["orphan/" + obj["metadata"].get("namespace", "")]


def namespace_index(obj: dict) -> list[str]:
    return [obj["metadata"].get("namespace", "")]


def ensure_index(informer, name: str, func: Callable[[dict], list]) -> None:
    """Register an index once on a shared informer (several controllers may ask for it)."""
    try:
        informer.by_index(name, "")
    except KeyError:
        informer.add_indexer(name, func)


# ---------------------------------------------------------------------------------------------
# selectors (compiled once per stored object: stored objects are immutable)
_SELECTOR_CACHE = IdentityCache(8192)
_SET_SELECTOR_CACHE = IdentityCache(8192)


def _compile_label_selector(ls: dict) -> Selector | None:
    try:
        return from_label_selector(ls)
    except SelectorError:
        return None


def label_selector(ls: dict | None) -> Selector | None:
    """``metav1.LabelSelectorAsSelector``; ``None`` for a selector that does not convert."""
    if ls is None:
        return from_label_selector(None)
    return _SELECTOR_CACHE.get(ls, _compile_label_selector)


def set_selector(labels: dict | None) -> Selector:
    """``labels.SelectorFromSet`` (ReplicationController's equality-only selector)."""
    if labels is None:
        return selector_from_set(None)
    return _SET_SELECTOR_CACHE.get(labels, selector_from_set)


# ---------------------------------------------------------------------------------------------
# pods
def resolve_controller_ref(informer, kind: str, namespace: str, ref: dict) -> dict | None:
    """``resolveControllerRef``: the object a controller reference names, if it is of ``kind``,
    is in ``informer``'s cache under that name and still has the same uid (not a namesake)."""
    if ref.get("kind") != kind:
        return None
    obj = informer.get(f"{namespace}/{ref.get('name', '')}")
    if obj is None or obj["metadata"].get("uid") != ref.get("uid"):
        return None
    return obj


def owners_selecting(informer, obj: dict, selector: Callable[[dict], Selector | None] | None = None) -> list[dict]:
    """``GetPodReplicaSets``, ``getPodJobs``, ``GetDeploymentsForReplicaSet``…: the objects of
    ``informer`` in ``obj``'s namespace whose non-empty selector matches ``obj``'s labels (an
    orphan's possible adopters).  ``selector`` reads an owner's selector (default: the
    ``spec.selector`` LabelSelector)."""
    labels = obj["metadata"].get("labels") or {}
    if not labels:
        return []
    read = selector or (lambda o: label_selector((o.get("spec") or {}).get("selector")))
    out = []
    for owner in informer.by_index(INDEX_NAMESPACE, obj["metadata"].get("namespace", "")):
        sel = read(owner)
        if sel is not None and not sel.empty and sel.matches(labels):
            out.append(owner)
    return out


def labels_of(obj: dict) -> dict:
    return obj["metadata"].get("labels") or {}


def is_pod_active(pod: dict) -> bool:
    """``IsPodActive``: not Succeeded, not Failed, not being deleted."""
    phase = (pod.get("status") or {}).get("phase")
    return phase not in ("Succeeded", "Failed") and not pod["metadata"].get("deletionTimestamp")


def ready_condition(pod: dict) -> dict | None:
    for c in (pod.get("status") or {}).get("conditions") or ():
        if c.get("type") == "Ready":
            return c
    return None


def is_pod_ready(pod: dict) -> bool:
    c = ready_condition(pod)
    return c is not None and c.get("status") == "True"


_TIMES: dict[str, float] = {}


def _time(ts: str | None) -> float | None:
    """Unix seconds of a ``metav1.Time`` string (memoised: a rollout reads the same few)."""
    if not ts:
        return None
    t = _TIMES.get(ts)
    if t is None:
        if len(_TIMES) > 65536:
            _TIMES.clear()
        t = _TIMES[ts] = parse_rfc3339(ts)
    return t


def is_pod_available(pod: dict, min_ready_seconds: int, now: float) -> bool:
    """``podutil.IsPodAvailable``: ready, and (minReadySeconds is 0 or) ready since strictly more
    than ``minReadySeconds`` before ``now`` (Unix seconds)."""
    c = ready_condition(pod)
    if c is None or c.get("status") != "True":
        return False
    if not min_ready_seconds:
        return True
    since = _time(c.get("lastTransitionTime"))
    return since is not None and since + min_ready_seconds < now


def filter_active_pods(pods: Iterable[dict]) -> list[dict]:
    return [p for p in pods if is_pod_active(p)]


def get_pod_from_template(template: dict, owner: dict, ref: dict | None) -> dict:
    """``GetPodFromTemplate``: labels, annotations, finalizers and spec from the template,
    ``generateName`` ``<owner>-`` and the controller reference."""
    from ...api.meta import deep_copy

    tmd = template.get("metadata") or {}
    md: dict = {}
    prefix = owner["metadata"]["name"] + "-"
    md["generateName"] = prefix
    md["labels"] = dict(tmd.get("labels") or {})
    if tmd.get("annotations"):
        md["annotations"] = dict(tmd["annotations"])
    if tmd.get("finalizers"):
        md["finalizers"] = list(tmd["finalizers"])
    if ref is not None:
        md["ownerReferences"] = [dict(ref)]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": deep_copy(template.get("spec") or {})}


def max_container_restarts(pod: dict) -> int:
    return max((c.get("restartCount", 0) for c in (pod.get("status") or {}).get("containerStatuses") or ()),
               default=0)


def _deletion_cost(pod: dict) -> int:
    raw = (pod["metadata"].get("annotations") or {}).get(POD_DELETION_COST)
    if raw is None:
        return 0
    try:
        v = int(raw)
    except ValueError:
        return 0
    return v if -(1 << 31) <= v < (1 << 31) else 0


def _log_rank_diff(t1: float, t2: float, now: float) -> int:
    """``logarithmicRankDiff`` on durations in nanoseconds, as upstream."""
    d1 = (now - t1) * 1e9
    d2 = (now - t2) * 1e9
    r1 = int(math.log2(d1)) if d1 > 0 else -1
    r2 = int(math.log2(d2)) if d2 > 0 else -1
    return r1 - r2


def _after_or_zero(t1: float | None, t2: float | None) -> bool:
    if t1 is None or t2 is None:
        return t1 is None
    return t1 > t2


def pods_for_deletion(pods: list[dict], ranks: list[int], now: float) -> list[dict]:
    """Sort ``pods`` so that the ones to delete first come first (``ActivePodsWithRanks.Less``,
    with the PodDeletionCost and LogarithmicScaleDown features on, as in 1.32):

    unassigned < assigned; Pending < Unknown < Running; not ready < ready; lower
    ``pod-deletion-cost`` first; more co-located related pods first; ready for less time first
    (log₂ buckets, then uid); more container restarts first; newer first (log₂ buckets, then uid).
    Python's sort is stable where Go's is not: pods equal on every rule keep their input order.
    """
    info = []
    for pod, rank in zip(pods, ranks):
        ready = is_pod_ready(pod)
        rc = ready_condition(pod) if ready else None
        info.append((pod, rank, ready, _time(rc.get("lastTransitionTime")) if rc else None,
                     _time(pod["metadata"].get("creationTimestamp"))))

    def less(a, b) -> bool:
        pa, ra, ready_a, rt_a, ct_a = a
        pb, rb, ready_b, rt_b, ct_b = b
        na, nb = (pa.get("spec") or {}).get("nodeName") or "", (pb.get("spec") or {}).get("nodeName") or ""
        if na != nb and (not na or not nb):
            return not na
        oa = PHASE_ORDINAL.get((pa.get("status") or {}).get("phase"), 0)
        ob = PHASE_ORDINAL.get((pb.get("status") or {}).get("phase"), 0)
        if oa != ob:
            return oa < ob
        if ready_a != ready_b:
            return not ready_a
        ca, cb = _deletion_cost(pa), _deletion_cost(pb)
        if ca != cb:
            return ca < cb
        if ra != rb:
            return ra > rb
        if ready_a and ready_b and rt_a != rt_b:
            if rt_a is None or rt_b is None:
                return _after_or_zero(rt_a, rt_b)
            diff = _log_rank_diff(rt_a, rt_b, now)
            if diff == 0:
                return pa["metadata"].get("uid", "") < pb["metadata"].get("uid", "")
            return diff < 0
        xa, xb = max_container_restarts(pa), max_container_restarts(pb)
        if xa != xb:
            return xa > xb
        if ct_a != ct_b:
            if ct_a is None or ct_b is None:
                return _after_or_zero(ct_a, ct_b)
            diff = _log_rank_diff(ct_a, ct_b, now)
            if diff == 0:
                return pa["metadata"].get("uid", "") < pb["metadata"].get("uid", "")
            return diff < 0
        return False

    def cmp(a, b) -> int:
        if less(a, b):
            return -1
        if less(b, a):
            return 1
        return 0

    info.sort(key=cmp_to_key(cmp))
    return [i[0] for i in info]


# ---------------------------------------------------------------------------------------------
# expectations
class _Expectation:
    __slots__ = ("add", "dele", "timestamp")

    def __init__(self, add: int, dele: int, timestamp: float):
        self.add, self.dele, self.timestamp = add, dele, timestamp


class Expectations:
    """``UIDTrackingControllerExpectations`` on the virtual clock."""

    def __init__(self, loop):
        self.loop = loop
        self._exp: dict[str, _Expectation] = {}
        self._uids: dict[str, set[str]] = {}

    def satisfied(self, key: str) -> bool:
        exp = self._exp.get(key)
        if exp is None:
            return True
        if exp.add <= 0 and exp.dele <= 0:
            return True
        return self.loop.now - exp.timestamp > EXPECTATIONS_TIMEOUT

    def expect_creations(self, key: str, adds: int) -> None:
        self._exp[key] = _Expectation(adds, 0, self.loop.now)

    def expect_deletions(self, key: str, pod_keys: list[str]) -> None:
        self._uids[key] = set(pod_keys)
        self._exp[key] = _Expectation(0, len(set(pod_keys)), self.loop.now)

    def creation_observed(self, key: str) -> None:
        exp = self._exp.get(key)
        if exp is not None:
            exp.add -= 1

    def deletion_observed(self, key: str, pod_key: str) -> None:
        uids = self._uids.get(key)
        if uids is not None and pod_key in uids:
            uids.discard(pod_key)
            exp = self._exp.get(key)
            if exp is not None:
                exp.dele -= 1

    def delete(self, key: str) -> None:
        self._exp.pop(key, None)
        self._uids.pop(key, None)

    def get(self, key: str) -> tuple[int, int] | None:
        exp = self._exp.get(key)
        return None if exp is None else (exp.add, exp.dele)


def slow_start_batch(count: int, initial: int, fn: Callable[[], None]) -> tuple[int, errors.StatusError | None]:
    """``slowStartBatch``: returns (successes, first error).  Every call of a batch is made even if
    one fails (upstream runs a batch concurrently); the batches after a failure are skipped."""
    remaining = count
    successes = 0
    batch = min(remaining, initial)
    while batch > 0:
        errs: list[errors.StatusError] = []
        for _ in range(batch):
            try:
                fn()
            except errors.StatusError as e:
                errs.append(e)
        successes += batch - len(errs)
        if errs:
            return successes, errs[0]
        remaining -= batch
        batch = min(2 * batch, remaining)
    return successes, None


# ---------------------------------------------------------------------------------------------
# ControllerRefManager
def owner_ref_patch(owner: dict, api_version: str, kind: str, uid: str) -> dict:
    """``ownerRefControllerPatch``: adopt — add the controller reference (``uid`` pins the object)."""
    return {"metadata": {"ownerReferences": [{
        "apiVersion": api_version, "kind": kind, "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}],
        "uid": uid}}


def delete_owner_ref_patch(dependent_uid: str, owner_uid: str) -> dict:
    """``GenerateDeleteOwnerRefStrategicMergeBytes``: release — drop our reference."""
    return {"metadata": {"ownerReferences": [{"$patch": "delete", "uid": owner_uid}], "uid": dependent_uid}}


class ClaimError(Exception):
    pass


def claim_objects(owner: dict, selector: Selector | None, candidates: Iterable[dict], *,
                  adopt: Callable[[dict], None], release: Callable[[dict], None],
                  can_adopt: Callable[[], None]) -> tuple[list[dict], list[errors.StatusError]]:
    """``BaseControllerRefManager.ClaimObject`` over ``candidates``: returns the claimed objects
    (owned and matching, or just adopted) and the errors met.

    * owned by someone else → ignored;
    * owned by us and matching → claimed (even while we are being deleted);
    * owned by us, not matching → released (unless we are being deleted);
    * orphan, matching, not being deleted, same namespace, and we are not being deleted → adopted,
      after ``can_adopt`` (an uncached re-read of the owner) says the owner is still alive.
    """
    md = owner["metadata"]
    owner_uid = md["uid"]
    owner_deleting = bool(md.get("deletionTimestamp"))
    claimed: list[dict] = []
    errs: list[errors.StatusError] = []
    checked = [False]

    def matches(obj: dict) -> bool:
        return selector is not None and selector.matches(labels_of(obj))

    for obj in candidates:
        ref = controller_ref(obj)
        if ref is not None:
            if ref.get("uid") != owner_uid:
                continue
            if matches(obj):
                claimed.append(obj)
                continue
            if owner_deleting:
                continue
            try:
                release(obj)
            except errors.StatusError as e:
                if e.reason not in ("NotFound", "Invalid"):
                    errs.append(e)
            continue
        if owner_deleting or not matches(obj):
            continue
        if obj["metadata"].get("deletionTimestamp"):
            continue
        if md.get("namespace") and md["namespace"] != obj["metadata"].get("namespace"):
            continue
        try:
            if not checked[0]:
                can_adopt()
                checked[0] = True
            adopt(obj)
        except errors.StatusError as e:
            if e.reason != "NotFound":
                errs.append(e)
            continue
        claimed.append(obj)
    return claimed, errs


def recheck_deletion(client, resource: str, owner: dict) -> None:
    """``RecheckDeletionTimestamp``: the uncached read before the first adoption of a sync."""
    md = owner["metadata"]
    fresh = client.get(resource, md["name"], md.get("namespace"))
    fmd = fresh["metadata"]
    kind = owner.get("kind", "")
    if fmd.get("uid") != md.get("uid"):
        raise errors.status("Conflict", f"original {kind} {md.get('namespace')}/{md['name']} is gone: "
                                        f"got uid {fmd.get('uid')}, wanted {md.get('uid')}")
    if fmd.get("deletionTimestamp"):
        raise errors.status("Conflict", f"{md.get('namespace')}/{md['name']} has just been deleted at "
                                        f"{fmd['deletionTimestamp']}")
