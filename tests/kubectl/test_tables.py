"""Server-side Tables (kube_lab.controlplane.apiserver.tables): the columns and cells of upstream's
pkg/printers/internalversion/printers.go, and the human-readable printer that lays them out."""
from __future__ import annotations

import pytest

from kube_lab.controlplane.apiserver.tables import convert_to_table, human_duration, pod_status_reason
from kube_lab.kubectl.printers.table import HumanReadablePrinter, TableOptions
from kube_lab.kubectl.printers.tabwriter import TabWriter

NOW = 1_700_000_000.0


def ts(ago: float) -> str:
    import time

    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW - ago))


@pytest.mark.parametrize("seconds,text", [
    (-5, "<invalid>"), (0, "0s"), (1.9, "1s"), (45, "45s"), (119, "119s"), (120, "2m"), (182, "3m2s"),
    (599, "9m59s"), (600, "10m"), (3 * 3600 - 1, "179m"), (3 * 3600, "3h"), (7 * 3600 + 59 * 60, "7h59m"),
    (8 * 3600 + 59 * 60, "8h"), (47 * 3600, "47h"), (48 * 3600, "2d"), (2 * 86400 + 3 * 3600, "2d3h"),
    (8 * 86400, "8d"), (800 * 86400, "2y70d"), (10 * 365 * 86400, "10y"),
])
def test_human_duration(seconds, text):
    # k8s.io/apimachinery/pkg/util/duration.HumanDuration
    assert human_duration(seconds) == text


def pod(name="p", phase="Running", statuses=None, init=None, init_statuses=None, deleting=False, node="n1",
        conditions=None, reason=None):
    spec = {"containers": [{"name": s.get("name", "c")} for s in (statuses or [{"name": "c"}])], "nodeName": node}
    if init:
        spec["initContainers"] = [{"name": n} for n in init]
    status = {"phase": phase, "containerStatuses": statuses or []}
    if init_statuses is not None:
        status["initContainerStatuses"] = init_statuses
    if conditions is not None:
        status["conditions"] = conditions
    if reason:
        status["reason"] = reason
    md = {"name": name, "namespace": "default", "creationTimestamp": ts(300)}
    if deleting:
        md["deletionTimestamp"] = ts(10)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec, "status": status}


def running(name="c", ready=True, restarts=0, last_finished_ago=None):
    st = {"name": name, "ready": ready, "restartCount": restarts, "state": {"running": {"startedAt": ts(100)}}}
    if last_finished_ago is not None:
        st["lastState"] = {"terminated": {"exitCode": 1, "finishedAt": ts(last_finished_ago)}}
    return st


def waiting(reason, name="c", restarts=0):
    return {"name": name, "ready": False, "restartCount": restarts, "state": {"waiting": {"reason": reason}}}


def terminated(reason, code=0, name="c"):
    return {"name": name, "ready": False, "restartCount": 0,
            "state": {"terminated": {"reason": reason, "exitCode": code, "finishedAt": ts(5)}}}


def row(p):
    return convert_to_table("pods", [p], NOW)["rows"][0]["cells"]


@pytest.mark.parametrize("p,ready,status,restarts", [
    (pod(statuses=[running()]), "1/1", "Running", "0"),
    (pod(statuses=[running(ready=False)]), "0/1", "Running", "0"),
    (pod(phase="Pending", statuses=[waiting("ContainerCreating")]), "0/1", "ContainerCreating", "0"),
    (pod(phase="Pending", statuses=[waiting("ImagePullBackOff")]), "0/1", "ImagePullBackOff", "0"),
    (pod(statuses=[waiting("CrashLoopBackOff", restarts=5)]), "0/1", "CrashLoopBackOff", "5"),
    (pod(statuses=[running(restarts=5, last_finished_ago=65)]), "1/1", "Running", "5 (65s ago)"),
    (pod(phase="Succeeded", statuses=[terminated("Completed")]), "0/1", "Completed", "0"),
    (pod(phase="Failed", statuses=[terminated("Error", 1)]), "0/1", "Error", "0"),
    (pod(phase="Failed", statuses=[{"name": "c", "ready": False, "restartCount": 0,
                                    "state": {"terminated": {"exitCode": 137}}}]), "0/1", "ExitCode:137", "0"),
    (pod(phase="Pending", statuses=[waiting("PodInitializing")], init=["i"],
         init_statuses=[{"name": "i", "ready": False, "restartCount": 0, "state": {"running": {}}}]),
     "0/1", "Init:0/1", "0"),
    (pod(phase="Pending", statuses=[waiting("PodInitializing")], init=["i"],
         init_statuses=[{"name": "i", "ready": False, "restartCount": 2, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]),
     "0/1", "Init:CrashLoopBackOff", "2"),
    (pod(statuses=[running()], deleting=True), "1/1", "Terminating", "0"),
    (pod(phase="Pending", statuses=[], node=""), "0/1", "Pending", "0"),
    (pod(phase="Failed", reason="Evicted", statuses=[running(ready=False)]), "0/1", "Evicted", "0"),
    (pod(phase="Running", reason="NodeLost", statuses=[running()], deleting=True), "1/1", "Unknown", "0"),
    (pod(statuses=[running(), running("d", ready=False)]), "1/2", "Running", "0"),
    (pod(statuses=[running(), terminated("Completed", name="d")], conditions=[{"type": "Ready", "status": "False"}]),
     "1/2", "NotReady", "0"),
    (pod(statuses=[running(), terminated("Completed", name="d")], conditions=[{"type": "Ready", "status": "True"}]),
     "1/2", "Running", "0"),
])
def test_pod_row(p, ready, status, restarts):
    cells = row(p)
    assert cells[:4] == ["p", ready, status, restarts]
    assert cells[4] == "5m"


def test_pod_columns_and_wide_cells():
    table = convert_to_table("pods", [pod(statuses=[running()])], NOW)
    cols = [(c["name"], c.get("priority", 0)) for c in table["columnDefinitions"]]
    assert cols == [("Name", 0), ("Ready", 0), ("Status", 0), ("Restarts", 0), ("Age", 0), ("IP", 1), ("Node", 1),
                    ("Nominated Node", 1), ("Readiness Gates", 1)]
    assert table["rows"][0]["cells"][5:] == ["<none>", "n1", "<none>", "<none>"]
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"


def test_pod_status_reason_terminating_beats_phase():
    p = pod(phase="Running", statuses=[running()], deleting=True)
    assert pod_status_reason(p)[0] == "Terminating"


def _render(table, **opts) -> str:
    out: list[str] = []
    tw = TabWriter(out)
    for line in HumanReadablePrinter(TableOptions(**opts)).lines(table):
        tw.write(line)
    tw.flush()
    return "".join(out)


def test_human_readable_printer_layout():
    table = convert_to_table("pods", [pod("web", statuses=[running()]),
                                      pod("worker-long-name", phase="Pending", statuses=[waiting("ContainerCreating")])],
                             NOW, include_object="Metadata")
    assert _render(table) == (
        "NAME               READY   STATUS              RESTARTS   AGE\n"
        "web                1/1     Running             0          5m\n"
        "worker-long-name   0/1     ContainerCreating   0          5m\n")
    assert _render(table, no_headers=True).splitlines()[0].startswith("web ")
    ns = _render(table, with_namespace=True)
    assert ns.splitlines()[0].startswith("NAMESPACE   NAME")
    kinded = _render(table, with_kind=True, kind="pod")
    assert kinded.splitlines()[1].startswith("pod/web ")
    wide = _render(table, wide=True)
    assert wide.splitlines()[0].split()[-4:] == ["NODE", "NOMINATED", "NODE", "READINESS", "GATES"][-4:]


def test_service_table():
    svc = {"apiVersion": "v1", "kind": "Service",
           "metadata": {"name": "web", "namespace": "default", "creationTimestamp": ts(3600 * 5)},
           "spec": {"type": "NodePort", "clusterIP": "10.96.1.2", "clusterIPs": ["10.96.1.2"], "selector": {"app": "web"},
                    "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"},
                              {"port": 53, "protocol": "UDP"}]}}
    lb = {**svc, "metadata": {**svc["metadata"], "name": "lb"},
          "spec": {**svc["spec"], "type": "LoadBalancer"}}
    table = convert_to_table("services", [svc, lb], NOW)
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Type", "Cluster-IP", "External-IP",
                                                               "Port(s)", "Age", "Selector"]
    assert table["rows"][0]["cells"] == ["web", "NodePort", "10.96.1.2", "<none>", "80:30080/TCP,53/UDP", "5h",
                                         "app=web"]
    assert table["rows"][1]["cells"][3] == "<pending>"


def test_deployment_and_node_tables():
    d = {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "web", "namespace": "default", "creationTimestamp": ts(90)},
         "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                  "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.25"}]}}},
         "status": {"replicas": 3, "updatedReplicas": 2, "readyReplicas": 1, "availableReplicas": 1}}
    assert convert_to_table("deployments", [d], NOW)["rows"][0]["cells"] == [
        "web", "1/3", 2, 1, "90s", "nginx", "nginx:1.25", "app=web"]
    node = {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": "n1", "creationTimestamp": ts(86400 * 3),
                         "labels": {"node-role.kubernetes.io/control-plane": ""}},
            "spec": {"unschedulable": True},
            "status": {"conditions": [{"type": "Ready", "status": "True"}],
                       "nodeInfo": {"kubeletVersion": "v1.32.0", "osImage": "Debian", "kernelVersion": "6.8",
                                    "containerRuntimeVersion": "containerd://1.7"},
                       "addresses": [{"type": "InternalIP", "address": "172.18.0.2"}]}}
    cells = convert_to_table("nodes", [node], NOW)["rows"][0]["cells"]
    assert cells[:5] == ["n1", "Ready,SchedulingDisabled", "control-plane", "3d", "v1.32.0"]
    assert cells[5:] == ["172.18.0.2", "<none>", "Debian", "6.8", "containerd://1.7"]


def test_unknown_kinds_get_name_and_created_at():
    obj = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
           "metadata": {"name": "x", "namespace": "default", "creationTimestamp": ts(10)}, "spec": {}}
    table = convert_to_table("somethingelse", [obj], NOW)
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Created At"]
    assert table["rows"][0]["cells"] == ["x", ts(10)]
