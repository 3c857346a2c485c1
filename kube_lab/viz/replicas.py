"""Pictures for lesson 06 (labels, selectors, ReplicaSets), drawn from the live cluster.

* :func:`selector_matrix` — which pods each label selector picks: one row per pod (with its
  labels), one column per selector.  A column may also name a controller (``replicaset/web``,
  ``rc/legacy``, ``deployment/web``, ``service/web``): its own selector is used, and the cells also
  say whether the controller *owns* the pod (a ``controller: true`` ownerReference with its uid) —
  the difference between matching and owning is what adoption and orphaning are about;
* :func:`replica_history` — a controller's desired replicas (``spec.replicas``) against the actual
  ones (``status.replicas``, ``status.readyReplicas``) over virtual time, replayed from etcd's
  history of its key: the reconcile loop closing the gap after every change.

Both read through the API server with the ``viz`` client (and etcd's retained history, as
:mod:`kube_lab.viz.history` does); their text forms are stable tables, so nbval can compare them.
"""
from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Sequence

from ..api.selectors import Selector, SelectorError, from_label_selector, parse, selector_from_set
from ..controlplane.etcd import DELETE
from .state import viz_client

if TYPE_CHECKING:  # pragma: no cover
    from ..cluster import Cluster

# short and long names of the objects a column may name, as kubectl spells them
_WORKLOADS = {
    "rs": "replicasets", "replicaset": "replicasets", "replicasets": "replicasets",
    "rc": "replicationcontrollers", "replicationcontroller": "replicationcontrollers",
    "replicationcontrollers": "replicationcontrollers",
    "deploy": "deployments", "deployment": "deployments", "deployments": "deployments",
    "svc": "services", "service": "services", "services": "services",
}
_REF = re.compile(r"^([a-z]+)/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$")

SELECTED, OWNED, STALE, NOT = "✓", "●", "◌", "·"
LEGEND = (f"{SELECTED} selected   {OWNED} selected and owned (controller ownerReference)   "
          f"{STALE} owned but no longer selected   {NOT} not selected")


@dataclass(frozen=True)
class Column:
    """One selector column: ``title`` as given, the selector, and the owner uid for controllers."""
    title: str
    selector: Selector
    kind: str = ""          # "ReplicaSet", … for a controller column; "" for a plain selector
    uid: str = ""
    note: str = ""          # "replicaset/web selects app=web,release in (stable)", or why nothing


def _column(cluster: "Cluster", text: str, namespace: str) -> Column:
    m = _REF.match(text.strip())
    if m and m.group(1) in _WORKLOADS:
        resource, name = _WORKLOADS[m.group(1)], m.group(2)
        from ..api.errors import StatusError

        try:
            obj = viz_client(cluster).get(resource, name, namespace)
        except StatusError:
            return Column(text, Selector(nothing=True), resource, "", f"{text}: not found (selects nothing)")
        raw = (obj.get("spec") or {}).get("selector")
        if resource in ("replicationcontrollers", "services"):
            sel = selector_from_set(raw) if raw else Selector(nothing=True)
        else:
            try:
                sel = from_label_selector(raw)
            except SelectorError:
                sel = Selector(nothing=True)
        uid = obj["metadata"]["uid"] if resource != "services" else ""
        what = "nothing" if sel.nothing else "everything" if sel.empty else str(sel)
        return Column(text, sel, obj.get("kind", ""), uid, f"{text} selects {what}")
    return Column(text, parse(text))


class SelectorMatrix:
    """Pods × selectors (see :func:`selector_matrix`).  ``rows`` holds ``(pod, labels, marks)``;
    shown as an HTML table, and as a text table for plain views."""

    def __init__(self, namespace: str, time: float, columns: list[Column],
                 rows: list[tuple[str, str, tuple[str, ...]]]):
        self.namespace, self.time, self.columns, self.rows = namespace, time, columns, rows

    def selected(self, column: int | str) -> list[str]:
        """The pods a column selects (by index or title)."""
        i = column if isinstance(column, int) else [c.title for c in self.columns].index(column)
        return [pod for pod, _, marks in self.rows if marks[i] in (SELECTED, OWNED)]

    def text(self) -> str:
        name_w = max([len("POD")] + [len(r[0]) for r in self.rows])
        label_w = max([len("LABELS")] + [len(r[1]) for r in self.rows])
        widths = [max(len(c.title), 1) for c in self.columns]
        head = f"{'POD':<{name_w}}  {'LABELS':<{label_w}}  " + "  ".join(
            f"{c.title:^{w}}" for c, w in zip(self.columns, widths))
        lines = [f"pods in namespace '{self.namespace}' at t={self.time:g}s", head.rstrip()]
        for pod, labels, marks in self.rows:
            lines.append((f"{pod:<{name_w}}  {labels:<{label_w}}  " + "  ".join(
                f"{m:^{w}}" for m, w in zip(marks, widths))).rstrip())
        if not self.rows:
            lines.append("(no pods)")
        lines += [c.note for c in self.columns if c.note]
        lines.append(LEGEND)
        return "\n".join(lines)

    def html(self) -> str:
        e = html.escape
        colour = {SELECTED: "#2e7d32", OWNED: "#1565c0", STALE: "#b28704", NOT: "#bdbdbd"}
        th = "style='padding:2px 8px;border-bottom:1px solid #999;text-align:{}'"
        head = (f"<tr><th {th.format('left')}>pod</th><th {th.format('left')}>labels</th>"
                + "".join(f"<th {th.format('center')}><code>{e(c.title)}</code></th>" for c in self.columns)
                + "</tr>")
        body = []
        for pod, labels, marks in self.rows:
            chips = " ".join(f"<span style='background:#eceff1;border-radius:4px;padding:0 4px;font-size:11px'>"
                             f"{e(kv)}</span>" for kv in labels.split(",") if kv)
            cells = "".join(f"<td style='text-align:center;font-size:15px;color:{colour[m]}'>{m}</td>" for m in marks)
            body.append(f"<tr><td style='padding:2px 8px'><b>{e(pod)}</b></td><td style='padding:2px 8px'>{chips}</td>"
                        f"{cells}</tr>")
        if not self.rows:
            body.append(f"<tr><td colspan='{2 + len(self.columns)}' style='color:#999'>no pods</td></tr>")
        notes = "".join(f"<div>{e(c.note)}</div>" for c in self.columns if c.note)
        return (f"<div style='font-family:sans-serif;font-size:12px'><div style='font-size:13px;margin-bottom:4px'>"
                f"<b>Which pods each selector picks</b> — namespace '{e(self.namespace)}', t = {self.time:g} s</div>"
                f"<table style='border-collapse:collapse'>{head}{''.join(body)}</table>"
                f"<div style='color:#555;margin-top:4px'>{notes}<div>{e(LEGEND)}</div></div></div>")

    def __repr__(self) -> str:
        return self.text()

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.text(), "text/html": self.html()}


def selector_matrix(cluster: "Cluster", selectors: Sequence[str], namespace: str = "default",
                    include_terminating: bool = False) -> SelectorMatrix:
    """Which pods of ``namespace`` each of ``selectors`` picks.

    A selector is ``kubectl -l`` syntax (``"app=web,release in (stable,canary)"``) or a controller
    or Service named ``kind/name`` (``"replicaset/web"``, ``"rc/legacy"``, ``"service/web"``),
    whose own selector is used; for controllers the cell also shows ownership: ``●`` the pod is
    selected *and* controlled by it, ``✓`` selected only (an orphan it would adopt, or a pod some
    other controller owns), ``◌`` controlled but no longer selected (it is about to release it).
    Pods being deleted are left out unless ``include_terminating``.  A bad selector raises
    :class:`~kube_lab.api.selectors.SelectorError` with the API server's message."""
    columns = [_column(cluster, s, namespace) for s in selectors]
    pods = viz_client(cluster).list("pods", namespace)["items"]
    rows = []
    for p in sorted(pods, key=lambda p: p["metadata"]["name"]):
        md = p["metadata"]
        if md.get("deletionTimestamp") and not include_terminating:
            continue
        labels = md.get("labels") or {}
        controller = next((r.get("uid") for r in md.get("ownerReferences") or () if r.get("controller")), None)
        marks = []
        for c in columns:
            hit = c.selector.matches(labels)
            owned = bool(c.uid) and controller == c.uid
            marks.append(OWNED if hit and owned else STALE if owned else SELECTED if hit else NOT)
        rows.append((md["name"], ",".join(f"{k}={v}" for k, v in sorted(labels.items())), tuple(marks)))
    return SelectorMatrix(namespace, cluster.now, columns, rows)


# ------------------------------------------------------------------------------------------
# desired vs actual over time
@dataclass(frozen=True)
class ReplicaPoint:
    """One stored version of the controller: at ``time``, desired / current / ready replicas."""
    time: float
    desired: int | None      # None once the object is deleted
    current: int
    ready: int


class ReplicaHistory:
    """A controller's replica counts over time (see :func:`replica_history`): ``points`` holds
    every change; shown as a step chart (PNG) with the table of changes as its text."""

    def __init__(self, title: str, points: list[ReplicaPoint], start: float, end: float,
                 markers: Sequence[tuple[float, str]] = ()):
        self.title, self.points, self.start, self.end = title, points, start, end
        self.markers = sorted(markers)

    def text(self) -> str:
        lines = [f"{self.title}: desired vs actual replicas, t={self.start:g}s to t={self.end:g}s",
                 f"{'t (s)':>7}  {'desired':>7}  {'current':>7}  {'ready':>5}"]
        for p in self.points:
            desired = "gone" if p.desired is None else str(p.desired)
            lines.append(f"{p.time:>7g}  {desired:>7}  {p.current:>7}  {p.ready:>5}")
        for t, label in self.markers:
            lines.append(f"  at t={t:g}s: {label}")
        return "\n".join(lines)

    def figure(self):
        from .animations import _figure

        fig = _figure(8.0, 3.4)
        ax = fig.add_axes((0.07, 0.3, 0.9, 0.6))
        pts = self.points
        times = [p.time for p in pts] + [self.end]

        def series(values: list[float]) -> tuple[list[float], list[float]]:
            return times, values + values[-1:]

        styles = (("desired (spec.replicas)", [p.desired if p.desired is not None else 0 for p in pts],
                   dict(color="#b39ddb", linewidth=6, solid_capstyle="butt", zorder=1)),
                  ("current (status.replicas)", [p.current for p in pts],
                   dict(color="#ef6c00", linewidth=2.2, zorder=2)),
                  ("ready (status.readyReplicas)", [p.ready for p in pts],
                   dict(color="#2e7d32", linewidth=1.4, linestyle="--", zorder=3)))
        top = 1
        if pts:
            for label, values, style in styles:
                xs, ys = series(values)
                ax.step(xs, ys, where="post", label=label, **style)
                top = max(top, max(ys))
        for t, label in self.markers:
            ax.axvline(t, color="#c62828", linestyle=":", linewidth=1)
            ax.text(t, top + 0.6, label, fontsize=7.5, color="#c62828", rotation=0, ha="left", va="bottom")
        ax.set_xlim(self.start, self.end + max(self.end - self.start, 1) * 0.02)
        ax.set_ylim(-0.2, top + 1.4)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.set_xlabel("virtual time (s)", fontsize=9)
        ax.set_ylabel("pods", fontsize=9)
        ax.tick_params(labelsize=8)
        ax.grid(color="#eeeeee")
        ax.set_title(self.title, fontsize=10, loc="left")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, fontsize=8, frameon=False)
        return fig

    def png(self) -> bytes:
        import io

        from .animations import DPI

        buf = io.BytesIO()
        self.figure().savefig(buf, format="png", dpi=DPI)
        return buf.getvalue()

    def __repr__(self) -> str:
        return self.text()

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"image/png": base64.b64encode(self.png()).decode("ascii"), "text/plain": self.text()}


def replica_history(cluster: "Cluster", workload: str, namespace: str = "default", since: float = 0.0,
                    until: float | None = None, markers: Iterable[tuple[float, str]] = ()) -> ReplicaHistory:
    """Desired vs actual replicas of ``workload`` (``"replicaset/web"``, ``"rc/legacy"``,
    ``"deployment/web"``) from ``since`` on, one point per stored version of the object (each write
    the user or a controller made), read back from etcd's history.  ``markers`` are
    ``(time, label)`` pairs drawn as vertical lines (a pod killed, a scale command …)."""
    from .history import RevisionClock

    kind, _, name = workload.partition("/")
    resource = _WORKLOADS.get(kind)
    if resource is None or resource == "services" or not name:
        raise ValueError(f"not a workload: {workload!r} (use replicaset/NAME, rc/NAME or deployment/NAME)")
    server = cluster.apiserver
    key = server.key(server.info(resource), namespace, name)
    clock = RevisionClock(cluster)
    etcd = cluster.etcd
    points: list[ReplicaPoint] = []
    events = [ev for ev in etcd.history(key, max(etcd.compact_revision, 1)) if ev.kv.key == key]
    if not events:      # every change is older than etcd's last compaction: start from what is stored
        kv = etcd.get(key)
        if kv is not None:
            points.append(_point(clock.time(kv.mod_revision), kv.value))
    for ev in events:
        t = clock.time(ev.kv.mod_revision)
        points.append(ReplicaPoint(t, None, 0, 0) if ev.type == DELETE else _point(t, ev.kv.value))
    end = cluster.now if until is None else until
    before = [p for p in points if p.time < since]
    kept = ([ReplicaPoint(since, before[-1].desired, before[-1].current, before[-1].ready)] if before else []) + \
        [p for p in points if since <= p.time <= end]
    compact: list[ReplicaPoint] = []
    for p in kept:
        if compact and (compact[-1].desired, compact[-1].current, compact[-1].ready) == (p.desired, p.current, p.ready):
            continue
        compact.append(p)
    return ReplicaHistory(workload, compact, since, end,
                          [(t, label) for t, label in markers if since <= t <= end])


def _point(t: float, obj: dict) -> ReplicaPoint:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return ReplicaPoint(t, int(spec.get("replicas", 1)), int(status.get("replicas", 0) or 0),
                        int(status.get("readyReplicas", 0) or 0))
