"""Traffic end to end (``cluster.request`` / ``cluster.load``): requests from pods, nodes and the
host outside the cluster travel through DNS, kube-proxy's rules and the pod network, and are
answered by the programs in the pods — on the virtual clock."""
import base64
import hashlib

import pytest

from kube_lab import Cluster
from kube_lab.node.images.program import Response, WebServer

AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.53"


def svc_chain(name: str, proto: str = "tcp") -> str:
    """Upstream's KUBE-SVC- name, written out independently: base32(sha256(name + proto))[:16]."""
    return "KUBE-SVC-" + base64.b32encode(hashlib.sha256((name + proto).encode()).digest()).decode()[:16]


def deployment(name: str, replicas: int, container: str, labels: str = "") -> str:
    labels = labels or f"app: {name}"
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{{labels}}}}}
  template:
    metadata: {{labels: {{{labels}}}}}
    spec:
      containers: [{container}]
"""


def service(name: str, spec: str = "", selector: str = "") -> str:
    return f"""
apiVersion: v1
kind: Service
metadata: {{name: {name}}}
spec:
  selector: {{{selector or 'app: ' + name}}}
  {spec or 'ports: [{port: 80}]'}
"""


def client_pod(name: str = "client", node: str | None = None) -> str:
    pin = f"\n  nodeName: {node}" if node else ""
    return f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:{pin}
  containers: [{{name: sh, image: "busybox:1.36", command: ["sh", "-c", "sleep 36000"]}}]
"""


NGINX = '{name: nginx, image: "nginx:1.25", ports: [{containerPort: 80}]}'


@pytest.fixture(scope="module")
def kind():
    """Three nginx pods behind ``web`` (ClusterIP), one client pod per worker."""
    c = Cluster(nodes=2, seed=0, network_addons=True)
    c.apply(deployment("web", 3, NGINX) + "---" + service("web") + "---" + client_pod("client", "kind-worker")
            + "---" + client_pod("client2", "kind-worker2"))
    c.run(60)
    return c


def web_pods(c, selector="app=web"):
    return {f"default/{p['metadata']['name']}": p for p in c.list("pods", selector=selector)
            if not p["metadata"].get("deletionTimestamp")}


# ------------------------------------------------------------------------------------------
def test_a_request_from_a_pod_is_traced_hop_by_hop(kind):
    t0 = kind.now
    r = kind.request("http://web", source="pod/client")
    assert r.ok and r.error is None and r.status == 200
    assert "Welcome to nginx!" in r.body
    pods = web_pods(kind)
    assert r.pod in pods
    pod = pods[r.pod]
    assert r.endpoint == f"{pod['status']['podIP']}:80" and r.node == pod["spec"]["nodeName"]
    assert t0 == r.started < r.finished == kind.now           # the request took virtual time
    ip = kind.get("svc", "web")["spec"]["clusterIP"]
    text = r.text()
    assert f"DNS web → web.default.svc.cluster.local = {ip}" in text
    assert "answered by CoreDNS pod kube-system/coredns-" in text
    chain = svc_chain("default/web")
    assert f"-j {chain}" in text                                     # KUBE-SERVICES → KUBE-SVC-…
    sep = kind.proxies["kind-worker"].chains_for("default", "web")["KUBE-SEP"][r.endpoint]
    assert f"-j DNAT --to-destination {r.endpoint}" in text and f"iptables -t nat {sep}:" in text
    assert f"DNAT {ip}:80 → {r.endpoint}" in text
    wheres = [h.where for h in r.hops]
    assert wheres[0] == "pod default/client" and wheres[-1] == f"pod {r.pod}"
    assert r.hops[-1].what.startswith("HTTP/1.1 200 OK")
    assert str(r).splitlines()[0].startswith("GET http://web from pod/client: 200 OK from default/web-")


def test_names_resolve_through_the_pod_search_path(kind):
    for name in ("web", "web.default", "web.default.svc", "web.default.svc.cluster.local"):
        r = kind.request(f"http://{name}:80/", source="pod/client2")
        assert r.ok, (name, r.error)
    r = kind.request("http://no-such-service", source="pod/client")
    assert not r.ok and r.error == "bad address 'no-such-service'" and r.status is None


def test_3000_requests_spread_over_three_pods(kind):
    gen = kind.load("http://web", source="pod/client", rate=1000, count=3000)
    kind.run(4)
    assert gen.done and len(gen.records) == 3000 and not gen.failures()
    spread = gen.spread()
    assert set(spread) == set(web_pods(kind)) and sum(spread.values()) == 3000
    # chi-square against a uniform split: 2 degrees of freedom, 13.8 is the 0.1 % critical value
    chi2 = sum((n - 1000) ** 2 / 1000 for n in spread.values())
    assert chi2 < 13.8, spread
    lines = gen.summary().splitlines()
    assert lines[0].split() == ["POD", "REQUESTS", "SHARE"] and lines[-1].split() == ["total", "3000"]


def test_the_load_generator_sends_at_fixed_virtual_intervals(kind):
    t0 = kind.now
    gen = kind.load("http://web", source="pod/client", rate=20, duration=1.0)
    assert len(gen.records) == 1 and gen.records[0].started == t0     # the first one at once
    kind.run(0.5)
    assert not gen.done
    kind.run(1.0)
    assert gen.done and len(gen.records) == 20
    assert [round(r.started - t0, 9) for r in gen.records] == [round(i / 20, 9) for i in range(20)]
    tl = gen.timeline()
    assert tl[0][0] == t0 and tl[0][1] > t0 and tl[0][2] in web_pods(kind) and tl[0][3] is True
    stopped = kind.load("http://web", source="pod/client", rate=10).stop()
    kind.run(2)
    assert len(stopped.records) == 1 and stopped.done


def test_the_load_plot(kind):
    matplotlib = pytest.importorskip("matplotlib", reason="matplotlib is a lab extra")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    gen = kind.load("http://web", source="pod/client", rate=50, count=20)
    kind.run(1)
    ax = gen.plot()
    assert [t.get_text() for t in ax.get_yticklabels()] == sorted(web_pods(kind))
    plt.close(ax.figure)


def test_session_affinity_client_ip_keeps_each_client_on_one_pod():
    c = Cluster(nodes=2, seed=1, network_addons=True)
    c.apply(deployment("web", 3, NGINX) + "---" + service("web", "sessionAffinity: ClientIP\n  ports: [{port: 80}]")
            + "---" + client_pod("a", "kind-worker") + "---" + client_pod("b", "kind-worker2")
            + "---" + client_pod("c", "kind-worker"))
    c.run(60)
    for client in ("a", "b", "c"):
        gen = c.load("http://web", source=f"pod/{client}", rate=100, count=100)
        c.run(2)
        assert len(gen.spread()) == 1 and sum(gen.spread().values()) == 100, (client, gen.spread())
    r = c.request("http://web", source="pod/a")
    assert "session affinity: this client's endpoint" in r.text() and "--rcheck --seconds 10800" in r.text()


def test_node_port_answers_on_every_node_with_cluster_policy_and_only_local_ones_with_local():
    c = Cluster(nodes=2, seed=0, network_addons=True)
    pod = """
apiVersion: v1
kind: Pod
metadata: {name: only, labels: {app: web}}
spec:
  nodeName: kind-worker2
  containers: [{name: nginx, image: "nginx:1.25", ports: [{containerPort: 80}]}]
"""
    c.apply(pod + "---" + service("web", "type: NodePort\n  ports: [{port: 80, nodePort: 30080}]")
            + "---" + service("local", "type: NodePort\n  externalTrafficPolicy: Local\n"
                                       "  ports: [{port: 80, nodePort: 30081}]", "app: web"))
    c.run(30)
    ips = {m.name: m.ip for m in c.machines.values()}
    assert len(ips) == 3
    for node, ip in ips.items():
        r = c.request(f"{ip}:30080")
        assert r.ok and r.pod == "default/only", (node, r.error)
        assert r.client_ip != "172.18.0.1"                # Cluster policy: the client address is lost
        local = c.request(f"http://{ip}:30081/")
        if node == "kind-worker2":
            assert local.ok and local.client_ip == "172.18.0.1"    # Local: kept
        else:
            assert not local.ok and local.error == "i/o timeout"
            assert "has no local endpoints" in local.text() and local.text().splitlines()[-2].endswith("-j DROP")
    assert "KUBE-NODEPORTS" in c.request(f"{ips['kind-worker']}:30080").text()
    # on a node, localhost:<nodePort> works too (iptables mode's localhost node ports)
    assert c.request("localhost:30080", source="node/kind-worker").pod == "default/only"
    assert c.request("127.0.0.1:30999", source="node/kind-worker").error == "connect: connection refused"


def test_load_balancer_pending_by_default_then_served_from_the_pool():
    c = Cluster(nodes=2, seed=0, network_addons=True)
    c.apply(deployment("web", 2, NGINX) + "---" + service("web", "type: LoadBalancer\n  ports: [{port: 80}]"))
    c.run(60)
    assert "<pending>" in c.kubectl("get svc web").stdout
    c.load_balancer.enable("172.18.255.200-172.18.255.250")
    c.run(5)
    ip = c.get("svc", "web")["status"]["loadBalancer"]["ingress"][0]["ip"]
    assert ip == "172.18.255.200" and ip in c.kubectl("get svc web").stdout
    r = c.request(f"http://{ip}/")
    assert r.ok and r.pod in web_pods(c)
    announcer = c.load_balancer.announcing("default", "web")
    assert f"node {announcer}" in [h.where for h in r.hops]
    assert "loadbalancer IP" in r.text()
    # an address of the docker network that nobody announces: ARP gets no answer
    miss = c.request("http://172.18.255.201/", timeout=5)
    assert miss.error == "connect: no route to host" and miss.finished - miss.started == pytest.approx(3.0)


def test_external_name_is_a_cname_with_no_cluster_ip(kind):
    kind.apply("""
apiVersion: v1
kind: Service
metadata: {name: alias}
spec: {type: ExternalName, externalName: web.default.svc.cluster.local}
""")
    kind.run(2)
    assert "clusterIP" not in kind.get("svc", "alias")["spec"]
    r = kind.request("http://alias", source="pod/client")
    assert r.ok and r.pod in web_pods(kind)
    ip = kind.get("svc", "web")["spec"]["clusterIP"]
    assert f"DNS alias → alias.default.svc.cluster.local → CNAME web.default.svc.cluster.local = {ip}" in r.text()
    answer = kind.dns.query("alias.default.svc.cluster.local")
    assert [(a.type, a.data) for a in answer.answers][:1] == [("CNAME", "web.default.svc.cluster.local.")]


def test_headless_service_and_statefulset_pod_names_reach_the_pods():
    c = Cluster(nodes=2, seed=0, network_addons=True)
    c.apply("""
apiVersion: v1
kind: Service
metadata: {name: nginx}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: nginx
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: nginx, image: "nginx:1.25", ports: [{containerPort: 80}]}]
""" + "---" + client_pod())
    c.run(90)
    for name in ("db-0", "db-1"):
        ip = c.get("pod", name)["status"]["podIP"]
        r = c.request(f"http://{name}.nginx", source="pod/client")
        assert r.ok and r.pod == f"default/{name}" and r.endpoint == f"{ip}:80"
        assert f"{name}.nginx.default.svc.cluster.local = {ip}" in r.text()
        assert "KUBE-SVC-" not in r.text() and "DNAT" not in r.text()      # straight to the pod IP
    r = c.request("http://nginx", source="pod/client")
    assert r.ok and r.pod in ("default/db-0", "default/db-1")


def test_deleting_a_pod_removes_its_endpoint_at_once_and_new_requests_avoid_it():
    c = Cluster(nodes=2, seed=0, network_addons=True)
    draining = f'{{name: app, image: "{AGNHOST}", args: ["netexec", "--http-port=8080", "--delay-shutdown=20"]}}'
    c.apply(deployment("web", 3, draining) + "---" + service("web", "ports: [{port: 80, targetPort: 8080}]")
            + "---" + client_pod())
    c.run(60)
    victim = sorted(web_pods(c))[0]
    name = victim.split("/")[1]
    ip = c.get("pod", name)["status"]["podIP"]
    c.delete("pods", name)
    c.run(0.1)                     # far inside the 30 s grace period (and its 20 s drain)
    eps = [e for s in c.list("endpointslices", selector="kubernetes.io/service-name=web") for e in s["endpoints"]]
    gone = [e for e in eps if e["addresses"] == [ip]]
    assert gone and gone[0]["conditions"] == {"ready": False, "serving": True, "terminating": True}
    assert c.get("pod", name)["metadata"]["deletionTimestamp"]
    gen = c.load("http://web/hostname", source="pod/client", rate=200, count=300)
    c.run(3)
    assert not gen.failures() and victim not in gen.spread()
    # the terminating pod still answers when addressed directly: it was removed, not stopped
    direct = c.request(f"http://{ip}:8080/hostname", source="pod/client")
    assert direct.ok and direct.body == name
    assert c.request(f"http://{ip}:8080/readyz", source="pod/client").status == 503


def test_a_service_without_ready_pods_rejects_connections(kind):
    kind.apply(service("nobody"))
    kind.run(2)
    r = kind.request("http://nobody", source="pod/client")
    assert not r.ok and r.error == "connect: connection refused" and r.pod is None and r.endpoint is None
    assert r.finished - r.started < 0.01                        # refused at once, not timed out
    assert "has no endpoints" in r.text() and "REJECT" in r.text()
    node = kind.request(f"{kind.get('svc', 'nobody')['spec']['clusterIP']}:80", source="node/kind-worker")
    assert node.error == "connect: connection refused"


def test_a_stopped_program_refuses_new_connections(kind):
    kind.apply(f"""
apiVersion: v1
kind: Pod
metadata: {{name: once}}
spec:
  restartPolicy: Never
  containers: [{{name: app, image: "{AGNHOST}", args: ["netexec", "--http-port=8080"]}}]
""")
    kind.run(20)
    ip = kind.get("pod", "once")["status"]["podIP"]
    assert kind.request(f"{ip}:8080/hostname", source="pod/client").body == "once"
    bye = kind.request(f"{ip}:8080/exit?code=0", source="pod/client")
    assert bye.error == "read: connection reset by peer"        # os.Exit before the answer is written
    kind.run(0.001)
    r = kind.request(f"{ip}:8080/hostname", source="pod/client")
    assert r.error == "connect: connection refused" and "nothing listens on" in r.text()


def test_two_containers_share_localhost_and_a_second_server_cannot_bind_the_port(kind):
    kind.apply("""
apiVersion: v1
kind: Pod
metadata: {name: pair}
spec:
  containers:
  - {name: web, image: "nginx:1.25"}
  - {name: other, image: "nginx:1.25"}
  - {name: side, image: "busybox:1.36", command: ["sh", "-c", "sleep 36000"]}
""")
    kind.run(20)
    r = kind.request("http://localhost/", source="pod/pair")
    assert r.ok and r.pod == "default/pair" and r.endpoint == "127.0.0.1:80"
    assert kind.kubectl("exec pair -c side -- wget -qO- localhost").exit_code == 0
    logs = kind.kubectl("logs pair -c other").stdout
    assert "bind() to 0.0.0.0:80 failed (98: Address already in use)" in logs
    assert kind.request("http://localhost:8080/", source="pod/pair").error == "connect: connection refused"


def test_host_port_maps_the_node_ip_to_the_pod():
    c = Cluster(nodes=2, seed=0, network_addons=True)
    c.apply("""
apiVersion: v1
kind: Pod
metadata: {name: hp}
spec:
  nodeName: kind-worker
  containers: [{name: nginx, image: "nginx:1.25", ports: [{containerPort: 80, hostPort: 8080}]}]
""" + "---" + client_pod("client", "kind-worker2"))
    c.run(30)
    node_ip = c.node("kind-worker").ip
    pod_ip = c.get("pod", "hp")["status"]["podIP"]
    for source in ("outside", "pod/client", "node/kind-worker2", "node/kind-worker"):
        r = c.request(f"{node_ip}:8080", source=source)
        assert r.ok and r.pod == "default/hp" and r.endpoint == f"{pod_ip}:80", (source, r.error)
    assert "CNI-HOSTPORT-DNAT" in c.request(f"{node_ip}:8080").text()
    # the CNI portmap plugin's chains in the node's nat table
    sandbox = c.network.pod_sandbox("default", "hp")[1]
    dn = ("CNI-DN-" + hashlib.sha512(("kindnet" + sandbox.id).encode()).hexdigest())[:28]
    nat = c.proxies["kind-worker"].iptables_save("nat").splitlines()
    cidr = c.get("node", "kind-worker")["spec"]["podCIDR"]
    for line in (":CNI-HOSTPORT-DNAT - [0:0]",
                 "-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT",
                 "-A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT",
                 '-A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ',
                 f"-A {dn} -s {cidr} -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK",
                 f"-A {dn} -s 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK",
                 f"-A {dn} -p tcp -m tcp --dport 8080 -j DNAT --to-destination {pod_ip}:80",
                 f'-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"kindnet\\" id: \\"{sandbox.id}\\"" '
                 f"-m multiport --dports 8080 -j {dn}",
                 "-A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE",
                 '-A CNI-HOSTPORT-SETMARK -m comment --comment "CNI portfwd masquerade mark" -j MARK '
                 "--set-xmark 0x2000/0x2000"):
        assert line in nat, line
    assert nat.index("-A POSTROUTING -m comment --comment \"CNI portfwd requiring masquerade\" -j CNI-HOSTPORT-MASQ") \
        < nat.index('-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING')
    # another node has no such mapping; the pod's chain goes with the pod
    assert c.request(f"{c.node('kind-worker2').ip}:8080").error == "connect: connection refused"
    assert "CNI-" not in c.proxies["kind-worker2"].iptables_save("nat")
    c.delete("pod", "hp")
    c.run(40)
    nat = c.proxies["kind-worker"].iptables_save("nat")
    assert dn not in nat and ":CNI-HOSTPORT-DNAT - [0:0]" in nat
    assert c.request(f"{node_ip}:8080").error == "connect: connection refused"


def test_host_port_without_kube_proxy():
    c = Cluster(nodes=1, seed=0, network_addons=False)
    c.apply("""
apiVersion: v1
kind: Pod
metadata: {name: hp}
spec:
  containers: [{name: nginx, image: "nginx:1.25", ports: [{containerPort: 80, hostPort: 8080}]}]
""")
    c.run(30)
    r = c.request(f"{c.node('kind-worker').ip}:8080")
    assert r.ok and r.pod == "default/hp" and "CNI-HOSTPORT-DNAT" in r.text()


def test_host_network_pods_answer_on_the_node_ip():
    c = Cluster(nodes=2, seed=0, network_addons=True)
    c.apply(f"""
apiVersion: v1
kind: Pod
metadata: {{name: hn}}
spec:
  nodeName: kind-worker2
  hostNetwork: true
  containers: [{{name: app, image: "{AGNHOST}", args: ["netexec", "--http-port=9090"]}}]
""" + "---" + client_pod("client", "kind-worker"))
    c.run(30)
    node_ip = c.node("kind-worker2").ip
    assert c.get("pod", "hn")["status"]["podIP"] == node_ip
    for source in ("outside", "pod/client", "node/kind-worker"):
        r = c.request(f"http://{node_ip}:9090/hostname", source=source)
        assert r.ok and r.body == "kind-worker2" and r.pod == "default/hn" and r.endpoint == f"{node_ip}:9090"
    assert c.request("tcp://kind-worker2:9090", source="node/kind-worker").ok     # Docker's DNS knows nodes


def test_outside_reaches_neither_pod_nor_cluster_ips_and_has_no_cluster_dns(kind):
    pod_ip = next(iter(web_pods(kind).values()))["status"]["podIP"]
    cluster_ip = kind.get("svc", "web")["spec"]["clusterIP"]
    for target in (f"{pod_ip}:80", f"{cluster_ip}:80"):
        r = kind.request(target)
        assert r.error == "i/o timeout" and r.finished - r.started == pytest.approx(1.0)
    assert kind.request("http://web").error == "bad address 'web'"
    assert kind.request("http://web", source="node/kind-worker").error == "bad address 'web'"
    assert kind.request(f"{cluster_ip}:80", source="node/kind-worker").ok       # the node's own rules
    assert kind.request(f"{pod_ip}:80", source="node/kind-worker").ok


def test_sources_that_do_not_exist(kind):
    assert kind.request("http://web", source="pod/ghost").error == 'pods "ghost" not found or not running'
    assert kind.request("http://web", source="node/ghost").error == 'nodes "ghost" not found'
    assert "unknown source" in kind.request("http://web", source="elsewhere").error


# ------------------------------------------------------------------------------------------
class Slow(WebServer):
    """A server that takes 5 s to answer, and ignores SIGTERM (PID 1 without a handler)."""
    port = 8080
    sigterm = "ignore"

    def respond(self, proc, request):
        return Response(200, "done\n", delay=5.0)


class SlowDraining(Slow):
    """The same server, finishing its in-flight requests on SIGTERM (8 s of shutdown)."""
    sigterm = "graceful"
    shutdown_seconds = 8.0


def slow_cluster(program, grace: int):
    c = Cluster(nodes=1, seed=0, network_addons=True)
    c.registry.define("lesson/slow:1.0", program)
    c.apply(f"""
apiVersion: v1
kind: Pod
metadata: {{name: slow, labels: {{app: slow}}}}
spec:
  terminationGracePeriodSeconds: {grace}
  containers: [{{name: app, image: "lesson/slow:1.0"}}]
""" + "---" + service("slow", "ports: [{port: 80, targetPort: 8080}]") + "---" + client_pod())
    c.run(30)
    return c


def test_a_request_in_flight_is_cut_by_sigkill():
    c = slow_cluster(Slow, grace=2)
    from kube_lab.network.traffic import for_cluster

    res = for_cluster(c).send("http://slow", source="pod/client", timeout=30)
    c.run(1)
    assert not res.done
    c.delete("pod", "slow")                       # SIGTERM ignored; SIGKILL 2 s later
    c.run(5)
    assert res.done and not res.ok and res.error == "read: connection reset by peer"
    assert res.finished - res.started == pytest.approx(3.0, abs=0.05)
    assert "died with the request in flight" in res.text()


def test_a_request_in_flight_completes_when_the_program_drains():
    c = slow_cluster(SlowDraining, grace=30)
    from kube_lab.network.traffic import for_cluster

    res = for_cluster(c).send("http://slow", source="pod/client", timeout=30)
    c.run(1)
    c.delete("pod", "slow")
    c.run(6)
    assert res.ok and res.body == "done\n" and res.finished - res.started == pytest.approx(5.0, abs=0.05)
    # the pod is no longer ready, but with no ready endpoint left kube-proxy still uses the
    # serving, terminating one: a new request reaches the draining pod (and waits for it)
    s = c.list("endpointslices", selector="kubernetes.io/service-name=slow")[0]
    assert s["endpoints"][0]["conditions"] == {"ready": False, "serving": True, "terminating": True}
    late = c.request("http://slow", source="pod/client", timeout=0.5)
    assert late.endpoint == s["endpoints"][0]["addresses"][0] + ":8080" and late.error == "i/o timeout"


def test_a_request_longer_than_the_timeout_times_out(kind):
    kind.registry.define("lesson/slow:1.0", Slow)
    kind.apply("""
apiVersion: v1
kind: Pod
metadata: {name: slowpoke}
spec:
  containers: [{name: app, image: "lesson/slow:1.0"}]
""")
    kind.run(20)
    ip = kind.get("pod", "slowpoke")["status"]["podIP"]
    r = kind.request(f"{ip}:8080", source="pod/client", timeout=2)
    assert r.error == "i/o timeout" and r.finished - r.started == pytest.approx(2.0)


@pytest.mark.parametrize("drain, expect_failures", [(True, False), (False, True)])
def test_the_endpoint_race_during_a_pod_deletion(drain, expect_failures):
    """kube-proxy applies the endpoint removal after its iptables-restore; a program that exits at
    once on SIGTERM loses the connections that still arrive meanwhile, a draining one answers them."""
    c = Cluster(nodes=2, seed=0, network_addons=True)
    args = '["netexec", "--http-port=8080"' + (', "--delay-shutdown=5"]' if drain else "]")
    c.apply(deployment("web", 3, f'{{name: app, image: "{AGNHOST}", args: {args}}}')
            + "---" + service("web", "ports: [{port: 80, targetPort: 8080}]") + "---" + client_pod())
    c.run(60)
    gen = c.load("http://web/hostname", source="pod/client", rate=500, duration=6)
    c.run(2)
    victims = sorted(web_pods(c))[:2]
    for v in victims:
        c.delete("pods", v.split("/")[1])
    c.run(8)
    assert len(gen.records) == 3000 and gen.done
    assert bool(gen.failures()) is expect_failures
    if drain:
        # a few connections reached the victims after the deletion, and were answered
        t_del = gen.records[1000].started
        late = [r for r in gen.records if r.started > t_del and r.pod in victims]
        assert late and all(r.ok for r in late)
    else:
        assert set(gen.errors()) <= {"read: connection reset by peer", "i/o timeout", "connect: connection refused"}


def test_kube_proxy_applies_endpoint_changes_after_its_restore_and_at_most_twice_a_second(make_lab):
    """The bounded-frequency runner (minSyncPeriod 1 s, burst 2) and the time iptables-restore
    takes: a first change is in force ~15 ms later, a third change within the second waits."""
    netlab = make_lab()
    proxy = netlab.proxy("node-1")
    netlab.run()
    ip = netlab.service("web", {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]})["spec"]["clusterIP"]
    netlab.run(5)                                          # the bucket is full again

    def picks():
        return {proxy.forward("10.244.1.9", ip, 80).endpoint for _ in range(40)}

    c = netlab.cluster
    t0 = c.now
    netlab.pod("a", "node-2", "10.244.2.2", {"app": "web"})
    c.run(0.005)
    assert picks() == {None}                               # still the old rules (REJECT)
    c.run(0.05)
    assert picks() == {"10.244.2.2:8080"}
    netlab.pod("b", "node-2", "10.244.2.3", {"app": "web"})
    c.run(0.05)
    assert picks() == {"10.244.2.2:8080", "10.244.2.3:8080"}
    netlab.pod("c", "node-3", "10.244.3.2", {"app": "web"})    # the burst is spent: wait for a token
    c.run(0.5)
    assert "10.244.3.2:8080" not in picks()
    c.run_until(lambda _: "10.244.3.2:8080" in picks(), timeout=2)
    assert c.now - t0 >= 1.0
