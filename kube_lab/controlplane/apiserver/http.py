"""kube-apiserver over HTTP: the simulated API served to the real kubectl and client libraries.

:class:`HTTPAPIServer` serves the in-process :class:`~.server.APIServer` on HTTP/1.1 (plain HTTP,
127.0.0.1 unless asked otherwise) with the REST paths, discovery, OpenAPI and wire formats of
kube-apiserver v1.32 (k8s.io/apiserver/pkg/endpoints): ``/version``, aggregated and legacy
discovery, ``/openapi/v3``, list/get/create/update/patch/delete/deletecollection/watch with their
query parameters, Table and PartialObjectMetadata output, protobuf request bodies, the pod and
scale subresources, server-side apply, bearer-token authentication and ``Status`` errors.

Threads and time.  Each connection has a thread; the simulation stays single-threaded: every
call into it holds :attr:`HTTPAPIServer.lock`.  A clock thread advances virtual time to follow
the wall clock times ``speed`` (the one place in kube-lab that reads the wall clock — serving
to a real client is real time by nature).  :meth:`HTTPAPIServer.pause` stops the clock and holds
the lock for the calling thread, so a notebook can run ``cluster.run()`` or the in-process
kubectl safely; HTTP requests wait until :meth:`resume` (up to ``request_timeout`` seconds, then
``504 Timeout``).  Watches are fed through bounded queues: a client that stops reading has its
watch closed (as upstream's cacher does with unresponsive watchers), so nothing a client does
can stall the simulation.
"""
from __future__ import annotations

import base64
import contextlib
import json
import os
import queue
import secrets
import select
import socket
import ssl
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

import yaml

from ...api import errors
from ...api.registry import ResourceInfo
from ...sim import rawtext
from . import discovery, negotiation, wsstream
from .fieldmanager import FieldManagers
from .negotiation import JSON, YAML, Target

VERSION_INFO = {
    "major": "1",
    "minor": "32",
    "gitVersion": "v1.32.0",                      # what kindest/node:v1.32.0 reports (nodes say v1.32.0)
    "gitCommit": "70d3cc986aa8221cd1dfb1121852688902d3bf53",
    "gitTreeState": "clean",
    "buildDate": "2024-12-11T17:59:15Z",
    "goVersion": "go1.23.3",
    "compiler": "gc",
    "platform": "linux/amd64",
}
MAX_BODY = 3 * 1024 * 1024          # k8s.io/apiserver DefaultMaxRequestBodyBytes
WATCH_QUEUE = 1000                  # events a watch may have waiting before it is closed
DEFAULT_WATCH_TIMEOUT = 1800.0      # --min-request-timeout
BOOKMARK_INTERVAL = 60.0            # upstream sends a bookmark about once a minute
PUBLIC_PATHS = ("/version", "/version/", "/healthz", "/livez", "/readyz")   # system:public-info-viewer
KUBELET_PORT = 10250
# Registries whose DELETE returns the deleted object rather than a Status (ReturnDeletedObject).
RETURNS_DELETED_OBJECT = {"pods", "podtemplates", "serviceaccounts", "persistentvolumes",
                          "persistentvolumeclaims", "services"}
BODY_TYPES = (JSON, YAML, negotiation.PROTOBUF)
PATCH_TYPES = ("application/json-patch+json", "application/merge-patch+json",
               "application/strategic-merge-patch+json", "application/apply-patch+yaml")
APPLY_PATCH = "application/apply-patch+yaml"
NOT_FOUND_MESSAGE = "the server could not find the requested resource"


# ``/openapi/v2``: a Swagger 2.0 document (gnostic's OpenAPIv2 protobuf, the only form kubectl
# reads) with no definitions.  kubectl consults it only for kinds that OpenAPI v3 does not describe
# — for validation, where an unknown kind then passes on to "no matches for kind …" as on a real
# cluster, and for client-side apply patches, where it then uses its compiled-in types.
OPENAPI_V2_EMPTY = (b"\x0a\x032.0"                                        # swagger: "2.0"
                    b"\x12\x15\x0a\x0aKubernetes\x12\x07v1.32.0"          # info: {title, version}
                    b"\x42\x00"                                             # paths: {}
                    b"\x4a\x00")                                            # definitions: {}


def _status_body(reason: str, message: str, code: int, details: dict | None = None) -> dict:
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason}
    if details is not None:
        body["details"] = details
    body["code"] = code
    return body


def _path_not_found() -> errors.StatusError:
    """404 for a path the server does not serve (upstream's NotFound handler adds empty details)."""
    return errors.StatusError(_status_body("NotFound", NOT_FOUND_MESSAGE, 404, {}))


def _unknown_error(message: str, code: int = 500) -> errors.StatusError:
    """A plain error turned into a Status (``ErrorToAPIStatus``): no reason, kubectl prints
    ``Error from server: <message>``."""
    return errors.StatusError({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                               "message": message, "code": code})


def _json(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


class _RequestInfo:
    """What a resource path names (``k8s.io/apiserver/pkg/endpoints/request.RequestInfo``)."""

    __slots__ = ("group", "version", "namespace", "resource", "name", "subresource", "watch_path", "info")

    def __init__(self) -> None:
        self.group = self.version = self.namespace = self.resource = self.name = self.subresource = ""
        self.watch_path = False
        self.info: ResourceInfo | None = None


class HTTPAPIServer:
    """The API server of a cluster on an HTTP port.

    ``apiserver`` is the cluster's :class:`~.server.APIServer`.  ``port=0`` picks a free port.
    ``speed`` is virtual seconds per wall-clock second while serving (0 freezes the clock).
    ``kubelets(node_name)`` returns the node's kubelet (for ``pods/log``) or None.
    Use :meth:`start` / :meth:`stop` (or ``with``), :attr:`url`, :attr:`token`,
    :meth:`write_kubeconfig`, and :meth:`pause` / :meth:`resume` / :meth:`paused`.
    """

    def __init__(self, apiserver, *, host: str = "127.0.0.1", port: int = 0, speed: float = 1.0,
                 token: str | None = None, kubelets: Callable[[str], Any] | None = None,
                 cluster_name: str = "kube-lab", request_timeout: float = 60.0, tick: float = 0.02,
                 tls: bool = True):
        if speed < 0:
            raise ValueError("speed must be >= 0")
        self.apiserver = apiserver
        self.loop = apiserver.loop
        self.host = host
        self.speed = float(speed)
        self.token = token or secrets.token_urlsafe(24)
        self.kubelets = kubelets
        self.cluster_name = cluster_name
        self.request_timeout = request_timeout
        self.tick = tick
        self.lock = threading.RLock()
        self.field_managers = FieldManagers()
        self.kubeconfig_path: str | None = None
        self._openapi = None
        self._discovery_cache: dict[str, bytes] = {}
        self._stopping = threading.Event()
        self._paused = False
        self._pause_owner: int | None = None
        self._pause_depth = 0
        self._wall0 = 0.0
        self._virt0 = 0.0
        self._connections: set[socket.socket] = set()
        self._watches = 0                      # open watch streams (stop() lets them end cleanly)
        self._conn_lock = threading.Lock()
        self.tls = tls
        self.cert = None
        if tls:
            from .certs import serving_cert

            self.cert = serving_cert(host)
        self._httpd = _Server((host, port), _Handler, self)
        self.port = self._httpd.server_address[1]
        self._serve_thread: threading.Thread | None = None
        self._clock_thread: threading.Thread | None = None

    # ---------------------------------------------------------------------------------------
    # life cycle
    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        if host in ("0.0.0.0", "[::]"):
            host = "127.0.0.1"
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    def start(self) -> "HTTPAPIServer":
        if self._serve_thread is not None:
            return self
        self._rebase()
        self._serve_thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                              name=f"kube-lab-http:{self.port}", daemon=True)
        self._serve_thread.start()
        self._clock_thread = threading.Thread(target=self._clock, name=f"kube-lab-clock:{self.port}", daemon=True)
        self._clock_thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: open watches end, connections close, the port is released."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        if self._serve_thread is not None:
            self._httpd.shutdown()
        self._httpd.server_close()
        deadline = time.monotonic() + 2.0
        while self._watches and time.monotonic() < deadline:
            time.sleep(0.02)
        with self._conn_lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._clock_thread is not None:
            self._clock_thread.join(timeout=5)
        if self._serve_thread is not None:
            self._serve_thread.join(timeout=5)
        while self._pause_depth and self._pause_owner == threading.get_ident():
            self.resume()

    close = stop

    def __enter__(self) -> "HTTPAPIServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def serving(self) -> bool:
        return self._serve_thread is not None and not self._stopping.is_set()

    # ---------------------------------------------------------------------------------------
    # the clock
    def _rebase(self) -> None:
        self._wall0 = time.monotonic()
        self._virt0 = self.loop.now

    def _clock(self) -> None:
        while not self._stopping.wait(self.tick):
            if self._paused or not self.lock.acquire(timeout=0.2):
                continue
            try:
                if self._paused or self._stopping.is_set():
                    continue
                target = self._virt0 + (time.monotonic() - self._wall0) * self.speed
                if target > self.loop.now:
                    self.loop.run_until(target)
                else:
                    self.loop.run_until(self.loop.now)   # deliver what is due now (watch events)
            except Exception:  # a simulation bug must not kill the server; show it
                traceback.print_exc()
            finally:
                self.lock.release()

    def pause(self) -> None:
        """Stop the clock and hold the lock for this thread: the simulation is the caller's
        (``cluster.run()``, the in-process kubectl …) until :meth:`resume`; HTTP requests wait."""
        self.lock.acquire()
        self._pause_depth += 1
        self._pause_owner = threading.get_ident()
        self._paused = True

    def resume(self) -> None:
        """Restart the clock from wherever virtual time now stands and let requests in again."""
        if not self._pause_depth or self._pause_owner != threading.get_ident():
            raise RuntimeError("resume() without a matching pause() in this thread")
        self._pause_depth -= 1
        if not self._pause_depth:
            self._pause_owner = None
            self._rebase()
            self._paused = False
        self.lock.release()

    @contextlib.contextmanager
    def paused(self):
        """``with server.paused(): cluster.run(30)``."""
        self.pause()
        try:
            yield self
        finally:
            self.resume()

    @contextlib.contextmanager
    def _sim(self):
        """Hold the simulation for one API call (504 Timeout if it stays paused too long)."""
        if not self.lock.acquire(timeout=self.request_timeout):
            raise errors.status("Timeout", "Timeout: request did not complete within the allotted timeout")
        try:
            yield
        finally:
            self.lock.release()

    # ---------------------------------------------------------------------------------------
    # kubeconfig
    def kubeconfig(self, context: str = "kube-lab") -> dict:
        user = f"{context}-admin"
        return {
            "apiVersion": "v1", "kind": "Config", "preferences": {},
            "clusters": [{"name": context, "cluster": self._cluster_entry()}],
            "users": [{"name": user, "user": {"token": self.token}}],
            "contexts": [{"name": context, "context": {"cluster": context, "user": user}}],
            "current-context": context,
        }

    def _cluster_entry(self) -> dict:
        entry: dict = {}
        if self.cert is not None:
            entry["certificate-authority-data"] = base64.b64encode(self.cert.cert_pem.encode()).decode()
        entry["server"] = self.url
        return entry

    def ssl_context(self):
        """A client-side TLS context that trusts this server (None when serving plain HTTP)."""
        return self.cert.client_context() if self.cert is not None else None

    def write_kubeconfig(self, path: str, context: str = "kube-lab") -> str:
        """Write a kubeconfig (cluster, bearer-token user, context ``kube-lab``); returns the
        absolute path.  The file is readable by its owner only, as it holds the token."""
        path = os.path.abspath(os.path.expanduser(path))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            yaml.safe_dump(self.kubeconfig(context), f, sort_keys=False)
        self.kubeconfig_path = path
        return path

    # ---------------------------------------------------------------------------------------
    # documents computed once
    def discovery_document(self, key: str) -> bytes | None:
        if key not in self._discovery_cache:
            res = list(self.apiserver.resources())
            doc: Any
            if key == "agg:/api":
                doc = discovery.aggregated(res, legacy=True)
            elif key == "agg:/apis":
                doc = discovery.aggregated(res, legacy=False)
            elif key == "agg1:/api":
                doc = discovery.aggregated(res, legacy=True, version="v2beta1")
            elif key == "agg1:/apis":
                doc = discovery.aggregated(res, legacy=False, version="v2beta1")
            elif key == "/api":
                doc = discovery.api_versions(f"{self.host}:{self.port}")
            elif key == "/apis":
                doc = discovery.api_group_list(res)
            else:
                parts = key.strip("/").split("/")
                if parts[0] == "api" and len(parts) == 2:
                    doc = discovery.api_resource_list(res, "", parts[1])
                elif parts[0] == "apis" and len(parts) == 2:
                    doc = discovery.api_group(res, parts[1])
                elif parts[0] == "apis" and len(parts) == 3:
                    doc = discovery.api_resource_list(res, parts[1], parts[2])
                else:
                    doc = None
            self._discovery_cache[key] = None if doc is None else _json(doc)
        return self._discovery_cache[key]

    @property
    def openapi(self):
        if self._openapi is None:
            from .openapi import OpenAPIV3

            self._openapi = OpenAPIV3(self.apiserver.resources())
        return self._openapi

    # connections (so that stop() can close the idle ones)
    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._conn_lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, handler, lab: HTTPAPIServer):
        self.lab = lab
        super().__init__(address, handler)

    def get_request(self):
        conn, addr = super().get_request()
        if self.lab.cert is not None:   # the TLS handshake happens on the connection's own thread
            conn = self.lab.cert.context().wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        return conn, addr

    def process_request(self, request, client_address):
        self.lab._track(request, True)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        self.lab._track(request, False)
        super().shutdown_request(request)

    def handle_error(self, request, client_address):  # pragma: no cover - logged, never fatal
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, socket.timeout, OSError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kube-lab"
    sys_version = ""
    timeout = 120            # an idle or stalled connection is dropped after this many seconds
    server: _Server

    # ---------------------------------------------------------------------------------------
    # plumbing
    def setup(self) -> None:
        self.request.settimeout(self.timeout)
        if hasattr(self.request, "do_handshake"):
            self.request.do_handshake()
        super().setup()

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionError, socket.timeout, ssl.SSLError, OSError):
            self.close_connection = True

    def send_response(self, code: int, message: str | None = None) -> None:
        """Status line and Date, as Go's net/http writes them (no Server header)."""
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Malformed requests (bad request line, headers …) get a Status, not HTML."""
        reasons = {400: "BadRequest", 404: "NotFound", 405: "MethodNotAllowed", 408: "Timeout",
                   413: "RequestEntityTooLarge", 414: "RequestEntityTooLarge", 431: "BadRequest",
                   501: "MethodNotAllowed", 505: "BadRequest"}
        self.close_connection = True
        if getattr(self, "request_version", "HTTP/0.9") == "HTTP/0.9":
            self.request_version = "HTTP/1.1"      # always answer with a status line and headers
        if not hasattr(self, "command") or self.command is None:
            self.command = "GET"
        try:
            self._reply(code, _json(_status_body(reasons.get(code, "InternalError"), message or "bad request",
                                                 code)), JSON)
        except OSError:
            pass

    def _reply(self, code: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, private")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_status(self, status: dict, warnings: list[str] | None = None) -> None:
        code = int(status.get("code") or 500)
        self._reply(code, _json(status), JSON, self._warning_headers(warnings))

    @staticmethod
    def _warning_headers(warnings: list[str] | None) -> dict:
        # one header per warning is what upstream sends; http.server allows repeated keys only
        # through send_header, so they are joined the way RFC 7234 allows (comma-separated)
        if not warnings:
            return {}
        return {"Warning": ", ".join('299 - "' + w.replace("\\", "\\\\").replace('"', '\\"') + '"'
                                     for w in warnings)}

    def _send_object(self, code: int, obj: Any, target: Target | None = None,
                     warnings: list[str] | None = None) -> None:
        target = target or Target()
        if target.format == "yaml":
            body = yaml.safe_dump(obj, sort_keys=False, allow_unicode=True).encode()
        else:
            body = _json(obj)
        self._reply(code, body, target.content_type, self._warning_headers(warnings))

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            total = 0
            while True:
                line = self.rfile.readline(65537)
                try:
                    size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                except ValueError:
                    self.close_connection = True
                    raise errors.bad_request("malformed chunked encoding") from None
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += size
                if total > MAX_BODY:
                    self.close_connection = True
                    raise errors.status("RequestEntityTooLarge", f"Request entity too large: limit is {MAX_BODY}")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)
            return b"".join(chunks)
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            n = int(length)
            if n < 0:
                raise ValueError
        except ValueError:
            self.close_connection = True
            raise errors.bad_request(f"invalid Content-Length: {length}") from None
        if n > MAX_BODY:
            self.close_connection = True
            raise errors.status("RequestEntityTooLarge", f"Request entity too large: limit is {MAX_BODY}")
        data = self.rfile.read(n)
        if len(data) != n:
            self.close_connection = True
            raise errors.bad_request("unexpected EOF while reading the request body")
        return data

    @property
    def lab(self) -> HTTPAPIServer:
        return self.server.lab

    @property
    def component(self) -> str:
        """The trace name of the client: the user-agent's product (``kubectl``, ``OpenAPI-Generator``)."""
        ua = self.headers.get("User-Agent") or ""
        product = ua.split("/", 1)[0].strip()
        return product or "http-client"

    # ---------------------------------------------------------------------------------------
    # entry points
    def do_GET(self) -> None:
        self._handle()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def do_OPTIONS(self) -> None:
        self._handle()

    def _handle(self) -> None:
        body_read = False
        try:
            url = urlsplit(self.path)
            raw_path = url.path or "/"
            query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            multi = parse_qs(url.query, keep_blank_values=True)
            if raw_path not in PUBLIC_PATHS and not self._authorized():
                self._read_body()
                body_read = True
                raise errors.status("Unauthorized", "Unauthorized")
            body = self._read_body()
            body_read = True
            self._route(raw_path, query, multi, body)
        except errors.StatusError as e:
            if not body_read:
                self.close_connection = True
            self._safe_send_status(e.status)
        except (ConnectionError, socket.timeout, BrokenPipeError):
            self.close_connection = True
        except Exception as e:  # never a traceback to the client, never a dead thread
            traceback.print_exc()
            self.close_connection = True
            self._safe_send_status(errors.internal(f"{type(e).__name__}: {e}").status)

    def _safe_send_status(self, status: dict) -> None:
        try:
            self._send_status(status)
        except OSError:
            self.close_connection = True

    def _authorized(self) -> bool:
        auth = self.headers.get("Authorization") or ""
        scheme, _, credentials = auth.partition(" ")
        return scheme.lower() == "bearer" and secrets.compare_digest(credentials.strip(), self.lab.token)

    # ---------------------------------------------------------------------------------------
    # routing
    def _route(self, path: str, query: dict, multi: dict, body: bytes) -> None:
        method = self.command
        if path in ("/version", "/version/"):
            return self._send_object(200, VERSION_INFO)
        if path in ("/healthz", "/livez", "/readyz"):
            return self._reply(200, b"ok", "text/plain; charset=utf-8")
        if path.startswith("/openapi/"):
            return self._openapi(path, method)
        parts = [unquote(p) for p in path.strip("/").split("/")] if path.strip("/") else []
        if not parts or parts[0] not in ("api", "apis"):
            raise _path_not_found()
        if method == "OPTIONS":
            return self._reply(200, b"", "text/plain")
        # discovery
        if parts == ["api"] or parts == ["apis"]:
            if method not in ("GET", "HEAD"):
                raise self._method_not_allowed()
            return self._discovery("/" + parts[0])
        if parts[0] == "api" and len(parts) == 2 or parts[0] == "apis" and len(parts) in (2, 3):
            if method not in ("GET", "HEAD"):
                raise self._method_not_allowed()
            doc = self.lab.discovery_document("/" + "/".join(parts))
            if doc is None:
                raise _path_not_found()
            return self._reply(200, doc, JSON)
        if parts[:4] == ["apis", "apiextensions.k8s.io", "v1", "customresourcedefinitions"] and len(parts) == 4 \
                and method == "GET" and query.get("watch") not in ("true", "1"):
            # kubectl's validation asks whether an unknown kind might be a custom resource; the
            # simulator serves no CustomResourceDefinitions, so the answer is an empty list
            with self.lab._sim():
                rv = str(self.lab.apiserver.etcd.revision)
            return self._send_object(200, {"kind": "CustomResourceDefinitionList",
                                           "apiVersion": "apiextensions.k8s.io/v1",
                                           "metadata": {"resourceVersion": rv}, "items": []})
        if len(parts) >= 7 and parts[:3] == ["api", "v1", "namespaces"] and parts[4] in ("pods", "services") \
                and parts[6] == "proxy":
            return self._proxy(parts, path, body)
        ri = self._request_info(parts)
        return self._resource(ri, method, query, multi, body)

    def _method_not_allowed(self) -> errors.StatusError:
        return errors.StatusError(_status_body("MethodNotAllowed", "the server does not allow this method on "
                                               "the requested resource", 405, {}))

    def _discovery(self, which: str) -> None:
        accept = negotiation.parse_accept(self.headers.get("Accept"))
        for mt in accept:
            if mt.type == JSON and mt.params.get("as") == "APIGroupDiscoveryList" \
                    and mt.params.get("g") == "apidiscovery.k8s.io" and mt.params.get("v") in ("v2", "v2beta1"):
                v2 = mt.params["v"] == "v2"
                doc = self.lab.discovery_document(("agg:" if v2 else "agg1:") + which)
                ctype = discovery.AGGREGATED_V2 if v2 else discovery.AGGREGATED_V2BETA1
                return self._reply(200, doc, ctype, {"Vary": "Accept"})
            if mt.type in (JSON, "*/*", "application/*") and "as" not in mt.params:
                break
        return self._reply(200, self.lab.discovery_document(which), JSON, {"Vary": "Accept"})

    def _openapi(self, path: str, method: str) -> None:
        if method not in ("GET", "HEAD"):
            raise self._method_not_allowed()
        if path.rstrip("/") == "/openapi/v3":
            return self._reply(200, self.lab.openapi.root(), JSON)
        if path.startswith("/openapi/v3/"):
            doc = self.lab.openapi.document(path[len("/openapi/v3/"):])
            if doc is not None:
                return self._reply(200, doc, JSON, {"Cache-Control": "public, immutable"} if "hash=" in self.path else None)
        if path.rstrip("/") == "/openapi/v2":
            return self._reply(200, OPENAPI_V2_EMPTY, "application/com.github.proto-openapi.spec.v2.v1.0+protobuf")
        raise _path_not_found()

    def _request_info(self, parts: list[str]) -> _RequestInfo:
        ri = _RequestInfo()
        if parts[0] == "api":
            ri.version = parts[1]
            rest = parts[2:]
        else:
            ri.group, ri.version = parts[1], parts[2]
            rest = parts[3:]
        if rest and rest[0] == "watch":
            ri.watch_path = True
            rest = rest[1:]
        if not rest:
            raise _path_not_found()
        if rest[0] == "namespaces" and len(rest) >= 3 and rest[2] not in ("status", "finalize"):
            ri.namespace = rest[1]
            rest = rest[2:]
        ri.resource = rest[0]
        if len(rest) > 1:
            ri.name = rest[1]
        if len(rest) > 2:
            ri.subresource = rest[2]
        if len(rest) > 3 or not ri.resource:
            raise _path_not_found()
        registry = self.lab.apiserver.registry
        info = registry.get(ri.resource) if "." not in ri.resource and registry.has(ri.resource) else None
        if info is None or info.group != ri.group or info.version != ri.version:
            raise _path_not_found()
        if ri.namespace and not info.namespaced:
            raise _path_not_found()
        if ri.subresource and ri.subresource not in info.subresources:
            raise _path_not_found()
        ri.info = info
        return ri

    # ---------------------------------------------------------------------------------------
    # resources
    def _resource(self, ri: _RequestInfo, method: str, query: dict, multi: dict, body: bytes) -> None:
        info = ri.info
        assert info is not None
        if ri.watch_path or (method == "GET" and not ri.name and query.get("watch") in ("true", "1")):
            if method != "GET" or ri.name:
                raise self._method_not_allowed()
            return self._watch(ri, query)
        if ri.subresource in ("exec", "attach", "portforward"):
            if method not in ("GET", "POST"):
                raise self._method_not_allowed()
            return self._stream_subresource(ri, query, multi)
        if ri.subresource == "log":
            if method not in ("GET", "HEAD"):
                raise self._method_not_allowed()
            return self._log(ri, query)
        if ri.subresource == "proxy":
            raise errors.status("ServiceUnavailable", "the lab server does not proxy to simulated "
                                f"{info.resource}: their addresses exist only inside the simulation", code=503)
        if info.namespaced and not ri.namespace and (ri.name or method not in ("GET", "HEAD")):
            if ri.name:
                raise _path_not_found()
            raise self._method_not_allowed()
        if method in ("GET", "HEAD"):
            return self._get_or_list(ri, query)
        if method == "POST":
            if ri.name and not ri.subresource:
                raise self._method_not_allowed()
            return self._create(ri, query, body)
        if method == "PUT":
            if not ri.name:
                raise self._method_not_allowed()
            return self._update(ri, query, body)
        if method == "PATCH":
            if not ri.name:
                raise self._method_not_allowed()
            return self._patch(ri, query, body)
        if method == "DELETE":
            if ri.subresource:
                raise self._method_not_allowed()
            if not ri.name:
                return self._delete_collection(ri, query, body)
            return self._delete(ri, query, body)
        raise self._method_not_allowed()

    # -- parameters ---------------------------------------------------------------------------
    @staticmethod
    def _dry_run(query: dict) -> bool:
        value = query.get("dryRun")
        if value is None or value == "":
            return False
        if value != "All":
            raise errors.bad_request(f"Invalid dry run value: {errors.go_quote(value)}: supported values: "
                                     '"All"')  # field.NotSupported in ValidateDryRun
        return True

    @staticmethod
    def _field_validation(query: dict) -> str:
        value = query.get("fieldValidation", "") or "Warn"   # the server's default since v1.27
        if value not in ("Ignore", "Warn", "Strict"):
            raise errors.bad_request(f"fieldValidation: Unsupported value: {errors.go_quote(value)}: supported "
                                     'values: "Ignore", "Strict", "Warn"')
        return value

    @staticmethod
    def _int_param(query: dict, name: str) -> int | None:
        value = query.get(name)
        if value is None or value == "":
            return None
        try:
            return int(value)
        except ValueError:
            raise errors.bad_request(f"invalid value for {name}: {errors.go_quote(value)}") from None

    def _field_manager(self, query: dict) -> str:
        manager = query.get("fieldManager") or ""
        if len(manager) > 128:
            raise errors.bad_request("fieldManager: Too long: may not be more than 128 bytes")
        return manager or self.component

    def _decode_body(self, body: bytes, info: ResourceInfo | None = None) -> Any:
        """A request body by its Content-Type (none → JSON)."""
        ctype = negotiation.media_type_of(self.headers.get("Content-Type"))
        if ctype == negotiation.PROTOBUF:
            from .protobuf import decode

            return decode(body)
        if ctype not in (JSON, YAML):
            raise errors.unsupported_media_type(ctype, BODY_TYPES)
        if not body.strip():
            raise errors.bad_request("Object 'Kind' is missing in ''" if info is not None else "empty body")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise errors.bad_request("the request body is not valid UTF-8") from None
        try:
            if ctype == YAML:
                return yaml.safe_load(text)
            return json.loads(text)
        except json.JSONDecodeError as e:
            raise errors.bad_request(f"couldn't get version/kind; json parse error: {_go_json_error(text, e)}") from None
        except yaml.YAMLError as e:
            raise errors.bad_request(f"error converting YAML to JSON: {e}") from None

    def _target(self, list_request: bool, allow_transform: bool = True) -> Target:
        return negotiation.negotiate(self.headers.get("Accept"), tables=negotiation.tables_available(),
                                     list_request=list_request, allow_transform=allow_transform)

    def _now(self) -> float:
        return self.lab.apiserver.epoch + self.lab.loop.now

    def _warnings_since(self, mark: int) -> list[str]:
        return list(self.lab.apiserver.warnings[mark:])

    def _out(self, info: ResourceInfo, obj: Any) -> Any:
        return self.lab.field_managers.attach(info, obj)

    # -- read -------------------------------------------------------------------------------
    def _get_or_list(self, ri: _RequestInfo, query: dict) -> None:
        info = ri.info
        api = self.lab.apiserver
        target = self._target(list_request=not ri.name, allow_transform=not ri.subresource)
        include = negotiation.table_options(query) if target.transform == "Table" else "Metadata"
        if ri.name:
            with self.lab._sim():
                obj = api.get(info.resource, ri.name, ri.namespace or None, subresource=ri.subresource,
                              component=self.component)
            if target.transform == "Table":
                table = negotiation.to_table(info.resource, [self._out(info, obj)], self._now(), include,
                                             target.version, resource_version=obj["metadata"].get("resourceVersion", ""))
                return self._send_object(200, table, target)
            if target.transform == "PartialObjectMetadata":
                return self._send_object(200, negotiation.partial_metadata(self._out(info, obj), target.version), target)
            return self._send_object(200, self._out(info, obj), target)
        limit = self._int_param(query, "limit")
        with self.lab._sim():
            lst = api.list(info.resource, ri.namespace or None, label_selector=query.get("labelSelector") or None,
                           field_selector=query.get("fieldSelector") or None, limit=limit or None,
                           continue_=query.get("continue") or None,
                           resource_version=query.get("resourceVersion") or None,
                           resource_version_match=query.get("resourceVersionMatch") or None,
                           component=self.component)
        items = [self._out(info, o) for o in lst["items"]]
        if target.transform == "Table":
            table = negotiation.to_table(info.resource, items, self._now(), include, target.version,
                                         resource_version=lst["metadata"].get("resourceVersion", ""),
                                         continue_=lst["metadata"].get("continue", ""))
            if "remainingItemCount" in lst["metadata"]:
                table["metadata"]["remainingItemCount"] = lst["metadata"]["remainingItemCount"]
            return self._send_object(200, table, target)
        if target.transform == "PartialObjectMetadataList":
            return self._send_object(200, negotiation.partial_metadata_list({**lst, "items": items}, target.version),
                                     target)
        # the real server sends list items without kind/apiVersion
        stripped = [{k: v for k, v in o.items() if k not in ("kind", "apiVersion")} for o in items]
        return self._send_object(200, {**lst, "items": stripped}, target)

    # -- watch ------------------------------------------------------------------------------
    def _watch(self, ri: _RequestInfo, query: dict) -> None:
        info = ri.info
        api = self.lab.apiserver
        target = self._target(list_request=True)
        if target.transform.startswith("PartialObjectMetadata"):
            target = Target(target.format, "PartialObjectMetadata", target.version)
        include = negotiation.table_options(query) if target.transform == "Table" else "Metadata"
        timeout = self._int_param(query, "timeoutSeconds")
        duration = float(timeout) if timeout and timeout > 0 else DEFAULT_WATCH_TIMEOUT
        bookmarks = query.get("allowWatchBookmarks") in ("true", "1")
        send_initial = query.get("sendInitialEvents") in ("true", "1")
        rv = query.get("resourceVersion") or None
        if send_initial:
            problems = []
            if query.get("resourceVersionMatch") != "NotOlderThan":
                problems.append(errors.forbidden_field(
                    "resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
            if not bookmarks:
                problems.append(errors.forbidden_field(
                    "allowWatchBookmarks", "sendInitialEvents requires setting allowWatchBookmarks to true"))
            if problems:
                raise errors.invalid("ListOptions", "", problems, "meta.k8s.io")
            rv = None
        events: queue.Queue = queue.Queue()
        state = {"overflow": False, "closed": False, "limit": WATCH_QUEUE}
        watch_ref: list = []

        def handler(event_type: str, obj: dict) -> None:     # runs on the simulation thread
            if state["closed"]:
                return
            if events.qsize() >= state["limit"]:
                state["overflow"] = True
                state["closed"] = True
                if watch_ref:
                    watch_ref[0].stop()
                return
            events.put((event_type, obj))

        error_event = None
        initial = 0
        start_rv = ""
        with self.lab._sim():
            try:
                w = api.watch(info.resource, handler, ri.namespace or None,
                              label_selector=query.get("labelSelector") or None,
                              field_selector=query.get("fieldSelector") or None,
                              resource_version=rv, component=self.component)
                watch_ref.append(w)
                initial = len(w.buffer)
                state["limit"] = WATCH_QUEUE + initial
                start_rv = str(api.etcd.revision)
            except errors.StatusError as e:
                if e.code != 410:
                    raise
                error_event = e.status
        self.send_response(200)
        self.send_header("Content-Type", target.content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        self.wfile.flush()
        headers_sent = [False]

        def encode(event_type: str, obj: dict) -> bytes:
            if event_type in ("ERROR", "BOOKMARK"):
                payload = obj
            elif target.transform == "Table":
                payload = negotiation.to_table(info.resource, [self._out(info, obj)], self._now(), include,
                                               target.version, no_headers=headers_sent[0],
                                               resource_version=obj["metadata"].get("resourceVersion", ""))
                headers_sent[0] = True
            elif target.transform == "PartialObjectMetadata":
                payload = negotiation.partial_metadata(obj, target.version)
            else:
                payload = self._out(info, obj)
            if target.format == "yaml":
                return yaml.safe_dump({"type": event_type, "object": payload}, sort_keys=False).encode() + b"---\n"
            return _json({"type": event_type, "object": payload}) + b"\n"

        def write(data: bytes) -> None:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        def bookmark(rv_text: str, initial_end: bool = False) -> dict:
            md: dict = {"resourceVersion": rv_text, "creationTimestamp": None}
            if initial_end:
                md["annotations"] = {"k8s.io/initial-events-end": "true"}
            return {"kind": info.kind, "apiVersion": info.api_version, "metadata": md}

        deadline = time.monotonic() + duration
        last_sent = time.monotonic()
        sent = 0
        with self.lab._conn_lock:
            self.lab._watches += 1
        try:
            if error_event is not None:
                write(encode("ERROR", error_event))
                return
            if send_initial and initial == 0:
                write(encode("BOOKMARK", bookmark(start_rv, True)))
            while not self.lab._stopping.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    event_type, obj = events.get(timeout=min(remaining, 0.5))
                except queue.Empty:
                    if state["overflow"] or self._client_gone():
                        break
                    if bookmarks and time.monotonic() - last_sent >= BOOKMARK_INTERVAL:
                        write(encode("BOOKMARK", bookmark(str(api.etcd.revision))))
                        last_sent = time.monotonic()
                    continue
                write(encode(event_type, obj))
                sent += 1
                last_sent = time.monotonic()
                if send_initial and sent == initial:
                    write(encode("BOOKMARK", bookmark(start_rv, True)))
        except (OSError, ValueError):
            self.close_connection = True
        finally:
            state["closed"] = True
            if watch_ref:
                with self.lab.lock:
                    watch_ref[0].stop()
            if not self.close_connection:
                try:
                    self.wfile.write(b"0\r\n\r\n")
                    self.wfile.flush()
                except OSError:
                    self.close_connection = True
            if self.lab._stopping.is_set():
                self.close_connection = True
            with self.lab._conn_lock:
                self.lab._watches -= 1

    def _client_gone(self) -> bool:
        """True when the client has closed its end (a readable socket with nothing to read)."""
        conn = self.connection
        try:
            readable, _, _ = select.select([conn], [], [], 0)
            if not readable:
                return False
            if not isinstance(conn, ssl.SSLSocket):
                return conn.recv(1, socket.MSG_PEEK) == b""
            conn.setblocking(False)
            try:
                return conn.recv(1) == b""        # a watch client sends nothing: data is discarded
            except (ssl.SSLWantReadError, BlockingIOError):
                return False
            finally:
                conn.settimeout(self.timeout)
        except (OSError, ValueError):
            return True

    # -- write ------------------------------------------------------------------------------
    def _create(self, ri: _RequestInfo, query: dict, body: bytes) -> None:
        info = ri.info
        api = self.lab.apiserver
        dry = self._dry_run(query)
        fv = self._field_validation(query)
        manager = self._field_manager(query)
        target = self._target(list_request=False, allow_transform=False)
        obj = self._decode_body(body, info)
        if ri.subresource or info.resource == "bindings":
            if info.resource == "bindings":      # POST …/bindings: the legacy form of pods/binding
                name = (obj.get("metadata") or {}).get("name", "") if isinstance(obj, dict) else ""
                resource, sub = "pods", "binding"
            else:
                name, resource, sub = ri.name, info.resource, ri.subresource
            if not isinstance(obj, dict):
                raise errors.bad_request("Object 'Kind' is missing")
            with self.lab._sim():
                out = api.create(resource, obj, ri.namespace or None, subresource=sub, name=name, dry_run=dry,
                                 component=self.component)
            return self._send_object(201, out, target)
        if isinstance(obj, dict) and ri.namespace:
            md = obj.get("metadata")
            if isinstance(md, dict) and md.get("namespace") and md["namespace"] != ri.namespace:
                raise errors.bad_request("the namespace of the provided object does not match the namespace "
                                         "sent on the request")
        with self.lab._sim():
            mark = len(api.warnings)
            out = api.create(info.resource, obj, ri.namespace or None, dry_run=dry, field_validation=fv,
                             component=self.component, owned=True)
            warnings = self._warnings_since(mark)
            if not dry:
                self.lab.field_managers.record_update(info, None, out, manager, api.timestamp())
        return self._send_object(201, self._out(info, out), target, warnings)

    def _update(self, ri: _RequestInfo, query: dict, body: bytes) -> None:
        info = ri.info
        api = self.lab.apiserver
        dry = self._dry_run(query)
        fv = self._field_validation(query)
        manager = self._field_manager(query)
        target = self._target(list_request=False, allow_transform=False)
        obj = self._decode_body(body, info)
        if not isinstance(obj, dict):
            raise errors.bad_request("Object 'Kind' is missing")
        md = obj.get("metadata")
        if md is None:
            md = obj["metadata"] = {}
        if not isinstance(md, dict):
            raise errors.bad_request("metadata must be an object")
        if md.get("name", "") != ri.name:
            raise errors.bad_request(f"the name of the object ({md.get('name', '')}) does not match the name on "
                                     f"the URL ({ri.name})")
        if ri.subresource == "scale" and not (obj.get("kind") in (None, "Scale")):
            raise errors.bad_request(f"{obj.get('kind')} in version \"v1\" cannot be handled as a Scale")
        if ri.subresource == "scale":
            obj.setdefault("kind", "Scale")
        with self.lab._sim():
            mark = len(api.warnings)
            old = api.storage_get(info.resource, ri.namespace, ri.name)
            out = api.update(info.resource, obj, ri.namespace or None, subresource=ri.subresource, dry_run=dry,
                             field_validation=fv, component=self.component)
            warnings = self._warnings_since(mark)
            if not dry and ri.subresource != "scale":
                self.lab.field_managers.record_update(info, old, out, manager, api.timestamp(), ri.subresource)
            elif not dry:
                new = api.storage_get(info.resource, ri.namespace, ri.name)
                if new is not None:
                    self.lab.field_managers.record_update(info, old, new, manager, api.timestamp(), "scale")
        code = 201 if old is None and not ri.subresource else 200
        return self._send_object(code, out if ri.subresource == "scale" else self._out(info, out), target, warnings)

    def _patch(self, ri: _RequestInfo, query: dict, body: bytes) -> None:
        info = ri.info
        api = self.lab.apiserver
        ctype = negotiation.media_type_of(self.headers.get("Content-Type"))
        if ctype not in PATCH_TYPES:
            raise errors.unsupported_media_type(ctype, PATCH_TYPES)
        dry = self._dry_run(query)
        fv = self._field_validation(query)
        force = query.get("force") in ("true", "1")
        if "force" in query and ctype != APPLY_PATCH:
            raise errors.bad_request("force flag may only be set for apply patches")
        manager = query.get("fieldManager") or ""
        if ctype == APPLY_PATCH and not manager:
            raise errors.bad_request("fieldManager: Required value: is required for apply patch")  # ValidatePatchOptions
        manager = manager or self.component
        target = self._target(list_request=False, allow_transform=False)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise errors.bad_request("the request body is not valid UTF-8") from None
        patch: Any
        try:
            patch = yaml.safe_load(text) if ctype == APPLY_PATCH else json.loads(text)
        except json.JSONDecodeError as e:
            raise errors.bad_request(f"error decoding patch: {_go_json_error(text, e)}") from None
        except yaml.YAMLError as e:
            raise errors.bad_request(f"error decoding YAML: {e}") from None
        with self.lab._sim():
            mark = len(api.warnings)
            old = api.storage_get(info.resource, ri.namespace, ri.name)
            if ctype == APPLY_PATCH:
                if not isinstance(patch, dict):
                    raise errors.bad_request("error decoding YAML: the applied configuration is not an object")
                applied = patch
                md = applied.get("metadata") if isinstance(applied.get("metadata"), dict) else {}
                if md.get("name") not in (None, ri.name):
                    raise errors.bad_request(f"the name of the object ({md.get('name')}) does not match the name on "
                                             f"the URL ({ri.name})")
                if ri.subresource:
                    raise errors.status("UnsupportedMediaType", "apply patches are not supported on this "
                                        "subresource by the lab server", code=415)
                self.lab.field_managers.check_apply(info, old, applied, manager, force)
                applied = {**applied, "metadata": {**md, "name": ri.name}}
                if info.namespaced:
                    applied["metadata"].setdefault("namespace", ri.namespace)
                out = api.patch(info.resource, ri.name, applied, ctype, ri.namespace or None, dry_run=dry,
                                field_validation=fv, field_manager=manager, force=force, component=self.component)
                if not dry:
                    self.lab.field_managers.record_apply(info, applied, out, manager, api.timestamp(), force)
            else:
                out = api.patch(info.resource, ri.name, patch, ctype, ri.namespace or None,
                                subresource=ri.subresource, dry_run=dry, field_validation=fv,
                                field_manager=manager, component=self.component)
                if not dry:
                    new = api.storage_get(info.resource, ri.namespace, ri.name) if ri.subresource == "scale" else out
                    if new is not None:
                        self.lab.field_managers.record_update(info, old, new, manager, api.timestamp(), ri.subresource)
            warnings = self._warnings_since(mark)
        code = 201 if ctype == APPLY_PATCH and old is None else 200
        result = out if ri.subresource == "scale" else self._out(info, out)
        return self._send_object(code, result, target, warnings)

    def _delete_options(self, query: dict, body: bytes) -> dict:
        opts: dict = {}
        if body.strip():
            decoded = self._decode_body(body)
            if decoded is not None and not isinstance(decoded, dict):
                raise errors.bad_request("DeleteOptions must be an object")
            opts = dict(decoded or {})
        if "gracePeriodSeconds" in query:
            opts["gracePeriodSeconds"] = self._int_param(query, "gracePeriodSeconds")
        if query.get("propagationPolicy"):
            opts["propagationPolicy"] = query["propagationPolicy"]
        if query.get("orphanDependents"):
            opts["orphanDependents"] = query["orphanDependents"] in ("true", "1")
        if query.get("dryRun"):
            opts["dryRun"] = [query["dryRun"]]
        grace = opts.get("gracePeriodSeconds")
        if grace is not None and (not isinstance(grace, int) or isinstance(grace, bool)):
            raise errors.bad_request("DeleteOptions.gracePeriodSeconds must be an integer")
        dry = opts.get("dryRun") or []
        if dry and dry != ["All"]:
            raise errors.bad_request(f"Invalid dry run value: {dry}")
        return opts

    def _delete(self, ri: _RequestInfo, query: dict, body: bytes) -> None:
        info = ri.info
        api = self.lab.apiserver
        opts = self._delete_options(query, body)
        target = self._target(list_request=False, allow_transform=False)
        with self.lab._sim():
            out = api.delete(info.resource, ri.name, ri.namespace or None,
                             grace_period_seconds=opts.get("gracePeriodSeconds"),
                             propagation_policy=opts.get("propagationPolicy"),
                             orphan_dependents=opts.get("orphanDependents"),
                             preconditions=opts.get("preconditions"), dry_run=bool(opts.get("dryRun")),
                             component=self.component)
            still_there = api.storage_get(info.resource, ri.namespace, ri.name) is not None
            if not still_there and not opts.get("dryRun"):
                self.lab.field_managers.forget(info, ri.namespace, ri.name)
        if still_there or info.resource in RETURNS_DELETED_OBJECT or opts.get("dryRun"):
            code = 202 if still_there and opts.get("orphanDependents") is False else 200
            return self._send_object(code, self._out(info, out), target)
        md = out.get("metadata") or {}
        details: dict = {"name": md.get("name", ri.name)}
        if info.group:
            details["group"] = info.group
        details["kind"] = info.resource
        details["uid"] = md.get("uid", "")
        return self._send_object(200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                                       "details": details}, target)

    def _delete_collection(self, ri: _RequestInfo, query: dict, body: bytes) -> None:
        info = ri.info
        api = self.lab.apiserver
        if info.namespaced and not ri.namespace:
            raise self._method_not_allowed()
        opts = self._delete_options(query, body)
        if opts.get("dryRun"):
            raise errors.bad_request("dryRun is not supported by the lab server for deletecollection")
        target = self._target(list_request=True, allow_transform=False)
        with self.lab._sim():
            if "deletecollection" not in info.verbs:
                raise errors.method_not_allowed(info.resource, "deletecollection", info.group)
            deleted = api.delete_collection(info.resource, ri.namespace or None,
                                            label_selector=query.get("labelSelector") or None,
                                            field_selector=query.get("fieldSelector") or None,
                                            grace_period_seconds=opts.get("gracePeriodSeconds"),
                                            propagation_policy=opts.get("propagationPolicy"),
                                            component=self.component)
            rv = str(api.etcd.revision)
        items = [{k: v for k, v in o.items() if k not in ("kind", "apiVersion")} for o in deleted]
        return self._send_object(200, {"kind": info.list_kind, "apiVersion": info.api_version,
                                       "metadata": {"resourceVersion": rv}, "items": items}, target)

    # -- pods/log, exec, attach, portforward -------------------------------------------------
    def _pod_and_container(self, ri: _RequestInfo, container: str, check_container: bool) -> tuple[dict, str]:
        pod = self.lab.apiserver.get("pods", ri.name, ri.namespace or None, component=self.component)
        if not check_container:
            return pod, container
        spec = pod.get("spec") or {}
        containers = spec.get("containers") or []
        all_names = [c.get("name", "") for c in (spec.get("initContainers") or [])] + \
                    [c.get("name", "") for c in containers] + \
                    [c.get("name", "") for c in (spec.get("ephemeralContainers") or [])]
        if not container:
            if len(containers) == 1:
                return pod, containers[0].get("name", "")
            if not containers:
                raise errors.bad_request(f"a container name must be specified for pod {ri.name}")
            raise errors.bad_request(f"a container name must be specified for pod {ri.name}, choose one of: "
                                     f"[{' '.join(all_names)}]")
        if container not in all_names:
            raise errors.bad_request(f"container {container} is not valid for pod {ri.name}")
        return pod, container

    def _node_address(self, node_name: str) -> tuple[str, int]:
        """The kubelet's address (``--kubelet-preferred-address-types``: InternalIP first, as
        kubeadm configures it) and port (``status.daemonEndpoints.kubeletEndpoint``)."""
        node = self.lab.apiserver.storage_get("nodes", "", node_name) or {}
        status = node.get("status") or {}
        addresses = status.get("addresses") or []
        host = node_name
        for kind in ("InternalIP", "ExternalIP", "Hostname"):
            found = next((a.get("address") for a in addresses if a.get("type") == kind and a.get("address")), None)
            if found:
                host = found
                break
        port = (((status.get("daemonEndpoints") or {}).get("kubeletEndpoint") or {}).get("Port")) or KUBELET_PORT
        return host, int(port)

    def _kubelet(self, node_name: str):
        if self.lab.kubelets is None:
            return None
        try:
            return self.lab.kubelets(node_name)
        except Exception:
            return None

    def _log(self, ri: _RequestInfo, query: dict) -> None:
        for name in ("sinceSeconds", "tailLines", "limitBytes"):
            value = self._int_param(query, name)
            if value is not None and value < (1 if name != "tailLines" else 0):
                raise errors.invalid("PodLogOptions", "", [errors.invalid_value(
                    name, value, "must be greater than 0" if name != "tailLines" else "must be greater than or equal to 0")])
        with self.lab._sim():
            pod, container = self._pod_and_container(ri, query.get("container", ""), True)
            node_name = (pod.get("spec") or {}).get("nodeName") or ""
            if not node_name:
                text = None
            else:
                kubelet = self._kubelet(node_name)
                opts = {"follow": query.get("follow") in ("true", "1"),
                        "previous": query.get("previous") in ("true", "1"),
                        "timestamps": query.get("timestamps") in ("true", "1"),
                        "since_seconds": self._int_param(query, "sinceSeconds"),
                        "since_time": query.get("sinceTime") or None,
                        "tail_lines": self._int_param(query, "tailLines"),
                        "limit_bytes": self._int_param(query, "limitBytes")}
                logs = getattr(kubelet, "container_logs", None) if kubelet is not None else None
                if logs is None:
                    host, port = self._node_address(node_name)
                    raise self._kubelet_unreachable("Get", host, port,
                                                    f"/containerLogs/{ri.namespace}/{ri.name}/{container}",
                                                    {k: v for k, v in (("follow", opts["follow"]),
                                                                       ("previous", opts["previous"]),
                                                                       ("timestamps", opts["timestamps"]))
                                                     if v})
                text = logs(ri.namespace, ri.name, container, **opts)
        data = b"" if text is None else (rawtext.to_bytes(text) if isinstance(text, str) else bytes(text))
        self._reply(200, data, "text/plain")

    @staticmethod
    def _kubelet_unreachable(verb: str, host: str, port: int, path: str, params: dict) -> errors.StatusError:
        """The error kube-apiserver reports when it cannot dial the kubelet."""
        q = "?" + urlencode(sorted((k, "true" if v is True else str(v)) for k, v in params.items())) if params else ""
        return _unknown_error(f'{verb} "https://{host}:{port}{quote(path)}{q}": dial tcp {host}:{port}: '
                              "connect: connection refused")

    def _stream_subresource(self, ri: _RequestInfo, query: dict, multi: dict) -> None:
        """exec / attach / portforward: upstream upgrades the connection (SPDY or WebSocket) and
        proxies it to the kubelet.  ``exec`` and ``attach`` over a WebSocket (what kubectl speaks
        since v1.30) run in the simulated container (:meth:`_exec`, :meth:`_attach`); for
        ``portforward`` this server has no streaming kubelet endpoint, so it answers what
        kube-apiserver answers when it cannot dial the kubelet."""
        with self.lab._sim():
            pod, container = self._pod_and_container(ri, query.get("container", ""), ri.subresource != "portforward")
            node_name = (pod.get("spec") or {}).get("nodeName") or ""
            if not node_name:
                raise errors.bad_request(f"pod {ri.name} does not have a host assigned")
            host, port = self._node_address(node_name)
            kubelet = self._kubelet(node_name)
        target = {"exec": "exec_target", "attach": "attach_target"}.get(ri.subresource)
        if target is not None and kubelet is not None and hasattr(kubelet, target) and hasattr(kubelet, "terminal"):
            with self.lab._sim():
                try:
                    getattr(kubelet, target)(ri.namespace, ri.name, container)
                except errors.StatusError as e:
                    prefix = "unable to upgrade connection: "
                    if not e.message.startswith(prefix):
                        raise
                    # the kubelet refuses before upgrading; its plain-text answer comes back
                    # through the proxy and kubectl prefixes it again ("unable to upgrade …")
                    return self._reply(400, e.message[len(prefix):].encode(), "text/plain; charset=utf-8")
            protocol = wsstream.choose_protocol(self.headers.get("Sec-WebSocket-Protocol"))
            if wsstream.is_upgrade(self.headers) and protocol is not None:
                if ri.subresource == "exec":
                    return self._exec(ri, query, multi, kubelet, container, protocol)
                return self._attach(ri, query, kubelet, container, protocol)
        raise _unknown_error(f"error dialing backend: dial tcp {host}:{port}: connect: connection refused")

    @staticmethod
    def _stream_flags(query: dict) -> dict[str, bool]:
        """``stdin``/``stdout``/``stderr``/``tty`` of PodExecOptions and PodAttachOptions; the
        kubelet refuses a request that wants none of the three streams."""
        flags = {name: query.get(name) in ("true", "1") for name in ("stdin", "stdout", "stderr", "tty")}
        if not (flags["stdin"] or flags["stdout"] or flags["stderr"]):
            raise errors.bad_request("you must specify at least 1 of stdin, stdout, stderr")
        return flags

    def _upgrade(self, protocol: str) -> wsstream.Conn:
        """Switch the connection to a WebSocket speaking ``protocol``."""
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", wsstream.accept_key(self.headers.get("Sec-WebSocket-Key") or ""))
        self.send_header("Sec-WebSocket-Protocol", protocol)
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        self.request.settimeout(None)
        return wsstream.Conn(self.rfile, self.wfile)

    def _end_session(self, conn: wsstream.Conn, session: wsstream.ExecSession | None, status: dict) -> None:
        """The status on the error stream, our close frame, then the connection's end."""
        try:
            conn.send_status(status)
        except OSError:               # the client is already gone
            pass
        conn.close()
        if session is not None:
            session.finish(self.request)

    def _exec(self, ri: _RequestInfo, query: dict, multi: dict, kubelet, container: str, protocol: str) -> None:
        """``kubectl exec`` over ``v5.channel.k8s.io``: switch protocols, then run the command in
        the container while the served clock runs, sending its output as it is written and the
        status on the error stream at the end.  Piped stdin (``-i``) is collected until kubectl
        closes it; with a terminal (``-it``) and a shell, the session is interactive
        (:class:`wsstream.ExecSession` plays the terminal's line discipline)."""
        argv = multi.get("command") or []
        if not argv:
            raise errors.bad_request("you must specify at least 1 command")
        flag = self._stream_flags(query)
        conn = self._upgrade(protocol)
        tty = flag["tty"]
        interactive = tty and flag["stdin"] and wsstream.is_interactive_shell(argv)
        stdin = None
        if flag["stdin"] and not interactive:
            data, connected = wsstream.read_stdin(conn, protocol)
            if not connected:
                return
            stdin = rawtext.from_bytes(data)      # bytes kept: kubectl cp sends a tar archive
        session = wsstream.ExecSession(conn, tty=tty, stdout=flag["stdout"], stderr=flag["stderr"])
        try:
            with self.lab._sim():
                if interactive:
                    stdin = kubelet.terminal()
                    session.connect_stdin(stdin)
                fut = kubelet.exec_async(ri.namespace, ri.name, container, argv, stdin, session.output)
            session.start_reader()          # keystrokes, or kubectl going away (Ctrl-C)
            stayed = self._pump(lambda: fut.done, session)
            if stayed:
                with self.lab._sim():
                    _out, err, code = kubelet.exec_outcome(fut)
        except errors.StatusError as e:
            return self._end_session(conn, session, e.status)
        if not stayed:              # the client went away
            session.finish(self.request, timeout=0)
            return
        self._end_session(conn, session,
                          wsstream.success_status() if code == 0 else wsstream.exit_code_status(argv, code, err))

    def _attach(self, ri: _RequestInfo, query: dict, kubelet, container: str, protocol: str) -> None:
        """``kubectl attach`` (and ``kubectl run -i``/``-it``) over ``v5.channel.k8s.io``: join the
        container's main process — its output from now on (not earlier: that is in the log), and
        with ``stdin`` the client's keystrokes into the container's stdin.  The terminal is the
        container's own (``tty`` in its spec, whatever the request says, as the kubelet decides);
        its echo is part of the container's output.  The session ends with ``Success`` when the
        main process exits or the client is detached (its stdin ended and the container keeps its
        own, see :class:`~kube_lab.node.runtime.Attachment`); a client going away is detached."""
        flag = self._stream_flags(query)
        conn = self._upgrade(protocol)
        session: wsstream.ExecSession | None = None
        try:
            with self.lab._sim():
                attachment = kubelet.attach(ri.namespace, ri.name, container,
                                            lambda stream, text: session.output(stream, text), stdin=flag["stdin"])
                session = wsstream.ExecSession(conn, tty=attachment.tty, stdout=flag["stdout"],
                                               stderr=flag["stderr"])
                if attachment.stream is not None:
                    loop = self.lab.loop
                    session.connect_stdin(attachment.stream, on_end=attachment.stdin_ended,
                                          echo=lambda text: attachment.echo(text, loop.now))
        except errors.StatusError as e:
            return self._end_session(conn, session, e.status)
        session.start_reader()
        stayed = self._pump(lambda: attachment.done, session)
        with self.lab._sim():
            attachment.detach()
        if not stayed:
            session.finish(self.request, timeout=0)
            return
        self._end_session(conn, session, wsstream.success_status())

    def _pump(self, done: Callable[[], bool], session: wsstream.ExecSession) -> bool:
        """Run a streaming session until ``done()`` while the served clock runs (stepping virtual
        time when the clock is frozen), passing output and keystrokes along; False if the client
        disconnected first."""
        lab = self.lab
        while True:
            with lab._sim():
                finished = done()
                if lab.speed <= 0 and not finished:
                    if session.waiting_for_input():
                        lab.loop.run_until(lab.loop.now)   # a frozen clock: only what is due now
                    else:
                        lab.loop.step()
                pending = session.take_input()
                session.deliver(pending)
                finished = done()
            session.flush()
            if session.gone:
                return False
            if finished:
                return True
            session.wait(0.02)

    # -- pods/proxy, services/proxy ---------------------------------------------------------
    def _proxy(self, parts: list[str], raw_path: str, body: bytes) -> None:
        """``…/pods/NAME[:PORT]/proxy/PATH`` and ``…/services/NAME[:PORT]/proxy/PATH``: the
        request is sent on to the pod through the simulated network (see :mod:`.proxy`)."""
        from . import proxy as proxying

        ns, resource, name = parts[3], parts[4], parts[5]
        segs = raw_path.split("/")
        rest = None if len(segs) <= 8 else "/" + "/".join(segs[8:])
        query = urlsplit(self.path).query
        if rest is None and self.command in ("GET", "HEAD"):
            resp = proxying.redirect(raw_path, query)
        else:
            with self.lab._sim():
                api = self.lab.apiserver
                try:
                    loc = proxying.locate(api, resource, ns, name, self.component)
                except errors.StatusError as e:
                    proxying.record(api, self.component, self.command, resource, ns, name, e.code)
                    raise
                resp = proxying.proxy_sync(api, self._proxy_dialer(), loc, self.command, rest or "/", query=query,
                                           user_agent=self.headers.get("User-Agent") or "",
                                           body=body.decode(errors="replace"), timeout=self.request_timeout_virtual)
                proxying.record(api, self.component, self.command, resource, ns, name, resp.status or 504)
            if not resp.status:
                raise errors.status("Timeout", "Timeout: request did not complete within the allotted timeout")
        headers = {k: v for k, v in resp.headers.items() if k.lower() != "content-type"}
        self._reply(resp.status, resp.body.encode(), resp.headers.get("Content-Type", "text/plain; charset=utf-8"),
                    headers)

    @property
    def request_timeout_virtual(self) -> float:
        return float(self.lab.request_timeout)

    def _proxy_dialer(self):
        """The API server's dialer: the control-plane node's network stack (found through the
        kubelets' machines, or ``lab.network`` when set)."""
        from .proxy import Dialer

        network = getattr(self.lab, "network", None)
        if network is None:
            for node in self.lab.apiserver.storage_list("nodes"):
                kubelet = self._kubelet(node["metadata"]["name"])
                network = getattr(getattr(kubelet, "runtime", None), "network", None)
                if network is not None:
                    break
        return Dialer.find(self.lab.apiserver, network)


def _go_json_error(text: str, e: json.JSONDecodeError) -> str:
    """Go's encoding/json message for a syntax error, where the patch module knows it."""
    try:
        from ...api.patch import _go_syntax_error

        return _go_syntax_error(text, e)
    except Exception:  # pragma: no cover - best effort
        return f"invalid character at offset {e.pos}"


def serve(apiserver, **kw: Any) -> HTTPAPIServer:
    """Start serving ``apiserver`` (see :class:`HTTPAPIServer` for the options)."""
    return HTTPAPIServer(apiserver, **kw).start()
