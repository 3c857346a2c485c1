"""The Deployment controller (``pkg/controller/deployment``, Kubernetes 1.32).

A Deployment owns ReplicaSets; the one whose pod template equals the Deployment's is the *new*
set, the others are *old*.  A new set is named ``<deployment>-<pod-template-hash>`` (see
:mod:`.hashing`), carries the hash in its labels, selector and template labels, and the
annotations ``deployment.kubernetes.io/revision`` (max old revision + 1), ``desired-replicas`` and
``max-replicas`` plus the Deployment's own annotations (``kubernetes.io/change-cause`` …).  Going
back to an old template re-uses its set and gives it the next revision, remembering the old
numbers in ``revision-history`` — so ``rollout history`` never shows one revision twice.

``syncDeployment`` chooses, in upstream's order:

* being deleted → only status;  paused → scale and clean up, no rollout (conditions
  ``DeploymentPaused`` / ``DeploymentResumed``);  a ``deprecated.deployment.rollback.to``
  annotation → roll back by copying that revision's template (``kubectl rollout undo`` patches the
  template directly nowadays; both end in the same new set);
* a *scaling event* (the Deployment's replicas differ from the active sets' ``desired-replicas``)
  → proportional scaling of all active sets, largest first, leftovers to the biggest;
* otherwise a rollout step: ``RollingUpdate`` grows the new set up to replicas + maxSurge (rounded
  up) and shrinks old sets while availability stays ≥ replicas − maxUnavailable (rounded down),
  unhealthy old pods first; ``Recreate`` scales all old sets to 0, waits until no old pod is left,
  then scales the new set up;
* then ``status`` — replicas, updatedReplicas, readyReplicas, availableReplicas,
  unavailableReplicas, observedGeneration, collisionCount — and the conditions ``Available``
  (``MinimumReplicasAvailable`` / ``MinimumReplicasUnavailable``) and ``Progressing``
  (``NewReplicaSetCreated``, ``FoundNewReplicaSet``, ``ReplicaSetUpdated``,
  ``NewReplicaSetAvailable``, ``ProgressDeadlineExceeded``), with a re-check queued for the moment
  the progress deadline would pass; old sets beyond ``revisionHistoryLimit`` are deleted once a
  rollout is complete.

As upstream, a sync that wrote the Deployment's status once and then writes it again from its
now-stale copy gets a 409 Conflict and is retried — the "object has been modified" messages of a
real controller-manager's log.
"""
from __future__ import annotations

from ...api import errors
from ...api.meta import controller_ref, deep_copy, new_controller_ref
from ...client import Controller
from . import controller_utils as cu
from . import deployment_util as du
from .hashing import POD_TEMPLATE_HASH, compute_hash, equal_ignore_hash

STATUS_FIELDS = ("observedGeneration", "replicas", "updatedReplicas", "readyReplicas", "availableReplicas",
                 "unavailableReplicas", "conditions", "collisionCount")


def _norm_status(st: dict) -> dict:
    """A status as Go compares it: omitempty zero values are absent."""
    out = {}
    for k in STATUS_FIELDS:
        v = st.get(k)
        if k == "collisionCount":
            if v is not None:
                out[k] = v
        elif v:
            out[k] = v
    return out


class DeploymentController(Controller):
    """``DeploymentController``: informers on Deployments, ReplicaSets and Pods (pod deletions
    matter to Recreate)."""

    name = "deployment"
    component = "deployment-controller"

    def __init__(self, client, informers):
        super().__init__(client, informers)
        self.apiserver = client.apiserver
        self._deadline_timers: dict = {}

    # -------------------------------------------------------------------------------------
    # wiring
    def start(self) -> None:
        self.deployments = self.informers.informer("deployments")
        cu.ensure_index(self.deployments, cu.INDEX_NAMESPACE, cu.namespace_index)
        self.sets = self.informers.informer("replicasets")
        cu.ensure_index(self.sets, cu.INDEX_NAMESPACE, cu.namespace_index)
        self.pods = self.informers.informer("pods")
        cu.ensure_index(self.pods, cu.INDEX_CONTROLLER, cu.pod_controller_index)
        cu.ensure_index(self.pods, cu.INDEX_NAMESPACE, cu.namespace_index)
        self.deployments.add_handlers(self._enqueue, lambda old, cur: self._enqueue(cur), self._enqueue)
        self.sets.add_handlers(self._add_rs, self._update_rs, self._delete_rs)
        self.pods.add_handlers(None, None, self._delete_pod)

    @staticmethod
    def key(obj: dict) -> str:
        md = obj["metadata"]
        return f"{md.get('namespace', '')}/{md['name']}"

    def _enqueue(self, d: dict) -> None:
        self.enqueue(self.key(d))

    def _resolve(self, namespace: str, ref: dict) -> dict | None:
        return cu.resolve_controller_ref(self.deployments, "Deployment", namespace, ref)

    def _deployments_for_rs(self, rs: dict) -> list[dict]:
        """``GetDeploymentsForReplicaSet``: Deployments whose selector matches an orphan set."""
        return cu.owners_selecting(self.deployments, rs, lambda d: cu.label_selector(du.spec(d).get("selector")))

    def _add_rs(self, rs: dict) -> None:
        if rs["metadata"].get("deletionTimestamp"):
            self._delete_rs(rs)
            return
        ref = controller_ref(rs)
        if ref is not None:
            d = self._resolve(rs["metadata"].get("namespace", ""), ref)
            if d is not None:
                self._enqueue(d)
            return
        for d in self._deployments_for_rs(rs):
            self._enqueue(d)

    def _update_rs(self, old: dict, cur: dict) -> None:
        if old["metadata"].get("resourceVersion") == cur["metadata"].get("resourceVersion"):
            return
        ns = cur["metadata"].get("namespace", "")
        cur_ref, old_ref = controller_ref(cur), controller_ref(old)
        changed = cur_ref != old_ref
        if changed and old_ref is not None:
            d = self._resolve(ns, old_ref)
            if d is not None:
                self._enqueue(d)
        if cur_ref is not None:
            d = self._resolve(ns, cur_ref)
            if d is not None:
                self._enqueue(d)
            return
        if changed or (old["metadata"].get("labels") or {}) != (cur["metadata"].get("labels") or {}):
            for d in self._deployments_for_rs(cur):
                self._enqueue(d)

    def _delete_rs(self, rs: dict) -> None:
        ref = controller_ref(rs)
        if ref is None:
            return
        d = self._resolve(rs["metadata"].get("namespace", ""), ref)
        if d is not None:
            self._enqueue(d)

    def _delete_pod(self, pod: dict) -> None:
        """A Recreate Deployment waits for its last old pod to go: sync when none is left."""
        ref = controller_ref(pod)
        if ref is None or ref.get("kind") != "ReplicaSet":
            return
        ns = pod["metadata"].get("namespace", "")
        rs = self.sets.get(f"{ns}/{ref.get('name', '')}")
        if rs is None or rs["metadata"].get("uid") != ref.get("uid"):
            return
        rs_ref = controller_ref(rs)
        d = self._resolve(ns, rs_ref) if rs_ref is not None else None
        if d is None or (du.spec(d).get("strategy") or {}).get("type") != "Recreate":
            return
        sel = cu.label_selector(du.spec(d).get("selector"))
        try:   # util.ListReplicaSets lists through the API, as upstream does here
            listed = self.client.list("replicasets", ns, label_selector=str(sel) if sel is not None else None)["items"]
        except errors.StatusError:
            return
        owned = [r for r in listed if (controller_ref(r) or {}).get("uid") == d["metadata"]["uid"]]
        pod_map = self._pod_map(d, owned)
        if sum(len(v) for v in pod_map.values()) == 0:
            self._enqueue(d)

    # -------------------------------------------------------------------------------------
    # helpers around the API
    def _now_ts(self) -> str:
        return self.apiserver.timestamp()

    def _now(self) -> float:
        return self.apiserver.epoch + self.loop.now

    def _update_status(self, d: dict) -> dict:
        """``UpdateStatus(d)``; like upstream, the caller keeps using its (now stale) copy."""
        d["status"] = _norm_status(d.get("status") or {})
        return self.client.update_status("deployments", d, d["metadata"].get("namespace"))

    def _event(self, d: dict, type_: str, reason: str, message: str) -> None:
        self.recorder.event(d, type_, reason, message)

    # -------------------------------------------------------------------------------------
    # syncDeployment
    def reconcile(self, key: str) -> None:
        stored = self.deployments.get(key)
        if stored is None:
            return
        d = deep_copy(stored)
        sel_spec = du.spec(d).get("selector")
        if sel_spec == {} or (sel_spec is not None and not sel_spec.get("matchLabels")
                              and not sel_spec.get("matchExpressions")):
            self._event(d, "Warning", "SelectingAll",
                        "This deployment is selecting all pods. A non-empty selector is required.")
            if du.status(d).get("observedGeneration", 0) < d["metadata"].get("generation", 0):
                d.setdefault("status", {})["observedGeneration"] = d["metadata"]["generation"]
                self._update_status(d)
            return
        rs_list = self._rs_for_deployment(d)
        if d["metadata"].get("deletionTimestamp"):
            self._sync_status_only(d, rs_list)
            return
        self._check_paused_conditions(d)
        if du.spec(d).get("paused"):
            self._sync(d, rs_list)
            return
        if self._rollback_to(d) is not None:
            self._rollback(d, rs_list)
            return
        if self._is_scaling_event(d, rs_list):
            self._sync(d, rs_list)
            return
        strategy = (du.spec(d).get("strategy") or {}).get("type")
        if strategy == "Recreate":
            self._rollout_recreate(d, rs_list)
        elif strategy == "RollingUpdate":
            self._rollout_rolling(d, rs_list)
        else:
            raise errors.internal(f"unexpected deployment strategy type: {strategy}")

    def _rs_for_deployment(self, d: dict) -> list[dict]:
        """``getReplicaSetsForDeployment``: claim (adopt / release) the namespace's sets."""
        md = d["metadata"]
        ns = md.get("namespace", "")
        selector = cu.label_selector(du.spec(d).get("selector"))
        if selector is None:
            raise errors.status("BadRequest", f"deployment {ns}/{md['name']} has invalid label selector")
        candidates = self.sets.by_index(cu.INDEX_NAMESPACE, ns)
        claimed, errs = cu.claim_objects(
            d, selector, candidates,
            adopt=lambda rs: self.client.patch(
                "replicasets", rs["metadata"]["name"],
                cu.owner_ref_patch(d, "apps/v1", "Deployment", rs["metadata"]["uid"]), namespace=ns),
            release=lambda rs: self.client.patch(
                "replicasets", rs["metadata"]["name"],
                cu.delete_owner_ref_patch(rs["metadata"]["uid"], md["uid"]), namespace=ns),
            can_adopt=lambda: cu.recheck_deletion(self.client, "deployments", d))
        if errs:
            raise errs[0]
        return claimed

    def _pod_map(self, d: dict, rs_list: list[dict]) -> dict[str, list[dict]]:
        """``getPodMapForDeployment``: the Deployment's pods (inactive ones too) by owning set."""
        selector = cu.label_selector(du.spec(d).get("selector"))
        pod_map: dict[str, list[dict]] = {rs["metadata"]["uid"]: [] for rs in rs_list}
        if selector is None:
            return pod_map
        for uid in list(pod_map):
            for pod in self.pods.by_index(cu.INDEX_CONTROLLER, uid):
                if selector.matches(pod["metadata"].get("labels") or {}):
                    pod_map[uid].append(pod)
        return pod_map

    # -------------------------------------------------------------------------------------
    # new and old ReplicaSets
    def _all_rss_and_sync_revision(self, d: dict, rs_list: list[dict], create: bool):
        _, all_old = du.find_old_rss(d, rs_list)
        new_rs = self._get_new_rs(d, rs_list, all_old, create)
        return new_rs, all_old

    def _get_new_rs(self, d: dict, rs_list: list[dict], old_rss: list[dict], create: bool) -> dict | None:
        """``getNewReplicaSet``: find (and annotate) or create the set for the current template."""
        existing = du.find_new_rs(d, rs_list)
        new_revision = str(du.max_revision(old_rss) + 1)
        ns = d["metadata"].get("namespace", "")
        if existing is not None:
            rs_copy = deep_copy(existing)
            annotations_updated = du.set_new_rs_annotations(d, rs_copy, new_revision, True)
            min_ready = du.spec(d).get("minReadySeconds") or 0
            if annotations_updated or (du.spec(rs_copy).get("minReadySeconds") or 0) != min_ready:
                rs_copy["spec"]["minReadySeconds"] = min_ready
                if not min_ready:
                    rs_copy["spec"].pop("minReadySeconds", None)
                return self.client.update("replicasets", rs_copy, ns)
            needs_update = du.set_deployment_revision(d, du.annotations(rs_copy).get(du.REVISION, ""))
            st = d.setdefault("status", {})
            if du.has_progress_deadline(d) and du.get_condition(st, du.PROGRESSING) is None:
                du.set_condition(st, du.new_condition(du.PROGRESSING, "True", du.FOUND_NEW_RS,
                                                      f'Found new replica set "{rs_copy["metadata"]["name"]}"',
                                                      self._now_ts()))
                needs_update = True
            if needs_update:
                self._update_status(d)
            return rs_copy
        if not create:
            return None
        dspec = du.spec(d)
        template = deep_copy(dspec.get("template") or {})
        collision = du.status(d).get("collisionCount")
        pod_hash = compute_hash(dspec.get("template"), collision)
        tmd = template.setdefault("metadata", {})
        labels = dict(tmd.get("labels") or {})
        labels[POD_TEMPLATE_HASH] = pod_hash
        tmd["labels"] = du.sorted_map(labels)
        selector = deep_copy(dspec.get("selector") or {})
        ml = dict(selector.get("matchLabels") or {})
        ml[POD_TEMPLATE_HASH] = pod_hash
        selector["matchLabels"] = du.sorted_map(ml)
        name = f"{d['metadata']['name']}-{pod_hash}"
        rs_spec: dict = {"replicas": 0}
        if dspec.get("minReadySeconds"):
            rs_spec["minReadySeconds"] = dspec["minReadySeconds"]
        rs_spec["selector"] = selector
        rs_spec["template"] = template
        new_rs: dict = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                        "metadata": {"name": name, "namespace": ns, "labels": dict(tmd["labels"])},
                        "spec": rs_spec}
        count = du.new_rs_new_replicas(d, old_rss + [new_rs], new_rs)
        rs_spec["replicas"] = count
        du.set_new_rs_annotations(d, new_rs, new_revision, False)
        new_rs["metadata"]["ownerReferences"] = [new_controller_ref(d)]
        already_exists = False
        try:
            created = self.client.create("replicasets", new_rs, ns)
        except errors.StatusError as e:
            if e.reason == "AlreadyExists":
                already_exists = True
                rs = self.sets.get(f"{ns}/{name}")
                if rs is None:
                    raise
                ref = controller_ref(rs)
                if ref is not None and ref.get("uid") == d["metadata"]["uid"] and \
                        equal_ignore_hash(dspec.get("template"), du.spec(rs).get("template")):
                    created = rs
                else:
                    # a hash collision: bump collisionCount and retry with another name
                    st = d.setdefault("status", {})
                    st["collisionCount"] = (st.get("collisionCount") or 0) + 1
                    try:
                        self._update_status(d)
                    except errors.StatusError:
                        pass
                    raise
            elif namespace_terminating(e):
                raise
            else:
                msg = f'Failed to create new replica set "{name}": {e.message}'
                if du.has_progress_deadline(d):
                    du.set_condition(d.setdefault("status", {}),
                                     du.new_condition(du.PROGRESSING, "False", du.FAILED_RS_CREATE, msg,
                                                      self._now_ts()))
                    try:
                        self._update_status(d)
                    except errors.StatusError:
                        pass
                self._event(d, "Warning", du.FAILED_RS_CREATE, msg)
                raise
        if not already_exists and count > 0:
            self._event(d, "Normal", "ScalingReplicaSet",
                        f"Scaled up replica set {created['metadata']['name']} from 0 to {count}")
        needs_update = du.set_deployment_revision(d, new_revision)
        if not already_exists and du.has_progress_deadline(d):
            du.set_condition(d.setdefault("status", {}),
                             du.new_condition(du.PROGRESSING, "True", du.NEW_REPLICA_SET,
                                              f'Created new replica set "{created["metadata"]["name"]}"',
                                              self._now_ts()))
            needs_update = True
        if needs_update:
            self._update_status(d)
        return created

    # -------------------------------------------------------------------------------------
    # scaling
    def _scale_rs_and_record(self, rs: dict, new_scale: int, d: dict) -> tuple[bool, dict]:
        if du.replicas(rs) == new_scale:
            return False, rs
        op = "up" if du.replicas(rs) < new_scale else "down"
        return self._scale_rs(rs, new_scale, d, op)

    def _scale_rs(self, rs: dict, new_scale: int, d: dict, op: str) -> tuple[bool, dict]:
        """``scaleReplicaSet``: write replicas and the desired/max annotations; event on a resize."""
        size_changes = du.replicas(rs) != new_scale
        desired, maximum = du.replicas(d), du.replicas(d) + du.max_surge(d)
        if not size_changes and not du.replicas_annotations_need_update(rs, desired, maximum):
            return False, rs
        old_scale = du.replicas(rs)
        rs_copy = deep_copy(rs)
        rs_copy["spec"]["replicas"] = new_scale
        du.set_replicas_annotations(rs_copy, desired, maximum)
        rs_copy["metadata"]["annotations"] = du.sorted_map(rs_copy["metadata"]["annotations"])
        updated = self.client.update("replicasets", rs_copy, rs["metadata"].get("namespace"))
        if size_changes:
            self._event(d, "Normal", "ScalingReplicaSet",
                        f"Scaled {op} replica set {updated['metadata']['name']} from {old_scale} to {new_scale}")
        return size_changes, updated

    def _scale(self, d: dict, new_rs: dict | None, old_rss: list[dict]) -> None:
        """``scale``: a scaling event — the only active set takes all; otherwise proportionally."""
        target = du.find_active_or_latest(new_rs, old_rss)
        if target is not None:
            if du.replicas(target) == du.replicas(d):
                return
            self._scale_rs_and_record(target, du.replicas(d), d)
            return
        if du.is_saturated(d, new_rs):
            for old in du.filter_active(old_rss):
                self._scale_rs_and_record(old, 0, d)
            return
        if not du.is_rolling_update(d):
            return
        all_rss = du.filter_active(old_rss + [new_rs])
        all_count = du.replica_count(all_rss)
        allowed = du.replicas(d) + du.max_surge(d) if du.replicas(d) > 0 else 0
        to_add = allowed - all_count
        op = ""
        if to_add > 0:    # ReplicaSetsBySizeNewer: bigger first, newer first on ties
            all_rss.sort(key=du.creation_key, reverse=True)
            all_rss.sort(key=lambda rs: -du.replicas(rs))
            op = "up"
        elif to_add < 0:  # ReplicaSetsBySizeOlder: bigger first, older first on ties
            all_rss.sort(key=lambda rs: (-du.replicas(rs), du.creation_key(rs)))
            op = "down"
        added = 0
        sizes: dict[str, int] = {}
        for rs in all_rss:
            if to_add != 0:
                proportion = du.get_proportion(rs, d, to_add, added)
                sizes[rs["metadata"]["name"]] = du.replicas(rs) + proportion
                added += proportion
            else:
                sizes[rs["metadata"]["name"]] = du.replicas(rs)
        for i, rs in enumerate(all_rss):
            name = rs["metadata"]["name"]
            if i == 0 and to_add != 0:
                sizes[name] = max(sizes[name] + (to_add - added), 0)
            self._scale_rs(rs, sizes[name], d, op)

    def _is_scaling_event(self, d: dict, rs_list: list[dict]) -> bool:
        new_rs, old_rss = self._all_rss_and_sync_revision(d, rs_list, False)
        for rs in du.filter_active(old_rss + [new_rs]):
            desired = du.desired_replicas_annotation(rs)
            if desired is None:
                continue
            if desired != du.replicas(d):
                return True
        return False

    def _sync(self, d: dict, rs_list: list[dict]) -> None:
        """``sync``: scaling events and paused Deployments."""
        new_rs, old_rss = self._all_rss_and_sync_revision(d, rs_list, False)
        self._scale(d, new_rs, old_rss)
        if du.spec(d).get("paused") and self._rollback_to(d) is None:
            self._cleanup(old_rss, d)
        self._sync_deployment_status(old_rss + [new_rs], new_rs, d)

    def _sync_status_only(self, d: dict, rs_list: list[dict]) -> None:
        new_rs, old_rss = self._all_rss_and_sync_revision(d, rs_list, False)
        self._sync_deployment_status(old_rss + [new_rs], new_rs, d)

    def _check_paused_conditions(self, d: dict) -> None:
        if not du.has_progress_deadline(d):
            return
        st = d.setdefault("status", {})
        cond = du.get_condition(st, du.PROGRESSING)
        if cond is not None and cond.get("reason") == du.TIMED_OUT:
            return
        paused_cond = cond is not None and cond.get("reason") == du.PAUSED
        paused = bool(du.spec(d).get("paused"))
        if paused and not paused_cond:
            du.set_condition(st, du.new_condition(du.PROGRESSING, "Unknown", du.PAUSED, "Deployment is paused",
                                                  self._now_ts()))
        elif not paused and paused_cond:
            du.set_condition(st, du.new_condition(du.PROGRESSING, "Unknown", du.RESUMED, "Deployment is resumed",
                                                  self._now_ts()))
        else:
            return
        self._update_status(d)

    def _cleanup(self, old_rss: list[dict], d: dict) -> None:
        """``cleanupDeployment``: delete the oldest empty sets beyond revisionHistoryLimit."""
        if not du.has_revision_history_limit(d):
            return
        alive = [rs for rs in old_rss if rs is not None and not rs["metadata"].get("deletionTimestamp")]
        diff = len(alive) - du.spec(d)["revisionHistoryLimit"]
        if diff <= 0:
            return
        alive.sort(key=du.revision_sort_key)
        for rs in alive[:diff]:
            st = du.status(rs)
            if (st.get("replicas", 0) != 0 or du.replicas(rs) != 0
                    or rs["metadata"].get("generation", 0) > st.get("observedGeneration", 0)
                    or rs["metadata"].get("deletionTimestamp")):
                continue
            try:
                self.client.delete("replicasets", rs["metadata"]["name"], rs["metadata"].get("namespace"))
            except errors.StatusError as e:
                if e.reason != "NotFound":
                    raise

    # -------------------------------------------------------------------------------------
    # status
    def _calculate_status(self, all_rss: list[dict | None], new_rs: dict | None, d: dict) -> dict:
        available = du.available_replica_count(all_rss)
        total = du.replica_count(all_rss)
        unavailable = max(total - available, 0)
        old = du.status(d)
        st: dict = {
            "observedGeneration": d["metadata"].get("generation", 0),
            "replicas": du.actual_replica_count(all_rss),
            "updatedReplicas": du.actual_replica_count([new_rs]),
            "readyReplicas": du.ready_replica_count(all_rss),
            "availableReplicas": available,
            "unavailableReplicas": unavailable,
            "conditions": [dict(c) for c in old.get("conditions") or ()],
            "collisionCount": old.get("collisionCount"),
        }
        now = self._now_ts()
        if available >= du.replicas(d) - du.max_unavailable(d):
            du.set_condition(st, du.new_condition(du.AVAILABLE, "True", du.MIN_AVAILABLE,
                                                  "Deployment has minimum availability.", now))
        else:
            du.set_condition(st, du.new_condition(du.AVAILABLE, "False", du.MIN_UNAVAILABLE,
                                                  "Deployment does not have minimum availability.", now))
        return st

    def _sync_deployment_status(self, all_rss, new_rs, d: dict) -> None:
        new_status = _norm_status(self._calculate_status(all_rss, new_rs, d))
        if _norm_status(du.status(d)) == new_status:
            return
        d["status"] = new_status
        self._update_status(d)

    def _sync_rollout_status(self, all_rss, new_rs, d: dict) -> None:
        """``syncRolloutStatus``: status plus the Progressing condition and the deadline."""
        st = self._calculate_status(all_rss, new_rs, d)
        if not du.has_progress_deadline(d):
            du.remove_condition(st, du.PROGRESSING)
        current = du.get_condition(du.status(d), du.PROGRESSING)
        complete = st["replicas"] == st["updatedReplicas"] and current is not None and \
            current.get("reason") == du.NEW_RS_AVAILABLE
        now = self._now_ts()
        name = d["metadata"]["name"]
        if du.has_progress_deadline(d) and not complete:
            if du.deployment_complete(d, st):
                msg = f'ReplicaSet "{new_rs["metadata"]["name"]}" has successfully progressed.' if new_rs \
                    else f'Deployment "{name}" has successfully progressed.'
                du.set_condition(st, du.new_condition(du.PROGRESSING, "True", du.NEW_RS_AVAILABLE, msg, now))
            elif du.deployment_progressing(d, st):
                msg = f'ReplicaSet "{new_rs["metadata"]["name"]}" is progressing.' if new_rs \
                    else f'Deployment "{name}" is progressing.'
                cond = du.new_condition(du.PROGRESSING, "True", du.REPLICA_SET_UPDATED, msg, now)
                if current is not None:
                    if current.get("status") == "True":
                        cond["lastTransitionTime"] = current.get("lastTransitionTime")
                    du.remove_condition(st, du.PROGRESSING)
                du.set_condition(st, cond)
            elif du.deployment_timed_out(d, st, self._now()):
                msg = f'ReplicaSet "{new_rs["metadata"]["name"]}" has timed out progressing.' if new_rs \
                    else f'Deployment "{name}" has timed out progressing.'
                du.set_condition(st, du.new_condition(du.PROGRESSING, "False", du.TIMED_OUT, msg, now))
        failures = self._replica_failures(all_rss, new_rs)
        if failures:
            du.set_condition(st, failures[0])
        else:
            du.remove_condition(st, du.REPLICA_FAILURE)
        new_status = _norm_status(st)
        if _norm_status(du.status(d)) == new_status:
            self._requeue_stuck(d, new_status)
            return
        d["status"] = new_status
        self._update_status(d)

    @staticmethod
    def _replica_failures(all_rss, new_rs) -> list[dict]:
        out = []
        if new_rs is not None:
            out = [du.rs_condition_to_deployment(c) for c in du.status(new_rs).get("conditions") or ()
                   if c.get("type") == du.REPLICA_FAILURE]
        if out:
            return out
        for rs in all_rss:
            if rs is None:
                continue
            out.extend(du.rs_condition_to_deployment(c) for c in du.status(rs).get("conditions") or ()
                       if c.get("type") == du.REPLICA_FAILURE)
        return out

    def _requeue_stuck(self, d: dict, st: dict) -> float:
        """``requeueStuckDeployment``: come back when the progress deadline would pass."""
        current = du.get_condition(du.status(d), du.PROGRESSING)
        if not du.has_progress_deadline(d) or current is None:
            return -1
        if du.deployment_complete(d, st) or current.get("reason") == du.TIMED_OUT:
            return -1
        from ...api.meta import parse_rfc3339

        since = parse_rfc3339(current["lastUpdateTime"]) if current.get("lastUpdateTime") else 0.0
        after = since + du.spec(d)["progressDeadlineSeconds"] - self._now()
        key = self.key(d)
        if after < 1.0:
            self.queue.add_rate_limited(key)
            return 0
        self._progress_check(key, after + 1.0)
        return after

    def _progress_check(self, key: str, delay: float) -> None:
        """``enqueueAfter`` for the progress deadline, as a *background* timer: a stalled rollout
        must not keep ``cluster.settle()`` busy for ten virtual minutes (run the clock instead)."""
        when = self.loop.now + delay
        timer = self._deadline_timers.get(key)
        if timer is not None and not timer.cancelled and timer.when <= when:
            return
        if timer is not None:
            timer.cancel()
        self._deadline_timers[key] = self.loop.call_at(when, self._deadline_due, key, background=True)

    def _deadline_due(self, key: str) -> None:
        self._deadline_timers.pop(key, None)
        self.enqueue(key)

    # -------------------------------------------------------------------------------------
    # rollouts
    def _rollout_rolling(self, d: dict, rs_list: list[dict]) -> None:
        new_rs, old_rss = self._all_rss_and_sync_revision(d, rs_list, True)
        all_rss = old_rss + [new_rs]
        if self._reconcile_new_rs(all_rss, new_rs, d):
            self._sync_rollout_status(all_rss, new_rs, d)
            return
        if self._reconcile_old_rss(all_rss, du.filter_active(old_rss), new_rs, d):
            self._sync_rollout_status(all_rss, new_rs, d)
            return
        if du.deployment_complete(d, du.status(d)):
            self._cleanup(old_rss, d)
        self._sync_rollout_status(all_rss, new_rs, d)

    def _reconcile_new_rs(self, all_rss, new_rs: dict, d: dict) -> bool:
        if du.replicas(new_rs) == du.replicas(d):
            return False
        if du.replicas(new_rs) > du.replicas(d):
            return self._scale_rs_and_record(new_rs, du.replicas(d), d)[0]
        count = du.new_rs_new_replicas(d, all_rss, new_rs)
        return self._scale_rs_and_record(new_rs, count, d)[0]

    def _reconcile_old_rss(self, all_rss, old_rss: list[dict], new_rs: dict, d: dict) -> bool:
        old_count = du.replica_count(old_rss)
        if old_count == 0:
            return False
        all_count = du.replica_count(all_rss)
        min_available = du.replicas(d) - du.max_unavailable(d)
        new_unavailable = du.replicas(new_rs) - du.status(new_rs).get("availableReplicas", 0)
        max_scaled_down = all_count - min_available - new_unavailable
        if max_scaled_down <= 0:
            return False
        try:
            old_rss, cleaned = self._cleanup_unhealthy(old_rss, d, max_scaled_down)
        except errors.StatusError:
            return False   # upstream drops this error (returns false, nil)
        try:
            scaled = self._scale_down_old_for_rolling(old_rss + [new_rs], old_rss, d)
        except errors.StatusError:
            return False
        return cleaned + scaled > 0

    def _cleanup_unhealthy(self, old_rss: list[dict], d: dict, max_cleanup: int) -> tuple[list[dict], int]:
        """Scale down old sets by their unavailable pods first: it cannot cost availability."""
        old_rss = sorted(old_rss, key=du.creation_key)
        total = 0
        for i, rs in enumerate(old_rss):
            if total >= max_cleanup:
                break
            if du.replicas(rs) == 0:
                continue
            available = du.status(rs).get("availableReplicas", 0)
            if du.replicas(rs) == available:
                continue
            count = min(max_cleanup - total, du.replicas(rs) - available)
            _, updated = self._scale_rs_and_record(rs, du.replicas(rs) - count, d)
            total += count
            old_rss[i] = updated
        return old_rss, total

    def _scale_down_old_for_rolling(self, all_rss, old_rss: list[dict], d: dict) -> int:
        min_available = du.replicas(d) - du.max_unavailable(d)
        available = du.available_replica_count(all_rss)
        if available <= min_available:
            return 0
        total = 0
        to_scale = available - min_available
        for rs in sorted(old_rss, key=du.creation_key):
            if total >= to_scale:
                break
            if du.replicas(rs) == 0:
                continue
            count = min(du.replicas(rs), to_scale - total)
            self._scale_rs_and_record(rs, du.replicas(rs) - count, d)
            total += count
        return total

    def _rollout_recreate(self, d: dict, rs_list: list[dict]) -> None:
        new_rs, old_rss = self._all_rss_and_sync_revision(d, rs_list, False)
        all_rss = old_rss + [new_rs]
        scaled_down = False
        for rs in du.filter_active(old_rss):
            if self._scale_rs_and_record(rs, 0, d)[0]:
                scaled_down = True
        if scaled_down:
            self._sync_rollout_status(all_rss, new_rs, d)
            return
        if self._old_pods_running(new_rs, old_rss, self._pod_map(d, rs_list)):
            self._sync_rollout_status(all_rss, new_rs, d)
            return
        if new_rs is None:
            new_rs, old_rss = self._all_rss_and_sync_revision(d, rs_list, True)
            all_rss = old_rss + [new_rs]
        self._scale_rs_and_record(new_rs, du.replicas(d), d)
        if du.deployment_complete(d, du.status(d)):
            self._cleanup(old_rss, d)
        self._sync_rollout_status(all_rss, new_rs, d)

    @staticmethod
    def _old_pods_running(new_rs, old_rss, pod_map: dict[str, list[dict]]) -> bool:
        if du.actual_replica_count(old_rss) > 0:
            return True
        new_uid = new_rs["metadata"]["uid"] if new_rs is not None else None
        for uid, pods in pod_map.items():
            if uid == new_uid:
                continue
            for pod in pods:
                if (pod.get("status") or {}).get("phase") in ("Failed", "Succeeded"):
                    continue
                return True
        return False

    # -------------------------------------------------------------------------------------
    # rollback (the deprecated.deployment.rollback.to annotation, as upstream still honours it)
    @staticmethod
    def _rollback_to(d: dict) -> int | None:
        v = du.annotations(d).get(du.ROLLBACK_TO)
        if not v:
            return None
        try:
            return int(v)
        except ValueError:
            return None

    def _rollback(self, d: dict, rs_list: list[dict]) -> None:
        new_rs, old_rss = self._all_rss_and_sync_revision(d, rs_list, True)
        all_rss = old_rss + [new_rs]
        target = self._rollback_to(d) or 0
        if target == 0:
            target = du.last_revision(all_rss)
            if target == 0:
                self._event(d, "Warning", du.ROLLBACK_REVISION_NOT_FOUND, "Unable to find last revision.")
                self._clear_rollback_to(d)
                return
        for rs in all_rss:
            if rs is None or du.revision(rs) != target:
                continue
            performed = False
            if not equal_ignore_hash(du.spec(d).get("template"), du.spec(rs).get("template")):
                du.set_from_rs_template(d, du.spec(rs).get("template") or {})
                du.set_deployment_annotations_to(d, rs)
                performed = True
            else:
                self._event(d, "Warning", du.ROLLBACK_TEMPLATE_UNCHANGED,
                            f'The rollback revision contains the same template as current deployment "{d["metadata"]["name"]}"')
            self._clear_rollback_to(d)
            if performed:
                self._event(d, "Normal", du.ROLLBACK_DONE,
                            f'Rolled back deployment "{d["metadata"]["name"]}" to revision {target}')
            return
        self._event(d, "Warning", du.ROLLBACK_REVISION_NOT_FOUND, "Unable to find the revision to rollback to.")
        self._clear_rollback_to(d)

    def _clear_rollback_to(self, d: dict) -> None:
        ann = dict(du.annotations(d))
        ann.pop(du.ROLLBACK_TO, None)
        d["metadata"]["annotations"] = ann
        self.client.update("deployments", d, d["metadata"].get("namespace"))


def namespace_terminating(e: errors.StatusError) -> bool:
    from .replicaset import namespace_terminating as nt

    return nt(e)
