"""``resource.Quantity``: exact fixed-point quantities (``500m``, ``1Gi``, ``2e3``), as
k8s.io/apimachinery/pkg/api/resource (Kubernetes 1.32). No float ever holds a value.

Grammar: an optional sign, digits with an optional decimal point, then a suffix: binary SI
(``Ki Mi Gi Ti Pi Ei``), decimal SI (``n u m "" k M G T P E``) or a decimal exponent (``e3``, ``E-6``).
A quantity remembers which of the three *formats* it was written in and is printed back in that
family in canonical form: no fractional digits, the largest exponent that loses nothing
(``1.5`` -> ``1500m``, ``1.5Gi`` -> ``1536Mi``, ``1000m`` -> ``1``, ``0.5`` -> ``500m``). Values are
rounded *up* to a multiple of 1n when parsed, and binary-SI values are capped at 2^63-1.

Upstream keeps two internal representations, an int64 mantissa with a base-10 scale ("fast path")
and an arbitrary-precision ``inf.Dec``; which one a quantity uses is visible in a few places, all
reproduced here:

* ``str()`` of a parsed value that is already canonical is the *input text itself* (so ``"1E3"``
  stays ``"1E3"``, ``"+1"`` stays ``"+1"``, ``"007"`` stays ``"007"``) until arithmetic changes it;
* :meth:`Quantity.value` / :meth:`Quantity.scaled_value` round a negative fraction away from zero on
  the int64 path but *toward +inf, then +1 if inexact* on the ``inf.Dec`` path for small scales
  (``-1.5`` -> ``-2``, but ``-0.3Ki`` (= -307.2) -> ``-306``), and overflow to 0 (int64 path) or wrap
  (Dec path) instead of failing;
* a DecimalSI value above ``999E`` prints without its suffix (``1000E`` -> ``"1"``) and a BinarySI
  value above ``Ei`` likewise (upstream bug kubernetes/kubernetes#141249, still present in 1.32).

Deviation: computations that would need a power of ten with more than 100,000 digits (an exponent
like ``e200000`` combined with the arbitrary-precision path) raise instead of grinding on as Go does.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any

DECIMAL_EXPONENT = "DecimalExponent"  # 12e6
BINARY_SI = "BinarySI"                # 12Mi
DECIMAL_SI = "DecimalSI"              # 12M

SPLIT_RE_STRING = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
ERR_FORMAT_WRONG = "quantities must match the regular expression '" + SPLIT_RE_STRING + "'"
ERR_NUMERIC = "unable to parse numeric part of quantity"
ERR_SUFFIX = "unable to parse quantity's suffix"

# Scales (Quantity.scaled_value): value is reported in units of 10^scale
NANO, MICRO, MILLI, KILO, MEGA, GIGA, TERA, PETA, EXA = -9, -6, -3, 3, 6, 9, 12, 15, 18

_I64_MAX = (1 << 63) - 1
_I64_MIN = -(1 << 63)
_MAX_SHIFT = 100_000
_DIGITS = frozenset("0123456789")
_SUFFIX_CHARS = frozenset("eEinumkKMGTP")

_DEC_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BIN_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DEC_BY_EXP = {e: s for s, e in _DEC_SUFFIXES.items()}
_BIN_BY_EXP = {e: s for s, e in _BIN_SUFFIXES.items()}


class QuantityError(ValueError):
    """A string that is not a quantity; ``message`` is upstream's error text."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --------------------------------------------------------------------------------------------
# int64 helpers (Go semantics)


def _in_i64(v: int) -> bool:
    return _I64_MIN <= v <= _I64_MAX


def _wrap64(v: int) -> int:
    """Two's-complement truncation to int64, as Go integer overflow and ``big.Int.Int64`` do."""
    v &= (1 << 64) - 1
    return v - (1 << 64) if v >> 63 else v


def _tdiv(a: int, b: int) -> tuple[int, int]:
    """Go's truncating ``a / b`` and ``a % b``."""
    q = abs(a) // abs(b)
    if (a < 0) != (b < 0):
        q = -q
    return q, a - q * b


def _pow10(k: int) -> int:
    if k > _MAX_SHIFT:
        raise OverflowError(f"quantity scale difference of {k} digits is too large to compute exactly")
    return 10 ** k


def _positive_scale(base: int, scale: int) -> int | None:
    """``positiveScaleInt64``: base * 10^scale, or None on int64 overflow."""
    if base == 0:
        return 0
    if scale > 19:
        return None
    v = base * 10 ** scale
    return v if _in_i64(v) else None


def _negative_scale(base: int, scale: int) -> tuple[int, bool]:
    """``negativeScaleInt64``: base / 10^scale rounded away from zero; (result, exact)."""
    if scale == 0:
        return base, True
    value = base
    fraction = False
    for _ in range(scale):
        q, r = _tdiv(value, 10)
        if not fraction and r != 0:
            fraction = True
        value = q
        if value == 0:
            if fraction:
                return (1 if base > 0 else -1), False
            return 0, True
    if fraction:
        value = value + 1 if base > 0 else value - 1
    return value, not fraction


def _strip10(u: int) -> tuple[int, int]:
    """Move factors of ten out of u: (u', times) with u == u' * 10^times."""
    if u == 0:
        return 0, 0
    times = 0
    s = str(abs(u))
    stripped = s.rstrip("0")
    times = len(s) - len(stripped)
    return (int(stripped) if u > 0 else -int(stripped)), times


def _digits(u: int) -> int:
    return len(str(abs(u)))


def _cmp_dec(u1: int, sc1: int, u2: int, sc2: int) -> int:
    """Exact comparison of u1*10^-sc1 and u2*10^-sc2 without building huge powers of ten."""
    s1 = (u1 > 0) - (u1 < 0)
    s2 = (u2 > 0) - (u2 < 0)
    if s1 != s2:
        return 1 if s1 > s2 else -1
    if s1 == 0:
        return 0
    if sc1 == sc2:
        return (u1 > u2) - (u1 < u2)
    m1 = _digits(u1) - sc1
    m2 = _digits(u2) - sc2
    if m1 != m2:
        return s1 if m1 > m2 else -s1
    if sc1 > sc2:
        a, b = u1, u2 * 10 ** (sc1 - sc2)
    else:
        a, b = u1 * 10 ** (sc2 - sc1), u2
    return (a > b) - (a < b)


# --------------------------------------------------------------------------------------------
# Quantity


class Quantity:
    """An immutable quantity. Value = ``unscaled * 10**-scale``; see the module doc for upstream quirks.

    Build with :func:`parse_quantity`, :meth:`from_int`, :meth:`from_milli` or :meth:`from_scaled`.
    Comparison operators and ``==`` compare values (not formats); ``+``/``-`` follow upstream's
    ``Add``/``Sub`` (the result keeps the left operand's format unless the left operand is zero).
    """

    __slots__ = ("_u", "_sc", "_dec", "format", "_s")

    def __init__(self, unscaled: int = 0, scale: int = 0, format: str = DECIMAL_SI, *,
                 _dec: bool = True, _s: str | None = None):
        # scale here is inf.Dec's: value = unscaled * 10^-scale
        self._u = unscaled
        self._sc = scale
        self._dec = _dec
        self.format = format
        self._s = _s

    # -- constructors (NewQuantity, NewMilliQuantity, NewScaledQuantity)

    @classmethod
    def from_int(cls, value: int, format: str = DECIMAL_SI) -> "Quantity":
        return cls._int64(value, 0, format)

    @classmethod
    def from_milli(cls, value: int, format: str = DECIMAL_SI) -> "Quantity":
        return cls._int64(value, MILLI, format)

    @classmethod
    def from_scaled(cls, value: int, scale: int) -> "Quantity":
        """``value * 10^scale`` in DecimalSI."""
        return cls._int64(value, scale, DECIMAL_SI)

    @classmethod
    def _int64(cls, value: int, scale: int, format: str) -> "Quantity":
        if not _in_i64(value):
            raise ValueError(f"{value} does not fit in an int64")
        return cls(value, -scale, format, _dec=False)

    # -- inspection

    def is_zero(self) -> bool:
        return self._u == 0

    def sign(self) -> int:
        return (self._u > 0) - (self._u < 0)

    def cmp(self, other: "Quantity") -> int:
        return _cmp_dec(self._u, self._sc, other._u, other._sc)

    def cmp_int(self, value: int) -> int:
        return _cmp_dec(self._u, self._sc, value, 0)

    def to_fraction(self) -> Fraction:
        """The exact value (beware of astronomically large exponents)."""
        if self._sc >= 0:
            return Fraction(self._u, _pow10(self._sc))
        return Fraction(self._u * _pow10(-self._sc))

    def as_int64(self) -> int | None:
        """``AsInt64``: the value when the int64 representation holds it exactly at scale 0, else None."""
        if self._dec:
            return None
        scale = -self._sc
        if scale == 0:
            return self._u
        if scale < 0:
            return None
        return _positive_scale(self._u, scale)

    def scaled_value(self, scale: int) -> int:
        """``ScaledValue``: the value in units of 10^scale, rounded up (see module doc for the details)."""
        if not self._dec:
            a_scale = -self._sc
            if a_scale < scale:
                result, _ = _negative_scale(self._u, scale - a_scale)
                return result
            v = _positive_scale(self._u, a_scale - scale)
            return 0 if v is None else v
        # inf.Dec path: scaledValue(unscaled, scale, newScale)
        new_scale = -scale
        dif = self._sc - new_scale
        if dif == 0:
            return _wrap64(self._u)
        if dif < 0:
            factor = 10 ** (-dif) if -dif <= 18 else _I64_MIN  # int64(math.Pow10(n)) saturates on amd64
            return _wrap64(_wrap64(self._u) * factor)
        if self._u < _I64_MAX and dif < 19:
            q, r = _tdiv(_wrap64(self._u), 10 ** dif)
            return q + 1 if r != 0 else q
        q, r = divmod(self._u, _pow10(dif))  # big.Int DivMod is Euclidean: floor for a positive divisor
        return _wrap64(q + 1 if r else q)

    def value(self) -> int:
        """``Value``: the value rounded up to an integer."""
        return self.scaled_value(0)

    def milli_value(self) -> int:
        """``MilliValue``: ceil(value * 1000) (may overflow like upstream's)."""
        return self.scaled_value(MILLI)

    # -- arithmetic

    def round_up(self, scale: int) -> tuple["Quantity", bool]:
        """``RoundUp``: the value rounded away from zero to a multiple of 10^scale, and whether it was exact."""
        if not self._dec:
            a_scale = -self._sc
            if a_scale >= scale:
                return self, True
            v, exact = _negative_scale(self._u, scale - a_scale)
            return Quantity(v, -scale, self.format, _dec=False), exact
        u, sc = _round_dec(self._u, self._sc, -scale)
        return Quantity(u, sc, self.format), _cmp_dec(u, sc, self._u, self._sc) == 0

    def __neg__(self) -> "Quantity":
        u = _wrap64(-self._u) if not self._dec else -self._u
        return Quantity(u, self._sc, self.format, _dec=self._dec)

    def add(self, y: "Quantity") -> "Quantity":
        fmt = self.format
        if not self._dec and not y._dec:
            if self._u == 0:
                fmt = y.format
            r = _int64_add(self._u, -self._sc, y._u, -y._sc)
            if r is not None:
                return Quantity(r[0], -r[1], fmt, _dec=False)
        elif self._u == 0:
            fmt = y.format
        u, sc = _dec_add(self._u, self._sc, y._u, y._sc)
        return Quantity(u, sc, fmt)

    def sub(self, y: "Quantity") -> "Quantity":
        fmt = y.format if self._u == 0 else self.format
        if not self._dec and not y._dec:
            r = _int64_add(self._u, -self._sc, _wrap64(-y._u), -y._sc)
            if r is not None:
                return Quantity(r[0], -r[1], fmt, _dec=False)
        u, sc = _dec_add(self._u, self._sc, -y._u, y._sc)
        return Quantity(u, sc, fmt)

    __add__ = add
    __sub__ = sub

    # -- formatting

    def canonicalize(self) -> tuple[str, str]:
        """``CanonicalizeBytes``: (number, suffix) of the canonical form, ignoring any cached text."""
        if self._u == 0:
            return "0", ""
        fmt = self.format
        rounded: tuple[int, int] | None = None
        if fmt == BINARY_SI:
            if self.cmp_int(-1024) > 0 and self.cmp_int(1024) < 0:
                fmt = DECIMAL_SI
            else:
                q, exact = self.round_up(0)
                if not exact:
                    fmt = DECIMAL_SI
                else:
                    rounded = (q._u * _pow10(-q._sc), 0) if q._sc < 0 else (q._u, q._sc)
        elif fmt != DECIMAL_SI:
            fmt = DECIMAL_EXPONENT
        if fmt != BINARY_SI:
            mantissa, times = _strip10(self._u)
            exponent = times - self._sc
            shift = exponent % 3  # Go walks down to the next lower multiple of three
            mantissa *= 10 ** shift
            exponent -= shift
            if fmt == DECIMAL_SI:
                suffix = _DEC_BY_EXP.get(exponent, "")  # upstream drops unknown suffixes (see module doc)
            else:
                suffix = "" if exponent == 0 else f"e{exponent}"
            return str(mantissa), suffix
        assert rounded is not None
        value = rounded[0] // 10 ** rounded[1] if rounded[1] else rounded[0]
        k = 0
        while value != 0 and value % 1024 == 0:
            value //= 1024
            k += 1
        return str(value), _BIN_BY_EXP.get(10 * k, "")

    def __str__(self) -> str:
        if self._s is None:
            number, suffix = self.canonicalize()
            self._s = number + suffix
        return self._s

    def __repr__(self) -> str:
        return f"Quantity({str(self)!r}, {self.format})"

    # -- comparisons

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Quantity):
            return NotImplemented
        return self.cmp(other) == 0

    def __lt__(self, other: "Quantity") -> bool:
        return self.cmp(other) < 0

    def __le__(self, other: "Quantity") -> bool:
        return self.cmp(other) <= 0

    def __gt__(self, other: "Quantity") -> bool:
        return self.cmp(other) > 0

    def __ge__(self, other: "Quantity") -> bool:
        return self.cmp(other) >= 0

    def __hash__(self) -> int:
        mantissa, times = _strip10(self._u)
        return hash((mantissa, times - self._sc if mantissa else 0))


def _round_dec(u: int, sc: int, new_sc: int) -> tuple[int, int]:
    """inf.Dec ``Round(x, new_sc, RoundUp)``: result has exactly scale ``new_sc``, rounded away from 0."""
    if sc <= new_sc:
        return u * _pow10(new_sc - sc), new_sc
    d = _pow10(sc - new_sc)
    q, r = divmod(abs(u), d)
    if r:
        q += 1
    return (q if u >= 0 else -q), new_sc


def _dec_add(u1: int, sc1: int, u2: int, sc2: int) -> tuple[int, int]:
    """inf.Dec addition: the result carries the larger scale."""
    if sc1 == sc2:
        return u1 + u2, sc1
    if sc1 > sc2:
        return u1 + u2 * _pow10(sc1 - sc2), sc1
    return u1 * _pow10(sc2 - sc1) + u2, sc2


def _int64_add(av: int, ascale: int, bv: int, bscale: int) -> tuple[int, int] | None:
    """``int64Amount.Add`` on (value, scale) pairs (scale as in int64Amount); None on overflow."""
    if bv == 0:
        return av, ascale
    if av == 0:
        return bv, bscale
    if ascale == bscale:
        c = av + bv
        return (c, ascale) if _in_i64(c) else None
    if ascale > bscale:
        c = _positive_scale(av, ascale - bscale)
        if c is None or not _in_i64(c + bv):
            return None
        return c + bv, bscale
    c = _positive_scale(bv, bscale - ascale)
    if c is None or not _in_i64(av + c):
        return None
    return av + c, ascale


# --------------------------------------------------------------------------------------------
# Parsing


def _scan(s: str) -> tuple[bool, str, str, str, str]:
    """``parseQuantityString``: (positive, value, num, denom, suffix) or ERR_FORMAT_WRONG."""
    positive = True
    pos, end = 0, len(s)
    if pos < end:
        if s[0] == "-":
            positive = False
            pos += 1
        elif s[0] == "+":
            pos += 1
    i = pos
    while True:  # leading zeros
        if i >= end:
            return positive, "0", "0", "", ""
        if s[i] == "0":
            pos += 1
            i += 1
        else:
            break
    i = pos
    while True:  # numerator
        if i >= end:
            return positive, s, s[pos:end], "", ""
        if s[i] in _DIGITS:
            i += 1
        else:
            num = s[pos:i]
            pos = i
            break
    if not num:
        num = "0"
    denom = ""
    if pos < end and s[pos] == ".":
        pos += 1
        i = pos
        while True:
            if i >= end:
                return positive, s, num, s[pos:end], ""
            if s[i] in _DIGITS:
                i += 1
            else:
                denom = s[pos:i]
                pos = i
                break
    value = s[:pos]
    suffix_start = pos
    i = pos
    while True:
        if i >= end:
            return positive, value, num, denom, s[suffix_start:end]
        if s[i] not in _SUFFIX_CHARS:
            pos = i
            break
        i += 1
    if pos < end and s[pos] in "-+":
        pos += 1
    i = pos
    while True:
        if i >= end:
            return positive, value, num, denom, s[suffix_start:end]
        if s[i] in _DIGITS:
            i += 1
        else:
            break
    raise QuantityError(ERR_FORMAT_WRONG)


def _interpret(suffix: str) -> tuple[int, int, str] | None:
    """(base, exponent, format) for a suffix, or None."""
    e = _DEC_SUFFIXES.get(suffix)
    if e is not None:
        return 10, e, DECIMAL_SI
    e = _BIN_SUFFIXES.get(suffix)
    if e is not None:
        return 2, e, BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE":
        parsed = _parse_int64(suffix[1:])
        if parsed is None:
            return None
        return 10, _wrap32(parsed), DECIMAL_EXPONENT
    return None


def _parse_int64(s: str) -> int | None:
    """``strconv.ParseInt(s, 10, 64)``: optional sign, ASCII digits, int64 range; else None."""
    body = s[1:] if s[:1] in ("+", "-") else s
    if not body or not body.isascii() or not body.isdigit():
        return None
    n = int(s)
    return n if _in_i64(n) else None


def _wrap32(v: int) -> int:
    v &= (1 << 32) - 1
    return v - (1 << 32) if v >> 31 else v


def parse_quantity(s: str) -> Quantity:
    """``ParseQuantity``; raises :class:`QuantityError` with upstream's message."""
    if not s:
        raise QuantityError(ERR_FORMAT_WRONG)
    if s == "0":
        return Quantity(0, 0, DECIMAL_SI, _dec=False, _s="0")
    positive, value, num, denom, suf = _scan(s)
    interp = _interpret(suf)
    if interp is None:
        raise QuantityError(ERR_SUFFIX)
    base, exponent, fmt = interp

    precision = 0
    scale = 0
    mantissa = 1
    if fmt in (DECIMAL_EXPONENT, DECIMAL_SI):
        scale = exponent
        precision = 18 - (len(num) + len(denom))
    elif exponent >= 0 and not denom:
        mantissa = 1 << exponent
        precision = 15 - len(num) - (exponent * 3) // 10 - 1
    else:
        precision = -1

    if precision >= 0:
        scale -= len(denom)
        if scale >= NANO:
            shifted = num + denom
            digits = int(shifted)
            result = digits * mantissa
            if _in_i64(result):
                if not positive:
                    result = -result
                cached = None
                if fmt == BINARY_SI:
                    if exponent % 10 == 0 and digits & 0x07 != 0:
                        cached = s
                elif scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0":
                    cached = s
                return Quantity(result, -scale, fmt, _dec=False, _s=cached)

    # arbitrary-precision path
    body = value[1:] if value[:1] in "+-" else value
    int_part, _, frac_part = body.partition(".")
    if not (int_part + frac_part):
        raise QuantityError(ERR_NUMERIC)
    u = int(int_part + frac_part)
    if value[:1] == "-":
        u = -u
    sc = len(frac_part)
    if base == 10:
        sc -= exponent
    else:
        u <<= exponent
    if abs(sc - 9) > _MAX_SHIFT:
        raise QuantityError(ERR_NUMERIC)
    negative = u < 0
    u = abs(u)
    if u != 0:
        u, sc = _round_dec(u, sc, 9)
    if fmt == BINARY_SI and _cmp_dec(u, sc, _I64_MAX, 0) > 0:
        u, sc = _I64_MAX, 0
    if fmt == BINARY_SI and _cmp_dec(u, sc, 1, 0) < 0 and u > 0:
        fmt = DECIMAL_SI
    if negative:
        u = -u
    return Quantity(u, sc, fmt)


def format_quantity(q: Quantity) -> str:
    """Upstream's ``String()`` (the canonical form, or the cached input text)."""
    return str(q)


def canonical(s: str) -> str:
    """``ParseQuantity(s).String()``: what the API server stores and returns for ``s``."""
    return str(parse_quantity(s))


def must_parse(s: str) -> Quantity:
    return parse_quantity(s)


def quantity_from_json(v: Any) -> Quantity:
    """``UnmarshalJSON``: a JSON string (surrounding whitespace trimmed) or a JSON number."""
    if isinstance(v, bool) or v is None:
        raise QuantityError(ERR_FORMAT_WRONG)
    if isinstance(v, int):
        return parse_quantity(str(v))
    if isinstance(v, float):
        return parse_quantity(repr(v))
    return parse_quantity(str(v).strip())


ZERO = Quantity(0, 0, DECIMAL_SI, _dec=False)
