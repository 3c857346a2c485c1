"""Score plugins: raw scores, normalisation and weights as upstream computes them (checked
through ``explain``), and the placements they lead to."""
from __future__ import annotations

import math

from kube_lab.api.meta import deep_copy

from conftest import Bare, pod

GI = 1024 ** 3
MI = 1024 ** 2


def scores(b, name, plugin):
    exp = b.scheduler.explain(name)
    return {n.name: n.scores[plugin] for n in exp.nodes if n.scores}


def pin(node):
    return {"nodeSelector": {"kubernetes.io/hostname": node}}


def test_least_allocated_prefers_the_emptiest_node():
    b = Bare(3)                                  # 4 CPU, 8Gi each
    b.create(pod("a", cpu="2", **pin("node-0000")))
    b.settle()
    b.create(pod("b", cpu="1"))
    b.settle()
    s = scores(b, "b", "NodeResourcesFit")
    # node-0000: cpu (4000-3000)*100/4000 = 25; memory 2×200Mi non-zero defaults → 95; mean 60
    assert s["node-0000"] == {"raw": 60, "normalized": 60, "weight": 1, "weighted": 60}
    # the others: cpu 75, memory (8Gi-200Mi)/8Gi → 97; mean 86
    assert s["node-0001"]["raw"] == (75 + (8 * GI - 200 * MI) * 100 // (8 * GI)) // 2 == 86
    assert b.node_of("b") != "node-0000"


def test_most_allocated_packs_pods():
    config = {"profiles": [{"pluginConfig": [{"name": "NodeResourcesFit",
                                              "args": {"scoringStrategy": {"type": "MostAllocated"}}}]}]}
    b = Bare(3, config=config)
    for i in range(4):
        b.create(pod(f"p{i}", cpu="500m", memory="1Gi"))
        b.settle()
    assert len({b.node_of(f"p{i}") for i in range(4)}) == 1
    s = scores(b, "p3", "NodeResourcesFit")
    busy = b.node_of("p0")
    # 4 × 500m of 4 CPU = 50; 4Gi of 8Gi = 50
    assert s[busy]["raw"] == 50


def test_requested_to_capacity_ratio_shape_and_rounding():
    config = {"profiles": [{"pluginConfig": [{"name": "NodeResourcesFit", "args": {"scoringStrategy": {
        "type": "RequestedToCapacityRatio",
        "requestedToCapacityRatio": {"shape": [{"utilization": 0, "score": 10}, {"utilization": 100, "score": 0}]},
        "resources": [{"name": "cpu", "weight": 1}, {"name": "memory", "weight": 1}]}}}]}]}
    b = Bare(2, config=config)
    b.create(pod("p", cpu="1"))
    b.settle()
    # cpu 25 % → 100 − 25 = 75; memory 200Mi/8Gi = 2 % → 98; round(86.5) = 87 (half away from zero)
    assert scores(b, "p", "NodeResourcesFit")["node-0000"]["raw"] == 87


def test_balanced_allocation_uses_real_requests():
    b = Bare(2)
    b.create(pod("cpu-heavy", cpu="2", **pin("node-0000")))
    b.settle()
    b.create(pod("p", cpu="1", memory="2Gi"))
    b.settle()
    s = scores(b, "p", "NodeResourcesBalancedAllocation")
    # node-0000: cpu 3000/4000 = .75, memory 2Gi/8Gi = .25 → std .25 → 75
    assert s["node-0000"]["raw"] == int((1 - abs((0.75 - 0.25) / 2)) * 100) == 75
    # node-0001: .25 and .25 → 100
    assert s["node-0001"]["raw"] == 100
    assert b.node_of("p") == "node-0001"


def test_prefer_no_schedule_taints_score_in_reverse():
    b = Bare(3)
    for name, taints in (("node-0000", ["a", "b"]), ("node-0001", ["a"])):
        body = deep_copy(b.get("nodes", name, None))
        body["spec"]["taints"] = [{"key": k, "effect": "PreferNoSchedule"} for k in taints]
        b.update("nodes", body)
    b.create(pod("p"))
    b.settle()
    s = scores(b, "p", "TaintToleration")
    assert [s[n]["raw"] for n in ("node-0000", "node-0001", "node-0002")] == [2, 1, 0]
    assert [s[n]["normalized"] for n in ("node-0000", "node-0001", "node-0002")] == [0, 50, 100]
    assert s["node-0002"]["weighted"] == 300
    assert b.node_of("p") == "node-0002"


def test_preferred_node_affinity_weights():
    b = Bare(3)
    for name, labels in (("node-0001", {"disk": "ssd"}), ("node-0002", {"disk": "ssd", "gpu": "yes"})):
        body = deep_copy(b.get("nodes", name, None))
        body["metadata"]["labels"].update(labels)
        b.update("nodes", body)
    pref = {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 20, "preference": {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]}},
        {"weight": 60, "preference": {"matchExpressions": [{"key": "gpu", "operator": "Exists"}]}}]}}
    b.create(pod("p", affinity=pref))
    b.settle()
    s = scores(b, "p", "NodeAffinity")
    assert [s[n]["raw"] for n in ("node-0000", "node-0001", "node-0002")] == [0, 20, 80]
    assert [s[n]["weighted"] for n in ("node-0000", "node-0001", "node-0002")] == [0, 50, 200]
    assert b.node_of("p") == "node-0002"


def test_image_locality_counts_image_size_and_spread():
    b = Bare(3)
    body = deep_copy(b.get("nodes", "node-0001", None))
    body["status"]["images"] = [{"names": ["nginx:1.25", "nginx@sha256:abc"], "sizeBytes": 500 * MI},
                                {"names": ["busybox:latest"], "sizeBytes": 5 * MI}]
    b.client.update_status("nodes", body)
    b.create(pod("p", image="nginx:1.25"))
    b.create(pod("q", image="docker.io/library/nginx:1.25"))
    b.settle()
    s = scores(b, "p", "ImageLocality")
    scaled = int(500 * MI * (1 / 3))
    expected = 100 * (scaled - 23 * MI) // (1000 * MI - 23 * MI)
    assert s["node-0001"]["raw"] == expected == 14
    assert s["node-0000"]["raw"] == 0
    assert scores(b, "q", "ImageLocality")["node-0001"]["raw"] == 0     # names compared exactly


def test_system_default_spreading_for_a_replicaset():
    b = Bare(3)
    b.create({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web", "namespace": "default"},
              "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "web"}},
                       "template": {"metadata": {"labels": {"app": "web"}},
                                    "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})
    rs = b.get("replicasets", "web")
    owner = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": rs["metadata"]["uid"],
              "controller": True}]
    for i, node in enumerate(("node-0000", "node-0000", "node-0001")):
        body = pod(f"old-{i}", labels={"app": "web"}, **pin(node))
        body["metadata"]["ownerReferences"] = owner
        b.create(body)
    b.settle()
    body = pod("new", labels={"app": "web"})
    body["metadata"]["ownerReferences"] = owner
    b.create(body)
    b.settle()
    s = scores(b, "new", "PodTopologySpread")
    w = math.log(3 + 2)       # hostname constraint: weight log(feasible nodes + 2); maxSkew 3 adds 2
    assert [s[n]["raw"] for n in ("node-0000", "node-0001", "node-0002")] == \
        [round(2 * w + 2), round(1 * w + 2), round(0 * w + 2)] == [5, 4, 2]
    # normalised: 100 × (max + min − score) / max
    assert [s[n]["normalized"] for n in ("node-0000", "node-0001", "node-0002")] == [40, 60, 100]
    assert b.node_of("new") == "node-0002"
    plain = pod("no-owner", labels={"app": "other"})
    b.create(plain)
    b.settle()
    assert b.scheduler.explain("no-owner").node_result("node-0000").scores["PodTopologySpread"] is None


def test_preferred_pod_affinity_and_anti_affinity():
    b = Bare(3)
    b.create(pod("db", labels={"app": "db"}, **pin("node-0001")))
    b.create(pod("noisy", labels={"app": "noisy"}, **pin("node-0002")))
    b.settle()
    pref = {"podAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 50, "podAffinityTerm": {"labelSelector": {"matchLabels": {"app": "db"}},
                                                   "topologyKey": "kubernetes.io/hostname"}}]},
            "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 30, "podAffinityTerm": {"labelSelector": {"matchLabels": {"app": "noisy"}},
                                                   "topologyKey": "kubernetes.io/hostname"}}]}}
    b.create(pod("app", affinity=pref))
    b.settle()
    s = scores(b, "app", "InterPodAffinity")
    assert [s[n]["raw"] for n in ("node-0000", "node-0001", "node-0002")] == [0, 50, -30]
    # min–max: (s − min) / (max − min) × 100
    assert [s[n]["normalized"] for n in ("node-0000", "node-0001", "node-0002")] == [37, 100, 0]
    assert b.node_of("app") == "node-0001"


def test_totals_are_weighted_sums_and_the_best_wins():
    b = Bare(3)
    b.create(pod("p", cpu="100m"))
    b.settle()
    exp = b.scheduler.explain("p")
    for n in exp.nodes:
        assert n.total == sum(v["weighted"] for v in n.scores.values() if v is not None)
    best = max(n.total for n in exp.nodes)
    assert exp.node_result(exp.node).total == best
