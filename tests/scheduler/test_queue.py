"""The scheduling queue: priority order, back-off, unschedulable pods and the events that move
them, the 5-minute leftover flush, scheduling gates."""
from __future__ import annotations

import math

from kube_lab.api.meta import deep_copy
from kube_lab.controlplane.scheduler.framework import ClusterEvent, NODE, ADD, QUEUE
from kube_lab.controlplane.scheduler.podinfo import PodInfo
from kube_lab.controlplane.scheduler.queue import SchedulingQueue
from kube_lab.sim import Loop

from conftest import Bare, events_for, label_node, node_of, pod


def _pi(name: str, priority: int = 0, uid: str = "") -> PodInfo:
    p = pod(name)
    p["metadata"]["uid"] = uid or name
    p["spec"]["priority"] = priority
    return PodInfo(p)


def test_active_queue_orders_by_priority_then_arrival():
    loop = Loop()
    q = SchedulingQueue(loop, hints=lambda n: [], pre_enqueue=lambda n: [], on_active=lambda: None)
    q.add(_pi("low-1", 0))
    loop.run(1)
    q.add(_pi("high", 100))
    q.add(_pi("low-2", 0))
    q.add(_pi("mid", 10))
    assert [q.pop().key for _ in range(4)] == ["default/high", "default/mid", "default/low-1", "default/low-2"]
    assert q.pop() is None


def test_backoff_doubles_from_one_second_to_ten():
    loop = Loop()
    q = SchedulingQueue(loop, hints=lambda n: [], pre_enqueue=lambda n: [], on_active=lambda: None)
    q.add(_pi("p"))
    retries = []
    for _ in range(7):
        qp = None
        while qp is None:           # run until the pod is back in activeQ
            qp = q.pop()
            if qp is None:
                loop.step()
        retries.append(loop.now)
        q.add_unschedulable(qp, q.scheduling_cycle)   # failed without a rejecting plugin: back-off
    gaps = [b - a for a, b in zip(retries, retries[1:])]
    assert gaps == [1, 2, 4, 8, 10, 10]


def test_backoff_flush_runs_on_the_one_second_ticker():
    loop = Loop()
    loop.run(0.25)                  # the scheduler (and its tickers) started at 0.25 s
    q = SchedulingQueue(loop, hints=lambda n: [], pre_enqueue=lambda n: [], on_active=lambda: None)
    loop.run(0.5)                   # t = 0.75
    q.add(_pi("p"))
    qp = q.pop()
    q.add_unschedulable(qp, q.scheduling_cycle)
    assert q.where("default/p") == "Backoff"
    loop.run_until(1.74)
    assert q.where("default/p") == "Backoff"    # back-off ends at 1.75 …
    loop.run_until(2.25)
    assert q.where("default/p") == "Active"      # … and the next tick after it (2.25) moves it


def test_unschedulable_pods_move_only_when_a_rejecting_plugin_says_the_event_helps():
    loop = Loop()
    fits = {"answer": "QueueSkip"}
    hints = [(ClusterEvent(NODE, ADD), "NodeResourcesFit", lambda pi, old, new: fits["answer"])]
    q = SchedulingQueue(loop, hints=lambda n: hints, pre_enqueue=lambda n: [], on_active=lambda: None)
    q.add(_pi("p"))
    qp = q.pop()
    qp.unschedulable_plugins = {"NodeResourcesFit"}
    assert q.add_unschedulable(qp, q.scheduling_cycle) == "Unschedulable"
    q.move_all(ClusterEvent(NODE, ADD, "NodeAdd"), None, {"metadata": {"name": "n"}})
    assert q.where("default/p") == "Unschedulable"          # the hint said QueueSkip
    fits["answer"] = QUEUE
    q.move_all(ClusterEvent(NODE, ADD, "NodeAdd"), None, {"metadata": {"name": "n"}})
    assert q.where("default/p") == "Backoff"                # still serving its 1 s back-off
    loop.run(5)
    qp2 = q.pop()
    qp2.unschedulable_plugins = {"OtherPlugin"}
    assert q.add_unschedulable(qp2, q.scheduling_cycle) == "Unschedulable"
    q.move_all(ClusterEvent(NODE, ADD, "NodeAdd"), None, {"metadata": {"name": "n"}})
    assert q.where("default/p") == "Unschedulable"          # rejected by a plugin with no hint for it


def test_pods_waiting_more_than_five_minutes_are_retried(cluster):
    cluster.create(pod("big", cpu="16"))
    cluster.settle()
    first = cluster.scheduler.explain("big").time
    cluster.run(400)
    times = [a.time for a in cluster.scheduler.attempts("big")]
    start = cluster.scheduler.queue.start
    # the leftover flush runs every 30 s (from the scheduler's start) and takes pods unschedulable
    # for more than 300 s
    k = math.floor((first + 300 - start) / 30) + 1
    assert times[:2] == [first, start + 30 * k]
    assert [e[1] for e in events_for(cluster, "big")] == ["FailedScheduling"] * 2   # one per attempt


def test_node_label_change_requeues_a_pod_waiting_for_it(cluster):
    cluster.create(pod("ssd", nodeSelector={"disk": "ssd"}))
    cluster.settle()
    assert node_of(cluster, "ssd") is None
    label_node(cluster, "kind-worker2", team="blue")          # irrelevant: the hint skips it
    cluster.settle()
    assert len(cluster.scheduler.attempts("ssd")) == 1
    cluster.run(5)
    label_node(cluster, "kind-worker2", disk="ssd")
    cluster.settle()
    assert node_of(cluster, "ssd") == "kind-worker2"
    assert [a.result for a in cluster.scheduler.attempts("ssd")] == ["Unschedulable", "Scheduled"]


def test_deleting_a_pod_frees_room_for_a_waiting_one(cluster):
    for i, node in enumerate(("kind-worker", "kind-worker2", "kind-worker3")):
        cluster.create(pod(f"fill-{i}", cpu="3", nodeSelector={"kubernetes.io/hostname": node}))
    cluster.settle()
    cluster.create(pod("waiting", cpu="2"))
    cluster.settle()
    assert node_of(cluster, "waiting") is None
    cluster.delete("pods", "fill-1", grace_period=0)
    cluster.settle()
    assert node_of(cluster, "waiting") == "kind-worker2"


def test_scheduling_gates_keep_a_pod_out_of_the_active_queue(cluster):
    cluster.create(pod("gated", schedulingGates=[{"name": "example.com/wait"}]))
    cluster.settle()
    assert cluster.scheduler.queue.where("default/gated") == "Unschedulable"
    assert cluster.scheduler.attempts("gated") == []
    body = deep_copy(cluster.get("pods", "gated"))
    body["spec"]["schedulingGates"] = []
    cluster.client("admin").update("pods", body, "default")
    cluster.settle()
    assert node_of(cluster, "gated") is not None


def test_binding_order_follows_priority():
    b = Bare(3)
    b.api.create("priorityclasses", {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                                     "metadata": {"name": "high"}, "value": 1000})
    b.create(pod("low"))
    b.create(pod("high", priorityClassName="high"))
    mark = b.api.trace.mark()
    b.api.trace.enabled = True
    b.settle()
    binds = [r.name for r in b.api.trace.since(mark) if r.subresource == "binding"]
    assert binds == ["high", "low"]
