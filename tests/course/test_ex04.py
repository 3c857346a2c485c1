"""Exercise 04's checks judge what the network does: each passes on the right behaviour and fails,
with its detail, on the usual mistakes — and grading never sends a request or moves time."""
import pytest

from kube_lab import Cluster
from kube_lab.course import grade

AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.53"


def door(node="kind-worker2", host_port=9090, container_port=8080, listen=8080):
    return f"""apiVersion: v1
kind: Pod
metadata:
  name: door
spec:
  nodeSelector:
    kubernetes.io/hostname: {node}
  containers:
  - name: netexec
    image: {AGNHOST}
    args: ["netexec", "--http-port={listen}"]
    ports:
    - containerPort: {container_port}
      hostPort: {host_port}
"""


def pair(url="http://localhost:8080/clientip"):
    return f"""apiVersion: v1
kind: Pod
metadata:
  name: pair
spec:
  containers:
  - name: app
    image: {AGNHOST}
    args: ["netexec", "--http-port=8080"]
  - name: probe
    image: busybox:1.36
    command: ["sh", "-c", "while true; do wget -qO- {url}; echo; sleep 5; done"]
"""


LOBBY = f"""apiVersion: v1
kind: Pod
metadata:
  name: lobby
spec:
  hostNetwork: true
  containers:
  - name: netexec
    image: {AGNHOST}
    args: ["netexec", "--http-port=8080"]
"""


def apply(c, manifest, seconds=15):
    r = c.kubectl("apply -f -", stdin=manifest)
    assert r.exit_code == 0, r.output
    c.run(seconds)


def detail(c, check):
    rep = grade(check, c)
    assert not rep.passed
    return rep.results[0].detail


@pytest.fixture()
def cluster():
    return Cluster(nodes=2, seed=5, network_addons=True)


def test_everything_right_scores_seven_and_grading_only_reads(cluster):
    for m in (door(), pair(), LOBBY):
        apply(cluster, m)
    d = cluster.get("pod", "door")
    node = cluster.get("node", d["spec"]["nodeName"])
    cluster.kubectl(f"create configmap addresses --from-literal=podIP={d['status']['podIP']} "
                    f"--from-literal=nodeIP={d['status']['hostIP']} --from-literal=podCIDR={node['spec']['podCIDR']} "
                    "--from-literal=clusterIP=10.96.0.1")
    now, rev = cluster.now, cluster.etcd.revision
    generation = cluster.proxies["kind-worker2"].host_rules.generation
    rep = grade("ex04", cluster)
    assert (rep.points, rep.possible) == (7, 7), rep.text()
    assert (cluster.now, cluster.etcd.revision) == (now, rev)
    assert cluster.proxies["kind-worker2"].host_rules.generation == generation


def test_hostport_on_the_wrong_node_or_port(cluster):
    apply(cluster, door(node="kind-worker"))
    assert detail(cluster, "ex04.hostport") == "door runs on kind-worker, not on kind-worker2"
    cluster.kubectl("delete pod door")
    cluster.run(5)
    apply(cluster, door(container_port=80))        # the hostPort leads to a port nobody listens on
    assert detail(cluster, "ex04.hostport").startswith("port 9090 leads to 10.244.2.")
    assert "nothing in door listens there" in detail(cluster, "ex04.hostport")


def test_hostport_missing(cluster):
    apply(cluster, door(host_port=9999))
    assert detail(cluster, "ex04.hostport") == "no container port of door has hostPort 9090 (hostPorts: [9999])"


def test_probe_that_goes_through_the_pod_ip_is_not_localhost(cluster):
    apply(cluster, pair(url="http://$(hostname -i):8080/clientip"))
    assert cluster.kubectl("logs pair -c probe").stdout.startswith("10.244.")
    assert detail(cluster, "ex04.localhost").startswith(
        "the probe's log shows no answer saying the request came from 127.0.0.1 (last line: '10.244.")


def test_hostnetwork_needs_the_flag(cluster):
    apply(cluster, LOBBY.replace("  hostNetwork: true\n", ""))
    assert detail(cluster, "ex04.hostnetwork") == "lobby does not set spec.hostNetwork: true"


def test_addresses_typed_wrong(cluster):
    apply(cluster, door())
    cluster.kubectl("create configmap addresses --from-literal=podIP=10.244.2.99 --from-literal=nodeIP=172.18.0.4 "
                    "--from-literal=podCIDR=10.244.0.0/16 --from-literal=clusterIP=10.96.0.1")
    assert detail(cluster, "ex04.addresses") == (
        "podIP='10.244.2.99' is not door's .status.podIP; podCIDR='10.244.0.0/16' is not the .spec.podCIDR of "
        "door's node")
    cluster.kubectl("delete configmap addresses")
    cluster.kubectl("create configmap addresses --from-literal=podIP=x")
    assert detail(cluster, "ex04.addresses") == (
        "ConfigMap addresses has no key nodeIP, podCIDR, clusterIP (it has: podIP)")
