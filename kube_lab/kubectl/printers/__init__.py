"""kubectl's output printers (k8s.io/cli-runtime/pkg/printers and ``genericclioptions.PrintFlags``).

:func:`printer_for` turns ``-o/--output`` (and ``--template``) into a printer with a
``print_obj(obj, write)`` method: ``yaml``, ``json``, ``name``, ``jsonpath=…``,
``jsonpath-file=…``, ``jsonpath-as-json=…``, ``go-template=…``, ``go-template-file=…``
(``template``/``templatefile``), and, for ``get``, ``custom-columns=…`` and
``custom-columns-file=…``.  The human-readable table printer lives in :mod:`.table`.

``obj`` is a dict; ``typed=True`` marks an object kubectl built itself (a Go struct: JSON keeps the
dict's order), otherwise it is ``Unstructured`` (JSON keys sorted).
"""
from __future__ import annotations

import contextvars
from typing import Any, Callable

from ..parser import CommandError
from . import goyaml, jsonprinter
from .gotemplate import Template, TemplateError
from .jsonpath import JSONPath, JSONPathError, go_sprint, relaxed

Write = Callable[[str], None]

GENERIC_FORMATS = ("go-template", "go-template-file", "json", "jsonpath", "jsonpath-as-json", "jsonpath-file",
                   "name", "template", "templatefile", "yaml")
GET_FORMATS = ("custom-columns", "custom-columns-file", "go-template", "go-template-file", "json", "jsonpath",
               "jsonpath-as-json", "jsonpath-file", "name", "template", "templatefile", "wide", "yaml")
TEMPLATE_FORMATS = ("go-template", "go-template-file", "jsonpath", "jsonpath-as-json", "jsonpath-file",
                    "template", "templatefile")


class Printer:
    def print_obj(self, obj: dict, write: Write, typed: bool = False) -> None:  # pragma: no cover
        raise NotImplementedError


#: ``--show-managed-fields`` of the running command (set by the kubectl runtime): without it the
#: YAML and JSON printers leave ``metadata.managedFields`` out (``OmitManagedFieldsPrinter``).
SHOW_MANAGED_FIELDS: contextvars.ContextVar[bool] = contextvars.ContextVar("show_managed_fields", default=False)


def omit_managed_fields(obj: Any) -> Any:
    if isinstance(obj, dict):
        md = obj.get("metadata")
        if isinstance(md, dict) and "managedFields" in md:
            obj = {**obj, "metadata": {k: v for k, v in md.items() if k != "managedFields"}}
        if isinstance(obj.get("items"), list):
            obj = {**obj, "items": [omit_managed_fields(i) for i in obj["items"]]}
    return obj


class YAMLPrinter(Printer):
    """Documents after the first are preceded by ``---``."""

    def __init__(self, show_managed_fields: bool = False):
        self.count = 0
        self.show_managed_fields = show_managed_fields

    def print_obj(self, obj: dict, write: Write, typed: bool = False) -> None:
        self.count += 1
        if self.count > 1:
            write("---\n")
        write(goyaml.dumps(obj if self.show_managed_fields else omit_managed_fields(obj)))


class JSONPrinter(Printer):
    def __init__(self, show_managed_fields: bool = False):
        self.show_managed_fields = show_managed_fields

    def print_obj(self, obj: dict, write: Write, typed: bool = False) -> None:
        write(jsonprinter.dumps(obj if self.show_managed_fields else omit_managed_fields(obj), sort_keys=not typed))


def group_kind(obj: dict) -> tuple[str, str]:
    api_version = str(obj.get("apiVersion") or "")
    group = api_version.rpartition("/")[0] if "/" in api_version else ""
    return group, str(obj.get("kind") or "")


def name_of(obj: dict, operation: str = "", short: bool = False) -> str:
    """The name printer's ``<kind>[.<group>]/<name>[ <operation>]``."""
    group, kind = group_kind(obj)
    name = (obj.get("metadata") or {}).get("name") or "<unknown>"
    op = "" if short or not operation else " " + operation
    if group:
        return f"{kind.lower()}.{group}/{name}{op}"
    return f"{kind.lower()}/{name}{op}"


class NamePrinter(Printer):
    def __init__(self, operation: str = "", short: bool = False):
        self.operation = operation
        self.short = short

    def print_obj(self, obj: dict, write: Write, typed: bool = False) -> None:
        if _is_list(obj):
            for item in obj.get("items") or []:
                self.print_obj(item, write, typed)
            return
        write(name_of(obj, self.operation, self.short) + "\n")


def _is_list(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("items"), list) and str(obj.get("kind", "")).endswith("List")


def go_sharp_v(v: Any) -> str:
    """``fmt.Sprintf("%#v", v)`` of a decoded JSON value."""
    from ...api.apply import _go_json_string

    if v is None:
        return "interface {}(nil)"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return go_sprint(v)
    if isinstance(v, str):
        return _go_json_string(v).replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")
    if isinstance(v, dict):
        return "map[string]interface {}{" + ", ".join(f"{go_sharp_v(k)}:{go_sharp_v(v[k])}" for k in sorted(v)) + "}"
    if isinstance(v, list):
        return "[]interface {}{" + ", ".join(go_sharp_v(x) for x in v) + "}"
    return str(v)


class JSONPathPrinter(Printer):
    def __init__(self, template: str, as_json: bool = False, allow_missing: bool = True):
        self.raw = template
        try:
            self.jp = JSONPath("out", allow_missing_keys=allow_missing, output_json=as_json).parse(template)
        except JSONPathError as e:
            raise CommandError(f"error: error parsing jsonpath {template}, {e}\n") from None

    def print_obj(self, obj: dict, write: Write, typed: bool = False) -> None:
        data = _as_decoded(obj, typed)
        try:
            write(self.jp.execute(data))
        except JSONPathError as e:
            raise CommandError(
                f'error: error executing jsonpath {_quote(self.raw)}: Error executing template: {e}. Printing more '
                f"information for debugging the template:\n\ttemplate was:\n\t\t{self.raw}\n\tobject given to "
                f"jsonpath engine was:\n\t\t{go_sharp_v(data)}\n\n\n") from None


def _quote(s: str) -> str:
    from ...api.errors import go_quote

    return go_quote(s)


def _as_decoded(obj: Any, typed: bool) -> Any:
    """A typed object is JSON-encoded and decoded into ``interface{}``: integers become float64
    (printed the same way) — nothing to change for dicts."""
    return obj


class GoTemplatePrinter(Printer):
    def __init__(self, template: str, allow_missing: bool = True):
        self.raw = template
        try:
            self.tmpl = Template(template, missing_key_error=not allow_missing)
        except TemplateError as e:
            raise CommandError(f"error: error parsing template {template}, {e}\n") from None

    def print_obj(self, obj: dict, write: Write, typed: bool = False) -> None:
        try:
            write(self.tmpl.execute(obj))
        except TemplateError as e:
            write(f"Error executing template: {e}. Printing more information for debugging the template:\n"
                  f"\ttemplate was:\n\t\t{self.raw}\n\traw data was:\n\t\t{jsonprinter.compact(obj, not typed)}\n"
                  f"\tobject given to template engine was:\n\t\t{go_sprint(obj)}\n\n")
            raise CommandError(f"error: error executing template {_quote(self.raw)}: {e}") from None


class CustomColumnsPrinter(Printer):
    """``-o custom-columns=HEADER:.json.path,…`` (k8s.io/kubectl/pkg/cmd/get/customcolumn.go)."""

    def __init__(self, columns: list[tuple[str, str]], no_headers: bool = False):
        self.columns = columns
        self.no_headers = no_headers
        self.headers_printed = False
        self.parsers = []
        for i, (_, spec) in enumerate(columns):
            try:
                self.parsers.append(JSONPath(f"column{i}", allow_missing_keys=True).parse(spec))
            except JSONPathError as e:
                raise CommandError(f"error: {e}") from None

    @classmethod
    def from_spec(cls, spec: str, no_headers: bool = False) -> "CustomColumnsPrinter":
        if not spec:
            raise CommandError("error: custom-columns format specified but no custom columns given")
        cols = []
        for part in spec.split(","):
            header, sep, path = part.partition(":")
            if not sep:
                raise CommandError(f"error: unexpected custom-columns spec: {part}, expected "
                                   "<header>:<json-path-expr>")
            try:
                cols.append((header, relaxed(path)))
            except JSONPathError as e:
                raise CommandError(f"error: {e}") from None
        return cls(cols, no_headers)

    @classmethod
    def from_file(cls, path: str) -> "CustomColumnsPrinter":
        try:
            with open(path, encoding="utf-8") as f:
                lines = f.read().splitlines()
        except OSError as e:
            raise CommandError(f"error: open {path}: {e.strerror.lower() if e.strerror else e}") from None
        if not lines:
            raise CommandError("error: invalid template, missing header line. Expected format is one line of "
                               "space separated headers, one line of space separated column specs.")
        if len(lines) < 2:
            raise CommandError("error: invalid template, missing spec line. Expected format is one line of "
                               "space separated headers, one line of space separated column specs.")
        headers, specs = lines[0].split(), lines[1].split()
        if len(headers) != len(specs):
            raise CommandError(f"error: number of headers ({len(headers)}) and field specifications "
                               f"({len(specs)}) don't match")
        try:
            return cls([(h, relaxed(s)) for h, s in zip(headers, specs)])
        except JSONPathError as e:
            raise CommandError(f"error: {e}") from None

    def rows(self, obj: dict) -> list[str]:
        out = []
        if not self.no_headers and not self.headers_printed:
            out.append("\t".join(h for h, _ in self.columns) + "\n")
            self.headers_printed = True
        items = obj.get("items") if _is_list(obj) else [obj]
        for item in items or []:
            cells = []
            for parser in self.parsers:
                try:
                    results = parser.find_results(item)
                except JSONPathError as e:
                    raise CommandError(f"error: {e}") from None
                values = []
                if not results or not results[0]:
                    values.append("<none>")
                for group in results:
                    for v in group:
                        values.append(go_sprint(v).replace("\x1b", "^[").replace("\r", "\\r"))
                cells.append(",".join(values))
            out.append("\t".join(cells) + "\n")
        return out

    def print_obj(self, obj: dict, write: Write, typed: bool = False) -> None:
        from .tabwriter import TabWriter

        buf: list[str] = []
        tw = TabWriter(buf)
        for line in self.rows(obj):
            tw.write(line)
        tw.flush()
        write("".join(buf))


def parse_output(output: str | None) -> tuple[str, str]:
    """Split ``-o`` into (format, inline template): ``jsonpath={.a}`` → ("jsonpath", "{.a}")."""
    if not output:
        return "", ""
    fmt, sep, rest = output.partition("=")
    return fmt, rest


def printer_for(output: str | None, template_flag: str = "", *, allowed: tuple[str, ...] = GENERIC_FORMATS,
                no_headers: bool = False, operation: str = "", allow_missing: bool = True,
                short_name: bool = False) -> Printer | None:
    """The printer for ``-o``; ``None`` when no output format was asked for (callers then print
    their own messages).  Unknown formats raise kubectl's error."""
    fmt, inline = parse_output(output)
    if not fmt:
        if template_flag:
            fmt = "go-template"
        else:
            return None
    template = inline or template_flag
    if fmt not in allowed or (fmt in ("yaml", "json", "name", "wide") and inline):
        raise CommandError(f'error: unable to match a printer suitable for the output format "{output}", '
                           f"allowed formats are: {','.join(allowed)}")
    if fmt == "yaml":
        return YAMLPrinter(SHOW_MANAGED_FIELDS.get())
    if fmt == "json":
        return JSONPrinter(SHOW_MANAGED_FIELDS.get())
    if fmt == "name":
        return NamePrinter(operation, short=True)
    if fmt in ("custom-columns", "custom-columns-file"):
        if fmt == "custom-columns-file":
            return CustomColumnsPrinter.from_file(template)
        return CustomColumnsPrinter.from_spec(template, no_headers)
    if fmt in TEMPLATE_FORMATS:
        if not template:
            raise CommandError("error: template format specified but no template given")
        if fmt.endswith("-file") or fmt == "templatefile":
            try:
                with open(template, encoding="utf-8") as f:
                    template = f.read()
            except OSError as e:
                reason = (e.strerror or str(e)).lower()
                raise CommandError(f"error: error reading --template {inline or template_flag}, open "
                                   f"{inline or template_flag}: {reason}") from None
        if fmt.startswith("jsonpath"):
            return JSONPathPrinter(template, as_json=fmt == "jsonpath-as-json", allow_missing=allow_missing)
        return GoTemplatePrinter(template, allow_missing=allow_missing)
    return None
