"""Name validation and name generation, as the API server does them.

Behaviour follows Kubernetes 1.32:

* ``is_*`` checks mirror k8s.io/apimachinery/pkg/util/validation (validation.go): each returns the
  list of human-readable problems (empty when the value is fine), word for word as upstream builds
  them, so they can be dropped into field errors unchanged.
* ``name_is_*`` and :func:`validate_object_meta_name` mirror k8s.io/apimachinery/pkg/api/validation
  (generic.go, objectmeta.go): the per-resource "name function" and the name / generateName /
  namespace part of ``ValidateObjectMeta``.
* :func:`generate_name` mirrors ``names.SimpleNameGenerator`` (k8s.io/apiserver/pkg/storage/names)
  with ``utilrand.String`` (k8s.io/apimachinery/pkg/util/rand), drawing from a caller-supplied
  ``random.Random`` so runs are reproducible.

Lengths are measured in UTF-8 bytes, as Go's ``len`` does.
"""
from __future__ import annotations

import random
import re
from typing import Callable

from kube_lab.api.errors import FieldError, forbidden_field, invalid_value, required

# --------------------------------------------------------------------------------------------
# Message helpers (validation.go: MaxLenError, RegexError, EmptyError)


def max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """Upstream's explanation of a failed regular-expression check."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {shown}regex used for validation is '{fmt}')"


def empty_error() -> str:
    return "must be non-empty"


def _blen(s: str) -> int:
    """Go's ``len(string)``: the UTF-8 byte count."""
    if s.isascii():
        return len(s)
    return len(s.encode("utf-8", "surrogatepass"))


# --------------------------------------------------------------------------------------------
# Formats (the regexes are quoted verbatim in messages, so they are kept as upstream spells them)

QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
QUALIFIED_NAME_ERR_MSG = ("must consist of alphanumeric characters, '-', '_' or '.', and must start "
                          "and end with an alphanumeric character")
QUALIFIED_NAME_MAX_LENGTH = 63

LABEL_VALUE_FMT = "(" + QUALIFIED_NAME_FMT + ")?"
LABEL_VALUE_ERR_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, "
                       "'-', '_' or '.', and must start and end with an alphanumeric character")
LABEL_VALUE_MAX_LENGTH = 63

DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL_ERR_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric "
                         "characters or '-', and must start and end with an alphanumeric character")
DNS1123_LABEL_MAX_LENGTH = 63

DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*"
DNS1123_SUBDOMAIN_ERR_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                             "characters, '-' or '.', and must start and end with an alphanumeric "
                             "character")
DNS1123_SUBDOMAIN_MAX_LENGTH = 253

DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
DNS1035_LABEL_ERR_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
                         "start with an alphabetic character, and end with an alphanumeric character")
DNS1035_LABEL_MAX_LENGTH = 63

_QUALIFIED_NAME_RE = re.compile(QUALIFIED_NAME_FMT)
_LABEL_VALUE_RE = re.compile(LABEL_VALUE_FMT)
_DNS1123_LABEL_RE = re.compile(DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN_RE = re.compile(DNS1123_SUBDOMAIN_FMT)
_DNS1035_LABEL_RE = re.compile(DNS1035_LABEL_FMT)


def _full(rx: re.Pattern, s: str) -> bool:
    # Go anchors with ^...$ where $ is end-of-text; fullmatch is the same (Python's $ is not).
    return rx.fullmatch(s) is not None


# --------------------------------------------------------------------------------------------
# Checks


def is_qualified_name(value: str) -> list[str]:
    """``IsQualifiedName``: label keys, annotation keys, finalizers (``[prefix/]name``)."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part " + empty_error())
        else:
            errs.extend("prefix part " + m for m in is_dns1123_subdomain(prefix))
    else:
        return errs + ["a qualified name " + regex_error(QUALIFIED_NAME_ERR_MSG, QUALIFIED_NAME_FMT,
                                                         "MyName", "my.name", "123-abc")
                       + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    if not name:
        errs.append("name part " + empty_error())
    elif _blen(name) > QUALIFIED_NAME_MAX_LENGTH:
        errs.append("name part " + max_len_error(QUALIFIED_NAME_MAX_LENGTH))
    if not _full(_QUALIFIED_NAME_RE, name):
        errs.append("name part " + regex_error(QUALIFIED_NAME_ERR_MSG, QUALIFIED_NAME_FMT,
                                               "MyName", "my.name", "123-abc"))
    return errs


def is_valid_label_value(value: str) -> list[str]:
    """``IsValidLabelValue``: empty, or up to 63 characters of ``[-A-Za-z0-9_.]`` framed by alphanumerics."""
    errs: list[str] = []
    if _blen(value) > LABEL_VALUE_MAX_LENGTH:
        errs.append(max_len_error(LABEL_VALUE_MAX_LENGTH))
    if not _full(_LABEL_VALUE_RE, value):
        errs.append(regex_error(LABEL_VALUE_ERR_MSG, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def is_dns1123_label(value: str) -> list[str]:
    """``IsDNS1123Label``: namespace names, service names (RFC 1123 label, at most 63)."""
    errs: list[str] = []
    if _blen(value) > DNS1123_LABEL_MAX_LENGTH:
        errs.append(max_len_error(DNS1123_LABEL_MAX_LENGTH))
    if not _full(_DNS1123_LABEL_RE, value):
        if _full(_DNS1123_SUBDOMAIN_RE, value):
            # a valid subdomain but not a label: with the length already checked, it must be dots
            errs.append("must not contain dots")
        else:
            errs.append(regex_error(DNS1123_LABEL_ERR_MSG, DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def is_dns1123_subdomain(value: str) -> list[str]:
    """``IsDNS1123Subdomain``: most object names (at most 253)."""
    errs: list[str] = []
    if _blen(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errs.append(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if not _full(_DNS1123_SUBDOMAIN_RE, value):
        errs.append(regex_error(DNS1123_SUBDOMAIN_ERR_MSG, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def is_dns1035_label(value: str) -> list[str]:
    """``IsDNS1035Label``: e.g. service names (must start with a letter)."""
    errs: list[str] = []
    if _blen(value) > DNS1035_LABEL_MAX_LENGTH:
        errs.append(max_len_error(DNS1035_LABEL_MAX_LENGTH))
    if not _full(_DNS1035_LABEL_RE, value):
        errs.append(regex_error(DNS1035_LABEL_ERR_MSG, DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


# --------------------------------------------------------------------------------------------
# Name functions (pkg/api/validation/generic.go)

NameFunc = Callable[[str, bool], list]


def mask_trailing_dash(name: str) -> str:
    """``maskTrailingDash`` exactly as upstream writes it.

    A generateName prefix may end in ``-`` because random characters follow. Upstream replaces the
    *last two* characters with ``a`` (``name[:len(name)-2] + "a"``), so ``"abc-"`` is checked as
    ``"aba"``. Kept as is: it decides which prefixes are accepted.
    """
    if _blen(name) > 1 and name.endswith("-"):
        return name[:-2] + "a"
    return name


def name_is_dns_subdomain(name: str, prefix: bool = False) -> list[str]:
    if prefix:
        name = mask_trailing_dash(name)
    return is_dns1123_subdomain(name)


def name_is_dns_label(name: str, prefix: bool = False) -> list[str]:
    if prefix:
        name = mask_trailing_dash(name)
    return is_dns1123_label(name)


def name_is_dns1035_label(name: str, prefix: bool = False) -> list[str]:
    if prefix:
        name = mask_trailing_dash(name)
    return is_dns1035_label(name)


validate_namespace_name = name_is_dns_label


def validate_object_meta_name(meta: dict, namespaced: bool, name_fn: NameFunc = name_is_dns_subdomain,
                              path: str = "metadata") -> list[FieldError]:
    """The generateName / name / namespace checks of ``ValidateObjectMetaAccessor``, in upstream order.

    ``meta`` is an object's ``metadata`` dict; ``namespaced`` says whether the resource requires a
    namespace (cluster-scoped objects must not have one). Labels are checked by :func:`validate_labels`.
    """
    errs: list[FieldError] = []
    generate = meta.get("generateName") or ""
    if generate:
        for msg in name_fn(generate, True):
            errs.append(invalid_value(f"{path}.generateName", generate, msg))
    name = meta.get("name") or ""
    if not name:
        errs.append(required(f"{path}.name", "name or generateName is required"))
    else:
        for msg in name_fn(name, False):
            errs.append(invalid_value(f"{path}.name", name, msg))
    namespace = meta.get("namespace") or ""
    if namespaced:
        if not namespace:
            errs.append(required(f"{path}.namespace"))
        else:
            for msg in validate_namespace_name(namespace, False):
                errs.append(invalid_value(f"{path}.namespace", namespace, msg))
    elif namespace:
        errs.append(forbidden_field(f"{path}.namespace", "not allowed on this type"))
    return errs


def validate_labels(labels: dict | None, path: str = "metadata.labels") -> list[FieldError]:
    """metav1 validation ``ValidateLabels``: every error is reported at ``path`` itself.

    Go walks the map in random order; here keys are visited in sorted order so output is stable.
    """
    errs: list[FieldError] = []
    for key in sorted(labels or {}):
        for msg in is_qualified_name(key):
            errs.append(invalid_value(path, key, msg))
        value = labels[key]
        for msg in is_valid_label_value(value):
            errs.append(invalid_value(path, value, msg))
    return errs


# --------------------------------------------------------------------------------------------
# Name generation

MAX_NAME_LENGTH = 63
RANDOM_LENGTH = 5
MAX_GENERATED_NAME_LENGTH = MAX_NAME_LENGTH - RANDOM_LENGTH  # 58

ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"  # utilrand: vowels left out to avoid forming words
_IDX_BITS = 5
_IDX_MASK = (1 << _IDX_BITS) - 1
_PER_INT63 = 63 // _IDX_BITS  # 12 characters from each 63-bit draw


def random_string(n: int, rng: random.Random) -> str:
    """``utilrand.String``: take 5-bit chunks of 63-bit draws, skipping chunks past the alphabet."""
    out: list[str] = []
    bits = rng.getrandbits(63)
    remaining = _PER_INT63
    while len(out) < n:
        if remaining == 0:
            bits, remaining = rng.getrandbits(63), _PER_INT63
        idx = bits & _IDX_MASK
        if idx < len(ALPHANUMS):
            out.append(ALPHANUMS[idx])
        bits >>= _IDX_BITS
        remaining -= 1
    return "".join(out)


def generate_name(base: str, rng: random.Random) -> str:
    """``SimpleNameGenerator.GenerateName``: ``base`` cut to 58 bytes plus 5 random characters.

    The result never exceeds 63 bytes. (A multi-byte character split by the cut is dropped; such a
    base is an invalid name anyway.)
    """
    if _blen(base) > MAX_GENERATED_NAME_LENGTH:
        base = base.encode("utf-8", "surrogatepass")[:MAX_GENERATED_NAME_LENGTH].decode("utf-8", "ignore")
    return base + random_string(RANDOM_LENGTH, rng)
