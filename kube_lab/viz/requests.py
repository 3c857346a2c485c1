"""What kubectl sends: the REST requests behind kubectl commands, read from the request trace.

kubectl is an API client and nothing more: every command becomes a few HTTP requests to
kube-apiserver, which real kubectl prints with ``-v=6`` (``GET https://…/api/v1/namespaces/
default/pods 200 OK``).  :func:`kubectl_requests` runs commands on a cluster and shows, for each,
the requests the API server recorded from the ``kubectl`` client — as text (method and REST path,
as client-go builds them) and as a picture with one row per command and one box per request.

The REST paths follow the API's layout: ``/api/v1/…`` for the core group, ``/apis/GROUP/VERSION/…``
for the others, ``namespaces/NS/`` for namespaced resources, the object's name for verbs on one
object, ``/SUBRESOURCE`` after it; a watch is a GET with ``?watch=true``.  The request bodies and
query parameters (label selectors, field selectors) are not in the trace, so they are not shown.
"""
from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:  # pragma: no cover
    from ..cluster import Cluster
    from ..sim.trace import TraceRecord

#: HTTP method of each API verb (k8s.io/apiserver/pkg/endpoints/installer.go maps them back)
METHODS = {"get": "GET", "list": "GET", "watch": "GET", "create": "POST", "update": "PUT",
           "patch": "PATCH", "delete": "DELETE", "deletecollection": "DELETE"}
COLOURS = {"GET": "#1565c0", "POST": "#2e7d32", "PUT": "#6a1b9a", "PATCH": "#ef6c00", "DELETE": "#c62828"}
MAX_BOXES = 6


@dataclass(frozen=True)
class ApiRequest:
    """One request as kubectl sent it: method, REST path and the status code it got back."""
    method: str
    path: str
    code: int
    verb: str
    resource: str
    subresource: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.code < 300

    def __str__(self) -> str:
        return self.method + " " + self.path + ("" if self.ok else f"  → {self.code}")


def rest_path(r: "TraceRecord") -> str:
    """The REST path of a trace record's request."""
    from ..api.registry import REGISTRY

    info = REGISTRY.resolve(r.resource)
    if info is None:
        base, namespaced = f"/api/v1/{r.resource}", bool(r.namespace)
    else:
        base = f"/api/{info.version}" if not info.group else f"/apis/{info.group}/{info.version}"
        namespaced = info.namespaced
    path = base
    if namespaced and r.namespace:
        path += f"/namespaces/{r.namespace}"
    path += f"/{r.resource}"
    # a create goes to the collection (except a subresource such as pods/NAME/binding); list and
    # watch name no object
    on_object = r.verb in ("get", "update", "patch", "delete") or (r.verb == "create" and r.subresource)
    if on_object and r.name:
        path += f"/{r.name}"
        if r.subresource:
            path += f"/{r.subresource}"
    if r.verb == "watch":
        path += "?watch=true"
    return path


def as_request(r: "TraceRecord") -> ApiRequest:
    return ApiRequest(METHODS.get(r.verb, r.verb.upper()), rest_path(r), r.code, r.verb, r.resource, r.subresource)


def api_requests(cluster: "Cluster", since: int, until: int | None = None,
                 component: str = "kubectl") -> list[ApiRequest]:
    """The requests ``component`` made between two trace marks (``cluster.trace.mark()``)."""
    return [as_request(r) for r in cluster.trace.since(since)
            if r.component == component and (until is None or r.seq <= until)]


class RequestMap:
    """Commands and the API requests each one made: text lines and a picture."""

    def __init__(self, commands: Sequence[str], results: Sequence, requests: Sequence[Sequence[ApiRequest]]):
        self.commands = list(commands)
        self.results = list(results)
        self.requests = [list(r) for r in requests]
        self._png: bytes | None = None

    @property
    def summary(self) -> str:
        n = sum(len(r) for r in self.requests)
        return f"kubectl requests: {len(self.commands)} command{'' if len(self.commands) == 1 else 's'}, " \
               f"{n} API request{'' if n == 1 else 's'}"

    def text(self) -> str:
        lines = []
        for cmd, result, reqs in zip(self.commands, self.results, self.requests):
            code = getattr(result, "exit_code", 0)
            lines.append(f"$ kubectl {cmd}" + (f"   (exit code {code})" if code else ""))
            lines.extend(f"    {r}" for r in reqs)
            if not reqs:
                lines.append("    (no API request)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<{self.summary}>\n{self.text()}"

    def figure(self):
        from .animations import _figure

        rows = len(self.commands)
        width = 4.3 + MAX_BOXES * 1.23 + 0.9
        fig = _figure(width, 0.55 * rows + 0.9)
        ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
        ax.set_xlim(0, width)
        ax.set_ylim(rows + 0.9, -0.2)
        ax.axis("off")
        label_w, box_w, gap = 4.3, 1.15, 0.08
        for i, (cmd, reqs) in enumerate(zip(self.commands, self.requests)):
            y = i + 0.5
            text = cmd if len(cmd) <= 48 else cmd[:47] + "…"
            ax.text(0.1, y, f"kubectl {text}", va="center", ha="left", fontsize=8.5, family="monospace")
            shown = reqs[:MAX_BOXES]
            for j, r in enumerate(shown):
                x = label_w + j * (box_w + gap)
                colour = COLOURS.get(r.method, "#555")
                ax.add_patch(_box(x, y - 0.32, box_w, 0.64, colour, r.ok))
                res = r.resource + ("/" + r.subresource if r.subresource else "")
                if len(res) > 16:
                    res = res[:15] + "…"
                head = r.method + (" watch" if r.verb == "watch" else "") + ("" if r.ok else f" {r.code}")
                ax.text(x + box_w / 2, y - 0.1, head, ha="center",
                        va="center", fontsize=7.5, color="white" if r.ok else colour, weight="bold")
                ax.text(x + box_w / 2, y + 0.15, res, ha="center", va="center", fontsize=6.8,
                        color="white" if r.ok else colour)
            if len(reqs) > MAX_BOXES:
                ax.text(label_w + MAX_BOXES * (box_w + gap), y, f"+{len(reqs) - MAX_BOXES} more", va="center",
                        fontsize=8, color="#555")
        x = 0.1
        for method, colour in COLOURS.items():
            ax.add_patch(_box(x, rows + 0.25, 0.3, 0.35, colour, True))
            ax.text(x + 0.4, rows + 0.43, method, va="center", fontsize=8)
            x += 1.3
        ax.text(x + 0.2, rows + 0.43, "outlined: the API server answered with an error", va="center", fontsize=8,
                color="#555")
        return fig

    def png(self) -> bytes:
        if self._png is None:
            buf = io.BytesIO()
            self.figure().savefig(buf, format="png")
            self._png = buf.getvalue()
        return self._png

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"image/png": base64.b64encode(self.png()).decode("ascii"), "text/plain": repr(self)}


def _box(x: float, y: float, w: float, h: float, colour: str, filled: bool):
    from matplotlib.patches import FancyBboxPatch

    return FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.0,rounding_size=0.08",
                          facecolor=colour if filled else "white", edgecolor=colour, linewidth=1.4)


def kubectl_requests(cluster: "Cluster", commands: Sequence[str], stdin: dict[str, str] | None = None) -> RequestMap:
    """Run each kubectl command on ``cluster`` (in order; ``stdin`` maps a command to its
    standard input) and return the API requests each one made, from the request trace."""
    results, requests = [], []
    for cmd in commands:
        mark = cluster.trace.mark()
        results.append(cluster.kubectl(cmd, stdin=(stdin or {}).get(cmd)))
        requests.append(api_requests(cluster, mark))
    return RequestMap(commands, results, requests)
