"""Exercise 05's checks judge the EndpointSlices, kube-proxy's rules and cluster DNS, and say
what went wrong."""
import pytest

from kube_lab import Cluster
from kube_lab.course import grade

SETUP = """apiVersion: apps/v1
kind: Deployment
metadata: {name: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: shop, tier: web}}
  template:
    metadata: {labels: {app: shop, tier: web}}
    spec:
      containers:
      - name: shop
        image: registry.k8s.io/e2e-test-images/agnhost:2.39
        args: [netexec, --http-port=8080]
        ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: shop-debug, labels: {app: shop, tier: debug}}
spec:
  containers:
  - name: shop
    image: registry.k8s.io/e2e-test-images/agnhost:2.39
    args: [netexec, --http-port=8080]
    ports: [{name: http, containerPort: 8080}]
"""


def service(name, selector="{app: shop, tier: web}", target="http", extra="", port=80, node_port=None):
    np = f", nodePort: {node_port}" if node_port else ""
    return (f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec:\n  selector: {selector}\n{extra}"
            f"  ports: [{{port: {port}, targetPort: {target}{np}}}]\n")


@pytest.fixture(scope="module")
def cluster():
    c = Cluster(nodes=2, seed=50, network_addons=True)
    assert c.kubectl("apply -f -", SETUP).exit_code == 0
    c.run(20)
    return c


def apply(c, *docs):
    for doc in docs:
        out = c.kubectl("apply -f -", doc)
        assert out.exit_code == 0, out.output
    c.run(5)


def results(c):
    return {r.id: (r.passed, r.detail) for r in grade("ex05", c).results}


def test_nothing_done_every_check_fails_with_its_hint(cluster):
    rep = grade("ex05", cluster)
    assert (rep.points, rep.possible) == (0, 7)
    assert [r.detail for r in rep.results] == [
        "there is no Service named shop", "there is no Service named shop-public",
        "there is no Service named shop-pods", "there is no Service named shop-local"]
    assert all(r.hint for r in rep.results)


def test_mistakes_are_named_then_the_fixes_score_full_marks(cluster):
    debug_ip = cluster.get("pod", "shop-debug")["status"]["podIP"]
    apply(cluster, service("shop", selector="{app: shop}"), service("shop-public", extra="  type: NodePort\n",
                                                                        node_port=30099),
          service("shop-pods", port=8080), service("shop-local", extra="  type: NodePort\n", node_port=30081))
    r = results(cluster)
    assert r["ex05.clusterip"] == (False, f"Service shop also sends traffic to shop-debug ({debug_ip}): its selector "
                                          f"picks every app=shop pod")
    assert r["ex05.nodeport"] == (False, "Service shop-public's node port is 30099, not 30080 (spec.ports[*].nodePort)")
    ip = cluster.get("service", "shop-pods")["spec"]["clusterIP"]
    assert r["ex05.headless"][1].startswith(f"Service shop-pods has the cluster IP {ip}: a headless Service sets")
    assert r["ex05.local"] == (False, "Service shop-local's externalTrafficPolicy is Cluster, not Local")

    # a number instead of the port's name, and the right selector
    apply(cluster, service("shop", target="8080"))
    assert results(cluster)["ex05.clusterip"] == (
        False, "port 80 of Service shop targets 8080: use the container port's name, targetPort: http")

    # the fixes (a headless Service cannot be made from a normal one: delete it first)
    assert cluster.kubectl("delete service shop-pods").exit_code == 0
    apply(cluster, service("shop"), service("shop-public", extra="  type: NodePort\n", node_port=30080),
          service("shop-pods", extra="  clusterIP: None\n", port=8080),
          service("shop-local", extra="  type: NodePort\n  externalTrafficPolicy: Local\n", node_port=30081))
    now, rev = cluster.now, cluster.etcd.revision
    rep = grade("ex05", cluster)
    assert rep.points == 7, rep.text()
    assert (cluster.now, cluster.etcd.revision) == (now, rev)          # grading only reads


def test_a_local_policy_on_the_public_service_is_caught():
    c = Cluster(nodes=2, seed=50, network_addons=True)
    assert c.kubectl("apply -f -", SETUP).exit_code == 0
    c.run(20)
    apply(c, service("shop-public", extra="  type: NodePort\n  externalTrafficPolicy: Local\n", node_port=30080))
    passed, detail = results(c)["ex05.nodeport"]
    assert not passed
    assert detail == ("kube-proxy on kind-control-plane drops or refuses shop-public's traffic: no local endpoint "
                      "there (externalTrafficPolicy: Local)")
