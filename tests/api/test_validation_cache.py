"""The memo of valid pod specs and the memoised name checks can never change a result.

Every check validates with the memos on (and warmed by earlier validations) and compares with a
validation of a copy with the memos off (``validation.set_cache_enabled(False)``): the errors, in
order, and any exception must be the same, and the validated object must not change.
"""
from __future__ import annotations

import copy
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kube_lab.api import defaults, names
from kube_lab.api import validation as v

SA_MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
OWNER = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d9c5b8f4",
         "uid": "6b0d7a1e-0000-4000-8000-000000000001", "controller": True, "blockOwnerDeletion": True}


@pytest.fixture(autouse=True)
def _fresh_memos():
    v.set_cache_enabled(True)
    v.clear_caches()
    yield
    v.set_cache_enabled(True)


def sa_volume(name: str) -> dict:
    """The volume the ServiceAccount admission plugin adds."""
    return {"name": name, "projected": {"defaultMode": 420, "sources": [
        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace",
                                    "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}}


def admitted_pod(name: str = "web-7d9c5b8f4-00001", vol: str = "kube-api-access-qz5fw") -> dict:
    """A pod as the API server validates it: defaulted, then admitted (service-account volume and
    mounts, priority, default tolerations), with server-set metadata."""
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "labels": {"app": "web", "pod-template-hash": "7d9c5b8f4"},
                        "ownerReferences": [dict(OWNER)]},
           "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25", "ports": [{"containerPort": 80}]}]}}
    defaults.default("v1/Pod", pod)
    md = pod["metadata"]
    md.update({"namespace": "default", "creationTimestamp": "2025-01-01T00:00:00Z",
               "uid": "e8e2b369-5b65-4633-a81f-74b6b4457d00"})
    spec = pod["spec"]
    spec.update({"serviceAccountName": "default", "serviceAccount": "default", "priority": 0,
                 "preemptionPolicy": "PreemptLowerPriority",
                 "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
                                  "tolerationSeconds": 300},
                                 {"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                                  "effect": "NoExecute", "tolerationSeconds": 300}]})
    spec.setdefault("volumes", []).append(sa_volume(vol))
    for c in spec["containers"]:
        c.setdefault("volumeMounts", []).append({"name": vol, "readOnly": True, "mountPath": SA_MOUNT_PATH})
    return pod


def outcome(kind_key: str, obj: dict, old: dict | None = None):
    try:
        return [(e.type, e.field, repr(e.value), e.detail, str(e)) for e in v.validate(kind_key, obj, old)]
    except Exception as e:  # noqa: BLE001 - an exception must be the same one too
        return ("raised", type(e).__name__, str(e))


def same(kind_key: str, obj: dict, old: dict | None = None):
    """Validate ``obj`` with the memos as they are and a copy without them: same outcome, and
    ``obj`` unchanged. Returns the outcome."""
    before = copy.deepcopy(obj)
    v.set_cache_enabled(False)           # (the memos keep what they hold, unused)
    try:
        want = outcome(kind_key, copy.deepcopy(obj), copy.deepcopy(old))
    finally:
        v.set_cache_enabled(True)
    got = outcome(kind_key, obj, old)
    assert got == want
    assert obj == before and repr(obj) == repr(before)
    return got


def remember(kind_key: str, obj: dict) -> None:
    """Validate a valid ``obj`` twice: values are remembered when found valid a second time."""
    assert same(kind_key, obj) == []
    assert same(kind_key, copy.deepcopy(obj)) == []


def memo_size(check: str = "create") -> int:
    return len(v._MEMO.get(check, ()))


# --------------------------------------------------------------------------------------------
# the memo is used


def test_pods_differing_in_name_and_generated_volume_are_remembered_once():
    assert same("v1/Pod", admitted_pod()) == []
    assert memo_size() == 0 and len(v._SEEN) == 1     # found valid once: only noted
    assert same("v1/Pod", admitted_pod("web-7d9c5b8f4-00002", "kube-api-access-bcdfg")) == []
    assert memo_size() == 1 and len(v._SEEN) == 0
    for i in range(20):
        p = admitted_pod(f"web-7d9c5b8f4-{i:05d}", "kube-api-access-" + names.random_string(5, random.Random(i)))
        assert same("v1/Pod", p) == []
    assert memo_size() == 1


def test_cache_off_remembers_nothing():
    v.set_cache_enabled(False)
    try:
        assert v.validate("v1/Pod", admitted_pod()) == []
        assert v._MEMO == {} and names._QN_MEMO == {}
    finally:
        v.set_cache_enabled(True)


def test_memo_is_bounded():
    for i in range(v._MEMO_ENTRIES + 10):
        p = admitted_pod()
        p["metadata"]["labels"]["i"] = str(i)
        remember("v1/Pod", p)
    assert memo_size() == v._MEMO_ENTRIES
    for i in range(v._SEEN_MAX + 10):
        p = admitted_pod()
        p["spec"]["hostname"] = f"web-{i}"    # the pods of a StatefulSet: each valid once
        assert same("v1/Pod", p) == []
    assert len(v._SEEN) <= v._SEEN_MAX
    for i in range(names._MEMO_MAX + 10):
        names.is_qualified_name(f"k{i}")
    assert len(names._QN_MEMO) <= names._MEMO_MAX


# --------------------------------------------------------------------------------------------
# a remembered valid pod never hides an error


def test_one_bad_field_after_a_valid_pod():
    remember("v1/Pod", admitted_pod())
    assert memo_size() == 1
    for mutate in (
        lambda p: p["spec"]["containers"][0]["ports"][0].update(containerPort=0),
        lambda p: p["spec"]["containers"][0].update(image=" nginx"),
        lambda p: p["spec"].update(restartPolicy="Sometimes"),
        lambda p: p["spec"]["tolerations"][0].update(effect="NoSchedule"),
        lambda p: p["spec"]["volumes"][0]["projected"]["sources"][0]["serviceAccountToken"].update(
            expirationSeconds=60),
        lambda p: p["metadata"].update(name="Web_1"),
        lambda p: p["metadata"].update(name=""),
        lambda p: p["metadata"].update(name="a" * 254),
        lambda p: p["metadata"].update(namespace="Default"),
        lambda p: p["metadata"]["labels"].update(app="we b"),
        lambda p: p["metadata"]["ownerReferences"].append(dict(OWNER, name="other")),
        lambda p: p["spec"].update(ephemeralContainers=[{"name": "dbg", "image": "busybox"}]),
        lambda p: p["spec"].update(nodeName="n1", schedulingGates=[{"name": "g"}]),
    ):
        p = admitted_pod("web-7d9c5b8f4-00002", "kube-api-access-bcdfg")
        mutate(p)
        assert same("v1/Pod", p) != []


@pytest.mark.parametrize("path,valid,other", [
    (("spec", "containers", 0, "ports", 0, "containerPort"), 80, 80.0),
    (("spec", "containers", 0, "volumeMounts", 0, "readOnly"), True, 1),
    (("spec", "terminationGracePeriodSeconds"), 30, 30.0),
    (("spec", "tolerations", 0, "tolerationSeconds"), 300, 300.0),
    (("spec", "volumes", 0, "projected", "defaultMode"), 420, 420.0),
    (("metadata", "ownerReferences", 0, "controller"), True, 1),
])
def test_numbers_and_bools_of_another_type_are_not_taken_for_remembered_ones(path, valid, other):
    """``80 == 80.0`` and ``True == 1``, but validation may tell them apart: the memo must too."""
    remember("v1/Pod", admitted_pod())
    p = admitted_pod("web-7d9c5b8f4-00002", "kube-api-access-bcdfg")
    node = p
    for k in path[:-1]:
        node = node[k]
    assert node[path[-1]] == valid and type(node[path[-1]]) is type(valid)
    node[path[-1]] = other
    same("v1/Pod", p)
    node[path[-1]] = valid
    assert same("v1/Pod", p) == []


def test_exact_number_check():
    known = ({"a": 0.0, "b": [1, True], "c": {"d": 2.5}, "e": "x"}, None)
    check = v._exact_number_check(known)
    assert check(({"a": 0.0, "b": [1, True], "c": {"d": 2.5}, "e": "x"}, None))
    for other in ({"a": -0.0, "b": [1, True], "c": {"d": 2.5}},     # == 0.0
                  {"a": 0, "b": [1, True], "c": {"d": 2.5}},
                  {"a": 0.0, "b": [True, True], "c": {"d": 2.5}},
                  {"a": 0.0, "b": [1, 1], "c": {"d": 2.5}},
                  {"a": 0.0, "b": [1.0, True], "c": {"d": 2.5}}):
        assert known[0] == dict(other, e="x") and not check((dict(other, e="x"), None))
    assert v._exact_number_check(({1: 2}, None)) is None               # not JSON-shaped
    assert v._exact_number_check(({"a": b"x"}, None)) is None


def test_host_users_false_and_zero():
    p = admitted_pod()
    p["spec"]["securityContext"] = {"hostUsers": 0}
    p["spec"]["hostNetwork"] = True
    p["spec"]["containers"][0]["ports"][0]["hostPort"] = 80
    remember("v1/Pod", p)
    p["spec"]["securityContext"]["hostUsers"] = False     # == 0, but forbids hostNetwork
    assert same("v1/Pod", p) != []
    q = admitted_pod()
    q["spec"]["securityContext"] = {"hostUsers": False}
    q["spec"]["containers"][0]["securityContext"] = {"procMount": "Unmasked"}
    remember("v1/Pod", q)
    q["spec"]["securityContext"]["hostUsers"] = 0         # == False, but Unmasked needs hostUsers false
    assert same("v1/Pod", q) != []


def test_two_volumes_with_the_generated_name_are_still_duplicates():
    remember("v1/Pod", admitted_pod())
    p = admitted_pod("web-7d9c5b8f4-00002", "kube-api-access-bcdfg")
    p["spec"]["volumes"].append(sa_volume("kube-api-access-bcdfg"))
    errs = same("v1/Pod", p)
    assert [e[0] for e in errs] == ["Duplicate"]
    # and once more, now that a pod with a differently named second volume may be remembered
    q = admitted_pod("web-7d9c5b8f4-00003", "kube-api-access-bcdfg")
    q["spec"]["volumes"].append(dict(sa_volume("kube-api-access-zzzzz")))
    remember("v1/Pod", q)
    r = admitted_pod("web-7d9c5b8f4-00004", "kube-api-access-hjklm")
    r["spec"]["volumes"].append(dict(sa_volume("kube-api-access-hjklm")))
    assert [e[0] for e in same("v1/Pod", r)] == ["Duplicate"]


def test_mounts_must_name_the_renamed_volume():
    remember("v1/Pod", admitted_pod())
    p = admitted_pod("web-7d9c5b8f4-00002", "kube-api-access-bcdfg")
    p["spec"]["containers"][0]["volumeMounts"][0]["name"] = "kube-api-access-qz5fw"   # the old name
    assert [e[0] for e in same("v1/Pod", p)] == ["NotFound"]
    p["spec"]["containers"][0]["volumeMounts"][0]["name"] = "kube-api-access-zzzzz"   # another such name
    assert [e[0] for e in same("v1/Pod", p)] == ["NotFound"]


def test_init_containers_and_devices_referencing_the_generated_volume():
    p = admitted_pod()
    p["spec"]["initContainers"] = [{"name": "init", "image": "busybox", "imagePullPolicy": "IfNotPresent",
                                    "terminationMessagePolicy": "File",
                                    "volumeMounts": [{"name": "kube-api-access-qz5fw", "mountPath": "/sa"}]}]
    remember("v1/Pod", p)
    q = copy.deepcopy(p)
    q["spec"]["volumes"][0]["name"] = "kube-api-access-bcdfg"
    q["spec"]["containers"][0]["volumeMounts"][0]["name"] = "kube-api-access-bcdfg"
    assert [e[0] for e in same("v1/Pod", q)] == ["NotFound"]       # the init container's mount
    q["spec"]["initContainers"][0]["volumeMounts"][0]["name"] = "kube-api-access-bcdfg"
    assert same("v1/Pod", q) == []
    q["spec"]["initContainers"][0]["volumeDevices"] = [{"name": "kube-api-access-bcdfg", "devicePath": "/dev/x"}]
    assert same("v1/Pod", q) != []


def test_ephemeral_volume_depends_on_the_pod_name():
    eph = {"name": "scratch", "ephemeral": {"volumeClaimTemplate": {"spec": {
        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}}}
    p = admitted_pod("a" * 200)
    p["spec"]["volumes"].append(copy.deepcopy(eph))
    remember("v1/Pod", p)
    q = admitted_pod("a" * 250)           # "<name>-scratch" is too long for a PVC name
    q["spec"]["volumes"].append(copy.deepcopy(eph))
    assert same("v1/Pod", q) != []


def test_remembered_values_do_not_share_the_validated_objects():
    p = admitted_pod()
    assert same("v1/Pod", copy.deepcopy(p)) == []
    assert same("v1/Pod", p) == []
    assert memo_size() == 1
    p["metadata"]["name"] = "web-7d9c5b8f4-00009"
    p["spec"]["containers"][0]["ports"][0]["containerPort"] = 0   # changed in place after validation
    assert same("v1/Pod", p) != []


def test_update_and_templates():
    old = admitted_pod()
    old["metadata"]["resourceVersion"] = "5"
    new = copy.deepcopy(old)
    new["spec"]["containers"][0]["image"] = "nginx:1.26"
    assert same("v1/Pod", new, old) == []
    assert same("v1/Pod", new, old) == []
    new["spec"]["containers"][0]["image"] = ""
    assert same("v1/Pod", new, old) != []
    dep = {"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": "web", "namespace": "default"},
           "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                    "template": {"metadata": {"labels": {"app": "web"}},
                                 "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25",
                                                          "ports": [{"containerPort": 80}]}]}}}}
    defaults.default("apps/v1/Deployment", dep)
    remember("apps/v1/Deployment", dep)
    bad = copy.deepcopy(dep)
    bad["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = 80.0
    assert same("apps/v1/Deployment", bad) != []


def test_not_json_shaped_values_are_validated_as_before():
    p = admitted_pod()
    p["spec"]["containers"][0]["command"] = ("sh", "-c", "true")    # a tuple: fine, not remembered
    same("v1/Pod", p)
    p = admitted_pod()
    p["spec"]["containers"][0]["ports"][0]["containerPort"] = "80"
    same("v1/Pod", p)
    p = admitted_pod()
    p["spec"]["volumes"][0]["name"] = ...
    same("v1/Pod", p)
    p = admitted_pod()
    p["metadata"]["labels"]["app"] = ["web"]                         # unhashable: fails as before
    same("v1/Pod", p)


# --------------------------------------------------------------------------------------------
# randomised: sequences of near-identical pods, cached vs uncached

NAMES = ["kube-api-access-qz5fw", "kube-api-access-bcdfg", "kube-api-access-22222", "data", "Bad_Name", "", 5]
EDITS = {
    ("spec", "containers", 0, "ports", 0, "containerPort"): [80, 80.0, True, 0, 70000, "80", "http"],
    ("spec", "containers", 0, "volumeMounts", 0, "readOnly"): [True, 1, False, 0, None],
    ("spec", "containers", 0, "volumeMounts", 0, "name"): NAMES,
    ("spec", "containers", 0, "image"): ["nginx:1.25", " nginx", ""],
    ("spec", "volumes", 0, "name"): NAMES,
    ("spec", "terminationGracePeriodSeconds"): [30, 30.0, -1, None, True],
    ("spec", "enableServiceLinks"): [True, 1, False],
    ("spec", "restartPolicy"): ["Always", "", "Sometimes"],
    ("spec", "tolerations", 1, "tolerationSeconds"): [300, 300.0, True, None],
    ("spec", "tolerations", 1, "effect"): ["NoExecute", "NoSchedule", ""],
    ("spec", "nodeName"): ["kind-worker", "kind-worker2", "Bad_Node", ""],
    ("spec", "securityContext"): [{}, {"hostUsers": False}, {"hostUsers": 0}, {"runAsUser": -1}],
    ("spec", "securityContext", "hostUsers"): [False, 0, 0.0, True, None],
    ("spec", "hostNetwork"): [False, True, 1],
    ("metadata", "name"): ["web-1", "web-2", "Web_1", "", 5, "a" * 254],
    ("metadata", "namespace"): ["default", "kube-system", "", "Bad"],
    ("metadata", "labels"): [{"app": "web"}, {"app": "we b"}, {}, {"app": "web", "tier": "fe"}],
    ("metadata", "ownerReferences", 0, "controller"): [True, 1, False, "true"],
    ("metadata", "generation"): [None, 1, -1, 1.0],
}
EXTRA_VOLUMES = [None, {"name": "data", "emptyDir": {}}, {"name": "kube-api-access-bcdfg", "emptyDir": {}},
                 {"name": "kube-api-access-qz5fw", "emptyDir": {}},
                 {"name": "scratch", "ephemeral": {"volumeClaimTemplate": {"spec": {
                     "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}}}]
RESOURCES = [None, {"limits": {"cpu": "500m"}}, {"limits": {"cpu": 0.5}}, {"limits": {"cpu": 0.0}},
             {"limits": {"cpu": -0.0}}, {"limits": {"cpu": -1}}]


def rename_generated_volume(p: dict, new: str) -> None:
    """Rename the service-account volume and every mount of it, as another admission would name it."""
    old = p["spec"]["volumes"][0]["name"]
    p["spec"]["volumes"][0]["name"] = new
    for field in ("containers", "initContainers"):
        for c in p["spec"].get(field) or ():
            for m in c.get("volumeMounts") or ():
                if m.get("name") == old:
                    m["name"] = new


def edit(p: dict, path: tuple, value) -> None:
    node = p
    for k in path[:-1]:
        node = node[k]
    if value is None and path[-1] in ("readOnly", "tolerationSeconds"):
        node.pop(path[-1], None)
    else:
        node[path[-1]] = copy.deepcopy(value)


@st.composite
def pod_sequences(draw):
    """A valid-looking base pod, then variants of it: renamed (pod and generated volume, as the
    API server would) and with at most one field edited, often to an equal value of another type."""
    base = admitted_pod("web-1", draw(st.sampled_from(NAMES[:3])))
    if draw(st.booleans()):
        base["spec"]["volumes"].append(copy.deepcopy(draw(st.sampled_from(EXTRA_VOLUMES[1:]))))
    if draw(st.booleans()):
        base["spec"]["containers"][0]["resources"] = copy.deepcopy(draw(st.sampled_from(RESOURCES[1:])))
    if draw(st.booleans()):   # valid only with hostUsers exactly False
        base["spec"]["securityContext"] = {"hostUsers": False}
        base["spec"]["containers"][0]["securityContext"] = {"procMount": "Unmasked"}
    if draw(st.booleans()):   # the service-account volume mounted by an init container too
        base["spec"]["initContainers"] = [{"name": "init", "image": "busybox", "imagePullPolicy": "IfNotPresent",
                                           "terminationMessagePolicy": "File",
                                           "volumeMounts": [{"name": base["spec"]["volumes"][0]["name"],
                                                             "mountPath": "/sa"}]}]
    seq = [base, base]   # remembered, when valid
    for _ in range(draw(st.integers(1, 8))):
        p = copy.deepcopy(base)
        if draw(st.booleans()):
            rename_generated_volume(p, draw(st.sampled_from(NAMES[:3])))
        p["metadata"]["name"] = draw(st.sampled_from(["web-1", "web-2", "a" * 250]))
        if draw(st.integers(0, 3)):
            path = draw(st.sampled_from(sorted(EDITS, key=str)))
            edit(p, path, draw(st.sampled_from(EDITS[path])))
        seq.append(p)
    return seq


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pod_sequences())
def test_cached_equals_uncached_random_pod_sequences(seq):
    v.clear_caches()
    for p in seq:
        same("v1/Pod", p)
    old = copy.deepcopy(seq[0])
    old["metadata"]["resourceVersion"] = "1"
    for p in seq:
        new = copy.deepcopy(p)
        new["metadata"]["resourceVersion"] = "1"
        same("v1/Pod", new, old)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="aZ09-_./é", max_size=12), min_size=1, max_size=8))
def test_memoised_name_checks_equal_computed_ones(values):
    for s in values:
        for check, compute in ((names.is_qualified_name, names._qualified_name_msgs),
                               (names.is_valid_label_value, names._label_value_msgs),
                               (names.is_dns1123_label, names._dns1123_label_msgs),
                               (names.is_dns1123_subdomain, names._dns1123_subdomain_msgs),
                               (names.is_dns1035_label, names._dns1035_label_msgs)):
            first = check(s)
            first.append("scribbled on by a caller")
            assert check(s) == compute(s)
        assert names.is_valid_dns1123_subdomain(s) == (s != "" and names._dns1123_subdomain_msgs(s) == [])
        labels = {s: s}
        assert names.validate_labels(labels, "l") == names.validate_labels(labels, "l")
        v.set_cache_enabled(False)
        want = [str(e) for e in names.validate_labels(labels, "l")]
        v.set_cache_enabled(True)
        names.validate_labels(labels, "l")
        assert [str(e) for e in names.validate_labels(labels, "l")] == want
