"""The container runtime and the programs of the catalog: network namespaces, requests, memory
limits, exec and logs."""
import re

import pytest

from kube_lab import Cluster, StatusError
from kube_lab.node import Program, Request, WebServer
from kube_lab.node.images.apps import pi_digits
from kube_lab.node.images.program import NetError

from .conftest import container, cstatus, events, kubelet, pod, status


def sh(cluster, name, script, container_name=None):
    return kubelet(cluster).exec("default", name, container_name, ["sh", "-c", script])


def test_containers_of_a_pod_share_localhost(cluster):
    cluster.create(pod("duo", [container("web", "nginx:1.25"),
                               container("client", command=["sleep", "3600"])]))
    cluster.run(10)
    out, err, code = sh(cluster, "duo", "wget -qO- http://localhost:80/", "client")
    assert code == 0 and "<title>Welcome to nginx!</title>" in out
    access = kubelet(cluster).logs("default", "duo", "web").splitlines()[-1]
    assert re.match(r'^127\.0\.0\.1 - - \[01/Jan/2025:00:00:\d\d \+0000\] "GET / HTTP/1\.1" 200 615 "-" "Wget" "-"$',
                    access), access


def test_second_server_on_the_same_port_fails_to_bind(cluster):
    cluster.create(pod("two", [container("a", "nginx:1.25"), container("b", "nginx:1.25")]))
    cluster.run(40)
    b = cstatus(cluster, "two", 1)
    assert b["restartCount"] >= 1 and b["lastState"]["terminated"]["exitCode"] == 1
    logs = kubelet(cluster).logs("default", "two", "b", previous=True)
    assert "[emerg] 1#1: bind() to 0.0.0.0:80 failed (98: Address already in use)" in logs
    assert logs.endswith("nginx: [emerg] still could not bind()\n")
    assert cstatus(cluster, "two", 0)["restartCount"] == 0


def test_pod_to_pod_across_nodes_and_unreachable_addresses():
    c = Cluster(nodes=2, seed=0, network_addons=False)
    c.create(pod("web", [container("nginx", "nginx:1.25")], node="kind-worker2"))
    c.create(pod("client", [container(command=["sleep", "3600"])]))
    c.run(10)
    ip = status(c, "web")["podIP"]
    assert ip.startswith("10.244.2.")
    out, _, code = sh(c, "client", f"wget -qO- http://{ip}/ | head -n 4")
    assert code == 0 and out.splitlines()[3] == "<title>Welcome to nginx!</title>"
    out, err, code = sh(c, "client", f"wget -qO- http://{ip}:81/")
    assert (code, err) == (1, f"wget: can't connect to remote host ({ip}): Connection refused\n")
    out, err, code = sh(c, "client", "wget -q -T 2 -O- http://10.244.9.9/")
    assert (code, err) == (1, "wget: download timed out\n")
    assert c.now < 60


def test_runtime_request_interface_for_the_network(cluster):
    cluster.create(pod("boot", [container("kubernetes-bootcamp", "gcr.io/google-samples/kubernetes-bootcamp:v1")]))
    cluster.run(10)
    ip = status(cluster, "boot")["podIP"]
    rt = cluster.node("kind-worker").runtime
    assert rt.owns_ip(ip) and rt.listener(ip, 8080) is not None and rt.listener(ip, 80) is None
    resp = rt.handle_request(ip, 8080, Request("GET", "/", client_ip="10.244.1.1"))
    assert (resp.status, resp.body) == (200, "Hello Kubernetes bootcamp! | Running on: boot | v=1\n")
    with pytest.raises(NetError) as e:
        rt.handle_request(ip, 80, Request())
    assert e.value.kind == "refused"
    lines = kubelet(cluster).logs("default", "boot").split("\n")
    assert re.match(r"^Kubernetes Bootcamp App Started At: 2025-01-01T00:00:\d\d\.\d{3}Z \| Running On:  boot $", lines[0])
    assert lines[1] == ""
    assert re.match(r"^Running On: boot \| Total Requests: 1 \| App Uptime: [0-9.]+ seconds \| Log Time: "
                    r"2025-01-01T00:00:\d\d\.\d{3}Z$", lines[2])


def test_bootcamp_v2(cluster):
    cluster.create(pod("b2", [container("b", "jocatalin/kubernetes-bootcamp:v2")]))
    cluster.run(10)
    ip = status(cluster, "b2")["podIP"]
    body = cluster.node("kind-worker").runtime.handle_request(ip, 8080, Request()).body
    assert body == "Hello Kubernetes bootcamp! | Running on: b2 | v=2\n"


def test_memory_over_the_limit_is_oom_killed(cluster):
    cluster.create(pod("memory-demo-2", [container("memory-demo-2-ctr", "polinux/stress",
                                                   command=["stress"],
                                                   args=["--vm", "1", "--vm-bytes", "250M", "--vm-hang", "1"],
                                                   resources={"requests": {"memory": "50Mi"},
                                                              "limits": {"memory": "100Mi"}})]))
    cluster.run(20)
    cs = cstatus(cluster, "memory-demo-2")
    term = (cs["state"].get("terminated") or cs["lastState"]["terminated"])
    assert (term["exitCode"], term["reason"]) == (137, "OOMKilled")
    cluster.create(pod("fits", [container("c", "polinux/stress", command=["stress"],
                                          args=["--vm", "1", "--vm-bytes", "150M", "--vm-hang", "1"],
                                          resources={"limits": {"memory": "200Mi"}})]))
    cluster.run(10)
    assert list(cstatus(cluster, "fits")["state"]) == ["running"]
    assert kubelet(cluster).logs("default", "fits") == \
        "stress: info: [1] dispatching hogs: 0 cpu, 0 io, 1 vm, 0 hdd\n"


def test_cpu_limit_throttles_cpu_bound_work(cluster):
    cmd = ["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"]
    cluster.create(pod("fast", [container("pi", "perl:5.34.0", command=cmd)], restartPolicy="Never"))
    cluster.create(pod("slow", [container("pi", "perl:5.34.0", command=cmd, resources={"limits": {"cpu": "250m"}})],
                       restartPolicy="Never"))
    cluster.run(60)
    took = {}
    for name in ("fast", "slow"):
        term = cstatus(cluster, name)["state"]["terminated"]
        assert term["reason"] == "Completed"
        uid = cluster.get("pod", name)["metadata"]["uid"]
        inst = cluster.node("kind-worker").runtime.pod_containers(uid)[0]
        took[name] = inst.finished_at - inst.started_at
    assert took["slow"] == pytest.approx(4 * took["fast"], rel=0.05)
    assert kubelet(cluster).logs("default", "fast") == pi_digits(2000) + "\n"


def test_pi_digits():
    assert pi_digits(5) == "3.1416"
    assert pi_digits(10) == "3.141592654"
    assert pi_digits(2000).startswith("3.14159265358979323846")
    assert len(pi_digits(2000)) == 2001


def test_mysql_refuses_to_start_without_a_password(cluster):
    cluster.create(pod("db", [container("mysql", "mysql:5.6")]))
    cluster.run(60)
    cs = cstatus(cluster, "db")
    assert cs["lastState"]["terminated"]["exitCode"] == 1
    log = kubelet(cluster).logs("default", "db", previous=True)
    assert log.splitlines()[-5:] == [
        "2025-01-01 00:00:" + log.splitlines()[-5][17:19] + "+00:00 [ERROR] [Entrypoint]: Database is uninitialized "
        "and password option is not specified",
        "    You need to specify one of the following:",
        "    - MYSQL_ROOT_PASSWORD",
        "    - MYSQL_ALLOW_EMPTY_PASSWORD",
        "    - MYSQL_RANDOM_ROOT_PASSWORD"]
    assert "Entrypoint script for MySQL Server 5.6.51-1debian9 started." in log
    assert cs["state"]["waiting"]["reason"] == "CrashLoopBackOff"


def test_mysql_with_a_password_stores_data_and_answers_probes(cluster):
    cluster.create(pod("db", [container("mysql", "mysql:5.6", env=[{"name": "MYSQL_ROOT_PASSWORD", "value": "pw"}],
                                        volumeMounts=[{"name": "data", "mountPath": "/var/lib/mysql"}],
                                        readinessProbe={"exec": {"command": ["mysql", "-h", "127.0.0.1", "-e",
                                                                             "SELECT 1"]},
                                                        "initialDelaySeconds": 5, "periodSeconds": 2})],
                       volumes=[{"name": "data", "emptyDir": {}}]))
    cluster.run(40)
    assert cstatus(cluster, "db")["ready"] is True
    out, _, code = sh(cluster, "db", "ls /var/lib/mysql")
    assert code == 0 and "mysql" in out.split()
    assert "mysqld: ready for connections." in kubelet(cluster).logs("default", "db")


def test_wordpress_needs_its_database(cluster):
    cluster.create(pod("wp", [container("wordpress", "wordpress:6.2.1-apache",
                                        env=[{"name": "WORDPRESS_DB_HOST", "value": "127.0.0.1"}])]))
    cluster.run(30)
    ip = status(cluster, "wp")["podIP"]
    rt = cluster.node("kind-worker").runtime
    assert rt.handle_request(ip, 80, Request()).status == 500
    assert "resuming normal operations" in kubelet(cluster).logs("default", "wp")


def test_redis_keeps_data_in_its_volume_across_restarts(cluster):
    cluster.create(pod("redis", [container("redis", "redis:7.4", volumeMounts=[{"name": "d", "mountPath": "/data"}])],
                       volumes=[{"name": "d", "emptyDir": {}}]))
    cluster.run(10)
    k = kubelet(cluster)
    assert k.exec("default", "redis", None, ["redis-cli", "set", "greeting", "hi"])[0] == "OK\n"
    assert k.exec("default", "redis", None, ["redis-cli", "ping"])[0] == "PONG\n"
    assert "Ready to accept connections tcp" in k.logs("default", "redis")


def test_exec_and_its_errors(cluster):
    cluster.create(pod("nx", [container("nginx", "nginx:1.25")]))
    cluster.run(10)
    k = kubelet(cluster)
    out, err, code = k.exec("default", "nx", None, ["cat", "/usr/share/nginx/html/index.html"])
    assert code == 0 and out.startswith("<!DOCTYPE html>") and len(out) == 615
    out, err, code = k.exec("default", "nx", None, ["cat", "/nope"])
    assert (out, err, code) == ("", "cat: /nope: No such file or directory\n", 1)
    with pytest.raises(StatusError) as e:
        k.exec("default", "nx", None, ["ps"])          # the nginx image has no procps
    assert e.value.message.endswith('exec: "ps": executable file not found in $PATH: unknown')
    out, err, code = k.exec("default", "nx", None, ["sh", "-c", "nope"])
    assert (err, code) == ("sh: 1: nope: not found\n", 127)
    with pytest.raises(StatusError):
        k.exec("default", "nx", "sidecar", ["true"])


def test_missing_executable_is_run_container_error(cluster):
    cluster.create(pod("noexe", [container("c", command=["/app/server"])]))
    cluster.run(20)
    msg = ("failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create "
           "failed: unable to start container process: exec: \"/app/server\": stat /app/server: no such file or "
           "directory: unknown")
    cs = cstatus(cluster, "noexe")
    assert cs["state"]["waiting"] in ({"reason": "RunContainerError", "message": msg},
                                      {"reason": "CrashLoopBackOff",
                                       "message": cs["state"]["waiting"].get("message", "")})
    assert cs["lastState"]["terminated"]["reason"] == "StartError"
    assert cs["lastState"]["terminated"]["exitCode"] == 128
    assert ("Warning", "Failed", f"Error: {msg}") in [(e["type"], e["reason"], e["message"])
                                                      for e in events(cluster, "noexe")]


def test_logs_timestamps_tail_and_previous(cluster):
    cluster.create(pod("counter", [container("count", command=[
        "sh", "-c", 'i=0; while [ $i -lt 3 ]; do echo "$i: $(date)"; i=$((i+1)); sleep 1; done; exit 2'])]))
    cluster.run(4)
    k = kubelet(cluster)
    lines = k.logs("default", "counter").splitlines()
    assert lines[0] == "0: Wed Jan  1 00:00:01 UTC 2025" and len(lines) == 3
    assert k.logs("default", "counter", tail=1) == "2: Wed Jan  1 00:00:03 UTC 2025\n"
    stamped = k.logs("default", "counter", timestamps=True).splitlines()[0]
    assert re.match(r"^2025-01-01T00:00:01\.\d{9}Z 0: Wed Jan  1 00:00:01 UTC 2025$", stamped)
    cluster.run(5)
    assert k.logs("default", "counter", previous=True).splitlines()[0].startswith("0: ")
    with pytest.raises(StatusError) as e:
        cluster.create(pod("fresh", [container("c", command=["sleep", "3600"])]))
        cluster.run(3)
        k.logs("default", "fresh", previous=True)
    assert e.value.message == 'previous terminated container "c" in pod "fresh" not found'


def test_termination_message_from_file_and_from_logs(cluster):
    cluster.create(pod("tm", [container("c", command=["sh", "-c", "echo Sleep expired > /dev/termination-log"])],
                       restartPolicy="Never"))
    cluster.create(pod("fb", [container("c", command=["sh", "-c", "echo oops; exit 1"],
                                        terminationMessagePolicy="FallbackToLogsOnError")], restartPolicy="Never"))
    cluster.run(10)
    assert cstatus(cluster, "tm")["state"]["terminated"]["message"] == "Sleep expired\n"
    assert cstatus(cluster, "fb")["state"]["terminated"]["message"] == "oops\n"


class Hello(WebServer):
    port = 8080
    startup_seconds = 3
    memory = 30 * 1024 * 1024

    def respond(self, proc, request):
        return f"hello from {proc.hostname}\n"


def test_a_lesson_defines_its_own_program():
    c = Cluster(nodes=1, seed=0, network_addons=False)
    c.registry.define("lesson/hello:1.0", Hello)
    c.create(pod("hello", [container("app", "lesson/hello:1.0",
                                     readinessProbe={"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 1})]))
    c.run(2.5)
    assert cstatus(c, "hello")["ready"] is False      # still starting
    c.run(5)
    assert cstatus(c, "hello")["ready"] is True
    ip = status(c, "hello")["podIP"]
    assert c.node("kind-worker").runtime.handle_request(ip, 8080, Request()).body == "hello from hello\n"
    assert kubelet(c).logs("default", "hello") == "listening on :8080\n"
    c.delete("pod", "hello")
    c.run(2)
    assert c.list("pods") == []            # WebServer exits on SIGTERM


def test_a_crashing_program_fails_its_container_not_the_node(cluster):
    class Buggy(Program):
        def run(self, proc):
            yield proc.sleep(1)
            raise KeyError("oops")

    cluster.registry.define("lesson/buggy:1", Buggy)
    cluster.create(pod("bug", [container("c", "lesson/buggy:1")], restartPolicy="Never"))
    cluster.run(10)
    term = cstatus(cluster, "bug")["state"]["terminated"]
    assert term["exitCode"] == 2
    assert kubelet(cluster).logs("default", "bug") == "panic: KeyError: 'oops'\n"


def test_logs_of_a_container_that_never_started(cluster):
    cluster.create(pod("bad", [container("c", "nginx:1.99")]))
    cluster.run(20)
    with pytest.raises(StatusError) as e:
        kubelet(cluster).logs("default", "bad")
    assert e.value.message == 'container "c" in pod "bad" is waiting to start: trying and failing to pull image'
