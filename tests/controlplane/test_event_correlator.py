"""The event recorder's correlator (client-go tools/record): de-duplication, aggregation of
similar events and the per source+object spam filter, in virtual time."""
import pytest

from kube_lab import Cluster
from kube_lab.client import Client, EventRecorder


@pytest.fixture
def cluster():
    return Cluster(nodes=1, seed=0, network_addons=False)


@pytest.fixture
def api(cluster):
    return cluster.apiserver


def a_pod(api, name="p"):
    return api.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                               "spec": {"nodeName": "node-x", "containers": [{"name": "c", "image": "nginx:1.25"}]}},
                      "default")


def events_of(api, name="p"):
    items = api.list("events", "default", field_selector=f"involvedObject.name={name}")["items"]
    return sorted(items, key=lambda e: e["metadata"]["name"])


def kubelet_recorder(api, **kw):
    return EventRecorder(Client(api, "kubelet"), "kubelet", "kind-worker", **kw)


def test_a_source_may_burst_25_events_about_an_object_then_one_every_five_minutes(cluster, api):
    p = a_pod(api)
    rec = kubelet_recorder(api)
    written = [rec.event(p, "Normal", f"Reason{i}", "m") for i in range(26)]
    assert all(w is not None for w in written[:25])
    assert written[25] is None                       # the 26th is dropped
    assert len(events_of(api)) == 25
    cluster.run(299)
    assert rec.event(p, "Normal", "Late", "m") is None
    cluster.run(2)                                   # a token every 300 s
    assert rec.event(p, "Normal", "Later", "m") is not None
    assert rec.event(p, "Normal", "Latest", "m") is None
    # another object, or another source about the same object, has its own bucket
    assert rec.event(a_pod(api, "q"), "Normal", "Other", "m") is not None
    assert EventRecorder(Client(api, "kube-proxy"), "kube-proxy", "kind-worker").event(p, "Normal", "X", "m") is not None


def test_repeats_dropped_by_the_spam_filter_still_count(cluster, api):
    p = a_pod(api)
    rec = kubelet_recorder(api)
    for i in range(24):
        rec.event(p, "Normal", f"Reason{i}", "m")
    first = rec.event(p, "Warning", "BackOff", "Back-off restarting failed container")   # the 25th token
    for _ in range(10):
        cluster.run(10)
        assert rec.event(p, "Warning", "BackOff", "Back-off restarting failed container") is None
    cluster.run(300)
    out = rec.event(p, "Warning", "BackOff", "Back-off restarting failed container")
    assert out["metadata"]["name"] == first["metadata"]["name"]
    assert out["count"] == 12                        # the ten dropped repeats are in the count
    assert out["firstTimestamp"] == first["firstTimestamp"]


def test_ten_messages_for_one_reason_within_ten_minutes_are_combined(cluster, api):
    p = a_pod(api)
    rec = kubelet_recorder(api)
    for i in range(9):
        out = rec.event(p, "Normal", "Pulled", f"Successfully pulled image in {i}ms")
        assert out["message"] == f"Successfully pulled image in {i}ms"
        cluster.run(30)
    combined = rec.event(p, "Normal", "Pulled", "Successfully pulled image in 9ms")
    assert combined["message"] == "(combined from similar events): Successfully pulled image in 9ms"
    assert combined["count"] == 1
    assert combined["reportingComponent"] == "" and combined["reportingInstance"] == ""
    assert combined["source"] == {"component": "kubelet", "host": "kind-worker"}
    cluster.run(30)
    again = rec.event(p, "Normal", "Pulled", "Successfully pulled image in 10ms")
    assert again["metadata"]["name"] == combined["metadata"]["name"]
    assert (again["count"], again["message"]) == (2, "(combined from similar events): Successfully pulled image in 10ms")
    assert len(events_of(api)) == 10                 # nine plain events and the combined one
    # a message still in the aggregator's set is an ordinary repeat of its own event
    repeat = rec.event(p, "Normal", "Pulled", "Successfully pulled image in 5ms")
    assert (repeat["message"], repeat["count"]) == ("Successfully pulled image in 5ms", 2)
    # after ten quiet minutes the group starts afresh
    cluster.run(601)
    fresh = rec.event(p, "Normal", "Pulled", "Successfully pulled image in 11ms")
    assert (fresh["message"], fresh["count"]) == ("Successfully pulled image in 11ms", 1)


def test_a_repeat_of_an_expired_event_creates_it_again_with_its_count(cluster, api):
    p = a_pod(api)
    rec = kubelet_recorder(api)
    first = rec.event(p, "Normal", "Pulled", "x")
    cluster.run(3601)                                # events live an hour
    assert events_of(api) == []
    out = rec.event(p, "Normal", "Pulled", "x")
    assert (out["metadata"]["name"], out["count"]) == (first["metadata"]["name"], 2)
    assert out["firstTimestamp"] == first["firstTimestamp"]


def test_without_correlation_only_repeats_are_folded(cluster, api):
    p = a_pod(api)
    rec = EventRecorder(Client(api, "default-scheduler"), "default-scheduler", correlate=False)
    for i in range(30):
        assert rec.event(p, "Warning", "FailedScheduling", f"0/{i} nodes are available") is not None
    assert len(events_of(api)) == 30
    assert rec.event(p, "Warning", "FailedScheduling", "0/3 nodes are available")["count"] == 2


def test_a_long_crash_loop_shows_stale_counts_as_on_a_real_node():
    c = Cluster(nodes=1, seed=0)
    c.kubectl("run crash --image=busybox:1.36 -- sh -c 'exit 1'")
    c.run(1800)
    pod = c.get("pods", "crash")
    restarts = pod["status"]["containerStatuses"][0]["restartCount"]
    events = {e["reason"]: e for e in c.list("events", selector=None)
              if e["involvedObject"]["name"] == "crash" and e["source"].get("component") == "kubelet"}
    assert restarts >= 10
    # the kubelet's tokens went early (and to BackOff, recorded every sync), so the
    # "Started" event stopped counting long before the container stopped restarting
    assert events["Started"]["count"] < restarts
    assert events["BackOff"]["count"] > events["Started"]["count"]
    writes = [r for r in c.apiserver.trace.records if r.resource == "events" and r.name.startswith("crash.")
              and r.component == "kubelet/kind-worker" and r.verb in ("create", "patch")]
    assert 25 < len(writes) <= 25 + 1800 // 300 + 1     # the burst, then one per 300 s
