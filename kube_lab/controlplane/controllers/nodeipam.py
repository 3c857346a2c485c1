"""The node IPAM controller (``pkg/controller/nodeipam``, range allocator): each Node gets its own
pod CIDR, a /24 out of the cluster CIDR 10.244.0.0/16 (kind's default), in the order nodes
register.  The kubelet's network plugin then hands out pod IPs from that range."""
from __future__ import annotations

import ipaddress

from ...api import errors
from ...client import Controller

CLUSTER_CIDR = "10.244.0.0/16"
NODE_MASK = 24


class NodeIPAMController(Controller):
    name = "node-ipam"
    component = "node-ipam-controller"

    def __init__(self, client, informers, cluster_cidr: str = CLUSTER_CIDR, node_mask: int = NODE_MASK):
        super().__init__(client, informers)
        self.subnets = ipaddress.ip_network(cluster_cidr).subnets(new_prefix=node_mask)   # walked lazily
        self._seen: list[str] = []       # the subnets walked so far, in order
        self.used: dict[str, str] = {}   # cidr → node

    def start(self) -> None:
        inf = self.informers.informer("nodes")
        inf.add_handlers(self._add, lambda old, new: self._add(new), self._delete)
        self.nodes = inf

    def _add(self, node: dict) -> None:
        cidr = (node.get("spec") or {}).get("podCIDR")
        if cidr:
            self.used[cidr] = node["metadata"]["name"]
        else:
            self.enqueue(node["metadata"]["name"])

    def _delete(self, node: dict) -> None:
        cidr = (node.get("spec") or {}).get("podCIDR")
        if cidr and self.used.get(cidr) == node["metadata"]["name"]:
            del self.used[cidr]

    def _cidrs(self):
        """The node-sized subnets of the cluster CIDR in order (the lowest free one is taken)."""
        yield from self._seen
        for net in self.subnets:
            self._seen.append(str(net))
            yield self._seen[-1]

    def reconcile(self, name: str) -> None:
        node = self.nodes.get(name)
        if node is None or (node.get("spec") or {}).get("podCIDR"):
            return
        cidr = next((c for c in self._cidrs() if c not in self.used), None)
        if cidr is None:
            self.recorder.event(node, "Normal", "CIDRNotAvailable",
                                f"Node {name} status is now: CIDRNotAvailable")
            return
        self.used[cidr] = name
        try:
            # a patch, as upstream's PatchNodeCIDRs: no conflict with the kubelet's status writes
            self.client.patch("nodes", name, {"spec": {"podCIDR": cidr, "podCIDRs": [cidr]}},
                              "application/strategic-merge-patch+json")
        except errors.StatusError as e:
            del self.used[cidr]
            if e.reason == "NotFound":
                return
            raise
