#!/usr/bin/env python3
"""Generate ``kube_lab/api/schema_data.py``: the known fields of every kind the simulator serves.

The data comes from the official Kubernetes Python client, release 32.x, whose models were generated
from the Kubernetes 1.32 OpenAPI document.  Each model class there carries two dicts,
``openapi_types`` (python attribute -> type) and ``attribute_map`` (python attribute -> JSON name);
this script reads them with :mod:`ast` straight out of the wheel (nothing is imported or installed)
and keeps only the types reachable from the kinds in :data:`kube_lab.api.registry.RESOURCES`.

How the data was produced::

    pip download --no-deps kubernetes==32.0.1 -d /tmp/k8sclient
    python tools/gen_schema.py /tmp/k8sclient/kubernetes-32.0.1-py2.py3-none-any.whl

The client is *not* a dependency of kube-lab; only the generated module is committed.

Type specs in the output: ``string``, ``integer``, ``number``, ``boolean``, ``object`` (free-form:
RawExtension, FieldsV1), ``IntOrString``, ``Quantity``, ``Time``, ``map[string]<spec>``,
``list[<spec>]`` or the name of another type.  The client's generator flattens IntOrString to
``object`` and Quantity to ``str``, so those two are restored from the tables below, which list
every such field reachable from a served kind (the script fails if a new ``object`` field appears
that the tables do not classify).
"""
from __future__ import annotations

import ast
import re
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from kube_lab.api.registry import RESOURCES  # noqa: E402

OUT = REPO / "kube_lab" / "api" / "schema_data.py"
MODELS = "kubernetes/client/models/"

# Kinds whose client class name is not simply V<n><Kind>.
CLASS_OVERRIDES = {"v1/Event": "CoreV1Event"}

# ``object`` in the client that is really intstr.IntOrString in the Go types.
INT_OR_STRING = {
    ("V1HTTPGetAction", "port"), ("V1TCPSocketAction", "port"),
    ("V1NetworkPolicyPort", "port"),
    ("V1PodDisruptionBudgetSpec", "maxUnavailable"), ("V1PodDisruptionBudgetSpec", "minAvailable"),
    ("V1RollingUpdateDaemonSet", "maxSurge"), ("V1RollingUpdateDaemonSet", "maxUnavailable"),
    ("V1RollingUpdateDeployment", "maxSurge"), ("V1RollingUpdateDeployment", "maxUnavailable"),
    ("V1RollingUpdateStatefulSetStrategy", "maxUnavailable"),
    ("V1ServicePort", "targetPort"),
}
# ``object`` in the client that is free-form JSON (runtime.RawExtension, metav1.FieldsV1).
FREE_FORM = {("V1ControllerRevision", "data"), ("V1ManagedFieldsEntry", "fieldsV1")}
# ``str`` / ``dict(str, str)`` in the client that is resource.Quantity / v1.ResourceList.
QUANTITY = {
    ("V1ContainerStatus", "allocatedResources"),
    ("V1EmptyDirVolumeSource", "sizeLimit"),
    ("V1LimitRangeItem", "default"), ("V1LimitRangeItem", "defaultRequest"),
    ("V1LimitRangeItem", "max"), ("V1LimitRangeItem", "min"),
    ("V1LimitRangeItem", "maxLimitRequestRatio"),
    ("V1NodeStatus", "allocatable"), ("V1NodeStatus", "capacity"),
    ("V1PersistentVolumeClaimStatus", "allocatedResources"),
    ("V1PersistentVolumeClaimStatus", "capacity"),
    ("V1PersistentVolumeSpec", "capacity"),
    ("V1PodSpec", "overhead"),
    ("V1ResourceQuotaSpec", "hard"), ("V1ResourceQuotaStatus", "hard"),
    ("V1ResourceQuotaStatus", "used"),
    ("V1ResourceRequirements", "limits"), ("V1ResourceRequirements", "requests"),
    ("V1VolumeResourceRequirements", "limits"), ("V1VolumeResourceRequirements", "requests"),
    ("V2MetricTarget", "averageValue"), ("V2MetricTarget", "value"),
    ("V2MetricValueStatus", "averageValue"), ("V2MetricValueStatus", "value"),
}

PRIMITIVES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean",
              "datetime": "Time", "date": "Time", "object": "object"}


def read_models(wheel: Path) -> dict[str, tuple[dict, dict]]:
    """class name -> (openapi_types, attribute_map), read with ast from the wheel."""
    models: dict[str, tuple[dict, dict]] = {}
    with zipfile.ZipFile(wheel) as zf:
        for name in sorted(zf.namelist()):
            if (not name.startswith(MODELS) or not name.endswith(".py")
                    or name.endswith("__init__.py")):
                continue
            tree = ast.parse(zf.read(name).decode("utf-8"))
            for node in tree.body:
                if not isinstance(node, ast.ClassDef):
                    continue
                found: dict[str, dict] = {}
                for stmt in node.body:
                    if (isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name)
                            and stmt.targets[0].id in ("openapi_types", "attribute_map")):
                        found[stmt.targets[0].id] = ast.literal_eval(stmt.value)
                if "openapi_types" in found:
                    models[node.name] = (found["openapi_types"], found["attribute_map"])
    return models


def root_class(info) -> str:
    key = info.kind_key
    if key in CLASS_OVERRIDES:
        return CLASS_OVERRIDES[key]
    return info.version[0].upper() + info.version[1:] + info.kind


def convert(models, cls: str, field: str, t: str) -> tuple[str, list[str]]:
    """Client type string -> our spec, plus the model names it refers to."""
    m = re.fullmatch(r"list\[(.*)\]", t)
    if m:
        spec, refs = convert(models, cls, field, m.group(1))
        return f"list[{spec}]", refs
    m = re.fullmatch(r"dict\(str, (.*)\)", t)
    if m:
        spec, refs = convert(models, cls, field, m.group(1))
        return f"map[string]{spec}", refs
    if t in models:
        return t, [t]
    if (cls, field) in QUANTITY:
        if t != "str":
            raise SystemExit(f"{cls}.{field}: expected str for a Quantity, got {t}")
        return "Quantity", []
    if t == "object":
        if (cls, field) in INT_OR_STRING:
            return "IntOrString", []
        if (cls, field) in FREE_FORM:
            return "object", []
        raise SystemExit(f"{cls}.{field}: unclassified 'object' field; add it to a table")
    if t in PRIMITIVES:
        return PRIMITIVES[t], []
    raise SystemExit(f"{cls}.{field}: unknown client type {t!r}")


def build(models) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    roots = {}
    for info in RESOURCES:
        cls = root_class(info)
        if cls not in models:
            raise SystemExit(f"no client model {cls} for {info.kind_key}")
        roots[info.kind_key] = cls
    types: dict[str, dict[str, str]] = {}
    todo = sorted(set(roots.values()))
    while todo:
        cls = todo.pop()
        if cls in types:
            continue
        openapi_types, attribute_map = models[cls]
        fields = {}
        for attr, t in openapi_types.items():
            json_name = attribute_map[attr]
            spec, refs = convert(models, cls, json_name, t)
            fields[json_name] = spec
            todo.extend(r for r in refs if r not in types)
        types[cls] = fields
    # Every table entry must have been used (catches renames in a newer client).
    used = {(c, f) for c, fs in types.items() for f in fs}
    for table in (INT_OR_STRING, FREE_FORM, QUANTITY):
        missing = table - used
        if missing:
            raise SystemExit(f"table entries not found in reachable types: {sorted(missing)}")
    return roots, types


def render(wheel: Path, roots, types) -> str:
    lines = [
        '"""Known fields of every served kind, for strict field validation.',
        "",
        "Generated; do not edit.",
        "",
        f"Produced by tools/gen_schema.py from {wheel.name} (Kubernetes API release-1.32).",
        '"""',
        "# fmt: off",
        "ROOTS = {",
    ]
    for key in sorted(roots):
        lines.append(f"    {key!r}: {roots[key]!r},")
    lines.append("}")
    lines.append("TYPES = {")
    for cls in sorted(types):
        body = ", ".join(f"{k!r}: {v!r}" for k, v in sorted(types[cls].items()))
        lines.append(f"    {cls!r}: {{{body}}},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    wheel = Path(argv[1])
    models = read_models(wheel)
    roots, types = build(models)
    OUT.write_text(render(wheel, roots, types), encoding="utf-8")
    print(f"wrote {OUT.relative_to(REPO)}: {len(roots)} kinds, {len(types)} types, "
          f"{OUT.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
