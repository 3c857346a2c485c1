"""``kubectl delete`` (k8s.io/kubectl/pkg/cmd/delete): delete by name, type, selector, ``--all``
or manifest, with ``--grace-period``, ``--now``, ``--force`` (and upstream's warning) and
``--cascade=background|foreground|orphan``; prints ``<kind> "<name>" deleted``.

``--wait`` (on by default) waits for the objects to be gone — in virtual time: the clock advances
until they disappear, up to ``--timeout`` when it is given, otherwise until the cluster has no
pending work left for a further two minutes of virtual time (real kubectl would keep waiting).
"""
from __future__ import annotations

from ...api import errors as api_errors
from ..errors import aggregate
from ..parser import Command, CommandError, Flag
from ..resources import Builder, kind_group
from . import dry_run_flag, dry_run_strategy, filename_flags
from .create import source_error


def command() -> Command:
    return Command("delete", short="Delete resources by file names, stdin, resources and names, or by resources and "
                                   "label selector", run=run,
                   usage="kubectl delete ([-f FILENAME] | [-k DIRECTORY] | TYPE [(NAME | -l label | --all)])",
                   flags=[*filename_flags("containing the resource to delete"), Flag("selector", "l"),
                          Flag("field-selector"), Flag("all", type="bool"), Flag("all-namespaces", "A", "bool"),
                          Flag("force", type="bool"), Flag("cascade", default="background", no_opt_default="background"),
                          Flag("now", type="bool"), Flag("grace-period", type="int", default=-1),
                          Flag("timeout", type="duration"), Flag("ignore-not-found", type="bool"),
                          Flag("wait", type="bool", default=True), Flag("output", "o"), Flag("raw"),
                          Flag("interactive", "i", "bool"), dry_run_flag()])


def cascade_policy(inv) -> str:
    value = inv.flag("cascade")
    from ..parser import _GO_BOOL

    if value in _GO_BOOL:
        if _GO_BOOL[value]:
            inv.eprintln(f"warning: --cascade={value} is deprecated (boolean value) and can be replaced with "
                         "--cascade=background.")
            return "Background"
        inv.eprintln(f"warning: --cascade={value} is deprecated (boolean value) and can be replaced with "
                     "--cascade=orphan.")
        return "Orphan"
    mapping = {"orphan": "Orphan", "foreground": "Foreground", "background": "Background"}
    if value not in mapping:
        raise CommandError(f'error: invalid cascade value ({value}). Must be "background", "foreground", or "orphan"')
    return mapping[value]


def run(inv) -> int:
    if inv.flag("raw"):
        raise CommandError("error: --raw requests need an HTTP server; use kube-lab serve and the real kubectl")
    if inv.flag("interactive"):
        raise CommandError("error: kubectl delete --interactive needs a terminal; it is not available in kube-lab")
    policy = cascade_policy(inv)
    ignore_not_found = bool(inv.flag("ignore-not-found"))
    if (inv.flag("all") or inv.flag("selector") or inv.flag("field-selector")) and not inv.given("ignore-not-found"):
        ignore_not_found = True
    grace = inv.flag("grace-period")
    if inv.flag("now"):
        if grace != -1:
            raise CommandError("error: --now and --grace-period cannot be specified together")
        grace = 1
    force = bool(inv.flag("force"))
    if grace == 0 and not force:
        grace = 1
    if force and grace < 0:
        grace = 0
    strategy = dry_run_strategy(inv)
    output = inv.flag("output") or ""
    if output and output != "name":
        raise CommandError(f"error: unexpected -o output mode: {output}. We only support '-o name'")
    if inv.flag("all") and inv.flag("selector"):
        raise CommandError("error: cannot set --all and --selector at the same time")
    if inv.flag("all") and inv.flag("field-selector"):
        raise CommandError("error: cannot set --all and --field-selector at the same time")
    if grace == 0 and force:
        inv.eprintln("Warning: Immediate deletion does not wait for confirmation that the running resource has been "
                     "terminated. The resource may continue to run on the cluster indefinitely.")
    elif grace > 0 and force:
        raise CommandError("error: --force and --grace-period greater than 0 cannot be specified together")
    builder = (Builder(inv, all_namespaces=bool(inv.flag("all-namespaces")))
               .filenames_from(inv.flag("filename"), inv.flag("recursive"), inv.flag("kustomize"))
               .selector(inv.flag("selector") or None, inv.flag("field-selector") or None)
               .all(bool(inv.flag("all"))))
    builder.args(inv.args, allow_empty_selector=False)
    visits = builder.visits()
    warn_cluster_scope = inv.explicit_namespace and not inv.flag("all-namespaces")
    errs: list[BaseException] = []
    found = 0
    deleted = []        # (info, namespace, name, uid)
    targets = []
    for v in visits:
        if v.kind == "error":
            errs.append(v.extra["error"])
            continue
        if v.kind == "list":
            lst = inv.client.list(v.info.resource, v.namespace, label_selector=v.label_selector or None,
                                  field_selector=v.field_selector or None)
            for item in lst["items"]:
                md = item["metadata"]
                targets.append((v, md.get("namespace") or None, md["name"]))
        else:
            targets.append((v, v.namespace, v.name))
    for v, ns, name in targets:
        info = v.info
        found += 1
        if warn_cluster_scope and not info.namespaced:
            inv.eprintln("Warning: deleting cluster-scoped resources, not scoped to the provided namespace")
            warn_cluster_scope = False
        op = "force deleted" if grace == 0 else "deleted"
        op += {"client": " (dry run)", "server": " (server dry run)"}.get(strategy, "")
        if strategy != "client":
            try:
                resp = inv.client.delete(info.resource, name, ns, grace_period_seconds=grace if grace >= 0 else None,
                                         propagation_policy=policy, dry_run=strategy == "server")
            except api_errors.StatusError as e:
                if ignore_not_found and e.reason == "NotFound":
                    continue
                errs.append(source_error("deleting", v.source, e))
                continue
            deleted.append((info, ns, name, (resp.get("metadata") or {}).get("uid")))
        if output == "name":
            inv.println(f"{kind_group(info)}/{name}")
        else:
            inv.println(f'{kind_group(info)} "{name}" {op}')
    err = aggregate(errs)
    if err is not None:
        raise err
    if found == 0:
        inv.println("No resources found")
        return 0
    if inv.flag("wait") and strategy == "none" and deleted:
        _wait_deleted(inv, deleted)
    return 0


def _wait_deleted(inv, deleted: list) -> None:
    def gone(info, ns, name, uid) -> bool:
        try:
            obj = inv.client.get(info.resource, name, ns)
        except api_errors.StatusError as e:
            return e.reason == "NotFound"
        return uid is not None and (obj.get("metadata") or {}).get("uid") != uid

    timeout = inv.flag("timeout") or 0.0
    pending = list(deleted)

    def all_gone() -> bool:
        pending[:] = [d for d in pending if not gone(*d)]
        return not pending

    if timeout:
        if not inv.wait_until(all_gone, timeout):
            info, ns, name, _ = pending[0]
            raise CommandError(f"error: timed out waiting for the condition on {info.resource}/{name}")
        return
    # No timeout: follow the cluster until the objects are gone, or until nothing has been left
    # to happen for two minutes of virtual time (at most ten minutes in all).
    loop = inv.loop
    limit = loop.now + 600.0
    idle_until = None
    while not all_gone():
        if loop.now >= limit:
            return
        if loop.has_work:
            idle_until = None
            nxt = loop.next_time()
            if nxt is not None and nxt > limit:
                loop.run_until(limit)
            else:
                loop.step()
            continue
        if idle_until is None:
            idle_until = min(loop.now + 120.0, limit)
        if loop.now >= idle_until:
            return
        nxt = loop.next_time()
        if nxt is None or nxt > idle_until:
            loop.run_until(idle_until)
        else:
            loop.step()
