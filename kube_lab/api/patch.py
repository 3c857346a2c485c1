"""PATCH bodies, applied the way kube-apiserver applies them.

Three patch formats reach ``PATCH /…/<resource>/<name>``; each has a function here:

* ``application/json-patch+json`` → :func:`json_patch`, modelling ``gopkg.in/evanphx/json-patch.v4``
  (``Patch.Apply``), the library kube-apiserver uses;
* ``application/merge-patch+json`` → :func:`merge_patch`, modelling the same library's ``MergePatch``;
* ``application/strategic-merge-patch+json`` → :func:`strategic_merge_patch`, modelling
  ``k8s.io/apimachinery/pkg/util/strategicpatch`` (``StrategicMergeMapPatch``) driven by the
  ``patchStrategy``/``patchMergeKey`` struct tags of k8s.io/api, kept here as tables; the merge
  machinery is :mod:`kube_lab.api.strategicpatch`, shared with ``kubectl apply``.

(``application/apply-patch+yaml``, server-side apply, is not handled by this module.)

The PATCH handler itself (``staging/src/k8s.io/apiserver/pkg/endpoints/handlers/patch.go``) decides
how a failure is reported; every function below raises :class:`kube_lab.api.errors.StatusError` with the
status that handler would send:

* a patch body that does not decode is ``400 BadRequest`` carrying the decoder's message;
* a JSON patch that decodes but cannot be applied is ``422 Invalid`` with the *generic* message
  ``the server rejected our request due to an error in our request`` — upstream wraps the library error
  with ``errors.NewGenericServerResponse(422, …)``, which throws the library's text away.  We keep that
  text on the exception as ``err.patch_error`` (it never reaches the client, but it helps when learning);
* strategic-merge errors are sorted by ``interpretStrategicMergePatchError``: some are ``400``, two are
  the generic ``422``, and every other one is returned as a plain Go error, which the handler turns into
  ``500`` with an empty reason and the raw message (``responsewriters.ErrorToAPIStatus``).

Inputs are never modified.  Results share every untouched subtree with ``doc`` (and values taken from
the patch are shared with the patch), so callers must treat all three as immutable, as the API server's
store already does.

Like upstream, the functions return the *map* that upstream would hand to the typed decoder.  Where
upstream leaves ``null`` values or leftover directive keys in that map (for example inside a list item
that a strategic merge appends), so do we; the typed decoder would drop them, and the API server is
expected to run the same normalisation it runs on create/update bodies.
"""
from __future__ import annotations

import json
import re
from typing import Any, Callable

from kube_lab.api import errors
from kube_lab.api.strategicpatch import SERVER_MERGE, Field, StrategicPatchError, json_kind, merge_map

__all__ = [
    "JSON_PATCH", "MERGE_PATCH", "STRATEGIC_MERGE_PATCH", "APPLY_PATCH_YAML",
    "BUILTIN_PATCH_TYPES", "CUSTOM_RESOURCE_PATCH_TYPES", "MAX_JSON_PATCH_OPERATIONS",
    "JSON_PATCH_MAX_COPY_BYTES",
    "json_patch", "merge_patch", "strategic_merge_patch",
    "supports_strategic_merge", "unsupported_patch_type_error", "strategic_merge_kinds",
    "schema_for",
]

# --------------------------------------------------------------------------------------------
# Content types (k8s.io/apimachinery/pkg/types/patch.go) and who accepts which.

JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH_YAML = "application/apply-patch+yaml"

#: What the generic API installer accepts for built-in resources (apiserver/pkg/endpoints/installer.go).
BUILTIN_PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH_YAML)
#: What the CRD handler accepts (apiextensions-apiserver/pkg/apiserver/customresource_handler.go):
#: no strategic merge, because custom resources have no Go struct tags to drive it.
CUSTOM_RESOURCE_PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, APPLY_PATCH_YAML)

#: ``maxJSONPatchOperations`` in handlers/patch.go.
MAX_JSON_PATCH_OPERATIONS = 10000
#: ``JSONPatchMaxCopyBytes`` (apiserver/pkg/server/config.go), installed as the library's
#: ``AccumulatedCopySizeLimit``: the JSON size all ``copy`` operations of one patch may add.
JSON_PATCH_MAX_COPY_BYTES = 3 * 1024 * 1024

_GENERIC_422 = "the server rejected our request due to an error in our request"


# --------------------------------------------------------------------------------------------
# Status helpers specific to the PATCH handler.

def _unprocessable(detail: str) -> errors.StatusError:
    """``NewGenericServerResponse(422, "", GroupResource{}, "", msg, 0, false)``.

    The reason is ``Invalid``, the message is the fixed generic text and ``details`` is present but
    empty (every field of ``StatusDetails`` is ``omitempty``).
    """
    err = errors.status("Invalid", _GENERIC_422)
    body = err.status
    code = body.pop("code")
    body["details"] = {}
    body["code"] = code
    err.patch_error = detail  # type: ignore[attr-defined]
    return err


def _go_error(message: str) -> errors.StatusError:
    """A plain Go ``error`` reaching ``ErrorToAPIStatus``: 500, ``StatusReasonUnknown`` (empty, omitted)."""
    err = errors.status("", message, code=500)
    del err.status["reason"]
    return err


def _too_large(message: str) -> errors.StatusError:
    return errors.status("RequestEntityTooLarge", f"Request entity too large: {message}")


def unsupported_patch_type_error(kind_key: str | None = None) -> errors.StatusError:
    """The 415 a PATCH with an unaccepted Content-Type gets (``negotiation.NewUnsupportedMediaTypeError``).

    The list of accepted types is the one of the handler serving ``kind_key``: built-in kinds list all
    four types, custom resources (no entry in the strategic-merge table) list three.
    """
    accepted = BUILTIN_PATCH_TYPES if kind_key is None or supports_strategic_merge(kind_key) \
        else CUSTOM_RESOURCE_PATCH_TYPES
    return errors.unsupported_media_type(STRATEGIC_MERGE_PATCH, accepted)


# --------------------------------------------------------------------------------------------
# encoding/json texts used inside upstream error messages.

def _go_char(c: str) -> str:
    if c == "'":
        return "'\\''"
    if c == '"':
        return "'\"'"
    return "'" + errors.go_quote(c)[1:-1] + "'"


def _go_syntax_error(text: str, exc: json.JSONDecodeError) -> str:
    """Approximate ``encoding/json`` syntax-error text for a body Python's decoder rejected."""
    pos = exc.pos
    if pos >= len(text) or exc.msg.startswith("Unterminated string"):
        return "unexpected end of JSON input"
    ch = _go_char(text[pos])
    if exc.msg.startswith("Extra data"):
        return f"invalid character {ch} after top-level value"
    if exc.msg.startswith("Expecting property name"):
        return f"invalid character {ch} looking for beginning of object key string"
    if exc.msg.startswith("Expecting ':'"):
        return f"invalid character {ch} after object key"
    if exc.msg.startswith("Expecting ','"):
        # Which container are we in?  Scan the prefix, skipping strings.
        stack: list[str] = []
        in_str = esc = False
        for c in text[:pos]:
            if in_str:
                if esc:
                    esc = False
                elif c == "\\":
                    esc = True
                elif c == '"':
                    in_str = False
            elif c == '"':
                in_str = True
            elif c in "[{":
                stack.append(c)
            elif c in "]}" and stack:
                stack.pop()
        where = "object key:value pair" if stack and stack[-1] == "{" else "array element"
        return f"invalid character {ch} after {where}"
    if exc.msg.startswith("Invalid control character"):
        return f"invalid character {ch} in string literal"
    return f"invalid character {ch} looking for beginning of value"


def _load_body(body: Any, on_syntax_error: Callable[[str], errors.StatusError]) -> Any:
    """Accept an already-decoded JSON value, or ``str``/``bytes`` holding JSON."""
    if isinstance(body, (bytes, bytearray)):
        body = bytes(body).decode("utf-8", errors="replace")
    if isinstance(body, str):
        try:
            return json.loads(body)
        except json.JSONDecodeError as exc:
            raise on_syntax_error(_go_syntax_error(body, exc)) from None
    return body


# ============================================================================================
# RFC 6902 JSON patch
# ============================================================================================

class _JSONPatchError(Exception):
    """An ``evanphx/json-patch`` error; ``str()`` is the library's message."""


_MISSING = "missing value"
_INVALID_INDEX = "invalid index referenced"
_ATOI_RE = re.compile(r"[+-]?[0-9]+")


def _atoi(s: str) -> int:
    """``strconv.Atoi`` on a 64-bit platform, with its error texts."""
    if not _ATOI_RE.fullmatch(s):
        raise _JSONPatchError(f"strconv.Atoi: parsing {errors.go_quote(s)}: invalid syntax")
    n = int(s)
    if not -(1 << 63) <= n < (1 << 63):
        raise _JSONPatchError(f"strconv.Atoi: parsing {errors.go_quote(s)}: value out of range")
    return n


def _decode_token(tok: str) -> str:
    """RFC 6901 unescaping, ``~1`` then ``~0`` (strings.NewReplacer scans left to right, one pass)."""
    out = []
    i = 0
    while i < len(tok):
        if tok.startswith("~1", i):
            out.append("/")
            i += 2
        elif tok.startswith("~0", i):
            out.append("~")
            i += 2
        else:
            out.append(tok[i])
            i += 1
    return "".join(out)


def _bad_index(idx: int) -> _JSONPatchError:
    return _JSONPatchError(f"Unable to access invalid index: {idx}: {_INVALID_INDEX}")


def _array_index(lst: list, key: str) -> int:
    """``partialArray.get``'s index rules (negative indices count from the end)."""
    idx = _atoi(key)
    if idx < 0:
        if idx < -len(lst):
            raise _bad_index(idx)
        idx += len(lst)
    if idx >= len(lst):
        raise _bad_index(idx)
    return idx


def _op_string(op: dict, field: str, missing: str) -> tuple[str, str | None]:
    """``Operation.Path()`` / ``From()``: the string, or ``("unknown", error text)``."""
    v = op.get(field)
    if v is None:
        return "unknown", missing
    if not isinstance(v, str):
        return "unknown", f"json: cannot unmarshal {json_kind(v)} into Go value of type string"
    return v, None


def _json_equal(a: Any, b: Any) -> bool:
    """``lazyNode.equal``: structural for objects/arrays; scalars must have the same JSON text.

    We approximate "same text" as same JSON type and value, with integers and floats distinct
    (``1`` and ``1.0`` are different bytes upstream).
    """
    if isinstance(a, dict):
        if not isinstance(b, dict) or len(a) != len(b):
            return False
        for k, v in a.items():
            if k not in b:
                return False
            ov = b[k]
            if (v is None) != (ov is None):
                return False
            if v is not None and not _json_equal(v, ov):
                return False
        return True
    if isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            return False
        return all(_json_equal(x, y) for x, y in zip(a, b))
    if a is None or b is None:
        return a is None and b is None
    return type(a) is type(b) and a == b


class _JSONPatcher:
    """Applies operations to a copy-on-write view of ``doc``.

    Containers created by this patcher are "owned" and may be mutated in place; everything else is
    shared with the caller and is copied (one level) before the first write.  Owned containers are
    always reachable only through owned parents, so a ``copy`` operation that duplicates an owned
    subtree simply disowns it: from then on both places treat it as immutable.
    """

    def __init__(self, doc: Any):
        self.root = doc
        self.owned: dict[int, Any] = {}
        self.copied = 0   # bytes added by copy operations so far

    def _own(self, obj: Any) -> Any:
        if id(obj) in self.owned:
            return obj
        new = dict(obj) if isinstance(obj, dict) else list(obj)
        self.owned[id(new)] = new
        return new

    def _disown(self, obj: Any) -> None:
        if isinstance(obj, (dict, list)) and id(obj) in self.owned:
            del self.owned[id(obj)]
            for child in (obj.values() if isinstance(obj, dict) else obj):
                self._disown(child)

    # -- container primitives (partialDoc / partialArray methods) ------------------------------

    @staticmethod
    def _get(con: Any, key: str) -> Any:
        if isinstance(con, dict):
            return con.get(key)
        return con[_array_index(con, key)]

    @staticmethod
    def _add(con: Any, key: str, val: Any) -> None:
        if isinstance(con, dict):
            con[key] = val
            return
        if key == "-":
            con.append(val)
            return
        try:
            idx = _atoi(key)
        except _JSONPatchError as e:
            raise _JSONPatchError(f"value was not a proper array index: '{key}': {e}") from None
        size = len(con) + 1
        if idx >= size:
            raise _bad_index(idx)
        if idx < 0:
            if idx < -size:
                raise _bad_index(idx)
            idx += size
        con.insert(idx, val)

    @staticmethod
    def _remove(con: Any, key: str) -> None:
        if isinstance(con, dict):
            if key not in con:
                raise _JSONPatchError(f"Unable to remove nonexistent key: {key}: {_MISSING}")
            del con[key]
            return
        idx = _atoi(key)
        if idx >= len(con):
            raise _bad_index(idx)
        if idx < 0:
            if idx < -len(con):
                raise _bad_index(idx)
            idx += len(con)
        del con[idx]

    @staticmethod
    def _set(con: Any, key: str, val: Any) -> None:
        if isinstance(con, dict):
            con[key] = val
            return
        idx = _atoi(key)
        if idx < 0:
            if idx < -len(con):
                raise _bad_index(idx)
            idx += len(con)
        con[idx] = val

    def _find(self, path: str, write: bool) -> tuple[Any, str]:
        """``findObject``: the container holding the last token, or ``(None, "")``.

        Like upstream, the first token is never looked at (``"a/b"`` acts like ``"/b"``) and a path
        without any ``/`` has no container.
        """
        split = path.split("/")
        if len(split) < 2:
            return None, ""
        if not isinstance(self.root, (dict, list)):
            return None, ""
        if write:
            self.root = self._own(self.root)
        con = self.root
        for part in split[1:-1]:
            key = _decode_token(part)
            try:
                if isinstance(con, dict):
                    nxt = con.get(key)
                    slot: Any = key
                else:
                    slot = _array_index(con, key)
                    nxt = con[slot]
            except _JSONPatchError:
                return None, ""
            if not isinstance(nxt, (dict, list)):
                return None, ""
            if write:
                owned = self._own(nxt)
                if owned is not nxt:
                    con[slot] = owned
                nxt = owned
            con = nxt
        return con, _decode_token(split[-1])

    # -- operations ---------------------------------------------------------------------------

    def add(self, op: dict) -> None:
        path, err = _op_string(op, "path", "operation missing path field: " + _MISSING)
        if err:
            raise _JSONPatchError(f"add operation failed to decode path: {_MISSING}")
        con, key = self._find(path, write=True)
        if con is None:
            raise _JSONPatchError(f'add operation does not apply: doc is missing path: "{path}": {_MISSING}')
        try:
            self._add(con, key, op.get("value"))
        except _JSONPatchError as e:
            raise _JSONPatchError(f"error in add for path: '{path}': {e}") from None

    def remove(self, op: dict) -> None:
        path, err = _op_string(op, "path", "operation missing path field: " + _MISSING)
        if err:
            raise _JSONPatchError(f"remove operation failed to decode path: {_MISSING}")
        con, key = self._find(path, write=True)
        if con is None:
            raise _JSONPatchError(
                f'remove operation does not apply: doc is missing path: "{path}": {_MISSING}')
        try:
            self._remove(con, key)
        except _JSONPatchError as e:
            raise _JSONPatchError(f"error in remove for path: '{path}': {e}") from None

    def replace(self, op: dict) -> None:
        path, err = _op_string(op, "path", "operation missing path field: " + _MISSING)
        if err:
            raise _JSONPatchError(f"replace operation failed to decode path: {err}")
        if path == "":
            val = op.get("value")
            if not isinstance(val, (dict, list)):
                # upstream wraps a nil error here, so Go prints "%!w(<nil>)"
                raise _JSONPatchError("replace operation value must be object or array: %!w(<nil>)")
            self.root = val
            return
        con, key = self._find(path, write=True)
        if con is None:
            raise _JSONPatchError(f"replace operation does not apply: doc is missing path: {path}: {_MISSING}")
        try:
            self._get(con, key)  # objects never fail here: replacing a missing member adds it
        except _JSONPatchError:
            raise _JSONPatchError(
                f"replace operation does not apply: doc is missing key: {path}: {_MISSING}") from None
        try:
            self._set(con, key, op.get("value"))
        except _JSONPatchError as e:
            raise _JSONPatchError(f"error in remove for path: '{path}': {e}") from None

    def move(self, op: dict) -> None:
        frm, err = _op_string(op, "from", "operation, missing from field: " + _MISSING)
        if err:
            raise _JSONPatchError(f"move operation failed to decode from: {err}")
        con, key = self._find(frm, write=True)
        if con is None:
            raise _JSONPatchError(f"move operation does not apply: doc is missing from path: {frm}: {_MISSING}")
        try:
            val = self._get(con, key)
            self._remove(con, key)
        except _JSONPatchError as e:
            raise _JSONPatchError(f"error in move for path: '{key}': {e}") from None
        path, err = _op_string(op, "path", "operation missing path field: " + _MISSING)
        if err:
            raise _JSONPatchError(f"move operation failed to decode path: {err}")
        con, key = self._find(path, write=True)
        if con is None:
            raise _JSONPatchError(
                f"move operation does not apply: doc is missing destination path: {path}: {_MISSING}")
        try:
            self._add(con, key, val)
        except _JSONPatchError as e:
            raise _JSONPatchError(f"error in move for path: '{path}': {e}") from None

    def copy(self, op: dict) -> None:
        frm, err = _op_string(op, "from", "operation, missing from field: " + _MISSING)
        if err:
            raise _JSONPatchError(f"copy operation failed to decode from: {err}")
        con, key = self._find(frm, write=False)
        if con is None:
            raise _JSONPatchError(f"copy operation does not apply: doc is missing from path: {frm}: {_MISSING}")
        try:
            val = self._get(con, key)  # a missing object member copies as null, as upstream
        except _JSONPatchError as e:
            raise _JSONPatchError(f"error in copy for from: '{frm}': {e}") from None
        path, err = _op_string(op, "path", "operation missing path field: " + _MISSING)
        if err:
            raise _JSONPatchError(f"copy operation failed to decode path: {_MISSING}")
        con, key = self._find(path, write=True)
        if con is None:
            raise _JSONPatchError(
                f"copy operation does not apply: doc is missing destination path: {path}: {_MISSING}")
        self.copied += _go_json_size(val)
        if self.copied > JSON_PATCH_MAX_COPY_BYTES:
            raise _JSONPatchError(
                f"Unable to complete the copy, the accumulated size increase of copy is {self.copied}, "
                f"exceeding the limit {JSON_PATCH_MAX_COPY_BYTES}")
        self._disown(val)
        try:
            self._add(con, key, val)
        except _JSONPatchError as e:
            raise _JSONPatchError(f"error while adding value during copy: {e}") from None

    def test(self, op: dict) -> None:
        path, err = _op_string(op, "path", "operation missing path field: " + _MISSING)
        if err:
            raise _JSONPatchError(f"test operation failed to decode path: {err}")
        has_value = "value" in op
        value = op.get("value")
        if path == "":
            if has_value and value is not None and _json_equal(self.root, value):
                return
            raise _JSONPatchError(f"testing value {path} failed: test failed")
        con, key = self._find(path, write=False)
        if con is None:
            raise _JSONPatchError(f"test operation does not apply: is missing path: {path}: {_MISSING}")
        try:
            val = self._get(con, key)
        except _JSONPatchError as e:
            raise _JSONPatchError(f"error in test for path: '{path}': {e}") from None
        if val is None:
            # a missing member or a null tests equal to an absent or null value
            if value is None:
                return
        elif has_value and value is not None and _json_equal(val, value):
            return
        raise _JSONPatchError(f"testing value {path} failed: test failed")


def _go_json_size(v: Any) -> int:
    """Bytes of ``json.Marshal(v)`` (Go escapes ``<``, ``>``, ``&``, U+2028 and U+2029); null is 0."""
    if v is None:
        return 0
    text = json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    extra = sum(text.count(c) for c in "<>&\u2028\u2029") * 5
    return len(text.encode("utf-8")) + extra - 2 * (text.count("\u2028") + text.count("\u2029"))


def _decode_json_patch(ops: Any) -> list:
    """``jsonpatch.DecodePatch``: the body must be a JSON array of objects (``null`` is empty)."""
    ops = _load_body(ops, errors.bad_request)
    if ops is None:
        return []
    if not isinstance(ops, list):
        raise errors.bad_request(
            f"json: cannot unmarshal {json_kind(ops)} into Go value of type jsonpatch.Patch")
    for op in ops:
        if op is not None and not isinstance(op, dict):
            raise errors.bad_request(
                f"json: cannot unmarshal {json_kind(op)} into Go value of type jsonpatch.Operation")
    return ops


def json_patch(doc: Any, ops: Any) -> Any:
    """Apply an RFC 6902 JSON patch the way kube-apiserver does (``evanphx/json-patch`` v4).

    ``ops`` is the decoded patch (a list of operation objects) or its JSON text.  Operations run in
    order and the first failure aborts the whole patch.  Upstream behaviour kept on purpose:

    * ``add``/``remove``/``replace``/``move``/``copy``/``test``; pointer tokens unescape ``~1`` then
      ``~0``; ``-`` appends; array indices go through ``strconv.Atoi`` (so ``+1`` and ``01`` are
      accepted) and negative indices count from the end;
    * ``replace`` of a missing *object member* succeeds (it adds the member); on arrays the index must
      exist;
    * ``copy`` from a missing object member copies ``null``; ``test`` of a missing member passes when
      the value is ``null`` or absent;
    * the root can only be replaced (``replace`` with path ``""`` and an object/array value) or tested;
      ``add`` at ``""`` fails, and the first token of a path is ignored (upstream never checks it is
      empty).

    Errors: an undecodable body → 400 ``BadRequest``; more than 10000 operations → 413; any failure
    while applying → 422 ``Invalid`` with the generic message (the library text is on
    ``err.patch_error``).
    """
    ops = _decode_json_patch(ops)
    if len(ops) > MAX_JSON_PATCH_OPERATIONS:
        raise _too_large(f"The allowed maximum operations in a JSON patch is {MAX_JSON_PATCH_OPERATIONS}, "
                         f"got {len(ops)}")
    patcher = _JSONPatcher(doc)
    handlers = {"add": patcher.add, "remove": patcher.remove, "replace": patcher.replace,
                "move": patcher.move, "copy": patcher.copy, "test": patcher.test}
    try:
        for op in ops:
            op = op or {}
            kind = op.get("op")
            kind = kind if isinstance(kind, str) else "unknown"
            handler = handlers.get(kind)
            if handler is None:
                raise _JSONPatchError(f"Unexpected kind: {kind}")
            handler(op)
    except _JSONPatchError as e:
        raise _unprocessable(str(e)) from None
    return patcher.root


# ============================================================================================
# RFC 7386 JSON merge patch
# ============================================================================================

def _prune_nulls(v: Any) -> Any:
    """``pruneNulls``: drop null members of objects, recursively, also inside arrays.

    Array elements that are themselves null are kept.  Returns ``v`` itself when nothing changes.
    """
    if isinstance(v, dict):
        out = {}
        changed = False
        for k, x in v.items():
            if x is None:
                changed = True
                continue
            nx = _prune_nulls(x)
            changed |= nx is not x
            out[k] = nx
        return out if changed else v
    if isinstance(v, list):
        new = [_prune_nulls(x) for x in v]
        return new if any(a is not b for a, b in zip(new, v)) else v
    return v


def _merge_docs(doc: dict, patch: dict) -> dict:
    out = dict(doc)
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
            continue
        cur = out.get(k)
        if cur is None:                   # missing, or null in the document
            out[k] = _prune_nulls(v)
        elif not isinstance(cur, dict):   # target not an object: the pruned patch value wins
            out[k] = _prune_nulls(v)
        elif not isinstance(v, dict):     # patch value not an object: taken verbatim
            out[k] = v
        else:
            out[k] = _merge_docs(cur, v)
    return out


def merge_patch(doc: Any, patch: Any) -> Any:
    """Apply an RFC 7386 JSON merge patch as kube-apiserver does (``evanphx/json-patch`` v4 ``MergePatch``).

    ``null`` deletes a member, objects merge recursively, anything else replaces.  Differences from
    the RFC that upstream has and we keep: when a patch value is *not merged* into an existing object
    (new member, or the target is not an object) its nulls are pruned recursively, including inside
    objects nested in arrays; when the patch value is a non-object placed over an object it is taken
    verbatim.  A top-level array patch becomes the result (nulls pruned).

    Errors: an undecodable body, ``null`` or a scalar → 400 ``Invalid JSON Patch``; a ``null``
    document → 500 ``Invalid JSON Document``.
    """
    patch = _load_body(patch, lambda _msg: errors.bad_request("Invalid JSON Patch"))
    if doc is None:
        raise _go_error("Invalid JSON Document")
    if patch is None:
        raise errors.bad_request("Invalid JSON Patch")
    if isinstance(patch, dict):
        if isinstance(doc, dict):
            return _merge_docs(doc, patch)
        return _prune_nulls(patch)
    if isinstance(patch, list):
        return _prune_nulls(patch)
    raise errors.bad_request("Invalid JSON Patch")


# ============================================================================================
# Strategic merge patch
# ============================================================================================
#
# Upstream reads the ``patchStrategy``/``patchMergeKey`` struct tags of the Go types in k8s.io/api
# (and metav1.ObjectMeta).  We keep the same knowledge as tables of paths.  A path names a field;
# ``[]`` after a segment means "each item of that list".  The value is the tag pair:
#
#     ("merge", "name")             patchStrategy:"merge" patchMergeKey:"name"
#     ("merge", "")                 patchStrategy:"merge" on a list of strings
#     ("merge,retainKeys", "name")  both strategies (the list merges; clients send $retainKeys)
#     ("retainKeys", "")            a struct whose clients send $retainKeys
#     ("replace", "")               a struct replaced wholesale (patchStrategy:"replace")
#
# Fields not listed have no tags: maps merge key by key, lists are replaced as a whole (that covers
# tolerations, envFrom, taints, Endpoints subsets, NetworkPolicy rules, Ingress rules, …).
#
# The merge itself is kube_lab.api.strategicpatch, the one implementation kubectl apply also uses.

_OBJECT_META = {
    "finalizers":      ("merge", ""),
    "ownerReferences": ("merge", "uid"),
}

# core/v1 Container; EphemeralContainerCommon carries the same four tags.
_CONTAINER = {
    "ports":         ("merge", "containerPort"),
    "env":           ("merge", "name"),
    "volumeMounts":  ("merge", "mountPath"),
    "volumeDevices": ("merge", "devicePath"),
}

# core/v1 PodSpec.
_POD_SPEC = {
    "volumes":                   ("merge,retainKeys", "name"),
    "initContainers":            ("merge", "name"),
    "containers":                ("merge", "name"),
    "ephemeralContainers":       ("merge", "name"),
    "imagePullSecrets":          ("merge", "name"),
    "hostAliases":               ("merge", "ip"),
    "topologySpreadConstraints": ("merge", "topologyKey"),
    "schedulingGates":           ("merge", "name"),
    "resourceClaims":            ("merge,retainKeys", "name"),
}
for _list in ("initContainers", "containers", "ephemeralContainers"):
    _POD_SPEC.update({f"{_list}[].{f}": tag for f, tag in _CONTAINER.items()})

# core/v1 PodStatus.
_POD_STATUS = {
    "conditions":            ("merge", "type"),
    "podIPs":                ("merge", "ip"),
    "hostIPs":               ("merge", "ip"),
    "resourceClaimStatuses": ("merge,retainKeys", "name"),
}


def _under(prefix: str, table: dict) -> dict:
    return {f"{prefix}.{path}": tag for path, tag in table.items()}


_POD_TEMPLATE_SPEC = {**_under("metadata", _OBJECT_META), **_under("spec", _POD_SPEC)}
_CONDITIONS = {"status.conditions": ("merge", "type")}


def _workload(extra: dict | None = None) -> dict:
    """A controller whose ``spec.template`` is a PodTemplateSpec and whose status has conditions."""
    return {**_under("spec.template", _POD_TEMPLATE_SPEC), **_CONDITIONS, **(extra or {})}


_WEBHOOKS = {"webhooks": ("merge", "name"), "webhooks[].matchConditions": ("merge", "name")}

#: apiVersion/kind → field rules (ObjectMeta rules at ``metadata`` are added to every entry).
_KIND_RULES: dict[str, dict[str, tuple[str, str]]] = {
    # core
    "v1/Pod": {**_under("spec", _POD_SPEC), **_under("status", _POD_STATUS)},
    "v1/PodTemplate": _under("template", _POD_TEMPLATE_SPEC),
    "v1/ReplicationController": _workload(),
    "v1/Service": {"spec.ports": ("merge", "port"), **_CONDITIONS},
    "v1/Node": {"spec.podCIDRs": ("merge", ""), **_CONDITIONS,
                "status.addresses": ("merge", "type")},
    "v1/Namespace": dict(_CONDITIONS),
    "v1/PersistentVolumeClaim": dict(_CONDITIONS),
    "v1/ServiceAccount": {"secrets": ("merge", "name")},
    "v1/ComponentStatus": {"conditions": ("merge", "type")},
    "v1/Endpoints": {}, "v1/ConfigMap": {}, "v1/Secret": {}, "v1/Event": {}, "v1/LimitRange": {},
    "v1/ResourceQuota": {}, "v1/PersistentVolume": {}, "v1/Binding": {},
    # apps
    "apps/v1/Deployment": _workload({"spec.strategy": ("retainKeys", "")}),
    "apps/v1/ReplicaSet": _workload(),
    "apps/v1/StatefulSet": _workload(),
    "apps/v1/DaemonSet": _workload(),
    "apps/v1/ControllerRevision": {},
    # batch
    "batch/v1/Job": _workload(),
    "batch/v1/CronJob": {**_under("spec.jobTemplate.metadata", _OBJECT_META),
                         **_under("spec.jobTemplate.spec.template", _POD_TEMPLATE_SPEC)},
    # autoscaling
    "autoscaling/v1/HorizontalPodAutoscaler": {},
    "autoscaling/v2/HorizontalPodAutoscaler": dict(_CONDITIONS),
    "autoscaling/v1/Scale": {},
    # policy
    "policy/v1/PodDisruptionBudget": {"spec.selector": ("replace", ""), **_CONDITIONS},
    # networking
    "networking.k8s.io/v1/Ingress": {}, "networking.k8s.io/v1/IngressClass": {},
    "networking.k8s.io/v1/NetworkPolicy": {},
    "networking.k8s.io/v1/ServiceCIDR": dict(_CONDITIONS),
    "networking.k8s.io/v1/IPAddress": {},
    "discovery.k8s.io/v1/EndpointSlice": {},
    # rbac, storage, scheduling, coordination, node, events, certificates
    "rbac.authorization.k8s.io/v1/Role": {}, "rbac.authorization.k8s.io/v1/ClusterRole": {},
    "rbac.authorization.k8s.io/v1/RoleBinding": {},
    "rbac.authorization.k8s.io/v1/ClusterRoleBinding": {},
    "storage.k8s.io/v1/StorageClass": {}, "storage.k8s.io/v1/CSIDriver": {},
    "storage.k8s.io/v1/VolumeAttachment": {},
    "storage.k8s.io/v1/CSINode": {"spec.drivers": ("merge", "name")},
    "scheduling.k8s.io/v1/PriorityClass": {},
    "coordination.k8s.io/v1/Lease": {},
    "node.k8s.io/v1/RuntimeClass": {},
    "events.k8s.io/v1/Event": {},
    "certificates.k8s.io/v1/CertificateSigningRequest": {},
    # admission, flow control, API extension objects themselves (served by the generic installer)
    "admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration": dict(_WEBHOOKS),
    "admissionregistration.k8s.io/v1/MutatingWebhookConfiguration": dict(_WEBHOOKS),
    "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy": {
        "spec.matchConditions": ("merge", "name"), "spec.variables": ("merge", "name")},
    "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding": {},
    "flowcontrol.apiserver.k8s.io/v1/FlowSchema": dict(_CONDITIONS),
    "flowcontrol.apiserver.k8s.io/v1/PriorityLevelConfiguration": dict(_CONDITIONS),
    "apiextensions.k8s.io/v1/CustomResourceDefinition": {},
    "apiregistration.k8s.io/v1/APIService": {},
}


def _compile(rules: dict[str, tuple[str, str]]) -> Field:
    root = Field()
    for path, (strategy, merge_key) in sorted(rules.items(), key=lambda kv: kv[0].count(".")):
        node = root
        parts = path.split(".")
        for part in parts[:-1]:
            name = part[:-2] if part.endswith("[]") else part
            node = node.fields.setdefault(name, Field())
        leaf = node.fields.setdefault(parts[-1], Field())
        leaf.strategies = tuple(s for s in strategy.split(",") if s)
        leaf.merge_key = merge_key
        if "merge" in leaf.strategies and not merge_key:
            leaf.elem_kind = "string"   # every keyless merge list upstream is a []string
    return root


_SCHEMAS: dict[str, Field] = {kind: _compile({**_under("metadata", _OBJECT_META), **rules})
                               for kind, rules in _KIND_RULES.items()}
_FALLBACK_SCHEMA = _compile(_under("metadata", _OBJECT_META))


def schema_for(kind_key: str) -> Field:
    """The struct-tag tree of ``kind_key`` (``"apps/v1/Deployment"``), for code that computes patches.

    Each node has ``strategies`` (tuple of ``patchStrategy`` values), ``merge_key`` and
    ``lookup(name)`` (a list's node describes its items); unknown fields look up as an untagged node.
    Kinds without a table get the ObjectMeta-only tree.  Treat the result as read-only.
    """
    return _SCHEMAS.get(kind_key, _FALLBACK_SCHEMA)


def supports_strategic_merge(kind_key: str) -> bool:
    """Whether kube-apiserver accepts a strategic merge patch for ``kind_key`` (``"apps/v1/Deployment"``).

    Built-in kinds do; custom resources do not: the CRD handler leaves
    ``application/strategic-merge-patch+json`` out of its accepted types, so the request fails with
    415 before any patching (see :func:`unsupported_patch_type_error`).
    """
    return kind_key in _SCHEMAS


def strategic_merge_kinds() -> list[str]:
    """The kinds that have a strategic-merge table (all built-in kinds the simulator knows)."""
    return sorted(_SCHEMAS)


def strategic_merge_patch(doc: dict, patch: Any, kind_key: str) -> dict:
    """Apply a strategic merge patch as kube-apiserver does for built-in kinds.

    Models ``strategicpatch.StrategicMergeMapPatch`` (server-side options ``MergeParallelList`` and
    ``IgnoreUnmatchedNulls``), with the struct-tag knowledge of k8s.io/api kept in the tables above.
    ``kind_key`` is ``"<apiVersion>/<kind>"``, e.g. ``"apps/v1/Deployment"`` or ``"v1/Pod"``.

    * maps merge recursively; ``null`` deletes a member; scalars replace;
    * lists tagged ``merge`` merge: items of lists of maps match on the merge key (``containers`` by
      ``name``, ``ports`` by ``containerPort``, …), items of lists of strings are unioned;
      untagged lists are replaced;
    * order of a merged list (``mergeSortedSlice``): the items named in the patch, in patch order, are
      interleaved with the live-only items, in live order; a live-only item goes first only when it
      precedes the competing patch item in the live list, so items that are new (only in the patch)
      end up *before* the remaining live items — as the "kubectl patch" task page shows;
    * ``$patch: replace`` (map: take the patch map as is; list item: the list becomes the other patch
      items) and ``$patch: delete`` (map: becomes ``{}``; list item: drop the items with that merge
      key); ``$patch: merge`` is rejected, as upstream still does;
    * ``$deleteFromPrimitiveList/<field>`` removes strings from a merged list;
    * ``$setElementOrder/<field>`` orders the merged list (order list first, then patch order, then
      live order for items not named);
    * ``$retainKeys: [...]`` clears every member of the live map not listed (sent by kubectl for
      Deployment ``spec.strategy`` and for volume sources) and rejects patch members not listed.

    A kind without a table (:func:`supports_strategic_merge` is false, i.e. a custom resource) is
    merged with only the ObjectMeta rules; the API server should refuse such requests with
    :func:`unsupported_patch_type_error` before calling this.

    Errors follow ``interpretStrategicMergePatchError``: malformed directives → 400, lists of lists →
    422, everything else (missing merge key, ``$patch: merge``, bad order list, …) → 500 with the raw
    upstream message.  An undecodable body → 400 with the decoder's message.
    """
    patch = _load_body(patch, errors.bad_request)
    if patch is None:
        return dict(doc)
    if not isinstance(patch, dict):
        raise errors.bad_request(
            f"json: cannot unmarshal {json_kind(patch)} into Go value of type map[string]interface {{}}")
    schema = _SCHEMAS.get(kind_key, _FALLBACK_SCHEMA)
    try:
        return merge_map(doc, patch, schema, SERVER_MERGE)
    except StrategicPatchError as e:   # interpretStrategicMergePatchError
        if e.category == "bad_request":
            raise errors.bad_request(e.message) from None
        if e.category == "invalid":
            raise _unprocessable(e.message) from None
        raise _go_error(e.message) from None
