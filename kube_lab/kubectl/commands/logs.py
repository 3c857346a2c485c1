"""``kubectl logs`` and ``kubectl exec`` (k8s.io/kubectl/pkg/cmd/logs, pkg/cmd/exec and
polymorphichelpers' logsforobject/attachablepodforobject), and the attach step of ``kubectl run
-i``/``--attach`` (pkg/cmd/run): the invocation's stdin goes into the container's, the output is
shown from the container's log.

kube-apiserver answers ``pods/log`` and ``pods/exec`` by calling the kubelet of the pod's node; here
kubectl does the same through the node's machine (``cluster.node(name).kubelet``: its ``logs`` and
``exec`` entry points).  A stopped kubelet or a powered-off machine gives the error kube-apiserver
reports when it cannot dial the kubelet.

* ``logs POD|TYPE/NAME [-c C]``, ``--previous``, ``--tail``, ``--since``, ``--timestamps``,
  ``--limit-bytes``, ``--all-containers``, ``--prefix``, ``-l selector`` (10 lines a pod by default).
  For a Deployment, ReplicaSet, Service … the first pod by upstream's ``ByLogging`` order is used
  (``Found 3 pods, using pod/…``).  ``-f`` follows the log in virtual time until the container
  stops, the cluster settles, or ``--request-timeout`` (60 s by default) passes.
* ``exec POD|TYPE/NAME [-c C] -- CMD …``: the command's output; a non-zero exit status prints
  ``command terminated with exit code N`` and becomes kubectl's exit code.  ``-i`` passes the
  command's stdin (the ``stdin`` of :meth:`Kubectl.run`, the cell body of ``%%kubectl``).
"""
from __future__ import annotations

import functools

from ...api import errors as api_errors
from ...api.meta import parse_rfc3339
from ...controlplane.apiserver.tables import selector_string
from ..errors import GoError
from ..parser import Command, CommandError, Flag, parse_go_duration, usage_error
from . import filename_flags
from .watch import DEFAULT_WATCH_LIMIT, pump, request_timeout

KUBELET_PORT = 10250
DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container"
LOGS_USAGE = "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for " \
             "the logs command"


def command() -> Command:
    return Command("logs", short="Print the logs for a container in a pod", run=run,
                   usage="kubectl logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]",
                   flags=[Flag("all-pods", type="bool"), Flag("all-containers", type="bool"),
                          Flag("follow", "f", "bool"), Flag("timestamps", type="bool"),
                          Flag("limit-bytes", type="int64"), Flag("previous", "p", "bool"),
                          Flag("tail", type="int64", default=-1), Flag("ignore-errors", type="bool"),
                          Flag("since-time"), Flag("since", type="duration"), Flag("container", "c"),
                          Flag("insecure-skip-tls-verify-backend", type="bool"),
                          Flag("pod-running-timeout", default="20s"), Flag("selector", "l"),
                          Flag("max-log-requests", type="int", default=5), Flag("prefix", type="bool")])


def exec_command() -> Command:
    return Command("exec", short="Execute a command in a container", run=run_exec,
                   usage="kubectl exec (POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND [args...]",
                   flags=[*filename_flags("to use to exec into the resource"), Flag("pod-running-timeout", default="1m0s"),
                          Flag("container", "c"), Flag("stdin", "i", "bool"), Flag("tty", "t", "bool"),
                          Flag("quiet", "q", "bool")])


# -- pods, containers and kubelets -----------------------------------------------------------

def _pod_ready(pod: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or [])


def _ready_time(pod: dict) -> float | None:
    for c in (pod.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready" and c.get("status") == "True" and c.get("lastTransitionTime"):
            return parse_rfc3339(c["lastTransitionTime"])
    return None


def _max_restarts(pod: dict) -> int:
    return max([s.get("restartCount", 0) or 0 for s in (pod.get("status") or {}).get("containerStatuses") or []] or [0])


def _created(pod: dict) -> float | None:
    ts = (pod.get("metadata") or {}).get("creationTimestamp")
    return parse_rfc3339(ts) if ts else None


def _by_logging(a: dict, b: dict) -> int:
    """``podutils.ByLogging``: the pod to show logs of comes first."""
    na, nb = (a.get("spec") or {}).get("nodeName", ""), (b.get("spec") or {}).get("nodeName", "")
    if na != nb and (not na or not nb):
        return -1 if na else 1
    rank = {"Running": 0, "Unknown": 1, "Pending": 2}
    pa, pb = rank.get((a.get("status") or {}).get("phase"), 0), rank.get((b.get("status") or {}).get("phase"), 0)
    if pa != pb:
        return -1 if pa < pb else 1
    ra, rb = _pod_ready(a), _pod_ready(b)
    if ra != rb:
        return -1 if ra else 1
    if ra and rb:
        ta, tb = _ready_time(a), _ready_time(b)
        if ta != tb:
            if ta is None:
                return 1
            if tb is None:
                return -1
            return -1 if ta < tb else 1
    ma, mb = _max_restarts(a), _max_restarts(b)
    if ma != mb:
        return -1 if ma > mb else 1
    ca, cb = _created(a), _created(b)
    if ca != cb:
        if ca is None:
            return 1
        if cb is None:
            return -1
        return -1 if ca < cb else 1
    return 0


def _most_active(a: dict, b: dict) -> int:
    """``sort.Reverse(podutils.ActivePods)``: the pod to attach or exec to comes first."""
    na, nb = (a.get("spec") or {}).get("nodeName", ""), (b.get("spec") or {}).get("nodeName", "")
    if na != nb and (not na or not nb):
        return -1 if na else 1
    rank = {"Pending": 0, "Unknown": 1, "Running": 2}
    pa, pb = rank.get((a.get("status") or {}).get("phase"), 0), rank.get((b.get("status") or {}).get("phase"), 0)
    if pa != pb:
        return -1 if pa > pb else 1
    ra, rb = _pod_ready(a), _pod_ready(b)
    if ra != rb:
        return -1 if ra else 1
    if ra and rb:
        ta, tb = _ready_time(a), _ready_time(b)
        if ta != tb and ta is not None and tb is not None:
            return -1 if ta < tb else 1
    ma, mb = _max_restarts(a), _max_restarts(b)
    if ma != mb:
        return -1 if ma < mb else 1
    ca, cb = _created(a), _created(b)
    if ca != cb and ca is not None and cb is not None:
        return -1 if ca < cb else 1
    return 0


def _selector_of(obj: dict) -> str:
    kind = obj.get("kind")
    spec = obj.get("spec") or {}
    name = (obj.get("metadata") or {}).get("name", "")
    if kind == "Service":
        sel = spec.get("selector") or {}
        if not sel:
            raise GoError(f"invalid service '{name}': Service is defined without a selector")
        return ",".join(f"{k}={v}" for k, v in sorted(sel.items()))
    if kind == "ReplicationController":
        return ",".join(f"{k}={v}" for k, v in sorted((spec.get("selector") or {}).items()))
    if kind in ("ReplicaSet", "StatefulSet", "DaemonSet", "Deployment", "Job"):
        return selector_string(spec.get("selector"))
    raise GoError(f"selector for *{_go_type(obj)} not implemented")


def _go_type(obj: dict) -> str:
    api_version = obj.get("apiVersion") or "v1"
    group, _, version = api_version.rpartition("/")
    pkg = {"": "v1", "apps": "v1", "batch": "v1"}.get(group, version)
    return f"{pkg}.{obj.get('kind', '')}"


def _pods_for(inv, obj: dict, cmp, timeout: float) -> list[dict]:
    """``GetPodList``: the pods an object selects, best first (waits for one to appear)."""
    ns = (obj.get("metadata") or {}).get("namespace")
    selector = _selector_of(obj)

    def listed() -> list[dict]:
        return inv.client.list("pods", ns, label_selector=selector or None)["items"]
    pods = listed()
    if not pods:
        found: list = []

        def appeared() -> bool:
            found[:] = listed()
            return bool(found)
        if pump(inv, appeared, timeout, stop_when_idle=False) != "done":
            raise GoError("timed out waiting for the condition")
        pods = found
    return sorted(pods, key=functools.cmp_to_key(cmp))


def _timeout_flag(inv) -> float:
    text = inv.flag("pod-running-timeout")
    try:
        value = float(text) if isinstance(text, (int, float)) else parse_go_duration(text)
    except ValueError as e:
        raise usage_error(inv.cmd.path, str(e)) from None
    if value <= 0:
        raise usage_error(inv.cmd.path, "--pod-running-timeout must be higher than zero")
    return value


def kubelet_for(inv, pod: dict):
    """The kubelet of the pod's node, or the error kube-apiserver gives when it cannot reach it."""
    node_name = (pod.get("spec") or {}).get("nodeName") or ""
    machine = None
    try:
        machine = inv.cluster.node(node_name)
    except (KeyError, AttributeError):
        machine = None
    kubelet = getattr(machine, "kubelet", None)
    if kubelet is None or not getattr(kubelet, "running", True) or not getattr(machine, "powered", True):
        return None, _node_address(inv, node_name)
    return kubelet, _node_address(inv, node_name)


def _node_address(inv, node_name: str) -> str:
    try:
        node = inv.client.get("nodes", node_name)
    except api_errors.StatusError:
        return f"{node_name}:{KUBELET_PORT}"
    st = node.get("status") or {}
    addrs = st.get("addresses") or []
    host = next((a["address"] for a in addrs if a.get("type") == "InternalIP"), None) or \
        next((a["address"] for a in addrs), node_name)
    port = ((st.get("daemonEndpoints") or {}).get("kubeletEndpoint") or {}).get("Port") or KUBELET_PORT
    return f"{host}:{port}"


def _unreachable(verb: str, address: str, path: str) -> api_errors.StatusError:
    return api_errors.StatusError({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": f'{verb} "https://{address}{path}": dial tcp {address}: connect: connection refused',
        "code": 500})


def container_names(pod: dict) -> str:
    spec = pod.get("spec") or {}
    names = [c["name"] for c in spec.get("containers") or []]
    names += [f"{c['name']} (ephem)" for c in spec.get("ephemeralContainers") or []]
    names += [f"{c['name']} (init)" for c in spec.get("initContainers") or []]
    return ", ".join(names)


def _find_container(pod: dict, name: str) -> bool:
    spec = pod.get("spec") or {}
    return any(c.get("name") == name for key in ("containers", "initContainers", "ephemeralContainers")
               for c in spec.get(key) or [])


def _default_container(inv, pod: dict, quiet: bool = False, annotation_notice: bool = True) -> str:
    """The container a command goes to when none is named: the ``kubectl.kubernetes.io/default-
    container`` annotation's, else the first, saying so when there was a choice.  A missing
    annotated container is reported by logs (``annotation_notice``); podcmd, which attach uses,
    only logs it at -v=4."""
    spec = pod.get("spec") or {}
    name = ((pod.get("metadata") or {}).get("annotations") or {}).get(DEFAULT_CONTAINER_ANNOTATION) or ""
    if name:
        if _find_container(pod, name):
            return name
        if annotation_notice:
            inv.eprintln(f'Default container name "{name}" not found in pod {pod["metadata"]["name"]}')
    containers = spec.get("containers") or []
    first = containers[0]["name"]
    if not quiet and (len(containers) > 1 or spec.get("initContainers") or spec.get("ephemeralContainers")):
        inv.eprintln(f'Defaulted container "{first}" out of: {container_names(pod)}')
    return first


# -- logs -----------------------------------------------------------------------------------

def fetch_logs(inv, pod: dict, container: str, *, previous: bool = False, timestamps: bool = False,
               tail: int | None = None, since: float | None = None, limit_bytes: int | None = None) -> str:
    """``GET pods/<name>/log``: empty for a pod not yet scheduled."""
    md = pod["metadata"]
    if not (pod.get("spec") or {}).get("nodeName"):
        return ""
    kubelet, address = kubelet_for(inv, pod)
    if kubelet is None:
        params = "?previous=true" if previous else ""
        raise _unreachable("Get", address, f"/containerLogs/{md.get('namespace', '')}/{md['name']}/{container}{params}")
    return kubelet.logs(md.get("namespace", ""), md["name"], container, previous=previous, timestamps=timestamps,
                        tail=tail, since_seconds=since, limit_bytes=limit_bytes)


def run(inv) -> int:
    args = inv.args
    selector = inv.flag("selector") or ""
    container = inv.flag("container") or ""
    if len(args) == 0:
        if not selector:
            raise usage_error("kubectl logs", LOGS_USAGE)
    elif len(args) == 1:
        if selector:
            raise usage_error("kubectl logs", "only a selector (-l) or a POD name is allowed")
    elif len(args) == 2:
        container = args[1]
    else:
        raise usage_error("kubectl logs", LOGS_USAGE)
    prefix = bool(inv.flag("prefix")) or bool(inv.flag("all-pods"))
    pod_timeout = _timeout_flag(inv)
    if inv.flag("since-time") and inv.flag("since"):
        raise CommandError("error: at most one of `sinceTime` or `sinceSeconds` may be specified")
    if inv.flag("all-containers") and container:
        raise CommandError(f"error: --all-containers=true should not be specified with container name {container}")
    if inv.given("container") and len(args) == 2:
        raise CommandError("error: only one of -c or an inline [CONTAINER] arg is allowed")
    if inv.flag("limit-bytes") < 0:
        raise CommandError("error: --limit-bytes must be greater than 0")
    since = None
    if inv.flag("since"):
        since = float(round(inv.flag("since")))
        if since < 0:
            raise CommandError("error: --since must be greater than 0")
    if inv.flag("since-time"):
        try:
            since = max(0.0, inv.now() - parse_rfc3339(inv.flag("since-time")))
        except (ValueError, TypeError):
            raise CommandError(f'error: parsing time "{inv.flag("since-time")}" as "2006-01-02T15:04:05Z07:00": '
                               "cannot parse") from None
    tail = inv.flag("tail")
    if selector and tail == -1 and not inv.given("tail"):
        tail = 10
    if tail < -1:
        raise CommandError("error: --tail must be greater than or equal to -1")
    tail_arg = None if tail == -1 else tail
    limit_bytes = inv.flag("limit-bytes") or None

    # the object(s)
    all_pods = bool(inv.flag("all-pods")) or bool(selector)
    if selector:
        pods = inv.client.list("pods", inv.namespace, label_selector=selector)["items"]
        if not pods:
            inv.eprintln(f"No resources found in {inv.namespace} namespace.")
            return 0
        targets = pods
    else:
        arg = args[0]
        if "/" in arg:
            kind, _, name = arg.partition("/")
            info = inv.resolve(kind)
        else:
            info, name = inv.resolve("pods"), arg
        try:
            obj = inv.client.get(info.resource, name, inv.namespace if info.namespaced else None)
        except api_errors.StatusError as e:
            if e.reason == "NotFound":
                raise CommandError(f'error: error from server (NotFound): {e.message} in namespace '
                                   f'"{inv.namespace}"') from None
            raise
        if info.kind == "Pod":
            targets = [obj]
        else:
            pods = _pods_for(inv, obj, _by_logging, pod_timeout)
            if inv.flag("all-pods"):
                targets = pods
            else:
                if len(pods) > 1:
                    inv.eprintln(f"Found {len(pods)} pods, using pod/{pods[0]['metadata']['name']}")
                targets = [pods[0]]
    requests: list[tuple[dict, str]] = []
    for pod in targets:
        spec = pod.get("spec") or {}
        if inv.flag("all-containers"):
            for key in ("initContainers", "containers", "ephemeralContainers"):
                for c in spec.get(key) or []:
                    requests.append((pod, c["name"]))
            continue
        name = container
        if not name:
            name = _default_container(inv, pod, quiet=all_pods and len(targets) > 1)
        if not _find_container(pod, name):
            raise GoError(f"container {name} is not valid for pod {pod['metadata']['name']}")
        requests.append((pod, name))
    follow = bool(inv.flag("follow"))
    if follow and len(requests) > inv.flag("max-log-requests"):
        raise GoError(f"you are attempting to follow {len(requests)} log streams, but maximum allowed concurrency is "
                      f"{inv.flag('max-log-requests')}, use --max-log-requests to increase the limit")
    opts = dict(previous=bool(inv.flag("previous")), timestamps=bool(inv.flag("timestamps")), since=since,
                limit_bytes=limit_bytes)
    printed: dict[int, int] = {}
    for i, (pod, c) in enumerate(requests):
        text = fetch_logs(inv, pod, c, tail=tail_arg, **opts)
        _emit(inv, pod, c, text, prefix)
        printed[i] = len(fetch_logs(inv, pod, c, **opts).splitlines(True)) if follow else 0
    if follow:
        _follow(inv, requests, printed, prefix, opts)
    return 0


def _emit(inv, pod: dict, container: str, text: str, prefix: bool) -> None:
    if not text:
        return
    if not prefix:
        inv.out(text)
        return
    tag = f"[pod/{pod['metadata']['name']}/{container}] "
    inv.out("".join(tag + line for line in text.splitlines(True)))


def _follow(inv, requests: list, printed: dict[int, int], prefix: bool, opts: dict) -> None:
    """``-f``: print new lines as they are written, until the containers stop (at most 60 virtual
    seconds, or ``--request-timeout``)."""
    def running(pod: dict, container: str) -> bool:
        try:
            cur = inv.client.get("pods", pod["metadata"]["name"], pod["metadata"].get("namespace"))
        except api_errors.StatusError:
            return False
        for key in ("containerStatuses", "initContainerStatuses"):
            for s in (cur.get("status") or {}).get(key) or []:
                if s.get("name") == container:
                    return "running" in (s.get("state") or {}) or "waiting" in (s.get("state") or {})
        return True

    def step() -> bool:
        alive = False
        for i, (pod, c) in enumerate(requests):
            try:
                lines = fetch_logs(inv, pod, c, **opts).splitlines(True)
            except api_errors.StatusError:
                continue
            if len(lines) > printed[i]:
                _emit(inv, pod, c, "".join(lines[printed[i]:]), prefix)
                printed[i] = len(lines)
            alive = alive or running(pod, c)
        return not alive
    # follow even while only background work (a container's sleep) is pending; at most 60 virtual
    # seconds (or --request-timeout) so that a notebook cell ends
    pump(inv, step, request_timeout(inv, DEFAULT_WATCH_LIMIT), stop_when_idle=False)


# -- exec -----------------------------------------------------------------------------------

def run_exec(inv) -> int:
    args = inv.args
    dash = inv.opts.dash_at
    resource_name = args[0] if args and dash != 0 else ""
    if dash > -1:
        command = args[dash:]
    elif len(args) > 1 or (args and inv.flag("filename")):
        raise usage_error("kubectl exec", "exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] "
                                          "instead")
    else:
        command = []
    pod_timeout = _timeout_flag(inv)
    if not resource_name and not inv.flag("filename"):
        raise CommandError("error: pod, type/name or --filename must be specified")
    if not command:
        raise CommandError("error: you must specify at least one command for the container")
    if "/" in resource_name:
        kind, _, name = resource_name.partition("/")
        info = inv.resolve(kind)
    elif resource_name:
        info, name = inv.resolve("pods"), resource_name
    else:
        from ..resources import Builder

        visits = Builder(inv).filenames_from(inv.flag("filename"), inv.flag("recursive"), inv.flag("kustomize")).visits()
        if len(visits) != 1:
            raise CommandError("error: cannot exec into multiple objects at a time")
        if visits[0].kind == "error":
            raise visits[0].extra["error"]
        info, name = visits[0].info, visits[0].name
    obj = inv.client.get(info.resource, name, inv.namespace if info.namespaced else None)
    pod = obj if info.kind == "Pod" else _pods_for(inv, obj, _most_active, pod_timeout)[0]
    phase = (pod.get("status") or {}).get("phase")
    if phase in ("Succeeded", "Failed"):
        raise CommandError(f"error: cannot exec into a container in a completed pod; current phase is {phase}")
    quiet = bool(inv.flag("quiet"))
    container = inv.flag("container") or ""
    if not container:
        if not (pod.get("spec") or {}).get("containers"):
            raise GoError(f"pod {pod['metadata'].get('namespace', '')}/{pod['metadata']['name']} does not have any "
                          "containers")
        container = _default_container(inv, pod, quiet)
    stdin = inv.stdin if inv.flag("stdin") else None
    if inv.flag("stdin") and inv.flag("tty") and not quiet:
        inv.eprintln("Unable to use a TTY - input is not a terminal or the right kind of file")
    out, err, code = exec_in(inv, pod, container, command, stdin)
    if out:
        inv.out(out)
    if err:
        inv.err(err)
    if code:
        raise CommandError(f"command terminated with exit code {code}", code=code)
    return 0


def streaming_kubelet(inv, pod: dict):
    """The kubelet kube-apiserver proxies an exec or attach of ``pod`` to — refused as upstream
    when the pod has no node yet or its kubelet cannot be dialled."""
    if not (pod.get("spec") or {}).get("nodeName"):
        raise api_errors.bad_request(f"pod {pod['metadata']['name']} does not have a host assigned")
    kubelet, address = kubelet_for(inv, pod)
    if kubelet is None:
        raise GoError(f"error dialing backend: dial tcp {address}: connect: connection refused")
    return kubelet


def exec_in(inv, pod: dict, container: str, command: list[str], stdin: str | None = None) -> tuple[str, str, int]:
    md = pod["metadata"]
    kubelet = streaming_kubelet(inv, pod)
    try:
        return kubelet.exec(md.get("namespace", ""), md["name"], container, list(command), stdin=stdin)
    except api_errors.StatusError as e:
        if e.message.startswith("unable to upgrade connection"):
            raise GoError(e.message) from None
        if e.reason == "InternalError" and "error executing command in container" in e.message:
            # the kubelet's failure comes back on the stream's error channel, after the upgrade:
            # kubectl prints its message as a plain error, not as "Error from server"
            raise GoError(e.message) from None
        raise
    except TimeoutError as e:
        raise GoError(str(e)) from None


# -- run --attach ---------------------------------------------------------------------------

def attach_and_stream(inv, pod: dict, remove: bool = False, service: dict | None = None) -> int:
    """``kubectl run --attach``/``-i``: wait for the pod to run, show its output until it ends
    (restart policy Never or OnFailure) and report a failed container's exit code; ``--rm`` deletes
    what was created."""
    try:
        return _attach(inv, pod)
    finally:
        if remove:
            for obj in ([pod] + ([service] if service else [])):
                md = obj["metadata"]
                resource = "pods" if obj.get("kind") == "Pod" else "services"
                try:
                    inv.client.delete(resource, md["name"], md.get("namespace"))
                except api_errors.StatusError:
                    continue
                inv.println(f'{resource[:-1]} "{md["name"]}" deleted')

                def gone(resource=resource, md=md) -> bool:
                    try:
                        inv.client.get(resource, md["name"], md.get("namespace"))
                    except api_errors.StatusError:
                        return True
                    return False
                inv.wait_until(gone, 120.0, step=1.0)


def _type_stdin(inv, pod: dict, container: str) -> None:
    """``run -i``: the invocation's stdin into the container's (``-i`` gave it one, closed after
    this first attach unless ``--leave-stdin-open``).  What the container writes is shown from
    its log; a container already gone is left to that log, as kubectl falls back to it."""
    from .attach import type_in

    md = pod["metadata"]
    try:
        kubelet = inv.cluster.node((pod.get("spec") or {}).get("nodeName") or "").kubelet
    except (KeyError, AttributeError):
        return
    if kubelet is None:
        return
    try:
        attachment = kubelet.attach(md.get("namespace", ""), md["name"], container, lambda _s, _t: None,
                                    stdin=True)
    except api_errors.StatusError:
        return
    try:
        type_in(inv, attachment, inv.stdin)
    finally:
        attachment.detach()


def _attach(inv, pod: dict) -> int:
    md = pod["metadata"]
    ns, name = md.get("namespace"), md["name"]
    timeout = _timeout_flag(inv) if inv.opts.values.get("pod-running-timeout") else 60.0
    state: dict = {}

    def get() -> dict | None:
        try:
            return inv.client.get("pods", name, ns)
        except api_errors.StatusError:
            return None

    def running_or_done() -> bool:
        cur = get()
        if cur is None:
            raise api_errors.not_found("pods", "")
        state["pod"] = cur
        phase = (cur.get("status") or {}).get("phase")
        return phase in ("Succeeded", "Failed") or (phase == "Running" and _pod_ready(cur))
    if pump(inv, running_or_done, timeout, stop_when_idle=False) != "done":
        raise GoError("timed out waiting for the condition")
    cur = state["pod"]
    container = (cur.get("spec") or {}).get("containers", [{}])[0].get("name", "")
    restart = (cur.get("spec") or {}).get("restartPolicy", "Always")
    if inv.flag("tty") and inv.flag("stdin") and not inv.flag("quiet"):
        inv.eprintln("Unable to use a TTY - input is not a terminal or the right kind of file")
    if inv.flag("stdin") and (cur.get("status") or {}).get("phase") == "Running":
        _type_stdin(inv, cur, container)
    shown = 0

    def show() -> None:
        nonlocal shown
        try:
            lines = fetch_logs(inv, state["pod"], container).splitlines(True)
        except api_errors.StatusError:
            return
        if len(lines) > shown:
            inv.out("".join(lines[shown:]))
            shown = len(lines)

    def finished() -> bool:
        cur = get()
        if cur is not None:
            state["pod"] = cur
        show()
        phase = ((cur or {}).get("status") or {}).get("phase")
        if restart == "OnFailure":
            return phase == "Succeeded"
        return phase in ("Succeeded", "Failed")
    if restart not in ("Never", "OnFailure"):
        show()
        pump(inv, lambda: (show(), False)[1], request_timeout(inv, DEFAULT_WATCH_LIMIT))
        return 0
    if pump(inv, finished, 3600.0) != "done":
        raise GoError("timed out waiting for the condition")
    cur = state["pod"]
    phase = (cur.get("status") or {}).get("phase")
    if phase == "Succeeded":
        return 0
    if phase == "Failed":
        statuses = (cur.get("status") or {}).get("containerStatuses") or []
        term = ((statuses[0].get("state") or {}).get("terminated")) if statuses else None
        if not term or not term.get("exitCode"):
            raise GoError(f"pod {ns}/{name} failed with unknown exit code")
        raise CommandError(f"pod {ns}/{name} terminated ({term.get('reason', '')})\n{term.get('message', '')}",
                           code=int(term["exitCode"]))
    raise GoError(f"pod {ns}/{name} left in phase {phase}")
