"""``kubectl top node|pod`` (k8s.io/kubectl/pkg/cmd/top, pkg/metricsutil, v1.32).

kubectl reads usage from the Resource Metrics API (``metrics.k8s.io/v1beta1``), which
metrics-server serves through the API server's aggregator.  A kind cluster has no metrics-server
(``Cluster(metrics_server=True)`` or ``cluster.install_metrics_server()`` adds it), and then both
commands answer as kubectl does: ``error: Metrics API not available``.  While the APIService is
unavailable (the metrics-server pod is not ready yet) the API server answers 503; before the
first two scrapes there is nothing to show: ``error: metrics not available yet``.

Output is kubectl's: tab-separated cells each followed by a tab (so every column, the last one
too, is padded), CPU in millicores (``MilliValue``, rounded up), memory in whole MiB, node
percentages of allocatable (``--show-capacity``: of capacity), nodes without metrics as
``<unknown>`` rows, ``--containers`` rows per container, ``--sum`` totals under a ``________``
rule, ``--sort-by=cpu|memory`` descending.
"""
from __future__ import annotations

from ...api import errors as api_errors
from ...api.meta import parse_rfc3339
from ...api.quantity import Quantity, parse_quantity
from ...api.selectors import parse_selector
from ...controlplane.apiserver.aggregator import aggregator_of
from ...controlplane.metricsserver import GROUP, go_duration
from ..parser import Command, CommandError, Flag, usage_error
from ..printers.tabwriter import TabWriter

METRICS_GROUP = GROUP
SUPPORTED_VERSIONS = ("v1beta1",)
MEASURED = ("cpu", "memory")
NODE_COLUMNS = ("NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)")
POD_COLUMNS = ("NAME", "CPU(cores)", "MEMORY(bytes)")
METRICS_CREATION_DELAY = 120.0     # top_pod.go: metricsCreationDelay


def command() -> Command:
    top = Command("top", short="Display resource (CPU/memory) usage")
    top.add(
        Command("node", short="Display resource (CPU/memory) usage of nodes", aliases=("nodes", "no"),
                run=run_node, usage="kubectl top node [NAME | -l label]",
                flags=[Flag("selector", "l"), Flag("sort-by"), Flag("no-headers", type="bool"),
                       Flag("use-protocol-buffers", type="bool", default=True), Flag("show-capacity", type="bool")]),
        Command("pod", short="Display resource (CPU/memory) usage of pods", aliases=("pods", "po"),
                run=run_pod, usage="kubectl top pod [NAME | -l label]",
                flags=[Flag("selector", "l"), Flag("field-selector"), Flag("sort-by"), Flag("containers", type="bool"),
                       Flag("all-namespaces", "A", "bool"), Flag("no-headers", type="bool"),
                       Flag("use-protocol-buffers", type="bool", default=True), Flag("sum", type="bool")]),
    )
    return top


# -- the metrics API ----------------------------------------------------------------------------
def metrics_available(inv) -> bool:
    """``SupportedMetricsAPIVersionAvailable`` over the server's groups."""
    agg = aggregator_of(inv.apiserver)
    if agg is None:
        return False
    return any(g == METRICS_GROUP and v in SUPPORTED_VERSIONS for g, v in agg.groups())


def _metrics(inv):
    return aggregator_of(inv.apiserver)


def _check_sort_by(inv) -> str:
    sort_by = inv.flag("sort-by") or ""
    if sort_by and sort_by not in ("cpu", "memory"):
        raise CommandError("error: --sort-by accepts only cpu or memory")
    return sort_by


def _parse_selector(text: str) -> str:
    try:
        parse_selector(text)
    except api_errors.StatusError as e:
        raise CommandError(f"error: {e.message}") from None
    except ValueError as e:
        raise CommandError(f"error: {e}") from None
    return text


# -- quantities as metricsutil prints them --------------------------------------------------------
def _q(value) -> Quantity:
    if isinstance(value, Quantity):
        return value
    return parse_quantity(str(value)) if value not in (None, "") else parse_quantity("0")


def _usage_cells(usage: dict, available: dict | None) -> list[str]:
    cells: list[str] = []
    for res in MEASURED:
        q = _q(usage.get(res))
        cells.append(f"{q.milli_value()}m" if res == "cpu" else f"{q.value() // (1024 * 1024)}Mi")
        if available is not None and res in available:
            avail = _q(available[res]).milli_value()
            fraction = q.milli_value() / avail * 100 if avail else float("inf")
            cells.append(f"{int(fraction)}%" if fraction != float("inf") else "+Inf%")
    return cells


def _pod_usage(m: dict) -> dict:
    total = {res: parse_quantity("0") for res in MEASURED}
    for c in m.get("containers") or ():
        for res in MEASURED:
            total[res] = total[res].add(_q((c.get("usage") or {}).get(res)))
    return total


def _emit(inv, rows: list[list[str]]) -> None:
    lines: list[str] = []
    tw = TabWriter(lines)
    for row in rows:
        tw.write("".join(f"{cell}\t" for cell in row) + "\n")
    tw.flush()
    inv.out("".join(lines))


# -- kubectl top node ---------------------------------------------------------------------------
def run_node(inv) -> int:
    if len(inv.args) > 1:
        raise usage_error("kubectl top node", "node [NAME | -l label]")
    name = inv.args[0] if inv.args else ""
    sort_by = _check_sort_by(inv)
    selector = inv.flag("selector") or ""
    if name and selector:
        raise CommandError("error: only one of NAME or --selector can be provided")
    if selector:
        _parse_selector(selector)
    if not metrics_available(inv):
        raise CommandError("error: Metrics API not available")
    api = _metrics(inv)
    if name:
        items = [api.get("nodes.metrics.k8s.io", name, component=inv.client.component)]
    else:
        items = api.list("nodes.metrics.k8s.io", label_selector=selector or None,
                         component=inv.client.component)["items"]
    if not items:
        raise CommandError("error: metrics not available yet")
    if name:
        nodes = [inv.client.get("nodes", name)]
    else:
        nodes = inv.client.list("nodes", label_selector=selector or None)["items"]
    field = "capacity" if inv.flag("show-capacity") else "allocatable"
    available = {n["metadata"]["name"]: (n.get("status") or {}).get(field) or {} for n in nodes}
    items = sorted(items, key=lambda m: m["metadata"]["name"])
    if sort_by == "cpu":
        items.sort(key=lambda m: -_q(m["usage"].get("cpu")).milli_value())
    elif sort_by == "memory":
        items.sort(key=lambda m: -_q(m["usage"].get("memory")).value())
    rows: list[list[str]] = []
    if not inv.flag("no-headers"):
        rows.append(list(NODE_COLUMNS))
    for m in items:
        node = m["metadata"]["name"]
        rows.append([node, *_usage_cells(m.get("usage") or {}, available.get(node, {}))])
        available.pop(node, None)
    for node in sorted(available):   # nodes whose metrics are unreachable (upstream: map order)
        rows.append([node] + ["<unknown>"] * (2 * len(MEASURED)))
    _emit(inv, rows)
    return 0


# -- kubectl top pod ----------------------------------------------------------------------------
def _check_pod_age(inv, pod: dict) -> None:
    created = pod["metadata"].get("creationTimestamp")
    if not created:
        return
    age = inv.now() - parse_rfc3339(created)
    if age > METRICS_CREATION_DELAY:
        md = pod["metadata"]
        raise CommandError(f"error: Metrics not available for pod {md.get('namespace', '')}/{md['name']}, "
                           f"age: {go_duration(age)}")


def run_pod(inv) -> int:
    if len(inv.args) > 1:
        raise usage_error("kubectl top pod", "pod [NAME | -l label]")
    name = inv.args[0] if inv.args else ""
    sort_by = _check_sort_by(inv)
    selector = inv.flag("selector") or ""
    field_selector = inv.flag("field-selector") or ""
    if name and (selector or field_selector):
        raise CommandError("error: only one of NAME or selector can be provided")
    if selector:
        _parse_selector(selector)
    if not metrics_available(inv):
        raise CommandError("error: Metrics API not available")
    all_ns = bool(inv.flag("all-namespaces"))
    ns = None if all_ns else inv.namespace
    api = _metrics(inv)
    if name:
        items = [api.get("pods.metrics.k8s.io", name, inv.namespace if not all_ns else "",
                         component=inv.client.component)]
    else:
        items = api.list("pods.metrics.k8s.io", ns, label_selector=selector or None,
                         field_selector=field_selector or None, component=inv.client.component)["items"]
    if not items:
        # verifyEmptyMetrics: young pods simply have no metrics yet; old ones are reported
        pods = inv.client.list("pods", inv.namespace, label_selector=selector or None,
                               field_selector=field_selector or None)["items"]
        if pods:
            for pod in pods:
                _check_pod_age(inv, pod)
            raise CommandError("error: metrics not available yet")
        inv.err("No resources found\n" if all_ns else f"No resources found in {inv.namespace} namespace.\n")
        return 0
    containers = bool(inv.flag("containers"))
    with_ns = all_ns
    rows: list[list[str]] = []
    width = len(POD_COLUMNS)
    if not inv.flag("no-headers"):
        header: list[str] = []
        if with_ns:
            header.append("NAMESPACE")
            width += 1
        if containers:
            header.append("POD")
            width += 1
        rows.append(header + list(POD_COLUMNS))
    if with_ns:
        items = sorted(items, key=lambda m: (m["metadata"].get("namespace", ""), m["metadata"]["name"]))
    else:
        items = sorted(items, key=lambda m: m["metadata"]["name"])
    if sort_by == "cpu":
        items.sort(key=lambda m: -_pod_usage(m)["cpu"].milli_value())
    elif sort_by == "memory":
        items.sort(key=lambda m: -_pod_usage(m)["memory"].value())
    for m in items:
        lead = [m["metadata"].get("namespace", "")] if with_ns else []
        if containers:
            cs = sorted(m.get("containers") or (), key=lambda c: c.get("name", ""))
            if sort_by == "cpu":
                cs.sort(key=lambda c: -_q((c.get("usage") or {}).get("cpu")).milli_value())
            elif sort_by == "memory":
                cs.sort(key=lambda c: -_q((c.get("usage") or {}).get("memory")).value())
            for c in cs:
                rows.append(lead + [m["metadata"]["name"], c.get("name", ""),
                                    *_usage_cells(c.get("usage") or {}, None)])
        else:
            rows.append(lead + [m["metadata"]["name"], *_usage_cells(_pod_usage(m), None)])
    if inv.flag("sum"):
        total = {res: parse_quantity("0") for res in MEASURED}
        for m in items:
            for c in m.get("containers") or ():
                for res in MEASURED:
                    total[res] = total[res].add(_q((c.get("usage") or {}).get(res)))
        rows.append([""] * (width - 2) + ["________", "________"])
        rows.append([""] * (width - 3) + ["", *_usage_cells(total, None)])
    _emit(inv, rows)
    return 0
