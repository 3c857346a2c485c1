"""The pod garbage collector (``pkg/controller/podgc``, Kubernetes 1.32).

Every ``gcCheckPeriod`` (20 s) it looks at all pods and force-deletes (grace period 0) those
nobody else will ever clean up, each first patched to phase ``Failed`` if it had not finished:

* **terminated pods** over ``--terminated-pod-gc-threshold`` (12500): the oldest go first, pods
  evicted by a kubelet (``Failed``/``Evicted``) before the others;
* **terminating pods on out-of-service nodes**: a node that is not Ready and carries the
  ``node.kubernetes.io/out-of-service`` taint (an operator's "this node is gone") releases its
  ``Terminating`` pods at once;
* **orphaned pods**: pods bound to a node that no longer exists.  A missing node is quarantined
  for 40 s (it may just not have reached the informer yet), then confirmed with a GET; its pods
  get the ``DisruptionTarget`` condition (reason ``DeletionByPodGC``, "PodGC: node no longer
  exists") with phase ``Failed`` before the delete;
* **unscheduled terminating pods**: being deleted but never bound to a node.

The 20 s period and 40 s quarantine run as background timers, like upstream's ticker.
"""
from __future__ import annotations

from ...api import errors
from ...api.meta import parse_rfc3339
from ...client import Controller
from .nodelifecycle import node_condition

GC_CHECK_PERIOD = 20.0
QUARANTINE_TIME = 40.0
TERMINATED_POD_THRESHOLD = 12500
OUT_OF_SERVICE = "node.kubernetes.io/out-of-service"


def is_pod_terminated(pod: dict) -> bool:
    return (pod.get("status") or {}).get("phase") not in ("Pending", "Running", "Unknown")


def is_node_ready(node: dict) -> bool:
    c = node_condition(node, "Ready")
    return c is not None and c.get("status") == "True"


def _eviction_order(pod: dict) -> tuple:
    """``byEvictionAndCreationTimestamp``: kubelet-evicted first, then oldest, then by name."""
    st = pod.get("status") or {}
    evicted = st.get("phase") == "Failed" and st.get("reason") == "Evicted"
    created = pod["metadata"].get("creationTimestamp") or ""
    return (not evicted, parse_rfc3339(created) if created else 0.0, pod["metadata"]["name"])


class PodGCController(Controller):
    name = "pod-garbage-collector"
    component = "pod-garbage-collector"

    def __init__(self, client, informers, *, terminated_pod_threshold: int = TERMINATED_POD_THRESHOLD,
                 gc_check_period: float = GC_CHECK_PERIOD, quarantine_time: float = QUARANTINE_TIME):
        super().__init__(client, informers)
        self.terminated_pod_threshold = terminated_pod_threshold
        self.gc_check_period = gc_check_period
        self.quarantine_time = quarantine_time
        self._waiting: dict[str, float] = {}      # the delaying node queue: name → ready at
        self._ready: dict[str, None] = {}

    def start(self) -> None:
        self.pods = self.informers.informer("pods")
        self.nodes = self.informers.informer("nodes")
        self.loop.call_later(self.gc_check_period, self._tick, background=True)

    def _tick(self) -> None:
        self.enqueue("gc")
        self.loop.call_later(self.gc_check_period, self._tick, background=True)

    def reconcile(self, key: str) -> None:
        self.gc()

    def gc(self) -> None:
        pods = self.pods.list()
        nodes = self.nodes.list()
        if self.terminated_pod_threshold > 0:
            self.gc_terminated(pods)
        self.gc_terminating(pods)
        self.gc_orphaned(pods, nodes)
        self.gc_unscheduled_terminating(pods)

    # -- the four sweeps --------------------------------------------------------------------------
    def gc_terminated(self, pods: list[dict]) -> None:
        terminated = [p for p in pods if is_pod_terminated(p)]
        excess = len(terminated) - self.terminated_pod_threshold
        if excess <= 0:
            return
        terminated.sort(key=_eviction_order)
        for pod in terminated[:excess]:
            self._try(self.mark_failed_and_delete, pod)

    def gc_terminating(self, pods: list[dict]) -> None:
        doomed = []
        for pod in pods:
            if not pod["metadata"].get("deletionTimestamp"):
                continue
            node = self.nodes.get((pod.get("spec") or {}).get("nodeName") or "")
            if node is None:
                continue                              # "Failed to get node"
            taints = (node.get("spec") or {}).get("taints") or ()
            if not is_node_ready(node) and any(t.get("key") == OUT_OF_SERVICE for t in taints):
                doomed.append(pod)
        doomed.sort(key=_eviction_order)
        for pod in doomed:
            self._try(self.mark_failed_and_delete, pod)

    def gc_orphaned(self, pods: list[dict], nodes: list[dict]) -> None:
        existing = {n["metadata"]["name"] for n in nodes}
        for pod in pods:
            node = (pod.get("spec") or {}).get("nodeName")
            if node and node not in existing:
                self._add_after(node, self.quarantine_time)
        deleted = self._discover_deleted_nodes(existing)
        for pod in pods:
            if (pod.get("spec") or {}).get("nodeName") not in deleted:
                continue
            self._try(self.mark_failed_and_delete, pod,
                      {"type": "DisruptionTarget", "status": "True", "reason": "DeletionByPodGC",
                       "message": "PodGC: node no longer exists"})

    def gc_unscheduled_terminating(self, pods: list[dict]) -> None:
        for pod in pods:
            if pod["metadata"].get("deletionTimestamp") and not (pod.get("spec") or {}).get("nodeName"):
                self._try(self.mark_failed_and_delete, pod)

    # -- the delaying node queue ------------------------------------------------------------------
    def _add_after(self, node: str, delay: float) -> None:
        when = self.loop.now + delay
        if node not in self._waiting or self._waiting[node] > when:
            self._waiting[node] = when

    def _discover_deleted_nodes(self, existing: set[str]) -> set[str]:
        now = self.loop.now
        for node in sorted(self._waiting, key=lambda n: (self._waiting[n], n)):
            if self._waiting[node] <= now:
                del self._waiting[node]
                self._ready[node] = None
        deleted: set[str] = set()
        while self._ready:
            node = next(iter(self._ready))
            del self._ready[node]
            if node in existing:
                continue
            try:
                self.client.get("nodes", node)
            except errors.StatusError as e:
                if e.reason == "NotFound":
                    deleted.add(node)
        return deleted

    # -- deleting ----------------------------------------------------------------------------------
    def _try(self, fn, *args) -> None:
        try:
            fn(*args)
        except errors.StatusError as e:           # utilruntime.HandleError: logged, next pod
            md = args[0]["metadata"]
            self.errors.append(f"{md.get('namespace')}/{md['name']}: {e.message}")

    def mark_failed_and_delete(self, pod: dict, condition: dict | None = None) -> None:
        """``markFailedAndDeletePodWithCondition``: phase ``Failed`` (and the condition) by a status
        patch unless the pod already finished, then a delete with grace period 0."""
        md = pod["metadata"]
        ns, name = md.get("namespace", ""), md["name"]
        status = pod.get("status") or {}
        if status.get("phase") not in ("Succeeded", "Failed"):
            patch_status: dict = {"phase": "Failed"}
            if condition is not None:
                conds = status.get("conditions") or []
                old = next((c for c in conds if c.get("type") == condition["type"]), None)
                now = self.client.apiserver.timestamp()
                stamped = {"type": condition["type"], "status": condition["status"], "lastProbeTime": None,
                           "lastTransitionTime": old["lastTransitionTime"] if old and
                           old.get("status") == condition["status"] else now,
                           "reason": condition["reason"], "message": condition["message"]}
                if old is None or any(old.get(k) != v for k, v in stamped.items()):
                    patch_status["$setElementOrder/conditions"] = (
                        [{"type": c["type"]} for c in conds] + ([{"type": condition["type"]}] if old is None else []))
                    patch_status["conditions"] = [stamped]
            self.client.patch("pods", name, {"metadata": {"uid": md["uid"]}, "status": patch_status},
                              "application/strategic-merge-patch+json", ns, subresource="status")
        self.client.delete("pods", name, ns, grace_period_seconds=0)
