"""A whole Kubernetes cluster on one virtual clock.

``Cluster(nodes=3, seed=0)`` assembles what ``kind create cluster`` gives you — etcd, the API
server, the controller manager and one control-plane node plus ``nodes`` workers — and runs it on
a deterministic event loop.  Nothing happens until virtual time moves: call :meth:`Cluster.run`,
:meth:`Cluster.run_until` or :meth:`Cluster.settle`.

The same seed gives the same names, uids, IPs and timestamps on every run and every machine.
"""
from __future__ import annotations

import base64
import hashlib
import os
from typing import Any, Callable, Iterable

import yaml

from .api import errors
from .api.meta import DEFAULT_EPOCH, deep_copy
from .api.registry import NoKindMatchError, ResourceInfo
from .client import Client
from .controlplane.apiserver import APIServer
from .controlplane.controllers.manager import ControllerManager
from .controlplane.etcd import Etcd
from .node import registration
from .sim import Loop, RandomStreams, Trace
from .sim.loop import SettleTimeout

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
APISERVER_IP = "172.18.0.2"   # the control-plane node's address, where kube-apiserver listens


class ApplyError(Exception):
    """``kubectl apply`` failed for one or more documents; ``str()`` is what kubectl prints on
    stderr, ``.results`` what it printed on stdout for the documents that succeeded."""

    def __init__(self, messages: list[str], results: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages
        self.results = results


class Cluster:
    """A kind-like cluster: control plane plus ``nodes`` worker nodes, all simulated.

    Options: ``name`` (cluster name, "kind"), ``node_cpu`` ("4"), ``node_memory_ki``,
    ``start_time`` (Unix seconds that virtual time 0 maps to), ``trace`` (record API requests,
    True), ``trace_limit``, ``network_addons`` (True, as on kind: the CoreDNS
    Deployment behind the kube-dns Service, kube-proxy on every node and the LoadBalancer
    controller, so Services and DNS names work from pods; False gives a bare control plane whose
    kube-system namespace is empty), ``local_path_storage`` (True, as on kind: the default
    StorageClass ``standard``, the ``local-path-storage`` namespace and the local-path provisioner,
    which makes a hostPath volume on the node a claim's first pod lands on; ``"deployment"`` also
    runs the provisioner's Deployment there, so its pod shows in ``kubectl get pods -A`` as on
    kind; False: no StorageClass, claims bind only to volumes you make),
    ``metrics_server`` (False, as on kind, which ships none: ``kubectl top`` answers "Metrics API
    not available" and HorizontalPodAutoscalers get no metrics; True installs it at start, as
    :meth:`install_metrics_server` does later).
    """

    def __init__(self, nodes: int = 3, seed: int = 0, *, name: str = "kind", node_cpu: str = "4",
                 node_memory_ki: int = 8 * 1024 * 1024, start_time: float | None = None,
                 trace: bool = True, trace_limit: int | None = None, etcd: Etcd | None = None,
                 network_addons: bool = True, local_path_storage: bool | str = True, metrics_server: bool = False):
        if nodes < 0:
            raise ValueError("nodes must be >= 0")
        self.name = name
        self.seed = seed
        self.loop = Loop()
        self.random = RandomStreams(seed)
        self.trace = Trace(enabled=trace, limit=trace_limit)
        restored = etcd is not None
        self.network_addons = network_addons
        self.etcd = etcd if restored else Etcd()
        self.apiserver = APIServer(self.loop, self.etcd, self.random, self.trace,
                                   epoch=DEFAULT_EPOCH if start_time is None else start_time)
        self._user = Client(self.apiserver, "user")
        if not restored:
            self._bootstrap()
            if network_addons:
                self._install_network_addons()
            if local_path_storage:
                self._install_local_path_storage(deployment=local_path_storage == "deployment")
        self.controller_manager = ControllerManager(self.apiserver, ca_pem=self._ca_pem())
        self.controller_manager.start()
        self._start_scheduler()
        self.local_path_provisioner = self._start_local_path_provisioner() if local_path_storage else None
        if not restored:
            self._register_nodes(nodes, node_cpu, node_memory_ki)
        if metrics_server:
            self.install_metrics_server()
        self.settle()

    # ---------------------------------------------------------------------------------------
    # backup and restore (``etcdctl snapshot save`` / ``etcdutl snapshot restore``)
    def snapshot_save(self, path: str) -> dict:
        """Back up the cluster's whole state: etcd's keyspace, written to ``path``.  Returns
        ``{"revision": …, "total_keys": …}`` as ``etcdutl snapshot status`` reports them."""
        status = self.etcd.snapshot_save(path, saved_at=self.apiserver.epoch + self.loop.now)
        return status

    @classmethod
    def restore(cls, path: str, seed: int = 0, **options: Any) -> "Cluster":
        """A new cluster whose etcd is restored from a snapshot, as after a disaster recovery:
        every object comes back with its uid and resourceVersion, and the control plane rebuilds
        its caches by listing.  Its clock continues from the moment the snapshot was taken.
        The network add-ons and metrics-server are started again when the snapshot has their
        objects (``network_addons=`` / ``metrics_server=`` decide otherwise)."""
        store = Etcd.snapshot_restore(path)
        if store.saved_at is not None and "start_time" not in options:
            options["start_time"] = store.saved_at
        if "network_addons" not in options:     # the add-ons come back when the snapshot has them
            options["network_addons"] = store.get("/registry/services/specs/kube-system/kube-dns") is not None
        if "metrics_server" not in options:     # its APIService and image live outside etcd here
            options["metrics_server"] = store.get("/registry/deployments/kube-system/metrics-server") is not None
        cluster = cls(nodes=0, seed=seed, etcd=store, **options)
        cluster._boot_restored_nodes()
        return cluster

    # ---------------------------------------------------------------------------------------
    # start-up
    def _bootstrap(self) -> None:
        """What kube-apiserver's post-start hooks create: the system namespaces, the system
        priority classes and the ``kubernetes`` Service."""
        api = Client(self.apiserver, "kube-apiserver")
        for ns in SYSTEM_NAMESPACES:
            api.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        for pc_name, value, desc in (
            ("system-node-critical", 2000001000, "Used for system critical pods that must not be moved from their current node."),
            ("system-cluster-critical", 2000000000, "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."),
        ):
            api.create("priorityclasses", {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                                           "metadata": {"name": pc_name}, "value": value, "description": desc})
        api.create("services", {
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"],
                     "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]},
        }, "default")


    def _install_network_addons(self) -> None:
        """Service networking as kind has it: the apiserver's own endpoints behind the
        ``kubernetes`` Service, and kubeadm's CoreDNS add-on (the coredns Deployment and the
        kube-dns Service at 10.96.0.10).  Each node's kube-proxy starts with its machine."""
        api = Client(self.apiserver, "kube-apiserver")
        # The apiserver's endpoint reconciler publishes its own address behind that Service.
        api.create("endpoints", {
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
            "subsets": [{"addresses": [{"ip": APISERVER_IP}],
                         "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}],
        }, "default")
        api.create("endpointslices", {
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"kubernetes.io/service-name": "kubernetes"}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [APISERVER_IP], "conditions": {"ready": True}}],
            "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}],
        }, "default")
        # kubeadm's CoreDNS add-on: the coredns Deployment and the kube-dns Service (10.96.0.10).
        from .network.dns import install_cluster_dns
        from .network.nodeagents import install_node_agents

        install_cluster_dns(Client(self.apiserver, "kubeadm"))
        # kubeadm's kube-proxy DaemonSet, then kind's CNI (the kindnet DaemonSet)
        install_node_agents(Client(self.apiserver, "kubeadm"), f"{self.name}-control-plane:6443")

    def _install_local_path_storage(self, deployment: bool) -> None:
        """kind's default storage, applied as kind does with ``kubectl apply``: the
        ``local-path-storage`` namespace and config, the ``standard`` default StorageClass and (if
        asked) the provisioner's Deployment, whose pod would shift generated names and pod IPs."""
        from .storage import install_local_path_storage

        install_local_path_storage(Client(self.apiserver, "kind"), deployment=deployment)

    def _start_local_path_provisioner(self):
        """The local-path provisioner process (``self.local_path_provisioner``)."""
        from .storage import LocalPathProvisioner

        return LocalPathProvisioner(Client(self.apiserver, "local-path-provisioner"),
                                    uuid=self.random.uuid4("local-path-provisioner/id")).start()

    def _ca_pem(self) -> str:
        raw = b"".join(hashlib.sha256(f"{self.seed}:ca:{i}".encode()).digest() for i in range(24))
        body = base64.b64encode(raw).decode()
        lines = [body[i:i + 64] for i in range(0, len(body), 64)]
        return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"

    def _start_scheduler(self) -> None:
        """kube-scheduler (``self.scheduler``), watching through its own client; NumPy is
        imported here, not when ``kube_lab`` is."""
        from .controlplane.scheduler import Scheduler

        self.scheduler = Scheduler(Client(self.apiserver, "kube-scheduler"),
                                   self.random.stream("kube-scheduler/select-host"),
                                   host=f"{self.name}-control-plane").start()

    def _register_nodes(self, workers: int, cpu: str, memory_ki: int) -> None:
        """One machine per node, as kind runs one container per node; each machine's kubelet
        registers its Node, keeps its Lease renewed and posts its status."""
        self._machines_init()
        for i, node_name in enumerate(registration.node_names(self.name, workers)):
            self._new_machine(node_name, f"172.18.0.{i + 2}", control_plane=(i == 0), cpu=cpu,
                              memory_ki=memory_ki).start_kubelet()

    def _static_pods(self, name: str, ip: str, control_plane: bool) -> list[dict]:
        """What ``kubeadm init`` left in the node's /etc/kubernetes/manifests (kind-like
        clusters only: with ``network_addons=False`` kube-system stays empty)."""
        if not (control_plane and self.network_addons):
            return []
        from .node.staticpods import kubeadm_manifests

        return kubeadm_manifests(name, ip, cluster_name=self.name)

    def _machines_init(self) -> None:
        from .network.dns import ClusterDNS
        from .network.loadbalancer import LoadBalancerController
        from .node import PodNetwork, Registry

        if getattr(self, "machines", None) is None:
            self.machines = {}
            self.registry = Registry()          # every registry a node can pull from
            self.proxies = {}                   # kube-proxy per node (with the network add-ons)
            self.dns = None
            self.load_balancer = None
            if self.network_addons:
                # what the CoreDNS pods answer (reached through the kube-dns Service)
                self.dns = ClusterDNS(Client(self.apiserver, "coredns")).start()
                # MetalLB-like LoadBalancer addresses: off until ``cluster.load_balancer.enable(pool)``
                self.load_balancer = LoadBalancerController(Client(self.apiserver, "metallb-controller")).start()
            # kindnet's flat pod network; with the add-ons, Services go through each node's
            # kube-proxy rules and names through cluster DNS
            self.network = PodNetwork(proxies=self.proxies, dns=self.dns)

    def _new_machine(self, name: str, ip: str, *, control_plane: bool = False, cpu: str = "4",
                     memory_ki: int = 8 * 1024 * 1024, labels: dict | None = None, boot_id: str = "",
                     system_uuid: str = "", machine_id: str = ""):
        from .network.ipam import HostLocalIPAM
        from .node import Machine

        rng = self.random.stream("nodes")
        machine = Machine(
            loop=self.loop, apiserver=self.apiserver, random=self.random, registry=self.registry, name=name, ip=ip,
            control_plane=control_plane, cpu=cpu, memory_ki=memory_ki, cluster_name=self.name, labels=labels,
            ipam_factory=HostLocalIPAM, network=self.network,
            system_uuid=system_uuid or self.random.uuid4("nodes/system-uuid"),
            boot_id=boot_id or self.random.uuid4("nodes/boot-id"),
            machine_id=machine_id or f"{rng.getrandbits(128):032x}",
            static_pods=self._static_pods(name, ip, control_plane))
        self.machines[name] = machine
        if not self.network_addons:
            return machine
        from .node.proxy import KubeProxy

        self.proxies[name] = KubeProxy(Client(self.apiserver, f"kube-proxy/{name}"), self.loop, name, ip,
                                       self.random.stream(f"kube-proxy/{name}")).start()
        self.proxies[name].host_rules = machine.runtime.portmap     # hostPort chains in its tables
        return machine

    # ---------------------------------------------------------------------------------------
    # nodes as machines
    def node(self, name: str):
        """The machine behind a node: ``.kubelet``, ``.runtime``, ``.stop_kubelet()``,
        ``.start_kubelet()``, ``.power_off()``, ``.power_on()``, ``.cut_network()``,
        ``.restore_network()``, ``.cordon()``, ``.uncordon()``."""
        machines = getattr(self, "machines", None) or {}
        if name not in machines:
            raise KeyError(f"no node named {name!r} (nodes: {', '.join(machines) or 'none'})")
        return machines[name]

    def add_node(self, name: str | None = None, *, cpu: str = "4", memory_ki: int = 8 * 1024 * 1024,
                 labels: dict | None = None, control_plane: bool = False, max_pods: int = 110):
        """Join a new worker (kind names it ``<cluster>-worker<N>``); its kubelet registers it.
        Returns the machine."""
        self._machines_init()
        if name is None:
            n = 1
            while True:
                name = f"{self.name}-worker" if n == 1 else f"{self.name}-worker{n}"
                if name not in self.machines:
                    break
                n += 1
        if name in self.machines:
            raise ValueError(f"node {name!r} already exists")
        used = {m.ip for m in self.machines.values()}
        k = 2
        while f"172.18.0.{k}" in used:
            k += 1
        machine = self._new_machine(name, f"172.18.0.{k}", control_plane=control_plane, cpu=cpu,
                                    memory_ki=memory_ki, labels=labels)
        machine.max_pods = max_pods
        machine.start_kubelet()
        return machine

    def remove_node(self, name: str) -> None:
        """Take a node away for good: its machine is switched off and ``kubectl delete node``
        removes the Node object."""
        machine = self.node(name)
        machine.power_off()
        self.network.detach(name)
        del self.machines[name]
        try:
            Client(self.apiserver, "kubectl").delete("nodes", name)
        except errors.StatusError as e:
            if e.reason != "NotFound":
                raise

    def _boot_restored_nodes(self) -> None:
        """After a restore, every Node in the snapshot gets a machine again (freshly booted, with
        an empty container runtime); their kubelets start when the clock next moves."""
        self._machines_init()
        for node in self.apiserver.storage_list("nodes"):
            md = node["metadata"]
            st = node.get("status") or {}
            ip = next((a["address"] for a in st.get("addresses") or () if a.get("type") == "InternalIP"), "")
            cap = st.get("capacity") or {}
            from .api.quantity import QuantityError, parse_quantity

            try:
                memory_ki = int(parse_quantity(str(cap.get("memory", "8Gi"))).to_fraction()) // 1024
            except QuantityError:
                memory_ki = 8 * 1024 * 1024
            info = st.get("nodeInfo") or {}
            machine = self._new_machine(md["name"], ip or "172.18.0.2",
                                        control_plane=registration.CONTROL_PLANE_LABEL in (md.get("labels") or {}),
                                        cpu=str(cap.get("cpu", "4")), memory_ki=memory_ki,
                                        system_uuid=info.get("systemUUID", ""), machine_id=info.get("machineID", ""),
                                        boot_id=self.random.uuid4(f"machines/{md['name']}/boot-id"))
            self.loop.call_soon(machine.start_kubelet)

    # ---------------------------------------------------------------------------------------
    # time
    @property
    def now(self) -> float:
        """Virtual seconds since the cluster started."""
        return self.loop.now

    def run(self, seconds: float) -> "Cluster":
        """Advance virtual time by ``seconds``, running everything that falls due."""
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        self.loop.run(seconds)
        return self

    def run_until(self, predicate: Callable[["Cluster"], bool], timeout: float = 600.0,
                  step: float | None = None) -> float:
        """Advance until ``predicate(cluster)`` is true; returns the virtual time reached.

        The predicate is checked after every event (or every ``step`` seconds); raises
        ``TimeoutError`` if it is still false after ``timeout`` virtual seconds."""
        deadline = self.loop.now + timeout
        if predicate(self):
            return self.loop.now
        while True:
            nxt = self.loop.next_time()
            if step is not None:
                target = min(self.loop.now + step, deadline)
                self.loop.run_until(target)
            elif nxt is None or nxt > deadline:
                self.loop.run_until(deadline)
            else:
                self.loop.step()
            if predicate(self):
                return self.loop.now
            if self.loop.now >= deadline:
                raise TimeoutError(f"condition not met within {timeout:g}s of virtual time")

    def settle(self, timeout: float = 600.0) -> float:
        """Advance until no component has pending work; returns the virtual time reached."""
        try:
            return self.loop.settle(timeout)
        except SettleTimeout as e:
            raise TimeoutError(str(e)) from None

    # ---------------------------------------------------------------------------------------
    # objects
    def _resource(self, resource: str) -> ResourceInfo:
        info = self.apiserver.registry.resolve(resource)
        if info is None:
            raise errors.status("NotFound", f"the server doesn't have a resource type {errors.go_quote(resource)}")
        return info

    def get(self, resource: str, name: str, namespace: str = "default") -> dict:
        """One object, as a fresh dict in the wire format (``kubectl get -o json``)."""
        info = self._resource(resource)
        return deep_copy(self._user.get(info.resource, name, namespace if info.namespaced else None))

    def list(self, resource: str, namespace: str | None = "default", selector: str | None = None,
             field_selector: str | None = None) -> list[dict]:
        """The objects of a resource (``namespace=None``: all namespaces), optionally filtered by
        a label selector such as ``"app=web,tier in (fe,be)"``."""
        info = self._resource(resource)
        lst = self._user.list(info.resource, namespace if info.namespaced else None,
                              label_selector=selector, field_selector=field_selector)
        items = [deep_copy(o) for o in lst["items"]]
        items.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
        return items

    def create(self, obj: dict, namespace: str | None = None) -> dict:
        """``kubectl create -f`` for one object."""
        info = self._info_for(obj)
        ns = namespace or obj.get("metadata", {}).get("namespace") or "default"
        return deep_copy(self._user.create(info.resource, obj, ns if info.namespaced else None,
                                           field_validation="Strict"))

    def delete(self, resource: str, name: str, namespace: str = "default", grace_period: int | None = None,
               propagation_policy: str | None = None) -> dict:
        """A delete request, graceful as the API server makes it."""
        info = self._resource(resource)
        return deep_copy(self._user.delete(info.resource, name, namespace if info.namespaced else None,
                                           grace_period_seconds=grace_period,
                                           propagation_policy=propagation_policy))

    def _info_for(self, obj: dict) -> ResourceInfo:
        if not isinstance(obj, dict) or "kind" not in obj or "apiVersion" not in obj:
            raise errors.bad_request("Object 'Kind' is missing")
        return self.apiserver.registry.for_kind(obj["apiVersion"], obj["kind"])

    def apply(self, text_or_path: str | dict | Iterable[dict], namespace: str | None = None) -> list[str]:
        """``kubectl apply -f``: create what is missing, patch what changed (client-side apply with
        the last-applied-configuration annotation).  Returns kubectl's output lines; raises
        :class:`ApplyError` with kubectl's error text if any document failed (the others are
        still applied, as kubectl does)."""
        from .api import apply as applying

        docs, source = self._documents(text_or_path)
        results: list[str] = []
        failures: list[tuple[str, str]] = []    # (alone, line): kubectl prints one or the other
        for doc in docs:
            try:
                results.append(applying.apply_object(self._user, doc, namespace, source))
            except NoKindMatchError as e:
                md = doc.get("metadata") or {}
                line = (f"resource mapping not found for name: {errors.go_quote(md.get('name', ''))} "
                        f"namespace: {errors.go_quote(md.get('namespace', '') or '')} from "
                        f"{errors.go_quote(source)}: {e}\nensure CRDs are installed first")
                failures.append(("error: " + line, line))
            except applying.ApplyDocumentError as e:
                failures.append((e.alone, e.line))
                if e.message.startswith("error validating"):
                    break  # schema validation ends the stream: later documents are not read
        if failures:
            if len(failures) == 1:
                messages = [failures[0][0]]
            else:
                messages = [line for _, line in failures]
            raise ApplyError(messages, results)
        return results

    @staticmethod
    def _documents(src: Any) -> tuple[list[dict], str]:
        if isinstance(src, dict):
            return [src], "STDIN"
        if not isinstance(src, str):
            return list(src), "STDIN"
        source = "STDIN"
        text = src
        if "\n" not in src and os.path.exists(src):
            source = src
            with open(src, encoding="utf-8") as f:
                text = f.read()
        try:
            loaded = [d for d in yaml.safe_load_all(text) if d is not None]
        except yaml.YAMLError as e:
            raise ApplyError([f"error: error parsing {source}: {e}"], []) from None
        docs: list[dict] = []
        for d in loaded:
            if isinstance(d, dict) and d.get("kind") == "List" and isinstance(d.get("items"), list):
                docs.extend(d["items"])
            else:
                docs.append(d)
        return docs, source

    # ---------------------------------------------------------------------------------------
    # add-ons
    def install_metrics_server(self, *, kubelet_insecure_tls: bool = True):
        """Install metrics-server v0.7.2 as kind users do — ``kubectl apply -f`` its
        ``components.yaml`` with ``--kubelet-insecure-tls`` added (without it, every scrape of
        kind's self-signed kubelets fails and the pod never becomes ready).  ``kubectl top`` and
        HorizontalPodAutoscalers get usage once its pod has started and scraped twice (~20 s).
        Returns the add-on's model, also ``self.metrics_server``."""
        from .addons import install_metrics_server

        return install_metrics_server(self, kubelet_insecure_tls=kubelet_insecure_tls)

    # ---------------------------------------------------------------------------------------
    # traffic (kube_lab.network.traffic)
    def request(self, url_or_target: str, source: str = "outside", *, namespace: str = "default",
                method: str = "GET", timeout: float = 1.0):
        """One request (``"http://web"``, ``"web:80"``, ``"172.18.0.3:30080"``, ``"tcp://db:5432"``)
        from ``source`` (``"outside"``, ``"pod/NAME"``, ``"node/NAME"``), answered by the
        programs in the pods; virtual time advances until it completes or times out.  Returns a
        :class:`~kube_lab.network.traffic.RequestResult` with the hop-by-hop trace."""
        from .network import traffic

        return traffic.for_cluster(self).request(url_or_target, source, namespace=namespace, method=method,
                                                 timeout=timeout)

    def load(self, url_or_target: str, source: str = "outside", *, rate: float = 10.0, count: int | None = None,
             duration: float | None = None, namespace: str = "default", concurrency: int | None = None):
        """Start sending requests every ``1/rate`` virtual seconds (``count`` of them, or for
        ``duration`` seconds); ``cluster.run(...)`` carries them.  Returns a
        :class:`~kube_lab.network.traffic.LoadGenerator` (``.spread()``, ``.summary()``, ``.plot()``)."""
        from .network import traffic

        return traffic.for_cluster(self).load(url_or_target, source, rate=rate, count=count, duration=duration,
                                              namespace=namespace, concurrency=concurrency)

    # ---------------------------------------------------------------------------------------
    def client(self, component: str = "user") -> Client:
        """An API client whose requests appear in the trace under ``component``."""
        return Client(self.apiserver, component)

    def __repr__(self) -> str:
        nodes = len(self.apiserver.storage_list("nodes"))
        return f"<Cluster {self.name!r} seed={self.seed} nodes={nodes} t={self.now:g}s>"

    # ---------------------------------------------------------------------------------------
    # serving the API over HTTP (the real kubectl, client libraries)
    def serve(self, port: int = 0, host: str = "127.0.0.1", speed: float = 1.0,
              kubeconfig: str | None = None):
        """Serve this cluster's API over HTTP, as kube-apiserver does, and return the running
        :class:`~kube_lab.controlplane.apiserver.http.HTTPAPIServer` (``.url``, ``.token``,
        ``.stop()``, ``.paused()``).  ``port=0`` picks a free port; ``kubeconfig`` names a file
        to write (cluster, bearer-token user, context ``kube-lab``) for kubectl.

        While serving, virtual time follows the wall clock times ``speed``.  Drive the cluster
        from Python only inside ``with server.paused(): …`` (or after ``server.stop()``).
        kubectl computes a few ages on its side (``describe``'s events) from the machine's clock:
        a cluster made with ``Cluster(start_time=time.time())`` shows them as a real one would."""
        from .controlplane.apiserver.http import HTTPAPIServer

        def kubelet_of(node_name: str):
            kubelets = getattr(self, "kubelets", None)
            if isinstance(kubelets, dict):
                return kubelets.get(node_name)
            node = getattr(self, "node", None)
            if callable(node):
                try:
                    handle = node(node_name)
                except Exception:
                    return None
                return getattr(handle, "kubelet", handle)
            return None

        server = HTTPAPIServer(self.apiserver, host=host, port=port, speed=speed, kubelets=kubelet_of)
        if kubeconfig:
            server.write_kubeconfig(kubeconfig)
        return server.start()

    # ---------------------------------------------------------------------------------------
    # kubectl
    def kubectl(self, command_line: str | list[str], stdin: str | None = None):
        """Run one kubectl command against this cluster: ``cluster.kubectl("get pods -o wide")``.

        Returns a :class:`~kube_lab.kubectl.KubectlResult` (``.stdout``, ``.stderr``,
        ``.exit_code``), shown in Jupyter like a terminal.  ``stdin`` feeds ``-f -`` and
        ``exec -i``.  A mistake is never a Python exception: kubectl's error text and exit code
        come back in the result.  The kubeconfig (current context, namespace) persists between
        calls; commands that wait (``rollout status``, ``wait``, ``get -w``) advance virtual time."""
        from .kubectl import Kubectl
        from .kubectl.magics import note_cluster

        kubectl = self.__dict__.get("_kubectl")
        if kubectl is None:
            kubectl = self.__dict__["_kubectl"] = Kubectl(self)
        note_cluster(self)
        return kubectl.run(command_line, stdin)
