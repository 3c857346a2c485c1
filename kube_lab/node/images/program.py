"""What runs inside a simulated container: programs, and the API a lesson uses to write one.

A container's main process is a :class:`Program`.  Its :meth:`Program.run` is a generator that
runs on the virtual clock: it ``yield``\\ s what it waits for (``proc.sleep(2)``, a request's
future), writes its log lines with ``proc.stdout(...)``, listens on ports with
``proc.listen(8080)`` and ends by returning its exit code.  The ``proc`` argument is the
runtime's process handle (:class:`kube_lab.node.runtime.Process`); everything a program may do
goes through it:

======================================  =========================================================
``proc.argv``, ``proc.env``             the command line and environment the runtime built
``proc.hostname``, ``proc.pod_ip``      what ``hostname`` and ``hostname -i`` would say
``proc.fs``                             the container's files (image + volumes), see ``fs.py``
``proc.stdout(t)``, ``proc.stderr(t)``  write output (the container log, or the exec session)
``proc.sleep(s)``                       ``yield proc.sleep(5)``: wait five virtual seconds
``proc.compute(cpu_s)``                 ``yield`` it: CPU work, slower under a CPU limit
``proc.listen(port)``                   bind a port in the pod's network namespace
``proc.set_memory(bytes)``              resident memory; over the container's limit → OOMKilled
``proc.http(url, ...)``                 ``resp = yield proc.http("http://10.244.1.3/")``
``proc.exit(code)``                     end the process (from a signal or request handler)
``proc.now``, ``proc.wallclock()``      virtual seconds since the cluster started / Unix time
======================================  =========================================================

Signals follow Linux: the runtime sends the image's ``StopSignal`` (``SIGTERM`` unless the image
says otherwise), then ``SIGKILL`` when the grace period ends.  A process that installed no
handler for a signal dies of it (exit code 128 + signal number, e.g. 143 for SIGTERM) — **except
PID 1**, the container's main process, for which the kernel drops such signals: a plain
``sleep 3600`` as PID 1 ignores SIGTERM and is only stopped by SIGKILL (exit 137) when the grace
period ends.  :attr:`Program.sigterm` declares what a program does.

To give a lesson its own image, subclass :class:`Program` (or :class:`WebServer` for a web app)
and register it: ``cluster.registry.define("lesson/hello:1.0", HelloServer)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generator

if TYPE_CHECKING:  # pragma: no cover
    from ..runtime import Process

SIGNALS = {
    "SIGHUP": 1, "SIGINT": 2, "SIGQUIT": 3, "SIGKILL": 9, "SIGUSR1": 10, "SIGUSR2": 12,
    "SIGTERM": 15, "SIGCHLD": 17, "SIGCONT": 18, "SIGSTOP": 19, "SIGWINCH": 28,
}
SIGNAL_NAMES = {v: k for k, v in SIGNALS.items()}

REASONS = {
    200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently", 302: "Found",
    304: "Not Modified", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 500: "Internal Server Error", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Timeout",
}


@dataclass
class Request:
    """An HTTP request as a server program sees it."""
    method: str = "GET"
    path: str = "/"
    headers: dict = field(default_factory=dict)
    body: str = ""
    host: str = ""
    port: int = 80
    client_ip: str = ""
    user_agent: str = "Wget"

    @property
    def query(self) -> dict:
        from urllib.parse import parse_qs, urlsplit

        return {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}

    @property
    def route(self) -> str:
        return self.path.split("?", 1)[0]


@dataclass
class Response:
    """An HTTP response; ``delay`` is how long the server takes to answer (virtual seconds)."""
    status: int = 200
    body: str = ""
    headers: dict = field(default_factory=dict)
    delay: float = 0.0

    @property
    def reason(self) -> str:
        return REASONS.get(self.status, "")


class NetError(Exception):
    """A connection that failed: ``kind`` is ``refused``, ``timeout``, ``unreachable`` or
    ``reset``; ``str()`` is the Go-style text the kubelet's prober prints after ``dial tcp …:``."""

    TEXT = {"refused": "connect: connection refused", "timeout": "i/o timeout",
            "unreachable": "connect: no route to host", "reset": "read: connection reset by peer"}

    def __init__(self, kind: str, ip: str = "", port: int = 0):
        super().__init__(self.TEXT.get(kind, kind))
        self.kind = kind
        self.ip = ip
        self.port = port


class DNSError(Exception):
    """A name that did not resolve: ``kind`` is ``nxdomain`` or ``timeout`` (no server answered)."""

    def __init__(self, kind: str, name: str = ""):
        super().__init__(kind)
        self.kind = kind
        self.name = name


class AddressInUse(Exception):
    def __init__(self, port: int):
        super().__init__(f"listen tcp :{port}: bind: address already in use")
        self.port = port


class Exit(Exception):
    """``raise Exit(3)`` inside :meth:`Program.run` ends the process with that code."""

    def __init__(self, code: int = 0):
        super().__init__(code)
        self.code = code


class Program:
    """Base class of every simulated program.

    Override :meth:`run` (the process's life), optionally :meth:`handle` (HTTP requests on the
    ports it listens on), :meth:`on_signal` and :meth:`grpc_health`.
    """

    #: what the process does on SIGTERM/SIGINT/SIGQUIT/SIGHUP when it has no special handling:
    #: ``"ignore"`` — no handler (as PID 1 the signal is dropped; elsewhere it dies of it),
    #: ``"exit"`` — dies of the signal (128 + signal number) even as PID 1 (it installed a
    #: handler that re-raises, or runs under an init such as tini),
    #: ``"graceful"`` — finishes in :attr:`shutdown_seconds` and exits 0.
    sigterm = "ignore"
    shutdown_seconds = 0.0
    #: resident memory once started (bytes); :meth:`Process.set_memory` changes it later
    memory = 4 * 1024 * 1024

    def __init__(self, argv: list[str], image: Any = None):
        self.argv = list(argv)
        self.image = image

    def run(self, proc: "Process") -> Generator:
        """The process's life; return its exit code."""
        yield proc.forever()
        return 0

    def handle(self, proc: "Process", request: Request) -> Response:
        return Response(404, "404 page not found\n")

    def grpc_health(self, proc: "Process", service: str) -> str | None:
        """gRPC health checking protocol: ``"SERVING"``, ``"NOT_SERVING"``… or None when the
        program does not serve gRPC health at all."""
        return None

    def on_signal(self, proc: "Process", sig: str) -> str:
        """React to a signal.  Return ``"default"`` to let the kernel apply the default action
        (dropped for PID 1, death otherwise), ``"handled"`` when the program dealt with it."""
        if sig not in ("SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP"):
            return "default"
        if self.sigterm == "exit":
            proc.exit(128 + SIGNALS[sig])
            return "handled"
        if self.sigterm == "graceful":
            proc.graceful_exit(self.shutdown_seconds, 0)
            return "handled"
        return "default"


class WebServer(Program):
    """A small HTTP service for lessons: set :attr:`port`, :attr:`startup_seconds`,
    :attr:`memory`, :attr:`sigterm` and override :meth:`respond`.

    >>> class Hello(WebServer):
    ...     port = 8080
    ...     startup_seconds = 3
    ...     def respond(self, proc, request):
    ...         return f"hello from {proc.hostname}\\n"
    """

    port = 8080
    startup_seconds = 0.0
    #: a line written to the log once listening (``{port}`` is replaced)
    banner = "listening on :{port}"
    #: log one line per request
    access_log = False
    sigterm = "exit"

    def run(self, proc: "Process") -> Generator:
        proc.set_memory(self.memory)
        if self.startup_seconds:
            yield proc.sleep(self.startup_seconds)
        proc.listen(self.port)
        if self.banner:
            proc.stdout(self.banner.format(port=self.port) + "\n")
        yield proc.forever()
        return 0

    def handle(self, proc: "Process", request: Request) -> Response:
        out = self.respond(proc, request)
        if self.access_log:
            proc.stdout(f"{request.client_ip} {request.method} {request.path}\n")
        if isinstance(out, Response):
            return out
        return Response(200, str(out))

    def respond(self, proc: "Process", request: Request) -> Response | str:
        return "ok\n"
