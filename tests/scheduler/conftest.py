"""Helpers for the kube-scheduler tests: small pod/node builders and event lookups."""
from __future__ import annotations

import random

import pytest

from kube_lab import Cluster
from kube_lab.api.meta import deep_copy


@pytest.fixture
def cluster():
    c = Cluster(nodes=3, seed=0)
    c.scheduler.validate_scores = True
    return c


def pod(name: str, cpu: str | None = None, memory: str | None = None, image: str = "nginx:1.25",
        labels: dict | None = None, namespace: str = "default", **spec) -> dict:
    requests = {}
    if cpu:
        requests["cpu"] = cpu
    if memory:
        requests["memory"] = memory
    container = {"name": "c", "image": image}
    if requests:
        container["resources"] = {"requests": requests}
    body = {"containers": [container]}
    body.update(spec)
    md = {"name": name, "namespace": namespace}
    if labels:
        md["labels"] = labels
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": body}


def node_of(cluster, name: str, namespace: str = "default") -> str | None:
    return cluster.get("pods", name, namespace)["spec"].get("nodeName")


def events_for(cluster, name: str, namespace: str = "default") -> list[tuple[str, str, str, int]]:
    """(type, reason, message, count) of the events about one object, oldest first; the count of
    an events.k8s.io event (kube-scheduler's) is its series' count, 1 without a series."""
    evs = [e for e in cluster.list("events", namespace) if e["involvedObject"]["name"] == name]
    evs.sort(key=lambda e: (e.get("firstTimestamp") or e.get("eventTime") or "", e["metadata"]["name"]))
    return [(e["type"], e["reason"], e["message"], (e.get("series") or {}).get("count") or e.get("count") or 1)
            for e in evs]


def scheduled_condition(cluster, name: str, namespace: str = "default") -> dict | None:
    for c in cluster.get("pods", name, namespace)["status"].get("conditions") or ():
        if c["type"] == "PodScheduled":
            return c
    return None


def patch_node(cluster, name: str, fn) -> dict:
    """Change a node as an administrator would (kubectl edit): ``fn`` edits a copy."""
    node = deep_copy(cluster.get("nodes", name))
    fn(node)
    return cluster.client("admin").update("nodes", node)


def label_node(cluster, name: str, **labels) -> dict:
    return patch_node(cluster, name, lambda n: n["metadata"]["labels"].update(labels))


def taint_node(cluster, name: str, key: str, value: str = "", effect: str = "NoSchedule") -> dict:
    def fn(n):
        t = {"key": key, "effect": effect}
        if value:
            t["value"] = value
        n["spec"].setdefault("taints", []).append(t)
    return patch_node(cluster, name, fn)


class Bare:
    """An API server with nodes created straight through the API (no kubelets, no controllers)
    and a kube-scheduler — for clusters too big to boot machine by machine."""

    def __init__(self, nodes: int, seed: int = 0, cpu: str = "4", memory_ki: int = 8 * 1024 * 1024,
                 zones: int = 0, config: dict | None = None, pods: int = 110):
        from kube_lab.client import Client
        from kube_lab.controlplane.apiserver import APIServer
        from kube_lab.controlplane.scheduler import Scheduler
        from kube_lab.node import registration
        from kube_lab.sim import Loop, RandomStreams, Trace

        self.loop = Loop()
        self.api = APIServer(self.loop, random=RandomStreams(seed), trace=Trace(enabled=False), compaction_interval=0)
        self.api.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
        self.api.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                            "metadata": {"name": "default"}}, "default")
        self.client = Client(self.api, "test")
        for i in range(nodes):
            name = f"node-{i:04d}"
            obj = registration.node_object(name, control_plane=False, internal_ip=f"10.0.{i // 256}.{i % 256}",
                                           cpu=cpu, memory_ki=memory_ki, pods=pods)
            if zones:
                obj["metadata"]["labels"]["topology.kubernetes.io/zone"] = f"zone-{i % zones}"
            created = self.client.create("nodes", obj)
            body = deep_copy(created)
            body["spec"].pop("taints", None)
            body["status"]["conditions"] = registration.ready_conditions(self.api.timestamp())
            self.client.update_status("nodes", body)
            self.client.update("nodes", {**self.api.get("nodes", name), "spec": body["spec"]})
        self.scheduler = Scheduler(Client(self.api, "kube-scheduler"), random.Random(seed), config).start()
        self.scheduler.validate_scores = True
        self.loop.settle()

    def create(self, obj: dict) -> dict:
        info = self.api.registry.for_kind(obj["apiVersion"], obj["kind"])
        return self.client.create(info.resource, obj, obj["metadata"].get("namespace", "default") if info.namespaced
                                  else None)

    def update(self, resource: str, obj: dict) -> dict:
        return self.client.update(resource, obj, obj["metadata"].get("namespace"))

    def get(self, resource: str, name: str, namespace: str | None = "default") -> dict:
        info = self.api.registry.get(resource)
        return self.api.get(resource, name, namespace if info.namespaced else None)

    def message(self, name: str) -> str:
        for c in self.get("pods", name)["status"].get("conditions") or ():
            if c["type"] == "PodScheduled":
                return c.get("message", "")
        return ""

    def settle(self) -> None:
        self.loop.settle()

    def node_of(self, name: str) -> str | None:
        return self.api.get("pods", name, "default")["spec"].get("nodeName")
