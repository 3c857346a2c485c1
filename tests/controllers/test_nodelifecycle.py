"""The node lifecycle controller on real (simulated) nodes: a silent node goes NotReady after the
grace period, is tainted, its pods are evicted 300 s later and come back elsewhere; a node that
returns in time loses its taints and keeps its pods; the controller's own rules (start-up grace,
cordon taint, rate limiting, full disruption)."""
from __future__ import annotations


from kube_lab import Cluster
from kube_lab.api.meta import parse_rfc3339
from kube_lab.controlplane.controllers import nodelifecycle as nlc

STATEFULSET = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 3
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: nginx:1.25}]
"""


def new_cluster(nodes: int = 3) -> Cluster:
    return Cluster(nodes=nodes, seed=0, network_addons=False, local_path_storage=False)


def condition(obj: dict, type_: str) -> dict | None:
    return next((c for c in (obj.get("status") or {}).get("conditions") or () if c["type"] == type_), None)


def node_ready(c, node: str) -> str:
    return condition(c.get("nodes", node), "Ready")["status"]


def taints(c, node: str) -> list[tuple[str, str]]:
    return [(t["key"], t["effect"]) for t in c.get("nodes", node)["spec"].get("taints") or ()]


def events(c, name: str, kind: str) -> list[tuple[str, str, str, str]]:
    evs = [e for e in c.list("events", namespace=None)
           if e["involvedObject"]["kind"] == kind and e["involvedObject"]["name"] == name]
    evs.sort(key=lambda e: int(e["metadata"]["name"].rsplit(".", 1)[1], 16))     # creation time, hex ns
    return [(e["type"], e["reason"], e["message"], e["source"].get("component") or e["reportingComponent"])
            for e in evs]


def pods(c, prefix: str) -> dict[str, dict]:
    return {p["metadata"]["name"]: p for p in c.list("pods") if p["metadata"]["name"].startswith(prefix)}


def running_ready(p: dict) -> bool:
    return (p["status"].get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")
            and (condition(p, "Ready") or {}).get("status") == "True")


def vtime(c, ts: str) -> float:
    return parse_rfc3339(ts) - c.apiserver.epoch


def test_powering_off_a_node_evicts_its_pods_after_the_grace_period_and_the_toleration():
    c = new_cluster(3)
    c.kubectl("create deployment web --image=nginx:1.25 --replicas=6").check()
    c.apply(STATEFULSET)
    c.settle()
    c.run(10)
    assert all(running_ready(p) for p in pods(c, "web-").values()) and len(pods(c, "web-")) == 6
    node = pods(c, "db-")["db-1"]["spec"]["nodeName"]
    victims = {n: p for n, p in pods(c, "web-").items() if p["spec"]["nodeName"] == node}
    db_victims = sorted(n for n, p in pods(c, "db-").items() if p["spec"]["nodeName"] == node)
    assert victims and "db-1" in db_victims
    heartbeat = condition(c.get("nodes", node), "Ready")["lastHeartbeatTime"]

    c.node(node).power_off()
    renewed = vtime(c, c.get("leases", node, "kube-node-lease")["spec"]["renewTime"])
    # Ready stays True until 50 s (node-monitor-grace-period, v1.32) have passed since the controller
    # last saw the Lease renewed; it checks every 5 s
    t_unknown = c.run_until(lambda c: node_ready(c, node) == "Unknown", timeout=120)
    assert 50 < t_unknown - renewed <= 60
    n = c.get("nodes", node)
    for type_ in ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure"):
        cond = condition(n, type_)
        assert (cond["status"], cond["reason"], cond["message"]) == \
            ("Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.")
        assert cond["lastTransitionTime"] == c.apiserver.timestamp()
    assert condition(n, "Ready")["lastHeartbeatTime"] == heartbeat
    assert ("Normal", "NodeNotReady", f"Node {node} status is now: NodeNotReady", "node-controller") in \
        events(c, node, "Node")
    assert c.kubectl(f"get node {node} --no-headers").stdout.split()[1] == "NotReady"
    # MarkPodsNotReady: the pods on the node stop being Ready (and so leave Service endpoints)
    for name in victims:
        p = c.get("pods", name)
        assert condition(p, "Ready")["status"] == "False" and not p["metadata"].get("deletionTimestamp")
        assert ("Warning", "NodeNotReady", "Node is not ready", "node-controller") in events(c, name, "Pod")

    # the taints follow: NoSchedule at once, NoExecute at the next monitor pass
    t_taint = c.run_until(lambda c: ("node.kubernetes.io/unreachable", "NoExecute") in taints(c, node), timeout=10)
    assert taints(c, node) == [("node.kubernetes.io/unreachable", "NoSchedule"),
                               ("node.kubernetes.io/unreachable", "NoExecute")]
    assert 0 < t_taint - t_unknown <= 5.2

    # every pod tolerates unreachable:NoExecute for 300 s (DefaultTolerationSeconds)
    c.run(t_taint + 299.5 - c.now)
    assert not any(c.get("pods", name)["metadata"].get("deletionTimestamp") for name in victims)
    c.run(1)
    for name in victims:
        p = c.get("pods", name)
        assert p["metadata"]["deletionTimestamp"]
        dt = condition(p, "DisruptionTarget")
        assert (dt["status"], dt["reason"], dt["message"]) == \
            ("True", "DeletionByTaintManager", "Taint manager: deleting due to NoExecute taint")
        assert ("Normal", "TaintManagerEviction", f"Marking for deletion Pod default/{name}",
                "taint-eviction-controller") in events(c, name, "Pod")

    # the Deployment's replacements run elsewhere, with new names and addresses; the evicted pods
    # stay Terminating because no kubelet confirms their end
    c.run(30)
    now = pods(c, "web-")
    live = {k: p for k, p in now.items() if not p["metadata"].get("deletionTimestamp")}
    assert len(live) == 6 and all(running_ready(p) and p["spec"]["nodeName"] != node for p in live.values())
    assert not set(live) & set(victims)
    assert not {p["status"]["podIP"] for p in live.values()} & {p["status"]["podIP"] for p in victims.values()}
    assert all(now[name]["metadata"].get("deletionTimestamp") for name in victims)
    # the StatefulSet does not replace a pod that may still be running: db-1 keeps its one object
    sts = pods(c, "db-")
    assert sorted(sts) == ["db-0", "db-1", "db-2"]
    assert all(sts[name]["metadata"].get("deletionTimestamp") for name in db_victims)

    # only deleting the Node lets them go: pod GC removes pods bound to a vanished node
    c.remove_node(node)
    c.run(70)
    assert not set(pods(c, "web-")) & set(victims)
    c.settle()
    c.run(10)
    sts = pods(c, "db-")
    assert sorted(sts) == ["db-0", "db-1", "db-2"] and all(running_ready(p) for p in sts.values())
    assert all(p["spec"]["nodeName"] != node for p in sts.values())
    assert ("Normal", "RemovingNode", f"Removing Node {node} from Controller", "node-controller") in \
        events(c, node, "Node")


def test_a_node_that_returns_in_time_loses_its_taints_and_keeps_its_pods():
    c = new_cluster(2)
    c.kubectl("create deployment web --image=nginx:1.25 --replicas=4").check()
    c.settle()
    c.run(10)
    before = pods(c, "web-")
    victims = sorted(n for n, p in before.items() if p["spec"]["nodeName"] == "kind-worker")
    assert victims
    m = c.node("kind-worker")
    m.power_off()
    c.run_until(lambda c: ("node.kubernetes.io/unreachable", "NoExecute") in taints(c, "kind-worker"), timeout=120)
    c.run(100)
    m.power_on()
    c.run_until(lambda c: node_ready(c, "kind-worker") == "True", timeout=60)
    c.run(6)
    assert taints(c, "kind-worker") == []
    c.run(400)
    after = pods(c, "web-")
    assert sorted(after) == sorted(before) and all(running_ready(p) for p in after.values())
    for name in victims:
        assert ("Normal", "TaintManagerEviction", f"Cancelling deletion of Pod default/{name}",
                "taint-eviction-controller") in events(c, name, "Pod")
        assert not condition(after[name], "DisruptionTarget")
    reasons = [e[1] for e in events(c, "kind-worker", "Node")]
    assert reasons.count("NodeNotReady") == 1 and "RegisteredNode" in reasons


def test_a_node_that_never_posts_status_gets_the_startup_grace_period():
    c = new_cluster(0)
    c.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "ghost"}})
    created = c.now
    c.run(55)
    assert condition(c.get("nodes", "ghost"), "Ready") is None
    c.run(11)
    n = c.get("nodes", "ghost")
    assert [(x["type"], x["status"], x["reason"], x["message"]) for x in n["status"]["conditions"]] == [
        (t, "Unknown", "NodeStatusNeverUpdated", "Kubelet never posted node status.")
        for t in ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")]
    assert all(x["lastHeartbeatTime"] == n["metadata"]["creationTimestamp"] for x in n["status"]["conditions"])
    assert 60 < vtime(c, condition(n, "Ready")["lastTransitionTime"]) - created <= 65
    c.run(1)
    assert taints(c, "ghost") == [("node.kubernetes.io/unreachable", "NoSchedule"),
                                  ("node.kubernetes.io/unreachable", "NoExecute")]
    assert ("Normal", "RegisteredNode", "Registered Node ghost in Controller", "node-controller") in \
        events(c, "ghost", "Node")


def test_not_ready_and_unreachable_taints_follow_the_ready_condition():
    c = new_cluster(0)
    c.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}})
    client = c.client("test-kubelet")

    def post(status: str) -> None:
        n = client.get("nodes", "n1")
        body = {**n, "status": {"conditions": [{"type": "Ready", "status": status, "reason": "Test",
                                                "message": "", "lastHeartbeatTime": c.apiserver.timestamp(),
                                                "lastTransitionTime": c.apiserver.timestamp()}]}}
        client.update_status("nodes", body)

    post("False")
    c.run(6)
    assert taints(c, "n1") == [("node.kubernetes.io/not-ready", "NoSchedule"),
                               ("node.kubernetes.io/not-ready", "NoExecute")]
    # (the NoSchedule one was put there by the TaintNodesByCondition admission plugin at creation)
    assert [t.get("timeAdded") for t in c.get("nodes", "n1")["spec"]["taints"]] == [None, c.apiserver.timestamp(-1)]
    # the kubelet falls silent: Unknown after the grace period, and the NoExecute taint is swapped
    t = c.run_until(lambda c: node_ready(c, "n1") == "Unknown", timeout=120)
    c.run(5.5)
    assert taints(c, "n1") == [("node.kubernetes.io/unreachable", "NoSchedule"),
                               ("node.kubernetes.io/unreachable", "NoExecute")]
    assert t > 50
    post("True")
    c.run(6)
    assert taints(c, "n1") == []


def test_cordon_adds_the_unschedulable_taint_and_uncordon_removes_it():
    c = new_cluster(1)
    assert c.kubectl("cordon kind-worker").stdout == "node/kind-worker cordoned\n"
    c.run(1)
    t = c.get("nodes", "kind-worker")["spec"]["taints"]
    assert [(x["key"], x["effect"]) for x in t] == [("node.kubernetes.io/unschedulable", "NoSchedule")]
    assert t[0]["timeAdded"] == c.apiserver.timestamp(-1)
    c.kubectl("uncordon kind-worker").check()
    c.run(1)
    assert "taints" not in c.get("nodes", "kind-worker")["spec"]


def test_noexecute_tainting_is_rate_limited_to_one_node_every_ten_seconds():
    c = new_cluster(4)
    c.run(10)
    for name in ("kind-worker", "kind-worker2"):
        c.node(name).power_off()
    c.run(120)
    writes = [r.time for r in c.trace if r.component == "kube-controller-manager" and r.verb == "patch"
              and r.resource == "nodes" and r.name in ("kind-worker", "kind-worker2") and r.time > 10]
    noexec = {}
    for name in ("kind-worker", "kind-worker2"):
        t = next(x for x in c.get("nodes", name)["spec"]["taints"] if x["effect"] == "NoExecute")
        noexec[name] = vtime(c, t["timeAdded"])
    first, second = sorted(noexec.values())
    assert 10 <= second - first <= 11    # 0.1 nodes per second, burst 1
    assert len(writes) == 4              # NoSchedule and NoExecute, once per node


def test_when_every_node_is_down_nothing_is_tainted_for_eviction():
    c = new_cluster(1)
    c.kubectl("create deployment web --image=nginx:1.25 --replicas=2").check()
    c.settle()
    c.run(10)
    names = sorted(pods(c, "web-"))
    for node in ("kind-control-plane", "kind-worker"):
        c.node(node).power_off()
    c.run(500)
    # full disruption in the only zone: the node controller suspects itself, not the nodes
    assert node_ready(c, "kind-worker") == "Unknown" and node_ready(c, "kind-control-plane") == "Unknown"
    assert ("node.kubernetes.io/unreachable", "NoExecute") not in taints(c, "kind-worker")
    assert not any(p["metadata"].get("deletionTimestamp") for p in pods(c, "web-").values())
    ctl = c.controller_manager["node-lifecycle"]
    assert ctl.zone_states == {"": nlc.STATE_FULL}
    # one node back: normal again, and the one still down is tainted
    c.node("kind-worker").power_on()
    c.run(30)
    assert ctl.zone_states == {"": nlc.STATE_NORMAL}
    assert ("node.kubernetes.io/unreachable", "NoExecute") in taints(c, "kind-control-plane")
    assert sorted(pods(c, "web-")) == names


def test_zone_state_rules():
    ctl = Cluster(nodes=0, seed=0, network_addons=False, local_path_storage=False).controller_manager["node-lifecycle"]
    ready, down = {"status": "True"}, {"status": "Unknown"}
    assert ctl.compute_zone_state([down, down]) == (2, nlc.STATE_FULL)
    assert ctl.compute_zone_state([ready, down, down]) == (2, nlc.STATE_NORMAL)       # not more than 2
    assert ctl.compute_zone_state([ready, down, down, down]) == (3, nlc.STATE_PARTIAL)  # 75 % ≥ 55 %
    assert ctl.compute_zone_state([ready] * 3 + [down] * 3) == (3, nlc.STATE_NORMAL)   # 50 %
    assert ctl.compute_zone_state([None, ready]) == (1, nlc.STATE_NORMAL)
    assert nlc.zone_key({"metadata": {"labels": {"topology.kubernetes.io/zone": "a",
                                                 "topology.kubernetes.io/region": "r"}}}) == "r:\x00:a"
    assert nlc.zone_key({"metadata": {}}) == ""
