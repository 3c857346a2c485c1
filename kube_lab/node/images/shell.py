"""A small POSIX shell and its utilities, enough for the upstream examples to run unchanged.

``sh -c "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"`` (the liveness example),
``until nslookup myservice...; do echo waiting; sleep 2; done`` (the init-container example),
``while true; do echo "$(date) INFO" >> /var/log/app.log; sleep 1; done`` (a logging sidecar).

Supported: ``;`` ``&&`` ``||`` ``|`` ``&``, ``if/elif/else``, ``while``, ``until``,
``for … in``, ``{ … }``, ``( … )``, ``$VAR`` ``${VAR:-x}`` ``$?`` ``$(…)`` ```…``` ``$((…))``,
quotes, redirections (``>`` ``>>`` ``<`` ``2>&1`` ``/dev/null`` ``/proc/1/fd/1``) and ``trap``.
Utilities: the busybox applets the course needs (``sleep echo cat touch rm ls mkdir date env
printenv hostname wget nslookup tail head wc grep test ps kill seq id uname tar …``; ``tar`` is
in :mod:`.tar`).

Three flavours differ in their error texts, as the real tools do: ``busybox`` (ash + applets),
``debian`` (dash as ``sh``, GNU coreutils) and ``bash``.  Everything waits on the virtual clock:
``sleep 30`` is a 30-second timer.
"""
from __future__ import annotations

import ast
import fnmatch
import operator
import shlex
import time as _time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Generator

from ..fs import FSError, from_bytes, norm, to_bytes
from .program import SIGNALS, DNSError, NetError, Program, Request
from .tar import u_tar

if TYPE_CHECKING:  # pragma: no cover
    from ..runtime import Process

RESERVED = {"if", "then", "elif", "else", "fi", "while", "until", "for", "in", "do", "done", "{", "}", "!"}
OPERATORS = ("&&", "||", ";;", ">>", "<<", ">&", "<&", ">|", "&>", ";", "&", "|", "(", ")", "<", ">")


class ShellSyntaxError(Exception):
    pass


class _Break(Exception):
    def __init__(self, n: int = 1):
        self.n = n


class _Continue(Exception):
    def __init__(self, n: int = 1):
        self.n = n


class ShellExit(Exception):
    def __init__(self, code: int):
        self.code = code


# ------------------------------------------------------------------------------------------
# tokens and syntax tree

@dataclass
class Tok:
    kind: str        # WORD, OP, NL, EOF
    value: str
    io: str = ""     # an IO number before a redirection ("2" in 2>&1)


def tokenize(src: str) -> list[Tok]:
    toks: list[Tok] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c in " \t":
            i += 1
            continue
        if c == "\\" and i + 1 < n and src[i + 1] == "\n":
            i += 2
            continue
        if c == "\n":
            toks.append(Tok("NL", "\n"))
            i += 1
            continue
        if c == "#":
            while i < n and src[i] != "\n":
                i += 1
            continue
        # IO number: digits directly followed by < or >
        j = i
        while j < n and src[j].isdigit():
            j += 1
        if j > i and j < n and src[j] in "<>":
            io = src[i:j]
            i = j
            for op in OPERATORS:
                if src.startswith(op, i):
                    toks.append(Tok("OP", op, io))
                    i += len(op)
                    break
            continue
        matched = False
        for op in OPERATORS:
            if src.startswith(op, i):
                toks.append(Tok("OP", op))
                i += len(op)
                matched = True
                break
        if matched:
            continue
        # a word: read until unquoted blank or operator
        start = i
        while i < n:
            c = src[i]
            if c in " \t\n":
                break
            if c == "\\":
                i += 2
                continue
            if c == "'":
                k = src.find("'", i + 1)
                if k < 0:
                    raise ShellSyntaxError("unterminated quoted string")
                i = k + 1
                continue
            if c == '"':
                i = _skip_double(src, i + 1)
                continue
            if c == "`":
                k = src.find("`", i + 1)
                if k < 0:
                    raise ShellSyntaxError("unterminated quoted string")
                i = k + 1
                continue
            if c == "$" and i + 1 < n and src[i + 1] == "(":
                i = _skip_parens(src, i + 1)
                continue
            if c == "$" and i + 1 < n and src[i + 1] == "{":
                k = src.find("}", i + 2)
                if k < 0:
                    raise ShellSyntaxError("bad substitution")
                i = k + 1
                continue
            if any(src.startswith(op, i) for op in OPERATORS):
                break
            i += 1
        toks.append(Tok("WORD", src[start:i]))
    toks.append(Tok("EOF", ""))
    return toks


def _skip_double(src: str, i: int) -> int:
    n = len(src)
    while i < n:
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c == '"':
            return i + 1
        if c == "$" and i + 1 < n and src[i + 1] == "(":
            i = _skip_parens(src, i + 1)
            continue
        if c == "`":
            k = src.find("`", i + 1)
            i = (k + 1) if k >= 0 else n
            continue
        i += 1
    raise ShellSyntaxError("unterminated quoted string")


def _skip_parens(src: str, i: int) -> int:
    """``src[i] == "("``; return the index after the matching ``)``."""
    depth = 0
    n = len(src)
    while i < n:
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c == "'":
            k = src.find("'", i + 1)
            i = (k + 1) if k >= 0 else n
            continue
        if c == '"':
            i = _skip_double(src, i + 1)
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ShellSyntaxError("unterminated $(")


@dataclass
class Redirect:
    op: str
    target: str
    io: str = ""


@dataclass
class Simple:
    assigns: list[str]
    words: list[str]
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class Pipeline:
    commands: list[Any]
    negate: bool = False


@dataclass
class AndOr:
    first: Any
    rest: list[tuple[str, Any]]


@dataclass
class CmdList:
    items: list[tuple[Any, bool]]   # (and_or, background)


@dataclass
class If:
    branches: list[tuple[Any, Any]]
    orelse: Any = None
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class Loop:
    cond: Any
    body: Any
    until: bool = False
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class For:
    var: str
    items: list[str] | None
    body: Any
    redirects: list[Redirect] = field(default_factory=list)


@dataclass
class Group:
    body: Any
    subshell: bool = False
    redirects: list[Redirect] = field(default_factory=list)


class Parser:
    def __init__(self, src: str):
        self.toks = tokenize(src)
        self.i = 0

    def peek(self) -> Tok:
        return self.toks[self.i]

    def next(self) -> Tok:
        t = self.toks[self.i]
        self.i += 1
        return t

    def is_word(self, value: str) -> bool:
        t = self.peek()
        return t.kind == "WORD" and t.value == value

    def expect_word(self, value: str) -> None:
        t = self.next()
        if not (t.kind == "WORD" and t.value == value):
            raise ShellSyntaxError(f"syntax error: unexpected {_describe(t)} (expecting \"{value}\")")

    def skip_newlines(self) -> None:
        while self.peek().kind == "NL":
            self.next()

    def parse(self) -> CmdList:
        lst = self.parse_list(())
        if self.peek().kind != "EOF":
            raise ShellSyntaxError(f"syntax error: unexpected {_describe(self.peek())}")
        return lst

    def parse_list(self, terminators: tuple[str, ...]) -> CmdList:
        items: list[tuple[Any, bool]] = []
        self.skip_newlines()
        while True:
            t = self.peek()
            if t.kind == "EOF" or (t.kind == "WORD" and t.value in terminators) or (t.kind == "OP" and t.value == ")"):
                break
            node = self.parse_and_or()
            bg = False
            t = self.peek()
            if t.kind == "OP" and t.value in (";", "&"):
                bg = t.value == "&"
                self.next()
            elif t.kind == "NL":
                pass
            elif not (t.kind == "EOF" or (t.kind == "WORD" and t.value in terminators)
                      or (t.kind == "OP" and t.value == ")")):
                raise ShellSyntaxError(f"syntax error: unexpected {_describe(t)}")
            items.append((node, bg))
            self.skip_newlines()
        return CmdList(items)

    def parse_and_or(self) -> AndOr:
        first = self.parse_pipeline()
        rest = []
        while self.peek().kind == "OP" and self.peek().value in ("&&", "||"):
            op = self.next().value
            self.skip_newlines()
            rest.append((op, self.parse_pipeline()))
        return AndOr(first, rest)

    def parse_pipeline(self) -> Pipeline:
        negate = False
        if self.is_word("!"):
            self.next()
            negate = True
        cmds = [self.parse_command()]
        while self.peek().kind == "OP" and self.peek().value == "|":
            self.next()
            self.skip_newlines()
            cmds.append(self.parse_command())
        return Pipeline(cmds, negate)

    def parse_redirects(self, into: list[Redirect]) -> None:
        while self.peek().kind == "OP" and self.peek().value in ("<", ">", ">>", ">&", "<&", ">|", "&>"):
            op = self.next()
            target = self.next()
            if target.kind != "WORD":
                raise ShellSyntaxError(f"syntax error: unexpected {_describe(target)}")
            into.append(Redirect(op.value, target.value, op.io))

    def parse_command(self) -> Any:
        t = self.peek()
        if t.kind == "WORD":
            if t.value == "if":
                return self._with_redirects(self.parse_if())
            if t.value in ("while", "until"):
                return self._with_redirects(self.parse_loop())
            if t.value == "for":
                return self._with_redirects(self.parse_for())
            if t.value == "{":
                self.next()
                body = self.parse_list(("}",))
                self.expect_word("}")
                return self._with_redirects(Group(body))
        if t.kind == "OP" and t.value == "(":
            self.next()
            body = self.parse_list(())
            if not (self.peek().kind == "OP" and self.peek().value == ")"):
                raise ShellSyntaxError(f"syntax error: unexpected {_describe(self.peek())} (expecting \")\")")
            self.next()
            return self._with_redirects(Group(body, subshell=True))
        return self.parse_simple()

    def _with_redirects(self, node: Any) -> Any:
        self.parse_redirects(node.redirects)
        return node

    def parse_simple(self) -> Simple:
        assigns: list[str] = []
        words: list[str] = []
        redirects: list[Redirect] = []
        while True:
            t = self.peek()
            if t.kind == "OP" and t.value in ("<", ">", ">>", ">&", "<&", ">|", "&>"):
                self.parse_redirects(redirects)
                continue
            if t.kind != "WORD":
                break
            if not words and _is_assignment(t.value):
                assigns.append(self.next().value)
                continue
            words.append(self.next().value)
        if not assigns and not words and not redirects:
            raise ShellSyntaxError(f"syntax error: unexpected {_describe(self.peek())}")
        return Simple(assigns, words, redirects)

    def parse_if(self) -> If:
        self.expect_word("if")
        branches = []
        cond = self.parse_list(("then",))
        self.expect_word("then")
        body = self.parse_list(("elif", "else", "fi"))
        branches.append((cond, body))
        orelse = None
        while True:
            if self.is_word("elif"):
                self.next()
                cond = self.parse_list(("then",))
                self.expect_word("then")
                body = self.parse_list(("elif", "else", "fi"))
                branches.append((cond, body))
                continue
            if self.is_word("else"):
                self.next()
                orelse = self.parse_list(("fi",))
            self.expect_word("fi")
            break
        return If(branches, orelse)

    def parse_loop(self) -> Loop:
        kw = self.next().value
        cond = self.parse_list(("do",))
        self.expect_word("do")
        body = self.parse_list(("done",))
        self.expect_word("done")
        return Loop(cond, body, until=(kw == "until"))

    def parse_for(self) -> For:
        self.expect_word("for")
        var = self.next()
        if var.kind != "WORD":
            raise ShellSyntaxError(f"syntax error: bad for loop variable")
        items = None
        self.skip_newlines()
        if self.is_word("in"):
            self.next()
            items = []
            while self.peek().kind == "WORD" and self.peek().value != "do":
                items.append(self.next().value)
            if self.peek().kind == "OP" and self.peek().value == ";":
                self.next()
        elif self.peek().kind == "OP" and self.peek().value == ";":
            self.next()
        self.skip_newlines()
        self.expect_word("do")
        body = self.parse_list(("done",))
        self.expect_word("done")
        return For(var.value, items, body)


def _describe(t: Tok) -> str:
    if t.kind == "EOF":
        return "end of file"
    if t.kind == "NL":
        return "newline"
    return f'"{t.value}"'


def _is_assignment(word: str) -> bool:
    name, eq, _ = word.partition("=")
    return bool(eq) and name != "" and (name[0].isalpha() or name[0] == "_") and all(
        ch.isalnum() or ch == "_" for ch in name)


# ------------------------------------------------------------------------------------------
# I/O plumbing

class IO:
    """Where a command reads and writes: ``stdin`` text (None: nothing attached; a
    :class:`~kube_lab.node.runtime.StdinStream` for the container's stdin a client attaches to),
    ``out`` and ``err`` writers."""

    __slots__ = ("stdin", "out", "err")

    def __init__(self, stdin: str | None, out: Callable[[str], None], err: Callable[[str], None]):
        self.stdin = stdin
        self.out = out
        self.err = err


class Capture:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def __call__(self, text: str) -> None:
        self.parts.append(text)

    @property
    def text(self) -> str:
        return "".join(self.parts)


# ------------------------------------------------------------------------------------------
# the shell

FLAVOURS = ("busybox", "debian", "bash")


class Shell:
    """One shell process: variables, traps and the interpreter."""

    def __init__(self, proc: "Process", flavour: str = "busybox", argv0: str = "sh",
                 positional: list[str] | None = None, variables: dict | None = None):
        self.proc = proc
        self.flavour = flavour
        self.argv0 = argv0
        self.positional = list(positional or [])
        self.vars: dict[str, str] = dict(variables if variables is not None else proc.env)
        self.exported: set[str] = set(self.vars)
        self.status = 0
        self.traps: dict[str, str] = {}
        self.pending_signals: list[str] = []
        self.background: list[Any] = []
        self.last_bg_pid = 0
        self.cwd = proc.workdir or "/"
        self.lineno = 1

    def child(self) -> "Shell":
        """A subshell: a copy of the variables (exported ones stay exported), no traps."""
        sub = Shell(self.proc, self.flavour, self.argv0, self.positional, dict(self.vars))
        sub.exported = set(self.exported)
        sub.cwd = self.cwd
        sub.status = self.status
        return sub

    # errors in each flavour's words ----------------------------------------------------
    def name(self) -> str:
        return "bash" if self.flavour == "bash" else self.argv0.rsplit("/", 1)[-1] or "sh"

    def not_found(self, cmd: str) -> str:
        if self.flavour == "bash":
            return f"bash: {cmd}: command not found\n" if "/" not in cmd else \
                f"bash: {cmd}: No such file or directory\n"
        if self.flavour == "debian":
            return f"{self.name()}: {self.lineno}: {cmd}: not found\n"
        return f"{self.name()}: {cmd}: not found\n"

    def cannot_create(self, path: str, err: FSError) -> str:
        if self.flavour == "debian":
            why = {"ENOENT": "Directory nonexistent"}.get(err.errno, err.strerror)
            return f"{self.name()}: {self.lineno}: cannot create {path}: {why}\n"
        if self.flavour == "bash":
            return f"bash: {path}: {err.strerror}\n"
        why = {"ENOENT": "nonexistent directory"}.get(err.errno, err.strerror)
        return f"{self.name()}: can't create {path}: {why}\n"

    def syntax_error(self, e: ShellSyntaxError) -> str:
        if self.flavour == "debian":
            return f"{self.name()}: {self.lineno}: {e}\n"
        return f"{self.name()}: {e}\n"

    # running ---------------------------------------------------------------------------
    def run_script(self, src: str, io: IO) -> Generator[Any, Any, int]:
        try:
            tree = Parser(src).parse()
        except ShellSyntaxError as e:
            io.err(self.syntax_error(e))
            return 2
        try:
            yield from self.exec_list(tree, io)
        except ShellExit as e:
            yield from self._run_exit_trap(io)
            return e.code
        except (_Break, _Continue):
            pass
        yield from self._run_exit_trap(io)
        return self.status

    def run_line(self, src: str, io: IO) -> Generator[Any, Any, int]:
        """One line typed at an interactive shell: like :meth:`run_script`, but ``exit`` is
        raised to the caller (:class:`ShellExit`) and the EXIT trap waits for the shell's end."""
        try:
            tree = Parser(src).parse()
        except ShellSyntaxError as e:
            io.err(self.syntax_error(e))
            self.status = 2
            return 2
        try:
            yield from self.exec_list(tree, io)
        except ShellExit:
            yield from self._run_exit_trap(io)
            raise
        except (_Break, _Continue):
            pass
        return self.status

    def _run_exit_trap(self, io: IO) -> Generator:
        action = self.traps.pop("EXIT", None)
        if action:
            try:
                yield from self.exec_list(Parser(action).parse(), io)
            except (ShellExit, ShellSyntaxError):
                pass

    def deliver_signal(self, sig: str) -> bool:
        """A signal arrived; True when a trap handles it (run after the current command)."""
        name = sig[3:] if sig.startswith("SIG") else sig
        if name in self.traps:
            self.pending_signals.append(name)
            return True
        return False

    def _check_traps(self, io: IO) -> Generator:
        while self.pending_signals:
            name = self.pending_signals.pop(0)
            action = self.traps.get(name, "")
            if action:
                saved = self.status
                yield from self.exec_list(Parser(action).parse(), io)
                self.status = saved

    def exec_list(self, lst: CmdList, io: IO) -> Generator:
        for node, bg in lst.items:
            if bg:
                self._spawn_background(node, io)
                self.status = 0
            else:
                yield from self.exec_and_or(node, io)
            if self.pending_signals:
                yield from self._check_traps(io)
        return self.status

    def _spawn_background(self, node: Any, io: IO) -> None:
        child = self.child()
        task = self.proc.spawn(child.exec_and_or(node, IO(None, io.out, io.err)), name="sh &")
        self.background.append(task)
        self.last_bg_pid = self.proc.next_pid()

    def exec_and_or(self, node: AndOr, io: IO) -> Generator:
        yield from self.exec_pipeline(node.first, io)
        for op, pipe in node.rest:
            if (op == "&&" and self.status == 0) or (op == "||" and self.status != 0):
                yield from self.exec_pipeline(pipe, io)
        return self.status

    def exec_pipeline(self, pipe: Pipeline, io: IO) -> Generator:
        if len(pipe.commands) == 1:
            yield from self.exec_command(pipe.commands[0], io)
        else:
            data = io.stdin
            for k, cmd in enumerate(pipe.commands):
                last = k == len(pipe.commands) - 1
                if last:
                    yield from self.exec_command(cmd, IO(data, io.out, io.err))
                else:
                    cap = Capture()
                    sub = self.child()
                    try:
                        yield from sub.exec_command(cmd, IO(data, cap, io.err))
                    except ShellExit:
                        pass
                    data = cap.text
        if pipe.negate:
            self.status = 0 if self.status else 1
        return self.status

    def exec_command(self, node: Any, io: IO) -> Generator:
        if isinstance(node, Simple):
            yield from self.exec_simple(node, io)
            return self.status
        io2 = yield from self.apply_redirects(node.redirects, io)
        if io2 is None:
            self.status = 1
            return 1
        if isinstance(node, If):
            for cond, body in node.branches:
                yield from self.exec_list(cond, io2)
                if self.status == 0:
                    yield from self.exec_list(body, io2)
                    return self.status
            if node.orelse is not None:
                yield from self.exec_list(node.orelse, io2)
            else:
                self.status = 0
            return self.status
        if isinstance(node, Loop):
            last = 0
            while True:
                yield from self.exec_list(node.cond, io2)
                ok = self.status == 0
                if ok == node.until:
                    break
                try:
                    yield from self.exec_list(node.body, io2)
                    last = self.status
                except _Break as b:
                    if b.n > 1:
                        raise _Break(b.n - 1) from None
                    break
                except _Continue as c:
                    if c.n > 1:
                        raise _Continue(c.n - 1) from None
                    continue
                # every round costs a little CPU time, so a loop whose body never waits still
                # lets the virtual clock move
                yield self.proc.sleep(0.001)
            self.status = last
            return self.status
        if isinstance(node, For):
            if node.items is None:
                values = list(self.positional)
            else:
                values = []
                for w in node.items:
                    values.extend((yield from self.expand(w, io2)))
            self.status = 0
            for v in values:
                self.vars[node.var] = v
                try:
                    yield from self.exec_list(node.body, io2)
                except _Break as b:
                    if b.n > 1:
                        raise _Break(b.n - 1) from None
                    break
                except _Continue as c:
                    if c.n > 1:
                        raise _Continue(c.n - 1) from None
                    continue
            return self.status
        if isinstance(node, Group):
            if node.subshell:
                sub = self.child()
                try:
                    yield from sub.exec_list(node.body, io2)
                    self.status = sub.status
                except ShellExit as e:
                    self.status = e.code
            else:
                yield from self.exec_list(node.body, io2)
            return self.status
        raise TypeError(node)  # pragma: no cover

    # redirections ------------------------------------------------------------------------
    def apply_redirects(self, redirects: list[Redirect], io: IO) -> Generator[Any, Any, IO | None]:
        out, err, stdin = io.out, io.err, io.stdin
        for r in redirects:
            fields = yield from self.expand(r.target, io)
            target = fields[0] if fields else ""
            fd = r.io or ("0" if r.op in ("<", "<&") else "1")
            if r.op in (">&", "<&"):
                if target in ("1", "2"):
                    writer = out if target == "1" else err
                    if fd == "2":
                        err = writer
                    else:
                        out = writer
                    continue
                if r.op == ">&":
                    fd = "&"
            if r.op == "<":
                try:
                    stdin = self.proc.fs.read(self.abspath(target))
                except FSError as e:
                    io.err(f"{self.name()}: can't open {target}: {e.strerror}\n")
                    return None
                continue
            writer = self.file_writer(target, append=(r.op == ">>"), io=io)
            if writer is None:
                return None
            if r.op == "&>" or fd == "&":
                out = err = writer
            elif fd == "2":
                err = writer
            else:
                out = writer
        return IO(stdin, out, err)

    def file_writer(self, target: str, append: bool, io: IO) -> Callable[[str], None] | None:
        path = self.abspath(target)
        special = self.proc.special_file_writer(path)
        if special is not None:
            return special
        try:
            if not append:
                self.proc.fs.write(path, "")
            else:
                if not self.proc.fs.exists(path):
                    self.proc.fs.write(path, "")
        except FSError as e:
            io.err(self.cannot_create(target, e))
            return None
        fs = self.proc.fs

        def write(text: str) -> None:
            try:
                fs.write(path, text, append=True)
            except FSError:
                pass

        return write

    def abspath(self, path: str) -> str:
        if path.startswith("/"):
            return norm(path)
        return norm(self.cwd.rstrip("/") + "/" + path)

    # simple commands ---------------------------------------------------------------------
    def exec_simple(self, node: Simple, io: IO) -> Generator:
        words: list[str] = []
        for w in node.words:
            words.extend((yield from self.expand(w, io)))
        assigns = []
        for a in node.assigns:
            name, _, value = a.partition("=")
            parts = yield from self.expand(value, io, split=False)
            assigns.append((name, "".join(parts)))
        io2 = yield from self.apply_redirects(node.redirects, io)
        if io2 is None:
            self.status = 1
            return 1
        if not words:
            for name, value in assigns:
                self.vars[name] = value
            if not any("$(" in a or "`" in a for a in node.assigns):
                self.status = 0
            return self.status
        saved = {}
        for name, value in assigns:
            saved[name] = self.vars.get(name)
            self.vars[name] = value
        try:
            self.status = yield from self.run_words(words, io2, [n for n, _ in assigns])
        finally:
            for name, old in saved.items():
                if old is None:
                    self.vars.pop(name, None)
                else:
                    self.vars[name] = old
        return self.status

    def environ(self, extra: list[str] = ()) -> dict[str, str]:
        names = [k for k in self.vars if k in self.exported or k in extra]
        return {k: self.vars[k] for k in names}

    def run_words(self, words: list[str], io: IO, temp: list[str] = ()) -> Generator[Any, Any, int]:
        cmd = words[0]
        args = words[1:]
        builtin = BUILTINS.get(cmd)
        if builtin is not None:
            code = yield from builtin(self, args, io)
            return code
        applet = self.proc.find_utility(cmd, self.flavour)
        if applet is not None:
            code = yield from applet(self, [cmd.rsplit("/", 1)[-1], *args], io)
            return code
        code = yield from self.proc.run_program(words, io, self.environ(temp), self.cwd)
        if code is None:
            io.err(self.not_found(cmd))
            return 127
        return code

    # expansion ---------------------------------------------------------------------------
    def param(self, name: str) -> str | None:
        if name == "?":
            return str(self.status)
        if name == "$":
            return str(self.proc.pid)
        if name == "!":
            return str(self.last_bg_pid) if self.last_bg_pid else ""
        if name == "#":
            return str(len(self.positional))
        if name in ("@", "*"):
            return " ".join(self.positional)
        if name == "0":
            return self.argv0
        if name.isdigit():
            k = int(name)
            return self.positional[k - 1] if 0 < k <= len(self.positional) else None
        return self.vars.get(name)

    def expand(self, raw: str, io: IO, split: bool = True) -> Generator[Any, Any, list[str]]:
        """Expand one word: parameters, command substitution, arithmetic, quote removal, field
        splitting and pathname globbing."""
        segs: list[tuple[str, bool]] = []     # (text, quoted)
        i, n = 0, len(raw)
        while i < n:
            c = raw[i]
            if c == "'":
                k = raw.index("'", i + 1)
                segs.append((raw[i + 1:k], True))
                i = k + 1
            elif c == '"':
                k = _skip_double(raw, i + 1)
                inner = raw[i + 1:k - 1]
                text = yield from self._expand_dquoted(inner, io)
                segs.append((text, True))
                i = k
            elif c == "\\":
                if i + 1 < n:
                    segs.append((raw[i + 1], True))
                i += 2
            elif c == "$" or c == "`":
                text, i = yield from self._expand_dollar(raw, i, io)
                segs.append((text, False))
            elif c == "~" and i == 0:
                segs.append((self.vars.get("HOME", "/root"), True))
                i += 1
            else:
                j = i
                while j < n and raw[j] not in "'\"\\$`":
                    j += 1
                segs.append((raw[i:j], None))    # literal, unquoted (globbable, not split)
                i = j
        if not split:
            return ["".join(t for t, _ in segs)]
        fields: list[list[tuple[str, bool | None]]] = [[]]
        had_quoted = False
        for text, quoted in segs:
            if quoted is False:   # an unquoted expansion: split on blanks
                parts = text.split()
                if not parts:
                    continue
                if text[:1].isspace() and fields[-1]:
                    fields.append([])
                for k, p in enumerate(parts):
                    if k:
                        fields.append([])
                    fields[-1].append((p, None))
                if text[-1:].isspace():
                    fields.append([])
            else:
                if quoted:
                    had_quoted = True
                fields[-1].append((text, quoted))
        out = []
        for f in fields:
            if not f:
                continue
            word = "".join(t for t, _ in f)
            globbable = any(q is None and any(ch in t for ch in "*?[") for t, q in f)
            if globbable:
                matches = self.glob(word)
                if matches:
                    out.extend(matches)
                    continue
            out.append(word)
        if not out and had_quoted:
            out = [""]
        return out

    def glob(self, pattern: str) -> list[str]:
        path = self.abspath(pattern)
        directory, _, base = path.rpartition("/")
        directory = directory or "/"
        if any(ch in directory for ch in "*?["):
            return []
        try:
            names = self.proc.fs.listdir(directory)
        except FSError:
            return []
        hits = [n for n in names if fnmatch.fnmatchcase(n, base) and (base.startswith(".") or not n.startswith("."))]
        if not hits:
            return []
        prefix = pattern[: len(pattern) - len(pattern.rpartition("/")[2])]
        return [prefix + h for h in sorted(hits)]

    def _expand_dquoted(self, inner: str, io: IO) -> Generator[Any, Any, str]:
        out = []
        i, n = 0, len(inner)
        while i < n:
            c = inner[i]
            if c == "\\" and i + 1 < n and inner[i + 1] in '$`"\\\n':
                out.append(inner[i + 1])
                i += 2
            elif c in "$`":
                text, i = yield from self._expand_dollar(inner, i, io)
                out.append(text)
            else:
                out.append(c)
                i += 1
        return "".join(out)

    def _expand_dollar(self, s: str, i: int, io: IO) -> Generator[Any, Any, tuple[str, int]]:
        n = len(s)
        if s[i] == "`":
            k = s.index("`", i + 1)
            text = yield from self.command_substitution(s[i + 1:k], io)
            return text, k + 1
        if i + 1 >= n:
            return "$", i + 1
        c = s[i + 1]
        if s.startswith("$((", i):
            depth = 0
            j = i + 1
            while j < n:
                if s[j] == "(":
                    depth += 1
                elif s[j] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            expr = s[i + 3:j - 1]
            expanded = yield from self._expand_dquoted(expr, io)
            return str(self.arith(expanded)), j + 1
        if c == "(":
            k = _skip_parens(s, i + 1)
            text = yield from self.command_substitution(s[i + 2:k - 1], io)
            return text, k
        if c == "{":
            k = s.index("}", i + 2)
            expr = s[i + 2:k]
            value = yield from self._brace_param(expr, io)
            return value, k + 1
        if c in "?$!#@*" or c.isdigit():
            return self.param(c) or "", i + 2
        j = i + 1
        while j < n and (s[j].isalnum() or s[j] == "_"):
            j += 1
        if j == i + 1:
            return "$", i + 1
        return self.param(s[i + 1:j]) or "", j

    def _brace_param(self, expr: str, io: IO) -> Generator[Any, Any, str]:
        if expr.startswith("#") and len(expr) > 1:
            return str(len(self.param(expr[1:]) or ""))
        for op in (":-", ":=", ":+", ":?", "-", "=", "+"):
            name, sep, word = expr.partition(op)
            if sep and name and (name.isidentifier() or name.isdigit() or name in "?$!#@*"):
                value = self.param(name)
                unset_or_empty = value is None or (op.startswith(":") and value == "")
                w = yield from self._expand_dquoted(word, io)
                if op in (":-", "-"):
                    return w if unset_or_empty else value
                if op in (":=", "="):
                    if unset_or_empty:
                        self.vars[name] = w
                        return w
                    return value
                if op in (":+", "+"):
                    return "" if unset_or_empty else w
                if unset_or_empty:
                    raise ShellExit(1)
                return value
        return self.param(expr) or ""

    def command_substitution(self, src: str, io: IO) -> Generator[Any, Any, str]:
        cap = Capture()
        sub = self.child()
        try:
            tree = Parser(src).parse()
        except ShellSyntaxError as e:
            io.err(self.syntax_error(e))
            return ""
        try:
            yield from sub.exec_list(tree, IO(None, cap, io.err))
            self.status = sub.status
        except ShellExit as e:
            self.status = e.code
        return cap.text.rstrip("\n")

    def arith(self, expr: str) -> int:
        expr = expr.strip()
        names = {}
        for token in set(filter(str.isidentifier, _words(expr))):
            try:
                names[token] = int(self.vars.get(token, "0") or 0)
            except ValueError:
                names[token] = 0
        try:
            return int(_safe_eval(ast.parse(expr.replace("&&", " and ").replace("||", " or "), mode="eval").body, names))
        except Exception:  # noqa: BLE001 - arithmetic syntax error
            return 0


def _words(expr: str) -> list[str]:
    out, cur = [], ""
    for ch in expr:
        if ch.isalnum() or ch == "_":
            cur += ch
        else:
            if cur:
                out.append(cur)
            cur = ""
    if cur:
        out.append(cur)
    return out


_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.FloorDiv: operator.floordiv, ast.Div: lambda a, b: int(a / b), ast.Mod: operator.mod}
_CMPOPS = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
           ast.Eq: operator.eq, ast.NotEq: operator.ne}


def _safe_eval(node: ast.AST, names: dict) -> int:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.Name):
        return names.get(node.id, 0)
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return _BINOPS[type(node.op)](_safe_eval(node.left, names), _safe_eval(node.right, names))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_safe_eval(node.operand, names)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return int(not _safe_eval(node.operand, names))
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _CMPOPS:
        return int(_CMPOPS[type(node.ops[0])](_safe_eval(node.left, names), _safe_eval(node.comparators[0], names)))
    if isinstance(node, ast.BoolOp):
        vals = [_safe_eval(v, names) for v in node.values]
        return int(all(vals) if isinstance(node.op, ast.And) else any(vals))
    raise ValueError("bad arithmetic")


# ------------------------------------------------------------------------------------------
# builtins (run inside the shell process)

def _b_colon(sh: Shell, args: list[str], io: IO) -> Generator:
    return 0
    yield  # pragma: no cover


def _b_false(sh: Shell, args: list[str], io: IO) -> Generator:
    return 1
    yield  # pragma: no cover


def _b_exit(sh: Shell, args: list[str], io: IO) -> Generator:
    code = sh.status
    if args:
        try:
            code = int(args[0]) & 0xFF
        except ValueError:
            io.err(f"{sh.name()}: exit: Illegal number: {args[0]}\n")
            code = 2
    raise ShellExit(code)
    yield  # pragma: no cover


def _b_export(sh: Shell, args: list[str], io: IO) -> Generator:
    for a in args:
        name, eq, value = a.partition("=")
        if eq:
            sh.vars[name] = value
        sh.exported.add(name)
    return 0
    yield  # pragma: no cover


def _b_unset(sh: Shell, args: list[str], io: IO) -> Generator:
    for a in args:
        sh.vars.pop(a, None)
        sh.exported.discard(a)
    return 0
    yield  # pragma: no cover


def _b_cd(sh: Shell, args: list[str], io: IO) -> Generator:
    target = sh.abspath(args[0]) if args else sh.vars.get("HOME", "/root")
    if not sh.proc.fs.isdir(target):
        why = "No such file or directory" if not sh.proc.fs.exists(target) else "Not a directory"
        if sh.flavour == "busybox":
            io.err(f"{sh.name()}: cd: can't cd to {args[0] if args else target}: {why}\n")
        else:
            io.err(f"{sh.name()}: 1: cd: can't cd to {args[0] if args else target}\n")
        return 2 if sh.flavour != "bash" else 1
    sh.cwd = target
    sh.vars["PWD"] = target
    return 0
    yield  # pragma: no cover


def _b_break(sh: Shell, args: list[str], io: IO) -> Generator:
    raise _Break(int(args[0]) if args else 1)
    yield  # pragma: no cover


def _b_continue(sh: Shell, args: list[str], io: IO) -> Generator:
    raise _Continue(int(args[0]) if args else 1)
    yield  # pragma: no cover


def _b_shift(sh: Shell, args: list[str], io: IO) -> Generator:
    k = int(args[0]) if args else 1
    sh.positional = sh.positional[k:]
    return 0
    yield  # pragma: no cover


def _b_trap(sh: Shell, args: list[str], io: IO) -> Generator:
    if not args:
        for sig, action in sh.traps.items():
            io.out(f"trap -- {shlex.quote(action)} {sig}\n")
        return 0
    action, sigs = args[0], args[1:]
    for s in sigs:
        name = s.upper()
        if name.startswith("SIG"):
            name = name[3:]
        if name.isdigit():
            num = int(name)
            name = "EXIT" if num == 0 else next((k[3:] for k, v in SIGNALS.items() if v == num), name)
        if action == "-":
            sh.traps.pop(name, None)
        else:
            sh.traps[name] = action
    return 0
    yield  # pragma: no cover


def _b_wait(sh: Shell, args: list[str], io: IO) -> Generator:
    code = 0
    while sh.background:
        task = sh.background[0]
        if not task.done:
            from ..tasks import AnyOf

            wake = sh.proc.signal_future()
            idx, _ = yield AnyOf(task, wake)
            if idx == 1:       # a trapped signal interrupts wait
                return 128 + SIGNALS.get("SIG" + (sh.pending_signals[0] if sh.pending_signals else "TERM"), 15)
        sh.background.pop(0)
        code = task.result if isinstance(task.result, int) else 0
    return code


def _b_set(sh: Shell, args: list[str], io: IO) -> Generator:
    if not args:
        for k in sorted(sh.vars):
            io.out(f"{k}='{sh.vars[k]}'\n")
    elif args[0] == "--":
        sh.positional = args[1:]
    return 0
    yield  # pragma: no cover


def _b_eval(sh: Shell, args: list[str], io: IO) -> Generator:
    try:
        tree = Parser(" ".join(args)).parse()
    except ShellSyntaxError as e:
        io.err(sh.syntax_error(e))
        return 2
    yield from sh.exec_list(tree, io)
    return sh.status


def _b_dot(sh: Shell, args: list[str], io: IO) -> Generator:
    if not args:
        return 0
    try:
        src = sh.proc.fs.read(sh.abspath(args[0]))
    except FSError:
        io.err(f"{sh.name()}: .: can't open '{args[0]}'\n")
        return 2
    yield from sh.exec_list(Parser(src).parse(), io)
    return sh.status


def _b_exec(sh: Shell, args: list[str], io: IO) -> Generator:
    if not args:
        return 0
    code = yield from sh.run_words(args, io)
    raise ShellExit(code)


def _b_read(sh: Shell, args: list[str], io: IO) -> Generator:
    names = [a for a in args if not a.startswith("-")] or ["REPLY"]
    if io.stdin is not None and not isinstance(io.stdin, str):     # a stream: wait for a line
        line = yield io.stdin.readline()
        if line is None:
            return 1
        line = line.rstrip("\n")
    else:
        data = io.stdin or ""
        if not data:
            return 1
        line, _, rest = data.partition("\n")
        io.stdin = rest
    parts = line.split(None, len(names) - 1)
    for k, name in enumerate(names):
        sh.vars[name] = parts[k] if k < len(parts) else ""
    return 0
    yield  # pragma: no cover


def _b_command(sh: Shell, args: list[str], io: IO) -> Generator:
    if args[:1] == ["-v"] and len(args) > 1:
        name = args[1]
        if name in BUILTINS:
            io.out(name + "\n")
            return 0
        path = sh.proc.which(name, sh.flavour)
        if path:
            io.out(path + "\n")
            return 0
        return 1
    code = yield from sh.run_words(args, io)
    return code


BUILTINS: dict[str, Callable[[Shell, list[str], IO], Generator]] = {
    ":": _b_colon, "true": _b_colon, "false": _b_false, "exit": _b_exit, "export": _b_export,
    "unset": _b_unset, "cd": _b_cd, "break": _b_break, "continue": _b_continue, "shift": _b_shift,
    "trap": _b_trap, "wait": _b_wait, "set": _b_set, "eval": _b_eval, ".": _b_dot,
    "source": _b_dot, "exec": _b_exec, "read": _b_read, "command": _b_command,
}


# ------------------------------------------------------------------------------------------
# the program: ``sh`` (and ``bash``) as a container's process

def _incomplete(src: str) -> bool:
    """Whether a line read by an interactive shell leaves a command open (``if …; then``, an
    unterminated quote, a trailing ``|``): the shell then reads more before running it."""
    try:
        Parser(src).parse()
    except ShellSyntaxError as e:
        return "unexpected end of file" in str(e) or "unterminated" in str(e)
    return False


class ShellProgram(Program):
    """``sh [-c script [arg0 args…]]``.  Without ``-c`` and with nothing on stdin, an
    interactive-less shell reads end-of-file and exits 0 at once — which is why ``kubectl run
    b --image=busybox`` ends up in CrashLoopBackOff with reason Completed.  With a stream on
    stdin (``exec -it``, or a container with ``stdin: true`` that ``kubectl attach`` feeds) it
    reads and runs one command at a time, waiting for input, prompting when ``tty``."""

    memory = 1 * 1024 * 1024

    def __init__(self, argv: list[str], image: Any = None, flavour: str = "busybox"):
        super().__init__(argv, image)
        self.flavour = flavour
        self.shell: Shell | None = None

    def run(self, proc: "Process") -> Generator:
        proc.set_memory(self.memory)
        argv = self.argv
        name = argv[0].rsplit("/", 1)[-1]
        flavour = "bash" if name == "bash" else self.flavour
        args = argv[1:]
        script = None
        positional: list[str] = []
        argv0 = argv[0]
        while args and args[0].startswith("-") and args[0] not in ("-", "--"):
            opt = args.pop(0)
            if "c" in opt[1:]:
                if not args:
                    proc.stderr(f"{name}: -c requires an argument\n" if flavour != "debian"
                                else f"{name}: 0: -c requires an argument\n")
                    return 2
                script = args.pop(0)
                if args:
                    argv0 = args.pop(0)
                positional = args
                args = []
                break
        sh = Shell(proc, flavour, argv0, positional)
        self.shell = sh
        if script is None and not args and not isinstance(proc.stdin, (str, type(None))):
            code = yield from self._interactive(proc, sh, flavour)
            return code
        io = IO(proc.stdin, proc.stdout, proc.stderr)
        if script is None:
            if args:
                try:
                    script = proc.fs.read(sh.abspath(args[0]))
                except FSError:
                    proc.stderr(f"{name}: can't open '{args[0]}'\n" if flavour == "busybox" else
                                f"{name}: 0: cannot open {args[0]}: No such file\n")
                    return 2 if flavour != "bash" else 127
                sh.argv0 = args[0]
                sh.positional = args[1:]
            else:
                script = proc.stdin or ""
        replacement = self._single_command(proc, script)
        if replacement is not None:
            argv, program = replacement
            proc.argv = argv
            proc.program = program        # exec: the shell is replaced, same PID
            code = yield from program.run(proc)
            return code
        code = yield from sh.run_script(script, io)
        return code

    def _interactive(self, proc: "Process", sh: "Shell", flavour: str) -> Generator:
        """A shell reading commands from a terminal (``kubectl exec -it POD -- sh``): a prompt,
        one line at a time in the same shell (variables and the working directory carry over),
        until ``exit`` or end of file (Ctrl-D)."""
        stdin = proc.stdin
        tty = getattr(stdin, "tty", False)
        pending = ""
        while True:
            if tty:
                proc.stdout("> " if pending else self._prompt(proc, sh, flavour))   # PS2 / PS1
            line = yield stdin.readline()
            if line is None:
                if not pending:
                    if tty and flavour == "bash":
                        proc.stdout("exit\n")
                    return sh.status
                line, pending = pending, ""      # end of file inside a command: its syntax error
            else:
                line, pending = pending + line, ""
                if _incomplete(line):
                    pending = line               # an open if/for/quote: read the next line
                    continue
            try:
                yield from sh.run_line(line, IO("", proc.stdout, proc.stderr))
            except ShellExit as e:
                return e.code

    @staticmethod
    def _prompt(proc: "Process", sh: "Shell", flavour: str) -> str:
        """``PS1`` as the image sets it for root: busybox ``/ # ``, bash ``root@HOST:/# ``, dash ``# ``."""
        if flavour == "bash":
            return f"root@{proc.hostname}:{sh.cwd}# "
        if flavour == "debian":
            return "# "
        return f"{sh.cwd} # "

    def _single_command(self, proc: "Process", script: str):
        """``sh -c 'cmd args'`` with one plain command: the shell execs it (no fork)."""
        image = proc.image
        if image is None or not image.shell_execs_single_command:
            return None
        try:
            tree = Parser(script).parse()
        except ShellSyntaxError:
            return None
        if len(tree.items) != 1 or tree.items[0][1]:
            return None
        and_or = tree.items[0][0]
        if and_or.rest or len(and_or.first.commands) != 1 or and_or.first.negate:
            return None
        cmd = and_or.first.commands[0]
        if not isinstance(cmd, Simple) or cmd.assigns or cmd.redirects or not cmd.words:
            return None
        if any(ch in w for w in cmd.words for ch in "$`*?[~\\"):
            return None
        try:
            argv = [a for w in cmd.words for a in shlex.split(w)]
        except ValueError:
            return None
        if not argv or argv[0] in BUILTINS:
            return None
        program = proc.runtime.program_for(image, argv)
        if program is None:
            return None
        return argv, program

    def on_signal(self, proc: "Process", sig: str) -> str:
        if self.shell is not None and self.shell.deliver_signal(sig):
            proc.notify_signal()
            return "handled"
        return "default"


class AppletProgram(Program):
    """A single utility run as a process (``command: ["sleep", "3600"]``)."""

    memory = 512 * 1024

    def __init__(self, argv: list[str], image: Any = None, flavour: str = "busybox"):
        super().__init__(argv, image)
        self.flavour = flavour

    def run(self, proc: "Process") -> Generator:
        proc.set_memory(self.memory)
        sh = Shell(proc, self.flavour, self.argv[0])
        io = IO(proc.stdin, proc.stdout, proc.stderr)
        try:
            code = yield from sh.run_words(self.argv, io)
        except ShellExit as e:
            code = e.code
        return code


# ------------------------------------------------------------------------------------------
# utilities

def _msg(sh: Shell, tool: str, busybox: str, gnu: str) -> str:
    return f"{tool}: {busybox if sh.flavour == 'busybox' else gnu}\n"


def _options(args: list[str], flags: str, with_value: str = "") -> tuple[dict, list[str]]:
    """Parse short options: ``flags`` take no value, ``with_value`` take one."""
    opts: dict[str, Any] = {}
    rest: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            rest.extend(args[i + 1:])
            break
        if a.startswith("-") and len(a) > 1 and not a[1].isdigit():
            j = 1
            while j < len(a):
                ch = a[j]
                if ch in with_value:
                    value = a[j + 1:] if j + 1 < len(a) else (args[i + 1] if i + 1 < len(args) else "")
                    if j + 1 >= len(a):
                        i += 1
                    opts[ch] = value
                    break
                opts[ch] = True
                j += 1
        else:
            rest.append(a)
        i += 1
    return opts, rest


def parse_duration(text: str) -> float | None:
    """busybox/GNU ``sleep`` arguments: ``5``, ``0.5``, ``2m``, ``1h``, ``infinity``."""
    if text == "infinity" or text == "inf":
        return float("inf")
    mult = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    unit = 1
    if text and text[-1] in mult:
        unit = mult[text[-1]]
        text = text[:-1]
    try:
        v = float(text)
    except ValueError:
        return None
    if v < 0:
        return None
    return v * unit


def u_sleep(sh: Shell, argv: list[str], io: IO) -> Generator:
    if len(argv) < 2:
        io.err("sleep: missing operand\n" if sh.flavour != "busybox" else
               "BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: sleep [N]...\n")
        return 1
    total = 0.0
    for a in argv[1:]:
        d = parse_duration(a)
        if d is None:
            io.err(f"sleep: invalid number '{a}'\n" if sh.flavour == "busybox" else
                   f"sleep: invalid time interval '{a}'\n")
            return 1
        total += d
    if total == float("inf"):
        yield sh.proc.forever()
    else:
        yield sh.proc.sleep(total)
    return 0


def u_echo(sh: Shell, argv: list[str], io: IO) -> Generator:
    args = argv[1:]
    newline = True
    escapes = False
    while args and args[0] in ("-n", "-e", "-ne", "-en", "-E"):
        a = args.pop(0)
        if "n" in a:
            newline = False
        if "e" in a:
            escapes = True
    text = " ".join(args)
    if escapes or sh.flavour == "debian":
        text = _unescape(text)
    io.out(text + ("\n" if newline else ""))
    return 0
    yield  # pragma: no cover


def _unescape(text: str) -> str:
    return (text.replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\"))


def u_printf(sh: Shell, argv: list[str], io: IO) -> Generator:
    if len(argv) < 2:
        return 1
    fmt = _unescape(argv[1])
    args = argv[2:]
    out = []
    i = 0
    k = 0
    while i < len(fmt):
        c = fmt[i]
        if c == "%" and i + 1 < len(fmt):
            spec = fmt[i + 1]
            if spec == "%":
                out.append("%")
            else:
                value = args[k] if k < len(args) else ""
                k += 1
                if spec == "d":
                    try:
                        out.append(str(int(value or 0)))
                    except ValueError:
                        out.append("0")
                else:
                    out.append(value)
            i += 2
            continue
        out.append(c)
        i += 1
    io.out("".join(out))
    return 0
    yield  # pragma: no cover


def _stdin(io: IO) -> Generator[Any, Any, str]:
    """A filter's standard input as text: a pipe's or a redirect's at once; a stream (the
    container's stdin of ``kubectl attach -i``) is read up to its end of file."""
    stdin = io.stdin
    if stdin is None or isinstance(stdin, str):
        return stdin or ""
    text = yield from stdin.read_all()
    io.stdin = ""
    return text


def _copy_stdin(io: IO) -> Generator:
    """``cat``'s copy of stdin: a stream line by line as it arrives, as a terminal shows it."""
    stdin = io.stdin
    if stdin is None or isinstance(stdin, str):
        io.out(stdin or "")
        return
    while True:
        line = yield stdin.readline()
        if line is None:
            return
        io.out(line)


def u_cat(sh: Shell, argv: list[str], io: IO) -> Generator:
    files = argv[1:]
    if not files:
        yield from _copy_stdin(io)
        return 0
    code = 0
    for f in files:
        if f == "-":
            yield from _copy_stdin(io)
            continue
        try:
            io.out(sh.proc.fs.read(sh.abspath(f)))
        except FSError as e:
            if sh.flavour == "busybox":
                if e.errno == "EISDIR":
                    io.err(f"cat: read error: Is a directory\n")
                else:
                    io.err(f"cat: can't open '{f}': {e.strerror}\n")
            else:
                io.err(f"cat: {f}: {e.strerror}\n")
            code = 1
    return code
    yield  # pragma: no cover


def u_touch(sh: Shell, argv: list[str], io: IO) -> Generator:
    _, files = _options(argv[1:], "acm")
    if not files:
        io.err("touch: missing file operand\n")
        return 1
    code = 0
    for f in files:
        try:
            sh.proc.fs.touch(sh.abspath(f))
        except FSError as e:
            io.err(_msg(sh, "touch", f"{f}: {e.strerror}", f"cannot touch '{f}': {e.strerror}"))
            code = 1
    return code
    yield  # pragma: no cover


def u_rm(sh: Shell, argv: list[str], io: IO) -> Generator:
    opts, files = _options(argv[1:], "frRiv")
    force = "f" in opts
    recursive = "r" in opts or "R" in opts
    code = 0
    for f in files:
        path = sh.abspath(f)
        fs = sh.proc.fs
        if not fs.exists(path):
            if not force:
                io.err(_msg(sh, "rm", f"can't remove '{f}': No such file or directory",
                            f"cannot remove '{f}': No such file or directory"))
                code = 1
            continue
        if fs.isdir(path) and not recursive:
            io.err(_msg(sh, "rm", f"'{f}' is a directory", f"cannot remove '{f}': Is a directory"))
            code = 1
            continue
        try:
            fs.remove(path, recursive=recursive)
        except FSError as e:
            io.err(_msg(sh, "rm", f"can't remove '{f}': {e.strerror}", f"cannot remove '{f}': {e.strerror}"))
            code = 1
    return code
    yield  # pragma: no cover


def u_mkdir(sh: Shell, argv: list[str], io: IO) -> Generator:
    opts, dirs = _options(argv[1:], "pv", "m")
    code = 0
    for d in dirs:
        try:
            sh.proc.fs.mkdir(sh.abspath(d), parents="p" in opts)
        except FSError as e:
            io.err(_msg(sh, "mkdir", f"can't create directory '{d}': {e.strerror}",
                        f"cannot create directory '{d}': {e.strerror}"))
            code = 1
    return code
    yield  # pragma: no cover


def u_ls(sh: Shell, argv: list[str], io: IO) -> Generator:
    opts, paths = _options(argv[1:], "la1AhRtrd")
    fs = sh.proc.fs
    code = 0
    targets = paths or ["."]
    many = len(targets) > 1
    for k, p in enumerate(targets):
        path = sh.abspath(p)
        if not fs.exists(path):
            io.err(_msg(sh, "ls", f"{p}: No such file or directory",
                        f"cannot access '{p}': No such file or directory"))
            code = 1 if sh.flavour == "busybox" else 2
            continue
        if not fs.isdir(path) or "d" in opts:
            io.out(_ls_line(sh, path, p, opts) if "l" in opts else p + "\n")
            continue
        names = fs.listdir(path)
        if "a" in opts:
            names = [".", ".."] + names
        elif "A" not in opts:
            names = [n for n in names if not n.startswith(".")]
        if many:
            io.out(("\n" if k else "") + f"{p}:\n")
        if "l" in opts:
            io.out(f"total {len(names) * 4}\n")
            for n in names:
                io.out(_ls_line(sh, path.rstrip("/") + "/" + n, n, opts))
        else:
            for n in names:
                io.out(n + "\n")
    return code
    yield  # pragma: no cover


def _ls_line(sh: Shell, path: str, shown: str, opts: dict) -> str:
    fs = sh.proc.fs
    st = fs.stat(path)
    stamp = _time.strftime("%b %d %H:%M", _time.gmtime(sh.proc.wallclock(st.mtime if st else None)))
    if st is None:
        return f"drwxr-xr-x    2 root     root          4096 {stamp} {shown}\n"
    mode = _mode_string(st.mode)
    return f"{mode}    1 root     root    {len(to_bytes(st.data)):>10} {stamp} {shown}\n"


def _mode_string(mode: int) -> str:
    bits = "rwxrwxrwx"
    return "-" + "".join(b if mode & (1 << (8 - i)) else "-" for i, b in enumerate(bits))


def u_date(sh: Shell, argv: list[str], io: IO) -> Generator:
    opts, rest = _options(argv[1:], "uR", "d")
    now = sh.proc.wallclock()
    fmt = None
    for a in rest:
        if a.startswith("+"):
            fmt = a[1:]
    tm = _time.gmtime(int(now))
    if fmt is None:
        day = _time.strftime("%a %b ", tm) + f"{tm.tm_mday:2d}" + _time.strftime(" %H:%M:%S UTC %Y", tm)
        io.out(day + "\n")
    else:
        fmt = fmt.replace("%N", f"{int((now % 1) * 1e9):09d}").replace("%s", str(int(now)))
        io.out(_time.strftime(fmt, tm) + "\n")
    return 0
    yield  # pragma: no cover


def u_env(sh: Shell, argv: list[str], io: IO) -> Generator:
    args = argv[1:]
    env = sh.environ()
    extra = {}
    while args and "=" in args[0] and not args[0].startswith("-"):
        k, _, v = args.pop(0).partition("=")
        extra[k] = v
    if args and args[0] not in ("-i",):
        child = Shell(sh.proc, sh.flavour, sh.argv0, [], {**env, **extra})
        code = yield from child.run_words(args, io)
        return code
    for k, v in {**env, **extra}.items():
        io.out(f"{k}={v}\n")
    return 0


def u_printenv(sh: Shell, argv: list[str], io: IO) -> Generator:
    env = sh.environ()
    if len(argv) > 1:
        code = 0
        for name in argv[1:]:
            if name in env:
                io.out(env[name] + "\n")
            else:
                code = 1
        return code
    for k, v in env.items():
        io.out(f"{k}={v}\n")
    return 0
    yield  # pragma: no cover


def u_hostname(sh: Shell, argv: list[str], io: IO) -> Generator:
    if "-i" in argv[1:]:
        io.out((sh.proc.pod_ip or "") + "\n" if sh.flavour == "busybox" else (sh.proc.pod_ip or "") + " \n")
    else:
        io.out(sh.proc.hostname + "\n")
    return 0
    yield  # pragma: no cover


def u_pwd(sh: Shell, argv: list[str], io: IO) -> Generator:
    io.out(sh.cwd + "\n")
    return 0
    yield  # pragma: no cover


def u_true(sh: Shell, argv: list[str], io: IO) -> Generator:
    return 0
    yield  # pragma: no cover


def u_false(sh: Shell, argv: list[str], io: IO) -> Generator:
    return 1
    yield  # pragma: no cover


def u_test(sh: Shell, argv: list[str], io: IO) -> Generator:
    args = argv[1:]
    if argv[0] == "[":
        if not args or args[-1] != "]":
            io.err("[: missing ]\n" if sh.flavour == "busybox" else f"{sh.name()}: 1: [: missing ]\n")
            return 2
        args = args[:-1]
    try:
        return 0 if _test(sh, args) else 1
    except ValueError as e:
        io.err(f"{sh.name()}: {e}\n")
        return 2
    yield  # pragma: no cover


def _test(sh: Shell, args: list[str]) -> bool:
    if not args:
        return False
    if args[0] == "!":
        return not _test(sh, args[1:])
    if "-a" in args:
        k = args.index("-a")
        return _test(sh, args[:k]) and _test(sh, args[k + 1:])
    if "-o" in args:
        k = args.index("-o")
        return _test(sh, args[:k]) or _test(sh, args[k + 1:])
    fs = sh.proc.fs
    if len(args) == 1:
        return args[0] != ""
    if len(args) == 2:
        op, x = args
        if op == "-z":
            return x == ""
        if op == "-n":
            return x != ""
        path = sh.abspath(x)
        if op == "-e":
            return fs.exists(path)
        if op == "-f":
            return fs.exists(path) and not fs.isdir(path)
        if op == "-d":
            return fs.isdir(path)
        if op == "-s":
            st = fs.stat(path)
            return bool(st and st.data)
        if op in ("-r", "-w", "-x"):
            return fs.exists(path)
        raise ValueError(f"{op}: unary operator expected")
    if len(args) == 3:
        a, op, b = args
        if op in ("=", "=="):
            return a == b
        if op == "!=":
            return a != b
        ints = {"-eq": operator.eq, "-ne": operator.ne, "-lt": operator.lt, "-le": operator.le,
                "-gt": operator.gt, "-ge": operator.ge}
        if op in ints:
            try:
                return ints[op](int(a), int(b))
            except ValueError:
                raise ValueError(f"{a if not a.lstrip('-').isdigit() else b}: bad number") from None
    raise ValueError("syntax error")


def u_seq(sh: Shell, argv: list[str], io: IO) -> Generator:
    nums = [int(a) for a in argv[1:]]
    if len(nums) == 1:
        first, step, last = 1, 1, nums[0]
    elif len(nums) == 2:
        first, step, last = nums[0], 1, nums[1]
    else:
        first, step, last = nums[0], nums[1], nums[2]
    v = first
    out = []
    while (step > 0 and v <= last) or (step < 0 and v >= last):
        out.append(f"{v}\n")
        v += step
    io.out("".join(out))
    return 0
    yield  # pragma: no cover


def _count_option(args: list[str]) -> list[str]:
    """``head -3`` / ``tail -3``: the historical spelling of ``-n 3`` both toolsets accept."""
    return [x for a in args for x in (("-n", a[1:]) if len(a) > 1 and a[0] == "-" and a[1:].isdigit() else (a,))]


def u_head(sh: Shell, argv: list[str], io: IO) -> Generator:
    opts, files = _options(_count_option(argv[1:]), "", "n")
    n = int(opts.get("n", 10))
    data = (yield from _stdin(io)) if not files else _read_all(sh, files, io, "head")
    if data is None:
        return 1
    lines = data.splitlines(True)
    io.out("".join(lines[:n]))
    return 0
    yield  # pragma: no cover


def _read_all(sh: Shell, files: list[str], io: IO, tool: str) -> str | None:
    parts = []
    for f in files:
        try:
            parts.append(sh.proc.fs.read(sh.abspath(f)))
        except FSError as e:
            if tool == "grep":
                io.err(f"grep: {f}: {e.strerror}\n")
            else:
                io.err(_msg(sh, tool, f"can't open '{f}': {e.strerror}", f"cannot open '{f}' for reading: {e.strerror}"))
            return None
    return "".join(parts)


def u_tail(sh: Shell, argv: list[str], io: IO) -> Generator:
    opts, files = _options(_count_option(argv[1:]), "fFq", "nc")
    n_text = str(opts.get("n", "10"))
    follow = "f" in opts or "F" in opts
    if "c" in opts and not follow:
        # bytes, not lines: ``tail -c+N`` is how ``kubectl cp --retries`` resumes a tar stream
        data = (yield from _stdin(io)) if not files else _read_all(sh, files[:1], io, "tail")
        if data is None:
            return 1
        count = str(opts["c"])
        raw = to_bytes(data)
        try:
            n = int(count.lstrip("+-"))
        except ValueError:
            io.err(f"tail: invalid number '{count}'\n" if sh.flavour == "busybox" else
                   f"tail: invalid number of bytes: '{count}'\n")
            return 1
        io.out(from_bytes(raw[max(0, n - 1):] if count.startswith("+") else (raw[-n:] if n else b"")))
        return 0
    if not files:
        lines = (yield from _stdin(io)).splitlines(True)
        io.out("".join(_tail_lines(lines, n_text)))
        return 0
    path = sh.abspath(files[0])
    fs = sh.proc.fs
    try:
        data = fs.read(path)
    except FSError as e:
        if not ("F" in opts):
            io.err(_msg(sh, "tail", f"can't open '{files[0]}': {e.strerror}",
                        f"cannot open '{files[0]}' for reading: {e.strerror}"))
            if not follow:
                return 1
        data = ""
    io.out("".join(_tail_lines(data.splitlines(True), n_text)))
    if not follow:
        return 0
    seen = len(data)
    while True:
        yield sh.proc.sleep(1)
        try:
            data = fs.read(path)
        except FSError:
            continue
        if len(data) < seen:
            seen = 0
        if len(data) > seen:
            io.out(data[seen:])
            seen = len(data)


def _tail_lines(lines: list[str], n_text: str) -> list[str]:
    if n_text.startswith("+"):
        return lines[max(0, int(n_text[1:]) - 1):]
    n = int(n_text)
    return lines[-n:] if n else []


def u_wc(sh: Shell, argv: list[str], io: IO) -> Generator:
    opts, files = _options(argv[1:], "lwc")
    data = (yield from _stdin(io)) if not files else _read_all(sh, files, io, "wc")
    if data is None:
        return 1
    counts = {"l": data.count("\n"), "w": len(data.split()), "c": len(to_bytes(data))}
    chosen = [k for k in "lwc" if k in opts] or ["l", "w", "c"]
    io.out(" ".join(f"{counts[k]:>7}" if len(chosen) > 1 else str(counts[k]) for k in chosen)
           + (f" {files[0]}" if files else "") + "\n")
    return 0
    yield  # pragma: no cover


def u_grep(sh: Shell, argv: list[str], io: IO) -> Generator:
    import re

    opts, rest = _options(argv[1:], "ivcqnE", "e")
    if "e" in opts:
        pattern = opts["e"]
    elif rest:
        pattern = rest.pop(0)
    else:
        io.err("grep: no pattern\n")
        return 2
    data = (yield from _stdin(io)) if not rest else _read_all(sh, rest, io, "grep")
    if data is None:
        return 2
    flags = re.IGNORECASE if "i" in opts else 0
    try:
        rx = re.compile(pattern, flags)
    except re.error:
        rx = re.compile(re.escape(pattern), flags)
    hits = [(k, line) for k, line in enumerate(data.splitlines(), 1) if bool(rx.search(line)) != ("v" in opts)]
    if "q" in opts:
        return 0 if hits else 1
    if "c" in opts:
        io.out(f"{len(hits)}\n")
    else:
        io.out("".join((f"{k}:" if "n" in opts else "") + line + "\n" for k, line in hits))
    return 0 if hits else 1
    yield  # pragma: no cover


def u_cp(sh: Shell, argv: list[str], io: IO) -> Generator:
    _, files = _options(argv[1:], "rRfpa")
    if len(files) < 2:
        io.err("cp: missing file operand\n")
        return 1
    fs = sh.proc.fs
    dest = sh.abspath(files[-1])
    code = 0
    for src in files[:-1]:
        try:
            data = fs.read(sh.abspath(src))
            target = dest.rstrip("/") + "/" + src.rsplit("/", 1)[-1] if fs.isdir(dest) else dest
            fs.write(target, data)
        except FSError as e:
            io.err(_msg(sh, "cp", f"can't stat '{src}': {e.strerror}", f"cannot stat '{src}': {e.strerror}"))
            code = 1
    return code
    yield  # pragma: no cover


def u_mv(sh: Shell, argv: list[str], io: IO) -> Generator:
    code = yield from u_cp(sh, argv, io)
    if code == 0:
        for src in argv[1:-1]:
            if not src.startswith("-"):
                try:
                    sh.proc.fs.remove(sh.abspath(src))
                except FSError:
                    pass
    return code


def u_id(sh: Shell, argv: list[str], io: IO) -> Generator:
    if "-u" in argv[1:]:
        io.out("0\n")
    else:
        io.out("uid=0(root) gid=0(root) groups=0(root)" + (",10(wheel)" if sh.flavour == "busybox" else "") + "\n")
    return 0
    yield  # pragma: no cover


def u_whoami(sh: Shell, argv: list[str], io: IO) -> Generator:
    io.out("root\n")
    return 0
    yield  # pragma: no cover


def u_uname(sh: Shell, argv: list[str], io: IO) -> Generator:
    info = sh.proc.uname()
    if "-a" in argv[1:]:
        io.out(f"Linux {sh.proc.hostname} {info['release']} {info['version']} x86_64 GNU/Linux\n")
    elif "-r" in argv[1:]:
        io.out(info["release"] + "\n")
    elif "-n" in argv[1:]:
        io.out(sh.proc.hostname + "\n")
    else:
        io.out("Linux\n")
    return 0
    yield  # pragma: no cover


def u_ps(sh: Shell, argv: list[str], io: IO) -> Generator:
    lines = ["PID   USER     TIME  COMMAND\n"]
    for pid, cmdline in sh.proc.process_table():
        lines.append(f"{pid:>5} root      0:00 {cmdline}\n")
    io.out("".join(lines))
    return 0
    yield  # pragma: no cover


def _applet(sh: Shell, name: str) -> str:
    """How busybox names an applet in its messages: ``kill`` run on its own, ``sh: kill`` as the
    shell's builtin."""
    return name if sh.name() == name else f"{sh.name()}: {name}"


def u_kill(sh: Shell, argv: list[str], io: IO) -> Generator:
    args = argv[1:]
    sig = "SIGTERM"
    if args and args[0].startswith("-"):
        s = args.pop(0)[1:]
        if s.startswith("s") and args:
            s = args.pop(0)
        if s.isdigit():
            sig = next((k for k, v in SIGNALS.items() if v == int(s)), "SIGTERM")
        else:
            sig = s.upper() if s.upper().startswith("SIG") else "SIG" + s.upper()
    code = 0
    for a in args:
        try:
            pid = int(a)
        except ValueError:
            io.err(f"{_applet(sh, 'kill')}: illegal number {a}\n" if sh.flavour == "busybox" else f"kill: {a}: arguments must be process or job IDs\n")
            code = 1
            continue
        if not sh.proc.kill(pid, sig):
            io.err(f"{_applet(sh, 'kill')}: can't kill pid {pid}: No such process\n" if sh.flavour == "busybox"
                   else f"kill: ({pid}) - No such process\n")
            code = 1
    return code
    yield  # pragma: no cover


def u_yes(sh: Shell, argv: list[str], io: IO) -> Generator:
    text = " ".join(argv[1:]) or "y"
    while True:
        io.out((text + "\n") * 64)
        yield sh.proc.sleep(0.001)


def u_basename(sh: Shell, argv: list[str], io: IO) -> Generator:
    io.out((argv[1].rstrip("/").rsplit("/", 1)[-1] if len(argv) > 1 else "") + "\n")
    return 0
    yield  # pragma: no cover


def u_dirname(sh: Shell, argv: list[str], io: IO) -> Generator:
    p = argv[1].rstrip("/") if len(argv) > 1 else ""
    io.out((p.rsplit("/", 1)[0] or "/" if "/" in p else ".") + "\n")
    return 0
    yield  # pragma: no cover


# --- networking utilities -----------------------------------------------------------------

def _split_url(url: str) -> tuple[str, str, int, str]:
    scheme = "http"
    rest = url
    if "://" in url:
        scheme, rest = url.split("://", 1)
    hostport, slash, path = rest.partition("/")
    path = "/" + path if slash else "/"
    host, colon, port = hostport.rpartition(":") if ":" in hostport else (hostport, "", "")
    if not colon:
        host = hostport
        port_num = 443 if scheme == "https" else 80
    else:
        try:
            port_num = int(port)
        except ValueError:
            port_num = 80
    return scheme, host, port_num, path


def u_wget(sh: Shell, argv: list[str], io: IO) -> Generator:
    """busybox ``wget``: ``-q``, ``-O file`` (``-`` for stdout), ``-T seconds``, ``--spider``."""
    args = argv[1:]
    quiet = spider = False
    output = None
    timeout = 900.0
    urls: list[str] = []
    headers = {}
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-q", "--quiet"):
            quiet = True
        elif a.startswith("-qO"):
            quiet = True
            output = a[3:] or (args[i + 1] if i + 1 < len(args) else "-")
            if not a[3:]:
                i += 1
        elif a.startswith("-O"):
            output = a[2:] or (args[i + 1] if i + 1 < len(args) else "-")
            if not a[2:]:
                i += 1
        elif a.startswith("-T"):
            value = a[2:] or (args[i + 1] if i + 1 < len(args) else "")
            if not a[2:]:
                i += 1
            try:
                timeout = float(value)
            except ValueError:
                pass
        elif a.startswith("--timeout="):
            timeout = float(a.split("=", 1)[1])
        elif a == "--spider":
            spider = True
        elif a == "--header" and i + 1 < len(args):
            k, _, v = args[i + 1].partition(":")
            headers[k.strip()] = v.strip()
            i += 1
        elif a.startswith("-"):
            pass
        else:
            urls.append(a)
        i += 1
    if not urls:
        io.err("wget: missing URL\n" if sh.flavour != "busybox" else
               "BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[-P DIR] [-U AGENT] [-T SEC] URL...\n")
        return 1
    url = urls[0]
    _, host, port, path = _split_url(url)
    try:
        ip = yield sh.proc.resolve(host)
    except DNSError:
        io.err(f"wget: bad address '{host}'\n")
        return 1
    if not quiet:
        io.err(f"Connecting to {host} ({ip}:{port})\n")
    try:
        resp = yield sh.proc.http(ip, port, Request("HEAD" if spider else "GET", path, headers, host=host, port=port,
                                                    user_agent="Wget"), timeout=timeout)
    except NetError as e:
        if e.kind == "timeout":
            io.err("wget: download timed out\n")
        else:
            why = {"refused": "Connection refused", "unreachable": "No route to host",
                   "reset": "Connection reset by peer"}.get(e.kind, str(e))
            io.err(f"wget: can't connect to remote host ({ip}): {why}\n")
        return 1
    if resp.status >= 400:
        io.err(f"wget: server returned error: HTTP/1.1 {resp.status} {resp.reason}\n")
        return 1
    if spider:
        if not quiet:
            io.err("remote file exists\n")
        return 0
    body = resp.body
    if output is None:
        name = path.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or "index.html"
        output = name
    if output == "-":
        if not quiet:
            io.err("writing to stdout\n")
        io.out(body)
        if not quiet:
            io.err(f"-                    100% |********************************| {len(body.encode()):>5}  0:00:00 ETA\n"
                   "written to stdout\n")
        return 0
    target = sh.abspath(output)
    if not quiet:
        io.err(f"saving to '{output}'\n")
    try:
        sh.proc.fs.write(target, body)
    except FSError as e:
        io.err(f"wget: can't open '{output}': {e.strerror}\n")
        return 1
    if not quiet:
        shown = output.rsplit("/", 1)[-1]
        io.err(f"{shown:<20} 100% |********************************| {len(body.encode()):>5}  0:00:00 ETA\n"
               f"'{output}' saved\n")
    return 0


def u_curl(sh: Shell, argv: list[str], io: IO) -> Generator:
    """curl 7.88 as Debian 12 ships it: ``-s``, ``-S``, ``-o``, ``-I``, ``-m``, ``-f``."""
    opts, rest = _options(argv[1:], "sSvIfLk", "omHX")
    if not rest:
        io.err("curl: try 'curl --help' or 'curl --manual' for more information\n")
        return 2
    silent = "s" in opts and "S" not in opts
    _, host, port, path = _split_url(rest[0])
    timeout = float(opts["m"]) if "m" in opts else 300.0
    try:
        ip = yield sh.proc.resolve(host)
    except DNSError:
        if not silent:
            io.err(f"curl: (6) Could not resolve host: {host}\n")
        return 6
    try:
        resp = yield sh.proc.http(ip, port, Request("HEAD" if "I" in opts else opts.get("X", "GET") or "GET", path,
                                                    host=host, port=port, user_agent="curl/7.88.1"), timeout=timeout)
    except NetError as e:
        if e.kind == "timeout":
            if not silent:
                io.err(f"curl: (28) Connection timed out after {int(timeout * 1000)} milliseconds\n")
            return 28
        if not silent:
            io.err(f"curl: (7) Failed to connect to {host} port {port} after 0 ms: Couldn't connect to server\n")
        return 7
    if "f" in opts and resp.status >= 400:
        if not silent:
            io.err(f"curl: (22) The requested URL returned error: {resp.status}\n")
        return 22
    if "I" in opts:
        io.out(f"HTTP/1.1 {resp.status} {resp.reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in resp.headers.items()) + "\r\n")
        return 0
    if "o" in opts and opts["o"] != "-":
        try:
            sh.proc.fs.write(sh.abspath(opts["o"]), resp.body)
        except FSError as e:
            io.err(f"curl: (23) Failure writing output to destination\n")
            return 23
        return 0
    io.out(resp.body)
    return 0


def u_nslookup(sh: Shell, argv: list[str], io: IO) -> Generator:
    """busybox ``nslookup``: the 1.28 style (``Address 1:`` lines) for busybox ≤ 1.28, the newer
    style otherwise.  Without a DNS server to answer it times out as the real one does."""
    args = [a for a in argv[1:] if not a.startswith("-")]
    if not args:
        io.err("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n")
        return 1
    name = args[0]
    server = args[1] if len(args) > 1 else sh.proc.nameserver()
    old_style = sh.proc.image_version_at_most("1.28")
    try:
        answer = yield sh.proc.lookup(name, server)
    except DNSError as e:
        if old_style:
            io.out(f"Server:    {server}\nAddress 1: {server}\n\n")
            io.err(f"nslookup: can't resolve '{name}'\n")
            return 1
        if e.kind == "timeout":
            io.out(";; connection timed out; no servers could be reached\n\n")
            return 1
        io.out(f"Server:\t\t{server}\nAddress:\t{server}:53\n\n")
        fqdn = e.name or name
        io.out(f"** server can't find {fqdn}: NXDOMAIN\n\n")
        return 1
    fqdn, addresses, server_name = answer
    if old_style:
        io.out(f"Server:    {server}\nAddress 1: {server}{(' ' + server_name) if server_name else ''}\n\n")
        io.out(f"Name:      {name}\n")
        for k, (ip, ptr) in enumerate(addresses, 1):
            io.out(f"Address {k}: {ip}{(' ' + ptr) if ptr else ''}\n")
        return 0
    io.out(f"Server:\t\t{server}\nAddress:\t{server}:53\n\n")
    for ip, _ in addresses:
        io.out(f"Name:\t{fqdn}\nAddress: {ip}\n")
    io.out("\n")
    return 0


def u_sort(sh: Shell, argv: list[str], io: IO) -> Generator:
    opts, files = _options(argv[1:], "rnu")
    data = (yield from _stdin(io)) if not files else _read_all(sh, files, io, "sort")
    if data is None:
        return 2
    lines = data.splitlines()
    if "n" in opts:
        def key(line: str):
            num = ""
            for ch in line.strip():
                if ch.isdigit() or (ch in "-." and not num.count(ch)):
                    num += ch
                else:
                    break
            try:
                return (float(num), line)
            except ValueError:
                return (0.0, line)
        lines.sort(key=key, reverse="r" in opts)
    else:
        lines.sort(reverse="r" in opts)
    if "u" in opts:
        lines = list(dict.fromkeys(lines))
    io.out("".join(line + "\n" for line in lines))
    return 0
    yield  # pragma: no cover


def u_uniq(sh: Shell, argv: list[str], io: IO) -> Generator:
    opts, files = _options(argv[1:], "c")
    data = (yield from _stdin(io)) if not files else _read_all(sh, files, io, "uniq")
    if data is None:
        return 1
    out: list[list] = []
    for line in data.splitlines():
        if out and out[-1][0] == line:
            out[-1][1] += 1
        else:
            out.append([line, 1])
    io.out("".join((f"{n:>7} {line}\n" if "c" in opts else line + "\n") for line, n in out))
    return 0
    yield  # pragma: no cover


def u_tr(sh: Shell, argv: list[str], io: IO) -> Generator:
    opts, sets = _options(argv[1:], "d")
    data = yield from _stdin(io)

    def expand_set(s: str) -> str:
        s = s.replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\")
        s = s.replace("[:lower:]", "a-z").replace("[:upper:]", "A-Z").replace("[:digit:]", "0-9")
        out, i = [], 0
        while i < len(s):
            if i + 2 < len(s) and s[i + 1] == "-":
                out.extend(chr(c) for c in range(ord(s[i]), ord(s[i + 2]) + 1))
                i += 3
            else:
                out.append(s[i])
                i += 1
        return "".join(out)

    if "d" in opts and sets:
        drop = set(expand_set(sets[0]))
        io.out("".join(ch for ch in data if ch not in drop))
        return 0
    if len(sets) < 2:
        io.err("tr: missing operand\n")
        return 1
    a, b = expand_set(sets[0]), expand_set(sets[1])
    b = b + b[-1:] * max(0, len(a) - len(b))
    io.out(data.translate(str.maketrans(a, b[:len(a)])))
    return 0
    yield  # pragma: no cover


def u_cut(sh: Shell, argv: list[str], io: IO) -> Generator:
    opts, files = _options(argv[1:], "", "dfc")
    data = (yield from _stdin(io)) if not files else _read_all(sh, files, io, "cut")
    if data is None:
        return 1

    def picks(spec: str, n: int) -> list[int]:
        out = []
        for part in spec.split(","):
            if "-" in part:
                lo, _, hi = part.partition("-")
                out.extend(range(int(lo or 1), (int(hi) if hi else n) + 1))
            elif part:
                out.append(int(part))
        return out

    lines = []
    for line in data.splitlines():
        if "f" in opts:
            delim = opts.get("d", "\t") or "\t"
            fields = line.split(delim)
            lines.append(delim.join(fields[i - 1] for i in picks(opts["f"], len(fields)) if i <= len(fields)))
        elif "c" in opts:
            lines.append("".join(line[i - 1] for i in picks(opts["c"], len(line)) if i <= len(line)))
        else:
            lines.append(line)
    io.out("".join(x + "\n" for x in lines))
    return 0
    yield  # pragma: no cover


UTILITIES: dict[str, Callable[[Shell, list[str], IO], Generator]] = {
    "sleep": u_sleep, "echo": u_echo, "printf": u_printf, "cat": u_cat, "touch": u_touch, "rm": u_rm,
    "mkdir": u_mkdir, "ls": u_ls, "date": u_date, "env": u_env, "printenv": u_printenv,
    "hostname": u_hostname, "pwd": u_pwd, "true": u_true, "false": u_false, "test": u_test, "[": u_test,
    "seq": u_seq, "head": u_head, "tail": u_tail, "wc": u_wc, "grep": u_grep, "cp": u_cp, "mv": u_mv,
    "id": u_id, "whoami": u_whoami, "uname": u_uname, "ps": u_ps, "kill": u_kill, "yes": u_yes,
    "basename": u_basename, "dirname": u_dirname, "wget": u_wget, "nslookup": u_nslookup, "curl": u_curl,
    "sort": u_sort, "uniq": u_uniq, "tr": u_tr, "cut": u_cut, "tar": u_tar,
}
#: which utilities each image family ships (and where)
BUSYBOX_APPLETS = tuple(n for n in UTILITIES if n not in ("curl",))
DEBIAN_TOOLS = ("sleep", "echo", "printf", "cat", "touch", "rm", "mkdir", "ls", "date", "env", "printenv",
                "hostname", "pwd", "true", "false", "test", "[", "seq", "head", "tail", "wc", "grep", "cp",
                "mv", "id", "whoami", "uname", "kill", "yes", "basename", "dirname", "sort", "uniq", "tr", "cut",
                "tar")
