"""Deployment controller against pkg/controller/deployment (1.32) and what kubectl reads from it."""
from conftest import (deployment, events, observe, owned_pods, owned_sets, patch, rollout_status, rollout_undo,
                      set_image)

from kube_lab.controlplane.controllers import controller_utils as cu
from kube_lab.controlplane.controllers.hashing import compute_hash

REV = "deployment.kubernetes.io/revision"


def _rs_by_revision(cluster, d):
    return {int(rs["metadata"]["annotations"][REV]): rs for rs in owned_sets(cluster, d)}


def _cond(obj, type_):
    return next((c for c in obj["status"].get("conditions") or () if c["type"] == type_), None)


def _scaling_events(cluster):
    return [m for _, r, m in events(cluster, "Deployment", "web") if r == "ScalingReplicaSet"]


def test_new_deployment_creates_a_hashed_replicaset_and_rolls_out(cluster, kubelet):
    d = cluster.create(deployment(replicas=3))
    pod_hash = compute_hash(d["spec"]["template"])
    cluster.settle()
    (rs,) = owned_sets(cluster, d)
    assert rs["metadata"]["name"] == f"web-{pod_hash}"
    assert rs["metadata"]["labels"] == {"app": "web", "pod-template-hash": pod_hash}
    assert rs["spec"]["selector"] == {"matchLabels": {"app": "web", "pod-template-hash": pod_hash}}
    assert rs["spec"]["template"]["metadata"]["labels"] == {"app": "web", "pod-template-hash": pod_hash}
    assert rs["metadata"]["annotations"] == {"deployment.kubernetes.io/desired-replicas": "3",
                                             "deployment.kubernetes.io/max-replicas": "4", REV: "1"}
    assert rs["metadata"]["ownerReferences"][0]["kind"] == "Deployment"
    for p in owned_pods(cluster, rs):
        assert p["metadata"]["name"].startswith(f"web-{pod_hash}-")
    d = cluster.get("deployments", "web")
    assert d["metadata"]["annotations"] == {REV: "1"}
    assert d["metadata"]["generation"] == 1
    st = d["status"]
    assert {k: v for k, v in st.items() if k != "conditions"} == {
        "observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3}
    avail, prog = st["conditions"]
    assert (avail["type"], avail["status"], avail["reason"], avail["message"]) == (
        "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
    assert (prog["type"], prog["status"], prog["reason"], prog["message"]) == (
        "Progressing", "True", "NewReplicaSetAvailable", f'ReplicaSet "web-{pod_hash}" has successfully progressed.')
    assert prog["lastTransitionTime"] == "2025-01-01T00:00:00Z"          # True since the set was created
    assert _scaling_events(cluster) == [f"Scaled up replica set web-{pod_hash} from 0 to 3"]
    assert rollout_status(d) == ('deployment "web" successfully rolled out', True)


def test_progressing_condition_starts_with_new_replica_set_created(cluster):
    d = cluster.create(deployment(replicas=2))     # no kubelet: pods stay Pending
    rs_name = f"web-{compute_hash(d['spec']['template'])}"
    seen = []

    def record(c):
        cond = _cond(c.apiserver.storage_get("deployments", "default", "web"), "Progressing")
        item = cond and (cond["status"], cond["reason"], cond["message"])
        if item and (not seen or seen[-1] != item):
            seen.append(item)

    observe(cluster, 5, record)
    assert seen == [("True", "NewReplicaSetCreated", f'Created new replica set "{rs_name}"'),
                    ("True", "ReplicaSetUpdated", f'ReplicaSet "{rs_name}" is progressing.')]
    d = cluster.get("deployments", "web")
    assert _cond(d, "Available")["reason"] == "MinimumReplicasUnavailable"
    assert d["status"]["unavailableReplicas"] == 2
    assert rollout_status(d) == ('Waiting for deployment "web" rollout to finish: 0 of 2 updated replicas are '
                                 "available...", False)


def _watch_invariants(cluster, d, max_surge, max_unavailable, min_ready=0):
    """Check at every event that pods ≤ replicas + maxSurge and available ≥ replicas − maxUnavailable."""
    uid = d["metadata"]["uid"]
    seen = {"max_total": 0, "min_available": 10**9}

    def check(c):
        sets = {rs["metadata"]["uid"] for rs in c.apiserver.storage_list("replicasets", "default")
                if (cu.controller_ref(rs) or {}).get("uid") == uid}
        now = c.apiserver.epoch + c.now
        pods = [p for p in c.apiserver.storage_list("pods", "default")
                if (cu.controller_ref(p) or {}).get("uid") in sets and cu.is_pod_active(p)]
        avail = sum(1 for p in pods if cu.is_pod_available(p, min_ready, now))
        seen["max_total"] = max(seen["max_total"], len(pods))
        seen["min_available"] = min(seen["min_available"], avail)
        return False
    return seen, check


def test_rolling_update_keeps_surge_and_availability_bounds(cluster, kubelet):
    body = deployment(replicas=10, strategy={"type": "RollingUpdate",
                                             "rollingUpdate": {"maxSurge": 3, "maxUnavailable": 2}})
    d = cluster.create(body)
    cluster.settle()
    first = owned_sets(cluster, d)[0]["metadata"]["name"]
    seen, check = _watch_invariants(cluster, d, 3, 2)
    set_image(cluster, "web", "nginx:1.26")
    try:
        cluster.run_until(check, timeout=120)
    except TimeoutError:
        pass
    assert seen["max_total"] <= 13 and seen["min_available"] >= 8
    d = cluster.get("deployments", "web")
    assert d["metadata"]["annotations"][REV] == "2" and d["metadata"]["generation"] == 2
    assert rollout_status(d) == ('deployment "web" successfully rolled out', True)
    sets = _rs_by_revision(cluster, d)
    assert sets[1]["metadata"]["name"] == first and sets[1]["spec"]["replicas"] == 0
    assert sets[2]["spec"]["replicas"] == 10
    new = sets[2]["metadata"]["name"]
    evs = _scaling_events(cluster)
    assert evs[1] == f"Scaled up replica set {new} from 0 to 3"
    assert evs[2] == f"Scaled down replica set {first} from 10 to 8"
    assert evs[-1].startswith(f"Scaled down replica set {first} from ") and evs[-1].endswith(" to 0")


def test_percentages_round_surge_up_and_unavailable_down(cluster):
    from kube_lab.controlplane.controllers import deployment_util as du

    d = deployment(replicas=10, strategy={"type": "RollingUpdate",
                                          "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}})
    assert (du.max_surge(d), du.max_unavailable(d)) == (3, 2)
    d["spec"]["replicas"] = 1
    assert (du.max_surge(d), du.max_unavailable(d)) == (1, 0)
    d["spec"]["strategy"]["rollingUpdate"] = {"maxSurge": "0%", "maxUnavailable": "10%"}
    assert (du.max_surge(d), du.max_unavailable(d)) == (0, 1)      # both zero: unavailable becomes 1


def test_recreate_removes_every_old_pod_before_creating_new_ones(cluster, kubelet):
    d = cluster.create(deployment(replicas=3, strategy={"type": "Recreate"}))
    cluster.settle()
    old = owned_sets(cluster, d)[0]
    overlap = {"seen": False}

    def check(c):
        pods = [p for p in c.apiserver.storage_list("pods", "default")]
        owners = {(cu.controller_ref(p) or {}).get("uid") for p in pods}
        if old["metadata"]["uid"] in owners and len(owners) > 1:
            overlap["seen"] = True
        return False

    set_image(cluster, "web", "nginx:1.26")
    try:
        cluster.run_until(check, timeout=60)
    except TimeoutError:
        pass
    assert not overlap["seen"]
    d = cluster.get("deployments", "web")
    assert rollout_status(d)[1]
    new = _rs_by_revision(cluster, d)[2]["metadata"]["name"]
    assert _scaling_events(cluster)[1:] == [f"Scaled down replica set {old['metadata']['name']} from 3 to 0",
                                            f"Scaled up replica set {new} from 0 to 3"]


def test_missing_image_stalls_reports_deadline_exceeded_and_undo_restores(cluster, kubelet):
    d = cluster.create(deployment(replicas=4))
    cluster.settle()
    v1 = owned_sets(cluster, d)[0]["metadata"]["name"]
    set_image(cluster, "web", "nginx:missing")
    start = cluster.now
    cluster.run(30)
    d = cluster.get("deployments", "web")
    bad = _rs_by_revision(cluster, d)[2]["metadata"]["name"]
    assert _cond(d, "Progressing")["reason"] == "ReplicaSetUpdated"
    assert d["status"]["availableReplicas"] == 3                    # 4 − maxUnavailable (25% of 4 = 1)
    assert rollout_status(d) == ('Waiting for deployment "web" rollout to finish: 2 out of 4 new replicas have '
                                 "been updated...", False)
    cluster.run(start + 595 - cluster.now)
    assert _cond(cluster.get("deployments", "web"), "Progressing")["status"] == "True"
    cluster.run(10)
    d = cluster.get("deployments", "web")
    prog = _cond(d, "Progressing")
    assert (prog["status"], prog["reason"], prog["message"]) == (
        "False", "ProgressDeadlineExceeded", f'ReplicaSet "{bad}" has timed out progressing.')
    assert rollout_status(d) == ('error: deployment "web" exceeded its progress deadline', True)
    # kubectl rollout undo: back to revision 1's template, which becomes revision 3
    rollout_undo(cluster, "web")
    cluster.settle()
    d = cluster.get("deployments", "web")
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25"
    sets = _rs_by_revision(cluster, d)
    assert sorted(sets) == [2, 3]
    assert sets[3]["metadata"]["name"] == v1
    assert sets[3]["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"
    assert sets[3]["spec"]["replicas"] == 4 and sets[2]["spec"]["replicas"] == 0
    assert d["metadata"]["annotations"][REV] == "3"
    assert _cond(d, "Progressing")["reason"] == "NewReplicaSetAvailable"
    assert rollout_status(d) == ('deployment "web" successfully rolled out', True)


def test_change_cause_is_copied_to_sets_and_restored_by_undo(cluster, kubelet):
    body = deployment(replicas=2)
    body["metadata"]["annotations"] = {"kubernetes.io/change-cause": "first"}
    d = cluster.create(body)
    cluster.settle()
    patch(cluster, "deployments", "web", {"metadata": {"annotations": {"kubernetes.io/change-cause": "second"}},
                                          "spec": {"template": {"spec": {"containers": [
                                              {"name": "nginx", "image": "nginx:1.26"}]}}}})
    cluster.settle()
    sets = _rs_by_revision(cluster, d)
    assert sets[1]["metadata"]["annotations"]["kubernetes.io/change-cause"] == "first"
    assert sets[2]["metadata"]["annotations"]["kubernetes.io/change-cause"] == "second"
    rollout_undo(cluster, "web", to_revision=1)
    cluster.settle()
    d = cluster.get("deployments", "web")
    assert d["metadata"]["annotations"]["kubernetes.io/change-cause"] == "first"
    assert _rs_by_revision(cluster, d)[3]["metadata"]["annotations"]["kubernetes.io/change-cause"] == "first"


def test_controller_side_rollback_annotation(cluster, kubelet):
    d = cluster.create(deployment(replicas=2))
    cluster.settle()
    set_image(cluster, "web", "nginx:1.26")
    cluster.settle()
    patch(cluster, "deployments", "web", {"metadata": {"annotations": {"deprecated.deployment.rollback.to": "1"}}})
    cluster.settle()
    d = cluster.get("deployments", "web")
    assert "deprecated.deployment.rollback.to" not in d["metadata"]["annotations"]
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.25"
    assert ("Normal", "DeploymentRollback", 'Rolled back deployment "web" to revision 1') in events(
        cluster, "Deployment", "web")
    assert d["metadata"]["annotations"][REV] == "3"
    patch(cluster, "deployments", "web", {"metadata": {"annotations": {"deprecated.deployment.rollback.to": "9"}}})
    cluster.settle()
    assert ("Warning", "DeploymentRollbackRevisionNotFound", "Unable to find the revision to rollback to.") in events(
        cluster, "Deployment", "web")


def test_pause_holds_template_changes_and_resume_rolls_them_out(cluster, kubelet):
    d = cluster.create(deployment(replicas=2))
    cluster.settle()
    patch(cluster, "deployments", "web", {"spec": {"paused": True}})
    cluster.settle()
    d = cluster.get("deployments", "web")
    prog = _cond(d, "Progressing")
    assert (prog["status"], prog["reason"], prog["message"]) == ("Unknown", "DeploymentPaused", "Deployment is paused")
    set_image(cluster, "web", "nginx:1.26")
    cluster.run(60)
    assert len(owned_sets(cluster, d)) == 1
    # kubectl rollout status waits: the paused template change has no updated replicas yet
    assert rollout_status(cluster.get("deployments", "web")) == (
        'Waiting for deployment "web" rollout to finish: 0 out of 2 new replicas have been updated...', False)
    mark = cluster.trace.mark()
    patch(cluster, "deployments", "web", {"spec": {"paused": False}})
    cluster.settle()
    resumed = [r for r in cluster.trace.since(mark) if r.resource == "deployments" and r.subresource == "status"]
    assert resumed
    d = cluster.get("deployments", "web")
    assert len(owned_sets(cluster, d)) == 2 and d["metadata"]["annotations"][REV] == "2"
    assert _cond(d, "Progressing")["reason"] == "NewReplicaSetAvailable"


def test_resume_records_deployment_resumed_before_the_rollout(cluster, kubelet):
    cluster.create(deployment(replicas=1, paused=True))
    cluster.settle()
    assert _cond(cluster.get("deployments", "web"), "Progressing")["reason"] == "DeploymentPaused"
    assert cluster.list("replicasets") == []              # a Deployment created paused starts nothing
    patch(cluster, "deployments", "web", {"spec": {"paused": False}})
    seen = []

    def record(c):
        cond = _cond(c.apiserver.storage_get("deployments", "default", "web"), "Progressing") or {}
        item = (cond.get("status"), cond.get("reason"), cond.get("message"))
        if not seen or seen[-1] != item:
            seen.append(item)

    observe(cluster, 10, record)
    rs = f"web-{compute_hash(cluster.get('deployments', 'web')['spec']['template'])}"
    assert seen[0][1] == "DeploymentPaused", seen
    assert seen[1] == ("Unknown", "DeploymentResumed", "Deployment is resumed"), seen
    assert seen[-1] == ("True", "NewReplicaSetAvailable", f'ReplicaSet "{rs}" has successfully progressed.')


def test_restarted_at_annotation_replaces_every_pod(cluster, kubelet):
    d = cluster.create(deployment(replicas=3))
    cluster.settle()
    before = {p["metadata"]["name"] for p in cluster.list("pods")}
    patch(cluster, "deployments", "web", {"spec": {"template": {"metadata": {"annotations": {
        "kubectl.kubernetes.io/restartedAt": "2025-01-01T00:01:00Z"}}}}})
    cluster.settle()
    d = cluster.get("deployments", "web")
    new = _rs_by_revision(cluster, d)[2]
    pods = owned_pods(cluster, new)
    assert len(pods) == 3 and not before & {p["metadata"]["name"] for p in pods}
    assert pods[0]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"] == "2025-01-01T00:01:00Z"


def test_revision_history_limit_deletes_the_oldest_empty_sets(cluster, kubelet):
    d = cluster.create(deployment(replicas=1, revisionHistoryLimit=2))
    cluster.settle()
    for tag in ("1.26", "1.27", "1.28", "1.29"):
        set_image(cluster, "web", f"nginx:{tag}")
        cluster.settle()
    assert sorted(_rs_by_revision(cluster, d)) == [3, 4, 5]


def test_scaling_during_a_stalled_rollout_is_proportional(cluster, kubelet):
    # the example of the Deployment concept page: 10 replicas, maxSurge 3, maxUnavailable 2
    d = cluster.create(deployment(replicas=10, strategy={"type": "RollingUpdate",
                                                         "rollingUpdate": {"maxSurge": 3, "maxUnavailable": 2}}))
    cluster.settle()
    set_image(cluster, "web", "nginx:missing")
    cluster.run(20)
    sets = _rs_by_revision(cluster, d)
    assert (sets[1]["spec"]["replicas"], sets[2]["spec"]["replicas"]) == (8, 5)
    patch(cluster, "deployments", "web", {"spec": {"replicas": 15}})
    cluster.run(20)
    sets = _rs_by_revision(cluster, d)
    assert (sets[1]["spec"]["replicas"], sets[2]["spec"]["replicas"]) == (11, 7)
    assert sets[1]["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] == "15"
    assert sets[1]["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "18"
    evs = _scaling_events(cluster)
    assert f"Scaled up replica set {sets[1]['metadata']['name']} from 8 to 11" in evs
    assert f"Scaled up replica set {sets[2]['metadata']['name']} from 5 to 7" in evs


def test_hash_collision_bumps_collision_count(cluster, kubelet):
    d = cluster.create(deployment(replicas=1))       # stored; the controller acts once time moves
    taken = f"web-{compute_hash(d['spec']['template'])}"
    cluster.create({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": taken},
                    "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "other"}},
                             "template": {"metadata": {"labels": {"app": "other"}},
                                          "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25"}]}}}})
    cluster.settle()
    d = cluster.get("deployments", "web")
    assert d["status"]["collisionCount"] == 1
    (rs,) = owned_sets(cluster, d)
    assert rs["metadata"]["name"] == f"web-{compute_hash(d['spec']['template'], 1)}" != taken
    assert rollout_status(d)[1]


def test_cascading_delete_leaves_no_orphans(cluster, kubelet):
    cluster.create(deployment(replicas=3))
    cluster.settle()
    set_image(cluster, "web", "nginx:1.26")
    cluster.settle()
    cluster.delete("deployments", "web", propagation_policy="Background")
    cluster.run(60)
    assert cluster.list("replicasets") == []
    assert cluster.list("pods") == []
