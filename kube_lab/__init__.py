"""kube-lab: a compact, faithful, deterministic Kubernetes simulator for learning.

>>> from kube_lab import Cluster
>>> cluster = Cluster(nodes=3, seed=0)
>>> sorted(n["metadata"]["name"] for n in cluster.list("nodes"))
['kind-control-plane', 'kind-worker', 'kind-worker2', 'kind-worker3']
"""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["Cluster", "ApplyError", "StatusError", "__version__"]


def __getattr__(name: str):
    # Imported lazily so that ``import kube_lab`` stays fast (the CLI and the magics load it).
    if name in ("Cluster", "ApplyError"):
        from . import cluster

        return getattr(cluster, name)
    if name == "StatusError":
        from .api.errors import StatusError

        return StatusError
    raise AttributeError(f"module 'kube_lab' has no attribute {name!r}")


def load_ipython_extension(ipython) -> None:
    """``%load_ext kube_lab``: the ``%kubectl`` and ``%%kubectl`` magics (see
    :mod:`kube_lab.kubectl.magics`)."""
    from .kubectl.magics import load_ipython_extension as _load

    _load(ipython)
