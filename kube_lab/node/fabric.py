"""The wire between the nodes: the flat pod network a kind cluster gets from kindnet, plus the
packet filter each node applies (kube-proxy's rules, the CNI portmap plugin's hostPort rules).

Every pod IP and node IP is reachable from every node (the Kubernetes network model), as long
as both machines are powered and connected.  Requests to an address nobody owns, or across a
cut link, are dropped and time out.  With kube-proxy (``proxies[node]``) a connection to a
Service address is rewritten by the rules installed on the node it passes through; with a
cluster DNS resolver (``dns``) names are answered while the ``kube-dns`` Service leads to a
CoreDNS pod.  Without them, name lookups time out, as on a cluster whose DNS does not answer.

The machine running the kind node containers (``172.18.0.1`` on kind's docker network, *outside*)
reaches node IPs — NodePorts, hostPorts, hostNetwork pods — and load-balancer addresses (through
the node announcing them, ``vip_owner``), never pod or cluster IPs.

Interface (``runtime.network``), called by a node's runtime:

* ``connect(src_runtime, src_ip, dst_ip, port, protocol="TCP") -> Route`` (raises ``NetError``,
  with ``.route`` describing how far the packet got) — where a new connection ends up;
* ``deliver(src_runtime, src_ip, dst_ip, port, request) -> Response`` (raises ``NetError``);
* ``listener(src_runtime, src_ip, dst_ip, port) -> Process | None``;
* ``resolve(src_runtime, src_ip, name, server, searches, ndots) -> (fqdn, [(ip, ptr)], server_name)``
  (raises ``DNSError``).
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable

from .images.program import DNSError, NetError, Request, Response

if TYPE_CHECKING:  # pragma: no cover
    from .machine import Machine
    from .runtime import ContainerRuntime, Process

OUTSIDE_IP = "172.18.0.1"          # the host on kind's docker network (its gateway)
DOCKER_NETWORK = ipaddress.ip_network("172.18.0.0/16")
# one-way latencies (virtual seconds): through a veth inside a node, across the docker network
LOCAL_HOP = 0.00003
WIRE_HOP = 0.0001
ARP_TIMEOUT = 3.0                  # an unanswered ARP on the docker network: "no route to host"


@dataclass
class PodRef:
    """The pod (or host process) at one end of a connection."""
    namespace: str
    name: str
    uid: str
    ip: str
    host_network: bool = False

    @property
    def label(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass
class Route:
    """How a new connection travels: from ``src_node`` (None: outside) to the node whose rules
    translate it, then to the node and pod that own the final address."""
    src_ip: str
    dst_ip: str
    dst_port: int
    protocol: str = "TCP"
    src_node: str | None = None
    src_pod: PodRef | None = None
    via_node: str | None = None                  # where the packet filter was applied
    via_ip: str | None = None
    forwardings: list = field(default_factory=list)   # Forwarding / PortMapHit objects, in order
    node: str | None = None                      # the destination machine
    pod: PodRef | None = None                    # the destination pod (None: the node itself)
    ip: str = ""                                 # final address (after DNAT)
    port: int = 0
    client_ip: str = ""                          # the source as the server sees it (after SNAT)
    latency: float = 0.0                         # one way
    runtime: Any = None
    pod_cidrs: dict = field(default_factory=dict)     # node → pod CIDR (for the trace)
    node_ips: dict = field(default_factory=dict)      # node → IP


class PodNetwork:
    """The flat network, optionally with Services: give it each node's kube-proxy
    (``proxies[node] = KubeProxy``) and a cluster DNS resolver (an object with
    ``resolve(name, server, searches, ndots)`` answering for ``dns_ip``), and a connection to a
    Service address is rewritten by the rules kube-proxy installed on the node it passes through,
    and names are answered by cluster DNS while the ``kube-dns`` Service has endpoints.
    ``vip_owner(ip) -> node name | None`` tells which node answers for a load-balancer address
    (MetalLB's layer-2 speaker)."""

    def __init__(self, proxies: dict | None = None, dns: Any = None, dns_ip: str = "10.96.0.10") -> None:
        self.machines: dict[str, "Machine"] = {}
        self.proxies: dict = proxies if proxies is not None else {}
        self.dns = dns
        self.dns_ip = dns_ip
        self.vip_owner: Callable[[str], str | None] | None = None

    def attach(self, machine: "Machine") -> None:
        self.machines[machine.name] = machine
        machine.runtime.network = self

    def detach(self, name: str) -> None:
        self.machines.pop(name, None)

    def owner(self, ip: str) -> "Machine | None":
        for m in self.machines.values():
            if not m.powered:
                continue
            if m.ip == ip or m.runtime.owns_ip(ip):
                return m
        return None

    def node_by_ip(self, ip: str) -> "Machine | None":
        for m in self.machines.values():
            if m.ip == ip:
                return m
        return None

    # -- one new connection ------------------------------------------------------------------
    def connect(self, src: "ContainerRuntime | None", src_ip: str, dst_ip: str, port: int,
                protocol: str = "TCP", *, trace: bool = False) -> Route:
        """Where a new connection from ``src_ip`` (on ``src``'s node; ``src=None``: outside the
        cluster) to ``dst_ip:port`` ends up.  Raises ``NetError`` (``timeout``, ``refused``,
        ``unreachable``) with ``.route`` set to the part of the path it took."""
        port = int(port)
        src_machine = src.machine if src is not None else None
        if dst_ip.startswith("127.") and src_machine is not None:
            src_ip = "127.0.0.1"        # the kernel picks the loopback address as the source
        route = Route(src_ip, dst_ip, port, protocol.upper(), ip=dst_ip, port=port, client_ip=src_ip)
        if trace:
            route.pod_cidrs = {n: m.cni.cidr for n, m in self.machines.items()}
            route.node_ips = {n: m.ip for n, m in self.machines.items()}
            if src_machine is not None:
                route.src_node = src_machine.name
                route.src_pod = _pod_ref(src_machine.runtime, src_ip)
        try:
            self._connect(src_machine, route, trace)
        except NetError as e:
            e.route = route         # type: ignore[attr-defined]
            raise
        return route

    def _connect(self, src_machine: "Machine | None", route: Route, trace: bool) -> None:
        dst_ip, port = route.dst_ip, route.dst_port
        # 1. the node whose packet filter sees the new connection first
        via = self.node_by_ip(dst_ip)
        if via is None and src_machine is None and self.vip_owner is not None:
            name = self.vip_owner(dst_ip)
            via = self.machines.get(name) if name else None
            if via is not None and not via.powered:
                raise NetError("unreachable", dst_ip, port)
        if via is None:
            via = src_machine
        if via is None:                       # outside, to an address no node answers for
            addr = ipaddress.ip_address(dst_ip)
            if addr.is_loopback:
                raise NetError("refused", dst_ip, port)     # the host's own loopback
            raise NetError("unreachable" if addr in DOCKER_NETWORK else "timeout", dst_ip, port)
        if not via.powered:
            raise NetError("unreachable" if src_machine is None else "timeout", dst_ip, port)
        if via is not src_machine and (via.network_cut or (src_machine is not None and src_machine.network_cut)):
            raise NetError("timeout", dst_ip, port)
        route.via_node, route.via_ip = via.name, via.ip
        route.latency = (LOCAL_HOP if src_machine is not None and route.src_pod is not None else 0.0)
        if via is not src_machine:
            route.latency += WIRE_HOP
        # 2. its rules: kube-proxy's chains (with the CNI portmap chains in the same tables)
        ip, dport = dst_ip, port
        proxy = self.proxies.get(via.name)
        if proxy is not None:
            fw = proxy.forward(route.src_ip, dst_ip, port, route.protocol)
            route.forwardings.append(fw)
            if fw.verdict == "REJECT":
                raise NetError("refused", dst_ip, port)
            if fw.verdict == "DROP":
                raise NetError("timeout", dst_ip, port)
            if fw.verdict == "DNAT" and fw.endpoint:
                ip, dport = fw.endpoint_ip, fw.endpoint_port
            if fw.masqueraded:
                route.client_ip = via.ip
        elif dst_ip == via.ip:
            portmap = getattr(via.runtime, "portmap", None)
            hit = portmap.lookup(route.src_ip, dst_ip, port, route.protocol) if portmap is not None else None
            if hit is not None:
                route.forwardings.append(hit)
                ip, dport = hit.endpoint_ip, hit.endpoint_port
                if hit.masqueraded:
                    route.client_ip = via.ip
        if ip.startswith("127."):
            ip = via.ip                       # not rewritten: the node's own network stack
        route.ip, route.port = ip, dport
        # 3. from there to the machine owning the final address
        dst = via if (ip == via.ip or via.runtime.owns_ip(ip)) else self.owner(ip)
        if dst is None:
            raise NetError("timeout", ip, dport)
        if dst is not via:
            if via.network_cut or dst.network_cut:
                raise NetError("timeout", ip, dport)
            route.latency += WIRE_HOP
        if route.client_ip == via.ip and dst is via and ip != via.ip and via.cni.cidr:
            # masqueraded towards a local pod: the source becomes the node's address on the pod
            # network (the gateway), as the kernel picks the outgoing interface's address
            route.client_ip = _gateway(via.cni.cidr)
        route.node = dst.name
        route.runtime = dst.runtime
        if ip != dst.ip:
            route.latency += LOCAL_HOP
        if trace:
            route.pod = _pod_ref(dst.runtime, ip)

    # -- the runtime's calls -----------------------------------------------------------------
    def through_proxy(self, src: "ContainerRuntime", src_ip: str, dst_ip: str, port: int,
                      protocol: str = "TCP") -> tuple[str, int]:
        """Where kube-proxy's rules send a new connection (the possibly DNAT-ed destination);
        REJECT is *connection refused*, DROP a time-out."""
        route = self.connect(src, src_ip, dst_ip, port, protocol)
        return route.ip, route.port

    def deliver(self, src: "ContainerRuntime", src_ip: str, dst_ip: str, port: int, request: Request) -> Response:
        route = self.connect(src, src_ip, dst_ip, port)
        return route.runtime.handle_request(route.ip, route.port, request)

    def listener(self, src: "ContainerRuntime", src_ip: str, dst_ip: str, port: int) -> "Process | None":
        try:
            route = self.connect(src, src_ip, dst_ip, port)
        except NetError:
            return None
        return route.runtime.listener(route.ip, route.port)

    def resolve(self, src: "ContainerRuntime", src_ip: str, name: str, server: str, searches: list,
                ndots: int) -> Any:
        """A DNS query from a pod: answered by cluster DNS when ``server`` is its Service and that
        Service currently leads to a CoreDNS pod listening on 53; otherwise nothing answers
        (time-out)."""
        return self.resolve_traced(src, src_ip, name, server, searches, ndots)[0]

    def resolve_traced(self, src: "ContainerRuntime | None", src_ip: str, name: str, server: str,
                       searches: list, ndots: int) -> tuple[Any, Route | None]:
        """:meth:`resolve`, also returning the route the query took (to which CoreDNS pod)."""
        if self.dns is None or server != self.dns_ip or src is None:
            raise DNSError("timeout", name)
        try:
            route = self.connect(src, src_ip, server, 53, "UDP", trace=True)
        except NetError:
            raise DNSError("timeout", name) from None
        if route.ip != server and route.runtime.listener(route.ip, route.port) is None:
            raise DNSError("timeout", name)
        answer = self.dns.resolve(name, server, searches, ndots)
        if answer is None:
            err = DNSError("nxdomain", name)
            err.route = route       # type: ignore[attr-defined]
            raise err
        return answer, route

    # -- requests from anywhere ----------------------------------------------------------------
    def http(self, route: Route, method: str, path: str, host: str, *, timeout: float, client_ip: str = "",
             headers: dict | None = None, body: str = "", service: float = 0.001, user_agent: str = "curl/8.5.0"):
        """Send one HTTP request along ``route``; returns the runtime's future (a ``Response``
        or ``NetError``).  It takes the network's round trips plus the server's time."""
        request = Request(method, path, dict(headers or {}), body, host=host, port=route.dst_port,
                          client_ip=client_ip or route.client_ip, user_agent=user_agent)
        try:
            return route.runtime.exchange(route.ip, route.port, request, timeout=timeout,
                                          latency=4 * route.latency, service=service,
                                          reply_ip=route.dst_ip, reply_port=route.dst_port)
        except NetError as e:
            return route.runtime.fail_later(e, timeout, max(2 * route.latency, 0.0001))

    def pod_sandbox(self, namespace: str, name: str) -> tuple["ContainerRuntime", Any] | None:
        """The running sandbox of pod ``namespace/name`` (and its node's runtime), if any."""
        for m in self.machines.values():
            if not m.powered:
                continue
            best = None
            for sb in m.runtime.sandboxes.values():
                if sb.config.pod_name == name and sb.config.namespace == namespace and sb.state == "SANDBOX_READY":
                    if best is None or sb.created_at > best.created_at:
                        best = sb
            if best is not None:
                return m.runtime, best
        return None


@lru_cache(maxsize=4096)
def _gateway(cidr: str) -> str:
    """The first address of a pod CIDR: the node's side of its pods' links."""
    return str(next(ipaddress.ip_network(cidr).hosts()))


def _pod_ref(runtime: "ContainerRuntime", ip: str) -> PodRef | None:
    sb = runtime._ips.get(ip)
    if sb is None:
        return None
    c = sb.config
    return PodRef(c.namespace, c.pod_name, c.pod_uid, ip, c.host_network)
