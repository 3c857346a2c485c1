"""Graceful termination of a pod, step by step: what the API server, the EndpointSlice
controller, the kubelet and the container runtime did between ``kubectl delete`` and the moment
the pod was gone — read back from the cluster, never drawn by hand.

* :func:`pod_termination` — one pod's termination, as a :class:`Termination`, from the request
  trace (who deleted it, and when; the kubelet's final delete), etcd's history of the pod
  (``deletionTimestamp``, ``deletionGracePeriodSeconds``, the last status the kubelet wrote, with
  each container's exit code) and of its EndpointSlices (the endpoint turning ``terminating``, then
  leaving), and its Events (``Killing``, ``FailedPreStopHook``);
* :class:`TerminationLog` (:func:`termination_log`) — started *before* a deletion, it also
  records the kubelets' ``StopContainer`` calls to the container runtime, so that the moment the
  stop signal was sent, the SIGKILL deadline the kubelet gave the runtime and the precise exit
  are known; ``log.termination("web")`` then gives the complete story;
* :meth:`Termination.steps` — the story as text, numbered like the source article's 示例流程; and
  :meth:`Termination.timeline` / :meth:`Termination.animate` — a Gantt chart of it;
* :func:`simulate_termination` — one pod deleted in a fresh, small, seeded cluster for a given
  grace period, ``preStop`` duration and shutdown time of the program; :class:`TerminationExplorer`
  puts sliders on those three numbers; :func:`compare_terminations` draws several side by side;
* :func:`traffic_chart` — requests answered and failed over time, for load generators that were
  running while pods were deleted.

Upstream behaviour shown (and modelled by the simulator): a graceful delete only sets
``deletionTimestamp`` (now + grace period) and ``deletionGracePeriodSeconds``
(``staging/src/k8s.io/apiserver/pkg/registry/rest/delete.go``, ``BeforeDelete``); the kubelet's
``killContainer`` records ``Killing`` ("Stopping container …"), runs the ``preStop`` hook within the
grace period, then calls ``StopContainer`` with what is left of it but at least
``minimumGracePeriodInSeconds`` = 2 s (``pkg/kubelet/kuberuntime/kuberuntime_container.go``,
``kuberuntime_manager.go``) — the "one-off extension of 2 seconds" of the Pod lifecycle page; the
runtime sends the image's stop signal (SIGTERM unless the image says otherwise) and SIGKILL when
that time is up; the EndpointSlice controller marks a terminating pod's endpoint ``ready: false,
serving: …, terminating: true`` as soon as ``deletionTimestamp`` is set
(``pkg/controller/endpointslice``); finally the kubelet deletes the pod with grace period 0.  The
kubelet's own grace period is the smallest it was given, falling back to the pod's
``terminationGracePeriodSeconds`` (``calculateEffectiveGracePeriod`` in ``pkg/kubelet/pod_workers.go``),
so a force-deleted pod's containers still get that long on their node, and a restarted kubelet
starts the stop over.
"""
from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from ..controlplane.etcd import DELETE, Compacted
from ..node.runtime import RUNNING
from .animations import Animation, Picture, Timeline, _figure
from .history import Span
from .pods import CRILog
from .state import viz_client
from .widgets import SimulationExplorer

if TYPE_CHECKING:  # pragma: no cover
    from ..cluster import Cluster

# bar colours of the timeline
COLOURS = {
    "Running": "#66bb6a",
    "Terminating": "#9e9e9e",
    "ready": "#81c784",
    "not ready, terminating": "#ffb74d",
    "grace period": "#bbdefb",
    "+2 s extension": "#ef5350",
    "preStop hook": "#ce93d8",
    "after SIGTERM": "#ffcc80",
}
OK_COLOUR, FAIL_COLOUR = "#66bb6a", "#e53935"


# ------------------------------------------------------------------------------------------
@dataclass
class ContainerEnd:
    """How one container of the pod ended.

    ``signal`` is the stop signal (the image's ``StopSignal``, SIGTERM by default) and ``signalled``
    when the kubelet first asked the runtime to stop the container (``StopContainer``); ``kill_after``
    is the time it gave the runtime before SIGKILL; ``restops`` are later ``StopContainer`` calls
    (a restarted kubelet starts the stop over).  ``exited`` is when the container's main
    process ended, with ``exit_code`` and ``reason`` (``Completed``, ``Error`` …); ``killed`` says
    whether SIGKILL ended it.  ``prestop`` is the (start, end) of its ``preStop`` hook.  Times are
    virtual seconds; ``None`` where nothing recorded them."""
    name: str
    has_prestop: bool = False
    prestop: tuple[float, float] | None = None
    signal: str = "SIGTERM"
    signalled: float | None = None
    kill_after: float | None = None
    exited: float | None = None
    exit_code: int | None = None
    reason: str = ""
    killed: bool = False
    log: list[tuple[float, str]] = field(default_factory=list)
    restops: list[tuple[float, float | None]] = field(default_factory=list)   # later StopContainer calls

    @property
    def sigkill(self) -> float | None:
        """When SIGKILL was sent (``None``: the container ended before)."""
        return self.exited if self.killed else None


@dataclass
class Termination:
    """One pod's end, from its deletion to its disappearance from the API (times in virtual
    seconds; see the module's docstring for where each comes from)."""
    pod: str
    namespace: str = "default"
    node: str = ""
    deleted: float | None = None          # the delete request that started it
    deleted_by: str = ""                  # the component that sent it (kubectl, kube-controller-manager …)
    grace: int | None = None              # deletionGracePeriodSeconds; None when never set (forced)
    forced: bool = False                  # removed by a delete request of its own, not by the kubelet
    endpoint_terminating: float | None = None
    endpoint_removed: float | None = None
    endpoint_address: str = ""
    removed: float | None = None          # gone from the API
    removed_by: str = ""
    containers: list[ContainerEnd] = field(default_factory=list)
    events: list[tuple[float, str, str, str]] = field(default_factory=list)   # (time, type, reason, message)
    final_status: dict | None = None      # the last status stored before the pod was removed
    spec_grace: int | None = None         # spec.terminationGracePeriodSeconds
    labels: dict = field(default_factory=dict)      # the pod's labels
    settings: dict = field(default_factory=dict)    # for simulated terminations

    # -- derived -----------------------------------------------------------------------------
    @property
    def deadline(self) -> float | None:
        """``deletionTimestamp`` in virtual seconds: the deletion plus the grace period."""
        if self.deleted is None or self.grace is None:
            return None
        return self.deleted + self.grace

    @property
    def ended(self) -> float | None:
        """When the last container ended."""
        times = [c.exited for c in self.containers if c.exited is not None]
        return max(times) if times else None

    @property
    def extension_used(self) -> bool:
        """A container was signalled at (or after) the deadline — its ``preStop`` hook used up
        the grace period — and got the kubelet's minimum of 2 s more."""
        d = self.deadline
        return d is not None and any(c.signalled is not None and c.signalled >= d - 1e-6 for c in self.containers)

    def rel(self, t: float | None) -> str:
        if t is None or self.deleted is None:
            return "?"
        return f"+{t - self.deleted:.3f}s" if t >= self.deleted else f"{t - self.deleted:.3f}s"

    # -- text --------------------------------------------------------------------------------
    def steps(self) -> str:
        """What happened, in order, each line with its time after the deletion, who did it and
        the step of the source article's 示例流程 it is."""
        rows: list[tuple[float, int, str, str, str]] = []       # (time, order, who, what, seed step)
        d = self.deleted
        if d is None:
            return f"pod {self.pod}: no deletion recorded"
        if self.grace is None:
            rows.append((d, 0, self.deleted_by, f"delete pod {self.pod} with grace period 0: removed from the API at once",
                         "1, 7"))
        else:
            rows.append((d, 0, self.deleted_by,
                         f"delete pod {self.pod}: grace period {self.grace} s, deletionTimestamp = now + {self.grace} s; "
                         "kubectl shows Terminating", "1-3"))
        if self.endpoint_terminating is not None:
            rows.append((self.endpoint_terminating, 1, "kube-controller-manager",
                         f"EndpointSlice: endpoint {self.endpoint_address} ready=false, terminating=true "
                         "(the Service stops sending it new connections)", "5"))
        for t, typ, reason, msg in self.events:
            if reason == "Killing":
                hook = next((c for c in self.containers if c.has_prestop and msg.endswith(" " + c.name)), None)
                rows.append((t, 2, f"kubelet/{self.node}", f"event Killing: {msg}"
                             + ("; preStop hook starts" if hook is not None else ""), "4"))
            elif reason in ("FailedPreStopHook", "FailedKillPod", "ExceededGracePeriod"):
                rows.append((t, 3, f"kubelet/{self.node}", f"event {reason} ({typ}): {msg}", "4.1"))
        for c in self.containers:
            if c.prestop is not None:
                cut = self.deadline is not None and c.prestop[1] >= self.deadline - 1e-6
                rows.append((c.prestop[1], 4, f"kubelet/{self.node}",
                             f"preStop hook of {c.name} " + ("still running at the deadline: the grace period is used up"
                                                             if cut else "finished"), "4.1"))
            if c.signalled is not None:
                extra = ""
                if c.kill_after is not None:
                    extra = f", SIGKILL in {c.kill_after:g} s if it is still running"
                    if self.deadline is not None and c.signalled >= self.deadline - 1e-6:
                        extra += " (the 2 s extension)"
                rows.append((c.signalled, 5, "container runtime", f"{c.signal} to container {c.name}{extra}", "4.2"))
            for asked, timeout in c.restops:
                again = f", SIGKILL in {timeout:g} s if it is still running" if timeout is not None else ""
                rows.append((asked, 5, "container runtime",
                             f"{c.signal} to container {c.name} again{again} (the kubelet started the stop over)", "4.2"))
            if c.exited is not None:
                if c.killed:
                    rows.append((c.exited, 6, "container runtime", f"SIGKILL to container {c.name}", "6"))
                rows.append((c.exited, 7, f"kubelet/{self.node}",
                             f"container {c.name} exited with code {c.exit_code} ({c.reason})", ""))
        if self.endpoint_removed is not None:
            rows.append((self.endpoint_removed, 8, "kube-controller-manager",
                         f"EndpointSlice: endpoint {self.endpoint_address} removed", "5"))
        if self.removed is not None and not self.forced:
            rows.append((self.removed, 9, self.removed_by or f"kubelet/{self.node}",
                         f"delete pod {self.pod} with grace period 0: gone from the API", "7"))
        elif self.removed is not None and self.grace is not None:
            rows.append((self.removed, 9, self.removed_by,
                         f"delete pod {self.pod} with grace period 0 (forced): removed from the API at once", "7"))
        rows.sort(key=lambda r: (r[0], r[1]))
        who_w = max(len(r[2]) for r in rows)
        lines = [f"{'after':>9}  {'who':<{who_w}}  {'what happened':<70}  article step"]
        for t, _, who, what, step in rows:
            lines.append(f"{self.rel(t):>9}  {who:<{who_w}}  {what:<70}  {step}".rstrip())
        return "\n".join(lines)

    def summary(self) -> str:
        if self.deleted is None:
            return f"pod {self.pod}: not deleted"
        head = (f"pod {self.pod}: force-deleted" if self.grace is None else
                f"pod {self.pod}: grace period {self.grace} s" + (", then force-deleted" if self.forced else ""))
        parts = [head]
        for c in self.containers:
            bits = []
            if c.prestop is not None:
                cut = self.deadline is not None and c.prestop[1] >= self.deadline - 1e-6
                bits.append(f"preStop {c.prestop[1] - c.prestop[0]:g} s" + (" (cut off)" if cut else ""))
            if c.signalled is not None:
                bits.append(f"{c.signal} at {self.rel(c.signalled)}")
            if c.killed:
                bits.append(f"SIGKILL at {self.rel(c.exited)}")
            if c.exit_code is not None:
                bits.append(f"exit {c.exit_code} ({c.reason})" + ("" if c.killed or c.exited is None else f" at {self.rel(c.exited)}"))
            if bits:
                parts.append(f"{c.name}: " + ", ".join(bits))
        if self.extension_used:
            parts.append("the preStop hook outlived the grace period: 2 s more, then SIGKILL")
        if self.removed is not None:
            parts.append(f"gone from the API at {self.rel(self.removed)}")
        return "; ".join(parts)

    def __repr__(self) -> str:
        return f"<Termination {self.summary()}>"

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(self.steps())

    # -- pictures ----------------------------------------------------------------------------
    def spans(self, start: float | None = None, end: float | None = None) -> list[Span]:
        """Bars for a timeline: the pod as the API shows it, its endpoint, the grace period (and
        the 2 s extension), and each container (running, preStop hook, shutting down)."""
        d = self.deleted
        if d is None:
            return []
        start = d - 2.0 if start is None else start
        end = self._end() if end is None else end
        out: list[Span] = []
        api = f"pod {self.pod} (API)"
        out.append(Span(api, start, d, "Running"))
        if self.grace is not None:
            out.append(Span(api, d, self.removed if self.removed is not None else end, "Terminating"))
        if self.endpoint_terminating is not None:
            ep = "its endpoint (EndpointSlice)"
            out.append(Span(ep, start, self.endpoint_terminating, "ready"))
            out.append(Span(ep, self.endpoint_terminating,
                            self.endpoint_removed if self.endpoint_removed is not None else end, "not ready, terminating"))
        deadline = self.deadline
        if deadline is not None and self.grace:
            out.append(Span("grace period", d, deadline, "grace period"))
            kills = [c.exited for c in self.containers if c.killed and c.exited is not None and c.exited > deadline + 1e-6]
            if kills and self.extension_used:
                out.append(Span("grace period", deadline, max(kills), "+2 s extension"))
        for c in self.containers:
            row = f"container {c.name}"
            first = c.prestop[0] if c.prestop is not None else c.signalled if c.signalled is not None else c.exited
            out.append(Span(row, start, first if first is not None else end, "Running"))
            if c.prestop is not None:
                out.append(Span(row, c.prestop[0], c.prestop[1], "preStop hook"))
            if c.signalled is not None:
                out.append(Span(row, c.signalled, c.exited if c.exited is not None else end, f"after {c.signal}"))
        return out

    def _end(self) -> float:
        times = [t for t in (self.removed, self.ended, self.endpoint_removed, self.deadline) if t is not None]
        d = self.deleted or 0.0
        return max(times + [d + 1.0]) + 1.0

    def markers(self) -> list[tuple[float, str]]:
        """(time, label) of the moments that matter; labels of moments closer than a few percent
        of the picture's width are merged."""
        raw: list[tuple[float, str]] = []
        if self.deleted is not None:
            raw.append((self.deleted, "force delete" if self.grace is None else "delete"))
        for c in self.containers:
            if c.signalled is not None:
                raw.append((c.signalled, c.signal))
            if c.exited is not None:
                raw.append((c.exited, "SIGKILL" if c.killed else f"exit {c.exit_code}"))
        if self.removed is not None and self.grace is not None:
            raw.append((self.removed, "force delete · gone" if self.forced else "gone"))
        raw.sort(key=lambda m: m[0])
        span = max(1.0, self._end() - (self.deleted or 0.0) + 2.0)
        merged: list[tuple[float, str]] = []
        for t, text in raw:
            if merged and t - merged[-1][0] < 0.06 * span:
                if text not in merged[-1][1].split(" · "):
                    merged[-1] = (merged[-1][0], merged[-1][1] + " · " + text)
            else:
                merged.append((t, text))
        return merged

    def timeline(self, title: str | None = None) -> Timeline:
        d = self.deleted or 0.0
        return _WideTimeline(self.spans(), title=title if title is not None else f"Pod {self.pod} terminating",
                             start=d - 2.0, end=self._end(), colours=COLOURS, markers=self.markers())

    def picture(self, title: str | None = None) -> Picture:
        return self.timeline(title).picture()

    def moments(self, most: int = 10) -> list[float]:
        """Frame times for an animation: the start, every moment that matters (a hair after it, so
        that its line shows), the deadline, and a few steps across the long quiet stretches."""
        tl_start, tl_end = (self.deleted or 0.0) - 2.0, self._end()
        keys = sorted({tl_start, tl_end, *(t + 1e-3 for t, _ in self.markers()),
                       *([self.deadline + 1e-3] if self.deadline is not None else [])})
        keys = [t for t in keys if tl_start <= t <= tl_end]
        budget = max(0, most - len(keys))
        gaps = sorted(((b - a, a, b) for a, b in zip(keys, keys[1:])), reverse=True)
        total = sum(g for g, _, _ in gaps) or 1.0
        extra: list[float] = []
        for g, a, b in gaps:
            k = min(budget, int(round(budget * g / total))) if g > 1.0 else 0
            extra += [a + g * (j + 1) / (k + 1) for j in range(k)]
        return sorted(set(keys) | set(extra))

    def animate(self, frames: int = 10, title: str | None = None) -> Animation:
        """The timeline with a cursor moving through :meth:`moments` (at most about ``frames``
        frames: a frame for every moment that matters, the rest spread over the quiet parts)."""
        return self.timeline(title).animate_at(self.moments(frames))


class _WideTimeline(Timeline):
    """A timeline with room on the right for the legend's longer state names, animated at chosen
    moments rather than at even steps."""

    def animate_at(self, times: list[float], interval: int = 700) -> Animation:
        fig = self._figure()
        parts: dict = {}
        times = list(times) or [self.end]

        def draw(fig, i: int) -> None:
            parts.update(self._draw(fig, times[i], parts))

        return Animation(fig, draw, len(times), f"{self.title + ': ' if self.title else ''}{self.summary()}",
                         interval=interval)

    def _figure(self):
        return _figure(11.0, min(1.6 + 0.42 * len(self.rows), 9.0))

    def _setup(self, fig) -> dict:
        parts = super()._setup(fig)
        ax = fig.axes[0]
        pos = ax.get_position()
        ax.set_position((0.2, pos.y0, 0.56, pos.height))
        return parts


# ------------------------------------------------------------------------------------------
# reading a termination back from the cluster
def _times_by_revision(cluster: "Cluster", since_seq: int = 0) -> dict[int, float]:
    """etcd revision → virtual time, for the writes the trace recorded with their new
    resourceVersion (deletes are left out: their record carries the deleted object's version)."""
    out: dict[int, float] = {}
    for r in cluster.trace.since(since_seq) if since_seq else cluster.trace:
        rv = r.resource_version
        if r.verb in ("create", "update", "patch") and rv and rv.isdigit() and 200 <= r.code < 300:
            out.setdefault(int(rv), r.time)
    return out


def _history(cluster: "Cluster", prefix: str, since_revision: int) -> list:
    etcd = cluster.etcd
    try:
        return list(etcd.history(prefix, max(since_revision, etcd.compact_revision, 1)))
    except Compacted:  # pragma: no cover - raced with a compaction
        return []


def _is_kubelet(component: str) -> bool:
    return component.startswith("kubelet/")


def pod_termination(cluster: "Cluster", pod: str, namespace: str = "default", *, since: float | None = None,
                log: "TerminationLog | None" = None, client: Any = None) -> Termination:
    """The latest termination of pod ``pod``, read from the trace, etcd's history and the Events
    (everything after virtual time ``since``, default: the whole retained history).  With a
    :class:`TerminationLog` started before the deletion, the container runtime's side is
    exact; without one, each container's end is taken from the status the kubelet stored.  Events
    are listed through ``client`` (default: the pictures' client, ``viz``)."""
    trace = cluster.trace
    since_seq = log.mark if log is not None else 0
    t0 = log.started if log is not None else (since if since is not None else 0.0)
    records = [r for r in (trace.since(since_seq) if since_seq else trace)
               if r.time >= t0 and r.resource == "pods" and r.namespace == namespace and r.name == pod
               and 200 <= r.code < 300]
    term = Termination(pod, namespace)
    deletes = [r for r in records if (r.verb == "delete" and r.subresource == "") or
               (r.verb == "create" and r.subresource == "eviction")]
    # the latest incarnation: after the last create of the pod
    creates = [r for r in records if r.verb == "create" and r.subresource == ""]
    if creates:
        deletes = [r for r in deletes if r.seq > creates[-1].seq]
    starters = [r for r in deletes if not _is_kubelet(r.component)]
    if not starters:
        return term
    first = starters[0]
    term.deleted, term.deleted_by = first.time, first.component
    finals = [r for r in deletes if r.seq >= first.seq]
    since_rev = log.revision + 1 if log is not None else 1
    rev_time = _times_by_revision(cluster, since_seq)

    # the pod's stored versions: grace period, spec, node, the last status — of the incarnation
    # that was deleted (or still exists) after the log started
    key = f"/registry/pods/{namespace}/{pod}"
    history = [ev for ev in _history(cluster, key, 1) if ev.kv.key == key]
    # group the versions by incarnation (a DELETE ends one); the deleted one holds the version the
    # delete request answered with (the update that set deletionTimestamp, or the last version)
    incarnations: list[tuple[list, int | None]] = []
    current: list = []
    for ev in history:
        if ev.type == DELETE:
            if current:
                incarnations.append((current, ev.kv.mod_revision))
            current = []
        else:
            current.append(ev)
    if current:
        incarnations.append((current, None))
    answered = int(first.resource_version) if first.resource_version.isdigit() else None
    versions, removed_rev = next(((v, r) for v, r in incarnations if any(ev.kv.mod_revision == answered for ev in v)),
                                 incarnations[-1] if incarnations else ([], None))
    last_put = versions[-1].kv.value if versions else None
    spec: dict = (last_put or {}).get("spec") or {}
    for ev in versions:
        md = ev.kv.value["metadata"]
        if md.get("deletionTimestamp"):
            term.grace = int(md.get("deletionGracePeriodSeconds") or 0)
            break
    term.node = spec.get("nodeName", "")
    term.labels = dict(((last_put or {}).get("metadata") or {}).get("labels") or {})
    term.spec_grace = spec.get("terminationGracePeriodSeconds")
    if removed_rev is not None and finals:
        last = finals[-1]
        term.removed, term.removed_by = last.time, last.component
        term.forced = not _is_kubelet(last.component) and not any(_is_kubelet(r.component) for r in finals)
    if term.forced and term.grace == 0:
        term.grace = None
    if last_put is not None:
        term.final_status = last_put.get("status") or {}

    # containers: from the runtime log (exact) or from the stored status
    specs = {c["name"]: c for c in (spec.get("initContainers") or []) + (spec.get("containers") or [])}
    statuses = {s["name"]: s for s in ((term.final_status or {}).get("containerStatuses") or [])}
    uid = ((last_put or {}).get("metadata") or {}).get("uid")
    stops = log.stops_of(pod, namespace, uid) if log is not None else {}
    names = [c["name"] for c in spec.get("containers") or []]
    # when did the stored status first show each container terminated (the kubelet's report)
    reported: dict[str, float] = {}
    for ev in versions:
        for s in (ev.kv.value.get("status") or {}).get("containerStatuses") or []:
            if "terminated" in (s.get("state") or {}) and s["name"] not in reported:
                t = rev_time.get(ev.kv.mod_revision)
                if t is not None and t >= term.deleted:
                    reported[s["name"]] = t
    for name in names:
        c = ContainerEnd(name, has_prestop=bool(((specs.get(name) or {}).get("lifecycle") or {}).get("preStop")))
        recs = stops.get(name) or []
        if recs:
            rec = recs[0]
            c.signal, c.signalled, c.kill_after = rec.signal, rec.asked, rec.timeout
            c.restops = [(r.asked, r.timeout) for r in recs[1:]]
            inst = rec.container
            if inst.finished_at is not None:
                c.exited, c.exit_code, c.reason = inst.finished_at, inst.exit_code, inst.reason
                c.killed = inst.exit_code == 137 and any(
                    r.timeout is not None and abs(inst.finished_at - (r.asked + r.timeout)) < 1e-6 for r in recs)
            c.log = [(t, line) for t, _s, line in inst.log if t >= term.deleted]
        else:
            st = (statuses.get(name) or {}).get("state") or {}
            if "terminated" in st:
                c.exit_code = st["terminated"].get("exitCode")
                c.reason = st["terminated"].get("reason", "")
                c.exited = reported.get(name)
                c.killed = c.exit_code == 137
        term.containers.append(c)

    # events of the pod since the deletion, at the time their creation was recorded
    ev_time = {r.name: r.time for r in (trace.since(since_seq) if since_seq else trace)
               if r.resource == "events" and r.verb == "create" and r.namespace == namespace and r.time >= t0}
    for e in (client or viz_client(cluster)).list("events", namespace)["items"]:
        inv = e.get("involvedObject") or {}
        if inv.get("kind") != "Pod" or inv.get("name") != pod:
            continue
        t = ev_time.get(e["metadata"]["name"])
        if t is None or t < term.deleted:
            continue
        term.events.append((t, e.get("type", ""), e.get("reason", ""), e.get("message", "")))
    term.events.sort(key=lambda x: (x[0], x[2]))
    for c in term.containers:
        if not c.has_prestop:
            continue
        start = next((t for t, _typ, reason, msg in term.events if reason == "Killing" and msg.endswith(" " + c.name)),
                     term.deleted)
        end = c.signalled if c.signalled is not None else None
        if end is not None and end > start:
            c.prestop = (start, end)

    # the pod's endpoint in its Services' EndpointSlices
    prefix = f"/registry/endpointslices/{namespace}/"
    for ev in _history(cluster, prefix, since_rev):
        if ev.type == DELETE:
            continue
        t = rev_time.get(ev.kv.mod_revision)
        if t is None or t < term.deleted:
            continue
        ep = _endpoint(ev.kv.value, pod)
        if ep is not None:
            term.endpoint_address = (ep.get("addresses") or [""])[0]
            if (ep.get("conditions") or {}).get("ready") is False and term.endpoint_terminating is None:
                term.endpoint_terminating = t
        elif term.endpoint_removed is None and ev.prev is not None:
            before = _endpoint(ev.prev.value, pod)
            if before is not None:
                term.endpoint_address = term.endpoint_address or (before.get("addresses") or [""])[0]
                term.endpoint_removed = t
    return term


def _endpoint(slice_: dict, pod: str) -> dict | None:
    for ep in slice_.get("endpoints") or []:
        ref = ep.get("targetRef") or {}
        if ref.get("kind") == "Pod" and ref.get("name") == pod:
            return ep
    return None


# ------------------------------------------------------------------------------------------
@dataclass
class StopRecord:
    """One ``StopContainer`` call: the container instance, the signal its image stops with,
    when the kubelet asked and the timeout it gave before SIGKILL."""
    node: str
    container: Any
    signal: str
    asked: float
    timeout: float | None


class TerminationLog(CRILog):
    """A :class:`~kube_lab.viz.CRILog` that also keeps, for every ``StopContainer`` call, the
    container instance and the SIGKILL timeout the kubelet passed — start it before deleting pods,
    then ask :meth:`termination` about one of them.  Starting a new log on a cluster stops the
    previous one (which keeps what it recorded)."""

    def __init__(self, cluster: "Cluster", nodes: Iterable[str] | None = None):
        self.stops: list[StopRecord] = []
        self.mark = cluster.trace.mark()
        self.revision = cluster.etcd.revision
        self.started = cluster.now
        previous = cluster.__dict__.get("_termination_log")
        if previous is not None:
            previous.stop()            # one recorder per cluster: the old one keeps what it saw
        cluster.__dict__["_termination_log"] = self
        super().__init__(cluster, nodes)

    def _wrap(self, node: str, runtime: Any, method: Any, call: str):
        inner = super()._wrap(node, runtime, method, call)
        if call != "StopContainer":
            return inner
        log = self

        def watched(*args, **kwargs):
            cid = args[0] if args else kwargs.get("cid")
            timeout = args[1] if len(args) > 1 else kwargs.get("timeout")
            c = runtime.containers.get(cid)
            if c is not None and c.state == RUNNING:
                image = getattr(getattr(c.config, "image", None), "image", None)
                log.stops.append(StopRecord(node, c, getattr(image, "stop_signal", None) or "SIGTERM",
                                            log.cluster.now, None if timeout is None else float(timeout)))
            return inner(*args, **kwargs)

        watched.__wrapped__ = method
        return watched

    def stops_of(self, pod: str, namespace: str = "default", uid: str | None = None) -> dict[str, list[StopRecord]]:
        """Every stop of each container of ``pod`` (by container name, in order); ``uid`` picks
        one incarnation of a pod name that was used more than once."""
        out: dict[str, list[StopRecord]] = {}
        for s in self.stops:
            cfg = s.container.sandbox.config
            if cfg.pod_name == pod and cfg.namespace == namespace and (uid is None or cfg.pod_uid == uid):
                out.setdefault(s.container.name, []).append(s)
        return out

    def termination(self, pod: str, namespace: str = "default") -> Termination:
        """The termination of ``pod`` since this log started."""
        return pod_termination(self.cluster, pod, namespace, log=self)


def termination_log(cluster: "Cluster", nodes: Iterable[str] | str | None = None) -> TerminationLog:
    """Start recording what the kubelets ask their container runtimes (on ``nodes``, default all)
    — do it before deleting the pods you want to follow."""
    return TerminationLog(cluster, [nodes] if isinstance(nodes, str) else nodes)


# ------------------------------------------------------------------------------------------
# simulations
AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.53"
_SIMULATIONS: dict[tuple, Termination] = {}


def simulate_termination(grace: int = 30, prestop: int = 0, shutdown: int = 0, *, seed: int = 0,
                         force: bool = False) -> Termination:
    """Delete one pod in a fresh one-node cluster (``seed``) and return its :class:`Termination`.

    The pod runs agnhost ``netexec --delay-shutdown=<shutdown>`` (on SIGTERM it keeps serving
    ``shutdown`` seconds, then exits 0) with ``terminationGracePeriodSeconds: <grace>`` and, when
    ``prestop`` > 0, an exec ``preStop`` hook ``sleep <prestop>``; a Service selects it.  The same
    settings always give the same story."""
    from ..cluster import Cluster
    from ..kubectl import Kubectl

    settings = dict(grace=int(grace), prestop=int(prestop), shutdown=int(shutdown), seed=seed, force=bool(force))
    key = tuple(sorted(settings.items()))
    cached = _SIMULATIONS.get(key)
    if cached is not None:
        return cached
    cluster = Cluster(nodes=1, seed=seed, network_addons=False)
    kubectl = Kubectl(cluster)          # not cluster.kubectl(): a scratch cluster must not become %kubectl's
    hook = (f"\n    lifecycle:\n      preStop:\n        exec:\n          command: [sleep, \"{int(prestop)}\"]"
            if prestop > 0 else "")
    manifest = f"""apiVersion: v1
kind: Pod
metadata:
  name: demo
  labels: {{app: demo}}
spec:
  terminationGracePeriodSeconds: {int(grace)}
  containers:
  - name: app
    image: {AGNHOST}
    args: [netexec, --http-port=8080, --delay-shutdown={int(shutdown)}]{hook}
---
apiVersion: v1
kind: Service
metadata:
  name: demo
spec:
  selector: {{app: demo}}
  ports: [{{port: 80, targetPort: 8080}}]
"""
    result = kubectl.run("apply -f -", stdin=manifest)
    if result.exit_code != 0:
        raise ValueError(result.output.strip())

    def ready(c) -> bool:
        p = c.get("pods", "demo")
        return any(x.get("type") == "Ready" and x.get("status") == "True"
                   for x in (p.get("status") or {}).get("conditions") or ())

    cluster.run_until(ready, timeout=120)
    cluster.run(1)
    log = TerminationLog(cluster)
    kubectl.run("delete pod demo --wait=false" + (" --grace-period=0 --force" if force else ""))

    def finished(c) -> bool:
        return not c.list("pods") and all(s.container.state != RUNNING for s in log.stops)

    cluster.run_until(finished, timeout=int(grace) + int(prestop) + int(shutdown) + 120)
    cluster.run(0.5)
    log.stop()
    term = log.termination("demo")
    term.settings = settings
    _SIMULATIONS[key] = term
    return term


def _caption(term: Termination) -> str:
    s = term.settings
    head = (f"grace period {s.get('grace')} s, preStop {s.get('prestop')} s, program shuts down in "
            f"{s.get('shutdown')} s" if s else "")
    return (head + ": " if head else "") + term.summary()


def _short_caption(term: Termination) -> str:
    s = term.settings
    head = f"grace {s.get('grace')} s · preStop {s.get('prestop')} s · shutdown {s.get('shutdown')} s" if s else term.pod
    c = term.containers[0] if term.containers else None
    if c is None or c.exited is None:
        return head
    end = f"SIGKILL at {term.rel(c.exited)}" if c.killed else f"exit {c.exit_code} at {term.rel(c.exited)}"
    return f"{head}  →  {c.signal} at {term.rel(c.signalled)}, {end}" + (" (2 s extension)" if term.extension_used else "")


class TerminationExplorer(SimulationExplorer):
    """Sliders for the grace period, the ``preStop`` hook's duration and the time the program
    takes to shut down after SIGTERM; every change re-runs :func:`simulate_termination` (seeded:
    the same settings give the same story) and redraws the timeline.  ``set(...)`` does what
    moving the sliders does.  In a static view it shows the picture of its current settings."""

    settings = ("grace", "prestop", "shutdown")
    hint = "sliders for the grace period, the preStop hook and the shutdown time"

    def __init__(self, grace: int = 30, prestop: int = 5, shutdown: int = 3, *, seed: int = 0,
                 max_seconds: int = 60):
        self.grace, self.prestop, self.shutdown, self.seed = int(grace), int(prestop), int(shutdown), seed
        self.max_seconds = max_seconds
        self._start()

    def _controls(self, w) -> dict:
        style, layout = {"description_width": "190px"}, w.Layout(width="560px")

        def slider(value: int, low: int, description: str):
            return w.IntSlider(value=value, min=low, max=self.max_seconds, description=description,
                               continuous_update=False, style=style, layout=layout)

        return {"grace": slider(self.grace, 1, "terminationGracePeriodSeconds"),
                "prestop": slider(self.prestop, 0, "preStop sleep (s)"),
                "shutdown": slider(self.shutdown, 0, "shutdown after SIGTERM (s)")}

    def _render(self) -> None:
        self.termination = self.result = simulate_termination(self.grace, self.prestop, self.shutdown, seed=self.seed)
        self.png = self.termination.picture(title=f"grace {self.grace} s · preStop {self.prestop} s · "
                                                  f"shutdown {self.shutdown} s").png()

    def text(self) -> str:
        return _caption(self.termination)

    def __repr__(self) -> str:
        return (f"TerminationExplorer(grace={self.grace}, prestop={self.prestop}, shutdown={self.shutdown}): "
                f"{self.termination.summary()}")


def compare_terminations(settings: Iterable[tuple[int, int, int]], *, seed: int = 0) -> Picture:
    """Several (grace, preStop, shutdown) settings, one simulated deletion each, drawn one under
    the other on the same time scale (seconds after the delete)."""
    terms = [simulate_termination(g, p, s, seed=seed) for g, p, s in settings]
    rows = ("API", "endpoint", "grace period", "container")
    width = max(t._end() - (t.deleted or 0.0) for t in terms)
    fig = _figure(10.0, 0.7 + 1.45 * len(terms))
    n = len(terms)
    from matplotlib.patches import Patch

    used: dict[str, str] = {}
    for i, term in enumerate(terms):
        ax = fig.add_axes((0.16, 1 - (i + 1) / n + 0.26 / n, 0.66, 0.56 / n))
        d = term.deleted or 0.0
        order = {}
        for s in term.spans():
            row = ("API" if s.row.startswith("pod ") else "endpoint" if s.row.startswith("its endpoint") else
                   "grace period" if s.row == "grace period" else "container")
            order.setdefault(row, rows.index(row))
            colour = COLOURS.get(s.state, "#b0bec5")
            used.setdefault(s.state, colour)
            end = s.end if s.end is not None else d + width
            ax.barh(rows.index(row), end - s.start, left=s.start - d, height=0.7, color=colour,
                    edgecolor="#424242", linewidth=0.4)
        previous, level = None, 0
        for t, text in term.markers():
            level = 1 - level if previous is not None and t - previous < 0.1 * width else 0
            previous = t
            ax.axvline(t - d, color="#6a1b9a", linewidth=0.8, linestyle=":")
            ax.text(t - d, -0.55 - 0.85 * level, " " + text, fontsize=7, color="#6a1b9a", ha="left", va="bottom")
        ax.set_xlim(-2.0, width)
        ax.set_ylim(len(rows) - 0.5, -2.3)
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels(rows, fontsize=8)
        ax.tick_params(axis="x", labelsize=7.5)
        ax.grid(axis="x", color="#eeeeee")
        fig.text(0.01, 1 - (i + 0.03) / n, _short_caption(term), fontsize=8.5, fontweight="bold", va="top")
        if i == n - 1:
            ax.set_xlabel("seconds after kubectl delete", fontsize=8.5)
    handles = [Patch(facecolor=c, edgecolor="#424242", label=s) for s, c in used.items()]
    fig.legend(handles=handles, loc="center left", bbox_to_anchor=(0.83, 0.5), fontsize=7.5, frameon=False)
    summary = "; ".join(f"({t.settings.get('grace')}, {t.settings.get('prestop')}, {t.settings.get('shutdown')}) → "
                        + (f"SIGKILL at {t.rel(max(c.exited for c in t.containers if c.killed))}"
                           if any(c.killed for c in t.containers) else
                           f"exit {t.containers[0].exit_code} at {t.rel(t.ended)}" if t.containers else "?")
                        for t in terms)
    return Picture(fig, f"{len(terms)} deletions (grace, preStop, shutdown): {summary}")


# ------------------------------------------------------------------------------------------
# traffic while pods terminate
def traffic_chart(generators: dict, marks: dict | None = None, *, bin: float = 0.25) -> Picture:
    """Requests answered (green) and failed (red) over time, one panel per load generator:
    ``generators`` maps a label to a ``LoadGenerator`` (``cluster.load(...)``); ``marks`` maps
    the same labels to ``[(virtual time, text), …]`` drawn as vertical lines (the deletions).
    Time runs from each generator's start; requests are counted in bins of ``bin`` seconds by the
    time they were sent."""
    marks = marks or {}
    labels = list(generators)
    n = len(labels)
    fig = _figure(9.6, 0.9 + 1.55 * n)
    longest = max((max((r.started for r in g.records), default=g.started) - g.started for g in generators.values()),
                  default=1.0) + bin
    lines = []
    peak = 1
    counts: dict[str, tuple[list[int], list[int]]] = {}
    nbins = max(1, int(round(longest / bin)))
    for label in labels:
        g = generators[label]
        ok, bad = [0] * nbins, [0] * nbins
        for r in g.records:
            if not r.done:
                continue
            i = min(nbins - 1, int((r.started - g.started) / bin + 1e-9))
            (ok if r.ok else bad)[i] += 1
        counts[label] = (ok, bad)
        peak = max(peak, max(o + b for o, b in zip(ok, bad)))
    for i, label in enumerate(labels):
        g = generators[label]
        ok, bad = counts[label]
        ax = fig.add_axes((0.08, 1 - (i + 1) / n + 0.28 / n, 0.9, 0.52 / n))
        xs = [k * bin for k in range(nbins)]
        ax.bar(xs, ok, width=bin * 0.9, align="edge", color=OK_COLOUR, label="answered")
        ax.bar(xs, bad, width=bin * 0.9, align="edge", bottom=ok, color=FAIL_COLOUR, label="failed")
        for t, text in marks.get(label, ()):
            x = t - g.started
            ax.axvline(x, color="#6a1b9a", linewidth=1, linestyle=":")
            ax.text(x, peak * 1.08, " " + text, fontsize=7.5, color="#6a1b9a", va="top", ha="left")
        ax.set_xlim(0, nbins * bin)
        ax.set_ylim(0, peak * 1.15)
        ax.tick_params(labelsize=7.5)
        failed = sum(bad)
        total = failed + sum(ok)
        errors = g.errors()
        err = (": " + ", ".join(f"{v}× {k}" for k, v in errors.items())) if errors else ""
        ax.set_title(f"{label} — {total} requests, {failed} failed{err}", fontsize=9, loc="left")
        ax.set_ylabel(f"per {bin:g} s", fontsize=7.5)
        if i == 0:
            ax.legend(fontsize=7.5, loc="lower right", frameon=False)
        if i == n - 1:
            ax.set_xlabel("seconds since the load started (by time sent)", fontsize=8.5)
        lines.append(f"{label}: {total} requests, {failed} failed")
    return Picture(fig, "; ".join(lines))


__all__ = ["ContainerEnd", "Termination", "TerminationLog", "TerminationExplorer", "compare_terminations",
           "pod_termination", "simulate_termination", "termination_log", "traffic_chart"]
