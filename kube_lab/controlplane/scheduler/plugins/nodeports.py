"""NodePorts (``plugins/nodeports``): a pod asking for a ``hostPort`` fits only on nodes where
that (IP, protocol, port) is free — ``node(s) didn't have free ports for the requested pod ports``.
``0.0.0.0`` conflicts with every address."""
from __future__ import annotations

from ..framework import (ADD, DELETE, NODE, POD, QUEUE, QUEUE_SKIP, SKIP, UNSCHEDULABLE, UPDATE,
                         ClusterEvent, Plugin, Status)

ERR_REASON = "node(s) didn't have free ports for the requested pod ports"
_STATUS = Status(UNSCHEDULABLE, ERR_REASON)
ANY_IP = "0.0.0.0"


def conflicts(used: dict, ip: str, protocol: str, port: int) -> bool:
    """``HostPortInfo.CheckConflict``."""
    if port <= 0:
        return False
    if ip == ANY_IP:
        return any(p == port and proto == protocol for (_, proto, p) in used)
    return (ANY_IP, protocol, port) in used or (ip, protocol, port) in used


class NodePorts(Plugin):
    name = "NodePorts"

    def pre_filter(self, state, pod, snap):
        if not pod.host_ports:
            return None, Status(SKIP)
        return None, None

    def filter(self, state, pod, node_info) -> Status | None:
        for ip, proto, port in pod.host_ports:
            if conflicts(node_info.used_ports, ip, proto, port):
                return _STATUS
        return None

    def events_to_register(self):
        return [(ClusterEvent(POD, DELETE), self._after_pod_deleted),
                (ClusterEvent(NODE, ADD | UPDATE), None)]

    @staticmethod
    def _after_pod_deleted(pod, old, new) -> str:
        if old is None or not (old.get("spec") or {}).get("nodeName"):
            return QUEUE_SKIP
        want = {(proto, port) for _, proto, port in pod.host_ports}
        for c in (old.get("spec") or {}).get("containers") or ():
            for p in c.get("ports") or ():
                if (p.get("protocol") or "TCP", p.get("hostPort") or 0) in want:
                    return QUEUE
        return QUEUE_SKIP
