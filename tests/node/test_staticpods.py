"""The control plane as kind shows it: static pods on the control-plane node, published as
mirror pods, and the kube-proxy and kindnet DaemonSets on every node."""
from __future__ import annotations

import re

import pytest

from kube_lab import Cluster


@pytest.fixture(scope="module")
def kind():
    return Cluster(nodes=2, seed=0)


def test_kube_system_lists_what_kind_runs(kind):
    rows = kind.kubectl("get pods -n kube-system -o wide").stdout.splitlines()[1:]
    names = [r.split()[0] for r in rows]
    static = ["etcd-kind-control-plane", "kube-apiserver-kind-control-plane",
              "kube-controller-manager-kind-control-plane", "kube-scheduler-kind-control-plane"]
    assert [n for n in names if n.endswith("-kind-control-plane")] == static
    assert len([n for n in names if re.fullmatch(r"kube-proxy-\w{5}", n)]) == 3
    assert len([n for n in names if re.fullmatch(r"kindnet-\w{5}", n)]) == 3
    assert len([n for n in names if n.startswith("coredns-")]) == 2
    for row in rows:
        name, ready, status, _restarts, _age, ip, node = row.split()[:7]
        assert status == "Running", row
        if not name.startswith("coredns-"):           # host-network pods: the node's own address
            assert ready == "1/1", row
            assert ip == kind.node(node).ip, row


def test_a_mirror_pod_is_owned_by_its_node_and_says_where_it_came_from(kind):
    pod = kind.get("pods", "kube-apiserver-kind-control-plane", "kube-system")
    ann = pod["metadata"]["annotations"]
    assert ann["kubernetes.io/config.source"] == "file"
    assert ann["kubernetes.io/config.mirror"] == ann["kubernetes.io/config.hash"]
    assert re.fullmatch(r"[0-9a-f]{32}", ann["kubernetes.io/config.hash"])
    assert ann["kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint"] == "172.18.0.2:6443"
    node = kind.get("nodes", "kind-control-plane")
    assert pod["metadata"]["ownerReferences"] == [{"apiVersion": "v1", "kind": "Node", "name": "kind-control-plane",
                                                    "uid": node["metadata"]["uid"], "controller": True}]
    spec = pod["spec"]
    assert spec["hostNetwork"] and spec["priorityClassName"] == "system-node-critical"
    assert "serviceAccountName" not in spec          # admission leaves mirror pods alone
    assert "--service-cluster-ip-range=10.96.0.0/12" in spec["containers"][0]["command"]


def test_control_plane_requests_count_on_the_node(kind):
    desc = kind.kubectl("describe node kind-control-plane").stdout
    assert re.search(r"kube-system\s+kube-apiserver-kind-control-plane\s+250m \(6%\)", desc)
    assert re.search(r"kube-system\s+etcd-kind-control-plane\s+100m \(2%\)\s+0 \(0%\)\s+100Mi", desc)
    # 100m etcd + 250m apiserver + 200m controller-manager + 100m scheduler + 100m kindnet
    assert re.search(r"cpu\s+750m \(18%\)\s+100m \(2%\)", desc)
    worker = kind.kubectl("describe node kind-worker").stdout
    assert re.search(r"kube-system\s+kindnet-\w{5}\s+100m \(2%\)\s+100m \(2%\)\s+50Mi \(0%\)\s+50Mi \(0%\)", worker)


def test_a_deleted_mirror_pod_is_published_again():
    c = Cluster(nodes=1, seed=0)
    old = c.get("pods", "kube-scheduler-kind-control-plane", "kube-system")["metadata"]["uid"]
    assert c.kubectl("delete pod -n kube-system kube-scheduler-kind-control-plane").exit_code == 0
    c.run(40)
    new = c.get("pods", "kube-scheduler-kind-control-plane", "kube-system")
    assert new["metadata"]["uid"] != old and new["status"]["phase"] == "Running"


def test_node_agents_follow_new_nodes_and_stay_off_without_add_ons():
    c = Cluster(nodes=1, seed=0)
    c.add_node()
    c.run(5)
    ds = {d["metadata"]["name"]: d["status"] for d in c.list("daemonsets", "kube-system")}
    assert {n: (s["desiredNumberScheduled"], s["numberReady"]) for n, s in ds.items()} == \
        {"kindnet": (3, 3), "kube-proxy": (3, 3)}
    bare = Cluster(nodes=1, seed=0, network_addons=False)
    assert bare.list("pods", "kube-system") == []


def test_names_in_default_do_not_depend_on_kube_system():
    # generated names come from a stream per namespace: the add-ons' pods shift nothing here
    names = []
    for addons in (True, False):
        c = Cluster(nodes=1, seed=3, network_addons=addons)
        c.kubectl("create deployment web --image=nginx:1.25 --replicas=3")
        c.run(5)
        names.append(sorted(p["metadata"]["name"] for p in c.list("pods", "default")))
    assert names[0] == names[1] and len(names[0]) == 3
