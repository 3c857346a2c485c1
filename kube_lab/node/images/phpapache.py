"""``registry.k8s.io/hpa-example``: the php-apache server of the HorizontalPodAutoscaler
walkthrough (kubernetes/website ``content/en/docs/tasks/run-application/
horizontal-pod-autoscale-walkthrough.md``).

The image is ``FROM php:5-apache`` plus one ``index.php`` that runs a CPU-heavy loop before it
answers::

    <?php
      $x = 0.0001;
      for ($i = 0; $i <= 1000000; $i++) {
        $x += sqrt($x);
      }
      echo "OK!";
    ?>

So ``GET /`` answers ``OK!`` after :attr:`PhpApache.loop_cpu` seconds of CPU: under the
walkthrough's 500m limit a request takes twice that, and a steady stream of requests keeps the
container at its limit — which the kubelet's usage statistics (:mod:`kube_lab.node.stats`) and
``kubectl top`` show.  Apache logs its start-up notices on stderr and one access-log line per
request on stdout, as the php:apache images configure it.
"""
from __future__ import annotations

import time as _time
from typing import TYPE_CHECKING, Generator

from .program import AddressInUse, Program, Request, Response

if TYPE_CHECKING:  # pragma: no cover
    from ..runtime import Process

MI = 1024 * 1024
SERVER = "Apache/2.4.10 (Debian)"
#: the image's /var/www/html/index.php
INDEX_PHP = """<?php
  $x = 0.0001;
  for ($i = 0; $i <= 1000000; $i++) {
    $x += sqrt($x);
  }
  echo "OK!";
?>
"""


class PhpApache(Program):
    """``apache2-foreground`` serving ``/var/www/html/index.php`` on port 80."""

    memory = 9 * MI
    #: CPU seconds of the index.php loop (a million ``sqrt`` calls in PHP 5)
    loop_cpu = 0.05
    #: a static file or an error page costs almost nothing
    static_cpu = 0.0002

    def _apache(self, proc: "Process", module: str, text: str) -> None:
        t = proc.wallclock()
        micros = int(round((t - int(t)) * 1e6)) % 1000000
        stamp = (_time.strftime("%a %b %d %H:%M:%S", _time.gmtime(int(t))) + f".{micros:06d} "
                 + _time.strftime("%Y", _time.gmtime(int(t))))
        proc.stderr(f"[{stamp}] [{module}] [pid 1] {text}\n")

    def run(self, proc: "Process") -> Generator:
        proc.set_memory(self.memory)
        for _ in range(2):
            proc.stderr("AH00558: apache2: Could not reliably determine the server's fully qualified domain name, "
                        f"using {proc.pod_ip}. Set the 'ServerName' directive globally to suppress this message\n")
        yield proc.sleep(0.1)
        try:
            proc.listen(80)
        except AddressInUse:
            proc.stderr("(98)Address already in use: AH00072: make_sock: could not bind to address [::]:80\n"
                        "no listening sockets available, shutting down\nAH00015: Unable to open logs\n")
            return 1
        self._apache(proc, "mpm_prefork:notice", f"AH00163: {SERVER} PHP/5.6.23 configured -- resuming normal "
                                                 "operations")
        self._apache(proc, "core:notice", "AH00094: Command line: 'apache2 -D FOREGROUND'")
        yield proc.forever()
        return 0

    def on_signal(self, proc: "Process", sig: str) -> str:
        if sig in ("SIGTERM", "SIGINT"):
            self._apache(proc, "mpm_prefork:notice", "AH00169: caught SIGTERM, shutting down")
            proc.graceful_exit(0.1, 0)
            return "handled"
        if sig == "SIGWINCH":
            self._apache(proc, "mpm_prefork:notice", "AH00170: caught SIGWINCH, shutting down gracefully")
            proc.graceful_exit(0.2, 0)
            return "handled"
        return "default"

    @staticmethod
    def _is_script(request: Request) -> bool:
        return request.route in ("/", "/index.php")

    def cpu_per_request(self, request: Request) -> float:
        """What :func:`kube_lab.node.stats.charge_request` charges for ``request``."""
        return self.loop_cpu if self._is_script(request) else self.static_cpu

    def handle(self, proc: "Process", request: Request) -> Response:
        if self._is_script(request):
            status, body, headers = 200, "OK!", {"Content-Type": "text/html"}
        else:
            status, headers = 404, {"Content-Type": "text/html; charset=iso-8859-1"}
            body = ('<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>404 Not Found'
                    '</title>\n</head><body>\n<h1>Not Found</h1>\n<p>The requested URL '
                    f'{request.route} was not found on this server.</p>\n<hr>\n<address>{SERVER} Server at '
                    f'{request.host or proc.pod_ip} Port {request.port}</address>\n</body></html>\n')
        stamp = _time.strftime("%d/%b/%Y:%H:%M:%S +0000", _time.gmtime(int(proc.wallclock())))
        proc.stdout(f'{request.client_ip} - - [{stamp}] "{request.method} {request.path} HTTP/1.1" {status} '
                    f'{len(body.encode())} "-" "{request.headers.get("User-Agent", request.user_agent)}"\n')
        return Response(status, body, headers)
