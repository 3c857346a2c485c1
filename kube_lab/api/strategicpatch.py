"""Strategic merge patch machinery, shared by the API server and kubectl.

Models ``k8s.io/apimachinery/pkg/util/strategicpatch`` (patch.go) and the error helpers of
``k8s.io/apimachinery/pkg/util/mergepatch``.  Upstream has one package that both sides call, and so do
we:

* :func:`merge_map` is ``mergeMap``.  The API server applies a PATCH body with
  ``StrategicMergeMapPatch``, i.e. :data:`SERVER_MERGE` (``MergeParallelList`` and
  ``IgnoreUnmatchedNulls``; see :mod:`kube_lab.api.patch`); kubectl's three-way patch merges its
  deletions patch with its delta patch using ``MergeOptions{}`` (:data:`PATCH_MERGE`).
* :func:`create_three_way_merge_patch` is ``CreateThreeWayMergePatch(…, overwrite=true)`` as
  ``kubectl apply`` calls it (see :mod:`kube_lab.api.apply`).

The ``patchStrategy``/``patchMergeKey`` struct tags upstream reads with ``LookupPatchMetadata`` are
given as a :class:`Field` tree; the per-kind tables live in :mod:`kube_lab.api.patch`
(:func:`~kube_lab.api.patch.schema_for`).

Every failure raises :class:`StrategicPatchError`, whose ``str()`` is upstream's error text and whose
:attr:`~StrategicPatchError.category` says how the API server's ``interpretStrategicMergePatchError``
sorts it; kubectl only prints the text.  Inputs are treated as immutable by :func:`merge_map`;
:func:`create_three_way_merge_patch` sorts primitive lists of ``original`` in place, as upstream does.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Callable

__all__ = [
    "StrategicPatchError", "Field", "PLAIN", "extract_retain_keys_strategy",
    "MergeOptions", "SERVER_MERGE", "PATCH_MERGE", "merge_map", "create_three_way_merge_patch",
    "discard_nulls", "go_kind", "go_type_name", "json_kind", "format_float", "go_float", "go_v", "go_s", "go_eq", "deep_equal",
]


# ============================================================================================
# Go values, as apimachinery decodes JSON into interface{}
# ============================================================================================

_GO_TYPE_NAMES = {"map": "map[string]interface {}", "slice": "[]interface {}", "bool": "bool",
                  "int64": "int64", "float64": "float64", "string": "string"}


def go_kind(v: Any) -> str:
    """The Go dynamic type of a decoded JSON value (integers stay ``int64``), coarse enough to compare."""
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


def go_type_name(v: Any) -> str:
    """``reflect.TypeOf(v)`` printed with ``%s`` (``%!s(<nil>)`` for nil)."""
    return _GO_TYPE_NAMES.get(go_kind(v), "%!s(<nil>)")


def json_kind(v: Any) -> str:
    """The JSON value kind ``encoding/json`` names in ``json: cannot unmarshal <kind> into Go …``."""
    return _JSON_KINDS[go_kind(v)]


_JSON_KINDS = {"nil": "null", "map": "object", "slice": "array", "bool": "bool", "int64": "number",
               "float64": "number", "string": "string"}


def format_float(f: float, exponent: Callable[[int], bool], exp_digits: int = 2) -> str:
    """strconv's shortest-digits formatting of a finite, non-zero float64.

    ``exponent(x)`` picks the 'e' form for the decimal exponent ``x`` (else 'f'); the exponent is
    written with at least ``exp_digits`` digits.
    """
    sign, digits, exp = Decimal(repr(f)).as_tuple()
    ds = list(digits)
    while len(ds) > 1 and ds[-1] == 0:
        ds.pop()
        exp += 1  # type: ignore[operator]
    nd = len(ds)
    dp = nd + exp  # type: ignore[operator]   # digits before the decimal point
    text = "".join(str(d) for d in ds)
    neg = "-" if sign else ""
    x = dp - 1
    if exponent(x):
        mant = text[0] + ("." + text[1:] if nd > 1 else "")
        return f"{neg}{mant}e{'-' if x < 0 else '+'}{abs(x):0{exp_digits}d}"
    if dp <= 0:
        return f"{neg}0.{'0' * (-dp)}{text}"
    if dp >= nd:
        return f"{neg}{text}{'0' * (dp - nd)}"
    return f"{neg}{text[:dp]}.{text[dp:]}"


def go_float(f: float) -> str:
    """``%v`` of a float64: strconv 'g' with the shortest digits, exponent form outside [1e-4, 1e6)."""
    if f != f:
        return "NaN"
    if f in (float("inf"), float("-inf")):
        return "+Inf" if f > 0 else "-Inf"
    if f == 0:
        return "-0" if str(f).startswith("-") else "0"
    return format_float(f, lambda x: x < -4 or x >= 6)


def go_v(v: Any) -> str:
    """Go's ``%v`` for decoded JSON (maps print with sorted keys)."""
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return go_float(v)
    if isinstance(v, str):
        return v
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{go_v(v[k])}" for k in sorted(v)) + "]"
    if isinstance(v, list):
        return "[" + " ".join(go_v(x) for x in v) + "]"
    return str(v)


def go_s(v: Any) -> str:
    """Go's ``%s`` for decoded JSON: non-strings print as ``%!s(type=value)``."""
    if isinstance(v, str):
        return v
    if v is None:
        return "%!s(<nil>)"
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{go_s(v[k])}" for k in sorted(v)) + "]"
    if isinstance(v, list):
        return "[" + " ".join(go_s(x) for x in v) + "]"
    return f"%!s({go_type_name(v)}={go_v(v)})"


def go_eq(a: Any, b: Any) -> bool:
    """Go ``==`` on two ``interface{}`` values holding scalars (type and value must match)."""
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return False  # uncomparable upstream (it would panic); never equal here
    return type(a) is type(b) and a == b


def deep_equal(a: Any, b: Any) -> bool:
    """``reflect.DeepEqual`` on decoded JSON."""
    kind = go_kind(a)
    if kind != go_kind(b):
        return False
    if kind == "map":
        return a.keys() == b.keys() and all(deep_equal(a[k], b[k]) for k in a)
    if kind == "slice":
        return len(a) == len(b) and all(deep_equal(x, y) for x, y in zip(a, b))
    return a == b


def _hkey(v: Any) -> tuple:
    """A hashable key with Go map-key semantics (type-sensitive; maps and slices panic upstream)."""
    if isinstance(v, (dict, list)):
        raise StrategicPatchError(f"runtime error: hash of unhashable type {go_type_name(v)}")
    return (type(v).__name__, v)


# ============================================================================================
# Errors (mergepatch/errors.go)
# ============================================================================================

class StrategicPatchError(Exception):
    """An error of strategicpatch/mergepatch; ``str()`` is upstream's text.

    :attr:`category` is how kube-apiserver's ``interpretStrategicMergePatchError`` reports it:
    ``"bad_request"`` (400), ``"invalid"`` (the generic 422) or ``"go"`` (any other error: a plain Go
    error, 500).  kubectl prints every one of them the same way.
    """

    def __init__(self, message: str, category: str = "go"):
        super().__init__(message)
        self.message = message
        self.category = category


# mergepatch sentinels, with their classification in interpretStrategicMergePatchError.
def _err_no_list_of_lists() -> StrategicPatchError:
    return StrategicPatchError("lists of lists are not supported", "invalid")


def _err_bad_primitive_list() -> StrategicPatchError:
    return StrategicPatchError("invalid patch format of primitive list", "bad_request")


def _err_bad_retain_keys() -> StrategicPatchError:
    return StrategicPatchError("invalid patch format of retainKeys", "bad_request")


def _err_bad_set_order() -> StrategicPatchError:
    return StrategicPatchError("invalid patch format of setElementOrder list", "bad_request")


def _err_no_merge_key(m: dict, key: str) -> StrategicPatchError:
    return StrategicPatchError(f"map: {go_v(m)} does not contain declared merge key: {key}")


def _err_bad_arg_type(expected: str, actual: Any) -> StrategicPatchError:
    return StrategicPatchError(f"expected a {expected}, but received a {go_type_name(actual)}")


def _err_bad_patch_type(t: Any, m: dict) -> StrategicPatchError:
    return StrategicPatchError(f"unknown patch type: {go_s(t)} in map: {go_v(m)}")


_MAP_T = "map[string]interface {}"
_SLICE_T = "[]interface {}"


# ============================================================================================
# Struct-tag metadata (LookupPatchMetadata)
# ============================================================================================

class Field:
    """What upstream's ``LookupPatchMetadataFor{Struct,Slice}`` yields for one field.

    ``strategies`` are the ``patchStrategy`` values, ``merge_key`` the ``patchMergeKey``;
    ``lookup(name)`` gives a member's node (a list's node describes its items; unknown names give
    the untagged :data:`PLAIN`).  ``elem_kind`` is the Go kind of list items, only used in one error.
    """

    __slots__ = ("strategies", "merge_key", "fields", "elem_kind")

    def __init__(self, strategies: tuple[str, ...] = (), merge_key: str = "",
                 elem_kind: str = "struct"):
        self.strategies = strategies
        self.merge_key = merge_key
        self.fields: dict[str, Field] = {}
        self.elem_kind = elem_kind

    def lookup(self, key: str) -> "Field":
        return self.fields.get(key, PLAIN)


PLAIN = Field()


def extract_retain_keys_strategy(field: Field) -> tuple[bool, str]:
    """``extractRetainKeysPatchStrategy``: (has ``retainKeys``, the other strategy)."""
    s = list(field.strategies)
    if not s:
        return False, ""
    if len(s) == 1:
        return (True, "") if s[0] == "retainKeys" else (False, s[0])
    if len(s) == 2 and s[0] == "retainKeys":
        return True, s[1]
    if len(s) == 2 and s[1] == "retainKeys":
        return True, s[0]
    raise StrategicPatchError(f"unexpected patch strategy: [{' '.join(s)}]")


# ============================================================================================
# Directives and small helpers
# ============================================================================================

_DIRECTIVE = "$patch"
_DELETE_PREFIX = "$deleteFromPrimitiveList"
_SET_ORDER_PREFIX = "$setElementOrder"
_RETAIN_KEYS = "$retainKeys"


def _is_directive(v: Any, directive: str) -> bool:
    return isinstance(v, str) and v == directive


def _extract_key(s: str, prefix: str) -> str:
    """``extractKey``: the field name after ``<prefix>/``."""
    parts = s.split("/", 1)
    if len(parts) <= 1 or parts[0] != prefix:
        if prefix == _DELETE_PREFIX:
            raise _err_bad_primitive_list()
        raise _err_bad_set_order()
    return parts[1]


def discard_nulls(v: Any) -> Any:
    """``discardNullValuesFromPatch`` without mutation: null members go, null list items stay.

    (kubectl's ``pruneNullsFromMap``, run on an object it creates, does the same.)
    """
    if isinstance(v, dict):
        return {k: discard_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [discard_nulls(x) for x in v]
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


# ============================================================================================
# Lists: element types, lookups, ordering
# ============================================================================================

def _slice_element_kind(*lists: list) -> str:
    """``sliceElementType``: all items of all lists must share one type, which is not a list."""
    prev = None
    for lst in lists:
        for v in lst:
            t = go_kind(v)
            if prev is None:
                if t == "nil":   # upstream calls Kind() on a nil reflect.Type and panics
                    raise StrategicPatchError("runtime error: invalid memory address or nil pointer dereference")
                if t == "slice":
                    raise _err_no_list_of_lists()
                prev = t
            elif prev != t:
                raise StrategicPatchError(f"list element types are not identical: {go_v(list(lists))}")
    if prev is None:
        raise StrategicPatchError("no elements in any of the given slices")
    return prev


def _dedupe_scalars(s: list) -> list:
    """``deduplicateScalars``: swap-with-last de-duplication (order is fixed up afterwards)."""
    s = list(s)
    length = len(s) - 1
    i = 0
    while i < length:
        j = i + 1
        while j <= length:
            if go_eq(s[i], s[j]) or (s[i] is None and s[j] is None):
                s[j] = s[length]
                s = s[:length]
                length -= 1
                j -= 1
            j += 1
        i += 1
    return s


def _find_map(lst: list, key: str, value: Any) -> tuple[dict | None, int, bool]:
    """``findMapInSliceBasedOnKeyValue``."""
    for k, v in enumerate(lst):
        if not isinstance(v, dict):
            raise StrategicPatchError(f"value for key {k} is not a map")
        if key in v and go_eq(v[key], value):
            return v, k, True
    return None, 0, False


def _merge_key_value_equal(left: Any, right: Any, merge_key: str) -> bool:
    """``mergeKeyValueEqual``: scalars compare with ``==``, maps by their merge key value."""
    if not merge_key:
        return go_eq(left, right)
    if not isinstance(left, dict):
        raise _err_bad_arg_type(_MAP_T, left)
    if not isinstance(right, dict):
        raise _err_bad_arg_type(_MAP_T, right)
    if merge_key not in left:
        raise _err_no_merge_key(left, merge_key)
    if merge_key not in right:
        raise _err_no_merge_key(right, merge_key)
    return go_eq(left[merge_key], right[merge_key])


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
        if (target is None and x is None) or go_eq(target, x):
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
    """``extractToDeleteItems``: (other items, ``$patch: delete`` items)."""
    keep, delete = [], []
    for v in lst:
        if not isinstance(v, dict):
            raise _err_bad_arg_type(_MAP_T, v)
        (delete if _DIRECTIVE in v and _is_directive(v[_DIRECTIVE], "delete") else keep).append(v)
    return keep, delete


def _normalize_slice_order(to_sort: list, order: list, merge_key: str, kind: str) -> list:
    """``normalizeSliceOrder``: stable sort by position in ``order``; ``$patch: delete`` items last."""
    to_delete: list = []
    if kind == "map":
        _validate_merge_key_in_lists(merge_key, to_sort, order)
        to_sort, to_delete = _extract_to_delete_items(to_sort)
    positioned = [(item, _index(order, item, merge_key, kind)) for item in to_sort]

    def less(x: tuple, y: tuple) -> bool:
        if x[1] >= 0 and y[1] >= 0:
            return x[1] < y[1]
        return True   # upstream's comparator: "less" whenever either item is missing from order

    return [item for item, _ in _go_slice_stable(positioned, less)] + to_delete


def _merge_sorted_slice(left: list, right: list, server_order: list, merge_key: str, kind: str) -> list:
    """``mergeSortedSlice``: interleave server-only items (left) into patch items (right)."""
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
    """``normalizeElementOrder``."""
    patch = _normalize_slice_order(patch, patch_order, merge_key, kind)
    server_only = _normalize_slice_order(server_only, server_order, merge_key, kind)
    return _merge_sorted_slice(server_only, patch, server_order, merge_key, kind)


def _partition_primitives(lst: list, by: list) -> tuple[list, list]:
    """``partitionPrimitivesByPresentInList``: (items in ``by``, the others)."""
    in_patch = {_hkey(v) for v in by}
    patch, server_only = [], []
    for v in lst:
        (patch if _hkey(v) in in_patch else server_only).append(v)
    return patch, server_only


def _partition_maps(lst: list, by: list, merge_key: str) -> tuple[list, list]:
    """``partitionMapsByPresentInList``: (items whose merge key value is in ``by``, the others)."""
    patch, server_only = [], []
    for v in lst:
        if not isinstance(v, dict):
            raise _err_bad_arg_type(_MAP_T, v)
        if merge_key not in v:
            raise _err_no_merge_key(v, merge_key)
        _, _, found = _find_map(by, merge_key, v[merge_key])
        (patch if found else server_only).append(v)
    return patch, server_only


def _partition(lst: list, by: list, merge_key: str) -> tuple[list, list]:
    if merge_key:
        return _partition_maps(lst, by, merge_key)
    return _partition_primitives(lst, by)


# ============================================================================================
# mergeMap
# ============================================================================================

@dataclass(frozen=True)
class MergeOptions:
    """``MergeOptions``.

    ``merge_parallel_list``: apply ``$deleteFromPrimitiveList``, ``$setElementOrder`` and
    ``$retainKeys`` (a patch applied to an object) instead of carrying them over into ``original``
    (two patches merged into one).  ``ignore_unmatched_nulls``: a ``null`` deletes a member and is
    not kept, nulls inside values taken from the patch are dropped.
    """

    merge_parallel_list: bool = False
    ignore_unmatched_nulls: bool = False


#: ``StrategicMergeMapPatch`` (what the API server uses to apply a PATCH body).
SERVER_MERGE = MergeOptions(merge_parallel_list=True, ignore_unmatched_nulls=True)
#: ``MergeOptions{}`` (how ``CreateThreeWayMergePatch`` merges its two patches).
PATCH_MERGE = MergeOptions()


def merge_map(original: dict | None, patch: dict, schema: Field, options: MergeOptions) -> dict:
    """``mergeMap``: merge ``patch`` into ``original`` following the struct tags of ``schema``.

    Neither input is modified; the result shares untouched subtrees with both.
    """
    if _DIRECTIVE in patch:   # handleDirectiveInMergeMap
        directive = patch[_DIRECTIVE]
        if _is_directive(directive, "replace"):
            return {k: v for k, v in patch.items() if k != _DIRECTIVE}
        if _is_directive(directive, "delete"):
            return {}
        raise _err_bad_patch_type(directive, patch)

    original = {} if original is None else dict(original)
    patch = dict(patch)
    _apply_retain_keys(original, patch, options)
    _merge_patch_into_original(original, patch, schema, options)

    for key, patch_v in patch.items():
        is_delete_list = False
        if key.startswith(_DELETE_PREFIX):   # preprocessDeletionListForMerging
            if not options.merge_parallel_list:
                original[key] = patch_v
                continue
            stripped = _extract_key(key, _DELETE_PREFIX)
            is_delete_list = True
            if stripped:
                key = stripped
        if patch_v is None:
            original.pop(key, None)
            if options.ignore_unmatched_nulls:
                continue
        if key not in original or go_kind(original[key]) != go_kind(patch_v):
            if not is_delete_list:
                value = discard_nulls(patch_v) if options.ignore_unmatched_nulls else patch_v
                value, keep = _remove_directives(value)
                if keep:
                    original[key] = value
                else:
                    original.pop(key, None)
            continue
        orig_v = original[key]
        field = schema.lookup(key)
        _, strategy = extract_retain_keys_strategy(field)
        if isinstance(orig_v, dict):   # mergeMapHandler
            original[key] = patch_v if strategy == "replace" else merge_map(orig_v, patch_v, field, options)
        elif isinstance(orig_v, list):
            original[key] = _merge_slice_handler(orig_v, patch_v, field, strategy, is_delete_list, options)
        else:
            original[key] = patch_v
    return original


def _apply_retain_keys(original: dict, patch: dict, options: MergeOptions) -> None:
    """``applyRetainKeysDirective``.

    Applying: clear the members of ``original`` not named in ``$retainKeys`` (and reject patch
    members not named).  Merging two patches: carry the list over (both lists must agree).
    """
    if _RETAIN_KEYS not in patch:
        return
    retain = patch.pop(_RETAIN_KEYS)
    if not options.merge_parallel_list:
        if _RETAIN_KEYS in original:
            if not deep_equal(original[_RETAIN_KEYS], retain):
                raise StrategicPatchError(
                    f"{go_v(original[_RETAIN_KEYS])} and {go_v(retain)} are not deep equal: "
                    "this may happen when calculating the 3-way diff patch")
        else:
            original[_RETAIN_KEYS] = retain
        return
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
        if isinstance(items[pi], dict) and _DIRECTIVE in items[pi]:
            pi += 1
            continue
        if _merge_key_value_equal(items[pi], order[si], merge_key):
            pi += 1
        si += 1
    if pi < len(items) and si >= len(order):
        raise StrategicPatchError(f"The order in patch list:\n{go_v(patch_list)}\n doesn't match "
                                  f"{_SET_ORDER_PREFIX} list:\n{go_v(order)}\n")


def _merge_patch_into_original(original: dict, patch: dict, schema: Field, options: MergeOptions) -> None:
    """``mergePatchIntoOriginal``: merge each list named by a ``$setElementOrder/<field>`` directive and
    order the result: ``$setElementOrder`` first, then the patch order, then the live order.

    When two patches are merged the directive is also carried over into ``original`` (where it must
    agree with one already there).
    """
    for key in list(patch):
        if not key.startswith(_SET_ORDER_PREFIX) or key not in patch:
            continue
        order = patch.pop(key)
        if not options.merge_parallel_list:
            if key in original:
                if not deep_equal(original[key], order):
                    raise _err_bad_set_order()
            else:
                original[key] = order
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
        _, strategy = extract_retain_keys_strategy(field)
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
            merged = _merge_slice_handler(orig_list, patch_list, field, strategy, False, options,
                                          server_order)
        else:
            continue

        patch_items, server_only = _partition(merged, order, merge_key)
        kind = _slice_element_kind(orig_list, patch_list)
        original[field_name] = _normalize_element_order(patch_items, server_only, order, server_order,
                                                        merge_key, kind)
        patch.pop(field_name, None)


def _merge_slice_handler(original: list, patch: list, field: Field, strategy: str, is_delete_list: bool,
                         options: MergeOptions, backing: list | None = None) -> list:
    """``mergeSliceHandler``: merge lists tagged ``merge`` (and deletion lists); replace the rest."""
    if strategy == "merge" or is_delete_list:
        return _merge_slice(original, patch, field, field.merge_key, is_delete_list, options, backing)
    return patch


def _merge_slice(original: list, patch: list, field: Field, merge_key: str, is_delete_list: bool,
                 options: MergeOptions, backing: list | None = None) -> list:
    """``mergeSlice``.

    ``backing``, when given, is a copy of ``original`` that receives the writes Go's in-place slice
    operations make to the caller's view of the live list (only the caller in
    :func:`_merge_patch_into_original` looks at it afterwards).
    """
    if not original and not patch:
        return original
    kind = _slice_element_kind(original, patch)
    if kind != "map":
        if options.merge_parallel_list and is_delete_list:   # deleteFromSlice
            gone = {_hkey(v) for v in patch}
            return [v for v in original if _hkey(v) not in gone]
        merged = _dedupe_scalars(original + patch)
    else:
        if not merge_key:
            raise StrategicPatchError(f"cannot merge lists without merge key for {field.elem_kind}")
        original, patch, backing = _merge_special_elements(original, patch, merge_key, backing)
        merged = _merge_plain_elements(original, patch, merge_key, field, options, backing)
    patch_items, server_only = _partition(merged, patch, merge_key)
    return _normalize_element_order(patch_items, server_only, patch, original, merge_key, kind)


def _merge_special_elements(original: list, patch: list, merge_key: str,
                            backing: list | None) -> tuple[list, list, list | None]:
    """``mergeSliceWithSpecialElements``: apply ``$patch: delete`` / ``$patch: replace`` items.

    Go deletes with ``append(s[:i], s[i+1:]...)``, shifting the live list's backing array left in
    place; ``backing`` mirrors that.  After a replace the list is a new slice and stops aliasing.
    """
    plain = []
    replace_all = False
    for v in patch:
        if _DIRECTIVE not in v:
            plain.append(v)
            continue
        directive = v[_DIRECTIVE]
        if _is_directive(directive, "delete"):
            if merge_key not in v:
                raise _err_no_merge_key(v, merge_key)
            while True:   # deleteMatchingEntries
                _, idx, found = _find_map(original, merge_key, v[merge_key])
                if not found:
                    break
                if backing is not None:
                    n = len(original)
                    backing[idx:n - 1] = backing[idx + 1:n]
                original = original[:idx] + original[idx + 1:]
        elif _is_directive(directive, "replace"):
            replace_all = True
        elif _is_directive(directive, "merge"):
            raise StrategicPatchError("merging lists cannot yet be specified in the patch")
        else:
            raise _err_bad_patch_type(directive, v)
    if replace_all:
        return plain, [], None
    return original, plain, backing


def _merge_plain_elements(original: list, patch: list, merge_key: str, field: Field,
                          options: MergeOptions, backing: list | None) -> list:
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
            out[idx] = merge_map(found_map, v, field, options)
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


# ============================================================================================
# CreateThreeWayMergePatch
# ============================================================================================

@dataclass(frozen=True)
class _DiffOptions:
    """``DiffOptions``."""

    set_element_order: bool = False
    ignore_changes_and_additions: bool = False
    ignore_deletions: bool = False
    build_retain_keys_directive: bool = False


def create_three_way_merge_patch(original: dict, modified: dict, current: dict, schema: Field) -> dict:
    """``CreateThreeWayMergePatch(original, modified, current, schema, overwrite=true)``.

    The difference from ``current`` to ``modified`` ignoring deletions, merged with the deletions from
    ``original`` to ``modified`` ignoring changes and additions.  ``{}`` means "no change".
    The three maps must be private copies: lists of scalars in ``original`` and ``current`` are sorted
    in place, as upstream's ``diffListsOfScalars`` does.
    """
    delta = _diff_maps(current, modified, schema, _DiffOptions(set_element_order=True, ignore_deletions=True))
    deletions = _diff_maps(original, modified, schema,
                           _DiffOptions(set_element_order=True, ignore_changes_and_additions=True))
    return merge_map(deletions, delta, schema, PATCH_MERGE)


def _go_sort_by_string(items: list, key: Callable[[Any], str]) -> list:
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
    return _go_sort_by_string(s, go_v)


def _diff_maps(original: dict, modified: dict, schema: Field, opts: _DiffOptions) -> dict:
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
        if go_kind(orig_v) != go_kind(mod_v):
            if not opts.ignore_changes_and_additions:
                patch[key] = mod_v
            continue
        if isinstance(orig_v, dict):
            _handle_map_diff(key, orig_v, mod_v, patch, schema, opts)
        elif isinstance(orig_v, list):
            _handle_slice_diff(key, orig_v, mod_v, patch, schema, opts)
        elif not opts.ignore_changes_and_additions and not deep_equal(orig_v, mod_v):
            patch[key] = mod_v
    if not opts.ignore_deletions:   # updatePatchIfMissing
        for key in original:
            if key not in modified:
                patch[key] = None
    if retain and (patch or any(v is not None and k not in modified for k, v in original.items())):
        patch[_RETAIN_KEYS] = _sort_scalars(retain)
    return patch


def _handle_map_diff(key: str, orig: dict, mod: dict, patch: dict, schema: Field, opts: _DiffOptions) -> None:
    sub = schema.lookup(key)
    retain, strategy = extract_retain_keys_strategy(sub)
    if strategy == "replace":
        if not opts.ignore_changes_and_additions:
            patch[key] = mod
        return
    value = _diff_maps(orig, mod, sub, replace(opts, build_retain_keys_directive=retain))
    if value:
        patch[key] = value


def _handle_slice_diff(key: str, orig: list, mod: list, patch: dict, schema: Field, opts: _DiffOptions) -> None:
    sub = schema.lookup(key)
    retain, strategy = extract_retain_keys_strategy(sub)
    if strategy != "merge":
        if not opts.ignore_changes_and_additions and not deep_equal(orig, mod):
            patch[key] = mod
        return
    add, delete, order = _diff_lists(orig, mod, sub, sub.merge_key,
                                     replace(opts, build_retain_keys_directive=retain))
    if add:
        patch[key] = add
    if delete:
        patch[f"{_DELETE_PREFIX}/{key}"] = delete
    if order:
        patch[f"{_SET_ORDER_PREFIX}/{key}"] = order


def _diff_lists(original: list, modified: list, schema: Field, merge_key: str,
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
                                       and not deep_equal(original, modified))):
        order = modified
    return add, delete, order


def _is_order_same(original: list, modified: list, merge_key: str) -> bool:
    if len(original) != len(modified):
        return False
    return all(_merge_key_value_equal(left, right, merge_key) for left, right in zip(original, modified))


def _diff_lists_of_scalars(original: list, modified: list, opts: _DiffOptions) -> tuple[list, list]:
    """``diffListsOfScalars``; sorts ``original`` in place, as upstream does."""
    original[:] = _sort_scalars(original)
    mod_sorted = _sort_scalars(modified)
    add: list = []
    delete: list = []
    oi = mi = 0
    while oi < len(original) or mi < len(mod_sorted):
        o_in, m_in = oi < len(original), mi < len(mod_sorted)
        o_s = go_v(original[oi]) if o_in else ""
        m_s = go_v(mod_sorted[mi]) if m_in else ""
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
    """``getMapAndMergeKeyValueByIndex``."""
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
    return _go_sort_by_string(lst, lambda m: go_v(m.get(merge_key)))


def _diff_lists_of_maps(original: list, modified: list, schema: Field, merge_key: str,
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
            o_s = go_v(o_key)
        if m_in:
            m_el, m_key = _map_and_key(mod_sorted, mi, merge_key)
            m_s = go_v(m_key)
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
                deletions.append({merge_key: o_key, _DIRECTIVE: "delete"})
            oi += 1
    return patch, deletions
