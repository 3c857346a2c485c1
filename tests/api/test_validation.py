"""Object validation (kube_lab.api.validation) against Kubernetes 1.32's messages.

Objects are defaulted first, as the API server does before validating (``kube_lab.api.defaults``
when present; otherwise the few defaults validation needs are filled in by hand).  Full messages
are checked through ``errors.invalid`` so the kind/group prefix and the multi-error bracket form are
covered too.
"""
from __future__ import annotations

import copy

import pytest

from kube_lab.api import errors
from kube_lab.api import validation as v

try:  # another helper owns defaulting; the tests only need it to be idempotent on these objects
    from kube_lab.api import defaults as _defaults
except ImportError:  # pragma: no cover - exercised only before defaults.py exists
    _defaults = None


# --------------------------------------------------------------------------------------------
# helpers


def _manual_pod_spec_defaults(spec: dict) -> None:
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    for key in ("containers", "initContainers"):
        for c in spec.get(key) or ():
            c.setdefault("terminationMessagePolicy", "File")
            c.setdefault("imagePullPolicy", "IfNotPresent")
            for p in c.get("ports") or ():
                p.setdefault("protocol", "TCP")
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                pr = c.get(probe)
                if pr is not None:
                    for f, d in (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
                                 ("failureThreshold", 3)):
                        pr.setdefault(f, d)
                    if pr.get("httpGet") is not None:
                        pr["httpGet"].setdefault("scheme", "HTTP")


def _manual_defaults(kind_key: str, obj: dict) -> None:
    spec = obj.get("spec") or {}
    if kind_key == "v1/Pod":
        _manual_pod_spec_defaults(spec)
    elif kind_key in ("apps/v1/Deployment", "apps/v1/ReplicaSet", "apps/v1/DaemonSet", "apps/v1/StatefulSet",
                      "batch/v1/Job", "v1/ReplicationController"):
        _manual_pod_spec_defaults(spec.setdefault("template", {}).setdefault("spec", {}))
        if kind_key == "apps/v1/Deployment":
            spec.setdefault("replicas", 1)
            spec.setdefault("strategy", {"type": "RollingUpdate"})
            if spec["strategy"].get("type") == "RollingUpdate":
                spec["strategy"].setdefault("rollingUpdate", {"maxUnavailable": "25%", "maxSurge": "25%"})
            spec.setdefault("revisionHistoryLimit", 10)
            spec.setdefault("progressDeadlineSeconds", 600)
        if kind_key == "apps/v1/StatefulSet":
            spec.setdefault("replicas", 1)
            spec.setdefault("podManagementPolicy", "OrderedReady")
            spec.setdefault("updateStrategy", {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}})
        if kind_key == "apps/v1/DaemonSet":
            spec.setdefault("updateStrategy", {"type": "RollingUpdate",
                                               "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}})
    elif kind_key == "batch/v1/CronJob":
        spec.setdefault("concurrencyPolicy", "Allow")
        _manual_pod_spec_defaults(spec.setdefault("jobTemplate", {}).setdefault("spec", {})
                                  .setdefault("template", {}).setdefault("spec", {}))
    elif kind_key == "v1/Service":
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        if spec["type"] != "ExternalName":
            spec.setdefault("internalTrafficPolicy", "Cluster")
        for p in spec.get("ports") or ():
            p.setdefault("protocol", "TCP")
            p.setdefault("targetPort", p.get("port"))
        if spec["type"] in ("NodePort", "LoadBalancer"):
            spec.setdefault("externalTrafficPolicy", "Cluster")
    elif kind_key == "storage.k8s.io/v1/StorageClass":
        obj.setdefault("reclaimPolicy", "Delete")
        obj.setdefault("volumeBindingMode", "Immediate")


def prep(kind_key: str, obj: dict) -> dict:
    """Default ``obj`` and do what the API server does before validation (namespace, Service
    clusterIPs, Job selector and labels)."""
    obj = copy.deepcopy(obj)
    if _defaults is not None:
        out = _defaults.default(kind_key, obj)
        obj = out if isinstance(out, dict) else obj
    else:
        _manual_defaults(kind_key, obj)
    md = obj.setdefault("metadata", {})
    if v.is_namespaced(kind_key):
        md.setdefault("namespace", "default")
    spec = obj.get("spec") or {}
    if kind_key == "v1/Service" and spec.get("clusterIP") and not spec.get("clusterIPs"):
        spec["clusterIPs"] = [spec["clusterIP"]]  # the Service strategy's NormalizeClusterIPs
    if kind_key == "batch/v1/Job" and not spec.get("manualSelector"):
        md.setdefault("uid", "7f1b8f7e-0000-4000-8000-000000000001")
        uid, name = md["uid"], md.get("name", "")
        spec["selector"] = {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
        labels = spec.setdefault("template", {}).setdefault("metadata", {}).setdefault("labels", {})
        labels.update({"controller-uid": uid, "job-name": name,
                       "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": name})
    return obj


def message(kind: str, obj: dict, errs: list, group: str = "") -> str:
    return errors.invalid(kind, obj.get("metadata", {}).get("name", ""), errs, group).message


def check(kind_key: str, obj: dict, old: dict | None = None) -> tuple[dict, list]:
    o = prep(kind_key, obj)
    return o, v.validate(kind_key, o, old)


def strs(errs: list) -> list[str]:
    return [str(e) for e in errs]


def stored(obj: dict, rv: str = "1", uid: str = "u-1") -> dict:
    """``obj`` as the store holds it: resourceVersion, uid, creationTimestamp set."""
    o = copy.deepcopy(obj)
    md = o["metadata"]
    md.setdefault("resourceVersion", rv)
    md.setdefault("uid", uid)
    md.setdefault("creationTimestamp", "2025-01-01T00:00:00Z")
    return o


def pod(**spec_extra) -> dict:
    spec = {"containers": [{"name": "app", "image": "nginx:1.25"}]}
    spec.update(spec_extra)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "default"}, "spec": spec}


def deployment(**spec_extra) -> dict:
    spec = {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25",
                                                  "ports": [{"containerPort": 80}]}]}}}
    spec.update(spec_extra)
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "default"},
            "spec": spec}


def service(**spec_extra) -> dict:
    spec = {"selector": {"app": "web"}, "ports": [{"port": 80}]}
    spec.update(spec_extra)
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "default"}, "spec": spec}


# --------------------------------------------------------------------------------------------
# Valid real manifests (the seed's WordPress stack and the nginx Deployment)

WORDPRESS = [
    ("v1/Service", {"apiVersion": "v1", "kind": "Service",
                    "metadata": {"name": "wordpress-mysql", "labels": {"app": "wordpress"}},
                    "spec": {"ports": [{"port": 3306}], "selector": {"app": "wordpress", "tier": "mysql"},
                             "clusterIP": "None"}}),
    ("v1/PersistentVolumeClaim", {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                                  "metadata": {"name": "mysql-pv-claim", "labels": {"app": "wordpress"}},
                                  "spec": {"accessModes": ["ReadWriteOnce"],
                                           "resources": {"requests": {"storage": "20Gi"}}}}),
    ("apps/v1/Deployment", {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "wordpress-mysql", "labels": {"app": "wordpress"}},
        "spec": {"selector": {"matchLabels": {"app": "wordpress", "tier": "mysql"}},
                 "strategy": {"type": "Recreate"},
                 "template": {"metadata": {"labels": {"app": "wordpress", "tier": "mysql"}},
                              "spec": {"containers": [{
                                  "image": "mysql:5.6", "name": "mysql",
                                  "env": [{"name": "MYSQL_ROOT_PASSWORD",
                                           "valueFrom": {"secretKeyRef": {"name": "mysql-pass", "key": "password"}}}],
                                  "ports": [{"containerPort": 3306, "name": "mysql"}],
                                  "volumeMounts": [{"name": "mysql-persistent-storage", "mountPath": "/var/lib/mysql"}]}],
                                  "volumes": [{"name": "mysql-persistent-storage",
                                               "persistentVolumeClaim": {"claimName": "mysql-pv-claim"}}]}}}}),
]


@pytest.mark.parametrize("kind_key,obj", WORDPRESS, ids=[k for k, _ in WORDPRESS])
def test_wordpress_manifests_are_valid(kind_key, obj):
    _, errs = check(kind_key, obj)
    assert errs == []


def test_nginx_deployment_is_valid():
    _, errs = check("apps/v1/Deployment", deployment())
    assert errs == []


def test_valid_objects_of_other_kinds():
    samples = [
        ("v1/ConfigMap", {"metadata": {"name": "cfg"}, "data": {"app.properties": "a=b", "KEY_1": "x"}}),
        ("v1/Secret", {"metadata": {"name": "mysql-pass"}, "type": "Opaque", "data": {"password": "cGFzcw=="}}),
        ("v1/Namespace", {"metadata": {"name": "team-a"}}),
        ("batch/v1/Job", {"metadata": {"name": "pi"}, "spec": {"template": {"spec": {
            "restartPolicy": "Never", "containers": [{"name": "pi", "image": "perl"}]}}}}),
        ("batch/v1/CronJob", {"metadata": {"name": "hello"}, "spec": {"schedule": "*/5 * * * *", "jobTemplate": {
            "spec": {"template": {"spec": {"restartPolicy": "OnFailure",
                                           "containers": [{"name": "c", "image": "busybox"}]}}}}}}),
        ("apps/v1/StatefulSet", {"metadata": {"name": "web"}, "spec": {
            "serviceName": "nginx", "selector": {"matchLabels": {"app": "nginx"}},
            "template": {"metadata": {"labels": {"app": "nginx"}},
                         "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}}),
        ("apps/v1/DaemonSet", {"metadata": {"name": "agent"}, "spec": {
            "selector": {"matchLabels": {"app": "agent"}},
            "template": {"metadata": {"labels": {"app": "agent"}},
                         "spec": {"containers": [{"name": "a", "image": "busybox"}]}}}}),
        ("networking.k8s.io/v1/Ingress", {"metadata": {"name": "ing"}, "spec": {"rules": [{"host": "example.com", "http": {
            "paths": [{"path": "/", "pathType": "Prefix",
                       "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}}),
        ("storage.k8s.io/v1/StorageClass", {"metadata": {"name": "standard"}, "provisioner": "rancher.io/local-path"}),
        ("autoscaling/v2/HorizontalPodAutoscaler", {"metadata": {"name": "web"}, "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 1, "maxReplicas": 5, "metrics": [{"type": "Resource", "resource": {
                "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]}}),
        ("rbac.authorization.k8s.io/v1/RoleBinding", {"metadata": {"name": "rb"}, "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"},
            "subjects": [{"kind": "ServiceAccount", "name": "default", "namespace": "default"}]}),
        ("policy/v1/PodDisruptionBudget", {"metadata": {"name": "pdb"}, "spec": {
            "minAvailable": "50%", "selector": {"matchLabels": {"app": "web"}}}}),
    ]
    for kind_key, obj in samples:
        _, errs = check(kind_key, obj)
        assert errs == [], (kind_key, strs(errs))


# --------------------------------------------------------------------------------------------
# ObjectMeta


def test_name_or_generate_name_required():
    p = pod()
    del p["metadata"]["name"]
    o, errs = check("v1/Pod", p)
    assert message("Pod", o, errs) == 'Pod "" is invalid: metadata.name: Required value: name or generateName is required'


def test_namespace_required_and_forbidden():
    p = prep("v1/Pod", pod())
    p["metadata"]["namespace"] = ""
    assert strs(v.validate("v1/Pod", p)) == ["metadata.namespace: Required value"]
    ns = prep("v1/Namespace", {"metadata": {"name": "dev", "namespace": "default"}})
    assert strs(v.validate("v1/Namespace", ns)) == ["metadata.namespace: Forbidden: not allowed on this type"]


def test_name_formats_per_kind():
    bad = "My_Name"
    _, errs = check("v1/Service", service() | {"metadata": {"name": "1web", "namespace": "default"}})
    assert strs(errs) == ['metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case '
                          "alphanumeric characters or '-', start with an alphabetic character, and end with an "
                          "alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is "
                          "'[a-z]([-a-z0-9]*[a-z0-9])?')"]
    _, errs = check("v1/Namespace", {"metadata": {"name": "a.b"}})
    assert strs(errs) == ['metadata.name: Invalid value: "a.b": must not contain dots']
    _, errs = check("v1/ConfigMap", {"metadata": {"name": "a.b"}})  # subdomains allow dots
    assert errs == []
    _, errs = check("v1/ConfigMap", {"metadata": {"name": bad}})
    assert strs(errs)[0].startswith('metadata.name: Invalid value: "My_Name": a lowercase RFC 1123 subdomain')


def test_labels_annotations_finalizers_owner_references():
    p = pod()
    p["metadata"]["labels"] = {"app": "-bad-"}
    p["metadata"]["annotations"] = {"big": "x" * (256 * 1024)}
    p["metadata"]["finalizers"] = ["custom"]
    p["metadata"]["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs"}]
    _, errs = check("v1/Pod", p)
    assert strs(errs) == [
        'metadata.labels: Invalid value: "-bad-": a valid label must be an empty string or consist of alphanumeric '
        "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
        "'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        "metadata.annotations: Too long: may not be more than 262144 bytes",
        'metadata.ownerReferences.uid: Invalid value: "": must not be empty',
        'metadata.finalizers[0]: Invalid value: "custom": name is neither a standard finalizer name nor is it fully '
        "qualified",
    ]


def test_meta_update_rules():
    old = stored(prep("v1/ConfigMap", {"metadata": {"name": "cfg"}, "data": {"a": "1"}}))
    new = copy.deepcopy(old)
    new["metadata"]["uid"] = "other"
    new["metadata"]["generation"] = -1
    del new["metadata"]["resourceVersion"]
    errs = v.validate("v1/ConfigMap", new, old)
    assert message("ConfigMap", new, errs) == (
        'ConfigMap "cfg" is invalid: [metadata.generation: Invalid value: -1: must be greater than or equal to 0, '
        'metadata.resourceVersion: Invalid value: "": must be specified for an update, '
        'metadata.generation: Invalid value: -1: must not be decremented, '
        'metadata.uid: Invalid value: "other": field is immutable]')
    renamed = copy.deepcopy(old)
    renamed["metadata"]["name"] = "cfg2"
    assert 'metadata.name: Invalid value: "cfg2": field is immutable' in strs(v.validate("v1/ConfigMap", renamed, old))


# --------------------------------------------------------------------------------------------
# Pod


def test_containers_required():
    o, errs = check("v1/Pod", pod(containers=[]))
    assert message("Pod", o, errs) == 'Pod "p" is invalid: spec.containers: Required value'


def test_container_errors_in_upstream_order():
    p = pod(containers=[
        {"name": "app", "image": "nginx", "ports": [{"containerPort": 70000, "protocol": "HTTP"}],
         "volumeMounts": [{"name": "data", "mountPath": "/data"}],
         "resources": {"requests": {"cpu": "1"}, "limits": {"cpu": "500m"}}},
        {"name": "app", "image": ""},
        {"name": "Bad_Name", "image": "busybox"}])
    o, errs = check("v1/Pod", p)
    assert message("Pod", o, errs) == (
        'Pod "p" is invalid: ['
        'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive, '
        'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP", '
        'spec.containers[0].volumeMounts[0].name: Not found: "data", '
        'spec.containers[0].resources.requests: Invalid value: "1": must be less than or equal to cpu limit of 500m, '
        'spec.containers[1].image: Required value, '
        'spec.containers[1].name: Duplicate value: "app", '
        'spec.containers[2].name: Invalid value: "Bad_Name": a lowercase RFC 1123 label must consist of lower case '
        "alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
        "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')]")


def test_port_names_and_host_port_conflicts():
    p = pod(containers=[{"name": "a", "image": "x", "ports": [
        {"containerPort": 80, "hostPort": 8080, "name": "http"},
        {"containerPort": 81, "hostPort": 8080, "name": "http"},
        {"containerPort": 82, "name": "not--valid-port-name"}]}])
    _, errs = check("v1/Pod", p)
    assert strs(errs) == [
        'spec.containers[0].ports[1].name: Duplicate value: "http"',
        'spec.containers[0].ports[2].name: Invalid value: "not--valid-port-name": must be no more than 15 characters',
        'spec.containers[0].ports[2].name: Invalid value: "not--valid-port-name": must not contain consecutive hyphens',
        'spec.containers[0].ports[1].hostPort: Duplicate value: "TCP//8080"',
    ]


def test_volumes_names_and_sources():
    p = pod(volumes=[{"name": "v", "emptyDir": {}, "hostPath": {"path": "/tmp"}},
                     {"name": "w", "emptyDir": {}}, {"name": "w", "emptyDir": {}}])
    _, errs = check("v1/Pod", p)
    assert strs(errs) == [
        "spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type",
        'spec.volumes[2].name: Duplicate value: "w"',
    ]
    # A volume without a source is defaulted to emptyDir; undefaulted, validation requires one.
    raw = prep("v1/Pod", pod())
    raw["spec"]["volumes"] = [{"name": "none"}]
    assert strs(v.validate("v1/Pod", raw)) == ["spec.volumes[0]: Required value: must specify a volume type"]


def test_env_and_value_from():
    p = pod(containers=[{"name": "a", "image": "x", "env": [
        {"name": ""}, {"name": "A=B"},
        {"name": "C", "value": "v", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
        {"name": "D", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "bad key"}}}]}])
    _, errs = check("v1/Pod", p)
    assert strs(errs) == [
        "spec.containers[0].env[0].name: Required value",
        'spec.containers[0].env[1].name: Invalid value: "A=B": a valid environment variable name must consist only of '
        "printable ASCII characters other than '='",
        'spec.containers[0].env[2].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
        'spec.containers[0].env[3].valueFrom.configMapKeyRef.key: Invalid value: "bad key": a valid config key must '
        "consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex "
        "used for validation is '[-._a-zA-Z0-9]+')",
    ]


def test_restart_dns_policy_grace_probes_tolerations():
    p = pod(restartPolicy="Sometimes", dnsPolicy="Weird", containers=[{
        "name": "a", "image": "x",
        "livenessProbe": {"httpGet": {"path": "/", "port": 80}, "periodSeconds": -1, "successThreshold": 2},
        "readinessProbe": {}}],
        tolerations=[{"key": "k", "operator": "Exists", "value": "v"}, {"operator": "Equal", "effect": "Never"}])
    _, errs = check("v1/Pod", p)
    assert strs(errs) == [
        "spec.containers[0].livenessProbe.periodSeconds: Invalid value: -1: must be greater than or equal to 0",
        "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1",
        "spec.containers[0].readinessProbe: Required value: must specify a handler type",
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
        'spec.dnsPolicy: Unsupported value: "Weird": supported values: "ClusterFirstWithHostNet", "ClusterFirst", '
        '"Default", "None"',
        "spec.tolerations[0].operator: Invalid value: \"v\": value must be empty when `operator` is 'Exists'",
        'spec.tolerations[1].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which '
        'means "match all values and all keys"',
        'spec.tolerations[1].effect: Unsupported value: "Never": supported values: "NoSchedule", "PreferNoSchedule", '
        '"NoExecute"',
    ]
    no_grace = prep("v1/Pod", pod())
    del no_grace["spec"]["terminationGracePeriodSeconds"]
    assert strs(v.validate("v1/Pod", no_grace)) == ["spec.terminationGracePeriodSeconds: Required value"]


def test_node_selector_affinity_and_init_containers():
    p = pod(nodeSelector={"disk": "ssd!"},
            initContainers=[{"name": "init", "image": "busybox", "livenessProbe": {"exec": {"command": ["true"]}}}],
            affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": []}},
                      "podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                          {"labelSelector": {"matchLabels": {"app": "web"}}}]}})
    _, errs = check("v1/Pod", p)
    assert strs(errs) == [
        "spec.initContainers[0].livenessProbe: Forbidden: may not be set for init containers without "
        "restartPolicy=Always",
        'spec.nodeSelector: Invalid value: "ssd!": a valid label must be an empty string or consist of alphanumeric '
        "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
        "'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required value: "
        "must have at least one node selector term",
        "spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Required value: "
        "can not be empty",
        'spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Invalid value: '
        '"": name part must be non-empty',
        'spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Invalid value: '
        "\"\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ]


def test_pod_update_only_image_may_change():
    old = stored(prep("v1/Pod", pod()))
    new = copy.deepcopy(old)
    new["spec"]["containers"][0]["image"] = "nginx:1.26"
    assert v.validate("v1/Pod", new, old) == []
    new["spec"]["containers"][0]["ports"] = [{"containerPort": 80, "protocol": "TCP"}]
    errs = v.validate("v1/Pod", new, old)
    assert len(errs) == 1 and errs[0].field == "spec" and errs[0].type == "Forbidden"
    head, _, diff = errs[0].detail.partition("\n")
    assert head == ("pod updates may not change fields other than `spec.containers[*].image`,"
                    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions "
                    "to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was "
                    "previously negative)")
    assert "core.PodSpec{" in diff and "+ \tcontainers[0].ports:" in diff
    assert str(errs[0]).startswith("spec: Forbidden: pod updates may not change fields other than")


def test_pod_update_container_count_and_tolerations():
    old = stored(prep("v1/Pod", pod(tolerations=[{"key": "k", "operator": "Exists", "effect": "NoSchedule"}])))
    new = copy.deepcopy(old)
    new["spec"]["containers"].append({"name": "b", "image": "x", "imagePullPolicy": "Always",
                                      "terminationMessagePolicy": "File"})
    assert strs(v.validate("v1/Pod", new, old)) == ["spec.containers: Forbidden: pod updates may not add or remove "
                                                    "containers"]
    new = copy.deepcopy(old)
    new["spec"]["tolerations"] = []
    assert "spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds" in \
        strs(v.validate("v1/Pod", new, old))
    new["spec"]["tolerations"] = old["spec"]["tolerations"] + [{"key": "x", "operator": "Exists"}]
    assert v.validate("v1/Pod", new, old) == []


def test_pod_status_update():
    old = stored(prep("v1/Pod", pod(nodeName="node-1")))
    new = copy.deepcopy(old)
    new["spec"]["nodeName"] = "node-2"
    new["status"] = {"podIPs": [{"ip": "10.0.0.300"}]}
    assert strs(v.validate_status("v1/Pod", new, old)) == [
        "status.nodeName: Forbidden: may not be changed directly",
        'status.podIPs[0]: Invalid value: "10.0.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
    ]


# --------------------------------------------------------------------------------------------
# Deployment, ReplicaSet, ReplicationController, StatefulSet, DaemonSet


def test_deployment_selector_required_bracket_form():
    d = deployment()
    del d["spec"]["selector"]
    o, errs = check("apps/v1/Deployment", d)
    assert message("Deployment", o, errs, "apps") == (
        'Deployment.apps "web" is invalid: [spec.selector: Required value, spec.template.metadata.labels: '
        'Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`]')


def test_deployment_single_selector_required_message():
    d = deployment()
    del d["spec"]["selector"]
    o, errs = check("apps/v1/Deployment", d)
    assert message("Deployment", o, errs[:1], "apps") == 'Deployment.apps "web" is invalid: spec.selector: Required value'


def test_deployment_empty_selector_and_mismatch():
    o, errs = check("apps/v1/Deployment", deployment(selector={}))
    assert message("Deployment", o, errs, "apps") == (
        'Deployment.apps "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]'
        'string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment')
    _, errs = check("apps/v1/Deployment", deployment(selector={"matchLabels": {"app": "other"}}))
    assert strs(errs) == ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: '
                          '`selector` does not match template `labels`']


def test_deployment_replicas_restart_policy_strategy():
    d = deployment(replicas=-1, strategy={"type": "RollingUpdate",
                                          "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}},
                   minReadySeconds=700)
    d["spec"]["template"]["spec"]["restartPolicy"] = "Never"
    _, errs = check("apps/v1/Deployment", d)
    assert strs(errs) == [
        "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
        'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
        'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: '
        "may not be 0 when `maxSurge` is 0",
        "spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds",
    ]


def test_deployment_percentages_and_recreate():
    _, errs = check("apps/v1/Deployment", deployment(strategy={"type": "RollingUpdate", "rollingUpdate": {
        "maxSurge": "abc", "maxUnavailable": "150%"}}, revisionHistoryLimit=-2))
    assert strs(errs) == [
        'spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"abc"}: '
        "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used "
        "for validation is '[0-9]+%')",
        'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: '
        "must not be greater than 100%",
        "spec.revisionHistoryLimit: Invalid value: -2: must be greater than or equal to 0",
    ]
    _, errs = check("apps/v1/Deployment", deployment(strategy={"type": "Recreate", "rollingUpdate": {}}))
    assert strs(errs) == ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is "
                          "'Recreate'"]


def test_deployment_selector_immutable_on_update():
    old = stored(prep("apps/v1/Deployment", deployment()))
    new = copy.deepcopy(old)
    new["spec"]["selector"] = {"matchLabels": {"app": "web", "tier": "fe"}}
    new["spec"]["template"]["metadata"]["labels"]["tier"] = "fe"
    errs = v.validate("apps/v1/Deployment", new, old)
    assert message("Deployment", new, errs, "apps") == (
        'Deployment.apps "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]'
        'string{"app":"web", "tier":"fe"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable')
    scaled = copy.deepcopy(old)
    scaled["spec"]["replicas"] = 5
    assert v.validate("apps/v1/Deployment", scaled, old) == []


def test_deployment_status_negative_replicas():
    old = stored(prep("apps/v1/Deployment", deployment()))
    new = copy.deepcopy(old)
    new["status"] = {"replicas": 1, "readyReplicas": 2, "availableReplicas": -1}
    assert strs(v.validate_status("apps/v1/Deployment", new, old)) == [
        "status.availableReplicas: Invalid value: -1: must be greater than or equal to 0",
        "status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas",
    ]
    new["status"] = {"replicas": -1}
    assert strs(v.validate_status("apps/v1/Deployment", new, old))[0] == \
        "status.replicas: Invalid value: -1: must be greater than or equal to 0"


def test_replicaset_and_replication_controller():
    rs = deployment(selector={})
    rs["kind"] = "ReplicaSet"
    rs["spec"].pop("strategy", None)
    _, errs = check("apps/v1/ReplicaSet", rs)
    assert strs(errs) == ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), '
                          'MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for '
                          'deployment']
    rc = {"metadata": {"name": "rc"}, "spec": {"replicas": 1, "selector": {"app": "a"}, "template": {
        "metadata": {"labels": {"app": "b"}}, "spec": {"containers": [{"name": "c", "image": "x"}]}}}}
    _, errs = check("v1/ReplicationController", rc)
    assert strs(errs) == ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"b"}: `selector` '
                          'does not match template `labels`']


def test_statefulset_rules():
    sts = {"metadata": {"name": "db"}, "spec": {"podManagementPolicy": "Random",
                                                 "selector": {"matchLabels": {"app": "db"}},
                                                 "template": {"metadata": {"labels": {"app": "db"}},
                                                              "spec": {"containers": [{"name": "c", "image": "x"}]}}}}
    _, errs = check("apps/v1/StatefulSet", sts)
    assert strs(errs) == ['spec.podManagementPolicy: Invalid value: "Random": must be \'OrderedReady\' or '
                          "'Parallel'"]
    ok = dict(sts, spec=dict(sts["spec"], podManagementPolicy="OrderedReady"))
    old = stored(prep("apps/v1/StatefulSet", ok))
    new = copy.deepcopy(old)
    new["spec"]["serviceName"] = "changed"
    assert strs(v.validate("apps/v1/StatefulSet", new, old)) == [
        "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
        "'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"]


def test_daemonset_update_strategy():
    ds = {"metadata": {"name": "agent"}, "spec": {"selector": {"matchLabels": {"app": "a"}},
                                                   "updateStrategy": {"type": "Sometimes"},
                                                   "template": {"metadata": {"labels": {"app": "a"}},
                                                                "spec": {"containers": [{"name": "c", "image": "x"}]}}}}
    _, errs = check("apps/v1/DaemonSet", ds)
    assert strs(errs) == ['spec.updateStrategy: Unsupported value: apps.DaemonSetUpdateStrategy{Type:"Sometimes", '
                          'RollingUpdate:(*apps.RollingUpdateDaemonSet)(nil)}: supported values: "RollingUpdate", '
                          '"OnDelete"']


# --------------------------------------------------------------------------------------------
# Job and CronJob


def job(**spec) -> dict:
    base = {"template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "pi", "image": "perl"}]}}}
    base.update(spec)
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi"}, "spec": base}


def test_job_restart_policy_always():
    j = job()
    j["spec"]["template"]["spec"]["restartPolicy"] = "Always"
    o, errs = check("batch/v1/Job", j)
    # 1.32 reports a Required error (not NotSupported) for Always, listing the valid values.
    assert message("Job", o, errs, "batch") == (
        'Job.batch "pi" is invalid: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"')


def test_job_counts_and_generated_labels():
    _, errs = check("batch/v1/Job", job(parallelism=-1, completions=-2, backoffLimit=-3))
    assert strs(errs) == [
        "spec.parallelism: Invalid value: -1: must be greater than or equal to 0",
        "spec.completions: Invalid value: -2: must be greater than or equal to 0",
        "spec.backoffLimit: Invalid value: -3: must be greater than or equal to 0",
    ]
    raw = prep("batch/v1/Job", job())
    del raw["spec"]["template"]["metadata"]["labels"]["batch.kubernetes.io/job-name"]
    assert strs(v.validate("batch/v1/Job", raw)) == [
        "spec.template.metadata.labels[batch.kubernetes.io/job-name]: Required value: must be 'pi'"]


def test_cronjob_schedule_and_fields():
    cj = {"metadata": {"name": "c" * 53}, "spec": {"schedule": "x", "timeZone": "Mars/Olympus",
                                                    "concurrencyPolicy": "Sometimes", "jobTemplate": {"spec": {
                                                        "template": {"spec": {"restartPolicy": "OnFailure",
                                                                              "containers": [{"name": "c", "image": "x"}]}}}}}}
    _, errs = check("batch/v1/CronJob", cj)
    assert strs(errs) == [
        'spec.schedule: Invalid value: "x": expected exactly 5 fields, found 1: [x]',
        'spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus',
        'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
        f'metadata.name: Invalid value: "{"c" * 53}": must be no more than 52 characters',
    ]


@pytest.mark.parametrize("schedule,error", [
    ("@hourly", None), ("*/15 9-17 * * mon-fri", None), ("0 0 1 JAN *", None), ("@every 1h30m", None),
    ("60 * * * *", "end of range (60) above maximum (59): 60"),
    ("* * * * 7", "end of range (7) above maximum (6): 7"),
    ("*/0 * * * *", "step of range should be a positive number: */0"),
    ("a * * * *", 'failed to parse int from a: strconv.Atoi: parsing "a": invalid syntax'),
    ("@weird", "unrecognized descriptor: @weird"),
    ("@every x", 'failed to parse duration @every x: time: invalid duration "x"'),
    ("5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"),
    ("* * * *", "expected exactly 5 fields, found 4: [* * * *]"),
])
def test_cron_parser(schedule, error):
    assert v.parse_cron_standard(schedule) == error


def test_cronjob_tz_in_schedule():
    cj = {"metadata": {"name": "c"}, "spec": {"schedule": "CRON_TZ=UTC 0 * * * *", "jobTemplate": {"spec": {
        "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "x"}]}}}}}}
    _, errs = check("batch/v1/CronJob", cj)
    assert strs(errs) == ['spec.schedule: Invalid value: "CRON_TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in '
                          'schedule, use timeZone field instead']


# --------------------------------------------------------------------------------------------
# Service, Endpoints, EndpointSlice


def test_service_ports_required_and_port_rules():
    o, errs = check("v1/Service", service(ports=[]))
    assert message("Service", o, errs) == 'Service "web" is invalid: spec.ports: Required value'
    _, errs = check("v1/Service", service(ports=[{"port": 80}, {"port": 80, "name": "b"}, {"port": 0, "name": "c"}]))
    assert strs(errs) == [
        "spec.ports[0].name: Required value",
        "spec.ports[2].port: Invalid value: 0: must be between 1 and 65535, inclusive",
        "spec.ports[2].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive",
        'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), '
        'Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
    ]


def test_service_type_node_port_and_cluster_ip_none():
    _, errs = check("v1/Service", service(type="Balanced"))
    assert 'spec.type: Unsupported value: "Balanced": supported values: "ClusterIP", "ExternalName", ' \
           '"LoadBalancer", "NodePort"' in strs(errs)
    _, errs = check("v1/Service", service(type="NodePort", clusterIP="None"))
    assert strs(errs) == ['spec.clusterIPs[0]: Invalid value: "None": may not be set to \'None\' for NodePort '
                          'services']
    _, errs = check("v1/Service", service(ports=[{"port": 80, "nodePort": 30080}]))
    assert strs(errs) == ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]
    _, errs = check("v1/Service", {"metadata": {"name": "ext"}, "spec": {"type": "ExternalName"}})
    assert strs(errs) == ["spec.externalName: Required value"]
    _, errs = check("v1/Service", service(sessionAffinity="Sticky"))
    assert strs(errs) == ['spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"']


def test_service_cluster_ip_immutable_on_update():
    old = stored(prep("v1/Service", service(clusterIP="10.96.0.10")))
    new = copy.deepcopy(old)
    new["spec"]["clusterIP"] = new["spec"]["clusterIPs"][0] = "10.96.0.11"
    # 1.32 reports the plural field: ValidateServiceUpdate's validateUpgradeDowngradeClusterIPs.
    assert strs(v.validate("v1/Service", new, old)) == [
        'spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set']


def test_endpoints_and_endpoint_slice():
    _, errs = check("v1/Endpoints", {"metadata": {"name": "web"}, "subsets": [
        {"addresses": [{"ip": "127.0.0.1"}], "ports": [{"port": 80, "protocol": "TCP"}]}, {}]})
    assert strs(errs) == [
        'subsets[0].addresses[0].ip: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
        "subsets[1]: Required value: must specify `addresses` or `notReadyAddresses`",
    ]
    _, errs = check("discovery.k8s.io/v1/EndpointSlice", {"metadata": {"name": "web-abc"}, "addressType": "IPv5",
                                                           "endpoints": [{"addresses": []}]})
    assert strs(errs) == [
        'addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"',
        "endpoints[0].addresses: Required value: must contain at least 1 address",
    ]


# --------------------------------------------------------------------------------------------
# ConfigMap, Secret, Namespace, Node


def test_configmap_keys_size_and_immutability():
    o, errs = check("v1/ConfigMap", {"metadata": {"name": "cfg"}, "data": {"bad key": "v"}})
    assert message("ConfigMap", o, errs) == (
        'ConfigMap "cfg" is invalid: data[bad key]: Invalid value: "bad key": a valid config key must consist of '
        "alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for "
        "validation is '[-._a-zA-Z0-9]+')")
    _, errs = check("v1/ConfigMap", {"metadata": {"name": "cfg"}, "data": {"a": "x" * (1024 * 1024 + 1)}})
    assert strs(errs) == [": Too long: may not be more than 1048576 bytes"]
    old = stored(prep("v1/ConfigMap", {"metadata": {"name": "cfg"}, "data": {"a": "1"}, "immutable": True}))
    new = copy.deepcopy(old)
    new["data"]["a"] = "2"
    assert strs(v.validate("v1/ConfigMap", new, old)) == ["data: Forbidden: field is immutable when `immutable` is set"]


def test_secret_type_immutable_and_required_keys():
    old = stored(prep("v1/Secret", {"metadata": {"name": "s"}, "type": "Opaque", "data": {"a": "YQ=="}}))
    new = copy.deepcopy(old)
    new["type"] = "kubernetes.io/tls"
    assert strs(v.validate("v1/Secret", new, old)) == [
        'type: Invalid value: "kubernetes.io/tls": field is immutable',
        "data[tls.crt]: Required value", "data[tls.key]: Required value"]


def test_node_taints_and_pod_cidrs():
    _, errs = check("v1/Node", {"metadata": {"name": "node-1"}, "spec": {
        "podCIDRs": ["10.244.0.0/33"], "taints": [{"key": "k", "effect": "Sometimes"}]}})
    assert strs(errs) == [
        'metadata.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", '
        '"PreferNoSchedule", "NoExecute"',
        'spec.podCIDRs[0]: Invalid value: "10.244.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or '
        '2001:db8::/64)',
    ]


# --------------------------------------------------------------------------------------------
# PV, PVC, StorageClass


def test_pvc_required_fields():
    o, errs = check("v1/PersistentVolumeClaim", {"metadata": {"name": "c"}, "spec": {"resources": {}}})
    assert message("PersistentVolumeClaim", o, errs) == (
        'PersistentVolumeClaim "c" is invalid: [spec.accessModes: Required value: at least 1 access mode is required, '
        "spec.resources[storage]: Required value]")
    _, errs = check("v1/PersistentVolumeClaim", {"metadata": {"name": "c"}, "spec": {
        "accessModes": ["ReadWriteSometimes"], "resources": {"requests": {"storage": "0"}}}})
    assert strs(errs) == [
        'spec.accessModes: Unsupported value: "ReadWriteSometimes": supported values: "ReadOnlyMany", '
        '"ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
        'spec.resources[storage]: Invalid value: "0": must be greater than zero',
    ]


def test_pvc_spec_immutable_except_bound_resize():
    base = {"metadata": {"name": "c"}, "spec": {"accessModes": ["ReadWriteOnce"],
                                                 "resources": {"requests": {"storage": "1Gi"}}}}
    old = stored(prep("v1/PersistentVolumeClaim", base))
    new = copy.deepcopy(old)
    new["spec"]["accessModes"] = ["ReadWriteMany"]
    errs = v.validate("v1/PersistentVolumeClaim", new, old)
    assert [e.field for e in errs] == ["spec"]
    assert errs[0].detail.startswith("spec is immutable after creation except resources.requests and "
                                     "volumeAttributesClassName for bound claims\n")
    bound_old = copy.deepcopy(old)
    bound_old["status"] = {"phase": "Bound", "capacity": {"storage": "1Gi"}}
    grown = copy.deepcopy(bound_old)
    grown["spec"]["resources"]["requests"]["storage"] = "2Gi"
    assert v.validate("v1/PersistentVolumeClaim", grown, bound_old) == []


def test_pv_and_storage_class():
    _, errs = check("v1/PersistentVolume", {"metadata": {"name": "pv1"}, "spec": {
        "capacity": {"storage": "1Gi"}, "persistentVolumeReclaimPolicy": "Keep"}})
    assert strs(errs) == [
        "spec.accessModes: Required value",
        'spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"',
        "spec: Required value: must specify a volume type",
    ]
    _, errs = check("storage.k8s.io/v1/StorageClass", {"metadata": {"name": "sc"}, "reclaimPolicy": "Recycle"})
    assert strs(errs) == ["provisioner: Required value",
                          'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"']


# --------------------------------------------------------------------------------------------
# Other groups: one visible rule each


def test_ingress_network_policy_hpa():
    _, errs = check("networking.k8s.io/v1/Ingress", {"metadata": {"name": "i"}, "spec": {"rules": [{"http": {
        "paths": [{"path": "api", "pathType": "Prefix", "backend": {"service": {"name": "web"}}}]}}]}})
    assert strs(errs) == ['spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path',
                          "spec.rules[0].http.paths[0].backend: Required value: port name or number is required"]
    _, errs = check("networking.k8s.io/v1/NetworkPolicy", {"metadata": {"name": "np"}, "spec": {
        "podSelector": {}, "ingress": [{"from": [{}], "ports": [{"port": 70000}]}], "policyTypes": ["Sideways"]}})
    assert strs(errs) == [
        "spec.ingress[0].ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
        "spec.ingress[0].from[0]: Required value: must specify a peer",
        'spec.policyTypes[0]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"',
    ]
    _, errs = check("autoscaling/v2/HorizontalPodAutoscaler", {"metadata": {"name": "h"}, "spec": {
        "scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 5, "maxReplicas": 2}})
    assert strs(errs) == ["spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`"]


def test_rbac_priority_class_lease_pdb_limits_quota():
    old = stored(prep("rbac.authorization.k8s.io/v1/ClusterRoleBinding", {"metadata": {"name": "crb"}, "roleRef": {
        "apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"}, "subjects": [
        {"kind": "User", "name": "jane", "apiGroup": "rbac.authorization.k8s.io"}]}))
    new = copy.deepcopy(old)
    new["roleRef"]["name"] = "cluster-admin"
    errs = v.validate("rbac.authorization.k8s.io/v1/ClusterRoleBinding", new, old)
    assert message("ClusterRoleBinding", new, errs, "rbac.authorization.k8s.io") == (
        'ClusterRoleBinding.rbac.authorization.k8s.io "crb" is invalid: roleRef: Invalid value: rbac.RoleRef{'
        'APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"cluster-admin"}: cannot change roleRef')
    _, errs = check("rbac.authorization.k8s.io/v1/Role", {"metadata": {"name": "r"}, "rules": [{"apiGroups": [""]}]})
    assert strs(errs) == ["rules[0].verbs: Required value: verbs must contain at least one value",
                          "rules[0].resources: Required value: resource rules must supply at least one resource"]
    _, errs = check("scheduling.k8s.io/v1/PriorityClass", {"metadata": {"name": "high"}, "value": 2000000000})
    assert strs(errs) == ["value: Forbidden: maximum allowed value of a user defined priority is 1000000000"]
    _, errs = check("coordination.k8s.io/v1/Lease", {"metadata": {"name": "l"}, "spec": {"leaseDurationSeconds": 0}})
    assert strs(errs) == ["spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0"]
    _, errs = check("policy/v1/PodDisruptionBudget", {"metadata": {"name": "pdb"}, "spec": {"maxUnavailable": "150%"}})
    assert strs(errs) == ['spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: '
                          "must not be greater than 100%"]
    _, errs = check("policy/v1/PodDisruptionBudget", {"metadata": {"name": "a/b"}, "spec": {"minAvailable": 1}})
    assert strs(errs) == ['metadata.name: Invalid value: "a/b": may not contain \'/\'']
    _, errs = check("v1/LimitRange", {"metadata": {"name": "lr"}, "spec": {"limits": [
        {"type": "Pod", "min": {"cpu": "2"}, "max": {"cpu": "1"}}]}})
    assert strs(errs) == ['spec.limits[0].min[cpu]: Invalid value: 2: min value 2 is greater than max value 1']
    _, errs = check("v1/ResourceQuota", {"metadata": {"name": "q"}, "spec": {"hard": {"pods": "-1"}}})
    assert strs(errs) == ['spec.hard[pods]: Invalid value: "-1": must be greater than or equal to 0']


def test_controller_revision_and_unknown_kind():
    _, errs = check("apps/v1/ControllerRevision", {"metadata": {"name": "rev"}, "revision": -1})
    assert strs(errs) == ["data: Required value: data is mandatory",
                          "revision: Invalid value: -1: must be greater than or equal to 0"]
    assert strs(v.validate("v1/Event", {"metadata": {"name": "", "namespace": "default"}})) == [
        "metadata.name: Required value: name or generateName is required"]


def test_job_update_template_immutable_parallelism_mutable():
    old = stored(prep("batch/v1/Job", job()))
    scaled = copy.deepcopy(old)
    scaled["spec"]["parallelism"] = 3
    assert v.validate("batch/v1/Job", scaled, old) == []
    changed = copy.deepcopy(old)
    changed["spec"]["template"]["spec"]["containers"][0]["image"] = "perl:2"
    errs = v.validate("batch/v1/Job", changed, old)
    assert [(e.field, e.detail) for e in errs] == [("spec.template", "field is immutable")]
    assert str(errs[0]).startswith("spec.template: Invalid value: core.PodTemplateSpec{")


def test_status_subresource_generic_and_statefulset():
    old = stored(prep("apps/v1/StatefulSet", {"metadata": {"name": "db"}, "spec": {
        "selector": {"matchLabels": {"app": "db"}},
        "template": {"metadata": {"labels": {"app": "db"}}, "spec": {"containers": [{"name": "c", "image": "x"}]}}}}))
    new = copy.deepcopy(old)
    new["status"] = {"replicas": 1, "readyReplicas": -1, "collisionCount": 1}
    assert strs(v.validate_status("apps/v1/StatefulSet", new, old)) == [
        "status.readyReplicas: Invalid value: -1: must be greater than or equal to 0",
        "status.availableReplicas: Invalid value: 0: cannot be greater than status.readyReplicas"]
    no_rv = copy.deepcopy(old)
    del no_rv["metadata"]["resourceVersion"]
    errs = v.validate_status("apps/v1/StatefulSet", no_rv, old)
    # the generic update checks and the status strategy both report it; the message shows it once
    assert message("StatefulSet", no_rv, errs, "apps") == (
        'StatefulSet.apps "db" is invalid: metadata.resourceVersion: Invalid value: "": must be specified for an update')
