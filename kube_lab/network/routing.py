"""The pod network as the nodes wire it (a bridge CNI with host-gateway routes, like flannel's
host-gw backend or kindnet): what a packet crosses on its way between pods, nodes and the outside.

* Every node has a bridge ``cni0`` holding the first address of its pod CIDR (``10.244.N.1/24``);
  every pod gets a veth pair — ``eth0`` inside the pod's network namespace, ``vethXXXXXXXX`` on
  the node, enslaved to ``cni0`` — and a default route via the bridge address.
* Nodes sit on kind's docker network ``172.18.0.0/16`` (gateway ``172.18.0.1``, the host) and
  route each other node's pod CIDR via that node's IP, so pod-to-pod traffic between nodes is
  neither encapsulated nor NATed.
* ``hostNetwork`` pods share their node's network namespace and address; they have no veth.

:class:`NetworkModel` is built from Node and Pod objects; :meth:`NetworkModel.path` lists the hops
between two addresses, :meth:`NetworkModel.ip_route` prints a node's or pod's routing table as
``ip route`` does.  Service translation is kube-proxy's business: trace a Service request as the
path to the node that translates it, then the path from there to the chosen endpoint
(:meth:`NetworkModel.service_path`).
"""
from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass, field

DOCKER_NETWORK = "172.18.0.0/16"
DOCKER_GATEWAY = "172.18.0.1"
BRIDGE = "cni0"


def veth_name(pod_uid: str) -> str:
    """The host side of a pod's veth pair: ``veth`` + 8 hex digits (random in the CNI bridge
    plugin; derived from the pod's uid here, so it is stable)."""
    return "veth" + hashlib.sha256(pod_uid.encode()).hexdigest()[:8]


@dataclass
class NodeNet:
    name: str
    ip: str
    pod_cidr: str | None

    @property
    def gateway(self) -> str | None:
        """The bridge address: the pod CIDR's first host."""
        if not self.pod_cidr:
            return None
        return str(next(ipaddress.ip_network(self.pod_cidr).hosts()))


@dataclass
class PodNet:
    namespace: str
    name: str
    ip: str
    node: str
    uid: str = ""
    host_network: bool = False

    @property
    def veth(self) -> str | None:
        return None if self.host_network else veth_name(self.uid or f"{self.namespace}/{self.name}")

    @property
    def label(self) -> str:
        return f"pod {self.namespace}/{self.name}"


@dataclass
class Hop:
    where: str            # "pod default/web-0", "node kind-worker", "docker network", "outside"
    device: str = ""      # the interface the packet passes
    note: str = ""        # why (the route used)

    def __str__(self) -> str:
        s = self.where
        if self.device:
            s += f" [{self.device}]"
        if self.note:
            s += f": {self.note}"
        return s


@dataclass
class NetworkModel:
    nodes: dict[str, NodeNet] = field(default_factory=dict)
    pods: dict[str, PodNet] = field(default_factory=dict)          # pod IP → pod (not hostNetwork)
    host_pods: list[PodNet] = field(default_factory=list)
    docker_network: str = DOCKER_NETWORK
    docker_gateway: str = DOCKER_GATEWAY

    @classmethod
    def from_objects(cls, nodes: list[dict], pods: list[dict] = ()) -> "NetworkModel":
        net = cls()
        for n in nodes:
            ip = next((a["address"] for a in (n.get("status") or {}).get("addresses") or ()
                       if a.get("type") == "InternalIP"), "")
            net.nodes[n["metadata"]["name"]] = NodeNet(n["metadata"]["name"], ip, (n.get("spec") or {}).get("podCIDR"))
        for p in pods:
            status, spec = p.get("status") or {}, p.get("spec") or {}
            ip = status.get("podIP")
            if not ip or status.get("phase") in ("Succeeded", "Failed"):
                continue
            pod = PodNet(p["metadata"].get("namespace", ""), p["metadata"]["name"], ip, spec.get("nodeName", ""),
                         p["metadata"].get("uid", ""), bool(spec.get("hostNetwork")))
            if pod.host_network:
                net.host_pods.append(pod)
            else:
                net.pods[ip] = pod
        return net

    @classmethod
    def from_client(cls, client) -> "NetworkModel":
        """Built from a fresh list of Nodes and Pods through an API client."""
        return cls.from_objects(client.list("nodes")["items"], client.list("pods")["items"])

    # -- where an address lives -------------------------------------------------------------
    def node_of_ip(self, ip: str) -> NodeNet | None:
        for n in self.nodes.values():
            if n.ip == ip:
                return n
        return None

    def node_for_pod_ip(self, ip: str) -> NodeNet | None:
        addr = ipaddress.ip_address(ip)
        for n in self.nodes.values():
            if n.pod_cidr and addr in ipaddress.ip_network(n.pod_cidr):
                return n
        return None

    def locate(self, ip: str) -> tuple[str, object | None]:
        """("pod", PodNet) | ("node", NodeNet) | ("bridge", NodeNet) | ("unassigned", NodeNet) |
        ("outside", None)."""
        if ip in self.pods:
            return "pod", self.pods[ip]
        node = self.node_of_ip(ip)
        if node is not None:
            return "node", node
        node = self.node_for_pod_ip(ip)
        if node is not None:
            return ("bridge", node) if ip == node.gateway else ("unassigned", node)
        return "outside", None

    # -- ip route --------------------------------------------------------------------------
    def ip_route(self, who: str) -> str:
        """``ip route`` on a node (by name) or in a pod (by IP or ``namespace/name``)."""
        if who in self.nodes:
            n = self.nodes[who]
            routes = [(ipaddress.ip_network("0.0.0.0/0"), f"default via {self.docker_gateway} dev eth0")]
            for other in self.nodes.values():
                if not other.pod_cidr:
                    continue
                net = ipaddress.ip_network(other.pod_cidr)
                if other.name == n.name:
                    routes.append((net, f"{net} dev {BRIDGE} proto kernel scope link src {n.gateway}"))
                else:
                    routes.append((net, f"{net} via {other.ip} dev eth0"))
            dn = ipaddress.ip_network(self.docker_network)
            routes.append((dn, f"{dn} dev eth0 proto kernel scope link src {n.ip}"))
            routes.sort(key=lambda r: (r[0].prefixlen != 0, int(r[0].network_address), r[0].prefixlen))
            return "\n".join(r[1] for r in routes) + "\n"
        pod = self._pod(who)
        if pod is None:
            raise KeyError(who)
        if pod.host_network:
            return self.ip_route(pod.node)
        node = self.nodes.get(pod.node)
        cidr = node.pod_cidr if node else f"{pod.ip}/32"
        return (f"default via {node.gateway if node else ''} dev eth0\n"
                f"{cidr} dev eth0 proto kernel scope link src {pod.ip}\n")

    def _pod(self, who: str) -> PodNet | None:
        if who in self.pods:
            return self.pods[who]
        for p in list(self.pods.values()) + self.host_pods:
            if f"{p.namespace}/{p.name}" == who:
                return p
        return None

    # -- paths -----------------------------------------------------------------------------
    def path(self, src: str, dst: str) -> list[Hop]:
        """The hops of a packet from address ``src`` to address ``dst`` (no Service translation:
        ``dst`` is where the packet is really going)."""
        hops: list[Hop] = []
        kind, obj = self.locate(src)
        if kind == "pod":
            pod: PodNet = obj
            node = self.nodes[pod.node]
            hops.append(Hop(pod.label, "eth0", f"default via {node.gateway}"))
            hops.append(Hop(f"node {node.name}", pod.veth, f"veth pair of {pod.label}"))
            hops.append(Hop(f"node {node.name}", BRIDGE, "bridge"))
            hops += self._from_node(node, dst, via_bridge=True)
        elif kind in ("node", "bridge"):
            node: NodeNet = obj
            hops.append(Hop(f"node {node.name}", "", f"local process ({src})"))
            hops += self._from_node(node, dst, via_bridge=False)
        else:
            hops.append(Hop("outside", "", f"client {src}"))
            dkind, dobj = self.locate(dst)
            target = dobj if dkind == "node" else self.node_for_pod_ip(dst) if dkind in ("pod", "unassigned") else None
            if target is None:
                hops.append(Hop("outside", "", "no route to host"))
                return hops
            hops.append(Hop("docker network", "", f"{self.docker_network} (bridge on the host)"))
            hops.append(Hop(f"node {target.name}", "eth0", f"arrives at {target.ip}"))
            if dkind != "node":
                hops += self._deliver(target, dst)
        return hops

    def _from_node(self, node: NodeNet, dst: str, via_bridge: bool) -> list[Hop]:
        kind, obj = self.locate(dst)
        if kind == "node" and obj.name == node.name or kind == "bridge" and obj.name == node.name:
            return [Hop(f"node {node.name}", "", f"local delivery to {dst}")]
        if kind == "pod" and obj.node == node.name:
            cidr = node.pod_cidr
            hop = [Hop(f"node {node.name}", "", f"route {cidr} dev {BRIDGE}")] if not via_bridge else []
            return hop + self._deliver(node, dst)
        if kind in ("pod", "unassigned", "bridge"):
            target = self.node_for_pod_ip(dst)
            return [Hop(f"node {node.name}", "eth0", f"route {target.pod_cidr} via {target.ip} dev eth0"),
                    Hop("docker network", "", self.docker_network),
                    Hop(f"node {target.name}", "eth0", f"arrives at {target.ip}")] + self._deliver(target, dst)
        if kind == "node":
            return [Hop(f"node {node.name}", "eth0", f"route {self.docker_network} dev eth0"),
                    Hop("docker network", "", self.docker_network),
                    Hop(f"node {obj.name}", "eth0", f"local delivery to {dst}")]
        return [Hop(f"node {node.name}", "eth0", f"default via {self.docker_gateway}"),
                Hop("outside", "", f"to {dst}")]

    def _deliver(self, node: NodeNet, dst: str) -> list[Hop]:
        pod = self.pods.get(dst)
        if pod is None or pod.node != node.name:
            return [Hop(f"node {node.name}", BRIDGE, f"no pod has {dst}: host unreachable")]
        return [Hop(f"node {node.name}", BRIDGE, "bridge"),
                Hop(f"node {node.name}", pod.veth, f"veth pair of {pod.label}"),
                Hop(pod.label, "eth0", f"delivered to {dst}")]

    def service_path(self, src: str, translating_node: str, endpoint_ip: str) -> list[Hop]:
        """A Service request: to the node whose kube-proxy rules translate it (the client's own
        node for a cluster IP, the addressed node for a NodePort, the announcing node for a
        load-balancer IP), then from there to the chosen endpoint."""
        node = self.nodes[translating_node]
        kind, obj = self.locate(src)
        if kind == "pod" and obj.node == node.name:
            pod: PodNet = obj
            first = [Hop(pod.label, "eth0", f"default via {node.gateway}"),
                     Hop(f"node {node.name}", pod.veth, f"veth pair of {pod.label}"),
                     Hop(f"node {node.name}", BRIDGE, "bridge")]
            via_bridge = True
        elif kind in ("node", "bridge") and obj.name == node.name:
            first = [Hop(f"node {node.name}", "", f"local process ({src})")]
            via_bridge = False
        else:
            first = self.path(src, node.ip)[:-1] + [Hop(f"node {node.name}", "eth0", f"arrives at {node.ip}")]
            via_bridge = False
        first.append(Hop(f"node {node.name}", "", f"kube-proxy rules: DNAT to {endpoint_ip}"))
        return first + self._from_node(node, endpoint_ip, via_bridge=via_bridge)
