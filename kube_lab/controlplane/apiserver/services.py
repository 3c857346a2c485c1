"""Service REST storage rules (``pkg/registry/core/service/storage``) that apply before
validation: IP family fields, and keeping allocated addresses across updates.

Allocating cluster IPs and node ports is the job of the allocators that the service-networking
work plugs in as ``APIServer.service_allocator`` (an object with ``allocate(service)`` and
``release(service)``); without one, only explicitly requested addresses are stored.
"""
from __future__ import annotations

from ...api import defaults, errors


def prepare_create(server, svc: dict) -> None:
    allocator = getattr(server, "service_allocator", None)
    if allocator is not None:
        allocator.allocate(svc)
    errs = defaults.default_service_ip_families(svc)
    if errs:
        raise errors.invalid("Service", svc["metadata"].get("name", ""), errs)


def _needs_cluster_ip(spec: dict) -> bool:
    return spec.get("type", "ClusterIP") != "ExternalName"


def _needs_node_ports(spec: dict) -> bool:
    t = spec.get("type", "ClusterIP")
    return t == "NodePort" or (t == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is not False)


def _needs_health_check_port(spec: dict) -> bool:
    return spec.get("type") == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local"


def _externally_accessible(spec: dict) -> bool:
    t = spec.get("type", "ClusterIP")
    return t in ("NodePort", "LoadBalancer") or (t == "ClusterIP" and bool(spec.get("externalIPs")))


def drop_type_dependent_fields(svc: dict, old: dict) -> None:
    """``dropTypeDependentFields`` (service strategy, ``PrepareForUpdate``): when an update changes
    the type, fields the new type cannot have and that the user left as they were are wiped —
    so ``kubectl patch svc web -p '{"spec":{"type":"ClusterIP"}}'`` turns a NodePort or
    LoadBalancer Service back into a plain one, and a switch to ExternalName drops the cluster IP."""
    spec, old_spec = svc.setdefault("spec", {}), old.get("spec") or {}
    if _needs_cluster_ip(old_spec) and not _needs_cluster_ip(spec):
        if spec.get("clusterIP") == old_spec.get("clusterIP") and spec.get("clusterIPs") == old_spec.get("clusterIPs"):
            spec.pop("clusterIP", None)
            spec.pop("clusterIPs", None)
        if spec.get("ipFamilies") == old_spec.get("ipFamilies"):
            spec.pop("ipFamilies", None)
        if spec.get("ipFamilyPolicy") == old_spec.get("ipFamilyPolicy"):
            spec.pop("ipFamilyPolicy", None)
    if _needs_node_ports(old_spec) and not _needs_node_ports(spec):
        same = [p.get("nodePort") for p in spec.get("ports") or ()] == \
               [p.get("nodePort") for p in old_spec.get("ports") or ()]
        if same:
            for p in spec.get("ports") or ():
                p.pop("nodePort", None)
    if _needs_health_check_port(old_spec) and not _needs_health_check_port(spec):
        if spec.get("healthCheckNodePort") == old_spec.get("healthCheckNodePort"):
            spec.pop("healthCheckNodePort", None)
    if old_spec.get("type") == "LoadBalancer" and spec.get("type") != "LoadBalancer":
        if "allocateLoadBalancerNodePorts" in spec and \
                spec.get("allocateLoadBalancerNodePorts") == old_spec.get("allocateLoadBalancerNodePorts"):
            spec.pop("allocateLoadBalancerNodePorts", None)
        if spec.get("loadBalancerClass") == old_spec.get("loadBalancerClass"):
            spec.pop("loadBalancerClass", None)
    if _externally_accessible(old_spec) and not _externally_accessible(spec):
        if spec.get("externalTrafficPolicy") == old_spec.get("externalTrafficPolicy"):
            spec.pop("externalTrafficPolicy", None)
    if spec.get("type") != "LoadBalancer" and (svc.get("status") or {}).get("loadBalancer"):
        svc["status"]["loadBalancer"] = {}


def prepare_update(server, svc: dict, old: dict) -> list[int]:
    """``dropTypeDependentFields``, then ``PatchAllocatedValues``: an update that leaves out the
    cluster IPs or node ports keeps the allocated ones (``kubectl apply`` of a manifest without
    ``clusterIP`` must not fail)."""
    drop_type_dependent_fields(svc, old)
    spec, old_spec = svc.setdefault("spec", {}), old.get("spec") or {}
    if spec.get("type") != "ExternalName" and old_spec.get("type") != "ExternalName":
        if not spec.get("clusterIP") and old_spec.get("clusterIP"):
            spec["clusterIP"] = old_spec["clusterIP"]
        if not spec.get("clusterIPs") and old_spec.get("clusterIPs"):
            if spec.get("clusterIP") == old_spec.get("clusterIP"):
                spec["clusterIPs"] = list(old_spec["clusterIPs"])
    if spec.get("type") in ("NodePort", "LoadBalancer"):
        old_ports = {(p.get("port"), p.get("protocol", "TCP")): p.get("nodePort")
                     for p in old_spec.get("ports") or () if p.get("nodePort")}
        for p in spec.get("ports") or ():
            if not p.get("nodePort"):
                np = old_ports.get((p.get("port"), p.get("protocol", "TCP")))
                if np:
                    p["nodePort"] = np
    if spec.get("type") == "LoadBalancer" and old_spec.get("healthCheckNodePort") and not spec.get("healthCheckNodePort"):
        spec["healthCheckNodePort"] = old_spec["healthCheckNodePort"]
    errs = defaults.default_service_ip_families(svc, old)
    if errs:
        raise errors.invalid("Service", svc["metadata"].get("name", ""), errs)
    allocator = getattr(server, "service_allocator", None)
    return allocator.update(svc, old) if allocator is not None else []
