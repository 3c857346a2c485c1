"""NodeAffinity (``plugins/nodeaffinity``).

Filter: ``spec.nodeSelector`` and the required node-affinity terms must match the node —
``node(s) didn't match Pod's node affinity/selector``.  Terms that pin ``metadata.name`` narrow
the candidate nodes already in PreFilter (how DaemonSet pods reach their node).  Score: the sum of
the weights of the preferred terms the node matches, normalised by the maximum; weight 2."""
from __future__ import annotations

import numpy as np

from ..framework import (ADD, NODE, QUEUE, QUEUE_SKIP, SKIP, UNSCHEDULABLE_AND_UNRESOLVABLE, UPDATE_NODE_LABEL,
                         ClusterEvent, Plugin, PreFilterResult, Status, Verdicts)
from ..util import RequiredNodeAffinity, term_matches
from .helper import GenCache, default_normalize_score

ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector"
ERR_REASON_CONFLICT = "pod affinity terms conflict"
PRE_FILTER_KEY = "PreFilterNodeAffinity"
PRE_SCORE_KEY = "PreScoreNodeAffinity"
_STATUS = Status(UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_REASON_POD)


def preferred_terms(pod: dict) -> list[tuple[int, dict]]:
    na = (((pod.get("spec") or {}).get("affinity") or {}).get("nodeAffinity") or {})
    out = []
    for t in na.get("preferredDuringSchedulingIgnoredDuringExecution") or ():
        w = int(t.get("weight") or 0)
        if w:
            out.append((w, t.get("preference") or {}))
    return out


class NodeAffinity(Plugin):
    name = "NodeAffinity"
    weight = 2

    def __init__(self, handle=None, args=None):
        super().__init__(handle, args)
        self._filter_cache = GenCache()
        self._score_cache = GenCache()

    # -- prefilter / filter ----------------------------------------------------------------------
    def pre_filter(self, state, pod, snap):
        req = RequiredNodeAffinity(pod.pod)
        if req.empty:
            return None, Status(SKIP)
        state.write(PRE_FILTER_KEY, req)
        terms = (req.required or {}).get("nodeSelectorTerms") or []
        if not terms:
            return None, None
        node_names: set[str] | None = None
        for t in terms:
            term_names: set[str] | None = None
            for r in t.get("matchFields") or ():
                if r.get("key") == "metadata.name" and r.get("operator") == "In":
                    vals = set(r.get("values") or ())
                    term_names = vals if term_names is None else term_names & vals
            if term_names is None:
                return None, None   # this term allows any node: terms are ORed
            node_names = term_names if node_names is None else node_names | term_names
        if node_names is not None and not node_names:
            return None, Status(UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_REASON_CONFLICT)
        return (PreFilterResult(node_names) if node_names else None), None

    def filter(self, state, pod, node_info) -> Status | None:
        req = state.read(PRE_FILTER_KEY) or RequiredNodeAffinity(pod.pod)
        return None if req.match(node_info.node) else _STATUS

    @staticmethod
    def local_signature(state, pod):
        req = state.read(PRE_FILTER_KEY) or RequiredNodeAffinity(pod.pod)
        return req.signature()

    def filter_nodes(self, state, pod, snap) -> Verdicts:
        req = state.read(PRE_FILTER_KEY) or RequiredNodeAffinity(pod.pod)

        def compute():
            codes = np.fromiter((0 if req.match(ni.node) else 1 for ni in snap.infos), dtype=np.int64, count=snap.n)
            return Verdicts(codes, [_STATUS])
        return self._filter_cache.get(req.signature(), snap.static_gen, compute)

    # -- score -------------------------------------------------------------------------------------
    def pre_score(self, state, pod, snap, idx) -> Status | None:
        terms = preferred_terms(pod.pod)
        if not terms:
            return Status(SKIP)
        state.write(PRE_SCORE_KEY, terms)
        return None

    def score_nodes(self, state, pod, snap, idx) -> np.ndarray:
        terms = state.read(PRE_SCORE_KEY)

        def compute():
            out = np.zeros(snap.n, dtype=np.int64)
            for i, ni in enumerate(snap.infos):
                labels = ni.labels
                out[i] = sum(w for w, t in terms if term_matches(t, labels, ni.name))
            return out
        return self._score_cache.get(repr(terms), snap.static_gen, compute)[idx]

    def normalize(self, state, pod, scores: np.ndarray) -> np.ndarray:
        return default_normalize_score(scores, reverse=False)

    # -- queueing hints ---------------------------------------------------------------------------------
    def events_to_register(self):
        return [(ClusterEvent(NODE, ADD | UPDATE_NODE_LABEL), self._after_node_change)]

    @staticmethod
    def _after_node_change(pod, old, new) -> str:
        req = RequiredNodeAffinity(pod.pod)
        if not req.match(new):
            return QUEUE_SKIP
        if old is None or not req.match(old):
            return QUEUE
        return QUEUE_SKIP
