"""What the pictures show, read from the live cluster through the API server.

The diagrams and the dashboard read the cluster with an API client named ``viz`` (so their reads
appear in ``cluster.trace`` under that name, as a real dashboard's would) and turn Nodes, Pods,
Services and EndpointSlices into small value objects.  Pod status is the STATUS column of
``kubectl get pods`` (``printPod`` in ``pkg/printers/internalversion/printers.go``), computed by
the same function the API server's table printer uses.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..controlplane.apiserver.tables import pod_status_reason

if TYPE_CHECKING:  # pragma: no cover
    from ..cluster import Cluster

VIZ_COMPONENT = "viz"

# STATUS → (fill, border): green running, amber on the way, grey going away, blue done, red broken.
_GOOD = ("#c8e6c9", "#2e7d32")
_WAIT = ("#ffe082", "#b28704")
_GONE = ("#e0e0e0", "#616161")
_DONE = ("#bbdefb", "#1565c0")
_BAD = ("#ffcdd2", "#c62828")
_WAITING_REASONS = {"Pending", "ContainerCreating", "PodInitializing", "NotReady", "SchedulingGated"}


def status_colour(status: str, ready: bool = True) -> tuple[str, str]:
    """The (fill, border) colours of a pod card for a ``kubectl get pods`` STATUS."""
    if status == "Running":
        return _GOOD if ready else _WAIT
    if status in _WAITING_REASONS or status.startswith("Init:") and status[5:].split("/")[0].isdigit():
        return _WAIT
    if status == "Terminating":
        return _GONE
    if status in ("Completed", "Succeeded"):
        return _DONE
    return _BAD


@dataclass(frozen=True)
class PodView:
    namespace: str
    name: str
    node: str            # "" while unscheduled
    ip: str
    status: str          # kubectl's STATUS column
    ready: str           # "1/1"
    restarts: int
    owner: str           # "ReplicaSet/web-7b84c5f95f" or ""
    images: tuple[str, ...]
    labels: tuple[tuple[str, str], ...]
    uid: str = ""

    @property
    def is_ready(self) -> bool:
        r, _, t = self.ready.partition("/")
        return r == t and t != "0"

    @property
    def colours(self) -> tuple[str, str]:
        return status_colour(self.status, self.is_ready)


@dataclass(frozen=True)
class NodeView:
    name: str
    ip: str
    ready: str           # "Ready", "NotReady", "Unknown"
    roles: str           # "control-plane" or "<none>"
    unschedulable: bool
    pods: tuple[PodView, ...] = ()

    @property
    def status(self) -> str:
        """kubectl's STATUS column for a node (``Ready,SchedulingDisabled`` when cordoned)."""
        return self.ready + (",SchedulingDisabled" if self.unschedulable else "")


@dataclass(frozen=True)
class EndpointView:
    ip: str
    pod: str             # target pod's name ("" if not a pod)
    ready: bool


@dataclass(frozen=True)
class ServiceView:
    namespace: str
    name: str
    type: str
    cluster_ip: str
    ports: str           # "80/TCP" or "80:30080/TCP"
    selector: tuple[tuple[str, str], ...]
    endpoints: tuple[EndpointView, ...] = ()


@dataclass(frozen=True)
class ClusterView:
    """A consistent picture of the cluster at one virtual instant."""
    name: str
    time: float
    nodes: tuple[NodeView, ...]
    unscheduled: tuple[PodView, ...]
    services: tuple[ServiceView, ...] = field(default=())

    @property
    def pods(self) -> list[PodView]:
        return [p for n in self.nodes for p in n.pods] + list(self.unscheduled)


def viz_client(cluster: "Cluster"):
    """The API client the pictures read with (component ``viz`` in the trace)."""
    client = cluster.__dict__.get("_viz_client")
    if client is None:
        client = cluster.__dict__["_viz_client"] = cluster.client(VIZ_COMPONENT)
    return client


def _node_ready(node: dict) -> str:
    for c in (node.get("status") or {}).get("conditions") or ():
        if c.get("type") == "Ready":
            return {"True": "Ready", "False": "NotReady"}.get(c.get("status"), "Unknown")
    return "Unknown"


def _roles(node: dict) -> str:
    roles = sorted(k.split("/", 1)[1] for k in (node["metadata"].get("labels") or {})
                   if k.startswith("node-role.kubernetes.io/") and k.split("/", 1)[1])
    return ",".join(roles) or "<none>"


def node_ip(node: dict) -> str:
    for a in (node.get("status") or {}).get("addresses") or ():
        if a.get("type") == "InternalIP":
            return a.get("address", "")
    return ""


def pod_view(pod: dict) -> PodView:
    md, spec, status = pod["metadata"], pod.get("spec") or {}, pod.get("status") or {}
    reason, ready, total, restarts, _ = pod_status_reason(pod)
    owner = ""
    for ref in md.get("ownerReferences") or ():
        if ref.get("controller"):
            owner = f"{ref.get('kind')}/{ref.get('name')}"
    return PodView(
        namespace=md.get("namespace", ""), name=md["name"], node=spec.get("nodeName") or "",
        ip=status.get("podIP") or "", status=reason or "Unknown", ready=f"{ready}/{total}",
        restarts=restarts, owner=owner,
        images=tuple(c.get("image", "") for c in spec.get("containers") or ()),
        labels=tuple(sorted((md.get("labels") or {}).items())), uid=md.get("uid", ""))


def _ports(svc: dict) -> str:
    out = []
    for p in (svc.get("spec") or {}).get("ports") or ():
        s = str(p.get("port"))
        if p.get("nodePort"):
            s += f":{p['nodePort']}"
        out.append(f"{s}/{p.get('protocol', 'TCP')}")
    return ",".join(out) or "<none>"


def observe(cluster: "Cluster", namespace: str | None = None, services: bool = True,
            system: bool = False) -> ClusterView:
    """Read nodes, pods (of ``namespace``, or every namespace) and Services with their
    EndpointSlices.  ``system=False`` leaves out the ``kube-*`` namespaces' pods and the
    ``default/kubernetes`` Service."""
    client = viz_client(cluster)
    nodes = sorted(client.list("nodes")["items"], key=lambda n: n["metadata"]["name"])
    pods = client.list("pods", namespace)["items"]
    views = sorted((pod_view(p) for p in pods if system or not p["metadata"].get("namespace", "").startswith("kube-")),
                   key=lambda p: (p.namespace, p.name))
    by_node: dict[str, list[PodView]] = {}
    unscheduled = []
    for p in views:
        if p.node:
            by_node.setdefault(p.node, []).append(p)
        else:
            unscheduled.append(p)
    node_views = tuple(NodeView(n["metadata"]["name"], node_ip(n), _node_ready(n), _roles(n),
                                bool((n.get("spec") or {}).get("unschedulable")),
                                tuple(by_node.get(n["metadata"]["name"], ()))) for n in nodes)
    # pods bound to a node that no longer exists still belong in the picture
    known = {n.name for n in node_views}
    orphans = [p for name in sorted(by_node) if name not in known for p in by_node[name]]
    svc_views: list[ServiceView] = []
    if services:
        slices = client.list("endpointslices", namespace)["items"]
        by_service: dict[tuple[str, str], list[EndpointView]] = {}
        for s in slices:
            md = s["metadata"]
            svc_name = (md.get("labels") or {}).get("kubernetes.io/service-name")
            if not svc_name:
                continue
            lst = by_service.setdefault((md.get("namespace", ""), svc_name), [])
            for ep in s.get("endpoints") or ():
                ref = ep.get("targetRef") or {}
                ready = (ep.get("conditions") or {}).get("ready") is not False
                for addr in ep.get("addresses") or ():
                    lst.append(EndpointView(addr, ref.get("name", "") if ref.get("kind") == "Pod" else "", ready))
        for svc in sorted(client.list("services", namespace)["items"],
                          key=lambda s: (s["metadata"].get("namespace", ""), s["metadata"]["name"])):
            md, spec = svc["metadata"], svc.get("spec") or {}
            ns = md.get("namespace", "")
            if not system and (ns.startswith("kube-") or (ns == "default" and md["name"] == "kubernetes")):
                continue
            eps = tuple(sorted(by_service.get((ns, md["name"]), ()), key=lambda e: (e.pod, e.ip)))
            svc_views.append(ServiceView(ns, md["name"], spec.get("type", "ClusterIP"), spec.get("clusterIP", ""),
                                         _ports(svc), tuple(sorted((spec.get("selector") or {}).items())), eps))
    return ClusterView(cluster.name, cluster.now, node_views, tuple(unscheduled + orphans), tuple(svc_views))
