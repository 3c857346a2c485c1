"""Name validation messages and SimpleNameGenerator."""
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kube_lab.api import names

SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                 "and must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                 "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
             "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
             "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
               "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
               "regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")
NAME_PART_MSG = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
                 "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
                 "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and "
             "must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', "
             "regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")


def test_regex_error_shape():
    assert names.regex_error("m", "f") == "m (regex used for validation is 'f')"
    assert names.regex_error("m", "f", "a", "b") == "m (e.g. 'a',  or 'b', regex used for validation is 'f')"


@pytest.mark.parametrize("value,errs", [
    ("example.com", []),
    ("a", []),
    ("a-b.c-d", []),
    ("Example.com", [SUBDOMAIN_MSG]),
    ("-a", [SUBDOMAIN_MSG]),
    ("a.", [SUBDOMAIN_MSG]),
    ("a..b", [SUBDOMAIN_MSG]),
    ("", [SUBDOMAIN_MSG]),
    ("a" * 253, []),
    ("a" * 254, ["must be no more than 253 characters"]),
    ("A" * 254, ["must be no more than 253 characters", SUBDOMAIN_MSG]),
    ("é", [SUBDOMAIN_MSG]),
])
def test_dns1123_subdomain(value, errs):
    assert names.is_dns1123_subdomain(value) == errs


@pytest.mark.parametrize("value,errs", [
    ("my-name", []),
    ("123-abc", []),
    ("a.b", ["must not contain dots"]),
    ("My-Name", [LABEL_MSG]),
    ("a-", [LABEL_MSG]),
    ("a" * 64, ["must be no more than 63 characters"]),
    ("a" * 64 + ".", ["must be no more than 63 characters", LABEL_MSG]),
])
def test_dns1123_label(value, errs):
    assert names.is_dns1123_label(value) == errs


@pytest.mark.parametrize("value,errs", [
    ("my-name", []),
    ("1abc", [DNS1035_MSG]),
    ("a" * 64, ["must be no more than 63 characters"]),
])
def test_dns1035_label(value, errs):
    assert names.is_dns1035_label(value) == errs


@pytest.mark.parametrize("value,errs", [
    ("app", []),
    ("app.kubernetes.io/name", []),
    ("My_Key.1", []),
    ("-app", [NAME_PART_MSG]),
    ("/app", ["prefix part must be non-empty"]),
    ("app/", ["name part must be non-empty", NAME_PART_MSG]),
    ("Example.com/app", ["prefix part " + SUBDOMAIN_MSG]),
    ("a" * 64, ["name part must be no more than 63 characters"]),
    ("a/b/c", ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and "
               "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
               "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix "
               "and '/' (e.g. 'example.com/MyName')"]),
])
def test_qualified_name(value, errs):
    assert names.is_qualified_name(value) == errs


@pytest.mark.parametrize("value,errs", [
    ("", []),
    ("v1.2_x-y", []),
    ("-v", [VALUE_MSG]),
    ("a b", [VALUE_MSG]),
    ("a" * 63, []),
    ("a" * 64, ["must be no more than 63 characters"]),
    ("a\n", [VALUE_MSG]),  # Go's $ does not match before a trailing newline
])
def test_label_value(value, errs):
    assert names.is_valid_label_value(value) == errs


def test_validate_object_meta_name():
    assert names.validate_object_meta_name({"name": "web", "namespace": "default"}, True) == []
    assert [str(e) for e in names.validate_object_meta_name({}, True)] == [
        "metadata.name: Required value: name or generateName is required",
        "metadata.namespace: Required value",
    ]
    assert [str(e) for e in names.validate_object_meta_name({"name": "Web", "namespace": "a.b"}, True)] == [
        'metadata.name: Invalid value: "Web": ' + SUBDOMAIN_MSG,
        'metadata.namespace: Invalid value: "a.b": must not contain dots',
    ]
    assert [str(e) for e in names.validate_object_meta_name({"name": "n1", "namespace": "x"}, False)] == [
        "metadata.namespace: Forbidden: not allowed on this type"]


def test_generate_name_prefix_masking():
    # a trailing dash is allowed in generateName: upstream checks "web-" as "wea"
    assert names.validate_object_meta_name({"generateName": "web-", "name": "web-x7k2p", "namespace": "d"}, True) == []
    assert names.mask_trailing_dash("web-") == "wea"
    assert names.mask_trailing_dash("-") == "-"
    errs = names.validate_object_meta_name({"generateName": "Web-", "namespace": "d"}, True)
    assert [str(e) for e in errs] == [
        'metadata.generateName: Invalid value: "Web-": ' + SUBDOMAIN_MSG,
        "metadata.name: Required value: name or generateName is required",
    ]
    # name functions can be swapped, e.g. namespaces use DNS labels
    assert names.validate_object_meta_name({"name": "a.b"}, False, names.name_is_dns_label)[0].detail == \
        "must not contain dots"


def test_validate_labels_reports_at_the_map():
    errs = names.validate_labels({"ok": "fine", "-bad": "v", "k": "-v"})
    assert [str(e) for e in errs] == [
        'metadata.labels: Invalid value: "-bad": ' + NAME_PART_MSG,
        'metadata.labels: Invalid value: "-v": ' + VALUE_MSG,
    ]


# ------------------------------------------------------------------------------------------
# name generation


class _FixedBits:
    """A stand-in rng whose 63-bit draws are scripted."""

    def __init__(self, *draws):
        self.draws = list(draws)

    def getrandbits(self, k):
        assert k == 63
        return self.draws.pop(0)


def _chunks(*idx):
    v = 0
    for i, x in enumerate(idx):
        v |= x << (5 * i)
    return v


def test_random_string_uses_5_bit_chunks_and_skips_out_of_range():
    assert names.random_string(5, _FixedBits(0)) == "bbbbb"
    # indexes 27..31 fall outside the 27-letter alphabet and are skipped
    draw = _chunks(31, 1, 27, 2, 26, 3, 30, 4)
    assert names.random_string(5, _FixedBits(draw)) == "cd9fg"
    # 12 chunks per draw, then a fresh draw
    first = _chunks(*([31] * 11 + [0]))
    assert names.random_string(2, _FixedBits(first, _chunks(5))) == "bh"


def test_generate_name_deterministic_and_bounded():
    a = names.generate_name("web-", random.Random(7))
    b = names.generate_name("web-", random.Random(7))
    assert a == b and a.startswith("web-") and len(a) == 9
    assert all(c in names.ALPHANUMS for c in a[4:])
    assert names.generate_name("web-", random.Random(8)) != a or names.generate_name("web-", random.Random(9)) != a
    long = names.generate_name("x" * 70, random.Random(1))
    assert len(long) == 63 and long.startswith("x" * 58) and long[58] in names.ALPHANUMS


@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"[a-z0-9]([-a-z0-9]{0,80})?", fullmatch=True), st.integers(0, 2 ** 32))
def test_generated_names_stay_valid(base, seed):
    name = names.generate_name(base, random.Random(seed))
    assert len(name) == min(len(base), 58) + 5
    assert name.startswith(base[:58])
    assert names.is_dns1123_label(name) == []  # even a base ending in "-" is fine once the suffix follows


def _random_string_reference(n, rng):
    """utilrand.String as a plain loop over 5-bit chunks (what random_string's table lookups do)."""
    out = []
    bits, remaining = rng.getrandbits(63), 12
    while len(out) < n:
        if remaining == 0:
            bits, remaining = rng.getrandbits(63), 12
        idx = bits & 31
        if idx < len(names.ALPHANUMS):
            out.append(names.ALPHANUMS[idx])
        bits >>= 5
        remaining -= 1
    return "".join(out)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2 ** 64), st.integers(-2, 40))
def test_random_string_matches_the_chunk_loop_and_draws_alike(seed, n):
    a, b = random.Random(seed), random.Random(seed)
    assert [names.random_string(n, a) for _ in range(3)] == [_random_string_reference(n, b) for _ in range(3)]
    assert a.getrandbits(64) == b.getrandbits(64)   # the same number of draws was taken
