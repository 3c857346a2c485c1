"""The PersistentVolume controller (``pkg/controller/volume/persistentvolume``, Kubernetes 1.32):
``persistentvolume-binder`` in kube-controller-manager, events from ``persistentvolume-controller``.

It keeps the two-way link between a claim (``spec.volumeName``) and a volume (``spec.claimRef``):

* **binding** — an unbound claim gets the *smallest* Available volume that fits it: capacity at
  least the request, the same ``storageClassName``, the same ``volumeMode``, all the requested
  ``accessModes`` (volumes with the fewest access modes are tried first) and the claim's label
  ``selector``.  A volume pre-bound to the claim (``claimRef``) wins.  The volume is written
  first (``claimRef``, ``pv.kubernetes.io/bound-by-controller``, phase ``Bound``), then the
  claim (``volumeName``, ``pv.kubernetes.io/bind-completed``, ``…/bound-by-controller``, phase
  ``Bound`` with the volume's capacity and access modes);
* **delayed binding** — a claim whose StorageClass binds ``WaitForFirstConsumer`` is left to the
  scheduler: event ``WaitForFirstConsumer`` (or ``WaitForPodScheduled`` naming the pods that
  wait for it) until the scheduler writes ``volume.kubernetes.io/selected-node``;
* **provisioning** — with no volume to bind and a class set, the claim is annotated
  ``volume.kubernetes.io/storage-provisioner`` (and the beta key) with the class's provisioner
  and event ``ExternalProvisioning`` says the controller waits for it; the provisioner creates a
  volume pre-bound to the claim, which the next sync binds.  Without a class:
  ``FailedBinding`` "no persistent volumes available for this claim and no storage class is
  set".  A claim created before any default class existed gets the default class later
  (retroactive default StorageClass assignment);
* **phases** — volumes Available → Bound → Released (claim deleted) → deleted or kept by the
  reclaim policy (``Retain``: stays Released; ``Delete``: the provisioner that made it deletes
  it; a volume nobody can delete goes Failed with ``VolumeFailedDelete``); claims Pending →
  Bound → Lost (``ClaimLost``) if their volume disappears.

Like upstream, the controller keeps its own cache of the newest volume and claim versions it has
seen or written (stale informer events are ignored) and re-syncs everything every 15 s
(``--pvclaimbinder-sync-period``); failed syncs wait for that resync rather than a rate-limited
retry.
"""
from __future__ import annotations

import re
from typing import Hashable

from ...api import errors
from ...api.meta import deep_copy
from ...api.quantity import QuantityError, quantity_from_json
from ...api.selectors import SelectorError, from_label_selector
from ...client import Controller

ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
ANN_DYNAMICALLY_PROVISIONED = "pv.kubernetes.io/provisioned-by"
ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner"
ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner"
ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node"
ANN_BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class"
ANN_DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"
ANN_BETA_DEFAULT_CLASS = "storageclass.beta.kubernetes.io/is-default-class"
PV_PROTECTION_FINALIZER = "kubernetes.io/pv-protection"
PVC_PROTECTION_FINALIZER = "kubernetes.io/pvc-protection"
POD_PVC_INDEX = "pod-pvc-index"
SYNC_PERIOD = 15.0

AVAILABLE, BOUND, RELEASED, FAILED, PENDING, LOST = "Available", "Bound", "Released", "Failed", "Pending", "Lost"


# -- helpers shared with the protection controllers ------------------------------------------------
def claim_key(obj: dict) -> str:
    md = obj["metadata"]
    return f"{md.get('namespace', '')}/{md['name']}"


def claim_class(obj: dict) -> str:
    """``GetPersistentVolumeClaimClass`` / ``GetPersistentVolumeClass``: the beta annotation wins
    over ``spec.storageClassName``."""
    ann = obj["metadata"].get("annotations") or {}
    if ANN_BETA_STORAGE_CLASS in ann:
        return ann[ANN_BETA_STORAGE_CLASS]
    return (obj.get("spec") or {}).get("storageClassName") or ""


def claim_has_class(claim: dict) -> bool:
    """``PersistentVolumeClaimHasClass``: an explicit ``""`` counts as a class."""
    if ANN_BETA_STORAGE_CLASS in (claim["metadata"].get("annotations") or {}):
        return True
    return (claim.get("spec") or {}).get("storageClassName") is not None


def is_default_class(sc: dict) -> bool:
    ann = sc["metadata"].get("annotations") or {}
    return ann.get(ANN_DEFAULT_CLASS) == "true" or ann.get(ANN_BETA_DEFAULT_CLASS) == "true"


def default_class(classes: list[dict]) -> dict | None:
    """``GetDefaultClass``: of the classes marked default, the newest (then the first by name)."""
    defaults = [sc for sc in classes if is_default_class(sc)]
    if not defaults:
        return None
    defaults.sort(key=lambda sc: sc["metadata"]["name"])
    defaults.sort(key=lambda sc: sc["metadata"].get("creationTimestamp", ""), reverse=True)
    return defaults[0]


def pod_pvc_keys(pod: dict) -> list[str]:
    """``PodPVCIndexFunc``: ``<namespace>/<claim>`` for every claim the pod refers to (a generic
    ephemeral volume's claim is ``<pod>-<volume>``)."""
    md = pod["metadata"]
    ns = md.get("namespace", "")
    keys = []
    for v in (pod.get("spec") or {}).get("volumes") or ():
        if v.get("persistentVolumeClaim"):
            keys.append(f"{ns}/{v['persistentVolumeClaim'].get('claimName', '')}")
        elif v.get("ephemeral"):
            keys.append(f"{ns}/{md['name']}-{v.get('name', '')}")
    return keys


def add_pod_pvc_indexer(pods) -> None:
    if POD_PVC_INDEX not in getattr(pods, "_indexers", {}):
        pods.add_indexer(POD_PVC_INDEX, pod_pvc_keys)


def is_pod_terminated(pod: dict) -> bool:
    """``util.IsPodTerminated``: Failed or Succeeded, or being deleted with nothing running."""
    st = pod.get("status") or {}
    if st.get("phase") in ("Failed", "Succeeded"):
        return True
    if pod["metadata"].get("deletionTimestamp"):
        return not any("running" in (cs.get("state") or {}) for cs in st.get("containerStatuses") or ())
    return False


def _storage(obj_spec_part: dict | None) -> object:
    try:
        return quantity_from_json(((obj_spec_part or {}).get("storage")) or "0")
    except (QuantityError, ValueError, TypeError):
        return quantity_from_json("0")


def claim_request(claim: dict):
    return _storage(((claim.get("spec") or {}).get("resources") or {}).get("requests"))


def volume_capacity(pv: dict):
    return _storage((pv.get("spec") or {}).get("capacity"))


def volume_mode_mismatch(claim: dict, pv: dict) -> bool:
    """``CheckVolumeModeMismatches`` (an unset mode is Filesystem)."""
    return ((claim.get("spec") or {}).get("volumeMode") or "Filesystem") != \
        ((pv.get("spec") or {}).get("volumeMode") or "Filesystem")


def access_modes_ok(claim: dict, pv: dict) -> bool:
    """``CheckAccessModes``: the volume offers every mode the claim asks for."""
    return set((claim.get("spec") or {}).get("accessModes") or ()) <= set((pv.get("spec") or {}).get("accessModes") or ())


def is_volume_bound_to_claim(pv: dict, claim: dict) -> bool:
    """``IsVolumeBoundToClaim``: name and namespace match, and the uid if the ref has one."""
    ref = (pv.get("spec") or {}).get("claimRef")
    if not ref:
        return False
    md = claim["metadata"]
    if ref.get("name") != md["name"] or ref.get("namespace", "") != md.get("namespace", ""):
        return False
    return not ref.get("uid") or ref.get("uid") == md.get("uid")


def claim_reference(claim: dict) -> dict:
    """``reference.GetReference`` for a claim."""
    md = claim["metadata"]
    return {"kind": "PersistentVolumeClaim", "namespace": md.get("namespace", ""), "name": md["name"],
            "uid": md.get("uid", ""), "apiVersion": "v1", "resourceVersion": md.get("resourceVersion", "")}


def find_matching_volume(claim: dict, volumes: list[dict], node: dict | None = None,
                         excluded: set[str] | None = None, delay_binding: bool = False) -> dict | None:
    """``FindMatchingVolume`` (the controller's path, ``node`` None): a volume pre-bound to the
    claim that is big enough, else the smallest Available, unclaimed volume of the claim's class
    whose labels match the claim's selector and whose capacity covers the request.  With
    ``delay_binding`` only pre-bound volumes are returned (the scheduler binds the rest)."""
    want = claim_request(claim)
    cls = claim_class(claim)
    sel_spec = (claim.get("spec") or {}).get("selector")
    selector = None
    if sel_spec is not None:
        try:
            selector = from_label_selector(sel_spec)
        except SelectorError:
            return None
    best, best_size = None, None
    for pv in volumes:
        name = pv["metadata"]["name"]
        if excluded and name in excluded:
            continue
        if volume_mode_mismatch(claim, pv) or pv["metadata"].get("deletionTimestamp"):
            continue
        size = volume_capacity(pv)
        if is_volume_bound_to_claim(pv, claim):
            if size < want:
                continue
            return pv
        if node is None and delay_binding:
            continue
        if (pv.get("status") or {}).get("phase") != AVAILABLE or (pv.get("spec") or {}).get("claimRef"):
            continue
        if selector is not None and not selector.matches(pv["metadata"].get("labels") or {}):
            continue
        if claim_class(pv) != cls:
            continue
        if size >= want and (best is None or best_size > size):
            best, best_size = pv, size
    return best


def _rv(obj: dict) -> int:
    try:
        return int(obj["metadata"].get("resourceVersion") or 0)
    except ValueError:
        return 0


class PersistentVolumeController(Controller):
    name = "persistentvolume-binder"
    component = "persistentvolume-controller"

    def __init__(self, client, informers, sync_period: float = SYNC_PERIOD):
        super().__init__(client, informers)
        self.sync_period = sync_period
        self.volumes: dict[str, dict] = {}     # the controller's own cache: newest seen or written
        self.claims: dict[str, dict] = {}
        self._initialized = False

    # -- wiring ------------------------------------------------------------------------------------
    def start(self) -> None:
        self.pv_informer = self.informers.informer("persistentvolumes")
        self.pvc_informer = self.informers.informer("persistentvolumeclaims")
        self.classes = self.informers.informer("storageclasses")
        self.pods = self.informers.informer("pods")
        add_pod_pvc_indexer(self.pods)
        self.pv_informer.add_handlers(lambda o: self.enqueue(("volume", o["metadata"]["name"])),
                                      lambda old, new: self.enqueue(("volume", new["metadata"]["name"])),
                                      lambda o: self.enqueue(("volume", o["metadata"]["name"])))
        self.pvc_informer.add_handlers(lambda o: self.enqueue(("claim", claim_key(o))),
                                       lambda old, new: self.enqueue(("claim", claim_key(new))),
                                       lambda o: self.enqueue(("claim", claim_key(o))))
        self.loop.call_later(self.sync_period, self._resync, background=True)

    def _resync(self) -> None:
        """``resync``: every claim and volume again, every sync period."""
        for claim in self.pvc_informer.list():
            self.enqueue(("claim", claim_key(claim)))
        for pv in self.pv_informer.list():
            self.enqueue(("volume", pv["metadata"]["name"]))
        self.loop.call_later(self.sync_period, self._resync, background=True)

    def _process(self, key: Hashable) -> None:
        # upstream's workers log a failed sync and wait for the next event or resync
        try:
            self.reconcile(key)
        except errors.StatusError as e:
            self.errors.append(f"{key}: {e.message}")

    def _initialize_caches(self) -> None:
        """``initializeCaches``: start from everything the informers listed, so that the first
        claims synced already see every volume."""
        self._initialized = True
        for pv in self.pv_informer.list():
            self._store(self.volumes, pv["metadata"]["name"], pv)
        for claim in self.pvc_informer.list():
            self._store(self.claims, claim_key(claim), claim)

    def reconcile(self, key) -> None:
        if not self._initialized:
            self._initialize_caches()
        kind, name = key
        if kind == "volume":
            pv = self.pv_informer.get(name)
            if pv is None:
                old = self.volumes.pop(name, None)
                if old is not None and (old.get("spec") or {}).get("claimRef"):
                    ref = old["spec"]["claimRef"]
                    self.enqueue(("claim", f"{ref.get('namespace', '')}/{ref.get('name', '')}"))
                return
            if self._store(self.volumes, name, pv):
                self.sync_volume(self.volumes[name])
        else:
            claim = self.pvc_informer.get(name)
            if claim is None:
                old = self.claims.pop(name, None)
                if old is not None and (old.get("spec") or {}).get("volumeName"):
                    self.enqueue(("volume", old["spec"]["volumeName"]))
                return
            if self._store(self.claims, name, claim):
                self.sync_claim(self.claims[name])

    @staticmethod
    def _store(cache: dict, key: str, obj: dict) -> bool:
        """``storeObjectUpdate``: keep the newer version; an older one is ignored."""
        old = cache.get(key)
        if old is not None and _rv(old) > _rv(obj):
            return False
        cache[key] = obj
        return True

    # -- claims -------------------------------------------------------------------------------------
    def sync_claim(self, claim: dict) -> None:
        if ANN_BIND_COMPLETED in (claim["metadata"].get("annotations") or {}):
            self._sync_bound_claim(claim)
        else:
            self._sync_unbound_claim(claim)

    def _class(self, name: str) -> dict | None:
        return self.classes.get(name) if name else None

    def _is_delay_binding(self, claim: dict) -> bool:
        sc = self._class(claim_class(claim))
        return sc is not None and sc.get("volumeBindingMode") == "WaitForFirstConsumer"

    def _find_best_match(self, claim: dict, delay_binding: bool) -> dict | None:
        """``findBestMatchForClaim``: volume groups by access modes, fewest modes first."""
        wanted = set((claim.get("spec") or {}).get("accessModes") or ())
        groups: dict[tuple, list[dict]] = {}
        for name in sorted(self.volumes):
            pv = self.volumes[name]
            modes = tuple(sorted(set((pv.get("spec") or {}).get("accessModes") or ())))
            if wanted <= set(modes):
                groups.setdefault(modes, []).append(pv)
        for modes in sorted(groups, key=lambda m: (len(m), m)):
            found = find_matching_volume(claim, groups[modes], delay_binding=delay_binding)
            if found is not None:
                return found
        return None

    def _sync_unbound_claim(self, claim: dict) -> None:
        spec = claim.get("spec") or {}
        ann = claim["metadata"].get("annotations") or {}
        if not spec.get("volumeName"):
            delay = self._is_delay_binding(claim)
            volume = self._find_best_match(claim, delay)
            if volume is not None:
                self._bind(volume, claim)
                return
            if self._assign_default_storage_class(claim):
                return
            if delay and ANN_SELECTED_NODE not in ann:
                self._emit_delay_binding_event(claim)
            elif claim_class(claim):
                self._provision_claim(claim)
                return
            else:
                self.recorder.event(claim, "Normal", "FailedBinding",
                                    "no persistent volumes available for this claim and no storage class is set")
            self._update_claim_status(claim, PENDING, None)
            return
        # the user asked for a particular volume
        volume = self.volumes.get(spec["volumeName"])
        if volume is None:
            self._update_claim_status(claim, PENDING, None)
            return
        if not (volume.get("spec") or {}).get("claimRef"):
            problem = self._check_volume_satisfies_claim(volume, claim)
            if problem:
                self.recorder.event(claim, "Warning", "VolumeMismatch",
                                    f"Cannot bind to requested volume {errors.go_quote(volume['metadata']['name'])}: "
                                    f"{problem}")
                self._update_claim_status(claim, PENDING, None)
                return
            self._bind(volume, claim)
        elif is_volume_bound_to_claim(volume, claim):
            self._bind(volume, claim)
        else:
            self.recorder.event(claim, "Warning", "FailedBinding",
                                f"volume {errors.go_quote(volume['metadata']['name'])} already bound to a different claim.")
            if ANN_BOUND_BY_CONTROLLER not in ann:
                self._update_claim_status(claim, PENDING, None)
            else:
                ref = volume["spec"]["claimRef"]
                raise errors.status("InternalError", f"invalid binding of claim {errors.go_quote(claim_key(claim))} "
                                                     f"to volume {errors.go_quote(spec['volumeName'])}: volume already "
                                                     f"claimed by {errors.go_quote(ref.get('namespace', '') + '/' + ref.get('name', ''))}")

    @staticmethod
    def _check_volume_satisfies_claim(volume: dict, claim: dict) -> str:
        """``checkVolumeSatisfyClaim``."""
        if volume["metadata"].get("deletionTimestamp"):
            return f"the volume is marked for deletion {errors.go_quote(volume['metadata']['name'])}"
        if volume_capacity(volume).value() < claim_request(claim).value():
            return "requested PV is too small"
        if claim_class(volume) != claim_class(claim):
            return "storageClassName does not match"
        if volume_mode_mismatch(claim, volume):
            return "incompatible volumeMode"
        if not access_modes_ok(claim, volume):
            return "incompatible accessMode"
        return ""

    def _sync_bound_claim(self, claim: dict) -> None:
        name = (claim.get("spec") or {}).get("volumeName")
        if not name:
            self._update_claim_status_with_event(claim, LOST, None, "Warning", "ClaimLost",
                                                 "Bound claim has lost reference to PersistentVolume. "
                                                 "Data on the volume is lost!")
            return
        volume = self.volumes.get(name)
        if volume is None:
            self._update_claim_status_with_event(claim, LOST, None, "Warning", "ClaimLost",
                                                 "Bound claim has lost its PersistentVolume. Data on the volume is lost!")
            return
        ref = (volume.get("spec") or {}).get("claimRef")
        if ref is None or ref.get("uid") == claim["metadata"].get("uid"):
            self._bind(volume, claim)
        else:
            self._update_claim_status_with_event(claim, LOST, None, "Warning", "ClaimMisbound",
                                                 "Two claims are bound to the same volume, this one is bound incorrectly")

    def _emit_delay_binding_event(self, claim: dict) -> None:
        """``emitEventForUnboundDelayBindingClaim``."""
        waiting = [p["metadata"]["name"] for p in self.pods.by_index(POD_PVC_INDEX, claim_key(claim))
                   if not is_pod_terminated(p) and not (p.get("spec") or {}).get("nodeName")]
        if not waiting:
            self.recorder.event(claim, "Normal", "WaitForFirstConsumer",
                                "waiting for first consumer to be created before binding")
        elif len(waiting) == 1:
            self.recorder.event(claim, "Normal", "WaitForPodScheduled", f"waiting for pod {waiting[0]} to be scheduled")
        else:
            self.recorder.event(claim, "Normal", "WaitForPodScheduled",
                                f"waiting for pods {','.join(waiting)} to be scheduled")

    def _assign_default_storage_class(self, claim: dict) -> bool:
        """Retroactive default StorageClass assignment (GA in 1.28)."""
        if claim_has_class(claim):
            return False
        sc = default_class(self.classes.list())
        if sc is None:
            return False
        body = deep_copy(claim)
        body["spec"]["storageClassName"] = sc["metadata"]["name"]
        self.client.update("persistentvolumeclaims", body, body["metadata"].get("namespace"))
        return True

    def _provision_claim(self, claim: dict) -> None:
        """``provisionClaim``: this simulation has no in-tree provisioners, so every provisioner is
        external — annotate the claim for it and say so (``provisionClaimOperationExternal``)."""
        cls = claim_class(claim)
        sc = self._class(cls)
        if sc is None:
            self.recorder.event(claim, "Warning", "ProvisioningFailed",
                                f'storageclass.storage.k8s.io "{cls}" not found')
            return
        provisioner = sc.get("provisioner", "")
        if provisioner.startswith("kubernetes.io/"):
            self.recorder.event(claim, "Warning", "ProvisioningFailed", f"no volume plugin matched name: {provisioner}")
            return
        ann = claim["metadata"].get("annotations") or {}
        if ann.get(ANN_STORAGE_PROVISIONER) != provisioner:
            body = deep_copy(claim)
            anns = body["metadata"].setdefault("annotations", {})
            anns[ANN_BETA_STORAGE_PROVISIONER] = provisioner
            anns[ANN_STORAGE_PROVISIONER] = provisioner
            try:
                claim = self.client.update("persistentvolumeclaims", body, body["metadata"].get("namespace"))
            except errors.StatusError as e:
                self.recorder.event(claim, "Warning", "ProvisioningFailed", f"Error saving claim: {e.message}")
                raise
            self._store(self.claims, claim_key(claim), claim)
        self.recorder.event(claim, "Normal", "ExternalProvisioning",
                            f"Waiting for a volume to be created either by the external provisioner '{provisioner}' "
                            "or manually by the system administrator. If volume creation is delayed, please verify "
                            "that the provisioner is running and correctly registered.")

    # -- binding ------------------------------------------------------------------------------------
    def _bind(self, volume: dict, claim: dict) -> None:
        """``bind``: volume spec, volume phase, claim spec, claim status — in that order."""
        volume = self._bind_volume_to_claim(volume, claim)
        volume = self._update_volume_phase(volume, BOUND, "")
        claim = self._bind_claim_to_volume(claim, volume)
        self._update_claim_status(claim, BOUND, volume)

    def _bind_volume_to_claim(self, volume: dict, claim: dict) -> dict:
        """``GetBindVolumeToClaim`` + update."""
        set_by_controller = not is_volume_bound_to_claim(volume, claim)
        body = deep_copy(volume)
        dirty = False
        ref = (volume.get("spec") or {}).get("claimRef") or {}
        md = claim["metadata"]
        if not ref or (ref.get("name"), ref.get("namespace", ""), ref.get("uid", "")) != \
                (md["name"], md.get("namespace", ""), md.get("uid", "")):
            body["spec"]["claimRef"] = claim_reference(claim)
            dirty = True
        anns = body["metadata"].get("annotations") or {}
        if set_by_controller and ANN_BOUND_BY_CONTROLLER not in anns:
            body["metadata"].setdefault("annotations", {})[ANN_BOUND_BY_CONTROLLER] = "yes"
            dirty = True
        if not dirty:
            return volume
        new = self.client.update("persistentvolumes", body)
        self._store(self.volumes, new["metadata"]["name"], new)
        return new

    def _bind_claim_to_volume(self, claim: dict, volume: dict) -> dict:
        body = deep_copy(claim)
        dirty = False
        anns = body["metadata"].get("annotations") or {}
        if (claim.get("spec") or {}).get("volumeName") != volume["metadata"]["name"]:
            body.setdefault("spec", {})["volumeName"] = volume["metadata"]["name"]
            if ANN_BOUND_BY_CONTROLLER not in anns:
                body["metadata"].setdefault("annotations", {})[ANN_BOUND_BY_CONTROLLER] = "yes"
            dirty = True
        if ANN_BIND_COMPLETED not in anns:
            body["metadata"].setdefault("annotations", {})[ANN_BIND_COMPLETED] = "yes"
            dirty = True
        if not dirty:
            return claim
        new = self.client.update("persistentvolumeclaims", body, body["metadata"].get("namespace"))
        self._store(self.claims, claim_key(new), new)
        return new

    def _update_claim_status(self, claim: dict, phase: str, volume: dict | None) -> dict:
        """``updateClaimStatus``: phase, plus the volume's access modes and (when becoming Bound)
        its capacity; both cleared without a volume."""
        st = claim.get("status") or {}
        new_st = dict(st)
        dirty = False
        if st.get("phase") != phase:
            new_st["phase"] = phase
            dirty = True
        if volume is None:
            for f in ("accessModes", "capacity"):
                if f in new_st:
                    del new_st[f]
                    dirty = True
        else:
            modes = (volume.get("spec") or {}).get("accessModes")
            if st.get("accessModes") != modes:
                new_st["accessModes"] = list(modes or ())
                dirty = True
            if st.get("phase") != phase:
                cap = (volume.get("spec") or {}).get("capacity") or {}
                if "storage" not in cap:
                    raise errors.status("InternalError", f"PersistentVolume {errors.go_quote(volume['metadata']['name'])} "
                                                         "is without a storage capacity")
                have = (st.get("capacity") or {}).get("storage")
                if have is None or quantity_from_json(have) != quantity_from_json(cap["storage"]):
                    new_st["capacity"] = dict(cap)
                    dirty = True
        if not dirty:
            return claim
        body = deep_copy(claim)
        body["status"] = new_st
        new = self.client.update_status("persistentvolumeclaims", body, body["metadata"].get("namespace"))
        self._store(self.claims, claim_key(new), new)
        return new

    def _update_claim_status_with_event(self, claim: dict, phase: str, volume: dict | None, type_: str,
                                        reason: str, message: str) -> None:
        if (claim.get("status") or {}).get("phase") == phase:
            return
        new = self._update_claim_status(claim, phase, volume)
        self.recorder.event(new, type_, reason, message)

    # -- volumes ------------------------------------------------------------------------------------
    def sync_volume(self, volume: dict) -> None:
        spec = volume.get("spec") or {}
        ref = spec.get("claimRef")
        if ref is None or not ref.get("uid"):
            # unused, or reserved for a claim that has not been bound yet
            self._update_volume_phase(volume, AVAILABLE, "")
            return
        phase = (volume.get("status") or {}).get("phase")
        key = f"{ref.get('namespace', '')}/{ref.get('name', '')}"
        claim = self.claims.get(key)
        if claim is None and phase not in (RELEASED, FAILED):
            claim = self.pvc_informer.get(key) or self._get_claim(ref)
        if claim is not None and claim["metadata"].get("uid") != ref.get("uid"):
            # the claim may have been deleted and made again: ask the API server
            fresh = self._get_claim(ref)
            claim = fresh if fresh is not None and fresh["metadata"].get("uid") == ref.get("uid") else None
        if claim is None:
            if phase not in (RELEASED, FAILED):
                volume = self._update_volume_phase(volume, RELEASED, "")
            self._reclaim_volume(volume)
            return
        cspec = claim.get("spec") or {}
        if not cspec.get("volumeName"):
            if volume_mode_mismatch(claim, volume):
                self.recorder.event(volume, "Warning", "VolumeMismatch",
                                    f"Cannot bind PersistentVolume to requested PersistentVolumeClaim "
                                    f"{errors.go_quote(claim['metadata']['name'])} due to incompatible volumeMode.")
                self.recorder.event(claim, "Warning", "VolumeMismatch",
                                    f"Cannot bind PersistentVolume {errors.go_quote(volume['metadata']['name'])} to "
                                    "requested PersistentVolumeClaim due to incompatible volumeMode.")
                return
            # bound (or pre-bound) to a claim that is still Pending: the claim's sync binds it
            self.enqueue(("claim", key))
            return
        if cspec["volumeName"] == volume["metadata"]["name"]:
            self._update_volume_phase(volume, BOUND, "")
            return
        anns = volume["metadata"].get("annotations") or {}
        if ANN_DYNAMICALLY_PROVISIONED in anns and spec.get("persistentVolumeReclaimPolicy") == "Delete":
            # provisioned for this claim, which got bound to another volume: not needed any more
            if phase not in (RELEASED, FAILED):
                volume = self._update_volume_phase(volume, RELEASED, "")
            self._reclaim_volume(volume)
            return
        self._unbind_volume(volume)

    def _get_claim(self, ref: dict) -> dict | None:
        try:
            return self.client.get("persistentvolumeclaims", ref.get("name", ""), ref.get("namespace", ""))
        except errors.StatusError as e:
            if e.reason == "NotFound":
                return None
            raise

    def _update_volume_phase(self, volume: dict, phase: str, message: str) -> dict:
        if (volume.get("status") or {}).get("phase") == phase:
            return volume
        body = deep_copy(volume)
        st = body.setdefault("status", {})
        st["phase"] = phase
        if message:
            st["message"] = message
        else:
            st.pop("message", None)
        new = self.client.update_status("persistentvolumes", body)
        self._store(self.volumes, new["metadata"]["name"], new)
        return new

    def _update_volume_phase_with_event(self, volume: dict, phase: str, type_: str, reason: str, message: str) -> dict:
        if (volume.get("status") or {}).get("phase") == phase:
            return volume
        new = self._update_volume_phase(volume, phase, message)
        self.recorder.event(new, type_, reason, message)
        return new

    def _unbind_volume(self, volume: dict) -> None:
        """``unbindVolume``: undo a binding the controller made (or just the uid of a user's)."""
        body = deep_copy(volume)
        anns = body["metadata"].get("annotations") or {}
        if ANN_BOUND_BY_CONTROLLER in anns:
            body["spec"].pop("claimRef", None)
            del anns[ANN_BOUND_BY_CONTROLLER]
            if not anns:
                body["metadata"].pop("annotations", None)
        else:
            body["spec"]["claimRef"] = {k: v for k, v in body["spec"]["claimRef"].items() if k != "uid"}
        new = self.client.update("persistentvolumes", body)
        self._store(self.volumes, new["metadata"]["name"], new)
        self._update_volume_phase(new, AVAILABLE, "")

    def _is_volume_released(self, volume: dict) -> bool:
        """``isVolumeReleased``: its claim is gone (or bound to another volume)."""
        ref = (volume.get("spec") or {}).get("claimRef")
        if not ref or not ref.get("uid"):
            return False
        claim = self.claims.get(f"{ref.get('namespace', '')}/{ref.get('name', '')}")
        if claim is not None and claim["metadata"].get("uid") == ref.get("uid"):
            other = (claim.get("spec") or {}).get("volumeName")
            return bool(other) and other != volume["metadata"]["name"]
        return True

    def _reclaim_volume(self, volume: dict) -> None:
        """``reclaimVolume``: Retain keeps the volume Released; Delete deletes it (or leaves that to
        the external provisioner that made it)."""
        policy = (volume.get("spec") or {}).get("persistentVolumeReclaimPolicy")
        if policy == "Retain":
            return
        if policy == "Recycle":
            self._update_volume_phase_with_event(volume, FAILED, "Warning", "VolumeFailedRecycle",
                                                 "No recycler plugin found for the volume!")
            return
        if policy != "Delete":
            self._update_volume_phase_with_event(volume, FAILED, "Warning", "VolumeUnknownReclaimPolicy",
                                                 "Volume has unrecognized PersistentVolumeReclaimPolicy")
            return
        self._delete_volume_operation(volume)

    def _delete_volume_operation(self, volume: dict) -> None:
        try:
            fresh = self.client.get("persistentvolumes", volume["metadata"]["name"])
        except errors.StatusError:
            return
        if not self._is_volume_released(fresh):
            return
        problem = self._delete_with_plugin(fresh)
        if problem is None:
            return      # an external provisioner deletes it
        if problem:
            self._update_volume_phase_with_event(fresh, FAILED, "Warning", "VolumeFailedDelete", problem)
            return
        try:
            self.client.delete("persistentvolumes", fresh["metadata"]["name"])
        except errors.StatusError:
            pass

    @staticmethod
    def _delete_with_plugin(volume: dict) -> str | None:
        """``doDeleteVolume``: None when an external deleter is in charge, "" when the in-tree
        plugin deleted the volume, otherwise the plugin's error.  Of the in-tree plugins only
        hostPath deletes (directories under ``/tmp`` only, on the controller manager's host)."""
        name = volume["metadata"]["name"]
        provisioner = (volume["metadata"].get("annotations") or {}).get(ANN_DYNAMICALLY_PROVISIONED, "")
        spec = volume.get("spec") or {}
        if provisioner:
            if not provisioner.startswith("kubernetes.io/"):
                return None
            if provisioner != "kubernetes.io/host-path":
                return f"no volume plugin matched name: {provisioner}"
        if spec.get("csi") is not None:
            return None
        if spec.get("hostPath") is not None:
            path = spec["hostPath"].get("path", "")
            if not re.search("/tmp/.+", path):      # upstream's pattern is not anchored
                return f"host_path deleter only supports /tmp/.+ but received provided {path}"
            return ""
        return f"error getting deleter volume plugin for volume {errors.go_quote(name)}: no deletable volume plugin matched"
