"""Deployment helpers, after ``pkg/controller/deployment/util/deployment_util.go`` (Kubernetes 1.32):
revisions and the annotations a Deployment keeps on its ReplicaSets, the surge/unavailable
fenceposts, the Progressing/Available conditions, and the arithmetic of rollouts and proportional
scaling.  Objects are wire-format dicts; functions that change one say so (callers pass copies).
"""
from __future__ import annotations

import math

from ...api.meta import parse_rfc3339
from .hashing import POD_TEMPLATE_HASH, equal_ignore_hash

REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
ROLLBACK_TO = "deprecated.deployment.rollback.to"          # apps.DeprecatedRollbackTo
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
CHANGE_CAUSE = "kubernetes.io/change-cause"
MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000
MAX_INT32 = 2**31 - 1

# condition types and reasons
PROGRESSING = "Progressing"
AVAILABLE = "Available"
REPLICA_FAILURE = "ReplicaFailure"
REPLICA_SET_UPDATED = "ReplicaSetUpdated"
FAILED_RS_CREATE = "ReplicaSetCreateError"
NEW_REPLICA_SET = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"
MIN_AVAILABLE = "MinimumReplicasAvailable"
MIN_UNAVAILABLE = "MinimumReplicasUnavailable"
# rollback events
ROLLBACK_REVISION_NOT_FOUND = "DeploymentRollbackRevisionNotFound"
ROLLBACK_TEMPLATE_UNCHANGED = "DeploymentRollbackTemplateUnchanged"
ROLLBACK_DONE = "DeploymentRollback"

ANNOTATIONS_TO_SKIP = frozenset({LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS,
                                 ROLLBACK_TO})

__all__ = ["POD_TEMPLATE_HASH", "equal_ignore_hash"]


# ---------------------------------------------------------------------------------------------
# small accessors
def spec(obj: dict) -> dict:
    return obj.get("spec") or {}


def status(obj: dict) -> dict:
    return obj.get("status") or {}


def replicas(obj: dict) -> int:
    """``*(x.Spec.Replicas)`` (defaulted to 1 by the API server)."""
    r = spec(obj).get("replicas")
    return 1 if r is None else r


def annotations(obj: dict) -> dict:
    return obj["metadata"].get("annotations") or {}


def sorted_map(m: dict) -> dict:
    """Go serialises maps with sorted keys; keep stored maps in that order."""
    return {k: m[k] for k in sorted(m)}


def creation_key(rs: dict) -> tuple:
    """``ReplicaSetsByCreationTimestamp``: creation time, then name."""
    return (rs["metadata"].get("creationTimestamp") or "", rs["metadata"]["name"])


# ---------------------------------------------------------------------------------------------
# conditions
def new_condition(cond_type: str, cond_status: str, reason: str, message: str, now: str) -> dict:
    """``NewDeploymentCondition`` (lastUpdateTime = lastTransitionTime = now)."""
    return {"type": cond_type, "status": cond_status, "lastUpdateTime": now, "lastTransitionTime": now,
            "reason": reason, "message": message}


def get_condition(st: dict, cond_type: str) -> dict | None:
    for c in st.get("conditions") or ():
        if c.get("type") == cond_type:
            return c
    return None


def set_condition(st: dict, cond: dict) -> None:
    """``SetDeploymentCondition``: no-op for the same status and reason; keeps lastTransitionTime
    while the status does not change; the condition moves to the end of the list."""
    current = get_condition(st, cond["type"])
    if current is not None and current.get("status") == cond["status"] and current.get("reason") == cond["reason"]:
        return
    if current is not None and current.get("status") == cond["status"]:
        cond = {**cond, "lastTransitionTime": current.get("lastTransitionTime")}
    rest = [c for c in st.get("conditions") or () if c.get("type") != cond["type"]]
    st["conditions"] = rest + [cond]


def remove_condition(st: dict, cond_type: str) -> None:
    rest = [c for c in st.get("conditions") or () if c.get("type") != cond_type]
    if rest:
        st["conditions"] = rest
    else:
        st.pop("conditions", None)


def rs_condition_to_deployment(cond: dict) -> dict:
    """``ReplicaSetToDeploymentCondition``."""
    return {"type": cond.get("type"), "status": cond.get("status"),
            "lastUpdateTime": cond.get("lastTransitionTime"), "lastTransitionTime": cond.get("lastTransitionTime"),
            "reason": cond.get("reason", ""), "message": cond.get("message", "")}


# ---------------------------------------------------------------------------------------------
# revisions and annotations
def revision(obj: dict) -> int | None:
    """``Revision``: the revision annotation as an int (0 if absent, None if unparsable)."""
    v = annotations(obj).get(REVISION)
    if v is None:
        return 0
    try:
        return int(v)
    except ValueError:
        return None


def max_revision(rss: list[dict]) -> int:
    best = 0
    for rs in rss:
        v = revision(rs)
        if v is not None and v > best:
            best = v
    return best


def last_revision(rss: list[dict]) -> int:
    """``LastRevision``: the second highest revision."""
    top, second = 0, 0
    for rs in rss:
        v = revision(rs)
        if v is None:
            continue
        if v >= top:
            second, top = top, v
        elif v > second:
            second = v
    return second


def set_deployment_revision(d: dict, rev: str) -> bool:
    """``SetDeploymentRevision`` (changes ``d``)."""
    ann = d["metadata"].setdefault("annotations", {})
    if ann.get(REVISION) != rev:
        ann[REVISION] = rev
        d["metadata"]["annotations"] = sorted_map(ann)
        return True
    return False


def copy_deployment_annotations_to_rs(d: dict, rs: dict) -> bool:
    """``copyDeploymentAnnotationsToReplicaSet`` (changes ``rs``)."""
    ann = rs["metadata"].setdefault("annotations", {})
    changed = False
    for k, v in annotations(d).items():
        if k in ANNOTATIONS_TO_SKIP or ann.get(k) == v:
            continue
        ann[k] = v
        changed = True
    return changed


def set_replicas_annotations(rs: dict, desired: int, maximum: int) -> bool:
    """``SetReplicasAnnotations`` (changes ``rs``)."""
    ann = rs["metadata"].setdefault("annotations", {})
    updated = False
    if ann.get(DESIRED_REPLICAS) != str(desired):
        ann[DESIRED_REPLICAS] = str(desired)
        updated = True
    if ann.get(MAX_REPLICAS) != str(maximum):
        ann[MAX_REPLICAS] = str(maximum)
        updated = True
    return updated


def replicas_annotations_need_update(rs: dict, desired: int, maximum: int) -> bool:
    ann = annotations(rs)
    return ann.get(DESIRED_REPLICAS) != str(desired) or ann.get(MAX_REPLICAS) != str(maximum)


def _int_annotation(rs: dict, key: str) -> int | None:
    v = annotations(rs).get(key)
    if v is None:
        return None
    try:
        return int(v)
    except ValueError:
        return None


def desired_replicas_annotation(rs: dict) -> int | None:
    return _int_annotation(rs, DESIRED_REPLICAS)


def max_replicas_annotation(rs: dict) -> int | None:
    return _int_annotation(rs, MAX_REPLICAS)


def set_new_rs_annotations(d: dict, rs: dict, new_revision: str, exists: bool,
                           limit_chars: int = MAX_REV_HISTORY_LENGTH_IN_CHARS) -> bool:
    """``SetNewReplicaSetAnnotations`` (changes ``rs``): copy the Deployment's annotations, raise
    the revision to ``new_revision`` if lower — remembering the old one in ``revision-history``
    (a rollback to this set) — and, for a set about to be created, desired/max replicas."""
    changed = copy_deployment_annotations_to_rs(d, rs)
    ann = rs["metadata"].setdefault("annotations", {})
    old = ann.get(REVISION)
    had = old is not None
    try:
        old_int = int(old) if old else 0
    except ValueError:
        rs["metadata"]["annotations"] = sorted_map(ann)
        return False
    try:
        new_int = int(new_revision)
    except ValueError:  # pragma: no cover - we always pass an int
        return False
    if old_int < new_int:
        ann[REVISION] = new_revision
        changed = True
    if had and old_int < new_int:
        history = ann.get(REVISION_HISTORY, "")
        olds = history.split(",")
        if not olds[0]:
            ann[REVISION_HISTORY] = old
        else:
            total = len(history) + len(old) + 1
            start = 0
            while total > limit_chars and start < len(olds):
                total -= len(olds[start]) + 1
                start += 1
            if total <= limit_chars:
                ann[REVISION_HISTORY] = ",".join(olds[start:] + [old])
    if not exists and set_replicas_annotations(rs, replicas(d), replicas(d) + max_surge(d)):
        changed = True
    rs["metadata"]["annotations"] = sorted_map(rs["metadata"]["annotations"])
    return changed


def set_deployment_annotations_to(d: dict, rs: dict) -> None:
    """``SetDeploymentAnnotationsTo`` (changes ``d``): on rollback, the Deployment takes the
    rolled-back-to set's annotations, keeping only its own skipped ones."""
    kept = {k: v for k, v in annotations(d).items() if k in ANNOTATIONS_TO_SKIP}
    for k, v in annotations(rs).items():
        if k not in ANNOTATIONS_TO_SKIP:
            kept[k] = v
    d["metadata"]["annotations"] = sorted_map(kept)


def set_from_rs_template(d: dict, template: dict) -> None:
    """``SetFromReplicaSetTemplate`` (changes ``d``): the set's template minus its hash label."""
    from ...api.meta import deep_copy

    t = deep_copy(template)
    md = t.setdefault("metadata", {})
    labels = dict(md.get("labels") or {})
    labels.pop(POD_TEMPLATE_HASH, None)
    md["labels"] = labels
    d["spec"]["template"] = t


# ---------------------------------------------------------------------------------------------
# strategy arithmetic
def is_rolling_update(d: dict) -> bool:
    return (spec(d).get("strategy") or {}).get("type") == "RollingUpdate"


def has_progress_deadline(d: dict) -> bool:
    v = spec(d).get("progressDeadlineSeconds")
    return v is not None and v != MAX_INT32


def has_revision_history_limit(d: dict) -> bool:
    v = spec(d).get("revisionHistoryLimit")
    return v is not None and v != MAX_INT32


def scaled_value(value, total: int, round_up: bool) -> int:
    """``intstr.GetScaledValueFromIntOrPercent``: a count, or a percentage of ``total`` (surge
    rounds up, unavailability rounds down)."""
    if value is None:
        raise ValueError("nil value for IntOrString")
    if isinstance(value, str):
        if not value.endswith("%"):
            raise ValueError("invalid value for IntOrString: invalid type: string is not a percentage")
        v = int(value[:-1])
        f = float(v) * float(total) / 100
        return int(math.ceil(f) if round_up else math.floor(f))
    return int(value)


def resolve_fenceposts(max_surge_v, max_unavailable_v, desired: int) -> tuple[int, int]:
    """``ResolveFenceposts``: both zero after rounding → maxUnavailable 1."""
    surge = scaled_value(0 if max_surge_v is None else max_surge_v, desired, True)
    unavailable = scaled_value(0 if max_unavailable_v is None else max_unavailable_v, desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def _rolling(d: dict) -> dict:
    return (spec(d).get("strategy") or {}).get("rollingUpdate") or {}


def max_surge(d: dict) -> int:
    if not is_rolling_update(d):
        return 0
    ru = _rolling(d)
    return resolve_fenceposts(ru.get("maxSurge"), ru.get("maxUnavailable"), replicas(d))[0]


def max_unavailable(d: dict) -> int:
    if not is_rolling_update(d) or replicas(d) == 0:
        return 0
    ru = _rolling(d)
    mu = resolve_fenceposts(ru.get("maxSurge"), ru.get("maxUnavailable"), replicas(d))[1]
    return min(mu, replicas(d))


def replica_count(rss: list[dict | None]) -> int:
    """``GetReplicaCountForReplicaSets``: sum of spec.replicas."""
    return sum(replicas(rs) for rs in rss if rs is not None)


def actual_replica_count(rss: list[dict | None]) -> int:
    return sum(status(rs).get("replicas", 0) for rs in rss if rs is not None)


def ready_replica_count(rss: list[dict | None]) -> int:
    return sum(status(rs).get("readyReplicas", 0) for rs in rss if rs is not None)


def available_replica_count(rss: list[dict | None]) -> int:
    return sum(status(rs).get("availableReplicas", 0) for rs in rss if rs is not None)


def filter_active(rss: list[dict | None]) -> list[dict]:
    """``FilterActiveReplicaSets``: sets that have (or ought to have) pods."""
    return [rs for rs in rss if rs is not None and replicas(rs) > 0]


def find_new_rs(d: dict, rs_list: list[dict]) -> dict | None:
    """``FindNewReplicaSet``: the oldest set whose template equals the Deployment's."""
    template = spec(d).get("template")
    for rs in sorted(rs_list, key=creation_key):
        if equal_ignore_hash(spec(rs).get("template"), template):
            return rs
    return None


def find_old_rss(d: dict, rs_list: list[dict]) -> tuple[list[dict], list[dict]]:
    """``FindOldReplicaSets``: (old sets with replicas, all old sets)."""
    new = find_new_rs(d, rs_list)
    required, all_old = [], []
    for rs in rs_list:
        if new is not None and rs["metadata"]["uid"] == new["metadata"]["uid"]:
            continue
        all_old.append(rs)
        if replicas(rs) != 0:
            required.append(rs)
    return required, all_old


def find_active_or_latest(new_rs: dict | None, old_rss: list[dict]) -> dict | None:
    """``FindActiveOrLatest``: the only active set, or the newest when none is active."""
    if new_rs is None and not old_rss:
        return None
    old_sorted = sorted(old_rss, key=creation_key, reverse=True)
    active = filter_active(old_sorted + [new_rs])
    if not active:
        return new_rs if new_rs is not None else old_sorted[0]
    if len(active) == 1:
        return active[0]
    return None


def is_saturated(d: dict, rs: dict | None) -> bool:
    if rs is None:
        return False
    desired = desired_replicas_annotation(rs)
    if desired is None:
        return False
    n = replicas(d)
    return replicas(rs) == n and desired == n and status(rs).get("availableReplicas", 0) == n


def deployment_complete(d: dict, st: dict) -> bool:
    n = replicas(d)
    return (st.get("updatedReplicas", 0) == n and st.get("replicas", 0) == n
            and st.get("availableReplicas", 0) == n
            and st.get("observedGeneration", 0) >= d["metadata"].get("generation", 0))


def deployment_progressing(d: dict, st: dict) -> bool:
    old = status(d)
    old_old = old.get("replicas", 0) - old.get("updatedReplicas", 0)
    new_old = st.get("replicas", 0) - st.get("updatedReplicas", 0)
    return (st.get("updatedReplicas", 0) > old.get("updatedReplicas", 0) or new_old < old_old
            or st.get("readyReplicas", 0) > old.get("readyReplicas", 0)
            or st.get("availableReplicas", 0) > old.get("availableReplicas", 0))


def deployment_timed_out(d: dict, st: dict, now: float) -> bool:
    """``DeploymentTimedOut``: no progress for progressDeadlineSeconds since the Progressing
    condition's lastUpdateTime (``now`` in Unix seconds)."""
    if not has_progress_deadline(d):
        return False
    cond = get_condition(st, PROGRESSING)
    if cond is None:
        return False
    if cond.get("reason") == NEW_RS_AVAILABLE:
        return False
    if cond.get("reason") == TIMED_OUT:
        return True
    since = parse_rfc3339(cond["lastUpdateTime"]) if cond.get("lastUpdateTime") else 0.0
    return since + spec(d)["progressDeadlineSeconds"] < now


def new_rs_new_replicas(d: dict, all_rss: list[dict | None], new_rs: dict) -> int:
    """``NewRSNewReplicas``: how far the new set may grow now."""
    strategy = (spec(d).get("strategy") or {}).get("type")
    if strategy == "RollingUpdate":
        surge = scaled_value(_rolling(d).get("maxSurge"), replicas(d), True)
        current = replica_count(all_rss)
        max_total = replicas(d) + surge
        if current >= max_total:
            return replicas(new_rs)
        up = min(max_total - current, replicas(d) - replicas(new_rs))
        return replicas(new_rs) + up
    if strategy == "Recreate":
        return replicas(d)
    raise ValueError(f"deployment type {strategy} isn't supported")


def _round_to_int32(a: float) -> int:
    return int(a - 0.5) if a < 0 else int(a + 0.5)


def get_proportion(rs: dict | None, d: dict, to_add: int, added: int) -> int:
    """``GetProportion``: this set's share of a scaling event, never more than still allowed."""
    if rs is None or replicas(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    fraction = _rs_fraction(rs, d)
    allowed = to_add - added
    if to_add > 0:
        return min(fraction, allowed)
    return max(fraction, allowed)


def _rs_fraction(rs: dict, d: dict) -> int:
    if replicas(d) == 0:
        return -replicas(rs)
    deployment_replicas = replicas(d) + max_surge(d)
    annotated = max_replicas_annotation(rs)
    if annotated is None:
        annotated = status(d).get("replicas", 0)
    if annotated == 0:
        return 0   # upstream divides by zero here; the min/max with "allowed" bounds the result
    size = float(replicas(rs) * deployment_replicas) / float(annotated)
    return _round_to_int32(size) - replicas(rs)


def revision_sort_key(rs: dict) -> tuple:
    """``ReplicaSetsByRevision`` (unparsable revisions fall back to creation order)."""
    v = revision(rs)
    return (v if v is not None else -1, creation_key(rs))
