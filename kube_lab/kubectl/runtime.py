"""Running one kubectl command line against a simulated cluster.

:class:`Kubectl` holds what persists between commands (the kubeconfig with its current context and
namespace); :meth:`Kubectl.run` parses a command line, runs the command and returns a
:class:`KubectlResult` with what kubectl would have written to stdout and stderr and its exit
code.  A user's mistake — a bad flag, an unknown resource, a broken manifest — never escapes as a
Python exception: it is printed as kubectl prints it.

kubectl's requests go through a :class:`kube_lab.client.Client` named ``kubectl``, so they show
up in ``cluster.trace``.  Commands that wait (``rollout status``, ``wait``, ``delete --wait``,
``get -w``) advance the cluster's virtual clock instead of sleeping.  Before and after every
command, what is due at the current virtual instant runs (informers see the change, controllers
react), as it would in the moments between two typed commands; the clock itself stays put.
"""
from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from ..api import errors as api_errors
from ..api.meta import deep_copy
from ..api.registry import REGISTRY, ResourceInfo
from ..client import Client
from . import errors as kerrors
from .kubeconfig import KubeConfig
from .parser import Command, CommandError, FlagError, ParsedArgs, split_command_line

if TYPE_CHECKING:  # pragma: no cover
    from ..cluster import Cluster


@dataclass
class KubectlResult:
    """What one kubectl command printed: ``stdout``, ``stderr`` and ``exit_code``.

    In Jupyter it shows like a terminal: both streams in the order they were written (stderr
    lines in red in the HTML view)."""

    command: str
    stdout: str
    stderr: str
    exit_code: int
    chunks: list = field(default_factory=list, repr=False)   # (stream, text) in write order

    @property
    def output(self) -> str:
        """stdout and stderr interleaved as a terminal shows them."""
        if not self.chunks:
            return self.stdout + self.stderr
        return "".join(text for _, text in self.chunks)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def check(self) -> "KubectlResult":
        """Raise ``RuntimeError`` with kubectl's error text unless the command succeeded."""
        if self.exit_code != 0:
            raise RuntimeError(f"kubectl {self.command} failed (exit code {self.exit_code}):\n{self.stderr}")
        return self

    def __str__(self) -> str:
        return self.output

    def _repr_pretty_(self, p, cycle) -> None:  # IPython's text/plain view
        text = self.output
        p.text(text[:-1] if text.endswith("\n") else text)

    def _repr_html_(self) -> str:
        parts = []
        for stream, text in self.chunks or [("stdout", self.stdout), ("stderr", self.stderr)]:
            escaped = html.escape(text)
            if stream == "stderr":
                parts.append(f'<span style="color:#c00">{escaped}</span>')
            else:
                parts.append(escaped)
        return '<pre class="kube-lab-kubectl">' + "".join(parts) + "</pre>"


class Output:
    """The two output streams of one command, remembering the order of writes."""

    def __init__(self):
        self.chunks: list[tuple[str, str]] = []

    def out(self, text: str) -> None:
        if text:
            self.chunks.append(("stdout", text))

    def err(self, text: str) -> None:
        if text:
            self.chunks.append(("stderr", text))

    def stream(self, name: str) -> str:
        return "".join(t for s, t in self.chunks if s == name)


class Invocation:
    """Everything one command needs: the parsed flags, the cluster, the API client, output."""

    def __init__(self, kubectl: "Kubectl", cmd: Command, parsed: ParsedArgs, stdin: str | None, output: Output):
        self.kubectl = kubectl
        self.cluster = kubectl.cluster
        self.apiserver = kubectl.cluster.apiserver
        self.loop = kubectl.cluster.loop
        self.client: Client = kubectl.client
        self.registry = REGISTRY
        self.cmd = cmd
        self.opts = parsed
        self.args = parsed.args
        self.stdin = stdin
        self.output = output
        self.kubeconfig = kubectl.kubeconfig
        ctx_name = parsed.get("context") or None
        if ctx_name and ctx_name not in self.kubeconfig.contexts:
            raise CommandError(f'error: context "{ctx_name}" does not exist')
        self.context_name = ctx_name or self.kubeconfig.current_context
        ns_flag = parsed.get("namespace") or ""
        self.explicit_namespace = bool(ns_flag)
        self.namespace = ns_flag or self.kubeconfig.namespace(self.context_name)

    # -- output -------------------------------------------------------------------------
    def out(self, text: str) -> None:
        self.output.out(text)

    def err(self, text: str) -> None:
        self.output.err(text)

    def println(self, text: str = "") -> None:
        self.output.out(text + "\n")

    def eprintln(self, text: str = "") -> None:
        self.output.err(text + "\n")

    def warn(self, text: str) -> None:
        self.output.err(f"Warning: {text}\n")

    # -- time ---------------------------------------------------------------------------
    def now(self) -> float:
        """Unix seconds of the cluster's virtual now."""
        return self.apiserver.epoch + self.loop.now

    def advance(self, seconds: float) -> None:
        self.loop.run(seconds)

    def wait_until(self, predicate: Callable[[], bool], timeout: float, step: float | None = None) -> bool:
        """Advance virtual time until ``predicate()`` holds (checked after every event, or every
        ``step`` seconds); False after ``timeout`` virtual seconds."""
        deadline = self.loop.now + timeout
        if predicate():
            return True
        while self.loop.now < deadline:
            if step is not None:
                self.loop.run_until(min(self.loop.now + step, deadline))
            else:
                nxt = self.loop.next_time()
                if nxt is None or nxt > deadline:
                    self.loop.run_until(deadline)
                else:
                    self.loop.step()
            if predicate():
                return True
        return False

    # -- API ----------------------------------------------------------------------------
    def resolve(self, name: str) -> ResourceInfo:
        """The REST mapping of a type typed on the command line (``po``, ``deployments.apps``)."""
        info = self.registry.resolve(name)
        if info is None:
            resource = name.split(".", 1)[0] if "." in name else name
            raise CommandError(f'error: the server doesn\'t have a resource type "{resource}"')
        return info

    def ns_for(self, info: ResourceInfo) -> str | None:
        return self.namespace if info.namespaced else None

    def flag(self, name: str) -> Any:
        return self.opts.get(name)

    def given(self, name: str) -> bool:
        return self.opts.given(name)


class Kubectl:
    """The kubectl of one simulated cluster.  ``run("get pods -o wide")`` runs a command line."""

    def __init__(self, cluster: "Cluster", kubeconfig: KubeConfig | None = None, *, raise_internal: bool = False):
        self.cluster = cluster
        self.kubeconfig = kubeconfig or KubeConfig(getattr(cluster, "name", "kind"))
        self.client = Client(cluster.apiserver, "kubectl")
        self.raise_internal = raise_internal or bool(os.environ.get("KUBE_LAB_KUBECTL_RAISE"))
        from .commands import build_root

        self.root = build_root()

    def run(self, command_line: str | list[str], stdin: str | None = None) -> KubectlResult:
        output = Output()
        text = command_line if isinstance(command_line, str) else " ".join(command_line)
        code = 0
        try:
            words = split_command_line(command_line) if isinstance(command_line, str) else list(command_line)
            if words and words[0] == "kubectl":
                words = words[1:]
            self._deliver_due()
            code = self._execute(words, stdin, output)
        except BaseException as e:  # noqa: BLE001 - every failure becomes kubectl output
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            if not isinstance(e, (CommandError, api_errors.StatusError, kerrors.MultipleErrors)) \
                    and self.raise_internal:
                raise
            if not isinstance(e, (CommandError, api_errors.StatusError, kerrors.MultipleErrors)):
                from ..api.registry import NoKindMatchError

                if not isinstance(e, NoKindMatchError):
                    e = CommandError(f"error: {type(e).__name__}: {e}")
            msg, code = kerrors.render(e)
            if msg:
                output.err(msg if msg.endswith("\n") else msg + "\n")
        try:
            self._deliver_due()
        except Exception:  # noqa: BLE001 - a component failing is not kubectl's output
            if self.raise_internal:
                raise
        return KubectlResult(text, output.stream("stdout"), output.stream("stderr"), code, list(output.chunks))

    def _deliver_due(self) -> None:
        """Let the control plane react to what is due *now* (watch events, zero-delay work), as
        it does in the instants between two commands; the virtual clock does not move."""
        loop = self.cluster.loop
        loop.run_until(loop.now)

    def _execute(self, words: list[str], stdin: str | None, output: Output) -> int:
        root = self.root
        cmd, rest = root.find(words)
        if cmd is root and words:
            first_word = next((w for w in words if not w.startswith("-")), None)
            stripped = _root_words(words, root)
            if stripped:
                if words[0].startswith("-"):
                    raise CommandError(f"Error: flags cannot be placed before plugin name: {words[0]}")
                unknown = stripped[0]
                suggestions = root.suggestions_for(unknown)
                msg = f'error: unknown command "{unknown}" for "kubectl"'
                if suggestions:
                    msg += "\n\nDid you mean this?\n" + "".join(f"\t{s}\n" for s in suggestions)
                    msg = msg.rstrip("\n")
                raise CommandError(msg)
            del first_word
        try:
            parsed = cmd.parse(rest)
        except FlagError as e:
            if cmd.on_flag_error is not None:
                raise cmd.on_flag_error(e) from None
            raise CommandError(f"error: {e}\nSee '{cmd.path} --help' for usage.") from None
        if parsed.get("help"):
            from .commands import help_text

            output.out(help_text(cmd))
            return 0
        if cmd.run is None:
            if cmd.subcommands and parsed.args:
                raise CommandError(f'error: unknown command "{" ".join(parsed.args)}"\nSee \'{cmd.path} -h\' for '
                                   "help and examples")
            from .commands import help_text

            output.out(help_text(cmd))
            return 0 if cmd is root else 1
        inv = Invocation(self, cmd, parsed, stdin, output)
        from .printers import SHOW_MANAGED_FIELDS

        token = SHOW_MANAGED_FIELDS.set(bool(parsed.get("show-managed-fields")))
        try:
            result = cmd.run(inv)
        finally:
            SHOW_MANAGED_FIELDS.reset(token)
        return int(result or 0)

    # -- convenience ----------------------------------------------------------------------
    def __call__(self, command_line: str, stdin: str | None = None) -> KubectlResult:
        return self.run(command_line, stdin)


def _root_words(words: list[str], root: Command) -> list[str]:
    from .parser import _strip_flags

    return _strip_flags(words, root)


def copy_obj(obj: Any) -> Any:
    return deep_copy(obj)
