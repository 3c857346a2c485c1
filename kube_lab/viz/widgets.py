"""Live widgets (ipywidgets): a cluster dashboard, a virtual-time control and small controls the
lessons combine.

* :class:`Dashboard` — one column per node, one coloured card per pod (name, STATUS, ready
  containers, IP), Services with their endpoints underneath; refreshed whenever virtual time or
  the cluster's state moved (after every notebook cell, and at once after a control acts);
* :class:`TimeControl` — play / pause / step buttons and a speed choice that advance the virtual
  clock (``cluster.run``) while the dashboards follow;
* :class:`ScaleSlider`, :class:`DeletePodButton`, :class:`FailNodeButton`,
  :class:`ImagePicker` — each does what a kubectl command (or pulling a node's plug) does, and
  shows the command's output;
* :func:`lab_panel` — all of them in one box.

Every object is shown as the live widget where a kernel is running, and as static HTML where it
is not (nbconvert, GitHub): ``_repr_mimebundle_`` offers both, plus a stable text form (nbval
compares it).  Actions are also methods (``slider.set(5)``, ``button.click()``), so lessons and
tests can drive them from code.
"""
from __future__ import annotations

import html
import weakref
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

from .state import ClusterView, observe

if TYPE_CHECKING:  # pragma: no cover
    from ..cluster import Cluster

_LIVE: "weakref.WeakSet[_Live]" = weakref.WeakSet()
_HOOKED = False


def _widgets():
    try:
        import ipywidgets
    except ImportError:  # pragma: no cover - the lab extra is not installed
        return None
    return ipywidgets


def refresh_all(cluster: "Cluster | None" = None) -> int:
    """Refresh every live dashboard (of ``cluster``, or all); returns how many changed."""
    n = 0
    for item in sorted(list(_LIVE), key=lambda x: x._order):
        if cluster is None or item.cluster is cluster:
            n += bool(item.refresh())
    return n


def _hook_ipython() -> None:
    """After every notebook cell, bring the dashboards up to date (a cell may have run time)."""
    global _HOOKED
    if _HOOKED:
        return
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return
    ip = get_ipython()
    if ip is None:
        return
    ip.events.register("post_run_cell", lambda *a, **k: refresh_all())
    _HOOKED = True


class _Live:
    """Something that shows a cluster and can be brought up to date."""
    _counter = 0

    def __init__(self, cluster: "Cluster"):
        self.cluster = cluster
        _Live._counter += 1
        self._order = _Live._counter
        _LIVE.add(self)
        _hook_ipython()

    def refresh(self) -> bool:  # pragma: no cover - overridden
        return False


def _state_key(cluster: "Cluster") -> tuple[float, int]:
    return (cluster.now, cluster.etcd.revision)


class _Shown:
    """Display protocol shared by the widgets: live widget + static HTML + stable text."""
    widget = None

    def html(self) -> str:  # pragma: no cover - overridden
        return ""

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {}
        if self.widget is not None:
            bundle.update(self.widget._repr_mimebundle_() or {})
        bundle["text/plain"] = repr(self)
        bundle["text/html"] = self.html()
        return bundle


# ------------------------------------------------------------------------------------------
# dashboard
_CARD = ("display:inline-block;box-sizing:border-box;width:100%;margin:3px 0;padding:4px 6px;"
         "border-radius:6px;font-size:12px;line-height:1.35;border:2px solid {border};background:{fill};")


def dashboard_html(v: ClusterView, title: str = "") -> str:
    """The dashboard as plain HTML (no scripts), for static views and the live widget alike."""
    e = html.escape
    cols = []
    for n in v.nodes:
        ready = n.ready == "Ready"
        head = (f"<div style='font-weight:bold;font-size:13px'>{e(n.name)}</div>"
                f"<div style='font-size:11px;color:#555'>{e(n.ip)} · "
                f"<span style='color:{'#2e7d32' if ready else '#c62828'}'>{e(n.status)}</span>"
                + (f" · {e(n.roles)}" if n.roles != "<none>" else "") + "</div>")
        cards = "".join(_card(p) for p in n.pods) or "<div style='color:#999;font-size:11px;margin-top:6px'>no pods</div>"
        cols.append(f"<div style='flex:1 1 0;min-width:150px;max-width:260px;padding:6px;border-radius:8px;"
                    f"border:1px solid {'#9ccc65' if ready else '#e57373'};background:{'#f9fbf5' if ready else '#fff5f5'}'>"
                    f"{head}{cards}</div>")
    if v.unscheduled:
        cards = "".join(_card(p) for p in v.unscheduled)
        cols.append("<div style='flex:1 1 0;min-width:150px;max-width:260px;padding:6px;border-radius:8px;"
                    "border:1px dashed #b28704'><div style='font-weight:bold;font-size:13px'>not on a node</div>"
                    f"<div style='font-size:11px;color:#555'>waiting for the scheduler</div>{cards}</div>")
    svcs = ""
    if v.services:
        rows = []
        for s in v.services:
            ready = sum(1 for ep in s.endpoints if ep.ready)
            eps = ", ".join(f"{e(ep.ip)}" + ("" if ep.ready else " (not ready)") for ep in s.endpoints) or "no endpoints"
            rows.append(f"<div style='font-size:12px'><b>Service {e(s.name)}</b> {e(s.type)} {e(s.cluster_ip)} "
                        f"{e(s.ports)} → {ready}/{len(s.endpoints)} ready: {eps}</div>")
        svcs = "<div style='margin-top:6px'>" + "".join(rows) + "</div>"
    pods = v.pods
    running = sum(1 for p in pods if p.status == "Running")
    heading = (f"<div style='font-size:13px;margin-bottom:4px'><b>{e(title or 'Cluster')}</b> "
               f"'{e(v.name)}' · virtual time t = {v.time:g} s · {len(pods)} pod{'s' if len(pods) != 1 else ''}, "
               f"{running} Running</div>")
    return (f"<div style='font-family:sans-serif'>{heading}<div style='display:flex;gap:8px;align-items:flex-start'>"
            + "".join(cols) + f"</div>{svcs}</div>")


def _card(p) -> str:
    fill, border = p.colours
    e = html.escape
    return (f"<div style=\"{_CARD.format(fill=fill, border=border)}\"><b>{e(p.name)}</b><br>"
            f"{e(p.status)} · {e(p.ready)}" + (f" · {p.restarts} restarts" if p.restarts else "")
            + (f"<br><span style='color:#555'>{e(p.ip)}</span>" if p.ip else "") + "</div>")


def dashboard_text(v: ClusterView, title: str = "") -> str:
    lines = [f"{title or 'Cluster'} '{v.name}' at t={v.time:g}s"]
    for n in v.nodes:
        role = f", {n.roles}" if n.roles != "<none>" else ""
        lines.append(f"  {n.name} ({n.status}{role}): " + (", ".join(
            f"{p.name} {p.status} {p.ready}" for p in n.pods) or "no pods"))
    if v.unscheduled:
        lines.append("  not on a node: " + ", ".join(f"{p.name} {p.status}" for p in v.unscheduled))
    for s in v.services:
        lines.append(f"  service {s.name}: {sum(1 for ep in s.endpoints if ep.ready)}/{len(s.endpoints)} endpoints ready")
    return "\n".join(lines)


class Dashboard(_Live, _Shown):
    """The cluster at a glance: nodes as columns, pods as cards coloured by STATUS (green
    Running, amber on the way, grey Terminating, red broken), Services underneath.

    ``namespace=None`` shows every namespace except the system ones (``system=True`` adds them).
    The live widget refreshes itself after each notebook cell and whenever a control acts;
    ``refresh()`` forces it; ``view()`` is the picture as data, ``text()`` as text."""

    def __init__(self, cluster: "Cluster", namespace: str | None = None, *, system: bool = False,
                 title: str = "Dashboard"):
        _Live.__init__(self, cluster)
        self.namespace = namespace
        self.system = system
        self.title = title
        self._key: tuple | None = None
        self._view: ClusterView | None = None
        w = _widgets()
        self.widget = w.HTML(value="") if w is not None else None
        self.refresh(force=True)

    def view(self) -> ClusterView:
        return observe(self.cluster, self.namespace, system=self.system)

    def refresh(self, force: bool = False) -> bool:
        key = _state_key(self.cluster)
        if not force and key == self._key:
            return False
        self._key = key
        self._view = self.view()
        if self.widget is not None:
            self.widget.value = dashboard_html(self._view, self.title)
        return True

    def html(self) -> str:
        self.refresh()
        return dashboard_html(self._view, self.title)

    def text(self) -> str:
        self.refresh()
        return dashboard_text(self._view, self.title)

    def __repr__(self) -> str:
        return self.text()


# ------------------------------------------------------------------------------------------
# virtual time
class TimeControl(_Shown):
    """Play / pause / step through virtual time.  Each tick of the player (every
    ``interval_ms`` of wall-clock time while playing) runs the cluster ``speed`` virtual seconds;
    *step* runs it once.  Dashboards follow.  ``advance(seconds)`` does the same from code."""

    SPEEDS = (("0.5 s per tick", 0.5), ("1 s per tick", 1.0), ("2 s per tick", 2.0), ("5 s per tick", 5.0),
              ("10 s per tick", 10.0), ("30 s per tick", 30.0))

    def __init__(self, cluster: "Cluster", speed: float = 1.0, interval_ms: int = 500,
                 on_tick: Callable[[float], None] | None = None):
        self.cluster = cluster
        self.speed = float(speed)
        self.on_tick = on_tick
        w = _widgets()
        self.widget = None
        if w is None:
            return
        self.play = w.Play(value=0, min=0, max=100000, step=1, interval=interval_ms, description="play")
        self.step_button = w.Button(description=f"step +{self.speed:g}s", tooltip="advance virtual time once")
        options = list(self.SPEEDS)
        if all(v != self.speed for _, v in options):
            options.append((f"{self.speed:g} s per tick", self.speed))
        self.speed_picker = w.Dropdown(options=options, value=self.speed, description="speed",
                                       layout=w.Layout(width="200px"))
        self.clock = w.HTML(value=self._clock())
        self._last = 0
        self.play.observe(self._on_play, names="value")
        self.step_button.on_click(lambda _b: self.advance(self.speed))
        self.speed_picker.observe(self._on_speed, names="value")
        self.widget = w.HBox([self.play, self.step_button, self.speed_picker, self.clock])

    def _clock(self) -> str:
        return f"<b>virtual time t = {self.cluster.now:g} s</b>"

    def _on_play(self, change) -> None:
        new = change["new"]
        ticks = new - self._last
        self._last = new
        if ticks > 0:                       # a "stop" resets the player: that is not time passing
            self.advance(self.speed * ticks)

    def _on_speed(self, change) -> None:
        self.speed = float(change["new"])
        self.step_button.description = f"step +{self.speed:g}s"

    def advance(self, seconds: float | None = None) -> float:
        """Run the cluster ``seconds`` (default: one tick) of virtual time; returns the new time."""
        self.cluster.run(self.speed if seconds is None else seconds)
        if self.widget is not None:
            self.clock.value = self._clock()
        refresh_all(self.cluster)
        if self.on_tick is not None:
            self.on_tick(self.cluster.now)
        return self.cluster.now

    def html(self) -> str:
        return (f"<div style='font-family:sans-serif;font-size:13px'>[play] [pause] [step] virtual time t = {self.cluster.now:g} s, "
                f"{self.speed:g} s per tick <span style='color:#777'>(the buttons work in a running notebook)</span></div>")

    def __repr__(self) -> str:
        return f"TimeControl(t={self.cluster.now:g}s, {self.speed:g}s per tick)"


# ------------------------------------------------------------------------------------------
# small controls
class _Action(_Shown):
    """A control that runs kubectl commands and shows their output."""

    def __init__(self, cluster: "Cluster"):
        self.cluster = cluster
        self.log: list[str] = []
        w = _widgets()
        self.output = w.HTML(value="") if w is not None else None

    def _kubectl(self, command: str) -> str:
        result = self.cluster.kubectl(command)
        text = f"$ kubectl {command}\n{result.output}"
        self._show(text, ok=result.exit_code == 0)
        return result.output

    def _show(self, text: str, ok: bool = True) -> None:
        self.log.append(text)
        if self.output is not None:
            colour = "#222" if ok else "#c62828"
            self.output.value = (f"<pre style='margin:2px 0;font-size:11px;color:{colour}'>"
                                 f"{html.escape(text.rstrip())}</pre>")
        refresh_all(self.cluster)


def _deployment(cluster: "Cluster", name: str, namespace: str) -> dict | None:
    from ..api.errors import StatusError

    try:
        return cluster.get("deployments", name, namespace)
    except StatusError:
        return None


class ScaleSlider(_Action):
    """A slider bound to a Deployment's ``spec.replicas``: moving it runs
    ``kubectl scale deployment/NAME --replicas=N``."""

    def __init__(self, cluster: "Cluster", deployment: str, namespace: str = "default", max: int = 10):
        super().__init__(cluster)
        self.deployment, self.namespace = deployment, namespace
        obj = _deployment(cluster, deployment, namespace)
        self.value = int(((obj or {}).get("spec") or {}).get("replicas", 1)) if obj else 0
        w = _widgets()
        if w is None:
            return
        self.slider = w.IntSlider(value=self.value, min=0, max=max, description="replicas", continuous_update=False)
        self.slider.observe(lambda ch: self.set(ch["new"]), names="value")
        self.widget = w.VBox([w.HTML(value=f"<b>deployment/{html.escape(deployment)}</b>"), self.slider, self.output])

    def set(self, replicas: int) -> str:
        """Scale to ``replicas`` (what moving the slider does)."""
        replicas = int(replicas)
        if getattr(self, "_busy", False):
            return ""
        self._busy = True
        try:
            self.value = replicas
            if self.widget is not None and self.slider.value != replicas:
                self.slider.value = replicas    # the slider follows (its observer sees _busy)
            ns = f" -n {self.namespace}" if self.namespace != "default" else ""
            return self._kubectl(f"scale deployment/{self.deployment} --replicas={replicas}{ns}")
        finally:
            self._busy = False

    def html(self) -> str:
        return (f"<div style='font-family:sans-serif;font-size:13px'>replicas of deployment/"
                f"{html.escape(self.deployment)}: <b>{self.value}</b> "
                f"<span style='color:#777'>(a slider in a running notebook)</span></div>")

    def __repr__(self) -> str:
        return f"ScaleSlider(deployment/{self.deployment}, replicas={self.value})"


class DeletePodButton(_Action):
    """Pick a pod (of ``selector``) and delete it, as ``kubectl delete pod NAME --wait=false``
    does: the pod goes Terminating and, if a controller owns it, a replacement appears."""

    def __init__(self, cluster: "Cluster", selector: str | None = None, namespace: str = "default"):
        super().__init__(cluster)
        self.selector, self.namespace = selector, namespace
        w = _widgets()
        if w is None:
            return
        self.picker = w.Dropdown(options=self.pods(), description="pod", layout=w.Layout(width="360px"))
        self.button = w.Button(description="delete pod", button_style="danger", icon="trash")
        self.button.on_click(lambda _b: self.delete(self.picker.value))
        self.widget = w.VBox([w.HBox([self.picker, self.button]), self.output])

    def pods(self) -> list[str]:
        return [p["metadata"]["name"] for p in self.cluster.list("pods", self.namespace, selector=self.selector)
                if not p["metadata"].get("deletionTimestamp")]

    def delete(self, name: str | None = None) -> str:
        """Delete pod ``name`` (default: the first one)."""
        if not name:
            pods = self.pods()
            if not pods:
                self._show("no pod to delete", ok=False)
                return ""
            name = pods[0]
        ns = f" -n {self.namespace}" if self.namespace != "default" else ""
        out = self._kubectl(f"delete pod {name} --wait=false{ns}")
        if self.widget is not None:
            self.picker.options = self.pods()
        return out

    def click(self) -> str:
        return self.delete(self.picker.value if self.widget is not None else None)

    def html(self) -> str:
        pods = self.pods()
        return (f"<div style='font-family:sans-serif;font-size:13px'>delete one of: "
                f"{html.escape(', '.join(pods) or 'no pods')} <span style='color:#777'>"
                f"(a button in a running notebook)</span></div>")

    def __repr__(self) -> str:
        sel = f", selector={self.selector!r}" if self.selector else ""
        return f"DeletePodButton(namespace={self.namespace!r}{sel})"


class FailNodeButton(_Action):
    """Pick a worker node and switch its machine off (its kubelet stops posting status; after the
    node-monitor grace period the control plane marks it NotReady and, later, evicts its pods) or
    on again."""

    def __init__(self, cluster: "Cluster"):
        super().__init__(cluster)
        w = _widgets()
        if w is None:
            return
        self.picker = w.Dropdown(options=self.nodes(), description="node", layout=w.Layout(width="300px"))
        self.off = w.Button(description="power off", button_style="danger", icon="power-off")
        self.on = w.Button(description="power on", button_style="success", icon="plug")
        self.off.on_click(lambda _b: self.fail(self.picker.value))
        self.on.on_click(lambda _b: self.recover(self.picker.value))
        self.widget = w.VBox([w.HBox([self.picker, self.off, self.on]), self.output])

    def nodes(self) -> list[str]:
        return sorted(n["metadata"]["name"] for n in self.cluster.list("nodes")
                      if "node-role.kubernetes.io/control-plane" not in (n["metadata"].get("labels") or {}))

    def fail(self, node: str | None = None) -> str:
        node = node or self.nodes()[0]
        self.cluster.node(node).power_off()
        text = f"node {node}: powered off at t={self.cluster.now:g}s (its kubelet is silent now)"
        self._show(text)
        return text

    def recover(self, node: str | None = None) -> str:
        node = node or self.nodes()[0]
        self.cluster.node(node).power_on()
        text = f"node {node}: powered on at t={self.cluster.now:g}s"
        self._show(text)
        return text

    def click(self) -> str:
        return self.fail(self.picker.value if self.widget is not None else None)

    def html(self) -> str:
        return (f"<div style='font-family:sans-serif;font-size:13px'>fail one of: "
                f"{html.escape(', '.join(self.nodes()))} <span style='color:#777'>"
                f"(buttons in a running notebook)</span></div>")

    def __repr__(self) -> str:
        return f"FailNodeButton(nodes={self.nodes()!r})"


class ImagePicker(_Action):
    """Pick an image for a Deployment's container and roll it out, as
    ``kubectl set image deployment/NAME CONTAINER=IMAGE`` does (a bad tag shows ErrImagePull)."""

    def __init__(self, cluster: "Cluster", deployment: str, images: Sequence[str], container: str | None = None,
                 namespace: str = "default"):
        super().__init__(cluster)
        self.deployment, self.namespace, self.images = deployment, namespace, list(images)
        obj = _deployment(cluster, deployment, namespace) or {}
        containers = (((obj.get("spec") or {}).get("template") or {}).get("spec") or {}).get("containers") or []
        self.container = container or (containers[0]["name"] if containers else deployment)
        self.current = next((c.get("image", "") for c in containers if c.get("name") == self.container), "")
        w = _widgets()
        if w is None:
            return
        options = list(dict.fromkeys(([self.current] if self.current else []) + self.images))
        self.picker = w.Dropdown(options=options, value=self.current or options[0], description="image",
                                 layout=w.Layout(width="360px"))
        self.button = w.Button(description="roll out", button_style="primary", icon="refresh")
        self.button.on_click(lambda _b: self.roll_out(self.picker.value))
        self.widget = w.VBox([w.HBox([self.picker, self.button]), self.output])

    def roll_out(self, image: str | None = None) -> str:
        image = image or (self.images[0] if self.images else self.current)
        ns = f" -n {self.namespace}" if self.namespace != "default" else ""
        out = self._kubectl(f"set image deployment/{self.deployment} {self.container}={image}{ns}")
        self.current = image
        return out

    def click(self) -> str:
        return self.roll_out(self.picker.value if self.widget is not None else None)

    def html(self) -> str:
        return (f"<div style='font-family:sans-serif;font-size:13px'>deployment/{html.escape(self.deployment)} "
                f"container {html.escape(self.container)}: <b>{html.escape(self.current)}</b>; choices: "
                f"{html.escape(', '.join(self.images))} <span style='color:#777'>(a picker in a running notebook)"
                f"</span></div>")

    def __repr__(self) -> str:
        return f"ImagePicker(deployment/{self.deployment}, {self.container}={self.current})"


class Panel(_Shown):
    """Several of the above in one box (see :func:`lab_panel`)."""

    def __init__(self, parts: Iterable[_Shown]):
        self.parts = list(parts)
        w = _widgets()
        self.widget = w.VBox([p.widget for p in self.parts if p.widget is not None]) if w is not None else None

    def html(self) -> str:
        return "".join(p.html() for p in self.parts)

    def __repr__(self) -> str:
        return "\n".join(repr(p) for p in self.parts)


def lab_panel(cluster: "Cluster", deployment: str | None = None, *, namespace: str = "default",
              images: Sequence[str] = (), speed: float = 1.0, scale: bool = True, delete: bool = True,
              fail: bool = False) -> Panel:
    """A dashboard with a time control and, for ``deployment``, a scale slider, a delete-pod
    button and (given ``images``) an image picker; ``fail=True`` adds the fail-node buttons."""
    parts: list[_Shown] = [TimeControl(cluster, speed=speed)]
    if deployment and scale:
        parts.append(ScaleSlider(cluster, deployment, namespace))
    if deployment and images:
        parts.append(ImagePicker(cluster, deployment, images, namespace=namespace))
    if delete:
        sel = None
        if deployment:
            obj = _deployment(cluster, deployment, namespace) or {}
            labels = (((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {})
            sel = ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or None
        parts.append(DeletePodButton(cluster, sel, namespace))
    if fail:
        parts.append(FailNodeButton(cluster))
    parts.append(Dashboard(cluster, namespace))
    return Panel(parts)


class SimulationExplorer:
    """The shape shared by the lessons' "what if" widgets: a few controls whose every change
    re-runs a small seeded simulation and redraws its picture, with a caption under it.

    A subclass sets ``settings`` (the attribute names the controls edit), implements
    ``_render()`` (run the simulation, set ``self.result`` and ``self.png``), ``text()`` (the
    caption) and ``_controls(w)`` (``{setting: ipywidget}``, the first ones shown first), and may
    set ``hint`` (what the static view says the controls are).  ``set(**changes)`` does what
    moving the controls does and returns the new result; a static view shows the picture of the
    current settings."""

    settings: tuple[str, ...] = ()
    hint = "controls"
    caption_colour = "#424242"

    def _start(self) -> None:
        """Render once, then build the widget when ipywidgets is there (call from ``__init__``)."""
        self.widget = None
        self._busy = False
        self._render()
        try:
            import ipywidgets as w
        except ImportError:  # pragma: no cover - the lab extra is not installed
            return
        self.controls = self._controls(w)
        for name, control in self.controls.items():
            control.observe(lambda ch, name=name: self.set(**{name: ch["new"]}), names="value")
        self.image = w.Image(value=self.png, format="png", layout=w.Layout(max_width="100%"))
        self.caption = w.HTML(value=self._caption_html())
        self.widget = w.VBox([*self.controls.values(), self.image, self.caption])

    def _render(self) -> None:  # pragma: no cover - subclasses
        raise NotImplementedError

    def _controls(self, w) -> dict:  # pragma: no cover - subclasses
        raise NotImplementedError

    def text(self) -> str:  # pragma: no cover - subclasses
        raise NotImplementedError

    def _coerce(self, name: str, value):
        return int(value) if isinstance(getattr(self, name), int) else value

    def set(self, **changes):
        """Change the settings (what the controls do), re-run the simulation and redraw."""
        unknown = set(changes) - set(self.settings)
        if unknown:
            raise TypeError(f"{type(self).__name__}.set() got unexpected settings: {', '.join(sorted(unknown))}")
        if self._busy:
            return self.result
        self._busy = True
        try:
            for name, value in changes.items():
                if value is not None:
                    setattr(self, name, self._coerce(name, value))
            self._render()
            if self.widget is not None:
                for name, control in self.controls.items():
                    if control.value != getattr(self, name):
                        control.value = getattr(self, name)
                self.image.value = self.png
                self.caption.value = self._caption_html()
        finally:
            self._busy = False
        return self.result

    def _caption_html(self) -> str:
        return f"<div style='font-size:12px;color:{self.caption_colour}'>{html.escape(self.text())}</div>"

    def html(self) -> str:
        import base64

        img = base64.b64encode(self.png).decode("ascii")
        return (f"<div><img src='data:image/png;base64,{img}' style='max-width:100%'/>{self._caption_html()}"
                f"<div style='font-size:11px;color:#777'>({self.hint} in a running notebook)</div></div>")

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {}
        if self.widget is not None:
            bundle.update(self.widget._repr_mimebundle_() or {})
        bundle["text/plain"] = repr(self)
        bundle["text/html"] = self.html()
        return bundle
