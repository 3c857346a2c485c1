"""Every kubectl line of the seed article runs and does what the article says (with the objects it
assumes created first).  Outputs are kubectl v1.32's."""
from __future__ import annotations

import re

import pytest

from kube_lab import Cluster

NGINX_V1BETA1 = """apiVersion: apps/v1beta1
kind: Deployment
metadata:
  name: nginx-deployment
spec:
  replicas: 3
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:1.7.9
        ports:
        - containerPort: 80
"""

NGINX_V1 = NGINX_V1BETA1.replace("apps/v1beta1", "apps/v1").replace(
    "  template:", "  selector:\n    matchLabels:\n      app: nginx\n  template:")

NGINX_RC = """apiVersion: v1
kind: ReplicationController
metadata:
  name: nginx-controller
spec:
  replicas: 2
  selector:
    app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx
        ports:
        - containerPort: 80
"""

RECORD_WARNING = "Flag --record has been deprecated, --record will be removed in the future\n"


def strip_ages(text: str) -> str:
    return re.sub(r"\b\d+(s|m|h|d)\b", "AGE", text)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory):
    """The article's first steps: the nginx Deployment created from docs/user-guide."""
    root = tmp_path_factory.mktemp("seed")
    (root / "docs" / "user-guide").mkdir(parents=True)
    path = root / "docs" / "user-guide" / "nginx-deployment.yaml"
    path.write_text(NGINX_V1BETA1)
    c = Cluster(nodes=2)
    old = c.kubectl(f"create -f {path} --record")
    path.write_text(NGINX_V1)
    new = c.kubectl(f"create -f {path} --record")
    c.settle()
    return c, old, new, str(path)


def test_create_with_record(seeded):
    c, old, new, path = seeded
    # apps/v1beta1 is no longer served in 1.32: kubectl's mapping error
    assert old.exit_code == 1
    assert old.stderr == (RECORD_WARNING + 'error: resource mapping not found for name: "nginx-deployment" '
                          f'namespace: "" from "{path}": no matches for kind "Deployment" in version '
                          '"apps/v1beta1"\nensure CRDs are installed first\n')
    assert (new.stdout, new.stderr, new.exit_code) == ("deployment.apps/nginx-deployment created\n", RECORD_WARNING, 0)
    hist = c.kubectl("rollout history deployment/nginx-deployment")
    assert hist.stdout == ("deployment.apps/nginx-deployment \nREVISION  CHANGE-CAUSE\n"
                           f"1         kubectl create --filename={path} --record=true\n\n")


def test_get_lines(seeded):
    c = seeded[0]
    for kind in ("pods", "deployments", "services", "nodes", "pvc"):
        r = c.kubectl(f"get {kind}")
        assert r.exit_code == 0, r.output
    assert c.kubectl("get pvc").stderr == "No resources found in default namespace.\n"
    assert strip_ages(c.kubectl("get deployments").stdout) == (
        "NAME               READY   UP-TO-DATE   AVAILABLE   AGE\n"
        "nginx-deployment   3/3     3            3           AGE\n")
    wide = c.kubectl("get pods -o wide").stdout.splitlines()
    assert wide[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED", "NODE",
                               "READINESS", "GATES"]
    assert len(wide) == 4 and all(" Running " in line for line in wide[1:])
    labels = c.kubectl("get pods --show-labels").stdout.splitlines()
    assert labels[0].endswith("LABELS") and all("app=nginx,pod-template-hash=" in line for line in labels[1:])
    rs = c.kubectl("get rs").stdout.splitlines()
    assert rs[0].split() == ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]
    assert rs[1].split()[1:4] == ["3", "3", "3"]
    missing = c.kubectl("get pod my-pod -o yaml")
    assert (missing.stderr, missing.exit_code) == ('Error from server (NotFound): pods "my-pod" not found\n', 1)
    name = c.kubectl("get pods -o jsonpath={.items[0].metadata.name}").stdout
    pod_yaml = c.kubectl(f"get pod {name} -o yaml").stdout
    assert pod_yaml.startswith("apiVersion: v1\nkind: Pod\nmetadata:\n") and "managedFields" not in pod_yaml


def test_create_deployment_dry_run(seeded):
    c = seeded[0]
    r = c.kubectl("create deployment NAME --image=image --dry-run")
    # the boolean --dry-run is deprecated (klog warning stamped with the virtual clock)
    assert re.fullmatch(r"W\d{4} \d\d:\d\d:\d\d\.\d{6}       1 helpers\.go:702\] --dry-run is deprecated and can "
                        r"be replaced with --dry-run=client\.\n", r.stderr)
    assert (r.stdout, r.exit_code) == ("deployment.apps/NAME created (dry run)\n", 0)
    assert c.kubectl("get deploy NAME").exit_code == 1


def test_describe_logs_exec(seeded):
    c = seeded[0]
    pod = c.kubectl("get pods -o jsonpath={.items[0].metadata.name}").stdout
    d = c.kubectl(f"describe pod {pod}")
    assert d.stdout.startswith(f"Name:             {pod}\nNamespace:        default\n")
    assert "Started container nginx" in d.stdout
    logs = c.kubectl(f"logs {pod} -c nginx")
    assert logs.exit_code == 0
    bad = c.kubectl(f"logs {pod} -c my-container")
    assert (bad.stderr, bad.exit_code) == (f"error: container my-container is not valid for pod {pod}\n", 1)
    assert c.kubectl("logs -l name=myLabel").stderr == "No resources found in default namespace.\n"
    assert c.kubectl("logs -f " + pod + " -c nginx --request-timeout=2s").exit_code == 0
    ex = c.kubectl(f"exec -ti {pod} -c nginx -- echo hello")
    assert ex.stdout == "hello\n"
    assert ex.stderr == "Unable to use a TTY - input is not a terminal or the right kind of file\n"
    usage = c.kubectl(f"exec {pod} echo hello")
    assert usage.stderr == ("error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] "
                            "instead\nSee 'kubectl exec -h' for help and examples\n")


def test_expose_label_delete_service(tmp_path):
    c = Cluster(nodes=2)
    rc = tmp_path / "nginx-controller.yaml"
    rc.write_text(NGINX_RC)
    assert c.kubectl(f"create -f {rc}").stdout == "replicationcontroller/nginx-controller created\n"
    r = c.kubectl(f"expose -f {rc} --port=80 --target-port=8000")
    assert (r.stdout, r.exit_code) == ("service/nginx-controller exposed\n", 0)
    svc = c.get("services", "nginx-controller")
    assert svc["spec"]["selector"] == {"app": "nginx"}
    assert svc["spec"]["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 8000}]

    assert c.kubectl("create deployment kubernetes-bootcamp "
                     "--image=gcr.io/google-samples/kubernetes-bootcamp:v1").exit_code == 0
    assert c.kubectl("expose deployment/kubernetes-bootcamp --type=NodePort --port 8080").exit_code == 0
    c.settle()
    pods = c.kubectl("get pods -l app=kubernetes-bootcamp")
    lines = pods.stdout.splitlines()
    assert len(lines) == 2 and lines[1].startswith("kubernetes-bootcamp-")
    pod_name = lines[1].split()[0]
    assert c.kubectl(f"label pods {pod_name} version=v1").stdout == f"pod/{pod_name} labeled\n"
    assert c.get("pods", pod_name)["metadata"]["labels"]["version"] == "v1"
    again = c.kubectl(f"label pods {pod_name} version=v1")
    assert again.stdout == f"pod/{pod_name} not labeled\n"
    deleted = c.kubectl("delete service -l app=kubernetes-bootcamp")
    assert (deleted.stdout, deleted.exit_code) == ('service "kubernetes-bootcamp" deleted\n', 0)
    assert c.kubectl("get svc kubernetes-bootcamp").exit_code == 1


def test_scale_lines():
    c = Cluster(nodes=1)
    assert c.kubectl("create deployment mysql --image=mysql:5.6 --replicas=2").exit_code == 0
    r = c.kubectl("scale --current-replicas=2 --replicas=3 deployment/mysql")
    assert (r.stdout, r.exit_code) == ("deployment.apps/mysql scaled\n", 0)
    assert c.get("deployments", "mysql")["spec"]["replicas"] == 3
    stale = c.kubectl("scale --current-replicas=2 --replicas=3 deployment/mysql")
    assert (stale.stderr, stale.exit_code) == ("error: Expected replicas to be 2, was 3\n", 1)
    for name in ("foo", "bar", "baz"):
        c.kubectl("create -f -", stdin=NGINX_RC.replace("nginx-controller", name).replace("app: nginx", f"app: {name}"))
    r = c.kubectl("scale --replicas=5 rc/foo rc/bar rc/baz")
    assert r.stdout == ("replicationcontroller/foo scaled\nreplicationcontroller/bar scaled\n"
                        "replicationcontroller/baz scaled\n")
    assert [c.get("replicationcontrollers", n)["spec"]["replicas"] for n in ("foo", "bar", "baz")] == [5, 5, 5]


def test_update_and_rollback_lines():
    c = Cluster(nodes=2)
    c.kubectl("create deployment nginx --image=busybox --image=nginx:1.7.9")
    assert c.kubectl("set image deployment/nginx busybox=busybox nginx=nginx:1.9.1").stdout == \
        "deployment.apps/nginx image updated\n"
    images = [x["image"] for x in c.get("deployments", "nginx")["spec"]["template"]["spec"]["containers"]]
    assert images == ["busybox", "nginx:1.9.1"]

    c.kubectl("create deployment kubernetes-bootcamp --image=gcr.io/google-samples/kubernetes-bootcamp:v1 "
              "--replicas=2")
    status = c.kubectl("rollout status deployments/kubernetes-bootcamp")
    assert status.exit_code == 0
    assert status.stdout.endswith('deployment "kubernetes-bootcamp" successfully rolled out\n')
    for line in status.stdout.splitlines()[:-1]:
        assert line.startswith(("Waiting for deployment", 'Waiting for deployment "kubernetes-bootcamp" rollout'))
    c.kubectl("set image deployments/kubernetes-bootcamp kubernetes-bootcamp=jocatalin/kubernetes-bootcamp:v2")
    assert c.kubectl("rollout status deployments/kubernetes-bootcamp").exit_code == 0
    undo = c.kubectl("rollout undo deployments/kubernetes-bootcamp")
    assert undo.stdout == "deployment.apps/kubernetes-bootcamp rolled back\n"
    image = c.get("deployments", "kubernetes-bootcamp")["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == "gcr.io/google-samples/kubernetes-bootcamp:v1"


def test_frontend_history_lines():
    c = Cluster(nodes=2)
    c.kubectl("create deployment frontend --image=nginx:1.25 --replicas=2")
    c.kubectl("rollout status deployment/frontend")
    c.kubectl("create deployment other --image=nginx")
    # the container is named after the image, "nginx": there is no "www" container
    miss = c.kubectl("set image deployment/frontend www=image:v2")
    assert (miss.stderr, miss.exit_code) == ('error: unable to find container named "www"\n', 1)
    patched = c.kubectl("patch deployment frontend --type=json "
                        "-p='[{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/name\",\"value\":\"www\"}]'")
    assert patched.stdout == "deployment.apps/frontend patched\n"
    c.kubectl("rollout status deployment/frontend")
    assert c.kubectl("set image deployment/frontend www=image:v2").stdout == "deployment.apps/frontend image updated\n"
    c.run(30)
    hist = c.kubectl("rollout history deployment/frontend")
    assert hist.stdout == ("deployment.apps/frontend \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n"
                           "3         <none>\n\n")
    undo = c.kubectl("rollout undo deployment/frontend")
    assert undo.stdout == "deployment.apps/frontend rolled back\n"
    tmpl = c.get("deployments", "frontend")["spec"]["template"]["spec"]["containers"][0]
    assert (tmpl["name"], tmpl["image"]) == ("www", "nginx:1.25")
    # the deployment controller moved revision 2's ReplicaSet to revision 4
    assert c.kubectl("rollout history deployment/frontend").stdout.splitlines()[2:] == [
        "1         <none>", "3         <none>", "4         <none>", ""]
    to2 = c.kubectl("rollout undo deployment/frontend --to-revision=2")
    assert (to2.stderr, to2.exit_code) == ("error: unable to find specified revision 2 in history\n", 1)
    to4 = c.kubectl("rollout undo deployment/frontend --to-revision=4")
    assert to4.stdout == "deployment.apps/frontend skipped rollback (current template already matches revision 4)\n"
    to1 = c.kubectl("rollout undo deployment/frontend --to-revision=1")
    assert to1.stdout == "deployment.apps/frontend rolled back\n"
    watch = c.kubectl("rollout status -w deployment/frontend")
    assert watch.stdout.endswith('deployment "frontend" successfully rolled out\n')
    restart = c.kubectl("rollout restart deployment/frontend")
    assert restart.stdout == "deployment.apps/frontend restarted\n"
    ann = c.get("deployments", "frontend")["spec"]["template"]["metadata"]["annotations"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", ann["kubectl.kubernetes.io/restartedAt"])
    assert c.kubectl("rollout status deployment/frontend").exit_code == 0
