"""The kubelet's own Node: registration, status updates and the node Lease.

* **Registration** (``registerWithAPIServer``): create the Node; if it already exists (a kubelet
  restart), adopt it.  Events ``Starting`` (``Starting kubelet.``), ``NodeAllocatableEnforced``
  and the ``NodeHas…`` condition events are recorded against the Node.
* **Status** (``syncNodeStatus``, every ``nodeStatusUpdateFrequency`` = 10 s): the setters
  compute addresses, capacity/allocatable, node info, ``images`` (the 50 largest, biggest first)
  and the conditions MemoryPressure, DiskPressure, PIDPressure and Ready with a fresh
  ``lastHeartbeatTime``.  The status is patched when it changed, otherwise only every
  ``nodeStatusReportFrequency`` (5 min).  Ready stays False (``container runtime network not
  ready…``) until the node has a pod CIDR for the network plugin.
* **Lease** (``pkg/kubelet/nodelease`` → ``component-helpers/apimachinery/lease``): the Lease
  ``kube-node-lease/<node>`` with ``holderIdentity`` the node, ``leaseDurationSeconds: 40``, renewed
  every 10 s (a quarter of the duration, jittered by up to 4 %) — the heartbeat the node
  controller watches.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..api import errors
from ..api.meta import deep_copy, rfc3339_micro
from . import registration

if TYPE_CHECKING:  # pragma: no cover
    from .kubelet import Kubelet

STATUS_UPDATE_FREQUENCY = 10.0
STATUS_REPORT_FREQUENCY = 300.0
LEASE_DURATION = 40
LEASE_RENEW_FRACTION = 0.25
MAX_IMAGES = 50

NOT_READY_MESSAGE = ("container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady "
                     "message:Network plugin returns error: cni plugin not initialized")


class NodeStatus:
    def __init__(self, kubelet: "Kubelet"):
        self.kl = kubelet
        self.last_report: float | None = None
        self.last_sent: dict | None = None
        self.conditions: dict[str, dict] = {}
        self.node_uid = ""
        self.recorded_ready: bool | None = None

    # registration -------------------------------------------------------------------------
    def register(self) -> bool:
        kl = self.kl
        obj = registration.node_object(
            kl.node_name, control_plane=kl.control_plane, internal_ip=kl.node_ip, cpu=kl.cpu,
            memory_ki=kl.memory_ki, pods=kl.max_pods, cluster_name=kl.cluster_name,
            system_uuid=kl.system_uuid, boot_id=kl.boot_id, machine_id=kl.machine_id)
        # initialNode: the setters fill the status before the Node is first created
        desired = self.desired_status()
        obj["status"] = {**obj["status"], **desired}
        for key, value in kl.extra_labels.items():
            obj["metadata"]["labels"][key] = value
        try:
            created = kl.client.create("nodes", obj, owned=True)
            self.node_uid = created["metadata"]["uid"]
            kl.node_updated(created)
            return True
        except errors.StatusError as e:
            if e.reason != "AlreadyExists":
                raise
        existing = kl.client.get("nodes", kl.node_name)
        self.node_uid = existing["metadata"]["uid"]
        kl.node_updated(existing)
        old_boot = ((existing.get("status") or {}).get("nodeInfo") or {}).get("bootID")
        if old_boot and old_boot != kl.boot_id:
            kl.event(kl.node_ref(), "Warning", "Rebooted",
                     f"Node {kl.node_name} has been rebooted, boot id: {kl.boot_id}")
        for c in (existing.get("status") or {}).get("conditions") or ():
            self.conditions[c["type"]] = dict(c)
        return True

    # status -------------------------------------------------------------------------------
    def _condition(self, type_: str, status: str, reason: str, message: str, now: str) -> dict:
        prev = self.conditions.get(type_)
        transition = prev["lastTransitionTime"] if prev and prev.get("status") == status else now
        cond = {"type": type_, "status": status, "lastHeartbeatTime": now, "lastTransitionTime": transition,
                "reason": reason, "message": message}
        if prev is None or prev.get("status") != status:
            event = {"MemoryPressure": {"False": "NodeHasSufficientMemory", "True": "NodeHasInsufficientMemory"},
                     "DiskPressure": {"False": "NodeHasNoDiskPressure", "True": "NodeHasDiskPressure"},
                     "PIDPressure": {"False": "NodeHasSufficientPID", "True": "NodeHasInsufficientPID"},
                     "Ready": {"True": "NodeReady", "False": "NodeNotReady"}}[type_].get(status)
            if event and not (type_ == "Ready" and status == "False" and prev is None):
                self.kl.event(self.kl.node_ref(), "Normal", event, f"Node {self.kl.node_name} status is now: {event}")
        self.conditions[type_] = cond
        return cond

    def desired_status(self) -> dict:
        kl = self.kl
        now = kl.ts(kl.loop.now)
        ready = kl.network_ready()
        conds = [
            self._condition("MemoryPressure", "False", "KubeletHasSufficientMemory",
                            "kubelet has sufficient memory available", now),
            self._condition("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", now),
            self._condition("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available",
                            now),
            self._condition("Ready", "True" if ready else "False", "KubeletReady" if ready else "KubeletNotReady",
                            "kubelet is posting ready status" if ready else NOT_READY_MESSAGE, now),
        ]
        resources = registration.node_resources(kl.cpu, kl.memory_ki, kl.max_pods, kl.storage_ki)
        images = []
        for rec in sorted(kl.runtime.list_images(), key=lambda r: (-r.size, r.id))[:MAX_IMAGES]:
            images.append({"names": list(rec.repo_digests) + list(rec.repo_tags), "sizeBytes": rec.size})
        return {
            "addresses": [{"address": kl.node_ip, "type": "InternalIP"}, {"address": kl.node_name, "type": "Hostname"}],
            "allocatable": dict(resources),
            "capacity": dict(resources),
            "conditions": conds,
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "images": images,
            "nodeInfo": {
                "architecture": "amd64", "bootID": kl.boot_id, "containerRuntimeVersion": registration.CONTAINER_RUNTIME,
                "kernelVersion": registration.KERNEL, "kubeProxyVersion": registration.KUBELET_VERSION,
                "kubeletVersion": registration.KUBELET_VERSION, "machineID": kl.machine_id,
                "operatingSystem": "linux", "osImage": registration.OS_IMAGE, "systemUUID": kl.system_uuid,
            },
        }

    def sync(self, force: bool = False) -> None:
        """``syncNodeStatus``: patch when something changed or the report interval passed."""
        kl = self.kl
        node = kl.node
        if node is None:
            return
        desired = self.desired_status()
        current = node.get("status") or {}
        changed = _without_heartbeats(desired) != _without_heartbeats(current)
        due = self.last_report is None or kl.loop.now - self.last_report >= STATUS_REPORT_FREQUENCY
        if not (changed or due or force):
            return
        patch = {"status": {k: v for k, v in desired.items() if current.get(k) != v}}
        if not patch["status"]:
            return
        if "conditions" in patch["status"]:
            patch["status"]["$setElementOrder/conditions"] = [{"type": c["type"]} for c in desired["conditions"]]
        if "addresses" in patch["status"]:
            patch["status"]["$setElementOrder/addresses"] = [{"type": a["type"]} for a in desired["addresses"]]
        try:
            out = kl.client.patch("nodes", kl.node_name, patch, "application/strategic-merge-patch+json",
                                  subresource="status")
        except kl.Unreachable:
            return
        except errors.StatusError as e:
            if e.reason in ("NotFound", "Conflict"):
                return
            raise
        self.last_report = kl.loop.now
        kl.node_updated(out)


def _without_heartbeats(status: dict) -> dict:
    out = deep_copy(status)
    for c in out.get("conditions") or ():
        c.pop("lastHeartbeatTime", None)
    return {k: v for k, v in out.items() if v not in (None, [], {})}


class LeaseController:
    """Creates and renews ``kube-node-lease/<node>``."""

    def __init__(self, kubelet: "Kubelet"):
        self.kl = kubelet
        self.lease: dict | None = None

    @property
    def renew_interval(self) -> float:
        return LEASE_DURATION * LEASE_RENEW_FRACTION

    def sync(self) -> None:
        kl = self.kl
        now = rfc3339_micro(kl.apiserver_epoch, kl.loop.now)
        try:
            if self.lease is None:
                try:
                    self.lease = kl.client.get("leases", kl.node_name, "kube-node-lease")
                except errors.StatusError as e:
                    if e.reason != "NotFound":
                        raise
                    self.lease = kl.client.create("leases", self._new(now), "kube-node-lease")
                    return
            body = deep_copy(self.lease)
            spec = body.setdefault("spec", {})
            spec["holderIdentity"] = kl.node_name
            spec["leaseDurationSeconds"] = LEASE_DURATION
            spec["renewTime"] = now
            if not body["metadata"].get("ownerReferences") and kl.node_uid:
                body["metadata"]["ownerReferences"] = [self._owner()]
            self.lease = kl.client.update("leases", body, "kube-node-lease")
        except kl.Unreachable:
            return
        except errors.StatusError as e:
            if e.reason in ("Conflict", "NotFound"):
                self.lease = None
                return
            raise

    def _owner(self) -> dict:
        return {"apiVersion": "v1", "kind": "Node", "name": self.kl.node_name, "uid": self.kl.node_uid}

    def _new(self, now: str) -> dict:
        md: dict[str, Any] = {"name": self.kl.node_name, "namespace": "kube-node-lease"}
        if self.kl.node_uid:
            md["ownerReferences"] = [self._owner()]
        return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": md,
                "spec": {"holderIdentity": self.kl.node_name, "leaseDurationSeconds": LEASE_DURATION,
                         "renewTime": now}}
