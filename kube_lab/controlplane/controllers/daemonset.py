"""The DaemonSet controller (``pkg/controller/daemon``, Kubernetes 1.32).

A DaemonSet runs one pod on every node that should run it.  A node should when the pod — the
template, placed on that node, with the standard daemon tolerations added — fits it
(``NodeShouldRunDaemonPod``): ``spec.template.spec.nodeName`` (if set) names it, the node selector
and required node affinity match it, and every NoSchedule / NoExecute taint is tolerated.  A pod
already running may *continue* on a node whose new taints are only NoSchedule.

The controller adds these tolerations to every daemon pod (``AddOrUpdateDaemonPodTolerations``):
``node.kubernetes.io/not-ready`` and ``…/unreachable`` (NoExecute, no tolerationSeconds — daemon
pods are never evicted for a node problem), ``…/disk-pressure``, ``…/memory-pressure``,
``…/pid-pressure``, ``…/unschedulable`` (NoSchedule), and ``…/network-unavailable`` for
``hostNetwork`` pods.  It does not bind pods itself: each pod gets a required node affinity
``metadata.name In [<node>]`` and the default scheduler places it there.

Each sync: build the revision history (a ControllerRevision per template, named
``<ds>-<hash>`` with ``controller-revision-hash`` = ``ComputeHash`` of the template, as
:mod:`.hashing` computes it); ``manage`` creates the missing pods (slow-start batches) and deletes
pods on nodes that should not run them, failed pods (with a 1 s → 15 min back-off per node),
succeeded pods and duplicates; ``rollingUpdate`` replaces old pods within ``maxUnavailable``
(delete first) or ``maxSurge`` (start the new pod first, delete the old one once the new one is
available), ``OnDelete`` waits for the user; then the status — desiredNumberScheduled,
currentNumberScheduled, numberMisscheduled, numberReady, updatedNumberScheduled,
numberAvailable, numberUnavailable, observedGeneration — is written.  Nodes joining or changing
re-sync the DaemonSets they concern.

Events (``daemonset-controller``): ``SuccessfulCreate`` "Created pod: …", ``SuccessfulDelete``
"Deleted pod: …", ``FailedDaemonPod``, ``SucceededDaemonPod``, ``SelectingAll``.
"""
from __future__ import annotations

import math

from ...api import errors
from ...api.meta import controller_ref, deep_copy, new_controller_ref
from ...client import Controller
from . import controller_utils as cu
from . import controllerrevision as history
from .hashing import compute_hash
from .job import PodExpectations
from .replicaset import namespace_terminating

UNIQUE_LABEL = "controller-revision-hash"                      # apps.DefaultDaemonSetUniqueLabelKey
TEMPLATE_GENERATION_LABEL = "pod-template-generation"          # extensions.DaemonSetTemplateGenerationKey
TEMPLATE_GENERATION_ANNOTATION = "deprecated.daemonset.template.generation"
BACKOFF_INITIAL = 1.0          # failedPodsBackoff: flowcontrol.NewBackOff(1s, 15min)
BACKOFF_MAX = 900.0
STATUS_UPDATE_RETRIES = 1
DAEMON_TOLERATIONS = (
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
)
NETWORK_UNAVAILABLE = "node.kubernetes.io/network-unavailable"


# ---------------------------------------------------------------------------------------------
# daemon/util
def _match_toleration(a: dict, b: dict) -> bool:
    """``Toleration.MatchToleration``: same key, operator, value and effect."""
    return (a.get("key", "") == b.get("key", "") and (a.get("operator") or "Equal") == (b.get("operator") or "Equal")
            and a.get("value", "") == b.get("value", "") and a.get("effect", "") == b.get("effect", ""))


def add_or_update_toleration(spec: dict, toleration: dict) -> None:
    """``AddOrUpdateTolerationInPodSpec``."""
    tolerations = spec.get("tolerations") or []
    out, updated = [], False
    for t in tolerations:
        if _match_toleration(t, toleration):
            if t == toleration:
                return
            out.append(toleration)
            updated = True
        else:
            out.append(t)
    if not updated:
        out.append(toleration)
    spec["tolerations"] = out


def add_daemon_tolerations(spec: dict) -> None:
    """``AddOrUpdateDaemonPodTolerations`` (changes ``spec``)."""
    for key, effect in DAEMON_TOLERATIONS:
        add_or_update_toleration(spec, {"key": key, "operator": "Exists", "effect": effect})
    if spec.get("hostNetwork"):
        add_or_update_toleration(spec, {"key": NETWORK_UNAVAILABLE, "operator": "Exists", "effect": "NoSchedule"})


def node_name_affinity(affinity: dict | None, node: str) -> dict:
    """``ReplaceDaemonSetPodNodeNameNodeAffinity``: require ``metadata.name In [node]``,
    replacing any other required node-selector terms."""
    term = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
    affinity = deep_copy(affinity) if affinity else {}
    node_affinity = affinity.setdefault("nodeAffinity", {})
    required = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    if required is None:
        node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": [term]}
    else:
        required["nodeSelectorTerms"] = [term]
    return affinity


def target_node_name(pod: dict) -> str | None:
    """``GetTargetNodeName``: ``spec.nodeName``, else the node the affinity pins the pod to."""
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return spec["nodeName"]
    required = ((((spec.get("affinity") or {}).get("nodeAffinity") or {})
                 .get("requiredDuringSchedulingIgnoredDuringExecution")) or {})
    terms = required.get("nodeSelectorTerms") or []
    if len(terms) < 1:
        return None
    for req in terms[0].get("matchFields") or ():
        if req.get("key") == "metadata.name" and req.get("operator") == "In" and len(req.get("values") or ()) == 1:
            return req["values"][0]
    return None


from ...api.taints import tolerates  # noqa: E402,F401 - re-exported


def untolerated_taint(taints, tolerations, effects: tuple[str, ...]) -> dict | None:
    """``FindMatchingUntoleratedTaint`` over the taints with one of ``effects``."""
    for taint in taints or ():
        if taint.get("effect") not in effects:
            continue
        if not any(tolerates(t, taint) for t in tolerations or ()):
            return taint
    return None


def _requirement_matches(req: dict, value: str | None) -> bool:
    op, values = req.get("operator"), req.get("values") or []
    if op == "In":
        return value is not None and value in values
    if op == "NotIn":
        return value is None or value not in values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    if op in ("Gt", "Lt"):
        if value is None or len(values) != 1:
            return False
        try:
            have, want = int(value), int(values[0])
        except ValueError:
            return False
        return have > want if op == "Gt" else have < want
    return False


def node_matches_pod(pod_spec: dict, node: dict) -> bool:
    """``nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)``: the node selector and the
    required node-affinity terms (any term; within a term every expression and field)."""
    labels = node["metadata"].get("labels") or {}
    for k, v in (pod_spec.get("nodeSelector") or {}).items():
        if labels.get(k) != v:
            return False
    required = ((((pod_spec.get("affinity") or {}).get("nodeAffinity") or {})
                 .get("requiredDuringSchedulingIgnoredDuringExecution")))
    if required is None:
        return True
    fields = {"metadata.name": node["metadata"]["name"]}
    for term in required.get("nodeSelectorTerms") or ():
        exprs, mfields = term.get("matchExpressions") or [], term.get("matchFields") or []
        if not exprs and not mfields:
            continue
        if all(_requirement_matches(r, labels.get(r.get("key"))) for r in exprs) and \
                all(r.get("key") in fields and _requirement_matches(r, fields[r["key"]]) for r in mfields):
            return True
    return False


def scaled_value(value, total: int, round_up: bool) -> int:
    """``intstr.GetScaledValueFromIntOrPercent``."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    pct = int(str(value).rstrip("%"))
    exact = pct * total / 100
    return int(math.ceil(exact)) if round_up else int(math.floor(exact))


def surge_count(ds: dict, desired: int) -> int:
    strategy = (ds.get("spec") or {}).get("updateStrategy") or {}
    if strategy.get("type") != "RollingUpdate":
        return 0
    rolling = strategy.get("rollingUpdate") or {}
    return scaled_value(rolling.get("maxSurge"), desired, True)


def unavailable_count(ds: dict, desired: int) -> int:
    strategy = (ds.get("spec") or {}).get("updateStrategy") or {}
    if strategy.get("type") != "RollingUpdate":
        return 0
    rolling = strategy.get("rollingUpdate") or {}
    return scaled_value(rolling.get("maxUnavailable"), desired, True)


def allows_surge(ds: dict) -> bool:
    return surge_count(ds, 1) != 0


def template_generation(ds: dict) -> int | None:
    raw = (ds["metadata"].get("annotations") or {}).get(TEMPLATE_GENERATION_ANNOTATION)
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def is_pod_updated(pod: dict, hash_: str, generation: int | None) -> bool:
    labels = pod["metadata"].get("labels") or {}
    template_matches = generation is not None and labels.get(TEMPLATE_GENERATION_LABEL) == str(generation)
    return bool(hash_) and labels.get(UNIQUE_LABEL) == hash_ or template_matches


def daemon_pod_spec(ds: dict) -> dict:
    """The template's pod spec with the tolerations every daemon pod gets (a fresh copy)."""
    template_spec = deep_copy((((ds.get("spec") or {}).get("template")) or {}).get("spec") or {})
    add_daemon_tolerations(template_spec)
    return template_spec


def node_should_run_daemon_pod(node: dict, ds: dict, template_spec: dict | None = None) -> tuple[bool, bool]:
    """``NodeShouldRunDaemonPod``: (should run, should continue running).  ``template_spec`` is
    :func:`daemon_pod_spec` of ``ds`` when the caller has it already (it is only read)."""
    if template_spec is None:
        template_spec = daemon_pod_spec(ds)
    if template_spec.get("nodeName") not in (None, "", node["metadata"]["name"]):
        return False, False
    if not node_matches_pod(template_spec, node):
        return False, False
    taints = (node.get("spec") or {}).get("taints") or []
    tolerations = template_spec.get("tolerations") or []
    if untolerated_taint(taints, tolerations, ("NoExecute", "NoSchedule")) is not None:
        return False, untolerated_taint(taints, tolerations, ("NoExecute",)) is None
    return True, True


def _by_creation_and_phase(pod: dict) -> tuple:
    """``podByCreationTimestampAndPhase``: scheduled pods first, then oldest, then by name."""
    return (0 if (pod.get("spec") or {}).get("nodeName") else 1, pod["metadata"].get("creationTimestamp") or "",
            pod["metadata"]["name"])


class _Backoff:
    """``flowcontrol.Backoff`` keyed per (DaemonSet, generation, node)."""

    def __init__(self, initial: float, maximum: float):
        self.initial, self.maximum = initial, maximum
        self._entries: dict[str, tuple[float, float]] = {}    # key → (backoff, last update)

    def get(self, key: str) -> float:
        return self._entries.get(key, (0.0, 0.0))[0]

    def in_backoff_since_update(self, key: str, now: float) -> bool:
        entry = self._entries.get(key)
        return entry is not None and now - entry[1] < entry[0]

    def next(self, key: str, now: float) -> None:
        entry = self._entries.get(key)
        if entry is None or now - entry[1] > 2 * self.maximum:
            self._entries[key] = (self.initial, now)
        else:
            self._entries[key] = (min(entry[0] * 2, self.maximum), now)


# ---------------------------------------------------------------------------------------------
class DaemonSetsController(Controller):
    """``DaemonSetsController``: informers on DaemonSets, ControllerRevisions, Pods and Nodes."""

    name = "daemonset"
    component = "daemonset-controller"

    def __init__(self, client, informers, burst_replicas: int = 250):
        super().__init__(client, informers)
        self.apiserver = client.apiserver
        self.burst_replicas = burst_replicas
        self.expectations = PodExpectations(self.loop)
        self.failed_backoff = _Backoff(BACKOFF_INITIAL, BACKOFF_MAX)
        self._spec_cache: dict[tuple, object] = {}   # (uid, generation, what) → value

    def _now(self) -> float:
        return self.apiserver.epoch + self.loop.now

    # -------------------------------------------------------------------------------------
    # wiring
    def start(self) -> None:
        self.sets = self.informers.informer("daemonsets")
        cu.ensure_index(self.sets, cu.INDEX_NAMESPACE, cu.namespace_index)
        self.revisions = self.informers.informer("controllerrevisions")
        cu.ensure_index(self.revisions, cu.INDEX_NAMESPACE, cu.namespace_index)
        self.pods = self.informers.informer("pods")
        cu.ensure_index(self.pods, cu.INDEX_CONTROLLER, cu.pod_controller_index)
        cu.ensure_index(self.pods, cu.INDEX_NAMESPACE, cu.namespace_index)
        self.nodes = self.informers.informer("nodes")
        self.history = history.History(self.client, self.revisions)
        self.sets.add_handlers(self._enqueue_ds, lambda old, cur: self._enqueue_ds(cur), self._delete_ds)
        self.revisions.add_handlers(self._revision_event, lambda old, cur: self._revision_event(cur),
                                    self._revision_event)
        self.pods.add_handlers(self._add_pod, self._update_pod, self._delete_pod)
        self.nodes.add_handlers(self._add_node, self._update_node, self._delete_node)

    @staticmethod
    def key(obj: dict) -> str:
        md = obj["metadata"]
        return f"{md.get('namespace', '')}/{md['name']}"

    def _enqueue_ds(self, ds: dict) -> None:
        self.enqueue(self.key(ds))

    def _delete_ds(self, ds: dict) -> None:
        self.expectations.delete(self.key(ds))
        self._enqueue_ds(ds)

    def _resolve(self, namespace: str, ref: dict) -> dict | None:
        return cu.resolve_controller_ref(self.sets, "DaemonSet", namespace, ref)

    def _sets_selecting(self, obj: dict) -> list[dict]:
        return cu.owners_selecting(self.sets, obj)

    def _revision_event(self, cr: dict) -> None:
        ref = controller_ref(cr)
        if ref is not None:
            ds = self._resolve(cr["metadata"].get("namespace", ""), ref)
            if ds is not None:
                self._enqueue_ds(ds)
            return
        for ds in self._sets_selecting(cr):
            self._enqueue_ds(ds)

    def _add_pod(self, pod: dict) -> None:
        if pod["metadata"].get("deletionTimestamp"):
            self._delete_pod(pod)
            return
        ref = controller_ref(pod)
        if ref is not None:
            ds = self._resolve(pod["metadata"].get("namespace", ""), ref)
            if ds is not None:
                self.expectations.creation_observed(self.key(ds))
                self._enqueue_ds(ds)
            return
        for ds in self._sets_selecting(pod):
            self._enqueue_ds(ds)

    def _update_pod(self, old: dict, cur: dict) -> None:
        if old["metadata"].get("resourceVersion") == cur["metadata"].get("resourceVersion"):
            return
        if cur["metadata"].get("deletionTimestamp"):
            self._delete_pod(cur)
            return
        cur_ref, old_ref = controller_ref(cur), controller_ref(old)
        ns = cur["metadata"].get("namespace", "")
        if cur_ref != old_ref and old_ref is not None:
            ds = self._resolve(ns, old_ref)
            if ds is not None:
                self._enqueue_ds(ds)
        if cur_ref is not None:
            ds = self._resolve(ns, cur_ref)
            if ds is not None:
                self._enqueue_ds(ds)
            return
        if cur_ref != old_ref or (old["metadata"].get("labels") or {}) != (cur["metadata"].get("labels") or {}):
            for ds in self._sets_selecting(cur):
                self._enqueue_ds(ds)

    def _delete_pod(self, pod: dict) -> None:
        ref = controller_ref(pod)
        if ref is None:
            return
        ds = self._resolve(pod["metadata"].get("namespace", ""), ref)
        if ds is None:
            return
        md = pod["metadata"]
        self.expectations.deletion_observed(self.key(ds), f"{md.get('namespace', '')}/{md['name']}")
        self._enqueue_ds(ds)

    def _add_node(self, node: dict) -> None:
        for ds in self.sets.list():
            if node_should_run_daemon_pod(node, ds, self._spec(ds))[0]:
                self._enqueue_ds(ds)

    def _update_node(self, old: dict, cur: dict) -> None:
        """``updateNode``: only label and taint changes (``shouldIgnoreNodeUpdate``) re-sync the
        DaemonSets whose verdict changed."""
        if (old["metadata"].get("labels") == cur["metadata"].get("labels")
                and (old.get("spec") or {}).get("taints") == (cur.get("spec") or {}).get("taints")):
            return
        for ds in self.sets.list():
            if node_should_run_daemon_pod(old, ds, self._spec(ds)) != node_should_run_daemon_pod(cur, ds, self._spec(ds)):
                self._enqueue_ds(ds)

    def _delete_node(self, node: dict) -> None:
        """Not in upstream (there the pod garbage collector's deletions re-sync the DaemonSets):
        the desired count falls at once."""
        for ds in self.sets.list():
            self._enqueue_ds(ds)

    # -------------------------------------------------------------------------------------
    # sync
    def reconcile(self, key: str) -> None:
        ds = self.sets.get(key)
        if ds is None:
            self.expectations.delete(key)
            return
        nodes = self.nodes.list()
        selector_spec = (ds.get("spec") or {}).get("selector")
        if selector_spec == {}:
            self.recorder.event(ds, "Warning", "SelectingAll",
                                "This daemon set is selecting all pods. A non-empty selector is required.")
            return
        if ds["metadata"].get("deletionTimestamp"):
            return
        cur, old = self._construct_history(ds)
        hash_ = (cur["metadata"].get("labels") or {}).get(UNIQUE_LABEL, "")
        if not self.expectations.satisfied(key):
            self._update_status(ds, nodes, hash_, False)
            return
        err = None
        try:
            self._manage(ds, nodes, hash_)
            if self.expectations.satisfied(key):
                strategy = ((ds.get("spec") or {}).get("updateStrategy") or {}).get("type")
                if strategy == "RollingUpdate":
                    self._rolling_update(ds, nodes, hash_)
            self._cleanup_history(ds, old)
        except errors.StatusError as e:
            err = e
        status_err = None
        try:
            self._update_status(ds, nodes, hash_, True)
        except errors.StatusError as e:
            status_err = e
        if err is not None:
            raise err
        if status_err is not None:
            raise status_err

    def _daemon_pods(self, ds: dict) -> list[dict]:
        """``getDaemonPods``: claim (adopt / release) the pods of the DaemonSet's namespace."""
        md = ds["metadata"]
        ns = md.get("namespace", "")
        selector = cu.label_selector((ds.get("spec") or {}).get("selector"))
        owned = self.pods.by_index(cu.INDEX_CONTROLLER, md["uid"])
        orphans = self.pods.by_index(cu.INDEX_CONTROLLER, "orphan/" + ns)
        candidates = sorted(owned + orphans, key=lambda p: p["metadata"]["name"]) if orphans else owned
        pods, errs = cu.claim_objects(
            ds, selector, candidates,
            adopt=lambda pod: self.client.patch(
                "pods", pod["metadata"]["name"], cu.owner_ref_patch(ds, "apps/v1", "DaemonSet",
                                                                     pod["metadata"]["uid"]), namespace=ns),
            release=lambda pod: self.client.patch(
                "pods", pod["metadata"]["name"], cu.delete_owner_ref_patch(pod["metadata"]["uid"], md["uid"]),
                namespace=ns),
            can_adopt=lambda: cu.recheck_deletion(self.client, "daemonsets", ds))
        if errs:
            raise errs[0]
        return pods

    def _nodes_to_daemon_pods(self, ds: dict, include_deleted_terminal: bool = False) -> dict[str, list[dict]]:
        out: dict[str, list[dict]] = {}
        for pod in self._daemon_pods(ds):
            if (not include_deleted_terminal and (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")
                    and pod["metadata"].get("deletionTimestamp")):
                continue
            node = target_node_name(pod)
            if node is None:
                continue
            out.setdefault(node, []).append(pod)
        return out

    def _pods_should_be_on_node(self, node: dict, node_pods: dict, ds: dict, hash_: str) -> tuple[list[str], list[str]]:
        """``podsShouldBeOnNode``: (nodes needing a pod, pods to delete) for one node."""
        should_run, should_continue = node_should_run_daemon_pod(node, ds, self._spec(ds))
        name = node["metadata"]["name"]
        pods = node_pods.get(name)
        create: list[str] = []
        delete: list[str] = []
        if should_run and pods is None:
            create.append(name)
        elif should_continue:
            running = []
            for pod in pods or ():
                if pod["metadata"].get("deletionTimestamp"):
                    continue
                phase = (pod.get("status") or {}).get("phase")
                if phase == "Failed":
                    key = f"{ds['metadata']['uid']}/{(ds.get('status') or {}).get('observedGeneration', 0)}/{name}"
                    now = self._now()
                    if self.failed_backoff.in_backoff_since_update(key, now):
                        self.queue.add_after(self.key(ds), self.failed_backoff.get(key))
                        continue
                    self.failed_backoff.next(key, now)
                    md = pod["metadata"]
                    self.recorder.event(ds, "Warning", "FailedDaemonPod",
                                        f"Found failed daemon pod {md.get('namespace')}/{md['name']} on node {name}, "
                                        "will try to kill it")
                    delete.append(md["name"])
                elif phase == "Succeeded":
                    md = pod["metadata"]
                    self.recorder.event(ds, "Normal", "SucceededDaemonPod",
                                        f"Found succeeded daemon pod {md.get('namespace')}/{md['name']} on node "
                                        f"{name}, will try to delete it")
                    delete.append(md["name"])
                else:
                    running.append(pod)
            running.sort(key=_by_creation_and_phase)
            if not allows_surge(ds):
                delete.extend(p["metadata"]["name"] for p in running[1:])
            elif len(running) <= 1:
                if not running and should_run:
                    create.append(name)
            else:
                oldest_new = oldest_old = None
                for pod in running:
                    if (pod["metadata"].get("labels") or {}).get(UNIQUE_LABEL) == hash_:
                        if oldest_new is None:
                            oldest_new = pod
                            continue
                    elif oldest_old is None:
                        oldest_old = pod
                        continue
                    delete.append(pod["metadata"]["name"])
                if oldest_new is not None and oldest_old is not None:
                    min_ready = (ds.get("spec") or {}).get("minReadySeconds") or 0
                    if not cu.is_pod_ready(oldest_old) or cu.is_pod_available(oldest_new, min_ready, self._now()):
                        delete.append(oldest_old["metadata"]["name"])
        elif not should_continue and pods is not None:
            delete.extend(p["metadata"]["name"] for p in pods if not p["metadata"].get("deletionTimestamp"))
        return create, delete

    def _manage(self, ds: dict, nodes: list[dict], hash_: str) -> None:
        node_pods = self._nodes_to_daemon_pods(ds)
        create: list[str] = []
        delete: list[str] = []
        for node in nodes:
            c, d = self._pods_should_be_on_node(node, node_pods, ds, hash_)
            create += c
            delete += d
        present = {n["metadata"]["name"] for n in nodes}
        for name in sorted(node_pods):
            if name not in present:
                delete += [p["metadata"]["name"] for p in node_pods[name] if not (p.get("spec") or {}).get("nodeName")]
        self._sync_nodes(ds, delete, create, hash_)

    def _sync_nodes(self, ds: dict, to_delete: list[str], to_create: list[str], hash_: str) -> None:
        """``syncNodes``: create daemon pods on ``to_create`` (slow start), delete ``to_delete``."""
        key = self.key(ds)
        ns = ds["metadata"].get("namespace", "")
        create_n = min(len(to_create), self.burst_replicas)
        delete_names = to_delete[:self.burst_replicas]
        self.expectations.expect(key, create_n, [f"{ns}/{n}" for n in delete_names])
        generation = template_generation(ds)
        template = deep_copy((ds.get("spec") or {}).get("template") or {})
        add_daemon_tolerations(template.setdefault("spec", {}))
        labels = template.setdefault("metadata", {}).setdefault("labels", {})
        if generation is not None:
            labels[TEMPLATE_GENERATION_LABEL] = str(generation)
        if hash_:
            labels[UNIQUE_LABEL] = hash_
        ref = new_controller_ref(ds)
        targets = list(to_create[:create_n])
        first: list[errors.StatusError] = []

        def create_one() -> None:
            node = targets.pop(0)
            pod_template = {**template, "spec": {**template["spec"],
                                                 "affinity": node_name_affinity(template["spec"].get("affinity"),
                                                                                node)}}
            pod = cu.get_pod_from_template(pod_template, ds, ref)
            try:
                created = self.client.create("pods", pod, ns, owned=True)
            except errors.StatusError as e:
                if namespace_terminating(e):
                    return
                self.expectations.creation_observed(key)
                self.recorder.event(ds, "Warning", "FailedCreate", f"Error creating: {e.message}")
                raise
            self.recorder.event(ds, "Normal", "SuccessfulCreate", f"Created pod: {created['metadata']['name']}")

        successes, err = self._slow_start(key, create_n, create_one)
        if err is not None:
            first.append(err)
        for name in delete_names:
            try:
                self.client.delete("pods", name, ns)
            except errors.StatusError as e:
                self.expectations.deletion_observed(key, f"{ns}/{name}")
                if e.reason != "NotFound":
                    self.recorder.event(ds, "Warning", "FailedDelete", f"Error deleting: {e.message}")
                    first.append(e)
                continue
            self.recorder.event(ds, "Normal", "SuccessfulDelete", f"Deleted pod: {name}")
        if first:
            raise first[0]

    def _slow_start(self, key: str, count: int, fn) -> tuple[int, errors.StatusError | None]:
        """``syncNodes``' batches of 1, 2, 4 …: a batch with a failure ends the creations and the
        skipped pods are no longer expected."""
        pos, batch = 0, min(count, cu.SLOW_START_INITIAL_BATCH_SIZE)
        successes = 0
        first = None
        while count > pos:
            failed = 0
            for _ in range(batch):
                try:
                    fn()
                    successes += 1
                except errors.StatusError as e:
                    failed += 1
                    first = first or e
            skipped = count - (batch + pos)
            if failed and skipped > 0:
                self.expectations.lower(key, skipped, 0)
                break
            pos, batch = pos + batch, min(2 * batch, count - (pos + batch))
        return successes, first

    # -------------------------------------------------------------------------------------
    # rolling update (update.go)
    def _desired_counts(self, ds: dict, nodes: list[dict], node_pods: dict) -> tuple[int, int, int]:
        desired = 0
        for node in nodes:
            if not node_should_run_daemon_pod(node, ds, self._spec(ds))[0]:
                continue
            desired += 1
            node_pods.setdefault(node["metadata"]["name"], [])
        max_unavailable = unavailable_count(ds, desired)
        max_surge = surge_count(ds, desired)
        if desired > 0 and max_unavailable == 0 and max_surge == 0:
            max_unavailable = 1
        return max_surge, max_unavailable, desired

    def _updated_pods_on_node(self, ds: dict, pods: list[dict], hash_: str) -> tuple[dict | None, dict | None, bool]:
        """``findUpdatedPodsOnNode``: (new pod, old pod, at most one of each)."""
        new = old = None
        generation = template_generation(ds)
        for pod in pods:
            if pod["metadata"].get("deletionTimestamp"):
                continue
            if is_pod_updated(pod, hash_, generation):
                if new is not None:
                    return None, None, False
                new = pod
            else:
                if old is not None:
                    return None, None, False
                old = pod
        return new, old, True

    def _rolling_update(self, ds: dict, nodes: list[dict], hash_: str) -> None:
        node_pods = self._nodes_to_daemon_pods(ds)
        max_surge, max_unavailable, desired = self._desired_counts(ds, nodes, node_pods)
        min_ready = (ds.get("spec") or {}).get("minReadySeconds") or 0
        now = self._now()
        available = lambda pod: cu.is_pod_available(pod, min_ready, now)  # noqa: E731
        by_name = {n["metadata"]["name"]: n for n in nodes}
        if max_surge == 0:
            unavailable = 0
            replacements: list[str] = []
            candidates: list[str] = []
            for name in sorted(node_pods):
                new, old, ok = self._updated_pods_on_node(ds, node_pods[name], hash_)
                if not ok:
                    unavailable += 1
                    continue
                if (old is None and new is None) or (old is not None and new is not None):
                    unavailable += 1
                elif new is not None:
                    if not available(new):
                        unavailable += 1
                elif not available(old):
                    replacements.append(old["metadata"]["name"])
                    unavailable += 1
                elif unavailable >= max_unavailable:
                    continue
                else:
                    candidates.append(old["metadata"]["name"])
            remaining = max(0, min(max_unavailable - unavailable, len(candidates)))
            self._sync_nodes(ds, replacements + candidates[:remaining], [], hash_)
            return
        old_to_delete: list[str] = []
        should_not_run: list[str] = []
        candidate_nodes: list[str] = []
        allowed_nodes: list[str] = []
        surge = available_count = 0
        for name in sorted(node_pods):
            new, old, ok = self._updated_pods_on_node(ds, node_pods[name], hash_)
            if not ok:
                surge += 1
                continue
            if old is not None:
                if available(old):
                    available_count += 1
            elif new is not None and available(new):
                available_count += 1
            if old is None:
                continue
            if new is None:
                node = by_name.get(name)
                if node is None:
                    raise errors.status("NotFound", f'couldn\'t get node for nodeName "{name}": '
                                                    f'node "{name}" not found')
                should_run = node_should_run_daemon_pod(node, ds, self._spec(ds))[0]
                if not available(old):
                    if not should_run:
                        old_to_delete.append(old["metadata"]["name"])
                        continue
                    allowed_nodes.append(name)
                else:
                    if not should_run:
                        should_not_run.append(old["metadata"]["name"])
                        continue
                    if surge >= max_surge:
                        continue
                    candidate_nodes.append(name)
            else:
                if not available(new):
                    surge += 1
                    continue
                old_to_delete.append(old["metadata"]["name"])
        deletable = available_count - desired
        if deletable > 0:
            old_to_delete += should_not_run[:min(deletable, len(should_not_run))]
        remaining = max(0, min(max_surge - surge, len(candidate_nodes)))
        self._sync_nodes(ds, old_to_delete, allowed_nodes + candidate_nodes[:remaining], hash_)

    # -------------------------------------------------------------------------------------
    # history
    def _controlled_histories(self, ds: dict) -> list[dict]:
        md = ds["metadata"]
        ns = md.get("namespace", "")
        selector = cu.label_selector((ds.get("spec") or {}).get("selector"))
        candidates = [r for r in self.revisions.by_index(cu.INDEX_NAMESPACE, ns)
                      if controller_ref(r) is None or controller_ref(r).get("uid") == md["uid"]]
        revisions, errs = cu.claim_objects(
            ds, selector, candidates,
            adopt=lambda r: self.history.adopt(ds, r),
            release=lambda r: self.history.release(ds, r),
            can_adopt=lambda: cu.recheck_deletion(self.client, "daemonsets", ds))
        if errs:
            raise errs[0]
        return revisions

    def _cached(self, ds: dict, what: str, compute):
        """What depends only on a DaemonSet's spec, computed once per spec (generation)."""
        md = ds["metadata"]
        key = (md.get("uid"), md.get("generation"), what)
        value = self._spec_cache.get(key)
        if value is None:
            if len(self._spec_cache) > 256:
                self._spec_cache.clear()
            value = self._spec_cache[key] = compute()
        return value

    def _spec(self, ds: dict) -> dict:
        return self._cached(ds, "spec", lambda: daemon_pod_spec(ds))

    def _construct_history(self, ds: dict) -> tuple[dict, list[dict]]:
        """``constructHistory``: the revision matching the template (created, de-duplicated or
        renumbered as needed) and the others."""
        patch = self._cached(ds, "patch", lambda: history.data_bytes(history.template_patch(ds)))
        current: list[dict] = []
        old: list[dict] = []
        ns = ds["metadata"].get("namespace")
        for r in self._controlled_histories(ds):
            if UNIQUE_LABEL not in (r["metadata"].get("labels") or {}):
                body = deep_copy(r)
                body["metadata"].setdefault("labels", {})[UNIQUE_LABEL] = body["metadata"]["name"]
                r = self.client.update("controllerrevisions", body, ns)
            if history.data_bytes(r.get("data")) == patch:
                current.append(r)
            else:
                old.append(r)
        number = max((history.revision_of(r) for r in old), default=0) + 1
        if not current:
            cur = self._snapshot(ds, number)
        else:
            cur = self._dedup(ds, current)
            if history.revision_of(cur) < number:
                cur = self.client.update("controllerrevisions", {**cur, "revision": number}, ns)
        return cur, old

    def _snapshot(self, ds: dict, number: int) -> dict:
        data = history.template_patch(ds)
        collision = (ds.get("status") or {}).get("collisionCount")
        template = (ds.get("spec") or {}).get("template") or {}
        hash_ = compute_hash(template, collision)
        md = ds["metadata"]
        labels = dict((template.get("metadata") or {}).get("labels") or {})
        labels[UNIQUE_LABEL] = hash_
        body = {"apiVersion": "apps/v1", "kind": "ControllerRevision",
                "metadata": {"name": f"{md['name']}-{hash_}", "namespace": md.get("namespace", ""),
                             "labels": labels, "ownerReferences": [new_controller_ref(ds)]},
                "data": data, "revision": number}
        if md.get("annotations"):
            body["metadata"]["annotations"] = dict(md["annotations"])
        try:
            return self.client.create("controllerrevisions", body, md.get("namespace"), owned=True)
        except errors.StatusError as e:
            if e.reason != "AlreadyExists":
                raise
            existing = self.client.get("controllerrevisions", f"{md['name']}-{hash_}", md.get("namespace"))
            if history.data_bytes(existing.get("data")) == history.data_bytes(data):
                return existing
            fresh = self.client.get("daemonsets", md["name"], md.get("namespace"))
            if (fresh.get("status") or {}).get("collisionCount") != collision:
                raise errors.status("Conflict", f"found a stale collision count ({collision}, expected "
                                                f"{(fresh.get('status') or {}).get('collisionCount')}) of DaemonSet "
                                                f'"{md["name"]}" while processing; will retry until it is updated')
            body = deep_copy(fresh)
            body.setdefault("status", {})["collisionCount"] = (collision or 0) + 1
            self.client.update_status("daemonsets", body, md.get("namespace"))
            raise

    def _dedup(self, ds: dict, current: list[dict]) -> dict:
        if len(current) == 1:
            return current[0]
        keep = None
        for r in current:
            if keep is None or history.revision_of(r) >= history.revision_of(keep):
                keep = r
        keep_hash = (keep["metadata"].get("labels") or {}).get(UNIQUE_LABEL)
        ns = ds["metadata"].get("namespace")
        for pod in self._daemon_pods(ds):
            if (pod["metadata"].get("labels") or {}).get(UNIQUE_LABEL) != keep_hash:
                self.client.patch("pods", pod["metadata"]["name"], {"metadata": {"labels": {UNIQUE_LABEL: keep_hash}}},
                                  "application/merge-patch+json", ns)
        for r in current:
            if r["metadata"]["name"] != keep["metadata"]["name"]:
                self.client.delete("controllerrevisions", r["metadata"]["name"], ns)
        return keep

    def _cleanup_history(self, ds: dict, old: list[dict]) -> None:
        """``cleanupHistory``: delete the oldest revisions beyond ``revisionHistoryLimit`` that no
        pod (even a deleted, finished one) still uses."""
        limit = (ds.get("spec") or {}).get("revisionHistoryLimit", 10)
        to_kill = len(old) - limit
        if to_kill <= 0:
            return
        live = set()
        for pods in self._nodes_to_daemon_pods(ds, True).values():
            for pod in pods:
                h = (pod["metadata"].get("labels") or {}).get(UNIQUE_LABEL)
                if h:
                    live.add(h)
        for r in sorted(old, key=history.revision_of):
            if to_kill <= 0:
                break
            if (r["metadata"].get("labels") or {}).get(UNIQUE_LABEL) in live:
                continue
            self.client.delete("controllerrevisions", r["metadata"]["name"], ds["metadata"].get("namespace"))
            to_kill -= 1

    # -------------------------------------------------------------------------------------
    # status
    def _update_status(self, ds: dict, nodes: list[dict], hash_: str, update_observed_gen: bool) -> None:
        """``updateDaemonSetStatus`` + ``storeDaemonSetStatus``."""
        node_pods = self._nodes_to_daemon_pods(ds)
        desired = current = misscheduled = ready = updated = available = 0
        min_ready = (ds.get("spec") or {}).get("minReadySeconds") or 0
        now = self._now()
        generation = template_generation(ds)
        for node in nodes:
            should_run, _ = node_should_run_daemon_pod(node, ds, self._spec(ds))
            pods = node_pods.get(node["metadata"]["name"]) or []
            if should_run:
                desired += 1
                if not pods:
                    continue
                current += 1
                pod = sorted(pods, key=_by_creation_and_phase)[0]
                if cu.is_pod_ready(pod):
                    ready += 1
                    if cu.is_pod_available(pod, min_ready, now):
                        available += 1
                if is_pod_updated(pod, hash_, generation):
                    updated += 1
            elif pods:
                misscheduled += 1
        unavailable = desired - available
        st = ds.get("status") or {}
        gen = ds["metadata"].get("generation", 0)
        values = {"currentNumberScheduled": current, "numberMisscheduled": misscheduled,
                  "desiredNumberScheduled": desired, "numberReady": ready, "updatedNumberScheduled": updated,
                  "numberAvailable": available, "numberUnavailable": unavailable}
        if all(st.get(k, 0) == v for k, v in values.items()) and st.get("observedGeneration", 0) >= gen:
            self._requeue_for_min_ready(ds, min_ready, ready, available)
            return
        current_obj = ds
        ns = ds["metadata"].get("namespace")
        for attempt in range(STATUS_UPDATE_RETRIES + 1):
            old = current_obj.get("status") or {}
            status = {k: values[k] for k in ("currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled",
                                             "numberReady")}
            observed = gen if update_observed_gen else old.get("observedGeneration", 0)
            if observed:
                status["observedGeneration"] = observed
            for k in ("updatedNumberScheduled", "numberAvailable", "numberUnavailable"):
                if values[k]:
                    status[k] = values[k]
            for k in ("collisionCount", "conditions"):
                if old.get(k) is not None:
                    status[k] = old[k]
            try:
                self.client.update_status("daemonsets", {**current_obj, "status": status}, ns)
                break
            except errors.StatusError:
                if attempt >= STATUS_UPDATE_RETRIES:
                    raise
                current_obj = self.client.get("daemonsets", ds["metadata"]["name"], ns)
        self._requeue_for_min_ready(ds, min_ready, ready, available)

    def _requeue_for_min_ready(self, ds: dict, min_ready: int, ready: int, available: int) -> None:
        if min_ready > 0 and ready != available:
            self.queue.add_after(self.key(ds), min_ready + 0.001)
