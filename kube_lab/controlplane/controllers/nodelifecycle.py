"""The node lifecycle controller (``pkg/controller/nodelifecycle``), its NoSchedule tainting pass.

A node's ``Ready`` condition is mirrored as taints the scheduler respects:
``node.kubernetes.io/not-ready:NoSchedule`` while Ready is False, and
``node.kubernetes.io/unreachable:NoSchedule`` while it is Unknown.  (Heartbeat monitoring, the
NoExecute taints and evictions are added with the rest of kube-controller-manager.)
"""
from __future__ import annotations

from ...api import errors
from ...api.meta import deep_copy
from ...client import Controller

NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"


def ready_status(node: dict) -> str:
    for c in (node.get("status") or {}).get("conditions") or ():
        if c.get("type") == "Ready":
            return c.get("status", "Unknown")
    return "Unknown"


class NodeLifecycleController(Controller):
    name = "node-lifecycle"
    component = "node-controller"

    def start(self) -> None:
        inf = self.informers.informer("nodes")
        inf.add_handlers(lambda n: self.enqueue(n["metadata"]["name"]),
                         lambda old, new: self.enqueue(new["metadata"]["name"]), None)
        self.nodes = inf

    def reconcile(self, name: str) -> None:
        node = self.nodes.get(name)
        if node is None:
            return
        status = ready_status(node)
        want = {"False": {NOT_READY}, "Unknown": {UNREACHABLE}}.get(status, set())
        taints = (node.get("spec") or {}).get("taints") or []
        managed = {NOT_READY, UNREACHABLE}
        keep = [t for t in taints if not (t.get("key") in managed and t.get("effect") == "NoSchedule")
                or t.get("key") in want]
        have = {t["key"] for t in keep if t.get("key") in managed and t.get("effect") == "NoSchedule"}
        now = self.client.apiserver.timestamp()
        for key in sorted(want - have):
            keep.append({"key": key, "effect": "NoSchedule", "timeAdded": now})
        if keep == taints:
            return
        body = deep_copy(node)
        if keep:
            body["spec"]["taints"] = keep
        else:
            body["spec"].pop("taints", None)
        try:
            self.client.update("nodes", body)
        except errors.StatusError as e:
            if e.reason == "Conflict":
                self.queue.add_rate_limited(name)
            elif e.reason != "NotFound":
                raise
