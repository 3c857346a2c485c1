"""The other programs of the course's images: the Kubernetes Basics bootcamp app, MySQL,
WordPress, Redis, Perl (the ``pi`` Job), the stress tools of the resource tasks, agnhost (the
probe and Service examples), goproxy, etcd, hello-app and the pause container.

Each reproduces what a learner observes: its log lines, ports, answers, memory use, how long it
takes to start, and how it reacts to SIGTERM (Go programs without a handler exit with status 2
when they are PID 1; Node.js and shells as PID 1 ignore it).
"""
from __future__ import annotations

import json
import time as _time
from typing import TYPE_CHECKING, Generator

from ..fs import FSError
from .program import SIGNALS, AddressInUse, Program, Request, Response

if TYPE_CHECKING:  # pragma: no cover
    from ..runtime import Process

MI = 1024 * 1024


def _iso_ms(proc: "Process") -> str:
    t = proc.wallclock()
    ms = int(round((t - int(t)) * 1000)) % 1000
    return _time.strftime("%Y-%m-%dT%H:%M:%S", _time.gmtime(int(t))) + f".{ms:03d}Z"


def _go_log_stamp(proc: "Process") -> str:
    return _time.strftime("%Y/%m/%d %H:%M:%S", _time.gmtime(int(proc.wallclock())))


class GoProgram(Program):
    """A Go binary as PID 1 with no SIGTERM handler: the runtime's ``dieFromSignal`` re-raises
    the signal, the kernel drops it for PID 1, and the process ends with ``exit(2)``."""

    def on_signal(self, proc: "Process", sig: str) -> str:
        if sig in ("SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP"):
            proc.exit(2 if proc.is_init else 128 + SIGNALS[sig])
            return "handled"
        return "default"


# --------------------------------------------------------------------------------------------
class BootcampServer(Program):
    """``node server.js`` of gcr.io/google-samples/kubernetes-bootcamp: port 8080,
    ``Hello Kubernetes bootcamp! | Running on: <pod> | v=1``."""

    memory = 28 * MI
    version = "1"

    def __init__(self, argv, image=None):
        super().__init__(argv, image)
        self.requests = 0
        self.start_time = 0.0
        self.host = ""
        if image is not None and image.version:
            self.version = image.version

    def run(self, proc: "Process") -> Generator:
        proc.set_memory(self.memory)
        yield proc.sleep(0.3)
        proc.listen(8080)
        self.start_time = proc.wallclock()
        self.host = proc.env.get("HOSTNAME", proc.hostname)
        proc.stdout(f"Kubernetes Bootcamp App Started At: {_iso_ms(proc)} | Running On:  {self.host} \n\n")
        yield proc.forever()
        return 0

    def handle(self, proc: "Process", request: Request) -> Response:
        self.requests += 1
        uptime = proc.wallclock() - self.start_time
        proc.stdout(f"Running On: {self.host} | Total Requests: {self.requests} | App Uptime: {_js_number(uptime)} "
                    f"seconds | Log Time: {_iso_ms(proc)}\n")
        return Response(200, f"Hello Kubernetes bootcamp! | Running on: {self.host} | v={self.version}\n",
                        {"Content-Type": "text/plain"})


def _js_number(x: float) -> str:
    """How JavaScript prints a number of milliseconds divided by 1000 (no trailing zeros)."""
    ms = int(round(x * 1000))
    whole, frac = divmod(ms, 1000)
    if frac == 0:
        return str(whole)
    return f"{whole}.{frac:03d}".rstrip("0")


# --------------------------------------------------------------------------------------------
class MySQLEntrypoint(Program):
    """``docker-entrypoint.sh mysqld`` of mysql:5.6 (5.6.51): refuses to initialise without a
    root password option, initialises ``/var/lib/mysql`` on first start, then runs mysqld on 3306.
    Shuts down cleanly (exit 0) on SIGTERM."""

    memory = 450 * MI
    sigterm = "graceful"
    shutdown_seconds = 1.5

    def _note(self, proc: "Process", level: str, text: str) -> None:
        stamp = _time.strftime("%Y-%m-%d %H:%M:%S+00:00", _time.gmtime(int(proc.wallclock())))
        (proc.stderr if level == "ERROR" else proc.stdout)(f"{stamp} [{level}] [Entrypoint]: {text}\n")

    def _mysqld(self, proc: "Process", level: str, text: str) -> None:
        stamp = _time.strftime("%Y-%m-%d %H:%M:%S", _time.gmtime(int(proc.wallclock())))
        proc.stderr(f"{stamp} 1 [{level}] {text}\n")

    def run(self, proc: "Process") -> Generator:
        version = proc.env.get("MYSQL_VERSION", "5.6.51-1debian9")
        self._note(proc, "Note", f"Entrypoint script for MySQL Server {version} started.")
        yield proc.sleep(0.2)
        self._note(proc, "Note", "Switching to dedicated user 'mysql'")
        self._note(proc, "Note", f"Entrypoint script for MySQL Server {version} started.")
        initialised = proc.fs.exists("/var/lib/mysql/mysql")
        if not initialised:
            env = proc.env
            if not (env.get("MYSQL_ROOT_PASSWORD") or env.get("MYSQL_ALLOW_EMPTY_PASSWORD")
                    or env.get("MYSQL_RANDOM_ROOT_PASSWORD")):
                self._note(proc, "ERROR", "Database is uninitialized and password option is not specified\n"
                                          "    You need to specify one of the following:\n"
                                          "    - MYSQL_ROOT_PASSWORD\n"
                                          "    - MYSQL_ALLOW_EMPTY_PASSWORD\n"
                                          "    - MYSQL_RANDOM_ROOT_PASSWORD")
                return 1
            self._note(proc, "Note", "Initializing database files")
            proc.set_memory(self.memory)
            yield proc.compute(9.0)
            try:
                for d in ("/var/lib/mysql/mysql", "/var/lib/mysql/performance_schema"):
                    proc.fs.mkdir(d, parents=True)
                proc.fs.write("/var/lib/mysql/ibdata1", "InnoDB system tablespace\n")
                proc.fs.write("/var/lib/mysql/auto.cnf", "[auto]\nserver-uuid=simulated\n")
                db = proc.env.get("MYSQL_DATABASE")
                if db:
                    proc.fs.mkdir("/var/lib/mysql/" + db, parents=True)
            except FSError as e:
                self._mysqld(proc, "ERROR", f"Can't create directory '/var/lib/mysql/' (Errcode: {e.strerror})")
                return 1
            self._note(proc, "Note", "Database files initialized")
            self._note(proc, "Note", "Starting temporary server")
            yield proc.compute(3.0)
            self._note(proc, "Note", "Temporary server started.")
            self._note(proc, "Note", "Stopping temporary server")
            self._note(proc, "Note", "Temporary server stopped")
            self._note(proc, "Note", "MySQL init process done. Ready for start up.")
        proc.set_memory(self.memory)
        yield proc.compute(1.5)
        try:
            proc.listen(3306)
        except AddressInUse:
            self._mysqld(proc, "ERROR", "Can't start server: Bind on TCP/IP port: Address already in use")
            return 1
        self._mysqld(proc, "Note", "mysqld: ready for connections.")
        proc.stderr(f"Version: '{version.split('-')[0]}'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  "
                    "MySQL Community Server (GPL)\n")
        yield proc.forever()
        return 0

    def on_signal(self, proc: "Process", sig: str) -> str:
        if sig in ("SIGTERM", "SIGINT", "SIGQUIT"):
            self._mysqld(proc, "Note", "mysqld: Normal shutdown")
            proc.graceful_exit(self.shutdown_seconds, 0)
            return "handled"
        return "default"

    def handle(self, proc: "Process", request: Request) -> Response:
        return Response(400, "J\x00\x00\x00\n5.6.51\x00")     # a MySQL greeting, not HTTP


class MySQLClient(Program):
    """``mysqladmin ping`` / ``mysql -e …`` (the probes of the StatefulSet MySQL example)."""

    def run(self, proc: "Process") -> Generator:
        tool = self.argv[0].rsplit("/", 1)[-1]
        host = "127.0.0.1"
        args = self.argv[1:]
        for k, a in enumerate(args):
            if a == "-h" and k + 1 < len(args):
                host = args[k + 1]
            elif a.startswith("-h") and len(a) > 2:
                host = a[2:]
        yield proc.sleep(0.05)
        up = proc.runtime.can_connect(proc, host, 3306)
        if not up:
            where = "localhost" if host in ("localhost",) else f"'{host}'"
            if tool == "mysqladmin":
                proc.stderr(f"mysqladmin: connect to server at {where} failed\n"
                            f"error: 'Can't connect to MySQL server on '{host}' (111)'\n"
                            "Check that mysqld is running on localhost and that the port is 3306.\n"
                            "You can check this by doing 'telnet localhost 3306'\n")
            else:
                proc.stderr(f"ERROR 2003 (HY000): Can't connect to MySQL server on '{host}' (111)\n")
            return 1
        if tool == "mysqladmin":
            if "ping" in args:
                proc.stdout("mysqld is alive\n")
            return 0
        if "-e" in args:
            query = args[args.index("-e") + 1] if args.index("-e") + 1 < len(args) else ""
            if query.strip().upper().startswith("SELECT 1"):
                proc.stdout("1\n1\n")
        return 0


# --------------------------------------------------------------------------------------------
class WordPress(Program):
    """``docker-entrypoint.sh apache2-foreground`` of the wordpress image: copies WordPress into
    ``/var/www/html``, starts Apache on 80; pages need the database at ``WORDPRESS_DB_HOST``."""

    memory = 60 * MI

    def _apache(self, proc: "Process", module: str, text: str) -> None:
        t = proc.wallclock()
        micros = int(round((t - int(t)) * 1e6)) % 1000000
        stamp = _time.strftime("%a %b %d %H:%M:%S", _time.gmtime(int(t))) + f".{micros:06d} " + \
            _time.strftime("%Y", _time.gmtime(int(t)))
        proc.stderr(f"[{stamp}] [{module}] [pid 1] {text}\n")

    def run(self, proc: "Process") -> Generator:
        proc.set_memory(self.memory)
        if not proc.fs.exists("/var/www/html/wp-includes/version.php"):
            proc.stderr("WordPress not found in /var/www/html - copying now...\n")
            yield proc.compute(1.2)
            try:
                proc.fs.mkdir("/var/www/html/wp-includes", parents=True)
                proc.fs.write("/var/www/html/wp-includes/version.php", "<?php $wp_version = '6.7.1';\n")
                proc.fs.write("/var/www/html/index.php", "<?php require __DIR__ . '/wp-blog-header.php';\n")
            except FSError:
                pass
            proc.stderr("Complete! WordPress has been successfully copied to /var/www/html\n")
        for _ in range(2):
            proc.stderr("AH00558: apache2: Could not reliably determine the server's fully qualified domain name, "
                        f"using {proc.pod_ip}. Set the 'ServerName' directive globally to suppress this message\n")
        yield proc.sleep(0.2)
        try:
            proc.listen(80)
        except AddressInUse:
            proc.stderr("(98)Address already in use: AH00072: make_sock: could not bind to address [::]:80\n"
                        "no listening sockets available, shutting down\nAH00015: Unable to open logs\n")
            return 1
        self._apache(proc, "mpm_prefork:notice", "AH00163: Apache/2.4.62 (Debian) PHP/8.2.26 configured -- "
                                                 "resuming normal operations")
        self._apache(proc, "core:notice", "AH00094: Command line: 'apache2 -D FOREGROUND'")
        yield proc.forever()
        return 0

    def on_signal(self, proc: "Process", sig: str) -> str:
        if sig == "SIGWINCH":
            self._apache(proc, "mpm_prefork:notice", "AH00170: caught SIGWINCH, shutting down gracefully")
            proc.graceful_exit(0.3, 0)
            return "handled"
        if sig in ("SIGTERM", "SIGINT"):
            self._apache(proc, "mpm_prefork:notice", "AH00169: caught SIGTERM, shutting down")
            proc.graceful_exit(0.1, 0)
            return "handled"
        return "default"

    def handle(self, proc: "Process", request: Request) -> Response:
        host = proc.env.get("WORDPRESS_DB_HOST", "mysql").split(":")[0]
        if proc.runtime.can_connect(proc, host, 3306):
            status, body = 302, ""
            headers = {"Location": f"http://{request.host or proc.pod_ip}/wp-admin/install.php"}
            if request.route.startswith("/wp-admin/install.php"):
                status, headers = 200, {}
                body = ("<!DOCTYPE html>\n<html lang=\"en-US\" xml:lang=\"en-US\">\n<head>\n"
                        "<title>WordPress &rsaquo; Installation</title>\n</head>\n<body class=\"wp-core-ui\">\n"
                        "<p>Welcome to the famous five-minute WordPress installation process!</p>\n</body>\n</html>\n")
        else:
            status, headers = 500, {}
            body = ("<!DOCTYPE html>\n<html lang=\"en-US\">\n<head>\n<title>Database Error</title>\n</head>\n"
                    "<body id=\"error-page\">\n<div class=\"wp-die-message\"><h1>Error establishing a database "
                    "connection</h1></div></body>\n</html>\n")
        stamp = _time.strftime("%d/%b/%Y:%H:%M:%S +0000", _time.gmtime(int(proc.wallclock())))
        proc.stdout(f'{request.client_ip} - - [{stamp}] "{request.method} {request.path} HTTP/1.1" {status} '
                    f'{len(body.encode())} "-" "{request.headers.get("User-Agent", request.user_agent)}"\n')
        return Response(status, body, headers)


# --------------------------------------------------------------------------------------------
class Redis(Program):
    """``redis-server``: port 6379, ``Ready to accept connections tcp``; SIGTERM saves
    ``/data/dump.rdb`` and exits 0 (so data in a volume survives a restart)."""

    memory = 9 * MI

    def __init__(self, argv, image=None):
        super().__init__(argv, image)
        self.version = getattr(image, "version", "7.4.1") or "7.4.1"
        self.data: dict[str, str] = {}

    def _log(self, proc: "Process", role: str, mark: str, text: str) -> None:
        t = proc.wallclock()
        ms = int(round((t - int(t)) * 1000)) % 1000
        stamp = _time.strftime("%d %b %Y %H:%M:%S", _time.gmtime(int(t))) + f".{ms:03d}"
        proc.stdout(f"1:{role} {stamp} {mark} {text}\n")

    def run(self, proc: "Process") -> Generator:
        proc.set_memory(self.memory)
        self._log(proc, "C", "*", "oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo")
        self._log(proc, "C", "*", f"Redis version={self.version}, bits=64, commit=00000000, modified=0, pid=1, "
                                  "just started")
        self._log(proc, "C", "#", "Warning: no config file specified, using the default config. In order to "
                                  "specify a config file use redis-server /path/to/redis.conf")
        try:
            self.data = json.loads(proc.fs.read("/data/dump.rdb"))
        except (FSError, ValueError):
            self.data = {}
        yield proc.sleep(0.01)
        try:
            proc.listen(6379)
        except AddressInUse:
            self._log(proc, "M", "#", "Warning: Could not create server TCP listening socket *:6379: bind: "
                                      "Address already in use")
            self._log(proc, "M", "#", "Failed listening on port 6379 (tcp), aborting.")
            return 1
        self._log(proc, "M", "*", "monotonic clock: POSIX clock_gettime")
        self._log(proc, "M", "*", "Running mode=standalone, port=6379.")
        self._log(proc, "M", "*", "Server initialized")
        if self.data:
            self._log(proc, "M", "*", "Loading RDB produced by version " + self.version)
            self._log(proc, "M", "*", f"Done loading RDB, keys loaded: {len(self.data)}, keys expired: 0.")
        self._log(proc, "M", "*", "Ready to accept connections tcp")
        yield proc.forever()
        return 0

    def on_signal(self, proc: "Process", sig: str) -> str:
        if sig in ("SIGTERM", "SIGINT"):
            proc.stdout(f"1:signal-handler ({int(proc.wallclock())}) Received {sig} scheduling shutdown...\n")
            self._log(proc, "M", "*", "User requested shutdown...")
            self._log(proc, "M", "*", "Saving the final RDB snapshot before exiting.")
            try:
                proc.fs.write("/data/dump.rdb", json.dumps(self.data, sort_keys=True))
                self._log(proc, "M", "*", "DB saved on disk")
            except FSError:
                self._log(proc, "M", "#", "Error trying to save the DB, can't exit.")
            self._log(proc, "M", "#", "Redis is now ready to exit, bye bye...")
            proc.graceful_exit(0.05, 0)
            return "handled"
        return "default"

    def command(self, args: list[str]) -> str:
        if not args:
            return "(error) ERR wrong number of arguments"
        cmd = args[0].upper()
        if cmd == "PING":
            return "PONG"
        if cmd == "SET" and len(args) >= 3:
            self.data[args[1]] = args[2]
            return "OK"
        if cmd == "GET" and len(args) == 2:
            v = self.data.get(args[1])
            return "(nil)" if v is None else f'"{v}"'
        if cmd == "DEL":
            n = sum(1 for k in args[1:] if self.data.pop(k, None) is not None)
            return f"(integer) {n}"
        if cmd == "KEYS":
            keys = sorted(self.data)
            return "\n".join(f'{i}) "{k}"' for i, k in enumerate(keys, 1)) or "(empty array)"
        if cmd == "INCR" and len(args) == 2:
            v = int(self.data.get(args[1], "0")) + 1
            self.data[args[1]] = str(v)
            return f"(integer) {v}"
        if cmd == "DBSIZE":
            return f"(integer) {len(self.data)}"
        return f"(error) ERR unknown command '{args[0]}', with args beginning with: "


class RedisCLI(Program):
    def run(self, proc: "Process") -> Generator:
        args = self.argv[1:]
        host, port = "127.0.0.1", 6379
        while args and args[0] in ("-h", "-p"):
            flag, value = args[0], args[1] if len(args) > 1 else ""
            args = args[2:]
            if flag == "-h":
                host = value
            else:
                port = int(value or 6379)
        yield proc.sleep(0.01)
        server = proc.runtime.find_listener(proc, host, port)
        if server is None or not isinstance(server.program, Redis):
            proc.stdout(f"Could not connect to Redis at {host}:{port}: Connection refused\n")
            return 1
        proc.stdout(server.program.command(args) + "\n")
        return 0


# --------------------------------------------------------------------------------------------
def pi_digits(n: int) -> str:
    """π to ``n`` significant digits, rounded half-to-even as Math::BigFloat's ``bpi(n)``."""
    n = max(1, int(n))
    guard = 10
    scale = 10 ** (n + guard)

    def arctan_inv(x: int) -> int:
        total = term = scale // x
        x2 = x * x
        k = 1
        sign = -1
        while term:
            term //= x2
            total += sign * (term // (2 * k + 1))
            sign = -sign
            k += 1
        return total

    pi = 4 * (4 * arctan_inv(5) - arctan_inv(239))      # pi * 10**(n+guard)
    digits = str(pi)[: n + 1]                            # n significant digits plus one more
    keep, nxt = digits[:n], int(digits[n])
    rest = str(pi)[n + 1:]
    value = int(keep)
    if nxt > 5 or (nxt == 5 and (rest.strip("0") or value % 2 == 1)):
        value += 1
    text = str(value)
    return text[0] + ("." + text[1:] if len(text) > 1 else "")


class Perl(Program):
    """``perl``: enough for ``perl -Mbignum=bpi -wle 'print bpi(2000)'`` (the upstream ``pi``
    Job) and ``perl -e 'print "…"'``."""

    memory = 12 * MI

    def run(self, proc: "Process") -> Generator:
        import re

        proc.set_memory(self.memory)
        args = self.argv[1:]
        script = None
        for k, a in enumerate(args):
            if a.startswith("-") and "e" in a.lstrip("-").replace("M", "") and not a.startswith("-M"):
                script = args[k + 1] if k + 1 < len(args) else ""
                break
        newline = any(a.startswith("-") and "l" in a and not a.startswith("-M") for a in args)
        if script is None:
            files = [a for a in args if not a.startswith("-")]
            if files:
                try:
                    script = proc.fs.read(files[0] if files[0].startswith("/") else proc.workdir.rstrip("/") + "/" + files[0])
                except FSError:
                    proc.stderr(f'Can\'t open perl script "{files[0]}": No such file or directory\n')
                    return 2
            else:
                script = yield from proc.read_stdin()
        m = re.search(r"print\s+bpi\((\d+)\)", script)
        if m:
            n = int(m.group(1))
            proc.set_memory(self.memory + n * 2048)
            yield proc.compute(max(0.05, 0.9e-6 * n * n))
            proc.stdout(pi_digits(n) + ("\n" if newline else ""))
            return 0
        for m in re.finditer(r'print\s+"((?:[^"\\]|\\.)*)"', script):
            text = m.group(1).replace("\\n", "\n").replace("\\t", "\t")
            proc.stdout(text + ("\n" if newline else ""))
        m = re.search(r"exit\s*\(?\s*(\d+)", script)
        yield proc.sleep(0.01)
        return int(m.group(1)) if m else 0


# --------------------------------------------------------------------------------------------
def _size(text: str) -> int:
    units = {"B": 1, "K": 1024, "M": MI, "G": 1024 * MI, "KI": 1024, "MI": MI, "GI": 1024 * MI}
    t = text.strip().upper()
    num = "".join(ch for ch in t if ch.isdigit() or ch == ".")
    unit = t[len(num):] or "B"
    return int(float(num or 0) * units.get(unit, 1))


class Stress(Program):
    """``stress`` (polinux/stress): ``--vm N --vm-bytes 150M --vm-hang 1`` allocates and keeps
    the memory; ``--cpu N`` spins."""

    memory = 1 * MI

    def run(self, proc: "Process") -> Generator:
        args = self.argv[1:]
        opts: dict[str, str] = {}
        k = 0
        while k < len(args):
            a = args[k]
            if a.startswith("--") and k + 1 < len(args) and not args[k + 1].startswith("--"):
                opts[a[2:]] = args[k + 1]
                k += 2
            else:
                opts[a.lstrip("-")] = "1"
                k += 1
        cpu = int(opts.get("cpu", opts.get("c", "0")) or 0)
        vm = int(opts.get("vm", opts.get("m", "0")) or 0)
        io_ = int(opts.get("io", "0") or 0)
        hdd = int(opts.get("hdd", "0") or 0)
        proc.stdout(f"stress: info: [1] dispatching hogs: {cpu} cpu, {io_} io, {vm} vm, {hdd} hdd\n")
        if vm:
            yield proc.sleep(0.1)
            proc.set_memory(self.memory + vm * _size(opts.get("vm-bytes", "256M")))
        timeout = opts.get("timeout") or opts.get("t")
        if timeout:
            yield proc.sleep(float(timeout.rstrip("s")))
            proc.stdout(f"stress: info: [1] successful run completed in {int(float(timeout.rstrip('s')))}s\n")
            return 0
        yield proc.forever()
        return 0


class VishStress(GoProgram):
    """vish/stress: ``-mem-total 150Mi -mem-alloc-size 10Mi -mem-alloc-sleep 1s`` grows memory step
    by step; ``-cpus 2`` burns CPU."""

    memory = 2 * MI

    def _log(self, proc: "Process", line: int, text: str) -> None:
        t = proc.wallclock()
        micros = int(round((t - int(t)) * 1e6)) % 1000000
        stamp = _time.strftime("%m%d %H:%M:%S", _time.gmtime(int(t))) + f".{micros:06d}"
        proc.stderr(f"I{stamp}       1 main.go:{line}] {text}\n")

    def run(self, proc: "Process") -> Generator:
        args = self.argv[1:]
        opts = {args[i].lstrip("-"): args[i + 1] for i in range(0, len(args) - 1, 2) if args[i].startswith("-")}
        total = _size(opts.get("mem-total", "0").replace("i", "I"))
        step = _size(opts.get("mem-alloc-size", "4Ki").replace("i", "I")) or 4096
        pause = float(opts.get("mem-alloc-sleep", "1ms").rstrip("ms") or 1) / (1000 if opts.get("mem-alloc-sleep", "1ms").endswith("ms") else 1)
        self._log(proc, 26, f"Allocating \"{opts.get('mem-total', '0')}\" memory, in \"{opts.get('mem-alloc-size', '4Ki')}\" "
                            f"chunks, with a {opts.get('mem-alloc-sleep', '1ms')} sleep between allocations")
        cpus = int(opts.get("cpus", "0") or 0)
        for _ in range(cpus):
            self._log(proc, 39, "Spawning a thread to consume CPU")
        used = 0
        while used < total:
            used = min(total, used + step)
            proc.set_memory(self.memory + used)
            yield proc.sleep(max(pause, 0.001))
        if total:
            self._log(proc, 29, f"Allocated \"{opts.get('mem-total')}\" memory")
        yield proc.forever()
        return 0


# --------------------------------------------------------------------------------------------
class Agnhost(GoProgram):
    """registry.k8s.io/e2e-test-images/agnhost: ``liveness`` (``/healthz`` is 200 for 10 s, then
    500), ``netexec`` (``/hostname``, ``/echo?msg=``, ``/clientip``, ``/readyz`` on 8080),
    ``serve-hostname`` (9376) and ``pause``.

    ``netexec`` handles SIGTERM (``test/images/agnhost/netexec``): with ``--delay-shutdown=N`` it
    logs "Sleeping N seconds before terminating...", keeps serving for N seconds (``/readyz``
    answers 503 "shutting down" meanwhile) and exits 0; without it, it exits 0 at once."""

    memory = 10 * MI

    def __init__(self, argv, image=None):
        super().__init__(argv, image)
        args = [a for a in argv[1:]]
        self.mode = args[0] if args else ""
        self.started = 0.0
        self.port = 8080
        self.delay_shutdown = 0
        self.terminating = False

    def run(self, proc: "Process") -> Generator:
        proc.set_memory(self.memory)
        args = self.argv[2:]
        for i, a in enumerate(args):
            if a.startswith("--http-port=") or a.startswith("--port="):
                self.port = int(a.split("=", 1)[1])
            elif a.startswith("--delay-shutdown="):
                self.delay_shutdown = int(a.split("=", 1)[1])
            elif a == "--delay-shutdown" and i + 1 < len(args):
                self.delay_shutdown = int(args[i + 1])
        if self.mode == "liveness":
            self.port = 8080
        elif self.mode == "serve-hostname":
            self.port = 9376 if not any(a.startswith("--port=") for a in args) else self.port
        elif self.mode == "pause":
            proc.stdout("Paused\n")
            yield proc.forever()
            return 0
        elif self.mode not in ("netexec",):
            proc.stderr(f"Error: unknown command \"{self.mode}\" for \"agnhost\"\nRun 'agnhost --help' for usage.\n")
            return 1
        yield proc.sleep(0.05)
        self.started = proc.now
        proc.listen(self.port)
        if self.mode == "netexec":
            proc.stderr(f"{_go_log_stamp(proc)} Started HTTP server on port {self.port}\n")
            proc.stderr(f"{_go_log_stamp(proc)} Started UDP server on port  {self.port + 1}\n")
        elif self.mode == "serve-hostname":
            proc.stderr(f"{_go_log_stamp(proc)} Serving on port {self.port}.\n")
        yield proc.forever()
        return 0

    def on_signal(self, proc: "Process", sig: str) -> str:
        if self.mode == "pause" and sig in ("SIGTERM", "SIGINT"):
            proc.stdout("Shutting down after receiving signal: terminated.\n")
            proc.exit(0)
            return "handled"
        if self.mode == "netexec" and sig == "SIGTERM":
            if self.terminating:
                return "handled"
            self.terminating = True
            if self.delay_shutdown > 0:
                proc.stderr(f"{_go_log_stamp(proc)} Sleeping {self.delay_shutdown} seconds before terminating...\n")
            proc.graceful_exit(float(self.delay_shutdown), 0)
            return "handled"
        return super().on_signal(proc, sig)

    def handle(self, proc: "Process", request: Request) -> Response:
        route = request.route
        if self.mode == "liveness":
            elapsed = proc.now - self.started
            if route == "/healthz":
                if elapsed > 10:
                    return Response(500, f"error: {elapsed:.9f}".rstrip("0"))
                return Response(200, "ok")
            if route == "/redirect":
                return Response(302, "", {"Location": request.query.get("loc", "/")})
            return Response(404, "404 page not found\n")
        if self.mode == "serve-hostname":
            return Response(200, proc.hostname)
        if route in ("/", ""):
            return Response(200, "NOW: " + _time.strftime("%Y-%m-%d %H:%M:%S.000000000 +0000 UTC",
                                                          _time.gmtime(int(proc.wallclock()))))
        if route == "/hostname":
            return Response(200, proc.hostname)
        if route == "/echo":
            return Response(200, request.query.get("msg", ""))
        if route == "/clientip":
            import zlib

            return Response(200, f"{request.client_ip}:{32768 + zlib.crc32(request.client_ip.encode()) % 28000}")
        if route == "/healthz":
            return Response(200, "ok")
        if route == "/readyz":
            return Response(503, "shutting down") if self.terminating else Response(200, "ok")
        if route == "/exit":
            code = int(request.query.get("code", "0"))
            proc.loop.call_soon(proc.exit, code)
            return Response(200, "")
        return Response(404, "404 page not found\n")


class GoProxy(GoProgram):
    """registry.k8s.io/goproxy: an HTTP proxy listening on 8080 (the TCP probe example)."""

    memory = 6 * MI

    def run(self, proc: "Process") -> Generator:
        proc.set_memory(self.memory)
        yield proc.sleep(0.05)
        proc.listen(8080)
        yield proc.forever()
        return 0

    def handle(self, proc: "Process", request: Request) -> Response:
        return Response(500, "This is a proxy server. Does not respond to non-proxy requests.\n")


class Etcd(Program):
    """etcd serving clients on 2379 with the gRPC health service (the gRPC probe example)."""

    memory = 40 * MI
    sigterm = "graceful"
    shutdown_seconds = 0.2

    def run(self, proc: "Process") -> Generator:
        proc.set_memory(self.memory)
        port = 2379
        args = self.argv[1:]
        for k, a in enumerate(args):
            if a.startswith("--listen-client-urls"):
                url = a.split("=", 1)[1] if "=" in a else (args[k + 1] if k + 1 < len(args) else "")
                try:
                    port = int(url.rsplit(":", 1)[1].split("/")[0])
                except (IndexError, ValueError):
                    pass
        yield proc.sleep(1.0)
        proc.listen(port)
        stamp = _iso_ms(proc)
        proc.stderr(json.dumps({"level": "info", "ts": stamp, "caller": "embed/serve.go:98",
                                "msg": "ready to serve client requests"}) + "\n")
        yield proc.forever()
        return 0

    def grpc_health(self, proc: "Process", service: str) -> str | None:
        return "SERVING"

    def handle(self, proc: "Process", request: Request) -> Response:
        if request.route == "/health":
            return Response(200, '{"health":"true","reason":""}')
        if request.route == "/version":
            return Response(200, '{"etcdserver":"3.5.1","etcdcluster":"3.5.0"}')
        return Response(404, "404 page not found\n")


class HelloApp(GoProgram):
    """gcr.io/google-samples/hello-app: ``Hello, world!`` with its version and hostname on
    ``$PORT`` (8080)."""

    memory = 5 * MI

    def run(self, proc: "Process") -> Generator:
        proc.set_memory(self.memory)
        port = int(proc.env.get("PORT", "8080") or 8080)
        yield proc.sleep(0.02)
        proc.listen(port)
        proc.stderr(f"{_go_log_stamp(proc)} Server listening on port {port}\n")
        yield proc.forever()
        return 0

    def handle(self, proc: "Process", request: Request) -> Response:
        proc.stderr(f"{_go_log_stamp(proc)} Serving request: {request.path}\n")
        version = getattr(self.image, "version", "1.0.0") or "1.0.0"
        return Response(200, f"Hello, world!\nVersion: {version}\nHostname: {proc.hostname}\n")


class Pause(Program):
    """The pause container (and any image the simulation never runs for real): sleeps until
    signalled; SIGTERM/SIGINT end it with status 0."""

    memory = 256 * 1024

    def run(self, proc: "Process") -> Generator:
        proc.set_memory(self.memory)
        yield proc.forever()
        return 0

    def on_signal(self, proc: "Process", sig: str) -> str:
        if sig in ("SIGTERM", "SIGINT"):
            proc.stderr(f"Shutting down, got signal: {'Terminated' if sig == 'SIGTERM' else 'Interrupt'}\n")
            proc.exit(0)
            return "handled"
        return "default"


class CurlEntrypoint(Program):
    """curlimages/curl's ``/entrypoint.sh``: runs ``curl`` with the arguments, or the given command."""

    def run(self, proc: "Process") -> Generator:
        args = self.argv[1:]
        if not args or args[0].startswith("-") or args[0] == "curl":
            args = ["curl"] + (args[1:] if args and args[0] == "curl" else args)
        program = proc.runtime.program_for(proc.image, args)
        if program is None:
            proc.stderr(f"/entrypoint.sh: exec: line 9: {args[0]}: not found\n")
            return 127
        proc.argv = args
        proc.program = program
        code = yield from program.run(proc)
        return code


class CoreDNS(Program):
    """registry.k8s.io/coredns/coredns: the cluster DNS server kubeadm deploys.  It serves DNS on
    53 (answers come from the cluster DNS model the network plugs in), ``/health`` on 8080 (the
    liveness probe), ``/ready`` on 8181 (the readiness probe) and metrics on 9153, and logs its
    start-up banner as CoreDNS 1.11.3 does."""

    memory = 12 * MI
    sigterm = "graceful"
    shutdown_seconds = 5.0   # the health plugin's lameduck 5s in kubeadm's Corefile

    def run(self, proc: "Process") -> Generator:
        proc.set_memory(self.memory)
        yield proc.sleep(0.3)
        for port in (53, 8080, 8181, 9153):
            proc.listen(port)
        proc.stdout(".:53\n[INFO] plugin/reload: Running configuration SHA512 = "
                    "591cf328cccc12bc490481273e738df59329c62c0b729d94e8b61db9961c2fa5f046dd37f1cf888b953814040d180f52594972691cd6ff41be96639138a43908\n"
                    "CoreDNS-1.11.3\nlinux/amd64, go1.21.11, a6338e9\n")
        yield proc.forever()
        return 0

    def handle(self, proc: "Process", request: Request) -> Response:
        if request.port == 8080 and request.route == "/health":
            return Response(200, "OK")
        if request.port == 8181 and request.route == "/ready":
            return Response(200, "OK")
        if request.port == 9153 and request.route == "/metrics":
            return Response(200, "# HELP coredns_build_info A metric with a constant '1' value labeled by version, "
                                 "revision, and goversion from which CoreDNS was built.\n")
        return Response(404, "404 page not found\n")
