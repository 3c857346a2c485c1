"""Helpers the plugins share (``pkg/scheduler/framework/plugins/helper``): score normalisation,
the default spreading selector, and building per-node verdicts."""
from __future__ import annotations

from typing import Callable, Hashable, Iterable

import numpy as np

from ....api import selectors
from ..framework import MAX_NODE_SCORE, Status, Verdicts


def default_normalize_score(scores: np.ndarray, reverse: bool) -> np.ndarray:
    """``helper.DefaultNormalizeScore``: scale to 0..100 by the maximum (reversed if asked)."""
    if len(scores) == 0:
        return scores
    max_count = int(scores.max())
    if max_count == 0:
        return np.full(len(scores), MAX_NODE_SCORE if reverse else 0, dtype=np.int64)
    out = (MAX_NODE_SCORE * scores) // max_count
    if reverse:
        out = MAX_NODE_SCORE - out
    return out.astype(np.int64)


def verdicts_from(statuses: Iterable[Status | None], n: int) -> Verdicts:
    """Per-node statuses (None passes) as :class:`Verdicts`, identical statuses shared."""
    codes = np.zeros(n, dtype=np.int64)
    table: list[Status] = []
    index: dict[Status, int] = {}
    for i, st in enumerate(statuses):
        if st is None or st.is_success():
            continue
        k = index.get(st)
        if k is None:
            table.append(st)
            k = index[st] = len(table)
        codes[i] = k
    return Verdicts(codes, table)


class GenCache:
    """A small cache of per-snapshot results keyed by a pod "signature" and the snapshot
    generation they were computed for."""

    def __init__(self, size: int = 64):
        self.size = size
        self._d: dict[Hashable, tuple] = {}

    def get(self, key: Hashable, gen: Hashable, compute: Callable[[], object]):
        hit = self._d.get(key)
        if hit is not None and hit[0] == gen:
            return hit[1]
        value = compute()
        if key not in self._d and len(self._d) >= self.size:
            del self._d[next(iter(self._d))]
        self._d[key] = (gen, value)
        return value


def _owner(pod: dict) -> dict | None:
    for ref in pod["metadata"].get("ownerReferences") or ():
        if ref.get("controller"):
            return ref
    return None


def default_selector(pod: dict, handle) -> selectors.Selector:
    """``helper.DefaultSelector``: the selectors of the Services selecting the pod, merged, plus
    its controlling ReplicationController's, ReplicaSet's or StatefulSet's selector."""
    md = pod["metadata"]
    ns = md.get("namespace", "")
    labels = md.get("labels") or {}
    label_set: dict[str, str] = {}
    svc_informer = handle.informer("services") if handle is not None else None
    if svc_informer is not None:
        for svc in svc_informer.by_index("namespace", ns):
            sel = (svc.get("spec") or {}).get("selector")
            if sel is None:
                continue
            if all(labels.get(k) == v for k, v in sel.items()):
                label_set.update(sel)
    selector = selectors.selector_from_set(label_set) if label_set else selectors.everything()
    owner = _owner(pod)
    if owner is None or handle is None:
        return selector
    api_version, kind, name = owner.get("apiVersion", ""), owner.get("kind", ""), owner.get("name", "")
    if (api_version, kind) == ("v1", "ReplicationController"):
        inf = handle.informer("replicationcontrollers")
        rc = inf.get(f"{ns}/{name}") if inf is not None else None
        if rc is not None:
            merged = dict(label_set)
            merged.update((rc.get("spec") or {}).get("selector") or {})
            selector = selectors.selector_from_set(merged) if merged else selectors.everything()
    elif (api_version, kind) in (("apps/v1", "ReplicaSet"), ("apps/v1", "StatefulSet")):
        inf = handle.informer("replicasets" if kind == "ReplicaSet" else "statefulsets")
        obj = inf.get(f"{ns}/{name}") if inf is not None else None
        if obj is not None:
            try:
                other = selectors.from_label_selector((obj.get("spec") or {}).get("selector"))
            except (selectors.SelectorError, ValueError):
                return selector
            if not other.nothing:
                selector = selector.add(*other.requirements)
    return selector
