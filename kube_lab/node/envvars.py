"""A container's environment, as the kubelet builds it (``makeEnvironmentVariables``).

Sources, in the order they are applied: the Service links of the pod's namespace (and the
``kubernetes`` Service; only the latter when ``enableServiceLinks: false``), ``envFrom``, then
``env`` — literal values with ``$(VAR)`` expansion, ``valueFrom`` ``fieldRef``,
``resourceFieldRef``, ``configMapKeyRef`` and ``secretKeyRef``.  A missing ConfigMap or Secret
is the error the pod shows as ``CreateContainerConfigError`` (``configmap "x" not found``,
``couldn't find key k in ConfigMap ns/x``), unless the reference is ``optional``.
"""
from __future__ import annotations

import base64
import math
import re
from typing import TYPE_CHECKING

from ..api import errors
from ..api.quantity import parse_quantity

if TYPE_CHECKING:  # pragma: no cover
    from .kubelet import Kubelet


class ConfigError(Exception):
    """An environment that cannot be built (``CreateContainerConfigError``)."""


_REF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)|\$\$")


def expand(text: str, env: dict[str, str]) -> str:
    """``$(VAR)`` references (``$$`` escapes); unknown references stay as written."""
    def sub(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group(1)
        return env[name] if name in env else m.group(0)

    return _REF.sub(sub, text)


def _env_name(name: str) -> str:
    return name.upper().replace("-", "_")


def service_env(services: list[dict]) -> list[tuple[str, str]]:
    """``envvars.FromServices``: ``NAME_SERVICE_HOST``, ``NAME_SERVICE_PORT``, named ports and the
    Docker-link variables, for every service with a cluster IP."""
    out: list[tuple[str, str]] = []
    for svc in services:
        spec = svc.get("spec") or {}
        ip = spec.get("clusterIP")
        ports = spec.get("ports") or []
        if not ip or ip == "None" or not ports:
            continue
        prefix = _env_name(svc["metadata"]["name"])
        out.append((prefix + "_SERVICE_HOST", ip))
        out.append((prefix + "_SERVICE_PORT", str(ports[0].get("port"))))
        for sp in ports:
            if sp.get("name"):
                out.append((prefix + "_SERVICE_PORT_" + _env_name(sp["name"]), str(sp.get("port"))))
        for i, sp in enumerate(ports):
            proto = (sp.get("protocol") or "TCP")
            url = f"{proto.lower()}://{ip}:{sp.get('port')}"
            if i == 0:
                out.append((prefix + "_PORT", url))
            base = f"{prefix}_PORT_{sp.get('port')}_{proto.upper()}"
            out.append((base, url))
            out.append((base + "_PROTO", proto.lower()))
            out.append((base + "_PORT", str(sp.get("port"))))
            out.append((base + "_ADDR", ip))
    return out


def field_value(path: str, pod: dict, pod_ip: str, host_ip: str) -> str:
    md = pod["metadata"]
    spec = pod.get("spec") or {}
    m = re.match(r"^metadata\.(labels|annotations)\['(.*)'\]$", path)
    if m:
        return str((md.get(m.group(1)) or {}).get(m.group(2), ""))
    simple = {
        "metadata.name": md.get("name", ""), "metadata.namespace": md.get("namespace", ""),
        "metadata.uid": md.get("uid", ""), "spec.nodeName": spec.get("nodeName", ""),
        "spec.serviceAccountName": spec.get("serviceAccountName", ""), "status.hostIP": host_ip,
        "status.hostIPs": host_ip, "status.podIP": pod_ip, "status.podIPs": pod_ip,
    }
    if path in ("metadata.labels", "metadata.annotations"):
        items = md.get(path.split(".")[1]) or {}
        return "\n".join(f'{k}="{v}"' for k, v in sorted(items.items()))
    if path in simple:
        return simple[path]
    raise ConfigError(f"unsupported fieldPath: {path}")


def resource_value(ref: dict, container: dict, allocatable: dict) -> str:
    """``resourceFieldRef``: ceil(quantity / divisor); a missing limit is the node's allocatable."""
    resource = ref.get("resource", "")
    kind, _, name = resource.partition(".")
    res = container.get("resources") or {}
    value = (res.get(kind) or {}).get(name)
    if value is None:
        if kind == "limits":
            value = allocatable.get(name, "0")
        else:
            value = "0"
    q = parse_quantity(str(value)).to_fraction()
    divisor = parse_quantity(str(ref.get("divisor") or "1")).to_fraction()
    if divisor == 0:
        divisor = 1
    return str(math.ceil(q / divisor))


def make_environment(kl: "Kubelet", pod: dict, container: dict, pod_ip: str) -> list[tuple[str, str]]:
    ns = pod["metadata"]["namespace"]
    spec = pod.get("spec") or {}
    links = kl.service_links(ns, spec.get("enableServiceLinks", True) is not False)
    env: dict[str, str] = {}
    configmaps: dict[str, dict] = {}
    secrets: dict[str, dict] = {}

    def get_cm(name: str) -> dict:
        if name not in configmaps:
            configmaps[name] = kl.get_object("configmaps", ns, name, "configmap")
        return configmaps[name]

    def get_secret(name: str) -> dict:
        if name not in secrets:
            secrets[name] = kl.get_object("secrets", ns, name, "secret")
        return secrets[name]

    for source in container.get("envFrom") or ():
        prefix = source.get("prefix", "")
        if source.get("configMapRef"):
            ref = source["configMapRef"]
            try:
                cm = get_cm(ref.get("name", ""))
            except ConfigError:
                if ref.get("optional"):
                    continue
                raise
            for k, v in (cm.get("data") or {}).items():
                env[prefix + k] = v
        elif source.get("secretRef"):
            ref = source["secretRef"]
            try:
                sec = get_secret(ref.get("name", ""))
            except ConfigError:
                if ref.get("optional"):
                    continue
                raise
            for k, v in (sec.get("data") or {}).items():
                env[prefix + k] = _b64(v)
    link_map = dict(links)
    for item in container.get("env") or ():
        name = item.get("name", "")
        link_map.pop(name, None)
        if "value" in item and item.get("value") is not None:
            env[name] = expand(str(item["value"]), {**link_map, **env})
            continue
        vf = item.get("valueFrom")
        if not vf:
            env[name] = ""
            continue
        if vf.get("fieldRef"):
            env[name] = field_value(vf["fieldRef"].get("fieldPath", ""), pod, pod_ip, kl.node_ip)
        elif vf.get("resourceFieldRef"):
            ref = vf["resourceFieldRef"]
            target = container
            if ref.get("containerName"):
                target = next((c for c in (spec.get("containers") or []) + (spec.get("initContainers") or [])
                               if c.get("name") == ref["containerName"]), container)
            env[name] = resource_value(ref, target, kl.allocatable)
        elif vf.get("configMapKeyRef"):
            ref = vf["configMapKeyRef"]
            try:
                cm = get_cm(ref.get("name", ""))
            except ConfigError:
                if ref.get("optional"):
                    continue
                raise
            data = cm.get("data") or {}
            if ref.get("key") not in data:
                if ref.get("optional"):
                    continue
                raise ConfigError(f"couldn't find key {ref.get('key')} in ConfigMap {ns}/{ref.get('name')}")
            env[name] = data[ref["key"]]
        elif vf.get("secretKeyRef"):
            ref = vf["secretKeyRef"]
            try:
                sec = get_secret(ref.get("name", ""))
            except ConfigError:
                if ref.get("optional"):
                    continue
                raise
            data = sec.get("data") or {}
            if ref.get("key") not in data:
                if ref.get("optional"):
                    continue
                raise ConfigError(f"couldn't find key {ref.get('key')} in Secret {ns}/{ref.get('name')}")
            env[name] = _b64(data[ref["key"]])
    out = list(env.items())
    out.extend((k, v) for k, v in link_map.items() if k not in env)
    return out


def _b64(value: str) -> str:
    try:
        return base64.b64decode(value).decode("utf-8", "replace")
    except Exception:  # noqa: BLE001 - stored data is valid base64; be lenient anyway
        return value


def not_found(kind: str, name: str) -> ConfigError:
    return ConfigError(f"{kind} {errors.go_quote(name)} not found")
