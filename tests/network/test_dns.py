"""Cluster DNS: the kubeadm add-on objects, CoreDNS answers, pod resolv.conf and search paths."""
import pytest

from kube_lab.network.dns import COREFILE, ClusterDNS, ResolvConf, install_cluster_dns, pod_resolv_conf


@pytest.fixture
def dns(lab):
    api = lab.cluster.client("kubeadm")
    if not lab.cluster.list("services", "kube-system", field_selector="metadata.name=kube-dns"):
        install_cluster_dns(api)
    server = ClusterDNS(lab.cluster.client("coredns")).start()
    lab.run()
    return server


def add_web(lab):
    lab.service("web", {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]})
    lab.pod("web-a", "node-1", "10.244.1.2", {"app": "web"})


def add_statefulset(lab):
    lab.service("nginx", {"clusterIP": "None", "selector": {"app": "nginx"},
                          "ports": [{"name": "web", "port": 80, "targetPort": 8080}]})
    lab.pod("web-0", "node-1", "10.244.1.10", {"app": "nginx"}, hostname="web-0", subdomain="nginx")
    lab.pod("web-1", "node-2", "10.244.2.10", {"app": "nginx"}, hostname="web-1", subdomain="nginx")
    lab.pod("web-2", "node-3", "10.244.3.10", {"app": "nginx"}, hostname="web-2", subdomain="nginx", ready=False)


def test_kubeadm_addon_objects(lab, dns):
    svc = lab.cluster.get("services", "kube-dns", "kube-system")
    assert svc["spec"]["clusterIP"] == "10.96.0.10"
    assert [(p["name"], p["port"], p["protocol"]) for p in svc["spec"]["ports"]] == \
        [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")]
    assert svc["metadata"]["labels"]["k8s-app"] == "kube-dns" and svc["spec"]["selector"] == {"k8s-app": "kube-dns"}
    dep = lab.cluster.get("deployments", "coredns", "kube-system")
    assert dep["spec"]["replicas"] == 2
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.k8s.io/coredns/coredns:v1.11.3"
    assert dep["spec"]["template"]["spec"]["dnsPolicy"] == "Default"
    corefile = lab.cluster.get("configmaps", "coredns", "kube-system")["data"]["Corefile"]
    assert corefile == COREFILE
    assert "    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n" in corefile
    assert lab.cluster.get("clusterroles", "system:coredns", None)["rules"][1]["resources"] == ["endpointslices"]


def test_service_a_record_and_nxdomain(lab, dns):
    add_web(lab)
    lab.run()
    ip = lab.cluster.get("services", "web")["spec"]["clusterIP"]
    a = dns.query("web.default.svc.cluster.local")
    assert a.rcode == "NOERROR" and a.addresses == [ip]
    assert str(a.answers[0]) == f"web.default.svc.cluster.local.\t\t30\tIN\tA\t{ip}"
    assert dns.query("kube-dns.kube-system.svc.cluster.local").addresses == ["10.96.0.10"]
    assert dns.query("nope.default.svc.cluster.local").rcode == "NXDOMAIN"
    assert dns.query("web.nonamespace.svc.cluster.local").rcode == "NXDOMAIN"
    assert dns.query("web.default.svc.cluster.local", "AAAA").rcode == "NOERROR"
    assert dns.query("web.default.svc.cluster.local", "AAAA").answers == []


def test_search_path_from_a_pod_in_default(lab, dns):
    add_web(lab)
    lab.run()
    ip = lab.cluster.get("services", "web")["spec"]["clusterIP"]
    rc = pod_resolv_conf(lab.cluster.get("pods", "web-a"))
    assert rc.text() == ("search default.svc.cluster.local svc.cluster.local cluster.local\n"
                         "nameserver 10.96.0.10\n"
                         "options ndots:5\n")
    for name in ("web", "web.default", "web.default.svc", "web.default.svc.cluster.local",
                 "web.default.svc.cluster.local."):
        res = dns.lookup(name, rc)
        assert res.fqdn == "web.default.svc.cluster.local" and res.addresses == [ip], name
    assert dns.lookup("web.default", rc).tried == [("web.default.default.svc.cluster.local", "NXDOMAIN"),
                                                   ("web.default.svc.cluster.local", "NOERROR")]
    miss = dns.lookup("nothere", rc)
    assert not miss.ok and [r for _, r in miss.tried] == ["NXDOMAIN"] * 4
    # from another namespace the short name does not resolve
    other = ResolvConf(["10.96.0.10"], ["kube-system.svc.cluster.local", "svc.cluster.local", "cluster.local"],
                       ["ndots:5"])
    assert not dns.lookup("web", other).ok and dns.lookup("web.default", other).ok


def test_headless_service_and_statefulset_pod_names(lab, dns):
    add_statefulset(lab)
    lab.run()
    assert sorted(dns.query("nginx.default.svc.cluster.local").addresses) == ["10.244.1.10", "10.244.2.10"]
    assert dns.query("web-0.nginx.default.svc.cluster.local").addresses == ["10.244.1.10"]
    assert dns.query("web-1.nginx.default.svc.cluster.local").addresses == ["10.244.2.10"]
    assert dns.query("web-2.nginx.default.svc.cluster.local").rcode == "NXDOMAIN"      # not ready
    assert lab.cluster.get("services", "nginx")["spec"]["clusterIP"] == "None"
    rc = pod_resolv_conf(lab.cluster.get("pods", "web-0"))
    assert dns.lookup("web-1.nginx", rc).addresses == ["10.244.2.10"]
    lab.set_ready("web-2", True)
    lab.run()
    assert dns.query("web-2.nginx.default.svc.cluster.local").addresses == ["10.244.3.10"]


def test_srv_records_for_named_ports(lab, dns):
    add_web(lab)
    add_statefulset(lab)
    lab.run()
    srv = dns.query("_http._tcp.web.default.svc.cluster.local", "SRV")
    assert [r.data for r in srv.answers] == ["0 100 80 web.default.svc.cluster.local."]
    headless = dns.query("_web._tcp.nginx.default.svc.cluster.local", "SRV")
    assert sorted(r.data for r in headless.answers) == ["0 50 8080 web-0.nginx.default.svc.cluster.local.",
                                                        "0 50 8080 web-1.nginx.default.svc.cluster.local."]
    assert sorted(r.data for r in headless.additional) == ["10.244.1.10", "10.244.2.10"]
    assert dns.query("_nope._tcp.web.default.svc.cluster.local", "SRV").rcode == "NXDOMAIN"
    assert dns.query("_http._udp.web.default.svc.cluster.local", "SRV").rcode == "NXDOMAIN"


def test_external_name_is_a_cname_without_cluster_ip(lab, dns):
    svc = lab.service("db", {"type": "ExternalName", "externalName": "my.database.example.com"})
    lab.run()
    assert "clusterIP" not in svc["spec"]
    a = dns.query("db.default.svc.cluster.local")
    assert [(r.type, r.data) for r in a.answers] == [("CNAME", "my.database.example.com.")]
    # with an upstream that knows the name, the chain ends in an address
    known = ClusterDNS(lab.cluster.client("coredns"), upstream={"my.database.example.com": ["203.0.113.7"]}).start()
    lab.run()
    assert [(r.type, r.data) for r in known.query("db.default.svc.cluster.local").answers] == \
        [("CNAME", "my.database.example.com."), ("A", "203.0.113.7")]


def test_pod_a_records_and_reverse_lookups(lab, dns):
    add_web(lab)
    add_statefulset(lab)
    lab.run()
    assert dns.query("10-244-1-2.default.pod.cluster.local").addresses == ["10.244.1.2"]
    assert dns.query("10-244-1-2.nons.pod.cluster.local").rcode == "NXDOMAIN"
    ip = lab.cluster.get("services", "web")["spec"]["clusterIP"]
    rev = ".".join(reversed(ip.split("."))) + ".in-addr.arpa"
    assert [r.data for r in dns.query(rev, "PTR").answers] == ["web.default.svc.cluster.local."]
    assert dns.ptr_name("10.244.1.10") == "web-0.nginx.default.svc.cluster.local."
    assert dns.ptr_name("10.244.1.2") == "10-244-1-2.web.default.svc.cluster.local."
    assert dns.query("99.99.99.99.in-addr.arpa", "PTR").rcode == "NXDOMAIN"


def test_busybox_nslookup_output(lab, dns):
    add_statefulset(lab)
    lab.run()
    rc = pod_resolv_conf(lab.cluster.get("pods", "web-0"))
    out, err, code = dns.nslookup("nginx", rc)
    assert code == 0 and err == ""
    assert out == ("Server:    10.96.0.10\n"
                   "Address 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local\n"
                   "\n"
                   "Name:      nginx\n"
                   "Address 1: 10.244.1.10 web-0.nginx.default.svc.cluster.local\n"
                   "Address 2: 10.244.2.10 web-1.nginx.default.svc.cluster.local\n")
    out, err, code = dns.nslookup("nothere", rc)
    assert (out, err, code) == ("Server:    10.96.0.10\n"
                                "Address 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local\n\n",
                                "nslookup: can't resolve 'nothere'\n", 1)


def test_dns_policies(lab):
    pod = {"metadata": {"namespace": "shop"}, "spec": {}}
    assert pod_resolv_conf(pod).searches == ["shop.svc.cluster.local", "svc.cluster.local", "cluster.local"]
    host = {"metadata": {"namespace": "shop"}, "spec": {"hostNetwork": True}}
    assert pod_resolv_conf(host).text() == "nameserver 172.18.0.1\noptions ndots:0\n"
    with_net = {"metadata": {"namespace": "shop"}, "spec": {"hostNetwork": True, "dnsPolicy": "ClusterFirstWithHostNet"}}
    assert pod_resolv_conf(with_net).nameservers == ["10.96.0.10"]
    custom = {"metadata": {"namespace": "shop"}, "spec": {
        "dnsPolicy": "None", "dnsConfig": {"nameservers": ["1.2.3.4"], "searches": ["ns1.svc.cluster-domain.example"],
                                           "options": [{"name": "ndots", "value": "2"}, {"name": "edns0"}]}}}
    assert pod_resolv_conf(custom).text() == ("search ns1.svc.cluster-domain.example\n"
                                              "nameserver 1.2.3.4\n"
                                              "options ndots:2 edns0\n")
    merged = {"metadata": {"namespace": "shop"}, "spec": {"dnsConfig": {"options": [{"name": "ndots", "value": "1"}]}}}
    assert pod_resolv_conf(merged).options == ["ndots:1"]


def test_resolve_for_a_container_runtime(lab, dns):
    add_statefulset(lab)
    lab.run()
    searches = ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"]
    fqdn, answers, server = dns.resolve("web-0.nginx", "10.96.0.10", searches, 5)
    assert fqdn == "web-0.nginx.default.svc.cluster.local"
    assert answers == [("10.244.1.10", "web-0.nginx.default.svc.cluster.local.")]
    assert server == "kube-dns.kube-system.svc.cluster.local."
    assert dns.resolve("nothere", "10.96.0.10", searches, 5) is None
