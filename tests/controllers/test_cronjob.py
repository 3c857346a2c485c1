"""CronJob controller against pkg/controller/cronjob (1.32) on the virtual clock, and the cron
schedules of robfig/cron v3."""
import pytest
from conftest import events, patch
from fake_kubelet import FakeKubelet

from kube_lab import Cluster
from kube_lab.api.meta import DEFAULT_EPOCH, controller_ref, parse_rfc3339
from kube_lab.controlplane.controllers import cron

HELLO = ["/bin/sh", "-c", "date; echo Hello from the Kubernetes cluster"]


def cronjob(name="hello", schedule="* * * * *", **spec):
    """The hello CronJob of the kubernetes/website CronJob page."""
    body = {"schedule": schedule, "jobTemplate": {"spec": {"template": {"spec": {
        "containers": [{"name": "hello", "image": "busybox:1.28", "imagePullPolicy": "IfNotPresent",
                        "command": HELLO}], "restartPolicy": "OnFailure"}}}}}
    body.update(spec)
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name}, "spec": body}


def setup(seconds=5, code=0):
    cluster = Cluster(nodes=0, seed=0, trace=False)
    FakeKubelet(cluster, nodes=2, exits=lambda pod: (seconds, code))
    return cluster


def t(ts):
    return parse_rfc3339(ts) - DEFAULT_EPOCH


def jobs(cluster):
    return sorted(cluster.list("jobs"), key=lambda j: j["metadata"]["name"])


def created_jobs(cluster):
    return [m.split(" ")[-1] for _, r, m in events(cluster, "CronJob", "hello") if r == "SuccessfulCreate"]


def test_hello_every_minute_creates_jobs_at_the_scheduled_virtual_times():
    cluster = setup()
    cj = cluster.create(cronjob())
    cluster.run(190)
    js = jobs(cluster)
    assert [j["metadata"]["name"] for j in js] == [f"hello-{(DEFAULT_EPOCH + 60 * m) // 60}" for m in (1, 2, 3)]
    for m, j in zip((1, 2, 3), js):
        assert t(j["metadata"]["creationTimestamp"]) == 60 * m
        assert j["metadata"]["annotations"] == {"batch.kubernetes.io/cronjob-scheduled-timestamp":
                                                f"2025-01-01T00:0{m}:00Z"}
        assert controller_ref(j) == {"apiVersion": "batch/v1", "kind": "CronJob", "name": "hello",
                                     "uid": cj["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}
        assert j["spec"]["template"]["spec"]["containers"][0]["command"] == HELLO
    status = cluster.get("cronjobs", "hello")["status"]
    assert status == {"lastScheduleTime": "2025-01-01T00:03:00Z", "lastSuccessfulTime": "2025-01-01T00:03:08Z"}
    assert events(cluster, "CronJob", "hello")[:2] == [
        ("Normal", "SuccessfulCreate", f"Created job {js[0]['metadata']['name']}"),
        ("Normal", "SawCompletedJob", f"Saw completed job: {js[0]['metadata']['name']}, condition: Complete")]
    ev = [e for e in cluster.list("events") if e["involvedObject"]["kind"] == "CronJob"][0]
    assert ev["source"] == {"component": "cronjob-controller"}


def test_status_active_lists_the_running_job():
    cluster = setup(seconds=30)
    cluster.create(cronjob())
    cluster.run(65)
    (j,) = jobs(cluster)
    active = cluster.get("cronjobs", "hello")["status"]["active"]
    assert active == [{"kind": "Job", "namespace": "default", "name": j["metadata"]["name"],
                       "uid": j["metadata"]["uid"], "apiVersion": "batch/v1",
                       "resourceVersion": active[0]["resourceVersion"]}]


def test_history_limits_keep_the_newest_successful_and_failed_jobs():
    cluster = setup()
    cluster.create(cronjob(successfulJobsHistoryLimit=2))
    cluster.run(6 * 60 + 30)
    names = [j["metadata"]["name"] for j in jobs(cluster)]
    minute = DEFAULT_EPOCH // 60
    assert names == [f"hello-{minute + 5}", f"hello-{minute + 6}"]
    deleted = [m for _, r, m in events(cluster, "CronJob", "hello") if r == "SuccessfulDelete"]
    assert deleted == [f"Deleted job hello-{minute + m}" for m in (1, 2, 3, 4)]
    # the pods of deleted Jobs went with them
    owners = {controller_ref(p)["name"] for p in cluster.list("pods")}
    assert owners == set(names)


def test_failed_jobs_history_limit():
    cluster = setup(seconds=2, code=1)
    body = cronjob(failedJobsHistoryLimit=1)
    body["spec"]["jobTemplate"]["spec"]["backoffLimit"] = 0
    body["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"] = "Never"
    cluster.create(body)
    cluster.run(3 * 60 + 30)
    js = jobs(cluster)
    assert [j["metadata"]["name"] for j in js] == [f"hello-{DEFAULT_EPOCH // 60 + 3}"]
    assert any(c["type"] == "Failed" for c in js[0]["status"]["conditions"])
    assert "lastSuccessfulTime" not in cluster.get("cronjobs", "hello")["status"]


def test_forbid_skips_runs_while_a_job_is_active():
    cluster = setup(seconds=150)
    cluster.create(cronjob(concurrencyPolicy="Forbid"))
    cluster.run(5 * 60 + 30)
    js = jobs(cluster)
    minute = DEFAULT_EPOCH // 60
    # the 1:00 run lasts until 3:33: 2:00 is skipped, and once the Job is done the most recent missed
    # time (3:00) is started late, which then blocks 4:00 and 5:00
    assert [(j["metadata"]["name"], t(j["metadata"]["creationTimestamp"])) for j in js] == \
        [(f"hello-{minute + 1}", 60), (f"hello-{minute + 3}", 213)]
    assert ("Normal", "JobAlreadyActive", "Not starting job because prior execution is running and concurrency "
            "policy is Forbid") in events(cluster, "CronJob", "hello")


def test_replace_deletes_the_running_job_at_the_next_run():
    cluster = setup(seconds=150)
    cluster.create(cronjob(concurrencyPolicy="Replace"))
    cluster.run(3 * 60 + 10)
    minute = DEFAULT_EPOCH // 60
    assert [j["metadata"]["name"] for j in jobs(cluster)] == [f"hello-{minute + 3}"]
    deleted = [m for _, r, m in events(cluster, "CronJob", "hello") if r == "SuccessfulDelete"]
    assert deleted == [f"Deleted job hello-{minute + 1}", f"Deleted job hello-{minute + 2}"]
    active = cluster.get("cronjobs", "hello")["status"]["active"]
    assert [a["name"] for a in active] == [f"hello-{minute + 3}"]


def test_allow_runs_jobs_side_by_side():
    cluster = setup(seconds=150)
    cluster.create(cronjob())
    cluster.run(3 * 60 + 10)
    assert len(cluster.get("cronjobs", "hello")["status"]["active"]) == 3


def test_suspend_then_resume_runs_the_missed_time_unless_past_the_starting_deadline():
    cluster = setup()
    cluster.create(cronjob(suspend=True))
    late = cluster.create(cronjob(name="late", suspend=True, startingDeadlineSeconds=10))
    cluster.run(5 * 60 + 30)
    assert jobs(cluster) == []
    patch(cluster, "cronjobs", "hello", {"spec": {"suspend": False}})
    patch(cluster, "cronjobs", "late", {"spec": {"suspend": False}})
    cluster.run(1)
    minute = DEFAULT_EPOCH // 60
    # hello starts its most recent missed run (5:00) at once; late may not start a run older than 10 s
    assert [j["metadata"]["name"] for j in jobs(cluster)] == [f"hello-{minute + 5}"]
    cluster.run(40)
    assert [j["metadata"]["name"] for j in jobs(cluster) if j["metadata"]["name"].startswith("late")] == \
        [f"late-{minute + 6}"]
    assert late["metadata"]["uid"]


def test_too_many_missed_start_times_warns_and_starts_the_most_recent():
    cluster = setup()
    cluster.create(cronjob(suspend=True))
    cluster.run(120 * 60 + 10)
    patch(cluster, "cronjobs", "hello", {"spec": {"suspend": False}})
    cluster.run(1)
    assert [j["metadata"]["name"] for j in jobs(cluster)] == [f"hello-{DEFAULT_EPOCH // 60 + 120}"]
    assert ("Warning", "TooManyMissedTimes", "too many missed start times. Set or decrease "
            ".spec.startingDeadlineSeconds or check clock skew") in events(cluster, "CronJob", "hello")


def test_time_zone_schedules_in_that_zone_and_annotates_the_local_time():
    cluster = setup()
    cluster.create(cronjob(schedule="0 9 * * *", timeZone="Asia/Kolkata"))
    cluster.run(4 * 3600)
    (j,) = jobs(cluster)
    assert t(j["metadata"]["creationTimestamp"]) == 3.5 * 3600          # 09:00 IST is 03:30 UTC
    assert j["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] == \
        "2025-01-01T09:00:00+05:30"
    assert j["metadata"]["name"] == f"hello-{(DEFAULT_EPOCH + 12600) // 60}"


def test_changing_the_schedule_takes_effect():
    cluster = setup()
    cluster.create(cronjob(schedule="*/10 * * * *"))
    cluster.run(5 * 60)
    patch(cluster, "cronjobs", "hello", {"spec": {"schedule": "*/2 * * * *"}})
    cluster.run(3 * 60 + 5)
    assert [t(j["metadata"]["creationTimestamp"]) for j in jobs(cluster)] == [360, 480]


# ------------------------------------------------------------------------------------------
# robfig/cron v3
def times(spec, start=DEFAULT_EPOCH, n=4):
    sched = cron.parse_standard(spec)
    out = []
    for _ in range(n):
        start = sched.next(start)
        out.append(cron.format_rfc3339(start))
    return out


@pytest.mark.parametrize("spec,want", [
    ("*/1 * * * *", ["2025-01-01T00:01:00Z", "2025-01-01T00:02:00Z"]),
    ("*/15 9-17 * * mon-fri", ["2025-01-01T09:00:00Z", "2025-01-01T09:15:00Z"]),
    ("5,35 */6 * * *", ["2025-01-01T00:05:00Z", "2025-01-01T00:35:00Z"]),
    ("0 0 29 feb *", ["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"]),
    ("0 0 1,15 * 3", ["2025-01-08T00:00:00Z", "2025-01-15T00:00:00Z"]),   # day of month OR day of week
    ("0 0 * * 3", ["2025-01-08T00:00:00Z", "2025-01-15T00:00:00Z"]),      # a star day of month: AND
    ("30 2 ? JAN SUN", ["2025-01-05T02:30:00Z", "2025-01-12T02:30:00Z"]),
    ("10-50/20 * * * *", ["2025-01-01T00:10:00Z", "2025-01-01T00:30:00Z"]),
    ("@hourly", ["2025-01-01T01:00:00Z", "2025-01-01T02:00:00Z"]),
    ("@daily", ["2025-01-02T00:00:00Z", "2025-01-03T00:00:00Z"]),
    ("@weekly", ["2025-01-05T00:00:00Z", "2025-01-12T00:00:00Z"]),
    ("@monthly", ["2025-02-01T00:00:00Z", "2025-03-01T00:00:00Z"]),
    ("@yearly", ["2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"]),
    ("@every 90s", ["2025-01-01T00:01:30Z", "2025-01-01T00:03:00Z"]),
    ("TZ=Asia/Tokyo 0 0 * * *", ["2025-01-01T15:00:00Z", "2025-01-02T15:00:00Z"]),
])
def test_next_times(spec, want):
    assert times(spec, n=2) == want


def test_dst_spring_forward_and_fall_back_in_new_york():
    start = parse_rfc3339("2025-03-08T00:00:00Z")
    # 02:30 does not exist on 9 March 2025 in New York: robfig skips that day
    assert times("TZ=America/New_York 30 2 * * *", start, 2) == ["2025-03-08T07:30:00Z", "2025-03-10T06:30:00Z"]
    start = parse_rfc3339("2025-11-01T12:00:00Z")
    assert times("TZ=America/New_York 0 12 * * *", start, 2) == ["2025-11-01T16:00:00Z", "2025-11-02T17:00:00Z"]


def test_impossible_schedule_finds_nothing_within_five_years():
    assert cron.parse_standard("0 0 30 2 *").next(DEFAULT_EPOCH) is None


@pytest.mark.parametrize("spec,message", [
    ("61 * * * *", "end of range (61) above maximum (59): 61"),
    ("* * * *", "expected exactly 5 fields, found 4: [* * * *]"),
    ("@fortnightly", "unrecognized descriptor: @fortnightly"),
])
def test_parse_errors_are_robfigs(spec, message):
    with pytest.raises(cron.CronError) as e:
        cron.parse_standard(spec)
    assert str(e.value) == message


def test_rfc1123z_and_rfc3339_formats():
    assert cron.format_rfc1123z(DEFAULT_EPOCH + 300) == "Wed, 01 Jan 2025 00:05:00 +0000"
    assert cron.format_rfc3339(DEFAULT_EPOCH, cron.load_location("America/New_York")) == "2024-12-31T19:00:00-05:00"
