"""The container runtime of one node: containerd behind the CRI, with simulated programs inside.

The kubelet talks to it through CRI-shaped calls (``pkg/kubelet/kuberuntime`` →
``k8s.io/cri-api``): :meth:`ContainerRuntime.pull_image`, :meth:`run_pod_sandbox`,
:meth:`create_container`, :meth:`start_container`, :meth:`stop_container`,
:meth:`exec_sync`, …  Slow operations return :class:`~kube_lab.node.tasks.Future`\\ s that
complete on the virtual clock.  Container IDs are 64 hex digits (``containerd://…``), image IDs
``sha256:…`` and image references ``docker.io/library/nginx@sha256:…``, as containerd reports
them.

Inside, every container runs :class:`Process`\\ es (PID 1 is the container's main process) whose
code is a :class:`~kube_lab.node.images.program.Program`.  A pod's containers share one network
namespace (:class:`NetNS`): ``localhost`` works between them and a second process binding a
taken port fails with ``bind: address already in use``.

**Interface for the network layer.**  ``runtime.network`` is the node's connection to the rest
of the cluster (see :mod:`kube_lab.node.fabric`); the network work replaces it with routing,
kube-proxy and DNS.  It calls back into runtimes with

* :meth:`ContainerRuntime.listener` ``(pod_ip, port) -> Process | None`` — who listens there;
* :meth:`ContainerRuntime.handle_request` ``(pod_ip, port, request) -> Response`` — deliver an
  HTTP request to the program listening on that pod IP and port (raises
  :class:`~kube_lab.node.images.program.NetError` ``refused`` when nothing listens);
* :meth:`ContainerRuntime.exchange` ``(pod_ip, port, request, timeout=…, latency=…) -> Future`` —
  the same on the virtual clock: the answer arrives after the network's and the server's time,
  and a request still in flight when its server process dies fails with ``reset``;
* :meth:`ContainerRuntime.owns_ip` ``(ip) -> bool``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Generator, Iterable

from ..sim import Loop
from .fs import FileSystem, FSError, Mount, Tree, norm
from .images import Image, PullError, Registry
from .images.program import SIGNALS, AddressInUse, DNSError, Exit, NetError, Program, Request, Response
from .portmap import PortMap
from .stats import charge_request
from .tasks import Cancelled, Future, Sleep, Task, failed, resolved

if TYPE_CHECKING:  # pragma: no cover
    import random

# container states, as the CRI names them
CREATED = "CONTAINER_CREATED"
RUNNING = "CONTAINER_RUNNING"
EXITED = "CONTAINER_EXITED"
UNKNOWN = "CONTAINER_UNKNOWN"
SANDBOX_READY = "SANDBOX_READY"
SANDBOX_NOTREADY = "SANDBOX_NOTREADY"

KERNEL = {"release": "6.8.0-1015-generic", "version": "#16-Ubuntu SMP PREEMPT_DYNAMIC Wed Oct  2 14:42:51 UTC 2024"}
PATH_DIRS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")


class RuntimeError_(Exception):
    """A CRI call failed; ``str()`` is the gRPC status text the kubelet sees."""

    def __init__(self, message: str, code: str = "Unknown"):
        super().__init__(f"rpc error: code = {code} desc = {message}")
        self.code = code
        self.desc = message


class ExecError(Exception):
    """``kubectl exec`` could not start the command (no such executable, container stopped)."""


@dataclass
class ImageRecord:
    """An image in containerd's store on this node."""
    id: str                      # sha256:<config digest>
    image: Image
    repo_tags: list[str]
    repo_digests: list[str]
    size: int
    pinned: bool = False

    @property
    def ref(self) -> str:
        """What the CRI reports as the image ref (``ImageID`` in pod status)."""
        return self.repo_digests[0] if self.repo_digests else self.id


@dataclass
class SandboxConfig:
    pod_name: str
    namespace: str
    pod_uid: str
    attempt: int
    hostname: str
    host_network: bool = False
    dns: dict = field(default_factory=dict)
    labels: dict = field(default_factory=dict)
    port_mappings: list = field(default_factory=list)
    share_pid: bool = False          # ``shareProcessNamespace``: one PID namespace, the pause process its PID 1


@dataclass
class ContainerConfig:
    name: str
    attempt: int
    image: ImageRecord
    user_image: str
    command: list[str]
    args: list[str]
    env: list[tuple[str, str]]
    mounts: list[Mount]
    working_dir: str = ""
    memory_limit: int | None = None
    cpu_limit: float | None = None
    termination_message_path: str = "/dev/termination-log"
    termination_message_policy: str = "File"
    stdin: bool = False
    stdin_once: bool = False
    tty: bool = False
    target_container_id: str = ""      # an ephemeral container's target: share its PID namespace
    labels: dict = field(default_factory=dict)
    annotations: dict = field(default_factory=dict)


class NetNS:
    """A network namespace: one IP and the ports bound in it."""

    def __init__(self, ip: str, host: bool = False):
        self.ip = ip
        self.host = host
        self.listeners: dict[int, "Process"] = {}

    def bind(self, port: int, proc: "Process") -> None:
        owner = self.listeners.get(port)
        if owner is not None and not owner.exited.done:
            raise AddressInUse(port)
        self.listeners[port] = proc

    def release(self, proc: "Process") -> None:
        for port in [p for p, owner in self.listeners.items() if owner is proc]:
            del self.listeners[port]


class Sandbox:
    """A pod sandbox: the pause container holding the pod's namespaces."""

    def __init__(self, id: str, config: SandboxConfig, netns: NetNS, created_at: float):
        self.id = id
        self.config = config
        self.netns = netns
        self.state = SANDBOX_READY
        self.created_at = created_at
        self.files = Tree(name="etc-hosts")    # /etc/hosts, /etc/hostname, /etc/resolv.conf
        # with a shared PID namespace: its counter (PID 1 is the pause process) and its containers
        self.pids = [2]
        self.pid_members: list[Container] = []

    @property
    def ip(self) -> str:
        return self.netns.ip

    @property
    def pod_uid(self) -> str:
        return self.config.pod_uid


class Container:
    """One container instance (a restart makes a new one with ``attempt + 1``)."""

    def __init__(self, id: str, sandbox: Sandbox, config: ContainerConfig, created_at: float,
                 fs: FileSystem):
        self.id = id
        self.sandbox = sandbox
        self.config = config
        self.state = CREATED
        self.created_at = created_at
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.exit_code = 0
        self.reason = ""
        self.message = ""
        self.fs = fs
        self.init: Process | None = None
        self.processes: dict[int, Process] = {}      # this container's own processes
        self._pids = [1]                  # the PID namespace's counter (shared with a targeting container)
        self.pid_peers: list[Container] = []   # containers whose processes share this PID namespace
        self.memory = 0
        self.stopping: Future | None = None
        self.log: list[tuple[float, str, str]] = []       # (time, stream, line)
        self._partial = {"stdout": "", "stderr": ""}
        self.stdin: StdinStream | None = None    # the main process's stdin (``stdin: true``)
        self.attached: list[Attachment] = []      # clients of ``kubectl attach``

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def next_pid(self) -> int:
        return self._pids[0]

    @next_pid.setter
    def next_pid(self, value: int) -> None:
        self._pids[0] = value

    def share_pid_namespace(self, target: "Container") -> None:
        """Join ``target``'s PID namespace, as an ephemeral container with ``targetContainerName``
        does: each sees the other's processes, and new PIDs come from one counter."""
        self._pids = target._pids
        self.pid_peers.append(target)
        target.pid_peers.append(self)

    def join_pod_pid_namespace(self) -> None:
        """``shareProcessNamespace: true``: every container of the pod in the sandbox's PID
        namespace, whose PID 1 is the pause process — no container's main process is PID 1."""
        self._pids = self.sandbox.pids
        self.pid_peers = self.sandbox.pid_members       # the same list: containers joining later show up
        self.sandbox.pid_members.append(self)

    def visible_processes(self) -> dict[int, "Process"]:
        """Every live process in this container's PID namespace, by PID."""
        out = dict(self.processes)
        for peer in self.pid_peers:
            out.update(peer.processes)
        return out

    @property
    def pod_uid(self) -> str:
        return self.sandbox.pod_uid

    @property
    def attempt(self) -> int:
        return self.config.attempt

    def write_log(self, stream: str, text: str, now: float) -> None:
        """What the main process writes: into the container's log and to every attached client.
        Behind a terminal (``tty: true``) there is one stream, and the runtime logs it as stdout."""
        if self.config.tty:
            stream = "stdout"
        for client in self.attached:
            client.output(1 if stream == "stdout" else 2, text)
        buf = self._partial[stream] + text
        *lines, rest = buf.split("\n")
        for line in lines:
            self.log.append((now, stream, line))
        self._partial[stream] = rest

    def flush_log(self, now: float) -> None:
        for stream in ("stdout", "stderr"):
            if self._partial[stream]:
                self.log.append((now, stream, self._partial[stream]))
                self._partial[stream] = ""


class StdinStream:
    """Input that arrives while a process runs — the terminal or pipe of ``kubectl exec -i``.

    The exec session :meth:`feed` s text in (whole lines, as a terminal in canonical mode hands
    them over) and :meth:`close` s it at end of file; the program waits on :meth:`readline`.
    ``tty`` says a terminal is attached (a shell then prompts)."""

    def __init__(self, loop: Loop, tty: bool = False):
        self.loop = loop
        self.tty = tty
        self._buf = ""
        self._eof = False
        self._waiter: Future | None = None

    def feed(self, text: str) -> None:
        self._buf += text
        self._wake()

    def close(self) -> None:
        self._eof = True
        self._wake()

    def readline(self) -> Future:
        """A future for the next line (with its newline), or None at end of file."""
        fut = Future(self.loop)
        self._waiter = fut
        self._wake()
        return fut

    def _wake(self) -> None:
        fut = self._waiter
        if fut is None or fut.done:
            return
        if "\n" in self._buf:
            line, _, self._buf = self._buf.partition("\n")
            self._waiter = None
            fut.set_result(line + "\n")
        elif self._eof:
            rest, self._buf = self._buf, ""
            self._waiter = None
            fut.set_result(rest or None)

    @property
    def closed(self) -> bool:
        return self._eof

    @property
    def waiting(self) -> bool:
        """Whether a program is blocked reading a line that has not come yet."""
        return self._waiter is not None and not self._waiter.done

    def read_all(self) -> Generator[Any, Any, str]:
        """Everything up to end of file, as a program that reads its whole input waits for it
        (``yield from stream.read_all()``)."""
        parts: list[str] = []
        while True:
            line = yield self.readline()
            if line is None:
                return "".join(parts)
            parts.append(line)


class Attachment:
    """One client attached to a container's main process (CRI ``Attach`` as containerd serves
    it, ``kubectl attach``): it receives what the process writes from now on (earlier output
    is only in the log) and, when it asked for stdin and the container has one, types into it.

    When the client's stdin ends — end of file, or the client going away — containerd's rule
    applies: with ``stdinOnce`` and no terminal the container's stdin closes for good (the
    process reads end of file; it reopens only for a restarted container) and the client keeps
    receiving output until the container exits; otherwise only this client is detached and the
    container's stdin stays open for the next ``kubectl attach``."""

    def __init__(self, container: Container, on_output: Callable[[int, str], None], stdin: bool):
        self.container = container
        self.output = on_output
        self.stream = container.stdin if stdin else None
        self.detached = False
        container.attached.append(self)

    @property
    def tty(self) -> bool:
        return self.container.config.tty

    @property
    def done(self) -> bool:
        """The session is over: the main process exited, or this client was detached."""
        return self.detached or self.container.state != RUNNING

    def echo(self, text: str, now: float) -> None:
        """The terminal's echo of what a client typed: part of the container's output, as the
        kernel's pseudo-terminal writes it (the log and every attached client see it)."""
        self.container.write_log("stdout", text.replace("\r\n", "\n"), now)

    def stdin_ended(self) -> None:
        """The client's stdin reached end of file (or the client went away)."""
        if self.stream is None:
            return                  # no stdin was attached: nothing to end
        config = self.container.config
        if config.stdin_once and not config.tty:
            self.stream.close()
        else:
            self.detach()

    def detach(self) -> None:
        if not self.detached:
            self.detached = True
            if self in self.container.attached:
                self.container.attached.remove(self)


class Process:
    """A process inside a container: the handle a :class:`Program` receives as ``proc``."""

    def __init__(self, runtime: "ContainerRuntime", container: Container, argv: list[str], env: dict,
                 program: Program, *, stdout: Callable[[str], None] | None = None,
                 stderr: Callable[[str], None] | None = None, stdin: "str | StdinStream | None" = None,
                 workdir: str = "/", parent: "Process | None" = None):
        self.runtime = runtime
        self.loop = runtime.loop
        self.container = container
        self.argv = list(argv)
        self.env = dict(env)
        self.program = program
        self.parent = parent
        self.workdir = workdir or "/"
        self.stdin = stdin
        self.pid = container.next_pid
        container.next_pid += 1
        container.processes[self.pid] = self
        self._out = stdout
        self._err = stderr
        self.exited = Future(self.loop)
        self.task: Task | None = None
        self.memory = 0
        self._exit_code: int | None = None
        self._signal_waiters: list[Future] = []
        self.inflight: dict | None = None      # requests it is answering: future → completion timer

    def __repr__(self) -> str:
        return f"<Process {self.pid} {' '.join(self.argv)!r} in {self.container.name}>"

    # lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        self.task = Task(self.loop, self._main(), name=f"{self.container.name}:{self.pid}", background=True)

    def _main(self) -> Generator:
        code = 0
        try:
            result = yield from self.program.run(self)
            code = result if isinstance(result, int) else 0
        except Exit as e:
            code = e.code
        except Cancelled:
            code = self._exit_code if self._exit_code is not None else 137
        except Exception as e:  # noqa: BLE001 - a program's own bug: it crashes, the node does not
            self.runtime.program_errors.append((self.container.name, repr(e)))
            self.stderr(f"panic: {type(e).__name__}: {e}\n")
            code = 2
        self._finish(code)
        return code

    def _finish(self, code: int) -> None:
        if self.exited.done:
            return
        if self.inflight:
            self.runtime._cut_inflight(self)
        self.container.sandbox.netns.release(self)
        self.container.processes.pop(self.pid, None)
        self.container.memory -= self.memory
        self.memory = 0
        self.exited.set_result(code & 0xFF if code >= 0 else code)
        self.runtime._process_exited(self)

    @property
    def is_init(self) -> bool:
        return self.pid == 1

    def exit(self, code: int = 0) -> None:
        """End this process with ``code`` (from a signal or request handler)."""
        if self.exited.done:
            return
        if self.task is not None and Task.current is self.task:
            raise Exit(code)
        self._exit_code = code
        if self.task is None:
            self._finish(code)
        else:
            self.task.cancel()
            if not self.exited.done:
                self._finish(code)

    def graceful_exit(self, seconds: float, code: int = 0) -> None:
        """Finish after ``seconds`` of shutdown work (a handled SIGTERM)."""
        if seconds <= 0:
            self.loop.call_soon(self.exit, code)
        else:
            self.loop.call_later(seconds, self.exit, code, background=True)

    def deliver(self, sig: str, from_inside: bool = False) -> None:
        """Send a signal, with Linux semantics for PID 1."""
        if self.exited.done:
            return
        if sig == "SIGKILL":
            if self.is_init and from_inside:
                return   # init cannot be killed from inside its own PID namespace
            self.exit(137)
            return
        verdict = self.program.on_signal(self, sig)
        if verdict == "handled":
            return
        if sig in ("SIGCHLD", "SIGWINCH", "SIGCONT", "SIGURG"):
            return
        if self.is_init:
            return      # the kernel drops signals PID 1 has no handler for
        self.exit(128 + SIGNALS.get(sig, 15))

    def signal_future(self) -> Future:
        fut = Future(self.loop)
        self._signal_waiters.append(fut)
        return fut

    def notify_signal(self) -> None:
        waiters, self._signal_waiters = self._signal_waiters, []
        for f in waiters:
            f.set_result(None)

    def read_stdin(self) -> Generator[Any, Any, str]:
        """All of stdin, for a program that reads it whole: a pipe's text at once, a stream (the
        container's stdin, ``kubectl attach -i``) up to end of file; nothing attached is empty."""
        if isinstance(self.stdin, StdinStream):
            return (yield from self.stdin.read_all())
        return self.stdin or ""

    # output --------------------------------------------------------------------------------
    def stdout(self, text: str) -> None:
        if self._out is not None:
            self._out(text)
        else:
            self.container.write_log("stdout", text, self.loop.now)

    def stderr(self, text: str) -> None:
        if self._err is not None:
            self._err(text)
        else:
            self.container.write_log("stderr", text, self.loop.now)

    def special_file_writer(self, path: str) -> Callable[[str], None] | None:
        if path == "/dev/null":
            return lambda text: None
        if path in ("/dev/stdout", "/proc/self/fd/1"):
            return self.stdout
        if path in ("/dev/stderr", "/proc/self/fd/2"):
            return self.stderr
        if path in ("/proc/1/fd/1", "/proc/1/fd/2"):
            stream = "stdout" if path.endswith("1") else "stderr"
            init = self.container.init
            if init is not None and init is not self and (init._out if stream == "stdout" else init._err):
                return init.stdout if stream == "stdout" else init.stderr
            return lambda text: self.container.write_log(stream, text, self.loop.now)
        return None

    # time and resources --------------------------------------------------------------------
    @property
    def now(self) -> float:
        return self.loop.now

    def wallclock(self, at: float | None = None) -> float:
        """Unix time (seconds) at virtual time ``at`` (default: now)."""
        return self.runtime.epoch + (self.loop.now if at is None else at)

    def sleep(self, seconds: float) -> Sleep:
        return Sleep(seconds, background=True)

    def forever(self) -> Future:
        """A future that never completes: ``yield proc.forever()`` waits until signalled."""
        return Future(self.loop)

    def compute(self, cpu_seconds: float, threads: int = 1) -> Sleep:
        """CPU-bound work: takes longer under a CPU limit (CFS throttling)."""
        cores = float(threads)
        limit = self.container.config.cpu_limit
        if limit is not None:
            cores = min(cores, limit)
        cores = min(cores, self.runtime.cpus)
        return Sleep(cpu_seconds / max(cores, 0.001), background=True)

    def set_memory(self, nbytes: int) -> None:
        nbytes = int(nbytes)
        self.container.memory += nbytes - self.memory
        self.memory = nbytes
        limit = self.container.config.memory_limit
        if limit is not None and self.container.memory > limit:
            self.loop.call_soon(self.runtime._oom_kill, self.container)

    # networking ----------------------------------------------------------------------------
    @property
    def hostname(self) -> str:
        return self.container.sandbox.config.hostname

    @property
    def pod_ip(self) -> str:
        return self.container.sandbox.ip

    def listen(self, port: int) -> None:
        """Bind ``port`` in the pod's network namespace (raises ``AddressInUse``)."""
        self.container.sandbox.netns.bind(int(port), self)

    def unlisten(self, port: int) -> None:
        netns = self.container.sandbox.netns
        if netns.listeners.get(int(port)) is self:
            del netns.listeners[int(port)]

    def http(self, ip: str, port: int, request: Request, timeout: float = 30.0) -> Future:
        """Send an HTTP request; the future gives a :class:`Response` or raises ``NetError``."""
        request.client_ip = request.client_ip or self.pod_ip
        return self.runtime.request_from(self.container.sandbox, ip, port, request, timeout)

    def resolve(self, host: str) -> Future:
        """A name → one IP address (numeric addresses resolve to themselves)."""
        if _is_ip(host):
            return resolved(self.loop, host)
        if host == "localhost":
            return resolved(self.loop, "127.0.0.1")
        fut = Future(self.loop)
        looked = self.lookup(host, self.nameserver())

        def done(f: Future) -> None:
            if f.error is not None:
                fut.set_exception(f.error)
            else:
                fut.set_result(f.result[1][0][0])

        looked.add_done_callback(done)
        return fut

    def nameserver(self) -> str:
        conf = self.container.sandbox.config.dns
        servers = conf.get("servers") or []
        return servers[0] if servers else "172.18.0.1"

    def lookup(self, name: str, server: str) -> Future:
        """DNS query through the node's network: ``(fqdn, [(ip, ptr)], server_name)``."""
        return self.runtime.lookup(self.container.sandbox, name, server)

    # the image's files and programs --------------------------------------------------------
    @property
    def fs(self) -> FileSystem:
        return self.container.fs

    @property
    def image(self) -> Image:
        return self.container.config.image.image

    def image_version_at_most(self, version: str) -> bool:
        """The image's version, compared on as many components as ``version`` has."""
        want = _version_tuple(version)
        return _version_tuple(self.image.version)[:len(want)] <= want

    def uname(self) -> dict:
        return KERNEL

    def which(self, name: str, flavour: str = "") -> str | None:
        return self.runtime.which(self.image, name)

    def find_utility(self, name: str, flavour: str = ""):
        from .images.shell import UTILITIES

        path = self.runtime.which(self.image, name)
        if path is None:
            return None
        base = path.rsplit("/", 1)[-1]
        if base in self.image.executables:
            return None
        return UTILITIES.get(base)

    def run_program(self, argv: list[str], io: Any, env: dict, cwd: str) -> Generator[Any, Any, int | None]:
        """Run another executable of the image as a child process; None when not found."""
        program = self.runtime.program_for(self.image, argv)
        if program is None:
            return None
        child = Process(self.runtime, self.container, argv, env, program, stdout=io.out, stderr=io.err,
                        stdin=io.stdin, workdir=cwd, parent=self)
        child.start()
        code = yield child.exited
        return code

    def spawn(self, gen: Generator, name: str = "") -> Task:
        return Task(self.loop, gen, name=name, background=True)

    def next_pid(self) -> int:
        pid = self.container.next_pid
        self.container.next_pid += 1
        return pid

    def process_table(self) -> list[tuple[int, str]]:
        table = [(pid, " ".join(p.argv)) for pid, p in sorted(self.container.visible_processes().items())]
        if self.container.sandbox.config.share_pid:
            table.insert(0, (1, "/pause"))
        return table

    def kill(self, pid: int, sig: str) -> bool:
        target = self.container.visible_processes().get(pid)
        if target is None:
            return False
        target.deliver(sig, from_inside=True)
        return True


def _is_ip(text: str) -> bool:
    parts = text.split(".")
    return len(parts) == 4 and all(p.isdigit() and 0 <= int(p) < 256 for p in parts)


def _version_tuple(v: str) -> tuple:
    out = []
    for part in (v or "").split("."):
        digits = "".join(ch for ch in part if ch.isdigit())
        out.append(int(digits) if digits else 0)
    return tuple(out) or (0,)


def _hex64(rng: "random.Random") -> str:
    return f"{rng.getrandbits(256):064x}"


class ContainerRuntime:
    """containerd on one node (CRI v1), including its image store and the processes it runs.

    ``registry`` is where images come from; ``cni`` (set by the kubelet) hands out pod IPs;
    ``network`` connects this node to the others.  ``pull_bandwidth`` (bytes/s) and
    ``pull_latency`` (s) shape pull durations."""

    def __init__(self, loop: Loop, node_name: str, registry: Registry, rng: "random.Random", *,
                 epoch: float = 0.0, node_ip: str = "", cpus: float = 4.0,
                 pull_bandwidth: float = 25e6, pull_latency: float = 0.6, network: Any = None,
                 preload: Iterable[str] = ()):
        self.loop = loop
        self.node_name = node_name
        self.registry = registry
        self.rng = rng
        self.epoch = epoch
        self.node_ip = node_ip
        self.cpus = cpus
        self.pull_bandwidth = pull_bandwidth
        self.pull_latency = pull_latency
        self.network = network
        self.cni: Any = None
        self.running = True
        self.host_netns = NetNS(node_ip, host=True)
        self.images: dict[str, ImageRecord] = {}       # id → record
        self._by_name: dict[str, str] = {}             # repo:tag / repo@digest → id
        self.sandboxes: dict[str, Sandbox] = {}
        self.containers: dict[str, Container] = {}
        self._ips: dict[str, Sandbox] = {}
        self.log_dirs: dict[tuple[str, str], int] = {}
        self._kill_timers: dict[str, Any] = {}
        self.machine: Any = None
        self.program_errors: list[tuple[str, str]] = []     # (container, error) of crashed programs
        self._listeners: list[Callable[[str, str, str], None]] = []
        self.portmap = PortMap(self)       # the CNI portmap plugin's hostPort rules on this node
        for ref in preload:
            self._store(self.registry.resolve(ref), pinned=ref.startswith("registry.k8s.io/pause"))

    # events (the runtime side of PLEG) ----------------------------------------------------
    def subscribe(self, fn: Callable[[str, str, str], None]) -> None:
        """``fn(event, pod_uid, container_id)`` for ``ContainerStarted`` / ``ContainerDied``."""
        self._listeners.append(fn)

    def unsubscribe(self, fn: Callable[[str, str, str], None]) -> None:
        if fn in self._listeners:
            self._listeners.remove(fn)

    def _emit(self, event: str, pod_uid: str, cid: str) -> None:
        for fn in list(self._listeners):
            fn(event, pod_uid, cid)

    # images --------------------------------------------------------------------------------
    def _store(self, image: Image, pinned: bool = False) -> ImageRecord:
        rec = self.images.get(image.id)
        tag_ref = f"{image.name}:{image.tag}" if image.tag else ""
        digest_ref = f"{image.name}@{image.digest}"
        if rec is None:
            rec = ImageRecord(image.id, image, [], [], image.size, pinned)
            self.images[image.id] = rec
        if tag_ref and tag_ref not in rec.repo_tags:
            old = self._by_name.get(tag_ref)
            if old is not None and old != image.id and old in self.images:
                other = self.images[old]
                other.repo_tags = [t for t in other.repo_tags if t != tag_ref]
            rec.repo_tags.append(tag_ref)
            self._by_name[tag_ref] = image.id
        if digest_ref not in rec.repo_digests:
            rec.repo_digests.append(digest_ref)
            self._by_name[digest_ref] = image.id
        rec.pinned = rec.pinned or pinned
        return rec

    def image_status(self, ref: str) -> ImageRecord | None:
        """``ImageStatus``: the local image for a reference, if present."""
        try:
            full = self.registry.normalize(ref)
        except PullError:
            return None
        iid = self._by_name.get(full)
        return self.images.get(iid) if iid else None

    def list_images(self) -> list[ImageRecord]:
        return list(self.images.values())

    def pull_image(self, ref: str) -> Future:
        """``PullImage``: fetch from the registry; the future gives ``(record, seconds)``."""
        fut = Future(self.loop)
        rng = self.rng
        try:
            image = self.registry.resolve(ref)
        except PullError as e:
            delay = self.pull_latency * (0.8 + 0.4 * rng.random()) + (0.5 if e.code == "Unknown" else 0.0)
            self.loop.call_later(delay, self._pull_failed, fut, e)
            return fut
        have = self.images.get(image.id)
        if have is not None:
            seconds = self.pull_latency * (0.5 + 0.5 * rng.random())
        else:
            seconds = self.pull_latency + image.size / self.pull_bandwidth * (0.85 + 0.3 * rng.random())
        seconds = round(seconds, 6)
        self.loop.call_later(seconds, self._pull_done, fut, image, seconds)
        return fut

    def _pull_failed(self, fut: Future, e: PullError) -> None:
        if not self.running:
            return
        fut.set_exception(RuntimeError_(e.message, e.code))

    def _pull_done(self, fut: Future, image: Image, seconds: float) -> None:
        if not self.running:
            return
        rec = self._store(image)
        fut.set_result((rec, seconds))

    def remove_image(self, image_id: str) -> None:
        rec = self.images.pop(image_id, None)
        if rec is None:
            return
        for name in rec.repo_tags + rec.repo_digests:
            if self._by_name.get(name) == image_id:
                del self._by_name[name]

    # executables ---------------------------------------------------------------------------
    def which(self, image: Image, name: str) -> str | None:
        """The path ``name`` resolves to in ``image`` ($PATH search), if it exists."""
        from .images.shell import BUSYBOX_APPLETS, DEBIAN_TOOLS

        base = name.rsplit("/", 1)[-1]
        tools: tuple = ()
        if image.toolset in ("busybox", "alpine"):
            tools = BUSYBOX_APPLETS + ("sh",)
        elif image.toolset == "debian":
            tools = DEBIAN_TOOLS + ("sh", "bash")
        if "/" in name:
            path = norm(name)
            if path in image.executables or (base in tools and path.rsplit("/", 1)[0] in PATH_DIRS):
                return path
            if base in image.executables and image.executables_paths.get(base) == path:
                return path
            return None
        if base in image.executables:
            return image.executables_paths.get(base, "/usr/bin/" + base)
        extra = tuple(image.extra_tools)
        if base in tools or base in extra:
            return ("/bin/" if image.toolset in ("busybox", "alpine") else "/usr/bin/") + base
        return None

    def program_for(self, image: Image, argv: list[str]) -> Program | None:
        """The program ``argv[0]`` starts in this image (None: not found)."""
        from .images.shell import AppletProgram, ShellProgram

        if not argv:
            return None
        name = argv[0]
        path = self.which(image, name)
        if path is None:
            return None
        base = path.rsplit("/", 1)[-1]
        factory = image.executables.get(path) or image.executables.get(base)
        if factory is not None:
            return factory(argv, image)
        flavour = "busybox" if image.toolset in ("busybox", "alpine") else "debian"
        if base in ("sh", "bash", "ash", "dash"):
            return ShellProgram(argv, image, flavour=flavour)
        return AppletProgram(argv, image, flavour=flavour)

    # sandboxes -----------------------------------------------------------------------------
    def owns_ip(self, ip: str) -> bool:
        return ip in self._ips

    def run_pod_sandbox(self, config: SandboxConfig) -> Future:
        """``RunPodSandbox``: pause container, network namespace (CNI ADD)."""
        if not self.running:
            return failed(self.loop, RuntimeError_("connection error: desc = \"transport: Error while dialing: "
                                                   "dial unix /run/containerd/containerd.sock: connect: "
                                                   "no such file or directory\"", "Unavailable"))
        pause = self.image_status(self.registry.pause_image)
        if pause is None:
            pause = self._store(self.registry.resolve(self.registry.pause_image), pinned=True)
        fut = Future(self.loop)
        sid = _hex64(self.rng)
        delay = 0.25 + 0.2 * self.rng.random()
        self.loop.call_later(delay, self._sandbox_ready, fut, sid, config)
        return fut

    def _sandbox_ready(self, fut: Future, sid: str, config: SandboxConfig) -> None:
        if not self.running:
            return
        if config.host_network:
            netns = self.host_netns
        else:
            try:
                ip = self.cni.add(sid, config) if self.cni is not None else None
            except Exception as e:  # noqa: BLE001 - a CNI failure is reported to the kubelet
                fut.set_exception(RuntimeError_(
                    f"failed to setup network for sandbox \"{sid}\": {e}"))
                return
            if not ip:
                fut.set_exception(RuntimeError_(
                    f"failed to setup network for sandbox \"{sid}\": plugin type=\"ptp\" failed (add): "
                    "failed to allocate for range 0: no IP addresses available in range set"))
                return
            netns = NetNS(ip)
        sb = Sandbox(sid, config, netns, self.loop.now)
        self.sandboxes[sid] = sb
        if not config.host_network:
            self._ips[netns.ip] = sb
            if config.port_mappings:
                self.portmap.changed()
        fut.set_result(sb)

    def stop_pod_sandbox(self, sandbox_id: str) -> Future:
        """``StopPodSandbox``: kill what still runs in it, tear the network down (CNI DEL)."""
        sb = self.sandboxes.get(sandbox_id)
        if sb is None:
            return resolved(self.loop)
        for c in list(self.containers.values()):
            if c.sandbox is sb and c.state == RUNNING and c.init is not None:
                c.init.exit(137)
        if sb.state == SANDBOX_READY:
            sb.state = SANDBOX_NOTREADY
            if not sb.config.host_network:
                self._ips.pop(sb.ip, None)
                if sb.config.port_mappings:
                    self.portmap.changed()
                if self.cni is not None:
                    self.cni.delete(sandbox_id)
        return resolved(self.loop)

    def remove_pod_sandbox(self, sandbox_id: str) -> None:
        sb = self.sandboxes.pop(sandbox_id, None)
        if sb is None:
            return
        if sb.state == SANDBOX_READY:
            self.stop_pod_sandbox(sandbox_id)
        for cid in [cid for cid, c in self.containers.items() if c.sandbox is sb]:
            del self.containers[cid]

    def pod_sandboxes(self, pod_uid: str) -> list[Sandbox]:
        """Sandboxes of a pod, newest first."""
        out = [s for s in self.sandboxes.values() if s.pod_uid == pod_uid]
        out.sort(key=lambda s: s.created_at, reverse=True)
        return out

    # containers ----------------------------------------------------------------------------
    def create_container(self, sandbox_id: str, config: ContainerConfig) -> Future:
        sb = self.sandboxes.get(sandbox_id)
        if sb is None or sb.state != SANDBOX_READY:
            return failed(self.loop, RuntimeError_(f"failed to get sandbox \"{sandbox_id}\": not found",
                                                   "NotFound"))
        fut = Future(self.loop)
        cid = _hex64(self.rng)
        delay = 0.04 + 0.06 * self.rng.random()
        self.loop.call_later(delay, self._created, fut, cid, sb, config)
        return fut

    def _created(self, fut: Future, cid: str, sb: Sandbox, config: ContainerConfig) -> None:
        if not self.running:
            return
        image = config.image.image
        root = image.rootfs().copy(read_only=False)
        mounts = list(config.mounts)
        mounts.append(Mount("/etc/hosts", sb.files, sub_path="hosts", volume="etc-hosts"))
        fs = FileSystem(root, mounts, clock=lambda: self.loop.now)
        for name in ("hostname", "resolv.conf"):
            entry = sb.files.get(name)
            if entry is not None:
                root.write("/etc/" + name, entry.data, force=True)   # type: ignore[union-attr]
        if config.termination_message_path:
            try:
                root.write(config.termination_message_path, "", force=True)
            except FSError:
                pass
        c = Container(cid, sb, config, self.loop.now, fs)
        target = self.containers.get(config.target_container_id) if config.target_container_id else None
        if sb.config.share_pid:
            c.join_pod_pid_namespace()
        elif target is not None and target.state == RUNNING:
            c.share_pid_namespace(target)
        self.containers[cid] = c
        key = (sb.pod_uid, config.name)
        self.log_dirs[key] = max(self.log_dirs.get(key, -1), config.attempt)
        fut.set_result(cid)

    def start_container(self, cid: str) -> Future:
        """``StartContainer``: exec the entrypoint; fails like runc when it does not exist."""
        c = self.containers.get(cid)
        if c is None:
            return failed(self.loop, RuntimeError_(f"container \"{cid}\" not found", "NotFound"))
        fut = Future(self.loop)
        delay = 0.08 + 0.08 * self.rng.random()
        self.loop.call_later(delay, self._start, fut, c)
        return fut

    def argv_for(self, config: ContainerConfig) -> list[str]:
        """Docker's rule: ``command`` replaces ENTRYPOINT (and drops CMD); ``args`` replace CMD."""
        image = config.image.image
        if config.command:
            return list(config.command) + list(config.args)
        return list(image.entrypoint) + (list(config.args) if config.args else list(image.cmd))

    def environment(self, config: ContainerConfig, sb: Sandbox) -> dict:
        """containerd's order: PATH, HOSTNAME, the image's ENV, the kubelet's env, HOME."""
        image = config.image.image
        env: dict[str, str] = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                               "HOSTNAME": sb.config.hostname}
        for item in image.env:
            k, _, v = item.partition("=")
            env[k] = v
        for k, v in config.env:
            env[k] = v
        if "HOME" not in env:
            env["HOME"] = "/root"
        return env

    def _start(self, fut: Future, c: Container) -> None:
        if not self.running:
            return
        if c.sandbox.state != SANDBOX_READY:
            fut.set_exception(RuntimeError_("failed to start containerd task: sandbox is not ready"))
            return
        argv = self.argv_for(c.config)
        image = c.config.image.image
        program = self.program_for(image, argv) if argv else None
        if program is None:
            what = argv[0] if argv else ""
            if not argv:
                detail = "no command specified"
            elif "/" in what:
                detail = f"exec: \"{what}\": stat {what}: no such file or directory"
            else:
                detail = f"exec: \"{what}\": executable file not found in $PATH"
            message = ("failed to create containerd task: failed to create shim task: OCI runtime create failed: "
                       f"runc create failed: unable to start container process: {detail}: unknown")
            c.state = EXITED
            c.started_at = None
            c.finished_at = self.loop.now
            c.exit_code = 128
            c.reason = "StartError"
            c.message = message
            fut.set_exception(RuntimeError_(message))
            self._emit("ContainerDied", c.pod_uid, c.id)
            return
        env = self.environment(c.config, c.sandbox)
        if c.config.stdin:       # kept open (empty) until a client attaches; else /dev/null
            c.stdin = StdinStream(self.loop, tty=c.config.tty)
        proc = Process(self, c, argv, env, program, stdin=c.stdin,
                       workdir=c.config.working_dir or image.workdir or "/")
        c.init = proc
        c.state = RUNNING
        c.started_at = self.loop.now
        proc.set_memory(program.memory)
        proc.start()
        fut.set_result(None)
        self._emit("ContainerStarted", c.pod_uid, c.id)

    def _process_exited(self, proc: Process) -> None:
        c = proc.container
        if proc is not c.init:
            return
        if c.state != RUNNING:
            return
        code = proc.exited.result
        c.flush_log(self.loop.now)
        c.state = EXITED
        c.finished_at = self.loop.now
        c.exit_code = code
        if getattr(c, "oom", False):
            c.reason = "OOMKilled"
        else:
            c.reason = "Completed" if code == 0 else "Error"
        c.message = self._termination_message(c)
        # the rest of the PID namespace dies with its init (PID 1: a targeting debug container's
        # processes too; a debug container's own exit leaves its target's alone)
        owner = c.init is not None and c.init.pid == 1
        for other in list((c.visible_processes() if owner else c.processes).values()):
            other.exit(137)
        c.memory = 0
        if c.stopping is not None:
            c.stopping.set_result(None)
        self._emit("ContainerDied", c.pod_uid, c.id)

    def _termination_message(self, c: Container) -> str:
        path = c.config.termination_message_path
        text = ""
        if path:
            try:
                text = c.fs.read(path)
            except FSError:
                text = ""
        if not text and c.config.termination_message_policy == "FallbackToLogsOnError" and c.exit_code != 0:
            lines = [line for _, _, line in c.log[-80:]]
            text = "\n".join(lines)[-2048:]
            if lines:
                text += "\n"
        return text[:4096]

    def _oom_kill(self, c: Container) -> None:
        if c.state != RUNNING or c.init is None:
            return
        limit = c.config.memory_limit
        if limit is None or c.memory <= limit:
            return
        c.oom = True   # type: ignore[attr-defined]
        c.init.exit(137)

    def stop_container(self, cid: str, timeout: float) -> Future:
        """``StopContainer``: the image's stop signal, then SIGKILL after ``timeout`` seconds."""
        c = self.containers.get(cid)
        if c is None or c.state != RUNNING or c.init is None:
            return resolved(self.loop)
        if c.stopping is None or c.stopping.done:
            c.stopping = Future(self.loop)
        done = c.stopping
        sig = c.config.image.image.stop_signal or "SIGTERM"
        c.init.deliver(sig)
        if not done.done:
            timer = self.loop.call_later(max(0.0, timeout), self._sigkill, c)
            self._kill_timers[c.id] = timer
            done.add_done_callback(lambda _f: timer.cancel())
        return done

    def _sigkill(self, c: Container) -> None:
        self._kill_timers.pop(c.id, None)
        if c.state == RUNNING and c.init is not None:
            c.init.deliver("SIGKILL")

    def abandon_stops(self) -> None:
        """The kubelet went away in the middle of ``StopContainer`` calls: containerd stops
        waiting, and the SIGKILLs those calls would have sent are never sent."""
        for timer in self._kill_timers.values():
            timer.cancel()
        self._kill_timers.clear()

    def remove_container(self, cid: str) -> None:
        c = self.containers.get(cid)
        if c is None:
            return
        if c.state == RUNNING and c.init is not None:
            c.init.exit(137)
        del self.containers[cid]

    def pod_containers(self, pod_uid: str) -> list[Container]:
        """All container instances of a pod, newest first (what ``ListContainers`` returns)."""
        out = [c for c in self.containers.values() if c.pod_uid == pod_uid]
        out.sort(key=lambda c: (c.created_at, c.attempt), reverse=True)
        return out

    def pod_uids(self) -> list[str]:
        seen: dict[str, None] = {}
        for sb in sorted(self.sandboxes.values(), key=lambda s: s.created_at):
            seen.setdefault(sb.pod_uid, None)
        for c in sorted(self.containers.values(), key=lambda c: c.created_at):
            seen.setdefault(c.pod_uid, None)
        return list(seen)

    # attach --------------------------------------------------------------------------------
    def attach(self, cid: str, on_output: Callable[[int, str], None], stdin: bool = False) -> Attachment:
        """``Attach``: connect a client to the running container's main process (see
        :class:`Attachment`); ``on_output(stream, text)`` (1 stdout, 2 stderr) sees its output."""
        c = self.containers.get(cid)
        if c is None or c.state != RUNNING:
            raise ExecError(f"container is not running ({cid})")
        return Attachment(c, on_output, stdin)

    # exec ----------------------------------------------------------------------------------
    def exec_sync(self, cid: str, argv: list[str], timeout: float | None = None,
                  stdin: "str | StdinStream | None" = None,
                  on_output: Callable[[int, str], None] | None = None) -> Future:
        """``ExecSync``: run ``argv`` in the container; the future gives ``(stdout, stderr, code)``.
        A command still running at ``timeout`` gives ``TimeoutError``.  ``on_output(stream, text)``
        (1 stdout, 2 stderr) sees the output as it is written; ``stdin`` may be a
        :class:`StdinStream` that the caller feeds while the command runs."""
        c = self.containers.get(cid)
        if c is None or c.state != RUNNING:
            return failed(self.loop, ExecError(f"container not running ({cid})"))
        program = self.program_for(c.config.image.image, argv)
        if program is None:
            what = argv[0] if argv else ""
            detail = (f"exec: \"{what}\": stat {what}: no such file or directory" if "/" in what
                      else f"exec: \"{what}\": executable file not found in $PATH")
            return failed(self.loop, ExecError(
                f"OCI runtime exec failed: exec failed: unable to start container process: {detail}: unknown"))
        out: list[str] = []
        err: list[str] = []
        write_out, write_err = out.append, err.append
        if on_output is not None:
            def write_out(text: str) -> None:
                out.append(text)
                on_output(1, text)

            def write_err(text: str) -> None:
                err.append(text)
                on_output(2, text)
        env = self.environment(c.config, c.sandbox)
        proc = Process(self, c, argv, env, program, stdout=write_out, stderr=write_err, stdin=stdin,
                       workdir=c.config.working_dir or c.config.image.image.workdir or "/")
        proc.set_memory(program.memory)
        proc.start()
        fut = Future(self.loop)

        def finished(f: Future) -> None:
            fut.set_result(("".join(out), "".join(err), f.result))

        proc.exited.add_done_callback(finished)
        if timeout is not None:
            def expire() -> None:
                if not fut.done:
                    fut.set_exception(TimeoutError(timeout))
            self.loop.call_later(timeout, expire, background=True)
        return fut

    # network -------------------------------------------------------------------------------
    def listener(self, ip: str, port: int) -> Process | None:
        """The process listening on ``ip:port`` on this node (a pod IP or the node IP)."""
        netns = self.host_netns if ip == self.node_ip else (self._ips[ip].netns if ip in self._ips else None)
        if netns is None:
            return None
        proc = netns.listeners.get(int(port))
        if proc is None or proc.exited.done:
            return None
        return proc

    def handle_request(self, ip: str, port: int, request: Request) -> Response:
        """Deliver an HTTP request to whatever listens on ``ip:port`` here."""
        proc = self.listener(ip, port)
        if proc is None:
            known = ip == self.node_ip or ip in self._ips
            raise NetError("refused" if known else "unreachable", ip, port)
        try:
            resp = proc.program.handle(proc, request)
        except Exit as e:
            proc.exit(e.code)
            raise NetError("reset", ip, port) from None
        return charge_request(proc, request, resp)   # the CPU the request costs (kubelet stats)

    def find_listener(self, proc: Process, host: str, port: int) -> Process | None:
        """Who would accept a TCP connection from ``proc`` to ``host:port`` (synchronous; for
        programs that only need to know whether a server is there)."""
        sandbox = proc.container.sandbox
        if host in ("127.0.0.1", "localhost", "::1") or host == sandbox.ip:
            p = sandbox.netns.listeners.get(int(port))
            return p if p is not None and not p.exited.done else None
        ip = host
        if not _is_ip(host):
            if self.network is None or not hasattr(self.network, "resolve"):
                return None
            dns = sandbox.config.dns
            try:
                answer = self.network.resolve(self, sandbox.ip, host, proc.nameserver(),
                                              dns.get("searches", []), dns.get("ndots", 1))
            except DNSError:
                return None
            ip = answer[1][0][0]
        if self.network is not None and hasattr(self.network, "listener"):
            return self.network.listener(self, sandbox.ip, ip, int(port))
        return self.listener(ip, port)

    def can_connect(self, proc: Process, host: str, port: int) -> bool:
        return self.find_listener(proc, host, port) is not None

    def grpc_health(self, ip: str, port: int, service: str = "") -> str | None:
        proc = self.listener(ip, port)
        if proc is None:
            raise NetError("refused", ip, port)
        return proc.program.grpc_health(proc, service)

    def request_from(self, sandbox: Sandbox, ip: str, port: int, request: Request, timeout: float) -> Future:
        """A request leaving a pod (or a probe from the node) towards ``ip:port``.  The answer
        arrives after the server's ``Response.delay`` (at least half a millisecond); a server that
        dies meanwhile resets the connection."""
        try:
            if ip in ("127.0.0.1", "localhost", "::1") or ip == sandbox.ip:
                if sandbox.netns.listeners.get(int(port)) is None:
                    raise NetError("refused", ip, port)
                if ip != sandbox.ip:
                    request.client_ip = "127.0.0.1"
                target, dst_ip, dst_port = self, (sandbox.ip if not sandbox.config.host_network else self.node_ip), port
            elif self.network is not None and hasattr(self.network, "connect"):
                route = self.network.connect(self, sandbox.ip, ip, port)
                target, dst_ip, dst_port = route.runtime, route.ip, route.port
            elif self.network is not None:
                resp = self.network.deliver(self, sandbox.ip, ip, port, request)
                return self._answer_later(resp, ip, port, timeout)
            elif ip in self._ips or ip == self.node_ip:
                target, dst_ip, dst_port = self, ip, port
            else:
                raise NetError("timeout", ip, port)
            return target.exchange(dst_ip, dst_port, request, timeout=timeout, reply_ip=ip, reply_port=port)
        except NetError as e:
            return self.fail_later(e, timeout)

    def fail_later(self, e: NetError, timeout: float, rtt: float = 0.0005) -> Future:
        """A failed connection as the client sees it: a time-out after ``timeout``, anything else
        (refused, unreachable) after a round trip."""
        fut = Future(self.loop)
        self.loop.call_later(timeout if e.kind == "timeout" else rtt, fut.set_exception, e, background=True)
        return fut

    def _answer_later(self, resp: Response, ip: str, port: int, timeout: float) -> Future:
        fut = Future(self.loop)
        delay = max(0.0005, resp.delay)
        if delay > timeout:
            self.loop.call_later(timeout, fut.set_exception, NetError("timeout", ip, port), background=True)
        else:
            self.loop.call_later(delay, fut.set_result, resp, background=True)
        return fut

    def exchange(self, ip: str, port: int, request: Request, *, timeout: float, latency: float = 0.0,
                 service: float = 0.0005, reply_ip: str = "", reply_port: int = 0) -> Future:
        """One request to the program listening on ``ip:port`` here, answered on the virtual
        clock: the future gives the :class:`Response` after ``latency`` (the network's share)
        plus the server's time (its ``Response.delay``, at least ``service``), or fails with
        ``NetError``: ``refused`` (nothing listens), ``timeout`` (no answer within ``timeout``)
        or ``reset`` (the serving process died while the request was in flight, e.g. SIGKILL).
        The program's :meth:`~Program.handle` runs when the request arrives."""
        proc = self.listener(ip, port)
        reply_ip, reply_port = reply_ip or ip, reply_port or port
        if proc is None:
            known = ip == self.node_ip or ip in self._ips
            return self.fail_later(NetError("refused" if known else "unreachable", reply_ip, reply_port), timeout,
                                   max(latency, 0.0005))
        resp = self.handle_request(ip, port, request)
        fut = Future(self.loop)
        delay = latency + max(service, resp.delay)
        if delay > timeout:
            self.loop.call_later(timeout, fut.set_exception, NetError("timeout", reply_ip, reply_port),
                                 background=True)
            return fut
        if proc.exited.done:       # the handler ended its own process (``/exit``, ``/shutdown``)
            return self.fail_later(NetError("reset", reply_ip, reply_port), timeout, max(latency, 0.0005))
        if proc.inflight is None:
            proc.inflight = {}

        def answered() -> None:
            if proc.inflight is not None:
                proc.inflight.pop(fut, None)
            fut.set_result(resp)

        proc.inflight[fut] = (self.loop.call_later(delay, answered, background=True), reply_ip, reply_port)
        return fut

    def _cut_inflight(self, proc: Process) -> None:
        """The serving process is gone: every connection it was answering is reset."""
        flights, proc.inflight = proc.inflight or {}, None
        for fut, (timer, ip, port) in flights.items():
            timer.cancel()
            if not fut.done:
                fut.set_exception(NetError("reset", ip, port))

    def lookup(self, sandbox: Sandbox, name: str, server: str) -> Future:
        fut = Future(self.loop)
        dns = sandbox.config.dns
        try:
            if self.network is None or not hasattr(self.network, "resolve"):
                raise DNSError("timeout", name)
            answer = self.network.resolve(self, sandbox.ip, name, server, dns.get("searches", []),
                                          dns.get("ndots", 1))
        except DNSError as e:
            delay = 10.0 if e.kind == "timeout" else 0.002
            self.loop.call_later(delay, fut.set_exception, e, background=True)
            return fut
        self.loop.call_later(0.002, fut.set_result, answer, background=True)
        return fut

    # the machine ---------------------------------------------------------------------------
    def log_attempts(self, pod_uid: str, name: str) -> int | None:
        """The highest ``<attempt>.log`` in the container's log directory (it survives reboots;
        the kubelet continues restart counts from it, ``calcRestartCountByLogDir``)."""
        return self.log_dirs.get((pod_uid, name))

    def forget_pod_logs(self, pod_uid: str) -> None:
        for key in [k for k in self.log_dirs if k[0] == pod_uid]:
            del self.log_dirs[key]

    def power_off(self) -> None:
        """The node loses power: every process vanishes and containerd's state (kept in /run)
        is gone.  Images and the log directories on disk survive."""
        self.running = False
        listeners, self._listeners = self._listeners, []
        for c in list(self.containers.values()):
            for p in list(c.processes.values()):
                if p.task is not None and not p.exited.done:
                    p.task.cancel()
        self._listeners = listeners
        self.containers.clear()
        self.sandboxes.clear()
        self._ips.clear()
        self.portmap.changed()
        self.host_netns = NetNS(self.node_ip, host=True)

    def power_on(self) -> None:
        self.running = True
