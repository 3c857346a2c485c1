"""Matching helpers shared by several plugins.

* Taints and tolerations, as ``k8s.io/api/core/v1`` ``Toleration.ToleratesTaint`` and
  ``v1helper.FindMatchingUntoleratedTaint`` define them.
* Node selectors and node affinity, as ``k8s.io/component-helpers/scheduling/corev1/nodeaffinity``
  defines them (``NodeSelector`` terms are ORed; inside a term every requirement must hold; an
  empty term matches nothing; ``Gt``/``Lt`` compare integers).
"""
from __future__ import annotations

from typing import Iterable, Mapping

NO_SCHEDULE, PREFER_NO_SCHEDULE, NO_EXECUTE = "NoSchedule", "PreferNoSchedule", "NoExecute"
UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable"


# -- taints and tolerations --------------------------------------------------------------------
from ...api.taints import tolerates, tolerations_tolerate  # noqa: E402,F401 - re-exported


def find_untolerated_taint(taints: Iterable[Mapping] | None, tolerations: list,
                           effects: tuple = (NO_SCHEDULE, NO_EXECUTE)) -> Mapping | None:
    """The first taint with one of ``effects`` that no toleration tolerates (or None)."""
    for taint in taints or ():
        if taint.get("effect") in effects and not tolerations_tolerate(tolerations, taint):
            return taint
    return None


def taint_reason(taint: Mapping) -> str:
    """TaintToleration's filter reason, ``node(s) had untolerated taint {key: value}``."""
    return f"node(s) had untolerated taint {{{taint.get('key', '')}: {taint.get('value') or ''}}}"


# -- node selectors -----------------------------------------------------------------------------
def _parse_int(text) -> int | None:
    try:
        return int(str(text), 10)
    except (TypeError, ValueError):
        return None


def requirement_matches(req: Mapping, labels: Mapping) -> bool:
    """One ``NodeSelectorRequirement`` against a label (or field) set."""
    key = req.get("key", "")
    op = req.get("operator", "")
    values = req.get("values") or []
    present = key in labels
    if op == "In":
        return present and labels[key] in values
    if op == "NotIn":
        return not present or labels[key] not in values
    if op == "Exists":
        return present
    if op == "DoesNotExist":
        return not present
    if op in ("Gt", "Lt"):
        if not present or len(values) != 1:
            return False
        have, want = _parse_int(labels[key]), _parse_int(values[0])
        if have is None or want is None:
            return False
        return have > want if op == "Gt" else have < want
    return False


def term_matches(term: Mapping, labels: Mapping, node_name: str) -> bool:
    """One ``NodeSelectorTerm``: all expressions and all fields (only ``metadata.name``)."""
    exprs = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not exprs and not fields:
        return False
    for req in exprs:
        if not requirement_matches(req, labels):
            return False
    for req in fields:
        if req.get("key") != "metadata.name" or req.get("operator") not in ("In", "NotIn"):
            return False
        if not requirement_matches(req, {"metadata.name": node_name}):
            return False
    return True


def node_selector_matches(selector: Mapping | None, node: Mapping) -> bool:
    """A ``NodeSelector``: any of its terms."""
    if selector is None:
        return True
    labels = node["metadata"].get("labels") or {}
    name = node["metadata"]["name"]
    return any(term_matches(t, labels, name) for t in selector.get("nodeSelectorTerms") or ())


class RequiredNodeAffinity:
    """``nodeaffinity.GetRequiredNodeAffinity(pod)``: ``spec.nodeSelector`` AND the required
    node-affinity terms."""

    __slots__ = ("node_selector", "required")

    def __init__(self, pod: Mapping):
        spec = pod.get("spec") or {}
        self.node_selector = spec.get("nodeSelector") or None
        na = (spec.get("affinity") or {}).get("nodeAffinity") or {}
        self.required = na.get("requiredDuringSchedulingIgnoredDuringExecution")

    @property
    def empty(self) -> bool:
        return self.node_selector is None and self.required is None

    def match(self, node: Mapping) -> bool:
        if self.node_selector:
            labels = node["metadata"].get("labels") or {}
            for k, v in self.node_selector.items():
                if labels.get(k) != v:
                    return False
        if self.required is not None:
            return node_selector_matches(self.required, node)
        return True

    def signature(self) -> tuple:
        return (repr(sorted((self.node_selector or {}).items())), repr(self.required))


# -- pod status patches (schedutil.PatchPodStatus) ---------------------------------------------------
_UNSET = object()


def patch_pod_status(client, pod: Mapping, conditions: Iterable[Mapping] = (), nominated_node_name=_UNSET) -> None:
    """Patch a pod's status: upsert ``conditions`` (by type) and set or clear (``None``)
    ``nominatedNodeName``.  Sent as a JSON patch against the pod the caller saw, so the stored
    conditions keep every field (``lastProbeTime: null`` included); if the pod changed meanwhile,
    a strategic-merge patch of the same fields is sent instead."""
    from ...api import errors

    status = pod.get("status") or {}
    current = list(status.get("conditions") or ())
    ops: list[dict] = []
    for cond in conditions:
        idx = next((i for i, c in enumerate(current) if c.get("type") == cond["type"]), None)
        if idx is not None:
            ops.append({"op": "test", "path": f"/status/conditions/{idx}/type", "value": cond["type"]})
            ops.append({"op": "replace", "path": f"/status/conditions/{idx}", "value": dict(cond)})
        elif current or any(o["path"] == "/status/conditions" for o in ops):
            ops.append({"op": "add", "path": "/status/conditions/-", "value": dict(cond)})
        else:
            ops.append({"op": "add", "path": "/status/conditions", "value": [dict(cond)]})
    if nominated_node_name is not _UNSET:
        if nominated_node_name:
            ops.append({"op": "add", "path": "/status/nominatedNodeName", "value": nominated_node_name})
        elif status.get("nominatedNodeName") is not None:
            ops.append({"op": "remove", "path": "/status/nominatedNodeName"})
    if not ops:
        return
    md = pod["metadata"]
    try:
        client.patch("pods", md["name"], ops, "application/json-patch+json", namespace=md.get("namespace"),
                     subresource="status")
    except errors.StatusError as e:
        if e.reason == "NotFound":
            raise
        body: dict = {"status": {}}
        if conditions:
            body["status"]["conditions"] = [dict(c) for c in conditions]
        if nominated_node_name is not _UNSET:
            body["status"]["nominatedNodeName"] = nominated_node_name or None
        client.patch("pods", md["name"], body, namespace=md.get("namespace"), subresource="status")
