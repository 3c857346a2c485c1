"""``kubectl run`` (k8s.io/kubectl/pkg/cmd/run, generate/versioned BasicPod): create a Pod named
after its first argument, labelled ``run=<name>`` unless ``--labels`` says otherwise; arguments after
``--`` become ``args`` (or ``command`` with ``--command``); ``--expose --port`` adds a Service.
``-i``/``--attach`` wait (in virtual time) for the pod and print what the container wrote; ``-i``
also gives the container a stdin (``stdinOnce`` unless ``--leave-stdin-open``) and types the
invocation's stdin into it (see :mod:`.attach`)."""
from __future__ import annotations

import re
from typing import Any

from ...api import errors as api_errors
from ...api.meta import deep_copy
from ..parser import Command, CommandError, Flag, usage_error
from ..typed import roundtrip
from . import dry_run_flag, dry_run_strategy, field_manager_flag, operation_printer, output_flags, record_flag

_REFERENCE = re.compile(r"^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*"
                        r"[a-zA-Z0-9])?))*(?::[0-9]+)?/)?[a-z0-9]+(?:(?:[._]|__|[-]*)[a-z0-9]+)*(?:/[a-z0-9]+"
                        r"(?:(?:[._]|__|[-]*)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*"
                        r"(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$")


def command() -> Command:
    return Command("run", short="Run a particular image on the cluster", run=run,
                   usage="kubectl run NAME --image=image [--env=\"key=value\"] [--port=port] [--dry-run=server|client] "
                         "[--overrides=inline-json] [--command] -- [COMMAND] [args...]",
                   flags=[*output_flags(), record_flag(), Flag("annotations", type="stringArray"), Flag("image"),
                          Flag("image-pull-policy"), Flag("rm", type="bool"), Flag("env", type="stringArray"),
                          Flag("port"), Flag("labels", "l"), Flag("stdin", "i", "bool"), Flag("tty", "t", "bool"),
                          Flag("attach", type="bool"), Flag("leave-stdin-open", type="bool"),
                          Flag("restart", default="Always"), Flag("command", type="bool"), Flag("expose", type="bool"),
                          Flag("quiet", "q", "bool"), Flag("privileged", type="bool"), Flag("overrides"),
                          Flag("override-type", default="merge"), Flag("pod-running-timeout", type="duration",
                                                                          default=60.0),
                          Flag("save-config", type="bool"), Flag("serviceaccount"), Flag("hostport", type="int",
                                                                                        default=-1),
                          Flag("requests"), Flag("limits"),
                          dry_run_flag(), field_manager_flag("kubectl-run")])


def _parse_labels(text: str) -> dict[str, str]:
    out = {}
    for part in text.split(","):
        kv = part.split("=")
        if len(kv) != 2:
            raise CommandError(f"error: invalid label spec: {part}")
        out[kv[0]] = kv[1]
    return out


def pod_for(inv, name: str, args: list[str]) -> dict:
    image = inv.flag("image")
    labels = _parse_labels(inv.flag("labels")) if inv.flag("labels") else {"run": name}
    annotations = {}
    for a in inv.flag("annotations") or []:
        k, sep, v = a.partition("=")
        if not sep:
            raise CommandError(f"error: invalid annotation spec: {a}")
        annotations[k] = v
    container: dict[str, Any] = {"name": name, "image": image}
    if args:
        container["command" if inv.flag("command") else "args"] = list(args)
    env = []
    for e in inv.flag("env") or []:
        k, sep, v = e.partition("=")
        if not sep or not k:
            raise CommandError(f"error: invalid env: {e}")
        env.append({"name": k, "value": v})
    if env:
        container["env"] = env
    if inv.flag("port"):
        try:
            port = int(inv.flag("port"))
        except ValueError:
            raise CommandError(f'error: strconv.Atoi: parsing "{inv.flag("port")}": invalid syntax') from None
        p: dict[str, Any] = {"containerPort": port}
        if inv.flag("hostport") > 0:
            p["hostPort"] = inv.flag("hostport")
        container["ports"] = [p]
    elif inv.flag("hostport") > 0:
        raise CommandError("error: --hostport requires --port to be specified")
    resources: dict[str, Any] = {}
    for key in ("limits", "requests"):
        if inv.flag(key):
            resources[key] = dict(pair.split("=", 1) for pair in inv.flag(key).split(","))
    container["resources"] = resources
    if inv.flag("image-pull-policy"):
        container["imagePullPolicy"] = inv.flag("image-pull-policy")
    if inv.flag("privileged"):
        container["securityContext"] = {"privileged": True}
    if inv.flag("stdin"):
        container["stdin"] = True
        if not inv.flag("leave-stdin-open"):
            container["stdinOnce"] = True
    if inv.flag("tty"):
        container["tty"] = True
    md: dict[str, Any] = {"name": name}
    if inv.explicit_namespace:
        md["namespace"] = inv.namespace
    md["creationTimestamp"] = None
    md["labels"] = labels
    if annotations:
        md["annotations"] = annotations
    spec: dict[str, Any] = {"containers": [container], "dnsPolicy": "ClusterFirst",
                            "restartPolicy": inv.flag("restart") or "Always"}
    if inv.flag("serviceaccount"):
        spec = {"serviceAccountName": inv.flag("serviceaccount"), **spec}
    return {"kind": "Pod", "apiVersion": "v1", "metadata": md, "spec": spec, "status": {}}


def _override(inv, pod: dict) -> dict:
    """``--overrides`` (``cmdutil.Overrider``): a JSON merge patch (``--override-type=merge``, the
    default), a strategic merge patch or a JSON patch applied to the generated pod."""
    import json

    from ...api import patch as api_patch

    text = inv.flag("overrides") or ""
    if not text:
        return pod
    kind = inv.flag("override-type") or "merge"
    if kind not in ("json", "merge", "strategic"):
        raise CommandError(f"error: invalid override type: {kind}")
    try:
        patch = json.loads(text)
    except json.JSONDecodeError as e:
        # evanphx/json-patch's MergePatch answers any syntax error with errBadJSONPatch; the other
        # two decode with encoding/json and pass its text on
        detail = "Invalid JSON Patch" if kind == "merge" else api_patch._go_syntax_error(text, e)
        raise CommandError(f"error: {detail}") from None
    try:
        if kind == "merge":
            out = api_patch.merge_patch(pod, patch)
        elif kind == "strategic":
            out = api_patch.strategic_merge_patch(pod, patch, "v1/Pod")
        else:
            out = api_patch.json_patch(pod, patch)
    except api_errors.StatusError as e:
        raise CommandError(f"error: {getattr(e, 'patch_error', None) or e.message}") from None
    return deep_copy(out)


def run(inv) -> int:
    args = inv.args
    if not args or inv.opts.dash_at == 0:
        raise usage_error("kubectl run", "NAME is required for run")
    image = inv.flag("image") or ""
    if not image:
        raise CommandError("error: --image is required" if inv.given("image") else
                           'error: required flag(s) "image" not set')
    if not _REFERENCE.match(image):
        raise CommandError(f'error: Invalid image name "{image}": invalid reference format')
    if inv.flag("tty") and not inv.flag("stdin"):
        raise usage_error("kubectl run", "-i/--stdin is required for containers with -t/--tty=true")
    if inv.flag("expose") and not inv.flag("port"):
        raise usage_error("kubectl run", "--port must be set when exposing a service")
    restart = inv.flag("restart") or "Always"
    if restart not in ("Always", "OnFailure", "Never"):
        raise CommandError(f"error: invalid restart policy: {restart}")
    attach = bool(inv.flag("attach") or inv.flag("stdin"))
    if inv.flag("rm") and not attach:
        raise usage_error("kubectl run", "--rm should only be used for attached containers")
    strategy = dry_run_strategy(inv)
    if attach and strategy != "none":
        raise usage_error("kubectl run", "--dry-run=[server|client] can't be used with attached containers options "
                                         "(--attach, --stdin, or --tty)")
    name = args[0]
    pod = _override(inv, pod_for(inv, name, args[1:]))
    from .apply import record_change_cause, warn_record_flag

    warn_record_flag(inv)
    record_change_cause(inv, pod)
    printer = operation_printer(inv, "created", strategy)
    if strategy == "client":
        shown = roundtrip(pod)
        if inv.flag("expose"):
            printer.print_obj(shown, inv.out, typed=True)
            printer.print_obj(_service(inv, name, pod), inv.out, typed=True)
            return 0
        printer.print_obj(shown, inv.out, typed=True)
        return 0
    body = deep_copy(pod)
    body["metadata"].pop("creationTimestamp", None)
    body.pop("status", None)
    try:
        created = inv.client.create("pods", body, inv.namespace, field_validation="Strict",
                                    dry_run=strategy == "server")
    except api_errors.StatusError as e:
        raise e
    service_created = None
    if inv.flag("expose"):
        svc = _service(inv, name, pod)
        svc["metadata"].pop("creationTimestamp", None)
        svc.pop("status", None)
        service_created = inv.client.create("services", svc, inv.namespace, field_validation="Strict",
                                            dry_run=strategy == "server")
    if attach:
        from .logs import attach_and_stream

        return attach_and_stream(inv, created, remove=bool(inv.flag("rm")), service=service_created)
    if service_created is not None:
        printer.print_obj(roundtrip(service_created), inv.out, typed=True)
    printer.print_obj(roundtrip(created), inv.out, typed=True)
    return 0


def _service(inv, name: str, pod: dict) -> dict:
    port = int(inv.flag("port"))
    md: dict[str, Any] = {"name": name}
    if inv.explicit_namespace:
        md["namespace"] = inv.namespace
    md["creationTimestamp"] = None
    return {"kind": "Service", "apiVersion": "v1", "metadata": md,
            "spec": {"ports": [{"port": port, "protocol": "TCP", "targetPort": port}],
                     "selector": dict(pod["metadata"]["labels"])},
            "status": {"loadBalancer": {}}}
