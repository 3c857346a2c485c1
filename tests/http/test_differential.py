"""Differential tests: for the same cluster state, the real kubectl (reading our API over HTTP
and formatting on the client side) and kube-lab's own kubectl must print the same text.

The served clock is frozen (``speed=0``) so both see the same virtual time.  One difference is
allowed, and it is not a modelling difference: ``describe`` computes event ages on the client
side from the machine's clock, while kube-lab's kubectl uses the virtual clock.  The cluster's
virtual time is set to match the wall clock (``start_time``), so the two differ by the seconds the
test takes; ages (``30s``, ``2m5s``) are therefore compared as placeholders."""
from __future__ import annotations

import re
import shutil
import time

import pytest

from kube_lab import Cluster

KUBECTL = shutil.which("kubectl")
pytestmark = [
    pytest.mark.skipif(KUBECTL is None, reason="no kubectl binary on PATH: differential tests need the real kubectl"),
    pytest.mark.skipif(not hasattr(Cluster, "kubectl"),
                       reason="kube-lab's own kubectl (Cluster.kubectl) is not part of the package yet"),
]

COMMANDS = [
    "get deployment web -o yaml",
    "get deployment web -o json",
    "get deployments -o name",
    "get deployment web -o jsonpath={.spec.template.spec.containers[0].image}",
    "get deployments -o custom-columns=NAME:.metadata.name,REPLICAS:.spec.replicas",
    "get nodes",
    "get nodes -o wide",
    "get services",
    "describe deployment web",
    "describe service web",
    "describe node kind-worker",
    "rollout history deployment/web",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_real_and_simulated_kubectl_print_the_same(make_lab, command):
    lab = make_lab(speed=0, start_time=float(int(time.time()) - 30))
    with lab.paused():
        lab.cluster.kubectl("create deployment web --image=nginx:1.25 --replicas=2")
        lab.cluster.kubectl("expose deployment web --port=80 --type=NodePort")
        lab.cluster.run(30)
        ours = lab.cluster.kubectl(command)
    real = lab.kubectl(*command.split(" "))
    assert _ages(real.stdout) == _ages(ours.stdout)
    assert real.returncode == ours.exit_code


_AGE = re.compile(r"(?<![\w.:/-])\d+(?:[smhd]\d+)*[smhdy](?![\w.:/-])")


def _ages(text: str) -> str:
    """Durations as ``duration.HumanDuration`` prints them, replaced by a same-width placeholder."""
    return _AGE.sub(lambda m: "A" * len(m.group()), text)
