"""``kubectl config`` (k8s.io/kubectl/pkg/cmd/config) on the in-process kubeconfig
(:class:`~kube_lab.kubectl.kubeconfig.KubeConfig`): ``view`` (``--minify``, ``--raw``, ``-o``),
``current-context``, ``get-contexts``, ``get-clusters``, ``get-users``, ``use-context``,
``set-context`` (``--current``, ``--namespace``, ``--cluster``, ``--user``), ``rename-context`` and
``delete-context``.  The kubeconfig lives as long as the :class:`~kube_lab.kubectl.Kubectl` (the
``kube-lab kubectl --state`` command line saves it next to the cluster state).
"""
from __future__ import annotations

from typing import Any

from ..errors import GoError, aggregate
from ..parser import Command, CommandError, Flag
from ..printers import printer_for
from ..printers.tabwriter import TabWriter

# clientcmd/api/v1 struct field order (what -o json prints)
_CLUSTER_ORDER = ("server", "tls-server-name", "insecure-skip-tls-verify", "certificate-authority",
                  "certificate-authority-data", "proxy-url", "disable-compression", "extensions")
_USER_ORDER = ("client-certificate", "client-certificate-data", "client-key", "client-key-data", "token",
               "tokenFile", "as", "as-uid", "as-groups", "as-user-extra", "username", "password", "auth-provider",
               "exec", "extensions")
_CONTEXT_ORDER = ("cluster", "user", "namespace", "extensions")
_SECRET_FIELDS = ("certificate-authority-data", "client-certificate-data", "client-key-data")
_REDACTED_FIELDS = ("token", "password")


def _ordered(d: dict, order: tuple) -> dict:
    out = {k: d[k] for k in order if k in d}
    out.update({k: v for k, v in d.items() if k not in out})
    return out


def _config_helperror(inv, message: str) -> CommandError:
    from . import help_text

    inv.out(help_text(inv.cmd))
    return CommandError(f"error: {message}")


def command() -> Command:
    cfg = Command("config", short="Modify kubeconfig files")
    cfg.add(
        Command("current-context", short="Display the current-context", run=run_current_context),
        Command("delete-cluster", short="Delete the specified cluster from the kubeconfig", run=_unsupported),
        Command("delete-context", short="Delete the specified context from the kubeconfig", run=run_delete_context),
        Command("delete-user", short="Delete the specified user from the kubeconfig", run=_unsupported),
        Command("get-clusters", short="Display clusters defined in the kubeconfig", run=run_get_clusters),
        Command("get-contexts", short="Describe one or many contexts", run=run_get_contexts,
                flags=[Flag("no-headers", type="bool"), Flag("output", "o")]),
        Command("get-users", short="Display users defined in the kubeconfig", run=run_get_users),
        Command("rename-context", short="Rename a context from the kubeconfig file", run=run_rename_context),
        Command("set", short="Set an individual value in a kubeconfig file", run=_unsupported),
        Command("set-cluster", short="Set a cluster entry in kubeconfig", run=_unsupported),
        Command("set-context", short="Set a context entry in kubeconfig", run=run_set_context,
                usage="kubectl config set-context [NAME | --current] [--cluster=cluster_nickname] "
                      "[--user=user_nickname] [--namespace=namespace]",
                flags=[Flag("current", type="bool"), Flag("cluster"), Flag("user"), Flag("namespace")]),
        Command("set-credentials", short="Set a user entry in kubeconfig", run=_unsupported),
        Command("unset", short="Unset an individual value in a kubeconfig file", run=_unsupported),
        Command("use-context", short="Set the current-context in a kubeconfig file", run=run_use_context,
                aliases=("use",)),
        Command("view", short="Display merged kubeconfig settings or a specified kubeconfig file", run=run_view,
                flags=[Flag("output", "o", default="yaml"), Flag("template"),
                       Flag("allow-missing-template-keys", type="bool", default=True),
                       Flag("show-managed-fields", type="bool"), Flag("merge", type="bool", default=True),
                       Flag("flatten", type="bool"), Flag("minify", type="bool"), Flag("raw", type="bool")]),
    )
    return cfg


def _unsupported(inv) -> int:
    raise CommandError(f"error: kubectl config {inv.cmd.name} is not available in kube-lab: the kubeconfig "
                       "describes the simulated cluster only")


def run_current_context(inv) -> int:
    kc = inv.kubeconfig
    if not kc.current_context:
        raise CommandError("error: current-context is not set")
    inv.println(kc.current_context)
    return 0


def run_get_contexts(inv) -> int:
    kc = inv.kubeconfig
    output = inv.flag("output") or ""
    if output not in ("", "name"):
        raise CommandError(f"error: --output {output} is not available in kubectl config get-contexts; resetting to "
                           "default output format")
    name_only = output == "name"
    show_headers = not (inv.flag("no-headers") or name_only)
    errs: list[BaseException] = []
    names: list[str] = []
    if not inv.args:
        names = list(kc.contexts)
    else:
        for n in inv.args:
            if n in kc.contexts:
                names.append(n)
            else:
                errs.append(GoError(f"context {n} not found"))
    lines: list[str] = []
    tw = TabWriter(lines)
    if show_headers:
        tw.write("CURRENT\tNAME\tCLUSTER\tAUTHINFO\tNAMESPACE\n")
    for n in sorted(names):
        c = kc.contexts[n]
        if name_only:
            tw.write(f"{n}\n")
        else:
            tw.write(f"{'*' if n == kc.current_context else ' '}\t{n}\t{c.get('cluster', '')}\t{c.get('user', '')}\t"
                     f"{c.get('namespace', '')}\n")
    tw.flush()
    inv.out("".join(lines))
    err = aggregate(errs)
    if err is not None:
        raise err
    return 0


def run_get_clusters(inv) -> int:
    inv.println("NAME")
    for n in sorted(inv.kubeconfig.clusters):
        inv.println(n)
    return 0


def run_get_users(inv) -> int:
    inv.println("NAME")
    for n in sorted(inv.kubeconfig.users):
        inv.println(n)
    return 0


def run_use_context(inv) -> int:
    if len(inv.args) != 1:
        raise _config_helperror(inv, f"Unexpected args: [{' '.join(inv.args)}]")
    name = inv.args[0]
    if not name:
        raise CommandError("error: empty context names are not allowed")
    if name not in inv.kubeconfig.contexts:
        raise CommandError(f'error: no context exists with the name: "{name}"')
    inv.kubeconfig.current_context = name
    inv.println(f'Switched to context "{name}".')
    return 0


def run_set_context(inv) -> int:
    kc = inv.kubeconfig
    if len(inv.args) > 1:
        raise _config_helperror(inv, f"Unexpected args: [{' '.join(inv.args)}]")
    name = inv.args[0] if inv.args else ""
    current = bool(inv.flag("current"))
    if not name and not current:
        raise CommandError("error: you must specify a non-empty context name or --current")
    if name and current:
        raise CommandError("error: you cannot specify both a context name and --current")
    if current:
        if not kc.current_context:
            raise CommandError("error: no current context is set")
        name = kc.current_context
    exists = name in kc.contexts
    ctx = dict(kc.contexts.get(name) or {})
    for flag, key in (("cluster", "cluster"), ("user", "user"), ("namespace", "namespace")):
        if inv.given(flag):
            value = inv.flag(flag)
            if value:
                ctx[key] = value
            else:
                ctx.pop(key, None)
    kc.contexts[name] = ctx
    inv.println(f'Context "{name}" {"modified" if exists else "created"}.')
    return 0


def run_rename_context(inv) -> int:
    kc = inv.kubeconfig
    if len(inv.args) != 2:
        raise _config_helperror(inv, f"Unexpected args: [{' '.join(inv.args)}]")
    old, new = inv.args
    if not new:
        raise CommandError("error: You must specify a new non-empty context name")
    if old not in kc.contexts:
        raise CommandError(f'error: cannot rename the context "{old}", it\'s not in {_config_file()}')
    if new in kc.contexts:
        raise CommandError(f'error: cannot rename the context "{old}", the context "{new}" already exists in '
                           f"{_config_file()}")
    kc.contexts[new] = kc.contexts.pop(old)
    if kc.current_context == old:
        kc.current_context = new
    inv.println(f'Context "{old}" renamed to "{new}".')
    return 0


def run_delete_context(inv) -> int:
    kc = inv.kubeconfig
    if len(inv.args) != 1:
        from . import help_text

        inv.out(help_text(inv.cmd))
        return 0
    name = inv.args[0]
    if name not in kc.contexts:
        raise CommandError(f"error: cannot delete context {name}, not in {_config_file()}")
    if kc.current_context == name:
        inv.eprintln(f"warning: this removed your active context, use \"kubectl config use-context\" to select a "
                     "different one")
    del kc.contexts[name]
    inv.println(f"deleted context {name} from {_config_file()}")
    return 0


def _config_file() -> str:
    return "$HOME/.kube/config"


def view_document(kc, minify: bool = False, raw: bool = False) -> dict:
    """The kubeconfig as ``kubectl config view`` prints it (struct order, for JSON)."""
    contexts = kc.contexts
    if minify:
        if not kc.current_context or kc.current_context not in kc.contexts:
            raise CommandError("error: current-context must exist in order to minify")
        contexts = {kc.current_context: kc.contexts[kc.current_context]}
    used_clusters = {c.get("cluster") for c in contexts.values()}
    used_users = {c.get("user") for c in contexts.values()}

    def redact(d: dict) -> dict:
        out = dict(d)
        if not raw:
            for k in _SECRET_FIELDS:
                if out.get(k):
                    out[k] = "DATA+OMITTED"
            for k in _REDACTED_FIELDS:
                if out.get(k):
                    out[k] = "REDACTED"
        return out

    doc: dict[str, Any] = {
        "kind": "Config",
        "apiVersion": "v1",
        "preferences": dict(kc.preferences),
        "clusters": [{"name": k, "cluster": _ordered(redact(v), _CLUSTER_ORDER)}
                     for k, v in sorted(kc.clusters.items()) if not minify or k in used_clusters],
        "users": [{"name": k, "user": _ordered(redact(v), _USER_ORDER)}
                  for k, v in sorted(kc.users.items()) if not minify or k in used_users],
        "contexts": [{"name": k, "context": _ordered(dict(v), _CONTEXT_ORDER)} for k, v in sorted(contexts.items())],
        "current-context": kc.current_context,
    }
    if doc["clusters"] == []:
        doc["clusters"] = None
    if doc["users"] == []:
        doc["users"] = None
    if doc["contexts"] == []:
        doc["contexts"] = None
    return doc


def run_view(inv) -> int:
    if inv.args:
        raise CommandError(f"error: unexpected arguments: [{' '.join(inv.args)}]\nSee 'kubectl config view -h' for "
                           "help and examples")
    doc = view_document(inv.kubeconfig, bool(inv.flag("minify")), bool(inv.flag("raw")))
    output = inv.flag("output") or "yaml"
    printer = printer_for(output, inv.flag("template") or "",
                          allow_missing=inv.flag("allow-missing-template-keys"))
    printer.print_obj(doc, inv.out, typed=True)
    return 0
