"""A pod's termination read back from the cluster: the delete, the grace period, the preStop hook,
the stop signal, SIGKILL and the 2 s extension, the endpoint and the final removal."""
import pytest

from kube_lab import Cluster, viz
from kube_lab.kubectl import Kubectl
from kube_lab.viz.termination import pod_termination, simulate_termination, termination_log

SLEEPER = """apiVersion: v1
kind: Pod
metadata: {name: %s}
spec:
  terminationGracePeriodSeconds: %d
  containers: [{name: app, image: "busybox:1.36", command: [sleep, "3600"]}]
"""


def rel(term, t):
    return round(t - term.deleted, 3)


def test_a_prestop_hook_then_a_draining_program_end_well_before_the_deadline():
    term = simulate_termination(30, 5, 3)
    c = term.containers[0]
    assert (term.grace, term.forced, term.deleted_by) == (30, False, "kubectl")
    assert rel(term, term.deadline) == 30
    assert c.has_prestop and [rel(term, t) for t in c.prestop] == [0, 5]
    assert (c.signal, rel(term, c.signalled), c.kill_after) == ("SIGTERM", 5, 25)
    assert (rel(term, c.exited), c.exit_code, c.reason, c.killed) == (8, 0, "Completed", False)
    assert rel(term, term.endpoint_terminating) == 0 and rel(term, term.endpoint_removed) == 8
    assert rel(term, term.removed) == 8 and term.removed_by.startswith("kubelet/")
    assert [(rel(term, t), reason, msg) for t, _, reason, msg in term.events] == [(0, "Killing", "Stopping container app")]
    assert not term.extension_used
    assert term.summary() == ("pod demo: grace period 30 s; app: preStop 5 s, SIGTERM at +5.000s, exit 0 (Completed) "
                              "at +8.000s; gone from the API at +8.000s")
    steps = term.steps()
    assert "SIGTERM to container app, SIGKILL in 25 s if it is still running" in steps
    assert "delete pod demo with grace period 0: gone from the API" in steps and "SIGKILL to" not in steps


def test_a_program_slower_than_what_is_left_of_the_grace_period_is_killed_at_the_deadline():
    term = simulate_termination(10, 4, 20)
    c = term.containers[0]
    assert (rel(term, c.signalled), c.kill_after) == (4, 6)
    assert (rel(term, c.exited), c.exit_code, c.killed) == (10, 137, True)
    assert not term.extension_used


def test_a_prestop_hook_that_outlives_the_grace_period_gets_the_two_second_extension():
    term = simulate_termination(10, 15, 3)
    c = term.containers[0]
    assert [rel(term, t) for t in c.prestop] == [0, 10]
    assert (rel(term, c.signalled), c.kill_after) == (10, 2)
    assert (rel(term, c.exited), c.exit_code, c.killed) == (12, 137, True)
    assert term.extension_used and "(the 2 s extension)" in term.steps()
    assert "+2 s extension" in {s.state for s in term.spans()}


def test_the_same_settings_give_the_same_story():
    a = simulate_termination(12, 3, 1, seed=3)
    assert a is simulate_termination(12, 3, 1, seed=3)          # cached
    assert a.summary() == ("pod demo: grace period 12 s; app: preStop 3 s, SIGTERM at +3.000s, exit 0 (Completed) "
                           "at +4.000s; gone from the API at +4.000s")


def test_a_force_deleted_pod_leaves_the_api_at_once_while_its_container_runs_on():
    c = Cluster(nodes=1, seed=0, network_addons=False)
    kubectl = Kubectl(c)
    assert kubectl.run("apply -f -", stdin=SLEEPER % ("stuck", 20)).exit_code == 0
    c.run(15)
    log = termination_log(c)
    r = kubectl.run("delete pod stuck --grace-period=0 --force")
    assert "force deleted" in r.stdout
    c.run(25)
    term = log.termination("stuck")
    k = term.containers[0]
    assert term.forced and term.grace is None and rel(term, term.removed) == 0
    assert (rel(term, k.signalled), k.kill_after, rel(term, k.exited), k.exit_code) == (0, 20, 20, 137)
    assert term.summary().startswith("pod stuck: force-deleted; app: SIGTERM at +0.000s, SIGKILL at +20.000s")
    assert "delete pod stuck with grace period 0: removed from the API at once" in term.steps()


def test_without_a_log_the_container_end_comes_from_the_stored_status():
    c = Cluster(nodes=1, seed=0, network_addons=False)
    kubectl = Kubectl(c)
    kubectl.run("apply -f -", stdin=SLEEPER % ("p", 30))
    c.run(15)
    kubectl.run("delete pod p --grace-period=3")
    term = pod_termination(c, "p")
    k = term.containers[0]
    assert term.grace == 3 and k.signalled is None
    assert (rel(term, k.exited), k.exit_code, k.reason, k.killed) == (3, 137, "Error", True)
    assert term.final_status["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 137


def test_a_graceful_delete_finished_by_a_force_delete():
    c = Cluster(nodes=1, seed=0, network_addons=False)
    kubectl = Kubectl(c)
    kubectl.run("apply -f -", stdin=SLEEPER % ("s", 600))
    c.run(15)
    kubectl.run("delete pod s --wait=false")
    c.run(10)
    kubectl.run("delete pod s --grace-period=0 --force")
    term = pod_termination(c, "s")
    assert term.grace == 600 and term.forced and rel(term, term.removed) == 10
    assert "delete pod s with grace period 0 (forced): removed from the API at once" in term.steps()
    assert pod_termination(c, "never-there").deleted is None


def test_pictures_and_explorer():
    term = simulate_termination(30, 5, 3)
    tl = term.timeline()
    assert tl.rows == ["pod demo (API)", "its endpoint (EndpointSlice)", "grace period", "container app"]
    assert [m for _, m in term.markers()] == ["delete", "SIGTERM", "exit 0 · gone"]
    anim = term.animate()
    assert anim.frames == len(term.moments()) <= 11
    ex = viz.TerminationExplorer(grace=30, prestop=5, shutdown=3)
    assert repr(ex).startswith("TerminationExplorer(grace=30, prestop=5, shutdown=3): pod demo: grace period 30 s")
    ex.set(prestop=15, grace=10)
    assert ex.termination.extension_used and ex.png[:4] == b"\x89PNG"
    pic = viz.compare_terminations([(30, 5, 3), (10, 15, 3)])
    assert repr(pic) == ("<Picture: 2 deletions (grace, preStop, shutdown): (30, 5, 3) → exit 0 at +8.000s; "
                         "(10, 15, 3) → SIGKILL at +12.000s>")


@pytest.mark.parametrize("drain, failures", [(False, True), (True, False)])
def test_traffic_chart_counts_what_the_load_generator_saw(drain, failures):
    """Both pods deleted at once: a program that exits on SIGTERM leaves nothing to answer; one that
    drains keeps answering through its terminating (still serving) endpoint.  (The readiness probe
    keeps the replacements out of the Service until netexec listens: without it they would refuse
    the first connections — a failure of its own, not the one measured here.)"""
    c = Cluster(nodes=2, seed=0, network_addons=True)
    args = '["netexec", "--http-port=8080", "--delay-shutdown=5"]' if drain else '["netexec", "--http-port=8080"]'
    c.apply(f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers: [{{name: app, image: "registry.k8s.io/e2e-test-images/agnhost:2.53", args: {args},
                    readinessProbe: {{httpGet: {{path: /hostname, port: 8080}}, periodSeconds: 1}}}}]
---
apiVersion: v1
kind: Service
metadata: {{name: web}}
spec:
  selector: {{app: web}}
  ports: [{{port: 80, targetPort: 8080}}]
---
apiVersion: v1
kind: Pod
metadata: {{name: client}}
spec:
  containers: [{{name: sh, image: "busybox:1.36", command: [sleep, "3600"]}}]
""")
    c.run(40)
    gen = c.load("http://web/hostname", source="pod/client", rate=400, duration=2)
    c.run(0.5)
    t = c.now
    victims = [p["metadata"]["name"] for p in c.list("pods", selector="app=web")]
    for v in victims:
        c.delete("pods", v)
    c.run(3)
    pic = viz.traffic_chart({"web": gen}, marks={"web": [(t, "delete")]})
    failed = len(gen.failures())
    assert repr(pic) == f"<Picture: web: {len(gen.records)} requests, {failed} failed>"
    assert bool(failed) is failures
