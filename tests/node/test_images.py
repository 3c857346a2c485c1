"""Image references, the registry catalog, the lesson API, and determinism of the node side."""
import json
import os
import subprocess
import sys

import pytest

from kube_lab.node.fs import FileSystem, FSError, Mount, Tree
from kube_lab.node.images import PullError, Registry, parse_reference

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.parametrize("ref,normal", [
    ("nginx", "docker.io/library/nginx:latest"),
    ("nginx:1.25", "docker.io/library/nginx:1.25"),
    ("jocatalin/kubernetes-bootcamp:v2", "docker.io/jocatalin/kubernetes-bootcamp:v2"),
    ("gcr.io/google-samples/kubernetes-bootcamp:v1", "gcr.io/google-samples/kubernetes-bootcamp:v1"),
    ("registry.k8s.io/busybox:1.27.2", "registry.k8s.io/busybox:1.27.2"),
    ("localhost:5000/app", "localhost:5000/app:latest"),
])
def test_normalized_names(ref, normal):
    assert Registry().normalize(ref) == normal


def test_malformed_references():
    with pytest.raises(PullError) as e:
        parse_reference("Nginx")
    assert e.value.message == "invalid reference format: repository name (library/Nginx) must be lowercase"
    assert e.value.invalid
    for bad in ("nginx:", "nginx::1", "-nginx", "nginx@sha256:abc"):
        with pytest.raises(PullError):
            parse_reference(bad)


def test_catalog_contents():
    r = Registry()
    assert {"1.7.9", "1.9.1", "1.25", "latest"} <= set(r.tags("nginx"))
    assert r.tags("gcr.io/google-samples/kubernetes-bootcamp") == ["v1"]
    assert r.tags("jocatalin/kubernetes-bootcamp") == ["v1", "v2"]
    nginx = r.resolve("nginx:1.25")
    assert nginx.stop_signal == "SIGQUIT" and r.resolve("nginx:1.7.9").stop_signal == "SIGTERM"
    assert nginx.entrypoint == ["/docker-entrypoint.sh"] and nginx.cmd == ["nginx", "-g", "daemon off;"]
    assert r.resolve("mysql:5.6").env[-1] == "MYSQL_VERSION=5.6.51-1debian9"
    assert r.resolve("wordpress").stop_signal == "SIGWINCH"
    with pytest.raises(PullError) as e:
        r.resolve("gcr.io/google-samples/kubernetes-bootcamp:v10")
    assert e.value.code == "NotFound"
    # digests are stable and resolvable
    assert r.resolve(f"nginx@{nginx.digest}") is nginx


def test_define_publishes_a_lesson_image():
    from kube_lab.node import WebServer

    r = Registry()
    img = r.define("lesson/app:2.0", WebServer, size=1234)
    assert img.name == "docker.io/lesson/app" and img.tag == "2.0" and img.size == 1234
    assert r.resolve("lesson/app:2.0") is img
    with pytest.raises(PullError):
        r.resolve("lesson/app:3.0")


def test_filesystem_mounts_and_errors():
    root = Tree({"etc/os-release": "x"})
    vol = Tree({"a.txt": "A"}, read_only=True)
    data = Tree()
    fs = FileSystem(root, [Mount("/etc/config", vol), Mount("/data", data), Mount("/etc/one", vol, sub_path="a.txt")])
    assert fs.read("/etc/config/a.txt") == "A" and fs.read("/etc/one") == "A"
    assert fs.listdir("/etc") == ["config", "one", "os-release"]
    with pytest.raises(FSError) as e:
        fs.write("/etc/config/b", "x")
    assert e.value.strerror == "Read-only file system"
    fs.write("/data/x", "1")
    fs.write("/data/x", "2", append=True)
    assert data.get("x").data == "12"
    with pytest.raises(FSError) as e:
        fs.read("/nope")
    assert e.value.errno == "ENOENT"
    with pytest.raises(FSError) as e:
        fs.write("/missing/dir/f", "x")
    assert e.value.errno == "ENOENT"


SCRIPT = r"""
import json, sys
sys.path.insert(0, %(root)r)
from kube_lab import Cluster
c = Cluster(nodes=2, seed=5)
for i, image in enumerate(["nginx:1.25", "nginx:1.99", "busybox:1.36"]):
    c.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i}"},
              "spec": {"nodeName": "kind-worker" if i == 1 else "kind-worker2",
                       "containers": [{"name": "c", "image": image, "command": ["sh", "-c", "exit 1"]} if i == 2
                                      else {"name": "c", "image": image}]}})
c.run(120)
c.delete("pod", "p0")
c.run(40)
print(json.dumps({"store": c.etcd.dump(), "trace": [list(r) for r in c.trace]}, sort_keys=True))
"""


def test_same_seed_same_node_behaviour_across_processes():
    def run(hashseed):
        env = dict(os.environ, PYTHONHASHSEED=hashseed)
        return subprocess.run([sys.executable, "-c", SCRIPT % {"root": ROOT}], capture_output=True, text=True,
                              env=env, check=True).stdout

    a = run("1")
    assert a == run("4242")
    data = json.loads(a)
    assert any(k["key"] == "/registry/leases/kube-node-lease/kind-worker" for k in data["store"]["kvs"])
