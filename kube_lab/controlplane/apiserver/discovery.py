"""API discovery documents, built from the kinds registry (k8s.io/apiserver/pkg/endpoints/discovery).

Two forms are served, as kube-apiserver 1.32 does:

* **aggregated** discovery (``apidiscovery.k8s.io/v2`` ``APIGroupDiscoveryList``) on ``/api`` and
  ``/apis`` when the client's Accept asks for it — what kubectl uses: two requests describe every
  resource, with short names, categories, verbs and subresources;
* **legacy** discovery — ``APIVersions`` on ``/api``, ``APIGroupList`` on ``/apis``, ``APIGroup`` on
  ``/apis/<group>`` and ``APIResourceList`` on ``/api/v1`` and ``/apis/<group>/<version>`` — what
  the Python client's ``DynamicClient`` reads.

Groups are listed in kube-apiserver's priority order (the aggregator's ``apiVersionPriorities``),
resources alphabetically, as upstream's installer sorts them.
"""
from __future__ import annotations

from typing import Iterable

from ...api.registry import ResourceInfo

AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"

# kube-aggregator's apiVersionPriorities (higher first); unknown groups go last, by name.
GROUP_PRIORITY = {
    "": 18000, "apiregistration.k8s.io": 17900, "apps": 17800, "events.k8s.io": 17750,
    "authentication.k8s.io": 17700, "authorization.k8s.io": 17600, "autoscaling": 17500,
    "batch": 17400, "certificates.k8s.io": 17300, "networking.k8s.io": 17200, "policy": 17100,
    "rbac.authorization.k8s.io": 17000, "storage.k8s.io": 16800, "admissionregistration.k8s.io": 16700,
    "apiextensions.k8s.io": 16700, "scheduling.k8s.io": 16600, "coordination.k8s.io": 16500,
    "node.k8s.io": 16300, "discovery.k8s.io": 16200, "flowcontrol.apiserver.k8s.io": 16100,
    "resource.k8s.io": 15900,
}

# subresource → (group, version, kind of its request/response, verbs); None kind = the parent's.
SUBRESOURCES: dict[str, tuple[str, str, str | None, tuple[str, ...]]] = {
    "status": ("", "", None, ("get", "patch", "update")),
    "scale": ("autoscaling", "v1", "Scale", ("get", "patch", "update")),
    "log": ("", "v1", "Pod", ("get",)),
    "exec": ("", "v1", "PodExecOptions", ("create", "get")),
    "attach": ("", "v1", "PodAttachOptions", ("create", "get")),
    "portforward": ("", "v1", "PodPortForwardOptions", ("create", "get")),
    "binding": ("", "v1", "Binding", ("create",)),
    "eviction": ("policy", "v1", "Eviction", ("create",)),
    "ephemeralcontainers": ("", "v1", "Pod", ("get", "patch", "update")),
    "finalize": ("", "v1", "Namespace", ("update",)),
    "token": ("authentication.k8s.io", "v1", "TokenRequest", ("create",)),
}
PROXY_KINDS = {"pods": "PodProxyOptions", "nodes": "NodeProxyOptions", "services": "ServiceProxyOptions"}
PROXY_VERBS = ("create", "delete", "get", "patch", "update")


def _sub(info: ResourceInfo, sub: str) -> tuple[str, str, str, tuple[str, ...]]:
    if sub == "proxy":
        return "", "v1", PROXY_KINDS.get(info.resource, "Status"), PROXY_VERBS
    group, version, kind, verbs = SUBRESOURCES.get(sub, ("", "", None, ("get",)))
    if kind is None:
        return info.group, info.version, info.kind, verbs
    return group, version, kind, verbs


def group_versions(resources: Iterable[ResourceInfo]) -> list[tuple[str, str, list[ResourceInfo]]]:
    """``[(group, version, resources)]`` in priority order, resources sorted by name."""
    by_gv: dict[tuple[str, str], list[ResourceInfo]] = {}
    for info in resources:
        by_gv.setdefault((info.group, info.version), []).append(info)
    order = sorted(by_gv, key=lambda gv: (-GROUP_PRIORITY.get(gv[0], 0), gv[0], gv[1]))
    return [(g, v, sorted(by_gv[(g, v)], key=lambda i: i.resource)) for g, v in order]


# ------------------------------------------------------------------------------------------
# aggregated (apidiscovery.k8s.io/v2)
def aggregated(resources: Iterable[ResourceInfo], legacy: bool, version: str = "v2") -> dict:
    """``APIGroupDiscoveryList`` for ``/api`` (``legacy=True``: the core group) or ``/apis``."""
    groups: dict[str, list[dict]] = {}
    for group, ver, infos in group_versions(resources):
        if (group == "") != legacy:
            continue
        entries = []
        for info in infos:
            entry = {
                "resource": info.resource,
                "responseKind": {"group": info.group, "version": info.version, "kind": info.kind},
                "scope": "Namespaced" if info.namespaced else "Cluster",
                "singularResource": info.singular,
                "verbs": sorted(info.verbs),
            }
            if info.short_names:
                entry["shortNames"] = list(info.short_names)
            if info.categories:
                entry["categories"] = list(info.categories)
            subs = []
            for sub in sorted(info.subresources):
                sg, sv, sk, verbs = _sub(info, sub)
                subs.append({"subresource": sub, "responseKind": {"group": sg, "version": sv, "kind": sk},
                             "verbs": list(verbs)})
            if subs:
                entry["subresources"] = subs
            entries.append(entry)
        groups.setdefault(group, []).append({"version": ver, "resources": entries, "freshness": "Current"})
    items = [{"metadata": {"name": g, "creationTimestamp": None}, "versions": versions}
             for g, versions in groups.items()]
    return {"kind": "APIGroupDiscoveryList", "apiVersion": f"apidiscovery.k8s.io/{version}",
            "metadata": {}, "items": items}


# ------------------------------------------------------------------------------------------
# legacy
def api_versions(server_address: str) -> dict:
    """``GET /api``: ``APIVersions``."""
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}


def _group(group: str, versions: list[str]) -> dict:
    gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": gvs, "preferredVersion": gvs[0]}


def api_group_list(resources: Iterable[ResourceInfo]) -> dict:
    """``GET /apis``: ``APIGroupList``."""
    versions: dict[str, list[str]] = {}
    for group, ver, _ in group_versions(resources):
        if group:
            versions.setdefault(group, []).append(ver)
    return {"kind": "APIGroupList", "apiVersion": "v1",
            "groups": [_group(g, vs) for g, vs in versions.items()]}


def api_group(resources: Iterable[ResourceInfo], group: str) -> dict | None:
    """``GET /apis/<group>``: ``APIGroup`` (None for an unknown group)."""
    vs = [ver for g, ver, _ in group_versions(resources) if g == group and group]
    if not vs:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(group, vs)}


def api_resource_list(resources: Iterable[ResourceInfo], group: str, version: str) -> dict | None:
    """``GET /api/v1`` or ``/apis/<group>/<version>``: ``APIResourceList`` (None if not served)."""
    for g, ver, infos in group_versions(resources):
        if (g, ver) != (group, version):
            continue
        out = []
        for info in infos:
            entry = {"name": info.resource, "singularName": info.singular, "namespaced": info.namespaced,
                     "kind": info.kind, "verbs": sorted(info.verbs)}
            if info.short_names:
                entry["shortNames"] = list(info.short_names)
            if info.categories:
                entry["categories"] = list(info.categories)
            out.append(entry)
            for sub in sorted(info.subresources):
                sg, sv, sk, verbs = _sub(info, sub)
                sub_entry = {"name": f"{info.resource}/{sub}", "singularName": "", "namespaced": info.namespaced}
                if (sg, sv) != (info.group, info.version):
                    sub_entry["group"] = sg
                    sub_entry["version"] = sv
                sub_entry["kind"] = sk
                sub_entry["verbs"] = list(verbs)
                out.append(sub_entry)
        if not group:  # the legacy core group's document has no apiVersion, the others have "v1"
            return {"kind": "APIResourceList", "groupVersion": version, "resources": out}
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": f"{group}/{version}",
                "resources": out}
    return None
