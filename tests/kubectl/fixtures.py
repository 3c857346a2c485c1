"""Cluster states for kubectl tests: pods in every phase, written the way a kubelet writes them
(binding, then status updates), so tests do not depend on the scheduler and kubelet work."""
from __future__ import annotations

from kube_lab import Cluster
from kube_lab.api.meta import deep_copy


def pod(name: str, image: str = "nginx:1.25", labels: dict | None = None, namespace: str = "default",
        containers: list | None = None, init: list | None = None) -> dict:
    spec = {"containers": containers or [{"name": "app", "image": image}]}
    if init:
        spec["initContainers"] = init
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "labels": labels or {"app": name}},
            "spec": spec}


def bind(cluster: Cluster, name: str, node: str, namespace: str = "default") -> None:
    c = cluster.client("kube-scheduler")
    c.create("pods", {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name},
                      "target": {"apiVersion": "v1", "kind": "Node", "name": node}},
             namespace, subresource="binding", name=name)


def set_status(cluster: Cluster, name: str, status: dict, namespace: str = "default") -> dict:
    c = cluster.client("kubelet")
    cur = deep_copy(c.get("pods", name, namespace))
    cur["status"] = {**(cur.get("status") or {}), **status}
    return c.update_status("pods", cur, namespace)


def ts(cluster: Cluster, offset: float = 0.0) -> str:
    return cluster.apiserver.timestamp(offset)


def running_status(cluster: Cluster, pod_obj: dict, ip: str, host_ip: str = "172.18.0.3", ready: bool = True,
                   restarts: int = 0, last_finished: str | None = None, started: float = 0.0) -> dict:
    now = ts(cluster, started)
    statuses = []
    for c in pod_obj["spec"]["containers"]:
        st = {"name": c["name"], "image": c["image"], "imageID": f"docker.io/library/{c['image']}@sha256:00",
              "containerID": "containerd://" + "ab" * 32, "ready": ready, "restartCount": restarts,
              "started": True, "state": {"running": {"startedAt": now}}, "lastState": {}}
        if last_finished:
            st["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": now,
                                              "finishedAt": last_finished, "containerID": "containerd://" + "cd" * 32}}
        statuses.append(st)
    return {
        "phase": "Running", "hostIP": host_ip, "hostIPs": [{"ip": host_ip}], "podIP": ip, "podIPs": [{"ip": ip}],
        "startTime": now, "qosClass": "BestEffort",
        "conditions": [
            {"type": "PodReadyToStartContainers", "status": "True", "lastProbeTime": None, "lastTransitionTime": now},
            {"type": "Initialized", "status": "True", "lastProbeTime": None, "lastTransitionTime": now},
            {"type": "Ready", "status": "True" if ready else "False", "lastProbeTime": None, "lastTransitionTime": now},
            {"type": "ContainersReady", "status": "True" if ready else "False", "lastProbeTime": None,
             "lastTransitionTime": now},
            {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": now},
        ],
        "containerStatuses": statuses,
    }


def waiting_status(cluster: Cluster, pod_obj: dict, reason: str, message: str = "", restarts: int = 0,
                   last_finished: str | None = None) -> dict:
    now = ts(cluster)
    statuses = []
    for c in pod_obj["spec"]["containers"]:
        st = {"name": c["name"], "image": c["image"], "imageID": "", "ready": False, "restartCount": restarts,
              "started": False, "state": {"waiting": {"reason": reason, **({"message": message} if message else {})}},
              "lastState": {}}
        if last_finished:
            st["lastState"] = {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": now,
                                              "finishedAt": last_finished}}
        statuses.append(st)
    return {"phase": "Pending", "hostIP": "172.18.0.3", "hostIPs": [{"ip": "172.18.0.3"}], "startTime": now,
            "qosClass": "BestEffort",
            "conditions": [{"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                            "lastTransitionTime": now}],
            "containerStatuses": statuses}


ELAPSED = 30


def frozen(nodes: int = 2, start_time: float | None = None) -> Cluster:
    """A cluster whose scheduler and kubelets are stopped, so that pods keep exactly the status a
    test writes (bindings and statuses are written by hand, as those components would)."""
    c = Cluster(nodes=nodes, seed=0, start_time=start_time)
    if getattr(c, "scheduler", None) is not None:
        c.scheduler.stop()
    for name in list(getattr(c, "machines", {}) or {}):
        c.node(name).stop_kubelet()
    return c


def lab(nodes: int = 2, start_time: float | None = None) -> Cluster:
    """A frozen cluster with pods in several states, two services and a configmap; the pods were
    created 30 s ago (short enough for the stopped kubelets' nodes to still count as Ready).
    ``start_time`` (Unix seconds of virtual time 0) lets oracle tests line the virtual clock up
    with the wall clock the real kubectl reads when it computes ages in ``describe``."""
    c = frozen(nodes, start_time)
    u = c.client("user")
    p1 = u.create("pods", pod("web-1", labels={"app": "web", "tier": "frontend"}), "default")
    bind(c, "web-1", "kind-worker")
    c.run(5)
    set_status(c, "web-1", running_status(c, p1, "10.244.1.5"))
    p2 = u.create("pods", pod("crash", image="busybox:1.36"), "default")
    bind(c, "crash", "kind-worker2" if nodes > 1 else "kind-worker")
    c.run(10)
    set_status(c, "crash", waiting_status(c, p2, "CrashLoopBackOff",
                                          "back-off 40s restarting failed container=app", restarts=3,
                                          last_finished=ts(c, -12)))
    u.create("pods", pod("pending"), "default")
    p4 = u.create("pods", pod("creating"), "default")
    bind(c, "creating", "kind-worker")
    set_status(c, "creating", waiting_status(c, p4, "ContainerCreating"))
    u.create("services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                          "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}},
             "default")
    u.create("services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web-np"},
                          "spec": {"type": "NodePort", "selector": {"app": "web"},
                                   "ports": [{"port": 80, "targetPort": 8080, "nodePort": 30080}]}}, "default")
    u.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"},
                            "data": {"a": "1", "b": "two"}}, "default")
    c.run(15)
    return c
