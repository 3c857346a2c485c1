"""Recording Events, after client-go's ``tools/record`` (EventRecorder + EventCorrelator).

``recorder.event(obj, "Normal", "Scheduled", "Successfully assigned …")`` writes a core/v1 Event
about ``obj``.  Before it is written the event passes the correlator, as in client-go:

* **de-duplication** — a repeat of the same event (same source, object, field path, type, reason
  and message) is not written again: the existing Event's ``count`` goes up and
  ``lastTimestamp`` moves (a strategic merge patch) — the "x5 over 2m" in ``kubectl describe``;
* **aggregation** — when one source reports an object with one type and reason but ten
  different messages within ten minutes, further ones are written as a single
  ``(combined from similar events): …`` Event whose count goes up instead;
* **spam filter** — a source may record 25 events about one object, then one every five
  minutes (a token bucket per source and object; each count increase uses a token).  The
  count is kept even for the events the filter drops, so the next one written jumps.

Event names are ``<object name>.<hex nanoseconds>`` as upstream makes them, from virtual time.
The correlator's caches are least-recently-used with upstream's 4,096 entries each.  One
deliberate difference: when the aggregator has seen its tenth message it forgets one of them;
Go forgets an arbitrary one (map order), this forgets the oldest, so runs stay reproducible.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from ..api import errors
from ..api.meta import rfc3339

if TYPE_CHECKING:  # pragma: no cover
    from .client import Client

#: client-go's EventCorrelator defaults (tools/record/events_cache.go)
LRU_ENTRIES = 4096
AGGREGATE_MAX_EVENTS = 10
AGGREGATE_INTERVAL = 600.0
SPAM_BURST = 25
SPAM_QPS = 1.0 / 300.0
COMBINED_PREFIX = "(combined from similar events): "


class _LRU(OrderedDict):
    """groupcache's lru.Cache: a bounded map that forgets its least recently used entry."""

    def __init__(self, size: int = LRU_ENTRIES):
        super().__init__()
        self.size = size

    def lookup(self, key) -> Any:
        value = self.get(key)
        if value is not None:
            self.move_to_end(key)
        return value

    def add(self, key, value) -> None:
        self[key] = value
        self.move_to_end(key)
        if len(self) > self.size:
            self.popitem(last=False)


class _TokenBucket:
    """golang.org/x/time/rate's limiter as flowcontrol's passive token bucket uses it: starts
    full, refills ``qps`` tokens a second up to ``burst``; :meth:`try_accept` takes one."""

    __slots__ = ("qps", "burst", "tokens", "last")

    def __init__(self, qps: float, burst: int, now: float):
        self.qps, self.burst, self.tokens, self.last = qps, burst, float(burst), now

    def try_accept(self, now: float) -> bool:
        if now > self.last:
            self.tokens = min(float(self.burst), self.tokens + (now - self.last) * self.qps)
            self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class _Aggregate:
    """What the aggregator remembers of one source/object/type/reason: the distinct messages
    (in the order first seen) and when the last of them came."""

    __slots__ = ("messages", "last")

    def __init__(self, now: float):
        self.messages: dict[str, None] = {}
        self.last = now


class EventRecorder:
    """One component's core/v1 event recorder and its correlator (kube-scheduler records through
    events.k8s.io instead: :class:`SeriesEventRecorder`)."""

    def __init__(self, client: "Client", component: str, host: str = ""):
        self.client = client
        self.component = component
        self.host = host
        self._aggregates = _LRU()       # aggregate key → _Aggregate
        self._observed = _LRU()         # event key → (count, firstTimestamp, name, namespace)
        self._spam = _LRU()             # source + object → _TokenBucket
        self._last_nanos = 0

    def _nanos(self) -> int:
        api = self.client.apiserver
        nanos = int(round((api.epoch + self.client.loop.now) * 1e9))
        if nanos <= self._last_nanos:
            nanos = self._last_nanos + 1  # two events in one virtual instant still get distinct names
        self._last_nanos = nanos
        return nanos

    def _name(self, obj_name: str) -> str:
        return f"{obj_name}.{self._nanos():x}"

    def event(self, obj: dict, type: str, reason: str, message: str, field_path: str = "") -> dict | None:
        """Record an event about ``obj``; returns the Event as written, or None when the
        correlator dropped it or the API server refused it (events are best effort)."""
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
        now = self.client.loop.now
        stamp = rfc3339(api.epoch, now)
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
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
            "type": type,
            "eventTime": None,
            "reportingComponent": self.component,
            "reportingInstance": self.host,
        }
        obj_key = (self.component, self.host, ref["kind"], namespace, ref["name"], ref["uid"], ref["apiVersion"])
        key = ("event",) + obj_key + (field_path, type, reason, message)
        key, ev = self._aggregate(ev, obj_key, key, now)
        seen = self._observed.lookup(key)
        if seen is not None:                          # a repeat: count it on the Event written before
            count, first, name, ns = seen
            ev["metadata"] = {"name": name, "namespace": ns}
            ev["firstTimestamp"] = first
            ev["count"] = count + 1
        self._observed.add(key, (ev["count"], ev["firstTimestamp"], ev["metadata"]["name"], namespace))
        if not self._accept(obj_key, now):
            return None                               # the spam filter drops it (the count stays)
        return self._write(ev, namespace)

    def _aggregate(self, ev: dict, obj_key: tuple, key: tuple, now: float) -> tuple[tuple, dict]:
        """EventAggregate: the tenth distinct message for one source/object/type/reason within
        ten minutes turns the event into the ``(combined from similar events)`` one."""
        agg_key = obj_key + (ev["type"], ev["reason"], ev["reportingComponent"], ev["reportingInstance"])
        record = self._aggregates.lookup(agg_key)
        if record is None or now - record.last > AGGREGATE_INTERVAL:
            record = _Aggregate(now)
        record.messages.setdefault(ev["message"], None)
        record.last = now
        self._aggregates.add(agg_key, record)
        if len(record.messages) < AGGREGATE_MAX_EVENTS:
            return key, ev
        del record.messages[next(iter(record.messages))]    # keep the set below the limit
        combined = {k: ev[k] for k in ("apiVersion", "kind", "metadata", "involvedObject", "reason")}
        combined.update(message=COMBINED_PREFIX + ev["message"], source=ev["source"],
                        firstTimestamp=ev["firstTimestamp"], lastTimestamp=ev["lastTimestamp"], count=1,
                        type=ev["type"], eventTime=None, reportingComponent="", reportingInstance="")
        return ("aggregate",) + agg_key, combined

    def _accept(self, obj_key: tuple, now: float) -> bool:
        bucket = self._spam.lookup(obj_key)
        if bucket is None:
            bucket = _TokenBucket(SPAM_QPS, SPAM_BURST, now)
        self._spam.add(obj_key, bucket)
        return bucket.try_accept(now)

    def _write(self, ev: dict, namespace: str) -> dict | None:
        """recordToSink: a count above one patches the Event written before (and creates it
        again if it has gone, e.g. expired after an hour); otherwise create it."""
        if ev["count"] > 1:
            patch = {"count": ev["count"], "lastTimestamp": ev["lastTimestamp"], "message": ev["message"]}
            try:
                out = self.client.patch("events", ev["metadata"]["name"], patch,
                                        "application/strategic-merge-patch+json", namespace)
                self._remember(out)
                return out
            except errors.StatusError as e:
                if e.reason != "NotFound":
                    return None
        for _ in range(8):
            try:
                out = self.client.create("events", ev, namespace)
                break
            except errors.StatusError as e:
                if e.reason != "AlreadyExists" or ev["count"] > 1:
                    return None  # events are best effort: a namespace being deleted refuses them
                # another component wrote an event about the same object in the same virtual
                # nanosecond (real clocks never tie): the name takes the next nanosecond
                ev["metadata"]["name"] = self._name(ev["involvedObject"]["name"])
        else:
            return None
        self._remember(out)
        return out

    def _remember(self, out: dict) -> None:
        """UpdateState: what the server returned, under the written event's own key."""
        ref = out["involvedObject"]
        md = out["metadata"]
        key = ("event", self.component, self.host, ref.get("kind", ""), md["namespace"], ref.get("name", ""),
               ref.get("uid", ""), ref.get("apiVersion", ""), ref.get("fieldPath", ""), out.get("type", ""),
               out.get("reason", ""), out.get("message", ""))
        self._observed.add(key, (out.get("count", 1), out.get("firstTimestamp"), md["name"], md["namespace"]))


#: client-go tools/events: a series is written up when it has been quiet this long, and
#: refreshed this often while it goes on
SERIES_FINISH = 360.0
SERIES_REFRESH = 1800.0


class SeriesEventRecorder:
    """The ``events.k8s.io/v1`` recorder (client-go ``tools/events``) that kube-scheduler uses —
    Events stored as core/v1 show ``eventTime``, ``action``, ``reportingComponent`` and
    ``reportingInstance``, with ``source: {}`` and no first/last timestamps or ``count``.

    Repeats are *isomorphic* events: same regarding object, type, reason, action and reporter,
    whatever the message.  The second one patches a ``series`` (count 2) onto the first Event;
    later ones only count, in memory — the series is written again every 30 minutes while it goes
    on, and one last time once it has been quiet for 6 minutes, when it is forgotten (so is a
    single event after 6 minutes: the next one is a new Event).  The first event's message stays.
    """

    def __init__(self, client: "Client", controller: str, instance: str):
        self.client = client
        self.controller = controller
        self.instance = instance
        self._cache: dict[tuple, dict] = {}      # isomorphic key → the Event as recorded
        self._last_nanos = 0
        loop = client.loop
        loop.call_later(SERIES_FINISH, self._finish_series, background=True)
        loop.call_later(SERIES_REFRESH, self._refresh_series, background=True)

    def _now_micro(self) -> str:
        from ..api.meta import rfc3339_micro

        return rfc3339_micro(self.client.apiserver.epoch, self.client.loop.now)

    def event(self, obj: dict, type: str, reason: str, message: str, action: str) -> dict | None:
        """``Eventf(regarding=obj, related=nil, type, reason, action, note)``."""
        md = obj.get("metadata") or {}
        ref = {"kind": obj.get("kind", ""), "namespace": md.get("namespace", ""), "name": md.get("name", ""),
               "uid": md.get("uid", ""), "apiVersion": obj.get("apiVersion", ""),
               "resourceVersion": md.get("resourceVersion", "")}
        if not ref["namespace"]:
            del ref["namespace"]
        key = (type, action, reason, tuple(sorted(ref.items())))
        cached = self._cache.get(key)
        now = self._now_micro()
        if cached is not None:
            if cached.get("series"):
                cached["series"] = {"count": cached["series"]["count"] + 1, "lastObservedTime": now}
                return None
            cached["series"] = {"count": 2, "lastObservedTime": now}
            return self._write(cached)
        api = self.client.apiserver
        nanos = max(int(round((api.epoch + self.client.loop.now) * 1e9)), self._last_nanos + 1)
        self._last_nanos = nanos
        ev = {"apiVersion": "v1", "kind": "Event",
              "metadata": {"name": f"{ref['name']}.{nanos:x}", "namespace": md.get("namespace") or "default"},
              "involvedObject": ref, "reason": reason, "message": message, "source": {},
              "firstTimestamp": None, "lastTimestamp": None, "type": type, "eventTime": now,
              "action": action, "reportingComponent": self.controller, "reportingInstance": self.instance}
        self._cache[key] = ev
        return self._write(ev)

    def _write(self, ev: dict) -> dict | None:
        """``recordEvent``: a series is a strategic merge patch of ``series`` (the Event is created
        again if it has gone); a single event a create."""
        md = ev["metadata"]
        if ev.get("series"):
            try:
                return self.client.patch("events", md["name"], {"series": dict(ev["series"])},
                                         "application/strategic-merge-patch+json", md["namespace"])
            except errors.StatusError as e:
                if e.reason != "NotFound":
                    return None
        try:
            return self.client.create("events", ev, md["namespace"])     # (the API server copies it)
        except errors.StatusError:
            return None           # events are best effort

    def _finish_series(self) -> None:
        """``finishSeries``: write up the series quiet for 6 minutes and forget them, and forget
        single events older than that."""
        from ..api.meta import parse_rfc3339

        horizon = self.client.apiserver.epoch + self.client.loop.now - SERIES_FINISH
        for key, ev in list(self._cache.items()):
            series = ev.get("series")
            if series:
                if parse_rfc3339(series["lastObservedTime"]) < horizon:
                    self._write(ev)
                    del self._cache[key]
            elif parse_rfc3339(ev["eventTime"]) < horizon:
                del self._cache[key]
        self.client.loop.call_later(SERIES_FINISH, self._finish_series, background=True)

    def _refresh_series(self) -> None:
        """``refreshExistingEventSeries``: every 30 minutes, write every ongoing series."""
        for ev in list(self._cache.values()):
            if ev.get("series"):
                self._write(ev)
        self.client.loop.call_later(SERIES_REFRESH, self._refresh_series, background=True)
