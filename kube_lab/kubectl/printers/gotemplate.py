"""Go ``text/template`` for ``kubectl … -o go-template=…`` (k8s.io/cli-runtime/pkg/printers/template.go).

A faithful subset of the Go template language, enough for what the Kubernetes tutorials type:

* actions ``{{ … }}`` with trim markers ``{{-`` / ``-}}`` and comments ``{{/* … */}}``;
* data access ``.``, ``.a.b``, ``$``, ``$var.a``, ``(pipeline).field``; pipelines with ``|``;
  variable declarations ``$x := …`` and assignments ``$x = …``;
* ``if``/``else if``/``else``/``end``, ``range`` (with ``$i, $e :=``, ``else``, ``break``,
  ``continue``), ``with``/``else``/``end``;
* functions ``and or not len index slice print printf println eq ne lt le gt ge html js
  urlquery`` and kubectl's own ``exists`` and ``base64decode``.

Values are what kubectl hands the template: the object as decoded JSON (integers as int64).
Missing map keys print ``<no value>`` (kubectl's ``missingkey=default``); values print as Go's
``fmt.Print`` prints them (``map[a:1 b:2]``, ``[x y]``).  Ranging over a map visits its keys in
sorted order, as Go does.
"""
from __future__ import annotations

import base64
import html
import re
import urllib.parse
from typing import Any

from .jsonpath import go_sprint


class TemplateError(Exception):
    """A parse or execution error (Go's text)."""


class _NoValue:
    """Go's invalid ``reflect.Value``: what a missing map key evaluates to."""

    def __repr__(self) -> str:  # pragma: no cover
        return "<no value>"


NO_VALUE = _NoValue()


# -----------------------------------------------------------------------------------------
# lexer

_TOKEN = re.compile(r"""
    (?P<space>[ \t\r\n]+)
  | (?P<declare>:=)
  | (?P<assign>=)
  | (?P<pipe>\|)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<comma>,)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<raw>`[^`]*`)
  | (?P<char>'(?:[^'\\\n]|\\.)+')
  | (?P<number>[+-]?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?))
  | (?P<variable>\$[A-Za-z0-9_]*)
  | (?P<field>(?:\.[A-Za-z_][A-Za-z0-9_]*)+)
  | (?P<dot>\.)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
""", re.X)

_KEYWORDS = {"if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"}


def _split(text: str) -> list[tuple[str, Any]]:
    """Split a template into ("text", s) and ("action", tokens) items, applying trim markers."""
    items: list[tuple[str, Any]] = []
    pos = 0
    n = len(text)
    while pos < n:
        start = text.find("{{", pos)
        if start < 0:
            items.append(("text", text[pos:]))
            break
        chunk = text[pos:start]
        inner_start = start + 2
        if text.startswith("- ", inner_start) or text.startswith("-\t", inner_start) or \
                text.startswith("-\n", inner_start) or text.startswith("-\r", inner_start):
            chunk = chunk.rstrip(" \t\r\n")
            inner_start += 1
        if chunk:
            items.append(("text", chunk))
        if text.startswith("/*", inner_start):   # a comment
            cend = text.find("*/", inner_start)
            if cend < 0:
                raise TemplateError("template: output:1: unclosed comment")
            close = text.find("}}", cend)
            if close < 0:
                raise TemplateError("template: output:1: unclosed action")
            trim_right = text[close - 1] == "-" and close - 2 >= cend + 2 and text[close - 2] in " \t\r\n"
            pos = close + 2
            if trim_right:
                while pos < n and text[pos] in " \t\r\n":
                    pos += 1
            continue
        tokens, pos, trim_right = _lex_action(text, inner_start)
        items.append(("action", tokens))
        if trim_right:
            while pos < n and text[pos] in " \t\r\n":
                pos += 1
    return items


def _lex_action(text: str, pos: int) -> tuple[list[tuple[str, str]], int, bool]:
    tokens: list[tuple[str, str]] = []
    n = len(text)
    depth = 0
    while True:
        if pos >= n:
            raise TemplateError("template: output:1: unclosed action")
        if text.startswith("}}", pos) and depth == 0:
            return tokens, pos + 2, False
        if text.startswith("-}}", pos) and tokens is not None and pos > 0 and text[pos - 1] in " \t\r\n" and depth == 0:
            return tokens, pos + 3, True
        m = _TOKEN.match(text, pos)
        if not m:
            raise TemplateError(f"template: output:1: unexpected {text[pos]!r} in command")
        kind = m.lastgroup
        value = m.group(0)
        pos = m.end()
        if kind == "space":
            tokens.append(_Tok("space", value, m.start()))
            continue
        if kind == "lparen":
            depth += 1
        elif kind == "rparen":
            depth -= 1
        tokens.append(_Tok(kind, value, m.start()))


class _Tok(tuple):
    """A token: compares as ``(kind, value)``; ``.pos`` is its byte offset in the template."""

    def __new__(cls, kind: str, value: str, pos: int):
        t = super().__new__(cls, (kind, value))
        t.pos = pos
        return t


# -----------------------------------------------------------------------------------------
# parser

class _Node(dict):
    pass


def _node(kind: str, **kw) -> _Node:
    n = _Node(kw)
    n["kind"] = kind
    return n


class _Parser:
    def __init__(self, text: str):
        self.items = _split(text)
        self.i = 0

    def parse(self) -> list:
        body, end = self._list(top=True)
        if end is not None:
            raise TemplateError(f"template: output:1: unexpected {{{{{end}}}}}")
        return body

    def _list(self, top: bool = False) -> tuple[list, str | None]:
        """Nodes up to a closing ``end``/``else`` (returned as the second element)."""
        nodes: list = []
        while self.i < len(self.items):
            kind, value = self.items[self.i]
            self.i += 1
            if kind == "text":
                nodes.append(_node("text", text=value))
                continue
            toks = [t for t in value if t[0] != "space"]
            if not toks:
                raise TemplateError("template: output:1: missing value for command")
            head = toks[0]
            first = next(j for j, t in enumerate(value) if t[0] != "space")
            rest_raw = value[first + 1:]
            if head == ("ident", "end"):
                if top:
                    raise TemplateError("template: output:1: unexpected {{end}}")
                return nodes, "end"
            if head == ("ident", "else"):
                if top:
                    raise TemplateError("template: output:1: unexpected {{else}}")
                self._else_rest = rest_raw
                return nodes, "else"
            if head[0] == "ident" and head[1] in ("if", "range", "with"):
                nodes.append(self._control(head[1], rest_raw))
                continue
            if head == ("ident", "break") or head == ("ident", "continue"):
                nodes.append(_node(head[1]))
                continue
            if head[0] == "ident" and head[1] in ("define", "template", "block"):
                raise TemplateError(f"template: output:1: {head[1]} is not supported here")
            nodes.append(_node("action", pipe=_Pipe(value).parse()))
        if not top:
            raise TemplateError("template: output:1: unexpected EOF")
        return nodes, None

    def _control(self, keyword: str, toks: list) -> _Node:
        pipe = _Pipe(toks).parse(allow_two_vars=keyword == "range")
        body, end = self._list()
        else_body: list = []
        if end == "else":
            rest = self._else_rest
            words = [t for t in rest if t[0] != "space"]
            if words and words[0] == ("ident", "if") and keyword == "if":
                # {{else if …}} is {{else}}{{if …}}…{{end}} sharing the outer end
                cut = next(j for j, t in enumerate(rest) if t[0] != "space")
                else_body = [self._control("if", rest[cut + 1:])]
            elif words and words[0] == ("ident", "with") and keyword == "with":
                cut = next(j for j, t in enumerate(rest) if t[0] != "space")
                else_body = [self._control("with", rest[cut + 1:])]
            else:
                else_body, end2 = self._list()
                if end2 != "end":
                    raise TemplateError("template: output:1: expected end; found {{else}}")
        return _node(keyword, pipe=pipe, body=body, else_body=else_body)


class _Pipe:
    """Parse the tokens of one action into a pipeline."""

    def __init__(self, toks):
        self.toks = list(toks)
        self.pos = 0

    def parse(self, allow_two_vars: bool = False) -> _Node:
        toks = self.toks
        decl: list[str] = []
        assign = False
        t = [x for x in toks if x[0] != "space"]
        if len(t) >= 2 and t[0][0] == "variable" and t[1][0] in ("declare", "assign"):
            decl = [t[0][1]]
            assign = t[1][0] == "assign"
            self._skip_to(2)
        elif allow_two_vars and len(t) >= 4 and t[0][0] == "variable" and t[1][0] == "comma" \
                and t[2][0] == "variable" and t[3][0] == "declare":
            decl = [t[0][1], t[2][1]]
            self._skip_to(4)
        cmds = []
        while True:
            cmds.append(self._command())
            self._skip_space()
            if self.pos >= len(self.toks):
                break
            if self.toks[self.pos][0] == "pipe":
                self.pos += 1
                continue
            if self.toks[self.pos][0] == "rparen":
                break
            raise TemplateError(f"template: output:1: unexpected {self.toks[self.pos][1]} in operand")
        return _node("pipe", decl=decl, assign=assign, cmds=cmds)

    def _skip_to(self, nonspace_index: int) -> None:
        count = 0
        while self.pos < len(self.toks):
            if self.toks[self.pos][0] != "space":
                if count == nonspace_index:
                    return
                count += 1
            self.pos += 1

    def _skip_space(self) -> None:
        while self.pos < len(self.toks) and self.toks[self.pos][0] == "space":
            self.pos += 1

    def _command(self) -> _Node:
        args = []
        while True:
            self._skip_space()
            if self.pos >= len(self.toks) or self.toks[self.pos][0] in ("pipe", "rparen"):
                break
            args.append(self._operand())
        if not args:
            raise TemplateError("template: output:1: missing value for command")
        return _node("command", args=args)

    def _operand(self) -> _Node:
        tok = self.toks[self.pos]
        kind, value = tok
        self.pos += 1
        if kind == "lparen":
            pipe = self.parse_nested()
            term = _node("pipeline", pipe=pipe)
        elif kind == "field":
            chain = value[1:].split(".")
            # Go's chain node sits at its second field (or the only one)
            pos = tok.pos + len(chain[0]) + 1 if len(chain) > 1 else tok.pos
            return _node("field", chain=chain, pos=pos)
        elif kind == "dot":
            term = _node("dot")
        elif kind == "variable":
            term = _node("variable", name=value)
        elif kind == "string":
            term = _node("literal", value=_unquote(value))
        elif kind == "raw":
            term = _node("literal", value=value[1:-1])
        elif kind == "char":
            term = _node("literal", value=ord(_unquote('"' + value[1:-1] + '"')))
        elif kind == "number":
            term = _node("literal", value=_number(value))
        elif kind == "ident":
            if value in ("true", "false"):
                term = _node("literal", value=value == "true")
            elif value == "nil":
                term = _node("nil")
            else:
                term = _node("function", name=value)
        else:
            raise TemplateError(f"template: output:1: unexpected {value!r} in operand")
        # a field chain glued to the term: (x).a.b or $v.a
        if self.pos < len(self.toks) and self.toks[self.pos][0] == "field":
            ftok = self.toks[self.pos]
            chain = ftok[1][1:].split(".")
            self.pos += 1
            return _node("chain", term=term, chain=chain, pos=ftok.pos)
        return term

    def parse_nested(self) -> _Node:
        pipe = self.parse()
        self._skip_space()
        if self.pos >= len(self.toks) or self.toks[self.pos][0] != "rparen":
            raise TemplateError("template: output:1: unclosed left paren")
        self.pos += 1
        return pipe


def _unquote(s: str) -> str:
    try:
        import ast

        return ast.literal_eval(s)
    except (ValueError, SyntaxError):
        raise TemplateError(f"template: output:1: bad string {s}") from None


def _number(s: str) -> Any:
    clean = s.replace("_", "")
    try:
        return int(clean, 0)
    except ValueError:
        try:
            return float(clean)
        except ValueError:
            raise TemplateError(f"template: output:1: bad number syntax: {s!r}") from None


# -----------------------------------------------------------------------------------------
# execution

class _ExecError(Exception):
    pass


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


def is_true(v: Any) -> bool:
    if v is NO_VALUE or v is None:
        return False
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return v != 0
    if isinstance(v, (str, list, dict, tuple)):
        return len(v) > 0
    return True


def print_value(v: Any) -> str:
    """``printValue``: ``fmt.Print`` of the value, ``<no value>`` for a missing one."""
    if v is NO_VALUE:
        return "<no value>"
    return go_sprint(v)


class Template:
    """A parsed template; :meth:`execute` renders it for one data value."""

    FUNCS = ("and", "or", "not", "len", "index", "slice", "print", "printf", "println", "eq", "ne", "lt",
             "le", "gt", "ge", "html", "js", "urlquery", "exists", "base64decode", "call")

    def __init__(self, text: str, missing_key_error: bool = False):
        self.text = text
        self.missing_key_error = missing_key_error
        self.nodes = _Parser(text).parse()
        self._check_functions(self.nodes)

    def _check_functions(self, nodes) -> None:
        for n in nodes:
            self._check_node(n)

    def _check_node(self, n: Any) -> None:
        if isinstance(n, list):
            for x in n:
                self._check_node(x)
        elif isinstance(n, dict):
            if n.get("kind") == "function" and n["name"] not in self.FUNCS:
                raise TemplateError(f'template: output:1: function "{n["name"]}" not defined')
            for v in n.values():
                if isinstance(v, (list, dict)):
                    self._check_node(v)

    def execute(self, data: Any) -> str:
        out: list[str] = []
        self._vars = [("$", data)]
        self._walk(self.nodes, data, out)
        return "".join(out)

    # -- walking ------------------------------------------------------------------------
    def _walk(self, nodes: list, dot: Any, out: list[str]) -> None:
        for n in nodes:
            k = n["kind"]
            if k == "text":
                out.append(n["text"])
            elif k == "action":
                v = self._pipe(n["pipe"], dot)
                if not n["pipe"]["decl"]:
                    out.append(print_value(v))
            elif k == "if":
                mark = len(self._vars)
                v = self._pipe(n["pipe"], dot)
                self._walk(n["body"] if is_true(v) else n["else_body"], dot, out)
                del self._vars[mark:]
            elif k == "with":
                mark = len(self._vars)
                v = self._pipe(n["pipe"], dot)
                if is_true(v):
                    self._walk(n["body"], v, out)
                else:
                    self._walk(n["else_body"], dot, out)
                del self._vars[mark:]
            elif k == "range":
                self._range(n, dot, out)
            elif k == "break":
                raise _Break()
            elif k == "continue":
                raise _Continue()

    def _range(self, n: _Node, dot: Any, out: list[str]) -> None:
        mark = len(self._vars)
        pipe = n["pipe"]
        decl = pipe["decl"]
        v = self._pipe(dict(pipe, decl=[]), dot)
        if isinstance(v, dict):
            items = [(k, v[k]) for k in sorted(v)]
        elif isinstance(v, list):
            items = list(enumerate(v))
        elif isinstance(v, int) and not isinstance(v, bool):
            items = [(i, i) for i in range(v)]
        elif v is NO_VALUE or v is None:
            items = []
        else:
            raise TemplateError(f"range can't iterate over {print_value(v)}")
        if not items:
            self._walk(n["else_body"], dot, out)
            del self._vars[mark:]
            return
        for key, elem in items:
            inner = len(self._vars)
            if len(decl) == 1:
                self._vars.append((decl[0], elem))
            elif len(decl) == 2:
                self._vars.append((decl[0], key))
                self._vars.append((decl[1], elem))
            try:
                self._walk(n["body"], elem, out)
            except _Break:
                del self._vars[inner:]
                break
            except _Continue:
                pass
            del self._vars[inner:]
        del self._vars[mark:]

    def _lookup_var(self, name: str) -> Any:
        for var, value in reversed(self._vars):
            if var == name:
                return value
        raise TemplateError(f'template: output:1: undefined variable "{name}"')

    def _pipe(self, pipe: _Node, dot: Any) -> Any:
        final: Any = NO_VALUE
        have_final = False
        for cmd in pipe["cmds"]:
            final = self._command(cmd, dot, final if have_final else None, have_final)
            have_final = True
        for name in pipe["decl"]:
            if pipe.get("assign"):
                for i in range(len(self._vars) - 1, -1, -1):
                    if self._vars[i][0] == name:
                        self._vars[i] = (name, final)
                        break
            else:
                self._vars.append((name, final))
        return final

    def _command(self, cmd: _Node, dot: Any, final: Any, have_final: bool) -> Any:
        args = cmd["args"]
        first = args[0]
        if first["kind"] == "function":
            argv = [self._arg(a, dot) for a in args[1:]]
            if have_final:
                argv.append(final)
            return self._call(first["name"], argv, args[1:], dot)
        if len(args) > 1 or have_final:
            if first["kind"] in ("field", "chain"):
                raise TemplateError(f"template: output:1: {_node_text(first)} has arguments but cannot be "
                                    "invoked as function")
            raise TemplateError(f"template: output:1: can't give argument to non-function {_node_text(first)}")
        return self._arg(first, dot)

    def _arg(self, a: _Node, dot: Any) -> Any:
        k = a["kind"]
        if k == "dot":
            return dot
        if k == "literal":
            return a["value"]
        if k == "nil":
            return None
        if k == "variable":
            return self._lookup_var(a["name"])
        if k == "field":
            return self._located(a, lambda: self._chain(dot, a["chain"]))
        if k == "pipeline":
            return self._pipe(a["pipe"], dot)
        if k == "chain":
            term = self._arg(a["term"], dot)
            return self._located(a, lambda: self._chain(term, a["chain"]))
        if k == "function":
            return self._call(a["name"], [], [], dot)
        raise TemplateError(f"template: output:1: can't evaluate {k}")  # pragma: no cover

    def _located(self, node: _Node, fn) -> Any:
        try:
            return fn()
        except _ExecError as e:
            text = "." + ".".join(node["chain"]) if node["kind"] == "field" else "." + ".".join(node["chain"])
            raise TemplateError(f'template: output:1:{node["pos"]}: executing "output" at <{text}>: {e}') from None

    def _chain(self, receiver: Any, chain: list[str]) -> Any:
        for name in chain:
            if receiver is NO_VALUE:
                if self.missing_key_error:
                    raise _ExecError(f'nil data; no entry for key "{name}"')
                return NO_VALUE
            if isinstance(receiver, dict):
                if name in receiver:
                    receiver = receiver[name]
                elif self.missing_key_error:
                    raise _ExecError(f'map has no entry for key "{name}"')
                else:
                    receiver = NO_VALUE
            elif receiver is None:
                raise _ExecError(f"nil pointer evaluating interface {{}}.{name}")
            else:
                raise _ExecError(f"can't evaluate field {name} in type interface {{}}")
        return receiver

    # -- functions ----------------------------------------------------------------------
    def _call(self, name: str, argv: list, nodes: list, dot: Any) -> Any:
        if name == "and":
            if not argv:
                raise TemplateError('wrong number of args for and: want at least 1 got 0')
            for v in argv:
                if not is_true(v):
                    return v
            return argv[-1]
        if name == "or":
            if not argv:
                raise TemplateError('wrong number of args for or: want at least 1 got 0')
            for v in argv:
                if is_true(v):
                    return v
            return argv[-1]
        if name == "not":
            _want(name, argv, 1)
            return not is_true(argv[0])
        if name == "len":
            _want(name, argv, 1)
            v = argv[0]
            if isinstance(v, (str, list, dict)):
                return len(v.encode()) if isinstance(v, str) else len(v)
            raise TemplateError(f"error calling len: len of type {_go_type(v)}")
        if name == "index":
            if not argv:
                raise TemplateError("wrong number of args for index: want at least 1 got 0")
            v = argv[0]
            for idx in argv[1:]:
                if isinstance(v, list):
                    if not isinstance(idx, int) or isinstance(idx, bool):
                        raise TemplateError(f"error calling index: cannot index slice/array with type {_go_type(idx)}")
                    if idx < 0 or idx >= len(v):
                        raise TemplateError(f"error calling index: index out of range: {idx}")
                    v = v[idx]
                elif isinstance(v, dict):
                    if not isinstance(idx, str):
                        raise TemplateError(f"error calling index: value has type {_go_type(idx)}; should be string")
                    v = v.get(idx, NO_VALUE)
                elif v is None or v is NO_VALUE:
                    raise TemplateError("error calling index: index of untyped nil")
                else:
                    raise TemplateError(f"error calling index: can't index item of type {_go_type(v)}")
            return v
        if name == "slice":
            v = argv[0]
            idx = argv[1:]
            if isinstance(v, (list, str)):
                start = idx[0] if idx else 0
                end = idx[1] if len(idx) > 1 else len(v)
                return v[start:end]
            raise TemplateError(f"error calling slice: can't slice item of type {_go_type(v)}")
        if name == "print":
            return _sprint(argv)
        if name == "println":
            return " ".join(print_value(a) for a in argv) + "\n"
        if name == "printf":
            if not argv:
                raise TemplateError("wrong number of args for printf: want at least 1 got 0")
            return sprintf(argv[0], argv[1:])
        if name in ("eq", "ne", "lt", "le", "gt", "ge"):
            return _compare(name, argv)
        if name == "html":
            return html.escape(_sprint(argv), quote=True).replace("&#x27;", "&#39;")
        if name == "js":
            return _sprint(argv).replace("\\", "\\\\").replace("'", "\\'").replace('"', '\\"')
        if name == "urlquery":
            return urllib.parse.quote_plus(_sprint(argv))
        if name == "exists":
            return _exists(argv)
        if name == "base64decode":
            _want(name, argv, 1)
            try:
                return base64.b64decode(str(argv[0]), validate=True).decode("utf-8", "replace")
            except ValueError as e:
                raise TemplateError(f"error calling base64decode: base64 decode failed: {e}") from None
        raise TemplateError(f'function "{name}" not defined')


def _want(name: str, argv: list, n: int) -> None:
    if len(argv) != n:
        raise TemplateError(f"wrong number of args for {name}: want {n} got {len(argv)}")


def _node_text(n: _Node) -> str:
    if n["kind"] == "field":
        return "." + ".".join(n["chain"])
    return n["kind"]


def _go_type(v: Any) -> str:
    if v is NO_VALUE or v is None:
        return "interface {}"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int64"
    if isinstance(v, float):
        return "float64"
    if isinstance(v, str):
        return "string"
    if isinstance(v, dict):
        return "map[string]interface {}"
    if isinstance(v, list):
        return "[]interface {}"
    return "interface {}"


def _sprint(args: list) -> str:
    """``fmt.Sprint``: a space between operands when neither side is a string."""
    out = []
    prev_string = True
    for i, a in enumerate(args):
        is_string = isinstance(a, str)
        if i > 0 and not is_string and not prev_string:
            out.append(" ")
        out.append(print_value(a) if a is not NO_VALUE else "<nil>")
        prev_string = is_string
    return "".join(out)


def _kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "string"
    return "other"


def _compare(name: str, argv: list) -> bool:
    if name == "eq":
        if len(argv) < 2:
            raise TemplateError("error calling eq: missing argument for comparison")
        a = argv[0]
        for b in argv[1:]:
            if _eq(a, b):
                return True
        return False
    _want(name, argv, 2)
    a, b = argv
    if name == "ne":
        return not _eq(a, b)
    ka, kb = _kind(a), _kind(b)
    if ka not in ("int", "float", "string") or kb not in ("int", "float", "string"):
        raise TemplateError(f"error calling {name}: invalid type for comparison")
    if ka != kb and not {ka, kb} <= {"int", "float"}:
        raise TemplateError(f"error calling {name}: incompatible types for comparison")
    if {ka, kb} == {"int", "float"}:
        raise TemplateError(f"error calling {name}: incompatible types for comparison")
    return {"lt": a < b, "le": a <= b, "gt": a > b, "ge": a >= b}[name]


def _eq(a: Any, b: Any) -> bool:
    if a is NO_VALUE:
        a = None
    if b is NO_VALUE:
        b = None
    ka, kb = _kind(a), _kind(b)
    if a is None or b is None:
        return a is None and b is None
    if ka == "other" or kb == "other":
        raise TemplateError("error calling eq: invalid type for comparison")
    if ka != kb:
        raise TemplateError("error calling eq: incompatible types for comparison")
    return a == b


def _exists(argv: list) -> bool:
    if not argv:
        return False
    v = argv[0]
    for idx in argv[1:]:
        if v is None or v is NO_VALUE:
            return False
        if isinstance(v, (list, str)):
            if not isinstance(idx, int) or idx < 0 or idx >= len(v):
                return False
            v = v[idx]
        elif isinstance(v, dict):
            if not isinstance(idx, str):
                return False
            v = v.get(idx)
        else:
            return False
    return v is not None and v is not NO_VALUE


_VERB = re.compile(r"%([-+# 0]*)(\d+|\*)?(?:\.(\d+|\*)?)?([a-zA-Z%])")


def sprintf(fmt: Any, args: list) -> str:
    """Go's ``fmt.Sprintf`` for the common verbs (%s %v %d %q %f %e %g %x %X %t %c %%)."""
    if not isinstance(fmt, str):
        fmt = print_value(fmt)
    out: list[str] = []
    pos = 0
    argi = 0
    for m in _VERB.finditer(fmt):
        out.append(fmt[pos:m.start()])
        pos = m.end()
        flags, width, prec, verb = m.group(1), m.group(2), m.group(3), m.group(4)
        if verb == "%":
            out.append("%")
            continue
        if argi >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        a = args[argi]
        argi += 1
        out.append(_pad(_format_verb(verb, a, prec), flags, width))
    out.append(fmt[pos:])
    if argi < len(args):
        extra = ", ".join(f"{_go_type(a)}={print_value(a)}" for a in args[argi:])
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)


def _pad(text: str, flags: str, width: str | None) -> str:
    if not width or width == "*":
        return text
    w = int(width)
    if len(text) >= w:
        return text
    if "-" in flags:
        return text + " " * (w - len(text))
    if "0" in flags and text[:1] in "-0123456789":
        sign = text[0] if text[0] == "-" else ""
        body = text[len(sign):]
        return sign + "0" * (w - len(text)) + body
    return " " * (w - len(text)) + text


def _format_verb(verb: str, a: Any, prec: str | None) -> str:
    bad = f"%!{verb}({_go_type(a)}={print_value(a)})"
    if verb == "v":
        return print_value(a)
    if verb == "s":
        if isinstance(a, (str, list, dict)) or a is None or a is NO_VALUE:
            text = a if isinstance(a, str) else print_value(a)
            return text[:int(prec)] if prec else text
        return bad
    if verb == "q":
        if isinstance(a, str):
            from .jsonprinter import compact
            return compact(a).replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")
        return bad
    if verb in "dxXobc":
        if isinstance(a, bool) or not isinstance(a, int):
            return bad
        if verb == "d":
            return str(a)
        if verb == "x":
            return format(a, "x")
        if verb == "X":
            return format(a, "X")
        if verb == "o":
            return format(a, "o")
        if verb == "b":
            return format(a, "b")
        return chr(a)
    if verb in "feEgG":
        if isinstance(a, bool) or not isinstance(a, (int, float)):
            return bad
        if isinstance(a, int):
            return bad
        p = int(prec) if prec else 6
        if verb == "f":
            return f"{a:.{p}f}"
        if verb in "eE":
            text = f"{a:.{p}{verb}}"
            return text
        from .goyaml import go_format_float_g
        return go_format_float_g(a)
    if verb == "t":
        if isinstance(a, bool):
            return "true" if a else "false"
        return bad
    return f"%!{verb}({_go_type(a)}={print_value(a)})"
