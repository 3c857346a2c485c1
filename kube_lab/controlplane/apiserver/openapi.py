"""OpenAPI v3 documents (``/openapi/v3`` and ``/openapi/v3/<api|apis/group>/<version>``).

kubectl reads them for two things: ``kubectl apply`` checks that the server takes the
``fieldValidation`` query parameter on PATCH for the object's kind (then it sends
``fieldValidation=Strict`` and leaves validation to the server), and ``kubectl explain`` walks the
schemas.  The documents here carry, per resource, the collection and item paths with their
operations (``x-kubernetes-action``, ``x-kubernetes-group-version-kind``, the write query
parameters) and ``components.schemas`` generated from the field tables of
:mod:`.protobuf_data` (upstream's definition names, JSON field names and types; no prose).

One deliberate gap: PATCH operations have no ``requestBody``.  kubectl only computes a
client-side-apply patch from OpenAPI v3 when the PATCH operation lists a strategic-merge-patch
body; without it kubectl falls back, as it does against a server without OpenAPI v3 patch
support, to the merge keys compiled into its own Go types — which are exactly upstream's.
"""
from __future__ import annotations

import hashlib
import json
from typing import Iterable

from ...api.registry import ResourceInfo
from .discovery import group_versions

SPECIAL_SCHEMAS = {
    "Time": ("io.k8s.apimachinery.pkg.apis.meta.v1.Time", {"type": "string", "format": "date-time"}),
    "MicroTime": ("io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime", {"type": "string", "format": "date-time"}),
    "Duration": ("io.k8s.apimachinery.pkg.apis.meta.v1.Duration", {"type": "string"}),
    "Quantity": ("io.k8s.apimachinery.pkg.api.resource.Quantity", {"type": "string"}),
    "IntOrString": ("io.k8s.apimachinery.pkg.util.intstr.IntOrString",
                    {"type": "string", "format": "int-or-string", "x-kubernetes-int-or-string": True}),
    "RawExtension": ("io.k8s.apimachinery.pkg.runtime.RawExtension", {"type": "object"}),
    "FieldsV1": ("io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1", {"type": "object"}),
}
SCALARS = {"string": {"type": "string"}, "int": {"type": "integer"}, "bool": {"type": "boolean"},
           "bytes": {"type": "string", "format": "byte"}, "float": {"type": "number", "format": "double"}}
WRITE_PARAMS = ("dryRun", "fieldManager", "fieldValidation")


def definition_name(type_name: str) -> str:
    """``core/v1.Container`` → ``io.k8s.api.core.v1.Container`` (upstream's definition names)."""
    pkg, _, name = type_name.partition(".")
    if pkg == "meta/v1":
        return f"io.k8s.apimachinery.pkg.apis.meta.v1.{name}"
    return f"io.k8s.api.{pkg.replace('/', '.')}.{name}"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _collect(type_name: str, out: dict[str, dict]) -> None:
    """Add ``type_name``'s schema, and those it refers to, to ``out``."""
    from .protobuf_data import MESSAGES

    name = definition_name(type_name)
    if name in out:
        return
    schema: dict = {"type": "object", "properties": {}}
    out[name] = schema
    props = schema["properties"]

    def add_fields(tname: str) -> None:
        for json_name, spec, flags in MESSAGES[tname].values():
            if "i" in flags:
                add_fields(spec)
                continue
            props[json_name] = _spec_schema(spec, flags, out)

    add_fields(type_name)
    schema["properties"] = dict(sorted(props.items()))


def _spec_schema(spec: str, flags: str, out: dict[str, dict]) -> dict:
    if spec.startswith("map:"):
        inner = _spec_schema(spec[4:], "", out)
        value: dict = {"type": "object", "additionalProperties": inner}
    elif spec in SCALARS:
        value = dict(SCALARS[spec])
    elif spec in SPECIAL_SCHEMAS:
        name, body = SPECIAL_SCHEMAS[spec]
        out.setdefault(name, dict(body))
        value = {"allOf": [_ref(name)]}
    else:
        _collect(spec, out)
        value = {"allOf": [_ref(definition_name(spec))]}
        if "p" not in flags and "r" not in flags:
            value["default"] = {}
    if "r" in flags:
        return {"type": "array", "items": value}
    return value


def _kind_schemas(infos: Iterable[ResourceInfo]) -> dict[str, dict]:
    from .protobuf_data import KINDS

    out: dict[str, dict] = {}
    for info in infos:
        type_name = KINDS.get(info.kind_key)
        if type_name is None:
            continue
        _collect(type_name, out)
        schema = out[definition_name(type_name)]
        schema["properties"] = dict(sorted({**schema["properties"], "apiVersion": {"type": "string"},
                                            "kind": {"type": "string"}}.items()))
        schema["x-kubernetes-group-version-kind"] = [
            {"group": info.group, "kind": info.kind, "version": info.version}]
    return dict(sorted(out.items()))


def _param(name: str) -> dict:
    return {"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": True}}


def _op(info: ResourceInfo, action: str, kind_ref: str | None, params: tuple[str, ...] = ()) -> dict:
    op = {
        "operationId": f"{action}{info.kind}",
        "parameters": [_param(p) for p in params],
        "responses": {"200": {"description": "OK"}},
        "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {"group": info.group, "kind": info.kind, "version": info.version},
    }
    if kind_ref and action in ("post", "put"):
        op["requestBody"] = {"content": {"*/*": {"schema": _ref(kind_ref)}}, "required": True}
    return op


def group_version_document(resources: Iterable[ResourceInfo], group: str, version: str) -> dict | None:
    """The OpenAPI v3 document of one group-version (None if it is not served)."""
    from .protobuf_data import KINDS

    for g, ver, infos in group_versions(resources):
        if (g, ver) != (group, version):
            continue
        base = f"/apis/{group}/{version}" if group else f"/api/{version}"
        paths: dict[str, dict] = {}
        for info in infos:
            type_name = KINDS.get(info.kind_key)
            ref = definition_name(type_name) if type_name else None
            scope = f"{base}/namespaces/{{namespace}}" if info.namespaced else base
            collection = f"{scope}/{info.resource}"
            item = f"{collection}/{{name}}"
            coll_ops: dict[str, dict] = {}
            item_ops: dict[str, dict] = {}
            if "list" in info.verbs:
                coll_ops["get"] = _op(info, "list", ref, ("labelSelector", "fieldSelector", "limit",
                                                         "continue", "resourceVersion", "watch"))
            if "create" in info.verbs:
                coll_ops["post"] = _op(info, "post", ref, WRITE_PARAMS)
            if "deletecollection" in info.verbs:
                coll_ops["delete"] = _op(info, "deletecollection", ref, ("labelSelector", "fieldSelector"))
            if "get" in info.verbs:
                item_ops["get"] = _op(info, "get", ref)
            if "update" in info.verbs:
                item_ops["put"] = _op(info, "put", ref, WRITE_PARAMS)
            if "patch" in info.verbs:
                item_ops["patch"] = _op(info, "patch", ref, WRITE_PARAMS + ("force",))
            if "delete" in info.verbs:
                item_ops["delete"] = _op(info, "delete", ref, ("gracePeriodSeconds", "propagationPolicy",
                                                               "dryRun"))
            if coll_ops:
                paths[collection] = coll_ops
            if item_ops:
                paths[item] = item_ops
            if info.namespaced and "list" in info.verbs:
                paths[f"{base}/{info.resource}"] = {"get": _op(info, "list", ref, ("labelSelector",
                                                                                     "fieldSelector"))}
        return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.32.0"},
                "paths": paths, "components": {"schemas": _kind_schemas(infos)}}
    return None


def _hash(doc: dict) -> str:
    return hashlib.sha512(json.dumps(doc, sort_keys=True).encode()).hexdigest().upper()


class OpenAPIV3:
    """The root document and the per-group-version documents, computed once (the served
    resource set never changes while the server runs)."""

    def __init__(self, resources: Iterable[ResourceInfo]):
        self.resources = tuple(resources)
        self._docs: dict[str, bytes] = {}
        self._hashes: dict[str, str] = {}
        for group, version, _ in group_versions(self.resources):
            key = f"apis/{group}/{version}" if group else f"api/{version}"
            self._hashes[key] = ""
        self._root: bytes | None = None

    def _doc(self, key: str) -> bytes | None:
        if key not in self._hashes:
            return None
        if key not in self._docs:
            parts = key.split("/")
            group, version = ("", parts[1]) if parts[0] == "api" else (parts[1], parts[2])
            doc = group_version_document(self.resources, group, version)
            self._docs[key] = json.dumps(doc, separators=(",", ":")).encode()
            self._hashes[key] = _hash(doc)
        return self._docs[key]

    def root(self) -> bytes:
        if self._root is None:
            paths = {}
            for key in self._hashes:
                self._doc(key)
                paths[key] = {"serverRelativeURL": f"/openapi/v3/{key}?hash={self._hashes[key]}"}
            self._root = json.dumps({"paths": paths}, separators=(",", ":")).encode()
        return self._root

    def document(self, key: str) -> bytes | None:
        """The document at ``/openapi/v3/<key>`` (``api/v1``, ``apis/apps/v1``), or None."""
        return self._doc(key.strip("/"))
