"""PrioritySort (``plugins/queuesort``): the activeQ order — higher ``spec.priority`` first, then
the pod that entered the queue earlier.  (Pods queued at the same virtual instant keep the order
they arrived in.)"""
from __future__ import annotations

from ..framework import Plugin


class PrioritySort(Plugin):
    name = "PrioritySort"

    def less(self, a, b) -> bool:
        return self.sort_key(a) < self.sort_key(b)

    @staticmethod
    def sort_key(q) -> tuple:
        return (-q.pod_info.priority, q.timestamp, q.seq)
