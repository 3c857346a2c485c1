"""A pod's way from Pending to Running on a node, with the kubelet's events and status."""
import re

import pytest

from kube_lab import Cluster

from .conftest import container, cstatus, events, kubelet, pod, reasons, status, watch_states

PULLED = re.compile(r'^Successfully pulled image "nginx:1\.25" in ([0-9.]+m?s) \(([0-9.]+m?s) including waiting\)\. '
                    r'Image size: 70546910 bytes\.$')


def seconds(go: str) -> float:
    return float(go[:-2]) / 1000 if go.endswith("ms") else float(go[:-1])


def test_three_nginx_pods_go_pending_containercreating_running():
    c = Cluster(nodes=3, seed=0, network_addons=False)
    names = [f"web-{i}" for i in range(3)]
    seen = {n: watch_states(c, n) for n in names}
    for i, n in enumerate(names):
        c.create(pod(n, [container("nginx", "nginx:1.25", ports=[{"containerPort": 80}])],
                     node="kind-worker" if i == 0 else f"kind-worker{i + 1}"))
    c.run(15)
    for n in names:
        states = [word for _, word in seen[n]]
        assert states == ["Pending", "ContainerCreating", "Running"]
        running_at = seen[n][-1][0]
        assert 1.0 < running_at < 10.0          # a pull of ~70 MB, then create and start
        evs = events(c, n)
        assert [e["reason"] for e in evs] == ["Pulling", "Pulled", "Created", "Started"]
        assert [e["message"] for e in evs if e["reason"] != "Pulled"] == [
            'Pulling image "nginx:1.25"', "Created container nginx", "Started container nginx"]
        m = PULLED.match(evs[1]["message"])
        assert m, evs[1]["message"]
        assert 2.0 < seconds(m.group(1)) < 6.0 and m.group(1) == m.group(2)   # nothing queued before it
        for e in evs:
            assert e["source"]["component"] == "kubelet"
            assert e["source"]["host"] == c.get("pod", n)["spec"]["nodeName"]
            assert e["involvedObject"]["fieldPath"] == "spec.containers{nginx}"
            assert e["reportingComponent"] == "kubelet"


def test_scheduled_event_comes_first_when_the_scheduler_places_the_pod():
    c = Cluster(nodes=1, seed=0, network_addons=False)
    if c.scheduler is None:
        pytest.skip("no kube-scheduler in this build")
    body = pod("web", [container("nginx", "nginx:1.25")])
    del body["spec"]["nodeName"]
    c.create(body)
    c.run(10)
    assert reasons(c, "web") == ["Scheduled", "Pulling", "Pulled", "Created", "Started"]
    assert status(c, "web")["phase"] == "Running"


def test_running_pod_status_fields(cluster):
    cluster.create(pod("web", [container("nginx", "nginx:1.25")]))
    cluster.run(10)
    st = status(cluster, "web")
    assert st["phase"] == "Running"
    assert st["hostIP"] == "172.18.0.3" and st["hostIPs"] == [{"ip": "172.18.0.3"}]
    assert re.match(r"^10\.244\.1\.\d+$", st["podIP"]) and st["podIPs"] == [{"ip": st["podIP"]}]
    assert st["qosClass"] == "BestEffort"
    assert [(c["type"], c["status"]) for c in st["conditions"]] == [
        ("PodReadyToStartContainers", "True"), ("Initialized", "True"), ("Ready", "True"),
        ("ContainersReady", "True"), ("PodScheduled", "True")]
    assert all(c["lastProbeTime"] is None and c["lastTransitionTime"].startswith("2025-01-01T00:00:")
               for c in st["conditions"])
    cs = st["containerStatuses"][0]
    assert cs["image"] == "docker.io/library/nginx:1.25"
    assert re.match(r"^docker\.io/library/nginx@sha256:[0-9a-f]{64}$", cs["imageID"])
    assert re.match(r"^containerd://[0-9a-f]{64}$", cs["containerID"])
    assert cs["ready"] is True and cs["started"] is True and cs["restartCount"] == 0 and cs["lastState"] == {}
    assert list(cs["state"]) == ["running"]
    assert cs["volumeMounts"][0]["mountPath"] == "/var/run/secrets/kubernetes.io/serviceaccount"
    assert cs["volumeMounts"][0]["recursiveReadOnly"] == "Disabled"
    assert st["startTime"] == "2025-01-01T00:00:00Z"


def test_container_creating_status_before_the_image_arrives(cluster):
    cluster.create(pod("web", [container("nginx", "nginx:1.25")]))
    cluster.run(1)
    st = status(cluster, "web")
    assert st["phase"] == "Pending"
    assert st["containerStatuses"][0]["state"] == {"waiting": {"reason": "ContainerCreating"}}
    assert st["containerStatuses"][0]["ready"] is False and st["containerStatuses"][0]["started"] is False
    ready = [c for c in st["conditions"] if c["type"] == "Ready"][0]
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "False", "ContainersNotReady", "containers with unready status: [nginx]")
    assert [c for c in st["conditions"] if c["type"] == "PodReadyToStartContainers"][0]["status"] == "False"


def test_second_pod_finds_the_image_present(cluster):
    cluster.create(pod("a", [container("nginx", "nginx:1.25")]))
    cluster.run(10)
    cluster.create(pod("b", [container("nginx", "nginx:1.25")]))
    cluster.run(5)
    assert [e["message"] for e in events(cluster, "b")][:1] == [
        'Container image "nginx:1.25" already present on machine']
    assert status(cluster, "b")["phase"] == "Running"


def test_pulls_are_serialized_and_report_the_wait(cluster):
    cluster.create(pod("a", [container("c", "redis:7.4")]))
    cluster.create(pod("b", [container("nginx", "nginx:1.25")]))
    cluster.run(15)
    pattern = re.compile(r'^Successfully pulled image "[^"]+" in ([0-9.]+m?s) \(([0-9.]+m?s) including waiting\)')
    waits = []
    for name in ("a", "b"):
        pulled = [e["message"] for e in events(cluster, name) if e["reason"] == "Pulled"][0]
        m = pattern.match(pulled)
        assert m, pulled
        waits.append(seconds(m.group(2)) - seconds(m.group(1)))
    # one pull ran at once, the other queued behind it (serializeImagePulls)
    assert min(waits) < 0.01 and max(waits) > 1.0


def test_image_pull_policy_always_and_never(cluster):
    cluster.create(pod("a", [container("nginx", "nginx:1.25")]))
    cluster.run(10)
    cluster.create(pod("b", [container("nginx", "nginx:1.25", imagePullPolicy="Always")]))
    cluster.create(pod("n", [container("c", "busybox:1.28", imagePullPolicy="Never", command=["sleep", "9"])]))
    cluster.run(20)     # the waiting reason shows at the next sync (the retry 10-15 s later)
    assert reasons(cluster, "b")[:2] == ["Pulling", "Pulled"]
    assert status(cluster, "b")["phase"] == "Running"
    never = [e for e in events(cluster, "n")]
    assert (never[0]["type"], never[0]["reason"], never[0]["message"]) == (
        "Warning", "ErrImageNeverPull", 'Container image "busybox:1.28" is not present with pull policy of Never')
    assert cstatus(cluster, "n")["state"]["waiting"]["reason"] == "ErrImageNeverPull"


def test_invalid_image_name(cluster):
    cluster.create(pod("bad", [container("c", "Nginx:1.25")]))
    cluster.run(20)
    w = cstatus(cluster, "bad")["state"]["waiting"]
    assert w["reason"] == "InvalidImageName"
    assert w["message"] == ('Failed to apply default image tag "Nginx:1.25": couldn\'t parse image name "Nginx:1.25": '
                            "invalid reference format: repository name (library/Nginx) must be lowercase")
    assert ("Warning", "InspectFailed") in [(e["type"], e["reason"]) for e in events(cluster, "bad")]


def test_host_network_pod_uses_the_node_ip(cluster):
    cluster.create(pod("hn", [container("c", command=["sleep", "3600"])], hostNetwork=True))
    cluster.run(5)
    st = status(cluster, "hn")
    assert st["podIP"] == st["hostIP"] == "172.18.0.3"
    out, _, code = kubelet(cluster).exec("default", "hn", None, ["hostname"])
    assert (out, code) == ("kind-worker\n", 0)


def test_pod_ips_come_from_the_node_pod_cidr_in_order(cluster):
    node = cluster.get("node", "kind-worker")
    assert node["spec"]["podCIDR"] == "10.244.1.0/24"
    for n in ("a", "b", "c"):
        cluster.create(pod(n, [container(command=["sleep", "3600"])]))
    cluster.run(5)
    # host-local hands out the range in order (.1 is the bridge), whichever sandbox asks first
    assert sorted(status(cluster, n)["podIP"] for n in ("a", "b", "c")) == ["10.244.1.2", "10.244.1.3",
                                                                         "10.244.1.4"]


def test_restart_policy_never_pod_succeeds_and_keeps_its_ip(cluster):
    cluster.create(pod("job", [container(command=["sh", "-c", "echo done"])], restartPolicy="Never"))
    cluster.run(10)
    st = status(cluster, "job")
    assert st["phase"] == "Succeeded"
    term = st["containerStatuses"][0]["state"]["terminated"]
    assert (term["exitCode"], term["reason"]) == (0, "Completed")
    ready = [c for c in st["conditions"] if c["type"] == "Ready"][0]
    assert (ready["status"], ready["reason"]) == ("False", "PodCompleted")
    assert st["podIP"].startswith("10.244.1.")
    assert kubelet(cluster).logs("default", "job") == "done\n"


def test_restart_policy_on_failure(cluster):
    cluster.create(pod("f", [container(command=["sh", "-c", "exit 4"])], restartPolicy="Never"))
    cluster.create(pod("ok", [container(command=["sh", "-c", "exit 0"])], restartPolicy="OnFailure"))
    cluster.create(pod("again", [container(command=["sh", "-c", "exit 4"])], restartPolicy="OnFailure"))
    cluster.run(10)
    assert status(cluster, "f")["phase"] == "Failed"
    assert cstatus(cluster, "f")["state"]["terminated"]["exitCode"] == 4
    assert status(cluster, "ok")["phase"] == "Succeeded"
    assert status(cluster, "again")["phase"] == "Running"
    assert cstatus(cluster, "again")["restartCount"] >= 1


def test_init_containers_run_in_order_before_the_app(cluster):
    cluster.create(pod("init", [container("app", command=["sh", "-c", "cat /work/log; sleep 3600"],
                                          volumeMounts=[{"name": "w", "mountPath": "/work"}])],
                       initContainers=[
                           container("first", command=["sh", "-c", "echo one >> /work/log; sleep 2"],
                                     volumeMounts=[{"name": "w", "mountPath": "/work"}]),
                           container("second", command=["sh", "-c", "echo two >> /work/log"],
                                     volumeMounts=[{"name": "w", "mountPath": "/work"}])],
                       volumes=[{"name": "w", "emptyDir": {}}]))
    cluster.run(1.5)
    st = status(cluster, "init")
    assert st["phase"] == "Pending"
    init = [c for c in st["conditions"] if c["type"] == "Initialized"][0]
    assert (init["status"], init["reason"], init["message"]) == (
        "False", "ContainersNotInitialized", "containers with incomplete status: [first second]")
    assert st["containerStatuses"][0]["state"] == {"waiting": {"reason": "PodInitializing"}}
    cluster.run(10)
    st = status(cluster, "init")
    assert st["phase"] == "Running"
    assert [s["state"]["terminated"]["reason"] for s in st["initContainerStatuses"]] == ["Completed", "Completed"]
    assert kubelet(cluster).logs("default", "init") == "one\ntwo\n"
    started = [e for e in events(cluster, "init") if e["reason"] == "Started"]
    assert [e["message"] for e in started] == ["Started container first", "Started container second",
                                               "Started container app"]


def test_failing_init_container_with_restart_policy_never_fails_the_pod(cluster):
    cluster.create(pod("init", [container("app", command=["sleep", "3600"])], restartPolicy="Never",
                       initContainers=[container("check", command=["sh", "-c", "exit 1"])]))
    cluster.run(10)
    st = status(cluster, "init")
    assert st["phase"] == "Failed"
    assert st["initContainerStatuses"][0]["state"]["terminated"]["exitCode"] == 1


def test_sidecar_keeps_running_next_to_the_app(cluster):
    cluster.create(pod("sc", [container("app", "alpine:latest", command=[
        "sh", "-c", 'while true; do echo "logging" >> /opt/logs.txt; sleep 1; done'],
        volumeMounts=[{"name": "data", "mountPath": "/opt"}])],
        initContainers=[container("logshipper", "alpine:latest", restartPolicy="Always",
                                  command=["sh", "-c", "tail -F /opt/logs.txt"],
                                  volumeMounts=[{"name": "data", "mountPath": "/opt"}])],
        volumes=[{"name": "data", "emptyDir": {}}]))
    cluster.run(20)
    st = status(cluster, "sc")
    assert st["phase"] == "Running"
    assert list(st["initContainerStatuses"][0]["state"]) == ["running"]
    assert st["initContainerStatuses"][0]["ready"] is True and st["initContainerStatuses"][0]["started"] is True
    assert kubelet(cluster).logs("default", "sc", "logshipper", tail=2) == "logging\nlogging\n"
    # the sidecar started before the app
    started = [e["message"] for e in events(cluster, "sc") if e["reason"] == "Started"]
    assert started == ["Started container logshipper", "Started container app"]


def test_sidecar_is_stopped_after_the_app_on_deletion(cluster):
    cluster.create(pod("sc", [container("app", command=["sleep", "3600"])], terminationGracePeriodSeconds=5,
                       initContainers=[container("side", command=["sleep", "3600"], restartPolicy="Always")]))
    cluster.run(10)
    cluster.delete("pod", "sc")
    cluster.run(20)
    rt = cluster.node("kind-worker").runtime
    finished = {c.name: c.finished_at for c in rt.containers.values()}
    assert finished == {} or finished["app"] <= finished["side"]
    kills = [e for e in events(cluster, "sc") if e["reason"] == "Killing"]
    assert [e["message"] for e in kills] == ["Stopping container app", "Stopping container side"]


def test_pod_on_unknown_node_is_left_alone(cluster):
    cluster.create(pod("lost", [container(command=["sleep", "1"])], node="no-such-node"))
    cluster.run(5)
    assert status(cluster, "lost") == {"phase": "Pending", "qosClass": "BestEffort"}


def test_admission_rejects_a_pod_that_does_not_fit():
    c = Cluster(nodes=1, seed=0, node_cpu="2", network_addons=False)
    c.create(pod("big", [container(command=["sleep", "3600"], resources={"requests": {"cpu": "3"}})]))
    c.run(2)
    st = status(c, "big")
    assert st["phase"] == "Failed"
    assert st["reason"] == "OutOfcpu"
    assert st["message"] == ("Pod was rejected: Node didn't have enough resource: cpu, requested: 3000, used: 0, "
                             "capacity: 2000")
    assert [(e["type"], e["reason"]) for e in events(c, "big")] == [("Warning", "OutOfcpu")]
    assert c.node("kind-worker").runtime.pod_containers(c.get("pod", "big")["metadata"]["uid"]) == []


def test_admission_checks_node_selector(cluster):
    cluster.create(pod("picky", [container(command=["sleep", "3600"])], nodeSelector={"disk": "ssd"}))
    cluster.run(2)
    st = status(cluster, "picky")
    assert (st["phase"], st["reason"], st["message"]) == ("Failed", "NodeAffinity",
                                                          "Pod was rejected: Predicate NodeAffinity failed")


def test_three_replica_deployment_end_to_end():
    c = Cluster(nodes=3, seed=0, network_addons=False)
    if c.scheduler is None or "deployment" not in c.controller_manager.controllers:
        pytest.skip("needs kube-scheduler and the deployment controller")
    c.apply("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: nginx-deployment}
spec:
  replicas: 3
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers:
      - {name: nginx, image: nginx:1.7.9, ports: [{containerPort: 80}]}
""")
    c.settle()
    pods = c.list("pods", selector="app=nginx")
    assert len(pods) == 3 and all(p["status"]["phase"] == "Running" for p in pods)
    for p in pods:
        assert reasons(c, p["metadata"]["name"]) == ["Scheduled", "Pulling", "Pulled", "Created", "Started"]
    assert c.get("deploy", "nginx-deployment")["status"]["availableReplicas"] == 3
