"""kube-scheduler (``pkg/scheduler``: scheduler.go, schedule_one.go, eventhandlers.go).

The component watches, through informers, the pods not yet bound to a node (and whose
``spec.schedulerName`` is one of its profiles), the pods already bound (to know what each node
carries), nodes, and the objects plugins consult (namespaces, Services, ReplicaSets,
StatefulSets, ReplicationControllers, PVCs, PVs, StorageClasses, PodDisruptionBudgets).

One scheduling cycle takes the head of the scheduling queue and

1. runs PreFilter, then the Filter plugins over the nodes — starting where the previous cycle
   stopped and stopping once ``percentageOfNodesToScore`` of them (adaptive: ``50 − nodes/125`` %,
   at least 5 % and at least 100 nodes) are feasible;
2. if none is feasible, runs PostFilter (preemption) and reports ``FailedScheduling`` with
   upstream's message and a ``PodScheduled=False`` condition (reason ``Unschedulable``);
3. otherwise scores the feasible nodes (Score → NormalizeScore → × weight), picks the highest
   total (ties broken at random, from the seeded stream), assumes the pod on that node in its
   cache, and binds it through ``pods/binding`` — event ``Scheduled``
   ``Successfully assigned <ns>/<pod> to <node>``.

Scheduling takes no virtual time (upstream needs a few milliseconds); each cycle runs as its own
step on the event loop, so watch events arriving at the same instant interleave as they would.
Every attempt is recorded for :meth:`Scheduler.explain`.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

from ...api import errors
from ...client import Client, InformerFactory, SeriesEventRecorder
from .cache import Cache
from .config import DEFAULT_SCHEDULER_NAME, SchedulerConfiguration
from .explain import Explanation, SchedulingAttempt
from .framework import (ASSIGNED_POD_DELETE, ERROR, NODE_ADD, NODE_DELETE, SKIP, UNSCHEDULABLE,
                        UNSCHEDULABLE_AND_UNRESOLVABLE, CycleState, Diagnosis, FitError, NodeToStatus,
                        PreFilterResult, Profile, Status, node_update_events, pod_update_events)
from .podinfo import PodInfo, pod_key
from .queue import SchedulingQueue
from .util import _UNSET, patch_pod_status

MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5
NOTE_LENGTH_LIMIT = 1024
ERR_NO_NODES_AVAILABLE = "no nodes available to schedule pods"
NON_TERMINAL_PODS = "status.phase!=Succeeded,status.phase!=Failed"
POLL_INTERVAL = 1.0


def truncate_message(message: str) -> str:
    if len(message) <= NOTE_LENGTH_LIMIT:
        return message
    return message[:NOTE_LENGTH_LIMIT - 4] + " ..."


def num_feasible_nodes_to_find(percentage: int, num_all_nodes: int) -> int:
    """``numFeasibleNodesToFind``: how many feasible nodes are enough to stop filtering."""
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    if percentage == 0:
        percentage = 50 - num_all_nodes // 125
        if percentage < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND:
            percentage = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND
    n = num_all_nodes * percentage // 100
    return max(n, MIN_FEASIBLE_NODES_TO_FIND)


class _Waiting:
    """A binding cycle parked in PreBind until its volumes are bound."""

    __slots__ = ("profile", "state", "q", "assumed", "host", "attempt", "checks", "started", "poll", "timeout")

    def __init__(self, profile, state, q, assumed, host, attempt, checks, started):
        self.profile, self.state, self.q, self.assumed, self.host = profile, state, q, assumed, host
        self.attempt, self.checks, self.started = attempt, checks, started
        self.poll = None
        self.timeout = None


class _Memo:
    """Remembered filter verdicts for one pod shape (see :meth:`Scheduler._verdicts`)."""

    __slots__ = ("static_gen", "n", "seq", "first", "code", "ok", "tables", "index")

    def __init__(self, static_gen, n, seq, first, code, ok, tables):
        self.static_gen, self.n, self.seq, self.first, self.code, self.tables = static_gen, n, seq, first, code, tables
        self.ok = ok
        self.index = [{st: i + 1 for i, st in enumerate(t)} for t in tables]

    def code_for(self, j: int, st: Status) -> int:
        c = self.index[j].get(st)
        if c is None:
            self.tables[j].append(st)
            c = self.index[j][st] = len(self.tables[j])
        return c


class Scheduler:
    """kube-scheduler.  ``Scheduler(Client(apiserver, "kube-scheduler"), rng).start()``.

    ``config`` is a ``KubeSchedulerConfiguration`` as a dict (see :mod:`.config`); ``rng`` a
    seeded ``random.Random`` for tie-breaks and preemption's random offset."""

    component = DEFAULT_SCHEDULER_NAME

    def __init__(self, client: Client, rng, config: dict | None = None, *, explain_pods: int = 256,
                 explain_attempts: int = 3, host: str = ""):
        self.client = client
        self.loop = client.loop
        self.rng = rng
        # upstream records through events.k8s.io: eventTime, action, series (no spam filter)
        self.recorder = SeriesEventRecorder(client, DEFAULT_SCHEDULER_NAME,
                                            f"{DEFAULT_SCHEDULER_NAME}-{host or 'kind-control-plane'}")
        self.informers = InformerFactory(client)
        self.cache = Cache()
        self.explain_pods = explain_pods
        self.explain_attempts = explain_attempts
        self._attempts: OrderedDict[str, list[SchedulingAttempt]] = OrderedDict()
        self._waiting: dict[str, _Waiting] = {}
        self._memo: dict[tuple, _Memo] = {}
        self.validate_scores = False     # upstream checks every normalised score is in 0..100 (tests turn it on)
        self._kicked = False
        self.next_start_node_index = 0
        self.started = False
        self.stopped = False
        self.scheduled_count = 0
        self.attempt_count = 0
        self._configure(config)

    # -- configuration -------------------------------------------------------------------------
    def _configure(self, config: dict | None) -> None:
        self.config = SchedulerConfiguration(config)
        self.profiles: dict[str, Profile] = self.config.build_profiles(self)
        self._hint_map = {name: [(ev, pl.name, fn) for pl in p.plugins for ev, fn in pl.events_to_register()]
                          for name, p in self.profiles.items()}
        old = getattr(self, "queue", None)
        self.queue = SchedulingQueue(
            self.loop, hints=lambda name: self._hint_map.get(name, ()),
            pre_enqueue=lambda name: self.profiles[name].pre_enqueue if name in self.profiles else (),
            on_active=self._kick, initial_backoff=self.config.pod_initial_backoff_seconds,
            max_backoff=self.config.pod_max_backoff_seconds, less_key=self._less_key)
        if old is not None:
            for pod in old.pending_pods()[0]:
                pi = PodInfo(pod)
                if pi.scheduler_name in self.profiles:
                    self.queue.add(pi)

    def _less_key(self, q):
        profile = self.profiles.get(q.pod_info.scheduler_name)
        if profile is not None and profile.queue_sort:
            return profile.queue_sort[0].sort_key(q)
        return (q.timestamp, q.seq)

    def reconfigure(self, config: dict | None) -> None:
        """Restart with a new ``KubeSchedulerConfiguration`` (pending pods stay queued)."""
        self._memo.clear()
        self._configure(config)

    @property
    def profile(self) -> Profile:
        return next(iter(self.profiles.values()))

    # -- handle for plugins -----------------------------------------------------------------------------
    def informer(self, resource: str):
        return self._informers.get(resource) if self.started else None

    def namespace_labels(self, ns: str) -> dict:
        obj = self._informers["namespaces"].get(ns) if self.started else None
        return ((obj or {}).get("metadata") or {}).get("labels") or {}

    def pod(self, key: str) -> dict | None:
        return self._informers["pods"].get(key)

    def clear_nominated_node_name(self, pod: dict) -> None:
        """``ClearNominatedNodeName``."""
        latest = self.pod(pod_key(pod)) or pod
        if not (latest.get("status") or {}).get("nominatedNodeName"):
            return
        try:
            patch_pod_status(self.client, latest, (), None)
        except errors.StatusError:
            pass

    # -- start: informers and event handlers ----------------------------------------------------------
    def start(self) -> "Scheduler":
        if self.started:
            return self
        f = self.informers
        self._informers = {
            "pods": f.informer("pods", field_selector=NON_TERMINAL_PODS),
            "nodes": f.informer("nodes"),
            "namespaces": f.informer("namespaces"),
            "services": f.informer("services"),
            "replicationcontrollers": f.informer("replicationcontrollers"),
            "replicasets": f.informer("replicasets"),
            "statefulsets": f.informer("statefulsets"),
            "persistentvolumeclaims": f.informer("persistentvolumeclaims"),
            "persistentvolumes": f.informer("persistentvolumes"),
            "storageclasses": f.informer("storageclasses"),
            "poddisruptionbudgets": f.informer("poddisruptionbudgets"),
        }
        self._informers["services"].add_indexer("namespace", lambda o: [o["metadata"].get("namespace", "")])
        self._informers["nodes"].add_handlers(self._on_node_add, self._on_node_update, self._on_node_delete)
        self._informers["pods"].add_handlers(self._on_pod_add, self._on_pod_update, self._on_pod_delete)
        for res, resource_name in (("persistentvolumeclaims", "PersistentVolumeClaim"),
                                   ("persistentvolumes", "PersistentVolume"), ("storageclasses", "StorageClass")):
            self._informers[res].add_handlers(self._storage_handler(resource_name, True),
                                              self._storage_handler(resource_name, False), None)
        self.started = True
        self.queue.start = self.loop.now
        f.start()
        return self

    def stop(self) -> None:
        """Stop scheduling (as if kube-scheduler were shut down): watches end and pending pods
        stay Pending.  :meth:`start` does not resume a stopped scheduler; build a new one."""
        self.stopped = True
        for inf in self._informers.values() if self.started else ():
            inf.stop()

    def _responsible(self, pod: dict) -> bool:
        return ((pod.get("spec") or {}).get("schedulerName") or DEFAULT_SCHEDULER_NAME) in self.profiles

    @staticmethod
    def _assigned(pod: dict) -> bool:
        return bool((pod.get("spec") or {}).get("nodeName"))

    def _on_node_add(self, node: dict) -> None:
        self.cache.add_node(node)
        self.queue.move_all(NODE_ADD, None, node)

    def _on_node_update(self, old: dict, new: dict) -> None:
        self.cache.update_node(old, new)
        if self.queue.unschedulable:
            for ev in node_update_events(old, new):
                self.queue.move_all(ev, old, new)

    def _on_node_delete(self, node: dict) -> None:
        self.cache.remove_node(node)
        self.queue.move_all(NODE_DELETE, node, None)

    def _on_pod_add(self, pod: dict) -> None:
        if self._assigned(pod):
            pi = self.cache.add_pod(pod)
            if self.queue.unschedulable:
                self.queue.assigned_pod_added(pi, self.namespace_labels)
        elif self._responsible(pod):
            self.queue.add(PodInfo(pod))

    def _on_pod_update(self, old: dict, new: dict) -> None:
        if self._assigned(new):
            key = pod_key(new)
            if not self._assigned(old):
                self.queue.delete(key)          # left the unassigned informer's filter
                self._cancel_waiting(key, deleted=False)
                pi = self.cache.add_pod(new)
                if self.queue.unschedulable:
                    self.queue.assigned_pod_added(pi, self.namespace_labels)
                return
            pi = self.cache.pod_states.get(key)
            if (pi is not None and old.get("spec") == new.get("spec")
                    and old["metadata"].get("labels") == new["metadata"].get("labels")
                    and old["metadata"].get("deletionTimestamp") == new["metadata"].get("deletionTimestamp")):
                pi.pod = new                    # a status-only change: nothing the scheduler counts moved
                return
            pi = self.cache.update_pod(old, new)
            if self.queue.unschedulable:
                for ev in pod_update_events(old, new):
                    self.queue.assigned_pod_updated(old, pi, ev, self.namespace_labels)
        elif self._responsible(new):
            if self.cache.is_assumed(pod_key(new)):
                return
            self.queue.update(old, PodInfo(new))

    def _on_pod_delete(self, pod: dict) -> None:
        key = pod_key(pod)
        if self._assigned(pod):
            self.cache.remove_pod(pod)
            self.queue.move_all(ASSIGNED_POD_DELETE, pod, None)
        else:
            self.queue.delete(key)
            if self._cancel_waiting(key, deleted=True):
                self.queue.move_all(ASSIGNED_POD_DELETE, pod, None)

    def _storage_handler(self, resource: str, added: bool):
        from .framework import ADD, UPDATE, ClusterEvent

        def on_add(obj):
            self.queue.move_all(ClusterEvent(resource, ADD, f"{resource}Add"), None, obj)
            self._poke_waiting()

        def on_update(old, new):
            self.queue.move_all(ClusterEvent(resource, UPDATE, f"{resource}Update"), old, new)
            self._poke_waiting()
        return on_add if added else on_update

    # -- the scheduling loop ------------------------------------------------------------------------------
    def _kick(self) -> None:
        if not self._kicked and not self.stopped:
            self._kicked = True
            self.loop.call_soon(self._run)

    def _run(self) -> None:
        self._kicked = False
        self.schedule_one()
        if self.queue.has_active():
            self._kick()

    def schedule_one(self) -> None:
        """``ScheduleOne``: one pod, one scheduling cycle (and its binding cycle)."""
        q = self.queue.pop()
        if q is None:
            return
        pod = self.pod(q.key)
        profile = self.profiles.get(q.pod_info.scheduler_name)
        if pod is None or profile is None or self._assigned(pod) or self.cache.is_assumed(q.key):
            self.queue.done(q.key)
            return
        if pod["metadata"].get("deletionTimestamp"):
            self.recorder.event(pod, "Warning", "FailedScheduling",
                                f"skip schedule deleting pod: {q.pod_info.namespace}/{q.pod_info.name}", "Scheduling")
            self.queue.done(q.key)
            return
        pi = q.pod_info = PodInfo(pod) if pod is not q.pod_info.pod else q.pod_info
        self.attempt_count += 1
        attempt = SchedulingAttempt(pi, q.attempts, self.queue.scheduling_cycle, self.loop.now, profile)
        self._record(attempt)
        state = CycleState()
        try:
            host = self.schedule_pod(profile, state, pi, attempt)
        except FitError as fe:
            self._after_fit_error(profile, state, q, pi, fe, attempt)
            return
        except _NoNodes:
            attempt.finish("Unschedulable", message=ERR_NO_NODES_AVAILABLE)
            self.handle_failure(profile, q, Status(UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_NO_NODES_AVAILABLE),
                                nominating="")
            return
        # assume, reserve, then the binding cycle
        assumed = self.cache.assume_pod(pi, host)
        for pl in profile.reserve:
            st = pl.reserve(state, assumed, host)
            if st is not None and not st.is_success():
                self._unreserve(profile, state, assumed, host)
                self.cache.forget_pod(assumed)
                attempt.finish("Error", node=host, message=st.message)
                self.handle_failure(profile, q, st.with_plugin(pl.name), nominating=None)
                return
        self.binding_cycle(profile, state, q, assumed, host, attempt)

    def _after_fit_error(self, profile, state, q, pi, fe: FitError, attempt: SchedulingAttempt) -> None:
        nominating = None
        for pl in profile.post_filter:
            nominated, st = pl.post_filter(state, pi, fe.diagnosis.node_to_status, profile)
            fe.diagnosis.post_filter_msg = st.message
            attempt.post_filter = (pl.name, st, nominated, getattr(pl, "last", None))
            if nominated is not None:
                nominating = nominated
            if st.is_success():
                break
        q.unschedulable_plugins = set(fe.diagnosis.unschedulable_plugins)
        q.pending_plugins = set(fe.diagnosis.pending_plugins)
        message = str(fe)
        attempt.finish("Unschedulable", message=message)
        self.handle_failure(profile, q, Status(UNSCHEDULABLE, message), nominating=nominating)

    # -- SchedulePod -------------------------------------------------------------------------------------
    def schedule_pod(self, profile: Profile, state: CycleState, pi: PodInfo, attempt: SchedulingAttempt) -> str:
        """``schedulePod``: the chosen node's name, or :class:`FitError`."""
        snap = self.cache.update_snapshot()
        if snap.n == 0:
            raise _NoNodes()
        attempt.node_names = snap.names
        attempt.num_all_nodes = snap.n
        feasible, diagnosis = self.find_nodes_that_fit(profile, state, pi, snap, attempt)
        if len(feasible) == 0:
            raise FitError(pi, snap.n, diagnosis)
        attempt.feasible = feasible
        if len(feasible) == 1:
            host = snap.names[int(feasible[0])]
            attempt.finish("Scheduled", node=host)
            return host
        totals = self.prioritize_nodes(profile, state, pi, snap, feasible, attempt)
        best = totals.max()
        ties = np.flatnonzero(totals == best)
        # selectHost: reservoir sampling among the best — one uniform draw is the same distribution
        choice = int(ties[self.rng.randrange(len(ties))]) if len(ties) > 1 else int(ties[0])
        host = snap.names[int(feasible[choice])]
        attempt.finish("Scheduled", node=host)
        return host

    def find_nodes_that_fit(self, profile: Profile, state: CycleState, pi: PodInfo, snap, attempt):
        """``findNodesThatFitPod``: PreFilter, the nominated node first, then the filters."""
        diagnosis = Diagnosis()
        result, status, restricting = self._run_pre_filter(profile, state, pi, snap, attempt)
        diagnosis.unschedulable_plugins.update(restricting)
        if status is not None and not status.is_success():
            if not status.is_rejected():
                raise RuntimeError(status.message)
            diagnosis.node_to_status = NodeToStatus({}, status)
            diagnosis.pre_filter_msg = status.message
            diagnosis.add_plugin_status(status)
            attempt.pre_filter_msg = status.message
            return np.zeros(0, dtype=np.int64), diagnosis
        nnn = (pi.pod.get("status") or {}).get("nominatedNodeName") or ""
        if nnn and nnn in snap.pos:
            nodes = np.array([snap.pos[nnn]], dtype=np.int64)
            feasible, processed, statuses = self._filter(profile, state, pi, snap, nodes, 1, attempt, nominated=True)
            for name, st in statuses.items():
                diagnosis.node_to_status.set(name, st)
            if len(feasible):
                return feasible, diagnosis
        if result is not None and result.node_names is not None:
            nodes = np.array(sorted(snap.pos[n] for n in result.node_names if n in snap.pos), dtype=np.int64)
            diagnosis.node_to_status.absent = Status(
                UNSCHEDULABLE_AND_UNRESOLVABLE, f"node(s) didn't satisfy plugin(s) [{' '.join(sorted(restricting))}]")
        else:
            nodes = np.arange(snap.n, dtype=np.int64)
        pct = profile.percentage_of_nodes_to_score
        if pct is None:
            pct = self.config.percentage_of_nodes_to_score
        num_to_find = num_feasible_nodes_to_find(pct, len(nodes)) if profile.filter else len(nodes)
        attempt.num_nodes_to_find = num_to_find
        attempt.start_index = self.next_start_node_index
        feasible, processed, statuses = self._filter(profile, state, pi, snap, nodes, num_to_find, attempt)
        for name, st in statuses.items():
            diagnosis.node_to_status.set(name, st)
            diagnosis.add_plugin_status(st)
        self.next_start_node_index = (self.next_start_node_index + processed) % snap.n
        return feasible, diagnosis

    def _run_pre_filter(self, profile, state, pi, snap, attempt):
        """``RunPreFilterPlugins``: (node restriction, status, plugins that restricted nodes)."""
        result = PreFilterResult(None)
        restricting: list[str] = []
        returned: Status | None = None
        for pl in profile.pre_filter:
            r, st = pl.pre_filter(state, pi, snap)
            attempt.pre_filter.append((pl.name, st))
            if st is not None and st.code == SKIP:
                state.skip_filter.add(pl.name)
                continue
            if st is not None and not st.is_success():
                st = st.with_plugin(pl.name)
                if st.code == UNSCHEDULABLE_AND_UNRESOLVABLE:
                    return None, st, restricting
                if st.code == UNSCHEDULABLE:
                    returned = st
                    continue
                return None, Status(ERROR, f'running PreFilter plugin "{pl.name}": {st.message}', plugin=pl.name), \
                    restricting
            if r is not None and r.node_names is not None:
                restricting.append(pl.name)
            result = result.merge(r)
            if result.node_names is not None and not result.node_names:
                names = restricting
                msg = (f"node(s) didn't satisfy plugin {names[0]}" if len(names) == 1
                       else f"node(s) didn't satisfy plugin(s) [{' '.join(names)}] simultaneously")
                return result, Status(UNSCHEDULABLE_AND_UNRESOLVABLE, msg), restricting
        return result, returned, restricting

    def _filter(self, profile: Profile, state: CycleState, pi: PodInfo, snap, nodes: np.ndarray, num_to_find: int,
                attempt: SchedulingAttempt, nominated: bool = False):
        """``findNodesThatPassFilters`` over ``nodes`` (positions), from the rotating start index:
        (feasible positions in evaluation order, nodes processed, {node: status} of the failed
        ones — computed only when no node is feasible, the only case that reports them)."""
        L = len(nodes)
        if L == 0:
            return nodes, 0, {}
        plugins = [pl for pl in profile.filter if pl.name not in state.skip_filter]
        names = [pl.name for pl in plugins]
        k = len(plugins)
        start = 0 if nominated else self.next_start_node_index % L
        nominated_nodes = [name for name, pods in self.queue.nominated.items()
                           if name in snap.pos and any(p.priority >= pi.priority and p.key != pi.key
                                                       for p in pods.values())]
        if any(getattr(pl, "filter_nodes", None) is None for pl in plugins):
            return self._filter_node_by_node(profile, state, pi, snap, nodes, start, num_to_find, attempt, plugins,
                                             set(nominated_nodes), nominated)
        first_all, code_all, ok_all, tables = self._verdicts(plugins, state, pi, snap)
        override: dict[int, Status] = {}
        for name in nominated_nodes:     # RunFilterPluginsWithNominatedPods, for the few nodes it matters
            pos = snap.pos[name]
            if ok_all[pos]:
                st = profile.run_filters_with_nominated_pods(state, pi, snap.infos[pos],
                                                             self.queue.nominated_pods_for_node(name))
                if st is not None:
                    if not override:
                        ok_all = ok_all.copy()
                    ok_all[pos] = False
                    override[pos] = st
        full = L == snap.n
        if full:
            # the first num_to_find feasible nodes from `start` on, wrapping around; most nodes are
            # usually feasible, so look at a stretch a little longer than needed first
            stretch = num_to_find + num_to_find // 4 + 64
            fe = None
            if start + stretch <= L:
                fe = np.flatnonzero(ok_all[start:start + stretch])
                if len(fe) >= num_to_find:
                    sel = fe[:num_to_find] + start
                else:
                    fe = None
            if fe is None:
                fe = np.flatnonzero(ok_all)
                j = int(np.searchsorted(fe, start))
                if j + num_to_find <= len(fe):
                    sel = fe[j:j + num_to_find]
                else:
                    sel = np.concatenate((fe[j:], fe[:j]))[:num_to_find]
            processed = int((int(sel[-1]) - start) % L) + 1 if len(sel) >= num_to_find else L
            window = np.arange(start, start + processed, dtype=np.int64) % L
        else:
            order = np.concatenate((nodes[start:], nodes[:start])) if start else nodes
            ok_o = ok_all[order]
            idx = np.flatnonzero(ok_o)
            if len(idx) >= num_to_find:
                idx = idx[:num_to_find]
                processed = int(idx[-1]) + 1
            else:
                processed = L
            sel = order[idx]
            window = order[:processed]
        first_w = first_all[window].astype(np.int32)
        code_w = code_all[window].astype(np.int32)
        statuses: dict[str, Status] = {}
        if len(sel) == 0:
            table: dict[tuple[int, int], Status] = {}
            nm = snap.names
            for i in np.flatnonzero(first_w < k).tolist():
                key = (int(first_w[i]), int(code_w[i]))
                st = table.get(key)
                if st is None:
                    st = table[key] = tables[key[0]][key[1] - 1].with_plugin(names[key[0]])
                statuses[nm[int(window[i])]] = st
            for pos, st in override.items():
                statuses[nm[pos]] = st
        attempt.add_filter_pass(window, names, first_w, code_w, [list(t) for t in tables], override, nominated)
        return sel, processed, statuses

    def _verdicts(self, plugins, state, pi, snap):
        """For every node: the index of the first filter plugin that rejects it (``len(plugins)``
        when none does) and that plugin's status code; plus each plugin's status table.

        Filters that depend only on the pod and the node itself are remembered per "pod shape"
        and brought up to date incrementally: only nodes whose pods changed since are filtered
        again (upstream has no such cache; the verdicts are the same)."""
        sigs = []
        for pl in plugins:
            fn = getattr(pl, "local_signature", None)
            sig = fn(state, pi) if fn is not None else None
            if sig is None:
                sigs = None
                break
            sigs.append(sig)
        key = (tuple(p.name for p in plugins), tuple(sigs)) if sigs is not None else None
        memo = self._memo.get(key) if key is not None else None
        k = len(plugins)
        if memo is not None and memo.static_gen == snap.static_gen and memo.n == snap.n:
            changed = snap.changes[memo.seq:]
            if len(changed) <= max(64, snap.n // 8):
                for pos in dict.fromkeys(changed):
                    ni = snap.infos[pos]
                    f, c = k, 0
                    for j, pl in enumerate(plugins):
                        st = pl.filter(state, pi, ni)
                        if st is not None and not st.is_success():
                            f, c = j, memo.code_for(j, st)
                            break
                    memo.first[pos] = f
                    memo.code[pos] = c
                    memo.ok[pos] = f == k
                memo.seq = len(snap.changes)
                return memo.first, memo.code, memo.ok, memo.tables
        first = np.full(snap.n, k, dtype=np.int64)
        code = np.zeros(snap.n, dtype=np.int64)
        tables: list[list[Status]] = []
        for j, pl in enumerate(plugins):
            v = pl.filter_nodes(state, pi, snap)
            if v is None:
                tables.append([])
                continue
            tables.append(list(v.statuses))
            hit = (v.codes != 0) & (first == k)
            first[hit] = j
            code[hit] = v.codes[hit]
        ok = first == k
        if key is not None:
            if key not in self._memo and len(self._memo) >= 32:
                del self._memo[next(iter(self._memo))]
            self._memo[key] = _Memo(snap.static_gen, snap.n, len(snap.changes), first, code, ok, tables)
        return first, code, ok, tables

    def _filter_node_by_node(self, profile, state, pi, snap, nodes, start, num_to_find, attempt, plugins,
                             nominated_nodes: set[str], nominated: bool):
        """The same, one node at a time (a plugin without a vectorised filter is active)."""
        names = [pl.name for pl in plugins]
        k = len(plugins)
        vector = [pl.filter_nodes(state, pi, snap) if getattr(pl, "filter_nodes", None) is not None else "scalar"
                  for pl in plugins]
        order = np.concatenate((nodes[start:], nodes[:start])) if start else nodes
        statuses: dict[str, Status] = {}
        feasible: list[int] = []
        firsts: list[int] = []
        results: list[Status | None] = []
        processed = 0
        for i in range(len(order)):
            if len(feasible) >= num_to_find:
                break
            pos = int(order[i])
            ni = snap.infos[pos]
            processed += 1
            st: Status | None = None
            j = k
            for jj, (pl, v) in enumerate(zip(plugins, vector)):
                if v == "scalar":
                    s = pl.filter(state, pi, ni)
                    if s is not None and not s.is_success():
                        st, j = s.with_plugin(pl.name), jj
                        break
                elif v is not None and v.codes[pos]:
                    st, j = v.statuses[int(v.codes[pos]) - 1].with_plugin(pl.name), jj
                    break
            if st is None and ni.name in nominated_nodes:
                st = profile.run_filters_with_nominated_pods(state, pi, ni, self.queue.nominated_pods_for_node(ni.name))
                j = next((jj for jj, n in enumerate(names) if st is not None and n == st.plugin), k)
            firsts.append(j)
            results.append(st)
            if st is None:
                feasible.append(pos)
            else:
                statuses[ni.name] = st
        attempt.add_filter_pass_scalar(order[:processed], names, firsts, results, nominated)
        return np.array(feasible, dtype=np.int64), processed, statuses

    def prioritize_nodes(self, profile: Profile, state: CycleState, pi: PodInfo, snap, feasible: np.ndarray,
                         attempt: SchedulingAttempt) -> np.ndarray:
        """``prioritizeNodes``: PreScore, Score, NormalizeScore, × weight, summed."""
        for pl in profile.pre_score:
            st = pl.pre_score(state, pi, snap, feasible)
            attempt.pre_score.append((pl.name, st))
            if st is not None and st.code == SKIP:
                state.skip_score.add(pl.name)
            elif st is not None and not st.is_success():
                raise RuntimeError(f'running PreScore plugin "{pl.name}": {st.message}')
        total = np.zeros(len(feasible), dtype=np.int64)
        for pl in profile.score:
            weight = profile.weights.get(pl.name, 1)
            if pl.name in state.skip_score:
                attempt.scores.append((pl.name, weight, None, None))
                continue
            raw = np.asarray(pl.score_nodes(state, pi, snap, feasible), dtype=np.int64)
            norm_fn = getattr(pl, "normalize", None)
            norm = np.asarray(norm_fn(state, pi, raw), dtype=np.int64) if norm_fn is not None else raw
            if self.validate_scores and len(norm) and (norm.max() > 100 or norm.min() < 0):
                raise RuntimeError(f'plugin "{pl.name}" returns an invalid score, it should in the range of [0, 100] '
                                   f"after normalizing")
            attempt.scores.append((pl.name, weight, raw.astype(np.int32), norm.astype(np.int16)))
            total += norm * weight
        attempt.totals = total
        return total

    # -- binding cycle ------------------------------------------------------------------------------------
    def binding_cycle(self, profile, state, q, assumed, host, attempt) -> None:
        checks = []
        for pl in profile.pre_bind:
            try:
                r = pl.pre_bind(state, assumed, host)
            except errors.StatusError as e:
                self._binding_failed(profile, state, q, assumed, host, attempt,
                                     Status(ERROR, f'running PreBind plugin "{pl.name}": {e.message}'))
                return
            if callable(r):
                checks.append(r)
            elif isinstance(r, Status) and not r.is_success():
                self._binding_failed(profile, state, q, assumed, host, attempt, r.with_plugin(pl.name))
                return
        if checks and not all(c() for c in checks):
            w = _Waiting(profile, state, q, assumed, host, attempt, checks, self.loop.now)
            timeout = max((getattr(pl, "bind_timeout", 600.0) for pl in profile.pre_bind), default=600.0)
            w.timeout = self.loop.call_later(timeout, self._waiting_timeout, q.key, background=True)
            self._waiting[q.key] = w
            attempt.result = "Binding"
            return
        self._bind(profile, state, q, assumed, host, attempt)

    def _bind(self, profile, state, q, assumed, host, attempt) -> None:
        for pl in profile.bind:
            try:
                st = pl.bind(state, assumed, host)
            except errors.StatusError as e:
                self._binding_failed(profile, state, q, assumed, host, attempt,
                                     Status(ERROR, f'running Bind plugin "{pl.name}": {e.message}'))
                return
            if st is not None and st.code == SKIP:
                continue
            break
        self.queue.done(q.key)
        self.scheduled_count += 1
        attempt.result = "Scheduled"
        self.recorder.event(assumed.pod, "Normal", "Scheduled",
                            f"Successfully assigned {assumed.namespace}/{assumed.name} to {host}", "Binding")

    def _binding_failed(self, profile, state, q, assumed, host, attempt, status: Status) -> None:
        """``handleBindingCycleError``."""
        self._unreserve(profile, state, assumed, host)
        self.cache.forget_pod(assumed)
        attempt.finish("Error", node=host, message=status.message)
        self.queue.move_all(ASSIGNED_POD_DELETE, assumed.pod, None)
        self.handle_failure(profile, q, status, nominating="")

    def _unreserve(self, profile, state, assumed, host) -> None:
        for pl in reversed(profile.reserve):
            fn = getattr(pl, "unreserve", None)
            if fn is not None:
                fn(state, assumed, host)

    def _poke_waiting(self) -> None:
        """A claim or volume changed: re-check waiting bindings at the next 1 s poll."""
        for w in self._waiting.values():
            if w.poll is None or w.poll.cancelled:
                k = int((self.loop.now - w.started) // POLL_INTERVAL) + 1
                w.poll = self.loop.call_at(w.started + k * POLL_INTERVAL, self._poll_waiting, w.q.key)

    def _poll_waiting(self, key: str) -> None:
        w = self._waiting.get(key)
        if w is None:
            return
        w.poll = None
        if all(c() for c in w.checks):
            del self._waiting[key]
            if w.timeout is not None:
                w.timeout.cancel()
            self._bind(w.profile, w.state, w.q, w.assumed, w.host, w.attempt)

    def _waiting_timeout(self, key: str) -> None:
        w = self._waiting.pop(key, None)
        if w is None:
            return
        if w.poll is not None:
            w.poll.cancel()
        self._binding_failed(w.profile, w.state, w.q, w.assumed, w.host, w.attempt,
                             Status(ERROR, 'running PreBind plugin "VolumeBinding": binding volumes: '
                                           'context deadline exceeded'))

    def _cancel_waiting(self, key: str, deleted: bool) -> bool:
        w = self._waiting.pop(key, None)
        if w is None:
            return False
        for t in (w.poll, w.timeout):
            if t is not None:
                t.cancel()
        self._unreserve(w.profile, w.state, w.assumed, w.host)
        self.cache.forget_pod(w.assumed)
        self.queue.done(key)
        return True

    # -- failures -----------------------------------------------------------------------------------------
    def handle_failure(self, profile: Profile, q, status: Status, nominating: str | None) -> None:
        """``handleSchedulingFailure``: requeue, remember the nomination, report the failure."""
        reason = "Unschedulable" if status.is_rejected() else "SchedulerError"
        cached = self.pod(q.key)
        if cached is None or self._assigned(cached):
            self.queue.done(q.key)
        else:
            if cached is not q.pod_info.pod:
                q.pod_info = PodInfo(cached)
            self.queue.add_unschedulable(q, self.queue.scheduling_cycle)
        pod = cached if cached is not None else q.pod_info.pod
        if nominating is not None:
            self.queue.add_nominated_pod(PodInfo(pod) if cached is not None else q.pod_info, nominating)
        else:
            self.queue.add_nominated_pod(q.pod_info, None)
        message = status.message
        self.recorder.event(pod, "Warning", "FailedScheduling", truncate_message(message), "Scheduling")
        self._update_pod(pod, {"type": "PodScheduled", "status": "False", "reason": reason, "message": message},
                         nominating)

    def _update_pod(self, pod: dict, condition: dict, nominating: str | None) -> None:
        """``updatePod``: patch the PodScheduled condition (and nominatedNodeName) if they changed."""
        status = pod.get("status") or {}
        old = next((c for c in status.get("conditions") or () if c.get("type") == condition["type"]), None)
        now = self.client.apiserver.timestamp()
        cond = {"type": condition["type"], "status": condition["status"], "lastProbeTime": None,
                "lastTransitionTime": now, "reason": condition["reason"], "message": condition["message"]}
        changed = True
        if old is not None:
            if old.get("status") == cond["status"]:
                cond["lastTransitionTime"] = old.get("lastTransitionTime")
            changed = any(old.get(f) != cond[f] for f in ("status", "reason", "message", "lastProbeTime",
                                                          "lastTransitionTime"))
        nnn_changed = nominating is not None and (status.get("nominatedNodeName") or "") != nominating
        if not changed and not nnn_changed:
            return
        try:
            patch_pod_status(self.client, pod, [cond] if changed else (),
                             (nominating or None) if nnn_changed else _UNSET)
        except errors.StatusError:
            pass   # the pod is gone: nothing to report on

    # -- explanations -------------------------------------------------------------------------------------
    def _record(self, attempt: SchedulingAttempt) -> None:
        if not self.explain_pods:
            return
        lst = self._attempts.get(attempt.pod_key)
        if lst is None:
            lst = self._attempts[attempt.pod_key] = []
            if len(self._attempts) > self.explain_pods:
                self._attempts.popitem(last=False)
        else:
            self._attempts.move_to_end(attempt.pod_key)
        lst.append(attempt)
        if len(lst) > self.explain_attempts:
            del lst[0]

    def attempts(self, pod_name: str, namespace: str = "default") -> list[Explanation]:
        """Every recorded scheduling attempt of a pod, oldest first."""
        return [Explanation(a) for a in self._attempts.get(f"{namespace}/{pod_name}", ())]

    def explain(self, pod_name: str, namespace: str = "default", attempt: int = -1) -> Explanation:
        """Why the scheduler put a pod where it did (or could not): per node each filter plugin's
        verdict, per scoring plugin raw, normalised and weighted scores, the totals and the
        choice — for the latest attempt (or ``attempt`` as an index into :meth:`attempts`)."""
        lst = self._attempts.get(f"{namespace}/{pod_name}")
        if not lst:
            raise LookupError(f'no scheduling attempt recorded for pod "{namespace}/{pod_name}"')
        return Explanation(lst[attempt])

    # -- inspection -----------------------------------------------------------------------------------------
    def pending_pods(self) -> tuple[list[dict], str]:
        return self.queue.pending_pods()

    def __repr__(self) -> str:
        queued = self.queue.pending_pods()[1]
        return f"<Scheduler profiles={list(self.profiles)} nodes={len(self.cache.nodes)} {queued}>"


class _NoNodes(Exception):
    pass
