"""Property tests: random operation sequences never break the rolling-update guarantees.

* while a Deployment rolls (image changes, pause/resume, time passing) there are never more active
  pods than replicas + maxSurge nor fewer available pods than replicas − maxUnavailable;
* after any mix of scaling, image changes, pod deletions, a node failure and pause/resume, resuming
  with a good image converges to exactly ``replicas`` new pods with a status kubectl accepts, and —
  once the failed node is deleted, so that pod GC can collect what was stranded on it — a cascading
  delete leaves no ReplicaSet or pod behind.
"""
from conftest import deployment, observe, owned_pods, owned_sets, patch, rollout_status, set_image
from fake_kubelet import FakeKubelet
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kube_lab import Cluster
from kube_lab.controlplane.controllers import controller_utils as cu
from kube_lab.controlplane.controllers import deployment_util as du

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

fence = st.sampled_from([0, 1, 2, "25%", "50%"])
images = st.sampled_from(["nginx:1.25", "nginx:1.26", "nginx:1.27", "nginx:missing"])
safety_ops = st.lists(st.one_of(
    st.tuples(st.just("image"), images),
    st.tuples(st.just("pause"), st.none()),
    st.tuples(st.just("resume"), st.none()),
    st.tuples(st.just("wait"), st.integers(1, 40)),
), min_size=1, max_size=8)


def _setup(replicas, surge, unavailable, min_ready):
    cluster = Cluster(nodes=0, seed=0, trace=False)
    cluster.fake_kubelet = FakeKubelet(cluster, nodes=3, bad_image=lambda image: image.endswith(":missing"))
    body = deployment(replicas=replicas, minReadySeconds=min_ready,
                      strategy={"type": "RollingUpdate",
                                "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}})
    d = cluster.create(body)
    cluster.settle()
    cluster.run(min_ready + 2)
    return cluster, d


def _active_and_available(cluster, d, min_ready):
    uid = d["metadata"]["uid"]
    api = cluster.apiserver
    sets = {rs["metadata"]["uid"] for rs in api.storage_list("replicasets", "default")
            if (cu.controller_ref(rs) or {}).get("uid") == uid}
    now = api.epoch + cluster.now
    pods = [p for p in api.storage_list("pods", "default")
            if (cu.controller_ref(p) or {}).get("uid") in sets and cu.is_pod_active(p)]
    return len(pods), sum(1 for p in pods if cu.is_pod_available(p, min_ready, now))


@SETTINGS
@given(replicas=st.integers(1, 6), surge=fence, unavailable=fence, min_ready=st.sampled_from([0, 3]),
       ops=safety_ops)
def test_rolling_update_never_exceeds_surge_or_unavailability(replicas, surge, unavailable, min_ready, ops):
    if surge == 0 and unavailable == 0:
        return   # rejected by validation
    cluster, d = _setup(replicas, surge, unavailable, min_ready)
    max_total = replicas + du.max_surge(d)
    min_available = replicas - du.max_unavailable(d)
    assert _active_and_available(cluster, d, min_ready) == (replicas, replicas)
    violations = []

    def check(c):
        total, available = _active_and_available(c, d, min_ready)
        if total > max_total or available < min_available:
            violations.append((c.now, total, available))

    for op, arg in ops:
        if op == "image":
            set_image(cluster, "web", arg)
        elif op == "pause":
            patch(cluster, "deployments", "web", {"spec": {"paused": True}})
        elif op == "resume":
            patch(cluster, "deployments", "web", {"spec": {"paused": False}})
        observe(cluster, arg if op == "wait" else 1, check)
    observe(cluster, 60, check)
    assert violations == []


convergence_ops = st.lists(st.one_of(
    st.tuples(st.just("scale"), st.integers(0, 6)),
    st.tuples(st.just("image"), images),
    st.tuples(st.just("kill"), st.integers(0, 10)),
    st.tuples(st.just("fail"), st.tuples(st.integers(0, 2), st.sampled_from([400, 1]))),
    st.tuples(st.just("pause"), st.none()),
    st.tuples(st.just("resume"), st.none()),
    st.tuples(st.just("wait"), st.integers(1, 40)),
), min_size=1, max_size=10)


@SETTINGS
@given(replicas=st.integers(0, 5), surge=fence, unavailable=fence, ops=convergence_ops)
def test_any_history_converges_and_cascading_delete_leaves_no_orphans(replicas, surge, unavailable, ops):
    if surge == 0 and unavailable == 0:
        return
    cluster, d = _setup(replicas, surge, unavailable, 0)
    failed: list[str] = []
    for op, arg in ops:
        if op == "fail":
            # a machine dies: NotReady after 50 s, its pods evicted 300 s later and replaced on the
            # other nodes, while they stay Terminating there
            if not failed:
                failed.append(cluster.fake_kubelet.nodes[arg[0]])
                cluster.fake_kubelet.power_off(failed[0])
            cluster.run(arg[1])
            continue
        elif op == "scale":
            patch(cluster, "deployments", "web", {"spec": {"replicas": arg}})
        elif op == "image":
            set_image(cluster, "web", arg)
        elif op == "kill":
            pods = sorted(p["metadata"]["name"] for p in cluster.list("pods")
                          if not p["metadata"].get("deletionTimestamp"))
            if pods:
                cluster.delete("pods", pods[arg % len(pods)])
        elif op == "pause":
            patch(cluster, "deployments", "web", {"spec": {"paused": True}})
        elif op == "resume":
            patch(cluster, "deployments", "web", {"spec": {"paused": False}})
        cluster.run(arg if op == "wait" else 1)
    for node in failed:
        evicted = [p for p in cluster.list("pods") if any(c.get("reason") == "DeletionByTaintManager"
                                                          for c in p["status"].get("conditions") or ())]
        event("a node failed" + (" and its pods were evicted" if evicted else ""))
        cluster.delete("nodes", node)          # `kubectl delete node`: pod GC frees what was left on it
    patch(cluster, "deployments", "web", {"spec": {"paused": False}})
    set_image(cluster, "web", "nginx:1.28")
    cluster.settle()
    cluster.run(5)
    d = cluster.get("deployments", "web")
    want = d["spec"]["replicas"]
    st_ = d["status"]
    assert st_.get("observedGeneration") == d["metadata"]["generation"]
    assert (st_.get("replicas", 0), st_.get("updatedReplicas", 0), st_.get("availableReplicas", 0)) == (want,) * 3
    assert rollout_status(d) == ('deployment "web" successfully rolled out', True)
    sets = owned_sets(cluster, d)
    new = [rs for rs in sets if rs["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"]
    assert len(new) == 1 and new[0]["spec"]["replicas"] == want
    assert all(rs["spec"]["replicas"] == 0 for rs in sets if rs is not new[0])
    pods = owned_pods(cluster, new[0])
    assert len(pods) == want and all(p["status"].get("phase") == "Running" for p in pods)
    assert sum(len(owned_pods(cluster, rs)) for rs in sets) == want
    cluster.delete("deployments", "web", propagation_policy="Background")
    cluster.run(60)
    assert cluster.list("replicasets") == [] and cluster.list("pods") == []
