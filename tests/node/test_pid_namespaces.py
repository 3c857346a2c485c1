"""PID namespaces: one per container by default (its main process is PID 1), one for the whole
pod with ``shareProcessNamespace: true`` (PID 1 is the pause process, and every container sees
and can signal the others' processes), and an ephemeral container joining its target's."""
from kube_lab import Cluster


def _cluster_with(pod_spec: dict) -> Cluster:
    c = Cluster(nodes=1, seed=0, network_addons=False)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": pod_spec})
    c.settle()
    return c


def _ps(c: Cluster, container: str) -> list[tuple[int, str]]:
    out = c.kubectl(f"exec p -c {container} -- ps").stdout.splitlines()[1:]
    return [(int(line.split()[0]), line.split(None, 3)[3]) for line in out]


SPEC = {"containers": [{"name": "nginx", "image": "nginx:1.25"},
                       {"name": "shell", "image": "busybox:1.36", "command": ["sleep", "3600"]}]}


def test_each_container_has_its_own_pid_namespace_by_default():
    c = _cluster_with(SPEC)
    assert _ps(c, "shell") == [(1, "sleep 3600"), (2, "ps")]


def test_a_shared_pid_namespace_shows_every_container_with_pause_as_pid_1():
    c = _cluster_with({**SPEC, "shareProcessNamespace": True})
    assert _ps(c, "shell") == [(1, "/pause"), (2, "nginx -g daemon off;"), (3, "sleep 3600"), (4, "ps")]


def test_in_a_shared_namespace_a_container_can_stop_another_ones_main_process():
    c = _cluster_with({**SPEC, "shareProcessNamespace": True})
    r = c.kubectl("exec p -c shell -- kill 2")                  # SIGTERM to nginx, next door
    assert r.exit_code == 0, r.stderr
    c.run(15)
    nginx = next(s for s in c.get("pods", "p")["status"]["containerStatuses"] if s["name"] == "nginx")
    assert nginx["restartCount"] == 1
    assert nginx["lastState"]["terminated"]["reason"] == "Completed"   # nginx's fast shutdown exits 0
    # without the shared namespace nginx cannot be reached from the shell's container
    alone = _cluster_with(SPEC)
    r = alone.kubectl("exec p -c shell -- kill 7")
    assert (r.exit_code, r.stderr) == (1, "kill: can't kill pid 7: No such process\n"
                                          "command terminated with exit code 1\n")


def test_sigterm_to_a_main_process_that_is_not_pid_1_takes_its_default_action():
    # `sleep` has no SIGTERM handler: as PID 1 the kernel protects it, so the signal is ignored ...
    alone = _cluster_with(SPEC)
    alone.kubectl("exec p -c shell -- kill 1")
    alone.run(5)
    shell = next(s for s in alone.get("pods", "p")["status"]["containerStatuses"] if s["name"] == "shell")
    assert "running" in shell["state"] and shell["restartCount"] == 0
    # ... in a shared namespace it is PID 3, and SIGTERM ends it (exit 143 = 128 + 15)
    shared = _cluster_with({**SPEC, "shareProcessNamespace": True})
    shared.kubectl("exec p -c shell -- kill 3")
    shared.run(15)
    shell = next(s for s in shared.get("pods", "p")["status"]["containerStatuses"] if s["name"] == "shell")
    assert shell["restartCount"] == 1
    assert (shell["lastState"]["terminated"]["exitCode"], shell["lastState"]["terminated"]["reason"]) == (143, "Error")
