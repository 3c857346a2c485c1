"""TaintToleration (``plugins/tainttoleration``).

Filter: a node with a ``NoSchedule`` or ``NoExecute`` taint the pod does not tolerate is out —
``node(s) had untolerated taint {key: value}`` (the first such taint).  Score: the number of
``PreferNoSchedule`` taints the pod does not tolerate, normalised in reverse (fewer is better);
weight 3 in the default profile."""
from __future__ import annotations

import numpy as np

from ..framework import (ADD, NODE, POD, QUEUE, QUEUE_SKIP, UNSCHEDULABLE_AND_UNRESOLVABLE, UPDATE_NODE_TAINT,
                         UPDATE_POD_TOLERATIONS, ClusterEvent, Plugin, Status, Verdicts)
from ..util import PREFER_NO_SCHEDULE, find_untolerated_taint, taint_reason, tolerations_tolerate
from .helper import GenCache, default_normalize_score, verdicts_from

PRE_SCORE_KEY = "PreScoreTaintToleration"


def _signature(tolerations: list) -> str:
    return repr(tolerations)


class TaintToleration(Plugin):
    name = "TaintToleration"
    weight = 3

    def __init__(self, handle=None, args=None):
        super().__init__(handle, args)
        self._filter_cache = GenCache()
        self._score_cache = GenCache()

    # -- filter -------------------------------------------------------------------------------
    def filter(self, state, pod, node_info) -> Status | None:
        taint = find_untolerated_taint(node_info.taints, pod.tolerations)
        if taint is None:
            return None
        return Status(UNSCHEDULABLE_AND_UNRESOLVABLE, taint_reason(taint))

    @staticmethod
    def local_signature(state, pod):
        return _signature(pod.tolerations)

    def filter_nodes(self, state, pod, snap) -> Verdicts:
        tolerations = pod.tolerations

        def compute():
            return verdicts_from((self.filter(state, pod, ni) for ni in snap.infos), snap.n)
        return self._filter_cache.get(_signature(tolerations), snap.static_gen, compute)

    # -- score --------------------------------------------------------------------------------
    def pre_score(self, state, pod, snap, idx) -> Status | None:
        prefer = [t for t in pod.tolerations if not t.get("effect") or t.get("effect") == PREFER_NO_SCHEDULE]
        state.write(PRE_SCORE_KEY, prefer)
        return None

    @staticmethod
    def count_intolerable(taints: list, tolerations: list) -> int:
        return sum(1 for t in taints if t.get("effect") == PREFER_NO_SCHEDULE
                   and not tolerations_tolerate(tolerations, t))

    def score_nodes(self, state, pod, snap, idx) -> np.ndarray:
        prefer = state.read(PRE_SCORE_KEY) or []

        def compute():
            counts = np.fromiter((self.count_intolerable(ni.taints, prefer) for ni in snap.infos),
                                 dtype=np.int64, count=snap.n)
            return counts, bool(counts.any())
        counts, any_taint = self._score_cache.get(_signature(prefer), snap.static_gen, compute)
        return counts[idx] if any_taint else np.zeros(len(idx), dtype=np.int64)

    def normalize(self, state, pod, scores: np.ndarray) -> np.ndarray:
        return default_normalize_score(scores, reverse=True)

    # -- queueing hints -------------------------------------------------------------------------
    def events_to_register(self):
        return [(ClusterEvent(NODE, ADD | UPDATE_NODE_TAINT), self._after_node_change),
                (ClusterEvent(POD, UPDATE_POD_TOLERATIONS), self._after_pod_update)]

    @staticmethod
    def _after_node_change(pod, old, new) -> str:
        was = old is None or find_untolerated_taint((old.get("spec") or {}).get("taints"), pod.tolerations) is not None
        now = find_untolerated_taint((new.get("spec") or {}).get("taints"), pod.tolerations) is not None
        return QUEUE if was and not now else QUEUE_SKIP

    @staticmethod
    def _after_pod_update(pod, old, new) -> str:
        if new is None or new["metadata"].get("uid") != pod.uid:
            return QUEUE_SKIP
        return QUEUE
