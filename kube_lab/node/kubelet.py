"""The kubelet: the node agent that makes the pods bound to its node run (``pkg/kubelet``).

It watches only its own pods (``fieldSelector=spec.nodeName=<node>``), its own Node and the
Services (for the containers' environment), and reacts as the sync loop does:

* pod added / updated / removed → the pod's worker (:mod:`.podworkers`) syncs, terminates or
  cleans it up;
* a container started or died (PLEG, relisting every second) → the pod is synced again;
* a probe result changed → readiness is written, or the container restarted;
* every 2 s housekeeping removes what is left of pods that are gone.

It registers its Node, keeps the Lease renewed and the status current (:mod:`.nodestatus`),
admits pods against the node's allocatable resources (``OutOfcpu`` …), and offers ``exec``,
``attach`` and ``logs`` for kubectl.  Events come from ``kubelet`` with host ``<node>``.
"""
from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any, Callable, Generator

from ..api import errors
from ..api.meta import rfc3339, rfc3339_nano
from ..api.quantity import parse_quantity
from ..client import Client, EventRecorder
from ..client.informer import Informer
from . import envvars, runtime as rt
from .fs import to_bytes
from .imagemanager import ImageManager
from .kuberuntime import KubeRuntimeManager, StartError, SyncError
from .nodestatus import STATUS_UPDATE_FREQUENCY, LeaseController, NodeStatus
from .podworkers import PodWorkers
from .staticpods import StaticPods
from .prober import ProbeManager
from .status import StatusManager, generate_api_pod_status
from .tasks import Future, Sleep
from .volumes import MountError, VolumeManager

if TYPE_CHECKING:  # pragma: no cover
    from .machine import Machine

PLEG_RELIST_PERIOD = 1.0
HOUSEKEEPING_PERIOD = 2.0
STATUS_BATCH_PERIOD = 10.0
MOUNT_TIMEOUT = 123.0     # podAttachAndMountTimeout (2m3s)


class APIUnreachable(Exception):
    """The API server cannot be reached (the node's network is cut)."""

    def __init__(self, host: str = "172.18.0.2"):
        super().__init__(f"Get \"https://kind-control-plane:6443/api/v1/nodes\": dial tcp {host}:6443: "
                         "connect: no route to host")


class NodeClient(Client):
    """The kubelet's API client; it fails like an unreachable API server while the node's
    network is cut."""

    def __init__(self, apiserver, component: str, machine: "Machine"):
        super().__init__(apiserver, component)
        self.machine = machine

    def _check(self) -> None:
        if self.machine.network_cut or not self.machine.powered:
            raise APIUnreachable()

    def get(self, *a, **kw):
        self._check()
        return super().get(*a, **kw)

    def list(self, *a, **kw):
        self._check()
        return super().list(*a, **kw)

    def create(self, *a, **kw):
        self._check()
        return super().create(*a, **kw)

    def update(self, *a, **kw):
        self._check()
        return super().update(*a, **kw)

    def patch(self, *a, **kw):
        self._check()
        return super().patch(*a, **kw)

    def delete(self, *a, **kw):
        self._check()
        return super().delete(*a, **kw)

    def watch(self, *a, **kw):
        self._check()
        return super().watch(*a, **kw)


class Kubelet:
    """One node's kubelet.  Built by :class:`~kube_lab.node.machine.Machine`, which owns the
    runtime, the node's disk and its power and network state (they outlive a kubelet restart)."""

    Unreachable = APIUnreachable

    def __init__(self, machine: "Machine"):
        self.machine = machine
        self.loop = machine.loop
        self.apiserver = machine.apiserver
        self.runtime = machine.runtime
        self.node_name = machine.name
        self.node_ip = machine.ip
        self.control_plane = machine.control_plane
        self.cluster_name = machine.cluster_name
        self.cpu = machine.cpu
        self.memory_ki = machine.memory_ki
        self.max_pods = machine.max_pods
        self.storage_ki = machine.storage_ki
        self.system_uuid = machine.system_uuid
        self.boot_id = machine.boot_id
        self.machine_id = machine.machine_id
        self.extra_labels = machine.labels
        self.machine_disk = machine.disk
        self.host_fs = machine.host_fs
        self.cluster_dns = machine.cluster_dns
        self.cluster_domain = machine.cluster_domain
        self.apiserver_epoch = self.apiserver.epoch
        self.rng = machine.random.stream(f"kubelet/{self.node_name}/jitter")
        self.token_key_id = hashlib.sha256(f"{machine.cluster_name}:sa-key".encode()).hexdigest()[:43]
        self.client = NodeClient(self.apiserver, f"kubelet/{self.node_name}", machine)
        self.recorder = EventRecorder(self.client, "kubelet", host=self.node_name)
        self.allocatable = {"cpu": self.cpu, "memory": f"{self.memory_ki}Ki", "pods": str(self.max_pods),
                            "ephemeral-storage": f"{self.storage_ki}Ki"}
        self.running = False
        self.started_at = 0.0
        self.node: dict | None = None
        self.node_uid = ""
        self.reason_cache: dict[tuple[str, str], tuple[str, str]] = {}
        self.status_manager = StatusManager(self)
        self.prober = ProbeManager(self)
        self.volumes = VolumeManager(self)
        self.image_manager = ImageManager(self)
        self.kuberuntime = KubeRuntimeManager(self)
        self.pod_workers = PodWorkers(self)
        self.node_status = NodeStatus(self)
        self.lease = LeaseController(self)
        self.static_pods = StaticPods(self, machine.static_pods)
        self.pods_inf: Informer | None = None
        self.node_inf: Informer | None = None
        self.svc_inf: Informer | None = None
        self._uid_keys: dict[str, str] = {}
        self._local: dict[str, dict] = {}
        self._admitted: dict[str, None] = {}
        self._rejected: set[str] = set()
        self._mount_failing_since: dict[str, float] = {}
        self._pleg_pending: dict[str, None] = {}
        self._pleg_timer = None
        self._timers: list = []
        self._connected = True
        self.errors: list[str] = []      # API writes that were refused (for debugging a lesson)

    # ------------------------------------------------------------------------------------
    # start / stop
    def start(self) -> None:
        """``systemctl start kubelet``: register the node, then run the sync loop."""
        self.running = True
        self.started_at = self.loop.now
        self.event(self.node_ref(), "Normal", "Starting", "Starting kubelet.")
        try:
            self.node_status.register()
        except APIUnreachable:
            self._connected = False
        self.node_uid = self.node_status.node_uid
        if self.node is not None:
            self.event(self.node_ref(), "Normal", "NodeAllocatableEnforced", "Updated Node Allocatable limit across pods")
        self.runtime.subscribe(self._on_runtime_event)
        if self._connected:
            self._start_informers()
        self.node_status.sync(force=True)
        self.static_pods.sync()
        self.lease.sync()
        self._every(STATUS_UPDATE_FREQUENCY, self._status_tick, jitter=0.0)
        self._every(self.lease.renew_interval, self.lease.sync, jitter=0.04)
        self._every(HOUSEKEEPING_PERIOD, self.housekeeping, jitter=0.0)
        self._every(STATUS_BATCH_PERIOD, self.status_manager.sync_all, jitter=0.0)

    def stop(self) -> None:
        """The kubelet process ends.  Containers keep running; pending stops are abandoned
        (containerd gives up its wait when the kubelet's request goes away)."""
        if not self.running:
            return
        self.running = False
        for t in self._timers:
            t.cancel()
        self._timers.clear()
        for inf in (self.pods_inf, self.node_inf, self.svc_inf):
            if inf is not None:
                inf.stop()
        self.pod_workers.stop()
        self.prober.stop_all()
        self.runtime.unsubscribe(self._on_runtime_event)
        self.runtime.abandon_stops()

    def _every(self, period: float, fn: Callable[[], None], jitter: float = 0.0) -> None:
        def tick() -> None:
            if not self.running:
                return
            fn()
            delay = period * (1 + jitter * self.rng.random()) if jitter else period
            handle[0] = self.loop.call_later(delay, tick, background=True)
            self._timers[idx] = handle[0]

        delay = period * (1 + jitter * self.rng.random()) if jitter else period
        handle = [self.loop.call_later(delay, tick, background=True)]
        idx = len(self._timers)
        self._timers.append(handle[0])

    def _start_informers(self) -> None:
        self.node_inf = Informer(self.client, "nodes", field_selector=f"metadata.name={self.node_name}")
        self.node_inf.add_handlers(self._node_event, lambda old, new: self._node_event(new), None)
        self.pods_inf = Informer(self.client, "pods", field_selector=f"spec.nodeName={self.node_name}")
        self.pods_inf.add_handlers(self._pod_added, self._pod_updated, self._pod_removed)
        self.svc_inf = Informer(self.client, "services")
        for inf in (self.node_inf, self.svc_inf, self.pods_inf):
            inf.start()

    def _status_tick(self) -> None:
        if not self._connected and not self.machine.network_cut:
            self.network_restored()
        self.node_status.sync()

    # network cut and restore ---------------------------------------------------------------
    def network_lost(self) -> None:
        """The node's network is cut: watches break; API calls fail until it is back."""
        self._connected = False
        for inf in (self.pods_inf, self.node_inf, self.svc_inf):
            if inf is not None:
                inf.stop()

    def network_restored(self) -> None:
        if not self.running:
            return
        self._connected = True
        if self.pods_inf is None:
            try:
                self.node_status.register()
                self.node_uid = self.node_status.node_uid
            except APIUnreachable:
                self._connected = False
                return
            self._start_informers()
        else:
            for inf in (self.node_inf, self.svc_inf, self.pods_inf):
                if inf is not None:
                    inf._list_and_watch()     # the reflector's relist after a broken watch
        self.node_status.sync(force=True)
        self.lease.sync()

    # ------------------------------------------------------------------------------------
    # helpers used by the parts
    def ts(self, t: float | None) -> str | None:
        if t is None:
            return None
        return rfc3339(self.apiserver_epoch, t)

    def sleep_bg(self, seconds: float) -> Sleep:
        return Sleep(seconds, background=True)

    def node_ref(self) -> dict:
        """The object reference the kubelet uses for node events (its UID is the node name)."""
        return {"kind": "Node", "apiVersion": "", "metadata": {"name": self.node_name, "uid": self.node_name,
                                                               "namespace": ""}}

    def event(self, obj: dict, type_: str, reason: str, message: str, field_path: str = "") -> None:
        if not self.running or self.machine.network_cut:
            return
        try:
            self.recorder.event(obj, type_, reason, message, field_path)
        except APIUnreachable:
            pass

    def field_path(self, pod: dict, name: str) -> str:
        spec = pod.get("spec") or {}
        if any(c.get("name") == name for c in spec.get("initContainers") or ()):
            return f"spec.initContainers{{{name}}}"
        if any(c.get("name") == name for c in spec.get("ephemeralContainers") or ()):
            return f"spec.ephemeralContainers{{{name}}}"
        return f"spec.containers{{{name}}}"

    def network_ready(self) -> bool:
        return self.machine.cni.ready

    def is_sync_error(self, error: BaseException) -> bool:
        return isinstance(error, (SyncError, StartError, MountError, errors.StatusError, APIUnreachable,
                                  rt.RuntimeError_))

    def get_object(self, resource: str, namespace: str, name: str, kind: str) -> dict:
        """A ConfigMap/Secret/… the pod needs; NotFound becomes ``<kind> "name" not found``."""
        try:
            return self.client.get(resource, name, namespace or None)
        except errors.StatusError as e:
            if e.reason == "NotFound":
                raise envvars.not_found(kind, name) from None
            raise envvars.ConfigError(e.message) from None
        except APIUnreachable as e:
            raise envvars.ConfigError(str(e)) from None

    def service_links(self, namespace: str, enabled: bool) -> list[tuple[str, str]]:
        if self.svc_inf is None:
            return []
        services = []
        for svc in self.svc_inf.list():
            ns = svc["metadata"].get("namespace")
            if svc["metadata"]["name"] == "kubernetes" and ns == "default":
                services.append(svc)
            elif enabled and ns == namespace:
                services.append(svc)
        seen: dict[str, dict] = {}
        for svc in services:      # a service of the pod's namespace wins over the master service
            name = svc["metadata"]["name"]
            if name not in seen or svc["metadata"].get("namespace") == namespace:
                seen[name] = svc
        return envvars.service_env(sorted(seen.values(), key=lambda s: s["metadata"]["name"]))

    def service_account_uid(self, namespace: str, name: str) -> str:
        try:
            return self.client.get("serviceaccounts", name, namespace)["metadata"]["uid"]
        except (errors.StatusError, APIUnreachable):
            return ""

    def runtime_started_at(self, cid: str) -> float | None:
        c = self.runtime.containers.get(cid)
        return c.started_at if c is not None else None

    def probe_request(self, host: str, port: int, request: Any, timeout: float) -> Future:
        """A request from the node (probes, hooks) to a pod IP."""
        from .runtime import Sandbox, SandboxConfig

        node_side = Sandbox("node", SandboxConfig("", "", "", 0, self.node_name, host_network=True),
                            self.runtime.host_netns, 0.0)
        request.client_ip = self.node_ip
        return self.runtime.request_from(node_side, host, port, request, timeout)

    def probe_connect(self, host: str, port: int, timeout: float) -> Future:
        fut = Future(self.loop)
        owner = self.runtime.listener(host, port)
        if owner is None and self.runtime.network is not None and hasattr(self.runtime.network, "listener"):
            owner = self.runtime.network.listener(self.runtime, self.node_ip, host, port)
        if owner is not None:
            self.loop.call_later(0.001, fut.set_result, True, background=True)
        elif self.runtime.owns_ip(host) or host == self.node_ip:
            self.loop.call_later(0.001, fut.set_result, "connect: connection refused", background=True)
        else:
            self.loop.call_later(timeout, fut.set_result, "i/o timeout", background=True)
        return fut

    # pod cache ------------------------------------------------------------------------------
    def pod_by_uid(self, uid: str) -> dict | None:
        key = self._uid_keys.get(uid)
        cached = self.pods_inf.get(key) if (key and self.pods_inf is not None) else None
        if cached is not None and cached["metadata"]["uid"] != uid:
            cached = None
        local = self._local.get(uid)
        if local is None:
            return cached
        if cached is None:
            return None
        if int(local["metadata"]["resourceVersion"]) > int(cached["metadata"]["resourceVersion"]):
            return local
        return cached

    def pod_updated_locally(self, pod: dict) -> None:
        self._local[pod["metadata"]["uid"]] = pod

    def node_updated(self, node: dict) -> None:
        self.node = node
        self.node_uid = node["metadata"]["uid"]
        cidr = (node.get("spec") or {}).get("podCIDR")
        if cidr and self.machine.cni.cidr != cidr:
            was = self.machine.cni.ready
            self.machine.cni.set_cidr(cidr)      # UpdateRuntimeConfig: the network plugin can start
            if not was:
                self.node_status.sync(force=True)

    def _node_event(self, node: dict) -> None:
        if self.node is None or int(node["metadata"]["resourceVersion"]) >= int(self.node["metadata"]["resourceVersion"]):
            self.node_updated(node)

    # ------------------------------------------------------------------------------------
    # the sync loop's handlers
    def _pod_added(self, pod: dict) -> None:
        uid = pod["metadata"]["uid"]
        self._uid_keys[uid] = f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
        if uid in self._rejected:
            return
        if uid not in self._admitted and not self._is_terminal(pod) and not pod["metadata"].get("deletionTimestamp"):
            ok, reason, message = self.can_admit(pod)
            if not ok:
                self.reject(pod, reason, message)
                return
            self._admitted[uid] = None
        self.pod_workers.update(pod)

    def _pod_updated(self, old: dict, pod: dict) -> None:
        uid = pod["metadata"]["uid"]
        if uid in self._rejected:
            return
        if old["metadata"]["uid"] != uid:
            self._pod_removed(old)
            self._pod_added(pod)
            return
        local = self._local.get(uid)
        if local is not None and int(local["metadata"]["resourceVersion"]) <= int(pod["metadata"]["resourceVersion"]):
            del self._local[uid]
        if old.get("spec") == pod.get("spec") and old["metadata"].get("deletionTimestamp") == \
                pod["metadata"].get("deletionTimestamp") and (old.get("metadata") or {}).get("labels") == \
                (pod.get("metadata") or {}).get("labels") and (old["metadata"].get("annotations") ==
                                                               pod["metadata"].get("annotations")):
            return      # only the status moved (our own writes): nothing to do
        self.pod_workers.update(pod)

    def _pod_removed(self, pod: dict) -> None:
        uid = pod["metadata"]["uid"]
        self._local.pop(uid, None)
        if self.static_pods.manifests and StaticPods.is_mirror(pod):
            self.loop.call_soon(self.static_pods.sync)     # a deleted mirror pod is published again
        if uid in self._rejected:
            self._rejected.discard(uid)
            return
        self.pod_workers.update(pod, removed=True)

    def _is_terminal(self, pod: dict) -> bool:
        return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")

    # admission --------------------------------------------------------------------------------
    def can_admit(self, pod: dict) -> tuple[bool, str, str]:
        """``canAdmitPod``: the node's allocatable resources, its labels (nodeSelector) and host
        ports, as ``lifecycle.NewPredicateAdmitHandler`` checks them."""
        spec = pod.get("spec") or {}
        labels = (self.node or {}).get("metadata", {}).get("labels") or {}
        for k, v in (spec.get("nodeSelector") or {}).items():
            if labels.get(k) != v:
                return False, "NodeAffinity", "Predicate NodeAffinity failed"
        others = [self.pod_by_uid(uid) for uid in self._admitted]
        others = [p for p in others if p is not None and not self._is_terminal(p)
                  and not self.pod_workers.is_finished(p["metadata"]["uid"])]
        if len(others) + 1 > self.max_pods:
            return False, "OutOfpods", (f"Node didn't have enough resource: pods, requested: 1, used: {len(others)}, "
                                        f"capacity: {self.max_pods}")
        want = pod_requests(pod)
        used = {"cpu": 0, "memory": 0}
        for p in others:
            r = pod_requests(p)
            used["cpu"] += r["cpu"]
            used["memory"] += r["memory"]
        capacity = {"cpu": int(parse_quantity(self.cpu).to_fraction() * 1000), "memory": self.memory_ki * 1024}
        for res in ("cpu", "memory"):
            if want[res] and used[res] + want[res] > capacity[res]:
                return False, f"OutOf{res}", (f"Node didn't have enough resource: {res}, requested: {want[res]}, "
                                              f"used: {used[res]}, capacity: {capacity[res]}")
        ports = {p.get("hostPort") for c in spec.get("containers") or () for p in c.get("ports") or ()
                 if p.get("hostPort")}
        if ports:
            for p in others:
                theirs = {x.get("hostPort") for c in (p.get("spec") or {}).get("containers") or ()
                          for x in c.get("ports") or () if x.get("hostPort")}
                if ports & theirs:
                    return False, "NodePorts", "Predicate NodePorts failed"
        return True, "", ""

    def reject(self, pod: dict, reason: str, message: str) -> None:
        """``rejectPod``: the pod fails at once with the admission reason."""
        uid = pod["metadata"]["uid"]
        self._rejected.add(uid)
        self.event(pod, "Warning", reason, message)
        try:
            self.client.patch("pods", pod["metadata"]["name"],
                              {"metadata": {"uid": uid}, "status": {"phase": "Failed", "reason": reason,
                                                                    "message": "Pod was rejected: " + message}},
                              "application/strategic-merge-patch+json", pod["metadata"]["namespace"],
                              subresource="status")
        except (errors.StatusError, APIUnreachable):
            pass

    # ------------------------------------------------------------------------------------
    # SyncPod / SyncTerminatingPod / SyncTerminatedPod
    def sync_pod(self, pod: dict) -> Generator:
        """``SyncPod``: write the status, mount volumes, then let the runtime manager act."""
        uid = pod["metadata"]["uid"]
        pod = self.pod_by_uid(uid) or pod
        status = generate_api_pod_status(self, pod, terminal=False)
        self.status_manager.set_pod_status(pod, status)
        if status["phase"] in ("Succeeded", "Failed"):
            return "terminal"
        if not self.network_ready() and not (pod.get("spec") or {}).get("hostNetwork"):
            self.event(pod, "Warning", "NetworkNotReady",
                       "network is not ready: container runtime network not ready: NetworkReady=false "
                       "reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized")
            raise SyncError("network is not ready", transient=True)
        try:
            self.volumes.mount_all(pod)
            self._mount_failing_since.pop(uid, None)
        except MountError as e:
            self.event(pod, "Warning", "FailedMount", e.message)
            first = self._mount_failing_since.setdefault(uid, self.loop.now)
            if self.loop.now - first >= MOUNT_TIMEOUT:
                names = sorted({v.get("name", "") for v in (pod.get("spec") or {}).get("volumes") or ()
                                if v.get("name") not in self.volumes.mounted.get(uid, {})})
                self.event(pod, "Warning", "FailedMount",
                           f"Unable to attach or mount volumes: unmounted volumes=[{' '.join(names)}], unattached "
                           "volumes=[], failed to process volumes=[]: timed out waiting for the condition")
            raise SyncError(e.message) from None
        self.prober.add_pod(pod)
        yield from self.kuberuntime.sync_pod(pod)
        return "ok"

    def sync_terminating_pod(self, pod: dict, grace: int) -> Generator:
        """``SyncTerminatingPod``: stop the containers within ``grace`` seconds, then the sandbox."""
        uid = pod["metadata"]["uid"]
        pod = self.pod_by_uid(uid) or pod
        status = generate_api_pod_status(self, pod, terminal=False)
        self.status_manager.set_pod_status(pod, status)
        self.prober.stop_liveness_and_startup(uid)
        yield from self.kuberuntime.kill_pod(pod, grace)
        status = generate_api_pod_status(self, pod, terminal=True)
        self.status_manager.set_pod_status(pod, status)

    def sync_terminated_pod(self, pod: dict) -> Generator:
        """``SyncTerminatedPod``: final status, probes gone, volumes unmounted."""
        uid = pod["metadata"]["uid"]
        pod = self.pod_by_uid(uid) or pod
        self.prober.remove_pod(uid)
        self.volumes.unmount_all(uid)
        status = generate_api_pod_status(self, pod, terminal=True)
        self.status_manager.set_pod_status(pod, status)
        yield None
        return "ok"

    # PLEG and probes --------------------------------------------------------------------------
    def _on_runtime_event(self, event: str, pod_uid: str, cid: str) -> None:
        """Container events reach the pod workers at the next relist (every second)."""
        if not self.running:
            return
        self._pleg_pending[pod_uid] = None
        if self._pleg_timer is None:
            elapsed = (self.loop.now - self.started_at) % PLEG_RELIST_PERIOD
            delay = PLEG_RELIST_PERIOD - elapsed if elapsed > 1e-9 else PLEG_RELIST_PERIOD
            self._pleg_timer = self.loop.call_later(delay, self._relist)

    def _relist(self) -> None:
        self._pleg_timer = None
        pending, self._pleg_pending = self._pleg_pending, {}
        if not self.running:
            return
        for uid in pending:
            self.pod_workers.sync_soon(uid)

    def probe_result_changed(self, kind: str, uid: str, cid: str, result: str) -> None:
        if not self.running:
            return
        if kind == "readiness":
            self.status_manager.set_container_readiness(uid, cid, result == "Success")
        self.pod_workers.sync_soon(uid)

    # housekeeping ----------------------------------------------------------------------------
    def housekeeping(self) -> None:
        """``HandlePodCleanups``: forget pods that are gone and finished; stop containers of pods
        the API no longer knows (orphans)."""
        if not self._connected:
            return
        known = set()
        if self.pods_inf is not None:
            for p in self.pods_inf.list():
                known.add(p["metadata"]["uid"])
        for uid in list(self.pod_workers.states):
            st = self.pod_workers.states[uid]
            if uid not in known and st.finished:
                self.cleanup_pod(uid)
        for uid in self.runtime.pod_uids():
            if uid in known or self.pod_workers.known(uid):
                continue
            self._kill_orphan(uid)

    def _kill_orphan(self, uid: str) -> None:
        sandboxes = self.runtime.pod_sandboxes(uid)
        config = sandboxes[0].config if sandboxes else None
        containers = self.runtime.pod_containers(uid)
        if config is None and not containers:
            return
        name = config.pod_name if config else containers[0].config.labels.get("io.kubernetes.pod.name", "")
        ns = config.namespace if config else containers[0].config.labels.get("io.kubernetes.pod.namespace", "")
        grace = 30
        for c in containers:
            g = c.config.annotations.get("io.kubernetes.pod.terminationGracePeriod")
            if g is not None:
                grace = int(g)
        orphan = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": ns, "uid": uid},
                  "spec": {"terminationGracePeriodSeconds": grace, "containers": [
                      c.config.annotations.get("spec") or {"name": c.name} for c in containers]}}
        self.pod_workers.update(orphan, removed=True)

    def cleanup_pod(self, uid: str) -> None:
        self.pod_workers.forget(uid)
        self.status_manager.forget(uid)
        self.prober.remove_pod(uid)
        self.volumes.cleanup(uid)
        for c in self.runtime.pod_containers(uid):
            self.runtime.remove_container(c.id)
        for sb in self.runtime.pod_sandboxes(uid):
            self.runtime.remove_pod_sandbox(sb.id)
        self.runtime.forget_pod_logs(uid)
        self._admitted.pop(uid, None)
        self._uid_keys.pop(uid, None)
        self._local.pop(uid, None)
        self._mount_failing_since.pop(uid, None)
        for key in [k for k in self.reason_cache if k[0] == uid]:
            del self.reason_cache[key]

    # ------------------------------------------------------------------------------------
    # kubectl's entry points (the kubelet's /exec and /containerLogs endpoints)
    def find_container(self, namespace: str, pod_name: str, container: str | None = None,
                       previous: bool = False, for_exec: bool = False) -> "rt.Container":
        """The container (``previous``: its last terminated instance) as the logs endpoint finds
        it; ``for_exec``: a container not created yet is the exec path's "container not found"."""
        pod = None
        if self.pods_inf is not None:
            pod = self.pods_inf.get(f"{namespace}/{pod_name}")
        if pod is None:
            raise errors.not_found("pods", pod_name)
        uid = pod["metadata"]["uid"]
        spec = pod.get("spec") or {}
        names = [c["name"] for c in spec.get("containers") or ()]
        all_names = names + [c["name"] for c in spec.get("initContainers") or ()] + \
            [c["name"] for c in spec.get("ephemeralContainers") or ()]
        name = container or (names[0] if names else "")
        if name not in all_names:
            raise errors.bad_request(f"container {name} is not valid for pod {pod_name}")
        insts = [c for c in self.runtime.pod_containers(uid) if c.name == name]
        if previous:
            if len(insts) < 2:
                raise errors.bad_request(f"previous terminated container {errors.go_quote(name)} in pod "
                                         f"{errors.go_quote(pod_name)} not found")
            return insts[1]
        if not insts and for_exec:
            raise errors.bad_request(f"unable to upgrade connection: container not found ({errors.go_quote(name)})")
        if not insts:
            reason = "ContainerCreating"
            st = self.status_manager.get(uid) or pod.get("status") or {}
            for cs in (st.get("containerStatuses") or []) + (st.get("initContainerStatuses") or []):
                if cs.get("name") == name:
                    reason = ((cs.get("state") or {}).get("waiting") or {}).get("reason") or reason
            # validateContainerLogStatus
            what = {"ErrImagePull": "trying and failing to pull image",
                    "ImagePullBackOff": "trying and failing to pull image",
                    "InvalidImageName": "image can't be pulled"}.get(reason, reason)
            raise errors.bad_request(f"container {errors.go_quote(name)} in pod {errors.go_quote(pod_name)} is "
                                     f"waiting to start: {what}")
        return insts[0]

    def exec_async(self, namespace: str, pod_name: str, container: str | None, argv: list[str],
                   stdin: "str | rt.StdinStream | None" = None,
                   on_output: Callable[[int, str], None] | None = None) -> Future:
        """Start ``argv`` in the container; the future gives ``(stdout, stderr, exit_code)``
        (``on_output`` and a streaming ``stdin``: see ``ContainerRuntime.exec_sync``)."""
        c = self.exec_target(namespace, pod_name, container)
        try:
            return self.runtime.exec_sync(c.id, list(argv), timeout=None, stdin=stdin, on_output=on_output)
        except rt.ExecError as e:
            raise errors.internal(str(e)) from None

    def exec_target(self, namespace: str, pod_name: str, container: str | None) -> "rt.Container":
        """The running container an exec goes to; what the kubelet refuses before it upgrades the
        connection (unreachable, no such container, not running) raises."""
        self._check_reachable(f"/exec/{namespace}/{pod_name}/{container or ''}")
        c = self.find_container(namespace, pod_name, container, for_exec=True)
        if c.state != rt.RUNNING:
            raise errors.bad_request("unable to upgrade connection: container not found "
                                     f"({errors.go_quote(c.name)})")
        return c

    def attach_target(self, namespace: str, pod_name: str, container: str | None) -> "rt.Container":
        """The running container an attach goes to (``Kubelet.GetAttach``): what the kubelet
        refuses before it upgrades the connection raises — unreachable, no such pod or
        container, or a container that is not running ("container C not found in pod P_NS",
        the kubelet's pod full name)."""
        self._check_reachable(f"/attach/{namespace}/{pod_name}/{container or ''}")
        pod = self.pods_inf.get(f"{namespace}/{pod_name}") if self.pods_inf is not None else None
        names = [c["name"] for c in ((pod or {}).get("spec") or {}).get("containers") or ()]
        name = container or (names[0] if names else "")
        try:
            c = self.find_container(namespace, pod_name, name, for_exec=True)
        except errors.StatusError as e:
            if not e.message.startswith("unable to upgrade connection"):
                raise
            c = None
        if c is None or c.state != rt.RUNNING:
            raise errors.bad_request(f"unable to upgrade connection: container {name} not found in pod "
                                     f"{pod_name}_{namespace}")
        return c

    def attach(self, namespace: str, pod_name: str, container: str | None,
               on_output: Callable[[int, str], None], stdin: bool = False) -> "rt.Attachment":
        """``kubectl attach``: connect to the container's main process (see
        :class:`~kube_lab.node.runtime.Attachment`); its output from now on goes to
        ``on_output(stream, text)``."""
        c = self.attach_target(namespace, pod_name, container)
        return self.runtime.attach(c.id, on_output, stdin)

    def exec(self, namespace: str, pod_name: str, container: str | None, argv: list[str],
             stdin: str | None = None, timeout: float = 3600.0) -> tuple[str, str, int]:
        """``kubectl exec``: run ``argv`` and return ``(stdout, stderr, exit_code)``, advancing
        virtual time while the command runs (call it from user code, never from a timer)."""
        fut = self.exec_async(namespace, pod_name, container, argv, stdin)
        deadline = self.loop.now + timeout
        while not fut.done and self.loop.now < deadline:
            if not self.loop.step():
                break
        if not fut.done:
            raise TimeoutError(f"command still running after {timeout:g}s")
        return self.exec_outcome(fut)

    @staticmethod
    def exec_outcome(fut: Future) -> tuple[str, str, int]:
        """A finished exec's ``(stdout, stderr, exit_code)``; a runtime failure raised as the
        kubelet reports it (InternalError)."""
        if fut.error is not None:
            if isinstance(fut.error, rt.ExecError):
                raise errors.internal("error executing command in container: failed to exec in container: "
                                      f"failed to start exec: {fut.error}")
            raise fut.error
        return fut.result

    def terminal(self) -> "rt.StdinStream":
        """The terminal of an interactive exec session (``kubectl exec -it POD -- sh``), to feed
        lines into while the command runs."""
        return rt.StdinStream(self.loop, tty=True)

    @property
    def reachable(self) -> bool:
        """Whether the API server can reach this kubelet's port 10250 (for exec and logs)."""
        return self.running and self.machine.powered and not self.machine.network_cut

    def _check_reachable(self, path: str) -> None:
        if not self.reachable:
            raise errors.status("InternalError", f'Get "https://{self.node_ip}:10250{path}": dial tcp '
                                                 f"{self.node_ip}:10250: i/o timeout")

    def container_logs(self, namespace: str, pod_name: str, container: str | None = None, *, follow: bool = False,
                       previous: bool = False, timestamps: bool = False, since_seconds: float | None = None,
                       since_time: str | None = None, tail_lines: int | None = None,
                       limit_bytes: int | None = None) -> str:
        """The ``/containerLogs`` endpoint as the API server's ``pods/log`` proxies it (``follow``
        returns what is there now)."""
        if since_time and since_seconds is None:
            from ..api.meta import parse_rfc3339

            since_seconds = max(0.0, self.apiserver_epoch + self.loop.now - parse_rfc3339(since_time))
        return self.logs(namespace, pod_name, container, previous=previous, timestamps=timestamps, tail=tail_lines,
                         since_seconds=since_seconds, limit_bytes=limit_bytes)

    def logs(self, namespace: str, pod_name: str, container: str | None = None, previous: bool = False,
             timestamps: bool = False, tail: int | None = None, since_seconds: float | None = None,
             limit_bytes: int | None = None) -> str:
        """``kubectl logs``: the container's output (``--previous``: the instance before)."""
        self._check_reachable(f"/containerLogs/{namespace}/{pod_name}/{container or ''}")
        c = self.find_container(namespace, pod_name, container, previous)
        lines = list(c.log)
        partial = [(self.loop.now, s, t) for s, t in c._partial.items() if t]
        lines.extend(partial)
        if since_seconds is not None:
            lines = [x for x in lines if x[0] >= self.loop.now - since_seconds]
        if tail is not None and tail >= 0:
            lines = lines[-tail:] if tail else []
        out = []
        for t, _, text in lines:
            if timestamps:
                out.append(f"{rfc3339_nano(self.apiserver_epoch + t)} {text}\n")
            else:
                out.append(text + "\n")
        text = "".join(out)
        if limit_bytes is not None:
            text = to_bytes(text)[:limit_bytes].decode("utf-8", "ignore")
        return text


def pod_requests(pod: dict) -> dict[str, int]:
    """Effective requests: max(sum of containers, largest init container); cpu in millicores."""
    spec = pod.get("spec") or {}

    def one(c: dict) -> tuple[int, int]:
        req = (c.get("resources") or {}).get("requests") or {}
        cpu = int(parse_quantity(str(req["cpu"])).to_fraction() * 1000) if "cpu" in req else 0
        mem = int(parse_quantity(str(req["memory"])).to_fraction()) if "memory" in req else 0
        return cpu, mem

    cpu = mem = 0
    sidecar_cpu = sidecar_mem = 0
    for c in spec.get("containers") or ():
        a, b = one(c)
        cpu += a
        mem += b
    init_cpu = init_mem = 0
    for c in spec.get("initContainers") or ():
        a, b = one(c)
        if c.get("restartPolicy") == "Always":
            sidecar_cpu += a
            sidecar_mem += b
        else:
            init_cpu = max(init_cpu, sidecar_cpu + a)
            init_mem = max(init_mem, sidecar_mem + b)
    return {"cpu": max(cpu + sidecar_cpu, init_cpu), "memory": max(mem + sidecar_mem, init_mem)}
