"""Defaulting (kube_lab.api.defaults) against what a 1.32 API server fills in."""
import copy

import pytest
import yaml

from kube_lab.api import defaults
from kube_lab.api.registry import RESOURCES
from tests.api.manifests import WORDPRESS


def key_of(obj):
    return f"{obj['apiVersion']}/{obj['kind']}"


def defaulted(obj):
    obj = copy.deepcopy(obj)
    defaults.default(key_of(obj), obj)
    return obj


def pod(*containers, **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
            "spec": {"containers": list(containers), **spec}}


def container(image="nginx:1.25", **fields):
    return {"name": "c", "image": image, **fields}


def template(*containers, labels=None, **spec):
    return {"metadata": {"labels": labels or {"app": "web"}},
            "spec": {"containers": list(containers) or [container()], **spec}}


def workload(kind, api_version="apps/v1", **spec):
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": "w"},
            "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": template(), **spec}}


# --------------------------------------------------------------------------------------------
# coverage

def test_every_served_kind_has_an_entry():
    assert {r.kind_key for r in RESOURCES} == set(defaults.DEFAULTERS)


def test_unknown_kind_is_left_alone():
    obj = {"spec": {}}
    defaults.default("example.com/v1/Widget", obj)
    assert obj == {"spec": {}}


# --------------------------------------------------------------------------------------------
# pods

def test_pod_spec_defaults():
    spec = defaulted(pod(container()))["spec"]
    assert spec["restartPolicy"] == "Always"
    assert spec["dnsPolicy"] == "ClusterFirst"
    assert spec["schedulerName"] == "default-scheduler"
    assert spec["terminationGracePeriodSeconds"] == 30
    assert spec["securityContext"] == {}
    assert spec["enableServiceLinks"] is True
    assert "preemptionPolicy" not in spec and "priority" not in spec  # admission's business


def test_container_defaults():
    c = defaulted(pod(container(ports=[{"containerPort": 80}])))["spec"]["containers"][0]
    assert c["terminationMessagePath"] == "/dev/termination-log"
    assert c["terminationMessagePolicy"] == "File"
    assert c["imagePullPolicy"] == "IfNotPresent"
    assert c["ports"] == [{"containerPort": 80, "protocol": "TCP"}]


@pytest.mark.parametrize("image, policy", [
    ("nginx", "Always"),
    ("nginx:latest", "Always"),
    ("docker.io/library/nginx", "Always"),
    ("localhost:5000/team/app", "Always"),
    ("nginx:1.25", "IfNotPresent"),
    ("gcr.io/google-samples/kubernetes-bootcamp:v1", "IfNotPresent"),
    ("nginx@sha256:" + "0" * 64, "IfNotPresent"),
    ("nginx:latest@sha256:" + "0" * 64, "Always"),
    ("Nginx", "IfNotPresent"),  # unparsable: upstream ignores the error, tag is ""
    ("", "IfNotPresent"),
])
def test_image_pull_policy(image, policy):
    c = defaulted(pod(container(image)))["spec"]["containers"][0]
    assert c["imagePullPolicy"] == policy


def test_init_and_ephemeral_containers_get_container_defaults():
    spec = defaulted(pod(container(), initContainers=[container("busybox")],
                         ephemeralContainers=[container("busybox:1.36")]))["spec"]
    assert spec["initContainers"][0]["imagePullPolicy"] == "Always"
    assert spec["ephemeralContainers"][0]["imagePullPolicy"] == "IfNotPresent"
    assert spec["ephemeralContainers"][0]["terminationMessagePolicy"] == "File"


def test_probe_defaults():
    c = container(livenessProbe={"httpGet": {"port": 8080}},
                  readinessProbe={"tcpSocket": {"port": 8080}, "periodSeconds": 5},
                  startupProbe={"exec": {"command": ["true"]}, "failureThreshold": 30})
    c = defaulted(pod(c))["spec"]["containers"][0]
    assert c["livenessProbe"] == {"httpGet": {"port": 8080, "path": "/", "scheme": "HTTP"},
                                  "timeoutSeconds": 1, "periodSeconds": 10,
                                  "successThreshold": 1, "failureThreshold": 3}
    assert c["readinessProbe"]["periodSeconds"] == 5
    assert c["readinessProbe"]["timeoutSeconds"] == 1
    assert c["startupProbe"]["failureThreshold"] == 30


def test_lifecycle_http_get_defaults():
    c = container(lifecycle={"preStop": {"httpGet": {"port": 80, "path": "/quit"}}})
    handler = defaulted(pod(c))["spec"]["containers"][0]["lifecycle"]["preStop"]["httpGet"]
    assert handler == {"port": 80, "path": "/quit", "scheme": "HTTP"}


def test_env_field_ref_api_version():
    env = [{"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
           {"name": "PASS", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]
    out = defaulted(pod(container(env=env)))["spec"]["containers"][0]["env"]
    assert out[0]["valueFrom"]["fieldRef"] == {"fieldPath": "spec.nodeName", "apiVersion": "v1"}
    assert out[1]["valueFrom"] == {"secretKeyRef": {"name": "s", "key": "k"}}


def test_requests_copied_from_limits_on_pods_only():
    c = container(resources={"limits": {"cpu": "500m", "memory": "128Mi"},
                             "requests": {"cpu": "100m"}})
    res = defaulted(pod(c))["spec"]["containers"][0]["resources"]
    assert res["requests"] == {"cpu": "100m", "memory": "128Mi"}
    only_limits = container(resources={"limits": {"cpu": "1"}})
    assert defaulted(pod(only_limits))["spec"]["containers"][0]["resources"]["requests"] == {
        "cpu": "1"}
    deploy = workload("Deployment")
    deploy["spec"]["template"]["spec"]["containers"] = [copy.deepcopy(only_limits)]
    res = defaulted(deploy)["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert "requests" not in res


def test_host_network_ports():
    spec = defaulted(pod(container(ports=[{"containerPort": 53}]), hostNetwork=True))["spec"]
    assert spec["containers"][0]["ports"][0]["hostPort"] == 53


def test_volume_defaults():
    volumes = [
        {"name": "scratch"},
        {"name": "cfg", "configMap": {"name": "cfg"}},
        {"name": "sec", "secret": {"secretName": "sec", "defaultMode": 0o400}},
        {"name": "host", "hostPath": {"path": "/var/log"}},
        {"name": "info", "downwardAPI": {"items": [{"path": "labels",
                                                   "fieldRef": {"fieldPath": "metadata.labels"}}]}},
        {"name": "proj", "projected": {"sources": [{"serviceAccountToken": {"path": "token"}}]}},
        {"name": "data", "persistentVolumeClaim": {"claimName": "data"}},
        {"name": "eph", "ephemeral": {"volumeClaimTemplate": {"spec": {"accessModes": ["RWO"]}}}},
    ]
    out = {v["name"]: v for v in defaulted(pod(container(), volumes=volumes))["spec"]["volumes"]}
    assert out["scratch"] == {"name": "scratch", "emptyDir": {}}
    assert out["cfg"]["configMap"]["defaultMode"] == 420
    assert out["sec"]["secret"]["defaultMode"] == 0o400
    assert out["host"]["hostPath"] == {"path": "/var/log", "type": ""}
    assert out["info"]["downwardAPI"]["defaultMode"] == 420
    assert out["info"]["downwardAPI"]["items"][0]["fieldRef"]["apiVersion"] == "v1"
    assert out["proj"]["projected"]["defaultMode"] == 420
    assert out["proj"]["projected"]["sources"][0]["serviceAccountToken"]["expirationSeconds"] == 3600
    assert out["data"] == {"name": "data", "persistentVolumeClaim": {"claimName": "data"}}
    assert out["eph"]["ephemeral"]["volumeClaimTemplate"]["spec"]["volumeMode"] == "Filesystem"


def test_explicit_values_are_kept():
    c = container("nginx", imagePullPolicy="Never", terminationMessagePolicy="FallbackToLogsOnError",
                  ports=[{"containerPort": 53, "protocol": "UDP"}])
    spec = defaulted(pod(c, restartPolicy="Never", dnsPolicy="Default", schedulerName="mine",
                         terminationGracePeriodSeconds=0, enableServiceLinks=False,
                         securityContext={"runAsUser": 1000}))["spec"]
    assert (spec["restartPolicy"], spec["dnsPolicy"], spec["schedulerName"]) == (
        "Never", "Default", "mine")
    assert spec["terminationGracePeriodSeconds"] == 0  # a pointer: explicit 0 stays
    assert spec["enableServiceLinks"] is False
    assert spec["securityContext"] == {"runAsUser": 1000}
    c = spec["containers"][0]
    assert c["imagePullPolicy"] == "Never"
    assert c["terminationMessagePolicy"] == "FallbackToLogsOnError"
    assert c["ports"][0]["protocol"] == "UDP"


# --------------------------------------------------------------------------------------------
# workloads

def test_pod_templates_get_pod_spec_defaults():
    cron = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
            "spec": {"schedule": "* * * * *",
                     "jobTemplate": {"spec": {"template": template(restartPolicy="OnFailure")}}}}
    podtemplate = {"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "t"},
                   "template": template()}
    rc = {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "r"},
          "spec": {"template": template()}}
    cases = [
        (workload("Deployment"), ("spec", "template", "spec")),
        (workload("ReplicaSet"), ("spec", "template", "spec")),
        (workload("StatefulSet", serviceName="s"), ("spec", "template", "spec")),
        (workload("DaemonSet"), ("spec", "template", "spec")),
        (workload("Job", "batch/v1"), ("spec", "template", "spec")),
        (cron, ("spec", "jobTemplate", "spec", "template", "spec")),
        (podtemplate, ("template", "spec")),
        (rc, ("spec", "template", "spec")),
    ]
    for obj, path in cases:
        spec = defaulted(obj)
        for step in path:
            spec = spec[step]
        assert spec["dnsPolicy"] == "ClusterFirst", obj["kind"]
        assert spec["schedulerName"] == "default-scheduler", obj["kind"]
        assert spec["securityContext"] == {}, obj["kind"]
        assert spec["containers"][0]["imagePullPolicy"] == "IfNotPresent", obj["kind"]
        assert "enableServiceLinks" not in spec, obj["kind"]  # Pod-only default


def test_deployment_defaults():
    spec = defaulted(workload("Deployment"))["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "RollingUpdate",
                                "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}}
    assert spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600
    assert "minReadySeconds" not in spec


def test_deployment_recreate_and_explicit_values():
    spec = defaulted(workload("Deployment", replicas=0, strategy={"type": "Recreate"},
                              revisionHistoryLimit=0))["spec"]
    assert spec["replicas"] == 0
    assert spec["strategy"] == {"type": "Recreate"}
    assert spec["revisionHistoryLimit"] == 0
    spec = defaulted(workload("Deployment", strategy={"rollingUpdate": {"maxSurge": 1}}))["spec"]
    assert spec["strategy"]["rollingUpdate"] == {"maxSurge": 1, "maxUnavailable": "25%"}


def test_replica_set_and_replication_controller():
    assert defaulted(workload("ReplicaSet"))["spec"]["replicas"] == 1
    rc = {"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "r"},
          "spec": {"template": template(labels={"app": "db", "tier": "be"})}}
    out = defaulted(rc)
    assert out["spec"]["replicas"] == 1
    assert out["spec"]["selector"] == {"app": "db", "tier": "be"}
    assert out["metadata"]["labels"] == {"app": "db", "tier": "be"}
    rc["spec"]["selector"] = {"app": "db"}
    rc["metadata"]["labels"] = {"team": "x"}
    out = defaulted(rc)
    assert out["spec"]["selector"] == {"app": "db"}
    assert out["metadata"]["labels"] == {"team": "x"}


def test_stateful_set_defaults():
    sts = workload("StatefulSet", serviceName="db", volumeClaimTemplates=[
        {"metadata": {"name": "data"},
         "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}])
    spec = defaulted(sts)["spec"]
    assert spec["podManagementPolicy"] == "OrderedReady"
    assert spec["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert spec["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain",
                                                            "whenScaled": "Retain"}
    assert spec["replicas"] == 1
    assert spec["revisionHistoryLimit"] == 10
    assert "minReadySeconds" not in spec
    claim = spec["volumeClaimTemplates"][0]
    assert claim["spec"]["volumeMode"] == "Filesystem"
    assert claim["status"] == {"phase": "Pending"}
    # An explicit RollingUpdate type without a rollingUpdate block gets none.
    spec = defaulted(workload("StatefulSet", updateStrategy={"type": "RollingUpdate"}))["spec"]
    assert spec["updateStrategy"] == {"type": "RollingUpdate"}
    spec = defaulted(workload("StatefulSet", updateStrategy={"type": "OnDelete"}))["spec"]
    assert spec["updateStrategy"] == {"type": "OnDelete"}


def test_daemon_set_defaults():
    spec = defaulted(workload("DaemonSet"))["spec"]
    assert spec["updateStrategy"] == {"type": "RollingUpdate",
                                      "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}
    assert spec["revisionHistoryLimit"] == 10


def test_job_defaults():
    job = workload("Job", "batch/v1")
    del job["spec"]["selector"]
    job["spec"]["template"]["spec"]["restartPolicy"] = "Never"
    out = defaulted(job)
    spec = out["spec"]
    assert (spec["completions"], spec["parallelism"], spec["backoffLimit"]) == (1, 1, 6)
    assert spec["completionMode"] == "NonIndexed"
    assert spec["suspend"] is False
    assert spec["podReplacementPolicy"] == "TerminatingOrFailed"
    assert spec["manualSelector"] is False
    assert out["metadata"]["labels"] == {"app": "web"}  # from the template
    assert spec["template"]["spec"]["restartPolicy"] == "Never"


def test_job_variants():
    spec = defaulted(workload("Job", "batch/v1", parallelism=3))["spec"]
    assert spec["parallelism"] == 3 and "completions" not in spec
    spec = defaulted(workload("Job", "batch/v1", completions=5))["spec"]
    assert (spec["completions"], spec["parallelism"]) == (5, 1)
    spec = defaulted(workload("Job", "batch/v1", completionMode="Indexed", completions=3,
                              backoffLimitPerIndex=1))["spec"]
    assert spec["backoffLimit"] == 2147483647
    policy = {"rules": [{"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}]}
    spec = defaulted(workload("Job", "batch/v1", podFailurePolicy=policy))["spec"]
    assert spec["podReplacementPolicy"] == "Failed"
    assert spec["podFailurePolicy"]["rules"][0]["onPodConditions"][0]["status"] == "True"


def test_job_without_restart_policy_defaults_to_always():
    """Why a Job without restartPolicy is rejected: the template is defaulted to Always first."""
    spec = defaulted(workload("Job", "batch/v1"))["spec"]
    assert spec["template"]["spec"]["restartPolicy"] == "Always"


def test_cron_job_defaults():
    cron = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
            "spec": {"schedule": "*/5 * * * *",
                     "jobTemplate": {"spec": {"template": template(restartPolicy="OnFailure")}}}}
    spec = defaulted(cron)["spec"]
    assert spec["concurrencyPolicy"] == "Allow"
    assert spec["suspend"] is False
    assert spec["successfulJobsHistoryLimit"] == 3
    assert spec["failedJobsHistoryLimit"] == 1
    job_spec = spec["jobTemplate"]["spec"]
    assert "backoffLimit" not in job_spec  # SetDefaults_Job does not run on templates
    assert job_spec["template"]["spec"]["restartPolicy"] == "OnFailure"


# --------------------------------------------------------------------------------------------
# services and networking

def service(**spec):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}], **spec}}


def test_service_defaults():
    spec = defaulted(service())["spec"]
    assert spec["type"] == "ClusterIP"
    assert spec["sessionAffinity"] == "None"
    assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    assert spec["internalTrafficPolicy"] == "Cluster"
    assert "externalTrafficPolicy" not in spec
    assert "allocateLoadBalancerNodePorts" not in spec


def test_service_target_port_kept_when_given():
    spec = defaulted(service(ports=[{"port": 80, "targetPort": "http"},
                                    {"port": 443, "targetPort": 8443, "protocol": "TCP"}]))["spec"]
    assert [p["targetPort"] for p in spec["ports"]] == ["http", 8443]


def test_service_node_port_and_load_balancer():
    spec = defaulted(service(type="NodePort"))["spec"]
    assert spec["externalTrafficPolicy"] == "Cluster"
    assert spec["internalTrafficPolicy"] == "Cluster"
    spec = defaulted(service(type="LoadBalancer"))["spec"]
    assert spec["externalTrafficPolicy"] == "Cluster"
    assert spec["allocateLoadBalancerNodePorts"] is True
    spec = defaulted(service(externalIPs=["192.0.2.10"]))["spec"]
    assert spec["externalTrafficPolicy"] == "Cluster"
    spec = defaulted(service(type="ExternalName", externalName="example.com", ports=[]))["spec"]
    assert "internalTrafficPolicy" not in spec and "externalTrafficPolicy" not in spec


def test_service_session_affinity():
    spec = defaulted(service(sessionAffinity="ClientIP"))["spec"]
    assert spec["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}
    spec = defaulted(service(sessionAffinityConfig={"clientIP": {"timeoutSeconds": 60}}))["spec"]
    assert "sessionAffinityConfig" not in spec  # dropped with affinity None


def test_service_ip_families():
    svc = defaulted(service())
    assert defaults.default_service_ip_families(svc) == []
    assert svc["spec"]["ipFamilyPolicy"] == "SingleStack"
    assert svc["spec"]["ipFamilies"] == ["IPv4"]
    headless = defaulted(service(clusterIP="None"))
    assert defaults.default_service_ip_families(headless) == []
    assert headless["spec"]["clusterIPs"] == ["None"]
    assert headless["spec"]["ipFamilyPolicy"] == "SingleStack"
    assert headless["spec"]["ipFamilies"] == ["IPv4"]
    selectorless = defaulted(service(clusterIP="None"))
    del selectorless["spec"]["selector"]
    assert defaults.default_service_ip_families(selectorless) == []
    assert selectorless["spec"]["ipFamilyPolicy"] == "RequireDualStack"
    assert selectorless["spec"]["ipFamilies"] == ["IPv4", "IPv6"]
    fixed = defaulted(service(clusterIP="10.96.0.10"))
    defaults.default_service_ip_families(fixed)
    assert fixed["spec"]["clusterIPs"] == ["10.96.0.10"]
    external = defaulted(service(type="ExternalName", externalName="example.com"))
    defaults.default_service_ip_families(external)
    assert "ipFamilies" not in external["spec"] and "ipFamilyPolicy" not in external["spec"]


def test_service_ip_families_errors_on_single_stack_cluster():
    errs = defaults.default_service_ip_families(defaulted(service(ipFamilyPolicy="RequireDualStack")))
    assert [str(e) for e in errs] == [
        'spec.ipFamilyPolicy: Invalid value: "RequireDualStack": '
        "this cluster is not configured for dual-stack services"]
    errs = defaults.default_service_ip_families(defaulted(service(ipFamilies=["IPv6"])))
    assert [str(e) for e in errs] == [
        'spec.ipFamilies[0]: Invalid value: "IPv6": not configured on this cluster']


def test_endpoints_and_endpoint_slices():
    ep = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "e"},
          "subsets": [{"addresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 80}]}]}
    assert defaulted(ep)["subsets"][0]["ports"] == [{"port": 80, "protocol": "TCP"}]
    es = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "e"},
          "addressType": "IPv4", "endpoints": [], "ports": [{"port": 80}]}
    assert defaulted(es)["ports"] == [{"port": 80, "name": "", "protocol": "TCP"}]


def test_network_policy_defaults():
    np = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "n"},
          "spec": {"podSelector": {}, "ingress": [{"ports": [{"port": 80}]}]}}
    spec = defaulted(np)["spec"]
    assert spec["policyTypes"] == ["Ingress"]
    assert spec["ingress"][0]["ports"] == [{"port": 80, "protocol": "TCP"}]
    np["spec"]["egress"] = [{"to": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}]
    assert defaulted(np)["spec"]["policyTypes"] == ["Ingress", "Egress"]
    np["spec"]["policyTypes"] = ["Egress"]
    assert defaulted(np)["spec"]["policyTypes"] == ["Egress"]


def test_ingress_has_no_defaults_but_ingress_class_scope():
    ing = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": {"name": "i"},
           "spec": {"rules": [{"http": {"paths": [{"path": "/", "backend": {
               "service": {"name": "s", "port": {"number": 80}}}}]}}]}}
    assert defaulted(ing) == ing  # no pathType default in networking.k8s.io/v1
    ic = {"apiVersion": "networking.k8s.io/v1", "kind": "IngressClass", "metadata": {"name": "c"},
          "spec": {"controller": "example.com/c", "parameters": {"kind": "P", "name": "p"}}}
    assert defaulted(ic)["spec"]["parameters"]["scope"] == "Cluster"


# --------------------------------------------------------------------------------------------
# storage, config, policy, RBAC, autoscaling

def test_secret_type():
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
              "stringData": {"password": "x"}}
    assert defaulted(secret)["type"] == "Opaque"
    secret["type"] = "kubernetes.io/tls"
    assert defaulted(secret)["type"] == "kubernetes.io/tls"


def test_persistent_volume_and_claim():
    pv = {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv"},
          "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                   "hostPath": {"path": "/data"}}}
    out = defaulted(pv)
    assert out["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert out["spec"]["volumeMode"] == "Filesystem"
    assert out["spec"]["hostPath"]["type"] == ""
    assert out["status"] == {"phase": "Pending"}
    pvc = yaml.safe_load(WORDPRESS.split("---")[1])
    out = defaulted(pvc)
    assert out["spec"]["volumeMode"] == "Filesystem"
    assert out["status"] == {"phase": "Pending"}
    assert "storageClassName" not in out["spec"]  # DefaultStorageClass admission, not defaulting


def test_namespace_defaults_and_create_strategy():
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev"}}
    out = defaulted(ns)
    assert out["metadata"]["labels"] == {"kubernetes.io/metadata.name": "dev"}
    assert out["status"] == {"phase": "Active"}
    assert "spec" not in out  # finalizers come from the REST strategy, not defaulting
    defaults.prepare_namespace_for_create(out)
    assert out["spec"] == {"finalizers": ["kubernetes"]}
    assert out["status"] == {"phase": "Active"}


def test_node_allocatable_from_capacity():
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"},
            "status": {"capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"}}}
    assert defaulted(node)["status"]["allocatable"] == {"cpu": "4", "memory": "8Gi", "pods": "110"}


def test_limit_range_defaults():
    lr = {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "l"},
          "spec": {"limits": [{"type": "Container", "max": {"cpu": "2", "memory": "1Gi"},
                               "min": {"cpu": "100m", "ephemeral-storage": "1Mi"},
                               "default": {"memory": "512Mi"}},
                              {"type": "Pod", "max": {"cpu": "4"}}]}}
    item, pod_item = defaulted(lr)["spec"]["limits"]
    assert item["default"] == {"memory": "512Mi", "cpu": "2"}
    assert item["defaultRequest"] == {"memory": "512Mi", "cpu": "2", "ephemeral-storage": "1Mi"}
    assert pod_item == {"type": "Pod", "max": {"cpu": "4"}}


def test_storage_class_and_priority_class():
    sc = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "s"},
          "provisioner": "rancher.io/local-path"}
    out = defaulted(sc)
    assert (out["reclaimPolicy"], out["volumeBindingMode"]) == ("Delete", "Immediate")
    pc = {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "p"},
          "value": 1000}
    assert defaulted(pc)["preemptionPolicy"] == "PreemptLowerPriority"


def test_role_binding_api_groups():
    rb = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
          "metadata": {"name": "r"}, "roleRef": {"kind": "Role", "name": "reader"},
          "subjects": [{"kind": "User", "name": "jane"}, {"kind": "Group", "name": "devs"},
                       {"kind": "ServiceAccount", "name": "default", "namespace": "dev"}]}
    out = defaulted(rb)
    assert out["roleRef"]["apiGroup"] == "rbac.authorization.k8s.io"
    assert [s["apiGroup"] for s in out["subjects"]] == [
        "rbac.authorization.k8s.io", "rbac.authorization.k8s.io", ""]
    crb = dict(copy.deepcopy(rb), kind="ClusterRoleBinding")
    assert defaulted(crb)["subjects"][0]["apiGroup"] == "rbac.authorization.k8s.io"


def test_hpa_defaults():
    hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
           "metadata": {"name": "h"},
           "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "w"},
                    "maxReplicas": 5}}
    spec = defaulted(hpa)["spec"]
    assert spec["minReplicas"] == 1
    assert spec["metrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]
    assert "behavior" not in spec  # only filled in when given
    hpa["spec"]["behavior"] = {"scaleDown": {"stabilizationWindowSeconds": 60}}
    behavior = defaulted(hpa)["spec"]["behavior"]
    assert behavior["scaleUp"] == {
        "stabilizationWindowSeconds": 0, "selectPolicy": "Max",
        "policies": [{"type": "Pods", "value": 4, "periodSeconds": 15},
                     {"type": "Percent", "value": 100, "periodSeconds": 15}]}
    assert behavior["scaleDown"] == {
        "stabilizationWindowSeconds": 60, "selectPolicy": "Max",
        "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}
    hpa["spec"]["behavior"] = {"scaleUp": {"selectPolicy": "Disabled"}}
    behavior = defaulted(hpa)["spec"]["behavior"]
    assert behavior["scaleUp"]["selectPolicy"] == "Disabled"
    assert "stabilizationWindowSeconds" not in behavior["scaleDown"]


def test_kinds_without_defaulters_are_untouched():
    objs = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "s"}},
        {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "q"},
         "spec": {"hard": {"pods": "10"}}},
        {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "p"},
         "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}}},
        {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "l"},
         "spec": {}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "r"},
         "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}]},
    ]
    for obj in objs:
        assert defaulted(obj) == obj, obj["kind"]


# --------------------------------------------------------------------------------------------
# the seed's WordPress manifests, and idempotence

def test_wordpress_manifests():
    svc, pvc, deploy = (defaulted(d) for d in yaml.safe_load_all(WORDPRESS))
    assert svc["spec"]["ports"] == [{"port": 3306, "protocol": "TCP", "targetPort": 3306}]
    assert svc["spec"]["clusterIP"] == "None"
    assert deploy["spec"]["strategy"] == {"type": "Recreate"}
    c = deploy["spec"]["template"]["spec"]["containers"][0]
    assert c["imagePullPolicy"] == "IfNotPresent"
    assert c["ports"] == [{"containerPort": 3306, "name": "mysql", "protocol": "TCP"}]
    assert c["env"][0]["valueFrom"] == {"secretKeyRef": {"name": "mysql-pass", "key": "password"}}
    assert deploy["spec"]["template"]["spec"]["volumes"] == [
        {"name": "mysql-persistent-storage", "persistentVolumeClaim": {"claimName": "mysql-pv-claim"}}]


def idempotence_cases():
    docs = list(yaml.safe_load_all(WORDPRESS))
    docs += [
        pod(container("nginx", resources={"limits": {"cpu": "1"}},
                      livenessProbe={"httpGet": {"port": 80}}),
            volumes=[{"name": "v"}], hostNetwork=True),
        workload("Deployment"), workload("StatefulSet", serviceName="s"), workload("DaemonSet"),
        workload("Job", "batch/v1"), service(sessionAffinity="ClientIP", type="LoadBalancer"),
        {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "h"},
         "spec": {"maxReplicas": 3, "behavior": {}}},
        {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "l"},
         "spec": {"limits": [{"type": "Container", "max": {"cpu": "1"}}]}},
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}},
    ]
    return docs


@pytest.mark.parametrize("obj", idempotence_cases(), ids=lambda o: o["kind"])
def test_defaulting_is_idempotent(obj):
    once = defaulted(obj)
    twice = defaulted(once)
    assert twice == once


def test_idempotent_for_random_pods():
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies

    images = st.sampled_from(["nginx", "nginx:1.25", "busybox:latest", "registry.k8s.io/pause:3.10"])
    ports = st.lists(st.fixed_dictionaries({"containerPort": st.integers(1, 65535)},
                                           optional={"protocol": st.sampled_from(["TCP", "UDP"])}),
                     max_size=2)
    containers = st.lists(st.fixed_dictionaries(
        {"name": st.just("c"), "image": images},
        optional={"ports": ports,
                  "imagePullPolicy": st.sampled_from(["Always", "Never"]),
                  "readinessProbe": st.fixed_dictionaries(
                      {"tcpSocket": st.just({"port": 80})},
                      optional={"periodSeconds": st.integers(1, 30)}),
                  "resources": st.fixed_dictionaries(
                      {}, optional={"limits": st.just({"cpu": "1"}),
                                    "requests": st.just({"memory": "1Gi"})})}),
        min_size=1, max_size=3)
    specs = st.fixed_dictionaries({"containers": containers},
                                  optional={"restartPolicy": st.sampled_from(["Never", "OnFailure"]),
                                            "hostNetwork": st.booleans()})

    @hypothesis.settings(max_examples=60, deadline=None)
    @hypothesis.given(specs)
    def check(spec):
        obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}
        once = defaulted(obj)
        assert defaulted(once) == once
        for given, out in zip(spec["containers"], once["spec"]["containers"]):
            for key, value in given.items():
                if key not in ("ports", "readinessProbe", "resources"):
                    assert out[key] == value

    check()
