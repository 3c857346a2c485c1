import pytest

from kube_lab.sim import Loop, RandomStreams, Trace
from kube_lab.sim.loop import SettleTimeout


def test_events_run_in_time_then_sequence_order():
    loop = Loop()
    seen = []
    loop.call_later(2, seen.append, "b")
    loop.call_later(1, seen.append, "a")
    loop.call_later(2, seen.append, "c")  # same instant as "b": scheduled later, runs later
    loop.run(5)
    assert seen == ["a", "b", "c"]
    assert loop.now == 5


def test_run_stops_at_deadline_and_leaves_later_events():
    loop = Loop()
    seen = []
    loop.call_later(3, seen.append, 3)
    loop.call_later(7, seen.append, 7)
    loop.run(5)
    assert seen == [3] and loop.now == 5
    loop.run(2)
    assert seen == [3, 7] and loop.now == 7


def test_cancelled_timer_does_not_run_and_is_not_work():
    loop = Loop()
    seen = []
    t = loop.call_later(1, seen.append, "x")
    assert loop.has_work
    t.cancel()
    assert not loop.has_work
    loop.run(2)
    assert seen == []


def test_settle_ignores_background_timers_but_runs_them_meanwhile():
    loop = Loop()
    ticks = []

    def heartbeat():
        ticks.append(loop.now)
        loop.call_later(10, heartbeat, background=True)

    loop.call_later(10, heartbeat, background=True)
    loop.call_later(25, lambda: None)
    assert loop.settle() == 25
    assert ticks == [10, 20]


def test_settle_times_out_when_work_never_ends():
    loop = Loop()

    def forever():
        loop.call_later(1, forever)

    loop.call_soon(forever)
    with pytest.raises(SettleTimeout):
        loop.settle(timeout=5)
    assert loop.now == 5


def test_timer_cannot_be_scheduled_in_the_past():
    loop = Loop()
    loop.run(10)
    t = loop.call_at(3, lambda: None)
    assert t.when == 10


def test_random_streams_are_independent_and_reproducible():
    a, b = RandomStreams(7), RandomStreams(7)
    first = [a.stream("x").random() for _ in range(3)]
    b.stream("y").random()  # drawing from another stream must not shift "x"
    assert [b.stream("x").random() for _ in range(3)] == first
    assert RandomStreams(8).stream("x").random() != first[0]


def test_uuid4_format_and_determinism():
    u = RandomStreams(1).uuid4()
    assert u == RandomStreams(1).uuid4()
    parts = u.split("-")
    assert [len(p) for p in parts] == [8, 4, 4, 4, 12]
    assert parts[2][0] == "4" and parts[3][0] in "89ab"


def test_trace_limit_drops_oldest():
    tr = Trace(limit=2)
    for i in range(5):
        tr.record(float(i), "c", "get", "pods", "default", f"p{i}")
    assert [r.name for r in tr] == ["p3", "p4"]
    assert tr.dropped == 3
    assert tr.records[-1].seq == 5


def test_trace_disabled_records_nothing():
    tr = Trace(enabled=False)
    tr.record(0.0, "c", "get", "pods", "default", "p")
    assert len(tr) == 0
