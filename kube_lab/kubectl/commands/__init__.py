"""The kubectl command tree, registered in kubectl's order (k8s.io/kubectl/pkg/cmd/cmd.go) — the
order matters: cobra's "Did you mean this?" lists suggestions in registration order.

Each command group lives in its own module and exposes a ``command()`` (or ``commands()``)
factory returning :class:`~kube_lab.kubectl.parser.Command` objects.
"""
from __future__ import annotations

from ..parser import Command, CommandError, Flag


def global_flags() -> list[Flag]:
    """kubectl's persistent flags (``kubectl options``)."""
    def g(*a, **kw) -> Flag:
        return Flag(*a, persistent=True, **kw)
    return [
        g("as", usage="Username to impersonate for the operation."),
        g("as-group", type="stringArray", usage="Group to impersonate for the operation."),
        g("as-uid", usage="UID to impersonate for the operation."),
        g("cache-dir", default="$HOME/.kube/cache"),
        g("certificate-authority"), g("client-certificate"), g("client-key"),
        g("cluster", usage="The name of the kubeconfig cluster to use"),
        g("context", usage="The name of the kubeconfig context to use"),
        g("disable-compression", type="bool"),
        g("insecure-skip-tls-verify", type="bool"),
        g("kubeconfig", usage="Path to the kubeconfig file to use for CLI requests."),
        g("log-flush-frequency", type="duration", default=5.0),
        g("match-server-version", type="bool"),
        g("namespace", "n", usage="If present, the namespace scope for this CLI request"),
        g("password"), g("profile", default="none"), g("profile-output", default="profile.pprof"),
        g("request-timeout", default="0", usage="The length of time to wait before giving up on a single "
          "server request."),
        g("server", "s", usage="The address and port of the Kubernetes API server"),
        g("tls-server-name"), g("token"), g("user"), g("username"),
        g("v", "v", type="int", usage="number for the log level verbosity"),
        g("vmodule"), g("warnings-as-errors", type="bool"),
    ]


def unsupported(name: str, why: str) -> Command:
    def run(inv) -> int:
        raise CommandError(f"error: kubectl {name} is not available in kube-lab: {why}")
    return Command(name, run=run, short=f"({why})")


def build_root() -> Command:
    from . import (apiresources, apply, attach, auth, autoscale, clusterinfo, config, cp, create, debug, delete,
                   describe, diff, drain, events, explain, expose, get, kustomizecmd, label, logs, patch,
                   portforward, replace, rollout, run, scale, set as setcmd, taint, top, version, wait)

    root = Command("kubectl", short="kubectl controls the Kubernetes cluster manager.", flags=global_flags())
    root.add(
        create.command(),
        expose.command(),
        run.command(),
        setcmd.command(),
        explain.command(),
        get.command(),
        unsupported("edit", "there is no editor in a notebook; use kubectl apply, patch or set instead"),
        delete.command(),
        rollout.command(),
        scale.command(),
        autoscale.command(),
        unsupported("certificate", "certificate signing requests are not simulated"),
        clusterinfo.command(),
        top.command(),
        *drain.commands(),
        taint.command(),
        describe.command(),
        logs.command(),
        attach.command(),
        logs.exec_command(),
        portforward.command(),
        portforward.proxy_command(),
        cp.command(),
        auth.command(),
        debug.command(),
        events.command(),
        diff.command(),
        apply.command(),
        patch.command(),
        replace.command(),
        wait.command(),
        kustomizecmd.command(),
        label.command(),
        label.annotate_command(),
        unsupported("completion", "shell completion does not apply to the simulated kubectl"),
    )
    alpha = unsupported("alpha", "alpha commands are not simulated")
    alpha.hidden = True
    root.add(
        alpha,
        config.command(),
        unsupported("plugin", "plugins are not supported"),
        version.command(),
        apiresources.versions_command(),
        apiresources.command(),
        unsupported("options", "see the kube-lab documentation for the global flags"),
    )
    return root


def help_text(cmd: Command) -> str:
    """A short help screen (kube-lab's own words, not kubectl's full help)."""
    lines = []
    if cmd.short:
        lines.append(cmd.short)
        lines.append("")
    if cmd.subcommands:
        lines.append("Available Commands:")
        width = max([11] + [len(c.name) for c in cmd.subcommands if not c.hidden])
        for c in cmd.subcommands:
            if not c.hidden:
                lines.append(f"  {c.name.ljust(width)} {c.short}".rstrip())
        lines.append("")
    flags = [f for f in cmd.flags if not f.hidden and not f.persistent]
    if flags:
        lines.append("Options:")
        for f in flags:
            lines.append(f"    {f.display}: {f.usage}".rstrip(": ").rstrip())
        lines.append("")
    usage = cmd.usage or (f"{cmd.path} [flags]" if cmd.run else f"{cmd.path} [command]")
    lines.append("Usage:")
    lines.append(f"  {usage}")
    lines.append("")
    return "\n".join(lines) + "\n"


# -- flag groups shared by several commands ---------------------------------------------------

def output_flags(formats: str = "") -> list[Flag]:
    return [
        Flag("output", "o", usage=f"Output format. One of: ({formats})." if formats else "Output format."),
        Flag("template", usage="Template string or path to template file to use when -o=go-template, "
             "-o=go-template-file."),
        Flag("allow-missing-template-keys", type="bool", default=True),
        Flag("show-managed-fields", type="bool"),
    ]


def filename_flags(what: str = "identifying the resource") -> list[Flag]:
    return [
        Flag("filename", "f", type="stringSlice", usage=f"Filename, directory, or URL to files {what}."),
        Flag("kustomize", "k", usage="Process the kustomization directory."),
        Flag("recursive", "R", type="bool", usage="Process the directory used in -f, --filename recursively."),
    ]


def dry_run_flag() -> Flag:
    return Flag("dry-run", default="none", no_opt_default="unchanged",
                usage='Must be "none", "server", or "client".')


def klog_warning(inv, where: str, message: str) -> None:
    """A klog warning line (``W<MMDD> <time>  <pid> <file:line>] message``), stamped with the
    cluster's virtual time and pid 1 so that output stays reproducible."""
    import time as _time

    now = inv.now()
    micros = int(round((now - int(now)) * 1e6))
    stamp = _time.strftime("%m%d %H:%M:%S", _time.gmtime(int(now)))
    inv.eprintln(f"W{stamp}.{micros:06d}       1 {where}] {message}")


def dry_run_strategy(inv) -> str:
    """``cmdutil.GetDryRunStrategy``: none, client or server (the boolean spellings warn)."""
    value = inv.flag("dry-run")
    if value == "unchanged":
        klog_warning(inv, "helpers.go:702", "--dry-run is deprecated and can be replaced with --dry-run=client.")
        return "client"
    if value in ("client", "server", "none"):
        return value
    from ..parser import _GO_BOOL

    if value in _GO_BOOL:
        if _GO_BOOL[value]:
            klog_warning(inv, "helpers.go:716", f"--dry-run={value} is deprecated (boolean value) and can be "
                                                "replaced with --dry-run=client.")
            return "client"
        klog_warning(inv, "helpers.go:719", f"--dry-run={value} is deprecated (boolean value) and can be "
                                            "replaced with --dry-run=none.")
        return "none"
    raise CommandError(f'error: Invalid dry-run value ({value}). Must be "none", "server", or "client".')


DRY_RUN_SUFFIX = {"client": " (dry run)", "server": " (server dry run)"}


def operation_printer(inv, operation: str, strategy: str = "none"):
    """``-o`` as asked, else the name printer saying ``kind/name <operation>`` (with kubectl's
    ``(dry run)`` / ``(server dry run)`` suffix for that strategy)."""
    from ..printers import GENERIC_FORMATS, NamePrinter, printer_for

    operation += DRY_RUN_SUFFIX.get(strategy, "")
    return (printer_for(inv.flag("output"), inv.flag("template") or "", allowed=GENERIC_FORMATS,
                        operation=operation) or NamePrinter(operation))


def field_manager_flag(default: str) -> Flag:
    return Flag("field-manager", default=default, usage="Name of the manager used to track field ownership.")


def validate_flag() -> Flag:
    return Flag("validate", default="strict", no_opt_default="strict",
                usage="Must be one of: strict (or true), warn, ignore (or false).")


def record_flag() -> Flag:
    return Flag("record", type="bool", deprecated="--record will be removed in the future",
                usage="Record current kubectl command in the resource annotation.")


def warn_record(inv) -> None:
    """pflag's deprecation notice for ``--record``."""
    if inv.given("record"):
        inv.eprintln("Flag --record has been deprecated, --record will be removed in the future")
