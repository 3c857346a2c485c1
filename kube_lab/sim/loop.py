"""A deterministic discrete-event loop on a virtual clock.

Events are ordered by (virtual time, sequence number), so two timers due at the same instant run
in the order they were scheduled.  Nothing here reads the wall clock or sleeps: advancing 30
virtual seconds costs only the work done by the timers that fall due.

Timers are *work* unless scheduled with ``background=True``.  Background timers model periodic
housekeeping (node heartbeats, resyncs, compaction) that never finishes; :meth:`Loop.settle`
stops once only background timers remain.
"""
from __future__ import annotations

import heapq
from typing import Any, Callable


class Timer:
    """A scheduled call; :meth:`cancel` stops it from running."""

    __slots__ = ("when", "fn", "args", "background", "cancelled", "_loop")

    def __init__(self, loop: "Loop", when: float, fn: Callable, args: tuple, background: bool):
        self._loop = loop
        self.when = when
        self.fn = fn
        self.args = args
        self.background = background
        self.cancelled = False

    def cancel(self) -> None:
        if not self.cancelled:
            self.cancelled = True
            if not self.background:
                self._loop._work -= 1

    def __repr__(self) -> str:
        name = getattr(self.fn, "__qualname__", repr(self.fn))
        return f"<Timer t={self.when:g} {name}{' (background)' if self.background else ''}>"


class SettleTimeout(Exception):
    """Raised when work is still pending after the allowed virtual time."""


class Loop:
    """The one event loop every component of a cluster runs on."""

    def __init__(self) -> None:
        self.now = 0.0
        self._heap: list[tuple[float, int, Timer]] = []
        self._seq = 0
        self._work = 0

    # scheduling ---------------------------------------------------------------------------
    def call_at(self, when: float, fn: Callable, *args: Any, background: bool = False) -> Timer:
        if when < self.now:
            when = self.now
        timer = Timer(self, when, fn, args, background)
        self._seq += 1
        heapq.heappush(self._heap, (when, self._seq, timer))
        if not background:
            self._work += 1
        return timer

    def call_later(self, delay: float, fn: Callable, *args: Any, background: bool = False) -> Timer:
        return self.call_at(self.now + max(0.0, delay), fn, *args, background=background)

    def call_soon(self, fn: Callable, *args: Any) -> Timer:
        return self.call_at(self.now, fn, *args)

    # running ------------------------------------------------------------------------------
    @property
    def has_work(self) -> bool:
        """True while a non-background timer is pending."""
        return self._work > 0

    def next_time(self) -> float | None:
        """When the next live timer is due (None if nothing is scheduled)."""
        heap = self._heap
        while heap and heap[0][2].cancelled:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def _pop_and_run(self) -> None:
        when, _, timer = heapq.heappop(self._heap)
        if timer.cancelled:
            return
        timer.cancelled = True  # it has run; cancel() is now a no-op
        if not timer.background:
            self._work -= 1
        self.now = when
        timer.fn(*timer.args)

    def run_until(self, deadline: float) -> None:
        """Run every timer due at or before ``deadline``, then set the clock to it."""
        heap = self._heap
        while heap and heap[0][0] <= deadline:
            self._pop_and_run()
        if deadline > self.now:
            self.now = deadline

    def run(self, seconds: float) -> None:
        self.run_until(self.now + seconds)

    def step(self) -> bool:
        """Run the next live timer; False when nothing is scheduled."""
        if self.next_time() is None:
            return False
        self._pop_and_run()
        return True

    def settle(self, timeout: float = 600.0) -> float:
        """Run until no work is pending (background timers keep ticking meanwhile).

        Returns the virtual time reached.  Raises :class:`SettleTimeout` if work is still
        pending ``timeout`` virtual seconds from now.
        """
        deadline = self.now + timeout
        heap = self._heap
        while self._work > 0:
            if not heap or heap[0][0] > deadline:
                self.now = max(self.now, deadline)
                raise SettleTimeout(f"work still pending after {timeout:g}s of virtual time: "
                                    f"{self.pending_work()[:5]}")
            self._pop_and_run()
        return self.now

    def pending_work(self) -> list[Timer]:
        """Live non-background timers, in the order they will run."""
        return [t for _, _, t in sorted(self._heap) if not t.cancelled and not t.background]
