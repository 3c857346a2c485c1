"""``kubectl apply`` (k8s.io/kubectl/pkg/cmd/apply): client-side apply of ``-f`` files, directories
or stdin, or of a kustomization (``-k``).

Each document goes through :func:`kube_lab.api.apply.apply_object` — kubectl's
``applyOneObject``: create with the last-applied-configuration annotation, or a three-way strategic
merge patch against the live object — and prints ``<kind>/<name> created|configured|unchanged``.
Failures are collected and printed after the successes, as kubectl's ``ContinueOnError`` visitor
does; a document that fails schema validation stops the reading of its file.
"""
from __future__ import annotations

from typing import Any

from ...api import apply as applying
from ...api import errors as api_errors
from ...api.meta import deep_copy
from ...api.registry import REGISTRY, NoKindMatchError
from ..manifests import Document, read_documents
from ..parser import Command, CommandError, Flag
from ..printers import GENERIC_FORMATS, printer_for
from . import dry_run_flag, dry_run_strategy, field_manager_flag, filename_flags, output_flags, record_flag, \
    validate_flag

CHANGE_CAUSE = "kubernetes.io/change-cause"


def command() -> Command:
    return Command("apply", short="Apply a configuration to a resource by file name or stdin", run=run,
                   usage="kubectl apply (-f FILENAME | -k DIRECTORY)",
                   flags=[*filename_flags("that contains the configuration to apply"), *output_flags(),
                          Flag("prune", type="bool"), Flag("selector", "l"), Flag("all", type="bool"),
                          Flag("force", type="bool"), Flag("grace-period", type="int", default=-1),
                          Flag("timeout", type="duration"), Flag("wait", type="bool"),
                          Flag("overwrite", type="bool", default=True), Flag("server-side", type="bool"),
                          Flag("force-conflicts", type="bool"), Flag("openapi-patch", type="bool", default=True),
                          Flag("prune-allowlist", type="stringArray"), Flag("applyset"),
                          Flag("cascade", default="background", no_opt_default="background"),
                          validate_flag(), dry_run_flag(), record_flag(),
                          field_manager_flag("kubectl-client-side-apply")])


# -- --record -----------------------------------------------------------------------------------

def warn_record_flag(inv) -> None:
    if inv.given("record"):
        inv.eprintln("Flag --record has been deprecated, --record will be removed in the future")


def change_cause(inv) -> str:
    """``parseCommandArguments``: ``kubectl`` + the non-flag words + ``--flag=value`` for every flag
    given, in command-line order."""
    words = inv.cmd.path.split()[1:] + list(inv.args)
    flags = "".join(f" --{name}={value}" for name, value in inv.opts.order)
    return "kubectl" + (" " + " ".join(words) if words else "") + flags


def record_change_cause(inv, obj: Any) -> None:
    """``--record``: store the command line in ``kubernetes.io/change-cause``."""
    if not inv.flag("record") or not isinstance(obj, dict):
        return
    md = obj.get("metadata")
    if not isinstance(md, dict):
        return
    ann = dict(md.get("annotations") or {})
    ann[CHANGE_CAUSE] = change_cause(inv)
    md["annotations"] = ann


# -- apply --------------------------------------------------------------------------------------

class _CapturingClient:
    """The kubectl client, remembering the last object the server returned (for ``-o``) and
    marking writes as dry runs for ``--dry-run=server``."""

    def __init__(self, client, dry_run: bool):
        self.client = client
        self.dry_run = dry_run
        self.last: dict | None = None

    def get(self, *a, **kw):
        self.last = self.client.get(*a, **kw)
        return self.last

    def create(self, *a, **kw):
        if self.dry_run:
            kw["dry_run"] = True
        self.last = self.client.create(*a, **kw)
        return self.last

    def patch(self, *a, **kw):
        if self.dry_run:
            kw["dry_run"] = True
        self.last = self.client.patch(*a, **kw)
        return self.last


def documents(inv) -> list[Document]:
    if inv.flag("kustomize"):
        from ..kustomize import build

        warnings: list[str] = []
        docs = [Document(d, inv.flag("kustomize")) for d in build(inv.flag("kustomize"), warnings)]
        for w in warnings:
            inv.eprintln(w)
        return docs
    return read_documents(inv.flag("filename"), inv.stdin, inv.flag("recursive"))


def run(inv) -> int:
    if inv.flag("server-side"):
        raise CommandError("error: kube-lab's kubectl applies on the client side only; drop --server-side")
    if inv.flag("prune"):
        raise CommandError("error: --prune is not available in kube-lab")
    files, kustomize = inv.flag("filename"), inv.flag("kustomize")
    if not files and not kustomize:
        raise CommandError("error: must specify one of -f and -k")
    if files and kustomize:
        raise CommandError("error: only one of -f or -k can be specified")
    if inv.args:
        from ..parser import usage_error

        raise usage_error("kubectl apply", f"Unexpected args: [{' '.join(inv.args)}]")
    strategy = dry_run_strategy(inv)
    warn_record_flag(inv)
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(strategy, "")
    printer = printer_for(inv.flag("output"), inv.flag("template") or "", allowed=GENERIC_FORMATS)
    docs = documents(inv)
    if inv.flag("selector"):
        from ...api.selectors import SelectorError, parse

        try:
            sel = parse(inv.flag("selector"))
        except SelectorError as e:
            raise CommandError(f'error: the provided selector "{inv.flag("selector")}" is not valid: {e.message}') from None
        docs = [d for d in docs if isinstance(d.obj, dict) and sel.matches(((d.obj.get("metadata") or {})
                                                                            if isinstance(d.obj.get("metadata"), dict)
                                                                            else {}).get("labels"))]
    namespace = inv.namespace if inv.explicit_namespace else None
    default_ns = inv.namespace
    failures: list[tuple[str, str]] = []
    shown: list[dict] = []
    stopped: set[str] = set()
    count = 0
    for doc in docs:
        if doc.source in stopped:
            continue
        obj = deep_copy(doc.obj)
        record_change_cause(inv, obj)
        if isinstance(obj, dict) and namespace is None and default_ns != "default":
            md = obj.get("metadata")
            try:
                info = REGISTRY.for_kind(str(obj.get("apiVersion")), str(obj.get("kind")))
            except NoKindMatchError:
                info = None
            if info is not None and info.namespaced and isinstance(md, dict) and not md.get("namespace"):
                md["namespace"] = default_ns
        warnings: list[str] = []
        client = _CapturingClient(inv.client, strategy == "server")
        try:
            if strategy == "client":
                line = _apply_client_dry_run(inv, obj, namespace, doc.source)
            else:
                line = applying.apply_object(client, obj, namespace, doc.source, warnings=warnings)
        except NoKindMatchError as e:
            md = obj.get("metadata") if isinstance(obj, dict) and isinstance(obj.get("metadata"), dict) else {}
            text = (f"resource mapping not found for name: {api_errors.go_quote(str(md.get('name', '')))} "
                    f"namespace: {api_errors.go_quote(str(md.get('namespace', '') or ''))} from "
                    f"{api_errors.go_quote(doc.source)}: {e}\nensure CRDs are installed first")
            failures.append(("error: " + text, text))
            continue
        except applying.ApplyDocumentError as e:
            for w in warnings:
                inv.eprintln(w)
            failures.append((e.alone, e.line))
            if e.message.startswith("error validating"):
                stopped.add(doc.source)
            continue
        for w in warnings:
            inv.eprintln(w)
        count += 1
        if printer is not None:
            shown_obj = client.last if strategy != "client" else obj
            if shown_obj is not None:
                shown.append(deep_copy(shown_obj))
        else:
            inv.println(line + suffix)
    if failures:
        if len(failures) == 1:
            raise CommandError(failures[0][0])
        raise CommandError("\n".join(line for _, line in failures))
    if count == 0:
        raise CommandError("error: no objects passed to apply")
    if printer is not None and shown:
        # printObjects: after every object was applied, several of them as one List
        if len(shown) == 1:
            printer.print_obj(shown[0], inv.out)
        else:
            # a corev1.List (struct order) of unstructured items (sorted keys)
            items = [_sorted(o) for o in shown]
            printer.print_obj({"kind": "List", "apiVersion": "v1", "metadata": {}, "items": items}, inv.out, typed=True)
    return 0


def _sorted(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _sorted(v[k]) for k in sorted(v)}
    if isinstance(v, list):
        return [_sorted(x) for x in v]
    return v


def _apply_client_dry_run(inv, obj: Any, namespace: str | None, source: str) -> str:
    """``--dry-run=client``: what would happen, computed without writing."""
    recording = _RecordingClient(inv.client)
    return applying.apply_object(recording, obj, namespace, source)


class _RecordingClient:
    """Answers creates and patches without sending them (client-side dry run)."""

    def __init__(self, client):
        self.client = client

    def get(self, *a, **kw):
        return self.client.get(*a, **kw)

    def create(self, resource, obj, namespace=None, **kw):
        return obj

    def patch(self, resource, name, patch, patch_type, namespace=None, **kw):
        return self.client.get(resource, name, namespace)
