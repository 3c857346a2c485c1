"""``kubectl cluster-info`` (k8s.io/kubectl/pkg/cmd/clusterinfo): the control plane's address and
every Service of ``kube-system`` (or ``-n``) labelled ``kubernetes.io/cluster-service=true`` with
its API-server proxy URL.  ``cluster-info dump`` is not simulated."""
from __future__ import annotations

from ..parser import Command, CommandError


def command() -> Command:
    info = Command("cluster-info", short="Display cluster information", run=run, usage="kubectl cluster-info [flags]")
    info.add(Command("dump", short="Dump relevant information for debugging and diagnosis", run=_dump))
    return info


def _dump(inv) -> int:
    raise CommandError("error: kubectl cluster-info dump is not available in kube-lab; use kubectl get and "
                       "kubectl describe")


def _join_scheme_name_port(scheme: str, name: str, port: str) -> str:
    if scheme:
        return f"{scheme}:{name}:{port}"
    if port:
        return f"{name}:{port}"
    return name


def run(inv) -> int:
    if inv.args:
        raise CommandError(f"error: Unexpected args: [{' '.join(inv.args)}]\nSee 'kubectl cluster-info -h' for help "
                           "and examples")
    host = inv.kubeconfig.server(inv.context_name)
    namespace = inv.namespace if inv.explicit_namespace else "kube-system"
    services = inv.client.list("services", namespace, label_selector="kubernetes.io/cluster-service=true")["items"]
    inv.println(f"Kubernetes control plane is running at {host}")
    for svc in services:
        md = svc.get("metadata") or {}
        spec = svc.get("spec") or {}
        ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        if ingress:
            ip = ingress[0].get("ip") or ingress[0].get("hostname") or ""
            link = "".join(f"http://{ip}:{p.get('port', 0)} " for p in spec.get("ports") or [])
        else:
            name = md.get("name", "")
            ports = spec.get("ports") or []
            if ports:
                port = ports[0]
                scheme = "https" if port.get("name") == "https" or port.get("port") == 443 else ""
                name = _join_scheme_name_port(scheme, md.get("name", ""), port.get("name", ""))
            link = f"{host}/api/v1/namespaces/{md.get('namespace', '')}/services/{name}/proxy"
        label = (md.get("labels") or {}).get("kubernetes.io/name") or md.get("name", "")
        inv.println(f"{label} is running at {link}")
    inv.out("\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n")
    return 0
