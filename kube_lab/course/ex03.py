"""Exercise 03 — pods, nodes and scheduling (solutions/03_pods.ipynb).

A two-container pod ``duo`` whose containers share an emptyDir volume and talk over ``localhost``,
a pod ``fast`` steered onto a labelled node by ``nodeSelector``, a pod ``greedy`` that asks for more
CPU than any node has, and a pod ``once`` that runs to completion.  7 points.

The checks look at what happened: container states, files as the containers see them in the
node's container runtime, container logs (read from the kubelet, as kube-apiserver reads them for
``kubectl logs``), the scheduler's recorded decision and the pods' status."""
from __future__ import annotations

from . import inspect as k
from .checks import Fail, check

DUO, WEB, POLLER = "duo", "web", "poller"
SERVED = "/usr/share/nginx/html"


def _pod(cluster, name: str) -> dict:
    return k.require(cluster, "pods", name, what="pod")


def _state(pod: dict, container: str) -> str:
    for s in (pod.get("status") or {}).get("containerStatuses") or ():
        if s.get("name") == container:
            state = s.get("state") or {}
            if "running" in state:
                return "running" + ("" if s.get("ready") else " (not ready)")
            for key in ("waiting", "terminated"):
                if key in state:
                    return f"{key} ({(state[key] or {}).get('reason', '')})"
    return "not started"


def _instance(cluster, pod: dict, container: str):
    """The container as the node's runtime runs it now (its newest instance), or None."""
    machine = (getattr(cluster, "machines", None) or {}).get((pod.get("spec") or {}).get("nodeName") or "")
    if machine is None:
        return None
    found = [c for c in machine.runtime.pod_containers(pod["metadata"]["uid"]) if c.name == container]
    return max(found, key=lambda c: c.attempt) if found else None


def _mount(pod: dict, container: str, volume: str) -> str | None:
    for c in (pod.get("spec") or {}).get("containers") or ():
        if c.get("name") == container:
            for m in c.get("volumeMounts") or ():
                if m.get("name") == volume:
                    return m.get("mountPath")
    return None


def _read(inst, path: str) -> str | None:
    try:
        return inst.fs.read(path)
    except Exception:  # noqa: BLE001 - no such file, a directory …
        return None


def _logs(cluster, pod: dict, container: str) -> str:
    """What ``kubectl logs`` shows: kube-apiserver asks the pod's kubelet."""
    machine = (getattr(cluster, "machines", None) or {}).get((pod.get("spec") or {}).get("nodeName") or "")
    kubelet = getattr(machine, "kubelet", None)
    if kubelet is None:
        return ""
    try:
        return kubelet.logs(pod["metadata"].get("namespace", "default"), pod["metadata"]["name"], container)
    except Exception:  # noqa: BLE001 - the container never ran, the kubelet is down …
        return ""


def _running_duo(cluster) -> dict:
    pod = _pod(cluster, DUO)
    names = [c.get("name") for c in (pod.get("spec") or {}).get("containers") or ()]
    missing = [n for n in (WEB, POLLER) if n not in names]
    if missing:
        raise Fail(f"pod duo has the containers {', '.join(names)}; it needs two named web and poller")
    for n in (WEB, POLLER):
        state = _state(pod, n)
        if state != "running":
            raise Fail(f"container {n} is {state}")
    return pod


@check("ex03.shared-volume", 2, "pod duo runs two containers that see the same files through one emptyDir volume",
       "give the pod a volume `shared` with `emptyDir: {}` and mount it in both containers (volumeMounts: "
       f"web at {SERVED}, poller at /data); the poller writes /data/index.html. `kubectl get pod duo` "
       "should say 2/2, and `kubectl exec duo -c web -- cat /usr/share/nginx/html/index.html` show its text")
def shared_volume(cluster):
    pod = _running_duo(cluster)
    volumes = (pod.get("spec") or {}).get("volumes") or ()
    shared = [v["name"] for v in volumes if "emptyDir" in v
              and _mount(pod, WEB, v["name"]) and _mount(pod, POLLER, v["name"])]
    if not shared:
        empties = [v["name"] for v in volumes if "emptyDir" in v]
        raise Fail("no emptyDir volume is mounted by both containers" +
                   (f" (emptyDir volumes: {', '.join(empties)})" if empties else " (the pod has no emptyDir volume)"))
    web, poller = _instance(cluster, pod, WEB), _instance(cluster, pod, POLLER)
    if web is None or poller is None:
        raise Fail("the node's container runtime does not run both containers")
    for vol in shared:
        seen_by_web = _read(web, _mount(pod, WEB, vol).rstrip("/") + "/index.html")
        seen_by_poller = _read(poller, _mount(pod, POLLER, vol).rstrip("/") + "/index.html")
        if seen_by_web and seen_by_web == seen_by_poller:
            if _mount(pod, WEB, vol).rstrip("/") != SERVED:
                raise Fail(f"both containers see index.html in volume {vol}, but web mounts it at "
                           f"{_mount(pod, WEB, vol)}, not where nginx serves files from ({SERVED})")
            return True
    raise Fail(f"no index.html in the shared volume ({', '.join(shared)}) that both containers can read: "
               "has the poller written it?")


@check("ex03.localhost", 1, "the poller fetches web's page over localhost",
       "in the poller, loop `wget -qO- http://localhost` (then sleep 5); `kubectl logs duo -c poller` should "
       "print the page, and `kubectl logs duo -c web` show requests from 127.0.0.1")
def localhost(cluster):
    pod = _running_duo(cluster)
    web_log = _logs(cluster, pod, WEB)
    local = [line for line in web_log.splitlines() if line.startswith("127.0.0.1 ") and '" 200 ' in line]
    if not local:
        raise Fail("nginx in container web has answered no request from 127.0.0.1 (look at `kubectl logs duo -c web`)")
    web = _instance(cluster, pod, WEB)
    page = _read(web, SERVED + "/index.html") if web is not None else None
    first = (page or "").strip().splitlines()[:1]
    if not first:
        raise Fail(f"web has no {SERVED}/index.html to serve")
    if first[0] not in _logs(cluster, pod, POLLER):
        raise Fail(f"web answered on localhost, but the poller's log does not show the page ({first[0]!r})")
    return True


@check("ex03.node-selector", 2, "pod fast runs on the node labelled disk=ssd because it asked for it",
       "`kubectl label node kind-worker2 disk=ssd`, then create pod fast with `nodeSelector: {disk: ssd}` and "
       "resources.requests (cpu 250m, memory 64Mi); cluster.scheduler.explain('fast') shows which filter "
       "ruled out the other nodes")
def node_selector(cluster):
    pod = _pod(cluster, "fast")
    node_name = (pod.get("spec") or {}).get("nodeName")
    if not node_name:
        raise Fail("pod fast has no node yet: `kubectl describe pod fast` says why")
    node = k.require(cluster, "nodes", node_name, namespace=None, what="node")
    if (node["metadata"].get("labels") or {}).get("disk") != "ssd":
        raise Fail(f"pod fast runs on {node_name}, which has no label disk=ssd")
    if not k.is_ready(pod):
        raise Fail(f"pod fast is on {node_name} but not Ready (`kubectl describe pod fast`)")
    try:
        why = cluster.scheduler.explain("fast")
    except LookupError:
        raise Fail("kube-scheduler never placed fast (was spec.nodeName set by hand?)") from None
    verdicts = why.filter_table()
    if "NodeAffinity" not in verdicts:
        raise Fail("the scheduler ruled out no node for its labels: did fast ask for disk=ssd with a nodeSelector?")
    qos = (pod.get("status") or {}).get("qosClass")
    if qos == "BestEffort":
        raise Fail("fast requests no CPU or memory (its QoS class is BestEffort)")
    return True


@check("ex03.unschedulable", 1, "pod greedy stays Pending: no node has the CPU it requests",
       "create pod greedy requesting more CPU than a node offers (each has 4: try cpu: \"6\"); its PodScheduled "
       "condition (`kubectl describe pod greedy`, Events: FailedScheduling) should say Insufficient cpu")
def unschedulable(cluster):
    pod = _pod(cluster, "greedy")
    st = pod.get("status") or {}
    if (pod.get("spec") or {}).get("nodeName"):
        raise Fail(f"greedy was scheduled on {pod['spec']['nodeName']}: it fits, so ask for more CPU")
    cond = next((c for c in st.get("conditions") or () if c.get("type") == "PodScheduled"), None)
    if cond is None or cond.get("status") != "False" or cond.get("reason") != "Unschedulable":
        raise Fail("greedy has not been found unschedulable yet (no PodScheduled=False condition): run the cluster")
    if "Insufficient cpu" not in (cond.get("message") or ""):
        raise Fail(f"the scheduler rejected greedy, but not for lack of CPU: {cond.get('message')}")
    return True


@check("ex03.succeeded", 1, "pod once ran its command to completion and Succeeded",
       "create pod once with restartPolicy: Never and a busybox container that runs "
       "`echo all done` and exits; `kubectl get pod once -o jsonpath={.status.phase}` should say Succeeded")
def succeeded(cluster):
    pod = _pod(cluster, "once")
    st = pod.get("status") or {}
    statuses = st.get("containerStatuses") or []
    phase = st.get("phase")
    if phase != "Succeeded":
        states = ", ".join(f"{s.get('name')} {_state(pod, s.get('name'))}" for s in statuses)
        raise Fail(f"its phase is {phase}" + (f" (containers: {states})" if states else ""))
    bad = [s.get("name") for s in statuses
           if ((s.get("state") or {}).get("terminated") or {}).get("exitCode") != 0]
    if bad:
        raise Fail(f"container(s) {', '.join(bad)} did not exit with code 0")
    if not any("all done" in _logs(cluster, pod, s.get("name", "")) for s in statuses):
        raise Fail("its container's log does not say 'all done'")
    return True
