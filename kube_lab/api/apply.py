"""``kubectl apply -f`` (client-side apply), as kubectl v1.32 does it.

One document at a time, :func:`apply_object` goes through the steps of kubectl's
``ApplyOptions.applyOneObject`` (staging/src/k8s.io/kubectl/pkg/cmd/apply/apply.go):

1. the document is checked the way kubectl's builder checks it before anything is sent: the schema
   validator's ``apiVersion``/``kind`` test (k8s.io/kubectl/pkg/validation), then the decoder that
   insists ``kind`` is set and that ``metadata`` decodes into ``ObjectMeta``
   (k8s.io/cli-runtime/pkg/resource/metadata_decoder.go), then the REST mapping (an unknown kind raises
   :class:`~kube_lab.api.registry.NoKindMatchError`, left for the caller), then the namespace
   (``SetNamespace``/``RequireNamespace`` of cli-runtime's visitor.go);
2. the *modified configuration* is computed (k8s.io/kubectl/pkg/util/apply.go
   ``GetModifiedConfiguration``): the object without the
   ``kubectl.kubernetes.io/last-applied-configuration`` annotation, encoded as JSON, becomes that
   annotation's new value (:func:`modified_configuration`);
3. ``GET`` the live object.  Not found: ``POST`` the object carrying the annotation (nulls pruned),
   and print ``<kind>[.<group>]/<name> created``.  Found: compute the three-way strategic merge
   patch from the old annotation (*original*), the new document (*modified*) and the live object
   (*current*) (:func:`three_way_merge_patch`, modelling
   ``strategicpatch.CreateThreeWayMergePatch``); ``{}`` prints ``unchanged``, anything else is sent
   as ``PATCH`` (``application/strategic-merge-patch+json``, ``fieldManager=kubectl-client-side-apply``,
   ``fieldValidation=Strict``, retried on 409 Conflict up to 5 times like kubectl's patcher.go) and
   prints ``configured``.

Every failure raises :class:`ApplyDocumentError` carrying the Go error text with kubectl's
``error when creating "<source>": …`` / ``error when applying patch:\\n<patch>\\nto:\\n<info>\\nfor:
"<source>": error when patching "<source>": …`` wrapping of server errors, and both of kubectl's
renderings of it: ``str(err)`` is what kubectl prints when it is the only error of the command,
``err.line`` what it prints for it when several documents failed (they differ: an ``Invalid`` status
alone prints as ``The Deployment "web" is invalid: …`` from the status details, and client-side
errors lose their ``error:`` prefix in a list).

What kubectl prints on stderr as *warnings* (the object has no last-applied annotation yet, or is
being deleted) is appended to the optional ``warnings`` list.

JSON text is produced the way Go's ``encoding/json`` produces it (sorted keys, compact, ``<``, ``>``
and ``&`` escaped as ``\\u003c`` …, floats formatted like Go), because the annotation is a string
that users compare and that decides whether the next apply is ``unchanged``.
"""
from __future__ import annotations

import copy
import datetime as _dt
import json
import math
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from kube_lab.api import errors
from kube_lab.api.patch import STRATEGIC_MERGE_PATCH, schema_for
from kube_lab.api.registry import REGISTRY, ResourceInfo

__all__ = [
    "LAST_APPLIED", "FIELD_MANAGER", "ApplyDocumentError", "StrategicPatchError",
    "modified_configuration", "three_way_merge_patch", "apply_object", "go_json",
]

#: ``corev1.LastAppliedConfigAnnotation``.
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
#: The field manager kubectl sends for client-side apply (``fieldManager=`` query parameter).
FIELD_MANAGER = "kubectl-client-side-apply"
#: ``maxPatchRetry`` in kubectl's patcher.go.
MAX_PATCH_RETRY = 5

_STOP_VALIDATE = "if you choose to ignore these errors, turn validation off with --validate=false"


class ApplyDocumentError(Exception):
    """Applying one document failed.

    kubectl renders the same error differently depending on how many documents failed
    (``cmdutil.CheckErr`` in k8s.io/kubectl/pkg/cmd/util/helpers.go):

    * ``str(err)`` / :attr:`alone` — kubectl's output when this is the command's only error:
      ``Error from server (<Reason>): <message>`` for API errors, except reason ``Invalid``, which is
      printed from the status details as ``The <Kind> "<name>" is invalid: <field errors>``
      (several field errors as a ``* `` list); client-side errors get an ``error: `` prefix;
    * :attr:`line` — its line when several documents failed (``MultipleErrors``): every API error as
      ``Error from server (<Reason>): <message>``, client-side errors without a prefix.

    :attr:`message` is the Go error text (the Status message as kubectl rewrote it) and
    :attr:`status` the rewritten ``Status`` (``None`` for errors that never reached the server).
    No rendering ends with a newline.
    """

    def __init__(self, message: str, status: dict | None = None):
        self.message = message
        self.status = status
        super().__init__(self.alone)

    def __str__(self) -> str:
        return self.alone

    @property
    def line(self) -> str:
        return _standard_error_message(self.message, self.status) or self.message

    @property
    def alone(self) -> str:
        status = self.status
        if status is not None and status.get("reason") == "Invalid":
            return _invalid_message(self.message, status)
        text = _standard_error_message(self.message, status)
        if text is not None:
            return text
        return self.message if self.message.startswith("error: ") else "error: " + self.message


def _standard_error_message(message: str, status: dict | None) -> str | None:
    """``cmdutil.StandardErrorMessage`` for an error carrying ``status`` (``None``: not an API error)."""
    if status is None:
        return None
    reason = status.get("reason", "")
    if reason == "Unauthorized":
        return f"error: You must be logged in to the server ({status.get('message', '')})"
    if reason:
        return f"Error from server ({reason}): {message}"
    return f"Error from server: {message}"


def _invalid_message(message: str, status: dict) -> str:
    """``checkErr``'s rendering of a reason-``Invalid`` status (``isInvalidReasonStatusError``)."""
    details = status.get("details")
    text = "The request is invalid"
    if details is None:
        return text + (": " + message if message else "")
    causes = details.get("causes") or []
    if details.get("kind") or details.get("name"):
        text = f"The {details.get('kind', '')} {errors.go_quote(details.get('name', ''))} is invalid"
    elif message and not causes:
        text += ": " + message
    if not causes:
        return text
    msgs: list[str] = []
    for cause in causes:   # statusCausesToAggrError drops repeated "<field>: <message>" texts
        m = f"{cause.get('field', '')}: {cause.get('message', '')}"
        if m not in msgs:
            msgs.append(m)
    if len(msgs) == 1:        # MultilineError
        return f"{text}: {msgs[0]}"
    return f"{text}: \n" + "\n".join(f"* {m}" for m in msgs)


class StrategicPatchError(Exception):
    """``CreateThreeWayMergePatch`` refused its input; ``str()`` is the Go error text."""


# ============================================================================================
# Go's encoding/json, as kubectl's encoders use it
# ============================================================================================

def _go_float_json(f: float) -> str:
    """``encoding/json``'s float64 encoder: 'f' format, or 'e' outside [1e-6, 1e21), ``e-07`` → ``e-7``."""
    if math.isnan(f) or math.isinf(f):
        raise ValueError(f"json: unsupported value: {f}")
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    sign, digits, exp = Decimal(repr(f)).as_tuple()
    ds = list(digits)
    while len(ds) > 1 and ds[-1] == 0:
        ds.pop()
        exp += 1  # type: ignore[operator]
    text = "".join(map(str, ds))
    neg = "-" if sign else ""
    point = len(ds) + exp  # type: ignore[operator]   # digits before the decimal point
    if abs(f) < 1e-6 or abs(f) >= 1e21:
        x = point - 1
        mant = text[0] + ("." + text[1:] if len(text) > 1 else "")
        # strconv writes at least two exponent digits; encoding/json then turns e-07 into e-7.
        digits_ = f"{abs(x):02d}"
        if x < 0 and digits_.startswith("0"):
            digits_ = digits_[1:]
        return f"{neg}{mant}e{'-' if x < 0 else '+'}{digits_}"
    if point <= 0:
        return f"{neg}0.{'0' * -point}{text}"
    if point >= len(text):
        return neg + text + "0" * (point - len(text))
    return f"{neg}{text[:point]}.{text[point:]}"


_JSON_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t",
                       "\b": "\\b", "\f": "\\f"}


def _go_json_string(s: str) -> str:
    out = ['"']
    for ch in s:
        o = ord(ch)
        esc = _JSON_SHORT_ESCAPES.get(ch)
        if esc is not None:
            out.append(esc)
        elif o < 0x20 or ch in "<>&" or o in (0x2028, 0x2029):
            out.append(f"\\u{o:04x}")
        elif 0xD800 <= o <= 0xDFFF:          # not valid UTF-8: Go writes the replacement rune
            out.append("\ufffd")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def go_json(v: Any) -> str:
    """``json.Marshal(v)`` as Go writes it: map keys sorted, no spaces, HTML-safe escapes."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _go_float_json(v)
    if isinstance(v, str):
        return _go_json_string(v)
    if isinstance(v, dict):
        return "{" + ",".join(_go_json_string(k) + ":" + go_json(v[k]) for k in sorted(v)) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(go_json(x) for x in v) + "]"
    raise TypeError(f"json: unsupported type: {type(v).__name__}")


def _go_format_g(f: float) -> str:
    """``%v`` of a float64 (strconv 'g', shortest): exponent form when exp < -4 or exp >= 6."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    sign, digits, exp = Decimal(repr(f)).as_tuple()
    ds = list(digits)
    while len(ds) > 1 and ds[-1] == 0:
        ds.pop()
        exp += 1  # type: ignore[operator]
    text = "".join(map(str, ds))
    neg = "-" if sign else ""
    point = len(ds) + exp  # type: ignore[operator]
    x = point - 1
    if x < -4 or x >= 6:
        mant = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{neg}{mant}e{'-' if x < 0 else '+'}{abs(x):02d}"
    if point <= 0:
        return f"{neg}0.{'0' * -point}{text}"
    if point >= len(text):
        return neg + text + "0" * (point - len(text))
    return f"{neg}{text[:point]}.{text[point:]}"


def _go_v(v: Any) -> str:
    """Go's ``%v`` for a decoded JSON value (maps print with sorted keys)."""
    if v is None:
        return "<nil>"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return _go_format_g(v)
    if isinstance(v, str):
        return v
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{_go_v(v[k])}" for k in sorted(v)) + "]"
    if isinstance(v, list):
        return "[" + " ".join(_go_v(x) for x in v) + "]"
    return str(v)


def _go_type(v: Any) -> str:
    """``reflect.TypeOf(v)`` printed with ``%s`` (used in upstream error texts)."""
    if v is None:
        return "%!s(<nil>)"
    return {"map": "map[string]interface {}", "slice": "[]interface {}", "string": "string",
            "bool": "bool", "int64": "int64", "float64": "float64"}[_tag(v)]


def _tag(v: Any) -> str:
    """The Go dynamic type of a value decoded from JSON by apimachinery (ints stay int64)."""
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
    """Go ``==`` on two ``interface{}`` scalars: same dynamic type and value."""
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return False   # upstream would panic comparing uncomparable types
    return _tag(a) == _tag(b) and a == b


def _deep_equal(a: Any, b: Any) -> bool:
    """``reflect.DeepEqual`` on decoded JSON."""
    ta = _tag(a)
    if ta != _tag(b):
        return False
    if ta == "map":
        return a.keys() == b.keys() and all(_deep_equal(a[k], b[k]) for k in a)
    if ta == "slice":
        return len(a) == len(b) and all(_deep_equal(x, y) for x, y in zip(a, b))
    return a == b


def _hkey(v: Any) -> tuple:
    return (_tag(v), v) if not isinstance(v, (dict, list)) else (_tag(v), id(v))


def _wire(v: Any, int_floats: bool = True) -> Any:
    """A fresh copy of ``v`` as kubectl holds it after YAML → JSON → ``Unstructured``.

    Integral floats become ints (Go writes ``1.0`` as ``1`` and apimachinery decodes that as int64;
    ``int_floats=False`` keeps them, for values decoded straight from JSON text), map keys become
    strings, YAML timestamps (which PyYAML turns into dates) become their ISO text.
    """
    if isinstance(v, dict):
        return {_wire_key(k): _wire(x, int_floats) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_wire(x, int_floats) for x in v]
    if isinstance(v, bool) or v is None or isinstance(v, (int, str)):
        return v
    if isinstance(v, float):
        if int_floats and math.isfinite(v) and v == int(v) and abs(v) < 1e21:
            return int(v)
        return v
    if isinstance(v, (_dt.date, _dt.datetime)):
        return v.isoformat()
    if isinstance(v, bytes):
        import base64

        return base64.b64encode(v).decode()
    return str(v)


def _wire_key(k: Any) -> str:
    if isinstance(k, str):
        return k
    if k is None:
        return "null"
    if isinstance(k, bool):
        return "true" if k else "false"
    if isinstance(k, float):
        return _go_format_g(k)
    if isinstance(k, (_dt.date, _dt.datetime)):
        return k.isoformat()
    return str(k)


# ============================================================================================
# The modified configuration (k8s.io/kubectl/pkg/util/apply.go)
# ============================================================================================

def _string_map(v: Any) -> dict | None:
    """``NestedStringMap``: the map if every value is a string, else nothing."""
    if isinstance(v, dict) and all(isinstance(x, str) for x in v.values()):
        return v
    return None


def modified_configuration(doc: dict) -> tuple[dict, str]:
    """``GetModifiedConfiguration(obj, annotate=true)``.

    Returns ``(modified_obj, annotation_value)``: the annotation value is the Go JSON encoding (with the
    encoder's trailing newline) of ``doc`` with the last-applied annotation removed from
    ``metadata.annotations`` — which kubectl leaves as ``"annotations":{}`` when nothing else is
    there — and ``modified_obj`` is a copy of ``doc`` carrying that value as the annotation.  The
    caller sets ``metadata.namespace`` first, as kubectl's builder does.
    """
    obj = _wire(doc)
    md = obj.get("metadata") if isinstance(obj, dict) else None
    if isinstance(obj, dict) and "metadata" not in obj:
        md = obj["metadata"] = {}
    if not isinstance(md, dict):
        # Unstructured.SetAnnotations cannot write below a non-object metadata; it silently does
        # nothing and the plain encoding is used.
        text = go_json(obj) + "\n"
        return obj, text
    annots = dict(_string_map(md.get("annotations")) or {})
    annots.pop(LAST_APPLIED, None)
    md["annotations"] = annots
    text = go_json(obj) + "\n"
    md["annotations"] = {**annots, LAST_APPLIED: text}
    return obj, text


def _prune_nulls(v: Any) -> Any:
    """``pruneNullsFromMap``: null members of maps go (also inside lists); null list items stay."""
    if isinstance(v, dict):
        return {k: _prune_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [_prune_nulls(x) for x in v]
    return v


# ============================================================================================
# CreateThreeWayMergePatch (k8s.io/apimachinery/pkg/util/strategicpatch/patch.go)
# ============================================================================================

_DIRECTIVE = "$patch"
_DELETE = "delete"
_REPLACE = "replace"
_MERGE = "merge"
_RETAIN_KEYS = "retainKeys"
_RETAIN_KEYS_DIRECTIVE = "$retainKeys"
_DELETE_PRIMITIVE_PREFIX = "$deleteFromPrimitiveList"
_SET_ORDER_PREFIX = "$setElementOrder"
_MAP_T = "map[string]interface {}"
_SLICE_T = "[]interface {}"


@dataclass(frozen=True)
class _DiffOptions:
    set_element_order: bool = False
    ignore_changes_and_additions: bool = False
    ignore_deletions: bool = False
    build_retain_keys_directive: bool = False


def _err_no_merge_key(m: Any, key: str) -> StrategicPatchError:
    return StrategicPatchError(f"map: {_go_v(m)} does not contain declared merge key: {key}")


def _err_bad_arg_type(expected: str, actual: Any) -> StrategicPatchError:
    return StrategicPatchError(f"expected a {expected}, but received a {_go_type(actual)}")


def _strategies(field: Any) -> tuple[bool, str]:
    """``extractRetainKeysPatchStrategy``: (has retainKeys, the other strategy)."""
    s = list(field.strategies)
    if not s:
        return False, ""
    if len(s) == 1:
        return (True, "") if s[0] == _RETAIN_KEYS else (False, s[0])
    if len(s) == 2 and s[0] == _RETAIN_KEYS:
        return True, s[1]
    if len(s) == 2 and s[1] == _RETAIN_KEYS:
        return True, s[0]
    raise StrategicPatchError(f"unexpected patch strategy: [{' '.join(s)}]")


def _go_sort_by_string(items: list, key) -> list:
    """``sort.Sort`` with ``Less(i, j) = key(i) <= key(j)`` (``sort.StringsAreSorted`` on a pair).

    For up to 12 elements pdqsort is a plain insertion sort; because ``<=`` also swaps equal
    neighbours, equal keys come out in reverse input order.  Longer lists are sorted the same way
    here (upstream's pdqsort may order ties differently there).
    """
    out = list(items)
    keys = [key(x) for x in out]
    for i in range(1, len(out)):
        j = i
        while j > 0 and keys[j] <= keys[j - 1]:
            out[j], out[j - 1] = out[j - 1], out[j]
            keys[j], keys[j - 1] = keys[j - 1], keys[j]
            j -= 1
    return out


def _sort_scalars(s: list) -> list:
    return _go_sort_by_string(s, _go_v)


def _dedupe_scalars(s: list) -> list:
    """``deduplicateScalars``: removes later duplicates by moving the last element into their place."""
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


def _slice_element_kind(*lists: list) -> str:
    """``sliceElementType``: the common Go type of all items (errors as upstream words them)."""
    prev = None
    for lst in lists:
        for v in lst:
            t = _tag(v)
            if prev is None:
                if t == "nil":
                    raise StrategicPatchError("runtime error: invalid memory address or nil pointer dereference")
                if t == "slice":
                    raise StrategicPatchError("lists of lists are not supported")
                prev = t
            elif prev != t:
                raise StrategicPatchError(
                    f"list element types are not identical: [{' '.join(_go_v(list(x)) for x in lists)}]")
    if prev is None:
        raise StrategicPatchError("no elements in any of the given slices")
    return prev


def _index(lst: list, val: Any, merge_key: str, kind: str) -> int:
    if kind == "map":
        def get(item: Any) -> Any:
            return item.get(merge_key) if isinstance(item, dict) else None
    else:
        def get(item: Any) -> Any:
            return item
    target = get(val)
    for i, v in enumerate(lst):
        got = get(v)
        if _go_eq(target, got) or (target is None and got is None):
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
        if _go_eq(v.get(_DIRECTIVE), _DELETE) and _DIRECTIVE in v:
            delete.append(v)
        else:
            keep.append(v)
    return keep, delete


def _normalize_slice_order(to_sort: list, order: list, merge_key: str, kind: str) -> list:
    """``normalizeSliceOrder``: stable sort by position in ``order``; ``$patch: delete`` items last.

    Upstream's comparator claims "less" whenever either item is missing from ``order``; every caller
    in the three-way computation passes items that are all present, where any stable sort agrees.
    Missing items (only possible with malformed input) are put after the present ones here.
    """
    to_delete: list = []
    if kind == "map":
        _validate_merge_key_in_lists(merge_key, to_sort, order)
        to_sort, to_delete = _extract_to_delete_items(to_sort)
    n = len(order)
    ranked = [(_index(order, v, merge_key, kind), i, v) for i, v in enumerate(to_sort)]
    ranked.sort(key=lambda t: (t[0] if t[0] >= 0 else n, t[1]))
    return [v for _, _, v in ranked] + to_delete


def _merge_sorted_slice(left: list, right: list, server_order: list, merge_key: str, kind: str) -> list:
    """``mergeSortedSlice``: interleave server-only items (left) with patch items (right)."""
    out = []
    i = j = 0
    while i < len(left) or j < len(right):
        if i >= len(left):
            out.append(right[j])
            j += 1
        elif j >= len(right):
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


# -- diff -------------------------------------------------------------------------------------

def _diff_maps(original: dict, modified: dict, schema: Any, opts: _DiffOptions) -> dict:
    """``diffMaps``."""
    patch: dict = {}
    retain: list = []
    for key, mod_v in modified.items():
        if opts.build_retain_keys_directive and mod_v is not None:
            retain.append(key)
        if key not in original:
            if not opts.ignore_changes_and_additions:
                patch[key] = mod_v
            continue
        orig_v = original[key]
        if key == _DIRECTIVE:   # handleDirectiveMarker
            if not isinstance(orig_v, str) or not isinstance(mod_v, str):
                raise StrategicPatchError(f"invalid value for special key: {_DIRECTIVE}")
            if mod_v != orig_v:
                patch[key] = mod_v
            continue
        if _tag(orig_v) != _tag(mod_v):
            if not opts.ignore_changes_and_additions:
                patch[key] = mod_v
            continue
        if isinstance(orig_v, dict):
            _handle_map_diff(key, orig_v, mod_v, patch, schema, opts)
        elif isinstance(orig_v, list):
            _handle_slice_diff(key, orig_v, mod_v, patch, schema, opts)
        elif not opts.ignore_changes_and_additions and not _deep_equal(orig_v, mod_v):
            patch[key] = mod_v
    if not opts.ignore_deletions:   # updatePatchIfMissing
        for key in original:
            if key not in modified:
                patch[key] = None
    if retain and (patch or any(v is not None and k not in modified for k, v in original.items())):
        patch[_RETAIN_KEYS_DIRECTIVE] = _sort_scalars(retain)
    return patch


def _handle_map_diff(key: str, orig: dict, mod: dict, patch: dict, schema: Any, opts: _DiffOptions) -> None:
    sub = schema.lookup(key)
    retain, strategy = _strategies(sub)
    if strategy == _REPLACE:
        if not opts.ignore_changes_and_additions:
            patch[key] = mod
        return
    value = _diff_maps(orig, mod, sub, replace(opts, build_retain_keys_directive=retain))
    if value:
        patch[key] = value


def _handle_slice_diff(key: str, orig: list, mod: list, patch: dict, schema: Any, opts: _DiffOptions) -> None:
    sub = schema.lookup(key)
    retain, strategy = _strategies(sub)
    if strategy != _MERGE:
        if not opts.ignore_changes_and_additions and not _deep_equal(orig, mod):
            patch[key] = mod
        return
    add, delete, order = _diff_lists(orig, mod, sub, sub.merge_key,
                                     replace(opts, build_retain_keys_directive=retain))
    if add:
        patch[key] = add
    if delete:
        patch[f"{_DELETE_PRIMITIVE_PREFIX}/{key}"] = delete
    if order:
        patch[f"{_SET_ORDER_PREFIX}/{key}"] = order


def _diff_lists(original: list, modified: list, schema: Any, merge_key: str,
                opts: _DiffOptions) -> tuple[list, list, list]:
    """``diffLists``: (patch list, primitive deletion list, ``$setElementOrder`` list)."""
    if not original:
        if not modified or opts.ignore_changes_and_additions:
            return [], [], []
        return modified, [], []
    kind = _slice_element_kind(original, modified)
    if kind == "map":
        patch_list, deletions = _diff_lists_of_maps(original, modified, schema, merge_key, opts)
        patch_list = _normalize_slice_order(patch_list, modified, merge_key, kind)
        order_same = _is_order_same(original, modified, merge_key)
        patch_list = patch_list + deletions
        order: list = []
        if opts.set_element_order and (
                (not opts.ignore_changes_and_additions and (patch_list or not order_same))
                or (not opts.ignore_deletions and patch_list)):
            order = [{merge_key: v.get(merge_key)} for v in modified]
        return patch_list, [], order
    add, delete = _diff_lists_of_scalars(original, modified, opts)
    add = _normalize_slice_order(add, modified, merge_key, kind)
    order = []
    # Upstream sorts ``original`` in place inside diffListsOfScalars, so this compares the *sorted*
    # original with the modified list: an unsorted but unchanged list still yields an order list.
    if opts.set_element_order and ((not opts.ignore_deletions and delete)
                                   or (not opts.ignore_changes_and_additions
                                       and not _deep_equal(original, modified))):
        order = modified
    return add, delete, order


def _is_order_same(original: list, modified: list, merge_key: str) -> bool:
    if len(original) != len(modified):
        return False
    for left, right in zip(original, modified):
        if not _merge_key_value_equal(left, right, merge_key):
            return False
    return True


def _merge_key_value_equal(left: Any, right: Any, merge_key: str) -> bool:
    if not merge_key:
        return _go_eq(left, right)
    if not isinstance(left, dict):
        raise _err_bad_arg_type(_MAP_T, left)
    if not isinstance(right, dict):
        raise _err_bad_arg_type(_MAP_T, right)
    if merge_key not in left:
        raise _err_no_merge_key(left, merge_key)
    if merge_key not in right:
        raise _err_no_merge_key(right, merge_key)
    return _go_eq(left[merge_key], right[merge_key])


def _diff_lists_of_scalars(original: list, modified: list, opts: _DiffOptions) -> tuple[list, list]:
    """``diffListsOfScalars``; sorts ``original`` in place, as upstream does."""
    original[:] = _sort_scalars(original)
    mod_sorted = _sort_scalars(modified)
    add: list = []
    delete: list = []
    oi = mi = 0
    while oi < len(original) or mi < len(mod_sorted):
        o_in, m_in = oi < len(original), mi < len(mod_sorted)
        o_s = _go_v(original[oi]) if o_in else ""
        m_s = _go_v(mod_sorted[mi]) if m_in else ""
        if o_in and m_in and o_s == m_s:
            oi += 1
            mi += 1
        elif not o_in or (m_in and o_s > m_s):
            if not opts.ignore_changes_and_additions:
                add.append(mod_sorted[mi])
            mi += 1
        else:
            if not opts.ignore_deletions:
                delete.append(original[oi])
            oi += 1
    return add, _dedupe_scalars(delete)


def _map_and_key(lst: list, i: int, merge_key: str) -> tuple[dict, Any]:
    m = lst[i]
    if not isinstance(m, dict):
        raise _err_bad_arg_type(_MAP_T, m)
    if merge_key not in m:
        raise _err_no_merge_key(m, merge_key)
    return m, m[merge_key]


def _sort_maps_by_key(lst: list, merge_key: str) -> list:
    """``sortMergeListsByNameArray(s, schema, mergeKey, false)``."""
    if not lst:
        return lst
    if _slice_element_kind(lst) != "map":
        return _sort_scalars(_dedupe_scalars(lst))
    return _go_sort_by_string(lst, lambda m: _go_v(m.get(merge_key)))


def _diff_lists_of_maps(original: list, modified: list, schema: Any, merge_key: str,
                        opts: _DiffOptions) -> tuple[list, list]:
    """``diffListsOfMaps``: walk both lists sorted by merge key (compared as ``%v`` strings)."""
    patch: list = []
    deletions: list = []
    orig_sorted = _sort_maps_by_key(original, merge_key)
    mod_sorted = _sort_maps_by_key(modified, merge_key)
    oi = mi = 0
    while oi < len(orig_sorted) or mi < len(mod_sorted):
        o_in, m_in = oi < len(orig_sorted), mi < len(mod_sorted)
        o_s = m_s = ""
        if o_in:
            o_el, o_key = _map_and_key(orig_sorted, oi, merge_key)
            o_s = _go_v(o_key)
        if m_in:
            m_el, m_key = _map_and_key(mod_sorted, mi, merge_key)
            m_s = _go_v(m_key)
        if o_in and m_in and o_s == m_s:
            value = _diff_maps(o_el, m_el, schema, opts)
            if value:
                value[merge_key] = m_key
                patch.append(value)
            oi += 1
            mi += 1
        elif not o_in or (m_in and o_s > m_s):
            if not opts.ignore_changes_and_additions:
                patch.append(m_el)
            mi += 1
        else:
            if not opts.ignore_deletions:
                deletions.append({merge_key: o_key, _DIRECTIVE: _DELETE})
            oi += 1
    return patch, deletions


# -- merging the deletions patch with the delta patch (mergeMap with MergeOptions{}) ----------

def _remove_directives(v: Any) -> tuple[Any, bool]:
    """``removeDirectives``: maps holding ``$patch`` vanish (``keep`` is False for such a map)."""
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


def _extract_key(s: str, prefix: str) -> str:
    parts = s.split("/", 1)
    if len(parts) <= 1 or parts[0] != prefix:
        if prefix == _DELETE_PRIMITIVE_PREFIX:
            raise StrategicPatchError("invalid patch format of primitive list")
        raise StrategicPatchError("invalid patch format of setElementOrder list")
    return parts[1]


def _find_map(lst: list, key: str, value: Any) -> tuple[dict | None, int, bool]:
    for i, v in enumerate(lst):
        if not isinstance(v, dict):
            raise StrategicPatchError(f"value for key {i} is not a map")
        if key in v and _go_eq(v[key], value):
            return v, i, True
    return None, 0, False


def _partition_primitives(lst: list, by: list) -> tuple[list, list]:
    present = {_hkey(v) for v in by if not isinstance(v, (dict, list))}
    inside, outside = [], []
    for v in lst:
        (inside if not isinstance(v, (dict, list)) and _hkey(v) in present else outside).append(v)
    return inside, outside


def _partition_maps(lst: list, by: list, merge_key: str) -> tuple[list, list]:
    inside, outside = [], []
    for v in lst:
        if not isinstance(v, dict):
            raise _err_bad_arg_type(_MAP_T, v)
        if merge_key not in v:
            raise _err_no_merge_key(v, merge_key)
        _, _, found = _find_map(by, merge_key, v[merge_key])
        (inside if found else outside).append(v)
    return inside, outside


def _validate_patch_with_set_order(patch_list: list, order: list, merge_key: str) -> None:
    if not order or not patch_list:
        return
    items = _extract_to_delete_items(patch_list)[0] if merge_key else patch_list
    pi = si = 0
    while pi < len(items) and si < len(order):
        if isinstance(items[pi], dict) and _DIRECTIVE in items[pi]:
            pi += 1
            continue
        if _merge_key_value_equal(items[pi], order[si], merge_key):
            pi += 1
        si += 1
    if pi < len(items) and si >= len(order):
        raise StrategicPatchError(f"The order in patch list:\n{_go_v(patch_list)}\n doesn't match "
                                  f"{_SET_ORDER_PREFIX} list:\n{_go_v(order)}\n")


def _merge_map(original: dict | None, patch: dict, schema: Any) -> dict:
    """``mergeMap`` with ``MergeOptions{}``: parallel lists are carried over, nulls are kept."""
    if _DIRECTIVE in patch:
        directive = patch[_DIRECTIVE]
        if _go_eq(directive, _REPLACE):
            return {k: v for k, v in patch.items() if k != _DIRECTIVE}
        if _go_eq(directive, _DELETE):
            return {}
        raise StrategicPatchError(f"unknown patch type: {_go_v(directive)} in map: {_go_v(patch)}")
    original = {} if original is None else original
    patch = dict(patch)
    if _RETAIN_KEYS_DIRECTIVE in patch:   # applyRetainKeysDirective, not merging parallel lists
        retain = patch.pop(_RETAIN_KEYS_DIRECTIVE)
        if _RETAIN_KEYS_DIRECTIVE in original:
            if not _deep_equal(original[_RETAIN_KEYS_DIRECTIVE], retain):
                raise StrategicPatchError(
                    f"{_go_v(original[_RETAIN_KEYS_DIRECTIVE])} and {_go_v(retain)} are not deep equal: "
                    "this may happen when calculating the 3-way diff patch")
        else:
            original[_RETAIN_KEYS_DIRECTIVE] = retain
    _merge_patch_into_original(original, patch, schema)

    for key, patch_v in patch.items():
        if key.startswith(_DELETE_PRIMITIVE_PREFIX):
            original[key] = patch_v
            continue
        if patch_v is None:
            original.pop(key, None)
        if key not in original or _tag(original[key]) != _tag(patch_v):
            value, keep = _remove_directives(patch_v)
            if keep:
                original[key] = value
            else:
                original.pop(key, None)
            continue
        orig_v = original[key]
        if isinstance(orig_v, dict):
            sub = schema.lookup(key)
            _, strategy = _strategies(sub)
            original[key] = patch_v if strategy == _REPLACE else _merge_map(orig_v, patch_v, sub)
        elif isinstance(orig_v, list):
            sub = schema.lookup(key)
            _, strategy = _strategies(sub)
            original[key] = _merge_slice(orig_v, patch_v, sub, sub.merge_key) if strategy == _MERGE \
                else patch_v
        else:
            value, keep = _remove_directives(patch_v)
            if keep:
                original[key] = value
            else:
                original.pop(key, None)
    return original


def _merge_patch_into_original(original: dict, patch: dict, schema: Any) -> None:
    """``mergePatchIntoOriginal`` without parallel-list merging: move each ``$setElementOrder`` list
    into ``original`` (it must agree with one already there) and merge-and-order its field."""
    for key in [k for k in patch if k.startswith(_SET_ORDER_PREFIX)]:
        order = patch.pop(key)
        if key in original:
            if not _deep_equal(original[key], order):
                raise StrategicPatchError("invalid patch format of setElementOrder list")
        else:
            original[key] = order
        if not isinstance(order, list):
            raise _err_bad_arg_type(_SLICE_T, order)
        field = _extract_key(key, _SET_ORDER_PREFIX)
        found_orig, found_patch = field in original, field in patch
        orig_list: list = []
        patch_list: list = []
        if found_orig:
            if not isinstance(original[field], list):
                raise _err_bad_arg_type(_SLICE_T, original[field])
            orig_list = original[field]
        if found_patch:
            if not isinstance(patch[field], list):
                raise _err_bad_arg_type(_SLICE_T, patch[field])
            patch_list = patch[field]
        sub = schema.lookup(field)
        _, strategy = _strategies(sub)
        merge_key = sub.merge_key
        _validate_patch_with_set_order(patch_list, order, merge_key)
        if found_orig and not found_patch:
            merged = orig_list
        elif found_patch and not found_orig:
            merged = _remove_directives(patch_list)[0]
        elif found_orig and found_patch:
            merged = _merge_slice(orig_list, patch_list, sub, merge_key) if strategy == _MERGE \
                else patch_list
        else:
            continue
        if merge_key:
            items, server_only = _partition_maps(merged, order, merge_key)
        else:
            items, server_only = _partition_primitives(merged, order)
        kind = _slice_element_kind(orig_list, patch_list)
        original[field] = _normalize_element_order(items, server_only, order, orig_list, merge_key, kind)
        patch.pop(field, None)


def _merge_slice(original: list, patch: list, schema: Any, merge_key: str) -> list:
    """``mergeSlice`` (not a deletion list, parallel lists not merged)."""
    if not original and not patch:
        return original
    kind = _slice_element_kind(original, patch)
    if kind != "map":
        merged = _dedupe_scalars(original + patch)
    else:
        if not merge_key:
            raise StrategicPatchError(f"cannot merge lists without merge key for {schema.elem_kind}")
        original, patch = _merge_special_elements(original, patch, merge_key)
        merged = list(original)
        for v in patch:
            if merge_key not in v:
                raise _err_no_merge_key(v, merge_key)
            found_map, idx, found = _find_map(merged, merge_key, v[merge_key])
            if found:
                merged[idx] = _merge_map(dict(found_map), v, schema)
            else:
                merged.append(v)
    if merge_key:
        items, server_only = _partition_maps(merged, patch, merge_key)
    else:
        items, server_only = _partition_primitives(merged, patch)
    return _normalize_element_order(items, server_only, patch, original, merge_key, kind)


def _merge_special_elements(original: list, patch: list, merge_key: str) -> tuple[list, list]:
    plain = []
    replace_all = False
    for v in patch:
        if _DIRECTIVE not in v:
            plain.append(v)
            continue
        directive = v[_DIRECTIVE]
        if _go_eq(directive, _DELETE):
            if merge_key not in v:
                raise _err_no_merge_key(v, merge_key)
            original = [x for x in original
                        if not (isinstance(x, dict) and merge_key in x and _go_eq(x[merge_key], v[merge_key]))]
        elif _go_eq(directive, _REPLACE):
            replace_all = True
        elif _go_eq(directive, _MERGE):
            raise StrategicPatchError("merging lists cannot yet be specified in the patch")
        else:
            raise StrategicPatchError(f"unknown patch type: {_go_v(directive)} in map: {_go_v(v)}")
    if replace_all:
        return plain, []
    return original, plain


def _sorted_keys(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _sorted_keys(v[k]) for k in sorted(v)}
    if isinstance(v, list):
        return [_sorted_keys(x) for x in v]
    return v


def three_way_merge_patch(original: dict | None, modified: dict, current: dict, kind_key: str) -> dict:
    """``strategicpatch.CreateThreeWayMergePatch(original, modified, current, schema, overwrite=true)``.

    The patch is the difference from ``current`` to ``modified`` ignoring deletions, merged with the
    deletions from ``original`` (the last-applied configuration) to ``modified`` ignoring changes and
    additions.  List and map handling follows the ``patchStrategy``/``patchMergeKey`` tags of
    ``kind_key`` (``"apps/v1/Deployment"``): merge-keyed lists are diffed item by item with a
    ``$setElementOrder/<field>`` list, removed items become ``{"$patch": "delete", <key>: v}``,
    removed strings of a merged primitive list go to ``$deleteFromPrimitiveList/<field>``, other lists
    are replaced whole, and fields tagged ``retainKeys`` get a ``$retainKeys`` list.  ``{}`` means
    "no change".  Inputs are not modified; ``original=None`` means "no annotation".
    Raises :class:`StrategicPatchError` with upstream's text when the documents cannot be diffed.
    """
    schema = schema_for(kind_key)
    orig = _wire(original, int_floats=False) if isinstance(original, dict) else {}
    mod = _wire(modified)
    cur = _wire(current)
    delta = _diff_maps(cur, mod, schema, _DiffOptions(set_element_order=True, ignore_deletions=True))
    deletions = _diff_maps(orig, mod, schema,
                           _DiffOptions(set_element_order=True, ignore_changes_and_additions=True))
    return _sorted_keys(_merge_map(deletions, delta, schema))


# ============================================================================================
# apply_object: one document of ``kubectl apply -f``
# ============================================================================================

def _aggregate(msgs: list[str]) -> str:
    return msgs[0] if len(msgs) == 1 else "[" + ", ".join(msgs) + "]"


def _validation_errors(doc: Any) -> list[str]:
    """``getObjectKind`` of k8s.io/kubectl/pkg/validation (run before anything is sent)."""
    if not isinstance(doc, dict):
        return ["invalid object to validate"]
    errs = []
    api_version = doc.get("apiVersion")
    if api_version is None:
        errs.append("apiVersion not set")
    elif not isinstance(api_version, str):
        errs.append("apiVersion isn't string type")
    elif api_version not in ("", "/") and api_version.count("/") > 1:
        errs.append(f"unexpected GroupVersion string: {api_version}")
    kind = doc.get("kind")
    if kind is None:
        errs.append("kind not set")
    elif not isinstance(kind, str):
        errs.append("kind isn't string type")
    return errs


def _json_kind(v: Any) -> str:
    if isinstance(v, dict):
        return "object"
    if isinstance(v, list):
        return "array"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    return "string"


def _metadata_decode_error(doc: dict) -> str | None:
    """The first error of decoding ``doc`` into ``{TypeMeta, ObjectMeta}`` (metadata_decoder.go).

    Covers the ObjectMeta fields a manifest sets; the document is decoded in the key order of the
    JSON kubectl built from the YAML (sorted), and only the first type error is reported.
    """
    md = doc.get("metadata")
    if md is None:
        return None
    if not isinstance(md, dict):
        return (f"json: cannot unmarshal {_json_kind(md)} into Go struct field "
                f"metadataOnlyObject.metadata of type v1.ObjectMeta")

    def bad(field: str, v: Any, go_type: str) -> str:
        value = _json_kind(v)
        if value == "number" and go_type == "int64":
            value = f"number {go_json(_wire(v))}"
        return f"json: cannot unmarshal {value} into Go struct field ObjectMeta.metadata.{field} of type {go_type}"

    for key in sorted(md):
        v = md[key]
        if v is None:
            continue
        if key in ("name", "generateName", "namespace", "selfLink", "uid", "resourceVersion"):
            if not isinstance(v, str):
                return bad(key, v, "string")
        elif key in ("generation", "deletionGracePeriodSeconds"):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or (isinstance(v, float) and v != int(v)):
                return bad(key, v, "int64")
        elif key in ("labels", "annotations"):
            if not isinstance(v, dict):
                return bad(key, v, "map[string]string")
            for k in sorted(v):
                if v[k] is not None and not isinstance(v[k], str):
                    return bad(key, v[k], "string")
        elif key == "finalizers":
            if not isinstance(v, list):
                return bad(key, v, "[]string")
            for x in v:
                if x is not None and not isinstance(x, str):
                    return bad(key, x, "string")
    return None


def _source_error(err: errors.StatusError, message: str) -> ApplyDocumentError:
    """``cmdutil.AddSourceToErr`` on an API error: same Status, message replaced."""
    status = copy.deepcopy(err.status)
    status["message"] = message
    return ApplyDocumentError(message, status)


def _is_not_found(err: errors.StatusError) -> bool:
    reason = err.status.get("reason", "")
    return reason == "NotFound" or (reason not in errors.REASON_CODES and err.code == 404)


def _info_string(info: ResourceInfo, name: str, namespace: str) -> str:
    """``resource.Info.String()`` (cli-runtime visitor.go)."""
    gvr = f"{info.group}/{info.version}, Resource={info.resource}"
    gvk = f"{info.group}/{info.version}, Kind={info.kind}"
    return (f"Resource: {errors.go_quote(gvr)}, GroupVersionKind: {errors.go_quote(gvk)}\n"
            f"Name: {errors.go_quote(name)}, Namespace: {errors.go_quote(namespace)}")


def _printed_name(obj: Any, info: ResourceInfo, name: str) -> str:
    """The name printer's ``<kind>[.<group>]/<name>`` for the object the server returned."""
    kind, group = info.kind, info.group
    if isinstance(obj, dict) and isinstance(obj.get("kind"), str) and obj["kind"]:
        kind = obj["kind"]
        api_version = obj.get("apiVersion")
        if isinstance(api_version, str) and api_version:
            group = api_version.rpartition("/")[0]
    return f"{kind.lower()}.{group}/{name}" if group else f"{kind.lower()}/{name}"


def _warn_if_deleting(obj: Any, warnings: list[str] | None) -> None:
    md = obj.get("metadata") if isinstance(obj, dict) else None
    if warnings is not None and isinstance(md, dict) and md.get("deletionTimestamp"):
        warnings.append(f"Warning: Detected changes to resource {md.get('name', '')} which is currently "
                        "being deleted.")


def _last_applied_of(obj: dict) -> str | None:
    md = obj.get("metadata")
    annots = md.get("annotations") if isinstance(md, dict) else None
    value = annots.get(LAST_APPLIED) if isinstance(annots, dict) else None
    return value if isinstance(value, str) else None


def apply_object(client: Any, doc: Any, namespace: str | None, source: str, *,
                 warnings: list[str] | None = None) -> str:
    """Apply one document as ``kubectl apply -f <source>`` does; returns the line kubectl prints.

    ``namespace`` is ``--namespace`` (``None``: not given, the object's namespace or ``default`` is
    used).  ``client`` is a :class:`kube_lab.client.Client`; its component name marks the requests.
    Raises :class:`ApplyDocumentError` (kubectl's message) or lets
    :class:`~kube_lab.api.registry.NoKindMatchError` propagate for an unknown kind.
    """
    quoted_source = errors.go_quote(source)
    errs = _validation_errors(doc)
    if errs:
        raise ApplyDocumentError(f"error validating {quoted_source}: error validating data: "
                                 f"{_aggregate(errs)}; {_STOP_VALIDATE}")
    if not doc["kind"]:
        raise ApplyDocumentError(f"unable to decode {quoted_source}: Object 'Kind' is missing in "
                                 f"'{go_json(_wire(doc))}'")
    decode_error = _metadata_decode_error(doc)
    if decode_error:
        raise ApplyDocumentError(f"unable to decode {quoted_source}: {decode_error}")
    info = REGISTRY.for_kind(doc["apiVersion"], doc["kind"])

    obj = _wire(doc)
    md = obj.get("metadata")
    name = md.get("name") if isinstance(md, dict) and isinstance(md.get("name"), str) else ""
    obj_ns = md.get("namespace") if isinstance(md, dict) and isinstance(md.get("namespace"), str) else ""
    if info.namespaced:
        if namespace:                              # --namespace given: RequireNamespace
            if obj_ns and obj_ns != namespace:
                raise ApplyDocumentError(
                    f"the namespace from the provided object {errors.go_quote(obj_ns)} does not "
                    f"match the namespace {errors.go_quote(namespace)}. You must pass "
                    f"'--namespace={obj_ns}' to perform this operation.")
            ns = namespace
        else:                                      # SetNamespace(default namespace)
            ns = obj_ns or "default"
        if ns != obj_ns:
            if not isinstance(md, dict):
                md = obj["metadata"] = {}
            md["namespace"] = ns
        request_ns: str | None = ns
    else:
        ns = obj_ns
        request_ns = None
    info_text = _info_string(info, name, ns)

    if not name and isinstance(md, dict):
        generate = md.get("generateName")
        if isinstance(generate, str) and generate:
            raise ApplyDocumentError(f"from {generate}: cannot use generate name with apply")

    modified, _ = modified_configuration(obj)

    if not name:
        raise ApplyDocumentError(f"error when retrieving current configuration of:\n{info_text}\n"
                                 f"from server for: {quoted_source}: resource name may not be empty")
    try:
        current = client.get(info.resource, name, request_ns)
    except errors.StatusError as e:
        if not _is_not_found(e):
            raise _source_error(
                e, f"error when retrieving current configuration of:\n{info_text}\nfrom server for: "
                   f"{quoted_source}: {e.message}") from None
        try:
            created = client.create(info.resource, _prune_nulls(modified), request_ns,
                                    field_validation="Strict")
        except errors.StatusError as ce:
            raise _source_error(ce, f"error when creating {quoted_source}: {ce.message}") from None
        return f"{_printed_name(created, info, name)} created"

    if _last_applied_of(current) is None and warnings is not None:
        warnings.append(f"Warning: resource {info.resource}/{name} is missing the {LAST_APPLIED} "
                        "annotation which is required by kubectl apply. kubectl apply should only be "
                        "used on resources created declaratively by either kubectl create --save-config "
                        "or kubectl apply. The missing annotation will be patched automatically.")

    modified_text = go_json(modified) + "\n"
    attempt = 0
    while True:
        original_text = _last_applied_of(current)
        try:
            patch = _three_way_from_texts(original_text, modified, current, info.kind_key)
        except StrategicPatchError as e:
            raise ApplyDocumentError(
                f"error when applying patch:\n\nto:\n{info_text}\nfor: {quoted_source}: "
                f"error when patching {quoted_source}: creating patch with:\noriginal:\n{original_text or ''}\n"
                f"modified:\n{modified_text}\ncurrent:\n{go_json(_wire(current))}\n\nfor:: {e}") from None
        if not patch:
            _warn_if_deleting(current, warnings)
            return f"{_printed_name(current, info, name)} unchanged"
        body = go_json(patch)
        try:
            result = client.patch(info.resource, name, body, STRATEGIC_MERGE_PATCH, request_ns,
                                  field_validation="Strict", field_manager=FIELD_MANAGER)
        except errors.StatusError as e:
            if e.reason == "Conflict" and attempt < MAX_PATCH_RETRY:
                attempt += 1
                try:
                    current = client.get(info.resource, name, request_ns)
                except errors.StatusError as ge:
                    raise _source_error(
                        ge, f"error when applying patch:\n\nto:\n{info_text}\nfor: {quoted_source}: "
                            f"{ge.message}") from None
                continue
            raise _source_error(
                e, f"error when applying patch:\n{body}\nto:\n{info_text}\nfor: {quoted_source}: "
                   f"error when patching {quoted_source}: {e.message}") from None
        _warn_if_deleting(result, warnings)
        return f"{_printed_name(result, info, name)} configured"


def _three_way_from_texts(original_text: str | None, modified: dict, current: dict, kind_key: str) -> dict:
    """The patcher's inputs: the annotation text is decoded (an empty one means "no original")."""
    original: dict | None = None
    if original_text:
        try:
            decoded = json.loads(original_text)
        except ValueError:
            raise StrategicPatchError("invalid JSON document") from None
        if decoded is not None and not isinstance(decoded, dict):
            raise StrategicPatchError("invalid JSON document")
        original = decoded
    return three_way_merge_patch(original, modified, current, kind_key)
