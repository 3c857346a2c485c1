"""The real kubectl as an oracle for differential tests.

:func:`real_kubectl` finds a kubectl v1.32 binary (``$KUBECTL``, or ``kubectl.1.32`` next to the
``kubectl`` on PATH — Google Cloud SDK's dispatcher keeps the real binaries there —, or ``kubectl``
itself when it reports v1.32).  :func:`run_real` runs it without a server (client-side commands);
:class:`LiveOracle` serves a cluster over HTTP (frozen virtual clock) so the real kubectl and ours
can be compared on the same objects.
"""
from __future__ import annotations

import functools
import os
import shlex
import shutil
import subprocess
import tempfile


@functools.lru_cache(maxsize=None)
def real_kubectl() -> str | None:
    candidates = []
    if os.environ.get("KUBECTL"):
        candidates.append(os.environ["KUBECTL"])
    found = shutil.which("kubectl")
    if found:
        real = os.path.realpath(found)
        candidates.append(os.path.join(os.path.dirname(real), "kubectl.1.32"))
        candidates.append(found)
    for c in candidates:
        if not c or not os.path.exists(c):
            continue
        try:
            out = subprocess.run([c, "version", "--client"], capture_output=True, text=True, timeout=30,
                                 env=_env()).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        if "v1.32." in out and "dispatcher" not in out:
            return c
    return None


def _env() -> dict:
    env = dict(os.environ)
    env["KUBECONFIG"] = "/nonexistent-kube-lab-kubeconfig"
    env.pop("KUBERNETES_SERVICE_HOST", None)
    env["HOME"] = tempfile.gettempdir()
    return env


@functools.lru_cache(maxsize=None)
def _named_kubectl() -> str:
    """The binary under the name ``kubectl`` (``--record`` writes ``os.Args[0]``'s base name into
    the change cause)."""
    real = real_kubectl()
    if os.path.basename(real) == "kubectl":
        return real
    d = tempfile.mkdtemp(prefix="kube-lab-kubectl-")
    link = os.path.join(d, "kubectl")
    os.symlink(real, link)
    return link


def run_real(args: list[str], stdin: str | None = None, cwd: str | None = None,
             kubeconfig: str | None = None) -> tuple[str, str, int]:
    env = _env()
    if kubeconfig:
        env["KUBECONFIG"] = kubeconfig
    p = subprocess.run([_named_kubectl(), *args], input=stdin, capture_output=True, text=True, timeout=60,
                       env=env, cwd=cwd)
    return p.stdout, p.stderr, p.returncode


class LiveOracle:
    """``with LiveOracle(cluster) as o: o.real(["get", "pods"])`` — the real kubectl talking to the
    cluster over HTTP while virtual time stands still."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.dir = tempfile.mkdtemp(prefix="kube-lab-oracle-")
        self.kubeconfig = os.path.join(self.dir, "kubeconfig")
        self.server = None

    def __enter__(self) -> "LiveOracle":
        self.server = self.cluster.serve(speed=0.0, kubeconfig=self.kubeconfig)
        return self

    def __exit__(self, *exc) -> None:
        if self.server is not None:
            self.server.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def real(self, args: list[str], stdin: str | None = None) -> tuple[str, str, int]:
        return run_real(args, stdin, kubeconfig=self.kubeconfig)

    def mismatches(self, ours, lines: list[str], normalise=lambda text: text) -> str:
        """Run each command line with the real kubectl (on this cluster) and with ``ours`` (a
        Kubectl of an identical cluster); the lines whose (stdout, stderr, exit code) differ after
        ``normalise`` — as a readable report, empty when all agree."""
        report = []
        for line in lines:
            out, err, code = self.real(shlex.split(line))
            got = ours.run(line)
            real, mine = (normalise(out), normalise(err), code), (normalise(got.stdout), normalise(got.stderr),
                                                                   got.exit_code)
            if real != mine:
                report.append(f"{line}\n real: {real!r}\n ours: {mine!r}")
        return "\n".join(report)
