"""Shared machinery of the commands that change objects in place (``label``, ``annotate``,
``scale``, ``set …``, ``patch``, ``rollout …``): select objects like the builder does
(``TYPE NAME``, ``TYPE/NAME``, ``-f``, ``-l``, ``--all``, ``--local``), fetch the latest version,
let the command change a copy, send the difference as a merge (or strategic merge) patch and print
``<kind>/<name> <operation>`` — or the object, with ``-o``.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Iterator

from ...api import errors as api_errors
from ...api.meta import deep_copy
from ..errors import aggregate
from ..parser import CommandError, Flag
from ..resources import Builder, Visit
from . import dry_run_flag, dry_run_strategy, field_manager_flag, filename_flags, operation_printer, output_flags

MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"


def selection_flags(local: bool = True, all_flag: bool = True, field_selector: bool = True,
                    all_namespaces: bool = True) -> list[Flag]:
    flags = [Flag("selector", "l")]
    if field_selector:
        flags.append(Flag("field-selector"))
    if all_flag:
        flags.append(Flag("all", type="bool"))
    if all_namespaces:
        flags.append(Flag("all-namespaces", "A", "bool"))
    if local:
        flags.append(Flag("local", type="bool"))
    return flags


def common_flags(manager: str, what: str = "identifying the resource to update") -> list[Flag]:
    return [*output_flags(), *filename_flags(what), dry_run_flag(), field_manager_flag(manager)]


def merge_patch(old: Any, new: Any) -> Any:
    """``jsonpatch.CreateMergePatch``: the RFC 7386 patch taking ``old`` to ``new``."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return new
    patch: dict[str, Any] = {}
    for k, v in new.items():
        if k not in old:
            patch[k] = v
        elif old[k] != v:
            if isinstance(old[k], dict) and isinstance(v, dict):
                sub = merge_patch(old[k], v)
                if sub != {}:
                    patch[k] = sub
            else:
                patch[k] = v
    for k in old:
        if k not in new:
            patch[k] = None
    return patch


class Target:
    """One selected object: its visit, the object as fetched (or read from a file), and a copy
    the command changes."""

    def __init__(self, visit: Visit, obj: dict):
        self.visit = visit
        self.info = visit.info
        self.original = obj
        self.obj = deep_copy(obj)

    @property
    def name(self) -> str:
        return (self.obj.get("metadata") or {}).get("name", "") or self.visit.name

    @property
    def namespace(self) -> str | None:
        return self.visit.namespace


def select(inv, args: list[str], *, local: bool = False, all_flag: bool = False,
           single_item: list | None = None) -> tuple[list[Target], list[BaseException]]:
    """The targets of a mutating command (errors of individual objects are returned, not raised)."""
    filenames = inv.flag("filename") or []
    builder = Builder(inv, all_namespaces=bool(inv.opts.get("all-namespaces")))
    builder.filenames_from(filenames, inv.opts.get("recursive") or False, inv.opts.get("kustomize") or "")
    if not local:
        builder.selector(inv.opts.get("selector") or None, inv.opts.get("field-selector") or None)
        builder.all(all_flag)
        builder.args(args, allow_empty_selector=all_flag)
    visits = builder.visits()
    if single_item is not None:
        single_item.append(len(visits) == 1 and visits[0].kind in ("name", "doc"))
    targets: list[Target] = []
    errs: list[BaseException] = []
    for v in visits:
        if v.kind == "error":
            errs.append(v.extra["error"])
            continue
        if local:
            targets.append(Target(v, deep_copy(v.obj)))
            continue
        if v.kind == "list":
            items = inv.client.list(v.info.resource, v.namespace, label_selector=v.label_selector or None,
                                    field_selector=v.field_selector or None)["items"]
            for item in items:
                md = item.get("metadata") or {}
                targets.append(Target(Visit("name", v.info, md.get("namespace") or None, name=md.get("name", "")),
                                      item))
            continue
        try:
            obj = inv.client.get(v.info.resource, v.name, v.namespace)
        except api_errors.StatusError as e:
            errs.append(e)
            continue
        targets.append(Target(v, obj))
    return targets, errs


def send_patch(inv, t: Target, patch_type: str = MERGE_PATCH, patch: Any = None, server_dry_run: bool = False) -> dict:
    """PATCH the difference between ``t.original`` and ``t.obj`` (unless ``patch`` is given)."""
    if patch is None:
        patch = merge_patch(t.original, t.obj)
    return inv.client.patch(t.info.resource, t.name, json.dumps(patch), patch_type, t.namespace,
                            dry_run=server_dry_run, field_manager=inv.opts.get("field-manager") or "")


def run_each(inv, targets: list[Target], errs: list[BaseException],
             fn: Callable[[Target], tuple[dict, str]]) -> int:
    """Call ``fn`` on every target (it returns the object to print and the operation), print, and
    raise the collected errors at the end."""
    strategy = dry_run_strategy(inv)
    for t in targets:
        try:
            obj, operation = fn(t)
        except api_errors.StatusError as e:
            errs.append(e)
            continue
        except CommandError as e:
            errs.append(e)
            continue
        operation_printer(inv, operation, strategy).print_obj(deep_copy(obj), inv.out)
    err = aggregate(errs)
    if err is not None:
        raise err
    return 0


def iter_pod_specs(obj: dict) -> Iterator[dict]:
    """The pod spec(s) of an object with a pod template (``polymorphichelpers.updatePodSpecForObject``)."""
    kind = obj.get("kind")
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    if kind == "Pod":
        yield spec
    elif kind == "CronJob":
        ps = (((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}).get("spec")
        if isinstance(ps, dict):
            yield ps
    elif kind in ("Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job", "ReplicationController",
                  "PodTemplate"):
        tmpl = spec.get("template") if kind != "PodTemplate" else obj.get("template")
        if isinstance(tmpl, dict) and isinstance(tmpl.get("spec"), dict):
            yield tmpl["spec"]
