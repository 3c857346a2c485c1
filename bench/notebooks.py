"""How long each lesson takes to run top to bottom in a fresh kernel (target: < 10 s each on two
cores), as a learner's "Run All" would.  Prints the median wall time over ``--runs`` runs.

    python bench/notebooks.py                   # notebooks/*.ipynb, 3 runs each
    python bench/notebooks.py --runs 1 solutions/*.ipynb

Kernel start-up is included (a learner waits for it too); nothing is written back.
"""
from __future__ import annotations

import argparse
import glob
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
TARGET = 10.0


def run_once(path: str) -> float:
    import nbformat
    from nbclient import NotebookClient

    from kube_lab.course.grader import _kernel_manager

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, km=_kernel_manager(), timeout=600, allow_errors=False, record_timing=False,
                            store_widget_state=False,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
    start = time.perf_counter()
    with client.setup_kernel(stderr=subprocess.DEVNULL):
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    paths = args.notebooks or sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb")))
    width = max([len("notebook")] + [len(os.path.relpath(p, ROOT)) for p in paths])
    print(f"{'notebook':{width}} {'median s':>9} {'min s':>7} {'max s':>7}  target < {TARGET:g} s")
    worst = 0.0
    for path in paths:
        times = [run_once(path) for _ in range(args.runs)]
        med = statistics.median(times)
        worst = max(worst, med)
        flag = "ok" if med < TARGET else "SLOW"
        print(f"{os.path.relpath(path, ROOT):{width}} {med:9.2f} {min(times):7.2f} {max(times):7.2f}  {flag}")
    print(f"(cores: {os.cpu_count()}, Python {sys.version.split()[0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
