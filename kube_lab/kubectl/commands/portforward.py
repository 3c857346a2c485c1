"""``kubectl port-forward`` and ``kubectl proxy`` (k8s.io/kubectl/pkg/cmd/portforward,
pkg/cmd/proxy).  Both open ports on the machine running kubectl and relay connections into the
cluster.  kube-lab's pods live on a simulated network that this machine cannot reach, so after
upstream's argument checks (and, for port-forward, the pod lookup: it must exist and be Running)
both explain that they are not available; ``Cluster.serve()`` gives a real HTTP endpoint for the
API, and ``kubectl exec`` reaches into containers."""
from __future__ import annotations

from ..parser import Command, CommandError, Flag, usage_error


def command() -> Command:
    return Command("port-forward", short="Forward one or more local ports to a pod", run=run,
                   usage="kubectl port-forward TYPE/NAME [options] [LOCAL_PORT:]REMOTE_PORT [...[LOCAL_PORT_N:]REMOTE_PORT_N]",
                   flags=[Flag("address", type="stringSlice", default=["localhost"]),
                          Flag("pod-running-timeout", default="1m0s")])


def proxy_command() -> Command:
    return Command("proxy", short="Run a proxy to the Kubernetes API server", run=run_proxy,
                   usage="kubectl proxy [--port=PORT] [--www=static-dir] [--www-prefix=prefix] [--api-prefix=prefix]",
                   flags=[Flag("port", "p", "int", default=8001), Flag("www", "w"), Flag("www-prefix", "P", default="/static/"),
                          Flag("api-prefix", default="/"), Flag("accept-paths"), Flag("reject-paths"),
                          Flag("accept-hosts"), Flag("reject-methods"), Flag("disable-filter", type="bool"),
                          Flag("unix-socket", "u"), Flag("address", default="127.0.0.1"),
                          Flag("keepalive", type="duration"), Flag("append-server-path", type="bool")])


def run(inv) -> int:
    if len(inv.args) < 2:
        raise usage_error("kubectl port-forward", "TYPE/NAME and list of ports are required for port-forward")
    target = inv.args[0]
    if "/" in target:
        kind, _, name = target.partition("/")
        info = inv.resolve(kind)
    else:
        info, name = inv.resolve("pods"), target
    for spec in inv.args[1:]:
        remote = spec.split(":")[-1]
        if not remote:
            raise CommandError("error: remote port cannot be empty")
    obj = inv.client.get(info.resource, name, inv.namespace if info.namespaced else None)
    if info.kind == "Pod":
        phase = (obj.get("status") or {}).get("phase")
        if phase != "Running":
            raise CommandError(f"error: unable to forward port because pod is not running. Current status={phase}")
    raise CommandError("error: kubectl port-forward is not available in kube-lab: the simulated pod network cannot "
                       "be reached from this machine (use kubectl exec, or a Service from inside the cluster)")


def run_proxy(inv) -> int:
    raise CommandError("error: kubectl proxy is not available in kube-lab: use Cluster.serve() (or `kube-lab serve`) "
                       "for an HTTP endpoint of the API server")
