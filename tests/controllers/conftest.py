"""Fixtures and kubectl-like helpers for the workload-controller tests."""
from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fake_kubelet import FakeKubelet  # noqa: E402

from kube_lab import Cluster  # noqa: E402
from kube_lab.api.meta import controller_ref  # noqa: E402


@pytest.fixture
def cluster():
    return Cluster(nodes=0, seed=0, network_addons=False)


@pytest.fixture
def kubelet(cluster):
    return FakeKubelet(cluster, nodes=3, bad_image=lambda image: image.endswith(":missing"))


def deployment(name: str = "web", replicas: int = 3, image: str = "nginx:1.25", labels: dict | None = None,
               **spec) -> dict:
    labels = labels or {"app": name}
    body = {"replicas": replicas, "selector": {"matchLabels": dict(labels)},
            "template": {"metadata": {"labels": dict(labels)},
                         "spec": {"containers": [{"name": "nginx", "image": image}]}}}
    body.update(spec)
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name}, "spec": body}


def replicaset(name: str = "web", replicas: int = 3, selector: dict | None = None, labels: dict | None = None,
               image: str = "nginx:1.25", **spec) -> dict:
    labels = labels or {"app": name}
    body = {"replicas": replicas, "selector": selector or {"matchLabels": dict(labels)},
            "template": {"metadata": {"labels": dict(labels)},
                         "spec": {"containers": [{"name": "nginx", "image": image}]}}}
    body.update(spec)
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name}, "spec": body}


def set_image(cluster, name: str, image: str, container: str = "nginx") -> dict:
    """``kubectl set image deployment/<name> <container>=<image>`` (its strategic merge patch)."""
    patch = {"spec": {"template": {"spec": {"$setElementOrder/containers": [{"name": container}],
                                            "containers": [{"image": image, "name": container}]}}}}
    return cluster.client("kubectl").patch("deployments", name, patch, "application/strategic-merge-patch+json",
                                           "default")


def patch(cluster, resource: str, name: str, body, patch_type: str = "application/strategic-merge-patch+json"):
    return cluster.client("kubectl").patch(resource, name, body, patch_type, "default")


def owned_sets(cluster, d: dict) -> list[dict]:
    uid = d["metadata"]["uid"]
    return [rs for rs in cluster.list("replicasets") if (controller_ref(rs) or {}).get("uid") == uid]


def owned_pods(cluster, owner: dict, active_only: bool = True) -> list[dict]:
    uid = owner["metadata"]["uid"]
    pods = [p for p in cluster.list("pods") if (controller_ref(p) or {}).get("uid") == uid]
    if active_only:
        pods = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
    return pods


def rollout_status(d: dict) -> tuple[str, bool]:
    """kubectl 1.32 ``DeploymentStatusViewer.Status`` (pkg/polymorphichelpers/rollout_status.go)."""
    name = d["metadata"]["name"]
    st = d.get("status") or {}
    if d["metadata"].get("generation", 0) <= st.get("observedGeneration", 0):
        for c in st.get("conditions") or ():
            if c["type"] == "Progressing" and c.get("reason") == "ProgressDeadlineExceeded":
                return f'error: deployment "{name}" exceeded its progress deadline', True
        want = d["spec"]["replicas"]
        updated = st.get("updatedReplicas", 0)
        if updated < want:
            return (f'Waiting for deployment "{name}" rollout to finish: {updated} out of {want} new replicas '
                    "have been updated..."), False
        if st.get("replicas", 0) > updated:
            return (f'Waiting for deployment "{name}" rollout to finish: {st.get("replicas", 0) - updated} old '
                    "replicas are pending termination..."), False
        if st.get("availableReplicas", 0) < updated:
            return (f'Waiting for deployment "{name}" rollout to finish: {st.get("availableReplicas", 0)} of '
                    f"{updated} updated replicas are available..."), False
        return f'deployment "{name}" successfully rolled out', True
    return "Waiting for deployment spec update to be observed...", False


SKIP = {"kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/revision",
        "deployment.kubernetes.io/revision-history", "deployment.kubernetes.io/desired-replicas",
        "deployment.kubernetes.io/max-replicas", "deprecated.deployment.rollback.to"}


def rollout_undo(cluster, name: str, to_revision: int = 0) -> str:
    """kubectl 1.32 ``rollout undo`` (pkg/polymorphichelpers/rollback.go): a JSON patch that replaces
    the template with the chosen revision's (minus pod-template-hash) and the annotations."""
    d = cluster.get("deployments", name)
    sets = owned_sets(cluster, d)
    revs = [(int((rs["metadata"].get("annotations") or {}).get("deployment.kubernetes.io/revision", "0")), rs)
            for rs in sets]
    revs.sort(key=lambda r: r[0])
    if to_revision:
        match = [rs for v, rs in revs if v == to_revision]
        if not match:
            raise LookupError(f"unable to find specified revision {to_revision} in history")
        target = match[0]
    else:
        if len(revs) < 2:
            raise LookupError(f'no rollout history found for deployment "{name}"')
        target = revs[-2][1]
    template = dict(target["spec"]["template"])
    md = dict(template.get("metadata") or {})
    labels = {k: v for k, v in (md.get("labels") or {}).items() if k != "pod-template-hash"}
    md["labels"] = labels
    template["metadata"] = md
    ann = {k: v for k, v in (d["metadata"].get("annotations") or {}).items() if k in SKIP}
    ann.update({k: v for k, v in (target["metadata"].get("annotations") or {}).items() if k not in SKIP})
    patch(cluster, "deployments", name, [{"op": "replace", "path": "/spec/template", "value": template},
                                         {"op": "replace", "path": "/metadata/annotations", "value": ann}],
          "application/json-patch+json")
    return f"deployment.apps/{name} rolled back"


def events(cluster, kind: str | None = None, name: str | None = None) -> list[tuple[str, str, str]]:
    out = []
    for e in sorted(cluster.list("events"), key=lambda e: (e.get("firstTimestamp") or "", e["metadata"]["name"])):
        io = e["involvedObject"]
        if kind and io.get("kind") != kind:
            continue
        if name and io.get("name") != name:
            continue
        out.append((e["type"], e["reason"], e["message"]))
    return out


def observe(cluster, seconds: float, fn) -> None:
    """Advance ``seconds`` of virtual time, calling ``fn(cluster)`` after every event."""
    loop = cluster.loop
    deadline = loop.now + seconds
    while True:
        nxt = loop.next_time()
        if nxt is None or nxt > deadline:
            loop.run_until(deadline)
            return
        loop.step()
        fn(cluster)
