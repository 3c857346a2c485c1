"""The disruption controller (``pkg/controller/disruption``, Kubernetes 1.32): PodDisruptionBudget
status, which the eviction subresource reads.

For each PDB it counts the pods its selector matches and writes ``status``:

* ``expectedPods`` and ``desiredHealthy`` — with an integer ``minAvailable``, the number of
  matching pods and that integer; with a percentage ``minAvailable`` or any ``maxUnavailable``, the
  sum of the ``spec.replicas`` of the pods' controllers (ReplicationController, Deployment — found
  through the ReplicaSet — ReplicaSet, StatefulSet, or anything with a ``scale`` subresource) and
  ``ceil(percentage × that)`` or ``expected − maxUnavailable`` (percentages round up);
* ``currentHealthy`` — matching pods that are Ready, not being deleted and not in
  ``disruptedPods`` (evictions the API server approved less than two minutes ago);
* ``disruptionsAllowed`` = ``currentHealthy − desiredHealthy`` (never below 0, and 0 while no pod
  is expected); ``observedGeneration``; ``disruptedPods`` (entries for pods now deleted, or older
  than 2 min, are dropped — the latter with a ``NotDeleted`` warning);
* the ``DisruptionAllowed`` condition: True/``SufficientPods`` or False/``InsufficientPods``, or
  False/``SyncFailed`` with the error when the counts cannot be computed (the "fail safe").

It also resets a ``DisruptionTarget`` condition that an approved eviction left on a pod that was
then not deleted, after two minutes (``stalePodDisruptionTimeout``).

Events (source ``controllermanager``): ``NoPods``, ``UnmanagedPods``,
``CalculateExpectedPodCountFailed``, ``MultiplePodDisruptionBudgets``, ``NotDeleted``.
"""
from __future__ import annotations

import math

from ...api import errors
from ...api.meta import controller_ref, deep_copy, parse_rfc3339
from ...api.poddisruptionbudget import (conditions_are_up_to_date, set_status_condition, status_in_go_order,
                                         update_disruption_allowed_condition)
from ...api.registry import NoKindMatchError
from ...client import Controller
from .controller_utils import INDEX_NAMESPACE, ensure_index, label_selector, namespace_index
from .job import Wakeups

DELETION_TIMEOUT = 120.0               # DeletionTimeout
STALE_POD_DISRUPTION_TIMEOUT = 120.0   # stalePodDisruptionTimeout


class SyncError(Exception):
    """A Go ``error`` from computing the counts (its text goes into SyncFailed)."""


def pdb_key(pdb: dict) -> str:
    return f"{pdb['metadata'].get('namespace', '')}/{pdb['metadata']['name']}"


def pod_is_ready(pod: dict) -> bool:
    for c in (pod.get("status") or {}).get("conditions") or ():
        if c.get("type") == "Ready":
            return c.get("status") == "True"
    return False


def scaled_value(value, total: int, round_up: bool = True) -> int:
    """``intstr.GetScaledValueFromIntOrPercent``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.endswith("%"):
        try:
            pct = int(value[:-1])
        except ValueError:
            raise SyncError(f"invalid value for IntOrString: invalid value {errors.go_quote(value)}: "
                            f"strconv.Atoi: parsing {errors.go_quote(value[:-1])}: invalid syntax") from None
        exact = pct * total / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    raise SyncError("invalid value for IntOrString: invalid type: string is not a percentage")


class DisruptionController(Controller):
    name = "disruption"
    component = "controllermanager"

    def __init__(self, client, informers):
        super().__init__(client, informers)
        self.apiserver = client.apiserver
        self.recheck = Wakeups(self.loop, lambda key: self.queue.add_rate_limited(key))
        self.stale = Wakeups(self.loop, lambda key: self.enqueue(("stale", key)))

    def start(self) -> None:
        self.pdbs = self.informers.informer("poddisruptionbudgets")
        self.pdbs.add_handlers(self._enqueue_pdb, lambda old, cur: self._enqueue_pdb(cur), self._enqueue_pdb)
        self.pods = self.informers.informer("pods")
        ensure_index(self.pods, INDEX_NAMESPACE, namespace_index)
        self.pods.add_handlers(self._pod_changed, lambda old, cur: self._pod_changed(cur), self._pod_deleted)
        self.rcs = self.informers.informer("replicationcontrollers")
        self.rss = self.informers.informer("replicasets")
        self.deployments = self.informers.informer("deployments")
        self.statefulsets = self.informers.informer("statefulsets")

    def _now(self) -> float:
        return self.apiserver.epoch + self.loop.now

    # -- handlers -------------------------------------------------------------------------------
    def _enqueue_pdb(self, pdb: dict) -> None:
        self.enqueue(pdb_key(pdb))

    def _pod_changed(self, pod: dict) -> None:
        pdb = self.pdb_for_pod(pod)
        if pdb is not None:
            self._enqueue_pdb(pdb)
        stale, after = self._stale_disruption_condition(pod)
        if stale:
            self.stale.add_after(f"{pod['metadata']['namespace']}/{pod['metadata']['name']}", after)

    def _pod_deleted(self, pod: dict) -> None:
        pdb = self.pdb_for_pod(pod)
        if pdb is not None:
            self._enqueue_pdb(pdb)

    def pdbs_for_pod(self, pod: dict) -> list[dict]:
        """``GetPodPodDisruptionBudgets`` (policy/v1: an empty selector matches every pod)."""
        labels = pod["metadata"].get("labels") or {}
        if not labels:
            return []
        ns = pod["metadata"].get("namespace", "")
        out = []
        for pdb in self.pdbs.list():
            if pdb["metadata"].get("namespace") != ns:
                continue
            sel = label_selector((pdb.get("spec") or {}).get("selector"))
            if sel is not None and sel.matches(labels):
                out.append(pdb)
        return out

    def pdb_for_pod(self, pod: dict) -> dict | None:
        pdbs = self.pdbs_for_pod(pod)
        if not pdbs:
            return None
        if len(pdbs) > 1:
            md = pod["metadata"]
            self.recorder.event(pod, "Warning", "MultiplePodDisruptionBudgets",
                                f"Pod {errors.go_quote(md['namespace'])}/{errors.go_quote(md['name'])} matches "
                                f"multiple PodDisruptionBudgets.  Chose {errors.go_quote(pdbs[0]['metadata']['name'])} "
                                "arbitrarily.")
        return pdbs[0]

    # -- sync -------------------------------------------------------------------------------------
    def reconcile(self, key) -> None:
        if isinstance(key, tuple):
            self.sync_stale_pod_disruption(key[1])
            return
        pdb = self.pdbs.get(key)
        if pdb is None:
            return
        try:
            self.try_sync(pdb)
        except errors.StatusError as e:
            if e.reason == "Conflict":
                raise
            self.fail_safe(pdb, e.message)
        except SyncError as e:
            self.fail_safe(pdb, str(e))

    def pods_for_pdb(self, pdb: dict) -> list[dict]:
        sel = label_selector((pdb.get("spec") or {}).get("selector"))
        if sel is None:
            raise SyncError("invalid label selector")
        return [p for p in self.pods.by_index(INDEX_NAMESPACE, pdb["metadata"].get("namespace", ""))
                if sel.matches(p["metadata"].get("labels") or {})]

    def try_sync(self, pdb: dict) -> None:
        try:
            pods = self.pods_for_pdb(pdb)
        except SyncError as e:
            self.recorder.event(pdb, "Warning", "NoPods", f"Failed to get pods: {e}")
            raise
        if not pods:
            self.recorder.event(pdb, "Normal", "NoPods", "No matching pods found")
        try:
            expected, desired, unmanaged = self.expected_pod_count(pdb, pods)
        except SyncError as e:
            self.recorder.event(pdb, "Warning", "CalculateExpectedPodCountFailed",
                                f"Failed to calculate the number of expected pods: {e}")
            raise
        if unmanaged:
            self.recorder.event(pdb, "Warning", "UnmanagedPods",
                                f"Pods selected by this PodDisruptionBudget (selector: {_go_selector(pdb)}) were "
                                "found to be unmanaged. As a result, the status of the PDB cannot be calculated "
                                "correctly, which may result in undefined behavior. To account for these pods please "
                                "set \".spec.minAvailable\" field of the PDB to an integer value.")
        now = self._now()
        disrupted, recheck = self.build_disrupted_pod_map(pods, pdb, now)
        healthy = self.count_healthy_pods(pods, disrupted, now)
        self.update_pdb_status(pdb, healthy, desired, expected, disrupted)
        if recheck is not None:
            self.recheck.add_after(pdb_key(pdb), recheck - now)

    # -- counting --------------------------------------------------------------------------------
    def expected_pod_count(self, pdb: dict, pods: list[dict]) -> tuple[int, int, list[str]]:
        spec = pdb.get("spec") or {}
        expected = desired = 0
        unmanaged: list[str] = []
        if spec.get("maxUnavailable") is not None:
            expected, unmanaged = self.expected_scale(pods)
            desired = max(0, expected - scaled_value(spec["maxUnavailable"], expected, True))
        elif spec.get("minAvailable") is not None:
            min_available = spec["minAvailable"]
            if isinstance(min_available, int) and not isinstance(min_available, bool):
                desired = min_available
                expected = len(pods)
            else:
                expected, unmanaged = self.expected_scale(pods)
                desired = scaled_value(min_available, expected, True)
        return expected, desired, unmanaged

    def expected_scale(self, pods: list[dict]) -> tuple[int, list[str]]:
        scales: dict[str, int] = {}
        unmanaged: list[str] = []
        for pod in pods:
            ref = controller_ref(pod)
            if ref is None:
                unmanaged.append(pod["metadata"]["name"])
                continue
            if ref.get("uid") in scales:
                continue
            ns = pod["metadata"]["namespace"]
            for finder in (self._replication_controller, self._deployment, self._replica_set, self._stateful_set,
                           self._scale_controller):
                found = finder(ref, ns)
                if found is not None:
                    scales[found[0]] = found[1]
                    break
            else:
                raise SyncError(f"found no controllers for pod {errors.go_quote(pod['metadata']['name'])}")
        return sum(scales.values()), unmanaged

    @staticmethod
    def _group_kind(ref: dict, kind: str, groups: tuple[str, ...]) -> bool:
        api_version = ref.get("apiVersion", "")
        group = api_version.rpartition("/")[0] if "/" in api_version else ""
        return ref.get("kind") == kind and group in groups

    def _owned(self, informer, ref: dict, ns: str) -> dict | None:
        obj = informer.get(f"{ns}/{ref.get('name', '')}")
        return obj if obj is not None and obj["metadata"].get("uid") == ref.get("uid") else None

    def _replication_controller(self, ref: dict, ns: str):
        if not self._group_kind(ref, "ReplicationController", ("",)):
            return None
        rc = self._owned(self.rcs, ref, ns)
        return (rc["metadata"]["uid"], rc["spec"].get("replicas", 1)) if rc else None

    def _replica_set(self, ref: dict, ns: str):
        if not self._group_kind(ref, "ReplicaSet", ("apps", "extensions")):
            return None
        rs = self._owned(self.rss, ref, ns)
        if rs is None:
            return None
        owner = controller_ref(rs)
        if owner is not None and owner.get("kind") == "Deployment":
            return None                       # counted through its Deployment
        return rs["metadata"]["uid"], rs["spec"].get("replicas", 1)

    def _deployment(self, ref: dict, ns: str):
        if not self._group_kind(ref, "ReplicaSet", ("apps", "extensions")):
            return None
        rs = self._owned(self.rss, ref, ns)
        if rs is None:
            return None
        owner = controller_ref(rs)
        if owner is None or not self._group_kind(owner, "Deployment", ("apps", "extensions")):
            return None
        d = self._owned(self.deployments, owner, ns)
        return (d["metadata"]["uid"], d["spec"].get("replicas", 1)) if d else None

    def _stateful_set(self, ref: dict, ns: str):
        if not self._group_kind(ref, "StatefulSet", ("apps",)):
            return None
        ss = self._owned(self.statefulsets, ref, ns)
        return (ss["metadata"]["uid"], ss["spec"].get("replicas", 1)) if ss else None

    def _scale_controller(self, ref: dict, ns: str):
        """``getScaleController``: any other owner through its ``scale`` subresource."""
        try:
            info = self.apiserver.registry.for_kind(ref.get("apiVersion", ""), ref.get("kind", ""))
        except NoKindMatchError as e:
            raise SyncError(str(e)) from None
        try:
            scale = self.client.get(info.resource, ref.get("name", ""), ns, subresource="scale")
        except errors.StatusError as e:
            if e.reason != "NotFound":
                raise
            if "scale" not in info.subresources:
                raise SyncError(f"{info.group_resource} does not implement the scale subresource") from None
            return None
        if scale["metadata"].get("uid") != ref.get("uid"):
            return None
        return scale["metadata"]["uid"], (scale.get("spec") or {}).get("replicas", 0)

    def build_disrupted_pod_map(self, pods: list[dict], pdb: dict, now: float) -> tuple[dict, float | None]:
        disrupted = (pdb.get("status") or {}).get("disruptedPods")
        result: dict[str, str] = {}
        recheck: float | None = None
        if not disrupted:
            return result, recheck
        for pod in pods:
            if pod["metadata"].get("deletionTimestamp"):
                continue
            when = disrupted.get(pod["metadata"]["name"])
            if when is None:
                continue
            expected_deletion = parse_rfc3339(when) + DELETION_TIMEOUT
            if expected_deletion < now:
                ns = pdb["metadata"]["namespace"]
                # upstream prints the PDB's namespace twice, not namespace/name
                self.recorder.event(pod, "Warning", "NotDeleted",
                                    f"Pod was expected by PDB {ns}/{ns} to be deleted but it wasn't")
            else:
                if recheck is None or expected_deletion < recheck:
                    recheck = expected_deletion
                result[pod["metadata"]["name"]] = when
        return result, recheck

    @staticmethod
    def count_healthy_pods(pods: list[dict], disrupted: dict, now: float) -> int:
        healthy = 0
        for pod in pods:
            if pod["metadata"].get("deletionTimestamp"):
                continue
            when = disrupted.get(pod["metadata"]["name"])
            if when is not None and parse_rfc3339(when) + DELETION_TIMEOUT > now:
                continue
            if pod_is_ready(pod):
                healthy += 1
        return healthy

    # -- writing -------------------------------------------------------------------------------------
    def update_pdb_status(self, pdb: dict, healthy: int, desired: int, expected: int, disrupted: dict) -> None:
        allowed = healthy - desired
        if expected <= 0 or allowed <= 0:
            allowed = 0
        st = pdb.get("status") or {}
        generation = pdb["metadata"].get("generation", 0)
        if (st.get("currentHealthy", 0) == healthy and st.get("desiredHealthy", 0) == desired
                and st.get("expectedPods", 0) == expected and st.get("disruptionsAllowed", 0) == allowed
                and (st.get("disruptedPods") or {}) == disrupted and st.get("observedGeneration", 0) == generation
                and conditions_are_up_to_date(pdb)):
            return
        status: dict = {}
        if generation:
            status["observedGeneration"] = generation
        if disrupted:
            status["disruptedPods"] = dict(disrupted)
        status.update({"disruptionsAllowed": allowed, "currentHealthy": healthy, "desiredHealthy": desired,
                       "expectedPods": expected, "conditions": deep_copy(st.get("conditions") or [])})
        update_disruption_allowed_condition(status, self.apiserver.timestamp())
        self._write_status(pdb, status)

    def fail_safe(self, pdb: dict, message: str) -> None:
        """``failSafe``: at least make sure no eviction is approved."""
        status = deep_copy(pdb.get("status") or {})
        status["disruptionsAllowed"] = 0
        conds = status.setdefault("conditions", [])
        set_status_condition(conds, {"type": "DisruptionAllowed", "status": "False", "reason": "SyncFailed",
                                     "message": message, "observedGeneration": status.get("observedGeneration", 0)},
                             self.apiserver.timestamp())
        self._write_status(pdb, status)

    def _write_status(self, pdb: dict, status: dict) -> None:
        body = {k: v for k, v in pdb.items() if k != "status"}
        body["metadata"] = dict(pdb["metadata"])
        body["status"] = status_in_go_order(status)
        self.client.update_status("poddisruptionbudgets", body, pdb["metadata"]["namespace"])

    # -- stale DisruptionTarget conditions ----------------------------------------------------------
    def _stale_disruption_condition(self, pod: dict) -> tuple[bool, float]:
        """``nonTerminatingPodHasStaleDisruptionCondition``."""
        if pod["metadata"].get("deletionTimestamp"):
            return False, 0.0
        st = pod.get("status") or {}
        cond = next((c for c in st.get("conditions") or () if c.get("type") == "DisruptionTarget"), None)
        if cond is None or cond.get("status") != "True" or cond.get("reason") == "TerminationByKubelet" \
                or st.get("phase") in ("Succeeded", "Failed"):
            return False, 0.0
        since = parse_rfc3339(cond["lastTransitionTime"]) if cond.get("lastTransitionTime") else self._now()
        return True, max(0.0, STALE_POD_DISRUPTION_TIMEOUT - (self._now() - since))

    def sync_stale_pod_disruption(self, key: str) -> None:
        pod = self.pods.get(key)
        if pod is None:
            return
        stale, after = self._stale_disruption_condition(pod)
        if not stale:
            return
        if after > 0:
            self.stale.add_after(key, after)
            return
        body = deep_copy(pod)
        for c in body["status"]["conditions"]:
            if c.get("type") == "DisruptionTarget":     # UpdatePodCondition{DisruptionTarget, False}
                c.clear()
                c.update({"type": "DisruptionTarget", "status": "False", "lastProbeTime": None,
                          "lastTransitionTime": self.apiserver.timestamp()})
        self.client.update_status("pods", body, pod["metadata"]["namespace"])


def _go_selector(pdb: dict) -> str:
    """``%v`` of a ``*metav1.LabelSelector`` (its generated ``String()``)."""
    sel = (pdb.get("spec") or {}).get("selector")
    if sel is None:
        return "nil"
    labels = sel.get("matchLabels") or {}
    ml = "map[string]string{" + "".join(f"{k}: {labels[k]}," for k in sorted(labels)) + "}"
    ex = "[]LabelSelectorRequirement{" + "".join(
        f"LabelSelectorRequirement{{Key:{e.get('key', '')},Operator:{e.get('operator', '')},"
        f"Values:[{' '.join(e.get('values') or [])}],}},"
        for e in sel.get("matchExpressions") or []) + "}"
    return f"&LabelSelector{{MatchLabels:{ml},MatchExpressions:{ex},}}"
