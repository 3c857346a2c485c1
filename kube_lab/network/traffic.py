"""Traffic: requests that travel the simulated network and are answered by the programs in the
pods, each with a trace of the hops it took, and a load generator that reports how requests
spread over pods.

``cluster.request("http://web", source="pod/client")`` sends one request and advances the
cluster's clock until it is answered or fails; ``cluster.load("http://web", rate=50,
count=3000)`` starts a stream of requests on the loop, driven by ``cluster.run(...)``.

A request goes where the real one would:

* **source** ``"outside"`` — the machine running kind's node containers (``172.18.0.1`` on the
  docker network): it reaches node IPs (NodePorts, hostPorts, hostNetwork pods) and
  load-balancer addresses, never pod or cluster IPs, and it has no cluster DNS;
* ``"pod/NAME"`` — from inside the pod's network namespace, with its ``resolv.conf`` (so
  ``web``, ``web.default`` and ``web.default.svc.cluster.local`` resolve through CoreDNS);
* ``"node/NAME"`` — from the node's root namespace: cluster IPs through its own kube-proxy
  rules, pod IPs directly; Docker's DNS there knows only the node names.

The trace (:attr:`RequestResult.hops`) lists the DNS lookup (and the CoreDNS pod that
answered), every iptables rule the connection matched on the node whose kube-proxy (or CNI
portmap plugin) translated it — ``KUBE-SERVICES``, ``KUBE-SVC-…`` with its random choice,
``KUBE-SEP-…`` and its DNAT — the veths, the node and the docker network crossed, the
container port, and the answer or the failure as a client prints it (``connect: connection
refused``, ``i/o timeout``, ``connect: no route to host``, ``read: connection reset by peer``,
``bad address 'web'``).

Requests take virtual time: the network's round trips (tens of microseconds inside a node, a
tenth of a millisecond across the docker network) plus the server's time (its
``Response.delay``, at least a millisecond).  A request in flight when its server process dies
(SIGKILL at the end of the grace period, a crash) is reset; a new connection to a pod whose
program has stopped listening is refused; a program that drains on SIGTERM keeps answering.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from .routing import BRIDGE, DOCKER_GATEWAY, DOCKER_NETWORK, veth_name

OUTSIDE = "outside"
DNS_SECONDS = 0.002            # a cluster DNS round trip (CoreDNS answers from its cache)
DNS_TIMEOUT = 10.0             # musl's resolver: 5 s per attempt, 2 attempts
ARP_TIMEOUT = 3.0              # nobody answers ARP for an address on the docker network
SERVICE_SECONDS = 0.001        # what a small web server takes to answer, unless it says otherwise
ERRORS = {"refused": "connect: connection refused", "timeout": "i/o timeout",
          "unreachable": "connect: no route to host", "reset": "read: connection reset by peer"}
REASONS = {200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently", 302: "Found",
           304: "Not Modified", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
           404: "Not Found", 405: "Method Not Allowed", 412: "Precondition Failed",
           500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
           504: "Gateway Timeout"}


# ------------------------------------------------------------------------------------------
@dataclass
class Hop:
    """One step of a request's journey: ``where`` (``pod default/client``, ``node kind-worker``,
    ``docker network``, ``outside``) and ``what`` happened there."""
    where: str
    what: str

    def __str__(self) -> str:
        return f"{self.where:<30} {self.what}"


@dataclass
class RequestResult:
    """One request: its outcome and the hops it took.

    ``ok`` (answered, status below 400; for ``tcp://`` connected), ``status`` (HTTP status or
    None), ``body``, ``error`` (None or the failure as a client prints it), ``pod`` ("ns/name"
    of the pod that answered), ``endpoint`` ("ip:port" it reached), ``node`` (where that pod
    runs), ``started``/``finished`` (virtual seconds), ``hops``."""
    url: str
    source: str
    method: str = "GET"
    ok: bool = False
    status: int | None = None
    body: str = ""
    error: str | None = None
    pod: str | None = None
    endpoint: str | None = None
    node: str | None = None
    started: float = 0.0
    finished: float | None = None
    hops: list[Hop] = field(default_factory=list)
    client_ip: str = ""

    @property
    def done(self) -> bool:
        return self.finished is not None

    @property
    def elapsed(self) -> float | None:
        return None if self.finished is None else self.finished - self.started

    def headline(self) -> str:
        tcp = self.url.strip().lower().startswith("tcp://")
        head = f"{'connect' if tcp else self.method} {self.url} from {self.source}"
        if not self.done:
            return head + ": in flight"
        ms = f"{(self.finished - self.started) * 1000:.1f} ms"
        if self.error:
            return f"{head}: {self.error} after {ms}"
        what = f"{self.status} {REASONS.get(self.status, '')}".strip() if self.status is not None else "connected"
        where = f" from {self.pod}" if self.pod else ""
        if self.endpoint:
            where += f" ({self.endpoint}" + (f" on {self.node})" if self.node else ")")
        return f"{head}: {what}{where} in {ms}"

    def text(self) -> str:
        """The headline and the hops, one per line."""
        return "\n".join([self.headline()] + [f"  {h}" for h in self.hops])

    def __str__(self) -> str:
        return self.text()

    def _repr_pretty_(self, p, cycle) -> None:      # IPython
        p.text(self.text())

    def _repr_html_(self) -> str:
        import html

        return "<pre>" + html.escape(self.text()) + "</pre>"


# ------------------------------------------------------------------------------------------
def parse_target(target: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of ``http://web:8080/x``, ``web:80``, ``10.96.0.1`` or
    ``tcp://redis:6379``."""
    text = target.strip()
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    scheme = (parts.scheme or "http").lower()
    if scheme not in ("http", "tcp"):
        raise ValueError(f"unsupported scheme {scheme!r} (use http:// or tcp://)")
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"invalid port in {target!r}") from None
    if port is None:
        if scheme == "tcp":
            raise ValueError(f"{target!r}: a tcp:// target needs a port")
        port = 80
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, host, int(port), path


def _is_ip(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
        return True
    except ValueError:
        return False


@lru_cache(maxsize=4096)
def _gateway(cidr: str | None) -> str:
    return str(next(ipaddress.ip_network(cidr).hosts())) if cidr else "?"


def _agent(src: "_Source") -> str:
    """The client program: busybox wget inside a pod, curl on a node or on the host."""
    return "Wget" if src.pod is not None else "curl/8.5.0"


class _Source:
    def __init__(self, label: str, runtime: Any, ip: str, node: str | None, pod: Any = None,
                 dns: dict | None = None):
        self.label, self.runtime, self.ip, self.node, self.pod, self.dns = label, runtime, ip, node, pod, dns


# ------------------------------------------------------------------------------------------
class Traffic:
    """Sends requests over a cluster's simulated network.

    ``Traffic(loop, network, machines, load_balancer=None)``: ``network`` is the cluster's pod
    network (``connect``/``http``/``resolve_traced``/``pod_sandbox``), ``machines`` maps node
    names to machines.  Use :func:`for_cluster` to get the one belonging to a ``Cluster``."""

    def __init__(self, loop: Any, network: Any, machines: dict, load_balancer: Any = None):
        self.loop = loop
        self.network = network
        self.machines = machines
        self.load_balancer = load_balancer
        # programs listening on the host outside the cluster: see :meth:`host_listener`
        self.host_listeners: dict[tuple[str, int], Any] = {}
        if load_balancer is not None and getattr(network, "vip_owner", None) is None:
            network.vip_owner = self._vip_owner

    def _vip_owner(self, ip: str) -> str | None:
        lb = self.load_balancer
        key = lb.owner.get(ip) if lb is not None else None
        return lb.announcer.get(key) if key else None

    # -- the public calls ------------------------------------------------------------------
    def request(self, target: str, source: str = OUTSIDE, *, namespace: str = "default", method: str = "GET",
                timeout: float = 1.0) -> RequestResult:
        """Send one request and run the loop until it is answered or fails."""
        res = self.send(target, source, namespace=namespace, method=method, timeout=timeout)
        loop = self.loop
        while not res.done:
            if not loop.step():            # nothing left to happen: it can only have timed out
                break
        return res

    def send(self, target: str, source: str = OUTSIDE, *, namespace: str = "default", method: str = "GET",
             timeout: float = 1.0, on_done=None) -> RequestResult:
        """Start one request now; ``res.done`` once the loop has carried it to its end
        (``on_done(res)`` is called then)."""
        res = RequestResult(target, source, method.upper(), started=self.loop.now)
        res._on_done = on_done          # type: ignore[attr-defined]
        res._deadline = self.loop.now + timeout     # type: ignore[attr-defined]
        try:
            scheme, host, port, path = parse_target(target)
        except ValueError as e:
            self._finish(res, str(e), at=self.loop.now)
            return res
        src = self._source(source, namespace)
        if isinstance(src, str):
            self._finish(res, src, at=self.loop.now)
            return res
        res.client_ip = src.ip
        ctx = {"scheme": scheme, "host": host, "port": port, "path": path, "timeout": timeout}
        if src.runtime is None and self.host_listeners:
            handler = self.host_listener(host, port)
            if handler is not None:
                handler(self, res, ctx)
                return res
        # name resolution
        if host in ("localhost", "127.0.0.1") and src.pod is not None:
            self._local(res, src, ctx)
            return res
        if host == "localhost":
            host = "127.0.0.1"
        if _is_ip(host):
            self._connect(res, src, host, ctx)
            return res
        self._resolve(res, src, host, ctx)
        return res

    def load(self, target: str, source: str = OUTSIDE, *, rate: float = 10.0, count: int | None = None,
             duration: float | None = None, namespace: str = "default", concurrency: int | None = None,
             method: str = "GET", timeout: float = 1.0) -> "LoadGenerator":
        """Start a :class:`LoadGenerator` now."""
        return LoadGenerator(self, target, source, rate=rate, count=count, duration=duration, namespace=namespace,
                             concurrency=concurrency, method=method, timeout=timeout)

    # -- extension point: programs on the host (``kubectl proxy``, ``kubectl port-forward``) ---
    def host_listener(self, host: str, port: int) -> Any:
        """The handler listening on ``host:port`` of the machine outside the cluster, or None.

        ``host_listeners[(address, port)] = handler`` registers one; ``address`` is what it bound
        (``127.0.0.1``, ``::1``, ``0.0.0.0``, ``::`` or an address of that machine).  A request
        from ``"outside"`` to a matching address calls ``handler(traffic, res, ctx)``
        (``ctx``: scheme, host, port, path, timeout; ``res.method``), which must carry ``res`` to its end
        (``traffic._finish``); hops can be drawn with ``traffic._path_hops``."""
        if host == "localhost":
            candidates = [("127.0.0.1", port), ("::1", port), ("0.0.0.0", port), ("::", port)]
        elif host == "::1":
            candidates = [("::1", port), ("::", port)]
        elif host.startswith("127.") or host == DOCKER_GATEWAY:
            candidates = [(host, port), ("0.0.0.0", port)]
        else:
            return None
        for key in candidates:
            handler = self.host_listeners.get(key)
            if handler is not None:
                return handler
        return None

    # -- where a request comes from --------------------------------------------------------
    def _source(self, source: str, namespace: str) -> "_Source | str":
        if source == OUTSIDE:
            return _Source(OUTSIDE, None, DOCKER_GATEWAY, None)
        kind, _, name = source.partition("/")
        if kind in ("pod", "pods", "po") and name:
            ns = namespace
            if "/" in name:
                ns, name = name.split("/", 1)
            found = self.network.pod_sandbox(ns, name)
            if found is None:
                return f'pods "{name}" not found or not running'
            runtime, sb = found
            ip = runtime.node_ip if sb.config.host_network else sb.ip
            return _Source(f"pod {ns}/{name}", runtime, ip, runtime.node_name, sb, dict(sb.config.dns or {}))
        if kind in ("node", "nodes", "no") and name:
            m = self.machines.get(name)
            if m is None:
                return f'nodes "{name}" not found'
            if not m.powered:
                return f"node {name} is powered off"
            return _Source(f"node {name}", m.runtime, m.ip, name)
        return f"unknown source {source!r} (use \"outside\", \"pod/NAME\" or \"node/NAME\")"

    # -- DNS ---------------------------------------------------------------------------------
    def _resolve(self, res: RequestResult, src: _Source, host: str, ctx: dict) -> None:
        now = self.loop.now
        if src.pod is None:
            # the host and the nodes use Docker's DNS: it knows the node containers by name
            m = self.machines.get(host)
            if src.runtime is not None and m is not None:
                res.hops.append(Hop(src.label, f"DNS {host} = {m.ip} (Docker's DNS, node container)"))
                self.loop.call_later(0.001, self._connect, res, src, m.ip, ctx, background=True)
                return
            res.hops.append(Hop(src.label, f"DNS {host}: no such host (no cluster DNS here)"))
            self._finish(res, f"bad address '{host}'", at=now + 0.001)
            return
        dns = src.dns or {}
        servers = dns.get("servers") or []
        server = servers[0] if servers else DOCKER_GATEWAY
        try:
            answer, route = self.network.resolve_traced(src.runtime, src.ip, host, server,
                                                       dns.get("searches", []), dns.get("ndots", 1))
        except Exception as e:            # DNSError (kept duck-typed: the network layer owns it)
            kind = getattr(e, "kind", "timeout")
            if kind == "nxdomain":
                route = getattr(e, "route", None)
                who = f", answered by {route.pod.label}" if route is not None and route.pod else ""
                res.hops.append(Hop(src.label, f"DNS {host}: NXDOMAIN (asked {server}:53{who})"))
                self._finish(res, f"bad address '{host}'", at=now + DNS_SECONDS)
            else:
                res.hops.append(Hop(src.label, f"DNS {host}: no answer from {server}:53 (timed out)"))
                self._finish(res, f"bad address '{host}'", at=min(now + DNS_TIMEOUT, res._deadline))
            return
        fqdn, addrs, _ = answer
        ip = addrs[0][0]
        who = f", answered by CoreDNS pod {route.pod.label}" if route is not None and route.pod else ""
        cname = ""
        query = getattr(getattr(self.network, "dns", None), "query", None)
        if query is not None:
            names = [r.data.rstrip(".") for r in query(fqdn).answers if r.type == "CNAME"]
            cname = "".join(f" → CNAME {n}" for n in names)
        res.hops.append(Hop(src.label, f"DNS {host} → {fqdn}{cname} = {ip} (asked {server}:53{who})"))
        self.loop.call_later(DNS_SECONDS, self._connect, res, src, ip, ctx, background=True)

    # -- the connection --------------------------------------------------------------------
    def _local(self, res: RequestResult, src: _Source, ctx: dict) -> None:
        """localhost inside a pod: the pod's own network namespace, shared by its containers."""
        sb, port = src.pod, ctx["port"]
        ip = src.runtime.node_ip if sb.config.host_network else sb.ip
        res.hops.append(Hop(src.label, f"lo: 127.0.0.1 → 127.0.0.1:{port} (the pod's own network namespace)"))
        proc = src.runtime.listener(ip, port)
        res.endpoint = f"127.0.0.1:{port}"
        res.node = src.node
        if proc is None:
            res.hops.append(Hop(src.label, f"nothing listens on {port}: RST"))
            self._finish(res, ERRORS["refused"], at=self.loop.now + 0.00005)
            return
        self._note_server(res, proc, src.label, f"127.0.0.1:{port}")
        self._exchange(res, ctx, lambda: self._http_local(src, ip, ctx), src.label)

    def _http_local(self, src: _Source, ip: str, ctx: dict):
        route = _LocalRoute(src.runtime, ip, ctx["port"])
        return self.network.http(route, ctx.get("method", "GET"), ctx["path"], ctx["host"],
                                 timeout=ctx["remaining"], client_ip="127.0.0.1", service=SERVICE_SECONDS,
                                 user_agent=_agent(src))

    def _connect(self, res: RequestResult, src: _Source, ip: str, ctx: dict) -> None:
        port = ctx["port"]
        try:
            route = self.network.connect(src.runtime, src.ip, ip, port, "TCP", trace=True)
        except Exception as e:          # NetError, with .route: how far it got
            kind = getattr(e, "kind", "timeout")
            route = getattr(e, "route", None)
            if route is not None:
                self._path_hops(res, src, route, failed=True)
            at = self.loop.now
            if kind == "timeout":
                res.hops.append(Hop(res.hops[-1].where if res.hops else src.label,
                                    "no answer: the packet is dropped"))
                self._finish(res, ERRORS["timeout"], at=res._deadline)
            elif kind == "unreachable":
                res.hops.append(Hop("docker network" if src.runtime is None else src.label,
                                    f"nobody has {ip} (ARP gets no reply)"))
                wait = at + ARP_TIMEOUT
                if wait > res._deadline:
                    self._finish(res, ERRORS["timeout"], at=res._deadline)
                else:
                    self._finish(res, ERRORS["unreachable"], at=wait)
            elif kind == "refused":
                where = f"node {route.via_node}" if route is not None and route.via_node else src.label
                res.hops.append(Hop(where, "REJECT: icmp-port-unreachable → connection refused"))
                rtt = 2 * (route.latency if route is not None else 0.0001)
                self._finish(res, ERRORS["refused"], at=at + max(rtt, 0.0001))
            else:
                self._finish(res, ERRORS.get(kind, str(e)), at=at)
            return
        self._path_hops(res, src, route)
        res.endpoint = f"{route.ip}:{route.port}"
        res.node = route.node
        res.client_ip = route.client_ip
        proc = route.runtime.listener(route.ip, route.port)
        where = f"pod {route.pod.label}" if route.pod is not None else f"node {route.node}"
        if proc is None:
            res.hops.append(Hop(where, f"nothing listens on {route.ip}:{route.port}: RST → connection refused"))
            self._finish(res, ERRORS["refused"], at=self.loop.now + max(2 * route.latency, 0.0001))
            return
        self._note_server(res, proc, where, f"{route.ip}:{route.port}")
        if ctx["scheme"] == "tcp":
            res.hops.append(Hop(where, "TCP handshake completed"))
            self._finish(res, None, at=self.loop.now + max(2 * route.latency, 0.0001), ok=True)
            return

        def send():
            return self.network.http(route, ctx.get("method", "GET"), ctx["path"], ctx["host"],
                                     timeout=ctx["remaining"], client_ip=route.client_ip, service=SERVICE_SECONDS,
                                     user_agent=_agent(src))

        self._exchange(res, ctx, send, where)

    def _note_server(self, res: RequestResult, proc: Any, where: str, addr: str) -> None:
        cfg = proc.container.sandbox.config
        if cfg.pod_name:
            res.pod = f"{cfg.namespace}/{cfg.pod_name}"
        prog = proc.argv[0].rsplit("/", 1)[-1] if proc.argv else "?"
        res.hops.append(Hop(where, f"{addr}: accepted by {prog} (container {proc.container.name}, pid {proc.pid})"))

    def _exchange(self, res: RequestResult, ctx: dict, send, where: str) -> None:
        ctx["method"] = res.method
        ctx["remaining"] = max(res._deadline - self.loop.now, 0.0)
        if ctx["remaining"] <= 0:
            self._finish(res, ERRORS["timeout"], at=self.loop.now)
            return
        fut = send()

        def done(f) -> None:
            if f.error is not None:
                kind = getattr(f.error, "kind", "")
                text = ERRORS.get(kind, str(f.error))
                if kind == "reset":
                    res.hops.append(Hop(where, "the server process died with the request in flight: RST"))
                elif kind == "timeout":
                    res.hops.append(Hop(where, f"no answer within {ctx['timeout']:g} s"))
                self._finish(res, text, at=self.loop.now)
                return
            resp = f.result
            res.status = resp.status
            res.body = resp.body
            size = len(resp.body.encode())
            res.hops.append(Hop(where, f"HTTP/1.1 {resp.status} {REASONS.get(resp.status, '')}".rstrip()
                                + f" ({size} bytes)"))
            self._finish(res, None, at=self.loop.now, ok=resp.status < 400)

        fut.add_done_callback(done)

    def _finish(self, res: RequestResult, error: str | None, *, at: float, ok: bool = False) -> None:
        res.error = error
        res.ok = ok and error is None
        if at <= self.loop.now:
            self._complete(res, self.loop.now)
        else:
            self.loop.call_at(at, self._complete, res, at, background=True)

    def _complete(self, res: RequestResult, at: float) -> None:
        res.finished = at
        cb = getattr(res, "_on_done", None)
        if cb is not None:
            cb(res)

    # -- the trace -----------------------------------------------------------------------------
    def _path_hops(self, res: RequestResult, src: _Source, route: Any, failed: bool = False) -> None:
        hops = res.hops
        cidrs, ips = route.pod_cidrs, route.node_ips
        target = f"{route.dst_ip}:{route.dst_port}"
        if src.runtime is None:
            hops.append(Hop(OUTSIDE, f"{src.ip} → {target} (the host running kind's node containers)"))
            if route.via_node:
                hops.append(Hop("docker network", f"{DOCKER_NETWORK}: to {route.via_ip}"))
                hops.append(Hop(f"node {route.via_node}", f"eth0 {route.via_ip}: arrives"))
        else:
            node = src.node
            if src.pod is not None and not src.pod.config.host_network:
                gw = _gateway(cidrs.get(node))
                hops.append(Hop(src.label, f"eth0 {src.ip} → {target} (default via {gw})"))
                hops.append(Hop(f"node {node}", f"{veth_name(src.pod.config.pod_uid)} → root network namespace"))
            else:
                hops.append(Hop(f"node {node}", f"{src.ip} → {target} (a process in the root network namespace)"))
            if route.via_node and route.via_node != node:
                hops.append(Hop(f"node {node}", f"eth0 → {route.via_ip}"))
                hops.append(Hop("docker network", f"{DOCKER_NETWORK}: to {route.via_ip}"))
                hops.append(Hop(f"node {route.via_node}", f"eth0 {route.via_ip}: arrives"))
        via = f"node {route.via_node}" if route.via_node else OUTSIDE
        for fw in route.forwardings:
            matched = getattr(fw, "matched", [])
            for m in matched:
                if isinstance(m, tuple):
                    table, chain, rule = m
                else:
                    table, chain, rule = m.table, m.chain, m.rule
                if not _shown(table, chain, rule):
                    continue
                note = ""
                if "-m statistic" in rule:
                    note = "   ← random draw chose this endpoint"
                elif "-m recent --rcheck" in rule:
                    note = "   ← session affinity: this client's endpoint"
                hops.append(Hop(via, f"iptables -t {table} {chain}: {rule}{note}"))
            verdict = getattr(fw, "verdict", "")
            if verdict == "DNAT":
                hops.append(Hop(via, f"DNAT {fw.destination}:{fw.port} → {fw.endpoint}"))
            if getattr(fw, "masqueraded", False) and route.client_ip != route.src_ip:
                hops.append(Hop(via, f"MASQUERADE: source {route.src_ip} → {route.client_ip}"))
        if failed or route.node is None:
            return
        dst_node = route.node
        if route.via_node and dst_node != route.via_node:
            hops.append(Hop(via, f"route {cidrs.get(dst_node)} via {ips.get(dst_node)} dev eth0"))
            hops.append(Hop("docker network", f"{DOCKER_NETWORK}: to {ips.get(dst_node)}"))
            hops.append(Hop(f"node {dst_node}", f"eth0 {ips.get(dst_node)}: arrives"))
        if route.pod is not None and not route.pod.host_network:
            hops.append(Hop(f"node {dst_node}", f"{BRIDGE} → {veth_name(route.pod.uid)} (veth of pod {route.pod.label})"))
            hops.append(Hop(f"pod {route.pod.label}", f"eth0 {route.ip}: arrives"))


def _shown(table: str, chain: str, rule: str) -> bool:
    """The rules worth a line in a trace: the nat rules that steer the connection, and a
    filter rule only when it decides its fate (REJECT, DROP)."""
    if table == "filter":
        return rule.endswith(("-j DROP", "-j REJECT --reject-with icmp-port-unreachable")) or " -j REJECT" in rule
    return chain not in ("POSTROUTING", "KUBE-POSTROUTING", "CNI-HOSTPORT-MASQ")


class _LocalRoute:
    """A connection inside one network namespace (localhost)."""

    def __init__(self, runtime: Any, ip: str, port: int):
        self.runtime, self.ip, self.port = runtime, ip, port
        self.dst_ip, self.dst_port = "127.0.0.1", port
        self.latency = 0.00001
        self.client_ip = "127.0.0.1"


# ------------------------------------------------------------------------------------------
class LoadGenerator:
    """Requests at fixed virtual intervals (``1/rate``), started at once and carried by the
    cluster's loop (``cluster.run(...)``).  It stops after ``count`` requests or ``duration``
    seconds, or at :meth:`stop`.  With ``concurrency``, a request whose turn comes while that
    many are in flight waits for one to finish.

    ``records`` are the requests in send order; :meth:`spread`, :meth:`failures`,
    :meth:`summary`, :meth:`timeline` and :meth:`plot` report on them."""

    def __init__(self, traffic: Traffic, target: str, source: str = OUTSIDE, *, rate: float = 10.0,
                 count: int | None = None, duration: float | None = None, namespace: str = "default",
                 concurrency: int | None = None, method: str = "GET", timeout: float = 1.0):
        if rate <= 0:
            raise ValueError("rate must be > 0")
        if count is not None and count < 0:
            raise ValueError("count must be >= 0")
        if concurrency is not None and concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        self.traffic = traffic
        self.loop = traffic.loop
        self.target, self.source, self.namespace = target, source, namespace
        self.rate, self.count, self.duration = float(rate), count, duration
        self.concurrency, self.method, self.timeout = concurrency, method, timeout
        self.records: list[RequestResult] = []
        self.started = self.loop.now
        self.stopped = False
        self._sent = 0
        self._inflight = 0
        self._waiting = 0
        self._timer = None
        self._tick()

    # -- sending -----------------------------------------------------------------------------
    def _due(self, i: int) -> float:
        return self.started + i / self.rate

    def _more(self, i: int) -> bool:
        if self.stopped:
            return False
        if self.count is not None and i >= self.count:
            return False
        if self.duration is not None and i / self.rate >= self.duration - 1e-12:
            return False
        return True

    def _tick(self) -> None:
        self._timer = None
        i = self._sent
        if not self._more(i):
            self.stopped = True
            return
        self._sent += 1
        if self.concurrency is not None and self._inflight >= self.concurrency:
            self._waiting += 1
        else:
            self._send()
        if self._more(self._sent):
            self._timer = self.loop.call_at(self._due(self._sent), self._tick, background=True)
        else:
            self.stopped = True

    def _send(self) -> None:
        self._inflight += 1
        res = self.traffic.send(self.target, self.source, namespace=self.namespace, method=self.method,
                                timeout=self.timeout, on_done=self._done)
        self.records.append(res)

    def _done(self, res: RequestResult) -> None:
        self._inflight -= 1
        if self._waiting:
            self._waiting -= 1
            self._send()

    def stop(self) -> "LoadGenerator":
        """Send nothing more (requests in flight still finish)."""
        self.stopped = True
        self._waiting = 0
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        return self

    @property
    def done(self) -> bool:
        """Stopped, and every request sent has finished."""
        return self.stopped and self._waiting == 0 and all(r.done for r in self.records)

    # -- reports ---------------------------------------------------------------------------
    def finished(self) -> list[RequestResult]:
        return [r for r in self.records if r.done]

    def spread(self) -> dict[str, int]:
        """Finished requests per pod that answered them ("ns/name", whatever the HTTP status),
        requests that got no answer under ``"<failed>"``, sorted by key."""
        counts: dict[str, int] = {}
        for r in self.records:
            if not r.done:
                continue
            key = r.pod if r.pod and r.status is not None else "<failed>"
            counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items()))

    def failures(self) -> list[RequestResult]:
        return [r for r in self.records if r.done and not r.ok]

    def summary(self) -> str:
        """POD / REQUESTS / SHARE, one line per pod, failures last."""
        spread = self.spread()
        total = sum(spread.values())
        rows = [(k, v) for k, v in spread.items() if k != "<failed>"]
        if "<failed>" in spread:
            rows.append(("<failed>", spread["<failed>"]))
        width = max([len("POD")] + [len(k) for k, _ in rows])
        lines = [f"{'POD':<{width}}   REQUESTS   SHARE"]
        for k, v in rows:
            share = 100.0 * v / total if total else 0.0
            lines.append(f"{k:<{width}}   {v:>8}   {share:5.1f}%")
        lines.append(f"{'total':<{width}}   {total:>8}")
        inflight = len(self.records) - total
        if inflight:
            lines.append(f"({inflight} still in flight)")
        return "\n".join(lines)

    def timeline(self) -> list[tuple[float, float | None, str | None, bool, str | None]]:
        """(t_sent, t_done, pod or None, ok, error) per request, in send order."""
        return [(r.started, r.finished, r.pod if r.ok else None, r.ok, r.error) for r in self.records]

    def errors(self) -> dict[str, int]:
        """Failures counted by error text."""
        out: dict[str, int] = {}
        for r in self.failures():
            key = r.error or (f"HTTP {r.status}" if r.status is not None else "failed")
            out[key] = out.get(key, 0) + 1
        return dict(sorted(out.items()))

    def plot(self, ax=None):
        """Requests over time, one row per pod, coloured by pod; failures as red crosses."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 3))
        pods = sorted({r.pod for r in self.records if r.done and r.ok and r.pod})
        rows = {p: i for i, p in enumerate(pods)}
        for p in pods:
            xs = [r.started for r in self.records if r.done and r.ok and r.pod == p]
            ax.scatter(xs, [rows[p]] * len(xs), s=8, label=p)
        fails = [r for r in self.failures()]
        if fails:
            ax.scatter([r.started for r in fails], [len(pods)] * len(fails), s=16, marker="x", color="red",
                       label="failed")
        labels = pods + (["failed"] if fails else [])
        ax.set_yticks(range(len(labels)))
        ax.set_yticklabels(labels)
        ax.set_xlabel("virtual time sent (s)")
        ax.set_title(f"{self.method} {self.target} from {self.source}")
        return ax

    def __repr__(self) -> str:
        state = "running" if not self.stopped else ("done" if self.done else "draining")
        return f"<LoadGenerator {self.target} from {self.source}: {len(self.records)} sent, {state}>"

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(repr(self) + "\n" + self.summary())


# ------------------------------------------------------------------------------------------
def for_cluster(cluster: Any) -> Traffic:
    """The :class:`Traffic` of a ``Cluster`` (made on first use)."""
    t = cluster.__dict__.get("_traffic")
    if t is None or t.network is not getattr(cluster, "network", None):
        cluster._machines_init()
        old = t
        t = Traffic(cluster.loop, cluster.network, cluster.machines, getattr(cluster, "load_balancer", None))
        if old is not None:
            t.host_listeners = old.host_listeners
        cluster.__dict__["_traffic"] = t
    return t


__all__ = ["Hop", "LoadGenerator", "RequestResult", "Traffic", "for_cluster", "parse_target"]
