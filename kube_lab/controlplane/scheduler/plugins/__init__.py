"""The in-tree plugins and the default profile (``pkg/scheduler/framework/plugins/registry.go``
and ``apis/config/v1/default_plugins.go``).

The default plugins, in the order they run at each extension point, with the score weights of
v1.32 (``MultiPoint``)::

    SchedulingGates, PrioritySort, NodeUnschedulable, NodeName, TaintToleration (3),
    NodeAffinity (2), NodePorts, NodeResourcesFit (1), VolumeBinding, PodTopologySpread (2),
    InterPodAffinity (2), DefaultPreemption, NodeResourcesBalancedAllocation (1),
    ImageLocality (1), DefaultBinder

(Upstream's VolumeRestrictions, NodeVolumeLimits and VolumeZone — CSI attach limits and zonal
in-tree volumes — are not simulated.)
"""
from __future__ import annotations

from .balancedallocation import NodeResourcesBalancedAllocation
from .defaultbinder import DefaultBinder
from .defaultpreemption import DefaultPreemption
from .imagelocality import ImageLocality
from .interpodaffinity import InterPodAffinity
from .nodeaffinity import NodeAffinity
from .nodename import NodeName
from .nodeports import NodePorts
from .noderesourcesfit import NodeResourcesFit
from .nodeunschedulable import NodeUnschedulable
from .podtopologyspread import PodTopologySpread
from .prioritysort import PrioritySort
from .schedulinggates import SchedulingGates
from .tainttoleration import TaintToleration
from .volumebinding import VolumeBinding

REGISTRY = {cls.name: cls for cls in (
    SchedulingGates, PrioritySort, NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodePorts,
    NodeResourcesFit, VolumeBinding, PodTopologySpread, InterPodAffinity, DefaultPreemption,
    NodeResourcesBalancedAllocation, ImageLocality, DefaultBinder)}

# (name, weight when it scores) — the v1.32 default MultiPoint set, in order
DEFAULT_PLUGINS: list[tuple[str, int | None]] = [
    ("SchedulingGates", None),
    ("PrioritySort", None),
    ("NodeUnschedulable", None),
    ("NodeName", None),
    ("TaintToleration", 3),
    ("NodeAffinity", 2),
    ("NodePorts", None),
    ("NodeResourcesFit", 1),
    ("VolumeBinding", None),
    ("PodTopologySpread", 2),
    ("InterPodAffinity", 2),
    ("DefaultPreemption", None),
    ("NodeResourcesBalancedAllocation", 1),
    ("ImageLocality", 1),
    ("DefaultBinder", None),
]

__all__ = ["REGISTRY", "DEFAULT_PLUGINS"] + list(REGISTRY)
