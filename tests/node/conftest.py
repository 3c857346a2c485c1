"""Helpers for the node tests: pods placed with ``spec.nodeName`` (bypassing the scheduler, as
the kubelet allows), and readers for statuses and events."""
from __future__ import annotations

import pytest

from kube_lab import Cluster


@pytest.fixture
def cluster():
    return Cluster(nodes=1, seed=0, network_addons=False)


def pod(name: str, containers: list[dict], node: str = "kind-worker", **spec) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": name}},
            "spec": {"nodeName": node, "containers": containers, **spec}}


def container(name: str = "c", image: str = "busybox:1.36", command: list[str] | None = None, **kw) -> dict:
    c = {"name": name, "image": image, **kw}
    if command is not None:
        c["command"] = command
    return c


def status(cluster, name: str, namespace: str = "default") -> dict:
    return cluster.get("pod", name, namespace)["status"]


def cstatus(cluster, name: str, index: int = 0, init: bool = False) -> dict:
    st = status(cluster, name)
    return st["initContainerStatuses" if init else "containerStatuses"][index]


def events(cluster, name: str | None = None, kind: str = "Pod") -> list[dict]:
    """Events about an object, oldest first (names end in the creation time, in hex nanoseconds)."""
    out = [e for e in cluster.list("events", namespace=None) if e["involvedObject"]["kind"] == kind
           and (name is None or e["involvedObject"]["name"] == name)]
    return sorted(out, key=lambda e: int(e["metadata"]["name"].rsplit(".", 1)[1], 16))


def reasons(cluster, name: str) -> list[str]:
    return [e["reason"] for e in events(cluster, name)]


def kubelet(cluster, node: str = "kind-worker"):
    return cluster.node(node).kubelet


def watch_states(cluster, name: str) -> list[tuple[float, str]]:
    """Record ``(time, kubectl-style STATUS)`` of a pod from a watch, as ``kubectl get -w``."""
    seen: list[tuple[float, str]] = []

    def handler(_type, obj):
        if obj["metadata"]["name"] != name:
            return
        st = obj.get("status") or {}
        word = st.get("phase", "")
        for cs in st.get("containerStatuses") or ():
            state = cs.get("state") or {}
            if "waiting" in state and state["waiting"].get("reason"):
                word = state["waiting"]["reason"]
            elif "terminated" in state and state["terminated"].get("reason"):
                word = state["terminated"]["reason"]
        if obj["metadata"].get("deletionTimestamp") and word in ("Running", "Pending"):
            word = "Terminating"
        if not seen or seen[-1][1] != word:
            seen.append((cluster.now, word))

    cluster.apiserver.watch("pods", handler, "default")
    return seen
