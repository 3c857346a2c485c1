"""The PV protection controller (``pkg/controller/volume/pvprotection``, Kubernetes 1.32).

Every PersistentVolume carries the ``kubernetes.io/pv-protection`` finalizer (added by the
StorageObjectInUseProtection admission plugin).  A deleted volume keeps it — and stays
``Terminating`` — while it is ``Bound`` to a claim; once it is not, the finalizer is removed and
the volume disappears.  A volume found without the finalizer gets it added.
"""
from __future__ import annotations

from ...api import errors
from ...api.meta import deep_copy
from ...client import Controller
from .persistentvolume import BOUND, PV_PROTECTION_FINALIZER
from .pvcprotection import is_deletion_candidate, needs_finalizer


class PVProtectionController(Controller):
    name = "pv-protection"
    component = "pv-protection-controller"

    def start(self) -> None:
        self.volumes = self.informers.informer("persistentvolumes")
        self.volumes.add_handlers(self._changed, lambda old, new: self._changed(new), None)

    def _changed(self, pv: dict) -> None:
        if needs_finalizer(pv, PV_PROTECTION_FINALIZER) or is_deletion_candidate(pv, PV_PROTECTION_FINALIZER):
            self.enqueue(pv["metadata"]["name"])

    def reconcile(self, name: str) -> None:
        pv = self.volumes.get(name)
        if pv is None:
            return
        if is_deletion_candidate(pv, PV_PROTECTION_FINALIZER):
            if (pv.get("status") or {}).get("phase") == BOUND:     # isBeingUsed
                return
            body = deep_copy(pv)
            body["metadata"]["finalizers"] = [f for f in body["metadata"]["finalizers"] if f != PV_PROTECTION_FINALIZER]
            self._update(body)
            return
        if needs_finalizer(pv, PV_PROTECTION_FINALIZER):
            body = deep_copy(pv)
            body["metadata"]["finalizers"] = [*(body["metadata"].get("finalizers") or ()), PV_PROTECTION_FINALIZER]
            self._update(body)

    def _update(self, body: dict) -> None:
        try:
            self.client.update("persistentvolumes", body)
        except errors.StatusError as e:
            if e.reason != "NotFound":
                raise
