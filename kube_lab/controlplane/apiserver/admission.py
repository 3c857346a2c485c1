"""The admission chain: plugins that see every write after decoding and before storage.

kube-apiserver 1.32 runs its enabled plugins in a fixed order; the ones modelled here are
(in that order):

* **NamespaceLifecycle** — no new objects in a namespace that does not exist or is terminating;
  ``default``, ``kube-system`` and ``kube-public`` may not be deleted.
* **ServiceAccount** — a pod runs as ``default`` unless it names another account, the account must
  exist, and its API token is mounted as the projected volume ``kube-api-access-<random>``.
* **TaintNodesByCondition** — a new Node starts tainted ``node.kubernetes.io/not-ready:NoSchedule``.
* **Priority** — resolve ``priorityClassName`` into ``spec.priority`` (0 without a class) and
  ``spec.preemptionPolicy``.
* **DefaultTolerationSeconds** — pods tolerate ``not-ready`` and ``unreachable`` NoExecute taints
  for 300 s.
* **DefaultStorageClass** — a claim without ``storageClassName`` gets the default class.
* **StorageObjectInUseProtection** — claims and volumes carry their protection finalizers.

Each plugin is a function ``(ctx) -> None`` that may mutate ``ctx.obj`` or raise a StatusError.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from ...api import errors
from ...api.names import generate_name
from ...api.registry import ResourceInfo

if TYPE_CHECKING:  # pragma: no cover
    from .server import APIServer

IMMORTAL_NAMESPACES = ("default", "kube-system", "kube-public")
SA_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
SYSTEM_PRIORITY_CLASSES = {"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}
NOT_READY_TAINT = "node.kubernetes.io/not-ready"
UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"
DEFAULT_TOLERATION_SECONDS = 300
DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"


@dataclass
class AdmissionContext:
    operation: str          # CREATE, UPDATE, DELETE
    info: ResourceInfo
    namespace: str
    name: str
    obj: dict | None
    old: dict | None
    subresource: str = ""


Plugin = Callable[["APIServer", AdmissionContext], None]


def namespace_lifecycle(server: "APIServer", ctx: AdmissionContext) -> None:
    info = ctx.info
    if ctx.operation == "DELETE" and info.resource == "namespaces" and ctx.name in IMMORTAL_NAMESPACES:
        raise errors.forbidden("namespaces", ctx.name, "this namespace may not be deleted")
    if ctx.operation != "CREATE" or not info.namespaced or ctx.subresource:
        return
    ns = server.storage_get("namespaces", "", ctx.namespace)
    if ns is None:
        raise errors.not_found("namespaces", ctx.namespace)
    if ns["metadata"].get("deletionTimestamp") or (ns.get("status") or {}).get("phase") == "Terminating":
        raise errors.forbidden(info.resource, ctx.name,
                               f"unable to create new content in namespace {ctx.namespace} because it "
                               f"is being terminated", info.group)


def service_account(server: "APIServer", ctx: AdmissionContext) -> None:
    if ctx.operation != "CREATE" or ctx.info.resource != "pods" or ctx.subresource:
        return
    pod = ctx.obj
    spec = pod["spec"]
    md = pod["metadata"]
    if "kubernetes.io/config.mirror" in (md.get("annotations") or {}):
        return
    sa_name = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
    spec["serviceAccountName"] = sa_name
    spec["serviceAccount"] = sa_name
    sa = server.storage_get("serviceaccounts", ctx.namespace, sa_name)
    if sa is None:
        raise errors.forbidden("pods", md.get("name") or "",
                               f"error looking up service account {ctx.namespace}/{sa_name}: "
                               f"serviceaccount {errors.go_quote(sa_name)} not found")
    automount = spec.get("automountServiceAccountToken")
    if automount is None:
        automount = sa.get("automountServiceAccountToken", True)
    if automount is False:
        return
    volumes = spec.setdefault("volumes", [])
    for c in list(spec.get("containers") or ()) + list(spec.get("initContainers") or ()):
        for m in c.get("volumeMounts") or ():
            if m.get("mountPath") == SA_MOUNT_PATH:
                return  # the user mounted something there already
    vol_name = generate_name("kube-api-access-", server.random.stream("admission/serviceaccount"))
    # The projected sources are the same for every pod: one shared, never-mutated value (stored
    # objects are immutable, so sharing identical subtrees between them is safe).
    volumes.append({"name": vol_name, "projected": _KUBE_API_ACCESS})
    mount = {"name": vol_name, "readOnly": True, "mountPath": SA_MOUNT_PATH}
    for key in ("initContainers", "containers"):
        for c in spec.get(key) or ():
            mounts = c.get("volumeMounts")
            if mounts is None:
                c["volumeMounts"] = [dict(mount)]
            else:
                mounts.append(dict(mount))


_KUBE_API_ACCESS = {
    "defaultMode": 420,
    "sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace",
                                    "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
    ],
}


def taint_nodes_by_condition(server: "APIServer", ctx: AdmissionContext) -> None:
    if ctx.operation != "CREATE" or ctx.info.resource != "nodes":
        return
    spec = ctx.obj.setdefault("spec", {})
    taints = spec.get("taints") or []
    if not any(t.get("key") == NOT_READY_TAINT and t.get("effect") == "NoSchedule" for t in taints):
        spec["taints"] = [*taints, {"key": NOT_READY_TAINT, "effect": "NoSchedule"}]


def priority(server: "APIServer", ctx: AdmissionContext) -> None:
    if ctx.operation != "CREATE" or ctx.info.resource != "pods" or ctx.subresource:
        return
    spec = ctx.obj["spec"]
    cls_name = spec.get("priorityClassName")
    preemption = "PreemptLowerPriority"
    if cls_name:
        if cls_name in SYSTEM_PRIORITY_CLASSES and server.storage_get("priorityclasses", "", cls_name) is None:
            value = SYSTEM_PRIORITY_CLASSES[cls_name]
        else:
            pc = server.storage_get("priorityclasses", "", cls_name)
            if pc is None:
                raise errors.forbidden("pods", ctx.obj["metadata"].get("name") or "",
                                       f"no PriorityClass with name {cls_name} was found")
            value = pc.get("value", 0)
            preemption = pc.get("preemptionPolicy") or preemption
    else:
        value = 0
        pc = _global_default_priority_class(server)
        if pc is not None:
            value = pc.get("value", 0)
            spec["priorityClassName"] = pc["metadata"]["name"]
            preemption = pc.get("preemptionPolicy") or preemption
    if "priority" in spec and spec["priority"] != value:
        raise errors.forbidden("pods", ctx.obj["metadata"].get("name") or "",
                               "the integer value of priority "
                               f"({spec['priority']}) must not be provided in pod spec; priority "
                               "admission controller computed "
                               f"{value} from the given PriorityClass name")
    spec["priority"] = value
    spec.setdefault("preemptionPolicy", preemption)


def _global_default_priority_class(server: "APIServer") -> dict | None:
    """The PriorityClass marked ``globalDefault`` (first by name), cached until priority classes
    change."""
    rev = server.etcd.bucket_revision("/registry/priorityclasses/")
    cached = getattr(server, "_default_pc_cache", None)
    if cached is not None and cached[0] == rev:
        return cached[1]
    found = sorted((pc for pc in server.storage_values("priorityclasses") if pc.get("globalDefault")),
                   key=lambda pc: pc["metadata"]["name"])
    result = found[0] if found else None
    server._default_pc_cache = (rev, result)
    return result


def default_toleration_seconds(server: "APIServer", ctx: AdmissionContext) -> None:
    if ctx.operation != "CREATE" or ctx.info.resource != "pods" or ctx.subresource:
        return
    spec = ctx.obj["spec"]
    tolerations = spec.get("tolerations") or []
    have_not_ready = have_unreachable = False
    for t in tolerations:
        if t.get("effect") in ("NoExecute", None, "") or t.get("operator") == "Exists" and not t.get("key"):
            if t.get("key") == NOT_READY_TAINT or (t.get("operator") == "Exists" and not t.get("key")):
                have_not_ready = True
            if t.get("key") == UNREACHABLE_TAINT or (t.get("operator") == "Exists" and not t.get("key")):
                have_unreachable = True
    added = list(tolerations)
    if not have_not_ready:
        added.append({"key": NOT_READY_TAINT, "operator": "Exists", "effect": "NoExecute",
                      "tolerationSeconds": DEFAULT_TOLERATION_SECONDS})
    if not have_unreachable:
        added.append({"key": UNREACHABLE_TAINT, "operator": "Exists", "effect": "NoExecute",
                      "tolerationSeconds": DEFAULT_TOLERATION_SECONDS})
    if added:
        spec["tolerations"] = added


def default_storage_class(server: "APIServer", ctx: AdmissionContext) -> None:
    if ctx.operation != "CREATE" or ctx.info.resource != "persistentvolumeclaims":
        return
    spec = ctx.obj.setdefault("spec", {})
    if spec.get("storageClassName") is not None:
        return
    defaults = [sc for sc in server.storage_list("storageclasses")
                if (sc["metadata"].get("annotations") or {}).get(DEFAULT_CLASS_ANNOTATION) == "true"]
    if defaults:
        # the newest default wins, as upstream picks when several are marked default
        defaults.sort(key=lambda sc: (sc["metadata"].get("creationTimestamp", ""), sc["metadata"]["name"]))
        spec["storageClassName"] = defaults[-1]["metadata"]["name"]


def storage_object_in_use_protection(server: "APIServer", ctx: AdmissionContext) -> None:
    if ctx.operation != "CREATE":
        return
    fin = {"persistentvolumeclaims": "kubernetes.io/pvc-protection",
           "persistentvolumes": "kubernetes.io/pv-protection"}.get(ctx.info.resource)
    if fin:
        md = ctx.obj["metadata"]
        fins = md.get("finalizers") or []
        if fin not in fins:
            md["finalizers"] = [*fins, fin]


# Mutating/validating plugins in the order kube-apiserver runs them.
DEFAULT_PLUGINS: tuple[Plugin, ...] = (
    namespace_lifecycle,
    service_account,
    taint_nodes_by_condition,
    priority,
    default_toleration_seconds,
    default_storage_class,
    storage_object_in_use_protection,
)
