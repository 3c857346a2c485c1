"""Watching in virtual time: ``kubectl get -w`` (the ``watch`` path of k8s.io/kubectl/pkg/cmd/get/
get.go) and the stepping helper the waiting commands share (``rollout status``, ``wait``).

kubectl blocks on a watch until the user presses Ctrl-C.  kube-lab cannot block a notebook, so a
watch here advances the cluster's virtual clock event by event, prints what kubectl would print as
each watch event arrives, and stops when the cluster settles (no component has work pending) or
after ``--request-timeout`` of virtual time (60 s when not given) — whichever comes first.

As upstream: the current objects are printed first (a single object's watch skips its first,
synthetic event), then one row per ADDED/MODIFIED/DELETED event; the header is printed once and
the tab writer remembers column widths across flushes; ``--watch-only`` skips the initial list;
``--output-watch-events`` adds an ``EVENT`` column (or wraps objects in ``WatchEvent``).
"""
from __future__ import annotations

from typing import Any, Callable

from ...api.meta import deep_copy
from ...controlplane.apiserver.tables import convert_to_table
from ..parser import CommandError, parse_go_duration
from ..printers import GET_FORMATS, printer_for
from ..printers.table import HumanReadablePrinter, TableOptions
from ..printers.tabwriter import TabWriter
from ..resources import kind_group, strip_managed_fields

DEFAULT_WATCH_LIMIT = 60.0


def pump(inv, until: Callable[[], bool], limit: float, *, stop_when_idle: bool = True) -> str:
    """Run the cluster's loop one event at a time until ``until()`` holds (``"done"``), no
    component has work pending (``"idle"``, only with ``stop_when_idle``) or ``limit`` virtual
    seconds have passed (``"timeout"``)."""
    loop = inv.loop
    deadline = loop.now + limit
    while True:
        if until():
            return "done"
        if stop_when_idle and not loop.has_work:
            return "idle"
        nxt = loop.next_time()
        if nxt is None or nxt > deadline:
            loop.run_until(deadline)
            return "done" if until() else "timeout"
        loop.step()


def request_timeout(inv, default: float) -> float:
    """``--request-timeout`` as seconds (``0`` or absent: ``default``)."""
    text = str(inv.flag("request-timeout") or "0")
    try:
        value = float(text) if text.replace(".", "", 1).isdigit() else parse_go_duration(text)
    except ValueError:
        raise CommandError("error: invalid argument for --request-timeout: timeouts must be a single integer "
                           "with an optional unit (e.g. 1s, 2m, 3h)") from None
    return value if value > 0 else default


def watch(inv, o, visits: list) -> int:
    """``kubectl get -w`` / ``--watch-only``."""
    infos = {v.info.resource for v in visits if v.kind != "error"}
    if len(infos) > 1:
        raise CommandError("error: you may only specify a single resource type")
    for v in visits:
        if v.kind == "error":
            raise v.extra["error"]
    if not visits:
        raise CommandError("error: no objects passed to watch")
    info = visits[0].info
    watch_only = bool(inv.flag("watch-only"))
    events_flag = bool(inv.flag("output-watch-events"))
    is_list = len(visits) > 1 or visits[0].kind == "list"
    objs: list[dict] = []
    list_rv = None
    for v in visits:
        if v.kind == "list":
            got = inv.client.list(v.info.resource, v.namespace, label_selector=v.label_selector or None,
                                  field_selector=v.field_selector or None)
            objs.extend(got["items"])
            list_rv = (got.get("metadata") or {}).get("resourceVersion")
        else:
            objs.append(inv.client.get(v.info.resource, v.name, v.namespace))
    if len(visits) > 1:
        raise CommandError("error: you may only watch a single resource or type of resource at a time")

    out: list[str] = []
    tw = TabWriter(out)
    human = o.human
    generic = None if human else printer_for(o.output, o.template, allowed=GET_FORMATS, no_headers=o.no_headers,
                                             allow_missing=inv.flag("allow-missing-template-keys"))
    table_printer = HumanReadablePrinter(TableOptions(
        no_headers=o.no_headers, wide=o.wide, with_namespace=o.all_namespaces and info.namespaced,
        kind=kind_group(info), show_labels=bool(inv.flag("show-labels")),
        label_columns=list(inv.flag("label-columns") or [])))

    def flush() -> None:
        tw.flush()
        text = "".join(out)
        out.clear()
        inv.out(text)

    def emit(event_type: str, obj: dict, flush_now: bool = True) -> None:
        obj = deep_copy(obj)
        if not o.show_managed:
            obj = strip_managed_fields(obj)
        if human:
            table = convert_to_table(info.resource, [obj], inv.now(), include_object="Metadata")
            if events_flag:
                table = {**table, "columnDefinitions": [{"name": "Event", "type": "string", "format": "",
                                                         "description": "", "priority": 0},
                                                        *table["columnDefinitions"]],
                         "rows": [{**r, "cells": [event_type, *r["cells"]]} for r in table["rows"]]}
            for line in table_printer.lines(table):
                tw.write(line)
            if flush_now:
                flush()
        else:
            printed: Any = obj
            if events_flag:
                printed = {"type": event_type, "object": obj}
            generic.print_obj(printed, inv.out)

    output_objects = not watch_only
    if output_objects:
        for obj in objs:
            emit("ADDED", obj, flush_now=False)
        flush()
    output_objects = is_list

    v = visits[0]
    received: list[tuple[str, dict]] = []

    def handler(event_type: str, obj: dict) -> None:
        if event_type in ("ADDED", "MODIFIED", "DELETED"):
            received.append((event_type, obj))

    if is_list:
        w = inv.client.watch(info.resource, handler, v.namespace, label_selector=v.label_selector or None,
                             field_selector=v.field_selector or None, resource_version=list_rv)
    else:
        w = inv.client.watch(info.resource, handler, v.namespace, field_selector=f"metadata.name={v.name}")
    limit = request_timeout(inv, DEFAULT_WATCH_LIMIT)
    skip_first = not output_objects

    def drain() -> bool:
        nonlocal skip_first
        while received:
            event_type, obj = received.pop(0)
            if skip_first:
                skip_first = False
                continue
            emit(event_type, obj)
        return False

    try:
        pump(inv, drain, limit)
        drain()
    finally:
        w.stop()
    return 0
