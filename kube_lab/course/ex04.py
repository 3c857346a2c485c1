"""Exercise 04 — pod networking (solutions/04_pod_networking.ipynb).

A pod ``door`` reachable from outside on ``kind-worker2``'s IP through a hostPort, a pod ``pair``
whose sidecar reaches its web server over ``localhost``, a ``hostNetwork`` pod ``lobby`` that
answers on its node's IP, and a ConfigMap ``addresses`` holding the pod IP, node IP, pod CIDR and
cluster IP read from the cluster.  7 points.

The checks look at what the cluster does: pod status, the node's hostPort (CNI portmap) DNAT
rules, which process listens on which address in the nodes' container runtimes, container logs
(read from the kubelet, as ``kubectl logs`` does), and the live addresses the ConfigMap must
match.  They only read: no request is sent and no time passes."""
from __future__ import annotations

from . import inspect as k
from .checks import Fail, check

DOOR, DOOR_NODE, HOST_PORT, DOOR_PORT = "door", "kind-worker2", 9090, 8080
PAIR, APP, PROBE, APP_PORT = "pair", "app", "probe", 8080
LOBBY, LOBBY_PORT = "lobby", 8080
OUTSIDE = "172.18.0.1"            # the host running kind's node containers
FACTS = ("podIP", "nodeIP", "podCIDR", "clusterIP")


def _machine(cluster, node: str):
    return (getattr(cluster, "machines", None) or {}).get(node or "")


def _node_ip(node: dict) -> str:
    return next((a.get("address", "") for a in (node.get("status") or {}).get("addresses") or ()
                 if a.get("type") == "InternalIP"), "")


def _running(pod: dict, what: str) -> None:
    st = pod.get("status") or {}
    if st.get("phase") == "Running" and k.is_ready(pod):
        return
    waiting = [f"{s.get('name')} {((s.get('state') or {}).get('waiting') or {}).get('reason', '')}".strip()
               for s in st.get("containerStatuses") or () if "waiting" in (s.get("state") or {})]
    raise Fail(f"{what} is not Running and Ready (phase {st.get('phase')}"
               + (f"; waiting: {', '.join(waiting)}" if waiting else "") + "): run the cluster, or look at "
               f"`kubectl describe pod {pod['metadata']['name']}`")


def _listener(cluster, pod: dict, ip: str, port: int):
    """The process listening on ``ip:port`` on the pod's node, if it belongs to the pod."""
    machine = _machine(cluster, (pod.get("spec") or {}).get("nodeName"))
    if machine is None:
        return None
    proc = machine.runtime.listener(ip, port)
    if proc is None or proc.container.sandbox.config.pod_uid != pod["metadata"]["uid"]:
        return None
    return proc


def _logs(cluster, pod: dict, container: str) -> str:
    machine = _machine(cluster, (pod.get("spec") or {}).get("nodeName"))
    kubelet = getattr(machine, "kubelet", None)
    if kubelet is None:
        return ""
    try:
        return kubelet.logs(pod["metadata"].get("namespace", "default"), pod["metadata"]["name"], container)
    except Exception:  # noqa: BLE001 - the container never ran, the kubelet is down …
        return ""


@check("ex04.hostport", 2, "pod door on kind-worker2 is reachable from outside at kind-worker2's IP, port 9090",
       "give door's container port 8080 a `hostPort: 9090`, and pin the pod to kind-worker2 (nodeSelector "
       "`kubernetes.io/hostname: kind-worker2`); `kubectl get pod door -o wide` shows its node, and "
       "cluster.proxies['kind-worker2'].iptables_save('nat') its CNI-HOSTPORT-DNAT rule")
def hostport(cluster):
    pod = k.require(cluster, "pods", DOOR, what="pod")
    spec = pod.get("spec") or {}
    mapped = [p for c in spec.get("containers") or () for p in c.get("ports") or ()
              if p.get("hostPort") == HOST_PORT]
    if not mapped:
        ports = [p.get("hostPort") for c in spec.get("containers") or () for p in c.get("ports") or () if p.get("hostPort")]
        raise Fail("no container port of door has hostPort 9090" + (f" (hostPorts: {ports})" if ports else ""))
    if spec.get("hostNetwork"):
        raise Fail("door uses hostNetwork: the task asks for a pod with its own IP and a hostPort")
    node_name = spec.get("nodeName")
    if node_name != DOOR_NODE:
        raise Fail(f"door runs on {node_name or 'no node yet'}, not on {DOOR_NODE}")
    _running(pod, "door")
    node = k.require(cluster, "nodes", node_name, namespace=None, what="node")
    machine = _machine(cluster, node_name)
    if machine is None:
        raise Fail(f"node {node_name} has no machine")
    hit = machine.runtime.portmap.lookup(OUTSIDE, _node_ip(node), HOST_PORT)
    pod_ip = (pod.get("status") or {}).get("podIP")
    if hit is None or hit.endpoint_ip != pod_ip:
        raise Fail(f"{node_name}'s nat table has no hostPort rule sending port {HOST_PORT} to door ({pod_ip})")
    if _listener(cluster, pod, hit.endpoint_ip, hit.endpoint_port) is None:
        raise Fail(f"port {HOST_PORT} leads to {hit.endpoint}, but nothing in door listens there: the hostPort "
                   f"must map to the port the server listens on ({DOOR_PORT})")
    return True


@check("ex04.localhost", 2, "in pod pair, the probe container reaches the app container over localhost",
       "pod pair: container app runs agnhost `netexec --http-port=8080`, container probe (busybox) loops "
       "`wget -qO- http://localhost:8080/clientip; echo; sleep 5`; `kubectl logs pair -c probe` should show "
       "127.0.0.1 — the request never left the pod")
def localhost(cluster):
    pod = k.require(cluster, "pods", PAIR, what="pod")
    names = [c.get("name") for c in (pod.get("spec") or {}).get("containers") or ()]
    missing = [n for n in (APP, PROBE) if n not in names]
    if missing:
        raise Fail(f"pod pair has the containers {', '.join(n for n in names if n) or 'none'}; "
                   "it needs two named app and probe")
    _running(pod, "pair")
    pod_ip = (pod.get("status") or {}).get("podIP") or ""
    proc = _listener(cluster, pod, pod_ip, APP_PORT)
    if proc is None or proc.container.name != APP:
        who = f"container {proc.container.name}" if proc is not None else "nothing"
        raise Fail(f"{who} listens on port {APP_PORT} in pair; it should be the app container")
    lines = [line.strip() for line in _logs(cluster, pod, PROBE).splitlines()]
    if not any(line.startswith("127.0.0.1:") for line in lines):
        seen = next((line for line in reversed(lines) if line), "")
        raise Fail("the probe's log shows no answer saying the request came from 127.0.0.1"
                   + (f" (last line: {seen!r})" if seen else " (its log is empty)"))
    return True


@check("ex04.hostnetwork", 1, "pod lobby uses its node's network: its IP is the node's and it listens there",
       "create pod lobby with `hostNetwork: true` running agnhost `netexec --http-port=8080`; "
       "`kubectl get pod lobby -o wide` shows the node's IP as the pod's IP")
def hostnetwork(cluster):
    pod = k.require(cluster, "pods", LOBBY, what="pod")
    if not (pod.get("spec") or {}).get("hostNetwork"):
        raise Fail("lobby does not set spec.hostNetwork: true")
    _running(pod, "lobby")
    node = k.require(cluster, "nodes", pod["spec"]["nodeName"], namespace=None, what="node")
    ip, pod_ip = _node_ip(node), (pod.get("status") or {}).get("podIP")
    if pod_ip != ip:
        raise Fail(f"lobby's pod IP is {pod_ip}, not its node's IP {ip}")
    if _listener(cluster, pod, ip, LOBBY_PORT) is None:
        raise Fail(f"nothing of lobby listens on {ip}:{LOBBY_PORT}, the node's own address")
    return True


def _live_facts(cluster) -> dict:
    door = k.get(cluster, "pods", DOOR)
    if door is None or not (door.get("status") or {}).get("podIP"):
        raise Fail("pod door (task 1) has no IP yet, so there is nothing to compare with")
    node = k.require(cluster, "nodes", door["spec"]["nodeName"], namespace=None, what="node")
    svc = k.require(cluster, "services", "kubernetes", what="Service")
    return {"podIP": door["status"]["podIP"], "nodeIP": _node_ip(node),
            "podCIDR": (node.get("spec") or {}).get("podCIDR", ""), "clusterIP": (svc.get("spec") or {}).get("clusterIP", "")}


_WHERE = {"podIP": "door's .status.podIP", "nodeIP": "the INTERNAL-IP of door's node (or door's .status.hostIP)",
          "podCIDR": "the .spec.podCIDR of door's node", "clusterIP": "the CLUSTER-IP of Service kubernetes"}


@check("ex04.addresses", 2, "ConfigMap addresses holds door's pod IP, its node's IP and pod CIDR, and a cluster IP",
       "read the values from the cluster (`kubectl get pod door -o wide`, `kubectl get node <node> -o "
       "jsonpath={.spec.podCIDR}`, `kubectl get service kubernetes`) and store them with `kubectl create configmap "
       "addresses --from-literal=podIP=… --from-literal=nodeIP=… --from-literal=podCIDR=… --from-literal=clusterIP=…`")
def addresses(cluster):
    cm = k.require(cluster, "configmaps", "addresses", what="ConfigMap")
    data = cm.get("data") or {}
    missing = [key for key in FACTS if key not in data]
    if missing:
        raise Fail(f"ConfigMap addresses has no key {', '.join(missing)} (it has: {', '.join(sorted(data)) or 'none'})")
    live = _live_facts(cluster)
    wrong = [f"{key}={data[key].strip()!r} is not {_WHERE[key]}" for key in FACTS if data[key].strip() != live[key]]
    if wrong:
        raise Fail("; ".join(wrong))
    return True
