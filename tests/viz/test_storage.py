"""The storage map follows claims and volumes through their lives: a claim waiting for its first
pod, a volume drawn inside the node it is pinned to, a Released volume kept by Retain."""
import re

import pytest

from kube_lab import Cluster
from kube_lab.viz import storage_map

CLAIM = """apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: notes, labels: {app: notes}}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
"""
POD = """apiVersion: v1
kind: Pod
metadata: {name: writer, labels: {app: notes}}
spec:
  containers:
  - name: app
    image: nginx:1.25
    volumeMounts:
    - {name: data, mountPath: /data}
    - {name: scratch, mountPath: /scratch}
  volumes:
  - name: data
    persistentVolumeClaim: {claimName: notes}
  - name: scratch
    emptyDir: {}
"""


@pytest.fixture(scope="module")
def cluster():
    c = Cluster(nodes=2, seed=7, network_addons=False)
    assert c.kubectl("apply -f -", CLAIM).exit_code == 0
    c.run(2)
    return c


def edges(source):
    return re.findall(r'^\s*"([^"]+)" -> "([^"]+)"', source, re.M)


def test_a_claim_waiting_for_its_first_consumer(cluster):
    d = storage_map(cluster)
    lines = d.outline().splitlines()
    assert "  claim notes Pending 1Gi class standard" in lines
    assert ("  storage class standard (default), rancher.io/local-path, WaitForFirstConsumer, reclaim Delete"
            in lines)
    assert ("sc/standard", "pvc/notes") in edges(d.source)
    assert repr(d) == "<storage diagram: 0 pods, 1 claim, 0 volumes on 0 nodes in namespace 'default' at t=2s>"


def test_the_volume_is_drawn_inside_the_node_of_its_pod_then_kept_by_retain(cluster):
    assert cluster.kubectl("apply -f -", POD).exit_code == 0
    cluster.run(10)
    pod = cluster.get("pod", "writer")
    node = pod["spec"]["nodeName"]
    pv = cluster.get("pvc", "notes")["spec"]["volumeName"]
    d = storage_map(cluster, selector="app=notes")
    text = d.outline()
    assert f"  node {node}: 1 pod, 1 volume\n    pod writer Running 1/1, emptyDir scratch\n    volume {pv} 1Gi Bound " \
           f"reclaim=Delete hostPath /var/local-path-provisioner/…_default_notes\n" in text
    assert f"  claim notes Bound 1Gi -> volume {pv} class standard" in text.splitlines()
    es = edges(d.source)
    assert ("pod/writer", "pvc/notes") in es and ("pvc/notes", f"pv/{pv}") in es
    # the volume sits in the node's box: between the node's subgraph opening and its closing brace
    block = d.source.split(f'subgraph "cluster_{node}" {{', 1)[1].split("\n  }", 1)[0]
    assert f'"pv/{pv}"' in block and '"pod/writer"' in block

    retain = '{"spec":{"persistentVolumeReclaimPolicy":"Retain"}}'
    assert cluster.kubectl(["patch", "pv", pv, "-p", retain]).exit_code == 0
    assert cluster.kubectl("delete pod writer --now").exit_code == 0
    assert cluster.kubectl("delete pvc notes").exit_code == 0
    cluster.run(5)
    kept = storage_map(cluster)
    assert f"    volume {pv} 1Gi Released reclaim=Retain" in kept.outline()
    assert "claim notes" not in kept.outline()
    assert storage_map(cluster, selector="app=notes").summary.startswith("0 pods, 0 claims, 0 volumes")
