"""``kubectl taint nodes NAME KEY[=VALUE]:EFFECT …`` (k8s.io/kubectl/pkg/cmd/taint): add taints,
remove them (``KEY[:EFFECT]-``), ``--overwrite`` existing ones, for named nodes, ``-l`` or
``--all``; prints ``node/<name> tainted`` / ``untainted`` / ``modified``.
"""
from __future__ import annotations

import json

from ...api import errors as api_errors
from ...api.meta import deep_copy
from ...api.names import is_qualified_name, is_valid_label_value
from ..errors import GoError, aggregate
from ..parser import Command, CommandError, Flag, usage_error
from . import dry_run_flag, dry_run_strategy, field_manager_flag, operation_printer, output_flags, validate_flag
from .mutate import STRATEGIC_PATCH, merge_patch

EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def command() -> Command:
    return Command("taint", short="Update the taints on one or more nodes", run=run,
                   usage="kubectl taint NODE NAME KEY_1=VAL_1:TAINT_EFFECT_1 ... KEY_N=VAL_N:TAINT_EFFECT_N",
                   flags=[Flag("all", type="bool"), Flag("selector", "l"), Flag("overwrite", type="bool"),
                          validate_flag(), dry_run_flag(), field_manager_flag("kubectl-taint"), *output_flags()])


def taint_string(t: dict) -> str:
    """``Taint.ToString``."""
    key, value, effect = t.get("key", ""), t.get("value", ""), t.get("effect", "")
    if not effect:
        return f"{key}={value}" if value else key
    return f"{key}={value}:{effect}" if value else f"{key}:{effect}"


def _go_taint(t: dict) -> str:
    """``%v`` of a corev1.Taint value."""
    return "{" + f"{t.get('key', '')} {t.get('value', '')} {t.get('effect', '')} <nil>" + "}"


def parse_taint(spec: str) -> dict:
    parts = spec.split(":")
    value = effect = ""
    if len(parts) == 1:
        key = parts[0]
    elif len(parts) == 2:
        effect = parts[1]
        if effect not in EFFECTS:
            raise ValueError(f"invalid taint effect: {effect}, unsupported taint effect")
        kv = parts[0].split("=")
        if len(kv) > 2:
            raise ValueError(f"invalid taint spec: {spec}")
        key = kv[0]
        if len(kv) == 2:
            value = kv[1]
            errs = is_valid_label_value(value)
            if errs:
                raise ValueError(f"invalid taint spec: {spec}, {'; '.join(errs)}")
    else:
        raise ValueError(f"invalid taint spec: {spec}")
    errs = is_qualified_name(key)
    if errs:
        raise ValueError(f"invalid taint spec: {spec}, {'; '.join(errs)}")
    out = {"key": key}
    if value:
        out["value"] = value
    if effect:
        out["effect"] = effect
    return out


def parse_taints(specs: list[str]) -> tuple[list[dict], list[dict]]:
    add, remove = [], []
    seen: dict[str, set] = {}
    for spec in specs:
        if spec.endswith("-"):
            t = parse_taint(spec[:-1])
            remove.append({k: v for k, v in t.items() if k in ("key", "effect")})
            continue
        t = parse_taint(spec)
        if not t.get("effect"):
            raise ValueError(f"invalid taint spec: {spec}")
        if t["key"] in seen.get(t["effect"], set()):
            raise ValueError(f"duplicated taints with the same key and effect: {_go_taint(t)}")
        seen.setdefault(t["effect"], set()).add(t["key"])
        add.append(t)
    return add, remove


def _match(a: dict, b: dict) -> bool:
    return a.get("key") == b.get("key") and a.get("effect", "") == b.get("effect", "")


def reorganize(old: list[dict], overwrite: bool, add: list[dict], remove: list[dict]) -> tuple[str, list[dict], list]:
    new = [dict(t) for t in add]
    for o in old:
        if not any(_match(t, o) for t in new):
            new.append(o)
    added = len(old) != len(new)
    errs = []
    removed = False
    for r in remove:
        before = len(new)
        if r.get("effect"):
            new = [t for t in new if not _match(r, t)]
        else:
            new = [t for t in new if t.get("key") != r.get("key")]
        removed = len(new) != before
        if not removed:
            errs.append(GoError(f'taint "{taint_string(r)}" not found'))
    if (added and removed) or overwrite:
        return "modified", new, errs
    if added:
        return "tainted", new, errs
    return "untainted", new, errs


def run(inv) -> int:
    strategy = dry_run_strategy(inv)
    resources, taint_args = [], []
    met = False
    for s in inv.args:
        is_taint = "=" in s or ":" in s or s.endswith("-")
        if is_taint:
            met = True
            taint_args.append(s)
        elif met:
            raise CommandError(f"error: all resources must be specified before taint changes: {s}")
        else:
            resources.append(s)
    if not resources:
        raise CommandError("error: one or more resources must be specified as <resource> <name>")
    if not taint_args:
        raise CommandError("error: at least one taint update is required")
    try:
        add, remove = parse_taints(taint_args)
    except ValueError as e:
        raise usage_error("kubectl taint", str(e)) from None
    info = inv.registry.resolve(resources[0].lower())
    if info is None:
        raise CommandError(f'error: the server doesn\'t have a resource type "{resources[0].lower()}"')
    if info.kind != "Node":
        raise CommandError(f"error: invalid resource type {resources[0].lower()}, only node types are supported")
    conflicts = [f"{r['key']}={r.get('effect', '')}" for a in add for r in remove
                 if a["key"] == r["key"] and (not r.get("effect") or a.get("effect") == r.get("effect"))]
    if conflicts:
        raise CommandError("error: can not both modify and remove the following taint(s) in the same command: "
                           + ", ".join(conflicts))
    select_all, selector = bool(inv.flag("all")), inv.flag("selector") or ""
    if select_all and selector:
        raise CommandError("error: setting 'all' parameter with a non empty selector is prohibited")
    if not select_all and not selector and len(resources) < 2:
        raise CommandError("error: at least one resource name must be specified since 'all' parameter is not set")
    nodes: list[dict] = []
    errs: list[BaseException] = []
    if select_all or selector:
        nodes = inv.client.list("nodes", label_selector=selector or None)["items"]
    for name in resources[1:] if not (select_all or selector) else []:
        try:
            nodes.append(inv.client.get("nodes", name))
        except api_errors.StatusError as e:
            errs.append(e)
    overwrite = bool(inv.flag("overwrite"))
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(strategy, "")
    for node in nodes:
        name = node["metadata"]["name"]
        old = list((node.get("spec") or {}).get("taints") or [])
        if not overwrite:
            exists = [a["key"] for a in add for o in old if a["key"] == o.get("key") and a.get("effect") == o.get("effect")]
            if exists:
                errs.append(GoError(f"node {name} already has {','.join(exists)} taint(s) with same effect(s) and "
                                    "--overwrite is false"))
                continue
        operation, new, terrs = reorganize(old, overwrite, add, remove)
        if terrs:
            errs.extend(terrs)
            continue
        changed = deep_copy(node)
        spec = changed.setdefault("spec", {})
        if new:
            spec["taints"] = new
        else:
            spec.pop("taints", None)
        printer = operation_printer(inv, operation + suffix)
        if strategy == "client":
            printer.print_obj(changed, inv.out)
            continue
        patch = merge_patch(node, changed)
        try:
            got = inv.client.patch("nodes", name, json.dumps(patch), STRATEGIC_PATCH, dry_run=strategy == "server",
                                   field_manager=inv.flag("field-manager") or "kubectl-taint")
        except api_errors.StatusError as e:
            errs.append(e)
            continue
        printer.print_obj(deep_copy(got), inv.out)
    err = aggregate(errs)
    if err is not None:
        raise err
    return 0
