"""Elastic tabstops as kubectl lays out its tables: ``github.com/liggitt/tabwriter``.

That package is Go's ``text/tabwriter`` with one addition, ``RememberWidths``: column widths seen
in earlier flushes are kept, so rows printed later (``kubectl get -w``) stay aligned.  kubectl
creates it with ``minwidth=6, tabwidth=4, padding=3, padchar=' '``
(k8s.io/cli-runtime/pkg/printers/tabwriter.go); ``kubectl describe`` uses ``minwidth=0,
padding=2`` without remembered widths.

Semantics that matter for byte-exact output, kept from the Go algorithm:

* a cell is text terminated by a tab; the text after the last tab of a line is not part of any
  column and is never padded;
* a *column block* is a run of consecutive lines that all have a cell in that column; each
  block gets its own width (widest cell + padding, at least ``minwidth``);
* a newline that ends a line with only one cell flushes everything buffered so far (so a line
  without tabs separates independently aligned sections, which describers rely on);
* widths count runes (code points), not bytes.
"""
from __future__ import annotations


class TabWriter:
    """Buffers text and writes it, aligned, into ``out`` (a list of strings) on :meth:`flush`."""

    def __init__(self, out: list[str], minwidth: int = 6, padding: int = 3, padchar: str = " ",
                 remember_widths: bool = True):
        self.out = out
        self.minwidth = minwidth
        self.padding = padding
        self.padchar = padchar
        self.remember = remember_widths
        self.maxwidths: list[int] = []
        self._reset()

    def _reset(self) -> None:
        self.lines: list[list[str]] = [[]]
        self.cell = ""            # text of the cell being collected
        self.widths: list[int] = []

    # -- input ---------------------------------------------------------------------------
    def write(self, text: str) -> None:
        start = 0
        for i, ch in enumerate(text):
            if ch in "\t\v\n\f":
                self.cell += text[start:i]
                start = i + 1
                line = self.lines[-1]
                line.append(self.cell)
                self.cell = ""
                if ch in "\n\f":
                    ncells = len(line)
                    self.lines.append([])
                    if ch == "\f" or ncells == 1:
                        self.flush()
        self.cell += text[start:]

    def set_remembered_widths(self, widths: list[int] | None) -> None:
        self.maxwidths = list(widths or [])

    # -- output --------------------------------------------------------------------------
    def flush(self) -> None:
        if self.cell:
            self.lines[-1].append(self.cell)
            self.cell = ""
        self._format(0, len(self.lines))
        self._reset()

    def _write_lines(self, line0: int, line1: int) -> None:
        out = self.out
        widths = self.widths
        nlines = len(self.lines)
        for i in range(line0, line1):
            for j, c in enumerate(self.lines[i]):
                out.append(c)
                if j < len(widths):
                    pad = widths[j] - len(c)
                    if pad > 0:
                        out.append(self.padchar * pad)
            if i + 1 != nlines:
                out.append("\n")

    def _format(self, line0: int, line1: int) -> None:
        column = len(self.widths)
        lines = self.lines
        this = line0
        while this < line1:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            self._write_lines(line0, this)
            line0 = this
            width = self.minwidth
            while this < line1 and column < len(lines[this]) - 1:
                w = len(lines[this][column]) + self.padding
                if w > width:
                    width = w
                this += 1
            if self.remember:
                if len(self.maxwidths) < len(self.widths):
                    self.maxwidths.extend(self.widths[len(self.maxwidths):])
                if len(self.maxwidths) == len(self.widths):
                    self.maxwidths.append(width)
                elif self.maxwidths[len(self.widths)] > width:
                    width = self.maxwidths[len(self.widths)]
                elif self.maxwidths[len(self.widths)] < width:
                    self.maxwidths[len(self.widths)] = width
            self.widths.append(width)
            self._format(line0, this)
            self.widths.pop()
            line0 = this
        self._write_lines(line0, line1)


def tabulate(text: str, minwidth: int = 6, padding: int = 3) -> str:
    """Lay out ``text`` in one go (a fresh writer, flushed at the end)."""
    out: list[str] = []
    w = TabWriter(out, minwidth=minwidth, padding=padding)
    w.write(text)
    w.flush()
    return "".join(out)
