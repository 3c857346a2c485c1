"""Exercise 09 — kubectl (solutions/09_kubectl.ipynb).

The setup makes a Deployment ``shop`` (1 replica of the Kubernetes Basics app, annotated
``owner=team-legacy``) and a pod ``vault`` whose container ``lock`` waits until the file
``/tmp/key`` names the node the pod runs on.  The learner scales and relabels ``shop``, exposes it
as a NodePort Service, unlocks the vault with ``kubectl exec``, and records where the shop's pods
run in a ConfigMap built from ``kubectl get -o jsonpath``.  7 points."""
from __future__ import annotations

from . import inspect as k
from .checks import Fail, check

SHOP = "shop"
VAULT, LOCK = "vault", "lock"


def _shop(cluster) -> dict:
    return k.require(cluster, "deployments", SHOP, what="Deployment")


def _ready(cluster, dep: dict) -> list[dict]:
    return [p for p in k.pods_of(cluster, dep) if k.is_ready(p)]


def _user_writes(cluster, resource: str, name: str, verbs: tuple[str, ...], subresource: str | None = None) -> list:
    return [r for v in verbs for r in k.trace_records(cluster, verb=v, resource=resource, component=k.USER_COMPONENTS,
                                                      subresource=subresource)
            if r.name == name]


@check("ex09.scale-label", 2, "shop runs 3 Ready pods, is labelled tier=frontend and lost its owner annotation",
       "`kubectl scale deployment shop --replicas=3`, `kubectl label deployment shop tier=frontend` and "
       "`kubectl annotate deployment shop owner-` (a trailing dash removes a key); then cluster.run(30) and "
       "look at `kubectl get deployment shop --show-labels` and .metadata.annotations in `-o yaml`")
def scale_label(cluster):
    dep = _shop(cluster)
    if _user_writes(cluster, "deployments", SHOP, ("delete",)):
        raise Fail("Deployment shop was deleted and made again: change the object the setup made instead")
    replicas = (dep.get("spec") or {}).get("replicas", 1)
    if replicas != 3:
        raise Fail(f"spec.replicas is {replicas}, not 3")
    if not _user_writes(cluster, "deployments", SHOP, ("update", "patch"), subresource="scale"):
        raise Fail("the replica count was not changed through the scale subresource (what `kubectl scale` uses)")
    ready = len(_ready(cluster, dep))
    if ready != 3:
        raise Fail(f"{ready} of its pods are Ready, not 3: let the cluster run")
    labels = dep["metadata"].get("labels") or {}
    if labels.get("tier") != "frontend":
        raise Fail(f"its labels are {_pairs(labels)}: no tier=frontend")
    annotations = dep["metadata"].get("annotations") or {}
    if "owner" in annotations:
        raise Fail(f"it still has the annotation owner={annotations['owner']}")
    return True


def _pairs(d: dict) -> str:
    return ",".join(f"{a}={b}" for a, b in sorted(d.items())) or "(none)"


@check("ex09.expose", 2, "Service shop (NodePort) forwards port 80 to the shop pods' port 8080",
       "`kubectl expose deployment shop --type=NodePort --port=80 --target-port=8080`; "
       "`kubectl describe service shop` shows Port, TargetPort, NodePort and the Endpoints")
def expose(cluster):
    svc = k.require(cluster, "services", SHOP, what="Service")
    spec = svc.get("spec") or {}
    if spec.get("type") != "NodePort":
        raise Fail(f"the Service's type is {spec.get('type') or 'ClusterIP'}, not NodePort")
    ports = spec.get("ports") or []
    port = next((p for p in ports if p.get("port") == 80), None)
    if port is None:
        raise Fail(f"the Service listens on port {', '.join(str(p.get('port')) for p in ports) or 'none'}, not 80")
    if str(port.get("targetPort")) != "8080":
        raise Fail(f"port 80 forwards to targetPort {port.get('targetPort')}, not 8080 (the app listens on 8080)")
    if not port.get("nodePort"):
        raise Fail("port 80 has no nodePort")
    dep = _shop(cluster)
    pod_ips = {(p.get("status") or {}).get("podIP") for p in _ready(cluster, dep)}
    ready_eps, eps_ports = set(), set()
    for s in k.items(cluster, "endpointslices", selector=f"kubernetes.io/service-name={SHOP}"):
        eps_ports.update(p.get("port") for p in s.get("ports") or ())
        for ep in s.get("endpoints") or ():
            if (ep.get("conditions") or {}).get("ready") is not False:
                ready_eps.update(ep.get("addresses") or ())
    if not ready_eps:
        raise Fail(f"the Service has no ready endpoints: its selector {_pairs(spec.get('selector') or {})} "
                   "matches no Ready pod")
    if ready_eps != pod_ips:
        raise Fail(f"the Service sends traffic to {len(ready_eps)} address(es), {len(ready_eps & pod_ips)} of them "
                   f"among shop's {len(pod_ips)} Ready pods")
    if 8080 not in eps_ports:
        raise Fail(f"the endpoints use port {', '.join(map(str, sorted(p for p in eps_ports if p))) or 'none'}")
    return True


def _lock_log(cluster, pod: dict) -> str:
    node = (pod.get("spec") or {}).get("nodeName")
    if not node:
        raise Fail("pod vault is not on a node yet")
    try:
        kubelet = cluster.node(node).kubelet
        return kubelet.logs("default", VAULT, LOCK)
    except Exception as e:      # a stopped kubelet, a container that never started
        raise Fail(f"the logs of container {LOCK} cannot be read ({e})") from None


@check("ex09.exec-logs", 2, "the vault's lock container logged that it was unlocked on its node",
       "find the node with `kubectl get pod vault -o jsonpath={.spec.nodeName}`, write it into the file with "
       "`kubectl exec vault -c lock -- sh -c 'echo NODE > /tmp/key'` (without -c you reach the default container, "
       "guard), let the cluster run a few seconds and read `kubectl logs vault -c lock`")
def exec_logs(cluster):
    pod = k.require(cluster, "pods", VAULT, what="pod")
    if len(_user_writes(cluster, "pods", VAULT, ("create",))) > 1 or _user_writes(cluster, "pods", VAULT, ("delete",)):
        raise Fail("pod vault was deleted or made again: unlock the pod the setup made")
    node = pod["spec"].get("nodeName")
    log = _lock_log(cluster, pod)
    if f"vault: unlocked on {node}" in log.splitlines():
        return True
    lines = log.splitlines()
    last = lines[-1] if lines else "(nothing)"
    raise Fail(f"the lock container is still waiting: its last log line is {last!r}")


@check("ex09.placement", 1, "ConfigMap placement maps each Ready shop pod to its node",
       "build --from-literal flags from `kubectl get pods -l app=shop -o jsonpath=...` "
       "({.metadata.name} and {.spec.nodeName} of each item) and pass them to `kubectl create configmap placement`; "
       "`kubectl get pods -l app=shop -o wide` shows what it should hold")
def placement(cluster):
    cm = k.require(cluster, "configmaps", "placement", what="ConfigMap")
    data = cm.get("data") or {}
    dep = _shop(cluster)
    want = {p["metadata"]["name"]: p["spec"].get("nodeName") for p in _ready(cluster, dep)}
    if not want:
        raise Fail("Deployment shop has no Ready pod to compare with")
    missing = sorted(set(want) - set(data))
    extra = sorted(set(data) - set(want))
    wrong = sorted(n for n in set(want) & set(data) if data[n] != want[n])
    if missing or extra or wrong:
        parts = []
        if missing:
            parts.append(f"no entry for {', '.join(missing)}")
        if extra:
            parts.append(f"entries for pods that are not Ready shop pods: {', '.join(extra)}")
        if wrong:
            parts.append(", ".join(f"{n} runs on {want[n]}, not {data[n]}" for n in wrong))
        raise Fail("; ".join(parts))
    return True
