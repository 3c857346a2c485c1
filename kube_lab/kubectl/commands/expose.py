"""``kubectl expose`` (k8s.io/kubectl/pkg/cmd/expose): a Service for a pod, service, replication
controller, deployment or replica set — selector, ports and protocols read from the object unless
given — printed as ``service/<name> exposed``."""
from __future__ import annotations

from typing import Any

from ...api import errors as api_errors
from ..errors import aggregate
from ..parser import Command, CommandError, Flag
from ..resources import Builder
from ..typed import roundtrip
from . import (dry_run_flag, dry_run_strategy, field_manager_flag, filename_flags, operation_printer, output_flags,
               record_flag)

EXPOSABLE = {"Pod", "Service", "ReplicationController", "Deployment", "ReplicaSet"}


def command() -> Command:
    return Command("expose", short="Take a replication controller, service, deployment or pod and expose it as a new "
                                   "Kubernetes service", run=run,
                   usage="kubectl expose (-f FILENAME | TYPE NAME) [--port=port] [--protocol=TCP|UDP|SCTP] "
                         "[--target-port=number-or-name] [--name=name] [--external-ip=external-ip-of-service] "
                         "[--type=type]",
                   flags=[*output_flags(), record_flag(), Flag("protocol"), Flag("port"), Flag("type"),
                          Flag("load-balancer-ip"), Flag("selector"), Flag("labels", "l"), Flag("container-port"),
                          Flag("target-port"), Flag("external-ip"), Flag("name"), Flag("session-affinity"),
                          Flag("cluster-ip"), Flag("override-type", default="merge"), Flag("overrides"),
                          Flag("save-config", type="bool"),
                          *filename_flags("identifying the resource to expose a service"), dry_run_flag(),
                          field_manager_flag("kubectl-expose")])


def _selector_for(obj: dict) -> str:
    kind = obj.get("kind")
    spec = obj.get("spec") or {}
    if kind == "Pod":
        labels = (obj.get("metadata") or {}).get("labels") or {}
        if not labels:
            raise CommandError("error: couldn't retrieve selectors via --selector flag or introspection: the pod has "
                               "no labels and cannot be exposed")
        return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    if kind in ("Service", "ReplicationController"):
        sel = spec.get("selector") or {}
        if not sel:
            raise CommandError(f"error: couldn't retrieve selectors via --selector flag or introspection: the "
                               f"{'service' if kind == 'Service' else 'replication controller'} has no pod selector set")
        return ",".join(f"{k}={v}" for k, v in sorted(sel.items()))
    sel = spec.get("selector") or {}
    if sel.get("matchExpressions"):
        raise CommandError("error: couldn't retrieve selectors via --selector flag or introspection: couldn't convert "
                           "expressions to map-based selector format")
    return ",".join(f"{k}={v}" for k, v in sorted((sel.get("matchLabels") or {}).items()))


def _containers(obj: dict) -> list[dict]:
    spec = obj.get("spec") or {}
    if obj.get("kind") == "Pod":
        return spec.get("containers") or []
    return ((spec.get("template") or {}).get("spec") or {}).get("containers") or []


def _ports_for(obj: dict) -> list[str]:
    if obj.get("kind") == "Service":
        return [str(p.get("port")) for p in (obj.get("spec") or {}).get("ports") or []]
    return [str(p.get("containerPort")) for c in _containers(obj) for p in c.get("ports") or []]


def _protocols_for(obj: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if obj.get("kind") == "Service":
        ports = [(p.get("port"), p.get("protocol", "TCP")) for p in (obj.get("spec") or {}).get("ports") or []]
    else:
        ports = [(p.get("containerPort"), p.get("protocol", "TCP")) for c in _containers(obj) for p in c.get("ports") or []]
    for port, proto in ports:
        out.setdefault(str(port), [])
        if proto not in out[str(port)]:
            out[str(port)].append(proto)
    return out


def _parse_labels(spec: str) -> dict[str, str]:
    out = {}
    for part in spec.split(","):
        kv = part.split("=")
        if len(kv) != 2:
            raise CommandError(f"error: unexpected label spec: {part}")
        if not kv[0]:
            raise CommandError("error: unexpected empty label key")
        out[kv[0]] = kv[1]
    return out


def _int_or_string(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        return text


def run(inv) -> int:
    strategy = dry_run_strategy(inv)
    builder = Builder(inv).filenames_from(inv.flag("filename"), inv.flag("recursive"), inv.flag("kustomize"))
    builder.args(inv.args)
    visits = builder.visits()
    errs: list[BaseException] = []
    for v in visits:
        if v.kind == "error":
            errs.append(v.extra["error"])
            continue
        try:
            obj = inv.client.get(v.info.resource, v.name, v.namespace)
        except api_errors.StatusError as e:
            errs.append(e)
            continue
        if v.info.kind not in EXPOSABLE:
            errs.append(CommandError(f"error: cannot expose a {v.info.kind}" + (f".{v.info.group}" if v.info.group else "")))
            continue
        try:
            svc = _service_for(inv, obj)
        except CommandError as e:
            errs.append(e)
            continue
        if strategy == "client":
            shown = roundtrip(svc)
            if inv.explicit_namespace:
                shown["metadata"]["namespace"] = inv.namespace
            operation_printer(inv, "exposed", strategy).print_obj(shown, inv.out, typed=True)
            continue
        try:
            created = inv.client.create("services", svc, v.namespace, field_validation="Strict",
                                        dry_run=strategy == "server")
        except api_errors.StatusError as e:
            errs.append(e)
            continue
        operation_printer(inv, "exposed", strategy).print_obj(roundtrip(created), inv.out, typed=True)
    err = aggregate(errs)
    if err is not None:
        raise err
    return 0


def _service_for(inv, obj: dict) -> dict:
    selector = inv.flag("selector") or _selector_for(obj)
    cluster_ip = inv.flag("cluster-ip") or ""
    port = inv.flag("port") or ""
    ports_text = ""
    if not port:
        ports = _ports_for(obj)
        if not ports and cluster_ip != "None":
            raise CommandError("error: couldn't find port via --port flag or introspection")
        if len(ports) == 1:
            port = ports[0]
        elif ports:
            ports_text = ",".join(ports)
    protocol_map = _protocols_for(obj)
    labels_text = inv.flag("labels") or ",".join(f"{k}={v}" for k, v in
                                                   sorted(((obj.get("metadata") or {}).get("labels") or {}).items()))
    if not selector:
        raise CommandError("error: selector must be specified")
    sel = _parse_labels(selector)
    labels = _parse_labels(labels_text) if labels_text else None
    name = inv.flag("name") or (obj.get("metadata") or {}).get("name", "")[:63]
    port_string = ports_text or port
    svc_ports: list[dict] = []
    protocol_flag = inv.flag("protocol") or ""
    if port_string:
        parts = port_string.split(",")
        for i, p in enumerate(parts):
            try:
                number = int(p)
            except ValueError:
                raise CommandError(f'error: strconv.Atoi: parsing "{p}": invalid syntax') from None
            pname = f"port-{i + 1}" if len(parts) > 1 else ""
            protocol = protocol_flag
            if not protocol:
                protocol = "TCP"
                protos = protocol_map.get(p)
                if protos and len(protos) == 1:
                    protocol = protos[0]
                elif protos:
                    for proto in protos:
                        svc_ports.append({"name": f"port-{i + 1}-{proto.lower()}", "port": number, "protocol": proto})
                    continue
            entry: dict[str, Any] = {}
            if pname:
                entry["name"] = pname
            entry["port"] = number
            entry["protocol"] = protocol
            svc_ports.append(entry)
    target = inv.flag("target-port") or inv.flag("container-port") or ""
    for p in svc_ports:
        p["targetPort"] = _int_or_string(target) if target else p["port"]
    md: dict[str, Any] = {"name": name}
    if labels:
        md["labels"] = labels
    spec: dict[str, Any] = {}
    if svc_ports:
        spec["ports"] = svc_ports
    spec["selector"] = sel
    if cluster_ip:
        spec["clusterIP"] = cluster_ip
    if inv.flag("type"):
        spec["type"] = inv.flag("type")
    if inv.flag("external-ip"):
        spec["externalIPs"] = [inv.flag("external-ip")]
    if inv.flag("session-affinity"):
        if inv.flag("session-affinity") not in ("None", "ClientIP"):
            raise CommandError(f"error: unknown session affinity: {inv.flag('session-affinity')}")
        spec["sessionAffinity"] = inv.flag("session-affinity")
    if spec.get("type") == "LoadBalancer" and inv.flag("load-balancer-ip"):
        spec["loadBalancerIP"] = inv.flag("load-balancer-ip")
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": md, "spec": spec}
    from .apply import record_change_cause

    record_change_cause(inv, svc)
    return svc
