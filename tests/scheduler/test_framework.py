"""The framework around the plugins: percentageOfNodesToScore and the rotating start index,
determinism, configuration, and the agreement of the vectorised and the per-node filters."""
from __future__ import annotations

import random

import pytest

from kube_lab import Cluster
from kube_lab.api.meta import deep_copy
from kube_lab.controlplane.scheduler import num_feasible_nodes_to_find
from kube_lab.controlplane.scheduler.config import ConfigError
from kube_lab.controlplane.scheduler.framework import CycleState, SKIP
from kube_lab.controlplane.scheduler.podinfo import PodInfo

from conftest import Bare, node_of, pod


@pytest.mark.parametrize("percentage,nodes,expected", [
    (0, 50, 50),          # fewer than 100 nodes: all of them
    (0, 100, 100),        # 50 % of 100 = 50, but at least 100
    (0, 1000, 420),       # 50 − 1000/125 = 42 %
    (0, 5000, 500),       # 50 − 40 = 10 %
    (0, 6000, 300),       # 50 − 48 = 2 % → at least 5 %
    (30, 1000, 300),
    (100, 1000, 1000),
])
def test_num_feasible_nodes_to_find(percentage, nodes, expected):
    assert num_feasible_nodes_to_find(percentage, nodes) == expected


def test_filtering_stops_early_and_the_next_cycle_starts_where_it_stopped():
    b = Bare(250)
    for i in range(3):
        b.create(pod(f"p{i}"))
        b.settle()
    firsts = []
    for i in range(3):
        exp = b.scheduler.explain(f"p{i}")
        assert exp.num_nodes_to_find == 120 and len(exp.nodes) == 120   # 250 × (50 − 250/125) % = 120
        firsts.append(exp.nodes[0].name)
    assert firsts == ["node-0000", "node-0120", "node-0240"]
    assert [n.name for n in b.scheduler.explain("p2").nodes][10:12] == ["node-0000", "node-0001"]   # wraps


def test_same_seed_same_placements_and_a_seed_changes_tie_breaks():
    def run(seed):
        b = Bare(6, seed=seed)
        for i in range(12):
            b.create(pod(f"p{i:02d}"))
            b.settle()
        return [b.node_of(f"p{i:02d}") for i in range(12)]
    a, a2 = run(1), run(1)
    assert a == a2
    assert any(run(s) != a for s in (2, 3, 4))


def test_cluster_determinism_across_runs():
    def run():
        c = Cluster(nodes=3, seed=5)
        for i in range(6):
            c.create(pod(f"w{i}"))
        c.settle()
        return [node_of(c, f"w{i}") for i in range(6)]
    assert run() == run()


def test_configuration_weights_and_disabled_plugins():
    config = {"profiles": [{"plugins": {"score": {"disabled": [{"name": "ImageLocality"}],
                                                  "enabled": [{"name": "NodeResourcesFit", "weight": 5}]}}}]}
    b = Bare(2, config=config)
    b.create(pod("p", cpu="1"))
    b.settle()
    exp = b.scheduler.explain("p")
    scores = exp.nodes[0].scores
    assert "ImageLocality" not in scores
    assert scores["NodeResourcesFit"]["weight"] == 5
    with pytest.raises(ConfigError, match='plugin "NoSuchPlugin" does not exist'):
        Bare(1, config={"profiles": [{"plugins": {"multiPoint": {"enabled": [{"name": "NoSuchPlugin"}]}}}]})


def test_second_profile_and_unknown_scheduler_names():
    config = {"profiles": [{"schedulerName": "default-scheduler"},
                           {"schedulerName": "packer", "pluginConfig": [
                               {"name": "NodeResourcesFit", "args": {"scoringStrategy": {"type": "MostAllocated"}}}]}]}
    b = Bare(2, config=config)
    b.create(pod("a", cpu="1", schedulerName="packer"))
    b.settle()
    b.create(pod("b", cpu="1", schedulerName="packer"))
    b.create(pod("nobody", schedulerName="my-scheduler"))
    b.settle()
    assert b.node_of("a") == b.node_of("b")
    assert b.node_of("nobody") is None and b.scheduler.attempts("nobody") == []


def test_reconfigure_keeps_pending_pods():
    b = Bare(1, cpu="1")
    b.create(pod("big", cpu="2"))
    b.settle()
    b.scheduler.reconfigure({"profiles": [{"pluginConfig": [
        {"name": "NodeResourcesFit", "args": {"ignoredResources": []}}]}]})
    assert b.scheduler.queue.where("default/big") == "Active"
    b.settle()
    assert len(b.scheduler.attempts("big")) == 2


def test_stopped_scheduler_leaves_pods_pending(cluster):
    cluster.scheduler.stop()
    cluster.create(pod("lonely"))
    cluster.settle()
    assert node_of(cluster, "lonely") is None


# -- the vectorised filters give the per-node verdicts ---------------------------------------------------
def _random_cluster(rng: random.Random) -> Bare:
    b = Bare(12, zones=3, seed=rng.randrange(1000))
    for i in range(12):
        name = f"node-{i:04d}"
        body = deep_copy(b.get("nodes", name, None))
        if rng.random() < 0.3:
            body["spec"]["taints"] = [{"key": rng.choice(["a", "b"]), "value": rng.choice(["", "x"]),
                                       "effect": rng.choice(["NoSchedule", "NoExecute", "PreferNoSchedule"])}]
        if rng.random() < 0.2:
            body["spec"]["unschedulable"] = True
        body["metadata"]["labels"]["disk"] = rng.choice(["ssd", "hdd"])
        body["metadata"]["labels"]["gen"] = str(rng.randrange(1, 6))
        b.update("nodes", body)
    apps = ["web", "db", "cache"]
    for i in range(25):
        p = pod(f"e{i}", cpu=f"{rng.randrange(1, 8) * 100}m", labels={"app": rng.choice(apps)},
                nodeName=f"node-{rng.randrange(12):04d}")
        if rng.random() < 0.3:
            p["spec"]["affinity"] = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {"app": rng.choice(apps)}},
                 "topologyKey": rng.choice(["kubernetes.io/hostname", "topology.kubernetes.io/zone"])}]}}
        b.create(p)
    b.settle()
    return b


def _random_pod(rng: random.Random, i: int) -> dict:
    p = pod(f"probe-{i}", cpu=f"{rng.randrange(1, 40) * 100}m", labels={"app": rng.choice(["web", "db", "cache"])})
    spec = p["spec"]
    if rng.random() < 0.5:
        spec["tolerations"] = [{"key": rng.choice(["a", "b"]), "operator": rng.choice(["Exists", "Equal"]),
                                "value": "x", "effect": rng.choice(["", "NoSchedule", "NoExecute"])}]
    if rng.random() < 0.4:
        spec["nodeSelector"] = {"disk": rng.choice(["ssd", "hdd"])}
    if rng.random() < 0.4:
        spec["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": "gen", "operator": rng.choice(["Gt", "Lt"]),
                                   "values": [str(rng.randrange(1, 6))]}]}]}}}
    if rng.random() < 0.4:
        spec.setdefault("affinity", {})["podAffinity" if rng.random() < 0.5 else "podAntiAffinity"] = {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {"app": rng.choice(["web", "db", "cache"])}},
                 "topologyKey": rng.choice(["kubernetes.io/hostname", "topology.kubernetes.io/zone"])}]}
    if rng.random() < 0.4:
        spec["topologySpreadConstraints"] = [{
            "maxSkew": rng.randrange(1, 3), "whenUnsatisfiable": "DoNotSchedule",
            "topologyKey": rng.choice(["kubernetes.io/hostname", "topology.kubernetes.io/zone"]),
            "labelSelector": {"matchLabels": {"app": p["metadata"]["labels"]["app"]}}}]
    p["metadata"]["uid"] = f"uid-{i}"
    spec["priority"] = 0
    return p


@pytest.mark.parametrize("seed", range(6))
def test_vectorised_filters_agree_with_the_per_node_filters(seed):
    rng = random.Random(seed)
    b = _random_cluster(rng)
    sched = b.scheduler
    snap = sched.cache.update_snapshot()
    profile = sched.profile
    checked = 0
    for i in range(15):
        pi = PodInfo(_random_pod(rng, i))
        state = CycleState()
        for pl in profile.pre_filter:
            _, st = pl.pre_filter(state, pi, snap)
            if st is not None and st.code == SKIP:
                state.skip_filter.add(pl.name)
        for pl in profile.filter:
            fn = getattr(pl, "filter_nodes", None)
            if fn is None or pl.name in state.skip_filter:
                continue
            v = fn(state, pi, snap)
            for pos, ni in enumerate(snap.infos):
                scalar = pl.filter(state, pi, ni)
                vector = None if v is None or v.codes[pos] == 0 else v.statuses[int(v.codes[pos]) - 1]
                assert (scalar if scalar is not None and not scalar.is_success() else None) == vector, \
                    (pl.name, ni.name, scalar, vector)
                checked += 1
    assert checked > 500
