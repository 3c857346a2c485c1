"""NodeUnschedulable (``plugins/nodeunschedulable``): a cordoned node (``spec.unschedulable``)
takes no new pods, unless the pod tolerates ``node.kubernetes.io/unschedulable:NoSchedule``."""
from __future__ import annotations

import numpy as np

from ..framework import (ADD, NODE, POD, QUEUE, QUEUE_SKIP, UNSCHEDULABLE_AND_UNRESOLVABLE, UPDATE_NODE_TAINT,
                         UPDATE_POD_TOLERATIONS, ClusterEvent, Plugin, Status, Verdicts)
from ..util import NO_SCHEDULE, UNSCHEDULABLE_TAINT, tolerations_tolerate
from .helper import GenCache

ERR_REASON_UNSCHEDULABLE = "node(s) were unschedulable"
_TAINT = {"key": UNSCHEDULABLE_TAINT, "effect": NO_SCHEDULE}
_STATUS = Status(UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_REASON_UNSCHEDULABLE)


class NodeUnschedulable(Plugin):
    name = "NodeUnschedulable"

    def __init__(self, handle=None, args=None):
        super().__init__(handle, args)
        self._cache = GenCache(4)

    def filter(self, state, pod, node_info) -> Status | None:
        if (node_info.node.get("spec") or {}).get("unschedulable") and \
                not tolerations_tolerate(pod.tolerations, _TAINT):
            return _STATUS
        return None

    @staticmethod
    def local_signature(state, pod):
        return tolerations_tolerate(pod.tolerations, _TAINT)

    def filter_nodes(self, state, pod, snap) -> Verdicts | None:
        if tolerations_tolerate(pod.tolerations, _TAINT):
            return None

        def compute():
            codes = np.fromiter((1 if (ni.node.get("spec") or {}).get("unschedulable") else 0 for ni in snap.infos),
                                dtype=np.int64, count=snap.n)
            return Verdicts(codes, [_STATUS])
        return self._cache.get("cordoned", snap.static_gen, compute)

    def events_to_register(self):
        return [(ClusterEvent(NODE, ADD | UPDATE_NODE_TAINT), self._after_node_change),
                (ClusterEvent(POD, UPDATE_POD_TOLERATIONS), self._after_pod_update)]

    @staticmethod
    def _after_node_change(pod, old, new) -> str:
        if not (new.get("spec") or {}).get("unschedulable") or tolerations_tolerate(pod.tolerations, _TAINT):
            if old is None or (old.get("spec") or {}).get("unschedulable"):
                return QUEUE
        return QUEUE_SKIP

    @staticmethod
    def _after_pod_update(pod, old, new) -> str:
        if new is None or new["metadata"].get("uid") != pod.uid:
            return QUEUE_SKIP
        return QUEUE if tolerations_tolerate((new.get("spec") or {}).get("tolerations") or [], _TAINT) else QUEUE_SKIP
