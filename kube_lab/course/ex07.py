"""Exercise 07 — rolling updates (solutions/07_rolling_updates.ipynb).

Deployment ``web`` rolled to a new image with a change-cause of its own, a broken image rolled
out and rolled back, a Deployment ``shop`` whose rollout under maxSurge 1 / maxUnavailable 0 never
dropped below its floor (replayed from etcd's history of its ReplicaSets), and two changes made
while ``web`` was paused that went out as one revision.  7 points."""
from __future__ import annotations

import re

from ..controlplane.controllers.deployment_util import resolve_fenceposts
from ..controlplane.etcd import DELETE
from . import inspect as k
from .checks import Fail, check

WEB, SHOP = "web", "shop"
REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
CHANGE_CAUSE = "kubernetes.io/change-cause"
GOOD_IMAGE = "nginx:1.27"
PAUSED_IMAGE = "nginx:1.27.3"
PAUSED_MEMORY = "128Mi"


def _ann(obj: dict) -> dict:
    return obj["metadata"].get("annotations") or {}


def _rev(rs: dict) -> int:
    try:
        return int(_ann(rs).get(REVISION, "0"))
    except ValueError:
        return 0


def _template_containers(obj: dict) -> list[dict]:
    return ((((obj.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or [])


def _image(obj: dict) -> str:
    return ", ".join(c.get("image", "") for c in _template_containers(obj))


def _web(cluster) -> tuple[dict, list[dict]]:
    dep = k.require(cluster, "deployments", WEB, what="Deployment")
    return dep, sorted(k.replicasets_of(cluster, dep), key=_rev)


def _scaled_to(cluster, rs_name: str, replicas: int) -> bool:
    """Did the deployment controller ever scale ``rs_name`` up to ``replicas`` (its events)?"""
    pattern = re.compile(rf"^Scaled up replica set {re.escape(rs_name)} (?:from \d+ )?to {replicas}\b")
    return any(pattern.match(e.get("message") or "") for e in k.items(cluster, "events")
               if e.get("reason") == "ScalingReplicaSet")


# ------------------------------------------------------------------------------------------
@check("ex07.change-cause", 2, "web was rolled out to nginx:1.27 and its rollout history says why",
       "`kubectl set image deployment/web nginx=nginx:1.27`, then `kubectl annotate deployment/web "
       "kubernetes.io/change-cause=\"…\"` with a reason of your own, and `kubectl rollout status deployment/web`; "
       "`kubectl rollout history deployment/web` shows the CHANGE-CAUSE of each revision")
def change_cause(cluster):
    dep, rss = _web(cluster)
    first = next((rs for rs in rss if _image(rs) == "nginx:1.25"), None)
    new = next((rs for rs in rss if _image(rs) == GOOD_IMAGE), None)
    if new is None:
        raise Fail(f"no ReplicaSet of web runs {GOOD_IMAGE} (web's template says {_image(dep)})")
    cause = _ann(new).get(CHANGE_CAUSE, "")
    if not cause:
        raise Fail(f"revision {_rev(new)} ({GOOD_IMAGE}) has no change-cause: its CHANGE-CAUSE shows <none>")
    if first is not None and cause == _ann(first).get(CHANGE_CAUSE, ""):
        raise Fail(f"revision {_rev(new)} ({GOOD_IMAGE}) still carries the change-cause of revision {_rev(first)} "
                   f"({cause!r}): the annotation is copied from the Deployment, so set a new one for each rollout")
    with_cause = [rs for rs in rss if _ann(rs).get(REVISION) and _ann(rs).get(CHANGE_CAUSE)]
    if len(with_cause) < 2:
        raise Fail("rollout history shows fewer than 2 revisions with a change-cause")
    replicas = int((dep.get("spec") or {}).get("replicas", 1))
    if not (_scaled_to(cluster, new["metadata"]["name"], replicas)
            or (new.get("status") or {}).get("availableReplicas", 0) >= replicas):
        raise Fail(f"ReplicaSet {new['metadata']['name']} ({GOOD_IMAGE}) never reached {replicas} replicas: "
                   "let the rollout finish")
    return True


# ------------------------------------------------------------------------------------------
def _pull_failures(cluster) -> dict[str, str]:
    """Pod name → image, for every pod whose image the kubelet failed to pull (its Events)."""
    out: dict[str, str] = {}
    for e in k.items(cluster, "events"):
        if e.get("reason") != "Failed" or (e.get("involvedObject") or {}).get("kind") != "Pod":
            continue
        m = re.match(r'^Failed to pull image "([^"]+)"', e.get("message") or "")
        if m:
            out[(e.get("involvedObject") or {}).get("name", "")] = m.group(1)
    return out


@check("ex07.rollback", 2, "web's broken rollout was rolled back and its broken ReplicaSet scaled to 0",
       "`kubectl set image deployment/web nginx=nginx:1.99` (a tag that does not exist), watch the new pods fail "
       "with ErrImagePull / ImagePullBackOff (`kubectl get pods`), then `kubectl rollout undo deployment/web`; "
       "`kubectl get rs` should show the broken ReplicaSet at 0")
def rollback(cluster):
    dep, rss = _web(cluster)
    failures = _pull_failures(cluster)
    bad = [rs for rs in rss if any(pod.startswith(rs["metadata"]["name"] + "-") and image in _image(rs)
                                   for pod, image in failures.items())]
    if not bad:
        raise Fail("no ReplicaSet of web ever had pods whose image could not be pulled")
    for b in bad:
        if _image(dep) == _image(b):
            raise Fail(f"web's template still asks for {_image(b)}, the image that cannot be pulled: "
                       "roll back to the previous revision")
        name = b["metadata"]["name"]
        spec_n = int((b.get("spec") or {}).get("replicas", 1))
        have = int((b.get("status") or {}).get("replicas", 0))
        if spec_n or have:
            raise Fail(f"the broken ReplicaSet {name} ({_image(b)}) still wants {spec_n} pod(s) and has {have}")
    worst = max(bad, key=_rev)
    restored = [rs for rs in rss if rs not in bad and _rev(rs) > _rev(worst)
                and any(h.strip().isdigit() and int(h) < _rev(worst)
                        for h in _ann(rs).get(REVISION_HISTORY, "").split(","))]
    if not restored:
        raise Fail(f"after revision {_rev(worst)} ({_image(worst)}) no earlier revision was brought back "
                   "(a rollback gives the old ReplicaSet a new revision number and remembers the old one "
                   "in deployment.kubernetes.io/revision-history)")
    return True


# ------------------------------------------------------------------------------------------
@check("ex07.floor", 2, "shop (maxSurge 1, maxUnavailable 0) rolled out without ever dropping below its floor",
       "apply a Deployment shop with replicas: 4 and spec.strategy.rollingUpdate {maxSurge: 1, maxUnavailable: 0}, "
       "let its pods come up (cluster.run(30)), then `kubectl set image deployment/shop …` and `kubectl rollout "
       "status deployment/shop`; viz.rollout_trace(cluster, 'shop').table() shows what the ReplicaSets did")
def floor(cluster):
    from ..viz.rollout import rollout_trace

    dep = k.require(cluster, "deployments", SHOP, what="Deployment")
    spec = dep.get("spec") or {}
    replicas = int(spec.get("replicas", 1))
    strategy = spec.get("strategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        raise Fail(f"shop's strategy is {strategy.get('type')}, not RollingUpdate")
    ru = strategy.get("rollingUpdate") or {}
    surge, unavailable = resolve_fenceposts(ru.get("maxSurge", "25%"), ru.get("maxUnavailable", "25%"), replicas)
    if (surge, unavailable) != (1, 0):
        raise Fail(f"shop's strategy allows maxSurge {surge} and maxUnavailable {unavailable} "
                   f"(for {replicas} replicas), not 1 and 0")
    if replicas < 2:
        raise Fail(f"shop has {replicas} replica(s): give it 4")
    trace = rollout_trace(cluster, dep)
    if trace.steady_from() is None:
        more = " (etcd has compacted its older history: roll it out again)" if trace.truncated else ""
        raise Fail(f"shop never had all {replicas} pods available{more}")
    if trace.rollouts() < 1:
        raise Fail("shop was not rolled out to a new version after its pods were up")
    low = trace.below_floor()
    if low:
        s = low[0]
        raise Fail(f"at t={s.time:.1f}s only {s.total_available} pod(s) of shop were available, below the floor "
                   f"{trace.floor}")
    high = trace.above_ceiling()
    if high:
        s = high[0]
        raise Fail(f"at t={s.time:.1f}s shop's ReplicaSets wanted {s.total_desired} pods, above the ceiling "
                   f"{trace.ceiling}")
    if not trace.finished():
        raise Fail("shop's rollout has not finished: its newest ReplicaSet does not have every pod available yet")
    return True


# ------------------------------------------------------------------------------------------
def _limit(obj: dict) -> str:
    return ", ".join(str(((c.get("resources") or {}).get("limits") or {}).get("memory", ""))
                     for c in _template_containers(obj))


def _paused_with_both(cluster, dep: dict) -> bool | None:
    """Did etcd's history of web see it paused with both changes in its template?  ``None``: that
    part of the history is compacted."""
    etcd = cluster.etcd
    key = f"/registry/deployments/{dep['metadata'].get('namespace', 'default')}/{WEB}"
    first = max(etcd.compact_revision, 1)
    seen = False
    for ev in etcd.history(key, first):
        if ev.kv.key != key or ev.type == DELETE:
            continue
        seen = True
        v = ev.kv.value
        if (v.get("spec") or {}).get("paused") and _image(v) == PAUSED_IMAGE and _limit(v) == PAUSED_MEMORY:
            return True
    return False if seen or first <= 1 else None


@check("ex07.pause", 1, "two changes made while web was paused went out as one revision",
       "`kubectl rollout pause deployment/web`, then `kubectl set image deployment/web nginx=nginx:1.27.3` and "
       "`kubectl set resources deployment/web -c=nginx --limits=memory=128Mi`, then `kubectl rollout resume "
       "deployment/web` and `kubectl rollout status deployment/web`")
def pause(cluster):
    dep, rss = _web(cluster)
    if (dep.get("spec") or {}).get("paused"):
        raise Fail("web is still paused: nothing rolls out until you resume it")
    both = [rs for rs in rss if _image(rs) == PAUSED_IMAGE and _limit(rs) == PAUSED_MEMORY]
    if not both:
        raise Fail(f"no ReplicaSet of web runs {PAUSED_IMAGE} with a memory limit of {PAUSED_MEMORY}")
    halves = [rs for rs in rss if (_image(rs) == PAUSED_IMAGE) != (_limit(rs) == PAUSED_MEMORY)]
    if halves:
        rs = halves[0]
        raise Fail(f"revision {_rev(rs)} ({_image(rs)}, memory limit {_limit(rs) or 'none'}) rolled out only one of "
                   "the two changes: make both while the Deployment is paused")
    st = dep.get("status") or {}
    replicas = int((dep.get("spec") or {}).get("replicas", 1))
    if _image(dep) != PAUSED_IMAGE or _limit(dep) != PAUSED_MEMORY:
        raise Fail(f"web's template now says {_image(dep)} (memory limit {_limit(dep) or 'none'})")
    if not (st.get("observedGeneration") == dep["metadata"].get("generation")
            and st.get("updatedReplicas", 0) == replicas and st.get("availableReplicas", 0) >= replicas
            and st.get("replicas", 0) == replicas):
        raise Fail("web's rollout has not finished yet: `kubectl rollout status deployment/web`")
    if _paused_with_both(cluster, dep) is False:
        raise Fail("web was never paused while its template held both changes")
    return True
