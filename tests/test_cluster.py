"""The public contract of DESIGN.md §2, on a whole cluster."""
import json
import os
import subprocess
import sys

import pytest

from kube_lab import Cluster, StatusError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def fresh():
    return Cluster(nodes=3, seed=0, network_addons=False)


def test_kind_like_topology(fresh):
    nodes = fresh.list("nodes")
    assert [n["metadata"]["name"] for n in nodes] == ["kind-control-plane", "kind-worker", "kind-worker2",
                                                      "kind-worker3"]
    cp = nodes[0]
    assert cp["metadata"]["labels"]["node-role.kubernetes.io/control-plane"] == ""
    assert cp["spec"]["taints"] == [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
    worker = nodes[1]
    assert "taints" not in worker["spec"]  # Ready nodes lose the not-ready taint
    assert [c["type"] for c in worker["status"]["conditions"]] == ["MemoryPressure", "DiskPressure", "PIDPressure",
                                                                   "Ready"]
    assert worker["status"]["addresses"][0] == {"address": "172.18.0.3", "type": "InternalIP"}
    assert worker["status"]["nodeInfo"]["kubeletVersion"] == "v1.32.0"


def test_system_objects(fresh):
    assert [n["metadata"]["name"] for n in fresh.list("ns")] == ["default", "kube-node-lease", "kube-public",
                                                                 "kube-system", "local-path-storage"]
    assert all(ns["status"]["phase"] == "Active" for ns in fresh.list("namespaces"))
    assert fresh.get("svc", "kubernetes")["spec"]["clusterIP"] == "10.96.0.1"
    assert fresh.get("sa", "default", "kube-system")["metadata"]["name"] == "default"
    assert fresh.get("cm", "kube-root-ca.crt")["data"]["ca.crt"].startswith("-----BEGIN CERTIFICATE-----")
    assert fresh.get("pc", "system-node-critical")["value"] == 2000001000


def test_resource_names_as_kubectl_accepts_them(fresh):
    assert fresh.get("service", "kubernetes")["kind"] == "Service"
    assert fresh.get("services", "kubernetes")["kind"] == "Service"
    with pytest.raises(StatusError) as e:
        fresh.get("thirdpartyresources", "x")
    assert e.value.message == 'the server doesn\'t have a resource type "thirdpartyresources"'


def test_returned_objects_are_copies(fresh):
    svc = fresh.get("svc", "kubernetes")
    svc["spec"]["clusterIP"] = "1.2.3.4"
    assert fresh.get("svc", "kubernetes")["spec"]["clusterIP"] == "10.96.0.1"


def test_time_moves_only_when_asked():
    c = Cluster(nodes=1, seed=0, network_addons=False)
    assert c.now == 0
    c.run(30)
    assert c.now == 30
    cm = c.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "late"}})
    assert cm["metadata"]["creationTimestamp"] == "2025-01-01T00:00:30Z"


def test_run_until_and_timeout():
    c = Cluster(nodes=1, seed=0, network_addons=False)
    t = c.run_until(lambda cl: cl.now >= 12, timeout=60, step=5)
    assert t == 15
    with pytest.raises(TimeoutError):
        c.run_until(lambda cl: False, timeout=10)
    assert c.now == 25


def test_settle_runs_the_controllers():
    c = Cluster(nodes=1, seed=0, network_addons=False)
    c.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    with pytest.raises(StatusError):
        c.get("sa", "default", "team")  # nothing has run yet
    c.settle()
    assert c.get("sa", "default", "team")["metadata"]["namespace"] == "team"


def test_delete_graceful_and_list_selector():
    c = Cluster(nodes=1, seed=0, network_addons=False)
    for name, app in (("a", "web"), ("b", "db")):
        c.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": app}},
                  "spec": {"nodeName": "kind-worker", "containers": [{"name": "c", "image": "nginx"}]}})
    assert [p["metadata"]["name"] for p in c.list("pods", selector="app=web")] == ["a"]
    out = c.delete("pod", "a")
    assert out["metadata"]["deletionGracePeriodSeconds"] == 30
    c.delete("pod", "a", grace_period=0)
    assert [p["metadata"]["name"] for p in c.list("pods")] == ["b"]
    assert [p["metadata"]["name"] for p in c.list("pods", namespace=None)] == ["b"]


def test_snapshot_restore_gives_back_an_identical_store(tmp_path):
    c = Cluster(nodes=2, seed=3, network_addons=False)
    c.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "precious"}, "data": {"k": "v"}})
    c.run(42)
    path = str(tmp_path / "snapshot.db")
    status = c.snapshot_save(path)
    assert status["revision"] == c.etcd.revision
    before = c.etcd.dump()
    r = Cluster.restore(path, seed=3)  # same seed: same cluster CA, so nothing needs rewriting
    assert r.etcd.dump()["kvs"] == before["kvs"]
    assert r.get("cm", "precious")["metadata"]["uid"] == c.get("cm", "precious")["metadata"]["uid"]
    # the restored cluster's clock continues where the snapshot was taken, and it keeps working
    cm = r.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "after"}})
    assert cm["metadata"]["creationTimestamp"] == "2025-01-01T00:00:42Z"
    assert int(cm["metadata"]["resourceVersion"]) > before["revision"]


SCRIPT = r"""
import json, sys
sys.path.insert(0, %(root)r)
from kube_lab import Cluster
c = Cluster(nodes=2, seed=%(seed)d)
c.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
c.settle()
c.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"generateName": "web-", "namespace": "team"},
          "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
c.run(7)
c.delete("namespace", "team")
c.settle()
print(json.dumps({"store": c.etcd.dump(), "trace": [list(r) for r in c.trace]}, sort_keys=True))
"""


def run_script(seed: int, hashseed: str) -> str:
    env = dict(os.environ, PYTHONHASHSEED=hashseed)
    out = subprocess.run([sys.executable, "-c", SCRIPT % {"root": ROOT, "seed": seed}], capture_output=True,
                         text=True, env=env, check=True)
    return out.stdout


def test_same_seed_same_bytes_across_processes():
    a = run_script(0, "1")
    b = run_script(0, "12345")  # a different hash seed must not change anything
    assert a == b
    data = json.loads(a)
    names = [kv["key"] for kv in data["store"]["kvs"]]
    assert any(k.startswith("/registry/namespaces/") for k in names)
    assert run_script(1, "1") != a  # and the seed does matter (uids, generated names)


# ------------------------------------------------------------------------------ the seed's example
def seed_nginx_example() -> str:
    """The Deployment the seed article shows, verbatim (apps/v1beta1, with its Chinese comments)."""
    seed = open(os.path.join(ROOT, "..", "shared", "seeds", "000_fd8d73033f8437c3.txt"), encoding="utf-8").read() \
        if os.path.exists(os.path.join(ROOT, "..", "shared", "seeds", "000_fd8d73033f8437c3.txt")) else None
    if seed is None:
        pytest.skip("the seed article is not next to this checkout")
    start = seed.index("apiVersion: apps/v1beta1")
    end = seed.index("kubectl create -f docs/user-guide/nginx-deployment.yaml")
    return seed[start:end].rstrip("1\n ")


NGINX_V1BETA1 = """\
apiVersion: apps/v1beta1 # 创建该对象所使用的 Kubernetes API 的版本
kind: Deployment # 想要创建的对象的类型
metadata:  # 识别对象唯一性的数据,包括一个 name 字符串、UID 和可选的 namespace
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


def test_seed_example_is_the_one_we_test():
    assert seed_nginx_example() == NGINX_V1BETA1.rstrip()


def test_seed_nginx_example_fails_on_a_1_32_cluster():
    from kube_lab import ApplyError

    c = Cluster(nodes=1)
    with pytest.raises(ApplyError) as e:
        c.apply(NGINX_V1BETA1)
    assert str(e.value) == (
        'error: resource mapping not found for name: "nginx-deployment" namespace: "" from "STDIN": '
        'no matches for kind "Deployment" in version "apps/v1beta1"\nensure CRDs are installed first')
    assert c.list("deployments") == []


def test_seed_nginx_example_needs_a_selector_in_apps_v1():
    from kube_lab import ApplyError

    c = Cluster(nodes=1)
    with pytest.raises(ApplyError) as e:
        c.apply(NGINX_V1BETA1.replace("apps/v1beta1", "apps/v1"))
    assert str(e.value) == (
        'The Deployment "nginx-deployment" is invalid: \n'
        '* spec.selector: Required value\n'
        '* spec.template.metadata.labels: Invalid value: map[string]string{"app":"nginx"}: '
        '`selector` does not match template `labels`')
    fixed = NGINX_V1BETA1.replace("apps/v1beta1", "apps/v1").replace(
        "  replicas: 3\n", "  replicas: 3\n  selector:\n    matchLabels:\n      app: nginx\n")
    assert c.apply(fixed) == ["deployment.apps/nginx-deployment created"]
    assert c.apply(fixed) == ["deployment.apps/nginx-deployment unchanged"]
    assert c.apply(fixed.replace("nginx:1.7.9", "nginx:1.9.1")) == ["deployment.apps/nginx-deployment configured"]
    assert c.get("deploy", "nginx-deployment")["metadata"]["generation"] == 2


def test_apply_multi_document_reports_every_failure_and_applies_the_rest():
    from kube_lab import ApplyError

    c = Cluster(nodes=1)
    text = NGINX_V1BETA1 + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\n" + \
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\n"
    with pytest.raises(ApplyError) as e:
        c.apply(text)
    assert e.value.results == ["configmap/ok created"]
    assert e.value.messages[0].startswith('resource mapping not found for name: "nginx-deployment"')
    assert e.value.messages[1].startswith('Error from server (Invalid): error when creating "STDIN": '
                                          'ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"')
    assert c.get("cm", "ok")["metadata"]["name"] == "ok"


def test_default_cluster_has_kinds_network_addons():
    """Like kind: CoreDNS runs behind kube-dns, every node has a kube-proxy, names resolve."""
    c = Cluster(nodes=2, seed=0)
    dns = c.list("pods", "kube-system", selector="k8s-app=kube-dns")
    assert len(dns) == 2 and all(p["status"]["phase"] == "Running" for p in dns)
    assert c.get("svc", "kube-dns", "kube-system")["spec"]["clusterIP"] == "10.96.0.10"
    assert sorted(c.machines) == ["kind-control-plane", "kind-worker", "kind-worker2"]
    assert sorted(c.proxies) == sorted(c.machines)
    assert Cluster(nodes=1, network_addons=False).list("pods", "kube-system") == []


def test_restore_brings_back_the_add_ons_the_snapshot_had(tmp_path):
    for addons in (True, False):
        c = Cluster(nodes=1, seed=0, network_addons=addons)
        c.snapshot_save(str(tmp_path / "s.db"))
        r = Cluster.restore(str(tmp_path / "s.db"))
        assert r.network_addons is addons and (len(r.proxies) == 2) is addons
