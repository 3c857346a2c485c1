"""kubectl's JSONPath dialect (k8s.io/client-go/util/jsonpath), for ``-o jsonpath=…``,
``-o jsonpath-file=…``, ``-o jsonpath-as-json=…``, custom columns and ``--sort-by``.

Templates mix text with ``{…}`` actions: fields ``.a.b`` (``\\.`` escapes a dot in a key), ``[n]``,
slices ``[s:e:step]``, ``[*]``, unions ``[a,b]``, ``['key']``, ``..`` recursive descent, ``*``,
filters ``[?(@.k==v)]`` (``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``, existence), quoted text
(``{"\\n"}``) and ``{range …}…{end}``.

Results print as Go's ``fmt.Print`` prints them (maps and lists as compact JSON, several results
joined by a space).  Where Go iterates a map in random order (``*`` over a map, ``..``) this
module sorts the keys, so output is reproducible.
"""
from __future__ import annotations

import re
from typing import Any

from .jsonprinter import compact, dumps

_EOF = ""


class JSONPathError(Exception):
    """Parse and evaluation errors, with client-go's texts."""


# -----------------------------------------------------------------------------------------
# nodes

class _Node:
    kind = ""

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def __repr__(self):  # pragma: no cover - debugging aid
        return f"{self.kind}({self.__dict__})"


def _list(nodes=None):
    return _Node(kind="list", nodes=nodes if nodes is not None else [])


_DICT_KEY = re.compile(r"^'([^']*)'$")
_SLICE = re.compile(r"^(-?\d*)(:-?\d*)?(:-?\d*)?$")
_FILTER = re.compile(r"^([^!<>=]+)([!<>=]+)(.+?)$", re.S)


def _is_terminator(r: str) -> bool:
    return r == _EOF or r in " \t\r\n.,[]$@{}"


def _is_alnum(r: str) -> bool:
    return r != _EOF and (r == "_" or r.isalpha() or r.isdecimal())


class Parser:
    """client-go's jsonpath ``Parser`` (parser.go)."""

    def __init__(self, name: str = ""):
        self.name = name

    def parse(self, text: str) -> _Node:
        self.input = text
        self.root = _list()
        self.pos = 0
        self.start = 0
        self._parse_text(self.root)
        return self.root

    # -- scanning helpers ---------------------------------------------------------------
    def _next(self) -> str:
        if self.pos >= len(self.input):
            self.width = 0
            return _EOF
        r = self.input[self.pos]
        self.width = 1
        self.pos += 1
        return r

    def _peek(self) -> str:
        r = self._next()
        self.pos -= self.width
        return r

    def _backup(self) -> None:
        self.pos -= self.width

    def _consume(self) -> str:
        v = self.input[self.start:self.pos]
        self.start = self.pos
        return v

    # -- grammar ------------------------------------------------------------------------
    def _parse_text(self, cur: _Node) -> None:
        while True:
            if self.input.startswith("{", self.pos):
                if self.pos > self.start:
                    cur.nodes.append(_Node(kind="text", text=self._consume()))
                self._parse_left_delim(cur)
                return
            if self._next() == _EOF:
                break
        if self.pos > self.start:
            cur.nodes.append(_Node(kind="text", text=self._consume()))

    def _parse_left_delim(self, cur: _Node) -> None:
        self.pos += 1
        self._consume()
        node = _list()
        cur.nodes.append(node)
        self._parse_inside(node)

    def _parse_inside(self, cur: _Node) -> None:
        while True:
            rest = self.input[self.pos:]
            if rest.startswith("}"):
                self.pos += 1
                self._consume()
                self._parse_text(self.root)
                return
            if rest.startswith("[?("):
                self._parse_filter(cur)
                continue
            if rest.startswith(".."):
                self._parse_recursive(cur)
                continue
            r = self._next()
            if r == _EOF or r in "\r\n":
                raise JSONPathError("unclosed action")
            if r == " ":
                self._consume()
            elif r in "@$":
                self._consume()
            elif r == "[":
                self._parse_array(cur)
            elif r in "\"'":
                self._parse_quote(cur, r)
            elif r == ".":
                self._parse_field(cur)
            elif r in "+-" or r.isdecimal():
                self._backup()
                self._parse_number(cur)
            elif _is_alnum(r):
                self._backup()
                self._parse_identifier(cur)
            else:
                raise JSONPathError(f"unrecognized character in action: U+{ord(r):04X} {_go_quote_rune(r)}")

    def _parse_identifier(self, cur: _Node) -> None:
        while True:
            r = self._next()
            if _is_terminator(r):
                if r != _EOF:
                    self._backup()
                break
        value = self._consume()
        if value in ("true", "false"):
            cur.nodes.append(_Node(kind="bool", value=value == "true"))
        else:
            cur.nodes.append(_Node(kind="identifier", name=value))

    def _parse_recursive(self, cur: _Node) -> None:
        if cur.nodes and cur.nodes[-1].kind == "recursive":
            raise JSONPathError("invalid multiple recursive descent")
        self.pos += 2
        self._consume()
        cur.nodes.append(_Node(kind="recursive"))
        if _is_alnum(self._peek()):
            self._parse_field(cur)

    def _parse_number(self, cur: _Node) -> None:
        r = self._peek()
        if r in "+-" and r != _EOF:
            self._next()
        while True:
            r = self._next()
            if r != "." and not (r != _EOF and r.isdecimal()):
                if r != _EOF:
                    self._backup()
                break
        value = self._consume()
        try:
            cur.nodes.append(_Node(kind="int", value=int(value)))
            return
        except ValueError:
            pass
        try:
            cur.nodes.append(_Node(kind="float", value=float(value)))
        except ValueError:
            raise JSONPathError(f"cannot parse number {value}") from None

    def _parse_array(self, cur: _Node) -> None:
        while True:
            r = self._next()
            if r in (_EOF, "\n"):
                raise JSONPathError("unterminated array")
            if r == "]":
                break
        text = self._consume()[1:-1]
        if text == "*":
            text = ":"
        parts = text.split(",")
        if len(parts) > 1:
            union = []
            for part in parts:
                union.append(_parse_action("union", f"[{part.strip(' ')}]"))
            cur.nodes.append(_Node(kind="union", nodes=union))
            return
        m = _DICT_KEY.match(text)
        if m:
            sub = _parse_action("arraydict", f".{m.group(1)}")
            cur.nodes.extend(sub.nodes)
            return
        m = _SLICE.match(text)
        if not m:
            raise JSONPathError(f"invalid array index {text}")
        groups = list(m.groups())
        params = []
        for i in range(3):
            v = groups[i]
            if v:
                if i > 0:
                    v = v[1:]
                if i > 0 and v == "":
                    params.append({"known": False, "value": 0, "derived": False})
                else:
                    try:
                        params.append({"known": True, "value": int(v), "derived": False})
                    except ValueError:
                        raise JSONPathError(f"array index {v} is not a number") from None
            elif i == 1:
                params.append({"known": True, "value": params[0]["value"] + 1, "derived": True})
            else:
                params.append({"known": False, "value": 0, "derived": False})
        cur.nodes.append(_Node(kind="array", params=params))

    def _parse_filter(self, cur: _Node) -> None:
        self.pos += 3
        self._consume()
        begin = end = False
        pair = ""
        while True:
            r = self._next()
            if r in (_EOF, "\n"):
                raise JSONPathError("unterminated filter")
            if r in "\"'":
                if not begin:
                    begin, pair = True, r
                    continue
                if self.input[self.pos - 2] != "\\" and r == pair:
                    end = True
            elif r == ")":
                if begin == end:
                    break
        if self._next() != "]":
            raise JSONPathError("unclosed array expect ]")
        text = self._consume()[:-2]
        m = _FILTER.match(text)
        if not m:
            cur.nodes.append(_Node(kind="filter", left=_parse_action("text", text), right=_list(), op="exists"))
        else:
            cur.nodes.append(_Node(kind="filter", left=_parse_action("left", m.group(1)),
                                   right=_parse_action("right", m.group(3)), op=m.group(2)))

    def _parse_quote(self, cur: _Node, end: str) -> None:
        while True:
            r = self._next()
            if r in (_EOF, "\n"):
                raise JSONPathError("unterminated quoted string")
            if r == end and self.input[self.pos - 2] != "\\":
                break
        value = self._consume()
        try:
            s = _unquote_extend(value)
        except ValueError:
            raise JSONPathError(f"unquote string {value} error invalid syntax") from None
        cur.nodes.append(_Node(kind="text", text=s))

    def _parse_field(self, cur: _Node) -> None:
        self._consume()
        while True:
            r = self._next()
            if r == "\\":
                self._next()
            elif _is_terminator(r):
                if r != _EOF:
                    self._backup()
                break
        value = self._consume()
        if value == "*":
            cur.nodes.append(_Node(kind="wildcard"))
        else:
            cur.nodes.append(_Node(kind="field", value=value.replace("\\", "")))


def _go_quote_rune(r: str) -> str:
    return "'" + r + "'"


def _parse_action(name: str, text: str) -> _Node:
    root = Parser(name).parse("{" + text + "}")
    return root.nodes[0]


_ESC = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\",
        "'": "'", '"': '"'}


def _unquote_extend(s: str) -> str:
    if len(s) < 2 or s[0] != s[-1] or s[0] not in "\"'":
        raise ValueError
    quote, body = s[0], s[1:-1]
    out = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == quote:
            raise ValueError
        if c != "\\":
            out.append(c)
            i += 1
            continue
        i += 1
        if i >= len(body):
            raise ValueError
        e = body[i]
        if e in _ESC:
            if e in "'\"" and e != quote:
                raise ValueError
            out.append(_ESC[e])
            i += 1
        elif e in "xuU":
            n = {"x": 2, "u": 4, "U": 8}[e]
            out.append(chr(int(body[i + 1:i + 1 + n], 16)))
            i += 1 + n
        elif e in "01234567":
            out.append(chr(int(body[i:i + 3], 8)))
            i += 3
        else:
            raise ValueError
    return "".join(out)


# -----------------------------------------------------------------------------------------
# evaluation

_MISSING = object()


class JSONPath:
    """``jsonpath.JSONPath``: ``parse`` a template, then ``execute`` it on data."""

    def __init__(self, name: str = "out", allow_missing_keys: bool = False, output_json: bool = False):
        self.name = name
        self.allow_missing_keys = allow_missing_keys
        self.output_json = output_json
        self.root: _Node | None = None

    def parse(self, text: str) -> "JSONPath":
        self.root = Parser(self.name).parse(text)
        return self

    def execute(self, data: Any) -> str:
        out: list[str] = []
        for results in self.find_results(data):
            out.append(self.print_results(results))
        return "".join(out)

    def find_results(self, data: Any) -> list[list]:
        if self.root is None:
            raise JSONPathError(f"{self.name} is an incomplete jsonpath template")
        self._begin = self._in = self._end = 0
        self._last_end = None
        return self._find(self.root.nodes, data)

    def _find(self, nodes: list, data: Any) -> list[list]:
        cur = [data]
        full: list[list] = []
        i = 0
        while i < len(nodes):
            node = nodes[i]
            results = self._walk(cur, node)
            if self._end > 0 and self._end <= self._in:
                self._end -= 1
                self._last_end = node
                break
            if self._begin > 0:
                self._begin -= 1
                self._in += 1
                rest = nodes[i + 1:]
                if results:
                    for value in results:
                        full.extend(self._find(rest, value))
                else:
                    self._find(rest, None)
                self._in -= 1
                for k in range(i + 1, len(nodes)):
                    if nodes[k] is self._last_end:
                        i = k
                        break
                i += 1
                continue
            full.append(results)
            i += 1
        return full

    def print_results(self, results: list) -> str:
        if self.output_json:
            return dumps(list(results), sort_keys=True)
        pieces = []
        for r in results:
            if isinstance(r, (dict, list)):
                pieces.append(compact(r))
            else:
                pieces.append(go_print(r))
        return " ".join(pieces)

    # -- node evaluation ----------------------------------------------------------------
    def _walk(self, values: list, node: _Node) -> list:
        k = node.kind
        if k == "list":
            cur = values
            for n in node.nodes:
                cur = self._walk(cur, n)
            return cur
        if k == "text":
            return [node.text]
        if k == "field":
            return self._field(values, node)
        if k == "array":
            return self._array(values, node)
        if k == "filter":
            return self._filter(values, node)
        if k in ("int", "float", "bool"):
            return [node.value for _ in values]
        if k == "wildcard":
            return self._wildcard(values)
        if k == "recursive":
            return self._recursive(values)
        if k == "union":
            out = []
            for n in node.nodes:
                out.extend(self._walk(values, n))
            return out
        if k == "identifier":
            if node.name == "range":
                self._begin += 1
                return values
            if node.name == "end":
                if self._in > 0:
                    self._end += 1
                    return []
                raise JSONPathError("not in range, nothing to end")
            raise JSONPathError(f"unrecognized identifier {node.name}")
        raise JSONPathError(f"unexpected Node {k}")  # pragma: no cover

    def _field(self, values: list, node: _Node) -> list:
        results = []
        if not values:
            return results
        for v in values:
            if v is None:
                continue
            if isinstance(v, dict) and node.value in v:
                results.append(v[node.value])
        if not results:
            if self.allow_missing_keys:
                return results
            raise JSONPathError(f"{node.value} is not found")
        return results

    def _array(self, values: list, node: _Node) -> list:
        result = []
        for v in values:
            if v is None:
                continue
            if not isinstance(v, list):
                raise JSONPathError(f"{_go_type(v)} is not array or slice")
            p = [dict(x) for x in node.params]
            n = len(v)
            if not p[0]["known"]:
                p[0]["value"] = 0
            if p[0]["value"] < 0:
                p[0]["value"] += n
            if not p[1]["known"]:
                p[1]["value"] = n
            if p[1]["value"] < 0 or (p[1]["value"] == 0 and p[1]["derived"]):
                p[1]["value"] += n
            s, e = p[0]["value"], p[1]["value"]
            if e != s:
                if s >= n or s < 0:
                    raise JSONPathError(f"array index out of bounds: index {s}, length {n}")
                if e > n or e < 0:
                    raise JSONPathError(f"array index out of bounds: index {e - 1}, length {n}")
                if s > e:
                    raise JSONPathError(f"starting index {s} is greater than ending index {e}")
            else:
                return result
            step = 1
            if p[2]["known"]:
                if p[2]["value"] <= 0:
                    raise JSONPathError("step must be > 0")
                step = p[2]["value"]
            result.extend(v[s:e:step])
        return result

    @staticmethod
    def _children(v: Any) -> list:
        if isinstance(v, dict):
            return [v[k] for k in sorted(v)]
        if isinstance(v, list):
            return list(v)
        if isinstance(v, str):
            return list(v.encode("utf-8"))   # Go indexes a string by bytes (uint8 values)
        return []

    def _wildcard(self, values: list) -> list:
        out = []
        for v in values:
            if v is None:
                continue
            out.extend(self._children(v))
        return out

    def _recursive(self, values: list) -> list:
        result = []
        for v in values:
            if v is None:
                continue
            kids = self._children(v)
            if kids:
                result.append(v)
                result.extend(self._recursive(kids))
        return result

    def _filter(self, values: list, node: _Node) -> list:
        results = []
        for v in values:
            if not isinstance(v, list):
                raise JSONPathError(f"{go_print(v)} is not array or slice and cannot be filtered")
            for item in v:
                try:
                    lefts = self._walk([item], node.left)
                    lerr = None
                except JSONPathError as e:
                    lefts, lerr = [], e
                if node.op == "exists":
                    if lefts:
                        results.append(item)
                    continue
                if lerr is not None:
                    raise lerr
                if not lefts:
                    continue
                if len(lefts) > 1:
                    raise JSONPathError("can only compare one element at a time")
                rights = self._walk([item], node.right)
                if not rights:
                    continue
                if len(rights) > 1:
                    raise JSONPathError("can only compare one element at a time")
                if _compare(lefts[0], rights[0], node.op):
                    results.append(item)
        return results


def _go_type(v: Any) -> str:
    if isinstance(v, dict):
        return "map[string]interface {}"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int64"
    if isinstance(v, float):
        return "float64"
    if isinstance(v, str):
        return "string"
    return "interface {}"


def _basic_kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    return "other"


def _compare(a: Any, b: Any, op: str) -> bool:
    """The forked text/template comparison functions (eq, ne, lt, le, gt, ge)."""
    ka, kb = _basic_kind(a), _basic_kind(b)
    if op in ("==", "!="):
        if ka != kb or ka == "other":
            if ka == "other" or kb == "other":
                raise JSONPathError("invalid type for comparison")
            raise JSONPathError("incompatible types for comparison")
        eq = a == b
        return eq if op == "==" else not eq
    if op not in ("<", "<=", ">", ">="):
        raise JSONPathError(f"unrecognized filter operator {op}")
    if ka != kb or ka not in ("number", "string"):
        if ka == "bool" or kb == "bool" or ka == "other" or kb == "other":
            raise JSONPathError("invalid type for comparison")
        raise JSONPathError("incompatible types for comparison")
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


def go_print(v: Any) -> str:
    """``fmt.Print`` of a JSON value (``null`` for nil, as jsonpath's ``evalToText`` prints it)."""
    from .goyaml import go_format_float_g

    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, float):
        text = go_format_float_g(v)
        return {".inf": "+Inf", "-.inf": "-Inf", ".nan": "NaN"}.get(text, text)
    if isinstance(v, (dict, list)):
        return compact(v)
    return str(v)


_RELAXED = re.compile(r"^\{\.?([^{}]+)\}$|^\.?([^{}]+)$", re.S)


def relaxed(expr: str) -> str:
    """``RelaxedJSONPathExpression`` (custom columns, ``--sort-by``): ``.a.b``, ``a.b``, ``{.a.b}``
    and ``{a.b}`` all mean ``{.a.b}``."""
    if not expr:
        return expr
    m = _RELAXED.match(expr)
    if not m:
        raise JSONPathError("unexpected path string, expected a 'name1.name2' or '.name1.name2' or "
                            "'{name1.name2}' or '{.name1.name2}'")
    return "{." + (m.group(1) or m.group(2)) + "}"


def go_sprint(v: Any) -> str:
    """``fmt.Sprint`` of a JSON value held in Go interfaces (``map[a:1 b:[x y]]``, ``<nil>``)."""
    from .goyaml import go_format_float_g

    if v is None:
        return "<nil>"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, float):
        text = go_format_float_g(v)
        return {".inf": "+Inf", "-.inf": "-Inf", ".nan": "NaN"}.get(text, text)
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{go_sprint(v[k])}" for k in sorted(v)) + "]"
    if isinstance(v, list):
        return "[" + " ".join(go_sprint(x) for x in v) + "]"
    return str(v)
