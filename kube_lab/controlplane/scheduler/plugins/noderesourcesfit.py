"""NodeResourcesFit (``plugins/noderesources/fit.go``).

Filter: the pod's requests must fit in what the node has left — allocatable minus the requests
of the pods already there (bound or assumed) — and the node must have room for one more pod
(``pods`` allocatable, 110 on a kubelet's default).  Every shortfall is a reason:
``Too many pods``, ``Insufficient cpu``, ``Insufficient memory``,
``Insufficient ephemeral-storage``, ``Insufficient <extended resource>``.

Score (weight 1), by ``scoringStrategy.type``:

* ``LeastAllocated`` (default) — prefer emptier nodes: mean of (allocatable − requested) / allocatable;
* ``MostAllocated`` — bin packing: mean of requested / allocatable;
* ``RequestedToCapacityRatio`` — a piecewise-linear ``shape`` of utilisation.

Requests here are the *non-zero* requests: a container without a CPU or memory request counts
as 100m CPU and 200Mi memory.
"""
from __future__ import annotations

import numpy as np

from ..framework import (ADD, DELETE, NODE, POD, QUEUE, QUEUE_SKIP, UNSCHEDULABLE,
                         UPDATE_NODE_ALLOCATABLE, ClusterEvent, Plugin, Status, Verdicts)
from ..podinfo import Resource
from . import resourceallocation as ra

PRE_SCORE_KEY = "PreScoreNodeResourcesFit"
LEAST_ALLOCATED, MOST_ALLOCATED, REQUESTED_TO_CAPACITY_RATIO = "LeastAllocated", "MostAllocated", \
    "RequestedToCapacityRatio"
DEFAULT_SHAPE = [{"utilization": 0, "score": 0}, {"utilization": 100, "score": 10}]


def insufficient(req: Resource, node_info, ignored: set, ignored_groups: set) -> list[str]:
    """``fitsRequest``: the reasons the pod does not fit (empty when it does)."""
    reasons = []
    alloc, used = node_info.allocatable, node_info.requested
    if len(node_info.pods) + 1 > alloc.allowed_pods:
        reasons.append("Too many pods")
    if req.is_zero():
        return reasons
    if req.milli_cpu > 0 and req.milli_cpu > alloc.milli_cpu - used.milli_cpu:
        reasons.append("Insufficient cpu")
    if req.memory > 0 and req.memory > alloc.memory - used.memory:
        reasons.append("Insufficient memory")
    if req.ephemeral_storage > 0 and req.ephemeral_storage > alloc.ephemeral_storage - used.ephemeral_storage:
        reasons.append("Insufficient ephemeral-storage")
    for name, q in req.scalars.items():
        if q == 0 or _ignored(name, ignored, ignored_groups):
            continue
        if q > alloc.scalars.get(name, 0) - used.scalars.get(name, 0):
            reasons.append(f"Insufficient {name}")
    return reasons


def _ignored(name: str, ignored: set, groups: set) -> bool:
    if "/" in name and not name.startswith("kubernetes.io/") and not name.startswith("hugepages-"):
        return name in ignored or name.split("/", 1)[0] in groups
    return False


class NodeResourcesFit(Plugin):
    name = "NodeResourcesFit"
    weight = 1

    def __init__(self, handle=None, args=None):
        super().__init__(handle, args)
        strategy = (self.args.get("scoringStrategy") or {})
        self.strategy = strategy.get("type") or LEAST_ALLOCATED
        if self.strategy not in (LEAST_ALLOCATED, MOST_ALLOCATED, REQUESTED_TO_CAPACITY_RATIO):
            raise ValueError(f"scoring strategy {self.strategy} is not supported")
        self.resources = strategy.get("resources") or list(ra.DEFAULT_RESOURCES)
        self.shape = ((strategy.get("requestedToCapacityRatio") or {}).get("shape")) or DEFAULT_SHAPE
        self.ignored = set(self.args.get("ignoredResources") or ())
        self.ignored_groups = set(self.args.get("ignoredResourceGroups") or ())

    # -- filter -----------------------------------------------------------------------------------
    def pre_filter(self, state, pod, snap):
        """``computePodResourceRequest``: the pod's requests are parsed once (into ``pod.requests``)."""
        return None, None

    def filter(self, state, pod, node_info) -> Status | None:
        reasons = insufficient(pod.requests, node_info, self.ignored, self.ignored_groups)
        return Status(UNSCHEDULABLE, *reasons) if reasons else None

    @staticmethod
    def local_signature(state, pod):
        r = pod.requests
        return (r.milli_cpu, r.memory, r.ephemeral_storage, tuple(r.scalars.items()))

    def filter_nodes(self, state, pod, snap) -> Verdicts | None:
        r = pod.requests
        bits = (snap.npods + 1 > snap.alloc_pods).astype(np.int64)
        names = ["Too many pods", "Insufficient cpu", "Insufficient memory", "Insufficient ephemeral-storage"]
        if not r.is_zero():
            if r.milli_cpu > 0:
                bits |= (r.milli_cpu > snap.alloc_cpu - snap.req_cpu).astype(np.int64) << 1
            if r.memory > 0:
                bits |= (r.memory > snap.alloc_mem - snap.req_mem).astype(np.int64) << 2
            if r.ephemeral_storage > 0:
                bits |= (r.ephemeral_storage > snap.alloc_eph - snap.req_eph).astype(np.int64) << 3
            for name, q in r.scalars.items():
                if q == 0 or _ignored(name, self.ignored, self.ignored_groups):
                    continue
                free = np.fromiter((ni.allocatable.scalars.get(name, 0) - ni.requested.scalars.get(name, 0)
                                    for ni in snap.infos), dtype=np.int64, count=snap.n)
                bits |= (q > free).astype(np.int64) << len(names)
                names.append(f"Insufficient {name}")
        if not bits.any():
            return None
        combos = np.unique(bits[bits > 0])
        statuses = [Status(UNSCHEDULABLE, *[names[b] for b in range(len(names)) if (int(c) >> b) & 1])
                    for c in combos]
        codes = np.zeros(snap.n, dtype=np.int64)
        nz = bits > 0
        codes[nz] = np.searchsorted(combos, bits[nz]) + 1
        return Verdicts(codes, statuses)

    # -- score -------------------------------------------------------------------------------------
    def pre_score(self, state, pod, snap, idx) -> Status | None:
        state.write(PRE_SCORE_KEY, ra.pod_request_list(pod, self.resources, use_requested=False))
        return None

    def score_nodes(self, state, pod, snap, idx) -> np.ndarray:
        pod_req = state.read(PRE_SCORE_KEY)
        if pod_req is None:
            pod_req = ra.pod_request_list(pod, self.resources, use_requested=False)
        if self.strategy == LEAST_ALLOCATED:
            fast = ra.cpu_memory_fast(snap, idx, self.resources, pod_req, use_requested=False)
            if fast is not None:
                ac, am, rc, rm = fast
                wc, wm = int(self.resources[0].get("weight", 1)), int(self.resources[1].get("weight", 1))
                sc = np.where(rc > ac, 0, ((ac - rc) * 100) // ac)
                sm = np.where(rm > am, 0, ((am - rm) * 100) // am)
                return (sc * wc + sm * wm) // (wc + wm)
        alloc, req = ra.allocatable_and_requested(snap, idx, self.resources, pod_req, use_requested=False)
        if self.strategy == MOST_ALLOCATED:
            return ra.most_allocated(req, alloc, self.resources)
        if self.strategy == REQUESTED_TO_CAPACITY_RATIO:
            return ra.requested_to_capacity_ratio(req, alloc, self.resources, self.shape)
        return ra.least_allocated(req, alloc, self.resources)

    # -- queueing hints ---------------------------------------------------------------------------------
    def events_to_register(self):
        return [(ClusterEvent(POD, DELETE), self._after_pod_deleted),
                (ClusterEvent(NODE, ADD | UPDATE_NODE_ALLOCATABLE), self._after_node_change)]

    @staticmethod
    def _after_pod_deleted(pod, old, new) -> str:
        if new is None and old is not None and not (old.get("spec") or {}).get("nodeName"):
            return QUEUE_SKIP
        return QUEUE

    def _after_node_change(self, pod, old, new) -> str:
        from ..cache import NodeInfo
        if insufficient(pod.requests, NodeInfo(new["metadata"]["name"], new), self.ignored, self.ignored_groups):
            return QUEUE_SKIP
        if old is None:
            return QUEUE
        before = Resource.from_list((old.get("status") or {}).get("allocatable"))
        after = Resource.from_list((new.get("status") or {}).get("allocatable"))
        r = pod.requests
        if ((r.milli_cpu and after.milli_cpu > before.milli_cpu) or (r.memory and after.memory > before.memory)
                or (r.ephemeral_storage and after.ephemeral_storage > before.ephemeral_storage)
                or any(q and after.scalars.get(k, 0) > before.scalars.get(k, 0) for k, q in r.scalars.items())):
            return QUEUE
        return QUEUE_SKIP
