import pytest

from kube_lab import Cluster
from kube_lab.network.ipam import HostLocalIPAM, RangeFull


def test_sequential_after_gateway_and_no_immediate_reuse():
    ipam = HostLocalIPAM("10.244.1.0/24")
    assert ipam.gateway == "10.244.1.1"
    a, b = ipam.allocate("a"), ipam.allocate("b")
    assert (a, b) == ("10.244.1.2", "10.244.1.3")
    assert ipam.allocate("a") == a          # idempotent per owner
    ipam.release("a")
    assert ipam.allocate("c") == "10.244.1.4"  # continues after the last one handed out


def test_range_full_and_wrap():
    ipam = HostLocalIPAM("10.0.0.0/29")   # hosts .1-.6, gateway .1 → pods .2-.6
    got = [ipam.allocate(str(i)) for i in range(5)]
    assert got[-1] == "10.0.0.6"
    with pytest.raises(RangeFull):
        ipam.allocate("x")
    ipam.release("2")
    assert ipam.allocate("y") == "10.0.0.4"  # wraps around to the freed address


def test_nodes_get_pod_cidrs_in_registration_order():
    c = Cluster(nodes=3, seed=0)
    cidrs = {n["metadata"]["name"]: n["spec"]["podCIDR"] for n in c.list("nodes")}
    assert cidrs == {"kind-control-plane": "10.244.0.0/24", "kind-worker": "10.244.1.0/24",
                     "kind-worker2": "10.244.2.0/24", "kind-worker3": "10.244.3.0/24"}
    assert all(n["spec"]["podCIDRs"] == [n["spec"]["podCIDR"]] for n in c.list("nodes"))
