"""cAdvisor inside the kubelet: how much CPU and memory each container uses, as the kubelet's
resource metrics endpoint (``/metrics/resource``, ``pkg/kubelet/metrics/collectors/
resource_metrics.go``) reports it to metrics-server.

The kubelet reports, per running container and per node, the *cumulative* CPU time used since
the container (node) started — ``container_cpu_usage_seconds_total`` — and the memory *working
set* now — ``container_memory_working_set_bytes`` — with the start time and the sample's
timestamp.  metrics-server turns two such samples into a rate.  This module models where those
numbers come from:

* **CPU.**  A running program burns :data:`IDLE_CPU` cores (1m: a sleeping web server, a shell
  waiting on ``sleep``), or its own ``cpu_idle``.  Programs that spin (``stress --cpu N``,
  ``vish/stress -cpus N``, or a program with a ``cpu_demand(proc)`` method) burn that many cores,
  capped by the container's CPU limit (CFS quota) and the node's cores.  Every HTTP request a
  program handles costs CPU time — ``cpu_per_request(request)`` of the program (seconds), or
  :data:`REQUEST_CPU`; the container serves that work one request after another at
  ``min(1 core, CPU limit)``, so a throttled container answers more slowly (for programs that
  declare ``cpu_per_request``; others keep their own response times) and never uses more than
  its limit (:func:`charge_request`, the one call in the runtime's request path).
* **Memory.**  The working set is what the container's processes hold (``proc.set_memory``).
* **Node.**  The node's own processes (kubelet, containerd and, on the control-plane node, the
  control plane's static pods) use :data:`SYSTEM_CPU` / :data:`SYSTEM_MEMORY`, plus everything
  its containers use.

:func:`resource_metrics` is the endpoint: one :class:`NodeSample` for a machine, or
:class:`ScrapeError` with the error metrics-server would log when the kubelet cannot be reached.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .images.program import Response

if TYPE_CHECKING:  # pragma: no cover
    from .runtime import Container, ContainerRuntime, Process
    from .images.program import Request

MI = 1024 * 1024
#: cores a running program uses when it does nothing (``kubectl top`` shows 1m)
IDLE_CPU = 0.001
#: CPU seconds one HTTP request costs a program that says nothing about it (0.2 ms)
REQUEST_CPU = 0.0002
#: what a kind node's own processes use: (cores, bytes), control-plane node and worker
SYSTEM_CPU = {"control-plane": 0.11, "worker": 0.02}
SYSTEM_MEMORY = {"control-plane": 560 * MI, "worker": 120 * MI}
#: kubelet's secure port, where metrics-server scrapes ``/metrics/resource``
KUBELET_PORT = 10250

RUNNING = "CONTAINER_RUNNING"


class ScrapeError(Exception):
    """The kubelet could not be scraped; ``str()`` is the Go error metrics-server logs and
    ``timeout`` says whether it was a timeout (``Failed to scrape node, timeout to access
    kubelet``)."""

    def __init__(self, message: str, timeout: bool = False):
        super().__init__(message)
        self.timeout = timeout


@dataclass
class Point:
    """One metric point: ``start`` and ``timestamp`` in virtual seconds, ``cpu`` the cumulative
    CPU time in core-nanoseconds, ``memory`` the working set in bytes."""
    start: float
    timestamp: float
    cpu: int
    memory: int


@dataclass
class NodeSample:
    """What ``/metrics/resource`` returns: the node's point and, per pod ``(namespace, name)``,
    its running containers' points (in the pod's container order)."""
    node: str
    point: Point
    pods: dict[tuple[str, str], dict[str, Point]] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# per-container accounting
class _Usage:
    """A container's CPU account: continuous use integrated up to ``t``, and the request work
    served back to back (``busy_*``: the current busy period and the time busy before it)."""

    __slots__ = ("t", "cpu", "busy_from", "busy_until", "busy_done", "rate")

    def __init__(self, start: float):
        self.t = start
        self.cpu = 0.0
        self.busy_from = start
        self.busy_until = start
        self.busy_done = 0.0
        self.rate = 1.0

    def busy(self, t: float) -> float:
        current = min(max(t - self.busy_from, 0.0), self.busy_until - self.busy_from)
        return self.busy_done + current


_USAGE: "weakref.WeakKeyDictionary[Any, _Usage]" = weakref.WeakKeyDictionary()


def _account(c: "Container") -> _Usage:
    acct = _USAGE.get(c)
    if acct is None:
        start = c.started_at if c.started_at is not None else c.created_at
        acct = _USAGE[c] = _Usage(start)
    return acct


def _cores_cap(c: "Container", runtime: "ContainerRuntime") -> float:
    cap = float(getattr(runtime, "cpus", 1.0) or 1.0)
    limit = c.config.cpu_limit
    if limit is not None:
        cap = min(cap, limit)
    return cap


def _program_demand(proc: "Process") -> float:
    """Cores a process keeps busy on its own (besides serving requests)."""
    program = proc.program
    demand = getattr(program, "cpu_demand", None)
    if callable(demand):
        return float(demand(proc))
    name = type(program).__name__
    args = list(proc.argv[1:])
    if name == "Stress":            # polinux/stress: --cpu N / -c N workers spinning on sqrt()
        for i, a in enumerate(args):
            if a in ("--cpu", "-c") and i + 1 < len(args) and args[i + 1].isdigit():
                return float(args[i + 1])
    if name == "VishStress":        # vish/stress: -cpus N threads in a busy loop
        for i, a in enumerate(args):
            if a.lstrip("-") == "cpus" and i + 1 < len(args) and args[i + 1].isdigit():
                return float(args[i + 1])
    return float(getattr(program, "cpu_idle", IDLE_CPU))


def _continuous_rate(c: "Container", runtime: "ContainerRuntime") -> float:
    procs = [p for p in c.processes.values() if not p.exited.done]
    if not procs:
        return 0.0
    demand = sum(_program_demand(p) for p in procs)
    return min(demand, _cores_cap(c, runtime))


def container_cpu(c: "Container", runtime: "ContainerRuntime", now: float) -> float:
    """Cumulative CPU seconds the container has used by ``now`` (integrating its continuous use
    piecewise from the previous reading, plus the request work done so far)."""
    acct = _account(c)
    end = now if c.state == RUNNING else (c.finished_at if c.finished_at is not None else now)
    if end > acct.t:
        acct.cpu += _continuous_rate(c, runtime) * (end - acct.t)
        acct.t = end
    return acct.cpu + acct.rate * acct.busy(min(now, end))


def charge_request(proc: "Process", request: "Request", resp: Any) -> Response:
    """Account the CPU a handled request costs the serving container, and make the response take
    as long as that work takes at the container's pace (requests queue behind each other)."""
    if not isinstance(resp, Response):
        resp = Response(200, str(resp))
    program = proc.program
    per_request = getattr(program, "cpu_per_request", None)
    declared = callable(per_request)
    cost = float(per_request(request)) if declared else REQUEST_CPU
    if cost <= 0:
        return resp
    c = proc.container
    runtime = proc.runtime
    now = proc.loop.now
    acct = _account(c)
    acct.rate = max(min(1.0, _cores_cap(c, runtime)), 0.001)
    service = cost / acct.rate
    if now >= acct.busy_until:
        acct.busy_done += acct.busy_until - acct.busy_from
        acct.busy_from = now
        acct.busy_until = now + service
    else:
        acct.busy_until += service
    if declared:    # programs that say what a request costs answer at the container's pace
        resp.delay = max(resp.delay, acct.busy_until - now)
    return resp


# ---------------------------------------------------------------------------------------------
# the node
class _NodeAccount:
    __slots__ = ("start", "boot", "retired", "seen")

    def __init__(self, start: float, boot: str):
        self.start = start
        self.boot = boot
        self.retired = 0.0                       # CPU of containers that are gone
        self.seen: dict[str, tuple[Any, float]] = {}   # container id → (container, last cpu)


_NODES: "weakref.WeakKeyDictionary[Any, _NodeAccount]" = weakref.WeakKeyDictionary()


def _role(machine: Any) -> str:
    return "control-plane" if getattr(machine, "control_plane", False) else "worker"


def sample(machine: Any, now: float) -> NodeSample:
    """Read the machine's counters now (what the kubelet's collectors gather on a scrape)."""
    runtime = machine.runtime
    boot = getattr(machine, "boot_id", "")
    node = _NODES.get(runtime)
    if node is None or node.boot != boot:
        node = _NODES[runtime] = _NodeAccount(now, boot)
    role = _role(machine)
    pods: dict[tuple[str, str], dict[str, Point]] = {}
    total_cpu = 0.0
    memory = 0
    present: dict[str, tuple[Any, float]] = {}
    for cid, c in runtime.containers.items():
        cpu = container_cpu(c, runtime, now)
        present[cid] = (c, cpu)
        total_cpu += cpu
        if c.state != RUNNING or c.started_at is None:
            continue
        memory += max(int(c.memory), 0)
        sb = c.sandbox.config
        pods.setdefault((sb.namespace, sb.pod_name), {})[c.name] = Point(
            c.started_at, now, int(round(cpu * 1e9)), max(int(c.memory), 0))
    for cid, (c, last) in node.seen.items():
        if cid not in present:
            node.retired += last
    node.seen = present
    system = SYSTEM_CPU[role] * (now - node.start)
    cpu_ns = int(round((system + node.retired + total_cpu) * 1e9))
    point = Point(node.start, now, cpu_ns, SYSTEM_MEMORY[role] + memory)
    return NodeSample(machine.name, point, pods)


def resource_metrics(machine: Any, now: float, *, insecure_tls: bool = True) -> NodeSample:
    """``GET https://<node>:10250/metrics/resource`` as metrics-server does it: a sample, or
    :class:`ScrapeError` with the error it would log.  kind's kubelets serve a self-signed
    certificate without IP SANs, so without ``--kubelet-insecure-tls`` every scrape fails."""
    ip = getattr(machine, "ip", "")
    url = f'Get "https://{ip}:{KUBELET_PORT}/metrics/resource"'
    if machine is None or not getattr(machine, "powered", True) or getattr(machine, "network_cut", False):
        raise ScrapeError(f"{url}: context deadline exceeded", timeout=True)
    if not getattr(machine, "kubelet_running", True):
        raise ScrapeError(f"{url}: dial tcp {ip}:{KUBELET_PORT}: connect: connection refused")
    if not insecure_tls:
        raise ScrapeError(f"{url}: tls: failed to verify certificate: x509: cannot validate certificate for "
                          f"{ip} because it doesn't contain any IP SANs")
    return sample(machine, now)


__all__ = ["IDLE_CPU", "REQUEST_CPU", "NodeSample", "Point", "ScrapeError", "charge_request",
           "container_cpu", "resource_metrics", "sample"]
