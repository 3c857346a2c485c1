"""kubectl commands against a running simulated cluster: what they print and what they change,
including the commands that wait (in virtual time) and those that reach the kubelets."""
from __future__ import annotations

import re

import pytest

from kube_lab import Cluster

from .fixtures import lab

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
"""


@pytest.fixture(scope="module")
def running():
    c = Cluster(nodes=2)
    assert c.kubectl("apply -f -", stdin=DEPLOY).stdout == "deployment.apps/web created\n"
    c.settle()
    return c


def names(c, selector="app=web"):
    return c.kubectl(f"get pods -l {selector} -o jsonpath={{.items[*].metadata.name}}").stdout.split()


# -- get -w -------------------------------------------------------------------------------------

def test_get_watch_follows_changes_until_the_cluster_settles():
    c = Cluster(nodes=1)
    c.kubectl("create deployment w --image=nginx:1.25")
    start = c.now
    r = c.kubectl("get pods -w")
    lines = r.stdout.splitlines()
    assert lines[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    statuses = [line.split()[2] for line in lines[1:]]
    assert statuses[0] in ("Pending", "ContainerCreating") and statuses[-1] == "Running" and "ContainerCreating" in statuses
    assert c.now > start                        # virtual time moved
    assert c.now - start < 60
    again = c.kubectl("get pods -w")            # nothing left to happen: the current rows only
    assert len(again.stdout.splitlines()) == 2


def test_get_watch_request_timeout_bounds_it():
    c = lab()
    start = c.now
    r = c.kubectl("get pods --watch-only --request-timeout=3s")
    assert r.stdout == "" and r.exit_code == 0
    assert c.now - start <= 3


# -- rollout status / wait ------------------------------------------------------------------------

def test_rollout_status_lines_and_watch_false(running):
    r = running.kubectl("rollout status deployment/web")
    assert r.stdout == 'deployment "web" successfully rolled out\n'
    running.kubectl("set image deployment/web nginx=nginx:1.27")
    once = running.kubectl("rollout status deployment/web --watch=false")
    assert once.stdout.startswith("Waiting for deployment") and once.stdout.count("\n") == 1
    full = running.kubectl("rollout status deployment/web")
    assert full.stdout.splitlines()[-1] == 'deployment "web" successfully rolled out'
    assert all(line.startswith('Waiting for deployment "web" rollout to finish: ')
               for line in full.stdout.splitlines()[:-1])
    running.settle()          # the old pods finish terminating


def test_rollout_status_stuck_deployment_times_out():
    c = Cluster(nodes=1)
    c.kubectl("create deployment bad --image=nginx:no-such-tag")
    r = c.kubectl("rollout status deploy/bad --timeout=20s")
    assert r.exit_code == 1 and r.stderr == "error: timed out waiting for the condition\n"
    assert 'Waiting for deployment "bad" rollout to finish: 0 of 1 updated replicas are available...\n' in r.stdout


def test_wait_for_conditions(running):
    r = running.kubectl("wait --for=condition=Available deployment/web --timeout=60s")
    assert r.stdout == "deployment.apps/web condition met\n"
    r = running.kubectl("wait --for=condition=Ready pods -l app=web")
    assert r.stdout.count("condition met") == 2
    r = running.kubectl("wait --for=condition=Bogus deployment/web --timeout=2s")
    assert (r.stderr, r.exit_code) == ("error: timed out waiting for the condition on deployments/web\n", 1)
    r = running.kubectl("wait --for=jsonpath={.spec.replicas}=2 deployment/web")
    assert r.stdout == "deployment.apps/web condition met\n"
    r = running.kubectl("wait --for=foo deployment/web")
    assert r.stderr == 'error: unrecognized condition: "foo"\n'


def test_wait_for_delete_and_delete_wait():
    c = Cluster(nodes=1)
    c.kubectl("run p --image=nginx:1.25")
    c.settle()
    t0 = c.now
    r = c.kubectl("delete pod p")          # waits (virtual time) until the kubelet has stopped it
    assert r.stdout == 'pod "p" deleted\n'
    assert c.kubectl("get pod p").exit_code == 1
    assert c.now > t0
    c.kubectl("run q --image=nginx:1.25")
    c.settle()
    c.kubectl("delete pod q --wait=false")
    assert c.kubectl("get pod q -o jsonpath={.metadata.deletionTimestamp}").stdout != ""
    assert c.kubectl("wait --for=delete pod/q --timeout=60s").stdout == "pod/q condition met\n"


# -- logs / exec ----------------------------------------------------------------------------------

def test_logs_and_exec(running):
    pod = names(running)[0]
    logs = running.kubectl(f"logs {pod}")
    assert "Configuration complete; ready for start up" in logs.stdout
    tail = running.kubectl(f"logs {pod} --tail=2")
    assert tail.stdout == "".join(logs.stdout.splitlines(True)[-2:])
    prefixed = running.kubectl(f"logs {pod} --tail=1 --prefix")
    assert prefixed.stdout.startswith(f"[pod/{pod}/nginx] ")
    by_deploy = running.kubectl("logs deployment/web --tail=1")
    assert by_deploy.stderr.startswith("Found 2 pods, using pod/")
    assert running.kubectl(f"exec {pod} -- cat /etc/hostname").stdout == f"{pod}\n"
    failing = running.kubectl(f"exec {pod} -- sh -c 'echo oops >&2; exit 7'")
    assert (failing.stderr, failing.exit_code) == ("oops\ncommand terminated with exit code 7\n", 7)
    piped = running.kubectl(f"exec -i {pod} -- cat", stdin="from stdin\n")
    assert piped.stdout == "from stdin\n"
    nope = running.kubectl("logs nope")
    assert nope.stderr == 'error: error from server (NotFound): pods "nope" not found in namespace "default"\n'
    assert running.kubectl(f"logs {pod} -c sidecar").stderr == f"error: container sidecar is not valid for pod {pod}\n"


def test_logs_of_a_stopped_kubelet_node(running):
    c = Cluster(nodes=1)
    c.kubectl("run p --image=nginx:1.25")
    c.settle()
    c.node("kind-worker").stop_kubelet()
    r = c.kubectl("logs p")
    assert r.exit_code == 1
    assert re.fullmatch(r'Error from server: Get "https://172\.18\.0\.3:10250/containerLogs/default/p/p": dial tcp '
                        r'172\.18\.0\.3:10250: connect: connection refused\n', r.stderr)


def test_run_attach_rm():
    c = Cluster(nodes=1)
    r = c.kubectl("run hello --image=busybox:1.36 --restart=Never --rm -i -- echo hello world")
    assert r.stdout == 'hello world\npod "hello" deleted\n'
    assert c.kubectl("get pod hello").exit_code == 1
    r = c.kubectl("run fail --image=busybox:1.36 --restart=Never -i -- sh -c 'exit 3'")
    assert r.exit_code == 3 and r.stderr.startswith("pod default/fail terminated (Error)")


# -- nodes ------------------------------------------------------------------------------------------

def test_cordon_drain_uncordon():
    c = Cluster(nodes=2)
    c.kubectl("create deployment web --image=nginx:1.25 --replicas=2")
    c.kubectl("run solo --image=nginx:1.25 --overrides='{\"spec\":{\"nodeName\":\"kind-worker\"}}'")
    c.settle()
    assert c.kubectl("cordon kind-worker").stdout == "node/kind-worker cordoned\n"
    assert c.kubectl("cordon kind-worker").stdout == "node/kind-worker already cordoned\n"
    assert "SchedulingDisabled" in c.kubectl("get node kind-worker").stdout
    # kind runs kindnet and kube-proxy on every node, from DaemonSets
    agents = ", ".join(f"kube-system/{n}" for n in c.kubectl(
        "get pods -n kube-system --field-selector spec.nodeName=kind-worker -o name "
        "-l 'k8s-app in (kindnet,kube-proxy)'").stdout.replace("pod/", "").split())
    assert re.fullmatch(r"kube-system/kindnet-\w{5}, kube-system/kube-proxy-\w{5}", agents)
    r = c.kubectl("drain kind-worker")
    assert r.exit_code == 1
    # upstream wraps its own "cannot delete ..." message once more: the words do repeat; two
    # reasons are aggregated in brackets
    both = ("[cannot delete cannot delete Pods that declare no controller (use --force to override): default/solo, "
            f"cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): {agents}]")
    assert r.stderr == (f'error: unable to drain node "kind-worker" due to error: {both}, continuing command...\n'
                        f'There are pending nodes to be drained:\n kind-worker\nerror: {both}\n')
    r = c.kubectl("drain kind-worker --force")      # --force does not touch DaemonSet pods
    assert r.exit_code == 1 and "--ignore-daemonsets" in r.stderr
    r = c.kubectl("drain kind-worker --force --ignore-daemonsets")
    assert r.exit_code == 0, r.output
    assert r.stderr == (f"Warning: deleting Pods that declare no controller: default/solo; "
                        f"ignoring DaemonSet-managed Pods: {agents}\n")
    assert r.stdout.startswith("node/kind-worker already cordoned\n")
    assert "evicting pod default/solo\n" in r.stdout and "pod/solo evicted\n" in r.stdout
    assert r.stdout.endswith("node/kind-worker drained\n")
    on_node = c.kubectl("get pods -A --field-selector spec.nodeName=kind-worker -o name").stdout
    assert on_node.split() == [f"pod/{a.split('/')[1]}" for a in agents.split(", ")]   # only the DaemonSets' pods
    c.settle()
    assert c.kubectl("get deploy web -o jsonpath={.status.readyReplicas}").stdout == "2"
    assert c.kubectl("uncordon kind-worker").stdout == "node/kind-worker uncordoned\n"


def test_taint():
    c = Cluster(nodes=1)
    assert c.kubectl("taint nodes kind-worker gpu=true:NoSchedule").stdout == "node/kind-worker tainted\n"
    assert c.get("nodes", "kind-worker")["spec"]["taints"] == [{"effect": "NoSchedule", "key": "gpu", "value": "true"}]
    dup = c.kubectl("taint nodes kind-worker gpu=false:NoSchedule")
    assert dup.stderr == ("error: node kind-worker already has gpu taint(s) with same effect(s) and --overwrite is "
                          "false\n")
    assert c.kubectl("taint nodes kind-worker gpu=false:NoSchedule --overwrite").stdout == \
        "node/kind-worker modified\n"
    assert c.kubectl("taint nodes kind-worker gpu:NoSchedule-").stdout == "node/kind-worker untainted\n"
    assert "taints" not in c.get("nodes", "kind-worker")["spec"]
    bad = c.kubectl("taint nodes kind-worker x=y:Sometimes")
    assert bad.stderr == ("error: invalid taint effect: Sometimes, unsupported taint effect\n"
                          "See 'kubectl taint -h' for help and examples\n")
    assert c.kubectl("taint pods x a=b:NoSchedule").stderr == \
        "error: invalid resource type pods, only node types are supported\n"


# -- apply, kustomize, diff, replace, patch --------------------------------------------------------

def test_apply_kustomize_directory(tmp_path):
    (tmp_path / "deploy.yaml").write_text(DEPLOY)
    (tmp_path / "kustomization.yaml").write_text(
        "resources:\n- deploy.yaml\nnamePrefix: dev-\ncommonLabels:\n  env: dev\n"
        "configMapGenerator:\n- name: cfg\n  literals:\n  - A=1\n")
    c = Cluster(nodes=1)
    r = c.kubectl(f"apply -k {tmp_path}")
    assert r.stderr == ("# Warning: 'commonLabels' is deprecated. Please use 'labels' instead. Run 'kustomize edit fix' "
                        "to update your Kustomization automatically.\n")
    lines = r.stdout.splitlines()
    assert lines[0].startswith("configmap/dev-cfg-") and lines[0].endswith(" created")
    assert lines[1] == "deployment.apps/dev-web created"
    d = c.get("deployments", "dev-web")
    assert d["metadata"]["labels"] == {"app": "web", "env": "dev"}
    assert d["spec"]["selector"]["matchLabels"] == {"app": "web", "env": "dev"}
    again = c.kubectl(f"apply -k {tmp_path}")
    assert again.stdout.splitlines()[1] == "deployment.apps/dev-web unchanged"
    out = c.kubectl(f"kustomize {tmp_path}").stdout
    assert out.startswith("apiVersion: v1\ndata:\n  A: \"1\"\nkind: ConfigMap\n")


def test_diff_replace_patch(tmp_path):
    c = Cluster(nodes=1)
    path = tmp_path / "d.yaml"
    path.write_text(DEPLOY)
    new = c.kubectl(f"diff -f {path}")
    assert new.exit_code == 1 and "+  name: web\n" in new.stdout
    c.kubectl(f"apply -f {path}")
    same = c.kubectl(f"diff -f {path}")
    assert (same.stdout, same.exit_code) == ("", 0)
    path.write_text(DEPLOY.replace("replicas: 2", "replicas: 4"))
    changed = c.kubectl(f"diff -f {path}")
    assert changed.exit_code == 1
    assert "-  replicas: 2\n+  replicas: 4\n" in changed.stdout
    assert re.search(r"^diff -u -N /tmp/LIVE-\d+/apps\.v1\.Deployment\.default\.web /tmp/MERGED-\d+/apps\.v1\."
                     r"Deployment\.default\.web$", changed.stdout, re.M)
    assert c.get("deployments", "web")["spec"]["replicas"] == 2        # diff changes nothing
    assert c.kubectl(f"replace -f {path}").stdout == "deployment.apps/web replaced\n"
    assert c.get("deployments", "web")["spec"]["replicas"] == 4
    forced = c.kubectl(f"replace --force -f {path}")
    assert forced.stdout == 'deployment.apps "web" deleted\ndeployment.apps/web replaced\n'
    p = c.kubectl("patch deployment web -p '{\"spec\":{\"replicas\":1}}'")
    assert p.stdout == "deployment.apps/web patched\n"
    assert c.kubectl("patch deployment web -p '{\"spec\":{\"replicas\":1}}'").stdout == \
        "deployment.apps/web patched (no change)\n"
    bad = c.kubectl("patch deployment web --type=json -p '[{\"op\":\"remove\",\"path\":\"/spec/nope\"}]'")
    assert (bad.stderr, bad.exit_code) == ("The request is invalid: the server rejected our request due to an error "
                                          "in our request\n", 1)


# -- informational commands ------------------------------------------------------------------------

def test_version_cluster_info_api_resources(running):
    assert running.kubectl("version").stdout == ("Client Version: v1.32.5\nKustomize Version: v5.5.0\n"
                                                 "Server Version: v1.32.0\n")
    info = running.kubectl("cluster-info").stdout
    assert info.startswith("Kubernetes control plane is running at https://127.0.0.1:6443\n")
    assert info.endswith("\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n")
    res = running.kubectl("api-resources").stdout.splitlines()
    assert res[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    assert any(line.split()[:2] == ["deployments", "deploy"] for line in res)
    assert "apps/v1\n" in running.kubectl("api-versions").stdout


def test_explain(running):
    r = running.kubectl("explain deployment.spec.replicas")
    assert r.stdout.startswith("GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\n"
                               "FIELD: replicas <integer>\n\n\nDESCRIPTION:\n    ")
    pods = running.kubectl("explain pods").stdout
    assert "  spec\t<PodSpec>\n" in pods and "  metadata\t<ObjectMeta>\n" in pods
    assert "  containers\t<[]Container>\n" in running.kubectl("explain pod.spec").stdout
    assert running.kubectl("explain pods.spec.nope").stderr == 'error: field "nope" does not exist\n'
    assert running.kubectl("explain nopes").stderr == 'error: the server doesn\'t have a resource type "nopes"\n'


def test_auth_events_top_port_forward(running):
    assert running.kubectl("auth can-i create deployments").stdout == "yes\n"
    assert running.kubectl("auth can-i '*' '*'").stdout == "yes\n"
    ev = running.kubectl("events --for deployment/web").stdout.splitlines()
    assert ev[0].split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert "ScalingReplicaSet" in ev[1] and "Deployment/web" in ev[1]
    assert running.kubectl("events --types=Warning").stderr == "No events found in default namespace.\n"
    assert running.kubectl("top pods").stderr == "error: Metrics API not available\n"
    pf = running.kubectl(f"port-forward pod/{names(running)[0]} 8080:80")
    assert pf.exit_code == 0 and pf.stdout == "Forwarding from 127.0.0.1:8080 -> 80\nForwarding from [::1]:8080 -> 80\n"
    from kube_lab.kubectl.commands import portforward
    assert portforward.stop(running) == 1


def test_config_namespace_persists():
    c = Cluster(nodes=1)
    assert c.kubectl("config set-context --current --namespace=kube-system").stdout == 'Context "kind-kind" modified.\n'
    assert c.kubectl("config view --minify -o jsonpath={..namespace}").stdout == "kube-system"
    assert c.kubectl("get cm").stdout.startswith("NAME ")          # kube-system's configmaps
    assert c.kubectl("create cm here --from-literal=a=b").exit_code == 0
    assert c.get("configmaps", "here", "kube-system")["data"] == {"a": "b"}
    assert c.kubectl("config get-contexts").stdout == (
        "CURRENT   NAME        CLUSTER     AUTHINFO    NAMESPACE\n"
        "*         kind-kind   kind-kind   kind-kind   kube-system\n")


def test_rollout_status_waits_for_the_progress_deadline_of_a_stalled_rollout():
    c = Cluster(nodes=1, network_addons=False)
    c.kubectl("create deployment bad --image=nginx:no-such-tag")
    start = c.now
    r = c.kubectl("rollout status deploy/bad")
    assert r.exit_code == 1 and r.stderr == 'error: deployment "bad" exceeded its progress deadline\n'
    assert 600 <= c.now - start < 700     # progressDeadlineSeconds defaults to 600


def test_logs_follow_waits_while_the_container_sleeps():
    c = Cluster(nodes=1, network_addons=False)
    c.kubectl(["run", "ticker", "--image=busybox:1.36", "--restart=Never", "--",
               "sh", "-c", "echo one; sleep 20; echo two"])
    c.run(5)
    r = c.kubectl("logs -f ticker")
    assert r.stdout == "one\ntwo\n" and r.exit_code == 0


# -- round trips a learner makes ---------------------------------------------------------------------

def test_creating_from_a_saved_get_o_yaml_fails_on_its_resource_version():
    # get -o yaml > f; delete; create -f f — the saved resourceVersion is refused by the store
    c = Cluster(nodes=1, network_addons=False)
    c.kubectl("run solo --image=nginx:1.25")
    saved = c.kubectl("get pod solo -o yaml").stdout
    c.kubectl("delete pod solo --now")
    for verb in ("create", "apply"):
        r = c.kubectl(f"{verb} -f -", stdin=saved)
        assert r.exit_code == 1
        assert r.stderr == ('Error from server: error when creating "STDIN": resourceVersion should not be set '
                            'on objects to be created\n')
    assert "NotFound" in c.kubectl("get pod solo").stderr


def test_string_data_and_quantities_come_back_as_the_api_server_stores_them():
    c = Cluster(nodes=1, network_addons=False)
    r = c.kubectl("apply -f -", stdin="""apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {user: admin}
---
apiVersion: v1
kind: Pod
metadata: {name: q}
spec:
  containers:
  - name: c
    image: nginx:1.25
    resources:
      requests: {cpu: 0.25, memory: 1.5Gi}
""")
    assert r.stdout == "secret/creds created\npod/q created\n"
    assert c.kubectl("get secret creds -o jsonpath={.data}").stdout == '{"user":"YWRtaW4="}'
    assert c.kubectl("get pod q -o jsonpath={.spec.containers[0].resources.requests}").stdout == \
        '{"cpu":"250m","memory":"1536Mi"}'


def test_run_overrides_that_are_not_json():
    c = Cluster(nodes=1, network_addons=False)
    r = c.kubectl("run x --image=nginx:1.25 --overrides={spec:1}")
    assert (r.exit_code, r.stderr) == (1, "error: Invalid JSON Patch\n")
    r = c.kubectl("run x --image=nginx:1.25 --override-type=strategic --overrides={spec:1}")
    assert r.stderr == "error: invalid character 's' looking for beginning of object key string\n"
    assert "NotFound" in c.kubectl("get pod x").stderr


def test_exec_into_a_container_that_has_not_started():
    c = Cluster(nodes=1, network_addons=False)
    c.kubectl("run stuck --image=nginx:no-such-tag")
    c.run(5)
    r = c.kubectl("exec stuck -- ls")
    assert (r.exit_code, r.stderr) == (1, 'error: unable to upgrade connection: container not found ("stuck")\n')
    assert "is waiting to start" in c.kubectl("logs stuck").stderr      # logs keep their own words
