"""Graceful termination: preStop, the stop signal, the grace period, SIGKILL, and the kubelet's
final delete — the timelines of the seed's "pod termination" section."""
import pytest

from kube_lab import Cluster
from kube_lab.node import Program

from .conftest import container, events, pod


class ExitsOnTerm(Program):
    """Dies of SIGTERM (exit 143) even as PID 1: it handles the signal by re-raising it."""
    sigterm = "exit"

    def run(self, proc):
        proc.listen(8080)
        yield proc.forever()


class SlowShutdown(Program):
    sigterm = "graceful"
    shutdown_seconds = 8

    def run(self, proc):
        yield proc.forever()


@pytest.fixture
def cl():
    c = Cluster(nodes=1, seed=0, network_addons=False)
    c.registry.define("lesson/exits:1.0", ExitsOnTerm)
    c.registry.define("lesson/slow:1.0", SlowShutdown)
    return c


def timeline(c, body, *, delete=None, during=None, wait=60.0):
    """Create, run to Running, delete; return (object gone at, container finished at, exit code,
    final phase written by the kubelet, kubelet requests) relative to the delete."""
    c.create(body)
    c.run(15)
    name = body["metadata"]["name"]
    uid = c.get("pod", name)["metadata"]["uid"]
    runtime = c.node("kind-worker").runtime
    inst = [x for x in runtime.pod_containers(uid)][0]
    phases = []
    c.apiserver.watch("pods", lambda t, o: phases.append((t, (o.get("status") or {}).get("phase"))), "default",
                      resource_version=str(c.etcd.revision))
    mark = c.trace.mark()
    t0 = c.now
    c.delete("pod", name, **(delete or {}))
    if during:
        during(c)
    gone = None
    for _ in range(int(wait * 4)):
        c.run(0.25)
        if gone is None and not c.list("pods", field_selector=f"metadata.name={name}"):
            gone = c.now - t0
        if gone is not None and inst.finished_at is not None:
            break
    finished = inst.finished_at - t0 if inst.finished_at is not None else None
    requests = [(round(r.time - t0, 3), r.verb, r.subresource) for r in c.trace.since(mark)
                if r.component == "kubelet/kind-worker" and r.resource == "pods" and r.verb != "get"]
    return gone, finished, inst.exit_code, phases, requests


def test_default_grace_with_a_program_that_exits_on_sigterm(cl):
    gone, finished, code, phases, requests = timeline(cl, pod("p", [container("a", "lesson/exits:1.0")]))
    assert finished == pytest.approx(0.0, abs=0.01) and code == 143
    assert gone == pytest.approx(0.25)
    # the final status (Failed: a container ended non-zero), then the delete with grace 0
    assert phases[-2:] == [("MODIFIED", "Failed"), ("DELETED", "Failed")]
    assert [r[1:] for r in requests] == [("patch", "status"), ("delete", "")]
    kill = [e for e in events(cl, "p") if e["reason"] == "Killing"]
    assert [(e["type"], e["message"]) for e in kill] == [("Normal", "Stopping container a")]


def test_nginx_stops_gracefully_on_sigquit(cl):
    gone, finished, code, phases, _ = timeline(cl, pod("web", [container("nginx", "nginx:1.25")]))
    assert finished < 0.5 and code == 0
    assert phases[-1] == ("DELETED", "Succeeded")


def test_a_program_that_ignores_sigterm_is_killed_at_30_s(cl):
    gone, finished, code, phases, requests = timeline(cl, pod("p", [container("b", command=["sleep", "3600"])]))
    assert finished == pytest.approx(30.0, abs=0.01)
    assert code == 137
    assert 30.0 <= gone <= 30.25
    assert phases[-1] == ("DELETED", "Failed")
    assert requests[-1][1:] == ("delete", "")


def test_grace_period_flag(cl):
    _, finished, code, _, _ = timeline(cl, pod("p", [container("b", command=["sleep", "3600"])]),
                                       delete={"grace_period": 5})
    assert finished == pytest.approx(5.0, abs=0.01) and code == 137


def test_graceful_shutdown_within_the_grace_period(cl):
    _, finished, code, phases, _ = timeline(cl, pod("p", [container("a", "lesson/slow:1.0")]))
    assert finished == pytest.approx(8.0, abs=0.01) and code == 0
    assert phases[-1] == ("DELETED", "Succeeded")


def test_prestop_longer_than_the_grace_period_gets_two_more_seconds(cl):
    body = pod("p", [container("b", command=["sleep", "3600"],
                               lifecycle={"preStop": {"exec": {"command": ["sh", "-c", "sleep 60"]}}})])
    gone, finished, code, _, _ = timeline(cl, body)
    # preStop runs the whole 30 s; then SIGTERM with the one-time 2 s minimum; then SIGKILL
    assert finished == pytest.approx(32.0, abs=0.01)
    assert code == 137


def test_prestop_then_sigterm(cl):
    body = pod("p", [container("a", "lesson/exits:1.0",
                               lifecycle={"preStop": {"exec": {"command": ["sh", "-c", "sleep 5"]}}})])
    _, finished, code, _, _ = timeline(cl, body)
    assert finished == pytest.approx(5.0, abs=0.01) and code == 143


def test_prestop_sleep_action(cl):
    body = pod("p", [container("a", "lesson/exits:1.0", lifecycle={"preStop": {"sleep": {"seconds": 7}}})])
    _, finished, code, _, _ = timeline(cl, body)
    assert finished == pytest.approx(7.0, abs=0.01) and code == 143


def test_failed_prestop_hook_is_reported_and_the_container_still_stops(cl):
    body = pod("p", [container("a", "lesson/exits:1.0",
                               lifecycle={"preStop": {"exec": {"command": ["sh", "-c", "exit 3"]}}})])
    _, finished, code, _, _ = timeline(cl, body)
    assert code == 143 and finished < 0.1
    assert ("Warning", "FailedPreStopHook", "PreStopHook failed") in [
        (e["type"], e["reason"], e["message"]) for e in events(cl, "p")]


def test_force_delete_removes_the_object_while_the_container_runs(cl):
    gone, finished, code, phases, requests = timeline(
        cl, pod("p", [container("b", command=["sleep", "3600"])]), delete={"grace_period": 0})
    assert gone == pytest.approx(0.25)
    # the kubelet still stops the container, with the pod's own grace period
    assert finished == pytest.approx(30.0, abs=1.0)
    assert code == 137
    assert requests == []       # nothing left to update or delete


def test_kubelet_restart_mid_termination_restarts_the_grace_period(cl):
    def restart(c):
        c.run(10)
        c.node("kind-worker").stop_kubelet()
        c.run(5)
        c.node("kind-worker").start_kubelet()

    gone, finished, code, _, _ = timeline(cl, pod("p", [container("b", command=["sleep", "3600"])]),
                                          during=restart, wait=80)
    # SIGTERM at 0 (ignored); the kubelet dies at 10 and its pending SIGKILL with it; the new
    # kubelet starts at 15, sends SIGTERM again and a full 30 s later SIGKILL
    assert finished == pytest.approx(45.0, abs=0.01)
    assert code == 137
    assert gone == pytest.approx(45.0, abs=0.3)
    kills = [e for e in events(cl, "p") if e["reason"] == "Killing"]
    # "Stopping container b" again from the new kubelet (a new process: a new Event, not a count)
    assert [(e["message"], e["count"]) for e in kills] == [("Stopping container b", 1)] * 2


def test_shorter_grace_period_on_a_second_delete(cl):
    def shorten(c):
        c.run(3)
        c.delete("pod", "p", grace_period=2)

    _, finished, code, _, _ = timeline(cl, pod("p", [container("b", command=["sleep", "3600"])]), during=shorten)
    assert finished == pytest.approx(5.0, abs=0.01) and code == 137


def test_all_containers_get_the_signal_at_once(cl):
    body = pod("p", [container("a", "lesson/exits:1.0"), container("b", command=["sleep", "3600"])],
               terminationGracePeriodSeconds=10)
    cl.create(body)
    cl.run(15)
    insts = {c.name: c for c in cl.node("kind-worker").runtime.containers.values()}
    t0 = cl.now
    cl.delete("pod", "p")
    cl.run(20)
    assert insts["a"].finished_at - t0 == pytest.approx(0.0, abs=0.01)    # exits on SIGTERM
    assert insts["b"].finished_at - t0 == pytest.approx(10.0, abs=0.01)   # SIGKILL at the grace period
    kills = sorted(e["message"] for e in events(cl, "p") if e["reason"] == "Killing")
    assert kills == ["Stopping container a", "Stopping container b"]
    assert cl.list("pods") == []


def test_pod_force_deleted_while_the_kubelet_was_down_is_stopped_as_an_orphan(cl):
    cl.create(pod("p", [container("b", command=["sleep", "3600"])], terminationGracePeriodSeconds=7))
    cl.run(10)
    m = cl.node("kind-worker")
    inst = list(m.runtime.containers.values())[0]
    m.stop_kubelet()
    cl.delete("pod", "p", grace_period=0)
    cl.run(5)
    assert inst.state == "CONTAINER_RUNNING"
    t0 = cl.now
    m.start_kubelet()
    cl.run(20)
    # housekeeping finds a container no pod owns and stops it with the grace period it was
    # started with, then removes it
    assert inst.exit_code == 137
    assert 7 <= inst.finished_at - t0 <= 9.5
    assert m.runtime.containers == {} and m.runtime.sandboxes == {}
