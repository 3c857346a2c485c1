"""Defaulting: the fields the API server fills in when a request leaves them out.

:func:`default` applies, in place, what upstream's defaulting functions do to a freshly decoded
object (the ``SetObjectDefaults_<Kind>`` functions that defaulter-gen builds from the hand-written
``SetDefaults_*`` functions and the ``+default=`` tags), as Kubernetes 1.32 serves them with every
feature gate at its 1.32 default.  Upstream sources, all under kubernetes/kubernetes:

* pkg/apis/core/v1/defaults.go (+ ``+default`` tags in staging/src/k8s.io/api/core/v1/types.go)
* pkg/apis/apps/v1/defaults.go, pkg/apis/batch/v1/defaults.go
* pkg/apis/networking/v1/defaults.go, pkg/apis/discovery/v1/defaults.go
* pkg/apis/autoscaling/v2/defaults.go, pkg/apis/storage/v1/defaults.go
* pkg/apis/rbac/v1/defaults.go, pkg/apis/scheduling/v1/defaults.go
  (policy/v1, coordination/v1 and the RBAC roles have no defaulters)

Two things the API server does outside the defaulters are offered as helpers, for the REST layer to
call at the same point upstream does: :func:`default_service_ip_families` (Service IP family
fields, pkg/registry/core/service/storage/alloc.go) and :func:`prepare_namespace_for_create`
(pkg/registry/core/namespace/strategy.go).  Admission plugins (ServiceAccount, Priority,
DefaultTolerationSeconds, DefaultStorageClass, LimitRanger …) are not defaulting and live
elsewhere.

Go's rules carried over: a pointer field is "unset" when absent or null (``{}`` is set); a string,
number or bool field is "unset" when absent, null or its zero value (``""``, ``0``), so an explicit
``periodSeconds: 0`` becomes 10 exactly as upstream.  Maps and lists are never created empty
(``omitempty`` would hide them).  Nothing here copies objects or uses regular expressions on the
hot path: pods are defaulted many thousands of times per simulated second.
"""
from __future__ import annotations

import re
from typing import Callable

from . import errors

# Constants named as upstream names them (k8s.io/api/core/v1 …).
DEFAULT_SCHEDULER_NAME = "default-scheduler"
DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30
TERMINATION_MESSAGE_PATH_DEFAULT = "/dev/termination-log"
VOLUME_DEFAULT_MODE = 0o644  # 420: Secret, ConfigMap, DownwardAPI and Projected volumes
DEFAULT_CLIENT_IP_SERVICE_AFFINITY_SECONDS = 10800
SERVICE_ACCOUNT_TOKEN_EXPIRATION_SECONDS = 3600
DEFAULT_CPU_UTILIZATION = 80  # pkg/apis/autoscaling: DefaultCPUUtilization
MAX_INT32 = 2**31 - 1
METADATA_NAME_LABEL = "kubernetes.io/metadata.name"
FINALIZER_KUBERNETES = "kubernetes"


def default(kind_key: str, obj: dict) -> None:
    """Apply the 1.32 defaulters of ``kind_key`` (``apps/v1/Deployment``, ``v1/Pod`` …) to ``obj``
    in place.  Kinds without defaulters (and unknown kinds) are left untouched."""
    fn = DEFAULTERS.get(kind_key)
    if fn is not None and type(obj) is dict:
        fn(obj)


# --------------------------------------------------------------------------------------------
# small helpers

def _child(d: dict, key: str) -> dict | None:
    """``d[key]`` as a struct, created when absent or null (a non-pointer Go struct field).
    Returns None when the value has the wrong type (decoding would have rejected it)."""
    v = d.get(key)
    if v is None:
        v = d[key] = {}
    elif type(v) is not dict:
        return None
    return v


def _ptr(d: dict, key: str) -> dict | None:
    """``d[key]`` when it is a struct (a set pointer field), else None."""
    v = d.get(key)
    return v if type(v) is dict else None


def _dicts(d: dict, key: str):
    """The struct items of the list ``d[key]`` (absent, null or non-list: none)."""
    v = d.get(key)
    if type(v) is list:
        return [x for x in v if type(x) is dict]
    return ()


# --------------------------------------------------------------------------------------------
# image pull policy (SetDefaults_Container + pkg/util/parsers.ParseImageName)

_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = f"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_NAME = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*"
_HOST = rf"(?:{_DOMAIN_NAME}|\[[a-fA-F0-9:]+\])"
_NAME = rf"(?:{_HOST}(?::[0-9]+)?/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_REFERENCE_PATTERN = rf"({_NAME})(?::({_TAG}))?(?:@({_DIGEST}))?"
_reference = None  # compiled on first use: keeps ``import`` cheap
_DIGEST_HEX_LEN = {"sha256": 64, "sha384": 96, "sha512": 128}
_NAME_TOTAL_LENGTH_MAX = 255

_pull_policy_cache: dict[str, str] = {}


def image_tag(image: str) -> str | None:
    """The tag ``parsers.ParseImageName`` finds: ``latest`` when neither tag nor digest is given,
    ``""`` for a digest-only reference, None when the reference does not parse (docker's
    ``reference.ParseNormalizedNamed`` grammar, distribution/reference v0.6)."""
    global _reference
    if _reference is None:
        _reference = re.compile(_REFERENCE_PATTERN, re.ASCII)
    if len(image) == 64 and all(ch in "0123456789abcdef" for ch in image):
        return None  # a 64-hex image ID is refused as a repository name
    slash = image.find("/")
    first = image[:slash]
    if slash == -1 or ("." not in first and ":" not in first and first != "localhost"
                       and first.lower() == first):
        domain, remainder = "docker.io", image
    else:
        domain, remainder = first, image[slash + 1:]
    if domain == "docker.io" and "/" not in remainder:
        remainder = "library/" + remainder
    remote = remainder.split(":", 1)[0]
    if remote.lower() != remote:
        return None
    m = _reference.fullmatch(f"{domain}/{remainder}")
    if m is None or len(m.group(1)) > _NAME_TOTAL_LENGTH_MAX:
        return None
    tag, digest = m.group(2), m.group(3)
    if digest:
        algorithm, _, hexpart = digest.partition(":")
        if (_DIGEST_HEX_LEN.get(algorithm) != len(hexpart) or hexpart.lower() != hexpart):
            return None
    if not tag and not digest:
        return "latest"
    return tag or ""


def image_pull_policy(image) -> str:
    """``Always`` when the image's tag is ``latest`` (given or implied), else ``IfNotPresent`` —
    also for a digest-only or unparsable reference, as upstream ignores the parse error."""
    if type(image) is not str:
        image = ""
    policy = _pull_policy_cache.get(image)
    if policy is None:
        policy = "Always" if image_tag(image) == "latest" else "IfNotPresent"
        if len(_pull_policy_cache) >= 4096:
            _pull_policy_cache.clear()
        _pull_policy_cache[image] = policy
    return policy


# --------------------------------------------------------------------------------------------
# core/v1: containers, probes, volumes, pod specs

def _default_http_get(action: dict) -> None:
    """SetDefaults_HTTPGetAction."""
    if not action.get("path"):
        action["path"] = "/"
    if not action.get("scheme"):
        action["scheme"] = "HTTP"


def _default_probe(probe: dict) -> None:
    """SetDefaults_Probe, then the HTTPGetAction of its handler."""
    if not probe.get("timeoutSeconds"):
        probe["timeoutSeconds"] = 1
    if not probe.get("periodSeconds"):
        probe["periodSeconds"] = 10
    if not probe.get("successThreshold"):
        probe["successThreshold"] = 1
    if not probe.get("failureThreshold"):
        probe["failureThreshold"] = 3
    http = probe.get("httpGet")
    if type(http) is dict:
        _default_http_get(http)


def _default_field_ref(holder: dict) -> None:
    """SetDefaults_ObjectFieldSelector on ``holder["fieldRef"]``."""
    ref = holder.get("fieldRef")
    if type(ref) is dict and not ref.get("apiVersion"):
        ref["apiVersion"] = "v1"


def _default_container(c: dict) -> None:
    """SetDefaults_Container plus what the generated defaulter does to a container's parts:
    ports' protocol (``+default="TCP"``), env fieldRef apiVersion, probes, lifecycle httpGet."""
    if not c.get("imagePullPolicy"):
        c["imagePullPolicy"] = image_pull_policy(c.get("image"))
    if not c.get("terminationMessagePath"):
        c["terminationMessagePath"] = TERMINATION_MESSAGE_PATH_DEFAULT
    if not c.get("terminationMessagePolicy"):
        c["terminationMessagePolicy"] = "File"
    ports = c.get("ports")
    if ports:
        for p in ports:
            if type(p) is dict and not p.get("protocol"):
                p["protocol"] = "TCP"
    env = c.get("env")
    if env:
        for e in env:
            if type(e) is dict:
                vf = e.get("valueFrom")
                if type(vf) is dict:
                    _default_field_ref(vf)
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = c.get(key)
        if type(probe) is dict:
            _default_probe(probe)
    lifecycle = c.get("lifecycle")
    if type(lifecycle) is dict:
        for key in ("postStart", "preStop"):
            handler = lifecycle.get(key)
            if type(handler) is dict:
                http = handler.get("httpGet")
                if type(http) is dict:
                    _default_http_get(http)


def _default_downward_items(source: dict) -> None:
    for item in _dicts(source, "items"):
        _default_field_ref(item)


def _default_iscsi(src: dict) -> None:
    """ISCSIVolumeSource / ISCSIPersistentVolumeSource: ``+default="default"``."""
    if not src.get("iscsiInterface"):
        src["iscsiInterface"] = "default"


def _default_rbd(src: dict) -> None:
    """RBDVolumeSource / RBDPersistentVolumeSource defaults."""
    if not src.get("pool"):
        src["pool"] = "rbd"
    if not src.get("user"):
        src["user"] = "admin"
    if not src.get("keyring"):
        src["keyring"] = "/etc/ceph/keyring"


def _default_azure_disk(src: dict) -> None:
    """AzureDiskVolumeSource defaults (pointer fields: only when absent/null)."""
    if src.get("cachingMode") is None:
        src["cachingMode"] = "ReadWrite"
    if src.get("kind") is None:
        src["kind"] = "Shared"
    if src.get("fsType") is None:
        src["fsType"] = "ext4"
    if src.get("readOnly") is None:
        src["readOnly"] = False


def _default_scale_io(src: dict) -> None:
    """ScaleIOVolumeSource / ScaleIOPersistentVolumeSource defaults."""
    if not src.get("storageMode"):
        src["storageMode"] = "ThinProvisioned"
    if not src.get("fsType"):
        src["fsType"] = "xfs"


def _default_host_path(src: dict) -> None:
    """SetDefaults_HostPathVolumeSource: type defaults to HostPathUnset, the empty string."""
    if src.get("type") is None:
        src["type"] = ""


def _default_mode(src: dict) -> None:
    """SetDefaults_{Secret,ConfigMap,DownwardAPI,Projected}VolumeSource: defaultMode 0644."""
    if src.get("defaultMode") is None:
        src["defaultMode"] = VOLUME_DEFAULT_MODE


def _default_pvc_spec(spec: dict) -> None:
    """SetDefaults_PersistentVolumeClaimSpec."""
    if spec.get("volumeMode") is None:
        spec["volumeMode"] = "Filesystem"


def _default_projected(src: dict) -> None:
    """SetDefaults_ProjectedVolumeSource, plus its sources' fieldRefs and token lifetimes."""
    _default_mode(src)
    for source in _dicts(src, "sources"):
        downward = source.get("downwardAPI")
        if type(downward) is dict:
            _default_downward_items(downward)
        token = source.get("serviceAccountToken")
        if type(token) is dict and token.get("expirationSeconds") is None:
            token["expirationSeconds"] = SERVICE_ACCOUNT_TOKEN_EXPIRATION_SECONDS


def _default_downward_api(src: dict) -> None:
    """SetDefaults_DownwardAPIVolumeSource, plus its items' fieldRefs."""
    _default_mode(src)
    _default_downward_items(src)


def _default_ephemeral(src: dict) -> None:
    """An ephemeral volume's claim template gets PersistentVolumeClaimSpec defaults."""
    template = src.get("volumeClaimTemplate")
    if type(template) is dict:
        spec = _child(template, "spec")
        if spec is not None:
            _default_pvc_spec(spec)


# Volume source field -> its defaulter (the sources without defaults are absent).
_VOLUME_SOURCES: dict[str, Callable[[dict], None]] = {
    "hostPath": _default_host_path,
    "secret": _default_mode,
    "configMap": _default_mode,
    "downwardAPI": _default_downward_api,
    "projected": _default_projected,
    "iscsi": _default_iscsi,
    "rbd": _default_rbd,
    "azureDisk": _default_azure_disk,
    "scaleIO": _default_scale_io,
    "ephemeral": _default_ephemeral,
}
# The same for a PersistentVolume's spec (PersistentVolumeSource is inlined there).
_PV_SOURCES: dict[str, Callable[[dict], None]] = {
    "hostPath": _default_host_path,
    "iscsi": _default_iscsi,
    "rbd": _default_rbd,
    "azureDisk": _default_azure_disk,
    "scaleIO": _default_scale_io,
}


def _default_volume(vol: dict) -> None:
    """SetDefaults_Volume (no source at all means emptyDir) and the defaults of each source.
    (The ImageVolume source's pull policy is alpha in 1.32, so it is not defaulted.)"""
    sources = _VOLUME_SOURCES
    empty = True
    for key, src in vol.items():
        if src is None or key == "name":
            continue
        empty = False
        fn = sources.get(key)
        if fn is not None and type(src) is dict:
            fn(src)
    if empty:
        vol["emptyDir"] = {}


def _default_pod_spec(spec: dict) -> None:
    """SetDefaults_PodSpec plus the generated defaults of volumes and (init, ephemeral) containers:
    everything a PodSpec gets wherever it appears (a Pod or any pod template)."""
    if not spec.get("dnsPolicy"):
        spec["dnsPolicy"] = "ClusterFirst"
    if not spec.get("restartPolicy"):
        spec["restartPolicy"] = "Always"
    if spec.get("securityContext") is None:
        spec["securityContext"] = {}
    if spec.get("terminationGracePeriodSeconds") is None:
        spec["terminationGracePeriodSeconds"] = DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS
    if not spec.get("schedulerName"):
        spec["schedulerName"] = DEFAULT_SCHEDULER_NAME
    volumes = spec.get("volumes")
    if volumes:
        for vol in volumes:
            if type(vol) is dict:
                _default_volume(vol)
    for key in ("initContainers", "containers", "ephemeralContainers"):
        containers = spec.get(key)
        if containers:
            for c in containers:
                if type(c) is dict:
                    _default_container(c)


def _default_pod_template(tmpl: dict) -> None:
    """A PodTemplateSpec: only its spec is defaulted (not the Pod-only defaults)."""
    spec = _child(tmpl, "spec")
    if spec is not None:
        _default_pod_spec(spec)


def _requests_from_limits(containers) -> None:
    for c in containers:
        if type(c) is not dict:
            continue
        res = c.get("resources")
        if type(res) is not dict:
            continue
        limits = res.get("limits")
        if not limits or type(limits) is not dict:
            continue
        requests = res.get("requests")
        if requests is None:
            res["requests"] = dict(limits)
        elif type(requests) is dict:
            for name, value in limits.items():
                if name not in requests:
                    requests[name] = value


def _host_network_ports(containers) -> None:
    for c in containers:
        if type(c) is dict:
            for p in _dicts(c, "ports"):
                if not p.get("hostPort"):
                    p["hostPort"] = p.get("containerPort", 0)


def _default_pod(obj: dict) -> None:
    """SetObjectDefaults_Pod: SetDefaults_Pod (requests from limits for containers and init
    containers, enableServiceLinks, host-network host ports) then the PodSpec defaults.
    (Pod-level resources defaulting is behind the alpha PodLevelResources gate in 1.32.)"""
    spec = _child(obj, "spec")
    if spec is None:
        return
    containers = spec.get("containers")
    init = spec.get("initContainers")
    if type(containers) is list:
        _requests_from_limits(containers)
    if type(init) is list:
        _requests_from_limits(init)
    if spec.get("enableServiceLinks") is None:
        spec["enableServiceLinks"] = True
    if spec.get("hostNetwork"):
        if type(containers) is list:
            _host_network_ports(containers)
        if type(init) is list:
            _host_network_ports(init)
    _default_pod_spec(spec)


def _default_pod_template_kind(obj: dict) -> None:
    """SetObjectDefaults_PodTemplate (``v1/PodTemplate``)."""
    _default_template_field(obj, "template", create=True)


def _default_template_field(holder: dict, key: str, create: bool) -> None:
    """Default the pod template at ``holder[key]``; ``create`` for a non-pointer Go field, whose
    zero value is defaulted too (a Job without a template still gets restartPolicy Always)."""
    tmpl = _child(holder, key) if create else _ptr(holder, key)
    if tmpl is not None:
        _default_pod_template(tmpl)


def _default_replication_controller(obj: dict) -> None:
    """SetDefaults_ReplicationController: selector and labels from the template's labels when
    empty; replicas 1 (``+default=1``); then the (pointer) template."""
    spec = _child(obj, "spec")
    if spec is None:
        return
    tmpl = _ptr(spec, "template")
    labels = None
    if tmpl is not None:
        meta = tmpl.get("metadata")
        if type(meta) is dict:
            labels = meta.get("labels")
    if labels and type(labels) is dict:
        if not spec.get("selector"):
            spec["selector"] = dict(labels)
        meta = _child(obj, "metadata")
        if meta is not None and not meta.get("labels"):
            meta["labels"] = dict(labels)
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    if tmpl is not None:
        _default_pod_template(tmpl)


def _default_service(obj: dict) -> None:
    """SetDefaults_Service (session affinity, type, ports' protocol and targetPort, traffic
    policies, allocateLoadBalancerNodePorts, load-balancer ingress ipMode)."""
    spec = _child(obj, "spec")
    if spec is None:
        return
    if not spec.get("sessionAffinity"):
        spec["sessionAffinity"] = "None"
    affinity = spec["sessionAffinity"]
    if affinity == "None":
        spec.pop("sessionAffinityConfig", None)
    elif affinity == "ClientIP":
        config = spec.get("sessionAffinityConfig")
        client_ip = config.get("clientIP") if type(config) is dict else None
        if type(client_ip) is not dict or client_ip.get("timeoutSeconds") is None:
            spec["sessionAffinityConfig"] = {
                "clientIP": {"timeoutSeconds": DEFAULT_CLIENT_IP_SERVICE_AFFINITY_SECONDS}}
    if not spec.get("type"):
        spec["type"] = "ClusterIP"
    svc_type = spec["type"]
    for port in _dicts(spec, "ports"):
        if not port.get("protocol"):
            port["protocol"] = "TCP"
        target = port.get("targetPort")
        if target is None or target == 0 or target == "":
            port["targetPort"] = port.get("port", 0)
    # service.ExternallyAccessible: LoadBalancer, NodePort, or ClusterIP with external IPs.
    externally = (svc_type == "LoadBalancer" or svc_type == "NodePort"
                  or (svc_type == "ClusterIP" and bool(spec.get("externalIPs"))))
    if externally and not spec.get("externalTrafficPolicy"):
        spec["externalTrafficPolicy"] = "Cluster"
    if spec.get("internalTrafficPolicy") is None and svc_type in ("ClusterIP", "NodePort",
                                                                   "LoadBalancer"):
        spec["internalTrafficPolicy"] = "Cluster"
    if svc_type == "LoadBalancer":
        if spec.get("allocateLoadBalancerNodePorts") is None:
            spec["allocateLoadBalancerNodePorts"] = True
        status = _ptr(obj, "status")
        lb = _ptr(status, "loadBalancer") if status is not None else None
        if lb is not None:
            for ing in _dicts(lb, "ingress"):
                if ing.get("ip") and ing.get("ipMode") is None:
                    ing["ipMode"] = "VIP"


def default_service_ip_families(obj: dict, old: dict | None = None) -> list[errors.FieldError]:
    """Fill ``spec.clusterIPs``, ``spec.ipFamilyPolicy`` and ``spec.ipFamilies`` as the Service
    REST storage does on create, for a single-stack IPv4 cluster (NormalizeClusterIPs in
    pkg/registry/core/service/strategy.go, then initIPFamilyFields in
    pkg/registry/core/service/storage/alloc.go).

    * ExternalName services are left alone.
    * A lone ``clusterIP`` is copied to ``clusterIPs`` (create only).
    * No policy: the old object's on update; ``RequireDualStack`` for a headless service without
      selector; else ``SingleStack``.
    * Families: inferred from the cluster IPs; a headless selectorless service gets IPv4 plus
      IPv6 unless it is SingleStack; otherwise ``["IPv4"]``.

    Returns the field errors upstream reports here (IPv6 or dual-stack asked of this IPv4-only
    cluster); the caller turns them into an Invalid status.
    """
    spec = _child(obj, "spec")
    if spec is None or spec.get("type") == "ExternalName":
        return []
    errs: list[errors.FieldError] = []
    cluster_ip = spec.get("clusterIP")
    if old is None and cluster_ip and not spec.get("clusterIPs"):
        spec["clusterIPs"] = [cluster_ip]
    if spec.get("ipFamilyPolicy") is None:
        old_spec = old.get("spec") if type(old) is dict else None
        old_policy = old_spec.get("ipFamilyPolicy") if type(old_spec) is dict else None
        if old_policy is not None:
            spec["ipFamilyPolicy"] = old_policy
        elif cluster_ip == "None" and not spec.get("selector"):
            spec["ipFamilyPolicy"] = "RequireDualStack"
        else:
            spec["ipFamilyPolicy"] = "SingleStack"
    policy = spec["ipFamilyPolicy"]
    families = spec.get("ipFamilies")
    if type(families) is not list:
        families = []
    cluster_ips = spec.get("clusterIPs")
    if type(cluster_ips) is not list:
        cluster_ips = []
    if policy == "SingleStack":
        if len(cluster_ips) == 2:
            errs.append(errors.invalid_value(
                "spec.ipFamilyPolicy", policy,
                "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are "
                "specified"))
        if len(families) == 2:
            errs.append(errors.invalid_value(
                "spec.ipFamilyPolicy", policy,
                "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are "
                "specified"))
    inferred = list(families)
    for i, ip in enumerate(cluster_ips):
        if ip == "None":
            break
        if i >= len(inferred):
            family = "IPv6" if ":" in str(ip) else "IPv4"
            if family != "IPv4":
                errs.append(errors.invalid_value(f"spec.clusterIPs[{i}]", cluster_ips,
                                                 f"{family} is not configured on this cluster"))
            else:
                inferred.append(family)
    if errs:
        return errs
    if cluster_ip == "None" and not spec.get("selector"):
        if not inferred:
            inferred = ["IPv4"]
        if len(inferred) < 2 and policy != "SingleStack":
            inferred.append("IPv6" if inferred[0] == "IPv4" else "IPv4")
        spec["ipFamilies"] = inferred
        return []
    if policy == "RequireDualStack":
        errs.append(errors.invalid_value("spec.ipFamilyPolicy", policy,
                                         "this cluster is not configured for dual-stack services"))
    for i, family in enumerate(inferred):
        if family != "IPv4":
            errs.append(errors.invalid_value(f"spec.ipFamilies[{i}]", family,
                                             "not configured on this cluster"))
    if errs:
        return errs
    spec["ipFamilies"] = inferred or ["IPv4"]
    return []


def _default_secret(obj: dict) -> None:
    """SetDefaults_Secret."""
    if not obj.get("type"):
        obj["type"] = "Opaque"


def _default_persistent_volume(obj: dict) -> None:
    """SetObjectDefaults_PersistentVolume: phase Pending, reclaim policy Retain, volume mode
    Filesystem, and the defaults of in-tree volume sources."""
    status = _child(obj, "status")
    if status is not None and not status.get("phase"):
        status["phase"] = "Pending"
    spec = _child(obj, "spec")
    if spec is None:
        return
    if not spec.get("persistentVolumeReclaimPolicy"):
        spec["persistentVolumeReclaimPolicy"] = "Retain"
    if spec.get("volumeMode") is None:
        spec["volumeMode"] = "Filesystem"
    for key, fn in _PV_SOURCES.items():
        src = spec.get(key)
        if type(src) is dict:
            fn(src)


def _default_pvc(obj: dict) -> None:
    """SetDefaults_PersistentVolumeClaim + SetDefaults_PersistentVolumeClaimSpec."""
    status = _child(obj, "status")
    if status is not None and not status.get("phase"):
        status["phase"] = "Pending"
    spec = _child(obj, "spec")
    if spec is not None:
        _default_pvc_spec(spec)


def _default_endpoints(obj: dict) -> None:
    """SetDefaults_Endpoints: subsets' ports default to TCP."""
    for subset in _dicts(obj, "subsets"):
        for port in _dicts(subset, "ports"):
            if not port.get("protocol"):
                port["protocol"] = "TCP"


def _default_namespace(obj: dict) -> None:
    """SetDefaults_Namespace (label kubernetes.io/metadata.name = name, overwriting) and
    SetDefaults_NamespaceStatus (phase Active)."""
    meta = _child(obj, "metadata")
    if meta is not None:
        name = meta.get("name")
        if name:
            labels = meta.get("labels")
            if type(labels) is not dict:
                labels = meta["labels"] = {}
            labels[METADATA_NAME_LABEL] = name
    status = _child(obj, "status")
    if status is not None and not status.get("phase"):
        status["phase"] = "Active"


def prepare_namespace_for_create(obj: dict) -> None:
    """The Namespace REST strategy's PrepareForCreate (not a defaulter): status becomes
    ``{phase: Active}`` and ``spec.finalizers`` gains ``kubernetes`` if missing."""
    obj["status"] = {"phase": "Active"}
    spec = _child(obj, "spec")
    if spec is None:
        return
    finalizers = spec.get("finalizers")
    if type(finalizers) is not list or not finalizers:
        spec["finalizers"] = [FINALIZER_KUBERNETES]
    elif FINALIZER_KUBERNETES not in finalizers:
        finalizers.append(FINALIZER_KUBERNETES)


def _default_node(obj: dict) -> None:
    """SetDefaults_NodeStatus: allocatable defaults to capacity."""
    status = _ptr(obj, "status")
    if status is None:
        return
    capacity = status.get("capacity")
    if status.get("allocatable") is None and type(capacity) is dict and capacity:
        status["allocatable"] = dict(capacity)


def _default_limit_range(obj: dict) -> None:
    """SetDefaults_LimitRangeItem for Container items: default limit from max, default request
    from the default limit, then from min."""
    spec = _ptr(obj, "spec")
    if spec is None:
        return
    for item in _dicts(spec, "limits"):
        if item.get("type") != "Container":
            continue
        limits = item.get("default")
        if type(limits) is not dict:
            limits = {}
        requests = item.get("defaultRequest")
        if type(requests) is not dict:
            requests = {}
        for source, target in (("max", limits), (None, requests), ("min", requests)):
            values = limits if source is None else item.get(source)
            if type(values) is dict:
                for name, value in values.items():
                    if name not in target:
                        target[name] = value
        if limits:
            item["default"] = limits
        if requests:
            item["defaultRequest"] = requests


# --------------------------------------------------------------------------------------------
# apps/v1

def _default_deployment(obj: dict) -> None:
    """SetDefaults_Deployment: replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10,
    progressDeadlineSeconds 600; then the pod template."""
    spec = _child(obj, "spec")
    if spec is None:
        return
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    strategy = _child(spec, "strategy")
    if strategy is not None:
        if not strategy.get("type"):
            strategy["type"] = "RollingUpdate"
        if strategy["type"] == "RollingUpdate":
            rolling = _child(strategy, "rollingUpdate")
            if rolling is not None:
                if rolling.get("maxUnavailable") is None:
                    rolling["maxUnavailable"] = "25%"
                if rolling.get("maxSurge") is None:
                    rolling["maxSurge"] = "25%"
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    if spec.get("progressDeadlineSeconds") is None:
        spec["progressDeadlineSeconds"] = 600
    _default_template_field(spec, "template", create=True)


def _default_daemon_set(obj: dict) -> None:
    """SetDefaults_DaemonSet: RollingUpdate with maxUnavailable 1 and maxSurge 0,
    revisionHistoryLimit 10; then the pod template."""
    spec = _child(obj, "spec")
    if spec is None:
        return
    strategy = _child(spec, "updateStrategy")
    if strategy is not None:
        if not strategy.get("type"):
            strategy["type"] = "RollingUpdate"
        if strategy["type"] == "RollingUpdate":
            rolling = _child(strategy, "rollingUpdate")
            if rolling is not None:
                if rolling.get("maxUnavailable") is None:
                    rolling["maxUnavailable"] = 1
                if rolling.get("maxSurge") is None:
                    rolling["maxSurge"] = 0
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    _default_template_field(spec, "template", create=True)


def _default_stateful_set(obj: dict) -> None:
    """SetDefaults_StatefulSet: OrderedReady, RollingUpdate (partition 0 — the rollingUpdate block
    is only created when the strategy type was empty), PVC retention Retain/Retain
    (StatefulSetAutoDeletePVC is on), replicas 1, revisionHistoryLimit 10; then the pod template
    and each volumeClaimTemplate (PVC defaults, status phase Pending included)."""
    spec = _child(obj, "spec")
    if spec is None:
        return
    if not spec.get("podManagementPolicy"):
        spec["podManagementPolicy"] = "OrderedReady"
    strategy = _child(spec, "updateStrategy")
    if strategy is not None:
        if not strategy.get("type"):
            strategy["type"] = "RollingUpdate"
            if strategy.get("rollingUpdate") is None:
                strategy["rollingUpdate"] = {}
        rolling = strategy.get("rollingUpdate")
        if (strategy["type"] == "RollingUpdate" and type(rolling) is dict
                and rolling.get("partition") is None):
            rolling["partition"] = 0
    retention = _child(spec, "persistentVolumeClaimRetentionPolicy")
    if retention is not None:
        if not retention.get("whenDeleted"):
            retention["whenDeleted"] = "Retain"
        if not retention.get("whenScaled"):
            retention["whenScaled"] = "Retain"
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    _default_template_field(spec, "template", create=True)
    for claim in _dicts(spec, "volumeClaimTemplates"):
        _default_pvc(claim)


def _default_replica_set(obj: dict) -> None:
    """SetDefaults_ReplicaSet: replicas 1; then the pod template."""
    spec = _child(obj, "spec")
    if spec is None:
        return
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    _default_template_field(spec, "template", create=True)


# --------------------------------------------------------------------------------------------
# batch/v1

def _default_job(obj: dict) -> None:
    """SetDefaults_Job: completions and parallelism 1 when both unset, parallelism 1,
    backoffLimit 6 (MaxInt32 with backoffLimitPerIndex), labels from the template, completionMode
    NonIndexed, suspend false, podFailurePolicy conditions' status True, podReplacementPolicy
    (TerminatingOrFailed, or Failed with a podFailurePolicy), manualSelector false; then the pod
    template."""
    spec = _child(obj, "spec")
    if spec is None:
        return
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
        spec["parallelism"] = 1
    if spec.get("parallelism") is None:
        spec["parallelism"] = 1
    if spec.get("backoffLimit") is None:
        spec["backoffLimit"] = MAX_INT32 if spec.get("backoffLimitPerIndex") is not None else 6
    tmpl = _child(spec, "template")
    if tmpl is not None:
        tmeta = tmpl.get("metadata")
        labels = tmeta.get("labels") if type(tmeta) is dict else None
        if labels and type(labels) is dict:
            meta = _child(obj, "metadata")
            if meta is not None and not meta.get("labels"):
                meta["labels"] = dict(labels)
    if spec.get("completionMode") is None:
        spec["completionMode"] = "NonIndexed"
    if spec.get("suspend") is None:
        spec["suspend"] = False
    failure_policy = spec.get("podFailurePolicy")
    if type(failure_policy) is dict:
        for rule in _dicts(failure_policy, "rules"):
            for pattern in _dicts(rule, "onPodConditions"):
                if not pattern.get("status"):
                    pattern["status"] = "True"
    if spec.get("podReplacementPolicy") is None:
        spec["podReplacementPolicy"] = ("Failed" if failure_policy is not None
                                        else "TerminatingOrFailed")
    if spec.get("manualSelector") is None:
        spec["manualSelector"] = False
    if tmpl is not None:
        _default_pod_template(tmpl)


def _default_cron_job(obj: dict) -> None:
    """SetDefaults_CronJob: concurrencyPolicy Allow, suspend false, history limits 3 and 1; the
    job template's pod template gets pod-spec defaults (SetDefaults_Job itself does not run)."""
    spec = _child(obj, "spec")
    if spec is None:
        return
    if not spec.get("concurrencyPolicy"):
        spec["concurrencyPolicy"] = "Allow"
    if spec.get("suspend") is None:
        spec["suspend"] = False
    if spec.get("successfulJobsHistoryLimit") is None:
        spec["successfulJobsHistoryLimit"] = 3
    if spec.get("failedJobsHistoryLimit") is None:
        spec["failedJobsHistoryLimit"] = 1
    job_template = _child(spec, "jobTemplate")
    if job_template is not None:
        job_spec = _child(job_template, "spec")
        if job_spec is not None:
            _default_template_field(job_spec, "template", create=True)


# --------------------------------------------------------------------------------------------
# other groups

def _default_hpa_rules(rules, up: bool) -> dict:
    """GenerateHPAScaleUpRules / GenerateHPAScaleDownRules: the default rules with every non-null
    field of ``rules`` copied over (scale-down keeps no stabilization window by default)."""
    out: dict = {}
    if up:
        out["stabilizationWindowSeconds"] = 0
    out["selectPolicy"] = "Max"
    if up:
        out["policies"] = [{"type": "Pods", "value": 4, "periodSeconds": 15},
                           {"type": "Percent", "value": 100, "periodSeconds": 15}]
    else:
        out["policies"] = [{"type": "Percent", "value": 100, "periodSeconds": 15}]
    if type(rules) is dict:
        for key in ("selectPolicy", "stabilizationWindowSeconds", "policies"):
            if rules.get(key) is not None:
                out[key] = rules[key]
        for key, value in rules.items():  # keep fields this defaulter does not know
            if key not in out and value is not None:
                out[key] = value
    return out


def _default_hpa(obj: dict) -> None:
    """SetDefaults_HorizontalPodAutoscaler (autoscaling/v2): minReplicas 1, a CPU 80% metric when
    there are none, and a full behavior when a behavior is given."""
    spec = _child(obj, "spec")
    if spec is None:
        return
    if spec.get("minReplicas") is None:
        spec["minReplicas"] = 1
    if not spec.get("metrics"):
        spec["metrics"] = [{"type": "Resource", "resource": {
            "name": "cpu", "target": {"type": "Utilization",
                                      "averageUtilization": DEFAULT_CPU_UTILIZATION}}}]
    behavior = _ptr(spec, "behavior")
    if behavior is not None:
        behavior["scaleUp"] = _default_hpa_rules(behavior.get("scaleUp"), True)
        behavior["scaleDown"] = _default_hpa_rules(behavior.get("scaleDown"), False)


def _default_network_policy(obj: dict) -> None:
    """SetDefaults_NetworkPolicy (policyTypes: Ingress, plus Egress when there are egress rules)
    and SetDefaults_NetworkPolicyPort (protocol TCP)."""
    spec = _child(obj, "spec")
    if spec is None:
        return
    for direction in ("ingress", "egress"):
        for rule in _dicts(spec, direction):
            for port in _dicts(rule, "ports"):
                if port.get("protocol") is None:
                    port["protocol"] = "TCP"
    if not spec.get("policyTypes"):
        types = ["Ingress"]
        if spec.get("egress"):
            types.append("Egress")
        spec["policyTypes"] = types


def _default_ingress_class(obj: dict) -> None:
    """SetDefaults_IngressClass: parameters' scope defaults to Cluster."""
    spec = _ptr(obj, "spec")
    params = _ptr(spec, "parameters") if spec is not None else None
    if params is not None and params.get("scope") is None:
        params["scope"] = "Cluster"


def _default_endpoint_slice(obj: dict) -> None:
    """SetDefaults_EndpointPort (discovery/v1): name "" and protocol TCP."""
    for port in _dicts(obj, "ports"):
        if port.get("name") is None:
            port["name"] = ""
        if port.get("protocol") is None:
            port["protocol"] = "TCP"


def _default_storage_class(obj: dict) -> None:
    """SetDefaults_StorageClass: reclaimPolicy Delete, volumeBindingMode Immediate."""
    if obj.get("reclaimPolicy") is None:
        obj["reclaimPolicy"] = "Delete"
    if obj.get("volumeBindingMode") is None:
        obj["volumeBindingMode"] = "Immediate"


def _default_priority_class(obj: dict) -> None:
    """SetDefaults_PriorityClass: preemptionPolicy PreemptLowerPriority."""
    if obj.get("preemptionPolicy") is None:
        obj["preemptionPolicy"] = "PreemptLowerPriority"


RBAC_GROUP = "rbac.authorization.k8s.io"


def _default_role_binding(obj: dict) -> None:
    """SetDefaults_RoleBinding / SetDefaults_ClusterRoleBinding (roleRef.apiGroup) and
    SetDefaults_Subject (User and Group subjects get the RBAC group, ServiceAccount "")."""
    role_ref = _child(obj, "roleRef")
    if role_ref is not None and not role_ref.get("apiGroup"):
        role_ref["apiGroup"] = RBAC_GROUP
    for subject in _dicts(obj, "subjects"):
        if not subject.get("apiGroup"):
            kind = subject.get("kind")
            if kind == "ServiceAccount":
                subject["apiGroup"] = ""
            elif kind == "User" or kind == "Group":
                subject["apiGroup"] = RBAC_GROUP


def _no_defaults(obj: dict) -> None:
    """Kinds whose API group registers no defaulting function for them."""


DEFAULTERS: dict[str, Callable[[dict], None]] = {
    "v1/Binding": _no_defaults,
    "v1/ComponentStatus": _no_defaults,
    "v1/ConfigMap": _no_defaults,  # SetDefaults_ConfigMap only makes an empty data map
    "v1/Endpoints": _default_endpoints,
    "v1/Event": _no_defaults,
    "v1/LimitRange": _default_limit_range,
    "v1/Namespace": _default_namespace,
    "v1/Node": _default_node,
    "v1/PersistentVolumeClaim": _default_pvc,
    "v1/PersistentVolume": _default_persistent_volume,
    "v1/Pod": _default_pod,
    "v1/PodTemplate": _default_pod_template_kind,
    "v1/ReplicationController": _default_replication_controller,
    "v1/ResourceQuota": _no_defaults,  # only quantity rounding (SetDefaults_ResourceList)
    "v1/Secret": _default_secret,
    "v1/ServiceAccount": _no_defaults,
    "v1/Service": _default_service,
    "apps/v1/ControllerRevision": _no_defaults,
    "apps/v1/DaemonSet": _default_daemon_set,
    "apps/v1/Deployment": _default_deployment,
    "apps/v1/ReplicaSet": _default_replica_set,
    "apps/v1/StatefulSet": _default_stateful_set,
    "autoscaling/v2/HorizontalPodAutoscaler": _default_hpa,
    "batch/v1/CronJob": _default_cron_job,
    "batch/v1/Job": _default_job,
    "coordination.k8s.io/v1/Lease": _no_defaults,
    "discovery.k8s.io/v1/EndpointSlice": _default_endpoint_slice,
    "networking.k8s.io/v1/IngressClass": _default_ingress_class,
    "networking.k8s.io/v1/Ingress": _no_defaults,  # pathType has no default in v1
    "networking.k8s.io/v1/NetworkPolicy": _default_network_policy,
    "policy/v1/PodDisruptionBudget": _no_defaults,
    "rbac.authorization.k8s.io/v1/ClusterRoleBinding": _default_role_binding,
    "rbac.authorization.k8s.io/v1/ClusterRole": _no_defaults,
    "rbac.authorization.k8s.io/v1/RoleBinding": _default_role_binding,
    "rbac.authorization.k8s.io/v1/Role": _no_defaults,
    "scheduling.k8s.io/v1/PriorityClass": _default_priority_class,
    "storage.k8s.io/v1/StorageClass": _default_storage_class,
}
"""kind key -> defaulter; every kind of :data:`kube_lab.api.registry.RESOURCES` is listed."""
