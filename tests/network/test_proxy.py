"""kube-proxy: the rules it writes (iptables and IPVS views) and the traffic that follows them."""
import base64
import hashlib
from collections import Counter

import pytest

from kube_lab.network.loadbalancer import LoadBalancerController


def chain(prefix: str, text: str) -> str:
    """Upstream's algorithm, written out independently: base32(sha256(text))[:16]."""
    return prefix + base64.b32encode(hashlib.sha256(text.encode()).digest()).decode()[:16]


def three_pods(lab, svc_extra=None, **pod_kw):
    spec = {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}
    spec.update(svc_extra or {})
    svc = lab.service("web", spec)
    lab.pod("web-a", "node-1", "10.244.1.2", {"app": "web"}, **pod_kw)
    lab.pod("web-b", "node-2", "10.244.2.2", {"app": "web"}, **pod_kw)
    lab.pod("web-c", "node-3", "10.244.3.2", {"app": "web"}, **pod_kw)
    return svc


def lines_for(text: str, *needles: str) -> list[str]:
    return [ln for ln in text.splitlines() if any(n in ln for n in needles)]


def test_iptables_rules_for_a_cluster_ip_with_three_endpoints(lab):
    svc = three_pods(lab)
    proxy = lab.proxy("node-1")
    lab.run()
    ip = svc["spec"]["clusterIP"]
    svc_chain = chain("KUBE-SVC-", "default/web:http" + "tcp")
    seps = [chain("KUBE-SEP-", "default/web:http" + "tcp" + f"{e}:8080")
            for e in ("10.244.1.2", "10.244.2.2", "10.244.3.2")]
    assert proxy.chains_for("default", "web", "http")["KUBE-SVC"] == svc_chain

    # what kube-proxy writes: probabilities %0.10f, the last rule unconditional
    restore = proxy.iptables_restore_input()
    assert lines_for(restore, f"-A {svc_chain}") == [
        f'-A {svc_chain} -m comment --comment "default/web:http cluster IP" -m tcp -p tcp -d {ip} --dport 80 '
        f'! -s 10.244.0.0/16 -j KUBE-MARK-MASQ',
        f'-A {svc_chain} -m comment --comment "default/web:http -> 10.244.1.2:8080" -m statistic --mode random '
        f'--probability 0.3333333333 -j {seps[0]}',
        f'-A {svc_chain} -m comment --comment "default/web:http -> 10.244.2.2:8080" -m statistic --mode random '
        f'--probability 0.5000000000 -j {seps[1]}',
        f'-A {svc_chain} -m comment --comment "default/web:http -> 10.244.3.2:8080" -j {seps[2]}',
    ]

    # what iptables-save prints afterwards (the kernel's normal form)
    saved = proxy.iptables_save("nat")
    assert saved.splitlines()[1] == "*nat"
    assert f":{svc_chain} - [0:0]" in saved and all(f":{s} - [0:0]" in saved for s in seps)
    assert lines_for(saved, f"-A KUBE-SERVICES -d {ip}/32") == [
        f'-A KUBE-SERVICES -d {ip}/32 -p tcp -m comment --comment "default/web:http cluster IP" -m tcp '
        f'--dport 80 -j {svc_chain}']
    assert lines_for(saved, f"-A {svc_chain}") == [
        f'-A {svc_chain} ! -s 10.244.0.0/16 -d {ip}/32 -p tcp -m comment --comment "default/web:http cluster IP" '
        f'-m tcp --dport 80 -j KUBE-MARK-MASQ',
        f'-A {svc_chain} -m comment --comment "default/web:http -> 10.244.1.2:8080" -m statistic --mode random '
        f'--probability 0.33333333349 -j {seps[0]}',
        f'-A {svc_chain} -m comment --comment "default/web:http -> 10.244.2.2:8080" -m statistic --mode random '
        f'--probability 0.50000000000 -j {seps[1]}',
        f'-A {svc_chain} -m comment --comment "default/web:http -> 10.244.3.2:8080" -j {seps[2]}',
    ]
    assert lines_for(saved, f"-A {seps[0]}") == [
        f'-A {seps[0]} -s 10.244.1.2/32 -m comment --comment "default/web:http" -j KUBE-MARK-MASQ',
        f'-A {seps[0]} -p tcp -m comment --comment "default/web:http" -m tcp -j DNAT --to-destination 10.244.1.2:8080',
    ]
    assert "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000" in saved
    assert '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE ' \
           '--random-fully' in saved
    nodeports = lines_for(saved, "-j KUBE-NODEPORTS")
    assert nodeports[-1] == ('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must '
                             'be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS')


def test_ipvs_view_of_the_same_service(lab):
    svc = three_pods(lab)
    proxy = lab.proxy("node-1", mode="ipvs")
    lab.run()
    ip = svc["spec"]["clusterIP"]
    text = proxy.ipvsadm()
    lines = text.splitlines()
    assert lines[:3] == ["IP Virtual Server version 1.2.1 (size=4096)",
                         "Prot LocalAddress:Port Scheduler Flags",
                         "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn"]
    i = lines.index(f"TCP  {ip}:80 rr")
    assert lines[i + 1:i + 4] == [
        "  -> 10.244.1.2:8080" + " " * 14 + "Masq" + " " * 4 + "1" + " " * 6 + "0" + " " * 10 + "0" + " " * 9,
        "  -> 10.244.2.2:8080" + " " * 14 + "Masq" + " " * 4 + "1" + " " * 6 + "0" + " " * 10 + "0" + " " * 9,
        "  -> 10.244.3.2:8080" + " " * 14 + "Masq" + " " * 4 + "1" + " " * 6 + "0" + " " * 10 + "0" + " " * 9,
    ]
    # round robin
    got = [proxy.forward("10.244.1.9", ip, 80).endpoint for _ in range(6)]
    assert got == ["10.244.1.2:8080", "10.244.2.2:8080", "10.244.3.2:8080"] * 2


def test_3000_connections_spread_over_three_endpoints_deterministically(lab):
    svc = three_pods(lab)
    proxy = lab.proxy("node-1")
    lab.run()
    ip = svc["spec"]["clusterIP"]
    picks = [proxy.forward("10.244.1.9", ip, 80).endpoint for _ in range(3000)]
    counts = Counter(picks)
    assert set(counts) == {"10.244.1.2:8080", "10.244.2.2:8080", "10.244.3.2:8080"}
    for n in counts.values():        # binomial(3000, 1/3): sd ≈ 25.8, allow 4 sd
        assert abs(n - 1000) < 104


def test_forwarding_is_deterministic_with_the_seed(make_lab):
    def picks(seed):
        lab_ = make_lab(seed=seed)
        svc = three_pods(lab_)
        p = lab_.proxy("node-1")
        lab_.run()
        return [p.forward("10.244.1.9", svc["spec"]["clusterIP"], 80).endpoint for _ in range(200)]
    assert picks(0) == picks(0)
    assert picks(0) != picks(1)


def test_forward_trace_lists_the_rules_matched(lab):
    svc = three_pods(lab)
    proxy = lab.proxy("node-1")
    lab.run()
    f = proxy.forward("10.244.1.9", svc["spec"]["clusterIP"], 80)
    assert f.verdict == "DNAT" and not f.masqueraded
    chains = [m.chain for m in f.matched if m.table == "nat"]
    sep = chain("KUBE-SEP-", "default/web:httptcp" + f.endpoint)
    assert chains[:4] == ["PREROUTING", "KUBE-SERVICES", chain("KUBE-SVC-", "default/web:httptcp"), sep]
    assert f.matched[3].rule.endswith(f"-j DNAT --to-destination {f.endpoint}")
    # from outside the cluster network the packet is marked and masqueraded
    g = proxy.forward("192.168.1.50", svc["spec"]["clusterIP"], 80)
    assert g.masqueraded and g.snat_source == "172.18.0.11"
    assert any("-j KUBE-MARK-MASQ" in m.rule for m in g.matched)


def test_session_affinity_client_ip_pins_a_client(lab):
    svc = three_pods(lab, {"sessionAffinity": "ClientIP"})
    proxy = lab.proxy("node-1")
    lab.run()
    ip = svc["spec"]["clusterIP"]
    svc_chain = chain("KUBE-SVC-", "default/web:httptcp")
    sep = chain("KUBE-SEP-", "default/web:httptcp10.244.1.2:8080")
    saved = proxy.iptables_save("nat")
    assert (f'-A {svc_chain} -m comment --comment "default/web:http -> 10.244.1.2:8080" -m recent --rcheck '
            f'--seconds 10800 --reap --name {sep} --mask 255.255.255.255 --rsource -j {sep}') in saved
    assert (f'-A {sep} -p tcp -m comment --comment "default/web:http" -m recent --set --name {sep} '
            f'--mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 10.244.1.2:8080') in saved
    for client in ("10.244.1.20", "10.244.2.30", "10.244.3.40"):
        got = {proxy.forward(client, ip, 80).endpoint for _ in range(50)}
        assert len(got) == 1
    many = {proxy.forward(f"10.244.2.{i}", ip, 80).endpoint for i in range(100, 160)}
    assert len(many) == 3
    # the affinity holds for timeoutSeconds after the last connection, then lapses
    first = proxy.forward("10.244.1.21", ip, 80).endpoint
    lab.cluster.run(10000)
    again = proxy.forward("10.244.1.21", ip, 80)
    assert again.endpoint == first and any("--rcheck" in m.rule for m in again.matched)
    lab.cluster.run(10801)
    lapsed = proxy.forward("10.244.1.21", ip, 80)
    assert not any("--rcheck" in m.rule for m in lapsed.matched)
    assert any("--probability" in m.rule for m in lapsed.matched) or lapsed.endpoint.startswith("10.244.3.2")


def test_service_without_ready_endpoints_is_rejected(lab):
    svc = three_pods(lab, ready=False)
    proxy = lab.proxy("node-1")
    lab.run()
    ip = svc["spec"]["clusterIP"]
    saved = proxy.iptables_save("filter")
    assert (f'-A KUBE-SERVICES -d {ip}/32 -p tcp -m comment --comment "default/web:http has no endpoints" -m tcp '
            f'--dport 80 -j REJECT --reject-with icmp-port-unreachable') in saved
    assert chain("KUBE-SVC-", "default/web:httptcp") not in proxy.iptables_save("nat")
    f = proxy.forward("10.244.1.9", ip, 80)
    assert f.verdict == "REJECT" and f.endpoint is None
    assert f.matched[-1].table == "filter" and f.matched[-1].rule.endswith("-j REJECT --reject-with icmp-port-unreachable")
    lab.set_ready("web-b", True)
    lab.run()
    assert proxy.forward("10.244.1.9", ip, 80).endpoint == "10.244.2.2:8080"


def test_deleted_pod_stops_receiving_new_connections(lab):
    svc = three_pods(lab)
    proxy = lab.proxy("node-1")
    lab.run()
    ip = svc["spec"]["clusterIP"]
    lab.api.delete("pods", "web-a", "default")
    lab.run(0.1)                      # well inside the 30 s grace period
    picks = Counter(proxy.forward("10.244.1.9", ip, 80).endpoint for _ in range(300))
    assert set(picks) == {"10.244.2.2:8080", "10.244.3.2:8080"}
    assert "10.244.1.2:8080" not in proxy.iptables_save("nat")


def test_terminating_endpoints_serve_when_nothing_else_does(lab):
    svc = lab.service("web", {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]})
    lab.pod("web-a", "node-1", "10.244.1.2", {"app": "web"})
    proxy = lab.proxy("node-1")
    lab.run()
    lab.api.delete("pods", "web-a", "default")
    lab.run(0.1)
    assert proxy.forward("10.244.1.9", svc["spec"]["clusterIP"], 80).endpoint == "10.244.1.2:8080"


def nodeport_lab(lab, policy):
    svc = lab.service("web", {"type": "NodePort", "externalTrafficPolicy": policy, "selector": {"app": "web"},
                              "ports": [{"name": "http", "port": 80, "targetPort": "http"}]})
    lab.pod("web-a", "node-2", "10.244.2.2", {"app": "web"})
    for n in lab.node_ips:
        lab.proxy(n)
    lab.run()
    return svc["spec"]["ports"][0]["nodePort"]


def test_node_port_answers_on_every_node_with_cluster_policy(lab):
    port = nodeport_lab(lab, "Cluster")
    assert 30000 <= port <= 32767
    for node, node_ip in lab.node_ips.items():
        f = lab.proxies[node].forward("172.18.0.1", node_ip, port)
        assert f.verdict == "DNAT" and f.endpoint == "10.244.2.2:8080"
        assert f.masqueraded and f.snat_source == node_ip          # the client IP is lost


def test_node_port_only_on_nodes_with_a_local_endpoint_with_local_policy(lab):
    port = nodeport_lab(lab, "Local")
    ok = lab.proxies["node-2"].forward("172.18.0.1", "172.18.0.12", port)
    assert ok.verdict == "DNAT" and ok.endpoint == "10.244.2.2:8080" and not ok.masqueraded   # client IP kept
    assert any(m.chain == chain("KUBE-SVL-", "default/web:httptcp") for m in ok.matched)
    for node in ("node-1", "node-3"):
        f = lab.proxies[node].forward("172.18.0.1", lab.node_ips[node], port)
        assert f.verdict == "DROP"
        assert f.matched[-1].rule == (f'-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "default/web:http has '
                                      f'no local endpoints" -m addrtype --dst-type LOCAL -m tcp --dport {port} -j DROP')
    # a pod on a node without local endpoints still reaches the NodePort (short-circuit to KUBE-SVC)
    assert lab.proxies["node-1"].forward("10.244.1.9", "172.18.0.11", port).endpoint == "10.244.2.2:8080"


def test_internal_traffic_policy_local(lab):
    svc = lab.service("web", {"internalTrafficPolicy": "Local", "selector": {"app": "web"},
                              "ports": [{"name": "http", "port": 80, "targetPort": "http"}]})
    lab.pod("web-a", "node-2", "10.244.2.2", {"app": "web"})
    lab.proxy("node-1"), lab.proxy("node-2")
    lab.run()
    ip = svc["spec"]["clusterIP"]
    svl = chain("KUBE-SVL-", "default/web:httptcp")
    assert lab.proxies["node-2"].forward("10.244.2.9", ip, 80).endpoint == "10.244.2.2:8080"
    assert f"-j {svl}" in lab.proxies["node-2"].iptables_save("nat")
    f = lab.proxies["node-1"].forward("10.244.1.9", ip, 80)
    assert f.verdict == "DROP" and "has no local endpoints" in f.matched[-1].rule


def test_load_balancer_pending_until_the_pool_is_switched_on(lab):
    lb = LoadBalancerController(lab.cluster.client("metallb-controller")).start()
    svc = lab.service("web", {"type": "LoadBalancer", "selector": {"app": "web"},
                              "ports": [{"name": "http", "port": 80, "targetPort": "http"}]})
    lab.pod("web-a", "node-2", "10.244.2.2", {"app": "web"})
    proxy = lab.proxy("node-1")
    lab.run()
    assert lab.cluster.get("services", "web")["status"] == {"loadBalancer": {}}
    lb.enable("172.18.255.200-172.18.255.250")
    lab.run()
    assert lab.cluster.get("services", "web")["status"]["loadBalancer"] == {
        "ingress": [{"ip": "172.18.255.200", "ipMode": "VIP"}]}
    events = {e["reason"]: e for e in lab.cluster.list("events") if e["involvedObject"]["name"] == "web"}
    assert events["IPAllocated"]["message"] == 'Assigned IP ["172.18.255.200"]'
    assert events["IPAllocated"]["source"] == {"component": "metallb-controller"}
    assert events["nodeAssigned"]["message"] == f'announcing from node "{lb.announcing("default", "web")}" ' \
                                                f'with protocol "layer2"'
    f = proxy.forward("172.18.0.1", "172.18.255.200", 80)
    assert f.verdict == "DNAT" and f.endpoint == "10.244.2.2:8080"
    assert any('"default/web:http loadbalancer IP"' in m.rule for m in f.matched)
    # the next Service gets the next address
    lab.service("web2", {"type": "LoadBalancer", "selector": {"app": "web"}, "ports": [{"port": 81}]})
    lab.run()
    assert lab.cluster.get("services", "web2")["status"]["loadBalancer"]["ingress"][0]["ip"] == "172.18.255.201"
    assert svc["spec"]["ports"][0]["nodePort"]


def test_stale_chains_are_deleted_in_the_next_restore(lab):
    svc = three_pods(lab)
    proxy = lab.proxy("node-1")
    lab.run()
    before = proxy.syncs
    lab.api.delete("services", "web", "default")
    lab.cluster.run_until(lambda c: proxy.syncs > before)
    restore = proxy.iptables_restore_input()      # the sync that saw the Service go
    svc_chain = chain("KUBE-SVC-", "default/web:httptcp")
    assert f":{svc_chain} - [0:0]" in restore and f"-X {svc_chain}" in restore
    assert svc_chain not in proxy.iptables_save()
    assert svc


def test_large_clusters_drop_endpoint_comments(lab):
    lab.service("web", {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]})
    for i in range(1001):
        lab.pod(f"web-{i:04d}", "node-1", f"10.244.{1 + i // 250}.{2 + i % 250}", {"app": "web"})
    proxy = lab.proxy("node-1")
    lab.run(5)
    sep = chain("KUBE-SEP-", "default/web:httptcp10.244.1.2:8080")
    assert f"-A {sep} -s 10.244.1.2 -j KUBE-MARK-MASQ" in proxy.iptables_restore_input()


@pytest.mark.parametrize("n,expected", [(2, "0.5000000000"), (3, "0.3333333333"), (7, "0.1428571429")])
def test_probability_format(n, expected):
    from kube_lab.node.proxy import probability
    assert probability(n) == expected


def test_ipvs_persistence_and_node_ports(lab):
    svc = three_pods(lab, {"type": "NodePort", "sessionAffinity": "ClientIP"})
    proxy = lab.proxy("node-1", mode="ipvs")
    lab.run()
    node_port = lab.cluster.get("services", "web")["spec"]["ports"][0]["nodePort"]
    lines = proxy.ipvsadm().splitlines()
    assert f"TCP  {svc['spec']['clusterIP']}:80 rr persistent 10800" in lines
    assert f"TCP  172.18.0.11:{node_port} rr persistent 10800" in lines
    got = {proxy.forward("10.244.2.50", svc["spec"]["clusterIP"], 80).endpoint for _ in range(10)}
    assert len(got) == 1
    f = proxy.forward("172.18.0.1", "172.18.0.11", node_port)
    assert f.verdict == "DNAT" and f.masqueraded and f.matched[0].rule == f"TCP  172.18.0.11:{node_port} rr persistent 10800"


def test_headless_services_are_not_proxied_and_proxy_announces_itself(lab):
    lab.service("nginx", {"clusterIP": "None", "selector": {"app": "web"}, "ports": [{"port": 80}]})
    lab.pod("web-a", "node-1", "10.244.1.2", {"app": "web"})
    proxy = lab.proxy("node-1")
    lab.run()
    assert chain("KUBE-SVC-", "default/nginxtcp") not in proxy.iptables_save()
    assert "default/nginx" not in proxy.iptables_restore_input()
    [ev] = [e for e in lab.cluster.list("events") if e["reason"] == "Starting" and e["source"].get("component") == "kube-proxy"]
    assert ev["involvedObject"]["kind"] == "Node" and ev["involvedObject"]["name"] == "node-1"
    assert ev["source"] == {"component": "kube-proxy", "host": "node-1"}
