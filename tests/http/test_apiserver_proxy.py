"""``pods/proxy`` and ``services/proxy`` over HTTP: the real kubectl's ``get --raw`` (the Kubernetes
Basics tutorial's ``/api/v1/namespaces/default/pods/NAME:8080/proxy/``) and a raw HTTPS client.
``kubectl port-forward`` needs SPDY/WebSocket streams, which the lab server does not speak: it keeps
the upstream-shaped ``error dialing backend`` answer."""
from __future__ import annotations

import json
import shutil

import pytest

KUBECTL = shutil.which("kubectl")
BOOTCAMP = "gcr.io/google-samples/kubernetes-bootcamp:v1"


@pytest.fixture(scope="module")
def plab(lab):
    with lab.paused():
        c = lab.cluster
        assert c.kubectl(f"create deployment kubernetes-bootcamp --image={BOOTCAMP} --port=8080").exit_code == 0
        assert c.kubectl("expose deployment kubernetes-bootcamp --port=80 --target-port=8080").exit_code == 0
        c.settle()
        c.run(1)     # settle() does not wait for programs: node server.js listens 0.3 s after it starts
        name = c.list("pods")[0]["metadata"]["name"]
        ip = c.get("pods", name)["status"]["podIP"]
    lab.pod, lab.ip = name, ip
    return lab


def hello(name: str) -> str:
    return f"Hello Kubernetes bootcamp! | Running on: {name} | v=1\n"


def test_raw_https_pod_and_service_proxy(plab):
    r = plab.request("GET", f"/api/v1/namespaces/default/pods/{plab.pod}:8080/proxy/")
    assert r.status == 200 and r.body.decode() == hello(plab.pod)
    r = plab.request("GET", "/api/v1/namespaces/default/services/kubernetes-bootcamp/proxy/")
    assert r.status == 200 and r.body.decode() == hello(plab.pod)
    r = plab.request("GET", f"/api/v1/namespaces/default/pods/{plab.pod}:8080/proxy")
    assert r.status == 301 and r.headers["Location"].endswith(f"/pods/{plab.pod}:8080/proxy/")
    r = plab.request("GET", f"/api/v1/namespaces/default/pods/{plab.pod}:9999/proxy/")
    assert r.status == 503
    assert r.json["message"] == f"error trying to reach service: dial tcp {plab.ip}:9999: connect: connection refused"
    r = plab.request("GET", "/api/v1/namespaces/default/services/kubernetes-bootcamp:81/proxy/")
    assert (r.status, r.json["message"]) == (503, 'no service port 81 found for service "kubernetes-bootcamp"')
    r = plab.request("GET", f"/api/v1/namespaces/default/pods/{plab.pod}:8080/proxy/", token=False)
    assert r.status == 401


@pytest.mark.skipif(KUBECTL is None, reason="no kubectl binary on PATH: the real-kubectl interop tests need one")
def test_real_kubectl_get_raw_proxy(plab):
    r = plab.kubectl("get", "--raw", f"/api/v1/namespaces/default/pods/{plab.pod}:8080/proxy/")
    assert (r.returncode, r.stdout) == (0, hello(plab.pod))
    r = plab.kubectl("get", "--raw", "/api/v1/namespaces/default/services/kubernetes-bootcamp:80/proxy/")
    assert (r.returncode, r.stdout) == (0, hello(plab.pod))
    r = plab.kubectl("get", "--raw", "/api/v1/namespaces/default/pods/nope:8080/proxy/")
    assert (r.returncode, r.stderr) == (1, 'Error from server (NotFound): pods "nope" not found\n')
    r = plab.kubectl("get", "--raw", f"/api/v1/namespaces/default/pods/{plab.pod}:8081/proxy/")
    assert r.returncode == 1
    assert r.stderr == ("Error from server (ServiceUnavailable): error trying to reach service: "
                        f"dial tcp {plab.ip}:8081: connect: connection refused\n")


@pytest.mark.skipif(KUBECTL is None, reason="no kubectl binary on PATH: the real-kubectl interop tests need one")
def test_real_kubectl_port_forward_is_refused_honestly(plab):
    r = plab.kubectl("port-forward", f"pod/{plab.pod}", "18080:8080", "--address", "127.0.0.1", timeout=30)
    assert r.returncode == 1
    assert "error dialing backend" in r.stderr or "error upgrading connection" in r.stderr
    assert json.dumps(r.stderr)          # a readable one-line error, not a hang
