"""Content negotiation (k8s.io/apiserver/pkg/endpoints/handlers/negotiation) and the output
transforms it selects: ``as=Table`` and ``as=PartialObjectMetadata[List]``.

The ``Accept`` header is read left to right; the first media type the server can produce wins.
Responses are JSON (or YAML when asked); a client that lists protobuf first — kubectl sends
``application/vnd.kubernetes.protobuf,application/json`` — gets JSON, which it decodes just as
well, because this server reads protobuf but does not write it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...api import errors

JSON = "application/json"
YAML = "application/yaml"
PROTOBUF = "application/vnd.kubernetes.protobuf"
SERVABLE = (JSON, YAML, PROTOBUF)


@dataclass
class MediaType:
    type: str                       # "application/json"
    params: dict[str, str] = field(default_factory=dict)

    @property
    def convert(self) -> tuple[str, str, str] | None:
        """(group, version, kind) of an ``as=`` transform, or None."""
        if "as" not in self.params:
            return None
        return self.params.get("g", ""), self.params.get("v", ""), self.params["as"]


def parse_accept(header: str | None) -> list[MediaType]:
    out = []
    for part in (header or "").split(","):
        part = part.strip()
        if not part:
            continue
        pieces = [p.strip() for p in part.split(";")]
        params = {}
        for p in pieces[1:]:
            k, _, v = p.partition("=")
            params[k.strip().lower()] = v.strip().strip('"')
        out.append(MediaType(pieces[0].lower(), params))
    return out


def media_type_of(content_type: str | None) -> str:
    """The bare media type of a Content-Type header (``application/json; charset=utf-8`` →
    ``application/json``); an absent header reads as JSON, as kube-apiserver does."""
    if not content_type:
        return JSON
    return content_type.split(";", 1)[0].strip().lower()


@dataclass
class Target:
    """What to send back: ``format`` is ``json`` or ``yaml``; ``transform`` is ``""``, ``Table``,
    ``PartialObjectMetadata`` or ``PartialObjectMetadataList``; ``version`` the meta.k8s.io
    version asked for (``v1`` or ``v1beta1``)."""

    format: str = "json"
    transform: str = ""
    version: str = "v1"

    @property
    def content_type(self) -> str:
        base = YAML if self.format == "yaml" else JSON
        if self.transform:
            return f"{base};as={self.transform};g=meta.k8s.io;v={self.version}"
        return base


def _format_of(mt: MediaType) -> str | None:
    if mt.type in (JSON, PROTOBUF, "*/*", "application/*"):
        return "json"
    if mt.type == YAML:
        return "yaml"
    return None


def negotiate(header: str | None, *, tables: bool, list_request: bool, allow_transform: bool = True) -> Target:
    """The response form for an ``Accept`` header (406 NotAcceptable if none can be served).

    ``tables`` says whether Table conversion is available; ``list_request`` whether the response
    is a list (``PartialObjectMetadataList``) or one object (``PartialObjectMetadata``)."""
    types = parse_accept(header)
    if not types:
        return Target()
    for mt in types:
        fmt = _format_of(mt)
        if fmt is None:
            continue
        conv = mt.convert
        if conv is None:
            return Target(fmt)
        group, version, kind = conv
        if not allow_transform or group != "meta.k8s.io" or version not in ("v1", "v1beta1"):
            continue
        if kind == "Table" and tables:
            return Target(fmt, "Table", version)
        if kind == "PartialObjectMetadata" and not list_request:
            return Target(fmt, kind, version)
        if kind == "PartialObjectMetadataList" and list_request:
            return Target(fmt, kind, version)
    raise errors.status("NotAcceptable", "only the following media types are accepted: "
                        + ", ".join(SERVABLE))


def partial_metadata(obj: dict, version: str = "v1") -> dict:
    """``PartialObjectMetadata``: kind, apiVersion and metadata only."""
    return {"kind": "PartialObjectMetadata", "apiVersion": f"meta.k8s.io/{version}",
            "metadata": obj.get("metadata") or {}}


def partial_metadata_list(lst: dict, version: str = "v1") -> dict:
    items = [{"metadata": o.get("metadata") or {}} for o in lst.get("items") or ()]
    return {"kind": "PartialObjectMetadataList", "apiVersion": f"meta.k8s.io/{version}",
            "metadata": lst.get("metadata") or {}, "items": items}


def table_options(query: dict[str, str]) -> str:
    """The ``includeObject`` query parameter (``None``, ``Metadata`` — the default — or ``Object``)."""
    value = query.get("includeObject", "") or "Metadata"
    if value not in ("None", "Metadata", "Object"):
        raise errors.bad_request(f"includeObject: Unsupported value: {errors.go_quote(value)}: supported "
                                 'values: "Metadata", "None", "Object"')
    return value


def to_table(resource: str, objects: list[dict], now: float, include_object: str, version: str,
             no_headers: bool = False, resource_version: str = "", continue_: str = "") -> dict | None:
    """A ``metav1.Table`` for ``objects`` (None when server-side printing is not available)."""
    try:
        from .tables import convert_to_table
    except ImportError:  # pragma: no cover - tables arrive with the kubectl work
        return None
    table: Any = convert_to_table(resource, objects, now, include_object=include_object,
                                  no_headers=no_headers, resource_version=resource_version,
                                  continue_=continue_)
    if version != "v1":
        table = {**table, "apiVersion": f"meta.k8s.io/{version}"}
    return table


def tables_available() -> bool:
    try:
        from . import tables  # noqa: F401
    except ImportError:  # pragma: no cover
        return False
    return True
