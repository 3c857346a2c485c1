"""YAML exactly as ``kubectl … -o yaml`` writes it.

kubectl's YAML printer calls ``sigs.k8s.io/yaml.Marshal``: the object is encoded as JSON, decoded
by go-yaml v2 into generic maps, and emitted by go-yaml v2's emitter (a port of libyaml).  The
visible consequences, all reproduced here:

* mapping keys are sorted with go-yaml's key order (letters before digits, runs of digits
  compared as numbers: ``a2`` < ``a10``);
* block style with 2-space indentation; a sequence under a mapping key is not indented
  (``containers:`` / ``- image: …``); empty maps and lists are written ``{}`` and ``[]``;
* a string is written plain when it would read back as the same string, otherwise double-quoted
  (``"80"``, ``"true"``, ``"yes"``, ``"2025-01-01T00:00:00Z"``, ``""``) — or single-quoted when
  only its characters forbid plain style (``'*'``, ``'a: b'``); multi-line strings use literal
  block style (``|``, ``|-``, ``|+``);
* plain and quoted scalars are folded at spaces once a line passes 80 columns.

The emitter below follows go-yaml v2's ``emitterc.go`` (sigs.k8s.io/yaml v1.4.0, ``goyaml.v2``)
state by state for the subset of events a JSON document produces.
"""
from __future__ import annotations

import math
import re
from typing import Any

BEST_INDENT = 2
BEST_WIDTH = 80

_PLAIN, _SINGLE, _DOUBLE, _LITERAL = "plain", "single", "double", "literal"

# -----------------------------------------------------------------------------------------
# go-yaml's resolve(): what a plain scalar would read back as

_BOOL_NULL = {
    **dict.fromkeys(["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
                     "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"], "bool"),
    **dict.fromkeys(["", "~", "null", "Null", "NULL"], "null"),
    **dict.fromkeys([".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
                     "-.inf", "-.Inf", "-.INF"], "float"),
    "<<": "merge",
}
_YAML_STYLE_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_BASE60_FLOAT = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_GO_FLOAT = re.compile(r"^[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf|infinity|nan)$", re.IGNORECASE)
_INT64_MAX = 2 ** 63 - 1


def _go_parse_int(s: str, allow_sign: bool = True) -> int | None:
    """``strconv.ParseInt(s, 0, 64)`` (or ParseUint without sign): base prefixes, range."""
    if not s:
        return None
    neg = False
    body = s
    if s[0] in "+-":
        if not allow_sign:
            return None
        neg = s[0] == "-"
        body = s[1:]
    base = 10
    low = body.lower()
    if low.startswith("0x"):
        base, body = 16, body[2:]
    elif low.startswith("0b"):
        base, body = 2, body[2:]
    elif low.startswith("0o"):
        base, body = 8, body[2:]
    elif body.startswith("0") and len(body) > 1:
        base, body = 8, body[1:]
    if not body:
        return None
    try:
        v = int(body, base)
    except ValueError:
        return None
    if not body.isalnum():
        return None
    v = -v if neg else v
    if allow_sign:
        if v > _INT64_MAX or v < -_INT64_MAX - 1:
            return None
    elif v > 2 ** 64 - 1:
        return None
    return v


_TS_DATE = r"(\d{4})-(\d{1,2})-(\d{1,2})"
_TS_FORMATS = (
    re.compile(_TS_DATE + r"[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d+)?(Z|[+-]\d{2}:\d{2})$"),
    re.compile(_TS_DATE + r" (\d{1,2}):(\d{1,2}):(\d{1,2})(\.\d+)?$"),
    re.compile(_TS_DATE + r"$"),
)


def _is_timestamp(s: str) -> bool:
    """go-yaml's ``parseTimestamp`` (time.Parse with its four layouts, ranges checked)."""
    i = 0
    while i < len(s) and s[i].isdigit() and s[i].isascii():
        i += 1
    if i != 4 or i == len(s) or s[i] != "-":
        return False
    for rx in _TS_FORMATS:
        m = rx.match(s)
        if not m:
            continue
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if not 1 <= month <= 12:
            continue
        mdays = [31, 29 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 28, 31, 30, 31, 30,
                 31, 31, 30, 31, 30, 31][month - 1]
        if not 1 <= day <= mdays:
            continue
        if len(m.groups()) > 3:
            hh, mm, ss = int(m.group(4)), int(m.group(5)), int(m.group(6))
            if hh > 23 or mm > 59 or ss > 59:
                continue
        return True
    return False


def resolve_tag(s: str) -> str:
    """The tag go-yaml's resolver gives an unquoted scalar: str, bool, null, int, float, timestamp."""
    if s == "":
        return "null"
    c = s[0]
    if c not in "+-0123456789yYnNtTfFoO~.":
        return "str"
    if s in _BOOL_NULL:
        return _BOOL_NULL[s]
    if c in "yYnNtTfFoO~":
        return "str"
    if c == ".":
        return "float" if _GO_FLOAT.match(s) else "str"
    if c.isdigit() and c.isascii() or c in "+-":
        if _is_timestamp(s):
            return "timestamp"
        plain = s.replace("_", "")
        if _go_parse_int(plain) is not None or _go_parse_int(plain, allow_sign=False) is not None:
            return "int"
        if _YAML_STYLE_FLOAT.match(plain) and _GO_FLOAT.match(plain):
            return "float"
        if plain.startswith("0b"):
            try:
                int(plain[2:], 2)
                return "int"
            except ValueError:
                pass
        elif plain.startswith("-0b"):
            try:
                int(plain[3:], 2)
                return "int"
            except ValueError:
                pass
    return "str"


# -----------------------------------------------------------------------------------------
# numbers as JSON → go-yaml → text


def go_format_float_g(f: float) -> str:
    """``strconv.FormatFloat(f, 'g', -1, 64)`` with go-yaml's ``.inf``/``.nan`` spellings."""
    if math.isnan(f):
        return ".nan"
    if math.isinf(f):
        return ".inf" if f > 0 else "-.inf"
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    r = repr(abs(f))
    mant, _, exp_s = r.partition("e")
    exp10 = int(exp_s) if exp_s else 0
    intpart, _, frac = mant.partition(".")
    if frac == "0":
        frac = ""
    digits = (intpart + frac).lstrip("0")
    dp = len(intpart.lstrip("0")) + exp10 if intpart.lstrip("0") else exp10 - (len(frac) - len(frac.lstrip("0")))
    digits = digits.rstrip("0") or "0"
    nd = len(digits)
    sign = "-" if f < 0 else ""
    exp = dp - 1
    if exp < -4 or exp >= 6:
        mantissa = digits[0] + ("." + digits[1:] if nd > 1 else "")
        e = abs(exp)
        return f"{sign}{mantissa}e{'-' if exp < 0 else '+'}{e:02d}"
    if dp <= 0:
        return f"{sign}0.{'0' * -dp}{digits}"
    if dp >= nd:
        return sign + digits + "0" * (dp - nd)
    return f"{sign}{digits[:dp]}.{digits[dp:]}"


def _number_text(v: float) -> str:
    """A JSON number's YAML text after the JSON → YAML round trip of sigs.k8s.io/yaml."""
    from ...api.apply import _go_float_json  # Go's encoding/json float format

    text = _go_float_json(v)
    as_int = _go_parse_int(text.replace("_", ""))
    if as_int is not None:
        return str(as_int)
    return go_format_float_g(float(text))


# -----------------------------------------------------------------------------------------
# key order (go-yaml v2 sorter.go keyList.Less for string keys)


def _key_less(a: str, b: str) -> bool:
    ar, br = a, b
    for i in range(min(len(ar), len(br))):
        if ar[i] == br[i]:
            continue
        al, bl = ar[i].isalpha(), br[i].isalpha()
        if al and bl:
            return ar[i] < br[i]
        if al or bl:
            return bl
        an = bn = 0
        if ar[i] == "0" or br[i] == "0":
            j = i - 1
            while j >= 0 and ar[j].isdecimal():
                if ar[j] != "0":
                    an = bn = 1
                    break
                j -= 1
        ai = i
        while ai < len(ar) and ar[ai].isdecimal():
            an = an * 10 + ord(ar[ai]) - 48
            ai += 1
        bi = i
        while bi < len(br) and br[bi].isdecimal():
            bn = bn * 10 + ord(br[bi]) - 48
            bi += 1
        if an != bn:
            return an < bn
        if ai != bi:
            return ai < bi
        return ar[i] < br[i]
    return len(ar) < len(br)


class _Key:
    __slots__ = ("s",)

    def __init__(self, s: str):
        self.s = s

    def __lt__(self, other: "_Key") -> bool:
        return _key_less(self.s, other.s)


def sorted_keys(d: dict) -> list:
    return sorted(d, key=lambda k: _Key(str(k)))


# -----------------------------------------------------------------------------------------
# character classes (yamlprivateh.go, on code points)


def _printable(c: str) -> bool:
    o = ord(c)
    return (o == 0x0A or 0x20 <= o <= 0x7E or 0xA0 <= o <= 0xD7FF
            or (0xE000 <= o <= 0xFFFD and o != 0xFEFF))


def _is_break(c: str) -> bool:
    return c in "\r\n\x85\u2028\u2029"


def _is_blankz(c: str) -> bool:
    return c in " \t\x00" or _is_break(c)


class _Analysis:
    __slots__ = ("multiline", "flow_plain", "block_plain", "single", "block")


def _analyze(value: str) -> _Analysis:
    a = _Analysis()
    if not value:
        a.multiline, a.flow_plain, a.block_plain, a.single, a.block = False, False, True, True, False
        return a
    block_ind = flow_ind = line_breaks = special = False
    leading_space = leading_break = trailing_space = trailing_break = False
    break_space = space_break = False
    previous_space = previous_break = False
    if value.startswith("---") or value.startswith("..."):
        block_ind = flow_ind = True
    preceded_ws = True
    n = len(value)
    for i, c in enumerate(value):
        followed_ws = i + 1 >= n or value[i + 1] in " \t"
        if i == 0:
            if c in "#,[]{}&*!|>'\"%@`":
                flow_ind = block_ind = True
            elif c in "?:":
                flow_ind = True
                if followed_ws:
                    block_ind = True
            elif c == "-":
                if followed_ws:
                    flow_ind = block_ind = True
        else:
            if c in ",?[]{}":
                flow_ind = True
            elif c == ":":
                flow_ind = True
                if followed_ws:
                    block_ind = True
            elif c == "#":
                if preceded_ws:
                    flow_ind = block_ind = True
        if not _printable(c):
            special = True
        if c == " ":
            if i == 0:
                leading_space = True
            if i + 1 == n:
                trailing_space = True
            if previous_break:
                break_space = True
            previous_space, previous_break = True, False
        elif _is_break(c):
            line_breaks = True
            if i == 0:
                leading_break = True
            if i + 1 == n:
                trailing_break = True
            if previous_space:
                space_break = True
            previous_space, previous_break = False, True
        else:
            previous_space = previous_break = False
        preceded_ws = _is_blankz(c)
    a.multiline = line_breaks
    a.flow_plain = a.block_plain = a.single = a.block = True
    if leading_space or leading_break or trailing_space or trailing_break:
        a.flow_plain = a.block_plain = False
    if trailing_space:
        a.block = False
    if break_space:
        a.flow_plain = a.block_plain = a.single = False
    if space_break or special:
        a.flow_plain = a.block_plain = a.single = a.block = False
    if line_breaks:
        a.flow_plain = a.block_plain = False
    if flow_ind:
        a.flow_plain = False
    if block_ind:
        a.block_plain = False
    return a


# -----------------------------------------------------------------------------------------
# the emitter


class _Emitter:
    def __init__(self):
        self.out: list[str] = []
        self.column = 0
        self.whitespace = True
        self.indention = True
        self.open_ended = False
        self.indent = -1
        self.indents: list[int] = []
        self.flow_level = 0
        self.root_context = self.sequence_context = self.mapping_context = self.simple_key_context = False

    # -- low level --------------------------------------------------------------------
    def put(self, ch: str) -> None:
        self.out.append(ch)
        self.column += 1

    def put_break(self) -> None:
        self.out.append("\n")
        self.column = 0

    def write(self, ch: str) -> None:
        self.out.append(ch)
        self.column += 1

    def write_break(self, ch: str) -> None:
        if ch == "\n":
            self.put_break()
        else:
            self.write(ch)
            self.column = 0

    def write_indent(self) -> None:
        indent = max(self.indent, 0)
        if not self.indention or self.column > indent or (self.column == indent and not self.whitespace):
            self.put_break()
        while self.column < indent:
            self.put(" ")
        self.whitespace = True
        self.indention = True

    def write_indicator(self, indicator: str, need_ws: bool, is_ws: bool, is_indention: bool) -> None:
        if need_ws and not self.whitespace:
            self.put(" ")
        for ch in indicator:
            self.write(ch)
        self.whitespace = is_ws
        self.indention = self.indention and is_indention
        self.open_ended = False

    def increase_indent(self, flow: bool, indentless: bool) -> None:
        self.indents.append(self.indent)
        if self.indent < 0:
            self.indent = BEST_INDENT if flow else 0
        elif not indentless:
            self.indent += BEST_INDENT

    def pop_indent(self) -> None:
        self.indent = self.indents.pop()

    # -- nodes ------------------------------------------------------------------------
    def node(self, v: Any, root: bool = False, sequence: bool = False, mapping: bool = False,
             simple_key: bool = False) -> None:
        self.root_context, self.sequence_context = root, sequence
        self.mapping_context, self.simple_key_context = mapping, simple_key
        if isinstance(v, dict):
            if not v:
                self.flow_empty("{", "}")
            else:
                self.block_mapping(v)
        elif isinstance(v, (list, tuple)):
            if not v:
                self.flow_empty("[", "]")
            else:
                self.block_sequence(v)
        else:
            self.scalar(*_scalar_of(v))

    def flow_empty(self, open_: str, close: str) -> None:
        self.write_indicator(open_, True, True, False)
        self.increase_indent(True, False)
        self.flow_level += 1
        self.flow_level -= 1
        self.pop_indent()
        self.write_indicator(close, False, False, False)

    def block_sequence(self, items) -> None:
        self.increase_indent(False, self.mapping_context and not self.indention)
        for item in items:
            self.write_indent()
            self.write_indicator("-", True, False, True)
            self.node(item, sequence=True)
        self.pop_indent()

    def block_mapping(self, d: dict) -> None:
        self.increase_indent(False, False)
        for k in sorted_keys(d):
            self.write_indent()
            key = str(k)
            analysis = _analyze(key)
            if not analysis.multiline and len(key.encode("utf-8")) <= 128:
                self.node(key, mapping=True, simple_key=True)
                self.write_indicator(":", False, False, False)
            else:
                self.write_indicator("?", True, False, True)
                self.node(key, mapping=True)
                self.write_indent()
                self.write_indicator(":", True, False, True)
            self.node(d[k], mapping=True)
        self.pop_indent()

    def scalar(self, value: str, style: str) -> None:
        a = _analyze(value)
        if self.simple_key_context and a.multiline:
            style = _DOUBLE
        if style == _PLAIN:
            if (self.flow_level > 0 and not a.flow_plain) or (self.flow_level == 0 and not a.block_plain):
                style = _SINGLE
            if not value and (self.flow_level > 0 or self.simple_key_context):
                style = _SINGLE
        if style == _SINGLE and not a.single:
            style = _DOUBLE
        if style == _LITERAL and (not a.block or self.flow_level > 0 or self.simple_key_context):
            style = _DOUBLE
        self.increase_indent(True, False)
        allow_breaks = not self.simple_key_context
        if style == _PLAIN:
            self.write_plain(value, allow_breaks)
        elif style == _SINGLE:
            self.write_single(value, allow_breaks)
        elif style == _DOUBLE:
            self.write_double(value, allow_breaks)
        else:
            self.write_literal(value)
        self.pop_indent()

    # -- scalar writers ---------------------------------------------------------------
    def write_plain(self, value: str, allow_breaks: bool) -> None:
        if not self.whitespace:
            self.put(" ")
        spaces = breaks = False
        n = len(value)
        i = 0
        while i < n:
            c = value[i]
            if c == " ":
                if allow_breaks and not spaces and self.column > BEST_WIDTH and not (i + 1 < n and value[i + 1] == " "):
                    self.write_indent()
                else:
                    self.write(c)
                spaces = True
            elif _is_break(c):
                if not breaks and c == "\n":
                    self.put_break()
                self.write_break(c)
                self.indention = True
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                self.write(c)
                self.indention = False
                spaces = breaks = False
            i += 1
        self.whitespace = False
        self.indention = False
        if self.root_context:
            self.open_ended = True

    def write_single(self, value: str, allow_breaks: bool) -> None:
        self.write_indicator("'", True, False, False)
        spaces = breaks = False
        n = len(value)
        for i, c in enumerate(value):
            if c == " ":
                if (allow_breaks and not spaces and self.column > BEST_WIDTH and 0 < i < n - 1
                        and value[i + 1] != " "):
                    self.write_indent()
                else:
                    self.write(c)
                spaces = True
            elif _is_break(c):
                if not breaks and c == "\n":
                    self.put_break()
                self.write_break(c)
                self.indention = True
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                if c == "'":
                    self.put("'")
                self.write(c)
                self.indention = False
                spaces = breaks = False
        self.write_indicator("'", False, False, False)
        self.whitespace = False
        self.indention = False

    _ESCAPES = {0x00: "0", 0x07: "a", 0x08: "b", 0x09: "t", 0x0A: "n", 0x0B: "v", 0x0C: "f", 0x0D: "r",
                0x1B: "e", 0x22: '"', 0x5C: "\\", 0x85: "N", 0xA0: "_", 0x2028: "L", 0x2029: "P"}

    def write_double(self, value: str, allow_breaks: bool) -> None:
        spaces = False
        self.write_indicator('"', True, False, False)
        bom = value.startswith("\ufeff")
        n = len(value)
        for i, c in enumerate(value):
            if not _printable(c) or bom or _is_break(c) or c in '"\\':
                self.put("\\")
                v = ord(c)
                esc = self._ESCAPES.get(v)
                if esc is not None:
                    self.put(esc)
                else:
                    if v <= 0xFF:
                        self.put("x")
                        digits = f"{v:02X}"
                    elif v <= 0xFFFF:
                        self.put("u")
                        digits = f"{v:04X}"
                    else:
                        self.put("U")
                        digits = f"{v:08X}"
                    for d in digits:
                        self.put(d)
                spaces = False
            elif c == " ":
                if allow_breaks and not spaces and self.column > BEST_WIDTH and 0 < i < n - 1:
                    self.write_indent()
                    if i + 1 < n and value[i + 1] == " ":
                        self.put("\\")
                else:
                    self.write(c)
                spaces = True
            else:
                self.write(c)
                spaces = False
        self.write_indicator('"', False, False, False)
        self.whitespace = False
        self.indention = False

    def write_literal(self, value: str) -> None:
        self.write_indicator("|", True, False, False)
        if value and (value[0] == " " or _is_break(value[0])):
            self.write_indicator(str(BEST_INDENT), False, False, False)
        self.open_ended = False
        chomp = ""
        if not value:
            chomp = "-"
        elif not _is_break(value[-1]):
            chomp = "-"
        elif len(value) == 1:
            chomp = "+"
            self.open_ended = True
        elif _is_break(value[-2]):
            chomp = "+"
            self.open_ended = True
        if chomp:
            self.write_indicator(chomp, False, False, False)
        self.put_break()
        self.indention = True
        self.whitespace = True
        breaks = True
        for c in value:
            if _is_break(c):
                self.write_break(c)
                self.indention = True
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                self.write(c)
                self.indention = False
                breaks = False


def _scalar_of(v: Any) -> tuple[str, str]:
    """The text and requested style of a scalar, as go-yaml's encoder chooses them."""
    if v is None:
        return "null", _PLAIN
    if v is True:
        return "true", _PLAIN
    if v is False:
        return "false", _PLAIN
    if isinstance(v, int):
        return str(v), _PLAIN
    if isinstance(v, float):
        return _number_text(v), _PLAIN
    s = str(v)
    tag = resolve_tag(s)
    can_plain = tag == "str" and not (s and (s[0] in "+-" or s[0].isdigit()) and ":" in s
                                      and _BASE60_FLOAT.match(s))
    if "\n" in s:
        return s, _LITERAL
    return s, (_PLAIN if can_plain else _DOUBLE)


_NEL_RUN = re.compile(" *(?:\x85 *)+")


def _fold_nel(m: "re.Match") -> str:
    breaks = m.group(0).count("\x85")
    return " " if breaks == 1 else "\n" * (breaks - 1)


def _json_roundtrip(v: Any) -> Any:
    """What go-yaml reads back from Go's JSON encoding of ``v``: JSON leaves U+0085 (NEL)
    unescaped, and YAML folds that line break inside a double-quoted scalar."""
    if isinstance(v, str):
        return _NEL_RUN.sub(_fold_nel, v) if "\x85" in v else v
    if isinstance(v, dict):
        return {_json_roundtrip(k) if isinstance(k, str) else k: _json_roundtrip(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_json_roundtrip(x) for x in v]
    return v


def dumps(obj: Any) -> str:
    """``sigs.k8s.io/yaml.Marshal(obj)`` for a JSON-shaped value."""
    e = _Emitter()
    e.node(_json_roundtrip(obj), root=True)
    e.write_indent()             # document end (implicit)
    if e.open_ended:             # stream end after an open-ended scalar
        e.write_indicator("...", True, False, False)
        e.write_indent()
    return "".join(e.out)
