"""Pictures of one pod: what it is made of, what its kubelet asked the container runtime, and
how its status moved.

* :func:`pod_anatomy` — a Graphviz diagram of a running pod, read from the pod object and from its
  node's container runtime: the sandbox (the ``pause`` container that holds the network namespace
  and so the pod's one IP), the containers that joined it, and the volumes they mount;
* :class:`CRILog` (:func:`cri_log`) — records the CRI calls (``RunPodSandbox``, ``PullImage``,
  ``CreateContainer``, ``StartContainer``, ``StopContainer`` …) each node's kubelet makes to its
  runtime from now on, with when each was asked and when it completed — what containerd's debug
  log shows on a real node; ``timeline()`` draws them as a Gantt chart;
* :func:`status_spans` / :func:`pod_status` — one pod's ``status.phase``, each of its
  ``status.conditions`` and each container's state (``waiting``/``running``/``terminated`` and
  reason) over virtual time, replayed from etcd's history, as a :class:`~kube_lab.viz.Timeline`.

Upstream: pod phases, conditions and container states as in
``staging/src/k8s.io/api/core/v1/types.go`` (``PodPhase``, ``PodConditionType``,
``ContainerState``); the CRI calls as in ``staging/src/k8s.io/cri-api/pkg/apis/runtime/v1``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from ..controlplane.etcd import DELETE
from .animations import Animation, Timeline
from .animations import _figure as _new_figure
from .diagrams import Diagram, _Dot, _plural
from .history import RevisionClock, Span
from .state import viz_client

if TYPE_CHECKING:  # pragma: no cover
    from ..cluster import Cluster

# the order the kubelet's status manager and the scheduler bring the conditions about
CONDITIONS = ("PodScheduled", "PodReadyToStartContainers", "Initialized", "ContainersReady", "Ready")
_BROKEN_WAITING = ("CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "InvalidImageName",
                   "CreateContainerConfigError", "CreateContainerError", "RunContainerError", "StartError")


# ------------------------------------------------------------------------------------------
# anatomy
def _container_state(status: dict | None) -> str:
    """``Running``, ``Waiting: ContainerCreating``, ``Terminated: Completed`` … of a container
    status (``""`` when there is none yet)."""
    if not status:
        return ""
    state = status.get("state") or {}
    if "running" in state:
        return "Running"
    if "terminated" in state:
        return f"Terminated: {(state['terminated'] or {}).get('reason') or 'Unknown'}"
    if "waiting" in state:
        return f"Waiting: {(state['waiting'] or {}).get('reason') or 'Unknown'}"
    return ""


def _volume_type(v: dict) -> str:
    for k in v:
        if k != "name":
            return k
    return "?"


def pod_anatomy(cluster: "Cluster", name: str, namespace: str = "default", *, token_volume: bool = False) -> Diagram:
    """What a pod is made of, on its node: the sandbox (pause container, network namespace with the
    pod's IP, hostname), each container that joined it (image, ports, state) and each volume
    (cylinders) with the paths the containers mount it at.  The service account token volume
    (``kube-api-access-…``) every pod gets is left out unless ``token_volume=True``."""
    pod = viz_client(cluster).get("pods", name, namespace)
    md, spec, st = pod["metadata"], pod.get("spec") or {}, pod.get("status") or {}
    node = spec.get("nodeName") or ""
    machine = (getattr(cluster, "machines", None) or {}).get(node)
    runtime = getattr(machine, "runtime", None)
    sandboxes = runtime.pod_sandboxes(md["uid"]) if runtime is not None else []
    sandbox = sandboxes[0] if sandboxes else None
    instances: dict[str, Any] = {}
    if runtime is not None:
        for c in runtime.pod_containers(md["uid"]):
            if c.name not in instances or c.attempt > instances[c.name].attempt:
                instances[c.name] = c
    ip = st.get("podIP") or ""
    statuses = {s["name"]: s for s in (st.get("containerStatuses") or []) + (st.get("initContainerStatuses") or [])}

    d = _Dot("pod_anatomy", rankdir="LR", label=f"Pod {namespace}/{name}", labelloc="t")
    outline: list[str] = []
    where = f"on {node}" if node else "not scheduled yet"
    d.open("pod", label=f"Pod {name}   IP {ip or '(none yet)'}   {where}", style="rounded,filled",
           fillcolor="#e3f2fd", color="#1565c0")
    if sandbox is not None:
        pause = runtime.registry.pause_image if runtime is not None else "pause"
        label = (f"sandbox {sandbox.id[:12]}\n(pause container: {pause})\nnetwork namespace\n"
                 f"IP {sandbox.ip}   hostname {sandbox.config.hostname}")
        d.node("sandbox", indent=2, label=label, shape="box", style="rounded,filled,dashed",
               fillcolor="#eeeeee", color="#616161")
        outline.append(f"sandbox {sandbox.id[:12]} (pause {pause}): network namespace with IP {sandbox.ip}, "
                       f"hostname {sandbox.config.hostname}, {sandbox.state}")
    else:
        d.node("sandbox", indent=2, label="no sandbox yet", shape="plaintext", style="")
        outline.append("no sandbox yet")
    containers = [(c, True) for c in spec.get("initContainers") or []] + [(c, False) for c in spec.get("containers") or []]
    for c, init in containers:
        cname = c["name"]
        state = _container_state(statuses.get(cname)) or "not created yet"
        ports = ", ".join(f"{p.get('containerPort')}/{p.get('protocol', 'TCP')}" for p in c.get("ports") or [])
        inst = instances.get(cname)
        lines = [("init container " if init else "container ") + cname, c.get("image", "")]
        if ports:
            lines.append(f"port {ports}")
        lines.append(state)
        if inst is not None:
            lines.append(f"id {inst.id[:12]}")
        fill = "#c8e6c9" if state == "Running" else "#bbdefb" if state.endswith("Completed") else \
            "#ffcdd2" if any(r in state for r in _BROKEN_WAITING) or state.startswith("Terminated") else "#fff9c4"
        d.node(f"c/{cname}", indent=2, label="\n".join(lines), shape="box3d", style="filled", fillcolor=fill)
        d.edge("sandbox", f"c/{cname}", indent=2, style="dashed", color="#616161", label="same network\nnamespace",
               arrowhead="none")
        outline.append(f"{'init container' if init else 'container'} {cname} ({c.get('image', '')})"
                       + (f" port {ports}" if ports else "") + f": {state}"
                       + (f", in sandbox {inst.sandbox.id[:12]}" if inst is not None else ""))
    hidden = []
    for v in spec.get("volumes") or []:
        vtype = _volume_type(v)
        if not token_volume and v["name"].startswith("kube-api-access-") and vtype == "projected":
            hidden.append(v["name"])
            continue
        d.node(f"v/{v['name']}", indent=2, label=f"volume {v['name']}\n{vtype}", shape="cylinder", style="filled",
               fillcolor="#e1bee7" if vtype == "emptyDir" else "#f3e5f5", color="#6a1b9a")
        users = []
        for c, _init in containers:
            for m in c.get("volumeMounts") or []:
                if m.get("name") == v["name"]:
                    ro = " (ro)" if m.get("readOnly") else ""
                    d.edge(f"c/{c['name']}", f"v/{v['name']}", indent=2, label=m.get("mountPath", "") + ro,
                           color="#6a1b9a")
                    users.append(f"{c['name']} at {m.get('mountPath', '')}{ro}")
        outline.append(f"volume {v['name']} ({vtype}): mounted by " + (", ".join(users) or "no container"))
    if hidden:
        outline.append(f"(not drawn: the service account token volume {hidden[0]}, mounted read-only by every container)")
    d.close()
    summary = (f"pod {namespace}/{name} {where}, IP {ip or 'none'}: {_plural(len(containers), 'container')} in "
               f"{'one sandbox' if sandbox is not None else 'no sandbox yet'}, "
               f"{_plural(len(spec.get('volumes') or []) - len(hidden), 'volume')}" + (" and the token volume" if hidden else ""))
    return Diagram("pod anatomy", f"Pod {namespace}/{name} {where}", d.source(), outline, summary)


# ------------------------------------------------------------------------------------------
# the kubelet's calls to the container runtime
CRI_CALLS = {
    "run_pod_sandbox": "RunPodSandbox", "pull_image": "PullImage", "create_container": "CreateContainer",
    "start_container": "StartContainer", "stop_container": "StopContainer", "stop_pod_sandbox": "StopPodSandbox",
    "remove_container": "RemoveContainer", "remove_pod_sandbox": "RemovePodSandbox",
}


CRI_COLOURS = {"RunPodSandbox": "#b0bec5", "PullImage": "#64b5f6", "CreateContainer": "#ffd54f",
               "StartContainer": "#81c784", "StopContainer": "#ff8a65", "StopPodSandbox": "#a1887f",
               "RemoveContainer": "#e0e0e0", "RemovePodSandbox": "#d7ccc8"}


@dataclass
class CRICall:
    """One call: ``node``'s kubelet asked ``call`` about ``subject`` at ``start``; the runtime
    answered at ``end`` (``None``: not yet) with ``result`` (or ``error``)."""
    node: str
    call: str
    subject: str
    pod: str
    start: float
    end: float | None = None
    result: str = ""
    error: str = ""
    short: str = ""             # the subject in a word or two (a timeline's row)

    def line(self) -> str:
        took = f"{self.end - self.start:7.3f}s" if self.end is not None else "    ...  "
        out = self.error or self.result
        return f"t={self.start:8.3f}s  {took}  {self.node:14} {self.call:16} {self.subject}" + (f"  → {out}" if out else "")


class CRILog:
    """Records every CRI call the kubelets of ``nodes`` (default: all) make to their container
    runtimes from now on, until :meth:`stop`.  The calls go through unchanged; the log only
    watches them, as containerd's debug log would.  ``calls`` are in the order they were made."""

    def __init__(self, cluster: "Cluster", nodes: Iterable[str] | None = None):
        self.cluster = cluster
        machines = getattr(cluster, "machines", None) or {}
        self.nodes = list(nodes) if nodes is not None else list(machines)
        self.calls: list[CRICall] = []
        self._wrapped: list[tuple[Any, str]] = []
        for node in self.nodes:
            runtime = cluster.node(node).runtime
            for method, call in CRI_CALLS.items():
                if method in vars(runtime):          # someone already watches this runtime
                    continue
                setattr(runtime, method, self._wrap(node, runtime, getattr(runtime, method), call))
                self._wrapped.append((runtime, method))

    def _describe(self, runtime: Any, call: str, args: tuple) -> tuple[str, str, str]:
        """(subject, pod, short name) of a call from its arguments."""
        first = args[0] if args else None
        if call == "RunPodSandbox":
            return f"pod {first.namespace}/{first.pod_name}", first.pod_name, f"pod {first.pod_name}"
        if call == "PullImage":
            return f"image {first}", "", str(first)
        if call == "CreateContainer":
            sb = runtime.sandboxes.get(first)
            pod = sb.config.pod_name if sb is not None else ""
            return (f"container {args[1].name} ({args[1].user_image}) in sandbox {str(first)[:12]}", pod,
                    args[1].name)
        if call in ("StartContainer", "StopContainer", "RemoveContainer"):
            c = runtime.containers.get(first)
            if c is not None:
                return f"container {c.name} {str(first)[:12]}", c.sandbox.config.pod_name, c.name
            return f"container {str(first)[:12]}", "", str(first)[:12]
        sb = runtime.sandboxes.get(first)
        pod = sb.config.pod_name if sb is not None else ""
        return f"sandbox {str(first)[:12]}", pod, f"pod {pod}" if pod else str(first)[:12]

    def _wrap(self, node: str, runtime: Any, method: Any, call: str):
        log = self

        def watched(*args, **kwargs):
            subject, pod, short = log._describe(runtime, call, args)
            entry = CRICall(node, call, subject, pod, log.cluster.now, short=short)
            log.calls.append(entry)
            result = method(*args, **kwargs)
            add = getattr(result, "add_done_callback", None)
            if add is None:
                entry.end = log.cluster.now
                return result

            def done(fut) -> None:
                entry.end = log.cluster.now
                if fut.error is not None:
                    entry.error = str(fut.error)
                    return
                value = fut.result
                if call == "RunPodSandbox" and value is not None:
                    entry.result = f"sandbox {value.id[:12]}, IP {value.ip}"
                elif call == "CreateContainer" and value:
                    entry.result = f"container {str(value)[:12]}"
                elif call == "PullImage" and isinstance(value, tuple):
                    entry.result = f"{value[0].size:,} bytes"

            add(done)
            return result

        watched.__wrapped__ = method
        return watched

    def stop(self) -> "CRILog":
        """Stop recording (the runtimes' own methods are back)."""
        for runtime, method in self._wrapped:
            if method in vars(runtime):
                delattr(runtime, method)
        self._wrapped = []
        return self

    def __enter__(self) -> "CRILog":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def of(self, pod: str | None = None, node: str | None = None) -> list[CRICall]:
        """The calls about ``pod`` (image pulls are about no pod and always kept) on ``node``."""
        return [c for c in self.calls if (node is None or c.node == node) and (pod is None or c.pod in (pod, ""))]

    def text(self, pod: str | None = None, node: str | None = None) -> str:
        calls = self.of(pod, node)
        head = f"{'asked at':11}  {'took':8}  {'node':14} {'CRI call':16} subject  → answer"
        return "\n".join([head] + [c.line() for c in calls]) if calls else "no CRI calls recorded"

    def timeline(self, pod: str | None = None, node: str | None = None, *, title: str = "",
                 markers: Iterable[tuple[float, str]] = (), start: float | None = None,
                 end: float | None = None) -> Timeline:
        """The calls as a Gantt chart: one row per call, a bar from asked to answered."""
        spans = []
        for c in self.of(pod, node):
            row = f"{c.call} {c.short}"
            spans.append(Span(row, c.start, c.end if c.end is not None else self.cluster.now, c.call))
        return Timeline(spans, title=title or "kubelet → container runtime (CRI calls)", markers=markers,
                        start=start, end=end, colours=CRI_COLOURS)

    def __repr__(self) -> str:
        return self.text()


def cri_log(cluster: "Cluster", nodes: Iterable[str] | str | None = None) -> CRILog:
    """Start recording the kubelets' CRI calls on ``nodes`` (a name, a list, or all nodes)."""
    return CRILog(cluster, [nodes] if isinstance(nodes, str) else nodes)


# ------------------------------------------------------------------------------------------
# phase, conditions and container states over time
def _rows_of(pod: dict) -> dict[str, str]:
    """row → state of one version of a pod ("" where the row has no state in this version)."""
    spec, st = pod.get("spec") or {}, pod.get("status") or {}
    out = {"phase": st.get("phase") or "Pending"}
    conds = {c.get("type"): c.get("status") for c in st.get("conditions") or []}
    for t in CONDITIONS:
        out[t] = conds.get(t, "")
    statuses = {s["name"]: s for s in (st.get("containerStatuses") or []) + (st.get("initContainerStatuses") or [])}
    for c in spec.get("initContainers") or []:
        out[f"init container {c['name']}"] = _container_state(statuses.get(c["name"]))
    for c in spec.get("containers") or []:
        out[f"container {c['name']}"] = _container_state(statuses.get(c["name"]))
    return out


def status_spans(cluster: "Cluster", name: str, namespace: str = "default") -> list[Span]:
    """``name``'s phase, conditions (``True``/``False``) and container states over time, one row
    each, from etcd's retained history of the pod's key (the latest pod of that name)."""
    etcd = cluster.etcd
    key = f"/registry/pods/{namespace}/{name}"
    clock = RevisionClock(cluster)
    versions: list[tuple[float, dict | None]] = []
    for ev in etcd.history(key, max(etcd.compact_revision, 1)):
        if ev.kv.key != key:
            continue
        versions.append((clock.time(ev.kv.mod_revision), None if ev.type == DELETE else ev.kv.value))
    if not versions:
        kv = etcd.get(key)
        if kv is None:
            return []
        versions = [(0.0, kv.value)]
    # the latest pod of that name only (a name can be used again after a delete)
    last_uid = next((v["metadata"]["uid"] for _, v in reversed(versions) if v is not None), None)
    first = next(i for i, (_, v) in enumerate(versions) if v is not None and v["metadata"]["uid"] == last_uid)
    versions = versions[first:]
    rows: list[str] = []
    open_: dict[str, tuple[float, str]] = {}
    spans: list[Span] = []
    for t, pod in versions:
        states = _rows_of(pod) if pod is not None else {}
        for row in states:
            if row not in rows:
                rows.append(row)
        for row in rows:
            new = states.get(row, "")
            cur = open_.get(row)
            if cur is not None and cur[1] != new:
                spans.append(Span(row, cur[0], t, cur[1]))
                del open_[row]
                cur = None
            if cur is None and new:
                open_[row] = (t, new)
    for row in rows:
        if row in open_:
            spans.append(Span(row, open_[row][0], None, open_[row][1]))
    order = {r: i for i, r in enumerate(rows)}
    return sorted(spans, key=lambda s: (order[s.row], s.start))


def state_colours(states: Iterable[str]) -> dict[str, str]:
    """A colour for each state: green running/True, amber on the way/False, red broken,
    blue done, grey unknown."""
    fixed = {"Pending": "#fff176", "Running": "#66bb6a", "Succeeded": "#42a5f5", "Failed": "#e53935",
             "Unknown": "#bdbdbd", "True": "#81c784", "False": "#ffb74d"}
    out = {}
    for s in states:
        if s in fixed:
            out[s] = fixed[s]
        elif s.startswith("Waiting: "):
            out[s] = "#ef5350" if s[9:] in _BROKEN_WAITING else "#ffe082"
        elif s.startswith("Terminated: "):
            out[s] = "#64b5f6" if s.endswith("Completed") else "#e57373"
        else:
            out[s] = "#b0bec5"
    return out


class _StatusTimeline(Timeline):
    """A timeline with room on the right for long state names in the legend."""

    def _figure(self):
        return _new_figure(11.0, min(1.6 + 0.42 * len(self.rows), 9.0))

    def _setup(self, fig) -> dict:
        parts = super()._setup(fig)
        ax = fig.axes[0]
        pos = ax.get_position()
        ax.set_position((0.2, pos.y0, 0.52, pos.height))
        return parts


def pod_status(cluster: "Cluster", name: str, namespace: str = "default", *, since: float | None = None,
               until: float | None = None, animate: bool = True, frames: int = 30,
               markers: Iterable[tuple[float, str]] = ()) -> Animation | Timeline:
    """One pod's phase, conditions and container states over virtual time: an animation (a
    cursor sweeping across, bars growing), or with ``animate=False`` a static
    :class:`~kube_lab.viz.Timeline`."""
    spans = status_spans(cluster, name, namespace)
    if since is not None:
        spans = [Span(s.row, max(s.start, since), s.end, s.state) for s in spans if s.end is None or s.end > since]
    tl = _StatusTimeline(spans, title=f"Pod {name}: phase, conditions, container states",
                  colours=state_colours(s.state for s in spans), markers=markers, start=since,
                  end=until if until is not None else cluster.now)
    return tl.animate(frames) if animate else tl
