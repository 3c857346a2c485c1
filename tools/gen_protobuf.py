#!/usr/bin/env python3
"""Generate ``kube_lab/controlplane/apiserver/protobuf_data.py``: protobuf field numbers of the
kinds the simulator serves, for the HTTP server's schema-less protobuf decoder.

kubectl v1.32's ``create deployment|namespace|configmap|secret|service|job|cronjob|role…`` send
their object as ``application/vnd.kubernetes.protobuf``.  The wire format carries only field
numbers, so the decoder needs, per Go struct, number → (JSON name, type).  Upstream's structs carry
both in their tags, e.g. ``json:"replicas,omitempty" protobuf:"varint,1,opt,name=replicas"``; this
script reads the ``types.go`` files of k8s.io/api and k8s.io/apimachinery at a v0.32 tag (plain
text parsing, nothing is compiled) and keeps only the structs reachable from the served kinds.

How the data was produced (git mirrors of kubernetes/api and kubernetes/apimachinery)::

    python tools/gen_protobuf.py /path/to/kubernetes/api /path/to/kubernetes/apimachinery v0.32.4

Output: ``MESSAGES[type] = {number: (json_name, type_spec, flags)}`` where ``type_spec`` is
``string``, ``int``, ``bool``, ``bytes``, ``float``, one of the special types ``Time``,
``MicroTime``, ``Duration``, ``Quantity``, ``IntOrString``, ``RawExtension``, ``FieldsV1``, the
name of another message (``core/v1.Container``) or ``map:<value spec>``; ``flags`` holds ``r``
(repeated), ``p`` (a Go pointer: a zero value still counts), ``o`` (``omitempty``) and ``i``
(embedded ``json:",inline"``: its fields belong to the enclosing JSON object).
``KINDS[registry kind key] = type``.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from kube_lab.api.registry import RESOURCES  # noqa: E402

OUT = REPO / "kube_lab" / "controlplane" / "apiserver" / "protobuf_data.py"

API_PACKAGES = ["core/v1", "apps/v1", "batch/v1", "rbac/v1", "networking/v1", "policy/v1",
                "scheduling/v1", "storage/v1", "coordination/v1", "discovery/v1", "autoscaling/v1",
                "autoscaling/v2"]
META = "meta/v1"
GROUP_PACKAGE = {"": "core", "rbac.authorization.k8s.io": "rbac", "networking.k8s.io": "networking",
                 "scheduling.k8s.io": "scheduling", "storage.k8s.io": "storage",
                 "coordination.k8s.io": "coordination", "discovery.k8s.io": "discovery"}
SPECIAL = {
    ("meta/v1", "Time"): "Time", ("meta/v1", "MicroTime"): "MicroTime",
    ("meta/v1", "Duration"): "Duration", ("meta/v1", "FieldsV1"): "FieldsV1",
    ("intstr", "IntOrString"): "IntOrString", ("resource", "Quantity"): "Quantity",
    ("runtime", "RawExtension"): "RawExtension", ("types", "UID"): "string",
}
IMPORT_PACKAGE = {
    "k8s.io/apimachinery/pkg/apis/meta/v1": "meta/v1",
    "k8s.io/apimachinery/pkg/util/intstr": "intstr",
    "k8s.io/apimachinery/pkg/api/resource": "resource",
    "k8s.io/apimachinery/pkg/runtime": "runtime",
    "k8s.io/apimachinery/pkg/types": "types",
}
BUILTIN = {"string": "string", "int32": "int", "int64": "int", "int": "int", "uint32": "int",
           "uint64": "int", "bool": "bool", "float64": "float", "float32": "float", "byte": "int"}

STRUCT_RE = re.compile(r"^type (\w+) struct \{\s*$")
TYPEDEF_RE = re.compile(r"^type (\w+) (\S+)\s*$")
FIELD_RE = re.compile(r"^\s+(?:(\w+)\s+)?(\S+)\s+`(.*)`\s*$")
TAG_RE = re.compile(r'(\w+):"([^"]*)"')


def git_show(repo: str, tag: str, path: str) -> str:
    return subprocess.run(["git", "-C", repo, "show", f"{tag}:{path}"], check=True,
                          capture_output=True, text=True).stdout


def parse_package(text: str, pkg: str) -> tuple[dict, dict, dict]:
    """(structs, typedefs, import aliases) of one Go file."""
    structs: dict[str, list] = {}
    typedefs: dict[str, str] = {}
    aliases: dict[str, str] = {}
    for m in re.finditer(r'^\s*(\w+\s+)?"(k8s\.io/[^"]+)"\s*$', text, re.M):
        path = m.group(2)
        target = IMPORT_PACKAGE.get(path)
        if target is None and path.startswith("k8s.io/api/"):
            target = path[len("k8s.io/api/"):]
        if target is None:
            continue
        alias = (m.group(1) or "").strip() or path.rsplit("/", 1)[1]
        aliases[alias] = target
    current = None
    for line in text.splitlines():
        if current is None:
            m = STRUCT_RE.match(line)
            if m:
                current = structs.setdefault(m.group(1), [])
                continue
            m = TYPEDEF_RE.match(line)
            if m and m.group(2) not in ("struct", "interface"):
                typedefs[m.group(1)] = m.group(2)
            continue
        if line.startswith("}"):
            current = None
            continue
        if line.strip().startswith("//"):
            continue
        m = FIELD_RE.match(line)
        if not m:
            continue
        tags = dict(TAG_RE.findall(m.group(3)))
        if "protobuf" not in tags:
            continue
        current.append((m.group(1), m.group(2), tags))
    return structs, typedefs, aliases


def main(api_repo: str, machinery_repo: str, tag: str) -> None:
    packages: dict[str, tuple[dict, dict, dict]] = {}
    for pkg in API_PACKAGES:
        packages[pkg] = parse_package(git_show(api_repo, tag, f"{pkg}/types.go"), pkg)
    packages[META] = parse_package(git_show(machinery_repo, tag, "pkg/apis/meta/v1/types.go"), META)

    messages: dict[str, dict] = {}

    def resolve(pkg: str, expr: str) -> tuple[str, bool, bool]:
        """(type spec, repeated, pointer) of a Go type expression in ``pkg``."""
        pointer = expr.startswith("*")
        expr = expr.lstrip("*")
        if expr == "[]byte":
            return "bytes", False, pointer
        if expr.startswith("[]"):
            spec, _, _ = resolve(pkg, expr[2:])
            return spec, True, pointer
        if expr.startswith("map["):
            value = expr[expr.index("]") + 1:]
            spec, rep, _ = resolve(pkg, value)
            if rep:
                raise SystemExit(f"map of slices not supported: {expr}")
            return "map:" + spec, False, pointer
        if expr in BUILTIN:
            return BUILTIN[expr], False, pointer
        if "." in expr:
            alias, name = expr.split(".", 1)
            target = packages[pkg][2].get(alias)
            if target is None:
                raise SystemExit(f"unknown import alias {alias} in {pkg}")
            spec = SPECIAL.get((target, name))
            if spec:
                return spec, False, pointer
            return resolve_named(target, name), False, pointer
        spec = SPECIAL.get((pkg, expr))
        if spec:
            return spec, False, pointer
        structs, typedefs, _ = packages[pkg]
        if expr in typedefs:
            spec, rep, _ = resolve(pkg, typedefs[expr])
            return spec, rep, pointer
        return resolve_named(pkg, expr), False, pointer

    def resolve_named(pkg: str, name: str) -> str:
        structs, typedefs, _ = packages[pkg]
        if name in typedefs:
            spec, rep, _ = resolve(pkg, typedefs[name])
            if rep:
                raise SystemExit(f"named slice {pkg}.{name} used as a message")
            return spec
        if name not in structs:
            raise SystemExit(f"unknown type {pkg}.{name}")
        key = f"{pkg}.{name}"
        if key not in messages:
            messages[key] = {}
            table = {}
            for field, expr, tags in structs[name]:
                pb = tags["protobuf"].split(",")
                number = int(pb[1])
                json_tag = tags.get("json", "").split(",")
                inline = "inline" in json_tag[1:] and not json_tag[0]
                json_name = json_tag[0] or (field or expr.lstrip("*").split(".")[-1])
                spec, rep, pointer = resolve(pkg, expr)
                flags = ("r" if rep else "") + ("p" if pointer else "") + \
                        ("o" if "omitempty" in json_tag[1:] else "") + ("i" if inline else "")
                table[number] = (json_name, spec, flags)
            messages[key] = dict(sorted(table.items()))
        return key

    kinds: dict[str, str] = {}
    for info in RESOURCES:
        pkg = f"{GROUP_PACKAGE.get(info.group, info.group)}/{info.version}"
        if pkg not in packages:
            continue
        kinds[info.kind_key] = resolve_named(pkg, info.kind)
    for extra in (("policy/v1", "Eviction"), ("autoscaling/v1", "Scale"), ("meta/v1", "DeleteOptions")):
        kinds[f"{extra[0].replace('core/', '')}/{extra[1]}"] = resolve_named(*extra)

    lines = ['"""Protobuf field numbers of the served kinds (k8s.io/api and k8s.io/apimachinery ' + tag + ').',
             "",
             "Generated by tools/gen_protobuf.py; do not edit.  See that script for the format.",
             '"""', "# fmt: off", "KINDS = {"]
    for k in sorted(kinds):
        lines.append(f"    {k!r}: {kinds[k]!r},")
    lines.append("}")
    lines.append("MESSAGES = {")
    for name in sorted(messages):
        lines.append(f"    {name!r}: {{")
        for number, entry in messages[name].items():
            lines.append(f"        {number}: {entry!r},")
        lines.append("    },")
    lines.append("}")
    OUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {OUT} ({len(kinds)} kinds, {len(messages)} messages)")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
