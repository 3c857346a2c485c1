"""Tests for kube_lab.api.patch: JSON patch, JSON merge patch and strategic merge patch."""
from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings, strategies as st

from kube_lab.api import patch as P
from kube_lab.api.errors import StatusError

GENERIC_422 = "the server rejected our request due to an error in our request"


def raises_status(fn, *args) -> StatusError:
    with pytest.raises(StatusError) as info:
        fn(*args)
    return info.value


# ============================================================================================
# JSON patch (RFC 6902, as evanphx/json-patch v4 applies it)
# ============================================================================================

def test_json_patch_add_member_and_array_items():
    doc = {"metadata": {"name": "web"}, "spec": {"ports": [80, 443]}}
    ops = [
        {"op": "add", "path": "/metadata/labels", "value": {"app": "web"}},
        {"op": "add", "path": "/spec/ports/1", "value": 8080},
        {"op": "add", "path": "/spec/ports/-", "value": 9090},
    ]
    assert P.json_patch(doc, ops) == {
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"ports": [80, 8080, 443, 9090]},
    }


def test_json_patch_remove_replace_move_copy_test():
    doc = {"a": {"b": 1, "c": [1, 2, 3]}, "d": "x"}
    ops = [
        {"op": "test", "path": "/d", "value": "x"},
        {"op": "remove", "path": "/a/c/0"},
        {"op": "replace", "path": "/a/b", "value": {"deep": True}},
        {"op": "move", "from": "/d", "path": "/a/moved"},
        {"op": "copy", "from": "/a/c", "path": "/copied"},
        {"op": "test", "path": "/copied", "value": [2, 3]},
    ]
    assert P.json_patch(doc, ops) == {
        "a": {"b": {"deep": True}, "c": [2, 3], "moved": "x"},
        "copied": [2, 3],
    }


def test_json_patch_pointer_escapes():
    doc = {"metadata": {"annotations": {"example.com/a~b": "old", "x~1": "keep"}}}
    ops = [{"op": "replace", "path": "/metadata/annotations/example.com~1a~0b", "value": "new"},
           {"op": "add", "path": "/metadata/annotations/x~01", "value": "tilde-one"}]
    out = P.json_patch(doc, ops)
    assert out["metadata"]["annotations"] == {"example.com/a~b": "new", "x~1": "tilde-one"}


def test_json_patch_replace_root_and_test_root():
    out = P.json_patch({"a": 1}, [{"op": "test", "path": "", "value": {"a": 1}},
                                  {"op": "replace", "path": "", "value": {"b": 2}}])
    assert out == {"b": 2}


def test_json_patch_upstream_quirks():
    # replace of a missing object member adds it (v4 never checks the member exists)
    assert P.json_patch({"a": {}}, [{"op": "replace", "path": "/a/b", "value": 1}]) == {"a": {"b": 1}}
    # negative indices count from the end; add at -1 appends, remove at -1 drops the last item
    assert P.json_patch({"l": [1, 2]}, [{"op": "add", "path": "/l/-1", "value": 3}]) == {"l": [1, 2, 3]}
    assert P.json_patch({"l": [1, 2]}, [{"op": "remove", "path": "/l/-1"}]) == {"l": [1]}
    # strconv.Atoi accepts a sign and leading zeros
    assert P.json_patch({"l": [1, 2]}, [{"op": "replace", "path": "/l/+01", "value": 9}]) == {"l": [1, 9]}
    # copy from a missing member copies null; test of a missing member against null passes
    assert P.json_patch({"a": {}}, [{"op": "copy", "from": "/a/x", "path": "/b"}]) == {"a": {}, "b": None}
    assert P.json_patch({"a": 1}, [{"op": "test", "path": "/zz", "value": None}]) == {"a": 1}


def test_json_patch_failure_status_is_generic_422():
    err = raises_status(P.json_patch, {"spec": {}}, [{"op": "add", "path": "/spec/foo/bar", "value": 1}])
    assert err.status == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": GENERIC_422, "reason": "Invalid", "details": {}, "code": 422,
    }
    assert err.patch_error == 'add operation does not apply: doc is missing path: "/spec/foo/bar": missing value'


@pytest.mark.parametrize("doc, op, message", [
    ({"a": 1}, {"op": "test", "path": "/a", "value": 2}, "testing value /a failed: test failed"),
    ({"a": 1}, {"op": "test", "path": "/a", "value": 1.0}, "testing value /a failed: test failed"),
    ({"a": {}}, {"op": "remove", "path": "/a/x"},
     "error in remove for path: '/a/x': Unable to remove nonexistent key: x: missing value"),
    ({"l": [1]}, {"op": "add", "path": "/l/5", "value": 0},
     "error in add for path: '/l/5': Unable to access invalid index: 5: invalid index referenced"),
    ({"l": [1]}, {"op": "add", "path": "/l/x", "value": 0},
     "error in add for path: '/l/x': value was not a proper array index: 'x': "
     'strconv.Atoi: parsing "x": invalid syntax'),
    ({"l": [1]}, {"op": "replace", "path": "/l/1", "value": 0},
     "replace operation does not apply: doc is missing key: /l/1: missing value"),
    ({"a": 1}, {"op": "replace", "path": "/b/c", "value": 0},
     "replace operation does not apply: doc is missing path: /b/c: missing value"),
    ({"a": 1}, {"op": "move", "from": "/b", "path": "/c"},
     "error in move for path: 'b': Unable to remove nonexistent key: b: missing value"),
    ({"a": 1}, {"op": "copy", "path": "/c"},
     "copy operation failed to decode from: operation, missing from field: missing value"),
    ({"a": 1}, {"op": "add", "value": 1}, "add operation failed to decode path: missing value"),
    ({"a": 1}, {"op": "add", "path": "", "value": 1},
     'add operation does not apply: doc is missing path: "": missing value'),
    ({"a": 1}, {"op": "replace", "path": "", "value": 1},
     "replace operation value must be object or array: %!w(<nil>)"),
    ({"a": 1}, {"op": "frob", "path": "/a"}, "Unexpected kind: frob"),
    ({"a": 1}, {"path": "/a"}, "Unexpected kind: unknown"),
])
def test_json_patch_error_texts(doc, op, message):
    err = raises_status(P.json_patch, doc, [op])
    assert (err.code, err.reason, err.message) == (422, "Invalid", GENERIC_422)
    assert err.patch_error == message


@pytest.mark.parametrize("body, message", [
    ('[{"op": "add"', "unexpected end of JSON input"),
    ("nope", "invalid character 'n' looking for beginning of value"),
    ({"op": "add", "path": "/a", "value": 1}, "json: cannot unmarshal object into Go value of type jsonpatch.Patch"),
    (["add"], "json: cannot unmarshal string into Go value of type jsonpatch.Operation"),
])
def test_json_patch_undecodable_body_is_400(body, message):
    err = raises_status(P.json_patch, {"a": 1}, body)
    assert (err.code, err.reason, err.message) == (400, "BadRequest", message)


def test_json_patch_accepts_json_text_and_null_body():
    assert P.json_patch({"a": 1}, '[{"op": "replace", "path": "/a", "value": 2}]') == {"a": 2}
    assert P.json_patch({"a": 1}, "null") == {"a": 1}


def test_json_patch_too_many_operations_is_413():
    ops = [{"op": "test", "path": "/a", "value": 1}] * (P.MAX_JSON_PATCH_OPERATIONS + 1)
    err = raises_status(P.json_patch, {"a": 1}, ops)
    assert (err.code, err.reason) == (413, "RequestEntityTooLarge")
    assert err.message == ("Request entity too large: The allowed maximum operations in a JSON patch "
                           "is 10000, got 10001")
    assert P.json_patch({"a": 1}, ops[:-1]) == {"a": 1}


def test_json_patch_copy_size_limit():
    big = "a" * (2 * 1024 * 1024)
    doc = {"big": big}
    assert P.json_patch(doc, [{"op": "copy", "from": "/big", "path": "/one"}])["one"] is big
    err = raises_status(P.json_patch, doc, [{"op": "copy", "from": "/big", "path": "/one"},
                                           {"op": "copy", "from": "/big", "path": "/two"}])
    assert err.patch_error == ("Unable to complete the copy, the accumulated size increase of copy is "
                               "4194308, exceeding the limit 3145728")


def test_json_patch_does_not_mutate_and_shares_untouched_subtrees():
    doc = {"metadata": {"labels": {"a": "1"}}, "spec": {"containers": [{"name": "c", "image": "i"}]},
           "status": {"phase": "Running", "conditions": [{"type": "Ready"}]}}
    before = copy.deepcopy(doc)
    ops = [{"op": "replace", "path": "/spec/containers/0/image", "value": "j"},
           {"op": "add", "path": "/metadata/labels/b", "value": "2"},
           {"op": "remove", "path": "/metadata/labels/a"}]
    ops_before = copy.deepcopy(ops)
    out = P.json_patch(doc, ops)
    assert doc == before and ops == ops_before
    assert out["spec"]["containers"][0]["image"] == "j"
    assert out["metadata"]["labels"] == {"b": "2"}
    assert out["status"] is doc["status"]


def test_json_patch_copied_subtree_is_independent():
    doc = {"a": {"x": 1}}
    out = P.json_patch(doc, [
        {"op": "add", "path": "/a/y", "value": 2},          # /a is now a private copy
        {"op": "copy", "from": "/a", "path": "/b"},          # ... shared by /a and /b
        {"op": "add", "path": "/b/z", "value": 3},           # must not show up under /a
        {"op": "remove", "path": "/a/x"},                    # must not disappear from /b
    ])
    assert out == {"a": {"y": 2}, "b": {"x": 1, "y": 2, "z": 3}}
    assert doc == {"a": {"x": 1}}


def test_json_patch_failure_leaves_input_untouched():
    doc = {"a": {"b": 1}}
    err = raises_status(P.json_patch, doc, [{"op": "remove", "path": "/a/b"},
                                           {"op": "test", "path": "/a/b", "value": 1}])
    assert err.code == 422
    assert doc == {"a": {"b": 1}}


# ============================================================================================
# JSON merge patch (RFC 7386, as evanphx/json-patch v4 MergePatch applies it)
# ============================================================================================

def test_merge_patch_rfc7386_style_example():
    doc = {"title": "Hello", "author": {"given": "Ann", "family": "Lee"}, "tags": ["x", "y"], "body": "text"}
    patch = {"title": "Bye", "author": {"family": None}, "tags": ["z"], "phone": "555"}
    assert P.merge_patch(doc, patch) == {
        "title": "Bye", "author": {"given": "Ann"}, "tags": ["z"], "body": "text", "phone": "555",
    }


@pytest.mark.parametrize("doc, patch, expected", [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}),
    ({"a": "b"}, {"a": None}, {}),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}),
])
def test_merge_patch_vectors(doc, patch, expected):
    assert P.merge_patch(doc, patch) == expected


def test_merge_patch_labels_null_deletion():
    doc = {"metadata": {"name": "p", "labels": {"app": "web", "tier": "fe"}}}
    out = P.merge_patch(doc, {"metadata": {"labels": {"tier": None, "env": "prod"}}})
    assert out == {"metadata": {"name": "p", "labels": {"app": "web", "env": "prod"}}}


def test_merge_patch_upstream_null_pruning_inside_arrays():
    # a new member: nulls are pruned everywhere below it, also in objects inside arrays
    assert P.merge_patch({}, {"a": [{"b": None, "c": 1}, None]}) == {"a": [{"c": 1}, None]}
    # an array placed over an object is taken verbatim
    assert P.merge_patch({"a": {}}, {"a": [{"b": None}]}) == {"a": [{"b": None}]}


def test_merge_patch_top_level_array_becomes_result():
    assert P.merge_patch({"a": 1}, [{"x": None, "y": 1}]) == [{"y": 1}]


@pytest.mark.parametrize("patch", [None, 5, "not json", "null", '"str"'])
def test_merge_patch_bad_patch_is_400(patch):
    err = raises_status(P.merge_patch, {"a": 1}, patch)
    assert (err.code, err.reason, err.message) == (400, "BadRequest", "Invalid JSON Patch")


def test_merge_patch_accepts_json_text_and_does_not_mutate():
    doc = {"spec": {"replicas": 1, "selector": {"app": "x"}}, "status": {"ready": 1}}
    before = copy.deepcopy(doc)
    out = P.merge_patch(doc, b'{"spec": {"replicas": 3}}')
    assert out == {"spec": {"replicas": 3, "selector": {"app": "x"}}, "status": {"ready": 1}}
    assert doc == before
    assert out["status"] is doc["status"] and out["spec"]["selector"] is doc["spec"]["selector"]


# -- properties ------------------------------------------------------------------------------

_keys = st.sampled_from(["a", "b", "c", "d"])
_scalars = st.none() | st.booleans() | st.integers(-5, 5) | st.text("xy", max_size=2)
_null_free_scalars = st.booleans() | st.integers(-5, 5) | st.text("xy", max_size=2)

# JSON without null anywhere: what may sit inside the patch's arrays.
_null_free = st.recursive(_null_free_scalars,
                          lambda kids: st.lists(kids, max_size=3) | st.dictionaries(_keys, kids, max_size=3),
                          max_leaves=8)
_docs = st.recursive(_scalars,
                     lambda kids: st.lists(kids, max_size=3) | st.dictionaries(_keys, kids, max_size=3),
                     max_leaves=12)
# Patch values: nulls anywhere in objects, but arrays hold null-free JSON only.
_patch_values = st.recursive(_scalars | st.lists(_null_free, max_size=3),
                             lambda kids: st.dictionaries(_keys, kids, max_size=3),
                             max_leaves=12)
_patches = st.dictionaries(_keys, _patch_values, max_size=4)
_doc_objects = st.dictionaries(_keys, _docs, max_size=4)


def rfc7386(target, patch):
    """The RFC 7386 pseudo-code, written out directly."""
    if isinstance(patch, dict):
        if not isinstance(target, dict):
            target = {}
        out = dict(target)
        for k, v in patch.items():
            if v is None:
                out.pop(k, None)
            else:
                out[k] = rfc7386(out.get(k), v)
        return out
    return patch


@settings(max_examples=300, deadline=None)
@given(_doc_objects, _patches)
def test_merge_patch_is_idempotent(doc, patch):
    once = P.merge_patch(doc, patch)
    assert P.merge_patch(once, patch) == once


@settings(max_examples=300, deadline=None)
@given(_doc_objects, _patches)
def test_merge_patch_matches_rfc7386_when_arrays_hold_no_nulls(doc, patch):
    assert P.merge_patch(doc, patch) == rfc7386(doc, patch)


@settings(max_examples=200, deadline=None)
@given(_doc_objects, st.dictionaries(_keys, _docs, max_size=4))
def test_merge_patch_never_mutates_inputs(doc, patch):
    doc_before, patch_before = copy.deepcopy(doc), copy.deepcopy(patch)
    P.merge_patch(doc, patch)
    assert doc == doc_before and patch == patch_before


# ============================================================================================
# Strategic merge patch
# ============================================================================================

def pod(*containers, **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"app": "web"}},
            "spec": {"containers": list(containers), **spec}, "status": {"phase": "Running"}}


def deployment(*containers, **spec):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
            "spec": {"replicas": 1, **spec,
                     "template": {"metadata": {"labels": {"app": "d"}},
                                  "spec": {"containers": list(containers)}}}}


def test_smp_changes_container_image_by_name_keeping_others():
    doc = pod({"name": "app", "image": "app:1", "ports": [{"containerPort": 80}]},
              {"name": "sidecar", "image": "envoy:1"})
    out = P.strategic_merge_patch(doc, {"spec": {"containers": [{"name": "app", "image": "app:2"}]}}, "v1/Pod")
    assert out["spec"]["containers"] == [
        {"name": "app", "image": "app:2", "ports": [{"containerPort": 80}]},
        {"name": "sidecar", "image": "envoy:1"},
    ]


def test_smp_kubectl_set_image_patch():
    doc = deployment({"name": "nginx", "image": "nginx:1.7.9", "ports": [{"containerPort": 80}]})
    body = ('{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"nginx"}],'
            '"containers":[{"image":"nginx:1.9.1","name":"nginx"}]}}}}')
    out = P.strategic_merge_patch(doc, body, "apps/v1/Deployment")
    assert out["spec"]["template"]["spec"]["containers"] == [
        {"name": "nginx", "image": "nginx:1.9.1", "ports": [{"containerPort": 80}]}]
    assert out["spec"]["replicas"] == 1 and out["metadata"] == {"name": "d"}


def test_smp_set_element_order_orders_the_merged_list():
    doc = pod({"name": "a", "image": "a"}, {"name": "b", "image": "b"})
    patch = {"spec": {"$setElementOrder/containers": [{"name": "new"}, {"name": "b"}, {"name": "a"}],
                      "containers": [{"name": "new", "image": "n"}, {"name": "a", "image": "a2"}]}}
    out = P.strategic_merge_patch(doc, patch, "v1/Pod")
    assert [c["name"] for c in out["spec"]["containers"]] == ["new", "b", "a"]
    assert out["spec"]["containers"][2] == {"name": "a", "image": "a2"}


def test_smp_new_list_items_go_first_without_order_directive():
    # Upstream's ordering puts items that are only in the patch before the live ones (the
    # "kubectl patch" task page shows the added redis container ahead of nginx).
    doc = pod({"name": "a", "image": "a"}, {"name": "b", "image": "b"})
    out = P.strategic_merge_patch(doc, {"spec": {"containers": [{"name": "c", "image": "c"}]}}, "v1/Pod")
    assert [c["name"] for c in out["spec"]["containers"]] == ["c", "a", "b"]
    # an existing item named in the patch keeps its live position relative to the others
    out = P.strategic_merge_patch(doc, {"spec": {"containers": [{"name": "b", "image": "b2"}]}}, "v1/Pod")
    assert [c["name"] for c in out["spec"]["containers"]] == ["a", "b"]


def test_smp_three_way_style_delete_and_add_keeps_upstream_order():
    # kubectl apply sends such patches; upstream merges the live list in place, and the order of the
    # result depends on it: the new item lands after the surviving live items.
    doc = pod({"name": "a", "image": "a"}, {"name": "b", "image": "b"}, {"name": "d", "image": "d"})
    patch = {"spec": {"$setElementOrder/containers": [{"name": "b"}, {"name": "c"}],
                      "containers": [{"name": "c", "image": "c"}, {"$patch": "delete", "name": "a"}]}}
    out = P.strategic_merge_patch(doc, patch, "v1/Pod")
    assert [c["name"] for c in out["spec"]["containers"]] == ["b", "d", "c"]


def test_smp_env_merges_by_name():
    doc = pod({"name": "app", "image": "i", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]})
    patch = {"spec": {"containers": [{"name": "app", "env": [{"name": "B", "value": "20"},
                                                             {"name": "C", "value": "3"}]}]}}
    out = P.strategic_merge_patch(doc, patch, "v1/Pod")
    assert out["spec"]["containers"][0]["env"] == [
        {"name": "A", "value": "1"}, {"name": "B", "value": "20"}, {"name": "C", "value": "3"}]


def test_smp_patch_delete_removes_list_item():
    doc = pod({"name": "app", "image": "i", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
              {"name": "sidecar", "image": "s"})
    patch = {"spec": {"containers": [{"$patch": "delete", "name": "sidecar"},
                                     {"name": "app", "env": [{"$patch": "delete", "name": "A"}]}]}}
    out = P.strategic_merge_patch(doc, patch, "v1/Pod")
    assert out["spec"]["containers"] == [{"name": "app", "image": "i", "env": [{"name": "B", "value": "2"}]}]


def test_smp_patch_replace_on_list_and_on_map():
    doc = pod({"name": "a", "image": "a"}, {"name": "b", "image": "b"}, nodeSelector={"disk": "ssd", "zone": "1"})
    patch = {"spec": {"containers": [{"name": "c", "image": "c"}, {"$patch": "replace"}],
                      "nodeSelector": {"$patch": "replace", "gpu": "yes"}}}
    out = P.strategic_merge_patch(doc, patch, "v1/Pod")
    assert out["spec"]["containers"] == [{"name": "c", "image": "c"}]
    assert out["spec"]["nodeSelector"] == {"gpu": "yes"}


def test_smp_patch_delete_on_map_empties_it():
    doc = pod({"name": "a", "image": "a"}, nodeSelector={"disk": "ssd"})
    out = P.strategic_merge_patch(doc, {"spec": {"nodeSelector": {"$patch": "delete"}}}, "v1/Pod")
    assert out["spec"]["nodeSelector"] == {}


def test_smp_retain_keys_switching_deployment_strategy():
    doc = deployment({"name": "c", "image": "i"},
                     strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}})
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}
    out = P.strategic_merge_patch(doc, patch, "apps/v1/Deployment")
    assert out["spec"]["strategy"] == {"type": "Recreate"}
    # without the directive the map merges and rollingUpdate stays
    plain = P.strategic_merge_patch(doc, {"spec": {"strategy": {"type": "Recreate"}}}, "apps/v1/Deployment")
    assert plain["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": "25%", "maxUnavailable": 0}


def test_smp_retain_keys_rejects_unlisted_patch_member():
    doc = deployment({"name": "c", "image": "i"}, strategy={"type": "RollingUpdate"})
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "RollingUpdate",
                                   "rollingUpdate": {"maxSurge": 1}}}}
    err = raises_status(P.strategic_merge_patch, doc, patch, "apps/v1/Deployment")
    assert (err.code, err.reason, err.message) == (400, "BadRequest", "invalid patch format of retainKeys")


def test_smp_retain_keys_on_volume_source():
    doc = pod({"name": "a", "image": "a"}, volumes=[{"name": "data", "emptyDir": {}}, {"name": "other", "emptyDir": {}}])
    patch = {"spec": {"volumes": [{"$retainKeys": ["configMap", "name"], "name": "data",
                                   "configMap": {"name": "cfg"}}]}}
    out = P.strategic_merge_patch(doc, patch, "v1/Pod")
    assert out["spec"]["volumes"] == [{"name": "data", "configMap": {"name": "cfg"}},
                                      {"name": "other", "emptyDir": {}}]


def test_smp_null_deletes_labels():
    doc = pod({"name": "a", "image": "a"})
    doc["metadata"]["labels"]["tier"] = "fe"
    out = P.strategic_merge_patch(doc, {"metadata": {"labels": {"tier": None, "env": "prod"}}}, "v1/Pod")
    assert out["metadata"]["labels"] == {"app": "web", "env": "prod"}


def test_smp_finalizers_merge_delete_and_order():
    doc = {"metadata": {"name": "cm", "finalizers": ["a/x", "b/y"]}, "data": {}}
    out = P.strategic_merge_patch(doc, {"metadata": {"finalizers": ["c/z", "a/x"]}}, "v1/ConfigMap")
    assert out["metadata"]["finalizers"] == ["c/z", "a/x", "b/y"]   # union, de-duplicated
    out = P.strategic_merge_patch(doc, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a/x"]}},
                                  "v1/ConfigMap")
    assert out["metadata"]["finalizers"] == ["b/y"]
    out = P.strategic_merge_patch(doc, {"metadata": {"$setElementOrder/finalizers": ["b/y", "a/x"]}},
                                  "v1/ConfigMap")
    assert out["metadata"]["finalizers"] == ["b/y", "a/x"]


def test_smp_owner_references_merge_by_uid():
    doc = {"metadata": {"name": "rs", "ownerReferences": [{"uid": "1", "name": "d1"}]}}
    out = P.strategic_merge_patch(doc, {"metadata": {"ownerReferences": [{"uid": "2", "name": "d2"}]}},
                                  "apps/v1/ReplicaSet")
    assert out["metadata"]["ownerReferences"] == [{"uid": "2", "name": "d2"}, {"uid": "1", "name": "d1"}]


def test_smp_lists_without_strategy_are_replaced():
    doc = pod({"name": "a", "image": "a", "envFrom": [{"configMapRef": {"name": "x"}}]},
              tolerations=[{"key": "k1", "operator": "Exists"}])
    patch = {"spec": {"tolerations": [{"key": "k2", "operator": "Exists"}],
                      "containers": [{"name": "a", "envFrom": [{"secretRef": {"name": "s"}}]}]}}
    out = P.strategic_merge_patch(doc, patch, "v1/Pod")
    assert out["spec"]["tolerations"] == [{"key": "k2", "operator": "Exists"}]
    assert out["spec"]["containers"][0]["envFrom"] == [{"secretRef": {"name": "s"}}]


def test_smp_node_conditions_merge_taints_replace():
    doc = {"metadata": {"name": "n"}, "spec": {"taints": [{"key": "a", "effect": "NoSchedule"}]},
           "status": {"conditions": [{"type": "Ready", "status": "True"}, {"type": "DiskPressure", "status": "False"}],
                      "addresses": [{"type": "InternalIP", "address": "10.0.0.1"}]}}
    patch = {"spec": {"taints": [{"key": "b", "effect": "NoExecute"}]},
             "status": {"conditions": [{"type": "Ready", "status": "False"}],
                        "addresses": [{"type": "Hostname", "address": "n"}]}}
    out = P.strategic_merge_patch(doc, patch, "v1/Node")
    assert out["spec"]["taints"] == [{"key": "b", "effect": "NoExecute"}]
    assert out["status"]["conditions"] == [{"type": "Ready", "status": "False"},
                                           {"type": "DiskPressure", "status": "False"}]
    assert [a["type"] for a in out["status"]["addresses"]] == ["Hostname", "InternalIP"]


def test_smp_service_ports_merge_by_port():
    doc = {"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 443}]}}
    out = P.strategic_merge_patch(doc, {"spec": {"ports": [{"port": 80, "targetPort": 9090}]}}, "v1/Service")
    assert out["spec"]["ports"] == [{"port": 80, "targetPort": 9090}, {"port": 443}]


def test_smp_cronjob_job_template_containers_merge():
    doc = {"metadata": {"name": "cj"}, "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {
        "spec": {"containers": [{"name": "a", "image": "a:1"}, {"name": "b", "image": "b:1"}]}}}}}}
    patch = {"spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "b", "image": "b:2"}]}}}}}}
    out = P.strategic_merge_patch(doc, patch, "batch/v1/CronJob")
    assert out["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"] == [
        {"name": "a", "image": "a:1"}, {"name": "b", "image": "b:2"}]


def test_smp_unknown_kind_falls_back_to_plain_merge():
    assert P.supports_strategic_merge("apps/v1/Deployment")
    assert P.supports_strategic_merge("v1/Pod")
    assert not P.supports_strategic_merge("example.com/v1/Widget")
    doc = {"metadata": {"name": "w", "finalizers": ["a"]}, "spec": {"containers": [{"name": "x"}, {"name": "y"}]}}
    patch = {"metadata": {"finalizers": ["b"]}, "spec": {"containers": [{"name": "x", "image": "i"}]}}
    out = P.strategic_merge_patch(doc, patch, "example.com/v1/Widget")
    assert out["spec"]["containers"] == [{"name": "x", "image": "i"}]   # no table: replaced
    assert out["metadata"]["finalizers"] == ["b", "a"]                   # ObjectMeta rules still apply


def test_unsupported_patch_type_error_for_custom_resources():
    err = P.unsupported_patch_type_error("example.com/v1/Widget")
    assert (err.code, err.reason) == (415, "UnsupportedMediaType")
    assert err.message == ("the body of the request was in an unknown format - accepted media types include: "
                           "application/json-patch+json, application/merge-patch+json, "
                           "application/apply-patch+yaml")
    assert "application/strategic-merge-patch+json" in P.unsupported_patch_type_error("v1/Pod").message


@pytest.mark.parametrize("patch, code, message", [
    ({"spec": {"containers": [{"image": "x"}]}}, 500,
     "map: map[image:x] does not contain declared merge key: name"),
    ({"spec": {"containers": [{"$patch": "merge", "name": "a"}]}}, 500,
     "merging lists cannot yet be specified in the patch"),
    ({"spec": {"nodeSelector": {"$patch": "merge", "a": "b"}}}, 500,
     "unknown patch type: merge in map: map[$patch:merge a:b]"),
    ({"spec": {"$setElementOrderX": []}}, 400, "invalid patch format of setElementOrder list"),
    ({"spec": {"$deleteFromPrimitiveListX": []}}, 400, "invalid patch format of primitive list"),
    ({"spec": {"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}],
               "containers": [{"name": "a", "image": "1"}, {"name": "b", "image": "2"}]}}, 500,
     "The order in patch list:\n[map[image:1 name:a] map[image:2 name:b]]\n doesn't match "
     "$setElementOrder list:\n[map[name:b] map[name:a]]\n"),
])
def test_smp_error_statuses(patch, code, message):
    doc = pod({"name": "a", "image": "a"}, {"name": "b", "image": "b"}, nodeSelector={"a": "x"})
    err = raises_status(P.strategic_merge_patch, doc, patch, "v1/Pod")
    assert (err.code, err.message) == (code, message)
    if code == 500:   # a plain Go error: StatusReasonUnknown is empty and omitted
        assert "reason" not in err.status and err.reason == ""
    else:
        assert err.reason == "BadRequest"


def test_smp_list_of_lists_is_generic_422():
    doc = {"metadata": {"name": "cm", "finalizers": []}}
    err = raises_status(P.strategic_merge_patch, doc, {"metadata": {"finalizers": [["x"]]}}, "v1/ConfigMap")
    assert (err.code, err.reason, err.message) == (422, "Invalid", GENERIC_422)
    assert err.patch_error == "lists of lists are not supported"


def test_smp_undecodable_body_is_400():
    err = raises_status(P.strategic_merge_patch, pod(), "[1, 2]", "v1/Pod")
    assert (err.code, err.message) == (400, "json: cannot unmarshal array into Go value of type map[string]interface {}")
    err = raises_status(P.strategic_merge_patch, pod(), "{", "v1/Pod")
    assert (err.code, err.message) == (400, "unexpected end of JSON input")


SMP_CASES = [
    ({"spec": {"containers": [{"name": "a", "image": "a2", "env": [{"name": "X", "value": "1"}]}]}}),
    ({"spec": {"$setElementOrder/containers": [{"name": "b"}, {"name": "c"}],
               "containers": [{"$patch": "delete", "name": "a"}, {"name": "c", "image": "c"}]}}),
    ({"metadata": {"labels": {"app": None}, "$retainKeys": ["labels", "name"]}}),
    ({"spec": {"volumes": [{"name": "v", "$retainKeys": ["name", "secret"], "secret": {"secretName": "s"}}]}}),
    ({"spec": {"containers": [{"name": "b", "$patch": "replace", "image": "b9"}, {"$patch": "replace"}]}}),
]


@pytest.mark.parametrize("patch", SMP_CASES)
def test_smp_never_mutates_inputs_and_shares_untouched_subtrees(patch):
    doc = pod({"name": "a", "image": "a", "env": [{"name": "X", "value": "0"}]}, {"name": "b", "image": "b"},
              volumes=[{"name": "v", "emptyDir": {}}])
    doc_before, patch_before = copy.deepcopy(doc), copy.deepcopy(patch)
    out = P.strategic_merge_patch(doc, patch, "v1/Pod")
    assert doc == doc_before and patch == patch_before
    assert out["status"] is doc["status"]
    assert out != doc


_flat_values = st.recursive(_scalars, lambda kids: st.dictionaries(_keys, kids, max_size=3), max_leaves=10)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_keys, _flat_values, max_size=4), st.dictionaries(_keys, _flat_values, max_size=4))
def test_smp_without_lists_or_directives_equals_merge_patch(doc, patch):
    # With no lists and no "$" keys, strategic merge and JSON merge patch agree exactly.
    assert P.strategic_merge_patch(doc, patch, "v1/Pod") == P.merge_patch(doc, patch)
