"""Cluster DNS: CoreDNS with the ``kubernetes`` plugin, the objects kubeadm installs for it, and
the resolver side a pod sees (its ``/etc/resolv.conf`` and search-path expansion).

Names served (zone ``cluster.local``, TTL 30 as kubeadm's Corefile sets):

* ``<svc>.<ns>.svc.cluster.local`` — A: the cluster IP; for a headless Service the IPs of its
  ready endpoints; for an ExternalName Service a CNAME to the external name (no cluster IP);
* ``<hostname>.<svc>.<ns>.svc.cluster.local`` — A of one endpoint of a headless Service: the
  pod's ``hostname`` when its ``subdomain`` names the Service (StatefulSet pods ``web-0``), else
  the dashed IP ``10-244-1-5``;
* ``_<port>._<proto>.<svc>.<ns>.svc.cluster.local`` — SRV for named ports (target the Service's
  name, or each endpoint's name for headless Services; weights as CoreDNS shares out 100);
* ``a-b-c-d.<ns>.pod.cluster.local`` — A ``a.b.c.d`` (``pods insecure``);
* reverse ``…in-addr.arpa`` — PTR for cluster IPs and for endpoint IPs;
* a name that does not exist is NXDOMAIN; an existing name without data of the asked type is
  NOERROR with no answer.  Names outside the zone go to the ``forward`` upstream (a small table
  here, empty by default: NXDOMAIN).

CoreDNS reads Services and EndpointSlices (and Namespaces) through informers — only ready
endpoints are published — so DNS follows the cluster as kube-proxy does.
"""
from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass, field

from ..client import Client, InformerFactory

CLUSTER_DOMAIN = "cluster.local"
CLUSTER_DNS_IP = "10.96.0.10"
COREDNS_IMAGE = "registry.k8s.io/coredns/coredns:v1.11.3"
TTL = 30
NODE_RESOLV_NAMESERVER = "172.18.0.1"
CONTROL_PLANE_TAINT = "node-role.kubernetes.io/control-plane"

COREFILE = """\
.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30 {
       disable success cluster.local
       disable denial cluster.local
    }
    loop
    reload
    loadbalance
}
"""


# ------------------------------------------------------------------------------------------
# the add-on objects (cmd/kubeadm/app/phases/addons/dns)
def cluster_dns_objects(dns_ip: str = CLUSTER_DNS_IP, domain: str = CLUSTER_DOMAIN, replicas: int = 2,
                        image: str = COREDNS_IMAGE) -> list[tuple[str, dict]]:
    """(resource, object) pairs in the order kubeadm creates them: the ConfigMap, RBAC, the
    ServiceAccount, the Deployment, then the ``kube-dns`` Service."""
    corefile = COREFILE.replace("cluster.local", domain)
    configmap = {"apiVersion": "v1", "kind": "ConfigMap",
                 "metadata": {"name": "coredns", "namespace": "kube-system"}, "data": {"Corefile": corefile}}
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "system:coredns"},
            "rules": [{"apiGroups": [""], "resources": ["endpoints", "services", "pods", "namespaces"],
                       "verbs": ["list", "watch"]},
                      {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["list", "watch"]}]}
    binding = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
               "metadata": {"name": "system:coredns"},
               "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:coredns"},
               "subjects": [{"kind": "ServiceAccount", "name": "coredns", "namespace": "kube-system"}]}
    account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "coredns", "namespace": "kube-system"}}
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "coredns", "namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}},
        "spec": {
            "replicas": replicas,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
            "selector": {"matchLabels": {"k8s-app": "kube-dns"}},
            "template": {
                "metadata": {"labels": {"k8s-app": "kube-dns"}},
                "spec": {
                    "priorityClassName": "system-cluster-critical",
                    "serviceAccountName": "coredns",
                    "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
                        "weight": 100, "podAffinityTerm": {
                            "labelSelector": {"matchExpressions": [{"key": "k8s-app", "operator": "In",
                                                                    "values": ["kube-dns"]}]},
                            "topologyKey": "kubernetes.io/hostname"}}]}},
                    "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"},
                                    {"key": CONTROL_PLANE_TAINT, "effect": "NoSchedule"}],
                    "nodeSelector": {"kubernetes.io/os": "linux"},
                    "containers": [{
                        "name": "coredns", "image": image, "imagePullPolicy": "IfNotPresent",
                        "resources": {"limits": {"memory": "170Mi"}, "requests": {"cpu": "100m", "memory": "70Mi"}},
                        "args": ["-conf", "/etc/coredns/Corefile"],
                        "volumeMounts": [{"name": "config-volume", "mountPath": "/etc/coredns", "readOnly": True}],
                        "ports": [{"containerPort": 53, "name": "dns", "protocol": "UDP"},
                                  {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"},
                                  {"containerPort": 9153, "name": "metrics", "protocol": "TCP"},
                                  {"containerPort": 8080, "name": "liveness-probe", "protocol": "TCP"},
                                  {"containerPort": 8181, "name": "readiness-probe", "protocol": "TCP"}],
                        "livenessProbe": {"httpGet": {"path": "/health", "port": "liveness-probe", "scheme": "HTTP"},
                                          "initialDelaySeconds": 60, "timeoutSeconds": 5, "successThreshold": 1,
                                          "failureThreshold": 5},
                        "readinessProbe": {"httpGet": {"path": "/ready", "port": "readiness-probe", "scheme": "HTTP"}},
                        "securityContext": {"allowPrivilegeEscalation": False,
                                            "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
                                            "readOnlyRootFilesystem": True},
                    }],
                    "dnsPolicy": "Default",
                    "volumes": [{"name": "config-volume", "configMap": {
                        "name": "coredns", "items": [{"key": "Corefile", "path": "Corefile"}]}}],
                },
            },
        },
    }
    service = {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "kube-dns", "namespace": "kube-system",
                     "labels": {"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true",
                                "kubernetes.io/name": "CoreDNS"},
                     "annotations": {"prometheus.io/port": "9153", "prometheus.io/scrape": "true"}},
        "spec": {"clusterIP": dns_ip,
                 "ports": [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                           {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                           {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153}],
                 "selector": {"k8s-app": "kube-dns"}},
    }
    return [("configmaps", configmap), ("clusterroles", role), ("clusterrolebindings", binding),
            ("serviceaccounts", account), ("deployments", deployment), ("services", service)]


def install_cluster_dns(client: Client, **options) -> list[dict]:
    """Create the CoreDNS add-on in kube-system as ``kubeadm init`` does (the ``coredns``
    ConfigMap with its Corefile, RBAC, the ``coredns`` Deployment with 2 replicas and the
    ``kube-dns`` Service at 10.96.0.10).  Returns the created objects."""
    out = []
    for resource, obj in cluster_dns_objects(**options):
        ns = obj["metadata"].get("namespace")
        out.append(client.create(resource, obj, ns, owned=True))
    return out


# ------------------------------------------------------------------------------------------
# answers
@dataclass
class Record:
    name: str          # fully qualified, with the trailing dot
    type: str          # A, CNAME, SRV, PTR
    data: str          # address, target name, or "priority weight port target"
    ttl: int = TTL

    def __str__(self) -> str:
        """As ``dig`` prints a resource record."""
        return f"{self.name}\t\t{self.ttl}\tIN\t{self.type}\t{self.data}"


@dataclass
class Answer:
    qname: str
    qtype: str
    rcode: str = "NOERROR"        # NOERROR, NXDOMAIN
    answers: list[Record] = field(default_factory=list)
    additional: list[Record] = field(default_factory=list)

    @property
    def addresses(self) -> list[str]:
        return [r.data for r in self.answers if r.type in ("A", "AAAA")]

    @property
    def ok(self) -> bool:
        return self.rcode == "NOERROR" and bool(self.answers)


def _fqdn(name: str) -> str:
    return name if name.endswith(".") else name + "."


def _dashed(ip: str) -> str:
    return ip.replace(".", "-").replace(":", "-")


def srv_weight(count: int) -> int:
    """CoreDNS shares a weight of 100 among equal-priority targets: floor(100/(100·n)·100)."""
    return int(math.floor(100.0 / (100 * count) * 100))


class ClusterDNS:
    """CoreDNS serving ``cluster.local`` from the API (``plugin/kubernetes``).

    ``ClusterDNS(client)`` then :meth:`start`; :meth:`query` answers one question as the server
    does, :meth:`lookup` resolves a name as a pod's resolver does (search path, ndots)."""

    def __init__(self, client: Client, *, domain: str = CLUSTER_DOMAIN, ttl: int = TTL,
                 upstream: dict[str, list[str]] | None = None, rng=None):
        self.client = client
        self.domain = domain.strip(".").lower()
        self.ttl = ttl
        self.upstream = {k.strip(".").lower(): list(v) for k, v in (upstream or {}).items()}
        self.rng = rng
        self.informers = InformerFactory(client)
        self.services = self.informers.informer("services")
        self.slices = self.informers.informer("endpointslices")
        self.namespaces = self.informers.informer("namespaces")
        self.slices.add_indexer("dns/service", self._slice_service)
        self.started = False

    @staticmethod
    def _slice_service(s: dict) -> list[str]:
        name = (s["metadata"].get("labels") or {}).get("kubernetes.io/service-name")
        return [f"{s['metadata'].get('namespace', '')}/{name}"] if name else []

    def start(self) -> "ClusterDNS":
        if not self.started:
            self.started = True
            self.informers.start()
        return self

    # -- the data CoreDNS builds from the caches ---------------------------------------------
    def _ready_endpoints(self, ns: str, name: str) -> list[tuple[str, str, list[dict]]]:
        """(ip, endpoint hostname, ports) of the ready endpoints of a Service, deduplicated,
        in slice order."""
        out: list[tuple[str, str, list[dict]]] = []
        seen = set()
        for s in self.slices.by_index("dns/service", f"{ns}/{name}"):
            if s.get("addressType") not in ("IPv4", "IPv6"):
                continue
            ports = list(s.get("ports") or ()) or [{"name": "", "port": -1, "protocol": ""}]
            for ep in s.get("endpoints") or ():
                if (ep.get("conditions") or {}).get("ready") is False:
                    continue
                for ip in ep.get("addresses") or ():
                    if ip in seen:
                        continue
                    seen.add(ip)
                    out.append((ip, ep.get("hostname") or _dashed(ip), ports))
        return out

    def _namespace_exists(self, ns: str) -> bool:
        return self.namespaces.get(ns) is not None

    # -- one question ----------------------------------------------------------------------
    def query(self, qname: str, qtype: str = "A") -> Answer:
        qtype = qtype.upper()
        name = qname.strip().rstrip(".").lower()
        ans = Answer(_fqdn(name), qtype)
        if name.endswith(".in-addr.arpa"):
            return self._reverse(name, ans)
        if name == self.domain or name.endswith("." + self.domain):
            return self._kubernetes(name, qtype, ans)
        return self._forward(name, qtype, ans)

    def _forward(self, name: str, qtype: str, ans: Answer) -> Answer:
        ips = self.upstream.get(name)
        if ips is None:
            ans.rcode = "NXDOMAIN"
        elif qtype == "A":
            ans.answers = [Record(_fqdn(name), "A", ip, self.ttl) for ip in ips]
        return ans

    def _kubernetes(self, name: str, qtype: str, ans: Answer) -> Answer:
        base = name[: -len(self.domain)].rstrip(".")
        segs = base.split(".") if base else []
        if not segs or segs == ["svc"] or segs == ["pod"]:
            return ans                                   # apex: NODATA
        kind = segs[-1]
        if kind not in ("svc", "pod"):
            ans.rcode = "NXDOMAIN"
            return ans
        rest = segs[:-1]
        namespace = rest[-1] if rest else ""
        if not self._namespace_exists(namespace):
            ans.rcode = "NXDOMAIN"
            return ans
        if kind == "pod":
            if len(rest) != 2:
                ans.rcode = "NXDOMAIN" if len(rest) > 2 else ans.rcode
                return ans
            podname = rest[0]
            ip = podname.replace("-", ".") if podname.count("-") == 3 and "--" not in podname else podname.replace("-", ":")
            try:
                ipaddress.ip_address(ip)
            except ValueError:
                ans.rcode = "NXDOMAIN"
                return ans
            if qtype == "A" and ":" not in ip:
                ans.answers = [Record(_fqdn(name), "A", ip, self.ttl)]
            return ans
        if len(rest) == 1:
            return ans                                   # <ns>.svc: NODATA
        service = rest[-2]
        extra = rest[:-2]
        endpoint = port = protocol = ""
        if len(extra) == 1:
            endpoint = extra[0]
        elif len(extra) == 2:
            port, protocol = extra[0].lstrip("_"), extra[1].lstrip("_")
        elif len(extra) > 2:
            ans.rcode = "NXDOMAIN"
            return ans
        svc = self.services.get(f"{namespace}/{service}")
        if svc is None:
            ans.rcode = "NXDOMAIN"
            return ans
        spec = svc.get("spec") or {}
        svc_fqdn = f"{service}.{namespace}.svc.{self.domain}."
        # (target, ip, port) items as CoreDNS's findServices returns them
        items: list[tuple[str, str, int]] = []
        if spec.get("clusterIP") == "None" or endpoint:
            for ip, host, ports in self._ready_endpoints(namespace, service):
                if endpoint and endpoint != host:
                    continue
                for p in ports:
                    if port and port != (p.get("name") or "").lower():
                        continue
                    if protocol and protocol != (p.get("protocol") or "").lower():
                        continue
                    items.append((f"{host}.{svc_fqdn}", ip, p.get("port", -1)))
        elif spec.get("type") == "ExternalName":
            if port or protocol:
                ans.rcode = "NXDOMAIN"
                return ans
            target = _fqdn(spec.get("externalName", "").lower())
            if qtype in ("A", "AAAA", "CNAME"):
                ans.answers.append(Record(_fqdn(name), "CNAME", target, self.ttl))
                if qtype != "CNAME":
                    follow = self.query(target, qtype)
                    ans.answers.extend(r for r in follow.answers)
            return ans
        else:
            for p in spec.get("ports") or ():
                if port and port != (p.get("name") or "").lower():
                    continue
                if protocol and protocol != (p.get("protocol") or "TCP").lower():
                    continue
                items.append((svc_fqdn, spec.get("clusterIP", ""), p.get("port", 0)))
        if not items:
            ans.rcode = "NXDOMAIN"
            return ans
        if qtype == "A":
            ips: list[str] = []
            for _, ip, _ in items:
                if ip not in ips and ":" not in ip:
                    ips.append(ip)
            if self.rng is not None and len(ips) > 1:    # the loadbalance plugin shuffles answers
                self.rng.shuffle(ips)
            ans.answers = [Record(_fqdn(name), "A", ip, self.ttl) for ip in ips]
        elif qtype == "SRV":
            uniq: list[tuple[str, str, int]] = []
            for it in items:
                if it not in uniq and it[2] > 0:
                    uniq.append(it)
            weight = srv_weight(len(uniq)) if uniq else 0
            for target, ip, p in uniq:
                ans.answers.append(Record(_fqdn(name), "SRV", f"0 {weight} {p} {target}", self.ttl))
                add = Record(target, "A", ip, self.ttl)
                if add not in ans.additional:
                    ans.additional.append(add)
        return ans

    def _reverse(self, name: str, ans: Answer) -> Answer:
        octets = name[: -len(".in-addr.arpa")].split(".")
        try:
            ip = str(ipaddress.ip_address(".".join(reversed(octets))))
        except ValueError:
            ans.rcode = "NXDOMAIN"
            return ans
        ptr = self.ptr_name(ip)
        if ptr is None:
            ans.rcode = "NXDOMAIN"
        elif ans.qtype == "PTR":
            ans.answers = [Record(_fqdn(name), "PTR", ptr, self.ttl)]
        return ans

    def ptr_name(self, ip: str) -> str | None:
        """The name a PTR query for ``ip`` returns: a Service's cluster IP, else an endpoint."""
        for svc in self.services.list():
            spec = svc.get("spec") or {}
            if ip in (spec.get("clusterIPs") or [spec.get("clusterIP")]):
                md = svc["metadata"]
                return f"{md['name']}.{md.get('namespace', '')}.svc.{self.domain}."
        for s in self.slices.list():
            svc_name = (s["metadata"].get("labels") or {}).get("kubernetes.io/service-name")
            if not svc_name:
                continue
            for ep in s.get("endpoints") or ():
                if (ep.get("conditions") or {}).get("ready") is False or ip not in (ep.get("addresses") or ()):
                    continue
                host = ep.get("hostname") or _dashed(ip)
                return f"{host}.{svc_name}.{s['metadata'].get('namespace', '')}.svc.{self.domain}."
        return None

    # -- a resolver ------------------------------------------------------------------------
    def lookup(self, name: str, resolv: "ResolvConf | None" = None, qtype: str = "A") -> "Resolution":
        """Resolve as glibc's ``res_search`` does with the pod's resolv.conf: a name with fewer
        dots than ``ndots`` tries the search domains first, then itself; otherwise itself first;
        a trailing dot means the name alone."""
        resolv = resolv or ResolvConf([CLUSTER_DNS_IP], [], ["ndots:5"])
        res = Resolution(name, qtype)
        for candidate in resolv.candidates(name):
            answer = self.query(candidate, qtype)
            res.tried.append((candidate, answer.rcode if (answer.answers or answer.rcode != "NOERROR") else "NODATA"))
            if answer.ok:
                res.answer = answer
                res.fqdn = candidate
                return res
            res.answer = answer
        return res

    def resolve(self, name: str, server: str = CLUSTER_DNS_IP, searches: list[str] | None = None,
                ndots: int = 5) -> tuple[str, list[tuple[str, str | None]], str | None] | None:
        """A pod's resolver asking this server: ``(fqdn, [(ip, reverse name)], server's reverse
        name)``, or None when the name does not resolve (NXDOMAIN) — the shape the container
        runtime's ``network.resolve`` returns."""
        res = self.lookup(name, ResolvConf([server], list(searches or ()), [f"ndots:{ndots}"]), "A")
        if not res.ok or not res.addresses:
            return None
        return res.fqdn, [(ip, self.ptr_name(ip)) for ip in res.addresses], self.ptr_name(server)

    def nslookup(self, name: str, resolv: "ResolvConf | None" = None) -> tuple[str, str, int]:
        """``nslookup <name>`` as busybox 1.28 prints it: (stdout, stderr, exit code)."""
        resolv = resolv or ResolvConf([CLUSTER_DNS_IP], [], ["ndots:5"])
        server = resolv.nameservers[0] if resolv.nameservers else "127.0.0.1"
        res = self.lookup(name, resolv, "A")
        return format_nslookup_busybox(name, server, self.ptr_name(server), res,
                                       {ip: self.ptr_name(ip) for ip in (res.answer.addresses if res.answer else [])})


@dataclass
class Resolution:
    name: str
    qtype: str
    fqdn: str | None = None
    answer: Answer | None = None
    tried: list[tuple[str, str]] = field(default_factory=list)    # (name asked, rcode)

    @property
    def ok(self) -> bool:
        return self.fqdn is not None

    @property
    def addresses(self) -> list[str]:
        return self.answer.addresses if self.ok and self.answer else []


def _host(ptr: str | None) -> str:
    return ptr.rstrip(".") if ptr else ""


def format_nslookup_busybox(name: str, server: str, server_ptr: str | None, res: Resolution,
                            ptrs: dict[str, str | None] | None = None) -> tuple[str, str, int]:
    """busybox 1.28 ``nslookup``: the server block, then ``Name:`` and numbered addresses (each
    followed by its reverse name when there is one); ``nslookup: can't resolve '<name>'`` on
    stderr with exit code 1 when the name does not resolve."""
    ptrs = ptrs or {}
    out = ["%-10s %s" % ("Server:", server),
           f"Address 1: {server}" + (f" {_host(server_ptr)}" if server_ptr else ""), ""]
    if not res.ok or not res.addresses:
        return "\n".join(out) + "\n", f"nslookup: can't resolve '{name}'\n", 1
    out.append("%-10s %s" % ("Name:", name))
    for i, ip in enumerate(res.addresses, 1):
        ptr = ptrs.get(ip)
        out.append(f"Address {i}: {ip}" + (f" {_host(ptr)}" if ptr else ""))
    return "\n".join(out) + "\n", "", 0


# ------------------------------------------------------------------------------------------
# resolv.conf (pkg/kubelet/network/dns)
@dataclass
class ResolvConf:
    nameservers: list[str]
    searches: list[str] = field(default_factory=list)
    options: list[str] = field(default_factory=list)

    @property
    def ndots(self) -> int:
        for opt in self.options:
            if opt.startswith("ndots:"):
                try:
                    return min(int(opt.split(":", 1)[1]), 15)
                except ValueError:
                    pass
        return 1

    def text(self) -> str:
        """The file as the container runtime writes it (search, nameserver, options)."""
        lines = []
        if self.searches:
            lines.append("search " + " ".join(self.searches))
        lines += [f"nameserver {ns}" for ns in self.nameservers]
        if self.options:
            lines.append("options " + " ".join(self.options))
        return "\n".join(lines) + ("\n" if lines else "")

    def candidates(self, name: str) -> list[str]:
        """The names a glibc resolver asks for, in order."""
        if name.endswith("."):
            return [name.rstrip(".")]
        searched = [f"{name}.{s}" for s in self.searches]
        if name.count(".") >= self.ndots:
            return [name] + searched
        return searched + [name]


def node_resolv_conf() -> ResolvConf:
    """A kind node's ``/etc/resolv.conf`` (Docker's DNS reached through the network gateway)."""
    return ResolvConf([NODE_RESOLV_NAMESERVER], [], ["ndots:0"])


def pod_resolv_conf(pod: dict, cluster_dns: list[str] | None = None, domain: str = CLUSTER_DOMAIN,
                    host: ResolvConf | None = None) -> ResolvConf:
    """``GetPodDNS``: the resolv.conf the kubelet gives a pod for its ``dnsPolicy`` (ClusterFirst:
    cluster DNS, ``<ns>.svc.<domain> svc.<domain> <domain>`` plus the node's search domains,
    ``ndots:5``; ClusterFirst on the host network and Default: the node's file;
    ClusterFirstWithHostNet: cluster DNS; None: only ``dnsConfig``), then ``dnsConfig`` merged in."""
    cluster_dns = [CLUSTER_DNS_IP] if cluster_dns is None else cluster_dns
    host = host or node_resolv_conf()
    spec = pod.get("spec") or {}
    policy = spec.get("dnsPolicy") or "ClusterFirst"
    ns = pod.get("metadata", {}).get("namespace") or "default"
    if policy == "None":
        kind = "none"
    elif policy == "ClusterFirstWithHostNet":
        kind = "cluster"
    elif policy == "ClusterFirst":
        kind = "host" if spec.get("hostNetwork") else "cluster"
    else:
        kind = "host"
    if kind == "cluster" and not cluster_dns:
        kind = "host"
    if kind == "cluster":
        conf = ResolvConf(list(cluster_dns), [f"{ns}.svc.{domain}", f"svc.{domain}", domain] + list(host.searches),
                          ["ndots:5"])
    elif kind == "host":
        conf = ResolvConf(list(host.nameservers), list(host.searches), list(host.options))
    else:
        conf = ResolvConf([], [], [])
    extra = spec.get("dnsConfig")
    if extra:
        for server in extra.get("nameservers") or ():
            if server not in conf.nameservers:
                conf.nameservers.append(server)
        for search in extra.get("searches") or ():
            if search not in conf.searches:
                conf.searches.append(search)
        opts: dict[str, str] = {}
        for opt in conf.options:
            key, _, val = opt.partition(":")
            opts[key] = opt
        for opt in extra.get("options") or ():
            key = opt.get("name", "")
            opts[key] = key + (f":{opt['value']}" if opt.get("value") is not None else "")
        conf.options = list(opts.values())
    return conf
