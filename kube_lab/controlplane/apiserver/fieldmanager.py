"""Field managers: ``metadata.managedFields`` for requests that arrive over HTTP.

Models k8s.io/apiserver/pkg/endpoints/handlers/fieldmanager in a reduced form:

* every create/update/patch made over HTTP records which fields its manager (the
  ``fieldManager`` query parameter, or the client's user-agent product such as ``kubectl``) set —
  an ``Update`` entry holding the fields that changed, moved away from the managers that held them;
* ``application/apply-patch+yaml`` (server-side apply, ``kubectl apply --server-side``) is an
  ``Apply`` entry holding exactly the applied configuration's fields.  Applying a field that
  another manager owns with a different value is a conflict (409, upstream's message and
  ``FieldManagerConflict`` causes) unless ``force=true``, which takes the field over.

Approximations (documented in the README): the object is merged with the applied configuration
(strategic merge), so fields a manager stops applying are not removed; list items are keyed by
their strategic-merge key (``containers`` by ``name``…) rather than by OpenAPI list-map keys;
and the entries live beside the object in the HTTP server, so writes made by the simulator's own
components (controllers, kubelets) are not recorded and in-process reads do not show them.
FieldsV1 follows upstream's shape: ``f:<field>``, ``k:{"name":"x"}`` for keyed list items,
``v:<value>`` for set items and ``.`` for maps, pointers and list items.
"""
from __future__ import annotations

import json
from typing import Any

from ...api import errors, patch as patching
from ...api.registry import ResourceInfo

SERVER_METADATA = ("name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
                   "deletionGracePeriodSeconds", "selfLink", "managedFields")
ATOMIC_TYPES = {"meta/v1.LabelSelector"}


def _message_fields(type_name: str) -> dict[str, tuple[str, str]]:
    """JSON name → (type spec, flags) of a struct, embedded structs flattened."""
    from .protobuf_data import MESSAGES

    out: dict[str, tuple[str, str]] = {}
    for name, spec, flags in MESSAGES.get(type_name, {}).values():
        if "i" in flags:
            out.update(_message_fields(spec))
        else:
            out[name] = (spec, flags)
    return out


def _is_message(spec: str) -> bool:
    return "/" in spec and "." in spec


def field_set(kind_key: str, obj: dict, *, include_status: bool = False) -> dict:
    """The FieldsV1 tree of every field set in ``obj`` (server-owned metadata excluded)."""
    from .protobuf_data import KINDS

    type_name = KINDS.get(kind_key, "")
    schema = patching.schema_for(kind_key)
    out: dict = {}
    for key, value in obj.items():
        if key in ("apiVersion", "kind") or (key == "status" and not include_status):
            continue
        if key == "metadata" and isinstance(value, dict):
            md = {k: v for k, v in value.items() if k not in SERVER_METADATA}
            node = _walk(md, "meta/v1.ObjectMeta", "", schema.lookup("metadata"))
            if node:
                out["f:metadata"] = node
            continue
        spec, flags = _message_fields(type_name).get(key, ("", ""))
        out[f"f:{key}"] = _value(value, spec, flags, schema.lookup(key))
    return out


def _walk(value: dict, type_name: str, flags: str, schema) -> dict:
    fields = _message_fields(type_name)
    out: dict = {".": {}} if "p" in flags else {}
    for key, child in value.items():
        spec, cflags = fields.get(key, ("", ""))
        out[f"f:{key}"] = _value(child, spec, cflags, schema.lookup(key))
    return out


def _value(value: Any, spec: str, flags: str, schema) -> dict:
    if value is None:
        return {}
    if "r" in flags and isinstance(value, list):
        key = schema.merge_key
        out: dict = {}
        if key:
            for item in value:
                if isinstance(item, dict) and key in item:
                    ident = json.dumps({key: item[key]}, separators=(",", ":"))
                    node = {".": {}}
                    node.update(_walk(item, spec, "", schema) if _is_message(spec) else {})
                    out[f"k:{ident}"] = node
            return out
        if "merge" in schema.strategies and not _is_message(spec):
            for item in value:
                out["v:" + json.dumps(item, separators=(",", ":"))] = {}
            return out
        return {}
    if spec.startswith("map:") and isinstance(value, dict):
        out = {".": {}}
        for k in value:
            out[f"f:{k}"] = {}
        return out
    if _is_message(spec) and isinstance(value, dict) and spec not in ATOMIC_TYPES:
        return _walk(value, spec, flags, schema)
    return {}


def _leaves(tree: dict, path: tuple = ()) -> list[tuple]:
    out = []
    for key, sub in tree.items():
        if key == ".":
            continue
        if sub and any(k != "." for k in sub):
            out.extend(_leaves(sub, path + (key,)))
        else:
            out.append(path + (key,))
    return out


def _lookup(obj: Any, path: tuple) -> tuple[bool, Any]:
    cur = obj
    for part in path:
        kind, _, rest = part.partition(":")
        if kind == "f" and isinstance(cur, dict) and rest in cur:
            cur = cur[rest]
        elif kind == "k" and isinstance(cur, list):
            want = json.loads(rest)
            for item in cur:
                if isinstance(item, dict) and all(item.get(k) == v for k, v in want.items()):
                    cur = item
                    break
            else:
                return False, None
        elif kind == "v" and isinstance(cur, list):
            v = json.loads(rest)
            if v not in cur:
                return False, None
            cur = v
        else:
            return False, None
    return True, cur


def path_string(path: tuple) -> str:
    """``fieldpath.Path.String()``: ``.spec.replicas``, ``.spec.containers[name="nginx"].image``."""
    out = ""
    for part in path:
        kind, _, rest = part.partition(":")
        if kind == "f":
            out += "." + rest
        elif kind == "k":
            keys = json.loads(rest)
            out += "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in keys.items()) + "]"
        else:
            out += f"[={rest}]"
    return out


def _remove(tree: dict, path: tuple) -> None:
    node = tree
    stack = []
    for part in path[:-1]:
        if part not in node:
            return
        stack.append((node, part))
        node = node[part]
    node.pop(path[-1], None)
    while stack:  # prune parents left with nothing but "."
        parent, part = stack.pop()
        if parent[part] and any(k != "." for k in parent[part]):
            break
        if parent[part] == {} or set(parent[part]) == {"."}:
            parent.pop(part)


def _sorted(tree: dict) -> dict:
    """FieldsV1 in upstream's serialisation order: ``.`` first, then the path elements sorted."""
    return {k: _sorted(tree[k]) for k in sorted(tree, key=lambda k: (k != ".", k))}


def _union(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = _union(out[k], v) if k in out else v
    return out


def _has(tree: dict, path: tuple) -> bool:
    node = tree
    for part in path:
        if part not in node:
            return False
        node = node[part]
    return True


def diff_fields(kind_key: str, old: dict | None, new: dict, include_status: bool) -> dict:
    """Fields of ``new`` whose value differs from ``old`` (all of them when there is no old)."""
    tree = field_set(kind_key, new, include_status=include_status)
    if old is None:
        return tree
    out = json.loads(json.dumps(tree))
    for path in _leaves(tree):
        found_old, v_old = _lookup(old, path)
        found_new, v_new = _lookup(new, path)
        if found_old and v_old == v_new:
            _remove(out, path)
    return out


class FieldManagers:
    """The managedFields of objects written over HTTP, kept beside the objects by uid."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str, str], tuple[str, list[dict]]] = {}

    def entries(self, info: ResourceInfo, obj: dict) -> list[dict] | None:
        md = obj.get("metadata") or {}
        rec = self._entries.get((info.resource, md.get("namespace", ""), md.get("name", "")))
        if rec is None or rec[0] != md.get("uid"):
            return None
        return rec[1]

    def attach(self, info: ResourceInfo, obj: dict) -> dict:
        """``obj`` with its managedFields (a shallow copy; ``obj`` itself is left alone)."""
        entries = self.entries(info, obj) if isinstance(obj, dict) else None
        if not entries:
            return obj
        return {**obj, "metadata": {**obj["metadata"], "managedFields": entries}}

    def forget(self, info: ResourceInfo, namespace: str, name: str) -> None:
        self._entries.pop((info.resource, namespace, name), None)

    def _store(self, info: ResourceInfo, obj: dict, entries: list[dict]) -> None:
        md = obj["metadata"]
        key = (info.resource, md.get("namespace", ""), md["name"])
        entries = [{**e, "fieldsV1": _sorted(e["fieldsV1"])} for e in entries
                   if e["fieldsV1"] and set(e["fieldsV1"]) != {"."}]
        if entries:
            self._entries[key] = (md["uid"], entries)
        else:
            self._entries.pop(key, None)

    def _current(self, info: ResourceInfo, obj: dict) -> list[dict]:
        return [dict(e) for e in (self.entries(info, obj) or ())]

    def record_update(self, info: ResourceInfo, old: dict | None, new: dict, manager: str, time: str,
                      subresource: str = "") -> None:
        """An ``Update`` by ``manager``: it now owns the fields it changed."""
        if not isinstance(new, dict) or not (new.get("metadata") or {}).get("uid"):
            return
        changed = diff_fields(info.kind_key, old, new, include_status=(subresource == "status"))
        entries = self._current(info, new) if old is not None else []
        leaves = _leaves(changed)
        for e in entries:
            if e["manager"] == manager and e["operation"] == "Update" and e.get("subresource", "") == subresource:
                continue
            tree = json.loads(json.dumps(e["fieldsV1"]))
            for path in leaves:
                if _has(tree, path):
                    _remove(tree, path)
            e["fieldsV1"] = tree
        mine = next((e for e in entries if e["manager"] == manager and e["operation"] == "Update"
                     and e.get("subresource", "") == subresource), None)
        if not leaves and mine is None:
            self._store(info, new, entries)
            return
        if mine is None:
            mine = {"manager": manager, "operation": "Update", "apiVersion": info.api_version, "time": time,
                    "fieldsType": "FieldsV1", "fieldsV1": {}}
            if subresource:
                mine["subresource"] = subresource
            entries.append(mine)
        mine["fieldsV1"] = _union(mine["fieldsV1"], changed)
        mine["time"] = time
        self._store(info, new, entries)

    def check_apply(self, info: ResourceInfo, live: dict | None, applied: dict, manager: str,
                    force: bool) -> None:
        """Raise upstream's 409 if ``applied`` changes fields other managers own (unless forced)."""
        if live is None or force:
            return
        tree = field_set(info.kind_key, applied)
        conflicts: list[tuple[str, tuple]] = []
        for e in self.entries(info, live) or ():
            if e["manager"] == manager:
                continue
            for path in _leaves(tree):
                if not _has(e["fieldsV1"], path):
                    continue
                _, want = _lookup(applied, path)
                found, have = _lookup(live, path)
                if found and have != want:
                    conflicts.append((e["manager"] if e["operation"] == "Apply" else
                                      f"{e['manager']}\x00{e['apiVersion']}", path))
        if conflicts:
            raise conflict_error(conflicts)

    def record_apply(self, info: ResourceInfo, applied: dict, result: dict, manager: str, time: str,
                     force: bool) -> None:
        """An ``Apply`` by ``manager``: it owns exactly the applied fields (taken from others when
        forced; shared when the values agree)."""
        if not isinstance(result, dict) or not (result.get("metadata") or {}).get("uid"):
            return
        tree = field_set(info.kind_key, applied)
        entries = [e for e in self._current(info, result) if not (e["manager"] == manager and e["operation"] == "Apply")]
        if force:
            for e in entries:
                t = json.loads(json.dumps(e["fieldsV1"]))
                for path in _leaves(tree):
                    if _has(t, path):
                        _remove(t, path)
                e["fieldsV1"] = t
        entries.append({"manager": manager, "operation": "Apply", "apiVersion": info.api_version, "time": time,
                        "fieldsType": "FieldsV1", "fieldsV1": tree})
        self._store(info, result, entries)


def _print_manager(key: str) -> str:
    manager, _, api_version = key.partition("\x00")
    if api_version:
        return f"{errors.go_quote(manager)} using {api_version}"
    return errors.go_quote(manager)


def conflict_error(conflicts: list[tuple[str, tuple]]) -> errors.StatusError:
    """``NewConflictError``: 409 Conflict with one ``FieldManagerConflict`` cause per field."""
    causes = [{"reason": "FieldManagerConflict", "message": f"conflict with {_print_manager(m)}",
               "field": path_string(p)} for m, p in conflicts]
    if len(conflicts) == 1:
        m, p = conflicts[0]
        message = f"Apply failed with 1 conflict: conflict with {_print_manager(m)}: {path_string(p)}"
    else:
        by_manager: dict[str, list[tuple]] = {}
        for m, p in conflicts:
            by_manager.setdefault(m, []).append(p)
        lines = []
        for m in sorted(by_manager):
            lines.append(f"conflicts with {_print_manager(m)}:")
            lines.extend(f"- {path_string(p)}" for p in by_manager[m])
        message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    return errors.status("Conflict", message, {"causes": causes})
