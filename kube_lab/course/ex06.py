"""Exercise 06 — labels, selectors and ReplicaSets (solutions/06_labels_replicasets.ipynb).

A ReplicaSet ``frontend`` whose set-based selector picks ``app=shop`` pods with ``tier`` in
(web, edge), one of its pods released by relabelling it, and its pods orphaned with
``--cascade=orphan`` and adopted by a new ReplicaSet ``frontend-v2``.  7 points.

The checks look at what the controllers did — which pods a selector picks, who controls each pod
(``metadata.ownerReferences``), which pods kube-controller-manager created or patched (the request
trace) — never at the YAML typed."""
from __future__ import annotations

from ..api.selectors import SelectorError, from_label_selector
from . import inspect as k
from .checks import Fail, check

FIRST, SECOND = "frontend", "frontend-v2"
CONTROLLERS = "kube-controller-manager"
# what the selector must pick, and what it must leave alone
MUST_SELECT = ({"app": "shop", "tier": "web"}, {"app": "shop", "tier": "edge"})
MUST_NOT_SELECT = ({"app": "shop", "tier": "debug"}, {"app": "shop"}, {"tier": "web"})


def _fmt(labels: dict) -> str:
    return ",".join(f"{k_}={v}" for k_, v in labels.items()) or "(no labels)"


def _selector(rs: dict):
    try:
        return from_label_selector((rs.get("spec") or {}).get("selector"))
    except SelectorError as e:  # pragma: no cover - the API server validates selectors
        raise Fail(f"ReplicaSet {rs['metadata']['name']} has a selector the API server should not have accepted: {e}")


def _controller_uid(pod: dict) -> str | None:
    return next((r.get("uid") for r in pod["metadata"].get("ownerReferences") or () if r.get("controller")), None)


def _active(cluster) -> list[dict]:
    return [p for p in k.items(cluster, "pods") if not p["metadata"].get("deletionTimestamp")]


def _current(cluster) -> dict:
    """frontend, or frontend-v2 once task 3 replaced it."""
    rs = k.get(cluster, "replicasets", FIRST) or k.get(cluster, "replicasets", SECOND)
    if rs is None:
        raise Fail(f"there is no ReplicaSet named {FIRST}")
    return rs


def _ready_pods(cluster, rs: dict) -> list[dict]:
    uid = rs["metadata"]["uid"]
    return [p for p in _active(cluster) if _controller_uid(p) == uid and k.is_ready(p)]


@check("ex06.set-based", 2,
       "ReplicaSet frontend (later frontend-v2) picks app=shop pods with tier in (web, edge), 3 Ready",
       "in the ReplicaSet's spec.selector put `app: shop` under matchLabels and "
       "`{key: tier, operator: In, values: [web, edge]}` under matchExpressions, give the template matching labels, "
       "then cluster.run(20) and compare DESIRED/READY and SELECTOR in `kubectl get rs frontend -o wide`")
def set_based(cluster):
    rs = _current(cluster)
    name = rs["metadata"]["name"]
    sel = _selector(rs)
    missed = [_fmt(lb) for lb in MUST_SELECT if not sel.matches(lb)]
    if missed:
        raise Fail(f"{name}'s selector ({sel}) does not pick pods labelled {' or '.join(missed)}")
    extra = [_fmt(lb) for lb in MUST_NOT_SELECT if sel.matches(lb)]
    if extra:
        raise Fail(f"{name}'s selector ({sel}) also picks pods labelled {' and '.join(extra)}")
    replicas = (rs.get("spec") or {}).get("replicas", 1)
    if replicas != 3:
        raise Fail(f"{name} asks for spec.replicas={replicas}, not 3")
    ready = _ready_pods(cluster, rs)
    if len(ready) != 3:
        raise Fail(f"{name} controls {len(ready)} Ready pod(s), not 3: run the cluster a little longer")
    return True


def _user_writes(cluster, pod: str) -> list:
    return [r for r in k.trace_records(cluster, resource="pods", component=k.USER_COMPONENTS)
            if r.name == pod and r.verb in ("patch", "update") and r.subresource == ""]


@check("ex06.released", 2,
       "a pod of frontend, relabelled out of its selector, runs on without an owner and was replaced",
       "change the label the selector depends on: `kubectl label pod <one of frontend's pods> tier=debug --overwrite`, "
       "then cluster.run(20); in `kubectl get pods -o custom-columns=NAME:.metadata.name,TIER:.metadata.labels.tier,"
       "OWNER:.metadata.ownerReferences[*].name` it should be Running with no owner, beside 3 pods of frontend")
def released(cluster):
    rs = _current(cluster)
    sel = _selector(rs)
    made = {r.name: r.seq for r in k.trace_records(cluster, verb="create", resource="pods", component=CONTROLLERS,
                                                     prefix=FIRST) if r.subresource == ""}
    ours = [p for p in _active(cluster) if p["metadata"]["name"] in made]
    if not ours:
        raise Fail(f"no pod that {FIRST}'s controller created is running")
    free = [p for p in ours if _controller_uid(p) is None and not sel.matches(p["metadata"].get("labels") or {})]
    if not free:
        still = [p["metadata"]["name"] for p in ours if _controller_uid(p) is None]
        if still:
            raise Fail(f"{', '.join(still)} have no owner but still match the selector ({sel}): "
                       f"an owner with that selector would adopt them again")
        raise Fail(f"every pod {FIRST}'s controller created is still controlled by a ReplicaSet: "
                   f"none was relabelled out")
    pod = free[0]
    name = pod["metadata"]["name"]
    if not k.is_ready(pod):
        raise Fail(f"the released pod {name} is not Running and Ready")
    relabelled = _user_writes(cluster, name)
    if not relabelled:
        raise Fail(f"{name} has no owner, but you never changed it: relabel one of {FIRST}'s pods yourself")
    after = relabelled[0].seq
    replacement = [r for r in k.trace_records(cluster, verb="create", resource="pods", component=CONTROLLERS,
                                              prefix=FIRST) if r.seq > after and r.subresource == ""]
    if not replacement:
        raise Fail(f"{name} was released, but no ReplicaSet created a pod to replace it yet: run the cluster")
    ready = _ready_pods(cluster, rs)
    if len(ready) < (rs.get("spec") or {}).get("replicas", 1):
        raise Fail(f"{rs['metadata']['name']} has only {len(ready)} Ready pod(s) after the release: run the cluster")
    return True


@check("ex06.adopted", 3, "frontend's pods, orphaned with --cascade=orphan, are now controlled by frontend-v2",
       "`kubectl delete rs frontend --cascade=orphan` keeps the pods running; then apply frontend-v2 with the same "
       "selector, template labels and replicas: 3, and cluster.run(10): each pod's "
       ".metadata.ownerReferences[*].uid should be frontend-v2's uid, and frontend-v2 should have created no pod")
def adopted(cluster):
    v2 = k.require(cluster, "replicasets", SECOND, what="ReplicaSet")
    if k.get(cluster, "replicasets", FIRST) is not None:
        raise Fail(f"ReplicaSet {FIRST} still exists: its pods cannot be adopted while it controls them")
    created = [r for r in k.trace_records(cluster, verb="create", resource="replicasets",
                                          component=k.USER_COMPONENTS, prefix=SECOND) if r.name == SECOND]
    if not created:
        raise Fail(f"the trace has no create of ReplicaSet {SECOND}")
    born = created[-1].seq
    made = {r.name: r.seq for r in k.trace_records(cluster, verb="create", resource="pods", component=CONTROLLERS,
                                                     prefix=FIRST) if r.subresource == ""}
    uid = v2["metadata"]["uid"]
    owned = [p for p in _active(cluster) if _controller_uid(p) == uid]
    fresh = sorted(p["metadata"]["name"] for p in owned if made.get(p["metadata"]["name"], -1) > born)
    if fresh:
        raise Fail(f"{SECOND} started {len(fresh)} new pod(s) ({', '.join(fresh)}) instead of adopting "
                   f"{FIRST}'s: were they deleted with it?")
    ready = [p for p in owned if made.get(p["metadata"]["name"], born) < born and k.is_ready(p)]
    if len(ready) != 3:
        raise Fail(f"{SECOND} controls {len(ready)} Ready pod(s) that {FIRST} made, not 3")
    return True
