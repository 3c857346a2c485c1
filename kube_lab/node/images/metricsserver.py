"""``registry.k8s.io/metrics-server/metrics-server``: the process of the metrics-server add-on.

``/metrics-server`` parses its flags (``--metric-resolution``, the binary's default 60 s;
``--kubelet-insecure-tls``; ``--secure-port``, 10250 in the released manifest), logs the generic
API server's start-up lines, serves ``/livez``, ``/readyz`` and ``/healthz`` on the secure port,
and scrapes every kubelet once at start and then every resolution, logging each node it could
not scrape as ``scraper.go`` does.  The scraping and the storage are the cluster's metrics-server
model (``server``: :class:`kube_lab.controlplane.metricsserver.MetricsServer`, bound when the
add-on is installed); the process is what makes it run — delete the pod and the metrics are gone
until a new one has scraped twice.

``/readyz`` fails (HTTP 500, ``[-]metric-storage-ready failed``) until the storage holds two
points — with kind's self-signed kubelet certificates that never happens without
``--kubelet-insecure-tls``, the classic reason a kind cluster's metrics-server stays 0/1.
"""
from __future__ import annotations

import time as _time
from typing import TYPE_CHECKING, Any, Generator

from .program import Program, Request, Response

if TYPE_CHECKING:  # pragma: no cover
    from ..runtime import Process

MI = 1024 * 1024
VERSION = "v0.7.2"


def _duration(text: str) -> float | None:
    units = (("ms", 0.001), ("h", 3600.0), ("m", 60.0), ("s", 1.0))
    total, rest = 0.0, text.strip()
    if not rest:
        return None
    while rest:
        num = ""
        while rest and (rest[0].isdigit() or rest[0] == "."):
            num, rest = num + rest[0], rest[1:]
        unit = next((u for u in units if rest.startswith(u[0])), None)
        if not num or unit is None:
            return None
        total += float(num) * unit[1]
        rest = rest[len(unit[0]):]
    return total


class MetricsServerProcess(Program):
    """``/metrics-server`` (a Go binary using k8s.io/apiserver)."""

    memory = 18 * MI
    sigterm = "graceful"
    shutdown_seconds = 0.2

    def __init__(self, argv: list[str], image: Any = None, server: Any = None):
        super().__init__(argv, image)
        self.server = server
        self.resolution = 60.0
        self.insecure_tls = False
        self.port = 443

    def _log(self, proc: "Process", level: str, where: str, text: str) -> None:
        t = proc.wallclock()
        micros = int(round((t - int(t)) * 1e6)) % 1000000
        stamp = _time.strftime("%m%d %H:%M:%S", _time.gmtime(int(t))) + f".{micros:06d}"
        proc.stderr(f"{level}{stamp}       1 {where}] {text}\n")

    def _flags(self) -> None:
        for arg in self.argv[1:]:
            name, _, value = arg.lstrip("-").partition("=")
            if name == "metric-resolution":
                d = _duration(value)
                if d is not None:
                    self.resolution = d
            elif name == "kubelet-insecure-tls":
                self.insecure_tls = value.lower() not in ("false", "0", "f")
            elif name == "secure-port" and value.isdigit():
                self.port = int(value)

    def run(self, proc: "Process") -> Generator:
        self._flags()
        proc.set_memory(self.memory)
        self._log(proc, "I", "serving.go:374", "Generated self-signed cert (/tmp/apiserver.crt, /tmp/apiserver.key)")
        yield proc.sleep(0.4)
        self._log(proc, "I", "handler.go:275", "Adding GroupVersion metrics.k8s.io v1beta1 to ResourceManager")
        proc.listen(self.port)
        self._log(proc, "I", "secure_serving.go:213", f"Serving securely on [::]:{self.port}")
        self._log(proc, "I", "tlsconfig.go:243", '"Starting DynamicServingCertificateController"')
        if self.server is not None:
            self.server.attach(proc, self.resolution, self.insecure_tls)
        while True:
            if self.server is not None:
                for failure in self.server.tick(proc):
                    message = "Failed to scrape node, timeout to access kubelet" if failure.timeout \
                        else "Failed to scrape node"
                    extra = ' timeout="10s"' if failure.timeout else ""
                    self._log(proc, "E", "scraper.go:147" if failure.timeout else "scraper.go:149",
                              f'"{message}" err="{_go_escape(failure.error)}" node="{failure.node}"{extra}')
            yield proc.sleep(self.resolution)

    def _ready(self, proc: "Process") -> bool:
        return self.server is not None and self.server.ready(proc)

    def handle(self, proc: "Process", request: Request) -> Response:
        route = request.route
        if route in ("/livez", "/healthz"):
            return Response(200, "ok")
        if route == "/readyz":
            if self._ready(proc):
                return Response(200, "ok")
            checks = ["ping", "log", "poststarthook/max-in-flight-filter",
                      "poststarthook/storage-object-count-tracker-hook", "informer-sync",
                      "metadata-informer-sync"]
            body = "".join(f"[+]{c} ok\n" for c in checks)
            body += "[-]metric-storage-ready failed: reason withheld\n[+]metric-informer-sync ok\n[+]shutdown ok\n"
            body += "readyz check failed\n"
            return Response(500, body)
        return Response(404, '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",'
                             '"message":"the server could not find the requested resource","reason":"NotFound",'
                             '"details":{},"code":404}\n')


def _go_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def image(server: Any = None):
    """The image, its program bound to ``server`` (a cluster's metrics-server model)."""
    from functools import partial

    from . import Image

    return Image("registry.k8s.io/metrics-server/metrics-server", VERSION, 19_494_617,
                 entrypoint=["/metrics-server"],
                 executables={"metrics-server": partial(MetricsServerProcess, server=server)},
                 executables_paths={"metrics-server": "/metrics-server"}, version=VERSION.lstrip("v"),
                 exposed_ports=[10250])


__all__ = ["MetricsServerProcess", "VERSION", "image"]
