"""The message flow of a piece of work through the components, read from ``cluster.trace``.

Every API request in the trace becomes a message *component → kube-apiserver*; a write that
succeeded is followed by *kube-apiserver → etcd* (the key written and the revision it got).
Components never call each other: they learn about a change through a watch, so before a
component's request the flow shows the watch event that most plausibly woke it up — the latest
write, not yet delivered to it, to a resource the trace shows it watching (a kubelet only sees
pods of its own node).  That attribution is an inference from the recorded order; everything else
is the trace itself, in recorded order.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from ..cluster import Cluster
    from ..sim.trace import TraceRecord

APISERVER = "kube-apiserver"
ETCD = "etcd"
WRITES = ("create", "update", "patch", "delete", "deletecollection")
# housekeeping that is not part of the story: Events, node heartbeats (Leases, node status)
DEFAULT_SKIP_RESOURCES = ("events", "leases")
WATCH_TYPES = {"create": "ADDED", "update": "MODIFIED", "patch": "MODIFIED", "delete": "DELETED",
               "deletecollection": "DELETED"}


@dataclass(frozen=True)
class Message:
    """One arrow of the flow: ``kind`` is ``"request"`` (component → kube-apiserver), ``"store"``
    (kube-apiserver → etcd) or ``"watch"`` (kube-apiserver → component)."""
    seq: int
    time: float
    source: str
    target: str
    kind: str
    text: str
    code: int = 200

    def __str__(self) -> str:
        return f"t={self.time:7.3f}s  {self.source} → {self.target}: {self.text}"


def _object(r: "TraceRecord") -> str:
    sub = f"/{r.subresource}" if r.subresource else ""
    name = f" {r.name}" if r.name else ""
    return f"{r.resource}{sub}{name}"


def _is_heartbeat(r: "TraceRecord") -> bool:
    return r.resource == "nodes" and r.subresource == "status" and r.component.startswith("kubelet/")


def etcd_key(cluster: "Cluster", r: "TraceRecord") -> str:
    try:
        info = cluster.apiserver.info(r.resource)
    except Exception:
        return f"/registry/{r.resource}/{r.namespace + '/' if r.namespace else ''}{r.name}"
    return cluster.apiserver.key(info, r.namespace, r.name)


def messages(cluster: "Cluster", since: int | None = None, until: int | None = None, *,
             records: Sequence["TraceRecord"] | None = None,
             skip_resources: Iterable[str] = DEFAULT_SKIP_RESOURCES, heartbeats: bool = False,
             skip_components: Iterable[str] = ("viz",), reads: bool = True, watches: bool = True,
             storage: bool = True, namespace: str | None = None) -> list[Message]:
    """The flow of the trace records after mark ``since`` (``cluster.trace.mark()``) up to mark
    ``until`` (or of ``records``).  By default Events, Leases, node-status heartbeats and the
    pictures' own reads (component ``viz``) are left out; ``namespace="default"`` keeps only
    requests for objects in that namespace (what the system's own pods do is left out)."""
    trace = cluster.trace
    if records is None:
        records = trace.since(since or 0)
        if until is not None:
            records = [r for r in records if r.seq <= until]
    skip_res = set(skip_resources)
    skip_comp = set(skip_components)
    if namespace is not None:
        records = [r for r in records if r.namespace == namespace]
    watched: dict[str, set[str]] = {}
    for r in trace:                      # who watches what, over the whole trace
        if r.verb == "watch":
            watched.setdefault(r.component, set()).add(r.resource)
    # which node each pod is on, as far as the kubelets' own requests tell
    pod_node: dict[tuple[str, str], str] = {}
    bound_at: dict[tuple[str, str], int] = {}      # pod → seq of its binding (before: no node yet)
    for r in records:
        if r.resource == "pods" and r.component.startswith("kubelet/") and r.name:
            pod_node.setdefault((r.namespace, r.name), r.component.split("/", 1)[1])
        if r.resource == "pods" and r.subresource == "binding" and 200 <= r.code < 300:
            bound_at[(r.namespace, r.name)] = r.seq

    out: list[Message] = []
    writes: list["TraceRecord"] = []            # successful writes so far, in order
    shown_to: dict[tuple[str, int], str] = {}   # (component, write seq) → resource it woke it for
    last_request: dict[str, int] = {}           # component → seq of its previous request

    def sees(component: str, w: "TraceRecord") -> bool:
        if w.resource not in watched.get(component, ()):
            return False
        if component.startswith("kubelet/") and w.resource == "pods":
            key = (w.namespace, w.name)
            return (pod_node.get(key) == component.split("/", 1)[1]) and w.seq >= bound_at.get(key, 0)
        return True

    def trigger(r: "TraceRecord") -> "TraceRecord | None":
        """The watch event that most plausibly woke ``r.component`` up for ``r``."""
        c = r.component
        same = related = newest_other = None
        for w in reversed(writes[-200:]):
            if w.component == c and (c != "kube-controller-manager" or w.resource == r.resource):
                continue        # only the controller manager runs several controllers in one process
            if not sees(c, w):
                continue
            before = shown_to.get((c, w.seq))
            if before is not None and not (r.verb == "create" and before != r.resource):
                continue        # already shown reaching it (again only for another controller's create)
            if w.namespace == r.namespace and w.name == r.name:
                same = same or w
            elif w.namespace == r.namespace and _related(w.name, r.name):
                related = related or w
            elif newest_other is None and before is None and w.seq > last_request.get(c, 0):
                newest_other = w
        return same or related or newest_other

    for r in records:
        if r.verb == "watch" or r.component in skip_comp:
            continue
        shown = (r.resource not in skip_res and (heartbeats or not _is_heartbeat(r))
                 and (reads or r.verb in WRITES))
        ok = 200 <= r.code < 300
        if shown and r.component != APISERVER:
            if watches:
                w = trigger(r)
                if w is not None:
                    shown_to[(r.component, w.seq)] = r.resource
                    t = max(w.time, out[-1].time if out else w.time)
                    out.append(Message(w.seq, t, APISERVER, r.component, "watch",
                                       f"watch event {_watch_type(w, r.component)} {w.resource} {w.name}"))
            text = f"{r.verb} {_object(r)}" + ("" if ok else f" → {r.code}")
            out.append(Message(r.seq, r.time, r.component, APISERVER, "request", text, r.code))
            last_request[r.component] = r.seq
        if r.verb in WRITES and ok:
            if shown and storage:
                key = etcd_key(cluster, r)
                rev = f" (revision {r.resource_version})" if r.resource_version else ""
                out.append(Message(r.seq, r.time, APISERVER, ETCD, "store", f"write {key}{rev}"))
            if r.resource not in skip_res and not _is_heartbeat(r):
                writes.append(r)
    return out


def _related(a: str, b: str) -> bool:
    """Same object, or one generated from the other by one ``-suffix`` (a Deployment and its
    ReplicaSet, a ReplicaSet and its Pod): the owner–child naming that controllers use."""
    if not a or not b:
        return False
    if a == b:
        return True
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return long_.startswith(short + "-") and "-" not in long_[len(short) + 1:]


def _watch_type(w: "TraceRecord", component: str) -> str:
    if w.subresource == "binding" and component.startswith("kubelet/"):
        return "ADDED"          # the pod starts matching the kubelet's spec.nodeName filter
    if w.subresource:
        return "MODIFIED"
    return WATCH_TYPES.get(w.verb, "MODIFIED")


def components(msgs: Iterable[Message]) -> list[str]:
    """The components taking part, in a stable order: clients, kube-apiserver, etcd, the control
    plane's controllers, then the nodes' agents."""
    seen: list[str] = []
    for m in msgs:
        for c in (m.source, m.target):
            if c not in seen:
                seen.append(c)

    def rank(c: str):
        if c == APISERVER:
            return (1, c)
        if c == ETCD:
            return (2, c)
        if c in ("kube-controller-manager", "kube-scheduler"):
            return (3, c)
        if c.startswith(("kubelet/", "kube-proxy/")):
            return (4, c)
        return (0, c)

    return sorted(seen, key=rank)
