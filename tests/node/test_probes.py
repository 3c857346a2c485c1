"""Liveness, readiness and startup probes with the kubelet's messages."""
import pytest

from .conftest import container, cstatus, events, pod, status

LIVENESS_EXEC = """
apiVersion: v1
kind: Pod
metadata:
  labels:
    test: liveness
  name: liveness-exec
spec:
  nodeName: kind-worker
  containers:
  - name: liveness
    image: registry.k8s.io/busybox:1.27.2
    args:
    - /bin/sh
    - -c
    - touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600
    livenessProbe:
      exec:
        command:
        - cat
        - /tmp/healthy
      initialDelaySeconds: 5
      periodSeconds: 5
"""


def test_upstream_liveness_exec_example(cluster):
    cluster.apply(LIVENESS_EXEC)
    cluster.run(4)
    started = cluster.node("kind-worker").runtime.pod_containers(
        cluster.get("pod", "liveness-exec")["metadata"]["uid"])[0].started_at
    cluster.run(60)
    evs = events(cluster, "liveness-exec")
    unhealthy = [e for e in evs if e["reason"] == "Unhealthy"][0]
    assert unhealthy["type"] == "Warning"
    assert unhealthy["message"] == "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory\n"
    assert unhealthy["count"] == 3
    killing = [e for e in evs if e["reason"] == "Killing"][0]
    assert killing["message"] == "Container liveness failed liveness probe, will be restarted"
    from kube_lab.api.meta import parse_rfc3339

    killed_at = parse_rfc3339(killing["firstTimestamp"]) - cluster.apiserver.epoch
    assert 35 <= killed_at - started <= 45          # "after about 35-40 seconds"
    # the shell is PID 1 and ignores SIGTERM: SIGKILL 30 s later, then the restart
    cluster.run(30)
    cs = cstatus(cluster, "liveness-exec")
    assert cs["restartCount"] == 1
    last = cs["lastState"]["terminated"]
    assert (last["exitCode"], last["reason"]) == (137, "Error")
    cluster.run(300)
    assert cstatus(cluster, "liveness-exec")["restartCount"] >= 4      # RESTARTS keeps counting


def test_http_liveness_example_with_agnhost(cluster):
    cluster.create(pod("liveness-http", [container("liveness", "registry.k8s.io/e2e-test-images/agnhost:2.40",
                                                   args=["liveness"], livenessProbe={
                                                       "httpGet": {"path": "/healthz", "port": 8080,
                                                                   "httpHeaders": [{"name": "Custom-Header",
                                                                                    "value": "Awesome"}]},
                                                       "initialDelaySeconds": 3, "periodSeconds": 3})]))
    cluster.run(30)
    msgs = {(e["reason"], e["message"]) for e in events(cluster, "liveness-http")}
    assert ("Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 500") in msgs
    assert ("Killing", "Container liveness failed liveness probe, will be restarted") in msgs
    cs = cstatus(cluster, "liveness-http")
    assert cs["restartCount"] >= 1
    assert cs["lastState"]["terminated"]["exitCode"] == 2      # a Go program as PID 1 on SIGTERM


def test_readiness_gates_the_ready_condition(cluster):
    cluster.create(pod("goproxy", [container("goproxy", "registry.k8s.io/goproxy:0.1",
                                             ports=[{"containerPort": 8080}],
                                             readinessProbe={"tcpSocket": {"port": 8080}, "initialDelaySeconds": 15,
                                                             "periodSeconds": 10})]))
    cluster.run(10)
    st = status(cluster, "goproxy")
    assert st["phase"] == "Running"
    assert st["containerStatuses"][0]["ready"] is False and st["containerStatuses"][0]["started"] is True
    ready = [c for c in st["conditions"] if c["type"] == "Ready"][0]
    assert (ready["status"], ready["message"]) == ("False", "containers with unready status: [goproxy]")
    cluster.run(20)
    st = status(cluster, "goproxy")
    assert st["containerStatuses"][0]["ready"] is True
    assert [c["status"] for c in st["conditions"] if c["type"] in ("Ready", "ContainersReady")] == ["True", "True"]


def test_failing_readiness_does_not_restart(cluster):
    cluster.create(pod("nr", [container("c", "nginx:1.25", readinessProbe={"tcpSocket": {"port": 9999},
                                                                         "periodSeconds": 2})]))
    cluster.run(30)
    ip = status(cluster, "nr")["podIP"]
    unhealthy = [e for e in events(cluster, "nr") if e["reason"] == "Unhealthy"][0]
    assert unhealthy["message"] == f"Readiness probe failed: dial tcp {ip}:9999: connect: connection refused"
    cs = cstatus(cluster, "nr")
    assert cs["ready"] is False and cs["restartCount"] == 0 and list(cs["state"]) == ["running"]


def test_http_readiness_connection_refused_message(cluster):
    cluster.create(pod("h", [container("c", "nginx:1.25", readinessProbe={"httpGet": {"path": "/ready", "port": 8081},
                                                                        "periodSeconds": 5})]))
    cluster.run(20)
    ip = status(cluster, "h")["podIP"]
    msg = [e["message"] for e in events(cluster, "h") if e["reason"] == "Unhealthy"][0]
    assert msg == (f'Readiness probe failed: Get "http://{ip}:8081/ready": dial tcp {ip}:8081: connect: '
                   "connection refused")


def test_grpc_liveness_probe_on_etcd(cluster):
    cluster.create(pod("etcd", [container("etcd", "registry.k8s.io/etcd:3.5.1-0", command=[
        "/usr/local/bin/etcd", "--data-dir", "/var/lib/etcd", "--listen-client-urls", "http://0.0.0.0:2379",
        "--advertise-client-urls", "http://127.0.0.1:2379"], ports=[{"containerPort": 2379}],
        livenessProbe={"grpc": {"port": 2379}, "initialDelaySeconds": 10})]))
    cluster.run(60)
    assert [e for e in events(cluster, "etcd") if e["reason"] == "Unhealthy"] == []
    assert cstatus(cluster, "etcd")["restartCount"] == 0


def test_grpc_probe_against_a_port_nobody_serves(cluster):
    cluster.create(pod("g", [container("c", "nginx:1.25", livenessProbe={"grpc": {"port": 9000},
                                                                        "periodSeconds": 5})]))
    cluster.run(25)
    ip = status(cluster, "g")["podIP"]
    msg = [e["message"] for e in events(cluster, "g") if e["reason"] == "Unhealthy"][0]
    assert msg == f'Liveness probe failed: timeout: failed to connect service "{ip}:9000" within 1s'


def test_exec_probe_timeout(cluster):
    cluster.create(pod("t", [container("c", command=["sleep", "3600"], readinessProbe={
        "exec": {"command": ["sleep", "5"]}, "timeoutSeconds": 1, "periodSeconds": 10})]))
    cluster.run(15)
    msg = [e["message"] for e in events(cluster, "t") if e["reason"] == "Unhealthy"][0]
    assert msg == 'Readiness probe failed: command "sleep 5" timed out'


def test_startup_probe_holds_liveness_back_and_restarts_on_failure(cluster):
    never = {"exec": {"command": ["cat", "/nonexistent"]}, "periodSeconds": 2, "failureThreshold": 3}
    cluster.create(pod("s", [container("c", command=["sleep", "3600"], startupProbe=never,
                                       livenessProbe={"exec": {"command": ["true"]}, "periodSeconds": 1})]))
    cluster.run(5)
    cs = cstatus(cluster, "s")
    assert cs["started"] is False and cs["ready"] is False
    cluster.run(20)
    msgs = [(e["reason"], e["message"]) for e in events(cluster, "s")]
    assert ("Unhealthy", "Startup probe failed: cat: can't open '/nonexistent': No such file or directory\n") in msgs
    assert ("Killing", "Container c failed startup probe, will be restarted") in msgs
    assert not any(m.startswith("Liveness") for _, m in msgs)


def test_startup_probe_success_lets_the_container_start(cluster):
    cluster.create(pod("s", [container("c", command=["sh", "-c", "sleep 6; touch /tmp/up; sleep 3600"],
                                       startupProbe={"exec": {"command": ["cat", "/tmp/up"]}, "periodSeconds": 2,
                                                     "failureThreshold": 10})]))
    cluster.run(4)
    assert cstatus(cluster, "s")["started"] is False
    cluster.run(10)
    cs = cstatus(cluster, "s")
    assert cs["started"] is True and cs["ready"] is True and cs["restartCount"] == 0


@pytest.mark.parametrize("threshold", [1, 2])
def test_success_threshold_for_readiness(cluster, threshold):
    cluster.run(10)     # a kubelet that has been up a while starts probing at once (no start-up jitter)
    cluster.create(pod("r", [container("c", command=["sh", "-c", "touch /tmp/ok; sleep 3600"],
                                       readinessProbe={"exec": {"command": ["cat", "/tmp/ok"]}, "periodSeconds": 5,
                                                       "successThreshold": threshold})]))
    # ticks at +0 (not running yet), +5 (first success), +10 (second success)
    cluster.run(7)
    assert cstatus(cluster, "r")["ready"] is (threshold == 1)
    cluster.run(5)
    assert cstatus(cluster, "r")["ready"] is True
