"""The CNI ``portmap`` plugin (containernetworking/plugins ``plugins/meta/portmap``), chained after
kindnet's ``ptp`` plugin: a container port with a ``hostPort`` makes ``<node IP>:<hostPort>``
lead to the pod.

For every sandbox with port mappings the plugin writes, in the node's ``nat`` table (the
iptables back end, ``portmap_iptables.go``):

* ``PREROUTING``/``OUTPUT``: ``-m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT`` (appended, so
  kube-proxy's ``KUBE-SERVICES`` jump comes first), and ``POSTROUTING``: ``-m comment --comment
  "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ`` (prepended);
* ``CNI-HOSTPORT-DNAT``: one rule per protocol (up to 15 ports each, ``-m multiport
  --destination-ports``) jumping to the sandbox's own chain, newest sandbox first;
* ``CNI-DN-<hash>`` (``CNI-DN-`` + sha512(network name + sandbox id) in hex, cut to 28
  characters): per mapping, mark hairpin traffic (from the pod's network) and localhost traffic
  for masquerading, then ``DNAT --to-destination <pod IP>:<containerPort>``;
* ``CNI-HOSTPORT-SETMARK`` sets mark ``0x2000`` (bit 13); ``CNI-HOSTPORT-MASQ`` masquerades
  marked packets.

The top-level chains stay once created (the plugin never removes them); a sandbox's chain goes
with its sandbox (CNI DEL).  Without kube-proxy, :meth:`PortMap.lookup` does the same DNAT.
"""
from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .runtime import ContainerRuntime

NETWORK_NAME = "kindnet"
TOP_DNAT = "CNI-HOSTPORT-DNAT"
SETMARK = "CNI-HOSTPORT-SETMARK"
MASQ = "CNI-HOSTPORT-MASQ"
MARK = "0x2000/0x2000"                  # 1 << markMasqBit (13), printed "%#x/%#x"
MAX_CHAIN = 28


def dnat_chain(sandbox_id: str, network: str = NETWORK_NAME) -> str:
    """``MustFormatChainNameWithPrefix(name, id, "DN-")``: "CNI-DN-" + sha512 hex, 28 characters."""
    return ("CNI-DN-" + hashlib.sha512((network + sandbox_id).encode()).hexdigest())[:MAX_CHAIN]


@dataclass
class PortMapHit:
    """A connection the portmap rules rewrote (the fabric's trace, when kube-proxy is absent)."""
    node: str
    destination: str
    port: int
    endpoint: str
    masqueraded: bool = False
    matched: list = field(default_factory=list)         # (table, chain, rule text)
    verdict: str = "DNAT"

    @property
    def endpoint_ip(self) -> str:
        return self.endpoint.rpartition(":")[0]

    @property
    def endpoint_port(self) -> int:
        return int(self.endpoint.rpartition(":")[2])


class PortMap:
    """The portmap state of one node, derived from its runtime's sandboxes."""

    def __init__(self, runtime: "ContainerRuntime"):
        self.runtime = runtime
        self.generation = 0
        self.used = False           # top-level chains exist once any mapping was set up

    def changed(self) -> None:
        self.generation += 1

    def entries(self) -> list[tuple[Any, list[dict]]]:
        """(sandbox, port mappings) of the ready pod-network sandboxes, newest first (each ADD
        prepends its jump to CNI-HOSTPORT-DNAT)."""
        out = []
        for sb in self.runtime.sandboxes.values():
            if sb.state != "SANDBOX_READY" or sb.config.host_network or not sb.config.port_mappings:
                continue
            maps = [p for p in sb.config.port_mappings if p.get("hostPort")]
            if maps:
                out.append((sb, maps))
        out.sort(key=lambda e: e[0].created_at, reverse=True)
        return out

    def _pod_net(self, ip: str) -> str:
        cidr = getattr(getattr(self.runtime, "cni", None), "cidr", None)
        return cidr or f"{ip}/32"

    def rules(self) -> list[tuple[str, list[str], bool]]:
        """``(chain, rule arguments, prepend)`` for the nat table, as the plugin writes them."""
        if not self.used and not self.entries():
            return []
        self.used = True
        out: list[tuple[str, list[str], bool]] = [
            ("PREROUTING", ["-m", "addrtype", "--dst-type", "LOCAL", "-j", TOP_DNAT], False),
            ("OUTPUT", ["-m", "addrtype", "--dst-type", "LOCAL", "-j", TOP_DNAT], False),
            ("POSTROUTING", ["-m", "comment", "--comment", '"CNI portfwd requiring masquerade"', "-j", MASQ], True),
            (SETMARK, ["-m", "comment", "--comment", '"CNI portfwd masquerade mark"', "-j", "MARK",
                       "--set-xmark", MARK], False),
            (MASQ, ["-m", "mark", "--mark", MARK, "-j", "MASQUERADE"], False),
        ]
        for sb, maps in self.entries():
            chain = dnat_chain(sb.id)
            comment = f'"dnat name: "{NETWORK_NAME}" id: "{sb.id}""'
            by_proto: dict[str, list[str]] = {}
            for m in maps:
                by_proto.setdefault((m.get("protocol") or "TCP").lower(), []).append(str(m["hostPort"]))
            for proto in sorted(by_proto):
                ports = by_proto[proto]
                for i in range(0, len(ports), 15):
                    out.append((TOP_DNAT, ["-m", "comment", "--comment", comment, "-m", "multiport", "-p", proto,
                                           "--destination-ports", ",".join(ports[i:i + 15]), "-j", chain], False))
            out.append((chain, [], False))          # the chain itself
            for m in maps:
                proto = (m.get("protocol") or "TCP").lower()
                base = ["-p", proto, "-m", proto, "--dport", str(m["hostPort"])]
                host_ip = m.get("hostIP") or ""
                if host_ip and not ipaddress.ip_address(host_ip).is_unspecified:
                    base = ["-d", host_ip] + base
                out.append((chain, ["-s", self._pod_net(sb.ip)] + base + ["-j", SETMARK], False))
                out.append((chain, ["-s", "127.0.0.1"] + base + ["-j", SETMARK], False))
                out.append((chain, base + ["-j", "DNAT", "--to-destination", f"{sb.ip}:{m.get('containerPort')}"],
                            False))
        return out

    def install(self, nf: Any) -> None:
        """Add these rules to a kube-proxy ``Netfilter`` (the node's kernel tables).  Jumps to
        the per-sandbox chains are prepended in the order the sandboxes were set up."""
        rules = self.rules()
        if not rules:
            return
        dnat_jumps = [r for r in rules if r[0] == TOP_DNAT]
        for chain, args, prepend in rules:
            if chain == TOP_DNAT:
                continue
            if not args:
                nf.add_chain("nat", chain)
                continue
            nf.add_rule("nat", chain, args, prepend=prepend)
        nf.add_chain("nat", TOP_DNAT)
        for chain, args, _ in dnat_jumps:
            nf.add_rule("nat", chain, args)

    def lookup(self, src_ip: str, dst_ip: str, port: int, protocol: str = "TCP") -> PortMapHit | None:
        """The DNAT these rules apply to a new connection to ``dst_ip:port`` on this node."""
        proto = protocol.lower()
        for sb, maps in self.entries():
            for m in maps:
                if (m.get("protocol") or "TCP").lower() != proto or int(m["hostPort"]) != int(port):
                    continue
                host_ip = m.get("hostIP") or ""
                if host_ip and not ipaddress.ip_address(host_ip).is_unspecified and host_ip != dst_ip:
                    continue
                chain = dnat_chain(sb.id)
                endpoint = f"{sb.ip}:{m.get('containerPort')}"
                net = ipaddress.ip_network(self._pod_net(sb.ip), strict=False)
                hairpin = src_ip == "127.0.0.1" or ipaddress.ip_address(src_ip) in net
                hit = PortMapHit(self.runtime.node_name, dst_ip, int(port), endpoint, masqueraded=hairpin)
                hit.matched = [("nat", "PREROUTING", f"-A PREROUTING -m addrtype --dst-type LOCAL -j {TOP_DNAT}"),
                               ("nat", TOP_DNAT, f"-A {TOP_DNAT} -p {proto} -m multiport --dports {port} -j {chain}"),
                               ("nat", chain, f"-A {chain} -p {proto} -m {proto} --dport {port} -j DNAT "
                                              f"--to-destination {endpoint}")]
                return hit
        return None
