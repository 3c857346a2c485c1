"""``kube-lab course release``: write ``exercises/`` from ``solutions/``, as nbgrader's
``generate_assignment`` does (``nbgrader/preprocessors/clearsolutions.py``, ``lockcells.py``,
``clearhiddentests.py``, ``ClearOutput``).

The solution notebooks are the single source.  In every cell whose metadata says
``nbgrader.solution: true``, each region between a line containing ``BEGIN SOLUTION`` and one
containing ``END SOLUTION`` is replaced by a placeholder indented like the ``BEGIN`` line (a cell
without markers is replaced whole).  Unlike nbgrader's ``raise NotImplementedError()``, the
placeholders keep the notebook runnable from top to bottom:

* Python: ``# YOUR CODE HERE`` followed by ``pass``;
* a ``%%kubectl apply -f -`` cell (YAML): ``# YOUR YAML HERE`` (the magic line stays);
* Markdown: ``YOUR ANSWER HERE``.

``BEGIN HIDDEN TESTS`` … ``END HIDDEN TESTS`` regions are dropped, outputs and execution counts
cleared, saved widget state removed, and cells locked as nbgrader locks them (``deletable:
false`` on answer, grade and locked cells, ``editable: false`` on grade and locked cells).
Nested or unclosed markers, or markers in a cell not marked as a solution, are errors.
"""
from __future__ import annotations

import copy
import json
import os
import re
from typing import Iterable

BEGIN, END = "BEGIN SOLUTION", "END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
CODE_STUB = ("# YOUR CODE HERE", "pass")
YAML_STUB = ("# YOUR YAML HERE",)
TEXT_STUB = ("YOUR ANSWER HERE",)


class ReleaseError(ValueError):
    pass


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _stub(cell: dict, first_line: str) -> tuple[str, ...]:
    if cell.get("cell_type") == "markdown":
        return TEXT_STUB
    if first_line.lstrip().startswith("%%"):
        return YAML_STUB            # a cell magic's body: kubectl's stdin (YAML), not Python
    return CODE_STUB


def clear_solution(cell: dict) -> str:
    """The released source of an answer cell."""
    src = _source(cell)
    lines = src.split("\n")
    magic = lines[0] if lines and lines[0].lstrip().startswith("%%") else None
    stub = _stub(cell, lines[0] if lines else "")
    if not any(BEGIN in line for line in lines):
        if any(END in line for line in lines):
            raise ReleaseError(f"END SOLUTION without BEGIN SOLUTION in cell:\n{src}")
        body = list(stub)
        return "\n".join(([magic] if magic else []) + body)
    out: list[str] = []
    inside = False
    for line in lines:
        if BEGIN in line:
            if inside:
                raise ReleaseError(f"nested BEGIN SOLUTION in cell:\n{src}")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            out.extend(indent + s for s in stub)
        elif END in line:
            if not inside:
                raise ReleaseError(f"END SOLUTION without BEGIN SOLUTION in cell:\n{src}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ReleaseError(f"BEGIN SOLUTION is never closed in cell:\n{src}")
    return "\n".join(out)


def clear_hidden_tests(src: str) -> str:
    out, inside = [], False
    for line in src.split("\n"):
        if BEGIN_HIDDEN in line:
            inside = True
        elif END_HIDDEN in line:
            inside = False
        elif not inside:
            out.append(line)
    return "\n".join(out)


def _nbgrader(cell: dict) -> dict:
    return (cell.get("metadata") or {}).get("nbgrader") or {}


def release_notebook(nb: dict) -> dict:
    """The student version of a solution notebook (the input is not changed)."""
    out = copy.deepcopy(nb)
    for cell in out.get("cells", []):
        meta = _nbgrader(cell)
        src = _source(cell)
        if meta.get("solution"):
            src = clear_solution(cell)
        elif BEGIN in src or END in src:
            raise ReleaseError(f"solution markers in a cell not marked as a solution (nbgrader.solution: true):\n{src}")
        src = clear_hidden_tests(src)
        cell["source"] = src
        md = cell.setdefault("metadata", {})
        if meta.get("solution") or meta.get("grade") or meta.get("locked"):
            md["deletable"] = False
        if (meta.get("grade") and not meta.get("solution")) or meta.get("locked"):
            md["editable"] = False
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        for k in ("execution", "collapsed", "scrolled"):
            md.pop(k, None)
    meta = out.setdefault("metadata", {})
    meta.pop("widgets", None)
    return out


def _read(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _split(value):
    return value.splitlines(True) if isinstance(value, str) else value


def _is_json_mime(mime: str) -> bool:
    return mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json"))


def dumps(nb: dict) -> str:
    """A notebook as Jupyter writes it: nbformat's JSON layout (sorted keys, one-space indent,
    multi-line strings as lists of lines), so files match what the notebook server saves."""
    out = copy.deepcopy(nb)
    for cell in out.get("cells", []):
        if cell.get("source"):
            cell["source"] = _split(cell["source"])
        for output in cell.get("outputs", []) if cell.get("cell_type") == "code" else ():
            if "text" in output:
                output["text"] = _split(output["text"])
            for mime, value in (output.get("data") or {}).items():
                if not _is_json_mime(mime):
                    output["data"][mime] = _split(value)
    return json.dumps(out, sort_keys=True, indent=1, ensure_ascii=False, separators=(",", ": ")) + "\n"


def solution_notebooks(solutions: str) -> list[str]:
    return sorted(f for f in os.listdir(solutions) if re.match(r"\d\d_.*\.ipynb$", f))


def release(solutions: str = "solutions", exercises: str = "exercises") -> list[str]:
    """Write ``exercises/NN_*.ipynb`` for every ``solutions/NN_*.ipynb``; returns the paths."""
    os.makedirs(exercises, exist_ok=True)
    written = []
    for name in solution_notebooks(solutions):
        text = dumps(release_notebook(_read(os.path.join(solutions, name))))
        path = os.path.join(exercises, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        written.append(path)
    return written


def out_of_sync(solutions: str = "solutions", exercises: str = "exercises") -> list[str]:
    """The exercise files that differ from what ``release`` would write (or are missing or
    have no solution)."""
    drift = []
    names = solution_notebooks(solutions)
    for name in names:
        path = os.path.join(exercises, name)
        want = dumps(release_notebook(_read(os.path.join(solutions, name))))
        try:
            with open(path, encoding="utf-8") as f:
                have = f.read()
        except OSError:
            drift.append(path)
            continue
        if have != want:
            drift.append(path)
    if os.path.isdir(exercises):
        for extra in sorted(set(solution_notebooks(exercises)) - set(names)):
            drift.append(os.path.join(exercises, extra))
    return drift


def grade_ids(nb: dict) -> Iterable[tuple[str, dict]]:
    for cell in nb.get("cells", []):
        meta = _nbgrader(cell)
        if meta.get("grade_id"):
            yield meta["grade_id"], meta
