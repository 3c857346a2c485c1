"""JSON exactly as ``kubectl … -o json`` writes it (k8s.io/cli-runtime/pkg/printers/json.go).

kubectl calls Go's ``json.MarshalIndent(obj, "", "    ")`` and adds a newline.  Objects read from
the server are ``Unstructured`` maps, whose keys Go sorts; objects kubectl builds itself
(``create deployment --dry-run=client``) are typed structs whose fields keep their Go declaration
order — callers pass ``sort_keys=False`` for those and build the dict in that order.  Strings are
escaped as Go escapes them (``<``, ``>``, ``&``, U+2028 and U+2029 as ``\\uXXXX``).
"""
from __future__ import annotations

from typing import Any

from ...api.apply import _go_float_json, _go_json_string


def dumps(obj: Any, sort_keys: bool = True, indent: str = "    ") -> str:
    """``json.MarshalIndent(obj, "", indent)`` followed by a newline."""
    out: list[str] = []
    _encode(obj, out, "", indent, sort_keys)
    out.append("\n")
    return "".join(out)


def _encode(v: Any, out: list[str], prefix: str, indent: str, sort_keys: bool) -> None:
    if v is None:
        out.append("null")
    elif v is True:
        out.append("true")
    elif v is False:
        out.append("false")
    elif isinstance(v, int):
        out.append(str(v))
    elif isinstance(v, float):
        out.append(_go_float_json(v))
    elif isinstance(v, str):
        out.append(_go_json_string(v))
    elif isinstance(v, dict):
        if not v:
            out.append("{}")
            return
        inner = prefix + indent
        out.append("{\n")
        keys = sorted(v, key=lambda k: str(k).encode("utf-8")) if sort_keys else list(v)
        for i, k in enumerate(keys):
            out.append(inner)
            out.append(_go_json_string(str(k)))
            out.append(": ")
            _encode(v[k], out, inner, indent, sort_keys)
            out.append(",\n" if i + 1 < len(keys) else "\n")
        out.append(prefix + "}")
    elif isinstance(v, (list, tuple)):
        if not v:
            out.append("[]")
            return
        inner = prefix + indent
        out.append("[\n")
        for i, x in enumerate(v):
            out.append(inner)
            _encode(x, out, inner, indent, sort_keys)
            out.append(",\n" if i + 1 < len(v) else "\n")
        out.append(prefix + "]")
    else:
        out.append(_go_json_string(str(v)))


def compact(obj: Any, sort_keys: bool = True) -> str:
    """``json.Marshal(obj)`` (no newline)."""
    from ...api.apply import go_json

    if sort_keys:
        return go_json(obj)
    if isinstance(obj, dict):
        return "{" + ",".join(_go_json_string(str(k)) + ":" + compact(x, False) for k, x in obj.items()) + "}"
    if isinstance(obj, (list, tuple)):
        return "[" + ",".join(compact(x, False) for x in obj) + "]"
    return go_json(obj)
