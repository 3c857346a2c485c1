"""Exercise 02 — architecture: components, watches, etcd (solutions/02_architecture.ipynb).

A Deployment ``api`` followed through the components by its trace, scaled by changing its spec,
healed by the reconcile loop after its ReplicaSet is deleted, a ConfigMap read back as a raw etcd
key, and the whole cluster backed up and restored.  7 points."""
from __future__ import annotations

from . import inspect as k
from .checks import Fail, check

NAME = "api"


def _chain(cluster) -> list[str]:
    """Which links of the Deployment → ReplicaSet → Pod → node chain this cluster's trace shows."""
    links = []
    if k.trace_records(cluster, verb="create", resource="deployments", component=k.USER_COMPONENTS, prefix=NAME):
        links.append("you created the Deployment")
    if k.trace_records(cluster, verb="create", resource="replicasets", component="kube-controller-manager", prefix=NAME):
        links.append("kube-controller-manager created its ReplicaSet")
    pods = k.trace_records(cluster, verb="create", resource="pods", component="kube-controller-manager")
    pods = [r for r in pods if r.name.startswith(NAME + "-") and r.subresource == ""]
    if pods:
        links.append("kube-controller-manager created Pods")
    if k.trace_records(cluster, verb="create", resource="pods", component="kube-scheduler", subresource="binding",
                       prefix=NAME):
        links.append("kube-scheduler bound them to nodes")
    status = [r for r in k.trace_records(cluster, resource="pods", component="kubelet", subresource="status")
              if r.name.startswith(NAME + "-")]
    if status:
        links.append("kubelets reported their status")
    return links


@check("ex02.watch-chain", 2, "the trace shows Deployment api travelling through every component",
       "create it with `kubectl create deployment api --image=nginx:1.25 --replicas=2` and run the cluster "
       "(cluster.run(30)); then look for its name in cluster.trace: kubectl, kube-controller-manager, "
       "kube-scheduler and a kubelet should all appear")
def watch_chain(cluster, clusters):
    best: list[str] = []
    for c in clusters:
        links = _chain(c)
        if len(links) == 5:
            return True
        if len(links) > len(best):
            best = links
    missing = 5 - len(best)
    if not best:
        raise Fail("no cluster of this notebook has a Deployment named api in its trace")
    raise Fail(f"the trace shows only: {'; '.join(best)} ({missing} step(s) missing)")


def _api(cluster) -> dict:
    return k.require(cluster, "deployments", NAME, what="Deployment")


@check("ex02.spec-status", 1, "api's spec asks for 3 replicas and its status reports 3 Ready",
       "change only the desired state: `kubectl scale deployment api --replicas=3`, then cluster.run(30) and "
       "compare .spec.replicas with .status.readyReplicas in `kubectl get deployment api -o yaml`")
def spec_status(cluster):
    dep = _api(cluster)
    spec, st = dep.get("spec") or {}, dep.get("status") or {}
    if spec.get("replicas") != 3:
        raise Fail(f"spec.replicas is {spec.get('replicas')}, not 3")
    if st.get("readyReplicas", 0) != 3:
        raise Fail(f"status.readyReplicas is {st.get('readyReplicas', 0)}: the controllers have not caught up yet")
    if st.get("observedGeneration") != dep["metadata"].get("generation"):
        raise Fail("status.observedGeneration lags metadata.generation: the controller has not seen the last change")
    return True


@check("ex02.reconcile", 1, "after you deleted api's ReplicaSet, the Deployment controller made it again",
       "delete the ReplicaSet (not the Deployment): `kubectl delete replicaset <name>` with the name from "
       "`kubectl get rs`, then cluster.run(30)")
def reconcile(cluster, clusters):
    for c in clusters:
        deletes = k.trace_records(c, verb="delete", resource="replicasets", component=k.USER_COMPONENTS, prefix=NAME)
        if not deletes:
            continue
        first = deletes[0].seq
        again = [r for r in k.trace_records(c, verb="create", resource="replicasets",
                                            component="kube-controller-manager", prefix=NAME) if r.seq > first]
        if again:
            return True
        raise Fail("you deleted the ReplicaSet, but no new one has been created yet: run the cluster a little")
    raise Fail("no ReplicaSet of api was ever deleted with kubectl")


@check("ex02.etcd", 1, "etcd holds ConfigMap notes of namespace lab under its raw key",
       "`kubectl create namespace lab`, then `kubectl create configmap notes -n lab --from-literal=topic=architecture`; "
       "cluster.etcd.get('/registry/configmaps/lab/notes') shows what the API server stored")
def etcd(cluster):
    kv = cluster.etcd.get("/registry/configmaps/lab/notes")
    if kv is None:
        raise Fail("etcd has no key /registry/configmaps/lab/notes")
    topic = ((kv.value or {}).get("data") or {}).get("topic")
    if topic != "architecture":
        raise Fail(f"the stored ConfigMap has topic={topic!r}, not 'architecture'")
    return True


@check("ex02.backup-restore", 2, "a cluster restored from an etcd snapshot runs api again",
       "cluster.snapshot_save(backup_path), then restored = Cluster.restore(backup_path) and restored.run(60); "
       "`kubectl get deployment api` on the restored cluster should show 3/3")
def backup_restore(cluster, clusters):
    restored = [c for c in clusters if getattr(c.etcd, "saved_at", None) is not None]
    if not restored:
        raise Fail("no cluster of this notebook was restored from a snapshot")
    problems = []
    for c in reversed(restored):
        dep = k.get(c, "deployments", NAME)
        if dep is None:
            problems.append("the restored cluster has no Deployment api (was the snapshot taken before it existed?)")
            continue
        ready = [p for p in k.pods_of(c, dep) if k.is_ready(p)]
        if len(ready) < (dep.get("spec") or {}).get("replicas", 1):
            problems.append(f"the restored cluster has {len(ready)} Ready pod(s) of api: run it longer")
            continue
        return True
    raise Fail(problems[0])
