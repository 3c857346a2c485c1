"""The wire between the nodes: the flat pod network a kind cluster gets from kindnet.

Every pod IP and node IP is reachable from every node (the Kubernetes network model), as long
as both machines are powered and connected.  Requests to an address nobody owns, or across a
cut link, are dropped and time out.  There are no Services and no DNS server here — those come
with kube-proxy and CoreDNS (the network work replaces ``runtime.network`` with its own object
offering the same three calls); meanwhile name lookups time out, as they do on a cluster whose
DNS does not answer.

Interface (``runtime.network``), called by a node's runtime:

* ``deliver(src_runtime, src_ip, dst_ip, port, request) -> Response`` (raises ``NetError``);
* ``listener(src_runtime, src_ip, dst_ip, port) -> Process | None``;
* ``resolve(src_runtime, src_ip, name, server, searches, ndots) -> (fqdn, [(ip, ptr)], server_name)``
  (raises ``DNSError``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .images.program import DNSError, NetError, Request, Response

if TYPE_CHECKING:  # pragma: no cover
    from .machine import Machine
    from .runtime import ContainerRuntime, Process


class PodNetwork:
    """The flat network, optionally with Services: give it each node's kube-proxy
    (``proxies[node] = KubeProxy``) and a cluster DNS resolver (an object with
    ``resolve(name, server, searches, ndots)`` answering for ``dns_ip``), and a connection to a
    Service address is rewritten by the rules kube-proxy installed on the node it passes through,
    and names are answered by cluster DNS while the ``kube-dns`` Service has endpoints."""

    def __init__(self, proxies: dict | None = None, dns: Any = None, dns_ip: str = "10.96.0.10") -> None:
        self.machines: dict[str, "Machine"] = {}
        self.proxies: dict = proxies if proxies is not None else {}
        self.dns = dns
        self.dns_ip = dns_ip

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

    def _route(self, src: "ContainerRuntime", dst_ip: str, port: int) -> "Machine":
        dst = self.owner(dst_ip)
        if dst is None:
            raise NetError("timeout", dst_ip, port)
        src_machine = src.machine
        if src_machine is not None and dst is not src_machine and (src_machine.network_cut or dst.network_cut):
            raise NetError("timeout", dst_ip, port)
        return dst

    def through_proxy(self, src: "ContainerRuntime", src_ip: str, dst_ip: str, port: int,
                      protocol: str = "TCP") -> tuple[str, int]:
        """Where kube-proxy's rules send a new connection: the node whose rules apply is the
        destination node for traffic addressed to a node IP (NodePort), else the sender's node.
        Returns the (possibly DNAT-ed) destination; REJECT is *connection refused*, DROP a
        time-out."""
        if not self.proxies:
            return dst_ip, port
        node = None
        for m in self.machines.values():
            if m.ip == dst_ip:
                node = m.name
                break
        if node is None and src.machine is not None:
            node = src.machine.name
        proxy = self.proxies.get(node)
        if proxy is None:
            return dst_ip, port
        fw = proxy.forward(src_ip, dst_ip, port, protocol)
        if fw.verdict == "REJECT":
            raise NetError("refused", dst_ip, port)
        if fw.verdict == "DROP":
            raise NetError("timeout", dst_ip, port)
        if fw.verdict == "DNAT" and fw.endpoint:
            return fw.endpoint_ip, fw.endpoint_port
        return dst_ip, port

    def deliver(self, src: "ContainerRuntime", src_ip: str, dst_ip: str, port: int, request: Request) -> Response:
        dst_ip, port = self.through_proxy(src, src_ip, dst_ip, port)
        dst = self._route(src, dst_ip, port)
        return dst.runtime.handle_request(dst_ip, port, request)

    def listener(self, src: "ContainerRuntime", src_ip: str, dst_ip: str, port: int) -> "Process | None":
        try:
            dst_ip, port = self.through_proxy(src, src_ip, dst_ip, port)
            dst = self._route(src, dst_ip, port)
        except NetError:
            return None
        return dst.runtime.listener(dst_ip, port)

    def resolve(self, src: "ContainerRuntime", src_ip: str, name: str, server: str, searches: list,
                ndots: int) -> Any:
        """A DNS query from a pod: answered by cluster DNS when ``server`` is its Service and that
        Service currently leads somewhere; otherwise nothing answers (time-out)."""
        if self.dns is None or server != self.dns_ip:
            raise DNSError("timeout", name)
        try:
            self.through_proxy(src, src_ip, server, 53, "UDP")
        except NetError:
            raise DNSError("timeout", name) from None
        answer = self.dns.resolve(name, server, searches, ndots)
        if answer is None:
            raise DNSError("nxdomain", name)
        return answer
