"""Watch fan-out, modelled on kube-apiserver's watch cache (the ``Cacher``).

The API server keeps **one** etcd watch per resource and dispatches each change to its own
watchers after filtering by namespace, label selector and field selector, as upstream does.  A
change that makes an object stop matching a watcher's filter reaches it as ``DELETED``; one that
makes it start matching arrives as ``ADDED``.

Events are delivered asynchronously through the event loop (all of a watcher's pending events in
one go), never inside the write that caused them — so a component reacting to an event always
sees the write complete, as over a real network.
"""
from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Callable

from ..etcd import DELETE, WatchEvent

if TYPE_CHECKING:  # pragma: no cover
    from ...sim import Loop

Matcher = Callable[[dict], bool]
Handler = Callable[[str, dict], None]


class Watch:
    """One client's watch.  ``handler(event_type, obj)`` receives ADDED / MODIFIED / DELETED
    (and ERROR with a Status object if the watch is ended by the server)."""

    __slots__ = ("hub", "namespace", "matcher", "handler", "component", "buffer", "_scheduled",
                 "stopped", "loop", "delivered")

    def __init__(self, hub: "WatchHub", namespace: str, matcher: Matcher | None, handler: Handler,
                 component: str):
        self.hub = hub
        self.loop = hub.loop
        self.namespace = namespace
        self.matcher = matcher
        self.handler = handler
        self.component = component
        self.buffer: deque[tuple[str, dict]] = deque()
        self._scheduled = False
        self.stopped = False
        self.delivered = 0

    def push(self, event_type: str, obj: dict) -> None:
        self.buffer.append((event_type, obj))
        if not self._scheduled:
            self._scheduled = True
            self.loop.call_soon(self._deliver)

    def _deliver(self) -> None:
        self._scheduled = False
        buf = self.buffer
        handler = self.handler
        while buf and not self.stopped:
            event_type, obj = buf.popleft()
            self.delivered += 1
            handler(event_type, obj)

    def stop(self) -> None:
        """Stop receiving events (``watch.Interface.Stop``)."""
        if not self.stopped:
            self.stopped = True
            self.buffer.clear()
            self.hub.remove(self)


class WatchHub:
    """All watchers of one resource, fed by one etcd watch."""

    def __init__(self, loop: "Loop", resource: str, prefix: str, decorate: Callable[[dict], dict] | None = None):
        self.loop = loop
        self.resource = resource
        self.prefix = prefix
        self.watchers: list[Watch] = []
        # namespace → watchers restricted to it, "" → watchers of all namespaces
        self._by_ns: dict[str, list[Watch]] = {}
        self.etcd_watcher = None

    def add(self, w: Watch) -> None:
        self.watchers.append(w)
        self._by_ns.setdefault(w.namespace, []).append(w)

    def remove(self, w: Watch) -> None:
        if w in self.watchers:
            self.watchers.remove(w)
            self._by_ns[w.namespace].remove(w)

    def dispatch(self, ev: WatchEvent) -> None:
        """Called by etcd for every change under this resource's prefix."""
        if ev.type == DELETE:
            # the deleted object carries the deletion's revision as its resourceVersion (etcd3 store)
            prev = ev.prev.value
            obj = {**prev, "metadata": {**prev["metadata"], "resourceVersion": str(ev.kv.mod_revision)}}
            new = None
            old = obj
        else:
            new = ev.kv.value
            old = ev.prev.value if ev.prev is not None else None
            obj = new
        ns = obj["metadata"].get("namespace", "")
        targets = self._by_ns.get("")
        if ns:
            scoped = self._by_ns.get(ns)
            if scoped:
                targets = (targets or []) + scoped
        if not targets:
            return
        for w in targets:
            m = w.matcher
            if m is None:
                if new is None:
                    w.push("DELETED", old)
                elif old is None:
                    w.push("ADDED", new)
                else:
                    w.push("MODIFIED", new)
                continue
            new_ok = new is not None and m(new)
            old_ok = old is not None and m(old)
            if new_ok and old_ok:
                w.push("MODIFIED", new)
            elif new_ok:
                w.push("ADDED", new)
            elif old_ok:
                # stopped matching (or was deleted): the watcher sees it go away
                w.push("DELETED", new if new is not None else old)
