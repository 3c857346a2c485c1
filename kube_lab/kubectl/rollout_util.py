"""Deployment helpers kubectl uses on the client side (k8s.io/kubectl/pkg/util/deployment): the
ReplicaSets a Deployment owns, which one is current, and revision numbers."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..api.meta import parse_rfc3339
from ..controlplane.apiserver.tables import selector_string

if TYPE_CHECKING:  # pragma: no cover
    from .runtime import Invocation

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE_ANNOTATION = "kubernetes.io/change-cause"
HASH_LABEL = "pod-template-hash"


def _semantic(v: Any) -> Any:
    """Zero values dropped, so that "unset" and "empty" compare equal as Go's typed structs do."""
    if isinstance(v, dict):
        out = {k: _semantic(x) for k, x in v.items()}
        return {k: x for k, x in out.items() if x not in (None, {}, [], "", False, 0)}
    if isinstance(v, list):
        return [_semantic(x) for x in v]
    return v


def equal_ignore_hash(t1: dict | None, t2: dict | None) -> bool:
    def strip(t: dict | None) -> Any:
        t = dict(t or {})
        md = dict(t.get("metadata") or {})
        labels = dict(md.get("labels") or {})
        labels.pop(HASH_LABEL, None)
        md["labels"] = labels
        t["metadata"] = md
        return _semantic(t)
    return strip(t1) == strip(t2)


def owned_replica_sets(inv: "Invocation", deployment: dict) -> list[dict]:
    md = deployment.get("metadata") or {}
    sel = selector_string((deployment.get("spec") or {}).get("selector"))
    items = inv.client.list("replicasets", md.get("namespace"), label_selector=sel or None)["items"]
    owned = []
    for rs in items:
        for ref in (rs.get("metadata") or {}).get("ownerReferences") or []:
            if ref.get("controller") and ref.get("uid") == md.get("uid"):
                owned.append(rs)
                break
    return owned


def _by_creation(rs: dict) -> tuple:
    md = rs.get("metadata") or {}
    ts = md.get("creationTimestamp")
    return (parse_rfc3339(ts) if ts else 0.0, md.get("name", ""))


def all_replica_sets(inv: "Invocation", deployment: dict) -> tuple[list[dict], dict | None]:
    """(all old ReplicaSets, the new one or None), as ``GetAllReplicaSetsInChunks``."""
    owned = sorted(owned_replica_sets(inv, deployment), key=_by_creation)
    template = (deployment.get("spec") or {}).get("template")
    new = next((rs for rs in owned if equal_ignore_hash((rs.get("spec") or {}).get("template"), template)), None)
    new_uid = (new or {}).get("metadata", {}).get("uid")
    old = [rs for rs in owned if (rs.get("metadata") or {}).get("uid") != new_uid or new is None]
    return old, new


def revision(obj: dict) -> int:
    value = ((obj.get("metadata") or {}).get("annotations") or {}).get(REVISION_ANNOTATION)
    if value is None:
        return 0
    try:
        return int(value)
    except ValueError:
        return 0
