"""Field selectors, as k8s.io/apimachinery/pkg/fields, plus the API server's per-resource field table.

Syntax (``?fieldSelector=`` / ``kubectl --field-selector``): comma-separated terms
``field=value``, ``field==value`` or ``field!=value``. Terms are split on unescaped commas and the
operator is the first ``!=``, ``==`` or ``=`` in a term; in values ``\\``, ``,`` and ``=`` must be
escaped with a backslash (:func:`escape_value`). A field absent from an object reads as ``""``, so
``spec.nodeName=`` selects unscheduled pods.

Which fields a resource accepts is decided by the API server's *field label conversion* for the
requested kind (pkg/apis/*/v1/conversion.go in kubernetes/kubernetes, 1.32); the values come from
the registry's ``GetAttrs`` / ``ToSelectableFields`` (pkg/registry/...). Resources without their own
conversion accept only ``metadata.name`` and ``metadata.namespace`` and reject anything else with
``"x" is not a known field selector: only "metadata.name", "metadata.namespace"``; resources with one
mostly answer ``field label not supported: x`` (Job has its own wording). Upstream facts kept as they
are, even where surprising:

* Node and Namespace do not accept ``metadata.namespace``;
* apps/v1 ReplicaSet accepts **no** ``status.replicas`` (its registry computes it, but apps/v1
  registers no conversion; upstream issue kubernetes/kubernetes#135136), unlike core/v1
  ReplicationController;
* Pod accepts ``status.podIPs`` but never fills it, so only ``status.podIPs=`` (empty) matches;
  the legacy ``spec.host`` is renamed to ``spec.nodeName``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from kube_lab.api import errors
from kube_lab.api.errors import go_quote

EQUALS = "="
NOT_EQUALS = "!="


class FieldSelectorError(ValueError):
    """A selector upstream would reject; ``message`` is upstream's error text."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --------------------------------------------------------------------------------------------
# Escaping

_ESCAPES = str.maketrans({"\\": "\\\\", ",": "\\,", "=": "\\="})


def escape_value(s: str) -> str:
    """``EscapeValue``: backslash-escape ``\\``, ``,`` and ``=``."""
    return s.translate(_ESCAPES)


def unescape_value(s: str) -> str:
    """``UnescapeValue``, with upstream's two errors."""
    if "\\" not in s and "," not in s and "=" not in s:
        return s
    out: list[str] = []
    in_slash = False
    for c in s:
        if in_slash:
            if c in "\\,=":
                out.append(c)
            else:
                raise FieldSelectorError(f"invalid field selector: invalid escape sequence: \\{c}")
            in_slash = False
            continue
        if c == "\\":
            in_slash = True
        elif c in ",=":
            # upstream formats the rune with %v, i.e. as its code point number
            raise FieldSelectorError(f"invalid field selector: unescaped character in value: {ord(c)}")
        else:
            out.append(c)
    if in_slash:
        raise FieldSelectorError("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


# --------------------------------------------------------------------------------------------
# Selector


@dataclass(frozen=True)
class Term:
    field: str
    op: str  # "=" (also for "==") or "!="
    value: str

    def __str__(self) -> str:
        return f"{self.field}{'=' if self.op == EQUALS else '!='}{escape_value(self.value)}"


class FieldSelector:
    """An immutable AND of field terms. ``matches`` takes a ``{field: value}`` mapping."""

    __slots__ = ("terms", "nothing")

    def __init__(self, terms: tuple[Term, ...] = (), *, nothing: bool = False):
        self.terms = tuple(terms)
        self.nothing = nothing

    @property
    def empty(self) -> bool:
        return not self.nothing and not self.terms

    def matches(self, fields: Mapping[str, str] | None) -> bool:
        if self.nothing:
            return False
        get = (fields or {}).get
        for t in self.terms:
            have = get(t.field, "")
            if (have == t.value) != (t.op == EQUALS):
                return False
        return True

    def requires_exact_match(self, field: str) -> str | None:
        """The value a ``field=value`` term pins (first one wins), else None."""
        for t in self.terms:
            if t.op == EQUALS and t.field == field:
                return t.value
        return None

    def transform(self, fn: Callable[[str, str], tuple[str, str]]) -> "FieldSelector":
        """``Transform``: rewrite each term; a term mapped to ``("", "")`` is dropped."""
        if self.nothing:
            return self
        out: list[Term] = []
        for t in self.terms:
            field, value = fn(t.field, t.value)
            if not field and not value:
                continue
            out.append(Term(field, t.op, value))
        return FieldSelector(tuple(out))

    def for_resource(self, resource: str) -> "FieldSelector":
        """Apply the resource's field label conversion; unsupported fields raise FieldSelectorError."""
        return self.transform(_conversion_for(resource))

    def compile(self, resource: str, namespaced: bool | None = None) -> Callable[[dict], bool]:
        """A predicate ``obj -> bool`` reading only the fields this selector names.

        Use on a selector already passed through :meth:`for_resource` (or :func:`parse_field_selector`
        with a resource); unknown fields read as ``""``, as upstream's ``fields.Set.Get`` does.
        """
        if self.nothing:
            return lambda obj: False
        if not self.terms:
            return lambda obj: True
        table = _accessors(resource, _is_namespaced(resource, namespaced))
        checks = tuple((table.get(t.field, _blank), t.value, t.op == EQUALS) for t in self.terms)
        if len(checks) == 1:
            acc, want, eq = checks[0]
            if eq:
                return lambda obj: acc(obj) == want
            return lambda obj: acc(obj) != want

        def match(obj: dict) -> bool:
            for acc, want, eq in checks:
                if (acc(obj) == want) != eq:
                    return False
            return True
        return match

    def matches_object(self, obj: dict, resource: str, namespaced: bool | None = None) -> bool:
        return self.matches(selectable_fields(resource, obj, namespaced))

    def __str__(self) -> str:
        return "" if self.nothing else ",".join(str(t) for t in self.terms)

    def __repr__(self) -> str:
        return "FieldSelector(<nothing>)" if self.nothing else f"FieldSelector({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FieldSelector):
            return NotImplemented
        return (self.nothing, self.terms) == (other.nothing, other.terms)

    def __hash__(self) -> int:
        return hash((self.nothing, self.terms))


EVERYTHING = FieldSelector()
NOTHING = FieldSelector(nothing=True)


def everything() -> FieldSelector:
    return EVERYTHING


def nothing() -> FieldSelector:
    return NOTHING


def one_term_equal(field: str, value: str) -> FieldSelector:
    return FieldSelector((Term(field, EQUALS, value),))


def selector_from_set(fields: Mapping[str, str] | None) -> FieldSelector:
    """``SelectorFromSet``: ``field=value`` for each entry (sorted here; Go's map order is random)."""
    if fields is None:
        return EVERYTHING
    return FieldSelector(tuple(Term(k, EQUALS, fields[k]) for k in sorted(fields)))


def requires_exact_match(selector: FieldSelector, field: str) -> str | None:
    """Value pinned by a ``field=value`` term, so the API server can use an index (e.g. spec.nodeName)."""
    return selector.requires_exact_match(field)


def _split_terms(text: str) -> list[str]:
    if not text:
        return []
    terms: list[str] = []
    start = 0
    in_slash = False
    for i, c in enumerate(text):
        if in_slash:
            in_slash = False
        elif c == "\\":
            in_slash = True
        elif c == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def _split_term(term: str) -> tuple[str, str, str] | None:
    for i in range(len(term)):
        for op in ("!=", "==", "="):
            if term.startswith(op, i):
                return term[:i], op, term[i + len(op):]
    return None


def parse(text: str) -> FieldSelector:
    """``fields.ParseSelector``; raises :class:`FieldSelectorError` with upstream's message.

    Terms are sorted as raw strings before parsing (upstream does this), which fixes the order of
    ``str(selector)``.
    """
    terms: list[Term] = []
    for part in sorted(_split_terms(text)):
        if not part:
            continue
        split = _split_term(part)
        if split is None:
            raise FieldSelectorError(f"invalid selector: '{text}'; can't understand '{part}'")
        lhs, op, rhs = split
        value = unescape_value(rhs)
        terms.append(Term(lhs, NOT_EQUALS if op == "!=" else EQUALS, value))
    return FieldSelector(tuple(terms))


def parse_field_selector(text: str, resource: str | None = None) -> FieldSelector:
    """Parse a ``fieldSelector`` query parameter as the API server does; failures are 400 BadRequest.

    With ``resource`` (``"pods"``, ``"jobs.batch"``, ...) the terms also go through that resource's
    field label conversion, so an unsupported field fails with e.g.
    ``field label not supported: spec.foo``.
    """
    try:
        sel = parse(text)
        if resource is not None:
            sel = sel.for_resource(resource)
        return sel
    except FieldSelectorError as e:
        raise errors.bad_request(e.message) from None


# --------------------------------------------------------------------------------------------
# Per-resource field tables


def _get(obj: Mapping | None, *path: str) -> Any:
    cur: Any = obj
    for p in path:
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(p)
    return cur


def _s(v: Any) -> str:
    return "" if v is None else str(v)


def _bool(v: Any) -> str:
    return "true" if v else "false"  # strconv.FormatBool


def _int(v: Any) -> str:
    return str(int(v or 0))  # strconv.Itoa


def _blank(obj: dict) -> str:
    return ""


def _path(*path: str) -> Callable[[dict], str]:
    """Accessor for a string field at ``path``; missing parts read as ``""``.

    Specialised for the one- and two-step paths the tables use (this runs per object per watcher).
    """
    if len(path) == 1:
        (a,) = path

        def one(obj: dict) -> str:
            v = obj.get(a)
            if v is None:
                return ""
            return v if v.__class__ is str else str(v)
        return one
    if len(path) == 2:
        a, b = path

        def two(obj: dict) -> str:
            m = obj.get(a)
            if m is None:
                return ""
            v = m.get(b) if m.__class__ is dict else _get(m, b)
            if v is None:
                return ""
            return v if v.__class__ is str else str(v)
        return two
    return lambda obj: _s(_get(obj, *path))


def _pod_ip(obj: dict) -> str:
    # internal PodStatus keeps only podIPs; v1 podIP is its first entry (or fills it when podIPs is absent)
    ips = _get(obj, "status", "podIPs")
    if ips:
        first = ips[0]
        return _s(first.get("ip")) if isinstance(first, Mapping) else ""
    return _s(_get(obj, "status", "podIP"))


def _event_source(obj: dict) -> str:
    source = _s(_get(obj, "source", "component"))
    return source or _s(obj.get("reportingComponent"))


_META_NAME = {"metadata.name": _path("metadata", "name")}
_META_BOTH = {"metadata.name": _path("metadata", "name"), "metadata.namespace": _path("metadata", "namespace")}

# resource -> extra selectable fields (registry GetAttrs / ToSelectableFields)
_SPECIFIC: dict[str, dict[str, Callable[[dict], str]]] = {
    "pods": {
        "spec.nodeName": _path("spec", "nodeName"),
        "spec.restartPolicy": _path("spec", "restartPolicy"),
        "spec.schedulerName": _path("spec", "schedulerName"),
        "spec.serviceAccountName": _path("spec", "serviceAccountName"),
        "spec.hostNetwork": lambda obj: _bool(_get(obj, "spec", "hostNetwork")),
        "status.phase": _path("status", "phase"),
        "status.podIP": _pod_ip,
        "status.nominatedNodeName": _path("status", "nominatedNodeName"),
    },
    "nodes": {"spec.unschedulable": lambda obj: _bool(_get(obj, "spec", "unschedulable"))},
    "replicationcontrollers": {"status.replicas": lambda obj: _int(_get(obj, "status", "replicas"))},
    "replicasets.apps": {"status.replicas": lambda obj: _int(_get(obj, "status", "replicas"))},
    "events": {
        "involvedObject.kind": _path("involvedObject", "kind"),
        "involvedObject.namespace": _path("involvedObject", "namespace"),
        "involvedObject.name": _path("involvedObject", "name"),
        "involvedObject.uid": _path("involvedObject", "uid"),
        "involvedObject.apiVersion": _path("involvedObject", "apiVersion"),
        "involvedObject.resourceVersion": _path("involvedObject", "resourceVersion"),
        "involvedObject.fieldPath": _path("involvedObject", "fieldPath"),
        "reason": _path("reason"),
        "reportingComponent": _path("reportingComponent"),
        "source": _event_source,
        "type": _path("type"),
    },
    "namespaces": {"status.phase": _path("status", "phase")},
    "secrets": {"type": _path("type")},
    "services": {"spec.clusterIP": _path("spec", "clusterIP"), "spec.type": _path("spec", "type")},
    "jobs.batch": {"status.successful": lambda obj: _int(_get(obj, "status", "succeeded"))},
    "certificatesigningrequests.certificates.k8s.io": {"spec.signerName": _path("spec", "signerName")},
}


@dataclass(frozen=True)
class _Conversion:
    accepted: frozenset
    renames: Mapping[str, str]
    error: Callable[[str], str]


def _not_supported(label: str) -> str:
    return f"field label not supported: {label}"


def _job_not_supported(label: str) -> str:
    return f"field label {go_quote(label)} not supported for batchv1.Job"


def _default_not_known(label: str) -> str:
    return f"{go_quote(label)} is not a known field selector: only \"metadata.name\", \"metadata.namespace\""


# resource -> field label conversion (the accepted labels of AddFieldLabelConversionFunc)
_CONVERSIONS: dict[str, _Conversion] = {
    "pods": _Conversion(frozenset({
        "metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
        "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.podIPs",
        "status.nominatedNodeName"}), {"spec.host": "spec.nodeName"}, _not_supported),
    "nodes": _Conversion(frozenset({"metadata.name", "spec.unschedulable"}), {}, _not_supported),
    "replicationcontrollers": _Conversion(frozenset({"metadata.name", "metadata.namespace", "status.replicas"}),
                                          {}, _not_supported),
    "events": _Conversion(frozenset({
        "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
        "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
        "reportingComponent", "source", "type", "metadata.namespace", "metadata.name"}), {}, _not_supported),
    "namespaces": _Conversion(frozenset({"status.phase", "metadata.name"}), {}, _not_supported),
    "secrets": _Conversion(frozenset({"type", "metadata.namespace", "metadata.name"}), {}, _not_supported),
    "services": _Conversion(frozenset({"metadata.namespace", "metadata.name", "spec.clusterIP", "spec.type"}),
                            {}, _not_supported),
    "jobs.batch": _Conversion(frozenset({"metadata.name", "metadata.namespace", "status.successful"}),
                              {}, _job_not_supported),
    "certificatesigningrequests.certificates.k8s.io": _Conversion(
        frozenset({"metadata.name", "spec.signerName"}), {}, _not_supported),
}
_DEFAULT_CONVERSION = _Conversion(frozenset({"metadata.name", "metadata.namespace"}), {}, _default_not_known)

CLUSTER_SCOPED = frozenset({
    "nodes", "namespaces", "persistentvolumes", "componentstatuses",
    "clusterroles.rbac.authorization.k8s.io", "clusterrolebindings.rbac.authorization.k8s.io",
    "storageclasses.storage.k8s.io", "csidrivers.storage.k8s.io", "csinodes.storage.k8s.io",
    "volumeattachments.storage.k8s.io", "priorityclasses.scheduling.k8s.io",
    "certificatesigningrequests.certificates.k8s.io", "customresourcedefinitions.apiextensions.k8s.io",
    "apiservices.apiregistration.k8s.io", "mutatingwebhookconfigurations.admissionregistration.k8s.io",
    "validatingwebhookconfigurations.admissionregistration.k8s.io", "runtimeclasses.node.k8s.io",
    "ingressclasses.networking.k8s.io", "ipaddresses.networking.k8s.io", "servicecidrs.networking.k8s.io",
})


def _is_namespaced(resource: str, namespaced: bool | None) -> bool:
    return namespaced if namespaced is not None else resource not in CLUSTER_SCOPED


def _conversion_for(resource: str) -> Callable[[str, str], tuple[str, str]]:
    conv = _CONVERSIONS.get(resource, _DEFAULT_CONVERSION)

    def convert(label: str, value: str) -> tuple[str, str]:
        if label in conv.accepted:
            return label, value
        renamed = conv.renames.get(label)
        if renamed is not None:
            return renamed, value
        raise FieldSelectorError(conv.error(label))
    return convert


def convert_field_label(resource: str, label: str, value: str) -> tuple[str, str]:
    """``Scheme.ConvertFieldLabel`` for ``resource`` (``"pods"``, ``"jobs.batch"``...)."""
    return _conversion_for(resource)(label, value)


def supported_fields(resource: str) -> frozenset:
    """Field labels the API server accepts for ``resource`` (before renames such as ``spec.host``)."""
    return _CONVERSIONS.get(resource, _DEFAULT_CONVERSION).accepted


def _accessors(resource: str, namespaced: bool) -> dict[str, Callable[[dict], str]]:
    table = dict(_META_BOTH if namespaced else _META_NAME)
    table.update(_SPECIFIC.get(resource, {}))
    return table


def field_getter(resource: str, namespaced: bool | None = None) -> Callable[[dict], dict[str, str]]:
    """``obj -> {field: value}``: the registry's selectable fields for ``resource``."""
    table = tuple(_accessors(resource, _is_namespaced(resource, namespaced)).items())
    return lambda obj: {name: acc(obj) for name, acc in table}


def selectable_fields(resource: str, obj: dict, namespaced: bool | None = None) -> dict[str, str]:
    return field_getter(resource, namespaced)(obj)
