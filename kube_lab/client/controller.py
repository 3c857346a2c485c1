"""The controller skeleton every controller shares: informers → work queue → ``reconcile(key)``.

This is the shape of upstream's controllers (and of sample-controller): event handlers only
enqueue keys; one reconcile at a time reads the informer caches, compares desired with actual
state, and writes through the API server.  A reconcile that raises is retried with back-off.
"""
from __future__ import annotations

from typing import Hashable

from ..api import errors
from .client import Client
from .events import EventRecorder
from .informer import InformerFactory
from .workqueue import WorkQueue


class Controller:
    #: the controller's name in kube-controller-manager (``--controllers``), e.g. "garbage-collector"
    name = "controller"
    #: the event source component (``source.component`` of events it records)
    component = "controller-manager"

    def __init__(self, client: Client, informers: InformerFactory):
        self.client = client
        self.loop = client.loop
        self.informers = informers
        self.queue = WorkQueue(self.loop, self._process, self.name)
        self.recorder = EventRecorder(client, self.component)
        self.errors: list[str] = []

    def start(self) -> None:
        """Register handlers (subclasses) and begin; informers are started by the manager."""

    def enqueue(self, key: Hashable) -> None:
        self.queue.add(key)

    def reconcile(self, key: Hashable) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _process(self, key: Hashable) -> None:
        try:
            self.reconcile(key)
        except errors.StatusError as e:
            self.errors.append(f"{key}: {e.message}")
            self.queue.add_rate_limited(key)
        else:
            self.queue.forget(key)
