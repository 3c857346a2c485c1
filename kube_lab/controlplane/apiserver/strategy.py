"""Per-resource REST strategies, as in kube-apiserver's ``pkg/registry/<group>/<resource>/strategy.go``.

A strategy says what the API server does around storage for one resource:

* ``prepare_for_create`` — clear what a user may not set (status) and start ``generation`` at 1;
* ``prepare_for_update`` — keep the old status on a main-resource update (it has a ``status``
  subresource), bump ``generation`` when the spec changes;
* ``prepare_for_status_update`` — on ``/status`` keep the old spec (a status writer cannot change
  the desired state);
* ``graceful_delete_seconds`` — pods are deleted gracefully (``deletionTimestamp`` +
  ``deletionGracePeriodSeconds``), other objects at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ...api.registry import ResourceInfo

# Resources whose strategy sets metadata.generation = 1 on create and bumps it on spec changes.
GENERATION_RESOURCES = frozenset({
    "deployments", "replicasets", "replicationcontrollers", "statefulsets", "daemonsets", "jobs",
    "cronjobs", "poddisruptionbudgets", "networkpolicies", "ingresses", "ingressclasses",
    "horizontalpodautoscalers", "priorityclasses",
})
# Resources whose PrepareForCreate clears status.
RESET_STATUS_ON_CREATE = frozenset({
    "deployments", "replicasets", "replicationcontrollers", "statefulsets", "daemonsets", "jobs",
    "cronjobs", "poddisruptionbudgets", "ingresses", "horizontalpodautoscalers", "resourcequotas",
})
# Resources whose status-update also keeps the old labels (apps strategies do this).
STATUS_KEEPS_LABELS = frozenset({"deployments", "replicasets", "statefulsets", "daemonsets"})
# Objects that a PUT may create when missing (AllowCreateOnUpdate).
CREATE_ON_UPDATE = frozenset({"endpoints", "events", "leases", "endpointslices", "configmaps"})


def pod_qos_class(pod: dict) -> str:
    """``qos.GetPodQOS``: Guaranteed when every container sets equal cpu and memory requests and
    limits, BestEffort when none sets any, Burstable otherwise."""
    spec = pod.get("spec") or {}
    containers = list(spec.get("containers") or ()) + list(spec.get("initContainers") or ())
    any_set = False
    guaranteed = True
    for c in containers:
        res = c.get("resources") or {}
        req = res.get("requests") or {}
        lim = res.get("limits") or {}
        for name in ("cpu", "memory"):
            if name in req or name in lim:
                any_set = True
        for name in ("cpu", "memory"):
            if name not in lim:
                guaranteed = False
            elif name in req and str(req[name]) != str(lim[name]):
                from ...api.quantity import parse_quantity
                if parse_quantity(str(req[name])) != parse_quantity(str(lim[name])):
                    guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


@dataclass
class Strategy:
    info: ResourceInfo
    has_status: bool
    has_generation: bool

    def prepare_for_create(self, obj: dict) -> None:
        res = self.info.resource
        md = obj["metadata"]
        if self.has_generation:
            md["generation"] = 1
        if res == "horizontalpodautoscalers":
            # autoscaling/v2's status has two fields without omitempty: a fresh one reads back
            # as {currentMetrics: null, desiredReplicas: 0}
            obj["status"] = {"currentMetrics": None, "desiredReplicas": 0}
        elif res in RESET_STATUS_ON_CREATE:
            obj["status"] = {}
        elif res == "pods":
            obj["status"] = {"phase": "Pending", "qosClass": pod_qos_class(obj)}
        elif res == "services":
            obj["status"] = {"loadBalancer": {}}
        elif res == "namespaces":
            spec = obj.setdefault("spec", {})
            fins = spec.get("finalizers") or []
            if "kubernetes" not in fins:
                spec["finalizers"] = [*fins, "kubernetes"]
            obj["status"] = {"phase": "Active"}
        elif res in ("persistentvolumes", "persistentvolumeclaims"):
            # status is cleared, and defaulting on the way out of storage sets phase Pending
            obj["status"] = {"phase": "Pending"}

    def prepare_for_update(self, new: dict, old: dict) -> None:
        if self.has_status:
            if "status" in old:
                new["status"] = old["status"]
            else:
                new.pop("status", None)
        if self.has_generation:
            gen = old["metadata"].get("generation", 1)
            changed = new.get("spec") != old.get("spec")
            if self.info.resource == "deployments":
                changed = changed or (new["metadata"].get("annotations") or {}) != (
                    old["metadata"].get("annotations") or {})
            new["metadata"]["generation"] = gen + 1 if changed else gen

    def prepare_for_status_update(self, new: dict, old: dict) -> None:
        if "spec" in old:
            new["spec"] = old["spec"]
        else:
            new.pop("spec", None)
        md, old_md = new["metadata"], old["metadata"]
        for field in ("ownerReferences", "finalizers", "generation"):
            if field in old_md:
                md[field] = old_md[field]
            else:
                md.pop(field, None)
        if self.info.resource in STATUS_KEEPS_LABELS:
            if "labels" in old_md:
                md["labels"] = old_md["labels"]
            else:
                md.pop("labels", None)

    def graceful_delete_seconds(self, obj: dict, requested: int | None) -> int:
        """How long the object may take to go away (0: delete now).  Models pod strategy
        ``CheckGracefulDelete``: the request's gracePeriodSeconds, else the pod's
        terminationGracePeriodSeconds (30); pods that never reached a node or already finished
        are deleted at once."""
        if self.info.resource != "pods":
            return 0
        spec = obj.get("spec") or {}
        if requested is None:
            grace = spec.get("terminationGracePeriodSeconds", 30)
        else:
            grace = requested
        if grace is None:
            grace = 30
        if not spec.get("nodeName"):
            return 0
        if (obj.get("status") or {}).get("phase") in ("Failed", "Succeeded"):
            return 0
        if grace < 0:
            grace = 1
        return int(grace)


_STRATEGIES: dict[str, Strategy] = {}


def strategy_for(info: ResourceInfo) -> Strategy:
    st = _STRATEGIES.get(info.resource)
    if st is None:
        st = Strategy(info, "status" in info.subresources, info.resource in GENERATION_RESOURCES)
        _STRATEGIES[info.resource] = st
    return st


Hook = Callable[[dict], None]
