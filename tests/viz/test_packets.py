"""packet_trip draws a request's real hops on a map of the cluster; PathExplorer sends the request
its dropdowns choose; ip_route prints the routing tables."""
import pytest

from kube_lab import Cluster, viz
from kube_lab.viz import packets

pytest.importorskip("matplotlib")
pytest.importorskip("ipywidgets")

WEB = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: kubernetes.io/hostname
        whenUnsatisfiable: DoNotSchedule
        labelSelector:
          matchLabels: {app: web}
      containers:
      - name: netexec
        image: registry.k8s.io/e2e-test-images/agnhost:2.53
        args: ["netexec", "--http-port=8080"]
        ports:
        - containerPort: 8080
          hostPort: 9090
"""


@pytest.fixture(scope="module")
def lab():
    c = Cluster(nodes=2, seed=2, network_addons=True)
    assert c.kubectl("apply -f -", stdin=WEB).exit_code == 0
    c.run(15)
    pods = sorted(c.client().list("pods", "default")["items"], key=lambda p: p["spec"]["nodeName"])
    assert [p["spec"]["nodeName"] for p in pods] == ["kind-worker", "kind-worker2"]
    return c, pods


def test_a_trip_between_nodes_follows_the_trace(lab):
    c, (a, b) = lab
    res = c.request(f"http://{b['status']['podIP']}:8080/hostname", source=f"pod/{a['metadata']['name']}")
    assert res.ok
    trip = packets._Trip(c, res)
    kinds = [s.kind for s in trip.stops]
    assert len(kinds) == len(res.hops) and trip.frames == len(res.hops)
    # out of the client pod and its veth, through kind-worker's kernel and eth0, over the docker
    # network, into kind-worker2 and down its bridge to the server pod
    assert kinds[:3] == ["pod", "veth", "kernel"]
    assert "bar" in kinds and kinds[-1] == "pod"
    assert trip.stops[0].pod == f"default/{a['metadata']['name']}"
    assert trip.stops[-1].pod == f"default/{b['metadata']['name']}" and trip.stops[-1].node == "kind-worker2"
    bar = next(s for s in trip.stops if s.kind == "bar")
    assert bar.node == "kind-worker2"
    anim = viz.packet_trip(c, res)
    assert repr(anim).startswith(f"<Animation ({len(res.hops)} frames): GET http://{b['status']['podIP']}:8080/hostname")
    assert repr(anim).endswith(f"({len(res.hops)} hops across kind-worker, kind-worker2)>")
    first, again = anim.frame(0).png(), packets._Trip(c, res).frames_png([0])[0]
    assert first.startswith(b"\x89PNG") and first == again          # frames are deterministic


def test_a_failed_trip_ends_where_the_packet_was_dropped(lab):
    c, (a, _) = lab
    res = c.request(f"http://{a['status']['podIP']}:8080/hostname")       # outside has no route to pod IPs
    assert res.error == "i/o timeout"
    pic = viz.packet_trip(c, res, animate=False)
    assert repr(pic).startswith("<Picture: GET http://10.244.") and "i/o timeout" in repr(pic)
    assert [s.kind for s in packets._Trip(c, res).stops] == ["outside", "outside"]
    assert pic._repr_mimebundle_()["image/png"]


def test_ip_route_on_a_node_and_in_a_pod(lab):
    c, (a, _) = lab
    assert viz.ip_route(c, "kind-worker").splitlines() == [
        "default via 172.18.0.1 dev eth0",
        "10.244.0.0/24 via 172.18.0.2 dev eth0",
        "10.244.1.0/24 dev cni0 proto kernel scope link src 10.244.1.1",
        "10.244.2.0/24 via 172.18.0.4 dev eth0",
        "172.18.0.0/16 dev eth0 proto kernel scope link src 172.18.0.3"]
    assert viz.ip_route(c, a["metadata"]["name"]).splitlines() == [
        "default via 10.244.1.1 dev eth0",
        f"10.244.1.0/24 dev eth0 proto kernel scope link src {a['status']['podIP']}"]
    with pytest.raises(KeyError, match="no node or running pod named 'default/nope'"):
        viz.ip_route(c, "nope")


def test_explorer_sends_what_the_dropdowns_choose(lab):
    c, (a, b) = lab
    labels = [t.label for t in packets.targets(c)]
    assert "node kind-worker2 172.18.0.4:9090 (hostPort → " + b["metadata"]["name"] + ")" in labels
    pe = viz.PathExplorer(c, destination="http://172.18.0.4:9090/", path="/")
    assert pe.result.ok and pe.result.pod == f"default/{b['metadata']['name']}"
    assert repr(pe).startswith("PathExplorer(6 sources, 4 destinations): from outside to node kind-worker2 "
                               "172.18.0.4:9090")
    pe.source_picker.value = f"pod/{a['metadata']['name']}"
    pe.target_picker.value = f"http://{b['status']['podIP']}:8080/"
    assert pe.result.source == f"pod/{a['metadata']['name']}" and pe.result.url == f"http://{b['status']['podIP']}:8080/"
    assert pe.slider.max == len(pe.result.hops) - 1 and pe.slider.value == 0
    pe.slider.value = 3
    assert pe.image.value == pe.trip.frames_png([3])[0]
    bundle = pe._repr_mimebundle_()
    assert set(bundle) == {"application/vnd.jupyter.widget-view+json", "text/html", "text/plain"}
    assert "data:image/png;base64," in bundle["text/html"] and "200 OK" in bundle["text/plain"]
    with pytest.raises(KeyError, match="no destination 'nowhere'"):
        pe.choose(destination="nowhere")
