"""kubectl for the simulated cluster: ``cluster.kubectl("get pods -o wide")``, the IPython magics
``%kubectl`` / ``%%kubectl``, and ``kube-lab kubectl …``.

Output is kubectl v1.32's, byte for byte where upstream's behaviour is known: tables, YAML and
JSON, JSONPath and Go templates, describers, messages, warnings and errors with their exit codes.
"""
from __future__ import annotations

from .kubeconfig import KubeConfig
from .runtime import Kubectl, KubectlResult

__all__ = ["Kubectl", "KubectlResult", "KubeConfig"]
