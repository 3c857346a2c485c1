"""kube-proxy (``pkg/proxy``), one per node: it watches Services and EndpointSlices and programs
the node's packet filter so that traffic to a Service reaches one of its endpoints.

**iptables mode** (``pkg/proxy/iptables/proxier.go``) writes the rules upstream writes, with the
same chain names — ``KUBE-SVC-``/``KUBE-SVL-``/``KUBE-EXT-``/``KUBE-FW-`` + the first 16
characters of base32(sha256(``<ns>/<svc>[:<port name>]`` + protocol)), ``KUBE-SEP-`` + the same
over ``… + <ip>:<port>`` — the same comments, and the same load balancing: endpoint *i* of *n*
is chosen by ``-m statistic --mode random --probability 1/(n-i)`` (printed ``%0.10f``), the last
one unconditionally.  Services without usable endpoints get a REJECT in the filter table; Local
traffic policies use the ``KUBE-SVL-`` chain and DROP when the node has no local endpoint;
``sessionAffinity: ClientIP`` adds ``-m recent`` rules.

Three views of the same rules:

* :meth:`KubeProxy.iptables_restore_input` — the text kube-proxy hands to ``iptables-restore``;
* :meth:`KubeProxy.iptables_save` — what ``iptables-save`` prints on the node afterwards: the
  kernel's normal form (``-d 10.96.0.10/32 -p tcp … -m tcp --dport 53``, ``--set-xmark``, and the
  statistic probability as the kernel stores it: a 31-bit fraction printed ``%.11f``, so 1/3
  reads ``0.33333333349``);
* :meth:`KubeProxy.forward` — a packet walked through those very rules (nat then filter hooks),
  the statistic match drawing from a seeded stream exactly as the kernel compares a random
  31-bit number with the stored fraction.  What a learner reads is what traffic does.

**IPVS mode** (``pkg/proxy/ipvs``) keeps one virtual server per Service address and port with
round-robin real servers, shown as ``ipvsadm -Ln`` prints them.

Rule updates go through a bounded-frequency runner as upstream's (``NewBoundedFrequencyRunner``
with ``minSyncPeriod`` — 1 s, the v1.32 default and what kind's KubeProxyConfiguration sets —
and a burst of 2): the first changes are synced at once, a storm of changes at most once a
second.  A sync takes time (``iptables-restore``: ``restore_seconds``, 15 ms, plus a little per
rule line — an estimate, kube-proxy logs tens of milliseconds on a small cluster); the old rules
stay in force until it completes, which is the window in which a pod being deleted can still be
chosen.  (``syncPeriod``, 30 s, only paces the canary check for flushed tables, which never
happens here.)
"""
from __future__ import annotations

import base64
import hashlib
import ipaddress
import time as _time
from dataclasses import dataclass, field
from functools import lru_cache
from ..client import Client, EventRecorder, InformerFactory

# ------------------------------------------------------------------------------------------
# names and numbers (pkg/proxy/iptables)
KUBE_SERVICES = "KUBE-SERVICES"
KUBE_EXTERNAL_SERVICES = "KUBE-EXTERNAL-SERVICES"
KUBE_NODEPORTS = "KUBE-NODEPORTS"
KUBE_POSTROUTING = "KUBE-POSTROUTING"
KUBE_MARK_MASQ = "KUBE-MARK-MASQ"
KUBE_FORWARD = "KUBE-FORWARD"
KUBE_PROXY_FIREWALL = "KUBE-PROXY-FIREWALL"
KUBE_PROXY_CANARY = "KUBE-PROXY-CANARY"
KUBE_FIREWALL = "KUBE-FIREWALL"
KUBELET_CANARY = "KUBE-KUBELET-CANARY"
IPTABLES_HINT = "KUBE-IPTABLES-HINT"
LARGE_CLUSTER_ENDPOINTS = 1000
RESTORE_PER_LINE = 2e-6      # iptables-restore's cost per rule line (on top of ``restore_seconds``)
DEFAULT_STICKY_SECONDS = 10800
SERVICE_CHAIN_PREFIXES = ("KUBE-SVC-", "KUBE-SVL-", "KUBE-EXT-", "KUBE-FW-", "KUBE-SEP-")
PROXY_LABEL_SELECTOR = "!service.kubernetes.io/service-proxy-name,!service.kubernetes.io/headless"


@lru_cache(maxsize=65536)
def port_proto_hash(service_port_name: str, protocol: str) -> str:
    """``portProtoHash``: 16 characters of base32(sha256(name + protocol)) — the base32 of the
    digest's first 10 bytes."""
    digest = hashlib.sha256((service_port_name + protocol).encode()).digest()
    return base64.b32encode(digest[:10]).decode()


def service_chain(service_port_name: str, protocol: str) -> str:
    return "KUBE-SVC-" + port_proto_hash(service_port_name, protocol)


def local_chain(service_port_name: str, protocol: str) -> str:
    return "KUBE-SVL-" + port_proto_hash(service_port_name, protocol)


def external_chain(service_port_name: str, protocol: str) -> str:
    return "KUBE-EXT-" + port_proto_hash(service_port_name, protocol)


def firewall_chain(service_port_name: str, protocol: str) -> str:
    return "KUBE-FW-" + port_proto_hash(service_port_name, protocol)


@lru_cache(maxsize=262144)
def endpoint_chain(service_port_name: str, protocol: str, endpoint: str) -> str:
    """``servicePortEndpointChainName``: KUBE-SEP- + base32(sha256(name + protocol + ip:port))."""
    digest = hashlib.sha256((service_port_name + protocol + endpoint).encode()).digest()
    return "KUBE-SEP-" + base64.b32encode(digest[:10]).decode()


@lru_cache(maxsize=262144)
def _canonical_ip(ip: str) -> str:
    return str(ipaddress.ip_address(ip))


@lru_cache(maxsize=65536)
def _network(cidr: str):
    return ipaddress.ip_network(cidr, strict=False)


@lru_cache(maxsize=262144)
def _address(ip: str):
    return ipaddress.ip_address(ip)


def probability(n: int) -> str:
    """``computeProbability``: 1/n printed ``%0.10f``."""
    return "%0.10f" % (1.0 / n)


def masquerade_mark(bit: int = 14) -> str:
    """Go's ``%#08x`` of 1<<bit, as kube-proxy logs and writes it (``0x00004000``)."""
    return "0x" + format(1 << bit, "08x")


# ------------------------------------------------------------------------------------------
# Services and endpoints as the proxier sees them (pkg/proxy/serviceport.go, endpoint.go,
# endpointslicecache.go, topology.go)
@dataclass
class ServicePort:
    namespace: str
    name: str
    port_name: str
    protocol: str              # "TCP" / "UDP" / "SCTP"
    cluster_ip: str
    port: int
    node_port: int = 0
    external_ips: list[str] = field(default_factory=list)
    lb_vips: list[str] = field(default_factory=list)
    lb_source_ranges: list[str] = field(default_factory=list)
    session_affinity: bool = False
    sticky_seconds: int = DEFAULT_STICKY_SECONDS
    internal_local: bool = False
    external_local: bool = False
    health_check_node_port: int = 0

    def __post_init__(self):
        self.name_string = f"{self.namespace}/{self.name}" + (f":{self.port_name}" if self.port_name else "")
        self.proto = self.protocol.lower()
        self.svc_chain = service_chain(self.name_string, self.proto)
        self.svl_chain = local_chain(self.name_string, self.proto)
        self.ext_chain = external_chain(self.name_string, self.proto)
        self.fw_chain = firewall_chain(self.name_string, self.proto)

    @property
    def key(self) -> tuple:
        return (self.namespace, self.name, self.port_name, self.protocol)

    def externally_accessible(self) -> bool:
        return bool(self.node_port or self.lb_vips or self.external_ips)

    def uses_cluster_endpoints(self) -> bool:
        return not self.internal_local or self.externally_accessible()

    def uses_local_endpoints(self) -> bool:
        return self.internal_local or (self.external_local and self.externally_accessible())


@dataclass
class Endpoint:
    ip: str
    port: int
    ready: bool = True
    serving: bool = True
    terminating: bool = False
    is_local: bool = False
    node_name: str = ""

    def __post_init__(self):
        self.string = f"{self.ip}:{self.port}"


def _v4(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).version == 4
    except ValueError:
        return False


def service_ports(svc: dict) -> list[ServicePort]:
    """The proxier's view of one Service (``newBaseServiceInfo``); headless and ExternalName
    Services are not proxied."""
    spec = svc.get("spec") or {}
    if spec.get("type") == "ExternalName":
        return []
    ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    cluster_ip = next((ip for ip in ips if ip != "None" and _v4(ip)), "")
    if not cluster_ip:
        return []
    svc_type = spec.get("type", "ClusterIP")
    external_ips = [ip for ip in spec.get("externalIPs") or () if _v4(ip)]
    externally = svc_type in ("NodePort", "LoadBalancer") or (svc_type == "ClusterIP" and bool(external_ips))
    ext_local = externally and spec.get("externalTrafficPolicy") == "Local"
    vips = [ing["ip"] for ing in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or ()
            if ing.get("ip") and _v4(ing["ip"]) and ing.get("ipMode") in (None, "VIP")]
    ranges = [r.strip() for r in spec.get("loadBalancerSourceRanges") or ()] if svc_type == "LoadBalancer" else []
    affinity = spec.get("sessionAffinity") == "ClientIP"
    sticky = (((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}).get("timeoutSeconds")
              or DEFAULT_STICKY_SECONDS)
    hc = spec.get("healthCheckNodePort", 0) if (svc_type == "LoadBalancer" and ext_local) else 0
    md = svc["metadata"]
    out = []
    for p in spec.get("ports") or ():
        out.append(ServicePort(
            namespace=md.get("namespace", ""), name=md["name"], port_name=p.get("name", "") or "",
            protocol=p.get("protocol", "TCP"), cluster_ip=cluster_ip, port=p["port"],
            node_port=p.get("nodePort", 0) if svc_type in ("NodePort", "LoadBalancer") else 0,
            external_ips=external_ips, lb_vips=vips, lb_source_ranges=ranges, session_affinity=affinity,
            sticky_seconds=sticky, internal_local=spec.get("internalTrafficPolicy") == "Local",
            external_local=ext_local, health_check_node_port=hc or 0))
    return out


def endpoints_from_slices(slices: list[dict], node_name: str) -> dict[tuple, list[Endpoint]]:
    """``EndpointSliceCache``: endpoints per (namespace, service, port name, protocol), one per
    ip:port (a terminating duplicate never hides a running one), sorted by "ip:port"."""
    by_port: dict[tuple, dict[str, Endpoint]] = {}
    for s in slices:
        if s.get("addressType") != "IPv4":
            continue
        md = s["metadata"]
        svc_name = (md.get("labels") or {}).get("kubernetes.io/service-name")
        if not svc_name:
            continue
        for port in s.get("ports") or ():
            if port.get("name") is None or not port.get("port"):
                continue
            key = (md.get("namespace", ""), svc_name, port["name"], port.get("protocol", "TCP"))
            bucket = by_port.setdefault(key, {})
            for ep in s.get("endpoints") or ():
                addrs = ep.get("addresses") or ()
                if not addrs:
                    continue
                cond = ep.get("conditions") or {}
                terminating = cond.get("terminating") is True
                e = Endpoint(ip=_canonical_ip(addrs[0]), port=port["port"],
                             ready=cond.get("ready") is not False, serving=cond.get("serving") is not False,
                             terminating=terminating, is_local=bool(node_name) and ep.get("nodeName") == node_name,
                             node_name=ep.get("nodeName") or "")
                if e.string not in bucket or not terminating:
                    bucket[e.string] = e
    return {k: [v[s] for s in sorted(v)] for k, v in by_port.items() if v}


def categorize_endpoints(endpoints: list[Endpoint], sp: ServicePort) -> tuple[list, list, list, bool]:
    """``CategorizeEndpoints``: (cluster endpoints, local endpoints, all reachable from this
    node, whether the Service has usable endpoints anywhere).  Ready endpoints are used; when
    there are none, serving-but-terminating ones.  (Topology hints are not modelled.)"""
    cluster: list[Endpoint] = []
    local: list[Endpoint] = []
    has_any = False
    if sp.uses_cluster_endpoints():
        cluster = [e for e in endpoints if e.ready]
        if not cluster:
            cluster = [e for e in endpoints if e.serving and e.terminating]
        has_any = bool(cluster)
    if not sp.uses_local_endpoints():
        return cluster, local, cluster, has_any
    local_ready = local_serving_terminating = False
    for e in endpoints:
        if e.ready:
            has_any = True
            local_ready = local_ready or e.is_local
        elif e.serving and e.terminating:
            has_any = True
            local_serving_terminating = local_serving_terminating or e.is_local
    use_terminating = False
    if local_ready:
        local = [e for e in endpoints if e.is_local and e.ready]
    elif local_serving_terminating:
        use_terminating = True
        local = [e for e in endpoints if e.is_local and e.serving and e.terminating]
    if not sp.uses_cluster_endpoints():
        return cluster, local, local, has_any
    if not use_terminating:
        return cluster, local, cluster, has_any
    merged = {e.string: e for e in cluster}
    merged.update({e.string: e for e in local})
    return cluster, local, [merged[k] for k in sorted(merged)], has_any


# ------------------------------------------------------------------------------------------
# iptables: building the rules (syncProxyRules)
@dataclass
class IPTablesRules:
    """What one sync writes: per table, the chain lines and the rules (argument lists)."""

    filter_chains: list[str] = field(default_factory=list)
    filter_rules: list[list[str]] = field(default_factory=list)
    nat_chains: list[str] = field(default_factory=list)
    nat_rules: list[list[str]] = field(default_factory=list)

    def restore_input(self) -> str:
        out = ["*filter"]
        out += [f":{c} - [0:0]" for c in self.filter_chains]
        out += [" ".join(r) for r in self.filter_rules]
        out += ["COMMIT", "*nat"]
        out += [f":{c} - [0:0]" for c in self.nat_chains]
        out += [" ".join(r) for r in self.nat_rules]
        out.append("COMMIT")
        return "\n".join(out) + "\n"


def build_iptables(svc_ports: list[ServicePort], endpoints: dict[tuple, list[Endpoint]], *, node_ip: str,
                   cluster_cidr: str | None, mark: str, masquerade_all: bool = False,
                   localhost_nodeports: bool = True, random_fully: bool = True) -> IPTablesRules:
    """``syncProxyRules``, a full sync: the filter and nat rules for every service port."""
    r = IPTablesRules()
    fr, nr = r.filter_rules, r.nat_rules
    r.filter_chains += [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL]
    r.nat_chains += [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ]
    nr.append(["-A", KUBE_POSTROUTING, "-m", "mark", "!", "--mark", f"{mark}/{mark}", "-j", "RETURN"])
    nr.append(["-A", KUBE_POSTROUTING, "-j", "MARK", "--xor-mark", mark])
    masq = ["-A", KUBE_POSTROUTING, "-m", "comment", "--comment", '"kubernetes service traffic requiring SNAT"',
            "-j", "MASQUERADE"]
    if random_fully:
        masq.append("--random-fully")
    nr.append(masq)
    nr.append(["-A", KUBE_MARK_MASQ, "-j", "MARK", "--or-mark", mark])
    if localhost_nodeports:
        r.filter_chains.append(KUBE_FIREWALL)
        fr.append(["-A", KUBE_FIREWALL, "-m", "comment", "--comment", '"block incoming localnet connections"',
                   "-d", "127.0.0.0/8", "!", "-s", "127.0.0.0/8", "-m", "conntrack", "!", "--ctstate",
                   "RELATED,ESTABLISHED,DNAT", "-j", "DROP"])
    if_not_local = ["!", "-s", cluster_cidr] if cluster_cidr else []
    if_local = ["-s", cluster_cidr] if cluster_cidr else []
    total = sum(len(endpoints.get(sp.key, ())) for sp in svc_ports)
    large = total > LARGE_CLUSTER_ENDPOINTS

    def comment(args: list[str], text: str) -> list[str]:
        return args if large else args + ["-m", "comment", "--comment", text]

    for sp in svc_ports:
        proto, name = sp.proto, sp.name_string
        cluster_eps, local_eps, reachable, has_endpoints = categorize_endpoints(endpoints.get(sp.key, []), sp)
        uses_cluster_chain = bool(cluster_eps) and sp.uses_cluster_endpoints()
        uses_local_chain = bool(local_eps) and sp.uses_local_endpoints()
        internal_chain = sp.svc_chain
        has_internal = has_endpoints
        if sp.internal_local:
            internal_chain = sp.svl_chain
            has_internal = has_internal and bool(local_eps)
        external_policy_chain = sp.svc_chain
        has_external = has_endpoints
        if sp.external_local:
            external_policy_chain = sp.svl_chain
            has_external = has_external and bool(local_eps)
        uses_ext_chain = has_endpoints and sp.externally_accessible()
        lb_chain = sp.ext_chain
        uses_fw = has_endpoints and bool(sp.lb_vips) and bool(sp.lb_source_ranges)
        if uses_fw:
            lb_chain = sp.fw_chain
        if not has_endpoints:
            int_target = ext_target = "REJECT"
            int_comment = ext_comment = f'"{name} has no endpoints"'
        else:
            int_target = ext_target = int_comment = ext_comment = ""
            if not has_internal:
                int_target, int_comment = "DROP", f'"{name} has no local endpoints"'
            if not has_external:
                ext_target, ext_comment = "DROP", f'"{name} has no local endpoints"'
        port = str(sp.port)

        # capture the cluster IP
        if has_internal:
            nr.append(["-A", KUBE_SERVICES, "-m", "comment", "--comment", f'"{name} cluster IP"', "-m", proto,
                       "-p", proto, "-d", sp.cluster_ip, "--dport", port, "-j", internal_chain])
        else:
            fr.append(["-A", KUBE_SERVICES, "-m", "comment", "--comment", int_comment, "-m", proto, "-p", proto,
                       "-d", sp.cluster_ip, "--dport", port, "-j", int_target])
        for eip in sp.external_ips:
            if has_endpoints:
                nr.append(["-A", KUBE_SERVICES, "-m", "comment", "--comment", f'"{name} external IP"', "-m", proto,
                           "-p", proto, "-d", eip, "--dport", port, "-j", sp.ext_chain])
            if not has_external:
                fr.append(["-A", KUBE_EXTERNAL_SERVICES, "-m", "comment", "--comment", ext_comment, "-m", proto,
                           "-p", proto, "-d", eip, "--dport", port, "-j", ext_target])
        for vip in sp.lb_vips:
            if has_endpoints:
                nr.append(["-A", KUBE_SERVICES, "-m", "comment", "--comment", f'"{name} loadbalancer IP"', "-m",
                           proto, "-p", proto, "-d", vip, "--dport", port, "-j", lb_chain])
            if uses_fw:
                fr.append(["-A", KUBE_PROXY_FIREWALL, "-m", "comment", "--comment",
                           f'"{name} traffic not accepted by {sp.fw_chain}"', "-m", proto, "-p", proto, "-d", vip,
                           "--dport", port, "-j", "DROP"])
        if not has_external:
            for vip in sp.lb_vips:
                fr.append(["-A", KUBE_EXTERNAL_SERVICES, "-m", "comment", "--comment", ext_comment, "-m", proto,
                           "-p", proto, "-d", vip, "--dport", port, "-j", ext_target])
        if sp.node_port:
            if has_endpoints:
                nr.append(["-A", KUBE_NODEPORTS, "-m", "comment", "--comment", name, "-m", proto, "-p", proto,
                           "--dport", str(sp.node_port), "-j", sp.ext_chain])
            if not has_external:
                fr.append(["-A", KUBE_EXTERNAL_SERVICES, "-m", "comment", "--comment", ext_comment, "-m", "addrtype",
                           "--dst-type", "LOCAL", "-m", proto, "-p", proto, "--dport", str(sp.node_port),
                           "-j", ext_target])
        if sp.health_check_node_port:
            fr.append(["-A", KUBE_NODEPORTS, "-m", "comment", "--comment", f'"{name} health check node port"',
                       "-m", "tcp", "-p", "tcp", "--dport", str(sp.health_check_node_port), "-j", "ACCEPT"])

        # internal traffic: masquerade off-cluster sources
        if has_internal:
            args = ["-m", "comment", "--comment", f'"{name} cluster IP"', "-m", proto, "-p", proto,
                    "-d", sp.cluster_ip, "--dport", port]
            if masquerade_all:
                nr.append(["-A", internal_chain] + args + ["-j", KUBE_MARK_MASQ])
            elif if_not_local:
                nr.append(["-A", internal_chain] + args + if_not_local + ["-j", KUBE_MARK_MASQ])
        # external traffic
        if uses_ext_chain:
            r.nat_chains.append(sp.ext_chain)
            if not sp.external_local:
                nr.append(["-A", sp.ext_chain, "-m", "comment", "--comment",
                           f'"masquerade traffic for {name} external destinations"', "-j", KUBE_MARK_MASQ])
            else:
                if if_local:
                    nr.append(["-A", sp.ext_chain, "-m", "comment", "--comment",
                               f'"pod traffic for {name} external destinations"'] + if_local + ["-j", sp.svc_chain])
                nr.append(["-A", sp.ext_chain, "-m", "comment", "--comment",
                           f'"masquerade LOCAL traffic for {name} external destinations"', "-m", "addrtype",
                           "--src-type", "LOCAL", "-j", KUBE_MARK_MASQ])
                nr.append(["-A", sp.ext_chain, "-m", "comment", "--comment",
                           f'"route LOCAL traffic for {name} external destinations"', "-m", "addrtype",
                           "--src-type", "LOCAL", "-j", sp.svc_chain])
            if has_external:
                nr.append(["-A", sp.ext_chain, "-j", external_policy_chain])
        if uses_fw:
            r.nat_chains.append(sp.fw_chain)
            head = ["-A", sp.fw_chain, "-m", "comment", "--comment", f'"{name} loadbalancer IP"']
            allow_node = False
            for cidr in sp.lb_source_ranges:
                nr.append(head + ["-s", cidr, "-j", sp.ext_chain])
                try:
                    allow_node = allow_node or ipaddress.ip_address(node_ip) in ipaddress.ip_network(cidr, strict=False)
                except ValueError:
                    pass
            if allow_node:
                for vip in sp.lb_vips:
                    nr.append(head + ["-s", vip, "-j", sp.ext_chain])
            nr.append(["-A", sp.fw_chain, "-m", "comment", "--comment",
                       f'"other traffic to {name} will be dropped by KUBE-PROXY-FIREWALL"'])
        if uses_cluster_chain:
            r.nat_chains.append(sp.svc_chain)
            _service_to_endpoints(nr, sp, sp.svc_chain, cluster_eps, comment)
        if uses_local_chain:
            r.nat_chains.append(sp.svl_chain)
            _service_to_endpoints(nr, sp, sp.svl_chain, local_eps, comment)
        for ep in reachable:
            chain = endpoint_chain(name, proto, ep.string)
            r.nat_chains.append(chain)
            args = comment(["-A", chain], name)
            nr.append(args + ["-s", ep.ip, "-j", KUBE_MARK_MASQ])
            if sp.session_affinity:
                args = args + ["-m", "recent", "--name", chain, "--set"]
            nr.append(args + ["-m", proto, "-p", proto, "-j", "DNAT", "--to-destination", ep.string])

    # the node-port rule must come last in KUBE-SERVICES
    dest = ["-m", "addrtype", "--dst-type", "LOCAL"]
    if not localhost_nodeports:
        dest += ["!", "-d", "127.0.0.0/8"]
    nr.append(["-A", KUBE_SERVICES, "-m", "comment", "--comment",
               '"kubernetes service nodeports; NOTE: this must be the last rule in this chain"'] + dest +
              ["-j", KUBE_NODEPORTS])
    fr.append(["-A", KUBE_FORWARD, "-m", "conntrack", "--ctstate", "INVALID", "-j", "DROP"])
    fr.append(["-A", KUBE_FORWARD, "-m", "comment", "--comment", '"kubernetes forwarding rules"', "-m", "mark",
               "--mark", f"{mark}/{mark}", "-j", "ACCEPT"])
    fr.append(["-A", KUBE_FORWARD, "-m", "comment", "--comment", '"kubernetes forwarding conntrack rule"',
               "-m", "conntrack", "--ctstate", "RELATED,ESTABLISHED", "-j", "ACCEPT"])
    return r


def _service_to_endpoints(nr: list, sp: ServicePort, chain: str, eps: list[Endpoint], comment) -> None:
    """``writeServiceToEndpointRules``: affinity checks first, then the statistic ladder."""
    name, proto = sp.name_string, sp.proto
    if sp.session_affinity:
        for ep in eps:
            sep = endpoint_chain(name, proto, ep.string)
            nr.append(comment(["-A", chain], f'"{name} -> {ep.string}"') +
                      ["-m", "recent", "--name", sep, "--rcheck", "--seconds", str(sp.sticky_seconds), "--reap",
                       "-j", sep])
    n = len(eps)
    for i, ep in enumerate(eps):
        args = comment(["-A", chain], f'"{name} -> {ep.string}"')
        if i < n - 1:
            args += ["-m", "statistic", "--mode", "random", "--probability", probability(n - i)]
        nr.append(args + ["-j", endpoint_chain(name, proto, ep.string)])


# ------------------------------------------------------------------------------------------
# the netfilter model: parsed rules, the iptables-save normal form, and a packet walk
_FLAG_OPTIONS = {"--set", "--rcheck", "--update", "--remove", "--reap", "--rsource", "--rdest", "--random-fully"}
BUILTIN_CHAINS = {
    "mangle": ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"),
    "filter": ("INPUT", "FORWARD", "OUTPUT"),
    "nat": ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"),
}
# the jump rules kube-proxy (and the kubelet) ensure in the built-in chains, as each ends up
# after being prepended in turn (iptablesJumpChains)
JUMP_RULES = {
    "filter": {
        "INPUT": [["-j", KUBE_FIREWALL],
                  ["-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment",
                   '"kubernetes load balancer firewall"', "-j", KUBE_PROXY_FIREWALL],
                  ["-m", "comment", "--comment", '"kubernetes health check service ports"', "-j", KUBE_NODEPORTS],
                  ["-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment",
                   '"kubernetes externally-visible service portals"', "-j", KUBE_EXTERNAL_SERVICES]],
        "FORWARD": [["-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment",
                     '"kubernetes load balancer firewall"', "-j", KUBE_PROXY_FIREWALL],
                    ["-m", "comment", "--comment", '"kubernetes forwarding rules"', "-j", KUBE_FORWARD],
                    ["-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment",
                     '"kubernetes service portals"', "-j", KUBE_SERVICES],
                    ["-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment",
                     '"kubernetes externally-visible service portals"', "-j", KUBE_EXTERNAL_SERVICES]],
        "OUTPUT": [["-j", KUBE_FIREWALL],
                   ["-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment",
                    '"kubernetes load balancer firewall"', "-j", KUBE_PROXY_FIREWALL],
                   ["-m", "conntrack", "--ctstate", "NEW", "-m", "comment", "--comment",
                    '"kubernetes service portals"', "-j", KUBE_SERVICES]],
    },
    "nat": {
        "PREROUTING": [["-m", "comment", "--comment", '"kubernetes service portals"', "-j", KUBE_SERVICES]],
        "OUTPUT": [["-m", "comment", "--comment", '"kubernetes service portals"', "-j", KUBE_SERVICES]],
        "POSTROUTING": [["-m", "comment", "--comment", '"kubernetes postrouting rules"', "-j", KUBE_POSTROUTING]],
    },
}
EXTRA_CHAINS = {   # canaries and hints that exist on every node (kubelet and kube-proxy monitors)
    "mangle": (IPTABLES_HINT, KUBELET_CANARY, KUBE_PROXY_CANARY),
    "filter": (KUBELET_CANARY, KUBE_PROXY_CANARY),
    "nat": (KUBELET_CANARY, KUBE_PROXY_CANARY),
}


def _in_port_list(port: int, spec: str) -> bool:
    """``-m multiport --dports 80,8000:8080``."""
    for part in spec.split(","):
        lo, _, hi = part.partition(":")
        if int(lo) <= port <= int(hi or lo):
            return True
    return False


def _unquote(s: str) -> str:
    return s[1:-1] if len(s) >= 2 and s[0] == s[-1] == '"' else s


def _hex(v: str) -> int:
    return int(v, 16)


@dataclass
class Match:
    module: str
    opts: list = field(default_factory=list)     # (negated, option, value or None)

    def opt(self, name: str):
        for neg, o, v in self.opts:
            if o == name:
                return neg, v
        return None


class Rule:
    """One rule, parsed from kube-proxy's arguments, printable in iptables-save's normal form and
    able to match a packet."""

    __slots__ = ("chain", "src", "dst", "proto", "matches", "target", "target_args", "_text", "prob", "dport",
                 "index_key", "only_statistic")

    def __init__(self, chain: str, args: list[str]):
        self.chain = chain
        self.src = self.dst = None
        self.proto = None
        self.matches: list[Match] = []
        self.target = ""
        self.target_args: list[str] = []
        self._text = None
        self.prob = None
        self.dport = None
        neg = False
        cur: Match | None = None
        i, n = 0, len(args)
        while i < n:
            t = args[i]
            if t == "!":
                neg = True
                i += 1
                continue
            if t in ("-s", "-d"):
                net = _network(args[i + 1])
                if t == "-s":
                    self.src = (neg, net)
                else:
                    self.dst = (neg, net)
                i += 2
            elif t == "-p":
                self.proto = args[i + 1]
                i += 2
            elif t == "-m":
                cur = Match(args[i + 1])
                self.matches.append(cur)
                i += 2
            elif t == "-j":
                self.target = args[i + 1]
                self.target_args = args[i + 2:]
                break
            else:
                owner = cur
                if t in ("--dport", "--sport"):
                    owner = next((m for m in self.matches if m.module == self.proto), None)
                    if owner is None:
                        owner = Match(self.proto or "tcp")
                        self.matches.append(owner)
                if t in _FLAG_OPTIONS:
                    owner.opts.append((neg, t, None))
                    i += 1
                else:
                    owner.opts.append((neg, t, args[i + 1]))
                    i += 2
            neg = False
        for m in self.matches:
            if m.module == "statistic":
                p = float(m.opt("--probability")[1])
                self.prob = int(0x80000000 * p + 0.5)        # the kernel's 31-bit fraction
            elif m.module in ("tcp", "udp", "sctp"):
                d = m.opt("--dport")
                if d is not None:
                    self.dport = (d[0], int(d[1]))
        # a rung of a KUBE-SVC ladder: nothing to match but the random draw
        self.only_statistic = (self.prob is not None and self.src is None and self.dst is None and self.proto is None
                               and all(m.module in ("comment", "statistic") for m in self.matches))
        self.index_key = None
        if self.dst is not None and not self.dst[0] and self.dst[1].prefixlen == 32 and self.dport and not self.dport[0]:
            self.index_key = (str(self.dst[1].network_address), self.proto, self.dport[1])
        elif self.dst is None and self.dport and not self.dport[0] and self.proto:
            self.index_key = (None, self.proto, self.dport[1])

    # -- iptables-save's normal form -------------------------------------------------------
    def save_text(self) -> str:
        if self._text is not None:
            return self._text
        out = [f"-A {self.chain}"]
        for flag, addr in (("-s", self.src), ("-d", self.dst)):
            if addr is not None:
                out.append(("! " if addr[0] else "") + f"{flag} {addr[1]}")
        if self.proto:
            out.append(f"-p {self.proto}")
        for m in self.matches:
            out.append(_save_match(m))
        if self.target:
            out.append(f"-j {self.target}" + _save_target(self.target, self.target_args))
        self._text = " ".join(out)
        return self._text


def _save_match(m: Match) -> str:
    parts = [f"-m {m.module}"]
    mod = m.module
    if mod == "comment":
        parts.append('--comment "%s"' % _unquote(m.opt("--comment")[1]).replace('"', '\\"'))
    elif mod == "statistic":
        prob = int(0x80000000 * float(m.opt("--probability")[1]) + 0.5)
        parts.append("--mode random --probability %.11f" % (prob / 0x80000000))
    elif mod == "recent":
        flags = {o for _, o, _ in m.opts}
        for f in ("--set", "--rcheck", "--update", "--remove"):
            if f in flags:
                parts.append(f)
        if m.opt("--seconds"):
            parts.append(f"--seconds {m.opt('--seconds')[1]}")
        if "--reap" in flags:
            parts.append("--reap")
        parts.append(f"--name {m.opt('--name')[1]} --mask 255.255.255.255 --rsource")
    elif mod == "mark":
        neg, v = m.opt("--mark")
        val, _, mask = v.partition("/")
        text = f"0x{_hex(val):x}" + (f"/0x{_hex(mask):x}" if mask and _hex(mask) != 0xFFFFFFFF else "")
        parts.append(("! " if neg else "") + f"--mark {text}")
    elif mod == "addrtype":
        for o in ("--src-type", "--dst-type"):
            got = m.opt(o)
            if got:
                parts.append(("! " if got[0] else "") + f"{o} {got[1]}")
    elif mod == "multiport":
        for neg, o, v in m.opts:
            name = {"--destination-ports": "--dports", "--source-ports": "--sports"}.get(o, o)
            parts.append(("! " if neg else "") + f"{name} {v}")
    elif mod in ("tcp", "udp", "sctp"):
        for o in ("--sport", "--dport"):
            got = m.opt(o)
            if got:
                parts.append(("! " if got[0] else "") + f"{o} {got[1]}")
    else:
        for neg, o, v in m.opts:
            parts.append(("! " if neg else "") + o + (f" {v}" if v is not None else ""))
    return " ".join(parts)


def _save_target(target: str, args: list[str]) -> str:
    if target == "MARK" and args[0] == "--set-xmark":
        v, _, m = args[1].partition("/")
        return f" --set-xmark 0x{_hex(v):x}/0x{_hex(m or '0xffffffff'):x}"
    if target == "MARK":
        op, val = args[0], _hex(args[1])
        if op == "--or-mark":
            return f" --set-xmark 0x{val:x}/0x{val:x}"
        if op == "--xor-mark":
            return f" --set-xmark 0x{val:x}/0x0"
        if op == "--set-mark":
            return f" --set-xmark 0x{val:x}/0xffffffff"
    if target == "REJECT" and not args:
        return " --reject-with icmp-port-unreachable"
    return "".join(f" {a}" for a in args)


@dataclass
class MatchedRule:
    table: str
    chain: str
    rule: str

    def __str__(self) -> str:
        return f"{self.table:<6} {self.rule}"


@dataclass
class Forwarding:
    """Where kube-proxy's rules on one node send a new connection.

    ``verdict`` is "DNAT" (rewritten to ``endpoint``), "ACCEPT" (delivered as addressed),
    "REJECT" (the client sees *connection refused*) or "DROP" (the client times out).  ``matched``
    lists every rule the packet matched, in order, as iptables-save prints it."""

    node: str
    source: str
    destination: str
    port: int
    protocol: str
    verdict: str = "ACCEPT"
    endpoint: str | None = None
    masqueraded: bool = False
    snat_source: str | None = None
    matched: list[MatchedRule] = field(default_factory=list)
    mode: str = "iptables"

    @property
    def endpoint_ip(self) -> str | None:
        return self.endpoint.rpartition(":")[0] if self.endpoint else None

    @property
    def endpoint_port(self) -> int | None:
        return int(self.endpoint.rpartition(":")[2]) if self.endpoint else None

    def __str__(self) -> str:
        head = f"{self.protocol} {self.source} -> {self.destination}:{self.port} on {self.node}: {self.verdict}"
        if self.endpoint:
            head += f" to {self.endpoint}"
        if self.masqueraded:
            head += f" (SNAT to {self.snat_source})"
        return "\n".join([head] + [f"  {m}" for m in self.matched])


class Packet:
    __slots__ = ("src", "dst", "proto", "dport", "mark")

    def __init__(self, src: str, dst: str, proto: str, dport: int):
        self.src, self.dst, self.proto, self.dport, self.mark = src, dst, proto, dport, 0


class Netfilter:
    """The node's tables as the kernel holds them after kube-proxy's restore."""

    def __init__(self, rules: IPTablesRules, local_addresses: list[str]):
        self.chains: dict[str, dict[str, list[Rule]]] = {}
        self.local = [ipaddress.ip_network(a, strict=False) for a in local_addresses]
        self._local_cache: dict[str, bool] = {}
        for table, chains, rule_args in (("filter", rules.filter_chains, rules.filter_rules),
                                         ("nat", rules.nat_chains, rules.nat_rules)):
            t = {c: [] for c in BUILTIN_CHAINS[table]}
            for c in EXTRA_CHAINS[table]:
                t[c] = []
            for c in chains:
                t.setdefault(c, [])
            for chain, jumps in JUMP_RULES.get(table, {}).items():
                t[chain] = [Rule(chain, a) for a in jumps]
            for args in rule_args:
                if args[0] == "-X":
                    t.pop(args[1], None)
                    continue
                t[args[1]].append(Rule(args[1], args[2:]))
            self.chains[table] = t
        self.chains["mangle"] = {c: [] for c in BUILTIN_CHAINS["mangle"] + EXTRA_CHAINS["mangle"]}
        self._index: dict[tuple[str, str], dict] = {}

    def add_chain(self, table: str, chain: str) -> None:
        """Another program's chain in these tables (the CNI portmap plugin's)."""
        self.chains[table].setdefault(chain, [])

    def add_rule(self, table: str, chain: str, args: list[str], prepend: bool = False) -> None:
        rules = self.chains[table].setdefault(chain, [])
        rule = Rule(chain, args)
        if prepend:
            rules.insert(0, rule)
        else:
            rules.append(rule)
        self._index.pop((table, chain), None)

    def is_local(self, ip: str) -> bool:
        got = self._local_cache.get(ip)
        if got is None:
            addr = ipaddress.ip_address(ip)
            got = self._local_cache[ip] = any(addr in n for n in self.local)
        return got

    # -- iptables-save ---------------------------------------------------------------------
    def save(self, tables: list[str], stamp: str, version: str = "v1.8.9 (nf_tables)") -> str:
        out = []
        for table in tables:
            t = self.chains[table]
            builtins = BUILTIN_CHAINS[table]
            user = sorted(c for c in t if c not in builtins)
            out.append(f"# Generated by iptables-save {version} on {stamp}")
            out.append(f"*{table}")
            out += [f":{c} ACCEPT [0:0]" for c in builtins]
            out += [f":{c} - [0:0]" for c in user]
            for c in list(builtins) + user:
                out += [r.save_text() for r in t[c]]
            out.append("COMMIT")
            out.append(f"# Completed on {stamp}")
        return "\n".join(out) + "\n"

    # -- the packet walk -------------------------------------------------------------------
    def _candidates(self, table: str, chain: str, rules: list[Rule], pkt: Packet):
        """The rules of a chain that can match this packet, in order: rules that name an exact
        destination and port are looked up by them (a lookup, not a scan, for KUBE-SERVICES and
        KUBE-NODEPORTS); the others are always tried."""
        if len(rules) < 16:
            return rules
        idx = self._index.get((table, chain))
        if idx is None:
            keyed: dict[tuple, list[int]] = {}
            free: list[int] = []
            for i, r in enumerate(rules):
                if r.index_key is None:
                    free.append(i)
                else:
                    keyed.setdefault(r.index_key, []).append(i)
            idx = self._index[(table, chain)] = (keyed, free, {})
        keyed, free, memo = idx
        if not keyed:
            return rules
        key = (pkt.dst, pkt.proto, pkt.dport)
        got = memo.get(key)
        if got is None:
            positions = sorted(free + keyed.get(key, []) + keyed.get((None, pkt.proto, pkt.dport), []))
            got = [rules[i] for i in positions]
            if len(memo) < 4096:
                memo[key] = got
        return got

    def walk(self, proxy: "KubeProxy", table: str, chain: str, pkt: Packet, trace: list, depth: int = 0) -> str | None:
        rules = self.chains[table].get(chain) or ()
        for r in self._candidates(table, chain, rules, pkt):
            if r.only_statistic:
                if proxy._rng.getrandbits(31) >= r.prob:
                    continue
            elif not self._matches(proxy, r, pkt):
                continue
            trace.append(MatchedRule(table, chain, r.save_text()))
            t = r.target
            if not t:
                continue
            if t == "MARK":
                op, spec = r.target_args[0], r.target_args[1]
                if op == "--set-xmark":             # value/mask: clear the mask's bits, xor the value
                    v, _, msk = spec.partition("/")
                    mask = _hex(msk) if msk else 0xFFFFFFFF
                    pkt.mark = (pkt.mark & ~mask & 0xFFFFFFFF) ^ _hex(v)
                    continue
                val = _hex(spec)
                pkt.mark = pkt.mark | val if op == "--or-mark" else pkt.mark ^ val if op == "--xor-mark" else val
                continue
            if t == "DNAT":
                dest = r.target_args[1]
                ip, _, port = dest.rpartition(":")
                pkt.dst, pkt.dport = ip, int(port)
                return "DNAT"
            if t == "MASQUERADE":
                return "MASQUERADE"
            if t in ("ACCEPT", "DROP", "REJECT"):
                return t
            if t == "RETURN":
                return None
            verdict = self.walk(proxy, table, t, pkt, trace, depth + 1)
            if verdict is not None:
                return verdict
        return None

    def _matches(self, proxy: "KubeProxy", r: Rule, pkt: Packet) -> bool:
        if r.src is not None and (_address(pkt.src) in r.src[1]) == r.src[0]:
            return False
        if r.dst is not None and (_address(pkt.dst) in r.dst[1]) == r.dst[0]:
            return False
        if r.proto is not None and r.proto != pkt.proto:
            return False
        for m in r.matches:
            mod = m.module
            if mod == "comment" or mod == "nfacct":
                continue
            if mod in ("tcp", "udp", "sctp"):
                if r.dport is not None and (pkt.dport == r.dport[1]) == r.dport[0]:
                    return False
            elif mod == "multiport":
                for neg, o, v in m.opts:
                    if o in ("--destination-ports", "--dports"):
                        if _in_port_list(pkt.dport, v) == neg:
                            return False
            elif mod == "statistic":
                if proxy._rng.getrandbits(31) >= r.prob:
                    return False
            elif mod == "mark":
                neg, v = m.opt("--mark")
                val, _, mask = v.partition("/")
                mask_v = _hex(mask) if mask else 0xFFFFFFFF
                if ((pkt.mark & mask_v) == _hex(val)) == neg:
                    return False
            elif mod == "addrtype":
                for o, ip in (("--src-type", pkt.src), ("--dst-type", pkt.dst)):
                    got = m.opt(o)
                    if got is not None and self.is_local(ip) == got[0]:
                        return False
            elif mod == "conntrack":
                neg, states = m.opt("--ctstate")
                if ("NEW" in states.split(",")) == neg:     # every packet here opens a connection
                    return False
            elif mod == "recent":
                name = m.opt("--name")[1]
                table = proxy._recent.setdefault(name, {})
                if m.opt("--set") is not None:
                    table[pkt.src] = proxy.loop.now
                elif m.opt("--rcheck") is not None:
                    seen = table.get(pkt.src)
                    secs = m.opt("--seconds")
                    if seen is None or (secs is not None and proxy.loop.now - seen > int(secs[1])):
                        if seen is not None and m.opt("--reap") is not None:
                            del table[pkt.src]
                        return False
        return True


# ------------------------------------------------------------------------------------------
# IPVS (pkg/proxy/ipvs)
@dataclass
class VirtualServer:
    protocol: str
    address: str
    port: int
    persistent: int = 0
    real_servers: list[Endpoint] = field(default_factory=list)
    service: str = ""
    external: bool = False      # a NodePort, external or load-balancer address
    masquerade_external: bool = True

    def line(self) -> str:
        s = f"{self.protocol}  {self.address}:{self.port} rr"
        if self.persistent:
            s += f" persistent {self.persistent}"
        return s


IPVS_PROTO_ORDER = {"TCP": 6, "UDP": 17, "SCTP": 132}


def build_ipvs(svc_ports: list[ServicePort], endpoints: dict[tuple, list[Endpoint]], node_ips: list[str]) -> list[VirtualServer]:
    """``syncService``/``syncEndpoint`` per address: the cluster IP, external IPs, load-balancer
    IPs and the node's addresses for NodePorts, each a round-robin virtual server."""
    out: list[VirtualServer] = []
    for sp in svc_ports:
        cluster_eps, local_eps, _, _ = categorize_endpoints(endpoints.get(sp.key, []), sp)
        internal = local_eps if sp.internal_local else cluster_eps
        external = local_eps if sp.external_local else cluster_eps
        persistent = sp.sticky_seconds if sp.session_affinity else 0
        addrs = [(sp.cluster_ip, sp.port, internal, False)]
        addrs += [(ip, sp.port, external, True) for ip in sp.external_ips + sp.lb_vips]
        if sp.node_port:
            addrs += [(ip, sp.node_port, external, True) for ip in node_ips]
        for ip, port, eps, ext in addrs:
            ordered = sorted(eps, key=lambda e: (_address(e.ip).packed, e.port))
            out.append(VirtualServer(sp.protocol, ip, port, persistent, ordered, sp.name_string, ext,
                                     not sp.external_local))
    out.sort(key=lambda v: (IPVS_PROTO_ORDER.get(v.protocol, 255), ipaddress.ip_address(v.address).packed, v.port))
    return out


def render_ipvsadm(vss: list[VirtualServer]) -> str:
    """``ipvsadm -Ln``."""
    lines = ["IP Virtual Server version 1.2.1 (size=4096)",
             "Prot LocalAddress:Port Scheduler Flags",
             "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn"]
    for vs in vss:
        lines.append(vs.line())
        for rs in vs.real_servers:
            lines.append("  -> %-28s %-7s %-6d %-10d %-10d" % (rs.string, "Masq", 1, 0, 0))
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------
class KubeProxy:
    """kube-proxy on one node.

    ``KubeProxy(client, loop, node_name, node_ip, rng, mode="iptables")``; call :meth:`start`
    once.  ``rng`` is the seeded stream the statistic match draws from (e.g.
    ``cluster.random.stream("kube-proxy/<node>")``).
    """

    def __init__(self, client: Client, loop, node_name: str, node_ip: str, rng, mode: str = "iptables", *,
                 cluster_cidr: str | None = "10.244.0.0/16", min_sync_period: float = 1.0,
                 masquerade_bit: int = 14, masquerade_all: bool = False, localhost_nodeports: bool = True,
                 sync_burst: int = 2, restore_seconds: float = 0.015):
        if mode not in ("iptables", "ipvs"):
            raise ValueError(f'unknown proxy mode "{mode}"')
        self.client = client
        self.loop = loop
        self.node_name = node_name
        self.node_ip = node_ip
        self.mode = mode
        self.cluster_cidr = cluster_cidr
        self.min_sync_period = min_sync_period
        self.restore_seconds = restore_seconds
        self.mark = masquerade_mark(masquerade_bit)
        self.masquerade_all = masquerade_all
        self.localhost_nodeports = localhost_nodeports
        self._rng = rng
        self._recent: dict[str, dict[str, float]] = {}
        self._rr: dict[tuple, int] = {}
        self._persist: dict[tuple, tuple[str, float]] = {}
        self._burst = sync_burst
        self._tokens = float(sync_burst)
        self._tokens_at = 0.0
        self._sync_timer = None
        self.rules: IPTablesRules | None = None
        self._service_chains: set[str] = set()
        self.virtual_servers: list[VirtualServer] = []
        self._netfilter: Netfilter | None = None
        self._nf_host_generation = None
        #: other programs' rules in the same tables: an object with ``generation`` and
        #: ``install(netfilter)`` — the node's CNI portmap plugin (hostPort chains)
        self.host_rules = None
        self._vs_index: dict | None = None
        self.syncs = 0
        self.last_sync: float | None = None
        self.service_ports: list[ServicePort] = []
        self.endpoints: dict[tuple, list[Endpoint]] = {}
        self.informers = InformerFactory(client)
        self.services = self.informers.informer("services", label_selector=PROXY_LABEL_SELECTOR)
        self.slices = self.informers.informer("endpointslices", label_selector=PROXY_LABEL_SELECTOR)
        self.started = False

    def start(self) -> "KubeProxy":
        if self.started:
            return self
        self.started = True
        for inf in (self.services, self.slices):
            inf.add_handlers(lambda o: self.request_sync(), lambda a, b: self.request_sync(),
                             lambda o: self.request_sync())
        self.informers.start()
        # the "birth cry": an event on the node, referenced by name (uid = node name) as upstream does
        EventRecorder(self.client, "kube-proxy", host=self.node_name).event(
            {"kind": "Node", "metadata": {"name": self.node_name, "uid": self.node_name}}, "Normal", "Starting", "")
        self.request_sync()
        return self

    def stop(self) -> None:
        for inf in (self.services, self.slices):
            inf.stop()
        if self._sync_timer is not None:
            self._sync_timer.cancel()
            self._sync_timer = None

    # -- the bounded-frequency runner ------------------------------------------------------
    def _refill(self) -> None:
        now = self.loop.now
        if self.min_sync_period > 0:
            self._tokens = min(float(self._burst), self._tokens + (now - self._tokens_at) / self.min_sync_period)
        else:
            self._tokens = float(self._burst)
        self._tokens_at = now

    def request_sync(self) -> None:
        """``Sync()``: run the sync now if the rate allows, else as soon as it does."""
        if self._sync_timer is not None:
            return
        self._refill()
        delay = 0.0 if self._tokens >= 1 else (1 - self._tokens) * self.min_sync_period
        self._sync_timer = self.loop.call_later(delay, self._run_sync)

    def _run_sync(self) -> None:
        self._refill()
        self._tokens = max(0.0, self._tokens - 1)
        if self.restore_seconds <= 0:
            self._sync_timer = None
            self.sync()
            return
        # syncProxyRules runs to its end (iptables-restore) before the runner may start another;
        # the old rules stay in force meanwhile
        lines = len(self.rules.nat_rules) + len(self.rules.filter_rules) if self.rules is not None else 0
        self._sync_timer = self.loop.call_later(self.restore_seconds + RESTORE_PER_LINE * lines, self._restored)

    def _restored(self) -> None:
        self._sync_timer = None
        self.sync()

    def sync(self) -> None:
        """``syncProxyRules``: rebuild every rule from the informer caches."""
        ports: list[ServicePort] = []
        for svc in self.services.list():
            ports.extend(service_ports(svc))
        self.service_ports = ports
        self.endpoints = endpoints_from_slices(self.slices.list(), self.node_name)
        if self.mode == "iptables":
            rules = build_iptables(ports, self.endpoints, node_ip=self.node_ip, cluster_cidr=self.cluster_cidr,
                                   mark=self.mark, masquerade_all=self.masquerade_all,
                                   localhost_nodeports=self.localhost_nodeports)
            # chains no longer used are flushed and deleted in the same restore
            now = set(rules.nat_chains)
            for chain in sorted(self._service_chains - now):
                rules.nat_chains.append(chain)
                rules.nat_rules.append(["-X", chain])
            self._service_chains = {c for c in now if c.startswith(SERVICE_CHAIN_PREFIXES)}
            self.rules = rules
            self.virtual_servers = []
        else:
            self.rules = IPTablesRules()
            self.virtual_servers = build_ipvs(ports, self.endpoints, [self.node_ip])
        self._netfilter = None
        self._vs_index = None
        self.syncs += 1
        self.last_sync = self.loop.now

    # -- views -----------------------------------------------------------------------------
    def _nf(self) -> Netfilter:
        host = self.host_rules
        generation = host.generation if host is not None else None
        if self._netfilter is None or generation != self._nf_host_generation:
            local = [self.node_ip, "127.0.0.0/8"]
            if self.mode == "ipvs":
                local += sorted({vs.address for vs in self.virtual_servers})
            nf = Netfilter(self.rules or IPTablesRules(), local)
            if host is not None:
                host.install(nf)
            self._netfilter = nf
            self._nf_host_generation = generation
        return self._netfilter

    def iptables_restore_input(self) -> str:
        """The text the last sync handed to ``iptables-restore --noflush``."""
        return (self.rules or IPTablesRules()).restore_input()

    def iptables_save(self, table: str | None = None) -> str:
        """``iptables-save [-t table]`` on this node (kube-proxy's and the kubelet's chains)."""
        epoch = getattr(self.client.apiserver, "epoch", 0)
        stamp = _time.strftime("%a %b %e %H:%M:%S %Y", _time.gmtime(int(epoch + self.loop.now)))
        tables = [table] if table else ["mangle", "filter", "nat"]
        for t in tables:
            if t not in BUILTIN_CHAINS:
                raise ValueError(f"iptables-save: table '{t}' does not exist")
        return self._nf().save(tables, stamp)

    def ipvsadm(self) -> str:
        """``ipvsadm -Ln`` on this node (empty in iptables mode)."""
        return render_ipvsadm(self.virtual_servers)

    def chains_for(self, namespace: str, name: str, port_name: str = "", protocol: str = "TCP") -> dict:
        """The chain names of one service port, and of each of its endpoints."""
        spn = f"{namespace}/{name}" + (f":{port_name}" if port_name else "")
        proto = protocol.lower()
        eps = self.endpoints.get((namespace, name, port_name, protocol), [])
        return {"KUBE-SVC": service_chain(spn, proto), "KUBE-SVL": local_chain(spn, proto),
                "KUBE-EXT": external_chain(spn, proto), "KUBE-FW": firewall_chain(spn, proto),
                "KUBE-SEP": {e.string: endpoint_chain(spn, proto, e.string) for e in eps}}

    # -- forwarding ------------------------------------------------------------------------
    def forward(self, src_ip: str, dst_ip: str, dst_port: int, protocol: str = "TCP") -> Forwarding:
        """The fate of a new connection ``src_ip → dst_ip:dst_port`` arriving at (or leaving)
        this node, following the rules currently installed."""
        if self.mode == "ipvs":
            return self._forward_ipvs(src_ip, dst_ip, dst_port, protocol)
        return self._forward_iptables(src_ip, dst_ip, dst_port, protocol)

    def _forward_iptables(self, src_ip: str, dst_ip: str, dst_port: int, protocol: str,
                          mode: str = "iptables") -> Forwarding:
        nf = self._nf()
        pkt = Packet(src_ip, dst_ip, protocol.lower(), int(dst_port))
        res = Forwarding(self.node_name, src_ip, dst_ip, int(dst_port), protocol.upper(), mode=mode)
        trace: list[MatchedRule] = []
        local_origin = nf.is_local(src_ip)
        nf.walk(self, "nat", "OUTPUT" if local_origin else "PREROUTING", pkt, trace)
        if local_origin:
            hook = "OUTPUT"
        else:
            hook = "INPUT" if nf.is_local(pkt.dst) else "FORWARD"
        verdict = nf.walk(self, "filter", hook, pkt, trace)
        res.matched = trace
        if verdict in ("DROP", "REJECT"):
            res.verdict = verdict
            return res
        if hook != "INPUT":
            if nf.walk(self, "nat", "POSTROUTING", pkt, trace) == "MASQUERADE":
                res.masqueraded = True
                res.snat_source = self.node_ip
        if (pkt.dst, pkt.dport) != (dst_ip, int(dst_port)):
            res.verdict = "DNAT"
            res.endpoint = f"{pkt.dst}:{pkt.dport}"
        return res

    def _forward_ipvs(self, src_ip: str, dst_ip: str, dst_port: int, protocol: str) -> Forwarding:
        res = Forwarding(self.node_name, src_ip, dst_ip, int(dst_port), protocol.upper(), mode="ipvs")
        if self._vs_index is None:
            self._vs_index = {(vs.protocol, vs.address, vs.port): vs for vs in self.virtual_servers}
        vs = self._vs_index.get((protocol.upper(), dst_ip, int(dst_port)))
        if vs is not None:
            res.matched.append(MatchedRule("ipvs", "", vs.line()))
            if not vs.real_servers:
                res.verdict = "REJECT"
                return res
            key = (vs.protocol, vs.address, vs.port)
            chosen = None
            if vs.persistent:
                held = self._persist.get(key + (src_ip,))
                if held and self.loop.now - held[1] <= vs.persistent and \
                        any(rs.string == held[0] for rs in vs.real_servers):
                    chosen = next(rs for rs in vs.real_servers if rs.string == held[0])
            if chosen is None:
                ordered = vs.real_servers
                i = self._rr.get(key, -1) + 1
                chosen = ordered[i % len(ordered)]
                self._rr[key] = i % len(ordered)
            if vs.persistent:
                self._persist[key + (src_ip,)] = (chosen.string, self.loop.now)
            res.matched.append(MatchedRule("ipvs", "", "  -> %-28s %-7s %-6d" % (chosen.string, "Masq", 1)))
            res.verdict = "DNAT"
            res.endpoint = chosen.string
            off_cluster = self.cluster_cidr is not None and _address(src_ip) not in _network(self.cluster_cidr)
            if self.masquerade_all or (vs.external and vs.masquerade_external) or (not vs.external and off_cluster):
                res.masqueraded = True
                res.snat_source = self.node_ip
            return res
        if self.host_rules is not None and self.host_rules.rules():
            return self._forward_iptables(src_ip, dst_ip, dst_port, protocol, mode="ipvs")
        return res

    def __repr__(self) -> str:
        return f"<KubeProxy {self.node_name} mode={self.mode} syncs={self.syncs}>"


__all__ = ["KubeProxy", "Forwarding", "ServicePort", "Endpoint", "port_proto_hash", "service_chain",
           "local_chain", "external_chain", "firewall_chain", "endpoint_chain", "probability",
           "build_iptables", "service_ports", "endpoints_from_slices", "categorize_endpoints",
           "render_ipvsadm"]
