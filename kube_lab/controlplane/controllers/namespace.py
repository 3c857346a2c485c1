"""The namespace controller (``pkg/controller/namespace``): emptying a namespace being deleted.

Deleting a namespace only marks it ``Terminating``.  This controller then deletes every
namespaced object in it, waits until they are really gone (pods take their grace period),
reports progress in the namespace's conditions, and finally removes the ``kubernetes``
finalizer through the ``finalize`` subresource — after which the API server deletes the
namespace.
"""
from __future__ import annotations

from ...api import errors
from ...api.meta import deep_copy
from ...client import Controller

# Resources the namespace deleter skips (events go with their TTL in upstream too, but are
# deleted here like the rest; componentstatuses and bindings are not stored).
SKIP = {"componentstatuses", "bindings"}
REQUEUE_SECONDS = 1.0


class NamespaceController(Controller):
    name = "namespace"
    component = "namespace-controller"

    def start(self) -> None:
        inf = self.informers.informer("namespaces")
        inf.add_handlers(self._maybe, lambda old, new: self._maybe(new), None)
        self.namespaces = inf

    def _maybe(self, ns: dict) -> None:
        if ns["metadata"].get("deletionTimestamp"):
            self.enqueue(ns["metadata"]["name"])

    def reconcile(self, name: str) -> None:
        try:
            ns = self.client.get("namespaces", name)
        except errors.StatusError as e:
            if e.reason == "NotFound":
                return
            raise
        if not ns["metadata"].get("deletionTimestamp"):
            return
        remaining: dict[str, int] = {}
        for info in self.client.apiserver.registry:
            if not info.namespaced or info.resource in SKIP or "list" not in info.verbs:
                continue
            items = self.client.list(info.resource, name)["items"]
            for obj in items:
                if not obj["metadata"].get("deletionTimestamp"):
                    try:
                        self.client.delete(info.resource, obj["metadata"]["name"], name,
                                           propagation_policy="Background")
                    except errors.StatusError as e:
                        if e.reason != "NotFound":
                            raise
            left = len(self.client.list(info.resource, name)["items"])
            if left:
                remaining[info.group_resource] = left
        self._set_conditions(ns, remaining)
        if remaining:
            self.queue.add_after(name, REQUEUE_SECONDS)
            return
        latest = self.client.get("namespaces", name)
        fins = [f for f in (latest.get("spec") or {}).get("finalizers") or () if f != "kubernetes"]
        body = deep_copy(latest)
        body.setdefault("spec", {})["finalizers"] = fins
        self.client.update("namespaces", body, subresource="finalize")

    def _set_conditions(self, ns: dict, remaining: dict[str, int]) -> None:
        now = self.client.apiserver.timestamp()
        if remaining:
            summary = ", ".join(f"{res} has {n} resource instances" for res, n in sorted(remaining.items()))
            content = {"type": "NamespaceContentRemaining", "status": "True", "lastTransitionTime": now,
                       "reason": "SomeResourcesRemain", "message": f"Some resources are remaining: {summary}"}
        else:
            content = {"type": "NamespaceContentRemaining", "status": "False", "lastTransitionTime": now,
                       "reason": "ContentRemoved", "message": "All content successfully removed"}
        conds = [
            {"type": "NamespaceDeletionDiscoveryFailure", "status": "False", "lastTransitionTime": now,
             "reason": "ResourcesDiscovered", "message": "All resources successfully discovered"},
            {"type": "NamespaceDeletionGroupVersionParsingFailure", "status": "False", "lastTransitionTime": now,
             "reason": "ParsedGroupVersions", "message": "All legacy kube types successfully parsed"},
            {"type": "NamespaceDeletionContentFailure", "status": "False", "lastTransitionTime": now,
             "reason": "ContentDeleted", "message": "All content successfully deleted, may be waiting on finalization"},
            content,
            {"type": "NamespaceFinalizersRemaining", "status": "False", "lastTransitionTime": now,
             "reason": "ContentHasNoFinalizers", "message": "All content-preserving finalizers finished"},
        ]
        old = {c["type"]: c for c in (ns.get("status") or {}).get("conditions") or ()}
        for c in conds:  # keep the transition time of conditions whose status did not change
            prev = old.get(c["type"])
            if prev and prev.get("status") == c["status"]:
                c["lastTransitionTime"] = prev.get("lastTransitionTime", now)
        body = deep_copy(ns)
        body.setdefault("status", {})["conditions"] = conds
        body["status"]["phase"] = "Terminating"
        if body != ns:
            try:
                self.client.update_status("namespaces", body)
            except errors.StatusError as e:
                if e.reason not in ("NotFound", "Conflict"):
                    raise
