"""Server-side printing: the ``metav1.Table`` the API server returns for ``Accept: …;as=Table``.

``kubectl get`` does not format objects itself: it asks the API server for a Table and lays out
the cells it gets back.  The columns and cells of every built-in kind come from
``pkg/printers/internalversion/printers.go`` (one ``TableHandler`` per kind); kinds without a
handler get the default convertor of ``k8s.io/apiserver/pkg/registry/rest/table.go`` (``Name`` and
``Created At``).  The server always generates the table as if ``-o wide`` had been asked for
(``printers.GenerateOptions{Wide: true}`` in ``pkg/printers/storage``); priority-1 columns are
dropped by kubectl unless the user asks for ``-o wide``.

Ages are computed against ``now`` (the cluster's virtual clock, in Unix seconds), with
``duration.HumanDuration`` (k8s.io/apimachinery/pkg/util/duration).

:func:`convert_to_table` is the entry point; the result is a plain dict shaped like ``metav1.Table``
(``columnDefinitions``, ``rows`` with ``cells``, ``object`` and ``conditions``).  Column
descriptions are short texts of our own.
"""
from __future__ import annotations

from typing import Any, Callable

from ...api.meta import parse_rfc3339

_Row = list  # cells

# ---------------------------------------------------------------------------------------------
# durations (k8s.io/apimachinery/pkg/util/duration)


def human_duration(seconds: float) -> str:
    """``duration.HumanDuration``: ``45s``, ``3m2s``, ``15m``, ``5h``, ``5h30m``, ``2d3h``, ``40d``, ``2y``."""
    ns = int(round(seconds * 1e9))
    secs = int(ns / 1e9) if ns >= 0 else -int(-ns // 1_000_000_000)
    if secs < -1:
        return "<invalid>"
    if secs < 0:
        return "0s"
    if secs < 120:
        return f"{secs}s"
    minutes = ns // 60_000_000_000
    if minutes < 10:
        s = (ns // 1_000_000_000) % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = ns // 3_600_000_000_000
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


def short_human_duration(seconds: float) -> str:
    """``duration.ShortHumanDuration``: one unit only (``45s``, ``3m``, ``5h``, ``2d``, ``1y``)."""
    secs = int(seconds) if seconds >= 0 else -int(-seconds)
    if secs < -1:
        return "<invalid>"
    if secs < 0:
        return "0s"
    if secs < 60:
        return f"{secs}s"
    if seconds / 60 < 60:
        return f"{int(seconds // 60)}m"
    hours = int(seconds // 3600)
    if hours < 24:
        return f"{hours}h"
    if hours < 24 * 365:
        return f"{hours // 24}d"
    return f"{int(seconds / 3600 / 24 / 365)}y"


def since(timestamp: str | None, now: float) -> str:
    """``translateTimestampSince``: ``<unknown>`` for a missing time."""
    if not timestamp:
        return "<unknown>"
    try:
        return human_duration(now - parse_rfc3339(timestamp))
    except (ValueError, TypeError):
        return "<unknown>"


# ---------------------------------------------------------------------------------------------
# small formatting helpers shared with kubectl's describers


def format_labels(labels: dict | None) -> str:
    """``labels.FormatLabels``: ``k=v`` pairs sorted as strings, or ``<none>``."""
    text = ",".join(sorted(f"{k}={v}" for k, v in (labels or {}).items()))
    return text or "<none>"


def format_label_selector(selector: dict | None) -> str:
    """``metav1.FormatLabelSelector``: the selector's string form, ``<none>`` or ``<error>``."""
    from ...api.selectors import SelectorError, from_label_selector

    try:
        text = str(from_label_selector(selector))
    except (SelectorError, ValueError, AttributeError, TypeError):
        return "<error>"
    return text or "<none>"


def selector_string(selector: dict | None) -> str:
    """``LabelSelectorAsSelector(sel).String()`` (empty for ``nil``), ``<invalid>`` on error."""
    from ...api.selectors import SelectorError, from_label_selector

    try:
        return str(from_label_selector(selector))
    except (SelectorError, ValueError, AttributeError, TypeError):
        return "<invalid>"


def quantity_string(value: Any) -> str:
    """A Quantity as ``String()`` prints it (its canonical form)."""
    from ...api.quantity import QuantityError, quantity_from_json

    if value is None or value == "":
        return "0"
    try:
        return str(quantity_from_json(value))
    except (QuantityError, ValueError):
        return str(value)


_ACCESS_MODES = (("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"),
                 ("ReadWriteOncePod", "RWOP"))


def access_modes_string(modes: list | None) -> str:
    """``helper.GetAccessModesAsString``: ``RWO,ROX,RWX,RWOP`` in that fixed order."""
    modes = modes or []
    return ",".join(short for long, short in _ACCESS_MODES if long in modes)


def layout_containers(containers: list | None) -> tuple[str, str]:
    """``layoutContainerCells``: container names and images, comma-separated."""
    containers = containers or []
    return (",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers))


def _get(obj: Any, *path: str, default: Any = None) -> Any:
    for p in path:
        if not isinstance(obj, dict):
            return default
        obj = obj.get(p)
        if obj is None:
            return default
    return obj


def _name(obj: dict) -> str:
    return _get(obj, "metadata", "name", default="")


def _age(obj: dict, now: float) -> str:
    return since(_get(obj, "metadata", "creationTimestamp"), now)


def _int(v: Any) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) else 0


def _template_containers(obj: dict, *path: str) -> tuple[str, str]:
    return layout_containers(_get(obj, *path, "spec", "containers"))


def _column(name: str, type_: str = "string", priority: int = 0, description: str = "",
            fmt: str = "") -> dict:
    col = {"name": name, "type": type_, "format": fmt, "description": description, "priority": priority}
    return col


def _name_col() -> dict:
    return _column("Name", fmt="name", description="Name of the object, unique within its namespace.")


def _age_col() -> dict:
    return _column("Age", description="Time since the object was created.")


# ---------------------------------------------------------------------------------------------
# pods


def _is_restartable_init(container: dict | None) -> bool:
    return bool(container) and container.get("restartPolicy") == "Always"


def pod_status_reason(pod: dict) -> tuple[str, int, int, int, str | None]:
    """kubectl's pod summary (``printPod``): STATUS reason, ready and total containers, restarts,
    and the time of the last restart (``None`` if none)."""
    spec = pod.get("spec") or {}
    status = pod.get("status") or {}
    restarts = 0
    sidecar_restarts = 0
    total = len(spec.get("containers") or [])
    ready = 0
    last_restart: str | None = None
    last_sidecar_restart: str | None = None
    phase = status.get("phase") or ""
    reason = status.get("reason") or phase
    for cond in status.get("conditions") or []:
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"
    init_specs = {c.get("name"): c for c in spec.get("initContainers") or []}
    for c in spec.get("initContainers") or []:
        if _is_restartable_init(c):
            total += 1

    def later(a: str | None, b: str | None) -> str | None:
        if not b:
            return a
        if not a or parse_rfc3339(b) > parse_rfc3339(a):
            return b
        return a

    init_statuses = status.get("initContainerStatuses") or []
    n_init = len(spec.get("initContainers") or [])
    initializing = False
    for i, cs in enumerate(init_statuses):
        restarts += _int(cs.get("restartCount"))
        last_term = _get(cs, "lastState", "terminated")
        if last_term:
            last_restart = later(last_restart, last_term.get("finishedAt"))
        sidecar = _is_restartable_init(init_specs.get(cs.get("name")))
        if sidecar:
            sidecar_restarts += _int(cs.get("restartCount"))
            if last_term:
                last_sidecar_restart = later(last_sidecar_restart, last_term.get("finishedAt"))
        state = cs.get("state") or {}
        term = state.get("terminated")
        waiting = state.get("waiting")
        if term is not None and _int(term.get("exitCode")) == 0:
            continue
        if sidecar and cs.get("started"):
            if cs.get("ready"):
                ready += 1
            continue
        if term is not None:
            if not term.get("reason"):
                if _int(term.get("signal")):
                    reason = f"Init:Signal:{term['signal']}"
                else:
                    reason = f"Init:ExitCode:{_int(term.get('exitCode'))}"
            else:
                reason = "Init:" + term["reason"]
            initializing = True
        elif waiting is not None and waiting.get("reason") and waiting.get("reason") != "PodInitializing":
            reason = "Init:" + waiting["reason"]
            initializing = True
        else:
            reason = f"Init:{i}/{n_init}"
            initializing = True
        break

    initialized = any(c.get("type") == "Initialized" and c.get("status") == "True"
                      for c in status.get("conditions") or [])
    if not initializing or initialized:
        restarts = sidecar_restarts
        last_restart = last_sidecar_restart
        has_running = False
        for cs in reversed(status.get("containerStatuses") or []):
            restarts += _int(cs.get("restartCount"))
            last_term = _get(cs, "lastState", "terminated")
            if last_term:
                last_restart = later(last_restart, last_term.get("finishedAt"))
            state = cs.get("state") or {}
            waiting, term, running = state.get("waiting"), state.get("terminated"), state.get("running")
            if waiting is not None and waiting.get("reason"):
                reason = waiting["reason"]
            elif term is not None and term.get("reason"):
                reason = term["reason"]
            elif term is not None:
                if _int(term.get("signal")):
                    reason = f"Signal:{term['signal']}"
                else:
                    reason = f"ExitCode:{_int(term.get('exitCode'))}"
            elif cs.get("ready") and running is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            pod_ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                            for c in status.get("conditions") or [])
            reason = "Running" if pod_ready else "NotReady"

    deleting = _get(pod, "metadata", "deletionTimestamp")
    if deleting and status.get("reason") == "NodeLost":
        reason = "Unknown"
    elif deleting and phase not in ("Succeeded", "Failed"):
        reason = "Terminating"
    return reason, ready, total, restarts, last_restart


def _print_pod(pod: dict, now: float) -> tuple[_Row, list | None]:
    reason, ready, total, restarts, last_restart = pod_status_reason(pod)
    restarts_str = str(restarts)
    if restarts and last_restart:
        restarts_str = f"{restarts} ({since(last_restart, now)} ago)"
    status = pod.get("status") or {}
    ips = status.get("podIPs") or []
    pod_ip = (ips[0] or {}).get("ip", "") if ips else ""
    node = _get(pod, "spec", "nodeName", default="") or "<none>"
    nominated = status.get("nominatedNodeName") or "<none>"
    gates = _get(pod, "spec", "readinessGates") or []
    readiness = "<none>"
    if gates:
        true_count = 0
        for gate in gates:
            for cond in status.get("conditions") or []:
                if cond.get("type") == gate.get("conditionType"):
                    if cond.get("status") == "True":
                        true_count += 1
                    break
        readiness = f"{true_count}/{len(gates)}"
    conditions = None
    phase = status.get("phase")
    if phase == "Succeeded":
        conditions = [{"type": "Completed", "status": "True", "reason": "Succeeded",
                       "message": "The pod has completed successfully."}]
    elif phase == "Failed":
        conditions = [{"type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."}]
    cells = [_name(pod), f"{ready}/{total}", reason, restarts_str, _age(pod, now),
             pod_ip or "<none>", node, nominated, readiness]
    return cells, conditions


# ---------------------------------------------------------------------------------------------
# workloads


def _print_deployment(obj: dict, now: float) -> _Row:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = _template_containers(obj, "spec", "template")
    return [_name(obj), f"{_int(status.get('readyReplicas'))}/{_int(spec.get('replicas'))}",
            _int(status.get("updatedReplicas")), _int(status.get("availableReplicas")), _age(obj, now),
            names, images, selector_string(spec.get("selector"))]


def _print_replicaset(obj: dict, now: float) -> _Row:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = _template_containers(obj, "spec", "template")
    return [_name(obj), _int(spec.get("replicas")), _int(status.get("replicas")),
            _int(status.get("readyReplicas")), _age(obj, now), names, images,
            format_label_selector(spec.get("selector"))]


def _print_rc(obj: dict, now: float) -> _Row:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = _template_containers(obj, "spec", "template")
    return [_name(obj), _int(spec.get("replicas")), _int(status.get("replicas")),
            _int(status.get("readyReplicas")), _age(obj, now), names, images,
            format_labels(spec.get("selector"))]


def _print_statefulset(obj: dict, now: float) -> _Row:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = _template_containers(obj, "spec", "template")
    return [_name(obj), f"{_int(status.get('readyReplicas'))}/{_int(spec.get('replicas'))}", _age(obj, now),
            names, images]


def _print_daemonset(obj: dict, now: float) -> _Row:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    names, images = _template_containers(obj, "spec", "template")
    return [_name(obj), _int(status.get("desiredNumberScheduled")), _int(status.get("currentNumberScheduled")),
            _int(status.get("numberReady")), _int(status.get("updatedNumberScheduled")),
            _int(status.get("numberAvailable")), format_labels(_get(spec, "template", "spec", "nodeSelector")),
            _age(obj, now), names, images, format_label_selector(spec.get("selector"))]


def _job_condition(obj: dict, type_: str) -> bool:
    for c in _get(obj, "status", "conditions") or []:
        if c.get("type") == type_:
            return c.get("status") == "True"
    return False


def _print_job(obj: dict, now: float) -> _Row:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    succeeded = _int(status.get("succeeded"))
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{spec['completions']}"
    else:
        parallelism = _int(spec.get("parallelism"))
        completions = f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"
    duration = ""
    start = status.get("startTime")
    if start:
        end = status.get("completionTime")
        if end:
            duration = human_duration(parse_rfc3339(end) - parse_rfc3339(start))
        else:
            duration = human_duration(now - parse_rfc3339(start))
    if _job_condition(obj, "Complete"):
        state = "Complete"
    elif _job_condition(obj, "Failed"):
        state = "Failed"
    elif _get(obj, "metadata", "deletionTimestamp"):
        state = "Terminating"
    elif _job_condition(obj, "Suspended"):
        state = "Suspended"
    elif _job_condition(obj, "FailureTarget"):
        state = "FailureTarget"
    else:
        state = "Running"
    names, images = _template_containers(obj, "spec", "template")
    return [_name(obj), state, completions, duration, _age(obj, now), names, images,
            format_label_selector(spec.get("selector"))]


def _print_cronjob(obj: dict, now: float) -> _Row:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    last = "<none>"
    if status.get("lastScheduleTime"):
        last = since(status["lastScheduleTime"], now)
    suspend = spec.get("suspend")
    names, images = _template_containers(obj, "spec", "jobTemplate", "spec", "template")
    return [_name(obj), spec.get("schedule", ""), spec.get("timeZone") or "<none>",
            "<unset>" if suspend is None else bool(suspend), len(status.get("active") or []), last,
            _age(obj, now), names, images,
            format_label_selector(_get(spec, "jobTemplate", "spec", "selector"))]


def _print_hpa(obj: dict, now: float) -> _Row:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    ref = spec.get("scaleTargetRef") or {}
    min_pods = "<unset>" if spec.get("minReplicas") is None else str(spec["minReplicas"])
    return [_name(obj), f"{ref.get('kind', '')}/{ref.get('name', '')}",
            _hpa_metrics(spec.get("metrics") or [], status.get("currentMetrics") or []), min_pods,
            _int(spec.get("maxReplicas")), _int(status.get("currentReplicas")), _age(obj, now)]


def _hpa_metrics(specs: list, statuses: list) -> str:
    if not specs:
        return "<none>"
    out: list[str] = []
    for i, spec in enumerate(specs):
        st = statuses[i] if i < len(statuses) else {}
        kind = spec.get("type")
        if kind == "Resource":
            res = spec.get("resource") or {}
            target = res.get("target") or {}
            name = res.get("name", "")
            cur_res = (st or {}).get("resource") or {}
            if target.get("averageValue") is not None:
                current = "<unknown>"
                if cur_res.get("current", {}).get("averageValue") is not None:
                    current = quantity_string(cur_res["current"]["averageValue"])
                out.append(f"{name}: {current}/{quantity_string(target['averageValue'])}")
            else:
                current = "<unknown>"
                util = (cur_res.get("current") or {}).get("averageUtilization")
                if util is not None:
                    current = f"{util}%"
                tgt = "<auto>"
                if target.get("averageUtilization") is not None:
                    tgt = f"{target['averageUtilization']}%"
                out.append(f"{name}: {current}/{tgt}")
        else:
            out.append("<unknown type>")
    if len(out) > 2:
        return ", ".join(out[:2]) + f" + {len(out) - 2} more..."
    return ", ".join(out)


def _print_controller_revision(obj: dict, now: float) -> _Row:
    owner = "<none>"
    for ref in _get(obj, "metadata", "ownerReferences") or []:
        if ref.get("controller"):
            group = ref.get("apiVersion", "").rpartition("/")[0]
            kind = ref.get("kind", "")
            gk = f"{kind}.{group}" if group else kind
            owner = f"{gk.lower()}/{ref.get('name', '')}" if kind else ref.get("name", "")
            break
    return [_name(obj), owner, _int(obj.get("revision")), _age(obj, now)]


# ---------------------------------------------------------------------------------------------
# services and networking


def _lb_status(status: dict | None, wide: bool) -> str:
    ips = sorted({i.get("ip") or i.get("hostname") for i in (status or {}).get("ingress") or []
                  if i.get("ip") or i.get("hostname")})
    text = ",".join(ips)
    if not wide and len(text) > 16:
        text = text[:13] + "..."
    return text


def service_external_ip(svc: dict, wide: bool = True) -> str:
    """``getServiceExternalIP``."""
    spec = svc.get("spec") or {}
    svc_type = spec.get("type") or "ClusterIP"
    external = spec.get("externalIPs") or []
    if svc_type in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else "<none>"
    if svc_type == "LoadBalancer":
        lb = _lb_status(_get(svc, "status", "loadBalancer"), wide)
        if external:
            return ",".join(([*lb.split(",")] if lb else []) + list(external))
        return lb or "<pending>"
    if svc_type == "ExternalName":
        return spec.get("externalName", "")
    return "<unknown>"


def service_ports(ports: list | None) -> str:
    """``makePortString``: ``80/TCP``, ``80:30080/TCP``."""
    pieces = []
    for p in ports or []:
        if _int(p.get("nodePort")) > 0:
            pieces.append(f"{p.get('port')}:{p['nodePort']}/{p.get('protocol', 'TCP')}")
        else:
            pieces.append(f"{p.get('port')}/{p.get('protocol', 'TCP')}")
    return ",".join(pieces)


def _print_service(obj: dict, now: float) -> _Row:
    spec = obj.get("spec") or {}
    cluster_ips = spec.get("clusterIPs") or []
    internal = cluster_ips[0] if cluster_ips else "<none>"
    ports = service_ports(spec.get("ports")) or "<none>"
    # The server generates wide output, so the load-balancer list is never clipped here.
    return [_name(obj), spec.get("type", ""), internal, service_external_ip(obj, True), ports,
            _age(obj, now), format_labels(spec.get("selector"))]


def format_endpoints(ep: dict, ports: set | None = None) -> str:
    """``formatEndpoints``: up to three ``ip:port`` entries, then ``+ N more...``."""
    subsets = ep.get("subsets") or []
    if not subsets:
        return "<none>"
    out: list[str] = []
    limit, more, count = 3, False, 0
    for ss in subsets:
        addrs = ss.get("addresses") or []
        sports = ss.get("ports") or []
        if not sports:
            count += len(addrs)
            for a in addrs:
                if len(out) == limit:
                    more = True
                    break
                out.append(a.get("ip", ""))
            continue
        for port in sports:
            if ports is None or port.get("name", "") in ports:
                count += len(addrs)
                for a in addrs:
                    if len(out) == limit:
                        more = True
                        break
                    ip = a.get("ip", "")
                    host = f"[{ip}]" if ":" in ip else ip
                    out.append(f"{host}:{port.get('port')}")
    text = ",".join(out)
    if more:
        return f"{text} + {count - limit} more..."
    return text


def _print_endpoints(obj: dict, now: float) -> _Row:
    return [_name(obj), format_endpoints(obj), _age(obj, now)]


def _list_with_more(items: list[str], total: int, limit: int = 3) -> str:
    text = ",".join(items[:limit])
    if total > limit:
        return f"{text} + {total - limit} more..."
    return text or "<unset>"


def _print_endpointslice(obj: dict, now: float) -> _Row:
    ports = []
    for p in obj.get("ports") or []:
        if p.get("port") is not None:
            ports.append(str(p["port"]))
        elif p.get("name") is not None:
            ports.append(p["name"])
        else:
            ports.append("*")
    addrs = [a for e in obj.get("endpoints") or [] for a in e.get("addresses") or []]
    return [_name(obj), obj.get("addressType", ""), _list_with_more(ports, len(ports)),
            _list_with_more(addrs, len(addrs)), _age(obj, now)]


def _print_ingress(obj: dict, now: float) -> _Row:
    spec = obj.get("spec") or {}
    rules = spec.get("rules") or []
    hosts: list[str] = []
    more = False
    for rule in rules:
        if len(hosts) == 3:
            more = True
        if not more and rule.get("host"):
            hosts.append(rule["host"])
    host_text = "*" if not hosts else ",".join(hosts) + (f" + {len(rules) - 3} more..." if more else "")
    address = _lb_status(_get(obj, "status", "loadBalancer"), True)
    return [_name(obj), spec.get("ingressClassName") or "<none>", host_text, address,
            "80, 443" if spec.get("tls") else "80", _age(obj, now)]


def _print_ingress_class(obj: dict, now: float) -> _Row:
    spec = obj.get("spec") or {}
    params = "<none>"
    p = spec.get("parameters")
    if p:
        params = p.get("kind", "")
        if p.get("apiGroup") is not None:
            params += "." + p["apiGroup"]
        params += "/" + p.get("name", "")
    return [_name(obj), spec.get("controller", ""), params, _age(obj, now)]


def _print_network_policy(obj: dict, now: float) -> _Row:
    return [_name(obj), format_label_selector(_get(obj, "spec", "podSelector") or {}), _age(obj, now)]


# ---------------------------------------------------------------------------------------------
# cluster objects


def node_roles(node: dict) -> list[str]:
    """``findNodeRoles``: ``node-role.kubernetes.io/<role>`` labels and ``kubernetes.io/role``."""
    roles = set()
    for k, v in (_get(node, "metadata", "labels") or {}).items():
        if k.startswith("node-role.kubernetes.io/"):
            role = k[len("node-role.kubernetes.io/"):]
            if role:
                roles.add(role)
        elif k == "kubernetes.io/role" and v:
            roles.add(v)
    return sorted(roles)


def node_status(node: dict) -> str:
    """The STATUS cell: ``Ready``/``NotReady``/``Unknown`` and ``SchedulingDisabled``."""
    status = []
    for cond in _get(node, "status", "conditions") or []:
        if cond.get("type") == "Ready":
            status = ["Ready" if cond.get("status") == "True" else "NotReady"]
    if not status:
        status = ["Unknown"]
    if _get(node, "spec", "unschedulable"):
        status.append("SchedulingDisabled")
    return ",".join(status)


def _node_address(node: dict, kind: str) -> str:
    for a in _get(node, "status", "addresses") or []:
        if a.get("type") == kind:
            return a.get("address", "")
    return "<none>"


def _print_node(obj: dict, now: float) -> _Row:
    info = _get(obj, "status", "nodeInfo") or {}
    return [_name(obj), node_status(obj), ",".join(node_roles(obj)) or "<none>", _age(obj, now),
            info.get("kubeletVersion", ""), _node_address(obj, "InternalIP"), _node_address(obj, "ExternalIP"),
            info.get("osImage") or "<unknown>", info.get("kernelVersion") or "<unknown>",
            info.get("containerRuntimeVersion") or "<unknown>"]


def _print_namespace(obj: dict, now: float) -> _Row:
    return [_name(obj), _get(obj, "status", "phase", default=""), _age(obj, now)]


def _print_secret(obj: dict, now: float) -> _Row:
    return [_name(obj), obj.get("type", ""), len(obj.get("data") or {}), _age(obj, now)]


def _print_configmap(obj: dict, now: float) -> _Row:
    return [_name(obj), len(obj.get("data") or {}) + len(obj.get("binaryData") or {}), _age(obj, now)]


def _print_service_account(obj: dict, now: float) -> _Row:
    return [_name(obj), len(obj.get("secrets") or []), _age(obj, now)]


def pv_class(obj: dict) -> str:
    ann = _get(obj, "metadata", "annotations") or {}
    if "volume.beta.kubernetes.io/storage-class" in ann:
        return ann["volume.beta.kubernetes.io/storage-class"]
    return _get(obj, "spec", "storageClassName", default="") or ""


def _print_pv(obj: dict, now: float) -> _Row:
    spec = obj.get("spec") or {}
    claim = ""
    if spec.get("claimRef") is not None:
        claim = f"{spec['claimRef'].get('namespace', '')}/{spec['claimRef'].get('name', '')}"
    capacity = (spec.get("capacity") or {}).get("storage")
    phase = _get(obj, "status", "phase", default="")
    if _get(obj, "metadata", "deletionTimestamp"):
        phase = "Terminating"
    return [_name(obj), quantity_string(capacity), access_modes_string(spec.get("accessModes")),
            spec.get("persistentVolumeReclaimPolicy", ""), phase, claim, pv_class(obj),
            spec.get("volumeAttributesClassName") or "<unset>", _get(obj, "status", "reason", default=""),
            _age(obj, now), spec.get("volumeMode") or "<unset>"]


def pvc_class(obj: dict) -> str:
    ann = _get(obj, "metadata", "annotations") or {}
    if "volume.beta.kubernetes.io/storage-class" in ann:
        return ann["volume.beta.kubernetes.io/storage-class"]
    return _get(obj, "spec", "storageClassName", default="") or ""


def _print_pvc(obj: dict, now: float) -> _Row:
    spec = obj.get("spec") or {}
    phase = _get(obj, "status", "phase", default="")
    if _get(obj, "metadata", "deletionTimestamp"):
        phase = "Terminating"
    capacity = access = ""
    if spec.get("volumeName"):
        access = access_modes_string(_get(obj, "status", "accessModes"))
        capacity = quantity_string((_get(obj, "status", "capacity") or {}).get("storage"))
    return [_name(obj), phase, spec.get("volumeName", ""), capacity, access, pvc_class(obj),
            spec.get("volumeAttributesClassName") or "<unset>", _age(obj, now), spec.get("volumeMode") or "<unset>"]


def _print_storage_class(obj: dict, now: float) -> _Row:
    ann = _get(obj, "metadata", "annotations") or {}
    name = _name(obj)
    if ann.get("storageclass.kubernetes.io/is-default-class") == "true" or \
            ann.get("storageclass.beta.kubernetes.io/is-default-class") == "true":
        name += " (default)"
    return [name, obj.get("provisioner", ""), obj.get("reclaimPolicy") or "Delete",
            obj.get("volumeBindingMode") or "Immediate", bool(obj.get("allowVolumeExpansion")), _age(obj, now)]


def _event_source(obj: dict) -> str:
    src = obj.get("source") or {}
    component = src.get("component") or obj.get("reportingComponent") or ""
    host = src.get("host") or obj.get("reportingInstance") or ""
    return component if not host else f"{component}, {host}"


def _print_event(obj: dict, now: float) -> _Row:
    first = since(obj.get("firstTimestamp"), now)
    if not obj.get("firstTimestamp"):
        first = since(obj.get("eventTime"), now)
    last = since(obj.get("lastTimestamp"), now) if obj.get("lastTimestamp") else first
    count = _int(obj.get("count"))
    series = obj.get("series")
    if series:
        last = since(series.get("lastObservedTime"), now)
        count = _int(series.get("count"))
    elif count == 0:
        count = 1
    inv = obj.get("involvedObject") or {}
    target = f"{inv.get('kind', '').lower()}/{inv['name']}" if inv.get("name") else inv.get("kind", "").lower()
    return [last, obj.get("type", ""), obj.get("reason", ""), target, inv.get("fieldPath", ""),
            _event_source(obj), (obj.get("message") or "").strip(), first, count, _name(obj)]


def _print_component_status(obj: dict, now: float) -> _Row:
    status, message, error = "Unknown", "", ""
    for c in obj.get("conditions") or []:
        if c.get("type") == "Healthy":
            status = "Healthy" if c.get("status") == "True" else "Unhealthy"
            message, error = c.get("message", ""), c.get("error", "")
            break
    return [_name(obj), status, message, error]


def _print_pdb(obj: dict, now: float) -> _Row:
    spec = obj.get("spec") or {}
    min_a = "N/A" if spec.get("minAvailable") is None else str(spec["minAvailable"])
    max_u = "N/A" if spec.get("maxUnavailable") is None else str(spec["maxUnavailable"])
    return [_name(obj), min_a, max_u, _int(_get(obj, "status", "disruptionsAllowed")), _age(obj, now)]


def _print_pod_template(obj: dict, now: float) -> _Row:
    names, images = _template_containers(obj, "template")
    return [_name(obj), names, images, format_labels(_get(obj, "template", "metadata", "labels"))]


def _print_resource_quota(obj: dict, now: float) -> _Row:
    hard = _get(obj, "status", "hard") or {}
    used = _get(obj, "status", "used") or {}
    req, lim = [], []
    for res in sorted(hard):
        pieces = res.split(".")
        target = lim if len(pieces) > 1 and pieces[0] == "limits" else req
        target.append(f"{res}: {quantity_string(used.get(res, '0'))}/{quantity_string(hard[res])}")
    return [_name(obj), ", ".join(req), ", ".join(lim), _age(obj, now)]


def _print_priority_class(obj: dict, now: float) -> _Row:
    return [_name(obj), _int(obj.get("value")), bool(obj.get("globalDefault")), _age(obj, now),
            obj.get("preemptionPolicy") or ""]


def _subjects(obj: dict) -> tuple[str, str, str]:
    users, groups, sas = [], [], []
    for s in obj.get("subjects") or []:
        kind = s.get("kind")
        if kind == "User":
            users.append(s.get("name", ""))
        elif kind == "Group":
            groups.append(s.get("name", ""))
        elif kind == "ServiceAccount":
            sas.append(f"{s.get('namespace', '')}/{s.get('name', '')}")
    return ", ".join(users), ", ".join(groups), ", ".join(sas)


def _print_role_binding(obj: dict, now: float) -> _Row:
    ref = obj.get("roleRef") or {}
    return [_name(obj), f"{ref.get('kind', '')}/{ref.get('name', '')}", _age(obj, now), *_subjects(obj)]


def _print_lease(obj: dict, now: float) -> _Row:
    return [_name(obj), _get(obj, "spec", "holderIdentity", default=""), _age(obj, now)]


# ---------------------------------------------------------------------------------------------
# the handler table

def _cols(*cols: dict) -> list[dict]:
    return list(cols)


_CONTAINERS = lambda: _column("Containers", priority=1, description="Names of each container in the template.")  # noqa: E731
_IMAGES = lambda: _column("Images", priority=1, description="Images referenced by each container in the template.")  # noqa: E731
_SELECTOR = lambda: _column("Selector", priority=1, description="Label selector of the pods.")  # noqa: E731

HANDLERS: dict[str, tuple[Callable[[], list[dict]], Callable[[dict, float], Any]]] = {
    "pods": (lambda: _cols(_name_col(), _column("Ready", description="Ready containers / all containers."),
                           _column("Status", description="The aggregate status of the containers."),
                           _column("Restarts", description="Container restarts, and when the last one happened."),
                           _age_col(), _column("IP", priority=1, description="The pod's IP address."),
                           _column("Node", priority=1, description="The node the pod is bound to."),
                           _column("Nominated Node", priority=1, description="Node nominated by preemption."),
                           _column("Readiness Gates", priority=1, description="True readiness gates / all gates.")),
             _print_pod),
    "podtemplates": (lambda: _cols(_name_col(), _column("Containers", description="Container names."),
                                   _column("Images", description="Container images."),
                                   _column("Pod Labels", description="Labels of the pod template.")),
                     _print_pod_template),
    "poddisruptionbudgets": (lambda: _cols(_name_col(), _column("Min Available"), _column("Max Unavailable"),
                                           _column("Allowed Disruptions", "integer"), _age_col()), _print_pdb),
    "replicationcontrollers": (lambda: _cols(_name_col(), _column("Desired", "integer"), _column("Current", "integer"),
                                             _column("Ready", "integer"), _age_col(), _CONTAINERS(), _IMAGES(),
                                             _SELECTOR()), _print_rc),
    "replicasets": (lambda: _cols(_name_col(), _column("Desired", "integer", description="Desired replicas."),
                                  _column("Current", "integer", description="Existing replicas."),
                                  _column("Ready", "integer", description="Ready replicas."), _age_col(),
                                  _CONTAINERS(), _IMAGES(), _SELECTOR()), _print_replicaset),
    "daemonsets": (lambda: _cols(_name_col(), _column("Desired", "integer"), _column("Current", "integer"),
                                 _column("Ready", "integer"), _column("Up-to-date", "integer"),
                                 _column("Available", "integer"), _column("Node Selector"), _age_col(),
                                 _CONTAINERS(), _IMAGES(), _SELECTOR()), _print_daemonset),
    "jobs": (lambda: _cols(_name_col(), _column("Status", description="Status of the job."),
                           _column("Completions", description="Succeeded pods / completions wanted."),
                           _column("Duration", description="Time the job took (or has taken so far)."),
                           _age_col(), _CONTAINERS(), _IMAGES(), _SELECTOR()), _print_job),
    "cronjobs": (lambda: _cols(_name_col(), _column("Schedule"), _column("Timezone"), _column("Suspend", "boolean"),
                               _column("Active", "integer"), _column("Last Schedule"), _age_col(), _CONTAINERS(),
                               _IMAGES(), _SELECTOR()), _print_cronjob),
    "services": (lambda: _cols(_name_col(), _column("Type"), _column("Cluster-IP"), _column("External-IP"),
                               _column("Port(s)"), _age_col(), _column("Selector", priority=1)), _print_service),
    "ingresses": (lambda: _cols(_name_col(), _column("Class"), _column("Hosts"), _column("Address"),
                                _column("Ports"), _age_col()), _print_ingress),
    "ingressclasses": (lambda: _cols(_name_col(), _column("Controller"), _column("Parameters"), _age_col()),
                       _print_ingress_class),
    "statefulsets": (lambda: _cols(_name_col(), _column("Ready"), _age_col(), _CONTAINERS(), _IMAGES()),
                     _print_statefulset),
    "endpoints": (lambda: _cols(_name_col(), _column("Endpoints"), _age_col()), _print_endpoints),
    "nodes": (lambda: _cols(_name_col(), _column("Status"), _column("Roles"), _age_col(), _column("Version"),
                            _column("Internal-IP", priority=1), _column("External-IP", priority=1),
                            _column("OS-Image", priority=1), _column("Kernel-Version", priority=1),
                            _column("Container-Runtime", priority=1)), _print_node),
    "events": (lambda: _cols(_column("Last Seen"), _column("Type"), _column("Reason"), _column("Object"),
                             _column("Subobject", priority=1), _column("Source", priority=1), _column("Message"),
                             _column("First Seen", priority=1), _column("Count", priority=1),
                             _column("Name", priority=1, fmt="name")), _print_event),
    "namespaces": (lambda: _cols(_name_col(), _column("Status"), _age_col()), _print_namespace),
    "secrets": (lambda: _cols(_name_col(), _column("Type"), _column("Data"), _age_col()), _print_secret),
    "serviceaccounts": (lambda: _cols(_name_col(), _column("Secrets"), _age_col()), _print_service_account),
    "persistentvolumes": (lambda: _cols(_name_col(), _column("Capacity"), _column("Access Modes"),
                                        _column("Reclaim Policy"), _column("Status"), _column("Claim"),
                                        _column("StorageClass"), _column("VolumeAttributesClass"), _column("Reason"),
                                        _age_col(), _column("VolumeMode", priority=1)), _print_pv),
    "persistentvolumeclaims": (lambda: _cols(_name_col(), _column("Status"), _column("Volume"), _column("Capacity"),
                                             _column("Access Modes"), _column("StorageClass"),
                                             _column("VolumeAttributesClass"), _age_col(),
                                             _column("VolumeMode", priority=1)), _print_pvc),
    "componentstatuses": (lambda: _cols(_name_col(), _column("Status"), _column("Message"), _column("Error")),
                          _print_component_status),
    "deployments": (lambda: _cols(_name_col(), _column("Ready", description="Ready pods / desired pods."),
                                  _column("Up-to-date", description="Replicas updated to the current template."),
                                  _column("Available", description="Replicas available to users."), _age_col(),
                                  _CONTAINERS(), _IMAGES(), _SELECTOR()), _print_deployment),
    "horizontalpodautoscalers": (lambda: _cols(_name_col(), _column("Reference"), _column("Targets"),
                                               _column("MinPods"), _column("MaxPods"), _column("Replicas"),
                                               _age_col()), _print_hpa),
    "configmaps": (lambda: _cols(_name_col(), _column("Data"), _age_col()), _print_configmap),
    "networkpolicies": (lambda: _cols(_name_col(), _column("Pod-Selector"), _age_col()), _print_network_policy),
    "rolebindings": (lambda: _cols(_name_col(), _column("Role"), _age_col(), _column("Users", priority=1),
                                   _column("Groups", priority=1), _column("ServiceAccounts", priority=1)),
                     _print_role_binding),
    "clusterrolebindings": (lambda: _cols(_name_col(), _column("Role"), _age_col(), _column("Users", priority=1),
                                          _column("Groups", priority=1), _column("ServiceAccounts", priority=1)),
                            _print_role_binding),
    "leases": (lambda: _cols(_name_col(), _column("Holder"), _age_col()), _print_lease),
    "storageclasses": (lambda: _cols(_name_col(), _column("Provisioner"), _column("ReclaimPolicy"),
                                     _column("VolumeBindingMode"), _column("AllowVolumeExpansion"), _age_col()),
                       _print_storage_class),
    "controllerrevisions": (lambda: _cols(_name_col(), _column("Controller"), _column("Revision"), _age_col()),
                            _print_controller_revision),
    "resourcequotas": (lambda: _cols(_name_col(), _column("Request"), _column("Limit"), _age_col()),
                       _print_resource_quota),
    "priorityclasses": (lambda: _cols(_name_col(), _column("Value", "integer"), _column("Global-Default", "boolean"),
                                      _age_col(), _column("PreemptionPolicy", priority=1)), _print_priority_class),
    "endpointslices": (lambda: _cols(_name_col(), _column("AddressType"), _column("Ports"), _column("Endpoints"),
                                     _age_col()), _print_endpointslice),
}


def _default_columns() -> list[dict]:
    return [_name_col(), _column("Created At", "date", description="When the object was created.")]


def _default_row(obj: dict, now: float) -> _Row:
    return [_name(obj), _get(obj, "metadata", "creationTimestamp", default="")]


def column_definitions(resource: str) -> list[dict]:
    """The Table columns of a resource (``nodes``, ``deployments`` …), priority-1 ones included."""
    handler = HANDLERS.get(resource)
    return handler[0]() if handler else _default_columns()


def row_cells(resource: str, obj: dict, now: float) -> list:
    """The cells of one object's row (wide cells included)."""
    handler = HANDLERS.get(resource)
    if handler is None:
        return _default_row(obj, now)
    out = handler[1](obj, now)
    return out[0] if isinstance(out, tuple) else out


def _partial_metadata(obj: dict) -> dict:
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj.get("metadata") or {}}


def convert_to_table(resource: str, objects: list[dict], now: float, *, include_object: str = "Metadata",
                     no_headers: bool = False, resource_version: str = "", continue_: str = "") -> dict:
    """``ConvertToTable``: a ``metav1.Table`` for ``objects`` of ``resource``.

    ``include_object`` is the ``includeObject`` query parameter: ``None`` (no object), ``Metadata``
    (the default: ``PartialObjectMetadata``) or ``Object`` (the whole object).  The objects are
    not copied; callers that hand the table outside the simulator copy it.
    """
    handler = HANDLERS.get(resource)
    rows = []
    for obj in objects:
        conditions = None
        if handler is None:
            cells = _default_row(obj, now)
        else:
            out = handler[1](obj, now)
            if isinstance(out, tuple):
                cells, conditions = out
            else:
                cells = out
        row: dict[str, Any] = {"cells": cells}
        if conditions:
            row["conditions"] = conditions
        if include_object == "Object":
            row["object"] = obj
        elif include_object == "Metadata":
            row["object"] = _partial_metadata(obj)
        rows.append(row)
    meta: dict[str, Any] = {"resourceVersion": resource_version}
    if continue_:
        meta["continue"] = continue_
    table: dict[str, Any] = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": meta}
    if not no_headers:
        table["columnDefinitions"] = column_definitions(resource)
    table["rows"] = rows
    return table
