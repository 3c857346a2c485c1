"""The PVC protection controller (``pkg/controller/volume/pvcprotection``, Kubernetes 1.32).

The StorageObjectInUseProtection admission plugin gives every claim the
``kubernetes.io/pvc-protection`` finalizer.  When a claim is deleted, this controller removes the
finalizer only once no scheduled pod refers to it — so ``kubectl delete pvc`` on a claim in use
leaves it ``Terminating`` until its pods are gone.  It looks in the pod informer first and, if no
pod is found there, confirms with a live list of the namespace's pods (a pod might not have
reached the cache yet).  A claim found without the finalizer (made before the admission plugin)
gets it added.
"""
from __future__ import annotations

from ...api import errors
from ...api.meta import deep_copy
from ...client import Controller
from .persistentvolume import POD_PVC_INDEX, PVC_PROTECTION_FINALIZER, add_pod_pvc_indexer, claim_key, \
    is_pod_terminated, pod_pvc_keys


def is_deletion_candidate(obj: dict, finalizer: str) -> bool:
    md = obj["metadata"]
    return bool(md.get("deletionTimestamp")) and finalizer in (md.get("finalizers") or ())


def needs_finalizer(obj: dict, finalizer: str) -> bool:
    md = obj["metadata"]
    return not md.get("deletionTimestamp") and finalizer not in (md.get("finalizers") or ())


def pod_uses_claim(pod: dict, claim: dict) -> bool:
    """``podUsesPVC``: a scheduled pod naming the claim (a generic ephemeral volume's claim counts
    unless the pod has been shut down by the kubelet or force-deleted)."""
    spec = pod.get("spec") or {}
    if not spec.get("nodeName"):
        return False
    name = claim["metadata"]["name"]
    pod_md = pod["metadata"]
    shut_down = bool(pod_md.get("deletionTimestamp")) and pod_md.get("deletionGracePeriodSeconds") == 0
    for v in spec.get("volumes") or ():
        if (v.get("persistentVolumeClaim") or {}).get("claimName") == name:
            return True
        if v.get("ephemeral") is not None and not shut_down and f"{pod_md['name']}-{v.get('name', '')}" == name:
            owner = next((r for r in claim["metadata"].get("ownerReferences") or () if r.get("controller")), None)
            if owner is not None and owner.get("uid") == pod_md.get("uid"):
                return True
    return False


class PVCProtectionController(Controller):
    name = "pvc-protection"
    component = "pvc-protection-controller"

    def start(self) -> None:
        self.claims = self.informers.informer("persistentvolumeclaims")
        self.pods = self.informers.informer("pods")
        add_pod_pvc_indexer(self.pods)
        self.claims.add_handlers(self._claim_changed, lambda old, new: self._claim_changed(new), None)
        self.pods.add_handlers(lambda p: self._pod_changed(None, p, False),
                               lambda old, new: self._pod_changed(old, new, False),
                               lambda p: self._pod_changed(None, p, True))

    def _claim_changed(self, claim: dict) -> None:
        if needs_finalizer(claim, PVC_PROTECTION_FINALIZER) or is_deletion_candidate(claim, PVC_PROTECTION_FINALIZER):
            self.enqueue(claim_key(claim))

    def _pod_changed(self, old: dict | None, pod: dict, deleted: bool) -> None:
        self._enqueue_claims(pod, deleted)
        if old is not None and old["metadata"].get("uid") != pod["metadata"].get("uid"):
            self._enqueue_claims(old, True)

    def _enqueue_claims(self, pod: dict, deleted: bool) -> None:
        # only a pod that is gone, finished or unscheduled can unblock a claim's deletion
        if not deleted and not is_pod_terminated(pod) and (pod.get("spec") or {}).get("nodeName"):
            return
        for key in pod_pvc_keys(pod):
            claim = self.claims.get(key)
            if claim is not None and is_deletion_candidate(claim, PVC_PROTECTION_FINALIZER):
                self.enqueue(key)

    def reconcile(self, key: str) -> None:
        claim = self.claims.get(key)
        if claim is None:
            return
        if is_deletion_candidate(claim, PVC_PROTECTION_FINALIZER):
            if not self._in_use(claim):
                body = deep_copy(claim)
                body["metadata"]["finalizers"] = [f for f in body["metadata"]["finalizers"]
                                                  if f != PVC_PROTECTION_FINALIZER]
                self._update(body)
            return
        if needs_finalizer(claim, PVC_PROTECTION_FINALIZER):
            body = deep_copy(claim)
            body["metadata"]["finalizers"] = [*(body["metadata"].get("finalizers") or ()), PVC_PROTECTION_FINALIZER]
            self._update(body)

    def _update(self, body: dict) -> None:
        try:
            self.client.update("persistentvolumeclaims", body, body["metadata"].get("namespace"))
        except errors.StatusError as e:
            if e.reason != "NotFound":
                raise

    def _in_use(self, claim: dict) -> bool:
        """``isBeingUsed``: the informer's pods first, then a live list to be sure."""
        for pod in self.pods.by_index(POD_PVC_INDEX, claim_key(claim)):
            if pod_uses_claim(pod, claim):
                return True
        live = self.client.list("pods", claim["metadata"].get("namespace", ""))["items"]
        return any(pod_uses_claim(p, claim) for p in live)
