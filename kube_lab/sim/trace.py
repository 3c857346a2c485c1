"""The request trace: one record per API request, in the order the API server handled it.

Diagrams and animations are drawn from this trace, so the pictures show what the simulated
components really did (who asked, which verb, which object, which resourceVersion resulted).
"""
from __future__ import annotations

from typing import Iterator, NamedTuple


class TraceRecord(NamedTuple):
    seq: int
    time: float
    component: str
    verb: str
    resource: str
    namespace: str
    name: str
    resource_version: str
    code: int
    subresource: str = ""


class Trace:
    """An append-only log of API requests.  ``limit`` bounds memory for very large runs (the
    oldest records are dropped); ``enabled=False`` records nothing."""

    def __init__(self, enabled: bool = True, limit: int | None = None) -> None:
        self.enabled = enabled
        self.limit = limit
        self.records: list[TraceRecord] = []
        self._seq = 0
        self.dropped = 0

    def record(self, time: float, component: str, verb: str, resource: str, namespace: str,
               name: str, resource_version: str = "", code: int = 200, subresource: str = "") -> None:
        if not self.enabled:
            return
        self._seq += 1
        self.records.append(TraceRecord(self._seq, time, component, verb, resource, namespace or "",
                                        name or "", resource_version, code, subresource))
        if self.limit is not None and len(self.records) > self.limit:
            cut = len(self.records) - self.limit
            del self.records[:cut]
            self.dropped += cut

    def __iter__(self) -> Iterator[TraceRecord]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def since(self, seq: int) -> list[TraceRecord]:
        """Records after sequence number ``seq`` (use ``trace.mark()`` to take one)."""
        return [r for r in self.records if r.seq > seq]

    def mark(self) -> int:
        return self._seq

    def select(self, *, component: str | None = None, verb: str | None = None,
               resource: str | None = None, name: str | None = None) -> list[TraceRecord]:
        out = []
        for r in self.records:
            if ((component is None or r.component == component) and (verb is None or r.verb == verb)
                    and (resource is None or r.resource == resource) and (name is None or r.name == name)):
                out.append(r)
        return out
