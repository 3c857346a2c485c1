"""``kubectl debug`` (k8s.io/kubectl/pkg/cmd/debug, v1.32): a debugging session three ways.

* ``kubectl debug POD --image=busybox [--target=C]`` adds an **ephemeral container** to the
  running pod through the ``pods/ephemeralcontainers`` subresource (a strategic merge patch, as
  kubectl computes it); ``--target`` asks to share that container's process namespace.
* ``kubectl debug POD --copy-to=NEW …`` creates a **copy of the pod** with the debug container
  added (or a container's image, command or env changed), optionally ``--replace``-ing the original.
* ``kubectl debug node/NAME --image=busybox`` creates a **pod on that node** in the host's
  namespaces with the node's root file system mounted at ``/host``.

``--profile`` (legacy — the default, deprecated — general, baseline, restricted, netadmin,
sysadmin) adjusts the security context, namespaces and copy as upstream's profiles do.  ``-i``
waits for the container to run and attaches to it (``kubectl attach``).  Generated names end in
five characters from the cluster's ``kubectl/debug`` random stream.  ``--env`` pairs are sorted by
name (Go's map order, which upstream keeps, is random).
"""
from __future__ import annotations

import re
from typing import Any

from ...api import errors as api_errors
from ...api.meta import deep_copy
from ...api.names import random_string
from ..parser import Command, CommandError, Flag
from ..resources import Builder
from ..typed import roundtrip
from . import filename_flags

LEGACY_WARNING = ('--profile=legacy is deprecated and will be removed in the future. It is recommended to '
                  'explicitly specify a profile, for example "--profile=general".')
PROFILES = ("legacy", "general", "baseline", "restricted", "netadmin", "sysadmin")
_IMAGE_REFERENCE = re.compile(
    r"^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*"
    r"(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*)*"
    r"(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$")


def command() -> Command:
    return Command("debug", short="Create debugging sessions for troubleshooting workloads and nodes", run=run,
                   usage="kubectl debug (POD | TYPE[[.VERSION].GROUP]/NAME) [ -- COMMAND [args...] ]",
                   flags=[*filename_flags("identifying the resource to debug"),
                          Flag("arguments-only", type="bool"), Flag("attach", type="bool"), Flag("container", "c"),
                          Flag("copy-to"), Flag("replace", type="bool"), Flag("env", type="stringToString"),
                          Flag("image"), Flag("keep-labels", type="bool"), Flag("keep-annotations", type="bool"),
                          Flag("keep-liveness", type="bool"), Flag("keep-readiness", type="bool"),
                          Flag("keep-startup", type="bool"), Flag("keep-init-containers", type="bool", default=True),
                          Flag("set-image", type="stringToString"), Flag("image-pull-policy"),
                          Flag("stdin", "i", "bool"), Flag("quiet", "q", "bool"), Flag("same-node", type="bool"),
                          Flag("share-processes", type="bool", default=True), Flag("target"),
                          Flag("tty", "t", "bool"), Flag("profile", default="legacy"), Flag("custom")])


# -- options (Complete + Validate) ------------------------------------------------------------

class _Options:
    def __init__(self, inv):
        self.inv = inv
        args, dash = list(inv.args), inv.opts.dash_at
        self.targets, self.args = (args[:dash], args[dash:]) if dash >= 0 else (args, [])
        self.image = inv.flag("image") or ""
        self.container = inv.flag("container") or ""
        self.copy_to = inv.flag("copy-to") or ""
        self.interactive = bool(inv.flag("stdin"))
        self.tty = bool(inv.flag("tty"))
        self.attach = bool(inv.flag("attach")) if inv.given("attach") else self.interactive
        self.quiet = bool(inv.flag("quiet"))
        self.target = inv.flag("target") or ""
        self.pull_policy = inv.flag("image-pull-policy") or ""
        self.profile = inv.flag("profile") or "legacy"
        self.set_images: dict = dict(inv.flag("set-image") or {})
        self.env = [{"name": k, "value": v} for k, v in sorted((inv.flag("env") or {}).items())]
        self.keep = {k: bool(inv.flag(f"keep-{k}")) for k in ("labels", "annotations", "liveness", "readiness",
                                                             "startup", "init-containers")}
        if self.profile not in PROFILES:
            raise CommandError(f"error: unknown profile: {self.profile}")
        if inv.flag("custom"):
            raise CommandError("error: kubectl debug --custom is not available in kube-lab: custom profiles "
                               "are not simulated")

    def validate(self) -> None:
        inv = self.inv
        if self.attach and inv.given("attach") and not self.image and not self.container:
            raise CommandError("error: you must specify --container or create a new container using --image in "
                               "order to attach.")
        if self.copy_to:
            if not self.image and not self.set_images and not self.args:
                raise CommandError("error: you must specify --image, --set-image or command arguments.")
            if self.args and not self.container and not self.image:
                raise CommandError("error: you must specify an existing container or a new image when specifying "
                                   "args.")
        elif inv.flag("replace"):
            raise CommandError("error: --replace may only be used with --copy-to.")
        elif inv.flag("same-node"):
            raise CommandError("error: --same-node may only be used with --copy-to.")
        elif self.set_images:
            raise CommandError("error: --set-image may only be used with --copy-to.")
        elif not self.image:
            raise CommandError("error: you must specify --image when not using --copy-to.")
        if self.image and not _IMAGE_REFERENCE.match(self.image):
            raise CommandError(f'error: invalid image name "{self.image}": invalid reference format')
        if not self.targets and not inv.flag("filename"):
            raise CommandError("error: NAME or filename is required for debug")
        if self.pull_policy not in ("Always", "IfNotPresent", "Never", ""):
            raise CommandError(f"error: invalid image pull policy: {self.pull_policy}")
        for name, image in sorted(self.set_images.items()):
            if not _IMAGE_REFERENCE.match(image):
                raise CommandError(f'error: invalid image name "{image}" for container "{name}": invalid reference '
                                   "format")
        if self.target:
            if self.copy_to:
                raise CommandError("error: --target is incompatible with --copy-to. Use --share-processes instead.")
            if not self.quiet:
                inv.println(f'Targeting container "{self.target}". If you don\'t see processes from this container '
                            "it may be because the container runtime doesn't support this feature.")
        if self.tty and not self.interactive:
            raise CommandError("error: -i/--stdin is required for containers with -t/--tty=true")
        if self.profile == "legacy":
            inv.eprintln(LEGACY_WARNING)

    def command_fields(self, container: dict) -> None:
        if self.args:
            container["args" if self.inv.flag("arguments-only") else "command"] = list(self.args)


def _suffix(inv) -> str:
    return random_string(5, inv.cluster.random.stream("kubectl/debug"))


# -- profiles (profiles.go) -------------------------------------------------------------------

def _containers(spec: dict, ephemeral: bool = True) -> list[dict]:
    kinds = ("initContainers", "containers", "ephemeralContainers") if ephemeral else ("initContainers", "containers")
    return [c for k in kinds for c in spec.get(k) or ()]


def _named(spec: dict, name: str, ephemeral: bool = True) -> dict | None:
    return next((c for c in _containers(spec, ephemeral) if c.get("name") == name), None)


def _security(c: dict) -> dict:
    return c.setdefault("securityContext", {})


def _add_capability(c: dict, cap: str) -> None:
    _security(c).setdefault("capabilities", {}).setdefault("add", []).append(cap)


def _apply_profile(opts: _Options, pod: dict, name: str, style: str) -> None:
    """``ProfileApplier.Apply`` for ``style`` ephemeral, copy or node."""
    spec = pod["spec"]
    c = _named(spec, name)
    profile = opts.profile

    def mount_root() -> None:
        spec.setdefault("volumes", []).append({"name": "host-root", "hostPath": {"path": "/"}})
        target = _named(spec, name, ephemeral=False)
        if target is not None:
            target.setdefault("volumeMounts", []).append({"mountPath": "/host", "name": "host-root"})

    def host_namespaces() -> None:
        spec.update(hostNetwork=True, hostPID=True, hostIPC=True)

    def trim_copy(keep_labels: bool | None = None) -> None:
        md = pod["metadata"]
        if not (opts.keep["labels"] if keep_labels is None else keep_labels):
            md.pop("labels", None)
        if keep_labels is not None:        # the legacy profile only drops the labels
            return
        if not opts.keep["annotations"]:
            md.pop("annotations", None)
        for ctr in spec.get("containers") or ():
            for probe in ("liveness", "readiness", "startup"):
                if not opts.keep[probe]:
                    ctr.pop(f"{probe}Probe", None)
        if not opts.keep["init-containers"]:
            spec.pop("initContainers", None)
        spec.setdefault("shareProcessNamespace", True)

    if profile in ("baseline", "restricted") and c is not None:
        c.pop("securityContext", None)
    if profile == "restricted" and c is not None:
        sc = _security(c)
        sc["runAsNonRoot"] = True
        sc.setdefault("capabilities", {})["drop"] = ["ALL"]
        sc["capabilities"].pop("add", None)
        sc["allowPrivilegeEscalation"] = False
        sc["seccompProfile"] = {"type": "RuntimeDefault"}
    if profile == "netadmin" and c is not None:
        _add_capability(c, "NET_ADMIN")
        _add_capability(c, "NET_RAW")
    if profile == "sysadmin" and c is not None:
        _security(c)["privileged"] = True

    if profile == "legacy":
        if style == "node":
            mount_root()
            host_namespaces()
        elif style == "copy":
            trim_copy(keep_labels=False)
    elif profile == "general":
        if style == "node":
            mount_root()
            if c is not None:
                c.pop("securityContext", None)
            host_namespaces()
        else:
            if style == "copy":
                trim_copy()
            if c is not None:
                _add_capability(c, "SYS_PTRACE")
    elif style == "copy":
        trim_copy()
    elif style == "node" and profile in ("netadmin", "sysadmin"):
        host_namespaces()
        if profile == "sysadmin":
            mount_root()


# -- the three styles ---------------------------------------------------------------------------

def _debug_name(opts: _Options, pod: dict) -> str:
    """``computeDebugContainerName``: ``--container`` or ``debugger-xxxxx`` not yet in the pod."""
    if opts.container:
        return opts.container
    taken = {c.get("name") for c in _containers(pod.get("spec") or {})}
    name = ""
    while not name or name in taken:
        name = f"debugger-{_suffix(opts.inv)}"
    if not opts.quiet:
        opts.inv.println(f"Defaulting debug container name to {name}.")
    return name


def _base_container(opts: _Options, name: str) -> dict:
    c: dict[str, Any] = {"name": name, "image": opts.image, "resources": {}, "terminationMessagePolicy": "File"}
    if opts.env:
        c["env"] = deep_copy(opts.env)
    if opts.pull_policy:
        c["imagePullPolicy"] = opts.pull_policy
    if opts.interactive:
        c["stdin"] = True
    if opts.tty:
        c["tty"] = True
    opts.command_fields(c)
    return c


def _by_ephemeral_container(opts: _Options, pod: dict) -> tuple[dict, str]:
    from .set import _strategic

    name = _debug_name(opts, pod)
    ec = _base_container(opts, name)
    if opts.target:
        ec["targetContainerName"] = opts.target
    debug_pod = deep_copy(pod)
    debug_pod["spec"].setdefault("ephemeralContainers", []).append(ec)
    _apply_profile(opts, debug_pod, name, "ephemeral")
    patch = _strategic(_typed(pod), _typed(debug_pod))
    md = pod["metadata"]
    out = opts.inv.client.patch("pods", md["name"], patch, "application/strategic-merge-patch+json",
                                md.get("namespace"), subresource="ephemeralcontainers")
    return out, name


def _by_copy(opts: _Options, pod: dict) -> tuple[dict, str]:
    md = pod["metadata"]
    copied: dict[str, Any] = {"apiVersion": "v1", "kind": "Pod",
                              "metadata": {"name": opts.copy_to, "namespace": md.get("namespace")},
                              "spec": deep_copy(pod.get("spec") or {})}
    for key in ("annotations", "labels"):
        if md.get(key):
            copied["metadata"][key] = dict(md[key])
    spec = copied["spec"]
    spec.pop("ephemeralContainers", None)
    if opts.inv.given("share-processes"):
        spec["shareProcessNamespace"] = bool(opts.inv.flag("share-processes"))
    if not opts.inv.flag("same-node"):
        spec.pop("nodeName", None)
    for c in spec.get("containers") or ():
        image = opts.set_images.get(c.get("name"), opts.set_images.get("*", ""))
        if image:
            c["image"] = image
    name = opts.container
    c = _named(spec, name, ephemeral=False) if name else None
    if c is None:
        if not opts.image:
            if opts.set_images:
                return opts.inv.client.create("pods", _typed(copied), md.get("namespace")), ""
            raise CommandError("error: you must specify image when creating new container")
        name = name or _debug_name(opts, copied)
        c = {"name": name, "terminationMessagePolicy": "File"}
        spec.setdefault("containers", []).append(c)
    if opts.args:
        if opts.inv.flag("arguments-only"):
            c["args"] = list(opts.args)
        else:
            c["command"] = list(opts.args)
            c.pop("args", None)
    if opts.env:
        c["env"] = deep_copy(opts.env)
    if opts.image:
        c["image"] = opts.image
    if opts.pull_policy:
        c["imagePullPolicy"] = opts.pull_policy
    for key, on in (("stdin", opts.interactive), ("tty", opts.tty)):
        if on:
            c[key] = True
        else:
            c.pop(key, None)
    _apply_profile(opts, copied, c["name"], "copy")
    created = opts.inv.client.create("pods", _typed(copied), md.get("namespace"))
    if opts.inv.flag("replace"):
        opts.inv.client.delete("pods", md["name"], md.get("namespace"), grace_period=0)
    return created, name


def _node_pod(opts: _Options, node: dict) -> tuple[dict, str]:
    cn = opts.container or "debugger"
    node_name = node["metadata"]["name"]
    pn = f"node-debugger-{node_name}-{_suffix(opts.inv)}"
    if not opts.quiet:
        opts.inv.println(f"Creating debugging pod {pn} with container {cn} on node {node_name}.")
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": pn},
           "spec": {"containers": [_base_container(opts, cn)], "nodeName": node_name,
                    "restartPolicy": "Never", "tolerations": [{"operator": "Exists"}]}}
    _apply_profile(opts, pod, cn, "node")
    return opts.inv.client.create("pods", _typed(pod), opts.inv.namespace), cn


def _typed(pod: dict) -> dict:
    """The pod as kubectl's typed ``corev1.Pod`` sends it (``resources: {}`` and the other zero
    values a Go struct always encodes); ``status`` and empty metadata fields dropped."""
    out = roundtrip(pod)
    out.pop("status", None)
    return out


# -- run --------------------------------------------------------------------------------------

def _objects(opts: _Options) -> list[tuple[str, dict]]:
    """``ResourceNames("pods", …)``: a bare name is a pod; ``TYPE/NAME`` any kind (only pods and
    nodes can be debugged)."""
    inv = opts.inv
    found = []
    if inv.flag("filename"):
        for v in Builder(inv).filenames_from(inv.flag("filename"), inv.flag("recursive"), inv.flag("kustomize")).visits():
            if v.kind == "error":
                raise v.extra["error"]
            found.append((v.info, v.name, v.namespace))
    for target in opts.targets:
        kind, _, name = target.rpartition("/")
        info = inv.resolve(kind or "pods")
        found.append((info, name, inv.ns_for(info)))
    out = []
    for info, name, ns in found:
        obj = inv.client.get(info.resource, name, ns)
        out.append((info.kind, obj))
    return out


def run(inv) -> int:
    opts = _Options(inv)
    opts.validate()
    for kind, obj in _objects(opts):
        if kind == "Node":
            pod, container = _node_pod(opts, obj)
        elif kind == "Pod":
            try:
                pod, container = _by_copy(opts, obj) if opts.copy_to else _by_ephemeral_container(opts, obj)
            except api_errors.StatusError as e:
                if e.reason == "NotFound" and not (e.status.get("details") or {}).get("name") and not opts.copy_to:
                    raise CommandError("error: ephemeral containers are disabled for this cluster (error from "
                                       f'server: "{e.message}")') from None
                raise
        else:
            group = obj.get("apiVersion", "v1")
            raise CommandError(f'error: "{group if "/" in group else "/" + group}, Kind={kind}" not supported by '
                               "debug")
        if opts.attach and container:
            _attach(inv, opts, pod, container)
    return 0


def _status_of(pod: dict, name: str) -> dict | None:
    st = pod.get("status") or {}
    for key in ("initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"):
        for cs in st.get(key) or ():
            if cs.get("name") == name:
                return cs
    return None


def _attach(inv, opts: _Options, pod: dict, container: str) -> None:
    """``handleAttachPod``: wait (in virtual time) for the container to run or end — warning
    about what it waits for — then attach as ``kubectl attach`` does, or show its logs if it
    has already ended.  Upstream waits without a limit; here at most 60 virtual seconds
    (``--request-timeout``), as ``kubectl attach`` here follows a container."""
    from .attach import attach_to
    from .logs import fetch_logs
    from .watch import DEFAULT_WATCH_LIMIT, request_timeout

    md = pod["metadata"]
    limit = request_timeout(inv, DEFAULT_WATCH_LIMIT)
    seen: dict = {"pod": pod, "message": ""}

    def ready() -> bool:
        try:
            cur = inv.client.get("pods", md["name"], md.get("namespace"))
        except api_errors.StatusError:
            raise api_errors.not_found("pods", "") from None
        seen["pod"] = cur
        cs = _status_of(cur, container)
        if cs is None:
            return False
        state = cs.get("state") or {}
        if "running" in state or "terminated" in state:
            return True
        message = (state.get("waiting") or {}).get("message") or ""
        if message and message != seen["message"] and not opts.quiet:
            seen["message"] = message
            inv.warn(f"container {container}: {message}")
        return False

    if not inv.wait_until(ready, limit):
        raise CommandError("error: timed out waiting for the condition")
    cur = seen["pod"]
    if "terminated" in ((_status_of(cur, container) or {}).get("state") or {}):
        inv.out(fetch_logs(inv, cur, container))
        return
    attach_to(inv, cur, container, stdin=opts.interactive, tty=opts.tty, quiet=opts.quiet, limit=limit)
