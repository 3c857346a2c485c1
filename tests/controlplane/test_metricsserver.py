"""metrics-server (kubernetes-sigs/metrics-server v0.7.2) and the usage the kubelets report.

* the Resource Metrics API objects (``metrics.k8s.io/v1beta1`` NodeMetrics / PodMetrics) served
  through the API server's aggregator, and its errors;
* the storage rules: two points per object, rates over the window, the synthetic first point of
  a fresh container, readiness after two scrapes;
* the kubelet side (``kube_lab.node.stats``): idle programs, request CPU, CPU limits, scrape
  failures.
"""
from __future__ import annotations

import re

import pytest

from kube_lab import Cluster
from kube_lab.api import errors
from kube_lab.controlplane.apiserver.aggregator import Aggregator
from kube_lab.controlplane.metricsserver import MetricsServer, go_duration
from kube_lab.node import stats
from kube_lab.node.images.program import Program, Request
from kube_lab.node.stats import NodeSample, Point


@pytest.fixture(scope="module")
def metered():
    c = Cluster(nodes=1, seed=0, network_addons=False, metrics_server=True)
    c.kubectl(["run", "hog", "--image=vish/stress", "--limits=cpu=500m", "--labels=app=hog", "--", "-cpus", "1"])
    c.run(45)
    return c


def _api(c):
    return Aggregator.of(c.apiserver)


def test_node_metrics_shape(metered):
    m = _api(metered).get("nodes.metrics.k8s.io", "kind-worker", component="test")
    assert list(m) == ["kind", "apiVersion", "metadata", "timestamp", "window", "usage"]
    assert (m["kind"], m["apiVersion"]) == ("NodeMetrics", "metrics.k8s.io/v1beta1")
    assert m["metadata"]["name"] == "kind-worker"
    assert m["metadata"]["labels"]["kubernetes.io/hostname"] == "kind-worker"
    assert re.fullmatch(r"2025-01-01T00:00:\d\dZ", m["metadata"]["creationTimestamp"])
    assert m["window"] == "15s"
    assert re.fullmatch(r"\d+[num]?", m["usage"]["cpu"])
    assert re.fullmatch(r"\d+Ki|\d+Mi|\d+", m["usage"]["memory"])
    lst = _api(metered).list("nodes.metrics.k8s.io", label_selector="node-role.kubernetes.io/control-plane",
                             component="test")
    assert (lst["kind"], lst["metadata"]) == ("NodeMetricsList", {})
    assert [i["metadata"]["name"] for i in lst["items"]] == ["kind-control-plane"]


def test_pod_metrics_shape(metered):
    m = _api(metered).get("pods.metrics.k8s.io", "hog", "default", component="test")
    assert list(m) == ["kind", "apiVersion", "metadata", "timestamp", "window", "containers"]
    assert m["metadata"]["namespace"] == "default" and m["metadata"]["labels"] == {"app": "hog"}
    # a 1-thread CPU burner under a 500m limit: exactly the limit
    assert m["containers"] == [{"name": "hog", "usage": {"cpu": "500m", "memory": "2Mi"}}]
    lst = _api(metered).list("pods.metrics.k8s.io", None, component="test")
    assert [(i["metadata"]["namespace"], i["metadata"]["name"][:14]) for i in lst["items"]] == [
        ("default", "hog"), ("kube-system", "metrics-server")]
    assert [i["metadata"]["name"] for i in _api(metered).list(
        "pods.metrics.k8s.io", None, field_selector="metadata.namespace=default", component="test")["items"]] == ["hog"]


def test_api_errors(metered):
    with pytest.raises(errors.StatusError) as e:
        _api(metered).get("pods.metrics.k8s.io", "nope", "default", component="test")
    assert e.value.message == 'pods "nope" not found'
    with pytest.raises(errors.StatusError) as e:
        _api(metered).get("nodes.metrics.k8s.io", "nope", component="test")
    assert e.value.message == 'nodes "nope" not found'
    with pytest.raises(errors.StatusError) as e:
        _api(metered).list("services.metrics.k8s.io", component="test")
    assert (e.value.code, e.value.message) == (
        404, "the server could not find the requested resource (get services.metrics.k8s.io)")
    seen = [r for r in metered.trace if r.component == "test"]
    assert seen[-1].resource == "services.metrics.k8s.io" and seen[-1].code == 404


def test_unavailable_while_the_pod_is_not_ready():
    c = Cluster(nodes=1, seed=0, network_addons=False)
    c.install_metrics_server(kubelet_insecure_tls=False)
    c.run(60)
    pod = c.list("pods", "kube-system")[0]
    assert "--kubelet-insecure-tls" not in pod["spec"]["containers"][0]["args"]
    # every scrape fails on kind's self-signed kubelet certificates: never ready, API unavailable
    assert [cd["status"] for cd in pod["status"]["conditions"] if cd["type"] == "Ready"] == ["False"]
    with pytest.raises(errors.StatusError) as e:
        _api(c).get("nodes.metrics.k8s.io", "kind-worker", component="test")
    assert (e.value.code, e.value.reason) == (503, "ServiceUnavailable")
    assert e.value.message == ("the server is currently unable to handle the request "
                               "(get nodes.metrics.k8s.io kind-worker)")
    logs = c.kubectl("logs -n kube-system deploy/metrics-server").stdout
    assert "because it doesn't contain any IP SANs\" node=\"kind-worker\"" in logs
    events = [e["message"] for e in c.list("events", "kube-system") if e["reason"] == "Unhealthy"]
    assert events and events[0] == "Readiness probe failed: HTTP probe failed with statuscode: 500"


def test_installed_objects_follow_the_release_manifest(metered):
    d = metered.get("deployments", "metrics-server", "kube-system")
    c = d["spec"]["template"]["spec"]["containers"][0]
    assert c["image"] == "registry.k8s.io/metrics-server/metrics-server:v0.7.2"
    assert c["args"] == ["--cert-dir=/tmp", "--secure-port=10250",
                         "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
                         "--kubelet-use-node-status-port", "--metric-resolution=15s", "--kubelet-insecure-tls"]
    assert d["metadata"]["labels"] == {"k8s-app": "metrics-server"}
    svc = metered.get("services", "metrics-server", "kube-system")
    assert svc["spec"]["ports"][0]["port"] == 443 and svc["spec"]["ports"][0]["targetPort"] == "https"
    assert metered.get("clusterroles", "system:aggregated-metrics-reader", None)["rules"][0]["apiGroups"] == \
        ["metrics.k8s.io"]
    assert metered.install_metrics_server() is metered.metrics_server          # idempotent


# ---------------------------------------------------------------------------------------------
# storage, with scrapes the test writes
class _Proc:
    class exited:
        done = False


def _server(cluster, points):
    def scrape(node, insecure):
        return points(node)
    server = MetricsServer(cluster.client("metrics-server"), scrape).start()
    cluster.run(0.1)
    server.attach(_Proc, 15.0, True)
    return server


def test_rates_need_two_points_and_fresh_containers_get_a_synthetic_one():
    c = Cluster(nodes=0, seed=0, network_addons=False)
    c.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}})
    for name in ("old", "fresh"):
        c.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                  "spec": {"containers": [{"name": "app", "image": "nginx"}]}})
    state = {"t": 100.0, "old_start": 0.0}

    def points(node):
        t, start = state["t"], state["old_start"]
        return NodeSample(node, Point(0.0, t, int(t * 0.5e9), 1 << 30), {
            ("default", "old"): {"app": Point(start, t, int((t - start) * 0.25e9), 10 << 20)},
            ("default", "fresh"): {"app": Point(88.0, t, int((t - 88) * 0.1e9), 5 << 20)},
        })

    server = _server(c, points)
    assert not server.ready(_Proc)
    server.tick(_Proc)
    assert server.ready(_Proc)          # storage.Ready(): the fresh container's point already counts
    # the fresh container started 12 s before the first point (10 s ≤ 12 s < 15 s): served at once
    got = server.list("pods", "default", None, None)["items"]
    assert [(m["metadata"]["name"], m["window"], m["containers"][0]["usage"]["cpu"]) for m in got] == [
        ("fresh", "12s", "100m")]
    with pytest.raises(errors.StatusError) as e:      # one node point: no rate yet
        server.get("nodes", None, "n1")
    assert e.value.message == 'nodes.metrics.k8s.io "n1" not found'
    state["t"] = 115.0
    server.tick(_Proc)
    got = {m["metadata"]["name"]: m for m in server.list("pods", "default", None, None)["items"]}
    assert got["old"]["containers"][0]["usage"] == {"cpu": "250m", "memory": "10Mi"}
    assert got["old"]["window"] == "15s"
    node = server.get("nodes", None, "n1")
    assert node["usage"] == {"cpu": "500m", "memory": "1Gi"}
    # a container restart (a new start time) drops the old point: no rate until the next scrape
    state.update(t=130.0, old_start=125.0)       # restarted 5 s ago: too young for a synthetic point
    server.tick(_Proc)
    assert "old" not in {m["metadata"]["name"] for m in server.list("pods", "default", None, None)["items"]}


def test_go_duration():
    assert [go_duration(s) for s in (15, 12.5, 0.25, 75, 3600.5, 0)] == ["15s", "12.5s", "250ms", "1m15s",
                                                                         "1h0m0.5s", "0s"]


# ---------------------------------------------------------------------------------------------
# the kubelet's numbers
class _Busy(Program):
    """A server whose requests each cost 0.1 CPU seconds."""

    def cpu_per_request(self, request):
        return 0.1


def test_request_cpu_is_charged_and_throttled_by_the_limit():
    c = Cluster(nodes=1, seed=0, network_addons=False)
    c.node("kind-worker").registry.define("lab/busy:1", _Busy)
    c.kubectl(["run", "busy", "--image=lab/busy:1", "--limits=cpu=200m"])
    c.run(10)
    runtime = c.node("kind-worker").runtime
    container = next(x for x in runtime.containers.values() if x.name == "busy")
    proc = container.init
    before = stats.container_cpu(container, runtime, c.now)
    resp = stats.charge_request(proc, Request(), "ok")
    assert resp.status == 200 and resp.body == "ok"
    assert resp.delay == pytest.approx(0.5)             # 0.1 s of CPU at 200m
    second = stats.charge_request(proc, Request(), "ok")
    assert second.delay == pytest.approx(1.0)           # queued behind the first
    c.run(2)
    assert stats.container_cpu(container, runtime, c.now) - before == pytest.approx(0.2 + 0.001 * 2, abs=1e-6)


def test_scrape_failures():
    c = Cluster(nodes=1, seed=0, network_addons=False)
    m = c.node("kind-worker")
    assert stats.resource_metrics(m, c.now).point.memory >= stats.SYSTEM_MEMORY["worker"]
    with pytest.raises(stats.ScrapeError) as e:
        stats.resource_metrics(m, c.now, insecure_tls=False)
    assert str(e.value) == ('Get "https://172.18.0.3:10250/metrics/resource": tls: failed to verify certificate: '
                            "x509: cannot validate certificate for 172.18.0.3 because it doesn't contain any IP SANs")
    m.power_off()
    with pytest.raises(stats.ScrapeError) as e:
        stats.resource_metrics(m, c.now)
    assert e.value.timeout and str(e.value).endswith(": context deadline exceeded")


def test_a_restored_cluster_brings_metrics_server_back(tmp_path):
    # its APIService registration and image are not in etcd: restore re-installs the add-on when
    # the snapshot has its Deployment (and leaves it out when asked)
    c = Cluster(nodes=1, seed=0, metrics_server=True)
    c.kubectl("create deployment web --image=nginx:1.25")
    c.run(60)
    path = str(tmp_path / "snap.db")
    c.snapshot_save(path)
    restored = Cluster.restore(path)
    restored.run(60)
    top = restored.kubectl("top pods")
    assert top.exit_code == 0 and top.stdout.startswith("NAME ") and "web-" in top.stdout
    without = Cluster.restore(path, metrics_server=False)
    without.run(60)
    assert without.kubectl("top pods").stderr == "error: Metrics API not available\n"
