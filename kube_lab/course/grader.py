"""``kube-lab grade SUBMISSION.ipynb … [--csv report.csv]``: grade learners' notebooks in batch.

Each submission runs top to bottom in a fresh kernel (the current Python environment's, through
nbclient), in a scratch directory, with a time limit for the whole notebook.  Then one more cell,
the grader's own, runs every check of the exercise against the cluster the notebook built — so a
learner who deleted the grading cells, redefined ``grade`` or printed fake results gains nothing.
A cell that raises does not stop the others (as nbgrader's autograder runs them); a notebook that
runs past its time limit is interrupted and graded on the cluster as it was at that moment; a
kernel that dies or will not stop scores zero.  Nothing one submission does stops the batch.

The exercise comes from the notebook's metadata (``kube_lab.exercise``), else from its grading
cells, else from its file name (``01_….ipynb`` → ``ex01``).
"""
from __future__ import annotations

import csv
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from typing import Iterable

from .checks import EXERCISES, load

DEFAULT_TIMEOUT = 120.0
CHECK_TIMEOUT = 60.0


@dataclass
class Submission:
    path: str
    exercise: str | None = None
    points: int = 0
    possible: int = 0
    results: list[dict] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    @property
    def total(self) -> str:
        return f"{self.points}/{self.possible}"

    def feedback(self) -> str:
        """The PASS/FAIL lines (with hints) the learner would see from ``grade("exNN")``."""
        from .checks import CheckResult

        width = max((len(r["id"]) for r in self.results), default=0)
        lines = [CheckResult(**r).line(width) for r in self.results]
        return "\n".join(lines + [f"score: {self.total}"])


def find_notebooks(paths: Iterable[str]) -> list[str]:
    """Files as given; folders searched for ``*.ipynb`` (checkpoints left out), sorted."""
    out: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            found = []
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found += [os.path.join(root, f) for f in files if f.endswith(".ipynb")]
            out += sorted(os.path.normpath(f) for f in found)
        else:
            out.append(p)
    return out


def detect_exercise(nb: dict, path: str) -> str | None:
    ex = ((nb.get("metadata") or {}).get("kube_lab") or {}).get("exercise")
    if ex in EXERCISES:
        return ex
    for cell in nb.get("cells") or ():
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else src
        m = re.search(r"""grade\(\s*["'](ex\d\d)\b""", src)
        if m and m.group(1) in EXERCISES:
            return m.group(1)
    m = re.match(r"(\d\d)_", os.path.basename(path))
    if m and f"ex{m.group(1)}" in EXERCISES:
        return f"ex{m.group(1)}"
    return None


def _kernel_manager():
    """A kernel manager whose kernel is this very Python (so the kernel sees this kube_lab)."""
    from jupyter_client import AsyncKernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    class CurrentEnvSpecs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):
            from ipykernel.kernelspec import RESOURCES, get_kernel_dict

            return self.kernel_spec_class(resource_dir=RESOURCES, **get_kernel_dict())

    return AsyncKernelManager(kernel_name="kube-lab-grader", kernel_spec_manager=CurrentEnvSpecs())


def _interrupt(client, wait: float) -> bool:
    """Interrupt the running cell (Ctrl-C) and reconnect with a fresh kernel client: the old one's
    pending reads would swallow the next cells' output.  False if the kernel stays busy."""
    from nbclient.util import run_sync

    run_sync(client.km.interrupt_kernel)()
    client.kc.stop_channels()
    client.kc = client.km.client()
    client.kc.start_channels()
    try:
        run_sync(client.kc.wait_for_ready)(timeout=wait)
    except RuntimeError:
        return False
    return True


def _error_summary(cell) -> str | None:
    for out in cell.get("outputs") or ():
        if out.get("output_type") == "error":
            value = (out.get("evalue") or "").strip().splitlines()
            return f"{out.get('ename', 'Error')}: {value[0] if value else ''}".rstrip(": ")
    return None


def grade_notebook(path: str, timeout: float = DEFAULT_TIMEOUT, check_timeout: float = CHECK_TIMEOUT) -> Submission:
    """Run and grade one submission; never raises for anything the submission does."""
    import nbformat

    sub = Submission(path)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        raw = json.loads(text)
        if not isinstance(raw, dict) or not isinstance(raw.get("cells"), list):
            raise ValueError("it has no cells")
        with warnings.catch_warnings():             # e.g. cells without ids: not the learner's problem
            warnings.simplefilter("ignore")
            nb = nbformat.reads(text, as_version=4)     # joins sources, upgrades old formats
    except Exception as e:
        sub.messages.append(f"not a readable notebook ({e})")
        return sub
    sub.exercise = detect_exercise(nb, path)
    if sub.exercise is None:
        sub.messages.append("cannot tell which exercise this is (no kube_lab.exercise metadata, no grade(\"exNN…\") "
                            "cell, no NN_ file name)")
        return sub
    checks = load(sub.exercise)
    sub.possible = sum(c.points for c in checks)
    sub.results = [{"id": c.id, "title": c.title, "points": c.points, "earned": 0,
                    "detail": "not graded", "hint": c.hint} for c in checks]
    workdir = tempfile.mkdtemp(prefix="kube-lab-grade-")
    try:
        _execute(nb, sub, workdir, timeout, check_timeout)
    except Exception as e:     # the batch must go on, whatever happened
        sub.messages.append(f"could not be run: {type(e).__name__}: {e}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return sub


def _execute(nb_json: dict, sub: Submission, workdir: str, timeout: float, check_timeout: float) -> None:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    nb = nbformat.from_dict(nb_json)
    nb.setdefault("metadata", {})
    nb.metadata.pop("widgets", None)
    code_cells = [(i, c) for i, c in enumerate(nb.cells) if c.get("cell_type") == "code"]
    for _, c in code_cells:
        c["outputs"], c["execution_count"] = [], None
        c.setdefault("metadata", {})
    client = NotebookClient(nb, km=_kernel_manager(), timeout=max(1, int(timeout)), allow_errors=True,
                            interrupt_on_timeout=False, startup_timeout=120, record_timing=False,
                            store_widget_state=False, resources={"metadata": {"path": workdir}})
    marker = "KUBE_LAB_RESULT_" + secrets.token_hex(8) + " "
    grading = nbformat.v4.new_code_cell(
        "import sys as _kl_sys, json as _kl_json\n"
        "from kube_lab.course import checks as _kl_checks\n"
        f"_kl_sys.stdout.write({marker!r} + _kl_json.dumps(_kl_checks.results({sub.exercise!r})) + '\\n')\n"
        "_kl_sys.stdout.flush()\n")
    errors: list[str] = []
    with client.setup_kernel(stderr=subprocess.DEVNULL):     # the kernel's own log lines are not the learner's
        deadline = time.monotonic() + timeout
        stopped = None
        for n, (index, cell) in enumerate(code_cells, 1):
            left = deadline - time.monotonic()
            if left <= 0:
                stopped = f"ran out of its {timeout:g} s before cell {index + 1}"
                break
            client.timeout = max(1, int(left + 0.999))
            try:
                client.execute_cell(cell, index)
            except CellTimeoutError:
                stopped = f"cell {index + 1} was still running when the {timeout:g} s time limit ran out"
                if not _interrupt(client, check_timeout):
                    sub.messages.append(f"stopped: {stopped}; the notebook would not stop when interrupted, "
                                        "so nothing could be graded")
                    return
                break
            except DeadKernelError:
                sub.messages.append(f"the kernel died in cell {index + 1}; nothing could be graded")
                return
            err = _error_summary(cell)
            if err:
                errors.append(f"cell {index + 1} raised {err}")
        if errors:
            sub.messages.append("; ".join(errors) + " (the other cells still ran)")
        if stopped:
            sub.messages.append(f"stopped: {stopped}; graded on the cluster as it was then")
        nb.cells.append(grading)
        client.timeout = max(1, int(check_timeout))
        try:
            client.execute_cell(grading, len(nb.cells) - 1)
        except CellTimeoutError:
            sub.messages.append("the notebook would not stop when interrupted; nothing could be graded")
            return
        except DeadKernelError:
            sub.messages.append("the kernel died before grading; nothing could be graded")
            return
    text = "".join(o.get("text", "") for o in grading.get("outputs") or () if o.get("output_type") == "stream")
    line = next((ln for ln in text.splitlines() if ln.startswith(marker)), None)
    if line is None:
        err = _error_summary(grading) or "no result"
        sub.messages.append(f"the checks could not run ({err})")
        return
    data = json.loads(line[len(marker):])
    sub.results = data["results"]
    sub.points, sub.possible = data["points"], data["possible"]


def grade_all(paths: Iterable[str], timeout: float = DEFAULT_TIMEOUT, check_timeout: float = CHECK_TIMEOUT,
              progress=None) -> list[Submission]:
    subs = []
    for p in find_notebooks(paths):
        if progress is not None:
            progress(p)
        subs.append(grade_notebook(p, timeout, check_timeout))
    return subs


def _short_id(check_id: str) -> str:
    return check_id.split(".", 1)[1] if "." in check_id else check_id


def format_table(subs: list[Submission]) -> str:
    """One table per exercise: a row per submission, a column per check, the total last."""
    blocks: list[str] = []
    order = [e for e in EXERCISES if any(s.exercise == e for s in subs)]
    for ex in order:
        rows = [s for s in subs if s.exercise == ex]
        checks = load(ex)
        head = ["submission"] + [_short_id(c.id) for c in checks] + ["total"]
        table = [head]
        for s in rows:
            earned = {r["id"]: r for r in s.results}
            cells = [s.path]
            for c in checks:
                r = earned.get(c.id)
                cells.append(f"{r['earned'] if r else 0}/{c.points}")
            cells.append(s.total)
            table.append(cells)
        widths = [max(len(r[i]) for r in table) for i in range(len(head))]
        lines = [f"{ex}: {EXERCISES[ex].title} ({sum(c.points for c in checks)} points)"]
        for r in table:
            lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip())
        blocks.append("\n".join(lines))
    lost = [s for s in subs if s.exercise is None]
    if lost:
        width = max(len(s.path) for s in lost)
        blocks.append("not graded\n" + "\n".join(f"{s.path.ljust(width)}  {s.total}" for s in lost))
    notes = [f"  {s.path}: {m}" for s in subs for m in s.messages]
    if notes:
        blocks.append("notes:\n" + "\n".join(notes))
    return "\n\n".join(blocks) + "\n"


def write_csv(subs: list[Submission], path: str) -> None:
    """One row per submission and check, plus a total row per submission."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["submission", "exercise", "check", "points", "possible", "detail"])
        for s in subs:
            for r in s.results:
                w.writerow([s.path, s.exercise or "", r["id"], r["earned"], r["points"], r.get("detail", "")])
            w.writerow([s.path, s.exercise or "", "total", s.points, s.possible, "; ".join(s.messages)])


def main(paths: list[str], csv_path: str | None = None, timeout: float = DEFAULT_TIMEOUT,
         feedback: bool = False) -> int:
    files = find_notebooks(paths)
    if not files:
        print("kube-lab grade: no notebooks given", file=sys.stderr)
        return 2
    subs = grade_all(files, timeout, progress=lambda p: print(f"grading {p} …", file=sys.stderr, flush=True))
    print(format_table(subs), end="")
    if feedback:
        for s in subs:
            if s.results:
                print(f"\n{s.path}\n{s.feedback()}")
    if csv_path:
        write_csv(subs, csv_path)
        print(f"\nwrote {csv_path}")
    return 0
