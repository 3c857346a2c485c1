"""etcd: the cluster's one consistent key-value store, modelled on etcd v3's MVCC store.

* One global **revision** counts every change.  Each key remembers the revision that created it
  (``create_revision``), last modified it (``mod_revision``) and how many times it was written
  (``version``).  Kubernetes uses ``mod_revision`` as an object's ``resourceVersion``.
* Keys look like ``/registry/<resource>/<namespace>/<name>`` (``/registry/<resource>/<name>`` for
  cluster-scoped objects), as the real kube-apiserver lays them out.
* Writes are compare-and-swap transactions on ``mod_revision``: that is how optimistic concurrency
  (409 Conflict) works in Kubernetes.
* **Watch** from any revision still in history; **compaction** forgets history older than a
  revision, after which watching from there fails with :class:`Compacted`.
* ``snapshot_save`` / ``snapshot_restore`` write and read the whole keyspace, like
  ``etcdctl snapshot save`` and ``etcdutl snapshot restore``.

Values are the stored objects themselves (never mutated after they are written), not bytes;
the snapshot file serialises them as JSON.
"""
from __future__ import annotations

import bisect
import json
import os
import weakref
from typing import Any, Callable, Iterable

PUT = "PUT"
DELETE = "DELETE"
_TRACKED: "weakref.WeakSet[Etcd]" = weakref.WeakSet()


def tracked_stores() -> list["Etcd"]:
    """Stores created with mutation tracking on (for the test suite's check)."""
    return list(_TRACKED)


class KeyValue:
    """One key's current state (``mvccpb.KeyValue``)."""

    __slots__ = ("key", "value", "create_revision", "mod_revision", "version")

    def __init__(self, key: str, value: Any, create_revision: int, mod_revision: int, version: int):
        self.key = key
        self.value = value
        self.create_revision = create_revision
        self.mod_revision = mod_revision
        self.version = version

    def __repr__(self) -> str:
        return f"KeyValue({self.key!r}, create={self.create_revision}, mod={self.mod_revision}, v={self.version})"


class WatchEvent:
    """A change: ``PUT`` (create or update) or ``DELETE``, with the previous value."""

    __slots__ = ("type", "kv", "prev")

    def __init__(self, type: str, kv: KeyValue, prev: KeyValue | None):
        self.type = type
        self.kv = kv
        self.prev = prev

    @property
    def revision(self) -> int:
        return self.kv.mod_revision

    @property
    def is_create(self) -> bool:
        return self.type == PUT and self.prev is None


class Compacted(Exception):
    """``mvcc: required revision has been compacted``."""

    def __init__(self, requested: int, compact_revision: int):
        super().__init__("mvcc: required revision has been compacted")
        self.requested = requested
        self.compact_revision = compact_revision


class FutureRevision(Exception):
    """``mvcc: required revision is a future revision``."""

    def __init__(self) -> None:
        super().__init__("mvcc: required revision is a future revision")


class Watcher:
    __slots__ = ("prefix", "callback", "cancelled")

    def __init__(self, prefix: str, callback: Callable[[WatchEvent], None]):
        self.prefix = prefix
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


def _resource_prefix(key: str) -> str:
    """``/registry/pods/default/web`` → ``/registry/pods/`` (the bucket a key belongs to)."""
    i = key.find("/", 10)  # len("/registry/") == 10
    return key[: i + 1] if i >= 0 else key


class Etcd:
    """The MVCC key-value store."""

    def __init__(self) -> None:
        self.revision = 1  # a new etcd cluster starts at revision 1
        self.compact_revision = 0
        # bucket (``/registry/pods/``) → key → KeyValue; buckets keep range reads cheap.
        self._buckets: dict[str, dict[str, KeyValue]] = {}
        self._sorted: dict[str, list[str] | None] = {}
        self._history: list[WatchEvent] = []   # ordered by revision
        self._history_revs: list[int] = []
        self._watchers: dict[str, list[Watcher]] = {}
        self._bucket_revision: dict[str, int] = {}   # bucket → revision of its last change
        self.keep_history = True
        # With KUBE_LAB_CHECK_IMMUTABLE=1 (set by the test suite) every stored value is
        # fingerprinted, and verify_immutable() proves nobody changed one after it was written.
        # Fingerprints are (mod_revision, repr) so a check racing a served cluster's writer thread
        # can tell "written since" from "changed in place".
        self._fingerprints: dict[str, tuple[int, str]] | None = {} if os.environ.get("KUBE_LAB_CHECK_IMMUTABLE") else None
        if self._fingerprints is not None:
            _TRACKED.add(self)
        self.saved_at: float | None = None   # set on a store restored from a snapshot

    # reads ------------------------------------------------------------------------------------
    def get(self, key: str) -> KeyValue | None:
        bucket = self._buckets.get(_resource_prefix(key))
        return bucket.get(key) if bucket else None

    def range(self, prefix: str, revision: int | None = None, limit: int | None = None,
              start_after: str | None = None) -> list[KeyValue]:
        """Key-values whose keys start with ``prefix``, sorted by key.

        ``revision`` reads the store as it was then (``Compacted`` if that is forgotten);
        ``start_after`` and ``limit`` page through the range as the API server's ``continue``
        does."""
        if revision is not None and revision != self.revision:
            return self._range_at(prefix, revision, limit, start_after)
        bucket_name = _resource_prefix(prefix) if prefix.count("/") >= 3 else None
        if bucket_name is not None and bucket_name in self._buckets:
            keys = self._sorted_keys(bucket_name)
            bucket = self._buckets[bucket_name]
        else:
            bucket = {}
            for name, b in self._buckets.items():
                if name.startswith(prefix) or prefix.startswith(name):
                    bucket.update(b)
            keys = sorted(bucket)
        lo = bisect.bisect_left(keys, prefix)
        if start_after is not None:
            lo = max(lo, bisect.bisect_right(keys, start_after))
        out: list[KeyValue] = []
        for i in range(lo, len(keys)):
            k = keys[i]
            if not k.startswith(prefix):
                break
            out.append(bucket[k])
            if limit is not None and len(out) >= limit:
                break
        return out

    def values(self, prefix: str) -> Iterable[KeyValue]:
        """Key-values under ``prefix`` in no particular order (no sorting: cheap for scans)."""
        bucket = self._buckets.get(_resource_prefix(prefix))
        if not bucket:
            return ()
        return [kv for k, kv in bucket.items() if k.startswith(prefix)]

    def bucket_revision(self, prefix: str) -> int:
        """The revision of the last change to any key in ``prefix``'s resource bucket (0: none);
        lets readers cache what they derive from a small bucket."""
        return self._bucket_revision.get(_resource_prefix(prefix), 0)

    def count(self, prefix: str) -> int:
        return sum(1 for _ in self.range(prefix))

    def _sorted_keys(self, bucket_name: str) -> list[str]:
        keys = self._sorted.get(bucket_name)
        if keys is None:
            keys = sorted(self._buckets[bucket_name])
            self._sorted[bucket_name] = keys
        return keys

    def _range_at(self, prefix: str, revision: int, limit: int | None, start_after: str | None) -> list[KeyValue]:
        if revision > self.revision:
            raise FutureRevision()
        if revision < self.compact_revision:
            raise Compacted(revision, self.compact_revision)
        # Start from the present and undo every change made after ``revision``.
        state = {kv.key: kv for kv in self.range(prefix)}
        start = bisect.bisect_right(self._history_revs, revision)
        for ev in reversed(self._history[start:]):
            if not ev.kv.key.startswith(prefix):
                continue
            if ev.prev is None:
                state.pop(ev.kv.key, None)
            else:
                state[ev.kv.key] = ev.prev
        keys = sorted(k for k in state if start_after is None or k > start_after)
        if limit is not None:
            keys = keys[:limit]
        return [state[k] for k in keys]

    # writes -----------------------------------------------------------------------------------
    @property
    def next_revision(self) -> int:
        """The revision the next successful write will get (the API server stamps it into the
        object's ``resourceVersion`` before storing it)."""
        return self.revision + 1

    def put(self, key: str, value: Any, expect_mod_revision: int | None = None) -> KeyValue | None:
        """Create or replace ``key``.  With ``expect_mod_revision`` the write happens only if the
        key's current ``mod_revision`` equals it (0 means "must not exist"); otherwise ``None``."""
        bucket_name = _resource_prefix(key)
        bucket = self._buckets.get(bucket_name)
        if bucket is None:
            bucket = self._buckets[bucket_name] = {}
            self._sorted[bucket_name] = None
        prev = bucket.get(key)
        if expect_mod_revision is not None:
            current = prev.mod_revision if prev is not None else 0
            if current != expect_mod_revision:
                return None
        self.revision += 1
        rev = self.revision
        if prev is None:
            kv = KeyValue(key, value, rev, rev, 1)
            sorted_keys = self._sorted.get(bucket_name)
            if sorted_keys is not None:
                if not sorted_keys or key > sorted_keys[-1]:
                    sorted_keys.append(key)
                else:
                    bisect.insort(sorted_keys, key)
        else:
            kv = KeyValue(key, value, prev.create_revision, rev, prev.version + 1)
        bucket[key] = kv
        self._bucket_revision[bucket_name] = rev
        if self._fingerprints is not None:
            if prev is not None:
                self._check(prev)
            self._fingerprints[key] = (rev, repr(value))
        self._emit(WatchEvent(PUT, kv, prev), bucket_name)
        return kv

    def create(self, key: str, value: Any) -> KeyValue | None:
        """Put only if absent (``None`` if the key exists)."""
        return self.put(key, value, expect_mod_revision=0)

    def delete(self, key: str, expect_mod_revision: int | None = None) -> KeyValue | None:
        """Delete ``key``; returns the deleted KeyValue, or ``None`` if absent or the compare failed."""
        bucket_name = _resource_prefix(key)
        bucket = self._buckets.get(bucket_name)
        prev = bucket.get(key) if bucket else None
        if prev is None:
            return None
        if expect_mod_revision is not None and prev.mod_revision != expect_mod_revision:
            return None
        self.revision += 1
        self._bucket_revision[bucket_name] = self.revision
        del bucket[key]
        sorted_keys = self._sorted.get(bucket_name)
        if sorted_keys is not None:
            i = bisect.bisect_left(sorted_keys, key)
            if i < len(sorted_keys) and sorted_keys[i] == key:
                del sorted_keys[i]
        if self._fingerprints is not None:
            self._check(prev)
            del self._fingerprints[key]
        tomb = KeyValue(key, None, 0, self.revision, 0)
        self._emit(WatchEvent(DELETE, tomb, prev), bucket_name)
        return prev

    def _emit(self, ev: WatchEvent, bucket_name: str) -> None:
        if self.keep_history:
            self._history.append(ev)
            self._history_revs.append(ev.kv.mod_revision)
        watchers = self._watchers.get(bucket_name)
        if watchers:
            key = ev.kv.key
            for w in watchers:
                if not w.cancelled and key.startswith(w.prefix):
                    w.callback(ev)
        whole = self._watchers.get("")
        if whole:
            for w in whole:
                if not w.cancelled and ev.kv.key.startswith(w.prefix):
                    w.callback(ev)

    def _check(self, kv: KeyValue, racing: bool = False) -> None:
        fingerprint = self._fingerprints.get(kv.key)
        if racing and (fingerprint is None or fingerprint[0] != kv.mod_revision):
            return   # a write in flight on another thread, not a change in place
        if fingerprint != (kv.mod_revision, repr(kv.value)):
            raise AssertionError(f"stored object {kv.key} was mutated after it was written "
                                 f"(stored objects are immutable: copy before changing)")

    def verify_immutable(self) -> None:
        """Raise if any stored value changed since it was written (needs KUBE_LAB_CHECK_IMMUTABLE)."""
        if self._fingerprints is None:
            return
        # copies: a served cluster's HTTP thread may still be writing while a test tears down
        for bucket in list(self._buckets.values()):
            for kv in list(bucket.values()):
                self._check(kv, racing=True)

    # watch & compaction -----------------------------------------------------------------------
    def watch(self, prefix: str, callback: Callable[[WatchEvent], None], start_revision: int | None = None) -> Watcher:
        """Call ``callback`` for every change under ``prefix``.  With ``start_revision``, first
        replay the changes from that revision on (``Compacted`` if they are forgotten)."""
        if start_revision is not None and start_revision <= self.revision:
            if start_revision < self.compact_revision:
                raise Compacted(start_revision, self.compact_revision)
            for ev in self.history(prefix, start_revision):
                callback(ev)
        w = Watcher(prefix, callback)
        bucket_name = _resource_prefix(prefix) if prefix.count("/") >= 3 else ""
        self._watchers.setdefault(bucket_name, []).append(w)
        return w

    def unwatch(self, watcher: Watcher) -> None:
        watcher.cancel()
        for lst in self._watchers.values():
            if watcher in lst:
                lst.remove(watcher)

    def history(self, prefix: str, start_revision: int) -> Iterable[WatchEvent]:
        """Retained changes under ``prefix`` with revision ≥ ``start_revision``."""
        if start_revision < self.compact_revision:
            raise Compacted(start_revision, self.compact_revision)
        i = bisect.bisect_left(self._history_revs, start_revision)
        return [ev for ev in self._history[i:] if ev.kv.key.startswith(prefix)]

    def compact(self, revision: int) -> None:
        """Forget history before ``revision`` (``etcdctl compact``)."""
        if revision <= self.compact_revision:
            raise Compacted(revision, self.compact_revision)
        if revision > self.revision:
            raise FutureRevision()
        self.compact_revision = revision
        i = bisect.bisect_left(self._history_revs, revision)
        del self._history[:i]
        del self._history_revs[:i]

    # snapshots --------------------------------------------------------------------------------
    def keys(self) -> list[str]:
        return sorted(k for b in self._buckets.values() for k in b)

    def dump(self) -> dict:
        """The whole keyspace as plain data (what a snapshot holds)."""
        return {
            "revision": self.revision,
            "compact_revision": self.compact_revision,
            "kvs": [
                {"key": kv.key, "create_revision": kv.create_revision, "mod_revision": kv.mod_revision,
                 "version": kv.version, "value": kv.value}
                for kv in (self.get(k) for k in self.keys())
            ],
        }

    def snapshot_save(self, path: str, saved_at: float | None = None) -> dict:
        """Write the keyspace to ``path``; returns a status like ``etcdutl snapshot status``.
        ``saved_at`` (Unix seconds, the cluster's virtual clock) is kept in the file's header."""
        data = self.dump()
        header = {"format": "kube-lab-etcd-snapshot/v1"}
        if saved_at is not None:
            header["saved_at"] = saved_at
        with open(path, "w", encoding="utf-8") as f:
            json.dump({**header, **data}, f, sort_keys=True, separators=(",", ":"))
        return {"revision": data["revision"], "total_keys": len(data["kvs"])}

    @classmethod
    def snapshot_restore(cls, path: str) -> "Etcd":
        """A new store holding exactly what the snapshot at ``path`` holds (history starts empty,
        so watches must begin at the restored revision or later, as after a real restore)."""
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if data.get("format") != "kube-lab-etcd-snapshot/v1":
            raise ValueError(f"{path}: not a kube-lab etcd snapshot")
        store = cls()
        for item in data["kvs"]:
            kv = KeyValue(item["key"], item["value"], item["create_revision"], item["mod_revision"],
                          item["version"])
            name = _resource_prefix(kv.key)
            store._buckets.setdefault(name, {})[kv.key] = kv
            store._sorted[name] = None
            store._bucket_revision[name] = max(store._bucket_revision.get(name, 0), kv.mod_revision)
            if store._fingerprints is not None:
                store._fingerprints[kv.key] = (kv.mod_revision, repr(kv.value))
        store.revision = data["revision"]
        store.compact_revision = data["revision"]
        store.saved_at = data.get("saved_at")
        return store
