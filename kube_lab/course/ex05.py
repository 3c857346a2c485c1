"""Exercise 05 — Services (solutions/05_services.ipynb).

The notebook gives a Deployment ``shop`` (3 agnhost netexec pods labelled ``app=shop,tier=web``,
container port ``http`` = 8080), a stray pod ``shop-debug`` labelled ``app=shop,tier=debug``
and a client pod ``buyer``.  The learner exposes the Deployment four ways: a ClusterIP Service
``shop`` (named target port), a NodePort Service ``shop-public`` on node port 30080, a headless
Service ``shop-pods`` and a NodePort Service ``shop-local`` on 30081 with
``externalTrafficPolicy: Local``.  7 points.

The checks look at what the cluster made of the Services — the EndpointSlices the
endpointslice controller wrote, the iptables rules every node's kube-proxy installed (the very
rules traffic follows) and what cluster DNS answers — never at the YAML typed.  They only read:
no request is sent (that would draw from kube-proxy's random stream and move time)."""
from __future__ import annotations

import re

from . import inspect as k
from .checks import Fail, check

DEPLOYMENT, STRAY = "shop", "shop-debug"
NS = "default"


# ------------------------------------------------------------------------------------------
def _service(cluster, name: str) -> dict:
    return k.require(cluster, "services", name, NS, what="Service")


def _shop_pods(cluster) -> dict[str, str]:
    """pod name → IP of the ready pods of Deployment shop."""
    dep = k.require(cluster, "deployments", DEPLOYMENT, NS, what="Deployment")
    out = {p["metadata"]["name"]: (p.get("status") or {}).get("podIP", "")
           for p in k.pods_of(cluster, dep) if k.is_ready(p)}
    if not out:
        raise Fail("Deployment shop has no ready pod: run the cluster (cluster.run(20)) after the setup cell")
    return out


def _stray_ip(cluster) -> str:
    pod = k.get(cluster, "pods", STRAY, NS)
    return ((pod or {}).get("status") or {}).get("podIP", "")


def _ready_endpoints(cluster, name: str) -> tuple[set[str], set[int]]:
    """The ready addresses and the ports of the Service's EndpointSlices."""
    addrs: set[str] = set()
    ports: set[int] = set()
    for s in k.items(cluster, "endpointslices", NS, selector=f"kubernetes.io/service-name={name}"):
        ports.update(p.get("port") for p in s.get("ports") or () if p.get("port"))
        for ep in s.get("endpoints") or ():
            if (ep.get("conditions") or {}).get("ready") is not False:
                addrs.update(ep.get("addresses") or ())
    return addrs, ports


def _selects_exactly_shop(cluster, name: str, *, port: int = 8080) -> dict[str, str]:
    """Fail unless the Service's ready endpoints are exactly shop's ready pods on ``port``."""
    pods = _shop_pods(cluster)
    want = set(pods.values())
    addrs, ports = _ready_endpoints(cluster, name)
    if not addrs:
        raise Fail(f"Service {name} has no ready endpoint: its selector picks no ready pod "
                   f"(`kubectl get endpointslices -l kubernetes.io/service-name={name}`)")
    stray = _stray_ip(cluster)
    if stray and stray in addrs:
        raise Fail(f"Service {name} also sends traffic to {STRAY} ({stray}): its selector picks every app=shop pod")
    missing, extra = sorted(want - addrs), sorted(addrs - want)
    if missing:
        raise Fail(f"Service {name}'s endpoints lack shop's pod(s) at {', '.join(missing)}")
    if extra:
        raise Fail(f"Service {name}'s endpoints include {', '.join(extra)}, which are not shop's ready pods")
    if ports != {port}:
        raise Fail(f"Service {name}'s endpoints are on port(s) {', '.join(map(str, sorted(ports))) or 'none'}, "
                   f"not {port}, where shop's container listens")
    return pods


def _proxies(cluster) -> dict:
    proxies = getattr(cluster, "proxies", None) or {}
    if not proxies:
        raise Fail("this cluster runs no kube-proxy (it was made with network_addons=False)")
    return proxies


def _nat(proxy) -> list[str]:
    return [line for line in proxy.iptables_save("nat").splitlines() if line.startswith("-A ")]


def _filter(proxy) -> list[str]:
    return [line for line in proxy.iptables_save("filter").splitlines() if line.startswith("-A ")]


def _comment_is(line: str, name: str, suffix: str = "") -> bool:
    """The rule's comment is kube-proxy's for Service ``name`` (any port name) plus ``suffix``."""
    return re.search(rf'--comment "{re.escape(NS)}/{re.escape(name)}(:[\w.-]+)?{re.escape(suffix)}"', line) is not None


def _mentions(line: str, name: str) -> bool:
    m = re.search(r'--comment "([^"]*)"', line)
    return bool(m) and re.search(rf"(^|\s){re.escape(NS)}/{re.escape(name)}(:[\w.-]+)?($|\s)", m.group(1)) is not None


def _port(svc: dict, number: int) -> dict | None:
    return next((p for p in (svc.get("spec") or {}).get("ports") or () if p.get("port") == number), None)


# ------------------------------------------------------------------------------------------
@check("ex05.clusterip", 2,
       "ClusterIP Service shop sends port 80 to the named port http of exactly shop's 3 ready pods, on every node",
       "apply a Service named shop with `selector: {app: shop, tier: web}` (app=shop alone also picks shop-debug) "
       "and `ports: [{port: 80, targetPort: http}]`, then cluster.run(5); "
       "`kubectl get endpointslices -l kubernetes.io/service-name=shop` should list shop's 3 pod IPs on port 8080, "
       "and `viz.service_rules(cluster, 'shop')` the DNAT to each of them")
def clusterip(cluster):
    svc = _service(cluster, "shop")
    spec = svc.get("spec") or {}
    if spec.get("type", "ClusterIP") != "ClusterIP":
        raise Fail(f"Service shop is of type {spec.get('type')}, not ClusterIP")
    ip = spec.get("clusterIP")
    if not ip or ip == "None":
        raise Fail("Service shop has no cluster IP (spec.clusterIP is None: a headless Service)")
    port = _port(svc, 80)
    if port is None:
        raise Fail("Service shop has no port 80 (spec.ports[*].port)")
    if port.get("targetPort") != "http":
        raise Fail(f"port 80 of Service shop targets {port.get('targetPort')!r}: use the container port's name, "
                   f"targetPort: http")
    pods = _selects_exactly_shop(cluster, "shop")
    for node, proxy in sorted(_proxies(cluster).items()):
        nat = _nat(proxy)
        if not any(f"-d {ip}/32" in line and "--dport 80 " in line and _comment_is(line, "shop", " cluster IP")
                   for line in nat):
            raise Fail(f"kube-proxy on {node} has no KUBE-SERVICES rule for {ip}:80 yet: run the cluster a moment")
        dnat = {m.group(1) for line in nat if _comment_is(line, "shop")
                for m in [re.search(r"--to-destination (\S+)", line)] if m}
        want = {f"{p}:8080" for p in pods.values()}
        if dnat != want:
            raise Fail(f"kube-proxy on {node} sends shop's traffic to {', '.join(sorted(dnat)) or 'nowhere'}, "
                       f"not to {', '.join(sorted(want))}: run the cluster a moment")
    return True


@check("ex05.nodeport", 2,
       "NodePort Service shop-public answers on port 30080 of every node, for shop's pods only",
       "apply a Service shop-public with `type: NodePort`, the same selector and "
       "`ports: [{port: 80, targetPort: http, nodePort: 30080}]` (keep externalTrafficPolicy: Cluster), then "
       "cluster.run(5); `kubectl get svc shop-public` should show 80:30080/TCP and "
       "cluster.request('http://172.18.0.2:30080/hostname') should be answered by a shop pod")
def nodeport(cluster):
    svc = _service(cluster, "shop-public")
    spec = svc.get("spec") or {}
    if spec.get("type") != "NodePort":
        raise Fail(f"Service shop-public is of type {spec.get('type', 'ClusterIP')}, not NodePort")
    ports = [p.get("nodePort") for p in spec.get("ports") or ()]
    if 30080 not in ports:
        raise Fail(f"Service shop-public's node port is {', '.join(map(str, ports)) or 'unset'}, not 30080 "
                   f"(spec.ports[*].nodePort)")
    _selects_exactly_shop(cluster, "shop-public")
    for node, proxy in sorted(_proxies(cluster).items()):
        if not any(line.startswith("-A KUBE-NODEPORTS ") and "--dport 30080 " in line
                   and _comment_is(line, "shop-public") for line in _nat(proxy)):
            raise Fail(f"kube-proxy on {node} has no KUBE-NODEPORTS rule for port 30080 yet: run the cluster a moment")
        blocked = [line for line in _filter(proxy) if _mentions(line, "shop-public") and
                   (line.endswith("-j DROP") or " -j REJECT" in line)]
        if blocked:
            why = "no local endpoint there (externalTrafficPolicy: Local)" if "local endpoints" in blocked[0] \
                else "no endpoint"
            raise Fail(f"kube-proxy on {node} drops or refuses shop-public's traffic: {why}")
    return True


@check("ex05.headless", 2,
       "headless Service shop-pods: cluster DNS answers with the IPs of shop's ready pods, kube-proxy ignores it",
       "apply a Service shop-pods with `clusterIP: None`, the same selector and `ports: [{port: 8080, targetPort: http}]`; "
       "`kubectl exec buyer -- nslookup shop-pods` should print shop's three pod IPs (not one cluster IP)")
def headless(cluster):
    svc = _service(cluster, "shop-pods")
    spec = svc.get("spec") or {}
    if spec.get("clusterIP") != "None":
        raise Fail(f"Service shop-pods has the cluster IP {spec.get('clusterIP')}: a headless Service sets "
                   f"spec.clusterIP: None when it is created (it cannot be changed later)")
    pods = _selects_exactly_shop(cluster, "shop-pods")
    dns = getattr(cluster, "dns", None)
    if dns is None:
        raise Fail("this cluster runs no cluster DNS (it was made with network_addons=False)")
    answer = dns.query(f"shop-pods.{NS}.svc.cluster.local", "A")
    got = {r.data for r in answer.answers if r.type == "A"}
    want = set(pods.values())
    if got != want:
        raise Fail(f"cluster DNS answers shop-pods.default.svc.cluster.local with {', '.join(sorted(got)) or 'nothing'}, "
                   f"not shop's pod IPs {', '.join(sorted(want))}")
    for node, proxy in sorted(_proxies(cluster).items()):
        if any(_mentions(line, "shop-pods") for line in _nat(proxy) + _filter(proxy)):
            raise Fail(f"kube-proxy on {node} has rules for shop-pods: a headless Service should have none")
    return True


@check("ex05.local", 1,
       "NodePort Service shop-local (30081, externalTrafficPolicy Local) is answered only on nodes running a shop pod",
       "apply a Service shop-local with `type: NodePort`, `externalTrafficPolicy: Local`, the same selector and "
       "`ports: [{port: 80, targetPort: http, nodePort: 30081}]`; `viz.service_rules(cluster, 'shop-local', "
       "node='kind-control-plane')` should end with a DROP rule ('has no local endpoints')")
def local(cluster):
    svc = _service(cluster, "shop-local")
    spec = svc.get("spec") or {}
    if spec.get("type") not in ("NodePort", "LoadBalancer"):
        raise Fail(f"Service shop-local is of type {spec.get('type', 'ClusterIP')}: only NodePort and LoadBalancer "
                   f"Services take external traffic")
    if 30081 not in [p.get("nodePort") for p in spec.get("ports") or ()]:
        raise Fail("Service shop-local has no node port 30081 (spec.ports[*].nodePort)")
    if spec.get("externalTrafficPolicy") != "Local":
        raise Fail(f"Service shop-local's externalTrafficPolicy is {spec.get('externalTrafficPolicy')}, not Local")
    _selects_exactly_shop(cluster, "shop-local")
    hosts: set[str] = set()
    for s in k.items(cluster, "endpointslices", NS, selector="kubernetes.io/service-name=shop-local"):
        for ep in s.get("endpoints") or ():
            if (ep.get("conditions") or {}).get("ready") is not False and ep.get("nodeName"):
                hosts.add(ep["nodeName"])
    for node, proxy in sorted(_proxies(cluster).items()):
        nat = _nat(proxy)
        entry = next((line for line in nat if line.startswith("-A KUBE-NODEPORTS ") and "--dport 30081 " in line
                      and _comment_is(line, "shop-local")), None)
        if entry is None:
            raise Fail(f"kube-proxy on {node} has no KUBE-NODEPORTS rule for port 30081 yet: run the cluster a moment")
        ext = entry.split(" -j ")[-1].strip()
        if node in hosts and not any(line.startswith(f"-A {ext} -j KUBE-SVL-") for line in nat):
            raise Fail(f"kube-proxy on {node} sends outside traffic for 30081 to every endpoint, not only local ones: "
                       f"run the cluster a moment")
        drops = any(_mentions(line, "shop-local") and "no local endpoints" in line and "--dport 30081 " in line
                    and line.endswith("-j DROP") for line in _filter(proxy))
        if node in hosts and drops:
            raise Fail(f"kube-proxy on {node} drops shop-local's node port although a shop pod runs there: "
                       f"run the cluster a moment")
        if node not in hosts and not drops:
            raise Fail(f"kube-proxy on {node}, which runs no shop pod, does not drop shop-local's node port yet: "
                       f"run the cluster a moment")
    return True
