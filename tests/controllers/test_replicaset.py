"""ReplicaSet / ReplicationController controllers against pkg/controller/replicaset (1.32)."""
import re

import pytest
from conftest import events, owned_pods, patch, replicaset

from kube_lab.api import errors
from kube_lab.api.meta import DEFAULT_EPOCH, controller_ref, rfc3339
from kube_lab.controlplane.controllers import controller_utils as cu

POD_NAME = re.compile(r"^web-[bcdfghjklmnpqrstvwxz2456789]{5}$")
KCM = "kube-controller-manager"


def test_creates_pods_named_from_the_set_with_controller_refs_and_events(cluster, kubelet):
    rs = cluster.create(replicaset(replicas=3))
    cluster.settle()
    pods = owned_pods(cluster, rs)
    assert len(pods) == 3
    for p in pods:
        assert POD_NAME.match(p["metadata"]["name"])
        assert p["metadata"]["generateName"] == "web-"
        assert p["metadata"]["ownerReferences"] == [{
            "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "uid": rs["metadata"]["uid"],
            "controller": True, "blockOwnerDeletion": True}]
    created = sorted(msg for _, reason, msg in events(cluster, "ReplicaSet", "web") if reason == "SuccessfulCreate")
    assert created == sorted(f"Created pod: {p['metadata']['name']}" for p in pods)
    status = cluster.get("replicasets", "web")["status"]
    assert status == {"replicas": 3, "fullyLabeledReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
                      "observedGeneration": 1}
    ev = [e for e in cluster.list("events") if e["reason"] == "SuccessfulCreate"][0]
    assert ev["source"] == {"component": "replicaset-controller"}


def test_deleting_a_pod_brings_a_replacement_with_a_new_name_and_ip(cluster, kubelet):
    rs = cluster.create(replicaset(replicas=2))
    cluster.settle()
    before = {p["metadata"]["name"]: p["status"]["podIP"] for p in owned_pods(cluster, rs)}
    victim = sorted(before)[0]
    cluster.delete("pods", victim)
    cluster.settle()
    after = {p["metadata"]["name"]: p["status"]["podIP"] for p in owned_pods(cluster, rs)}
    assert len(after) == 2 and victim not in after
    (new_name,) = set(after) - set(before)
    assert POD_NAME.match(new_name)
    assert after[new_name] not in before.values()
    # the replacement was created while the old pod was still terminating (graceful delete)
    assert ("Normal", "SuccessfulCreate", f"Created pod: {new_name}") in events(cluster, "ReplicaSet", "web")


def _orphan(cluster, name, labels):
    return cluster.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
                           "spec": {"containers": [{"name": "c", "image": "busybox"}]}})


def test_compound_selector_adopts_exactly_the_matching_orphans(cluster, kubelet):
    _orphan(cluster, "a", {"app": "web", "release": "stable"})
    _orphan(cluster, "b", {"app": "web", "release": "canary"})
    _orphan(cluster, "c", {"app": "db", "release": "stable"})
    _orphan(cluster, "d", {"app": "web", "release": "stable", "extra": "x"})
    cluster.settle()
    sel = {"matchLabels": {"app": "web"},
           "matchExpressions": [{"key": "release", "operator": "In", "values": ["stable"]}]}
    rs = cluster.create(replicaset(replicas=3, selector=sel, labels={"app": "web", "release": "stable"}))
    cluster.settle()
    owners = {p["metadata"]["name"]: (controller_ref(p) or {}).get("uid") for p in cluster.list("pods")}
    assert owners["a"] == owners["d"] == rs["metadata"]["uid"]
    assert owners["b"] is None and owners["c"] is None
    assert len(owned_pods(cluster, rs)) == 3          # a, d and one new pod
    adopted = {r.name for r in cluster.trace.select(component=KCM, verb="patch", resource="pods")}
    assert adopted == {"a", "d"}


def test_pods_being_deleted_are_not_adopted(cluster, kubelet):
    pod = _orphan(cluster, "old", {"app": "web"})
    cluster.settle()
    cluster.delete("pods", "old")          # graceful: still there for a moment, with deletionTimestamp
    assert cluster.get("pods", "old")["metadata"].get("deletionTimestamp")
    rs = cluster.create(replicaset(replicas=1))
    cluster.settle()
    assert not cluster.trace.select(component=KCM, verb="patch", name="old")
    assert len(owned_pods(cluster, rs)) == 1
    assert pod["metadata"]["name"] not in {p["metadata"]["name"] for p in owned_pods(cluster, rs)}


def test_a_pod_whose_labels_stop_matching_is_released_and_replaced(cluster, kubelet):
    rs = cluster.create(replicaset(replicas=2))
    cluster.settle()
    name = sorted(p["metadata"]["name"] for p in owned_pods(cluster, rs))[0]
    patch(cluster, "pods", name, {"metadata": {"labels": {"app": "debug"}}}, "application/merge-patch+json")
    cluster.settle()
    released = cluster.get("pods", name)
    assert not released["metadata"].get("ownerReferences")   # upstream omits the emptied list
    assert len(owned_pods(cluster, rs)) == 2
    assert name not in {p["metadata"]["name"] for p in owned_pods(cluster, rs)}


def test_slow_start_batches_stop_at_the_first_failing_batch_and_report_replica_failure(cluster, kubelet):
    allowed = {"pods": 3}

    def quota(server, ctx):
        if ctx.operation == "CREATE" and ctx.info.resource == "pods" and not ctx.subresource:
            if len(server.storage_list("pods", ctx.namespace)) >= allowed["pods"]:
                raise errors.forbidden("pods", ctx.name, "exceeded quota: pods, requested: pods=1, used: pods=3, "
                                                          "limited: pods=3")

    cluster.apiserver.admission_plugins.append(quota)
    mark = cluster.trace.mark()
    cluster.create(replicaset(replicas=10))
    cluster.run(0.001)
    creates = [r for r in cluster.trace.since(mark) if r.component == KCM and r.verb == "create" and r.resource == "pods"]
    # first sync: batches 1, 2, 4 — the third fails (all four calls are made: upstream runs a batch
    # concurrently) and the rest are skipped; later syncs start again with a batch of one
    codes = [r.code for r in creates]
    assert codes[:7] == [200, 200, 200, 403, 403, 403, 403]
    assert set(codes[7:]) <= {403} and len(codes) < 10
    rs = cluster.get("replicasets", "web")
    (cond,) = rs["status"]["conditions"]
    assert cond["type"] == "ReplicaFailure" and cond["status"] == "True" and cond["reason"] == "FailedCreate"
    assert cond["message"].endswith("is forbidden: exceeded quota: pods, requested: pods=1, used: pods=3, "
                                    "limited: pods=3")
    failed = [e for e in cluster.list("events") if e["reason"] == "FailedCreate"]
    # the event and the condition carry the same API error
    assert failed and failed[0]["type"] == "Warning" and failed[0]["message"] == f"Error creating: {cond['message']}"
    allowed["pods"] = 100
    cluster.run(30)
    rs = cluster.get("replicasets", "web")
    assert rs["status"]["replicas"] == 10 and "conditions" not in rs["status"]


def test_burst_replicas_caps_one_sync_at_500_creates(cluster):
    mark = cluster.trace.mark()
    cluster.create(replicaset(replicas=600))
    cluster.settle()
    recs = [r for r in cluster.trace.since(mark) if r.component == KCM and r.resource in ("pods", "replicasets")
            and r.verb in ("create", "update")]
    first_status = next(i for i, r in enumerate(recs) if r.resource == "replicasets")
    assert first_status == 500
    assert sum(1 for r in recs if r.resource == "pods") == 600


def test_expectations_block_a_second_round_of_creates_until_the_informer_sees_them(cluster):
    cluster.create(replicaset(replicas=3))
    ctl = cluster.controller_manager["replicaset"]
    cluster.run_until(lambda c: len(c.apiserver.storage_list("pods", "default")) == 3)
    assert ctl.expectations.get("default/web") == (3, 0)
    ctl.reconcile("default/web")            # the informer has not delivered the pods yet
    assert len(cluster.apiserver.storage_list("pods", "default")) == 3
    cluster.settle()
    assert len(cluster.list("pods")) == 3
    assert ctl.expectations.get("default/web") == (0, 0)


def test_available_replicas_wait_for_min_ready_seconds(cluster, kubelet):
    cluster.create(replicaset(replicas=2, minReadySeconds=10))
    cluster.run(5)
    st = cluster.get("replicasets", "web")["status"]
    assert st["readyReplicas"] == 2 and "availableReplicas" not in st
    cluster.run(9)   # ready at t=2 → available once more than 10 s have passed, re-checked at 13 s
    st = cluster.get("replicasets", "web")["status"]
    assert st["availableReplicas"] == 2


def test_fully_labeled_replicas_counts_pods_with_all_template_labels(cluster, kubelet):
    _orphan(cluster, "plain", {"app": "web"})
    body = replicaset(replicas=2)
    body["spec"]["template"]["metadata"]["labels"]["tier"] = "fe"
    cluster.create(body)
    cluster.settle()
    st = cluster.get("replicasets", "web")["status"]
    assert st["replicas"] == 2 and st["fullyLabeledReplicas"] == 1


def test_scale_down_deletes_pending_and_unscheduled_pods_first(cluster):
    from fake_kubelet import FakeKubelet

    k = FakeKubelet(cluster, nodes=2, bind=False)
    body = replicaset(replicas=3)
    # no node carries this label, so kube-scheduler (if running) leaves the pods unscheduled
    body["spec"]["template"]["spec"]["nodeSelector"] = {"example.com/nowhere": "true"}
    rs = cluster.create(body)
    cluster.settle()
    pods = sorted(owned_pods(cluster, rs), key=lambda p: p["metadata"]["name"])
    # bind two of the three by hand; one starts (Running, Ready), one stays Pending unscheduled
    for p, node in zip(pods[:2], k.nodes):
        cluster.client("scheduler").create("pods", {"apiVersion": "v1", "kind": "Binding",
                                                    "metadata": {"name": p["metadata"]["name"]},
                                                    "target": {"kind": "Node", "name": node}},
                                           "default", subresource="binding", name=p["metadata"]["name"])
    cluster.settle()
    patch(cluster, "replicasets", "web", {"spec": {"replicas": 1}})
    cluster.settle()
    left = owned_pods(cluster, rs)
    assert len(left) == 1
    assert left[0]["spec"].get("nodeName")                      # the unscheduled pod went first
    deleted = [m for _, r, m in events(cluster, "ReplicaSet", "web") if r == "SuccessfulDelete"]
    assert f"Deleted pod: {pods[2]['metadata']['name']}" in deleted


def _pod(name, node="", phase="Pending", ready=None, created=0, restarts=0, cost=None, uid=None):
    md = {"name": name, "uid": uid or name, "creationTimestamp": rfc3339(DEFAULT_EPOCH, created)}
    if cost is not None:
        md["annotations"] = {cu.POD_DELETION_COST: str(cost)}
    status = {"phase": phase, "containerStatuses": [{"restartCount": restarts}]}
    if ready is not None:
        status["conditions"] = [{"type": "Ready", "status": "True", "lastTransitionTime": rfc3339(DEFAULT_EPOCH, ready)}]
    return {"metadata": md, "spec": {"nodeName": node}, "status": status}


def test_deletion_order_follows_active_pods_with_ranks():
    now = DEFAULT_EPOCH + 100_000
    pods = [
        _pod("ready-old", "n1", "Running", ready=10, created=0),
        _pod("unassigned", "", "Pending", created=50),
        _pod("pending", "n1", "Pending", created=50),
        _pod("unknown", "n1", "Unknown", created=50),
        _pod("running-notready", "n2", "Running", created=50),
        _pod("ready-new", "n2", "Running", ready=99_000, created=98_000),
        _pod("costly-notready", "n2", "Running", created=60, cost=100),
    ]
    order = [p["metadata"]["name"] for p in cu.pods_for_deletion(pods, [0] * len(pods), now)]
    assert order == ["unassigned", "pending", "unknown", "running-notready", "costly-notready", "ready-new",
                     "ready-old"]


def test_deletion_order_prefers_doubled_up_then_restarts_then_newer():
    now = DEFAULT_EPOCH + 100_000
    a = _pod("a", "n1", "Running", created=10)
    b = _pod("b", "n2", "Running", created=10)
    assert [p["metadata"]["name"] for p in cu.pods_for_deletion([a, b], [1, 3], now)] == ["b", "a"]
    c = _pod("c", "n1", "Running", created=10, restarts=5)
    assert [p["metadata"]["name"] for p in cu.pods_for_deletion([a, c], [1, 1], now)] == ["c", "a"]
    old = _pod("old", "n1", "Running", created=0)
    new = _pod("new", "n1", "Running", created=90_000)
    assert [p["metadata"]["name"] for p in cu.pods_for_deletion([old, new], [0, 0], now)] == ["new", "old"]
    # within one log2 bucket of age, the uid decides (LogarithmicScaleDown)
    x = _pod("x", "n1", "Running", created=99_990, uid="b")
    y = _pod("y", "n1", "Running", created=99_991, uid="a")
    assert [p["metadata"]["name"] for p in cu.pods_for_deletion([x, y], [0, 0], now)] == ["y", "x"]


# ------------------------------------------------------------------------------------------
# ReplicationController
def _rc(name="web", replicas=2, selector=None):
    return {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": selector or {"app": name},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25"}]}}}}


def test_replication_controller_manages_pods_by_equality_selector(cluster, kubelet):
    _orphan(cluster, "stray", {"app": "web"})
    rc = cluster.create(_rc(replicas=2))
    cluster.settle()
    pods = owned_pods(cluster, rc)
    assert len(pods) == 2 and "stray" in {p["metadata"]["name"] for p in pods}
    ref = controller_ref(cluster.get("pods", "stray"))
    assert ref["kind"] == "ReplicationController" and ref["apiVersion"] == "v1"
    st = cluster.get("replicationcontrollers", "web")["status"]
    assert st == {"replicas": 2, "fullyLabeledReplicas": 2, "readyReplicas": 2, "availableReplicas": 2,
                  "observedGeneration": 1}
    ev = [e for e in cluster.list("events") if e["reason"] == "SuccessfulCreate"]
    assert ev and ev[0]["source"] == {"component": "replication-controller"}
    assert ev[0]["involvedObject"]["kind"] == "ReplicationController"


def test_replication_controller_rejects_a_set_based_selector(cluster):
    body = _rc()
    body["spec"]["selector"] = {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]}
    with pytest.raises(errors.StatusError) as e:
        cluster.create(body)
    assert e.value.code in (400, 422)
    assert not cluster.list("replicationcontrollers")
    cluster.settle()
    assert not cluster.list("pods")
