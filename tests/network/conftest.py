"""A small lab for the network tests: a cluster, extra nodes that no kubelet runs (so nothing but
the test writes their pods' status), and pods whose IP and readiness the test sets through the
status subresource — what the kubelet will do once it runs them."""
import pytest

from kube_lab import Cluster
from kube_lab.api.meta import deep_copy
from kube_lab.node import registration
from kube_lab.node.proxy import KubeProxy

NODES = {"node-1": "172.18.0.11", "node-2": "172.18.0.12", "node-3": "172.18.0.13"}


class NetLab:
    def __init__(self, seed: int = 0, nodes: dict[str, str] = NODES):
        self.cluster = Cluster(nodes=0, seed=seed, network_addons=False)
        self.api = self.cluster.client("test")
        self.node_ips = dict(nodes)
        for name, ip in nodes.items():
            obj = registration.node_object(name, control_plane=False, internal_ip=ip, cluster_name="kind",
                                           system_uuid=f"uuid-{name}", boot_id=f"boot-{name}", machine_id=name)
            created = self.api.create("nodes", obj)
            body = deep_copy(created)
            body["status"]["conditions"] = registration.ready_conditions(self.cluster.apiserver.timestamp())
            self.api.update_status("nodes", body)
        self._heartbeat()       # the nodes' Leases, renewed as kubelets do, so the node controller sees them alive
        self.proxies: dict[str, KubeProxy] = {}
        self.run()

    def _heartbeat(self) -> None:
        now = self.cluster.apiserver.timestamp().replace("Z", ".000000Z")
        for name in self.node_ips:
            try:
                lease = self.api.get("leases", name, "kube-node-lease")
            except Exception:  # noqa: BLE001 - first beat: NotFound
                self.api.create("leases", {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                                           "metadata": {"name": name, "namespace": "kube-node-lease"},
                                           "spec": {"holderIdentity": name, "leaseDurationSeconds": 40,
                                                    "renewTime": now}}, "kube-node-lease")
                continue
            self.api.update("leases", {**lease, "spec": {**lease["spec"], "renewTime": now}}, "kube-node-lease")
        self.cluster.loop.call_later(10.0, self._heartbeat, background=True)

    def run(self, seconds: float = 2.0) -> None:
        self.cluster.run(seconds)

    def pod(self, name: str, node: str, ip: str, labels: dict, *, ready: bool = True, ports=None,
            hostname: str | None = None, subdomain: str | None = None, namespace: str = "default",
            host_network: bool = False) -> dict:
        spec = {"nodeName": node, "containers": [{"name": "app", "image": "nginx:1.25",
                                                   "ports": ports if ports is not None else
                                                   [{"containerPort": 8080, "name": "http"}]}]}
        if hostname:
            spec["hostname"] = hostname
        if subdomain:
            spec["subdomain"] = subdomain
        if host_network:
            spec["hostNetwork"] = True
        created = self.api.create("pods", {"apiVersion": "v1", "kind": "Pod",
                                           "metadata": {"name": name, "labels": labels}, "spec": spec}, namespace)
        return self.set_status(created, ip, ready)

    def set_status(self, pod: dict, ip: str, ready: bool) -> dict:
        body = deep_copy(pod)
        body["status"].update({
            "phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}],
            "hostIP": self.node_ips.get(body["spec"]["nodeName"], ""),
            "conditions": [{"type": "Ready", "status": "True" if ready else "False",
                            "lastTransitionTime": self.cluster.apiserver.timestamp()}]})
        return self.api.update_status("pods", body, pod["metadata"]["namespace"])

    def set_ready(self, name: str, ready: bool, namespace: str = "default") -> dict:
        pod = self.api.get("pods", name, namespace)
        return self.set_status(pod, pod["status"]["podIP"], ready)

    def service(self, name: str, spec: dict, namespace: str = "default", labels: dict | None = None) -> dict:
        md = {"name": name}
        if labels:
            md["labels"] = labels
        return self.api.create("services", {"apiVersion": "v1", "kind": "Service", "metadata": md, "spec": spec},
                               namespace)

    def proxy(self, node: str, mode: str = "iptables") -> KubeProxy:
        if node not in self.proxies:
            self.proxies[node] = KubeProxy(self.cluster.client(f"kube-proxy/{node}"), self.cluster.loop, node,
                                           self.node_ips[node], self.cluster.random.stream(f"kube-proxy/{node}"),
                                           mode=mode).start()
        return self.proxies[node]

    def slices(self, service: str, namespace: str = "default") -> list[dict]:
        return self.cluster.list("endpointslices", namespace, selector=f"kubernetes.io/service-name={service}")


@pytest.fixture
def lab():
    return NetLab()


@pytest.fixture
def make_lab():
    return NetLab
