"""``kubectl port-forward`` and ``kubectl proxy`` (k8s.io/kubectl/pkg/cmd/portforward, pkg/cmd/proxy,
pkg/proxy; client-go tools/portforward), run on the machine outside the cluster — where kind's
users run kubectl (``172.18.0.1``, :data:`kube_lab.network.traffic.OUTSIDE`).

Both keep running after the command has printed its first lines, as the real ones do in a
terminal; here the command returns (a notebook cell must end) and leaves a *session* listening on
the host, reached with ``cluster.request("http://localhost:8001/…")`` (or ``cluster.load``):

* ``kubectl proxy [--port 8001] [--address 127.0.0.1] [--api-prefix /]`` prints ``Starting to serve
  on 127.0.0.1:8001``.  Requests are filtered as upstream's ``FilterServer`` does (hosts
  ``localhost``/``127.0.0.1``, no ``pods/…/exec|attach``; otherwise ``403 Forbidden``) and sent to
  kube-apiserver with kubectl's credentials: ``/api/v1/namespaces/default/pods/NAME:8080/proxy/``
  reaches the pod through the API server's ``pods/proxy`` (and ``services/…/proxy``) —
  :mod:`kube_lab.controlplane.apiserver.proxy` — and ``GET /api/v1/namespaces`` etc. answer the
  API's JSON (reads and deletes).
* ``kubectl port-forward pod/NAME|deployment/NAME|service/NAME [LOCAL:]REMOTE …`` prints
  ``Forwarding from 127.0.0.1:8080 -> 80`` and ``Forwarding from [::1]:8080 -> 80``; each
  connection adds ``Handling connection for 8080`` to the session's output and travels kubectl →
  kube-apiserver (``pods/portforward``) → the pod's kubelet → the container runtime, which
  connects to ``localhost:REMOTE`` inside the pod's network namespace (no Service, no
  kube-proxy).  A connection to a port nobody listens on ends the session as upstream's does
  (``an error occurred forwarding …``, ``error: lost connection to pod``).

A port already taken on the host gives upstream's errors (``listen tcp 127.0.0.1:8001: bind:
address already in use``; ``Unable to listen on port 8080: …`` and ``unable to listen on any of
the requested ports: [{8080 80}]``).

Stopping (Ctrl-C in a terminal): :func:`stop` — ``portforward.stop(cluster)`` ends every
running session, ``stop(cluster, 8080)`` those listening on a port; :func:`sessions` lists them,
each with ``.running``, ``.stdout``/``.stderr`` (what the kubectl printed after returning:
``Handling connection for 8080``, the lost-connection error) and ``.stop()``.
"""
from __future__ import annotations

import ipaddress
import re
from typing import Any

from ...api import errors as api_errors
from ..errors import GoError
from ..parser import Command, CommandError, Flag, usage_error

DEFAULT_PROXY_PORT = 8001
HOST_ADDRESSES = ("127.0.0.1", "::1", "0.0.0.0", "::", "172.18.0.1")   # the machine running kubectl
ACCEPT_HOSTS = r"^localhost$,^127\.0\.0\.1$,^\[::1\]$"                 # proxy.DefaultHostAcceptRE
REJECT_PATHS = r"^/api/.*/pods/.*/exec,^/api/.*/pods/.*/attach"        # proxy.DefaultPathRejectRE
APISERVER_PORT = 6443
KUBELET_PORT = 10250
WIRE = 0.0001                  # one way across kind's docker network (as the traffic layer has it)


def command() -> Command:
    return Command("port-forward", short="Forward one or more local ports to a pod", run=run,
                   usage="kubectl port-forward TYPE/NAME [options] [LOCAL_PORT:]REMOTE_PORT [...[LOCAL_PORT_N:]REMOTE_PORT_N]",
                   flags=[Flag("address", type="stringSlice", default=["localhost"]),
                          Flag("pod-running-timeout", default="1m0s")])


def proxy_command() -> Command:
    return Command("proxy", short="Run a proxy to the Kubernetes API server", run=run_proxy,
                   usage="kubectl proxy [--port=PORT] [--www=static-dir] [--www-prefix=prefix] [--api-prefix=prefix]",
                   flags=[Flag("port", "p", "int", default=8001), Flag("www", "w"), Flag("www-prefix", "P", default="/static/"),
                          Flag("api-prefix", default="/"), Flag("accept-paths", default="^.*"),
                          Flag("reject-paths", default=REJECT_PATHS), Flag("accept-hosts", default=ACCEPT_HOSTS),
                          Flag("reject-methods", default="^$"), Flag("disable-filter", type="bool"),
                          Flag("unix-socket", "u"), Flag("address", default="127.0.0.1"),
                          Flag("keepalive", type="duration"), Flag("append-server-path", type="bool")])


# -------------------------------------------------------------------------------------------
# sessions: kubectl processes left running on the host
class Session:
    """One running ``kubectl proxy`` or ``kubectl port-forward``: ``kind``, ``listens``
    ([(address, port)]), ``stdout``/``stderr`` printed since it started, ``running``."""

    def __init__(self, cluster: Any, kind: str, command_line: str):
        self.cluster, self.kind, self.command_line = cluster, kind, command_line
        self.listens: list[tuple[str, int]] = []
        self.stdout = ""
        self.stderr = ""
        self.running = True

    def stop(self) -> None:
        """End it (Ctrl-C): its ports are free again."""
        if not self.running:
            return
        self.running = False
        listeners = _traffic(self.cluster).host_listeners
        for key in self.listens:
            listeners.pop(key, None)

    def __repr__(self) -> str:
        where = ", ".join(_join(a, p) for a, p in self.listens)
        return f"<kubectl {self.kind} on {where or '-'}: {'running' if self.running else 'stopped'}>"


def sessions(cluster: Any) -> list[Session]:
    """The ``kubectl proxy``/``port-forward`` sessions started for this cluster, in start order
    (``.running`` tells which still are; an ended one keeps what it printed)."""
    return list(cluster.__dict__.get("_kubectl_sessions") or [])


def stop(cluster: Any, port: int | None = None) -> int:
    """Stop every running session (or those listening on ``port``); returns how many."""
    n = 0
    for s in sessions(cluster):
        if s.running and (port is None or any(p == port for _, p in s.listens)):
            s.stop()
            n += 1
    return n


def _traffic(cluster: Any):
    from ...network import traffic

    return traffic.for_cluster(cluster)


def _register(cluster: Any, session: Session) -> None:
    cluster.__dict__.setdefault("_kubectl_sessions", []).append(session)


def _join(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _in_use(cluster: Any, address: str, port: int) -> bool:
    v6 = ":" in address
    for a, p in _traffic(cluster).host_listeners:
        if p != port or (":" in a) != v6:
            continue
        if a == address or a in ("0.0.0.0", "::") or address in ("0.0.0.0", "::"):
            return True
    return False


def _free_port(cluster: Any, addresses: list[str]) -> int:
    rng = cluster.random.stream("kubectl/ephemeral-ports")
    while True:
        port = rng.randrange(32768, 61000)          # net.ipv4.ip_local_port_range
        if not any(_in_use(cluster, a, port) for a in addresses):
            return port


def _bind_error(cluster: Any, proto: str, address: str, port: int) -> str | None:
    """Why ``net.Listen(proto, address:port)`` fails on the host, or None."""
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return f"listen {proto}: lookup {address}: no such host"
    if address not in HOST_ADDRESSES and not address.startswith("127."):
        return f"listen {proto} {_join(address, port)}: bind: cannot assign requested address"
    if _in_use(cluster, address, port):
        return f"listen {proto} {_join(address, port)}: bind: address already in use"
    return None


def _klog_error(cluster: Any, source: str, text: str) -> str:
    """A klog ``E`` line as kubectl's ``runtime.HandleError`` prints it (virtual time)."""
    import datetime

    t = datetime.datetime.fromtimestamp(cluster.apiserver.epoch + cluster.loop.now, datetime.timezone.utc)
    quoted = text.replace("\\", "\\\\").replace('"', '\\"')
    return f"E{t:%m%d %H:%M:%S.%f}   {4242:>5} {source}] \"Unhandled Error\" err=\"{quoted}\"\n"


def _control_plane(cluster: Any):
    from ...controlplane.apiserver.proxy import Dialer

    cluster._machines_init()
    return Dialer.find(cluster.apiserver, cluster.network)


def _to_apiserver_hops(res: Any, dialer: Any, what: str) -> None:
    from ...network.traffic import Hop

    res.hops.append(Hop("outside", f"{what} → kube-apiserver {dialer.ip}:{APISERVER_PORT} (kind publishes it on "
                                   "127.0.0.1)"))
    res.hops.append(Hop("docker network", f"172.18.0.0/16: to {dialer.ip}"))
    res.hops.append(Hop(f"node {dialer.node}", f"eth0 {dialer.ip}: arrives; kube-apiserver checks kubectl's "
                                                "credentials"))


# -------------------------------------------------------------------------------------------
# kubectl proxy
def run_proxy(inv) -> int:
    port = int(inv.flag("port"))
    unix = inv.flag("unix-socket") or ""
    if port != DEFAULT_PROXY_PORT and unix:
        raise GoError("cannot set --unix-socket and --port at the same time")
    api_prefix = inv.flag("api-prefix") or "/"
    if not api_prefix.endswith("/"):
        api_prefix += "/"
    filters = None
    if inv.flag("disable-filter"):
        if not unix:
            inv.eprintln(_klog_warning(inv, "Request filter disabled, your proxy is vulnerable to XSRF attacks, "
                                            "please be cautious"))
    else:
        try:
            filters = {k: [re.compile(p) for p in (inv.flag(k) or "").split(",") if p]
                       for k in ("accept-paths", "reject-paths", "accept-hosts", "reject-methods")}
        except re.error as e:
            raise GoError(f"error parsing regexp: {e}") from None
    cluster = inv.cluster
    session = Session(cluster, "proxy", "kubectl proxy")
    if unix:
        inv.println(f"Starting to serve on {unix}")
        _register(cluster, session)
        return 0
    address = inv.flag("address") or "127.0.0.1"
    if port == 0:
        port = _free_port(cluster, [address])
    problem = _bind_error(cluster, "tcp", address, port)
    if problem:
        raise GoError(problem)
    key = (address, port)
    session.listens.append(key)
    _traffic(cluster).host_listeners[key] = _proxy_handler(cluster, session, api_prefix, filters)
    _register(cluster, session)
    inv.println(f"Starting to serve on {_join(address, port)}")
    return 0


def _klog_warning(inv, text: str) -> str:
    import datetime

    t = datetime.datetime.fromtimestamp(inv.apiserver.epoch + inv.loop.now, datetime.timezone.utc)
    return f"W{t:%m%d %H:%M:%S.%f}   {4242:>5} proxy.go:177] {text}"


def _matches(text: str, regexps: list) -> bool:
    return any(r.search(text) for r in regexps)


def _proxy_handler(cluster: Any, session: Session, api_prefix: str, filters: dict | None):
    """What ``kubectl proxy`` does with one request arriving on its port."""

    def handle(traffic: Any, res: Any, ctx: dict) -> None:
        from ...network.traffic import Hop

        now = traffic.loop.now
        res.hops.append(Hop("outside", f"{_join(*session.listens[0])}: accepted by kubectl proxy"))
        full = ctx["path"]
        path, _, query = full.partition("?")
        if filters is not None:
            host = ctx["host"]
            ok = (_matches(path, filters["accept-paths"]) and not _matches(path, filters["reject-paths"])
                  and _matches(host, filters["accept-hosts"]) and not _matches(res.method, filters["reject-methods"]))
            if not ok:
                res.hops.append(Hop("outside", f"kubectl proxy rejects {res.method} {path} (host {host}): "
                                               "403 Forbidden"))
                return _answer(traffic, res, 403, "Forbidden\n", now + 0.0001)
        if not path.startswith(api_prefix) and path + "/" != api_prefix:
            return _answer(traffic, res, 404, "404 page not found\n", now + 0.0001)
        api_path = "/" + path[len(api_prefix):] if path.startswith(api_prefix) else "/"
        dialer = _control_plane(cluster)
        if dialer is None:
            return traffic._finish(res, "connect: connection refused", at=now + 0.0001)
        _to_apiserver_hops(res, dialer, f"kubectl proxy: {res.method} {api_path}")
        traffic.loop.call_later(2 * WIRE, _at_apiserver, traffic, cluster.apiserver, res, dialer, api_path, query,
                                background=True)

    return handle


def _answer(traffic: Any, res: Any, status: int, body: str, at: float) -> None:
    res.status, res.body = status, body
    from ...network.traffic import REASONS, Hop

    res.hops.append(Hop("outside", f"HTTP/1.1 {status} {REASONS.get(status, '')}".rstrip()
                        + f" ({len(body.encode())} bytes)"))
    traffic._finish(res, None, at=at, ok=status < 400)


def _at_apiserver(traffic: Any, api: Any, res: Any, dialer: Any, api_path: str, query: str) -> None:
    from ...controlplane.apiserver import proxy as proxying
    from ...network.traffic import Hop, _Source

    parts = [p for p in api_path.strip("/").split("/")] if api_path.strip("/") else []
    where = f"node {dialer.node}"
    back = 2 * WIRE
    if len(parts) >= 7 and parts[:3] == ["api", "v1", "namespaces"] and parts[4] in ("pods", "services") \
            and parts[6] == "proxy":
        ns, resource, name = parts[3], parts[4], parts[5]
        segs = api_path.split("/")
        rest = None if len(segs) <= 8 else "/" + "/".join(segs[8:])
        res.hops.append(Hop(where, f"kube-apiserver: {resource}/proxy {ns}/{name} → {rest or '(redirect)'}"))
        if rest is None and res.method in ("GET", "HEAD"):
            r = proxying.redirect(api_path, query)
            return _answer(traffic, res, r.status, r.body, traffic.loop.now + back)
        try:
            loc = proxying.locate(api, resource, ns, name, "kubectl")
        except api_errors.StatusError as e:
            proxying.record(api, "kubectl", res.method, resource, ns, name, e.code)
            return _answer(traffic, res, e.code, proxying._status_json(e.status), traffic.loop.now + back)
        hops: list = []
        fut = proxying.proxy(api, dialer, loc, res.method, rest or "/", query=query, user_agent="curl/8.5.0",
                             timeout=max(res._deadline - traffic.loop.now, 0.0), hops=hops)
        src = _Source(where, dialer.machine.runtime, dialer.ip, dialer.node)
        for where_, what in hops:
            if where_ == "route":
                traffic._path_hops(res, src, what, failed=what.node is None)
                if what.node is not None:
                    res.endpoint, res.node = f"{what.ip}:{what.port}", what.node
            elif where_ == "server":
                traffic._note_server(res, what, f"pod {loc.pod}" if loc.pod else where, res.endpoint or loc.host)
            else:
                res.hops.append(Hop(where_, what))

        def done(f) -> None:
            resp = f.result
            proxying.record(api, "kubectl", res.method, resource, ns, name, resp.status or 504)
            if not resp.status:
                return traffic._finish(res, "i/o timeout", at=traffic.loop.now)
            if resp.status >= 500 and resp.headers.get("Content-Type") == "application/json":
                res.hops.append(Hop(where, f"kube-apiserver answers {resp.status}: {_message(resp.body)}"))
            _answer(traffic, res, resp.status, resp.body, traffic.loop.now + back)
        fut.add_done_callback(done)
        return
    status, body = api_read(api, res.method, api_path, query)
    res.hops.append(Hop(where, f"kube-apiserver: {res.method} {api_path} → {status}"))
    _answer(traffic, res, status, body, traffic.loop.now + back)


def _message(body: str) -> str:
    import json

    try:
        return json.loads(body).get("message", "")
    except Exception:
        return body


def api_read(api: Any, method: str, path: str, query: str) -> tuple[int, str]:
    """The API server's answer to a plain (non-proxy) request through ``kubectl proxy``: GET of
    ``/version``, discovery, an object or a list (JSON as the HTTP server writes it), DELETE of an
    object.  Other writes need a request body, which the traffic layer does not carry."""
    import json
    from urllib.parse import parse_qs

    from ...controlplane.apiserver import discovery
    from ...controlplane.apiserver.http import VERSION_INFO

    def dump(obj: Any) -> str:
        return json.dumps(obj, indent=2) + "\n"

    def status_of(e: api_errors.StatusError) -> tuple[int, str]:
        return e.code, dump(e.status)
    q = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
    parts = [p for p in path.strip("/").split("/") if p]
    not_found = api_errors.status("NotFound", "the server could not find the requested resource")
    try:
        if parts in (["version"],):
            return 200, dump(VERSION_INFO)
        if parts in (["healthz"], ["livez"], ["readyz"]):
            return 200, "ok"
        if not parts or parts[0] not in ("api", "apis"):
            return 404, "404 page not found\n"
        res_list = list(api.resources())
        if method in ("GET", "HEAD"):
            if parts == ["api"]:
                return 200, dump(discovery.api_versions(f"172.18.0.2:{APISERVER_PORT}"))
            if parts == ["apis"]:
                return 200, dump(discovery.api_group_list(res_list))
            if parts[0] == "api" and len(parts) == 2:
                doc = discovery.api_resource_list(res_list, "", parts[1])
                return (200, dump(doc)) if doc is not None else status_of(not_found)
            if parts[0] == "apis" and len(parts) in (2, 3):
                doc = discovery.api_group(res_list, parts[1]) if len(parts) == 2 else \
                    discovery.api_resource_list(res_list, parts[1], parts[2])
                return (200, dump(doc)) if doc is not None else status_of(not_found)
        rest = parts[2:] if parts[0] == "api" else parts[3:]
        group = "" if parts[0] == "api" else parts[1]
        ns = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            ns, rest = rest[1], rest[2:]
        if not rest or len(rest) > 3:
            return status_of(not_found)
        resource, name = rest[0], (rest[1] if len(rest) > 1 else "")
        sub = rest[2] if len(rest) > 2 else ""
        if not api.registry.has(resource) or api.info(resource).group != group:
            return status_of(not_found)
        info = api.info(resource)
        if method in ("GET", "HEAD"):
            if name:
                return 200, dump(api.get(resource, name, ns, subresource=sub, component="kubectl"))
            lst = api.list(resource, ns, label_selector=q.get("labelSelector") or None,
                           field_selector=q.get("fieldSelector") or None, component="kubectl")
            items = [{k: v for k, v in o.items() if k not in ("kind", "apiVersion")} for o in lst["items"]]
            return 200, dump({**lst, "kind": info.list_kind, "apiVersion": info.api_version, "items": items})
        if method == "DELETE" and name and not sub:
            return 200, dump(api.delete(resource, name, ns, component="kubectl"))
        return status_of(api_errors.status("MethodNotAllowed", "the server does not allow this method on the "
                                                               "requested resource", code=405))
    except api_errors.StatusError as e:
        return status_of(e)


# -------------------------------------------------------------------------------------------
# kubectl port-forward
def _split_port(spec: str) -> tuple[str, str]:
    parts = spec.split(":")
    return (parts[0], parts[1]) if len(parts) == 2 else (parts[0], parts[0])


def _container_port_by_name(pod: dict, name: str) -> int:
    spec = pod.get("spec") or {}
    for c in list(spec.get("containers") or []) + list(spec.get("initContainers") or []):
        for p in c.get("ports") or []:
            if (p.get("name") or "") == name:
                return int(p.get("containerPort", 0))
    raise GoError(f"Pod '{pod['metadata']['name']}' does not have a named port '{name}'")


def _service_port_by_name(svc: dict, name: str) -> int:
    for p in (svc.get("spec") or {}).get("ports") or []:
        if (p.get("name") or "") == name:
            return int(p.get("port", 0))
    raise GoError(f"Service '{svc['metadata']['name']}' does not have a named port '{name}'")


def _udp_check(ports: list[str], proto_ports: list[tuple[int, str]], lookup) -> None:
    """``checkUDPPorts``: a remote port served only over UDP cannot be forwarded."""
    udp = {n for n, p in proto_ports if p == "UDP"} - {n for n, p in proto_ports if p == "TCP"}
    for spec in ports:
        _, remote = _split_port(spec)
        num = int(remote) if remote.isdigit() else lookup(remote)
        if num in udp:
            raise GoError(f"UDP protocol is not supported for {remote}")


def _translate_service_ports(ports: list[str], svc: dict, pod: dict) -> list[str]:
    """``translateServicePortToTargetPort``."""
    out = []
    spec = svc.get("spec") or {}
    for p in ports:
        local, remote = _split_port(p)
        if remote.isdigit():
            num = int(remote)
        else:
            num = _service_port_by_name(svc, remote)
            if local == remote:
                local = str(num)
        for sp in spec.get("ports") or []:
            if int(sp.get("port", 0)) != num:
                continue
            if spec.get("clusterIP") == "None":
                target = num
            else:
                tp = sp.get("targetPort")
                if tp is None or tp == 0 or tp == "0":
                    target = int(sp.get("port", 0))
                elif isinstance(tp, int) or str(tp).isdigit():
                    target = int(tp)
                else:
                    target = _container_port_by_name(pod, str(tp))
            break
        else:
            raise GoError(f"Service {svc['metadata']['name']} does not have a service port {num}")
        out.append(f"{local}:{target}" if local != str(target) else str(target))
    return out


def _convert_pod_ports(ports: list[str], pod: dict) -> list[str]:
    """``convertPodNamedPortToNumber``."""
    out = []
    for p in ports:
        local, remote = _split_port(p)
        if remote == "":
            raise GoError("remote port cannot be empty")
        number = remote if remote.isdigit() else str(_container_port_by_name(pod, remote))
        out.append(f"{local}:{number}" if local != remote else number)
    return out


def _parse_uint16(text: str) -> int | None:
    if not text.isdigit():
        return None
    value = int(text)
    return value if value < 65536 else None


def _uint_error(text: str) -> str:
    kind = "value out of range" if text.isdigit() else "invalid syntax"
    return f'strconv.ParseUint: parsing "{text}": {kind}'


def _parse_ports(ports: list[str]) -> list[tuple[int, int]]:
    """client-go ``parsePorts``."""
    out = []
    for spec in ports:
        parts = spec.split(":")
        if len(parts) == 1:
            local = remote = parts[0]
        elif len(parts) == 2:
            local, remote = parts[0] or "0", parts[1]
        else:
            raise GoError(f"invalid port format '{spec}'")
        lp = _parse_uint16(local)
        if lp is None:
            raise GoError(f"error parsing local port '{local}': {_uint_error(local)}")
        rp = _parse_uint16(remote)
        if rp is None:
            raise GoError(f"error parsing remote port '{remote}': {_uint_error(remote)}")
        if rp == 0:
            raise GoError("remote port must be > 0")
        out.append((lp, rp))
    return out


def _parse_addresses(addresses: list[str]) -> list[tuple[str, str, str]]:
    """client-go ``parseAddresses``: (address, protocol, failure mode), sorted by address."""
    parsed: dict[str, tuple[str, str, str]] = {}
    for a in addresses:
        if a == "localhost":
            parsed.setdefault("127.0.0.1", ("127.0.0.1", "tcp4", "all"))
            parsed.setdefault("::1", ("::1", "tcp6", "all"))
            continue
        try:
            ip = ipaddress.ip_address(a)
        except ValueError:
            raise GoError(f"{a} is not a valid IP") from None
        parsed[a] = (a, "tcp4" if ip.version == 4 else "tcp6", "any")
    return [parsed[k] for k in sorted(parsed)]


def run(inv) -> int:
    from .logs import _most_active, _pods_for, _timeout_flag

    if len(inv.args) < 2:
        raise usage_error("kubectl port-forward", "TYPE/NAME and list of ports are required for port-forward")
    timeout = _timeout_flag(inv)
    target = inv.args[0]
    if "/" in target:
        kind, _, name = target.partition("/")
        info = inv.resolve(kind)
    else:
        info, name = inv.resolve("pods"), target
    obj = inv.client.get(info.resource, name, inv.namespace if info.namespaced else None)
    pod = obj if info.kind == "Pod" else _pods_for(inv, obj, _most_active, timeout)[0]
    specs = list(inv.args[1:])
    if info.kind == "Service":
        _udp_check(specs, [(int(p.get("port", 0)), p.get("protocol", "TCP"))
                           for p in (obj.get("spec") or {}).get("ports") or []],
                   lambda n: _service_port_by_name(obj, n))
        ports = _translate_service_ports(specs, obj, pod)
    else:
        _udp_check(specs, [(int(p.get("containerPort", 0)), p.get("protocol", "TCP"))
                           for c in (pod.get("spec") or {}).get("containers") or [] for p in c.get("ports") or []],
                   lambda n: _container_port_by_name(pod, n))
        ports = _convert_pod_ports(specs, pod)
    if not ports:
        raise GoError("at least 1 PORT is required for port-forward")
    md = pod["metadata"]
    pod = inv.client.get("pods", md["name"], md.get("namespace"))
    phase = (pod.get("status") or {}).get("phase", "")
    if phase != "Running":
        raise GoError(f"unable to forward port because pod is not running. Current status={phase}")
    forwards = _parse_ports(ports)
    addresses = _parse_addresses(list(inv.flag("address") or []))
    if not addresses:
        raise GoError("you must specify at least 1 address")
    cluster = inv.cluster
    _dial_kubelet(inv, pod)
    session = Session(cluster, "port-forward", "kubectl port-forward " + " ".join(inv.args))
    listeners = _traffic(cluster).host_listeners
    ok_any = False
    for i, (local, remote) in enumerate(forwards):
        if local == 0:
            local = _free_port(cluster, [a for a, _, _ in addresses])
            forwards[i] = (local, remote)
        errs, fails, oks = [], {"all": 0, "any": 0}, {"all": 0, "any": 0}
        bound = []
        for address, proto, mode in addresses:
            problem = _bind_error(cluster, proto, address, local)
            if problem:
                errs.append(f"unable to create listener: Error {problem}")
                fails[mode] += 1
                continue
            oks[mode] += 1
            key = (address, local)
            listeners[key] = _forward_handler(cluster, session, pod, local, remote)
            session.listens.append(key)
            bound.append(key)
            inv.println(f"Forwarding from {_join(address, local)} -> {remote}")
        if (oks["all"] == 0 and fails["all"] > 0) or fails["any"] > 0:
            inv.eprintln(f"Unable to listen on port {local}: Listeners failed to create with the following errors: "
                         f"[{' '.join(errs)}]")
            # the listeners of this port that did open stay open, as upstream's do
        else:
            ok_any = True
    if not ok_any:
        session.stop()
        raise GoError("unable to listen on any of the requested ports: ["
                      + " ".join(f"{{{lp} {rp}}}" for lp, rp in forwards) + "]")
    _register(cluster, session)
    return 0


def _dial_kubelet(inv, pod: dict) -> None:
    """The SPDY connection kubectl opens through the API server to the pod's kubelet."""
    from .logs import kubelet_for

    md = pod["metadata"]
    if not (pod.get("spec") or {}).get("nodeName"):
        raise GoError(f"error upgrading connection: pod {md['name']} does not have a host assigned")
    kubelet, address = kubelet_for(inv, pod)
    if kubelet is None:
        raise GoError(f"error upgrading connection: error dialing backend: dial tcp {address}: connect: "
                      "connection refused")


def _forward_handler(cluster: Any, session: Session, pod: dict, local: int, remote: int):
    """What one connection to a forwarded local port does."""
    md = pod["metadata"]
    ns, name, uid = md.get("namespace", "default"), md["name"], md.get("uid", "")
    node_name = (pod.get("spec") or {}).get("nodeName", "")

    def handle(traffic: Any, res: Any, ctx: dict) -> None:
        from ...network.traffic import SERVICE_SECONDS, Hop, _LocalRoute

        now = traffic.loop.now
        session.stdout += f"Handling connection for {local}\n"
        res.hops.append(Hop("outside", f"{ctx['host']}:{local}: accepted by kubectl port-forward"))
        dialer = _control_plane(cluster)
        machine = (getattr(cluster, "machines", None) or {}).get(node_name)
        if dialer is None or machine is None or not machine.powered or not getattr(machine, "kubelet_running", True):
            return _lost(traffic, res, session, local, remote, "error reading from error stream for port "
                         f"{local} -> {remote}: EOF", now)
        _to_apiserver_hops(res, dialer, f"kubectl: stream for port {remote} on the SPDY connection "
                                        f"(pods/portforward {ns}/{name})")
        latency = 2 * WIRE
        res.hops.append(Hop(f"node {dialer.node}", f"kube-apiserver → kubelet {machine.ip}:{KUBELET_PORT} "
                                                    f"/portForward/{ns}/{name}"))
        if machine.name != dialer.node:
            res.hops.append(Hop("docker network", f"172.18.0.0/16: to {machine.ip}"))
            res.hops.append(Hop(f"node {machine.name}", f"eth0 {machine.ip}: arrives"))
            latency += WIRE
        found = traffic.network.pod_sandbox(ns, name)
        if found is None or found[1].config.pod_uid != uid:
            return _lost(traffic, res, session, local, remote,
                         f"an error occurred forwarding {local} -> {remote}: error forwarding port {remote} to pod "
                         f"{name}_{ns}, uid : pod not found", now + latency)
        runtime, sb = found
        res.hops.append(Hop(f"node {machine.name}", f"kubelet → containerd: PortForward(sandbox {sb.id[:13]}, "
                                                    f"port {remote})"))
        ip = runtime.node_ip if sb.config.host_network else sb.ip
        where = f"pod {ns}/{name}"
        res.hops.append(Hop(where, f"lo: 127.0.0.1 → 127.0.0.1:{remote} (inside the pod's network namespace)"))
        res.endpoint, res.node = f"127.0.0.1:{remote}", machine.name
        proc = runtime.listener(ip, remote)
        if proc is None:
            res.hops.append(Hop(where, f"nothing listens on {remote}: RST"))
            netns = f"/var/run/netns/cni-{sb.config.pod_uid}"
            text = (f"an error occurred forwarding {local} -> {remote}: error forwarding port {remote} to pod "
                    f"{sb.id}, uid : failed to execute portforward in network namespace \"{netns}\": failed to "
                    f"connect to localhost:{remote} inside namespace \"{sb.id}\", IPv4: dial tcp4 127.0.0.1:"
                    f"{remote}: connect: connection refused IPv6 dial tcp6 [::1]:{remote}: connect: connection "
                    "refused ")
            return _lost(traffic, res, session, local, remote, text, now + latency)
        traffic._note_server(res, proc, where, f"127.0.0.1:{remote}")
        route = _LocalRoute(runtime, ip, remote)
        route.latency = latency

        def send():
            return traffic.network.http(route, res.method, ctx["path"], ctx["host"], timeout=ctx["remaining"],
                                        client_ip="127.0.0.1", service=SERVICE_SECONDS, user_agent="curl/8.5.0")
        traffic._exchange(res, ctx, send, where)

    return handle


def _lost(traffic: Any, res: Any, session: Session, local: int, remote: int, text: str, at: float) -> None:
    """An error on the connection's error stream: kubectl logs it, closes the connection to the
    pod, and the port-forward ends (``error: lost connection to pod``)."""
    from ...network.traffic import Hop

    session.stderr += _klog_error(session.cluster, "portforward.go:424", text)
    session.stderr += "error: lost connection to pod\n"
    res.hops.append(Hop("outside", "kubectl port-forward: the connection to the pod is lost; kubectl exits"))
    session.stop()
    traffic._finish(res, "empty reply from server", at=at)
