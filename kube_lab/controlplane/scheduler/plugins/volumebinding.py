"""VolumeBinding (``plugins/volumebinding``): pods wait for their PersistentVolumeClaims, and a
volume's node affinity is a placement constraint (data locality).

* PreFilter: a claim that does not exist — ``persistentvolumeclaim "x" not found``; a claim
  not yet bound whose StorageClass binds ``Immediate`` — ``pod has unbound immediate
  PersistentVolumeClaims`` (the PV controller must bind it first).  Bound claims whose volumes
  are pinned to nodes by ``kubernetes.io/hostname`` restrict the pod to those nodes
  (``GetEligibleNodes``; the others are "node(s) didn't satisfy plugin(s) [VolumeBinding]").
* Filter: a bound claim's PersistentVolume must accept the node
  (``spec.nodeAffinity``) — ``node(s) had volume node affinity conflict``.  A
  ``WaitForFirstConsumer`` claim needs, on this node, an available PV that fits it or a
  provisioner allowed there — else ``node(s) didn't find available persistent volumes to bind``.
* Reserve / PreBind: the chosen PV gets ``spec.claimRef``; a claim to provision gets the
  ``volume.kubernetes.io/selected-node`` annotation; then binding waits (polling each second,
  at most ``bindTimeoutSeconds``, 600) until the PV controller has bound every claim.

The PV controller and the provisioners belong to the storage work; this plugin only does the
scheduler's part.
"""
from __future__ import annotations

from ....api.meta import deep_copy
from ..framework import (ADD, NODE, PV, PVC, STORAGE_CLASS, SKIP, UNSCHEDULABLE_AND_UNRESOLVABLE, UPDATE,
                         UPDATE_NODE_LABEL, UPDATE_NODE_TAINT, ClusterEvent, Plugin, PreFilterResult, Status)
from ..podinfo import quantity_value
from ..util import node_selector_matches

ERR_REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind"
ERR_REASON_NODE_CONFLICT = "node(s) had volume node affinity conflict"
ERR_REASON_PV_NOT_EXIST = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
ERR_UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims"
ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node"
ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
NO_PROVISIONER = "kubernetes.io/no-provisioner"
STATE_KEY = "PreFilterVolumeBinding"
DEFAULT_BIND_TIMEOUT = 600.0


def claim_names(pod: dict) -> list[str]:
    return [name for name, _ in _claims(pod)]


def _claims(pod: dict) -> list[tuple[str, bool]]:
    """(claim name, generic ephemeral volume?) for every claim the pod uses, in volume order."""
    out = []
    name = pod["metadata"]["name"]
    for v in (pod.get("spec") or {}).get("volumes") or ():
        if v.get("persistentVolumeClaim"):
            out.append((v["persistentVolumeClaim"].get("claimName", ""), False))
        elif v.get("ephemeral"):
            out.append((f"{name}-{v.get('name', '')}", True))
    return out


def fully_bound(pvc: dict) -> bool:
    """``isPVCFullyBound`` (a claim the PV controller reports Bound counts too)."""
    if not (pvc.get("spec") or {}).get("volumeName"):
        return False
    ann = pvc["metadata"].get("annotations") or {}
    return ANN_BIND_COMPLETED in ann or (pvc.get("status") or {}).get("phase") == "Bound"


def local_volume_node_names(pv: dict) -> list[str]:
    """``GetLocalPersistentVolumeNodeNames``: per node-affinity term, the intersection of its
    ``kubernetes.io/hostname In`` values; the union over the terms."""
    required = ((pv.get("spec") or {}).get("nodeAffinity") or {}).get("required")
    if not required:
        return []
    result: set[str] = set()
    for term in required.get("nodeSelectorTerms") or ():
        nodes: set[str] | None = None
        for expr in term.get("matchExpressions") or ():
            if expr.get("key") == "kubernetes.io/hostname" and expr.get("operator") == "In":
                values = set(expr.get("values") or ())
                nodes = values if nodes is None else nodes & values
        result |= nodes or set()
    return sorted(result)


def _class_of(obj: dict) -> str:
    """``GetPersistentVolumeClaimClass`` / ``GetPersistentVolumeClass``: the beta annotation wins."""
    ann = obj["metadata"].get("annotations") or {}
    if "volume.beta.kubernetes.io/storage-class" in ann:
        return ann["volume.beta.kubernetes.io/storage-class"]
    return (obj.get("spec") or {}).get("storageClassName") or ""


def _topology_matches(terms: list | None, labels: dict) -> bool:
    """``MatchTopologySelectorTerms`` for a StorageClass's ``allowedTopologies``."""
    if not terms:
        return True
    for term in terms:
        if all(labels.get(e.get("key")) in (e.get("values") or []) for e in term.get("matchLabelExpressions") or ()):
            return True
    return False


class _State:
    __slots__ = ("bound", "delay", "by_node")

    def __init__(self, bound, delay):
        self.bound = bound
        self.delay = delay
        self.by_node: dict[str, tuple[list, list]] = {}   # node → ([(pvc, pv)], [pvc to provision])

    def clone(self):
        c = _State(self.bound, self.delay)
        c.by_node = dict(self.by_node)
        return c


class VolumeBinding(Plugin):
    name = "VolumeBinding"

    def __init__(self, handle=None, args=None):
        super().__init__(handle, args)
        self.bind_timeout = float(self.args.get("bindTimeoutSeconds", DEFAULT_BIND_TIMEOUT))
        self.assumed_pvs: dict[str, str] = {}          # PV name → claim key, until bound

    def _get(self, resource: str, key: str) -> dict | None:
        inf = self.handle.informer(resource) if self.handle is not None else None
        return inf.get(key) if inf is not None else None

    # -- prefilter / filter ----------------------------------------------------------------------
    def pre_filter(self, state, pod, snap):
        claims = _claims(pod.pod)
        if not claims:
            return None, Status(SKIP)
        bound, delay, immediate = [], [], []
        for name, ephemeral in claims:
            pvc = self._get("persistentvolumeclaims", f"{pod.namespace}/{name}")
            if pvc is None:
                if ephemeral:
                    return None, Status(UNSCHEDULABLE_AND_UNRESOLVABLE, "waiting for ephemeral volume controller to "
                                                                        f'create the persistentvolumeclaim "{name}"')
                return None, Status(UNSCHEDULABLE_AND_UNRESOLVABLE, f'persistentvolumeclaim "{name}" not found')
            if (pvc.get("status") or {}).get("phase") == "Lost":
                return None, Status(UNSCHEDULABLE_AND_UNRESOLVABLE,
                                    f'persistentvolumeclaim "{name}" bound to non-existent persistentvolume '
                                    f'"{(pvc.get("spec") or {}).get("volumeName", "")}"')
            if pvc["metadata"].get("deletionTimestamp"):
                return None, Status(UNSCHEDULABLE_AND_UNRESOLVABLE, f'persistentvolumeclaim "{name}" is being deleted')
            if fully_bound(pvc):
                bound.append(pvc)
                continue
            sc = self._get("storageclasses", _class_of(pvc)) if _class_of(pvc) else None
            wffc = sc is not None and sc.get("volumeBindingMode") == "WaitForFirstConsumer"
            if wffc and not (pvc.get("spec") or {}).get("volumeName"):
                delay.append(pvc)
            else:
                immediate.append(pvc)
        if immediate:
            return None, Status(UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_UNBOUND_IMMEDIATE)
        state.write(STATE_KEY, _State(bound, delay))
        eligible = self._eligible_nodes(bound)
        return (PreFilterResult(eligible) if eligible is not None else None), None

    def _eligible_nodes(self, bound: list[dict]) -> set[str] | None:
        """``GetEligibleNodes``: the nodes named (``kubernetes.io/hostname In``) by the node
        affinity of the bound claims' volumes, intersected; None when there is no such limit."""
        eligible: set[str] | None = None
        for pvc in bound:
            pv = self._get("persistentvolumes", pvc["spec"]["volumeName"])
            if pv is None:
                return None
            names = local_volume_node_names(pv)
            if names:
                eligible = set(names) if eligible is None else eligible & set(names)
        return eligible

    def _find_volume(self, pvc: dict, node: dict, taken: set[str]) -> dict | None:
        """``FindMatchingVolume``: a pre-bound PV, else the smallest available PV that fits."""
        inf = self.handle.informer("persistentvolumes")
        spec = pvc.get("spec") or {}
        want = quantity_value("storage", ((spec.get("resources") or {}).get("requests") or {}).get("storage", "0"))
        cls = _class_of(pvc)
        modes = set(spec.get("accessModes") or ())
        vol_mode = spec.get("volumeMode") or "Filesystem"
        best, best_size = None, None
        for pv in inf.list():
            name = pv["metadata"]["name"]
            pspec = pv.get("spec") or {}
            ref = pspec.get("claimRef")
            claim_key = f"{pvc['metadata'].get('namespace', '')}/{pvc['metadata']['name']}"
            if name in taken or self.assumed_pvs.get(name, claim_key) != claim_key:
                continue
            if pv["metadata"].get("deletionTimestamp") or (pspec.get("volumeMode") or "Filesystem") != vol_mode:
                continue
            size = quantity_value("storage", (pspec.get("capacity") or {}).get("storage", "0"))
            if ref is not None:
                if (ref.get("namespace"), ref.get("name")) != (pvc["metadata"].get("namespace"),
                                                               pvc["metadata"]["name"]):
                    continue
                if ref.get("uid") and ref.get("uid") != pvc["metadata"].get("uid"):
                    continue
                if size < want:
                    continue
                if node_selector_matches((pspec.get("nodeAffinity") or {}).get("required"), node):
                    return pv       # pre-bound to this claim
                return None         # pre-bound, but not to a volume this node can use
            if (pv.get("status") or {}).get("phase") != "Available":
                continue
            if _class_of(pv) != cls:
                continue
            if not modes <= set(pspec.get("accessModes") or ()):
                continue
            if size < want:
                continue
            if not node_selector_matches((pspec.get("nodeAffinity") or {}).get("required"), node):
                continue
            sel = spec.get("selector")
            if sel:
                from ....api.selectors import from_label_selector
                if not from_label_selector(sel).matches(pv["metadata"].get("labels") or {}):
                    continue
            if best is None or size < best_size:
                best, best_size = pv, size
        return best

    def filter(self, state, pod, node_info) -> Status | None:
        s: _State = state.read(STATE_KEY)
        if s is None:
            return None
        node = node_info.node
        reasons = []
        for pvc in s.bound:
            pv = self._get("persistentvolumes", pvc["spec"]["volumeName"])
            if pv is None:
                return Status(UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_REASON_PV_NOT_EXIST)
            if not node_selector_matches(((pv.get("spec") or {}).get("nodeAffinity") or {}).get("required"), node):
                reasons.append(ERR_REASON_NODE_CONFLICT)
                break
        static, provision = [], []
        taken: set[str] = set()
        unbound_ok = True
        for pvc in s.delay:
            pv = self._find_volume(pvc, node, taken)
            if pv is not None:
                taken.add(pv["metadata"]["name"])
                static.append((pvc, pv))
                continue
            sc = self._get("storageclasses", _class_of(pvc))
            if sc is None or not sc.get("provisioner") or sc.get("provisioner") == NO_PROVISIONER or \
                    not _topology_matches(sc.get("allowedTopologies"), node_info.labels):
                unbound_ok = False
                break
            provision.append(pvc)
        if not unbound_ok:
            reasons.append(ERR_REASON_BIND_CONFLICT)
        if reasons:
            return Status(UNSCHEDULABLE_AND_UNRESOLVABLE, *reasons)
        s.by_node[node_info.name] = (static, provision)
        return None

    # -- reserve / prebind ---------------------------------------------------------------------------
    def reserve(self, state, pod, node_name: str) -> Status | None:
        s: _State = state.read(STATE_KEY)
        if s is None:
            return None
        static, _ = s.by_node.get(node_name, ([], []))
        for pvc, pv in static:
            md = pvc["metadata"]
            self.assumed_pvs[pv["metadata"]["name"]] = f"{md.get('namespace', '')}/{md['name']}"
        return None

    def unreserve(self, state, pod, node_name: str) -> None:
        s: _State = state.read(STATE_KEY)
        if s is None:
            return
        for pvc, pv in s.by_node.get(node_name, ([], []))[0]:
            self.assumed_pvs.pop(pv["metadata"]["name"], None)

    def pre_bind(self, state, pod, node_name: str):
        """API updates for the chosen volumes; returns a check the binder polls until the PV
        controller has bound every claim (or None when nothing is left to wait for)."""
        s: _State = state.read(STATE_KEY)
        if s is None or not s.delay:
            return None
        static, provision = s.by_node.get(node_name, ([], []))
        client = self.handle.client
        for pvc, pv in static:
            body = deep_copy(self._get("persistentvolumes", pv["metadata"]["name"]) or pv)
            md = pvc["metadata"]
            ref = body["spec"].get("claimRef") or {}
            bound_already = bool(ref) and (ref.get("namespace"), ref.get("name")) == (md.get("namespace"), md["name"]) \
                and (not ref.get("uid") or ref.get("uid") == md.get("uid"))
            # ``GetBindVolumeToClaim``: the claim's reference, and bound-by-controller unless the
            # volume was pre-bound to this claim by its author
            if (ref.get("namespace"), ref.get("name"), ref.get("uid")) != (md.get("namespace"), md["name"], md.get("uid")):
                body["spec"]["claimRef"] = {"kind": "PersistentVolumeClaim", "namespace": md.get("namespace", ""),
                                            "name": md["name"], "uid": md.get("uid", ""), "apiVersion": "v1",
                                            "resourceVersion": md.get("resourceVersion", "")}
            if not bound_already:
                body["metadata"].setdefault("annotations", {})[ANN_BOUND_BY_CONTROLLER] = "yes"
            client.update("persistentvolumes", body)
        for pvc in provision:
            body = deep_copy(self._get("persistentvolumeclaims",
                                       f"{pvc['metadata'].get('namespace', '')}/{pvc['metadata']['name']}") or pvc)
            body["metadata"].setdefault("annotations", {})[ANN_SELECTED_NODE] = node_name
            client.update("persistentvolumeclaims", body, body["metadata"].get("namespace"))
        keys = [f"{p['metadata'].get('namespace', '')}/{p['metadata']['name']}" for p in s.delay]
        pv_names = [pv["metadata"]["name"] for _, pv in static]

        def check() -> bool:
            for key in keys:
                pvc = self._get("persistentvolumeclaims", key)
                if pvc is None or not fully_bound(pvc):
                    return False
            for name in pv_names:
                self.assumed_pvs.pop(name, None)
            return True
        return check

    def events_to_register(self):
        return [(ClusterEvent(PVC, ADD | UPDATE), None), (ClusterEvent(PV, ADD | UPDATE), None),
                (ClusterEvent(STORAGE_CLASS, ADD | UPDATE), None),
                (ClusterEvent(NODE, ADD | UPDATE_NODE_LABEL | UPDATE_NODE_TAINT), None)]
