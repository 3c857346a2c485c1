"""``kubectl scale`` (k8s.io/kubectl/pkg/cmd/scale, pkg/scale): set ``spec.replicas`` through the
``scale`` subresource — a merge patch, or, with ``--current-replicas``/``--resource-version``
preconditions, a GET and an update of the Scale — and print ``<kind>/<name> scaled``.
``--timeout`` waits (in virtual time) until ``status.replicas`` matches."""
from __future__ import annotations

import json

from ...api import errors as api_errors
from ..parser import Command, CommandError, Flag
from ..resources import Builder
from . import dry_run_flag, dry_run_strategy, filename_flags, operation_printer, output_flags, record_flag
from .apply import change_cause, warn_record_flag
from .mutate import MERGE_PATCH


def command() -> Command:
    return Command("scale", short="Set a new size for a deployment, replica set, or replication controller",
                   run=run, usage="kubectl scale [--resource-version=version] [--current-replicas=count] "
                                  "--replicas=COUNT (-f FILENAME | TYPE NAME)",
                   flags=[*output_flags(), record_flag(), Flag("all", type="bool"), Flag("resource-version"),
                          Flag("current-replicas", type="int", default=-1), Flag("replicas", type="int"),
                          Flag("timeout", type="duration"),
                          *filename_flags("identifying the resource to set a new size"), dry_run_flag(),
                          Flag("selector", "l")])


def _aggregate_text(errs: list[BaseException]) -> str:
    texts = [e.message if isinstance(e, api_errors.StatusError) else str(e) for e in errs]
    return texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"


def run(inv) -> int:
    if not inv.given("replicas"):
        raise CommandError('error: required flag(s) "replicas" not set')
    warn_record_flag(inv)
    strategy = dry_run_strategy(inv)
    replicas = inv.flag("replicas")
    if replicas < 0:
        raise CommandError("error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0")
    if inv.flag("current-replicas") < -1:
        raise CommandError("error: The --current-replicas must specify an integer of -1 or greater")
    builder = (Builder(inv).filenames_from(inv.flag("filename"), inv.flag("recursive"), inv.flag("kustomize"))
               .selector(inv.flag("selector") or None).all(bool(inv.flag("all"))))
    builder.args(inv.args, allow_empty_selector=bool(inv.flag("all")))
    visits = builder.visits()
    infos = []
    errs: list[BaseException] = []
    for v in visits:
        if v.kind == "error":
            errs.append(v.extra["error"])
            continue
        if v.kind == "list":
            for item in inv.client.list(v.info.resource, v.namespace, label_selector=v.label_selector or None)["items"]:
                infos.append((v.info, item["metadata"].get("namespace"), item["metadata"]["name"], item))
            continue
        try:
            obj = inv.client.get(v.info.resource, v.name, v.namespace)
        except api_errors.StatusError as e:
            errs.append(e)
            continue
        infos.append((v.info, v.namespace, v.name, obj))
    if inv.flag("resource-version") and len(infos) > 1:
        raise CommandError("error: cannot use --resource-version with multiple resources")
    if not infos:
        if errs:
            raise CommandError(f"error: no objects passed to scale {_aggregate_text(errs)}")
        raise CommandError("error: no objects passed to scale")
    current = inv.flag("current-replicas")
    rv = inv.flag("resource-version") or ""
    for info, ns, name, obj in infos:
        if "scale" not in info.subresources:
            raise CommandError("Error from server (NotFound): the server could not find the requested resource")
        if strategy == "client":
            operation_printer(inv, "scaled", strategy).print_obj(dict(obj), inv.out)
            continue
        if current != -1 or rv:
            scale = inv.client.get(info.resource, name, ns, subresource="scale")
            if current != -1 and scale["spec"].get("replicas", 0) != current:
                raise CommandError(f"error: Expected replicas to be {current}, was {scale['spec'].get('replicas', 0)}")
            if rv and scale["metadata"].get("resourceVersion") != rv:
                raise CommandError(f"error: Expected resource version to be {rv}, was "
                                   f"{scale['metadata'].get('resourceVersion')}")
            body = {**scale, "spec": {**scale["spec"], "replicas": replicas}}
            inv.client.update(info.resource, body, ns, subresource="scale", dry_run=strategy == "server")
        else:
            inv.client.patch(info.resource, name, json.dumps({"spec": {"replicas": replicas}}), MERGE_PATCH, ns,
                             subresource="scale", dry_run=strategy == "server")
        if inv.flag("record"):
            try:
                inv.client.patch(info.resource, name, json.dumps({"metadata": {"annotations": {
                    "kubernetes.io/change-cause": change_cause(inv)}}}), MERGE_PATCH, ns)
            except api_errors.StatusError:
                pass
        if inv.flag("timeout") and strategy == "none":
            timeout = inv.flag("timeout")

            def done() -> bool:
                cur = inv.client.get(info.resource, name, ns)
                return (cur.get("status") or {}).get("replicas", 0) == replicas
            if not inv.wait_until(done, timeout, step=1.0):
                raise CommandError("error: timed out waiting for the condition")
        operation_printer(inv, "scaled", strategy).print_obj(dict(obj), inv.out)
    if errs:
        from ..errors import aggregate

        raise aggregate(errs)
    return 0
