"""PodTopologySpread (``plugins/podtopologyspread``): spread matching pods evenly over topology
domains (nodes, zones …).

* ``whenUnsatisfiable: DoNotSchedule`` constraints are a filter: placing the pod on a node must
  keep ``pods in the node's domain + 1 − pods in the emptiest domain ≤ maxSkew`` —
  ``node(s) didn't match pod topology spread constraints`` (or ``… (missing required label)``
  for a node without the topology key).
* ``ScheduleAnyway`` constraints are a score (weight 2): a node's score grows with the matching
  pods in its domains (times ``log(domains + 2)``), then is normalised so the emptiest wins.
* A pod without constraints gets the *system default* ones — hostname ``maxSkew: 3`` and zone
  ``maxSkew: 5``, both ``ScheduleAnyway`` — with the selector of its Services and controller
  (``helper.DefaultSelector``); no selector, no spreading.

Node inclusion policies (v1.32 defaults): ``nodeAffinityPolicy: Honor`` (only nodes matching
the pod's node affinity count), ``nodeTaintsPolicy: Ignore``.  ``minDomains`` (default 1) treats
the global minimum as 0 while fewer domains exist.  ``matchLabelKeys`` adds the pod's own values
to the selector.
"""
from __future__ import annotations

import math

import numpy as np

from ....api import selectors
from ..framework import (ADD, DELETE, NODE, POD, QUEUE, QUEUE_SKIP, SKIP, UNSCHEDULABLE,
                         UNSCHEDULABLE_AND_UNRESOLVABLE, UPDATE_NODE_LABEL, UPDATE_NODE_TAINT, UPDATE_POD_LABEL,
                         ClusterEvent, Plugin, Status, Verdicts)
from ..podinfo import HOSTNAME_LABEL, ZONE_LABEL
from ..util import RequiredNodeAffinity, find_untolerated_taint
from .helper import GenCache, default_selector

ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints"
ERR_REASON_NODE_LABEL_NOT_MATCH = ERR_REASON_CONSTRAINTS_NOT_MATCH + " (missing required label)"
DO_NOT_SCHEDULE, SCHEDULE_ANYWAY = "DoNotSchedule", "ScheduleAnyway"
HONOR, IGNORE = "Honor", "Ignore"
PRE_FILTER_KEY = "PreFilterPodTopologySpread"
PRE_SCORE_KEY = "PreScorePodTopologySpread"
MAX_INT32 = 2 ** 31 - 1
SYSTEM_DEFAULT_CONSTRAINTS = [
    {"topologyKey": HOSTNAME_LABEL, "whenUnsatisfiable": SCHEDULE_ANYWAY, "maxSkew": 3},
    {"topologyKey": ZONE_LABEL, "whenUnsatisfiable": SCHEDULE_ANYWAY, "maxSkew": 5},
]
_LABEL_MISSING = Status(UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_REASON_NODE_LABEL_NOT_MATCH)
_SKEW = Status(UNSCHEDULABLE, ERR_REASON_CONSTRAINTS_NOT_MATCH)


class Constraint:
    __slots__ = ("max_skew", "topology_key", "selector", "min_domains", "node_affinity_policy",
                 "node_taints_policy")

    def __init__(self, max_skew, topology_key, selector, min_domains=1, node_affinity_policy=HONOR,
                 node_taints_policy=IGNORE):
        self.max_skew = int(max_skew)
        self.topology_key = topology_key
        self.selector = selector
        self.min_domains = int(min_domains)
        self.node_affinity_policy = node_affinity_policy
        self.node_taints_policy = node_taints_policy

    def __repr__(self) -> str:
        return f"Constraint({self.topology_key}, maxSkew={self.max_skew}, selector={self.selector!r})"


def filter_constraints(raw: list, pod_labels: dict, action: str) -> list[Constraint]:
    """``filterTopologySpreadConstraints``."""
    out = []
    for c in raw or ():
        if c.get("whenUnsatisfiable") != action:
            continue
        sel = c.get("labelSelector")
        selector = selectors.from_label_selector(sel) if sel is not None else selectors.nothing()
        keys = c.get("matchLabelKeys") or []
        extra = {k: pod_labels[k] for k in keys if k in pod_labels}
        if extra and not selector.nothing:
            selector = selector.add(*selectors.selector_from_set(extra).requirements)
        out.append(Constraint(c.get("maxSkew", 1), c.get("topologyKey", ""), selector,
                              c.get("minDomains") or 1, c.get("nodeAffinityPolicy") or HONOR,
                              c.get("nodeTaintsPolicy") or IGNORE))
    return out


class PreFilterState:
    """Matching pods per domain for each DoNotSchedule constraint (``preFilterState``)."""

    __slots__ = ("constraints", "counts", "present", "index", "values")

    def __init__(self, constraints, counts, present, index, values):
        self.constraints = constraints
        self.counts = counts          # per constraint: np.int64 array by topology value id
        self.present = present        # per constraint: bool array, the domain is eligible
        self.index = index            # per constraint: value → id
        self.values = values

    def clone(self) -> "PreFilterState":
        return PreFilterState(self.constraints, [c.copy() for c in self.counts], [p.copy() for p in self.present],
                              self.index, self.values)

    def min_match_num(self, i: int) -> int:
        present = self.present[i]
        if not present.any():
            m = MAX_INT32
        else:
            m = int(self.counts[i][present].min())
        if int(present.sum()) < self.constraints[i].min_domains:
            m = 0
        return m


class PodTopologySpread(Plugin):
    name = "PodTopologySpread"
    weight = 2

    def __init__(self, handle=None, args=None):
        super().__init__(handle, args)
        self.defaulting_type = self.args.get("defaultingType") or "System"
        if self.defaulting_type == "List":
            self.default_constraints = self.args.get("defaultConstraints") or []
        else:
            self.default_constraints = SYSTEM_DEFAULT_CONSTRAINTS
        self.system_defaulted = self.defaulting_type != "List"
        self._masks = GenCache()
        self._selectors: dict[tuple, tuple] = {}
        self._defaults: dict[tuple, list] = {}

    # -- constraints ------------------------------------------------------------------------------
    def constraints(self, pod, action: str) -> list[Constraint]:
        raw = (pod.pod.get("spec") or {}).get("topologySpreadConstraints")
        if raw:
            return filter_constraints(raw, pod.labels, action)
        if not any(c.get("whenUnsatisfiable") == action for c in self.default_constraints):
            return []
        sel = self._default_selector(pod)
        if sel.empty:
            return []
        cached = self._defaults.get((action, sel))
        if cached is None:
            cached = filter_constraints([dict(c, labelSelector={}) for c in self.default_constraints], {}, action)
            for c in cached:
                c.selector = sel
            if len(self._defaults) >= 256:
                del self._defaults[next(iter(self._defaults))]
            self._defaults[(action, sel)] = cached
        return cached

    def _default_selector(self, pod):
        """``helper.DefaultSelector``, remembered until Services or controllers change."""
        h = self.handle
        if h is None:
            return default_selector(pod.pod, h)
        md = pod.pod["metadata"]
        owner = next((r for r in md.get("ownerReferences") or () if r.get("controller")), None)
        versions = tuple(h.informer(r).resource_version for r in
                         ("services", "replicasets", "statefulsets", "replicationcontrollers"))
        key = (pod.namespace, tuple(sorted(pod.labels.items())),
               (owner.get("apiVersion"), owner.get("kind"), owner.get("name")) if owner else None)
        hit = self._selectors.get(key)
        if hit is not None and hit[0] == versions:
            return hit[1]
        sel = default_selector(pod.pod, h)
        if len(self._selectors) >= 256:
            del self._selectors[next(iter(self._selectors))]
        self._selectors[key] = (versions, sel)
        return sel

    def _affinity_mask(self, pod, snap) -> np.ndarray:
        req = RequiredNodeAffinity(pod.pod)
        if req.empty:
            return np.ones(snap.n, dtype=bool)
        return self._masks.get(("aff",) + req.signature(), snap.static_gen,
                               lambda: np.fromiter((req.match(ni.node) for ni in snap.infos), dtype=bool,
                                                   count=snap.n))

    def _taints_mask(self, pod, snap) -> np.ndarray:
        return self._masks.get(("taints", repr(pod.tolerations)), snap.static_gen,
                               lambda: np.fromiter((find_untolerated_taint(ni.taints, pod.tolerations) is None
                                                    for ni in snap.infos), dtype=bool, count=snap.n))

    def _eligible(self, c: Constraint, pod, snap, base: np.ndarray) -> np.ndarray:
        m = base
        if c.node_affinity_policy == HONOR:
            m = m & self._affinity_mask(pod, snap)
        if c.node_taints_policy == HONOR:
            m = m & self._taints_mask(pod, snap)
        return m

    def _has_all_keys(self, cons: list[Constraint], snap) -> np.ndarray:
        keys = tuple(dict.fromkeys(c.topology_key for c in cons))

        def compute():
            m = np.ones(snap.n, dtype=bool)
            for key in keys:
                m &= snap.topology(key)[0] >= 0
            return m
        return self._masks.get(("keys",) + keys, snap.static_gen, compute)

    # -- prefilter / filter -------------------------------------------------------------------------
    def pre_filter(self, state, pod, snap):
        cons = self.constraints(pod, DO_NOT_SCHEDULE)
        if not cons:
            return None, Status(SKIP)
        has_all = self._has_all_keys(cons, snap)
        counts, present, index, values = [], [], [], []
        for c in cons:
            ids, vals = snap.topology(c.topology_key)
            elig = self._eligible(c, pod, snap, has_all)
            per_node = snap.count_matching(pod.namespace, c.selector)
            sel_ids = ids[elig]
            counts.append(np.bincount(sel_ids, weights=per_node[elig], minlength=len(vals)).astype(np.int64))
            present.append(np.bincount(sel_ids, minlength=len(vals)) > 0)
            index.append({v: j for j, v in enumerate(vals)})
            values.append(vals)
        state.write(PRE_FILTER_KEY, PreFilterState(cons, counts, present, index, values))
        return None, None

    def filter(self, state, pod, node_info) -> Status | None:
        s: PreFilterState = state.read(PRE_FILTER_KEY)
        if s is None or not s.constraints:
            return None
        labels = node_info.labels
        for i, c in enumerate(s.constraints):
            if c.topology_key not in labels:
                return _LABEL_MISSING
            min_num = s.min_match_num(i)
            self_match = 1 if c.selector.matches(pod.labels) else 0
            j = s.index[i].get(labels[c.topology_key])
            match_num = int(s.counts[i][j]) if j is not None and s.present[i][j] else 0
            if match_num + self_match - min_num > c.max_skew:
                return _SKEW
        return None

    def filter_nodes(self, state, pod, snap) -> Verdicts | None:
        s: PreFilterState = state.read(PRE_FILTER_KEY)
        if s is None or not s.constraints:
            return None
        codes = np.zeros(snap.n, dtype=np.int64)
        undecided = np.ones(snap.n, dtype=bool)
        for i, c in enumerate(s.constraints):
            ids = snap.topology(c.topology_key)[0]
            missing = undecided & (ids < 0)
            codes[missing] = 1
            undecided &= ~missing
            min_num = s.min_match_num(i)
            self_match = 1 if c.selector.matches(pod.labels) else 0
            if len(s.counts[i]):
                safe = np.where(ids >= 0, ids, 0)
                match_num = np.where((ids >= 0) & s.present[i][safe], s.counts[i][safe], 0)
            else:
                match_num = np.zeros(snap.n, dtype=np.int64)
            skew = undecided & (match_num + self_match - min_num > c.max_skew)
            codes[skew] = 2
            undecided &= ~skew
        return Verdicts(codes, [_LABEL_MISSING, _SKEW])

    def _update_with_pod(self, state, pod, other, node_info, delta: int) -> None:
        """``updateWithPod``: preemption adds or removes a pod on a node."""
        s: PreFilterState = state.read(PRE_FILTER_KEY)
        if s is None or other.namespace != pod.namespace or node_info.node is None:
            return
        labels = node_info.labels
        if any(c.topology_key not in labels for c in s.constraints):
            return
        req = RequiredNodeAffinity(pod.pod)
        for i, c in enumerate(s.constraints):
            if not c.selector.matches(other.labels):
                continue
            if c.node_affinity_policy == HONOR and not req.match(node_info.node):
                continue
            if c.node_taints_policy == HONOR and find_untolerated_taint(node_info.taints, pod.tolerations):
                continue
            j = s.index[i].get(labels[c.topology_key])
            if j is None:
                continue
            s.counts[i][j] += delta
            s.present[i][j] = True

    def add_pod(self, state, pod, added, node_info) -> None:
        self._update_with_pod(state, pod, added, node_info, 1)

    def remove_pod(self, state, pod, removed, node_info) -> None:
        self._update_with_pod(state, pod, removed, node_info, -1)

    # -- score ---------------------------------------------------------------------------------------
    def pre_score(self, state, pod, snap, idx) -> Status | None:
        spec_cons = (pod.pod.get("spec") or {}).get("topologySpreadConstraints")
        cons = self.constraints(pod, SCHEDULE_ANYWAY)
        if not cons:
            return Status(SKIP)
        require_all = bool(spec_cons) or not self.system_defaulted
        ignored = None
        kept = idx
        if require_all:
            ignored = ~self._has_all_keys(cons, snap)[idx]
            if ignored.any():
                kept = idx[~ignored]
            else:
                ignored = None
        plain = RequiredNodeAffinity(pod.pod).empty and not require_all
        weights, dom_counts = [], []
        for c in cons:
            if c.topology_key == HOSTNAME_LABEL:
                weights.append(math.log(float(len(kept) + 2)))
                dom_counts.append(None)
                continue
            ids, vals = snap.topology(c.topology_key)
            ids_k = ids[kept]
            if not (ids_k >= 0).any():
                # no node being scored has this key: the constraint adds to no node's score
                weights.append(0.0)
                dom_counts.append(False)
                continue
            dom = np.where(ids_k >= 0, ids_k, len(vals))          # a node without the label is domain ""
            in_filtered = np.zeros(len(vals) + 1, dtype=bool)
            in_filtered[dom] = True
            weights.append(math.log(float(int(in_filtered.sum()) + 2)))
            if plain and c.node_affinity_policy == HONOR and c.node_taints_policy == IGNORE:
                sums = snap.domain_sums(pod.namespace, c.selector, c.topology_key)
            else:
                base = self._has_all_keys(cons, snap) if require_all else np.ones(snap.n, dtype=bool)
                elig = self._eligible(c, pod, snap, base)
                all_dom = np.where(ids >= 0, ids, len(vals))
                per_node = snap.count_matching(pod.namespace, c.selector)
                sums = np.bincount(all_dom[elig], weights=per_node[elig], minlength=len(vals) + 1).astype(np.int64)
            dom_counts.append(np.where(in_filtered, sums, 0))
        state.write(PRE_SCORE_KEY, (cons, ignored, weights, dom_counts))
        return None

    def score_nodes(self, state, pod, snap, idx) -> np.ndarray:
        cons, ignored, weights, dom_counts = state.read(PRE_SCORE_KEY)
        score = np.zeros(len(idx), dtype=np.float64)
        for c, w, dc in zip(cons, weights, dom_counts):
            if dc is False:
                continue
            ids = snap.topology(c.topology_key)[0][idx]
            has = ids >= 0
            if dc is None:
                cnt = snap.count_matching(pod.namespace, c.selector)[idx]
            else:
                cnt = dc[np.where(has, ids, len(dc) - 1)]
            part = cnt * w + float(c.max_skew - 1)
            score = score + (part if has.all() else np.where(has, part, 0.0))
        whole = np.floor(score)
        rounded = (whole + ((score - whole) >= 0.5)).astype(np.int64)     # math.Round (scores are ≥ 0)
        return rounded if ignored is None else np.where(ignored, 0, rounded)

    def normalize(self, state, pod, scores: np.ndarray) -> np.ndarray:
        ignored = state.read(PRE_SCORE_KEY)[1]
        valid = scores if ignored is None else scores[~ignored]
        if len(valid) == 0:
            return np.zeros(len(scores), dtype=np.int64)
        lo, hi = int(valid.min()), int(valid.max())
        if hi == 0:
            out = np.full(len(scores), 100, dtype=np.int64)
        else:
            out = (100 * (hi + lo - scores)) // hi
        return out if ignored is None else np.where(ignored, 0, out)

    # -- queueing hints ------------------------------------------------------------------------------
    def events_to_register(self):
        return [(ClusterEvent(POD, ADD | UPDATE_POD_LABEL | DELETE), self._after_pod_change),
                (ClusterEvent(NODE, ADD | DELETE | UPDATE_NODE_LABEL | UPDATE_NODE_TAINT), self._after_node_change)]

    def _after_pod_change(self, pod, old, new) -> str:
        if (new is not None and not (new.get("spec") or {}).get("nodeName")) or \
                (old is not None and not (old.get("spec") or {}).get("nodeName")):
            return QUEUE_SKIP
        cons = self.constraints(pod, DO_NOT_SCHEDULE)
        if old is not None and new is not None:
            ol, nl = old["metadata"].get("labels") or {}, new["metadata"].get("labels") or {}
            if ol == nl:
                return QUEUE_SKIP
            return QUEUE if any(c.selector.matches(ol) != c.selector.matches(nl) for c in cons) else QUEUE_SKIP
        labels = ((new or old)["metadata"].get("labels")) or {}
        return QUEUE if any(c.selector.matches(labels) for c in cons) else QUEUE_SKIP

    def _after_node_change(self, pod, old, new) -> str:
        cons = self.constraints(pod, DO_NOT_SCHEDULE)
        node = new if new is not None else old
        labels = node["metadata"].get("labels") or {}
        return QUEUE if all(c.topology_key in labels for c in cons) else QUEUE_SKIP
