import random

import pytest

from kube_lab import Cluster, StatusError
from kube_lab.controlplane.apiserver.allocators import Bitmap, ClusterIPAllocator, NodePortAllocator, band_offset


def svc(name, **spec):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"ports": [{"port": 80}], **spec}}


def test_band_offset_matches_upstream_formula():
    assert band_offset(2768) == 173          # node ports 30000-32767
    assert band_offset(2 ** 20 - 2) == 256   # a /12 of cluster IPs
    assert band_offset(100) == 16


def test_dynamic_allocation_prefers_the_upper_band():
    b = Bitmap(100, random.Random(1))
    got = [b.allocate_next() for _ in range(84)]
    assert all(i >= 16 for i in got)
    assert sorted(got) == list(range(16, 100))
    assert b.allocate_next() < 16  # upper band full: fall back to the static band
    assert b.allocate(5) in (True, False)


def test_cluster_ip_range_and_errors():
    a = ClusterIPAllocator("10.96.0.0/12", random.Random(0))
    a.allocate("10.96.0.1")
    ip = a.allocate_next()
    assert ip.startswith("10.") and ip != "10.96.0.1"
    with pytest.raises(StatusError) as e:
        a.allocate("10.96.0.1")
    assert "provided IP is already allocated" in e.value.message
    with pytest.raises(StatusError) as e:
        a.allocate("192.168.0.1")
    assert "is not in the valid range. The range of valid IPs is 10.96.0.0/12" in e.value.message
    a.release("10.96.0.1")
    a.allocate("10.96.0.1")


def test_node_port_allocator():
    p = NodePortAllocator(30000, 32767, random.Random(0))
    port = p.allocate_next()
    assert 30173 <= port <= 32767
    with pytest.raises(StatusError):
        p.allocate(port, "spec.ports[0].nodePort")


@pytest.fixture
def cluster():
    return Cluster(nodes=1, seed=0)


def test_services_get_addresses(cluster):
    web = cluster.create(svc("web", selector={"app": "web"}, type="NodePort"))
    spec = web["spec"]
    assert spec["clusterIPs"] == [spec["clusterIP"]]
    assert 30000 <= spec["ports"][0]["nodePort"] <= 32767
    assert spec["externalTrafficPolicy"] == "Cluster"
    headless = cluster.create(svc("db", clusterIP="None"))
    assert headless["spec"]["clusterIP"] == "None"
    ext = cluster.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ext"},
                          "spec": {"type": "ExternalName", "externalName": "example.com"}})
    assert "clusterIP" not in ext["spec"]


def test_duplicate_node_port_is_refused_and_nothing_changes(cluster):
    web = cluster.create(svc("web", type="NodePort"))
    port = web["spec"]["ports"][0]["nodePort"]
    with pytest.raises(StatusError) as e:
        cluster.create(svc("web2", type="NodePort", ports=[{"port": 80, "nodePort": port}]))
    assert e.value.message == (f'Service "web2" is invalid: spec.ports[0].nodePort: Invalid value: {port}: '
                               f'provided port is already allocated')
    with pytest.raises(StatusError):
        cluster.get("svc", "web2")
    # deleting the first Service frees its port
    cluster.delete("svc", "web")
    again = cluster.create(svc("web2", type="NodePort", ports=[{"port": 80, "nodePort": port}]))
    assert again["spec"]["ports"][0]["nodePort"] == port


def test_failed_create_releases_what_it_allocated(cluster):
    with pytest.raises(StatusError):
        cluster.create(svc("Bad_Name", clusterIP="10.96.0.50"))
    ok = cluster.create(svc("good", clusterIP="10.96.0.50"))
    assert ok["spec"]["clusterIP"] == "10.96.0.50"


def test_update_keeps_allocated_addresses_and_type_change(cluster):
    web = cluster.create(svc("web", selector={"app": "web"}))
    ip = web["spec"]["clusterIP"]
    # kubectl apply of a manifest without clusterIP: the address stays
    out = cluster.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                         "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80}]}})
    assert out == ["service/web configured"]
    now = cluster.get("svc", "web")
    assert now["spec"]["clusterIP"] == ip
    port = now["spec"]["ports"][0]["nodePort"]
    assert 30000 <= port <= 32767
    back = cluster.get("svc", "web")
    back["spec"]["type"] = "ClusterIP"
    del back["spec"]["ports"][0]["nodePort"]
    back["spec"].pop("externalTrafficPolicy", None)
    cluster.apiserver.update("services", back, "default")
    # the freed port can be taken by another Service
    other = cluster.create(svc("other", type="NodePort", ports=[{"port": 80, "nodePort": port}]))
    assert other["spec"]["ports"][0]["nodePort"] == port


def test_restore_repairs_the_allocators(tmp_path):
    c = Cluster(nodes=1, seed=0)
    web = c.create(svc("web", type="NodePort"))
    path = str(tmp_path / "s.db")
    c.snapshot_save(path)
    r = Cluster.restore(path)
    with pytest.raises(StatusError):
        r.create(svc("dup", clusterIP=web["spec"]["clusterIP"]))
