"""IPython magics: ``%kubectl get pods`` and ``%%kubectl apply -f -`` (the cell body is kubectl's
stdin).  Load them with ``%load_ext kube_lab``.

The magics talk to the most recently created :class:`~kube_lab.cluster.Cluster`: after each cell
(and before each magic) the notebook's variables are scanned for clusters, and a cluster seen for
the first time becomes the current one; ``Cluster.kubectl()`` marks its cluster too, and
:func:`use` chooses one explicitly.  Every cluster keeps one :class:`~kube_lab.kubectl.Kubectl`, so
``config set-context --current --namespace=…`` lasts.

A magic returns the :class:`~kube_lab.kubectl.KubectlResult`, which Jupyter shows like a terminal
(stderr in red in HTML; the plain text is stable, for nbval); ``r = %kubectl get pods -o name``
keeps it.  IPython expands ``$name`` and ``{expression}`` in the line first, so
``%kubectl logs $POD_NAME`` works as the shell version does.
"""
from __future__ import annotations

import weakref
from typing import Any

_seen: list = []          # weakrefs to clusters, in the order they were first seen
_seen_ids: set[int] = set()


def _alive() -> list:
    out = []
    for ref in _seen:
        c = ref()
        if c is not None:
            out.append(c)
    return out


def note_cluster(cluster: Any) -> None:
    """Remember ``cluster``; one not seen before becomes the magics' current cluster."""
    live = _alive()
    if any(c is cluster for c in live):
        return
    _seen[:] = [weakref.ref(c) for c in live]
    _seen.append(weakref.ref(cluster))


def use(cluster: Any) -> None:
    """Make ``cluster`` the one ``%kubectl`` talks to."""
    live = [c for c in _alive() if c is not cluster]
    _seen[:] = [weakref.ref(c) for c in live] + [weakref.ref(cluster)]


def _scan(namespace: dict | None) -> None:
    from ..cluster import Cluster

    if not namespace:
        return
    for value in list(namespace.values()):
        if isinstance(value, Cluster):
            note_cluster(value)


def current_cluster(namespace: dict | None = None):
    """The cluster the magics use (None when there is none)."""
    _scan(namespace)
    live = _alive()
    if live:
        return live[-1]
    import gc

    from ..cluster import Cluster

    found = [o for o in gc.get_objects() if isinstance(o, Cluster)]
    if len(found) == 1:
        note_cluster(found[0])
        return found[0]
    return None


def run_magic(line: str, cell: str | None = None, namespace: dict | None = None):
    from .runtime import KubectlResult

    cluster = current_cluster(namespace)
    if cluster is None:
        text = ("error: no kube-lab cluster: create one first, e.g. `from kube_lab import Cluster; "
                "cluster = Cluster()`\n")
        return KubectlResult(line, "", text, 1, [("stderr", text)])
    return cluster.kubectl(line, stdin=cell)


def load_ipython_extension(ipython) -> None:
    """``%load_ext kube_lab``: register ``%kubectl`` / ``%%kubectl``."""
    from IPython.core.magic import register_line_cell_magic

    def kubectl(line: str, cell: str | None = None):
        return run_magic(line, cell, getattr(ipython, "user_ns", None))

    kubectl.__doc__ = ("Run kubectl against the current kube-lab cluster: %kubectl get pods; "
                       "%%kubectl apply -f - (the cell body is stdin).")
    register_line_cell_magic(kubectl)

    def _post_run_cell(*_args, **_kwargs) -> None:
        _scan(getattr(ipython, "user_ns", None))

    try:
        ipython.events.register("post_run_cell", _post_run_cell)
    except (AttributeError, ValueError):  # pragma: no cover - very old IPython
        pass
