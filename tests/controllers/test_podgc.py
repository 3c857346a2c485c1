"""The pod garbage collector: pods on vanished nodes (after the 40 s quarantine), terminating pods
on out-of-service nodes, terminated pods over the threshold, unscheduled terminating pods."""
from __future__ import annotations

from kube_lab import Cluster


def new_cluster(nodes: int = 1) -> Cluster:
    return Cluster(nodes=nodes, seed=0, network_addons=False, local_path_storage=False)


def pod(name: str, node: str | None = "kind-worker", **meta) -> dict:
    spec: dict = {"containers": [{"name": "c", "image": "nginx:1.25"}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, **meta}, "spec": spec}


def watch_pods(c) -> dict[str, dict]:
    seen: dict[str, dict] = {}
    c.apiserver.watch("pods", lambda _t, o: seen.__setitem__(o["metadata"]["name"], o), "default",
                      resource_version=str(c.etcd.revision))
    return seen


def names(c) -> list[str]:
    return [p["metadata"]["name"] for p in c.list("pods")]


def gc_deletes(c, name: str) -> list[float]:
    return [r.time for r in c.trace if r.component == "kube-controller-manager" and r.verb == "delete"
            and r.resource == "pods" and r.name == name]


def test_pods_of_a_deleted_node_are_collected_after_the_quarantine():
    c = new_cluster(2)
    c.create(pod("orphan"))
    c.run(10)
    seen = watch_pods(c)
    c.node("kind-worker").power_off()
    c.delete("nodes", "kind-worker")
    gone = c.now
    c.run(39)
    assert names(c) == ["orphan"]                     # the node might only be late in the informer
    c.run(30)
    assert names(c) == []
    last = seen["orphan"]
    assert last["status"]["phase"] == "Failed"
    dt = next(x for x in last["status"]["conditions"] if x["type"] == "DisruptionTarget")
    assert (dt["status"], dt["reason"], dt["message"]) == ("True", "DeletionByPodGC", "PodGC: node no longer exists")
    (when,) = gc_deletes(c, "orphan")
    assert 40 <= when - gone <= 60


def test_terminating_pods_on_an_out_of_service_node_are_released():
    c = new_cluster(2)
    c.create(pod("stuck"))
    c.create(pod("fine", node="kind-worker2"))
    c.run(10)
    c.node("kind-worker").power_off()
    c.delete("pods", "stuck")
    c.delete("pods", "fine")
    c.run(5)
    assert names(c) == ["stuck"]                      # Terminating: its kubelet is gone
    c.run_until(lambda c: c.get("nodes", "kind-worker")["status"]["conditions"][-1]["status"] == "Unknown",
                timeout=120)
    c.run(40)
    assert names(c) == ["stuck"]                      # NotReady alone is not enough
    seen = watch_pods(c)
    c.kubectl("taint nodes kind-worker node.kubernetes.io/out-of-service=nodeshutdown:NoExecute").check()
    c.run(21)
    assert names(c) == []
    assert seen["stuck"]["status"]["phase"] == "Failed"


def test_terminated_pods_over_the_threshold_go_oldest_and_evicted_first():
    c = new_cluster(0)
    gc = c.controller_manager["pod-garbage-collector"]
    assert gc.terminated_pod_threshold == 12500       # --terminated-pod-gc-threshold
    gc.terminated_pod_threshold = 2
    client = c.client("test")
    for i, (phase, reason) in enumerate([("Succeeded", ""), ("Failed", ""), ("Failed", "Evicted"),
                                         ("Succeeded", ""), ("Running", "")]):
        created = client.create("pods", pod(f"p{i}", node="nowhere"), "default")
        body = {**created, "status": {**created["status"], "phase": phase}}
        if reason:
            body["status"]["reason"] = reason
        client.update_status("pods", body, "default")
        c.run(1)
    c.run(20)
    # four terminated pods, two over the threshold: the evicted one first, then the oldest
    assert names(c) == ["p1", "p3", "p4"]


def test_an_unscheduled_terminating_pod_is_marked_failed_and_deleted():
    c = new_cluster(0)
    c.create(pod("pending", node=None, finalizers=["example.com/hold"]))
    c.run(1)
    c.delete("pods", "pending")
    assert c.get("pods", "pending")["metadata"]["deletionTimestamp"]     # held by its finalizer
    c.run(21)
    p = c.get("pods", "pending")
    assert p["status"]["phase"] == "Failed" and gc_deletes(c, "pending")
    c.client("test").patch("pods", "pending", {"metadata": {"finalizers": None}},
                           "application/merge-patch+json", "default")
    assert names(c) == []
