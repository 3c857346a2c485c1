"""The kinds registry: what the API server serves, as its discovery documents describe it.

Each :class:`ResourceInfo` is one entry of ``kubectl api-resources`` on Kubernetes 1.32: group,
version, kind, plural resource name, short names, scope, categories, verbs and subresources.
APIs that Kubernetes removed (``apps/v1beta1``, ``extensions/v1beta1`` …) are listed separately so
that the course can show the error a 1.32 cluster gives for the seed's old manifests.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import errors

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class ResourceInfo:
    """One served resource (an ``APIResource`` of discovery)."""

    group: str
    version: str
    kind: str
    resource: str
    short_names: tuple[str, ...] = ()
    namespaced: bool = True
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    subresources: tuple[str, ...] = ()
    singular: str = field(default="")
    api_version: str = field(default="", init=False, compare=False)
    group_resource: str = field(default="", init=False, compare=False)
    list_kind: str = field(default="", init=False, compare=False)
    kind_key: str = field(default="", init=False, compare=False)

    def __post_init__(self):
        if not self.singular:
            object.__setattr__(self, "singular", self.kind.lower())
        api_version = f"{self.group}/{self.version}" if self.group else self.version
        object.__setattr__(self, "api_version", api_version)
        #: ``deployments.apps`` or ``pods``, as it appears in error messages
        object.__setattr__(self, "group_resource", errors.qualified(self.resource, self.group))
        object.__setattr__(self, "list_kind", self.kind + "List")
        #: ``apps/v1/Deployment``: the key for per-kind tables (defaults, patches …)
        object.__setattr__(self, "kind_key", f"{api_version}/{self.kind}")


def _r(group, version, kind, resource, short=(), namespaced=True, cats=(), verbs=ALL_VERBS, sub=()):
    return ResourceInfo(group, version, kind, resource, tuple(short), namespaced, tuple(cats),
                        tuple(verbs), tuple(sub))


ALL = ("all",)

# Kubernetes 1.32, as ``kubectl api-resources`` lists them (the kinds this simulator serves).
RESOURCES: tuple[ResourceInfo, ...] = (
    _r("", "v1", "Binding", "bindings", verbs=("create",)),
    _r("", "v1", "ComponentStatus", "componentstatuses", ["cs"], False, verbs=("get", "list")),
    _r("", "v1", "ConfigMap", "configmaps", ["cm"]),
    _r("", "v1", "Endpoints", "endpoints", ["ep"]),
    _r("", "v1", "Event", "events", ["ev"]),
    _r("", "v1", "LimitRange", "limitranges", ["limits"]),
    _r("", "v1", "Namespace", "namespaces", ["ns"], False,
       verbs=("create", "delete", "get", "list", "patch", "update", "watch"), sub=("finalize", "status")),
    _r("", "v1", "Node", "nodes", ["no"], False, sub=("proxy", "status")),
    _r("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", ["pvc"], sub=("status",)),
    _r("", "v1", "PersistentVolume", "persistentvolumes", ["pv"], False, sub=("status",)),
    _r("", "v1", "Pod", "pods", ["po"], cats=ALL,
       sub=("attach", "binding", "ephemeralcontainers", "eviction", "exec", "log", "portforward",
            "proxy", "status")),
    _r("", "v1", "PodTemplate", "podtemplates"),
    _r("", "v1", "ReplicationController", "replicationcontrollers", ["rc"], cats=ALL,
       sub=("scale", "status")),
    _r("", "v1", "ResourceQuota", "resourcequotas", ["quota"], sub=("status",)),
    _r("", "v1", "Secret", "secrets"),
    _r("", "v1", "ServiceAccount", "serviceaccounts", ["sa"], sub=("token",)),
    _r("", "v1", "Service", "services", ["svc"], cats=ALL, sub=("proxy", "status")),
    _r("apps", "v1", "ControllerRevision", "controllerrevisions"),
    _r("apps", "v1", "DaemonSet", "daemonsets", ["ds"], cats=ALL, sub=("status",)),
    _r("apps", "v1", "Deployment", "deployments", ["deploy"], cats=ALL, sub=("scale", "status")),
    _r("apps", "v1", "ReplicaSet", "replicasets", ["rs"], cats=ALL, sub=("scale", "status")),
    _r("apps", "v1", "StatefulSet", "statefulsets", ["sts"], cats=ALL, sub=("scale", "status")),
    _r("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", ["hpa"], cats=ALL,
       sub=("status",)),
    _r("batch", "v1", "CronJob", "cronjobs", ["cj"], cats=ALL, sub=("status",)),
    _r("batch", "v1", "Job", "jobs", cats=ALL, sub=("status",)),
    _r("coordination.k8s.io", "v1", "Lease", "leases"),
    _r("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices"),
    _r("networking.k8s.io", "v1", "IngressClass", "ingressclasses", namespaced=False),
    _r("networking.k8s.io", "v1", "Ingress", "ingresses", ["ing"], sub=("status",)),
    _r("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies", ["netpol"]),
    _r("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets", ["pdb"], sub=("status",)),
    _r("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding", "clusterrolebindings", namespaced=False),
    _r("rbac.authorization.k8s.io", "v1", "ClusterRole", "clusterroles", namespaced=False),
    _r("rbac.authorization.k8s.io", "v1", "RoleBinding", "rolebindings"),
    _r("rbac.authorization.k8s.io", "v1", "Role", "roles"),
    _r("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses", ["pc"], False),
    _r("storage.k8s.io", "v1", "StorageClass", "storageclasses", ["sc"], False),
)

# group/version → kinds that once were served there and are gone in 1.32 (with the release that
# removed them).  Used only to explain, never to serve.
REMOVED_APIS: dict[str, dict[str, str]] = {
    "apps/v1beta1": {"Deployment": "1.16", "StatefulSet": "1.16", "ControllerRevision": "1.16"},
    "apps/v1beta2": {"Deployment": "1.16", "StatefulSet": "1.16", "DaemonSet": "1.16",
                     "ReplicaSet": "1.16", "ControllerRevision": "1.16"},
    "extensions/v1beta1": {"Deployment": "1.16", "DaemonSet": "1.16", "ReplicaSet": "1.16",
                           "NetworkPolicy": "1.16", "PodSecurityPolicy": "1.16", "Ingress": "1.22"},
    "policy/v1beta1": {"PodSecurityPolicy": "1.25", "PodDisruptionBudget": "1.25"},
    "batch/v1beta1": {"CronJob": "1.25"},
    "networking.k8s.io/v1beta1": {"Ingress": "1.22", "IngressClass": "1.22"},
    "autoscaling/v2beta1": {"HorizontalPodAutoscaler": "1.25"},
    "autoscaling/v2beta2": {"HorizontalPodAutoscaler": "1.26"},
    "discovery.k8s.io/v1beta1": {"EndpointSlice": "1.25"},
    "rbac.authorization.k8s.io/v1beta1": {"Role": "1.22", "RoleBinding": "1.22", "ClusterRole": "1.22",
                                          "ClusterRoleBinding": "1.22"},
    "storage.k8s.io/v1beta1": {"StorageClass": "1.22"},
    "extensions/v1beta2": {},
}
# Resource names a 1.32 server no longer knows (``kubectl get thirdpartyresources`` …).
REMOVED_RESOURCES = {"podsecuritypolicies": "1.25", "psp": "1.25", "thirdpartyresources": "1.8",
                     "clusters": "1.14"}


class Registry:
    """Look-ups over :data:`RESOURCES` by resource name, short name or kind."""

    def __init__(self, resources=RESOURCES):
        self.resources = tuple(resources)
        self._by_resource: dict[str, ResourceInfo] = {}
        self._by_kind: dict[tuple[str, str], ResourceInfo] = {}
        self._aliases: dict[str, ResourceInfo] = {}
        for info in self.resources:
            self._by_resource[info.resource] = info
            self._by_resource[info.group_resource] = info
            self._by_kind[(info.api_version, info.kind)] = info
            for alias in (info.resource, info.singular, *info.short_names, info.group_resource,
                          f"{info.singular}.{info.group}" if info.group else info.singular,
                          f"{info.resource}.{info.version}.{info.group}" if info.group else
                          f"{info.resource}.{info.version}",
                          f"{info.singular}.{info.version}.{info.group}" if info.group else
                          f"{info.singular}.{info.version}"):
                self._aliases.setdefault(alias.lower(), info)

    def __iter__(self):
        return iter(self.resources)

    def get(self, resource: str) -> ResourceInfo:
        """The entry for a plural resource name (``pods``) or group resource (``deployments.apps``)."""
        try:
            return self._by_resource[resource]
        except KeyError:
            raise errors.not_found(resource, "") from None

    def has(self, resource: str) -> bool:
        return resource in self._by_resource

    def for_kind(self, api_version: str, kind: str) -> ResourceInfo:
        """The entry for an object's apiVersion and kind; removed or unknown ones raise
        :class:`NoKindMatchError` with kubectl's ``no matches for kind …`` text."""
        info = self._by_kind.get((api_version, kind))
        if info is None:
            raise NoKindMatchError(api_version, kind)
        return info

    def resolve(self, name: str) -> ResourceInfo | None:
        """What kubectl's RESTMapper finds for a type typed on the command line: plural, singular,
        short name, kind, or any of those qualified with a group (``deploy``, ``deployment.apps``)."""
        return self._aliases.get(name.lower())

    def kinds(self) -> list[str]:
        return sorted(info.kind for info in self.resources)


class NoKindMatchError(Exception):
    """``meta.NoKindMatchError``: the server has no resource for this group/version/kind."""

    def __init__(self, api_version: str, kind: str):
        self.api_version = api_version
        self.kind = kind
        group, _, version = api_version.rpartition("/")
        self.removed_in = REMOVED_APIS.get(api_version, {}).get(kind)
        super().__init__(f"no matches for kind {errors.go_quote(kind)} in version {errors.go_quote(api_version)}")


REGISTRY = Registry()
