"""``kubectl proxy`` and ``kubectl port-forward`` on the machine outside the cluster, and the API
server's ``pods/proxy`` / ``services/proxy`` subresources (the Kubernetes Basics tutorial's
``/api/v1/namespaces/default/pods/NAME:8080/proxy/``)."""
from __future__ import annotations

import json

import pytest

from kube_lab import Cluster
from kube_lab.controlplane.apiserver import proxy as proxying
from kube_lab.kubectl.commands import portforward

BOOTCAMP = "gcr.io/google-samples/kubernetes-bootcamp:v1"


@pytest.fixture(scope="module")
def lab():
    c = Cluster(nodes=2, seed=0)
    assert c.kubectl(f"create deployment kubernetes-bootcamp --image={BOOTCAMP} --port=8080").exit_code == 0
    assert c.kubectl("expose deployment kubernetes-bootcamp --port=80 --target-port=8080").exit_code == 0
    c.settle()
    yield c
    portforward.stop(c)


def pod_name(c: Cluster) -> str:
    return next(p["metadata"]["name"] for p in c.list("pods") if p["metadata"]["name"].startswith("kubernetes-bootcamp"))


def hello(name: str) -> str:
    return f"Hello Kubernetes bootcamp! | Running on: {name} | v=1\n"


# -- the API server's proxy subresources --------------------------------------------------------
def test_split_scheme_name_port():
    assert proxying.split_scheme_name_port("web") == ("", "web", "", True)
    assert proxying.split_scheme_name_port("web:8080") == ("", "web", "8080", True)
    assert proxying.split_scheme_name_port("https:web:443") == ("https", "web", "443", True)
    assert proxying.split_scheme_name_port("ftp:web:21")[3] is False
    assert proxying.split_scheme_name_port("a:b:c:d")[3] is False


def test_pod_location_and_errors(lab):
    api, name = lab.apiserver, pod_name(lab)
    pod = lab.get("pods", name)
    loc = proxying.pod_location(api, "default", f"{name}:8080")
    assert (loc.ip, loc.port) == (pod["status"]["podIP"], "8080")
    assert proxying.pod_location(api, "default", name).port == "8080"     # the first declared port
    with pytest.raises(Exception) as e:
        proxying.pod_location(api, "default", "a:b:c:d")
    assert e.value.code == 400 and e.value.message == 'invalid pod request "a:b:c:d"'
    with pytest.raises(Exception) as e:
        proxying.pod_location(api, "default", "nope:8080")
    assert e.value.code == 404 and e.value.message == 'pods "nope" not found'


def test_service_location_errors(lab):
    api = lab.apiserver
    rng = api.random.stream("test/proxy")
    loc = proxying.service_location(api, "default", "kubernetes-bootcamp:80", rng)
    assert loc.port == "8080" and loc.pod == f"default/{pod_name(lab)}"
    with pytest.raises(Exception) as e:
        proxying.service_location(api, "default", "kubernetes-bootcamp:81", rng)
    assert (e.value.code, e.value.message) == (503, 'no service port 81 found for service "kubernetes-bootcamp"')
    lab.kubectl("create service clusterip lonely --tcp=80:8080")
    lab.run(2)
    with pytest.raises(Exception) as e:
        proxying.service_location(api, "default", "lonely:80", rng)
    assert (e.value.code, e.value.message) == (503, 'no endpoints available for service "lonely"')
    lab.kubectl("delete service lonely")


# -- kubectl proxy --------------------------------------------------------------------------------
def test_kubectl_proxy_reaches_the_pod_through_the_api_server(lab):
    name = pod_name(lab)
    r = lab.kubectl("proxy")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "Starting to serve on 127.0.0.1:8001\n", "")
    try:
        again = lab.kubectl("proxy")
        assert (again.exit_code, again.stderr) == (1, "error: listen tcp 127.0.0.1:8001: bind: address already in use\n")
        res = lab.request(f"http://localhost:8001/api/v1/namespaces/default/pods/{name}:8080/proxy/")
        assert res.ok and res.status == 200 and res.body == hello(name)
        assert res.pod == f"default/{name}"
        text = res.text()
        assert "accepted by kubectl proxy" in text
        assert "kube-apiserver (172.18.0.2) dials" in text
        assert "accepted by node (container kubernetes-bootcamp" in text
        # through the Service's endpoints
        svc = lab.request("http://localhost:8001/api/v1/namespaces/default/services/kubernetes-bootcamp:80/proxy/")
        assert svc.status == 200 and svc.body == hello(name)
        # nothing listens on 8081: upstream's 503
        bad = lab.request(f"http://localhost:8001/api/v1/namespaces/default/pods/{name}:8081/proxy/")
        status = json.loads(bad.body)
        ip = lab.get("pods", name)["status"]["podIP"]
        assert bad.status == 503 and status["reason"] == "ServiceUnavailable"
        assert status["message"] == f"error trying to reach service: dial tcp {ip}:8081: connect: connection refused"
        missing = lab.request("http://localhost:8001/api/v1/namespaces/default/pods/nope:8080/proxy/")
        assert missing.status == 404 and json.loads(missing.body)["message"] == 'pods "nope" not found'
        # …/proxy without the slash: redirected
        moved = lab.request(f"http://localhost:8001/api/v1/namespaces/default/pods/{name}:8080/proxy")
        assert moved.status == 301
        # the API's own JSON
        nss = lab.request("http://localhost:8001/api/v1/namespaces")
        doc = json.loads(nss.body)
        assert nss.status == 200 and doc["kind"] == "NamespaceList"
        assert "default" in [i["metadata"]["name"] for i in doc["items"]]
        assert json.loads(lab.request("http://localhost:8001/version").body)["gitVersion"].startswith("v1.32")
        # the request filter: exec is rejected
        ex = lab.request(f"http://localhost:8001/api/v1/namespaces/default/pods/{name}/exec")
        assert (ex.status, ex.body) == (403, "Forbidden\n")
    finally:
        assert portforward.stop(lab, 8001) == 1
    after = lab.request("http://localhost:8001/api/v1/namespaces")
    assert after.error == "connect: connection refused"


def test_kubectl_proxy_flags(lab):
    r = lab.kubectl("proxy --port=8011 --api-prefix=/k8s-api")
    assert r.stdout == "Starting to serve on 127.0.0.1:8011\n"
    try:
        ok = lab.request("http://127.0.0.1:8011/k8s-api/api/v1/namespaces/default/pods")
        assert ok.status == 200 and json.loads(ok.body)["kind"] == "PodList"
        assert lab.request("http://127.0.0.1:8011/api/v1/pods").status == 404
    finally:
        portforward.stop(lab)
    assert lab.kubectl("proxy --address=10.1.2.3").stderr == \
        "error: listen tcp 10.1.2.3:8001: bind: cannot assign requested address\n"
    assert lab.kubectl("proxy --port=9000 --unix-socket=/tmp/x").stderr == \
        "error: cannot set --unix-socket and --port at the same time\n"
    assert portforward.stop(lab) == 0


# -- kubectl port-forward ---------------------------------------------------------------------------
def test_port_forward_pod(lab):
    name = pod_name(lab)
    r = lab.kubectl(f"port-forward pod/{name} 8080:8080")
    assert (r.exit_code, r.stdout, r.stderr) == (
        0, "Forwarding from 127.0.0.1:8080 -> 8080\nForwarding from [::1]:8080 -> 8080\n", "")
    try:
        res = lab.request("http://localhost:8080/")
        assert res.status == 200 and res.body == hello(name)
        text = res.text()
        # kubectl → kube-apiserver → kubelet → the pod's own localhost, not kube-proxy's rules
        assert "accepted by kubectl port-forward" in text
        assert f"/portForward/default/{name}" in text
        assert "lo: 127.0.0.1 → 127.0.0.1:8080 (inside the pod's network namespace)" in text
        assert "KUBE-SVC" not in text
        lab.request("http://127.0.0.1:8080/")
        (session,) = [s for s in portforward.sessions(lab) if s.running]
        assert session.stdout == "Handling connection for 8080\nHandling connection for 8080\n"
        busy = lab.kubectl(f"port-forward {name} 8080")
        assert busy.exit_code == 1
        assert busy.stderr == (
            "Unable to listen on port 8080: Listeners failed to create with the following errors: "
            "[unable to create listener: Error listen tcp4 127.0.0.1:8080: bind: address already in use "
            "unable to create listener: Error listen tcp6 [::1]:8080: bind: address already in use]\n"
            "error: unable to listen on any of the requested ports: [{8080 8080}]\n")
    finally:
        portforward.stop(lab, 8080)


def test_port_forward_service_and_deployment(lab):
    name = pod_name(lab)
    r = lab.kubectl("port-forward service/kubernetes-bootcamp 7000:80")
    # the Service port is translated to the pod's target port
    assert r.stdout == "Forwarding from 127.0.0.1:7000 -> 8080\nForwarding from [::1]:7000 -> 8080\n"
    r = lab.kubectl("port-forward deployment/kubernetes-bootcamp :8080 --address 127.0.0.1")
    assert r.exit_code == 0 and r.stdout.startswith("Forwarding from 127.0.0.1:") and r.stdout.endswith(" -> 8080\n")
    local = int(r.stdout.split(":")[1].split()[0])
    try:
        assert lab.request("http://localhost:7000").body == hello(name)
        assert lab.request(f"http://127.0.0.1:{local}/").body == hello(name)
    finally:
        assert portforward.stop(lab) == 2


def test_port_forward_nothing_listening_loses_the_connection(lab):
    name = pod_name(lab)
    assert lab.kubectl(f"port-forward pod/{name} 9090:80").exit_code == 0
    res = lab.request("http://localhost:9090/")
    assert res.error == "empty reply from server"
    (session,) = [s for s in portforward.sessions(lab) if "9090:80" in s.command_line]
    assert not session.running
    assert session.stdout == "Handling connection for 9090\n"
    err = session.stderr.splitlines()
    assert 'portforward.go:424] "Unhandled Error" err="an error occurred forwarding 9090 -> 80: error forwarding ' \
           'port 80 to pod ' in err[0]
    assert "dial tcp4 127.0.0.1:80: connect: connection refused" in err[0]
    assert err[1] == "error: lost connection to pod"
    assert lab.request("http://localhost:9090/").error == "connect: connection refused"


def test_port_forward_argument_errors(lab):
    name = pod_name(lab)
    assert lab.kubectl("port-forward").stderr == (
        "error: TYPE/NAME and list of ports are required for port-forward\n"
        "See 'kubectl port-forward -h' for help and examples\n")
    assert lab.kubectl(f"port-forward {name} 8080:").stderr == "error: remote port cannot be empty\n"
    assert lab.kubectl(f"port-forward {name} x:80").stderr == \
        "error: error parsing local port 'x': strconv.ParseUint: parsing \"x\": invalid syntax\n"
    assert lab.kubectl(f"port-forward {name} 8080:0").stderr == "error: remote port must be > 0\n"
    assert lab.kubectl(f"port-forward {name} 8080:web").stderr == \
        f"error: Pod '{name}' does not have a named port 'web'\n"
    assert lab.kubectl("port-forward svc/kubernetes-bootcamp 8080:81").stderr == \
        "error: Service kubernetes-bootcamp does not have a service port 81\n"
    assert lab.kubectl(f"port-forward {name} 8080 --address nowhere").stderr == "error: nowhere is not a valid IP\n"
    assert lab.kubectl("port-forward pod/nope 8080").stderr == 'Error from server (NotFound): pods "nope" not found\n'
    assert portforward.stop(lab) == 0


def test_port_forward_pod_not_running():
    c = Cluster(nodes=1, seed=0, network_addons=False)
    c.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pending"},
              "spec": {"nodeSelector": {"no": "such"}, "containers": [{"name": "app", "image": BOOTCAMP}]}})
    c.run(5)
    r = c.kubectl("port-forward pod/pending 8080")
    assert (r.exit_code, r.stderr) == (1, "error: unable to forward port because pod is not running. "
                                          "Current status=Pending\n")
