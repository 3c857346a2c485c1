"""Job controller against pkg/controller/job (1.32), and the TTL-after-finished controller."""
import pytest
from conftest import events, observe, patch
from fake_kubelet import FakeKubelet

from kube_lab import Cluster
from kube_lab.api.meta import DEFAULT_EPOCH, controller_ref, parse_rfc3339
from kube_lab.controlplane.controllers import job as jobctl

PI_COMMAND = ["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"]


def job(name="pi", command=PI_COMMAND, image="perl:5.34.0", restart="Never", **spec):
    """The pi Job of the kubernetes/website Job page."""
    body = {"template": {"spec": {"containers": [{"name": name, "image": image, "command": command}],
                                  "restartPolicy": restart}}}
    body.update(spec)
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name}, "spec": body}


def setup(exits, nodes=3):
    cluster = Cluster(nodes=0, seed=0, network_addons=False)
    kubelet = FakeKubelet(cluster, nodes=nodes, exits=exits)
    return cluster, kubelet


def job_pods(cluster, name="pi"):
    return sorted((p for p in cluster.list("pods") if (controller_ref(p) or {}).get("name") == name),
                  key=lambda p: (p["metadata"]["creationTimestamp"], p["metadata"]["name"]))


def t(ts):
    return parse_rfc3339(ts) - DEFAULT_EPOCH


def conds(j):
    return [(c["type"], c["status"], c.get("reason"), c.get("message")) for c in j["status"].get("conditions") or ()]


def test_pi_job_runs_one_pod_to_completion():
    cluster, _ = setup(lambda pod: (10, 0))
    cluster.create(job(backoffLimit=4))
    tracked = []

    def watch(c):
        for p in c.apiserver.storage_list("pods", "default"):
            tracked.append((p["status"].get("phase"), jobctl.JOB_TRACKING_FINALIZER in
                            (p["metadata"].get("finalizers") or ())))

    observe(cluster, 60, watch)
    (pod,) = job_pods(cluster)
    assert pod["metadata"]["generateName"] == "pi-" and pod["status"]["phase"] == "Succeeded"
    labels = pod["metadata"]["labels"]
    j = cluster.get("jobs", "pi")
    assert labels["batch.kubernetes.io/job-name"] == "pi" and labels["job-name"] == "pi"
    assert labels["batch.kubernetes.io/controller-uid"] == j["metadata"]["uid"]
    # the tracking finalizer is there while the pod runs and gone once it is counted
    assert ("Running", True) in tracked and tracked[-1] == ("Succeeded", False)
    done = "2025-01-01T00:00:13Z"       # started at 2 s, exited at 12 s, synced one second later
    assert j["status"] == {
        "conditions": [
            {"type": "SuccessCriteriaMet", "status": "True", "lastProbeTime": done, "lastTransitionTime": done,
             "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods"},
            {"type": "Complete", "status": "True", "lastProbeTime": done, "lastTransitionTime": done,
             "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods"}],
        "startTime": "2025-01-01T00:00:00Z", "completionTime": done, "succeeded": 1, "terminating": 0,
        "uncountedTerminatedPods": {}, "ready": 0}
    assert events(cluster, "Job", "pi") == [("Normal", "SuccessfulCreate", f"Created pod: {pod['metadata']['name']}"),
                                            ("Normal", "Completed", "Job completed")]
    ev = [e for e in cluster.list("events") if e["involvedObject"]["kind"] == "Job"][0]
    assert ev["source"] == {"component": "job-controller"}


def test_status_while_running_counts_active_and_ready():
    cluster, _ = setup(lambda pod: (100, 0))
    cluster.create(job())
    cluster.run(10)
    st = cluster.get("jobs", "pi")["status"]
    assert st == {"startTime": "2025-01-01T00:00:00Z", "active": 1, "terminating": 0,
                  "uncountedTerminatedPods": {}, "ready": 1}


def test_parallel_job_keeps_parallelism_pods_until_completions():
    cluster, _ = setup(lambda pod: (5, 0))
    cluster.create(job(completions=6, parallelism=2))
    peak = [0]

    def check(c):
        active = [p for p in c.apiserver.storage_list("pods", "default")
                  if p["status"].get("phase") in ("Pending", "Running") and not p["metadata"].get("deletionTimestamp")]
        peak[0] = max(peak[0], len(active))

    observe(cluster, 120, check)
    j = cluster.get("jobs", "pi")
    assert peak[0] == 2
    assert len(job_pods(cluster)) == 6 and j["status"]["succeeded"] == 6
    assert ("Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods") in conds(j)


def test_work_queue_job_without_completions_finishes_when_one_pod_succeeds():
    cluster, _ = setup(lambda pod: (5 if pod["metadata"]["name"].endswith("w46f") else 8, 0))
    cluster.create(job(parallelism=3))
    cluster.settle()
    j = cluster.get("jobs", "pi")
    assert j["spec"].get("completions") is None and j["status"]["succeeded"] == 3
    assert [c[0] for c in conds(j)] == ["SuccessCriteriaMet", "Complete"]
    assert len(job_pods(cluster)) == 3


def test_indexed_job_gives_every_pod_its_index():
    cluster, _ = setup(lambda pod: (5, 0))
    cluster.create(job(completions=3, parallelism=3, completionMode="Indexed"))
    cluster.run(3)
    pods = job_pods(cluster)
    assert sorted(p["metadata"]["generateName"] for p in pods) == ["pi-0-", "pi-1-", "pi-2-"]
    for p in pods:
        ix = p["metadata"]["generateName"].split("-")[1]
        assert p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"] == ix
        assert p["metadata"]["labels"]["batch.kubernetes.io/job-completion-index"] == ix
        assert p["spec"]["hostname"] == f"pi-{ix}"
        assert p["spec"]["containers"][0]["env"] == [{"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {
            "apiVersion": "v1", "fieldPath": "metadata.annotations['batch.kubernetes.io/job-completion-index']"}}}]
    cluster.settle()
    st = cluster.get("jobs", "pi")["status"]
    assert st["completedIndexes"] == "0-2" and st["succeeded"] == 3


def test_indexed_job_retries_the_failed_index_only():
    attempts: dict[str, int] = {}

    def exits(pod):
        ix = pod["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]
        attempts[ix] = attempts.get(ix, 0) + 1
        return (3, 1 if ix == "1" and attempts[ix] == 1 else 0)

    cluster, _ = setup(exits)
    cluster.create(job(completions=3, parallelism=3, completionMode="Indexed"))
    cluster.settle()
    j = cluster.get("jobs", "pi")
    assert attempts == {"0": 1, "1": 2, "2": 1}
    assert (j["status"]["completedIndexes"], j["status"]["succeeded"], j["status"]["failed"]) == ("0-2", 3, 1)
    assert sorted(p["metadata"]["generateName"] for p in job_pods(cluster)) == ["pi-0-", "pi-1-", "pi-1-", "pi-2-"]


def test_backoff_limit_exceeded_with_exponential_pod_failure_back_off():
    cluster, _ = setup(lambda pod: (2, 1))
    cluster.create(job(backoffLimit=3))
    cluster.settle()
    pods = job_pods(cluster)
    assert len(pods) == 4 and all(p["status"]["phase"] == "Failed" for p in pods)
    starts = [t(p["metadata"]["creationTimestamp"]) for p in pods]
    ends = [t(p["status"]["containerStatuses"][0]["state"]["terminated"]["finishedAt"]) for p in pods]
    # the next pod waits 10 s, 20 s, 40 s after the previous failure
    assert [starts[i + 1] - ends[i] for i in range(3)] == [10, 20, 40]
    j = cluster.get("jobs", "pi")
    msg = "Job has reached the specified backoff limit"
    assert conds(j) == [("FailureTarget", "True", "BackoffLimitExceeded", msg),
                        ("Failed", "True", "BackoffLimitExceeded", msg)]
    assert j["status"]["failed"] == 4 and "completionTime" not in j["status"]
    assert ("Warning", "BackoffLimitExceeded", msg) in events(cluster, "Job", "pi")


def test_restart_policy_on_failure_counts_container_restarts_against_the_backoff_limit():
    cluster, _ = setup(lambda pod: (3, 2))
    cluster.create(job(backoffLimit=2, restart="OnFailure"))
    restarts = []

    def watch(c):
        for p in c.apiserver.storage_list("pods", "default"):
            restarts.append(p["status"].get("containerStatuses", [{}])[0].get("restartCount", 0))

    observe(cluster, 60, watch)
    j = cluster.get("jobs", "pi")
    assert conds(j)[-1] == ("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit")
    assert max(restarts) == 2                     # one pod, restarted in place, deleted when the Job failed
    assert job_pods(cluster) == [] and len(events(cluster, "Job", "pi")) == 3


def test_active_deadline_seconds_fails_the_job_and_removes_its_pods():
    cluster, _ = setup(lambda pod: None)            # runs forever
    cluster.create(job(activeDeadlineSeconds=30))
    cluster.settle()
    assert cluster.get("jobs", "pi")["status"]["active"] == 1
    cluster.run(60)
    j = cluster.get("jobs", "pi")
    msg = "Job was active longer than specified deadline"
    assert conds(j)[0][:3] == ("FailureTarget", "True", "DeadlineExceeded")
    assert conds(j)[1] == ("Failed", "True", "DeadlineExceeded", msg)
    assert t(j["status"]["conditions"][0]["lastTransitionTime"]) == 30
    assert job_pods(cluster) == []
    assert j["status"]["failed"] == 1 and j["status"].get("active", 0) == 0
    reasons = [r for _, r, _ in events(cluster, "Job", "pi")]
    assert reasons == ["SuccessfulCreate", "SuccessfulDelete", "DeadlineExceeded"]


def test_ttl_seconds_after_finished_deletes_the_job_and_its_pods():
    cluster, _ = setup(lambda pod: (5, 0))
    cluster.create(job(ttlSecondsAfterFinished=100))
    cluster.settle()
    j = cluster.get("jobs", "pi")
    finished = t(j["status"]["completionTime"])
    cluster.run(finished + 99 - cluster.now)
    assert cluster.list("jobs") and job_pods(cluster)
    cluster.run(2)
    cluster.settle()
    assert cluster.list("jobs") == [] and cluster.list("pods") == []
    deletes = [r for r in cluster.trace.select(component="kube-controller-manager", verb="delete", resource="jobs")]
    assert len(deletes) == 1


def test_pod_failure_policy_fail_job_and_ignore():
    def exits(pod):
        return (3, 42)

    policy = {"rules": [{"action": "Ignore", "onExitCodes": {"operator": "In", "values": [7]}},
                        {"action": "FailJob", "onExitCodes": {"containerName": "main", "operator": "In",
                                                              "values": [42]}}]}
    cluster, _ = setup(exits)
    body = job(podFailurePolicy=policy, backoffLimit=6)
    body["spec"]["template"]["spec"]["containers"][0]["name"] = "main"
    cluster.create(body)
    cluster.settle()
    (pod,) = job_pods(cluster)
    msg = (f"Container main for pod default/{pod['metadata']['name']} failed with exit code 42 matching FailJob "
           "rule at index 1")
    assert conds(cluster.get("jobs", "pi")) == [("FailureTarget", "True", "PodFailurePolicy", msg),
                                               ("Failed", "True", "PodFailurePolicy", msg)]
    assert ("Warning", "PodFailurePolicy", msg) in events(cluster, "Job", "pi")


def test_pod_failure_policy_ignore_does_not_count_the_failure():
    seen = []

    def exits(pod):
        seen.append(pod["metadata"]["name"])
        return (3, 7 if len(seen) == 1 else 0)

    policy = {"rules": [{"action": "Ignore", "onExitCodes": {"operator": "In", "values": [7]}}]}
    cluster, _ = setup(exits)
    cluster.create(job(podFailurePolicy=policy, backoffLimit=0))
    cluster.settle()
    j = cluster.get("jobs", "pi")
    assert [c[0] for c in conds(j)] == ["SuccessCriteriaMet", "Complete"]
    assert j["status"]["succeeded"] == 1 and "failed" not in j["status"] and len(seen) == 2


def test_match_pod_failure_policy_on_pod_conditions():
    pod = {"metadata": {"name": "p", "namespace": "default"},
           "status": {"conditions": [{"type": "DisruptionTarget", "status": "True"}]}}
    policy = {"rules": [{"action": "FailJob", "onPodConditions": [{"type": "DisruptionTarget", "status": "True"}]}]}
    assert jobctl.match_pod_failure_policy(policy, pod) == (
        "Pod default/p has condition DisruptionTarget matching FailJob rule at index 0", True, "FailJob")
    policy["rules"][0]["action"] = "Count"
    assert jobctl.match_pod_failure_policy(policy, pod) == (None, True, "Count")


def test_suspend_and_resume():
    cluster, _ = setup(lambda pod: (5, 0))
    cluster.create(job(suspend=True))
    cluster.settle()
    j = cluster.get("jobs", "pi")
    assert job_pods(cluster) == [] and "startTime" not in j["status"]
    assert conds(j) == [("Suspended", "True", "JobSuspended", "Job suspended")]
    cluster.run(20)
    resumed = cluster.now
    patch(cluster, "jobs", "pi", {"spec": {"suspend": False}})
    cluster.settle()
    j = cluster.get("jobs", "pi")
    assert conds(j)[0] == ("Suspended", "False", "JobResumed", "Job resumed")
    assert conds(j)[-1][0] == "Complete"
    assert t(j["status"]["startTime"]) == int(resumed)
    # manageJob creates the pod before the sync records the condition change
    assert [r for _, r, _ in events(cluster, "Job", "pi")] == ["Suspended", "SuccessfulCreate", "Resumed",
                                                                "Completed"]


def test_suspending_a_running_job_deletes_its_pods():
    cluster, _ = setup(lambda pod: None)
    cluster.create(job(parallelism=2, completions=4))
    cluster.settle()
    assert len(job_pods(cluster)) == 2
    patch(cluster, "jobs", "pi", {"spec": {"suspend": True}})
    cluster.settle()
    j = cluster.get("jobs", "pi")
    assert job_pods(cluster) == [] and j["status"].get("active", 0) == 0
    assert ("Suspended", "True", "JobSuspended", "Job suspended") in conds(j)


def test_deleting_a_job_removes_the_finalizers_so_its_pods_can_go():
    cluster, _ = setup(lambda pod: None)
    cluster.create(job(parallelism=2, completions=2))
    cluster.settle()
    assert all(jobctl.JOB_TRACKING_FINALIZER in p["metadata"]["finalizers"] for p in job_pods(cluster))
    cluster.delete("jobs", "pi", propagation_policy="Background")
    cluster.settle()
    assert cluster.list("jobs") == [] and cluster.list("pods") == []


def test_orphan_pod_matching_the_selector_is_adopted_with_the_finalizer():
    cluster, _ = setup(lambda pod: None)
    body = job(parallelism=1, completions=1, manualSelector=True)
    body["spec"]["selector"] = {"matchLabels": {"app": "pi"}}
    body["spec"]["template"]["metadata"] = {"labels": {"app": "pi"}}
    cluster.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "stray", "labels": {"app": "pi"}},
                    "spec": {"containers": [{"name": "c", "image": "busybox"}], "restartPolicy": "Never"}})
    cluster.settle()
    cluster.create(body)
    cluster.settle()
    stray = cluster.get("pods", "stray")
    assert controller_ref(stray)["name"] == "pi"
    assert jobctl.JOB_TRACKING_FINALIZER in stray["metadata"]["finalizers"]
    assert len(job_pods(cluster)) == 1                  # the adopted pod is the one active pod


@pytest.mark.parametrize("indexes,text", [([], ""), ([0], "0"), ([0, 1, 2], "0-2"), ([0, 2, 3, 4, 7], "0,2-4,7")])
def test_completed_indexes_text(indexes, text):
    assert jobctl.format_indexes(indexes) == text
    assert jobctl.parse_indexes(text, 10) == set(indexes)


def test_parse_indexes_ignores_indexes_beyond_completions():
    assert jobctl.parse_indexes("0-3,5,9-12", 10) == {0, 1, 2, 3, 5, 9}
