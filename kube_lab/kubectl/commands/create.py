"""``kubectl create`` (k8s.io/kubectl/pkg/cmd/create): ``create -f`` and the generators
(``create deployment|namespace|configmap|secret generic|service …|job|cronjob|serviceaccount``).

A generator builds the object kubectl builds — the same fields, in Go's struct order, which is the
order ``-o json`` shows — then, unless ``--dry-run=client``, POSTs it (field manager
``kubectl-create``, strict field validation) and prints ``<kind>/<name> created``.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
from typing import Any, Callable

from ...api import errors as api_errors
from ...api.meta import deep_copy
from ...api.registry import REGISTRY
from ..parser import Command, CommandError, Flag, usage_error
from ..printers import GENERIC_FORMATS, NamePrinter, printer_for
from ..resources import Builder
from . import (DRY_RUN_SUFFIX, dry_run_flag, dry_run_strategy, field_manager_flag, filename_flags, operation_printer,
               output_flags, record_flag, validate_flag)

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def command() -> Command:
    create = Command("create", short="Create a resource from a file or from stdin", run=run_create,
                     usage="kubectl create -f FILENAME",
                     flags=[*filename_flags("to use to create the resource"), *output_flags(),
                            Flag("edit", type="bool"), Flag("raw"), Flag("windows-line-endings", type="bool"),
                            Flag("save-config", type="bool"), validate_flag(), Flag("selector", "l"),
                            dry_run_flag(), field_manager_flag("kubectl-create"), record_flag()])
    create.add(
        _gen("clusterrole", _clusterrole,
             flags=[Flag("verb", type="stringSlice"), Flag("non-resource-url", type="stringSlice"),
                    Flag("resource", type="stringSlice"), Flag("resource-name", type="stringArray"),
                    Flag("aggregation-rule", type="stringToString")],
             short="Create a cluster role"),
        _gen("clusterrolebinding", _clusterrolebinding, required=("clusterrole",),
             flags=[Flag("clusterrole"), Flag("user", type="stringArray"), Flag("group", type="stringArray"),
                    Flag("serviceaccount", type="stringArray")],
             short="Create a cluster role binding for a particular cluster role"),
        _gen("configmap", _configmap, aliases=("cm",),
             flags=[Flag("from-file", type="stringSlice"), Flag("from-literal", type="stringArray"),
                    Flag("from-env-file", type="stringSlice"), Flag("append-hash", type="bool")],
             short="Create a config map from a local file, directory or literal value"),
        _gen("cronjob", _cronjob, aliases=("cj",),
             flags=[Flag("image", usage="Image name to run."), Flag("schedule"), Flag("restart")],
             required=("image", "schedule"), short="Create a cron job with the specified name"),
        _gen("deployment", _deployment, aliases=("deploy",),
             flags=[Flag("image", type="stringSlice"), Flag("port", type="int32", default=-1),
                    Flag("replicas", "r", type="int32", default=1)], required=("image",),
             short="Create a deployment with the specified name"),
        _gen("ingress", None, aliases=("ing",)),
        _gen("job", _job, flags=[Flag("image"), Flag("from")], short="Create a job with the specified name"),
        _gen("namespace", _namespace, aliases=("ns",), short="Create a namespace with the specified name"),
        _gen("poddisruptionbudget", _pdb, aliases=("pdb",),
             flags=[Flag("min-available"), Flag("max-unavailable"), Flag("selector")],
             short="Create a pod disruption budget with the specified name"),
        _gen("priorityclass", _priorityclass, aliases=("pc",),
             flags=[Flag("value", type="int32"), Flag("global-default", type="bool"), Flag("description"),
                    Flag("preemption-policy", default="PreemptLowerPriority")],
             short="Create a priority class with the specified name"),
        _gen("quota", _quota, aliases=("resourcequota",), flags=[Flag("hard"), Flag("scopes")],
             short="Create a quota with the specified name"),
        _gen("role", _role,
             flags=[Flag("verb", type="stringSlice"), Flag("resource", type="stringSlice"),
                    Flag("resource-name", type="stringArray")],
             short="Create a role with single rule"),
        _gen("rolebinding", _rolebinding,
             flags=[Flag("clusterrole"), Flag("role"), Flag("user", type="stringArray"),
                    Flag("group", type="stringArray"), Flag("serviceaccount", type="stringArray")],
             short="Create a role binding for a particular role or cluster role"),
        _secret_command(),
        _service_command(),
        _gen("serviceaccount", _serviceaccount, aliases=("sa",), short="Create a service account with the "
             "specified name"),
        _gen("token", None),
    )
    return create


# -- create -f ---------------------------------------------------------------------------------

def run_create(inv) -> int:
    if inv.flag("raw"):
        raise CommandError("error: --raw requests need an HTTP server; use kube-lab serve and the real kubectl")
    if inv.flag("edit"):
        raise CommandError("error: kubectl create --edit is not available in kube-lab: there is no editor")
    if not inv.flag("filename") and not inv.flag("kustomize"):
        if inv.args:
            raise usage_error("kubectl create", f"Unexpected args: [{' '.join(inv.args)}]")
        raise CommandError("error: must specify one of -f and -k")
    if inv.args:
        raise usage_error("kubectl create", f"Unexpected args: [{' '.join(inv.args)}]")
    strategy = dry_run_strategy(inv)
    printer = operation_printer(inv, "created", strategy)
    builder = (Builder(inv).selector(inv.flag("selector") or None)
               .filenames_from(inv.flag("filename"), inv.flag("recursive"), inv.flag("kustomize")))
    visits = builder.visits()
    from ..errors import aggregate
    from .apply import record_change_cause, warn_record_flag

    warn_record_flag(inv)
    errs: list[BaseException] = []
    count = 0
    for v in visits:
        if v.kind == "error":
            errs.append(v.extra["error"])
            continue
        obj = deep_copy(v.obj)
        md = obj.setdefault("metadata", {}) if isinstance(obj.get("metadata"), dict) or "metadata" not in obj \
            else obj["metadata"]
        if v.info.namespaced and isinstance(md, dict):
            md["namespace"] = v.namespace
        if inv.flag("save-config") and isinstance(md, dict):
            from ...api.apply import modified_configuration

            obj, _ = modified_configuration(obj)
        record_change_cause(inv, obj)
        if strategy != "client":
            try:
                obj = inv.client.create(v.info.resource, obj, v.namespace, field_validation="Strict",
                                        dry_run=strategy == "server")
            except api_errors.StatusError as e:
                errs.append(source_error("creating", v.source, e))
                continue
        count += 1
        printer.print_obj(deep_copy(obj), inv.out)
    err = aggregate(errs)
    if err is not None:
        raise err
    if count == 0:
        raise CommandError("error: no objects passed to create")
    return 0


def source_error(verb: str, source: str, e: api_errors.StatusError) -> api_errors.StatusError:
    """``cmdutil.AddSourceToErr``: the Status message prefixed with ``error when <verb> "<source>": ``."""
    if not source:
        return e
    status = deep_copy(e.status)
    status["message"] = f"error when {verb} {api_errors.go_quote(source)}: {status.get('message', '')}"
    return api_errors.StatusError(status)


# -- generators -----------------------------------------------------------------------------------

def _gen(name: str, build: Callable | None, aliases: tuple = (), flags: list | None = None,
         required: tuple = (), short: str = "") -> Command:
    def run(inv) -> int:
        if build is None:
            raise CommandError(f"error: kubectl create {name} is not available in kube-lab")
        for r in required:
            if not inv.given(r):
                raise CommandError(f'error: required flag(s) "{r}" not set')
        return run_generator(inv, name, build)
    return Command(name, short=short or f"Create a {name}", aliases=aliases, run=run,
                   flags=[*output_flags(), Flag("save-config", type="bool"), validate_flag(), dry_run_flag(),
                          field_manager_flag("kubectl-create"), *(flags or [])])


def name_from_args(inv) -> str:
    """``NameFromCommandArgs``: exactly one NAME before ``--``."""
    n = inv.opts.dash_at if inv.opts.dash_at >= 0 else len(inv.args)
    if n != 1:
        raise usage_error(inv.cmd.path, f"exactly one NAME is required, got {n}")
    return inv.args[0]


def _meta(inv, name: str, labels: dict | None = None) -> dict:
    md: dict[str, Any] = {"name": name}
    if inv.explicit_namespace:
        md["namespace"] = inv.namespace
    md["creationTimestamp"] = None
    if labels is not None:
        md["labels"] = labels
    return md


def run_generator(inv, name: str, build: Callable) -> int:
    strategy = dry_run_strategy(inv)
    obj = build(inv)
    if inv.flag("save-config"):
        obj = with_last_applied(obj)
    printer = printer_for(inv.flag("output"), inv.flag("template") or "", allowed=GENERIC_FORMATS,
                          operation="created" + DRY_RUN_SUFFIX.get(strategy, ""))
    typed = True
    if strategy != "client":
        info = REGISTRY.for_kind(obj["apiVersion"], obj["kind"])
        try:
            created = inv.client.create(info.resource, obj, inv.namespace if info.namespaced else None,
                                        field_validation="Strict", dry_run=strategy == "server")
        except api_errors.StatusError as e:
            text = _failure_text(name, obj, e)
            if text is None:
                raise
            raise CommandError(f"error: {text}") from None
        # kubectl decodes the answer into its Go type: JSON keeps the struct's field order
        from ..typed import roundtrip

        obj = roundtrip(created)
    if printer is None:
        printer = NamePrinter("created" + DRY_RUN_SUFFIX.get(strategy, ""))
    printer.print_obj(obj, inv.out, typed=typed)
    return 0


def with_last_applied(obj: dict) -> dict:
    """``CreateOrUpdateAnnotation`` for a typed object: the annotation holds the object's JSON
    (struct order, no annotation of its own) and sits after ``labels`` in ``metadata``."""
    from ..printers.jsonprinter import compact

    md = obj.get("metadata") or {}
    annotations = {k: v for k, v in (md.get("annotations") or {}).items() if k != LAST_APPLIED}
    stripped = {**obj, "metadata": {k: v for k, v in md.items() if k != "annotations"}}
    if annotations:
        stripped["metadata"]["annotations"] = annotations
    body = compact(stripped, sort_keys=False) + "\n"
    new_md: dict[str, Any] = {}
    for k, v in md.items():
        if k != "annotations":
            new_md[k] = v
        if k in ("labels",) or (k == "creationTimestamp" and "labels" not in md):
            new_md["annotations"] = {**annotations, LAST_APPLIED: body}
    new_md.setdefault("annotations", {**annotations, LAST_APPLIED: body})
    return {**obj, "metadata": new_md}


def _failure_text(name: str, obj: dict, e: api_errors.StatusError) -> str | None:
    """How each ``create`` generator wraps a failed POST (None: the API error as is)."""
    if name in ("namespace", "role", "clusterrole"):
        return None
    if name == "generic":
        return f"failed to create secret {e.message}"
    if name in ("clusterip", "nodeport", "loadbalancer", "externalname"):
        return f"failed to create {(obj.get('spec') or {}).get('type', '')} service: {e.message}"
    return f"failed to create {name}: {e.message}"


def _typed_json(obj: dict) -> str:
    from ..printers.jsonprinter import compact

    return compact(obj, sort_keys=False)


def _image_name(image: str) -> str:
    name = image.split("/")[-1]
    if ":" in name:
        name = name.split(":")[0]
    if "@" in name:
        name = name.split("@")[0]
    if "_" in name or "." in name:
        import random

        rng = random.Random(image)
        suffix = "".join(rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))
        name = name.replace("_", "-").replace(".", "-") + "-" + suffix
    return name


def _deployment(inv) -> dict:
    name = name_from_args(inv)
    command = inv.args[1:] if len(inv.args) > 1 else None
    images = inv.flag("image")
    if len(images) > 1 and command:
        raise CommandError("error: cannot specify multiple --image options and command")
    labels = {"app": name}
    containers = []
    for image in images:
        c: dict[str, Any] = {"name": _image_name(image), "image": image}
        if command:
            c["command"] = list(command)
        containers.append(c)
    if inv.flag("port") >= 0 and containers:
        containers[0]["ports"] = [{"containerPort": inv.flag("port")}]
    for c in containers:
        c["resources"] = {}
    return {
        "kind": "Deployment", "apiVersion": "apps/v1", "metadata": _meta(inv, name, dict(labels)),
        "spec": {"replicas": inv.flag("replicas"), "selector": {"matchLabels": dict(labels)},
                 "template": {"metadata": {"creationTimestamp": None, "labels": dict(labels)},
                              "spec": {"containers": containers}},
                 "strategy": {}},
        "status": {},
    }


def _subjects(inv) -> list[dict]:
    """``--user``, ``--group`` and ``--serviceaccount NS:NAME`` as RBAC subjects, in that order."""
    out = []
    for user in inv.flag("user") or []:
        out.append({"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": user})
    for group in inv.flag("group") or []:
        out.append({"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": group})
    for sa in inv.flag("serviceaccount") or []:
        tokens = sa.split(":")
        if len(tokens) != 2 or not tokens[0] or not tokens[1]:
            raise CommandError("error: serviceaccount must be <namespace>:<name>")
        out.append({"kind": "ServiceAccount", "name": tokens[1], "namespace": tokens[0]})
    return out


def _binding(kind: str, md: dict, role_kind: str, role: str, subjects: list[dict]) -> dict:
    obj: dict[str, Any] = {"kind": kind, "apiVersion": "rbac.authorization.k8s.io/v1", "metadata": md}
    if subjects:
        obj["subjects"] = subjects
    obj["roleRef"] = {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role}
    return obj


VALID_RESOURCE_VERBS = ("*", "get", "delete", "list", "create", "update", "patch", "watch", "proxy",
                        "deletecollection", "use", "bind", "escalate", "impersonate")
VALID_NON_RESOURCE_VERBS = ("*", "get", "post", "put", "delete", "patch", "head", "options")
SPECIAL_VERBS = {"use": (("policy", "podsecuritypolicies"), ("extensions", "podsecuritypolicies")),
                 "bind": (("rbac.authorization.k8s.io", "roles"), ("rbac.authorization.k8s.io", "clusterroles")),
                 "escalate": (("rbac.authorization.k8s.io", "roles"), ("rbac.authorization.k8s.io", "clusterroles")),
                 "impersonate": (("", "users"), ("", "serviceaccounts"), ("", "groups"),
                                 ("authentication.k8s.io", "userextras"))}


def _dedup(values: list[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        if v not in out:
            out.append(v)
    return out


def _role_inputs(inv) -> tuple[list[str], list[tuple[str, str, str]], list[str]]:
    """``CreateRoleOptions.Complete``: verbs ("*" wins), resources as (resource, group, subresource)
    ("*" alone wins), resource names, all deduplicated."""
    verbs: list[str] = []
    for v in inv.flag("verb") or []:
        if v == "*":
            verbs = ["*"]
            break
        if v not in verbs:
            verbs.append(v)
    resources: list[tuple[str, str, str]] = []
    for r in inv.flag("resource") or []:
        base, _, sub = r.partition("/")
        res, _, group = base.partition(".")
        if res == "*" and not group and not sub:
            resources = [("*", "", "")]
            break
        resources.append((res, group, sub))
    return verbs, resources, _dedup(list(inv.flag("resource-name") or []))


def _map_resource(inv, res: str, group: str) -> tuple[tuple[str, str], BaseException | None]:
    """``RESTMapper.ResourceFor``: the plural resource and its group, or the error."""
    info = None
    if res:
        info = inv.registry.resolve(f"{res}.{group}" if group else res)
        if info is None and group:
            # the shortcut expander: a short name within its group ("rs.apps")
            short = inv.registry.resolve(res)
            info = short if short is not None and short.group == group else None
    if info is None:
        # a meta.NoResourceMatchError: kubectl prints it without the "error: " prefix
        text = (f'the server doesn\'t have a resource type "{res}" in group "{group}"' if group
                else f'the server doesn\'t have a resource type "{res}"')
        return (res, group), CommandError(text)
    return (info.resource, info.group), None


def _validate_resources(inv, verbs: list[str], resources: list) -> None:
    for res, group, _ in resources:
        if not res:
            raise CommandError("error: resource must be specified if apiGroup/subresource specified")
        if res == "*":
            return
        (mres, mgroup), err = _map_resource(inv, res, group)
        for v in verbs:
            if v in SPECIAL_VERBS:
                if (mgroup, mres) in SPECIAL_VERBS[v]:
                    err = None
                else:
                    raise CommandError(f"error: can not perform '{v}' on '{mres}' in group '{mgroup}'")
        if err is not None:
            raise err


def _policy_rules(inv, verbs: list[str], resources: list, names: list[str], urls: list[str]) -> list[dict]:
    by_group: dict[str, list[str]] = {}
    for res, group, sub in resources:
        (mres, mgroup), _ = _map_resource(inv, res, group) if res != "*" else ((res, group), None)
        if sub:
            mres = f"{mres}/{sub}"
        lst = by_group.setdefault(mgroup, [])
        if mres not in lst:
            lst.append(mres)
    rules = []
    for g in sorted(by_group):
        rule: dict[str, Any] = {"verbs": list(verbs), "apiGroups": [g], "resources": by_group[g]}
        if names:
            rule["resourceNames"] = list(names)
        rules.append(rule)
    if urls:
        rules.append({"verbs": list(verbs), "nonResourceURLs": list(urls)})
    return rules


def _role(inv) -> dict:
    name = name_from_args(inv)
    verbs, resources, names = _role_inputs(inv)
    if not verbs:
        raise CommandError("error: at least one verb must be specified")
    for v in verbs:
        if v not in VALID_RESOURCE_VERBS:
            inv.eprintln(f"Warning: '{v}' is not a standard resource verb")
    if not resources:
        raise CommandError("error: at least one resource must be specified")
    _validate_resources(inv, verbs, resources)
    return {"kind": "Role", "apiVersion": "rbac.authorization.k8s.io/v1", "metadata": _meta(inv, name),
            "rules": _policy_rules(inv, verbs, resources, names, [])}


def _clusterrole(inv) -> dict:
    name = name_from_args(inv)
    verbs, resources, names = _role_inputs(inv)
    urls = _dedup(list(inv.flag("non-resource-url") or []))
    aggregation = inv.flag("aggregation-rule") or {}
    md = {"name": name, "creationTimestamp": None}
    obj: dict[str, Any] = {"kind": "ClusterRole", "apiVersion": "rbac.authorization.k8s.io/v1", "metadata": md}
    if aggregation:
        if urls or verbs or resources or names:
            raise CommandError("error: aggregation rule must be specified without nonResourceURLs, verbs, resources "
                               "or resourceNames")
        obj["rules"] = None
        obj["aggregationRule"] = {"clusterRoleSelectors": [{"matchLabels": dict(sorted(aggregation.items()))}]}
        return obj
    if not verbs:
        raise CommandError("error: at least one verb must be specified")
    if not resources and not urls:
        raise CommandError("error: one of resource or nonResourceURL must be specified")
    if resources:
        for v in verbs:
            if v not in VALID_RESOURCE_VERBS:
                inv.eprintln(f"Warning: '{v}' is not a standard resource verb")
        _validate_resources(inv, verbs, resources)
    if urls:
        for v in verbs:
            if v not in VALID_NON_RESOURCE_VERBS:
                raise CommandError(f"error: invalid verb: '{v}' for nonResourceURL")
        for url in urls:
            if url == "*":
                continue
            if not url.startswith("/"):
                raise CommandError("error: nonResourceURL should start with /")
            if "*" in url[:-1]:
                raise CommandError("error: nonResourceURL only supports wildcard matches when '*' is at the end")
    obj["rules"] = _policy_rules(inv, verbs, resources, names, urls)
    return obj


def _rolebinding(inv) -> dict:
    name = name_from_args(inv)
    role, cluster_role = inv.flag("role") or "", inv.flag("clusterrole") or ""
    if bool(role) == bool(cluster_role):
        raise CommandError("error: exactly one of clusterrole or role must be specified")
    subjects = _subjects(inv)
    return _binding("RoleBinding", _meta(inv, name), "Role" if role else "ClusterRole", role or cluster_role, subjects)


def _clusterrolebinding(inv) -> dict:
    name = name_from_args(inv)
    md = {"name": name, "creationTimestamp": None}
    return _binding("ClusterRoleBinding", md, "ClusterRole", inv.flag("clusterrole"), _subjects(inv))


def _priorityclass(inv) -> dict:
    name = name_from_args(inv)
    obj: dict[str, Any] = {"kind": "PriorityClass", "apiVersion": "scheduling.k8s.io/v1",
                           "metadata": {"name": name, "creationTimestamp": None}, "value": inv.flag("value")}
    if inv.flag("global-default"):
        obj["globalDefault"] = True
    if inv.flag("description"):
        obj["description"] = inv.flag("description")
    obj["preemptionPolicy"] = inv.flag("preemption-policy")
    return obj


def _quota(inv) -> dict:
    from ...api.quantity import QuantityError, parse_quantity

    name = name_from_args(inv)
    spec: dict[str, Any] = {}
    hard_spec = inv.flag("hard") or ""
    if hard_spec:
        hard: dict[str, str] = {}
        for statement in hard_spec.split(","):
            parts = statement.split("=")
            if len(parts) != 2:
                raise CommandError(f"error: Invalid argument syntax {statement}, expected <resource>=<value>")
            try:
                hard[parts[0]] = str(parse_quantity(parts[1]))
            except (QuantityError, ValueError):
                raise CommandError("error: quantities must match the regular expression "
                                   "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'") from None
        spec["hard"] = dict(sorted(hard.items()))
    scopes_spec = inv.flag("scopes") or ""
    if scopes_spec:
        scopes = scopes_spec.split(",")
        if any(not x for x in scopes):
            raise CommandError('error: invalid resource quota scope ""')
        spec["scopes"] = scopes
    return {"kind": "ResourceQuota", "apiVersion": "v1", "metadata": _meta(inv, name), "spec": spec, "status": {}}


def _pdb(inv) -> dict:
    import re as _re

    from ...api.selectors import SelectorError

    name = name_from_args(inv)
    selector_text = inv.flag("selector") or ""
    min_available, max_unavailable = inv.flag("min-available") or "", inv.flag("max-unavailable") or ""
    if not selector_text:
        raise CommandError("error: a selector must be specified")
    if not min_available and not max_unavailable:
        raise CommandError("error: one of min-available or max-unavailable must be specified")
    if min_available and max_unavailable:
        raise CommandError("error: min-available and max-unavailable cannot be both specified")
    pattern = _re.compile(r"^[0-9]+%?$")
    if min_available and not pattern.match(min_available):
        raise CommandError("error: invalid format specified for min-available")
    if max_unavailable and not pattern.match(max_unavailable):
        raise CommandError("error: invalid format specified for max-unavailable")
    try:
        selector = _label_selector(selector_text)
    except SelectorError as e:
        raise CommandError(f"error: {e}") from None

    def intstr(v: str):
        return int(v) if v.isdigit() else v
    spec: dict[str, Any] = {}
    if min_available:
        spec["minAvailable"] = intstr(min_available)
    else:
        spec["maxUnavailable"] = intstr(max_unavailable)
    spec["selector"] = selector
    return {"kind": "PodDisruptionBudget", "apiVersion": "policy/v1", "metadata": _meta(inv, name), "spec": spec,
            "status": {"disruptionsAllowed": 0, "currentHealthy": 0, "desiredHealthy": 0, "expectedPods": 0}}


def _label_selector(text: str) -> dict:
    """``metav1.ParseToLabelSelector``: equality terms become matchLabels, the rest expressions."""
    from ...api.selectors import parse

    sel = parse(text)
    match_labels: dict[str, str] = {}
    expressions: list[dict] = []
    for req in getattr(sel, "requirements", []):
        op = getattr(req, "operator", "=")
        key = getattr(req, "key", "")
        values = list(getattr(req, "values", []) or [])
        if op in ("=", "==") and len(values) == 1:
            match_labels[key] = values[0]
            continue
        operator = {"in": "In", "notin": "NotIn", "exists": "Exists", "!": "DoesNotExist"}.get(op)
        if operator is None:
            raise CommandError(f'error: "{op}" is not a valid label selector operator')
        expr: dict[str, Any] = {"key": key, "operator": operator}
        if values:
            expr["values"] = values
        expressions.append(expr)
    out: dict[str, Any] = {}
    if match_labels:
        out["matchLabels"] = match_labels
    if expressions:
        out["matchExpressions"] = expressions
    return out


def _namespace(inv) -> dict:
    name = name_from_args(inv)
    md = {"name": name, "creationTimestamp": None}
    return {"kind": "Namespace", "apiVersion": "v1", "metadata": md, "spec": {}, "status": {}}


def _serviceaccount(inv) -> dict:
    name = name_from_args(inv)
    return {"kind": "ServiceAccount", "apiVersion": "v1", "metadata": _meta(inv, name)}


def _job(inv) -> dict:
    name = name_from_args(inv)
    command = inv.args[1:] if len(inv.args) > 1 else None
    if inv.flag("from"):
        return _job_from_cronjob(inv, name)
    if not inv.flag("image"):
        raise CommandError("error: either --image or --from must be specified")
    if command and not inv.flag("image"):
        raise CommandError("error: cannot specify --from and command")
    c: dict[str, Any] = {"name": name, "image": inv.flag("image")}
    if command:
        c["command"] = list(command)
    c["resources"] = {}
    return {"kind": "Job", "apiVersion": "batch/v1", "metadata": _meta(inv, name),
            "spec": {"template": {"metadata": {"creationTimestamp": None},
                                  "spec": {"containers": [c], "restartPolicy": "Never"}}},
            "status": {}}


def _job_from_cronjob(inv, name: str) -> dict:
    kind, _, src = inv.flag("from").partition("/")
    info = inv.resolve(kind) if src else None
    if info is None or info.resource != "cronjobs":
        raise CommandError(f"error: from must be an existing cronjob: {inv.flag('from')}")
    try:
        cj = inv.client.get("cronjobs", src, inv.namespace)
    except api_errors.StatusError as e:
        raise CommandError(f"error: failed to retrieve cronjob: {e.message}") from None
    jt = deep_copy((cj.get("spec") or {}).get("jobTemplate") or {})
    annotations = {"cronjob.kubernetes.io/instantiate": "manual"}
    annotations.update((jt.get("metadata") or {}).get("annotations") or {})
    md: dict[str, Any] = {"name": name}
    if inv.explicit_namespace:
        md["namespace"] = inv.namespace
    md["creationTimestamp"] = None
    if (jt.get("metadata") or {}).get("labels"):
        md["labels"] = jt["metadata"]["labels"]
    md["annotations"] = annotations
    cmd = cj["metadata"]
    md["ownerReferences"] = [{"apiVersion": "batch/v1", "kind": "CronJob", "name": cmd["name"], "uid": cmd["uid"],
                              "controller": True}]
    return {"kind": "Job", "apiVersion": "batch/v1", "metadata": md, "spec": jt.get("spec") or {}, "status": {}}


def _cronjob(inv) -> dict:
    name = name_from_args(inv)
    command = inv.args[1:] if len(inv.args) > 1 else None
    restart = inv.flag("restart") or "OnFailure"
    if restart not in ("OnFailure", "Never"):
        raise CommandError(f"error: restart policy must be one of OnFailure, Never")
    c: dict[str, Any] = {"name": name, "image": inv.flag("image")}
    if command:
        c["command"] = list(command)
    c["resources"] = {}
    return {"kind": "CronJob", "apiVersion": "batch/v1", "metadata": _meta(inv, name),
            "spec": {"schedule": inv.flag("schedule"),
                     "jobTemplate": {"metadata": {"name": name, "creationTimestamp": None},
                                     "spec": {"template": {"metadata": {"creationTimestamp": None},
                                                           "spec": {"containers": [c], "restartPolicy": restart}}}}},
            "status": {}}


# -- configmaps and secrets -------------------------------------------------------------------------

def _parse_literal(source: str) -> tuple[str, str]:
    if source.startswith("=") or "=" not in source:
        raise CommandError(f"error: invalid literal source {source}, expected key=value")
    k, _, v = source.partition("=")
    return k, v


def _parse_file_source(source: str) -> tuple[str, str]:
    n = source.count("=")
    if n == 0:
        return os.path.basename(source.rstrip("/")) or source, source
    if n == 1 and source.startswith("="):
        raise CommandError(f"error: key name for file path {source[1:]} missing")
    if n == 1 and source.endswith("="):
        raise CommandError(f"error: file path for key name {source[:-1]} missing")
    if n > 1:
        raise CommandError("error: key names or file paths cannot contain '='")
    k, _, p = source.partition("=")
    return k, p


def is_env_var_name(value: str) -> list[str]:
    """``validation.IsEnvVarName``."""
    import re

    errs = []
    if not re.fullmatch(r"[-._a-zA-Z][-._a-zA-Z0-9]*", value):
        errs.append("a valid environment variable name must consist of alphabetic characters, digits, '_', '-', "
                    "or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or "
                    "'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')")
    if value in (".", ".."):
        errs.append(f"must not be '{value}'")
    elif value.startswith(".."):
        errs.append("must not start with '..'")
    return errs


def _read_env_file(path: str) -> list[tuple[str, str]]:
    if not os.path.exists(path):
        raise CommandError(f"error: error reading {path}: no such file or directory")
    if os.path.isdir(path):
        raise CommandError("error: env config file cannot be a directory")
    out = []
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    for i, raw in enumerate(lines):
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise CommandError(f"error: env file {path} contains invalid utf8 bytes at line {i + 1}") from None
        if i == 0:
            line = line.lstrip("\ufeff")
        line = line.lstrip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        errs = is_env_var_name(key)
        if errs:
            raise CommandError(f'error: "{key}" is not a valid key name: {";".join(errs)}')
        if not sep:
            value = os.environ.get(key, "")
        out.append((key, value))
    return out


def _sources(inv, kind: str) -> tuple[list[tuple[str, bytes]], list[tuple[str, str]]]:
    """(file entries as bytes, literal entries) from --from-file, --from-literal, --from-env-file."""
    if inv.flag("from-env-file") and (inv.flag("from-file") or inv.flag("from-literal")):
        raise CommandError("error: from-env-file cannot be combined with from-file or from-literal")
    files: list[tuple[str, bytes]] = []
    for source in inv.flag("from-file") or []:
        key, path = _parse_file_source(source)
        if not os.path.exists(path):
            raise CommandError(f"error: error reading {path}: no such file or directory")
        if os.path.isdir(path):
            if "=" in source:
                raise CommandError("error: cannot give a key name for a directory path")
            for entry in sorted(os.listdir(path)):
                full = os.path.join(path, entry)
                if os.path.isfile(full):
                    with open(full, "rb") as f:
                        files.append((entry, f.read()))
        else:
            with open(path, "rb") as f:
                files.append((key, f.read()))
    literals = [_parse_literal(s) for s in inv.flag("from-literal") or []]
    for path in inv.flag("from-env-file") or []:
        literals.extend(_read_env_file(path))
    return files, literals


def _check_key(key: str, kind: str, name: str, *maps: dict) -> None:
    from ...api.validation import is_config_map_key

    errs = is_config_map_key(key)
    if errs:
        raise CommandError(f'error: "{key}" is not a valid key name for a {kind}: {",".join(errs)}')
    for label, m in zip(("Data", "BinaryData"), maps):
        if key in m:
            if kind == "Secret":
                raise CommandError(f'error: cannot add key {key}, another key by that name already exists in '
                                   f'Data for Secret "{name}"')
            raise CommandError(f'error: cannot add key "{key}", another key by that name already exists in {label} '
                               f'for ConfigMap "{name}"')


def configmap_hash(name: str, data: dict | None, binary: dict | None = None, immutable: bool | None = None) -> str:
    """``hash.ConfigMapHash`` (kubectl) — the same encoding kustomize uses for generated names."""
    m: dict[str, Any] = {"kind": "ConfigMap", "name": name, "data": data}
    if immutable is not None:
        m["immutable"] = immutable
    if binary:
        m["binaryData"] = binary
    return encode_hash(hashlib.sha256(_go_json(m).encode()).hexdigest())


def secret_hash(name: str, type_: str, data: dict | None, immutable: bool | None = None) -> str:
    m: dict[str, Any] = {"kind": "Secret", "type": type_, "name": name, "data": data}
    if immutable is not None:
        m["immutable"] = immutable
    return encode_hash(hashlib.sha256(_go_json(m).encode()).hexdigest())


def encode_hash(hexdigest: str) -> str:
    """The first ten hex digits, with 0 1 3 a e replaced so the suffix has no vowels or look-alikes."""
    table = {"0": "g", "1": "h", "3": "k", "a": "m", "e": "t"}
    return "".join(table.get(c, c) for c in hexdigest[:10])


def _go_json(v: Any) -> str:
    from ...api.apply import go_json

    return go_json(v)


def _configmap(inv) -> dict:
    name = name_from_args(inv)
    files, literals = _sources(inv, "ConfigMap")
    data: dict[str, str] = {}
    binary: dict[str, str] = {}
    for key, raw in files:
        _check_key(key, "ConfigMap", name, data, binary)
        try:
            data[key] = raw.decode("utf-8")
        except UnicodeDecodeError:
            binary[key] = base64.b64encode(raw).decode()
    for key, value in literals:
        _check_key(key, "ConfigMap", name, data, binary)
        data[key] = value
    if inv.flag("append-hash"):
        name = f"{name}-{configmap_hash(name, dict(sorted(data.items())), binary)}"
    cm: dict[str, Any] = {"kind": "ConfigMap", "apiVersion": "v1", "metadata": _meta(inv, name)}
    if data:
        cm["data"] = dict(sorted(data.items()))
    if binary:
        cm["binaryData"] = dict(sorted(binary.items()))
    return cm


def _secret_command() -> Command:
    secret = Command("secret", short="Create a secret using a specified subcommand")
    secret.add(
        _gen("docker-registry", None),
        _gen("generic", _secret_generic,
             flags=[Flag("from-file", type="stringSlice"), Flag("from-literal", type="stringArray"),
                    Flag("from-env-file", type="stringSlice"), Flag("type"), Flag("append-hash", type="bool")],
             short="Create a secret from a local file, directory, or literal value"),
        _gen("tls", None),
    )
    return secret


def _secret_generic(inv) -> dict:
    name = name_from_args(inv)
    files, literals = _sources(inv, "Secret")
    data: dict[str, str] = {}
    for key, raw in files:
        _check_key(key, "Secret", name, data)
        data[key] = base64.b64encode(raw).decode()
    for key, value in literals:
        _check_key(key, "Secret", name, data)
        data[key] = base64.b64encode(value.encode()).decode()
    type_ = inv.flag("type") or ""
    if inv.flag("append-hash"):
        name = f"{name}-{secret_hash(name, type_, dict(sorted(data.items())) if data else None)}"
    sec: dict[str, Any] = {"kind": "Secret", "apiVersion": "v1", "metadata": _meta(inv, name)}
    if data:
        sec["data"] = dict(sorted(data.items()))
    if type_:
        sec["type"] = type_
    return sec


# -- services ------------------------------------------------------------------------------------

def _service_command() -> Command:
    svc = Command("service", short="Create a service using a specified subcommand", aliases=("svc",))
    tcp = Flag("tcp", type="stringSlice", usage="Port pairs can be specified as '<port>:<targetPort>'.")
    svc.add(
        _gen("clusterip", lambda inv: _service(inv, "ClusterIP"), flags=[tcp, Flag("clusterip")],
             short="Create a ClusterIP service"),
        _gen("externalname", lambda inv: _service(inv, "ExternalName"),
             flags=[Flag("tcp", type="stringSlice"), Flag("external-name")], required=("external-name",),
             short="Create an ExternalName service"),
        _gen("loadbalancer", lambda inv: _service(inv, "LoadBalancer"), flags=[Flag("tcp", type="stringSlice")],
             short="Create a LoadBalancer service"),
        _gen("nodeport", lambda inv: _service(inv, "NodePort"),
             flags=[Flag("node-port", type="int"), Flag("tcp", type="stringSlice")],
             short="Create a NodePort service"),
    )
    return svc


def _parse_ports(spec: str) -> tuple[int, Any]:
    from ...api.validation import is_valid_port_name, is_valid_port_num

    parts = spec.split(":")
    try:
        port = int(parts[0])
        if not 0 < port < 65536:
            raise ValueError
    except ValueError:
        raise CommandError(f'error: invalid port number "{parts[0]}"' if parts[0].isdigit() or not parts[0]
                           else f'error: strconv.ParseUint: parsing "{parts[0]}": invalid syntax') from None
    if len(parts) == 1:
        return port, port
    try:
        num = int(parts[1])
    except ValueError:
        errs = is_valid_port_name(parts[1])
        if errs:
            raise CommandError("error: " + ",".join(errs)) from None
        return port, parts[1]
    errs = is_valid_port_num(num)
    if errs:
        raise CommandError("error: " + ",".join(errs))
    return port, num


def _service(inv, svc_type: str) -> dict:
    from ...api.names import is_dns1123_subdomain

    name = name_from_args(inv)
    tcp = inv.flag("tcp") or []
    cluster_ip = inv.flag("clusterip") if svc_type == "ClusterIP" else ""
    if cluster_ip == "None" and svc_type != "ClusterIP":
        raise CommandError("error: ClusterIP=None can only be used with ClusterIP service type")
    if cluster_ip != "None" and not tcp and svc_type != "ExternalName":
        raise CommandError("error: at least one tcp port specifier must be provided")
    external = inv.flag("external-name") if svc_type == "ExternalName" else ""
    if svc_type == "ExternalName" and is_dns1123_subdomain(external):
        raise CommandError(f"error: invalid service external name {external}")
    ports = []
    for spec in tcp:
        port, target = _parse_ports(spec)
        p: dict[str, Any] = {"name": spec.replace(":", "-"), "protocol": "TCP", "port": port, "targetPort": target}
        if svc_type == "NodePort" and inv.flag("node-port"):
            p["nodePort"] = inv.flag("node-port")
        ports.append(p)
    spec_d: dict[str, Any] = {}
    if ports:
        spec_d["ports"] = ports
    spec_d["selector"] = {"app": name}
    if cluster_ip:
        spec_d["clusterIP"] = cluster_ip
    spec_d["type"] = svc_type
    if external:
        spec_d["externalName"] = external
    return {"kind": "Service", "apiVersion": "v1", "metadata": _meta(inv, name, {"app": name}), "spec": spec_d,
            "status": {"loadBalancer": {}}}


def json_dumps(v: Any) -> str:  # pragma: no cover - debugging aid
    return json.dumps(v)
