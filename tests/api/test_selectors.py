"""Label selectors: parsing, canonical strings, matching and upstream's exact error texts."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kube_lab.api import selectors as sel
from kube_lab.api.errors import StatusError
from kube_lab.api.names import is_qualified_name, is_valid_label_value

KEY_MSG = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
           "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
           "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
             "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
             "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")


# ------------------------------------------------------------------------------------------
# canonical strings


@pytest.mark.parametrize("text,canonical", [
    ("app=web,tier in (fe,be),!canary", "app=web,!canary,tier in (be,fe)"),
    ("x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()"),
    ("a==b", "a==b"),
    ("a!=b", "a!=b"),
    ("a", "a"),
    ("!a", "!a"),
    ("a>1", "a>1"),
    ("a<10", "a<10"),
    ("a notin (x)", "a notin (x)"),
    ("a in (b,a,b)", "a in (a,b)"),
    ("  a\t=\nb , c  ", "a=b,c"),
    ("a=", "a="),
    ("a in (in,notin)", "a in (in,notin)"),
    ("in=in", "in=in"),
    ("b=1,a=2", "a=2,b=1"),
    ("example.com/x=1", "example.com/x=1"),
    ("", ""),
])
def test_parse_canonical_string(text, canonical):
    assert str(sel.parse(text)) == canonical


def test_parse_keeps_operator_kinds():
    s = sel.parse("a=1,b==2,c!=3,d in (4),e notin (5),f,!g,h>6,i<7")
    assert [(r.key, r.operator, r.values) for r in s.requirements] == [
        ("a", "=", ("1",)), ("b", "==", ("2",)), ("c", "!=", ("3",)), ("d", "in", ("4",)),
        ("e", "notin", ("5",)), ("f", "exists", ()), ("g", "!", ()), ("h", "gt", ("6",)), ("i", "lt", ("7",)),
    ]


def test_empty_selector_is_everything():
    s = sel.parse("")
    assert s.empty and s.matches({}) and s.matches(None) and s.matches({"a": "b"})


# ------------------------------------------------------------------------------------------
# matching


@pytest.mark.parametrize("text,labels,expected", [
    ("a=b", {"a": "b"}, True),
    ("a=b", {"a": "c"}, False),
    ("a=b", {}, False),
    ("a=b", None, False),
    ("a=", {"a": ""}, True),
    ("a=", {}, False),
    ("a!=b", {}, True),
    ("a!=b", {"a": "b"}, False),
    ("a!=b", {"a": "c"}, True),
    ("a in (x,y)", {"a": "y"}, True),
    ("a in (x,y)", {"a": "z"}, False),
    ("a in (x,y)", {}, False),
    ("a notin (x,y)", {}, True),
    ("a notin (x,y)", {"a": "x"}, False),
    ("a notin (x,y)", {"a": "z"}, True),
    ("a", {"a": ""}, True),
    ("a", {"b": "a"}, False),
    ("!a", {}, True),
    ("!a", {"a": "x"}, False),
    ("a>5", {"a": "6"}, True),
    ("a>5", {"a": "5"}, False),
    ("a>5", {"a": "x"}, False),
    ("a>5", {}, False),
    ("a<5", {"a": "-7"}, True),
    ("a<5", {"a": "+4"}, True),
    ("a<5", {"a": "1_0"}, False),           # ParseInt base 10 rejects underscores
    ("a<5", {"a": "99999999999999999999"}, False),  # out of int64 range
    ("a=b,c in (d)", {"a": "b", "c": "d"}, True),
    ("a=b,c in (d)", {"a": "b", "c": "e"}, False),
    ("a=b,!c", {"a": "b", "c": "d"}, False),
])
def test_matches(text, labels, expected):
    assert sel.parse(text).matches(labels) is expected


def test_requirement_matches_directly():
    r = sel.new_requirement("tier", sel.IN, ["fe", "be"])
    assert r.matches({"tier": "be"}) and not r.matches({"tier": "db"}) and not r.matches(None)


def test_requires_exact_match():
    s = sel.parse("a=1,b in (2),c in (3,4),d!=5")
    assert s.requires_exact_match("a") == "1"
    assert s.requires_exact_match("b") == "2"
    assert s.requires_exact_match("c") is None
    assert s.requires_exact_match("d") is None
    assert s.requires_exact_match("zz") is None


def test_selector_from_set_sorted_and_unvalidated():
    s = sel.selector_from_set({"tier": "fe", "app": "web", "bad key!": "x"})
    assert str(s) == "app=web,bad key!=x,tier=fe"
    assert s.matches({"app": "web", "tier": "fe", "bad key!": "x"})
    assert not s.matches({"app": "web", "tier": "fe"})
    assert sel.selector_from_set({}).empty and sel.selector_from_set(None).empty


def test_validated_selector_from_set_rejects_bad_key():
    with pytest.raises(sel.SelectorError) as e:
        sel.validated_selector_from_set({"-x": "1"})
    assert e.value.message == 'key: Invalid value: "-x": ' + KEY_MSG


def test_add_sorts_and_nothing_stays_nothing():
    s = sel.parse("b=1").add(sel.new_requirement("a", sel.EXISTS, []))
    assert str(s) == "a,b=1"
    assert sel.NOTHING.add(sel.new_requirement("a", sel.EXISTS, [])) is sel.NOTHING


# ------------------------------------------------------------------------------------------
# parse errors (labels.Parse texts)


@pytest.mark.parametrize("text,message", [
    ("a in", "unable to parse requirement: found '' expected: '('"),
    ("a in x", "unable to parse requirement: found 'x' expected: '('"),
    ("a in (", "unable to parse requirement: found '', expected: ',', ')' or identifier"),
    ("a in (x", "unable to parse requirement: found '', expected: ',' or ')'"),
    ("a in (x y)", "unable to parse requirement: found 'y', expected: ',' or ')'"),
    ("a in (x,=)", "unable to parse requirement: found '=', expected: ',', or identifier"),
    (",a", "found ',', expected: !, identifier, or 'end of string'"),
    ("=a", "found '=', expected: !, identifier, or 'end of string'"),
    ("a,", "found '', expected: identifier after ','"),
    ("a,,b", "found ',', expected: identifier after ','"),
    ("!", "unable to parse requirement: found '', expected: identifier"),
    ("!=a", "found '!=', expected: !, identifier, or 'end of string'"),
    ("!!a", "unable to parse requirement: found '!', expected: identifier"),
    ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
    ("a=(", "unable to parse requirement: found '(', expected: identifier"),
    ("a=b=c", "found '=', expected: ',' or 'end of string'"),
    ("!a=b", "found '=', expected: ',' or 'end of string'"),
    ("a=b c", "found 'c', expected: ',' or 'end of string'"),
    ("a>b", "unable to parse requirement: values[0]: Invalid value: \"b\": "
            "for 'Gt', 'Lt' operators, the value must be an integer"),
    ("a<", "unable to parse requirement: values[0]: Invalid value: \"\": "
           "for 'Gt', 'Lt' operators, the value must be an integer"),
    ("-x", "unable to parse requirement: <nil>: Invalid value: \"-x\": " + KEY_MSG),
    ("tier in (-x)", "unable to parse requirement: values[0][tier]: Invalid value: \"-x\": " + VALUE_MSG),
    ("a=-x", "unable to parse requirement: values[0][a]: Invalid value: \"-x\": " + VALUE_MSG),
    ("a in (ok,-y,-x)", "unable to parse requirement: [values[0][a]: Invalid value: \"-x\": " + VALUE_MSG
     + ", values[1][a]: Invalid value: \"-y\": " + VALUE_MSG + "]"),
    ("a/b/c", "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist of "
              "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character "
              "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
              "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' "
              "(e.g. 'example.com/MyName')"),
])
def test_parse_errors(text, message):
    with pytest.raises(sel.SelectorError) as e:
        sel.parse(text)
    assert e.value.message == message


def test_parse_selector_is_a_bad_request():
    with pytest.raises(StatusError) as e:
        sel.parse_selector("app in")
    assert e.value.code == 400
    assert e.value.reason == "BadRequest"
    assert e.value.message == "unable to parse requirement: found '' expected: '('"
    assert str(sel.parse_selector("app = web")) == "app=web"


def test_long_value_reports_both_problems():
    with pytest.raises(sel.SelectorError) as e:
        sel.parse("a=" + "x" * 63 + "-")
    assert e.value.message.startswith(
        'unable to parse requirement: values[0][a]: Invalid value: "' + "x" * 63 + '-": '
        "must be no more than 63 characters; a valid label must be")


# ------------------------------------------------------------------------------------------
# metav1.LabelSelector


def test_from_label_selector_nil_and_empty():
    assert sel.from_label_selector(None) is sel.NOTHING
    assert not sel.NOTHING.matches({}) and not sel.NOTHING.matches({"a": "b"})
    assert not sel.NOTHING.empty and str(sel.NOTHING) == ""
    everything = sel.from_label_selector({})
    assert everything.empty and everything.matches({"x": "y"})
    assert sel.from_label_selector({"matchLabels": {}, "matchExpressions": []}).empty


def test_from_label_selector_combines_and_sorts():
    s = sel.from_label_selector({
        "matchLabels": {"tier": "fe", "app": "web"},
        "matchExpressions": [
            {"key": "env", "operator": "In", "values": ["prod", "dev"]},
            {"key": "canary", "operator": "DoesNotExist"},
            {"key": "zone", "operator": "NotIn", "values": ["b"]},
            {"key": "gpu", "operator": "Exists"},
        ],
    })
    assert str(s) == "app=web,!canary,env in (dev,prod),gpu,tier=fe,zone notin (b)"
    assert s.matches({"app": "web", "tier": "fe", "env": "dev", "gpu": "1"})
    assert not s.matches({"app": "web", "tier": "fe", "env": "dev", "gpu": "1", "canary": "y"})
    assert not s.matches({"app": "web", "tier": "fe", "env": "dev", "gpu": "1", "zone": "b"})
    assert s.requirements[2].values == ("prod", "dev")  # kept unsorted, printed sorted


@pytest.mark.parametrize("ls,message", [
    ({"matchExpressions": [{"key": "a", "operator": "Equals", "values": ["x"]}]},
     '"Equals" is not a valid label selector operator'),
    ({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]},
     'values: Invalid value: []string{"x"}: values set must be empty for exists and does not exist'),
    ({"matchExpressions": [{"key": "a", "operator": "In", "values": []}]},
     "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"),
    ({"matchExpressions": [{"key": "a", "operator": "NotIn"}]},
     "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"),
    ({"matchLabels": {"-x": "1"}}, 'key: Invalid value: "-x": ' + KEY_MSG),
    ({"matchLabels": {"a": "-1"}}, 'values[0][a]: Invalid value: "-1": ' + VALUE_MSG),
])
def test_from_label_selector_errors(ls, message):
    with pytest.raises(sel.SelectorError) as e:
        sel.from_label_selector(ls)
    assert e.value.message == message


def test_validate_label_selector_field_errors():
    errs = sel.validate_label_selector({
        "matchLabels": {"app": "-bad"},
        "matchExpressions": [
            {"key": "a", "operator": "In"},
            {"key": "b", "operator": "Exists", "values": ["x"]},
            {"key": "c", "operator": "Foo"},
        ],
    }, "spec.selector")
    assert [str(e) for e in errs] == [
        'spec.selector.matchLabels: Invalid value: "-bad": ' + VALUE_MSG,
        "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
        "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
        'spec.selector.matchExpressions[2].operator: Invalid value: "Foo": not a valid selector operator',
    ]


def test_new_requirement_unknown_operator():
    with pytest.raises(sel.SelectorError) as e:
        sel.new_requirement("a", "like", ["x"])
    assert e.value.message == ('operator: Unsupported value: "like": supported values: "in", "notin", "=", '
                               '"==", "!=", "gt", "lt", "exists", "!"')


# ------------------------------------------------------------------------------------------
# property: canonical string round-trips and matches identically

_name = st.from_regex(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,8}[A-Za-z0-9])?", fullmatch=True)
_prefix = st.from_regex(r"[a-z0-9]([-a-z0-9]{0,5}[a-z0-9])?(\.[a-z0-9]{1,4})?", fullmatch=True)
_key = st.one_of(_name, st.builds(lambda p, n: f"{p}/{n}", _prefix, _name)).filter(lambda k: not is_qualified_name(k))
_value = st.one_of(st.just(""), _name).filter(lambda v: not is_valid_label_value(v))
_KEYS = ["app", "tier", "example.com/role", "in", "x"]


@st.composite
def _requirement(draw):
    key = draw(st.one_of(st.sampled_from(_KEYS), _key))
    op = draw(st.sampled_from(sel.VALID_REQUIREMENT_OPERATORS))
    if op in (sel.IN, sel.NOT_IN):
        values = draw(st.lists(_value, min_size=1, max_size=4, unique=True))
    elif op in (sel.EQUALS, sel.DOUBLE_EQUALS, sel.NOT_EQUALS):
        values = [draw(_value)]
    elif op in (sel.GREATER_THAN, sel.LESS_THAN):
        values = [str(draw(st.integers(min_value=0, max_value=10 ** 6)))]
    else:
        values = []
    return sel.new_requirement(key, op, values)


def _oracle(req, labels):
    """Independent statement of upstream's Requirement.Matches."""
    has = req.key in labels
    v = labels.get(req.key)
    if req.operator in ("=", "==", "in"):
        return has and v in req.values
    if req.operator in ("!=", "notin"):
        return not has or v not in req.values
    if req.operator == "exists":
        return has
    if req.operator == "!":
        return not has
    try:
        n = int(v) if has and v.strip() == v and "_" not in v else None
    except ValueError:
        n = None
    if n is None:
        return False
    bound = int(req.values[0])
    return n > bound if req.operator == "gt" else n < bound


_labels = st.dictionaries(st.sampled_from(_KEYS), st.one_of(_value, st.integers(-5, 2 * 10 ** 6).map(str)), max_size=5)


@settings(max_examples=300, deadline=None)
@given(st.lists(_requirement(), max_size=5), st.lists(_labels, min_size=1, max_size=6))
def test_roundtrip_and_matching_property(reqs, label_sets):
    built = sel.Selector(reqs)
    text = str(built)
    reparsed = sel.parse(text)
    assert str(reparsed) == text
    for labels in label_sets:
        expected = all(_oracle(r, labels) for r in reqs)
        assert built.matches(labels) is expected
        assert reparsed.matches(labels) is expected
