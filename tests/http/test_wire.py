"""The HTTP API server on the wire: raw requests, as kubectl and client libraries send them."""
from __future__ import annotations

import json
import socket
import ssl
import threading
import time

import pytest

from kube_lab.controlplane.apiserver import protobuf
from kube_lab.controlplane.apiserver.discovery import AGGREGATED_V2

TABLE_ACCEPT = ("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;"
                "g=meta.k8s.io,application/json")
DISCOVERY_ACCEPT = ("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;"
                    "g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")


def _cm(name: str, **data) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


# ---------------------------------------------------------------------------------------------
# version, authentication, discovery, OpenAPI
def test_version_reports_minor_32_without_credentials(lab):
    for path in ("/version", "/version/", "/version?timeout=5s"):
        r = lab.request("GET", path, token=False)
        assert r.status == 200
        assert r.json["major"] == "1" and r.json["minor"] == "32"
        assert r.json["gitVersion"].startswith("v1.32.")


def test_requests_without_or_with_a_wrong_token_get_401_status(lab):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic eDp5"}):
        r = lab.request("GET", "/api/v1/namespaces/default/pods", headers=headers, token=False)
        assert r.status == 401
        assert r.json == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                          "message": "Unauthorized", "reason": "Unauthorized", "code": 401}


def test_kubeconfig_names_context_token_and_ca(lab):
    import yaml

    with open(lab.server.kubeconfig_path) as f:
        cfg = yaml.safe_load(f)
    assert cfg["current-context"] == "kube-lab"
    (ctx,) = cfg["contexts"]
    assert ctx["name"] == "kube-lab"
    (user,) = cfg["users"]
    assert user["user"]["token"] == lab.server.token
    (cl,) = cfg["clusters"]
    assert cl["cluster"]["server"] == f"https://127.0.0.1:{lab.server.port}"
    assert cl["cluster"]["certificate-authority-data"]


def test_aggregated_discovery_has_the_exact_content_type(lab):
    r = lab.request("GET", "/api", headers={"Accept": DISCOVERY_ACCEPT})
    assert r.headers["Content-Type"] == AGGREGATED_V2
    doc = r.json
    assert doc["kind"] == "APIGroupDiscoveryList" and doc["apiVersion"] == "apidiscovery.k8s.io/v2"
    (core,) = doc["items"]
    assert core["metadata"]["name"] == ""
    pods = next(res for res in core["versions"][0]["resources"] if res["resource"] == "pods")
    assert pods["shortNames"] == ["po"] and pods["categories"] == ["all"] and pods["scope"] == "Namespaced"
    assert pods["responseKind"] == {"group": "", "version": "v1", "kind": "Pod"}
    subs = {s["subresource"]: s for s in pods["subresources"]}
    assert subs["log"]["verbs"] == ["get"]
    assert subs["eviction"]["responseKind"] == {"group": "policy", "version": "v1", "kind": "Eviction"}
    apis = lab.request("GET", "/apis", headers={"Accept": DISCOVERY_ACCEPT}).json
    names = [g["metadata"]["name"] for g in apis["items"]]
    assert names[0] == "apps" and "batch" in names and "" not in names
    apps = apis["items"][0]["versions"][0]
    deploy = next(res for res in apps["resources"] if res["resource"] == "deployments")
    assert {s["subresource"]: s["responseKind"]["kind"] for s in deploy["subresources"]} == \
        {"scale": "Scale", "status": "Deployment"}


def test_legacy_discovery_documents(lab):
    r = lab.request("GET", "/api", headers={"Accept": "application/json, */*"})
    assert r.headers["Content-Type"] == "application/json"
    assert r.json["kind"] == "APIVersions" and r.json["versions"] == ["v1"]
    groups = lab.request("GET", "/apis").json
    assert groups["kind"] == "APIGroupList"
    apps = next(g for g in groups["groups"] if g["name"] == "apps")
    assert apps["preferredVersion"] == {"groupVersion": "apps/v1", "version": "v1"}
    core = lab.request("GET", "/api/v1").json
    assert core["kind"] == "APIResourceList" and core["groupVersion"] == "v1" and "apiVersion" not in core
    by_name = {res["name"]: res for res in core["resources"]}
    assert by_name["pods"]["shortNames"] == ["po"] and by_name["pods"]["namespaced"] is True
    assert by_name["pods/log"]["verbs"] == ["get"]
    assert by_name["nodes"]["namespaced"] is False
    apps_v1 = lab.request("GET", "/apis/apps/v1").json
    scale = next(res for res in apps_v1["resources"] if res["name"] == "deployments/scale")
    assert (scale["group"], scale["version"], scale["kind"]) == ("autoscaling", "v1", "Scale")
    assert lab.request("GET", "/apis/apps").json["kind"] == "APIGroup"
    assert lab.request("GET", "/apis/nope.example.com/v1").status == 404


def test_openapi_v3_root_and_group_version_documents(lab):
    root = lab.request("GET", "/openapi/v3").json
    url = root["paths"]["apis/apps/v1"]["serverRelativeURL"]
    assert url.startswith("/openapi/v3/apis/apps/v1?hash=")
    doc = lab.request("GET", url).json
    patch = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {"group": "apps", "kind": "Deployment", "version": "v1"}
    assert "fieldValidation" in [p["name"] for p in patch["parameters"]]
    assert "requestBody" not in patch      # kubectl then computes patches from its own types
    schema = doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"]
    assert schema["x-kubernetes-group-version-kind"] == [{"group": "apps", "kind": "Deployment", "version": "v1"}]
    assert set(schema["properties"]) == {"apiVersion", "kind", "metadata", "spec", "status"}
    container = doc["components"]["schemas"]["io.k8s.api.core.v1.Container"]["properties"]
    assert container["ports"]["type"] == "array"
    assert lab.request("GET", "/openapi/v3/api/v1").json["paths"]["/api/v1/namespaces/{namespace}/pods"]
    v2 = lab.request("GET", "/openapi/v2")       # protobuf Swagger 2.0 with no definitions
    assert v2.status == 200 and v2.body.startswith(b"\x0a\x032.0")


# ---------------------------------------------------------------------------------------------
# read
def test_list_items_have_no_kind_and_list_has_resource_version(lab):
    r = lab.request("GET", "/api/v1/namespaces")
    lst = r.json
    assert lst["kind"] == "NamespaceList" and lst["apiVersion"] == "v1"
    assert int(lst["metadata"]["resourceVersion"]) > 0
    assert all("kind" not in item and "apiVersion" not in item for item in lst["items"])
    one = lab.request("GET", "/api/v1/namespaces/default").json
    assert one["kind"] == "Namespace" and one["apiVersion"] == "v1"


def test_unknown_paths_and_objects_are_404_statuses(lab):
    r = lab.request("GET", "/api/v1/namespaces/default/pods/nope")
    assert r.status == 404
    assert r.json == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                      "message": 'pods "nope" not found', "reason": "NotFound",
                      "details": {"name": "nope", "kind": "pods"}, "code": 404}
    r = lab.request("GET", "/api/v1/namespaces/default/widgets")
    assert r.status == 404 and r.json["message"] == "the server could not find the requested resource"
    assert lab.request("GET", "/apis/apps/v1/namespaces/default/deployments/x/exec").status == 404
    assert lab.request("GET", "/nothing/here").status == 404


def test_table_responses(lab):
    r = lab.request("GET", "/api/v1/nodes", headers={"Accept": TABLE_ACCEPT})
    assert r.headers["Content-Type"].startswith("application/json;as=Table;g=meta.k8s.io;v=v1")
    table = r.json
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    assert [c["name"] for c in table["columnDefinitions"]][:5] == ["Name", "Status", "Roles", "Age", "Version"]
    row = table["rows"][0]
    assert row["object"]["kind"] == "PartialObjectMetadata"
    assert row["object"]["metadata"]["name"] == "kind-control-plane"
    none = lab.request("GET", "/api/v1/nodes?includeObject=None", headers={"Accept": TABLE_ACCEPT}).json
    assert "object" not in none["rows"][0]
    full = lab.request("GET", "/api/v1/nodes/kind-worker?includeObject=Object",
                       headers={"Accept": TABLE_ACCEPT}).json
    assert len(full["rows"]) == 1 and full["rows"][0]["object"]["kind"] == "Node"
    assert lab.request("GET", "/api/v1/nodes?includeObject=All", headers={"Accept": TABLE_ACCEPT}).status == 400


def test_partial_object_metadata_and_yaml(lab):
    r = lab.request("GET", "/api/v1/namespaces",
                    headers={"Accept": "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"})
    assert r.json["kind"] == "PartialObjectMetadataList"
    assert set(r.json["items"][0]) == {"metadata"}
    r = lab.request("GET", "/api/v1/namespaces/default", headers={"Accept": "application/yaml"})
    assert r.headers["Content-Type"] == "application/yaml"
    assert b"kind: Namespace" in r.body
    assert lab.request("GET", "/api/v1/namespaces", headers={"Accept": "text/html"}).status == 406


# ---------------------------------------------------------------------------------------------
# write
def test_create_without_content_type_is_json_and_conflicts_are_409(lab):
    body = json.dumps(_cm("wire-create", a="1")).encode()
    r = lab.request("POST", "/api/v1/namespaces/default/configmaps", body=body)   # no Content-Type
    assert r.status == 201 and r.json["metadata"]["name"] == "wire-create"
    r = lab.request("POST", "/api/v1/namespaces/default/configmaps", body=body)
    assert r.status == 409
    assert r.json["reason"] == "AlreadyExists" and r.json["message"] == 'configmaps "wire-create" already exists'


def test_strict_and_warn_field_validation(lab):
    bad = {**_cm("wire-strict"), "extra": 1}
    r = lab.request("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict", body=bad,
                    headers={"Content-Type": "application/json"})
    assert r.status == 400
    assert r.json["message"] == ('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding '
                                 'error: unknown field "extra"')
    r = lab.request("POST", "/api/v1/namespaces/default/configmaps", body=bad,
                    headers={"Content-Type": "application/json"})
    assert r.status == 201
    assert r.headers["Warning"] == '299 - "unknown field \\"extra\\""'


def test_malformed_bodies_and_media_types(lab):
    r = lab.request("POST", "/api/v1/namespaces/default/configmaps", body=b"{nope",
                    headers={"Content-Type": "application/json"})
    assert r.status == 400 and r.json["reason"] == "BadRequest"
    assert r.json["message"].startswith("couldn't get version/kind; json parse error: invalid character 'n'")
    r = lab.request("POST", "/api/v1/namespaces/default/configmaps", body=b"x",
                    headers={"Content-Type": "application/xml"})
    assert r.status == 415 and r.json["reason"] == "UnsupportedMediaType"
    r = lab.request("PATCH", "/api/v1/namespaces/default/configmaps/x", body=b"{}",
                    headers={"Content-Type": "application/json"})
    assert r.status == 415
    r = lab.request("POST", "/api/v1/namespaces/default/configmaps", body=b"k8s\x00\x0a\xff",
                    headers={"Content-Type": "application/vnd.kubernetes.protobuf"})
    assert r.status == 400 and r.json["kind"] == "Status"


def test_garbage_on_the_socket_gets_a_400_status_and_the_server_lives_on(lab):
    ctx = lab.server.ssl_context()
    with socket.create_connection(("127.0.0.1", lab.server.port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            s.sendall(b"THIS IS NOT HTTP\r\n\r\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
    assert data.startswith(b"HTTP/1.1 400")
    assert b'"kind":"Status"' in data
    # a client that connects and says nothing (or not even TLS) does not hurt anyone
    idle = socket.create_connection(("127.0.0.1", lab.server.port), timeout=10)
    try:
        assert lab.request("GET", "/version").status == 200
    finally:
        idle.close()


def test_request_body_too_large_is_413(lab):
    conn = lab.connection()
    try:
        conn.putrequest("POST", "/api/v1/namespaces/default/configmaps")
        conn.putheader("Authorization", f"Bearer {lab.server.token}")
        conn.putheader("Content-Length", str(4 * 1024 * 1024))
        conn.endheaders()
        resp = conn.getresponse()
        assert resp.status == 413
        assert json.loads(resp.read())["message"] == "Request entity too large: limit is 3145728"
    finally:
        conn.close()


def test_protobuf_request_body_is_decoded_by_field_number(lab):
    # Deployment{spec: DeploymentSpec{replicas: 3 (field 1), selector (field 2), template (field 3)}}
    labels = b"\x5a\x0a\x0a\x03app\x12\x03pbx"                      # ObjectMeta.labels (field 11): app=pbx
    meta = b"\x0a\x03pbx" + labels                                    # ObjectMeta.name (field 1)
    selector = b"\x0a\x0a\x0a\x03app\x12\x03pbx"                      # LabelSelector.matchLabels (field 1)
    container = b"\x0a\x05nginx\x12\x0anginx:1.27"                     # Container.name (1), image (2)
    pod_spec = b"\x12" + bytes([len(container)]) + container          # PodSpec.containers (field 2)
    template = b"\x0a" + bytes([len(labels)]) + labels + b"\x12" + bytes([len(pod_spec)]) + pod_spec
    spec = (b"\x08\x03" + b"\x12" + bytes([len(selector)]) + selector +
            b"\x1a" + bytes([len(template)]) + template)
    raw = b"\x0a" + bytes([len(meta)]) + meta + b"\x12" + bytes([len(spec)]) + spec
    type_meta = b"\x0a\x07apps/v1\x12\x0aDeployment"
    body = b"k8s\x00" + b"\x0a" + bytes([len(type_meta)]) + type_meta + b"\x12" + bytes([len(raw)]) + raw
    assert protobuf.decode(body) == {
        "kind": "Deployment", "apiVersion": "apps/v1",
        "metadata": {"name": "pbx", "labels": {"app": "pbx"}},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "pbx"}},
                 "template": {"metadata": {"labels": {"app": "pbx"}},
                              "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}}}
    r = lab.request("POST", "/apis/apps/v1/namespaces/default/deployments?fieldManager=kubectl-create",
                    body=body, headers={"Content-Type": "application/vnd.kubernetes.protobuf",
                                        "Accept": "application/vnd.kubernetes.protobuf,application/json"})
    assert r.status == 201, r.body
    assert r.headers["Content-Type"] == "application/json"
    assert r.json["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert r.json["spec"]["replicas"] == 3


def test_protobuf_zero_values_inline_structs_and_int_or_string():
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 80}],
                                    "readinessProbe": {"httpGet": {"port": "http", "path": "/"},
                                                       "periodSeconds": 5}}],
                    "volumes": [{"name": "v", "configMap": {"name": "cm"}}],
                    "terminationGracePeriodSeconds": 0, "securityContext": {"runAsUser": -1}}}
    back = protobuf.decode(protobuf.encode(obj))
    spec = back["spec"]
    assert spec["volumes"] == [{"name": "v", "configMap": {"name": "cm"}}]           # VolumeSource inline
    probe = spec["containers"][0]["readinessProbe"]
    assert probe == {"httpGet": {"port": "http", "path": "/"}, "periodSeconds": 5}    # ProbeHandler inline
    assert spec["terminationGracePeriodSeconds"] == 0                                  # *int64 keeps its zero
    assert spec["securityContext"] == {"runAsUser": -1}                                # negative varint
    assert back["metadata"] == {"name": "p", "creationTimestamp": None}               # zero metav1.Time is null


def test_patch_content_types(lab):
    lab.request("POST", "/api/v1/namespaces/default/configmaps", body=_cm("wire-patch", a="1"))
    base = "/api/v1/namespaces/default/configmaps/wire-patch"
    r = lab.request("PATCH", base, body={"data": {"b": "2"}},
                    headers={"Content-Type": "application/merge-patch+json"})
    assert r.status == 200 and r.json["data"] == {"a": "1", "b": "2"}
    r = lab.request("PATCH", base, body=[{"op": "remove", "path": "/data/a"}],
                    headers={"Content-Type": "application/json-patch+json"})
    assert r.json["data"] == {"b": "2"}
    r = lab.request("PATCH", base, body={"metadata": {"labels": {"x": "y"}}},
                    headers={"Content-Type": "application/strategic-merge-patch+json"})
    assert r.json["metadata"]["labels"] == {"x": "y"}
    r = lab.request("PATCH", base + "?fieldManager=me", body=b"data:\n  c: '3'\n",
                    headers={"Content-Type": "application/apply-patch+yaml"})
    assert r.status == 200 and r.json["data"]["c"] == "3"
    entries = {(e["manager"], e["operation"]) for e in r.json["metadata"]["managedFields"]}
    assert ("me", "Apply") in entries


def test_server_side_apply_creates_records_and_detects_conflicts(lab):
    path = "/apis/apps/v1/namespaces/default/deployments/ssa-web"
    deploy = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "ssa-web"},
              "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "ssa-web"}},
                       "template": {"metadata": {"labels": {"app": "ssa-web"}},
                                    "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}}
    ct = {"Content-Type": "application/apply-patch+yaml"}
    r = lab.request("PATCH", path + "?fieldManager=alice&fieldValidation=Strict", body=deploy, headers=ct)
    assert r.status == 201
    (entry,) = r.json["metadata"]["managedFields"]
    assert (entry["manager"], entry["operation"], entry["apiVersion"]) == ("alice", "Apply", "apps/v1")
    fields = entry["fieldsV1"]["f:spec"]
    assert fields["f:replicas"] == {} and fields["f:selector"] == {}
    assert fields["f:template"]["f:spec"]["f:containers"]['k:{"name":"nginx"}']["."] == {}
    # another manager changes a field alice owns: a conflict unless forced
    bob = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "ssa-web"}, "spec": {"replicas": 5}}
    r = lab.request("PATCH", path + "?fieldManager=bob", body=bob, headers=ct)
    assert r.status == 409
    assert r.json["reason"] == "Conflict"
    assert r.json["message"] == 'Apply failed with 1 conflict: conflict with "alice": .spec.replicas'
    assert r.json["details"]["causes"] == [{"reason": "FieldManagerConflict", "message": 'conflict with "alice"',
                                            "field": ".spec.replicas"}]
    r = lab.request("PATCH", path + "?fieldManager=bob&force=true", body=bob, headers=ct)
    assert r.status == 200 and r.json["spec"]["replicas"] == 5
    owners = {e["manager"]: e["fieldsV1"] for e in r.json["metadata"]["managedFields"]}
    assert "f:replicas" not in owners["alice"]["f:spec"] and "f:replicas" in owners["bob"]["f:spec"]
    # an update by a plain client takes the field over, and the appliers then conflict with it
    r = lab.request("PATCH", "/apis/apps/v1/namespaces/default/deployments/ssa-web/scale?fieldManager=kubectl-scale",
                    body={"spec": {"replicas": 1}}, headers={"Content-Type": "application/merge-patch+json"})
    assert r.json["kind"] == "Scale" and r.json["spec"]["replicas"] == 1
    r = lab.request("PATCH", path + "?fieldManager=bob", body=bob, headers=ct)
    assert r.status == 409
    assert r.json["message"] == ('Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1: '
                                 '.spec.replicas')
    r = lab.request("PATCH", path, body=bob, headers=ct)
    assert r.status == 400     # apply needs a field manager


def test_update_checks_the_name_and_dry_run_writes_nothing(lab):
    lab.request("POST", "/api/v1/namespaces/default/configmaps", body=_cm("wire-put", a="1"))
    cur = lab.request("GET", "/api/v1/namespaces/default/configmaps/wire-put").json
    r = lab.request("PUT", "/api/v1/namespaces/default/configmaps/other", body=cur)
    assert r.status == 400
    assert r.json["message"] == "the name of the object (wire-put) does not match the name on the URL (other)"
    cur["data"] = {"a": "2"}
    r = lab.request("PUT", "/api/v1/namespaces/default/configmaps/wire-put?dryRun=All", body=cur)
    assert r.status == 200 and r.json["data"] == {"a": "2"}
    assert lab.request("GET", "/api/v1/namespaces/default/configmaps/wire-put").json["data"] == {"a": "1"}
    r = lab.request("PUT", "/api/v1/namespaces/default/configmaps/wire-put", body=cur)
    assert r.status == 200 and r.json["data"] == {"a": "2"}
    cur["metadata"]["resourceVersion"] = "1"
    r = lab.request("PUT", "/api/v1/namespaces/default/configmaps/wire-put", body=cur)
    assert r.status == 409 and r.json["reason"] == "Conflict"


def test_delete_answers_and_deletecollection(lab):
    lab.request("POST", "/api/v1/namespaces/default/configmaps", body=_cm("wire-del"))
    r = lab.request("DELETE", "/api/v1/namespaces/default/configmaps/wire-del")
    assert r.status == 200
    assert r.json["kind"] == "Status" and r.json["status"] == "Success"
    assert r.json["details"]["name"] == "wire-del" and r.json["details"]["kind"] == "configmaps"
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "wire-pod"},
           "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    lab.request("POST", "/api/v1/namespaces/default/pods", body=pod)
    r = lab.request("DELETE", "/api/v1/namespaces/default/pods/wire-pod",
                    body={"gracePeriodSeconds": 0, "propagationPolicy": "Background"},
                    headers={"Content-Type": "application/json"})
    assert r.status == 200 and r.json["kind"] == "Pod"          # pods return the deleted object
    assert lab.request("GET", "/api/v1/namespaces/default/pods/wire-pod").status == 404
    for i in range(3):
        cm = _cm(f"wire-col-{i}")
        cm["metadata"]["labels"] = {"batch": "yes"}
        lab.request("POST", "/api/v1/namespaces/default/configmaps", body=cm)
    r = lab.request("DELETE", "/api/v1/namespaces/default/configmaps?labelSelector=batch%3Dyes")
    assert r.status == 200 and r.json["kind"] == "ConfigMapList" and len(r.json["items"]) == 3
    left = lab.request("GET", "/api/v1/namespaces/default/configmaps?labelSelector=batch%3Dyes").json
    assert left["items"] == []


def test_subresources_binding_eviction_status_log_exec(lab):
    # (an image that cannot be pulled: the container is never created, whatever the clock does)
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "sub-pod"},
           "spec": {"schedulerName": "nobody", "containers": [{"name": "c", "image": "nginx:no-such-tag"}]}}
    assert lab.request("POST", "/api/v1/namespaces/default/pods", body=pod).status == 201
    # logs of a pod that has no node yet: empty, as upstream; exec: no host assigned
    r = lab.request("GET", "/api/v1/namespaces/default/pods/sub-pod/log")
    assert r.status == 200 and r.body == b""
    r = lab.request("POST", "/api/v1/namespaces/default/pods/sub-pod/exec?command=ls&stdout=true")
    assert r.status == 400 and r.json["message"] == "pod sub-pod does not have a host assigned"
    r = lab.request("GET", "/api/v1/namespaces/default/pods/sub-pod/log?container=other")
    assert r.status == 400 and r.json["message"] == "container other is not valid for pod sub-pod"
    binding = {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "sub-pod"},
               "target": {"apiVersion": "v1", "kind": "Node", "name": "kind-worker"}}
    r = lab.request("POST", "/api/v1/namespaces/default/pods/sub-pod/binding", body=binding)
    assert r.status == 201 and r.json["status"] == "Success"
    got = lab.request("GET", "/api/v1/namespaces/default/pods/sub-pod/status").json
    assert got["spec"]["nodeName"] == "kind-worker"
    # bound but not started: the kubelet refuses the exec in plain text (kubectl prints
    # "error: unable to upgrade connection: container not found ("c")")
    r = lab.request("POST", "/api/v1/namespaces/default/pods/sub-pod/exec?command=ls&stdout=true")
    assert (r.status, r.body) == (400, b'container not found ("c")')
    eviction = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "sub-pod"}}
    r = lab.request("POST", "/api/v1/namespaces/default/pods/sub-pod/eviction", body=eviction)
    assert r.status == 201


def test_kubelet_logs_when_no_kubelet_answers(make_lab):
    lab = make_lab()
    try:
        lab.server.kubelets = lambda node: None
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "lp"},
               "spec": {"nodeName": "kind-worker", "containers": [{"name": "c", "image": "nginx"}]}}
        lab.request("POST", "/api/v1/namespaces/default/pods", body=pod)
        r = lab.request("GET", "/api/v1/namespaces/default/pods/lp/log?container=c&timestamps=true")
        assert r.status == 500
        assert r.json["message"] == ('Get "https://172.18.0.3:10250/containerLogs/default/lp/c?timestamps=true": '
                                     "dial tcp 172.18.0.3:10250: connect: connection refused")
        lab.server.kubelets = lambda node: type("K", (), {"container_logs": lambda self, ns, pod, c, **kw:
                                                           f"hello from {ns}/{pod}/{c}\n"})()
        r = lab.request("GET", "/api/v1/namespaces/default/pods/lp/log")
        assert r.status == 200 and r.body == b"hello from default/lp/c\n"
        assert r.headers["Content-Type"] == "text/plain"
    finally:
        lab.server.stop()


# ---------------------------------------------------------------------------------------------
# watch
def _read_events(resp, n: int) -> list[dict]:
    out = []
    while len(out) < n:
        line = resp.readline()
        if not line:
            break
        out.append(json.loads(line))
    return out


def test_watch_streams_chunked_events(lab):
    lst = lab.request("GET", "/api/v1/namespaces/default/configmaps").json
    rv = lst["metadata"]["resourceVersion"]
    conn = lab.connection()
    conn.request("GET", f"/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={rv}&timeoutSeconds=5",
                 headers={"Authorization": f"Bearer {lab.server.token}"})
    resp = conn.getresponse()
    assert resp.status == 200
    assert resp.headers["Transfer-Encoding"] == "chunked" and resp.headers["Content-Type"] == "application/json"
    lab.request("POST", "/api/v1/namespaces/default/configmaps", body=_cm("watched", a="1"))
    lab.request("DELETE", "/api/v1/namespaces/default/configmaps/watched")
    events = _read_events(resp, 2)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "watched"), ("DELETED", "watched")]
    assert events[0]["object"]["kind"] == "ConfigMap"
    conn.close()


def test_watch_without_resource_version_starts_with_the_current_state_and_times_out(lab):
    conn = lab.connection()
    conn.request("GET", "/api/v1/nodes?watch=1&timeoutSeconds=1",
                 headers={"Authorization": f"Bearer {lab.server.token}"})
    resp = conn.getresponse()
    body = resp.read()            # the stream ends by itself after timeoutSeconds
    events = [json.loads(line) for line in body.splitlines()]
    assert [e["type"] for e in events] == ["ADDED"] * 3
    conn.close()


def test_watch_as_table_sends_headers_once(lab):
    rv = lab.request("GET", "/api/v1/namespaces/default/configmaps").json["metadata"]["resourceVersion"]
    conn = lab.connection()
    conn.request("GET", f"/api/v1/namespaces/default/configmaps?watch=true&resourceVersion={rv}&timeoutSeconds=5",
                 headers={"Authorization": f"Bearer {lab.server.token}", "Accept": TABLE_ACCEPT})
    resp = conn.getresponse()
    lab.request("POST", "/api/v1/namespaces/default/configmaps", body=_cm("tw-1", a="1"))
    lab.request("POST", "/api/v1/namespaces/default/configmaps", body=_cm("tw-2"))
    first, second = _read_events(resp, 2)
    assert first["object"]["kind"] == "Table" and len(first["object"]["rows"]) == 1
    assert [c["name"] for c in first["object"]["columnDefinitions"]] == ["Name", "Data", "Age"]
    assert first["object"]["rows"][0]["cells"][:2] == ["tw-1", 1]
    assert not second["object"].get("columnDefinitions")
    conn.close()


def test_watch_from_a_compacted_revision_gets_an_expired_error_event(make_lab):
    lab = make_lab()
    try:
        with lab.paused():
            lab.cluster.run(700)           # two compaction intervals
        r = lab.request("GET", "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=1&timeoutSeconds=2")
        (event,) = [json.loads(line) for line in r.body.splitlines()]
        assert event["type"] == "ERROR"
        assert event["object"]["reason"] == "Expired" and event["object"]["code"] == 410
    finally:
        lab.server.stop()


def _hub_watchers(lab, resource: str) -> int:
    hub = lab.cluster.apiserver._hubs.get(resource)
    return len(hub.watchers) if hub else 0


def test_a_vanished_watch_client_is_cleaned_up(lab):
    before = _hub_watchers(lab, "secrets")
    conn = lab.connection()
    conn.request("GET", "/api/v1/namespaces/default/secrets?watch=true",
                 headers={"Authorization": f"Bearer {lab.server.token}"})
    resp = conn.getresponse()
    assert resp.status == 200
    deadline = time.monotonic() + 10
    while _hub_watchers(lab, "secrets") == before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _hub_watchers(lab, "secrets") == before + 1
    conn.sock.close()
    conn.close()
    while _hub_watchers(lab, "secrets") > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _hub_watchers(lab, "secrets") == before


def test_a_watch_client_that_stops_reading_cannot_stall_the_simulation(make_lab):
    import kube_lab.controlplane.apiserver.http as http_mod

    lab = make_lab()
    old = http_mod.WATCH_QUEUE
    http_mod.WATCH_QUEUE = 20
    try:
        sock = lab.server.ssl_context().wrap_socket(
            socket.create_connection(("127.0.0.1", lab.server.port), timeout=30), server_hostname="127.0.0.1")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(f"GET /api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0 HTTP/1.1\r\n"
                     f"Host: x\r\nAuthorization: Bearer {lab.server.token}\r\n\r\n".encode())
        deadline = time.monotonic() + 10
        while _hub_watchers(lab, "configmaps") < 2 and time.monotonic() < deadline:
            time.sleep(0.05)     # (the controller manager's informer is the first watcher)
        watchers = _hub_watchers(lab, "configmaps")
        big = "x" * 200_000
        client = lab.cluster.client("load")
        with lab.paused():
            for i in range(300):   # ~60 MB of events for a client that reads nothing
                client.create("configmaps", _cm(f"big-{i}", blob=big), "default")
            lab.cluster.run(1)     # every event is handed over without blocking
        deadline = time.monotonic() + 30
        while _hub_watchers(lab, "configmaps") >= watchers and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _hub_watchers(lab, "configmaps") == watchers - 1     # the slow watch was dropped
        assert lab.request("GET", "/version").status == 200
        sock.close()
    finally:
        http_mod.WATCH_QUEUE = old
        lab.server.stop()


# ---------------------------------------------------------------------------------------------
# concurrency, clock, pause
def test_fifty_concurrent_clients(lab):
    results: list[int] = []
    errors_seen: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            r = lab.request("POST", "/api/v1/namespaces/default/configmaps", body=_cm(f"conc-{i}"))
            results.append(r.status)
            r = lab.request("GET", "/api/v1/namespaces/default/configmaps", headers={"Accept": TABLE_ACCEPT})
            results.append(r.status)
        except BaseException as e:  # pragma: no cover - reported below
            errors_seen.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors_seen
    assert sorted(results) == [200] * 50 + [201] * 50


def test_virtual_time_follows_the_wall_clock_and_pauses(make_lab):
    lab = make_lab(speed=50.0)
    try:
        start = lab.cluster.now
        deadline = time.monotonic() + 10
        while lab.cluster.now < start + 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert lab.cluster.now >= start + 5
        with lab.paused():
            frozen = lab.cluster.now
            time.sleep(0.2)
            assert lab.cluster.now == frozen        # the clock stands still while paused
            lab.cluster.run(100)                    # and the notebook drives it
            assert lab.cluster.now == frozen + 100
        assert lab.request("GET", "/api/v1/namespaces/default").status == 200
    finally:
        lab.server.stop()


def test_requests_wait_while_paused_then_time_out(make_lab):
    lab = make_lab()
    lab.server.request_timeout = 0.3
    try:
        with lab.paused():
            statuses = []
            t = threading.Thread(target=lambda: statuses.append(
                lab.request("GET", "/api/v1/namespaces/default")))
            t.start()
            t.join(10)
        (r,) = statuses
        assert r.status == 504 and r.json["reason"] == "Timeout"
        assert lab.request("GET", "/api/v1/namespaces/default").status == 200
    finally:
        lab.server.stop()


def test_stop_ends_open_watches_and_frees_the_port(make_lab):
    lab = make_lab()
    conn = lab.connection()
    conn.request("GET", "/api/v1/namespaces/default/configmaps?watch=true",
                 headers={"Authorization": f"Bearer {lab.server.token}"})
    resp = conn.getresponse()
    port = lab.server.port
    lab.server.stop()
    resp.read()          # returns: the stream ended
    conn.close()
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))


def test_tls_verification_with_the_kubeconfig_ca(lab):
    ctx = ssl.create_default_context()       # not trusting the lab CA: the handshake fails
    with pytest.raises(ssl.SSLError):
        with socket.create_connection(("127.0.0.1", lab.server.port), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="127.0.0.1"):
                pass
    assert lab.request("GET", "/version").status == 200


def test_list_paging_with_limit_and_continue(lab):
    for i in range(5):
        cm = _cm(f"page-{i}")
        cm["metadata"]["labels"] = {"paged": "yes"}
        lab.request("POST", "/api/v1/namespaces/default/configmaps", body=cm)
    names = []
    path = "/api/v1/namespaces/default/configmaps?labelSelector=paged%3Dyes&limit=2"
    first = lab.request("GET", path).json
    names += [i["metadata"]["name"] for i in first["items"]]
    token = first["metadata"]["continue"]
    while token:
        page = lab.request("GET", f"{path}&continue={token}").json
        names += [i["metadata"]["name"] for i in page["items"]]
        token = page["metadata"].get("continue")
    assert names == [f"page-{i}" for i in range(5)]


def test_watch_list_sends_initial_events_then_a_bookmark(lab):
    r = lab.request("GET", "/api/v1/nodes?watch=true&sendInitialEvents=true&allowWatchBookmarks=true"
                           "&resourceVersionMatch=NotOlderThan&timeoutSeconds=1")
    events = [json.loads(line) for line in r.body.splitlines()]
    # the initial state, then the bookmark; live changes (a kubelet's status write during the
    # one-second watch) may follow it
    assert [e["type"] for e in events[:4]] == ["ADDED"] * 3 + ["BOOKMARK"]
    assert all(e["type"] == "MODIFIED" for e in events[4:])
    assert events[3]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    r = lab.request("GET", "/api/v1/nodes?watch=true&sendInitialEvents=true")
    assert r.status == 422 and r.json["reason"] == "Invalid"
