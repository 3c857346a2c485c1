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
