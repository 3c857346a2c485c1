"""``kube-lab course execute NOTEBOOK…`` (``make course``): run notebooks top to bottom in a
fresh kernel of this Python environment and save them with their outputs, in place.

Widget state is not saved in the notebooks, so static viewers (GitHub, nbconvert) show the
widgets' HTML snapshots instead of empty widget placeholders; a running notebook shows the live
widgets.  Each notebook runs in its own folder, as Jupyter runs it.
"""
from __future__ import annotations

import os
import subprocess
import time

CELL_TIMEOUT = 600


def execute(path: str, timeout: int = CELL_TIMEOUT) -> float:
    """Execute ``path`` in place; returns the wall-clock seconds it took.  A cell that raises
    stops the run (``CellExecutionError``) and nothing is written."""
    import nbformat
    from nbclient import NotebookClient

    from .grader import _kernel_manager

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, km=_kernel_manager(), timeout=timeout, allow_errors=False, record_timing=False,
                            store_widget_state=False,
                            resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
    start = time.perf_counter()
    with client.setup_kernel(stderr=subprocess.DEVNULL):
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
    seconds = time.perf_counter() - start
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.get("metadata", {}).pop("execution", None)
    with open(path, "w", encoding="utf-8") as f:
        f.write(nbformat.writes(nb) + "\n")
    return seconds


def main(paths: list[str]) -> int:
    from nbclient.exceptions import CellExecutionError

    status = 0
    for path in paths:
        try:
            execute(path)
        except CellExecutionError as e:
            print(f"{path}: a cell failed:\n{e}")
            status = 1
            continue
        print(f"executed {path}")
    return status
