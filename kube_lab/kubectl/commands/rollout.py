"""``kubectl rollout status|history|undo|restart|pause|resume`` (k8s.io/kubectl/pkg/cmd/rollout and
the client-side logic of k8s.io/kubectl/pkg/polymorphichelpers).

* ``status``: watches the object (in virtual time) and prints the status viewer's line for every
  ADDED/MODIFIED event — ``Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas
  have been updated...`` … ``deployment "web" successfully rolled out``.  ``--watch=false`` prints
  once.  Without ``--timeout`` it waits as kubectl does — through a stalled rollout until the
  progress deadline is exceeded — but at most 15 virtual minutes (then ``timed out waiting for the
  condition``), so that a notebook cell always ends.
* ``history``: a Deployment's revisions are its ReplicaSets' ``deployment.kubernetes.io/revision``
  annotations (change causes from ``kubernetes.io/change-cause``); DaemonSets and StatefulSets use
  their ControllerRevisions.
* ``undo``: copies the chosen ReplicaSet's pod template back into the Deployment with a JSON patch
  (and its annotations, except the bookkeeping ones), as upstream's ``DeploymentRollbacker``.
* ``restart``: sets ``kubectl.kubernetes.io/restartedAt`` on the pod template (virtual time).
* ``pause`` / ``resume``: flip ``spec.paused``.
"""
from __future__ import annotations

import json
import time as _time

from ...api import errors as api_errors
from ...api.meta import deep_copy
from ..describe import PrefixWriter, describe_pod_template
from ..errors import GoError, aggregate
from ..parser import Command, CommandError, Flag
from ..printers import GENERIC_FORMATS, printer_for
from ..printers.tabwriter import TabWriter
from ..resources import Builder, Visit
from ..rollout_util import CHANGE_CAUSE_ANNOTATION, HASH_LABEL, REVISION_ANNOTATION, all_replica_sets, \
    equal_ignore_hash, revision
from . import dry_run_flag, dry_run_strategy, field_manager_flag, filename_flags, operation_printer, output_flags
from .mutate import STRATEGIC_PATCH, merge_patch
from .watch import pump

STATUS_LIMIT = 900.0
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
JSON_PATCH = "application/json-patch+json"

_SKIPPED_ANNOTATIONS = {
    "kubectl.kubernetes.io/last-applied-configuration", REVISION_ANNOTATION,
    "deployment.kubernetes.io/revision-history", "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas", "deprecated.deployment.rollback.to",
}

_KIND_VISITORS = {("apps", "DaemonSet"), ("extensions", "DaemonSet"), ("apps", "Deployment"),
                  ("extensions", "Deployment"), ("batch", "Job"), ("", "Pod"), ("core", "Pod"),
                  ("apps", "ReplicaSet"), ("extensions", "ReplicaSet"), ("", "ReplicationController"),
                  ("core", "ReplicationController"), ("apps", "StatefulSet"), ("batch", "CronJob")}


def command() -> Command:
    rollout = Command("rollout", short="Manage the rollout of a resource")
    sel = [Flag("selector", "l")]
    rollout.add(
        Command("history", short="View rollout history", run=run_history, usage="kubectl rollout history (TYPE NAME | TYPE/NAME) [flags]",
                flags=[Flag("revision", type="int64"), *sel, *filename_flags("identifying the resource to get from a server."),
                       *output_flags()]),
        Command("pause", short="Mark the provided resource as paused", run=lambda inv: _toggle(inv, "pause"),
                usage="kubectl rollout pause RESOURCE",
                flags=[*filename_flags("identifying the resource to get from a server."),
                       field_manager_flag("kubectl-rollout"), *sel, *output_flags()]),
        Command("restart", short="Restart a resource", run=lambda inv: _toggle(inv, "restart"),
                usage="kubectl rollout restart RESOURCE",
                flags=[*filename_flags("identifying the resource to get from a server."),
                       field_manager_flag("kubectl-rollout"), *sel, *output_flags()]),
        Command("resume", short="Resume a paused resource", run=lambda inv: _toggle(inv, "resume"),
                usage="kubectl rollout resume RESOURCE",
                flags=[*filename_flags("identifying the resource to get from a server."),
                       field_manager_flag("kubectl-rollout"), *sel, *output_flags()]),
        Command("status", short="Show the status of the rollout", run=run_status,
                usage="kubectl rollout status (TYPE NAME | TYPE/NAME) [flags]",
                flags=[*filename_flags("identifying the resource to get from a server."),
                       Flag("watch", "w", "bool", default=True), Flag("revision", type="int64"),
                       Flag("timeout", type="duration"), *sel]),
        Command("undo", short="Undo a previous rollout", run=run_undo, usage="kubectl rollout undo (TYPE NAME | TYPE/NAME) [flags]",
                flags=[Flag("to-revision", type="int64"), *filename_flags("identifying the resource to get from a server."),
                       dry_run_flag(), *sel, *output_flags()]),
    )
    return rollout


# -- shared ---------------------------------------------------------------------------------

def _require_resources(inv) -> None:
    if not inv.args and not inv.flag("filename") and not inv.flag("kustomize"):
        raise CommandError("error: required resource not specified")


def _visits(inv) -> list[Visit]:
    builder = (Builder(inv).filenames_from(inv.flag("filename"), inv.flag("recursive"), inv.flag("kustomize"))
               .selector(inv.flag("selector") or None))
    builder.args(inv.args, allow_empty_selector=True)
    return builder.visits()


def _infos(inv) -> tuple[list[tuple[Visit, dict]], list[BaseException]]:
    """The selected objects, freshly fetched (``Latest()``), and the errors met on the way."""
    out: list[tuple[Visit, dict]] = []
    errs: list[BaseException] = []
    for v in _visits(inv):
        if v.kind == "error":
            errs.append(v.extra["error"])
            continue
        if v.kind == "list":
            for item in inv.client.list(v.info.resource, v.namespace, label_selector=v.label_selector or None,
                                        field_selector=v.field_selector or None)["items"]:
                md = item.get("metadata") or {}
                out.append((Visit("name", v.info, md.get("namespace") or None, name=md.get("name", "")), item))
            continue
        try:
            out.append((v, inv.client.get(v.info.resource, v.name, v.namespace)))
        except api_errors.StatusError as e:
            errs.append(e)
    return out, errs


def _group_kind(info) -> tuple[str, str]:
    return info.group, info.kind


def _gk_string(info) -> str:
    return f"{info.kind}.{info.group}" if info.group else info.kind


def _gk_element(info) -> str:
    """``%v`` of ``apps.GroupKindElement`` (a struct without a String method)."""
    return "{" + f"{info.group} {info.kind}" + "}"


def print_template(template: dict | None) -> str:
    """``describe.DescribePodTemplate`` written straight into a buffer (no tab writer: the tabs
    stay, as in kubectl's output)."""
    out: list[str] = []

    class _Direct:
        def write(self, text: str) -> None:
            out.append(text)

        def flush(self) -> None:
            pass

    describe_pod_template(template, PrefixWriter(_Direct()))
    return "".join(out)


def _controller_revisions(inv, obj: dict) -> list[dict]:
    from ...controlplane.apiserver.tables import selector_string

    md = obj.get("metadata") or {}
    sel = selector_string((obj.get("spec") or {}).get("selector"))
    items = inv.client.list("controllerrevisions", md.get("namespace"), label_selector=sel or None)["items"]
    return [h for h in items
            if any(r.get("controller") and r.get("uid") == md.get("uid")
                   for r in (h.get("metadata") or {}).get("ownerReferences") or [])]


def _revision_template(obj: dict, history: dict) -> dict:
    """The pod template a ControllerRevision records (its data is a strategic patch of the spec
    that replaces the template)."""
    data = history.get("data") or {}
    tmpl = deep_copy(((data.get("spec") or {}).get("template")) or (obj.get("spec") or {}).get("template") or {})
    tmpl.pop("$patch", None)
    return tmpl


# -- status ---------------------------------------------------------------------------------

def _status_line(info, obj: dict, want_revision: int) -> tuple[str, bool]:
    kind = info.kind
    md = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    st = obj.get("status") or {}
    name = md.get("name", "")
    generation = md.get("generation", 0) or 0
    observed = st.get("observedGeneration", 0) or 0
    if kind == "Deployment":
        if want_revision > 0:
            rev = revision(obj)
            if rev != want_revision:
                raise GoError(f"desired revision ({want_revision}) is different from the running revision ({rev})")
        if generation <= observed:
            cond = next((c for c in st.get("conditions") or [] if c.get("type") == "Progressing"), None)
            if cond is not None and cond.get("reason") == "ProgressDeadlineExceeded":
                raise GoError(f'deployment "{name}" exceeded its progress deadline')
            replicas = spec.get("replicas")
            updated = st.get("updatedReplicas", 0) or 0
            if replicas is not None and updated < replicas:
                return (f'Waiting for deployment "{name}" rollout to finish: {updated} out of {replicas} new '
                        "replicas have been updated...\n"), False
            total = st.get("replicas", 0) or 0
            if total > updated:
                return (f'Waiting for deployment "{name}" rollout to finish: {total - updated} old replicas are '
                        "pending termination...\n"), False
            available = st.get("availableReplicas", 0) or 0
            if available < updated:
                return (f'Waiting for deployment "{name}" rollout to finish: {available} of {updated} updated '
                        "replicas are available...\n"), False
            return f'deployment "{name}" successfully rolled out\n', True
        return "Waiting for deployment spec update to be observed...\n", False
    if kind == "DaemonSet":
        if ((spec.get("updateStrategy") or {}).get("type") or "RollingUpdate") != "RollingUpdate":
            raise GoError("rollout status is only available for RollingUpdate strategy type")
        if generation <= observed:
            updated = st.get("updatedNumberScheduled", 0) or 0
            desired = st.get("desiredNumberScheduled", 0) or 0
            if updated < desired:
                return (f'Waiting for daemon set "{name}" rollout to finish: {updated} out of {desired} new pods '
                        "have been updated...\n"), False
            available = st.get("numberAvailable", 0) or 0
            if available < desired:
                return (f'Waiting for daemon set "{name}" rollout to finish: {available} of {desired} updated '
                        "pods are available...\n"), False
            return f'daemon set "{name}" successfully rolled out\n', True
        return "Waiting for daemon set spec update to be observed...\n", False
    if kind == "StatefulSet":
        strategy = spec.get("updateStrategy") or {}
        if (strategy.get("type") or "RollingUpdate") != "RollingUpdate":
            raise GoError("rollout status is only available for RollingUpdate strategy type")
        if observed == 0 or generation > observed:
            return "Waiting for statefulset spec update to be observed...\n", False
        replicas = spec.get("replicas")
        ready = st.get("readyReplicas", 0) or 0
        if replicas is not None and ready < replicas:
            return f"Waiting for {replicas - ready} pods to be ready...\n", False
        updated = st.get("updatedReplicas", 0) or 0
        rolling = strategy.get("rollingUpdate")
        if rolling is not None:
            partition = rolling.get("partition")
            if replicas is not None and partition is not None and updated < replicas - partition:
                return (f"Waiting for partitioned roll out to finish: {updated} out of {replicas - partition} new "
                        "pods have been updated...\n"), False
            return f"partitioned roll out complete: {updated} new pods have been updated...\n", True
        if st.get("updateRevision", "") != st.get("currentRevision", ""):
            return (f"waiting for statefulset rolling update to complete {updated} pods at revision "
                    f"{st.get('updateRevision', '')}...\n"), False
        return (f"statefulset rolling update complete {st.get('currentReplicas', 0) or 0} pods at revision "
                f"{st.get('currentRevision', '')}...\n"), True
    raise GoError(f"no status viewer has been implemented for {_gk_string(info)}")


def run_status(inv) -> int:
    _require_resources(inv)
    want = inv.flag("revision")
    if want < 0:
        raise CommandError(f"error: revision must be a positive integer: {want}")
    found = False
    errs: list[BaseException] = []
    for v in _visits(inv):
        if v.kind == "error":
            errs.append(v.extra["error"])
            continue
        if v.kind == "list":
            items = inv.client.list(v.info.resource, v.namespace, label_selector=v.label_selector or None)["items"]
            targets = [(v.info, (i.get("metadata") or {}).get("namespace"), i["metadata"]["name"]) for i in items]
        else:
            try:
                inv.client.get(v.info.resource, v.name, v.namespace)
            except api_errors.StatusError as e:
                errs.append(e)
                continue
            targets = [(v.info, v.namespace, v.name)]
        for info, ns, name in targets:
            found = True
            try:
                _status_of(inv, info, ns, name, want)
            except GoError as e:
                errs.append(e)
    err = aggregate(errs)
    if err is not None:
        raise err
    if not found:
        inv.eprintln(f"No resources found in {inv.namespace} namespace.")
    return 0


def _status_of(inv, info, namespace, name: str, want: int) -> None:
    if info.kind not in ("Deployment", "DaemonSet", "StatefulSet"):
        raise GoError(f"no status viewer has been implemented for {_gk_string(info)}")
    events: list[tuple[str, dict]] = []
    w = inv.client.watch(info.resource, lambda t, o: events.append((t, o)), namespace,
                         field_selector=f"metadata.name={name}")
    outcome: dict = {}

    def handle() -> bool:
        while events:
            event_type, obj = events.pop(0)
            if event_type == "DELETED":
                raise GoError("object has been deleted")
            if event_type not in ("ADDED", "MODIFIED"):
                continue
            line, done = _status_line(info, obj, want)
            inv.out(line)
            if done or not inv.flag("watch"):
                outcome["done"] = True
                return True
        return False

    timeout = inv.flag("timeout") or 0.0
    try:
        # the initial list: deliver the synthetic ADDED event
        inv.loop.run_until(inv.loop.now)
        if handle():
            return
        # like kubectl, wait for the rollout whatever the cluster is doing: a stalled rollout ends
        # when the Deployment controller reports ProgressDeadlineExceeded (a background timer)
        result = pump(inv, handle, timeout or STATUS_LIMIT, stop_when_idle=False)
    finally:
        w.stop()
    if result != "done":
        raise GoError("timed out waiting for the condition")


# -- history --------------------------------------------------------------------------------

def _history_viewer_check(info) -> None:
    if (info.group, info.kind) not in _KIND_VISITORS:
        raise GoError(f'error retrieving history for "{_gk_string(info)}", no visitor method exists for '
                      f"{_gk_element(info)}")
    if info.kind not in ("Deployment", "DaemonSet", "StatefulSet"):
        raise GoError(f'no history viewer has been implemented for "{_gk_string(info)}"')


def _history(inv, info, obj: dict) -> dict[int, tuple[dict, dict]]:
    """revision → (pod template with the change cause, the object of that revision)."""
    name = obj["metadata"]["name"]
    ns = obj["metadata"].get("namespace")
    out: dict[int, tuple[dict, dict]] = {}
    if info.kind == "Deployment":
        try:
            deployment = inv.client.get("deployments", name, ns)
        except api_errors.StatusError as e:
            raise GoError(f"failed to retrieve deployment {name}: {e.message}") from None
        old, new = all_replica_sets(inv, deployment)
        for rs in old + ([new] if new is not None else []):
            annotations = (rs.get("metadata") or {}).get("annotations") or {}
            if REVISION_ANNOTATION not in annotations:
                rev = 0
            else:
                try:
                    rev = int(annotations[REVISION_ANNOTATION])
                except ValueError:
                    continue
            template = deep_copy((rs.get("spec") or {}).get("template") or {})
            tmd = template.setdefault("metadata", {})
            tann = dict(tmd.get("annotations") or {})
            cause = annotations.get(CHANGE_CAUSE_ANNOTATION, "")
            if cause:
                tann[CHANGE_CAUSE_ANNOTATION] = cause
            tmd["annotations"] = tann
            out[rev] = (template, rs)
        return out
    label = "DaemonSet" if info.kind == "DaemonSet" else "Statefulset"
    try:
        current = inv.client.get(info.resource, name, ns)
    except api_errors.StatusError as e:
        raise GoError(f"failed to retrieve {label} {name}: {e.message}") from None
    for h in _controller_revisions(inv, current):
        template = _revision_template(current, h)
        cause = ((h.get("metadata") or {}).get("annotations") or {}).get(CHANGE_CAUSE_ANNOTATION, "")
        if cause:
            template.setdefault("metadata", {}).setdefault("annotations", {})[CHANGE_CAUSE_ANNOTATION] = cause
        applied = deep_copy(current)
        applied.setdefault("spec", {})["template"] = _revision_template(current, h)
        out[int(h.get("revision", 0) or 0)] = (template, applied)
    return out


def run_history(inv) -> int:
    _require_resources(inv)
    want = inv.flag("revision")
    if want < 0:
        raise CommandError(f"error: revision must be a positive integer: {want}")
    infos, errs = _infos(inv)
    output_given = bool(inv.flag("output"))
    for v, obj in infos:
        try:
            _history_viewer_check(v.info)
            history = _history(inv, v.info, obj)
            if output_given:
                p = printer_for(inv.flag("output"), inv.flag("template") or "", allowed=GENERIC_FORMATS)
                keys = [want] if want > 0 else sorted(history)
                for k in keys:
                    if k in history:
                        p.print_obj(deep_copy(history[k][1]), inv.out)
                    else:
                        p.print_obj(None, inv.out)
                continue
            if not history:
                text = "No rollout history found."
            elif want > 0:
                if want not in history:
                    raise GoError("unable to find the specified revision")
                text = print_template(history[want][0])
            else:
                lines: list[str] = []
                tw = TabWriter(lines, minwidth=0, padding=2)
                tw.write("REVISION\tCHANGE-CAUSE\n")
                for r in sorted(history):
                    cause = ((history[r][0].get("metadata") or {}).get("annotations") or {}).get(
                        CHANGE_CAUSE_ANNOTATION) or "<none>"
                    tw.write(f"{r}\t{cause}\n")
                tw.flush()
                text = "".join(lines)
            with_revision = f"with revision #{want}" if want > 0 else ""
            operation_printer(inv, f"{with_revision}\n{text}").print_obj(obj, inv.out)
        except (GoError, api_errors.StatusError) as e:
            errs.append(e)
    err = aggregate(errs)
    if err is not None:
        raise err
    return 0


# -- undo -----------------------------------------------------------------------------------

def _rollback(inv, info, obj: dict, to_revision: int, strategy: str) -> str:
    if (info.group, info.kind) not in _KIND_VISITORS:
        raise GoError(f'error retrieving rollbacker for "{_gk_string(info)}", no visitor method exists for '
                      f"{_gk_element(info)}")
    if info.kind not in ("Deployment", "DaemonSet", "StatefulSet"):
        raise GoError(f'no rollbacker has been implemented for "{_gk_string(info)}"')
    if to_revision < 0:
        raise GoError(f"unable to find specified revision {to_revision} in history")
    name = obj["metadata"]["name"]
    ns = obj["metadata"].get("namespace")
    dry = strategy == "server"
    if info.kind == "Deployment":
        try:
            deployment = inv.client.get("deployments", name, ns)
        except api_errors.StatusError as e:
            raise GoError(f"failed to retrieve Deployment {name}: {e.message}") from None
        old, new = all_replica_sets(inv, deployment)
        chosen = None
        latest, latest_rev, previous, previous_rev = None, -1, None, -1
        for rs in old + ([new] if new is not None else []):
            annotations = (rs.get("metadata") or {}).get("annotations") or {}
            try:
                v = int(annotations.get(REVISION_ANNOTATION, "0"))
            except ValueError:
                continue
            if to_revision == 0:
                if latest_rev < v:
                    previous, previous_rev = latest, latest_rev
                    latest, latest_rev = rs, v
                elif previous_rev < v:
                    previous, previous_rev = rs, v
            elif to_revision == v:
                chosen = rs
                break
        if to_revision > 0 and chosen is None:
            raise GoError(f"unable to find specified revision {to_revision} in history")
        if to_revision == 0:
            if previous is None:
                raise GoError(f'no rollout history found for deployment "{name}"')
            chosen = previous
        template = deep_copy((chosen.get("spec") or {}).get("template") or {})
        if strategy == "client":
            return print_template(template)
        if (deployment.get("spec") or {}).get("paused"):
            raise GoError("you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume' "
                          "and try again")
        if equal_ignore_hash(template, (deployment.get("spec") or {}).get("template")):
            return f"skipped rollback (current template already matches revision {to_revision})"
        labels = dict((template.get("metadata") or {}).get("labels") or {})
        labels.pop(HASH_LABEL, None)
        template.setdefault("metadata", {})["labels"] = labels
        annotations: dict = {}
        current_ann = (deployment.get("metadata") or {}).get("annotations") or {}
        for k in _SKIPPED_ANNOTATIONS:
            if k in current_ann:
                annotations[k] = current_ann[k]
        for k, val in ((chosen.get("metadata") or {}).get("annotations") or {}).items():
            if k not in _SKIPPED_ANNOTATIONS:
                annotations[k] = val
        patch = [{"op": "replace", "path": "/spec/template", "value": template},
                 {"op": "replace", "path": "/metadata/annotations", "value": dict(sorted(annotations.items()))}]
        try:
            inv.client.patch("deployments", name, json.dumps(patch), JSON_PATCH, ns, dry_run=dry)
        except api_errors.StatusError as e:
            raise GoError(f"failed restoring revision {to_revision}: {e.message}") from None
        return "rolled back"
    label = "DaemonSet" if info.kind == "DaemonSet" else "Statefulset"
    try:
        current = inv.client.get(info.resource, name, ns)
    except api_errors.StatusError as e:
        raise GoError(f"failed to retrieve {label} {name}: {e.message}") from None
    history = _controller_revisions(inv, current)
    if to_revision == 0 and len(history) <= 1:
        raise GoError("no last revision to roll back to")
    history.sort(key=lambda h: int(h.get("revision", 0) or 0))
    if to_revision == 0:
        target = history[-2]
    else:
        target = next((h for h in history if int(h.get("revision", 0) or 0) == to_revision), None)
    if target is None:
        raise GoError(f"unable to find specified revision {to_revision} in history")
    template = _revision_template(current, target)
    if strategy == "client":
        return "will roll back to " + print_template(template)
    if equal_ignore_hash(template, (current.get("spec") or {}).get("template")):
        return f"skipped rollback (current template already matches revision {to_revision})"
    try:
        inv.client.patch(info.resource, name, json.dumps(target.get("data") or {}), STRATEGIC_PATCH, ns, dry_run=dry)
    except api_errors.StatusError as e:
        raise GoError(f"failed restoring revision {to_revision}: {e.message}") from None
    return "rolled back"


def run_undo(inv) -> int:
    strategy = dry_run_strategy(inv)
    _require_resources(inv)
    infos, errs = _infos(inv)
    if errs and not infos:
        raise aggregate(errs)
    for v, obj in infos:
        result = _rollback(inv, v.info, obj, inv.flag("to-revision"), strategy)
        operation_printer(inv, result, strategy).print_obj(obj, inv.out)
    err = aggregate(errs)
    if err is not None:
        raise err
    return 0


# -- restart / pause / resume -----------------------------------------------------------------

def _rfc3339_local(seconds: float) -> str:
    return _time.strftime("%Y-%m-%dT%H:%M:%SZ", _time.gmtime(int(seconds)))


def _mutate(inv, action: str, obj: dict) -> dict:
    kind = obj.get("kind", "")
    group = (obj.get("apiVersion") or "").rpartition("/")[0]
    new = deep_copy(obj)
    spec = new.setdefault("spec", {})
    if action in ("pause", "resume"):
        if kind != "Deployment" or group not in ("apps", "extensions"):
            raise ValueError("pausing is not supported" if action == "pause" else "resuming is not supported")
        paused = bool(spec.get("paused"))
        if action == "pause":
            if paused:
                raise ValueError("is already paused")
            spec["paused"] = True
        else:
            if not paused:
                raise ValueError("is not paused")
            spec.pop("paused", None)
        return new
    if kind not in ("Deployment", "DaemonSet", "StatefulSet") or group not in ("apps", "extensions"):
        raise ValueError("restarting is not supported")
    if kind == "Deployment" and spec.get("paused"):
        raise ValueError("can't restart paused deployment (run rollout resume first)")
    tmpl = spec.setdefault("template", {})
    md = tmpl.setdefault("metadata", {})
    annotations = dict(md.get("annotations") or {})
    annotations[RESTARTED_AT] = _rfc3339_local(inv.now())
    md["annotations"] = annotations
    return new


def _toggle(inv, action: str) -> int:
    _require_resources(inv)
    infos, errs = _infos(inv)
    patches = []
    for v, obj in infos:
        try:
            new = _mutate(inv, action, obj)
        except ValueError as e:
            res = v.info.resource + (f".{v.info.group}" if v.info.group else "")
            errs.append(GoError(f'error: {res} "{v.name}" {e}'))
            continue
        patches.append((v, obj, merge_patch(obj, new)))
    if not patches and not errs:
        inv.eprintln(f"No resources found in {inv.namespace} namespace.")
        return 0
    past = {"pause": "paused", "resume": "resumed", "restart": "restarted"}[action]
    for v, obj, patch in patches:
        if not patch:
            if action == "restart":
                errs.append(GoError(f"failed to create patch for {v.name}: if restart has already been triggered "
                                    "within the past second, please wait before attempting to trigger another"))
                continue
            operation_printer(inv, "already " + past).print_obj(obj, inv.out)
            continue
        try:
            got = inv.client.patch(v.info.resource, v.name, json.dumps(patch), STRATEGIC_PATCH, v.namespace,
                                   field_manager=inv.flag("field-manager") or "kubectl-rollout")
        except api_errors.StatusError as e:
            errs.append(GoError(f"failed to patch: {e.message}"))
            continue
        operation_printer(inv, past).print_obj(deep_copy(got), inv.out)
    err = aggregate(errs)
    if err is not None:
        raise err
    return 0

