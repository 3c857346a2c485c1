"""What the checks look at, read through the API server with a client named ``grader`` (so a
learner reading ``cluster.trace`` can tell grading apart from their own requests)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..api.errors import StatusError
from .checks import Fail

if TYPE_CHECKING:  # pragma: no cover
    from ..cluster import Cluster

USER_COMPONENTS = ("kubectl", "user")       # what a learner's own requests are recorded as


def client(cluster: "Cluster"):
    c = cluster.__dict__.get("_grader_client")
    if c is None:
        c = cluster.__dict__["_grader_client"] = cluster.client("grader")
    return c


def get(cluster: "Cluster", resource: str, name: str, namespace: str | None = "default") -> dict | None:
    try:
        return client(cluster).get(resource, name, namespace)
    except StatusError as e:
        if e.reason == "NotFound":
            return None
        raise


def require(cluster: "Cluster", resource: str, name: str, namespace: str | None = "default", what: str = "") -> dict:
    obj = get(cluster, resource, name, namespace)
    if obj is None:
        where = f" in namespace {namespace}" if namespace and namespace != "default" else ""
        raise Fail(f"there is no {what or resource.rstrip('s')} named {name}{where}")
    return obj


def items(cluster: "Cluster", resource: str, namespace: str | None = "default", selector: str | None = None) -> list[dict]:
    lst = client(cluster).list(resource, namespace, label_selector=selector)["items"]
    return sorted(lst, key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))


def is_ready(pod: dict) -> bool:
    if pod["metadata"].get("deletionTimestamp"):
        return False
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or ())


def owned_by(obj: dict, uid: str) -> bool:
    return any(r.get("uid") == uid for r in obj["metadata"].get("ownerReferences") or ())


def replicasets_of(cluster: "Cluster", deployment: dict) -> list[dict]:
    ns = deployment["metadata"].get("namespace", "default")
    return [rs for rs in items(cluster, "replicasets", ns) if owned_by(rs, deployment["metadata"]["uid"])]


def pods_of(cluster: "Cluster", deployment: dict) -> list[dict]:
    """The pods the Deployment owns through its ReplicaSets (not deleted)."""
    ns = deployment["metadata"].get("namespace", "default")
    rs_uids = {rs["metadata"]["uid"] for rs in replicasets_of(cluster, deployment)}
    return [p for p in items(cluster, "pods", ns)
            if any(r.get("uid") in rs_uids for r in p["metadata"].get("ownerReferences") or ())
            and not p["metadata"].get("deletionTimestamp")]


def images(pod: dict) -> list[str]:
    return [c.get("image", "") for c in (pod.get("spec") or {}).get("containers") or ()]


def trace_records(cluster: "Cluster", *, verb: str | None = None, resource: str | None = None,
                  component: tuple[str, ...] | str | None = None, prefix: str = "", ok: bool = True,
                  subresource: str | None = None) -> list:
    comps = (component,) if isinstance(component, str) else component
    out = []
    for r in cluster.trace:
        if verb is not None and r.verb != verb:
            continue
        if resource is not None and r.resource != resource:
            continue
        if comps is not None and not any(r.component == c or r.component.startswith(c + "/") for c in comps):
            continue
        if prefix and not (r.name == prefix or r.name.startswith(prefix + "-")):
            continue
        if subresource is not None and r.subresource != subresource:
            continue
        if ok and not (200 <= r.code < 300):
            continue
        out.append(r)
    return out
