"""``kubectl attach (POD | TYPE/NAME) [-c CONTAINER] [-i] [-t] [-q]`` (k8s.io/kubectl/pkg/cmd/attach,
v1.32): join the main process of a running container.

As upstream: the pod (for a Deployment, ReplicaSet, Service … the most active of its pods, waiting
up to ``--pod-running-timeout``), the default container (the ``kubectl.kubernetes.io/default-
container`` annotation, else the first, with kubectl's "Defaulted container" notice), "cannot
attach a container in a completed pod", the TTY warnings, then the session through the kubelet of
the pod's node (``Kubelet.attach``) — the kubelet's refusals ("container C not found in pod P_NS"
for one that is not running) print as kubectl prints them.

In-process there is no terminal, so ``-t`` never puts one in raw mode (kubectl then says the input
is not a terminal).  The session shows what the container writes *from now on* — earlier output is
in ``kubectl logs`` — until the main process exits, or, as ``logs -f`` here, at most 60 virtual
seconds (``--request-timeout``).  ``-i`` sends the invocation's stdin (``cluster.kubectl(…,
stdin=…)``, the body of a ``%%kubectl`` cell; none is an empty stdin) into the container's stdin;
when it ends, the container's ``stdinOnce`` decides what happens, as in containerd: without a
terminal its stdin closes (a shell then exits), otherwise this session is detached and the
container's stdin stays open for the next attach.
"""
from __future__ import annotations

from ...api import errors as api_errors
from ..errors import GoError
from ..parser import Command, Flag
from .logs import _default_container, _go_type, _most_active, _pods_for, _selector_of, _timeout_flag, streaming_kubelet
from .watch import DEFAULT_WATCH_LIMIT, pump, request_timeout

PROMPT_HINT = "If you don't see a command prompt, try pressing enter."


def command() -> Command:
    return Command("attach", short="Attach to a running container", run=run,
                   usage="kubectl attach (POD | TYPE/NAME) -c CONTAINER [options]",
                   flags=[Flag("pod-running-timeout", default="1m0s",
                               usage="The length of time (like 5s, 2m, or 3h, higher than zero) to wait until at "
                                     "least one pod is running"),
                          Flag("container", "c", usage="Container name. If omitted, use the "
                               "kubectl.kubernetes.io/default-container annotation for selecting the container to "
                               "be attached or the first container in the pod will be chosen"),
                          Flag("stdin", "i", "bool", usage="Pass stdin to the container (in kube-lab: the stdin "
                               "given to cluster.kubectl, or the body of a %%kubectl cell)"),
                          Flag("tty", "t", "bool", usage="Stdin is a TTY (never so in a notebook: there is no "
                               "terminal)"),
                          Flag("quiet", "q", "bool", usage="Only print output from the remote session")])


def _container_spec(pod: dict, name: str) -> dict | None:
    """``podcmd.FindContainerByName``: containers, then init containers, then ephemeral ones."""
    spec = pod.get("spec") or {}
    for key in ("containers", "initContainers", "ephemeralContainers"):
        for c in spec.get(key) or []:
            if c.get("name") == name:
                return c
    return None


def _attachable_pod(inv, args: list[str], timeout: float) -> dict:
    """The object named on the command line (``POD``, ``TYPE/NAME`` or ``TYPE NAME``) and the pod
    to attach to (``polymorphichelpers.AttachablePodForObjectFn``)."""
    if len(args) == 2:
        info, name = inv.resolve(args[0]), args[1]
    elif "/" in args[0]:
        kind, _, name = args[0].partition("/")
        info = inv.resolve(kind)
    else:
        info, name = inv.resolve("pods"), args[0]
    obj = inv.client.get(info.resource, name, inv.namespace if info.namespaced else None)
    if info.kind == "Pod":
        return obj
    try:
        _selector_of(obj)
    except GoError as e:
        raise GoError(f"cannot attach to *{_go_type(obj)}: {e.text}") from None
    return _pods_for(inv, obj, _most_active, timeout)[0]


def run(inv) -> int:
    timeout = _timeout_flag(inv)
    limit = request_timeout(inv, DEFAULT_WATCH_LIMIT)
    args = inv.args
    if not args:
        raise GoError("at least 1 argument is required for attach")
    if len(args) > 2:
        raise GoError(f"expected POD, TYPE/NAME, or TYPE NAME, (at most 2 arguments) saw {len(args)}: "
                      f"[{' '.join(args)}]")
    pod = _attachable_pod(inv, args, timeout)
    return attach_to(inv, pod, inv.flag("container") or "", stdin=bool(inv.flag("stdin")),
                     tty=bool(inv.flag("tty")), quiet=bool(inv.flag("quiet")), limit=limit)


def attach_to(inv, pod: dict, name: str, *, stdin: bool, tty: bool, quiet: bool, limit: float) -> int:
    """``AttachOptions.Run`` once the pod is known (also ``kubectl debug -i``'s last step): the
    completed-pod refusal, the container (named, or the default one), the TTY notices, the
    prompt hint, then the session."""
    phase = (pod.get("status") or {}).get("phase")
    if phase in ("Succeeded", "Failed"):
        raise GoError(f"cannot attach a container in a completed pod; current phase is {phase}")
    if name and _container_spec(pod, name) is None:
        raise GoError(f"cannot attach to the container: container {name} not found in pod {pod['metadata']['name']}")
    if not name:
        name = _default_container(inv, pod, quiet, annotation_notice=False)
    spec = _container_spec(pod, name) or {}
    if tty and not spec.get("tty"):
        tty = False
        if not quiet:
            inv.eprintln(f"error: Unable to use a TTY - container {name} did not allocate one")
    elif not tty and spec.get("tty"):
        tty = True          # a container started with a terminal is attached with one
    if stdin and tty and not quiet:
        inv.eprintln("Unable to use a TTY - input is not a terminal or the right kind of file")
    if not quiet:
        inv.eprintln(PROMPT_HINT)
    return _session(inv, pod, name, inv.stdin if stdin else None, stdin, limit)


def _session(inv, pod: dict, container: str, text: str | None, stdin: bool, limit: float) -> int:
    """``POST pods/NAME/attach``: what the main process writes until it exits (or ``limit``
    virtual seconds); with ``stdin``, ``text`` typed into it first."""
    md = pod["metadata"]
    kubelet = streaming_kubelet(inv, pod)

    def output(stream: int, data: str) -> None:
        (inv.out if stream == 1 else inv.err)(data)
    try:
        attachment = kubelet.attach(md.get("namespace", ""), md["name"], container, output, stdin=stdin)
    except api_errors.StatusError as e:
        if e.message.startswith("unable to upgrade connection"):
            raise GoError(e.message) from None
        raise
    try:
        if stdin:
            type_in(inv, attachment, text)
        pump(inv, lambda: attachment.done, limit, stop_when_idle=False)
    finally:
        attachment.detach()
    return 0


def type_in(inv, attachment, text: str | None) -> None:
    """The client's whole stdin into the container's, then its end of file: a container's
    terminal echoes what it receives (into the container's output), and what the input sets off
    at this instant runs before the end of input is handled (``Attachment.stdin_ended``)."""
    if text and attachment.stream is not None:
        if attachment.tty:
            attachment.echo(text, inv.loop.now)
        attachment.stream.feed(text)
    inv.loop.run_until(inv.loop.now)
    attachment.stdin_ended()
    inv.loop.run_until(inv.loop.now)      # … and what the end of input sets off

