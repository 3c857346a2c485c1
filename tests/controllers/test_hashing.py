"""pod-template-hash: upstream's ComputeHash reproduced exactly (golden values from real go-spew)."""
import json
import os

import pytest

from kube_lab.controlplane.controllers import hashing

GOLDEN = json.load(open(os.path.join(os.path.dirname(__file__), "hash_golden.json")))["cases"]


@pytest.mark.parametrize("case", GOLDEN, ids=[c["hash"] for c in GOLDEN])
def test_hash_matches_upstream_go(case):
    assert hashing.compute_hash(case["template"]) == case["hash"]
    assert hashing.compute_hash(case["template"], 1) == case["hash_collision_1"]


def test_safe_encode_string_uses_the_vowel_free_alphabet():
    assert hashing.safe_encode_string("0123456789") == "456789bcdf"


def test_spew_prints_go_values_with_types():
    text = hashing.spew(GOLDEN[1]["template"])
    assert text.startswith("(v1.PodTemplateSpec){ObjectMeta:(v1.ObjectMeta){Name:(string) GenerateName:(string) ")
    assert "Labels:(map[string]string)map[app:web tier:fe]" in text
    assert ("Ports:([]v1.ContainerPort)[{Name:(string) HostPort:(int32)0 ContainerPort:(int32)80 "
            "Protocol:(v1.Protocol)TCP HostIP:(string)}]") in text
    assert "TerminationGracePeriodSeconds:(*int64)30" in text
    assert "SecurityContext:(*v1.PodSecurityContext){SELinuxOptions:(*v1.SELinuxOptions)<nil>" in text


def test_quantities_print_their_parsed_internal_form():
    tpl = {"spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": "0.5", "memory": "64Mi"}}}]}}
    text = hashing.spew(tpl)
    # "0.5" is stored as "500m": the int64 fast path, with the canonical string cached
    assert ("cpu:{i:(resource.int64Amount){value:(int64)500 scale:(resource.Scale)-3} "
            "d:(resource.infDecAmount){Dec:(*inf.Dec)<nil>} s:(string)500m Format:(resource.Format)DecimalSI}") in text
    # 64Mi: exact in int64 but not cached (upstream's value&0x07 check)
    assert "memory:{i:(resource.int64Amount){value:(int64)67108864 scale:(resource.Scale)0}" in text
    assert "s:(string) Format:(resource.Format)BinarySI}" in text


def test_hash_changes_with_template_and_collision_count_but_not_with_hash_label():
    t = GOLDEN[0]["template"]
    other = json.loads(json.dumps(t))
    other["spec"]["containers"][0]["image"] = "nginx:1.26"
    assert hashing.compute_hash(other) != hashing.compute_hash(t)
    assert hashing.compute_hash(t, 0) != hashing.compute_hash(t)     # a nil and a zero count differ
    labelled = json.loads(json.dumps(t))
    labelled["metadata"]["labels"]["pod-template-hash"] = "abc"
    assert hashing.equal_ignore_hash(t, labelled)
    assert not hashing.equal_ignore_hash(t, other)


def test_equal_ignore_hash_treats_empty_and_missing_maps_alike():
    a = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "x"}]}}
    b = {"metadata": {"labels": {"app": "web"}, "annotations": {}}, "spec": {"containers": [{"name": "c", "image": "x"}],
                                                                          "nodeSelector": {}}}
    assert hashing.equal_ignore_hash(a, b)
