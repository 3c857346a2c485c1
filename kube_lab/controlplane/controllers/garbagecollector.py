"""The garbage collector (``pkg/controller/garbagecollector``): cascading deletion through
ownerReferences.

It watches every resource (except events), keeps a graph of owners and dependents, and acts on
three kinds of work, as upstream does:

* **attempt to delete** a dependent whose owners are all gone (deleted, or replaced by an object
  with another uid).  If some owner still exists, only the dangling references are removed.
* **foreground deletion** — an owner deleted with ``propagationPolicy=Foreground`` carries the
  ``foregroundDeletion`` finalizer; its dependents are deleted first, and the owner's finalizer is
  removed when none are left, which lets the API server finish deleting it.
* **orphaning** — an owner deleted with ``propagationPolicy=Orphan`` carries the ``orphan``
  finalizer; the collector strips the owner's reference from every dependent, then removes the
  finalizer.

With the default ``Background`` policy the owner goes at once and its dependents follow.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ...api import errors
from ...api.meta import deep_copy
from ...api.registry import NoKindMatchError
from ...client import Controller

ORPHAN = "orphan"
FOREGROUND = "foregroundDeletion"
IGNORED = {"events", "componentstatuses", "bindings"}


@dataclass
class Node:
    """One object in the dependency graph."""

    uid: str
    resource: str
    namespace: str
    name: str
    owners: list[dict] = field(default_factory=list)
    dependents: set[str] = field(default_factory=set)
    deleting_dependents: bool = False
    being_deleted: bool = False


class GarbageCollector(Controller):
    name = "garbage-collector"
    component = "garbage-collector-controller"

    def __init__(self, client, informers):
        super().__init__(client, informers)
        self.graph: dict[str, Node] = {}
        self.registry = client.apiserver.registry

    def start(self) -> None:
        for info in self.registry:
            if info.resource in IGNORED or "watch" not in info.verbs or "delete" not in info.verbs:
                continue
            inf = self.informers.informer(info.resource)
            inf.add_handlers(lambda o, r=info.resource: self._observe(r, o),
                             lambda old, new, r=info.resource: self._observe(r, new),
                             lambda o, r=info.resource: self._forget(o))

    # graph builder ------------------------------------------------------------------------
    def _observe(self, resource: str, obj: dict) -> None:
        md = obj["metadata"]
        uid = md["uid"]
        node = self.graph.get(uid)
        owners = list(md.get("ownerReferences") or ())
        if node is None:
            node = Node(uid, resource, md.get("namespace", ""), md["name"])
            self.graph[uid] = node
        old_owner_uids = {o["uid"] for o in node.owners}
        new_owner_uids = {o["uid"] for o in owners}
        for gone in old_owner_uids - new_owner_uids:
            owner = self.graph.get(gone)
            if owner is not None:
                owner.dependents.discard(uid)
                if owner.deleting_dependents:
                    self.enqueue(("delete", gone))
        node.owners = owners
        dangling = False
        for ref in owners:
            owner = self.graph.get(ref["uid"])
            if owner is None:
                dangling = True  # owner not (yet) seen: verify against the API server
            else:
                owner.dependents.add(uid)
        if dangling:
            self.enqueue(("delete", uid))
        fins = md.get("finalizers") or ()
        node.being_deleted = bool(md.get("deletionTimestamp"))
        node.deleting_dependents = node.being_deleted and FOREGROUND in fins
        if node.being_deleted and ORPHAN in fins:
            self.enqueue(("orphan", uid))
        if node.deleting_dependents:
            self.enqueue(("delete", uid))
            for dep in sorted(node.dependents):
                self.enqueue(("delete", dep))

    def _forget(self, obj: dict) -> None:
        uid = obj["metadata"]["uid"]
        node = self.graph.pop(uid, None)
        if node is None:
            return
        for ref in node.owners:
            owner = self.graph.get(ref["uid"])
            if owner is not None:
                owner.dependents.discard(uid)
                if owner.deleting_dependents:
                    self.enqueue(("delete", owner.uid))
        for dep in sorted(node.dependents):
            self.enqueue(("delete", dep))

    # workers ------------------------------------------------------------------------------
    def reconcile(self, item) -> None:
        action, uid = item
        if action == "orphan":
            self._attempt_to_orphan(uid)
        else:
            self._attempt_to_delete(uid)

    def _live(self, node: Node) -> dict | None:
        try:
            obj = self.client.get(node.resource, node.name, node.namespace or None)
        except errors.StatusError as e:
            if e.reason == "NotFound":
                return None
            raise
        return obj if obj["metadata"]["uid"] == node.uid else None

    def _owner_state(self, node: Node, ref: dict) -> str:
        """solid, dangling, or waiting (being deleted in the foreground)."""
        try:
            info = self.registry.for_kind(ref["apiVersion"], ref["kind"])
        except NoKindMatchError:
            return "dangling"
        ns = node.namespace if info.namespaced else None
        try:
            owner = self.client.get(info.resource, ref["name"], ns)
        except errors.StatusError as e:
            if e.reason == "NotFound":
                return "dangling"
            raise
        if owner["metadata"]["uid"] != ref["uid"]:
            return "dangling"
        omd = owner["metadata"]
        if omd.get("deletionTimestamp") and FOREGROUND in (omd.get("finalizers") or ()):
            return "waiting"
        return "solid"

    def _attempt_to_delete(self, uid: str) -> None:
        node = self.graph.get(uid)
        if node is None:
            return
        live = self._live(node)
        if live is None:
            return
        md = live["metadata"]
        if md.get("deletionTimestamp") and FOREGROUND in (md.get("finalizers") or ()):
            self._process_deleting_dependents(node, live)
            return
        if md.get("deletionTimestamp"):
            return
        owners = md.get("ownerReferences") or []
        if not owners:
            return
        states = {ref["uid"]: self._owner_state(node, ref) for ref in owners}
        solid = [r for r in owners if states[r["uid"]] == "solid"]
        dangling = [r for r in owners if states[r["uid"]] == "dangling"]
        waiting = [r for r in owners if states[r["uid"]] == "waiting"]
        if solid:
            if dangling:
                keep = [r for r in owners if r["uid"] not in {d["uid"] for d in dangling}]
                self._set_owner_refs(node, live, keep)
            return
        if waiting and node.dependents:
            # an owner waits for us and we have dependents of our own: go in the foreground too
            policy = "Foreground"
        elif ORPHAN in (md.get("finalizers") or ()):
            policy = "Orphan"
        elif FOREGROUND in (md.get("finalizers") or ()):
            policy = "Foreground"
        else:
            policy = "Background"
        try:
            self.client.delete(node.resource, node.name, node.namespace or None, propagation_policy=policy,
                               preconditions={"uid": node.uid})
        except errors.StatusError as e:
            if e.reason not in ("NotFound", "Conflict"):
                raise

    def _process_deleting_dependents(self, node: Node, live: dict) -> None:
        """An owner in foreground deletion: when no blocking dependent is left, drop the
        ``foregroundDeletion`` finalizer; until then, make sure each dependent is being deleted."""
        remaining = [self.graph[d] for d in sorted(node.dependents) if d in self.graph]
        if not remaining:
            self._remove_finalizer(node, FOREGROUND)
            return
        for dep in remaining:
            if not dep.being_deleted:
                self.enqueue(("delete", dep.uid))

    def _attempt_to_orphan(self, uid: str) -> None:
        node = self.graph.get(uid)
        if node is None:
            return
        for dep_uid in sorted(node.dependents):
            dep = self.graph.get(dep_uid)
            if dep is None:
                continue
            live = self._live(dep)
            if live is None:
                continue
            refs = live["metadata"].get("ownerReferences") or []
            keep = [r for r in refs if r["uid"] != uid]
            if len(keep) != len(refs):
                self._set_owner_refs(dep, live, keep)
        self._remove_finalizer(node, ORPHAN)

    def _set_owner_refs(self, node: Node, live: dict, refs: list[dict]) -> None:
        obj = deep_copy(live)
        if refs:
            obj["metadata"]["ownerReferences"] = refs
        else:
            obj["metadata"].pop("ownerReferences", None)
        self.client.update(node.resource, obj, node.namespace or None)

    def _remove_finalizer(self, node: Node, finalizer: str) -> None:
        live = self._live(node)
        if live is None:
            return
        fins = live["metadata"].get("finalizers") or []
        if finalizer not in fins:
            return
        obj = deep_copy(live)
        rest = [f for f in fins if f != finalizer]
        if rest:
            obj["metadata"]["finalizers"] = rest
        else:
            obj["metadata"].pop("finalizers", None)
        self.client.update(node.resource, obj, node.namespace or None)
