"""Lesson 05's pictures: kube-proxy's rules read line by line, the IPVS view, the load spread,
one request's path, and the Service type switch — all drawn from the live cluster."""
import pytest

from kube_lab import Cluster, viz

WEB = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: registry.k8s.io/e2e-test-images/agnhost:2.39
        args: [netexec, --http-port=8080]
        ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
"""


@pytest.fixture(scope="module")
def cluster():
    c = Cluster(nodes=2, seed=5, network_addons=True)
    assert c.kubectl("apply -f -", WEB).exit_code == 0
    assert c.kubectl("run client --image=busybox:1.36 -- sleep infinity").exit_code == 0
    c.run(20)
    return c


def pod_ips(c):
    return sorted(p["status"]["podIP"] for p in c.list("pods", selector="app=web"))


def test_rules_in_packet_order_with_the_random_choice_explained(cluster):
    listing = viz.service_rules(cluster, "web", node="kind-worker")
    rules = listing.rules()
    ip = cluster.get("service", "web")["spec"]["clusterIP"]
    assert rules[0].startswith(f"-A KUBE-SERVICES -d {ip}/32 -p tcp") and "--dport 80 " in rules[0]
    chains = [r.split()[1] for r in rules]
    kinds = [c if c == "KUBE-SERVICES" else c.rsplit("-", 1)[0] for c in chains]
    assert kinds == ["KUBE-SERVICES"] + ["KUBE-SVC"] * 4 + ["KUBE-SEP"] * 6      # masq + 3 choices, 2 per endpoint
    choices = [r for r in listing.lines if r.chain.startswith("KUBE-SVC-") and "KUBE-SEP-" in r.text]
    assert ["--probability 0.33333333349" in choices[0].text, "--probability 0.50000000000" in choices[1].text,
            "--probability" in choices[2].text] == [True, True, False]
    assert [c.meaning.rsplit(",", 1)[-1].strip() for c in choices] == ["so 33.3% of all", "so 33.3% of all",
                                                                          "33.3% of all"]
    assert "probability 1/3" in choices[0].meaning and "probability 1/2" in choices[1].meaning
    dnat = [r for r in listing.lines if "-j DNAT" in r.text]
    assert sorted(r.text.rsplit(" ", 1)[-1] for r in dnat) == [f"{p}:8080" for p in pod_ips(cluster)]
    pods = {p["status"]["podIP"]: p["metadata"]["name"] for p in cluster.list("pods", selector="app=web")}
    for r in dnat:
        ep_ip = r.text.rsplit(" ", 1)[-1].split(":")[0]
        assert f"(pod {pods[ep_ip]} on " in r.meaning
    # the endpoint chains follow the order in which the Service's chain picks them
    assert [r.text.split()[1] for r in dnat] == [c.text.rsplit(" ", 1)[-1] for c in choices]
    text = repr(listing)
    assert text.splitlines()[0] == ("kube-proxy's rules for default/web on kind-worker "
                                    "(iptables-save, in the order a packet meets them)")
    assert "    ↳ a packet for the cluster IP" in text


def test_rules_are_the_same_everywhere_and_filtering_keeps_the_explanations(cluster):
    every = {n: viz.service_rules(cluster, "web", node=n).rules() for n in cluster.proxies}
    assert len({tuple(r) for r in every.values()}) == 1
    only = viz.service_rules(cluster, "web", node="kind-worker", only=("KUBE-SVC-",))
    assert {r.chain.rsplit("-", 1)[0] for r in only.lines} == {"KUBE-SVC"}
    assert only.lines[-1].meaning.endswith("33.3% of all")


def test_services_without_rules_say_why(cluster):
    assert cluster.kubectl("create service externalname alias --external-name=web.default.svc.cluster.local").exit_code == 0
    cluster.run(2)
    alias = viz.service_rules(cluster, "alias")
    assert alias.lines == [] and alias.note == "(no rules: an ExternalName Service is only a DNS name)"
    assert viz.service_rules(cluster, "nope").note == "(there is no Service default/nope)"
    with pytest.raises(KeyError, match="no kube-proxy on node 'elsewhere'"):
        viz.service_rules(cluster, "web", node="elsewhere")


def test_reading_rules_changes_nothing(cluster):
    proxy = cluster.proxies["kind-worker"]
    state = proxy._rng.getstate()
    now, rev = cluster.now, cluster.etcd.revision
    viz.service_rules(cluster, "web")
    viz.ipvs_view(cluster, service="web")
    assert (cluster.now, cluster.etcd.revision) == (now, rev)
    assert proxy._rng.getstate() == state


def test_ipvs_view_one_virtual_server_round_robin(cluster):
    ip = cluster.get("service", "web")["spec"]["clusterIP"]
    lines = repr(viz.ipvs_view(cluster, "kind-worker", service="web")).splitlines()
    assert lines[0] == ("# ipvsadm -Ln on kind-worker (kube-proxy --proxy-mode=ipvs, from the same Services and "
                        "endpoints)")
    assert lines[4] == f"TCP  {ip}:80 rr"
    assert [line.split()[1] for line in lines[5:]] == [f"{p}:8080" for p in pod_ips(cluster)]
    assert all(line.split()[2:4] == ["Masq", "1"] for line in lines[5:])


def test_spread_chart_counts_every_finished_request(cluster):
    load = cluster.load("http://web/hostname", source="pod/client", rate=50, count=90)
    cluster.run(3)
    pic = viz.spread_chart(load)
    counts = load.spread()
    assert sum(counts.values()) == 90 and "<failed>" not in counts
    for pod, n in counts.items():
        assert f"{pod.split('/')[1]} {n} ({100 * n / 90:.1f}%)" in pic.summary
    assert repr(pic).startswith("<Picture: 90 requests to http://web/hostname: ")
    assert pic.png().startswith(b"\x89PNG")


def test_request_path_groups_the_hops_by_place(cluster):
    res = cluster.request("http://web/hostname", source="pod/client")
    d = viz.request_path(res)
    assert d.outline().splitlines()[1:] == ["  " + str(h) for h in res.hops]
    assert repr(d) == f"<request path diagram: {len(res.hops)} steps: {res.headline()}>"
    assert 'label="pod default/client"' in d.source and 'label="node kind-worker"' in d.source
    assert "p=1/3" in d.source or "p=1/2" in d.source or "KUBE-SVC" in d.source


def test_type_switch_reaches_each_type_as_a_client_would(cluster):
    switch = viz.ServiceTypeSwitch(cluster, "front", selector={"app": "web"}, node_port=30090)
    ip = switch.cluster_ip
    assert repr(switch) == "ServiceTypeSwitch(service/front, type=ClusterIP)"
    assert switch.how() == "GET http://front/hostname from pod/client"
    assert switch.try_type("ClusterIP").startswith("ClusterIP     GET http://front/hostname from pod/client: 200 OK")
    assert switch.try_type("NodePort").startswith("NodePort      GET http://172.18.0.3:30090/hostname from outside: 200 OK")
    pending = switch.try_type("LoadBalancer")
    assert pending.startswith("LoadBalancer  EXTERNAL-IP is <pending>") and switch.last is None
    cluster.load_balancer.enable("172.18.255.200-172.18.255.210")
    cluster.run(1)
    res = switch.send()
    assert res.ok and res.url == "http://172.18.255.200/hostname" and res.source == "outside"
    assert switch.try_type("ExternalName").startswith("ExternalName  GET http://front/hostname from pod/client: 200 OK")
    dns = switch.last.hops[0].what
    assert "CNAME web.default.svc.cluster.local" in dns
    assert switch.try_type("ClusterIP").endswith("ms")
    assert cluster.get("service", "front")["spec"]["clusterIP"] == ip        # the same address came back
    assert "replace --force -f -" in switch.log[-1] and f"clusterIP: {ip}" in switch.log[-1]
    with pytest.raises(ValueError, match="unknown Service type 'Ingress'"):
        switch.manifest("Ingress")
    assert "service/front is <b>ClusterIP</b>" in switch.html()
