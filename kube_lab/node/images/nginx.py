"""The official ``nginx`` image: ``/docker-entrypoint.sh`` (1.19 and later) then ``nginx -g
'daemon off;'``.

* serves files from ``/usr/share/nginx/html`` (so an ``emptyDir`` mounted there, filled by an
  init container, is what it serves) on the port of the ``listen`` directive in
  ``/etc/nginx/conf.d/*.conf`` (80);
* writes one access-log line per request to stdout (``log_format main`` plus
  ``$http_x_forwarded_for``) and its notices to stderr (1.19 and later log at ``notice``);
* ``SIGQUIT`` — the image's ``STOPSIGNAL`` since 1.21 — is a graceful shutdown, ``SIGTERM`` and
  ``SIGINT`` a fast one; both end with exit code 0;
* a second nginx in the same pod cannot bind port 80: ``bind() … failed (98: Address already
  in use)``, exit 1.
"""
from __future__ import annotations

import re
import time as _time
from typing import TYPE_CHECKING, Generator

from ..fs import FSError
from .program import SIGNALS, AddressInUse, Program, Request, Response

if TYPE_CHECKING:  # pragma: no cover
    from ..runtime import Process

WELCOME_OLD = """<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
    body {
        width: 35em;
        margin: 0 auto;
        font-family: Tahoma, Verdana, Arial, sans-serif;
    }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
"""

WELCOME = """<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
"""

DEFAULT_CONF = """server {
    listen       80;
    listen  [::]:80;
    server_name  localhost;

    location / {
        root   /usr/share/nginx/html;
        index  index.html index.htm;
    }

    error_page   500 502 503 504  /50x.html;
    location = /50x.html {
        root   /usr/share/nginx/html;
    }
}
"""

ENTRYPOINT_LINES = (
    "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
    "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
    "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
    "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
    "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh",
    "/docker-entrypoint.sh: Configuration complete; ready for start up",
)


def _error_page(code: int, reason: str, version: str) -> str:
    return (f"<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n"
            f"<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx/{version}</center>\r\n"
            "</body>\r\n</html>\r\n")


class DockerEntrypoint(Program):
    """``/docker-entrypoint.sh``: runs the configuration scripts when the command is nginx,
    then ``exec``\\ s the command (same PID)."""

    memory = 2 * 1024 * 1024

    def run(self, proc: "Process") -> Generator:
        args = self.argv[1:]
        if args and args[0] in ("nginx", "nginx-debug"):
            quiet = proc.env.get("NGINX_ENTRYPOINT_QUIET_LOGS")
            if not quiet:
                for line in ENTRYPOINT_LINES:
                    proc.stdout(line + "\n")
        yield proc.sleep(0.05)
        program = proc.runtime.program_for(proc.image, args)
        if program is None:
            proc.stderr(f"/docker-entrypoint.sh: exec: line 47: {args[0] if args else ''}: not found\n")
            return 127
        proc.argv = list(args)
        self.program = program
        proc.program = program     # exec: the same process now runs nginx
        code = yield from program.run(proc)
        return code


class Nginx(Program):
    """``nginx -g 'daemon off;'`` (master + workers, one per CPU)."""

    memory = 8 * 1024 * 1024

    def __init__(self, argv, image=None):
        super().__init__(argv, image)
        self.version = getattr(image, "version", "1.25.5") or "1.25.5"
        self.notices = tuple(int(x) for x in self.version.split(".")[:2]) >= (1, 19)
        self.workers: list[int] = []
        self.started = 0.0
        self.stopping = False

    # logging -------------------------------------------------------------------------------
    def _stamp(self, proc: "Process") -> str:
        return _time.strftime("%Y/%m/%d %H:%M:%S", _time.gmtime(int(proc.wallclock())))

    def notice(self, proc: "Process", pid: int, text: str) -> None:
        if self.notices:
            proc.stderr(f"{self._stamp(proc)} [notice] {pid}#{pid}: {text}\n")

    def ports(self, proc: "Process") -> list[int]:
        found: list[int] = []
        try:
            names = proc.fs.listdir("/etc/nginx/conf.d")
        except FSError:
            names = []
        for name in names:
            if not name.endswith(".conf"):
                continue
            try:
                text = proc.fs.read("/etc/nginx/conf.d/" + name)
            except FSError:
                continue
            for m in re.finditer(r"^\s*listen\s+(?:[\d.]+:)?(\d+)", text, re.M):
                port = int(m.group(1))
                if port not in found:
                    found.append(port)
        return found or [80]

    # life ------------------------------------------------------------------------------------
    def run(self, proc: "Process") -> Generator:
        proc.set_memory(self.memory)
        yield proc.sleep(0.02)
        pid = proc.pid
        for port in self.ports(proc):
            try:
                proc.listen(port)
            except AddressInUse:
                stamp = self._stamp(proc)
                for _ in range(5):
                    proc.stderr(f"{stamp} [emerg] {pid}#{pid}: bind() to 0.0.0.0:{port} failed (98: Address already in use)\n")
                    proc.stderr(f"nginx: [emerg] bind() to 0.0.0.0:{port} failed (98: Address already in use)\n")
                    yield proc.sleep(0.5)
                proc.stderr(f"{self._stamp(proc)} [emerg] {pid}#{pid}: still could not bind()\n")
                proc.stderr("nginx: [emerg] still could not bind()\n")
                return 1
        self.started = proc.now
        self.notice(proc, pid, 'using the "epoll" event method')
        self.notice(proc, pid, f"nginx/{self.version}")
        if self.notices:
            proc.stderr(f"{self._stamp(proc)} [notice] {pid}#{pid}: built by gcc 12.2.0 (Debian 12.2.0-14) \n")
        self.notice(proc, pid, f"OS: Linux {proc.uname()['release']}")
        self.notice(proc, pid, "getrlimit(RLIMIT_NOFILE): 1048576:1048576")
        self.notice(proc, pid, "start worker processes")
        base = 29 if self.notices else 6
        self.workers = [base + i for i in range(int(proc.runtime.cpus))]
        for w in self.workers:
            self.notice(proc, pid, f"start worker process {w}")
        proc.set_memory(self.memory + 2 * 1024 * 1024 * len(self.workers))
        yield proc.forever()
        return 0

    def on_signal(self, proc: "Process", sig: str) -> str:
        pid = proc.pid
        if sig == "SIGHUP":
            self.notice(proc, pid, "signal 1 (SIGHUP) received from 1, reconfiguring")
            return "handled"
        if sig not in ("SIGQUIT", "SIGTERM", "SIGINT"):
            return "default"
        if self.stopping:
            return "handled"
        self.stopping = True
        num = SIGNALS[sig]
        if sig == "SIGQUIT":
            self.notice(proc, pid, f"signal {num} (SIGQUIT) received, shutting down")
            for w in self.workers:
                self.notice(proc, w, "gracefully shutting down")
        else:
            self.notice(proc, pid, f"signal {num} ({sig}) received, exiting")
        for w in self.workers:
            self.notice(proc, w, "exiting")
            self.notice(proc, w, "exit")
        for w in self.workers:
            self.notice(proc, pid, f"signal 17 (SIGCHLD) received from {w}")
            self.notice(proc, pid, f"worker process {w} exited with code 0")
        self.notice(proc, pid, "exit")
        proc.graceful_exit(0.01, 0)
        return "handled"

    # serving -----------------------------------------------------------------------------
    def handle(self, proc: "Process", request: Request) -> Response:
        root = "/usr/share/nginx/html"
        route = request.route
        status, body = 200, ""
        path = root + route
        fs = proc.fs
        try:
            if fs.isdir(path):
                if not route.endswith("/"):
                    status, body = 301, _error_page(301, "Moved Permanently", self.version)
                else:
                    for index in ("index.html", "index.htm"):
                        if fs.exists(path + index) and not fs.isdir(path + index):
                            body = fs.read(path + index)
                            break
                    else:
                        status, body = 403, _error_page(403, "Forbidden", self.version)
            else:
                body = fs.read(path)
        except FSError:
            status, body = 404, _error_page(404, "Not Found", self.version)
        if request.method == "HEAD":
            size = 0
        else:
            size = len(body.encode())
        stamp = _time.strftime("%d/%b/%Y:%H:%M:%S +0000", _time.gmtime(int(proc.wallclock())))
        agent = request.headers.get("User-Agent", request.user_agent) or "-"
        proc.stdout(f'{request.client_ip or "127.0.0.1"} - - [{stamp}] "{request.method} {request.path} HTTP/1.1" '
                    f'{status} {size} "-" "{agent}" "-"\n')
        return Response(status, body if request.method != "HEAD" else "",
                        {"Server": f"nginx/{self.version}", "Content-Type": "text/html"})
