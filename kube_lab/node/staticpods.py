"""Static pods and their mirror pods: how a kind control plane runs itself.

``kubeadm init`` writes four manifests into ``/etc/kubernetes/manifests`` on the control-plane
node — etcd, kube-apiserver, kube-controller-manager and kube-scheduler.  The kubelet runs
them without asking the API server (they are how the API server gets started at all) and then
publishes a read-only *mirror pod* for each, named ``<name>-<node>``, so that
``kubectl get pods -n kube-system`` shows them.  A mirror pod carries the
``kubernetes.io/config.mirror`` annotation and is owned by its Node; deleting it only makes the
kubelet publish it again.

Here the control-plane components are the simulator's own objects (``cluster.apiserver``,
``cluster.scheduler`` …); the static pods give them their place on the node: their requests
count in ``kubectl describe node``, and their containers run (idle) in the node's runtime.
Deviations: the manifests carry no probes, and a deleted mirror pod's containers restart with
its replacement (a real static pod keeps running).
"""
from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from ..api import errors
from ..api.meta import deep_copy, rfc3339_nano

if TYPE_CHECKING:
    from .kubelet import Kubelet

MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
VERSION = "v1.32.0"
ETCD_IMAGE = "registry.k8s.io/etcd:3.5.16-0"


def _host_path(name: str, path: str, type_: str) -> dict:
    return {"name": name, "hostPath": {"path": path, "type": type_}}


def _mounts(*names_paths: tuple[str, str]) -> list[dict]:
    return [{"name": n, "mountPath": p, "readOnly": True} for n, p in names_paths]


def _static_pod(name: str, image: str, command: list[str], cpu: str, volumes: list[dict], mounts: list[dict],
                annotations: dict | None = None, memory: str | None = None) -> dict:
    requests = {"cpu": cpu}
    if memory:
        requests["memory"] = memory
    md: dict = {"name": name, "namespace": "kube-system", "labels": {"component": name, "tier": "control-plane"}}
    if annotations:
        md["annotations"] = annotations
    return {
        "apiVersion": "v1", "kind": "Pod", "metadata": md,
        "spec": {
            "containers": [{"name": name, "image": image, "imagePullPolicy": "IfNotPresent", "command": command,
                            "resources": {"requests": requests}, "volumeMounts": mounts}],
            "hostNetwork": True,
            "priority": 2000001000,
            "priorityClassName": "system-node-critical",
            "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "volumes": volumes,
        },
    }


def kubeadm_manifests(node_name: str, node_ip: str, *, service_cidr: str = "10.96.0.0/12",
                      pod_cidr: str = "10.244.0.0/16", cluster_name: str = "kind") -> list[dict]:
    """The four manifests ``kubeadm init`` writes for a kind control plane (commands, requests,
    host paths), in the order the kubelet lists its manifest directory."""
    pki = ("k8s-certs", "/etc/kubernetes/pki")
    ca = ("ca-certs", "/etc/ssl/certs")
    etcd = _static_pod("etcd", ETCD_IMAGE, [
        "etcd", f"--advertise-client-urls=https://{node_ip}:2379",
        "--cert-file=/etc/kubernetes/pki/etcd/server.crt", "--client-cert-auth=true", "--data-dir=/var/lib/etcd",
        "--experimental-initial-corrupt-check=true", "--experimental-watch-progress-notify-interval=5s",
        f"--initial-advertise-peer-urls=https://{node_ip}:2380",
        f"--initial-cluster={node_name}=https://{node_ip}:2380", "--key-file=/etc/kubernetes/pki/etcd/server.key",
        f"--listen-client-urls=https://127.0.0.1:2379,https://{node_ip}:2379",
        "--listen-metrics-urls=http://127.0.0.1:2381", f"--listen-peer-urls=https://{node_ip}:2380",
        f"--name={node_name}", "--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt",
        "--peer-client-cert-auth=true", "--peer-key-file=/etc/kubernetes/pki/etcd/peer.key",
        "--peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt", "--snapshot-count=10000",
        "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt",
    ], "100m", [_host_path("etcd-certs", "/etc/kubernetes/pki/etcd", "DirectoryOrCreate"),
                _host_path("etcd-data", "/var/lib/etcd", "DirectoryOrCreate")],
        [{"name": "etcd-data", "mountPath": "/var/lib/etcd"}, {"name": "etcd-certs", "mountPath": "/etc/kubernetes/pki/etcd"}],
        {"kubeadm.kubernetes.io/etcd.advertise-client-urls": f"https://{node_ip}:2379"}, memory="100Mi")
    apiserver = _static_pod("kube-apiserver", f"registry.k8s.io/kube-apiserver:{VERSION}", [
        "kube-apiserver", f"--advertise-address={node_ip}", "--allow-privileged=true",
        "--authorization-mode=Node,RBAC", "--client-ca-file=/etc/kubernetes/pki/ca.crt",
        "--enable-admission-plugins=NodeRestriction", "--enable-bootstrap-token-auth=true",
        "--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt",
        "--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt",
        "--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key", "--etcd-servers=https://127.0.0.1:2379",
        "--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt",
        "--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key",
        "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
        "--proxy-client-cert-file=/etc/kubernetes/pki/front-proxy-client.crt",
        "--proxy-client-key-file=/etc/kubernetes/pki/front-proxy-client.key",
        "--requestheader-allowed-names=front-proxy-client",
        "--requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt",
        "--requestheader-extra-headers-prefix=X-Remote-Extra-", "--requestheader-group-headers=X-Remote-Group",
        "--requestheader-username-headers=X-Remote-User", "--runtime-config=", "--secure-port=6443",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        "--service-account-key-file=/etc/kubernetes/pki/sa.pub",
        "--service-account-signing-key-file=/etc/kubernetes/pki/sa.key",
        f"--service-cluster-ip-range={service_cidr}", "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
        "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key",
    ], "250m", [_host_path("ca-certs", "/etc/ssl/certs", "DirectoryOrCreate"),
                _host_path("k8s-certs", "/etc/kubernetes/pki", "DirectoryOrCreate")],
        _mounts(ca, pki), {"kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint": f"{node_ip}:6443"})
    controller_manager = _static_pod("kube-controller-manager", f"registry.k8s.io/kube-controller-manager:{VERSION}", [
        "kube-controller-manager", "--allocate-node-cidrs=true",
        "--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf",
        "--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf", "--bind-address=127.0.0.1",
        "--client-ca-file=/etc/kubernetes/pki/ca.crt", f"--cluster-cidr={pod_cidr}", f"--cluster-name={cluster_name}",
        "--cluster-signing-cert-file=/etc/kubernetes/pki/ca.crt",
        "--cluster-signing-key-file=/etc/kubernetes/pki/ca.key", "--controllers=*,bootstrapsigner,tokencleaner",
        "--enable-hostpath-provisioner=true", "--kubeconfig=/etc/kubernetes/controller-manager.conf",
        "--leader-elect=true", "--requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt",
        "--root-ca-file=/etc/kubernetes/pki/ca.crt", "--service-account-private-key-file=/etc/kubernetes/pki/sa.key",
        f"--service-cluster-ip-range={service_cidr}", "--use-service-account-credentials=true",
    ], "200m", [_host_path("ca-certs", "/etc/ssl/certs", "DirectoryOrCreate"),
                _host_path("k8s-certs", "/etc/kubernetes/pki", "DirectoryOrCreate"),
                _host_path("kubeconfig", "/etc/kubernetes/controller-manager.conf", "FileOrCreate")],
        _mounts(ca, pki, ("kubeconfig", "/etc/kubernetes/controller-manager.conf")))
    scheduler = _static_pod("kube-scheduler", f"registry.k8s.io/kube-scheduler:{VERSION}", [
        "kube-scheduler", "--authentication-kubeconfig=/etc/kubernetes/scheduler.conf",
        "--authorization-kubeconfig=/etc/kubernetes/scheduler.conf", "--bind-address=127.0.0.1",
        "--kubeconfig=/etc/kubernetes/scheduler.conf", "--leader-elect=true",
    ], "100m", [_host_path("kubeconfig", "/etc/kubernetes/scheduler.conf", "FileOrCreate")],
        _mounts(("kubeconfig", "/etc/kubernetes/scheduler.conf")))
    return [etcd, apiserver, controller_manager, scheduler]


def config_hash(manifest: dict) -> str:
    """The kubelet's hash of a file-sourced pod (what ``kubernetes.io/config.hash`` holds)."""
    return hashlib.md5(json.dumps(manifest, sort_keys=True).encode()).hexdigest()


class StaticPods:
    """The kubelet's file source and mirror-pod client (``pkg/kubelet/pod/mirror_client.go``)."""

    def __init__(self, kubelet: "Kubelet", manifests: list[dict]):
        self.kl = kubelet
        self.manifests = manifests

    def mirror_pod(self, manifest: dict) -> dict:
        kl = self.kl
        pod = deep_copy(manifest)
        md = pod["metadata"]
        md["name"] = f"{md['name']}-{kl.node_name}"
        digest = config_hash(manifest)
        md["annotations"] = {**(md.get("annotations") or {}), "kubernetes.io/config.hash": digest,
                             MIRROR_ANNOTATION: digest, "kubernetes.io/config.seen": rfc3339_nano(kl.apiserver_epoch + kl.started_at),
                             "kubernetes.io/config.source": "file"}
        md["ownerReferences"] = [{"apiVersion": "v1", "kind": "Node", "name": kl.node_name, "uid": kl.node_uid,
                                  "controller": True}]
        pod["spec"]["nodeName"] = kl.node_name
        pod["spec"]["tolerations"] = [{"operator": "Exists", "effect": "NoExecute"}]
        return pod

    def sync(self) -> None:
        """Publish a mirror pod for every static pod that has none (``syncPod``'s mirror step)."""
        kl = self.kl
        if not kl.running or not kl.node_uid:
            return
        for manifest in self.manifests:
            pod = self.mirror_pod(manifest)
            if kl.pods_inf is not None and kl.pods_inf.get(f"kube-system/{pod['metadata']['name']}") is not None:
                continue
            try:
                kl.client.create("pods", pod, "kube-system", owned=True)
            except errors.StatusError as e:
                if e.reason != "AlreadyExists":
                    kl.errors.append(f"creating mirror pod {pod['metadata']['name']}: {e.message}")
            except kl.Unreachable:
                return

    @staticmethod
    def is_mirror(pod: dict) -> bool:
        return MIRROR_ANNOTATION in (pod["metadata"].get("annotations") or {})
