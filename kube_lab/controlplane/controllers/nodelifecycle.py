"""The node lifecycle controller (``pkg/controller/nodelifecycle``, Kubernetes 1.32).

Three loops, as upstream runs them:

* **NoSchedule tainting** (informer → work queue → :meth:`reconcile`): a node's conditions are
  mirrored as ``NoSchedule`` taints the scheduler respects — Ready ``False`` →
  ``node.kubernetes.io/not-ready``, Ready ``Unknown`` → ``…/unreachable``, MemoryPressure /
  DiskPressure / PIDPressure / NetworkUnavailable ``True`` → ``…/memory-pressure`` and friends —
  plus ``node.kubernetes.io/unschedulable`` while the node is cordoned.
* **Health monitoring** (``monitorNodeHealth``, every ``nodeMonitorPeriod`` = 5 s): a node whose
  kubelet renewed neither its Lease (``kube-node-lease/<node>``) nor its Ready heartbeat for
  ``nodeMonitorGracePeriod`` (50 s since v1.32, 40 s before; 60 s for a node that never posted a
  status) gets Ready, MemoryPressure, DiskPressure and PIDPressure set to ``Unknown`` (reason
  ``NodeStatusUnknown``, "Kubelet stopped posting node status."); the transition is announced with
  a ``NodeNotReady`` event and the node's pods are marked ``Ready=False`` (``MarkPodsNotReady``).
  Newly seen nodes get a ``RegisteredNode`` event, vanished ones ``RemovingNode``.
* **NoExecute tainting** (``doNoExecuteTaintingPass``, every 100 ms while a node waits): a node
  whose observed Ready is ``False`` gets ``node.kubernetes.io/not-ready:NoExecute``, ``Unknown``
  gets ``…/unreachable:NoExecute`` (the two are swapped at once when the state flips), rate
  limited per zone by a token bucket (0.1 nodes/s, burst 1); both are removed when the node is
  Ready again.  The taint-eviction controller acts on those taints.  Zones where every node is
  down ("full disruption" in every zone) stop tainting and lose their taints, as upstream's
  master-disruption mode does; partially disrupted zones (> 2 and ≥ 55 % of nodes not Ready)
  taint at 0.01 nodes/s in clusters over 50 nodes, not at all in smaller ones.

Times are the loop's virtual clock, as upstream uses its own clock rather than the kubelet's.
"""
from __future__ import annotations

import calendar
from typing import Callable

from ...api import errors
from ...api.meta import IdentityCache, deep_copy, parse_rfc3339
from ...client import Controller, WorkQueue
from .controller_utils import ensure_index

NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
MEMORY_PRESSURE = "node.kubernetes.io/memory-pressure"
DISK_PRESSURE = "node.kubernetes.io/disk-pressure"
PID_PRESSURE = "node.kubernetes.io/pid-pressure"
NETWORK_UNAVAILABLE = "node.kubernetes.io/network-unavailable"
NO_SCHEDULE = "NoSchedule"
NO_EXECUTE = "NoExecute"
EXCLUDE_DISRUPTION = "node.kubernetes.io/exclude-disruption"

NODE_MONITOR_PERIOD = 5.0            # --node-monitor-period
NODE_MONITOR_GRACE_PERIOD = 50.0     # --node-monitor-grace-period (v1.32; 40 s until v1.31)
NODE_STARTUP_GRACE_PERIOD = 60.0     # --node-startup-grace-period
NODE_EVICTION_PERIOD = 0.1           # scheduler.NodeEvictionPeriod
EVICTION_LIMITER_QPS = 0.1           # --node-eviction-rate
SECONDARY_EVICTION_LIMITER_QPS = 0.01  # --secondary-node-eviction-rate
LARGE_CLUSTER_THRESHOLD = 50         # --large-cluster-size-threshold
UNHEALTHY_ZONE_THRESHOLD = 0.55      # --unhealthy-zone-threshold
NODE_HEALTH_UPDATE_RETRY = 5         # scheduler.NodeHealthUpdateRetry
TAINT_UPDATE_STEPS = 5               # UpdateTaintBackoff.Steps

# nodeConditionToTaintKeyStatusMap
CONDITION_TAINTS = {
    "Ready": {"False": NOT_READY, "Unknown": UNREACHABLE},
    "MemoryPressure": {"True": MEMORY_PRESSURE},
    "DiskPressure": {"True": DISK_PRESSURE},
    "NetworkUnavailable": {"True": NETWORK_UNAVAILABLE},
    "PIDPressure": {"True": PID_PRESSURE},
}
CONDITION_TAINT_KEYS = frozenset(k for m in CONDITION_TAINTS.values() for k in m.values())
UNKNOWN_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")

INDEX_NODE = "kube-lab/nodeName"     # pods by spec.nodeName (the nodeNameKeyIndex)

STATE_INITIAL, STATE_NORMAL = "Initial", "Normal"
STATE_FULL, STATE_PARTIAL = "FullDisruption", "PartialDisruption"


# ---------------------------------------------------------------------------------------------
# helpers shared with tests
def node_condition(node_or_status: dict | None, type_: str) -> dict | None:
    """``GetNodeCondition`` on a Node or a NodeStatus."""
    if not node_or_status:
        return None
    status = node_or_status.get("status", node_or_status) if "metadata" in node_or_status else node_or_status
    for c in (status or {}).get("conditions") or ():
        if c.get("type") == type_:
            return c
    return None


def ready_status(node: dict) -> str:
    c = node_condition(node, "Ready")
    return c.get("status", "Unknown") if c is not None else "Unknown"


def rfc3339_seconds(ts: str) -> float:
    """Unix seconds of ``2025-01-01T00:00:00[.ffffff]Z`` (a fast path for the monitor's heartbeats)."""
    try:
        secs = calendar.timegm((int(ts[0:4]), int(ts[5:7]), int(ts[8:10]), int(ts[11:13]), int(ts[14:16]),
                                int(ts[17:19])))
        frac = ts[19:-1]
        return secs + (float(frac) if len(frac) > 1 and frac[0] == "." else 0.0)
    except (ValueError, IndexError):
        return parse_rfc3339(ts)


_ZONES = IdentityCache(16384)


def zone_key(node: dict) -> str:
    """``nodetopology.GetZoneKey``: region and zone labels (stable or beta), "" without them."""
    return _ZONES.get(node["metadata"].get("labels") or {}, _zone_key)


def _zone_key(labels: dict) -> str:
    region = labels.get("topology.kubernetes.io/region") or labels.get("failure-domain.beta.kubernetes.io/region", "")
    zone = labels.get("topology.kubernetes.io/zone") or labels.get("failure-domain.beta.kubernetes.io/zone", "")
    if not region and not zone:
        return ""
    return f"{region}:\x00:{zone}"


def taint_exists(taints, key: str, effect: str) -> bool:
    return any(t.get("key") == key and t.get("effect") == effect for t in taints or ())


def pods_by_node(pod: dict) -> list[str]:
    node = (pod.get("spec") or {}).get("nodeName")
    return [node] if node else []


class TokenBucket:
    """``flowcontrol.NewTokenBucketRateLimiter`` on the virtual clock (starts full)."""

    def __init__(self, loop, qps: float, burst: int = 1):
        self.loop = loop
        self.qps = qps
        self.burst = burst
        self.tokens = float(burst)
        self.last = loop.now

    def try_accept(self) -> bool:
        now = self.loop.now
        self.tokens = min(float(self.burst), self.tokens + (now - self.last) * self.qps)
        self.last = now
        if self.tokens >= 1.0 - 1e-9:
            self.tokens -= 1.0
            return True
        return False


class NeverLimiter:
    """``flowcontrol.NewFakeNeverRateLimiter``: a zone that must not be tainted at all."""
    qps = 0.0

    def try_accept(self) -> bool:
        return False


class RateLimitedTimedQueue:
    """``scheduler.RateLimitedTimedQueue``: unique node names ordered by when to process them,
    drained through a rate limiter.  A processed name stays "seen" (not re-added) until
    :meth:`remove`."""

    def __init__(self, loop, qps: float):
        self.loop = loop
        self.limiter: TokenBucket | NeverLimiter = TokenBucket(loop, qps) if qps > 0 else NeverLimiter()
        self.items: list[list] = []        # [process_at, added_seq, name, uid]
        self.seen: set[str] = set()
        self._seq = 0

    def __len__(self) -> int:
        return len(self.items)

    def add(self, name: str, uid: str) -> bool:
        if name in self.seen:
            return False
        self._seq += 1
        self.items.append([self.loop.now, self._seq, name, uid])
        self.items.sort()
        self.seen.add(name)
        return True

    def remove(self, name: str) -> bool:
        if name not in self.seen:
            return False
        self.seen.discard(name)
        self.items = [i for i in self.items if i[2] != name]
        return True

    def swap_limiter(self, qps: float) -> None:
        if self.limiter.qps == qps:
            return
        if qps <= 0:
            new: TokenBucket | NeverLimiter = NeverLimiter()
        else:
            new = TokenBucket(self.loop, qps)
            if not self.limiter.try_accept():   # waiting on the old one: start the new one drained
                new.try_accept()
        self.limiter = new

    def try_(self, fn: Callable[[str, str], tuple[bool, float]]) -> None:
        """``Try``: process due names while the limiter lets them through."""
        while self.items:
            if not self.limiter.try_accept():
                break
            head = self.items[0]
            now = self.loop.now
            if now < head[0]:
                break
            ok, wait = fn(head[2], head[3])
            if not ok:
                head[0] = now + wait + 1e-9
                self.items.sort()
            else:
                self.items.pop(0)        # RemoveFromQueue: stays in ``seen``


class NodeHealth:
    """``nodeHealthData``: when the controller last heard from the node (its own clock).  ``seen``
    remembers the (node, lease, grace, Ready) of the last check, so that an unchanged node whose
    grace period has not run out costs one comparison."""
    __slots__ = ("probe", "ready_transition", "status", "lease", "seen")

    def __init__(self, probe: float, ready_transition: float, status: dict | None, lease: dict | None = None):
        self.probe = probe
        self.ready_transition = ready_transition
        self.status = status
        self.lease = lease
        self.seen: tuple | None = None


class NodeLifecycleController(Controller):
    name = "node-lifecycle"
    component = "node-controller"

    def __init__(self, client, informers, *, node_monitor_period: float = NODE_MONITOR_PERIOD,
                 node_monitor_grace_period: float = NODE_MONITOR_GRACE_PERIOD,
                 node_startup_grace_period: float = NODE_STARTUP_GRACE_PERIOD,
                 eviction_limiter_qps: float = EVICTION_LIMITER_QPS,
                 secondary_eviction_limiter_qps: float = SECONDARY_EVICTION_LIMITER_QPS,
                 large_cluster_threshold: int = LARGE_CLUSTER_THRESHOLD,
                 unhealthy_zone_threshold: float = UNHEALTHY_ZONE_THRESHOLD):
        super().__init__(client, informers)
        self.node_monitor_period = node_monitor_period
        self.node_monitor_grace_period = node_monitor_grace_period
        self.node_startup_grace_period = node_startup_grace_period
        self.eviction_limiter_qps = eviction_limiter_qps
        self.secondary_eviction_limiter_qps = secondary_eviction_limiter_qps
        self.large_cluster_threshold = large_cluster_threshold
        self.unhealthy_zone_threshold = unhealthy_zone_threshold
        self.apiserver = client.apiserver
        self.health: dict[str, NodeHealth] = {}
        self.known: dict[str, dict] = {}
        self.zone_states: dict[str, str] = {}
        self.tainters: dict[str, RateLimitedTimedQueue] = {}
        self.nodes_to_retry: set[str] = set()
        self._taint_timer = None
        self._renew_times: dict[str, float] = {}     # parsed Lease renewTimes (each is compared twice)
        self.pod_queue = WorkQueue(self.loop, self._process_pod_key, "node_lifecycle_controller_pods")

    # -- wiring -------------------------------------------------------------------------------
    def start(self) -> None:
        self.nodes = self.informers.informer("nodes")
        self.nodes.add_handlers(lambda n: self.enqueue(n["metadata"]["name"]),
                                lambda old, new: self.enqueue(new["metadata"]["name"]),
                                lambda n: self.nodes_to_retry.discard(n["metadata"]["name"]))
        self.leases = self.informers.informer("leases", "kube-node-lease")
        self.pods = self.informers.informer("pods")
        ensure_index(self.pods, INDEX_NODE, pods_by_node)
        self.pods.add_handlers(lambda p: self._pod_updated(None, p), self._pod_updated, None)
        self.loop.call_later(self.node_monitor_period, self._monitor_tick, background=True)

    def _monitor_tick(self) -> None:
        try:
            self.monitor_node_health()
        except errors.StatusError as e:     # "Error monitoring node health": try again next period
            self.errors.append(f"monitorNodeHealth: {e.message}")
        self.loop.call_later(self.node_monitor_period, self._monitor_tick, background=True)

    def _now_ts(self) -> str:
        return self.apiserver.timestamp()

    def _seconds(self, ts: str | None) -> float:
        """Virtual seconds of a ``metav1.Time``/``MicroTime`` string."""
        return rfc3339_seconds(ts) - self.apiserver.epoch if ts else 0.0

    def _node_ref(self, name: str, uid: str) -> dict:
        return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "uid": uid}}

    # -- NoSchedule tainting (doNoScheduleTaintingPass) ---------------------------------------
    def reconcile(self, name: str) -> None:
        node = self.nodes.get(name)
        if node is None:
            return
        want: list[tuple[str, str]] = []
        for c in (node.get("status") or {}).get("conditions") or ():
            key = CONDITION_TAINTS.get(c.get("type"), {}).get(c.get("status"))
            if key is not None:
                want.append((key, NO_SCHEDULE))
        if (node.get("spec") or {}).get("unschedulable"):
            want.append((UNSCHEDULABLE, NO_SCHEDULE))
        have = [(t.get("key"), t.get("effect")) for t in (node.get("spec") or {}).get("taints") or ()
                if t.get("effect") == NO_SCHEDULE
                and (t.get("key") == UNSCHEDULABLE or t.get("key") in CONDITION_TAINT_KEYS)]
        to_add = [{"key": k, "effect": e} for k, e in want if (k, e) not in have]
        to_del = [{"key": k, "effect": e} for k, e in have if (k, e) not in want]
        if not to_add and not to_del:
            return
        if not self.swap_node_controller_taint(to_add, to_del, node):
            raise errors.status("InternalError", f"failed to swap taints of node {name}")

    # -- taints on nodes (controller.AddOrUpdateTaintOnNode / RemoveTaintOffNode) --------------
    def swap_node_controller_taint(self, to_add: list[dict], to_del: list[dict], node: dict) -> bool:
        """``SwapNodeControllerTaint``: add (stamped ``timeAdded``), then remove; False on error."""
        now = self._now_ts()
        added = [{**t, "timeAdded": now} for t in to_add]
        try:
            self.add_or_update_taints(node["metadata"]["name"], added)
            self.remove_taints(node["metadata"]["name"], node, to_del)
        except errors.StatusError as e:
            self.errors.append(f"taints of {node['metadata']['name']}: {e.message}")
            return False
        return True

    def _write_taints(self, name: str, change: Callable[[list[dict]], list[dict] | None]) -> None:
        """The retry loop of the taint helpers: the informer's copy first, then fresh GETs."""
        for attempt in range(TAINT_UPDATE_STEPS):
            node = self.nodes.get(name) if attempt == 0 else None
            if node is None:
                node = self.client.get("nodes", name)
            old = list((node.get("spec") or {}).get("taints") or ())
            new = change(old)
            if new is None:
                return
            patch = {"metadata": {"resourceVersion": node["metadata"]["resourceVersion"]},
                     "spec": {"taints": new or None}}
            try:
                self.client.patch("nodes", name, patch, "application/strategic-merge-patch+json")
                return
            except errors.StatusError as e:
                if e.reason != "Conflict" or attempt == TAINT_UPDATE_STEPS - 1:
                    raise

    def add_or_update_taints(self, name: str, taints: list[dict]) -> None:
        if not taints:
            return

        def change(old: list[dict]) -> list[dict] | None:
            new, updated = [deep_copy(t) for t in old], False
            for taint in taints:
                for i, t in enumerate(new):
                    if t.get("key") == taint["key"] and t.get("effect") == taint["effect"]:
                        if t != taint:
                            new[i] = dict(taint)
                            updated = True
                        break
                else:
                    new.append(dict(taint))
                    updated = True
            return new if updated else None

        self._write_taints(name, change)

    def remove_taints(self, name: str, node: dict | None, taints: list[dict]) -> None:
        if not taints:
            return
        if node is not None and not any(taint_exists((node.get("spec") or {}).get("taints"), t["key"], t["effect"])
                                        for t in taints):
            return

        def change(old: list[dict]) -> list[dict] | None:
            new = [t for t in old if not any(t.get("key") == r["key"] and t.get("effect") == r["effect"]
                                             for r in taints)]
            return new if len(new) != len(old) else None

        self._write_taints(name, change)

    # -- pods ---------------------------------------------------------------------------------
    def _pod_updated(self, old: dict | None, new: dict) -> None:
        node = (new.get("spec") or {}).get("nodeName")
        if node and (old is None or (old.get("spec") or {}).get("nodeName") != node):
            self.pod_queue.add(f"{new['metadata'].get('namespace', '')}/{new['metadata']['name']}")

    def _process_pod_key(self, key: str) -> None:
        """``processPod``: a pod landing on a node that is not Ready is marked not ready."""
        pod = self.pods.get(key)
        if pod is None:
            return
        node_name = pod["spec"]["nodeName"]
        health = self.health.get(node_name)
        if health is None or self.nodes.get(node_name) is None:
            return
        ready = node_condition(health.status, "Ready")
        if ready is None or ready.get("status") == "True":
            return
        try:
            self.mark_pods_not_ready([pod], node_name)
        except errors.StatusError:
            self.pod_queue.add_rate_limited(key)
        else:
            self.pod_queue.forget(key)

    def mark_pods_not_ready(self, pods: list[dict], node_name: str) -> None:
        """``MarkPodsNotReady``: each pod's Ready condition goes False (a status update), with a
        ``NodeNotReady`` warning on the pod."""
        failed: list[errors.StatusError] = []
        for pod in pods:
            if (pod.get("spec") or {}).get("nodeName") != node_name:
                continue
            for i, cond in enumerate((pod.get("status") or {}).get("conditions") or ()):
                if cond.get("type") != "Ready":
                    continue
                if cond.get("status") == "False":
                    break                      # UpdatePodCondition: nothing changed
                body = deep_copy(pod)
                body["status"]["conditions"][i] = {**cond, "status": "False", "lastTransitionTime": self._now_ts()}
                try:
                    self.client.update_status("pods", body, pod["metadata"]["namespace"])
                except errors.StatusError as e:
                    if e.reason == "NotFound":
                        break
                    failed.append(e)
                self.recorder.event(pod, "Warning", "NodeNotReady", "Node is not ready")
                break
        if failed:
            raise failed[0]

    # -- health monitoring (monitorNodeHealth) ------------------------------------------------
    def monitor_node_health(self) -> None:
        nodes = self.nodes.list()
        names = {n["metadata"]["name"] for n in nodes}
        added = [n for n in nodes if n["metadata"]["name"] not in self.known]
        zone_reps = [n for n in nodes if n["metadata"]["name"] in self.known and zone_key(n) not in self.zone_states]
        deleted = [self.known[name] for name in sorted(self.known) if name not in names]
        for node in zone_reps:
            self._add_tainter_for_zone(node)
        for node in added:
            md = node["metadata"]
            self.recorder.event(self._node_ref(md["name"], md.get("uid", "")), "Normal", "RegisteredNode",
                                f"Registered Node {md['name']} in Controller")
            self.known[md["name"]] = node
            self._add_tainter_for_zone(node)
            self.mark_node_as_reachable(node)
        for node in deleted:
            md = node["metadata"]
            self.recorder.event(self._node_ref(md["name"], md.get("uid", "")), "Normal", "RemovingNode",
                                f"Removing Node {md['name']} from Controller")
            del self.known[md["name"]]
        zone_conditions: dict[str, list[dict | None]] = {}
        for node in nodes:
            self._update_node(node, zone_conditions)
        self.handle_disruption(zone_conditions, nodes)

    def _update_node(self, node: dict, zone_conditions: dict[str, list]) -> None:
        name = node["metadata"]["name"]
        for attempt in range(NODE_HEALTH_UPDATE_RETRY):
            try:
                _, observed, current = self.try_update_node_health(node)
                break
            except errors.StatusError:
                try:
                    node = self.client.get("nodes", name)
                except errors.StatusError:
                    return               # the node is gone: nothing to evict
        else:
            return                       # "Skipping - no pods will be evicted"
        if EXCLUDE_DISRUPTION not in (node["metadata"].get("labels") or {}):
            zone_conditions.setdefault(zone_key(node), []).append(current)
        if current is None:
            return
        self.process_taint_based_eviction(node, observed)
        was_ready = observed.get("status") == "True"
        if current.get("status") != "True" and was_ready:
            self.recorder.event(self._node_ref(name, node["metadata"].get("uid", "")), "Normal", "NodeNotReady",
                                f"Node {name} status is now: NodeNotReady")
        if (current.get("status") != "True" and was_ready) or (name in self.nodes_to_retry and not was_ready):
            try:
                self.mark_pods_not_ready(self.pods.by_index(INDEX_NODE, name), name)
            except errors.StatusError:
                self.nodes_to_retry.add(name)
                return
        self.nodes_to_retry.discard(name)

    def try_update_node_health(self, node: dict) -> tuple[float, dict, dict | None]:
        """``tryUpdateNodeHealth``: (grace period, Ready as observed, Ready as now stored)."""
        name = node["metadata"]["name"]
        now = self.loop.now
        health = self.health.get(name)
        seen = health.seen if health is not None else None
        if seen is not None and seen[0] is node and seen[1] is self.leases.get(seen[4]) and \
                not now > health.probe + seen[2]:
            return seen[2], seen[3], seen[3]     # nothing new, nothing due: as the full check would find
        out = self._try_update_node_health(node, name, now, health)
        grace, observed, current = out
        h = self.health[name]
        key = f"kube-node-lease/{name}"
        lease = self.leases.get(key)
        # a repeat of this check would change nothing only if it already holds this very lease
        h.seen = (node, lease, grace, current, key) if current is observed and h.lease is lease else None
        return out

    def _try_update_node_health(self, node: dict, name: str, now: float, health: NodeHealth | None):
        status = node.get("status") or {}
        current = node_condition(status, "Ready")
        if current is None:
            created_ts = node["metadata"].get("creationTimestamp")
            observed = {"type": "Ready", "status": "Unknown", "lastHeartbeatTime": created_ts,
                        "lastTransitionTime": created_ts}
            grace = self.node_startup_grace_period
            if health is not None:
                health.status = status
            else:
                created = self._seconds(created_ts)
                health = NodeHealth(created, created, status)
        else:
            observed = current
            grace = self.node_monitor_grace_period
        saved = node_condition(health.status, "Ready") if health is not None else None
        saved_lease = health.lease if health is not None else None
        if health is None or (saved is None and current is not None) or (saved is not None and current is None):
            health = NodeHealth(now, now, status)
        elif saved is not None and current is not None and \
                saved.get("lastHeartbeatTime") != current.get("lastHeartbeatTime"):
            transition = now if saved.get("lastTransitionTime") != current.get("lastTransitionTime") \
                else health.ready_transition
            health = NodeHealth(now, transition, status)
        lease = self.leases.get(f"kube-node-lease/{name}")
        if lease is not None and lease is not saved_lease and \
                (saved_lease is None or self._renewed_later(saved_lease, lease)):
            health.lease = lease
            health.probe = now
        self.health[name] = health
        if now > health.probe + grace:
            ts = self._now_ts()
            conds = [dict(c) for c in status.get("conditions") or ()]
            for type_ in UNKNOWN_CONDITIONS:
                c = next((c for c in conds if c.get("type") == type_), None)
                if c is None:
                    conds.append({"type": type_, "status": "Unknown",
                                  "lastHeartbeatTime": node["metadata"].get("creationTimestamp"),
                                  "lastTransitionTime": ts, "reason": "NodeStatusNeverUpdated",
                                  "message": "Kubelet never posted node status."})
                elif c.get("status") != "Unknown":
                    c.update({"status": "Unknown", "lastTransitionTime": ts, "reason": "NodeStatusUnknown",
                              "message": "Kubelet stopped posting node status."})
            new_ready = next(c for c in conds if c.get("type") == "Ready")
            if new_ready != observed:
                body = deep_copy(node)
                body.setdefault("status", {})["conditions"] = conds
                out = self.client.update_status("nodes", body)
                self.health[name] = NodeHealth(health.probe, now, out.get("status") or {}, lease)
                return grace, observed, node_condition(out, "Ready")
        return grace, observed, current

    def _renewed_later(self, saved: dict, lease: dict) -> bool:
        """``savedLease.Spec.RenewTime.Before(observedLease.Spec.RenewTime)``."""
        old, new = (saved.get("spec") or {}).get("renewTime"), (lease.get("spec") or {}).get("renewTime")
        if old == new or not new:
            return False
        if not old:
            return True
        times = self._renew_times
        if len(times) > 4096:
            times.clear()
        for ts in (old, new):
            if ts not in times:
                times[ts] = rfc3339_seconds(ts)
        return times[old] < times[new]

    # -- NoExecute tainting -------------------------------------------------------------------
    def process_taint_based_eviction(self, node: dict, observed: dict) -> None:
        status = observed.get("status")
        taints = (node.get("spec") or {}).get("taints")
        if status == "False":
            if taint_exists(taints, UNREACHABLE, NO_EXECUTE):
                self.swap_node_controller_taint([{"key": NOT_READY, "effect": NO_EXECUTE}],
                                                [{"key": UNREACHABLE, "effect": NO_EXECUTE}], node)
            else:
                self.mark_node_for_tainting(node, "False")
        elif status == "Unknown":
            if taint_exists(taints, NOT_READY, NO_EXECUTE):
                self.swap_node_controller_taint([{"key": UNREACHABLE, "effect": NO_EXECUTE}],
                                                [{"key": NOT_READY, "effect": NO_EXECUTE}], node)
            else:
                self.mark_node_for_tainting(node, "Unknown")
        elif status == "True":
            try:
                self.mark_node_as_reachable(node)
            except errors.StatusError as e:
                self.errors.append(f"taints of {node['metadata']['name']}: {e.message}")

    def _add_tainter_for_zone(self, node: dict) -> None:
        zone = zone_key(node)
        if zone not in self.zone_states:
            self.zone_states[zone] = STATE_INITIAL
            self.tainters[zone] = RateLimitedTimedQueue(self.loop, self.eviction_limiter_qps)

    def mark_node_for_tainting(self, node: dict, status: str) -> bool:
        tainter = self.tainters[zone_key(node)]
        name = node["metadata"]["name"]
        taints = (node.get("spec") or {}).get("taints")
        if status == "False" and not taint_exists(taints, NOT_READY, NO_EXECUTE):
            tainter.remove(name)
        if status == "Unknown" and not taint_exists(taints, UNREACHABLE, NO_EXECUTE):
            tainter.remove(name)
        added = tainter.add(name, node["metadata"].get("uid", ""))
        self._kick_tainting()
        return added

    def mark_node_as_reachable(self, node: dict) -> bool:
        name = node["metadata"]["name"]
        if (node.get("spec") or {}).get("taints"):
            self.remove_taints(name, node, [{"key": UNREACHABLE, "effect": NO_EXECUTE}])
            self.remove_taints(name, node, [{"key": NOT_READY, "effect": NO_EXECUTE}])
        tainter = self.tainters.get(zone_key(node))
        return tainter.remove(name) if tainter is not None else False

    def _kick_tainting(self) -> None:
        if self._taint_timer is None or self._taint_timer.cancelled:
            self._taint_timer = self.loop.call_later(NODE_EVICTION_PERIOD, self._tainting_pass, background=True)

    def _tainting_pass(self) -> None:
        """``doNoExecuteTaintingPass``: runs every 100 ms while some zone has nodes waiting."""
        self._taint_timer = None
        for zone in sorted(self.tainters):
            self.tainters[zone].try_(self._taint_one)
        if any(len(q) and not isinstance(q.limiter, NeverLimiter) for q in self.tainters.values()):
            self._kick_tainting()

    def _taint_one(self, name: str, uid: str) -> tuple[bool, float]:
        node = self.nodes.get(name)
        if node is None:
            return True, 0.0                      # "Node no longer present in nodeLister"
        cond = node_condition(node, "Ready")
        if cond is None:
            return False, 0.05
        if cond.get("status") == "False":
            add, opposite = NOT_READY, UNREACHABLE
        elif cond.get("status") == "Unknown":
            add, opposite = UNREACHABLE, NOT_READY
        else:
            return True, 0.0                      # Ready again: nothing to taint
        ok = self.swap_node_controller_taint([{"key": add, "effect": NO_EXECUTE}],
                                             [{"key": opposite, "effect": NO_EXECUTE}], node)
        return ok, 0.0

    # -- zones (handleDisruption) -------------------------------------------------------------
    def compute_zone_state(self, conditions: list[dict | None]) -> tuple[int, str]:
        ready = sum(1 for c in conditions if c is not None and c.get("status") == "True")
        not_ready = len(conditions) - ready
        if ready == 0 and not_ready > 0:
            return not_ready, STATE_FULL
        if not_ready > 2 and not_ready / (not_ready + ready) >= self.unhealthy_zone_threshold:
            return not_ready, STATE_PARTIAL
        return not_ready, STATE_NORMAL

    def _set_limiter_in_zone(self, zone: str, size: int, state: str) -> None:
        tainter = self.tainters[zone]
        if state == STATE_NORMAL or state == STATE_FULL:
            tainter.swap_limiter(self.eviction_limiter_qps)
        elif state == STATE_PARTIAL:
            tainter.swap_limiter(self.secondary_eviction_limiter_qps if size > self.large_cluster_threshold else 0.0)
        self._kick_tainting()

    def handle_disruption(self, zone_conditions: dict[str, list], nodes: list[dict]) -> None:
        new_states: dict[str, str] = {}
        all_are_full = True
        for zone in sorted(zone_conditions):
            _, state = self.compute_zone_state(zone_conditions[zone])
            if state != STATE_FULL:
                all_are_full = False
            new_states[zone] = state
            self.zone_states.setdefault(zone, STATE_INITIAL)
        all_were_full = True
        for zone in sorted(self.zone_states):
            if zone not in zone_conditions:
                del self.zone_states[zone]
                continue
            if self.zone_states[zone] != STATE_FULL:
                all_were_full = False
                break
        if all_are_full and all_were_full:
            return
        if all_are_full:          # master disruption mode: every zone is down, stop evicting
            for node in nodes:
                try:
                    self.mark_node_as_reachable(node)
                except errors.StatusError as e:
                    self.errors.append(f"taints of {node['metadata']['name']}: {e.message}")
            for zone in sorted(self.zone_states):
                self.tainters[zone].swap_limiter(0.0)
                self.zone_states[zone] = STATE_FULL
            return
        if all_were_full:         # leaving it: everyone gets a fresh grace period
            now = self.loop.now
            for node in nodes:
                h = self.health.get(node["metadata"]["name"])
                if h is not None:
                    h.probe = now
                    h.ready_transition = now
            for zone in sorted(self.zone_states):
                self._set_limiter_in_zone(zone, len(zone_conditions.get(zone, ())), new_states.get(zone, STATE_NORMAL))
                self.zone_states[zone] = new_states.get(zone, STATE_NORMAL)
            return
        for zone in sorted(self.zone_states):
            state = new_states.get(zone)
            if state is None or self.zone_states[zone] == state:
                continue
            self._set_limiter_in_zone(zone, len(zone_conditions[zone]), state)
            self.zone_states[zone] = state
