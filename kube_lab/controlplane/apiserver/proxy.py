"""``pods/proxy`` and ``services/proxy``: kube-apiserver as a reverse proxy into the pod network.

``GET /api/v1/namespaces/NS/pods/[SCHEME:]NAME[:PORT]/proxy/PATH`` (and the ``services`` form)
makes the API server — a process in the control-plane node's root network namespace — open a
connection to the pod, send the request on, and relay the program's answer (status and body).

* Where to connect is chosen as upstream's ``ResourceLocation`` does
  (``pkg/registry/core/pod/strategy.go``, ``pkg/registry/core/service/storage/storage.go``): a pod's
  first IP and the given port, or the first declared container port; a Service's endpoints
  (``Endpoints`` object), a random subset and a random address whose pod still has that IP, the
  port chosen by name (a port *number* is translated to the service port's name first).
* Failures read as upstream's: ``invalid pod request "a:b:c:d"`` (400), ``address not allowed``
  (400, no pod IP yet), ``pods "x" not found``/``endpoints "x" not found`` (404),
  ``no service port 81 found for service "web"`` and ``no endpoints available for service "web"``
  (503), and a connection that fails ``error trying to reach service: dial tcp 10.244.1.2:8080:
  connect: connection refused`` (503, ``k8s.io/apimachinery/pkg/util/proxy/transport.go``).
* ``…/proxy`` without the trailing slash is redirected (301) to ``…/proxy/`` for GET and HEAD
  (``proxyRedirectsforRootPath`` in ``upgradeaware.go``).

The network is reached through :class:`Dialer` (the cluster's ``PodNetwork``, the control-plane
node's machine).  :func:`proxy` starts one request and returns a ``Future`` of
:class:`ProxyResponse`; :func:`proxy_sync` runs the loop until it is answered.  Both are used by
the HTTP server and by ``kubectl proxy``; the connection's hops can be collected in a list.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from ...api import errors

DIAL_TIMEOUT = 30.0            # the proxy transport's net.Dialer timeout
CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane"
NAMED_PORTS = {"http": 80, "https": 443}     # what Go's resolver finds in /etc/services
REDIRECT_BODY = '<a href="{}">Moved Permanently</a>.\n\n'


@dataclass
class Location:
    """Where a proxied request goes: ``scheme`` ("" means http), ``ip``, ``port`` (str, may be
    a name or empty), and the pod behind it ("ns/name", for the trace)."""
    scheme: str
    ip: str
    port: str
    pod: str = ""

    @property
    def host(self) -> str:
        return f"{self.ip}:{self.port}" if self.port else self.ip


@dataclass
class ProxyResponse:
    """What the API server sends back: ``status``, ``body``, ``headers`` (Content-Type …);
    ``status`` 0: the program had not answered when the caller's time-out ran out."""
    status: int
    body: str = ""
    headers: dict = field(default_factory=dict)


def split_scheme_name_port(id_: str) -> tuple[str, str, str, bool]:
    """``utilnet.SplitSchemeNamePort``: ``name``, ``name:port`` or ``scheme:name:port``."""
    parts = id_.split(":")
    scheme = port = ""
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        name, port = parts
    elif len(parts) == 3:
        scheme, name, port = parts
    else:
        return "", "", "", False
    if name and scheme in ("", "http", "https"):
        return scheme, name, port, True
    return "", "", "", False


def _pod_ip(pod: dict) -> str:
    ips = (pod.get("status") or {}).get("podIPs") or []
    return (ips[0] or {}).get("ip", "") if ips else ""


def _global_unicast(ip: str) -> bool:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return not (addr.is_loopback or addr.is_multicast or addr.is_link_local or addr.is_unspecified
                or str(addr) == "255.255.255.255")


def pod_location(api: Any, namespace: str, id_: str, component: str = "client") -> Location:
    """``pod.ResourceLocation``."""
    scheme, name, port, valid = split_scheme_name_port(id_)
    if not valid:
        raise errors.bad_request(f"invalid pod request {errors.go_quote(id_)}")
    pod = api.get("pods", name, namespace, component=component)
    if not port:
        for c in (pod.get("spec") or {}).get("containers") or []:
            if c.get("ports"):
                port = str(c["ports"][0].get("containerPort", ""))
                break
    ip = _pod_ip(pod)
    if not _global_unicast(ip):
        raise errors.bad_request("address not allowed")
    return Location(scheme, ip, port, f"{namespace}/{name}")


def service_location(api: Any, namespace: str, id_: str, rng: Any, component: str = "client") -> Location:
    """``service REST.ResourceLocation``: one endpoint of the Service, chosen at random."""
    scheme, name, port_str, valid = split_scheme_name_port(id_)
    if not valid:
        raise errors.bad_request(f"invalid service request {errors.go_quote(id_)}")
    if port_str.isdigit():
        svc = api.get("services", name, namespace, component=component)
        for sp in (svc.get("spec") or {}).get("ports") or []:
            if int(sp.get("port", 0)) == int(port_str):
                port_str = sp.get("name", "")
                break
        else:
            raise errors.status("ServiceUnavailable", f"no service port {int(port_str)} found for service "
                                f"{errors.go_quote(name)}", code=503)
    eps = api.get("endpoints", name, namespace, component=component)
    subsets = eps.get("subsets") or []
    if not subsets:
        raise errors.status("ServiceUnavailable", f"no endpoints available for service {errors.go_quote(name)}",
                            code=503)
    seed = rng.randrange(len(subsets))
    for i in range(len(subsets)):
        ss = subsets[(seed + i) % len(subsets)]
        addrs = ss.get("addresses") or []
        if not addrs:
            continue
        for p in ss.get("ports") or []:
            if p.get("name", "") != port_str:
                continue
            start = rng.randrange(len(addrs))
            for t in range(len(addrs)):
                addr = addrs[(start + t) % len(addrs)]
                pod = _valid_address(api, namespace, addr)
                if pod is None:
                    continue
                return Location(scheme, addr.get("ip", ""), str(p.get("port", "")), f"{namespace}/{pod}")
    raise errors.status("ServiceUnavailable", f"no endpoints available for service {errors.go_quote(id_)}", code=503)


def _valid_address(api: Any, namespace: str, addr: dict) -> str | None:
    """``isValidAddress``: the address names a pod of this namespace that still has that IP."""
    ref = addr.get("targetRef") or {}
    if not ref or ref.get("namespace") != namespace:
        return None
    pod = api.storage_get("pods", namespace, ref.get("name", ""))
    if pod is None:
        return None
    ips = [(p or {}).get("ip") for p in (pod.get("status") or {}).get("podIPs") or []]
    return ref.get("name") if addr.get("ip") in ips else None


def locate(api: Any, resource: str, namespace: str, id_: str, component: str = "client") -> Location:
    if resource == "pods":
        return pod_location(api, namespace, id_, component)
    if resource == "services":
        return service_location(api, namespace, id_, api.random.stream("apiserver/service-proxy"), component)
    raise errors.status("NotFound", "the server could not find the requested resource")


def redirect(path: str, query: str = "") -> ProxyResponse:
    """301 to the same path with a trailing slash (``http.Redirect``)."""
    target = path + "/" + (f"?{query}" if query else "")
    return ProxyResponse(301, REDIRECT_BODY.format(target), {"Location": target,
                                                             "Content-Type": "text/html; charset=utf-8"})


# -------------------------------------------------------------------------------------------
class Dialer:
    """The API server's side of the network: the cluster's ``PodNetwork`` and the
    control-plane node's machine (connections leave from its root network namespace)."""

    def __init__(self, network: Any, machine: Any):
        self.network, self.machine = network, machine

    @classmethod
    def find(cls, api: Any, network: Any) -> "Dialer | None":
        """The dialer of the API server of a cluster whose pod network is ``network``."""
        if network is None:
            return None
        machines = getattr(network, "machines", {}) or {}
        for node in api.storage_list("nodes"):
            labels = (node.get("metadata") or {}).get("labels") or {}
            if CONTROL_PLANE_LABEL in labels and node["metadata"]["name"] in machines:
                return cls(network, machines[node["metadata"]["name"]])
        first = next(iter(machines.values()), None)
        return cls(network, first) if first is not None else None

    @property
    def ip(self) -> str:
        return self.machine.ip

    @property
    def node(self) -> str:
        return self.machine.name


class _Future:
    """A result that arrives later on the loop (``done``, ``result``, ``add_done_callback``)."""

    def __init__(self) -> None:
        self.done, self.result, self._callbacks = False, None, []

    def set_result(self, value: Any) -> None:
        if not self.done:
            self.done, self.result = True, value
            callbacks, self._callbacks = self._callbacks, []
            for fn in callbacks:
                fn(self)

    def add_done_callback(self, fn) -> None:
        if self.done:
            fn(self)
        else:
            self._callbacks.append(fn)


def _err(message: str) -> errors.StatusError:
    return errors.status("ServiceUnavailable", f"error trying to reach service: {message}", code=503)


def proxy(api: Any, dialer: Dialer | None, loc: Location, method: str, path: str, *, query: str = "",
          user_agent: str = "", body: str = "", timeout: float = 60.0, hops: list | None = None):
    """Open the connection to ``loc`` from the API server and send ``method path?query``.
    Returns a ``Future`` whose result is a :class:`ProxyResponse` (a failure to connect is a 503
    ``Status`` as upstream writes it).  ``hops`` (if given) gets ``(where, what)`` pairs."""
    loop = api.loop
    fut = _Future()
    note = hops.append if hops is not None else (lambda item: None)

    def fail(e: errors.StatusError, after: float) -> None:
        loop.call_later(after, fut.set_result, ProxyResponse(e.code, _status_json(e.status),
                                                             {"Content-Type": "application/json"}), background=True)
    if loc.scheme == "https":
        fail(_err("tls: first record does not look like a TLS handshake"), 0.0005)
        return fut
    port_text = loc.port or "80"
    if port_text.isdigit():
        port = int(port_text)
    elif port_text in NAMED_PORTS:
        port = NAMED_PORTS[port_text]
    else:
        fail(_err(f"dial tcp: lookup tcp/{port_text}: unknown port"), 0.0005)
        return fut
    target = f"{loc.ip}:{port}"
    if dialer is None:
        fail(_err(f"dial tcp {target}: connect: network is unreachable"), 0.0005)
        return fut
    note((f"node {dialer.node}", f"kube-apiserver ({dialer.ip}) dials {target}"
          + (f" (pod {loc.pod})" if loc.pod else "")))
    network = dialer.network
    try:
        route = network.connect(dialer.machine.runtime, dialer.ip, loc.ip, port, "TCP", trace=hops is not None)
    except Exception as e:          # NetError with .kind (and .route)
        kind = getattr(e, "kind", "timeout")
        route = getattr(e, "route", None)
        if hops is not None and route is not None:
            hops.append(("route", route))
        text = {"refused": "connect: connection refused", "unreachable": "connect: no route to host"}.get(kind)
        if text is None:
            fail(_err(f"dial tcp {target}: i/o timeout"), min(DIAL_TIMEOUT, timeout))
        else:
            rtt = 2 * (route.latency if route is not None else 0.0001)
            fail(_err(f"dial tcp {target}: {text}"), max(rtt, 0.0001) if kind == "refused" else 3.0)
        return fut
    if hops is not None:
        hops.append(("route", route))
    proc = route.runtime.listener(route.ip, route.port)
    if proc is None:
        fail(_err(f"dial tcp {target}: connect: connection refused"), max(2 * route.latency, 0.0001))
        if hops is not None:
            hops.append((f"pod {loc.pod}" if loc.pod else f"node {route.node}",
                         f"nothing listens on {route.ip}:{route.port}: RST → connection refused"))
        return fut
    if hops is not None:
        hops.append(("server", proc))
    full = path + (f"?{query}" if query else "")
    inner = network.http(route, method, full, target, timeout=timeout, client_ip=route.client_ip, body=body,
                         user_agent=user_agent or "kube-apiserver")

    def done(f) -> None:
        if f.error is not None:
            kind = getattr(f.error, "kind", "")
            if kind == "reset":
                fut.set_result(_as_response(_err(f"read tcp {dialer.ip}->{target}: read: connection reset by peer")))
            elif kind == "timeout":
                fut.set_result(ProxyResponse(0))      # no answer yet when the client gave up
            else:
                fut.set_result(_as_response(_err(f"dial tcp {target}: {f.error}")))
            return
        resp = f.result
        headers = dict(resp.headers or {})
        headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        fut.set_result(ProxyResponse(resp.status, resp.body, headers))

    inner.add_done_callback(done)
    return fut


def _status_json(status: dict) -> str:
    import json

    return json.dumps(status, separators=(",", ":"))


def _as_response(e: errors.StatusError) -> ProxyResponse:
    return ProxyResponse(e.code, _status_json(e.status), {"Content-Type": "application/json"})


def proxy_sync(api: Any, dialer: Dialer | None, loc: Location, method: str, path: str, **kw: Any) -> ProxyResponse:
    """:func:`proxy`, running the loop until the answer is there (for callers outside the loop,
    such as the HTTP server's request threads holding the simulation)."""
    fut = proxy(api, dialer, loc, method, path, **kw)
    loop = api.loop
    while not fut.done:
        if not loop.step():
            break
    if not fut.done:
        return _as_response(_err(f"dial tcp {loc.host}: i/o timeout"))
    return fut.result


def record(api: Any, component: str, method: str, resource: str, namespace: str, name: str, code: int) -> None:
    """One line in the API server's trace for a proxied request (verb as the audit log has it)."""
    verb = {"GET": "get", "HEAD": "get", "POST": "create", "PUT": "update", "PATCH": "patch",
            "DELETE": "delete"}.get(method.upper(), method.lower())
    api._record(component, verb, api.info(resource), namespace, name, code=code, subresource="proxy")


def split_proxy_path(parts: list[str]) -> tuple[list[str], str | None]:
    """Split a resource path's parts at ``proxy``: (parts up to and including ``proxy``, the rest
    as a path — ``None`` when the URL ended at ``…/proxy`` without a slash)."""
    for i, p in enumerate(parts):
        if p == "proxy" and i >= 2 and parts[i - 2] in ("pods", "services"):
            rest = parts[i + 1:]
            return parts[:i + 1], ("/" + "/".join(rest)) if rest else None
    return parts, None
