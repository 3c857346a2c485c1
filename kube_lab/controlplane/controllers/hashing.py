"""The ``pod-template-hash``: upstream's ``controller.ComputeHash``, reproduced byte for byte.

Upstream (``pkg/controller/controller_utils.go`` ``ComputeHash`` with ``pkg/util/hash``
``DeepHashObject``) prints the Go value of the ``v1.PodTemplateSpec`` with go-spew
(``ConfigState{Indent: " ", SortKeys: true, DisableMethods: true, SpewKeys: true}``, verb ``%#v``),
feeds the text to FNV-32a, appends the collision count as 8 little-endian bytes when the Deployment
has one, and renders the 32-bit sum's decimal digits with ``rand.SafeEncodeString``.  So the hash
depends on every field of the Go struct — also the empty ones — which is why the same template
gives different ReplicaSet names on different Kubernetes minors.

:func:`spew` rebuilds that text from the wire-format dict using the v1.32 type table in
:mod:`._pod_template_types`, as the controller-manager sees the object after decoding it from
protobuf: absent and empty lists and maps are ``nil``; quantities carry the internal form that
``resource.ParseQuantity`` gives their stored (canonical) string.  Times other than the zero time
(templates never carry one) are printed as the zero time — a documented approximation.

:func:`equal_ignore_hash` is ``deploymentutil.EqualIgnoreHash`` (``apiequality.Semantic.DeepEqual``
of two templates without the ``pod-template-hash`` label), decided on the same canonical text.
"""
from __future__ import annotations

import re
import struct

from ...api import quantity as quantities
from ...api.meta import IdentityCache
from ._pod_template_types import NAMED, STRUCTS

POD_TEMPLATE_HASH = "pod-template-hash"       # apps.DefaultDeploymentUniqueLabelKey
ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"      # k8s.io/apimachinery/pkg/util/rand
_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193
_MAP_RE = re.compile(r"map\[([^\]]+)\](.+)")
_INTS = {"int", "int32", "int64", "uint64", "uint8", "intstr.Type", "resource.Scale"}


def safe_encode_string(s: str) -> str:
    """``rand.SafeEncodeString``: each character mapped into the vowel-free alphabet."""
    return "".join(ALPHANUMS[ord(c) % len(ALPHANUMS)] for c in s)


def fnv32a(data: bytes) -> int:
    h = _FNV_OFFSET
    for b in data:
        h = ((h ^ b) * _FNV_PRIME) & 0xFFFFFFFF
    return h


_HASH_CACHE: dict[tuple[str, int | None], str] = {}


def compute_hash(template: dict | None, collision_count: int | None = None) -> str:
    """``controller.ComputeHash(template, collisionCount)`` (memoised like :func:`spew`)."""
    key = (repr(template), collision_count)
    hit = _HASH_CACHE.get(key)
    if hit is not None:
        return hit
    data = spew(template).encode("utf-8")
    if collision_count is not None:
        data += struct.pack("<I", collision_count & 0xFFFFFFFF) + b"\0\0\0\0"
    value = safe_encode_string(str(fnv32a(data)))
    if len(_HASH_CACHE) > 1024:
        _HASH_CACHE.clear()
    _HASH_CACHE[key] = value
    return value


def without_hash_label(template: dict | None) -> dict:
    """A shallow copy of ``template`` whose labels lack ``pod-template-hash``."""
    template = template or {}
    md = template.get("metadata") or {}
    labels = md.get("labels") or {}
    if POD_TEMPLATE_HASH not in labels:
        return template
    rest = {k: v for k, v in labels.items() if k != POD_TEMPLATE_HASH}
    return {**template, "metadata": {**md, "labels": rest}}


_CANON_CACHE = IdentityCache(4096)


def _canonical_ignoring_hash(template: dict | None) -> str:
    """spew text of a template without its hash label, cached per (immutable) stored object."""
    if template is None:
        return spew(None)
    return _CANON_CACHE.get(template, lambda t: spew(without_hash_label(t)))


def equal_ignore_hash(t1: dict | None, t2: dict | None) -> bool:
    """``deploymentutil.EqualIgnoreHash``: semantically equal pod templates, hash label aside."""
    return t1 is t2 or _canonical_ignoring_hash(t1) == _canonical_ignoring_hash(t2)


# ---------------------------------------------------------------------------------------------
# the go-spew printer (format.go, verb %#v)
_SPEW_CACHE: dict[str, str] = {}


def spew(template: dict | None) -> str:
    """``fmt.Sprintf("%#v", template)`` as go-spew prints a ``v1.PodTemplateSpec``.  Memoised on
    the template's ``repr`` (equal text, equal template): every kind-like cluster hashes the same
    add-on templates, and a rollout the same few."""
    key = repr(template)
    text = _SPEW_CACHE.get(key)
    if text is None:
        out: list[str] = []
        _value(out, "v1.PodTemplateSpec", template or {}, True)
        text = "".join(out)
        if len(_SPEW_CACHE) > 1024:
            _SPEW_CACHE.clear()
        _SPEW_CACHE[key] = text
    return text


def _is_nil(v) -> bool:
    return v is None or v == {} or v == []


def _value(out: list[str], t: str, v, show_type: bool) -> None:
    """Print value ``v`` (JSON) of Go type ``t``.  ``show_type`` is spew's ``!ignoreNextType``."""
    if t[0] == "*":
        elem = t[1:]
        if v is None:
            out.append(f"({t})<nil>" if show_type else "<nil>")
            return
        out.append(f"({t})" if show_type else "<*>")
        _value(out, elem, v, False)
        return
    if show_type:
        out.append(f"({t})")
    if t.startswith("[]"):
        if _is_nil(v):
            out.append("<nil>")
            return
        elem = t[2:]
        out.append("[")
        for i, item in enumerate(v):
            if i:
                out.append(" ")
            _value(out, elem, item, False)
        out.append("]")
        return
    underlying = NAMED.get(t, t)
    if underlying == "string":
        out.append("" if v is None else str(v))
        return
    if underlying == "bool":
        out.append("true" if v else "false")
        return
    if underlying in _INTS:
        out.append(str(int(v or 0)))
        return
    m = _MAP_RE.fullmatch(underlying)
    if m:
        if _is_nil(v):
            out.append("<nil>")
            return
        val_t = m.group(2)
        out.append("map[")
        for i, k in enumerate(sorted(v, key=lambda s: s.encode("utf-8"))):
            if i:
                out.append(" ")
            out.append(k)
            out.append(":")
            _value(out, val_t, v[k], False)
        out.append("]")
        return
    if t == "resource.Quantity":
        _quantity(out, v)
        return
    if t == "intstr.IntOrString":
        if isinstance(v, str):
            out.append(f"{{Type:(intstr.Type)1 IntVal:(int32)0 StrVal:(string){v}}}")
        else:
            out.append(f"{{Type:(intstr.Type)0 IntVal:(int32){int(v or 0)} StrVal:(string)}}")
        return
    if t == "v1.Time":
        out.append("{Time:(time.Time){wall:(uint64)0 ext:(int64)0 loc:(*time.Location)<nil>}}")
        return
    fields = STRUCTS[t]
    obj = v if isinstance(v, dict) else {}
    out.append("{")
    for i, (name, json_name, ft) in enumerate(fields):
        if i:
            out.append(" ")
        out.append(name)
        out.append(":")
        if json_name == "":
            fv = obj                      # embedded struct inlined in JSON
        elif json_name == "-":
            fv = None
        else:
            fv = obj.get(json_name)
        _value(out, ft, fv, True)
    out.append("}")


def _quantity(out: list[str], v) -> None:
    """A ``resource.Quantity`` as decoded by the controller-manager: ``ParseQuantity`` of the
    stored canonical string (its int64 fast path, the cached string ``s`` when the text is
    already canonical, or the ``inf.Dec`` path)."""
    text = str(v) if v is not None else "0"
    try:
        q = quantities.parse_quantity(quantities.canonical(text))
    except (quantities.QuantityError, ValueError):
        q = quantities.parse_quantity("0")
    fmt = q.format
    s = q._s or ""
    if not q._dec:
        out.append(f"{{i:(resource.int64Amount){{value:(int64){q._u} scale:(resource.Scale){-q._sc}}} "
                   f"d:(resource.infDecAmount){{Dec:(*inf.Dec)<nil>}} s:(string){s} Format:(resource.Format){fmt}}}")
        return
    u = abs(q._u)
    words = []
    while u:
        words.append(str(u & 0xFFFFFFFFFFFFFFFF))
        u >>= 64
    nat = f"[{' '.join(words)}]" if words else "<nil>"
    neg = "true" if q._u < 0 else "false"
    out.append("{i:(resource.int64Amount){value:(int64)0 scale:(resource.Scale)0} "
               f"d:(resource.infDecAmount){{Dec:(*inf.Dec){{unscaled:(big.Int){{neg:(bool){neg} "
               f"abs:(big.nat){nat}}} scale:(inf.Scale){q._sc}}}}} s:(string){s} Format:(resource.Format){fmt}}}")
