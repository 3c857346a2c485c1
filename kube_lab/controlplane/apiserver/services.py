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


def prepare_update(server, svc: dict, old: dict) -> list[int]:
    """``PatchAllocatedValues``: an update that leaves out the cluster IPs or node ports keeps
    the allocated ones (``kubectl apply`` of a manifest without ``clusterIP`` must not fail)."""
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
