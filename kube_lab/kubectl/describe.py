"""``kubectl describe``: the describers of k8s.io/kubectl/pkg/describe/describe.go.

Each describer writes ``Label:\\tvalue`` lines through a prefix writer (two spaces per level) into a
tab writer (``minwidth 0, padding 2``); a line without tabs ends an aligned section, which is why
the blocks of a description line up independently.  Times print in RFC 1123 with numeric zone
(``Wed, 01 Jan 2025 00:00:00 +0000``) — kubectl prints them in the machine's local zone; the
simulator always uses UTC.  Ages are computed against the cluster's virtual now.

Describers exist for the kinds upstream describes specially (pods, workloads, services, endpoints,
nodes with their allocated-resources table, namespaces, volumes and claims, secrets — sizes only,
never values —, config maps, service accounts, RBAC, storage and priority classes, disruption
budgets); every other kind gets upstream's generic describer (``printUnstructuredContent``).
The ``Events:`` section lists the events whose ``involvedObject`` is the object, oldest first.
"""
from __future__ import annotations

import re
import time as _time
from typing import TYPE_CHECKING, Any, Callable

from ..api import errors as api_errors
from ..api.meta import parse_rfc3339
from ..api.quantity import Quantity, QuantityError, parse_quantity, quantity_from_json
from ..controlplane.apiserver.tables import (access_modes_string, format_label_selector, format_labels,
                                             human_duration, node_roles, pv_class, pvc_class, selector_string)
from .gosort import go_sort
from .printers.tabwriter import TabWriter

if TYPE_CHECKING:  # pragma: no cover
    from ..api.registry import ResourceInfo
    from .runtime import Invocation

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
MAX_ANNOTATION_LEN = 140


# -----------------------------------------------------------------------------------------
# formatting helpers

def rfc1123z(ts: str | None) -> str:
    """``time.RFC1123Z`` of a ``metav1.Time`` (zero time when missing), in UTC."""
    if not ts:
        return "Mon, 01 Jan 0001 00:00:00 +0000"
    secs = parse_rfc3339(ts)
    return _time.strftime("%a, %d %b %Y %H:%M:%S +0000", _time.gmtime(int(secs)))


def go_v(v: Any) -> str:
    """``fmt``'s ``%v`` of a JSON value (lists as ``[a b]``, booleans ``true``)."""
    if v is None:
        return "<nil>"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, list):
        return "[" + " ".join(go_v(x) for x in v) + "]"
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{go_v(v[k])}" for k in sorted(v)) + "]"
    if isinstance(v, float):
        from .printers.jsonpath import go_sprint

        return go_sprint(v)
    return str(v)


def print_bool(v: bool) -> str:
    return "True" if v else "False"


def qstr(v: Any) -> str:
    """A Quantity's ``String()``; missing quantities are zero (``0``)."""
    if v is None or v == "":
        return "0"
    try:
        return str(quantity_from_json(v))
    except (QuantityError, ValueError):
        return str(v)


def _q(v: Any) -> Quantity:
    try:
        return quantity_from_json(v if v is not None else "0")
    except (QuantityError, ValueError):
        return parse_quantity("0")


def _get(obj: Any, *path: str, default: Any = None) -> Any:
    for p in path:
        if not isinstance(obj, dict):
            return default
        obj = obj.get(p)
        if obj is None:
            return default
    return obj


def intstr(v: Any) -> str:
    if v is None:
        return "<nil>"
    return str(v)


class PrefixWriter:
    """``describe.PrefixWriter``: writes indented text into a tab writer."""

    def __init__(self, tw: TabWriter, indent: int = 0):
        self.tw = tw
        self.indent = indent

    def write(self, level: int, text: str) -> None:
        out = "  " * (level + self.indent) + text
        self.tw.write(out.replace("\x1b", "^[").replace("\r", "\\r"))

    def line(self, text: str = "") -> None:
        if self.indent:
            self.write(0, text + "\n")
        else:
            self.tw.write((text + "\n").replace("\x1b", "^[").replace("\r", "\\r"))

    def flush(self) -> None:
        self.tw.flush()


def tabbed(fn: Callable[[PrefixWriter], None]) -> str:
    out: list[str] = []
    tw = TabWriter(out, minwidth=0, padding=2, remember_widths=False)
    fn(PrefixWriter(tw))
    tw.flush()
    return "".join(out)


def print_labels_multiline(w: PrefixWriter, title: str, labels: dict | None, initial: str = "",
                           inner: str = "\t", skip: set | None = None) -> None:
    w.write(0, f"{initial}{title}:{inner}")
    labels = labels or {}
    keys = sorted(k for k in labels if not (skip and k in skip))
    if not keys:
        w.line("<none>")
        return
    for i, k in enumerate(keys):
        if i:
            w.write(0, initial)
            w.write(0, inner)
        w.write(0, f"{k}={labels[k]}\n")


def print_annotations_multiline(w: PrefixWriter, title: str, annotations: dict | None) -> None:
    w.write(0, f"{title}:\t")
    annotations = annotations or {}
    keys = sorted(k for k in annotations if k != LAST_APPLIED)
    if not keys:
        w.line("<none>")
        return
    indent = "\t"
    for i, k in enumerate(keys):
        if i:
            w.write(0, indent)
        value = str(annotations[k])
        if value.endswith("\n"):
            value = value[:-1]
        if len(value.encode()) + len(k.encode()) + 2 > MAX_ANNOTATION_LEN or "\n" in value:
            w.write(0, f"{k}:\n")
            for s in value.split("\n"):
                w.write(0, f"{indent}  {_shorten(s, MAX_ANNOTATION_LEN - 2)}\n")
        else:
            w.write(0, f"{k}: {value}\n")


def _shorten(s: str, n: int) -> str:
    b = s.encode()
    if len(b) > n:
        return b[:n].decode("utf-8", "ignore") + "..."
    return s


def taint_string(t: dict) -> str:
    """``Taint.ToString``: ``key=value:effect`` (or ``key:effect``)."""
    key, value, effect = t.get("key", ""), t.get("value", ""), t.get("effect", "")
    if value:
        return f"{key}={value}:{effect}"
    return f"{key}:{effect}"


def print_taints_multiline(w: PrefixWriter, title: str, taints: list | None, initial: str = "", inner: str = "\t") -> None:
    w.write(0, f"{initial}{title}:{inner}")
    if not taints:
        w.line("<none>")
        return
    taints = go_sort(taints, lambda a, b: f"{a.get('effect', '')},{a.get('key', '')}" < f"{b.get('effect', '')},{b.get('key', '')}")
    for i, t in enumerate(taints):
        if i:
            w.write(0, initial)
            w.write(0, inner)
        w.write(0, taint_string(t) + "\n")


def print_tolerations_multiline(w: PrefixWriter, title: str, tolerations: list | None, initial: str = "",
                                inner: str = "\t") -> None:
    w.write(0, f"{initial}{title}:{inner}")
    if not tolerations:
        w.line("<none>")
        return
    tolerations = go_sort(tolerations, lambda a, b: a.get("key", "") < b.get("key", ""))
    for i, t in enumerate(tolerations):
        if i:
            w.write(0, initial)
            w.write(0, inner)
        w.write(0, t.get("key", ""))
        if t.get("value"):
            w.write(0, f"={t['value']}")
        if t.get("effect"):
            w.write(0, f":{t['effect']}")
        if t.get("operator") == "Exists" and not t.get("value"):
            if t.get("key") or t.get("effect"):
                w.write(0, " op=Exists")
            else:
                w.write(0, "op=Exists")
        if t.get("tolerationSeconds") is not None:
            w.write(0, f" for {t['tolerationSeconds']}s")
        w.write(0, "\n")


def since(ts: str | None, now: float) -> str:
    if not ts:
        return "<unknown>"
    return human_duration(now - parse_rfc3339(ts))


def controller_of(obj: dict) -> str:
    for ref in _get(obj, "metadata", "ownerReferences") or []:
        if ref.get("controller"):
            return f"{ref.get('kind', '')}/{ref.get('name', '')}"
    return ""


# -----------------------------------------------------------------------------------------
# events

def search_events(inv: "Invocation", obj: dict, kind: str | None = None, uid: str | None = None) -> list[dict]:
    md = obj.get("metadata") or {}
    terms = {"involvedObject.name": md.get("name", ""), "involvedObject.namespace": md.get("namespace", "")}
    k = obj.get("kind") if kind is None else kind
    if k:
        terms["involvedObject.kind"] = k
    u = md.get("uid") if uid is None else uid
    if u:
        terms["involvedObject.uid"] = u
    from ..api.fields import escape_value

    selector = ",".join(f"{key}={escape_value(v)}" for key, v in sorted(terms.items()))
    try:
        lst = inv.client.list("events", md.get("namespace") or None, field_selector=selector)
    except api_errors.StatusError:
        return []
    return list(lst["items"])


def describe_events(events: list[dict] | None, w: PrefixWriter, now: float) -> None:
    if events is None:
        return
    if not events:
        w.write(0, "Events:\t<none>\n")
        return
    w.flush()
    def _last(e: dict) -> float:
        return parse_rfc3339(e["lastTimestamp"]) if e.get("lastTimestamp") else float("-inf")
    events = go_sort(events, lambda a, b: _last(a) < _last(b))
    w.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n")
    w.write(1, "----\t------\t----\t----\t-------\n")
    for e in events:
        first = since(e.get("eventTime"), now) if e.get("eventTime") else since(e.get("firstTimestamp"), now)
        series = e.get("series")
        count = e.get("count") or 0
        if series:
            interval = f"{since(series.get('lastObservedTime'), now)} (x{series.get('count', 0)} over {first})"
        elif count > 1:
            interval = f"{since(e.get('lastTimestamp'), now)} (x{count} over {first})"
        else:
            interval = first
        source = (e.get("source") or {}).get("component") or e.get("reportingComponent") or ""
        w.write(1, f"{e.get('type', '')}\t{e.get('reason', '')}\t{interval}\t{source}\t"
                   f"{(e.get('message') or '').strip()}\n")


# -----------------------------------------------------------------------------------------
# containers and pod templates

def _ports(ports: list | None, host: bool = False) -> str:
    key = "hostPort" if host else "containerPort"
    return ", ".join(f"{p.get(key, 0)}/{p.get('protocol', 'TCP')}" for p in ports or [])


def describe_probe(p: dict) -> str:
    attrs = (f"delay={p.get('initialDelaySeconds', 0)}s timeout={p.get('timeoutSeconds', 0)}s "
             f"period={p.get('periodSeconds', 0)}s #success={p.get('successThreshold', 0)} "
             f"#failure={p.get('failureThreshold', 0)}")
    if p.get("exec") is not None:
        return f"exec {go_v(p['exec'].get('command') or [])} {attrs}"
    if p.get("httpGet") is not None:
        h = p["httpGet"]
        scheme = str(h.get("scheme", "")).lower()
        port = "" if h.get("port") is None else str(h.get("port"))
        host = h.get("host", "")
        hostport = f"{host}:{port}" if port else host
        if port and ":" in host:
            hostport = f"[{host}]:{port}"
        url = f"{scheme}://{hostport}{h.get('path', '')}" if scheme else f"//{hostport}{h.get('path', '')}"
        return f"http-get {url} {attrs}"
    if p.get("tcpSocket") is not None:
        t = p["tcpSocket"]
        return f"tcp-socket {t.get('host', '')}:{intstr(t.get('port'))} {attrs}"
    if p.get("grpc") is not None:
        g = p["grpc"]
        return f"grpc <pod>:{g.get('port', 0)} {g.get('service', '')} {attrs}"
    return f"unknown {attrs}"


def _describe_status(name: str, state: dict | None, w: PrefixWriter) -> None:
    state = state or {}
    if state.get("running") is not None:
        w.write(2, f"{name}:\tRunning\n")
        w.write(3, f"Started:\t{rfc1123z(state['running'].get('startedAt'))}\n")
    elif state.get("waiting") is not None:
        w.write(2, f"{name}:\tWaiting\n")
        if state["waiting"].get("reason"):
            w.write(3, f"Reason:\t{state['waiting']['reason']}\n")
    elif state.get("terminated") is not None:
        t = state["terminated"]
        w.write(2, f"{name}:\tTerminated\n")
        if t.get("reason"):
            w.write(3, f"Reason:\t{t['reason']}\n")
        if t.get("message"):
            w.write(3, f"Message:\t{t['message']}\n")
        w.write(3, f"Exit Code:\t{t.get('exitCode', 0)}\n")
        if (t.get("signal") or 0) > 0:
            w.write(3, f"Signal:\t{t['signal']}\n")
        w.write(3, f"Started:\t{rfc1123z(t.get('startedAt'))}\n")
        w.write(3, f"Finished:\t{rfc1123z(t.get('finishedAt'))}\n")
    else:
        w.write(2, f"{name}:\tWaiting\n")


def _describe_resources(res: dict | None, w: PrefixWriter, level: int) -> None:
    if res is None:
        return
    limits = res.get("limits") or {}
    requests = res.get("requests") or {}
    if limits:
        w.write(level, "Limits:\n")
    for k in sorted(limits):
        w.write(level + 1, f"{k}:\t{qstr(limits[k])}\n")
    if requests:
        w.write(level, "Requests:\n")
    for k in sorted(requests):
        w.write(level + 1, f"{k}:\t{qstr(requests[k])}\n")


def _field_value(pod: dict | None, path: str) -> str:
    if pod is None:
        return ""
    md = pod.get("metadata") or {}
    simple = {"metadata.name": md.get("name"), "metadata.namespace": md.get("namespace"),
              "metadata.uid": md.get("uid"), "spec.nodeName": _get(pod, "spec", "nodeName"),
              "spec.serviceAccountName": _get(pod, "spec", "serviceAccountName"),
              "status.hostIP": _get(pod, "status", "hostIP"), "status.podIP": _get(pod, "status", "podIP")}
    if path in simple:
        return simple[path] or ""
    if path == "status.podIPs":
        return ",".join(i.get("ip", "") for i in _get(pod, "status", "podIPs") or [])
    if path == "status.hostIPs":
        return ",".join(i.get("ip", "") for i in _get(pod, "status", "hostIPs") or [])
    m = re.match(r"^metadata\.(labels|annotations)\['(.*)'\]$", path)
    if m:
        return (md.get(m.group(1)) or {}).get(m.group(2), "")
    if path == "metadata.labels":
        return "\n".join(f'{k}="{v}"' for k, v in sorted((md.get("labels") or {}).items()))
    if path == "metadata.annotations":
        return "\n".join(f'{k}="{v}"' for k, v in sorted((md.get("annotations") or {}).items()))
    return ""


def _resource_field_value(ref: dict, container: dict) -> str:
    resource = ref.get("resource", "")
    divisor = _q(ref.get("divisor") or "1")
    if divisor.is_zero():
        divisor = parse_quantity("1")
    kind, _, name = resource.partition(".")
    value = ((container.get("resources") or {}).get(kind) or {}).get(name)
    if value is None:
        return "0"
    q = _q(value)
    import math

    if name == "cpu":
        return str(math.ceil(q.milli_value() / divisor.milli_value()))
    return str(math.ceil(q.value() / divisor.value()))


def _describe_env(c: dict, pod: dict | None, w: PrefixWriter) -> None:
    env = c.get("env") or []
    w.write(2, "Environment:" + ("\t<none>" if not env else "") + "\n")
    for e in env:
        vf = e.get("valueFrom")
        if vf is None:
            for i, s in enumerate(str(e.get("value", "")).split("\n")):
                if i == 0:
                    w.write(3, f"{e.get('name', '')}:\t{s}\n")
                else:
                    w.write(3, f"\t{s}\n")
            continue
        if vf.get("fieldRef") is not None:
            fr = vf["fieldRef"]
            value = _field_value(pod, fr.get("fieldPath", "")) if pod is not None else ""
            w.write(3, f"{e.get('name', '')}:\t{value} ({fr.get('apiVersion', '')}:{fr.get('fieldPath', '')})\n")
        elif vf.get("resourceFieldRef") is not None:
            rf = vf["resourceFieldRef"]
            value = _resource_field_value(rf, c)
            resource = rf.get("resource", "")
            if value == "0" and resource in ("limits.cpu", "limits.memory"):
                value = "node allocatable"
            w.write(3, f"{e.get('name', '')}:\t{value} ({resource})\n")
        elif vf.get("secretKeyRef") is not None:
            r = vf["secretKeyRef"]
            w.write(3, f"{e.get('name', '')}:\t<set to the key '{r.get('key', '')}' in secret '{r.get('name', '')}'>"
                       f"\tOptional: {go_v(bool(r.get('optional')))}\n")
        elif vf.get("configMapKeyRef") is not None:
            r = vf["configMapKeyRef"]
            w.write(3, f"{e.get('name', '')}:\t<set to the key '{r.get('key', '')}' of config map "
                       f"'{r.get('name', '')}'>\tOptional: {go_v(bool(r.get('optional')))}\n")


def _describe_env_from(c: dict, w: PrefixWriter) -> None:
    env_from = c.get("envFrom") or []
    w.write(2, "Environment Variables from:" + ("\t<none>" if not env_from else "") + "\n")
    for e in env_from:
        src, name, optional = "", "", False
        if e.get("configMapRef") is not None:
            src, name, optional = "ConfigMap", e["configMapRef"].get("name", ""), bool(e["configMapRef"].get("optional"))
        elif e.get("secretRef") is not None:
            src, name, optional = "Secret", e["secretRef"].get("name", ""), bool(e["secretRef"].get("optional"))
        if not e.get("prefix"):
            w.write(3, f"{name}\t{src}\tOptional: {go_v(optional)}\n")
        else:
            w.write(3, f"{name}\t{src} with prefix '{e['prefix']}'\tOptional: {go_v(optional)}\n")


def describe_containers(label: str, containers: list | None, statuses: list | None, pod: dict | None,
                        w: PrefixWriter, space: str) -> None:
    containers = containers or []
    by_name = {s.get("name"): s for s in statuses or []}
    w.write(0, f"{space}{label}:{' <none>' if not containers else ''}\n")
    indent = " " if space else ""
    for c in containers:
        st = by_name.get(c.get("name"))
        ok = st is not None
        w.write(1, f"{indent}{c.get('name', '')}:\n")
        if ok:
            w.write(2, f"Container ID:\t{st.get('containerID', '')}\n")
        w.write(2, f"Image:\t{c.get('image', '')}\n")
        if ok:
            w.write(2, f"Image ID:\t{st.get('imageID', '')}\n")
        ports = _ports(c.get("ports"))
        if "," in ports:
            w.write(2, f"Ports:\t{ports}\n")
        else:
            w.write(2, f"Port:\t{ports or '<none>'}\n")
        host_ports = _ports(c.get("ports"), host=True)
        if "," in host_ports:
            w.write(2, f"Host Ports:\t{host_ports}\n")
        else:
            w.write(2, f"Host Port:\t{host_ports or '<none>'}\n")
        seccomp = _get(c, "securityContext", "seccompProfile")
        if seccomp:
            w.write(2, f"SeccompProfile:\t{seccomp.get('type', '')}\n")
            if seccomp.get("type") == "Localhost":
                w.write(3, f"LocalhostProfile:\t{seccomp.get('localhostProfile', '')}\n")
        for title, key in (("Command", "command"), ("Args", "args")):
            if c.get(key):
                w.write(2, f"{title}:\n")
                for item in c[key]:
                    for s in str(item).split("\n"):
                        w.write(3, f"{s}\n")
        if ok:
            _describe_status("State", st.get("state"), w)
            if _get(st, "lastState", "terminated") is not None:
                _describe_status("Last State", st.get("lastState"), w)
            w.write(2, f"Ready:\t{print_bool(bool(st.get('ready')))}\n")
            w.write(2, f"Restart Count:\t{st.get('restartCount', 0)}\n")
        _describe_resources(c.get("resources") or {}, w, 2)
        for title, key in (("Liveness", "livenessProbe"), ("Readiness", "readinessProbe"), ("Startup", "startupProbe")):
            if c.get(key) is not None:
                w.write(2, f"{title}:\t{describe_probe(c[key])}\n")
        if c.get("envFrom"):
            _describe_env_from(c, w)
        _describe_env(c, pod, w)
        mounts = go_sort(c.get("volumeMounts") or [], lambda a, b: a.get("mountPath", "") < b.get("mountPath", ""))
        w.write(2, "Mounts:" + ("\t<none>" if not mounts else "") + "\n")
        for m in mounts:
            flags = ["ro" if m.get("readOnly") else "rw"]
            if m.get("subPath"):
                flags.append(f'path="{m["subPath"]}"')
            w.write(3, f"{m.get('mountPath', '')} from {m.get('name', '')} ({','.join(flags)})\n")
        devices = c.get("volumeDevices") or []
        if devices:
            w.write(2, "Devices:" + ("\t<none>" if not mounts else "") + "\n")
            for d in go_sort(devices, lambda a, b: a.get("devicePath", "") < b.get("devicePath", "")):
                w.write(3, f"{d.get('devicePath', '')} from {d.get('name', '')}\n")


_VOLUME_DESCRIPTIONS = [
    ("hostPath", "HostPath (bare host directory volume)"),
    ("emptyDir", "EmptyDir (a temporary directory that shares a pod's lifetime)"),
    ("secret", "Secret (a volume populated by a Secret)"),
    ("configMap", "ConfigMap (a volume populated by a ConfigMap)"),
    ("nfs", "NFS (an NFS mount that lasts the lifetime of a pod)"),
    ("persistentVolumeClaim", "PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)"),
    ("downwardAPI", "DownwardAPI (a volume populated by information about the pod)"),
    ("projected", "Projected (a volume that contains injected data from multiple sources)"),
]


def _volume_source(v: dict, w: PrefixWriter) -> None:
    if v.get("hostPath") is not None:
        hp = v["hostPath"]
        w.write(2, f"Type:\tHostPath (bare host directory volume)\n    Path:\t{hp.get('path', '')}\n"
                   f"    HostPathType:\t{hp['type'] if hp.get('type') is not None else '<none>'}\n")
    elif v.get("emptyDir") is not None:
        ed = v["emptyDir"]
        size = ed.get("sizeLimit")
        size_text = qstr(size) if size is not None and _q(size).sign() > 0 else "<unset>"
        w.write(2, f"Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n"
                   f"    Medium:\t{ed.get('medium', '')}\n    SizeLimit:\t{size_text}\n")
    elif v.get("secret") is not None:
        s = v["secret"]
        w.write(2, f"Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t{s.get('secretName', '')}\n"
                   f"    Optional:\t{go_v(bool(s.get('optional')))}\n")
    elif v.get("configMap") is not None:
        s = v["configMap"]
        w.write(2, f"Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t{s.get('name', '')}\n"
                   f"    Optional:\t{go_v(bool(s.get('optional')))}\n")
    elif v.get("nfs") is not None:
        s = v["nfs"]
        w.write(2, f"Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t{s.get('server', '')}\n"
                   f"    Path:\t{s.get('path', '')}\n    ReadOnly:\t{go_v(bool(s.get('readOnly')))}\n")
    elif v.get("persistentVolumeClaim") is not None:
        s = v["persistentVolumeClaim"]
        w.write(2, "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n"
                   f"    ClaimName:\t{s.get('claimName', '')}\n    ReadOnly:\t{go_v(bool(s.get('readOnly')))}\n")
    elif v.get("downwardAPI") is not None:
        w.write(2, "Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n")
        for item in v["downwardAPI"].get("items") or []:
            if item.get("fieldRef") is not None:
                w.write(3, f"{item['fieldRef'].get('fieldPath', '')} -> {item.get('path', '')}\n")
            elif item.get("resourceFieldRef") is not None:
                w.write(3, f"{item['resourceFieldRef'].get('resource', '')} -> {item.get('path', '')}\n")
    elif v.get("projected") is not None:
        w.write(2, "Type:\tProjected (a volume that contains injected data from multiple sources)\n")
        for src in v["projected"].get("sources") or []:
            if src.get("secret") is not None:
                w.write(2, f"SecretName:\t{src['secret'].get('name', '')}\n"
                           f"    SecretOptionalName:\t{_ptr_v(src['secret'], 'optional')}\n")
            elif src.get("downwardAPI") is not None:
                w.write(2, "DownwardAPI:\ttrue\n")
            elif src.get("configMap") is not None:
                w.write(2, f"ConfigMapName:\t{src['configMap'].get('name', '')}\n"
                           f"    ConfigMapOptional:\t{_ptr_v(src['configMap'], 'optional')}\n")
            elif src.get("serviceAccountToken") is not None:
                w.write(2, f"TokenExpirationSeconds:\t{src['serviceAccountToken'].get('expirationSeconds', 0)}\n")
    elif v.get("ephemeral") is not None:
        w.write(2, "Type:\tEphemeralVolume (an inline specification for a volume that gets created and deleted "
                   "with the pod)\n")
        tmpl = v["ephemeral"].get("volumeClaimTemplate")
        if tmpl is not None:
            _print_pvc(PrefixWriter(w.tw, w.indent + 2), {"metadata": tmpl.get("metadata") or {},
                                                          "spec": tmpl.get("spec") or {}}, False)
    elif v.get("csi") is not None:
        c = v["csi"]
        w.write(2, f"Type:\tCSI (a Container Storage Interface (CSI) volume source)\n    Driver:\t{c.get('driver', '')}\n"
                   f"    FSType:\t{c.get('fsType', '')}\n    ReadOnly:\t{go_v(bool(c.get('readOnly')))}\n")
        attrs = c.get("volumeAttributes") or {}
        _print_csi_attributes(w, "VolumeAttributes", attrs)
    else:
        w.write(1, "<unknown>\n")


def _ptr_v(d: dict, key: str) -> str:
    """``%v`` of a ``*bool`` (an address in Go; ``<nil>`` when unset)."""
    if d.get(key) is None:
        return "<nil>"
    return go_v(d[key])


def _print_csi_attributes(w: PrefixWriter, title: str, attrs: dict) -> None:
    w.write(0, f"    {title}:\t")
    if not attrs:
        w.line("<none>")
        return
    for i, k in enumerate(sorted(attrs)):
        if i:
            w.write(0, "    \t")
        w.write(0, f"     {k}={attrs[k]}\n")


def describe_volumes(volumes: list | None, w: PrefixWriter, space: str) -> None:
    if not volumes:
        w.write(0, f"{space}Volumes:\t<none>\n")
        return
    w.write(0, f"{space}Volumes:\n")
    indent = " " if space else ""
    for v in volumes:
        w.write(1, f"{indent}{v.get('name', '')}:\n")
        _volume_source(v, w)


def describe_topology_spread(tscs: list | None, w: PrefixWriter, space: str) -> None:
    if not tscs:
        return
    tscs = sorted(tscs, key=lambda t: t.get("topologyKey", ""))
    w.write(0, f"{space}Topology Spread Constraints:\t")
    for i, t in enumerate(tscs):
        if i:
            w.write(0, space)
            w.write(0, "\t")
        w.write(0, f"{t.get('topologyKey', '')}:")
        w.write(0, str(t.get("whenUnsatisfiable", "")))
        w.write(0, f" when max skew {t.get('maxSkew', 0)} is exceeded")
        if t.get("labelSelector") is not None:
            w.write(0, f" for selector {format_label_selector(t['labelSelector'])}")
        w.write(0, "\n")


def describe_pod_template(template: dict | None, w: PrefixWriter) -> None:
    w.write(0, "Pod Template:\n")
    if template is None:
        w.write(1, "<unset>")
        return
    md = template.get("metadata") or {}
    spec = template.get("spec") or {}
    print_labels_multiline(w, "  Labels", md.get("labels"))
    if md.get("annotations"):
        print_annotations_multiline(w, "  Annotations", md.get("annotations"))
    if spec.get("serviceAccountName"):
        w.write(1, f"Service Account:\t{spec['serviceAccountName']}\n")
    if spec.get("initContainers"):
        describe_containers("Init Containers", spec["initContainers"], None, None, w, "  ")
    describe_containers("Containers", spec.get("containers"), None, None, w, "  ")
    describe_volumes(spec.get("volumes"), w, "  ")
    describe_topology_spread(spec.get("topologySpreadConstraints"), w, "  ")
    if spec.get("priorityClassName"):
        w.write(1, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    print_labels_multiline(w, "  Node-Selectors", spec.get("nodeSelector"))
    print_tolerations_multiline(w, "  Tolerations", spec.get("tolerations"))


# -----------------------------------------------------------------------------------------
# QoS and resource totals (k8s.io/kubectl/pkg/util/qos, util/resource)

def pod_qos(pod: dict) -> str:
    if _get(pod, "status", "qosClass"):
        return pod["status"]["qosClass"]
    spec = pod.get("spec") or {}
    requests: dict[str, Quantity] = {}
    limits: dict[str, Quantity] = {}
    guaranteed = True

    def process(target: dict, lst: dict | None) -> None:
        for name, v in (lst or {}).items():
            if name not in ("cpu", "memory"):
                continue
            q = _q(v)
            if q.sign() > 0:
                target[name] = q if name not in target else target[name].add(q)

    for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        res = c.get("resources") or {}
        process(requests, res.get("requests"))
        process(limits, res.get("limits"))
        qos_limits = {n for n, v in (res.get("limits") or {}).items() if n in ("cpu", "memory") and _q(v).sign() > 0}
        if not {"cpu", "memory"} <= qos_limits:
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed:
        for name, req in requests.items():
            if name not in limits or limits[name].cmp(req) != 0:
                guaranteed = False
                break
    if guaranteed and len(requests) == len(limits):
        return "Guaranteed"
    return "Burstable"


def _add_list(total: dict, lst: dict | None) -> None:
    for name, v in (lst or {}).items():
        q = _q(v)
        total[name] = q if name not in total else total[name].add(q)


def _max_list(total: dict, lst: dict) -> None:
    for name, q in lst.items():
        if name not in total or q.cmp(total[name]) > 0:
            total[name] = q


def pod_requests_and_limits(pod: dict) -> tuple[dict, dict]:
    """``resourcehelper.PodRequestsAndLimits``: containers summed, init containers as a maximum,
    restartable (sidecar) init containers added, pod overhead added."""
    spec = pod.get("spec") or {}
    out = []
    for key in ("requests", "limits"):
        total: dict[str, Quantity] = {}
        for c in spec.get("containers") or []:
            _add_list(total, (c.get("resources") or {}).get(key))
        sidecars: dict[str, Quantity] = {}
        init_max: dict[str, Quantity] = {}
        for c in spec.get("initContainers") or []:
            res: dict[str, Quantity] = {}
            _add_list(res, (c.get("resources") or {}).get(key))
            if c.get("restartPolicy") == "Always":
                _add_list(total, (c.get("resources") or {}).get(key))
                _add_list(sidecars, (c.get("resources") or {}).get(key))
                res = dict(sidecars)
            else:
                for name, q in sidecars.items():
                    res[name] = q if name not in res else res[name].add(q)
            _max_list(init_max, res)
        _max_list(total, init_max)
        if spec.get("overhead"):
            _add_list(total, spec["overhead"])
        out.append(total)
    return out[0], out[1]


# -----------------------------------------------------------------------------------------
# describers

class Describers:
    """Describers need the API (events, related objects) and the clock."""

    def __init__(self, inv: "Invocation", show_events: bool = True):
        self.inv = inv
        self.show_events = show_events
        self.now = inv.now()

    def events_for(self, obj: dict, kind: str | None = None) -> list[dict] | None:
        if not self.show_events:
            return None
        return search_events(self.inv, obj, kind)

    def describe(self, info: "ResourceInfo", namespace: str | None, name: str) -> str:
        """GET the object and describe it (API errors propagate)."""
        fn = getattr(self, "_" + info.kind, None)
        obj = self.inv.client.get(info.resource, name, namespace)
        if fn is None:
            return self._generic(obj)
        return fn(obj)

    # -- pods ---------------------------------------------------------------------------
    def _Pod(self, pod: dict) -> str:
        ann = _get(pod, "metadata", "annotations") or {}
        kind = ""
        events = None
        if self.show_events:
            uid = ann.get("kubernetes.io/config.mirror") or _get(pod, "metadata", "uid")
            events = search_events(self.inv, pod, kind=kind, uid=uid)
        now = self.now

        def body(w: PrefixWriter) -> None:
            md, spec, st = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
            w.write(0, f"Name:\t{md.get('name', '')}\n")
            w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
            if spec.get("priority") is not None:
                w.write(0, f"Priority:\t{spec['priority']}\n")
            if spec.get("priorityClassName"):
                w.write(0, f"Priority Class Name:\t{spec['priorityClassName']}\n")
            if spec.get("runtimeClassName"):
                w.write(0, f"Runtime Class Name:\t{spec['runtimeClassName']}\n")
            if spec.get("serviceAccountName"):
                w.write(0, f"Service Account:\t{spec['serviceAccountName']}\n")
            if not spec.get("nodeName"):
                w.write(0, "Node:\t<none>\n")
            else:
                w.write(0, f"Node:\t{spec['nodeName']}/{st.get('hostIP', '')}\n")
            if st.get("startTime"):
                w.write(0, f"Start Time:\t{rfc1123z(st['startTime'])}\n")
            print_labels_multiline(w, "Labels", md.get("labels"))
            print_annotations_multiline(w, "Annotations", md.get("annotations"))
            if md.get("deletionTimestamp") and st.get("phase") not in ("Failed", "Succeeded"):
                w.write(0, f"Status:\tTerminating (lasts {since(md['deletionTimestamp'], now)})\n")
                w.write(0, f"Termination Grace Period:\t{md.get('deletionGracePeriodSeconds', 0)}s\n")
            else:
                w.write(0, f"Status:\t{st.get('phase', '')}\n")
            if st.get("reason"):
                w.write(0, f"Reason:\t{st['reason']}\n")
            if st.get("message"):
                w.write(0, f"Message:\t{st['message']}\n")
            seccomp = _get(spec, "securityContext", "seccompProfile")
            if seccomp:
                w.write(0, f"SeccompProfile:\t{seccomp.get('type', '')}\n")
                if seccomp.get("type") == "Localhost":
                    w.write(0, f"LocalhostProfile:\t{seccomp.get('localhostProfile', '')}\n")
            w.write(0, f"IP:\t{st.get('podIP', '')}\n")
            ips = st.get("podIPs") or []
            if not ips:
                w.write(0, "IPs:\t<none>\n")
            else:
                w.write(0, "IPs:\n")
                for ip in ips:
                    w.write(1, f"IP:\t{ip.get('ip', '')}\n")
            ctrl = controller_of(pod)
            if ctrl:
                w.write(0, f"Controlled By:\t{ctrl}\n")
            if st.get("nominatedNodeName"):
                w.write(0, f"NominatedNodeName:\t{st['nominatedNodeName']}\n")
            if spec.get("resources") is not None:
                w.write(0, "Resources:\n")
                _describe_resources(spec["resources"], w, 1)
            if spec.get("initContainers"):
                describe_containers("Init Containers", spec["initContainers"], st.get("initContainerStatuses"), pod,
                                    w, "")
            describe_containers("Containers", spec.get("containers"), st.get("containerStatuses"), pod, w, "")
            if spec.get("ephemeralContainers"):
                describe_containers("Ephemeral Containers", spec["ephemeralContainers"],
                                    st.get("ephemeralContainerStatuses"), pod, w, "")
            if spec.get("readinessGates"):
                w.write(0, "Readiness Gates:\n  Type\tStatus\n")
                for g in spec["readinessGates"]:
                    status = "<none>"
                    for c in st.get("conditions") or []:
                        if c.get("type") == g.get("conditionType"):
                            status = str(c.get("status", ""))
                            break
                    w.write(1, f"{g.get('conditionType', '')} \t{status} \n")
            if st.get("conditions"):
                w.write(0, "Conditions:\n  Type\tStatus\n")
                for c in st["conditions"]:
                    w.write(1, f"{c.get('type', '')} \t{c.get('status', '')} \n")
            describe_volumes(spec.get("volumes"), w, "")
            w.write(0, f"QoS Class:\t{pod_qos(pod)}\n")
            print_labels_multiline(w, "Node-Selectors", spec.get("nodeSelector"))
            print_tolerations_multiline(w, "Tolerations", spec.get("tolerations"))
            describe_topology_spread(spec.get("topologySpreadConstraints"), w, "")
            describe_events(events, w, now)
        return tabbed(body)

    def _pod_counts(self, selector: str, uid: str, namespace: str) -> tuple[int, int, int, int]:
        running = waiting = succeeded = failed = 0
        pods = self.inv.client.list("pods", namespace, label_selector=selector or None)["items"]
        for p in pods:
            ref = next((r for r in _get(p, "metadata", "ownerReferences") or [] if r.get("controller")), None)
            if ref is None or ref.get("uid") != uid:
                continue
            phase = _get(p, "status", "phase")
            if phase == "Running":
                running += 1
            elif phase == "Pending":
                waiting += 1
            elif phase == "Succeeded":
                succeeded += 1
            elif phase == "Failed":
                failed += 1
        return running, waiting, succeeded, failed

    @staticmethod
    def _conditions(w: PrefixWriter, conditions: list | None) -> None:
        if conditions:
            w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
            w.write(1, "----\t------\t------\n")
            for c in conditions:
                w.write(1, f"{c.get('type', '')} \t{c.get('status', '')}\t{c.get('reason', '')}\n")

    # -- workloads ----------------------------------------------------------------------
    def _Deployment(self, d: dict) -> str:
        events = self.events_for(d)
        md, spec, st = d.get("metadata") or {}, d.get("spec") or {}, d.get("status") or {}
        from .rollout_util import all_replica_sets

        old, new = all_replica_sets(self.inv, d)
        now = self.now

        def body(w: PrefixWriter) -> None:
            w.write(0, f"Name:\t{md.get('name', '')}\n")
            w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
            w.write(0, f"CreationTimestamp:\t{rfc1123z(md.get('creationTimestamp'))}\n")
            print_labels_multiline(w, "Labels", md.get("labels"))
            print_annotations_multiline(w, "Annotations", md.get("annotations"))
            w.write(0, f"Selector:\t{selector_string(spec.get('selector'))}\n")
            w.write(0, f"Replicas:\t{spec.get('replicas', 0)} desired | {st.get('updatedReplicas', 0)} updated | "
                       f"{st.get('replicas', 0)} total | {st.get('availableReplicas', 0)} available | "
                       f"{st.get('unavailableReplicas', 0)} unavailable\n")
            strategy = spec.get("strategy") or {}
            w.write(0, f"StrategyType:\t{strategy.get('type', '')}\n")
            w.write(0, f"MinReadySeconds:\t{spec.get('minReadySeconds', 0)}\n")
            if strategy.get("rollingUpdate") is not None:
                ru = strategy["rollingUpdate"]
                w.write(0, f"RollingUpdateStrategy:\t{intstr(ru.get('maxUnavailable'))} max unavailable, "
                           f"{intstr(ru.get('maxSurge'))} max surge\n")
            describe_pod_template(spec.get("template"), w)
            self._conditions(w, st.get("conditions"))
            if old or new:
                w.write(0, f"OldReplicaSets:\t{_rs_list(old)}\n")
                w.write(0, f"NewReplicaSet:\t{_rs_list([new] if new else [])}\n")
            describe_events(events, w, now)
        return tabbed(body)

    def _ReplicaSet(self, rs: dict) -> str:
        md, spec, st = rs.get("metadata") or {}, rs.get("spec") or {}, rs.get("status") or {}
        counts = self._pod_counts(selector_string(spec.get("selector")), md.get("uid", ""), md.get("namespace", ""))
        events = self.events_for(rs)
        now = self.now

        def body(w: PrefixWriter) -> None:
            w.write(0, f"Name:\t{md.get('name', '')}\n")
            w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
            w.write(0, f"Selector:\t{format_label_selector(spec.get('selector'))}\n")
            print_labels_multiline(w, "Labels", md.get("labels"))
            print_annotations_multiline(w, "Annotations", md.get("annotations"))
            ctrl = controller_of(rs)
            if ctrl:
                w.write(0, f"Controlled By:\t{ctrl}\n")
            w.write(0, f"Replicas:\t{st.get('replicas', 0)} current / {spec.get('replicas', 0)} desired\n")
            w.write(0, "Pods Status:\t")
            w.write(0, "%d Running / %d Waiting / %d Succeeded / %d Failed\n" % counts)
            describe_pod_template(spec.get("template"), w)
            self._conditions(w, st.get("conditions"))
            describe_events(events, w, now)
        return tabbed(body)

    def _ReplicationController(self, rc: dict) -> str:
        md, spec, st = rc.get("metadata") or {}, rc.get("spec") or {}, rc.get("status") or {}
        sel = ",".join(f"{k}={v}" for k, v in sorted((spec.get("selector") or {}).items()))
        counts = self._pod_counts(sel, md.get("uid", ""), md.get("namespace", ""))
        events = self.events_for(rc)
        now = self.now

        def body(w: PrefixWriter) -> None:
            w.write(0, f"Name:\t{md.get('name', '')}\n")
            w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
            w.write(0, f"Selector:\t{format_labels(spec.get('selector'))}\n")
            print_labels_multiline(w, "Labels", md.get("labels"))
            print_annotations_multiline(w, "Annotations", md.get("annotations"))
            w.write(0, f"Replicas:\t{st.get('replicas', 0)} current / {spec.get('replicas', 0)} desired\n")
            w.write(0, "Pods Status:\t%d Running / %d Waiting / %d Succeeded / %d Failed\n" % counts)
            describe_pod_template(spec.get("template"), w)
            self._conditions(w, st.get("conditions"))
            describe_events(events, w, now)
        return tabbed(body)

    def _StatefulSet(self, ss: dict) -> str:
        md, spec, st = ss.get("metadata") or {}, ss.get("spec") or {}, ss.get("status") or {}
        sel = selector_string(spec.get("selector"))
        counts = self._pod_counts(sel, md.get("uid", ""), md.get("namespace", ""))
        events = self.events_for(ss)
        now = self.now

        def body(w: PrefixWriter) -> None:
            w.write(0, f"Name:\t{md.get('name', '')}\n")
            w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
            w.write(0, f"CreationTimestamp:\t{rfc1123z(md.get('creationTimestamp'))}\n")
            w.write(0, f"Selector:\t{sel}\n")
            print_labels_multiline(w, "Labels", md.get("labels"))
            print_annotations_multiline(w, "Annotations", md.get("annotations"))
            w.write(0, f"Replicas:\t{spec.get('replicas', 0)} desired | {st.get('replicas', 0)} total\n")
            us = spec.get("updateStrategy") or {}
            w.write(0, f"Update Strategy:\t{us.get('type', '')}\n")
            ru = us.get("rollingUpdate")
            if ru is not None and ru.get("partition") is not None:
                w.write(1, f"Partition:\t{ru['partition']}\n")
                if ru.get("maxUnavailable") is not None:
                    w.write(1, f"MaxUnavailable:\t{ru['maxUnavailable']}\n")
            w.write(0, "Pods Status:\t%d Running / %d Waiting / %d Succeeded / %d Failed\n" % counts)
            describe_pod_template(spec.get("template"), w)
            templates = spec.get("volumeClaimTemplates") or []
            if not templates:
                w.write(0, "Volume Claims:\t<none>\n")
            else:
                w.write(0, "Volume Claims:\n")
                for pvc in templates:
                    pmd = pvc.get("metadata") or {}
                    w.write(1, f"Name:\t{pmd.get('name', '')}\n")
                    w.write(1, f"StorageClass:\t{pvc_class(pvc)}\n")
                    print_labels_multiline(w, "Labels", pmd.get("labels"), initial="  ")
                    print_labels_multiline(w, "Annotations", pmd.get("annotations"), initial="  ")
                    cap = _get(pvc, "spec", "resources", "requests", "storage")
                    w.write(1, f"Capacity:\t{qstr(cap) if cap is not None else '<default>'}\n")
                    w.write(1, f"Access Modes:\t{go_v(_get(pvc, 'spec', 'accessModes') or [])}\n")
            describe_events(events, w, now)
        return tabbed(body)

    def _DaemonSet(self, ds: dict) -> str:
        md, spec, st = ds.get("metadata") or {}, ds.get("spec") or {}, ds.get("status") or {}
        sel = selector_string(spec.get("selector"))
        counts = self._pod_counts(sel, md.get("uid", ""), md.get("namespace", ""))
        events = self.events_for(ds)
        now = self.now

        def body(w: PrefixWriter) -> None:
            w.write(0, f"Name:\t{md.get('name', '')}\n")
            w.write(0, f"Selector:\t{sel}\n")
            w.write(0, f"Node-Selector:\t{format_labels(_get(spec, 'template', 'spec', 'nodeSelector'))}\n")
            print_labels_multiline(w, "Labels", md.get("labels"))
            print_annotations_multiline(w, "Annotations", md.get("annotations"))
            w.write(0, f"Desired Number of Nodes Scheduled: {st.get('desiredNumberScheduled', 0)}\n")
            w.write(0, f"Current Number of Nodes Scheduled: {st.get('currentNumberScheduled', 0)}\n")
            w.write(0, f"Number of Nodes Scheduled with Up-to-date Pods: {st.get('updatedNumberScheduled', 0)}\n")
            w.write(0, f"Number of Nodes Scheduled with Available Pods: {st.get('numberAvailable', 0)}\n")
            w.write(0, f"Number of Nodes Misscheduled: {st.get('numberMisscheduled', 0)}\n")
            w.write(0, "Pods Status:\t%d Running / %d Waiting / %d Succeeded / %d Failed\n" % counts)
            describe_pod_template(spec.get("template"), w)
            describe_events(events, w, now)
        return tabbed(body)

    def _Job(self, job: dict) -> str:
        md, spec, st = job.get("metadata") or {}, job.get("spec") or {}, job.get("status") or {}
        events = self.events_for(job)
        now = self.now

        def body(w: PrefixWriter) -> None:
            w.write(0, f"Name:\t{md.get('name', '')}\n")
            w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
            w.write(0, f"Selector:\t{selector_string(spec.get('selector'))}\n")
            print_labels_multiline(w, "Labels", md.get("labels"))
            print_annotations_multiline(w, "Annotations", md.get("annotations"))
            ctrl = controller_of(job)
            if ctrl:
                w.write(0, f"Controlled By:\t{ctrl}\n")
            if spec.get("parallelism") is not None:
                w.write(0, f"Parallelism:\t{spec['parallelism']}\n")
            if spec.get("completions") is not None:
                w.write(0, f"Completions:\t{spec['completions']}\n")
            else:
                w.write(0, "Completions:\t<unset>\n")
            if spec.get("completionMode") is not None:
                w.write(0, f"Completion Mode:\t{spec['completionMode']}\n")
            if spec.get("suspend") is not None:
                w.write(0, f"Suspend:\t{go_v(spec['suspend'])}\n")
            if spec.get("backoffLimit") is not None:
                w.write(0, f"Backoff Limit:\t{spec['backoffLimit']}\n")
            if spec.get("ttlSecondsAfterFinished") is not None:
                w.write(0, f"TTL Seconds After Finished:\t{spec['ttlSecondsAfterFinished']}\n")
            if st.get("startTime"):
                w.write(0, f"Start Time:\t{rfc1123z(st['startTime'])}\n")
            if st.get("completionTime"):
                w.write(0, f"Completed At:\t{rfc1123z(st['completionTime'])}\n")
            if st.get("startTime") and st.get("completionTime"):
                w.write(0, f"Duration:\t{human_duration(parse_rfc3339(st['completionTime']) - parse_rfc3339(st['startTime']))}\n")
            if spec.get("activeDeadlineSeconds") is not None:
                w.write(0, f"Active Deadline Seconds:\t{spec['activeDeadlineSeconds']}s\n")
            if st.get("ready") is None:
                w.write(0, f"Pods Statuses:\t{st.get('active', 0)} Active / {st.get('succeeded', 0)} Succeeded / "
                           f"{st.get('failed', 0)} Failed\n")
            else:
                w.write(0, f"Pods Statuses:\t{st.get('active', 0)} Active ({st['ready']} Ready) / "
                           f"{st.get('succeeded', 0)} Succeeded / {st.get('failed', 0)} Failed\n")
            if spec.get("completionMode") == "Indexed":
                w.write(0, f"Completed Indexes:\t{_cap_indexes(st.get('completedIndexes', ''), 50)}\n")
            describe_pod_template(spec.get("template"), w)
            describe_events(events, w, now)
        return tabbed(body)

    def _CronJob(self, cj: dict) -> str:
        md, spec, st = cj.get("metadata") or {}, cj.get("spec") or {}, cj.get("status") or {}
        events = self.events_for(cj)
        now = self.now

        def body(w: PrefixWriter) -> None:
            w.write(0, f"Name:\t{md.get('name', '')}\n")
            w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
            print_labels_multiline(w, "Labels", md.get("labels"))
            print_annotations_multiline(w, "Annotations", md.get("annotations"))
            w.write(0, f"Schedule:\t{spec.get('schedule', '')}\n")
            w.write(0, f"Concurrency Policy:\t{spec.get('concurrencyPolicy', '')}\n")
            w.write(0, f"Suspend:\t{'<unset>' if spec.get('suspend') is None else print_bool(spec['suspend'])}\n")
            for title, key in (("Successful Job History Limit", "successfulJobsHistoryLimit"),
                               ("Failed Job History Limit", "failedJobsHistoryLimit")):
                w.write(0, f"{title}:\t{spec[key] if spec.get(key) is not None else '<unset>'}\n")
            if spec.get("startingDeadlineSeconds") is not None:
                w.write(0, f"Starting Deadline Seconds:\t{spec['startingDeadlineSeconds']}s\n")
            else:
                w.write(0, "Starting Deadline Seconds:\t<unset>\n")
            jt = _get(spec, "jobTemplate", "spec") or {}
            if jt.get("selector") is not None:
                w.write(0, f"Selector:\t{selector_string(jt['selector'])}\n")
            else:
                w.write(0, "Selector:\t<unset>\n")
            for title, key in (("Parallelism", "parallelism"), ("Completions", "completions")):
                w.write(0, f"{title}:\t{jt[key] if jt.get(key) is not None else '<unset>'}\n")
            if jt.get("activeDeadlineSeconds") is not None:
                w.write(0, f"Active Deadline Seconds:\t{jt['activeDeadlineSeconds']}s\n")
            describe_pod_template(jt.get("template"), w)
            if st.get("lastScheduleTime"):
                w.write(0, f"Last Schedule Time:\t{rfc1123z(st['lastScheduleTime'])}\n")
            else:
                w.write(0, "Last Schedule Time:\t<unset>\n")
            w.write(0, "Active Jobs:\t")
            active = st.get("active") or []
            if not active:
                w.line("<none>")
            else:
                for i, j in enumerate(active):
                    if i:
                        w.write(0, ", ")
                    w.write(0, j.get("name", ""))
                w.line("")
            describe_events(events, w, now)
        return tabbed(body)

    # -- networking ---------------------------------------------------------------------
    def _Service(self, svc: dict) -> str:
        md, spec = svc.get("metadata") or {}, svc.get("spec") or {}
        try:
            slices = self.inv.client.list("endpointslices", md.get("namespace"),
                                          label_selector=f"kubernetes.io/service-name={md.get('name', '')}")["items"]
        except api_errors.StatusError:
            slices = []
        events = self.events_for(svc)
        now = self.now

        def body(w: PrefixWriter) -> None:
            w.write(0, f"Name:\t{md.get('name', '')}\n")
            w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
            print_labels_multiline(w, "Labels", md.get("labels"))
            print_annotations_multiline(w, "Annotations", md.get("annotations"))
            w.write(0, f"Selector:\t{format_labels(spec.get('selector'))}\n")
            w.write(0, f"Type:\t{spec.get('type', '')}\n")
            if spec.get("ipFamilyPolicy") is not None:
                w.write(0, f"IP Family Policy:\t{spec['ipFamilyPolicy']}\n")
            fams = spec.get("ipFamilies") or []
            w.write(0, f"IP Families:\t{','.join(fams) if fams else '<none>'}\n")
            w.write(0, f"IP:\t{spec.get('clusterIP', '')}\n")
            ips = spec.get("clusterIPs") or []
            w.write(0, f"IPs:\t{','.join(ips) if ips else '<none>'}\n")
            if spec.get("externalIPs"):
                w.write(0, f"External IPs:\t{','.join(spec['externalIPs'])}\n")
            if spec.get("loadBalancerIP"):
                w.write(0, f"Desired LoadBalancer IP:\t{spec['loadBalancerIP']}\n")
            if spec.get("externalName"):
                w.write(0, f"External Name:\t{spec['externalName']}\n")
            ingress = _get(svc, "status", "loadBalancer", "ingress") or []
            if ingress:
                parts = []
                for i in ingress:
                    if i.get("ip"):
                        parts.append(i["ip"] + (f" ({i['ipMode']})" if i.get("ipMode") else ""))
                    else:
                        parts.append(i.get("hostname", ""))
                w.write(0, f"LoadBalancer Ingress:\t{', '.join(parts)}\n")
            for p in spec.get("ports") or []:
                name = p.get("name") or "<unset>"
                proto = p.get("protocol", "TCP")
                w.write(0, f"Port:\t{name}\t{p.get('port', 0)}/{proto}\n")
                tp = p.get("targetPort")
                w.write(0, f"TargetPort:\t{tp if tp is not None else 0}/{proto}\n")
                if p.get("nodePort"):
                    w.write(0, f"NodePort:\t{name}\t{p['nodePort']}/{proto}\n")
                w.write(0, f"Endpoints:\t{format_endpoint_slices(slices, {p.get('name', '')})}\n")
            w.write(0, f"Session Affinity:\t{spec.get('sessionAffinity', '')}\n")
            if spec.get("externalTrafficPolicy"):
                w.write(0, f"External Traffic Policy:\t{spec['externalTrafficPolicy']}\n")
            if spec.get("internalTrafficPolicy") is not None:
                w.write(0, f"Internal Traffic Policy:\t{spec['internalTrafficPolicy']}\n")
            if spec.get("healthCheckNodePort"):
                w.write(0, f"HealthCheck NodePort:\t{spec['healthCheckNodePort']}\n")
            if spec.get("loadBalancerSourceRanges"):
                w.write(0, f"LoadBalancer Source Ranges:\t{','.join(spec['loadBalancerSourceRanges'])}\n")
            describe_events(events, w, now)
        return tabbed(body)

    def _Endpoints(self, ep: dict) -> str:
        md = ep.get("metadata") or {}
        events = self.events_for(ep)
        now = self.now

        def body(w: PrefixWriter) -> None:
            w.write(0, f"Name:\t{md.get('name', '')}\n")
            w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
            print_labels_multiline(w, "Labels", md.get("labels"))
            print_annotations_multiline(w, "Annotations", md.get("annotations"))
            w.write(0, "Subsets:\n")
            for ss in ep.get("subsets") or []:
                addrs = ",".join(a.get("ip", "") for a in ss.get("addresses") or [])
                w.write(1, f"Addresses:\t{addrs or '<none>'}\n")
                nr = ",".join(a.get("ip", "") for a in ss.get("notReadyAddresses") or [])
                w.write(1, f"NotReadyAddresses:\t{nr or '<none>'}\n")
                if ss.get("ports"):
                    w.write(1, "Ports:\n")
                    w.write(2, "Name\tPort\tProtocol\n")
                    w.write(2, "----\t----\t--------\n")
                    for p in ss["ports"]:
                        w.write(2, f"{p.get('name') or '<unset>'}\t{p.get('port', 0)}\t{p.get('protocol', '')}\n")
                w.write(0, "\n")
            describe_events(events, w, now)
        return tabbed(body)

    def _EndpointSlice(self, eps: dict) -> str:
        md = eps.get("metadata") or {}
        events = self.events_for(eps)
        now = self.now

        def body(w: PrefixWriter) -> None:
            w.write(0, f"Name:\t{md.get('name', '')}\n")
            w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
            print_labels_multiline(w, "Labels", md.get("labels"))
            print_annotations_multiline(w, "Annotations", md.get("annotations"))
            w.write(0, f"AddressType:\t{eps.get('addressType', '')}\n")
            ports = eps.get("ports") or []
            if not ports:
                w.write(0, "Ports: <unset>\n")
            else:
                w.write(0, "Ports:\n")
                w.write(1, "Name\tPort\tProtocol\n")
                w.write(1, "----\t----\t--------\n")
                for p in ports:
                    w.write(1, f"{p.get('name') or '<unset>'}\t{p['port'] if p.get('port') is not None else '<unset>'}"
                               f"\t{p.get('protocol', '')}\n")
            endpoints = eps.get("endpoints") or []
            if not endpoints:
                w.write(0, "Endpoints: <none>\n")
            else:
                w.write(0, "Endpoints:\n")
                for e in endpoints:
                    w.write(1, f"- Addresses:\t{', '.join(e.get('addresses') or []) or '<none>'}\n")
                    w.write(2, "Conditions:\n")
                    ready = _get(e, "conditions", "ready")
                    w.write(3, f"Ready:\t{'<unset>' if ready is None else go_v(ready)}\n")
                    w.write(2, f"Hostname:\t{e['hostname'] if e.get('hostname') is not None else '<unset>'}\n")
                    if e.get("targetRef") is not None:
                        w.write(2, f"TargetRef:\t{e['targetRef'].get('kind', '')}/{e['targetRef'].get('name', '')}\n")
                    w.write(2, f"NodeName:\t{e['nodeName'] if e.get('nodeName') is not None else '<unset>'}\n")
                    w.write(2, f"Zone:\t{e['zone'] if e.get('zone') is not None else '<unset>'}\n")
            describe_events(events, w, now)
        return tabbed(body)

    def _Ingress(self, ing: dict) -> str:
        md, spec = ing.get("metadata") or {}, ing.get("spec") or {}
        events = self.events_for(ing)
        now = self.now
        ns = md.get("namespace", "")

        def backend(b: dict) -> str:
            if b.get("service") is not None:
                s = b["service"]
                port = s.get("port") or {}
                sb = f"{s.get('name', '')}:{port.get('number') if port.get('number') else port.get('name', '')}"
                try:
                    slices = self.inv.client.list("endpointslices", ns,
                                                  label_selector=f"kubernetes.io/service-name={s.get('name', '')}")["items"]
                    svc = self.inv.client.get("services", s.get("name", ""), ns)
                except api_errors.StatusError as e:
                    return f"{sb} (<error: {e.message}>)"
                sp_name = ""
                for sp in _get(svc, "spec", "ports") or []:
                    if port.get("number") and port.get("number") == sp.get("port"):
                        sp_name = sp.get("name", "")
                    elif port.get("name") and port.get("name") == sp.get("name"):
                        sp_name = sp.get("name", "")
                return f"{sb} ({format_endpoint_slices(slices, {sp_name})})"
            if b.get("resource") is not None:
                r = b["resource"]
                return f"APIGroup: {r.get('apiGroup') or '<none>'}, Kind: {r.get('kind', '')}, Name: {r.get('name', '')}"
            return ""

        def body(w: PrefixWriter) -> None:
            from ..controlplane.apiserver.tables import _lb_status

            w.write(0, f"Name:\t{md.get('name', '')}\n")
            print_labels_multiline(w, "Labels", md.get("labels"))
            w.write(0, f"Namespace:\t{ns}\n")
            w.write(0, f"Address:\t{_lb_status(_get(ing, 'status', 'loadBalancer'), True)}\n")
            w.write(0, f"Ingress Class:\t{spec.get('ingressClassName') or '<none>'}\n")
            default = "<default>"
            if spec.get("defaultBackend") is not None:
                default = backend(spec["defaultBackend"])
            w.write(0, f"Default backend:\t{default}\n")
            if spec.get("tls"):
                w.write(0, "TLS:\n")
                for t in spec["tls"]:
                    if not t.get("secretName"):
                        w.write(1, f"SNI routes {','.join(t.get('hosts') or [])}\n")
                    else:
                        w.write(1, f"{t['secretName']} terminates {','.join(t.get('hosts') or [])}\n")
            w.write(0, "Rules:\n  Host\tPath\tBackends\n")
            w.write(1, "----\t----\t--------\n")
            count = 0
            for rule in spec.get("rules") or []:
                if rule.get("http") is None:
                    continue
                count += 1
                w.write(1, f"{rule.get('host') or '*'}\t\n")
                for path in rule["http"].get("paths") or []:
                    w.write(2, f"\t{path.get('path', '')} \t{backend(path.get('backend') or {})}\n")
            if count == 0:
                w.write(1, f"*\t*\t{default}\n")
            print_annotations_multiline(w, "Annotations", md.get("annotations"))
            describe_events(events, w, now)
        return tabbed(body)

    # -- cluster ------------------------------------------------------------------------
    def _Node(self, node: dict) -> str:
        md, spec, st = node.get("metadata") or {}, node.get("spec") or {}, node.get("status") or {}
        name = md.get("name", "")
        pods = [p for p in self.inv.client.list("pods", None, field_selector=f"spec.nodeName={name}")["items"]
                if _get(p, "status", "phase") not in ("Succeeded", "Failed")]
        events = None
        if self.show_events:
            events = search_events(self.inv, node, kind="Node", uid=md.get("uid", ""))
            events += search_events(self.inv, node, kind="Node", uid=name)
        try:
            lease = self.inv.client.get("leases", name, "kube-node-lease")
            lease_err = None
        except api_errors.StatusError as e:
            lease, lease_err = None, e
        now = self.now

        def body(w: PrefixWriter) -> None:
            w.write(0, f"Name:\t{name}\n")
            roles = node_roles(node)
            w.write(0, f"Roles:\t{','.join(roles) if roles else '<none>'}\n")
            print_labels_multiline(w, "Labels", md.get("labels"))
            print_annotations_multiline(w, "Annotations", md.get("annotations"))
            w.write(0, f"CreationTimestamp:\t{rfc1123z(md.get('creationTimestamp'))}\n")
            print_taints_multiline(w, "Taints", spec.get("taints"))
            w.write(0, f"Unschedulable:\t{go_v(bool(spec.get('unschedulable')))}\n")
            if lease_err is not None:
                w.write(0, f"Lease:\tFailed to get lease: {lease_err.message}\n")
            else:
                ls = lease.get("spec") or {}
                w.write(0, "Lease:\n")
                w.write(1, f"HolderIdentity:\t{ls.get('holderIdentity') or '<unset>'}\n")
                w.write(1, f"AcquireTime:\t{_micro_1123(ls.get('acquireTime'))}\n")
                w.write(1, f"RenewTime:\t{_micro_1123(ls.get('renewTime'))}\n")
            if st.get("conditions"):
                w.write(0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n")
                w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
                for c in st["conditions"]:
                    w.write(1, f"{c.get('type', '')} \t{c.get('status', '')} \t{rfc1123z(c.get('lastHeartbeatTime'))} \t"
                               f"{rfc1123z(c.get('lastTransitionTime'))} \t{c.get('reason', '')} \t{c.get('message', '')}\n")
            w.write(0, "Addresses:\n")
            for a in st.get("addresses") or []:
                w.write(1, f"{a.get('type', '')}:\t{a.get('address', '')}\n")
            for title, key in (("Capacity", "capacity"), ("Allocatable", "allocatable")):
                lst = st.get(key) or {}
                if lst:
                    w.write(0, f"{title}:\n")
                    for r in sorted(lst):
                        w.write(0, f"  {r}:\t{qstr(lst[r])}\n")
            info = st.get("nodeInfo") or {}
            w.write(0, "System Info:\n")
            for label, key in (("Machine ID", "machineID"), ("System UUID", "systemUUID"), ("Boot ID", "bootID"),
                               ("Kernel Version", "kernelVersion"), ("OS Image", "osImage"),
                               ("Operating System", "operatingSystem"), ("Architecture", "architecture"),
                               ("Container Runtime Version", "containerRuntimeVersion"),
                               ("Kubelet Version", "kubeletVersion"), ("Kube-Proxy Version", "kubeProxyVersion")):
                w.write(0, f"  {label}:\t{info.get(key, '')}\n")
            if spec.get("podCIDR"):
                w.write(0, f"PodCIDR:\t{spec['podCIDR']}\n")
            if spec.get("podCIDRs"):
                w.write(0, f"PodCIDRs:\t{','.join(spec['podCIDRs'])}\n")
            if spec.get("providerID"):
                w.write(0, f"ProviderID:\t{spec['providerID']}\n")
            _describe_node_resource(pods, node, w, now)
            describe_events(events, w, now)
        return tabbed(body)

    def _Namespace(self, ns: dict) -> str:
        md, st = ns.get("metadata") or {}, ns.get("status") or {}
        name = md.get("name", "")
        quotas = self.inv.client.list("resourcequotas", name)["items"]
        limits = self.inv.client.list("limitranges", name)["items"]

        def body(w: PrefixWriter) -> None:
            w.write(0, f"Name:\t{name}\n")
            print_labels_multiline(w, "Labels", md.get("labels"))
            print_annotations_multiline(w, "Annotations", md.get("annotations"))
            w.write(0, f"Status:\t{st.get('phase', '')}\n")
            if st.get("conditions"):
                w.write(0, "Conditions:\n")
                w.write(1, "Type\tStatus\tLastTransitionTime\tReason\tMessage\n")
                w.write(1, "----\t------\t------------------\t------\t-------\n")
                for c in st["conditions"]:
                    w.write(1, f"{c.get('type', '')}\t{c.get('status', '')}\t{rfc1123z(c.get('lastTransitionTime'))}\t"
                               f"{c.get('reason', '')}\t{c.get('message', '')}\n")
            w.write(0, "\n")
            _describe_quotas(quotas, w)
            w.write(0, "\n")
            _describe_limit_ranges(limits, w)
        return tabbed(body)

    def _ResourceQuota(self, q: dict) -> str:
        md, spec, st = q.get("metadata") or {}, q.get("spec") or {}, q.get("status") or {}

        def body(w: PrefixWriter) -> None:
            w.write(0, f"Name:\t{md.get('name', '')}\n")
            w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
            scopes = sorted(spec.get("scopes") or [])
            if scopes:
                w.write(0, f"Scopes:\t{', '.join(scopes)}\n")
                for s in scopes:
                    text = _QUOTA_SCOPES.get(s, "")
                    if text:
                        w.write(0, f" * {text}\n")
            w.write(0, "Resource\tUsed\tHard\n")
            w.write(0, "--------\t----\t----\n")
            hard, used = st.get("hard") or {}, st.get("used") or {}
            for r in sorted(hard):
                w.write(0, f"{r}\t{qstr(used.get(r, '0'))}\t{qstr(hard[r])}\n")
        return tabbed(body)

    def _LimitRange(self, lr: dict) -> str:
        md = lr.get("metadata") or {}

        def body(w: PrefixWriter) -> None:
            w.write(0, f"Name:\t{md.get('name', '')}\n")
            w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
            w.write(0, "Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n")
            w.write(0, "----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n")
            _limit_range_spec(lr.get("spec") or {}, "", w)
        return tabbed(body)

    # -- storage ------------------------------------------------------------------------
    def _PersistentVolume(self, pv: dict) -> str:
        md, spec, st = pv.get("metadata") or {}, pv.get("spec") or {}, pv.get("status") or {}
        events = self.events_for(pv)
        now = self.now

        def body(w: PrefixWriter) -> None:
            w.write(0, f"Name:\t{md.get('name', '')}\n")
            print_labels_multiline(w, "Labels", md.get("labels"))
            print_annotations_multiline(w, "Annotations", md.get("annotations"))
            w.write(0, f"Finalizers:\t{go_v(md.get('finalizers') or [])}\n")
            w.write(0, f"StorageClass:\t{pv_class(pv)}\n")
            if md.get("deletionTimestamp"):
                w.write(0, f"Status:\tTerminating (lasts {since(md['deletionTimestamp'], now)})\n")
            else:
                w.write(0, f"Status:\t{st.get('phase', '')}\n")
            claim = spec.get("claimRef")
            w.write(0, f"Claim:\t{claim.get('namespace', '') + '/' + claim.get('name', '') if claim else ''}\n")
            w.write(0, f"Reclaim Policy:\t{spec.get('persistentVolumeReclaimPolicy', '')}\n")
            w.write(0, f"Access Modes:\t{access_modes_string(spec.get('accessModes'))}\n")
            if spec.get("volumeMode") is not None:
                w.write(0, f"VolumeMode:\t{spec['volumeMode']}\n")
            w.write(0, f"Capacity:\t{qstr((spec.get('capacity') or {}).get('storage'))}\n")
            w.write(0, "Node Affinity:\t")
            required = _get(spec, "nodeAffinity", "required")
            if required is None:
                w.line("<none>")
            else:
                w.line("")
                w.write(1, "Required Terms:\t")
                terms = required.get("nodeSelectorTerms") or []
                if not terms:
                    w.line("<none>")
                else:
                    w.line("")
                    for i, term in enumerate(terms):
                        _print_node_selector_terms(w, 2, f"Term {i}", "\t", term.get("matchExpressions") or [])
            w.write(0, f"Message:\t{st.get('message', '')}\n")
            w.write(0, "Source:\n")
            if spec.get("hostPath") is not None or spec.get("nfs") is not None or spec.get("csi") is not None:
                _volume_source(spec, w)
            elif spec.get("local") is not None:
                loc = spec["local"]
                w.write(2, f"Type:\tLocalVolume (a persistent volume backed by local storage on a node)\n"
                           f"    Path:\t{loc.get('path', '')}\n")
            else:
                w.write(1, "<unknown>\n")
            describe_events(events, w, now)
        return tabbed(body)

    def _PersistentVolumeClaim(self, pvc: dict) -> str:
        md = pvc.get("metadata") or {}
        ns_pods = self.inv.client.list("pods", md.get("namespace"))["items"]
        pods = []
        for p in ns_pods:
            for v in _get(p, "spec", "volumes") or []:
                if _get(v, "persistentVolumeClaim", "claimName") == md.get("name"):
                    pods.append(p)
        for ref in md.get("ownerReferences") or []:
            if ref.get("kind") != "Pod":
                continue
            owner = next((p for p in ns_pods if _get(p, "metadata", "uid") == ref.get("uid")), None)
            if owner is not None and all(_get(x, "metadata", "uid") != ref.get("uid") for x in pods):
                pods.append(owner)
        events = self.events_for(pvc)
        now = self.now

        def body(w: PrefixWriter) -> None:
            _print_pvc(w, pvc, True, now)
            w.write(0, "Used By:\t")
            if not pods:
                w.line("<none>")
            else:
                for i, p in enumerate(sorted(pods, key=lambda p: _get(p, "metadata", "name", default=""))):
                    if i:
                        w.write(0, "\t")
                    w.write(0, f"{_get(p, 'metadata', 'name', default='')}\n")
            conds = _get(pvc, "status", "conditions") or []
            if conds:
                w.write(0, "Conditions:\n")
                w.write(1, "Type\tStatus\tLastProbeTime\tLastTransitionTime\tReason\tMessage\n")
                w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
                for c in conds:
                    w.write(1, f"{c.get('type', '')} \t{c.get('status', '')} \t{rfc1123z(c.get('lastProbeTime'))} \t"
                               f"{rfc1123z(c.get('lastTransitionTime'))} \t{c.get('reason', '')} \t{c.get('message', '')}\n")
            describe_events(events, w, now)
        return tabbed(body)

    def _StorageClass(self, sc: dict) -> str:
        md = sc.get("metadata") or {}
        events = self.events_for(sc)
        now = self.now

        def body(w: PrefixWriter) -> None:
            ann = md.get("annotations") or {}
            default = "Yes" if (ann.get("storageclass.kubernetes.io/is-default-class") == "true" or
                                ann.get("storageclass.beta.kubernetes.io/is-default-class") == "true") else "No"
            w.write(0, f"Name:\t{md.get('name', '')}\n")
            w.write(0, f"IsDefaultClass:\t{default}\n")
            w.write(0, f"Annotations:\t{format_labels(ann)}\n")
            w.write(0, f"Provisioner:\t{sc.get('provisioner', '')}\n")
            w.write(0, f"Parameters:\t{format_labels(sc.get('parameters'))}\n")
            ave = sc.get("allowVolumeExpansion")
            w.write(0, f"AllowVolumeExpansion:\t{'<unset>' if ave is None else print_bool(ave)}\n")
            opts = sc.get("mountOptions") or []
            if not opts:
                w.write(0, "MountOptions:\t<none>\n")
            else:
                w.write(0, "MountOptions:\n")
                for o in opts:
                    w.write(1, f"{o}\n")
            if sc.get("reclaimPolicy") is not None:
                w.write(0, f"ReclaimPolicy:\t{sc['reclaimPolicy']}\n")
            if sc.get("volumeBindingMode") is not None:
                w.write(0, f"VolumeBindingMode:\t{sc['volumeBindingMode']}\n")
            describe_events(events, w, now)
        return tabbed(body)

    # -- configuration ------------------------------------------------------------------
    def _Secret(self, secret: dict) -> str:
        md = secret.get("metadata") or {}

        def body(w: PrefixWriter) -> None:
            import base64

            w.write(0, f"Name:\t{md.get('name', '')}\n")
            w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
            print_labels_multiline(w, "Labels", md.get("labels"))
            print_annotations_multiline(w, "Annotations", md.get("annotations"))
            w.write(0, f"\nType:\t{secret.get('type', '')}\n")
            w.write(0, "\nData\n====\n")
            for k in sorted(secret.get("data") or {}):
                try:
                    raw = base64.b64decode(secret["data"][k] or "")
                except ValueError:
                    raw = b""
                if k == "token" and secret.get("type") == "kubernetes.io/service-account-token":
                    w.write(0, f"{k}:\t{raw.decode('utf-8', 'replace')}\n")
                else:
                    w.write(0, f"{k}:\t{len(raw)} bytes\n")
        return tabbed(body)

    def _ConfigMap(self, cm: dict) -> str:
        md = cm.get("metadata") or {}
        events = self.events_for(cm)
        now = self.now

        def body(w: PrefixWriter) -> None:
            import base64

            w.write(0, f"Name:\t{md.get('name', '')}\n")
            w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
            print_labels_multiline(w, "Labels", md.get("labels"))
            print_annotations_multiline(w, "Annotations", md.get("annotations"))
            w.write(0, "\nData\n====\n")
            for k in sorted(cm.get("data") or {}):
                w.write(0, f"{k}:\n----\n")
                w.write(0, f"{cm['data'][k]}\n")
                w.write(0, "\n")
            w.write(0, "\nBinaryData\n====\n")
            for k in sorted(cm.get("binaryData") or {}):
                try:
                    n = len(base64.b64decode(cm["binaryData"][k] or ""))
                except ValueError:
                    n = 0
                w.write(0, f"{k}: {n} bytes\n")
            w.write(0, "\n")
            describe_events(events, w, now)
        return tabbed(body)

    def _ServiceAccount(self, sa: dict) -> str:
        md = sa.get("metadata") or {}
        secrets = self.inv.client.list("secrets", md.get("namespace"))["items"]
        existing = {_get(s, "metadata", "name") for s in secrets}
        tokens = [s for s in secrets if s.get("type") == "kubernetes.io/service-account-token"
                  and (_get(s, "metadata", "annotations") or {}).get("kubernetes.io/service-account.name") == md.get("name")
                  and (_get(s, "metadata", "annotations") or {}).get("kubernetes.io/service-account.uid") == md.get("uid")]
        missing = {s.get("name") for s in (sa.get("secrets") or []) + (sa.get("imagePullSecrets") or [])
                   if s.get("name") not in existing}
        events = self.events_for(sa)
        now = self.now

        def body(w: PrefixWriter) -> None:
            w.write(0, f"Name:\t{md.get('name', '')}\n")
            w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
            print_labels_multiline(w, "Labels", md.get("labels"))
            print_annotations_multiline(w, "Annotations", md.get("annotations"))
            empty = "                   "
            groups = {
                "Image pull secrets:": [s.get("name", "") for s in sa.get("imagePullSecrets") or []],
                "Mountable secrets: ": [s.get("name", "") for s in sa.get("secrets") or []],
                "Tokens:            ": [_get(s, "metadata", "name", default="") for s in tokens],
            }
            for header in sorted(groups):
                names = groups[header]
                if not names:
                    w.write(0, f"{header}\t<none>\n")
                else:
                    prefix = header
                    for n in names:
                        w.write(0, f"{prefix}\t{n}{' (not found)' if n in missing else ''}\n")
                        prefix = empty
            describe_events(events, w, now)
        return tabbed(body)

    def _PriorityClass(self, pc: dict) -> str:
        md = pc.get("metadata") or {}
        events = self.events_for(pc)
        now = self.now

        def body(w: PrefixWriter) -> None:
            w.write(0, f"Name:\t{md.get('name', '')}\n")
            w.write(0, f"Value:\t{pc.get('value', 0)}\n")
            w.write(0, f"GlobalDefault:\t{go_v(bool(pc.get('globalDefault')))}\n")
            w.write(0, f"PreemptionPolicy:\t{pc.get('preemptionPolicy', '')}\n")
            w.write(0, f"Description:\t{pc.get('description', '')}\n")
            w.write(0, f"Annotations:\t{format_labels(md.get('annotations'))}\n")
            describe_events(events, w, now)
        return tabbed(body)

    def _PodDisruptionBudget(self, pdb: dict) -> str:
        md, spec, st = pdb.get("metadata") or {}, pdb.get("spec") or {}, pdb.get("status") or {}
        events = self.events_for(pdb)
        now = self.now

        def body(w: PrefixWriter) -> None:
            w.write(0, f"Name:\t{md.get('name', '')}\n")
            w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
            if spec.get("minAvailable") is not None:
                w.write(0, f"Min available:\t{spec['minAvailable']}\n")
            elif spec.get("maxUnavailable") is not None:
                w.write(0, f"Max unavailable:\t{spec['maxUnavailable']}\n")
            if spec.get("selector") is not None:
                w.write(0, f"Selector:\t{format_label_selector(spec['selector'])}\n")
            else:
                w.write(0, "Selector:\t<unset>\n")
            w.write(0, "Status:\n")
            w.write(2, f"Allowed disruptions:\t{st.get('disruptionsAllowed', 0)}\n")
            w.write(2, f"Current:\t{st.get('currentHealthy', 0)}\n")
            w.write(2, f"Desired:\t{st.get('desiredHealthy', 0)}\n")
            w.write(2, f"Total:\t{st.get('expectedPods', 0)}\n")
            describe_events(events, w, now)
        return tabbed(body)

    def _HorizontalPodAutoscaler(self, hpa: dict) -> str:
        from .describe_hpa import describe_hpa

        return describe_hpa(self, hpa)

    def _RoleBinding(self, b: dict) -> str:
        md = b.get("metadata") or {}

        def body(w: PrefixWriter) -> None:
            w.write(0, f"Name:\t{md.get('name', '')}\n")
            print_labels_multiline(w, "Labels", md.get("labels"))
            print_annotations_multiline(w, "Annotations", md.get("annotations"))
            ref = b.get("roleRef") or {}
            w.write(0, "Role:\n")
            w.write(1, f"Kind:\t{ref.get('kind', '')}\n")
            w.write(1, f"Name:\t{ref.get('name', '')}\n")
            w.write(0, "Subjects:\n")
            w.write(1, "Kind\tName\tNamespace\n")
            w.write(1, "----\t----\t---------\n")
            for s in b.get("subjects") or []:
                w.write(1, f"{s.get('kind', '')}\t{s.get('name', '')}\t{s.get('namespace', '')}\n")
        return tabbed(body)

    _ClusterRoleBinding = _RoleBinding

    def _Role(self, role: dict) -> str:
        md = role.get("metadata") or {}
        rules = _compact_rules(role.get("rules") or [])

        def body(w: PrefixWriter) -> None:
            w.write(0, f"Name:\t{md.get('name', '')}\n")
            print_labels_multiline(w, "Labels", md.get("labels"))
            print_annotations_multiline(w, "Annotations", md.get("annotations"))
            w.write(0, "PolicyRule:\n")
            w.write(1, "Resources\tNon-Resource URLs\tResource Names\tVerbs\n")
            w.write(1, "---------\t-----------------\t--------------\t-----\n")
            for r in rules:
                w.write(1, f"{_combine_resource_group(r.get('resources') or [], r.get('apiGroups') or [])}\t"
                           f"{go_v(r.get('nonResourceURLs') or [])}\t{go_v(r.get('resourceNames') or [])}\t"
                           f"{go_v(r.get('verbs') or [])}\n")
        return tabbed(body)

    _ClusterRole = _Role

    # -- everything else ----------------------------------------------------------------
    def _generic(self, obj: dict) -> str:
        md = obj.get("metadata") or {}
        events = self.events_for(obj)
        now = self.now

        def body(w: PrefixWriter) -> None:
            w.write(0, f"Name:\t{md.get('name', '')}\n")
            w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
            print_labels_multiline(w, "Labels", md.get("labels"))
            print_annotations_multiline(w, "Annotations", md.get("annotations"))
            _print_unstructured(w, 0, obj, "", {".metadata.managedFields", ".metadata.name", ".metadata.namespace",
                                                ".metadata.labels", ".metadata.annotations"})
            describe_events(events, w, now)
        return tabbed(body)


def _micro_1123(ts: str | None) -> str:
    return rfc1123z(ts) if ts else "<unset>"


def _cap_indexes(indexes: str, limit: int) -> str:
    if not indexes:
        return "<none>"
    ix = limit
    while ix < len(indexes) and indexes[ix] != ",":
        ix += 1
    if ix >= len(indexes):
        return indexes
    return indexes[:ix + 1] + "..."


def _rs_list(rss: list[dict]) -> str:
    parts = [f"{_get(rs, 'metadata', 'name', default='')} ({_get(rs, 'status', 'replicas', default=0)}/"
             f"{_get(rs, 'spec', 'replicas', default=0)} replicas created)" for rs in rss]
    return ", ".join(parts) or "<none>"


def format_endpoint_slices(slices: list[dict], ports: set | None) -> str:
    """``formatEndpointSlices``: ready endpoints as ``ip:port``, three at most, then ``+ N more...``."""
    if not slices:
        return "<none>"
    out: list[str] = []
    limit, more, count = 3, False, 0
    for s in slices:
        sports = s.get("ports") or []
        if not sports:
            for e in s.get("endpoints") or []:
                if len(out) == limit:
                    more = True
                ready = _get(e, "conditions", "ready")
                if ready is not None and not ready:
                    continue
                if not more:
                    out.append((e.get("addresses") or [""])[0])
                count += 1
        else:
            for p in sports:
                if ports is None or (p.get("name") or "") in ports:
                    for e in s.get("endpoints") or []:
                        if len(out) == limit:
                            more = True
                        addr = (e.get("addresses") or [""])[0]
                        ready = _get(e, "conditions", "ready")
                        if ready is not None and not ready:
                            continue
                        if not more:
                            host = f"[{addr}]" if ":" in addr else addr
                            out.append(f"{host}:{p.get('port')}")
                        count += 1
    text = ",".join(out)
    if more:
        return f"{text} + {count - limit} more..."
    return text


def _print_pvc(w: PrefixWriter, pvc: dict, full: bool, now: float = 0.0) -> None:
    md, spec, st = pvc.get("metadata") or {}, pvc.get("spec") or {}, pvc.get("status") or {}
    if full:
        w.write(0, f"Name:\t{md.get('name', '')}\n")
        w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
    w.write(0, f"StorageClass:\t{pvc_class(pvc)}\n")
    if full:
        if md.get("deletionTimestamp"):
            w.write(0, f"Status:\tTerminating (lasts {since(md['deletionTimestamp'], now)})\n")
        else:
            w.write(0, f"Status:\t{st.get('phase', '')}\n")
    w.write(0, f"Volume:\t{spec.get('volumeName', '')}\n")
    print_labels_multiline(w, "Labels", md.get("labels"))
    print_annotations_multiline(w, "Annotations", md.get("annotations"))
    if full:
        w.write(0, f"Finalizers:\t{go_v(md.get('finalizers') or [])}\n")
    capacity = access = ""
    if spec.get("volumeName"):
        access = access_modes_string(st.get("accessModes"))
        capacity = qstr((st.get("capacity") or {}).get("storage"))
    w.write(0, f"Capacity:\t{capacity}\n")
    w.write(0, f"Access Modes:\t{access}\n")
    if spec.get("volumeMode") is not None:
        w.write(0, f"VolumeMode:\t{spec['volumeMode']}\n")
    ds = spec.get("dataSource")
    if ds is not None:
        w.write(0, "DataSource:\n")
        if ds.get("apiGroup") is not None:
            w.write(1, f"APIGroup:\t{ds['apiGroup']}\n")
        w.write(1, f"Kind:\t{ds.get('kind', '')}\n")
        w.write(1, f"Name:\t{ds.get('name', '')}\n")


def _print_node_selector_terms(w: PrefixWriter, level: int, title: str, inner: str, reqs: list) -> None:
    w.write(level, f"{title}:{inner}")
    if not reqs:
        w.line("<none>")
        return
    for i, r in enumerate(reqs):
        if i:
            w.write(level, inner)
        op = r.get("operator", "")
        values = r.get("values") or []
        w.write(0, f"{r.get('key', '')} {op.lower() if op in ('In', 'NotIn') else op} "
                   f"[{', '.join(values)}]\n")


def _describe_node_resource(pods: list[dict], node: dict, w: PrefixWriter, now: float) -> None:
    st = node.get("status") or {}
    alloc = st.get("allocatable") or st.get("capacity") or {}
    cpu_alloc = _q(alloc.get("cpu")).milli_value()
    mem_alloc = _q(alloc.get("memory")).value()
    eph_alloc = _q(alloc.get("ephemeral-storage")).value()

    def pct(v: int, total: int) -> int:
        return int(v / total * 100) if total else 0

    w.write(0, f"Non-terminated Pods:\t({len(pods)} in total)\n")
    w.write(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n")
    w.write(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n")
    zero = parse_quantity("0")
    for p in pods:
        req, lim = pod_requests_and_limits(p)
        cr, cl = req.get("cpu", zero), lim.get("cpu", zero)
        mr, ml = req.get("memory", zero), lim.get("memory", zero)
        md = p.get("metadata") or {}
        w.write(1, f"{md.get('namespace', '')}\t{md.get('name', '')}\t\t{cr} ({_pct_f(cr.milli_value(), cpu_alloc)}%)\t"
                   f"{cl} ({_pct_f(cl.milli_value(), cpu_alloc)}%)\t{mr} ({_pct_f(mr.value(), mem_alloc)}%)\t"
                   f"{ml} ({_pct_f(ml.value(), mem_alloc)}%)\t{since(md.get('creationTimestamp'), now)}\n")
    w.write(0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n")
    w.write(1, "Resource\tRequests\tLimits\n")
    w.write(1, "--------\t--------\t------\n")
    reqs: dict[str, Quantity] = {}
    limits: dict[str, Quantity] = {}
    for p in pods:
        r, l_ = pod_requests_and_limits(p)
        for name, q in r.items():
            reqs[name] = q if name not in reqs else reqs[name].add(q)
        for name, q in l_.items():
            limits[name] = q if name not in limits else limits[name].add(q)
    for name, total, value in (("cpu", cpu_alloc, "milli"), ("memory", mem_alloc, "value"),
                               ("ephemeral-storage", eph_alloc, "value")):
        rq, lq = reqs.get(name, zero), limits.get(name, zero)
        rv = rq.milli_value() if value == "milli" else rq.value()
        lv = lq.milli_value() if value == "milli" else lq.value()
        w.write(1, f"{name}\t{rq} ({pct(rv, total)}%)\t{lq} ({pct(lv, total)}%)\n")
    huge = sorted(k for k in alloc if k.startswith("hugepages-"))
    ext = sorted(k for k in alloc if not k.startswith("hugepages-")
                 and k not in ("cpu", "memory", "ephemeral-storage", "pods"))
    for name in huge:
        rq, lq, total = reqs.get(name, zero), limits.get(name, zero), _q(alloc.get(name)).value()
        w.write(1, f"{name}\t{rq} ({pct(rq.value(), total)}%)\t{lq} ({pct(lq.value(), total)}%)\n")
    for name in ext:
        rq, lq = reqs.get(name, zero), limits.get(name, zero)
        w.write(1, f"{name}\t{rq}\t{lq}\n")


def _pct_f(v: int, total: int) -> int:
    """``int64(float64(v) / float64(total) * 100)`` (NaN/Inf for a zero total become 0)."""
    if not total:
        return 0
    return int(v / total * 100)


_QUOTA_SCOPES = {
    "Terminating": "Matches all pods that have an active deadline. These pods have a limited lifespan on a node "
                   "before being actively terminated by the system.",
    "NotTerminating": "Matches all pods that do not have an active deadline. These pods usually include long "
                      "running pods whose container command is not expected to terminate.",
    "BestEffort": "Matches all pods that do not have resource requirements set. These pods have a best effort "
                  "quality of service.",
    "NotBestEffort": "Matches all pods that have at least one resource requirement set. These pods have a "
                     "burstable or guaranteed quality of service.",
}


def _describe_quotas(quotas: list[dict], w: PrefixWriter) -> None:
    if not quotas:
        w.write(0, "No resource quota.\n")
        return
    w.write(0, "Resource Quotas\n")
    for q in sorted(quotas, key=lambda q: _get(q, "metadata", "name", default="")):
        w.write(1, f"Name:\t{_get(q, 'metadata', 'name', default='')}\n")
        scopes = sorted(_get(q, "spec", "scopes") or [])
        if scopes:
            w.write(1, f"Scopes:\t{', '.join(scopes)}\n")
            for s in scopes:
                if _QUOTA_SCOPES.get(s):
                    w.write(1, f"* {_QUOTA_SCOPES[s]}\n")
        w.write(1, "Resource\tUsed\tHard\n")
        w.write(1, "--------\t---\t---\n")
        hard, used = _get(q, "status", "hard") or {}, _get(q, "status", "used") or {}
        for r in sorted(hard):
            w.write(1, f"{r}\t{qstr(used.get(r, '0'))}\t{qstr(hard[r])}\n")


def _limit_range_spec(spec: dict, prefix: str, w: PrefixWriter) -> None:
    for item in spec.get("limits") or []:
        keys = set()
        for field in ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio"):
            keys |= set((item.get(field) or {}).keys())
        for k in sorted(keys):
            def val(field: str) -> str:
                v = (item.get(field) or {}).get(k)
                return qstr(v) if v is not None else "-"
            w.write(0, f"{prefix}{item.get('type', '')}\t{k}\t{val('min')}\t{val('max')}\t{val('defaultRequest')}\t"
                       f"{val('default')}\t{val('maxLimitRequestRatio')}\n")


def _describe_limit_ranges(limits: list[dict], w: PrefixWriter) -> None:
    if not limits:
        w.write(0, "No LimitRange resource.\n")
        return
    w.write(0, "Resource Limits\n Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n")
    w.write(0, " ----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n")
    for lr in limits:
        _limit_range_spec(lr.get("spec") or {}, " ", w)


def _combine_resource_group(resources: list, groups: list) -> str:
    if not resources:
        return ""
    parts = resources[0].split("/", 1)
    combined = parts[0]
    if groups and groups[0]:
        combined += "." + groups[0]
    if len(parts) == 2:
        combined += "/" + parts[1]
    return combined


def _compact_rules(rules: list[dict]) -> list[dict]:
    """``rbac.BreakdownRule`` (one rule per group, resource, verb and name; per URL and verb),
    ``CompactRules`` (simple resource rules merged, their verbs joined) and ``sort.Stable`` by the
    rules' generated ``String()``."""
    broken: list[dict] = []
    for r in rules:
        verbs = list(r.get("verbs") or [])
        for g in r.get("apiGroups") or []:
            for res in r.get("resources") or []:
                for verb in verbs:
                    if r.get("resourceNames"):
                        for name in r["resourceNames"]:
                            broken.append({"apiGroups": [g], "resources": [res], "verbs": [verb],
                                           "resourceNames": [name]})
                    else:
                        broken.append({"apiGroups": [g], "resources": [res], "verbs": [verb]})
        for url in r.get("nonResourceURLs") or []:
            for verb in verbs:
                broken.append({"nonResourceURLs": [url], "verbs": [verb]})
    compacted: list[dict] = []
    simple: dict[tuple, dict] = {}
    for b in broken:
        if b.get("nonResourceURLs") or len(b.get("resourceNames") or []) > 1:
            compacted.append(b)
            continue
        key = (b["apiGroups"][0], b["resources"][0], tuple(b.get("resourceNames") or ()))
        if key in simple:
            for verb in b["verbs"]:
                if verb not in simple[key]["verbs"]:
                    simple[key]["verbs"].append(verb)
        else:
            simple[key] = {**b, "verbs": list(b["verbs"])}
    compacted.extend(simple.values())

    def as_string(r: dict) -> str:
        def v(x):
            return "[" + " ".join(x or []) + "]"
        return (f"&PolicyRule{{Verbs:{v(r.get('verbs'))},APIGroups:{v(r.get('apiGroups'))},"
                f"Resources:{v(r.get('resources'))},ResourceNames:{v(r.get('resourceNames'))},"
                f"NonResourceURLs:{v(r.get('nonResourceURLs'))},}}")
    return sorted(compacted, key=lambda r: as_string(r).encode())


def _smart_label(field: str) -> str:
    """``smartLabelFor``: ``containerPort`` → ``Container Port``, acronyms kept upper-case."""
    if any(not (c.isalpha() or c == "-") for c in field):
        return field
    parts = re.findall(r"[A-Z]+(?=[A-Z][a-z]|$)|[A-Z]?[a-z]+|[A-Z]+|-", field)
    out = []
    for p in parts:
        if p == "_":
            continue
        if p.upper() in ("API", "URL", "UID", "OSB", "GUID"):
            out.append(p.upper())
        else:
            out.append(p[:1].upper() + p[1:])
    return " ".join(out)


def _print_unstructured(w: PrefixWriter, level: int, content: dict, skip_prefix: str, skip: set) -> None:
    for field in sorted(content):
        value = content[field]
        expr = f"{skip_prefix}.{field}"
        if expr in skip:
            continue
        if isinstance(value, dict):
            w.write(level, f"{_smart_label(field)}:\n")
            _print_unstructured(w, level + 1, value, expr, skip)
        elif isinstance(value, list):
            w.write(level, f"{_smart_label(field)}:\n")
            for child in value:
                if isinstance(child, dict):
                    _print_unstructured(w, level + 1, child, expr, skip)
                else:
                    w.write(level + 1, f"{go_v(child)}\n")
        else:
            w.write(level, f"{_smart_label(field)}:\t{go_v(value)}\n")
