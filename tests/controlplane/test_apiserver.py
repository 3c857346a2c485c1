"""kube-apiserver semantics, exercised through the in-process API as components use it."""

import pytest

from kube_lab import Cluster
from kube_lab.api.errors import StatusError
from kube_lab.api.meta import deep_copy
from kube_lab.client import Client, EventRecorder


@pytest.fixture
def cluster():
    return Cluster(nodes=1, seed=0, network_addons=False)


@pytest.fixture
def api(cluster):
    return cluster.apiserver


def pod(name, node="node-x", labels=None, **spec):
    """A pod no other component acts on: bound to a node that has no kubelet, or left for a
    scheduler that does not exist — so these tests see the API server's semantics alone."""
    p = {"apiVersion": "v1", "kind": "Pod",
         "metadata": {"name": name, "labels": labels or {"app": "web"}},
         "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}], **spec}}
    if node:
        p["spec"]["nodeName"] = node
    else:
        p["spec"].setdefault("schedulerName", "manual")
    return p


def deployment(name="web", replicas=2):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25"}]}}}}


def status_of(fn):
    with pytest.raises(StatusError) as e:
        fn()
    return e.value


# --------------------------------------------------------------------------------------- create
def test_create_fills_server_owned_metadata(api):
    out = api.create("pods", pod("p"), "default")
    md = out["metadata"]
    assert md["namespace"] == "default"
    assert md["creationTimestamp"] == "2025-01-01T00:00:00Z"
    assert len(md["uid"]) == 36
    assert md["resourceVersion"] == str(api.etcd.revision)
    assert out["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    assert "generation" not in md  # pods carry no generation in 1.32


def test_create_twice_is_already_exists(api):
    api.create("pods", pod("p"), "default")
    e = status_of(lambda: api.create("pods", pod("p"), "default"))
    assert (e.code, e.reason, e.message) == (409, "AlreadyExists", 'pods "p" already exists')


def test_generate_name(api):
    body = pod("")
    del body["metadata"]["name"]
    body["metadata"]["generateName"] = "web-"
    out = api.create("pods", body, "default")
    name = out["metadata"]["name"]
    assert name.startswith("web-") and len(name) == 9
    assert all(c in "bcdfghjklmnpqrstvwxz2456789" for c in name[4:])


def test_missing_namespace_is_not_found(api):
    e = status_of(lambda: api.create("pods", pod("p"), "nope"))
    assert (e.code, e.message) == (404, 'namespaces "nope" not found')


def test_namespace_mismatch_is_bad_request(api):
    body = pod("p")
    body["metadata"]["namespace"] = "kube-system"
    e = status_of(lambda: api.create("pods", body, "default"))
    assert e.code == 400
    assert e.message == "the namespace of the provided object does not match the namespace sent on the request"


def test_invalid_object_reports_field_errors(api):
    bad = deployment()
    del bad["spec"]["selector"]
    e = status_of(lambda: api.create("deployments", bad, "default"))
    assert e.code == 422 and e.reason == "Invalid"
    assert e.message.startswith('Deployment.apps "web" is invalid: ')
    assert "spec.selector: Required value" in e.message
    assert {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.selector"} in \
        e.status["details"]["causes"]


def test_strict_field_validation_rejects_unknown_fields(api):
    bad = deployment()
    bad["spec"]["template"]["spec"]["containers"][0]["imagee"] = "x"
    e = status_of(lambda: api.create("deployments", bad, "default", field_validation="Strict"))
    assert e.code == 400
    assert 'unknown field "spec.template.spec.containers[0].imagee"' in e.message
    # Ignore drops it silently, as upstream's non-strict decoding does
    ok = api.create("deployments", bad, "default", field_validation="Ignore")
    assert ok["metadata"]["name"] == "web"


def test_defaults_applied_on_create(api):
    out = api.create("deployments", deployment(), "default")
    spec = out["spec"]
    assert spec["strategy"] == {"type": "RollingUpdate",
                                "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    assert spec["revisionHistoryLimit"] == 10 and spec["progressDeadlineSeconds"] == 600
    c = spec["template"]["spec"]["containers"][0]
    assert c["imagePullPolicy"] == "IfNotPresent"
    assert c["terminationMessagePath"] == "/dev/termination-log"
    assert out["metadata"]["generation"] == 1
    assert out["status"] == {}


def test_input_is_not_kept_by_reference(api):
    body = pod("p")
    api.create("pods", body, "default")
    body["spec"]["containers"][0]["image"] = "changed"
    assert api.get("pods", "p", "default")["spec"]["containers"][0]["image"] == "nginx:1.25"


def test_removed_api_versions_are_unknown(cluster):
    from kube_lab.api.registry import NoKindMatchError

    with pytest.raises(NoKindMatchError) as e:
        cluster.create({"apiVersion": "apps/v1beta1", "kind": "Deployment", "metadata": {"name": "x"}})
    assert str(e.value) == 'no matches for kind "Deployment" in version "apps/v1beta1"'


# ---------------------------------------------------------------------------------------- admission
def test_pod_admission_defaults(api):
    out = api.create("pods", pod("p"), "default")
    spec = out["spec"]
    assert spec["serviceAccountName"] == "default" and spec["serviceAccount"] == "default"
    assert spec["priority"] == 0 and spec["preemptionPolicy"] == "PreemptLowerPriority"
    assert {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
            "tolerationSeconds": 300} in spec["tolerations"]
    assert {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
            "tolerationSeconds": 300} in spec["tolerations"]
    vol = spec["volumes"][-1]
    assert vol["name"].startswith("kube-api-access-") and len(vol["name"]) == len("kube-api-access-") + 5
    mount = spec["containers"][0]["volumeMounts"][-1]
    assert mount == {"name": vol["name"], "readOnly": True,
                     "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}


def test_pod_with_missing_service_account_is_forbidden(api):
    e = status_of(lambda: api.create("pods", pod("p", serviceAccountName="robot"), "default"))
    assert e.code == 403
    assert e.message == ('pods "p" is forbidden: error looking up service account default/robot: '
                         'serviceaccount "robot" not found')


def test_system_priority_class(api):
    out = api.create("pods", pod("p", priorityClassName="system-node-critical"), "default")
    assert out["spec"]["priority"] == 2000001000


def test_immortal_namespaces(api):
    e = status_of(lambda: api.delete("namespaces", "default"))
    assert (e.code, e.message) == (403, 'namespaces "default" is forbidden: this namespace may not be deleted')


# ------------------------------------------------------------------------------------- update
def test_stale_update_conflicts(api):
    first = api.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
                                      "data": {"a": "1"}}, "default")
    a, b = deep_copy(first), deep_copy(first)
    a["data"]["a"] = "2"
    api.update("configmaps", a, "default")
    b["data"]["a"] = "3"
    e = status_of(lambda: api.update("configmaps", b, "default"))
    assert (e.code, e.reason) == (409, "Conflict")
    assert e.message == ('Operation cannot be fulfilled on configmaps "c": the object has been modified; '
                         'please apply your changes to the latest version and try again')
    assert api.get("configmaps", "c", "default")["data"] == {"a": "2"}


def test_noop_update_keeps_resource_version(api):
    first = api.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}, "default")
    rev = api.etcd.revision
    again = api.update("configmaps", deep_copy(first), "default")
    assert again["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    assert api.etcd.revision == rev


def test_generation_and_status_subresource(api):
    d = api.create("deployments", deployment(), "default")
    # a status write does not touch spec or generation
    s = deep_copy(d)
    s["status"] = {"observedGeneration": 1, "replicas": 2}
    s["spec"]["replicas"] = 99
    out = api.update("deployments", s, "default", subresource="status")
    assert out["spec"]["replicas"] == 2 and out["status"]["replicas"] == 2
    assert out["metadata"]["generation"] == 1
    # a spec write bumps generation and cannot touch status
    u = deep_copy(out)
    u["spec"]["replicas"] = 3
    u["status"] = {}
    out2 = api.update("deployments", u, "default")
    assert out2["metadata"]["generation"] == 2
    assert out2["status"] == {"observedGeneration": 1, "replicas": 2}
    # a label change on a Deployment is not a spec change
    lbl = deep_copy(out2)
    lbl["metadata"]["labels"] = {"x": "y"}
    assert api.update("deployments", lbl, "default")["metadata"]["generation"] == 2


def test_scale_subresource(api):
    api.create("deployments", deployment(), "default")
    scale = api.get("deployments", "web", "default", subresource="scale")
    assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1"
    assert scale["spec"] == {"replicas": 2} and scale["status"]["selector"] == "app=web"
    out = api.patch("deployments", "web", {"spec": {"replicas": 5}}, "application/merge-patch+json",
                    "default", subresource="scale")
    assert out["spec"]["replicas"] == 5
    d = api.get("deployments", "web", "default")
    assert d["spec"]["replicas"] == 5 and d["metadata"]["generation"] == 2


# -------------------------------------------------------------------------------------- patch
def test_strategic_merge_patch_container_image_by_name(api):
    d = deployment()
    d["spec"]["template"]["spec"]["containers"].append({"name": "sidecar", "image": "busybox:1.36"})
    api.create("deployments", d, "default")
    patch = {"spec": {"template": {"spec": {"$setElementOrder/containers": [{"name": "nginx"}, {"name": "sidecar"}],
                                            "containers": [{"image": "nginx:1.26", "name": "nginx"}]}}}}
    out = api.patch("deployments", "web", patch, "application/strategic-merge-patch+json", "default")
    containers = out["spec"]["template"]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in containers] == [("nginx", "nginx:1.26"), ("sidecar", "busybox:1.36")]
    assert out["metadata"]["generation"] == 2


def test_merge_and_json_patch(api):
    api.create("pods", pod("p"), "default")
    out = api.patch("pods", "p", {"metadata": {"labels": {"version": "v1"}}}, "application/merge-patch+json", "default")
    assert out["metadata"]["labels"] == {"app": "web", "version": "v1"}
    out = api.patch("pods", "p", [{"op": "remove", "path": "/metadata/labels/app"}],
                    "application/json-patch+json", "default")
    assert out["metadata"]["labels"] == {"version": "v1"}


def test_unsupported_patch_type(api):
    api.create("pods", pod("p"), "default")
    e = status_of(lambda: api.patch("pods", "p", {}, "application/xml", "default"))
    assert e.code == 415 and e.reason == "UnsupportedMediaType"


def test_patch_missing_object(api):
    e = status_of(lambda: api.patch("deployments", "nope", {}, "application/merge-patch+json", "default"))
    assert e.message == 'deployments.apps "nope" not found'


# --------------------------------------------------------------------------------------- list
def test_list_selectors_and_pagination(api):
    for i in range(5):
        api.create("pods", pod(f"p{i}", labels={"app": "web" if i % 2 == 0 else "db", "i": str(i)}), "default")
    assert [p["metadata"]["name"] for p in api.list("pods", "default", label_selector="app=web")["items"]] == \
        ["p0", "p2", "p4"]
    assert [p["metadata"]["name"] for p in api.list("pods", "default", label_selector="i in (1,3),app!=web")["items"]] == \
        ["p1", "p3"]
    assert len(api.list("pods", "default", field_selector="metadata.name=p3")["items"]) == 1
    page1 = api.list("pods", "default", limit=2)
    assert [p["metadata"]["name"] for p in page1["items"]] == ["p0", "p1"]
    assert page1["metadata"]["remainingItemCount"] == 3
    # a write between pages does not show up: the continue token reads the same revision
    api.create("pods", pod("p25"), "default")
    page2 = api.list("pods", "default", limit=2, continue_=page1["metadata"]["continue"])
    assert [p["metadata"]["name"] for p in page2["items"]] == ["p2", "p3"]
    page3 = api.list("pods", "default", limit=2, continue_=page2["metadata"]["continue"])
    assert [p["metadata"]["name"] for p in page3["items"]] == ["p4"]
    assert "continue" not in page3["metadata"]


def test_bad_field_selector(api):
    e = status_of(lambda: api.list("pods", "default", field_selector="spec.foo=bar"))
    assert (e.code, e.message) == (400, "field label not supported: spec.foo")


def test_list_kind(api):
    lst = api.list("deployments", "default")
    assert (lst["kind"], lst["apiVersion"]) == ("DeploymentList", "apps/v1")


# -------------------------------------------------------------------------------------- watch
def test_watch_events_and_selector_transitions(cluster, api):
    seen = []
    api.watch("pods", lambda t, o: seen.append((t, o["metadata"]["name"])), "default",
              label_selector="app=web", resource_version=str(api.etcd.revision))
    api.create("pods", pod("a"), "default")
    api.create("pods", pod("b", labels={"app": "db"}), "default")
    assert seen == []  # delivered through the event loop, not inside the write
    cluster.settle()
    assert seen == [("ADDED", "a")]
    api.patch("pods", "a", {"metadata": {"labels": {"app": "db"}}}, "application/merge-patch+json", "default")
    api.patch("pods", "b", {"metadata": {"labels": {"app": "web"}}}, "application/merge-patch+json", "default")
    api.delete("pods", "b", "default", grace_period_seconds=0)
    cluster.settle()
    assert seen == [("ADDED", "a"), ("DELETED", "a"), ("ADDED", "b"), ("DELETED", "b")]


def test_watch_without_resource_version_starts_with_current_state(cluster, api):
    api.create("pods", pod("a"), "default")
    seen = []
    api.watch("pods", lambda t, o: seen.append((t, o["metadata"]["name"])), "default")
    cluster.settle()
    assert seen == [("ADDED", "a")]


def test_watch_replays_from_resource_version(cluster, api):
    rv = api.create("pods", pod("a"), "default")["metadata"]["resourceVersion"]
    api.create("pods", pod("b"), "default")
    seen = []
    api.watch("pods", lambda t, o: seen.append(o["metadata"]["name"]), "default", resource_version=rv)
    cluster.settle()
    assert seen == ["b"]


def test_watch_after_compaction_is_gone(api):
    rv = api.create("pods", pod("a"), "default")["metadata"]["resourceVersion"]
    api.create("pods", pod("b"), "default")
    api.create("pods", pod("c"), "default")
    api.etcd.compact(api.etcd.revision)
    # the event right after rv (pod b) is forgotten: the watch cannot start there
    e = status_of(lambda: api.watch("pods", lambda t, o: None, "default", resource_version=rv))
    assert (e.code, e.reason) == (410, "Expired")
    assert e.message == f"too old resource version: {rv} ({api.etcd.compact_revision - 1})"


def test_apiserver_compacts_every_five_minutes(cluster, api):
    rev = api.etcd.revision
    cluster.run(301)
    assert api.etcd.compact_revision == 0 or api.etcd.compact_revision <= rev
    cluster.run(300)
    assert api.etcd.compact_revision >= rev


def test_deleted_object_carries_deletion_revision(cluster, api):
    api.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}, "default")
    seen = []
    api.watch("configmaps", lambda t, o: seen.append((t, o["metadata"]["resourceVersion"])), "default",
              resource_version=str(api.etcd.revision))
    api.delete("configmaps", "c", "default")
    deleted_at = str(api.etcd.revision)
    cluster.settle()
    assert seen == [("DELETED", deleted_at)]


# ------------------------------------------------------------------------------------- delete
def test_pod_graceful_deletion(cluster, api):
    api.create("pods", pod("p"), "default")
    cluster.run(5)
    out = api.delete("pods", "p", "default")
    assert out["metadata"]["deletionGracePeriodSeconds"] == 30
    assert out["metadata"]["deletionTimestamp"] == "2025-01-01T00:00:35Z"
    # still there until the kubelet confirms with grace 0
    assert api.get("pods", "p", "default")["metadata"]["deletionTimestamp"]
    shorter = api.delete("pods", "p", "default", grace_period_seconds=10)
    assert shorter["metadata"]["deletionGracePeriodSeconds"] == 10
    longer = api.delete("pods", "p", "default", grace_period_seconds=60)
    assert longer["metadata"]["deletionGracePeriodSeconds"] == 10  # never extended
    api.delete("pods", "p", "default", grace_period_seconds=0)
    assert status_of(lambda: api.get("pods", "p", "default")).reason == "NotFound"


def test_unscheduled_pod_is_deleted_at_once(api):
    api.create("pods", pod("p", node=""), "default")
    api.delete("pods", "p", "default")
    assert status_of(lambda: api.get("pods", "p", "default")).code == 404


def test_delete_precondition(api):
    api.create("pods", pod("p", node=""), "default")
    e = status_of(lambda: api.delete("pods", "p", "default", preconditions={"uid": "other"}))
    assert e.code == 409 and "Precondition failed: UID in precondition: other" in e.message


def test_finalizers_hold_deletion(api):
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "finalizers": ["example.com/hold"]}}
    api.create("configmaps", cm, "default")
    out = api.delete("configmaps", "c", "default")
    assert out["metadata"]["deletionTimestamp"] and out["metadata"]["deletionGracePeriodSeconds"] == 0
    live = deep_copy(api.get("configmaps", "c", "default"))
    live["metadata"]["finalizers"] = []
    api.update("configmaps", live, "default")
    assert status_of(lambda: api.get("configmaps", "c", "default")).code == 404


# --------------------------------------------------------------------------- cascading deletion
def owned_pod(name, owner):
    p = pod(name, node="")
    p["metadata"]["ownerReferences"] = [{"apiVersion": "v1", "kind": "ConfigMap", "name": owner["metadata"]["name"],
                                         "uid": owner["metadata"]["uid"], "controller": True,
                                         "blockOwnerDeletion": True}]
    return p


@pytest.fixture
def owned(cluster, api):
    """Two pods owned by a ConfigMap: an owner no controller manages, so only the garbage
    collector acts on the cascade."""
    owner = api.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "rs"}}, "default")
    for i in range(2):
        api.create("pods", owned_pod(f"p{i}", owner), "default")
    cluster.settle()
    return owner


def pods_left(api):
    return sorted(p["metadata"]["name"] for p in api.list("pods", "default")["items"])


def test_background_deletion_removes_dependents(cluster, api, owned):
    api.delete("configmaps", "rs", "default")
    assert status_of(lambda: api.get("configmaps", "rs", "default")).code == 404
    assert pods_left(api) == ["p0", "p1"]  # owner goes first …
    cluster.settle()
    assert pods_left(api) == []             # … then the garbage collector removes the pods


def test_foreground_deletion_waits_for_dependents(cluster, api, owned):
    out = api.delete("configmaps", "rs", "default", propagation_policy="Foreground")
    assert out["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert api.get("configmaps", "rs", "default")["metadata"]["deletionTimestamp"]
    cluster.settle()
    assert pods_left(api) == []
    assert status_of(lambda: api.get("configmaps", "rs", "default")).code == 404
    # the dependents were deleted before the owner
    deletes = [(r.resource, r.name) for r in cluster.trace if r.verb in ("delete", "update")
               and r.component == "kube-controller-manager"]
    assert deletes.index(("pods", "p0")) < deletes.index(("configmaps", "rs"))


def test_orphan_deletion_keeps_dependents(cluster, api, owned):
    api.delete("configmaps", "rs", "default", propagation_policy="Orphan")
    cluster.settle()
    assert status_of(lambda: api.get("configmaps", "rs", "default")).code == 404
    assert pods_left(api) == ["p0", "p1"]
    assert all("ownerReferences" not in p["metadata"] for p in api.list("pods", "default")["items"])


def test_dependent_with_missing_owner_is_collected(cluster, api):
    ghost = {"metadata": {"name": "gone", "uid": "00000000-0000-4000-8000-000000000000"}}
    api.create("pods", owned_pod("orphaned", ghost), "default")
    cluster.settle()
    assert pods_left(api) == []


# ---------------------------------------------------------------------------------- namespaces
def test_namespace_deletion_empties_and_removes_it(cluster, api):
    api.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    cluster.settle()
    assert api.get("serviceaccounts", "default", "team")  # made by the service-account controller
    assert api.get("configmaps", "kube-root-ca.crt", "team")
    api.create("pods", pod("p", node=""), "team")
    out = api.delete("namespaces", "team")
    assert out["status"]["phase"] == "Terminating"
    e = status_of(lambda: api.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                                    "metadata": {"name": "late"}}, "team"))
    assert e.code == 403
    assert e.message == ('configmaps "late" is forbidden: unable to create new content in namespace team '
                         'because it is being terminated')
    cluster.settle()
    assert status_of(lambda: api.get("namespaces", "team")).code == 404
    assert api.list("pods", "team")["items"] == []


# ------------------------------------------------------------------------------------- events
def test_event_recorder_counts_repeats(cluster, api):
    from kube_lab.client import Client, EventRecorder

    p = api.create("pods", pod("p"), "default")
    rec = EventRecorder(Client(api, "kubelet"), "kubelet", "kind-worker")
    first = rec.event(p, "Warning", "BackOff", "Back-off restarting failed container")
    cluster.run(10)
    rec.event(p, "Warning", "BackOff", "Back-off restarting failed container")
    events = api.list("events", "default", field_selector="involvedObject.name=p")["items"]
    assert len(events) == 1
    ev = events[0]
    assert ev["metadata"]["name"] == first["metadata"]["name"]
    assert ev["metadata"]["name"].startswith("p.")
    assert ev["count"] == 2
    assert (ev["firstTimestamp"], ev["lastTimestamp"]) == ("2025-01-01T00:00:00Z", "2025-01-01T00:00:10Z")
    assert ev["involvedObject"]["uid"] == p["metadata"]["uid"]
    assert ev["source"] == {"component": "kubelet", "host": "kind-worker"}


def test_events_expire_after_ttl(cluster, api):
    from kube_lab.client import Client, EventRecorder

    p = api.create("pods", pod("p"), "default")
    EventRecorder(Client(api, "kubelet"), "kubelet").event(p, "Normal", "Pulled", "x")
    mine = dict(field_selector="involvedObject.name=p")
    cluster.run(3599)
    assert len(api.list("events", "default", **mine)["items"]) == 1
    cluster.run(2)
    assert api.list("events", "default", **mine)["items"] == []


# ------------------------------------------------------------------- the events' correlator
# client-go's EventCorrelator (tools/record): de-duplication, aggregation of similar events and
# the per source+object spam filter, in virtual time.
def a_pod(api, name="p"):
    """A pod no kubelet runs (bound to a node that does not exist)."""
    return api.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                               "spec": {"nodeName": "node-x", "containers": [{"name": "c", "image": "nginx:1.25"}]}},
                      "default")


def events_of(api, name="p"):
    items = api.list("events", "default", field_selector=f"involvedObject.name={name}")["items"]
    return sorted(items, key=lambda e: e["metadata"]["name"])


def kubelet_recorder(api, **kw):
    return EventRecorder(Client(api, "kubelet"), "kubelet", "kind-worker", **kw)


def test_a_source_may_burst_25_events_about_an_object_then_one_every_five_minutes(cluster, api):
    p = a_pod(api)
    rec = kubelet_recorder(api)
    written = [rec.event(p, "Normal", f"Reason{i}", "m") for i in range(26)]
    assert all(w is not None for w in written[:25])
    assert written[25] is None                       # the 26th is dropped
    assert len(events_of(api)) == 25
    cluster.run(299)
    assert rec.event(p, "Normal", "Late", "m") is None
    cluster.run(2)                                   # a token every 300 s
    assert rec.event(p, "Normal", "Later", "m") is not None
    assert rec.event(p, "Normal", "Latest", "m") is None
    # another object, or another source about the same object, has its own bucket
    assert rec.event(a_pod(api, "q"), "Normal", "Other", "m") is not None
    assert EventRecorder(Client(api, "kube-proxy"), "kube-proxy", "kind-worker").event(p, "Normal", "X", "m") is not None


def test_repeats_dropped_by_the_spam_filter_still_count(cluster, api):
    p = a_pod(api)
    rec = kubelet_recorder(api)
    for i in range(24):
        rec.event(p, "Normal", f"Reason{i}", "m")
    first = rec.event(p, "Warning", "BackOff", "Back-off restarting failed container")   # the 25th token
    for _ in range(10):
        cluster.run(10)
        assert rec.event(p, "Warning", "BackOff", "Back-off restarting failed container") is None
    cluster.run(300)
    out = rec.event(p, "Warning", "BackOff", "Back-off restarting failed container")
    assert out["metadata"]["name"] == first["metadata"]["name"]
    assert out["count"] == 12                        # the ten dropped repeats are in the count
    assert out["firstTimestamp"] == first["firstTimestamp"]


def test_ten_messages_for_one_reason_within_ten_minutes_are_combined(cluster, api):
    p = a_pod(api)
    rec = kubelet_recorder(api)
    for i in range(9):
        out = rec.event(p, "Normal", "Pulled", f"Successfully pulled image in {i}ms")
        assert out["message"] == f"Successfully pulled image in {i}ms"
        cluster.run(30)
    combined = rec.event(p, "Normal", "Pulled", "Successfully pulled image in 9ms")
    assert combined["message"] == "(combined from similar events): Successfully pulled image in 9ms"
    assert combined["count"] == 1
    assert combined["reportingComponent"] == "" and combined["reportingInstance"] == ""
    assert combined["source"] == {"component": "kubelet", "host": "kind-worker"}
    cluster.run(30)
    again = rec.event(p, "Normal", "Pulled", "Successfully pulled image in 10ms")
    assert again["metadata"]["name"] == combined["metadata"]["name"]
    assert (again["count"], again["message"]) == (2, "(combined from similar events): Successfully pulled image in 10ms")
    assert len(events_of(api)) == 10                 # nine plain events and the combined one
    # a message still in the aggregator's set is an ordinary repeat of its own event
    repeat = rec.event(p, "Normal", "Pulled", "Successfully pulled image in 5ms")
    assert (repeat["message"], repeat["count"]) == ("Successfully pulled image in 5ms", 2)
    # after ten quiet minutes the group starts afresh
    cluster.run(601)
    fresh = rec.event(p, "Normal", "Pulled", "Successfully pulled image in 11ms")
    assert (fresh["message"], fresh["count"]) == ("Successfully pulled image in 11ms", 1)


def test_a_repeat_of_an_expired_event_creates_it_again_with_its_count(cluster, api):
    p = a_pod(api)
    rec = kubelet_recorder(api)
    first = rec.event(p, "Normal", "Pulled", "x")
    cluster.run(3601)                                # events live an hour
    assert events_of(api) == []
    out = rec.event(p, "Normal", "Pulled", "x")
    assert (out["metadata"]["name"], out["count"]) == (first["metadata"]["name"], 2)
    assert out["firstTimestamp"] == first["firstTimestamp"]


def test_a_long_crash_loop_shows_stale_counts_as_on_a_real_node():
    c = Cluster(nodes=1, seed=0)
    c.kubectl("run crash --image=busybox:1.36 -- sh -c 'exit 1'")
    c.run(1800)
    pod = c.get("pods", "crash")
    restarts = pod["status"]["containerStatuses"][0]["restartCount"]
    events = {e["reason"]: e for e in c.list("events", selector=None)
              if e["involvedObject"]["name"] == "crash" and e["source"].get("component") == "kubelet"}
    assert restarts >= 10
    # the kubelet's tokens went early (and to BackOff, recorded every sync), so the
    # "Started" event stopped counting long before the container stopped restarting
    assert events["Started"]["count"] < restarts
    assert events["BackOff"]["count"] > events["Started"]["count"]
    writes = [r for r in c.apiserver.trace.records if r.resource == "events" and r.name.startswith("crash.")
              and r.component == "kubelet/kind-worker" and r.verb in ("create", "patch")]
    assert 25 < len(writes) <= 25 + 1800 // 300 + 1     # the burst, then one per 300 s


# ------------------------------------------------------------------------------------ binding
def test_binding_subresource(api):
    api.create("pods", pod("p", node=""), "default")
    api.create("pods", {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "p"},
                        "target": {"apiVersion": "v1", "kind": "Node", "name": "kind-worker"}},
               "default", subresource="binding", name="p")
    out = api.get("pods", "p", "default")
    assert out["spec"]["nodeName"] == "kind-worker"
    assert [c["type"] for c in out["status"]["conditions"]] == ["PodScheduled"]
    e = status_of(lambda: api.create("pods", {"target": {"name": "kind-control-plane"}}, "default",
                                     subresource="binding", name="p"))
    assert e.code == 409
    assert e.message == ('Operation cannot be fulfilled on pods/binding "p": pod p is already assigned to '
                         'node "kind-worker"')


def test_trace_records_component_and_resource_version(api):
    mark = api.trace.mark()
    out = api.create("pods", pod("p"), "default", component="kube-scheduler")
    rec = api.trace.since(mark)[-1]
    assert (rec.component, rec.verb, rec.resource, rec.namespace, rec.name) == \
        ("kube-scheduler", "create", "pods", "default", "p")
    assert rec.resource_version == out["metadata"]["resourceVersion"]


def test_typed_decoding_refuses_values_of_the_wrong_json_kind():
    """A ReplicationController takes only an equality selector (a map of strings): a set-based
    selector is refused by typed decoding, before validation, as upstream does."""
    c = Cluster(nodes=0, seed=0, network_addons=False)
    rc = {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "legacy"},
          "spec": {"replicas": 1, "selector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["web"]}]},
                   "template": {"metadata": {"labels": {"app": "web"}},
                                "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}
    with pytest.raises(StatusError) as e:
        c.create(rc)
    assert (e.value.code, e.value.reason) == (400, "BadRequest")
    assert e.value.message == (
        'ReplicationController in version "v1" cannot be handled as a ReplicationController: json: cannot '
        'unmarshal array into Go struct field ReplicationControllerSpec.spec.selector of type string')
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "labels": {"n": 1}}}
    with pytest.raises(StatusError) as e:
        c.create(cm)
    assert e.value.message.endswith("json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels "
                                    "of type string")
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": "c", "image": "nginx", "command": "sleep 1"}]}}
    with pytest.raises(StatusError) as e:
        c.create(pod)
    assert e.value.message.endswith("json: cannot unmarshal string into Go struct field "
                                    "Container.spec.containers.command of type []string")
    assert c.list("replicationcontrollers") == [] and c.list("pods") == []


def test_empty_metadata_lists_and_maps_are_not_stored():
    """ObjectMeta's fields are omitempty: a patch removing the last owner reference or label leaves
    no empty list or map behind (``-o jsonpath={.metadata.ownerReferences}`` prints nothing)."""
    c = Cluster(nodes=0, seed=0, network_addons=False)
    owner = c.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owner"}})
    ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner["metadata"]["uid"]}
    c.create({"apiVersion": "v1", "kind": "ConfigMap",
              "metadata": {"name": "x", "labels": {"a": "b"}, "ownerReferences": [ref]}})
    api = c.client("test")
    out = api.patch("configmaps", "x", {"metadata": {"ownerReferences": [{"$patch": "delete", "uid": ref["uid"]}],
                                                     "labels": {"a": None}}}, namespace="default")
    assert "ownerReferences" not in out["metadata"] and "labels" not in out["metadata"]
    assert c.kubectl("get cm x -o jsonpath={.metadata.ownerReferences}").stdout == ""


def test_changing_a_services_type_drops_what_the_new_type_cannot_have():
    """``dropTypeDependentFields``: a patch of only ``spec.type`` works in every direction; node
    ports, the health-check port and the cluster IP are released or allocated as needed."""
    c = Cluster(nodes=1, seed=0)
    c.kubectl("create deployment web --image=nginx:1.25")
    c.kubectl("expose deployment web --port 80 --type LoadBalancer")
    svc = c.get("svc", "web")
    ip, node_port = svc["spec"]["clusterIP"], svc["spec"]["ports"][0]["nodePort"]

    def patch(body: str) -> dict:
        r = c.kubectl(["patch", "svc", "web", "-p", body])
        assert (r.stdout, r.stderr) == ("service/web patched\n", "")
        return c.get("svc", "web")["spec"]

    spec = patch('{"spec":{"type":"ClusterIP"}}')
    assert spec["clusterIP"] == ip and "nodePort" not in spec["ports"][0]
    assert "externalTrafficPolicy" not in spec and "allocateLoadBalancerNodePorts" not in spec
    spec = patch('{"spec":{"type":"LoadBalancer","externalTrafficPolicy":"Local"}}')
    assert spec["healthCheckNodePort"] and spec["ports"][0]["nodePort"]
    spec = patch('{"spec":{"type":"NodePort"}}')
    assert "healthCheckNodePort" not in spec and spec["externalTrafficPolicy"] == "Local"
    spec = patch('{"spec":{"type":"ExternalName","externalName":"example.com"}}')
    assert "clusterIP" not in spec and "nodePort" not in spec["ports"][0] and "ipFamilies" not in spec
    # the address went back to the pool: another Service may ask for it
    other = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "other"},
             "spec": {"clusterIP": ip, "ports": [{"port": 80}], "selector": {"app": "web"}}}
    assert c.create(other)["spec"]["clusterIP"] == ip
    spec = patch('{"spec":{"type":"ClusterIP","externalName":null}}')
    assert spec["clusterIP"] not in ("", None, ip) and spec["clusterIPs"] == [spec["clusterIP"]]
    assert node_port  # allocated at first


# ------------------------------------------------------------------ decoding: quantities, secrets
def test_quantities_are_stored_in_canonical_form(api):
    p = pod("q", resources={})
    p["spec"]["containers"][0]["resources"] = {"requests": {"cpu": 0.5, "memory": "1000Mi"},
                                              "limits": {"cpu": "1000m", "memory": "1.5Gi"}}
    p["spec"]["volumes"] = [{"name": "scratch", "emptyDir": {"sizeLimit": "0.5Gi"}}]
    out = api.create("pods", p, "default")
    res = out["spec"]["containers"][0]["resources"]
    assert res == {"requests": {"cpu": "500m", "memory": "1000Mi"}, "limits": {"cpu": "1", "memory": "1536Mi"}}
    assert out["spec"]["volumes"][0]["emptyDir"]["sizeLimit"] == "512Mi"
    assert out["status"]["qosClass"] == "Burstable"


def test_a_quantity_that_does_not_parse_is_a_decoding_error(api):
    p = pod("q")
    p["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "half"}}
    e = status_of(lambda: api.create("pods", p, "default"))
    assert e.code == 400 and e.reason == "BadRequest"
    assert e.message == ('Pod in version "v1" cannot be handled as a Pod: quantities must match the regular '
                         "expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    assert api.etcd.get("/registry/pods/default/q") is None


def test_secret_string_data_is_folded_into_data(api):
    out = api.create("secrets", {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                                 "data": {"pw": "c2VjcmV0", "keep": "eA=="},
                                 "stringData": {"pw": "override", "user": "admin"}}, "default")
    assert "stringData" not in out
    assert out["data"] == {"pw": "b3ZlcnJpZGU=", "keep": "eA==", "user": "YWRtaW4="}
    assert "stringData" not in api.get("secrets", "s", "default")


# ------------------------------------------------------------------------- dry run, resourceVersion
def test_a_dry_run_create_has_no_resource_version(api):
    rev = api.etcd.revision
    out = api.create("pods", pod("d"), "default", dry_run=True)
    assert "resourceVersion" not in out["metadata"] and out["metadata"]["uid"]
    assert api.etcd.revision == rev and api.etcd.get("/registry/pods/default/d") is None


def test_a_dry_run_update_keeps_the_stored_resource_version(api):
    stored = api.create("pods", pod("d"), "default")
    changed = deep_copy(stored)
    changed["metadata"]["labels"]["tier"] = "x"
    out = api.update("pods", changed, "default", dry_run=True)
    assert out["metadata"]["labels"]["tier"] == "x"
    assert out["metadata"]["resourceVersion"] == stored["metadata"]["resourceVersion"]
    assert api.get("pods", "d", "default")["metadata"]["labels"] == {"app": "web"}


def test_creating_an_object_that_carries_a_resource_version_fails(api):
    p = pod("r")
    p["metadata"]["resourceVersion"] = "42"
    e = status_of(lambda: api.create("pods", p, "default"))
    assert (e.code, e.reason, e.message) == (500, "", "resourceVersion should not be set on objects to be created")
    assert api.etcd.get("/registry/pods/default/r") is None
    p["metadata"]["resourceVersion"] = "0"          # zero means "unset" to the storage layer
    assert api.create("pods", p, "default")["metadata"]["resourceVersion"] != "0"


# ---------------------------------------------------------------- pods/ephemeralcontainers
def _add_ephemeral(api, *containers, name="p"):
    return api.patch("pods", name, {"spec": {"ephemeralContainers": list(containers)}},
                     "application/strategic-merge-patch+json", "default", subresource="ephemeralcontainers")


def test_ephemeral_containers_are_added_through_their_subresource_only(api):
    api.create("pods", pod("p"), "default")
    out = _add_ephemeral(api, {"name": "debugger-x", "image": "busybox:1.36", "targetContainerName": "c",
                                "stdin": True, "tty": True})
    ec = out["spec"]["ephemeralContainers"][0]
    assert (ec["name"], ec["terminationMessagePolicy"], ec["imagePullPolicy"]) == ("debugger-x", "File", "IfNotPresent")
    # the subresource changes nothing else, even when the body tries to
    out = api.patch("pods", "p", {"metadata": {"labels": {"x": "y"}}, "spec": {
        "containers": [{"name": "c", "image": "nginx:1.26"}],
        "ephemeralContainers": [{"name": "second", "image": "busybox:1.36"}]}},
        "application/strategic-merge-patch+json", "default", subresource="ephemeralcontainers")
    assert out["spec"]["containers"][0]["image"] == "nginx:1.25"
    assert out["metadata"]["labels"] == {"app": "web"}
    assert sorted(c["name"] for c in out["spec"]["ephemeralContainers"]) == ["debugger-x", "second"]
    # and a plain pod update cannot add one
    e = status_of(lambda: api.patch("pods", "p", {"spec": {"ephemeralContainers": [{"name": "z", "image": "busybox"}]}},
                                    "application/strategic-merge-patch+json", "default"))
    assert e.code == 422 and "pod updates may not change fields other than" in e.message


def test_ephemeral_container_validation(api):
    api.create("pods", pod("p"), "default")
    _add_ephemeral(api, {"name": "dbg", "image": "busybox:1.36"})
    e = status_of(lambda: _add_ephemeral(api, {"name": "dbg", "image": "busybox:1.37"}))
    assert e.code == 422
    assert e.message == ('Pod "p" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers '
                         '"dbg" may not be changed\n')
    e = status_of(lambda: _add_ephemeral(api, {"name": "c", "image": "busybox"}))
    assert e.message == 'Pod "p" is invalid: spec.ephemeralContainers[0].name: Duplicate value: "c"'
    e = status_of(lambda: _add_ephemeral(api, {"name": "d2", "image": "busybox", "targetContainerName": "nope",
                                               "ports": [{"containerPort": 80}], "readinessProbe": {
                                                   "exec": {"command": ["true"]}}}))
    assert e.message == ('Pod "p" is invalid: [spec.ephemeralContainers[0].targetContainerName: Not found: "nope", '
                         'spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container, '
                         'spec.ephemeralContainers[0].readinessProbe: Forbidden: cannot be set for an Ephemeral '
                         'Container]')
    assert [c["name"] for c in api.get("pods", "p", "default")["spec"]["ephemeralContainers"]] == ["dbg"]


def test_static_pods_take_no_ephemeral_containers(api):
    mirror = pod("m")
    mirror["metadata"]["annotations"] = {"kubernetes.io/config.mirror": "abc"}
    api.create("pods", mirror, "default")
    e = status_of(lambda: _add_ephemeral(api, {"name": "dbg", "image": "busybox"}, name="m"))
    assert e.message == 'Pod "m" is invalid: : Forbidden: static pods do not support ephemeral containers'


def test_series_recorder_counts_isomorphic_events_as_events_k8s_io_does(cluster, api):
    from kube_lab.client import SeriesEventRecorder

    p = a_pod(api)
    rec = SeriesEventRecorder(Client(api, "kube-scheduler"), "default-scheduler", "default-scheduler-host")
    first = rec.event(p, "Warning", "FailedScheduling", "no room", "Scheduling")
    assert (first["action"], first["source"], first["firstTimestamp"], first.get("series")) == (
        "Scheduling", {}, None, None)
    cluster.run(10)
    second = rec.event(p, "Warning", "FailedScheduling", "still no room", "Scheduling")   # isomorphic
    assert second["metadata"]["name"] == first["metadata"]["name"]
    assert second["series"] == {"count": 2, "lastObservedTime": "2025-01-01T00:00:10.000000Z"}
    assert second["message"] == "no room"                     # the first event's message stays
    for _ in range(3):
        cluster.run(10)
        assert rec.event(p, "Warning", "FailedScheduling", "no room", "Scheduling") is None   # counted only
    assert events_of(api)[0]["series"]["count"] == 2
    cluster.run(300)
    assert events_of(api)[0]["series"]["count"] == 2          # the 6-minute check came too early
    cluster.run(400)               # the next check (every 6 minutes) finds it quiet: written up, forgotten
    assert events_of(api)[0]["series"] == {"count": 5, "lastObservedTime": "2025-01-01T00:00:40.000000Z"}
    again = rec.event(p, "Warning", "FailedScheduling", "no room", "Scheduling")
    assert again["metadata"]["name"] != first["metadata"]["name"] and again.get("series") is None
    # another action or reason is another event
    assert rec.event(p, "Warning", "FailedScheduling", "x", "Other")["metadata"]["name"] != again["metadata"]["name"]


def test_series_recorder_refreshes_a_long_series_every_half_hour(cluster, api):
    from kube_lab.client import SeriesEventRecorder

    p = a_pod(api)
    rec = SeriesEventRecorder(Client(api, "kube-scheduler"), "default-scheduler", "default-scheduler-host")
    rec.event(p, "Warning", "FailedScheduling", "no room", "Scheduling")
    for _ in range(40):                                       # every 60 s, never quiet for 6 minutes
        cluster.run(60)
        rec.event(p, "Warning", "FailedScheduling", "no room", "Scheduling")
    series = events_of(api)[0]["series"]
    assert series["count"] == 30                              # as written by the refresh at 30 minutes
    assert series["lastObservedTime"] == "2025-01-01T00:29:00.000000Z"
