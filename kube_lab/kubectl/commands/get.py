"""``kubectl get`` (k8s.io/kubectl/pkg/cmd/get/get.go).

Human-readable output asks the API server for Tables (here: :func:`convert_to_table` of
kube_lab.controlplane.apiserver.tables, exactly what the HTTP server answers for ``as=Table``)
and prints them with kubectl's table printer; ``-o yaml|json|name|jsonpath|go-template`` prints the
objects (several objects as a ``List``); ``-o custom-columns`` prints chosen fields.

``-w/--watch`` prints the current rows, then advances the cluster's virtual clock and prints a row
whenever a watched object changes, as kubectl does, until nothing more happens (the cluster
settles) or ``--request-timeout`` (a duration, default 60 s of virtual time) passes.
"""
from __future__ import annotations

from typing import Any

from ...api import errors as api_errors
from ...api.meta import deep_copy
from ...controlplane.apiserver.tables import convert_to_table
from ..parser import Command, CommandError, Flag, usage_error
from ..printers import GET_FORMATS, printer_for
from ..printers.jsonpath import JSONPath, JSONPathError, relaxed
from ..printers.table import HumanReadablePrinter, TableOptions
from ..printers.tabwriter import TabWriter
from ..resources import Builder, Visit, as_list, fetch, kind_group, list_objects, strip_managed_fields
from . import filename_flags, output_flags

DEFAULT_WATCH_LIMIT = 60.0


def command() -> Command:
    return Command(
        "get", short="Display one or many resources", run=run,
        usage="kubectl get [(-o|--output=)json|yaml|name|go-template|go-template-file|template|templatefile|"
              "jsonpath|jsonpath-as-json|jsonpath-file|custom-columns|custom-columns-file|wide] (TYPE[.VERSION]"
              "[.GROUP] [NAME | -l label] | TYPE[.VERSION][.GROUP]/NAME ...) [flags]",
        flags=[
            *output_flags(", ".join(GET_FORMATS)),
            Flag("raw"), Flag("watch", "w", "bool"), Flag("watch-only", type="bool"),
            Flag("output-watch-events", type="bool"), Flag("ignore-not-found", type="bool"),
            Flag("field-selector"), Flag("all-namespaces", "A", "bool"),
            Flag("selector", "l"), Flag("no-headers", type="bool"), Flag("show-labels", type="bool"),
            Flag("sort-by"), Flag("label-columns", "L", "stringSlice"), Flag("show-kind", type="bool"),
            Flag("server-print", type="bool", default=True), Flag("chunk-size", type="int64", default=500),
            Flag("subresource"), *filename_flags("identifying the resource to get from a server"),
        ])


class _Options:
    def __init__(self, inv):
        self.inv = inv
        self.output = inv.flag("output") or ""
        self.template = inv.flag("template") or ""
        self.all_namespaces = bool(inv.flag("all-namespaces"))
        self.no_headers = bool(inv.flag("no-headers"))
        self.sort_by = inv.flag("sort-by") or ""
        self.human = (not self.output and not self.template) or self.output == "wide"
        self.wide = self.output == "wide"
        self.ignore_not_found = bool(inv.flag("ignore-not-found"))
        self.show_managed = bool(inv.flag("show-managed-fields"))


def run(inv) -> int:
    o = _Options(inv)
    if inv.flag("raw"):
        return _raw(inv)
    if o.output and o.output.partition("=")[0] not in GET_FORMATS:
        printer_for(o.output, o.template, allowed=GET_FORMATS)
    watching = inv.flag("watch") or inv.flag("watch-only")
    if not watching and not inv.args and not inv.flag("filename") and not inv.flag("kustomize"):
        inv.eprintln('You must specify the type of resource to get. Use "kubectl api-resources" for a complete '
                     "list of supported resources.\n")
        raise usage_error("kubectl get", 'Required resource not specified.\nUse "kubectl explain <resource>" for '
                                         "a detailed description of that resource (e.g. kubectl explain pods).")
    if watching and o.sort_by:
        flag = "--watch" if inv.flag("watch") else "--watch-only"
        inv.eprintln(f"warning: {flag} requested, --sort-by will be ignored"
                     + (" for watch events received" if inv.flag("watch") else ""))
    builder = (Builder(inv, all_namespaces=o.all_namespaces)
               .selector(inv.flag("selector") or None, inv.flag("field-selector") or None)
               .filenames_from(inv.flag("filename"), inv.flag("recursive"), inv.flag("kustomize")))
    builder.args(inv.args, allow_empty_selector=True)
    visits = builder.visits()
    if watching:
        from .watch import watch

        return watch(inv, o, visits)
    if not o.human:
        return _print_generic(inv, o, visits)
    return _print_tables(inv, o, visits)


def _raw(inv) -> int:
    raise CommandError("error: --raw requests need an HTTP server; use kube-lab serve and the real kubectl")


def _fetch_visit(inv, o, v: Visit) -> Any:
    """The object(s) of a visit: a List for list visits, the object otherwise."""
    if v.kind == "list":
        return list_objects(inv, v)
    if v.kind == "doc" and v.info.namespaced is False:
        return inv.client.get(v.info.resource, v.name)
    return fetch(inv, v)


def _print_generic(inv, o: _Options, visits: list[Visit]) -> int:
    printer = printer_for(o.output, o.template, allowed=GET_FORMATS, no_headers=o.no_headers,
                          allow_missing=inv.flag("allow-missing-template-keys"))
    single = len(visits) == 1 and visits[0].kind != "list" and not (len(inv.args) > 2)
    items: list[dict] = []
    errs: list[BaseException] = []
    for v in visits:
        try:
            got = _fetch_visit(inv, o, v)
        except api_errors.StatusError as e:
            if o.ignore_not_found and e.reason == "NotFound":
                continue
            if single:
                raise
            errs.append(e)
            continue
        if v.kind == "list":
            items.extend(got["items"])
        else:
            items.append(got)
    items = [deep_copy(i) for i in items]
    if not o.show_managed:
        items = [strip_managed_fields(i) for i in items]
    if o.sort_by and len(items) > 1:
        items = _sort_objects(items, o.sort_by)
    if single and len(items) == 1:
        printer.print_obj(items[0], inv.out)
    elif items or not (o.ignore_not_found and not errs):
        printer.print_obj(as_list(items), inv.out)
    from ..errors import aggregate

    err = aggregate(errs)
    if err is not None:
        raise err
    return 0


def _print_tables(inv, o: _Options, visits: list[Visit]) -> int:
    now = inv.now()
    tables: list[tuple[Visit, dict]] = []
    errs: list[BaseException] = []
    include = "Object" if o.sort_by else "Metadata"
    for v in visits:
        try:
            got = _fetch_visit(inv, o, v)
        except api_errors.StatusError as e:
            if o.ignore_not_found and e.reason == "NotFound":
                continue
            errs.append(e)
            continue
        objs = got["items"] if v.kind == "list" else [got]
        tables.append((v, convert_to_table(v.info.resource, objs, now, include_object=include)))
    if o.sort_by:
        tables = _sort_tables(tables, o.sort_by)
    kinds = {v.info.kind_key for v, _ in tables}
    with_kind = len(tables) >= 2 and len(kinds) > 1 or bool(inv.flag("show-kind"))
    out: list[str] = []
    written = 0
    separator_ready = False
    tw = TabWriter(out)
    printer: HumanReadablePrinter | None = None
    last_resource = None
    all_namespaced = not o.all_namespaces
    for v, table in tables:
        all_namespaced = all_namespaced and v.info.namespaced
        if printer is None or last_resource != v.info.resource:
            tw.flush()
            tw.set_remembered_widths(None)
            chunk = "".join(out)
            out.clear()
            if chunk:
                if separator_ready:
                    inv.out("\n")
                    separator_ready = False
                inv.out(chunk)
                written += len(chunk)
            if last_resource is not None and not o.no_headers and written > 0:
                separator_ready = True
            printer = HumanReadablePrinter(TableOptions(
                no_headers=o.no_headers, wide=o.wide,
                with_namespace=o.all_namespaces and v.info.namespaced,
                with_kind=with_kind, kind=kind_group(v.info), show_labels=bool(inv.flag("show-labels")),
                label_columns=list(inv.flag("label-columns") or [])))
            last_resource = v.info.resource
        for line in printer.lines(table):
            tw.write(line)
    tw.flush()
    chunk = "".join(out)
    if chunk:
        if separator_ready:
            inv.out("\n")
        inv.out(chunk)
        written += len(chunk)
    if written == 0 and not o.ignore_not_found and not errs:
        if all_namespaced:
            inv.eprintln(f"No resources found in {inv.namespace} namespace.")
        else:
            inv.eprintln("No resources found")
    from ..errors import aggregate

    err = aggregate(errs)
    if err is not None:
        raise err
    return 0


# -- sorting (k8s.io/kubectl/pkg/cmd/get/sorter.go) -------------------------------------------

def _sort_parser(field: str) -> JSONPath:
    try:
        expr = relaxed(field)
    except JSONPathError:
        expr = field
    try:
        return JSONPath("sorting", allow_missing_keys=True).parse(expr)
    except JSONPathError as e:
        raise CommandError(f"error: sorting error: {e}") from None


def _sort_value(parser: JSONPath, obj: Any) -> tuple[bool, Any]:
    try:
        results = parser.find_results(obj)
    except JSONPathError as e:
        raise CommandError(f"error: {e}") from None
    if not results or not results[0]:
        return False, None
    return True, results[0][0]


def _less(a: Any, b: Any) -> bool:
    from ...api.quantity import QuantityError, parse_quantity

    if a is None and b is None:
        return False
    if a is None:
        return True
    if b is None:
        return False
    if isinstance(a, bool) or isinstance(b, bool) or type(a) is not type(b):
        raise CommandError("error: unsortable interface: interface")
    if isinstance(a, (int, float)):
        return a < b
    if isinstance(a, str):
        try:
            return parse_quantity(a).cmp(parse_quantity(b)) < 0
        except (QuantityError, ValueError, AttributeError):
            return a < b
    raise CommandError(f"error: unsortable type: {type(a).__name__}")


def _sorted_by(entries: list, values: list[tuple[bool, Any]]) -> list:
    """Go's ``sort.Sort`` with the ``RuntimeSort``/``TableSorter`` ``Less`` (entries without the
    field sort first; not stable, exactly as kubectl orders ties)."""
    from ..gosort import go_sort

    def less(i: int, j: int) -> bool:
        fi, vi = values[i]
        fj, vj = values[j]
        if not fi:
            return True
        if not fj:
            return False
        return _less(vi, vj)

    order = go_sort(list(range(len(entries))), less)
    return [entries[i] for i in order]


def _sort_objects(items: list[dict], field: str) -> list[dict]:
    parser = _sort_parser(field)
    values = [_sort_value(parser, i) for i in items]
    if not any(found for found, _ in values):
        raise CommandError(f'error: couldn\'t find any field with path "{relaxed(field)}" in the list of objects')
    return _sorted_by(items, values)


def _sort_tables(tables: list, field: str) -> list:
    parser = _sort_parser(field)
    out = []
    for v, table in tables:
        rows = table["rows"]
        if len(rows) > 1:
            values = [_sort_value(parser, r.get("object")) for r in rows]
            if not any(found for found, _ in values):
                raise CommandError(f'error: couldn\'t find any field with path "{relaxed(field)}" in the list of '
                                   "objects")
            table = {**table, "rows": _sorted_by(rows, values)}
        out.append((v, table))
    return out
