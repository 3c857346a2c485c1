"""What the scheduler knows about a pod, parsed once (``framework.PodInfo`` / ``QueuedPodInfo``).

Upstream parses a pod's affinity terms into selectors once and keeps them with the pod
(``pkg/scheduler/framework/types.go``); resource requests are summed as
``k8s.io/component-helpers/resource.PodRequests`` does (containers add up, init containers take the
maximum, restartable init containers — sidecars — add up too, then the pod overhead).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable, Mapping

from ...api import selectors
from ...api.quantity import QuantityError, parse_quantity

# pkg/scheduler/util: the requests a container without any is assumed to have, for *scoring*.
DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024

CPU, MEMORY, EPHEMERAL, PODS = "cpu", "memory", "ephemeral-storage", "pods"
HOSTNAME_LABEL = "kubernetes.io/hostname"
ZONE_LABEL = "topology.kubernetes.io/zone"
REGION_LABEL = "topology.kubernetes.io/region"


@lru_cache(maxsize=4096)
def quantity_value(name: str, text: str) -> int:
    """A resource quantity as the scheduler counts it: CPU in millicores, everything else in
    units (``Quantity.MilliValue`` / ``Quantity.Value``, both rounding up)."""
    try:
        q = parse_quantity(str(text))
    except QuantityError:
        return 0
    return q.milli_value() if name == CPU else q.value()


def is_scalar_resource(name: str) -> bool:
    """``schedutil.IsScalarResourceName``: extended (``example.com/foo``), hugepages,
    attachable volumes and prefixed native resources."""
    return "/" in name or name.startswith("hugepages-") or name.startswith("attachable-volumes-")


class Resource:
    """``framework.Resource``: milli-CPU, memory, ephemeral storage, allowed pods and scalars."""

    __slots__ = ("milli_cpu", "memory", "ephemeral_storage", "allowed_pods", "scalars")

    def __init__(self, milli_cpu: int = 0, memory: int = 0, ephemeral_storage: int = 0,
                 allowed_pods: int = 0, scalars: dict[str, int] | None = None):
        self.milli_cpu = milli_cpu
        self.memory = memory
        self.ephemeral_storage = ephemeral_storage
        self.allowed_pods = allowed_pods
        self.scalars = scalars or {}

    @classmethod
    def from_list(cls, rl: Mapping | None) -> "Resource":
        r = cls()
        for name, text in (rl or {}).items():
            v = quantity_value(name, text)
            if name == CPU:
                r.milli_cpu = v
            elif name == MEMORY:
                r.memory = v
            elif name == EPHEMERAL:
                r.ephemeral_storage = v
            elif name == PODS:
                r.allowed_pods = v
            elif is_scalar_resource(name):
                r.scalars[name] = v
        return r

    def add(self, other: "Resource", sign: int = 1) -> None:
        self.milli_cpu += sign * other.milli_cpu
        self.memory += sign * other.memory
        self.ephemeral_storage += sign * other.ephemeral_storage
        for k, v in other.scalars.items():
            self.scalars[k] = self.scalars.get(k, 0) + sign * v

    def copy(self) -> "Resource":
        return Resource(self.milli_cpu, self.memory, self.ephemeral_storage, self.allowed_pods, dict(self.scalars))

    def get(self, name: str) -> int:
        if name == CPU:
            return self.milli_cpu
        if name == MEMORY:
            return self.memory
        if name == EPHEMERAL:
            return self.ephemeral_storage
        if name == PODS:
            return self.allowed_pods
        return self.scalars.get(name, 0)

    def is_zero(self) -> bool:
        return not (self.milli_cpu or self.memory or self.ephemeral_storage or any(self.scalars.values()))

    def __repr__(self) -> str:
        return (f"Resource(cpu={self.milli_cpu}m, memory={self.memory}, ephemeral={self.ephemeral_storage}, "
                f"pods={self.allowed_pods}, scalars={self.scalars})")


def _container_requests(c: Mapping, non_missing: Mapping[str, int] | None) -> dict[str, int]:
    reqs = {name: quantity_value(name, v) for name, v in ((c.get("resources") or {}).get("requests") or {}).items()}
    if non_missing:
        for name, v in non_missing.items():
            if name not in reqs:
                reqs[name] = v
    return reqs


def _add(into: dict[str, int], other: Mapping[str, int]) -> None:
    for k, v in other.items():
        into[k] = into.get(k, 0) + v


def _max(into: dict[str, int], other: Mapping[str, int]) -> None:
    for k, v in other.items():
        if v > into.get(k, 0):
            into[k] = v


NON_MISSING = {CPU: DEFAULT_MILLI_CPU_REQUEST, MEMORY: DEFAULT_MEMORY_REQUEST}


def _all_set(spec: Mapping) -> bool:
    """Every container states both a CPU and a memory request (non-zero defaults change nothing)."""
    for group in (spec.get("containers") or (), spec.get("initContainers") or ()):
        for c in group:
            r = (c.get("resources") or {}).get("requests") or {}
            if CPU not in r or MEMORY not in r:
                return False
    return True


def pod_requests(spec: Mapping, non_missing: Mapping[str, int] | None = None) -> dict[str, int]:
    """``resourcehelper.PodRequests``: the pod's effective requests per resource name."""
    reqs: dict[str, int] = {}
    for c in spec.get("containers") or ():
        _add(reqs, _container_requests(c, non_missing))
    restartable: dict[str, int] = {}
    init_max: dict[str, int] = {}
    for c in spec.get("initContainers") or ():
        creqs = _container_requests(c, non_missing)
        if c.get("restartPolicy") == "Always":
            _add(reqs, creqs)
            _add(restartable, creqs)
            creqs = dict(restartable)
        else:
            tmp = dict(creqs)
            _add(tmp, restartable)
            creqs = tmp
        _max(init_max, creqs)
    _max(reqs, init_max)
    overhead = spec.get("overhead")
    if overhead:
        _add(reqs, {k: quantity_value(k, v) for k, v in overhead.items()})
    return reqs


class AffinityTerm:
    """``framework.AffinityTerm``: a PodAffinityTerm with its selectors parsed.

    An empty ``namespaces`` list with no ``namespaceSelector`` means the pod's own namespace;
    an empty ``namespaceSelector`` (``{}``) means every namespace."""

    __slots__ = ("namespaces", "namespace_selector", "selector", "topology_key", "weight")

    def __init__(self, namespaces: frozenset, namespace_selector, selector, topology_key: str, weight: int = 0):
        self.namespaces = namespaces
        self.namespace_selector = namespace_selector
        self.selector = selector
        self.topology_key = topology_key
        self.weight = weight

    def matches(self, namespace: str, labels: Mapping | None, ns_labels: Mapping | None) -> bool:
        if namespace in self.namespaces or self.namespace_selector.matches(ns_labels or {}):
            return self.selector.matches(labels or {})
        return False

    def __repr__(self) -> str:
        return (f"AffinityTerm(ns={sorted(self.namespaces)}, nsSelector={self.namespace_selector}, "
                f"selector={self.selector}, topologyKey={self.topology_key!r}, weight={self.weight})")


class _NsSelector:
    """A namespace selector: ``None`` selects nothing (upstream's labels.Nothing())."""

    __slots__ = ("selector", "is_nothing")

    def __init__(self, ls):
        self.is_nothing = ls is None
        self.selector = None if ls is None else selectors.from_label_selector(ls)

    def matches(self, labels: Mapping) -> bool:
        return not self.is_nothing and self.selector.matches(labels)

    def __str__(self) -> str:
        return "<nothing>" if self.is_nothing else str(self.selector)


def _term(pod_ns: str, t: Mapping, weight: int = 0) -> AffinityTerm:
    namespaces = frozenset(t.get("namespaces") or ())
    ns_sel = t.get("namespaceSelector")
    if not namespaces and ns_sel is None:
        namespaces = frozenset((pod_ns,))
    sel = t.get("labelSelector")
    selector = selectors.from_label_selector(sel) if sel is not None else selectors.nothing()
    return AffinityTerm(namespaces, _NsSelector(ns_sel), selector, t.get("topologyKey", ""), weight)


def _terms(pod_ns: str, terms: Iterable[Mapping] | None) -> list[AffinityTerm]:
    return [_term(pod_ns, t) for t in terms or ()]


def _weighted(pod_ns: str, terms: Iterable[Mapping] | None) -> list[AffinityTerm]:
    out = []
    for wt in terms or ():
        t = wt.get("podAffinityTerm") or {}
        out.append(_term(pod_ns, t, int(wt.get("weight", 0))))
    return out


class PodInfo:
    """One pod as the scheduler sees it (``framework.PodInfo``)."""

    __slots__ = ("pod", "key", "uid", "namespace", "name", "labels", "priority", "scheduler_name", "node_name",
                 "requests", "non0_cpu", "non0_mem", "required_affinity", "required_anti_affinity",
                 "preferred_affinity", "preferred_anti_affinity", "tolerations", "host_ports", "images",
                 "terminating", "parse_error", "_fit_requests")

    def __init__(self, pod: dict):
        md = pod["metadata"]
        spec = pod.get("spec") or {}
        self.pod = pod
        self.namespace = md.get("namespace", "")
        self.name = md.get("name", "")
        self.key = f"{self.namespace}/{self.name}"
        self.uid = md.get("uid", "")
        self.labels = md.get("labels") or {}
        self.priority = spec.get("priority") or 0
        self.scheduler_name = spec.get("schedulerName") or "default-scheduler"
        self.node_name = spec.get("nodeName") or ""
        self.terminating = bool(md.get("deletionTimestamp"))
        reqs = pod_requests(spec)
        scalars = {k: v for k, v in sorted(reqs.items()) if is_scalar_resource(k)} if len(reqs) > 2 or \
            any(k not in (CPU, MEMORY) for k in reqs) else {}
        self.requests = Resource(reqs.get(CPU, 0), reqs.get(MEMORY, 0), reqs.get(EPHEMERAL, 0), 0, scalars)
        if _all_set(spec):
            self.non0_cpu, self.non0_mem = self.requests.milli_cpu, self.requests.memory
        else:
            non0 = pod_requests(spec, NON_MISSING)
            self.non0_cpu = non0.get(CPU, 0)
            self.non0_mem = non0.get(MEMORY, 0)
        self.parse_error = None
        affinity = spec.get("affinity") or {}
        pa = affinity.get("podAffinity") or {}
        paa = affinity.get("podAntiAffinity") or {}
        try:
            self.required_affinity = _terms(self.namespace, pa.get("requiredDuringSchedulingIgnoredDuringExecution"))
            self.required_anti_affinity = _terms(self.namespace,
                                                 paa.get("requiredDuringSchedulingIgnoredDuringExecution"))
            self.preferred_affinity = _weighted(self.namespace,
                                                pa.get("preferredDuringSchedulingIgnoredDuringExecution"))
            self.preferred_anti_affinity = _weighted(self.namespace,
                                                     paa.get("preferredDuringSchedulingIgnoredDuringExecution"))
        except (selectors.SelectorError, ValueError) as e:
            self.parse_error = str(e)
            self.required_affinity = self.required_anti_affinity = []
            self.preferred_affinity = self.preferred_anti_affinity = []
        self.tolerations = spec.get("tolerations") or []
        ports = []
        for c in spec.get("containers") or ():
            for p in c.get("ports") or ():
                hp = p.get("hostPort") or 0
                if hp:
                    ports.append((p.get("hostIP") or "0.0.0.0", p.get("protocol") or "TCP", hp))
        self.host_ports = ports
        self.images = [c.get("image", "") for c in (spec.get("initContainers") or ())] + \
                      [c.get("image", "") for c in (spec.get("containers") or ())]
        self._fit_requests = None

    def with_node(self, node_name: str) -> "PodInfo":
        """A copy bound to ``node_name`` (the cache's *assumed* pod)."""
        c = PodInfo.__new__(PodInfo)
        for slot in PodInfo.__slots__:
            setattr(c, slot, getattr(self, slot))
        pod = self.pod
        c.pod = {**pod, "spec": {**pod["spec"], "nodeName": node_name}}
        c.node_name = node_name
        return c

    @property
    def has_affinity(self) -> bool:
        """``podWithAffinity``: the pod sets podAffinity or podAntiAffinity."""
        affinity = (self.pod.get("spec") or {}).get("affinity") or {}
        return affinity.get("podAffinity") is not None or affinity.get("podAntiAffinity") is not None

    @property
    def start_time(self) -> str:
        """``status.startTime`` (or the creation time for a pod not started yet), for
        preemption's tie-breaks."""
        st = (self.pod.get("status") or {}).get("startTime")
        return st or self.pod["metadata"].get("creationTimestamp", "")

    def __repr__(self) -> str:
        return f"<PodInfo {self.key} prio={self.priority} node={self.node_name!r}>"


def pod_key(pod: Mapping) -> str:
    md = pod["metadata"]
    return f"{md.get('namespace', '')}/{md.get('name', '')}"
