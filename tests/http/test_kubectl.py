"""The real kubectl (v1.32, on PATH) against the served cluster.

Skipped with a clear reason when no kubectl binary exists.  Scenarios that need running pods
(rollout status, logs of a running container) skip themselves while the components they need —
deployment controller, scheduler, kubelets — are not part of the cluster yet.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import time

import pytest
import yaml

KUBECTL = shutil.which("kubectl")

pytestmark = pytest.mark.skipif(KUBECTL is None, reason="no kubectl binary on PATH: the real-kubectl "
                                                        "interop tests need one")


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, f"kubectl failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result.stdout


def has_controller(lab, name: str) -> bool:
    return name in getattr(lab.cluster.controller_manager, "controllers", {})


def pods_can_run(lab) -> bool:
    """Deployments become running pods only with the deployment + replicaset controllers, a
    scheduler and kubelets."""
    return (has_controller(lab, "deployment") and has_controller(lab, "replicaset")
            and getattr(lab.cluster, "scheduler", None) is not None
            and bool(getattr(lab.cluster, "machines", None)))


def test_version_and_api_resources(lab):
    out = ok(lab.kubectl("version", "-o", "json"))
    assert json.loads(out)["serverVersion"]["minor"] == "32"
    out = ok(lab.kubectl("api-resources"))
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    assert "deployments                deploy       apps/v1                        true         Deployment" in lines
    assert any(line.split() == ["pods", "po", "v1", "true", "Pod"] for line in lines)


def test_get_nodes_prints_the_server_side_table(lab):
    out = ok(lab.kubectl("get", "nodes"))
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert lines[1].split()[:3] == ["kind-control-plane", "Ready", "control-plane"]
    wide = ok(lab.kubectl("get", "nodes", "-o", "wide")).splitlines()
    assert "INTERNAL-IP" in wide[0].split()
    assert "172.18.0.2" in wide[1].split()


def test_missing_objects_and_types(lab):
    r = lab.kubectl("get", "pod", "nope")
    assert r.returncode == 1
    assert r.stderr.strip() == 'Error from server (NotFound): pods "nope" not found'
    r = lab.kubectl("get", "widgets")
    assert r.returncode == 1
    assert r.stderr.strip() == 'error: the server doesn\'t have a resource type "widgets"'


def test_tutorial_commands_create_get_label_scale_set_image(lab):
    # create deployment sends protobuf
    assert ok(lab.kubectl("create", "deployment", "kubernetes-bootcamp",
                          "--image=gcr.io/google-samples/kubernetes-bootcamp:v1")).strip() == \
        "deployment.apps/kubernetes-bootcamp created"
    r = lab.kubectl("create", "deployment", "kubernetes-bootcamp", "--image=x")
    assert r.returncode == 1
    assert r.stderr.strip() == ('error: failed to create deployment: deployments.apps "kubernetes-bootcamp" '
                                "already exists")
    lines = ok(lab.kubectl("get", "deployments")).splitlines()
    assert lines[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert lines[1].split()[0] == "kubernetes-bootcamp"
    doc = yaml.safe_load(ok(lab.kubectl("get", "deployment", "kubernetes-bootcamp", "-o", "yaml")))
    assert doc["kind"] == "Deployment" and doc["apiVersion"] == "apps/v1"
    assert doc["spec"]["template"]["spec"]["containers"][0]["image"] == "gcr.io/google-samples/kubernetes-bootcamp:v1"
    assert doc["spec"]["template"]["metadata"]["labels"] == {"app": "kubernetes-bootcamp"}
    assert doc["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": "25%", "maxUnavailable": "25%"}
    js = json.loads(ok(lab.kubectl("get", "deployment", "kubernetes-bootcamp", "-o", "json")))
    assert js["metadata"]["uid"] == doc["metadata"]["uid"]
    assert ok(lab.kubectl("get", "deployments", "-o", "name")).splitlines() == ["deployment.apps/kubernetes-bootcamp"]
    assert ok(lab.kubectl("get", "deployment", "kubernetes-bootcamp", "-o",
                          "jsonpath={.metadata.name}:{.spec.replicas}")) == "kubernetes-bootcamp:1"
    cc = ok(lab.kubectl("get", "deployments", "-o", "custom-columns=NAME:.metadata.name,IMAGE:"
                        ".spec.template.spec.containers[0].image")).splitlines()
    assert cc[0].split() == ["NAME", "IMAGE"]
    assert cc[1].split() == ["kubernetes-bootcamp", "gcr.io/google-samples/kubernetes-bootcamp:v1"]
    # label (merge patch) and a label selector
    assert ok(lab.kubectl("label", "deployment", "kubernetes-bootcamp", "version=v1")).strip() == \
        "deployment.apps/kubernetes-bootcamp labeled"
    lines = ok(lab.kubectl("get", "deployments", "-l", "version=v1", "--show-labels")).splitlines()
    assert lines[1].split()[0] == "kubernetes-bootcamp"
    assert lines[1].split()[-1] == "app=kubernetes-bootcamp,version=v1"
    r = lab.kubectl("get", "deployments", "-l", "version=v2")
    assert r.stdout == "" and r.stderr.strip() == "No resources found in default namespace."
    # scale (merge patch on /scale) and set image (strategic merge patch)
    assert ok(lab.kubectl("scale", "deployments/kubernetes-bootcamp", "--replicas=4")).strip() == \
        "deployment.apps/kubernetes-bootcamp scaled"
    assert ok(lab.kubectl("set", "image", "deployments/kubernetes-bootcamp",
                          "kubernetes-bootcamp=docker.io/jocatalin/kubernetes-bootcamp:v2")).strip() == \
        "deployment.apps/kubernetes-bootcamp image updated"
    got = json.loads(ok(lab.kubectl("get", "deploy", "kubernetes-bootcamp", "-o", "json")))
    assert got["spec"]["replicas"] == 4
    assert got["spec"]["template"]["spec"]["containers"] == [
        {**got["spec"]["template"]["spec"]["containers"][0], "image": "docker.io/jocatalin/kubernetes-bootcamp:v2"}]
    assert len(got["spec"]["template"]["spec"]["containers"]) == 1
    # expose as a NodePort service
    assert ok(lab.kubectl("expose", "deployment/kubernetes-bootcamp", "--type=NodePort", "--port", "8080")).strip() \
        == "service/kubernetes-bootcamp exposed"
    svc = json.loads(ok(lab.kubectl("get", "service", "kubernetes-bootcamp", "-o", "json")))
    assert svc["spec"]["type"] == "NodePort" and 30000 <= svc["spec"]["ports"][0]["nodePort"] <= 32767
    assert svc["spec"]["selector"] == {"app": "kubernetes-bootcamp"}
    # describe reads the object and its events
    out = ok(lab.kubectl("describe", "deployment", "kubernetes-bootcamp"))
    assert "Name:                   kubernetes-bootcamp" in out
    assert "Replicas:               4 desired" in out
    assert "Image:         docker.io/jocatalin/kubernetes-bootcamp:v2" in out
    out = ok(lab.kubectl("describe", "service", "kubernetes-bootcamp"))
    assert "Type:                     NodePort" in out
    # delete
    assert ok(lab.kubectl("delete", "service", "kubernetes-bootcamp")).strip() == \
        'service "kubernetes-bootcamp" deleted'
    assert ok(lab.kubectl("delete", "deployment", "kubernetes-bootcamp")).strip() == \
        'deployment.apps "kubernetes-bootcamp" deleted'


@pytest.mark.parametrize("args, printed", [
    (("create", "namespace", "kc-ns"), "namespace/kc-ns created"),
    (("create", "configmap", "kc-cm", "--from-literal=a=b"), "configmap/kc-cm created"),
    (("create", "secret", "generic", "kc-secret", "--from-literal=pw=s3cret"), "secret/kc-secret created"),
    (("create", "service", "clusterip", "kc-svc", "--tcp=80:8080"), "service/kc-svc created"),
    (("create", "job", "kc-job", "--image=busybox", "--", "echo", "hi"), "job.batch/kc-job created"),
    (("create", "cronjob", "kc-cj", "--image=busybox", "--schedule=*/5 * * * *"), "cronjob.batch/kc-cj created"),
    (("create", "role", "kc-role", "--verb=get,list", "--resource=pods"),
     "role.rbac.authorization.k8s.io/kc-role created"),
    (("create", "rolebinding", "kc-rb", "--role=kc-role", "--user=alice"),
     "rolebinding.rbac.authorization.k8s.io/kc-rb created"),
    (("create", "clusterrole", "kc-cr", "--verb=get", "--resource=nodes"),
     "clusterrole.rbac.authorization.k8s.io/kc-cr created"),
    (("create", "serviceaccount", "kc-sa"), "serviceaccount/kc-sa created"),
    (("create", "quota", "kc-quota", "--hard=pods=3"), "resourcequota/kc-quota created"),
    (("create", "priorityclass", "kc-pc", "--value=1000"), "priorityclass.scheduling.k8s.io/kc-pc created"),
    (("create", "poddisruptionbudget", "kc-pdb", "--selector=app=x", "--min-available=1"),
     "poddisruptionbudget.policy/kc-pdb created"),
    (("create", "ingress", "kc-ing", "--rule=example.com/=kc-svc:80"), "ingress.networking.k8s.io/kc-ing created"),
])
def test_create_subcommands_send_protobuf(lab, args, printed):
    assert ok(lab.kubectl(*args)).strip() == printed


def test_create_secret_round_trips_bytes(lab):
    ok(lab.kubectl("create", "secret", "generic", "kc-bytes", "--from-literal=k=v\u00e9"))
    data = json.loads(ok(lab.kubectl("get", "secret", "kc-bytes", "-o", "json")))["data"]
    import base64

    assert base64.b64decode(data["k"]).decode() == "v\u00e9"


def test_apply_the_seed_manifests_twice(lab, seed_text):
    out = ok(lab.kubectl("apply", "-f", "-", stdin=seed_text))
    assert out.splitlines() == ["service/wordpress-mysql created", "persistentvolumeclaim/mysql-pv-claim created",
                                "deployment.apps/wordpress-mysql created"]
    out = ok(lab.kubectl("apply", "-f", "-", stdin=seed_text))
    assert out.splitlines() == ["service/wordpress-mysql unchanged", "persistentvolumeclaim/mysql-pv-claim unchanged",
                                "deployment.apps/wordpress-mysql unchanged"]
    changed = seed_text.replace("image: mysql:5.6", "image: mysql:5.7")
    out = ok(lab.kubectl("apply", "-f", "-", stdin=changed))
    assert "deployment.apps/wordpress-mysql configured" in out.splitlines()
    dep = json.loads(ok(lab.kubectl("get", "deploy", "wordpress-mysql", "-o", "json")))
    (container,) = dep["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "mysql:5.7" and container["env"][0]["valueFrom"]["secretKeyRef"]["key"] == "password"
    assert "kubectl.kubernetes.io/last-applied-configuration" in dep["metadata"]["annotations"]


def test_apply_validates_on_the_server(lab):
    bad = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kc-bad\ndata: {a: b}\ndatta: {}\n"
    r = lab.kubectl("apply", "-f", "-", stdin=bad)
    assert r.returncode == 1
    assert 'unknown field "datta"' in r.stderr
    old = "apiVersion: apps/v1beta1\nkind: Deployment\nmetadata:\n  name: old\n"
    r = lab.kubectl("apply", "-f", "-", stdin=old)
    assert r.returncode == 1
    assert 'no matches for kind "Deployment" in version "apps/v1beta1"' in r.stderr


def test_server_side_apply(lab):
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kc-ssa\ndata:\n  a: '1'\n"
    assert ok(lab.kubectl("apply", "--server-side", "-f", "-", stdin=cm)).strip() == "configmap/kc-ssa serverside-applied"
    out = yaml.safe_load(ok(lab.kubectl("get", "cm", "kc-ssa", "-o", "yaml", "--show-managed-fields")))
    (entry,) = out["metadata"]["managedFields"]
    assert entry["manager"] == "kubectl" and entry["operation"] == "Apply"
    assert entry["fieldsV1"] == {"f:data": {".": {}, "f:a": {}}}
    ok(lab.kubectl("patch", "cm", "kc-ssa", "--type=merge", "-p", '{"data":{"a":"2"}}'))
    r = lab.kubectl("apply", "--server-side", "-f", "-", stdin=cm)
    assert r.returncode == 1
    assert 'Apply failed with 1 conflict: conflict with "kubectl-patch" using v1: .data.a' in r.stderr
    assert ok(lab.kubectl("apply", "--server-side", "--force-conflicts", "-f", "-", stdin=cm)).strip() == \
        "configmap/kc-ssa serverside-applied"


def test_delete_with_grace_period_zero_and_force(lab):
    pod = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: kc-force\nspec:\n  containers:\n"
           "  - name: c\n    image: nginx\n")
    ok(lab.kubectl("apply", "-f", "-", stdin=pod))
    r = lab.kubectl("delete", "pod", "kc-force", "--grace-period=0", "--force")
    assert r.returncode == 0
    assert r.stdout.strip() == 'pod "kc-force" force deleted'
    assert r.stderr.startswith("Warning: Immediate deletion does not wait for confirmation that the running "
                               "resource has been terminated.")
    assert lab.kubectl("get", "pod", "kc-force").returncode == 1


def test_get_pods_watch_for_a_bounded_time(lab):
    import os

    env = dict(os.environ, KUBECONFIG=lab.server.kubeconfig_path, HOME=str(lab.tmp))
    proc = subprocess.Popen([KUBECTL, f"--cache-dir={lab.tmp}/kube-cache", "get", "pods", "-w", "-l", "watch=me"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        time.sleep(1.5)
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "kc-watched", "labels": {"watch": "me"}},
               "spec": {"schedulerName": "nobody", "containers": [{"name": "c", "image": "nginx"}]}}
        assert lab.request("POST", "/api/v1/namespaces/default/pods", body=pod).status == 201
        time.sleep(1.5)
        lab.request("DELETE", "/api/v1/namespaces/default/pods/kc-watched?gracePeriodSeconds=0")
        time.sleep(1.5)
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"], (out, err)
    assert lines[1].split()[:3] == ["kc-watched", "0/1", "Pending"]
    assert len(lines) >= 3 and all(line.split()[0] == "kc-watched" for line in lines[1:])


def test_logs_of_a_pod_on_a_node(lab):
    pod = ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: kc-logs\nspec:\n  schedulerName: nobody\n"
           "  containers:\n  - name: main\n    image: busybox\n")
    ok(lab.kubectl("apply", "-f", "-", stdin=pod))
    r = lab.kubectl("logs", "kc-logs")
    assert r.returncode == 0 and r.stdout == ""      # not on a node yet: nothing to read
    r = lab.kubectl("exec", "kc-logs", "--", "ls")
    assert r.returncode == 1
    assert "pod kc-logs does not have a host assigned" in r.stderr


def test_rollout_status_history_undo_and_logs(lab):
    if not pods_can_run(lab):
        pytest.skip("needs the deployment and replicaset controllers, kube-scheduler and kubelets, which are "
                    "not part of Cluster yet")
    ok(lab.kubectl("create", "deployment", "kc-roll", "--image=nginx:1.25", "--replicas=2"))
    out = ok(lab.kubectl("rollout", "status", "deployment/kc-roll", "--timeout=120s", timeout=150))
    assert out.strip().endswith('deployment "kc-roll" successfully rolled out')
    ok(lab.kubectl("set", "image", "deployment/kc-roll", "nginx=nginx:1.27"))
    ok(lab.kubectl("rollout", "status", "deployment/kc-roll", "--timeout=120s", timeout=150))
    history = ok(lab.kubectl("rollout", "history", "deployment/kc-roll")).splitlines()
    assert history[0] == "deployment.apps/kc-roll "
    assert [line.split()[0] for line in history[2:] if line.strip()] == ["1", "2"]
    assert ok(lab.kubectl("rollout", "undo", "deployment/kc-roll")).strip() == "deployment.apps/kc-roll rolled back"
    ok(lab.kubectl("rollout", "status", "deployment/kc-roll", "--timeout=120s", timeout=150))
    image = ok(lab.kubectl("get", "deploy", "kc-roll", "-o", "jsonpath={.spec.template.spec.containers[0].image}"))
    assert image == "nginx:1.25"
    r = lab.kubectl("logs", "deployment/kc-roll")
    assert r.returncode == 0
