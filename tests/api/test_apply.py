"""Tests for kube_lab.api.apply: kubectl's client-side ``apply -f``.

Three-way patch expectations are hand-written, modelled on the raw test cases of
k8s.io/apimachinery/pkg/util/strategicpatch/patch_test.go (``strategicMergePatchRawTestCases``),
translated from the test struct's fields to real Kubernetes fields with the same tags
(``mergingList`` → ``spec.containers``, ``mergingIntList`` → ``metadata.finalizers``,
``retainKeysMap`` → Deployment ``spec.strategy``, ``retainKeysMergingList`` → ``spec.volumes``).
"""
from __future__ import annotations

import copy
import json

import pytest

import kube_lab
from kube_lab.api import apply as A
from kube_lab.api import errors as api_errors
from kube_lab.api.registry import NoKindMatchError
from kube_lab.client import Client

LA = "kubectl.kubernetes.io/last-applied-configuration"


class RecordingClient(Client):
    """A real client that also keeps the bodies kubectl would put on the wire."""

    def __init__(self, apiserver, component="kubectl"):
        super().__init__(apiserver, component)
        self.requests: list[tuple] = []

    def get(self, resource, name, namespace=None, **kw):
        self.requests.append(("get", resource, name, namespace))
        return super().get(resource, name, namespace, **kw)

    def create(self, resource, obj, namespace=None, **kw):
        self.requests.append(("create", resource, copy.deepcopy(obj), namespace, dict(kw)))
        return super().create(resource, obj, namespace, **kw)

    def patch(self, resource, name, patch, patch_type="application/strategic-merge-patch+json",
              namespace=None, **kw):
        self.requests.append(("patch", resource, name, patch, patch_type, namespace, dict(kw)))
        return super().patch(resource, name, patch, patch_type, namespace, **kw)

    def verbs(self) -> list[str]:
        return [r[0] for r in self.requests]

    def last(self, verb: str) -> tuple:
        return [r for r in self.requests if r[0] == verb][-1]


@pytest.fixture
def cluster():
    return kube_lab.Cluster(nodes=1)


@pytest.fixture
def kubectl(cluster):
    return RecordingClient(cluster.apiserver)


def deployment(image="nginx:1.25", labels=None, env=None, sidecar=True):
    containers = [{"name": "nginx", "image": image,
                   "env": env if env is not None else [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}]
    if sidecar:
        containers.append({"name": "side", "image": "busybox"})
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "labels": labels if labels is not None else {"app": "web", "tier": "fe"}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": containers}}},
    }


# The annotation real kubectl writes for deployment(): sorted keys, the namespace kubectl filled in,
# the "annotations":{} left behind, and the encoder's newline at the end.
DEPLOYMENT_LA = (
    '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{},"labels":{"app":"web",'
    '"tier":"fe"},"name":"web","namespace":"default"},"spec":{"replicas":2,"selector":{"matchLabels":'
    '{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"env":'
    '[{"name":"A","value":"1"},{"name":"B","value":"2"}],"image":"nginx:1.25","name":"nginx"},'
    '{"image":"busybox","name":"side"}]}}}}\n'
)


# ============================================================================================
# create / unchanged / configured against a real cluster
# ============================================================================================

def test_create_then_unchanged_then_configured(cluster, kubectl):
    assert A.apply_object(kubectl, deployment(), None, "STDIN") == "deployment.apps/web created"
    assert kubectl.verbs() == ["get", "create"]
    create = kubectl.last("create")
    assert create[3] == "default" and create[4] == {"field_validation": "Strict"}

    kubectl.requests.clear()
    assert A.apply_object(kubectl, deployment(), None, "STDIN") == "deployment.apps/web unchanged"
    assert kubectl.verbs() == ["get"]          # nothing to send: no PATCH at all

    assert A.apply_object(kubectl, deployment(image="nginx:1.26"), None, "STDIN") == \
        "deployment.apps/web configured"
    live = cluster.get("deployments", "web")
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.26"
    _, resource, name, body, ptype, ns, kw = kubectl.last("patch")
    assert (resource, name, ptype, ns) == ("deployments", "web", "application/strategic-merge-patch+json",
                                           "default")
    assert kw == {"field_validation": "Strict", "field_manager": "kubectl-client-side-apply"}
    assert isinstance(body, str)


def test_core_and_cluster_scoped_names(cluster, kubectl):
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
           "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}
    assert A.apply_object(kubectl, svc, None, "STDIN") == "service/web created"
    assert A.apply_object(kubectl, svc, None, "STDIN") == "service/web unchanged"
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}}
    assert A.apply_object(kubectl, ns, None, "STDIN") == "namespace/team created"
    assert kubectl.last("create")[3] is None
    assert json.loads(cluster.get("namespaces", "team", None)["metadata"]["annotations"][LA]) == \
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"annotations": {}, "name": "team"}}


def test_namespace_argument_and_document_namespace(cluster, kubectl):
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"k": "v"}}
    A.apply_object(kubectl, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}}, None, "STDIN")
    assert A.apply_object(kubectl, cm, "team", "STDIN") == "configmap/cfg created"
    assert cluster.get("configmaps", "cfg", "team")["data"] == {"k": "v"}
    in_doc = copy.deepcopy(cm)
    in_doc["metadata"]["namespace"] = "team"
    assert A.apply_object(kubectl, in_doc, None, "STDIN") == "configmap/cfg unchanged"
    assert A.apply_object(kubectl, in_doc, "team", "STDIN") == "configmap/cfg unchanged"


# ============================================================================================
# the last-applied-configuration annotation
# ============================================================================================

def test_last_applied_annotation_exact(cluster, kubectl):
    A.apply_object(kubectl, deployment(), None, "STDIN")
    live = cluster.get("deployments", "web")
    assert live["metadata"]["annotations"][LA] == DEPLOYMENT_LA
    sent = kubectl.last("create")[2]
    assert sent["metadata"]["annotations"] == {LA: DEPLOYMENT_LA}
    assert sent["metadata"]["namespace"] == "default"


def test_modified_configuration_keeps_other_annotations_and_drops_old_value():
    doc = {"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": "cfg", "namespace": "default",
                        "annotations": {"team": "a&b", LA: '{"stale":true}\n'}},
           "data": {"html": "<b>", "ratio": 0.5, "count": 3.0}}
    before = copy.deepcopy(doc)
    obj, value = A.modified_configuration(doc)
    assert value == ('{"apiVersion":"v1","data":{"count":3,"html":"\\u003cb\\u003e","ratio":0.5},'
                     '"kind":"ConfigMap","metadata":{"annotations":{"team":"a\\u0026b"},"name":"cfg",'
                     '"namespace":"default"}}\n')
    assert obj["metadata"]["annotations"] == {"team": "a&b", LA: value}
    assert obj["data"]["count"] == 3 and isinstance(obj["data"]["count"], int)
    assert doc == before


def test_modified_configuration_without_annotations_leaves_empty_map():
    obj, value = A.modified_configuration({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "x"}})
    assert value == '{"apiVersion":"v1","kind":"Namespace","metadata":{"annotations":{},"name":"x"}}\n'
    assert obj["metadata"]["annotations"] == {LA: value}


@pytest.mark.parametrize("value, text", [
    (0.5, "0.5"), (1e20, "100000000000000000000"), (1e21, "1e+21"), (1.5e-7, "1.5e-7"),
    (1e-6, "0.000001"), (-0.0, "-0"), (12, "12"),
    ("a<b>&\u2028\x01\n", '"a\\u003cb\\u003e\\u0026\\u2028\\u0001\\n"'),
    ({"b": [True, None], "a": {}}, '{"a":{},"b":[true,null]}'),
])
def test_go_json(value, text):
    assert A.go_json(value) == text


# ============================================================================================
# deletions through apply, and what other writers set
# ============================================================================================

def test_removed_fields_are_deleted_and_fields_of_others_survive(cluster, kubectl):
    A.apply_object(kubectl, deployment(), None, "STDIN")
    other = cluster.client("someone-else")
    other.patch("deployments", "web", {"metadata": {"labels": {"team": "x"}}},
                "application/merge-patch+json", "default")

    reduced = deployment(image="nginx:1.25", labels={"app": "web"}, env=[{"name": "A", "value": "1"}],
                         sidecar=False)
    assert A.apply_object(kubectl, reduced, None, "STDIN") == "deployment.apps/web configured"

    live = cluster.get("deployments", "web")
    assert live["metadata"]["labels"] == {"app": "web", "team": "x"}
    containers = live["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["nginx"]
    assert containers[0]["env"] == [{"name": "A", "value": "1"}]

    patch = json.loads(kubectl.last("patch")[3])
    new_la = live["metadata"]["annotations"][LA]
    assert patch == {
        "metadata": {"annotations": {LA: new_la}, "labels": {"tier": None}},
        "spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "nginx"}],
            "containers": [
                {"$setElementOrder/env": [{"name": "A"}], "env": [{"$patch": "delete", "name": "B"}],
                 "name": "nginx"},
                {"$patch": "delete", "name": "side"},
            ],
        }}},
    }
    assert A.apply_object(kubectl, reduced, None, "STDIN") == "deployment.apps/web unchanged"


def test_image_change_patch_matches_kubectl(cluster, kubectl):
    A.apply_object(kubectl, deployment(sidecar=False), None, "STDIN")
    A.apply_object(kubectl, deployment(image="nginx:1.9.1", sidecar=False), None, "STDIN")
    body = kubectl.last("patch")[3]
    la = cluster.get("deployments", "web")["metadata"]["annotations"][LA]
    assert '"image":"nginx:1.9.1"' in la
    assert body == (
        '{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":'
        + json.dumps(la).replace("<", "\\u003c") + '}},"spec":{"template":{"spec":{'
        '"$setElementOrder/containers":[{"name":"nginx"}],'
        '"containers":[{"image":"nginx:1.9.1","name":"nginx"}]}}}}'
    )


def test_switching_to_recreate_clears_defaulted_rolling_update(cluster, kubectl):
    d = deployment(sidecar=False)
    A.apply_object(kubectl, d, None, "STDIN")
    assert "rollingUpdate" in cluster.get("deployments", "web")["spec"]["strategy"]
    d["spec"]["strategy"] = {"type": "Recreate"}
    assert A.apply_object(kubectl, d, None, "STDIN") == "deployment.apps/web configured"
    assert json.loads(kubectl.last("patch")[3])["spec"]["strategy"] == {"$retainKeys": ["type"],
                                                                       "type": "Recreate"}
    assert cluster.get("deployments", "web")["spec"]["strategy"] == {"type": "Recreate"}


def test_object_without_annotation_gets_it_with_a_warning(cluster, kubectl):
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "default"},
          "data": {"k": "v"}}
    cluster.create(cm)
    warnings: list[str] = []
    assert A.apply_object(kubectl, cm, None, "STDIN", warnings=warnings) == "configmap/cfg configured"
    assert warnings == [
        "Warning: resource configmaps/cfg is missing the kubectl.kubernetes.io/last-applied-configuration "
        "annotation which is required by kubectl apply. kubectl apply should only be used on resources "
        "created declaratively by either kubectl create --save-config or kubectl apply. The missing "
        "annotation will be patched automatically."]
    assert LA in cluster.get("configmaps", "cfg")["metadata"]["annotations"]
    warnings.clear()
    assert A.apply_object(kubectl, cm, None, "STDIN", warnings=warnings) == "configmap/cfg unchanged"
    assert warnings == []


def test_cluster_apply_uses_it(cluster):
    text = """
apiVersion: v1
kind: Namespace
metadata:
  name: team
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: team
spec:
  ports:
  - port: 80
"""
    assert cluster.apply(text) == ["namespace/team created", "service/web created"]
    assert cluster.apply(text) == ["namespace/team unchanged", "service/web unchanged"]


# ============================================================================================
# three_way_merge_patch, modelled on upstream's raw test cases
# ============================================================================================

def pod(containers=None, finalizers=None, volumes=None):
    obj: dict = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {}}
    if finalizers is not None:
        obj["metadata"]["finalizers"] = finalizers
    if containers is not None:
        obj["spec"]["containers"] = containers
    if volumes is not None:
        obj["spec"]["volumes"] = volumes
    return obj


def c(name, **fields):
    return {"name": name, **fields}


THREE_WAY_CASES = [
    pytest.param(  # "delete items in lists of scalars"
        pod(finalizers=["a", "b", "c"]), pod(finalizers=["a", "b"]), pod(finalizers=["a", "b", "c", "d"]),
        {"metadata": {"$deleteFromPrimitiveList/finalizers": ["c"], "$setElementOrder/finalizers": ["a", "b"]}},
        id="delete-scalar"),
    pytest.param(  # "add and delete items in lists of scalars"
        pod(finalizers=["a", "b", "c"]), pod(finalizers=["a", "b", "d"]), pod(finalizers=["a", "b", "c", "d"]),
        {"metadata": {"$deleteFromPrimitiveList/finalizers": ["c"],
                      "$setElementOrder/finalizers": ["a", "b", "d"]}},
        id="add-and-delete-scalar"),
    pytest.param(  # "merge lists of scalars" (an addition the live object lacks)
        pod(finalizers=["a"]), pod(finalizers=["a", "b"]), pod(finalizers=["a"]),
        {"metadata": {"$setElementOrder/finalizers": ["a", "b"], "finalizers": ["b"]}},
        id="add-scalar"),
    pytest.param(  # upstream sorts the live list in place, so an unsorted unchanged list still gets an order
        pod(finalizers=["b", "a"]), pod(finalizers=["b", "a"]), pod(finalizers=["b", "a"]),
        {"metadata": {"$setElementOrder/finalizers": ["b", "a"]}},
        id="unsorted-scalars"),
    pytest.param(  # "delete map from merging list"
        pod([c("1"), c("2")]), pod([c("2")]), pod([c("1"), c("2", image="b")]),
        {"spec": {"$setElementOrder/containers": [{"name": "2"}],
                  "containers": [{"$patch": "delete", "name": "1"}]}},
        id="delete-item"),
    pytest.param(  # "add map and delete map from merging list with conflict" (overwrite=true)
        pod([c("1"), c("2")]), pod([c("2"), c("3")]), pod([c("1", image="a"), c("4", image="c")]),
        {"spec": {"$setElementOrder/containers": [{"name": "2"}, {"name": "3"}],
                  "containers": [{"name": "2"}, {"name": "3"}, {"$patch": "delete", "name": "1"}]}},
        id="add-and-delete-item"),
    pytest.param(  # "delete field from map in merging list"
        pod([c("1", image="1"), c("2", image="2")]), pod([c("1"), c("2", image="2")]),
        pod([c("1", image="1", workingDir="a"), c("2", image="2", workingDir="b")]),
        {"spec": {"$setElementOrder/containers": [{"name": "1"}, {"name": "2"}],
                  "containers": [{"image": None, "name": "1"}]}},
        id="delete-field-in-item"),
    pytest.param(  # "add and delete an item in a list and preserve order"
        pod([c("1"), c("3", image="3"), c("2", image="2")]),
        pod([c("4", image="4"), c("2", image="2"), c("1")]),
        pod([c("1", workingDir="a"), c("2", image="2", workingDir="b"), c("3", image="3")]),
        {"spec": {"$setElementOrder/containers": [{"name": "4"}, {"name": "2"}, {"name": "1"}],
                  "containers": [{"image": "4", "name": "4"}, {"$patch": "delete", "name": "3"}]}},
        id="add-delete-preserve-order"),
    pytest.param(  # "set elements order in a list with server-only items"
        pod([c("1"), c("3", image="3"), c("4", image="4"), c("2", image="2")]),
        pod([c("4", image="4"), c("2", image="2"), c("3", image="3"), c("1")]),
        pod([c("1", workingDir="a"), c("3", image="3"), c("4", image="4"), c("2", image="2"), c("9")]),
        {"spec": {"$setElementOrder/containers": [{"name": "4"}, {"name": "2"}, {"name": "3"}, {"name": "1"}]}},
        id="reorder-only"),
    pytest.param(  # "replace non merging list nested in merging list": args are replaced whole
        pod([c("1", args=["x", "y"])]), pod([c("1", args=["x"])]), pod([c("1", args=["x", "y"])]),
        {"spec": {"$setElementOrder/containers": [{"name": "1"}], "containers": [{"args": ["x"], "name": "1"}]}},
        id="non-merging-list"),
    pytest.param(  # "nil patch with retainKeys map"-like: nothing changed, fields of others stay
        pod([c("1", image="1")]), pod([c("1", image="1")]), pod([c("1", image="1", workingDir="w")]),
        {}, id="no-change"),
    pytest.param(  # "retainKeys list of maps clears a field"
        pod(volumes=[{"name": "bar"}, {"name": "foo", "emptyDir": {}}]),
        pod(volumes=[{"name": "bar"}, {"name": "foo", "emptyDir": {}}]),
        pod(volumes=[{"name": "bar"}, {"name": "foo", "emptyDir": {}, "hostPath": {"path": "/x"}}]),
        {"spec": {"$setElementOrder/volumes": [{"name": "bar"}, {"name": "foo"}],
                  "volumes": [{"$retainKeys": ["emptyDir", "name"], "name": "foo"}]}},
        id="retainkeys-list-clears"),
    pytest.param(  # switching a volume's source: the old one is nulled and retainKeys names the new one
        pod(volumes=[{"name": "data", "emptyDir": {}}]),
        pod(volumes=[{"name": "data", "hostPath": {"path": "/x"}}]),
        pod(volumes=[{"name": "data", "emptyDir": {}}]),
        {"spec": {"$setElementOrder/volumes": [{"name": "data"}],
                  "volumes": [{"$retainKeys": ["hostPath", "name"], "emptyDir": None,
                               "hostPath": {"path": "/x"}, "name": "data"}]}},
        id="retainkeys-list-switch"),
    pytest.param(  # a server-defaulted field inside an item is left alone
        pod(volumes=[{"name": "cfg", "configMap": {"name": "x"}}]),
        pod(volumes=[{"name": "cfg", "configMap": {"name": "x"}}]),
        pod(volumes=[{"name": "cfg", "configMap": {"name": "x", "defaultMode": 420}}]),
        {}, id="defaulted-field-in-item"),
]


@pytest.mark.parametrize("original, modified, current, expected", THREE_WAY_CASES)
def test_three_way_merge_patch(original, modified, current, expected):
    inputs = copy.deepcopy((original, modified, current))
    assert A.three_way_merge_patch(original, modified, current, "v1/Pod") == expected
    assert (original, modified, current) == inputs   # inputs untouched


def strategy(value):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"strategy": value}} if value is not None else \
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {}}


DEFAULTED = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}


@pytest.mark.parametrize("original, modified, current, expected", [
    pytest.param(  # "retainKeys map clears a field": the same config re-applied still sends $retainKeys
        strategy({"type": "RollingUpdate"}), strategy({"type": "RollingUpdate"}), strategy(DEFAULTED),
        {"spec": {"strategy": {"$retainKeys": ["type"]}}}, id="clears-defaulted"),
    pytest.param(  # "retainKeys map should clear defaulted field"
        strategy(None), strategy({"type": "Recreate"}), strategy(DEFAULTED),
        {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}, id="adds-and-clears"),
    pytest.param(  # "retainKeys map deletes a field"
        strategy({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}), strategy({"type": "Recreate"}),
        strategy({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}),
        {"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": None, "type": "Recreate"}}},
        id="deletes"),
    pytest.param(  # nothing to clear and nothing changed: no directive
        strategy({"type": "Recreate"}), strategy({"type": "Recreate"}), strategy({"type": "Recreate"}),
        {}, id="nothing"),
])
def test_three_way_retain_keys_map(original, modified, current, expected):
    assert A.three_way_merge_patch(original, modified, current, "apps/v1/Deployment") == expected


def test_three_way_replace_strategy_always_sends_the_field():
    # policy/v1 PodDisruptionBudget spec.selector is patchStrategy=replace: handleMapDiff puts the
    # modified value in the patch without comparing, so re-applying a PDB is never "unchanged".
    pdb = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "p"},
           "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}}}
    assert A.three_way_merge_patch(pdb, pdb, pdb, "policy/v1/PodDisruptionBudget") == \
        {"spec": {"selector": {"matchLabels": {"app": "web"}}}}


def test_three_way_added_list_and_null_values():
    original = {"metadata": {"name": "x"}}
    modified = {"metadata": {"name": "x"}, "spec": {"containers": [c("a")]}, "data": None}
    current = {"metadata": {"name": "x", "uid": "u"}, "data": {"k": "v"}}
    # a whole new list goes in as is (no order list); an explicit null replaces the live value
    assert A.three_way_merge_patch(original, modified, current, "v1/Pod") == \
        {"data": None, "spec": {"containers": [{"name": "a"}]}}


def test_three_way_without_original_never_deletes():
    modified = pod([c("1")], finalizers=["a"])
    current = pod([c("1"), c("2")], finalizers=["a", "z"])
    current["metadata"]["labels"] = {"x": "y"}
    assert A.three_way_merge_patch(None, modified, current, "v1/Pod") == {
        "metadata": {"$setElementOrder/finalizers": ["a"]},
        "spec": {"$setElementOrder/containers": [{"name": "1"}]},
    }


def test_three_way_errors_use_upstream_text():
    with pytest.raises(A.StrategicPatchError) as info:
        A.three_way_merge_patch(pod([c("1")]), pod([{"image": "x"}]), pod([c("1")]), "v1/Pod")
    assert str(info.value) == "map: map[image:x] does not contain declared merge key: name"
    with pytest.raises(A.StrategicPatchError) as info:
        A.three_way_merge_patch(pod(finalizers=["a"]), pod(finalizers=["a", 1]), pod(finalizers=["a"]), "v1/Pod")
    assert str(info.value) == "list element types are not identical: [[a] [a 1]]"


# ============================================================================================
# error texts
# ============================================================================================

def apply_failure(kubectl, doc, namespace=None, source="STDIN") -> A.ApplyDocumentError:
    with pytest.raises(A.ApplyDocumentError) as info:
        A.apply_object(kubectl, doc, namespace, source)
    return info.value


def apply_error(kubectl, doc, namespace=None, source="STDIN") -> str:
    """What kubectl prints when this document is the command's only failure."""
    err = apply_failure(kubectl, doc, namespace, source)
    if err.status is None:   # client-side errors: the list form only drops the "error: " prefix
        assert str(err) == "error: " + err.line
    return str(err)


def test_error_create_in_missing_namespace(kubectl):
    d = deployment()
    d["metadata"]["namespace"] = "nope"
    err = apply_failure(kubectl, d)
    assert str(err) == err.line == \
        'Error from server (NotFound): error when creating "STDIN": namespaces "nope" not found'
    assert err.status["reason"] == "NotFound" and err.status["code"] == 404


def test_error_create_invalid(kubectl):
    d = deployment()
    del d["spec"]["selector"]
    err = apply_failure(kubectl, d, source="x.yaml")
    # Among several failures kubectl prints the rewritten Status message ...
    assert err.line == (
        'Error from server (Invalid): error when creating "x.yaml": Deployment.apps "web" is invalid: '
        '[spec.selector: Required value, spec.template.metadata.labels: Invalid value: '
        'map[string]string{"app":"web"}: `selector` does not match template `labels`]')
    # ... alone, checkErr prints an Invalid status from its details, one "* " line per cause.
    assert str(err) == (
        'The Deployment "web" is invalid: \n'
        '* spec.selector: Required value\n'
        '* spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: '
        '`selector` does not match template `labels`')


def test_error_patch_rejected(cluster, kubectl):
    A.apply_object(kubectl, deployment(sidecar=False), None, "deploy.yaml")
    d = deployment(sidecar=False)
    d["spec"]["selector"]["matchLabels"]["v"] = "2"
    d["spec"]["template"]["metadata"]["labels"]["v"] = "2"
    err = apply_failure(kubectl, d, source="deploy.yaml")
    body = kubectl.last("patch")[3]
    assert json.loads(body)["spec"] == {"selector": {"matchLabels": {"v": "2"}},
                                        "template": {"metadata": {"labels": {"v": "2"}}}}
    assert str(err) == (
        'The Deployment "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:'
        'map[string]string{"app":"web", "v":"2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: '
        'field is immutable')
    assert err.line == (
        "Error from server (Invalid): error when applying patch:\n" + body + "\nto:\n"
        'Resource: "apps/v1, Resource=deployments", GroupVersionKind: "apps/v1, Kind=Deployment"\n'
        'Name: "web", Namespace: "default"\n'
        'for: "deploy.yaml": error when patching "deploy.yaml": Deployment.apps "web" is invalid: '
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "v":"2"}, '
        'MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable')
    assert cluster.get("deployments", "web")["spec"]["selector"] == {"matchLabels": {"app": "web"}}


def test_error_patch_cannot_be_computed(cluster, kubectl):
    A.apply_object(kubectl, deployment(sidecar=False), None, "STDIN")
    d = deployment(sidecar=False)
    d["spec"]["template"]["spec"]["containers"].append({"image": "busybox"})
    text = apply_error(kubectl, d)
    live = cluster.get("deployments", "web")
    modified, _ = A.modified_configuration({**d, "metadata": {**d["metadata"], "namespace": "default"}})
    assert text == (
        'error: error when applying patch:\n\nto:\n'
        'Resource: "apps/v1, Resource=deployments", GroupVersionKind: "apps/v1, Kind=Deployment"\n'
        'Name: "web", Namespace: "default"\n'
        'for: "STDIN": error when patching "STDIN": creating patch with:\noriginal:\n'
        + live["metadata"]["annotations"][LA] + "\nmodified:\n" + A.go_json(modified) + "\n\ncurrent:\n"
        + A.go_json(live) + "\n\nfor:: map: map[image:busybox] does not contain declared merge key: name")
    assert "patch" not in kubectl.verbs()


@pytest.mark.parametrize("doc, message", [
    ({"metadata": {"name": "x"}}, "[apiVersion not set, kind not set]"),
    ({"apiVersion": "v1", "metadata": {"name": "x"}}, "kind not set"),
    ({"apiVersion": 1, "kind": "Pod"}, "apiVersion isn't string type"),
    ({"apiVersion": "a/b/c", "kind": 5}, "[unexpected GroupVersion string: a/b/c, kind isn't string type]"),
    (["not", "an", "object"], "invalid object to validate"),
])
def test_error_validation(kubectl, doc, message):
    assert apply_error(kubectl, doc) == (
        f'error: error validating "STDIN": error validating data: {message}; '
        'if you choose to ignore these errors, turn validation off with --validate=false')
    assert kubectl.requests == []


def test_error_namespace_mismatch(kubectl):
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "a"},
           "spec": {"ports": [{"port": 80}]}}
    assert apply_error(kubectl, svc, namespace="b") == (
        'error: the namespace from the provided object "a" does not match the namespace "b". '
        "You must pass '--namespace=a' to perform this operation.")
    assert kubectl.requests == []


def test_error_names(kubectl):
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"generateName": "web-"},
           "spec": {"ports": [{"port": 80}]}}
    assert apply_error(kubectl, svc) == "error: from web-: cannot use generate name with apply"
    svc["metadata"] = {}
    assert apply_error(kubectl, svc, source="svc.yaml") == (
        "error: error when retrieving current configuration of:\n"
        'Resource: "/v1, Resource=services", GroupVersionKind: "/v1, Kind=Service"\n'
        'Name: "", Namespace: "default"\n'
        'from server for: "svc.yaml": resource name may not be empty')
    assert kubectl.requests == []


def test_error_decoding(kubectl):
    assert apply_error(kubectl, {"apiVersion": "v1", "kind": "", "metadata": {"name": "x"}}) == (
        "error: unable to decode \"STDIN\": Object 'Kind' is missing in "
        "'{\"apiVersion\":\"v1\",\"kind\":\"\",\"metadata\":{\"name\":\"x\"}}'")
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "annotations": {"n": 1}}}
    assert apply_error(kubectl, cm) == (
        'error: unable to decode "STDIN": json: cannot unmarshal number into Go struct field '
        "ObjectMeta.metadata.annotations of type string")


def test_unknown_kind_propagates(kubectl):
    with pytest.raises(NoKindMatchError):
        A.apply_object(kubectl, {"apiVersion": "apps/v1beta1", "kind": "Deployment",
                                 "metadata": {"name": "x"}}, None, "STDIN")
    assert kubectl.requests == []


@pytest.mark.parametrize("status, alone, line", [
    ({"reason": "", "code": 500, "message": "m"}, "Error from server: m", "Error from server: m"),
    ({"reason": "Conflict", "code": 409, "message": "m"}, "Error from server (Conflict): m",
     "Error from server (Conflict): m"),
    ({"reason": "Unauthorized", "code": 401, "message": "m"}, "error: You must be logged in to the server (m)",
     "error: You must be logged in to the server (m)"),
    ({"reason": "Invalid", "code": 422, "message": "m"}, "The request is invalid: m",
     "Error from server (Invalid): m"),
    ({"reason": "Invalid", "code": 422, "message": "m", "details": {}}, "The request is invalid: m",
     "Error from server (Invalid): m"),
    ({"reason": "Invalid", "code": 422, "message": "m",
      "details": {"kind": "Pod", "name": "p", "causes": [{"field": "spec", "message": "Forbidden"}] * 2}},
     'The Pod "p" is invalid: spec: Forbidden', "Error from server (Invalid): m"),
])
def test_error_renderings(status, alone, line):
    err = A.ApplyDocumentError("m", status)
    assert (str(err), err.line) == (alone, line)


def test_patch_conflict_is_retried_with_a_fresh_get(cluster):
    class Flaky(RecordingClient):
        conflicts = 2

        def patch(self, resource, name, patch, patch_type="application/strategic-merge-patch+json",
                  namespace=None, **kw):
            if self.conflicts:
                self.conflicts -= 1
                self.requests.append(("patch-conflict",))
                raise api_errors.conflict(resource, name, api_errors.CONFLICT_MODIFIED, "apps")
            return super().patch(resource, name, patch, patch_type, namespace, **kw)

    kubectl = Flaky(cluster.apiserver)
    A.apply_object(kubectl, deployment(), None, "STDIN")
    kubectl.requests.clear()
    assert A.apply_object(kubectl, deployment(image="nginx:2"), None, "STDIN") == "deployment.apps/web configured"
    assert kubectl.verbs() == ["get", "patch-conflict", "get", "patch-conflict", "get", "patch"]

    kubectl.conflicts = 6
    err = apply_failure(kubectl, deployment(image="nginx:3"))
    assert err.line.startswith("Error from server (Conflict): error when applying patch:\n{")
    assert err.line.endswith('for: "STDIN": error when patching "STDIN": Operation cannot be fulfilled on '
                             'deployments.apps "web": the object has been modified; please apply your '
                             'changes to the latest version and try again')


def test_warning_for_object_being_deleted(cluster, kubectl):
    cm = {"apiVersion": "v1", "kind": "ConfigMap",
          "metadata": {"name": "cfg", "finalizers": ["example.com/hold"]}, "data": {"k": "v"}}
    A.apply_object(kubectl, cm, None, "STDIN")
    cluster.delete("configmaps", "cfg")
    assert cluster.get("configmaps", "cfg")["metadata"].get("deletionTimestamp")
    warnings: list[str] = []
    assert A.apply_object(kubectl, cm, None, "STDIN", warnings=warnings) == "configmap/cfg unchanged"
    assert warnings == ["Warning: Detected changes to resource cfg which is currently being deleted."]
