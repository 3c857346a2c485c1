"""Field selectors: syntax, escaping, per-resource conversion errors and selectable-field tables."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kube_lab.api import fields
from kube_lab.api.errors import StatusError


@pytest.mark.parametrize("text,canonical", [
    ("a=b,c!=d,e==f", "a=b,c!=d,e=f"),
    ("b=1,a=2", "a=2,b=1"),
    (",,a=1,", "a=1"),
    ("x!=", "x!="),
    ("a=b\\,c", "a=b\\,c"),
    ("a=x\\=y\\\\z", "a=x\\=y\\\\z"),
    ("a==b", "a=b"),
    ("a=!b", "a=!b"),
    ("", ""),
])
def test_parse_canonical(text, canonical):
    assert str(fields.parse(text)) == canonical


def test_terms_and_unescaping():
    s = fields.parse("a=b\\,c,d!=e\\=f")
    assert [(t.field, t.op, t.value) for t in s.terms] == [("a", "=", "b,c"), ("d", "!=", "e=f")]


@pytest.mark.parametrize("text,message", [
    ("a", "invalid selector: 'a'; can't understand 'a'"),
    ("a=1,b", "invalid selector: 'a=1,b'; can't understand 'b'"),
    ("a=b=c", "invalid field selector: unescaped character in value: 61"),
    ("a=b\\x", "invalid field selector: invalid escape sequence: \\x"),
    ("a=b\\", "invalid field selector: invalid escape sequence: \\"),
])
def test_parse_errors(text, message):
    with pytest.raises(fields.FieldSelectorError) as e:
        fields.parse(text)
    assert e.value.message == message


def test_parse_field_selector_bad_request():
    with pytest.raises(StatusError) as e:
        fields.parse_field_selector("a")
    assert (e.value.code, e.value.reason) == (400, "BadRequest")
    assert e.value.message == "invalid selector: 'a'; can't understand 'a'"


def test_matching_missing_field_is_empty_string():
    s = fields.parse("spec.nodeName=")
    assert s.matches({}) and s.matches({"spec.nodeName": ""}) and not s.matches({"spec.nodeName": "n1"})
    t = fields.parse("status.phase!=Running,metadata.name=p")
    assert t.matches({"metadata.name": "p", "status.phase": "Pending"})
    assert not t.matches({"metadata.name": "p", "status.phase": "Running"})
    assert not t.matches({"metadata.name": "q"})
    assert fields.EVERYTHING.matches({}) and fields.EVERYTHING.empty
    assert not fields.NOTHING.matches({}) and not fields.NOTHING.empty


def test_requires_exact_match():
    s = fields.parse("spec.nodeName=n1,status.phase!=Failed")
    assert fields.requires_exact_match(s, "spec.nodeName") == "n1"
    assert s.requires_exact_match("status.phase") is None
    assert s.requires_exact_match("metadata.name") is None
    assert fields.parse("spec.nodeName==").requires_exact_match("spec.nodeName") == ""


# ------------------------------------------------------------------------------------------
# per-resource conversion


@pytest.mark.parametrize("resource,text,message", [
    ("pods", "spec.foo=bar", "field label not supported: spec.foo"),
    ("pods", "status.hostIP=1.2.3.4", "field label not supported: status.hostIP"),
    ("nodes", "metadata.namespace=x", "field label not supported: metadata.namespace"),
    ("namespaces", "metadata.namespace=x", "field label not supported: metadata.namespace"),
    ("secrets", "data=x", "field label not supported: data"),
    ("events", "message=x", "field label not supported: message"),
    ("services", "spec.ports=x", "field label not supported: spec.ports"),
    ("replicationcontrollers", "spec.replicas=1", "field label not supported: spec.replicas"),
    ("jobs.batch", "status.succeeded=1", 'field label "status.succeeded" not supported for batchv1.Job'),
    ("replicasets.apps", "status.replicas=0",
     '"status.replicas" is not a known field selector: only "metadata.name", "metadata.namespace"'),
    ("ingresses.networking.k8s.io", "foo.bar=baz",
     '"foo.bar" is not a known field selector: only "metadata.name", "metadata.namespace"'),
    ("configmaps", "data.x=1", '"data.x" is not a known field selector: only "metadata.name", "metadata.namespace"'),
    ("certificatesigningrequests.certificates.k8s.io", "spec.username=u", "field label not supported: spec.username"),
])
def test_unsupported_fields(resource, text, message):
    with pytest.raises(StatusError) as e:
        fields.parse_field_selector(text, resource)
    assert e.value.code == 400 and e.value.reason == "BadRequest"
    assert e.value.message == message


@pytest.mark.parametrize("resource,text", [
    ("pods", "metadata.name=a,metadata.namespace=b,spec.nodeName=n,spec.restartPolicy=Always,"
             "spec.schedulerName=s,spec.serviceAccountName=sa,spec.hostNetwork=true,status.phase=Running,"
             "status.podIP=1.1.1.1,status.podIPs=x,status.nominatedNodeName=n2"),
    ("nodes", "metadata.name=n,spec.unschedulable=true"),
    ("events", "involvedObject.kind=Pod,involvedObject.namespace=d,involvedObject.name=p,involvedObject.uid=u,"
               "involvedObject.apiVersion=v1,involvedObject.resourceVersion=1,involvedObject.fieldPath=f,"
               "reason=r,reportingComponent=c,source=s,type=Normal,metadata.namespace=d,metadata.name=e"),
    ("namespaces", "metadata.name=n,status.phase=Active"),
    ("secrets", "type=Opaque,metadata.namespace=d,metadata.name=s"),
    ("services", "metadata.namespace=d,metadata.name=s,spec.clusterIP=None,spec.type=ClusterIP"),
    ("replicationcontrollers", "metadata.name=r,metadata.namespace=d,status.replicas=2"),
    ("jobs.batch", "metadata.name=j,metadata.namespace=d,status.successful=1"),
    ("deployments.apps", "metadata.name=d,metadata.namespace=x"),
])
def test_supported_fields_accepted(resource, text):
    assert str(fields.parse_field_selector(text, resource)) == str(fields.parse(text))


def test_spec_host_is_renamed_for_pods():
    s = fields.parse_field_selector("spec.host=node-1", "pods")
    assert str(s) == "spec.nodeName=node-1"
    assert s.requires_exact_match("spec.nodeName") == "node-1"


# ------------------------------------------------------------------------------------------
# selectable fields of objects


def test_pod_fields():
    pod = {
        "metadata": {"name": "p", "namespace": "d"},
        "spec": {"nodeName": "n1", "restartPolicy": "Always", "schedulerName": "default-scheduler",
                 "serviceAccountName": "default"},
        "status": {"phase": "Running", "podIP": "10.0.0.9", "podIPs": [{"ip": "10.0.0.1"}, {"ip": "fd00::1"}]},
    }
    assert fields.selectable_fields("pods", pod) == {
        "metadata.name": "p", "metadata.namespace": "d", "spec.nodeName": "n1", "spec.restartPolicy": "Always",
        "spec.schedulerName": "default-scheduler", "spec.serviceAccountName": "default",
        "spec.hostNetwork": "false", "status.phase": "Running", "status.podIP": "10.0.0.1",
        "status.nominatedNodeName": "",
    }
    bare = fields.selectable_fields("pods", {"metadata": {"name": "q"}, "spec": {"hostNetwork": True},
                                             "status": {"podIP": "10.0.0.7"}})
    assert bare["spec.hostNetwork"] == "true" and bare["status.podIP"] == "10.0.0.7"
    assert bare["spec.nodeName"] == "" and bare["metadata.namespace"] == ""


def test_pod_ips_is_accepted_but_never_filled():
    pod = {"metadata": {"name": "p"}, "status": {"podIPs": [{"ip": "10.0.0.1"}]}}
    assert fields.parse_field_selector("status.podIPs=", "pods").matches_object(pod, "pods")
    assert not fields.parse_field_selector("status.podIPs=10.0.0.1", "pods").matches_object(pod, "pods")


def test_event_source_falls_back_to_reporting_component():
    ev = {"metadata": {"name": "e", "namespace": "d"}, "involvedObject": {"kind": "Pod", "name": "p", "uid": "u1"},
          "reason": "Started", "type": "Normal", "reportingComponent": "kubelet"}
    f = fields.selectable_fields("events", ev)
    assert f["source"] == "kubelet" and f["reportingComponent"] == "kubelet"
    assert f["involvedObject.uid"] == "u1" and f["involvedObject.fieldPath"] == ""
    ev["source"] = {"component": "scheduler"}
    assert fields.selectable_fields("events", ev)["source"] == "scheduler"


def test_other_resource_fields():
    assert fields.selectable_fields("nodes", {"metadata": {"name": "n"}, "spec": {"unschedulable": True}}) == {
        "metadata.name": "n", "spec.unschedulable": "true"}
    assert fields.selectable_fields("nodes", {"metadata": {"name": "n"}})["spec.unschedulable"] == "false"
    assert fields.selectable_fields("replicationcontrollers", {"metadata": {"name": "r"}})["status.replicas"] == "0"
    assert fields.selectable_fields("jobs.batch", {"status": {"succeeded": 3}})["status.successful"] == "3"
    assert fields.selectable_fields("secrets", {"type": "kubernetes.io/tls"})["type"] == "kubernetes.io/tls"
    svc = fields.selectable_fields("services", {"spec": {"clusterIP": "None", "type": "ClusterIP"}})
    assert svc["spec.clusterIP"] == "None" and svc["spec.type"] == "ClusterIP"
    assert fields.selectable_fields("namespaces", {"metadata": {"name": "x"}, "status": {"phase": "Terminating"}}) == {
        "metadata.name": "x", "status.phase": "Terminating"}
    assert fields.selectable_fields("configmaps", {"metadata": {"name": "c", "namespace": "d"}}) == {
        "metadata.name": "c", "metadata.namespace": "d"}
    assert fields.selectable_fields("clusterroles.rbac.authorization.k8s.io", {"metadata": {"name": "c"}}) == {
        "metadata.name": "c"}


def test_cluster_scoped_default_accepts_namespace_but_it_is_empty():
    s = fields.parse_field_selector("metadata.namespace=x", "persistentvolumes")
    assert not s.matches_object({"metadata": {"name": "pv"}}, "persistentvolumes")
    assert fields.parse_field_selector("metadata.namespace=", "persistentvolumes").matches_object(
        {"metadata": {"name": "pv"}}, "persistentvolumes")


_pods = st.fixed_dictionaries({
    "metadata": st.fixed_dictionaries({"name": st.sampled_from(["a", "b"]), "namespace": st.sampled_from(["d", "e"])}),
    "spec": st.fixed_dictionaries({}, optional={"nodeName": st.sampled_from(["n1", "n2", ""])}),
    "status": st.fixed_dictionaries({}, optional={"phase": st.sampled_from(["Pending", "Running"])}),
})
_term = st.tuples(st.sampled_from(["metadata.name", "metadata.namespace", "spec.nodeName", "status.phase"]),
                  st.sampled_from(["=", "!="]), st.sampled_from(["a", "d", "n1", "", "Running"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(_term, max_size=4), _pods)
def test_compiled_predicate_agrees_with_field_set_matching(terms, pod):
    text = ",".join(f"{f}{op}{fields.escape_value(v)}" for f, op, v in terms)
    s = fields.parse_field_selector(text, "pods")
    expected = all((fields.selectable_fields("pods", pod)[f] == v) == (op == "=") for f, op, v in terms)
    assert s.matches_object(pod, "pods") is expected
    assert s.compile("pods")(pod) is expected


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=20))
def test_escape_roundtrip(value):
    assert fields.unescape_value(fields.escape_value(value)) == value
    parsed = fields.parse("f=" + fields.escape_value(value))
    assert parsed.terms[0].value == value
    assert fields.parse(str(parsed)) == parsed
