"""``kubectl label`` and ``kubectl annotate`` (k8s.io/kubectl/pkg/cmd/label, annotate): add
(``key=value``), change (``--overwrite``) or remove (``key-``) labels and annotations, sent as a JSON
merge patch; ``--local -f FILE`` changes the file's objects without contacting the server."""
from __future__ import annotations

import json

from ...api.names import is_valid_label_value
from ..errors import aggregate
from ..parser import Command, CommandError, Flag
from . import dry_run_strategy, operation_printer, record_flag
from .apply import record_change_cause, warn_record_flag
from .mutate import Target, common_flags, select, selection_flags, send_patch


def command() -> Command:
    return Command("label", short="Update the labels on a resource", run=lambda inv: run(inv, "label"),
                   usage="kubectl label [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N "
                         "[--resource-version=version]",
                   flags=[*common_flags("kubectl-label", "identifying the resource to update the labels"),
                          *selection_flags(), Flag("overwrite", type="bool"), Flag("list", type="bool"),
                          Flag("resource-version"), record_flag()])


def annotate_command() -> Command:
    return Command("annotate", short="Update the annotations on a resource", run=lambda inv: run(inv, "annotation"),
                   usage="kubectl annotate [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N "
                         "[--resource-version=version]",
                   flags=[*common_flags("kubectl-annotate", "identifying the resource to update the annotation"),
                          *selection_flags(), Flag("overwrite", type="bool"), Flag("list", type="bool"),
                          Flag("resource-version"), record_flag()])


def resources_and_pairs(args: list[str], pair_type: str) -> tuple[list[str], list[str]]:
    """``cmdutil.GetResourcesAndPairs``."""
    resources, pairs = [], []
    found = False
    for s in args:
        non_resource = ("=" in s and not s.startswith("=")) or (s.endswith("-") and s != "-")
        if non_resource:
            found = True
            pairs.append(s)
        elif found:
            raise CommandError(f"error: all resources must be specified before {pair_type} changes: {s}")
        else:
            resources.append(s)
    return resources, pairs


def parse_labels(specs: list[str]) -> tuple[dict, list[str]]:
    labels: dict[str, str] = {}
    remove: list[str] = []
    for spec in specs:
        if "=" in spec:
            parts = spec.split("=")
            if len(parts) != 2:
                raise CommandError(f"error: invalid label spec: {spec}")
            errs = is_valid_label_value(parts[1])
            if errs:
                raise CommandError(f'error: invalid label value: "{spec}": {";".join(errs)}')
            labels[parts[0]] = parts[1]
        elif spec.endswith("-"):
            remove.append(spec[:-1])
        else:
            raise CommandError(f"error: unknown label spec: {spec}")
    for r in remove:
        if r in labels:
            raise CommandError("error: can not both modify and remove a label in the same command")
    return labels, remove


def parse_annotations(specs: list[str]) -> tuple[dict, list[str]]:
    """``cmdutil.ParsePairs(..., "annotation", true)``."""
    pairs: dict[str, str] = {}
    remove: list[str] = []
    invalid = []
    for spec in specs:
        if "=" in spec and not spec.startswith("="):
            k, _, v = spec.partition("=")
            pairs[k] = v
        elif spec.endswith("-") and spec != "-":
            remove.append(spec[:-1])
        else:
            invalid.append(spec)
    if invalid:
        raise CommandError(f"error: invalid annotation format: {', '.join(invalid)}")
    both = [r for r in remove if r in pairs]
    if both:
        raise CommandError("error: can not both modify and remove the following annotation(s) in the same "
                           f"command: {', '.join(both)}")
    return pairs, remove


def _go_json(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def run(inv, kind: str) -> int:
    label = kind == "label"
    resources, pairs = resources_and_pairs(inv.args, kind)
    new, remove = parse_labels(pairs) if label else parse_annotations(pairs)
    local = bool(inv.flag("local"))
    strategy = dry_run_strategy(inv)
    warn_record_flag(inv)
    if inv.flag("all") and inv.flag("selector"):
        raise CommandError("error: cannot set --all and --selector at the same time")
    if inv.flag("all") and inv.flag("field-selector"):
        raise CommandError("error: cannot set --all and --field-selector at the same time")
    files = inv.flag("filename")
    if local:
        if strategy == "server":
            raise CommandError("error: cannot specify --local and --dry-run=server - did you mean --dry-run=client?")
        if resources:
            raise CommandError("error: can only use local files by -f pod.yaml or --filename=pod.json when "
                               "--local=true is set")
        if not files and not inv.flag("kustomize"):
            raise CommandError("error: one or more files must be specified as -f pod.yaml or --filename=pod.json")
    elif not resources and not files and not inv.flag("kustomize"):
        raise CommandError("error: one or more resources must be specified as <resource> <name> or "
                           "<resource>/<name>")
    if not new and not remove and not inv.flag("list"):
        raise CommandError(f"error: at least one {kind} update is required")
    single: list = []
    targets, errs = select(inv, resources, local=local, all_flag=bool(inv.flag("all")), single_item=single)
    one = bool(single and single[0])
    if not one and inv.flag("resource-version"):
        raise CommandError("error: --resource-version may only be used with a single resource")
    field = "labels" if label else "annotations"
    for t in targets:
        try:
            _one(inv, t, field, new, remove, local, strategy, one)
        except CommandError as e:
            errs.append(e)
        except Exception as e:  # API errors
            from ...api.errors import StatusError

            if not isinstance(e, StatusError):
                raise
            errs.append(e)
    err = aggregate(errs)
    if err is not None:
        raise err
    return 0


def _update(obj: dict, field: str, new: dict, remove: list[str], overwrite: bool, rv: str) -> None:
    md = obj.setdefault("metadata", {})
    current = md.get(field) or {}
    if not overwrite:
        conflicts = [(k, current[k]) for k, v in new.items() if k in current and current[k] != v
                     and not (field == "annotations" and k == "kubernetes.io/change-cause")]
        if conflicts:
            if field == "labels":
                from ..errors import MultipleErrors

                msgs = [CommandError(f"error: '{k}' already has a value ({v}), and --overwrite is false")
                        for k, v in conflicts]
                raise msgs[0] if len(msgs) == 1 else MultipleErrors(msgs)
            raise CommandError("error: --overwrite is false but found the following declared annotation(s): "
                               + "; ".join(f"'{k}' already has a value ({v})" for k, v in conflicts))
    updated = dict(current)
    updated.update(new)
    for k in remove:
        updated.pop(k, None)
    if field == "annotations" and not updated and not current:
        pass
    md[field] = updated
    if rv:
        md["resourceVersion"] = rv


def _one(inv, t: Target, field: str, new: dict, remove: list[str], local: bool, strategy: str, one: bool) -> None:
    label = field == "labels"
    rv = inv.flag("resource-version") or ""
    if rv:
        t.original.setdefault("metadata", {})
        t.original = {**t.original, "metadata": {k: v for k, v in t.original["metadata"].items()
                                                   if k != "resourceVersion"}}
        t.obj["metadata"].pop("resourceVersion", None)
    old_json = _go_json(t.original)
    if local or strategy == "client" or inv.flag("list"):
        _update(t.obj, field, new, remove, bool(inv.flag("overwrite")), rv)
        output = t.obj
    else:
        if label:
            current = (t.obj.get("metadata") or {}).get("labels") or {}
            for k in remove:
                if k not in current:
                    inv.println(f'label "{k}" not found.')
        _update(t.obj, field, new, remove, bool(inv.flag("overwrite")), rv)
        record_change_cause(inv, t.obj)
        output = send_patch(inv, t, server_dry_run=strategy == "server")
    new_json = _go_json(t.obj)
    if inv.flag("list"):
        values = (output.get("metadata") or {}).get(field) or {}
        indent = ""
        if not one:
            indent = " "
            api_version = str(t.obj.get("apiVersion", ""))
            group = api_version.rpartition("/")[0] if "/" in api_version else ""
            inv.println(f"Listing {field} for {t.obj.get('kind', '')}.{group}/{t.name}:")
        for k in sorted(values):
            inv.println(f"{indent}{k}={values[k]}")
        return
    if label:
        op = "not labeled"
        if old_json != new_json:
            op = "labeled"
            if not inv.flag("overwrite") and len(new_json) < len(old_json):
                op = "unlabeled"
    else:
        op = "annotated"
    operation_printer(inv, op, strategy).print_obj(dict(t.obj if (local or strategy == "client") else output), inv.out)
