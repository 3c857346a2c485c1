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
    def __init__(self) -> None:
        self.machines: dict[str, "Machine"] = {}

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

    def deliver(self, src: "ContainerRuntime", src_ip: str, dst_ip: str, port: int, request: Request) -> Response:
        dst = self._route(src, dst_ip, port)
        return dst.runtime.handle_request(dst_ip, port, request)

    def listener(self, src: "ContainerRuntime", src_ip: str, dst_ip: str, port: int) -> "Process | None":
        try:
            dst = self._route(src, dst_ip, port)
        except NetError:
            return None
        return dst.runtime.listener(dst_ip, port)

    def resolve(self, src: "ContainerRuntime", src_ip: str, name: str, server: str, searches: list,
                ndots: int) -> Any:
        raise DNSError("timeout", name)
