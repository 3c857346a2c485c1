"""PATCH bodies, applied the way kube-apiserver applies them.

Three patch formats reach ``PATCH /…/<resource>/<name>``; each has a function here:

* ``application/json-patch+json`` → :func:`json_patch`, modelling ``gopkg.in/evanphx/json-patch.v4``
  (``Patch.Apply``), the library kube-apiserver uses;
* ``application/merge-patch+json`` → :func:`merge_patch`, modelling the same library's ``MergePatch``;
* ``application/strategic-merge-patch+json`` → :func:`strategic_merge_patch`, modelling
  ``k8s.io/apimachinery/pkg/util/strategicpatch`` (``StrategicMergeMapPatch``) driven by the
  ``patchStrategy``/``patchMergeKey`` struct tags of k8s.io/api, kept here as tables.

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
from decimal import Decimal
from typing import Any, Callable

from kube_lab.api import errors

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
# Go formatting used inside upstream error messages.

def _go_type_name(v: Any) -> str:
    """``reflect.TypeOf(v)`` printed with ``%s`` for a decoded JSON value."""
    if isinstance(v, dict):
        return "map[string]interface {}"
    if isinstance(v, list):
        return "[]interface {}"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int64"
    if isinstance(v, float):
        return "float64"
    if isinstance(v, str):
        return "string"
    return "%!s(<nil>)"


def _go_float(f: float) -> str:
    """``%v`` of a float64: strconv 'g' with the shortest digits, exponent form outside [1e-4, 1e6)."""
    if f != f:
        return "NaN"
    if f in (float("inf"), float("-inf")):
        return "+Inf" if f > 0 else "-Inf"
    if f == 0:
        return "-0" if str(f).startswith("-") else "0"
    sign, digits, exp = Decimal(repr(f)).as_tuple()
    ds = list(digits)
    while len(ds) > 1 and ds[-1] == 0:
        ds.pop()
        exp += 1  # type: ignore[operator]
    nd = len(ds)
    dp = nd + exp  # type: ignore[operator]
    text = "".join(str(d) for d in ds)
    neg = "-" if sign else ""
    x = dp - 1
    if x < -4 or x >= 6:
        mant = text[0] + ("." + text[1:] if nd > 1 else "")
        return f"{neg}{mant}e{'-' if x < 0 else '+'}{abs(x):02d}"
    if dp <= 0:
        return f"{neg}0.{'0' * (-dp)}{text}"
    if dp >= nd:
        return f"{neg}{text}{'0' * (dp - nd)}"
    return f"{neg}{text[:dp]}.{text[dp:]}"


def _go_v(v: Any) -> str:
    """Go's ``%v`` for decoded JSON (maps print with sorted keys)."""
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _go_float(v)
    if isinstance(v, str):
        return v
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{_go_v(v[k])}" for k in sorted(v)) + "]"
    if isinstance(v, list):
        return "[" + " ".join(_go_v(x) for x in v) + "]"
    return str(v)


def _go_s(v: Any) -> str:
    """Go's ``%s`` for decoded JSON: non-strings print as ``%!s(type=value)``."""
    if isinstance(v, str):
        return v
    if v is None:
        return "%!s(<nil>)"
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{_go_s(v[k])}" for k in sorted(v)) + "]"
    if isinstance(v, list):
        return "[" + " ".join(_go_s(x) for x in v) + "]"
    return f"%!s({_go_type_name(v)}={_go_v(v)})"


def _json_kind(v: Any) -> str:
    """The JSON value kind named in ``json: cannot unmarshal <kind> into Go value of type …``."""
    if isinstance(v, dict):
        return "object"
    if isinstance(v, list):
        return "array"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    return "null"


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
        return "unknown", f"json: cannot unmarshal {_json_kind(v)} into Go value of type string"
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
            f"json: cannot unmarshal {_json_kind(ops)} into Go value of type jsonpatch.Patch")
    for op in ops:
        if op is not None and not isinstance(op, dict):
            raise errors.bad_request(
                f"json: cannot unmarshal {_json_kind(op)} into Go value of type jsonpatch.Operation")
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


class _Field:
    """What upstream's ``LookupPatchMetadataFor{Struct,Slice}`` yields for one field."""

    __slots__ = ("strategies", "merge_key", "fields", "elem_kind")

    def __init__(self, strategies: tuple[str, ...] = (), merge_key: str = "",
                 elem_kind: str = "struct"):
        self.strategies = strategies
        self.merge_key = merge_key
        self.fields: dict[str, _Field] = {}
        self.elem_kind = elem_kind   # Go kind of list items, only used in one error message

    def lookup(self, key: str) -> "_Field":
        return self.fields.get(key, _PLAIN)

    def strategy(self) -> str:
        """``extractRetainKeysPatchStrategy``: the strategy other than ``retainKeys``."""
        others = [s for s in self.strategies if s != "retainKeys"]
        return others[0] if others else ""


_PLAIN = _Field()


def _compile(rules: dict[str, tuple[str, str]]) -> _Field:
    root = _Field()
    for path, (strategy, merge_key) in sorted(rules.items(), key=lambda kv: kv[0].count(".")):
        node = root
        parts = path.split(".")
        for part in parts[:-1]:
            name = part[:-2] if part.endswith("[]") else part
            node = node.fields.setdefault(name, _Field())
        leaf = node.fields.setdefault(parts[-1], _Field())
        leaf.strategies = tuple(s for s in strategy.split(",") if s)
        leaf.merge_key = merge_key
        if "merge" in leaf.strategies and not merge_key:
            leaf.elem_kind = "string"   # every keyless merge list upstream is a []string
    return root


_SCHEMAS: dict[str, _Field] = {kind: _compile({**_under("metadata", _OBJECT_META), **rules})
                               for kind, rules in _KIND_RULES.items()}
_FALLBACK_SCHEMA = _compile(_under("metadata", _OBJECT_META))


def schema_for(kind_key: str) -> _Field:
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


# -- errors -----------------------------------------------------------------------------------

class _SMPError(Exception):
    """An error from strategicpatch/mergepatch; ``status`` says how patch.go reports it."""

    def __init__(self, message: str, status: str = "go"):
        super().__init__(message)
        self.message = message
        self.status = status   # "bad_request" | "invalid" | "go"


# mergepatch sentinels, with their classification in interpretStrategicMergePatchError.
def _err_no_list_of_lists() -> _SMPError:
    return _SMPError("lists of lists are not supported", "invalid")


def _err_bad_primitive_list() -> _SMPError:
    return _SMPError("invalid patch format of primitive list", "bad_request")


def _err_bad_retain_keys() -> _SMPError:
    return _SMPError("invalid patch format of retainKeys", "bad_request")


def _err_bad_set_order() -> _SMPError:
    return _SMPError("invalid patch format of setElementOrder list", "bad_request")


def _err_no_merge_key(m: dict, key: str) -> _SMPError:
    return _SMPError(f"map: {_go_v(m)} does not contain declared merge key: {key}")


def _err_bad_arg_type(expected: str, actual: Any) -> _SMPError:
    return _SMPError(f"expected a {expected}, but received a {_go_type_name(actual)}")


_MAP_T = "map[string]interface {}"
_SLICE_T = "[]interface {}"


def _err_bad_patch_type(t: Any, m: dict) -> _SMPError:
    return _SMPError(f"unknown patch type: {_go_s(t)} in map: {_go_v(m)}")


# -- small helpers ------------------------------------------------------------------------------

_DIRECTIVE = "$patch"
_DELETE_PREFIX = "$deleteFromPrimitiveList"
_SET_ORDER_PREFIX = "$setElementOrder"
_RETAIN_KEYS = "$retainKeys"


def _go_kind(v: Any) -> str:
    """``reflect.TypeOf(v)`` of a decoded value, coarse enough to compare types."""
    if v is None:
        return "nil"
    if isinstance(v, dict):
        return "map"
    if isinstance(v, list):
        return "slice"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int64"
    if isinstance(v, float):
        return "float64"
    return "string"


def _go_eq(a: Any, b: Any) -> bool:
    """Go ``==`` on two ``interface{}`` values holding scalars (type and value must match)."""
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return False  # uncomparable upstream (it would panic); never equal here
    return type(a) is type(b) and a == b


def _hkey(v: Any) -> tuple:
    """A hashable key with Go map-key semantics (type-sensitive)."""
    if isinstance(v, (dict, list)):
        raise _SMPError(f"runtime error: hash of unhashable type {_go_type_name(v)}")
    return (type(v).__name__, v)


def _is_directive(v: Any, directive: str) -> bool:
    return isinstance(v, str) and v == directive


def _extract_key(s: str, prefix: str) -> str:
    parts = s.split("/", 1)
    if len(parts) <= 1 or parts[0] != prefix:
        if prefix == _DELETE_PREFIX:
            raise _err_bad_primitive_list()
        raise _err_bad_set_order()
    return parts[1]


def _discard_nulls(v: Any) -> Any:
    """``discardNullValuesFromPatch`` without mutation: null members go, null list items stay."""
    if isinstance(v, dict):
        return {k: _discard_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [_discard_nulls(x) for x in v]
    return v


def _remove_directives(v: Any) -> tuple[Any, bool]:
    """``removeDirectives``: maps holding ``$patch`` vanish (from maps and lists); ``keep`` is False
    when ``v`` itself is such a map.  Other directive keys are left alone, as upstream does."""
    if isinstance(v, dict):
        if _DIRECTIVE in v:
            return None, False
        out = {}
        for k, x in v.items():
            nx, keep = _remove_directives(x)
            if keep:
                out[k] = nx
        return out, True
    if isinstance(v, list):
        res = []
        for x in v:
            nx, keep = _remove_directives(x)
            if keep:
                res.append(nx)
        return res, True
    return v, True


def _go_slice_stable(items: list, less: Callable[[Any, Any], bool]) -> list:
    """Go's ``sort.SliceStable`` (insertion sort on blocks of 20, then SymMerge).

    Upstream's comparison is not a strict order when items are missing from the order list, so the
    exact algorithm decides where such items end up; we follow it step by step.
    """
    data = list(items)
    n = len(data)

    def lt(i: int, j: int) -> bool:
        return less(data[i], data[j])

    def swap(i: int, j: int) -> None:
        data[i], data[j] = data[j], data[i]

    def insertion_sort(a: int, b: int) -> None:
        for i in range(a + 1, b):
            j = i
            while j > a and lt(j, j - 1):
                swap(j, j - 1)
                j -= 1

    def rotate(a: int, m: int, b: int) -> None:
        data[a:b] = data[m:b] + data[a:m]

    def sym_merge(a: int, m: int, b: int) -> None:
        if m - a == 1:
            i, j = m, b
            while i < j:
                h = (i + j) // 2
                if lt(h, a):
                    i = h + 1
                else:
                    j = h
            for k in range(a, i - 1):
                swap(k, k + 1)
            return
        if b - m == 1:
            i, j = a, m
            while i < j:
                h = (i + j) // 2
                if not lt(m, h):
                    i = h + 1
                else:
                    j = h
            for k in range(m, i, -1):
                swap(k, k - 1)
            return
        mid = (a + b) // 2
        nn = mid + m
        if m > mid:
            start, r = nn - b, mid
        else:
            start, r = a, m
        p = nn - 1
        while start < r:
            c = (start + r) // 2
            if not lt(p - c, c):
                start = c + 1
            else:
                r = c
        end = nn - start
        if start < m < end:
            rotate(start, m, end)
        if a < start < mid:
            sym_merge(a, start, mid)
        if mid < end < b:
            sym_merge(mid, end, b)

    block = 20
    a, b = 0, block
    while b <= n:
        insertion_sort(a, b)
        a, b = b, b + block
    insertion_sort(a, n)
    while block < n:
        a, b = 0, 2 * block
        while b <= n:
            sym_merge(a, a + block, b)
            a, b = b, b + 2 * block
        m = a + block
        if m < n:
            sym_merge(a, m, n)
        block *= 2
    return data


# -- list ordering ----------------------------------------------------------------------------

def _index(lst: list, val: Any, merge_key: str, kind: str) -> int:
    """``index``: position in ``lst`` of the item matching ``val`` (by merge key for maps), or -1."""
    if kind == "map":
        def get(item: Any) -> Any:
            return item.get(merge_key) if isinstance(item, dict) else None
    else:
        def get(item: Any) -> Any:
            return item
    target = get(val)
    for i, v in enumerate(lst):
        x = get(v)
        if (target is None and x is None) or _go_eq(target, x):
            return i
    return -1


def _validate_merge_key_in_lists(merge_key: str, *lists: list) -> None:
    for lst in lists:
        for item in lst:
            if not isinstance(item, dict):
                raise _err_bad_arg_type(_MAP_T, item)
            if merge_key not in item:
                raise _err_no_merge_key(item, merge_key)


def _extract_to_delete_items(lst: list) -> tuple[list, list]:
    keep, delete = [], []
    for v in lst:
        if not isinstance(v, dict):
            raise _err_bad_arg_type(_MAP_T, v)
        (delete if _DIRECTIVE in v and _is_directive(v[_DIRECTIVE], "delete") else keep).append(v)
    return keep, delete


def _normalize_slice_order(to_sort: list, order: list, merge_key: str, kind: str) -> list:
    to_delete: list = []
    if kind == "map":
        _validate_merge_key_in_lists(merge_key, to_sort, order)
        to_sort, to_delete = _extract_to_delete_items(to_sort)
    positioned = [(item, _index(order, item, merge_key, kind)) for item in to_sort]

    def less(x: tuple, y: tuple) -> bool:
        if x[1] >= 0 and y[1] >= 0:
            return x[1] < y[1]
        return True

    return [item for item, _ in _go_slice_stable(positioned, less)] + to_delete


def _merge_sorted_slice(left: list, right: list, server_order: list, merge_key: str, kind: str) -> list:
    """``mergeSortedSlice``: interleave server-only items (left) into patch items (right)."""
    out = []
    i = j = 0
    for _ in range(len(left) + len(right)):
        if i >= len(left) and j < len(right):
            out.append(right[j])
            j += 1
        elif j >= len(right) and i < len(left):
            out.append(left[i])
            i += 1
        else:
            li = _index(server_order, left[i], merge_key, kind)
            ri = _index(server_order, right[j], merge_key, kind)
            if li >= 0 and ri >= 0 and li < ri:
                out.append(left[i])
                i += 1
            else:
                out.append(right[j])
                j += 1
    return out


def _normalize_element_order(patch: list, server_only: list, patch_order: list, server_order: list,
                             merge_key: str, kind: str) -> list:
    patch = _normalize_slice_order(patch, patch_order, merge_key, kind)
    server_only = _normalize_slice_order(server_only, server_order, merge_key, kind)
    return _merge_sorted_slice(server_only, patch, server_order, merge_key, kind)


def _find_map(lst: list, key: str, value: Any) -> tuple[dict | None, int, bool]:
    """``findMapInSliceBasedOnKeyValue``."""
    for k, v in enumerate(lst):
        if not isinstance(v, dict):
            raise _SMPError(f"value for key {k} is not a map")
        if key in v and _go_eq(v[key], value):
            return v, k, True
    return None, 0, False


def _partition_primitives(lst: list, by: list) -> tuple[list, list]:
    in_patch = {_hkey(v) for v in by}
    patch, server_only = [], []
    for v in lst:
        (patch if _hkey(v) in in_patch else server_only).append(v)
    return patch, server_only


def _partition_maps(lst: list, by: list, merge_key: str) -> tuple[list, list]:
    patch, server_only = [], []
    for v in lst:
        if not isinstance(v, dict):
            raise _err_bad_arg_type(_MAP_T, v)
        if merge_key not in v:
            raise _err_no_merge_key(v, merge_key)
        _, _, found = _find_map(by, merge_key, v[merge_key])
        (patch if found else server_only).append(v)
    return patch, server_only


def _slice_element_kind(*lists: list) -> str:
    """``sliceElementType``: all items of all lists must share one type, which is not a list."""
    prev = None
    for lst in lists:
        for v in lst:
            t = _go_kind(v)
            if prev is None:
                if t == "nil":   # upstream calls Kind() on a nil reflect.Type and panics
                    raise _SMPError("runtime error: invalid memory address or nil pointer dereference")
                if t == "slice":
                    raise _err_no_list_of_lists()
                prev = t
            elif prev != t:
                raise _SMPError(f"list element types are not identical: {_go_v(list(lists))}")
    if prev is None:
        raise _SMPError("no elements in any of the given slices")
    return prev


def _dedupe_scalars(s: list) -> list:
    """``deduplicateScalars``: swap-with-last de-duplication (order is fixed up afterwards)."""
    s = list(s)
    length = len(s) - 1
    i = 0
    while i < length:
        j = i + 1
        while j <= length:
            if _go_eq(s[i], s[j]) or (s[i] is None and s[j] is None):
                s[j] = s[length]
                s = s[:length]
                length -= 1
                j -= 1
            j += 1
        i += 1
    return s


# -- the merge ----------------------------------------------------------------------------------

def _merge_map(original: dict | None, patch: dict, schema: _Field) -> dict:
    """``mergeMap`` with ``MergeParallelList`` and ``IgnoreUnmatchedNulls`` (the server-side options)."""
    if _DIRECTIVE in patch:
        directive = patch[_DIRECTIVE]
        if _is_directive(directive, "replace"):
            return {k: v for k, v in patch.items() if k != _DIRECTIVE}
        if _is_directive(directive, "delete"):
            return {}
        raise _err_bad_patch_type(directive, patch)

    original = {} if original is None else dict(original)
    patch = dict(patch)
    _apply_retain_keys(original, patch)
    _merge_ordered_lists(original, patch, schema)

    for key, patch_v in patch.items():
        is_delete_list = False
        if key.startswith(_DELETE_PREFIX):
            stripped = _extract_key(key, _DELETE_PREFIX)
            is_delete_list = True
            if stripped:
                key = stripped
        if patch_v is None:
            original.pop(key, None)
            continue
        if key not in original:
            if not is_delete_list:
                value, keep = _remove_directives(_discard_nulls(patch_v))
                if keep:
                    original[key] = value
            continue
        orig_v = original[key]
        if _go_kind(orig_v) != _go_kind(patch_v):
            if not is_delete_list:
                value, keep = _remove_directives(_discard_nulls(patch_v))
                if keep:
                    original[key] = value
                else:
                    del original[key]
            continue
        if isinstance(orig_v, dict):
            field = schema.lookup(key)
            if field.strategy() == "replace":
                original[key] = patch_v
            else:
                original[key] = _merge_map(orig_v, patch_v, field)
        elif isinstance(orig_v, list):
            field = schema.lookup(key)
            original[key] = _merge_slice_handler(orig_v, patch_v, field, is_delete_list)
        else:
            original[key] = patch_v
    return original


def _apply_retain_keys(original: dict, patch: dict) -> None:
    """``applyRetainKeysDirective``: clear the members of ``original`` not named in ``$retainKeys``."""
    if _RETAIN_KEYS not in patch:
        return
    retain = patch.pop(_RETAIN_KEYS)
    if not isinstance(retain, list):
        raise _err_bad_retain_keys()
    allowed = {v for v in retain if isinstance(v, str)}
    for k, v in patch.items():
        if v is None or k.startswith(_DELETE_PREFIX) or k.startswith(_SET_ORDER_PREFIX):
            continue
        if k not in allowed:
            raise _err_bad_retain_keys()
    for k in [k for k in original if k not in allowed]:
        del original[k]


def _validate_patch_with_set_order(patch_list: list, order: list, merge_key: str) -> None:
    """``validatePatchWithSetOrderList``: patch items must appear in ``$setElementOrder`` order."""
    if not order or not patch_list:
        return
    items = _extract_to_delete_items(patch_list)[0] if merge_key else patch_list
    pi = si = 0
    while pi < len(items) and si < len(order):
        item = items[pi]
        if isinstance(item, dict) and _DIRECTIVE in item:
            pi += 1
            continue
        if merge_key:
            right = order[si]
            if not isinstance(item, dict):
                raise _err_bad_arg_type(_MAP_T, item)
            if not isinstance(right, dict):
                raise _err_bad_arg_type(_MAP_T, right)
            if merge_key not in item:
                raise _err_no_merge_key(item, merge_key)
            if merge_key not in right:
                raise _err_no_merge_key(right, merge_key)
            equal = _go_eq(item[merge_key], right[merge_key])
        else:
            equal = _go_eq(item, order[si])
        if equal:
            pi += 1
        si += 1
    if pi < len(items) and si >= len(order):
        raise _SMPError(f"The order in patch list:\n{_go_v(patch_list)}\n doesn't match "
                        f"{_SET_ORDER_PREFIX} list:\n{_go_v(order)}\n")


def _merge_ordered_lists(original: dict, patch: dict, schema: _Field) -> None:
    """``mergePatchIntoOriginal``: merge each list named by a ``$setElementOrder/<field>`` directive and
    order the result: ``$setElementOrder`` first, then the patch order, then the live order."""
    for key in list(patch):
        if not key.startswith(_SET_ORDER_PREFIX) or key not in patch:
            continue
        order = patch.pop(key)
        if not isinstance(order, list):
            raise _err_bad_arg_type(_SLICE_T, order)
        field_name = _extract_key(key, _SET_ORDER_PREFIX)
        found_orig = field_name in original
        found_patch = field_name in patch
        orig_list: list = []
        patch_list: list = []
        if found_orig:
            if not isinstance(original[field_name], list):
                raise _err_bad_arg_type(_SLICE_T, original[field_name])
            orig_list = original[field_name]
        if found_patch:
            if not isinstance(patch[field_name], list):
                raise _err_bad_arg_type(_SLICE_T, patch[field_name])
            patch_list = patch[field_name]
        field = schema.lookup(field_name)
        merge_key = field.merge_key
        _validate_patch_with_set_order(patch_list, order, merge_key)

        # Upstream merges in place: deleting items shifts the live list's backing array and new
        # items are appended into the freed slots, and the live list is then read back as the
        # "server order".  ``server_order`` replays those writes (see _merge_special_elements).
        server_order = list(orig_list)
        if found_orig and not found_patch:
            merged = orig_list
        elif found_patch and not found_orig:
            merged = _remove_directives(patch_list)[0]
        elif found_orig and found_patch:
            merged = _merge_slice_handler(orig_list, patch_list, field, False, server_order)
        else:
            continue

        if merge_key:
            patch_items, server_only = _partition_maps(merged, order, merge_key)
        else:
            patch_items, server_only = _partition_primitives(merged, order)
        kind = _slice_element_kind(orig_list, patch_list)
        original[field_name] = _normalize_element_order(patch_items, server_only, order, server_order,
                                                        merge_key, kind)
        patch.pop(field_name, None)


def _merge_slice_handler(original: list, patch: list, field: _Field, is_delete_list: bool,
                         backing: list | None = None) -> list:
    """``mergeSliceHandler``: merge lists tagged ``merge`` (and deletion lists); replace the rest."""
    if field.strategy() == "merge" or is_delete_list:
        return _merge_slice(original, patch, field, field.merge_key, is_delete_list, backing)
    return patch


def _merge_slice(original: list, patch: list, field: _Field, merge_key: str, is_delete_list: bool,
                 backing: list | None = None) -> list:
    """``mergeSlice``.

    ``backing``, when given, is a copy of ``original`` that receives the writes Go's in-place slice
    operations make to the caller's view of the live list (only the caller in
    :func:`_merge_ordered_lists` looks at it afterwards).
    """
    if not original and not patch:
        return original
    kind = _slice_element_kind(original, patch)
    if kind != "map":
        if is_delete_list:
            gone = {_hkey(v) for v in patch}
            return [v for v in original if _hkey(v) not in gone]
        merged = _dedupe_scalars(original + patch)
    else:
        if not merge_key:
            raise _SMPError(f"cannot merge lists without merge key for {field.elem_kind}")
        original, patch, backing = _merge_special_elements(original, patch, merge_key, backing)
        merged = _merge_plain_elements(original, patch, merge_key, field, backing)
    if merge_key:
        patch_items, server_only = _partition_maps(merged, patch, merge_key)
    else:
        patch_items, server_only = _partition_primitives(merged, patch)
    return _normalize_element_order(patch_items, server_only, patch, original, merge_key, kind)


def _merge_special_elements(original: list, patch: list, merge_key: str,
                            backing: list | None) -> tuple[list, list, list | None]:
    """``mergeSliceWithSpecialElements``: apply ``$patch: delete`` / ``$patch: replace`` items.

    Go deletes with ``append(s[:i], s[i+1:]...)``, shifting the live list's backing array left in
    place; ``backing`` mirrors that.  After a replace the list is a new slice and stops aliasing.
    """
    plain = []
    replace = False
    for v in patch:
        if _DIRECTIVE not in v:
            plain.append(v)
            continue
        directive = v[_DIRECTIVE]
        if _is_directive(directive, "delete"):
            if merge_key not in v:
                raise _err_no_merge_key(v, merge_key)
            while True:
                _, idx, found = _find_map(original, merge_key, v[merge_key])
                if not found:
                    break
                if backing is not None:
                    n = len(original)
                    backing[idx:n - 1] = backing[idx + 1:n]
                original = original[:idx] + original[idx + 1:]
        elif _is_directive(directive, "replace"):
            replace = True
        elif _is_directive(directive, "merge"):
            raise _SMPError("merging lists cannot yet be specified in the patch")
        else:
            raise _err_bad_patch_type(directive, v)
    if replace:
        return plain, [], None
    return original, plain, backing


def _merge_plain_elements(original: list, patch: list, merge_key: str, field: _Field,
                          backing: list | None) -> list:
    """``mergeSliceWithoutSpecialElements``: merge items sharing a merge key value, append the rest.

    Appends land in the live list's backing array while there is room left by deletions; writes past
    its end are invisible to the caller's view, so we stop mirroring there.
    """
    out = list(original)
    for v in patch:
        if merge_key not in v:
            raise _err_no_merge_key(v, merge_key)
        found_map, idx, found = _find_map(out, merge_key, v[merge_key])
        if found:
            out[idx] = _merge_map(found_map, v, field)
            if backing is not None:
                backing[idx] = out[idx]
        else:
            out.append(v)
            if backing is not None:
                if len(out) <= len(backing):
                    backing[len(out) - 1] = v
                else:
                    backing = None
    return out


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
            f"json: cannot unmarshal {_json_kind(patch)} into Go value of type map[string]interface {{}}")
    schema = _SCHEMAS.get(kind_key, _FALLBACK_SCHEMA)
    try:
        return _merge_map(doc, patch, schema)
    except _SMPError as e:
        if e.status == "bad_request":
            raise errors.bad_request(e.message) from None
        if e.status == "invalid":
            raise _unprocessable(e.message) from None
        raise _go_error(e.message) from None
