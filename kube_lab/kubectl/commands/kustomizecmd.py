"""``kubectl kustomize DIR``: print the kustomization build (see :mod:`kube_lab.kubectl.kustomize`)."""
from __future__ import annotations

from ..kustomize import build, render
from ..parser import Command, CommandError, Flag


def command() -> Command:
    return Command("kustomize", short="Build a kustomization target from a directory or URL", run=run,
                   usage="kubectl kustomize <dir>",
                   flags=[Flag("output", "o"), Flag("enable-helm", type="bool"), Flag("enable-alpha-plugins", type="bool"),
                          Flag("load-restrictor", default="LoadRestrictionsRootOnly"),
                          Flag("reorder", default="legacy"), Flag("env", "e", type="stringArray"),
                          Flag("as-current-user", type="bool"), Flag("network", type="bool"),
                          Flag("enable-managedby-label", type="bool")])


def run(inv) -> int:
    if len(inv.args) > 1:
        raise CommandError("error: specify one path to kustomization.yaml")
    path = inv.args[0] if inv.args else "."
    warnings: list[str] = []
    objs = build(path, warnings)
    for w in warnings:
        inv.eprintln(w)
    text = render(objs)
    if inv.flag("output"):
        with open(inv.flag("output"), "w", encoding="utf-8") as f:
            f.write(text)
        return 0
    inv.out(text)
    return 0
