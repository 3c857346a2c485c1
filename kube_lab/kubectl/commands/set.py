"""``kubectl set image|env|resources`` (k8s.io/kubectl/pkg/cmd/set): change the pod template of
workloads and send the change as a strategic merge patch (``<kind>/<name> image updated``,
``env updated``, ``resource requirements updated``); nothing is sent or printed when nothing
changes.  ``--local -f FILE`` prints the typed object without contacting the server.
"""
from __future__ import annotations

import fnmatch

from ...api import errors as api_errors
from ...api.quantity import QuantityError, parse_quantity
from ..errors import MultipleErrors, aggregate
from ..parser import Command, CommandError, Flag
from ..typed import roundtrip
from . import dry_run_strategy, operation_printer, record_flag
from .apply import record_change_cause, warn_record_flag
from .label import resources_and_pairs
from .mutate import STRATEGIC_PATCH, common_flags, iter_pod_specs, merge_patch, select, selection_flags


def command() -> Command:
    s = Command("set", short="Set specific features on objects")
    s.add(
        Command("env", short="Update environment variables on a pod template", run=run_env,
                flags=[*common_flags("kubectl-set"), *selection_flags(field_selector=False, all_namespaces=False),
                       Flag("containers", "c", default="*"), Flag("from"), Flag("prefix"),
                       Flag("env", "e", type="stringArray"), Flag("keys", type="stringSlice"),
                       Flag("list", type="bool"), Flag("resolve", type="bool"),
                       Flag("overwrite", type="bool", default=True)]),
        Command("image", short="Update the image of a pod template", run=run_image,
                flags=[*common_flags("kubectl-set"), *selection_flags(field_selector=False, all_namespaces=False),
                       record_flag()]),
        Command("resources", short="Update resource requests/limits on objects with pod templates",
                run=run_resources,
                flags=[*common_flags("kubectl-set"), *selection_flags(field_selector=False, all_namespaces=False),
                       Flag("containers", "c", default="*"), Flag("limits"), Flag("requests"), record_flag()]),
        Command("selector", short="Set the selector on a resource", run=_unsupported("selector")),
        Command("serviceaccount", short="Update the service account of a resource", aliases=("sa",),
                run=_unsupported("serviceaccount")),
        Command("subject", short="Update the user, group, or service account in a role binding or cluster role "
                "binding", run=_unsupported("subject")),
    )
    return s


def _unsupported(name: str):
    def run(inv) -> int:
        raise CommandError(f"error: kubectl set {name} is not available in kube-lab")
    return run


def _common_checks(inv, resources: list[str]) -> str:
    strategy = dry_run_strategy(inv)
    if inv.flag("local") and strategy == "server":
        raise CommandError("error: cannot specify --local and --dry-run=server - did you mean --dry-run=client?")
    return strategy


def _apply_changes(inv, resources: list[str], change, operation: str, strategy: str,
                   errs: list[BaseException]) -> int:
    """Run ``change(target_obj)`` (which edits pod specs and may append to ``errs``) on every
    target, then patch and print as ``CalculatePatches`` + the set commands do."""
    local = bool(inv.flag("local"))
    warn_record_flag(inv)
    targets, visit_errs = select(inv, resources, local=local, all_flag=bool(inv.opts.get("all")))
    if visit_errs:
        raise aggregate(visit_errs)
    for t in targets:
        if not any(True for _ in iter_pod_specs(t.obj)):
            errs.append(CommandError(f"error: {t.info.resource}/{t.name} the object is not a pod or does not "
                                     "have a pod template: *unstructured.Unstructured"))
            continue
        change(t.obj)
        record_change_cause(inv, t.obj)
        patch = merge_patch(t.original, t.obj)
        if not patch:
            continue
        if local or strategy == "client":
            operation_printer(inv, operation, strategy).print_obj(roundtrip(t.obj), inv.out, typed=True)
            continue
        try:
            import json

            actual = inv.client.patch(t.info.resource, t.name, json.dumps(_strategic(t.original, t.obj)),
                                      STRATEGIC_PATCH, t.namespace, dry_run=strategy == "server",
                                      field_manager=inv.flag("field-manager") or "")
        except api_errors.StatusError as e:
            errs.append(CommandError(f"error: failed to patch {operation.split()[0]} update to pod template: "
                                     f"{_status_text(e)}"))
            continue
        # the answer is decoded into the typed object (struct field order in JSON)
        operation_printer(inv, operation, strategy).print_obj(roundtrip(actual), inv.out, typed=True)
    err = aggregate(errs)
    if err is not None:
        raise err
    return 0


def _status_text(e: api_errors.StatusError) -> str:
    return e.message


def _strategic(original: dict, modified: dict) -> dict:
    """A strategic merge patch from ``original`` to ``modified`` (``CreateTwoWayMergePatch``)."""
    from ...api.apply import three_way_merge_patch
    from ...api.registry import REGISTRY

    info = REGISTRY.for_kind(str(modified.get("apiVersion")), str(modified.get("kind")))
    return three_way_merge_patch(original, modified, original, info.kind_key)


# -- set image ----------------------------------------------------------------------------------

def run_image(inv) -> int:
    resources, pairs = resources_and_pairs(inv.args, "image")
    images: dict[str, str] = {}
    invalid = []
    for p in pairs:
        if "=" in p and not p.startswith("="):
            k, _, v = p.partition("=")
            images[k] = v
        else:
            invalid.append(p)
    if invalid:
        raise CommandError(f"error: invalid image format: {', '.join(invalid)}")
    problems = []
    if inv.flag("all") and inv.flag("selector"):
        problems.append("cannot set --all and --selector at the same time")
    if not resources and not inv.flag("filename") and not inv.flag("kustomize"):
        problems.append("one or more resources must be specified as <resource> <name> or <resource>/<name>")
    if not images:
        problems.append("at least one image update is required")
    elif len(images) > 1 and "*" in images:
        problems.append("all containers are already specified by *, but saw more than one "
                        "container_name=container_image pairs")
    if inv.flag("local") and dry_run_strategy(inv) == "server":
        problems.append("cannot specify --local and --dry-run=server - did you mean --dry-run=client?")
    if problems:
        if len(problems) == 1:
            raise CommandError("error: " + problems[0])
        raise MultipleErrors([CommandError(p) for p in problems])
    strategy = dry_run_strategy(inv)
    errs: list[BaseException] = []

    def change(obj: dict) -> None:
        for spec in iter_pod_specs(obj):
            for name, image in images.items():
                found = False
                for key in ("initContainers", "containers"):
                    for c in spec.get(key) or []:
                        if c.get("name") == name or name == "*":
                            c["image"] = image
                            found = True
                if not found:
                    errs.append(CommandError(f'error: unable to find container named "{name}"'))
    return _apply_changes(inv, resources, change, "image updated", strategy, errs)


# -- set env ------------------------------------------------------------------------------------

def _parse_env(specs: list[str], stdin: str | None) -> tuple[list[dict], list[str]]:
    env: list[dict] = []
    remove: list[str] = []
    for spec in specs:
        if spec == "-":
            for line in (stdin or "").splitlines():
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                k, _, v = line.partition("=")
                env.append({"name": k, "value": v})
        elif "=" in spec:
            k, _, v = spec.partition("=")
            if not k:
                raise CommandError(f"error: invalid key name in {spec!r}")
            env.append({"name": k, "value": v})
        elif spec.endswith("-"):
            remove.append(spec[:-1])
        else:
            raise CommandError(f"error: environment variables must be of the form key=value: {spec}")
    return env, remove


def _update_env(existing: list[dict], add: list[dict], remove: list[str]) -> list[dict]:
    out = []
    for e in existing:
        if e.get("name") in remove:
            continue
        replaced = next((a for a in add if a["name"] == e.get("name")), None)
        out.append(dict(replaced) if replaced else e)
    for a in add:
        if not any(o.get("name") == a["name"] for o in out):
            out.append(dict(a))
    return out


def run_env(inv) -> int:
    resources, pairs = [], []
    found = False
    for s in inv.args:
        is_pair = ("=" in s and not s.startswith("=")) or (s.endswith("-") and s != "-") or s == "-"
        if is_pair:
            found = True
            pairs.append(s)
        elif found:
            raise CommandError(f"error: all resources must be specified before environment changes: {s}")
        else:
            resources.append(s)
    if not resources and not inv.flag("filename") and not inv.flag("kustomize"):
        raise CommandError("error: one or more resources must be specified as <resource> <name> or "
                           "<resource>/<name>")
    env, remove = _parse_env(list(inv.flag("env") or []) + pairs, inv.stdin)
    if inv.flag("from"):
        kind, _, name = inv.flag("from").partition("/")
        info = inv.resolve(kind) if name else None
        if info is None or info.resource not in ("configmaps", "secrets"):
            raise CommandError("error: unsupported resource specified in --from")
        src = inv.client.get(info.resource, name, inv.namespace)
        keys = inv.flag("keys") or []
        ref = "configMapKeyRef" if info.resource == "configmaps" else "secretKeyRef"
        for key in sorted((src.get("data") or {}).keys()):
            if keys and key not in keys:
                continue
            env.append({"name": _env_name(key), "valueFrom": {ref: {"key": key, "name": name}}})
    if inv.flag("prefix"):
        env = [{**e, "name": inv.flag("prefix") + e["name"]} for e in env]
    if not env and not remove and not inv.flag("list"):
        raise CommandError("error: at least one environment variable must be provided")
    strategy = dry_run_strategy(inv)
    selector = inv.flag("containers") or "*"
    errs: list[BaseException] = []

    def change(obj: dict) -> None:
        for spec in iter_pod_specs(obj):
            chosen = [c for key in ("containers", "initContainers") for c in spec.get(key) or []
                      if fnmatch.fnmatchcase(c.get("name", ""), selector)]
            if not chosen:
                inv.eprintln(f'Warning: {obj.get("kind")}/{(obj.get("metadata") or {}).get("name", "")} does not '
                             f'have any containers matching "{selector}"')
                continue
            for c in chosen:
                if not inv.flag("overwrite"):
                    for e in env:
                        if any(x.get("name") == e["name"] for x in c.get("env") or []):
                            raise CommandError(f"error: '{e['name']}' already has a value "
                                               f"({next(x for x in c['env'] if x.get('name') == e['name']).get('value', '')}), "
                                               "and --overwrite is false")
                c["env"] = _update_env(c.get("env") or [], env, remove)
                if not c["env"]:
                    c.pop("env")
                if inv.flag("list"):
                    inv.println(f"# {obj.get('kind')} {(obj.get('metadata') or {}).get('name', '')}, container "
                                f"{c.get('name', '')}")
                    for e in c.get("env") or []:
                        if e.get("valueFrom") is None:
                            inv.println(f"{e.get('name', '')}={e.get('value', '')}")
                        else:
                            inv.println(f"# {e.get('name', '')} from {_ref_string(e['valueFrom'])}")
    if inv.flag("list"):
        targets, visit_errs = select(inv, resources, local=bool(inv.flag("local")),
                                     all_flag=bool(inv.opts.get("all")))
        for t in targets:
            change(t.obj)
        err = aggregate(visit_errs)
        if err is not None:
            raise err
        return 0
    return _apply_changes(inv, resources, change, "env updated", strategy, errs)


def _env_name(key: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9_]", "_", key).upper()


def _ref_string(vf: dict) -> str:
    if vf.get("fieldRef"):
        return f"field path {vf['fieldRef'].get('fieldPath', '')}"
    if vf.get("resourceFieldRef"):
        return f"resource {vf['resourceFieldRef'].get('resource', '')}"
    if vf.get("secretKeyRef"):
        return f"secret {vf['secretKeyRef'].get('name', '')}, key {vf['secretKeyRef'].get('key', '')}"
    if vf.get("configMapKeyRef"):
        return f"configmap {vf['configMapKeyRef'].get('name', '')}, key {vf['configMapKeyRef'].get('key', '')}"
    return "invalid source"


# -- set resources ------------------------------------------------------------------------------

def _parse_resource_list(spec: str, what: str) -> dict:
    out: dict[str, str] = {}
    if not spec:
        return out
    for part in spec.split(","):
        k, sep, v = part.partition("=")
        if not sep:
            raise CommandError(f"error: invalid argument syntax {part}")
        try:
            out[k] = str(parse_quantity(v))
        except (QuantityError, ValueError):
            raise CommandError(f"error: {v} is not a valid quantity") from None
    return out


def run_resources(inv) -> int:
    resources = list(inv.args)
    if not resources and not inv.flag("filename") and not inv.flag("kustomize"):
        raise CommandError("error: one or more resources must be specified as <resource> <name> or "
                           "<resource>/<name>")
    limits = _parse_resource_list(inv.flag("limits") or "", "limits")
    requests = _parse_resource_list(inv.flag("requests") or "", "requests")
    if not limits and not requests:
        raise CommandError("error: you must specify an update to requests or limits (in the form of --requests/"
                           "--limits)")
    strategy = dry_run_strategy(inv)
    selector = inv.flag("containers") or "*"
    errs: list[BaseException] = []

    def change(obj: dict) -> None:
        for spec in iter_pod_specs(obj):
            chosen = [c for c in (spec.get("initContainers") or []) + (spec.get("containers") or [])
                      if fnmatch.fnmatchcase(c.get("name", ""), selector)]
            if not chosen:
                errs.append(CommandError(f"error: unable to find container named {selector}"))
            for c in chosen:
                res = dict(c.get("resources") or {})
                if limits:
                    res["limits"] = {**(res.get("limits") or {}), **limits}
                if requests:
                    res["requests"] = {**(res.get("requests") or {}), **requests}
                c["resources"] = res
    return _apply_changes(inv, resources, change, "resource requirements updated", strategy, errs)
