"""Typed round trips: what an object looks like after kubectl decodes it into its Go struct and
encodes it again.

Some commands (``set image|env|resources``, ``run``, ``expose``) work on typed objects; printing
them shows the struct fields that have no ``omitempty`` (or are structs, which ``omitempty`` never
drops): ``metadata.creationTimestamp: null``, ``spec.strategy: {}``, ``resources: {}``,
``status: {}`` and the like.  Unknown fields disappear.  This module adds those zero values for the
kinds those commands handle.
"""
from __future__ import annotations

from typing import Any

from ..api.meta import deep_copy


def _meta(md: Any) -> dict:
    md = dict(md or {})
    md.setdefault("creationTimestamp", None)
    return md


def _container(c: dict) -> dict:
    c = dict(c)
    c.setdefault("name", "")
    c.setdefault("resources", {})
    if c.get("ports"):
        c["ports"] = [{**p, "containerPort": p.get("containerPort", 0)} for p in c["ports"]]
    if c.get("env"):
        c["env"] = [{**e, "name": e.get("name", "")} for e in c["env"]]
    return c


def _pod_spec(spec: Any) -> dict:
    spec = dict(spec or {})
    spec["containers"] = [_container(c) for c in spec.get("containers") or []] if spec.get("containers") \
        is not None else None
    if spec.get("initContainers"):
        spec["initContainers"] = [_container(c) for c in spec["initContainers"]]
    return spec


def _template(t: Any) -> dict:
    t = dict(t or {})
    t["metadata"] = _meta(t.get("metadata"))
    t["spec"] = _pod_spec(t.get("spec"))
    return t


# Go struct field order (k8s.io/api, k8s.io/apimachinery types.go) of the types typed commands
# print: ``-o json`` of a typed object follows it (YAML sorts keys anyway).
_TOP = ("kind", "apiVersion", "metadata", "spec", "status")
_META = ("name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
         "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
         "ownerReferences", "finalizers", "managedFields")
_TEMPLATE = ("metadata", "spec")
_POD_SPEC = ("volumes", "initContainers", "containers", "ephemeralContainers", "restartPolicy",
             "terminationGracePeriodSeconds", "activeDeadlineSeconds", "dnsPolicy", "nodeSelector",
             "serviceAccountName", "serviceAccount", "automountServiceAccountToken", "nodeName", "hostNetwork",
             "hostPID", "hostIPC", "shareProcessNamespace", "securityContext", "imagePullSecrets", "hostname",
             "subdomain", "affinity", "schedulerName", "tolerations", "hostAliases", "priorityClassName", "priority",
             "dnsConfig", "readinessGates", "runtimeClassName", "enableServiceLinks", "preemptionPolicy", "overhead",
             "topologySpreadConstraints", "setHostnameAsFQDN", "os", "hostUsers", "schedulingGates",
             "resourceClaims", "resources")
_CONTAINER = ("name", "image", "command", "args", "workingDir", "ports", "envFrom", "env", "resources",
              "resizePolicy", "restartPolicy", "volumeMounts", "volumeDevices", "livenessProbe", "readinessProbe",
              "startupProbe", "lifecycle", "terminationMessagePath", "terminationMessagePolicy", "imagePullPolicy",
              "securityContext", "stdin", "stdinOnce", "tty")
_CONTAINER_PORT = ("name", "hostPort", "containerPort", "protocol", "hostIP")
_ENV = ("name", "value", "valueFrom")
_RESOURCES = ("limits", "requests", "claims")
_SELECTOR = ("matchLabels", "matchExpressions")
_SERVICE_SPEC = ("ports", "selector", "clusterIP", "clusterIPs", "type", "externalIPs", "sessionAffinity",
                 "loadBalancerIP", "loadBalancerSourceRanges", "externalName", "externalTrafficPolicy",
                 "healthCheckNodePort", "publishNotReadyAddresses", "sessionAffinityConfig", "ipFamilies",
                 "ipFamilyPolicy", "allocateLoadBalancerNodePorts", "loadBalancerClass", "internalTrafficPolicy",
                 "trafficDistribution")
_SERVICE_PORT = ("name", "protocol", "appProtocol", "port", "targetPort", "nodePort")
_CRONJOB_SPEC = ("schedule", "timeZone", "startingDeadlineSeconds", "concurrencyPolicy", "suspend", "jobTemplate",
                 "successfulJobsHistoryLimit", "failedJobsHistoryLimit")
_PDB_STATUS = ("observedGeneration", "disruptedPods", "disruptionsAllowed", "currentHealthy", "desiredHealthy",
               "expectedPods", "conditions")
_SPECS = {
    "Deployment": ("replicas", "selector", "template", "strategy", "minReadySeconds", "revisionHistoryLimit",
                   "paused", "progressDeadlineSeconds"),
    "ReplicaSet": ("replicas", "minReadySeconds", "selector", "template"),
    "DaemonSet": ("selector", "template", "updateStrategy", "minReadySeconds", "revisionHistoryLimit"),
    "StatefulSet": ("replicas", "selector", "template", "volumeClaimTemplates", "serviceName",
                    "podManagementPolicy", "updateStrategy", "revisionHistoryLimit", "minReadySeconds",
                    "persistentVolumeClaimRetentionPolicy", "ordinals"),
    "ReplicationController": ("replicas", "minReadySeconds", "selector", "template"),
    "Job": ("parallelism", "completions", "activeDeadlineSeconds", "podFailurePolicy", "successPolicy",
            "backoffLimit", "backoffLimitPerIndex", "maxFailedIndexes", "selector", "manualSelector", "template",
            "ttlSecondsAfterFinished", "completionMode", "suspend", "podReplacementPolicy", "managedBy"),
}


def _ordered(d: Any, order: tuple) -> Any:
    if not isinstance(d, dict):
        return d
    out = {k: d[k] for k in order if k in d}
    out.update({k: v for k, v in d.items() if k not in out})
    return out


def _order_container(c: Any) -> Any:
    if not isinstance(c, dict):
        return c
    c = _ordered(c, _CONTAINER)
    if isinstance(c.get("ports"), list):
        c["ports"] = [_ordered(p, _CONTAINER_PORT) for p in c["ports"]]
    if isinstance(c.get("env"), list):
        c["env"] = [_ordered(e, _ENV) for e in c["env"]]
    if isinstance(c.get("resources"), dict):
        c["resources"] = _ordered(c["resources"], _RESOURCES)
    return c


def _order_pod_spec(spec: Any) -> Any:
    if not isinstance(spec, dict):
        return spec
    spec = _ordered(spec, _POD_SPEC)
    for key in ("initContainers", "containers"):
        if isinstance(spec.get(key), list):
            spec[key] = [_order_container(c) for c in spec[key]]
    return spec


def _order_template(t: Any) -> Any:
    if not isinstance(t, dict):
        return t
    t = _ordered(t, _TEMPLATE)
    t["metadata"] = _ordered(t.get("metadata"), _META) if "metadata" in t else t.get("metadata")
    if "spec" in t:
        t["spec"] = _order_pod_spec(t["spec"])
    return {k: v for k, v in t.items() if not (k == "metadata" and v is None and "metadata" not in t)}


def struct_order(obj: Any) -> Any:
    """``obj`` with its keys in Go struct order where kube-lab knows it (other keys follow)."""
    if not isinstance(obj, dict):
        return obj
    kind = obj.get("kind")
    obj = _ordered(obj, _TOP)
    if isinstance(obj.get("metadata"), dict):
        obj["metadata"] = _ordered(obj["metadata"], _META)
    spec = obj.get("spec")
    if kind == "Pod":
        obj["spec"] = _order_pod_spec(spec)
    elif kind in _SPECS and isinstance(spec, dict):
        spec = _ordered(spec, _SPECS[kind])
        if isinstance(spec.get("selector"), dict) and kind != "ReplicationController":
            spec["selector"] = _ordered(spec["selector"], _SELECTOR)
        if isinstance(spec.get("template"), dict):
            spec["template"] = _order_template(spec["template"])
        obj["spec"] = spec
    elif kind == "Service" and isinstance(spec, dict):
        spec = _ordered(spec, _SERVICE_SPEC)
        if isinstance(spec.get("ports"), list):
            spec["ports"] = [_ordered(p, _SERVICE_PORT) for p in spec["ports"]]
        obj["spec"] = spec
    elif kind == "PodDisruptionBudget" and isinstance(obj.get("status"), dict):
        obj["status"] = _ordered(obj["status"], _PDB_STATUS)
    elif kind == "CronJob" and isinstance(spec, dict):
        spec = _ordered(spec, _CRONJOB_SPEC)
        obj["spec"] = spec
        jt = spec.get("jobTemplate")
        if isinstance(jt, dict):
            jt = _ordered(jt, _TEMPLATE)
            if isinstance(jt.get("metadata"), dict):
                jt["metadata"] = _ordered(jt["metadata"], _META)
            js = jt.get("spec")
            if isinstance(js, dict):
                js = _ordered(js, _SPECS["Job"])
                if isinstance(js.get("template"), dict):
                    js["template"] = _order_template(js["template"])
                jt["spec"] = js
            spec = {**spec, "jobTemplate": jt}
            obj["spec"] = spec
    return obj


def roundtrip(obj: dict) -> dict:
    """The object as a typed encode would print it (zero values added, Go struct order)."""
    return struct_order(_roundtrip(obj))


def _roundtrip(obj: dict) -> dict:
    obj = deep_copy(obj)
    kind = obj.get("kind")
    obj["metadata"] = _meta(obj.get("metadata"))
    spec = dict(obj.get("spec") or {})
    if kind == "Pod":
        obj["spec"] = _pod_spec(spec)
        obj["status"] = obj.get("status") or {}
    elif kind in ("Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "ReplicationController"):
        if kind == "ReplicationController":
            if spec.get("template") is not None:
                spec["template"] = _template(spec.get("template"))
        else:
            spec["template"] = _template(spec.get("template"))
        if kind == "Deployment":
            spec.setdefault("strategy", {})
        if kind in ("DaemonSet", "StatefulSet"):
            spec.setdefault("updateStrategy", {})
        obj["spec"] = spec
        status = dict(obj.get("status") or {})
        if kind in ("ReplicaSet", "ReplicationController"):
            status.setdefault("replicas", 0)
        elif kind == "StatefulSet":
            status.setdefault("replicas", 0)
            status.setdefault("availableReplicas", 0)
        elif kind == "DaemonSet":
            for f in ("currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady"):
                status.setdefault(f, 0)
        obj["status"] = status
    elif kind == "CronJob":
        jt = dict(spec.get("jobTemplate") or {})
        jt["metadata"] = _meta(jt.get("metadata"))
        jspec = dict(jt.get("spec") or {})
        jspec["template"] = _template(jspec.get("template"))
        jt["spec"] = jspec
        spec["jobTemplate"] = jt
        spec.setdefault("schedule", "")
        obj["spec"] = spec
        obj["status"] = obj.get("status") or {}
    elif kind == "Service":
        obj["spec"] = spec
        status = dict(obj.get("status") or {})
        status.setdefault("loadBalancer", {})
        obj["status"] = status
    elif kind == "PodDisruptionBudget":
        status = dict(obj.get("status") or {})
        for f in ("disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods"):
            status.setdefault(f, 0)
        obj["status"] = status
    return obj
