"""A node as a machine — in a kind cluster, one Docker container: its container runtime, its
disk, its power and its network link, and the kubelet process running on it.

``cluster.node("kind-worker")`` returns the :class:`Machine`; lessons use it to make nodes fail:

* :meth:`stop_kubelet` / :meth:`start_kubelet` — the kubelet process stops (containers keep
  running, nobody reports on them) and starts again (it re-reads everything from the API server
  and the runtime, and resumes half-done work: a pod being terminated gets its full grace period
  again);
* :meth:`power_off` / :meth:`power_on` — everything on the node stops at once; on power-on the
  runtime is empty, the kubelet starts and recreates the pods' sandboxes and containers;
* :meth:`cut_network` / :meth:`restore_network` — the node cannot reach the API server or the
  other nodes, but keeps running its containers;
* :meth:`cordon` / :meth:`uncordon` — ``kubectl cordon`` (``spec.unschedulable``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from ..api import errors
from ..client import Client
from .fs import Tree
from .images import Registry
from .images.catalog import preload_references
from .kubelet import Kubelet
from .runtime import ContainerRuntime

if TYPE_CHECKING:  # pragma: no cover
    from ..sim import Loop, RandomStreams


class CNIPlugin:
    """kindnet's CNI configuration on the node: the ``ptp`` plugin with ``host-local`` IPAM over
    the node's pod CIDR (written once the node has one; until then pods cannot get a network)."""

    def __init__(self, ipam_factory: Callable[[str], Any] | None):
        self.ipam_factory = ipam_factory
        self.ipam: Any = None
        self.cidr: str | None = None

    @property
    def ready(self) -> bool:
        return self.ipam is not None

    def set_cidr(self, cidr: str) -> None:
        if cidr == self.cidr:
            return
        self.cidr = cidr
        self.ipam = self.ipam_factory(cidr) if self.ipam_factory is not None else None

    def add(self, sandbox_id: str, config: Any) -> str:
        if self.ipam is None:
            raise RuntimeError("cni plugin not initialized")
        try:
            return self.ipam.allocate(sandbox_id)
        except Exception as e:  # noqa: BLE001 - RangeFull from the IPAM
            raise RuntimeError(f"plugin type=\"ptp\" failed (add): {e}") from None

    def delete(self, sandbox_id: str) -> None:
        if self.ipam is not None:
            self.ipam.release(sandbox_id)

    def release_all(self) -> None:
        if self.ipam is not None:
            for ip, owner in list(self.ipam.in_use().items()):
                self.ipam.release(owner)


class Machine:
    """One simulated node host."""

    def __init__(self, *, loop: "Loop", apiserver: Any, random: "RandomStreams", registry: Registry,
                 name: str, ip: str, control_plane: bool = False, cpu: str = "4", memory_ki: int = 8 * 1024 * 1024,
                 max_pods: int = 110, storage_ki: int = 100 * 1024 * 1024, cluster_name: str = "kind",
                 labels: dict | None = None, ipam_factory: Callable[[str], Any] | None = None,
                 network: Any = None, cluster_dns: str = "10.96.0.10", cluster_domain: str = "cluster.local",
                 system_uuid: str = "", machine_id: str = "", boot_id: str = "",
                 pull_bandwidth: float = 25e6, static_pods: list[dict] | None = None):
        self.loop = loop
        self.apiserver = apiserver
        self.random = random
        self.registry = registry
        self.name = name
        self.ip = ip
        self.control_plane = control_plane
        self.cpu = cpu
        self.memory_ki = memory_ki
        self.max_pods = max_pods
        self.storage_ki = storage_ki
        self.cluster_name = cluster_name
        self.labels = dict(labels or {})
        self.cluster_dns = cluster_dns
        self.cluster_domain = cluster_domain
        self.system_uuid = system_uuid
        self.machine_id = machine_id
        self.boot_id = boot_id or random.uuid4(f"machines/{name}/boot-id")
        self.static_pods = list(static_pods or ())    # /etc/kubernetes/manifests
        self.powered = True
        self.network_cut = False
        self.disk: dict[str, Any] = {}
        self.host_fs = Tree(name=f"{name}:/")
        self.cni = CNIPlugin(ipam_factory)
        cores = float(cpu[:-1]) / 1000 if cpu.endswith("m") else float(cpu)
        self.runtime = ContainerRuntime(loop, name, registry, random.stream(f"runtime/{name}"),
                                        epoch=apiserver.epoch, node_ip=ip, cpus=cores,
                                        pull_bandwidth=pull_bandwidth, preload=preload_references())
        self.runtime.machine = self
        self.runtime.cni = self.cni
        self.network = network
        if network is not None:
            network.attach(self)
        self.kubelet: Kubelet | None = None

    def __repr__(self) -> str:
        state = "on" if self.powered else "off"
        kubelet = "running" if self.kubelet is not None and self.kubelet.running else "stopped"
        return f"<Machine {self.name} {self.ip} power={state} kubelet={kubelet}>"

    # the kubelet process -------------------------------------------------------------------
    def start_kubelet(self) -> Kubelet:
        """Start the kubelet (a fresh process: no memory of what the previous one did)."""
        if not self.powered:
            raise RuntimeError(f"node {self.name} is powered off")
        if self.kubelet is not None and self.kubelet.running:
            return self.kubelet
        self.kubelet = Kubelet(self)
        self.kubelet.start()
        return self.kubelet

    def stop_kubelet(self) -> None:
        """``systemctl stop kubelet``: the containers keep running unattended."""
        if self.kubelet is not None:
            self.kubelet.stop()

    def restart_kubelet(self) -> Kubelet:
        self.stop_kubelet()
        return self.start_kubelet()

    # power --------------------------------------------------------------------------------
    def power_off(self) -> None:
        """Pull the plug: the kubelet and every container stop at once, without a goodbye."""
        if not self.powered:
            return
        self.stop_kubelet()
        self.runtime.power_off()
        self.cni.release_all()
        self.powered = False

    def power_on(self, kubelet_delay: float = 5.0) -> None:
        """Boot again (a new boot ID); the kubelet starts ``kubelet_delay`` seconds later."""
        if self.powered:
            return
        self.powered = True
        self.boot_id = self.random.uuid4(f"machines/{self.name}/boot-id")
        self.runtime.power_on()
        self.loop.call_later(kubelet_delay, self._boot_kubelet)

    def _boot_kubelet(self) -> None:
        if self.powered and (self.kubelet is None or not self.kubelet.running):
            self.start_kubelet()

    # network ------------------------------------------------------------------------------
    def cut_network(self) -> None:
        """Unplug the node's network: no API server, no other nodes."""
        self.network_cut = True
        if self.kubelet is not None and self.kubelet.running:
            self.kubelet.network_lost()

    def restore_network(self) -> None:
        self.network_cut = False
        if self.kubelet is not None and self.kubelet.running:
            self.kubelet.network_restored()

    # kubectl cordon / uncordon ------------------------------------------------------------
    def cordon(self) -> dict:
        return self._unschedulable(True)

    def uncordon(self) -> dict:
        return self._unschedulable(False)

    def _unschedulable(self, value: bool) -> dict:
        client = Client(self.apiserver, "kubectl")
        try:
            return client.patch("nodes", self.name, {"spec": {"unschedulable": True if value else None}},
                                "application/strategic-merge-patch+json")
        except errors.StatusError:
            raise

    # conveniences for lessons ---------------------------------------------------------------
    @property
    def kubelet_running(self) -> bool:
        return self.kubelet is not None and self.kubelet.running

    def containers(self) -> list:
        """What ``crictl ps -a`` lists on this node."""
        return sorted(self.runtime.containers.values(), key=lambda c: c.created_at)
