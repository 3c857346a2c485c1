"""A stand-in for kube-scheduler + kubelet, for controller tests only.

The workload controllers only see API objects, so a test can play the node side through the API
server too.  :class:`FakeKubelet` registers its own nodes (``fake-node-1`` …, Ready, renewing
their Leases like a kubelet), binds every unscheduled pod to the least-loaded of them
(``pods/binding``), and ``start_delay`` virtual seconds later reports the pod Running and Ready
through the status subresource.  A pod being deleted on one of its nodes is removed (a
grace-period-0 delete) ``stop_delay`` seconds later, as a kubelet does once the containers have
stopped.  Pods whose image ``bad_image(image)`` selects never start: they stay Pending with an
``ImagePullBackOff`` waiting container, so they never become ready.

It is deliberately simple: no resources, no probes.  Tests use ``Cluster(nodes=0)`` so that no
real kubelet competes for these pods.

For workloads that finish (Jobs), ``exits(pod)`` may return ``(seconds, exit_code)``: that many
seconds after starting, the pod's containers exit with that code, and the pod's
``restartPolicy`` decides what follows — ``Never``: phase ``Succeeded`` (code 0) or ``Failed``;
``OnFailure``: ``Succeeded`` on 0, else the containers restart (``restartCount`` + 1) and run
again; ``Always``: they restart.  Binding honours a required node affinity on ``metadata.name``
(the DaemonSet controller's), and nodes can be added, powered off (their pods stay Terminating:
nothing confirms the kill) or removed (``kubectl delete node`` plus what pod GC does to the pods
bound to a node that is gone).
"""
from __future__ import annotations

from typing import Callable

from kube_lab.api import errors
from kube_lab.api.meta import deep_copy
from kube_lab.client import Informer
from kube_lab.node import registration

LEASE_RENEW = 10.0


class FakeKubelet:
    def __init__(self, cluster, nodes: int = 3, *, start_delay: float = 2.0, stop_delay: float = 1.0,
                 bad_image: Callable[[str], bool] | None = None, prefix: str = "fake-node",
                 bind: bool = True, exits: Callable[[dict], tuple[float, int] | None] | None = None):
        self.cluster = cluster
        self.client = cluster.client("test-kubelet")
        self.loop = cluster.loop
        self.api = cluster.apiserver
        self.start_delay = start_delay
        self.stop_delay = stop_delay
        self.bad_image = bad_image or (lambda image: False)
        self.bind_pods = bind
        self.exits = exits or (lambda pod: None)
        self.down: set[str] = set()          # powered-off nodes
        self.nodes = [f"{prefix}-{i}" for i in range(1, nodes + 1)]
        self._node_set = set(self.nodes)
        self._started: set[str] = set()     # pod uids whose start is scheduled
        self._stopping: set[str] = set()    # pod uids whose removal is scheduled
        self._binding: set[str] = set()
        self._assigned: dict[str, set[str]] = {n: set() for n in self.nodes}   # node → pod uids
        self._ips: dict[str, dict[str, int]] = {n: {} for n in self.nodes}      # node → uid → host part
        self._node_of: dict[str, str] = {}
        for i, name in enumerate(self.nodes, start=1):
            self._register(name, i)
        self.pods = Informer(self.client, "pods")
        self.pods.add_handlers(self._on_pod, lambda old, new: self._on_pod(new), self._gone)
        self.pods.start()
        self.loop.call_later(LEASE_RENEW, self._renew_leases, background=True)

    # nodes -------------------------------------------------------------------------------
    def add_node(self, name: str, *, control_plane: bool = False, labels: dict | None = None,
                 taints: list | None = None) -> None:
        """A new node joins (registered Ready, Lease renewed); the control-plane flavour carries
        kubeadm's ``node-role.kubernetes.io/control-plane:NoSchedule`` taint."""
        self.nodes.append(name)
        self._node_set.add(name)
        self._assigned[name] = set()
        self._ips[name] = {}
        self._register(name, len(self.nodes), control_plane=control_plane, labels=labels, taints=taints)

    def remove_node(self, name: str) -> None:
        """``kubectl delete node`` for a node that is gone for good; its pods are force-deleted
        as the pod garbage collector does for pods bound to a missing node."""
        self.power_off(name)
        try:
            self.client.delete("nodes", name)
        except errors.StatusError:
            pass
        for pod in self.pods.list():
            if (pod.get("spec") or {}).get("nodeName") == name:
                md = pod["metadata"]
                try:
                    self.client.delete("pods", md["name"], md["namespace"], grace_period_seconds=0)
                except errors.StatusError:
                    pass

    def power_off(self, name: str) -> None:
        """The machine stops: no more Lease renewals, status updates or pod removals on it."""
        self.down.add(name)

    def _register(self, name: str, index: int, *, control_plane: bool = False, labels: dict | None = None,
                  taints: list | None = None) -> None:
        node = registration.node_object(name, control_plane=control_plane, internal_ip=f"172.19.0.{index + 1}",
                                        cluster_name="fake")
        if labels:
            node["metadata"]["labels"].update(labels)
        if taints is not None:
            node["spec"]["taints"] = taints
        created = self.client.create("nodes", node)
        body = deep_copy(created)
        body["status"]["conditions"] = registration.ready_conditions(self.api.timestamp())
        self.client.update_status("nodes", body)
        self._lease(name, create=True)

    def _lease(self, name: str, create: bool = False) -> None:
        now = self.api.timestamp()
        micro = now.replace("Z", ".000000Z")
        if create:
            try:
                self.client.create("leases", {
                    "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                    "metadata": {"name": name, "namespace": "kube-node-lease"},
                    "spec": {"holderIdentity": name, "leaseDurationSeconds": 40, "renewTime": micro}},
                    "kube-node-lease")
            except errors.StatusError:
                pass
            return
        try:
            self.client.patch("leases", name, {"spec": {"renewTime": micro}}, "application/merge-patch+json",
                              "kube-node-lease")
        except errors.StatusError:
            pass

    def _renew_leases(self) -> None:
        for name in self.nodes:
            if name not in self.down:
                self._lease(name)
        self.loop.call_later(LEASE_RENEW, self._renew_leases, background=True)

    # pods --------------------------------------------------------------------------------
    def _on_pod(self, pod: dict) -> None:
        md = pod["metadata"]
        uid = md["uid"]
        node = (pod.get("spec") or {}).get("nodeName")
        if node in self.down:
            return
        if md.get("deletionTimestamp"):
            if node in self._node_set and uid not in self._stopping:
                self._stopping.add(uid)
                self.loop.call_later(self.stop_delay, self._remove, md["namespace"], md["name"], uid)
            return
        if not node:
            if self.bind_pods and uid not in self._binding:
                self._binding.add(uid)
                self.loop.call_soon(self._bind, md["namespace"], md["name"], uid)
            return
        if node in self._node_set and uid not in self._started:
            self._started.add(uid)
            self._assigned[node].add(uid)
            self._node_of[uid] = node
            self.loop.call_later(self.start_delay, self._start, md["namespace"], md["name"], uid)

    def _bind(self, namespace: str, name: str, uid: str) -> None:
        pod = self.pods.get(f"{namespace}/{name}")
        if pod is None or pod["metadata"]["uid"] != uid or (pod.get("spec") or {}).get("nodeName"):
            return
        candidates = [n for n in self.nodes if n not in self.down and self._fits(pod, n)]
        if not candidates:
            return
        target = min(candidates, key=lambda n: (len(self._assigned[n]), n))
        try:
            self.client.create("pods", {"apiVersion": "v1", "kind": "Binding",
                                        "metadata": {"name": name, "namespace": namespace},
                                        "target": {"apiVersion": "v1", "kind": "Node", "name": target}},
                               namespace, subresource="binding", name=name)
        except errors.StatusError:
            return
        self._assigned[target].add(uid)
        self._node_of[uid] = target

    @staticmethod
    def _fits(pod: dict, node: str) -> bool:
        """Only the DaemonSet-style ``matchFields metadata.name In [...]`` affinity is honoured."""
        required = ((((pod.get("spec") or {}).get("affinity") or {}).get("nodeAffinity") or {})
                    .get("requiredDuringSchedulingIgnoredDuringExecution"))
        if not required:
            return True
        for term in required.get("nodeSelectorTerms") or ():
            fields = term.get("matchFields") or ()
            if fields and all(f.get("key") == "metadata.name" and f.get("operator") == "In"
                              and node in (f.get("values") or ()) for f in fields):
                return True
        return False

    def _start(self, namespace: str, name: str, uid: str) -> None:
        if self._node_of.get(uid) in self.down:
            return
        for _ in range(3):
            try:
                pod = self.client.get("pods", name, namespace)
            except errors.StatusError:
                return
            if pod["metadata"]["uid"] != uid or pod["metadata"].get("deletionTimestamp"):
                return
            body = deep_copy(pod)
            body["status"] = self._status(pod)
            try:
                self.client.update_status("pods", body, namespace)
            except errors.StatusError as e:
                if e.reason != "Conflict":
                    return
                continue
            self._schedule_exit(pod)
            return

    def _schedule_exit(self, pod: dict) -> None:
        plan = self.exits(pod)
        containers = pod["spec"].get("containers") or ()
        if plan is not None and not any(self.bad_image(c.get("image", "")) for c in containers):
            md = pod["metadata"]
            self.loop.call_later(plan[0], self._exit, md["namespace"], md["name"], md["uid"], plan[1])

    def _exit(self, namespace: str, name: str, uid: str, code: int) -> None:
        """The containers exit with ``code``; the restart policy decides the pod's fate."""
        if self._node_of.get(uid) in self.down:
            return
        try:
            pod = self.client.get("pods", name, namespace)
        except errors.StatusError:
            return
        if pod["metadata"]["uid"] != uid or (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
            return
        now = self.api.timestamp()
        policy = pod["spec"].get("restartPolicy", "Always")
        body = deep_copy(pod)
        st = body["status"]
        statuses = st.get("containerStatuses") or []
        terminated = {"exitCode": code, "reason": "Completed" if code == 0 else "Error",
                      "startedAt": st.get("startTime", now), "finishedAt": now}
        restart = policy == "Always" or (policy == "OnFailure" and code != 0)
        for cs in statuses:
            if restart:
                cs["lastState"] = {"terminated": {**terminated, "containerID": ""}}
                cs["state"] = {"running": {"startedAt": now}}
                cs["restartCount"] = cs.get("restartCount", 0) + 1
            else:
                cs["state"] = {"terminated": dict(terminated)}
                cs["ready"] = False
                cs["started"] = False
        if not restart:
            st["phase"] = "Succeeded" if code == 0 else "Failed"
            for c in st.get("conditions") or ():
                if c["type"] in ("Ready", "ContainersReady"):
                    c.update({"status": "False", "lastTransitionTime": now, "reason": "PodCompleted"})
                    c.pop("message", None)
        try:
            self.client.update_status("pods", body, namespace)
        except errors.StatusError:
            return
        if restart:
            self._schedule_exit(body)

    def _status(self, pod: dict) -> dict:
        now = self.api.timestamp()
        node = pod["spec"]["nodeName"]
        idx = self.nodes.index(node) + 1
        ips = self._ips[node]
        uid = pod["metadata"]["uid"]
        if uid not in ips:
            used = set(ips.values())
            ips[uid] = next(n for n in range(2, 255) if n not in used)
        ip = f"10.244.{idx}.{ips[uid]}"
        containers = pod["spec"].get("containers") or []
        bad = any(self.bad_image(c.get("image", "")) for c in containers)
        old = pod.get("status") or {}
        sched = [c for c in old.get("conditions") or () if c.get("type") == "PodScheduled"]

        def cond(t: str, ok: bool, reason: str = "", message: str = "") -> dict:
            c = {"type": t, "status": "True" if ok else "False", "lastProbeTime": None, "lastTransitionTime": now}
            if reason:
                c["reason"] = reason
            if message:
                c["message"] = message
            return c

        statuses = []
        for c in containers:
            if bad:
                state = {"waiting": {"reason": "ImagePullBackOff",
                                     "message": f'Back-off pulling image "{c.get("image", "")}"'}}
            else:
                state = {"running": {"startedAt": now}}
            statuses.append({"name": c["name"], "state": state, "lastState": {}, "ready": not bad,
                             "restartCount": 0, "image": c.get("image", ""), "imageID": "",
                             "started": not bad})
        names = ",".join(c["name"] for c in containers)
        not_ready = f"containers with unready status: [{names}]"
        conditions = [cond("PodReadyToStartContainers", True), cond("Initialized", True),
                      cond("Ready", not bad, "" if not bad else "ContainersNotReady", "" if not bad else not_ready),
                      cond("ContainersReady", not bad, "" if not bad else "ContainersNotReady",
                           "" if not bad else not_ready)]
        conditions += sched
        return {"phase": "Pending" if bad else "Running", "conditions": conditions,
                "hostIP": f"172.19.0.{idx + 1}", "podIP": ip, "podIPs": [{"ip": ip}], "startTime": now,
                "containerStatuses": statuses, "qosClass": old.get("qosClass", "BestEffort")}

    def _remove(self, namespace: str, name: str, uid: str) -> None:
        if self._node_of.get(uid) in self.down:
            self._stopping.discard(uid)
            return
        try:
            self.client.delete("pods", name, namespace, grace_period_seconds=0, preconditions={"uid": uid})
        except errors.StatusError:
            pass
        self._forget(uid)

    def _gone(self, pod: dict) -> None:
        self._forget(pod["metadata"]["uid"])

    def _forget(self, uid: str) -> None:
        node = self._node_of.pop(uid, None)
        if node is not None:
            self._assigned[node].discard(uid)
            self._ips[node].pop(uid, None)
