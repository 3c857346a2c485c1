"""DefaultPreemption: lower-priority victims are evicted to make room, the preemptor is
nominated to the node, and upstream's messages and events tell the story."""
from __future__ import annotations

from conftest import Bare, events_for, node_of, pod


def priority_classes(create):
    create({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "low"},
            "value": 100})
    create({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "lowest"},
            "value": 10})
    create({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"},
            "value": 1000000})


def fill(create, nodes, cpu="3", prio="low"):
    for i, node in enumerate(nodes):
        create(pod(f"filler-{i}", cpu=cpu, priorityClassName=prio,
                   nodeSelector={"kubernetes.io/hostname": node}))


def test_high_priority_pod_preempts_and_takes_the_node(cluster):
    priority_classes(cluster.create)
    fill(cluster.create, ("kind-worker", "kind-worker2", "kind-worker3"))
    cluster.settle()
    mark = cluster.trace.mark()
    cluster.create(pod("vip", cpu="2", priorityClassName="high"))
    cluster.settle()                  # preemption, the victim's graceful termination, then the binding
    first, second = cluster.scheduler.attempts("vip")[:2]
    assert first.result == "Unschedulable"
    nominated = first.preemption["nominated_node"]
    [victim] = [v.split("/")[1] for v in first.preemption["victims"]]
    assert node_of(cluster, "vip") == nominated == second.node
    assert len(second.nodes) == 1             # the nominated node is tried first, alone
    vip = cluster.get("pods", "vip")
    evs = events_for(cluster, "vip")
    # preemption succeeded, so the FailedScheduling message has no "preemption:" part
    assert evs[0][:3] == ("Warning", "FailedScheduling",
                          "0/4 nodes are available: 1 node(s) had untolerated taint "
                          "{node-role.kubernetes.io/control-plane: }, 3 Insufficient cpu.")
    assert ("Normal", "Scheduled", f"Successfully assigned default/vip to {nominated}", 1) in evs
    assert ("Normal", "Preempted", f"Preempted by pod {vip['metadata']['uid']} on node {nominated}", 1) in \
        events_for(cluster, victim)
    calls = [(r.verb, r.name, r.subresource) for r in cluster.trace.since(mark) if r.component == "kube-scheduler"
             and r.resource == "pods"]
    assert calls.index(("patch", victim, "status")) < calls.index(("delete", victim, "")) < \
        calls.index(("create", "vip", "binding"))
    survivors = [p["metadata"]["name"] for p in cluster.list("pods") if p["metadata"]["name"].startswith("filler")]
    assert victim not in survivors and len(survivors) == 2


def test_victims_are_marked_and_deleted_gracefully():
    b = Bare(2)
    priority_classes(b.create)
    fill(b.create, ("node-0000", "node-0001"))
    b.settle()
    b.create(pod("vip", cpu="2", priorityClassName="high"))
    b.settle()
    vip = b.get("pods", "vip")
    nominated = vip["status"]["nominatedNodeName"]
    victim = next(f"filler-{i}" for i in range(2) if b.node_of(f"filler-{i}") == nominated)
    v = b.get("pods", victim)
    assert v["metadata"]["deletionGracePeriodSeconds"] == 30     # a graceful delete: no kubelet here to finish it
    cond = next(c for c in v["status"]["conditions"] if c["type"] == "DisruptionTarget")
    assert cond == {"type": "DisruptionTarget", "status": "True", "lastProbeTime": None,
                    "lastTransitionTime": cond["lastTransitionTime"], "reason": "PreemptionByScheduler",
                    "message": "default-scheduler: preempting to accommodate a higher priority pod"}
    assert b.node_of("vip") is None
    assert b.scheduler.queue.nominated_pods_for_node(nominated)[0].key == "default/vip"


def test_preemption_policy_never():
    b = Bare(2)
    priority_classes(b.create)
    fill(b.create, ("node-0000", "node-0001"))
    b.settle()
    b.create(pod("polite", cpu="2", priorityClassName="high", preemptionPolicy="Never"))
    b.settle()
    assert b.message("polite") == ("0/2 nodes are available: 2 Insufficient cpu. "
                                   "preemption: not eligible due to preemptionPolicy=Never.")
    assert not any(b.get("pods", f"filler-{i}")["metadata"].get("deletionTimestamp") for i in range(2))


def test_not_eligible_while_victims_are_terminating():
    b = Bare(2)
    priority_classes(b.create)
    fill(b.create, ("node-0000", "node-0001"))
    b.settle()
    b.create(pod("vip", cpu="2", priorityClassName="high"))
    b.settle()
    nominated = b.get("pods", "vip")["status"]["nominatedNodeName"]
    # no kubelet here: the victim stays Terminating; a node change makes the scheduler retry
    b.loop.run(5)
    body = b.get("nodes", "node-0000", None)
    b.update("nodes", {**body, "status": {**body["status"], "allocatable": {**body["status"]["allocatable"]}},
                       "metadata": {**body["metadata"], "labels": {**body["metadata"]["labels"], "x": "y"}}})
    b.settle()
    attempts = b.scheduler.attempts("vip")
    assert len(attempts) == 1                 # a label change does not help a pod NodeResourcesFit rejected
    body = b.get("nodes", "node-0000", None)
    alloc = {**body["status"]["allocatable"], "cpu": "5"}
    b.client.update_status("nodes", {**body, "status": {**body["status"], "allocatable": alloc}})
    b.settle()
    exp = b.scheduler.explain("vip")
    if exp.result == "Scheduled":             # the bigger node fits now
        assert exp.node == "node-0000"
    else:
        assert b.message("vip").endswith("preemption: not eligible due to a terminating pod on the nominated node.")
    assert b.get("pods", "vip")["status"]["nominatedNodeName"] == nominated or exp.result == "Scheduled"


def test_victims_of_the_lowest_priority_are_chosen():
    b = Bare(2)
    priority_classes(b.create)
    b.create(pod("low-pod", cpu="3", priorityClassName="low", nodeSelector={"kubernetes.io/hostname": "node-0000"}))
    b.create(pod("lowest-pod", cpu="3", priorityClassName="lowest",
                 nodeSelector={"kubernetes.io/hostname": "node-0001"}))
    b.settle()
    b.create(pod("vip", cpu="2", priorityClassName="high"))
    b.settle()
    assert b.get("pods", "vip")["status"]["nominatedNodeName"] == "node-0001"
    assert b.get("pods", "lowest-pod")["metadata"].get("deletionTimestamp")
    assert not b.get("pods", "low-pod")["metadata"].get("deletionTimestamp")


def test_pod_disruption_budgets_steer_the_choice():
    b = Bare(2)
    priority_classes(b.create)
    b.create(pod("guarded", cpu="3", priorityClassName="lowest", labels={"app": "guarded"},
                 nodeSelector={"kubernetes.io/hostname": "node-0000"}))
    b.create(pod("free", cpu="3", priorityClassName="low", labels={"app": "free"},
                 nodeSelector={"kubernetes.io/hostname": "node-0001"}))
    b.create({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
              "metadata": {"name": "guard", "namespace": "default"},
              "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "guarded"}}}})
    pdb = b.get("poddisruptionbudgets", "guard")
    b.client.update_status("poddisruptionbudgets", {**pdb, "status": {
        "disruptionsAllowed": 0, "currentHealthy": 1, "desiredHealthy": 1, "expectedPods": 1,
        "observedGeneration": 1}}, "default")
    b.settle()
    b.create(pod("vip", cpu="2", priorityClassName="high"))
    b.settle()
    # fewer PDB violations beats a lower victim priority
    assert b.get("pods", "vip")["status"]["nominatedNodeName"] == "node-0001"
    assert b.get("pods", "free")["metadata"].get("deletionTimestamp")


def test_nothing_to_preempt_on_equal_priority():
    b = Bare(2)
    priority_classes(b.create)
    fill(b.create, ("node-0000", "node-0001"), prio="high")
    b.settle()
    b.create(pod("vip", cpu="2", priorityClassName="high"))
    b.settle()
    assert b.message("vip") == ("0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: "
                                "2 No preemption victims found for incoming pod.")
