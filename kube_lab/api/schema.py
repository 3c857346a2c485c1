"""Strict field validation: which fields of a request body the API server does not know.

With ``fieldValidation=Strict`` (what kubectl asks for by default) the API server decodes the body
with sigs.k8s.io/json's strict mode and, if any key has no matching Go struct field, rejects the
request with 400 BadRequest::

    Deployment in version "v1" cannot be handled as a Deployment: strict decoding error:
    unknown field "spec.template.spec.containers[0].imagee", unknown field "spec.foo"

How the decoder names an unknown field (vendor/sigs.k8s.io/json, decode.go + kubernetes_patch.go):
the path of the enclosing value — struct fields joined with ``.``, slice elements as ``[i]``, map
values as ``.key`` — then ``.`` and the unknown key (just the key at the top level).  Errors are
collected in the order the decoder meets them, exact duplicates are dropped and at most 100 are
kept.  Real kubectl sends JSON whose object keys are sorted (it re-marshals an unstructured map), so
callers that want kubectl's order should hand in a key-sorted object; this module reports the order
of the dict it is given.

Free-form values (``RawExtension``, ``FieldsV1``), IntOrString, Quantity and Time have their own
decoders and are never looked into.  The field tables live in the generated module
:mod:`kube_lab.api.schema_data`, loaded on first use.
"""
from __future__ import annotations

from . import errors

MAX_ERRORS = 100  # sigs.k8s.io/json keeps at most this many strict errors

_LEAF = None
_LIST = 1
_MAP = 2

# Compiled schema: type name -> {json field: node}.  A node is None (nothing to look into), a
# dict (a struct's field table), or (_LIST | _MAP, node).
_types: dict[str, dict] | None = None
_roots: dict[str, dict] | None = None


def _load() -> tuple[dict[str, dict], dict[str, dict]]:
    global _types, _roots
    if _roots is None:
        from . import schema_data

        raw = schema_data.TYPES
        tables: dict[str, dict] = {name: {} for name in raw}

        def node(spec: str):
            if spec.startswith("list["):
                inner = node(spec[5:-1])
                return None if inner is None else (_LIST, inner)
            if spec.startswith("map[string]"):
                inner = node(spec[11:])
                return None if inner is None else (_MAP, inner)
            return tables.get(spec)  # a struct's table, or None for a primitive

        for name, fields in raw.items():
            table = tables[name]
            for field, spec in fields.items():
                table[field] = node(spec)
        _types = tables
        _roots = {key: tables[name] for key, name in schema_data.ROOTS.items()}
    return _types, _roots  # type: ignore[return-value]


def known_kind(kind_key: str) -> bool:
    """Whether the schema covers ``kind_key`` (``apps/v1/Deployment``)."""
    return kind_key in _load()[1]


def fields(type_name: str) -> frozenset[str]:
    """The JSON field names of a schema type (``V1Container``); empty for an unknown name."""
    return frozenset(_load()[0].get(type_name, ()))


def unknown_fields(kind_key: str, obj: dict) -> list[str]:
    """Paths of the fields of ``obj`` that strict decoding would reject, in decoding order.

    ``kind_key`` is a registry key such as ``apps/v1/Deployment``; kinds outside the schema give
    ``[]``.  Values of the wrong shape (a string where an object belongs …) are not looked into:
    they are a decoding error of their own, not an unknown field.
    """
    roots = _load()[1]
    table = roots.get(kind_key)
    if table is None or type(obj) is not dict:
        return []
    found: list[str] = []
    _walk_struct(obj, table, "", found)
    if len(found) > 1:  # drop exact repeats, keep the first of each
        found = list(dict.fromkeys(found))
    return found[:MAX_ERRORS]


def _walk_struct(value: dict, table: dict, path: str, found: list[str]) -> None:
    for key, child in value.items():
        try:
            sub = table[key]
        except (KeyError, TypeError):
            found.append(f"{path}.{key}" if path else str(key))
            continue
        if sub is None or child is None:
            continue
        _walk(child, sub, f"{path}.{key}" if path else key, found)


def _walk(value, node, path: str, found: list[str]) -> None:
    if type(node) is dict:
        if type(value) is dict:
            _walk_struct(value, node, path, found)
        return
    kind, inner = node
    if kind == _LIST:
        if type(value) is list:
            for i, item in enumerate(value):
                if item is not None:
                    _walk(item, inner, f"{path}[{i}]", found)
    elif type(value) is dict:
        for key, item in value.items():
            if item is not None:
                _walk(item, inner, f"{path}.{key}", found)


# -- typed decoding ---------------------------------------------------------------------------
# encoding/json (inside sigs.k8s.io/json) refuses a JSON value of the wrong kind for a typed Go
# field and reports the first such value it meets:
#   json: cannot unmarshal array into Go struct field ReplicationControllerSpec.spec.selector of type string
# ``Struct`` is the Go struct holding the field and ``Field`` the path of struct fields from the
# root (no slice indices, no map keys).  Only the Go types named exactly below are checked;
# integers (int32 or int64?), quantities and free-form values are left to validation.

_GO_LEAF = {"string": "string", "boolean": "bool", "map[string]string": "map[string]string",
            "list[string]": "[]string"}
_PREFIX = None


def _go_struct_name(type_name: str) -> str:
    global _PREFIX
    if _PREFIX is None:
        import re

        _PREFIX = re.compile(r"^(?:[A-Z][a-z]*)?V\d+(?:(?:alpha|beta)\d+)?(?=[A-Z])")
    return _PREFIX.sub("", type_name, count=1)


def _json_kind(value) -> str:
    if type(value) is dict:
        return "object"
    if type(value) is list:
        return "array"
    if type(value) is bool:
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return "string"


def type_error(kind_key: str, obj: dict) -> str | None:
    """The ``json: cannot unmarshal …`` text typed decoding gives ``obj``, or None."""
    from . import schema_data

    root = schema_data.ROOTS.get(kind_key)
    if root is None or type(obj) is not dict:
        return None
    return _type_walk(obj, root, "", schema_data.TYPES)


def _type_walk(value: dict, type_name: str, path: str, types: dict) -> str | None:
    table = types.get(type_name) or {}
    for key, child in value.items():
        spec = table.get(key)
        if spec is None or child is None:
            continue
        field = f"{path}.{key}" if path else key
        go = _GO_LEAF.get(spec)
        if go is not None:
            bad = None
            if spec == "string":
                bad = None if type(child) is str else child
            elif spec == "boolean":
                bad = None if type(child) is bool else child
            elif spec == "map[string]string":
                if type(child) is not dict:
                    bad = child
                else:
                    bad = next((v for v in child.values() if v is not None and type(v) is not str), None)
                    go = "string" if bad is not None else go
            elif type(child) is not list:
                bad = child
            else:
                bad = next((v for v in child if v is not None and type(v) is not str), None)
                go = "string" if bad is not None else go
            if bad is not None:
                return (f"json: cannot unmarshal {_json_kind(bad)} into Go struct field "
                        f"{_go_struct_name(type_name)}.{field} of type {go}")
            continue
        if spec in types:
            if type(child) is dict:
                found = _type_walk(child, spec, field, types)
                if found:
                    return found
        elif spec.startswith("list[") and spec[5:-1] in types and type(child) is list:
            for item in child:
                if type(item) is dict:
                    found = _type_walk(item, spec[5:-1], field, types)
                    if found:
                        return found
    return None


def type_error_message(kind: str, version: str, detail: str) -> str:
    version = version.rpartition("/")[2]
    return f"{kind} in version {errors.go_quote(version)} cannot be handled as a {kind}: {detail}"


def strict_error_message(kind: str, version: str, paths: list[str]) -> str:
    """The message of :func:`strict_error` (``runtime.NewStrictDecodingError`` wrapped by the
    handlers' ``transformDecodeError``)."""
    version = version.rpartition("/")[2]
    causes = ", ".join(f"unknown field {errors.go_quote(p)}" for p in paths)
    return (f"{kind} in version {errors.go_quote(version)} cannot be handled as a {kind}: "
            f"strict decoding error: {causes}")


def strict_error(kind: str, version: str, paths: list[str]) -> errors.StatusError:
    """The 400 BadRequest a Strict create/update gets for unknown fields.

    ``version`` is the version of the body's apiVersion (``v1`` for ``apps/v1``; a group prefix is
    dropped).  The Status has no details, as ``errors.NewBadRequest`` builds it.
    """
    return errors.bad_request(strict_error_message(kind, version, paths))


# -- quantities -------------------------------------------------------------------------------
# resource.Quantity decodes a JSON string or number and always encodes its canonical form, so the
# API server stores and returns ``500m`` for ``0.5``, ``1`` for ``1000m`` and ``1536Mi`` for
# ``1.5Gi``.  The paths to a kind's Quantity fields are found once from the schema; a value that
# does not parse is a decoding error (400), like any other typed-decoding failure.

_quantity_paths: dict[str, tuple] = {}


def _find_quantities(type_name: str, types: dict, trail: frozenset) -> list[tuple]:
    found: list[tuple] = []
    for field, spec in (types.get(type_name) or {}).items():
        steps: list[str] = [field]
        while True:
            if spec.startswith("list["):
                steps.append("[]")
                spec = spec[5:-1]
            elif spec.startswith("map[string]"):
                steps.append("{}")
                spec = spec[11:]
            else:
                break
        if spec == "Quantity":
            found.append(tuple(steps))
        elif spec in types and spec not in trail:
            found.extend(tuple(steps) + rest for rest in _find_quantities(spec, types, trail | {spec}))
    return found


def quantity_paths(kind_key: str) -> tuple:
    """The paths (field names, ``[]`` for list items, ``{}`` for map values) to every Quantity
    field of ``kind_key``."""
    paths = _quantity_paths.get(kind_key)
    if paths is None:
        from . import schema_data

        root = schema_data.ROOTS.get(kind_key)
        paths = tuple(_find_quantities(root, schema_data.TYPES, frozenset({root}))) if root else ()
        _quantity_paths[kind_key] = paths
    return paths


_quantity_tries: dict[str, dict] = {}
_CANONICAL: dict[str, str] = {}       # quantity text → its canonical form (a pure function)


def canonicalize_quantities(kind_key: str, obj: dict) -> None:
    """Rewrite every Quantity of ``obj`` in place into its canonical form; raises
    :class:`~kube_lab.api.quantity.QuantityError` for a value that is not a quantity."""
    trie = _quantity_tries.get(kind_key)
    if trie is None:
        trie = {}
        for path in quantity_paths(kind_key):
            node = trie
            for step in path[:-1]:
                node = node.setdefault(step, {})
            node[path[-1]] = None          # a leaf: the value here is a Quantity
        _quantity_tries[kind_key] = trie
    if trie:
        _canon(obj, trie)


def _canon(value, trie: dict) -> None:
    items = trie.get("[]")
    if items is not None or "[]" in trie:
        if type(value) is list:
            for i in range(len(value)):
                _canon_at(value, i, items, False)
        return
    if "{}" in trie:
        if type(value) is dict:
            sub = trie["{}"]
            for k in list(value):
                _canon_at(value, k, sub, True)
        return
    if type(value) is dict:
        for step in trie.keys() & value.keys():      # only the fields present (a C-level set op)
            if value[step] is not None:
                _canon_at(value, step, trie[step], False)


def _canon_at(container, key, sub: dict | None, map_value: bool) -> None:
    value = container[key]
    if sub is not None:
        _canon(value, sub)
    elif value is None:
        if map_value:
            container[key] = "0"   # a null map value decodes as the zero Quantity
    else:
        text = _CANONICAL.get(value) if type(value) is str else None
        if text is None:
            from .quantity import quantity_from_json

            text = str(quantity_from_json(value))
            if type(value) is str:
                if len(_CANONICAL) > 4096:
                    _CANONICAL.clear()
                _CANONICAL[value] = text
        if text != value:
            container[key] = text
