"""``kubectl describe`` (k8s.io/kubectl/pkg/cmd/describe/describe.go): objects selected as ``get``
selects them, each printed by its describer; several descriptions are separated by a blank line.
``kubectl describe TYPE PREFIX`` describes every object whose name starts with PREFIX when no object
is named exactly PREFIX."""
from __future__ import annotations

from ...api import errors as api_errors
from ..describe import Describers
from ..errors import aggregate
from ..parser import Command, Flag
from ..resources import Builder, list_objects
from . import filename_flags


def command() -> Command:
    return Command("describe", short="Show details of a specific resource or group of resources", run=run,
                   usage="kubectl describe (-f FILENAME | TYPE [NAME_PREFIX | -l label] | TYPE/NAME)",
                   flags=[Flag("all-namespaces", "A", "bool"), Flag("selector", "l"),
                          Flag("show-events", type="bool", default=True),
                          Flag("chunk-size", type="int64", default=500),
                          *filename_flags("containing the resource to describe")])


def run(inv) -> int:
    all_ns = bool(inv.flag("all-namespaces"))
    builder = (Builder(inv, all_namespaces=all_ns)
               .selector(inv.flag("selector") or None)
               .filenames_from(inv.flag("filename"), inv.flag("recursive"), inv.flag("kustomize")))
    builder.args(inv.args, allow_empty_selector=True)
    visits = builder.visits()
    d = Describers(inv, show_events=bool(inv.flag("show-events")))
    targets = []          # (info, namespace, name)
    errs: list[BaseException] = []
    for v in visits:
        if v.kind == "list":
            for obj in list_objects(inv, v)["items"]:
                md = obj.get("metadata") or {}
                targets.append((v.info, md.get("namespace") or None, md.get("name", "")))
        else:
            try:
                inv.client.get(v.info.resource, v.name, v.namespace)
            except api_errors.StatusError as e:
                if e.reason == "NotFound" and len(inv.args) == 2 and v.kind == "name":
                    return _describe_matching(inv, d, v, e)
                errs.append(e)
                continue
            targets.append((v.info, v.namespace, v.name))
    first = True
    seen: set[str] = set()
    for info, ns, name in targets:
        try:
            text = d.describe(info, ns, name)
        except api_errors.StatusError as e:
            if str(e) not in seen:
                seen.add(str(e))
                errs.append(e)
            continue
        inv.out(text if first else "\n\n" + text)
        first = False
    if not targets and not errs:
        if all_ns:
            inv.eprintln("No resources found")
        else:
            inv.eprintln(f"No resources found in {inv.namespace} namespace.")
    err = aggregate(errs)
    if err is not None:
        raise err
    return 0


def _describe_matching(inv, d: Describers, visit, original: api_errors.StatusError) -> int:
    items = inv.client.list(visit.info.resource, visit.namespace)["items"]
    found = False
    for obj in items:
        name = (obj.get("metadata") or {}).get("name", "")
        if name.startswith(visit.name):
            found = True
            inv.out(d.describe(visit.info, visit.namespace, name) + "\n")
    if not found:
        raise original
    return 0
