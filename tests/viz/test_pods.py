"""Pictures of one pod: its anatomy (sandbox, containers, volumes), the kubelet's CRI calls, and its
phase / conditions / container states over time."""
import pytest

from kube_lab import Cluster, viz
from kube_lab.viz import pods as vp

TWO_CONTAINERS = """
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  volumes:
  - name: html
    emptyDir: {}
  containers:
  - name: nginx
    image: nginx:1.25
    ports:
    - containerPort: 80
    volumeMounts:
    - {name: html, mountPath: /usr/share/nginx/html}
  - name: writer
    image: busybox:1.36
    command: ["sh", "-c", "echo hi > /html/index.html; sleep 3600"]
    volumeMounts:
    - {name: html, mountPath: /html}
"""

ONE_SHOT = """
apiVersion: v1
kind: Pod
metadata:
  name: task
spec:
  restartPolicy: Never
  initContainers:
  - name: prepare
    image: busybox:1.36
    command: ["sh", "-c", "sleep 4"]
  containers:
  - name: work
    image: busybox:1.36
    command: ["sh", "-c", "sleep 10"]
"""


@pytest.fixture()
def cluster():
    return Cluster(nodes=2, seed=3, network_addons=False)


def test_anatomy_shows_one_sandbox_its_ip_the_containers_and_the_shared_volume(cluster):
    cluster.apply(TWO_CONTAINERS)
    cluster.run(15)
    pod = cluster.get("pod", "web")
    ip, node = pod["status"]["podIP"], pod["spec"]["nodeName"]
    d = viz.pod_anatomy(cluster, "web")
    sandbox = cluster.node(node).runtime.pod_sandboxes(pod["metadata"]["uid"])[0]
    lines = d.outline().splitlines()
    assert lines[0] == f"Pod default/web on {node}"
    assert lines[1].strip() == (f"sandbox {sandbox.id[:12]} (pause registry.k8s.io/pause:3.10): network namespace "
                                f"with IP {ip}, hostname web, SANDBOX_READY")
    assert lines[2].strip().startswith("container nginx (nginx:1.25) port 80/TCP: Running, in sandbox " + sandbox.id[:12])
    assert lines[3].strip().startswith("container writer (busybox:1.36): Running, in sandbox " + sandbox.id[:12])
    assert lines[4].strip() == "volume html (emptyDir): mounted by nginx at /usr/share/nginx/html, writer at /html"
    assert "kube-api-access-" in lines[5] and "not drawn" in lines[5]
    assert repr(d) == (f"<pod anatomy diagram: pod default/web on {node}, IP {ip}: 2 containers in one sandbox, "
                       "1 volume and the token volume>")
    assert "shape=\"cylinder\"" in d.source and d.source.count("shape=\"box3d\"") == 2
    full = viz.pod_anatomy(cluster, "web", token_volume=True)
    assert "2 volumes>" in repr(full) and "projected" in full.outline()


def test_anatomy_of_a_pod_without_a_node_yet(cluster):
    cluster.apply(TWO_CONTAINERS.replace("containers:\n  - name: nginx",
                                         "nodeSelector: {disk: none}\n  containers:\n  - name: nginx"))
    cluster.run(2)
    d = viz.pod_anatomy(cluster, "web")
    assert "not scheduled yet" in repr(d) and "no sandbox yet" in d.outline()
    assert "container nginx (nginx:1.25) port 80/TCP: not created yet" in d.outline()


def test_cri_log_records_what_the_kubelet_asks_the_runtime_in_order(cluster):
    log = viz.cri_log(cluster)
    cluster.apply(TWO_CONTAINERS)
    cluster.run(15)
    pod = cluster.get("pod", "web")
    calls = log.of(pod="web")
    assert [c.call for c in calls] == ["RunPodSandbox", "PullImage", "CreateContainer", "StartContainer",
                                       "PullImage", "CreateContainer", "StartContainer"]
    assert {c.node for c in calls} == {pod["spec"]["nodeName"]}
    assert calls[0].subject == "pod default/web" and calls[0].result.endswith(f"IP {pod['status']['podIP']}")
    assert [c.short for c in calls[1:4]] == ["nginx:1.25", "nginx", "nginx"]
    assert all(c.end is not None and c.end >= c.start for c in calls)
    assert all(a.end <= b.start + 1e-9 for a, b in zip(calls, calls[1:]))    # one after the other
    ids = {c.id[:12] for c in cluster.node(pod["spec"]["nodeName"]).runtime.pod_containers(pod["metadata"]["uid"])}
    assert {c.result.split()[-1] for c in calls if c.call == "CreateContainer"} == ids
    text = log.text(pod="web").splitlines()
    assert text[0].startswith("asked at") and "RunPodSandbox" in text[1] and len(text) == 8
    tl = log.timeline(pod="web")
    assert tl.rows[:2] == ["RunPodSandbox pod web", "PullImage nginx:1.25"] and len(tl.spans) == 7
    # the runtime is left as it was; later calls are not recorded
    log.stop()
    assert not any(m in vars(cluster.node(n).runtime) for n in cluster.machines for m in vp.CRI_CALLS)
    recorded = len(log.calls)
    cluster.kubectl("delete pod web --wait=false")
    cluster.run(40)
    assert len(log.calls) == recorded and cluster.list("pods") == []


def test_cri_log_sees_stops_while_recording(cluster):
    cluster.apply(TWO_CONTAINERS)
    cluster.run(15)
    with viz.cri_log(cluster) as log:
        cluster.kubectl("delete pod web --grace-period=1 --wait=false")
        cluster.run(10)
    stops = [c.call for c in log.of(pod="web")]
    assert stops.count("StopContainer") == 2 and "StopPodSandbox" in stops


def test_status_spans_replay_phase_conditions_and_container_states(cluster):
    cluster.apply(ONE_SHOT)
    cluster.run(30)
    spans = viz.status_spans(cluster, "task")
    by_row: dict = {}
    for s in spans:
        by_row.setdefault(s.row, []).append(s)
    assert list(by_row) == ["phase", "PodScheduled", "PodReadyToStartContainers", "Initialized", "ContainersReady",
                            "Ready", "init container prepare", "container work"]
    assert [s.state for s in by_row["phase"]] == ["Pending", "Running", "Succeeded"]
    assert [s.state for s in by_row["Initialized"]] == ["False", "True"]
    assert [s.state for s in by_row["Ready"]] == ["False", "True", "False"]
    assert [s.state for s in by_row["init container prepare"]] == \
        ["Waiting: PodInitializing", "Running", "Terminated: Completed"]
    assert [s.state for s in by_row["container work"]] == \
        ["Waiting: PodInitializing", "Running", "Terminated: Completed"]
    for row in by_row.values():
        assert all(a.end == b.start for a, b in zip(row, row[1:]))         # one stretch after another
        assert row[-1].end is None
    # the init container finishes before the pod is Initialized, which is before work runs
    init_done = by_row["init container prepare"][-1].start
    assert init_done <= by_row["Initialized"][1].start <= by_row["container work"][1].start
    assert viz.status_spans(cluster, "nope") == []


def test_pod_status_animation_and_picture_have_stable_text(cluster):
    cluster.apply(ONE_SHOT)
    cluster.run(30)
    anim = viz.pod_status(cluster, "task", frames=3)
    assert repr(anim) == ("<Animation (3 frames): Pod task: phase, conditions, container states: 8 rows, 21 spans "
                          "from t=0s to t=30s (Pending, Running, Succeeded, True, False, Waiting: PodInitializing, "
                          "Terminated: Completed)>")
    tl = viz.pod_status(cluster, "task", animate=False, since=5)
    assert tl.start == 5 and all(s.start >= 5 for s in tl.spans)
    assert tl.colours["True"] != tl.colours["False"] and tl.colours["Succeeded"] != tl.colours["Running"]
    assert tl.picture().png()[:8] == b"\x89PNG\r\n\x1a\n"
