"""``k8s.io/client-go/util/flowcontrol.Backoff`` and Go's duration printing.

The kubelet keeps two of these: one for restarting crashed containers and one for image pulls,
both starting at 10 s and doubling to 300 s (``backOffPeriod`` / ``MaxContainerBackOff`` in
``pkg/kubelet/kubelet.go``).  An entry that has not been touched for twice the maximum (10
minutes) is forgotten, so a container that ran fine for ten minutes starts again from 10 s.
"""
from __future__ import annotations

from ..sim import Loop

BASE = 10.0
MAX = 300.0


class Backoff:
    def __init__(self, loop: Loop, initial: float = BASE, maximum: float = MAX):
        self.loop = loop
        self.initial = initial
        self.maximum = maximum
        self.entries: dict[str, tuple[float, float]] = {}     # id → (backoff, last update)

    def _expired(self, event_time: float, last_update: float) -> bool:
        return event_time - last_update > self.maximum * 2

    def get(self, key: str) -> float:
        entry = self.entries.get(key)
        return entry[0] if entry else 0.0

    def next(self, key: str, event_time: float) -> None:
        """``Next``: start at the initial delay, or double up to the maximum."""
        entry = self.entries.get(key)
        if entry is None or self._expired(event_time, entry[1]):
            delay = self.initial
        else:
            delay = min(entry[0] * 2, self.maximum)
        self.entries[key] = (delay, self.loop.now)

    def in_backoff_since(self, key: str, event_time: float) -> bool:
        """``IsInBackOffSince``: still within the delay counted from ``event_time``."""
        entry = self.entries.get(key)
        if entry is None or self._expired(event_time, entry[1]):
            return False
        return self.loop.now - event_time < entry[0]

    def in_backoff_since_update(self, key: str, event_time: float) -> bool:
        """``IsInBackOffSinceUpdate``: still within the delay counted from the last failure."""
        entry = self.entries.get(key)
        if entry is None or self._expired(event_time, entry[1]):
            return False
        return event_time - entry[1] < entry[0]

    def remaining(self, key: str) -> float:
        """Seconds until the current delay (counted from the last update) is over."""
        entry = self.entries.get(key)
        if entry is None:
            return 0.0
        return max(0.0, entry[1] + entry[0] - self.loop.now)

    def gc(self) -> None:
        now = self.loop.now
        for key in [k for k, (_, last) in self.entries.items() if self._expired(now, last)]:
            del self.entries[key]

    def reset(self, key: str) -> None:
        self.entries.pop(key, None)


def go_duration(seconds: float) -> str:
    """Go's ``time.Duration.String()``: ``10s``, ``1m20s``, ``5m0s``, ``1.234s``, ``512ms``."""
    nanos = int(round(seconds * 1e9))
    if nanos == 0:
        return "0s"
    sign = "-" if nanos < 0 else ""
    nanos = abs(nanos)
    if nanos < 1_000_000_000:
        if nanos < 1_000:
            return f"{sign}{nanos}ns"
        if nanos < 1_000_000:
            return f"{sign}{_trim(nanos / 1_000)}µs"
        return f"{sign}{_trim(nanos / 1_000_000)}ms"
    hours, rem = divmod(nanos, 3_600_000_000_000)
    minutes, rem = divmod(rem, 60_000_000_000)
    secs = rem / 1e9
    out = sign
    if hours:
        out += f"{hours}h"
    if hours or minutes:
        out += f"{minutes}m"
    out += f"{_trim(secs)}s"
    return out


def _trim(x: float) -> str:
    text = f"{x:.9f}".rstrip("0").rstrip(".")
    return text or "0"
