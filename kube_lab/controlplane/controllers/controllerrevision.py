"""ControllerRevision history, after ``pkg/controller/history`` (Kubernetes 1.32), shared by the
StatefulSet and DaemonSet controllers.

A ControllerRevision is an immutable snapshot of a workload's pod template, stored as a strategic
merge patch that puts the template back: ``{"spec":{"template":{…,"$patch":"replace"}}}``.  Both
controllers build that patch as upstream's ``getPatch`` does — the Go object encoded with
``encoding/json``, decoded into a map and encoded again — so the bytes (and therefore the
revision names and equality tests) are the ones a real controller-manager produces:

* keys sorted (the map round trip), compact, HTML characters escaped as ``\\u003c`` …;
* fields Go would not print dropped: empty strings, zero numbers, ``false``, empty lists and maps
  (``omitempty``), unknown fields; struct-typed fields always printed, so every container carries
  ``"resources":{}`` and the template ``"metadata":{"creationTimestamp":null}``.

The Go type of every field comes from the v1.32 table in :mod:`._pod_template_types` (the one the
``pod-template-hash`` printer uses).  A StatefulSet revision is named ``<set>-<hash>`` where the
hash is FNV-1 (not 1a) over those bytes plus the decimal collision count
(``HashControllerRevision``); a DaemonSet names its revisions by ``ComputeHash`` of the template
(see :mod:`.daemonset`).

:class:`History` is ``realHistory``: list (owned or orphaned revisions matching a selector),
create with name-collision probing, update the revision number, delete, adopt and release.
"""
from __future__ import annotations

import json
from typing import Iterable

from ...api import errors
from ...api import quantity as quantities
from ...api.meta import IdentityCache
from ...api.meta import controller_ref, new_controller_ref
from ._pod_template_types import NAMED, STRUCTS
from .hashing import safe_encode_string

CONTROLLER_REVISION_HASH_LABEL = "controller.kubernetes.io/hash"   # history.ControllerRevisionHashLabel
_FNV32_OFFSET = 0x811C9DC5
_FNV32_PRIME = 0x01000193

# Fields Go prints even when they hold the zero value (no ``omitempty`` in their JSON tag).
_REQUIRED = frozenset({
    ("v1.Container", "name"), ("v1.EphemeralContainerCommon", "name"), ("v1.ContainerPort", "containerPort"),
    ("v1.VolumeMount", "name"), ("v1.VolumeMount", "mountPath"), ("v1.Volume", "name"), ("v1.EnvVar", "name"),
    ("v1.HTTPHeader", "name"), ("v1.HTTPHeader", "value"), ("v1.KeyToPath", "key"), ("v1.KeyToPath", "path"),
    ("v1.ObjectFieldSelector", "fieldPath"), ("v1.NodeSelectorRequirement", "key"),
    ("v1.NodeSelectorRequirement", "operator"), ("v1.LabelSelectorRequirement", "key"),
    ("v1.LabelSelectorRequirement", "operator"), ("v1.TopologySpreadConstraint", "maxSkew"),
    ("v1.TopologySpreadConstraint", "topologyKey"), ("v1.TopologySpreadConstraint", "whenUnsatisfiable"),
    ("v1.PodAffinityTerm", "topologyKey"), ("v1.WeightedPodAffinityTerm", "weight"),
    ("v1.PreferredSchedulingTerm", "weight"), ("v1.NodeSelector", "nodeSelectorTerms"),
    ("v1.SeccompProfile", "type"), ("v1.AppArmorProfile", "type"), ("v1.VolumeDevice", "name"),
    ("v1.VolumeDevice", "devicePath"), ("v1.HostPathVolumeSource", "path"),
    ("v1.PersistentVolumeClaimVolumeSource", "claimName"), ("v1.SecretKeySelector", "key"),
    ("v1.ConfigMapKeySelector", "key"), ("v1.ResourceFieldSelector", "resource"), ("v1.GRPCAction", "port"),
    ("v1.SleepAction", "seconds"), ("v1.ContainerResizePolicy", "resourceName"),
    ("v1.ContainerResizePolicy", "restartPolicy"), ("v1.PodResourceClaim", "name"), ("v1.ResourceClaim", "name"),
    ("v1.PodSchedulingGate", "name"), ("v1.PodReadinessGate", "conditionType"), ("v1.Sysctl", "name"),
    ("v1.Sysctl", "value"), ("v1.PodOS", "name"), ("v1.HostAlias", "ip"), ("v1.PodDNSConfigOption", "name"),
})
_ZERO = {"string": "", "bool": False}


# ---------------------------------------------------------------------------------------------
# Go's encoding/json, driven by the type table
def _encode(t: str, v):
    """The JSON value Go prints for ``v`` (wire JSON) held in a field of Go type ``t``; ``None``
    marks "nothing" for the caller to decide (omit, or print ``null``)."""
    if t[0] == "*":
        return None if v is None else _encode(t[1:], v)
    if t.startswith("[]"):
        if not v:
            return None
        return [_encode_elem(t[2:], item) for item in v]
    if t in ("v1.Time", "time.Time"):
        return v or None
    if t == "resource.Quantity":
        try:
            return quantities.canonical(str(v))
        except (quantities.QuantityError, ValueError):
            return str(v)
    if t == "intstr.IntOrString":
        return v if v is not None else 0
    underlying = NAMED.get(t, t)
    if underlying.startswith("map["):
        if not v:
            return None
        val_t = underlying[underlying.index("]") + 1:]
        return {k: _encode_elem(val_t, x) for k, x in v.items()}
    fields = STRUCTS.get(t)
    if fields is None:
        return v          # a scalar
    out: dict = {}
    obj = v if isinstance(v, dict) else {}
    for _, json_name, ft in fields:
        if json_name == "-":
            continue
        if json_name == "":
            inner = _encode(ft, obj)
            out.update(inner or {})
            continue
        enc = _encode(ft, obj.get(json_name))
        if ft in ("v1.Time", "time.Time"):
            out[json_name] = enc                     # a struct: never omitted, null when zero
        elif ft in STRUCTS or ft == "intstr.IntOrString":
            out[json_name] = {} if enc is None else enc
        elif enc is None:
            continue                                 # nil pointer, empty list or map
        elif ft[0] == "*" or (t, json_name) in _REQUIRED or not _is_zero(enc):
            out[json_name] = enc
    return out


def _is_zero(v) -> bool:
    if isinstance(v, bool):
        return v is False
    if isinstance(v, (int, float)):
        return v == 0
    return v == ""


def _encode_elem(t: str, v):
    enc = _encode(t, v)
    if enc is None:
        if t.startswith("[]") or NAMED.get(t, t).startswith("map["):
            return None           # a nil element prints as null
        return _ZERO.get(NAMED.get(t, t), {} if t in STRUCTS else 0) if t[0] != "*" else None
    return enc


def go_json(value) -> bytes:
    """``json.Marshal`` of a ``map[string]interface{}``: sorted keys, compact, HTML-safe."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    text = (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
    return text.encode("utf-8")


def template_patch(obj: dict) -> dict:
    """``getPatch``: the patch that restores ``obj``'s pod template (StatefulSet or DaemonSet)."""
    template = _encode("v1.PodTemplateSpec", ((obj.get("spec") or {}).get("template")) or {})
    template["$patch"] = "replace"
    return {"spec": {"template": template}}


def patch_template(data: dict) -> dict:
    """The pod template a revision's patch restores (``ApplyRevision`` for a template-only patch)."""
    template = dict(((data or {}).get("spec") or {}).get("template") or {})
    template.pop("$patch", None)
    return template


_BYTES_CACHE = IdentityCache(4096)


def data_bytes(data) -> bytes:
    """The raw bytes of a revision's data (cached per stored object: they are immutable)."""
    return _BYTES_CACHE.get(data, go_json)


def fnv32(data: bytes) -> int:
    """FNV-1 (multiply, then xor) — ``hash/fnv.New32``."""
    h = _FNV32_OFFSET
    for b in data:
        h = ((h * _FNV32_PRIME) & 0xFFFFFFFF) ^ b
    return h


def hash_controller_revision(data, probe: int | None) -> str:
    """``HashControllerRevision``: FNV-1 of the data bytes and the decimal probe."""
    raw = data_bytes(data)
    if probe is not None:
        raw += str(probe).encode()
    return safe_encode_string(str(fnv32(raw)))


def controller_revision_name(prefix: str, hash_: str) -> str:
    """``ControllerRevisionName``: ``<prefix>-<hash>``, the prefix cut to 223 bytes."""
    if len(prefix) > 223:
        prefix = prefix[:223]
    return f"{prefix}-{hash_}"


def new_controller_revision(parent: dict, template_labels: dict | None, data: dict, revision: int,
                            collision_count: int | None) -> dict:
    """``NewControllerRevision``: labels from the template plus the hash label, a controller
    reference to ``parent``, ``data`` and ``revision``."""
    labels = dict(template_labels or {})
    hash_ = hash_controller_revision(data, collision_count)
    labels[CONTROLLER_REVISION_HASH_LABEL] = hash_
    md = parent["metadata"]
    return {"apiVersion": "apps/v1", "kind": "ControllerRevision",
            "metadata": {"name": controller_revision_name(md["name"], hash_), "namespace": md.get("namespace", ""),
                         "labels": labels, "ownerReferences": [new_controller_ref(parent)]},
            "data": data, "revision": revision}


def revision_of(cr: dict) -> int:
    return int(cr.get("revision") or 0)


def sort_controller_revisions(revisions: Iterable[dict]) -> list[dict]:
    """``SortControllerRevisions``: by revision, then creation time, then name."""
    return sorted(revisions, key=lambda r: (revision_of(r), r["metadata"].get("creationTimestamp") or "",
                                             r["metadata"]["name"]))


def equal_revision(lhs: dict | None, rhs: dict | None) -> bool:
    """``EqualRevision``: the hash labels (when both parse as integers) and then the data bytes."""
    if lhs is None or rhs is None:
        return lhs is rhs
    lh = _parse_hash((lhs["metadata"].get("labels") or {}).get(CONTROLLER_REVISION_HASH_LABEL))
    rh = _parse_hash((rhs["metadata"].get("labels") or {}).get(CONTROLLER_REVISION_HASH_LABEL))
    if lh is not None and rh is not None and lh != rh:
        return False
    return data_bytes(lhs.get("data")) == data_bytes(rhs.get("data"))


def _parse_hash(text: str | None) -> int | None:
    """``strconv.ParseInt(hs, 10, 32)`` (the safe-encoded hashes hardly ever parse)."""
    if not text:
        return None
    try:
        v = int(text, 10)
    except ValueError:
        return None
    if not text.lstrip("+-").isdigit() or not -(1 << 31) <= v < (1 << 31):
        return None
    return v & 0xFFFFFFFF


def find_equal_revisions(revisions: list[dict], needle: dict) -> list[dict]:
    return [r for r in revisions if equal_revision(r, needle)]


class History:
    """``realHistory``: ControllerRevisions through the API, listed from the shared informer."""

    def __init__(self, client, informer):
        self.client = client
        self.informer = informer

    def list(self, parent: dict, selector) -> list[dict]:
        """``ListControllerRevisions``: revisions in the parent's namespace matching ``selector``
        that the parent controls or nobody controls."""
        ns = parent["metadata"].get("namespace", "")
        uid = parent["metadata"]["uid"]
        out = []
        for cr in self.informer.by_index("kube-lab/namespace", ns):
            if selector is None or not selector.matches(cr["metadata"].get("labels") or {}):
                continue
            ref = controller_ref(cr)
            if ref is None or ref.get("uid") == uid:
                out.append(cr)
        return out

    def create(self, parent: dict, revision: dict, collision_count: int) -> tuple[dict, int]:
        """``CreateControllerRevision``: create under ``<parent>-<hash>``; on a name taken by
        different data, bump the collision count and try the next name.  Returns the revision
        and the (possibly increased) collision count."""
        ns = parent["metadata"].get("namespace", "")
        while True:
            hash_ = hash_controller_revision(revision["data"], collision_count)
            body = {**revision, "metadata": {**revision["metadata"],
                                             "name": controller_revision_name(parent["metadata"]["name"], hash_)}}
            try:
                return self.client.create("controllerrevisions", body, ns), collision_count
            except errors.StatusError as e:
                if e.reason != "AlreadyExists":
                    raise
            exists = self.client.get("controllerrevisions", body["metadata"]["name"], ns)
            if data_bytes(exists.get("data")) == data_bytes(revision["data"]):
                return exists, collision_count
            collision_count += 1

    def update_revision(self, revision: dict, new_revision: int) -> dict:
        """``UpdateControllerRevision``: set ``revision`` (the number), retrying on conflicts."""
        md = revision["metadata"]
        current = revision
        for _ in range(5):
            if revision_of(current) == new_revision:
                return current
            body = {**current, "revision": new_revision}
            try:
                return self.client.update("controllerrevisions", body, md.get("namespace"))
            except errors.StatusError as e:
                if e.reason != "Conflict":
                    raise
                current = self.client.get("controllerrevisions", md["name"], md.get("namespace"))
        raise errors.status("Conflict", f"Operation cannot be fulfilled on controllerrevisions.apps "
                                        f"\"{md['name']}\": too many conflicts")

    def delete(self, revision: dict) -> None:
        md = revision["metadata"]
        self.client.delete("controllerrevisions", md["name"], md.get("namespace"))

    def adopt(self, parent: dict, revision: dict) -> dict:
        """``AdoptControllerRevision``: a strategic merge patch adding our controller reference."""
        if controller_ref(revision) is not None:
            raise errors.status("Conflict", f"attempt to adopt revision owned by {controller_ref(revision)}")
        pmd = parent["metadata"]
        patch = {"metadata": {"ownerReferences": [{
            "apiVersion": parent["apiVersion"], "kind": parent["kind"], "name": pmd["name"], "uid": pmd["uid"],
            "controller": True, "blockOwnerDeletion": True}], "uid": revision["metadata"]["uid"]}}
        return self.client.patch("controllerrevisions", revision["metadata"]["name"], patch,
                                 namespace=pmd.get("namespace"))

    def release(self, parent: dict, revision: dict) -> dict | None:
        """``ReleaseControllerRevision``: drop our reference (gone or not ours: ignored)."""
        patch = {"metadata": {"ownerReferences": [{"$patch": "delete", "uid": parent["metadata"]["uid"]}],
                              "uid": revision["metadata"]["uid"]}}
        try:
            return self.client.patch("controllerrevisions", revision["metadata"]["name"], patch,
                                     namespace=revision["metadata"].get("namespace"))
        except errors.StatusError as e:
            if e.reason in ("NotFound", "Invalid"):
                return None
            raise
