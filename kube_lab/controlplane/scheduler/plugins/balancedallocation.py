"""NodeResourcesBalancedAllocation (``plugins/noderesources/balanced_allocation.go``): prefer
nodes whose CPU and memory would be used in similar proportions after placing the pod —
score = 100 × (1 − the standard deviation of the used fractions); weight 1.  It counts the
real requests (no 100m / 200Mi defaults)."""
from __future__ import annotations

import numpy as np

from ..framework import Plugin, Status
from . import resourceallocation as ra

PRE_SCORE_KEY = "PreScoreNodeResourcesBalancedAllocation"


class NodeResourcesBalancedAllocation(Plugin):
    name = "NodeResourcesBalancedAllocation"
    weight = 1

    def __init__(self, handle=None, args=None):
        super().__init__(handle, args)
        self.resources = self.args.get("resources") or list(ra.DEFAULT_RESOURCES)

    def pre_score(self, state, pod, snap, idx) -> Status | None:
        state.write(PRE_SCORE_KEY, ra.pod_request_list(pod, self.resources, use_requested=True))
        return None

    def score_nodes(self, state, pod, snap, idx) -> np.ndarray:
        pod_req = state.read(PRE_SCORE_KEY)
        if pod_req is None:
            pod_req = ra.pod_request_list(pod, self.resources, use_requested=True)
        fast = ra.cpu_memory_fast(snap, idx, self.resources, pod_req, use_requested=True)
        if fast is not None:
            ac, am, rc, rm = fast
            std = np.abs((np.minimum(rc / ac, 1.0) - np.minimum(rm / am, 1.0)) / 2)
            return ((1 - std) * 100.0).astype(np.int64)
        alloc, req = ra.allocatable_and_requested(snap, idx, self.resources, pod_req, use_requested=True)
        return ra.balanced(req, alloc)
