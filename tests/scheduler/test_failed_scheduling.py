"""How kube-scheduler reports: the Scheduled and FailedScheduling events, the PodScheduled
condition, and the requests it makes."""
from __future__ import annotations

from conftest import Bare, events_for, node_of, pod, scheduled_condition


def test_scheduled_event_and_binding(cluster):
    mark = cluster.trace.mark()
    cluster.create(pod("nginx"))
    cluster.settle()
    node = node_of(cluster, "nginx")
    ev = next(e for e in cluster.list("events") if e["involvedObject"]["name"] == "nginx"
              and e["reason"] == "Scheduled")
    # recorded through events.k8s.io/v1, as kube-scheduler does: eventTime and action, the
    # reporting controller and instance, no source, no first/last timestamps, no count
    assert (ev["type"], ev["message"], ev["action"], ev["reportingComponent"], ev["reportingInstance"]) == (
        "Normal", f"Successfully assigned default/nginx to {node}", "Binding", "default-scheduler",
        "default-scheduler-kind-control-plane")
    assert (ev["source"], ev["firstTimestamp"], ev["lastTimestamp"], "count" in ev) == ({}, None, None, False)
    assert ev["eventTime"].endswith("Z") and "." in ev["eventTime"]          # a MicroTime
    calls = [(r.verb, r.resource, r.subresource) for r in cluster.trace.since(mark) if r.component == "kube-scheduler"]
    assert calls == [("create", "pods", "binding"), ("create", "events", "")]
    cond = scheduled_condition(cluster, "nginx")
    assert cond["status"] == "True"


def test_failed_scheduling_event_condition_and_repeats(cluster):
    mark = cluster.trace.mark()
    cluster.create(pod("huge", cpu="64"))
    cluster.settle()
    msg = ("0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
           "3 Insufficient cpu. preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, "
           "3 No preemption victims found for incoming pod.")
    cond = scheduled_condition(cluster, "huge")
    assert cond == {"type": "PodScheduled", "status": "False", "lastProbeTime": None,
                    "lastTransitionTime": cond["lastTransitionTime"], "reason": "Unschedulable", "message": msg}
    assert events_for(cluster, "huge") == [("Warning", "FailedScheduling", msg, 1)]
    assert cluster.get("pods", "huge")["status"]["phase"] == "Pending"
    cluster.run(400)                                     # retried once by the 5-minute flush: same message
    # a new Event: the first one named the pod as it was before its PodScheduled condition was
    # written, and events.k8s.io only groups events about the same object *version*
    assert events_for(cluster, "huge") == [("Warning", "FailedScheduling", msg, 1)] * 2
    cluster.run(310)                                     # the next retry is the same again: a series
    assert events_for(cluster, "huge") == [("Warning", "FailedScheduling", msg, 1),
                                           ("Warning", "FailedScheduling", msg, 2)]
    calls = [(r.verb, r.resource, r.subresource) for r in cluster.trace.since(mark)
             if r.component == "kube-scheduler" and r.resource != "events"]
    assert calls == [("patch", "pods", "status")]       # the condition did not change the second time
    assert scheduled_condition(cluster, "huge")["lastTransitionTime"] == cond["lastTransitionTime"]


def test_message_changes_update_the_condition(cluster):
    cluster.create(pod("picky", cpu="64", nodeSelector={"disk": "ssd"}))
    cluster.settle()
    first = scheduled_condition(cluster, "picky")["message"]
    assert "3 node(s) didn't match Pod's node affinity/selector" in first
    body = cluster.get("nodes", "kind-worker")
    body["metadata"]["labels"]["disk"] = "ssd"
    cluster.client("admin").update("nodes", body)
    cluster.settle()
    second = scheduled_condition(cluster, "picky")["message"]
    assert second == ("0/4 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint "
                      "{node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node affinity/selector. "
                      "preemption: 0/4 nodes are available: 1 No preemption victims found for incoming pod, "
                      "3 Preemption is not helpful for scheduling.")
    assert [e[2] for e in events_for(cluster, "picky")] == [first, second]


def test_no_nodes_at_all():
    b = Bare(0)
    b.create(pod("alone"))
    b.loop.run(30)          # no plugin rejected the pod, so it is retried after each back-off, for ever
    cond = b.get("pods", "alone")["status"]["conditions"][0]
    assert (cond["reason"], cond["message"]) == ("Unschedulable", "no nodes available to schedule pods")
    # tried at 0, 1, 3, 7, 15, 25: back-off 1, 2, 4, 8, 10 s (the last three attempts are kept)
    assert [a.time for a in b.scheduler.attempts("alone")] == [7.0, 15.0, 25.0]


def test_deleting_a_pending_pod_forgets_it(cluster):
    cluster.create(pod("doomed", cpu="64"))
    cluster.settle()
    assert "default/doomed" in cluster.scheduler.queue
    cluster.delete("pods", "doomed", grace_period=0)
    cluster.settle()
    assert "default/doomed" not in cluster.scheduler.queue


def test_pods_for_other_schedulers_are_left_alone(cluster):
    cluster.create(pod("custom", schedulerName="my-scheduler"))
    cluster.settle()
    assert node_of(cluster, "custom") is None
    assert events_for(cluster, "custom") == []
