"""resource.Quantity: parsing, canonical strings, rounding, arithmetic, upstream quirks."""
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kube_lab.api.quantity import (
    BINARY_SI, DECIMAL_EXPONENT, DECIMAL_SI, ERR_FORMAT_WRONG, ERR_NUMERIC, ERR_SUFFIX, MICRO, MILLI, NANO,
    Quantity, QuantityError, canonical, format_quantity, parse_quantity, quantity_from_json,
)

REGEX_MSG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"


def test_error_texts_are_upstreams():
    assert ERR_FORMAT_WRONG == REGEX_MSG
    assert ERR_NUMERIC == "unable to parse numeric part of quantity"
    assert ERR_SUFFIX == "unable to parse quantity's suffix"


@pytest.mark.parametrize("text,expected", [
    # from the brief and upstream's TestQuantityString / TestQuantityParseEmit
    ("1.5", "1500m"), ("1.5Gi", "1536Mi"), ("0.5", "500m"), ("1000m", "1"), ("2e3", "2e3"),
    ("100Ki", "100Ki"), ("1E", "1E"), ("0.1", "100m"), ("-1.5", "-1500m"), ("500m", "500m"),
    ("1Ki", "1Ki"), ("1024Mi", "1Gi"), ("1000M", "1G"), (".001Ki", "1024m"), (".000001Ki", "1024u"),
    (".000000001Ki", "1024n"), (".000000000001Ki", "2n"), ("-1024Mi", "-1Gi"), ("0.5Mi", "512Ki"),
    ("1e2", "100"), ("1.5e3", "1500"), ("1.1e5", "110e3"), ("1e-3", "1e-3"), ("0.001e0", "1e-3"),
    ("1000e-12", "1e-9"), (".001e12", "1e9"), ("1080n", "1080n"), ("1.08", "1080m"), ("1025", "1025"),
    ("1234567M", "1234567M"), ("307200Ki", "300Mi"), ("0.001T", "1G"), ("6Ki", "6Ki"),
    ("0", "0"), ("00", "0"), ("0Ki", "0"), ("-0", "0"), (".", "0"), ("-", "0"),
    # rounding up to nano
    ("0.0000000001", "1n"), ("3.001n", "4n"), ("1.1E-9", "2e-9"), ("0.00000012345", "124n"),
    # BinarySI below 1 switches to DecimalSI; above 2^63-1 it is capped
    ("0.000000000001Ki", "2n"), ("9Ei", "9223372036854775807"), ("1.0001Ki", "1024102400u"),
    # already-canonical input is kept verbatim, like upstream's cached string
    ("1E3", "1E3"), ("+1", "+1"), ("007", "007"), ("1.G", "1.G"), ("+1Ki", "+1Ki"),
    # upstream 1.32 drops DecimalSI suffixes above E (kubernetes/kubernetes#141249)
    ("1000E", "1"), ("1e21", "1e21"),
])
def test_canonical(text, expected):
    assert canonical(text) == expected


@pytest.mark.parametrize("text,message", [
    ("", REGEX_MSG), ("1.1.M", REGEX_MSG), ("1+1.0M", REGEX_MSG), ("0.1am", REGEX_MSG), ("aoeu", REGEX_MSG),
    (" 1", REGEX_MSG), ("1 ", REGEX_MSG), ("1x", REGEX_MSG), ("1Gix", REGEX_MSG),
    ("0.1mi", ERR_SUFFIX), (".5i", ERR_SUFFIX), ("1i", ERR_SUFFIX), ("-3.01i", ERR_SUFFIX), ("-3.01e-", ERR_SUFFIX),
    ("1e", ERR_SUFFIX), ("1KiB", REGEX_MSG), ("1kk", ERR_SUFFIX),
    (".e-10", ERR_NUMERIC),
])
def test_parse_errors(text, message):
    with pytest.raises(QuantityError) as e:
        parse_quantity(text)
    assert e.value.message == message


@pytest.mark.parametrize("text,fmt", [
    ("1", DECIMAL_SI), ("1k", DECIMAL_SI), ("1Ki", BINARY_SI), ("1e3", DECIMAL_EXPONENT), ("1E-3", DECIMAL_EXPONENT),
    ("0.5Ki", BINARY_SI), ("0.000000000001Ki", DECIMAL_SI), ("0", DECIMAL_SI),
])
def test_format_is_remembered(text, fmt):
    assert parse_quantity(text).format == fmt


@pytest.mark.parametrize("text,value,milli", [
    ("1", 1, 1000), ("1.5", 2, 1500), ("1001m", 2, 1001), ("1m", 1, 1), ("0.1m", 1, 1), ("5k", 5000, 5000000),
    ("1Gi", 1 << 30, 1000 << 30), ("1n", 1, 1), ("0", 0, 0),
    # int64 path: negative fractions round away from zero
    ("-1.5", -2, -1500), ("-1m", -1, -1),
    # inf.Dec path (fractional binary, or beyond nano): upstream truncates then adds one
    ("-0.3Ki", -306, -307200), ("0.3Ki", 308, 307200), ("-0.0000000001", 1, 1),
    # overflowing int64 path returns 0
    ("1e2000000000", 0, 0),
])
def test_value_and_milli_value(text, value, milli):
    q = parse_quantity(text)
    assert q.value() == value
    assert q.milli_value() == milli


@pytest.mark.parametrize("from_scale,to_scale,expected", [
    (NANO, NANO, 1), (NANO, MICRO, 1), (NANO, MILLI, 1), (NANO, 0, 1), (MICRO, NANO, 1000), (MICRO, MILLI, 1),
    (MILLI, NANO, 1000 * 1000), (MILLI, MICRO, 1000), (0, NANO, 10 ** 9), (0, MILLI, 1000), (2, -2, 100 * 100),
])
def test_scaled_value(from_scale, to_scale, expected):
    assert Quantity.from_scaled(1, from_scale).scaled_value(to_scale) == expected


def test_as_int64():
    assert parse_quantity("5k").as_int64() == 5000
    assert parse_quantity("5").as_int64() == 5
    assert parse_quantity("500m").as_int64() is None
    assert parse_quantity("0.5Ki").as_int64() is None  # arbitrary-precision representation
    assert parse_quantity("1e2000000000").as_int64() is None


def test_constructors_and_formats():
    assert str(Quantity.from_int(5)) == "5"
    assert str(Quantity.from_int(2048, BINARY_SI)) == "2Ki"
    assert str(Quantity.from_int(5, BINARY_SI)) == "5"
    assert str(Quantity.from_milli(1500)) == "1500m"
    assert str(Quantity.from_milli(500, BINARY_SI)) == "500m"
    assert str(Quantity.from_scaled(3, 3)) == "3k"
    assert str(Quantity.from_int(1000000000, DECIMAL_EXPONENT)) == "1e9"
    with pytest.raises(ValueError):
        Quantity.from_int(1 << 63)


def test_arithmetic():
    q = parse_quantity("1Gi") + parse_quantity("512Mi")
    assert str(q) == "1536Mi" and q.format == BINARY_SI
    assert str(parse_quantity("1") - parse_quantity("1500m")) == "-500m"
    assert str(parse_quantity("100m") + parse_quantity("1")) == "1100m"
    # a zero left operand takes the right operand's format
    assert str(Quantity.from_int(0) + parse_quantity("2Ki")) == "2Ki"
    assert str(Quantity.from_int(0) - parse_quantity("2Ki")) == "-2Ki"
    assert str(parse_quantity("10") + parse_quantity("1Ki")) == "1034"
    assert str(-parse_quantity("9.01")) == "-9010m"
    # overflow of the int64 path falls back to exact arithmetic
    big = Quantity.from_int((1 << 63) - 1) + Quantity.from_int(1)
    assert big.to_fraction() == 1 << 63 and str(big) == "9223372036854775808"
    assert (parse_quantity("0.5Ki") + parse_quantity("1m")).to_fraction() == Fraction(512001, 1000)


def test_arithmetic_resets_cached_text():
    q = parse_quantity("+1")
    assert str(q) == "+1"
    assert str(q + Quantity.from_int(0)) == "1"
    assert str(-(-q)) == "1"


def test_round_up():
    q, exact = parse_quantity("9.01").round_up(-1)
    assert str(q) == "9100m" and not exact
    q, exact = parse_quantity("-9.01").round_up(0)
    assert str(q) == "-10" and not exact
    q, exact = parse_quantity("9.01").round_up(-3)
    assert str(q) == "9010m" and exact
    q, exact = parse_quantity("0.5Ki").round_up(2)
    assert q.to_fraction() == 600 and not exact


def test_comparisons_and_hash():
    assert parse_quantity("500m") == parse_quantity("0.5")
    assert hash(parse_quantity("500m")) == hash(parse_quantity("0.5")) == hash(parse_quantity("5e-1"))
    assert parse_quantity("1Gi") > parse_quantity("999Mi") > parse_quantity("1G") > parse_quantity("953Mi")
    assert parse_quantity("-1") < parse_quantity("0") < parse_quantity("1n")
    assert parse_quantity("1e2000000000") > parse_quantity("9Ei")
    assert parse_quantity("-1e2000000000") < parse_quantity("-9Ei")
    assert [str(q) for q in sorted(parse_quantity(x) for x in ["1Gi", "1G", "953Mi", "100m"])] == [
        "100m", "953Mi", "1G", "1Gi"]
    assert parse_quantity("1k").cmp(parse_quantity("1000")) == 0
    assert parse_quantity("1k").cmp_int(999) == 1


def test_format_quantity_and_json():
    assert format_quantity(parse_quantity("1.5Gi")) == "1536Mi"
    assert str(quantity_from_json(" 100m ")) == "100m"
    assert str(quantity_from_json(2)) == "2"
    assert str(quantity_from_json(0.5)) == "500m"
    with pytest.raises(QuantityError):
        quantity_from_json(True)


# ------------------------------------------------------------------------------------------
# properties

_DEC_MULT = {"n": Fraction(1, 10 ** 9), "u": Fraction(1, 10 ** 6), "m": Fraction(1, 1000), "": 1, "k": 10 ** 3,
             "M": 10 ** 6, "G": 10 ** 9, "T": 10 ** 12, "P": 10 ** 15, "E": 10 ** 18}
_BIN_MULT = {"Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "Pi": 2 ** 50, "Ei": 2 ** 60}


def _round_up_nano(x: Fraction) -> Fraction:
    scaled = x * 10 ** 9
    n = -((-abs(scaled)) // 1)  # ceil of the magnitude: rounding away from zero
    return Fraction(n if x >= 0 else -n, 10 ** 9)


@st.composite
def _quantity_text(draw):
    sign = draw(st.sampled_from(["", "-", "+"]))
    whole = draw(st.integers(0, 10 ** 12))
    frac = draw(st.one_of(st.just(""), st.from_regex(r"[0-9]{1,12}", fullmatch=True)))
    kind = draw(st.sampled_from(["dec", "bin", "exp"]))
    if kind == "dec":
        suffix = draw(st.sampled_from(sorted(_DEC_MULT)))
        mult = Fraction(_DEC_MULT[suffix])
    elif kind == "bin":
        suffix = draw(st.sampled_from(sorted(_BIN_MULT)))
        mult = Fraction(_BIN_MULT[suffix])
    else:
        e = draw(st.integers(-20, 30))
        suffix = draw(st.sampled_from(["e", "E"])) + str(e)
        mult = Fraction(10) ** e
    text = sign + str(whole) + ("." + frac if frac else "") + suffix
    exact = (whole + (Fraction(int(frac), 10 ** len(frac)) if frac else 0)) * mult
    if sign == "-":
        exact = -exact
    expected = _round_up_nano(exact)
    if kind == "bin" and abs(expected) > (1 << 63) - 1:
        expected = (1 << 63) - 1 if expected > 0 else -((1 << 63) - 1)
    return text, expected


@settings(max_examples=500, deadline=None)
@given(_quantity_text())
def test_parse_value_and_roundtrip(case):
    text, expected = case
    q = parse_quantity(text)
    assert q.to_fraction() == expected
    if q.format == DECIMAL_SI and expected != 0 and expected % 10 ** 21 == 0:
        # upstream 1.32 prints these without a suffix (kubernetes/kubernetes#141249): no round trip
        assert str(q).lstrip("-+").isdigit()
        return
    again = parse_quantity(str(q))
    assert again == q
    assert again.to_fraction() == expected
    assert str(again) == str(parse_quantity(str(again)))  # canonical form is a fixed point
    if 0 <= expected <= 10 ** 15:  # positive values: both upstream paths compute a plain ceiling
        assert q.milli_value() == -((-expected * 1000) // 1)
        assert q.value() == -((-expected) // 1)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(-(1 << 40), 1 << 40), st.integers(-10, 10)), min_size=1, max_size=20))
def test_add_then_sub_cancels(items):
    total = Quantity.from_int(0)
    for value, scale in items:
        total = total + Quantity.from_scaled(value, scale)
    assert total.to_fraction() == sum(Fraction(v) * Fraction(10) ** s for v, s in items)
    for value, scale in items:
        total = total - Quantity.from_scaled(value, scale)
    assert total.is_zero() and str(total) == "0"
