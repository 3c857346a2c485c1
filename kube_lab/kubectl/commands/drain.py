"""``kubectl cordon``, ``uncordon`` and ``drain`` (k8s.io/kubectl/pkg/cmd/drain and
k8s.io/kubectl/pkg/drain).

* ``cordon``/``uncordon`` patch ``spec.unschedulable`` and print ``node/<name> cordoned`` (or
  ``already cordoned``).
* ``drain`` cordons, then lists the node's pods and sorts them with upstream's filters: DaemonSet
  pods stop the drain unless ``--ignore-daemonsets`` (then they are left alone, with a warning),
  pods with emptyDir volumes need ``--delete-emptydir-data``, pods without a controller need
  ``--force``; mirror pods are skipped.  The others are evicted through the ``eviction``
  sub-resource (``--disable-eviction``: deleted), and kubectl waits — in virtual time, polling every
  second — until they are gone: ``evicting pod default/web-…``, ``pod/web-… evicted``,
  ``node/kind-worker drained``.  An eviction refused by a PodDisruptionBudget (429) is retried
  every 5 s with ``error when evicting pods/"web-…" -n "default" (will retry after 5s): Cannot
  evict pod as it would violate the pod's disruption budget.`` on stderr and a new ``evicting
  pod`` line each time, as ``k8s.io/kubectl/pkg/drain`` does; ``--timeout`` ends the wait with
  ``global timeout reached``.

Upstream evicts pods concurrently (one goroutine each); kube-lab lets them take turns in list order
at each virtual instant, joins several warning messages in sorted order where upstream iterates a
map, and gives up after an hour of virtual time where upstream would wait forever.
"""
from __future__ import annotations

import json

from ...api import errors as api_errors
from ...api.selectors import SelectorError, parse as parse_selector
from ..errors import GoError, aggregate
from ..parser import Command, CommandError, Flag, usage_error
from . import dry_run_flag, dry_run_strategy, operation_printer
from .mutate import STRATEGIC_PATCH

DAEMONSET_FATAL = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"
DAEMONSET_WARNING = "ignoring DaemonSet-managed Pods"
LOCAL_STORAGE_FATAL = "Pods with local storage (use --delete-emptydir-data to override)"
LOCAL_STORAGE_WARNING = "deleting Pods with local storage"
UNMANAGED_FATAL = "cannot delete Pods that declare no controller (use --force to override)"
UNMANAGED_WARNING = "deleting Pods that declare no controller"
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"


def _cordon_flags() -> list[Flag]:
    return [dry_run_flag(), Flag("selector", "l")]


def commands() -> list[Command]:
    return [
        Command("cordon", short="Mark node as unschedulable", run=lambda inv: run_cordon(inv, True),
                usage="kubectl cordon NODE", flags=_cordon_flags()),
        Command("uncordon", short="Mark node as schedulable", run=lambda inv: run_cordon(inv, False),
                usage="kubectl uncordon NODE", flags=_cordon_flags()),
        Command("drain", short="Drain node in preparation for maintenance", run=run_drain, usage="kubectl drain NODE",
                flags=[Flag("force", type="bool"), Flag("ignore-daemonsets", type="bool"),
                       Flag("delete-emptydir-data", type="bool"),
                       Flag("delete-local-data", type="bool", deprecated="This option is deprecated and will be "
                            "deleted. Use --delete-emptydir-data."),
                       Flag("grace-period", type="int", default=-1), Flag("timeout", type="duration"),
                       Flag("pod-selector"), Flag("disable-eviction", type="bool"),
                       Flag("skip-wait-for-delete-timeout", type="int"), Flag("chunk-size", type="int64", default=500),
                       dry_run_flag(), Flag("selector", "l")]),
    ]


def _nodes(inv) -> list[dict]:
    use = inv.cmd.usage.replace("kubectl ", "")
    if not inv.args and not inv.given("selector"):
        raise usage_error(inv.cmd.path, f"USAGE: {use} [flags]")
    if inv.args and inv.flag("selector"):
        raise usage_error(inv.cmd.path, "error: cannot specify both a node name and a --selector option")
    nodes: list[dict] = []
    if inv.flag("selector") or not inv.args:
        try:
            items = inv.client.list("nodes", label_selector=inv.flag("selector") or None)["items"]
        except api_errors.StatusError as e:
            raise e
        return items
    errs = []
    for name in inv.args:
        try:
            nodes.append(inv.client.get("nodes", name))
        except api_errors.StatusError as e:
            errs.append(e)
    err = aggregate(errs)
    if err is not None:
        raise err
    return nodes


def _cordon_nodes(inv, nodes: list[dict], desired: bool, strategy: str) -> None:
    word = "cordon" if desired else "uncordon"
    for node in nodes:
        name = node["metadata"]["name"]
        current = bool((node.get("spec") or {}).get("unschedulable"))
        if current == desired:
            operation_printer(inv, f"already {word}ed", strategy).print_obj(node, inv.out)
            continue
        if strategy != "client":
            patch = {"spec": {"unschedulable": True if desired else None}}
            try:
                inv.client.patch("nodes", name, json.dumps(patch), STRATEGIC_PATCH, dry_run=strategy == "server")
            except api_errors.StatusError as e:
                inv.eprintln(f'error: unable to {word} node "{name}": {e.message}')
                continue
        operation_printer(inv, f"{word}ed", strategy).print_obj(node, inv.out)


def run_cordon(inv, desired: bool) -> int:
    strategy = dry_run_strategy(inv)
    nodes = _nodes(inv)
    _cordon_nodes(inv, nodes, desired, strategy)
    return 0


def _controller_of(pod: dict) -> dict | None:
    for ref in (pod.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def _filter(inv, pod: dict) -> tuple[bool, str, str]:
    """(delete?, "Warning"|"Error"|"", message) after upstream's filter chain."""
    phase = (pod.get("status") or {}).get("phase")
    finished = phase in ("Succeeded", "Failed")
    status = (True, "", "")
    # skipDeletedFilter
    skip = inv.flag("skip-wait-for-delete-timeout")
    md = pod.get("metadata") or {}
    if skip > 0 and md.get("deletionTimestamp"):
        from ...api.meta import parse_rfc3339

        if int(inv.now() - parse_rfc3339(md["deletionTimestamp"])) > skip:
            return (False, "", "")
    # daemonSetFilter
    ref = _controller_of(pod)
    if ref is not None and ref.get("kind") == "DaemonSet" and not finished:
        try:
            inv.client.get("daemonsets", ref.get("name", ""), md.get("namespace"))
        except api_errors.StatusError as e:
            if e.reason == "NotFound" and inv.flag("force"):
                status = (True, "Warning", e.message)
            else:
                return (False, "Error", e.message)
        else:
            if not inv.flag("ignore-daemonsets"):
                return (False, "Error", DAEMONSET_FATAL)
            return (False, "Warning", DAEMONSET_WARNING)
    # mirrorPodFilter
    if MIRROR_ANNOTATION in (md.get("annotations") or {}):
        return (False, "", "")
    # localStorageFilter
    if any("emptyDir" in (v or {}) for v in (pod.get("spec") or {}).get("volumes") or []) and not finished:
        if not (inv.flag("delete-emptydir-data") or inv.flag("delete-local-data")):
            return (False, "Error", LOCAL_STORAGE_FATAL)
        status = (True, "Warning", LOCAL_STORAGE_WARNING)
    # unreplicatedFilter
    if not finished and ref is None:
        if inv.flag("force"):
            status = (True, "Warning", UNMANAGED_WARNING)
        else:
            return (False, "Error", UNMANAGED_FATAL)
    return status


def _pods_for_deletion(inv, node_name: str) -> tuple[list[tuple[dict, tuple]], list[BaseException]]:
    selector = inv.flag("pod-selector") or None
    items = inv.client.list("pods", None, label_selector=selector, field_selector=f"spec.nodeName={node_name}")["items"]
    items.sort(key=lambda p: (p["metadata"].get("namespace", ""), p["metadata"]["name"]))
    listed = [(p, _filter(inv, p)) for p in items]
    failed: dict[str, list[str]] = {}
    for p, (_, reason, msg) in listed:
        if reason == "Error":
            failed.setdefault(msg or "unexpected error", []).append(
                f"{p['metadata'].get('namespace', '')}/{p['metadata']['name']}")
    errs: list[BaseException] = [GoError(f"cannot delete {m}: {', '.join(ps)}") for m, ps in failed.items()]
    return listed, errs


def _warnings(listed: list) -> str:
    by_msg: dict[str, list[str]] = {}
    for p, (_, reason, msg) in listed:
        if reason == "Warning":
            by_msg.setdefault(msg, []).append(f"{p['metadata'].get('namespace', '')}/{p['metadata']['name']}")
    return "; ".join(f"{m}: {', '.join(ps)}" for m, ps in sorted(by_msg.items()))


def _agg_text(errs: list[BaseException]) -> str:
    texts = [e.text if isinstance(e, GoError) else (e.message if isinstance(e, api_errors.StatusError) else str(e))
             for e in errs]
    return texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"


MAX_WAIT = 3600.0              # kube-lab gives up after an hour of virtual time (upstream: forever)
POD_SKIP_MSG = 'pod "{name}" has DeletionTimestamp older than {seconds} seconds, skipping\n'


def go_duration(seconds: float) -> str:
    """Go's ``time.Duration.String()`` for whole seconds (``5s``, ``1m30s``, ``1h0m0s``)."""
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60}s"
    return f"{s // 3600}h{s % 3600 // 60}m{s % 60}s"


def _should_skip(inv, pod: dict) -> bool:
    """``shouldSkipPod``: deleted longer ago than ``--skip-wait-for-delete-timeout``."""
    skip = inv.flag("skip-wait-for-delete-timeout")
    ts = (pod.get("metadata") or {}).get("deletionTimestamp")
    if skip <= 0 or not ts:
        return False
    from ...api.meta import parse_rfc3339

    return int(inv.now() - parse_rfc3339(ts)) > skip


def _gone(inv, pod: dict) -> tuple[bool, dict | None]:
    md = pod["metadata"]
    try:
        cur = inv.client.get("pods", md["name"], md.get("namespace"))
    except api_errors.StatusError as e:
        if e.reason != "NotFound":
            raise
        return True, None
    return cur["metadata"].get("uid") != md.get("uid"), cur


def _evict_pods(inv, pods: list[dict], strategy: str) -> list[BaseException]:
    """``Helper.evictPods``: each pod is evicted on its own — a refusal because of a disruption
    budget (429) is retried every 5 s, then kubectl polls every second until the pod is gone.
    Upstream runs one goroutine per pod; here they take turns in list order at each virtual instant."""
    grace = inv.flag("grace-period")
    timeout = inv.flag("timeout") or 0.0
    start = inv.loop.now
    deadline = start + timeout if timeout > 0 else None
    limit = start + MAX_WAIT if deadline is None else float("inf")   # --timeout ends it otherwise
    errs: list[BaseException] = []
    # per pod: [phase ("evict" | "wait" | "done"), next action time]
    state = [["evict", start] for _ in pods]
    while True:
        now = inv.loop.now
        for pod, st in zip(pods, state):
            if st[0] == "done" or st[1] > now:
                continue
            md = pod["metadata"]
            ns, name = md.get("namespace", ""), md["name"]
            if st[0] == "evict":
                inv.println(f"evicting pod {ns}/{name}" + (" (server dry run)" if strategy == "server" else ""))
                if deadline is not None and now >= deadline:
                    errs.append(GoError(f'error when evicting pods/"{name}" -n "{ns}": global timeout reached: '
                                        f"{go_duration(timeout)}"))
                    st[0] = "done"
                    continue
                body = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name, "namespace": ns}}
                if grace >= 0:
                    body["deleteOptions"] = {"gracePeriodSeconds": grace}
                try:
                    inv.client.create("pods", body, ns, subresource="eviction", name=name,
                                      dry_run=strategy == "server")
                except api_errors.StatusError as e:
                    causes = [c.get("reason") for c in (e.status.get("details") or {}).get("causes") or ()]
                    if e.reason == "NotFound":
                        st[0] = "done"
                    elif e.reason == "TooManyRequests":
                        inv.eprintln(f'error when evicting pods/"{name}" -n "{ns}" (will retry after 5s): {e.message}')
                        st[1] = now + 5.0
                    elif e.reason == "Forbidden" and "NamespaceTerminating" in causes and md.get("deletionTimestamp"):
                        st[:] = ["wait", now]
                    elif e.reason == "Forbidden" and "NamespaceTerminating" in causes:
                        inv.eprintln(f'error when evicting pod "{name}" from terminating namespace "{ns}" '
                                     f"(will retry after 5s): {e.message}")
                        st[1] = now + 5.0
                    else:
                        errs.append(GoError(f'error when evicting pods/"{name}" -n "{ns}": {e.message}'))
                        st[0] = "done"
                    if st[0] == "evict" and st[1] > limit:
                        errs.append(GoError(f'error when evicting pods/"{name}" -n "{ns}": kube-lab stopped '
                                            "retrying after an hour of virtual time"))
                        st[0] = "done"
                    continue
                if strategy == "server":
                    st[0] = "done"
                    continue
                st[0] = "wait"              # waitForDelete polls at once, then every second
            try:
                gone, cur = _gone(inv, pod)
            except api_errors.StatusError as e:
                errs.append(GoError(f'error when waiting for pod "{name}" in namespace "{ns}" to terminate: '
                                    f"{e.message}"))
                st[0] = "done"
                continue
            if gone:
                operation_printer(inv, "evicted", strategy).print_obj(pod, inv.out)
                st[0] = "done"
            elif _should_skip(inv, cur):
                inv.out(POD_SKIP_MSG.format(name=name, seconds=inv.flag("skip-wait-for-delete-timeout")))
                st[0] = "done"
            elif deadline is not None and now >= deadline:
                errs.append(GoError(f'error when waiting for pod "{name}" in namespace "{ns}" to terminate: '
                                    f"global timeout reached: {go_duration(timeout)}"))
                st[0] = "done"
            elif now + 1.0 > limit:
                errs.append(GoError(f'error when waiting for pod "{name}" in namespace "{ns}" to terminate: '
                                    "kube-lab stopped waiting after an hour of virtual time"))
                st[0] = "done"
            else:
                st[1] = now + 1.0
        pending = [st[1] for st in state if st[0] != "done"]
        if not pending:
            return errs
        inv.loop.run_until(max(min(pending), now))


def _delete_pods(inv, pods: list[dict], strategy: str) -> list[BaseException]:
    """``Helper.deletePods`` (``--disable-eviction``): delete them all, then poll every second."""
    grace = inv.flag("grace-period")
    timeout = inv.flag("timeout") or 0.0
    for pod in pods:
        md = pod["metadata"]
        try:
            inv.client.delete("pods", md["name"], md.get("namespace"),
                              grace_period_seconds=grace if grace >= 0 else None, dry_run=strategy == "server")
        except api_errors.StatusError as e:
            if e.reason != "NotFound":
                return [e]
    if strategy == "server":
        return []
    pending = list(pods)

    def poll() -> bool:
        nonlocal pending
        still = []
        for pod in pending:
            gone, cur = _gone(inv, pod)
            if gone:
                operation_printer(inv, "deleted", strategy).print_obj(pod, inv.out)
            elif _should_skip(inv, cur):
                inv.out(POD_SKIP_MSG.format(name=pod["metadata"]["name"],
                                            seconds=inv.flag("skip-wait-for-delete-timeout")))
            else:
                still.append(pod)
        pending = still
        return not pending

    if inv.wait_until(poll, timeout if timeout > 0 else MAX_WAIT, step=1.0):
        return []
    if timeout > 0:
        return [GoError("timed out waiting for the condition")]
    pod = pending[0]
    return [GoError(f'error when waiting for pod "{pod["metadata"]["name"]}" in namespace '
                    f'"{pod["metadata"].get("namespace", "")}" to terminate: kube-lab stopped waiting after an hour '
                    "of virtual time")]


def _evict_or_delete(inv, pods: list[dict], strategy: str) -> None:
    if not pods:
        return
    errs = _delete_pods(inv, pods, strategy) if inv.flag("disable-eviction") else _evict_pods(inv, pods, strategy)
    if errs:
        raise GoError(_agg_text(errs)) if len(errs) > 1 else errs[0]


def run_drain(inv) -> int:
    if inv.given("delete-local-data"):
        inv.eprintln("Flag --delete-local-data has been deprecated, This option is deprecated and will be deleted. "
                     "Use --delete-emptydir-data.")
    strategy = dry_run_strategy(inv)
    if inv.flag("pod-selector"):
        try:
            parse_selector(inv.flag("pod-selector"))
        except SelectorError:
            raise CommandError("error: --pod-selector=<pod_selector> must be a valid label selector") from None
    nodes = _nodes(inv)
    _cordon_nodes(inv, nodes, True, strategy)
    fatal: list[BaseException] = []
    remaining: list[str] = []
    for node in nodes:
        name = node["metadata"]["name"]
        try:
            listed, errs = _pods_for_deletion(inv, name)
            if errs:
                raise GoError(_agg_text(errs)) if len(errs) > 1 else errs[0]
            warnings = _warnings(listed)
            if warnings:
                inv.warn(warnings)
            pods = [p for p, (delete, _, _) in listed if delete]
            if strategy == "client":
                for p in pods:
                    inv.println(f"evicting pod {p['metadata'].get('namespace', '')}/{p['metadata']['name']} (dry run)")
            else:
                _evict_or_delete(inv, pods, strategy)
        except (GoError, api_errors.StatusError) as e:
            text = e.text if isinstance(e, GoError) else e.message
            inv.eprintln(f'error: unable to drain node "{name}" due to error: {text}, continuing command...')
            fatal.append(e)
            remaining.append(name)
            continue
        operation_printer(inv, "drained", strategy).print_obj(node, inv.out)
    if remaining:
        inv.eprintln("There are pending nodes to be drained:")
        for n in remaining:
            inv.eprintln(f" {n}")
    err = aggregate(fatal)
    if err is not None:
        raise err
    return 0
