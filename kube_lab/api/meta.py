"""Object metadata helpers: copying wire-format objects, timestamps, keys and owner references.

Stored objects are immutable once written (see DESIGN.md §3): code that wants to change one takes
a :func:`deep_copy` first.  :func:`deep_copy` only knows JSON types, which is all an object holds,
and is several times faster than :func:`copy.deepcopy`.
"""
from __future__ import annotations

import calendar
import marshal
import time as _time
from typing import Any

_dumps, _loads = marshal.dumps, marshal.loads

# The instant virtual time 0 maps to (creationTimestamps are this + cluster.now).
DEFAULT_EPOCH = calendar.timegm((2025, 1, 1, 0, 0, 0, 0, 0, 0))


class IdentityCache:
    """Values derived from stored objects, kept per object *identity*: stored objects are never
    changed in place, so a hit is always current (the entry keeps its object alive, so its id
    cannot be reused).  Emptied when it holds more than ``limit`` entries."""

    __slots__ = ("limit", "_entries")

    def __init__(self, limit: int):
        self.limit = limit
        self._entries: dict[int, tuple[Any, Any]] = {}

    def get(self, obj: Any, compute) -> Any:
        """``compute(obj)``, computed once per object."""
        hit = self._entries.get(id(obj))
        if hit is not None and hit[0] is obj:
            return hit[1]
        value = compute(obj)
        if len(self._entries) > self.limit:
            self._entries.clear()
        self._entries[id(obj)] = (obj, value)
        return value


def deep_copy(obj: Any) -> Any:
    """A copy of a JSON-shaped value (dicts, lists, scalars).

    ``marshal`` round-trips exactly these types in C, about twice as fast as a Python walk; a
    value holding anything else (a YAML date, a subclass) takes the walk instead."""
    try:
        return _loads(_dumps(obj))
    except ValueError:
        return _walk_copy(obj)


def _walk_copy(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: (_walk_copy(v) if isinstance(v, (dict, list)) else v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_walk_copy(v) if isinstance(v, (dict, list)) else v for v in obj]
    return obj


_last_stamp: list = [None, ""]


def rfc3339(epoch: float, seconds: float) -> str:
    """``metav1.Time`` as serialised: whole seconds, UTC, ``2025-01-01T00:00:00Z``."""
    whole = int(epoch + seconds)
    if _last_stamp[0] != whole:  # many writes share one virtual second: format it once
        _last_stamp[0] = whole
        _last_stamp[1] = _time.strftime("%Y-%m-%dT%H:%M:%SZ", _time.gmtime(whole))
    return _last_stamp[1]


def rfc3339_micro(epoch: float, seconds: float) -> str:
    """``metav1.MicroTime`` as serialised: ``2025-01-01T00:00:00.000000Z``."""
    whole = int(epoch + seconds)
    micros = int(round((epoch + seconds - whole) * 1_000_000))
    if micros >= 1_000_000:
        whole, micros = whole + 1, micros - 1_000_000
    return _time.strftime("%Y-%m-%dT%H:%M:%S", _time.gmtime(whole)) + f".{micros:06d}Z"


def rfc3339_nano(seconds: float) -> str:
    """``time.Time`` printed with nanoseconds (``RFC3339NanoFixed``): ``2025-01-01T00:00:00.000000000Z``."""
    whole = int(seconds)
    nanos = int(round((seconds - whole) * 1e9))
    if nanos >= 1_000_000_000:
        whole, nanos = whole + 1, nanos - 1_000_000_000
    return _time.strftime("%Y-%m-%dT%H:%M:%S", _time.gmtime(whole)) + f".{nanos:09d}Z"


def parse_rfc3339(text: str) -> float:
    """Seconds since the Unix epoch for an RFC 3339 UTC timestamp (``Z`` suffix)."""
    base, _, frac = text.rstrip("Z").partition(".")
    secs = calendar.timegm(_time.strptime(base, "%Y-%m-%dT%H:%M:%S"))
    return secs + (float("0." + frac) if frac else 0.0)


def name_of(obj: dict) -> str:
    return obj.get("metadata", {}).get("name", "")


def namespace_of(obj: dict) -> str:
    return obj.get("metadata", {}).get("namespace", "")


def key_of(obj: dict) -> str:
    """The informer key ``namespace/name`` (or ``name`` for cluster-scoped objects)."""
    md = obj.get("metadata", {})
    ns = md.get("namespace")
    return f"{ns}/{md.get('name', '')}" if ns else md.get("name", "")


def split_key(key: str) -> tuple[str, str]:
    ns, _, name = key.rpartition("/")
    return ns, name


def controller_ref(obj: dict) -> dict | None:
    """The ownerReference with ``controller: true``, if any (``metav1.GetControllerOf``)."""
    for ref in obj.get("metadata", {}).get("ownerReferences") or ():
        if ref.get("controller"):
            return ref
    return None


def new_controller_ref(owner: dict) -> dict:
    """``metav1.NewControllerRef``: an ownerReference with controller and blockOwnerDeletion set."""
    md = owner["metadata"]
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": md["name"],
        "uid": md["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def labels_of(obj: dict) -> dict:
    return obj.get("metadata", {}).get("labels") or {}
