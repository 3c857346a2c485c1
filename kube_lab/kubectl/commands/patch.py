"""``kubectl patch`` (k8s.io/kubectl/pkg/cmd/patch/patch.go): send a strategic merge (default),
JSON merge or JSON patch (``--type``), given with ``-p`` or ``--patch-file`` (JSON or YAML), to the
selected objects and print ``<kind>/<name> patched`` — or ``patched (no change)`` when the object
came back unchanged.  ``--local`` and ``--dry-run=client`` apply the patch on the client side.
"""
from __future__ import annotations

import json

import yaml

from ...api import errors as api_errors
from ...api import patch as api_patch
from ...api.meta import deep_copy
from ..errors import GoError, aggregate
from ..parser import Command, CommandError, Flag
from ..resources import Builder
from . import (dry_run_flag, dry_run_strategy, field_manager_flag, filename_flags, operation_printer, output_flags,
               record_flag)
from .apply import CHANGE_CAUSE, change_cause, warn_record_flag

PATCH_TYPES = {"json": "application/json-patch+json", "merge": "application/merge-patch+json",
               "strategic": "application/strategic-merge-patch+json"}


def command() -> Command:
    return Command("patch", short="Update fields of a resource", run=run,
                   usage="kubectl patch (-f FILENAME | TYPE NAME) [-p PATCH|--patch-file FILE]",
                   flags=[record_flag(), *output_flags(), Flag("patch", "p"), Flag("patch-file"),
                          Flag("type", default="strategic"), dry_run_flag(),
                          *filename_flags("identifying the resource to update"), Flag("local", type="bool"),
                          field_manager_flag("kubectl-patch"), Flag("subresource")])


def _to_json(text: str, original: str):
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        raise CommandError(f'error: unable to parse "{original}": yaml: {line}{getattr(e, "problem", "") or e}') \
            from None


def run(inv) -> int:
    warn_record_flag(inv)
    strategy = dry_run_strategy(inv)
    patch_text = inv.flag("patch") or ""
    patch_file = inv.flag("patch-file") or ""
    local = bool(inv.flag("local"))
    if patch_text and patch_file:
        raise CommandError("error: cannot specify --patch and --patch-file together")
    if not patch_text and not patch_file:
        raise CommandError("error: must specify --patch or --patch-file containing the contents of the patch")
    if local and inv.args:
        raise CommandError("error: cannot specify --local and server resources")
    if local and strategy == "server":
        raise CommandError("error: cannot specify --local and --dry-run=server - did you mean --dry-run=client?")
    ptype_name = inv.flag("type") or "strategic"
    if ptype_name.lower() not in PATCH_TYPES:
        raise CommandError(f'error: --type must be one of [json merge strategic], not "{ptype_name}"')
    ptype = PATCH_TYPES[ptype_name.lower()]
    if patch_file:
        try:
            with open(patch_file, encoding="utf-8") as fh:
                text = fh.read()
        except OSError as e:
            raise CommandError(f"error: unable to read patch file: open {patch_file}: "
                               f"{(e.strerror or str(e)).lower()}") from None
    else:
        text = patch_text
    patch = _to_json(text, patch_text)
    body = json.dumps(patch)

    builder = Builder(inv).filenames_from(inv.flag("filename"), inv.flag("recursive"), inv.flag("kustomize"))
    if not local:
        builder.args(inv.args)
    visits = builder.visits()
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(strategy, "")

    def printer(did: bool):
        return operation_printer(inv, ("patched" if did else "patched (no change)") + suffix)

    count = 0
    errs: list[BaseException] = []
    for v in visits:
        if v.kind == "error":
            errs.append(v.extra["error"])
            continue
        if local:
            current = deep_copy(v.obj)
        else:
            try:
                current = inv.client.get(v.info.resource, v.name, v.namespace)
            except api_errors.StatusError as e:
                errs.append(e)
                continue
        count += 1
        name = (current.get("metadata") or {}).get("name", v.name)
        if not local and strategy != "client":
            try:
                patched = inv.client.patch(v.info.resource, name, body, ptype, v.namespace,
                                           subresource=inv.flag("subresource") or "", dry_run=strategy == "server",
                                           field_manager=inv.flag("field-manager") or "kubectl-patch")
            except api_errors.StatusError as e:
                if e.code == 415:
                    errs.append(GoError(f"{ptype} is not supported by {v.info.group + '/' if v.info.group else ''}"
                                        f"{v.info.version}, Kind={v.info.kind}: {e.message}"))
                else:
                    errs.append(e)
                continue
            did = patched != current
            if inv.flag("record") and strategy == "none":
                cause = change_cause(inv)
                ann = (patched.get("metadata") or {}).get("annotations") or {}
                if ann.get(CHANGE_CAUSE) != cause:
                    try:
                        patched = inv.client.patch(v.info.resource, name, json.dumps(
                            {"metadata": {"annotations": {CHANGE_CAUSE: cause}}}), PATCH_TYPES["merge"], v.namespace)
                    except api_errors.StatusError:
                        pass
            printer(did).print_obj(deep_copy(patched), inv.out)
            continue
        try:
            if ptype.startswith("application/json-patch"):
                target = api_patch.json_patch(current, patch)
            elif ptype.startswith("application/merge-patch"):
                target = api_patch.merge_patch(current, patch)
            else:
                if not api_patch.supports_strategic_merge(v.info.kind_key):
                    group = v.info.group
                    gvk = f"{group}/{v.info.version}, Kind={v.info.kind}" if group else f"/{v.info.version}, Kind={v.info.kind}"
                    raise GoError(f"strategic merge patch is not supported for {gvk} locally, try --type merge")
                target = api_patch.strategic_merge_patch(current, patch, v.info.kind_key)
        except api_errors.StatusError as e:
            detail = getattr(e, "patch_error", None) or e.message
            errs.append(GoError(detail))
            continue
        except GoError as e:
            errs.append(e)
            continue
        printer(target != current).print_obj(deep_copy(target), inv.out)
    err = aggregate(errs)
    if err is not None:
        raise err
    if count == 0:
        raise CommandError("error: no objects passed to patch")
    return 0
