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


def _qualified_name_msgs(value: str) -> list[str]:
    """The messages of :func:`is_qualified_name`, computed."""
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


def _label_value_msgs(value: str) -> list[str]:
    """The messages of :func:`is_valid_label_value`, computed."""
    errs: list[str] = []
    if _blen(value) > LABEL_VALUE_MAX_LENGTH:
        errs.append(max_len_error(LABEL_VALUE_MAX_LENGTH))
    if not _full(_LABEL_VALUE_RE, value):
        errs.append(regex_error(LABEL_VALUE_ERR_MSG, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def _dns1123_label_msgs(value: str) -> list[str]:
    """The messages of :func:`is_dns1123_label`, computed."""
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


def _dns1123_subdomain_msgs(value: str) -> list[str]:
    """The messages of :func:`is_dns1123_subdomain`, computed."""
    errs: list[str] = []
    if _blen(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errs.append(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if not _full(_DNS1123_SUBDOMAIN_RE, value):
        errs.append(regex_error(DNS1123_SUBDOMAIN_ERR_MSG, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def _dns1035_label_msgs(value: str) -> list[str]:
    """The messages of :func:`is_dns1035_label`, computed."""
    errs: list[str] = []
    if _blen(value) > DNS1035_LABEL_MAX_LENGTH:
        errs.append(max_len_error(DNS1035_LABEL_MAX_LENGTH))
    if not _full(_DNS1035_LABEL_RE, value):
        errs.append(regex_error(DNS1035_LABEL_ERR_MSG, DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


# --------------------------------------------------------------------------------------------
# Memoisation.  The same few strings (label keys and values, namespace names, container names,
# well-known annotation keys) are checked over and over; each check is a pure function of the
# string, so its messages are remembered (per check, in a bounded dict that is simply emptied
# when it grows past _MEMO_MAX entries).  Only exact ``str`` values are remembered: anything else
# goes through the computation as before (and fails there exactly as before).  Callers always
# get a fresh list, so nothing they do to it can leak into the memo.

_MEMO_MAX = 4096
_memo_enabled = True
_QN_MEMO: dict[str, tuple] = {}      # is_qualified_name
_LV_MEMO: dict[str, tuple] = {}      # is_valid_label_value
_L1123_MEMO: dict[str, tuple] = {}   # is_dns1123_label
_S1123_MEMO: dict[str, tuple] = {}   # is_dns1123_subdomain
_L1035_MEMO: dict[str, tuple] = {}   # is_dns1035_label
_MEMOS = (_QN_MEMO, _LV_MEMO, _L1123_MEMO, _S1123_MEMO, _L1035_MEMO)
_UNKNOWN = ("?",)                    # a truthy stand-in for "not remembered yet"


def set_memo_enabled(enabled: bool) -> None:
    """Use the memos of the ``is_*`` checks, or not (tests compare both ways). What they hold
    stays true either way, so turning them off does not empty them."""
    global _memo_enabled
    _memo_enabled = bool(enabled)


def clear_memo() -> None:
    """Empty the memos of the ``is_*`` checks."""
    for m in _MEMOS:
        m.clear()


def _memo(memo: dict, compute: Callable[[str], list], value: str) -> tuple:
    """``compute(value)`` as a tuple, remembered in ``memo`` (``value`` must be an exact str)."""
    hit = memo.get(value)
    if hit is None:
        if len(memo) >= _MEMO_MAX:
            memo.clear()
        hit = memo[value] = tuple(compute(value))
    return hit


def is_qualified_name(value: str) -> list[str]:
    """``IsQualifiedName``: label keys, annotation keys, finalizers (``[prefix/]name``)."""
    if type(value) is str and _memo_enabled:
        return list(_memo(_QN_MEMO, _qualified_name_msgs, value))
    return _qualified_name_msgs(value)


def is_valid_label_value(value: str) -> list[str]:
    """``IsValidLabelValue``: empty, or up to 63 characters of ``[-A-Za-z0-9_.]`` framed by alphanumerics."""
    if type(value) is str and _memo_enabled:
        return list(_memo(_LV_MEMO, _label_value_msgs, value))
    return _label_value_msgs(value)


def is_dns1123_label(value: str) -> list[str]:
    """``IsDNS1123Label``: namespace names, service names (RFC 1123 label, at most 63)."""
    if type(value) is str and _memo_enabled:
        return list(_memo(_L1123_MEMO, _dns1123_label_msgs, value))
    return _dns1123_label_msgs(value)


def is_dns1123_subdomain(value: str) -> list[str]:
    """``IsDNS1123Subdomain``: most object names (at most 253)."""
    if type(value) is str and _memo_enabled:
        return list(_memo(_S1123_MEMO, _dns1123_subdomain_msgs, value))
    return _dns1123_subdomain_msgs(value)


def is_dns1035_label(value: str) -> list[str]:
    """``IsDNS1035Label``: e.g. service names (must start with a letter)."""
    if type(value) is str and _memo_enabled:
        return list(_memo(_L1035_MEMO, _dns1035_label_msgs, value))
    return _dns1035_label_msgs(value)


def is_valid_dns1123_subdomain(value) -> bool:
    """True exactly when ``is_dns1123_subdomain(value)`` is empty, for a non-empty str (object
    names: mostly unique, so this is not memoised). A match is ASCII, so its byte length is len()."""
    return (type(value) is str and 0 < len(value) <= DNS1123_SUBDOMAIN_MAX_LENGTH
            and _DNS1123_SUBDOMAIN_RE.fullmatch(value) is not None)


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
    elif not (name_fn is name_is_dns_subdomain and is_valid_dns1123_subdomain(name)):
        for msg in name_fn(name, False):
            errs.append(invalid_value(f"{path}.name", name, msg))
    namespace = meta.get("namespace") or ""
    if namespaced:
        if not namespace:
            errs.append(required(f"{path}.namespace"))
        elif not (validate_namespace_name is name_is_dns_label and _memo_enabled and type(namespace) is str
                  and _L1123_MEMO.get(namespace) == ()):   # (known to be a valid label)
            for msg in validate_namespace_name(namespace, False):
                errs.append(invalid_value(f"{path}.namespace", namespace, msg))
    elif namespace:
        errs.append(forbidden_field(f"{path}.namespace", "not allowed on this type"))
    return errs


def known_valid_labels(labels) -> bool:
    """True when every key and value of ``labels`` is a str already known (memoised) to be valid,
    so :func:`validate_labels` has nothing to report; False means "not known", not "invalid"."""
    if type(labels) is not dict or not _memo_enabled:
        return False
    qn, lv = _QN_MEMO, _LV_MEMO
    for key, value in labels.items():
        if type(key) is not str or type(value) is not str or qn.get(key, _UNKNOWN) or lv.get(value, _UNKNOWN):
            return False
    return True


def validate_labels(labels: dict | None, path: str = "metadata.labels") -> list[FieldError]:
    """metav1 validation ``ValidateLabels``: every error is reported at ``path`` itself.

    Go walks the map in random order; here keys are visited in sorted order so output is stable.
    """
    if known_valid_labels(labels):
        return []
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
_PER_INT63 = 63 // _IDX_BITS  # 12 chunks (characters, unless skipped) from each 63-bit draw

# Each 10 bits of a draw hold two 5-bit chunks, low chunk first: the characters they give.
_CHUNK_PAIRS = tuple((ALPHANUMS[v & _IDX_MASK] if (v & _IDX_MASK) < len(ALPHANUMS) else "")
                     + (ALPHANUMS[v >> _IDX_BITS] if (v >> _IDX_BITS) < len(ALPHANUMS) else "")
                     for v in range(1 << (2 * _IDX_BITS)))


def random_string(n: int, rng: random.Random) -> str:
    """``utilrand.String``: take 5-bit chunks of 63-bit draws, skipping chunks past the alphabet.

    Each draw yields its _PER_INT63 chunks (bits 0-59, lowest first); a new draw is taken only when
    the characters so far are too few, exactly as upstream's loop does (the first draw is taken even
    for ``n == 0``). The chunks are looked up two at a time in :data:`_CHUNK_PAIRS`."""
    t = _CHUNK_PAIRS
    b = rng.getrandbits(63)
    out = (t[b & 1023] + t[b >> 10 & 1023] + t[b >> 20 & 1023] + t[b >> 30 & 1023] + t[b >> 40 & 1023]
           + t[b >> 50 & 1023])
    while len(out) < n:
        b = rng.getrandbits(63)
        out += (t[b & 1023] + t[b >> 10 & 1023] + t[b >> 20 & 1023] + t[b >> 30 & 1023] + t[b >> 40 & 1023]
                + t[b >> 50 & 1023])
    return out[:n] if n > 0 else ""


def generate_name(base: str, rng: random.Random) -> str:
    """``SimpleNameGenerator.GenerateName``: ``base`` cut to 58 bytes plus 5 random characters.

    The result never exceeds 63 bytes. (A multi-byte character split by the cut is dropped; such a
    base is an invalid name anyway.)
    """
    if _blen(base) > MAX_GENERATED_NAME_LENGTH:
        base = base.encode("utf-8", "surrogatepass")[:MAX_GENERATED_NAME_LENGTH].decode("utf-8", "ignore")
    return base + random_string(RANDOM_LENGTH, rng)
