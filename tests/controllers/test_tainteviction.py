"""Taint-based eviction: pods leave nodes with NoExecute taints they do not tolerate — at once,
after their tolerationSeconds, or never."""
from __future__ import annotations

from kube_lab import Cluster
from kube_lab.controlplane.controllers import tainteviction as te


def new_cluster(nodes: int = 1) -> Cluster:
    return Cluster(nodes=nodes, seed=0, network_addons=False, local_path_storage=False)


def pod(name: str, node: str = "kind-worker", tolerations: list | None = None) -> dict:
    spec = {"nodeName": node, "containers": [{"name": "c", "image": "nginx:1.25"}]}
    if tolerations is not None:
        spec["tolerations"] = tolerations
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": name}}, "spec": spec}


def deleted_at(c, name: str) -> float | None:
    """When the taint-eviction controller deleted the pod (from the request trace)."""
    for r in c.trace:
        if r.component == "kube-controller-manager" and r.verb == "delete" and r.resource == "pods" and r.name == name:
            return r.time
    return None


def events(c, name: str) -> list[tuple[str, str, str]]:
    evs = sorted((e for e in c.list("events") if e["involvedObject"]["name"] == name),
                 key=lambda e: (e["firstTimestamp"], e["metadata"]["name"]))
    return [(e["reason"], e["message"], e["source"]["component"]) for e in evs]


def test_a_pod_tolerating_unreachable_for_60s_is_evicted_at_60s_the_others_at_300s():
    c = new_cluster(1)
    c.create(pod("short", tolerations=[{"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                                       "effect": "NoExecute", "tolerationSeconds": 60}]))
    c.create(pod("default"))
    c.create(pod("forever", tolerations=[{"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                                         "effect": "NoExecute"}]))
    c.run(10)
    # admission kept the explicit toleration and added the 300 s not-ready one (and both to "default")
    tols = c.get("pods", "short")["spec"]["tolerations"]
    assert [(t["key"], t.get("tolerationSeconds")) for t in tols] == [
        ("node.kubernetes.io/unreachable", 60), ("node.kubernetes.io/not-ready", 300)]
    c.node("kind-worker").power_off()
    tainted = c.run_until(lambda c: any(t["effect"] == "NoExecute" for t in
                                        c.get("nodes", "kind-worker")["spec"].get("taints") or ()), timeout=120)
    c.run(400)
    assert abs(deleted_at(c, "short") - tainted - 60) < 0.01
    assert abs(deleted_at(c, "default") - tainted - 300) < 0.01
    assert deleted_at(c, "forever") is None
    assert not c.get("pods", "forever")["metadata"].get("deletionTimestamp")
    assert ("TaintManagerEviction", "Marking for deletion Pod default/short", "taint-eviction-controller") in \
        events(c, "short")


def test_an_untolerated_taint_evicts_at_once_and_removing_a_taint_cancels_the_eviction():
    c = new_cluster(1)
    c.create(pod("plain"))
    c.create(pod("patient", tolerations=[{"key": "maintenance", "operator": "Equal", "value": "soon",
                                         "effect": "NoExecute", "tolerationSeconds": 120}]))
    c.run(10)
    seen: dict[str, dict] = {}
    c.apiserver.watch("pods", lambda _t, o: seen.__setitem__(o["metadata"]["name"], o), "default",
                      resource_version=str(c.etcd.revision))
    c.kubectl("taint nodes kind-worker maintenance=soon:NoExecute").check()
    c.run(1)
    assert deleted_at(c, "plain") == c.now - 1
    p = seen["plain"]
    assert p["metadata"]["deletionTimestamp"]
    dt = next(x for x in p["status"]["conditions"] if x["type"] == "DisruptionTarget")
    assert (dt["status"], dt["reason"], dt["message"]) == ("True", "DeletionByTaintManager",
                                                           "Taint manager: deleting due to NoExecute taint")
    assert not c.get("pods", "patient")["metadata"].get("deletionTimestamp")
    c.run(60)
    c.kubectl("taint nodes kind-worker maintenance=soon:NoExecute-").check()
    c.run(120)
    assert not c.get("pods", "patient")["metadata"].get("deletionTimestamp")
    assert ("TaintManagerEviction", "Cancelling deletion of Pod default/patient", "taint-eviction-controller") in \
        events(c, "patient")
    assert c.list("pods", field_selector="metadata.name=plain") == []     # its kubelet finished it


def test_changing_the_taint_keeps_the_original_start_time():
    c = new_cluster(1)
    c.create(pod("p", tolerations=[{"operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 100}]))
    c.run(10)
    c.kubectl("taint nodes kind-worker a=1:NoExecute").check()
    start = c.now
    c.run(50)
    c.kubectl("taint nodes kind-worker b=1:NoExecute").check()     # same toleration, still 100 s from the start
    c.run(60)
    assert abs(deleted_at(c, "p") - start - 100) < 0.01


def test_toleration_matching_rules():
    taint = {"key": "k", "value": "v", "effect": "NoExecute"}
    assert te.tolerates({"key": "k", "operator": "Equal", "value": "v", "effect": "NoExecute"}, taint)
    assert te.tolerates({"key": "k", "value": "v"}, taint)                       # Equal is the default
    assert not te.tolerates({"key": "k", "value": "w"}, taint)
    assert te.tolerates({"key": "k", "operator": "Exists"}, taint)
    assert te.tolerates({"operator": "Exists"}, taint)                            # empty key: every taint
    assert not te.tolerates({"key": "k", "operator": "Exists", "effect": "NoSchedule"}, taint)
    ok, used = te.matching_tolerations([taint, {"key": "x", "effect": "NoExecute"}],
                                       [{"key": "k", "operator": "Exists", "tolerationSeconds": 30}])
    assert (ok, used) == (False, [])
    tols = [{"key": "k", "operator": "Exists", "tolerationSeconds": 30}, {"operator": "Exists"}]
    ok, used = te.matching_tolerations([taint, {"key": "x", "effect": "NoExecute"}], tols)
    assert ok and te.min_toleration_time(used) == 30
    assert te.min_toleration_time([{"operator": "Exists"}]) == -1
    assert te.min_toleration_time([{"operator": "Exists", "tolerationSeconds": -5}]) == 0
    assert te.min_toleration_time([]) == 0
