"""``kubectl api-resources`` and ``kubectl api-versions`` (k8s.io/kubectl/pkg/cmd/apiresources),
answered from the same discovery documents the HTTP server serves
(:mod:`kube_lab.controlplane.apiserver.discovery`): one row per resource of each group's preferred
version (sub-resources left out), sorted by API group then name (``--sort-by=name|kind``), with
``--namespaced``, ``--api-group``, ``--verbs``, ``--categories`` filters and ``-o wide|name``.
"""
from __future__ import annotations

from ...controlplane.apiserver import discovery
from ..parser import Command, CommandError, Flag
from ..printers.tabwriter import TabWriter


def command() -> Command:
    return Command("api-resources", short="Print the supported API resources on the server", run=run,
                   usage="kubectl api-resources [flags]",
                   flags=[Flag("no-headers", type="bool"), Flag("output", "o"), Flag("api-group"),
                          Flag("namespaced", type="bool", default=True), Flag("verbs", type="stringSlice"),
                          Flag("sort-by"), Flag("cached", type="bool"), Flag("categories", type="stringSlice")])


def versions_command() -> Command:
    return Command("api-versions", short="Print the supported API versions on the server, in the form of "
                                         '"group/version"', run=run_versions, usage="kubectl api-versions")


def _preferred(inv) -> list[tuple[str, str, list]]:
    seen: set[str] = set()
    out = []
    for group, version, infos in discovery.group_versions(inv.apiserver.resources()):
        if group in seen:
            continue
        seen.add(group)
        out.append((group, version, infos))
    return out


def run(inv) -> int:
    output = inv.flag("output") or ""
    if output not in ("", "wide", "name"):
        raise CommandError(f"error: --output {output} is not available")
    sort_by = inv.flag("sort-by") or ""
    if sort_by not in ("", "name", "kind"):
        raise CommandError(f"error: --sort-by accepts only name or kind")
    verbs = inv.flag("verbs") or []
    cats = inv.flag("categories") or []
    rows = []
    for group, version, infos in _preferred(inv):
        gv = f"{group}/{version}" if group else version
        for info in infos:
            if not info.verbs:
                continue
            if inv.given("api-group") and inv.flag("api-group") != group:
                continue
            if inv.given("namespaced") and inv.flag("namespaced") != info.namespaced:
                continue
            if verbs and not set(verbs) <= set(info.verbs):
                continue
            if cats and not set(cats) <= set(info.categories or ()):
                continue
            rows.append((group, gv, info))

    def key(r):
        group, _, info = r
        primary = {"name": info.resource, "kind": info.kind}.get(sort_by, group)
        return (primary, info.resource)
    rows.sort(key=key)
    lines: list[str] = []
    tw = TabWriter(lines)
    if not inv.flag("no-headers") and output != "name":
        cols = ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
        if output == "wide":
            cols += ["VERBS", "CATEGORIES"]
        tw.write("\t".join(cols) + "\n")
    for group, gv, info in rows:
        if output == "name":
            tw.write(info.resource + (f".{group}" if group else "") + "\n")
            continue
        cells = [info.resource, ",".join(info.short_names or ()), gv, "true" if info.namespaced else "false",
                 info.kind]
        if output == "wide":
            cells += [",".join(sorted(info.verbs)), ",".join(info.categories or ())]
        tw.write("\t".join(cells) + "\n")
    tw.flush()
    inv.out("".join(lines))
    return 0


def run_versions(inv) -> int:
    if inv.args:
        raise CommandError(f"error: unexpected arguments: {inv.args}")
    gvs = []
    for group, version, _ in discovery.group_versions(inv.apiserver.resources()):
        gvs.append(f"{group}/{version}" if group else version)
    for gv in sorted(set(gvs)):
        inv.println(gv)
    return 0
