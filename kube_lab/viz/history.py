"""Object histories: every version of a pod, read back from etcd's MVCC history.

etcd keeps each revision of every key until compaction (kube-apiserver compacts every 5 minutes),
so a pod's whole life — Pending, ContainerCreating, Running, Terminating, gone — can be replayed
after the fact.  A revision's virtual time comes from the trace record whose resourceVersion it is.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..api.selectors import parse as parse_selector
from ..controlplane.etcd import DELETE
from .state import pod_view

if TYPE_CHECKING:  # pragma: no cover
    from ..cluster import Cluster


@dataclass(frozen=True)
class Span:
    """One bar of a timeline: ``row`` was in ``state`` from ``start`` to ``end`` (``None``: still
    is).  ``note`` is shown on hover-free media as the bar's text when it fits."""
    row: str
    start: float
    end: float | None
    state: str
    note: str = ""


class RevisionClock:
    """Maps an etcd revision to the virtual time it was written, from the trace."""

    def __init__(self, cluster: "Cluster"):
        pairs = []
        for r in cluster.trace:
            rv = r.resource_version
            if rv and rv.isdigit() and r.verb in ("create", "update", "patch", "delete", "deletecollection"):
                pairs.append((int(rv), r.time))
        pairs.sort()
        self._revs = [p[0] for p in pairs]
        self._times = [p[1] for p in pairs]
        self._now = cluster.now

    def time(self, revision: int) -> float:
        i = bisect.bisect_right(self._revs, revision) - 1
        if i < 0:
            return 0.0
        return self._times[i]


def pod_spans(cluster: "Cluster", namespace: str = "default", selector: str | None = None,
              since: float = 0.0) -> list[Span]:
    """Each pod's STATUS over time (``kubectl get pods -w`` as bars): one span per stretch of the
    same STATUS, from etcd's retained history.  Pods are rows named ``pod-name``; rows are ordered
    by when the pod was created.  ``selector`` is a label selector (``"app=web"``)."""
    etcd = cluster.etcd
    match = parse_selector(selector).matches if selector else None
    clock = RevisionClock(cluster)
    prefix = f"/registry/pods/{namespace}/" if namespace else "/registry/pods/"
    states: dict[str, list[tuple[float, str | None, str]]] = {}    # key → [(time, status|None, node)]
    first_seen: dict[str, float] = {}
    matched: set[str] = set()
    for ev in etcd.history(prefix, max(etcd.compact_revision, 1)):
        key = ev.kv.key
        t = clock.time(ev.kv.mod_revision)
        if ev.type == DELETE:
            if key in states:
                states[key].append((t, None, ""))
            continue
        pod = ev.kv.value
        if match is not None and match((pod["metadata"].get("labels") or {})):
            matched.add(key)
        v = pod_view(pod)
        first_seen.setdefault(key, t)
        states.setdefault(key, []).append((t, v.status, v.node))
    # pods created before history was retained: start from their current state
    for kv in etcd.range(prefix):
        if kv.key not in states:
            v = pod_view(kv.value)
            if match is not None and match((kv.value["metadata"].get("labels") or {})):
                matched.add(kv.key)
            states[kv.key] = [(0.0, v.status, v.node)]
            first_seen[kv.key] = 0.0
    spans: list[Span] = []
    for key in sorted(states, key=lambda k: (first_seen[k], k)):
        if match is not None and key not in matched:
            continue
        row = key.rsplit("/", 1)[1]
        seq = states[key]
        cur: tuple[float, str, str] | None = None
        for t, status, node in seq:
            if cur is not None and (status is None or status != cur[1]):
                if t > since or cur[0] >= since:
                    spans.append(Span(row, max(cur[0], since), t, cur[1], cur[2]))
                cur = None
            if status is not None and cur is None:
                cur = (t, status, node)
            elif status is not None and cur is not None and node and not cur[2]:
                cur = (cur[0], cur[1], node)
        if cur is not None:
            spans.append(Span(row, max(cur[0], since), None, cur[1], cur[2]))
    return spans
