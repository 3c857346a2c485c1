"""kube-aggregator: API groups served by extension API servers (``k8s.io/kube-aggregator``).

An ``APIService`` (``v1beta1.metrics.k8s.io``) tells kube-apiserver that requests for a group and
version go to a Service (``kube-system/metrics-server``); the aggregator proxies them there.  Its
availability controller marks the APIService ``Available`` only while the Service has a ready
endpoint; until then every request for the group fails with 503 — which client-go reports as
``the server is currently unable to handle the request (get pods.metrics.k8s.io)``.  A group no
APIService serves is simply unknown: ``the server could not find the requested resource``.

``Aggregator.of(apiserver)`` is the aggregator of one API server (created on first use).  A
registered :class:`APIService` names its resources and a *backend* — the extension server's
REST handlers, ``backend.get(resource, namespace, name)`` and ``backend.list(resource,
namespace, label_selector, field_selector)``, returning wire-format dicts or raising
``StatusError``.  Requests are recorded in the API server's trace under the caller's component
with group-qualified resource names (``pods.metrics.k8s.io``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...api import errors
from ...api.registry import ResourceInfo

READ_VERBS = ("get", "list")


@dataclass
class APIService:
    """One ``apiregistration.k8s.io/v1`` APIService: ``group``/``version`` served by the
    Service ``service`` (namespace, name) through ``backend``."""
    group: str
    version: str
    service: tuple[str, str]
    resources: tuple[ResourceInfo, ...]
    backend: Any
    group_priority_minimum: int = 100
    version_priority: int = 100
    insecure_skip_tls_verify: bool = True
    _by_resource: dict[str, ResourceInfo] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for info in self.resources:
            self._by_resource[info.resource] = info

    @property
    def name(self) -> str:
        return f"{self.version}.{self.group}"


class Aggregator:
    """The aggregation layer of one API server."""

    def __init__(self, apiserver: Any):
        self.apiserver = apiserver
        self.services: dict[str, APIService] = {}

    @classmethod
    def of(cls, apiserver: Any) -> "Aggregator":
        agg = getattr(apiserver, "aggregator", None)
        if agg is None:
            agg = cls(apiserver)
            apiserver.aggregator = agg
        return agg

    # registration ---------------------------------------------------------------------------
    def register(self, service: APIService) -> APIService:
        self.services[f"{service.group}/{service.version}"] = service
        return service

    def unregister(self, group: str, version: str) -> None:
        self.services.pop(f"{group}/{version}", None)

    def groups(self) -> list[tuple[str, str]]:
        """``(group, version)`` of every APIService, as discovery lists them (available or not)."""
        return sorted((s.group, s.version) for s in self.services.values())

    def resources(self) -> list[ResourceInfo]:
        return [info for s in self.services.values() for info in s.resources]

    # availability (the APIService's Available condition) ---------------------------------------
    def available(self, group: str, version: str) -> tuple[bool, str, str]:
        """``(available, reason, message)`` as the availability controller computes them."""
        svc = self.services.get(f"{group}/{version}")
        if svc is None:
            return False, "ServiceNotFound", "no APIService"
        ns, name = svc.service
        if self.apiserver.storage_get("services", ns, name) is None:
            return False, "ServiceNotFound", f'service/{name} in "{ns}" is not present'
        ep = self.apiserver.storage_get("endpoints", ns, name)
        if ep is None:
            return False, "EndpointsNotFound", f'cannot find endpoints for service/{name} in "{ns}"'
        if not any(s.get("addresses") for s in ep.get("subsets") or ()):
            return False, "MissingEndpoints", f'endpoints for service/{name} in "{ns}" have no addresses ' \
                                              'with port name "https"'
        if not getattr(svc.backend, "serving", True):
            return False, "FailedDiscoveryCheck", "failing or missing response from " \
                                                  f"https://{name}.{ns}.svc:443/apis/{group}/{version}"
        return True, "Passed", "all checks passed"

    # requests --------------------------------------------------------------------------------
    def _route(self, verb: str, group_resource: str, component: str, namespace: str,
               name: str = "") -> tuple[APIService, ResourceInfo]:
        resource, _, group = group_resource.partition(".")
        svc = next((s for s in self.services.values() if s.group == group and resource in s._by_resource), None)
        trace = self.apiserver.trace
        now = self.apiserver.loop.now
        # client-go's NewGenericServerResponse: "<text> (<http verb> <group resource>[ <name>])"
        what = f"(get {group_resource}{' ' + name if name else ''})"
        details = {"group": group, "kind": resource}
        if name:
            details["name"] = name
        if svc is None:
            trace.record(now, component, verb, group_resource, namespace, name, "", 404)
            raise errors.status("NotFound", f"the server could not find the requested resource {what}", details,
                                code=404)
        ok, _, _ = self.available(svc.group, svc.version)
        if not ok:
            trace.record(now, component, verb, group_resource, namespace, name, "", 503)
            raise errors.status("ServiceUnavailable", f"the server is currently unable to handle the request {what}",
                                details, code=503)
        trace.record(now, component, verb, group_resource, namespace, name)
        return svc, svc._by_resource[resource]

    def get(self, group_resource: str, name: str, namespace: str | None = None, *,
            component: str = "client") -> dict:
        """GET ``/apis/<group>/<version>/[namespaces/<ns>/]<resource>/<name>``."""
        svc, info = self._route("get", group_resource, component, namespace or "", name)
        return svc.backend.get(info.resource, namespace if info.namespaced else None, name)

    def list(self, group_resource: str, namespace: str | None = None, *, label_selector: str | None = None,
             field_selector: str | None = None, component: str = "client") -> dict:
        """LIST (``namespace=None``: all namespaces)."""
        svc, info = self._route("list", group_resource, component, namespace or "")
        return svc.backend.list(info.resource, namespace if info.namespaced else None,
                                label_selector or None, field_selector or None)


def aggregator_of(apiserver: Any) -> Aggregator | None:
    """The API server's aggregator if anything registered one (None: no extension API)."""
    return getattr(apiserver, "aggregator", None)


__all__ = ["APIService", "Aggregator", "READ_VERBS", "aggregator_of"]
