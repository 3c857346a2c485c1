"""Storage end to end, as on a kind cluster: the ``standard`` class and the local-path provisioner,
the scheduler's volume binding, the kubelet mounting claims — and where data really lives:
on a claim it outlives the pod, in an emptyDir it dies with the pod, in a hostPath it stays on
its node."""
from __future__ import annotations

import re

import pytest

from kube_lab import Cluster
from kube_lab.api.meta import controller_ref


@pytest.fixture
def c():
    return Cluster(nodes=2, seed=0, network_addons=False)


CLAIM = """
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
"""


def writer(name, claim="data", text="hello", node=None, volume=None):
    vol = volume or {"name": "d", "persistentVolumeClaim": {"claimName": claim}}
    spec = {"volumes": [vol],
            "containers": [{"name": "c", "image": "busybox:1.36",
                            "command": ["sh", "-c", f"echo {text} >> /data/log; sleep 3600"],
                            "volumeMounts": [{"name": vol["name"], "mountPath": "/data"}]}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def running(c, name):
    p = c.list("pods", selector=None, field_selector=f"metadata.name={name}")
    return bool(p) and p[0]["status"].get("phase") == "Running" and not p[0]["metadata"].get("deletionTimestamp")


def gone(c, name, namespace="default"):
    return not c.list("pods", namespace=namespace, field_selector=f"metadata.name={name}")


def node_of(c, name):
    return c.get("pod", name)["spec"]["nodeName"]


def volume_node(pv):
    return pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"][0]["values"][0]


def claim_events(c, name):
    evs = [e for e in c.list("events") if e["involvedObject"]["kind"] == "PersistentVolumeClaim"
           and e["involvedObject"]["name"] == name]
    evs.sort(key=lambda e: (e["firstTimestamp"], e["metadata"]["name"]))
    return [(e["reason"], e["message"], e["source"]["component"]) for e in evs]


def delete_pod(c, name):
    c.delete("pod", name)
    c.run_until(lambda cl: gone(cl, name), timeout=120)


# ------------------------------------------------------------------------------------------
def test_dynamic_provisioning_waits_for_the_pod_and_lands_on_its_node(c):
    c.apply(CLAIM)
    c.settle()
    claim = c.get("pvc", "data")
    assert claim["spec"]["storageClassName"] == "standard"        # the default class
    assert claim["status"]["phase"] == "Pending"
    assert claim_events(c, "data") == [("WaitForFirstConsumer", "waiting for first consumer to be created before "
                                                                "binding", "persistentvolume-controller")]
    c.create(writer("app"))
    c.run_until(lambda cl: running(cl, "app"), timeout=60)
    claim = c.get("pvc", "data")
    uid = claim["metadata"]["uid"]
    node = node_of(c, "app")
    assert claim["status"]["phase"] == "Bound" and claim["spec"]["volumeName"] == f"pvc-{uid}"
    ann = {k: v for k, v in claim["metadata"]["annotations"].items() if not k.startswith("kubectl.kubernetes.io/")}
    assert ann == {
        "pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes",
        "volume.beta.kubernetes.io/storage-provisioner": "rancher.io/local-path",
        "volume.kubernetes.io/selected-node": node,
        "volume.kubernetes.io/storage-provisioner": "rancher.io/local-path"}
    pv = c.get("pv", f"pvc-{uid}")
    path = f"/var/local-path-provisioner/pvc-{uid}_default_data"
    assert pv["metadata"]["annotations"] == {"local.path.provisioner/selected-node": node,
                                             "pv.kubernetes.io/provisioned-by": "rancher.io/local-path"}
    assert pv["metadata"]["finalizers"] == ["kubernetes.io/pv-protection"]
    assert pv["spec"]["hostPath"] == {"path": path, "type": "DirectoryOrCreate"}
    assert volume_node(pv) == node
    assert pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"][0]["key"] == \
        "kubernetes.io/hostname"
    assert (pv["spec"]["persistentVolumeReclaimPolicy"], pv["spec"]["storageClassName"], pv["spec"]["capacity"],
            pv["status"]["phase"]) == ("Delete", "standard", {"storage": "1Gi"}, "Bound")
    # the provisioner's events come from "rancher.io/local-path_<its pod>_<uuid>"
    reasons = [(r, src.split("_")[0]) for r, _, src in claim_events(c, "data")]
    assert reasons[-2:] == [("Provisioning", "rancher.io/local-path"), ("ProvisioningSucceeded", "rancher.io/local-path")]
    assert ("ExternalProvisioning", "persistentvolume-controller") in reasons
    msgs = dict((r, m) for r, m, _ in claim_events(c, "data"))
    assert msgs["Provisioning"] == 'External provisioner is provisioning volume for claim "default/data"'
    assert msgs["ProvisioningSucceeded"] == f"Successfully provisioned volume pvc-{uid}"
    # a helper pod made the directory on that node, and is gone again
    helper = [e for e in c.list("events", "local-path-storage")
              if e["involvedObject"]["name"] == f"helper-pod-create-pvc-{uid}"]
    assert [e["reason"] for e in helper] == ["Pulled", "Created", "Started"]
    assert c.list("pods", "local-path-storage") == []
    other = [n for n in ("kind-worker", "kind-worker2") if n != node][0]
    assert c.node(node).host_fs.get(path) is not None
    assert c.node(other).host_fs.get("/var/local-path-provisioner") is None
    assert c.kubectl("exec app -- cat /data/log").stdout == "hello\n"
    assert c.node(node).host_fs.get(path + "/log").data == "hello\n"
    # kubectl describe, as on kind
    desc = c.kubectl("describe pvc data").stdout
    assert "Status:        Bound\n" in desc and "Used By:       app\n" in desc
    assert "Finalizers:    [kubernetes.io/pvc-protection]\n" in desc
    desc = c.kubectl(f"describe pv pvc-{uid}").stdout.splitlines()
    assert desc[desc.index("Node Affinity:     "):] [:3] == [
        "Node Affinity:     ", "  Required Terms:  ", f"    Term 0:        kubernetes.io/hostname in [{node}]"]
    assert desc[desc.index("Source:") + 1:desc.index("Source:") + 4] == [
        "    Type:          HostPath (bare host directory volume)", f"    Path:          {path}",
        "    HostPathType:  DirectoryOrCreate"]


def test_data_on_a_claim_outlives_the_pod(c):
    c.apply(CLAIM)
    c.create(writer("first", text="one"))
    c.run_until(lambda cl: running(cl, "first"), timeout=60)
    node = node_of(c, "first")
    delete_pod(c, "first")
    assert c.get("pvc", "data")["status"]["phase"] == "Bound"
    c.create(writer("second", text="two"))
    c.run_until(lambda cl: running(cl, "second"), timeout=60)
    assert node_of(c, "second") == node                   # the volume's node affinity
    assert c.kubectl("exec second -- cat /data/log").stdout == "one\ntwo\n"


def test_deleting_the_claim_deletes_the_volume_and_its_data(c):
    c.apply(CLAIM)
    c.create(writer("app"))
    c.run_until(lambda cl: running(cl, "app"), timeout=60)
    pv = c.list("pv", None)[0]
    name, node, path = pv["metadata"]["name"], volume_node(pv), pv["spec"]["hostPath"]["path"]
    c.delete("pvc", "data")
    c.settle()
    # still used by the pod: pvc-protection keeps it
    assert c.get("pvc", "data")["metadata"]["deletionTimestamp"]
    assert c.get("pv", name)["status"]["phase"] == "Bound"
    delete_pod(c, "app")
    c.settle()
    assert c.list("pvc") == [] and c.list("pv", None) == []
    assert c.node(node).host_fs.get(path) is None            # rm -rf by the helper pod
    assert c.node(node).host_fs.get("/var/local-path-provisioner") is not None
    helper = [e["reason"] for e in c.list("events", "local-path-storage")
              if e["involvedObject"]["name"] == f"helper-pod-delete-{name}"]
    assert helper == ["Pulled", "Created", "Started"]


def test_a_retain_class_keeps_the_volume_and_the_data(c):
    c.create({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "keep"},
              "provisioner": "rancher.io/local-path", "volumeBindingMode": "WaitForFirstConsumer",
              "reclaimPolicy": "Retain"})
    c.apply(CLAIM.replace("spec:\n", "spec:\n  storageClassName: keep\n"))
    c.create(writer("app", text="precious"))
    c.run_until(lambda cl: running(cl, "app"), timeout=60)
    delete_pod(c, "app")
    c.delete("pvc", "data")
    c.settle()
    pv = c.list("pv", None)[0]
    assert (pv["spec"]["persistentVolumeReclaimPolicy"], pv["status"]["phase"]) == ("Retain", "Released")
    assert c.node(volume_node(pv)).host_fs.get(pv["spec"]["hostPath"]["path"] + "/log").data == "precious\n"
    row = c.kubectl(f"get pv {pv['metadata']['name']}").stdout.splitlines()[1].split()
    assert row[1:6] == ["1Gi", "RWO", "Retain", "Released", "default/data"]


def test_emptydir_data_dies_with_the_pod(c):
    vol = {"name": "scratch", "emptyDir": {}}
    c.create(writer("tmp", node="kind-worker", volume=vol, text="one"))
    c.run_until(lambda cl: running(cl, "tmp"), timeout=60)
    assert c.kubectl("exec tmp -- cat /data/log").stdout == "one\n"
    delete_pod(c, "tmp")
    c.create(writer("tmp", node="kind-worker", volume=vol, text="two"))
    c.run_until(lambda cl: running(cl, "tmp"), timeout=60)
    assert c.kubectl("exec tmp -- cat /data/log").stdout == "two\n"


def test_hostpath_data_stays_on_its_node(c):
    vol = {"name": "host", "hostPath": {"path": "/srv/app", "type": "DirectoryOrCreate"}}
    c.create(writer("a", node="kind-worker", volume=vol, text="from-a"))
    c.run_until(lambda cl: running(cl, "a"), timeout=60)
    delete_pod(c, "a")
    # the pod "moves" to another node: the data is not there
    c.create(writer("b", node="kind-worker2", volume=vol, text="from-b"))
    c.run_until(lambda cl: running(cl, "b"), timeout=60)
    assert c.kubectl("exec b -- cat /data/log").stdout == "from-b\n"
    delete_pod(c, "b")
    # back on the first node, its data is still there
    c.create(writer("c", node="kind-worker", volume=vol, text="from-c"))
    c.run_until(lambda cl: running(cl, "c"), timeout=60)
    assert c.kubectl("exec c -- cat /data/log").stdout == "from-a\nfrom-c\n"


STATEFULSET = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: nginx
  replicas: 3
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers:
      - name: c
        image: busybox:1.36
        command: [sh, -c, "echo $(hostname) started >> /data/log; sleep 3600"]
        volumeMounts: [{name: www, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: www}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
"""


def test_statefulset_comes_up_in_order_and_web_1_comes_back_with_its_data(c):
    created: list[tuple[str, list[str]]] = []

    def on_pod(event, pod):
        if event == "ADDED" and (controller_ref(pod) or {}).get("kind") == "StatefulSet":
            ready = sorted(p["metadata"]["name"] for p in c.list("pods") if running(c, p["metadata"]["name"]))
            created.append((pod["metadata"]["name"], ready))

    c.apiserver.watch("pods", on_pod, "default", resource_version=str(c.etcd.revision))
    c.apply(STATEFULSET)
    c.run_until(lambda cl: all(running(cl, f"web-{i}") for i in range(3)), timeout=120)
    # OrderedReady: each pod is created only once its predecessors run
    assert created == [("web-0", []), ("web-1", ["web-0"]), ("web-2", ["web-0", "web-1"])]
    claims = {x["metadata"]["name"]: x for x in c.list("pvc")}
    assert sorted(claims) == ["www-web-0", "www-web-1", "www-web-2"]
    assert all(x["status"]["phase"] == "Bound" for x in claims.values())
    node = node_of(c, "web-1")
    assert claims["www-web-1"]["metadata"]["annotations"]["volume.kubernetes.io/selected-node"] == node
    volume = claims["www-web-1"]["spec"]["volumeName"]
    c.delete("pod", "web-1")
    c.run_until(lambda cl: running(cl, "web-1") and cl.get("pod", "web-1")["metadata"]["uid"] != "", timeout=120)
    c.run_until(lambda cl: cl.kubectl("exec web-1 -- cat /data/log").stdout.count("\n") == 2, timeout=60)
    assert c.kubectl("exec web-1 -- cat /data/log").stdout == "web-1 started\nweb-1 started\n"
    assert node_of(c, "web-1") == node
    assert c.get("pvc", "www-web-1")["spec"]["volumeName"] == volume
    assert c.kubectl("exec web-0 -- cat /data/log").stdout == "web-0 started\n"


def test_a_pod_with_an_unbound_claim_stays_pending(c):
    c.apply(CLAIM.replace("spec:\n", 'spec:\n  storageClassName: ""\n'))
    c.create(writer("waits"))
    c.run(10)
    pod = c.get("pod", "waits")
    assert pod["status"]["phase"] == "Pending" and "nodeName" not in pod["spec"]
    msgs = [e["message"] for e in c.list("events") if e["reason"] == "FailedScheduling"]
    assert msgs == ["0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: "
                    "0/3 nodes are available: 3 Preemption is not helpful for scheduling."]
    # an administrator adds a matching volume: the claim binds at the controller's next resync,
    # and the pod follows
    c.create({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "manual"},
              "spec": {"capacity": {"storage": "2Gi"}, "accessModes": ["ReadWriteOnce"],
                       "hostPath": {"path": "/mnt/manual"}}})
    c.run_until(lambda cl: running(cl, "waits"), timeout=60)
    assert c.get("pvc", "data")["spec"]["volumeName"] == "manual"


def test_a_volume_pinned_to_a_zone_no_node_is_in(c):
    c.create({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "zonal"},
              "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "storageClassName": "",
                       "local": {"path": "/mnt/disk"},
                       "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                           {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["z1"]}]}]}}}})
    c.apply(CLAIM.replace("spec:\n", 'spec:\n  storageClassName: ""\n'))
    c.run(16)
    assert c.get("pvc", "data")["status"]["phase"] == "Bound"
    c.create(writer("user"))
    c.run(5)
    msgs = [e["message"] for e in c.list("events") if e["reason"] == "FailedScheduling"]
    assert msgs == ["0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
                    "2 node(s) had volume node affinity conflict. preemption: 0/3 nodes are available: "
                    "3 Preemption is not helpful for scheduling."]


def test_a_local_volume_must_exist_on_the_node(c):
    c.create({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "disk"},
              "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "storageClassName": "",
                       "local": {"path": "/mnt/disk"},
                       "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                           {"key": "kubernetes.io/hostname", "operator": "In", "values": ["kind-worker"]}]}]}}}})
    c.apply(CLAIM.replace("spec:\n", 'spec:\n  storageClassName: ""\n'))
    c.create(writer("user"))
    c.run(20)
    assert node_of(c, "user") == "kind-worker"
    mounts = [e["message"] for e in c.list("events") if e["reason"] == "FailedMount"]
    assert mounts and mounts[0] == ('MountVolume.NewMounter initialization failed for volume "disk" : '
                                    'path "/mnt/disk" does not exist')
    c.node("kind-worker").host_fs.mkdir("/mnt/disk", parents=True)
    c.run_until(lambda cl: running(cl, "user"), timeout=120)
    assert c.node("kind-worker").host_fs.get("/mnt/disk/log").data == "hello\n"


def test_kind_default_storage_objects():
    c = Cluster(nodes=1, seed=0, local_path_storage="deployment")
    header, row = c.kubectl("get sc").stdout.splitlines()
    assert header == ("NAME                 PROVISIONER             RECLAIMPOLICY   VOLUMEBINDINGMODE      "
                      "ALLOWVOLUMEEXPANSION   AGE")
    assert re.fullmatch(r"standard \(default\)   rancher.io/local-path   Delete          WaitForFirstConsumer   "
                        r"false                  \ds", row)     # AGE: when the cluster settled
    desc = c.kubectl("describe sc standard").stdout
    assert ('kubectl.kubernetes.io/last-applied-configuration={"apiVersion":"storage.k8s.io/v1","kind":'
            '"StorageClass","metadata":{"annotations":{"storageclass.kubernetes.io/is-default-class":"true"},'
            '"name":"standard"},"provisioner":"rancher.io/local-path","reclaimPolicy":"Delete",'
            '"volumeBindingMode":"WaitForFirstConsumer"}\n,storageclass.kubernetes.io/is-default-class=true') in desc
    pods = [p for p in c.list("pods", "local-path-storage")]
    assert [p["metadata"]["name"].rsplit("-", 2)[0] for p in pods] == ["local-path-provisioner"]
    assert pods[0]["status"]["phase"] == "Running"
    cm = c.get("configmap", "local-path-config", "local-path-storage")
    assert sorted(cm["data"]) == ["config.json", "helperPod.yaml", "setup", "teardown"]
    # by default the provisioner runs without its pod (which would shift generated names and IPs)
    default = Cluster(nodes=0, seed=0, network_addons=False)
    assert default.list("pods", "local-path-storage") == [] and default.list("deployments", None) == []
    assert [s["metadata"]["name"] for s in default.list("storageclasses", None)] == ["standard"]
    bare = Cluster(nodes=0, seed=0, network_addons=False, local_path_storage=False)
    assert bare.list("storageclasses", None) == [] and bare.local_path_provisioner is None
    assert [n["metadata"]["name"] for n in bare.list("namespaces", None)] == [
        "default", "kube-node-lease", "kube-public", "kube-system"]


def test_the_provisioner_refuses_what_a_node_path_cannot_give(c):
    c.apply(CLAIM.replace("[ReadWriteOnce]", "[ReadWriteMany]"))
    c.create(writer("app"))
    c.run(20)
    pod = c.get("pod", "app")
    assert pod["status"]["phase"] == "Pending" and c.get("pvc", "data")["status"]["phase"] == "Pending"
    failed = [(e["type"], e["message"]) for e in c.list("events") if e["reason"] == "ProvisioningFailed"]
    assert failed[0] == ("Warning", 'failed to provision volume with StorageClass "standard": NodePath only '
                                    "supports ReadWriteOnce and ReadWriteOncePod (1.22+) access modes")
    assert c.list("pv", None) == [] and c.list("pods", "local-path-storage") == []
