"""DaemonSet controller against pkg/controller/daemon (1.32): one pod per eligible node, the daemon
tolerations, node affinity for the scheduler, nodes joining and leaving, rolling updates."""
from conftest import observe, patch

from kube_lab.api.meta import controller_ref
from kube_lab.controlplane.controllers import controller_utils as cu
from kube_lab.controlplane.controllers import controllerrevision as history
from kube_lab.controlplane.controllers import daemonset as dsc
from kube_lab.controlplane.controllers.hashing import compute_hash

CONTROL_PLANE_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}
DAEMON_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
]


def daemonset(name="fluentd", image="quay.io/fluentd_elasticsearch/fluentd:v2.5.2", tolerations=None, **spec):
    """The fluentd-elasticsearch DaemonSet of the kubernetes/website DaemonSet page (default namespace)."""
    pod_spec = {"containers": [{"name": "fluentd-elasticsearch", "image": image}]}
    if tolerations is not None:
        pod_spec["tolerations"] = tolerations
    body = {"selector": {"matchLabels": {"name": name}},
            "template": {"metadata": {"labels": {"name": name}}, "spec": pod_spec}}
    body.update(spec)
    return {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": name}, "spec": body}


def ds_pods(cluster, active=True):
    pods = [p for p in cluster.list("pods") if (controller_ref(p) or {}).get("kind") == "DaemonSet"]
    if active:
        pods = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
    return pods


def by_node(cluster):
    out: dict[str, list[str]] = {}
    for p in ds_pods(cluster):
        out.setdefault(dsc.target_node_name(p), []).append(p["metadata"]["name"])
    return out


def test_one_pod_on_every_worker_but_not_on_the_tainted_control_plane(cluster, kubelet):
    kubelet.add_node("fake-cp", control_plane=True)
    cluster.settle()
    ds = cluster.create(daemonset())
    cluster.settle()
    nodes = by_node(cluster)
    assert sorted(nodes) == ["fake-node-1", "fake-node-2", "fake-node-3"]
    assert all(len(v) == 1 for v in nodes.values())
    for pod in ds_pods(cluster):
        node = dsc.target_node_name(pod)
        assert pod["spec"]["nodeName"] == node and pod["status"]["phase"] == "Running"
        assert pod["metadata"]["generateName"] == "fluentd-"
        assert pod["spec"]["tolerations"] == DAEMON_TOLERATIONS
        assert pod["spec"]["affinity"] == {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}]}}}
        assert controller_ref(pod)["uid"] == ds["metadata"]["uid"]
    status = cluster.get("daemonsets", "fluentd")["status"]
    assert status == {"currentNumberScheduled": 3, "numberMisscheduled": 0, "desiredNumberScheduled": 3,
                      "numberReady": 3, "observedGeneration": 1, "updatedNumberScheduled": 3, "numberAvailable": 3}
    created = sorted(e["message"] for e in cluster.list("events")
                     if e["involvedObject"]["kind"] == "DaemonSet" and e["reason"] == "SuccessfulCreate")
    assert created == sorted(f"Created pod: {p['metadata']['name']}" for p in ds_pods(cluster))
    ev = [e for e in cluster.list("events") if e["involvedObject"]["kind"] == "DaemonSet"][0]
    assert ev["source"] == {"component": "daemonset-controller"}


def test_tolerating_the_control_plane_taint_adds_the_control_plane_nodes(cluster, kubelet):
    kubelet.add_node("fake-cp", control_plane=True)
    cluster.settle()
    toleration = {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}
    cluster.create(daemonset(tolerations=[toleration]))
    cluster.settle()
    nodes = by_node(cluster)
    # kind's own control-plane node (run by the real kubelet) is eligible too
    assert sorted(nodes) == ["fake-cp", "fake-node-1", "fake-node-2", "fake-node-3", "kind-control-plane"]
    pod = [p for p in ds_pods(cluster) if p["spec"].get("nodeName") == "fake-cp"][0]
    assert pod["spec"]["tolerations"] == [toleration] + DAEMON_TOLERATIONS
    assert cluster.get("daemonsets", "fluentd")["status"]["desiredNumberScheduled"] == 5


def test_follows_nodes_joining_and_leaving(cluster, kubelet):
    cluster.create(daemonset())
    cluster.settle()
    kubelet.add_node("fake-node-4")
    cluster.settle()
    assert sorted(by_node(cluster)) == ["fake-node-1", "fake-node-2", "fake-node-3", "fake-node-4"]
    assert cluster.get("daemonsets", "fluentd")["status"]["numberReady"] == 4
    kubelet.remove_node("fake-node-2")
    cluster.settle()
    assert sorted(by_node(cluster)) == ["fake-node-1", "fake-node-3", "fake-node-4"]
    st = cluster.get("daemonsets", "fluentd")["status"]
    assert (st["desiredNumberScheduled"], st["currentNumberScheduled"], st["numberAvailable"]) == (3, 3, 3)


def test_node_selector_and_label_changes(cluster, kubelet):
    body = daemonset()
    body["spec"]["template"]["spec"]["nodeSelector"] = {"logging": "on"}
    cluster.create(body)
    cluster.settle()
    assert ds_pods(cluster) == []
    assert cluster.get("daemonsets", "fluentd")["status"]["desiredNumberScheduled"] == 0
    patch(cluster, "nodes", "fake-node-2", {"metadata": {"labels": {"logging": "on"}}})
    cluster.settle()
    assert sorted(by_node(cluster)) == ["fake-node-2"]
    patch(cluster, "nodes", "fake-node-2", {"metadata": {"labels": {"logging": None}}})
    cluster.settle()
    assert by_node(cluster) == {}
    deleted = [e["message"] for e in cluster.list("events") if e["reason"] == "SuccessfulDelete"]
    assert len(deleted) == 1 and deleted[0].startswith("Deleted pod: fluentd-")


def test_taints_no_schedule_keeps_running_pods_no_execute_removes_them(cluster, kubelet):
    cluster.create(daemonset())
    cluster.settle()
    before = by_node(cluster)
    patch(cluster, "nodes", "fake-node-1", {"spec": {"taints": [{"key": "dedicated", "value": "db",
                                                                  "effect": "NoSchedule"}]}})
    cluster.settle()
    assert by_node(cluster) == before                                     # shouldContinueRunning
    st = cluster.get("daemonsets", "fluentd")["status"]
    assert (st["desiredNumberScheduled"], st["numberMisscheduled"]) == (2, 1)
    patch(cluster, "nodes", "fake-node-1", {"spec": {"taints": [{"key": "dedicated", "value": "db",
                                                                  "effect": "NoExecute"}]}})
    cluster.settle()
    assert sorted(by_node(cluster)) == ["fake-node-2", "fake-node-3"]
    st = cluster.get("daemonsets", "fluentd")["status"]
    assert (st["desiredNumberScheduled"], st["numberMisscheduled"], st["currentNumberScheduled"]) == (2, 0, 2)


def test_revision_hash_is_compute_hash_of_the_template(cluster, kubelet):
    ds = cluster.create(daemonset())
    cluster.settle()
    ds = cluster.get("daemonsets", "fluentd")
    want = compute_hash(ds["spec"]["template"])
    assert {p["metadata"]["labels"]["controller-revision-hash"] for p in ds_pods(cluster)} == {want}
    (cr,) = cluster.list("controllerrevisions")
    assert cr["metadata"]["name"] == f"fluentd-{want}" and cr["revision"] == 1
    assert cr["metadata"]["labels"] == {"name": "fluentd", "controller-revision-hash": want}
    assert cr["data"] == history.template_patch(ds)
    assert cr["data"]["spec"]["template"]["metadata"] == {"creationTimestamp": None, "labels": {"name": "fluentd"}}


def _set_image(cluster, image):
    patch(cluster, "daemonsets", "fluentd", {"spec": {"template": {"spec": {"containers": [
        {"name": "fluentd-elasticsearch", "image": image}]}}}})


def test_rolling_update_replaces_one_node_at_a_time(cluster, kubelet):
    cluster.create(daemonset(minReadySeconds=5))
    cluster.settle()
    cluster.run(10)
    worst = [3]

    def check(c):
        now = c.apiserver.epoch + c.now
        available = {dsc.target_node_name(p) for p in ds_pods(c) if cu.is_pod_available(p, 5, now)}
        worst[0] = min(worst[0], len(available))

    _set_image(cluster, "fluentd:v3")
    observe(cluster, 120, check)
    assert worst[0] == 2                          # maxUnavailable 1
    ds = cluster.get("daemonsets", "fluentd")
    new_hash = compute_hash(ds["spec"]["template"])
    pods = ds_pods(cluster)
    assert len(pods) == 3 and {p["metadata"]["labels"]["controller-revision-hash"] for p in pods} == {new_hash}
    assert ds["status"]["updatedNumberScheduled"] == 3 and ds["status"]["observedGeneration"] == 2
    assert sorted(c["revision"] for c in cluster.list("controllerrevisions")) == [1, 2]


def test_rolling_update_with_max_surge_starts_the_new_pod_first(cluster, kubelet):
    cluster.create(daemonset(updateStrategy={"type": "RollingUpdate",
                                             "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}))
    cluster.settle()
    seen = {"min_ready": 3, "max_pods_on_a_node": 1}

    def check(c):
        pods = ds_pods(c)
        ready_nodes = {dsc.target_node_name(p) for p in pods if cu.is_pod_ready(p)}
        seen["min_ready"] = min(seen["min_ready"], len(ready_nodes))
        per_node: dict = {}
        for p in pods:
            per_node[dsc.target_node_name(p)] = per_node.get(dsc.target_node_name(p), 0) + 1
        seen["max_pods_on_a_node"] = max([seen["max_pods_on_a_node"], *per_node.values()])

    _set_image(cluster, "fluentd:v3")
    observe(cluster, 120, check)
    assert seen == {"min_ready": 3, "max_pods_on_a_node": 2}
    pods = ds_pods(cluster)
    assert len(pods) == 3 and {p["spec"]["containers"][0]["image"] for p in pods} == {"fluentd:v3"}


def test_on_delete_waits_for_the_user(cluster, kubelet):
    cluster.create(daemonset(updateStrategy={"type": "OnDelete"}))
    cluster.settle()
    _set_image(cluster, "fluentd:v3")
    cluster.run(30)
    assert {p["spec"]["containers"][0]["image"] for p in ds_pods(cluster)} == \
        {"quay.io/fluentd_elasticsearch/fluentd:v2.5.2"}
    assert cluster.get("daemonsets", "fluentd")["status"].get("updatedNumberScheduled", 0) == 0
    victim = [p for p in ds_pods(cluster) if p["spec"]["nodeName"] == "fake-node-1"][0]
    cluster.delete("pods", victim["metadata"]["name"])
    cluster.settle()
    images = {p["spec"]["nodeName"]: p["spec"]["containers"][0]["image"] for p in ds_pods(cluster)}
    assert images == {"fake-node-1": "fluentd:v3", "fake-node-2": "quay.io/fluentd_elasticsearch/fluentd:v2.5.2",
                      "fake-node-3": "quay.io/fluentd_elasticsearch/fluentd:v2.5.2"}
    assert cluster.get("daemonsets", "fluentd")["status"]["updatedNumberScheduled"] == 1


def test_a_failed_daemon_pod_is_killed_and_replaced(cluster, kubelet):
    cluster.create(daemonset())
    cluster.settle()
    pod = [p for p in ds_pods(cluster) if p["spec"]["nodeName"] == "fake-node-2"][0]
    cluster.client("test-kubelet").update_status("pods", {**pod, "status": {**pod["status"], "phase": "Failed"}},
                                                 "default")
    cluster.settle()
    new = [p for p in ds_pods(cluster) if p["spec"]["nodeName"] == "fake-node-2"]
    assert len(new) == 1 and new[0]["metadata"]["uid"] != pod["metadata"]["uid"]
    msgs = [(e["type"], e["reason"], e["message"]) for e in cluster.list("events") if e["reason"] == "FailedDaemonPod"]
    assert msgs == [("Warning", "FailedDaemonPod",
                     f"Found failed daemon pod default/{pod['metadata']['name']} on node fake-node-2, "
                     "will try to kill it")]


def test_node_should_run_daemon_pod_predicates():
    node = {"metadata": {"name": "n1", "labels": {"disk": "ssd", "rack": "7"}}, "spec": {}}
    ds = daemonset()
    assert dsc.node_should_run_daemon_pod(node, ds) == (True, True)
    tainted = {**node, "spec": {"taints": [{"key": "k", "effect": "NoSchedule"}]}}
    assert dsc.node_should_run_daemon_pod(tainted, ds) == (False, True)
    tainted = {**node, "spec": {"taints": [{"key": "k", "effect": "NoExecute"}]}}
    assert dsc.node_should_run_daemon_pod(tainted, ds) == (False, False)
    # the added daemon tolerations cover a node that is not ready or under memory pressure
    tainted = {**node, "spec": {"taints": [{"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"},
                                           {"key": "node.kubernetes.io/memory-pressure", "effect": "NoSchedule"}]}}
    assert dsc.node_should_run_daemon_pod(tainted, ds) == (True, True)
    aff = daemonset()
    aff["spec"]["template"]["spec"]["affinity"] = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": "rack", "operator": "Gt", "values": ["5"]},
                                                    {"key": "disk", "operator": "In", "values": ["ssd", "nvme"]}]}]}}}
    assert dsc.node_should_run_daemon_pod(node, aff) == (True, True)
    aff["spec"]["template"]["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
        "nodeSelectorTerms"][0]["matchExpressions"][0]["values"] = ["9"]
    assert dsc.node_should_run_daemon_pod(node, aff) == (False, False)
    named = daemonset()
    named["spec"]["template"]["spec"]["nodeName"] = "n2"
    assert dsc.node_should_run_daemon_pod(node, named) == (False, False)


def test_host_network_pods_also_tolerate_network_unavailable():
    spec = {"hostNetwork": True, "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                                                  "effect": "NoExecute", "tolerationSeconds": 60}]}
    dsc.add_daemon_tolerations(spec)
    assert spec["tolerations"] == DAEMON_TOLERATIONS + [
        {"key": "node.kubernetes.io/network-unavailable", "operator": "Exists", "effect": "NoSchedule"}]
