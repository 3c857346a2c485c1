"""kubectl's printers: sigs.k8s.io/yaml output, JSON, JSONPath (client-go util/jsonpath), Go
templates, custom columns, the tab writer, and Go's unstable sort order."""
from __future__ import annotations

import random

import pytest

from kube_lab.kubectl.gosort import go_sort
from kube_lab.kubectl.parser import CommandError
from kube_lab.kubectl.printers import CustomColumnsPrinter, printer_for
from kube_lab.kubectl.printers import goyaml, jsonprinter
from kube_lab.kubectl.printers.gotemplate import Template
from kube_lab.kubectl.printers.jsonpath import JSONPath, JSONPathError, relaxed
from kube_lab.kubectl.printers.tabwriter import TabWriter

POD = {"apiVersion": "v1", "kind": "Pod",
       "metadata": {"name": "web", "labels": {"app": "web", "tier": "fe"}},
       "spec": {"containers": [{"name": "a", "image": "nginx"}, {"name": "b", "image": "busybox"}]},
       "status": {"phase": "Running", "podIP": "10.244.1.2"}}
LIST = {"apiVersion": "v1", "kind": "List", "items": [POD, {**POD, "metadata": {"name": "db", "labels": {"app": "db"}},
                                                       "status": {"phase": "Pending"}}]}


def test_yaml_is_sigs_k8s_yaml():
    doc = {"b": ["x", {"k": 1}], "a": {"y": "y", "t": "true", "n": "123", "e": "", "nul": None, "f": 1.5,
                                       "big": 1e21, "ml": "line1\nline2", "mlt": "a\n", "sp": " lead",
                                       "colon": "a: b", "hash": "a #b", "star": "*x", "date": "2024-01-01",
                                       "oct": "0o17", "tilde": "~", "uni": "héllo", "empty_list": [], "empty_map": {}}}
    assert goyaml.dumps(doc) == (
        "a:\n"
        "  big: 1e+21\n"
        "  colon: 'a: b'\n"
        '  date: "2024-01-01"\n'
        '  e: ""\n'
        "  empty_list: []\n"
        "  empty_map: {}\n"
        "  f: 1.5\n"
        "  hash: 'a #b'\n"
        "  ml: |-\n    line1\n    line2\n"
        "  mlt: |\n    a\n"
        '  "n": "123"\n'
        "  nul: null\n"
        '  oct: "0o17"\n'
        "  sp: ' lead'\n"
        "  star: '*x'\n"
        '  t: "true"\n'
        '  tilde: "~"\n'
        "  uni: héllo\n"
        '  "y": "y"\n'
        "b:\n- x\n- k: 1\n")


def test_json_printer_sorts_unstructured_keys_and_keeps_typed_order():
    obj = {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "x"}}
    assert jsonprinter.dumps(obj) == '{\n    "apiVersion": "v1",\n    "kind": "Pod",\n    "metadata": {\n        "name": "x"\n    }\n}\n'
    assert jsonprinter.dumps(obj, sort_keys=False).startswith('{\n    "kind": "Pod"')
    assert jsonprinter.dumps({"s": "<&>"}) == '{\n    "s": "\\u003c\\u0026\\u003e"\n}\n'


@pytest.mark.parametrize("template,expected", [
    ("{.metadata.name}", "web"),
    ("{.spec.containers[*].image}", "nginx busybox"),
    ("{.spec.containers[0].name}", "a"),
    ("{.spec.containers[-1:].name}", "b"),
    ("{range .spec.containers[*]}{.name}={.image}{\"\\n\"}{end}", "a=nginx\nb=busybox\n"),
    ("{.spec.containers[?(@.name==\"b\")].image}", "busybox"),
    ("{.metadata.labels}", '{"app":"web","tier":"fe"}'),
    ("{.spec.containers[0]}", '{"image":"nginx","name":"a"}'),
    ("{.missing}", ""),
    ("name: {.metadata.name}, ip: {.status.podIP}", "name: web, ip: 10.244.1.2"),
    ("{..image}", "nginx busybox"),
])
def test_jsonpath(template, expected):
    assert JSONPath("t", allow_missing_keys=True).parse(template).execute(POD) == expected


def test_jsonpath_items_and_errors():
    jp = JSONPath("t", allow_missing_keys=True).parse("{.items[*].metadata.name}")
    assert jp.execute(LIST) == "web db"
    strict = JSONPath("t", allow_missing_keys=False).parse("{.nope}")
    with pytest.raises(JSONPathError, match="nope is not found"):
        strict.execute(POD)
    with pytest.raises(JSONPathError):
        JSONPath("t").parse("{.items[}")
    assert relaxed(".metadata.name") == "{.metadata.name}"
    assert relaxed("{.a}") == "{.a}"


def test_jsonpath_printer_errors_like_kubectl():
    with pytest.raises(CommandError) as e:
        printer_for("jsonpath={.items[}")
    assert e.value.message.startswith("error: error parsing jsonpath {.items[}, ")
    with pytest.raises(CommandError) as e:
        printer_for("bogus", allowed=("json", "yaml"))
    assert e.value.message == ('error: unable to match a printer suitable for the output format "bogus", '
                               "allowed formats are: json,yaml")


@pytest.mark.parametrize("template,expected", [
    ("{{.metadata.name}}", "web"),
    ("{{range .spec.containers}}{{.name}} {{end}}", "a b "),
    ('{{index .metadata.labels "app"}}', "web"),
    ('{{if eq .status.phase "Running"}}up{{else}}down{{end}}', "up"),
    ('{{printf "%s-%d" .metadata.name 3}}', "web-3"),
    ("{{len .spec.containers}}", "2"),
    ('{{range $i, $c := .spec.containers}}{{$i}}:{{$c.image}};{{end}}', "0:nginx;1:busybox;"),
    ("{{.metadata.missing}}", "<no value>"),
    ('{{with .status.podIP}}ip={{.}}{{end}}', "ip=10.244.1.2"),
    ('{{.metadata.name | printf "%q"}}', '"web"'),
])
def test_go_template(template, expected):
    assert Template(template).execute(POD) == expected


def test_go_template_over_items_as_in_the_tutorial():
    t = Template('{{range .items}}{{.metadata.name}}{{"\\n"}}{{end}}')
    assert t.execute(LIST) == "web\ndb\n"


def test_custom_columns():
    out: list[str] = []
    CustomColumnsPrinter.from_spec("NAME:.metadata.name,IMAGES:.spec.containers[*].image,IP:.status.podIP").print_obj(
        LIST, out.append)
    assert "".join(out) == ("NAME   IMAGES          IP\n"
                            "web    nginx,busybox   10.244.1.2\n"
                            "db     nginx,busybox   <none>\n")


def test_tabwriter_minwidth_padding_and_remembered_widths():
    out: list[str] = []
    tw = TabWriter(out)
    tw.write("A\tBB\n")
    tw.write("long-value\tx\n")
    tw.flush()
    assert "".join(out) == "A            BB\nlong-value   x\n"
    out.clear()
    tw.write("z\ty\n")       # widths are remembered across flushes (watch output stays aligned)
    tw.flush()
    assert "".join(out) == "z            y\n"


def test_go_sort_matches_go_on_ties():
    # recorded from Go's sort.Sort (pdqsort): 30 items with keys (7*i) % 3, ties left unstable
    keys = [(7 * i) % 3 for i in range(30)]
    order = go_sort(list(range(30)), lambda a, b: keys[a] < keys[b])
    assert order == [12, 27, 24, 3, 21, 18, 6, 0, 15, 9, 7, 4, 10, 13, 28, 1, 16, 25, 22, 19, 8, 20, 5, 23, 2, 17, 26,
                     11, 14, 29]
    rng = random.Random(3)
    values = [rng.randrange(1000) for _ in range(500)]
    assert [values[i] for i in go_sort(list(range(500)), lambda a, b: values[a] < values[b])] == sorted(values)
