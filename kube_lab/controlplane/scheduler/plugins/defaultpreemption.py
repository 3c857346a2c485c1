"""DefaultPreemption (``plugins/defaultpreemption`` and ``framework/preemption``), the PostFilter
plugin: when no node fits a pod, look for a node where evicting lower-priority pods would make
room.

1. The pod must be eligible: not ``preemptionPolicy: Never``, and not already waiting for victims
   it preempted on its nominated node to terminate.
2. Candidate nodes are those whose filter status is ``Unschedulable`` (not "unresolvable": evicting
   pods cannot remove a taint or add a label).  From a random offset, each is dry-run: remove every
   lower-priority pod, check the pod fits, then give back ("reprieve") as many of them as possible,
   most important first — those that must stay out are the victims.
3. The best candidate has the fewest PodDisruptionBudget violations, then the lowest
   highest-victim priority, the smallest priority sum, the fewest victims, the latest start time.
4. Victims get a ``DisruptionTarget`` condition, are deleted (gracefully) and get a ``Preempted``
   event; lower-priority pods nominated to that node lose their nomination; the preemptor is
   nominated to the node (``status.nominatedNodeName``) and tried again once the victims are gone.

Messages are upstream's: ``preemption: 0/N nodes are available: …`` when nothing helps.
"""
from __future__ import annotations

from ....api import errors, selectors
from ..framework import (ERROR, SUCCESS, UNSCHEDULABLE, Diagnosis, NodeToStatus, Plugin, Status,
                         UNSCHEDULABLE_AND_UNRESOLVABLE, fit_error_message)
from ..util import patch_pod_status

NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"
MAX_INT32 = 2 ** 31 - 1
LATE = "\uffff"     # a pod not started yet counts as starting "now", later than any start time


def _start(pi) -> str:
    return (pi.pod.get("status") or {}).get("startTime") or LATE


class Candidate:
    __slots__ = ("name", "victims", "pdb_violations")

    def __init__(self, name: str, victims: list, pdb_violations: int):
        self.name = name
        self.victims = victims
        self.pdb_violations = pdb_violations

    def __repr__(self) -> str:
        return f"Candidate({self.name}, victims={[v.key for v in self.victims]})"


class DefaultPreemption(Plugin):
    name = "DefaultPreemption"

    def __init__(self, handle=None, args=None):
        super().__init__(handle, args)
        self.min_candidate_nodes_percentage = int(self.args.get("minCandidateNodesPercentage", 10))
        self.min_candidate_nodes_absolute = int(self.args.get("minCandidateNodesAbsolute", 100))
        self.last = None    # what the last run decided, for explanations

    # -- PostFilter -------------------------------------------------------------------------------
    def post_filter(self, state, pod, m: NodeToStatus, profile):
        """Returns (nominated node: name, "" to clear, None to keep; status)."""
        self.last = None
        nominated, status = self.preempt(state, pod, m, profile)
        if status.message:
            return nominated, Status(status.code, "preemption: " + status.message)
        return nominated, status

    def eligible(self, pod, nominated_status: Status) -> tuple[bool, str]:
        """``PodEligibleToPreemptOthers``."""
        if (pod.pod.get("spec") or {}).get("preemptionPolicy") == "Never":
            return False, "not eligible due to preemptionPolicy=Never."
        nnn = (pod.pod.get("status") or {}).get("nominatedNodeName") or ""
        if nnn:
            if nominated_status.code == UNSCHEDULABLE_AND_UNRESOLVABLE:
                return True, ""
            ni = self.handle.cache.get(nnn)
            if ni is not None:
                for p in ni.pods.values():
                    if p.priority < pod.priority and self._terminating_by_preemption(p):
                        return False, "not eligible due to a terminating pod on the nominated node."
        return True, ""

    @staticmethod
    def _terminating_by_preemption(p) -> bool:
        if not p.pod["metadata"].get("deletionTimestamp"):
            return False
        for c in (p.pod.get("status") or {}).get("conditions") or ():
            if c.get("type") == "DisruptionTarget":
                return c.get("status") == "True" and c.get("reason") == "PreemptionByScheduler"
        return False

    def preempt(self, state, pod, m: NodeToStatus, profile):
        latest = self.handle.pod(pod.key)
        if latest is None:
            return None, Status(ERROR, f'pods "{pod.name}" not found')
        from ..podinfo import PodInfo
        pod = PodInfo(latest)
        nnn = (latest.get("status") or {}).get("nominatedNodeName") or ""
        ok, msg = self.eligible(pod, m.get(nnn))
        if not ok:
            return None, Status(UNSCHEDULABLE, msg)
        snap = self.handle.cache
        all_nodes = snap.infos
        candidates, statuses = self.find_candidates(state, pod, m, profile, all_nodes)
        if not candidates:
            d = Diagnosis()
            d.node_to_status = NodeToStatus(statuses, Status(UNSCHEDULABLE_AND_UNRESOLVABLE, NOT_HELPFUL))
            if not statuses and nnn:
                self.handle.clear_nominated_node_name(latest)
            return "", Status(UNSCHEDULABLE, fit_error_message(len(all_nodes), d))
        best = self.select_candidate(candidates)
        self.prepare_candidate(best, pod)
        self.last = best
        return best.name, Status(SUCCESS)

    def _num_candidates(self, n: int) -> int:
        k = n * self.min_candidate_nodes_percentage // 100
        if k < self.min_candidate_nodes_absolute:
            k = self.min_candidate_nodes_absolute
        return min(k, n)

    def find_candidates(self, state, pod, m: NodeToStatus, profile, all_nodes) -> tuple[list, dict]:
        potential = [ni for ni in all_nodes if m.get(ni.name).code == UNSCHEDULABLE]
        if not potential:
            return [], {}
        pdbs = self._pdbs()
        offset = self.handle.rng.randrange(len(potential))
        want = self._num_candidates(len(potential))
        non_violating: list[Candidate] = []
        violating: list[Candidate] = []
        statuses: dict[str, Status] = {}
        for i in range(len(potential)):
            ni = potential[(offset + i) % len(potential)]
            victims, n_violating, status = self.select_victims_on_node(state, pod, ni, profile, pdbs)
            if status is None and victims:
                (non_violating if n_violating == 0 else violating).append(Candidate(ni.name, victims, n_violating))
                if non_violating and len(non_violating) + len(violating) >= want:
                    break
                continue
            statuses[ni.name] = status if status is not None else \
                Status(ERROR, f'expected at least one victim pod on node "{ni.name}"')
        return non_violating + violating, statuses

    # -- victims ------------------------------------------------------------------------------------
    def _pdbs(self) -> list[dict]:
        inf = self.handle.informer("poddisruptionbudgets")
        return inf.list() if inf is not None else []

    @staticmethod
    def _split_by_pdb(pods: list, pdbs: list[dict]) -> tuple[list, list]:
        """``filterPodsWithPDBViolation``."""
        allowed = [int((p.get("status") or {}).get("disruptionsAllowed") or 0) for p in pdbs]
        violating, ok = [], []
        for pi in pods:
            violated = False
            if pi.labels:
                for i, pdb in enumerate(pdbs):
                    if pdb["metadata"].get("namespace") != pi.namespace:
                        continue
                    try:
                        sel = selectors.from_label_selector((pdb.get("spec") or {}).get("selector"))
                    except (selectors.SelectorError, ValueError):
                        continue
                    if sel.empty or sel.nothing or not sel.matches(pi.labels):
                        continue
                    if pi.name in ((pdb.get("status") or {}).get("disruptedPods") or {}):
                        continue
                    allowed[i] -= 1
                    if allowed[i] < 0:
                        violated = True
            (violating if violated else ok).append(pi)
        return violating, ok

    def select_victims_on_node(self, state, pod, node_info, profile, pdbs):
        """``SelectVictimsOnNode``: (victims, PDB violations, failure status or None)."""
        if not any(p.priority < pod.priority for p in node_info.pods.values()):
            return None, 0, Status(UNSCHEDULABLE_AND_UNRESOLVABLE, NO_VICTIMS)
        ni = node_info.clone()
        st = state.clone()
        potential = [p for p in ni.pods.values() if p.priority < pod.priority]
        for p in potential:
            ni.remove_pod(p)
            profile.run_pre_filter_remove_pod(st, pod, p, ni)
        nominated = self.handle.queue.nominated_pods_for_node(ni.name)
        status = profile.run_filters_with_nominated_pods(st, pod, ni, nominated)
        if status is not None:
            return None, 0, status
        potential.sort(key=lambda p: (-p.priority, _start(p)))
        violating, non_violating = self._split_by_pdb(potential, pdbs)
        victims: list = []
        n_violating = 0

        def reprieve(p) -> bool:
            ni.add_pod(p)
            profile.run_pre_filter_add_pod(st, pod, p, ni)
            if profile.run_filters_with_nominated_pods(st, pod, ni, nominated) is not None:
                ni.remove_pod(p)
                profile.run_pre_filter_remove_pod(st, pod, p, ni)
                victims.append(p)
                return False
            return True
        for p in violating:
            if not reprieve(p):
                n_violating += 1
        for p in non_violating:
            reprieve(p)
        if violating and non_violating:
            victims.sort(key=lambda p: (-p.priority, _start(p)))
        return victims, n_violating, None

    @staticmethod
    def select_candidate(candidates: list[Candidate]) -> Candidate:
        """``pickOneNodeForPreemption``."""
        if len(candidates) == 1:
            return candidates[0]

        def earliest_start(c: Candidate) -> str:
            top = c.victims[0].priority
            earliest = _start(c.victims[0])
            for v in c.victims:
                if v.priority == top:
                    earliest = min(earliest, _start(v))
                elif v.priority > top:
                    top, earliest = v.priority, _start(v)
            return earliest
        scorers = [
            lambda c: -c.pdb_violations,
            lambda c: -c.victims[0].priority,
            lambda c: -sum(v.priority + MAX_INT32 + 1 for v in c.victims),
            lambda c: -len(c.victims),
        ]
        pool = candidates
        for f in scorers:
            best = max(f(c) for c in pool)
            pool = [c for c in pool if f(c) == best]
            if len(pool) == 1:
                return pool[0]
        latest = max(earliest_start(c) for c in pool)
        pool = [c for c in pool if earliest_start(c) == latest]
        return pool[0]

    def prepare_candidate(self, c: Candidate, pod) -> None:
        """Evict the victims and drop lower-priority nominations on the node."""
        h = self.handle
        now = h.client.apiserver.timestamp()
        for victim in c.victims:
            cond = {"type": "DisruptionTarget", "status": "True", "lastProbeTime": None, "lastTransitionTime": now,
                    "reason": "PreemptionByScheduler",
                    "message": f"{pod.scheduler_name}: preempting to accommodate a higher priority pod"}
            existing = [x for x in (victim.pod.get("status") or {}).get("conditions") or ()
                        if x.get("type") == "DisruptionTarget"]
            try:
                if not existing or any(existing[0].get(k) != cond[k] for k in ("status", "reason", "message")):
                    patch_pod_status(h.client, h.pod(victim.key) or victim.pod, [cond])
                h.client.delete("pods", victim.name, victim.namespace)
            except errors.StatusError as e:
                if e.reason != "NotFound":
                    raise
            h.recorder.event(victim.pod, "Normal", "Preempted", f"Preempted by pod {pod.uid} on node {c.name}",
                             "Preempting")
        for p in h.queue.nominated_pods_for_node(c.name):
            if p.priority < pod.priority:
                h.clear_nominated_node_name(p.pod)
