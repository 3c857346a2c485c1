"""InterPodAffinity (``plugins/interpodaffinity``): place pods relative to other pods.

Filter (three checks, in this order):

* required **affinity** — in the node's domain (``topologyKey``) some pod must match *all* the
  pod's terms (a pod matching its own terms may go first when no such pod exists anywhere) —
  ``node(s) didn't match pod affinity rules``;
* required **anti-affinity** — no pod matching a term in the node's domain —
  ``node(s) didn't match pod anti-affinity rules``;
* **existing pods' anti-affinity** — the pod must not match the required anti-affinity of a pod
  already in the node's domain — ``node(s) didn't satisfy existing pods anti-affinity rules``.

Score (weight 2): per topology domain, + the weights of the pod's preferred affinity terms
matched by pods there, − its preferred anti-affinity terms, + the terms of existing pods the
new pod matches (their required affinity counts ``hardPodAffinityWeight``, 1); normalised
min–max to 0..100.
"""
from __future__ import annotations

import numpy as np

from ..framework import (ADD, ALL, NODE, POD, QUEUE, QUEUE_SKIP, SKIP, UNSCHEDULABLE, UNSCHEDULABLE_AND_UNRESOLVABLE,
                         UPDATE_NODE_LABEL, ClusterEvent, Plugin, Status, Verdicts)

ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"
ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules"
ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"
PRE_FILTER_KEY = "PreFilterInterPodAffinity"
PRE_SCORE_KEY = "PreScoreInterPodAffinity"
_AFF = Status(UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_REASON_AFFINITY)
_ANTI = Status(UNSCHEDULABLE, ERR_REASON_ANTI_AFFINITY)
_EXISTING = Status(UNSCHEDULABLE, ERR_REASON_EXISTING_ANTI_AFFINITY)


def _bump(counts: dict, labels: dict, key: str, value: int) -> None:
    if key in labels:
        k = (key, labels[key])
        n = counts.get(k, 0) + value
        if n:
            counts[k] = n
        else:
            counts.pop(k, None)


class PreFilterState:
    __slots__ = ("existing_anti", "affinity", "anti", "ns_labels")

    def __init__(self, existing_anti: dict, affinity: dict, anti: dict, ns_labels: dict):
        self.existing_anti = existing_anti
        self.affinity = affinity
        self.anti = anti
        self.ns_labels = ns_labels

    def clone(self) -> "PreFilterState":
        return PreFilterState(dict(self.existing_anti), dict(self.affinity), dict(self.anti), self.ns_labels)


class InterPodAffinity(Plugin):
    name = "InterPodAffinity"
    weight = 2

    def __init__(self, handle=None, args=None):
        super().__init__(handle, args)
        self.hard_weight = int(self.args.get("hardPodAffinityWeight", 1))
        self.ignore_preferred_of_existing = bool(self.args.get("ignorePreferredTermsOfExistingPods", False))

    def _ns_labels(self, ns: str) -> dict:
        return self.handle.namespace_labels(ns) if self.handle is not None else {}

    def _matches_all(self, terms, other) -> bool:
        if not terms:
            return False
        labels = self._ns_labels(other.namespace)
        return all(t.matches(other.namespace, other.labels, labels) for t in terms)

    # -- prefilter ------------------------------------------------------------------------------
    def pre_filter(self, state, pod, snap):
        if pod.parse_error:
            return None, Status(UNSCHEDULABLE_AND_UNRESOLVABLE, f"parsing pod: {pod.parse_error}")
        ns_labels = self._ns_labels(pod.namespace)
        existing: dict = {}
        for ni in snap.nodes_with_required_anti_affinity_pods():
            labels = ni.labels
            for epi in ni.pods_with_required_anti_affinity.values():
                for t in epi.required_anti_affinity:
                    if t.matches(pod.namespace, pod.labels, ns_labels):
                        _bump(existing, labels, t.topology_key, 1)
        affinity: dict = {}
        anti: dict = {}
        if pod.required_affinity or pod.required_anti_affinity:
            for ni in snap.infos:
                labels = ni.labels
                for epi in ni.pods.values():
                    self._count_incoming(pod, epi, labels, affinity, anti, 1)
        if not existing and not pod.required_affinity and not pod.required_anti_affinity:
            return None, Status(SKIP)
        state.write(PRE_FILTER_KEY, PreFilterState(existing, affinity, anti, ns_labels))
        return None, None

    def _count_incoming(self, pod, epi, labels: dict, affinity: dict, anti: dict, value: int) -> None:
        ens = self._ns_labels(epi.namespace)
        if pod.required_affinity and all(t.matches(epi.namespace, epi.labels, ens) for t in pod.required_affinity):
            for t in pod.required_affinity:
                _bump(affinity, labels, t.topology_key, value)
        for t in pod.required_anti_affinity:
            if t.matches(epi.namespace, epi.labels, ens):
                _bump(anti, labels, t.topology_key, value)

    def _update_with_pod(self, state, pod, other, node_info, value: int) -> None:
        s: PreFilterState = state.read(PRE_FILTER_KEY)
        if s is None or node_info.node is None:
            return
        labels = node_info.labels
        for t in other.required_anti_affinity:
            if t.matches(pod.namespace, pod.labels, s.ns_labels):
                _bump(s.existing_anti, labels, t.topology_key, value)
        self._count_incoming(pod, other, labels, s.affinity, s.anti, value)

    def add_pod(self, state, pod, added, node_info) -> None:
        self._update_with_pod(state, pod, added, node_info, 1)

    def remove_pod(self, state, pod, removed, node_info) -> None:
        self._update_with_pod(state, pod, removed, node_info, -1)

    # -- filter -----------------------------------------------------------------------------------
    def filter(self, state, pod, node_info) -> Status | None:
        s: PreFilterState = state.read(PRE_FILTER_KEY)
        if s is None:
            return None
        labels = node_info.labels
        if pod.required_affinity:
            pods_exist = True
            for t in pod.required_affinity:
                if t.topology_key not in labels:
                    return _AFF
                if s.affinity.get((t.topology_key, labels[t.topology_key]), 0) <= 0:
                    pods_exist = False
            if not pods_exist and not (not s.affinity and self._matches_all(pod.required_affinity, pod)):
                return _AFF
        for t in pod.required_anti_affinity:
            if t.topology_key in labels and s.anti.get((t.topology_key, labels[t.topology_key]), 0) > 0:
                return _ANTI
        if s.existing_anti:
            for k, v in labels.items():
                if s.existing_anti.get((k, v), 0) > 0:
                    return _EXISTING
        return None

    @staticmethod
    def _by_value(snap, key: str, counts: dict) -> tuple[np.ndarray, np.ndarray]:
        ids, vals = snap.topology(key)
        per_value = np.array([counts.get((key, v), 0) for v in vals] + [0], dtype=np.int64)
        return ids, per_value[np.where(ids >= 0, ids, len(vals))]

    def filter_nodes(self, state, pod, snap) -> Verdicts | None:
        s: PreFilterState = state.read(PRE_FILTER_KEY)
        if s is None:
            return None
        codes = np.zeros(snap.n, dtype=np.int64)
        undecided = np.ones(snap.n, dtype=bool)
        if pod.required_affinity:
            missing = np.zeros(snap.n, dtype=bool)
            exist = np.ones(snap.n, dtype=bool)
            for t in pod.required_affinity:
                ids, cnt = self._by_value(snap, t.topology_key, s.affinity)
                missing |= ids < 0
                exist &= cnt > 0
            fallback = not s.affinity and self._matches_all(pod.required_affinity, pod)
            bad = missing | (~exist & (not fallback))
            codes[bad] = 1
            undecided &= ~bad
        if pod.required_anti_affinity:
            bad = np.zeros(snap.n, dtype=bool)
            for t in pod.required_anti_affinity:
                ids, cnt = self._by_value(snap, t.topology_key, s.anti)
                bad |= (ids >= 0) & (cnt > 0)
            bad &= undecided
            codes[bad] = 2
            undecided &= ~bad
        if s.existing_anti:
            bad = np.zeros(snap.n, dtype=bool)
            for key in dict.fromkeys(k for k, _ in s.existing_anti):
                ids, cnt = self._by_value(snap, key, s.existing_anti)
                bad |= (ids >= 0) & (cnt > 0)
            bad &= undecided
            codes[bad] = 3
        return Verdicts(codes, [_AFF, _ANTI, _EXISTING])

    # -- score -------------------------------------------------------------------------------------
    def pre_score(self, state, pod, snap, idx) -> Status | None:
        has_constraints = bool(pod.preferred_affinity or pod.preferred_anti_affinity)
        if self.ignore_preferred_of_existing and not has_constraints:
            return Status(SKIP)
        nodes = snap.infos if has_constraints else snap.nodes_with_affinity_pods()
        topo: dict[str, dict[str, int]] = {}
        pod_ns_labels = self._ns_labels(pod.namespace)

        def process(terms, other, other_ns_labels, labels, multiplier, weight=None):
            for t in terms:
                if t.matches(other.namespace, other.labels, other_ns_labels) and t.topology_key in labels:
                    m = topo.setdefault(t.topology_key, {})
                    v = labels[t.topology_key]
                    m[v] = m.get(v, 0) + (t.weight if weight is None else weight) * multiplier

        for ni in nodes:
            labels = ni.labels
            if not labels:
                continue
            pods = ni.pods.values() if has_constraints else ni.pods_with_affinity.values()
            for epi in pods:
                ens = self._ns_labels(epi.namespace)
                process(pod.preferred_affinity, epi, ens, labels, 1)
                process(pod.preferred_anti_affinity, epi, ens, labels, -1)
                if self.hard_weight > 0:
                    process(epi.required_affinity, pod, pod_ns_labels, labels, 1, self.hard_weight)
                process(epi.preferred_affinity, pod, pod_ns_labels, labels, 1)
                process(epi.preferred_anti_affinity, pod, pod_ns_labels, labels, -1)
        if not topo:
            return Status(SKIP)
        state.write(PRE_SCORE_KEY, topo)
        return None

    def score_nodes(self, state, pod, snap, idx) -> np.ndarray:
        topo = state.read(PRE_SCORE_KEY)
        score = np.zeros(len(idx), dtype=np.int64)
        for key, values in topo.items():
            ids, vals = snap.topology(key)
            per_value = np.array([values.get(v, 0) for v in vals] + [0], dtype=np.int64)
            at = ids[idx]
            score += per_value[np.where(at >= 0, at, len(vals))]
        return score

    def normalize(self, state, pod, scores: np.ndarray) -> np.ndarray:
        if len(scores) == 0:
            return scores
        lo, hi = int(scores.min()), int(scores.max())
        diff = hi - lo
        if diff <= 0:
            return np.zeros(len(scores), dtype=np.int64)
        return (100.0 * ((scores - lo) / float(diff))).astype(np.int64)

    # -- queueing hints ------------------------------------------------------------------------------
    def events_to_register(self):
        return [(ClusterEvent(POD, ALL), self._after_pod_change),
                (ClusterEvent(NODE, ADD | UPDATE_NODE_LABEL), self._after_node_change)]

    def _after_pod_change(self, pod, old, new) -> str:
        if (new is not None and not (new.get("spec") or {}).get("nodeName")) or \
                (old is not None and not (old.get("spec") or {}).get("nodeName")):
            return QUEUE_SKIP
        from ..podinfo import PodInfo
        if new is not None and old is not None:
            o, n = PodInfo(old), PodInfo(new)
            if not self._matches_all(pod.required_affinity, o) and self._matches_all(pod.required_affinity, n):
                return QUEUE
            anti = pod.required_anti_affinity
            if self._matches_any(anti, o) and not self._matches_any(anti, n):
                return QUEUE
            return QUEUE_SKIP
        if new is not None:
            return QUEUE if self._matches_all(pod.required_affinity, PodInfo(new)) else QUEUE_SKIP
        o = PodInfo(old)
        if self._matches_any(pod.required_anti_affinity, o) or o.required_anti_affinity:
            return QUEUE
        return QUEUE_SKIP

    def _matches_any(self, terms, other) -> bool:
        labels = self._ns_labels(other.namespace)
        return any(t.matches(other.namespace, other.labels, labels) for t in terms)

    @staticmethod
    def _after_node_change(pod, old, new) -> str:
        labels = new["metadata"].get("labels") or {}
        terms = pod.required_affinity + pod.required_anti_affinity
        if not terms or any(t.topology_key in labels for t in terms):
            return QUEUE
        return QUEUE_SKIP
