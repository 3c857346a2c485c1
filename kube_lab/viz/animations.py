"""Matplotlib animations embedded in the notebook as an HTML player (``to_jshtml``: PNG frames
and a little JavaScript, no ffmpeg needed).

* :func:`message_flow` — the messages of a piece of work (one kubectl command and everything it
  set off) moving between the components, one message per frame, in the order the trace recorded;
* :class:`Timeline` — a generic Gantt chart of :class:`~kube_lab.viz.history.Span` bars with a
  time cursor sweeping across (later lessons use it for rolling updates, termination, traffic);
* :func:`pod_lifecycle` — each pod's STATUS over virtual time, replayed from etcd's history.

Figures are made with :class:`matplotlib.figure.Figure` directly (never pyplot), so nothing is
shown twice and no figure is left open.  Text forms are stable summaries (nbval compares them);
the HTML player holds random element ids, which the test suite's sanitize file masks.
"""
from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

from . import flow as _flow
from .history import Span, pod_spans
from .state import status_colour

if TYPE_CHECKING:  # pragma: no cover
    from ..cluster import Cluster

DPI = 80
_KIND_COLOUR = {"request": "#1565c0", "store": "#ef6c00", "watch": "#2e7d32"}


PNG_COLOURS = 128     # frames are flat diagrams: a 128-colour palette keeps them sharp and ~3x smaller


def _quantize(png: bytes) -> bytes:
    """The same picture as a palette PNG (what keeps embedded animations small)."""
    from PIL import Image

    im = Image.open(io.BytesIO(png)).convert("RGB")
    q = im.quantize(colors=PNG_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    out = io.BytesIO()
    q.save(out, format="png", optimize=True)
    return out.getvalue()


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    class PaletteFigure(Figure):
        """A figure whose PNGs (pictures and animation frames alike) use a small palette."""

        def savefig(self, fname, *args, **kwargs):
            fmt = kwargs.get("format") or (fname.rsplit(".", 1)[-1] if isinstance(fname, str) and "." in fname else "png")
            if fmt != "png":
                return super().savefig(fname, *args, **kwargs)
            buf = io.BytesIO()
            super().savefig(buf, *args, **kwargs)
            data = _quantize(buf.getvalue())
            if isinstance(fname, str):
                with open(fname, "wb") as f:
                    f.write(data)
            else:
                fname.write(data)

    fig = PaletteFigure(figsize=(width, height), dpi=DPI)
    fig.patch.set_facecolor("white")
    return fig


class Picture:
    """One static matplotlib figure: PNG in the notebook, a stable summary as text."""

    def __init__(self, fig, summary: str):
        self.fig = fig
        self.summary = summary
        self._png: bytes | None = None

    def png(self) -> bytes:
        if self._png is None:
            buf = io.BytesIO()
            self.fig.savefig(buf, format="png", dpi=DPI)
            self._png = buf.getvalue()
        return self._png

    def __repr__(self) -> str:
        return f"<Picture: {self.summary}>"

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"image/png": base64.b64encode(self.png()).decode("ascii"), "text/plain": repr(self)}


class Animation:
    """A frame-by-frame animation: ``draw(fig, i)`` draws frame ``i`` of ``frames``.

    Shown in Jupyter as matplotlib's JavaScript player; ``frame(i)`` is one frame as a
    :class:`Picture`; ``to_html()`` the player's HTML."""

    def __init__(self, fig, draw: Callable[[object, int], None], frames: int, summary: str,
                 interval: int = 500):
        self.fig = fig
        self._draw = draw
        self.frames = max(1, frames)
        self.summary = summary
        self.interval = interval
        self._html: str | None = None

    def frame(self, i: int) -> Picture:
        self._draw(self.fig, i)
        return Picture(self.fig, f"frame {i + 1}/{self.frames} of {self.summary}")

    def to_html(self) -> str:
        if self._html is None:
            from matplotlib.animation import FuncAnimation

            anim = FuncAnimation(self.fig, lambda i: self._draw(self.fig, i), frames=self.frames,
                                 interval=self.interval, repeat=False, blit=False, cache_frame_data=False)
            self._html = anim.to_jshtml(default_mode="once")
            anim._draw_was_started = True      # rendered: no "deleted without rendering" warning
        return self._html

    def __repr__(self) -> str:
        return f"<Animation ({self.frames} frames): {self.summary}>"

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.to_html(), "text/plain": repr(self)}


# ------------------------------------------------------------------------------------------
# message flow
def _short(component: str) -> str:
    if "/" in component:
        kind, _, where = component.partition("/")
        return f"{kind}\n{where}"
    return component


def _layout(components: Sequence[str]) -> dict[str, tuple[float, float]]:
    top = [c for c in components if c not in (_flow.APISERVER, _flow.ETCD)
           and not c.startswith(("kubelet/", "kube-proxy/"))]
    bottom = [c for c in components if c.startswith(("kubelet/", "kube-proxy/"))]
    pos = {_flow.APISERVER: (0.45, 0.5), _flow.ETCD: (0.85, 0.5)}
    for row, y in ((top, 0.87), (bottom, 0.13)):
        n = len(row)
        for i, c in enumerate(row):
            pos[c] = ((i + 0.5) / n if n else 0.5, y)
    return pos


def steps(msgs: Sequence[_flow.Message]) -> list[list[_flow.Message]]:
    """Group messages into steps: a watch event, the request it led to, and that request's write
    to etcd are one step."""
    out: list[list[_flow.Message]] = []
    for m in msgs:
        if m.kind == "store" and out and out[-1][-1].kind == "request":
            out[-1].append(m)
        elif m.kind == "request" and out and out[-1][-1].kind == "watch":
            out[-1].append(m)
        else:
            out.append([m])
    return out


def _edge_point(centre: tuple[float, float], size: tuple[float, float], towards: tuple[float, float],
                aspect: float) -> tuple[float, float]:
    """Where the line from a box's centre towards a point leaves the box."""
    (x, y), (w, h) = centre, size
    dx, dy = towards[0] - x, (towards[1] - y) / aspect
    if dx == 0 and dy == 0:
        return centre
    tx = (w / 2 + 0.008) / abs(dx) if dx else float("inf")
    ty = (h / 2 / aspect + 0.008) / abs(dy) if dy else float("inf")
    t = min(tx, ty)
    return (x + dx * t, y + dy * t * aspect)


def message_flow(cluster: "Cluster", since: int | None = None, until: int | None = None, *,
                 max_steps: int = 40, reads: bool = True, title: str | None = None,
                 **filters) -> Animation:
    """Animate the trace after mark ``since`` (take one with ``cluster.trace.mark()`` before the
    command): every request to kube-apiserver, every write to etcd and the watch events that
    wake the other components, in recorded order.  One frame per step (a watch event, the request
    it led to and that request's write to etcd), at most ``max_steps`` steps.  The filters of
    :func:`kube_lab.viz.flow.messages` apply (``reads=False`` hides GETs and LISTs)."""
    msgs = _flow.messages(cluster, since, until, reads=reads, **filters)
    all_steps = steps(msgs)
    shown = all_steps[:max_steps]
    flat = [m for st in shown for m in st]
    comps = _flow.components(flat) or [_flow.APISERVER, _flow.ETCD]
    if _flow.ETCD not in comps:
        comps.append(_flow.ETCD)
    pos = _layout(comps)
    fig = _figure(9.0, 6.0)
    heading = title or "How the components react, step by step"
    aspect = 0.62 * 6.0 / 9.0          # the diagram axes' height/width in inches, for the arrows

    def size(c: str) -> tuple[float, float]:
        return (0.2, 0.15) if c == _flow.APISERVER else (0.15, 0.15)

    state: dict = {}

    def setup(fig) -> None:
        """The parts that stay: component boxes and labels, headings, the legend."""
        from matplotlib.patches import FancyBboxPatch

        fig.clear()
        ax = fig.add_axes((0.01, 0.30, 0.98, 0.62))
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.axis("off")
        boxes, labels = {}, {}
        for c in comps:
            x, y = pos[c]
            w, h = size(c)
            face = "#bbdefb" if c == _flow.APISERVER else "#fffde7" if c == _flow.ETCD else \
                "#f1f8e9" if c.startswith(("kubelet/", "kube-proxy/")) else "#fff3e0" if c in ("kubectl", "user") else "#e8eaf6"
            boxes[c] = FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.005,rounding_size=0.02",
                                      facecolor=face, edgecolor="#757575", linewidth=1.0, zorder=2)
            ax.add_patch(boxes[c])
            labels[c] = ax.text(x, y, _short(c), ha="center", va="center", fontsize=10, zorder=3)
        fig.text(0.5, 0.965, heading, ha="center", va="center", fontsize=13, fontweight="bold")
        fig.text(0.98, 0.012, "blue: request to kube-apiserver    orange: write to etcd    green dashed: watch event",
                 ha="right", fontsize=8, color="#616161")
        state.update(fig=fig, ax=ax, boxes=boxes, labels=labels, arrows=[],
                     when=fig.text(0.5, 0.925, "", ha="center", va="center", fontsize=10, color="#424242"),
                     older=fig.text(0.02, 0.27, "", fontsize=8.5, family="monospace", va="top", color="#9e9e9e",
                                    linespacing=1.35),
                     current=[fig.text(0.02, 0.27, "", fontsize=8.5, family="monospace", va="top", fontweight="bold")
                              for _ in range(3)])

    def draw(fig, i: int) -> None:
        from matplotlib.patches import FancyArrowPatch

        if state.get("fig") is not fig:
            setup(fig)
        ax = state["ax"]
        step = shown[i] if shown else []
        active = {c for m in step for c in (m.source, m.target)}
        for c in comps:
            on = c in active
            state["boxes"][c].set_edgecolor("#c62828" if on else "#757575")
            state["boxes"][c].set_linewidth(2.5 if on else 1.0)
            state["labels"][c].set_fontweight("bold" if on else "normal")
        for arrow in state["arrows"]:
            arrow.remove()
        state["arrows"] = []
        # the previous step faintly, the current one strongly
        for back, st in ((1, shown[i - 1] if i > 0 else []), (0, step)):
            for m in st:
                if m.source not in pos or m.target not in pos:
                    continue
                a = _edge_point(pos[m.source], size(m.source), pos[m.target], aspect)
                b = _edge_point(pos[m.target], size(m.target), pos[m.source], aspect)
                rad = 0.3 if m.kind in ("watch", "request") else 0.0     # the two directions bend apart
                arrow = FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=16 if back == 0 else 10,
                                        connectionstyle=f"arc3,rad={rad}", color=_KIND_COLOUR.get(m.kind, "#424242"),
                                        linewidth=2.5 if back == 0 else 1, alpha=1.0 if back == 0 else 0.3,
                                        linestyle="--" if m.kind == "watch" else "-", zorder=4 - back)
                ax.add_patch(arrow)
                state["arrows"].append(arrow)
        state["when"].set_text(f"step {i + 1} of {len(shown)}   ·   virtual time t = {step[-1].time:.3f} s"
                               if step else "no requests recorded")
        # the log: a few earlier messages in grey, this step's in colour
        older = [m for st in shown[max(0, i - 3):i] for m in st][-(6 - len(step)):] if i else []
        state["older"].set_text("\n".join(_log_line(m) for m in older))
        y = 0.27 - 0.0345 * len(older)
        for k, t in enumerate(state["current"]):
            if k < len(step):
                t.set_text(_log_line(step[k]))
                t.set_color(_KIND_COLOUR.get(step[k].kind, "#212121"))
                t.set_y(y - 0.0345 * k)
            else:
                t.set_text("")

    summary = (f"{len(shown)} steps" + (f" (the first {len(shown)} of {len(all_steps)})" if len(all_steps) > len(shown) else "")
               + f", {len(flat)} messages between {len(comps)} components"
               + (f", t={flat[0].time:g}s to t={flat[-1].time:g}s" if flat else ""))
    return Animation(fig, draw, len(shown), summary, interval=900)


def _log_line(m: _flow.Message) -> str:
    return f"{m.source} → {m.target}: {m.text}"[:112]


# ------------------------------------------------------------------------------------------
# timelines
_PALETTE = ("#90caf9", "#a5d6a7", "#ffcc80", "#ce93d8", "#80cbc4", "#ef9a9a", "#b0bec5", "#fff59d")


class Timeline:
    """A Gantt chart of spans: one row per ``Span.row`` (in order of first appearance), bars
    coloured by ``Span.state`` (pod STATUS colours for pod states, a fixed palette otherwise).

    ``picture()`` draws it whole; ``animate(frames)`` sweeps a time cursor across it, bars growing
    as time passes.  ``markers`` are ``(time, label)`` pairs drawn as vertical lines (a command
    typed, a node failing …)."""

    def __init__(self, spans: Iterable[Span], *, title: str = "", start: float | None = None,
                 end: float | None = None, colours: dict[str, str] | None = None,
                 markers: Iterable[tuple[float, str]] = (), xlabel: str = "virtual time (s)"):
        self.spans = list(spans)
        self.title = title
        self.markers = sorted(markers)
        self.xlabel = xlabel
        self.rows: list[str] = []
        for s in self.spans:
            if s.row not in self.rows:
                self.rows.append(s.row)
        times = [s.start for s in self.spans] + [s.end for s in self.spans if s.end is not None] + \
            [t for t, _ in self.markers]
        self.start = start if start is not None else (min(times) if times else 0.0)
        self.end = end if end is not None else (max(times) if times else 1.0)
        if self.end <= self.start:
            self.end = self.start + 1.0
        self.colours: dict[str, str] = {}
        user = colours or {}
        k = 0
        for s in self.spans:
            if s.state in self.colours:
                continue
            if s.state in user:
                self.colours[s.state] = user[s.state]
                continue
            fill, _ = status_colour(s.state)
            if s.state in ("Running", "Pending", "ContainerCreating", "Terminating", "Completed") or fill == "#ffcdd2":
                self.colours[s.state] = {"Running": "#66bb6a", "Terminating": "#9e9e9e", "Pending": "#fff176",
                                         "Completed": "#42a5f5"}.get(s.state, "#ffb300" if fill == "#ffe082" else "#ef5350")
            else:
                self.colours[s.state] = _PALETTE[k % len(_PALETTE)]
                k += 1

    def _figure(self):
        return _figure(9.6, min(1.6 + 0.42 * len(self.rows), 9.0))

    def _setup(self, fig) -> dict:
        """Axes, rows, legend, one bar per span (sized later), marker lines and the cursor."""
        from matplotlib.patches import Patch

        fig.clear()
        few = len(self.rows) < 4
        ax = fig.add_axes((0.27, 0.2 if few else 0.12, 0.55, 0.68 if few else 0.78))
        span = self.end - self.start
        ax.set_xlim(self.start, self.end + span * 0.02)
        ax.set_ylim(-0.6, len(self.rows) - 0.4)
        ax.invert_yaxis()
        ax.set_yticks(range(len(self.rows)))
        ax.set_yticklabels(self.rows, fontsize=8.5)
        ax.set_xlabel(self.xlabel, fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
        ax.grid(axis="x", color="#eeeeee", zorder=0)
        bars = []
        for s in self.spans:
            y = self.rows.index(s.row)
            # the whole story, faintly, so that every frame shows where things are going
            ax.barh(y, max((s.end if s.end is not None else self.end) - s.start, span * 0.004), left=s.start,
                    height=0.6, color=self.colours[s.state], alpha=0.2, linewidth=0, zorder=1)
            bar = ax.barh(y, 0, left=s.start, height=0.6, color=self.colours[s.state], edgecolor="#424242",
                          linewidth=0.5, zorder=2)[0]
            label = ax.text(s.start, y, s.state, ha="center", va="center", fontsize=7.5, zorder=3, visible=False)
            bars.append((s, bar, label))
        markers = []
        for t, text in self.markers:
            markers.append((t, ax.axvline(t, color="#6a1b9a", linewidth=1, linestyle=":", zorder=1),
                            ax.text(t, -0.55, text, fontsize=7.5, color="#6a1b9a", va="bottom", ha="left")))
        handles = [Patch(facecolor=c, edgecolor="#424242", label=state) for state, c in self.colours.items()]
        if handles:
            ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
        cursor = ax.axvline(self.start, color="#c62828", linewidth=1.5, zorder=4)
        title = ax.set_title("", fontsize=10, loc="left")
        return {"fig": fig, "bars": bars, "markers": markers, "cursor": cursor, "title": title, "span": span}

    def _draw(self, fig, until: float, parts: dict | None = None) -> dict:
        parts = parts if parts is not None and parts.get("fig") is fig else self._setup(fig)
        span = parts["span"]
        for s, bar, label in parts["bars"]:
            end = min(s.end if s.end is not None else self.end, until)
            visible = s.start <= until
            width = max(end - s.start, span * 0.004) if visible else 0
            bar.set_width(width)
            bar.set_visible(visible)
            label.set_visible(visible and width > span * 0.0125 * (len(s.state) + 2))
            label.set_x(s.start + width / 2)
        for t, line, text in parts["markers"]:
            line.set_visible(t <= until)
            text.set_visible(t <= until)
        parts["cursor"].set_xdata([until, until])
        parts["cursor"].set_visible(until < self.end)
        now = min(until, self.end)
        parts["title"].set_text(f"{self.title}   t = {now:.1f} s" if self.title else f"t = {now:.1f} s")
        return parts

    def summary(self) -> str:
        states = ", ".join(self.colours)
        return (f"{len(self.rows)} rows, {len(self.spans)} spans from t={self.start:g}s to t={self.end:g}s"
                + (f" ({states})" if states else ""))

    def picture(self) -> Picture:
        fig = self._figure()
        self._draw(fig, self.end)
        return Picture(fig, f"{self.title + ': ' if self.title else ''}{self.summary()}")

    def animate(self, frames: int = 30, interval: int = 250) -> Animation:
        fig = self._figure()
        frames = max(2, frames)
        step = (self.end - self.start) / (frames - 1)
        parts: dict = {}

        def draw(fig, i: int) -> None:
            parts.update(self._draw(fig, self.start + i * step if i < frames - 1 else self.end, parts))

        return Animation(fig, draw, frames, f"{self.title + ': ' if self.title else ''}{self.summary()}",
                         interval=interval)

    def __repr__(self) -> str:
        return f"<Timeline: {self.summary()}>"

    def _repr_mimebundle_(self, include=None, exclude=None):
        return self.picture()._repr_mimebundle_(include, exclude)


def gantt(spans: Iterable[Span], *, frames: int = 30, **options) -> Animation:
    """Animate spans as a Gantt chart (see :class:`Timeline` for the options)."""
    return Timeline(spans, **options).animate(frames)


def pod_lifecycle(cluster: "Cluster", namespace: str = "default", selector: str | None = None,
                  since: float = 0.0, until: float | None = None, *, animate: bool = True,
                  frames: int = 30, markers: Iterable[tuple[float, str]] = ()):
    """Each pod's STATUS over virtual time (Pending → ContainerCreating → Running → Terminating
    …), replayed from etcd's history: an animation, or with ``animate=False`` a static
    :class:`Timeline`."""
    spans = pod_spans(cluster, namespace, selector, since)
    tl = Timeline(spans, title="Pod lifecycle" + (f" ({selector})" if selector else ""), start=since,
                  end=until if until is not None else cluster.now, markers=markers)
    return tl.animate(frames) if animate else tl
