"""``kubectl replace`` (k8s.io/kubectl/pkg/cmd/replace/replace.go): PUT every object of the
manifests (``-f``/``-k``) in place of the stored one — the stored ``resourceVersion`` is copied in
when the manifest has none — and print ``<kind>/<name> replaced``.  ``--force`` deletes the objects,
waits (in virtual time) until they are gone and creates them again.  ``--save-config`` records
``kubectl.kubernetes.io/last-applied-configuration``; an existing one is refreshed.
"""
from __future__ import annotations

from ...api import errors as api_errors
from ...api.apply import LAST_APPLIED, modified_configuration
from ...api.meta import deep_copy
from ..errors import GoError, aggregate
from ..parser import Command, CommandError, Flag
from ..resources import Builder
from . import (dry_run_flag, dry_run_strategy, field_manager_flag, filename_flags, operation_printer, output_flags,
               record_flag, validate_flag)
from .apply import record_change_cause, warn_record_flag
from .create import source_error
from .delete import cascade_policy, kind_group


def command() -> Command:
    return Command("replace", short="Replace a resource by file name or stdin", run=run,
                   usage="kubectl replace -f FILENAME",
                   flags=[record_flag(), *output_flags(), *filename_flags("to use to replace the resource."),
                          Flag("cascade", default="background", no_opt_default="background"),
                          Flag("force", type="bool"), Flag("grace-period", type="int", default=-1),
                          Flag("timeout", type="duration"), Flag("wait", type="bool"), validate_flag(),
                          Flag("raw"), Flag("save-config", type="bool"), dry_run_flag(),
                          field_manager_flag("kubectl-replace"), Flag("subresource")])


def _prepare(inv, v) -> dict:
    obj = deep_copy(v.obj)
    if v.info.namespaced and isinstance(obj.get("metadata", {}), dict):
        obj.setdefault("metadata", {})["namespace"] = v.namespace
    md = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else None
    has_last = md is not None and LAST_APPLIED in (md.get("annotations") or {})
    if inv.flag("save-config") or has_last:
        obj, _ = modified_configuration(obj)
    record_change_cause(inv, obj)
    return obj


def run(inv) -> int:
    warn_record_flag(inv)
    strategy = dry_run_strategy(inv)
    force = bool(inv.flag("force"))
    grace = inv.flag("grace-period")
    if grace >= 0 and not force:
        raise CommandError("error: --grace-period must have --force specified")
    if inv.flag("timeout") and not force:
        raise CommandError("error: --timeout must have --force specified")
    if force and strategy != "none":
        raise CommandError("error: --dry-run can not be used when --force is set")
    if not inv.flag("filename") and not inv.flag("kustomize"):
        raise CommandError("error: must specify --filename to replace")
    if inv.flag("raw"):
        raise CommandError("error: --raw requests need an HTTP server; use kube-lab serve and the real kubectl")
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(strategy, "")
    if force:
        return _force_replace(inv, grace)
    printer = operation_printer(inv, "replaced" + suffix)
    visits = (Builder(inv).filenames_from(inv.flag("filename"), inv.flag("recursive"), inv.flag("kustomize"))
              .visits())
    errs: list[BaseException] = []
    for v in visits:
        if v.kind == "error":
            errs.append(v.extra["error"])
            continue
        obj = _prepare(inv, v)
        if strategy == "client":
            printer.print_obj(obj, inv.out)
            continue
        try:
            md = obj.setdefault("metadata", {})
            if not md.get("resourceVersion"):
                # Helper.Replace: copy the stored resourceVersion in; when the object does not
                # exist the PUT goes out as is and the server decides (create-on-update or 404)
                try:
                    current = inv.client.get(v.info.resource, v.name, v.namespace)
                except api_errors.StatusError:
                    current = None
                if current is not None:
                    md["resourceVersion"] = current["metadata"].get("resourceVersion")
            got = inv.client.update(v.info.resource, obj, v.namespace, subresource=inv.flag("subresource") or "",
                                    dry_run=strategy == "server", field_validation=_validation(inv))
        except api_errors.StatusError as e:
            errs.append(source_error("replacing", v.source, e))
            continue
        printer.print_obj(deep_copy(got), inv.out)
    err = aggregate(errs)
    if err is not None:
        raise err
    return 0


def _validation(inv) -> str:
    value = str(inv.flag("validate") or "strict").lower()
    return {"strict": "Strict", "true": "Strict", "warn": "Warn", "ignore": "Ignore", "false": "Ignore"}.get(
        value, "Strict")


def _force_replace(inv, grace: int) -> int:
    policy = cascade_policy(inv)
    visits = (Builder(inv).filenames_from(inv.flag("filename"), inv.flag("recursive"), inv.flag("kustomize"))
              .visits())
    for v in visits:
        if v.kind == "error":
            raise v.extra["error"]
    if grace == 0:
        inv.eprintln("Warning: Immediate deletion does not wait for confirmation that the running resource has been "
                     "terminated. The resource may continue to run on the cluster indefinitely.")
    uids = []
    for v in visits:
        try:
            resp = inv.client.delete(v.info.resource, v.name, v.namespace,
                                     grace_period_seconds=grace if grace >= 0 else None, propagation_policy=policy)
        except api_errors.StatusError as e:
            if e.reason == "NotFound":
                continue
            raise source_error("deleting", v.source, e) from None
        op = "force deleted" if grace == 0 else "deleted"
        inv.println(f'{kind_group(v.info)} "{v.name}" {op}')
        uids.append((v, (resp.get("metadata") or {}).get("uid")))
    timeout = inv.flag("timeout") or 300.0

    def gone() -> bool:
        for v, uid in uids:
            try:
                obj = inv.client.get(v.info.resource, v.name, v.namespace)
            except api_errors.StatusError as e:
                if e.reason == "NotFound":
                    continue
                raise
            if (obj.get("metadata") or {}).get("uid") == uid:
                return False
        return True

    if not inv.wait_until(gone, timeout, step=1.0):
        raise GoError("timed out waiting for the condition")
    printer = operation_printer(inv, "replaced")
    count = 0
    for v in visits:
        obj = _prepare(inv, v)
        (obj.get("metadata") or {}).pop("resourceVersion", None)
        got = inv.client.create(v.info.resource, obj, v.namespace, field_validation=_validation(inv))
        count += 1
        printer.print_obj(deep_copy(got), inv.out)
    if count == 0:
        raise CommandError("error: no objects passed to replace")
    return 0
