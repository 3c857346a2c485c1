"""kubectl's human-readable printer for server-side Tables (k8s.io/cli-runtime/pkg/printers/
tableprinter.go).

The API server sends every column (``-o wide`` ones have priority 1); the printer drops priority
columns unless ``-o wide``, adds ``NAMESPACE`` (``-A``), ``kind/`` prefixes (several kinds),
``-L`` label columns and ``LABELS`` (``--show-labels``), prints a header once per kind, and lays
the rows out with the tab writer (minwidth 6, padding 3, widths remembered across flushes).
Cells print as Go's ``fmt.Sprint`` prints them (``true``/``false``, numbers); a string cell is cut
at its first line break and ``...`` appended.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...controlplane.apiserver.tables import format_labels
from .jsonpath import go_sprint


@dataclass
class TableOptions:
    no_headers: bool = False
    wide: bool = False
    with_namespace: bool = False
    with_kind: bool = False
    kind: str = ""                 # lower-cased GroupKind: "deployment.apps"
    show_labels: bool = False
    label_columns: list[str] = field(default_factory=list)


def _cell_text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, str):
        text = cell
        cut = min((i for i in (text.find("\f"), text.find("\n"), text.find("\r")) if i >= 0), default=-1)
        if cut >= 0:
            text = text[:cut] + "..."
        return text.replace("\x1b", "^[").replace("\r", "\\r")
    return go_sprint(cell).replace("\x1b", "^[").replace("\r", "\\r")


def label_headers(columns: list[str]) -> list[str]:
    return [c.split("/")[-1].upper() for c in columns]


class HumanReadablePrinter:
    """One printer per resource type, as kubectl makes them (headers are printed once)."""

    def __init__(self, options: TableOptions):
        self.options = options
        self.last_columns: list | None = None
        self.printed_headers = False

    def lines(self, table: dict) -> list[str]:
        """The tab-separated lines for one Table (fed to the shared tab writer by the caller)."""
        opts = self.options
        columns = table.get("columnDefinitions") or []
        no_headers = opts.no_headers
        if self.printed_headers and (not columns or columns == self.last_columns):
            no_headers = True
        if not columns:
            columns = self.last_columns or []
        elif columns != self.last_columns:
            self.last_columns = columns
            self.printed_headers = False
        rows = table.get("rows") or []
        if rows:
            self.printed_headers = True
        out: list[str] = []
        if not rows:
            return out
        visible = [i for i, c in enumerate(columns) if opts.wide or not c.get("priority")]
        name_col = -1
        if opts.with_kind and opts.kind:
            for i, c in enumerate(columns):
                if c.get("format") == "name" and c.get("type") == "string":
                    name_col = i
                    break
        if not no_headers:
            headers = [str(columns[i]["name"]).upper() for i in visible]
            if opts.with_namespace:
                headers.insert(0, "NAMESPACE")
            headers.extend(label_headers(opts.label_columns))
            if opts.show_labels:
                headers.append("LABELS")
            out.append("\t".join(headers) + "\n")
        for row in rows:
            cells = list(row.get("cells") or [])
            md = ((row.get("object") or {}).get("metadata")) or {}
            texts = []
            for i in visible:
                if i >= len(cells):
                    continue
                text = _cell_text(cells[i])
                if i == name_col:
                    text = f"{opts.kind}/{text}"
                texts.append(text)
            if opts.with_namespace:
                texts.insert(0, md.get("namespace", ""))
            labels = md.get("labels") or {}
            for key in opts.label_columns:
                texts.append(labels.get(key, ""))
            if opts.show_labels:
                texts.append(format_labels(labels))
            out.append("\t".join(texts) + "\n")
        return out
