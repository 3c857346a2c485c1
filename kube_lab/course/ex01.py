"""Exercise 01 — cloud native: what Kubernetes gives you (solutions/01_cloud_native.ipynb).

A Deployment ``hello`` of nginx, exposed as a Service, configured from a ConfigMap, rolled out
to a new version, and healed after a pod is deleted.  7 points."""
from __future__ import annotations

from . import inspect as k
from .checks import Fail, check

NAME = "hello"
NEW_IMAGE = "nginx:1.27"


def _deployment(cluster) -> dict:
    return k.require(cluster, "deployments", NAME, what="Deployment")


def _ready_pods(cluster, dep: dict) -> list[dict]:
    return [p for p in k.pods_of(cluster, dep) if k.is_ready(p)]


@check("ex01.deployment", 2, "Deployment hello runs 3 Ready nginx pods",
       "create it with `kubectl create deployment hello --image=nginx:1.25 --replicas=3`, run the "
       "cluster for a while (cluster.run(30)), then READY in `kubectl get deployment hello` should be 3/3")
def deployment(cluster):
    dep = _deployment(cluster)
    want = (dep.get("spec") or {}).get("replicas", 1)
    if want != 3:
        raise Fail(f"spec.replicas is {want}, not 3")
    ready = _ready_pods(cluster, dep)
    if len(ready) != 3:
        raise Fail(f"{len(ready)} of its pods are Ready, not 3")
    bad = [i for p in ready for i in k.images(p) if not i.split("/")[-1].startswith("nginx")]
    if bad:
        raise Fail(f"its pods run {', '.join(sorted(set(bad)))}, not nginx")
    return True


@check("ex01.service", 1, "Service hello sends traffic to the 3 pods",
       "expose the Deployment on port 80 with `kubectl expose deployment hello --port 80`; "
       "`kubectl get endpointslices -l kubernetes.io/service-name=hello` should list 3 ready addresses")
def service(cluster):
    svc = k.require(cluster, "services", NAME, what="Service")
    ports = [p.get("port") for p in (svc.get("spec") or {}).get("ports") or ()]
    if 80 not in ports:
        raise Fail(f"Service hello listens on port {', '.join(map(str, ports)) or 'none'}, not 80")
    dep = _deployment(cluster)
    pod_ips = {(p.get("status") or {}).get("podIP") for p in _ready_pods(cluster, dep)}
    ready_eps = set()
    for s in k.items(cluster, "endpointslices", selector=f"kubernetes.io/service-name={NAME}"):
        for ep in s.get("endpoints") or ():
            if (ep.get("conditions") or {}).get("ready") is not False:
                ready_eps.update(ep.get("addresses") or ())
    if not ready_eps:
        raise Fail("the Service has no ready endpoints: its selector matches no Ready pod "
                   f"(selector {(svc.get('spec') or {}).get('selector')})")
    if ready_eps != pod_ips or len(ready_eps) != 3:
        raise Fail(f"the Service sends traffic to {len(ready_eps)} address(es), "
                   f"{len(ready_eps & pod_ips)} of them Deployment hello's 3 Ready pods")
    return True


@check("ex01.config", 1, "hello's containers get GREETING from ConfigMap hello-config",
       "create the ConfigMap with `kubectl create configmap hello-config --from-literal=greeting='hello, kubernetes'` "
       "and hand it to the Deployment with `kubectl set env deployment/hello --from=configmap/hello-config`")
def config(cluster):
    cm = k.require(cluster, "configmaps", "hello-config", what="ConfigMap")
    value = (cm.get("data") or {}).get("greeting")
    if value != "hello, kubernetes":
        raise Fail(f"ConfigMap hello-config has greeting={value!r}, not 'hello, kubernetes'")
    dep = _deployment(cluster)
    ready = _ready_pods(cluster, dep)
    if not ready:
        raise Fail("Deployment hello has no Ready pod to look at")
    for p in ready:
        for c in (p.get("spec") or {}).get("containers") or ():
            ref = [((e.get("valueFrom") or {}).get("configMapKeyRef") or {}) for e in c.get("env") or ()
                   if e.get("name") == "GREETING"]
            if not any(r.get("name") == "hello-config" and r.get("key") == "greeting" for r in ref):
                raise Fail(f"container {c.get('name')} of pod {p['metadata']['name']} has no GREETING "
                           "variable taken from ConfigMap hello-config")
    return True


@check("ex01.rollout", 2, f"hello rolled out to {NEW_IMAGE}, the old version kept for a rollback",
       f"`kubectl set image deployment/hello nginx={NEW_IMAGE}`, then `kubectl rollout status deployment/hello`; "
       "`kubectl rollout history deployment/hello` should list the older revisions")
def rollout(cluster):
    dep = _deployment(cluster)
    containers = ((dep.get("spec") or {}).get("template") or {}).get("spec", {}).get("containers") or []
    template_images = [c.get("image") for c in containers]
    if NEW_IMAGE not in template_images:
        raise Fail(f"the Deployment's pod template uses {', '.join(template_images)}, not {NEW_IMAGE}")
    st = dep.get("status") or {}
    if st.get("updatedReplicas", 0) != 3 or st.get("readyReplicas", 0) != 3 or st.get("replicas", 0) != 3:
        raise Fail(f"the rollout is not finished (status: {st.get('updatedReplicas', 0)} up-to-date, "
                   f"{st.get('readyReplicas', 0)} ready, {st.get('replicas', 0)} in total)")
    old = [rs for rs in k.replicasets_of(cluster, dep)
           if NEW_IMAGE not in [c.get("image") for c in
                                ((rs.get("spec") or {}).get("template") or {}).get("spec", {}).get("containers") or []]]
    if not old:
        raise Fail("there is no older ReplicaSet: the Deployment was never updated from another version")
    if any((rs.get("spec") or {}).get("replicas", 0) for rs in old):
        raise Fail("an older ReplicaSet still wants pods: the rollout has not finished")
    return True


@check("ex01.self-healing", 1, "a deleted pod of hello was replaced",
       "delete one pod with `kubectl delete pod <name>` (names from `kubectl get pods`), "
       "then cluster.run(30): the ReplicaSet creates a new pod and READY is 3/3 again")
def self_healing(cluster):
    deleted = [r.name for r in k.trace_records(cluster, verb="delete", resource="pods",
                                               component=k.USER_COMPONENTS, prefix=NAME)]
    if not deleted:
        raise Fail("no pod of hello was ever deleted with kubectl")
    dep = _deployment(cluster)
    ready = _ready_pods(cluster, dep)
    names = {p["metadata"]["name"] for p in ready}
    if len(ready) != 3:
        raise Fail(f"after the deletion {len(ready)} pods are Ready, not 3")
    if names & set(deleted):
        raise Fail("the pod you deleted is still there")
    return True
