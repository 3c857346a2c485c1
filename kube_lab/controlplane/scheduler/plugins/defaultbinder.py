"""DefaultBinder (``plugins/defaultbinder``): the scheduler's decision becomes a ``Binding``
posted to the pod's ``binding`` subresource; the API server sets ``spec.nodeName`` and the
``PodScheduled`` condition."""
from __future__ import annotations

from ..framework import Plugin, Status


class DefaultBinder(Plugin):
    name = "DefaultBinder"

    def bind(self, state, pod, node_name: str) -> Status | None:
        binding = {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"name": pod.name, "namespace": pod.namespace, "uid": pod.uid},
            "target": {"kind": "Node", "name": node_name},
        }
        self.handle.client.create("pods", binding, pod.namespace, subresource="binding", name=pod.name)
        return None
