"""Strict field validation (kube_lab.api.schema) against the API server's strict decoding."""
import copy
import subprocess
import sys
from pathlib import Path

import yaml

from kube_lab.api import schema
from kube_lab.api.registry import RESOURCES
from tests.api.manifests import WORDPRESS

REPO = Path(__file__).resolve().parents[2]


def key_of(obj):
    return f"{obj['apiVersion']}/{obj['kind']}"


def wordpress():
    return list(yaml.safe_load_all(WORDPRESS))


def test_every_served_kind_is_covered():
    for info in RESOURCES:
        assert schema.known_kind(info.kind_key), info.kind_key
    assert not schema.known_kind("apps/v1beta1/Deployment")


def test_real_manifests_have_no_unknown_fields():
    for obj in wordpress():
        assert schema.unknown_fields(key_of(obj), obj) == [], obj["kind"]


def test_full_objects_as_the_server_returns_them():
    pod = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "namespace": "default", "uid": "u", "resourceVersion": "1",
                     "generateName": "web-", "labels": {"app": "web"},
                     "annotations": {"a": "b"}, "creationTimestamp": "2024-01-01T00:00:00Z",
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "r",
                                          "uid": "u", "controller": True,
                                          "blockOwnerDeletion": True}],
                     "managedFields": [{"manager": "kubectl", "operation": "Update",
                                        "apiVersion": "v1", "fieldsType": "FieldsV1",
                                        "fieldsV1": {"f:metadata": {"f:anything": {}}}}]},
        "spec": {"containers": [{"name": "c", "image": "nginx", "resources": {"limits": {"cpu": "1"}},
                                 "livenessProbe": {"httpGet": {"port": "http", "path": "/"}},
                                 "securityContext": {"capabilities": {"add": ["NET_ADMIN"]}}}],
                 "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule"}],
                 "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                     "nodeSelectorTerms": [{"matchExpressions": [
                         {"key": "zone", "operator": "In", "values": ["a"]}]}]}}}},
        "status": {"phase": "Running", "podIP": "10.244.1.2", "podIPs": [{"ip": "10.244.1.2"}],
                   "conditions": [{"type": "Ready", "status": "True",
                                   "lastTransitionTime": "2024-01-01T00:00:00Z"}],
                   "containerStatuses": [{"name": "c", "ready": True, "restartCount": 0,
                                          "image": "nginx", "imageID": "x", "started": True,
                                          "state": {"running": {"startedAt": "2024-01-01T00:00:00Z"}}}]},
    }
    assert schema.unknown_fields("v1/Pod", pod) == []
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
           "spec": {"type": "LoadBalancer", "ports": [{"port": 80, "targetPort": "http",
                                                       "nodePort": 30080, "protocol": "TCP"}],
                    "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                    "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 10}}},
           "status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.1", "ipMode": "VIP"}]}}}
    assert schema.unknown_fields("v1/Service", svc) == []


def test_misspelled_container_field():
    deploy = wordpress()[2]
    deploy["spec"]["template"]["spec"]["containers"][0]["imagee"] = "mysql:5.7"
    assert schema.unknown_fields("apps/v1/Deployment", deploy) == [
        "spec.template.spec.containers[0].imagee"]


def test_bad_top_level_spec_field_and_document_order():
    deploy = wordpress()[2]
    deploy["spec"]["foo"] = 1
    deploy["spec"]["template"]["metadata"]["containers"] = []
    deploy["spec"]["template"]["spec"]["volumes"][0]["persistentVolumeClaim"]["size"] = "1Gi"
    deploy["spec"]["template"]["spec"]["containers"][0]["volumeMounts"][0]["hostPath"] = "/x"
    deploy["bogus"] = True
    assert schema.unknown_fields("apps/v1/Deployment", deploy) == [
        "spec.template.metadata.containers",
        "spec.template.spec.containers[0].volumeMounts[0].hostPath",
        "spec.template.spec.volumes[0].persistentVolumeClaim.size",
        "spec.foo",
        "bogus",
    ]


def test_metadata_fields_are_checked():
    svc = wordpress()[0]
    svc["metadata"]["lables"] = {"app": "x"}
    svc["spec"]["ports"][0]["targetport"] = 3306  # case matters
    assert schema.unknown_fields("v1/Service", svc) == [
        "metadata.lables", "spec.ports[0].targetport"]


def test_free_form_and_scalar_values_are_not_looked_into():
    rev = {"apiVersion": "apps/v1", "kind": "ControllerRevision", "metadata": {"name": "r"},
           "revision": 1, "data": {"spec": {"anything": {"goes": True}}}}
    assert schema.unknown_fields("apps/v1/ControllerRevision", rev) == []
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
          "data": {"any.key": "v", "another": "w"}}
    assert schema.unknown_fields("v1/ConfigMap", cm) == []
    # Wrong shapes are a decoding error of their own, not unknown fields.
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": {"name": "c"}, "volumes": None}}
    assert schema.unknown_fields("v1/Pod", pod) == []


def test_other_kinds():
    cron = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
            "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": {
                "containers": [{"name": "c", "image": "busybox", "comand": ["date"]}],
                "restartPolicy": "OnFailure"}}}}}}
    assert schema.unknown_fields("batch/v1/CronJob", cron) == [
        "spec.jobTemplate.spec.template.spec.containers[0].comand"]
    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "s"},
           "spec": {"serviceName": "s", "selector": {"matchLabels": {"a": "b"}},
                    "template": {"metadata": {"labels": {"a": "b"}},
                                 "spec": {"containers": [{"name": "c", "image": "x"}]}},
                    "volumeClaimTemplates": [{"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                                              "metadata": {"name": "d"},
                                              "spec": {"accessModes": ["ReadWriteOnce"],
                                                       "storage": "1Gi"},
                                              "status": {"phase": "Pending"}}]}}
    assert schema.unknown_fields("apps/v1/StatefulSet", sts) == [
        "spec.volumeClaimTemplates[0].spec.storage"]
    hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
           "metadata": {"name": "h"},
           "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "w"}, "maxReplicas": 3,
                    "targetCPUUtilizationPercentage": 50}}  # an autoscaling/v1 field
    assert schema.unknown_fields("autoscaling/v2/HorizontalPodAutoscaler", hpa) == [
        "spec.targetCPUUtilizationPercentage"]


def test_repeats_are_reported_once():
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": "a", "x": 1}, {"name": "b", "x": 1}]}}
    assert schema.unknown_fields("v1/Pod", pod) == ["spec.containers[0].x", "spec.containers[1].x"]


def test_unknown_kind_gives_nothing():
    assert schema.unknown_fields("example.com/v1/Widget", {"spec": {"x": 1}}) == []


def test_strict_error():
    err = schema.strict_error("Deployment", "v1", ["spec.foo"])
    assert err.code == 400 and err.reason == "BadRequest"
    assert err.message == ('Deployment in version "v1" cannot be handled as a Deployment: '
                           'strict decoding error: unknown field "spec.foo"')
    assert err.status == {"kind": "Status", "apiVersion": "v1", "metadata": {},
                          "status": "Failure", "message": err.message, "reason": "BadRequest",
                          "code": 400}
    err = schema.strict_error("Deployment", "apps/v1", ["spec.template.metadata.containers",
                                                        "spec.template.metadata.volumes"])
    assert err.message == (
        'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
        'unknown field "spec.template.metadata.containers", '
        'unknown field "spec.template.metadata.volumes"')


def test_schema_data_is_small_and_loaded_lazily():
    data = REPO / "kube_lab" / "api" / "schema_data.py"
    assert data.stat().st_size < 300_000
    code = ("import sys, kube_lab.api.schema, kube_lab.api.defaults; "
            "print('kube_lab.api.schema_data' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         env={"PYTHONPATH": str(REPO), "PYTHONDONTWRITEBYTECODE": "1"})
    assert out.stdout.strip() == "False", out.stderr


def test_original_objects_are_not_changed():
    deploy = wordpress()[2]
    before = copy.deepcopy(deploy)
    schema.unknown_fields("apps/v1/Deployment", deploy)
    assert deploy == before
