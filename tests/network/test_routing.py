"""The pod network model: routes and hop-by-hop paths."""
from kube_lab.network.routing import NetworkModel, veth_name


def network(lab):
    lab.pod("a", "node-1", "10.244.1.2", {"app": "a"})
    lab.pod("b", "node-1", "10.244.1.3", {"app": "b"})
    lab.pod("c", "node-2", "10.244.2.2", {"app": "c"})
    lab.run()
    return NetworkModel.from_client(lab.api)


def test_node_and_pod_routes(lab):
    net = network(lab)
    cidrs = {n: net.nodes[n].pod_cidr for n in ("node-1", "node-2", "node-3")}
    assert cidrs == {"node-1": "10.244.1.0/24", "node-2": "10.244.2.0/24", "node-3": "10.244.3.0/24"}
    assert net.ip_route("node-1") == ("default via 172.18.0.1 dev eth0\n"
                                      "10.244.0.0/24 via 172.18.0.2 dev eth0\n"
                                      "10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1\n"
                                      "10.244.2.0/24 via 172.18.0.12 dev eth0\n"
                                      "10.244.3.0/24 via 172.18.0.13 dev eth0\n"
                                      "172.18.0.0/16 dev eth0 proto kernel scope link src 172.18.0.11\n")
    assert net.ip_route("default/a") == ("default via 10.244.1.1 dev eth0\n"
                                         "10.244.1.0/24 dev eth0 proto kernel scope link src 10.244.1.2\n")


def test_paths(lab):
    net = network(lab)
    uid = lab.cluster.get("pods", "a")["metadata"]["uid"]
    assert net.pods["10.244.1.2"].veth == veth_name(uid) and len(veth_name(uid)) == 12
    same = [str(h) for h in net.path("10.244.1.2", "10.244.1.3")]
    assert same[0] == "pod default/a [eth0]: default via 10.244.1.1"
    assert same[-1] == "pod default/b [eth0]: delivered to 10.244.1.3"
    assert not any("docker network" in h for h in same)
    cross = [str(h) for h in net.path("10.244.1.2", "10.244.2.2")]
    assert "node node-1 [eth0]: route 10.244.2.0/24 via 172.18.0.12 dev eth0" in cross
    assert cross[-1] == "pod default/c [eth0]: delivered to 10.244.2.2"
    outside = [str(h) for h in net.service_path("172.18.0.1", "node-3", "10.244.2.2")]
    assert outside[0] == "outside: client 172.18.0.1"
    assert "node node-3: kube-proxy rules: DNAT to 10.244.2.2" in outside
    assert outside[-1] == "pod default/c [eth0]: delivered to 10.244.2.2"
    gone = [str(h) for h in net.path("10.244.1.2", "10.244.2.99")]
    assert gone[-1] == "node node-2 [cni0]: no pod has 10.244.2.99: host unreachable"
