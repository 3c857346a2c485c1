"""Coroutines on the virtual clock: the node's goroutines.

The kubelet's pod workers, image pulls, preStop hooks and the programs inside containers are
written as plain Python generators that *yield what they wait for*::

    def pull_then_start(self):
        image = yield runtime.pull_image("nginx:1.25")     # a Future
        yield Sleep(0.1)                                   # virtual time passes
        return image

:class:`Task` drives such a generator on the :class:`~kube_lab.sim.Loop`.  A generator may yield

* :class:`Sleep` — resume after that many virtual seconds;
* a :class:`Future` (or another :class:`Task`) — resume with its result, or have its exception
  raised at the ``yield``;
* :class:`AnyOf` — resume when the first of several waitables completes (a Go ``select``).

``Task.cancel()`` raises :class:`Cancelled` inside the generator at the ``yield`` where it waits
(a cancelled ``context.Context``), so ``try/finally`` clean-up runs.

Time spent *inside programs* (a container's ``sleep 3600``) is *background*: it never keeps
:meth:`Cluster.settle` waiting.  Time the kubelet and the runtime spend on operations (pulling,
starting, stopping) is *work*.  Tasks choose with ``background=``.
"""
from __future__ import annotations

from typing import Any, Callable, Generator

from ..sim import Loop, Timer


class Cancelled(Exception):
    """Raised inside a task's generator when the task is cancelled."""


class Sleep:
    __slots__ = ("seconds", "background")

    def __init__(self, seconds: float, background: bool | None = None):
        self.seconds = max(0.0, float(seconds))
        self.background = background   # None: the task's own mode


class Future:
    """A result that arrives later (``set_result`` / ``set_exception``), once."""

    __slots__ = ("loop", "done", "result", "error", "_callbacks")

    def __init__(self, loop: Loop):
        self.loop = loop
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None
        self._callbacks: list[Callable[["Future"], None]] = []

    def set_result(self, value: Any = None) -> None:
        if self.done:
            return
        self.done = True
        self.result = value
        self._fire()

    def set_exception(self, error: BaseException) -> None:
        if self.done:
            return
        self.done = True
        self.error = error
        self._fire()

    def add_done_callback(self, fn: Callable[["Future"], None]) -> None:
        if self.done:
            fn(self)
        else:
            self._callbacks.append(fn)

    def remove_done_callback(self, fn: Callable[["Future"], None]) -> None:
        try:
            self._callbacks.remove(fn)
        except ValueError:
            pass

    def _fire(self) -> None:
        callbacks, self._callbacks = self._callbacks, []
        for fn in callbacks:
            fn(self)

    def value(self) -> Any:
        """The result (raising the stored exception)."""
        if not self.done:
            raise RuntimeError("future is not done")
        if self.error is not None:
            raise self.error
        return self.result


class AnyOf:
    """Wait for the first of several waitables; the ``yield`` returns ``(index, result)``.
    Exceptions of the winner are raised; the others are left running."""

    __slots__ = ("items",)

    def __init__(self, *items: Any):
        self.items = items


class Task(Future):
    """A generator running on the loop; itself a Future for its return value."""

    __slots__ = ("gen", "name", "background", "_timer", "_waiting", "_waiting_cb", "cancelled")
    #: the task whose generator is executing right now (None between steps)
    current: "Task | None" = None

    def __init__(self, loop: Loop, gen: Generator, name: str = "", background: bool = False,
                 start: bool = True):
        super().__init__(loop)
        self.gen = gen
        self.name = name
        self.background = background
        self._timer: Timer | None = None
        self._waiting: list[Future] = []
        self._waiting_cb: Callable | None = None
        self.cancelled = False
        if start:
            self._timer = loop.call_soon(self._step, None, None) if not background else \
                loop.call_later(0, self._step, None, None, background=True)

    def __repr__(self) -> str:
        return f"<Task {self.name or self.gen!r}{' done' if self.done else ''}>"

    # driving -------------------------------------------------------------------------------
    def _step(self, value: Any, error: BaseException | None) -> None:
        self._timer = None
        if self.done:
            return
        outer = Task.current
        Task.current = self
        try:
            if error is not None:
                yielded = self.gen.throw(error)
            else:
                yielded = self.gen.send(value)
        except StopIteration as stop:
            self.set_result(stop.value)
            return
        except Cancelled as e:
            self.cancelled = True
            self.set_exception(e)
            return
        except BaseException as e:  # noqa: BLE001 - handed to whoever awaits the task
            awaited = self._has_waiters()
            self.set_exception(e)
            if not awaited:
                raise
            return
        finally:
            Task.current = outer
        self._wait_for(yielded)

    def _has_waiters(self) -> bool:
        return bool(self._callbacks)

    def _wait_for(self, yielded: Any) -> None:
        if isinstance(yielded, Sleep):
            bg = self.background if yielded.background is None else yielded.background
            self._timer = self.loop.call_later(yielded.seconds, self._step, None, None, background=bg)
            return
        if yielded is None:
            self._timer = self.loop.call_later(0, self._step, None, None, background=self.background)
            return
        if isinstance(yielded, Future):
            self._await([yielded], single=True)
            return
        if isinstance(yielded, AnyOf):
            items = []
            for item in yielded.items:
                if isinstance(item, Sleep):
                    fut = Future(self.loop)
                    bg = self.background if item.background is None else item.background
                    self.loop.call_later(item.seconds, fut.set_result, None, background=bg)
                    item = fut
                items.append(item)
            self._await(items, single=False)
            return
        self._resume_later(None, TypeError(f"task {self.name!r} yielded {yielded!r}"))

    def _await(self, futures: list[Future], single: bool) -> None:
        for i, fut in enumerate(futures):
            if fut.done:
                self._deliver(fut, i, single)
                return
        self._waiting = futures

        def done(fut: Future) -> None:
            if self._waiting is not futures:
                return
            self._clear_waiting()
            self._deliver(fut, futures.index(fut), single)

        self._waiting_cb = done
        for fut in futures:
            fut.add_done_callback(done)

    def _clear_waiting(self) -> None:
        for fut in self._waiting:
            if self._waiting_cb is not None:
                fut.remove_done_callback(self._waiting_cb)
        self._waiting = []
        self._waiting_cb = None

    def _deliver(self, fut: Future, index: int, single: bool) -> None:
        if fut.error is not None:
            self._resume_later(None, fut.error)
        else:
            self._resume_later(fut.result if single else (index, fut.result), None)

    def _resume_later(self, value: Any, error: BaseException | None) -> None:
        self._timer = self.loop.call_later(0, self._step, value, error, background=self.background)

    # control -------------------------------------------------------------------------------
    def cancel(self) -> None:
        """Raise :class:`Cancelled` in the generator now (its clean-up runs synchronously)."""
        if self.done:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._clear_waiting()
        self.cancelled = True
        outer = Task.current
        Task.current = self
        try:
            yielded = self.gen.throw(Cancelled())
        except StopIteration as stop:
            self.set_result(stop.value)
            return
        except Cancelled as e:
            self.set_exception(e)
            return
        except BaseException as e:  # noqa: BLE001
            self.set_exception(e)
            return
        finally:
            Task.current = outer
        # the generator caught the cancellation and wants to keep going (clean-up that waits)
        self._wait_for(yielded)


def spawn(loop: Loop, gen: Generator, name: str = "", background: bool = False) -> Task:
    return Task(loop, gen, name, background)


def gather(loop: Loop, futures: list[Future]) -> Future:
    """A future resolved (with the list of results) once every one of ``futures`` is done;
    errors are collected as results, never raised (``sync.WaitGroup``)."""
    out = Future(loop)
    remaining = [len(futures)]
    if not futures:
        out.set_result([])
        return out

    def one(_: Future) -> None:
        remaining[0] -= 1
        if remaining[0] == 0:
            out.set_result([f.error if f.error is not None else f.result for f in futures])

    for f in futures:
        f.add_done_callback(one)
    return out


def resolved(loop: Loop, value: Any = None) -> Future:
    fut = Future(loop)
    fut.set_result(value)
    return fut


def failed(loop: Loop, error: BaseException) -> Future:
    fut = Future(loop)
    fut.set_exception(error)
    return fut
