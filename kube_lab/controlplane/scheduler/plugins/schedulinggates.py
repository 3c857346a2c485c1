"""SchedulingGates (``plugins/schedulinggates``): a PreEnqueue plugin keeping pods with
``spec.schedulingGates`` out of activeQ until every gate is removed."""
from __future__ import annotations

from ..framework import (POD, QUEUE, QUEUE_SKIP, UNSCHEDULABLE_AND_UNRESOLVABLE,
                         UPDATE_POD_SCHEDULING_GATES_ELIMINATED, ClusterEvent, Plugin, Status)


class SchedulingGates(Plugin):
    name = "SchedulingGates"

    def pre_enqueue(self, pod) -> Status | None:
        gates = (pod.pod.get("spec") or {}).get("schedulingGates") or []
        if not gates:
            return None
        names = [g.get("name", "") for g in gates]
        return Status(UNSCHEDULABLE_AND_UNRESOLVABLE, f"waiting for scheduling gates: [{' '.join(names)}]")

    def events_to_register(self):
        return [(ClusterEvent(POD, UPDATE_POD_SCHEDULING_GATES_ELIMINATED), self._gates_removed)]

    @staticmethod
    def _gates_removed(pod, old, new) -> str:
        if new is None or new["metadata"].get("uid") != pod.uid:
            return QUEUE_SKIP
        return QUEUE if not (new.get("spec") or {}).get("schedulingGates") else QUEUE_SKIP
