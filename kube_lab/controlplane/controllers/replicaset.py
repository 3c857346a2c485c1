"""The ReplicaSet and ReplicationController controllers (``pkg/controller/replicaset``,
``pkg/controller/replication``): keep ``spec.replicas`` pods running.

Upstream runs one implementation for both kinds — a ReplicationController is handled as an older
spelling of a ReplicaSet — and so does this module: :class:`ReplicationControllerController` only
changes the resource, the event source and the selector, which for an RC is a plain label map
(equality only, ``app=web``) where a ReplicaSet takes a ``LabelSelector`` with set-based
``matchExpressions`` (``tier in (fe,be)``).

Each sync (``syncReplicaSet``):

1. takes the pods that are active (not terminal, not being deleted) and *claims* them: pods it
   controls whose labels still match, plus matching orphans it adopts with an ownerReference patch;
   pods it controls that stopped matching are released (orphaned) with a patch;
2. if its expectations are satisfied (no creates/deletes still in flight), creates the missing pods
   — ``<name>-<5 random>`` through ``generateName``, in slow-start batches 1, 2, 4, … and at most
   500 per sync — or deletes the surplus, preferring unassigned, Pending, not-ready, doubled-up,
   recently-ready and newer pods;
3. writes ``status`` (replicas, fullyLabeledReplicas, readyReplicas, availableReplicas counting
   minReadySeconds, observedGeneration, and a ``ReplicaFailure`` condition while creates/deletes
   fail) and re-checks after minReadySeconds when ready pods are not yet available.

Events: ``SuccessfulCreate`` "Created pod: <name>", ``SuccessfulDelete`` "Deleted pod: <name>",
``FailedCreate`` "Error creating: <error>", ``FailedDelete`` "Error deleting: <error>".
"""
from __future__ import annotations

from ...api import errors
from ...api.meta import controller_ref, new_controller_ref
from ...api.selectors import Selector
from ...client import Controller
from . import controller_utils as cu

REPLICA_FAILURE = "ReplicaFailure"
INDEX_RS_CONTROLLER = "kube-lab/rs-controller-uid"


def namespace_terminating(e: errors.StatusError) -> bool:
    """``HasStatusCause(err, NamespaceTerminatingCause)``."""
    causes = ((e.status.get("details") or {}).get("causes")) or ()
    if any(c.get("type") == "NamespaceTerminating" for c in causes):
        return True
    return e.reason == "Forbidden" and "because it is being terminated" in e.message


def _rs_controller_index(obj: dict) -> list[str]:
    ref = controller_ref(obj)
    return [ref["uid"]] if ref is not None and ref.get("uid") else []


class ReplicaSetController(Controller):
    """``ReplicaSetController`` for ``apps/v1`` ReplicaSets.

    ``burst_replicas``: most pods created or deleted in one sync (``--concurrent``… upstream's
    ``BurstReplicas`` = 500)."""

    name = "replicaset"
    component = "replicaset-controller"
    resource = "replicasets"
    kind = "ReplicaSet"
    api_version = "apps/v1"

    def __init__(self, client, informers, burst_replicas: int = cu.BURST_REPLICAS):
        super().__init__(client, informers)
        self.burst_replicas = burst_replicas
        self.expectations = cu.Expectations(self.loop)
        self.apiserver = client.apiserver

    # -------------------------------------------------------------------------------------
    # wiring
    def start(self) -> None:
        self.sets = self.informers.informer(self.resource)
        cu.ensure_index(self.sets, INDEX_RS_CONTROLLER, _rs_controller_index)
        cu.ensure_index(self.sets, cu.INDEX_NAMESPACE, cu.namespace_index)
        self.pods = self.informers.informer("pods")
        cu.ensure_index(self.pods, cu.INDEX_CONTROLLER, cu.pod_controller_index)
        cu.ensure_index(self.pods, cu.INDEX_NAMESPACE, cu.namespace_index)
        self.sets.add_handlers(self._add_rs, self._update_rs, self._delete_rs)
        self.pods.add_handlers(self._add_pod, self._update_pod, self._delete_pod)

    def selector(self, rs: dict) -> Selector | None:
        """The pod selector (``LabelSelectorAsSelector``; None if it does not convert)."""
        return cu.label_selector((rs.get("spec") or {}).get("selector"))

    @staticmethod
    def key(obj: dict) -> str:
        md = obj["metadata"]
        return f"{md.get('namespace', '')}/{md['name']}"

    # -------------------------------------------------------------------------------------
    # event handlers (they only enqueue and account for expectations)
    def _add_rs(self, rs: dict) -> None:
        self.enqueue(self.key(rs))

    def _update_rs(self, old: dict, cur: dict) -> None:
        if old["metadata"].get("uid") != cur["metadata"].get("uid"):
            self._delete_rs(old)
        self.enqueue(self.key(cur))

    def _delete_rs(self, rs: dict) -> None:
        key = self.key(rs)
        self.expectations.delete(key)
        self.enqueue(key)

    def _resolve(self, namespace: str, ref: dict) -> dict | None:
        """``resolveControllerRef``: our kind, by name, and the same uid."""
        return cu.resolve_controller_ref(self.sets, self.kind, namespace, ref)

    def _pod_owners(self, pod: dict) -> list[dict]:
        """``GetPodReplicaSets``: the sets in the pod's namespace whose selector matches it."""
        return cu.owners_selecting(self.sets, pod, self.selector)

    def _add_pod(self, pod: dict) -> None:
        if pod["metadata"].get("deletionTimestamp"):
            self._delete_pod(pod)   # a restart may show a pod already pending deletion
            return
        ref = controller_ref(pod)
        if ref is not None:
            rs = self._resolve(pod["metadata"].get("namespace", ""), ref)
            if rs is None:
                return
            key = self.key(rs)
            self.expectations.creation_observed(key)
            self.enqueue(key)
            return
        for rs in self._pod_owners(pod):
            self.enqueue(self.key(rs))

    def _update_pod(self, old: dict, cur: dict) -> None:
        if old["metadata"].get("resourceVersion") == cur["metadata"].get("resourceVersion"):
            return
        label_changed = (old["metadata"].get("labels") or {}) != (cur["metadata"].get("labels") or {})
        if cur["metadata"].get("deletionTimestamp"):
            # a graceful delete: count it as gone now, so the replacement starts at once
            self._delete_pod(cur)
            if label_changed:
                self._delete_pod(old)
            return
        cur_ref, old_ref = controller_ref(cur), controller_ref(old)
        ref_changed = cur_ref != old_ref
        ns = cur["metadata"].get("namespace", "")
        if ref_changed and old_ref is not None:
            rs = self._resolve(ns, old_ref)
            if rs is not None:
                self.enqueue(self.key(rs))
        if cur_ref is not None:
            rs = self._resolve(ns, cur_ref)
            if rs is None:
                return
            self.enqueue(self.key(rs))
            min_ready = (rs.get("spec") or {}).get("minReadySeconds") or 0
            if not cu.is_pod_ready(old) and cu.is_pod_ready(cur) and min_ready > 0:
                # re-check availability once minReadySeconds have passed (+1 s against skew)
                self.queue.add_after(self.key(rs), min_ready + 1.0)
            return
        if label_changed or ref_changed:
            for rs in self._pod_owners(cur):
                self.enqueue(self.key(rs))

    def _delete_pod(self, pod: dict) -> None:
        ref = controller_ref(pod)
        if ref is None:
            return
        rs = self._resolve(pod["metadata"].get("namespace", ""), ref)
        if rs is None:
            return
        key = self.key(rs)
        md = pod["metadata"]
        self.expectations.deletion_observed(key, f"{md.get('namespace', '')}/{md['name']}")
        self.enqueue(key)

    # -------------------------------------------------------------------------------------
    # sync
    def reconcile(self, key: str) -> None:
        rs = self.sets.get(key)
        if rs is None:
            self.expectations.delete(key)
            return
        needs_sync = self.expectations.satisfied(key)
        selector = self.selector(rs)
        if selector is None:
            return  # HandleError: an invalid selector is not retried
        md = rs["metadata"]
        ns = md.get("namespace", "")
        candidates = cu.filter_active_pods(self._candidate_pods(rs))
        pods, claim_errors = cu.claim_objects(
            rs, selector, candidates,
            adopt=lambda pod: self.client.patch(
                "pods", pod["metadata"]["name"], cu.owner_ref_patch(rs, self.api_version, self.kind,
                                                                     pod["metadata"]["uid"]), namespace=ns),
            release=lambda pod: self.client.patch(
                "pods", pod["metadata"]["name"], cu.delete_owner_ref_patch(pod["metadata"]["uid"], md["uid"]),
                namespace=ns),
            can_adopt=lambda: cu.recheck_deletion(self.client, self.resource, rs))
        if claim_errors:
            raise claim_errors[0]
        manage_error = None
        if needs_sync and not md.get("deletionTimestamp"):
            manage_error = self.manage_replicas(pods, rs, key)
        status = self.calculate_status(rs, pods, manage_error)
        updated = self.update_status(rs, status)
        spec = updated.get("spec") or {}
        min_ready = spec.get("minReadySeconds") or 0
        st = updated.get("status") or {}
        replicas = spec.get("replicas", 1)
        if (manage_error is None and min_ready > 0 and st.get("readyReplicas", 0) == replicas
                and st.get("availableReplicas", 0) != replicas):
            # AddAfter(minReadySeconds); +1 ms because virtual time has no processing latency: a pod
            # ready at exactly t is available only strictly after t + minReadySeconds
            self.queue.add_after(key, min_ready + 0.001)
        if manage_error is not None:
            raise manage_error

    def _candidate_pods(self, rs: dict) -> list[dict]:
        """The pods ClaimPods could act on: the ones this set controls and the namespace's orphans.
        (Upstream lists every pod of the namespace; pods controlled by others are ignored by the
        claim anyway, so the result is the same.)"""
        ns = rs["metadata"].get("namespace", "")
        owned = self.pods.by_index(cu.INDEX_CONTROLLER, rs["metadata"]["uid"])
        orphans = self.pods.by_index(cu.INDEX_CONTROLLER, "orphan/" + ns)
        if not orphans:
            return owned
        return sorted(owned + orphans, key=lambda p: p["metadata"]["name"])

    def manage_replicas(self, pods: list[dict], rs: dict, key: str) -> errors.StatusError | None:
        """``manageReplicas``: create or delete pods towards ``spec.replicas``."""
        spec = rs.get("spec") or {}
        diff = len(pods) - spec.get("replicas", 1)
        ns = rs["metadata"].get("namespace", "")
        if diff < 0:
            diff = min(-diff, self.burst_replicas)
            self.expectations.expect_creations(key, diff)
            ref = new_controller_ref(rs)
            template = spec.get("template") or {}

            def create_one() -> None:
                pod = cu.get_pod_from_template(template, rs, ref)
                if not pod["metadata"]["labels"]:
                    raise errors.status("BadRequest", "unable to create pods, no labels")
                try:
                    created = self.client.create("pods", pod, ns, owned=True)
                except errors.StatusError as e:
                    if namespace_terminating(e):
                        return  # every create would fail: nothing to do
                    self.recorder.event(rs, "Warning", "FailedCreate", f"Error creating: {e.message}")
                    raise
                self.recorder.event(rs, "Normal", "SuccessfulCreate", f"Created pod: {created['metadata']['name']}")

            successes, err = cu.slow_start_batch(diff, cu.SLOW_START_INITIAL_BATCH_SIZE, create_one)
            for _ in range(diff - successes):
                self.expectations.creation_observed(key)   # skipped pods are not expected
            return err
        if diff > 0:
            diff = min(diff, self.burst_replicas)
            to_delete = self.pods_to_delete(pods, self._related_pods(rs), diff)
            self.expectations.expect_deletions(key, [f"{ns}/{p['metadata']['name']}" for p in to_delete])
            first: errors.StatusError | None = None
            for pod in to_delete:
                name = pod["metadata"]["name"]
                try:
                    self.client.delete("pods", name, ns)
                except errors.StatusError as e:
                    self.expectations.deletion_observed(key, f"{ns}/{name}")
                    if e.reason != "NotFound":
                        self.recorder.event(rs, "Warning", "FailedDelete", f"Error deleting: {e.message}")
                        if first is None:
                            first = errors.status(e.reason, f"unable to delete pods: {e.message}", code=e.code)
                    continue
                self.recorder.event(rs, "Normal", "SuccessfulDelete", f"Deleted pod: {name}")
            return first
        return None

    def _related_pods(self, rs: dict) -> list[dict]:
        """``getIndirectlyRelatedPods``: pods selected by any set sharing this set's controller."""
        ref = controller_ref(rs)
        if ref is None:
            return []
        ns = rs["metadata"].get("namespace", "")
        seen: set[str] = set()
        out: list[dict] = []
        namespace_pods = None
        for related in self.sets.by_index(INDEX_RS_CONTROLLER, ref["uid"]):
            sel = self.selector(related)
            if sel is None:
                continue
            if namespace_pods is None:
                namespace_pods = self.pods.by_index(cu.INDEX_NAMESPACE, ns)
            for pod in namespace_pods:
                uid = pod["metadata"]["uid"]
                if uid in seen or not sel.matches(pod["metadata"].get("labels") or {}):
                    continue
                seen.add(uid)
                out.append(pod)
        return out

    def pods_to_delete(self, pods: list[dict], related: list[dict], diff: int) -> list[dict]:
        """``getPodsToDelete``: rank by co-located active related pods, sort, take ``diff``."""
        if diff >= len(pods):
            return pods[:diff]
        on_node: dict[str, int] = {}
        for pod in related:
            if cu.is_pod_active(pod):
                node = (pod.get("spec") or {}).get("nodeName") or ""
                on_node[node] = on_node.get(node, 0) + 1
        ranks = [on_node.get((p.get("spec") or {}).get("nodeName") or "", 0) for p in pods]
        now = self.apiserver.epoch + self.loop.now
        return cu.pods_for_deletion(pods, ranks, now)[:diff]

    # -------------------------------------------------------------------------------------
    # status
    def calculate_status(self, rs: dict, pods: list[dict], manage_error: errors.StatusError | None) -> dict:
        """``calculateStatus``."""
        spec = rs.get("spec") or {}
        old = rs.get("status") or {}
        template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
        min_ready = spec.get("minReadySeconds") or 0
        now = self.apiserver.epoch + self.loop.now
        fully = ready = available = 0
        for pod in pods:
            labels = pod["metadata"].get("labels") or {}
            if all(labels.get(k) == v for k, v in template_labels.items()):
                fully += 1
            if cu.is_pod_ready(pod):
                ready += 1
                if cu.is_pod_available(pod, min_ready, now):
                    available += 1
        conditions = [dict(c) for c in old.get("conditions") or ()]
        failure = next((c for c in conditions if c.get("type") == REPLICA_FAILURE), None)
        if manage_error is not None and failure is None:
            diff = len(pods) - spec.get("replicas", 1)
            reason = "FailedCreate" if diff < 0 else "FailedDelete" if diff > 0 else ""
            conditions.append({"type": REPLICA_FAILURE, "status": "True",
                               "lastTransitionTime": self.apiserver.timestamp(),
                               "reason": reason, "message": manage_error.message})
        elif manage_error is None and failure is not None:
            conditions = [c for c in conditions if c.get("type") != REPLICA_FAILURE]
        status: dict = {"replicas": len(pods)}
        if fully:
            status["fullyLabeledReplicas"] = fully
        if ready:
            status["readyReplicas"] = ready
        if available:
            status["availableReplicas"] = available
        if old.get("observedGeneration"):
            status["observedGeneration"] = old["observedGeneration"]
        if conditions:
            status["conditions"] = conditions
        return status

    def update_status(self, rs: dict, status: dict) -> dict:
        """``updateReplicaSetStatus``: write unless nothing changed; one retry after a re-read."""
        old = rs.get("status") or {}
        generation = rs["metadata"].get("generation", 0)
        same = all(old.get(f, 0) == status.get(f, 0) for f in
                   ("replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas"))
        if same and generation == old.get("observedGeneration", 0) and \
                (old.get("conditions") or []) == (status.get("conditions") or []):
            return rs
        if generation:
            status = self._with_generation(status, generation)
        md = rs["metadata"]
        current = rs
        for attempt in range(2):   # statusUpdateRetries = 1
            body = {**current, "metadata": dict(current["metadata"]), "status": status}
            try:
                return self.client.update_status(self.resource, body, md.get("namespace"))
            except errors.StatusError:
                if attempt >= 1:
                    raise
                current = self.client.get(self.resource, md["name"], md.get("namespace"))
        return rs  # pragma: no cover

    @staticmethod
    def _with_generation(status: dict, generation: int) -> dict:
        """Put ``observedGeneration`` in its wire position (after availableReplicas)."""
        out = {}
        for k in ("replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas"):
            if k in status:
                out[k] = status[k]
        out["observedGeneration"] = generation
        if "conditions" in status:
            out["conditions"] = status["conditions"]
        return out


class ReplicationControllerController(ReplicaSetController):
    """``ReplicationManager``: the same controller for ``v1`` ReplicationControllers, whose
    ``spec.selector`` is a plain label map matched by equality (``labels.SelectorFromSet``)."""

    name = "replicationcontroller"
    component = "replication-controller"
    resource = "replicationcontrollers"
    kind = "ReplicationController"
    api_version = "v1"

    def selector(self, rc: dict) -> Selector | None:
        sel = (rc.get("spec") or {}).get("selector")
        if not isinstance(sel, dict) or not all(isinstance(v, str) for v in sel.values()):
            return None
        return cu.set_selector(sel)
