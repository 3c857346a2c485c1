"""The Node object a kubelet registers, shaped like a node of a kind cluster.

kind names its nodes ``<cluster>-control-plane``, ``<cluster>-worker``, ``<cluster>-worker2`` …,
gives them addresses on the ``kind`` Docker network (172.18.0.0/16), runs containerd, and labels
the control-plane node with ``node-role.kubernetes.io/control-plane`` (kubeadm also taints it
``NoSchedule``).
"""
from __future__ import annotations

KUBELET_VERSION = "v1.32.0"
CONTAINER_RUNTIME = "containerd://1.7.24"
OS_IMAGE = "Debian GNU/Linux 12 (bookworm)"
KERNEL = "6.8.0-1015-generic"
CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane"


def node_names(cluster_name: str, workers: int) -> list[str]:
    names = [f"{cluster_name}-control-plane"]
    for i in range(1, workers + 1):
        names.append(f"{cluster_name}-worker" if i == 1 else f"{cluster_name}-worker{i}")
    return names


def node_object(name: str, *, control_plane: bool, internal_ip: str, cpu: str = "4",
                memory_ki: int = 8 * 1024 * 1024, pods: int = 110, ephemeral_storage_ki: int = 100 * 1024 * 1024,
                system_uuid: str = "", boot_id: str = "", machine_id: str = "", cluster_name: str = "kind") -> dict:
    labels = {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
    }
    spec: dict = {"providerID": f"kind://docker/{cluster_name}/{name}"}
    if control_plane:
        labels[CONTROL_PLANE_LABEL] = ""
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
        spec["taints"] = [{"key": CONTROL_PLANE_LABEL, "effect": "NoSchedule"}]
    resources = node_resources(cpu, memory_ki, pods, ephemeral_storage_ki)
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": labels,
            "annotations": {
                "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/containerd/containerd.sock",
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            },
        },
        "spec": spec,
        "status": {
            "addresses": [{"address": internal_ip, "type": "InternalIP"},
                          {"address": name, "type": "Hostname"}],
            "allocatable": dict(resources),
            "capacity": dict(resources),
            "conditions": [],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": boot_id,
                "containerRuntimeVersion": CONTAINER_RUNTIME,
                "kernelVersion": KERNEL,
                "kubeProxyVersion": KUBELET_VERSION,
                "kubeletVersion": KUBELET_VERSION,
                "machineID": machine_id,
                "operatingSystem": "linux",
                "osImage": OS_IMAGE,
                "systemUUID": system_uuid,
            },
        },
    }


def ready_conditions(timestamp: str) -> list[dict]:
    """The four pressure conditions and Ready, as a healthy kubelet reports them."""
    def cond(type_, status, reason, message):
        return {"type": type_, "status": status, "lastHeartbeatTime": timestamp,
                "lastTransitionTime": timestamp, "reason": reason, "message": message}
    return [
        cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
        cond("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ]


def node_resources(cpu: str, memory_ki: int, pods: int, ephemeral_storage_ki: int) -> dict:
    """The node's capacity (and, with no reservations, allocatable) as the kubelet reports it:
    byte counts from the machine, written as resource.Quantity prints them — canonical, so an
    8 GiB machine shows ``8Gi`` and a 8,148,528 KiB one ``8148528Ki``."""
    from ..api.quantity import canonical

    return {"cpu": canonical(cpu), "ephemeral-storage": canonical(f"{ephemeral_storage_ki}Ki"),
            "hugepages-1Gi": "0", "hugepages-2Mi": "0", "memory": canonical(f"{memory_ki}Ki"), "pods": str(pods)}
