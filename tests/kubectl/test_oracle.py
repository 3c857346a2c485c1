"""Differential tests: kube-lab's kubectl against the real kubectl v1.32, byte for byte.

* Client-side commands (no server needed): generators with ``--dry-run=client``, ``--local -f``
  edits, ``kustomize``, JSONPath and Go templates, flag and command-line errors, ``config`` on a
  kubeconfig file.
* Live commands: the real kubectl talks to the same simulated cluster over HTTP (virtual time
  frozen) — tables, ``-o yaml|json|name|jsonpath|custom-columns``, describers, errors.  Mutations
  run on two identical clusters, one for each kubectl.

Skipped, with the reason, when no kubectl v1.32 binary is found (``$KUBECTL``, or ``kubectl.1.32``
next to the ``kubectl`` on PATH, or a ``kubectl`` that is v1.32).
"""
from __future__ import annotations

import os
import shlex
import time

import pytest

from kube_lab import Cluster
from kube_lab.kubectl import Kubectl

from .fixtures import ELAPSED, lab
from .oracle import LiveOracle, real_kubectl, run_real

pytestmark = pytest.mark.skipif(real_kubectl() is None,
                                reason="no kubectl v1.32 binary found ($KUBECTL, kubectl.1.32 next to kubectl on "
                                       "PATH, or kubectl v1.32 on PATH): the differential tests need the real one")

DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx
spec:
  replicas: 2
  selector:
    matchLabels: {app: nginx}
  template:
    metadata:
      labels: {app: nginx}
    spec:
      containers:
      - name: nginx
        image: nginx:1.7.9
        ports: [{containerPort: 80}]
      - name: busybox
        image: busybox
"""

KUSTOMIZATION = """resources:
- deploy.yaml
namePrefix: dev-
nameSuffix: -v1
commonLabels:
  team: blue
images:
- name: nginx
  newTag: "1.25"
configMapGenerator:
- name: settings
  literals:
  - MODE=dev
  - LEVEL=3
secretGenerator:
- name: creds
  literals:
  - password=s3cret
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("oracle")
    (d / "deploy.yaml").write_text(DEPLOY)
    (d / "kz").mkdir()
    (d / "kz" / "deploy.yaml").write_text(DEPLOY.replace("      - name: busybox\n        image: busybox\n", "")
                                          + "        envFrom:\n        - configMapRef:\n            name: settings\n")
    (d / "kz" / "kustomization.yaml").write_text(KUSTOMIZATION)
    (d / "cfg.properties").write_text("a=1\n# comment\nb = two\n")
    for i, text in enumerate(["not: yaml: at: all\n", "a:\n  - x\n b: 2\n", "a: 1\n\tb: 2\n", "key: [1, 2\n"], 1):
        (d / f"bad{i}.txt").write_text(text)
    (d / "multi").mkdir()
    (d / "multi" / "a.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ca\ndata:\n  x: \"1\"\n---\n"
                                        "apiVersion: v1\nkind: Service\nmetadata:\n  name: sa\nspec:\n  selector: "
                                        "{app: a}\n  ports:\n  - port: 80\n")
    (d / "multi" / "b.yaml").write_text(DEPLOY.replace("name: nginx\n", "name: db\n", 1))
    return d


@pytest.fixture(scope="module")
def local_kubectl():
    return Kubectl(Cluster(nodes=1))


def _same(real: tuple, ours) -> None:
    out, err, rc = real
    assert ours.stdout == out
    assert ours.stderr == err
    assert ours.exit_code == rc


CLIENT_SIDE = [
    "create deployment web --image=nginx --dry-run=client -o yaml",
    "create deployment web --image=nginx --image=busybox --replicas=3 --port=8080 --dry-run=client -o json",
    "create deployment web --dry-run=client -o yaml",
    "create deployment Web --image=nginx --dry-run=client -o yaml",
    "create namespace dev --dry-run=client -o yaml",
    "create configmap app --from-literal=a=1 --from-literal=b=hello --dry-run=client -o yaml",
    "create configmap app --from-env-file={d}/cfg.properties --append-hash --dry-run=client -o yaml",
    "create configmap app --from-file={d}/deploy.yaml --dry-run=client -o yaml",
    "create secret generic s --from-literal=user=admin --from-literal=password='p@ss w0rd' --dry-run=client -o yaml",
    "create secret generic s --from-literal=a --dry-run=client -o yaml",
    "create service clusterip web --tcp=80:8080 --dry-run=client -o yaml",
    "create service clusterip web --clusterip=None --dry-run=client -o yaml",
    "create service nodeport web --tcp=80:8080 --node-port=30080 --dry-run=client -o yaml",
    "create service loadbalancer web --tcp=443:8443,80:8080 --dry-run=client -o json",
    "create service externalname ext --external-name=example.com --dry-run=client -o yaml",
    "create job hello --image=busybox --dry-run=client -o yaml -- echo hello",
    "create cronjob tick --image=busybox --schedule='*/5 * * * *' --dry-run=client -o yaml -- date",
    "create serviceaccount builder --dry-run=client -o yaml",
    "create priorityclass high --value=1000 --global-default --description=hi --dry-run=client -o json",
    "create quota q --hard=cpu=1000m,memory=1024Mi,pods=2 --scopes=BestEffort --dry-run=client -o yaml",
    "create quota q --hard=cpu --dry-run=client -o yaml",
    "create rolebinding rb --role=r --user=alice --group=devs --serviceaccount=default:sa --dry-run=client -o json",
    "create rolebinding rb --dry-run=client -o yaml",
    "create clusterrolebinding crb --clusterrole=view --user=bob --dry-run=client -o yaml",
    "create clusterrolebinding crb --dry-run=client -o yaml",
    "create pdb p --selector='app=web,tier in (a,b)' --min-available=50% --dry-run=client -o json",
    "create pdb p --selector=app=web --min-available=10Gb --dry-run=client",
    "create deployment web --image=nginx --dry-run=client -o name",
    "create deployment web --image=nginx --dry-run=client -o jsonpath={.spec.template.spec.containers[0].image}",
    "create deployment web --image=nginx --dry-run=client -o go-template={{.metadata.name}}:{{.spec.replicas}}",
    "create deployment web --image=nginx --dry-run=client --save-config -o yaml",
    "create deployment web --image=nginx --dry-run=bogus",
    "create deployment web --image=nginx --dry-run=client -o bogus",
    "set image -f {d}/deploy.yaml nginx=nginx:1.9.1 --local -o yaml",
    "set image -f {d}/deploy.yaml '*=busybox:1.36' --local -o json",
    "set image -f {d}/deploy.yaml nope=x --local -o yaml",
    "set env -f {d}/deploy.yaml FOO=bar B=2 --local -o yaml",
    "set resources -f {d}/deploy.yaml --limits=cpu=200m,memory=512Mi --requests=cpu=100m --local -o yaml",
    "label -f {d}/deploy.yaml tier=web --local -o yaml",
    "label -f {d}/deploy.yaml app- --local -o json",
    "annotate -f {d}/deploy.yaml note='hello world' --local -o yaml",
    "kustomize {d}/kz",
    "create -f {d}/bad1.txt --dry-run=client --validate=false -o yaml",
    "create -f {d}/bad2.txt --dry-run=client --validate=false -o yaml",
    "create -f {d}/bad3.txt --dry-run=client --validate=false -o yaml",
    "create -f {d}/bad4.txt --dry-run=client --validate=false -o yaml",
    "get pods --bogus",
    "get pods -n",
    "get pods --replicas=abc",
    "gt pods",
    "rollouts status",
    "scale --replicas=abc deployment/web",
    "create deployment",
    "logs",
]


@pytest.mark.parametrize("line", CLIENT_SIDE)
def test_client_side(line, files, local_kubectl):
    line = line.replace("{d}", str(files))
    real = run_real(shlex.split(line), cwd=str(files))
    _same(real, local_kubectl.run(line))


def test_config_commands(tmp_path):
    import yaml

    c = Cluster(nodes=1)
    k = Kubectl(c)
    path = tmp_path / "config"
    doc = k.kubeconfig.to_dict()
    path.write_text(yaml.safe_dump(doc))
    steps = ["config view", "config view -o json", "config get-contexts", "config current-context",
             "config set-context --current --namespace=dev", "config get-contexts", "config view --minify",
             "config view -o jsonpath={.contexts[0].context.namespace}", "config use-context nope",
             "config get-contexts nope", "config get-contexts -o name", "config get-clusters", "config get-users",
             "config set-context", "config set-context --current -n x"]
    for line in steps:
        real = run_real(shlex.split(line), kubeconfig=str(path))
        _same(real, k.run(line))


# -- live --------------------------------------------------------------------------------------

LIVE_READ = [
    "get pods", "get pods -o wide", "get pods -A", "get pods --show-labels", "get pods -L app,tier",
    "get pods -l app=web", "get pods -l 'app in (web,crash)'", "get pods --field-selector status.phase=Running",
    "get pods --sort-by=.metadata.name", "get pods --sort-by=.status.phase", "get pods --no-headers",
    "get pods -o name", "get pods -o yaml", "get pods -o json", "get pod web-1 -o yaml",
    "get pod web-1 -o jsonpath={.status.podIP}", "get pods -o jsonpath='{range .items[*]}{.metadata.name}{\"\\n\"}{end}'",
    "get pods -o jsonpath={.items[?(@.status.phase==\"Running\")].metadata.name}",
    "get pods -o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName,IMAGE:.spec.containers[*].image",
    "get pods -o go-template='{{range .items}}{{.metadata.name}} {{.status.phase}}{{\"\\n\"}}{{end}}'",
    "get svc", "get svc -o wide", "get all", "get cm,svc,po", "get po/web-1 svc/web", "get nodes", "get nodes -o wide",
    "get ns", "get deploy", "get events", "get pod nope", "get pods nope web-1", "get foo", "get",
    "get pods -w --request-timeout=1s", "get pod web-1 -w --request-timeout=1s",
    "describe pod web-1", "describe pod crash", "describe pods -l app=web", "describe svc web", "describe svc web-np",
    "describe cm cfg", "describe ns default", "describe nope", "describe pod nope",
    "api-resources", "api-resources -o wide", "api-resources --namespaced=false -o name", "api-versions",
    "version --client", "wait --for=condition=Ready pod/web-1", "wait --for=condition=Ready pod/crash --timeout=0",
    "wait --for=jsonpath={.status.phase}=Running pod/web-1", "wait --for=delete pod/nothere",
    "rollout status deployment/nope", "rollout history pod/web-1", "top pods", "logs",
]


@pytest.fixture(scope="module")
def live():
    try:
        from kube_lab.controlplane.apiserver import http  # noqa: F401
    except ImportError as e:  # pragma: no cover - depends on the HTTP server being in the tree
        pytest.skip(f"the HTTP API server is needed for live comparisons: {e}")
    # virtual time 0 is set so that the cluster's "now" is the wall clock's now: describe's event
    # ages are computed by the real kubectl from its own clock
    c = lab(start_time=int(time.time()) - ELAPSED)
    with LiveOracle(c) as oracle:
        yield oracle, Kubectl(c)


@pytest.mark.parametrize("line", LIVE_READ)
def test_live_read(line, live):
    oracle, ours = live
    real = oracle.real(shlex.split(line))
    with oracle.server.paused():          # the served cluster is driven from this thread now
        got = ours.run(line)
    if line.startswith("describe cm"):
        # kubectl's ConfigMap describer ranges over a Go map: its keys come in random order, ours
        # sorted — compare the key blocks as a multiset
        # (the first key follows the "Data" header without a blank line: cut it loose first)
        out, err, rc = real

        def blocks(text: str) -> list[str]:
            return sorted(text.replace("Data\n====\n", "Data\n====\n\n", 1).split("\n\n"))
        assert (blocks(got.stdout), got.stderr, got.exit_code) == (blocks(out), err, rc)
        return
    _same(real, got)


MUTATIONS = [
    "label pods web-1 version=v1", "label pods web-1 version=v2", "label pods web-1 version=v2 --overwrite",
    "label pods web-1 version-", "label pods --all env=test", "label pod nope a=b",
    "annotate pods web-1 note='hello world'", "annotate svc web a=b c=d -o name",
    "get pod web-1 -o yaml", "create deployment web --image=nginx --replicas=2",
    "scale --current-replicas=2 --replicas=3 deployment/web", "scale --current-replicas=2 --replicas=4 deployment/web",
    "set image deployment/web nginx=nginx:1.9.1", "set image deployment/web busybox=busybox",
    "set env deployment/web FOO=bar", "set env deployment/web --list", "set resources deployment web --limits=cpu=200m",
    "get deploy,rs", "rollout history deployment/web", "rollout history deployment/web --revision=2",
    "rollout undo deployment/web --dry-run=client", "rollout undo deployment/web", "rollout pause deployment/web",
    "rollout pause deployment/web", "rollout resume deployment/web", "rollout status deployment/web --watch=false",
    "expose deployment web --port=80 --target-port=8080", "expose deployment web --port=80",
    "patch deployment web -p '{\"spec\":{\"replicas\":1}}'", "patch deployment web -p '{\"spec\":{\"replicas\":1}}'",
    "patch deployment web --type=json -p '[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":2}]'",
    "create ns dev", "create ns dev", "create secret generic s1 --from-literal=password=secret",
    "create service nodeport np --tcp=80:8080 --node-port=30123", "create job j1 --image=busybox -- echo hi",
    "run nginx --image=nginx --port=80 --expose", "describe svc nginx",
    "create role pod-reader --verb=get,list,watch --resource=pods,pods/status,deploy,rs.apps -o json",
    "create role r2 --verb=get --resource=nopes", "create role r3 --verb=bind --resource=pods",
    "create clusterrole cr --verb=get,list --resource=nodes --non-resource-url=/healthz -o yaml",
    "create clusterrole agg --aggregation-rule=rbac.example.com/aggregate-to-view=true -o yaml",
    "create rolebinding rb --role=pod-reader --user=alice", "describe role pod-reader", "describe rolebinding rb",
    # (not "describe job j1": its events' ages come from the wall clock in the real kubectl)
    "get role,rolebinding -o wide", "get job j1",
    "describe secret s1", "taint nodes kind-worker app=blue:NoSchedule", "taint nodes kind-worker app=blue:NoSchedule",
    "taint nodes kind-worker app-", "cordon kind-worker2", "uncordon kind-worker2",
    "delete pod web-1 --grace-period=0 --force", "delete pod crash --now --wait=false",
    "delete svc -l app=web --wait=false", "delete pod nope", "delete pod nope --ignore-not-found", "get all",
    "apply -f {d}/multi", "apply -f {d}/multi", "apply -f {d}/multi/a.yaml -o json", "apply -f {d}/multi -o name",
    "apply -f {d}/multi/b.yaml --record", "get -f {d}/multi", "describe -f {d}/multi/a.yaml",
    "label -f {d}/multi/b.yaml x=y", "scale -f {d}/multi/b.yaml --replicas=3", "rollout history -f {d}/multi/b.yaml",
    "delete -f {d}/multi/a.yaml --wait=false", "delete -f {d}/multi/a.yaml --wait=false",
]


@pytest.fixture(scope="module")
def manifests(files):
    return files


def test_live_mutations(manifests):
    try:
        from kube_lab.controlplane.apiserver import http  # noqa: F401
    except ImportError as e:  # pragma: no cover
        pytest.skip(f"the HTTP API server is needed for live comparisons: {e}")
    start = int(time.time()) - ELAPSED
    theirs, mine = lab(start_time=start), lab(start_time=start)
    with LiveOracle(theirs) as oracle:
        report = oracle.mismatches(Kubectl(mine), [line.replace("{d}", str(manifests)) for line in MUTATIONS])
    assert not report, report


def test_real_kubectl_is_v132():
    out, _, rc = run_real(["version", "--client"])
    assert rc == 0 and "Client Version: v1.32." in out
    assert os.path.exists(real_kubectl())
