"""A packet's trip through the pod network, drawn from a request's real trace.

* :func:`packet_trip` — an animation of one :class:`~kube_lab.network.traffic.RequestResult`:
  the cluster's nodes (eth0 on kind's docker network, the kernel's routes and iptables, the
  ``cni0`` bridge, each pod on its veth pair) with the packet moving hop by hop as the trace
  (``result.hops``) recorded it, each frame captioned with that hop;
* :class:`PathExplorer` — two dropdowns (source: outside, a node or a pod; destination: a pod IP,
  a hostPort or hostNetwork port on a node IP, a Service's cluster IP), a player that steps
  through the trip, and the trace as text.  Choosing sends a real request (the virtual clock
  moves by its few milliseconds); a static view shows the whole trip as one picture;
* :func:`ip_route` — a node's or a pod's routing table as ``ip route`` prints it
  (:meth:`kube_lab.network.routing.NetworkModel.ip_route`).

The picture follows the lab's pod network (:mod:`kube_lab.network.routing`): a bridge per node
holding the first address of the node's pod CIDR, one veth pair per pod, a route per other
node's pod CIDR via that node's IP.
"""
from __future__ import annotations

import base64
import html
import re
import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .animations import Animation, Picture, _figure
from .state import node_ip, viz_client

if TYPE_CHECKING:  # pragma: no cover
    from ..cluster import Cluster
    from ..network.traffic import RequestResult

BAR_Y = 0.86            # kind's docker network
ETH0_Y = 0.74           # a node's eth0, on the node box's top edge
KERNEL_Y = 0.61         # routes and iptables
BRIDGE_Y = 0.45         # cni0
POD_ROWS = (0.25, 0.08)  # pod boxes (centres), two rows
OUTSIDE_X = 0.085
POD_W, POD_H = 0.12, 0.105
MAX_PODS = 3            # per node: two side by side, a third below them

_PACKET = "#d84315"
_TRAIL = "#ef6c00"
_OK, _BAD = "#2e7d32", "#c62828"


# ------------------------------------------------------------------------------------------
# what the picture holds
@dataclass
class _Pod:
    label: str           # "ns/name"
    ip: str
    node: str
    uid: str = ""
    host_network: bool = False
    x: float = 0.0
    y: float = 0.0

    @property
    def name(self) -> str:
        return self.label.split("/", 1)[-1]


@dataclass
class _Node:
    name: str
    ip: str
    cidr: str
    x0: float = 0.0
    x1: float = 0.0
    pods: list[_Pod] = field(default_factory=list)
    host_pods: list[_Pod] = field(default_factory=list)
    hidden: int = 0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def gateway(self) -> str:
        if not self.cidr:
            return ""
        import ipaddress

        return str(next(ipaddress.ip_network(self.cidr).hosts()))

    def kernel_x(self) -> float:
        return self.cx - (0.22 * (self.x1 - self.x0) if self.host_pods else 0.0)


class _Layout:
    """Nodes as columns under the docker network, pods under their node's bridge."""

    def __init__(self, nodes: list[dict], pods: list[dict], keep: set[str], namespace: str | None):
        from ..network.routing import veth_name

        self.nodes: dict[str, _Node] = {}
        for n in sorted(nodes, key=lambda n: n["metadata"]["name"]):
            self.nodes[n["metadata"]["name"]] = _Node(n["metadata"]["name"], node_ip(n),
                                                      (n.get("spec") or {}).get("podCIDR") or "")
        self.pods: dict[str, _Pod] = {}
        chosen = []
        for p in sorted(pods, key=lambda p: (p["metadata"].get("namespace", ""), p["metadata"]["name"])):
            md, spec, st = p["metadata"], p.get("spec") or {}, p.get("status") or {}
            label = f"{md.get('namespace', '')}/{md['name']}"
            if not st.get("podIP") or st.get("phase") in ("Succeeded", "Failed") or spec.get("nodeName") not in self.nodes:
                continue
            if label not in keep and (namespace is not None and md.get("namespace") != namespace
                                      or md.get("deletionTimestamp")):
                continue
            chosen.append(_Pod(label, st["podIP"], spec["nodeName"], md.get("uid", ""), bool(spec.get("hostNetwork"))))
        for pod in chosen:
            node = self.nodes[pod.node]
            if pod.host_network:
                node.host_pods.append(pod)
            elif len(node.pods) < MAX_PODS or pod.label in keep:
                node.pods.append(pod)
            else:
                node.hidden += 1
            self.pods[pod.label] = pod
        for node in self.nodes.values():            # the pods of the trip first when a node is full
            if len(node.pods) > MAX_PODS:
                extra = [p for p in node.pods if p.label not in keep][:len(node.pods) - MAX_PODS]
                node.pods = [p for p in node.pods if p not in extra]
                node.hidden += len(extra)
                for p in extra:
                    del self.pods[p.label]
        self.veths = {veth_name(p.uid or p.label): p for p in self.pods.values() if not p.host_network}
        # columns
        n = max(len(self.nodes), 1)
        left, right, gap = 0.19, 0.995, 0.012
        width = (right - left - gap * (n - 1)) / n
        for i, node in enumerate(self.nodes.values()):
            node.x0 = left + i * (width + gap)
            node.x1 = node.x0 + width
            for k, pod in enumerate(node.pods):
                pod.x, pod.y = _slot(node, width, k, len(node.pods))
            for k, pod in enumerate(node.host_pods):
                pod.x = node.cx + 0.28 * width
                pod.y = KERNEL_Y - 0.09 * k
        self.width = width

    # -- positions ---------------------------------------------------------------------------
    def node_by_ip(self, ip: str) -> _Node | None:
        return next((n for n in self.nodes.values() if n.ip == ip), None)

    def eth0(self, node: _Node) -> tuple[float, float]:
        return (node.cx, ETH0_Y)

    def kernel(self, node: _Node) -> tuple[float, float]:
        return (node.kernel_x(), KERNEL_Y)


# ------------------------------------------------------------------------------------------
# hops → points
_POD_IN = re.compile(r"\(veth of pod ([^)]+)\)")
_TO_IP = re.compile(r"to (\d+\.\d+\.\d+\.\d+)")
_VETH = re.compile(r"\b(veth[0-9a-f]{8})\b")


@dataclass
class _Stop:
    kind: str            # outside | bar | eth0 | kernel | bridge | veth | pod | host
    x: float
    y: float
    node: str = ""
    pod: str = ""


def _stops(layout: _Layout, hops: list, answered_by: str | None = None) -> list[_Stop]:
    """Where the packet is at each hop."""
    out: list[_Stop] = []
    last_node = ""
    for h in hops:
        where, what = h.where, h.what
        if where == "outside":
            out.append(_Stop("outside", OUTSIDE_X, BAR_Y + 0.055))
            continue
        if where == "docker network":
            m = _TO_IP.search(what)
            node = layout.node_by_ip(m.group(1)) if m else None
            x = node.cx if node is not None else (out[-1].x if out else 0.5)
            out.append(_Stop("bar", x, BAR_Y, node.name if node else ""))
            continue
        if where.startswith("pod "):
            label = where[4:]
            pod = layout.pods.get(label)
            if pod is None:
                pod = _placeholder(layout, label, last_node)
            if pod.host_network:
                out.append(_Stop("host", pod.x, pod.y, pod.node, pod.label))
            else:
                out.append(_Stop("pod", pod.x, pod.y + POD_H / 2, pod.node, pod.label))
            last_node = pod.node
            continue
        if where.startswith("node "):
            name = where[5:]
            node = layout.nodes.get(name)
            if node is None:
                out.append(_Stop("outside", OUTSIDE_X, BAR_Y + 0.055))
                continue
            last_node = name
            m = _POD_IN.search(what)
            if m:                                   # cni0 → vethX (veth of pod P): into the pod's veth
                pod = layout.pods.get(m.group(1)) or _placeholder(layout, m.group(1), name)
                out.append(_Stop("bridge", pod.x, BRIDGE_Y, name, pod.label))
                continue
            m = _VETH.match(what)
            if m and m.group(1) in layout.veths:     # leaving a pod through its veth
                pod = layout.veths[m.group(1)]
                out.append(_Stop("veth", pod.x, (BRIDGE_Y + pod.y + POD_H / 2) / 2, name, pod.label))
                continue
            if what.startswith("eth0"):
                out.append(_Stop("eth0", *layout.eth0(node), node=name))
                continue
            if "accepted by" in what or what.startswith(("HTTP/", "TCP handshake", "nothing listens")):
                host = _host_pod(node, answered_by)
                if host is not None:
                    out.append(_Stop("host", host.x, host.y, name, host.label))
                    continue
            out.append(_Stop("kernel", *layout.kernel(node), node=name))
            continue
        out.append(_Stop("outside", OUTSIDE_X, BAR_Y + 0.055))
    return out


def _slot(node: _Node, width: float, k: int, n: int) -> tuple[float, float]:
    """Where the ``k``-th of ``n`` pods of a node sits: one in the middle, two side by side, a
    third below them (its veth passes between the two)."""
    if n == 1 or k == 2:
        return node.cx, POD_ROWS[0 if n == 1 else 1]
    return node.cx + (k - 0.5) * width * 0.5, POD_ROWS[0]


def _host_pod(node: _Node, answered_by: str | None) -> _Pod | None:
    """The hostNetwork pod on ``node`` a host-level hop belongs to (the one that answered, if
    it is one of them)."""
    for p in node.host_pods:
        if p.label == answered_by:
            return p
    return node.host_pods[0] if len(node.host_pods) == 1 else None


def _placeholder(layout: _Layout, label: str, node_name: str) -> _Pod:
    """A pod the trace names that the cluster no longer lists (deleted since)."""
    node = layout.nodes.get(node_name) or next(iter(layout.nodes.values()))
    pod = _Pod(label, "?", node.name)
    k = len(node.pods)
    pod.x, pod.y = _slot(node, layout.width, min(k, MAX_PODS - 1), k + 1)
    if k < MAX_PODS:
        node.pods.append(pod)
    layout.pods[label] = pod
    return pod


def _leg(a: _Stop, b: _Stop) -> list[tuple[float, float]]:
    """The line from one stop to the next, along the wires: up to the docker network, across and
    down; between a pod and its node's kernel, along the veth and the bridge."""
    start, end = (a.x, a.y), (b.x, b.y)
    if a.kind == "bar" and b.kind in ("eth0", "outside"):
        return [start, (b.x, BAR_Y), end]
    if b.kind == "bar" and a.kind in ("eth0", "outside", "kernel", "host"):
        return [start, (a.x, BAR_Y), end]
    lower, upper = ("veth", "bridge", "pod"), ("kernel", "eth0")
    if a.node and a.node == b.node and (a.kind in lower and b.kind in upper or a.kind in upper and b.kind in lower):
        return [start, (a.x, BRIDGE_Y), (b.x, BRIDGE_Y), end]
    return [start, end]


# ------------------------------------------------------------------------------------------
def _short(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False)[:2] or [""]


def _draw_map(fig, layout: _Layout, heading: str, colour: str) -> dict:
    from matplotlib.patches import FancyBboxPatch, Rectangle

    fig.clear()
    ax = fig.add_axes((0.0, 0.235, 1.0, 0.70))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 0.97)
    ax.axis("off")
    parts: dict = {"ax": ax, "bounds": {}}
    # the host and kind's docker network
    ax.plot([0.015, 0.995], [BAR_Y, BAR_Y], color="#546e7a", linewidth=3, solid_capstyle="round", zorder=1)
    ax.text(0.995, BAR_Y + 0.018, "kind's docker network 172.18.0.0/16", ha="right", va="bottom", fontsize=7.5,
            color="#546e7a")
    out = FancyBboxPatch((OUTSIDE_X - 0.07, BAR_Y + 0.02), 0.14, 0.075, boxstyle="round,pad=0.004,rounding_size=0.01",
                         facecolor="#eceff1", edgecolor="#78909c", zorder=2)
    ax.add_patch(out)
    parts["bounds"]["outside"] = (OUTSIDE_X - 0.07, BAR_Y + 0.02, 0.14, 0.075)
    ax.text(OUTSIDE_X, BAR_Y + 0.057, "outside: the host\n172.18.0.1", ha="center", va="center", fontsize=7, zorder=3)
    ax.plot([OUTSIDE_X, OUTSIDE_X], [BAR_Y, BAR_Y + 0.02], color="#546e7a", linewidth=1.5, zorder=1)
    for node in layout.nodes.values():
        w = node.x1 - node.x0
        box = FancyBboxPatch((node.x0, 0.005), w, ETH0_Y - 0.005, boxstyle="round,pad=0.0,rounding_size=0.012",
                             facecolor="#f9fbf5", edgecolor="#9ccc65", linewidth=1.2, zorder=0)
        ax.add_patch(box)
        ax.text(node.x0 + 0.008, ETH0_Y - 0.022, f"node {node.name}", fontsize=7.5, fontweight="bold", va="top",
                zorder=3)
        ax.text(node.x0 + 0.008, ETH0_Y - 0.062, f"pod CIDR {node.cidr or '-'}", fontsize=6.5, va="top",
                color="#555555", zorder=3)
        # eth0 on the docker network
        ax.plot([node.cx, node.cx], [ETH0_Y, BAR_Y], color="#546e7a", linewidth=1.5, zorder=1)
        eth = FancyBboxPatch((node.cx - 0.055, ETH0_Y - 0.018), 0.11, 0.036, boxstyle="round,pad=0.002,rounding_size=0.01",
                             facecolor="#e3f2fd", edgecolor="#1e88e5", zorder=2)
        ax.add_patch(eth)
        parts["bounds"][("eth0", node.name)] = (node.cx - 0.055, ETH0_Y - 0.018, 0.11, 0.036)
        ax.text(node.cx, ETH0_Y, f"eth0 {node.ip}", ha="center", va="center", fontsize=6.5, zorder=3)
        # the kernel: routes and iptables
        kx = node.kernel_x()
        ker = FancyBboxPatch((kx - 0.07, KERNEL_Y - 0.032), 0.14, 0.064, boxstyle="round,pad=0.002,rounding_size=0.01",
                             facecolor="#fff8e1", edgecolor="#ffb300", zorder=2)
        ax.add_patch(ker)
        parts["bounds"][("kernel", node.name)] = (kx - 0.07, KERNEL_Y - 0.032, 0.14, 0.064)
        ax.text(kx, KERNEL_Y, "kernel: routes,\niptables (NAT)", ha="center", va="center", fontsize=6.2, zorder=3)
        ax.plot([kx, kx], [KERNEL_Y + 0.032, ETH0_Y - 0.018], color="#b0bec5", linewidth=1, zorder=1)
        ax.plot([kx, kx], [BRIDGE_Y, KERNEL_Y - 0.032], color="#b0bec5", linewidth=1, zorder=1)
        # hostNetwork pods share the node's network namespace
        for hp in node.host_pods:
            hw = min(0.09, 0.4 * w)
            b = FancyBboxPatch((hp.x - hw / 2, hp.y - 0.035), hw, 0.07, boxstyle="round,pad=0.002,rounding_size=0.01",
                               facecolor="#ede7f6", edgecolor="#7e57c2", linestyle="--", zorder=2)
            ax.add_patch(b)
            parts["bounds"][("pod", hp.label)] = (hp.x - hw / 2, hp.y - 0.035, hw, 0.07)
            ax.text(hp.x, hp.y, f"{_clip(hp.name, 16)}\nhostNetwork", ha="center", va="center", fontsize=5.8, zorder=3)
        # the bridge and the pods on their veths
        if node.cidr:
            br = Rectangle((node.x0 + 0.012, BRIDGE_Y - 0.012), w - 0.024, 0.024, facecolor="#e0f2f1",
                           edgecolor="#26a69a", zorder=2)
            ax.add_patch(br)
            ax.text(node.x0 + 0.016, BRIDGE_Y, f"cni0 {node.gateway}", va="center", fontsize=6, zorder=3)
        for pod in node.pods:
            ax.plot([pod.x, pod.x], [BRIDGE_Y - 0.012, pod.y + POD_H / 2], color="#26a69a", linewidth=1.2, zorder=1.5)
            pw = POD_W * min(1.0, layout.width / 0.27)
            bounds = (pod.x - pw / 2, pod.y - POD_H / 2, pw, POD_H)
            ax.add_patch(FancyBboxPatch(bounds[:2], pw, POD_H, boxstyle="round,pad=0.002,rounding_size=0.01",
                                        facecolor="#e8f5e9", edgecolor="#43a047", zorder=2))
            parts["bounds"][("pod", pod.label)] = bounds
            ax.text(pod.x, pod.y + 0.034, f"eth0 {pod.ip}", ha="center", va="top", fontsize=5.6, color="#37474f",
                    zorder=3)
            ax.text(pod.x, pod.y - 0.012, f"pod\n{_clip(pod.name, 19)}", ha="center", va="center", fontsize=5.6,
                    zorder=3, linespacing=1.2)
        if node.hidden:
            ax.text(node.x1 - 0.008, 0.012, f"+{node.hidden} more", ha="right", va="bottom", fontsize=6, color="#757575")
    fig.text(0.5, 0.975, heading, ha="center", va="top", fontsize=9, fontweight="bold", color=colour)
    return parts


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[:n - 1] + "…"


def _headline(result: "RequestResult") -> str:
    return _clip(result.headline(), 118)


def _fonts(dpi: float):
    """The caption fonts (matplotlib's DejaVu Sans Mono, for PIL)."""
    from matplotlib import font_manager
    from PIL import ImageFont

    bold = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans Mono", weight="bold"))
    plain = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans Mono"))
    return (ImageFont.truetype(bold, size=round(8.2 * dpi / 72)), ImageFont.truetype(plain, size=round(7.2 * dpi / 72)))


class _Trip:
    """The drawing of one request: a map of the cluster and the packet's stops.  The map is
    rendered once; each frame adds only what moves (the trail, the packet, the captions), which
    keeps an animation of a dozen hops to a fraction of a second."""

    def __init__(self, cluster: "Cluster", result: "RequestResult", namespace: str | None = "default"):
        client = viz_client(cluster)
        keep = {h.where[4:] for h in result.hops if h.where.startswith("pod ")}
        keep |= {m.group(1) for h in result.hops for m in [_POD_IN.search(h.what)] if m}
        self.layout = _Layout(client.list("nodes")["items"], client.list("pods", None)["items"], keep, namespace)
        self.result = result
        self.hops = list(result.hops)
        self.stops = _stops(self.layout, self.hops, result.pod)
        self.fig = _figure(10.0, 5.6)
        self.parts: dict = {}
        self._cache: dict[int, bytes] = {}
        self._palette = None

    @property
    def frames(self) -> int:
        return max(1, len(self.hops))

    def _setup(self) -> None:
        from matplotlib.patches import FancyBboxPatch

        fig = self.fig
        self.parts = _draw_map(fig, self.layout, _headline(self.result), _OK if self.result.ok else _BAD)
        ax = self.parts["ax"]
        p = self.parts
        p["trail"] = ax.plot([], [], color=_TRAIL, linewidth=2.4, alpha=0.85, zorder=5, solid_capstyle="round")[0]
        p["dot"] = ax.plot([], [], "o", color=_PACKET, markersize=9, markeredgecolor="white", zorder=6)[0]
        p["cross"] = ax.plot([], [], "x", color=_BAD, markersize=12, markeredgewidth=3, zorder=7)[0]
        p["mark"] = ax.add_patch(FancyBboxPatch((0, 0), 0.1, 0.1, boxstyle="round,pad=0.003,rounding_size=0.012",
                                                facecolor="none", edgecolor=_PACKET, linewidth=2.2, zorder=4))
        p["moving"] = [p["trail"], p["dot"], p["cross"], p["mark"]]
        p["captions"] = ("", "")

    def show(self, i: int) -> None:
        """Set the moving parts to frame ``i``."""
        if not self.parts:
            self._setup()
        p = self.parts
        i = max(0, min(i, self.frames - 1))
        pts: list[tuple[float, float]] = []
        for k in range(1, min(i, len(self.stops) - 1) + 1):
            leg = _leg(self.stops[k - 1], self.stops[k])
            pts.extend(leg if not pts else leg[1:])
        if not pts and self.stops:
            pts = [(self.stops[0].x, self.stops[0].y)]
        p["trail"].set_data([q[0] for q in pts], [q[1] for q in pts])
        p["mark"].set_visible(False)
        p["dot"].set_data([], [])
        p["cross"].set_data([], [])
        if self.stops:
            s = self.stops[min(i, len(self.stops) - 1)]
            if i == self.frames - 1 and not self.result.ok:
                p["cross"].set_data([s.x], [s.y])
            else:
                p["dot"].set_data([s.x], [s.y])
            key = {"outside": "outside", "eth0": ("eth0", s.node), "kernel": ("kernel", s.node),
                   "pod": ("pod", s.pod), "host": ("pod", s.pod)}.get(s.kind)
            bounds = p["bounds"].get(key)
            if bounds is not None:
                p["mark"].set_bounds(*bounds)
                p["mark"].set_visible(True)
        if self.hops:
            h = self.hops[i]
            step = "\n".join(_short(f"{i + 1}/{len(self.hops)}  {h.where}: {h.what}", 112))
            older = [f"{k + 1}/{len(self.hops)}  {self.hops[k].where}: {self.hops[k].what}"
                     for k in range(max(0, i - 4), i)]
            p["captions"] = (step, "\n".join(_clip(t, 128) for t in reversed(older)))
        else:
            p["captions"] = (self.result.error or "no hops recorded", "")

    def frames_png(self, indices) -> list[bytes]:
        """PNG frames: the map drawn once, the moving parts drawn onto a copy for each frame."""
        import io

        import numpy as np
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from PIL import Image, ImageDraw

        from .animations import PNG_COLOURS

        wanted = [i for i in indices if i not in self._cache]
        if wanted:
            if not self.parts:
                self._setup()
            fig = self.fig
            before = fig.canvas
            canvas = FigureCanvasAgg(fig)
            moving = self.parts["moving"]
            try:
                for a in moving:
                    a.set_animated(True)
                canvas.draw()
                background = canvas.copy_from_bbox(fig.bbox)
                renders = {}
                bold, plain = _fonts(fig.dpi)
                height = canvas.get_width_height()[1]
                for i in sorted(set(wanted) | ({self.frames - 1} if self._palette is None else set())):
                    self.show(i)
                    canvas.restore_region(background)
                    for a in moving:
                        if a.get_visible():
                            fig.draw_artist(a)
                    im = Image.fromarray(np.asarray(canvas.buffer_rgba())[:, :, :3].copy())
                    # the captions, drawn by PIL (matplotlib's glyph rendering is the slow part)
                    step, older = self.parts["captions"]
                    draw = ImageDraw.Draw(im)
                    draw.multiline_text((0.012 * im.width, height * (1 - 0.215)), step, fill=(33, 33, 33),
                                        font=bold, spacing=3)
                    draw.multiline_text((0.012 * im.width, height * (1 - 0.135)), older, fill=(150, 150, 150),
                                        font=plain, spacing=3)
                    renders[i] = im
            finally:
                for a in moving:
                    a.set_animated(False)
                fig.set_canvas(before)
            if self._palette is None:      # one palette for every frame: the whole trip's colours
                self._palette = renders[self.frames - 1].quantize(colors=PNG_COLOURS, method=Image.Quantize.MEDIANCUT,
                                                                  dither=Image.Dither.NONE)
            for i, im in renders.items():
                buf = io.BytesIO()
                im.quantize(palette=self._palette, dither=Image.Dither.NONE).save(buf, format="png")
                self._cache[i] = buf.getvalue()
        return [self._cache[i] for i in indices]

    def summary(self) -> str:
        nodes: list[str] = []
        for s in self.stops:
            if s.node and s.node not in nodes:
                nodes.append(s.node)
        where = f" across {', '.join(nodes)}" if nodes else ""
        return f"{_headline(self.result)} ({len(self.hops)} hops{where})"

    def picture(self) -> Picture:
        """The whole trip in one picture (the last frame)."""
        pic = Picture(self.fig, self.summary())
        pic._png = self.frames_png([self.frames - 1])[0]
        return pic


class _TripAnimation(Animation):
    """An :class:`~kube_lab.viz.Animation` whose player gets the frames :meth:`_Trip.frames_png`
    composes."""

    def __init__(self, trip: _Trip):
        self.trip = trip
        super().__init__(trip.fig, lambda fig, i: trip.show(i), trip.frames, trip.summary(), interval=1100)

    def frame(self, i: int) -> Picture:
        pic = Picture(self.fig, f"frame {i + 1}/{self.frames} of {self.summary}")
        pic._png = self.trip.frames_png([i])[0]
        return pic

    def to_html(self) -> str:
        if self._html is None:
            from matplotlib.animation import FuncAnimation

            frames = iter(self.trip.frames_png(list(range(self.frames))))
            fig = self.fig

            def grab(fname, *args, **kwargs):        # what HTMLWriter asks for each frame
                fname.write(next(frames))

            fig.savefig = grab
            try:
                anim = FuncAnimation(fig, lambda i: None, frames=self.frames, interval=self.interval,
                                     repeat=False, blit=False, cache_frame_data=False)
                self._html = anim.to_jshtml(default_mode="once")
                anim._draw_was_started = True
            finally:
                del fig.savefig
        return self._html


def packet_trip(cluster: "Cluster", result: "RequestResult", *, namespace: str | None = "default",
                animate: bool = True) -> "Animation | Picture":
    """Animate ``result`` (from ``cluster.request(...)``) on a map of ``cluster``: one frame per
    hop of its trace, the packet moving from the client to the server (or to where it was
    dropped).  Pods of ``namespace`` (``None``: every namespace) and the pods the trip touches are
    drawn.  ``animate=False`` gives the whole trip as one picture."""
    trip = _Trip(cluster, result, namespace)
    return _TripAnimation(trip) if animate else trip.picture()


# ------------------------------------------------------------------------------------------
def ip_route(cluster: "Cluster", who: str) -> str:
    """``ip route`` on node ``who`` (a node name) or in a pod (``name``, ``namespace/name`` or its
    IP; a bare name is looked up in ``default``)."""
    from ..network.routing import NetworkModel

    client = viz_client(cluster)
    model = NetworkModel.from_objects(client.list("nodes")["items"], client.list("pods", None)["items"])
    if who not in model.nodes and "/" not in who and not re.fullmatch(r"[\d.]+", who):
        who = f"default/{who}"
    try:
        return model.ip_route(who)
    except KeyError:
        raise KeyError(f"no node or running pod named {who!r}") from None


# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    label: str
    url: str


def sources(cluster: "Cluster", namespace: str = "default") -> list[str]:
    """Where a request can start: ``outside``, every node, every running pod of ``namespace``."""
    client = viz_client(cluster)
    out = ["outside"] + [f"node/{n['metadata']['name']}" for n in
                         sorted(client.list("nodes")["items"], key=lambda n: n["metadata"]["name"])]
    for p in sorted(client.list("pods", namespace)["items"], key=lambda p: p["metadata"]["name"]):
        if (p.get("status") or {}).get("phase") == "Running" and not p["metadata"].get("deletionTimestamp"):
            out.append(f"pod/{p['metadata']['name']}")
    return out


def targets(cluster: "Cluster", namespace: str = "default", path: str = "/") -> list[Target]:
    """Where a request can go: each running pod's IP and container port, each hostPort on its
    node's IP, each hostNetwork pod's port on its node's IP, each Service's cluster IP."""
    client = viz_client(cluster)
    nodes = {n["metadata"]["name"]: node_ip(n) for n in client.list("nodes")["items"]}
    pod_t, host_t = [], []
    for p in sorted(client.list("pods", namespace)["items"], key=lambda p: p["metadata"]["name"]):
        md, spec, st = p["metadata"], p.get("spec") or {}, p.get("status") or {}
        if st.get("phase") != "Running" or md.get("deletionTimestamp") or not st.get("podIP"):
            continue
        ports = [pt for c in spec.get("containers") or () for pt in c.get("ports") or ()
                 if (pt.get("protocol") or "TCP") == "TCP"] or [{"containerPort": 80}]
        node = spec.get("nodeName", "")
        for pt in ports:
            cport = pt.get("containerPort")
            if spec.get("hostNetwork"):
                host_t.append(Target(f"node {node} {nodes.get(node, '')}:{cport} (hostNetwork pod {md['name']})",
                                     f"http://{nodes.get(node, '')}:{cport}{path}"))
                continue
            pod_t.append(Target(f"pod {md['name']} {st['podIP']}:{cport}", f"http://{st['podIP']}:{cport}{path}"))
            if pt.get("hostPort"):
                host_t.append(Target(f"node {node} {nodes.get(node, '')}:{pt['hostPort']} (hostPort → {md['name']})",
                                     f"http://{nodes.get(node, '')}:{pt['hostPort']}{path}"))
    svc_t = []
    for s in sorted(client.list("services", namespace)["items"], key=lambda s: s["metadata"]["name"]):
        spec = s.get("spec") or {}
        ip = spec.get("clusterIP")
        if not ip or ip == "None" or s["metadata"]["name"] == "kubernetes":
            continue
        for pt in spec.get("ports") or ():
            if (pt.get("protocol") or "TCP") == "TCP":
                svc_t.append(Target(f"service {s['metadata']['name']} {ip}:{pt['port']} (cluster IP)",
                                    f"http://{ip}:{pt['port']}{path}"))
    return pod_t + host_t + svc_t


class PathExplorer:
    """Pick where a request starts and where it goes; the explorer sends it
    (``cluster.request``) and plays the packet's trip hop by hop, with the trace underneath.

    ``choose(source, destination)`` does what the dropdowns do (``destination`` is a target's
    label or its URL); ``result`` is the last request.  Each choice is a real request, so the
    cluster's virtual clock moves by its duration (a failing one by up to ``timeout``)."""

    def __init__(self, cluster: "Cluster", source: str = "outside", destination: str | None = None, *,
                 namespace: str = "default", path: str = "/", timeout: float = 1.0):
        self.cluster, self.namespace, self.path, self.timeout = cluster, namespace, path, timeout
        self.sources = sources(cluster, namespace)
        self.targets = targets(cluster, namespace, path)
        if not self.targets:
            raise ValueError(f"nothing to send a request to in namespace {namespace!r}: start a pod first")
        self.source = source if source in self.sources else self.sources[0]
        self.target = self._target(destination) if destination else self.targets[0]
        self.widget = None
        self._busy = False
        self._send()
        try:
            import ipywidgets as w
        except ImportError:  # pragma: no cover - the lab extra is not installed
            return
        style = {"description_width": "90px"}
        wide = w.Layout(width="560px")
        self.source_picker = w.Dropdown(options=self.sources, value=self.source, description="from", style=style,
                                        layout=wide)
        self.target_picker = w.Dropdown(options=[(t.label, t.url) for t in self.targets], value=self.target.url,
                                        description="to", style=style, layout=wide)
        self.player = w.Play(value=self.trip.frames - 1, min=0, max=self.trip.frames - 1, interval=900,
                             description="play")
        self.slider = w.IntSlider(value=self.trip.frames - 1, min=0, max=self.trip.frames - 1, description="hop",
                                  style=style, continuous_update=True)
        w.jslink((self.player, "value"), (self.slider, "value"))
        self.image = w.Image(value=self._png(self.slider.value), format="png", layout=w.Layout(max_width="100%"))
        self.trace = w.HTML(value=self._trace_html())
        self.source_picker.observe(lambda ch: self.choose(source=ch["new"]), names="value")
        self.target_picker.observe(lambda ch: self.choose(destination=ch["new"]), names="value")
        self.slider.observe(lambda ch: self._show(ch["new"]), names="value")
        self.widget = w.VBox([self.source_picker, self.target_picker, w.HBox([self.player, self.slider]),
                              self.image, self.trace])

    # -- choosing ----------------------------------------------------------------------------
    def _target(self, destination: str) -> Target:
        for t in self.targets:
            if destination in (t.label, t.url):
                return t
        raise KeyError(f"no destination {destination!r} (choose one of: {', '.join(t.label for t in self.targets)})")

    def _send(self) -> None:
        self.result = self.cluster.request(self.target.url, self.source, namespace=self.namespace,
                                           timeout=self.timeout)
        self.trip = _Trip(self.cluster, self.result, self.namespace)

    def choose(self, source: str | None = None, destination: str | None = None) -> "RequestResult":
        """Send a request from ``source`` to ``destination`` (either may be left as it is)."""
        if self._busy:
            return self.result
        self._busy = True
        try:
            if source is not None:
                if source not in self.sources:
                    raise KeyError(f"no source {source!r} (choose one of: {', '.join(self.sources)})")
                self.source = source
            if destination is not None:
                self.target = self._target(destination)
            self._send()
            if self.widget is not None:
                last = self.trip.frames - 1
                self.source_picker.value = self.source
                self.target_picker.value = self.target.url
                self.player.max = self.slider.max = last
                self.player.value = self.slider.value = 0
                self._show(0)
                self.trace.value = self._trace_html()
        finally:
            self._busy = False
        return self.result

    # -- showing -----------------------------------------------------------------------------
    def _png(self, i: int) -> bytes:
        return self.trip.frames_png([i])[0]

    def _show(self, i: int) -> None:
        if self.widget is not None:
            self.image.value = self._png(i)

    def text(self) -> str:
        return f"from {self.source} to {self.target.label}\n{self.result.text()}"

    def _trace_html(self) -> str:
        return f"<pre style='font-size:11px;line-height:1.3'>{html.escape(self.result.text())}</pre>"

    def html(self) -> str:
        img = base64.b64encode(self._png(self.trip.frames - 1)).decode("ascii")
        return (f"<div><img src='data:image/png;base64,{img}' style='max-width:100%'/>{self._trace_html()}"
                "<div style='font-size:11px;color:#777'>(pick a source and a destination, then play the trip, in a "
                "running notebook)</div></div>")

    def __repr__(self) -> str:
        return f"PathExplorer({len(self.sources)} sources, {len(self.targets)} destinations): {self.text()}"

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle: dict[str, Any] = {}
        if self.widget is not None:
            bundle.update(self.widget._repr_mimebundle_() or {})
        bundle["text/plain"] = repr(self)
        bundle["text/html"] = self.html()
        return bundle
