"""Nodes: registration, status and Lease heartbeats, and failures (kubelet stopped, power off,
network cut)."""
import pytest

from kube_lab import Cluster
from kube_lab.api.meta import parse_rfc3339

from .conftest import container, cstatus, events, kubelet, pod, status


def lease_times(cluster, name: str) -> list[float]:
    """Virtual times of every write to a node's Lease."""
    times: list[float] = []

    def handler(_type, obj):
        if obj["metadata"]["name"] == name:
            times.append(parse_rfc3339(obj["spec"]["renewTime"]) - cluster.apiserver.epoch)

    cluster.apiserver.watch("leases", handler, "kube-node-lease", resource_version=str(cluster.etcd.revision))
    return times


def status_writes(cluster, name: str) -> list[float]:
    times: list[float] = []
    cluster.apiserver.watch("nodes", lambda t, o: times.append(cluster.now) if o["metadata"]["name"] == name else None,
                            resource_version=str(cluster.etcd.revision))
    return times


def ready_condition(node: dict) -> dict:
    return [c for c in node["status"]["conditions"] if c["type"] == "Ready"][0]


def test_registration_like_kind():
    c = Cluster(nodes=2, seed=0, network_addons=False)
    assert c.now == 0
    node = c.get("node", "kind-worker2")
    assert node["spec"]["podCIDR"] == "10.244.2.0/24"
    assert "taints" not in node["spec"]
    st = node["status"]
    assert st["addresses"] == [{"address": "172.18.0.4", "type": "InternalIP"},
                               {"address": "kind-worker2", "type": "Hostname"}]
    assert st["nodeInfo"]["kubeletVersion"] == "v1.32.0"
    assert st["nodeInfo"]["containerRuntimeVersion"].startswith("containerd://")
    assert st["capacity"] == st["allocatable"]
    assert st["capacity"]["pods"] == "110"
    assert [(x["type"], x["status"], x["reason"]) for x in st["conditions"]] == [
        ("MemoryPressure", "False", "KubeletHasSufficientMemory"), ("DiskPressure", "False", "KubeletHasNoDiskPressure"),
        ("PIDPressure", "False", "KubeletHasSufficientPID"), ("Ready", "True", "KubeletReady")]
    assert ready_condition(node)["message"] == "kubelet is posting ready status"
    names = [i["names"] for i in st["images"]]
    assert ["registry.k8s.io/pause:3.10" in n[-1] for n in names].count(True) == 1
    assert all(n[0].split("@")[1].startswith("sha256:") for n in names)
    sizes = [i["sizeBytes"] for i in st["images"]]
    assert sizes == sorted(sizes, reverse=True)
    evs = [(e["reason"], e["message"]) for e in events(c, "kind-worker2", kind="Node")]
    assert evs[:6] == [("Starting", "Starting kubelet."),
                       ("NodeHasSufficientMemory", "Node kind-worker2 status is now: NodeHasSufficientMemory"),
                       ("NodeHasNoDiskPressure", "Node kind-worker2 status is now: NodeHasNoDiskPressure"),
                       ("NodeHasSufficientPID", "Node kind-worker2 status is now: NodeHasSufficientPID"),
                       ("NodeAllocatableEnforced", "Updated Node Allocatable limit across pods"),
                       ("NodeReady", "Node kind-worker2 status is now: NodeReady")]
    e = events(c, "kind-worker2", kind="Node")[0]
    assert e["metadata"]["namespace"] == "default" and e["involvedObject"]["uid"] == "kind-worker2"
    assert e["source"] == {"component": "kubelet", "host": "kind-worker2"}


def test_lease_is_renewed_every_ten_seconds(cluster):
    times = lease_times(cluster, "kind-worker")
    lease = cluster.get("lease", "kind-worker", "kube-node-lease")
    assert lease["spec"]["holderIdentity"] == "kind-worker" and lease["spec"]["leaseDurationSeconds"] == 40
    owner = lease["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["name"], owner["uid"]) == ("Node", "kind-worker",
                                                           cluster.get("node", "kind-worker")["metadata"]["uid"])
    cluster.run(100)
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(times) >= 9
    assert all(10.0 <= g <= 10.4 for g in gaps), gaps     # 25 % of 40 s, jittered by up to 4 %


def test_node_status_is_reported_on_change_or_every_five_minutes(cluster):
    writes = status_writes(cluster, "kind-worker")
    cluster.run(250)
    assert writes == []                   # nothing changed: no status write for 5 minutes
    cluster.run(60)
    assert len(writes) == 1 and 300 <= writes[0] <= 311
    node = cluster.get("node", "kind-worker")
    assert parse_rfc3339(ready_condition(node)["lastHeartbeatTime"]) - cluster.apiserver.epoch == writes[0]
    assert ready_condition(node)["lastTransitionTime"] == "2025-01-01T00:00:00Z"
    # a new image in the node's store is a change: reported within the next 10 s
    cluster.create(pod("web", [container("nginx", "nginx:1.25")]))
    cluster.run(20)
    assert len(writes) == 2
    names = [n for i in cluster.get("node", "kind-worker")["status"]["images"] for n in i["names"]]
    assert "docker.io/library/nginx:1.25" in names


def test_power_off_stops_lease_and_status_updates():
    c = Cluster(nodes=2, seed=0, network_addons=False)
    c.create(pod("web", [container("nginx", "nginx:1.25")]))
    c.run(20)
    lease_before = c.get("lease", "kind-worker", "kube-node-lease")["spec"]["renewTime"]
    other_before = c.get("lease", "kind-worker2", "kube-node-lease")["spec"]["renewTime"]
    t_off = c.now
    m = c.node("kind-worker")
    m.power_off()
    c.run(200)      # less than node-monitor-grace-period + the 300 s toleration: nothing is evicted
    assert c.get("lease", "kind-worker", "kube-node-lease")["spec"]["renewTime"] == lease_before
    assert c.get("lease", "kind-worker2", "kube-node-lease")["spec"]["renewTime"] > other_before
    # the Node still changes (the node controller marks it NotReady and taints it), but not its kubelet
    assert [r for r in c.trace if r.time > t_off and r.component == "kubelet/kind-worker"] == []
    assert m.runtime.containers == {} and not m.kubelet.running
    # the API still shows the pod Running; the node controller only marked it not Ready
    assert status(c, "web")["phase"] == "Running"
    assert [x["status"] for x in status(c, "web")["conditions"] if x["type"] == "Ready"] == ["False"]
    m.power_on()
    c.run(30)
    assert c.get("lease", "kind-worker", "kube-node-lease")["spec"]["renewTime"] > lease_before
    evs = [(e["reason"], e["type"]) for e in events(c, "kind-worker", kind="Node")]
    assert ("Rebooted", "Warning") in evs
    assert c.get("node", "kind-worker")["status"]["nodeInfo"]["bootID"] == m.boot_id
    cs = cstatus(c, "web")
    assert list(cs["state"]) == ["running"] and cs["restartCount"] == 1
    assert ("Normal", "SandboxChanged") not in [(e["type"], e["reason"]) for e in events(c, "web")]


def test_stopped_kubelet_leaves_containers_running_unreported(cluster):
    cluster.create(pod("web", [container("nginx", "nginx:1.25")]))
    cluster.run(10)
    m = cluster.node("kind-worker")
    m.stop_kubelet()
    renew = cluster.get("lease", "kind-worker", "kube-node-lease")["spec"]["renewTime"]
    cluster.delete("pod", "web")
    cluster.run(60)
    # nobody terminates the pod: it stays Terminating, the container keeps serving
    assert cluster.get("pod", "web")["metadata"]["deletionTimestamp"]
    assert [c.state for c in m.runtime.containers.values()] == ["CONTAINER_RUNNING"]
    assert cluster.get("lease", "kind-worker", "kube-node-lease")["spec"]["renewTime"] == renew
    m.start_kubelet()
    cluster.run(5)
    assert cluster.list("pods") == []


def test_network_cut_keeps_containers_running_but_silences_the_node():
    c = Cluster(nodes=2, seed=0, network_addons=False)
    c.create(pod("web", [container("nginx", "nginx:1.25")], node="kind-worker2"))
    c.create(pod("client", [container(command=["sleep", "3600"])]))
    c.run(15)
    ip = status(c, "web")["podIP"]
    m = c.node("kind-worker2")
    renew = c.get("lease", "kind-worker2", "kube-node-lease")["spec"]["renewTime"]
    m.cut_network()
    c.run(60)
    assert c.get("lease", "kind-worker2", "kube-node-lease")["spec"]["renewTime"] == renew
    assert m.runtime.listener(ip, 80) is not None                     # nginx still runs
    out, err, code = kubelet(c).exec("default", "client", None, ["wget", "-q", "-T", "3", "-O-", f"http://{ip}/"])
    assert (err, code) == ("wget: download timed out\n", 1)            # but nobody reaches it
    c.delete("pod", "web")
    c.run(20)
    assert c.get("pod", "web")["metadata"]["deletionTimestamp"]        # the kubelet never heard of it
    m.restore_network()
    c.run(15)
    assert c.get("lease", "kind-worker2", "kube-node-lease")["spec"]["renewTime"] > renew
    assert c.list("pods", field_selector="metadata.name=web") == []    # relisted, terminated, deleted


def test_cordon_and_uncordon(cluster):
    m = cluster.node("kind-worker")
    assert m.cordon()["spec"]["unschedulable"] is True
    assert "unschedulable" not in m.uncordon()["spec"]


def test_add_and_remove_nodes(cluster):
    m = cluster.add_node()
    assert m.name == "kind-worker2" and m.ip == "172.18.0.4"
    cluster.settle()      # the node IPAM controller hands out its pod CIDR; the kubelet reports Ready
    node = cluster.get("node", "kind-worker2")
    assert node["spec"]["podCIDR"] == "10.244.2.0/24"
    assert ready_condition(node)["status"] == "True"
    cluster.create(pod("p", [container(command=["sleep", "3600"])], node="kind-worker2"))
    cluster.run(5)
    assert status(cluster, "p")["podIP"].startswith("10.244.2.")
    big = cluster.add_node("big-node", cpu="16", memory_ki=64 * 1024 * 1024, labels={"disk": "ssd"})
    node = cluster.get("node", "big-node")
    assert node["status"]["capacity"]["cpu"] == "16" and node["metadata"]["labels"]["disk"] == "ssd"
    cluster.remove_node("kind-worker2")
    assert [n["metadata"]["name"] for n in cluster.list("nodes")] == ["big-node", "kind-control-plane", "kind-worker"]
    with pytest.raises(KeyError):
        cluster.node("kind-worker2")
    assert big.kubelet.running


def test_restored_cluster_boots_its_nodes(tmp_path):
    c = Cluster(nodes=1, seed=3, network_addons=False)
    c.create(pod("web", [container("nginx", "nginx:1.25")]))
    c.run(20)
    path = str(tmp_path / "snap.db")
    c.snapshot_save(path)
    r = Cluster.restore(path, seed=3)
    assert r.etcd.dump()["kvs"] == c.etcd.dump()["kvs"]        # nothing runs before the clock moves
    r.run(30)
    assert r.node("kind-worker").kubelet.running
    st = status(r, "web")
    assert st["phase"] == "Running"
    assert ("Warning", "Rebooted") in [(e["type"], e["reason"]) for e in events(r, "kind-worker", kind="Node")]
