"""Recording Events, after client-go's ``tools/record`` (EventRecorder + EventCorrelator).

``recorder.event(obj, "Normal", "Scheduled", "Successfully assigned …")`` writes a core/v1 Event
about ``obj``.  Repeats of the same event (same source, object, type, reason and message) are not
written again: the existing Event's ``count`` goes up and ``lastTimestamp`` moves, as the
correlator does — that is the "x5 over 2m" in ``kubectl describe``.

Event names are ``<object name>.<hex nanoseconds>`` as upstream makes them, from virtual time.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..api import errors
from ..api.meta import rfc3339

if TYPE_CHECKING:  # pragma: no cover
    from .client import Client


class EventRecorder:
    def __init__(self, client: "Client", component: str, host: str = ""):
        self.client = client
        self.component = component
        self.host = host
        self._seen: dict[tuple, tuple[str, str, int]] = {}   # correlation key → (namespace, name, count)
        self._last_nanos = 0

    def _name(self, obj_name: str) -> str:
        api = self.client.apiserver
        nanos = int(round((api.epoch + self.client.loop.now) * 1e9))
        if nanos <= self._last_nanos:
            nanos = self._last_nanos + 1  # two events in one virtual instant still get distinct names
        self._last_nanos = nanos
        return f"{obj_name}.{nanos:x}"

    def event(self, obj: dict, type: str, reason: str, message: str, field_path: str = "") -> dict | None:
        md = obj.get("metadata") or {}
        ref = {
            "kind": obj.get("kind", ""),
            "namespace": md.get("namespace", ""),
            "name": md.get("name", ""),
            "uid": md.get("uid", ""),
            "apiVersion": obj.get("apiVersion", ""),
            "resourceVersion": md.get("resourceVersion", ""),
        }
        if field_path:
            ref["fieldPath"] = field_path
        if not ref["namespace"]:
            del ref["namespace"]
        namespace = md.get("namespace") or "default"
        api = self.client.apiserver
        now = rfc3339(api.epoch, self.client.loop.now)
        key = (ref["kind"], namespace, ref["name"], ref["uid"], ref["apiVersion"], field_path, type, reason, message)
        seen = self._seen.get(key)
        if seen is not None:
            ns, name, count = seen
            try:
                out = self.client.patch("events", name, {"count": count + 1, "lastTimestamp": now},
                                        "application/strategic-merge-patch+json", ns)
                self._seen[key] = (ns, name, count + 1)
                return out
            except errors.StatusError:
                self._seen.pop(key, None)  # expired or deleted: write a new one
        source = {"component": self.component}
        if self.host:
            source["host"] = self.host
        ev = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": self._name(ref["name"]), "namespace": namespace},
            "involvedObject": ref,
            "reason": reason,
            "message": message,
            "source": source,
            "firstTimestamp": now,
            "lastTimestamp": now,
            "count": 1,
            "type": type,
            "eventTime": None,
            "reportingComponent": self.component,
            "reportingInstance": self.host,
        }
        for _ in range(8):
            try:
                out = self.client.create("events", ev, namespace)
                break
            except errors.StatusError as e:
                if e.reason != "AlreadyExists":
                    return None  # events are best effort: a namespace being deleted refuses them
                # another component wrote an event about the same object in the same virtual
                # nanosecond (real clocks never tie): the name takes the next nanosecond
                ev["metadata"]["name"] = self._name(ref["name"])
        else:
            return None
        self._seen[key] = (namespace, out["metadata"]["name"], 1)
        return out
