"""A rate-limited work queue, after client-go's ``workqueue``.

* A key that is already waiting is not added twice (dirty set).
* A key being processed that is added again is processed once more afterwards, never by two
  workers at once (processing set).
* ``add_rate_limited`` retries with per-item exponential back-off (5 ms doubling to 1000 s, the
  default controller rate limiter); ``forget`` resets it after a success.
* ``add_after`` re-queues after a delay on the virtual clock (``AddAfter``).

Processing is driven by the event loop: when keys are waiting, one call of ``process`` per key
is scheduled, in FIFO order.
"""
from __future__ import annotations

from collections import deque
from typing import Callable, Hashable

from ..sim import Loop, Timer

BASE_DELAY = 0.005
MAX_DELAY = 1000.0


class WorkQueue:
    def __init__(self, loop: Loop, process: Callable[[Hashable], None], name: str = ""):
        self.loop = loop
        self.name = name
        self._process = process
        self._queue: deque[Hashable] = deque()
        self._dirty: set[Hashable] = set()
        self._processing: set[Hashable] = set()
        self._failures: dict[Hashable, int] = {}
        self._waiting: dict[Hashable, Timer] = {}
        self._scheduled = False

    def __len__(self) -> int:
        return len(self._queue)

    def add(self, key: Hashable) -> None:
        if key in self._dirty:
            return
        self._dirty.add(key)
        if key in self._processing:
            return
        self._queue.append(key)
        self._kick()

    def add_after(self, key: Hashable, delay: float) -> None:
        if delay <= 0:
            self.add(key)
            return
        when = self.loop.now + delay
        timer = self._waiting.get(key)
        if timer is not None and not timer.cancelled:
            if timer.when <= when:
                return  # an earlier wake-up is already set
            timer.cancel()
        self._waiting[key] = self.loop.call_at(when, self._ready, key)

    def _ready(self, key: Hashable) -> None:
        self._waiting.pop(key, None)
        self.add(key)

    def add_rate_limited(self, key: Hashable) -> None:
        n = self._failures.get(key, 0)
        self._failures[key] = n + 1
        self.add_after(key, min(BASE_DELAY * (2 ** n), MAX_DELAY))

    def forget(self, key: Hashable) -> None:
        self._failures.pop(key, None)

    def num_requeues(self, key: Hashable) -> int:
        return self._failures.get(key, 0)

    def _kick(self) -> None:
        if not self._scheduled:
            self._scheduled = True
            self.loop.call_soon(self._drain)

    def _drain(self) -> None:
        """Process the keys waiting now, one at a time, in order."""
        self._scheduled = False
        queue = self._queue
        while queue:
            key = queue.popleft()
            self._dirty.discard(key)
            self._processing.add(key)
            try:
                self._process(key)
            finally:
                self._processing.discard(key)
                if key in self._dirty:
                    queue.append(key)
