"""``kubectl version`` (k8s.io/kubectl/pkg/cmd/version): the client is kubectl v1.32.5 (the
version kube-lab's kubectl is checked against), the server what the simulated kube-apiserver
reports (kindest/node v1.32.0).  ``--client``, ``-o json|yaml``."""
from __future__ import annotations

from ..parser import Command, CommandError, Flag
from ..printers import goyaml, jsonprinter

CLIENT_VERSION = {
    "major": "1", "minor": "32", "gitVersion": "v1.32.5", "gitCommit": "9894294ef13a5b32803e3ca2c0d620a088cc84d1",
    "gitTreeState": "clean", "buildDate": "2025-05-15T09:12:10Z", "goVersion": "go1.23.8", "compiler": "gc",
    "platform": "linux/amd64",
}
KUSTOMIZE_VERSION = "v5.5.0"


def server_version() -> dict:
    from ...controlplane.apiserver.http import VERSION_INFO

    return dict(VERSION_INFO)


def command() -> Command:
    return Command("version", short="Print the client and server version information", run=run,
                   usage="kubectl version [flags]",
                   flags=[Flag("client", type="bool"), Flag("output", "o")])


def run(inv) -> int:
    output = inv.flag("output") or ""
    if output not in ("", "yaml", "json"):
        raise CommandError("error: --output must be 'yaml' or 'json'")
    doc: dict = {"clientVersion": dict(CLIENT_VERSION), "kustomizeVersion": KUSTOMIZE_VERSION}
    if not inv.flag("client"):
        doc["serverVersion"] = server_version()
    if output == "json":
        inv.out(jsonprinter.dumps(doc, sort_keys=False, indent="  "))
        return 0
    if output == "yaml":
        inv.out(goyaml.dumps(doc))
        return 0
    inv.println(f"Client Version: {CLIENT_VERSION['gitVersion']}")
    inv.println(f"Kustomize Version: {KUSTOMIZE_VERSION}")
    if "serverVersion" in doc:
        inv.println(f"Server Version: {doc['serverVersion']['gitVersion']}")
    return 0
