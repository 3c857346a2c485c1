"""StatefulSet controller against pkg/controller/statefulset (1.32): ordered identities, claims
that outlive pods, revisions, rolling updates and the refusal to replace a pod still terminating."""
import json
import os

from conftest import events, observe, patch
from fake_kubelet import FakeKubelet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kube_lab import Cluster
from kube_lab.api.meta import controller_ref
from kube_lab.controlplane.controllers import controller_utils as cu
from kube_lab.controlplane.controllers import controllerrevision as history

HERE = os.path.dirname(os.path.abspath(__file__))


def statefulset(name="web", replicas=3, image="registry.k8s.io/nginx-slim:0.21", claims=True, **spec):
    """The StatefulSet of the basic-stateful-set tutorial (kubernetes/website)."""
    body = {"serviceName": "nginx", "replicas": replicas, "selector": {"matchLabels": {"app": "nginx"}},
            "template": {"metadata": {"labels": {"app": "nginx"}},
                         "spec": {"containers": [{"name": "nginx", "image": image,
                                                  "ports": [{"containerPort": 80, "name": "web"}]}]}}}
    if claims:
        body["template"]["spec"]["containers"][0]["volumeMounts"] = [{"name": "www",
                                                                      "mountPath": "/usr/share/nginx/html"}]
        body["volumeClaimTemplates"] = [{"metadata": {"name": "www"},
                                         "spec": {"accessModes": ["ReadWriteOnce"],
                                                  "resources": {"requests": {"storage": "1Gi"}}}}]
    body.update(spec)
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name}, "spec": body}


def pods_of(cluster, name="web"):
    return {p["metadata"]["name"]: p for p in cluster.list("pods")
            if (controller_ref(p) or {}).get("kind") == "StatefulSet" and p["metadata"]["name"].startswith(name + "-")}


def running_ready(pod):
    return pod["status"].get("phase") == "Running" and cu.is_pod_ready(pod) and \
        not pod["metadata"].get("deletionTimestamp")


def live_claims(cluster):
    return [c["metadata"]["name"] for c in cluster.list("persistentvolumeclaims")
            if not c["metadata"].get("deletionTimestamp")]


def sts_events(cluster, name="web"):
    return [(t, r, m) for t, r, m in events(cluster, "StatefulSet", name)]


# ------------------------------------------------------------------------------------------
def test_ordered_ready_brings_web_0_1_2_up_in_order_with_identities_and_claims(cluster, kubelet):
    cluster.create(statefulset())
    created: list[tuple[str, list[str]]] = []      # (new pod, predecessors Running+Ready at that moment)

    def watch(c):
        pods = pods_of(c)
        for name in sorted(pods):
            if name not in [n for n, _ in created]:
                created.append((name, sorted(n for n, p in pods.items() if running_ready(p))))

    observe(cluster, 60, watch)
    assert created == [("web-0", []), ("web-1", ["web-0"]), ("web-2", ["web-0", "web-1"])]
    sts = cluster.get("statefulsets", "web")
    rev = sts["status"]["updateRevision"]
    assert sts["status"] == {"observedGeneration": 1, "replicas": 3, "readyReplicas": 3, "currentReplicas": 3,
                             "updatedReplicas": 3, "currentRevision": rev, "updateRevision": rev,
                             "collisionCount": 0, "availableReplicas": 3}
    for i, (name, pod) in enumerate(sorted(pods_of(cluster).items())):
        labels = pod["metadata"]["labels"]
        assert labels == {"app": "nginx", "statefulset.kubernetes.io/pod-name": name,
                          "apps.kubernetes.io/pod-index": str(i), "controller-revision-hash": rev}
        assert pod["metadata"]["generateName"] == "web-"
        assert pod["spec"]["hostname"] == name and pod["spec"]["subdomain"] == "nginx"
        assert pod["spec"]["volumes"][0] == {"name": "www", "persistentVolumeClaim": {"claimName": f"www-web-{i}"}}
        assert controller_ref(pod)["name"] == "web"
    claims = cluster.list("persistentvolumeclaims")
    assert [c["metadata"]["name"] for c in claims] == ["www-web-0", "www-web-1", "www-web-2"]
    assert all(c["metadata"]["labels"] == {"app": "nginx"} for c in claims)
    assert all("ownerReferences" not in c["metadata"] for c in claims)      # Retain / Retain
    assert sts_events(cluster) == [
        ("Normal", "SuccessfulCreate", f"create {what} in StatefulSet web success{'ful' if what[0] == 'P' else ''}")
        for i in range(3) for what in (f"Claim www-web-{i} Pod web-{i}", f"Pod web-{i}")]
    ev = [e for e in cluster.list("events") if e["involvedObject"]["kind"] == "StatefulSet"][0]
    assert ev["source"] == {"component": "statefulset-controller"}


def test_deleting_web_1_recreates_web_1_bound_to_the_same_claim(cluster, kubelet):
    cluster.create(statefulset())
    cluster.settle()
    before = pods_of(cluster)["web-1"]
    claim_uid = cluster.get("persistentvolumeclaims", "www-web-1")["metadata"]["uid"]
    cluster.delete("pods", "web-1")
    cluster.settle()
    after = pods_of(cluster)["web-1"]
    assert after["metadata"]["uid"] != before["metadata"]["uid"]
    assert running_ready(after)
    assert after["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"] == "www-web-1"
    assert cluster.get("persistentvolumeclaims", "www-web-1")["metadata"]["uid"] == claim_uid
    assert len(cluster.list("persistentvolumeclaims")) == 3
    counts = {e["message"]: e["count"] for e in cluster.list("events") if e["involvedObject"]["name"] == "web"}
    assert counts["create Pod web-1 in StatefulSet web successful"] == 2      # the recorder's "x2"
    assert counts["create Claim www-web-1 Pod web-1 in StatefulSet web success"] == 1


def test_a_pod_on_an_unreachable_node_stays_terminating_and_is_not_replaced(cluster, kubelet):
    cluster.create(statefulset())
    cluster.settle()
    node = pods_of(cluster)["web-1"]["spec"]["nodeName"]
    kubelet.power_off(node)
    cluster.delete("pods", "web-1")
    cluster.run(600)
    pods = pods_of(cluster)
    pod = pods["web-1"]
    assert pod["metadata"].get("deletionTimestamp")           # Terminating: nobody confirms the kill
    assert sum(1 for p in cluster.list("pods") if p["metadata"]["name"] == "web-1") == 1
    # the node controller marked the silent node's pods not Ready, and taint eviction deleted the
    # set's other pods there after 300 s: they stay Terminating too, and none is replaced
    dead = [n for n, p in pods.items() if p["spec"]["nodeName"] == node]
    assert sorted(pods) == ["web-0", "web-1", "web-2"]
    assert all(pods[n]["metadata"].get("deletionTimestamp") and not cu.is_pod_ready(pods[n]) for n in dead)
    st_ = cluster.get("statefulsets", "web")["status"]
    # a terminating pod still counts as a replica, but no longer as ready (it is not) or current/updated
    alive = 3 - len(dead)
    assert [st_.get(f) for f in ("replicas", "readyReplicas", "currentReplicas", "updatedReplicas")] == \
        [3, alive, alive, alive]
    # `kubectl delete pod web-1 --force --grace-period=0`: now the slot is free
    cluster.delete("pods", "web-1", grace_period=0)
    cluster.settle()
    new = pods_of(cluster)["web-1"]
    assert new["metadata"]["uid"] != pod["metadata"]["uid"] and running_ready(new)
    assert new["spec"]["nodeName"] != node


def test_scale_down_removes_the_highest_ordinal_first_one_at_a_time_and_keeps_claims(cluster, kubelet):
    cluster.create(statefulset(replicas=4))
    cluster.settle()
    gone: list[tuple[str, list[str]]] = []        # (pod deleted, pods still present then)

    def watch(c):
        pods = pods_of(c)
        for name, p in sorted(pods.items()):
            if p["metadata"].get("deletionTimestamp") and name not in [g for g, _ in gone]:
                gone.append((name, sorted(pods)))

    patch(cluster, "statefulsets", "web", {"spec": {"replicas": 1}})
    observe(cluster, 60, watch)
    assert gone == [("web-3", ["web-0", "web-1", "web-2", "web-3"]), ("web-2", ["web-0", "web-1", "web-2"]),
                    ("web-1", ["web-0", "web-1"])]
    assert sorted(pods_of(cluster)) == ["web-0"]
    assert len(cluster.list("persistentvolumeclaims")) == 4
    assert [m for _, r, m in sts_events(cluster) if r == "SuccessfulDelete"] == [
        f"delete Pod web-{i} in StatefulSet web successful" for i in (3, 2, 1)]
    # scaling up again re-uses the claims
    patch(cluster, "statefulsets", "web", {"spec": {"replicas": 3}})
    cluster.settle()
    assert sorted(pods_of(cluster)) == ["web-0", "web-1", "web-2"]
    assert len(cluster.list("persistentvolumeclaims")) == 4


def test_parallel_pod_management_does_not_wait(cluster, kubelet):
    cluster.create(statefulset(replicas=4, podManagementPolicy="Parallel", claims=False))
    cluster.run(1)
    pods = pods_of(cluster)
    assert sorted(pods) == ["web-0", "web-1", "web-2", "web-3"]
    assert not any(running_ready(p) for p in pods.values())
    assert {p["metadata"]["creationTimestamp"] for p in pods.values()} == {"2025-01-01T00:00:00Z"}
    cluster.settle()
    assert cluster.get("statefulsets", "web")["status"]["readyReplicas"] == 4


def test_rolling_update_goes_in_reverse_ordinal_order_down_to_the_partition(cluster, kubelet):
    cluster.create(statefulset(updateStrategy={"type": "RollingUpdate", "rollingUpdate": {"partition": 1}}))
    cluster.settle()
    old_rev = cluster.get("statefulsets", "web")["status"]["currentRevision"]
    order: list[str] = []

    def watch(c):
        for name, p in sorted(pods_of(c).items()):
            if p["metadata"].get("deletionTimestamp") and name not in order:
                order.append(name)

    patch(cluster, "statefulsets", "web", {"spec": {"template": {"spec": {"containers": [
        {"name": "nginx", "image": "registry.k8s.io/nginx-slim:0.24"}]}}}})
    observe(cluster, 60, watch)
    sts = cluster.get("statefulsets", "web")
    new_rev = sts["status"]["updateRevision"]
    assert order == ["web-2", "web-1"] and new_rev != old_rev
    revs = {n: p["metadata"]["labels"]["controller-revision-hash"] for n, p in pods_of(cluster).items()}
    assert revs == {"web-0": old_rev, "web-1": new_rev, "web-2": new_rev}
    assert sts["status"]["currentRevision"] == old_rev
    assert (sts["status"]["currentReplicas"], sts["status"]["updatedReplicas"]) == (1, 2)
    patch(cluster, "statefulsets", "web", {"spec": {"updateStrategy": {"rollingUpdate": {"partition": 0}}}})
    observe(cluster, 60, watch)
    sts = cluster.get("statefulsets", "web")
    assert order == ["web-2", "web-1", "web-0"]
    assert sts["status"]["currentRevision"] == sts["status"]["updateRevision"] == new_rev
    assert (sts["status"]["currentReplicas"], sts["status"]["updatedReplicas"]) == (3, 3)
    assert pods_of(cluster)["web-0"]["spec"]["containers"][0]["image"] == "registry.k8s.io/nginx-slim:0.24"
    crs = sorted((c["revision"], c["metadata"]["name"]) for c in cluster.list("controllerrevisions"))
    assert crs == [(1, old_rev), (2, new_rev)]
    # rolling back re-uses the old revision and renumbers it
    patch(cluster, "statefulsets", "web", {"spec": {"template": {"spec": {"containers": [
        {"name": "nginx", "image": "registry.k8s.io/nginx-slim:0.21"}]}}}})
    cluster.settle()
    assert sorted((c["revision"], c["metadata"]["name"]) for c in cluster.list("controllerrevisions")) == \
        [(2, new_rev), (3, old_rev)]
    assert cluster.get("statefulsets", "web")["status"]["updateRevision"] == old_rev


def test_on_delete_gives_the_new_template_only_to_deleted_pods(cluster, kubelet):
    cluster.create(statefulset(claims=False, updateStrategy={"type": "OnDelete"}))
    cluster.settle()
    patch(cluster, "statefulsets", "web", {"spec": {"template": {"spec": {"containers": [
        {"name": "nginx", "image": "registry.k8s.io/nginx-slim:0.24"}]}}}})
    cluster.run(30)
    images = {n: p["spec"]["containers"][0]["image"] for n, p in pods_of(cluster).items()}
    assert set(images.values()) == {"registry.k8s.io/nginx-slim:0.21"}
    cluster.delete("pods", "web-0")
    cluster.settle()
    images = {n: p["spec"]["containers"][0]["image"] for n, p in pods_of(cluster).items()}
    assert images == {"web-0": "registry.k8s.io/nginx-slim:0.24", "web-1": "registry.k8s.io/nginx-slim:0.21",
                      "web-2": "registry.k8s.io/nginx-slim:0.21"}
    st_ = cluster.get("statefulsets", "web")["status"]
    assert (st_["currentReplicas"], st_["updatedReplicas"]) == (2, 1)


def test_retention_policy_delete_removes_claims_on_scale_down_and_set_deletion(cluster, kubelet):
    cluster.create(statefulset(persistentVolumeClaimRetentionPolicy={"whenDeleted": "Delete",
                                                                    "whenScaled": "Delete"}))
    cluster.settle()
    sts = cluster.get("statefulsets", "web")
    claim = cluster.get("persistentvolumeclaims", "www-web-0")
    assert claim["metadata"]["ownerReferences"] == [{
        "apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "uid": sts["metadata"]["uid"],
        "controller": True, "blockOwnerDeletion": True}]
    last_seen = {}
    cluster.apiserver.watch("persistentvolumeclaims", lambda _t, o: last_seen.__setitem__(o["metadata"]["name"], o),
                            "default", resource_version=str(cluster.etcd.revision))
    patch(cluster, "statefulsets", "web", {"spec": {"replicas": 1}})
    cluster.settle()
    # the condemned pods own their claims, so the garbage collector deletes those claims after the
    # pods (the pvc-protection finalizer holds them until no pod uses them)
    assert last_seen["www-web-2"]["metadata"]["ownerReferences"][0]["kind"] == "Pod"
    assert live_claims(cluster) == ["www-web-0"]
    cluster.delete("statefulsets", "web")
    cluster.settle()
    assert live_claims(cluster) == [] and pods_of(cluster) == {}


def test_retention_policy_retain_keeps_claims_after_the_set_is_deleted(cluster, kubelet):
    cluster.create(statefulset(replicas=2))
    cluster.settle()
    cluster.delete("statefulsets", "web")
    cluster.settle()
    assert pods_of(cluster) == {}
    assert live_claims(cluster) == ["www-web-0", "www-web-1"]


def test_a_failed_pod_is_deleted_and_recreated_under_the_same_name(cluster, kubelet):
    cluster.create(statefulset(replicas=2, claims=False))
    cluster.settle()
    pod = pods_of(cluster)["web-0"]
    body = dict(pod)
    body["status"] = {**pod["status"], "phase": "Failed"}
    cluster.client("test-kubelet").update_status("pods", body, "default")
    cluster.settle()
    new = pods_of(cluster)["web-0"]
    assert new["metadata"]["uid"] != pod["metadata"]["uid"] and running_ready(new)
    assert ("Normal", "SuccessfulDelete", "delete Pod web-0 in StatefulSet web successful") in sts_events(cluster)


def test_revision_name_and_data_match_upstream_golden():
    """pkg/controller/statefulset/testdata/compatibility_{set,revision}_1.33.0.json (kubernetes/kubernetes),
    produced by a real 1.33 controller-manager, whose encoding of templates is 1.32's."""
    golden = json.load(open(os.path.join(HERE, "statefulset_revision_golden.json")))
    data = history.template_patch(golden["set"])
    assert history.go_json(data).decode() == golden["revision_data"]
    assert history.hash_controller_revision(data, 0) == golden["hash"]
    assert history.controller_revision_name("test", golden["hash"]) == golden["name"]
    # 1.34 dropped "creationTimestamp": null; the FNV-1 of its bytes matches too
    assert history.hash_controller_revision(json.loads(golden["revision_data_1_34"]), 0) == golden["hash_1_34"]


def test_go_json_escapes_html_and_sorts_keys():
    assert history.go_json({"b": "<a&b>", "a": [1, {"d": None, "c": True}]}) == \
        b'{"a":[1,{"c":true,"d":null}],"b":"\\u003ca\\u0026b\\u003e"}'


# ------------------------------------------------------------------------------------------
# property: random scaling, pod deletions and time never give one ordinal two pods, never start a
# pod before its predecessors are ready (OrderedReady), and always converge
SETTINGS = settings(max_examples=20, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ops = st.lists(st.one_of(
    st.tuples(st.just("scale"), st.integers(0, 5)),
    st.tuples(st.just("kill"), st.integers(0, 5)),
    st.tuples(st.just("force"), st.integers(0, 5)),
    st.tuples(st.just("wait"), st.integers(1, 20)),
), min_size=1, max_size=10)


@SETTINGS
@given(replicas=st.integers(0, 4), policy=st.sampled_from(["OrderedReady", "Parallel"]), ops=ops)
def test_never_two_pods_for_one_ordinal(replicas, policy, ops):
    cluster = Cluster(nodes=0, seed=0, trace=False, network_addons=False)
    FakeKubelet(cluster, nodes=3)
    cluster.create(statefulset(replicas=replicas, podManagementPolicy=policy))
    seen: set[str] = set()
    violations: list = []

    def check(c):
        live = [p for p in c.apiserver.storage_list("pods", "default") if (controller_ref(p) or {}).get("kind")]
        ordinals: dict[int, list[str]] = {}
        for p in live:
            labels = p["metadata"]["labels"]
            ordinal = int(labels["apps.kubernetes.io/pod-index"])
            if p["metadata"]["name"] != f"web-{ordinal}" or labels["statefulset.kubernetes.io/pod-name"] != \
                    p["metadata"]["name"]:
                violations.append(("identity", c.now, p["metadata"]["name"]))
            if not p["metadata"].get("deletionTimestamp"):
                ordinals.setdefault(ordinal, []).append(p["metadata"]["uid"])
        for ordinal, uids in ordinals.items():
            if len(uids) > 1:
                violations.append(("two pods", c.now, ordinal))
        if policy == "OrderedReady":
            by_ordinal = {int(p["metadata"]["labels"]["apps.kubernetes.io/pod-index"]): p for p in live}
            for ordinal, p in by_ordinal.items():
                if p["metadata"]["uid"] in seen:
                    continue
                seen.add(p["metadata"]["uid"])
                want = c.apiserver.storage_get("statefulsets", "default", "web")["spec"]["replicas"]
                if ordinal < want and not all(j in by_ordinal and running_ready(by_ordinal[j])
                                              for j in range(ordinal)):
                    violations.append(("out of order", c.now, ordinal))

    for op, arg in ops:
        if op == "scale":
            patch(cluster, "statefulsets", "web", {"spec": {"replicas": arg}})
        elif op in ("kill", "force"):
            names = sorted(p["metadata"]["name"] for p in cluster.list("pods"))
            if names:
                cluster.delete("pods", names[arg % len(names)], grace_period=0 if op == "force" else None)
        observe(cluster, arg if op == "wait" else 1, check)
    observe(cluster, 120, check)
    assert violations == []
    want = cluster.get("statefulsets", "web")["spec"]["replicas"]
    pods = pods_of(cluster)
    assert sorted(pods) == [f"web-{i}" for i in range(want)]
    assert all(running_ready(p) for p in pods.values())
    status = cluster.get("statefulsets", "web")["status"]
    assert (status["replicas"], status.get("readyReplicas", 0), status["availableReplicas"]) == (want,) * 3
