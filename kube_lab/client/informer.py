"""Shared informers, after client-go's ``SharedIndexInformer``.

An informer lists a resource once, then watches it from the list's resourceVersion, keeping a
local cache (the *indexer*) that controllers read instead of asking the API server.  Handlers
hear about adds, updates and deletes.  If the watch falls too far behind (410 Expired), the
informer lists again and reconciles its cache, as the reflector does.

The cached objects are the API server's stored objects, shared read-only: a handler that wants to
change one must copy it first.
"""
from __future__ import annotations

from typing import Callable

from ..api import errors
from ..api.meta import key_of
from .client import Client

AddHandler = Callable[[dict], None]
UpdateHandler = Callable[[dict, dict], None]
DeleteHandler = Callable[[dict], None]
IndexFunc = Callable[[dict], list]


class Informer:
    def __init__(self, client: Client, resource: str, namespace: str | None = None,
                 label_selector: str | None = None, field_selector: str | None = None):
        self.client = client
        self.resource = resource
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.cache: dict[str, dict] = {}
        self._handlers: list[tuple[AddHandler | None, UpdateHandler | None, DeleteHandler | None]] = []
        self._indexers: dict[str, IndexFunc] = {}
        self._indices: dict[str, dict[str, set[str]]] = {}
        self._watch = None
        self.started = False
        self.resource_version = ""

    # setup --------------------------------------------------------------------------------
    def add_handlers(self, on_add: AddHandler | None = None, on_update: UpdateHandler | None = None,
                     on_delete: DeleteHandler | None = None) -> None:
        """Register handlers; a late registration is replayed the current cache as adds."""
        self._handlers.append((on_add, on_update, on_delete))
        if self.started and on_add is not None:
            for key in sorted(self.cache):
                on_add(self.cache[key])

    def add_indexer(self, name: str, func: IndexFunc) -> None:
        self._indexers[name] = func
        index: dict[str, set[str]] = {}
        for key, obj in self.cache.items():
            for value in func(obj):
                index.setdefault(value, set()).add(key)
        self._indices[name] = index

    def start(self) -> None:
        if self.started:
            return
        self.started = True
        self._list_and_watch()

    def stop(self) -> None:
        if self._watch is not None:
            self._watch.stop()
            self._watch = None

    # cache reads --------------------------------------------------------------------------
    def get(self, key: str) -> dict | None:
        return self.cache.get(key)

    def list(self) -> list[dict]:
        return [self.cache[k] for k in sorted(self.cache)]

    def by_index(self, name: str, value: str) -> list[dict]:
        keys = self._indices[name].get(value, ())
        return [self.cache[k] for k in sorted(keys)]

    def keys(self) -> list[str]:
        return sorted(self.cache)

    # reflector ----------------------------------------------------------------------------
    def _list_and_watch(self) -> None:
        lst = self.client.list(self.resource, self.namespace, label_selector=self.label_selector,
                               field_selector=self.field_selector)
        fresh = {key_of(o): o for o in lst["items"]}
        # reconcile the cache with the fresh list (a relist after 410 must not lose deletes)
        for key in sorted(set(self.cache) - set(fresh)):
            self._delete(key, self.cache[key])
        for key in sorted(fresh):
            self._upsert(key, fresh[key])
        self.resource_version = lst["metadata"]["resourceVersion"]
        self._watch = self.client.watch(self.resource, self._on_event, self.namespace,
                                        label_selector=self.label_selector,
                                        field_selector=self.field_selector,
                                        resource_version=self.resource_version)

    def _on_event(self, event_type: str, obj: dict) -> None:
        if event_type == "ERROR":
            if self._watch is not None:
                self._watch.stop()
            self._list_and_watch()
            return
        key = key_of(obj)
        self.resource_version = obj["metadata"].get("resourceVersion", self.resource_version)
        if event_type == "DELETED":
            old = self.cache.get(key)
            if old is not None:
                self._delete(key, obj)
        else:
            self._upsert(key, obj)

    def _upsert(self, key: str, obj: dict) -> None:
        old = self.cache.get(key)
        if old is obj:
            return
        self.cache[key] = obj
        self._reindex(key, old, obj)
        if old is None:
            for on_add, _, _ in self._handlers:
                if on_add is not None:
                    on_add(obj)
        else:
            for _, on_update, _ in self._handlers:
                if on_update is not None:
                    on_update(old, obj)

    def _delete(self, key: str, obj: dict) -> None:
        old = self.cache.pop(key, None)
        self._reindex(key, old, None)
        for _, _, on_delete in self._handlers:
            if on_delete is not None:
                on_delete(obj)

    def _reindex(self, key: str, old: dict | None, new: dict | None) -> None:
        for name, func in self._indexers.items():
            index = self._indices[name]
            if old is not None:
                for value in func(old):
                    keys = index.get(value)
                    if keys is not None:
                        keys.discard(key)
                        if not keys:
                            del index[value]
            if new is not None:
                for value in func(new):
                    index.setdefault(value, set()).add(key)


class InformerFactory:
    """``SharedInformerFactory``: one informer per (resource, namespace, selectors), shared by
    every controller in a process."""

    def __init__(self, client: Client):
        self.client = client
        self._informers: dict[tuple, Informer] = {}

    def informer(self, resource: str, namespace: str | None = None, label_selector: str | None = None,
                 field_selector: str | None = None) -> Informer:
        key = (resource, namespace, label_selector, field_selector)
        inf = self._informers.get(key)
        if inf is None:
            inf = Informer(self.client, resource, namespace, label_selector, field_selector)
            self._informers[key] = inf
        return inf

    def start(self) -> None:
        for key in list(self._informers):
            self._informers[key].start()


__all__ = ["Informer", "InformerFactory", "errors"]
