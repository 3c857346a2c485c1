"""kube-scheduler: scheduling queue, framework and in-tree plugins (``pkg/scheduler``).

>>> from kube_lab import Cluster
>>> cluster = Cluster(nodes=3, seed=0)
>>> cluster.scheduler.explain("web-0")      # doctest: +SKIP

The package imports NumPy; ``kube_lab.cluster`` imports it lazily when a cluster starts.
"""
from .explain import Explanation, SchedulingAttempt
from .scheduler import Scheduler, num_feasible_nodes_to_find

__all__ = ["Scheduler", "Explanation", "SchedulingAttempt", "num_feasible_nodes_to_find"]
