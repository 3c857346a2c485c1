"""Taints and tolerations as ``k8s.io/api/core/v1`` helpers define them, shared by the
scheduler's TaintToleration plugin, the DaemonSet controller and taint-based eviction."""
from __future__ import annotations

from typing import Iterable, Mapping


def tolerates(toleration: Mapping, taint: Mapping) -> bool:
    """``Toleration.ToleratesTaint``: the effect (empty: any) and the key (empty: any) must
    match, then ``Exists`` matches any value and ``Equal`` (the default) the same value."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint.get("key"):
        return False
    op = toleration.get("operator") or "Equal"
    if op == "Equal":
        return (toleration.get("value") or "") == (taint.get("value") or "")
    return op == "Exists"


def tolerations_tolerate(tolerations: Iterable[Mapping], taint: Mapping) -> bool:
    """``TolerationsTolerateTaint``: whether any of ``tolerations`` tolerates ``taint``."""
    return any(tolerates(t, taint) for t in tolerations)
