"""Image pull back-off and crash-loop back-off: 10 s doubling to 300 s, as the kubelet does."""
from .conftest import container, cstatus, events, pod, status


def record_events(cluster, name: str, reason: str) -> list[float]:
    """The virtual times at which a kubelet recorded an event ``reason`` about pod ``name`` —
    taken where the kubelet records it, before the event recorder's spam filter (which lets a
    source write only 25 events about one object, then one every five minutes)."""
    times: list[float] = []
    for machine in cluster.machines.values():
        recorder = machine.kubelet.recorder

        def tap(obj, type, why, message, field_path="", _record=recorder.event):
            if obj["metadata"]["name"] == name and why == reason:
                times.append(cluster.now)
            return _record(obj, type, why, message, field_path)
        recorder.event = tap
    return times


def test_bad_tag_reaches_image_pull_back_off_with_doubling_intervals(cluster):
    pulls = record_events(cluster, "bad", "Pulling")
    cluster.create(pod("bad", [container("app", "nginx:1.99")]))
    reasons_seen = set()
    for _ in range(1500):
        cluster.run(1)
        w = (cstatus(cluster, "bad")["state"].get("waiting") or {})
        reasons_seen.add(w.get("reason"))
    assert {"ErrImagePull", "ImagePullBackOff"} <= reasons_seen
    gaps = [b - a for a, b in zip(pulls, pulls[1:])]
    # each new attempt waits out the back-off (10, 20, 40 … 300 s) plus up to one retry period
    for gap, backoff in zip(gaps, [10, 20, 40, 80, 160, 300, 300]):
        assert backoff <= gap < backoff + 17, (gaps, backoff)
    assert len(gaps) >= 7
    evs = {(e["type"], e["reason"], e["message"]) for e in events(cluster, "bad")}
    full = "docker.io/library/nginx:1.99"
    failure = (f'rpc error: code = NotFound desc = failed to pull and unpack image "{full}": failed to resolve '
               f'reference "{full}": {full}: not found')
    assert ("Warning", "Failed", f'Failed to pull image "nginx:1.99": {failure}') in evs
    assert ("Warning", "Failed", "Error: ErrImagePull") in evs
    assert ("Normal", "BackOff", 'Back-off pulling image "nginx:1.99"') in evs
    assert ("Warning", "Failed", "Error: ImagePullBackOff") in evs


def test_error_and_back_off_messages_in_the_container_status(cluster):
    cluster.create(pod("v10", [container("kubernetes-bootcamp", "gcr.io/google-samples/kubernetes-bootcamp:v10")]))
    seen = {}
    for _ in range(60):
        cluster.run(1)
        w = cstatus(cluster, "v10")["state"].get("waiting") or {}
        seen.setdefault(w.get("reason"), w.get("message"))
    ref = "gcr.io/google-samples/kubernetes-bootcamp:v10"
    assert seen["ErrImagePull"] == (f'rpc error: code = NotFound desc = failed to pull and unpack image "{ref}": '
                                    f'failed to resolve reference "{ref}": {ref}: not found')
    assert seen["ImagePullBackOff"] == f'Back-off pulling image "{ref}"'
    assert status(cluster, "v10")["phase"] == "Pending"


def test_missing_docker_hub_repository_is_access_denied(cluster):
    cluster.create(pod("nope", [container("c", "no-such-image")]))
    cluster.run(20)
    failed = [e["message"] for e in events(cluster, "nope") if e["message"].startswith("Failed to pull")][0]
    ref = "docker.io/library/no-such-image:latest"
    assert failed == (f'Failed to pull image "no-such-image": rpc error: code = Unknown desc = failed to pull and '
                      f'unpack image "{ref}": failed to resolve reference "{ref}": pull access denied, repository '
                      "does not exist or may require authorization: server message: insufficient_scope: "
                      "authorization failed")


def test_unknown_registry_host(cluster):
    cluster.create(pod("x", [container("c", "myregistry.local/app:1.0")]))
    cluster.run(20)
    failed = [e["message"] for e in events(cluster, "x") if e["message"].startswith("Failed to pull")][0]
    assert failed.endswith('failed to do request: Head "https://myregistry.local/v2/app/manifests/1.0": dial tcp: '
                           "lookup myregistry.local on 172.18.0.1:53: no such host")


def test_crash_loop_back_off_doubles_to_five_minutes(cluster):
    starts = record_events(cluster, "crash", "Started")
    cluster.create(pod("crash", [container("app", command=["sh", "-c", "echo boom; exit 3"])]))
    messages = []
    for _ in range(1400):
        cluster.run(1)
        w = cstatus(cluster, "crash")["state"].get("waiting") or {}
        if w.get("reason") == "CrashLoopBackOff" and (not messages or messages[-1] != w["message"]):
            messages.append(w["message"])
    uid = cluster.get("pod", "crash")["metadata"]["uid"]
    expected = [f"back-off {d} restarting failed container=app pod=crash_default({uid})"
                for d in ("20s", "40s", "1m20s", "2m40s", "5m0s")]
    assert messages[:5] == expected
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert gaps[0] < 2                          # the first restart is immediate
    for gap, backoff in zip(gaps[1:], [10, 20, 40, 80, 160, 300, 300]):
        assert backoff <= gap < backoff + 17, (gaps, backoff)
    cs = cstatus(cluster, "crash")
    assert cs["restartCount"] == len(starts) - 1 >= 8
    last = cs["lastState"]["terminated"]
    assert (last["exitCode"], last["reason"]) == (3, "Error")
    back = [e for e in events(cluster, "crash") if e["reason"] == "BackOff"][0]
    assert back["type"] == "Warning"
    assert back["message"] == f"Back-off restarting failed container app in pod crash_default({uid})"
    assert back["count"] > 5


def test_busybox_without_a_command_completes_and_crash_loops(cluster):
    cluster.create(pod("bb", [container("bb", "busybox")]))
    cluster.run(60)
    cs = cstatus(cluster, "bb")
    assert cs["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert cs["lastState"]["terminated"]["reason"] == "Completed"
    assert cs["lastState"]["terminated"]["exitCode"] == 0
    assert status(cluster, "bb")["phase"] == "Running"


def test_back_off_is_forgotten_after_ten_minutes_of_running(cluster):
    script = "if [ -f /data/x ]; then sleep {}; exit 1; else touch /data/x; exit 1; fi"
    for name, sleep in (("long", 700), ("short", 100)):
        cluster.create(pod(name, [container("app", command=["sh", "-c", script.format(sleep)],
                                            volumeMounts=[{"name": "d", "mountPath": "/data"}])],
                           volumes=[{"name": "d", "emptyDir": {}}]))
    long_starts = record_events(cluster, "long", "Started")
    short_starts = record_events(cluster, "short", "Started")
    cluster.run(760)
    # "short" crashed 100 s after its back-off was set: it waits again; "long" ran for more than
    # ten minutes, so its back-off entry expired and it restarts at once
    assert 700 < long_starts[2] - long_starts[1] < 703
    long = cstatus(cluster, "long")
    assert long["restartCount"] == 2 and list(long["state"]) == ["running"]
    gaps = [b - a for a, b in zip(short_starts, short_starts[1:])]
    assert gaps[0] < 2 and gaps[1] >= 110, gaps
