"""Service networking end to end (``Cluster(network_addons=True)``): CoreDNS pods answer names,
each node's kube-proxy rules carry connections to Service addresses, programs answer."""
import pytest

from kube_lab import Cluster

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.25", ports: [{containerPort: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: nobody}
spec:
  selector: {app: nobody}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  containers: [{name: sh, image: "busybox:1.36", command: ["sh", "-c", "sleep 3600"]}]
"""


@pytest.fixture(scope="module")
def cluster():
    c = Cluster(nodes=2, seed=0, network_addons=True)
    c.apply(WEB)
    c.run(60)
    return c


def test_coredns_runs_behind_kube_dns(cluster):
    pods = cluster.list("pods", "kube-system", selector="k8s-app=kube-dns")
    assert len(pods) == 2
    assert all(any(c["type"] == "Ready" and c["status"] == "True" for c in p["status"]["conditions"]) for p in pods)
    assert cluster.get("svc", "kube-dns", "kube-system")["spec"]["clusterIP"] == "10.96.0.10"


def test_request_by_service_name_reaches_a_pod(cluster):
    out = cluster.kubectl("exec client -- wget -qO- web")
    assert out.exit_code == 0, out.stderr
    assert "Welcome to nginx!" in out.stdout


def test_dns_names_resolve_from_a_pod(cluster):
    out = cluster.kubectl("exec client -- nslookup web.default.svc.cluster.local")
    ip = cluster.get("svc", "web")["spec"]["clusterIP"]
    assert out.exit_code == 0, out.stderr
    assert ip in out.stdout


def test_service_without_endpoints_refuses(cluster):
    out = cluster.kubectl("exec client -- wget -qO- -T 2 nobody")
    assert out.exit_code != 0
    assert "Connection refused" in out.stderr or "refused" in out.stderr.lower()


def test_unknown_name_does_not_resolve(cluster):
    out = cluster.kubectl("exec client -- wget -qO- no-such-service")
    assert out.exit_code != 0
    assert "bad address" in out.stderr
