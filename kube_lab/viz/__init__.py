"""Pictures of the live cluster: Graphviz diagrams, matplotlib animations, ipywidgets.

Everything is drawn from the cluster's state (read through the API server) or from its request
trace, never by hand:

* diagrams — :func:`architecture`, :func:`cluster_map`, :func:`ownership`, :func:`network_path`;
* animations — :func:`message_flow` (one command's messages between the components),
  :func:`pod_lifecycle`, and the generic :class:`Timeline` / :func:`gantt`;
* widgets — :class:`Dashboard`, :class:`TimeControl`, :class:`ScaleSlider`,
  :class:`DeletePodButton`, :class:`FailNodeButton`, :class:`ImagePicker`, :func:`lab_panel`.

The heavy libraries (graphviz, matplotlib, ipywidgets) are imported only when used.
"""
from __future__ import annotations

_EXPORTS = {
    "architecture": "diagrams", "cluster_map": "diagrams", "ownership": "diagrams",
    "network_path": "diagrams", "Diagram": "diagrams",
    "message_flow": "animations", "pod_lifecycle": "animations", "Timeline": "animations",
    "gantt": "animations", "Animation": "animations", "Picture": "animations",
    "Span": "history", "pod_spans": "history",
    "messages": "flow", "Message": "flow",
    "Dashboard": "widgets", "TimeControl": "widgets", "ScaleSlider": "widgets",
    "DeletePodButton": "widgets", "FailNodeButton": "widgets", "ImagePicker": "widgets",
    "lab_panel": "widgets", "refresh_all": "widgets",
    "observe": "state",
    "pod_anatomy": "pods", "cri_log": "pods", "CRILog": "pods", "pod_status": "pods", "status_spans": "pods",
    "selector_matrix": "replicas", "replica_history": "replicas",
    "kubectl_requests": "requests",
    "packet_trip": "packets", "PathExplorer": "packets", "ip_route": "packets",
    "rollout_trace": "rollout", "rollout_chart": "rollout", "simulate_rollout": "rollout", "compare_rollouts": "rollout", "RolloutExplorer": "rollout", "RolloutTrace": "rollout",
    "pod_termination": "termination", "termination_log": "termination", "TerminationLog": "termination", "Termination": "termination", "simulate_termination": "termination", "compare_terminations": "termination", "TerminationExplorer": "termination", "traffic_chart": "termination",
    "service_rules": "services", "ipvs_view": "services", "spread_chart": "services", "request_path": "services", "ServiceTypeSwitch": "services",
    "storage_map": "storage",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'kube_lab.viz' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def __dir__():
    return __all__
