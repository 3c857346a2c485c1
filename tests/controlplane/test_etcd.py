import pytest

from kube_lab.controlplane.etcd import Compacted, Etcd, FutureRevision


def fill():
    e = Etcd()
    e.put("/registry/pods/default/a", {"n": "a1"})
    e.put("/registry/pods/default/b", {"n": "b1"})
    e.put("/registry/pods/kube-system/c", {"n": "c1"})
    e.put("/registry/services/specs/default/s", {"n": "s1"})
    e.put("/registry/pods/default/a", {"n": "a2"})
    return e


def test_revisions_per_key():
    e = fill()
    assert e.revision == 6
    kv = e.get("/registry/pods/default/a")
    assert (kv.create_revision, kv.mod_revision, kv.version) == (2, 6, 2)
    assert kv.value == {"n": "a2"}


def test_range_by_prefix_sorted():
    e = fill()
    assert [kv.key for kv in e.range("/registry/pods/")] == [
        "/registry/pods/default/a", "/registry/pods/default/b", "/registry/pods/kube-system/c"]
    assert [kv.key for kv in e.range("/registry/pods/default/")] == [
        "/registry/pods/default/a", "/registry/pods/default/b"]
    assert [kv.key for kv in e.range("/registry/pods/", limit=1, start_after="/registry/pods/default/a")] == [
        "/registry/pods/default/b"]


def test_range_at_past_revision():
    e = fill()
    e.delete("/registry/pods/default/b")
    past = e.range("/registry/pods/default/", revision=3)
    assert [(kv.key, kv.value["n"]) for kv in past] == [
        ("/registry/pods/default/a", "a1"), ("/registry/pods/default/b", "b1")]
    with pytest.raises(FutureRevision):
        e.range("/registry/pods/", revision=99)


def test_compare_and_swap():
    e = fill()
    assert e.put("/registry/pods/default/a", {"n": "x"}, expect_mod_revision=2) is None
    assert e.put("/registry/pods/default/a", {"n": "x"}, expect_mod_revision=6) is not None
    assert e.create("/registry/pods/default/a", {}) is None
    assert e.delete("/registry/pods/default/a", expect_mod_revision=1) is None
    assert e.delete("/registry/pods/default/a") is not None
    assert e.get("/registry/pods/default/a") is None


def test_watch_live_and_from_revision():
    e = fill()
    seen = []
    e.watch("/registry/pods/default/", lambda ev: seen.append((ev.type, ev.kv.key, ev.revision)), start_revision=4)
    assert seen == [("PUT", "/registry/pods/default/a", 6)]
    e.put("/registry/pods/kube-system/z", {})   # other prefix: not seen
    e.delete("/registry/pods/default/b")
    assert seen[-1] == ("DELETE", "/registry/pods/default/b", 8)
    assert len(seen) == 2


def test_watch_compacted_revision_fails():
    e = fill()
    e.compact(5)
    with pytest.raises(Compacted):
        e.watch("/registry/pods/", lambda ev: None, start_revision=3)
    got = []
    e.watch("/registry/pods/", lambda ev: got.append(ev.revision), start_revision=5)
    assert got == [6]
    with pytest.raises(Compacted):
        e.compact(4)


def test_snapshot_restore_gives_identical_store(tmp_path):
    e = fill()
    e.delete("/registry/pods/default/b")
    path = tmp_path / "snap.db"
    status = e.snapshot_save(str(path))
    assert status == {"revision": 7, "total_keys": 3}
    r = Etcd.snapshot_restore(str(path))
    assert r.dump()["kvs"] == e.dump()["kvs"]
    assert r.revision == e.revision
    # history is not in a snapshot: watching from before the restore point is refused
    with pytest.raises(Compacted):
        r.watch("/registry/pods/", lambda ev: None, start_revision=3)
    # the restored store continues from the snapshot's revision
    kv = r.put("/registry/pods/default/new", {})
    assert kv.mod_revision == 8


def test_snapshot_restore_rejects_other_files(tmp_path):
    p = tmp_path / "x.json"
    p.write_text('{"format": "other"}')
    with pytest.raises(ValueError):
        Etcd.snapshot_restore(str(p))


def test_mutation_of_a_stored_object_is_detected():
    e = Etcd()  # the test suite turns tracking on (conftest)
    value = {"spec": {"replicas": 1}}
    e.put("/registry/deployments/default/web", value)
    e.verify_immutable()
    value["spec"]["replicas"] = 2  # a component changing a shared object in place
    with pytest.raises(AssertionError, match="mutated after it was written"):
        e.verify_immutable()
    value["spec"]["replicas"] = 1  # put it back so the suite-wide check passes


def test_a_write_racing_the_immutability_check_is_not_a_mutation():
    # A served cluster writes from its own thread; the check may see the new value before its
    # fingerprint.  That is a write in flight, not a change in place.
    e = Etcd()
    e.put("/registry/pods/default/a", {"v": 1})
    kv = e.put("/registry/pods/default/a", {"v": 2})
    e._fingerprints[kv.key] = (kv.mod_revision - 1, repr({"v": 1}))   # the writer is mid-put
    e.verify_immutable()
    e._fingerprints[kv.key] = (kv.mod_revision, repr({"v": 2}))
    kv.value["v"] = 3   # but a change in place at the current revision is still caught
    with pytest.raises(AssertionError, match="mutated after it was written"):
        e.verify_immutable()
    kv.value["v"] = 2
