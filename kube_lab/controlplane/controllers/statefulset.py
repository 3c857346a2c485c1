"""The StatefulSet controller (``pkg/controller/statefulset``, Kubernetes 1.32).

A StatefulSet's pods have stable identities: ``<set>-<ordinal>`` names, the labels
``statefulset.kubernetes.io/pod-name`` and ``apps.kubernetes.io/pod-index``, ``hostname`` = the pod
name and ``subdomain`` = ``spec.serviceName`` (so the governing headless Service gives each pod a DNS
name), and one PersistentVolumeClaim per ``volumeClaimTemplates`` entry, ``<claim>-<set>-<ordinal>``,
created before the pod and kept when the pod goes — a re-created ``web-1`` mounts ``www-web-1``
again.

Each sync (``UpdateStatefulSet``):

1. history: the pod template is snapshotted in ControllerRevisions (see :mod:`.controllerrevision`);
   ``status.currentRevision`` is what the running pods were made from, ``updateRevision`` the
   template now asked for; pods carry ``controller-revision-hash: <revision name>``;
2. pods are sorted into ``replicas`` (ordinals 0 … replicas−1, missing ones to be created) and
   ``condemned`` (higher ordinals).  With ``podManagementPolicy: OrderedReady`` (monotonic) the
   controller walks the ordinals upwards and stops at the first pod that is not yet created,
   terminating, or not Running+Ready (and available after ``minReadySeconds``): ``web-1`` is only
   created once ``web-0`` is ready; scale-down deletes the highest ordinal first, one at a time.
   ``Parallel`` creates and deletes in slow-start batches without waiting;
3. failed (or succeeded) pods are deleted and re-created; a pod being deleted is never replaced
   until it is really gone — a pod on an unreachable node stays Terminating, and so does its slot;
4. ``updateStrategy: RollingUpdate`` replaces pods whose revision is not the update revision from
   the highest ordinal down to ``partition``, one at a time, waiting for each to be available
   (``maxUnavailable`` is behind the alpha ``MaxUnavailableStatefulSet`` gate, off in 1.32, so it
   is always 1); ``OnDelete`` only gives the new template to pods the user deletes;
5. ``persistentVolumeClaimRetentionPolicy`` (``whenDeleted`` / ``whenScaled``: Retain or Delete) is
   enforced with owner references on the claims — the set's for ``whenDeleted: Delete``, the
   condemned pod's for ``whenScaled: Delete`` — and the garbage collector does the deleting;
6. status: replicas, readyReplicas, currentReplicas, updatedReplicas, availableReplicas,
   currentRevision, updateRevision, collisionCount, observedGeneration; old revisions beyond
   ``revisionHistoryLimit`` that no pod uses are deleted.

Events (``statefulset-controller``): ``SuccessfulCreate`` "create Pod web-0 in StatefulSet web
successful", "create Claim www-web-0 Pod web-0 in StatefulSet web success", ``SuccessfulDelete``
"delete Pod web-2 in StatefulSet web successful", and the ``Failed…`` variants.
"""
from __future__ import annotations

import re

from ...api import errors
from ...api.meta import controller_ref, deep_copy, new_controller_ref
from ...client import Controller
from . import controller_utils as cu
from . import controllerrevision as history

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"     # apps.StatefulSetPodNameLabel
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"          # apps.PodIndexLabel (GA in 1.32)
REVISION_LABEL = "controller-revision-hash"               # apps.StatefulSetRevisionLabel
_POD_RE = re.compile(r"^(.*)-([0-9]+)$")
_STATUS_ORDER = ("observedGeneration", "replicas", "readyReplicas", "currentReplicas", "updatedReplicas",
                 "currentRevision", "updateRevision", "collisionCount", "conditions", "availableReplicas")


# ---------------------------------------------------------------------------------------------
# stateful_set_utils.go
def parent_and_ordinal(pod: dict) -> tuple[str, int]:
    m = _POD_RE.match(pod["metadata"]["name"])
    if m is None:
        return "", -1
    ordinal = int(m.group(2))
    if ordinal >= 1 << 31:
        return m.group(1), -1
    return m.group(1), ordinal


def ordinal_of(pod: dict) -> int:
    return parent_and_ordinal(pod)[1]


def start_ordinal(sts: dict) -> int:
    ordinals = (sts.get("spec") or {}).get("ordinals")
    return int((ordinals or {}).get("start") or 0)


def end_ordinal(sts: dict) -> int:
    return start_ordinal(sts) + int((sts.get("spec") or {}).get("replicas", 1)) - 1


def in_ordinal_range(pod: dict, sts: dict) -> bool:
    return start_ordinal(sts) <= ordinal_of(pod) <= end_ordinal(sts)


def is_member_of(sts: dict, pod: dict) -> bool:
    return parent_and_ordinal(pod)[0] == sts["metadata"]["name"]


def claim_name(sts: dict, template: dict, ordinal: int) -> str:
    return f"{template['metadata']['name']}-{sts['metadata']['name']}-{ordinal}"


def pod_revision(pod: dict) -> str:
    return (pod["metadata"].get("labels") or {}).get(REVISION_LABEL, "")


def phase(pod: dict) -> str:
    return (pod.get("status") or {}).get("phase") or ""


def is_created(pod: dict) -> bool:
    return phase(pod) != ""


def is_terminating(pod: dict) -> bool:
    return bool(pod["metadata"].get("deletionTimestamp"))


def is_running_and_ready(pod: dict) -> bool:
    return phase(pod) == "Running" and cu.is_pod_ready(pod)


def identity_matches(sts: dict, pod: dict) -> bool:
    parent, ordinal = parent_and_ordinal(pod)
    md = pod["metadata"]
    return (ordinal >= 0 and parent == sts["metadata"]["name"]
            and md["name"] == f"{sts['metadata']['name']}-{ordinal}"
            and md.get("namespace") == sts["metadata"].get("namespace")
            and (md.get("labels") or {}).get(POD_NAME_LABEL) == md["name"])


def storage_matches(sts: dict, pod: dict) -> bool:
    ordinal = ordinal_of(pod)
    if ordinal < 0:
        return False
    volumes = {v.get("name"): v for v in (pod.get("spec") or {}).get("volumes") or ()}
    for template in (sts.get("spec") or {}).get("volumeClaimTemplates") or ():
        v = volumes.get(template["metadata"]["name"])
        if v is None or (v.get("persistentVolumeClaim") or {}).get("claimName") != claim_name(sts, template, ordinal):
            return False
    return True


def persistent_volume_claims(sts: dict, ordinal: int) -> list[dict]:
    """``getPersistentVolumeClaims``: the claims for one ordinal, in template order, labelled with
    the template's labels and the set's ``matchLabels``."""
    out = []
    match = ((sts.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    for template in (sts.get("spec") or {}).get("volumeClaimTemplates") or ():
        tmd = template.get("metadata") or {}
        md = {"name": claim_name(sts, template, ordinal), "namespace": sts["metadata"].get("namespace", "")}
        labels = dict(tmd.get("labels") or {})
        labels.update(match)
        if labels:
            md["labels"] = labels
        if tmd.get("annotations"):
            md["annotations"] = dict(tmd["annotations"])
        out.append({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": md,
                    "spec": deep_copy(template.get("spec") or {}), "_template": tmd["name"]})
    return out


def update_storage(sts: dict, pod: dict) -> None:
    """``updateStorage``: a ``persistentVolumeClaim`` volume per claim template, then the pod's
    other volumes."""
    claims = persistent_volume_claims(sts, ordinal_of(pod))
    names = {c["_template"] for c in claims}
    volumes = [{"name": c["_template"], "persistentVolumeClaim": {"claimName": c["metadata"]["name"]}}
               for c in claims]
    volumes += [v for v in pod["spec"].get("volumes") or () if v.get("name") not in names]
    if volumes:
        pod["spec"]["volumes"] = volumes


def update_identity(sts: dict, pod: dict) -> None:
    ordinal = ordinal_of(pod)
    md = pod["metadata"]
    md["name"] = f"{sts['metadata']['name']}-{ordinal}"
    md["namespace"] = sts["metadata"].get("namespace", "")
    labels = md.setdefault("labels", {})
    labels[POD_NAME_LABEL] = md["name"]
    labels[POD_INDEX_LABEL] = str(ordinal)


def new_stateful_set_pod(sts: dict, ordinal: int) -> dict:
    """``newStatefulSetPod``: the template, our controller reference, identity and storage."""
    pod = cu.get_pod_from_template((sts.get("spec") or {}).get("template") or {}, sts, new_controller_ref(sts))
    pod["metadata"]["name"] = f"{sts['metadata']['name']}-{ordinal}"
    update_identity(sts, pod)
    pod["spec"]["hostname"] = pod["metadata"]["name"]
    service = (sts.get("spec") or {}).get("serviceName") or ""
    if service:
        pod["spec"]["subdomain"] = service
    update_storage(sts, pod)
    return pod


def apply_revision(sts: dict, revision: dict) -> dict:
    """``ApplyRevision`` for the template-only patches this controller writes."""
    return {**sts, "spec": {**(sts.get("spec") or {}), "template": history.patch_template(revision.get("data"))}}


def new_versioned_pod(current_set: dict, update_set: dict, current_rev: str, update_rev: str, ordinal: int) -> dict:
    """``newVersionedStatefulSetPod``: ordinals below the partition (or, without a rollingUpdate
    block, below ``status.currentReplicas``) keep the current revision.  The condition is
    written with upstream's operator precedence."""
    spec = current_set.get("spec") or {}
    strategy = spec.get("updateStrategy") or {}
    rolling = strategy.get("rollingUpdate")
    start = start_ordinal(current_set)
    current_replicas = (current_set.get("status") or {}).get("currentReplicas", 0)
    if ((strategy.get("type") == "RollingUpdate" and rolling is None and ordinal < start + current_replicas)
            or (rolling is not None and ordinal < start + int(rolling.get("partition") or 0))):
        pod = new_stateful_set_pod(current_set, ordinal)
        pod["metadata"]["labels"][REVISION_LABEL] = current_rev
        return pod
    pod = new_stateful_set_pod(update_set, ordinal)
    pod["metadata"]["labels"][REVISION_LABEL] = update_rev
    return pod


# ---------------------------------------------------------------------------------------------
# PVC retention policy owner references
def retention_policy(sts: dict) -> tuple[str, str]:
    p = (sts.get("spec") or {}).get("persistentVolumeClaimRetentionPolicy") or {}
    return p.get("whenDeleted") or "Retain", p.get("whenScaled") or "Retain"


def _matches_ref(ref: dict, obj_name: str, api_version: str, kind: str) -> bool:
    return ref.get("apiVersion") == api_version and ref.get("kind") == kind and ref.get("name") == obj_name


def _refs(claim: dict) -> list[dict]:
    return claim["metadata"].get("ownerReferences") or []


def _has_owner_ref(claim: dict, uid: str) -> bool:
    return any(r.get("uid") == uid for r in _refs(claim))


def _has_stale_owner_ref(claim: dict, name: str, uid: str, api_version: str, kind: str) -> bool:
    for r in _refs(claim):
        if _matches_ref(r, name, api_version, kind):
            return r.get("uid") != uid
    return False


def _has_unexpected_controller(claim: dict, sts: dict, pod: dict) -> bool:
    if retention_policy(sts) == ("Retain", "Retain"):
        return False
    for r in _refs(claim):
        if _matches_ref(r, sts["metadata"]["name"], "apps/v1", "StatefulSet"):
            if r.get("uid") != sts["metadata"]["uid"]:
                return True
            continue
        if _matches_ref(r, pod["metadata"]["name"], "v1", "Pod"):
            if r.get("uid") != pod["metadata"].get("uid", ""):
                return True
            continue
        if r.get("controller"):
            return True
    return False


def _has_non_controller_owner(claim: dict, sts: dict, pod: dict) -> bool:
    uids = {sts["metadata"]["uid"], pod["metadata"].get("uid", "")}
    return any(r.get("uid") in uids and not r.get("controller") for r in _refs(claim))


def claim_owner_up_to_date(claim: dict, sts: dict, pod: dict) -> bool:
    """``isClaimOwnerUpToDate``."""
    smd, pmd = sts["metadata"], pod["metadata"]
    if _has_stale_owner_ref(claim, smd["name"], smd["uid"], "apps/v1", "StatefulSet") or \
            _has_stale_owner_ref(claim, pmd["name"], pmd.get("uid", ""), "v1", "Pod"):
        return True
    set_ref, pod_ref = _has_owner_ref(claim, smd["uid"]), _has_owner_ref(claim, pmd.get("uid", ""))
    if _has_unexpected_controller(claim, sts, pod):
        return not (set_ref or pod_ref)
    if _has_non_controller_owner(claim, sts, pod):
        return False
    when_deleted, when_scaled = retention_policy(sts)
    scaled_down = not in_ordinal_range(pod, sts)
    if when_scaled == "Delete" and when_deleted == "Delete":
        return scaled_down != set_ref and scaled_down == pod_ref
    if when_scaled == "Delete":
        return not set_ref and scaled_down == pod_ref
    if when_deleted == "Delete":
        return set_ref and not pod_ref
    return not set_ref and not pod_ref


def update_claim_owner_refs(claim: dict, sts: dict, pod: dict) -> None:
    """``updateClaimOwnerRefForSetAndPod`` (changes ``claim``)."""
    unexpected = _has_unexpected_controller(claim, sts, pod)
    smd, pmd = sts["metadata"], pod["metadata"]
    refs = [r for r in _refs(claim) if not (_matches_ref(r, smd["name"], "apps/v1", "StatefulSet")
                                            or _matches_ref(r, pmd["name"], "v1", "Pod"))]
    if not unexpected:
        when_deleted, when_scaled = retention_policy(sts)
        scaled_down = not in_ordinal_range(pod, sts)

        def add(owner: dict, api_version: str, kind: str) -> None:
            if not any(r.get("uid") == owner["metadata"].get("uid") for r in refs):
                refs.append({"apiVersion": api_version, "kind": kind, "name": owner["metadata"]["name"],
                             "uid": owner["metadata"].get("uid", ""), "controller": True,
                             "blockOwnerDeletion": True})
        if when_scaled == "Delete" and scaled_down:
            add(pod, "v1", "Pod")
        if when_deleted == "Delete" and (when_scaled != "Delete" or not scaled_down):
            add(sts, "apps/v1", "StatefulSet")
    if refs:
        claim["metadata"]["ownerReferences"] = refs
    else:
        claim["metadata"].pop("ownerReferences", None)


# ---------------------------------------------------------------------------------------------
class StatefulSetController(Controller):
    """``StatefulSetController`` with its ``defaultStatefulSetControl`` and ``StatefulPodControl``."""

    name = "statefulset"
    component = "statefulset-controller"

    def __init__(self, client, informers):
        super().__init__(client, informers)
        self.apiserver = client.apiserver

    def _now(self) -> float:
        return self.apiserver.epoch + self.loop.now

    # -------------------------------------------------------------------------------------
    # wiring
    def start(self) -> None:
        self.sets = self.informers.informer("statefulsets")
        cu.ensure_index(self.sets, cu.INDEX_NAMESPACE, cu.namespace_index)
        self.pods = self.informers.informer("pods")
        cu.ensure_index(self.pods, cu.INDEX_CONTROLLER, cu.pod_controller_index)
        cu.ensure_index(self.pods, cu.INDEX_NAMESPACE, cu.namespace_index)
        self.revisions = self.informers.informer("controllerrevisions")
        cu.ensure_index(self.revisions, cu.INDEX_NAMESPACE, cu.namespace_index)
        self.claims = self.informers.informer("persistentvolumeclaims")
        self.history = history.History(self.client, self.revisions)
        self.sets.add_handlers(self._enqueue_set, lambda old, cur: self._enqueue_set(cur), self._enqueue_set)
        self.pods.add_handlers(self._add_pod, self._update_pod, self._delete_pod)

    @staticmethod
    def key(obj: dict) -> str:
        md = obj["metadata"]
        return f"{md.get('namespace', '')}/{md['name']}"

    def _enqueue_set(self, sts: dict) -> None:
        self.enqueue(self.key(sts))

    def _resolve(self, namespace: str, ref: dict) -> dict | None:
        return cu.resolve_controller_ref(self.sets, "StatefulSet", namespace, ref)

    def _sets_for_pod(self, pod: dict) -> list[dict]:
        return cu.owners_selecting(self.sets, pod)

    def _add_pod(self, pod: dict) -> None:
        if pod["metadata"].get("deletionTimestamp"):
            self._delete_pod(pod)
            return
        ref = controller_ref(pod)
        if ref is not None:
            sts = self._resolve(pod["metadata"].get("namespace", ""), ref)
            if sts is not None:
                self._enqueue_set(sts)
            return
        for sts in self._sets_for_pod(pod):
            self._enqueue_set(sts)

    def _update_pod(self, old: dict, cur: dict) -> None:
        if old["metadata"].get("resourceVersion") == cur["metadata"].get("resourceVersion"):
            return
        cur_ref, old_ref = controller_ref(cur), controller_ref(old)
        ns = cur["metadata"].get("namespace", "")
        if cur_ref != old_ref and old_ref is not None:
            sts = self._resolve(ns, old_ref)
            if sts is not None:
                self._enqueue_set(sts)
        if cur_ref is not None:
            sts = self._resolve(ns, cur_ref)
            if sts is None:
                return
            self._enqueue_set(sts)
            min_ready = (sts.get("spec") or {}).get("minReadySeconds") or 0
            if not cu.is_pod_ready(old) and cu.is_pod_ready(cur) and min_ready > 0:
                self.queue.add_after(self.key(sts), min_ready + 0.001)
            return
        if cur_ref != old_ref or (old["metadata"].get("labels") or {}) != (cur["metadata"].get("labels") or {}):
            for sts in self._sets_for_pod(cur):
                self._enqueue_set(sts)

    def _delete_pod(self, pod: dict) -> None:
        ref = controller_ref(pod)
        if ref is None:
            return
        sts = self._resolve(pod["metadata"].get("namespace", ""), ref)
        if sts is not None:
            self._enqueue_set(sts)

    # -------------------------------------------------------------------------------------
    # sync
    def reconcile(self, key: str) -> None:
        sts = self.sets.get(key)
        if sts is None:
            return
        selector = cu.label_selector((sts.get("spec") or {}).get("selector"))
        if selector is None:
            return       # a non-transient error: not retried
        self._adopt_orphan_revisions(sts, selector)
        pods = self._pods_for_set(sts, selector)
        status = self._update_stateful_set(sts, selector, pods)
        replicas = (sts.get("spec") or {}).get("replicas", 1)
        min_ready = (sts.get("spec") or {}).get("minReadySeconds") or 0
        if min_ready > 0 and status is not None and status.get("availableReplicas", 0) != replicas:
            self.queue.add_after(key, min_ready + 0.001)

    def _adopt_orphan_revisions(self, sts: dict, selector) -> None:
        orphans = [r for r in self.history.list(sts, selector) if controller_ref(r) is None]
        if not orphans:
            return
        cu.recheck_deletion(self.client, "statefulsets", sts)
        for r in orphans:
            self.history.adopt(sts, r)

    def _pods_for_set(self, sts: dict, selector) -> list[dict]:
        """``getPodsForStatefulSet``: ``ClaimPods`` with the ``isMemberOf`` filter (pods named
        after another set are released or ignored)."""
        md = sts["metadata"]
        ns = md.get("namespace", "")
        owned = self.pods.by_index(cu.INDEX_CONTROLLER, md["uid"])
        orphans = [p for p in self.pods.by_index(cu.INDEX_CONTROLLER, "orphan/" + ns) if is_member_of(sts, p)]
        release = lambda pod: self.client.patch(  # noqa: E731
            "pods", pod["metadata"]["name"], cu.delete_owner_ref_patch(pod["metadata"]["uid"], md["uid"]),
            namespace=ns)
        candidates = []
        for pod in owned:
            if is_member_of(sts, pod):
                candidates.append(pod)
            elif not md.get("deletionTimestamp"):
                try:
                    release(pod)
                except errors.StatusError as e:
                    if e.reason not in ("NotFound", "Invalid"):
                        raise
        if orphans:
            candidates = sorted(candidates + orphans, key=lambda p: p["metadata"]["name"])
        pods, errs = cu.claim_objects(
            sts, selector, candidates,
            adopt=lambda pod: self.client.patch(
                "pods", pod["metadata"]["name"], cu.owner_ref_patch(sts, "apps/v1", "StatefulSet",
                                                                     pod["metadata"]["uid"]), namespace=ns),
            release=release, can_adopt=lambda: cu.recheck_deletion(self.client, "statefulsets", sts))
        if errs:
            raise errs[0]
        return pods

    # -------------------------------------------------------------------------------------
    # UpdateStatefulSet
    def _update_stateful_set(self, sts: dict, selector, pods: list[dict]) -> dict | None:
        revisions = history.sort_controller_revisions(self.history.list(sts, selector))
        current, update, collision = self._revisions(sts, revisions)
        error = None
        try:
            status = self._update_pods(sts, current, update, collision, pods)
        except _SyncError as e:
            status, error = e.status, e.error
        status_error = None
        try:
            self._update_status(sts, status)
        except errors.StatusError as e:
            status_error = e
        self._truncate_history(sts, pods, revisions, current, update)
        if error is not None:
            raise error
        if status_error is not None:
            raise status_error
        return status

    def _revisions(self, sts: dict, revisions: list[dict]) -> tuple[dict, dict, int]:
        """``getStatefulSetRevisions``: the current and update revisions (creating or renumbering
        the update revision as needed) and the collision count."""
        collision = (sts.get("status") or {}).get("collisionCount") or 0
        next_number = history.revision_of(revisions[-1]) + 1 if revisions else 1
        data = history.template_patch(sts)
        labels = (((sts.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels")
        candidate = history.new_controller_revision(sts, labels, data, next_number, collision)
        candidate["metadata"]["annotations"] = dict(sts["metadata"].get("annotations") or {})
        if not candidate["metadata"]["annotations"]:
            del candidate["metadata"]["annotations"]
        equal = history.find_equal_revisions(revisions, candidate)
        if equal and history.equal_revision(revisions[-1], equal[-1]):
            update = revisions[-1]
        elif equal:
            update = self.history.update_revision(equal[-1], next_number)
        else:
            update, collision = self.history.create(sts, candidate, collision)
        current_name = (sts.get("status") or {}).get("currentRevision")
        current = next((r for r in revisions if r["metadata"]["name"] == current_name), None) or update
        return current, update, collision

    def _replica_status(self, sts: dict, current: dict, update: dict, *pod_lists) -> dict:
        """``updateStatus``/``computeReplicaStatus`` over the given pod lists."""
        min_ready = (sts.get("spec") or {}).get("minReadySeconds") or 0
        now = self._now()
        out = {"replicas": 0, "readyReplicas": 0, "availableReplicas": 0, "currentReplicas": 0,
               "updatedReplicas": 0}
        cur_name, upd_name = current["metadata"]["name"], update["metadata"]["name"]
        for pods in pod_lists:
            for pod in pods:
                if is_created(pod):
                    out["replicas"] += 1
                if is_running_and_ready(pod):
                    out["readyReplicas"] += 1
                    if cu.is_pod_available(pod, min_ready, now):
                        out["availableReplicas"] += 1
                if is_created(pod) and not is_terminating(pod):
                    rev = pod_revision(pod)
                    if rev == cur_name:
                        out["currentReplicas"] += 1
                    if rev == upd_name:
                        out["updatedReplicas"] += 1
        return out

    def _unavailable(self, pod: dict, min_ready: int) -> bool:
        return not cu.is_pod_available(pod, min_ready, self._now()) or is_terminating(pod)

    def _update_pods(self, sts: dict, current: dict, update: dict, collision: int, pods: list[dict]) -> dict:
        """``updateStatefulSet``: create, delete and update pods; returns the new status."""
        current_set = apply_revision(sts, current)
        update_set = apply_revision(sts, update)
        cur_name, upd_name = current["metadata"]["name"], update["metadata"]["name"]
        spec = sts.get("spec") or {}
        min_ready = spec.get("minReadySeconds") or 0
        status = {"observedGeneration": sts["metadata"].get("generation", 0), "currentRevision": cur_name,
                  "updateRevision": upd_name, "collisionCount": collision}
        status.update(self._replica_status(sts, current, update, pods))
        count = spec.get("replicas", 1)
        start = start_ordinal(sts)
        replicas: list[dict | None] = [None] * count
        condemned: list[dict] = []
        for pod in pods:
            if in_ordinal_range(pod, sts):
                replicas[ordinal_of(pod) - start] = pod
            elif ordinal_of(pod) >= 0:
                condemned.append(pod)
        for i in range(count):
            if replicas[i] is None:
                replicas[i] = new_versioned_pod(current_set, update_set, cur_name, upd_name, start + i)
        condemned.sort(key=ordinal_of, reverse=True)
        first_unavailable = next((p for p in replicas if self._unavailable(p, min_ready)), None)
        if first_unavailable is None:
            first_unavailable = next((p for p in reversed(condemned) if self._unavailable(p, min_ready)), None)
        if sts["metadata"].get("deletionTimestamp"):
            return status
        monotonic = spec.get("podManagementPolicy") != "Parallel"

        def finish(err: errors.StatusError | None) -> dict:
            status.update(self._replica_status(sts, current, update, replicas, condemned))
            if err is not None:
                raise _SyncError(status, err)
            return status

        exit_, err = self._run_for_all(len(replicas), lambda i: self._process_replica(
            sts, update_set, monotonic, replicas, i), monotonic)
        if exit_ or err:
            return finish(err)

        def fix_claim(i: int) -> bool:
            if not self._claims_match_retention(update_set, condemned[i]):
                self._update_claims_for_retention(update_set, condemned[i])
            return False

        exit_, err = self._run_for_all(len(condemned), fix_claim, monotonic)
        if exit_ or err:
            return finish(err)
        exit_, err = self._run_for_all(len(condemned), lambda i: self._process_condemned(
            sts, first_unavailable, monotonic, condemned, i), monotonic)
        if exit_ or err:
            return finish(err)
        finish(None)
        strategy = spec.get("updateStrategy") or {}
        if strategy.get("type") == "OnDelete":
            return status
        rolling = strategy.get("rollingUpdate")
        update_min = int((rolling or {}).get("partition") or 0) if rolling is not None else 0
        for target in range(len(replicas) - 1, update_min - 1, -1):
            pod = replicas[target]
            if pod_revision(pod) != upd_name and not is_terminating(pod):
                try:
                    self._delete_pod_of(sts, pod)
                except errors.StatusError as e:
                    if e.reason != "NotFound":
                        raise _SyncError(status, e) from None
                status["currentReplicas"] -= 1
                return status
            if self._unavailable(pod, min_ready):
                return status
        return status

    @staticmethod
    def _run_for_all(n: int, fn, monotonic: bool) -> tuple[bool, errors.StatusError | None]:
        """``runForAll``: in order, stopping at the first pod that blocks (monotonic), or in
        slow-start batches of 1, 2, 4 … (burst)."""
        if monotonic:
            for i in range(n):
                try:
                    if fn(i):
                        return True, None
                except errors.StatusError as e:
                    return True, e
            return False, None
        pos, batch = 0, min(n, 1)
        while batch > 0:
            errs = []
            for i in range(pos, pos + batch):
                try:
                    fn(i)
                except errors.StatusError as e:
                    errs.append(e)
            if errs:
                return True, errs[0]
            pos += batch
            batch = min(2 * batch, n - pos, 500)
        return False, None

    def _process_replica(self, sts: dict, update_set: dict, monotonic: bool, replicas: list[dict], i: int) -> bool:
        """``processReplica``: returns True when the monotonic walk must stop here."""
        pod = replicas[i]
        min_ready = (sts.get("spec") or {}).get("minReadySeconds") or 0
        if phase(pod) in ("Failed", "Succeeded"):
            if not is_terminating(pod):
                self._delete_pod_of(sts, pod)
            return True       # a new pod is made once this one is gone from the store
        if not is_created(pod):
            if self._claim_is_stale(sts, pod):
                return True
            self._create_pod(sts, pod)
            if monotonic:
                return True
            return False
        if phase(pod) == "Pending":
            self._create_claims(sts, pod, record_pod_event=False)
            self._update_claims_for_retention_checked(sts, pod)
        if is_terminating(pod) and monotonic:
            return True
        if not is_running_and_ready(pod) and monotonic:
            return True
        if not cu.is_pod_available(pod, min_ready, self._now()) and monotonic:
            return True
        try:
            retention_ok = self._claims_match_retention(update_set, pod)
        except errors.StatusError:
            retention_ok = True
        if identity_matches(sts, pod) and storage_matches(sts, pod) and retention_ok:
            return False
        self._update_stateful_pod(update_set, deep_copy(pod))
        return False

    def _process_condemned(self, sts: dict, first_unavailable: dict | None, monotonic: bool,
                           condemned: list[dict], i: int) -> bool:
        pod = condemned[i]
        min_ready = (sts.get("spec") or {}).get("minReadySeconds") or 0
        if is_terminating(pod):
            return monotonic
        if not is_running_and_ready(pod) and monotonic and pod is not first_unavailable:
            return True
        if not cu.is_pod_available(pod, min_ready, self._now()) and monotonic and pod is not first_unavailable:
            return True
        self._delete_pod_of(sts, pod)
        return True

    # -------------------------------------------------------------------------------------
    # StatefulPodControl
    def _pod_event(self, verb: str, sts: dict, pod: dict, err: errors.StatusError | str | None) -> None:
        name, set_name = pod["metadata"]["name"], sts["metadata"]["name"]
        if err is None:
            self.recorder.event(sts, "Normal", f"Successful{verb.title()}",
                                f"{verb} Pod {name} in StatefulSet {set_name} successful")
        else:
            msg = err.message if isinstance(err, errors.StatusError) else err
            self.recorder.event(sts, "Warning", f"Failed{verb.title()}",
                                f"{verb} Pod {name} in StatefulSet {set_name} failed error: {msg}")

    def _claim_event(self, verb: str, sts: dict, pod: dict, claim: str, err: str | None) -> None:
        pname, sname = pod["metadata"]["name"], sts["metadata"]["name"]
        if err is None:
            self.recorder.event(sts, "Normal", f"Successful{verb.title()}",
                                f"{verb} Claim {claim} Pod {pname} in StatefulSet {sname} success")
        else:
            self.recorder.event(sts, "Warning", f"Failed{verb.title()}",
                                f"{verb} Claim {claim} for Pod {pname} in StatefulSet {sname} failed error: {err}")

    def _claim(self, ns: str, name: str) -> dict | None:
        return self.claims.get(f"{ns}/{name}")

    def _create_claims(self, sts: dict, pod: dict, record_pod_event: bool = True) -> None:
        """``createPersistentVolumeClaims``: create the missing claims; a claim being deleted
        blocks the pod."""
        problems: list[str] = []
        ns = sts["metadata"].get("namespace", "")
        for claim in persistent_volume_claims(sts, ordinal_of(pod)):
            claim.pop("_template")
            name = claim["metadata"]["name"]
            existing = self._claim(ns, name)
            if existing is None:
                try:
                    self.client.create("persistentvolumeclaims", claim, ns, owned=True)
                except errors.StatusError as e:
                    problems.append(f"failed to create PVC {name}: {e.message}")
                    if e.reason != "AlreadyExists":
                        self._claim_event("create", sts, pod, name, e.message)
                    continue
                self._claim_event("create", sts, pod, name, None)
            elif existing["metadata"].get("deletionTimestamp"):
                problems.append(f"pvc {name} is being deleted")
        if problems:
            msg = problems[0] if len(problems) == 1 else "[" + ", ".join(problems) + "]"
            if record_pod_event:
                self._pod_event("create", sts, pod, msg)
            raise errors.status("InternalError", msg)

    def _claim_is_stale(self, sts: dict, pod: dict) -> bool:
        """``PodClaimIsStale``: with ``whenScaled: Delete``, a claim still owned by an earlier pod
        of this name blocks the new pod until the garbage collector has removed it."""
        if retention_policy(sts)[1] == "Retain":
            return False
        ns = sts["metadata"].get("namespace", "")
        for claim in persistent_volume_claims(sts, ordinal_of(pod)):
            existing = self._claim(ns, claim["metadata"]["name"])
            if existing is not None and _has_stale_owner_ref(existing, pod["metadata"]["name"],
                                                             pod["metadata"].get("uid", ""), "v1", "Pod"):
                return True
        return False

    def _create_pod(self, sts: dict, pod: dict) -> None:
        """``CreateStatefulPod``: claims first, then the pod, then the claims' retention refs."""
        self._create_claims(sts, pod)
        ns = sts["metadata"].get("namespace", "")
        try:
            self.client.create("pods", deep_copy(pod), ns, owned=True)
        except errors.StatusError as e:
            if e.reason == "AlreadyExists":
                raise
            self._pod_event("create", sts, pod, e)
            raise
        try:
            self._update_claims_for_retention(sts, pod)
        except errors.StatusError as e:
            self._pod_event("update", sts, pod, e)
            raise
        self._pod_event("create", sts, pod, None)

    def _update_claims_for_retention_checked(self, sts: dict, pod: dict) -> None:
        try:
            self._update_claims_for_retention(sts, pod)
        except errors.StatusError as e:
            self._pod_event("update", sts, pod, e)
            raise

    def _claims_match_retention(self, sts: dict, pod: dict) -> bool:
        """``ClaimsMatchRetentionPolicy``."""
        ns = sts["metadata"].get("namespace", "")
        for template in (sts.get("spec") or {}).get("volumeClaimTemplates") or ():
            claim = self._claim(ns, claim_name(sts, template, ordinal_of(pod)))
            if claim is not None and not claim_owner_up_to_date(claim, sts, pod):
                return False
        return True

    def _update_claims_for_retention(self, sts: dict, pod: dict) -> None:
        """``UpdatePodClaimForRetentionPolicy``: rewrite the claims' owner references."""
        ns = sts["metadata"].get("namespace", "")
        for template in (sts.get("spec") or {}).get("volumeClaimTemplates") or ():
            name = claim_name(sts, template, ordinal_of(pod))
            claim = self._claim(ns, name)
            if claim is None:
                continue
            if _has_unexpected_controller(claim, sts, pod):
                self.recorder.event(sts, "Warning", "ConflictingController",
                                    f"PersistentVolumeClaim {name} has a conflicting OwnerReference that acts as a "
                                    "manging controller, the retention policy is ignored for this claim")
            if claim_owner_up_to_date(claim, sts, pod):
                continue
            body = deep_copy(claim)
            update_claim_owner_refs(body, sts, pod)
            try:
                self.client.update("persistentvolumeclaims", body, ns)
            except errors.StatusError as e:
                raise errors.status(e.reason, f"could not update claim {name} for delete policy ownerRefs: "
                                              f"{e.message}", code=e.code) from None

    def _update_stateful_pod(self, sts: dict, pod: dict) -> None:
        """``UpdateStatefulPod``: restore identity, storage and claim ownership."""
        attempted = False
        err = None
        for _ in range(5):
            consistent = True
            if not identity_matches(sts, pod):
                update_identity(sts, pod)
                consistent = False
            if not storage_matches(sts, pod):
                update_storage(sts, pod)
                consistent = False
                self._create_claims(sts, pod, record_pod_event=False)
            if not self._claims_match_retention(sts, pod):
                self._update_claims_for_retention_checked(sts, pod)
                consistent = False
            if consistent:
                err = None
                break
            attempted = True
            try:
                self.client.update("pods", pod, sts["metadata"].get("namespace"))
                err = None
                break
            except errors.StatusError as e:
                err = e
                if e.reason != "Conflict":
                    break
                fresh = self.pods.get(self.key(pod))
                if fresh is not None:
                    pod = deep_copy(fresh)
        if attempted:
            self._pod_event("update", sts, pod, err)
        if err is not None:
            raise err

    def _delete_pod_of(self, sts: dict, pod: dict) -> None:
        """``DeleteStatefulPod``."""
        try:
            self.client.delete("pods", pod["metadata"]["name"], sts["metadata"].get("namespace"))
        except errors.StatusError as e:
            self._pod_event("delete", sts, pod, e)
            raise
        self._pod_event("delete", sts, pod, None)

    # -------------------------------------------------------------------------------------
    # status and history
    def _update_status(self, sts: dict, status: dict) -> None:
        """``updateStatefulSetStatus``: complete a finished rolling update, skip a write that
        changes nothing, else write (retrying on conflicts)."""
        spec = sts.get("spec") or {}
        replicas = spec.get("replicas", 1)
        if ((spec.get("updateStrategy") or {}).get("type") == "RollingUpdate"
                and status["updatedReplicas"] == replicas and status["readyReplicas"] == replicas
                and status["replicas"] == replicas):
            status["currentReplicas"] = status["updatedReplicas"]
            status["currentRevision"] = status["updateRevision"]
        old = sts.get("status") or {}
        fields = ("replicas", "currentReplicas", "readyReplicas", "updatedReplicas", "availableReplicas")
        if (status["observedGeneration"] <= old.get("observedGeneration", 0)
                and all(status[f] == old.get(f, 0) for f in fields)
                and status["currentRevision"] == old.get("currentRevision", "")
                and status["updateRevision"] == old.get("updateRevision", "")):
            return
        body_status = {}
        for f in _STATUS_ORDER:
            v = status.get(f)
            if f in ("replicas", "availableReplicas", "collisionCount"):
                body_status[f] = v or 0
            elif v:
                body_status[f] = v
        current = sts
        ns = sts["metadata"].get("namespace")
        for attempt in range(5):
            try:
                self.client.update_status("statefulsets", {**current, "status": body_status}, ns)
                return
            except errors.StatusError as e:
                if e.reason != "Conflict" or attempt == 4:
                    raise
                current = self.client.get("statefulsets", sts["metadata"]["name"], ns)

    def _truncate_history(self, sts: dict, pods: list[dict], revisions: list[dict], current: dict,
                          update: dict) -> None:
        """``truncateHistory``: delete the oldest revisions no pod (and neither the current nor the
        update revision) uses, beyond ``revisionHistoryLimit``."""
        live = {current["metadata"]["name"], update["metadata"]["name"]} | {pod_revision(p) for p in pods}
        old = [r for r in revisions if r["metadata"]["name"] not in live]
        limit = (sts.get("spec") or {}).get("revisionHistoryLimit", 10)
        if limit is None or limit < 0 or len(old) <= limit:
            return
        for r in old[:len(old) - limit]:
            self.history.delete(r)


class _SyncError(Exception):
    """An error met while updating pods, carrying the status computed so far (upstream returns
    both and writes the status before retrying)."""

    def __init__(self, status: dict, error: errors.StatusError):
        super().__init__(error.message)
        self.status = status
        self.error = error
