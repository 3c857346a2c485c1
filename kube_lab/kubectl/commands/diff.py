"""``kubectl diff -f FILE`` (k8s.io/kubectl/pkg/cmd/diff/diff.go): for every object of the
manifests, the live object (``LIVE``) against what ``kubectl apply`` would make of it (``MERGED``:
the answer of the same client-side apply sent as a server dry run), both printed as YAML without
``managedFields`` (Secret ``data`` masked as upstream does) and compared with ``diff -u -N``.

Exit code 0: no differences; 1: differences found; 2 (and above): kubectl failed — every error of
this command exits with 2, as upstream's ``CheckDiffErr``.

kubectl writes the two versions into temporary directories ``/tmp/LIVE-<n>`` and
``/tmp/MERGED-<n>`` and runs GNU diff on them.  kube-lab writes nothing: the unified diff is
computed in Python (Python's ``difflib`` — its hunks match GNU diff's for the usual small YAML
changes), the directory numbers come from the cluster's seeded random stream and the file times
are the cluster's virtual now.
"""
from __future__ import annotations

import difflib
import json
import time as _time

from ...api import apply as applying
from ...api import errors as api_errors
from ...api.meta import deep_copy
from ...api.registry import NoKindMatchError
from .. import errors as kerrors
from ..parser import Command, CommandError, Flag
from ..printers import goyaml
from ..resources import Builder
from . import field_manager_flag, filename_flags
from .mutate import STRATEGIC_PATCH

SENSITIVE_DEFAULT = "***"
SENSITIVE_BEFORE = "*** (before)"
SENSITIVE_AFTER = "*** (after)"


def _flag_error(e) -> CommandError:
    return CommandError(f"error: {e}\nSee 'kubectl diff -h' for help and examples", code=2)


def command() -> Command:
    return Command("diff", short="Diff the live version against a would-be applied version", run=run,
                   usage="kubectl diff -f FILENAME", on_flag_error=_flag_error,
                   flags=[Flag("prune-allowlist", type="stringArray"), Flag("prune", type="bool"),
                          Flag("show-managed-fields", type="bool"), Flag("concurrency", type="int", default=1),
                          *filename_flags("contains the configuration to diff"),
                          Flag("server-side", type="bool"), Flag("force-conflicts", type="bool"),
                          field_manager_flag("kubectl-client-side-apply"), Flag("selector", "l")])


def run(inv) -> int:
    try:
        return _run(inv)
    except (CommandError, api_errors.StatusError, kerrors.MultipleErrors, NoKindMatchError) as e:
        if isinstance(e, CommandError) and e.code != 1:
            raise
        msg, code = kerrors.render(e)
        raise CommandError(msg, code=code + 1) from None


def _file_name(info, namespace: str | None, name: str) -> str:
    group = f"{info.group}." if info.group else ""
    return f"{group}{info.version}.{info.kind}.{namespace or ''}.{name}"


def _omit_managed(obj: dict | None) -> dict | None:
    if obj is None:
        return None
    obj = deep_copy(obj)
    md = obj.get("metadata")
    if isinstance(md, dict):
        md.pop("managedFields", None)
    return obj


def _mask(live: dict | None, merged: dict | None) -> tuple[dict | None, dict | None]:
    """upstream's ``Masker``: Secret values never reach the output."""
    def data(o):
        return dict(o.get("data") or {}) if o is not None and isinstance(o.get("data"), dict) else None
    frm, to = data(live), data(merged)
    if frm is not None:
        for k in list(frm):
            if to is not None and k in to:
                if frm[k] != to[k]:
                    frm[k], to[k] = SENSITIVE_BEFORE, SENSITIVE_AFTER
                    continue
                to[k] = SENSITIVE_DEFAULT
            frm[k] = SENSITIVE_DEFAULT
    if to is not None:
        for k in list(to):
            if frm is None or k not in frm:
                to[k] = SENSITIVE_DEFAULT
    if live is not None and frm is not None:
        live = {**live, "data": frm}
    if merged is not None and to is not None:
        merged = {**merged, "data": to}
    return live, merged


def _merged(inv, v, local: dict, live: dict | None) -> dict | None:
    """``InfoObject.Merged``: the server's answer to the dry-run create (no live object) or to the
    dry-run client-side-apply patch (computed without recording last-applied-configuration)."""
    ns = v.namespace if v.info.namespaced else None
    if live is None:
        return inv.client.create(v.info.resource, local, ns, dry_run=True, field_validation="Strict")
    modified = applying._wire(local)
    md = modified.get("metadata") if isinstance(modified.get("metadata"), dict) else None
    if md is None:
        md = modified["metadata"] = {}
    annotations = dict(md.get("annotations") or {})
    annotations.pop(applying.LAST_APPLIED, None)
    md["annotations"] = annotations
    original_text = ((live.get("metadata") or {}).get("annotations") or {}).get(applying.LAST_APPLIED)
    original = None
    if original_text:
        try:
            decoded = json.loads(original_text)
            original = decoded if isinstance(decoded, dict) else None
        except ValueError:
            original = None
    patch = applying.three_way_merge_patch(original, modified, live, v.info.kind_key)
    if not patch:
        return live
    return inv.client.patch(v.info.resource, v.name, applying.go_json(patch), STRATEGIC_PATCH, ns, dry_run=True,
                            field_validation="Strict", field_manager=inv.flag("field-manager") or applying.FIELD_MANAGER)


def _run(inv) -> int:
    if inv.args:
        raise CommandError(f"error: Unexpected args: [{' '.join(inv.args)}]\nSee 'kubectl diff -h' for help and "
                           "examples")
    if not inv.flag("filename") and not inv.flag("kustomize"):
        raise CommandError("error: must specify one of -f and -k")
    if inv.flag("force-conflicts") and not inv.flag("server-side"):
        raise CommandError("error: --force-conflicts only works with --server-side")
    if inv.flag("server-side"):
        raise CommandError("error: kube-lab's kubectl diffs client-side apply only; drop --server-side")
    if inv.flag("prune"):
        raise CommandError("error: --prune is not available in kube-lab")
    builder = (Builder(inv).filenames_from(inv.flag("filename"), inv.flag("recursive"), inv.flag("kustomize"))
               .selector(inv.flag("selector") or None))
    visits = builder.visits()
    files: dict[str, tuple[dict | None, dict | None]] = {}
    errs: list[BaseException] = []
    for v in visits:
        if v.kind == "error":
            errs.append(v.extra["error"])
            continue
        local = deep_copy(v.obj)
        if v.info.namespaced and isinstance(local.get("metadata"), dict):
            local["metadata"]["namespace"] = v.namespace
        try:
            live = inv.client.get(v.info.resource, v.name, v.namespace)
        except api_errors.StatusError as e:
            if e.reason != "NotFound":
                errs.append(e)
                continue
            live = None
        try:
            merged = _merged(inv, v, local, live)
        except api_errors.StatusError as e:
            errs.append(e)
            continue
        if merged is not None and merged is not live:
            # a dry run never writes, so the answer keeps the live resourceVersion (none for a
            # create) — DryRunnableStorage; kept here whatever the simulated server answers
            merged = deep_copy(merged)
            mmd = merged.get("metadata") if isinstance(merged.get("metadata"), dict) else {}
            if live is None:
                mmd.pop("resourceVersion", None)
            else:
                mmd["resourceVersion"] = (live.get("metadata") or {}).get("resourceVersion")
        if (live or {}).get("metadata", {}).get("deletionTimestamp"):
            inv.eprintln("Warning: Detected changes to resource " + v.name + " which is currently being deleted.")
        if inv.flag("show-managed-fields"):
            live_p, merged_p = deep_copy(live), deep_copy(merged)
        else:
            live_p, merged_p = _omit_managed(live), _omit_managed(merged)
        if v.info.kind == "Secret" and v.info.group == "":
            live_p, merged_p = _mask(live_p, merged_p)
        files[_file_name(v.info, v.namespace if v.info.namespaced else "", v.name)] = (live_p, merged_p)
    err = kerrors.aggregate(errs)
    if err is not None:
        raise err
    rng = inv.cluster.random.stream("kubectl/diff")
    live_dir = f"/tmp/LIVE-{rng.getrandbits(32)}"
    merged_dir = f"/tmp/MERGED-{rng.getrandbits(32)}"
    now = inv.now()
    stamp = _time.strftime("%Y-%m-%d %H:%M:%S", _time.gmtime(int(now))) + \
        f".{int(round((now - int(now)) * 1e9)) % 1_000_000_000:09d} +0000"
    different = False
    for name in sorted(files):
        live, merged = files[name]
        a = goyaml.dumps(live) if live is not None else ""
        b = goyaml.dumps(merged) if merged is not None else ""
        if a == b:
            continue
        different = True
        inv.out(f"diff -u -N {live_dir}/{name} {merged_dir}/{name}\n")
        lines = list(difflib.unified_diff(a.splitlines(True), b.splitlines(True), f"{live_dir}/{name}",
                                          f"{merged_dir}/{name}", stamp, stamp))
        for line in lines:
            if not line.endswith("\n"):
                line += "\n\\ No newline at end of file\n"
            inv.out(line)
    return 1 if different else 0
