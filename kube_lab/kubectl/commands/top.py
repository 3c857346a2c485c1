"""``kubectl top node|pod`` (k8s.io/kubectl/pkg/cmd/top).  kubectl reads usage from the Metrics API
(``metrics.k8s.io``, served by metrics-server).  A kind cluster has no metrics-server, and neither
has kube-lab's: after upstream's argument checks, both commands answer as kubectl does then —
``error: Metrics API not available``."""
from __future__ import annotations

from ..parser import Command, CommandError, Flag

METRICS_GROUP = "metrics.k8s.io"


def command() -> Command:
    top = Command("top", short="Display resource (CPU/memory) usage")
    top.add(
        Command("node", short="Display resource (CPU/memory) usage of nodes", aliases=("nodes", "no"),
                run=lambda inv: _run(inv, "node"), usage="kubectl top node [NAME | -l label]",
                flags=[Flag("selector", "l"), Flag("sort-by"), Flag("no-headers", type="bool"),
                       Flag("use-protocol-buffers", type="bool", default=True), Flag("show-capacity", type="bool")]),
        Command("pod", short="Display resource (CPU/memory) usage of pods", aliases=("pods", "po"),
                run=lambda inv: _run(inv, "pod"), usage="kubectl top pod [NAME | -l label]",
                flags=[Flag("selector", "l"), Flag("field-selector"), Flag("sort-by"), Flag("containers", type="bool"),
                       Flag("all-namespaces", "A", "bool"), Flag("no-headers", type="bool"),
                       Flag("use-protocol-buffers", type="bool", default=True), Flag("sum", type="bool")]),
    )
    return top


def metrics_available(inv) -> bool:
    return any(info.group == METRICS_GROUP for info in inv.apiserver.resources())


def _run(inv, what: str) -> int:
    if len(inv.args) > 1:
        raise CommandError(f"error: Unexpected args: [{' '.join(inv.args)}]")
    sort_by = inv.flag("sort-by") or ""
    if sort_by and sort_by not in ("cpu", "memory"):
        raise CommandError("error: --sort-by accepts only cpu or memory")
    if inv.args and inv.flag("selector"):
        raise CommandError("error: only one of NAME or selector can be provided")
    if not metrics_available(inv):
        raise CommandError("error: Metrics API not available")
    raise CommandError("error: kube-lab does not simulate resource usage metrics")  # pragma: no cover
