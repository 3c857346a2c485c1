"""Rolling updates, drawn from the cluster: how many pods each ReplicaSet of a Deployment asked
for and had available over virtual time, with the two bounds the Deployment's strategy keeps —
the **availability floor** (``replicas − maxUnavailable``) and the **surge ceiling**
(``replicas + maxSurge``).

* :func:`rollout_trace` — a Deployment's ReplicaSets (``spec.replicas`` and
  ``status.availableReplicas``) replayed from etcd's retained history, as a :class:`RolloutTrace`;
* :func:`rollout_chart` — that trace as an animation (the sizes grow as a cursor sweeps across
  time, with a bar of the current moment beside it) or a static picture;
* :func:`simulate_rollout` — one rollout in a fresh, small, seeded cluster, for a given strategy;
* :class:`RolloutExplorer` — sliders for ``replicas``, ``maxSurge`` and ``maxUnavailable`` (and
  the strategy type) that re-run :func:`simulate_rollout` and redraw; it shows its first picture
  in static views too;
* :func:`compare_rollouts` — several strategies side by side, one simulated rollout each.

The numbers drawn are what the ReplicaSets recorded; the bounds are labels computed as upstream's
deployment controller computes them (``ResolveFenceposts`` in
``pkg/controller/deployment/util/deployment_util.go``: surge rounds up, unavailability rounds
down, both zero → ``maxUnavailable`` 1; ``minAvailable = replicas − maxUnavailable`` in
``pkg/controller/deployment/rolling.go``; ``Recreate`` scales every old ReplicaSet to 0 and waits
until no old pod runs, ``pkg/controller/deployment/recreate.go``).  The ceiling bounds the sum of
the ReplicaSets' ``spec.replicas``; pods that are already terminating are no longer counted by
their ReplicaSet, so for a moment more pods than that may exist.
"""
from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from ..controlplane.controllers.deployment_util import resolve_fenceposts
from ..controlplane.etcd import DELETE
from .animations import Animation, Picture, _figure
from .history import RevisionClock
from .state import viz_client
from .widgets import SimulationExplorer

if TYPE_CHECKING:  # pragma: no cover
    from ..cluster import Cluster

REVISION = "deployment.kubernetes.io/revision"
# one colour per ReplicaSet, in order of creation
RS_COLOURS = ("#64b5f6", "#81c784", "#ef9a9a", "#ce93d8", "#ffcc80", "#80cbc4", "#b0bec5", "#fff59d")
FLOOR_COLOUR = "#c62828"
CEILING_COLOUR = "#ef6c00"


@dataclass(frozen=True)
class ReplicaSetInfo:
    """One ReplicaSet of the Deployment: its name, revision (at the end of the trace), image(s),
    pod-template-hash and when it was created (virtual seconds)."""
    name: str
    revision: str
    image: str
    hash: str
    created: float

    @property
    def label(self) -> str:
        image = self.image.rsplit("/", 1)[-1]
        return f"rev {self.revision or '?'}: {image}"


@dataclass(frozen=True)
class Sample:
    """The ReplicaSets' sizes after one write to etcd: ``desired[i]`` (``spec.replicas``) and
    ``available[i]`` (``status.availableReplicas``) of ``RolloutTrace.replicasets[i]``."""
    time: float
    revision: int
    desired: tuple[int, ...]
    available: tuple[int, ...]

    @property
    def total_desired(self) -> int:
        return sum(self.desired)

    @property
    def total_available(self) -> int:
        return sum(self.available)


@dataclass
class RolloutTrace:
    """A Deployment's ReplicaSets over time, with its strategy's bounds.

    ``samples`` hold every stored state from ``start`` (the state at ``start`` first); the floor
    and ceiling are those of the Deployment's current spec.  ``truncated`` is true when etcd had
    already compacted part of the window (kube-apiserver compacts every 5 minutes)."""
    deployment: str
    namespace: str
    replicas: int
    strategy: str
    max_surge: int
    max_unavailable: int
    replicasets: list[ReplicaSetInfo]
    samples: list[Sample]
    start: float
    end: float
    truncated: bool = False
    error: str = ""
    settings: dict = field(default_factory=dict)     # what a simulation was asked for

    # bounds ------------------------------------------------------------------------------------
    @property
    def floor(self) -> int:
        """Fewest available pods the strategy allows while it replaces pods."""
        if self.strategy == "Recreate":
            return 0
        return max(self.replicas - self.max_unavailable, 0)

    @property
    def ceiling(self) -> int:
        """Most pods (sum of the ReplicaSets' ``spec.replicas``) the strategy allows."""
        if self.strategy == "Recreate":
            return self.replicas
        return self.replicas + self.max_surge

    # reading -----------------------------------------------------------------------------------
    def at(self, t: float) -> Sample | None:
        """The state at virtual time ``t`` (the last sample written at or before it)."""
        last = None
        for s in self.samples:
            if s.time > t:
                break
            last = s
        return last

    def steps(self) -> list[Sample]:
        """One sample per instant (the last one written then): the states that lasted."""
        out: list[Sample] = []
        for s in self.samples:
            if out and out[-1].time == s.time:
                out[-1] = s
            else:
                out.append(s)
        return out

    def steady_from(self) -> float | None:
        """When the Deployment first had all its replicas available inside the window (the floor
        only applies from then on: a brand-new Deployment starts from zero)."""
        for s in self.samples:
            if s.total_available >= self.replicas:
                return s.time
        return None

    def _after_steady(self) -> list[Sample]:
        t0 = self.steady_from()
        return [] if t0 is None else [s for s in self.samples if s.time >= t0]

    def lowest_available(self) -> tuple[int, float] | None:
        """``(pods, time)`` of the fewest available pods in the window."""
        samples = self.steps()
        if not samples:
            return None
        low = min(samples, key=lambda s: (s.total_available, s.time))
        return low.total_available, low.time

    def highest_desired(self) -> tuple[int, float] | None:
        """``(pods, time)`` of the largest sum of ``spec.replicas`` in the window."""
        if not self.samples:
            return None
        high = max(self.steps(), key=lambda s: (s.total_desired, -s.time))
        return high.total_desired, high.time

    def below_floor(self) -> list[Sample]:
        """Samples (after the Deployment was steady) with fewer available pods than the floor."""
        return [s for s in self._after_steady() if s.total_available < self.floor]

    def above_ceiling(self) -> list[Sample]:
        return [s for s in self.samples if s.total_desired > self.ceiling]

    def rollouts(self) -> int:
        """How many ReplicaSets were scaled up from 0 inside the window after the Deployment was
        steady (each is one rollout, or one rollback)."""
        count = 0
        prev = None
        for s in self._after_steady():
            if prev is not None:
                count += sum(1 for i, d in enumerate(s.desired) if d > 0 and prev.desired[i] == 0)
            prev = s
        return count

    def finished(self) -> bool:
        """The last state: one ReplicaSet holds every replica, all available, the rest at 0."""
        if not self.samples:
            return False
        last = self.samples[-1]
        full = [i for i, d in enumerate(last.desired) if d]
        return (len(full) == 1 and last.desired[full[0]] == self.replicas
                and last.available[full[0]] >= self.replicas and last.total_available == self.replicas)

    def duration(self) -> float | None:
        """Seconds from the first change after ``start`` to the last sample."""
        if len(self.samples) < 2:
            return None
        return self.samples[-1].time - self.samples[1].time

    # text --------------------------------------------------------------------------------------
    def strategy_text(self) -> str:
        if self.strategy == "Recreate":
            return f"Recreate, replicas {self.replicas}"
        return (f"RollingUpdate, replicas {self.replicas}, maxSurge {self.max_surge}, "
                f"maxUnavailable {self.max_unavailable}")

    def bounds_text(self) -> str:
        if self.strategy == "Recreate":
            return f"floor 0 (every old pod stops first), ceiling {self.ceiling}"
        return (f"floor {self.replicas} − {self.max_unavailable} = {self.floor}, "
                f"ceiling {self.replicas} + {self.max_surge} = {self.ceiling}")

    def summary(self) -> str:
        if self.error:
            return f"{self.deployment}: {self.error}"
        low, high = self.lowest_available(), self.highest_desired()
        parts = [f"{self.deployment} ({self.strategy_text()}): {self.bounds_text()}"]
        steady = self.steady_from()
        if low is not None and steady is not None and self.samples and self.samples[0].total_desired == 0:
            # the window starts before the Deployment had pods: count from when they were all up
            after = min((s for s in self.steps() if s.time >= steady), key=lambda s: (s.total_available, s.time))
            parts.append(f"fewest available once all {self.replicas} were up {after.total_available} "
                         f"(t={after.time:.1f}s)")
        elif low is not None:
            parts.append(f"fewest available {low[0]} (t={low[1]:.1f}s)")
        if high is not None:
            parts.append(f"most pods wanted {high[0]} (t={high[1]:.1f}s)")
        if self.finished() and self.duration() is not None:
            parts.append(f"finished {self.duration():.1f}s after it began")
        elif not self.finished():
            parts.append("not finished")
        return "; ".join(parts)

    def table(self) -> str:
        """The states that lasted, one line each: every ReplicaSet's desired/available, and the
        totals against the floor and the ceiling."""
        if self.error:
            return self.error
        names = [rs.hash or rs.name for rs in self.replicasets]
        width = max([len(n) + 6 for n in names] + [9])
        head = "     t  " + "".join(f"{n:>{width}}" for n in names) + "   available  wanted"
        lines = [head]
        prev = None
        for s in self.steps():
            key = (s.desired, s.available)
            if key == prev:
                continue
            prev = key
            cells = "".join(f"{f'{d}/{a}':>{width}}" for d, a in zip(s.desired, s.available))
            flag = ""
            if s.total_available < self.floor and s.time >= (self.steady_from() or float("inf")):
                flag = "  < floor"
            if s.total_desired > self.ceiling:
                flag += "  > ceiling"
            lines.append(f"{s.time:6.1f}s " + cells + f"   {s.total_available:>9}  {s.total_desired:>6}" + flag)
        lines.append(f"(desired/available per ReplicaSet; {self.bounds_text()})")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<RolloutTrace {self.summary()}>"


# ------------------------------------------------------------------------------------------
# reading the history
def _bounds(dep: dict) -> tuple[int, str, int, int]:
    spec = dep.get("spec") or {}
    replicas = int(spec.get("replicas", 1))
    strategy = (spec.get("strategy") or {}).get("type") or "RollingUpdate"
    if strategy != "RollingUpdate":
        return replicas, strategy, 0, replicas
    ru = (spec.get("strategy") or {}).get("rollingUpdate") or {}
    surge, unavailable = resolve_fenceposts(ru.get("maxSurge", "25%"), ru.get("maxUnavailable", "25%"), replicas)
    return replicas, strategy, surge, min(unavailable, replicas) if replicas else 0


def _images(rs: dict) -> str:
    containers = ((((rs.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or ())
    return ", ".join(c.get("image", "") for c in containers)


def _owned_by(obj: dict, uid: str) -> bool:
    return any(r.get("uid") == uid for r in (obj.get("metadata") or {}).get("ownerReferences") or ())


def rollout_trace(cluster: "Cluster", deployment: str | dict, namespace: str = "default", *,
                  since: float | None = None, until: float | None = None) -> RolloutTrace:
    """Replay the ReplicaSets of ``deployment`` (a name, read through the API as ``viz``, or the
    Deployment object itself) from etcd's retained history, from virtual time ``since`` (default:
    as far back as etcd remembers) to ``until`` (default: a moment after the last change)."""
    if isinstance(deployment, dict):
        dep = deployment
        namespace = dep["metadata"].get("namespace", namespace)
    else:
        dep = viz_client(cluster).get("deployments", deployment, namespace)
    name, uid = dep["metadata"]["name"], dep["metadata"]["uid"]
    replicas, strategy, surge, unavailable = _bounds(dep)
    etcd = cluster.etcd
    prefix = f"/registry/replicasets/{namespace}/"
    clock = RevisionClock(cluster)
    first = max(etcd.compact_revision, 1)
    base = etcd.range(prefix, revision=first) if first < etcd.revision else etcd.range(prefix)
    events = [ev for ev in etcd.history(prefix, first + 1)] if first < etcd.revision else []
    states: dict[str, dict | None] = {kv.key: kv.value for kv in base if _owned_by(kv.value, uid)}
    created: dict[str, float] = {kv.key: clock.time(kv.create_revision) for kv in base if kv.key in states}
    order: list[str] = sorted(states, key=lambda k: (created[k], k))
    # part of the story is lost if the Deployment already had ReplicaSets when etcd compacted
    truncated = first > 1 and (bool(states) if since is None else clock.time(first) > since)
    if since is not None:
        start = since
    else:       # as far back as etcd remembers, but no earlier than just before the first ReplicaSet
        born = [clock.time(ev.kv.create_revision) for ev in events
                if ev.type != DELETE and ev.prev is None and _owned_by(ev.kv.value, uid)]
        start = clock.time(first) if first > 1 else 0.0
        if not states and born:
            start = max(start, min(born) - 1.0)
    raw: list[tuple[float, int, dict[str, dict | None]]] = []

    def snapshot(t: float, rev: int) -> None:
        raw.append((t, rev, dict(states)))

    snapshot(start, first)
    for ev in events:
        key = ev.kv.key
        if ev.type == DELETE:
            if key not in states:
                continue
            states[key] = None
        else:
            if key not in states and not _owned_by(ev.kv.value, uid):
                continue
            if key not in states:
                created[key] = clock.time(ev.kv.create_revision)
                order.append(key)
            states[key] = ev.kv.value
        t = clock.time(ev.kv.mod_revision)
        if until is not None and t > until:
            break
        if t <= start:
            raw[0] = (start, ev.kv.mod_revision, dict(states))
        else:
            snapshot(t, ev.kv.mod_revision)
    # ReplicaSets that only ever existed before the window and were gone at its start add nothing
    keep = [k for k in order if any(st.get(k) is not None for _, _, st in raw)]
    last_seen: dict[str, dict] = {}
    for _, _, st in raw:
        for k in keep:
            if st.get(k) is not None:
                last_seen[k] = st[k]
    infos = []
    for k in keep:
        rs = last_seen[k]
        md = rs["metadata"]
        infos.append(ReplicaSetInfo(md["name"], (md.get("annotations") or {}).get(REVISION, ""), _images(rs),
                                    (md.get("labels") or {}).get("pod-template-hash", ""), created[k]))
    samples = []
    for t, rev, st in raw:
        desired, available = [], []
        for k in keep:
            rs = st.get(k)
            desired.append(int((rs.get("spec") or {}).get("replicas", 1)) if rs else 0)
            available.append(int((rs.get("status") or {}).get("availableReplicas", 0)) if rs else 0)
        samples.append(Sample(t, rev, tuple(desired), tuple(available)))
    last = samples[-1].time if samples else start
    if until is None:
        end = last + max(2.0, 0.08 * max(last - start, 1.0))     # the last state, held for a moment
    else:
        end = until
    return RolloutTrace(name, namespace, replicas, strategy, surge, unavailable, infos, samples, start,
                        max(end, start + 1.0), truncated)


# ------------------------------------------------------------------------------------------
# drawing
def _step_xy(times: Sequence[float], values: Sequence[int], end: float) -> tuple[list[float], list[float]]:
    xs: list[float] = []
    ys: list[float] = []
    for i, (t, v) in enumerate(zip(times, values)):
        nxt = times[i + 1] if i + 1 < len(times) else end
        xs += [t, nxt]
        ys += [v, v]
    return xs, ys


def _top(trace: RolloutTrace) -> int:
    return max([trace.ceiling, trace.replicas] + [s.total_desired for s in trace.samples]
               + [s.total_available for s in trace.samples]) + 1


def _draw_history(ax, trace: RolloutTrace, *, small: bool = False) -> None:
    """The whole story on ``ax``: each ReplicaSet's available pods stacked (coloured), the sum of
    the pods wanted (dashed), the floor and the ceiling."""
    from matplotlib.ticker import MaxNLocator

    steps = trace.steps()
    fs = 7 if small else 8.5
    ax.set_xlim(trace.start, trace.end)
    ax.set_ylim(0, _top(trace) + (0.2 if small else 0.6))
    ax.grid(axis="y", color="#eeeeee", zorder=0)
    ax.set_xlabel("virtual time (s)", fontsize=fs)
    ax.set_ylabel("pods", fontsize=fs)
    ax.tick_params(labelsize=fs - 0.5)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    times = [s.time for s in steps]
    bottom = [0] * len(steps)
    for i, rs in enumerate(trace.replicasets):
        vals = [s.available[i] for s in steps]
        if not any(vals) and not any(s.desired[i] for s in steps):
            continue
        xs, lo = _step_xy(times, bottom, trace.end)
        _, hi = _step_xy(times, [b + v for b, v in zip(bottom, vals)], trace.end)
        ax.fill_between(xs, lo, hi, color=RS_COLOURS[i % len(RS_COLOURS)], linewidth=0, zorder=2,
                        label=f"{rs.label}: available pods")
        bottom = [b + v for b, v in zip(bottom, vals)]
    xs, ys = _step_xy(times, [s.total_desired for s in steps], trace.end)
    ax.plot(xs, ys, color="#212121", linewidth=1.6, linestyle="--", zorder=4,
            label="pods wanted (sum of the ReplicaSets' spec.replicas)")
    ax.axhline(trace.ceiling, color=CEILING_COLOUR, linewidth=1.4, linestyle=(0, (5, 3)), zorder=3)
    ax.axhline(trace.floor, color=FLOOR_COLOUR, linewidth=1.4, linestyle=(0, (5, 3)), zorder=3)
    x_text = trace.start + 0.01 * (trace.end - trace.start)
    if trace.strategy == "Recreate":
        ceil_text, floor_text = f"ceiling = replicas = {trace.ceiling}", "floor = 0 (Recreate)"
    else:
        ceil_text = f"surge ceiling = {trace.replicas} + maxSurge {trace.max_surge} = {trace.ceiling}"
        floor_text = f"availability floor = {trace.replicas} − maxUnavailable {trace.max_unavailable} = {trace.floor}"
    ax.text(x_text, trace.ceiling + 0.08, ceil_text, color=CEILING_COLOUR, fontsize=fs - 0.5, va="bottom", zorder=6)
    ax.text(x_text, trace.floor + 0.08, floor_text, color=FLOOR_COLOUR, fontsize=fs - 0.5, va="bottom", zorder=6)


class _RolloutFigure:
    """The chart and the bar of one moment, drawn once; ``show(t)`` veils the future, moves the
    cursor and restacks the bar (cheap per animation frame)."""

    def __init__(self, trace: RolloutTrace, title: str):
        from matplotlib.patches import Patch, Rectangle

        self.trace = trace
        self.fig = fig = _figure(9.6, 4.4)
        self.ax = ax = fig.add_axes((0.07, 0.31, 0.70, 0.57))
        self.bar_ax = bar = fig.add_axes((0.84, 0.31, 0.11, 0.57))
        fig.text(0.07, 0.95, title, fontsize=10.5, fontweight="bold", va="center")
        _draw_history(ax, trace)
        handles, labels = ax.get_legend_handles_labels()
        handles.append(Patch(facecolor="white", edgecolor="#616161", hatch="///"))
        labels.append("pods wanted but not available yet (bar)")
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(0.0, -0.17), ncol=2, fontsize=8, frameon=False)
        span = trace.end - trace.start
        self.veil = Rectangle((trace.end, 0), 0, _top(trace) + 1, facecolor="white", alpha=0.78, linewidth=0,
                              zorder=5)
        ax.add_patch(self.veil)
        self.cursor = ax.axvline(trace.end, color="#c62828", linewidth=1.3, zorder=7)
        self.span = span
        from matplotlib.ticker import MaxNLocator

        bar.set_xlim(-0.8, 0.8)
        bar.set_ylim(0, _top(trace) + 0.6)
        bar.set_xticks([])
        bar.tick_params(labelsize=8)
        bar.yaxis.set_major_locator(MaxNLocator(integer=True))
        bar.axhline(trace.ceiling, color=CEILING_COLOUR, linewidth=1.4, linestyle=(0, (5, 3)))
        bar.axhline(trace.floor, color=FLOOR_COLOUR, linewidth=1.4, linestyle=(0, (5, 3)))
        self.bar_text = fig.text(0.895, 0.255, "", ha="center", va="top", fontsize=8.5)
        self.clock = fig.text(0.77, 0.905, "", ha="right", va="bottom", fontsize=9, color="#c62828")
        self.segments: list = []

    def show(self, t: float) -> None:
        tr = self.trace
        t = min(max(t, tr.start), tr.end)
        done = t >= tr.end
        self.veil.set_x(t)
        self.veil.set_width(max(tr.end - t, 0) + self.span * 0.02)
        self.veil.set_visible(not done)
        self.cursor.set_xdata([t, t])
        self.cursor.set_visible(not done)
        for seg in self.segments:
            seg.remove()
        self.segments = []
        self.clock.set_text(f"t = {t:.1f} s")
        s = tr.at(t) or (tr.samples[0] if tr.samples else None)
        if s is None:
            return
        from matplotlib.patches import Rectangle

        y = 0
        for i in range(len(tr.replicasets)):
            if s.available[i]:
                seg = Rectangle((-0.45, y), 0.9, s.available[i], facecolor=RS_COLOURS[i % len(RS_COLOURS)],
                                edgecolor="#424242", linewidth=0.6)
                self.bar_ax.add_patch(seg)
                self.segments.append(seg)
                y += s.available[i]
        for i in range(len(tr.replicasets)):
            waiting = max(s.desired[i] - s.available[i], 0)
            if waiting:
                seg = Rectangle((-0.45, y), 0.9, waiting, facecolor="white", hatch="///",
                                edgecolor=RS_COLOURS[i % len(RS_COLOURS)], linewidth=1.2)
                self.bar_ax.add_patch(seg)
                self.segments.append(seg)
                y += waiting
        self.bar_text.set_text(f"available {s.total_available}\nwanted {s.total_desired}")
        self.clock.set_text(f"t = {t:.1f} s")


    # fast frames ------------------------------------------------------------------------------
    def _render(self):
        import numpy as np
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        before = self.fig.canvas
        canvas = FigureCanvasAgg(self.fig)
        try:
            canvas.draw()
            return np.asarray(canvas.buffer_rgba())[:, :, :3].copy()
        finally:
            self.fig.set_canvas(before)     # a plain canvas again: the player's draw_idle stays a no-op

    def frames_png(self, times: Sequence[float]) -> list[bytes]:
        """PNG frames for the moments ``times``, composed from a few whole renders: the chart
        unveiled, the chart veiled, and the bar of each distinct state (rendering every frame from
        scratch costs a full matplotlib draw each)."""
        from PIL import Image

        from .animations import PNG_COLOURS

        tr = self.trace
        self.show(tr.end)
        self.clock.set_visible(False)        # drawn onto each frame below
        full = self._render()
        height = full.shape[0]
        self.veil.set_x(tr.start)
        self.veil.set_width(tr.end - tr.start + self.span * 0.02)
        self.veil.set_visible(True)
        veiled = self._render()
        self.veil.set_visible(False)
        x0, y0, x1, y1 = self.ax.get_window_extent().extents
        top, bottom = int(round(height - y1)), int(round(height - y0))
        left, right = int(round(x0)), int(round(x1))
        bar_from = int(round(self.bar_ax.get_window_extent().x0)) - 24
        bars: dict[tuple, object] = {}
        self.ax.set_visible(False)          # the bars' renders need only the right-hand side
        try:
            for t in times:
                s = tr.at(min(max(t, tr.start), tr.end))
                key = (s.desired, s.available) if s is not None else None
                if key not in bars:
                    self.show(t)
                    bars[key] = self._render()[:, bar_from:]
        finally:
            self.ax.set_visible(True)
            self.clock.set_visible(True)
            self.show(tr.end)
        from matplotlib import font_manager
        from PIL import ImageDraw, ImageFont

        font = ImageFont.truetype(font_manager.findfont("DejaVu Sans"), size=round(9 * self.fig.dpi / 72))
        cx, cy = self.fig.transFigure.transform((0.77, 0.905))
        out = []
        for t in times:
            s = tr.at(min(max(t, tr.start), tr.end))
            key = (s.desired, s.available) if s is not None else None
            frame = full.copy()
            if t < tr.end:
                x = int(round(self.ax.transData.transform((max(t, tr.start), 0))[0]))
                x = min(max(x, left), right)
                frame[top:bottom, x:right] = veiled[top:bottom, x:right]
                frame[top:bottom, max(x - 1, left):x + 1] = (0xc6, 0x28, 0x28)
            frame[:, bar_from:] = bars[key]
            im = Image.fromarray(frame)
            ImageDraw.Draw(im).text((cx, height - cy), f"t = {min(max(t, tr.start), tr.end):.1f} s",
                                    fill=(0xc6, 0x28, 0x28), font=font, anchor="rb")
            im = im.quantize(colors=PNG_COLOURS, method=Image.Quantize.MEDIANCUT,
                                                 dither=Image.Dither.NONE)
            buf = io.BytesIO()
            im.save(buf, format="png", optimize=True)
            out.append(buf.getvalue())
        return out


class _ComposedAnimation(Animation):
    """An :class:`~kube_lab.viz.Animation` whose HTML player gets frames composed by
    :meth:`_RolloutFigure.frames_png` (the same pictures, much cheaper to make)."""

    def __init__(self, chart: _RolloutFigure, times: list[float], summary: str, interval: int):
        self.chart, self.times = chart, times
        super().__init__(chart.fig, lambda fig, i: chart.show(times[i]), len(times), summary, interval=interval)

    def to_html(self) -> str:
        if self._html is None:
            from matplotlib.animation import FuncAnimation

            frames = iter(self.chart.frames_png(self.times))
            fig = self.fig

            def grab(fname, *args, **kwargs):        # what HTMLWriter asks for each frame
                fname.write(next(frames))

            fig.savefig = grab
            try:
                anim = FuncAnimation(fig, lambda i: None, frames=len(self.times), interval=self.interval,
                                     repeat=False, blit=False, cache_frame_data=False)
                self._html = anim.to_jshtml(default_mode="once")
                anim._draw_was_started = True
            finally:
                del fig.savefig
        return self._html


def _title(trace: RolloutTrace) -> str:
    return f"deployment/{trace.deployment} · {trace.strategy_text()}"


def rollout_chart(source: "Cluster | RolloutTrace", deployment: str | dict | None = None, *,
                  namespace: str = "default", since: float | None = None, until: float | None = None,
                  animate: bool = True, frames: int = 20, title: str | None = None):
    """A Deployment's rollout as an animation (``animate=True``: a cursor sweeps across time,
    unveiling the ReplicaSets' available pods, with a bar of that moment beside the chart) or a
    static :class:`~kube_lab.viz.Picture`.  ``source`` is a cluster (with ``deployment``, and
    optionally ``since``/``until`` in virtual seconds) or a :class:`RolloutTrace`."""
    trace = source if isinstance(source, RolloutTrace) else rollout_trace(
        source, deployment, namespace, since=since, until=until)
    chart = _RolloutFigure(trace, title or _title(trace))
    summary = trace.summary()
    if not animate:
        chart.show(trace.end)
        return Picture(chart.fig, summary)
    frames = max(2, frames)
    step = (trace.end - trace.start) / (frames - 1)
    times = [trace.start + i * step for i in range(frames - 1)] + [trace.end]
    return _ComposedAnimation(chart, times, summary, interval=400)


# ------------------------------------------------------------------------------------------
# simulating
_SIMULATIONS: dict[tuple, RolloutTrace] = {}


def _manifest(name: str, replicas: int, strategy: str, max_surge: Any, max_unavailable: Any, image: str,
              min_ready_seconds: int) -> dict:
    spec: dict = {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                  "template": {"metadata": {"labels": {"app": name}},
                               "spec": {"containers": [{"name": "app", "image": image}]}}}
    if strategy == "Recreate":
        spec["strategy"] = {"type": "Recreate"}
    else:
        spec["strategy"] = {"type": "RollingUpdate",
                            "rollingUpdate": {"maxSurge": max_surge, "maxUnavailable": max_unavailable}}
    if min_ready_seconds:
        spec["minReadySeconds"] = min_ready_seconds
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name}, "spec": spec}


def simulate_rollout(replicas: int = 4, max_surge: int | str = 1, max_unavailable: int | str = 0, *,
                     strategy: str = "RollingUpdate", seed: int = 0, nodes: int = 2,
                     images: tuple[str, str] = ("nginx:1.25", "nginx:1.27"), min_ready_seconds: int = 0,
                     name: str = "demo") -> RolloutTrace:
    """Roll a Deployment from ``images[0]`` to ``images[1]`` in a fresh cluster (``nodes`` workers,
    ``seed``) and return its :class:`RolloutTrace` — the same seed gives the same rollout.  An
    invalid strategy comes back with the API server's answer in ``error``."""
    from ..cluster import Cluster
    from ..kubectl import Kubectl

    settings = dict(replicas=replicas, max_surge=max_surge, max_unavailable=max_unavailable, strategy=strategy,
                    seed=seed, nodes=nodes, images=tuple(images), min_ready_seconds=min_ready_seconds, name=name)
    key = tuple(sorted((k, str(v)) for k, v in settings.items()))
    cached = _SIMULATIONS.get(key)
    if cached is not None:
        return cached
    cluster = Cluster(nodes=nodes, seed=seed, network_addons=False)
    # kubectl without Cluster.kubectl(): a scratch cluster must not become the one %kubectl uses
    kubectl = Kubectl(cluster)
    result = kubectl.run("apply -f -", stdin=_yaml(_manifest(name, replicas, strategy, max_surge,
                                                                 max_unavailable, images[0], min_ready_seconds)))
    if result.exit_code != 0:
        trace = RolloutTrace(name, "default", replicas, strategy, 0, 0, [], [], 0.0, 1.0,
                             error=result.output.strip(), settings=settings)
        _SIMULATIONS[key] = trace
        return trace

    def complete(c) -> bool:
        d = c.get("deployments", name)
        st = d.get("status") or {}
        return (st.get("observedGeneration") == d["metadata"]["generation"]
                and st.get("updatedReplicas", 0) == replicas and st.get("replicas", 0) == replicas
                and st.get("availableReplicas", 0) == replicas)

    cluster.run_until(complete, timeout=600)
    cluster.run(2)
    start = cluster.now
    kubectl.run(f"set image deployment/{name} app={images[1]}")
    cluster.run_until(complete, timeout=1200)
    cluster.run(2)
    trace = rollout_trace(cluster, name, since=start - 1)
    trace.settings = settings
    _SIMULATIONS[key] = trace
    return trace


def _yaml(obj: dict) -> str:
    import json

    return json.dumps(obj)          # JSON is YAML; kubectl apply reads either


def compare_rollouts(settings: Iterable[tuple[Any, Any] | dict], *, replicas: int = 4, seed: int = 0,
                     columns: int = 2, images: tuple[str, str] = ("nginx:1.25", "nginx:1.27")) -> Picture:
    """Several strategies side by side: each entry is ``(maxSurge, maxUnavailable)`` or a dict of
    :func:`simulate_rollout` arguments (``{"strategy": "Recreate"}``); one simulated rollout each,
    drawn on the same time scale."""
    traces = []
    for s in settings:
        kw = dict(s) if isinstance(s, dict) else {"max_surge": s[0], "max_unavailable": s[1]}
        kw.setdefault("replicas", replicas)
        kw.setdefault("seed", seed)
        kw.setdefault("images", images)
        traces.append(simulate_rollout(**kw))
    rows = (len(traces) + columns - 1) // columns
    fig = _figure(4.8 * columns, 2.9 * rows + 0.4)
    span = max((t.end - t.start for t in traces if not t.error), default=10.0)
    lines = []
    for i, tr in enumerate(traces):
        r, c = divmod(i, columns)
        w, h = 1.0 / columns, (1.0 - 0.4 / (2.9 * rows + 0.4)) / rows
        ax = fig.add_axes((c * w + 0.08 * w, 1 - (r + 1) * h + 0.2 * h, 0.86 * w, 0.62 * h))
        if tr.error:
            ax.axis("off")
            ax.text(0, 0.5, tr.error, fontsize=7.5, wrap=True, color=FLOOR_COLOUR, va="center")
            ax.set_title(_settings_title(tr.settings, tr), fontsize=9)
            lines.append(f"{_settings_title(tr.settings, tr)}: {tr.error}")
            continue
        _draw_history(ax, RolloutTrace(**{**tr.__dict__, "end": tr.start + span}), small=True)
        ax.set_title(_settings_title(tr.settings, tr), fontsize=9)
        low, high = tr.lowest_available(), tr.highest_desired()
        lines.append(f"{_settings_title(tr.settings, tr)}: fewest available {low[0] if low else '-'}, most wanted "
                     f"{high[0] if high else '-'}, took {tr.duration():.1f}s" if tr.duration() is not None
                     else tr.strategy_text())
    first = traces[0].settings if traces else {}
    images = first.get("images", images)
    fig.text(0.5, 1 - 0.2 / (2.9 * rows + 0.4), f"{first.get('replicas', replicas)} replicas rolled from "
             f"{images[0]} to {images[1]}: available pods of the old (blue) and new (green) ReplicaSet, "
             "pods wanted (dashed)", ha="center", va="center", fontsize=9)
    return Picture(fig, "; ".join(lines))


def _settings_title(s: dict, trace: RolloutTrace | None = None) -> str:
    """``maxSurge 100% (= 4), maxUnavailable 0``: what was asked for, and what it resolved to."""
    if s.get("strategy") == "Recreate":
        return "Recreate"

    def show(v, resolved):
        return f"{v} (= {resolved})" if isinstance(v, str) and trace is not None and not trace.error else f"{v}"

    return (f"maxSurge {show(s.get('max_surge'), trace.max_surge if trace else '')}, "
            f"maxUnavailable {show(s.get('max_unavailable'), trace.max_unavailable if trace else '')}")


# ------------------------------------------------------------------------------------------
# the explorer widget
class RolloutExplorer(SimulationExplorer):
    """Sliders for ``replicas``, ``maxSurge`` and ``maxUnavailable`` and a strategy picker; every
    change re-runs :func:`simulate_rollout` (seeded: the same settings give the same rollout) and
    redraws the chart.  ``set(...)`` does what moving the sliders does.  In a static view it shows
    the chart of its current settings."""

    settings = ("strategy", "replicas", "max_surge", "max_unavailable")
    hint = "sliders for replicas, maxSurge and maxUnavailable"

    def __init__(self, replicas: int = 4, max_surge: int = 1, max_unavailable: int = 1, *,
                 strategy: str = "RollingUpdate", seed: int = 0, max_replicas: int = 10,
                 images: tuple[str, str] = ("nginx:1.25", "nginx:1.27")):
        self.seed, self.images, self.max_replicas = seed, tuple(images), max_replicas
        self.replicas, self.max_surge, self.max_unavailable = replicas, max_surge, max_unavailable
        self.strategy = strategy
        self._start()

    def _controls(self, w) -> dict:
        style = {"description_width": "110px"}

        def slider(value: int, low: int, description: str):
            return w.IntSlider(value=value, min=low, max=self.max_replicas, description=description,
                               continuous_update=False, style=style)

        return {"strategy": w.ToggleButtons(options=["RollingUpdate", "Recreate"], value=self.strategy,
                                            description="strategy", style=style),
                "replicas": slider(self.replicas, 1, "replicas"),
                "max_surge": slider(self.max_surge, 0, "maxSurge"),
                "max_unavailable": slider(self.max_unavailable, 0, "maxUnavailable")}

    def _render(self) -> None:
        self.trace = self.result = simulate_rollout(self.replicas, self.max_surge, self.max_unavailable,
                                                    strategy=self.strategy, seed=self.seed, images=self.images)
        self.caption_colour = FLOOR_COLOUR if self.trace.error else "#424242"
        if self.trace.error:
            self.picture = None
            self.png = _message_png(self.trace.error)
        else:
            self.picture = rollout_chart(self.trace, animate=False)
            self.png = self.picture.png()

    def text(self) -> str:
        return self.trace.summary()

    def __repr__(self) -> str:
        if self.strategy == "Recreate":
            head = f"RolloutExplorer(Recreate, replicas={self.replicas})"
        else:
            head = (f"RolloutExplorer(replicas={self.replicas}, maxSurge={self.max_surge}, "
                    f"maxUnavailable={self.max_unavailable})")
        return f"{head}: {self.text()}"


def _message_png(text: str) -> bytes:
    fig = _figure(9.6, 1.2)
    fig.text(0.02, 0.5, text, fontsize=9, color=FLOOR_COLOUR, va="center", wrap=True)
    return Picture(fig, text).png()
