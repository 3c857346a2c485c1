"""Object validation, as the kube-apiserver's registry strategies run it (Kubernetes 1.32).

Public API:

* :func:`validate` ``(kind_key, obj, old=None)`` — create validation when ``old`` is None, update
  validation otherwise;
* :func:`validate_status` ``(kind_key, obj, old)`` — the ``/status`` subresource;

both returning a list of :class:`~kube_lab.api.errors.FieldError` in upstream's order (the order
shows in the aggregated message built by :func:`kube_lab.api.errors.invalid`). Pods found valid
are remembered, so that the next equal one (the pods of one ReplicaSet differ only in names) is
accepted at once; :func:`set_cache_enabled` turns that off (and :func:`clear_caches` empties it),
which never changes a result (see "Memo of valid pod specs" below).

Sources modelled (kubernetes/kubernetes, paths as in the repository):

* ``staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go`` (ObjectMeta create/update),
* ``staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go`` (labels, selectors),
* ``staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go`` (message texts),
* ``pkg/apis/core/validation/validation.go`` (Pod, PodSpec, Service, ConfigMap, Secret, PV/PVC, Node,
  Namespace, Endpoints, LimitRange, ResourceQuota, ReplicationController, PodTemplate, ...),
* ``pkg/apis/apps/validation/validation.go`` (Deployment, ReplicaSet, StatefulSet, DaemonSet,
  ControllerRevision) and the apps registry strategies (selector immutability),
* ``pkg/apis/batch/validation/validation.go`` (Job, CronJob) with robfig/cron v3 ``ParseStandard``,
* ``pkg/apis/networking/validation``, ``pkg/apis/storage/validation``, ``pkg/apis/policy``,
  ``pkg/apis/autoscaling``, ``pkg/apis/rbac``, ``pkg/apis/scheduling``, ``pkg/apis/coordination``,
  ``pkg/apis/discovery`` validation,
* ``staging/src/k8s.io/apiserver/pkg/registry/rest/{create,update}.go``: on update every resource
  first gets the generic ObjectMeta checks (``validateCommonFields``) before its own strategy; on
  create a resource whose strategy does not check metadata (PodDisruptionBudget) gets the generic
  check afterwards, only when its own validation passed.

Objects reach validation already defaulted (``kube_lab.api.defaults``) and already prepared by the
API server (generated name, uid, Service ``clusterIPs`` mirrored from ``clusterIP``, Job selector
and template labels generated: see :func:`validate`).  Go iterates maps in random order; here map
keys are visited sorted so results are reproducible.

Known, documented deviations:

* the diff appended to "pod updates may not change fields ..." (and to the PV/PVC "immutable after
  creation" messages) is a compact ``-``/``+`` listing of the changed JSON paths, not go-cmp's
  output (go-cmp randomises its own whitespace on purpose, so it cannot be reproduced anyway);
* Go ``%#v`` renderings of large structs (``core.PodTemplateSpec`` in "field is immutable") are
  approximations; selectors, IntOrString, ServicePort, RoleRef and label maps are exact;
* where upstream hands a ``resource.Quantity`` to field.Invalid (limit ranges, non-integer
  extended resources, metric targets) Go prints the struct with ``%#v``; here the canonical
  quantity text is shown instead;
* volume sources other than the common ones (emptyDir, hostPath, secret, configMap,
  persistentVolumeClaim, nfs, downwardAPI, projected, csi, ephemeral, iscsi/rbd/... required keys)
  are only counted ("may not specify more than 1 volume type"), not validated in depth;
  Windows options, sysctls and hugepage divisibility are not checked.
"""
from __future__ import annotations

import datetime as _dt
import ipaddress
import json
import marshal
import re
from typing import Any, Callable

from kube_lab.api import errors, names
from kube_lab.api.errors import FieldError, go_quote, go_value
from kube_lab.api.registry import RESOURCES

# --------------------------------------------------------------------------------------------
# Field error constructors (k8s.io/apimachinery/pkg/util/validation/field)

NONNEG_MSG = "must be greater than or equal to 0"          # IsNegativeErrorMsg
IMMUTABLE_MSG = "field is immutable"                        # FieldImmutableErrorMsg
NOT_POSITIVE_MSG = "must be greater than zero"              # isNotPositiveErrorMsg
PORT_RANGE_MSG = "must be between 1 and 65535, inclusive"   # InclusiveRangeError(1, 65535)
MAX_INT32 = 2147483647
MAX_SECRET_SIZE = 1 * 1024 * 1024                          # core.MaxSecretSize
TOTAL_ANNOTATION_SIZE = 256 * 1024                          # TotalAnnotationSizeLimitB


def _req(path: str, detail: str = "") -> FieldError:
    return FieldError("Required", path, detail=detail)


def _inv(path: str, value: Any, detail: str = "") -> FieldError:
    return FieldError("Invalid", path, value, detail)


def _fb(path: str, detail: str) -> FieldError:
    return FieldError("Forbidden", path, detail=detail)


def _dup(path: str, value: Any) -> FieldError:
    return FieldError("Duplicate", path, value)


def _nf(path: str, value: Any, detail: str = "") -> FieldError:
    return FieldError("NotFound", path, value, detail)


_ns = errors.not_supported


def _too_long(path: str, max_len: int) -> FieldError:
    unit = "byte" if max_len == 1 else "bytes"
    return FieldError("TooLong", path, "", f"may not be more than {max_len} {unit}")


def _too_many(path: str, actual: int, max_items: int) -> FieldError:
    unit = "item" if max_items == 1 else "items"
    return FieldError("TooMany", path, actual, f"must have at most {max_items} {unit}")


def _nonneg(value: Any, path: str, errs: list) -> None:
    """``ValidateNonnegativeField``."""
    if isinstance(value, (int, float)) and value < 0:
        errs.append(_inv(path, value, NONNEG_MSG))


def _inclusive_range(lo: int, hi: int) -> str:
    return f"must be between {lo} and {hi}, inclusive"


def _blen(s: str) -> int:
    return len(s) if s.isascii() else len(s.encode("utf-8", "surrogatepass"))


# --------------------------------------------------------------------------------------------
# Go value rendering (what ``%#v`` prints for the structs upstream hands to field.Invalid)


class GoRepr:
    """A value whose Go rendering is already known; ``go_value`` prints it verbatim."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"GoRepr({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GoRepr) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


def _q(s: Any) -> str:
    return go_quote("" if s is None else str(s))


def go_string_map(m: dict | None) -> str:
    """``%#v`` of a ``map[string]string`` (nil prints as ``map[string]string(nil)``)."""
    if m is None:
        return "map[string]string(nil)"
    return "map[string]string{" + ", ".join(f"{_q(k)}:{_q(m[k])}" for k in sorted(m)) + "}"


def go_string_slice(v: list | None) -> str:
    if v is None:
        return "[]string(nil)"
    return "[]string{" + ", ".join(_q(x) for x in v) + "}"


def _labels_value(m: dict | None) -> GoRepr:
    return GoRepr(go_string_map(m))


def go_label_selector(sel: dict | None) -> str:
    """``%#v`` of a ``metav1.LabelSelector`` value (``v1.LabelSelector{MatchLabels:..., ...}``)."""
    if sel is None:
        return "null"
    exprs = sel.get("matchExpressions")
    if exprs is None:
        ex = "[]v1.LabelSelectorRequirement(nil)"
    else:
        items = []
        for e in exprs:
            items.append("v1.LabelSelectorRequirement{Key:%s, Operator:%s, Values:%s}" % (
                _q(e.get("key", "")), _q(e.get("operator", "")), go_string_slice(e.get("values"))))
        ex = "[]v1.LabelSelectorRequirement{" + ", ".join(items) + "}"
    return "v1.LabelSelector{MatchLabels:%s, MatchExpressions:%s}" % (go_string_map(sel.get("matchLabels")), ex)


def _selector_value(sel: dict | None) -> Any:
    return None if sel is None else GoRepr(go_label_selector(sel))


def go_int_or_string(v: Any) -> str:
    """``%#v`` of an ``intstr.IntOrString`` value."""
    if isinstance(v, str):
        return "intstr.IntOrString{Type:1, IntVal:0, StrVal:%s}" % _q(v)
    n = v if isinstance(v, int) and not isinstance(v, bool) else 0
    return "intstr.IntOrString{Type:0, IntVal:%d, StrVal:\"\"}" % n


def _ios_value(v: Any) -> GoRepr:
    return GoRepr(go_int_or_string(v))


_FAKE_PTR = "0xc000010000"  # Go prints real heap addresses; a fixed one keeps output reproducible


def _go_field(v: Any, ptr_type: str = "") -> str:
    """Loose ``%#v`` of a JSON value used inside a struct rendering."""
    if v is None:
        return f"({ptr_type})(nil)" if ptr_type else "nil"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, str):
        return _q(v)
    if isinstance(v, dict):
        if ptr_type:
            return f"({ptr_type})({_FAKE_PTR})"
        if all(isinstance(x, str) for x in v.values()):
            return go_string_map(v)
        return "{" + ", ".join(f"{_capital(k)}:{_go_field(v[k])}" for k in v) + "}"
    if isinstance(v, list):
        if all(isinstance(x, str) for x in v):
            return go_string_slice(v)
        return "{" + ", ".join(_go_field(x) for x in v) + "}"
    return str(v)


def _capital(k: str) -> str:
    return k[:1].upper() + k[1:]


def go_struct(type_name: str, obj: dict | None) -> str:
    """An approximate ``%#v`` of an internal API struct given as a JSON dict."""
    if obj is None:
        return "null"
    return type_name + "{" + ", ".join(f"{_capital(k)}:{_go_field(v)}" for k, v in obj.items()) + "}"


def go_time(ts: Any) -> Any:
    """``metav1.Time`` prints with ``time.Time.String()`` (``2025-01-01 00:00:00 +0000 UTC``)."""
    if ts is None:
        return None
    if not isinstance(ts, str):
        return ts
    try:
        t = _dt.datetime.strptime(ts.rstrip("Z").split(".")[0], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return ts
    return GoRepr(t.strftime("%Y-%m-%d %H:%M:%S +0000 UTC"))


# --------------------------------------------------------------------------------------------
# Small upstream helpers


def _regex_error(msg: str, fmt: str, *examples: str) -> str:
    return names.regex_error(msg, fmt, *examples)


PERCENT_FMT = "[0-9]+%"
_PERCENT_RE = re.compile(PERCENT_FMT)
_PERCENT_ERR = _regex_error("a valid percent string must be a numeric string followed by an ending '%'",
                            PERCENT_FMT, "1%", "93%")

CONFIG_KEY_FMT = "[-._a-zA-Z0-9]+"
_CONFIG_KEY_RE = re.compile(CONFIG_KEY_FMT)
_CONFIG_KEY_ERR = _regex_error("a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
                               CONFIG_KEY_FMT, "key.name", "KEY_NAME", "key-name")

HTTP_HEADER_FMT = "[-A-Za-z0-9]+"
_HTTP_HEADER_RE = re.compile(HTTP_HEADER_FMT)
_HTTP_HEADER_ERR = _regex_error("a valid HTTP header must consist of alphanumeric characters or '-'",
                                HTTP_HEADER_FMT, "X-Header-Name")

_PORT_NAME_CHARSET = re.compile("[-a-z0-9]+")
_PORT_NAME_LETTER = re.compile("[a-z]")

RELAXED_ENV_ERR = "a valid environment variable name must consist only of printable ASCII characters other than '='"


def _has_chdir_prefix(value: str) -> list[str]:
    if value == ".":
        return ["must not be '.'"]
    if value == "..":
        return ["must not be '..'"]
    if value.startswith(".."):
        return ["must not start with '..'"]
    return []


def is_config_map_key(value: str) -> list[str]:
    """``IsConfigMapKey``."""
    errs = []
    if _blen(value) > 253:
        errs.append(names.max_len_error(253))
    if _CONFIG_KEY_RE.fullmatch(value) is None:
        errs.append(_CONFIG_KEY_ERR)
    errs.extend(_has_chdir_prefix(value))
    return errs


def is_relaxed_env_var_name(value: str) -> list[str]:
    """``IsRelaxedEnvVarName`` (1.32: RelaxedEnvironmentVariableValidation is beta, on by default)."""
    errs = []
    if not value:
        errs.append("environment variable name " + names.empty_error())
    for ch in value:
        if ord(ch) > 127 or not (0x20 <= ord(ch) < 0x7f) or ch == "=":
            errs.append(RELAXED_ENV_ERR)
            break
    return errs


def is_valid_port_num(port: Any) -> list[str]:
    if isinstance(port, int) and not isinstance(port, bool) and 1 <= port <= 65535:
        return []
    return [PORT_RANGE_MSG]


def is_valid_port_name(port: str) -> list[str]:
    """``IsValidPortName`` (IANA_SVC_NAME)."""
    errs = []
    if _blen(port) > 15:
        errs.append(names.max_len_error(15))
    if _PORT_NAME_CHARSET.fullmatch(port) is None:
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if _PORT_NAME_LETTER.search(port) is None:
        errs.append("must contain at least one letter (a-z)")
    if "--" in port:
        errs.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def is_valid_percent(v: str) -> list[str]:
    return [] if _PERCENT_RE.fullmatch(v) else [_PERCENT_ERR]


def is_valid_path_segment_name(name: str) -> list[str]:
    """``path.IsValidPathSegmentName`` (generic names, RBAC names, HPA references)."""
    if name in (".", ".."):
        return [f"may not be '{name}'"]
    errs = []
    for bad in ("/", "%"):
        if bad in name:
            errs.append(f"may not contain '{bad}'")
    return errs


def validate_path_segment_name(name: str, prefix: bool = False) -> list[str]:
    if prefix:
        return [m for m in is_valid_path_segment_name(name) if m.startswith("may not contain")]
    return is_valid_path_segment_name(name)


def _dns_label_errs(value: str, path: str, errs: list) -> None:
    """``ValidateDNS1123Label``."""
    for msg in names.is_dns1123_label(value):
        errs.append(_inv(path, value, msg))


def _dns_subdomain_errs(value: str, path: str, errs: list) -> None:
    for msg in names.is_dns1123_subdomain(value):
        errs.append(_inv(path, value, msg))


def _qualified_name_errs(value: str, path: str, errs: list) -> None:
    """``ValidateQualifiedName`` / ``ValidateLabelName``."""
    for msg in names.is_qualified_name(value):
        errs.append(_inv(path, value, msg))


def _name_fn_errs(fn: Callable, value: str, path: str, errs: list) -> None:
    for msg in fn(value, False):
        errs.append(_inv(path, value, msg))


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


# --------------------------------------------------------------------------------------------
# IP addresses (netutils.ParseIPSloppy / ParseCIDRSloppy: IPv4 octets may carry leading zeros)

INVALID_IP_MSG = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
INVALID_CIDR_MSG = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"


def parse_ip_sloppy(s: Any):
    if not isinstance(s, str) or not s or "%" in s:
        return None
    if ":" in s:
        try:
            ip = ipaddress.IPv6Address(s)
        except ValueError:
            return None
        return ip.ipv4_mapped or ip
    parts = s.split(".")
    if len(parts) != 4:
        return None
    octets = []
    for p in parts:
        if not p or not p.isdigit() or not p.isascii() or len(p) > 3:
            return None
        n = int(p)
        if n > 255:
            return None
        octets.append(n)
    return ipaddress.IPv4Address(bytes(octets))


def parse_cidr_sloppy(s: Any):
    if not isinstance(s, str) or "/" not in s:
        return None
    addr, _, bits = s.partition("/")
    ip = parse_ip_sloppy(addr)
    if ip is None or not bits.isdigit() or not bits.isascii():
        return None
    n = int(bits)
    if n > ip.max_prefixlen or (len(bits) > 1 and bits[0] == "0"):
        return None
    return ipaddress.ip_network(f"{ip}/{n}", strict=False)


def _valid_ip_errs(path: str, value: Any, errs: list) -> bool:
    """``validation.IsValidIP``; True when the address parsed."""
    if parse_ip_sloppy(value) is None:
        errs.append(_inv(path, value, INVALID_IP_MSG))
        return False
    return True


def _valid_cidr_errs(path: str, value: Any, errs: list) -> bool:
    if parse_cidr_sloppy(value) is None:
        errs.append(_inv(path, value, INVALID_CIDR_MSG))
        return False
    return True


def _non_special_ip_errs(address: str, path: str, errs: list) -> None:
    """``ValidateNonSpecialIP``."""
    ip = parse_ip_sloppy(address)
    if ip is None:
        errs.append(_inv(path, address, "must be a valid IP address"))
        return
    if ip.is_unspecified:
        errs.append(_inv(path, address, f"may not be unspecified ({address})"))
    if ip.is_loopback:
        errs.append(_inv(path, address, "may not be in the loopback range (127.0.0.0/8, ::1/128)"))
    if ip.is_link_local:
        errs.append(_inv(path, address, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"))
    if ip.version == 4 and ip in _V4_LL_MCAST or ip.version == 6 and (
            ip.packed[0] == 0xFF and ip.packed[1] & 0x0F == 0x02):
        errs.append(_inv(path, address, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"))


_V4_LL_MCAST = ipaddress.ip_network("224.0.0.0/24")


# --------------------------------------------------------------------------------------------
# Quantities (kube_lab.api.quantity)

_quantity_mod = None


_Q_CACHE: dict = {}
_Q_CACHE_MAX = 4096


def _parse_q(v: Any):
    """A parsed Quantity, or None when the value cannot be parsed (the decoder rejects those).

    Results are memoised by text: manifests repeat the same few quantities ("100m", "128Mi") and
    parsing dominated pod validation otherwise. Quantities are never mutated here.
    """
    key = v if isinstance(v, str) else str(v)
    try:
        return _Q_CACHE[key]
    except KeyError:
        pass
    global _quantity_mod
    if _quantity_mod is None:
        from kube_lab.api import quantity as _qm
        _quantity_mod = _qm
    try:
        q = _quantity_mod.parse_quantity(key)
    except Exception:  # noqa: BLE001 - any parse failure means "not a quantity"
        q = None
    if len(_Q_CACHE) >= _Q_CACHE_MAX:
        _Q_CACHE.clear()
    _Q_CACHE[key] = q
    return q


_ZERO_Q = None


def _zero_q():
    global _ZERO_Q
    if _ZERO_Q is None:
        _ZERO_Q = _parse_q("0")
    return _ZERO_Q


def _qstr(q: Any) -> str:
    """``Quantity.String()``: the canonical form."""
    return str(q)


# --------------------------------------------------------------------------------------------
# ObjectMeta (apimachinery api/validation/objectmeta.go + core ValidateObjectMeta)

_STANDARD_FINALIZERS = frozenset({"kubernetes", "orphan", "foregroundDeletion"})


def validate_annotations(annotations: dict | None, path: str) -> list[FieldError]:
    """``ValidateAnnotations``: keys are qualified names (case-insensitive), total size <= 256 KiB."""
    errs: list[FieldError] = []
    if not annotations:
        return errs
    total = 0
    for k in sorted(annotations):
        for msg in names.is_qualified_name(k.lower()):
            errs.append(_inv(path, k, msg))
    for k, v in annotations.items():
        total += _blen(k) + _blen(v if isinstance(v, str) else str(v))
    if total > TOTAL_ANNOTATION_SIZE:
        errs.append(_too_long(path, TOTAL_ANNOTATION_SIZE))
    return errs


def _go_owner_refs(refs: list) -> GoRepr:
    items = []
    for r in refs:
        items.append("v1.OwnerReference{APIVersion:%s, Kind:%s, Name:%s, UID:%s, Controller:%s, BlockOwnerDeletion:%s}" % (
            _q(r.get("apiVersion", "")), _q(r.get("kind", "")), _q(r.get("name", "")), _q(r.get("uid", "")),
            "(*bool)(nil)" if r.get("controller") is None else f"(*bool)({_FAKE_PTR})",
            "(*bool)(nil)" if r.get("blockOwnerDeletion") is None else f"(*bool)({_FAKE_PTR})"))
    return GoRepr("[]v1.OwnerReference{" + ", ".join(items) + "}")


def validate_owner_references(refs: list, path: str) -> list[FieldError]:
    """``ValidateOwnerReferences``."""
    errs: list[FieldError] = []
    first_controller = ""
    for ref in refs:
        api_version = ref.get("apiVersion") or ""
        kind = ref.get("kind") or ""
        parts = api_version.split("/")
        if len(parts) == 1:
            version = parts[0]
        elif len(parts) == 2:
            version = parts[1]
        else:
            version = ""
        group = parts[0] if len(parts) == 2 else ""
        if not version:
            errs.append(_inv(path + ".apiVersion", api_version, "version must not be empty"))
        if not kind:
            errs.append(_inv(path + ".kind", kind, "must not be empty"))
        if not ref.get("name"):
            errs.append(_inv(path + ".name", ref.get("name") or "", "must not be empty"))
        if not ref.get("uid"):
            errs.append(_inv(path + ".uid", ref.get("uid") or "", "must not be empty"))
        if group == "" and version == "v1" and kind == "Event" and len(parts) == 1:
            errs.append(_inv(path, GoRepr(_go_owner_refs([ref]).text[len("[]v1.OwnerReference{"):-1]),
                             "/v1, Kind=Event is disallowed from being an owner"))
        if ref.get("controller") is True:
            cur = kind + "/" + (ref.get("name") or "")
            if first_controller:
                errs.append(_inv(path, _go_owner_refs(refs),
                                 "Only one reference can have Controller set to true. Found \"true\" in "
                                 f"references for {first_controller} and {cur}"))
            else:
                first_controller = cur
    return errs


def validate_finalizers(finalizers: list, path: str) -> list[FieldError]:
    """``ValidateFinalizers``."""
    errs: list[FieldError] = []
    orphan = foreground = False
    for f in finalizers:
        _qualified_name_errs(f, path, errs)
        if f == "orphan":
            orphan = True
        elif f == "foregroundDeletion":
            foreground = True
    if orphan and foreground:
        errs.append(_inv(path, list(finalizers), "finalizer orphan and foregroundDeletion cannot be both set"))
    return errs


def _kube_finalizer_errs(finalizers: list | None, path: str, errs: list, indexed: bool = True) -> None:
    """``validateKubeFinalizerName``: unqualified finalizers must be standard ones."""
    for i, f in enumerate(finalizers or ()):
        if "/" not in f and f not in _STANDARD_FINALIZERS:
            errs.append(_inv(f"{path}[{i}]" if indexed else path, f,
                             "name is neither a standard finalizer name nor is it fully qualified"))


def _managed_fields_errs(mf: list | None, path: str, errs: list) -> None:
    for i, e in enumerate(mf or ()):
        p = f"{path}[{i}]"
        op = e.get("operation", "")
        if op not in ("Apply", "Update"):
            errs.append(_inv(p + ".operation", op, "must be `Apply` or `Update`"))
        ft = e.get("fieldsType", "")
        if ft and ft != "FieldsV1":
            errs.append(_inv(p + ".fieldsType", ft, "must be `FieldsV1`"))
        mgr = e.get("manager", "")
        if _blen(mgr) > 128:
            errs.append(FieldError("TooLong", p + ".manager", mgr, "may not be more than 128 bytes"))


def validate_object_meta(meta: dict | None, namespaced: bool, name_fn: Callable = names.name_is_dns_subdomain,
                         path: str = "metadata") -> list[FieldError]:
    """``ValidateObjectMeta`` (core): name/generateName/namespace, generation, labels, annotations,
    ownerReferences, finalizers, managedFields, then the Kubernetes finalizer-name rule."""
    meta = meta or {}
    errs = names.validate_object_meta_name(meta, namespaced, name_fn, path)
    generation = meta.get("generation")
    if generation is not None:
        _nonneg(generation, path + ".generation", errs)
    labels = meta.get("labels")
    if labels and not names.known_valid_labels(labels):
        errs.extend(names.validate_labels(labels, path + ".labels"))
    ann = meta.get("annotations")
    if ann:
        errs.extend(validate_annotations(ann, path + ".annotations"))
    refs = meta.get("ownerReferences")
    if refs:
        errs.extend(validate_owner_references(refs, path + ".ownerReferences"))
    fins = meta.get("finalizers")
    if fins:
        errs.extend(validate_finalizers(fins, path + ".finalizers"))
    if meta.get("managedFields"):
        _managed_fields_errs(meta.get("managedFields"), path + ".managedFields", errs)
    if fins:
        _kube_finalizer_errs(fins, path + ".finalizers", errs)
    return errs


def validate_object_meta_update(new: dict | None, old: dict | None, path: str = "metadata",
                                kube_finalizers: bool = True) -> list[FieldError]:
    """``ValidateObjectMetaUpdate``: resourceVersion required, generation not decremented, identity
    fields immutable, plus the create-time label/annotation/ownerReference rules."""
    new = new or {}
    old = old or {}
    errs: list[FieldError] = []
    if old.get("deletionTimestamp"):
        extra = sorted(set(new.get("finalizers") or ()) - set(old.get("finalizers") or ()))
        if extra:
            errs.append(_fb(path + ".finalizers",
                            "no new finalizers can be added if the object is being deleted, found new "
                            "finalizers " + go_string_slice(extra)))
    rv = new.get("resourceVersion") or ""
    if not rv:
        errs.append(_inv(path + ".resourceVersion", rv, "must be specified for an update"))
    if (new.get("generation") or 0) < (old.get("generation") or 0):
        errs.append(_inv(path + ".generation", new.get("generation") or 0, "must not be decremented"))
    for f in ("name", "namespace", "uid"):
        nv, ov = new.get(f) or "", old.get(f) or ""
        if nv != ov:
            errs.append(_inv(f"{path}.{f}", nv, IMMUTABLE_MSG))
    for f in ("creationTimestamp", "deletionTimestamp"):
        nv, ov = new.get(f), old.get(f)
        if nv != ov:
            errs.append(_inv(f"{path}.{f}", go_time(nv) if f == "deletionTimestamp" or nv else
                             GoRepr("0001-01-01 00:00:00 +0000 UTC"), IMMUTABLE_MSG))
    if new.get("deletionGracePeriodSeconds") != old.get("deletionGracePeriodSeconds"):
        errs.append(_inv(path + ".deletionGracePeriodSeconds", new.get("deletionGracePeriodSeconds"), IMMUTABLE_MSG))
    labels = new.get("labels")
    if labels:
        errs.extend(names.validate_labels(labels, path + ".labels"))
    ann = new.get("annotations")
    if ann:
        errs.extend(validate_annotations(ann, path + ".annotations"))
    refs = new.get("ownerReferences")
    if refs:
        errs.extend(validate_owner_references(refs, path + ".ownerReferences"))
    if new.get("managedFields"):
        _managed_fields_errs(new.get("managedFields"), path + ".managedFields", errs)
    if kube_finalizers:
        _kube_finalizer_errs(new.get("finalizers"), path + ".finalizers", errs)
    return errs


def _generic_meta(meta: dict | None, namespaced: bool) -> list[FieldError]:
    """The generic registry check (``rest.BeforeCreate``/``validateCommonFields``): path-segment names."""
    meta = meta or {}
    errs = names.validate_object_meta_name(meta, namespaced, validate_path_segment_name, "metadata")
    _nonneg(meta.get("generation"), "metadata.generation", errs)
    if meta.get("labels"):
        errs.extend(names.validate_labels(meta["labels"], "metadata.labels"))
    if meta.get("annotations"):
        errs.extend(validate_annotations(meta["annotations"], "metadata.annotations"))
    if meta.get("ownerReferences"):
        errs.extend(validate_owner_references(meta["ownerReferences"], "metadata.ownerReferences"))
    if meta.get("finalizers"):
        errs.extend(validate_finalizers(meta["finalizers"], "metadata.finalizers"))
    if meta.get("managedFields"):
        _managed_fields_errs(meta["managedFields"], "metadata.managedFields", errs)
    return errs


def validate_template_object_meta(meta: dict | None, path: str) -> list[FieldError]:
    """``ValidateTemplateObjectMeta`` (PVC templates): only labels and annotations may be set."""
    meta = meta or {}
    errs = validate_annotations(meta.get("annotations"), path + ".annotations")
    if meta.get("labels"):
        errs.extend(names.validate_labels(meta["labels"], path + ".labels"))
    for k in meta:
        if k not in ("labels", "annotations") and meta[k] not in (None, "", {}, [], 0):
            errs.append(_fb(f"{path}.{k}", "cannot be set"))
    return errs


# --------------------------------------------------------------------------------------------
# Resource names and quantities (pkg/apis/core/helper)

_STANDARD_RESOURCES = frozenset({
    "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.ephemeral-storage",
    "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods", "resourcequotas", "services",
    "replicationcontrollers", "secrets", "configmaps", "persistentvolumeclaims", "storage", "requests.storage",
    "services.nodeports", "services.loadbalancers"})
_STANDARD_CONTAINER_RESOURCES = frozenset({"cpu", "memory", "ephemeral-storage"})
_STANDARD_QUOTA_RESOURCES = frozenset({
    "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.storage",
    "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods",
    "resourcequotas", "services", "replicationcontrollers", "secrets", "persistentvolumeclaims", "configmaps",
    "services.nodeports", "services.loadbalancers"})
_INTEGER_RESOURCES = frozenset({"pods", "resourcequotas", "services", "replicationcontrollers", "secrets",
                                "configmaps", "persistentvolumeclaims", "services.nodeports",
                                "services.loadbalancers"})
_STANDARD_LIMIT_TYPES = frozenset({"Pod", "Container", "PersistentVolumeClaim"})


def _is_hugepages(name: str) -> bool:
    return name.startswith("hugepages-")


def _is_quota_hugepages(name: str) -> bool:
    return name.startswith("hugepages-") or name.startswith("requests.hugepages-")


def _is_native(name: str) -> bool:
    return "/" not in name or "kubernetes.io/" in name


def _is_extended(name: str) -> bool:
    if _is_native(name) or name.startswith("requests."):
        return False
    return not names.is_qualified_name("requests." + name)


def _overcommit_allowed(name: str) -> bool:
    return _is_native(name) and not _is_hugepages(name)


def _is_integer_resource(name: str) -> bool:
    if "/" not in name:  # unprefixed names are native, never extended
        return name in _INTEGER_RESOURCES
    return name in _INTEGER_RESOURCES or _is_extended(name)


def _resource_name_errs(value: str, path: str) -> list[FieldError]:
    """``validateResourceName``."""
    errs: list[FieldError] = []
    _qualified_name_errs(value, path, errs)
    if errs:
        return errs
    if "/" not in value and not (value in _STANDARD_RESOURCES or _is_quota_hugepages(value)):
        errs.append(_inv(path, value, "must be a standard resource type or fully qualified"))
    return errs


def _container_resource_name_errs(value: str, path: str) -> list[FieldError]:
    """``validateContainerResourceName``."""
    if value in _STANDARD_CONTAINER_RESOURCES:  # fast path: cpu, memory, ephemeral-storage
        return []
    errs = _resource_name_errs(value, path)
    if "/" not in value:
        if not (value in _STANDARD_CONTAINER_RESOURCES or _is_hugepages(value)):
            errs.append(_inv(path, value, "must be a standard resource for containers"))
    elif not _is_native(value) and not _is_extended(value):
        errs.append(_inv(path, value, "doesn't follow extended resource name standard"))
    return errs


def _quantity_value_errs(resource: str, raw: Any, path: str, errs: list):
    """``ValidateResourceQuantityValue``; returns the parsed quantity (or None)."""
    q = _parse_q(raw)
    if q is None:
        return None
    if q < _zero_q():
        errs.append(_inv(path, _qstr(q), NONNEG_MSG))
    if _is_integer_resource(resource):
        if not _is_whole(q):
            errs.append(_inv(path, GoRepr(_qstr(q)), "must be an integer"))
    return q


def _is_whole(q: Any) -> bool:
    """True when the quantity's milli-value is a multiple of 1000."""
    for attr in ("milli_value", "milli"):
        fn = getattr(q, attr, None)
        if callable(fn):
            try:
                return fn() % 1000 == 0
            except Exception:  # noqa: BLE001
                break
    s = _qstr(q)
    return not s.endswith("m") and "." not in s


# --------------------------------------------------------------------------------------------
# Paths and volumes (core validation: ValidateVolumes, validateVolumeSource, ...)

FILE_MODE_MSG = "must be a number between 0 and 0777 (octal), both inclusive"


def _backsteps_errs(target: str, path: str, errs: list) -> None:
    """``validatePathNoBacksteps``."""
    if ".." in target.replace("\\", "/").split("/"):
        errs.append(_inv(path, target, "must not contain '..'"))


def _local_descending_errs(target: str, path: str, errs: list) -> None:
    """``validateLocalDescendingPath``."""
    if target.startswith("/"):
        errs.append(_inv(path, target, "must be a relative path"))
    _backsteps_errs(target, path, errs)


def _local_non_reserved_errs(target: str, path: str, errs: list) -> None:
    """``ValidateLocalNonReservedPath``."""
    _local_descending_errs(target, path, errs)
    if target.startswith("..") and not target.startswith("../"):
        errs.append(_inv(path, target, "must not start with '..'"))


def _mode_errs(mode: Any, path: str, errs: list) -> None:
    if mode is not None and (mode > 0o777 or mode < 0):
        errs.append(_inv(path, mode, FILE_MODE_MSG))


def _key_to_path_errs(kp: dict, path: str, errs: list) -> None:
    """``validateKeyToPath``."""
    if not kp.get("key"):
        errs.append(_req(path + ".key"))
    p = kp.get("path") or ""
    if not p:
        errs.append(_req(path + ".path"))
    _local_non_reserved_errs(p, path + ".path", errs)
    _mode_errs(kp.get("mode"), path + ".mode", errs)


_VOLUME_FIELD_EXPRS = ("metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace",
                       "metadata.uid")
_ENV_FIELD_EXPRS = ("metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName",
                    "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs")
_DOWNWARD_LABELS = frozenset({"metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace",
                              "metadata.uid", "spec.nodeName", "spec.restartPolicy", "spec.serviceAccountName",
                              "spec.schedulerName", "status.phase", "status.hostIP", "status.hostIPs",
                              "status.podIP", "status.podIPs"})
_RESOURCE_FIELD_EXPRS = ("limits.cpu", "limits.ephemeral-storage", "limits.memory", "requests.cpu",
                         "requests.ephemeral-storage", "requests.memory")


def _split_subscript(fp: str):
    if not fp.endswith("']"):
        return fp, "", False
    head, sep, sub = fp[:-2].partition("['")
    if not sep or not head:
        return fp, "", False
    return head, sub, True


def _object_field_selector_errs(fs: dict, exprs: tuple, path: str, errs: list) -> None:
    """``validateObjectFieldSelector``."""
    version = fs.get("apiVersion") or ""
    fp = fs.get("fieldPath") or ""
    if not version:
        errs.append(_req(path + ".apiVersion"))
        return
    if not fp:
        errs.append(_req(path + ".fieldPath"))
        return
    head, sub, ok = _split_subscript(fp)
    if version != "v1":
        conv_err = f"unsupported pod version: {version}"
    elif ok:
        conv_err = "" if head in ("metadata.annotations", "metadata.labels") else \
            f"field label does not support subscript: {fp}"
    elif fp in _DOWNWARD_LABELS or fp == "spec.host":
        conv_err = ""
    else:
        conv_err = f"field label not supported: {fp}"
    if conv_err:
        errs.append(_inv(path + ".fieldPath", fp, f"error converting fieldPath: {conv_err}"))
        return
    internal = "spec.nodeName" if fp == "spec.host" else fp
    head, sub, ok = _split_subscript(internal)
    if ok:
        if head == "metadata.annotations":
            _qualified_name_errs(sub.lower(), path, errs)
        elif head == "metadata.labels":
            _qualified_name_errs(sub, path, errs)
        else:
            errs.append(_inv(path, head, "does not support subscript"))
    elif internal not in exprs:
        errs.append(_ns(path + ".fieldPath", internal, sorted(exprs)))


_CPU_DIVISORS = frozenset({"1m", "1"})
_MEM_DIVISORS = frozenset({"1", "1k", "1M", "1G", "1T", "1P", "1E", "1Ki", "1Mi", "1Gi", "1Ti", "1Pi", "1Ei"})


def _resource_field_selector_errs(fs: dict, path: str, volume: bool, errs: list) -> None:
    """``validateContainerResourceFieldSelector`` (+ ``validateContainerResourceDivisor``)."""
    resource = fs.get("resource") or ""
    if volume and not fs.get("containerName"):
        errs.append(_req(path + ".containerName"))
    elif not resource:
        errs.append(_req(path + ".resource"))
    elif resource not in _RESOURCE_FIELD_EXPRS and not (resource.startswith("requests.hugepages-")
                                                       or resource.startswith("limits.hugepages-")):
        errs.append(_ns(path + ".resource", resource, list(_RESOURCE_FIELD_EXPRS)))
    div = fs.get("divisor")
    if div is None:
        return
    q = _parse_q(div)
    if q is None or q == _zero_q():
        return
    s = _qstr(q)
    if resource in ("limits.cpu", "requests.cpu"):
        if s not in _CPU_DIVISORS:
            errs.append(_inv(path + ".divisor", resource,
                             "only divisor's values 1m and 1 are supported with the cpu resource"))
    elif resource in ("limits.memory", "requests.memory"):
        if s not in _MEM_DIVISORS:
            errs.append(_inv(path + ".divisor", resource, "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, "
                             "1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the memory resource"))
    elif resource in ("limits.ephemeral-storage", "requests.ephemeral-storage"):
        if s not in _MEM_DIVISORS:
            errs.append(_inv(path + ".divisor", resource, "only divisor's values 1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, "
                             "1Mi, 1Gi, 1Ti, 1Pi, 1Ei are supported with the local ephemeral storage resource"))


def _downward_file_errs(f: dict, path: str, errs: list) -> None:
    """``validateDownwardAPIVolumeFile`` (upstream reports at the volume's path, without index)."""
    p = f.get("path") or ""
    if not p:
        errs.append(_req(path + ".path"))
    _local_non_reserved_errs(p, path + ".path", errs)
    if f.get("fieldRef") is not None:
        _object_field_selector_errs(f["fieldRef"], _VOLUME_FIELD_EXPRS, path + ".fieldRef", errs)
        if f.get("resourceFieldRef") is not None:
            errs.append(_inv(path, "resource", "fieldRef and resourceFieldRef can not be specified simultaneously"))
    elif f.get("resourceFieldRef") is not None:
        _resource_field_selector_errs(f["resourceFieldRef"], path + ".resourceFieldRef", True, errs)
    else:
        errs.append(_req(path, "one of fieldRef and resourceFieldRef is required"))
    _mode_errs(f.get("mode"), path + ".mode", errs)


def _projected_errs(src: dict, path: str, errs: list) -> None:
    """``validateProjectedVolumeSource``."""
    _mode_errs(src.get("defaultMode"), path + ".defaultMode", errs)
    all_paths: set = set()
    for i, s in enumerate(src.get("sources") or ()):
        num = 0
        sp = f"{path}.sources[{i}]"
        for kind in ("secret", "configMap"):
            proj = s.get(kind)
            if proj is None:
                continue
            num += 1
            if not proj.get("name"):
                errs.append(_req(f"{sp}.{kind}.name"))
            for j, kp in enumerate(proj.get("items") or ()):
                _key_to_path_errs(kp, f"{sp}.{kind}.items[{j}]", errs)
                cur = kp.get("path") or ""
                if cur:
                    if cur in all_paths:
                        errs.append(_inv(path, proj.get("name") or "", "conflicting duplicate paths"))
                    all_paths.add(cur)
        if s.get("downwardAPI") is not None:
            num += 1
            for f in s["downwardAPI"].get("items") or ():
                _downward_file_errs(f, sp + ".downwardAPI", errs)
                cur = f.get("path") or ""
                if cur:
                    if cur in all_paths:
                        errs.append(_inv(path, cur, "conflicting duplicate paths"))
                    all_paths.add(cur)
        sat = s.get("serviceAccountToken")
        if sat is not None:
            num += 1
            exp = sat.get("expirationSeconds", 3600)
            if exp < 600:
                errs.append(_inv(sp + ".serviceAccountToken.expirationSeconds", exp,
                                 "may not specify a duration less than 10 minutes"))
            if exp > 1 << 32:
                errs.append(_inv(sp + ".serviceAccountToken.expirationSeconds", exp,
                                 "may not specify a duration larger than 2^32 seconds"))
            if not sat.get("path"):
                errs.append(_req(path + ".path"))
            else:
                _local_non_reserved_errs(sat["path"], path + ".path", errs)
        if s.get("clusterTrustBundle") is not None:
            num += 1
        if num > 1:
            errs.append(_fb(sp, "may not specify more than 1 volume type per source"))


_HOST_PATH_TYPES = ("", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate",
                    "Socket")


def _hostpath_errs(hp: dict, path: str, errs: list) -> None:
    p = hp.get("path") or ""
    if not p:
        errs.append(_req(path + ".path"))
        return
    _backsteps_errs(p, path + ".path", errs)
    t = hp.get("type")
    if t is not None and t not in _HOST_PATH_TYPES:
        errs.append(_ns(path + ".type", t, list(_HOST_PATH_TYPES)))


def _required_keys(keys: tuple) -> Callable:
    def check(src: dict, path: str, errs: list) -> None:
        for k in keys:
            if not src.get(k):
                errs.append(_req(f"{path}.{k}"))
    return check


def _emptydir_errs(src: dict, path: str, errs: list) -> None:
    lim = src.get("sizeLimit")
    if lim is not None:
        q = _parse_q(lim)
        if q is not None and q < _zero_q():
            errs.append(_fb(path + ".sizeLimit", "SizeLimit field must be a valid resource quantity"))


def _secret_vol_errs(src: dict, path: str, errs: list) -> None:
    if not src.get("secretName"):
        errs.append(_req(path + ".secretName"))
    _mode_errs(src.get("defaultMode"), path + ".defaultMode", errs)
    for i, kp in enumerate(src.get("items") or ()):
        _key_to_path_errs(kp, f"{path}.items[{i}]", errs)


def _configmap_vol_errs(src: dict, path: str, errs: list) -> None:
    if not src.get("name"):
        errs.append(_req(path + ".name"))
    _mode_errs(src.get("defaultMode"), path + ".defaultMode", errs)
    for i, kp in enumerate(src.get("items") or ()):
        _key_to_path_errs(kp, f"{path}.items[{i}]", errs)


def _nfs_errs(src: dict, path: str, errs: list) -> None:
    if not src.get("server"):
        errs.append(_req(path + ".server"))
    p = src.get("path") or ""
    if not p:
        errs.append(_req(path + ".path"))
    if not p.startswith("/"):
        errs.append(_inv(path + ".path", p, "must be an absolute path"))


def _pd_errs(key: str) -> Callable:
    def check(src: dict, path: str, errs: list) -> None:
        if not src.get(key):
            errs.append(_req(f"{path}.{key}"))
        part = src.get("partition") or 0
        if part < 0 or part > 255:
            errs.append(_inv(path + ".partition", part, _inclusive_range(1, 255)))
    return check


def _downward_vol_errs(src: dict, path: str, errs: list) -> None:
    _mode_errs(src.get("defaultMode"), path + ".defaultMode", errs)
    for f in src.get("items") or ():
        _downward_file_errs(f, path, errs)


def _csi_vol_errs(src: dict, path: str, errs: list) -> None:
    _csi_driver_errs(src.get("driver") or "", path + ".driver", errs)
    ref = src.get("nodePublishSecretRef")
    if ref is not None:
        if not ref.get("name"):
            errs.append(_req(path + ".nodePublishSecretRef.name"))
        else:
            _name_fn_errs(names.name_is_dns_subdomain, ref["name"], path + ".name", errs)


def _csi_driver_errs(driver: str, path: str, errs: list) -> None:
    """``ValidateCSIDriverName``."""
    if not driver:
        errs.append(_req(path))
    if _blen(driver) > 63:
        errs.append(_too_long(path, 63))
    for msg in names.is_dns1123_subdomain(driver.lower()):
        errs.append(_inv(path, driver, msg))


def _ephemeral_errs(src: dict, path: str, errs: list) -> None:
    tmpl = src.get("volumeClaimTemplate")
    if tmpl is None:
        errs.append(_req(path + ".volumeClaimTemplate"))
        return
    errs.extend(validate_template_object_meta(tmpl.get("metadata"), path + ".volumeClaimTemplate.metadata"))
    errs.extend(validate_pvc_spec(tmpl.get("spec") or {}, path + ".volumeClaimTemplate.spec"))


def _noop(src: dict, path: str, errs: list) -> None:
    return None


# (json key, child name used in "may not specify more than 1 volume type", detail path, detail checker)
_VOLUME_SOURCES: tuple = (
    ("emptyDir", "emptyDir", "emptyDir", _emptydir_errs),
    ("hostPath", "hostPath", "hostPath", _hostpath_errs),
    ("gitRepo", "gitRepo", "gitRepo", _required_keys(("repository",))),
    ("gcePersistentDisk", "gcePersistentDisk", "persistentDisk", _pd_errs("pdName")),
    ("awsElasticBlockStore", "awsElasticBlockStore", "awsElasticBlockStore", _pd_errs("volumeID")),
    ("secret", "secret", "secret", _secret_vol_errs),
    ("nfs", "nfs", "nfs", _nfs_errs),
    ("iscsi", "iscsi", "iscsi", _required_keys(("targetPortal", "iqn"))),
    ("glusterfs", "glusterfs", "glusterfs", _required_keys(("endpoints", "path"))),
    ("flocker", "flocker", "flocker", _noop),
    ("persistentVolumeClaim", "persistentVolumeClaim", "persistentVolumeClaim", _required_keys(("claimName",))),
    ("rbd", "rbd", "rbd", _required_keys(("monitors", "image"))),
    ("cinder", "cinder", "cinder", _required_keys(("volumeID",))),
    ("cephfs", "cephFS", "cephfs", _required_keys(("monitors",))),
    ("quobyte", "quobyte", "quobyte", _required_keys(("volume",))),
    ("downwardAPI", "downwarAPI", "downwardAPI", _downward_vol_errs),  # sic: upstream's typo
    ("fc", "fc", "fc", _noop),
    ("flexVolume", "flexVolume", "flexVolume", _required_keys(("driver",))),
    ("configMap", "configMap", "configMap", _configmap_vol_errs),
    ("azureFile", "azureFile", "azureFile", _required_keys(("secretName", "shareName"))),
    ("vsphereVolume", "vsphereVolume", "vsphereVolume", _required_keys(("volumePath",))),
    ("photonPersistentDisk", "photonPersistentDisk", "photonPersistentDisk", _required_keys(("pdID",))),
    ("portworxVolume", "portworxVolume", "portworxVolume", _required_keys(("volumeID",))),
    ("azureDisk", "azureDisk", "azureDisk", _required_keys(("diskName", "diskURI"))),
    ("storageos", "storageos", "storageos", _required_keys(("volumeName",))),
    ("projected", "projected", "projected", _projected_errs),
    ("scaleIO", "scaleIO", "scaleIO", _required_keys(("gateway", "system", "volumeName"))),
    ("csi", "csi", "csi", _csi_vol_errs),
    ("ephemeral", "ephemeral", "ephemeral", _ephemeral_errs),
    ("image", "image", "image", _noop),
)


_VOLUME_SOURCE_ORDER = {entry[0]: i for i, entry in enumerate(_VOLUME_SOURCES)}


def _volume_source_errs(vol: dict, path: str, vol_name: str, pod_meta: dict | None) -> list[FieldError]:
    """``validateVolumeSource``: exactly one source, each checked."""
    errs: list[FieldError] = []
    num = 0
    present = [k for k in vol if k in _VOLUME_SOURCE_ORDER and vol[k] is not None]
    if len(present) > 1:
        present.sort(key=_VOLUME_SOURCE_ORDER.__getitem__)
    for key in present:
        _, child, detail, check = _VOLUME_SOURCES[_VOLUME_SOURCE_ORDER[key]]
        src = vol[key]
        if num > 0:
            errs.append(_fb(f"{path}.{child}", "may not specify more than 1 volume type"))
            continue
        num += 1
        check(src, f"{path}.{detail}", errs)
        if key == "ephemeral" and pod_meta and pod_meta.get("name") and vol_name:
            pvc_name = pod_meta["name"] + "-" + vol_name
            for msg in names.name_is_dns_subdomain(pvc_name, False):
                errs.append(_inv(path + ".name", vol_name, f"PVC name {go_quote(pvc_name)}: {msg}"))
    if num == 0:
        errs.append(_req(path, "must specify a volume type"))
    return errs


def validate_volumes(volumes: list | None, pod_meta: dict | None, path: str) -> tuple[dict, list[FieldError]]:
    """``ValidateVolumes``: returns the usable volumes by name (invalid ones are left out)."""
    errs: list[FieldError] = []
    vols: dict = {}
    if not volumes:
        return vols, errs
    created_pvcs: set = set()
    if pod_meta and pod_meta.get("name"):
        for v in volumes:
            if v.get("ephemeral") is not None:
                created_pvcs.add(pod_meta["name"] + "-" + (v.get("name") or ""))
    for i, vol in enumerate(volumes):
        ip = f"{path}[{i}]"
        name = vol.get("name") or ""
        el = _volume_source_errs(vol, ip, name, pod_meta)
        if not name:
            el.append(_req(ip + ".name"))
        else:
            _dns_label_errs(name, ip + ".name", el)
        if name in vols or (name == "" and "" in vols):
            el.append(_dup(ip + ".name", name))
        if not el:
            vols[name] = vol
        else:
            errs.extend(el)
        pvc = vol.get("persistentVolumeClaim")
        if pvc is not None and pvc.get("claimName") in created_pvcs:
            errs.append(_inv(ip + ".persistentVolumeClaim.claimName", pvc.get("claimName"),
                             "must not reference a PVC that gets created for an ephemeral volume"))
    return vols, errs


# --------------------------------------------------------------------------------------------
# Containers (validateContainerCommon, validateContainers, validateInitContainers, probes, ...)

_PROTOCOLS = ("SCTP", "TCP", "UDP")                      # sets.List(supportedPortProtocols)
_PULL_POLICIES = ("Always", "IfNotPresent", "Never")
_TERMINATION_MSG_POLICIES = ("File", "FallbackToLogsOnError")
_MOUNT_PROPAGATIONS = ("Bidirectional", "HostToContainer", "None")
_RRO = ("Disabled", "Enabled", "IfPossible")
_RESTART_POLICIES = ("Always", "OnFailure", "Never")
_DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")


def _container_ports_errs(ports: list | None, path: str, errs: list) -> None:
    """``validateContainerPorts``."""
    seen: set = set()
    for i, port in enumerate(ports or ()):
        ip = f"{path}[{i}]"
        name = port.get("name") or ""
        if name:
            msgs = is_valid_port_name(name)
            if msgs:
                for m in msgs:
                    errs.append(_inv(ip + ".name", name, m))
            elif name in seen:
                errs.append(_dup(ip + ".name", name))
            else:
                seen.add(name)
        cp = port.get("containerPort") or 0
        if cp == 0:
            errs.append(_req(ip + ".containerPort"))
        else:
            for m in is_valid_port_num(cp):
                errs.append(_inv(ip + ".containerPort", cp, m))
        hp = port.get("hostPort") or 0
        if hp != 0:
            for m in is_valid_port_num(hp):
                errs.append(_inv(ip + ".hostPort", hp, m))
        proto = port.get("protocol") or ""
        if not proto:
            errs.append(_req(ip + ".protocol"))
        elif proto not in _PROTOCOLS:
            errs.append(_ns(ip + ".protocol", proto, _PROTOCOLS))


def _key_selector_errs(sel: dict, path: str, errs: list) -> None:
    """``validateConfigMapKeySelector`` / ``validateSecretKeySelector``."""
    name = sel.get("name") or ""
    _name_fn_errs(names.name_is_dns_subdomain, name, path + ".name", errs)
    key = sel.get("key") or ""
    if not key:
        errs.append(_req(path + ".key"))
    else:
        for m in is_config_map_key(key):
            errs.append(_inv(path + ".key", key, m))


def _env_errs(env: list | None, path: str, errs: list) -> None:
    """``ValidateEnv`` (relaxed names, 1.32 default) with ``validateEnvVarValueFrom``."""
    for i, ev in enumerate(env or ()):
        ip = f"{path}[{i}]"
        name = ev.get("name") or ""
        if not name:
            errs.append(_req(ip + ".name"))
        else:
            for m in is_relaxed_env_var_name(name):
                errs.append(_inv(ip + ".name", name, m))
        vf = ev.get("valueFrom")
        if vf is None:
            continue
        vp = ip + ".valueFrom"
        num = 0
        if vf.get("fieldRef") is not None:
            num += 1
            _object_field_selector_errs(vf["fieldRef"], _ENV_FIELD_EXPRS, vp + ".fieldRef", errs)
        if vf.get("resourceFieldRef") is not None:
            num += 1
            _resource_field_selector_errs(vf["resourceFieldRef"], vp + ".resourceFieldRef", False, errs)
        if vf.get("configMapKeyRef") is not None:
            num += 1
            _key_selector_errs(vf["configMapKeyRef"], vp + ".configMapKeyRef", errs)
        if vf.get("secretKeyRef") is not None:
            num += 1
            _key_selector_errs(vf["secretKeyRef"], vp + ".secretKeyRef", errs)
        if num == 0:
            errs.append(_inv(vp, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or "
                                     "`secretKeyRef`"))
        elif ev.get("value"):
            errs.append(_inv(vp, "", "may not be specified when `value` is not empty"))
        elif num > 1:
            errs.append(_inv(vp, "", "may not have more than one field specified at a time"))


def _env_from_errs(env_from: list | None, path: str, errs: list) -> None:
    """``ValidateEnvFrom``."""
    for i, ev in enumerate(env_from or ()):
        ip = f"{path}[{i}]"
        prefix = ev.get("prefix") or ""
        if prefix:
            for m in is_relaxed_env_var_name(prefix):
                errs.append(_inv(ip + ".prefix", prefix, m))
        num = 0
        for key in ("configMapRef", "secretRef"):
            ref = ev.get(key)
            if ref is None:
                continue
            num += 1
            name = ref.get("name") or ""
            if not name:
                errs.append(_req(f"{ip}.{key}.name"))
            else:
                for m in names.name_is_dns_subdomain(name, True):
                    errs.append(_inv(f"{ip}.{key}.name", name, m))
        if num == 0:
            errs.append(_inv(path, "", "must specify one of: `configMapRef` or `secretRef`"))
        elif num > 1:
            errs.append(_inv(path, "", "may not have more than one field specified at a time"))


def _volume_mounts_errs(mounts: list | None, devices: dict, vols: dict, ctr: dict, path: str, errs: list) -> None:
    """``ValidateVolumeMounts``."""
    points: set = set()
    for i, mnt in enumerate(mounts or ()):
        ip = f"{path}[{i}]"
        name = mnt.get("name") or ""
        if not name:
            errs.append(_req(ip + ".name"))
        if name not in vols:
            errs.append(_nf(ip + ".name", name))
        mp = mnt.get("mountPath") or ""
        if not mp:
            errs.append(_req(ip + ".mountPath"))
        if mp in points:
            errs.append(_inv(ip + ".mountPath", mp, "must be unique"))
        points.add(mp)
        if name in devices:
            errs.append(_inv(ip + ".name", name, "must not already exist in volumeDevices"))
        if mp in devices.values():
            errs.append(_inv(ip + ".mountPath", mp, "must not already exist as a path in volumeDevices"))
        sub = mnt.get("subPath") or ""
        if sub:
            _local_descending_errs(sub, path + ".subPath", errs)
        expr = mnt.get("subPathExpr") or ""
        if expr:
            if sub:
                errs.append(_inv(ip + ".subPathExpr", expr, "subPathExpr and subPath are mutually exclusive"))
            _local_descending_errs(expr, path + ".subPathExpr", errs)
        prop = mnt.get("mountPropagation")
        if prop is not None:
            pp = path + ".mountPropagation"
            if prop not in _MOUNT_PROPAGATIONS:
                errs.append(_ns(pp, prop, _MOUNT_PROPAGATIONS))
            privileged = bool((ctr.get("securityContext") or {}).get("privileged"))
            if prop == "Bidirectional" and not privileged:
                errs.append(_fb(pp, "Bidirectional mount propagation is available only to privileged containers"))
        rro = mnt.get("recursiveReadOnly")
        if rro is not None:
            rp = path + ".recursiveReadOnly"
            if rro in ("Enabled", "IfPossible"):
                if not mnt.get("readOnly"):
                    errs.append(_fb(rp, "may only be specified when readOnly is true"))
                if prop not in (None, "None"):
                    errs.append(_fb(rp, "may only be specified when mountPropagation is None or not specified"))
            elif rro != "Disabled":
                errs.append(_ns(rp, rro, _RRO))


def _volume_devices_errs(devs: list | None, mounts: dict, vols: dict, path: str, errs: list) -> None:
    """``ValidateVolumeDevices``."""
    dpaths: set = set()
    dnames: set = set()
    for i, dev in enumerate(devs or ()):
        ip = f"{path}[{i}]"
        name = dev.get("name") or ""
        dpath = dev.get("devicePath") or ""
        vol = vols.get(name)
        matched = vol is not None
        is_pvc = matched and (vol.get("persistentVolumeClaim") is not None or vol.get("ephemeral") is not None)
        if not name:
            errs.append(_req(ip + ".name"))
        if name in dnames:
            errs.append(_inv(ip + ".name", name, "must be unique"))
        if matched and not is_pvc:
            errs.append(_inv(ip + ".name", name, "can only use volume source type of PersistentVolumeClaim or "
                                                 "Ephemeral for block mode"))
        if not matched:
            errs.append(_nf(ip + ".name", name))
        if not dpath:
            errs.append(_req(ip + ".devicePath"))
        if dpath in dpaths:
            errs.append(_inv(ip + ".devicePath", dpath, "must be unique"))
        if dpath and ".." in dpath.split("/"):
            errs.append(_inv(ip + ".devicePath", dpath, "can not contain backsteps ('..')"))
        else:
            dpaths.add(dpath)
        if name in mounts:
            errs.append(_inv(ip + ".name", name, "must not already exist in volumeMounts"))
        if dpath in mounts.values():
            errs.append(_inv(ip + ".devicePath", dpath, "must not already exist as a path in volumeMounts"))
        if name:
            dnames.add(name)


def validate_resource_requirements(req: dict | None, path: str, name_fn: Callable = None) -> list[FieldError]:
    """``validateResourceRequirements`` (container flavour): names, quantities, requests <= limits."""
    errs: list[FieldError] = []
    if not req:
        return errs
    name_fn = name_fn or _container_resource_name_errs
    limits = req.get("limits") or {}
    requests = req.get("requests") or {}
    lim_path, req_path = path + ".limits", path + ".requests"
    lim_cpu_mem = req_cpu_mem = lim_huge = req_huge = False
    parsed_limits: dict = {}
    for rname in sorted(limits):
        fp = f"{lim_path}[{rname}]"
        errs.extend(name_fn(rname, fp))
        parsed_limits[rname] = _quantity_value_errs(rname, limits[rname], fp, errs)
        if _is_hugepages(rname):
            lim_huge = True
        if rname in ("cpu", "memory"):
            lim_cpu_mem = True
    for rname in sorted(requests):
        fp = f"{req_path}[{rname}]"
        errs.extend(name_fn(rname, fp))
        q = _quantity_value_errs(rname, requests[rname], fp, errs)
        if rname in limits:
            lq = parsed_limits.get(rname)
            if q is not None and lq is not None:
                if q != lq and not _overcommit_allowed(rname):
                    errs.append(_inv(req_path, _qstr(q), f"must be equal to {rname} limit of {_qstr(lq)}"))
                elif q > lq:
                    errs.append(_inv(req_path, _qstr(q), f"must be less than or equal to {rname} limit of {_qstr(lq)}"))
        elif not _overcommit_allowed(rname):
            errs.append(_req(lim_path, "Limit must be set for non overcommitable resources"))
        if _is_hugepages(rname):
            req_huge = True
        if rname in ("cpu", "memory"):
            req_cpu_mem = True
    if not lim_cpu_mem and not req_cpu_mem and (req_huge or lim_huge):
        errs.append(_fb(path, "HugePages require cpu or memory"))
    claims = req.get("claims")
    if claims:
        seen: set = set()
        for i, c in enumerate(claims):
            cn = c.get("name") or ""
            if not cn:
                errs.append(_req(f"{path}.claims[{i}]"))
            elif cn in seen:
                errs.append(_dup(f"{path}.claims[{i}]", cn))
            else:
                seen.add(cn)
                errs.append(_nf(f"{path}.claims[{i}]", cn, "must be one of the names in pod.spec.resourceClaims "
                                                          "which is empty"))
    return errs


_UID_RANGE = _inclusive_range(0, 4294967295)


def _id_errs(value: Any, path: str, errs: list) -> None:
    if value is not None and not (0 <= value <= 4294967295):
        errs.append(_inv(path, value, _UID_RANGE))


def _seccomp_errs(sp: dict | None, path: str, errs: list) -> None:
    """``validateSeccompProfileField``."""
    if sp is None:
        return
    t = sp.get("type") or ""
    if t == "":
        errs.append(_req(path + ".type", "type is required when seccompProfile is set"))
    elif t not in ("Localhost", "RuntimeDefault", "Unconfined"):
        errs.append(_ns(path + ".type", t, ("Localhost", "RuntimeDefault", "Unconfined")))
    lp = sp.get("localhostProfile")
    if t == "Localhost":
        if lp is None:
            errs.append(_req(path + ".localhostProfile", "must be set when seccomp type is Localhost"))
        else:
            _local_descending_errs(lp, path + ".localhostProfile", errs)
    elif lp is not None:
        errs.append(_inv(path + ".localhostProfile", GoRepr(go_struct("core.SeccompProfile", sp)),
                         "can only be set when seccomp type is Localhost"))


def _apparmor_errs(p: dict | None, path: str, errs: list) -> None:
    """``ValidateAppArmorProfileField``."""
    if p is None:
        return
    t = p.get("type") or ""
    lp = p.get("localhostProfile")
    if t == "Localhost":
        if lp is None or lp.strip() == "":
            if lp is not None and lp != lp.strip():
                errs.append(_inv(path + ".localhostProfile", lp, "must not be padded with whitespace"))
            else:
                errs.append(_req(path + ".localhostProfile", "must be set when AppArmor type is Localhost"))
        elif lp != lp.strip():
            errs.append(_inv(path + ".localhostProfile", lp, "must not be padded with whitespace"))
    elif t in ("RuntimeDefault", "Unconfined"):
        if lp is not None:
            errs.append(_inv(path + ".localhostProfile", lp, "can only be set when AppArmor type is Localhost"))
    elif t == "":
        errs.append(_req(path + ".type", "type is required when appArmorProfile is set"))
    else:
        errs.append(_ns(path + ".type", t, ("Localhost", "RuntimeDefault", "Unconfined")))


def _security_context_errs(sc: dict | None, path: str, host_users: bool, errs: list) -> None:
    """``ValidateSecurityContext`` (privileged containers are allowed, as in kubeadm/kind clusters)."""
    if not sc:
        return
    _id_errs(sc.get("runAsUser"), path + ".runAsUser", errs)
    _id_errs(sc.get("runAsGroup"), path + ".runAsGroup", errs)
    pm = sc.get("procMount")
    if pm is not None:
        if pm not in ("Default", "Unmasked"):
            errs.append(_ns(path + ".procMount", pm, ("Default", "Unmasked")))
        if host_users and pm == "Unmasked":
            errs.append(_inv(path + ".procMount", pm, "`hostUsers` must be false to use `Unmasked`"))
    _seccomp_errs(sc.get("seccompProfile"), path + ".seccompProfile", errs)
    if sc.get("allowPrivilegeEscalation") is False:
        if sc.get("privileged") is True:
            errs.append(_inv(path, GoRepr(go_struct("core.SecurityContext", sc)),
                             "cannot set `allowPrivilegeEscalation` to false and `privileged` to true"))
        for cap in ((sc.get("capabilities") or {}).get("add") or ()):
            if cap == "CAP_SYS_ADMIN":
                errs.append(_inv(path, GoRepr(go_struct("core.SecurityContext", sc)),
                                 "cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN"))
    _apparmor_errs(sc.get("appArmorProfile"), path + ".appArmorProfile", errs)


def _handler_errs(h: dict, grace: Any, path: str, errs: list, allow_sleep: bool) -> None:
    """``validateHandler``: exactly one of exec/httpGet/tcpSocket/grpc (/sleep for lifecycle hooks)."""
    num = 0
    kinds = ("exec", "httpGet", "tcpSocket", "grpc", "sleep") if allow_sleep else ("exec", "httpGet", "tcpSocket", "grpc")
    for kind in kinds:
        act = h.get(kind)
        if act is None:
            continue
        kp = f"{path}.{kind}"
        if num > 0:
            errs.append(_fb(kp, "may not specify more than 1 handler type"))
            continue
        num += 1
        if kind == "exec":
            if not act.get("command"):
                errs.append(_req(kp + ".command"))
        elif kind == "httpGet":
            if not act.get("path"):
                errs.append(_req(kp + ".path"))
            _port_num_or_name_errs(act.get("port"), kp + ".port", errs)
            scheme = act.get("scheme") or ""
            if scheme not in ("HTTP", "HTTPS"):
                errs.append(_ns(kp + ".scheme", scheme, ("HTTP", "HTTPS")))
            for hdr in act.get("httpHeaders") or ():
                hn = hdr.get("name") or ""
                if _HTTP_HEADER_RE.fullmatch(hn) is None:
                    errs.append(_inv(kp + ".httpHeaders", hn, _HTTP_HEADER_ERR))
        elif kind == "tcpSocket":
            _port_num_or_name_errs(act.get("port"), kp + ".port", errs)
        elif kind == "grpc":
            _port_num_or_name_errs(act.get("port") or 0, kp + ".port", errs)
        elif kind == "sleep":
            secs = act.get("seconds") or 0
            if grace is not None and (secs <= 0 or secs > grace):
                errs.append(_inv(kp, secs, "must be greater than 0 and less than terminationGracePeriodSeconds "
                                           f"({grace}). Enable AllowPodLifecycleSleepActionZeroValue feature gate "
                                           "for zero sleep."))
    if num == 0:
        errs.append(_req(path, "must specify a handler type"))


def _port_num_or_name_errs(port: Any, path: str, errs: list) -> None:
    """``ValidatePortNumOrName``."""
    if isinstance(port, str):
        for m in is_valid_port_name(port):
            errs.append(_inv(path, port, m))
    else:
        n = port if _is_int(port) else 0
        for m in is_valid_port_num(n):
            errs.append(_inv(path, n, m))


def _probe_errs(probe: dict | None, grace: Any, path: str, kind: str, errs: list) -> None:
    """``validateLivenessProbe`` / ``validateReadinessProbe`` / ``validateStartupProbe``."""
    if probe is None:
        return
    _handler_errs(probe, grace, path, errs, allow_sleep=False)
    for f in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"):
        _nonneg(probe.get(f) or 0, f"{path}.{f}", errs)
    tgps = probe.get("terminationGracePeriodSeconds")
    if tgps is not None and tgps <= 0:
        errs.append(_inv(path + ".terminationGracePeriodSeconds", tgps, "must be greater than 0"))
    if kind == "readiness":
        if tgps is not None:
            errs.append(_inv(path + ".terminationGracePeriodSeconds", tgps, "must not be set for readinessProbes"))
    elif (probe.get("successThreshold") or 0) != 1:
        errs.append(_inv(path + ".successThreshold", probe.get("successThreshold") or 0, "must be 1"))


def _lifecycle_errs(lc: dict, grace: Any, path: str, errs: list) -> None:
    if lc.get("postStart") is not None:
        _handler_errs(lc["postStart"], grace, path + ".postStart", errs, allow_sleep=True)
    if lc.get("preStop") is not None:
        _handler_errs(lc["preStop"], grace, path + ".preStop", errs, allow_sleep=True)


def _container_common_errs(ctr: dict, vols: dict, path: str, host_users: bool, errs: list) -> None:
    """``validateContainerCommon``: name, image, terminationMessagePolicy, ports, env, mounts,
    imagePullPolicy, resources, securityContext."""
    name = ctr.get("name") or ""
    if not name:
        errs.append(_req(path + ".name"))
    else:
        _dns_label_errs(name, path + ".name", errs)
    if not ctr.get("image"):
        errs.append(_req(path + ".image"))
    tmp = ctr.get("terminationMessagePolicy") or ""
    if tmp not in _TERMINATION_MSG_POLICIES:
        if tmp == "":
            errs.append(_req(path + ".terminationMessagePolicy"))
        else:
            errs.append(_ns(path + ".terminationMessagePolicy", tmp, _TERMINATION_MSG_POLICIES))
    mounts = ctr.get("volumeMounts")
    devs = ctr.get("volumeDevices")
    mount_map = {m.get("name") or "": m.get("mountPath") or "" for m in mounts or ()}
    dev_map = {d.get("name") or "": d.get("devicePath") or "" for d in devs or ()}
    if ctr.get("ports"):
        _container_ports_errs(ctr["ports"], path + ".ports", errs)
    if ctr.get("env"):
        _env_errs(ctr["env"], path + ".env", errs)
    if ctr.get("envFrom"):
        _env_from_errs(ctr["envFrom"], path + ".envFrom", errs)
    if mounts:
        _volume_mounts_errs(mounts, dev_map, vols, ctr, path + ".volumeMounts", errs)
    if devs:
        _volume_devices_errs(devs, mount_map, vols, path + ".volumeDevices", errs)
    pp = ctr.get("imagePullPolicy") or ""
    if pp not in _PULL_POLICIES:
        if pp == "":
            errs.append(_req(path + ".imagePullPolicy"))
        else:
            errs.append(_ns(path + ".imagePullPolicy", pp, _PULL_POLICIES))
    res = ctr.get("resources")
    if res:
        errs.extend(validate_resource_requirements(res, path + ".resources"))
    sc = ctr.get("securityContext")
    if sc:
        _security_context_errs(sc, path + ".securityContext", host_users, errs)


def _host_port_conflicts(containers: list, path: str, errs: list, seen: set | None = None) -> None:
    """``AccumulateUniqueHostPorts``."""
    seen = set() if seen is None else seen
    for ci, ctr in enumerate(containers):
        for pi, port in enumerate(ctr.get("ports") or ()):
            hp = port.get("hostPort") or 0
            if hp == 0:
                continue
            key = f"{port.get('protocol') or ''}/{port.get('hostIP') or ''}/{hp}"
            if key in seen:
                errs.append(_dup(f"{path}[{ci}].ports[{pi}].hostPort", key))
            else:
                seen.add(key)


def _containers_errs(containers: list | None, vols: dict, grace: Any, path: str, host_users: bool,
                     errs: list) -> None:
    """``validateContainers``."""
    if not containers:
        errs.append(_req(path))
        return
    seen: set = set()
    for i, ctr in enumerate(containers):
        cp = f"{path}[{i}]"
        _container_common_errs(ctr, vols, cp, host_users, errs)
        name = ctr.get("name") or ""
        if name in seen:
            errs.append(_dup(cp + ".name", name))
        else:
            seen.add(name)
        if ctr.get("lifecycle") is not None:
            _lifecycle_errs(ctr["lifecycle"], grace, cp + ".lifecycle", errs)
        _probe_errs(ctr.get("livenessProbe"), grace, cp + ".livenessProbe", "liveness", errs)
        _probe_errs(ctr.get("readinessProbe"), grace, cp + ".readinessProbe", "readiness", errs)
        _probe_errs(ctr.get("startupProbe"), grace, cp + ".startupProbe", "startup", errs)
        if ctr.get("restartPolicy") is not None:
            errs.append(_fb(cp + ".restartPolicy", "may not be set for non-init containers"))
    _host_port_conflicts(containers, path, errs)


def _init_containers_errs(inits: list | None, regular: list | None, vols: dict, grace: Any, path: str,
                          host_users: bool, errs: list) -> None:
    """``validateInitContainers``."""
    if not inits:
        return
    all_names = {c.get("name") or "" for c in regular or ()}
    for i, ctr in enumerate(inits):
        cp = f"{path}[{i}]"
        _container_common_errs(ctr, vols, cp, host_users, errs)
        rp = ctr.get("restartPolicy")
        always = False
        if rp is not None:
            if rp != "Always":
                errs.append(_ns(cp + ".restartPolicy", rp, ("Always",)))
            always = rp == "Always"
        name = ctr.get("name") or ""
        if name in all_names:
            errs.append(_dup(cp + ".name", name))
        elif name:
            all_names.add(name)
        _host_port_conflicts([ctr], path, errs)
        if always:
            if ctr.get("lifecycle") is not None:
                _lifecycle_errs(ctr["lifecycle"], grace, cp + ".lifecycle", errs)
            _probe_errs(ctr.get("livenessProbe"), grace, cp + ".livenessProbe", "liveness", errs)
            _probe_errs(ctr.get("readinessProbe"), grace, cp + ".readinessProbe", "readiness", errs)
            _probe_errs(ctr.get("startupProbe"), grace, cp + ".startupProbe", "startup", errs)
        else:
            for f in ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe"):
                if ctr.get(f) is not None:
                    errs.append(_fb(f"{cp}.{f}", "may not be set for init containers without restartPolicy=Always"))
        if ctr.get("resizePolicy"):
            errs.append(_inv(cp + ".resizePolicy", GoRepr(_go_field(ctr["resizePolicy"])),
                             "must not be set for init containers"))


#: the fields an ephemeral container may set (upstream's allowedEphemeralContainerFields); the
#: others are forbidden, reported in the order of EphemeralContainerCommon's fields
_EPHEMERAL_FIELDS = (("name", True), ("image", True), ("command", True), ("args", True), ("workingDir", True),
                     ("ports", False), ("envFrom", True), ("env", True), ("resources", False),
                     ("resizePolicy", False), ("restartPolicy", False), ("volumeMounts", True),
                     ("volumeDevices", True), ("livenessProbe", False), ("readinessProbe", False),
                     ("startupProbe", False), ("lifecycle", False), ("terminationMessagePath", True),
                     ("terminationMessagePolicy", True), ("imagePullPolicy", True), ("securityContext", True),
                     ("stdin", True), ("stdinOnce", True), ("tty", True))


def _ephemeral_containers_errs(ephemeral: list | None, containers: list | None, inits: list | None, vols: dict,
                               path: str, host_users: bool, errs: list) -> None:
    """``validateEphemeralContainers``: the common container checks, names unique across every
    kind of container, a target that is a regular or init container, and no ports, resources,
    probes or lifecycle (an ephemeral container must not be relied on to serve the pod)."""
    if not ephemeral:
        return
    others = {c.get("name") or "" for c in (containers or ())} | {c.get("name") or "" for c in (inits or ())}
    all_names = set(others)
    for i, ec in enumerate(ephemeral):
        cp = f"{path}[{i}]"
        _container_common_errs(ec, vols, cp, host_users, errs)
        image = ec.get("image") or ""
        if image != image.strip():
            errs.append(_inv(cp + ".image", image, "must not have leading or trailing whitespace"))
        name = ec.get("name") or ""
        if name in all_names:
            errs.append(_dup(cp + ".name", name))
        else:
            all_names.add(name)
        target = ec.get("targetContainerName") or ""
        if target and target not in others:
            errs.append(_nf(cp + ".targetContainerName", target))
        for field_name, allowed in _EPHEMERAL_FIELDS:
            if not allowed and ec.get(field_name) not in (None, {}, [], ""):
                errs.append(_fb(f"{cp}.{field_name}", "cannot be set for an Ephemeral Container"))
        for j, vm in enumerate(ec.get("volumeMounts") or ()):
            for sub in ("subPath", "subPathExpr"):
                if vm.get(sub):
                    errs.append(_fb(f"{cp}.volumeMounts[{j}].{sub}", "cannot be set for an Ephemeral Container"))


def validate_pod_ephemeral_containers_update(new: dict, old: dict) -> list[FieldError]:
    """``ValidatePodEphemeralContainersUpdate`` (the ``pods/ephemeralcontainers`` subresource):
    the pod as a whole must be valid, static pods take none, and ephemeral containers already
    there may be neither removed nor changed — only new ones added."""
    nmeta, ometa = new.get("metadata") or {}, old.get("metadata") or {}
    errs = validate_object_meta_update(nmeta, ometa)
    errs.extend(_pod_metadata_and_spec(new))
    errs.extend(_pod_annotation_update_errs(nmeta.get("annotations") or {}, ometa.get("annotations") or {}))
    if "kubernetes.io/config.mirror" in (ometa.get("annotations") or {}):
        return [_fb("", "static pods do not support ephemeral containers")]
    now = {c.get("name"): c for c in (new.get("spec") or {}).get("ephemeralContainers") or ()}
    for c in (old.get("spec") or {}).get("ephemeralContainers") or ():
        name = c.get("name")
        if name not in now:
            errs.append(_fb("spec.ephemeralContainers", f"existing ephemeral containers {go_quote(name)} may not be removed\n"))
        elif now[name] != c:     # (upstream appends a cmp.Diff of the two after the newline)
            errs.append(_fb("spec.ephemeralContainers", f"existing ephemeral containers {go_quote(name)} may not be changed\n"))
    return errs


# --------------------------------------------------------------------------------------------
# PodSpec (ValidatePodSpec) and its parts

_TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def validate_tolerations(tols: list, path: str) -> list[FieldError]:
    """``ValidateTolerations``."""
    errs: list[FieldError] = []
    for i, t in enumerate(tols):
        ip = f"{path}[{i}]"
        key = t.get("key") or ""
        op = t.get("operator") or ""
        effect = t.get("effect") or ""
        value = t.get("value") or ""
        if key:
            _qualified_name_errs(key, ip + ".key", errs)
        if not key and op != "Exists":
            errs.append(_inv(ip + ".operator", op,
                             "operator must be Exists when `key` is empty, which means \"match all values and all keys\""))
        if t.get("tolerationSeconds") is not None and effect != "NoExecute":
            errs.append(_inv(ip + ".effect", effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"))
        if op in ("Equal", ""):
            msgs = names.is_valid_label_value(value)
            if msgs:
                errs.append(_inv(ip + ".operator", value, ";".join(msgs)))
        elif op == "Exists":
            if value:
                errs.append(_inv(ip + ".operator", value, "value must be empty when `operator` is 'Exists'"))
        else:
            errs.append(_ns(ip + ".operator", op, ("Equal", "Exists")))
        if effect and effect not in _TAINT_EFFECTS:
            errs.append(_ns(ip + ".effect", effect, _TAINT_EFFECTS))
    return errs


def _node_selector_requirement_errs(rq: dict, path: str, allow_invalid_values: bool, errs: list) -> None:
    """``ValidateNodeSelectorRequirement``."""
    op = rq.get("operator") or ""
    values = rq.get("values") or []
    if op in ("In", "NotIn"):
        if not values:
            errs.append(_req(path + ".values", "must be specified when `operator` is 'In' or 'NotIn'"))
    elif op in ("Exists", "DoesNotExist"):
        if values:
            errs.append(_fb(path + ".values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
    elif op in ("Gt", "Lt"):
        if len(values) != 1:
            errs.append(_req(path + ".values", "must be specified single value when `operator` is 'Lt' or 'Gt'"))
    else:
        errs.append(_inv(path + ".operator", op, "not a valid selector operator"))
    _qualified_name_errs(rq.get("key") or "", path + ".key", errs)
    if not allow_invalid_values:
        for j, v in enumerate(values):
            for m in names.is_valid_label_value(v):
                errs.append(_inv(f"{path}.values[{j}]", v, m))


def _node_selector_term_errs(term: dict, allow_invalid: bool, path: str, errs: list) -> None:
    for j, rq in enumerate(term.get("matchExpressions") or ()):
        _node_selector_requirement_errs(rq, f"{path}.matchExpressions[{j}]", allow_invalid, errs)
    for j, rq in enumerate(term.get("matchFields") or ()):
        fp = f"{path}.matchFields[{j}]"
        op = rq.get("operator") or ""
        values = rq.get("values") or []
        if op in ("In", "NotIn"):
            if len(values) != 1:
                errs.append(_req(fp + ".values", "must be only one value when `operator` is 'In' or 'NotIn' for "
                                                 "node field selector"))
        else:
            errs.append(_inv(fp + ".operator", op, "not a valid selector operator"))
        if rq.get("key") != "metadata.name":
            errs.append(_inv(fp + ".key", rq.get("key") or "", "not a valid field selector key"))
        else:
            for k, v in enumerate(values):
                _name_fn_errs(names.name_is_dns_subdomain, v, f"{fp}.values[{k}]", errs)


def validate_node_selector(ns: dict, allow_invalid: bool, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    terms = ns.get("nodeSelectorTerms") or []
    if not terms:
        errs.append(_req(path + ".nodeSelectorTerms", "must have at least one node selector term"))
        return errs
    for i, term in enumerate(terms):
        _node_selector_term_errs(term, allow_invalid, f"{path}.nodeSelectorTerms[{i}]", errs)
    return errs


def _label_selector_errs(sel: dict | None, path: str) -> list[FieldError]:
    from kube_lab.api import selectors
    return selectors.validate_label_selector(sel, path)


def _pod_affinity_term_errs(term: dict, path: str, errs: list) -> None:
    """``validatePodAffinityTerm``."""
    errs.extend(_label_selector_errs(term.get("labelSelector"), path + ".labelSelector"))
    errs.extend(_label_selector_errs(term.get("namespaceSelector"), path + ".namespaceSelector"))
    for ns in term.get("namespaces") or ():
        for m in names.name_is_dns_label(ns, False):
            errs.append(_inv(path + ".namespace", ns, m))
    sel = term.get("labelSelector")
    for field_name in ("matchLabelKeys", "mismatchLabelKeys"):
        keys = term.get(field_name) or []
        if keys:
            if sel is None:
                errs.append(_fb(f"{path}.{field_name}", "must not be specified when labelSelector is not set"))
            else:
                for j, k in enumerate(keys):
                    _qualified_name_errs(k, f"{path}.{field_name}[{j}]", errs)
    mismatch = set(term.get("mismatchLabelKeys") or ())
    for j, k in enumerate(term.get("matchLabelKeys") or ()):
        if k in mismatch:
            errs.append(_inv(f"{path}.matchLabelKeys[{j}]", k, "exists in both matchLabelKeys and mismatchLabelKeys"))
    tk = term.get("topologyKey") or ""
    if not tk:
        errs.append(_req(path + ".topologyKey", "can not be empty"))
    _qualified_name_errs(tk, path + ".topologyKey", errs)


def _affinity_errs(aff: dict | None, path: str, errs: list) -> None:
    """``validateAffinity``."""
    if not aff:
        return
    na = aff.get("nodeAffinity")
    if na is not None:
        np = path + ".nodeAffinity"
        req = na.get("requiredDuringSchedulingIgnoredDuringExecution")
        if req is not None:
            errs.extend(validate_node_selector(req, False, np + ".requiredDuringSchedulingIgnoredDuringExecution"))
        for i, term in enumerate(na.get("preferredDuringSchedulingIgnoredDuringExecution") or ()):
            tp = f"{np}.preferredDuringSchedulingIgnoredDuringExecution[{i}]"
            w = term.get("weight") or 0
            if w <= 0 or w > 100:
                errs.append(_inv(tp + ".weight", w, "must be in the range 1-100"))
            _node_selector_term_errs(term.get("preference") or {}, True, tp + ".preference", errs)
    for kind in ("podAffinity", "podAntiAffinity"):
        pa = aff.get(kind)
        if pa is None:
            continue
        pp = f"{path}.{kind}"
        for i, term in enumerate(pa.get("requiredDuringSchedulingIgnoredDuringExecution") or ()):
            _pod_affinity_term_errs(term, f"{pp}.requiredDuringSchedulingIgnoredDuringExecution[{i}]", errs)
        for i, wt in enumerate(pa.get("preferredDuringSchedulingIgnoredDuringExecution") or ()):
            tp = f"{pp}.preferredDuringSchedulingIgnoredDuringExecution[{i}]"
            w = wt.get("weight") or 0
            if w <= 0 or w > 100:
                errs.append(_inv(tp + ".weight", w, "must be in the range 1-100"))
            _pod_affinity_term_errs(wt.get("podAffinityTerm") or {}, tp + ".podAffinityTerm", errs)


def _pod_security_context_errs(sc: dict | None, path: str, errs: list) -> None:
    """``validatePodSpecSecurityContext``."""
    if not sc:
        return
    _id_errs(sc.get("fsGroup"), path + ".fsGroup", errs)
    _id_errs(sc.get("runAsUser"), path + ".runAsUser", errs)
    _id_errs(sc.get("runAsGroup"), path + ".runAsGroup", errs)
    for g, gid in enumerate(sc.get("supplementalGroups") or ()):
        _id_errs(gid, f"{path}.supplementalGroups[{g}]", errs)
    sysctls = sc.get("sysctls") or []
    seen: set = set()
    for i, s in enumerate(sysctls):
        sn = s.get("name") or ""
        if not sn:
            errs.append(_req(f"{path}.sysctls[{i}].name"))
        elif sn in seen:
            errs.append(_dup(f"{path}.sysctls[{i}].name", sn))
        seen.add(sn)
    fcp = sc.get("fsGroupChangePolicy")
    if fcp is not None and fcp not in ("Always", "OnRootMismatch"):
        errs.append(_ns(path + ".fsGroupChangePolicy", fcp, ("Always", "OnRootMismatch")))
    _seccomp_errs(sc.get("seccompProfile"), path + ".seccompProfile", errs)
    _apparmor_errs(sc.get("appArmorProfile"), path + ".appArmorProfile", errs)
    sgp = sc.get("supplementalGroupsPolicy")
    if sgp is not None and sgp not in ("Merge", "Strict"):
        errs.append(_ns(path + ".supplementalGroupsPolicy", sgp, ("Merge", "Strict")))


def _dns_config_errs(cfg: dict | None, policy: str, path: str, errs: list) -> None:
    """``validatePodDNSConfig``."""
    if policy == "None":
        if cfg is None:
            errs.append(_req(path, "must provide `dnsConfig` when `dnsPolicy` is None"))
            return
        if not cfg.get("nameservers"):
            errs.append(_req(path + ".nameservers", "must provide at least one DNS nameserver when `dnsPolicy` is None"))
            return
    if cfg is None:
        return
    ns = cfg.get("nameservers") or []
    if len(ns) > 3:
        errs.append(_inv(path + ".nameservers", list(ns), "must not have more than 3 nameservers"))
    for i, n in enumerate(ns):
        _valid_ip_errs(f"{path}.nameservers[{i}]", n, errs)
    searches = cfg.get("searches") or []
    if len(searches) > 32:
        errs.append(_inv(path + ".searches", list(searches), "must not have more than 32 search paths"))
    if len(" ".join(searches)) > 2048:
        errs.append(_inv(path + ".searches", list(searches),
                         "must not have more than 2048 characters (including spaces) in the search list"))
    for i, s in enumerate(searches):
        s = s[:-1] if s.endswith(".") else s
        _dns_subdomain_errs(s, f"{path}.searches[{i}]", errs)
    for i, opt in enumerate(cfg.get("options") or ()):
        if not opt.get("name"):
            errs.append(_req(f"{path}.options[{i}]", "must not be empty"))


def _topology_spread_errs(constraints: list | None, path: str, errs: list) -> None:
    """``validateTopologySpreadConstraints``."""
    cs = constraints or []
    for i, c in enumerate(cs):
        sp = f"{path}[{i}]"
        skew = c.get("maxSkew") or 0
        if skew <= 0:
            errs.append(_inv(sp + ".maxSkew", skew, NOT_POSITIVE_MSG))
        tk = c.get("topologyKey") or ""
        if not tk:
            errs.append(_req(sp + ".topologyKey", "can not be empty"))
        wu = c.get("whenUnsatisfiable") or ""
        if wu not in ("DoNotSchedule", "ScheduleAnyway"):
            errs.append(_ns(sp + ".whenUnsatisfiable", wu, ("DoNotSchedule", "ScheduleAnyway")))
        for rest in cs[i + 1:]:
            if (rest.get("topologyKey") or "") == tk and (rest.get("whenUnsatisfiable") or "") == wu:
                errs.append(_dup(sp + ".{topologyKey, whenUnsatisfiable}", f"{{{tk}, {wu}}}"))
                break
        md = c.get("minDomains")
        if md is not None:
            if md <= 0:
                errs.append(_inv(sp + ".minDomains", md, NOT_POSITIVE_MSG))
            if wu != "DoNotSchedule":
                errs.append(_inv(sp + ".minDomains", md,
                                 f"can only use minDomains if whenUnsatisfiable=DoNotSchedule, not {wu}"))
        for f in ("nodeAffinityPolicy", "nodeTaintsPolicy"):
            v = c.get(f)
            if v is not None and v not in ("Honor", "Ignore"):
                errs.append(_ns(f"{sp}.{f}", v, ("Honor", "Ignore")))
        keys = c.get("matchLabelKeys") or []
        sel = c.get("labelSelector")
        if keys:
            sel_keys: set = set()
            if sel is not None:
                sel_keys.update((sel.get("matchLabels") or {}).keys())
                sel_keys.update(e.get("key") for e in sel.get("matchExpressions") or ())
            else:
                errs.append(_fb(sp + ".matchLabelKeys", "must not be specified when labelSelector is not set"))
            for j, k in enumerate(keys):
                _qualified_name_errs(k, f"{sp}.matchLabelKeys[{j}]", errs)
                if k in sel_keys:
                    errs.append(_inv(f"{sp}.matchLabelKeys[{j}]", k, "exists in both matchLabelKeys and labelSelector"))
        errs.extend(_label_selector_errs(sel, sp + ".labelSelector"))


def _pod_specific_annotations_errs(ann: dict | None, spec: dict, path: str, errs: list) -> None:
    """``ValidatePodSpecificAnnotations`` (mirror pods, deletion cost, seccomp and AppArmor annotations)."""
    if not ann:
        return
    if "kubernetes.io/config.mirror" in ann and not spec.get("nodeName"):
        errs.append(_inv(path + "[kubernetes.io/config.mirror]", ann["kubernetes.io/config.mirror"],
                         "must set spec.nodeName if mirror pod annotation is set"))
    cost = ann.get("controller.kubernetes.io/pod-deletion-cost")
    if cost is not None and not _is_int32_text(cost):
        errs.append(_inv(path + "[controller.kubernetes.io/pod-deletion-cost]", cost, "must be a 32bit integer"))
    for k in sorted(ann):
        if k == "seccomp.security.alpha.kubernetes.io/pod" or k.startswith("container.seccomp.security.alpha.kubernetes.io/"):
            p = ann[k]
            if p in ("runtime/default", "docker/default", "unconfined"):
                continue
            if p.startswith("localhost/"):
                _local_descending_errs(p[len("localhost/"):], f"{path}.{k}", errs)
            else:
                errs.append(_inv(f"{path}.{k}", p, "must be a valid seccomp profile"))
    for k in sorted(ann):
        if k.startswith("container.apparmor.security.beta.kubernetes.io/"):
            cname = k[len("container.apparmor.security.beta.kubernetes.io/"):]
            all_ctrs = (spec.get("containers") or []) + (spec.get("initContainers") or []) + \
                (spec.get("ephemeralContainers") or [])
            if not any((c.get("name") or "") == cname for c in all_ctrs):
                errs.append(_inv(f"{path}[{k}]", cname, "container not found"))
            prof = ann[k]
            if prof not in ("", "runtime/default", "unconfined") and not prof.startswith("localhost/"):
                errs.append(_inv(f"{path}[{k}]", prof, f"invalid AppArmor profile name: {go_quote(prof)}"))


def _is_int32_text(s: str) -> bool:
    if not re.fullmatch(r"[+-]?[0-9]+", s or ""):
        return False
    return -(1 << 31) <= int(s) < (1 << 31)


# --------------------------------------------------------------------------------------------
# Memo of valid pod specs.
#
# A controller stamps out pods that differ only in their names, so the same pod (spec) is validated
# over and over. A value found *valid* is remembered, and a later value equal to it is accepted
# without the walk. Invalid values are never remembered: anything wrong is always found by the full
# validation, so every error, and the order of errors, is exactly as before. Three checks use it,
# each with its own list of up to _MEMO_ENTRIES values, most recently used first: ``validate_pod_spec``
# (per path and resource_is_pod), the spec part of pod validation ("pod", on update) and
# ``validate_pod`` ("create": the spec together with every metadata field ``ValidatePodCreate``
# reads except the name, which is checked on every hit; its checks depend on nothing else).
#
# Only a value found valid a second time is remembered (the first time, a cheap fingerprint of it
# is noted in _SEEN): many valid values come only once (the pods of a StatefulSet differ in their
# hostname), and remembering one costs more than validating it.
#
# Equality. A remembered value is a private deep copy, made with marshal, which refuses anything but
# the builtin types (subclasses included): the copy holds exact dicts, lists, strs, ints, floats,
# bools and None. Objects reaching validation are JSON-shaped like that (decoded, deep-copied or
# built from literals; see ``kube_lab.api.meta.deep_copy``), and the memo relies on it: for such
# values ``==`` is equality of JSON values (regardless of the order of an object's keys, which
# validation does not depend on either: upstream decodes objects into structs and maps), except
# that it does not tell ``True``, ``1`` and ``1.0`` apart (nor ``0.0`` and ``-0.0``), which
# validation may. So each remembered value comes with a generated function checking the exact type
# (for a float: the text) of every number and bool where the remembered value has one; ``==`` plus
# that check is equality of typed JSON values, and equal values validate alike.
#
# The generated volume name. The ServiceAccount admission plugin adds a projected volume
# ``kube-api-access-<5 random characters>`` to every pod and mounts it into every container, which
# would make every pod spec unique. So in a remembered spec the name X of such a volume (the first
# volume whose name matches _SA_VOLUME_RE) is replaced, at every *volume reference position*
# holding it -- ``volumes[*].name`` and the ``name`` of ``volumeMounts``/``volumeDevices`` entries of
# containers, init containers and ephemeral containers -- by _X, which is equal to any str matching
# the pattern, but to the same one at all positions within one comparison. A value equal to such a
# remembered spec is therefore the same spec with X renamed to another matching name X' at exactly
# those positions. It validates alike, because:
#
# * validation looks at volume names only through the DNS-1123 label check (every name matching
#   the pattern passes it) and through equality among reference positions (duplicate volumes,
#   mounts and devices naming a volume);
# * those equalities are the same for X and X': a spec is only remembered when no *other* volume
#   reference position holds a name matching the pattern, so the other reference positions (equal
#   in both) differ from X and from X' alike;
# * the one other use of a volume name, the PVC name ``<pod name>-<volume name>`` of an ephemeral
#   volume (compared with claim names elsewhere in the spec), is excluded: a spec with an ephemeral
#   volume is never remembered (so nothing remembered depends on the pod's metadata either).
#
# A user volume that shares X is masked alike, so a duplicate stays a duplicate (and an invalid spec
# is never remembered anyway). (_X keeps its binding in a module global: validation runs on the
# simulator's one thread.)

_cache_enabled = True
_MEMO: dict[Any, list] = {}        # check -> [(remembered value, exact-number check), ...], MRU first
_MEMO_ENTRIES = 16
_SEEN: dict[tuple, None] = {}      # (check, fingerprint) of values found valid once
_SEEN_MAX = 512
_NUMBER_CHECKS: dict[str, Callable] = {}   # generated source -> compiled function
_NUMBER_CHECKS_MAX = 256
_SA_VOLUME_RE = re.compile(r"kube-api-access-[a-z0-9]{5}")
_SA_VOLUME_FULLMATCH = _SA_VOLUME_RE.fullmatch
_DNS1123_SUBDOMAIN_FULLMATCH = re.compile(names.DNS1123_SUBDOMAIN_FMT).fullmatch
_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
_VOLUME_REFS = ("volumeMounts", "volumeDevices")
_bound: list = [None]              # the name _X stands for in the comparison under way


class _GeneratedVolumeName:
    """_X: equal to one exact str matching _SA_VOLUME_RE, the same one within one comparison."""
    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]

    def __eq__(self, other: Any) -> bool:
        if type(other) is not str:
            return False
        x = _bound[0]
        if x is None:
            if _SA_VOLUME_FULLMATCH(other) is None:
                return False
            _bound[0] = other
            return True
        return other == x

    def __repr__(self) -> str:
        return "<kube-api-access-?????>"


_X = _GeneratedVolumeName()


def set_cache_enabled(enabled: bool) -> None:
    """Use the memo of valid pod specs and the memos of name checks, or not (tests compare both
    ways). What the memos hold stays true either way, so turning them off does not empty them."""
    global _cache_enabled
    _cache_enabled = bool(enabled)
    names.set_memo_enabled(enabled)


def clear_caches() -> None:
    """Empty the memo of valid pod specs and the memos of name checks."""
    _MEMO.clear()
    _SEEN.clear()
    names.clear_memo()


def _remembered(check: Any, value: tuple) -> bool:
    """Whether ``value`` equals a value remembered as valid for ``check`` (see above)."""
    entries = _MEMO.get(check)
    if not entries:
        return False
    try:
        for i, (known, exact_numbers) in enumerate(entries):
            _bound[0] = None
            if known == value and exact_numbers(value):
                if i:
                    entries.insert(0, entries.pop(i))
                return True
    except Exception:  # (a value that is not JSON-shaped may fail to compare: not remembered)
        pass
    return False


def _remember(check: Any, value: tuple) -> None:
    """Note that ``value`` (``(extra, spec)``) was just found valid for ``check``: the second time,
    remember it, unless it may not be."""
    try:
        # the fingerprint only decides whether to remember, so it need not be exact: marshal
        # version 0 (no sharing or interning marks: only the value and its key order count) with
        # the generated volume name blanked
        fingerprint = marshal.dumps(value, 0)
        for v in value[1].get("volumes") or ():
            n = v.get("name")
            if type(n) is str and _SA_VOLUME_FULLMATCH(n) is not None:
                fingerprint = fingerprint.replace(n.encode(), b"?" * len(n))
                break
        seen = (check, fingerprint)
        if seen not in _SEEN:
            if len(_SEEN) >= _SEEN_MAX:
                _SEEN.clear()
            _SEEN[seen] = None
            return
        del _SEEN[seen]
        known = marshal.loads(marshal.dumps(value, 0))  # a deep copy, nothing shared
        holders = _generated_name_holders(known[1])
        if holders is None:
            return
        for holder in holders:
            holder["name"] = _X
        exact_numbers = _exact_number_check(known)
    except Exception:  # not JSON-shaped (unmarshallable, too deep, ...): not remembered
        return
    if exact_numbers is None:
        return
    entries = _MEMO.setdefault(check, [])
    entries.insert(0, (known, exact_numbers))
    del entries[_MEMO_ENTRIES:]


def _generated_name_holders(spec: Any) -> list | None:
    """The dicts (volumes, volume mounts and devices) whose ``name`` is the generated volume name,
    or None when the spec must not be remembered: not the expected shape, an ephemeral volume, or a
    second name matching the pattern at a volume reference position."""
    if type(spec) is not dict:
        return None
    vols = spec.get("volumes") or []
    if type(vols) is not list:
        return None
    x = None
    holders = []
    for v in vols:
        if type(v) is not dict or v.get("ephemeral") is not None:
            return None
        n = v.get("name")
        if type(n) is str and _SA_VOLUME_FULLMATCH(n) is not None:
            if x is None:
                x = n
            elif n != x:
                return None
            holders.append(v)
    if x is None:
        return holders
    for field in _CONTAINER_LISTS:
        ctrs = spec.get(field) or []
        if type(ctrs) is not list:
            return None
        for c in ctrs:
            if type(c) is not dict:
                return None
            for ref_field in _VOLUME_REFS:
                refs = c.get(ref_field) or []
                if type(refs) is not list:
                    return None
                for r in refs:
                    if type(r) is not dict:
                        return None
                    n = r.get("name")
                    if type(n) is str and _SA_VOLUME_FULLMATCH(n) is not None:
                        if n != x:
                            return None
                        holders.append(r)
    return holders


def _exact_number_check(known: Any) -> Callable[[Any], bool] | None:
    """A function telling whether a value ``== known`` has, wherever ``known`` has a number or a
    bool, one of the same type (and, for a float, the same text: ``-0.0 == 0.0``). None when
    ``known`` is not JSON-shaped (dict keys other than str, types other than JSON's). The function
    is generated (straight-line code is several times faster than walking a list of paths) and
    shared by values with the same numbers at the same places."""
    counter = [0]

    def visit(node: Any, var: str) -> list[str] | None:
        out: list[str] = []
        is_dict = type(node) is dict
        for k, child in node.items() if is_dict else enumerate(node):
            if is_dict and type(k) is not str:
                return None
            ct = type(child)
            if ct is str or child is None or child is _X:
                continue
            ref = f"{var}[{k!r}]"
            if ct is bool:
                out.append(f"if {ref} is not {child!r}: return False")
            elif ct is int:
                out.append(f"if type({ref}) is not int: return False")
            elif ct is float:
                out.append(f"v = {ref}")
                out.append(f"if type(v) is not float or repr(v) != {repr(child)!r}: return False")
            elif ct is dict or ct is list or ct is tuple:
                counter[0] += 1
                sub_var = f"n{counter[0]}"
                sub = visit(child, sub_var)
                if sub is None:
                    return None
                if sub:
                    out.append(f"{sub_var} = {ref}")
                    out.extend(sub)
            else:
                return None
        return out

    body = visit(known, "value")
    if body is None:
        return None
    source = "\n".join(["def exact_numbers(value):", *("    " + line for line in body), "    return True"])
    fn = _NUMBER_CHECKS.get(source)
    if fn is None:
        namespace: dict = {"type": type, "int": int, "float": float, "repr": repr}
        exec(compile(source, "<validation memo>", "exec"), namespace)
        if len(_NUMBER_CHECKS) >= _NUMBER_CHECKS_MAX:
            _NUMBER_CHECKS.clear()
        fn = _NUMBER_CHECKS[source] = namespace["exact_numbers"]
    return fn


def validate_pod_spec(spec: dict, pod_meta: dict | None, path: str, resource_is_pod: bool = False) -> list[FieldError]:
    """``ValidatePodSpec``, in upstream's order of checks (valid specs are remembered, see above)."""
    memo = (None, spec) if _cache_enabled and type(spec) is dict else None
    if memo is not None and _remembered((path, resource_is_pod), memo):
        return []
    errs = _validate_pod_spec(spec, pod_meta, path, resource_is_pod)
    if not errs and memo is not None:
        _remember((path, resource_is_pod), memo)
    return errs


def _validate_pod_spec(spec: dict, pod_meta: dict | None, path: str, resource_is_pod: bool) -> list[FieldError]:
    errs: list[FieldError] = []
    grace = spec.get("terminationGracePeriodSeconds")
    if grace is None:
        errs.append(_req(path + ".terminationGracePeriodSeconds"))
    sc = spec.get("securityContext") or {}
    host_users = sc.get("hostUsers") is not False
    vols, verrs = validate_volumes(spec.get("volumes"), pod_meta, path + ".volumes")
    errs.extend(verrs)
    claims = spec.get("resourceClaims")
    if claims:
        seen: set = set()
        for i, c in enumerate(claims):
            cp = f"{path}.resourceClaims[{i}]"
            cn = c.get("name") or ""
            if not cn:
                errs.append(_req(cp + ".name"))
            elif cn in seen:
                errs.append(_dup(cp + ".name", cn))
            else:
                _dns_label_errs(cn, cp + ".name", errs)
                seen.add(cn)
    containers = spec.get("containers")
    _containers_errs(containers, vols, grace, path + ".containers", host_users, errs)
    _init_containers_errs(spec.get("initContainers"), containers, vols, grace, path + ".initContainers",
                          host_users, errs)
    _ephemeral_containers_errs(spec.get("ephemeralContainers"), containers, spec.get("initContainers"), vols,
                               path + ".ephemeralContainers", host_users, errs)
    if spec.get("hostNetwork"):
        for i, ctr in enumerate(containers or ()):
            for j, port in enumerate(ctr.get("ports") or ()):
                hp, cp = port.get("hostPort") or 0, port.get("containerPort") or 0
                if (resource_is_pod or hp != 0) and hp != cp:
                    errs.append(_inv(f"{path}.containers[{i}].ports[{j}].hostPort", hp,
                                     "must match `containerPort` when `hostNetwork` is true"))
    rp = spec.get("restartPolicy") or ""
    if rp not in _RESTART_POLICIES:
        errs.append(_req(path + ".restartPolicy") if rp == "" else _ns(path + ".restartPolicy", rp, _RESTART_POLICIES))
    dp = spec.get("dnsPolicy") or ""
    if dp not in _DNS_POLICIES:
        errs.append(_req(path + ".dnsPolicy") if dp == "" else _ns(path + ".dnsPolicy", dp, _DNS_POLICIES))
    if spec.get("nodeSelector"):
        errs.extend(names.validate_labels(spec["nodeSelector"], path + ".nodeSelector"))
    _pod_security_context_errs(spec.get("securityContext"), path + ".securityContext", errs)
    for i, ref in enumerate(spec.get("imagePullSecrets") or ()):
        if set(ref) - {"name"}:
            errs.append(_inv(f"{path}.imagePullSecrets[{i}]", GoRepr(go_struct("core.LocalObjectReference", ref)),
                             "only name may be set"))
    _affinity_errs(spec.get("affinity"), path + ".affinity", errs)
    _dns_config_errs(spec.get("dnsConfig"), dp, path + ".dnsConfig", errs)
    for i, g in enumerate(spec.get("readinessGates") or ()):
        _qualified_name_errs(g.get("conditionType") or "", f"{path}.readinessGates[{i}].conditionType", errs)
    gates_seen: set = set()
    for i, g in enumerate(spec.get("schedulingGates") or ()):
        gn = g.get("name") or ""
        _qualified_name_errs(gn, f"{path}.schedulingGates[{i}]", errs)
        if gn in gates_seen:
            errs.append(_dup(f"{path}.schedulingGates[{i}]", gn))
        gates_seen.add(gn)
    if spec.get("topologySpreadConstraints"):
        _topology_spread_errs(spec["topologySpreadConstraints"], path + ".topologySpreadConstraints", errs)
    if not host_users:
        if spec.get("hostNetwork"):
            errs.append(_fb(path + ".hostNetwork", "when `pod.Spec.HostUsers` is false"))
        if spec.get("hostPID"):
            errs.append(_fb(path + ".HostPID", "when `pod.Spec.HostUsers` is false"))
        if spec.get("hostIPC"):
            errs.append(_fb(path + ".HostIPC", "when `pod.Spec.HostUsers` is false"))
    if spec.get("serviceAccountName"):
        _name_fn_errs(names.name_is_dns_subdomain, spec["serviceAccountName"], path + ".serviceAccountName", errs)
    if spec.get("nodeName"):
        _name_fn_errs(names.name_is_dns_subdomain, spec["nodeName"], path + ".nodeName", errs)
    ads = spec.get("activeDeadlineSeconds")
    if ads is not None and (ads < 1 or ads > MAX_INT32):
        errs.append(_inv(path + ".activeDeadlineSeconds", ads, _inclusive_range(1, MAX_INT32)))
    if spec.get("hostname"):
        _dns_label_errs(spec["hostname"], path + ".hostname", errs)
    if spec.get("subdomain"):
        _dns_label_errs(spec["subdomain"], path + ".subdomain", errs)
    if spec.get("tolerations"):
        errs.extend(validate_tolerations(spec["tolerations"], path + ".tolerations"))
    for i, ha in enumerate(spec.get("hostAliases") or ()):
        _valid_ip_errs(f"{path}.hostAliases[{i}].ip", ha.get("ip") or "", errs)
        for j, hn in enumerate(ha.get("hostnames") or ()):
            _dns_subdomain_errs(hn, f"{path}.hostAliases[{i}].hostnames[{j}]", errs)
    if spec.get("priorityClassName"):
        _name_fn_errs(names.name_is_dns_subdomain, spec["priorityClassName"], path + ".priorityClassName", errs)
    if spec.get("runtimeClassName") is not None:
        _name_fn_errs(names.name_is_dns_subdomain, spec["runtimeClassName"], path + ".runtimeClassName", errs)
    pp = spec.get("preemptionPolicy")
    if pp is not None:
        if pp == "":
            errs.append(_req(path + ".preemptionPolicy"))
        elif pp not in ("PreemptLowerPriority", "Never"):
            errs.append(_ns(path + ".preemptionPolicy", pp, ("PreemptLowerPriority", "Never")))
    if spec.get("overhead") is not None:
        errs.extend(validate_resource_requirements({"limits": spec["overhead"]}, path + ".overhead"))
    os_ = spec.get("os")
    if os_ is not None:
        osn = os_.get("name") or ""
        if not osn:
            errs.append(_req(path + ".os.name", "cannot be empty"))
        elif osn not in ("linux", "windows"):
            errs.append(_ns(path + ".os", osn, ("linux", "windows")))
        elif osn == "linux":
            if (spec.get("securityContext") or {}).get("windowsOptions") is not None:
                errs.append(_fb(path + ".securityContext.windowsOptions", "windows options cannot be set for a linux pod"))
            for field_name in ("initContainers", "containers", "ephemeralContainers"):
                for i, c in enumerate(spec.get(field_name) or ()):
                    if (c.get("securityContext") or {}).get("windowsOptions") is not None:
                        errs.append(_fb(f"{path}.{field_name}[{i}].securityContext.windowsOptions",
                                        "windows options cannot be set for a linux pod"))
    return errs


def validate_pod_template_spec(tmpl: dict | None, path: str) -> list[FieldError]:
    """``ValidatePodTemplateSpec``: template labels/annotations (at ``<path>.labels``) and the pod spec."""
    tmpl = tmpl or {}
    meta = tmpl.get("metadata") or {}
    spec = tmpl.get("spec") or {}
    errs: list[FieldError] = []
    if meta.get("labels"):
        errs.extend(names.validate_labels(meta["labels"], path + ".labels"))
    if meta.get("annotations"):
        errs.extend(validate_annotations(meta["annotations"], path + ".annotations"))
        _pod_specific_annotations_errs(meta["annotations"], spec, path + ".annotations", errs)
    errs.extend(validate_pod_spec(spec, None, path + ".spec"))
    if spec.get("ephemeralContainers"):
        errs.append(_fb(path + ".spec.ephemeralContainers", "ephemeral containers not allowed in pod template"))
    return errs


# --------------------------------------------------------------------------------------------
# Pod (ValidatePodCreate, ValidatePodUpdate, ValidatePodStatusUpdate)


def _pod_metadata_and_spec(pod: dict, spec_memo: bool = True) -> list[FieldError]:
    """``validatePodMetadataAndSpec``."""
    meta = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    errs = validate_object_meta(meta, True)
    _pod_specific_annotations_errs(meta.get("annotations"), spec, "metadata.annotations", errs)
    errs.extend(_pod_spec_errs(spec, meta, spec_memo))
    return errs


def _pod_spec_errs(spec: dict, meta: dict, use_memo: bool) -> list[FieldError]:
    """The spec part of ``validatePodMetadataAndSpec``: ``ValidatePodSpec`` and the pod-only spec
    checks after it, all functions of the spec alone (valid specs are remembered, see above)."""
    memo = (None, spec) if use_memo and _cache_enabled and type(spec) is dict else None
    if memo is not None and _remembered("pod", memo):
        return []
    errs = _validate_pod_spec(spec, meta, "spec", True)
    if not spec.get("serviceAccountName"):
        for vi, vol in enumerate(spec.get("volumes") or ()):
            proj = vol.get("projected")
            if proj is None:
                continue
            for si, src in enumerate(proj.get("sources") or ()):
                if src.get("serviceAccountToken") is not None:
                    errs.append(_fb(f"spec.volumes[{vi}].projected.sources[{si}].serviceAccountToken",
                                    "must not be specified when serviceAccountName is not set"))
    for field_name in ("containers", "initContainers"):
        for i, ctr in enumerate(spec.get(field_name) or ()):
            image = ctr.get("image") or ""
            if image != image.strip():
                errs.append(_inv(f"spec.{field_name}[{i}].image", image, "must not have leading or trailing whitespace"))
    if not errs and memo is not None:
        _remember("pod", memo)
    return errs


def validate_pod(pod: dict) -> list[FieldError]:
    """``ValidatePodCreate``. A pod equal to one found valid, but for its name, is valid when its
    name is (see the memo of valid pod specs above): the spec and every metadata field read here
    except the name are remembered (uid, creationTimestamp etc. are not validated on create)."""
    memo = None
    if _cache_enabled and type(pod) is dict:
        meta = pod.get("metadata")
        if type(meta) is dict:
            get = meta.get
            memo = ((get("generateName"), get("namespace"), get("generation"), get("labels"), get("annotations"),
                     get("ownerReferences"), get("finalizers"), get("managedFields")), pod.get("spec"))
            if _remembered("create", memo):
                name = get("name")
                # == names.is_valid_dns1123_subdomain(name): the name checks find nothing
                if (type(name) is str and 0 < len(name) <= names.DNS1123_SUBDOMAIN_MAX_LENGTH
                        and _DNS1123_SUBDOMAIN_FULLMATCH(name) is not None):
                    return []
    errs = _pod_metadata_and_spec(pod, spec_memo=memo is None)   # (one memo is enough)
    spec = pod.get("spec") or {}
    if spec.get("ephemeralContainers"):
        errs.append(_fb("spec.ephemeralContainers", "cannot be set on create"))
    if spec.get("nodeName") and spec.get("schedulingGates"):
        errs.append(_fb("spec.nodeName", "cannot be set until all schedulingGates have been cleared"))
    if not errs and memo is not None:
        _remember("create", memo)
    return errs


UPDATABLE_POD_SPEC_FIELDS = (
    "`spec.containers[*].image`",
    "`spec.initContainers[*].image`",
    "`spec.activeDeadlineSeconds`",
    "`spec.tolerations` (only additions to existing tolerations)",
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
)
POD_UPDATE_FORBIDDEN_MSG = ("pod updates may not change fields other than "
                            + ",".join(UPDATABLE_POD_SPEC_FIELDS))


def _diff_lines(old: Any, new: Any, path: str, out: list) -> None:
    if old == new:
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for k in list(old) + [k for k in new if k not in old]:
            _diff_lines(old.get(k), new.get(k), f"{path}.{k}" if path else k, out)
        return
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (o, n) in enumerate(zip(old, new)):
            _diff_lines(o, n, f"{path}[{i}]", out)
        return
    if old is not None:
        out.append(f"- \t{path}: {_diff_value(old)},")
    if new is not None:
        out.append(f"+ \t{path}: {_diff_value(new)},")


def _diff_value(v: Any) -> str:
    if isinstance(v, (dict, list)):
        return json.dumps(v, sort_keys=True, separators=(",", ":"))
    return go_value(v)


def spec_diff(old: Any, new: Any, type_name: str) -> str:
    """A compact stand-in for ``cmp.Diff(old, new)``: changed JSON paths as ``-``/``+`` lines."""
    lines: list[str] = []
    _diff_lines(old, new, "", lines)
    return "\n".join([f"  {type_name}{{"] + lines + ["  }"]) + "\n"


def _toleration_key(t: dict) -> tuple:
    return (t.get("key") or "", t.get("operator") or "", t.get("value") or "", t.get("effect") or "")


def validate_pod_update(new: dict, old: dict) -> list[FieldError]:
    """``ValidatePodUpdate``."""
    nmeta, ometa = new.get("metadata") or {}, old.get("metadata") or {}
    nspec, ospec = new.get("spec") or {}, old.get("spec") or {}
    errs = validate_object_meta_update(nmeta, ometa)
    errs.extend(_pod_metadata_and_spec(new))
    errs.extend(_pod_annotation_update_errs(nmeta.get("annotations") or {}, ometa.get("annotations") or {}))
    _pod_specific_annotations_errs(nmeta.get("annotations"), nspec, "metadata.annotations", errs)
    for field_name in ("containers", "initContainers"):
        nc, oc = nspec.get(field_name) or [], ospec.get(field_name) or []
        if len(nc) != len(oc):
            errs.append(_fb(f"spec.{field_name}", "pod updates may not add or remove containers"))
            return errs
        for i, c in enumerate(nc):
            image = c.get("image") or ""
            if not image:
                errs.append(_req(f"spec.{field_name}[{i}].image"))
            if image != image.strip():
                errs.append(_inv(f"spec.{field_name}[{i}].image", image, "must not have leading or trailing whitespace"))
    nads, oads = nspec.get("activeDeadlineSeconds"), ospec.get("activeDeadlineSeconds")
    if nads is not None:
        if nads < 0 or nads > MAX_INT32:
            errs.append(_inv("spec.activeDeadlineSeconds", nads, _inclusive_range(0, MAX_INT32)))
            return errs
        if oads is not None and oads < nads:
            errs.append(_inv("spec.activeDeadlineSeconds", nads, "must be less than or equal to previous value"))
            return errs
    elif oads is not None:
        errs.append(_inv("spec.activeDeadlineSeconds", None, "must not update from a positive integer to nil value"))
    ntols, otols = nspec.get("tolerations") or [], ospec.get("tolerations") or []
    new_keys = {_toleration_key(t) for t in ntols}
    if any(_toleration_key(t) not in new_keys for t in otols):
        errs.append(_fb("spec.tolerations", "existing toleration can not be modified except its tolerationSeconds"))
    elif ntols:
        errs.extend(validate_tolerations(ntols, "spec.tolerations"))
    ngates = nspec.get("schedulingGates") or []
    ogate_names = {g.get("name") for g in ospec.get("schedulingGates") or ()}
    for i, g in enumerate(ngates):
        if g.get("name") not in ogate_names:
            errs.append(_fb(f"spec.schedulingGates[{i}].name",
                            f"only deletion is allowed, but found new scheduling gate '{g.get('name')}'"))
    if nspec == ospec:
        return errs
    munged = dict(nspec)
    for field_name in ("containers", "initContainers"):
        if field_name in munged or field_name in ospec:
            munged[field_name] = [dict(c, image=o.get("image")) if "image" in o else
                                  {k: v for k, v in c.items() if k != "image"}
                                  for c, o in zip(nspec.get(field_name) or [], ospec.get(field_name) or [])]
            if field_name not in ospec and not munged[field_name]:
                del munged[field_name]
    for field_name in ("activeDeadlineSeconds", "schedulingGates", "tolerations"):
        munged.pop(field_name, None)
        if field_name in ospec:
            munged[field_name] = ospec[field_name]
    otg = ospec.get("terminationGracePeriodSeconds")
    if otg is not None and otg < 0 and munged.get("terminationGracePeriodSeconds") == 1:
        munged["terminationGracePeriodSeconds"] = otg
    if ospec.get("schedulingGates"):
        onsel = ospec.get("nodeSelector") or {}
        nnsel = munged.get("nodeSelector") or {}
        if nnsel != onsel:
            for k, v in onsel.items():
                if nnsel.get(k) != v:
                    errs.append(_inv("spec.nodeSelector", dict(nnsel),
                                     "only additions to spec.nodeSelector are allowed (no mutations or deletions)"))
                    break
            munged.pop("nodeSelector", None)
            if "nodeSelector" in ospec:
                munged["nodeSelector"] = ospec["nodeSelector"]
    if not _semantic_equal(munged, ospec):
        errs.append(_fb("spec", POD_UPDATE_FORBIDDEN_MSG + "\n" + spec_diff(ospec, munged, "core.PodSpec")))
    return errs


def _semantic_equal(a: Any, b: Any) -> bool:
    """``apiequality.Semantic.DeepEqual`` on JSON: absent, null and empty collections compare equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in set(a) | set(b):
            if not _semantic_equal(a.get(k), b.get(k)):
                return False
        return True
    if a in (None, {}, []) and b in (None, {}, []):
        return True
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_semantic_equal(x, y) for x, y in zip(a, b))
    return a == b


def _pod_annotation_update_errs(new: dict, old: dict) -> list[FieldError]:
    """``ValidatePodSpecificAnnotationUpdates`` (AppArmor and mirror-pod annotations are fixed)."""
    errs: list[FieldError] = []
    path = "metadata.annotations"
    for k in sorted(old):
        if k in new and new[k] == old[k]:
            continue
        if k.startswith("container.apparmor.security.beta.kubernetes.io/"):
            errs.append(_fb(f"{path}[{k}]", "may not remove or update AppArmor annotations"))
        if k == "kubernetes.io/config.mirror":
            errs.append(_fb(f"{path}[{k}]", "may not remove or update mirror pod annotation"))
    for k in sorted(new):
        if k in old:
            continue
        if k.startswith("container.apparmor.security.beta.kubernetes.io/"):
            errs.append(_fb(f"{path}[{k}]", "may not add AppArmor annotations"))
        if k == "kubernetes.io/config.mirror":
            errs.append(_fb(f"{path}[{k}]", "may not add mirror pod annotation"))
    return errs


_SYSTEM_POD_CONDITIONS = frozenset({"PodScheduled", "Ready", "Initialized"})


def validate_pod_status_update(new: dict, old: dict) -> list[FieldError]:
    """``ValidatePodStatusUpdate``."""
    nmeta, ometa = new.get("metadata") or {}, old.get("metadata") or {}
    nspec, ospec = new.get("spec") or {}, old.get("spec") or {}
    nst, ost = new.get("status") or {}, old.get("status") or {}
    errs = validate_object_meta_update(nmeta, ometa)
    errs.extend(_pod_annotation_update_errs(nmeta.get("annotations") or {}, ometa.get("annotations") or {}))
    _pod_specific_annotations_errs(nmeta.get("annotations"), nspec, "metadata.annotations", errs)
    for i, c in enumerate(nst.get("conditions") or ()):
        t = c.get("type") or ""
        if t not in _SYSTEM_POD_CONDITIONS:
            _qualified_name_errs(t, f"metadata.conditions[{i}].Type", errs)
    if (nspec.get("nodeName") or "") != (ospec.get("nodeName") or ""):
        errs.append(_fb("status.nodeName", "may not be changed directly"))
    nnn = nst.get("nominatedNodeName") or ""
    if nnn and nnn != (ost.get("nominatedNodeName") or ""):
        _name_fn_errs(names.name_is_dns_subdomain, nnn, "status.nominatedNodeName", errs)
    if (nst.get("qosClass") or "") != (ost.get("qosClass") or ""):
        errs.append(_inv("status.qosClass", nst.get("qosClass") or "", IMMUTABLE_MSG))
    policy = ospec.get("restartPolicy") or ""
    for field_name, pol in (("containerStatuses", policy), ("initContainerStatuses", policy),
                            ("ephemeralContainerStatuses", "Never")):
        if pol == "Always":
            continue
        news = nst.get(field_name) or []
        for i, o in enumerate(ost.get(field_name) or ()):
            term = (o.get("state") or {}).get("terminated")
            if term is None:
                continue
            if (term.get("exitCode") or 0) != 0 and pol == "OnFailure":
                continue
            if field_name == "initContainerStatuses" and any(
                    c.get("name") == o.get("name") and c.get("restartPolicy") == "Always"
                    for c in ospec.get("initContainers") or ()):
                continue
            for n in news:
                if n.get("name") == o.get("name") and (n.get("state") or {}).get("terminated") is None:
                    errs.append(_fb(f"status.{field_name}[{i}].state", "may not be transitioned to non-terminated state"))
    for key, label in (("podIPs", "status.podIPs"), ("hostIPs", "status.hostIPs")):
        ips = nst.get(key) or []
        if key == "hostIPs" and ips and (nst.get("hostIP") or "") != (ips[0].get("ip") or ""):
            errs.append(_inv(label + "[0].ip", ips[0].get("ip") or "", "must be equal to `hostIP`"))
        for i, ip in enumerate(ips):
            _valid_ip_errs(f"{label}[{i}]", ip.get("ip") or "", errs)
        if len(ips) > 1:
            parsed = [parse_ip_sloppy(x.get("ip")) for x in ips]
            families = {p.version for p in parsed if p is not None}
            if len(families) != 2 or len(ips) > 2:
                errs.append(_inv(label, GoRepr(_go_field(ips)), "may specify no more than one IP for each IP family"))
            seen: set = set()
            for i, x in enumerate(ips):
                if x.get("ip") in seen:
                    errs.append(_dup(f"{label}[{i}]", GoRepr(go_struct("core.PodIP", x))))
                seen.add(x.get("ip"))
    return errs


# --------------------------------------------------------------------------------------------
# Workloads (apps, core ReplicationController, batch)


def _selector_or_error(sel: dict | None):
    """``metav1.LabelSelectorAsSelector``: the selector, or None when it cannot be converted."""
    from kube_lab.api import selectors
    try:
        return selectors.from_label_selector(sel)
    except Exception:  # noqa: BLE001 - SelectorError: any conversion failure
        return None


def _template_labels(tmpl: dict | None) -> dict | None:
    return ((tmpl or {}).get("metadata") or {}).get("labels")


def _template_match_errs(selector, tmpl: dict | None, path: str, errs: list) -> None:
    """``if !selector.Empty() && !selector.Matches(template.Labels)`` -> Invalid."""
    if selector.empty:
        return
    labels = _template_labels(tmpl)
    if not selector.matches(labels or {}):
        errs.append(_inv(path + ".metadata.labels", _labels_value(labels), "`selector` does not match template `labels`"))


def _template_spec_for_rs(tmpl: dict | None, selector, path: str, kind_word: str, errs: list) -> None:
    """``ValidatePodTemplateSpecForReplicaSet`` (Deployment, ReplicaSet)."""
    if tmpl is None:
        errs.append(_req(path))
        return
    _template_match_errs(selector, tmpl, path, errs)
    errs.extend(validate_pod_template_spec(tmpl, path))
    spec = tmpl.get("spec") or {}
    rp = spec.get("restartPolicy") or ""
    if rp != "Always":
        errs.append(_ns(path + ".spec.restartPolicy", rp, ("Always",)))
    if spec.get("activeDeadlineSeconds") is not None:
        errs.append(_fb(path + ".spec.activeDeadlineSeconds", f"activeDeadlineSeconds in {kind_word} is not Supported"))


def _spec_selector_errs(spec: dict, path: str, word: str, errs: list):
    """Selector required, valid, not empty (``empty selector is invalid for <word>``); returns the
    converted selector or None."""
    sel = spec.get("selector")
    if sel is None:
        errs.append(_req(path + ".selector"))
    else:
        errs.extend(_label_selector_errs(sel, path + ".selector"))
        if len(sel.get("matchLabels") or {}) + len(sel.get("matchExpressions") or []) == 0:
            errs.append(_inv(path + ".selector", _selector_value(sel), f"empty selector is invalid for {word}"))
    return _selector_or_error(sel)


def _int_or_percent(v: Any) -> tuple[int, bool]:
    """``getIntOrPercentValue`` / ``getPercentValue``: (value, is_percent)."""
    if isinstance(v, str):
        if _PERCENT_RE.fullmatch(v):
            return int(v[:-1]), True
        return (int(v) if re.fullmatch(r"[+-]?[0-9]+", v) else 0), False
    return (v if _is_int(v) else 0), False


def _positive_int_or_percent_errs(v: Any, path: str, errs: list) -> None:
    """``ValidatePositiveIntOrPercent``."""
    if isinstance(v, str):
        for m in is_valid_percent(v):
            errs.append(_inv(path, _ios_value(v), m))
    elif _is_int(v):
        _nonneg(v, path, errs)
    else:
        errs.append(_inv(path, _ios_value(v), "must be an integer or percentage (e.g '5%%')"))


def _not_more_than_100_errs(v: Any, path: str, errs: list) -> None:
    value, pct = _int_or_percent(v)
    if pct and value > 100:
        errs.append(_inv(path, _ios_value(v), "must not be greater than 100%"))


def _go_strategy(type_name: str, ru_type: str, strategy: dict) -> GoRepr:
    ru = strategy.get("rollingUpdate")
    ru_text = f"(*{ru_type})(nil)" if ru is None else f"(*{ru_type})({_FAKE_PTR})"
    return GoRepr(f"{type_name}{{Type:{_q(strategy.get('type') or '')}, RollingUpdate:{ru_text}}}")


def _deployment_strategy_errs(strategy: dict, path: str, errs: list) -> None:
    """``ValidateDeploymentStrategy`` / ``ValidateRollingUpdateDeployment``."""
    t = strategy.get("type") or ""
    ru = strategy.get("rollingUpdate")
    if t == "Recreate":
        if ru is not None:
            errs.append(_fb(path + ".rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"))
    elif t == "RollingUpdate":
        if ru is None:
            errs.append(_req(path + ".rollingUpdate", "this should be defaulted and never be nil"))
            return
        rp = path + ".rollingUpdate"
        mu, ms = ru.get("maxUnavailable", 0), ru.get("maxSurge", 0)
        _positive_int_or_percent_errs(mu, rp + ".maxUnavailable", errs)
        _positive_int_or_percent_errs(ms, rp + ".maxSurge", errs)
        if _int_or_percent(mu)[0] == 0 and _int_or_percent(ms)[0] == 0:
            errs.append(_inv(rp + ".maxUnavailable", _ios_value(mu), "may not be 0 when `maxSurge` is 0"))
        _not_more_than_100_errs(mu, rp + ".maxUnavailable", errs)
    else:
        errs.append(_ns(path, _go_strategy("apps.DeploymentStrategy", "apps.RollingUpdateDeployment", strategy),
                        ("Recreate", "RollingUpdate")))


def validate_deployment_spec(spec: dict, path: str = "spec") -> list[FieldError]:
    """``ValidateDeploymentSpec``."""
    errs: list[FieldError] = []
    _nonneg(spec.get("replicas", 0), path + ".replicas", errs)
    selector = _spec_selector_errs(spec, path, "deployment", errs)
    if selector is None:
        errs.append(_inv(path + ".selector", _selector_value(spec.get("selector")), "invalid label selector"))
    else:
        _template_spec_for_rs(spec.get("template"), selector, path + ".template", "ReplicaSet", errs)
    _deployment_strategy_errs(spec.get("strategy") or {}, path + ".strategy", errs)
    mrs = spec.get("minReadySeconds") or 0
    _nonneg(mrs, path + ".minReadySeconds", errs)
    if spec.get("revisionHistoryLimit") is not None:
        _nonneg(spec["revisionHistoryLimit"], path + ".revisionHistoryLimit", errs)
    if spec.get("rollbackTo") is not None:
        _nonneg((spec["rollbackTo"] or {}).get("revision") or 0, path + ".rollback.version", errs)
    pds = spec.get("progressDeadlineSeconds")
    if pds is not None:
        _nonneg(pds, path + ".progressDeadlineSeconds", errs)
        if pds <= mrs:
            errs.append(_inv(path + ".progressDeadlineSeconds", pds, "must be greater than minReadySeconds"))
    return errs


def validate_deployment(obj: dict) -> list[FieldError]:
    """``ValidateDeployment``."""
    errs = validate_object_meta(obj.get("metadata"), True)
    errs.extend(validate_deployment_spec(obj.get("spec") or {}))
    return errs


def _selector_immutable_errs(new: dict, old: dict, errs: list) -> None:
    """apps registry strategies: ``spec.selector`` is immutable in apps/v1."""
    ns, os_ = (new.get("spec") or {}).get("selector"), (old.get("spec") or {}).get("selector")
    if not _semantic_equal(ns, os_):
        errs.append(_inv("spec.selector", _selector_value(ns), IMMUTABLE_MSG))


def validate_deployment_update(new: dict, old: dict) -> list[FieldError]:
    """``ValidateDeploymentUpdate`` + the strategy's selector immutability."""
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    errs.extend(validate_deployment_spec(new.get("spec") or {}))
    _selector_immutable_errs(new, old, errs)
    return errs


def validate_deployment_status(new: dict, old: dict) -> list[FieldError]:
    """``ValidateDeploymentStatusUpdate``."""
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    st = new.get("status") or {}
    for f in ("observedGeneration", "replicas", "updatedReplicas", "readyReplicas", "availableReplicas",
              "unavailableReplicas"):
        _nonneg(st.get(f) or 0, "status." + f, errs)
    if st.get("collisionCount") is not None:
        _nonneg(st["collisionCount"], "status.collisionCount", errs)
    r = st.get("replicas") or 0
    msg = "cannot be greater than status.replicas"
    for f in ("updatedReplicas", "readyReplicas", "availableReplicas"):
        if (st.get(f) or 0) > r:
            errs.append(_inv("status." + f, st.get(f) or 0, msg))
    if (st.get("availableReplicas") or 0) > (st.get("readyReplicas") or 0):
        errs.append(_inv("status.availableReplicas", st.get("availableReplicas") or 0, "cannot be greater than readyReplicas"))
    _collision_errs(st, (old.get("status") or {}), errs)
    return errs


def _collision_errs(st: dict, ost: dict, errs: list) -> None:
    n, o = st.get("collisionCount"), ost.get("collisionCount")
    if (n is None and o is not None) or (n is not None and o is not None and n < o):
        errs.append(_inv("status.collisionCount", n or 0, "cannot be decremented"))


def validate_replicaset_spec(spec: dict, path: str = "spec") -> list[FieldError]:
    """``ValidateReplicaSetSpec``."""
    errs: list[FieldError] = []
    _nonneg(spec.get("replicas", 0), path + ".replicas", errs)
    _nonneg(spec.get("minReadySeconds") or 0, path + ".minReadySeconds", errs)
    selector = _spec_selector_errs(spec, path, "deployment", errs)  # sic: upstream says "deployment"
    if selector is None:
        errs.append(_inv(path + ".selector", _selector_value(spec.get("selector")), "invalid label selector"))
    else:
        _template_spec_for_rs(spec.get("template"), selector, path + ".template", "ReplicaSet", errs)
    return errs


def validate_replicaset(obj: dict) -> list[FieldError]:
    errs = validate_object_meta(obj.get("metadata"), True)
    errs.extend(validate_replicaset_spec(obj.get("spec") or {}))
    return errs


def validate_replicaset_update(new: dict, old: dict) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    errs.extend(validate_replicaset_spec(new.get("spec") or {}))
    _selector_immutable_errs(new, old, errs)
    return errs


def _rs_like_status(new: dict, old: dict) -> list[FieldError]:
    """``ValidateReplicaSetStatusUpdate`` / ``ValidateReplicationControllerStatusUpdate``."""
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    st = new.get("status") or {}
    for f in ("replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas", "observedGeneration"):
        _nonneg(st.get(f) or 0, "status." + f, errs)
    r = st.get("replicas") or 0
    msg = "cannot be greater than status.replicas"
    for f in ("fullyLabeledReplicas", "readyReplicas", "availableReplicas"):
        if (st.get(f) or 0) > r:
            errs.append(_inv("status." + f, st.get(f) or 0, msg))
    if (st.get("availableReplicas") or 0) > (st.get("readyReplicas") or 0):
        errs.append(_inv("status.availableReplicas", st.get("availableReplicas") or 0, "cannot be greater than readyReplicas"))
    return errs


def validate_rc_spec(spec: dict, path: str = "spec") -> list[FieldError]:
    """``ValidateReplicationControllerSpec``."""
    errs: list[FieldError] = []
    _nonneg(spec.get("minReadySeconds") or 0, path + ".minReadySeconds", errs)
    sel = spec.get("selector") or {}
    if not sel:
        errs.append(_req(path + ".selector"))
    _nonneg(spec.get("replicas", 0), path + ".replicas", errs)
    tmpl = spec.get("template")
    tp = path + ".template"
    if tmpl is None:
        errs.append(_req(tp))
        return errs
    if sel:
        labels = _template_labels(tmpl) or {}
        if any(labels.get(k) != v for k, v in sel.items()):
            errs.append(_inv(tp + ".metadata.labels", _labels_value(_template_labels(tmpl)),
                             "`selector` does not match template `labels`"))
    errs.extend(validate_pod_template_spec(tmpl, tp))
    tspec = tmpl.get("spec") or {}
    rp = tspec.get("restartPolicy") or ""
    if rp != "Always":
        errs.append(_ns(tp + ".spec.restartPolicy", rp, ("Always",)))
    if tspec.get("activeDeadlineSeconds") is not None:
        errs.append(_fb(tp + ".spec.activeDeadlineSeconds", "activeDeadlineSeconds in ReplicationController is not Supported"))
    return errs


def validate_rc(obj: dict) -> list[FieldError]:
    errs = validate_object_meta(obj.get("metadata"), True)
    errs.extend(validate_rc_spec(obj.get("spec") or {}))
    return errs


def validate_rc_update(new: dict, old: dict) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    errs.extend(validate_rc_spec(new.get("spec") or {}))
    return errs


def validate_statefulset_spec(spec: dict, path: str = "spec") -> list[FieldError]:
    """``ValidateStatefulSetSpec`` (1.32: the pod template's spec itself is not validated here; the
    controller's pod creation reports such problems)."""
    errs: list[FieldError] = []
    pmp = spec.get("podManagementPolicy") or ""
    if pmp == "":
        errs.append(_req(path + ".podManagementPolicy"))
    elif pmp not in ("OrderedReady", "Parallel"):
        errs.append(_inv(path + ".podManagementPolicy", pmp, "must be 'OrderedReady' or 'Parallel'"))
    us = spec.get("updateStrategy") or {}
    ut = us.get("type") or ""
    ru = us.get("rollingUpdate")
    if ut == "":
        errs.append(_req(path + ".updateStrategy"))
    elif ut == "OnDelete":
        if ru is not None:
            errs.append(_inv(path + ".updateStrategy.rollingUpdate",
                             GoRepr(go_struct("apps.RollingUpdateStatefulSetStrategy", ru)),
                             "only allowed for updateStrategy 'RollingUpdate'"))
    elif ut == "RollingUpdate":
        if ru is not None:
            rp = path + ".updateStrategy.rollingUpdate"
            _nonneg(ru.get("partition") or 0, rp + ".partition", errs)
            mu = ru.get("maxUnavailable")
            if mu is not None:
                _positive_int_or_percent_errs(mu, rp + ".maxUnavailable", errs)
                if _int_or_percent(mu)[0] == 0:
                    errs.append(_inv(rp + ".maxUnavailable", _ios_value(mu), "cannot be 0"))
                _not_more_than_100_errs(mu, rp + ".maxUnavailable", errs)
    else:
        errs.append(_inv(path + ".updateStrategy",
                         _go_strategy("apps.StatefulSetUpdateStrategy", "apps.RollingUpdateStatefulSetStrategy", us),
                         "must be 'RollingUpdate' or 'OnDelete'"))
    pol = spec.get("persistentVolumeClaimRetentionPolicy")
    if pol is not None:
        for f in ("whenDeleted", "whenScaled"):
            v = pol.get(f) or ""
            if v not in ("Retain", "Delete"):
                errs.append(_ns(f"{path}.persistentVolumeClaimRetentionPolicy.{f}", v, ("Retain", "Delete")))
    _nonneg(spec.get("replicas", 0), path + ".replicas", errs)
    _nonneg(spec.get("minReadySeconds") or 0, path + ".minReadySeconds", errs)
    if spec.get("ordinals") is not None:
        _nonneg((spec["ordinals"] or {}).get("start") or 0, path + ".ordinals.start", errs)
    selector = _spec_selector_errs(spec, path, "statefulset", errs)
    tmpl = spec.get("template") or {}
    tp = path + ".template"
    if selector is None:
        errs.append(_inv(path + ".selector", _selector_value(spec.get("selector")), ""))
    else:
        _template_match_errs(selector, tmpl, tp, errs)
        meta = tmpl.get("metadata") or {}
        if meta.get("labels"):
            errs.extend(names.validate_labels(meta["labels"], tp + ".labels"))
        if meta.get("annotations"):
            errs.extend(validate_annotations(meta["annotations"], tp + ".annotations"))
            _pod_specific_annotations_errs(meta["annotations"], tmpl.get("spec") or {}, tp + ".annotations", errs)
    tspec = tmpl.get("spec") or {}
    rp = tspec.get("restartPolicy") or ""
    if rp != "Always":
        errs.append(_ns(tp + ".spec.restartPolicy", rp, ("Always",)))
    if tspec.get("activeDeadlineSeconds") is not None:
        errs.append(_fb(tp + ".spec.activeDeadlineSeconds", "activeDeadlineSeconds in StatefulSet is not Supported"))
    return errs


def validate_statefulset(obj: dict) -> list[FieldError]:
    errs = validate_object_meta(obj.get("metadata"), True, names.name_is_dns_label)
    errs.extend(validate_statefulset_spec(obj.get("spec") or {}))
    return errs


_STS_MUTABLE = ("replicas", "template", "updateStrategy", "minReadySeconds", "ordinals",
                "persistentVolumeClaimRetentionPolicy")


def validate_statefulset_update(new: dict, old: dict) -> list[FieldError]:
    """``ValidateStatefulSetUpdate``."""
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    nspec, ospec = new.get("spec") or {}, old.get("spec") or {}
    errs.extend(validate_statefulset_spec(nspec))
    a = {k: v for k, v in nspec.items() if k not in _STS_MUTABLE}
    b = {k: v for k, v in ospec.items() if k not in _STS_MUTABLE}
    if not _semantic_equal(a, b):
        errs.append(_fb("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                                "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and "
                                "'minReadySeconds' are forbidden"))
    return errs


def validate_statefulset_status(new: dict, old: dict) -> list[FieldError]:
    """``ValidateStatefulSetStatusUpdate``."""
    st = new.get("status") or {}
    errs: list[FieldError] = []
    for f in ("replicas", "readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas"):
        _nonneg(st.get(f) or 0, "status." + f, errs)
    for f in ("observedGeneration", "collisionCount"):
        if st.get(f) is not None:
            _nonneg(st[f], "status." + f, errs)
    r = st.get("replicas") or 0
    msg = "cannot be greater than status.replicas"
    for f in ("readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas"):
        if (st.get(f) or 0) > r:
            errs.append(_inv("status." + f, st.get(f) or 0, msg))
    if (st.get("availableReplicas") or 0) > (st.get("readyReplicas") or 0):
        errs.append(_inv("status.availableReplicas", st.get("availableReplicas") or 0,
                         "cannot be greater than status.readyReplicas"))
    errs.extend(validate_object_meta_update(new.get("metadata"), old.get("metadata")))
    _collision_errs(st, old.get("status") or {}, errs)
    return errs


def validate_daemonset_spec(spec: dict, path: str = "spec") -> list[FieldError]:
    """``ValidateDaemonSetSpec``."""
    errs: list[FieldError] = []
    sel = spec.get("selector")
    errs.extend(_label_selector_errs(sel, path + ".selector"))
    selector = _selector_or_error(sel)
    tmpl = spec.get("template") or {}
    if selector is not None and not selector.matches(_template_labels(tmpl) or {}):
        errs.append(_inv(path + ".template.metadata.labels", _labels_value(_template_labels(tmpl)),
                         "`selector` does not match template `labels`"))
    if sel is not None and len(sel.get("matchLabels") or {}) + len(sel.get("matchExpressions") or []) == 0:
        errs.append(_inv(path + ".selector", _selector_value(sel), "empty selector is invalid for daemonset"))
    errs.extend(validate_pod_template_spec(tmpl, path + ".template"))
    tspec = tmpl.get("spec") or {}
    rp = tspec.get("restartPolicy") or ""
    if rp != "Always":
        errs.append(_ns(path + ".template.spec.restartPolicy", rp, ("Always",)))
    if tspec.get("activeDeadlineSeconds") is not None:
        errs.append(_fb(path + ".template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in DaemonSet is not Supported"))
    _nonneg(spec.get("minReadySeconds") or 0, path + ".minReadySeconds", errs)
    _nonneg(spec.get("templateGeneration") or 0, path + ".templateGeneration", errs)
    us = spec.get("updateStrategy") or {}
    up = path + ".updateStrategy"
    ut = us.get("type") or ""
    if ut == "RollingUpdate":
        ru = us.get("rollingUpdate")
        if ru is None:
            errs.append(_req(up + ".rollingUpdate"))
        else:
            rp_ = up + ".rollingUpdate"
            mu, ms = ru.get("maxUnavailable", 0), ru.get("maxSurge", 0)
            _positive_int_or_percent_errs(mu, rp_ + ".maxUnavailable", errs)
            _positive_int_or_percent_errs(ms, rp_ + ".maxSurge", errs)
            _not_more_than_100_errs(mu, rp_ + ".maxUnavailable", errs)
            _not_more_than_100_errs(ms, rp_ + ".maxSurge", errs)
            has_u, has_s = _int_or_percent(mu)[0] != 0, _int_or_percent(ms)[0] != 0
            if has_u and has_s:
                errs.append(_inv(rp_ + ".maxSurge", _ios_value(ms), "may not be set when maxUnavailable is non-zero"))
            elif not has_u and not has_s:
                errs.append(_req(rp_ + ".maxUnavailable", "cannot be 0 when maxSurge is 0"))
    elif ut != "OnDelete":
        errs.append(_ns(up, _go_strategy("apps.DaemonSetUpdateStrategy", "apps.RollingUpdateDaemonSet", us),
                        ("RollingUpdate", "OnDelete")))
    if spec.get("revisionHistoryLimit") is not None:
        _nonneg(spec["revisionHistoryLimit"], path + ".revisionHistoryLimit", errs)
    return errs


def validate_daemonset(obj: dict) -> list[FieldError]:
    errs = validate_object_meta(obj.get("metadata"), True)
    errs.extend(validate_daemonset_spec(obj.get("spec") or {}))
    return errs


def validate_daemonset_update(new: dict, old: dict) -> list[FieldError]:
    """The DaemonSet strategy: ``ValidateDaemonSet`` + ``ValidateDaemonSetUpdate`` + selector immutability."""
    errs = validate_daemonset(new)
    errs.extend(validate_object_meta_update(new.get("metadata"), old.get("metadata")))
    errs.extend(validate_daemonset_spec(new.get("spec") or {}))
    _selector_immutable_errs(new, old, errs)
    return errs


def validate_daemonset_status(new: dict, old: dict) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    st = new.get("status") or {}
    for f in ("currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady",
              "observedGeneration", "updatedNumberScheduled", "numberAvailable", "numberUnavailable"):
        _nonneg(st.get(f) or 0, "status." + f, errs)
    if st.get("collisionCount") is not None:
        _nonneg(st["collisionCount"], "status.collisionCount", errs)
    _collision_errs(st, old.get("status") or {}, errs)
    return errs


def validate_controller_revision(obj: dict) -> list[FieldError]:
    errs = validate_object_meta(obj.get("metadata"), True)
    if obj.get("data") is None:
        errs.append(_req("data", "data is mandatory"))
    _nonneg(obj.get("revision") or 0, "revision", errs)
    return errs


def validate_controller_revision_update(new: dict, old: dict) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    errs.extend(validate_controller_revision(new))
    if new.get("data") != old.get("data"):
        errs.append(_inv("data", GoRepr("runtime.RawExtension{Raw:[]uint8{...}, Object:runtime.Object(nil)}"),
                         IMMUTABLE_MSG))
    return errs


def validate_pod_template(obj: dict) -> list[FieldError]:
    errs = validate_object_meta(obj.get("metadata"), True)
    errs.extend(validate_pod_template_spec(obj.get("template"), "template"))
    return errs


def validate_pod_template_update(new: dict, old: dict) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    errs.extend(validate_pod_template_spec(new.get("template"), "template"))
    return errs


# --------------------------------------------------------------------------------------------
# Job and CronJob (pkg/apis/batch/validation)

LEGACY_CONTROLLER_UID_LABEL = "controller-uid"
LEGACY_JOB_NAME_LABEL = "job-name"
CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"


def _has_label_errs(meta: dict, path: str, key: str, expected: str, errs: list) -> None:
    """``ValidateHasLabel``."""
    labels = meta.get("labels")
    if labels is None or key not in labels:
        errs.append(_req(f"{path}.labels[{key}]", f"must be '{expected}'"))
    elif labels[key] != expected:
        errs.append(_inv(f"{path}.labels[{key}]", _labels_value(labels), f"must be '{expected}'"))


def _generated_selector_errs(job: dict, batch_labels: bool, errs: list) -> None:
    """``validateGeneratedSelector``."""
    spec = job.get("spec") or {}
    if spec.get("manualSelector") is True or spec.get("selector") is None:
        return
    meta = job.get("metadata") or {}
    uid, name = meta.get("uid") or "", meta.get("name") or ""
    if not uid:
        errs.append(_req("metadata.uid"))
    tmeta = (spec.get("template") or {}).get("metadata") or {}
    tp = "spec.template.metadata"
    _has_label_errs(tmeta, tp, LEGACY_CONTROLLER_UID_LABEL, uid, errs)
    _has_label_errs(tmeta, tp, LEGACY_JOB_NAME_LABEL, name, errs)
    expected = {}
    if batch_labels:
        _has_label_errs(tmeta, tp, CONTROLLER_UID_LABEL, uid, errs)
        _has_label_errs(tmeta, tp, JOB_NAME_LABEL, name, errs)
        expected[CONTROLLER_UID_LABEL] = uid
        expected[JOB_NAME_LABEL] = name
    expected[LEGACY_CONTROLLER_UID_LABEL] = uid
    expected[LEGACY_JOB_NAME_LABEL] = name
    selector = _selector_or_error(spec.get("selector"))
    if selector is not None and not selector.matches(expected):
        errs.append(_inv("spec.selector", _selector_value(spec.get("selector")), "`selector` not auto-generated"))


def _job_spec_common_errs(spec: dict, path: str, errs: list) -> None:
    """``validateJobSpec``."""
    for f in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished",
              "backoffLimitPerIndex", "maxFailedIndexes"):
        if spec.get(f) is not None:
            _nonneg(spec[f], f"{path}.{f}", errs)
            if f == "maxFailedIndexes" and spec.get("backoffLimitPerIndex") is None:
                errs.append(_req(path + ".backoffLimitPerIndex", "when maxFailedIndexes is specified"))
    mb = spec.get("managedBy")
    if mb is not None:
        if not mb:
            errs.append(_req(path + ".managedBy"))
        else:
            host, sep, rest = mb.partition("/")
            if not sep or not host or not rest:
                errs.append(_inv(path + ".managedBy", mb, "must be a domain-prefixed path (such as \"acme.io/foo\")"))
            else:
                for m in names.is_dns1123_subdomain(host):
                    errs.append(_inv(path + ".managedBy", host, m))
        if _blen(mb) > 63:
            errs.append(FieldError("TooLong", path + ".managedBy", mb, "may not be more than 63 bytes"))
    cm = spec.get("completionMode")
    if cm is not None:
        if cm not in ("NonIndexed", "Indexed"):
            errs.append(_ns(path + ".completionMode", cm, ("NonIndexed", "Indexed")))
        if cm == "Indexed":
            if spec.get("completions") is None:
                errs.append(_req(path + ".completions", "when completion mode is Indexed"))
            par = spec.get("parallelism")
            if par is not None and par > 100000:
                errs.append(_inv(path + ".parallelism", par,
                                 "must be less than or equal to 100000 when completion mode is Indexed"))
    if cm in (None, "NonIndexed"):
        if spec.get("backoffLimitPerIndex") is not None:
            errs.append(_inv(path + ".backoffLimitPerIndex", spec["backoffLimitPerIndex"], "requires indexed completion mode"))
        if spec.get("maxFailedIndexes") is not None:
            errs.append(_inv(path + ".maxFailedIndexes", spec["maxFailedIndexes"], "requires indexed completion mode"))
    prp = spec.get("podReplacementPolicy")
    if prp is not None:
        if spec.get("podFailurePolicy") is not None:
            if prp != "Failed":
                errs.append(_ns(path + ".podReplacementPolicy", prp, ("Failed",)))
        elif prp not in ("Failed", "TerminatingOrFailed"):
            errs.append(_ns(path + ".podReplacementPolicy", prp, ("Failed", "TerminatingOrFailed")))
    tmpl = spec.get("template") or {}
    errs.extend(validate_pod_template_spec(tmpl, path + ".template"))
    rp = (tmpl.get("spec") or {}).get("restartPolicy") or ""
    if rp in ("Always", ""):
        errs.append(_req(path + ".template.spec.restartPolicy", 'valid values: "OnFailure", "Never"'))
    elif rp not in ("OnFailure", "Never"):
        errs.append(_ns(path + ".template.spec.restartPolicy", rp, ("OnFailure", "Never")))
    elif spec.get("podFailurePolicy") is not None and rp != "Never":
        errs.append(_inv(path + ".template.spec.restartPolicy", rp,
                         'only "Never" is supported when podFailurePolicy is specified'))


def validate_job_spec(spec: dict, path: str = "spec") -> list[FieldError]:
    """``ValidateJobSpec``."""
    errs: list[FieldError] = []
    _job_spec_common_errs(spec, path, errs)
    sel = spec.get("selector")
    if sel is None:
        errs.append(_req(path + ".selector"))
    else:
        errs.extend(_label_selector_errs(sel, path + ".selector"))
    selector = _selector_or_error(sel)
    if selector is not None:
        labels = _template_labels(spec.get("template"))
        if not selector.matches(labels or {}):
            errs.append(_inv(path + ".template.metadata.labels", _labels_value(labels),
                             "`selector` does not match template `labels`"))
    return errs


def validate_job(job: dict, batch_labels: bool = True) -> list[FieldError]:
    """``ValidateJob`` (``RequirePrefixedLabels`` is true on create, false on update)."""
    meta = job.get("metadata") or {}
    spec = job.get("spec") or {}
    errs = validate_object_meta(meta, True)
    _generated_selector_errs(job, batch_labels, errs)
    errs.extend(validate_job_spec(spec))
    comp = spec.get("completions")
    if spec.get("completionMode") == "Indexed" and comp is not None and comp > 0:
        host = f"{meta.get('name') or ''}-{comp - 1}"
        if names.is_dns1123_label(host):
            errs.append(_inv("metadata.name", meta.get("name") or "",
                             f"will not able to create pod with invalid DNS label: {host}"))
    return errs


def validate_job_update(new: dict, old: dict) -> list[FieldError]:
    """The Job strategy: ``ValidateJob`` then ``ValidateJobUpdate``.

    On update the ``batch.kubernetes.io/*`` template labels are required only when the old Job
    already had both (``validationOptionsForJob``)."""
    old_labels = _template_labels((old.get("spec") or {}).get("template")) or {}
    errs = validate_job(new, batch_labels=JOB_NAME_LABEL in old_labels and CONTROLLER_UID_LABEL in old_labels)
    errs.extend(validate_object_meta_update(new.get("metadata"), old.get("metadata")))
    nspec, ospec = new.get("spec") or {}, old.get("spec") or {}
    errs.extend(validate_job_spec(nspec))
    if nspec.get("completions") != ospec.get("completions"):
        indexed = nspec.get("completionMode") == "Indexed"
        if not indexed:
            errs.append(_inv("spec.completions", nspec.get("completions"), IMMUTABLE_MSG))
        elif nspec.get("completions") is not None and nspec.get("completions") != nspec.get("parallelism"):
            errs.append(_inv("spec.completions", nspec.get("completions"),
                             "can only be modified in tandem with spec.parallelism"))
    if not _semantic_equal(nspec.get("selector"), ospec.get("selector")):
        errs.append(_inv("spec.selector", _selector_value(nspec.get("selector")), IMMUTABLE_MSG))
    ntmpl, otmpl = nspec.get("template") or {}, ospec.get("template") or {}
    suspended_unstarted = ospec.get("suspend") is True and not (old.get("status") or {}).get("startTime")
    if suspended_unstarted:
        ntmpl, otmpl = _mutable_scheduling(ntmpl), _mutable_scheduling(otmpl)
    if not _semantic_equal(ntmpl, otmpl):
        errs.append(_inv("spec.template", GoRepr(go_struct("core.PodTemplateSpec", nspec.get("template") or {})),
                         IMMUTABLE_MSG))
    for f in ("completionMode", "podFailurePolicy", "backoffLimitPerIndex", "managedBy", "successPolicy"):
        if not _semantic_equal(nspec.get(f), ospec.get(f)):
            v = nspec.get(f)
            errs.append(_inv(f"spec.{f}", GoRepr(_go_field(v)) if isinstance(v, dict) else v, IMMUTABLE_MSG))
    return errs


def _mutable_scheduling(tmpl: dict) -> dict:
    """Drop the fields a suspended, never-started Job may change (AllowMutableSchedulingDirectives)."""
    t = dict(tmpl)
    meta = dict(t.get("metadata") or {})
    meta.pop("labels", None)
    meta.pop("annotations", None)
    t["metadata"] = meta
    spec = dict(t.get("spec") or {})
    for f in ("nodeSelector", "tolerations", "schedulingGates"):
        spec.pop(f, None)
    aff = spec.get("affinity")
    if aff:
        aff = {k: v for k, v in aff.items() if k != "nodeAffinity"}
        spec["affinity"] = aff or None
    t["spec"] = spec
    return t


def validate_job_status(new: dict, old: dict) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    st, ost = new.get("status") or {}, old.get("status") or {}
    for f in ("active", "succeeded", "failed"):
        _nonneg(st.get(f) or 0, "status." + f, errs)
    for f in ("ready", "terminating"):
        if st.get(f) is not None:
            _nonneg(st[f], "status." + f, errs)
    if (st.get("failed") or 0) < (ost.get("failed") or 0):
        errs.append(_inv("status.failed", st.get("failed") or 0, "cannot decrease the failed counter"))
    if (st.get("succeeded") or 0) < (ost.get("succeeded") or 0):
        errs.append(_inv("status.succeeded", st.get("succeeded") or 0, "cannot decrease the succeeded counter"))
    return errs


# robfig/cron v3 ParseStandard ---------------------------------------------------------------

_CRON_BOUNDS = {
    "second": (0, 59, None), "minute": (0, 59, None), "hour": (0, 23, None), "dom": (1, 31, None),
    "month": (1, 12, {m: i + 1 for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}),
    "dow": (0, 6, {d: i for i, d in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))}),
}
_DESCRIPTORS = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"})
_INT_RE = re.compile(r"[+-]?[0-9]+")
_INT64_MAX = (1 << 63) - 1


class _CronError(Exception):
    pass


def _atoi(expr: str) -> int:
    """Go ``strconv.Atoi`` with its error text."""
    if _INT_RE.fullmatch(expr) is None:
        raise _CronError(f"strconv.Atoi: parsing {go_quote(expr)}: invalid syntax")
    n = int(expr)
    if n > _INT64_MAX or n < -_INT64_MAX - 1:
        raise _CronError(f"strconv.Atoi: parsing {go_quote(expr)}: value out of range")
    return n


def _must_parse_int(expr: str) -> int:
    try:
        n = _atoi(expr)
    except _CronError as e:
        raise _CronError(f"failed to parse int from {expr}: {e}") from None
    if n < 0:
        raise _CronError(f"negative number ({n}) not allowed: {expr}")
    return n


def _int_or_name(expr: str, names_map: dict | None) -> int:
    if names_map is not None and expr.lower() in names_map:
        return names_map[expr.lower()]
    return _must_parse_int(expr)


def _cron_range(expr: str, bounds: tuple) -> None:
    lo, hi, names_map = bounds
    range_and_step = expr.split("/")
    low_high = range_and_step[0].split("-")
    single = len(low_high) == 1
    if low_high[0] in ("*", "?"):
        start, end = lo, hi
    else:
        start = _int_or_name(low_high[0], names_map)
        if len(low_high) == 1:
            end = start
        elif len(low_high) == 2:
            end = _int_or_name(low_high[1], names_map)
        else:
            raise _CronError(f"too many hyphens: {expr}")
    if len(range_and_step) == 1:
        step = 1
    elif len(range_and_step) == 2:
        step = _must_parse_int(range_and_step[1])
        if single:
            end = hi
    else:
        raise _CronError(f"too many slashes: {expr}")
    if start < lo:
        raise _CronError(f"beginning of range ({start}) below minimum ({lo}): {expr}")
    if end > hi:
        raise _CronError(f"end of range ({end}) above maximum ({hi}): {expr}")
    if start > end:
        raise _CronError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise _CronError(f"step of range should be a positive number: {expr}")


_DURATION_UNITS = {"ns": 1, "us": 1e3, "µs": 1e3, "μs": 1e3, "ms": 1e6, "s": 1e9, "m": 60e9, "h": 3600e9}


def go_parse_duration(s: str) -> float:
    """Go ``time.ParseDuration`` (validity and error texts), in nanoseconds."""
    orig = s
    bad = _CronError(f"time: invalid duration {go_quote(orig)}")
    neg = False
    if s and s[0] in "+-":
        neg = s[0] == "-"
        s = s[1:]
    if s == "0":
        return 0.0
    if not s:
        raise bad
    total = 0.0
    while s:
        if not (s[0].isdigit() or s[0] == "."):
            raise bad
        m = re.match(r"([0-9]*)(\.[0-9]*)?", s)
        num = m.group(0)
        if num in ("", ".") or (not m.group(1) and m.group(2) in (None, ".")):
            raise bad
        s = s[len(num):]
        i = 0
        while i < len(s) and not (s[i].isdigit() or s[i] == "."):
            i += 1
        unit, s = s[:i], s[i:]
        if not unit:
            raise _CronError(f"time: missing unit in duration {go_quote(orig)}")
        if unit not in _DURATION_UNITS:
            raise _CronError(f"time: unknown unit {go_quote(unit)} in duration {go_quote(orig)}")
        total += float(num if num[0] != "." else "0" + num) * _DURATION_UNITS[unit]
    return -total if neg else total


def _load_location(name: str) -> str | None:
    """Go ``time.LoadLocation``: None when found, else the error text."""
    if name in ("", "UTC", "Local"):
        return None
    zones = _timezones()
    if zones and name not in zones:
        return f"unknown time zone {name}"
    return None


_ZONES: frozenset | None = None


def _timezones() -> frozenset:
    global _ZONES
    if _ZONES is None:
        try:
            import zoneinfo
            _ZONES = frozenset(zoneinfo.available_timezones())
        except Exception:  # noqa: BLE001 - no tz database: accept every syntactically valid name
            _ZONES = frozenset()
    return _ZONES


def parse_cron_standard(spec: str) -> str | None:
    """robfig/cron v3 ``ParseStandard``: None when the schedule parses, else upstream's error text."""
    try:
        if not spec:
            raise _CronError("empty spec string")
        if spec.startswith("TZ=") or spec.startswith("CRON_TZ="):
            i = spec.find(" ")
            eq = spec.find("=")
            loc = spec[eq + 1:i] if i >= 0 else spec[eq + 1:]
            err = _load_location(loc)
            if err:
                raise _CronError(f"provided bad location {loc}: {err}")
            spec = spec[i:].strip() if i >= 0 else ""
        if spec.startswith("@"):
            if spec in _DESCRIPTORS:
                return None
            if spec.startswith("@every "):
                try:
                    go_parse_duration(spec[len("@every "):])
                except _CronError as e:
                    raise _CronError(f"failed to parse duration {spec}: {e}") from None
                return None
            raise _CronError(f"unrecognized descriptor: {spec}")
        fields = spec.split()
        if len(fields) != 5:
            raise _CronError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
        for fld, place in zip(["0"] + fields, ("second", "minute", "hour", "dom", "month", "dow")):
            for expr in (x for x in fld.split(",") if x):
                _cron_range(expr, _CRON_BOUNDS[place])
    except _CronError as e:
        return str(e)
    return None


_TZ_PART_RE = re.compile(r"[A-Za-z.\-_0-9+]{1,14}")


def _time_zone_errs(tz: Any, path: str, errs: list) -> None:
    """``validateTimeZone``."""
    if tz is None:
        return
    if tz == "":
        errs.append(_inv(path, tz, "timeZone must be nil or non-empty string"))
        return
    for part in tz.split("/"):
        if part in (".", "..") or part.startswith("-") or _TZ_PART_RE.fullmatch(part) is None:
            errs.append(_inv(path, tz, f"unknown time zone {tz}"))
            return
    if tz.lower() == "local":
        errs.append(_inv(path, tz, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"))
    err = _load_location(tz)
    if err:
        errs.append(_inv(path, tz, err))


def _cronjob_spec_errs(spec: dict, old_spec: dict | None, path: str = "spec") -> list[FieldError]:
    """``validateCronJobSpec``."""
    errs: list[FieldError] = []
    sched = spec.get("schedule") or ""
    sp = path + ".schedule"
    if not sched:
        errs.append(_req(sp))
    else:
        allow_tz = old_spec is not None and "TZ" in (old_spec.get("schedule") or "")
        err = parse_cron_standard(sched)
        if err:
            errs.append(_inv(sp, sched, err))
        if allow_tz and "TZ" in sched and spec.get("timeZone") is not None:
            errs.append(_inv(sp, sched, "cannot use both timeZone field and TZ or CRON_TZ in schedule"))
        elif not allow_tz and "TZ" in sched:
            errs.append(_inv(sp, sched, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
    if spec.get("startingDeadlineSeconds") is not None:
        _nonneg(spec["startingDeadlineSeconds"], path + ".startingDeadlineSeconds", errs)
    if old_spec is None or old_spec.get("timeZone") != spec.get("timeZone"):
        _time_zone_errs(spec.get("timeZone"), path + ".timeZone", errs)
    cp = spec.get("concurrencyPolicy") or ""
    if cp == "":
        errs.append(_req(path + ".concurrencyPolicy"))
    elif cp not in ("Allow", "Forbid", "Replace"):
        errs.append(_ns(path + ".concurrencyPolicy", cp, ("Allow", "Forbid", "Replace")))
    jt = spec.get("jobTemplate") or {}
    jspec = jt.get("spec") or {}
    jp = path + ".jobTemplate.spec"
    _job_spec_common_errs(jspec, jp, errs)
    if jspec.get("selector") is not None:
        errs.append(_inv(jp + ".selector", _selector_value(jspec["selector"]), "`selector` will be auto-generated"))
    if jspec.get("manualSelector") is True:
        errs.append(_ns(jp + ".manualSelector", True, ("nil", "false")))
    for f in ("successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        if spec.get(f) is not None:
            _nonneg(spec[f], f"{path}.{f}", errs)
    return errs


def validate_cronjob(obj: dict) -> list[FieldError]:
    """``ValidateCronJobCreate`` (names of at most 52 characters)."""
    meta = obj.get("metadata") or {}
    errs = validate_object_meta(meta, True)
    errs.extend(_cronjob_spec_errs(obj.get("spec") or {}, None))
    name = meta.get("name") or ""
    if _blen(name) > 52:
        errs.append(_inv("metadata.name", name, "must be no more than 52 characters"))
    return errs


def validate_cronjob_update(new: dict, old: dict) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    errs.extend(_cronjob_spec_errs(new.get("spec") or {}, old.get("spec") or {}))
    return errs


# --------------------------------------------------------------------------------------------
# Service (ValidateService, ValidateServiceUpdate, ValidateServiceStatusUpdate)

_SERVICE_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")   # sorted, as sets.List
_SESSION_AFFINITIES = ("ClientIP", "None")
MAX_CLIENT_IP_AFFINITY_SECONDS = 86400


def _is_headless(spec: dict) -> bool:
    ips = spec.get("clusterIPs") or []
    return len(ips) == 1 and ips[0] == "None"


def _go_service_port_key(protocol: str, port: Any) -> GoRepr:
    return GoRepr("core.ServicePort{Name:\"\", Protocol:%s, AppProtocol:(*string)(nil), Port:%s, "
                  "TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}" % (_q(protocol), port))


def _service_port_errs(sp: dict, require_name: bool, seen: set, path: str, errs: list) -> None:
    """``validateServicePort``."""
    name = sp.get("name") or ""
    if require_name and not name:
        errs.append(_req(path + ".name"))
    elif name:
        _dns_label_errs(name, path + ".name", errs)
        if name in seen:
            errs.append(_dup(path + ".name", name))
        else:
            seen.add(name)
    port = sp.get("port") or 0
    for m in is_valid_port_num(port):
        errs.append(_inv(path + ".port", port, m))
    proto = sp.get("protocol") or ""
    if not proto:
        errs.append(_req(path + ".protocol"))
    elif proto not in _PROTOCOLS:
        errs.append(_ns(path + ".protocol", proto, _PROTOCOLS))
    _port_num_or_name_errs(sp.get("targetPort", 0), path + ".targetPort", errs)
    if sp.get("appProtocol") is not None:
        _qualified_name_errs(sp["appProtocol"], path + ".appProtocol", errs)


def _externally_accessible(spec: dict) -> bool:
    t = spec.get("type") or ""
    return t in ("LoadBalancer", "NodePort") or (t == "ClusterIP" and bool(spec.get("externalIPs")))


def _cluster_ips_errs(spec: dict, errs: list) -> None:
    """``ValidateServiceClusterIPsRelatedFields``."""
    if spec.get("type") == "ExternalName":
        return
    cip = spec.get("clusterIP") or ""
    cips = spec.get("clusterIPs") or []
    path = "spec.clusterIPs"
    if cip:
        if not cips:
            errs.append(_req(path))
        elif cips[0] != cip:
            errs.append(_inv(path, list(cips), "first value must match `clusterIP`"))
    elif cips:
        errs.append(_inv(path, list(cips), "must be empty when `clusterIP` is not specified"))
    seen: set = set()
    for i, fam in enumerate(spec.get("ipFamilies") or ()):
        if fam not in ("IPv4", "IPv6"):
            errs.append(_ns(f"spec.ipFamilies[{i}]", fam, ("IPv4", "IPv6")))
        if fam in seen:
            errs.append(_dup(f"spec.ipFamilies[{i}]", fam))
        seen.add(fam)
    pol = spec.get("ipFamilyPolicy")
    if pol is not None and pol not in ("PreferDualStack", "RequireDualStack", "SingleStack"):
        errs.append(_ns("spec.ipFamilyPolicy", pol, ("PreferDualStack", "RequireDualStack", "SingleStack")))
    bad = False
    for i, ip in enumerate(cips):
        if i == 0 and ip == "None":
            if len(cips) > 1:
                bad = True
                errs.append(_inv(path, list(cips), "'None' must be the first and only value"))
            continue
        if not _valid_ip_errs(f"{path}[{i}]", ip, errs):
            bad = True
    if len(cips) > 2:
        errs.append(_inv(path, list(cips), "may only hold up to 2 values"))
    if bad:
        return
    if len(cips) > 1:
        fams = {parse_ip_sloppy(ip).version for ip in cips}
        if len(fams) != 2 or len(cips) != 2:
            errs.append(_inv(path, list(cips), "may specify no more than one IP for each IP family"))
    fams_list = spec.get("ipFamilies") or []
    if not _is_headless(spec) and cips and fams_list:
        for i, ip in enumerate(cips):
            if i > len(fams_list) - 1:
                break
            v6 = parse_ip_sloppy(ip).version == 6
            if fams_list[i] == "IPv4" and v6:
                errs.append(_inv(f"{path}[{i}]", ip, f"expected an IPv4 value as indicated by `ipFamilies[{i}]`"))
            if fams_list[i] == "IPv6" and not v6:
                errs.append(_inv(f"{path}[{i}]", ip, f"expected an IPv6 value as indicated by `ipFamilies[{i}]`"))


def validate_service(svc: dict) -> list[FieldError]:
    """``ValidateService``."""
    meta = svc.get("metadata") or {}
    spec = svc.get("spec") or {}
    errs = validate_object_meta(meta, True, names.name_is_dns1035_label)
    ann = meta.get("annotations") or {}
    hints = ann.get("service.kubernetes.io/topology-aware-hints")
    mode = ann.get("service.kubernetes.io/topology-mode")
    if hints is not None and mode is not None and hints != mode:
        errs.append(_inv("metadata.annotations[service.kubernetes.io/topology-mode]", mode,
                         "must match annotations[service.kubernetes.io/topology-aware-hints] when both are specified"))
    stype = spec.get("type") or ""
    ports = spec.get("ports") or []
    headless = _is_headless(spec)
    if not ports and not headless and stype != "ExternalName":
        errs.append(_req("spec.ports"))
    if stype in ("LoadBalancer", "NodePort"):
        if headless:
            errs.append(_inv("spec.clusterIPs[0]", spec["clusterIPs"][0], f"may not be set to 'None' for {stype} services"))
    elif stype == "ExternalName":
        if spec.get("clusterIPs"):
            errs.append(_fb("spec.clusterIPs", "may not be set for ExternalName services"))
        if spec.get("ipFamilies"):
            errs.append(_fb("spec.ipFamilies", "may not be set for ExternalName services"))
        if spec.get("ipFamilyPolicy") is not None:
            errs.append(_fb("spec.ipFamilyPolicy", "may not be set for ExternalName services"))
        cname = spec.get("externalName") or ""
        cname = cname[:-1] if cname.endswith(".") else cname
        if cname:
            _dns_subdomain_errs(cname, "spec.externalName", errs)
        else:
            errs.append(_req("spec.externalName"))
    seen: set = set()
    for i, sp in enumerate(ports):
        _service_port_errs(sp, len(ports) > 1, seen, f"spec.ports[{i}]", errs)
    if spec.get("selector") is not None:
        errs.extend(names.validate_labels(spec["selector"], "spec.selector"))
    sa = spec.get("sessionAffinity") or ""
    if not sa:
        errs.append(_req("spec.sessionAffinity"))
    elif sa not in _SESSION_AFFINITIES:
        errs.append(_ns("spec.sessionAffinity", sa, _SESSION_AFFINITIES))
    cfg = spec.get("sessionAffinityConfig")
    if sa == "ClientIP":
        cp = "spec.sessionAffinityConfig"
        detail = "when session affinity type is ClientIP"
        if cfg is None:
            errs.append(_req(cp, detail))
        elif cfg.get("clientIP") is None:
            errs.append(_req(cp + ".clientIP", detail))
        elif cfg["clientIP"].get("timeoutSeconds") is None:
            errs.append(_req(cp + ".clientIP.timeoutSeconds", detail))
        else:
            t = cfg["clientIP"]["timeoutSeconds"]
            if t <= 0 or t > MAX_CLIENT_IP_AFFINITY_SECONDS:
                errs.append(_inv(cp + ".clientIP.timeoutSeconds", t,
                                 f"must be greater than 0 and less than {MAX_CLIENT_IP_AFFINITY_SECONDS}"))
    elif sa == "None" and cfg is not None:
        errs.append(_fb("spec.sessionAffinityConfig", "must not be set when session affinity is None"))
    _cluster_ips_errs(spec, errs)
    for i, ip in enumerate(spec.get("externalIPs") or ()):
        if _valid_ip_errs(f"spec.externalIPs[{i}]", ip, errs):
            _non_special_ip_errs(ip, f"spec.externalIPs[{i}]", errs)
    if not stype:
        errs.append(_req("spec.type"))
    elif stype not in _SERVICE_TYPES:
        errs.append(_ns("spec.type", stype, _SERVICE_TYPES))
    if stype == "ClusterIP":
        for i, sp in enumerate(ports):
            if sp.get("nodePort"):
                errs.append(_fb(f"spec.ports[{i}].nodePort", "may not be used when `type` is 'ClusterIP'"))
    node_ports: set = set()
    for i, sp in enumerate(ports):
        np_ = sp.get("nodePort") or 0
        if not np_:
            continue
        key = (sp.get("protocol") or "", np_)
        if key in node_ports:
            errs.append(_dup(f"spec.ports[{i}].nodePort", np_))
        node_ports.add(key)
    port_keys: set = set()
    for i, sp in enumerate(ports):
        key = (sp.get("protocol") or "", sp.get("port") or 0)
        if key in port_keys:
            errs.append(_dup(f"spec.ports[{i}]", _go_service_port_key(*key)))
        port_keys.add(key)
    ranges = spec.get("loadBalancerSourceRanges") or []
    if ranges:
        fp = "spec.LoadBalancerSourceRanges"  # sic: upstream's capital L
        if stype != "LoadBalancer":
            errs.append(_fb(fp, "may only be used when `type` is 'LoadBalancer'"))
        for i, r in enumerate(ranges):
            _valid_cidr_errs(f"{fp}[{i}]", r.strip(), errs)
    elif "service.beta.kubernetes.io/load-balancer-source-ranges" in ann:
        fp = "metadata.annotations[service.beta.kubernetes.io/load-balancer-source-ranges]"
        if stype != "LoadBalancer":
            errs.append(_fb(fp, "may only be used when `type` is 'LoadBalancer'"))
        val = ann["service.beta.kubernetes.io/load-balancer-source-ranges"].strip()
        if val:
            for r in val.split(","):
                _valid_cidr_errs(fp, r.strip(), errs)
    if spec.get("allocateLoadBalancerNodePorts") is not None and stype != "LoadBalancer":
        errs.append(_fb("spec.allocateLoadBalancerNodePorts", "may only be used when `type` is 'LoadBalancer'"))
    if stype == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
        errs.append(_req("allocateLoadBalancerNodePorts"))
    _lb_class_errs(None, spec, errs)
    etp = spec.get("externalTrafficPolicy") or ""
    if not _externally_accessible(spec):
        if etp:
            errs.append(_inv("spec.externalTrafficPolicy", etp, "may only be set for externally-accessible services"))
    elif not etp:
        errs.append(_req("spec.externalTrafficPolicy"))
    elif etp not in ("Cluster", "Local"):
        errs.append(_ns("spec.externalTrafficPolicy", etp, ("Cluster", "Local")))
    hc = spec.get("healthCheckNodePort") or 0
    if not (stype == "LoadBalancer" and etp == "Local"):
        if hc:
            errs.append(_inv("spec.healthCheckNodePort", hc,
                             "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
    elif not hc:
        errs.append(_req("spec.healthCheckNodePort"))
    else:
        for m in is_valid_port_num(hc):
            errs.append(_inv("spec.healthCheckNodePort", hc, m))
    itp = spec.get("internalTrafficPolicy")
    if itp is None:
        if stype in ("NodePort", "LoadBalancer", "ClusterIP"):
            errs.append(_req("spec.internalTrafficPolicy"))
    elif itp not in ("Cluster", "Local"):
        errs.append(_ns("spec.internalTrafficPolicy", itp, ("Cluster", "Local")))
    td = spec.get("trafficDistribution")
    if td is not None and td != "PreferClose":
        errs.append(_ns("spec.trafficDistribution", td, ("PreferClose",)))
    return errs


def _lb_class_errs(old_spec: dict | None, spec: dict, errs: list) -> None:
    """``validateLoadBalancerClassField``."""
    lb = spec.get("type") == "LoadBalancer"
    if old_spec is not None and lb and old_spec.get("type") == "LoadBalancer":
        if old_spec.get("loadBalancerClass") != spec.get("loadBalancerClass"):
            errs.append(_inv("spec.loadBalancerClass", spec.get("loadBalancerClass"), "may not change once set"))
    cls = spec.get("loadBalancerClass")
    if lb:
        if cls is not None:
            _qualified_name_errs(cls, "spec.loadBalancerClass", errs)
    elif cls is not None:
        errs.append(_fb("spec.loadBalancerClass", "may only be used when `type` is 'LoadBalancer'"))


def validate_service_update(new: dict, old: dict) -> list[FieldError]:
    """``ValidateServiceUpdate``: clusterIPs and ipFamilies may not change once set."""
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    ns, os_ = new.get("spec") or {}, old.get("spec") or {}
    if "ExternalName" not in (ns.get("type"), os_.get("type")) and not (_is_headless(ns) and _is_headless(os_)):
        new_ips, old_ips = ns.get("clusterIPs") or [], os_.get("clusterIPs") or []
        p0 = "spec.clusterIPs[0]"
        if len(old_ips) == len(new_ips):
            for i, ip in enumerate(old_ips):
                if ip != new_ips[i]:
                    errs.append(_inv(f"spec.clusterIPs[{i}]", list(new_ips), "may not change once set"))
        elif len(old_ips) > len(new_ips):
            if not new_ips:
                errs.append(_inv(p0, list(new_ips), "primary clusterIP can not be unset"))
            if old_ips and new_ips and new_ips[0] != old_ips[0]:
                errs.append(_inv(p0, list(new_ips), "may not change once set"))
            if len(new_ips) == 1 and ns.get("ipFamilyPolicy") != "SingleStack":
                errs.append(_inv("spec.ipFamilyPolicy", ns.get("ipFamilyPolicy"),
                                 "must be set to 'SingleStack' when releasing the secondary clusterIP"))
        elif old_ips and new_ips[0] != old_ips[0]:
            errs.append(_inv(p0, list(new_ips), "may not change once set"))
    if "ExternalName" not in (ns.get("type"), os_.get("type")) and _is_headless(ns) == _is_headless(os_) \
            and not _is_headless(ns):
        nf, of = ns.get("ipFamilies") or [], os_.get("ipFamilies") or []
        if len(nf) == len(of):
            for i, fam in enumerate(of):
                if fam != nf[i]:
                    errs.append(_inv("spec.ipFamilies[0]", list(nf), "may not change once set"))
        elif len(of) > len(nf):
            if not (ns.get("clusterIPs") or []):
                errs.append(_inv("spec.ipFamilies[0]", list(nf), "primary ipFamily can not be unset"))
            if nf and nf[0] != of[0]:
                errs.append(_inv("spec.ipFamilies[0]", list(ns.get("clusterIPs") or []), "may not change once set"))
            if len(nf) == 1 and ns.get("ipFamilyPolicy") != "SingleStack":
                errs.append(_inv("spec.ipFamilyPolicy", ns.get("ipFamilyPolicy"),
                                 "must be set to 'SingleStack' when releasing the secondary ipFamily"))
        elif of and nf and nf[0] != of[0]:
            errs.append(_inv("spec.ipFamilies[0]", list(ns.get("clusterIPs") or []), "may not change once set"))
    _lb_class_errs(os_, ns, errs)
    if os_.get("type") == "LoadBalancer" and os_.get("externalTrafficPolicy") == "Local" and \
            ns.get("type") == "LoadBalancer" and ns.get("externalTrafficPolicy") == "Local" and \
            ns.get("healthCheckNodePort") != os_.get("healthCheckNodePort"):
        errs.append(_fb("spec.healthCheckNodePort", IMMUTABLE_MSG))
    errs.extend(validate_service(new))
    return errs


def _lb_status_errs(status: dict | None, spec: dict, path: str, errs: list) -> None:
    ingress = (status or {}).get("ingress") or []
    ip_path = path + ".ingress"
    if spec.get("type") != "LoadBalancer" and ingress:
        errs.append(_fb(ip_path, "may only be used when `spec.type` is 'LoadBalancer'"))
        return
    for i, ing in enumerate(ingress):
        p = f"{ip_path}[{i}]"
        if ing.get("ip"):
            _valid_ip_errs(p + ".ip", ing["ip"], errs)
        mode = ing.get("ipMode")
        if mode is None:
            if ing.get("ip"):
                errs.append(_req(p + ".ipMode", "must be specified when `ip` is set"))
        elif not ing.get("ip"):
            errs.append(_fb(p + ".ipMode", "may not be specified when `ip` is not set"))
        elif mode not in ("Proxy", "VIP"):
            errs.append(_ns(p + ".ipMode", mode, ("Proxy", "VIP")))
        hn = ing.get("hostname")
        if hn:
            _dns_subdomain_errs(hn, p + ".hostname", errs)
            if parse_ip_sloppy(hn) is not None:
                errs.append(_inv(p + ".hostname", hn, "must be a DNS name, not an IP address"))


def validate_service_status(new: dict, old: dict) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    _lb_status_errs((new.get("status") or {}).get("loadBalancer"), new.get("spec") or {}, "status.loadBalancer", errs)
    return errs


# --------------------------------------------------------------------------------------------
# ConfigMap, Secret, Namespace, ServiceAccount, Node, Endpoints


def _data_errs(data: dict | None, path: str, errs: list, binary: bool = False) -> int:
    total = 0
    for key in sorted(data or {}):
        for m in is_config_map_key(key):
            errs.append(_inv(f"{path}[{key}]", key, m))
        total += _data_len(data[key], binary)
    return total


def _data_len(v: Any, base64_encoded: bool) -> int:
    if not isinstance(v, str):
        return 0
    if base64_encoded:
        s = v.rstrip("=")
        return len(s) * 3 // 4
    return _blen(v)


def validate_configmap(cm: dict) -> list[FieldError]:
    """``ValidateConfigMap``: keys, no key in both data and binaryData, total size <= 1 MiB."""
    errs = validate_object_meta(cm.get("metadata"), True)
    data = cm.get("data") or {}
    binary = cm.get("binaryData") or {}
    total = 0
    for key in sorted(data):
        for m in is_config_map_key(key):
            errs.append(_inv(f"data[{key}]", key, m))
        if key in binary:
            errs.append(_inv(f"data[{key}]", key, "duplicate of key present in binaryData"))
        total += _data_len(data[key], False)
    total += _data_errs(binary, "binaryData", errs, binary=True)
    if total > MAX_SECRET_SIZE:
        errs.append(_too_long("", MAX_SECRET_SIZE))
    return errs


IMMUTABLE_WHEN_SET_MSG = "field is immutable when `immutable` is set"


def validate_configmap_update(new: dict, old: dict) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    if old.get("immutable") is True:
        if new.get("immutable") is not True:
            errs.append(_fb("immutable", IMMUTABLE_WHEN_SET_MSG))
        if (new.get("data") or None) != (old.get("data") or None):
            errs.append(_fb("data", IMMUTABLE_WHEN_SET_MSG))
        if (new.get("binaryData") or None) != (old.get("binaryData") or None):
            errs.append(_fb("binaryData", IMMUTABLE_WHEN_SET_MSG))
    errs.extend(validate_configmap(new))
    return errs


def validate_secret(secret: dict) -> list[FieldError]:
    """``ValidateSecret`` (data values are base64 in the wire form; sizes count decoded bytes)."""
    meta = secret.get("metadata") or {}
    errs = validate_object_meta(meta, True)
    data = secret.get("data") or {}
    total = _data_errs(data, "data", errs, binary=True)
    if total > MAX_SECRET_SIZE:
        errs.append(_too_long("data", MAX_SECRET_SIZE))
    t = secret.get("type") or ""
    if t == "kubernetes.io/service-account-token":
        if not (meta.get("annotations") or {}).get("kubernetes.io/service-account.name"):
            errs.append(_req("metadata.annotations[kubernetes.io/service-account.name]"))
    elif t in ("kubernetes.io/dockercfg", "kubernetes.io/dockerconfigjson"):
        key = ".dockercfg" if t == "kubernetes.io/dockercfg" else ".dockerconfigjson"
        if key not in data:
            errs.append(_req(f"data[{key}]"))
        else:
            err = _json_object_error(data[key])
            if err:
                errs.append(_inv(f"data[{key}]", "<secret contents redacted>", err))
    elif t == "kubernetes.io/basic-auth":
        if "username" not in data and "password" not in data:
            errs.append(_req("data[username]"))
            errs.append(_req("data[password]"))
    elif t == "kubernetes.io/ssh-auth":
        if not data.get("ssh-privatekey"):
            errs.append(_req("data[ssh-privatekey]"))
    elif t == "kubernetes.io/tls":
        if "tls.crt" not in data:
            errs.append(_req("data[tls.crt]"))
        if "tls.key" not in data:
            errs.append(_req("data[tls.key]"))
    return errs


def _json_object_error(b64: Any) -> str:
    import base64
    import binascii
    try:
        raw = base64.b64decode(b64 or "", validate=False)
        val = json.loads(raw.decode("utf-8"))
    except (binascii.Error, UnicodeDecodeError, ValueError) as e:
        return f"invalid character in JSON: {e}" if isinstance(e, ValueError) else str(e)
    if not isinstance(val, dict):
        return f"json: cannot unmarshal {type(val).__name__} into Go value of type map[string]interface {{}}"
    return ""


def validate_secret_update(new: dict, old: dict) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    if (new.get("type") or "") != (old.get("type") or ""):
        errs.append(_inv("type", new.get("type") or "", IMMUTABLE_MSG))
    if old.get("immutable") is True:
        if new.get("immutable") is not True:
            errs.append(_fb("immutable", IMMUTABLE_WHEN_SET_MSG))
        if (new.get("data") or None) != (old.get("data") or None):
            errs.append(_fb("data", IMMUTABLE_WHEN_SET_MSG))
    errs.extend(validate_secret(new))
    return errs


def validate_namespace(ns: dict) -> list[FieldError]:
    """``ValidateNamespace``: names are DNS-1123 labels; spec finalizers qualified."""
    errs = validate_object_meta(ns.get("metadata"), False, names.name_is_dns_label)
    for f in ((ns.get("spec") or {}).get("finalizers") or ()):
        _qualified_name_errs(f, "spec.finalizers", errs)
        _kube_finalizer_errs([f], "spec.finalizers", errs, indexed=False)
    return errs


def validate_namespace_update(new: dict, old: dict) -> list[FieldError]:
    return validate_object_meta_update(new.get("metadata"), old.get("metadata"))


def validate_namespace_status(new: dict, old: dict) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    phase = (new.get("status") or {}).get("phase") or ""
    if not (new.get("metadata") or {}).get("deletionTimestamp"):
        if phase != "Active":
            errs.append(_inv("status.Phase", phase, "may only be 'Active' if `deletionTimestamp` is empty"))
    elif phase != "Terminating":
        errs.append(_inv("status.Phase", phase, "may only be 'Terminating' if `deletionTimestamp` is not empty"))
    return errs


def validate_service_account(sa: dict) -> list[FieldError]:
    return validate_object_meta(sa.get("metadata"), True)


def validate_service_account_update(new: dict, old: dict) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    errs.extend(validate_service_account(new))
    return errs


def _node_taints_errs(taints: list, path: str, errs: list) -> None:
    """``validateNodeTaints`` (upstream reports them under ``metadata.taints``)."""
    unique: dict = {}
    for i, t in enumerate(taints):
        ip = f"{path}[{i}]"
        key = t.get("key") or ""
        _qualified_name_errs(key, ip + ".key", errs)
        msgs = names.is_valid_label_value(t.get("value") or "")
        if msgs:
            errs.append(_inv(ip + ".value", t.get("value") or "", ";".join(msgs)))
        effect = t.get("effect") or ""
        if not effect:
            errs.append(_req(ip + ".effect"))
        elif effect not in _TAINT_EFFECTS:
            errs.append(_ns(ip + ".effect", effect, _TAINT_EFFECTS))
        if key in unique.get(effect, ()):
            errs.append(FieldError("Duplicate", ip, GoRepr(go_struct("core.Taint", t)),
                                   "taints must be unique by key and effect pair"))
            continue
        unique.setdefault(effect, set()).add(key)


def _node_resources_errs(node: dict, errs: list) -> None:
    st = node.get("status") or {}
    for field_name in ("capacity", "allocatable"):
        for k in sorted(st.get(field_name) or {}):
            _quantity_value_errs(k, st[field_name][k], f"status.{field_name}.{k}", errs)


def validate_node(node: dict) -> list[FieldError]:
    """``ValidateNode``."""
    errs = validate_object_meta(node.get("metadata"), False)
    spec = node.get("spec") or {}
    if spec.get("taints"):
        _node_taints_errs(spec["taints"], "metadata.taints", errs)
    _node_resources_errs(node, errs)
    cidrs = spec.get("podCIDRs") or []
    for i, c in enumerate(cidrs):
        _valid_cidr_errs(f"spec.podCIDRs[{i}]", c, errs)
    if len(cidrs) > 1:
        nets = [parse_cidr_sloppy(c) for c in cidrs]
        fams = {n.version for n in nets if n is not None}
        if len(fams) != 2 or len(cidrs) > 2:
            errs.append(_inv("spec.podCIDRs", list(cidrs), "may specify no more than one CIDR for each IP family"))
        seen: set = set()
        for i, c in enumerate(cidrs):
            if c in seen:
                errs.append(_dup(f"spec.podCIDRs[{i}]", c))
            seen.add(c)
    return errs


def validate_node_update(new: dict, old: dict) -> list[FieldError]:
    """``ValidateNodeUpdate`` (also used for ``/status``)."""
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    _node_resources_errs(new, errs)
    seen: set = set()
    for i, a in enumerate((new.get("status") or {}).get("addresses") or ()):
        key = (a.get("type"), a.get("address"))
        if key in seen:
            errs.append(_dup(f"status.addresses[{i}]", GoRepr(go_struct("core.NodeAddress", a))))
        seen.add(key)
    ns, os_ = new.get("spec") or {}, old.get("spec") or {}
    ocidrs, ncidrs = os_.get("podCIDRs") or [], ns.get("podCIDRs") or []
    msg = "node updates may not change podCIDR except from \"\" to valid"
    if ocidrs:
        if len(ocidrs) != len(ncidrs):
            errs.append(_fb("spec.podCIDRs", msg))
        else:
            for i, c in enumerate(ocidrs):
                if c != ncidrs[i]:
                    errs.append(_fb("spec.podCIDRs", msg))
    if os_.get("providerID") and os_.get("providerID") != ns.get("providerID"):
        errs.append(_fb("spec.providerID", "node updates may not change providerID except from \"\" to valid"))
    if ns.get("taints"):
        _node_taints_errs(ns["taints"], "metadata.taints", errs)
    if (ns.get("externalID") or "") != (os_.get("externalID") or ""):
        errs.append(_fb("spec.externalID", "may not be updated"))
    return errs


def _endpoint_address_errs(addr: dict, path: str, errs: list) -> None:
    ip = addr.get("ip") or ""
    _valid_ip_errs(path + ".ip", ip, errs)
    if addr.get("hostname"):
        _dns_label_errs(addr["hostname"], path + ".hostname", errs)
    if addr.get("nodeName") is not None:
        _name_fn_errs(names.name_is_dns_subdomain, addr["nodeName"], path + ".nodeName", errs)
    _non_special_ip_errs(ip, path + ".ip", errs)


def validate_endpoints(ep: dict) -> list[FieldError]:
    """``ValidateEndpoints``."""
    errs = validate_object_meta(ep.get("metadata"), True)
    for i, ss in enumerate(ep.get("subsets") or ()):
        sp = f"subsets[{i}]"
        if not ss.get("addresses") and not ss.get("notReadyAddresses"):
            errs.append(_req(sp, "must specify `addresses` or `notReadyAddresses`"))
        for j, a in enumerate(ss.get("addresses") or ()):
            _endpoint_address_errs(a, f"{sp}.addresses[{j}]", errs)
        for j, a in enumerate(ss.get("notReadyAddresses") or ()):
            _endpoint_address_errs(a, f"{sp}.notReadyAddresses[{j}]", errs)
        ports = ss.get("ports") or []
        for j, p in enumerate(ports):
            pp = f"{sp}.ports[{j}]"
            name = p.get("name") or ""
            if len(ports) > 1 and not name:
                errs.append(_req(pp + ".name"))
            elif name:
                _dns_label_errs(name, pp + ".name", errs)
            for m in is_valid_port_num(p.get("port") or 0):
                errs.append(_inv(pp + ".port", p.get("port") or 0, m))
            proto = p.get("protocol") or ""
            if not proto:
                errs.append(_req(pp + ".protocol"))
            elif proto not in _PROTOCOLS:
                errs.append(_ns(pp + ".protocol", proto, _PROTOCOLS))
            if p.get("appProtocol") is not None:
                _qualified_name_errs(p["appProtocol"], pp + ".appProtocol", errs)
    return errs


def validate_endpoints_update(new: dict, old: dict) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    errs.extend(validate_endpoints(new))
    return errs


# --------------------------------------------------------------------------------------------
# Storage: PersistentVolume, PersistentVolumeClaim, StorageClass

_ACCESS_MODES = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")
_RECLAIM_POLICIES = ("Delete", "Recycle", "Retain")
_VOLUME_MODES = ("Block", "Filesystem")
_PV_SOURCES = ("hostPath", "gcePersistentDisk", "awsElasticBlockStore", "glusterfs", "flocker", "nfs", "rbd",
               "quobyte", "cephfs", "iscsi", "cinder", "fc", "flexVolume", "azureFile", "vsphereVolume",
               "photonPersistentDisk", "portworxVolume", "azureDisk", "scaleIO", "local", "storageos", "csi")
_PV_SOURCE_CHILD = {"cephfs": "cephFS"}


def _access_modes_errs(modes: list, path: str, errs: list) -> None:
    rwop = other = False
    for m in modes:
        if m not in _ACCESS_MODES:
            errs.append(_ns(path, m, _ACCESS_MODES))
        if m == "ReadWriteOncePod":
            rwop = True
        elif m in _ACCESS_MODES:
            other = True
    if rwop and other:
        errs.append(_fb(path, "may not use ReadWriteOncePod with other access modes"))


def validate_pvc_spec(spec: dict, path: str = "spec") -> list[FieldError]:
    """``ValidatePersistentVolumeClaimSpec``."""
    errs: list[FieldError] = []
    modes = spec.get("accessModes") or []
    if not modes:
        errs.append(_req(path + ".accessModes", "at least 1 access mode is required"))
    if spec.get("selector") is not None:
        errs.extend(_label_selector_errs(spec["selector"], path + ".selector"))
    _access_modes_errs(modes, path + ".accessModes", errs)
    requests = (spec.get("resources") or {}).get("requests") or {}
    sp = path + ".resources[storage]"
    if "storage" not in requests:
        errs.append(_req(sp))
    else:
        q = _parse_q(requests["storage"])
        if q is not None and not (q > _zero_q()):
            errs.append(_inv(sp, _qstr(q), NOT_POSITIVE_MSG))
        elif q is not None:
            _quantity_value_errs("storage", requests["storage"], sp, errs)
    scn = spec.get("storageClassName")
    if scn:
        _name_fn_errs(names.name_is_dns_subdomain, scn, path + ".storageClassName", errs)
    vm = spec.get("volumeMode")
    if vm is not None and vm not in _VOLUME_MODES:
        errs.append(_ns(path + ".volumeMode", vm, _VOLUME_MODES))
    for key in ("dataSource", "dataSourceRef"):
        ds = spec.get(key)
        if ds is None:
            continue
        dp = f"{path}.{key}"
        if not ds.get("name"):
            errs.append(_req(dp + ".name"))
        if not ds.get("kind"):
            errs.append(_req(dp + ".kind"))
        group = ds.get("apiGroup") or ""
        if not group and ds.get("kind") != "PersistentVolumeClaim":
            errs.append(_inv(dp, ds.get("kind") or "", "must be 'PersistentVolumeClaim' when referencing the default apiGroup"))
        if group:
            _dns_subdomain_errs(group, dp + ".apiGroup", errs)
        if key == "dataSourceRef" and ds.get("namespace"):
            _name_fn_errs(names.name_is_dns_label, ds["namespace"], dp + ".namespace", errs)
    return errs


def validate_pvc(pvc: dict) -> list[FieldError]:
    errs = validate_object_meta(pvc.get("metadata"), True)
    errs.extend(validate_pvc_spec(pvc.get("spec") or {}))
    return errs


PVC_IMMUTABLE_MSG = "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"


def validate_pvc_update(new: dict, old: dict) -> list[FieldError]:
    """``ValidatePersistentVolumeClaimUpdate``."""
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    errs.extend(validate_pvc(new))
    ns, os_ = dict(new.get("spec") or {}), dict(old.get("spec") or {})
    if not os_.get("volumeName"):
        if "volumeName" in ns:
            os_["volumeName"] = ns["volumeName"]
        else:
            os_.pop("volumeName", None)
    nann = (new.get("metadata") or {}).get("annotations") or {}
    oann = (old.get("metadata") or {}).get("annotations") or {}
    beta = "volume.beta.kubernetes.io/storage-class"
    if beta in oann and os_.get("storageClassName") is None and ns.get("storageClassName") == oann[beta] and \
            (beta not in nann or nann[beta] == oann[beta]):
        ns.pop("storageClassName", None)
    else:
        if nann.get(beta, "") != oann.get(beta, ""):
            errs.append(_inv(f"metadata.annotations.{beta}", nann.get(beta, ""), IMMUTABLE_MSG))
        if ns.get("storageClassName") is not None and os_.get("storageClassName") is None and \
                (beta not in oann or ns["storageClassName"] == oann[beta]):
            ns["storageClassName"] = None
            ns.pop("storageClassName")
    bound = ((new.get("status") or {}).get("phase") or "") == "Bound"
    if bound and "resources" in ns:
        res = dict(ns.get("resources") or {})
        reqs = dict(res.get("requests") or {})
        old_storage = ((os_.get("resources") or {}).get("requests") or {}).get("storage")
        if old_storage is None:
            reqs.pop("storage", None)
        else:
            reqs["storage"] = old_storage
        res["requests"] = reqs
        ns["resources"] = res
    if bound and ns.get("volumeAttributesClassName") is not None:
        ns["volumeAttributesClassName"] = os_.get("volumeAttributesClassName")
    if not _semantic_equal(ns, os_):
        errs.append(_fb("spec", PVC_IMMUTABLE_MSG + "\n" + spec_diff(os_, ns, "core.PersistentVolumeClaimSpec")))
    new_size = _parse_q((((new.get("spec") or {}).get("resources") or {}).get("requests") or {}).get("storage", "0"))
    old_size = _parse_q((((old.get("spec") or {}).get("resources") or {}).get("requests") or {}).get("storage", "0"))
    status_size = _parse_q(((old.get("status") or {}).get("capacity") or {}).get("storage", "0"))
    if new_size is not None and old_size is not None and new_size < old_size:
        # RecoverVolumeExpansionFailure is beta (on) in 1.32: shrinking is allowed down to above status.capacity
        if status_size is not None and not (new_size > status_size):
            errs.append(_fb("spec.resources.requests.storage", "field can not be less than status.capacity"))
    if (new.get("spec") or {}).get("volumeMode") != (old.get("spec") or {}).get("volumeMode"):
        errs.append(_inv("volumeMode", (new.get("spec") or {}).get("volumeMode"), IMMUTABLE_MSG))
    if (new.get("spec") or {}).get("volumeAttributesClassName") != (old.get("spec") or {}).get("volumeAttributesClassName"):
        errs.append(_fb("spec.volumeAttributesClassName",
                        "update is forbidden when the VolumeAttributesClass feature gate is disabled"))
    return errs


def validate_pvc_status(new: dict, old: dict) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    if not (new.get("metadata") or {}).get("resourceVersion"):
        errs.append(_req("resourceVersion"))
    if not (new.get("spec") or {}).get("accessModes"):
        errs.append(_req("Spec.accessModes"))
    for k in sorted(((new.get("status") or {}).get("capacity") or {})):
        q = _parse_q(new["status"]["capacity"][k])
        if q is not None and q < _zero_q():
            errs.append(_inv(f"status.capacity[{k}]", _qstr(q), "must be a valid resource quantity"))
    return errs


def validate_pv_spec(spec: dict, pv_name: str, path: str = "spec") -> list[FieldError]:
    """``ValidatePersistentVolumeSpec`` (not inline)."""
    errs: list[FieldError] = []
    modes = spec.get("accessModes") or []
    if not modes:
        errs.append(_req(path + ".accessModes"))
    _access_modes_errs(modes, path + ".accessModes", errs)
    cap = spec.get("capacity") or {}
    if not cap:
        errs.append(_req(path + ".capacity"))
    if "storage" not in cap or len(cap) > 1:
        errs.append(_ns(path + ".capacity", GoRepr("core.ResourceList{" + ", ".join(
            f"{_q(k)}:{{...}}" for k in sorted(cap)) + "}"), ("storage",)))
    for k in sorted(cap):
        q = _parse_q(cap[k])
        kp = f"{path}.capacity[{k}]"
        if q is None:
            continue
        if q < _zero_q():
            errs.append(_inv(kp, _qstr(q), "must be a valid resource quantity"))
        if not (q > _zero_q()):
            errs.append(_inv(kp, _qstr(q), NOT_POSITIVE_MSG))
    rp = spec.get("persistentVolumeReclaimPolicy") or ""
    if rp and rp not in _RECLAIM_POLICIES:
        errs.append(_ns(path + ".persistentVolumeReclaimPolicy", rp, _RECLAIM_POLICIES))
    na = spec.get("nodeAffinity")
    if na is not None:
        if na.get("required") is not None:
            errs.extend(validate_node_selector(na["required"], False, path + ".nodeAffinity.required"))
        else:
            errs.append(_req(path + ".nodeAffinity.required", "must specify required node constraints"))
    num = 0
    for key in _PV_SOURCES:
        src = spec.get(key)
        if src is None:
            continue
        child = _PV_SOURCE_CHILD.get(key, key)
        if num > 0 and key != "flexVolume":
            errs.append(_fb(f"{path}.{child}", "may not specify more than 1 volume type"))
            continue
        num += 1
        kp = f"{path}.{key if key != 'gcePersistentDisk' else 'persistentDisk'}"
        if key == "hostPath":
            _hostpath_errs(src, kp, errs)
        elif key == "nfs":
            _nfs_errs(src, kp, errs)
        elif key == "local":
            if not src.get("path"):
                errs.append(_req(kp + ".path"))
            else:
                _backsteps_errs(src["path"], kp + ".path", errs)
            if na is None:
                errs.append(_req(path + ".nodeAffinity", "Local volume requires node affinity"))
        elif key == "csi":
            _csi_driver_errs(src.get("driver") or "", kp + ".driver", errs)
            if not src.get("volumeHandle"):
                errs.append(_req(kp + ".volumeHandle"))
    if num == 0:
        errs.append(_req(path, "must specify a volume type"))
    hp = spec.get("hostPath")
    if hp is not None and (hp.get("path") or "").rstrip("/") == "" and (hp.get("path") or "").startswith("/") \
            and rp == "Recycle":
        errs.append(_fb(path + ".persistentVolumeReclaimPolicy", "may not be 'recycle' for a hostPath mount of '/'"))
    if spec.get("storageClassName"):
        _name_fn_errs(names.name_is_dns_subdomain, spec["storageClassName"], path + ".storageClassName", errs)
    vm = spec.get("volumeMode")
    if vm is not None and vm not in _VOLUME_MODES:
        errs.append(_ns(path + ".volumeMode", vm, _VOLUME_MODES))
    return errs


def validate_pv(pv: dict) -> list[FieldError]:
    meta = pv.get("metadata") or {}
    errs = validate_object_meta(meta, False)
    errs.extend(validate_pv_spec(pv.get("spec") or {}, meta.get("name") or ""))
    return errs


_PV_NON_SOURCE = frozenset({"accessModes", "capacity", "claimRef", "persistentVolumeReclaimPolicy", "storageClassName",
                            "mountOptions", "volumeMode", "nodeAffinity", "volumeAttributesClassName"})


def validate_pv_update(new: dict, old: dict) -> list[FieldError]:
    errs = validate_pv(new)
    ns, os_ = new.get("spec") or {}, old.get("spec") or {}
    nsrc = {k: v for k, v in ns.items() if k not in _PV_NON_SOURCE}
    osrc = {k: v for k, v in os_.items() if k not in _PV_NON_SOURCE}
    if "csi" in nsrc and "csi" in osrc and osrc["csi"].get("controllerExpandSecretRef") is None:
        nsrc["csi"] = {k: v for k, v in nsrc["csi"].items() if k != "controllerExpandSecretRef"}
    if not _semantic_equal(nsrc, osrc):
        errs.append(_fb("spec.persistentvolumesource", "spec.persistentvolumesource is immutable after creation\n"
                        + spec_diff(osrc, nsrc, "core.PersistentVolumeSource")))
    if ns.get("volumeMode") != os_.get("volumeMode"):
        errs.append(_inv("volumeMode", ns.get("volumeMode"), IMMUTABLE_MSG))
    if os_.get("nodeAffinity") is not None and not _semantic_equal(ns.get("nodeAffinity"), os_.get("nodeAffinity")):
        errs.append(_inv("nodeAffinity", GoRepr(_go_field(ns.get("nodeAffinity"), "core.VolumeNodeAffinity")),
                         IMMUTABLE_MSG + ", except for updating from beta label to GA"))
    return errs


def validate_pv_status(new: dict, old: dict) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    if not (new.get("metadata") or {}).get("resourceVersion"):
        errs.append(_req("resourceVersion"))
    return errs


def validate_storage_class(sc: dict) -> list[FieldError]:
    """``ValidateStorageClass``."""
    errs = validate_object_meta(sc.get("metadata"), False)
    prov = sc.get("provisioner") or ""
    if not prov:
        errs.append(_req("provisioner", ""))
    else:
        _qualified_name_errs(prov.lower(), "provisioner", errs)
    params = sc.get("parameters") or {}
    if len(params) > 512:
        errs.append(_too_long("parameters", 512))
    else:
        total = 0
        for k in sorted(params):
            if not k:
                errs.append(_inv("parameters", k, "field can not be empty."))
            total += _blen(k) + _blen(params[k] or "")
        if total > 256 * 1024:
            errs.append(_too_long("parameters", 256 * 1024))
    rp = sc.get("reclaimPolicy") or ""
    if rp and rp not in ("Delete", "Retain"):
        errs.append(_ns("reclaimPolicy", rp, ("Delete", "Retain")))
    vbm = sc.get("volumeBindingMode")
    if vbm is None:
        errs.append(_req("volumeBindingMode"))
    elif vbm not in ("Immediate", "WaitForFirstConsumer"):
        errs.append(_ns("volumeBindingMode", vbm, ("Immediate", "WaitForFirstConsumer")))
    for i, term in enumerate(sc.get("allowedTopologies") or ()):
        keys: set = set()
        for j, req in enumerate(term.get("matchLabelExpressions") or ()):
            rp_ = f"allowedTopologies[{i}].matchLabelExpressions[{j}]"
            vals = req.get("values") or []
            if not vals:
                errs.append(_req(rp_ + ".values"))
            seen: set = set()
            for k, v in enumerate(vals):
                if v in seen:
                    errs.append(_dup(f"{rp_}.values[{k}]", v))
                seen.add(v)
            _qualified_name_errs(req.get("key") or "", rp_ + ".key", errs)
            if req.get("key") in keys:
                errs.append(_dup(rp_ + ".key", req.get("key")))
            keys.add(req.get("key"))
    return errs


def validate_storage_class_update(new: dict, old: dict) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    if (new.get("parameters") or {}) != (old.get("parameters") or {}):
        errs.append(_fb("parameters", "updates to parameters are forbidden."))
    if new.get("provisioner") != old.get("provisioner"):
        errs.append(_fb("provisioner", "updates to provisioner are forbidden."))
    if new.get("reclaimPolicy") != old.get("reclaimPolicy"):
        errs.append(_fb("reclaimPolicy", "updates to reclaimPolicy are forbidden."))
    if new.get("volumeBindingMode") != old.get("volumeBindingMode"):
        errs.append(_inv("volumeBindingMode", new.get("volumeBindingMode"), IMMUTABLE_MSG))
    return errs


# --------------------------------------------------------------------------------------------
# LimitRange and ResourceQuota


def _limit_resource_name_errs(limit_type: str, name: str, path: str) -> list[FieldError]:
    if limit_type in ("Pod", "Container"):
        return _container_resource_name_errs(name, path)
    return _resource_name_errs(name, path)


def validate_limit_range(lr: dict) -> list[FieldError]:
    """``ValidateLimitRange``."""
    errs = validate_object_meta(lr.get("metadata"), True)
    types_seen: set = set()
    for i, limit in enumerate((lr.get("spec") or {}).get("limits") or ()):
        ip = f"spec.limits[{i}]"
        lt = limit.get("type") or ""
        terrs: list = []
        _qualified_name_errs(lt, ip + ".type", terrs)
        if not terrs and "/" not in lt and lt not in _STANDARD_LIMIT_TYPES:
            terrs.append(_inv(ip + ".type", lt, "must be a standard limit type or fully qualified"))
        errs.extend(terrs)
        if lt in types_seen:
            errs.append(_dup(ip + ".type", lt))
        types_seen.add(lt)
        parsed: dict = {}
        keys: set = set()
        for field_name in ("max", "min"):
            for k in sorted(limit.get(field_name) or {}):
                errs.extend(_limit_resource_name_errs(lt, k, f"{ip}.{field_name}[{k}]"))
                keys.add(k)
                parsed[(field_name, k)] = _parse_q(limit[field_name][k])
        if lt == "Pod":
            if limit.get("default"):
                errs.append(_fb(ip + ".default", "may not be specified when `type` is 'Pod'"))
            if limit.get("defaultRequest"):
                errs.append(_fb(ip + ".defaultRequest", "may not be specified when `type` is 'Pod'"))
        else:
            for field_name in ("default", "defaultRequest"):
                for k in sorted(limit.get(field_name) or {}):
                    errs.extend(_limit_resource_name_errs(lt, k, f"{ip}.{field_name}[{k}]"))
                    keys.add(k)
                    parsed[(field_name, k)] = _parse_q(limit[field_name][k])
        if lt == "PersistentVolumeClaim" and "storage" not in (limit.get("min") or {}) and \
                "storage" not in (limit.get("max") or {}):
            errs.append(_req(ip + ".limits", "either minimum or maximum storage value is required, but neither was provided"))
        for k in sorted(limit.get("maxLimitRequestRatio") or {}):
            errs.extend(_limit_resource_name_errs(lt, k, f"{ip}.maxLimitRequestRatio[{k}]"))
            keys.add(k)
            parsed[("ratio", k)] = _parse_q(limit["maxLimitRequestRatio"][k])
        for k in sorted(keys):
            mn, mx = parsed.get(("min", k)), parsed.get(("max", k))
            df, dr = parsed.get(("default", k)), parsed.get(("defaultRequest", k))
            ratio = parsed.get(("ratio", k))
            if mn is not None and mx is not None and mn > mx:
                errs.append(_inv(f"{ip}.min[{k}]", GoRepr(_qstr(mn)), f"min value {_qstr(mn)} is greater than max value {_qstr(mx)}"))
            if dr is not None and mn is not None and mn > dr:
                errs.append(_inv(f"{ip}.defaultRequest[{k}]", GoRepr(_qstr(dr)),
                                 f"min value {_qstr(mn)} is greater than default request value {_qstr(dr)}"))
            if dr is not None and mx is not None and dr > mx:
                errs.append(_inv(f"{ip}.defaultRequest[{k}]", GoRepr(_qstr(dr)),
                                 f"default request value {_qstr(dr)} is greater than max value {_qstr(mx)}"))
            if dr is not None and df is not None and dr > df:
                errs.append(_inv(f"{ip}.defaultRequest[{k}]", GoRepr(_qstr(dr)),
                                 f"default request value {_qstr(dr)} is greater than default limit value {_qstr(df)}"))
            if df is not None and mn is not None and mn > df:
                errs.append(_inv(f"{ip}.default[{k}]", GoRepr(_qstr(mn)), f"min value {_qstr(mn)} is greater than default value {_qstr(df)}"))
            if df is not None and mx is not None and df > mx:
                errs.append(_inv(f"{ip}.default[{k}]", GoRepr(_qstr(mx)), f"default value {_qstr(df)} is greater than max value {_qstr(mx)}"))
            if ratio is not None and ratio < _parse_q("1"):
                errs.append(_inv(f"{ip}.maxLimitRequestRatio[{k}]", GoRepr(_qstr(ratio)), f"ratio {_qstr(ratio)} is less than 1"))
    return errs


def validate_limit_range_update(new: dict, old: dict) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    errs.extend(validate_limit_range(new))
    return errs


_QUOTA_SCOPES = frozenset({"Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass",
                           "CrossNamespacePodAffinity"})


def _quota_resource_errs(hard: dict | None, path: str, errs: list) -> None:
    for k in sorted(hard or {}):
        rp = f"{path}[{k}]"
        rerrs = _resource_name_errs(k, rp)
        if "/" not in k and not (k in _STANDARD_QUOTA_RESOURCES or _is_quota_hugepages(k)):
            rerrs.append(_inv(rp, k, "must be a standard resource for quota"))
        errs.extend(rerrs)
        _quantity_value_errs(k, hard[k], rp, errs)


def validate_resource_quota_spec(spec: dict, path: str = "spec") -> list[FieldError]:
    errs: list[FieldError] = []
    _quota_resource_errs(spec.get("hard"), path + ".hard", errs)
    scopes = spec.get("scopes") or []
    if scopes:
        sp = path + ".scopes"
        for s in scopes:
            if s not in _QUOTA_SCOPES:
                errs.append(_inv(sp, list(scopes), "unsupported scope"))
        ss = set(scopes)
        if {"BestEffort", "NotBestEffort"} <= ss or {"Terminating", "NotTerminating"} <= ss:
            errs.append(_inv(sp, list(scopes), "conflicting scopes"))
    return errs


def validate_resource_quota(rq: dict) -> list[FieldError]:
    errs = validate_object_meta(rq.get("metadata"), True)
    errs.extend(validate_resource_quota_spec(rq.get("spec") or {}))
    st = rq.get("status") or {}
    _quota_resource_errs(st.get("hard"), "status.hard", errs)
    _quota_resource_errs(st.get("used"), "status.used", errs)
    return errs


def validate_resource_quota_update(new: dict, old: dict) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    errs.extend(validate_resource_quota_spec(new.get("spec") or {}))
    nsc = set((new.get("spec") or {}).get("scopes") or ())
    osc = set((old.get("spec") or {}).get("scopes") or ())
    if nsc != osc:
        errs.append(_inv("spec.scopes", list((new.get("spec") or {}).get("scopes") or []), IMMUTABLE_MSG))
    return errs


def validate_resource_quota_status(new: dict, old: dict) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    if not (new.get("metadata") or {}).get("resourceVersion"):
        errs.append(_req("resourceVersion"))
    st = new.get("status") or {}
    _quota_resource_errs(st.get("hard"), "status.hard", errs)
    _quota_resource_errs(st.get("used"), "status.used", errs)
    return errs


# --------------------------------------------------------------------------------------------
# networking.k8s.io: Ingress, IngressClass, NetworkPolicy

_PATH_TYPES = ("Exact", "ImplementationSpecific", "Prefix")


def _ingress_backend_errs(be: dict, path: str, errs: list) -> None:
    """``validateIngressBackend`` (1.32: service names are DNS-1035 labels)."""
    res, svc = be.get("resource"), be.get("service")
    if res is not None and svc is not None:
        errs.append(_inv(path, "", "cannot set both resource and service backends"))
        return
    if res is not None:
        rp = path + ".resource"
        if res.get("apiGroup"):
            _dns_subdomain_errs(res["apiGroup"], rp + ".apiGroup", errs)
        for f in ("kind", "name"):
            if not res.get(f):
                errs.append(_req(f"{rp}.{f}"))
            else:
                for m in is_valid_path_segment_name(res[f]):
                    errs.append(_inv(f"{rp}.{f}", res[f], m))
    elif svc is not None:
        name = svc.get("name") or ""
        if not name:
            errs.append(_req(path + ".service.name"))
        else:
            _name_fn_errs(names.name_is_dns1035_label, name, path + ".service.name", errs)
        port = svc.get("port") or {}
        pname, pnum = port.get("name") or "", port.get("number") or 0
        if pname and pnum:
            errs.append(_inv(path, "", "cannot set both port name & port number"))
        elif pname:
            for m in is_valid_port_name(pname):
                errs.append(_inv(path + ".service.port.name", pname, m))
        elif pnum:
            for m in is_valid_port_num(pnum):
                errs.append(_inv(path + ".service.port.number", pnum, m))
        else:
            errs.append(_req(path, "port name or number is required"))
    else:
        errs.append(_inv(path, "", "resource or service backend is required"))


_WILDCARD_FMT = "\\*\\." + names.DNS1123_SUBDOMAIN_FMT
_WILDCARD_RE = re.compile(_WILDCARD_FMT)
_WILDCARD_ERR = _regex_error("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, "
                             "which must consist of lower case alphanumeric characters, '-' or '.' and end with an "
                             "alphanumeric character", _WILDCARD_FMT, "*.example.com")


def _host_errs(host: str, path: str, errs: list) -> bool:
    if "*" in host:
        if _blen(host) > 253:
            errs.append(_inv(path, host, names.max_len_error(253)))
        if _WILDCARD_RE.fullmatch(host) is None:
            errs.append(_inv(path, host, _WILDCARD_ERR))
        return True
    _dns_subdomain_errs(host, path, errs)
    return False


def validate_ingress_spec(spec: dict, path: str = "spec") -> list[FieldError]:
    """``ValidateIngressSpec``."""
    errs: list[FieldError] = []
    rules = spec.get("rules") or []
    if not rules and spec.get("defaultBackend") is None:
        errs.append(_inv(path, GoRepr("[]networking.IngressRule(nil)" if spec.get("rules") is None else
                                      "[]networking.IngressRule{}"),
                         "either `defaultBackend` or `rules` must be specified"))
    if spec.get("defaultBackend") is not None:
        _ingress_backend_errs(spec["defaultBackend"], path + ".defaultBackend", errs)
    for i, rule in enumerate(rules):
        rp = f"{path}.rules[{i}]"
        host = rule.get("host") or ""
        if host:
            if parse_ip_sloppy(host) is not None:
                errs.append(_inv(rp + ".host", host, "must be a DNS name, not an IP address"))
            _host_errs(host, rp + ".host", errs)
        http = rule.get("http")
        if http is not None:
            hp = rp + ".http"
            paths = http.get("paths") or []
            if not paths:
                errs.append(_req(hp + ".paths"))
            for j, p in enumerate(paths):
                pp = f"{hp}.paths[{j}]"
                pt = p.get("pathType")
                if pt is None:
                    errs.append(_req(pp + ".pathType", "pathType must be specified"))
                    continue
                text = p.get("path") or ""
                if pt in ("Exact", "Prefix"):
                    if not text.startswith("/"):
                        errs.append(_inv(pp + ".path", text, "must be an absolute path"))
                    if text:
                        for seq in ("//", "/./", "/../", "%2f", "%2F"):
                            if seq in text:
                                errs.append(_inv(pp + ".path", text, f"must not contain '{seq}'"))
                        for suf in ("/..", "/."):
                            if text.endswith(suf):
                                errs.append(_inv(pp + ".path", text, f"cannot end with '{suf}'"))
                elif pt == "ImplementationSpecific":
                    if text and not text.startswith("/"):
                        errs.append(_inv(pp + ".path", text, "must be an absolute path"))
                else:
                    errs.append(_ns(pp + ".pathType", pt, _PATH_TYPES))
                _ingress_backend_errs(p.get("backend") or {}, pp + ".backend", errs)
    for i, tls in enumerate(spec.get("tls") or ()):
        tp = f"{path}.tls[{i}]"
        for j, h in enumerate(tls.get("hosts") or ()):
            _host_errs(h, f"{tp}.hosts[{j}]", errs)
        sn = tls.get("secretName") or ""
        if sn:
            _name_fn_errs(names.name_is_dns_subdomain, sn, tp + ".secretName", errs)
    if spec.get("ingressClassName") is not None:
        _name_fn_errs(names.name_is_dns_subdomain, spec["ingressClassName"], path + ".ingressClassName", errs)
    return errs


def validate_ingress(ing: dict) -> list[FieldError]:
    """``ValidateIngressCreate``."""
    meta = ing.get("metadata") or {}
    spec = ing.get("spec") or {}
    errs = validate_object_meta(meta, True)
    errs.extend(validate_ingress_spec(spec))
    cls = (meta.get("annotations") or {}).get("kubernetes.io/ingress.class")
    if cls is not None and spec.get("ingressClassName") is not None and cls != spec["ingressClassName"]:
        errs.append(_inv("annotations.kubernetes.io/ingress.class", cls,
                         "must match `ingressClassName` when both are specified"))
    return errs


def validate_ingress_update(new: dict, old: dict) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    errs.extend(validate_object_meta(new.get("metadata"), True))
    errs.extend(validate_ingress_spec(new.get("spec") or {}))
    return errs


def validate_ingress_status(new: dict, old: dict) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    for i, ing in enumerate((((new.get("status") or {}).get("loadBalancer") or {}).get("ingress") or ())):
        p = f"status.loadBalancer.ingress[{i}]"
        if ing.get("ip"):
            _valid_ip_errs(p + ".ip", ing["ip"], errs)
        if ing.get("hostname"):
            _dns_subdomain_errs(ing["hostname"], p + ".hostname", errs)
            if parse_ip_sloppy(ing["hostname"]) is not None:
                errs.append(_inv(p + ".hostname", ing["hostname"], "must be a DNS name, not an IP address"))
    return errs


def validate_ingress_class(ic: dict) -> list[FieldError]:
    errs = validate_object_meta(ic.get("metadata"), False)
    spec = ic.get("spec") or {}
    ctrl = spec.get("controller") or ""
    if not ctrl:
        errs.append(_req("spec.controller"))
    else:
        if _blen(ctrl) > 250:
            errs.append(_too_long("spec.controller", 250))
        host, sep, rest = ctrl.partition("/")
        if not sep or not host or not rest:
            errs.append(_inv("spec.controller", ctrl, "must be a domain-prefixed path (such as \"acme.io/foo\")"))
        else:
            _dns_subdomain_errs(host, "spec.controller", errs)
    params = spec.get("parameters")
    if params is not None:
        pp = "spec.parameters"
        if params.get("apiGroup"):
            _dns_subdomain_errs(params["apiGroup"], pp + ".apiGroup", errs)
        for f in ("kind", "name"):
            if not params.get(f):
                errs.append(_req(f"{pp}.{f}"))
            else:
                for m in is_valid_path_segment_name(params[f]):
                    errs.append(_inv(f"{pp}.{f}", params[f], m))
        scope = params.get("scope")
        if scope is None:
            errs.append(_req(pp + ".scope"))
        elif scope not in ("Cluster", "Namespace"):
            errs.append(_ns(pp + ".scope", scope, ("Cluster", "Namespace")))
        elif scope == "Namespace" and params.get("namespace") is None:
            errs.append(_req(pp + ".namespace", "`parameters.scope` is set to 'Namespace'"))
        elif scope == "Cluster" and params.get("namespace") is not None:
            errs.append(_fb(pp + ".namespace", "`parameters.scope` is set to 'Cluster'"))
    return errs


def validate_ingress_class_update(new: dict, old: dict) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    nc = (new.get("spec") or {}).get("controller") or ""
    if nc != ((old.get("spec") or {}).get("controller") or ""):
        errs.append(_inv("spec.controller", nc, IMMUTABLE_MSG))
    errs.extend(validate_ingress_class(new))
    return errs


def _np_port_errs(port: dict, path: str, errs: list) -> None:
    proto = port.get("protocol")
    if proto is not None and proto not in ("TCP", "UDP", "SCTP"):
        errs.append(_ns(path + ".protocol", proto, ("TCP", "UDP", "SCTP")))
    p = port.get("port")
    end = port.get("endPort")
    if p is not None:
        if not isinstance(p, str):
            for m in is_valid_port_num(p):
                errs.append(_inv(path + ".port", p, m))
            if end is not None:
                if end < p:
                    errs.append(_inv(path + ".endPort", end, "must be greater than or equal to `port`"))
                for m in is_valid_port_num(end):
                    errs.append(_inv(path + ".endPort", end, m))
        else:
            if end is not None:
                errs.append(_inv(path + ".endPort", end, "may not be specified when `port` is non-numeric"))
            for m in is_valid_port_name(p):
                errs.append(_inv(path + ".port", p, m))
    elif end is not None:
        errs.append(_inv(path + ".endPort", end, "may not be specified when `port` is not specified"))


def _np_peer_errs(peer: dict, path: str, errs: list) -> None:
    num = 0
    if peer.get("podSelector") is not None:
        num += 1
        errs.extend(_label_selector_errs(peer["podSelector"], path + ".podSelector"))
    if peer.get("namespaceSelector") is not None:
        num += 1
        errs.extend(_label_selector_errs(peer["namespaceSelector"], path + ".namespaceSelector"))
    ipb = peer.get("ipBlock")
    if ipb is not None:
        num += 1
        bp = path + ".ipBlock"
        cidr = ipb.get("cidr") or ""
        net = parse_cidr_sloppy(cidr)
        if not cidr:
            errs.append(_req(bp + ".cidr"))
        elif net is None:
            errs.append(_inv(bp + ".cidr", cidr, "not a valid CIDR"))
        else:
            for i, ex in enumerate(ipb.get("except") or ()):
                en = parse_cidr_sloppy(ex)
                if en is None:
                    errs.append(_inv(f"{bp}.except[{i}]", ex, "not a valid CIDR"))
                    break
                if en.version != net.version or not en.subnet_of(net) or en.prefixlen <= net.prefixlen:
                    errs.append(_inv(f"{bp}.except[{i}]", ex, "must be a strict subset of `cidr`"))
    if num == 0:
        errs.append(_req(path, "must specify a peer"))
    elif num > 1 and ipb is not None:
        errs.append(_fb(path, "may not specify both ipBlock and another peer"))


def validate_network_policy(np_: dict) -> list[FieldError]:
    """``ValidateNetworkPolicy``."""
    errs = validate_object_meta(np_.get("metadata"), True)
    errs.extend(_network_policy_spec_errs(np_.get("spec") or {}))
    return errs


def _network_policy_spec_errs(spec: dict) -> list[FieldError]:
    """``ValidateNetworkPolicySpec``."""
    errs: list[FieldError] = []
    errs.extend(_label_selector_errs(spec.get("podSelector") or {}, "spec.podSelector"))
    for direction, peers in (("ingress", "from"), ("egress", "to")):
        for i, rule in enumerate(spec.get(direction) or ()):
            rp = f"spec.{direction}[{i}]"
            for j, port in enumerate(rule.get("ports") or ()):
                _np_port_errs(port, f"{rp}.ports[{j}]", errs)
            for j, peer in enumerate(rule.get(peers) or ()):
                _np_peer_errs(peer, f"{rp}.{peers}[{j}]", errs)
    pts = spec.get("policyTypes") or []
    if len(pts) > 2:
        errs.append(_inv("spec.policyTypes", list(pts), "may not specify more than two policyTypes"))
        return errs
    for i, t in enumerate(pts):
        if t not in ("Ingress", "Egress"):
            errs.append(_ns(f"spec.policyTypes[{i}]", t, ("Ingress", "Egress")))
    return errs


def validate_network_policy_update(new: dict, old: dict) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    errs.extend(_network_policy_spec_errs(new.get("spec") or {}))
    return errs


# --------------------------------------------------------------------------------------------
# policy/v1 PodDisruptionBudget, autoscaling/v2 HPA, coordination Lease, scheduling PriorityClass


def validate_pdb(pdb: dict) -> list[FieldError]:
    """``ValidatePodDisruptionBudget`` (spec only: metadata is checked generically afterwards)."""
    spec = pdb.get("spec") or {}
    errs: list[FieldError] = []
    mn, mx = spec.get("minAvailable"), spec.get("maxUnavailable")
    if mn is not None and mx is not None:
        errs.append(_inv("spec", GoRepr(go_struct("policy.PodDisruptionBudgetSpec", spec)),
                         "minAvailable and maxUnavailable cannot be both set"))
    for f, v in (("minAvailable", mn), ("maxUnavailable", mx)):
        if v is not None:
            _positive_int_or_percent_errs(v, "spec." + f, errs)
            _not_more_than_100_errs(v, "spec." + f, errs)
    errs.extend(_label_selector_errs(spec.get("selector"), "spec.selector"))
    uhp = spec.get("unhealthyPodEvictionPolicy")
    if uhp is not None and uhp not in ("AlwaysAllow", "IfHealthyBudget"):
        errs.append(_ns("spec.unhealthyPodEvictionPolicy", uhp, ("AlwaysAllow", "IfHealthyBudget")))
    return errs


def validate_pdb_update(new: dict, old: dict) -> list[FieldError]:
    return validate_pdb(new)


def validate_pdb_status(new: dict, old: dict) -> list[FieldError]:
    st = new.get("status") or {}
    errs: list[FieldError] = []
    for f in ("disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods"):
        _nonneg(st.get(f) or 0, "status." + f, errs)
    return errs


def _cross_ref_errs(ref: dict, path: str, errs: list) -> None:
    for f in ("kind", "name"):
        v = ref.get(f) or ""
        if not v:
            errs.append(_req(f"{path}.{f}"))
        else:
            for m in is_valid_path_segment_name(v):
                errs.append(_inv(f"{path}.{f}", v, m))


def _metric_target_errs(mt: dict, path: str, errs: list) -> None:
    t = mt.get("type") or ""
    if not t:
        errs.append(_req(path + ".type", "must specify a metric target type"))
    if t not in ("Utilization", "Value", "AverageValue"):
        errs.append(_inv(path + ".type", t, "must be either Utilization, Value, or AverageValue"))
    for f in ("value", "averageValue"):
        if mt.get(f) is not None:
            q = _parse_q(mt[f])
            if q is not None and not (q > _zero_q()):
                errs.append(_inv(f"{path}.{f}", GoRepr(_qstr(q)), "must be positive"))
    au = mt.get("averageUtilization")
    if au is not None and au < 1:
        errs.append(_inv(path + ".averageUtilization", au, "must be greater than 0"))


def _metric_errs(spec: dict, path: str, errs: list) -> None:
    t = spec.get("type") or ""
    valid = ("ContainerResource", "External", "Object", "Pods", "Resource")
    if not t:
        errs.append(_req(path + ".type", "must specify a metric source type"))
    if t not in valid:
        errs.append(_ns(path + ".type", t, valid))
    present = [k for k in ("object", "external", "pods", "resource", "containerResource") if spec.get(k) is not None]
    for k in present[:1]:
        src = spec[k]
        kp = f"{path}.{k}"
        target = src.get("target") or {}
        if k in ("object",):
            _cross_ref_errs(src.get("describedObject") or {}, kp + ".describedObject", errs)
        if k in ("object", "external", "pods"):
            mn = (src.get("metric") or {}).get("name") or ""
            if not mn:
                errs.append(_req(kp + ".metric.name", "must specify a metric name"))
        else:
            if not src.get("name"):
                errs.append(_req(kp + ".name", "must specify a resource name"))
        _metric_target_errs(target, kp + ".target", errs)
        if k in ("resource", "containerResource"):
            if target.get("averageUtilization") is None and target.get("averageValue") is None:
                errs.append(_req(kp + ".target.averageUtilization", "must set either a target raw value or a target utilization"))
            if target.get("averageUtilization") is not None and target.get("averageValue") is not None:
                errs.append(_fb(kp + ".target.averageValue", "may not set both a target raw value and a target utilization"))
        elif k == "pods" and target.get("averageValue") is None:
            errs.append(_req(kp + ".target.averageValue", "must specify a positive target averageValue"))
    expected = {"Object": "object", "Pods": "pods", "Resource": "resource", "ContainerResource": "containerResource",
                "External": "external"}.get(t)
    if expected is not None and spec.get(expected) is None:
        errs.append(_req(f"{path}.{expected}", "must populate information for the given metric source"))
    if len(present) != 1:
        for k in present:
            if k != expected:
                errs.append(_fb(f"{path}.{k}", "must populate the given metric source only"))


def validate_hpa(hpa: dict) -> list[FieldError]:
    """``ValidateHorizontalPodAutoscaler`` (minReplicas lower bound 1: HPAScaleToZero is off)."""
    errs = validate_object_meta(hpa.get("metadata"), True)
    errs.extend(_hpa_spec_errs(hpa.get("spec") or {}))
    return errs


def _hpa_spec_errs(spec: dict) -> list[FieldError]:
    """``validateHorizontalPodAutoscalerSpec``."""
    errs: list[FieldError] = []
    mn = spec.get("minReplicas")
    mx = spec.get("maxReplicas") or 0
    if mn is not None and mn < 1:
        errs.append(_inv("spec.minReplicas", mn, "must be greater than or equal to 1"))
    if mx < 1:
        errs.append(_inv("spec.maxReplicas", mx, "must be greater than 0"))
    if mn is not None and mx < mn:
        errs.append(_inv("spec.maxReplicas", mx, "must be greater than or equal to `minReplicas`"))
    _cross_ref_errs(spec.get("scaleTargetRef") or {}, "spec.scaleTargetRef", errs)
    for i, m in enumerate(spec.get("metrics") or ()):
        _metric_errs(m, f"spec.metrics[{i}]", errs)
    beh = spec.get("behavior")
    if beh:
        for direction in ("scaleUp", "scaleDown"):
            rules = beh.get(direction)
            if rules is None:
                continue
            rp = f"spec.behavior.{direction}"
            sws = rules.get("stabilizationWindowSeconds")
            if sws is not None and sws < 0:
                errs.append(_inv(rp + ".stabilizationWindowSeconds", sws, "must be greater than or equal to zero"))
            if sws is not None and sws > 3600:
                errs.append(_inv(rp + ".stabilizationWindowSeconds", sws, "must be less than or equal to 3600"))
            sel = rules.get("selectPolicy")
            if sel is not None and sel not in ("Disabled", "Max", "Min"):
                errs.append(_ns(rp + ".selectPolicy", sel, ("Disabled", "Max", "Min")))
            pols = rules.get("policies") or []
            if not pols:
                errs.append(_req(rp + ".policies", "must specify at least one Policy"))
            for j, pol in enumerate(pols):
                pp = f"{rp}.policies[{j}]"
                if pol.get("type") not in ("Percent", "Pods"):
                    errs.append(_ns(pp + ".type", pol.get("type") or "", ("Percent", "Pods")))
                if (pol.get("value") or 0) <= 0:
                    errs.append(_inv(pp + ".value", pol.get("value") or 0, "must be greater than zero"))
                ps = pol.get("periodSeconds") or 0
                if ps <= 0:
                    errs.append(_inv(pp + ".periodSeconds", ps, "must be greater than zero"))
                if ps > 1800:
                    errs.append(_inv(pp + ".periodSeconds", ps, "must be less than or equal to 1800"))
    return errs


def validate_hpa_update(new: dict, old: dict) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    errs.extend(_hpa_spec_errs(new.get("spec") or {}))
    return errs


def validate_hpa_status(new: dict, old: dict) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    st = new.get("status") or {}
    _nonneg(st.get("currentReplicas") or 0, "status.currentReplicas", errs)
    _nonneg(st.get("desiredReplicas") or 0, "status.desiredReplicas", errs)
    return errs


def validate_lease(lease: dict) -> list[FieldError]:
    errs = validate_object_meta(lease.get("metadata"), True)
    errs.extend(_lease_spec_errs(lease.get("spec") or {}))
    return errs


def _lease_spec_errs(spec: dict) -> list[FieldError]:
    errs: list[FieldError] = []
    lds = spec.get("leaseDurationSeconds")
    if lds is not None and lds <= 0:
        errs.append(_inv("spec.leaseDurationSeconds", lds, "must be greater than 0"))
    lt = spec.get("leaseTransitions")
    if lt is not None and lt < 0:
        errs.append(_inv("spec.leaseTransitions", lt, NONNEG_MSG))
    return errs


def validate_lease_update(new: dict, old: dict) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    errs.extend(_lease_spec_errs(new.get("spec") or {}))
    return errs


HIGHEST_USER_PRIORITY = 1000000000
_SYSTEM_PRIORITY_CLASSES = {"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}


def validate_priority_class(pc: dict) -> list[FieldError]:
    meta = pc.get("metadata") or {}
    errs = validate_object_meta(meta, False)
    name = meta.get("name") or ""
    value = pc.get("value") or 0
    if name.startswith("system-"):
        known = _SYSTEM_PRIORITY_CLASSES.get(name)
        if known is None:
            err = f"{name} is not a known system priority class"
        elif known != value:
            err = f"value of {name} PriorityClass must be {known}"
        elif pc.get("globalDefault"):
            err = f"globalDefault of {name} PriorityClass must be false"
        else:
            err = ""
        if err:
            errs.append(_fb("metadata.name", "priority class names with 'system-' prefix are reserved for system use "
                                             "only. error: " + err))
    elif value > HIGHEST_USER_PRIORITY:
        errs.append(_fb("value", f"maximum allowed value of a user defined priority is {HIGHEST_USER_PRIORITY}"))
    pp = pc.get("preemptionPolicy")
    if pp is not None:
        if pp == "":
            errs.append(_req("preemptionPolicy"))
        elif pp not in ("PreemptLowerPriority", "Never"):
            errs.append(_ns("preemptionPolicy", pp, ("PreemptLowerPriority", "Never")))
    return errs


def validate_priority_class_update(new: dict, old: dict) -> list[FieldError]:
    errs = validate_object_meta_update(new.get("metadata"), old.get("metadata"))
    if (new.get("value") or 0) != (old.get("value") or 0):
        errs.append(_fb("value", "may not be changed in an update."))
    if new.get("preemptionPolicy") != old.get("preemptionPolicy"):
        errs.append(_inv("preemptionPolicy", new.get("preemptionPolicy"), IMMUTABLE_MSG))
    return errs


# --------------------------------------------------------------------------------------------
# rbac.authorization.k8s.io and discovery.k8s.io

RBAC_GROUP = "rbac.authorization.k8s.io"


def _policy_rule_errs(rule: dict, namespaced: bool, path: str, errs: list) -> None:
    """``ValidatePolicyRule``."""
    if not rule.get("verbs"):
        errs.append(_req(path + ".verbs", "verbs must contain at least one value"))
    urls = rule.get("nonResourceURLs") or []
    if urls:
        if namespaced:
            errs.append(_inv(path + ".nonResourceURLs", list(urls), "namespaced rules cannot apply to non-resource URLs"))
        if rule.get("apiGroups") or rule.get("resources") or rule.get("resourceNames"):
            errs.append(_inv(path + ".nonResourceURLs", list(urls),
                             "rules cannot apply to both regular resources and non-resource URLs"))
        return
    if not rule.get("apiGroups"):
        errs.append(_req(path + ".apiGroups", "resource rules must supply at least one api group"))
    if not rule.get("resources"):
        errs.append(_req(path + ".resources", "resource rules must supply at least one resource"))


def _make_role_validator(namespaced: bool) -> Callable:
    def validate_role(role: dict) -> list[FieldError]:
        errs = validate_object_meta(role.get("metadata"), namespaced, validate_path_segment_name)
        for i, rule in enumerate(role.get("rules") or ()):
            _policy_rule_errs(rule, namespaced, f"rules[{i}]", errs)
        if not namespaced and role.get("aggregationRule") is not None:
            ar = role["aggregationRule"]
            if not ar.get("clusterRoleSelectors"):
                errs.append(_req("aggregationRule.clusterRoleSelectors", "at least one clusterRoleSelector required "
                                                                          "if aggregationRule is non-nil"))
            for i, sel in enumerate(ar.get("clusterRoleSelectors") or ()):
                errs.extend(_label_selector_errs(sel, f"aggregationRule.clusterRoleSelectors[{i}]"))
        return errs
    return validate_role


def _go_role_ref(ref: dict) -> GoRepr:
    return GoRepr("rbac.RoleRef{APIGroup:%s, Kind:%s, Name:%s}" % (
        _q(ref.get("apiGroup") or ""), _q(ref.get("kind") or ""), _q(ref.get("name") or "")))


def _make_binding_validator(namespaced: bool) -> Callable:
    def validate_binding(rb: dict) -> list[FieldError]:
        errs = validate_object_meta(rb.get("metadata"), namespaced, validate_path_segment_name)
        ref = rb.get("roleRef") or {}
        if (ref.get("apiGroup") or "") != RBAC_GROUP:
            errs.append(_ns("roleRef.apiGroup", ref.get("apiGroup") or "", (RBAC_GROUP,)))
        kinds = ("Role", "ClusterRole") if namespaced else ("ClusterRole",)
        if ref.get("kind") not in kinds:
            errs.append(_ns("roleRef.kind", ref.get("kind") or "", kinds))
        name = ref.get("name") or ""
        if not name:
            errs.append(_req("roleRef.name"))
        else:
            for m in validate_path_segment_name(name):
                errs.append(_inv("roleRef.name", name, m))
        for i, s in enumerate(rb.get("subjects") or ()):
            sp = f"subjects[{i}]"
            sname = s.get("name") or ""
            if not sname:
                errs.append(_req(sp + ".name"))
            kind = s.get("kind") or ""
            group = s.get("apiGroup") or ""
            if kind == "ServiceAccount":
                if sname:
                    _name_fn_errs(names.name_is_dns_subdomain, sname, sp + ".name", errs)
                if group:
                    errs.append(_ns(sp + ".apiGroup", group, ("",)))
                if not namespaced and not s.get("namespace"):
                    errs.append(_req(sp + ".namespace"))
            elif kind in ("User", "Group"):
                if group != RBAC_GROUP:
                    errs.append(_ns(sp + ".apiGroup", group, (RBAC_GROUP,)))
            else:
                errs.append(_ns(sp + ".kind", kind, ("ServiceAccount", "User", "Group")))
        return errs
    return validate_binding


def _make_binding_update(namespaced: bool) -> Callable:
    validator = _make_binding_validator(namespaced)

    def validate_binding_update(new: dict, old: dict) -> list[FieldError]:
        errs = validator(new)
        errs.extend(validate_object_meta_update(new.get("metadata"), old.get("metadata")))
        nref, oref = new.get("roleRef") or {}, old.get("roleRef") or {}
        if any((nref.get(k) or "") != (oref.get(k) or "") for k in ("apiGroup", "kind", "name")):
            errs.append(_inv("roleRef", _go_role_ref(nref), "cannot change roleRef"))
        return errs
    return validate_binding_update


def _make_role_update(namespaced: bool) -> Callable:
    validator = _make_role_validator(namespaced)

    def validate_role_update(new: dict, old: dict) -> list[FieldError]:
        errs = validator(new)
        errs.extend(validate_object_meta_update(new.get("metadata"), old.get("metadata")))
        return errs
    return validate_role_update


_ADDRESS_TYPES = ("FQDN", "IPv4", "IPv6")


def validate_endpoint_slice(es: dict) -> list[FieldError]:
    """``ValidateEndpointSlice``."""
    errs = validate_object_meta(es.get("metadata"), True)
    at = es.get("addressType") or ""
    if not at:
        errs.append(_req("addressType"))
    elif at not in _ADDRESS_TYPES:
        errs.append(_ns("addressType", at, _ADDRESS_TYPES))
    eps = es.get("endpoints") or []
    if len(eps) > 1000:
        errs.append(_too_many("endpoints", len(eps), 1000))
    else:
        for i, ep in enumerate(eps):
            ap = f"endpoints[{i}].addresses"
            addrs = ep.get("addresses") or []
            if not addrs:
                errs.append(_req(ap, "must contain at least 1 address"))
            elif len(addrs) > 100:
                errs.append(_too_many(ap, len(addrs), 100))
            for j, a in enumerate(addrs):
                p = f"{ap}[{j}]"
                if at in ("IPv4", "IPv6"):
                    ip = parse_ip_sloppy(a)
                    if ip is None or ip.version != (4 if at == "IPv4" else 6):
                        errs.append(_inv(p, a, f"must be a valid {at} address"))
                    else:
                        _non_special_ip_errs(a, p, errs)
                elif at == "FQDN":
                    name = a[:-1] if a.endswith(".") else a
                    if not a:
                        errs.append(_req(p))
                    elif names.is_dns1123_subdomain(name):
                        errs.append(_inv(p, name, ",".join(names.is_dns1123_subdomain(name))))
                    elif len(name.split(".")) < 2:
                        errs.append(_inv(p, name, "should be a domain with at least two segments separated by dots"))
            if ep.get("nodeName") is not None:
                _name_fn_errs(names.name_is_dns_subdomain, ep["nodeName"], f"endpoints[{i}].nodeName", errs)
            if ep.get("hostname") is not None:
                _dns_label_errs(ep["hostname"], f"endpoints[{i}].hostname", errs)
    ports = es.get("ports") or []
    if len(ports) > 20000:
        errs.append(_too_many("ports", len(ports), 20000))
    else:
        seen: set = set()
        for i, p in enumerate(ports):
            pp = f"ports[{i}]"
            name = p.get("name") or ""
            if name:
                _dns_label_errs(name, pp + ".name", errs)
            if name in seen:
                errs.append(_dup(pp + ".name", name))
            seen.add(name)
            proto = p.get("protocol")
            if proto is None:
                errs.append(_req(pp + ".protocol"))
            elif proto not in _PROTOCOLS:
                errs.append(_ns(pp + ".protocol", proto, _PROTOCOLS))
            if p.get("appProtocol") is not None:
                _qualified_name_errs(p["appProtocol"], pp + ".appProtocol", errs)
    return errs


def validate_endpoint_slice_update(new: dict, old: dict) -> list[FieldError]:
    errs = validate_endpoint_slice(new)
    if (new.get("addressType") or "") != (old.get("addressType") or ""):
        errs.append(_inv("addressType", new.get("addressType") or "", IMMUTABLE_MSG))
    return errs


# --------------------------------------------------------------------------------------------
# Dispatch


def _pair(create: Callable, update: Callable | None = None) -> Callable:
    """``ValidateX`` then ``ValidateXUpdate`` (the pattern most core strategies use on update)."""
    def both(new: dict, old: dict) -> list[FieldError]:
        errs = create(new)
        errs.extend(update(new, old) if update else validate_object_meta_update(new.get("metadata"), old.get("metadata")))
        return errs
    return both


_CREATE: dict[str, Callable[[dict], list]] = {
    "v1/Pod": validate_pod,
    "v1/Service": validate_service,
    "v1/ConfigMap": validate_configmap,
    "v1/Secret": validate_secret,
    "v1/Namespace": validate_namespace,
    "v1/Node": validate_node,
    "v1/Endpoints": validate_endpoints,
    "v1/PersistentVolume": validate_pv,
    "v1/PersistentVolumeClaim": validate_pvc,
    "v1/LimitRange": validate_limit_range,
    "v1/ResourceQuota": validate_resource_quota,
    "v1/ServiceAccount": validate_service_account,
    "v1/ReplicationController": validate_rc,
    "v1/PodTemplate": validate_pod_template,
    "apps/v1/Deployment": validate_deployment,
    "apps/v1/ReplicaSet": validate_replicaset,
    "apps/v1/StatefulSet": validate_statefulset,
    "apps/v1/DaemonSet": validate_daemonset,
    "apps/v1/ControllerRevision": validate_controller_revision,
    "batch/v1/Job": validate_job,
    "batch/v1/CronJob": validate_cronjob,
    "networking.k8s.io/v1/Ingress": validate_ingress,
    "networking.k8s.io/v1/IngressClass": validate_ingress_class,
    "networking.k8s.io/v1/NetworkPolicy": validate_network_policy,
    "storage.k8s.io/v1/StorageClass": validate_storage_class,
    "policy/v1/PodDisruptionBudget": validate_pdb,
    "autoscaling/v2/HorizontalPodAutoscaler": validate_hpa,
    "coordination.k8s.io/v1/Lease": validate_lease,
    "scheduling.k8s.io/v1/PriorityClass": validate_priority_class,
    "rbac.authorization.k8s.io/v1/Role": _make_role_validator(True),
    "rbac.authorization.k8s.io/v1/ClusterRole": _make_role_validator(False),
    "rbac.authorization.k8s.io/v1/RoleBinding": _make_binding_validator(True),
    "rbac.authorization.k8s.io/v1/ClusterRoleBinding": _make_binding_validator(False),
    "discovery.k8s.io/v1/EndpointSlice": validate_endpoint_slice,
}

_UPDATE: dict[str, Callable[[dict, dict], list]] = {
    "v1/Pod": validate_pod_update,
    "v1/Service": validate_service_update,
    "v1/ConfigMap": validate_configmap_update,
    "v1/Secret": validate_secret_update,
    "v1/Namespace": _pair(validate_namespace, validate_namespace_update),
    "v1/Node": _pair(validate_node, validate_node_update),
    "v1/Endpoints": validate_endpoints_update,
    "v1/PersistentVolume": validate_pv_update,
    "v1/PersistentVolumeClaim": validate_pvc_update,
    "v1/LimitRange": validate_limit_range_update,
    "v1/ResourceQuota": validate_resource_quota_update,
    "v1/ServiceAccount": validate_service_account_update,
    "v1/ReplicationController": validate_rc_update,
    "v1/PodTemplate": validate_pod_template_update,
    "apps/v1/Deployment": validate_deployment_update,
    "apps/v1/ReplicaSet": validate_replicaset_update,
    "apps/v1/StatefulSet": validate_statefulset_update,
    "apps/v1/DaemonSet": validate_daemonset_update,
    "apps/v1/ControllerRevision": validate_controller_revision_update,
    "batch/v1/Job": validate_job_update,
    "batch/v1/CronJob": validate_cronjob_update,
    "networking.k8s.io/v1/Ingress": validate_ingress_update,
    "networking.k8s.io/v1/IngressClass": validate_ingress_class_update,
    "networking.k8s.io/v1/NetworkPolicy": validate_network_policy_update,
    "storage.k8s.io/v1/StorageClass": _pair(validate_storage_class, validate_storage_class_update),
    "policy/v1/PodDisruptionBudget": validate_pdb_update,
    "autoscaling/v2/HorizontalPodAutoscaler": validate_hpa_update,
    "coordination.k8s.io/v1/Lease": validate_lease_update,
    "scheduling.k8s.io/v1/PriorityClass": _pair(validate_priority_class, validate_priority_class_update),
    "rbac.authorization.k8s.io/v1/Role": _make_role_update(True),
    "rbac.authorization.k8s.io/v1/ClusterRole": _make_role_update(False),
    "rbac.authorization.k8s.io/v1/RoleBinding": _make_binding_update(True),
    "rbac.authorization.k8s.io/v1/ClusterRoleBinding": _make_binding_update(False),
    "discovery.k8s.io/v1/EndpointSlice": validate_endpoint_slice_update,
}

_STATUS: dict[str, Callable[[dict, dict], list]] = {
    "v1/Pod": validate_pod_status_update,
    "v1/Service": validate_service_status,
    "v1/Namespace": validate_namespace_status,
    "v1/Node": _pair(validate_node, validate_node_update),
    "v1/PersistentVolume": validate_pv_status,
    "v1/PersistentVolumeClaim": validate_pvc_status,
    "v1/ResourceQuota": validate_resource_quota_status,
    "v1/ReplicationController": _rs_like_status,
    "apps/v1/Deployment": validate_deployment_status,
    "apps/v1/ReplicaSet": _rs_like_status,
    "apps/v1/StatefulSet": validate_statefulset_status,
    "apps/v1/DaemonSet": validate_daemonset_status,
    "batch/v1/Job": validate_job_status,
    "networking.k8s.io/v1/Ingress": validate_ingress_status,
    "policy/v1/PodDisruptionBudget": validate_pdb_status,
    "autoscaling/v2/HorizontalPodAutoscaler": validate_hpa_status,
}

# Strategies that leave metadata to the generic post-validation check of rest.BeforeCreate.
_META_AFTER = frozenset({"policy/v1/PodDisruptionBudget"})

_NAMESPACED: dict[str, bool] = {info.kind_key: info.namespaced for info in RESOURCES}


def is_namespaced(kind_key: str) -> bool:
    return _NAMESPACED.get(kind_key, True)


def _common_update(obj: dict, old: dict, namespaced: bool) -> list[FieldError]:
    """``validateCommonFields`` (rest.BeforeUpdate): generic meta checks for every resource, first."""
    errs = _generic_meta(obj.get("metadata"), namespaced)
    errs.extend(validate_object_meta_update(obj.get("metadata"), old.get("metadata"), kube_finalizers=False))
    return errs


def validate(kind_key: str, obj: dict, old: dict | None = None) -> list[FieldError]:
    """Validate ``obj`` (already defaulted) as the API server does before storing it.

    ``old is None``: create (``ValidateX``). Otherwise update (``ValidateXUpdate``), preceded by the
    generic metadata checks every update gets. ``kind_key`` is a registry key such as
    ``"apps/v1/Deployment"`` or ``"v1/Pod"``; kinds without a validator of their own get the generic
    ObjectMeta checks only.

    What the API server must have done first (as kube-apiserver's ``BeforeCreate``/strategies do):
    cleared ``metadata.namespace`` for cluster-scoped kinds, generated ``metadata.name`` from
    ``generateName`` and set ``uid``/``creationTimestamp``; for Services mirrored ``clusterIP`` into
    ``clusterIPs`` (and, after allocation, set ``ipFamilies``/``ipFamilyPolicy``); for Jobs without
    ``manualSelector: true`` generated ``spec.selector`` (``batch.kubernetes.io/controller-uid: <uid>``)
    and added ``controller-uid``, ``job-name``, ``batch.kubernetes.io/controller-uid`` and
    ``batch.kubernetes.io/job-name`` to the pod template labels.
    """
    namespaced = _NAMESPACED.get(kind_key, True)
    if old is None:
        fn = _CREATE.get(kind_key)
        if fn is None:
            return _generic_meta(obj.get("metadata"), namespaced)
        errs = fn(obj)
        if not errs and kind_key in _META_AFTER:
            errs = _generic_meta(obj.get("metadata"), namespaced)
        return errs
    errs = _common_update(obj, old, namespaced)
    fn_u = _UPDATE.get(kind_key)
    if fn_u is not None:
        errs.extend(fn_u(obj, old))
    return errs


def validate_status(kind_key: str, obj: dict, old: dict) -> list[FieldError]:
    """Validate an update through the ``/status`` subresource (``ValidateXStatusUpdate``)."""
    namespaced = _NAMESPACED.get(kind_key, True)
    errs = _common_update(obj, old, namespaced)
    fn = _STATUS.get(kind_key)
    if fn is None:
        errs.extend(validate_object_meta_update(obj.get("metadata"), old.get("metadata")))
    else:
        errs.extend(fn(obj, old))
    return errs


__all__ = ["validate", "validate_status", "is_namespaced", "GoRepr", "parse_cron_standard", "spec_diff",
           "POD_UPDATE_FORBIDDEN_MSG", "set_cache_enabled", "clear_caches"]
