"""Label selectors, as k8s.io/apimachinery/pkg/labels (Kubernetes 1.32).

Two ways in:

* the query-string syntax (``?labelSelector=`` and ``kubectl -l``), parsed by :func:`parse` with
  upstream's lexer and recursive-descent parser, so errors read exactly like the API server's;
  :func:`parse_selector` wraps a failure in the ``400 BadRequest`` the API server returns;
* the structured ``metav1.LabelSelector`` (``matchLabels`` / ``matchExpressions``) used in object
  specs, converted by :func:`from_label_selector` like ``metav1.LabelSelectorAsSelector``:
  ``None`` selects **nothing**, ``{}`` (no labels, no expressions) selects **everything**.

A :class:`Selector` is immutable and compiled once: ``matches`` is a specialised closure (a single
``key=value`` selector costs one dict lookup), because the watch cache runs it for every watcher on
every write. ``str(selector)`` is upstream's canonical ``String()``: requirements sorted by key,
``in``/``notin`` value lists sorted, e.g. ``app=web,tier in (be,fe),!canary``.

Deviations, all about determinism: Go visits ``matchLabels`` in random map order and sorts with an
unstable sort; here map keys are visited sorted and the sort is stable (this only matters for which
of several errors is reported first, and for the order of two requirements on the same key).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Callable, Iterable, Mapping

from kube_lab.api import errors
from kube_lab.api.errors import FieldError, aggregate_message, go_quote
from kube_lab.api.names import is_qualified_name, is_valid_label_value, validate_labels

# selection.Operator values
DOES_NOT_EXIST = "!"
EQUALS = "="
DOUBLE_EQUALS = "=="
IN = "in"
NOT_EQUALS = "!="
NOT_IN = "notin"
EXISTS = "exists"
GREATER_THAN = "gt"
LESS_THAN = "lt"

UNARY_OPERATORS = [EXISTS, DOES_NOT_EXIST]
BINARY_OPERATORS = [IN, NOT_IN, EQUALS, DOUBLE_EQUALS, NOT_EQUALS, GREATER_THAN, LESS_THAN]
VALID_REQUIREMENT_OPERATORS = BINARY_OPERATORS + UNARY_OPERATORS

# metav1.LabelSelectorOperator -> selection.Operator
LABEL_SELECTOR_OPERATORS = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": DOES_NOT_EXIST}


class SelectorError(ValueError):
    """A selector that upstream would reject; ``message`` is upstream's error text."""

    def __init__(self, message: str, field_errors: list[FieldError] | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = list(field_errors or [])


class _NilSlice:
    """Shows as Go's ``%#v`` of a nil ``[]string`` inside field errors."""

    def __str__(self) -> str:
        return "[]string(nil)"


_NIL = _NilSlice()


def go_parse_int64(s: str) -> int | None:
    """``strconv.ParseInt(s, 10, 64)``: optional sign, ASCII digits only, int64 range; else None."""
    body = s[1:] if s[:1] in ("+", "-") else s
    if not body or not body.isascii() or not body.isdigit():
        return None
    n = int(s)
    if -(1 << 63) <= n < (1 << 63):
        return n
    return None


# --------------------------------------------------------------------------------------------
# Requirement


def _child(path: str | None, name: str) -> str:
    return name if path is None else f"{path}.{name}"


def _key_error(key: str, field: str) -> FieldError | None:
    msgs = is_qualified_name(key)
    return errors.invalid_value(field, key, "; ".join(msgs)) if msgs else None


def _value_error(key: str, value: str, field: str) -> FieldError | None:
    msgs = is_valid_label_value(value)
    return errors.invalid_value(f"{field}[{key}]", value, "; ".join(msgs)) if msgs else None


class Requirement:
    """One ``key <op> values`` term. Build with :func:`new_requirement` (validated)."""

    __slots__ = ("key", "operator", "values", "_vset", "_int", "_str")

    def __init__(self, key: str, operator: str, values: Iterable[str] = ()):
        self.key = key
        self.operator = operator
        self.values = tuple(values)  # as given (parsed selectors hand them over sorted, deduplicated)
        self._vset = frozenset(self.values)
        self._int = go_parse_int64(self.values[0]) if len(self.values) == 1 else None
        self._str: str | None = None

    def compile(self) -> Callable[[Mapping[str, str]], bool]:
        """A predicate over a labels mapping (never None) implementing ``Requirement.Matches``."""
        key, op = self.key, self.operator
        if op in (IN, EQUALS, DOUBLE_EQUALS):
            if len(self._vset) == 1:
                (only,) = self._vset
                return lambda labels: labels.get(key) == only
            vset = self._vset
            return lambda labels: labels.get(key) in vset
        if op in (NOT_IN, NOT_EQUALS):
            if len(self._vset) == 1:
                (only,) = self._vset
                return lambda labels: labels.get(key) != only
            vset = self._vset
            return lambda labels: labels.get(key) not in vset
        if op == EXISTS:
            return lambda labels: key in labels
        if op == DOES_NOT_EXIST:
            return lambda labels: key not in labels
        if op in (GREATER_THAN, LESS_THAN):
            bound = self._int
            if bound is None:  # more or fewer than one value, or not an integer: never matches
                return lambda labels: False
            greater = op == GREATER_THAN

            def compare(labels: Mapping[str, str]) -> bool:
                raw = labels.get(key)
                if raw is None:
                    return False
                have = go_parse_int64(raw)
                if have is None:
                    return False
                return have > bound if greater else have < bound
            return compare
        return lambda labels: False

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        return self.compile()(labels or {})

    def __str__(self) -> str:
        if self._str is None:
            self._str = self._render()
        return self._str

    def _render(self) -> str:
        op = self.operator
        head = ("!" if op == DOES_NOT_EXIST else "") + self.key
        if op in (EXISTS, DOES_NOT_EXIST):
            return head
        sep = {EQUALS: "=", DOUBLE_EQUALS: "==", NOT_EQUALS: "!=", IN: " in ", NOT_IN: " notin ",
               GREATER_THAN: ">", LESS_THAN: "<"}.get(op, "")
        vals = self.values[0] if len(self.values) == 1 else ",".join(sorted(self.values))
        if op in (IN, NOT_IN):
            vals = f"({vals})"
        return head + sep + vals

    def __repr__(self) -> str:
        return f"Requirement({self.key!r}, {self.operator!r}, {list(self.values)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Requirement):
            return NotImplemented
        return (self.key, self.operator, self.values) == (other.key, other.operator, other.values)

    def __hash__(self) -> int:
        return hash((self.key, self.operator, self.values))


def requirement_errors(key: str, operator: str, values: Iterable[str] | None,
                       path: str | None = None) -> list[FieldError]:
    """The field errors ``labels.NewRequirement`` reports, in upstream order.

    ``values=None`` stands for a nil Go slice (shown as ``[]string(nil)``).
    """
    vals = list(values) if values is not None else []
    shown = list(values) if values is not None else _NIL
    errs: list[FieldError] = []
    e = _key_error(key, _child(path, "key"))
    if e:
        errs.append(e)
    vpath = _child(path, "values")
    if operator in (IN, NOT_IN):
        if not vals:
            errs.append(errors.invalid_value(vpath, shown, "for 'in', 'notin' operators, values set can't be empty"))
    elif operator in (EQUALS, DOUBLE_EQUALS, NOT_EQUALS):
        if len(vals) != 1:
            errs.append(errors.invalid_value(vpath, shown, "exact-match compatibility requires one single value"))
    elif operator in (EXISTS, DOES_NOT_EXIST):
        if vals:
            errs.append(errors.invalid_value(vpath, shown, "values set must be empty for exists and does not exist"))
    elif operator in (GREATER_THAN, LESS_THAN):
        if len(vals) != 1:
            errs.append(errors.invalid_value(vpath, shown, "for 'Gt', 'Lt' operators, exactly one value is required"))
        for i, v in enumerate(vals):
            if go_parse_int64(v) is None:
                errs.append(errors.invalid_value(f"{vpath}[{i}]", v, "for 'Gt', 'Lt' operators, the value must be an integer"))
    else:
        errs.append(errors.not_supported(_child(path, "operator"), operator, VALID_REQUIREMENT_OPERATORS))
    for i, v in enumerate(vals):
        e = _value_error(key, v, f"{vpath}[{i}]")
        if e:
            errs.append(e)
    return errs


def new_requirement(key: str, operator: str, values: Iterable[str] | None = (),
                    path: str | None = None) -> Requirement:
    """``labels.NewRequirement``: validate and build, or raise :class:`SelectorError`."""
    vals = list(values) if values is not None else None
    errs = requirement_errors(key, operator, vals, path)
    if errs:
        raise SelectorError(aggregate_message(errs), errs)
    return Requirement(key, operator, vals or ())


# --------------------------------------------------------------------------------------------
# Selector


def _by_key(reqs: Iterable[Requirement]) -> tuple[Requirement, ...]:
    return tuple(sorted(reqs, key=lambda r: r.key))


class Selector:
    """An immutable, precompiled label selector (AND of requirements).

    ``matches(labels)`` is bound per instance to the fastest closure for its shape.
    """

    __slots__ = ("requirements", "nothing", "matches", "_str")

    def __init__(self, requirements: Iterable[Requirement] = (), *, nothing: bool = False, _sorted: bool = False):
        reqs = tuple(requirements)
        self.requirements: tuple[Requirement, ...] = reqs if _sorted else _by_key(reqs)
        self.nothing = nothing
        self._str: str | None = None
        self.matches: Callable[[Mapping[str, str] | None], bool] = self._build_matcher()

    def _build_matcher(self) -> Callable[[Mapping[str, str] | None], bool]:
        if self.nothing:
            return lambda labels: False
        if not self.requirements:
            return lambda labels: True
        eq: list[tuple[str, str]] = []
        preds: list[Callable[[Mapping[str, str]], bool]] = []
        for r in self.requirements:
            if r.operator in (EQUALS, DOUBLE_EQUALS, IN) and len(r._vset) == 1:
                eq.append((r.key, next(iter(r._vset))))
            else:
                preds.append(r.compile())
        if len(eq) == 1 and not preds:
            (k, v), = eq

            def match_one(labels: Mapping[str, str] | None) -> bool:
                return labels is not None and labels.get(k) == v
            return match_one
        eq_t, preds_t = tuple(eq), tuple(preds)

        def match(labels: Mapping[str, str] | None) -> bool:
            if labels is None:
                labels = {}
            get = labels.get
            for k, v in eq_t:
                if get(k) != v:
                    return False
            for p in preds_t:
                if not p(labels):
                    return False
            return True
        return match

    @property
    def empty(self) -> bool:
        """True when the selector does not restrict anything (``Everything``); False for ``Nothing``."""
        return not self.nothing and not self.requirements

    def add(self, *reqs: Requirement) -> "Selector":
        """A copy with more requirements (``Nothing`` stays ``Nothing``)."""
        if self.nothing:
            return self
        return Selector(self.requirements + tuple(reqs))

    def requires_exact_match(self, label: str) -> str | None:
        """``RequiresExactMatch``: the value the first requirement on ``label`` pins, if it pins one."""
        for r in self.requirements:
            if r.key == label:
                if r.operator in (EQUALS, DOUBLE_EQUALS, IN) and len(r.values) == 1:
                    return r.values[0]
                return None
        return None

    def __str__(self) -> str:
        if self._str is None:
            self._str = "" if self.nothing else ",".join(str(r) for r in self.requirements)
        return self._str

    def __repr__(self) -> str:
        if self.nothing:
            return "Selector(<nothing>)"
        return f"Selector({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Selector):
            return NotImplemented
        return (self.nothing, self.requirements) == (other.nothing, other.requirements)

    def __hash__(self) -> int:
        return hash((self.nothing, self.requirements))


EVERYTHING = Selector()
NOTHING = Selector(nothing=True)


def everything() -> Selector:
    return EVERYTHING


def nothing() -> Selector:
    return NOTHING


def selector_from_set(labels: Mapping[str, str] | None) -> Selector:
    """``SelectorFromSet``: ``k=v`` for every entry, unvalidated; empty or None selects everything."""
    if not labels:
        return EVERYTHING
    return Selector(Requirement(k, EQUALS, (v,)) for k, v in labels.items())


def validated_selector_from_set(labels: Mapping[str, str] | None) -> Selector:
    """``ValidatedSelectorFromSet``: like :func:`selector_from_set` but each entry is validated."""
    if not labels:
        return EVERYTHING
    return Selector(new_requirement(k, EQUALS, [labels[k]]) for k in sorted(labels))


# --------------------------------------------------------------------------------------------
# Lexer and parser for the string syntax

_ERROR, _EOS, _CLOSE, _COMMA, _NOT, _DEQ, _EQ, _GT, _IDENT, _IN, _LT, _NEQ, _NOTIN, _OPEN = range(14)

_STRING_TO_TOKEN = {
    ")": _CLOSE, ",": _COMMA, "!": _NOT, "==": _DEQ, "=": _EQ, ">": _GT, "in": _IN,
    "<": _LT, "!=": _NEQ, "notin": _NOTIN, "(": _OPEN,
}
_SPECIAL = frozenset("=!(),><")
_WHITESPACE = frozenset(" \t\r\n")


def _lex(s: str) -> list[tuple[int, str]]:
    """Upstream's byte-at-a-time lexer. A NUL character reads as end of input, as in Go."""
    items: list[tuple[int, str]] = []
    pos, n = 0, len(s)

    def read() -> str:
        nonlocal pos
        if pos < n:
            ch = s[pos]
            pos += 1
            return ch
        return "\0"

    while True:
        ch = read()
        while ch in _WHITESPACE:
            ch = read()
        if ch == "\0":
            items.append((_EOS, ""))
            return items
        pos -= 1
        if ch in _SPECIAL:
            buf = ""
            last: tuple[int, str] | None = None
            while True:
                c = read()
                if c == "\0":
                    break
                if c in _SPECIAL:
                    buf += c
                    tok = _STRING_TO_TOKEN.get(buf)
                    if tok is not None:
                        last = (tok, buf)
                    elif last is not None:
                        pos -= 1
                        break
                else:
                    pos -= 1
                    break
            items.append(last if last is not None else (_ERROR, f"error expected: keyword found '{buf}'"))
        else:
            chars: list[str] = []
            while True:
                c = read()
                if c == "\0":  # end of input, or a NUL that is swallowed as a separator
                    break
                if c in _SPECIAL or c in _WHITESPACE:
                    pos -= 1
                    break
                chars.append(c)
            word = "".join(chars)
            tok = _STRING_TO_TOKEN.get(word)
            items.append((tok, word) if tok is not None else (_IDENT, word))


_KEY_AND_OPERATOR, _VALUES = 0, 1


class _Parser:
    def __init__(self, text: str, path: str | None):
        self.items = _lex(text)
        self.pos = 0
        self.path = path

    def lookahead(self, ctx: int) -> tuple[int, str]:
        tok, lit = self.items[self.pos]
        if ctx == _VALUES and tok in (_IN, _NOTIN):
            tok = _IDENT
        return tok, lit

    def consume(self, ctx: int) -> tuple[int, str]:
        tok, lit = self.items[self.pos]
        self.pos += 1
        if ctx == _VALUES and tok in (_IN, _NOTIN):
            tok = _IDENT
        return tok, lit

    def parse(self) -> list[Requirement]:
        reqs: list[Requirement] = []
        while True:
            tok, lit = self.lookahead(_VALUES)
            if tok in (_IDENT, _NOT):
                try:
                    reqs.append(self.parse_requirement())
                except SelectorError as e:
                    raise SelectorError(f"unable to parse requirement: {e.message}", e.field_errors) from None
                t, l = self.consume(_VALUES)
                if t == _EOS:
                    return reqs
                if t == _COMMA:
                    t2, l2 = self.lookahead(_VALUES)
                    if t2 not in (_IDENT, _NOT):
                        raise SelectorError(f"found '{l2}', expected: identifier after ','")
                else:
                    raise SelectorError(f"found '{l}', expected: ',' or 'end of string'")
            elif tok == _EOS:
                return reqs
            else:
                raise SelectorError(f"found '{lit}', expected: !, identifier, or 'end of string'")

    def parse_requirement(self) -> Requirement:
        key, op = self.parse_key_and_infer_operator()
        if op in (EXISTS, DOES_NOT_EXIST):
            return new_requirement(key, op, [], self.path)
        op = self.parse_operator()
        if op in (IN, NOT_IN):
            values = self.parse_values()
        else:
            values = self.parse_exact_value()
        return new_requirement(key, op, sorted(values), self.path)

    def parse_key_and_infer_operator(self) -> tuple[str, str]:
        op = ""
        tok, lit = self.consume(_VALUES)
        if tok == _NOT:
            op = DOES_NOT_EXIST
            tok, lit = self.consume(_VALUES)
        if tok != _IDENT:
            raise SelectorError(f"found '{lit}', expected: identifier")
        msgs = is_qualified_name(lit)
        if msgs:
            err = errors.invalid_value("<nil>" if self.path is None else self.path, lit, "; ".join(msgs))
            raise SelectorError(str(err), [err])
        t, _ = self.lookahead(_VALUES)
        if t in (_EOS, _COMMA) and op != DOES_NOT_EXIST:
            op = EXISTS
        return lit, op

    def parse_operator(self) -> str:
        tok, lit = self.consume(_KEY_AND_OPERATOR)
        op = {_IN: IN, _EQ: EQUALS, _DEQ: DOUBLE_EQUALS, _GT: GREATER_THAN, _LT: LESS_THAN,
              _NOTIN: NOT_IN, _NEQ: NOT_EQUALS}.get(tok)
        if op is None:
            raise SelectorError(f"found '{lit}', expected: {', '.join(BINARY_OPERATORS)}")
        return op

    def parse_values(self) -> set[str]:
        tok, lit = self.consume(_VALUES)
        if tok != _OPEN:
            raise SelectorError(f"found '{lit}' expected: '('")
        tok, lit = self.lookahead(_VALUES)
        if tok in (_IDENT, _COMMA):
            values = self.parse_identifiers_list()
            tok, _ = self.consume(_VALUES)
            if tok != _CLOSE:
                raise SelectorError(f"found '{lit}', expected: ')'")
            return values
        if tok == _CLOSE:  # "()" is the set holding the empty string
            self.consume(_VALUES)
            return {""}
        raise SelectorError(f"found '{lit}', expected: ',', ')' or identifier")

    def parse_identifiers_list(self) -> set[str]:
        values: set[str] = set()
        while True:
            tok, lit = self.consume(_VALUES)
            if tok == _IDENT:
                values.add(lit)
                tok2, lit2 = self.lookahead(_VALUES)
                if tok2 == _COMMA:
                    continue
                if tok2 == _CLOSE:
                    return values
                raise SelectorError(f"found '{lit2}', expected: ',' or ')'")
            if tok == _COMMA:  # empty members: "(,a", "a,)", "a,,b"
                if not values:
                    values.add("")
                tok2, _ = self.lookahead(_VALUES)
                if tok2 == _CLOSE:
                    values.add("")
                    return values
                if tok2 == _COMMA:
                    self.consume(_VALUES)
                    values.add("")
                continue
            raise SelectorError(f"found '{lit}', expected: ',', or identifier")

    def parse_exact_value(self) -> set[str]:
        tok, _ = self.lookahead(_VALUES)
        if tok in (_EOS, _COMMA):
            return {""}
        tok, lit = self.consume(_VALUES)
        if tok == _IDENT:
            return {lit}
        raise SelectorError(f"found '{lit}', expected: identifier")


@lru_cache(maxsize=2048)
def _parse_cached(text: str) -> Selector:
    return Selector(_Parser(text, None).parse())


def parse(text: str, path: str | None = None) -> Selector:
    """``labels.Parse``: the string syntax, or :class:`SelectorError` with upstream's message.

    Grammar: comma-separated requirements, each ``[!]KEY``, ``KEY (=|==|!=) VALUE``,
    ``KEY (in|notin) (V1,V2,...)`` or ``KEY (>|<) INTEGER``; spaces, tabs, CR and LF separate tokens.
    ``path`` is upstream's ``field.WithPath`` option (it only changes error texts).
    """
    if path is None:
        return _parse_cached(text)
    return Selector(_Parser(text, path).parse())


def parse_selector(text: str) -> Selector:
    """Parse a ``labelSelector`` query parameter; failures are the API server's 400 BadRequest.

    The API server decodes the parameter with ``labels.Parse`` and answers ``NewBadRequest(err.Error())``,
    so the message is the parser's own text, e.g. ``unable to parse requirement: found '', expected: '('``.
    """
    try:
        return parse(text)
    except SelectorError as e:
        raise errors.bad_request(e.message) from None


# --------------------------------------------------------------------------------------------
# metav1.LabelSelector


def from_label_selector(ls: Mapping | None) -> Selector:
    """``metav1.LabelSelectorAsSelector``.

    ``None`` -> :data:`NOTHING` (matches no object); a selector with no ``matchLabels`` and no
    ``matchExpressions`` -> :data:`EVERYTHING`. Otherwise every ``matchLabels`` entry becomes ``k=v``
    and every expression ``In``/``NotIn``/``Exists``/``DoesNotExist`` becomes the same requirement;
    an unknown operator raises ``"<op>" is not a valid label selector operator`` and bad keys or
    values raise ``NewRequirement``'s field errors (as :class:`SelectorError`).
    """
    if ls is None:
        return NOTHING
    match_labels = ls.get("matchLabels") or {}
    exprs = ls.get("matchExpressions") or []
    if len(match_labels) + len(exprs) == 0:
        return EVERYTHING
    reqs: list[Requirement] = []
    for k in sorted(match_labels):
        reqs.append(new_requirement(k, EQUALS, [match_labels[k]]))
    for expr in exprs:
        raw_op = expr.get("operator", "")
        op = LABEL_SELECTOR_OPERATORS.get(raw_op)
        if op is None:
            raise SelectorError(f"{go_quote(str(raw_op))} is not a valid label selector operator")
        values = expr.get("values")
        reqs.append(new_requirement(expr.get("key", ""), op, list(values) if values else None))
    return Selector(reqs)


def validate_label_selector(ls: Mapping | None, path: str, allow_invalid_label_value: bool = False,
                            allow_unknown_operator: bool = False) -> list[FieldError]:
    """metav1 validation ``ValidateLabelSelector`` (what object validation reports for a selector)."""
    errs: list[FieldError] = []
    if ls is None:
        return errs
    errs.extend(validate_labels(ls.get("matchLabels"), f"{path}.matchLabels"))
    for i, expr in enumerate(ls.get("matchExpressions") or []):
        epath = f"{path}.matchExpressions[{i}]"
        op = expr.get("operator", "")
        values = expr.get("values") or []
        if op in ("In", "NotIn"):
            if not values:
                errs.append(errors.required(f"{epath}.values", "must be specified when `operator` is 'In' or 'NotIn'"))
        elif op in ("Exists", "DoesNotExist"):
            if values:
                errs.append(errors.forbidden_field(f"{epath}.values",
                                                   "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
        elif not allow_unknown_operator:
            errs.append(errors.invalid_value(f"{epath}.operator", op, "not a valid selector operator"))
        key = expr.get("key", "")
        for msg in is_qualified_name(key):
            errs.append(errors.invalid_value(f"{epath}.key", key, msg))
        if not allow_invalid_label_value:
            for j, v in enumerate(values):
                for msg in is_valid_label_value(v):
                    errs.append(errors.invalid_value(f"{epath}.values[{j}]", v, msg))
    return errs
