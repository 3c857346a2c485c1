"""The scheduling queue (``pkg/scheduler/backend/queue/scheduling_queue.go``), v1.32 with
queueing hints on (their default since v1.32).

Three places a pending pod can wait:

* **activeQ** — a heap ordered by the QueueSort plugin (PrioritySort: higher ``spec.priority``
  first, then the earlier queue timestamp); the scheduler pops from here.
* **backoffQ** — pods that failed and are serving their back-off: ``podInitialBackoffSeconds``
  (1 s) doubled per attempt up to ``podMaxBackoffSeconds`` (10 s), counted from the last failure.
  A flush every second (``flushBackoffQCompleted``) moves the finished ones to activeQ.
* **unschedulablePods** — pods no node could take.  A cluster event (node added, pod deleted …)
  moves a pod out only if a plugin that rejected it says the event may help (its *queueing hint*);
  it then goes to backoffQ while still backing off, else to activeQ.  Every 30 s pods that have
  waited longer than 5 minutes are moved anyway (``flushUnschedulablePodsLeftover``).

The queue also keeps the *nominator*: pods nominated to a node by preemption, which later
filters must leave room for.  The flush tickers run on the virtual clock, aligned to the moment
the scheduler started, as ``wait.Until`` runs them.
"""
from __future__ import annotations

import heapq
import math
from typing import TYPE_CHECKING, Callable

from .framework import (ASSIGNED_POD_ADD, QUEUE_SKIP, UNSCHEDULABLE_TIMEOUT, ClusterEvent, pod_update_events)
from .podinfo import PodInfo

if TYPE_CHECKING:  # pragma: no cover
    from ...sim import Loop, Timer

ACTIVE_Q, BACKOFF_Q, UNSCHEDULABLE_PODS = "Active", "Backoff", "Unschedulable"
DEFAULT_POD_INITIAL_BACKOFF = 1.0
DEFAULT_POD_MAX_BACKOFF = 10.0
DEFAULT_POD_MAX_IN_UNSCHEDULABLE = 300.0
BACKOFF_FLUSH_PERIOD = 1.0
UNSCHEDULABLE_FLUSH_PERIOD = 30.0


class QueuedPodInfo:
    """``framework.QueuedPodInfo``: a pod waiting in the queue and its scheduling history."""

    __slots__ = ("pod_info", "timestamp", "attempts", "initial_attempt_timestamp", "unschedulable_plugins",
                 "pending_plugins", "gated", "seq")

    def __init__(self, pod_info: PodInfo, now: float, seq: int):
        self.pod_info = pod_info
        self.timestamp = now
        self.attempts = 0
        self.initial_attempt_timestamp: float | None = None
        self.unschedulable_plugins: set[str] = set()
        self.pending_plugins: set[str] = set()
        self.gated = False
        self.seq = seq

    @property
    def pod(self) -> dict:
        return self.pod_info.pod

    @property
    def key(self) -> str:
        return self.pod_info.key

    def __repr__(self) -> str:
        return f"<QueuedPodInfo {self.key} attempts={self.attempts} t={self.timestamp:g}>"


class SchedulingQueue:
    """``PriorityQueue``."""

    def __init__(self, loop: "Loop", hints: Callable[[str], list], pre_enqueue: Callable[[str], list],
                 on_active: Callable[[], None], initial_backoff: float = DEFAULT_POD_INITIAL_BACKOFF,
                 max_backoff: float = DEFAULT_POD_MAX_BACKOFF,
                 max_in_unschedulable: float = DEFAULT_POD_MAX_IN_UNSCHEDULABLE,
                 less_key: Callable[[QueuedPodInfo], tuple] | None = None):
        self.loop = loop
        self.start = loop.now
        self._hints = hints                  # scheduler name → [(ClusterEvent, plugin, hint_fn)]
        self._pre_enqueue = pre_enqueue      # scheduler name → [PreEnqueue plugins]
        self._on_active = on_active
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.max_in_unschedulable = max_in_unschedulable
        self._less_key = less_key or (lambda q: (-q.pod_info.priority, q.timestamp, q.seq))
        self._active: list[tuple] = []       # heap of (sort key, seq, QueuedPodInfo)
        self._active_keys: dict[str, QueuedPodInfo] = {}
        self._backoff: dict[str, QueuedPodInfo] = {}
        self.unschedulable: dict[str, QueuedPodInfo] = {}
        self._seq = 0
        self.scheduling_cycle = 0
        self.move_request_cycle = -1
        self._backoff_timer: "Timer | None" = None
        self._leftover_timer: "Timer | None" = None
        self.in_flight: dict[str, QueuedPodInfo] = {}
        # nominator: node name → {pod key: PodInfo}
        self.nominated: dict[str, dict[str, PodInfo]] = {}
        self._nominated_node: dict[str, str] = {}

    # -- helpers -----------------------------------------------------------------------------------
    def _new(self, pi: PodInfo) -> QueuedPodInfo:
        self._seq += 1
        return QueuedPodInfo(pi, self.loop.now, self._seq)

    def backoff_duration(self, q: QueuedPodInfo) -> float:
        """``calculateBackoffDuration``: initial × 2^(attempts-1), at most the maximum."""
        d = self.initial_backoff
        for _ in range(1, q.attempts):
            if d > self.max_backoff - d:
                return self.max_backoff
            d += d
        return d

    def backoff_time(self, q: QueuedPodInfo) -> float:
        return q.timestamp + self.backoff_duration(q)

    def is_backing_off(self, q: QueuedPodInfo) -> bool:
        return not q.gated and self.backoff_time(q) > self.loop.now

    def __contains__(self, key: str) -> bool:
        return key in self._active_keys or key in self._backoff or key in self.unschedulable

    def __len__(self) -> int:
        return len(self._active_keys) + len(self._backoff) + len(self.unschedulable)

    def where(self, key: str) -> str | None:
        if key in self._active_keys:
            return ACTIVE_Q
        if key in self._backoff:
            return BACKOFF_Q
        if key in self.unschedulable:
            return UNSCHEDULABLE_PODS
        return None

    # -- activeQ -----------------------------------------------------------------------------------
    def _push_active(self, q: QueuedPodInfo) -> None:
        old = self._active_keys.get(q.key)
        self._active_keys[q.key] = q
        if old is not q:
            heapq.heappush(self._active, (self._less_key(q), q.seq, q))
        self._on_active()

    def _run_pre_enqueue(self, q: QueuedPodInfo) -> bool:
        for pl in self._pre_enqueue(q.pod_info.scheduler_name):
            st = pl.pre_enqueue(q.pod_info)
            if st is not None and not st.is_success():
                q.unschedulable_plugins.add(pl.name)
                return False
        return True

    def _move_to_active(self, q: QueuedPodInfo, event: str) -> bool:
        """``moveToActiveQ``: gated pods (a PreEnqueue plugin said no) wait in unschedulablePods."""
        q.gated = not self._run_pre_enqueue(q)
        if q.gated:
            if q.key not in self._active_keys and q.key not in self._backoff:
                self.unschedulable[q.key] = q
            return False
        if q.initial_attempt_timestamp is None:
            q.initial_attempt_timestamp = self.loop.now
        self.unschedulable.pop(q.key, None)
        self._backoff.pop(q.key, None)
        self._push_active(q)
        if event in ("PodAdd", "PodUpdate"):
            self.add_nominated_pod(q.pod_info, None)
        return True

    def add(self, pi: PodInfo) -> None:
        """A new pending pod (``Add``)."""
        self._move_to_active(self._new(pi), "PodAdd")

    def pop(self) -> QueuedPodInfo | None:
        """The head of activeQ; counts a scheduling cycle and an attempt."""
        while self._active:
            _, _, q = heapq.heappop(self._active)
            if self._active_keys.get(q.key) is q:
                del self._active_keys[q.key]
                q.attempts += 1
                self.scheduling_cycle += 1
                # the pod's previous rejectors no longer apply to this new attempt
                q.unschedulable_plugins = set()
                q.pending_plugins = set()
                self.in_flight[q.key] = q
                return q
        return None

    def done(self, key: str) -> None:
        self.in_flight.pop(key, None)

    def has_active(self) -> bool:
        return bool(self._active_keys)

    # -- failures ----------------------------------------------------------------------------------
    def add_unschedulable(self, q: QueuedPodInfo, pod_scheduling_cycle: int) -> str:
        """``AddUnschedulableIfNotPresent`` with queueing hints: a pod rejected by plugins waits in
        unschedulablePods; one that failed for another reason (no rejector) goes to backoffQ."""
        self.done(q.key)
        if q.key in self:
            return ""
        q.timestamp = self.loop.now
        if not (q.unschedulable_plugins or q.pending_plugins) or self.move_request_cycle >= pod_scheduling_cycle:
            strategy = "backoff"
        else:
            strategy = "skip"
        return self._requeue(q, strategy, "ScheduleAttemptFailure")

    def _requeue(self, q: QueuedPodInfo, strategy: str, event: str) -> str:
        """``requeuePodViaQueueingHint``."""
        if strategy == "skip":
            self.unschedulable[q.key] = q
            self._arm_leftover_flush()
            return UNSCHEDULABLE_PODS
        if strategy == "backoff" and self.is_backing_off(q):
            self.unschedulable.pop(q.key, None)
            self._backoff[q.key] = q
            self._arm_backoff_flush()
            return BACKOFF_Q
        if self._move_to_active(q, event):
            return ACTIVE_Q
        self._arm_leftover_flush()
        return UNSCHEDULABLE_PODS

    # -- events ------------------------------------------------------------------------------------
    def _worth_requeuing(self, q: QueuedPodInfo, event: ClusterEvent, old, new) -> str:
        """``isPodWorthRequeuing``: "immediate", "backoff" or "skip"."""
        rejectors = q.unschedulable_plugins | q.pending_plugins
        if not rejectors or event.is_wildcard():
            return "backoff"
        strategy = "skip"
        for registered, plugin, hint in self._hints(q.pod_info.scheduler_name):
            if plugin not in rejectors or not registered.match(event):
                continue
            result = hint(q.pod_info, old, new) if hint is not None else "Queue"
            if result == QUEUE_SKIP:
                continue
            if plugin in q.pending_plugins:
                return "immediate"
            if not q.pending_plugins:
                return "backoff"
            strategy = "backoff"
        return strategy

    def move_all(self, event: ClusterEvent, old=None, new=None, pods: list[QueuedPodInfo] | None = None) -> None:
        """``MoveAllToActiveOrBackoffQueue`` (or the given unschedulable pods only)."""
        candidates = list(self.unschedulable.values()) if pods is None else pods
        for q in candidates:
            if q.gated and "SchedulingGates" in q.unschedulable_plugins:
                continue
            strategy = self._worth_requeuing(q, event, old, new)
            if strategy == "skip":
                continue
            self.unschedulable.pop(q.key, None)
            self._requeue(q, strategy, event.label)
        self.move_request_cycle = self.scheduling_cycle

    def assigned_pod_added(self, pi: PodInfo, ns_labels: Callable[[str], dict]) -> None:
        """``AssignedPodAdded``: only pods with a cross-topology term that may now be satisfied."""
        self.move_all(ASSIGNED_POD_ADD, None, pi.pod, self._with_cross_topology_term(pi, ns_labels))

    def assigned_pod_updated(self, old: dict, new_pi: PodInfo, event: ClusterEvent,
                             ns_labels: Callable[[str], dict]) -> None:
        from .framework import UPDATE_POD_SCALE_DOWN
        if event.action & UPDATE_POD_SCALE_DOWN:
            self.move_all(event, old, new_pi.pod)
        else:
            self.move_all(event, old, new_pi.pod, self._with_cross_topology_term(new_pi, ns_labels))

    def _with_cross_topology_term(self, pi: PodInfo, ns_labels: Callable[[str], dict]) -> list[QueuedPodInfo]:
        """``getUnschedulablePodsWithCrossTopologyTerm``."""
        labels = ns_labels(pi.namespace)
        out = []
        for q in self.unschedulable.values():
            if "PodTopologySpread" in q.unschedulable_plugins and q.pod_info.namespace == pi.namespace:
                out.append(q)
                continue
            for term in q.pod_info.required_affinity:
                if term.matches(pi.namespace, pi.labels, labels):
                    out.append(q)
                    break
        return out

    def activate(self, keys: list[str]) -> None:
        for key in keys:
            q = self.unschedulable.get(key) or self._backoff.get(key)
            if q is not None:
                self._move_to_active(q, "ForceActivate")

    # -- pod updates and deletes ---------------------------------------------------------------------
    def update(self, old: dict | None, new_pi: PodInfo) -> None:
        """``Update``: refresh a queued pod; an update may make an unschedulable pod schedulable."""
        key = new_pi.key
        if key in self.in_flight:
            self.in_flight[key].pod_info = new_pi
            return
        q = self._active_keys.get(key)
        if q is not None:
            q.pod_info = new_pi
            self._update_nominated(new_pi)
            return
        q = self._backoff.get(key)
        if q is not None:
            q.pod_info = new_pi
            self._update_nominated(new_pi)
            return
        q = self.unschedulable.get(key)
        if q is not None:
            q.pod_info = new_pi
            self._update_nominated(new_pi)
            for ev in pod_update_events(old, new_pi.pod) if old is not None else ():
                strategy = self._worth_requeuing(q, ev, old, new_pi.pod)
                if strategy == "skip":
                    continue
                self.unschedulable.pop(key, None)
                where = self._requeue(q, strategy, "UnscheduledPodUpdate")
                if where == ACTIVE_Q:
                    break
            return
        self._move_to_active(self._new(new_pi), "PodUpdate")

    def delete(self, key: str) -> None:
        self.delete_nominated_pod(key)
        if self._active_keys.pop(key, None) is None:
            self._backoff.pop(key, None)
            self.unschedulable.pop(key, None)

    # -- flushes -------------------------------------------------------------------------------------
    def _next_tick(self, when: float, period: float) -> float:
        """The first tick of a ``wait.Until(period)`` loop started at ``self.start`` at or after
        ``when``."""
        k = math.ceil((when - self.start) / period - 1e-9)
        return self.start + max(k, 0) * period

    def _arm_backoff_flush(self) -> None:
        if not self._backoff:
            return
        due = min(self.backoff_time(q) for q in self._backoff.values())
        when = self._next_tick(max(due, self.loop.now), BACKOFF_FLUSH_PERIOD)
        t = self._backoff_timer
        if t is not None and not t.cancelled:
            if t.when <= when:
                return
            t.cancel()
        self._backoff_timer = self.loop.call_at(when, self._flush_backoff)

    def _flush_backoff(self) -> None:
        """``flushBackoffQCompleted``: back-off over → activeQ (in back-off-expiry order)."""
        self._backoff_timer = None
        ready = sorted((q for q in self._backoff.values() if not self.is_backing_off(q)),
                       key=lambda q: (self.backoff_time(q), q.seq))
        for q in ready:
            self._backoff.pop(q.key, None)
            self._move_to_active(q, "BackoffComplete")
        self._arm_backoff_flush()

    def _arm_leftover_flush(self) -> None:
        if self._leftover_timer is not None and not self._leftover_timer.cancelled:
            return
        if not self.unschedulable:
            return
        k = math.floor((self.loop.now - self.start) / UNSCHEDULABLE_FLUSH_PERIOD + 1e-9) + 1
        when = self.start + k * UNSCHEDULABLE_FLUSH_PERIOD
        self._leftover_timer = self.loop.call_at(when, self._flush_leftover, background=True)

    def _flush_leftover(self) -> None:
        """``flushUnschedulablePodsLeftover``: pods unschedulable for longer than 5 minutes."""
        self._leftover_timer = None
        now = self.loop.now
        stale = [q for q in self.unschedulable.values() if now - q.timestamp > self.max_in_unschedulable]
        if stale:
            self.move_all(UNSCHEDULABLE_TIMEOUT, None, None, stale)
        self._arm_leftover_flush()

    # -- nominator -------------------------------------------------------------------------------------
    def add_nominated_pod(self, pi: PodInfo, node: str | None) -> None:
        """``AddNominatedPod``: ``node`` None means "as the pod's status says"."""
        self.delete_nominated_pod(pi.key)
        node_name = node if node is not None else ((pi.pod.get("status") or {}).get("nominatedNodeName") or "")
        if not node_name or pi.node_name:
            return
        self._nominated_node[pi.key] = node_name
        self.nominated.setdefault(node_name, {})[pi.key] = pi

    def delete_nominated_pod(self, key: str) -> None:
        node = self._nominated_node.pop(key, None)
        if node is not None:
            pods = self.nominated.get(node)
            if pods is not None:
                pods.pop(key, None)
                if not pods:
                    del self.nominated[node]

    def _update_nominated(self, pi: PodInfo) -> None:
        """``UpdateNominatedPod``: keep an existing nomination unless the status names a new one."""
        nnn = (pi.pod.get("status") or {}).get("nominatedNodeName") or ""
        current = self._nominated_node.get(pi.key)
        if current is None and not nnn:
            return
        self.add_nominated_pod(pi, nnn or current)

    def nominated_pods_for_node(self, node: str) -> list[PodInfo]:
        return list(self.nominated.get(node, {}).values())

    def nominated_node_of(self, key: str) -> str | None:
        return self._nominated_node.get(key)

    # -- inspection ------------------------------------------------------------------------------------
    def pending_pods(self) -> tuple[list[dict], str]:
        """``PendingPods``: every queued pod and a summary line."""
        pods = ([q.pod for _, _, q in sorted(self._active) if self._active_keys.get(q.key) is q]
                + [q.pod for q in self._backoff.values()] + [q.pod for q in self.unschedulable.values()])
        summary = (f"activeQ:{len(self._active_keys)}; backoffQ:{len(self._backoff)}; "
                   f"unschedulablePods:{len(self.unschedulable)}")
        return pods, summary

    def info(self, key: str) -> QueuedPodInfo | None:
        return self._active_keys.get(key) or self._backoff.get(key) or self.unschedulable.get(key) \
            or self.in_flight.get(key)
