"""The ``pods/eviction`` subresource (``pkg/registry/core/pod/storage/eviction.go``, 1.32): a
delete that honours PodDisruptionBudgets.

* A pod that is Pending, Succeeded, Failed or already being deleted is deleted at once (the PDB
  is not consulted: it disrupts nothing more).
* Otherwise the pod's PDB (more than one: a 500, which eviction does not support) must allow a
  disruption: ``status.disruptionsAllowed`` is decremented and the pod recorded in
  ``status.disruptedPods`` (one status write, conflicts retried) before the delete — or the
  request is refused with 429 ``TooManyRequests`` "Cannot evict pod as it would violate the pod's
  disruption budget." and a ``DisruptionBudget`` cause giving the numbers.  A PDB the disruption
  controller has not processed yet (``observedGeneration`` behind) is refused the same way, with a
  10 s retry-after.
* An unready pod may go without using up the budget when the budget is currently met (or its
  ``unhealthyPodEvictionPolicy`` is ``AlwaysAllow``); the delete then carries a resourceVersion
  precondition, and a conflict becomes a 429 so that the client retries.
* Before the delete the pod gets the ``DisruptionTarget`` condition (reason
  ``EvictionByEvictionAPI``, "Eviction API: evicting") through the status store.

Server-side dry run checks everything and writes nothing.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ...api import errors
from ...api.meta import deep_copy
from ...api.poddisruptionbudget import status_in_go_order, update_disruption_allowed_condition
from ...api.selectors import SelectorError, from_label_selector

if TYPE_CHECKING:  # pragma: no cover
    from .server import APIServer

EVICTIONS_RETRY_STEPS = 20           # EvictionsRetry.Steps
MAX_DISRUPTED_POD_SIZE = 2000        # MaxDisruptedPodSize
TOO_MANY = "Cannot evict pod as it would violate the pod's disruption budget."
SUCCESS = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}


def too_many_requests(message: str, retry_after: int, cause: str) -> errors.StatusError:
    """``errors.NewTooManyRequests`` plus the ``DisruptionBudget`` cause."""
    details: dict = {"causes": [{"reason": "DisruptionBudget", "message": cause}]}
    if retry_after:
        details["retryAfterSeconds"] = retry_after
    return errors.status("TooManyRequests", message, details)


def still_processing(pdb_name: str) -> errors.StatusError:
    """``createTooManyRequestsError``."""
    return too_many_requests(TOO_MANY, 10, f"The disruption budget {pdb_name} is still being processed by the "
                                           "server.")


def is_pod_ready(pod: dict) -> bool:
    for c in (pod.get("status") or {}).get("conditions") or ():
        if c.get("type") == "Ready":
            return c.get("status") == "True"
    return False


def can_ignore_pdb(pod: dict) -> bool:
    phase = (pod.get("status") or {}).get("phase")
    return phase in ("Succeeded", "Failed", "Pending") or bool(pod["metadata"].get("deletionTimestamp"))


def should_enforce_resource_version(pod: dict) -> bool:
    phase = (pod.get("status") or {}).get("phase")
    return not (phase in ("Succeeded", "Failed") or pod["metadata"].get("deletionTimestamp"))


def _go_list(values) -> str:
    return "[" + " ".join(str(v) for v in values or ()) + "]"


class Eviction:
    """One eviction request."""

    def __init__(self, server: "APIServer", ns: str, name: str, body: dict, dry_run: bool):
        self.server = server
        self.ns = ns
        self.name = name
        self.body = body or {}
        self.info = server.info("pods")
        opts = dict(self.body.get("deleteOptions") or {})
        requested = ["All"] if dry_run else []
        if not opts.get("dryRun"):
            opts["dryRun"] = requested
        elif requested and opts["dryRun"] != requested:
            raise errors.status("InternalError", f"Non-matching dry-run options in request and content: "
                                                 f"{_go_list(requested)} and {_go_list(opts['dryRun'])}")
        self.options = opts
        self.dry_run = "All" in (opts.get("dryRun") or ())

    # -- helpers ------------------------------------------------------------------------------
    def _rv_unset(self, options: dict) -> bool:
        return not ((options.get("preconditions") or {}).get("resourceVersion"))

    @staticmethod
    def _with_rv(options: dict, rv: str) -> dict:
        out = dict(options)
        out["preconditions"] = {**(options.get("preconditions") or {}), "resourceVersion": rv}
        return out

    def _pod(self) -> dict:
        kv = self.server.etcd.get(self.server.key(self.info, self.ns, self.name))
        if kv is None:
            raise errors.not_found("pods", self.name)
        return kv.value

    # -- the request ----------------------------------------------------------------------------
    def run(self) -> dict:
        md = self.body.get("metadata") or {}
        if md.get("name", "") != self.name:
            raise errors.bad_request("name in URL does not match name in Eviction object")
        retry_conflicts = self._rv_unset(self.options)
        pod = None
        for attempt in range(EVICTIONS_RETRY_STEPS):
            pod = self._pod()
            if not can_ignore_pdb(pod):
                break
            options = self.options
            if should_enforce_resource_version(pod) and self._rv_unset(options):
                options = self._with_rv(options, pod["metadata"]["resourceVersion"])
            try:
                self.add_condition_and_delete(options)
            except errors.StatusError as e:
                if e.reason == "Conflict" and retry_conflicts and attempt < EVICTIONS_RETRY_STEPS - 1:
                    continue
                raise
            return dict(SUCCESS)
        assert pod is not None
        pdb_name = ""
        update_deletion_options = False
        pdbs = self.pod_disruption_budgets(pod)
        if len(pdbs) > 1:
            raise errors.status("", "This pod has more than one PodDisruptionBudget, which the eviction "
                                    "subresource does not support.", code=500)
        if pdbs:
            pdb = pdbs[0]
            pdb_name = pdb["metadata"]["name"]
            st = pdb.get("status") or {}
            budget_met = st.get("currentHealthy", 0) >= st.get("desiredHealthy", 0) > 0
            if not is_pod_ready(pod) and (
                    (pdb.get("spec") or {}).get("unhealthyPodEvictionPolicy") == "AlwaysAllow" or budget_met):
                update_deletion_options = True     # an unready pod does not count: the budget is not used
            else:
                self._check_and_decrement_with_retries(pod, pdb)
        options = self.options
        if update_deletion_options:
            options = self._with_rv(options, pod["metadata"]["resourceVersion"])
        try:
            self.add_condition_and_delete(options)
        except errors.StatusError as e:
            if e.reason == "Conflict" and update_deletion_options and self._rv_unset(self.options):
                raise still_processing(pdb_name) from None
            raise
        return dict(SUCCESS)

    def pod_disruption_budgets(self, pod: dict) -> list[dict]:
        labels = pod["metadata"].get("labels") or {}
        out = []
        for pdb in self.server.storage_list("poddisruptionbudgets", self.ns):
            try:
                sel = from_label_selector((pdb.get("spec") or {}).get("selector"))
            except SelectorError:
                continue                   # an invalid selector matches nothing
            if sel.matches(labels):
                out.append(pdb)
        return out

    def _check_and_decrement_with_retries(self, pod: dict, pdb: dict) -> None:
        name = pdb["metadata"]["name"]
        for attempt in range(EVICTIONS_RETRY_STEPS):
            if attempt:
                pdb = self.server.storage_get("poddisruptionbudgets", self.ns, name)
                if pdb is None:
                    raise errors.not_found("poddisruptionbudgets", name, "policy")
            try:
                self.check_and_decrement(pod["metadata"]["name"], pdb)
                return
            except errors.StatusError as e:
                if e.reason != "Conflict" or attempt == EVICTIONS_RETRY_STEPS - 1:
                    raise

    def check_and_decrement(self, pod_name: str, pdb: dict) -> None:
        """``checkAndDecrement``: refuse, or use one disruption and record the pod."""
        name = pdb["metadata"]["name"]
        st = pdb.get("status") or {}
        if st.get("observedGeneration", 0) < pdb["metadata"].get("generation", 0):
            raise still_processing(name)
        allowed = st.get("disruptionsAllowed", 0)
        if allowed < 0:
            raise errors.forbidden("poddisruptionbudget", name, "pdb disruptions allowed is negative", "policy")
        if len(st.get("disruptedPods") or {}) > MAX_DISRUPTED_POD_SIZE:
            raise errors.forbidden("poddisruptionbudget", name, "DisruptedPods map too big - too many evictions "
                                                                "not confirmed by PDB controller", "policy")
        if allowed == 0:
            raise too_many_requests(TOO_MANY, 0, f"The disruption budget {name} needs {st.get('desiredHealthy', 0)} "
                                                 f"healthy pods and has {st.get('currentHealthy', 0)} currently")
        if self.dry_run:
            return
        body = deep_copy(pdb)
        status = body.setdefault("status", {})
        status["disruptionsAllowed"] = allowed - 1
        if allowed - 1 == 0:
            update_disruption_allowed_condition(status, self.server.timestamp())
        status.setdefault("disruptedPods", {})[pod_name] = self.server.timestamp()
        body["status"] = status_in_go_order(status)
        # the loopback client's write, as the apiserver's PDB client makes it
        self.server.update("poddisruptionbudgets", body, self.ns, subresource="status",
                           field_validation="Ignore", component="kube-apiserver")

    def add_condition_and_delete(self, options: dict) -> None:
        """``addConditionAndDeletePod``: DisruptionTarget through the status store, then delete."""
        srv, info = self.server, self.info
        pre = options.get("preconditions") or {}
        if not self.dry_run:
            latest = self._pod()
            md = latest["metadata"]
            if pre.get("uid") and pre["uid"] != md.get("uid"):
                raise errors.conflict("Pod", self.name, f"the UID in the precondition ({pre['uid']}) does not match "
                                                        f"the UID in record ({md.get('uid')}). The object might have "
                                                        "been deleted and then recreated")
            if pre.get("resourceVersion") and pre["resourceVersion"] != md.get("resourceVersion"):
                raise errors.conflict("Pod", self.name, f"the ResourceVersion in the precondition "
                                                        f"({pre['resourceVersion']}) does not match the "
                                                        f"ResourceVersion in record ({md.get('resourceVersion')}). "
                                                        "The object might have been modified")
            new = deep_copy(latest)
            conds = new.setdefault("status", {}).setdefault("conditions", [])
            now = srv.timestamp()
            cond = {"type": "DisruptionTarget", "status": "True", "lastProbeTime": None, "lastTransitionTime": now,
                    "reason": "EvictionByEvictionAPI", "message": "Eviction API: evicting"}
            for i, c in enumerate(conds):
                if c.get("type") == "DisruptionTarget":
                    if c.get("status") == "True":
                        cond["lastTransitionTime"] = c.get("lastTransitionTime", now)
                    conds[i] = cond
                    break
            else:
                conds.append(cond)
            out = srv._update_decoded(info, self.ns, self.name, new, "status", False,
                                      expect_rv=md["resourceVersion"])
            if pre.get("resourceVersion"):
                pre = {**pre, "resourceVersion": out["metadata"]["resourceVersion"]}
        srv._delete(info, self.ns, self.name, options.get("gracePeriodSeconds"), options.get("propagationPolicy"),
                    options.get("orphanDependents"), pre or None, self.dry_run)


def evict(server: "APIServer", ns: str, name: str, body: dict, dry_run: bool) -> dict:
    return Eviction(server, ns, name, body, dry_run).run()
