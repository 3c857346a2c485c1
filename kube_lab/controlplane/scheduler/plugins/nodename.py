"""NodeName (``plugins/nodename``): a pod that names a node (``spec.nodeName``) fits only there.

Pods the scheduler sees have no ``nodeName`` yet (it would make them assigned), so in practice
this filter always passes; it is kept for fidelity of the filter chain."""
from __future__ import annotations

import numpy as np

from ..framework import (ADD, NODE, QUEUE, QUEUE_SKIP, UNSCHEDULABLE_AND_UNRESOLVABLE, UPDATE, ClusterEvent, Plugin,
                         Status, Verdicts)

ERR_REASON = "node(s) didn't match the requested node name"
_STATUS = Status(UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_REASON)


class NodeName(Plugin):
    name = "NodeName"

    def filter(self, state, pod, node_info) -> Status | None:
        if pod.node_name and pod.node_name != node_info.name:
            return _STATUS
        return None

    @staticmethod
    def local_signature(state, pod):
        return pod.node_name

    def filter_nodes(self, state, pod, snap) -> Verdicts | None:
        if not pod.node_name:
            return None
        codes = np.fromiter((0 if n == pod.node_name else 1 for n in snap.names), dtype=np.int64, count=snap.n)
        return Verdicts(codes, [_STATUS])

    def events_to_register(self):
        return [(ClusterEvent(NODE, ADD | UPDATE), self._after_node_change)]

    @staticmethod
    def _after_node_change(pod, old, new) -> str:
        if not pod.node_name or new["metadata"]["name"] == pod.node_name:
            return QUEUE
        return QUEUE_SKIP
