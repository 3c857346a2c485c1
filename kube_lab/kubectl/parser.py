"""kubectl's command line: cobra commands and pflag flags, with their semantics and error texts.

* Commands form a tree (``kubectl rollout status``).  :meth:`Command.find` walks it as
  ``cobra.Command.Find`` does: flags are skipped while looking for sub-command names (a flag
  without ``=`` that is not boolean is assumed to take the next word), and an unknown first word
  of the root gives ``unknown command "gt" for "kubectl"`` with cobra's "Did you mean this?"
  suggestions (Levenshtein distance ≤ 2, or a prefix match, in registration order).
* Flags are parsed as ``spf13/pflag`` parses them: ``--name=value``, ``--name value``, ``-n value``,
  ``-nvalue``, ``-n=value``, combined boolean shorthands (``-it``), ``--`` ends the flags and flags
  may appear anywhere among the arguments.  Errors keep pflag's words (``unknown flag: --foo``,
  ``unknown shorthand flag: 'z' in -z``, ``flag needs an argument: 'n' in -n``, ``invalid argument
  "abc" for "-r, --replicas" flag: strconv.ParseInt: parsing "abc": invalid syntax``); kubectl adds
  ``See 'kubectl get --help' for usage.``.
* Global flags (``-n/--namespace``, ``--context``, ``--kubeconfig``, ``--request-timeout`` …) are
  persistent flags of the root command, as in kubectl.
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any, Callable


class CommandError(Exception):
    """A kubectl failure: ``message`` is printed on stderr as is (a newline is added), then kubectl
    exits with ``code``."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.message = message
        self.code = code


class FlagError(Exception):
    """A pflag parse error (kubectl wraps it with the usage hint)."""


def usage_error(cmd_path: str, message: str) -> CommandError:
    """``cmdutil.UsageErrorf``: the message plus ``See '<cmd> -h' for help and examples``."""
    return CommandError(f"error: {message}\nSee '{cmd_path} -h' for help and examples")


# -----------------------------------------------------------------------------------------
# flag values

_GO_BOOL = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
            "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False}
_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


def parse_go_int(text: str, bits: int = 64) -> int:
    """``strconv.ParseInt(text, 0, bits)``; raises ValueError with Go's message."""
    s = text
    neg = s.startswith("-")
    body = s[1:] if s[:1] in "+-" else s
    base = 10
    low = body.lower()
    digits = body
    if low.startswith("0x"):
        base, digits = 16, body[2:]
    elif low.startswith("0b"):
        base, digits = 2, body[2:]
    elif low.startswith("0o"):
        base, digits = 8, body[2:]
    elif body.startswith("0") and len(body) > 1:
        base, digits = 8, body[1:]
    ok = bool(digits) and "__" not in digits and not digits.startswith("_") and not digits.endswith("_")
    if ok and "_" in digits and base == 10 and not (low.startswith(("0x", "0b", "0o"))):
        ok = False
    try:
        value = int(digits.replace("_", ""), base) if ok else None
    except ValueError:
        value = None
    if value is None:
        raise ValueError(f'strconv.ParseInt: parsing "{text}": invalid syntax')
    value = -value if neg else value
    if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
        raise ValueError(f'strconv.ParseInt: parsing "{text}": value out of range')
    return value


def parse_go_duration(text: str) -> float:
    """``time.ParseDuration`` in seconds; raises ValueError with Go's message."""
    s = text
    if s in ("0", "+0", "-0"):
        return 0.0
    sign = 1.0
    if s[:1] in "+-":
        sign = -1.0 if s[0] == "-" else 1.0
        s = s[1:]
    if not s:
        raise ValueError(f'time: invalid duration "{text}"')
    total = 0.0
    pos = 0
    while pos < len(s):
        m = _DURATION.match(s, pos)
        if not m:
            if re.match(r"(\d+(?:\.\d*)?|\.\d+)", s[pos:]):
                unit_m = re.match(r"(\d+(?:\.\d*)?|\.\d+)([^\d.]*)", s[pos:])
                if unit_m and not unit_m.group(2):
                    raise ValueError(f'time: missing unit in duration "{text}"')
                if unit_m:
                    raise ValueError(f'time: unknown unit "{unit_m.group(2)}" in duration "{text}"')
            raise ValueError(f'time: invalid duration "{text}"')
        total += float(m.group(1)) * _DURATION_UNITS[m.group(2)]
        pos = m.end()
    return sign * total


def _split_csv(value: str) -> list[str]:
    """pflag's stringSlice: the value is read as one CSV record."""
    import csv

    if value == "":
        return []
    return next(csv.reader([value]))


@dataclass
class Flag:
    """One pflag flag.  ``type``: bool, string, int, int32, int64, duration, stringArray,
    stringSlice, stringToString."""

    name: str
    shorthand: str = ""
    type: str = "string"
    default: Any = None
    usage: str = ""
    no_opt_default: str | None = None
    deprecated: str = ""
    hidden: bool = False
    persistent: bool = False

    def __post_init__(self):
        if self.type == "bool" and self.no_opt_default is None:
            self.no_opt_default = "true"
        if self.default is None:
            self.default = {"bool": False, "int": 0, "int32": 0, "int64": 0, "duration": 0.0,
                            "stringArray": [], "stringSlice": [], "stringToString": {}}.get(self.type, "")

    @property
    def display(self) -> str:
        return f"-{self.shorthand}, --{self.name}" if self.shorthand else f"--{self.name}"

    def convert(self, value: str, current: Any) -> Any:
        t = self.type
        try:
            if t == "bool":
                if value not in _GO_BOOL:
                    raise ValueError(f'strconv.ParseBool: parsing "{value}": invalid syntax')
                return _GO_BOOL[value]
            if t in ("int", "int64"):
                return parse_go_int(value, 64)
            if t == "int32":
                return parse_go_int(value, 32)
            if t == "duration":
                return parse_go_duration(value)
            if t == "stringArray":
                return list(current) + [value]
            if t == "stringSlice":
                return list(current) + _split_csv(value)
            if t == "stringToString":
                out = dict(current)
                for pair in _split_csv(value):
                    k, sep, v = pair.partition("=")
                    if not sep:
                        raise ValueError(f"{pair} must be formatted as key=value")
                    out[k] = v
                return out
        except ValueError as e:
            raise FlagError(f'invalid argument "{value}" for "{self.display}" flag: {e}') from None
        return value


@dataclass
class ParsedArgs:
    """The result of parsing: flag values (``values[name]``), which ones were given
    (``changed``), positional ``args`` and the position of ``--`` (``-1`` when absent)."""

    values: dict[str, Any]
    changed: set[str]
    args: list[str]
    dash_at: int = -1
    order: list = field(default_factory=list)     # (flag name, raw value) in command-line order
    words: list = field(default_factory=list)     # every non-flag word, sub-command names included

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def given(self, name: str) -> bool:
        return name in self.changed


@dataclass
class Command:
    """A cobra command.  ``run(inv)`` does the work; commands with sub-commands and no ``run``
    print their help."""

    name: str
    short: str = ""
    flags: list[Flag] = field(default_factory=list)
    run: Callable | None = None
    aliases: tuple[str, ...] = ()
    subcommands: list["Command"] = field(default_factory=list)
    parent: "Command | None" = None
    hidden: bool = False
    usage: str = ""
    suggest_for: tuple[str, ...] = ()
    # sub-command groups such as ``rollout`` and ``set`` reject unknown words with kubectl's own
    # message rather than cobra's
    unknown_subcommand_style: str = "kubectl"
    # cobra's SetFlagErrorFunc: turns a FlagError into the CommandError to raise (None: kubectl's
    # default "See '<cmd> --help' for usage.")
    on_flag_error: Callable | None = None

    def add(self, *cmds: "Command") -> "Command":
        for c in cmds:
            c.parent = self
            self.subcommands.append(c)
        return self

    @property
    def path(self) -> str:
        return self.name if self.parent is None else f"{self.parent.path} {self.name}"

    def root(self) -> "Command":
        c = self
        while c.parent is not None:
            c = c.parent
        return c

    def all_flags(self) -> dict[str, Flag]:
        """Local flags plus persistent flags of the ancestors (cobra's merged flag set)."""
        out: dict[str, Flag] = {}
        chain = []
        c: Command | None = self
        while c is not None:
            chain.append(c)
            c = c.parent
        for i, cmd in enumerate(reversed(chain)):
            is_self = i == len(chain) - 1
            for f in cmd.flags:
                if is_self or f.persistent:
                    out[f.name] = f
        out.setdefault("help", Flag("help", "h", "bool", usage="help for " + self.name))
        return out

    def lookup_sub(self, name: str) -> "Command | None":
        for c in self.subcommands:
            if c.name == name or name in c.aliases:
                return c
        return None

    def suggestions_for(self, typed: str) -> list[str]:
        out = []
        for c in self.subcommands:
            if c.hidden:
                continue
            if _levenshtein(typed.lower(), c.name.lower()) <= 2 or c.name.lower().startswith(typed.lower()):
                out.append(c.name)
            for s in c.suggest_for:
                if s.lower() == typed.lower():
                    out.append(c.name)
        return out

    # -- cobra.Command.Find ---------------------------------------------------------------
    def find(self, args: list[str]) -> tuple["Command", list[str]]:
        cmd = self
        rest = list(args)
        while True:
            words = _strip_flags(rest, cmd)
            if not words:
                return cmd, rest
            nxt = cmd.lookup_sub(words[0])
            if nxt is None:
                return cmd, rest
            rest = _args_minus_first(rest, words[0])
            cmd = nxt

    # -- pflag parsing --------------------------------------------------------------------
    def parse(self, args: list[str]) -> ParsedArgs:
        flags = self.all_flags()
        by_short = {f.shorthand: f for f in flags.values() if f.shorthand}
        values = {name: (list(f.default) if isinstance(f.default, list) else
                         dict(f.default) if isinstance(f.default, dict) else f.default)
                  for name, f in flags.items()}
        changed: set[str] = set()
        order: list[tuple[str, str]] = []
        positional: list[str] = []
        dash_at = -1
        i = 0
        while i < len(args):
            a = args[i]
            i += 1
            if a == "--":
                dash_at = len(positional)
                positional.extend(args[i:])
                break
            if a.startswith("--") and len(a) > 2:
                if a[2] in "-=":
                    raise FlagError(f"bad flag syntax: {a}")
                name, eq, value = a[2:].partition("=")
                f = flags.get(name) or flags.get(name.replace("_", "-"))
                if f is None:
                    raise FlagError(f"unknown flag: --{name}")
                if eq:
                    pass
                elif f.no_opt_default is not None:
                    value = f.no_opt_default
                elif i < len(args):
                    value = args[i]
                    i += 1
                else:
                    raise FlagError(f"flag needs an argument: {a}")
                values[f.name] = f.convert(value, values[f.name])
                changed.add(f.name)
                order.append((f.name, value))
                continue
            if a.startswith("-") and len(a) > 1 and not a.startswith("--"):
                shorts = a[1:]
                while shorts:
                    c = shorts[0]
                    f = by_short.get(c)
                    if f is None:
                        raise FlagError(f"unknown shorthand flag: '{c}' in -{shorts}")
                    if len(shorts) > 2 and shorts[1] == "=":
                        value = shorts[2:]
                        shorts = ""
                    elif f.no_opt_default is not None:
                        value = f.no_opt_default
                        shorts = shorts[1:]
                    elif len(shorts) > 1:
                        value = shorts[1:]
                        shorts = ""
                    elif i < len(args):
                        value = args[i]
                        i += 1
                        shorts = ""
                    else:
                        raise FlagError(f"flag needs an argument: '{c}' in -{shorts}")
                    values[f.name] = f.convert(value, values[f.name])
                    changed.add(f.name)
                    order.append((f.name, value))
                continue
            positional.append(a)
        return ParsedArgs(values, changed, positional, dash_at, order)


def _has_no_opt_default(name: str, flags: dict[str, Flag]) -> bool:
    f = flags.get(name)
    return f is not None and f.no_opt_default is not None


def _strip_flags(args: list[str], cmd: Command) -> list[str]:
    """cobra's ``stripFlags``: the non-flag words, skipping the values of non-boolean flags."""
    flags = cmd.all_flags()
    by_short = {f.shorthand: f for f in flags.values() if f.shorthand}
    words = []
    rest = list(args)
    while rest:
        s = rest.pop(0)
        if s == "--":
            break
        if s.startswith("--") and "=" not in s and not _has_no_opt_default(s[2:], flags):
            if len(rest) <= 1:
                break
            rest.pop(0)
            continue
        if s.startswith("-") and "=" not in s and len(s) == 2 and not (
                s[1:] in by_short and by_short[s[1:]].no_opt_default is not None):
            if len(rest) <= 1:
                break
            rest.pop(0)
            continue
        if s and not s.startswith("-"):
            words.append(s)
    return words


def _args_minus_first(args: list[str], word: str) -> list[str]:
    """cobra's ``argsMinusFirstX``: drop the first occurrence of the sub-command word (not a
    flag's value)."""
    out = list(args)
    for i, a in enumerate(out):
        if a == word:
            return out[:i] + out[i + 1:]
    return out


def _levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def split_command_line(line: str) -> list[str]:
    """Split a command line as a POSIX shell would (quotes, backslashes); a leading ``kubectl``
    word is dropped.  Unbalanced quotes raise CommandError."""
    try:
        words = shlex.split(line, posix=True)
    except ValueError as e:
        raise CommandError(f"error: cannot parse the command line: {e}") from None
    if words and words[0] == "kubectl":
        words = words[1:]
    return words
