"""Filter plugins, each through a real cluster (or a bigger API-only one): where pods may go, and
the FailedScheduling message when they may go nowhere."""
from __future__ import annotations

from kube_lab.api.meta import deep_copy

from conftest import Bare, label_node, node_of, patch_node, pod, scheduled_condition, taint_node

CP_TAINT = "1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"


def message(cluster, name):
    return scheduled_condition(cluster, name)["message"]


# -- NodeUnschedulable --------------------------------------------------------------------------
def test_cordoned_nodes_take_no_pods_unless_tolerated(cluster):
    for n in ("kind-worker", "kind-worker2", "kind-worker3"):
        patch_node(cluster, n, lambda node: node["spec"].__setitem__("unschedulable", True))
    cluster.settle()
    cluster.create(pod("plain"))
    cluster.settle()
    assert node_of(cluster, "plain") is None
    assert message(cluster, "plain") == (
        f"0/4 nodes are available: {CP_TAINT}, 3 node(s) were unschedulable. "
        "preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.")
    cluster.create(pod("tolerant", tolerations=[{"key": "node.kubernetes.io/unschedulable", "operator": "Exists",
                                                 "effect": "NoSchedule"}]))
    cluster.settle()
    assert node_of(cluster, "tolerant") in ("kind-worker", "kind-worker2", "kind-worker3")


# -- TaintToleration ------------------------------------------------------------------------------
def test_untolerated_taints_keep_pods_off(cluster):
    taint_node(cluster, "kind-worker", "dedicated", "gpu")
    taint_node(cluster, "kind-worker2", "dedicated", "gpu", effect="NoExecute")
    taint_node(cluster, "kind-worker3", "maintenance")
    cluster.settle()
    cluster.create(pod("web"))
    cluster.settle()
    assert message(cluster, "web") == (
        "0/4 nodes are available: 1 node(s) had untolerated taint {maintenance: }, "
        f"{CP_TAINT}, 2 node(s) had untolerated taint {{dedicated: gpu}}. "
        "preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.")
    cluster.create(pod("gpu", tolerations=[{"key": "dedicated", "operator": "Equal", "value": "gpu"}]))
    cluster.settle()
    assert node_of(cluster, "gpu") in ("kind-worker", "kind-worker2")


def test_toleration_with_effect_only_matches_that_effect(cluster):
    taint_node(cluster, "kind-worker", "dedicated", "gpu", effect="NoExecute")
    for n in ("kind-worker2", "kind-worker3"):
        patch_node(cluster, n, lambda node: node["spec"].__setitem__("unschedulable", True))
    cluster.settle()
    cluster.create(pod("wrong-effect", tolerations=[{"key": "dedicated", "operator": "Exists",
                                                     "effect": "NoSchedule"}]))
    cluster.create(pod("right-effect", tolerations=[{"key": "dedicated", "operator": "Exists",
                                                     "effect": "NoExecute"}]))
    cluster.settle()
    assert node_of(cluster, "wrong-effect") is None
    assert node_of(cluster, "right-effect") == "kind-worker"


# -- NodeAffinity ----------------------------------------------------------------------------------
def test_node_selector_and_required_affinity(cluster):
    label_node(cluster, "kind-worker2", disk="ssd", generation="3")
    label_node(cluster, "kind-worker3", disk="hdd", generation="5")
    cluster.settle()
    cluster.create(pod("selector", nodeSelector={"disk": "ssd"}))
    cluster.create(pod("gt", affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": "generation", "operator": "Gt", "values": ["4"]}]}]}}}))
    cluster.create(pod("notin", affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [
            {"key": "disk", "operator": "Exists"},
            {"key": "disk", "operator": "NotIn", "values": ["ssd"]}]}]}}}))
    cluster.create(pod("nowhere", nodeSelector={"disk": "nvme"}))
    cluster.settle()
    assert node_of(cluster, "selector") == "kind-worker2"
    assert node_of(cluster, "gt") == "kind-worker3"
    assert node_of(cluster, "notin") == "kind-worker3"
    assert message(cluster, "nowhere") == (
        f"0/4 nodes are available: {CP_TAINT}, 3 node(s) didn't match Pod's node affinity/selector. "
        "preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.")


def test_terms_naming_a_node_restrict_the_candidates_in_prefilter(cluster):
    """How a DaemonSet pod is pinned: ``matchFields`` on ``metadata.name``."""
    pinned = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["kind-worker2"]}]}]}}}
    cluster.create(pod("ds-big", cpu="8", affinity=pinned))
    cluster.create(pod("ds", affinity=pinned))
    cluster.settle()
    assert node_of(cluster, "ds") == "kind-worker2"
    assert len(cluster.scheduler.explain("ds").nodes) == 1       # only the named node was filtered
    assert message(cluster, "ds-big") == (
        "0/4 nodes are available: 1 Insufficient cpu, 3 node(s) didn't satisfy plugin(s) [NodeAffinity]. "
        "preemption: 0/4 nodes are available: 1 No preemption victims found for incoming pod, "
        "3 Preemption is not helpful for scheduling.")


# -- NodePorts ----------------------------------------------------------------------------------------
def test_host_ports_are_exclusive(cluster):
    ports = [{"containerPort": 80, "hostPort": 8080}]
    for i in range(4):
        body = pod(f"hp-{i}")
        body["spec"]["containers"][0]["ports"] = ports
        cluster.create(body)
    cluster.settle()
    placed = sorted(filter(None, (node_of(cluster, f"hp-{i}") for i in range(4))))
    assert placed == ["kind-worker", "kind-worker2", "kind-worker3"]
    stuck = next(f"hp-{i}" for i in range(4) if node_of(cluster, f"hp-{i}") is None)
    assert message(cluster, stuck) == (
        f"0/4 nodes are available: {CP_TAINT}, 3 node(s) didn't have free ports for the requested pod ports. "
        "preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, "
        "3 No preemption victims found for incoming pod.")
    other = pod("udp")
    other["spec"]["containers"][0]["ports"] = [{"containerPort": 80, "hostPort": 8080, "protocol": "UDP"}]
    cluster.create(other)
    cluster.settle()
    assert node_of(cluster, "udp") is not None       # same port, other protocol


# -- NodeResourcesFit ---------------------------------------------------------------------------------
def test_requests_must_fit_what_is_left(cluster):
    cluster.create(pod("a", cpu="3", memory="6Gi"))
    cluster.settle()
    first = node_of(cluster, "a")
    cluster.create(pod("both", cpu="5", memory="10Gi"))
    cluster.settle()
    assert message(cluster, "both") == (
        f"0/4 nodes are available: {CP_TAINT}, 3 Insufficient cpu, 3 Insufficient memory. "
        "preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, "
        "3 No preemption victims found for incoming pod.")
    exp = cluster.scheduler.explain("both")
    assert exp.node_result("kind-worker").filters["NodeResourcesFit"] == "Insufficient cpu, Insufficient memory"
    cluster.create(pod("b", cpu="2"))
    cluster.settle()
    assert node_of(cluster, "b") not in (None, first)       # 1 CPU left on the first node


def test_too_many_pods():
    b = Bare(2, pods=2)
    for i in range(5):
        b.create(pod(f"p{i}"))
    b.settle()
    placed = [b.node_of(f"p{i}") for i in range(5)]
    assert sorted(filter(None, placed)) == ["node-0000", "node-0000", "node-0001", "node-0001"]
    stuck = f"p{placed.index(None)}"
    assert b.message(stuck) == ("0/2 nodes are available: 2 Too many pods. "
                                "preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.")


# -- PodTopologySpread -----------------------------------------------------------------------------
SPREAD = [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "DoNotSchedule",
           "labelSelector": {"matchLabels": {"app": "spread"}}}]


def test_do_not_schedule_spread_constraint_limits_the_skew():
    b = Bare(4, zones=2)                 # node-0000, -0002 in zone-0; node-0001, -0003 in zone-1
    for n in ("node-0001", "node-0003"):
        body = deep_copy(b.get("nodes", n, None))
        body["spec"]["unschedulable"] = True
        b.update("nodes", body)
    b.settle()
    b.create(pod("s0", labels={"app": "spread"}, topologySpreadConstraints=SPREAD))
    b.settle()
    b.create(pod("s1", labels={"app": "spread"}, topologySpreadConstraints=SPREAD))
    b.settle()
    assert b.node_of("s0") in ("node-0000", "node-0002")
    assert b.node_of("s1") is None        # zone-0 would have 2, zone-1 0: skew 2 > 1
    assert b.message("s1") == (
        "0/4 nodes are available: 2 node(s) didn't match pod topology spread constraints, "
        "2 node(s) were unschedulable. preemption: 0/4 nodes are available: "
        "2 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.")


def test_spread_constraint_needs_the_topology_label():
    b = Bare(2)                          # no zone labels at all
    b.create(pod("s0", labels={"app": "spread"}, topologySpreadConstraints=SPREAD))
    b.settle()
    assert b.message("s0") == (
        "0/2 nodes are available: 2 node(s) didn't match pod topology spread constraints (missing required label). "
        "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.")


def test_spread_evenly_over_zones():
    b = Bare(6, zones=3)
    for i in range(6):
        b.create(pod(f"s{i}", labels={"app": "spread"}, topologySpreadConstraints=SPREAD))
        b.settle()
    zones = {}
    for i in range(6):
        z = int(b.node_of(f"s{i}")[-1]) % 3
        zones[z] = zones.get(z, 0) + 1
    assert zones == {0: 2, 1: 2, 2: 2}


# -- InterPodAffinity ----------------------------------------------------------------------------------
def anti(app):
    return {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": app}}, "topologyKey": "kubernetes.io/hostname"}]}}


def test_required_anti_affinity_one_per_node(cluster):
    for i in range(4):
        cluster.create(pod(f"r{i}", labels={"app": "redis"}, affinity=anti("redis")))
    cluster.settle()
    nodes = [node_of(cluster, f"r{i}") for i in range(4)]
    assert sorted(filter(None, nodes)) == ["kind-worker", "kind-worker2", "kind-worker3"]
    stuck = f"r{nodes.index(None)}"
    assert message(cluster, stuck) == (
        f"0/4 nodes are available: {CP_TAINT}, 3 node(s) didn't match pod anti-affinity rules. "
        "preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, "
        "3 No preemption victims found for incoming pod.")


def test_existing_pods_anti_affinity_is_respected(cluster):
    cluster.create(pod("loner", labels={"app": "loner"}, affinity=anti("web"),
                       nodeSelector={"kubernetes.io/hostname": "kind-worker"}))
    cluster.settle()
    cluster.create(pod("web", labels={"app": "web"}, nodeSelector={"kubernetes.io/hostname": "kind-worker"}))
    cluster.settle()
    assert message(cluster, "web") == (
        f"0/4 nodes are available: 1 node(s) didn't satisfy existing pods anti-affinity rules, {CP_TAINT}, "
        "2 node(s) didn't match Pod's node affinity/selector. preemption: 0/4 nodes are available: "
        "1 No preemption victims found for incoming pod, 3 Preemption is not helpful for scheduling.")


def test_required_affinity_follows_the_matching_pod(cluster):
    near_db = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": "kubernetes.io/hostname"}]}}
    cluster.create(pod("cache", labels={"app": "cache"}, affinity=near_db))
    cluster.settle()
    assert message(cluster, "cache") == (
        f"0/4 nodes are available: {CP_TAINT}, 3 node(s) didn't match pod affinity rules. "
        "preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.")
    cluster.create(pod("db", labels={"app": "db"}, nodeSelector={"kubernetes.io/hostname": "kind-worker3"}))
    cluster.settle()
    assert node_of(cluster, "cache") == "kind-worker3"      # the db pod's arrival requeued it


def test_a_pod_matching_its_own_affinity_may_go_first(cluster):
    self_aff = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "group"}}, "topologyKey": "kubernetes.io/hostname"}]}}
    cluster.create(pod("g0", labels={"app": "group"}, affinity=self_aff))
    cluster.settle()
    cluster.create(pod("g1", labels={"app": "group"}, affinity=self_aff))
    cluster.settle()
    assert node_of(cluster, "g0") is not None
    assert node_of(cluster, "g1") == node_of(cluster, "g0")


# -- VolumeBinding -----------------------------------------------------------------------------------
def pvc(name, storage_class=None, volume=None, size="1Gi"):
    spec = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}
    if storage_class is not None:
        spec["storageClassName"] = storage_class
    if volume:
        spec["volumeName"] = volume
    body = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name, "namespace": "default"},
            "spec": spec}
    return body


def pv(name, node=None, size="1Gi", storage_class="", claim=None):
    spec = {"capacity": {"storage": size}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": f"/data/{name}"},
            "storageClassName": storage_class, "persistentVolumeReclaimPolicy": "Retain"}
    if node:
        spec["nodeAffinity"] = {"required": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}]}}
    if claim:
        spec["claimRef"] = {"kind": "PersistentVolumeClaim", "namespace": "default", "name": claim}
    return {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name}, "spec": spec}


def with_claim(name, claim):
    return pod(name, volumes=[{"name": "data", "persistentVolumeClaim": {"claimName": claim}}])


def bind_claim(b, claim, volume):
    """What the PV controller does when it binds a claim."""
    body = deep_copy(b.get("persistentvolumeclaims", claim))
    body["spec"]["volumeName"] = volume
    body["metadata"].setdefault("annotations", {})["pv.kubernetes.io/bind-completed"] = "yes"
    b.update("persistentvolumeclaims", body)
    body = deep_copy(b.get("persistentvolumeclaims", claim))
    body["status"] = {"phase": "Bound"}
    b.client.update_status("persistentvolumeclaims", body, "default")


def test_missing_and_unbound_immediate_claims():
    b = Bare(3)
    b.create(with_claim("nopvc", "missing"))
    b.create(pvc("unbound", storage_class=""))
    b.create(with_claim("waits", "unbound"))
    b.settle()
    assert b.message("nopvc") == ('0/3 nodes are available: persistentvolumeclaim "missing" not found. '
                                  "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")
    assert b.message("waits") == ("0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. "
                                  "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")
    b.create(pv("vol", node="node-0002", claim="unbound"))
    bind_claim(b, "unbound", "vol")
    b.settle()
    assert b.node_of("waits") == "node-0002"          # the claim's update requeued it; the PV pins the node


def test_volume_node_affinity_conflict():
    b = Bare(3)
    b.create(pv("local", node="node-0001", claim="data"))
    b.create(pvc("data", storage_class=""))
    bind_claim(b, "data", "local")
    body = deep_copy(b.get("nodes", "node-0001", None))
    body["spec"]["unschedulable"] = True
    b.update("nodes", body)
    b.create(with_claim("user", "data"))
    b.settle()
    assert b.message("user") == (
        "0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) didn't satisfy plugin(s) [VolumeBinding]. "
        "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.")


def test_wait_for_first_consumer_provisioning():
    b = Bare(3)
    b.create({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "standard"},
              "provisioner": "example.com/hostpath", "volumeBindingMode": "WaitForFirstConsumer",
              "allowedTopologies": [{"matchLabelExpressions": [
                  {"key": "kubernetes.io/hostname", "values": ["node-0001", "node-0002"]}]}]})
    b.create(pvc("claim", storage_class="standard"))
    b.create(with_claim("consumer", "claim"))
    b.settle()
    exp = b.scheduler.explain("consumer")
    assert exp.result == "Binding" and exp.node in ("node-0001", "node-0002")
    assert exp.node_result("node-0000").filters["VolumeBinding"] == \
        "node(s) didn't find available persistent volumes to bind"
    claim = b.get("persistentvolumeclaims", "claim")
    assert claim["metadata"]["annotations"]["volume.kubernetes.io/selected-node"] == exp.node
    assert b.node_of("consumer") is None                 # waiting for the provisioner and the PV controller
    b.loop.run_until(2.5)
    b.create(pv("pvc-1", node=exp.node, storage_class="standard", claim="claim"))
    bind_claim(b, "claim", "pvc-1")
    b.settle()
    assert b.node_of("consumer") == exp.node
    assert b.loop.now == 3.0                              # noticed at the next one-second poll


def test_wait_for_first_consumer_static_volume_gets_the_claim_ref():
    b = Bare(3)
    b.create({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "local"},
              "provisioner": "kubernetes.io/no-provisioner", "volumeBindingMode": "WaitForFirstConsumer"})
    b.create(pv("small", node="node-0000", size="1Gi", storage_class="local"))
    b.create(pv("big", node="node-0002", size="10Gi", storage_class="local"))
    for name in ("small", "big"):       # what the PV controller does with an unclaimed volume
        body = deep_copy(b.get("persistentvolumes", name, None))
        body["status"] = {"phase": "Available"}
        b.client.update_status("persistentvolumes", body)
    b.create(pvc("claim", storage_class="local", size="5Gi"))
    b.create(with_claim("consumer", "claim"))
    b.settle()
    exp = b.scheduler.explain("consumer")
    assert exp.node == "node-0002"
    ref = b.get("persistentvolumes", "big", None)["spec"]["claimRef"]
    assert (ref["namespace"], ref["name"]) == ("default", "claim")
