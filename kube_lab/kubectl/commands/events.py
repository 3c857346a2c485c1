"""``kubectl events`` (k8s.io/kubectl/pkg/cmd/events): the namespace's Events (``-A``: all),
oldest first, as ``LAST SEEN  TYPE  REASON  OBJECT  MESSAGE`` (``(x3 over 5m)`` for repeated
ones), filtered by ``--for TYPE/NAME`` and ``--types``; ``-o`` prints the EventList; ``-w`` follows
new events in virtual time (bounded as ``get -w``).
"""
from __future__ import annotations

from ...api.meta import deep_copy, parse_rfc3339
from ...controlplane.apiserver.tables import human_duration
from ..parser import Command, CommandError, Flag
from ..printers import GENERIC_FORMATS, printer_for
from ..printers.tabwriter import TabWriter
from . import output_flags
from .watch import DEFAULT_WATCH_LIMIT, pump, request_timeout


def command() -> Command:
    return Command("events", short="List events", run=run,
                   usage="kubectl events [(-o|--output=)json|yaml|name|go-template|go-template-file|template|"
                         "templatefile|jsonpath|jsonpath-as-json|jsonpath-file] [--for TYPE/NAME] [--watch] "
                         "[--types=Normal,Warning]",
                   flags=[Flag("watch", "w", "bool"), Flag("all-namespaces", "A", "bool"), Flag("for"),
                          Flag("types", type="stringSlice"), Flag("no-headers", type="bool"),
                          Flag("chunk-size", type="int64", default=500), *output_flags()])


def _escape(s: str) -> str:
    return (s or "").replace("\x1b", "^[").replace("\r", "\\r")


def _ts(v) -> float | None:
    if not v:
        return None
    try:
        return parse_rfc3339(v)
    except (ValueError, TypeError):
        return None


def event_time(e: dict) -> float:
    series = e.get("series") or None
    if series and _ts(series.get("lastObservedTime")) is not None:
        return _ts(series.get("lastObservedTime"))
    t = _ts(e.get("lastTimestamp"))
    if t is not None:
        return t
    return _ts(e.get("eventTime")) or 0.0


def _since(ts: float | None, now: float) -> str:
    if ts is None:
        return "<unknown>"
    return human_duration(now - ts)


def interval(e: dict, now: float) -> str:
    first = _since(_ts(e.get("eventTime")), now) if e.get("eventTime") else _since(_ts(e.get("firstTimestamp")), now)
    series = e.get("series") or None
    if series:
        return f"{_since(_ts(series.get('lastObservedTime')), now)} (x{series.get('count', 0)} over {first})"
    if (e.get("count") or 0) > 1:
        return f"{_since(_ts(e.get('lastTimestamp')), now)} (x{e['count']} over {first})"
    return first


def run(inv) -> int:
    types = inv.flag("types") or []
    for t in types:
        if t.lower() not in ("normal", "warning"):
            raise CommandError("error: valid --types are Normal or Warning")
    types = sorted(set(types))
    field_selector = None
    if inv.flag("for"):
        spec = inv.flag("for")
        if "/" not in spec:
            raise CommandError("error: --for must be in resource/name form")
        parts = spec.split("/")
        if len(parts) != 2:
            raise CommandError("error: arguments in resource/name form may not have more than one slash")
        info = inv.registry.resolve(parts[0].lower())
        if info is None:
            raise CommandError(f'error: the server doesn\'t have a resource type "{parts[0].lower()}"')
        api_version = f"{info.group}/{info.version}" if info.group else info.version
        field_selector = (f"involvedObject.kind={info.kind},involvedObject.apiVersion={api_version},"
                          f"involvedObject.name={parts[1]}")
    all_ns = bool(inv.flag("all-namespaces"))
    namespace = None if all_ns else inv.namespace

    def wanted(e: dict) -> bool:
        return not types or any(t.lower() == (e.get("type") or "").lower() for t in types)

    output = inv.flag("output") or ""
    printer = printer_for(output, inv.flag("template") or "", allowed=GENERIC_FORMATS) if output else None
    state = {"headers": False}
    lines: list[str] = []
    tw = TabWriter(lines)

    def print_events(events: list[dict]) -> None:
        now = inv.now()
        if printer is not None:
            for e in events:
                printer.print_obj(deep_copy(e), inv.out)
            return
        if not inv.flag("no-headers") and not state["headers"]:
            tw.write(("NAMESPACE\t" if all_ns else "") + "LAST SEEN\tTYPE\tREASON\tOBJECT\tMESSAGE\n")
            state["headers"] = True
        for e in events:
            obj = e.get("involvedObject") or {}
            tw.write(("" if not all_ns else f"{(e.get('metadata') or {}).get('namespace', '')}\t") +
                     f"{interval(e, now)}\t{_escape(e.get('type', ''))}\t{_escape(e.get('reason', ''))}\t"
                     f"{_escape(obj.get('kind', ''))}/{_escape(obj.get('name', ''))}\t"
                     f"{_escape((e.get('message') or '').strip())}\n")
        tw.flush()
        inv.out("".join(lines))
        lines.clear()

    if inv.flag("watch"):
        received: list[dict] = []

        def handler(t: str, obj: dict) -> None:
            if t != "DELETED" and wanted(obj):
                received.append(obj)
        w = inv.client.watch("events", handler, namespace, field_selector=field_selector)

        def drain() -> bool:
            if received:
                batch = list(received)
                received.clear()
                for e in batch:
                    print_events([e])
            return False
        try:
            pump(inv, drain, request_timeout(inv, DEFAULT_WATCH_LIMIT))
            drain()
        finally:
            w.stop()
        return 0
    items = inv.client.list("events", namespace, field_selector=field_selector)["items"]
    items = [e for e in items if wanted(e)]
    if not items:
        if all_ns:
            inv.eprintln("No events found.")
        else:
            inv.eprintln(f"No events found in {inv.namespace} namespace.")
        return 0
    from ..gosort import go_sort

    items = go_sort(items, lambda a, b: event_time(a) < event_time(b))
    if printer is not None:
        printer.print_obj({"kind": "EventList", "apiVersion": "v1", "metadata": {},
                           "items": [deep_copy(e) for e in items]}, inv.out)
        return 0
    print_events(items)
    return 0
