"""The PersistentVolume controller and the PVC/PV protection controllers against
pkg/controller/volume/persistentvolume, pvcprotection and pvprotection (1.32): which volume a claim
gets, the binding annotations and phases, reclaim policies, the events and their texts."""
from __future__ import annotations

import pytest

from kube_lab import Cluster
from kube_lab.api.meta import deep_copy
from kube_lab.controlplane.controllers.persistentvolume import default_class, find_matching_volume


@pytest.fixture
def c():
    # no nodes, no kubelets, no StorageClass: only the API server and the controllers
    return Cluster(nodes=0, seed=0, network_addons=False, local_path_storage=False)


def pv(name, size="1Gi", modes=("ReadWriteOnce",), policy=None, sc=None, path=None, labels=None, **spec):
    body = {"capacity": {"storage": size}, "accessModes": list(modes), "hostPath": {"path": path or f"/mnt/{name}"}}
    if policy:
        body["persistentVolumeReclaimPolicy"] = policy
    if sc is not None:
        body["storageClassName"] = sc
    body.update(spec)
    md = {"name": name}
    if labels:
        md["labels"] = labels
    return {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": md, "spec": body}


def pvc(name, size="1Gi", modes=("ReadWriteOnce",), sc="", **spec):
    body = {"accessModes": list(modes), "resources": {"requests": {"storage": size}}}
    if sc is not None:
        body["storageClassName"] = sc
    body.update(spec)
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name}, "spec": body}


def storage_class(name, mode="Immediate", provisioner="example.com/nfs", default=False, **extra):
    md = {"name": name}
    if default:
        md["annotations"] = {"storageclass.kubernetes.io/is-default-class": "true"}
    return {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": md,
            "provisioner": provisioner, "volumeBindingMode": mode, **extra}


def pod_using(name, claim, node=""):
    spec = {"containers": [{"name": "c", "image": "busybox:1.36"}],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def events_of(c, kind, name):
    evs = [e for e in c.list("events", namespace=None)
           if e["involvedObject"]["kind"] == kind and e["involvedObject"]["name"] == name]
    evs.sort(key=lambda e: (e["firstTimestamp"], e["metadata"]["name"]))
    return [(e["type"], e["reason"], e["message"], e["source"]["component"]) for e in evs]


def phase(c, resource, name):
    return c.get(resource, name)["status"].get("phase")


# ------------------------------------------------------------------------------------------
def test_a_claim_gets_the_smallest_fitting_volume_and_both_sides_record_the_binding(c):
    c.create(pv("big", "10Gi"))
    c.create(pv("small", "2Gi"))
    c.create(pv("tiny", "500Mi"))
    c.settle()
    assert [phase(c, "pv", n) for n in ("big", "small", "tiny")] == ["Available"] * 3
    claim = c.create(pvc("data", "1Gi"))
    c.settle()
    got = c.get("pvc", "data")
    vol = c.get("pv", "small")
    assert got["spec"]["volumeName"] == "small"
    assert got["metadata"]["annotations"] == {"pv.kubernetes.io/bind-completed": "yes",
                                              "pv.kubernetes.io/bound-by-controller": "yes"}
    assert got["status"] == {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "2Gi"}}
    ref = vol["spec"]["claimRef"]
    assert {k: ref[k] for k in ("kind", "namespace", "name", "uid", "apiVersion")} == {
        "kind": "PersistentVolumeClaim", "namespace": "default", "name": "data",
        "uid": claim["metadata"]["uid"], "apiVersion": "v1"}
    assert vol["metadata"]["annotations"] == {"pv.kubernetes.io/bound-by-controller": "yes"}
    assert vol["status"]["phase"] == "Bound"
    assert phase(c, "pv", "big") == "Available" and phase(c, "pv", "tiny") == "Available"
    # kubectl's columns, as in 1.32
    out = c.kubectl("get pv small").stdout.splitlines()
    assert out[0].split() == ["NAME", "CAPACITY", "ACCESS", "MODES", "RECLAIM", "POLICY", "STATUS", "CLAIM",
                              "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "REASON", "AGE"]
    assert out[1].split()[:6] == ["small", "2Gi", "RWO", "Retain", "Bound", "default/data"]
    out = c.kubectl("get pvc data").stdout.splitlines()
    assert out[0].split() == ["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS", "MODES", "STORAGECLASS",
                              "VOLUMEATTRIBUTESCLASS", "AGE"]
    assert out[1].split()[:5] == ["data", "Bound", "small", "2Gi", "RWO"]


def test_volumes_with_the_fewest_access_modes_are_tried_first(c):
    # findBestMatchForClaim walks the access-mode groups smallest first: an RWO-only volume wins
    # over a smaller RWO+RWX one
    c.create(pv("rwo", "3Gi"))
    c.create(pv("rwo-rwx", "2Gi", modes=("ReadWriteOnce", "ReadWriteMany")))
    c.create(pvc("a", "1Gi"))
    c.create(pvc("b", "1Gi", modes=("ReadWriteMany",)))
    c.settle()
    assert c.get("pvc", "a")["spec"]["volumeName"] == "rwo"
    assert c.get("pvc", "b")["spec"]["volumeName"] == "rwo-rwx"


def test_class_volume_mode_and_selector_must_match(c):
    c.create(pv("fast", "1Gi", sc="fast"))
    c.create(pv("block", "1Gi", volumeMode="Block"))
    c.create(pv("labelled", "5Gi", labels={"tier": "gold"}))
    c.create(pv("plain", "1Gi"))
    c.create(pvc("gold", "1Gi", selector={"matchLabels": {"tier": "gold"}}))
    c.create(pvc("any", "1Gi"))
    c.settle()
    assert c.get("pvc", "gold")["spec"]["volumeName"] == "labelled"
    assert c.get("pvc", "any")["spec"]["volumeName"] == "plain"
    assert [phase(c, "pv", n) for n in ("fast", "block")] == ["Available", "Available"]


def test_no_volume_and_no_class_is_failed_binding(c):
    c.create(pvc("data", "1Gi"))
    c.settle()
    assert phase(c, "pvc", "data") == "Pending"
    assert events_of(c, "PersistentVolumeClaim", "data") == [
        ("Normal", "FailedBinding", "no persistent volumes available for this claim and no storage class is set",
         "persistentvolume-controller")]
    # the controller re-syncs every 15 s: the same event again (counted, not repeated)
    c.run(16)
    ev = [e for e in c.list("events") if e["reason"] == "FailedBinding"]
    assert len(ev) == 1 and ev[0]["count"] == 2
    # a volume appearing later is picked up at the next resync (a new volume does not wake claims)
    c.create(pv("late", "1Gi"))
    c.settle()
    assert phase(c, "pvc", "data") == "Pending"
    c.run(15)
    assert phase(c, "pvc", "data") == "Bound" and c.get("pvc", "data")["spec"]["volumeName"] == "late"


def test_a_volume_pre_bound_to_a_claim_is_used_and_keeps_its_author_s_binding(c):
    c.create(pv("reserved", "5Gi", claimRef={"namespace": "default", "name": "mine"}))
    c.create(pv("cheaper", "1Gi"))
    c.settle()
    assert phase(c, "pv", "reserved") == "Available"
    c.create(pvc("mine", "1Gi"))
    c.settle()
    assert c.get("pvc", "mine")["spec"]["volumeName"] == "reserved"
    vol = c.get("pv", "reserved")
    assert "annotations" not in vol["metadata"]          # bound by its author, not by the controller
    assert vol["spec"]["claimRef"]["uid"] == c.get("pvc", "mine")["metadata"]["uid"]


def test_a_claim_naming_a_volume_that_does_not_fit_gets_volume_mismatch(c):
    c.create(pv("small", "1Gi"))
    c.create(pvc("wants", "5Gi", volumeName="small"))
    c.settle()
    assert phase(c, "pvc", "wants") == "Pending"
    assert events_of(c, "PersistentVolumeClaim", "wants")[0][:3] == (
        "Warning", "VolumeMismatch", 'Cannot bind to requested volume "small": requested PV is too small')
    assert phase(c, "pv", "small") == "Available"


def test_retain_keeps_a_released_volume_with_its_claim_ref(c):
    c.create(pv("keep", "1Gi", policy="Retain"))
    c.create(pvc("data"))
    c.settle()
    c.delete("pvc", "data")
    c.settle()
    vol = c.get("pv", "keep")
    assert vol["status"]["phase"] == "Released"
    assert vol["spec"]["claimRef"]["name"] == "data"
    # a new claim does not get a Released volume
    c.create(pvc("again"))
    c.settle()
    assert phase(c, "pvc", "again") == "Pending"


def test_delete_policy_without_a_deleter_fails_the_volume(c):
    c.create(pv("mnt", "1Gi", policy="Delete", path="/mnt/data"))
    c.create(pv("tmp", "1Gi", policy="Delete", path="/tmp/data", storageClassName="scratch"))
    c.create(pvc("a"))
    c.create(pvc("b", sc="scratch"))
    c.settle()
    c.delete("pvc", "a")
    c.delete("pvc", "b")
    c.settle()
    # the in-tree hostPath deleter only removes directories under /tmp
    assert phase(c, "pv", "mnt") == "Failed"
    assert events_of(c, "PersistentVolume", "mnt") == [
        ("Warning", "VolumeFailedDelete", "host_path deleter only supports /tmp/.+ but received provided /mnt/data",
         "persistentvolume-controller")]
    assert [v["metadata"]["name"] for v in c.list("pv", None)] == ["mnt"]


def test_wait_for_first_consumer_and_external_provisioning_events(c):
    c.create(storage_class("lazy", mode="WaitForFirstConsumer", provisioner="example.com/nfs"))
    c.create(storage_class("now", provisioner="example.com/nfs"))
    c.create(pvc("later", sc="lazy"))
    c.create(pvc("at-once", sc="now"))
    c.settle()
    assert events_of(c, "PersistentVolumeClaim", "later") == [
        ("Normal", "WaitForFirstConsumer", "waiting for first consumer to be created before binding",
         "persistentvolume-controller")]
    msg = ("Waiting for a volume to be created either by the external provisioner 'example.com/nfs' or manually "
           "by the system administrator. If volume creation is delayed, please verify that the provisioner is "
           "running and correctly registered.")
    assert events_of(c, "PersistentVolumeClaim", "at-once") == [
        ("Normal", "ExternalProvisioning", msg, "persistentvolume-controller")]
    ann = c.get("pvc", "at-once")["metadata"]["annotations"]
    assert ann == {"volume.beta.kubernetes.io/storage-provisioner": "example.com/nfs",
                   "volume.kubernetes.io/storage-provisioner": "example.com/nfs"}
    assert "annotations" not in c.get("pvc", "later")["metadata"]
    # a pod waiting for the claim (not scheduled: no nodes) is named in the event
    c.create(pod_using("consumer", "later"))
    c.run(16)
    assert events_of(c, "PersistentVolumeClaim", "later")[-1][:3] == (
        "Normal", "WaitForPodScheduled", "waiting for pod consumer to be scheduled")
    # the provisioner (here: a test playing it) makes a volume pre-bound to the claim
    claim = c.get("pvc", "at-once")
    c.create(pv("pvc-" + claim["metadata"]["uid"], sc="now", policy="Delete",
                claimRef={"kind": "PersistentVolumeClaim", "namespace": "default", "name": "at-once",
                          "uid": claim["metadata"]["uid"], "apiVersion": "v1"}))
    c.settle()
    assert phase(c, "pvc", "at-once") == "Bound"


def test_in_tree_and_missing_classes_report_provisioning_failed(c):
    c.create(storage_class("local", provisioner="kubernetes.io/no-provisioner"))
    c.create(pvc("a", sc="local"))
    c.create(pvc("b", sc="nowhere"))
    c.settle()
    assert events_of(c, "PersistentVolumeClaim", "a")[0][:3] == (
        "Warning", "ProvisioningFailed", "no volume plugin matched name: kubernetes.io/no-provisioner")
    assert events_of(c, "PersistentVolumeClaim", "b")[0][:3] == (
        "Warning", "ProvisioningFailed", 'storageclass.storage.k8s.io "nowhere" not found')


def test_a_claim_made_before_any_default_class_gets_it_later(c):
    c.create(pvc("early", sc=None))
    c.settle()
    assert "storageClassName" not in c.get("pvc", "early")["spec"]
    c.create(storage_class("standard", mode="WaitForFirstConsumer", default=True))
    c.run(16)      # the next resync assigns it (retroactive default StorageClass assignment)
    assert c.get("pvc", "early")["spec"]["storageClassName"] == "standard"


def test_default_class_is_the_newest_then_first_by_name():
    def sc(name, ts, default=True):
        return {"metadata": {"name": name, "creationTimestamp": ts,
                             "annotations": {"storageclass.kubernetes.io/is-default-class": str(default).lower()}}}
    classes = [sc("b", "2024-01-01T00:00:00Z"), sc("c", "2024-01-02T00:00:00Z"), sc("a", "2024-01-02T00:00:00Z"),
               sc("z", "2024-02-01T00:00:00Z", default=False)]
    assert default_class(classes)["metadata"]["name"] == "a"
    assert default_class(classes[-1:]) is None


def test_find_matching_volume_with_delay_binding_only_returns_pre_bound():
    claim = {"metadata": {"name": "x", "namespace": "default", "uid": "u1"},
             "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}
    free = pv("free", "1Gi")
    free["status"] = {"phase": "Available"}
    held = pv("held", "1Gi", claimRef={"name": "x", "namespace": "default"})
    held["status"] = {"phase": "Available"}
    assert find_matching_volume(claim, [free], delay_binding=True) is None
    assert find_matching_volume(claim, [free], delay_binding=False)["metadata"]["name"] == "free"
    assert find_matching_volume(claim, [free, held], delay_binding=True)["metadata"]["name"] == "held"


def test_pvc_protection_keeps_a_claim_in_use_until_its_pod_is_gone(c):
    c.create(pv("vol"))
    c.create(pvc("data"))
    c.settle()
    c.create(pod_using("user", "data", node="somewhere"))     # scheduled: it uses the claim
    c.settle()
    c.delete("pvc", "data")
    c.settle()
    claim = c.get("pvc", "data")
    assert claim["metadata"]["deletionTimestamp"] and claim["metadata"]["finalizers"] == ["kubernetes.io/pvc-protection"]
    assert "Terminating" in c.kubectl("get pvc data").stdout
    c.delete("pod", "user", grace_period=0)
    c.settle()
    assert [x["metadata"]["name"] for x in c.list("pvc")] == []
    assert phase(c, "pv", "vol") == "Released"


def test_pv_protection_keeps_a_bound_volume_until_it_is_released(c):
    c.create(pv("vol", policy="Retain"))
    c.create(pvc("data"))
    c.settle()
    c.delete("pv", "vol")
    c.settle()
    vol = c.get("pv", "vol")
    assert vol["metadata"]["deletionTimestamp"] and vol["status"]["phase"] == "Bound"
    c.delete("pvc", "data")
    c.settle()
    assert c.list("pv", None) == []
    # the claim side: a claim whose volume disappeared is Lost
    c.create(pv("vol2", policy="Retain"))
    c.create(pvc("data2"))
    c.settle()
    body = deep_copy(c.get("pv", "vol2"))
    body["metadata"]["finalizers"] = []
    c.client("admin").update("persistentvolumes", body)
    c.delete("pv", "vol2")
    c.settle()
    assert phase(c, "pvc", "data2") == "Lost"
    assert events_of(c, "PersistentVolumeClaim", "data2")[-1][:3] == (
        "Warning", "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!")
