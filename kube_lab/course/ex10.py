"""Exercise 10 — StatefulSets and storage (solutions/10_statefulsets_storage.ipynb).

A headless Service ``store`` and a StatefulSet ``store`` of three nginx pods, each with its own
claim from ``volumeClaimTemplates`` (``data-store-0`` …); a page written into ``store-1``'s volume
that is still there after ``store-1`` was deleted and came back; and MySQL deployed with
``kubectl apply -k``: a Secret made by kustomize's ``secretGenerator`` (``db-pass-<hash>``) that
the Deployment ``db`` reads its root password from.  7 points.

The checks look at what the cluster did: the pods' readiness, their claims and the volumes bound
to them (and the node each volume is pinned to), the EndpointSlices that give each pod its DNS
name, the request trace (the delete of ``store-1``), files as the containers see them in the
node's container runtime, the environment the runtime gave the MySQL container, and its log."""
from __future__ import annotations

import base64

from . import inspect as k
from .checks import Fail, check

STORE, CLAIM, SERVED = "store", "data", "/usr/share/nginx/html"
SURVIVOR = "store-1"
TEXT = "kept by store-1"
DB, SECRET, PV_CLAIM, DATA_DIR = "db", "db-pass", "db-data", "/var/lib/mysql"
HOSTNAME_LABEL = "kubernetes.io/hostname"


def _pinned_node(pv: dict) -> str:
    terms = ((((pv.get("spec") or {}).get("nodeAffinity") or {}).get("required") or {})
             .get("nodeSelectorTerms") or ())
    for term in terms:
        for expr in term.get("matchExpressions") or ():
            if expr.get("key") == HOSTNAME_LABEL and expr.get("operator") == "In" and expr.get("values"):
                return expr["values"][0]
    return ""


def _claim_of(pod: dict, mount_path: str) -> str | None:
    """The claim mounted at ``mount_path`` in the pod's first container (None if none)."""
    spec = pod.get("spec") or {}
    containers = spec.get("containers") or ()
    if not containers:
        return None
    for m in containers[0].get("volumeMounts") or ():
        if m.get("mountPath", "").rstrip("/") == mount_path:
            for v in spec.get("volumes") or ():
                if v.get("name") == m.get("name") and "persistentVolumeClaim" in v:
                    return (v["persistentVolumeClaim"] or {}).get("claimName", "")
    return None


def _bound_volume(cluster, claim_name: str) -> dict:
    pvc = k.require(cluster, "persistentvolumeclaims", claim_name, what="PersistentVolumeClaim")
    phase = (pvc.get("status") or {}).get("phase")
    if phase != "Bound":
        raise Fail(f"claim {claim_name} is {phase}, not Bound (`kubectl describe pvc {claim_name}`)")
    return k.require(cluster, "persistentvolumes", pvc["spec"]["volumeName"], namespace=None,
                     what="PersistentVolume")


def _instance(cluster, pod: dict, container: str | None = None):
    """The pod's container as the node's runtime runs it now (its newest instance), or None."""
    machine = (getattr(cluster, "machines", None) or {}).get((pod.get("spec") or {}).get("nodeName") or "")
    if machine is None:
        return None
    found = [c for c in machine.runtime.pod_containers(pod["metadata"]["uid"])
             if container is None or c.name == container]
    return max(found, key=lambda c: c.attempt) if found else None


def _file(inst, path: str):
    try:
        return inst.fs.stat(path), inst.fs.read(path)
    except Exception:  # noqa: BLE001 - no such file, a directory …
        return None, None


@check("ex10.statefulset", 2,
       "StatefulSet store runs store-0, store-1 and store-2, Ready, each on its own Bound claim, behind the "
       "headless Service store",
       "create a Service store with `clusterIP: None` selecting app=store, and a StatefulSet store with "
       "`serviceName: store`, 3 replicas of nginx:1.25 and a volumeClaimTemplate named data (1Gi, "
       f"ReadWriteOnce) mounted at {SERVED}; then `kubectl get pods,pvc -l app=store -o wide`")
def statefulset(cluster):
    svc = k.require(cluster, "services", STORE, what="Service")
    if (svc.get("spec") or {}).get("clusterIP") != "None":
        raise Fail(f"Service store has the cluster IP {svc['spec'].get('clusterIP')}: a headless Service sets "
                   "clusterIP: None (delete it and create it again)")
    sts = k.require(cluster, "statefulsets", STORE, what="StatefulSet")
    spec = sts.get("spec") or {}
    if spec.get("serviceName") != STORE:
        raise Fail(f"StatefulSet store's serviceName is {spec.get('serviceName')!r}, not 'store': the pods get "
                   "their DNS names from the Service it names")
    if spec.get("replicas", 1) != 3:
        raise Fail(f"StatefulSet store asks for {spec.get('replicas', 1)} replicas, not 3")
    templates = [(t.get("metadata") or {}).get("name") for t in spec.get("volumeClaimTemplates") or ()]
    if CLAIM not in templates:
        raise Fail("StatefulSet store has no volumeClaimTemplate named data"
                   + (f" (it has {', '.join(map(str, templates))})" if templates else ""))
    slices = k.items(cluster, "endpointslices", selector=f"kubernetes.io/service-name={STORE}")
    named = {(e.get("targetRef") or {}).get("name"): e.get("hostname") for s in slices for e in s.get("endpoints") or ()}
    for i in range(3):
        name = f"{STORE}-{i}"
        pod = k.require(cluster, "pods", name, what="pod")
        if not k.is_ready(pod):
            raise Fail(f"pod {name} is not Ready (`kubectl describe pod {name}`)")
        claim = _claim_of(pod, SERVED)
        if claim != f"{CLAIM}-{name}":
            raise Fail(f"pod {name} mounts {'claim ' + claim if claim else 'no claim'} at {SERVED}, not data-{name} "
                       "(the claim volumeClaimTemplates makes for it)")
        pv = _bound_volume(cluster, claim)
        node, pinned = pod["spec"].get("nodeName"), _pinned_node(pv)
        if pinned and pinned != node:
            raise Fail(f"claim {claim}'s volume is on {pinned}, but pod {name} runs on {node}")
        if name not in named:
            raise Fail(f"Service store does not list pod {name} among its endpoints: does its selector match the "
                       "pods' labels?")
        if named[name] != name:
            raise Fail(f"the endpoint of {name} has no hostname, so {name}.store has no DNS name: is the Service "
                       "headless and named in the StatefulSet's serviceName?")
    return True


@check("ex10.survivor", 2, "a page written into store-1's volume outlived the pod: the new store-1 has it",
       f"write `{TEXT}` into {SERVED}/index.html of store-1 (kubectl exec store-1 -- sh -c 'echo … > …'), then "
       "`kubectl delete pod store-1` and let the cluster run; `kubectl exec store-1 -- cat "
       f"{SERVED}/index.html` should still show it")
def survivor(cluster):
    deletes = [r for r in k.trace_records(cluster, verb="delete", resource="pods", component=k.USER_COMPONENTS)
               if r.name == SURVIVOR and r.namespace == "default"]
    if not deletes:
        raise Fail("pod store-1 was never deleted (look for it in `cluster.trace`)")
    pod = k.require(cluster, "pods", SURVIVOR, what="pod")
    created = pod["metadata"].get("creationTimestamp") or ""
    deleted_at = deletes[-1].time
    if not k.is_ready(pod):
        raise Fail("pod store-1 is not back and Ready yet: run the cluster a little longer")
    if cluster.apiserver.timestamp(deleted_at - cluster.now) > created:
        raise Fail("the store-1 running now is older than your delete: has it been deleted and recreated?")
    inst = _instance(cluster, pod, (pod["spec"].get("containers") or [{}])[0].get("name"))
    if inst is None:
        raise Fail("the node's container runtime does not run store-1's container")
    stat, text = _file(inst, SERVED + "/index.html")
    if text is None or TEXT not in text:
        raise Fail(f"store-1's {SERVED}/index.html does not say {TEXT!r}" + (f" (it says {text.strip()[:60]!r})" if text else ""))
    if stat is not None and stat.mtime > deleted_at:
        raise Fail(f"{SERVED}/index.html of store-1 was written after the pod was deleted, so it proves nothing: "
                   "write it first, then delete the pod")
    if _claim_of(pod, SERVED) != f"{CLAIM}-{SURVIVOR}":
        raise Fail(f"store-1 does not keep {SERVED} on its claim data-store-1")
    return True


def _generated_secret(cluster) -> dict:
    from ..kubectl.kustomize import kustomize_hash

    secrets = [s for s in k.items(cluster, "secrets") if s["metadata"]["name"].startswith(SECRET + "-")]
    if not secrets:
        plain = k.get(cluster, "secrets", SECRET)
        raise Fail("there is a Secret db-pass, but no db-pass-<hash>: let kustomize's secretGenerator make it"
                   if plain else "there is no Secret named db-pass-<hash>")
    for s in secrets:
        if s["metadata"]["name"] == f"{SECRET}-{kustomize_hash(s)}":
            if "password" not in (s.get("data") or {}):
                raise Fail(f"Secret {s['metadata']['name']} has no key password")
            return s
    raise Fail(f"Secret {secrets[0]['metadata']['name']}'s suffix is not the hash of its content: was it made "
               "by hand? Let secretGenerator make it")


def _password_ref(deploy: dict) -> dict:
    containers = (((deploy.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or ()
    for c in containers:
        for e in c.get("env") or ():
            if e.get("name") == "MYSQL_ROOT_PASSWORD":
                ref = (e.get("valueFrom") or {}).get("secretKeyRef")
                if not ref:
                    raise Fail("MYSQL_ROOT_PASSWORD is written into the Deployment itself: take it from the Secret "
                               "(valueFrom.secretKeyRef)")
                return ref
    raise Fail("Deployment db's container has no environment variable MYSQL_ROOT_PASSWORD")


@check("ex10.secret", 2, "kustomize generated the Secret db-pass-<hash> and Deployment db reads MYSQL_ROOT_PASSWORD from it",
       "in ex10-db/kustomization.yaml, a secretGenerator named db-pass with `literals: [password=…]` and "
       "`resources: [db.yaml]`; in db.yaml, env MYSQL_ROOT_PASSWORD with valueFrom.secretKeyRef name db-pass, "
       "key password; `kubectl kustomize ex10-db` shows the renamed Secret and reference, `kubectl apply -k "
       "ex10-db` applies them")
def secret(cluster):
    s = _generated_secret(cluster)
    deploy = k.require(cluster, "deployments", DB, what="Deployment")
    ref = _password_ref(deploy)
    if ref.get("name") != s["metadata"]["name"]:
        raise Fail(f"MYSQL_ROOT_PASSWORD comes from Secret {ref.get('name')}, not {s['metadata']['name']}: apply "
                   "the folder with `kubectl apply -k`, so that kustomize rewrites the reference")
    if ref.get("key") != "password":
        raise Fail(f"MYSQL_ROOT_PASSWORD takes the key {ref.get('key')!r} of the Secret, not 'password'")
    return True


@check("ex10.mysql", 1, "Deployment db (strategy Recreate) runs MySQL with the Secret's password and its data on claim db-data",
       "Deployment db: `strategy: {type: Recreate}`, one mysql:5.6 container with the claim db-data mounted at "
       f"{DATA_DIR}; `kubectl get pods -l app=db` and `kubectl logs deploy/db` (it should say ready for connections)")
def mysql(cluster):
    deploy = k.require(cluster, "deployments", DB, what="Deployment")
    strategy = ((deploy.get("spec") or {}).get("strategy") or {}).get("type")
    if strategy != "Recreate":
        raise Fail(f"Deployment db's strategy is {strategy}, not Recreate: two MySQL servers must never share "
                   "one data directory")
    pods = [p for p in k.pods_of(cluster, deploy) if (p.get("status") or {}).get("phase") == "Running"]
    if not pods:
        raise Fail("Deployment db has no Running pod (`kubectl get pods` and `kubectl describe pod`)")
    pod = pods[0]
    if not any(i.startswith("mysql:") or "/mysql:" in i for i in k.images(pod)):
        raise Fail(f"db's pod runs {', '.join(k.images(pod))}, not mysql")
    claim = _claim_of(pod, DATA_DIR)
    if claim != PV_CLAIM:
        raise Fail(f"db's pod keeps {DATA_DIR} on {'claim ' + claim if claim else 'no claim'}, not on db-data")
    _bound_volume(cluster, claim)
    s = _generated_secret(cluster)
    inst = _instance(cluster, pod)
    if inst is None:
        raise Fail("the node's container runtime does not run db's container")
    want = base64.b64decode((s.get("data") or {}).get("password", "")).decode("utf-8", "replace")
    env = dict(inst.config.env)         # what the kubelet asked the runtime to set (CRI envs)
    if env.get("MYSQL_ROOT_PASSWORD") != want:
        raise Fail(f"the MySQL container's MYSQL_ROOT_PASSWORD is not the password in Secret {s['metadata']['name']}")
    if not inst.fs.exists(DATA_DIR + "/mysql"):
        raise Fail(f"MySQL has not initialised its database in {DATA_DIR} yet: run the cluster longer")
    machine = cluster.machines[pod["spec"]["nodeName"]]
    try:
        log = machine.kubelet.logs("default", pod["metadata"]["name"], inst.name)
    except Exception:  # noqa: BLE001 - the kubelet is down …
        log = ""
    if "ready for connections" not in log:
        raise Fail("mysqld has not said `ready for connections` yet (`kubectl logs deploy/db`): run the cluster longer")
    return True
