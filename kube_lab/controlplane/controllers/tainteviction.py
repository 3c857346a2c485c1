"""The taint-eviction controller (``pkg/controller/tainteviction``, Kubernetes 1.32, where it runs
separately from the node lifecycle controller: ``SeparateTaintEvictionController`` is on).

It deletes pods from nodes with ``NoExecute`` taints they do not tolerate:

* a pod with a ``NoExecute`` taint it does not tolerate at all is deleted at once;
* a pod whose matching tolerations all carry ``tolerationSeconds`` is deleted when the smallest of
  them has elapsed — counted from when the controller first saw the taint (the admission plugin
  DefaultTolerationSeconds gives every pod 300 s for ``not-ready`` and ``unreachable``);
* a pod tolerating forever (no ``tolerationSeconds``) stays.

A scheduled deletion is cancelled when the taint goes away or the tolerations change (event
``TaintManagerEviction`` "Cancelling deletion of Pod ns/name").  When a deletion fires the
controller records ``TaintManagerEviction`` "Marking for deletion Pod ns/name", adds the
``DisruptionTarget`` condition (reason ``DeletionByTaintManager``) with a status patch, and
deletes the pod with its own grace period — on a dead node the pod then stays ``Terminating``
until its kubelet returns or the node object is deleted (pod GC).

Node updates are handled before pod updates, as upstream's workers prefer them.
"""
from __future__ import annotations

from ...api import errors
from ...client import Controller
from .controller_utils import ensure_index
from .nodelifecycle import INDEX_NODE, pods_by_node

RETRIES = 5


def no_execute_taints(node: dict | None) -> list[dict]:
    return [t for t in ((node or {}).get("spec") or {}).get("taints") or () if t.get("effect") == "NoExecute"]


from ...api.taints import tolerates  # noqa: E402,F401 - re-exported


def matching_tolerations(taints: list[dict], tolerations: list[dict]) -> tuple[bool, list[dict]]:
    """``v1helper.GetMatchingTolerations``: (all tolerated?, the toleration used for each taint)."""
    if not taints:
        return True, []
    if not tolerations:
        return False, []
    used = []
    for taint in taints:
        for tol in tolerations:
            if tolerates(tol, taint):
                used.append(tol)
                break
        else:
            return False, []
    return True, used


def min_toleration_time(tolerations: list[dict]) -> float:
    """``getMinTolerationTime``: 0 to evict now, -1 for "tolerated forever"."""
    if not tolerations:
        return 0
    least = None
    for tol in tolerations:
        seconds = tol.get("tolerationSeconds")
        if seconds is not None:
            if seconds <= 0:
                return 0
            if least is None or seconds < least:
                least = seconds
    return -1 if least is None else float(least)


class TimedWorker:
    __slots__ = ("created_at", "fire_at", "timer")

    def __init__(self, created_at: float, fire_at: float, timer):
        self.created_at = created_at
        self.fire_at = fire_at
        self.timer = timer


class TaintEvictionController(Controller):
    name = "taint-eviction-controller"
    component = "taint-eviction-controller"

    def __init__(self, client, informers):
        super().__init__(client, informers)
        self.tainted_nodes: dict[str, list[dict]] = {}
        self.workers: dict[str, TimedWorker | None] = {}   # "ns/name" → scheduled deletion
        self._pending_nodes: dict[str, None] = {}          # node updates not yet handled, in order

    def start(self) -> None:
        self.nodes = self.informers.informer("nodes")
        self.nodes.add_handlers(lambda n: self._node_updated(None, n), self._node_updated,
                                lambda n: self._node_updated(n, None))
        self.pods = self.informers.informer("pods")
        ensure_index(self.pods, INDEX_NODE, pods_by_node)
        self.pods.add_handlers(lambda p: self._pod_updated(None, p), self._pod_updated,
                               lambda p: self._pod_updated(p, None))

    # -- handlers -----------------------------------------------------------------------------
    def _pod_updated(self, old: dict | None, new: dict | None) -> None:
        if old is not None and new is not None and \
                (old.get("spec") or {}).get("tolerations") == (new.get("spec") or {}).get("tolerations") and \
                (old.get("spec") or {}).get("nodeName") == (new.get("spec") or {}).get("nodeName"):
            return
        pod = new if new is not None else old
        md = pod["metadata"]
        self.enqueue(("pod", md.get("namespace", ""), md["name"], (pod.get("spec") or {}).get("nodeName") or ""))

    def _node_updated(self, old: dict | None, new: dict | None) -> None:
        if old is not None and new is not None and no_execute_taints(old) == no_execute_taints(new):
            return
        node = new if new is not None else old
        name = node["metadata"]["name"]
        self._pending_nodes[name] = None
        self.enqueue(("node", name))

    # -- node updates -------------------------------------------------------------------------
    def _handle_node_update(self, name: str) -> None:
        node = self.nodes.get(name)
        if node is None:
            self.tainted_nodes.pop(name, None)
            return
        taints = no_execute_taints(node)
        if taints:
            self.tainted_nodes[name] = taints
        else:
            self.tainted_nodes.pop(name, None)
        pods = self.pods.by_index(INDEX_NODE, name)
        if not pods:
            return
        if not taints:
            for pod in pods:
                self._cancel_with_event(pod["metadata"]["namespace"], pod["metadata"]["name"])
            return
        now = self.loop.now
        for pod in pods:
            self.process_pod_on_node(pod["metadata"]["namespace"], pod["metadata"]["name"],
                                     (pod.get("spec") or {}).get("tolerations") or [], taints, now)

    # -- pod updates ------------------------------------------------------------------------------
    def reconcile(self, key: tuple) -> None:
        if key[0] == "node":
            if self._pending_nodes.pop(key[1], 0) is None:
                self._handle_node_update(key[1])
            return
        while self._pending_nodes:          # node updates first, as upstream's workers do
            name = next(iter(self._pending_nodes))
            del self._pending_nodes[name]
            self._handle_node_update(name)
        _, ns, name, node_name = key
        pod = self.pods.get(f"{ns}/{name}")
        if pod is None:
            self._cancel_with_event(ns, name)
            return
        if (pod.get("spec") or {}).get("nodeName") != node_name or not node_name:
            return
        taints = self.tainted_nodes.get(node_name)
        if taints is None:
            return
        self.process_pod_on_node(ns, name, (pod.get("spec") or {}).get("tolerations") or [], taints, self.loop.now)

    def process_pod_on_node(self, ns: str, name: str, tolerations: list[dict], taints: list[dict],
                            now: float) -> None:
        if not taints:
            self._cancel_with_event(ns, name)
        ok, used = matching_tolerations(taints, tolerations)
        if not ok:
            self._cancel_with_event(ns, name)
            self._add_work(ns, name, now, now)
            return
        wait = min_toleration_time(used)
        if wait < 0:
            self._cancel_with_event(ns, name)
            return
        start, trigger = now, now + wait
        scheduled = self.workers.get(f"{ns}/{name}")
        if scheduled is not None:
            start = scheduled.created_at
            if start + wait < trigger:
                return
            self._cancel_with_event(ns, name)
        self._add_work(ns, name, start, start + wait)

    # -- the timed worker queue -----------------------------------------------------------------
    def _add_work(self, ns: str, name: str, created_at: float, fire_at: float) -> None:
        key = f"{ns}/{name}"
        if key in self.workers:
            return
        if fire_at <= created_at:
            self.workers[key] = None             # started at once: no timer to cancel
            self.loop.call_soon(self._fire, ns, name)
            return
        timer = self.loop.call_at(fire_at, self._fire, ns, name, background=True)
        self.workers[key] = TimedWorker(created_at, fire_at, timer)

    def _cancel_with_event(self, ns: str, name: str) -> None:
        key = f"{ns}/{name}"
        if key not in self.workers:
            return
        worker = self.workers.pop(key)
        if worker is not None:
            worker.timer.cancel()
            self.recorder.event(self._ref(ns, name), "Normal", "TaintManagerEviction",
                                f"Cancelling deletion of Pod {ns}/{name}")

    @staticmethod
    def _ref(ns: str, name: str) -> dict:
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns}}

    def _fire(self, ns: str, name: str) -> None:
        """``deletePodHandler``: the event, then DisruptionTarget and the delete (5 tries)."""
        self.recorder.event(self._ref(ns, name), "Normal", "TaintManagerEviction",
                            f"Marking for deletion Pod {ns}/{name}")
        for _ in range(RETRIES):
            try:
                self._add_condition_and_delete(ns, name)
                break
            except errors.StatusError as e:
                self.errors.append(f"{ns}/{name}: {e.message}")
        self.workers.pop(f"{ns}/{name}", None)

    def _add_condition_and_delete(self, ns: str, name: str) -> None:
        pod = self.client.get("pods", name, ns)
        conds = (pod.get("status") or {}).get("conditions") or []
        cond = {"type": "DisruptionTarget", "status": "True", "reason": "DeletionByTaintManager",
                "message": "Taint manager: deleting due to NoExecute taint"}
        old = next((c for c in conds if c.get("type") == "DisruptionTarget"), None)
        if old is None or any(old.get(k) != v for k, v in cond.items()):
            now = self.client.apiserver.timestamp()
            stamped = {"type": "DisruptionTarget", "status": "True", "lastProbeTime": None,
                       "lastTransitionTime": old["lastTransitionTime"] if old and old.get("status") == "True" else now,
                       "reason": cond["reason"], "message": cond["message"]}
            order = [{"type": c["type"]} for c in conds] + ([{"type": "DisruptionTarget"}] if old is None else [])
            self.client.patch("pods", name, {"metadata": {"uid": pod["metadata"]["uid"]},
                                             "status": {"$setElementOrder/conditions": order,
                                                        "conditions": [stamped]}},
                              "application/strategic-merge-patch+json", ns, subresource="status")
        self.client.delete("pods", name, ns)
