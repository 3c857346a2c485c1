"""How kubectl is reached: ``Cluster.kubectl()``, the IPython magics, ``kube-lab kubectl`` — and
that no command line, however wrong, escapes as a Python exception."""
from __future__ import annotations

import io
import random
import sys

import pytest

from kube_lab import Cluster
from kube_lab.kubectl import KubectlResult


@pytest.fixture(scope="module")
def cluster():
    return Cluster(nodes=1)


def test_cluster_kubectl_result(cluster):
    r = cluster.kubectl("get nodes -o name")
    assert isinstance(r, KubectlResult)
    assert (r.stdout, r.stderr, r.exit_code, r.ok) == ("node/kind-control-plane\nnode/kind-worker\n", "", 0, True)
    r = cluster.kubectl(["get", "pod", "nope"])         # a list of words works too
    assert (r.exit_code, r.ok) == (1, False)
    with pytest.raises(RuntimeError, match='pods "nope" not found'):
        r.check()


def test_result_shows_like_a_terminal(cluster):
    r = cluster.kubectl("get pods nope kind -o name")
    assert r.output == r.stdout + r.stderr
    r = KubectlResult("x", "out\n", "err <b>\n", 1, [("stdout", "out\n"), ("stderr", "err <b>\n")])
    assert r._repr_html_() == '<pre class="kube-lab-kubectl">out\n<span style="color:#c00">err &lt;b&gt;\n</span></pre>'

    class Printer:
        def __init__(self):
            self.parts = []

        def text(self, t):
            self.parts.append(t)
    p = Printer()
    r._repr_pretty_(p, False)
    assert p.parts == ["out\nerr <b>"]


def test_kubeconfig_persists_between_calls():
    c = Cluster(nodes=0)
    c.kubectl("create ns team")
    c.kubectl("config set-context --current --namespace=team")
    c.kubectl("create cm x --from-literal=a=b")
    assert c.get("configmaps", "x", "team")["data"] == {"a": "b"}


def test_stdin_feeds_dash_f(cluster):
    r = cluster.kubectl("apply -f -", stdin="apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-stdin\n")
    assert r.stdout == "configmap/from-stdin created\n"


def test_ipython_magics():
    pytest.importorskip("IPython")
    from IPython.testing.globalipapp import get_ipython

    ip = get_ipython()
    ip.run_line_magic("load_ext", "kube_lab")
    ip.run_cell("from kube_lab import Cluster\nmagic_cluster = Cluster(nodes=1)")
    r = ip.run_line_magic("kubectl", "get nodes -o name")
    assert r.stdout == "node/kind-control-plane\nnode/kind-worker\n"
    ip.user_ns["CM"] = "via-magic"
    cell = ip.run_cell("%kubectl create cm $CM --from-literal=k=v")
    assert cell.result.stdout == "configmap/via-magic created\n"
    r = ip.run_cell_magic("kubectl", "apply -f -", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cell\n")
    assert r.stdout == "configmap/cell created\n"
    assert ip.user_ns["magic_cluster"].get("configmaps", "cell")["metadata"]["name"] == "cell"
    # a newer cluster becomes the current one
    ip.run_cell("second = Cluster(nodes=0)")
    assert ip.run_line_magic("kubectl", "get cm cell").exit_code == 1


def test_cli_kubectl_with_state_file(tmp_path, monkeypatch, capsys):
    from kube_lab.cli import main

    state = str(tmp_path / "state.snapshot")
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["kubectl", "--state", state, "--nodes", "1", "create", "deployment", "web", "--image=nginx:1.25"]) == 0
    assert capsys.readouterr().out == "deployment.apps/web created\n"
    assert main(["kubectl", f"--state={state}", "get", "deploy", "web", "-o", "jsonpath={.status.readyReplicas}"]) == 0
    assert capsys.readouterr().out == "1"
    assert main(["kubectl", "--state", state, "config", "set-context", "--current", "--namespace=kube-system"]) == 0
    capsys.readouterr()
    assert main(["kubectl", "--state", state, "get", "deploy", "web"]) == 1
    assert capsys.readouterr().err == 'Error from server (NotFound): deployments.apps "web" not found\n'
    monkeypatch.setattr(sys, "stdin", io.StringIO("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: piped\n"))
    assert main(["kubectl", "--state", state, "apply", "-n", "default", "-f", "-"]) == 0
    assert capsys.readouterr().out == "configmap/piped created\n"
    assert main(["kubectl", "--help"]) == 0
    assert "state file" in capsys.readouterr().out


FRAGMENTS = ["get", "describe", "create", "apply", "delete", "label", "annotate", "scale", "set", "image", "env",
             "rollout", "status", "undo", "history", "logs", "exec", "expose", "run", "patch", "replace", "diff",
             "wait", "drain", "taint", "cordon", "config", "explain", "events", "top", "auth", "can-i", "version",
             "kustomize", "api-resources", "pods", "po", "deploy/web", "svc", "nodes", "-o", "yaml", "json", "wide",
             "jsonpath={.items[*]}", "go-template={{.x}}", "custom-columns=A:.a", "-l", "app=web", "-n", "default",
             "-A", "--all", "-f", "-", "--", "--replicas=2", "--image=nginx", "web", "x=y", "x-", "--dry-run=client",
             "--for=condition=Ready", "--timeout=1s", "-w", "--request-timeout=1s", "{", "}", "'", "=", "--to-revision=1",
             "-p", '{"spec":{}}', "--type=json", "[", "--local", "nope/", "///", "--bogus", "-zz", "\u00e9", ""]


def test_no_command_line_raises():
    c = Cluster(nodes=1)
    c.kubectl("create deployment web --image=nginx:1.25")
    rng = random.Random(7)
    from kube_lab.kubectl import Kubectl

    k = Kubectl(c, raise_internal=True)       # internal errors would propagate here
    for _ in range(300):
        words = [rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 6))]
        r = k.run(words, stdin=rng.choice([None, "", "kind: Pod\n", "{]"]))
        assert isinstance(r.exit_code, int)
        if r.exit_code:
            assert r.stderr or r.stdout
