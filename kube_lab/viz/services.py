"""Pictures and a widget for lesson 05 (Services), drawn from the live cluster and its traffic.

* :func:`service_rules` — the iptables rules one node's kube-proxy wrote for one Service, as
  ``iptables-save`` prints them, in the order a packet meets them, each with a line saying what
  it does (the rules and their comments are kube-proxy's, ``pkg/proxy/iptables/proxier.go``);
* :func:`ipvs_view` — the same Services and endpoints as kube-proxy in IPVS mode programs them
  (``ipvsadm -Ln``: one virtual server per address, round-robin real servers);
* :func:`spread_chart` — how a load generator's requests spread over the pods: each pod's share
  next to the even share, and every request over time, coloured by the pod that answered;
* :func:`request_path` — one request's hops (DNS, veths, iptables chains, DNAT, the node crossed,
  the answer) as a Graphviz picture;
* :class:`ServiceTypeSwitch` — a widget that changes a Service's ``type`` and sends a request the
  way a client of that type would (from a pod, to a node's IP and NodePort, to the load-balancer
  address); it also works from code (``switch(type)``, ``send()``) and shows a static summary.

The rule listing and the IPVS view read kube-proxy's own state (what it last synced) and never
change it; the pictures read through the API server with the ``viz`` client.
"""
from __future__ import annotations

import html
import re
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, Sequence

from .state import viz_client

if TYPE_CHECKING:  # pragma: no cover
    from ..cluster import Cluster

SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")


def _proxy(cluster: "Cluster", node: str | None):
    proxies = getattr(cluster, "proxies", None) or {}
    if not proxies:
        raise ValueError("this cluster runs no kube-proxy (make it with network_addons=True)")
    if node is None:
        workers = [n for n in proxies if not n.endswith("control-plane")]
        node = (workers or sorted(proxies))[0]
    if node not in proxies:
        raise KeyError(f"no kube-proxy on node {node!r} (nodes: {', '.join(proxies)})")
    return node, proxies[node]


def _service(cluster: "Cluster", name: str, namespace: str) -> dict | None:
    from ..api.errors import StatusError

    try:
        return viz_client(cluster).get("services", name, namespace)
    except StatusError:
        return None


def _endpoint_pods(cluster: "Cluster", name: str, namespace: str) -> dict[str, tuple[str, str]]:
    """ip → (pod name, node name) from the Service's EndpointSlices."""
    out: dict[str, tuple[str, str]] = {}
    slices = viz_client(cluster).list("endpointslices", namespace,
                                      label_selector=f"kubernetes.io/service-name={name}")["items"]
    for s in slices:
        for ep in s.get("endpoints") or ():
            ref = ep.get("targetRef") or {}
            for ip in ep.get("addresses") or ():
                out[ip] = (ref.get("name", "") if ref.get("kind") == "Pod" else "", ep.get("nodeName") or "")
    return out


# ------------------------------------------------------------------------------------------
# iptables rules, read line by line
@dataclass(frozen=True)
class RuleLine:
    """One rule: its table, chain, the text ``iptables-save`` prints and what it does."""
    table: str
    chain: str
    text: str
    meaning: str


_COMMENT = re.compile(r'--comment "([^"]*)"')


def _mentions(rule: str, service: str) -> bool:
    m = _COMMENT.search(rule)
    return bool(m) and re.search(r"(?:^|\s)" + re.escape(service) + r"(?::[\w.-]+)?(?=$|\s)", m.group(1)) is not None


def _option(rule: str, name: str) -> str | None:
    m = re.search(r"(?:^|\s)" + re.escape(name) + r" (\S+)", rule)
    return m.group(1) if m else None


def _target(rule: str) -> str:
    return _option(rule, "-j") or ""


def _fraction(p: float) -> str:
    """0.33333333349 → "1/3" (kube-proxy writes 1/(n-i)); anything else as a decimal."""
    n = round(1 / p) if p > 0 else 0
    return f"1/{n}" if n and abs(1 / p - n) < 1e-6 else f"{p:.4f}"


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%" if abs(100 * x - round(100 * x)) < 0.05 else f"{100 * x:.1f}%"


class _Explainer:
    """Says, for each of one Service's rules, what it does to a packet."""

    def __init__(self, endpoints: dict[str, str], pods: dict[str, tuple[str, str]], cluster_cidr: str):
        self.endpoints = endpoints            # KUBE-SEP chain → "ip:port"
        self.pods = pods                      # ip → (pod, node)
        self.cidr = cluster_cidr
        self.left: dict[str, float] = {}      # share of the packets still in a KUBE-SVC/SVL chain

    def _who(self, chain: str) -> str:
        ep = self.endpoints.get(chain, "")
        pod, node = self.pods.get(ep.split(":")[0], ("", ""))
        return f"{ep} (pod {pod} on {node})" if pod else ep

    def meaning(self, table: str, chain: str, rule: str) -> str:
        comment = (_COMMENT.search(rule) or [None, ""])[1]
        target = _target(rule)
        dport = _option(rule, "--dport")
        dest = (_option(rule, "-d") or "").removesuffix("/32")
        if table == "filter":
            if target == "REJECT":
                return "no ready endpoint anywhere: refuse the connection at once (the client sees 'connection refused')"
            if target == "DROP" and "no local endpoints" in comment:
                where = f"the load-balancer address {dest}" if dest else f"port {dport} of this node"
                return (f"externalTrafficPolicy: Local and no endpoint on this node: drop packets for {where} "
                        f"(the client times out; a load balancer's health check avoids this node)")
            if "health check node port" in comment:
                return f"let health checks reach kube-proxy's health server on port {dport} (it answers 200 only where an endpoint runs)"
            return ""
        if chain == "KUBE-SERVICES":
            if "cluster IP" in comment:
                return f"a packet for the cluster IP {dest} port {dport}: on to the Service's chain {target}"
            if "loadbalancer IP" in comment:
                return f"a packet for the load-balancer address {dest} port {dport}: on to the external chain {target}"
            if "external IP" in comment:
                return f"a packet for the external IP {dest} port {dport}: on to the external chain {target}"
            return ""
        if chain == "KUBE-NODEPORTS":
            return (f"a packet for port {dport} on any address of this node (KUBE-SERVICES sends such packets here "
                    f"last): on to the external chain {target}")
        if chain.startswith("KUBE-EXT-"):
            if comment.startswith("masquerade traffic"):
                return ("mark it for SNAT: leaving for the pod, its source becomes this node's address, so the "
                        "pod's reply comes back through this node (the client's own address is lost)")
            if comment.startswith("pod traffic"):
                return "from a pod (source in the pod network): any endpoint will do"
            if comment.startswith("masquerade LOCAL"):
                return "from a process on this node itself: mark it for SNAT …"
            if comment.startswith("route LOCAL"):
                return "… and let it use any endpoint"
            if target.startswith("KUBE-SVL-"):
                return ("everything else (from outside): only endpoints on this node, no SNAT — the pod sees the "
                        "client's real address (externalTrafficPolicy: Local)")
            if target.startswith("KUBE-SVC-"):
                return "then choose among all endpoints, exactly like traffic from inside the cluster"
            return ""
        if chain.startswith("KUBE-FW-"):
            return "load-balancer source ranges: only the allowed clients go on"
        if chain.startswith(("KUBE-SVC-", "KUBE-SVL-")):
            if target == "KUBE-MARK-MASQ":
                return (f"sent from outside the pod network ({self.cidr}), e.g. by a node's own process: mark it "
                        f"for SNAT so the reply returns through this node")
            if not target.startswith("KUBE-SEP-"):
                return ""
            who = self._who(target)
            if "--rcheck" in rule:
                secs = _option(rule, "--seconds") or "?"
                return (f"sessionAffinity ClientIP: a client that used {who} in the last {secs} s goes back to it, "
                        f"skipping the random choice")
            left = self.left.setdefault(chain, 1.0)
            prob = _option(rule, "--probability")
            if prob is not None:
                p = float(prob)
                self.left[chain] = left * (1 - p)
                return (f"endpoint {who}: taken with probability {_fraction(p)} by the packets that reach "
                        f"this line, so {_pct(left * p)} of all")
            self.left[chain] = 0.0
            return f"endpoint {who}: everything still here, {_pct(left)} of all"
        if chain.startswith("KUBE-SEP-"):
            ep = self.endpoints.get(chain, "")
            if target == "KUBE-MARK-MASQ":
                return (f"the pod {ep.split(':')[0]} calling its own Service (hairpin): mark for SNAT, or its "
                        f"reply would skip the NAT")
            if target == "DNAT":
                remember = "remember this client (for session affinity) and " if "--set" in rule else ""
                return f"{remember}rewrite the destination to {self._who(chain)}: the load-balancing decision"
        return ""


_ORDER = ("KUBE-SERVICES", "KUBE-NODEPORTS", "KUBE-EXT-", "KUBE-FW-", "KUBE-SVC-", "KUBE-SVL-", "KUBE-SEP-")


class RuleListing:
    """kube-proxy's rules for one Service on one node (see :func:`service_rules`)."""

    def __init__(self, node: str, service: str, lines: list[RuleLine], note: str = ""):
        self.node = node
        self.service = service
        self.lines = lines
        self.note = note

    def rules(self, table: str | None = None) -> list[str]:
        """The rules as ``iptables-save`` prints them (optionally of one table)."""
        return [r.text for r in self.lines if table is None or r.table == table]

    def text(self, explain: bool = True) -> str:
        head = f"kube-proxy's rules for {self.service} on {self.node} (iptables-save, in the order a packet meets them)"
        out = [head]
        if self.note:
            out.append(self.note)
        table = None
        for r in self.lines:
            if r.table != table:
                table = r.table
                out.append(f"*{table}")
            out.append(r.text)
            if explain and r.meaning:
                for i, part in enumerate(textwrap.wrap(r.meaning, 96, break_on_hyphens=False)):
                    out.append(("    ↳ " if i == 0 else "      ") + part)
        return "\n".join(out)

    def __repr__(self) -> str:
        return self.text()

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(self.text())


def service_rules(cluster: "Cluster", service: str, node: str | None = None, namespace: str = "default",
                  only: Sequence[str] | None = None) -> RuleListing:
    """The rules ``node``'s kube-proxy (default: the first worker) installed for ``service``:
    its lines of ``iptables-save -t nat`` and ``-t filter``, ordered as a packet meets them —
    entry points (KUBE-SERVICES, KUBE-NODEPORTS), the external chain, the Service's chain
    with its random choice, one chain per endpoint with the DNAT — each with what it does.
    ``only`` keeps the rules of the chains starting with one of its prefixes (``"KUBE-EXT-"``,
    ``"KUBE-SVL-"``) or of a whole table (``"filter"``)."""
    node, proxy = _proxy(cluster, node)
    key = f"{namespace}/{service}"
    svc = _service(cluster, service, namespace)
    chains: set[str] = set()
    sep: dict[str, str] = {}
    for p in ((svc or {}).get("spec") or {}).get("ports") or ():
        names = proxy.chains_for(namespace, service, p.get("name", "") or "", p.get("protocol", "TCP"))
        chains.update(v for k, v in names.items() if k != "KUBE-SEP")
        for ep, chain in names["KUBE-SEP"].items():
            chains.add(chain)
            sep[chain] = ep
    found: list[tuple[str, str, str]] = []
    for table in ("nat", "filter"):
        for line in proxy.iptables_save(table).splitlines():
            if not line.startswith("-A "):
                continue
            chain = line.split()[1]
            if chain in chains or _mentions(line, key):
                found.append((table, chain, line))
    # the reading order: by table, then the chain kinds in a packet's order, endpoints as chosen
    sep_order: dict[str, int] = {}
    for _, ch, line in found:
        t = _target(line)
        if ch.startswith(("KUBE-SVC-", "KUBE-SVL-")) and t.startswith("KUBE-SEP-"):
            sep_order.setdefault(t, len(sep_order))

    def rank(item):
        table, chain, _ = item
        kind = next((i for i, pre in enumerate(_ORDER) if chain == pre or (pre.endswith("-") and chain.startswith(pre))),
                    len(_ORDER))
        return (table != "nat", kind, sep_order.get(chain, 0))

    found.sort(key=rank)            # stable: rules keep their order within a chain
    explain = _Explainer(sep, _endpoint_pods(cluster, service, namespace), proxy.cluster_cidr or "")
    lines = [RuleLine(t, c, line, explain.meaning(t, c, line)) for t, c, line in found]
    if only is not None:
        lines = [r for r in lines if r.table in only or any(r.chain.startswith(p) for p in only)]
    note = ""
    if svc is None:
        note = f"(there is no Service {key})"
    elif not lines:
        spec = svc.get("spec") or {}
        why = ("an ExternalName Service is only a DNS name" if spec.get("type") == "ExternalName"
               else "a headless Service has no cluster IP to translate" if spec.get("clusterIP") == "None"
               else "kube-proxy has not synced it yet")
        note = f"(no rules: {why})"
    return RuleListing(node, key, lines, note)


# ------------------------------------------------------------------------------------------
# IPVS
class TextView:
    """A block of text shown as it is."""

    def __init__(self, text: str):
        self._text = text

    def __repr__(self) -> str:
        return self._text

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(self._text)


def ipvs_view(cluster: "Cluster", node: str | None = None, service: str | None = None,
              namespace: str = "default") -> TextView:
    """``ipvsadm -Ln`` on ``node`` as kube-proxy in IPVS mode programs it from the Services and
    endpoints this node's kube-proxy knows now (optionally only ``service``'s virtual servers)."""
    from ..node.proxy import build_ipvs, render_ipvsadm

    node, proxy = _proxy(cluster, node)
    vss = proxy.virtual_servers if proxy.mode == "ipvs" else build_ipvs(proxy.service_ports, proxy.endpoints,
                                                                        [proxy.node_ip])
    if service is not None:
        key = f"{namespace}/{service}"
        vss = [v for v in vss if v.service == key or v.service.startswith(key + ":")]
    mode = "" if proxy.mode == "ipvs" else " (kube-proxy --proxy-mode=ipvs, from the same Services and endpoints)"
    return TextView(f"# ipvsadm -Ln on {node}{mode}\n" + render_ipvsadm(vss).rstrip("\n"))


# ------------------------------------------------------------------------------------------
# load spread
_PALETTE = ("#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#5d4037", "#827717")


def _short(pod: str) -> str:
    return pod.split("/", 1)[-1]


def spread_chart(load, title: str | None = None, markers: Sequence[tuple[float, str]] = ()):
    """A :class:`~kube_lab.viz.Picture` of a load generator's requests: on the left each pod's
    share (with the even share dashed), on the right every request at the time it was sent, one
    row per pod, failures as red crosses; ``markers`` are ``(time, label)`` lines."""
    from .animations import Picture, _figure

    records = [r for r in load.records if r.done]
    spread = load.spread()
    pods = [p for p in spread if p != "<failed>"]
    total = sum(spread.values())
    fig = _figure(9.6, 0.5 * max(len(pods) + (1 if "<failed>" in spread else 0), 2) + 1.4)
    left, right = fig.add_axes([0.22, 0.2, 0.28, 0.65]), fig.add_axes([0.56, 0.2, 0.42, 0.65])
    rows = pods + (["<failed>"] if "<failed>" in spread else [])
    colour = {p: _PALETTE[i % len(_PALETTE)] for i, p in enumerate(pods)}
    colour["<failed>"] = "#c62828"
    ys = list(range(len(rows)))[::-1]
    shares = [100.0 * spread[p] / total if total else 0.0 for p in rows]
    left.barh(ys, shares, color=[colour[p] for p in rows], height=0.6)
    for y, p, s in zip(ys, rows, shares):
        left.text(s + 1, y, f"{spread[p]} ({s:.1f}%)", va="center", fontsize=8)
    if pods:
        left.axvline(100.0 / len(pods), color="#555", linestyle="--", linewidth=1)
    left.set_yticks(ys)
    left.set_yticklabels([_short(p) for p in rows], fontsize=8)
    left.set_xlim(0, max(shares + [100.0 / max(len(pods), 1)]) * 1.45 + 1)
    left.set_xlabel("share of requests (%)  - - even share", fontsize=8)
    row_y = dict(zip(rows, ys))
    for p in rows:
        xs = [r.started for r in records if (r.pod if r.pod and r.status is not None else "<failed>") == p]
        right.scatter(xs, [row_y[p]] * len(xs), s=40 if p != "<failed>" else 20, linewidths=0.8,
                      marker="|" if p != "<failed>" else "x", color=colour[p])
    for t, label in markers:
        right.axvline(t, color="#555", linestyle=":", linewidth=1)
        right.text(t, len(rows) - 0.45, " " + label, fontsize=8, va="bottom")
    right.set_yticks(ys)
    right.set_yticklabels([])
    right.set_ylim(-0.6, len(rows) - 0.1)
    right.set_xlabel("virtual time the request was sent (s)", fontsize=8)
    for ax in (left, right):
        ax.tick_params(labelsize=8)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.suptitle(title or f"{load.method} {load.target} from {load.source}: {total} requests", fontsize=10)
    parts = [f"{_short(p)} {spread[p]} ({100.0 * spread[p] / total:.1f}%)" for p in rows] if total else ["no requests"]
    return Picture(fig, f"{total} requests to {load.target}: " + ", ".join(parts))


# ------------------------------------------------------------------------------------------
# one request's path
_RULE = re.compile(r"^iptables -t (\w+) (\S+): (.*?)(\s+←.*)?$")


def _hop_label(what: str) -> str:
    m = _RULE.match(what)
    if not m:
        return "\n".join(textwrap.wrap(what, 52, break_on_hyphens=False))
    table, chain, rule, note = m.groups()
    bits = []
    for opt in ("-d", "--dport", "--probability"):
        v = _option(rule, opt)
        if v:
            text = _fraction(float(v)) if opt == "--probability" else v.removesuffix("/32")
            bits.append({"-d": "to ", "--dport": "port ", "--probability": "p="}[opt] + text)
    if "--rcheck" in rule:
        bits.append("same client as before")
    dest = _option(rule, "--to-destination")
    tgt = _target(rule) + (f" {dest}" if dest else "")
    label = f"{table} {chain}" + (f" [{', '.join(bits)}]" if bits else "") + f"\n→ {tgt}"
    if note:
        label += "\n" + note.strip().lstrip("← ").strip()
    return label


def request_path(result) -> "object":
    """One request's hops (a :class:`~kube_lab.network.traffic.RequestResult`) as a Graphviz
    :class:`~kube_lab.viz.Diagram`: a box per place (pod, node, docker network), the steps in
    order inside, iptables rules shortened to chain, match and target."""
    from .diagrams import Diagram, _Dot

    d = _Dot("request_path", rankdir="TB", label=result.headline(), labelloc="t")
    groups: list[tuple[str, list[int]]] = []
    for i, h in enumerate(result.hops):
        if groups and groups[-1][0] == h.where:
            groups[-1][1].append(i)
        else:
            groups.append((h.where, [i]))
    for gi, (where, idx) in enumerate(groups):
        fill = ("#e3f2fd" if where.startswith("pod") else "#f1f8e9" if where.startswith("node") else "#fafafa")
        d.open(f"g{gi}", label=where, style="rounded,filled", fillcolor=fill)
        for i in idx:
            what = result.hops[i].what
            bad = any(w in what for w in ("refused", "dropped", "no answer", "NXDOMAIN", "REJECT", "DROP", "nobody has"))
            d.node(f"h{i}", indent=2, label=_hop_label(what), fillcolor="#ffcdd2" if bad else "white")
        d.close()
    for i in range(len(result.hops) - 1):
        d.edge(f"h{i}", f"h{i + 1}", color="#1565c0", penwidth="1.5")
    outline = [str(h) for h in result.hops]
    n = len(result.hops)
    summary = f"{n} step{'s' if n != 1 else ''}: {result.headline()}"
    return Diagram("request path", result.headline(), d.source(), outline, summary)


# ------------------------------------------------------------------------------------------
# the type switch
class ServiceTypeSwitch:
    """A Service whose ``type`` you switch, and a button that sends a request the way a client
    of that type reaches it:

    * ``ClusterIP`` — from a pod (``client``), by name: only reachable inside the cluster;
    * ``NodePort`` — from outside, to a node's IP and the node port (any node will do);
    * ``LoadBalancer`` — from outside, to the address in ``status.loadBalancer`` (while it is
      ``<pending>`` there is nothing to send to);
    * ``ExternalName`` — from a pod, by name: cluster DNS answers with a CNAME to
      ``external_name``, and the client connects to whatever that name resolves to.

    Each switch replaces the Service with the manifest of the new type (``kubectl replace
    --force``: delete and create), asking for the same cluster IP and node port again, then lets
    ``settle`` seconds pass so that the controllers and kube-proxy catch up.  ``switch(type)``,
    ``send()`` and ``try_type(type)`` do from code what the buttons do."""

    def __init__(self, cluster: "Cluster", name: str = "front", *, selector: dict | None = None,
                 port: int = 80, target_port: int | str = "http", node_port: int = 30090, path: str = "/hostname",
                 client: str = "client", external_name: str = "web.default.svc.cluster.local",
                 node: str | None = None, namespace: str = "default", settle: float = 2.0):
        from .widgets import _widgets

        self.cluster = cluster
        self.name, self.namespace = name, namespace
        self.selector = dict(selector or {"app": "web"})
        self.port, self.target_port, self.node_port = port, target_port, node_port
        self.path, self.client, self.external_name = path, client, external_name
        self.node, self.settle = node, settle
        self.log: list[str] = []
        self.last = None                    # the last RequestResult
        self.last_text = ""
        svc = _service(cluster, name, namespace)
        if svc is None:
            self._kubectl("apply -f -", self.manifest("ClusterIP"))
            cluster.run(settle)
            svc = _service(cluster, name, namespace) or {}
        spec = svc.get("spec") or {}
        self.type = spec.get("type", "ClusterIP")
        self.cluster_ip = spec.get("clusterIP") if spec.get("clusterIP") not in (None, "", "None") else None
        w = _widgets()
        self.widget = None
        if w is None:
            return
        self.toggle = w.ToggleButtons(options=list(SERVICE_TYPES), value=self.type, description="type")
        self.button = w.Button(description="send request", button_style="primary", icon="paper-plane")
        self.output = w.HTML(value=self._panel())
        self._quiet = False
        self.toggle.observe(self._on_toggle, names="value")
        self.button.on_click(lambda _b: self.send())
        self.widget = w.VBox([w.HBox([self.toggle, self.button]), self.output])

    # -- what each type looks like ---------------------------------------------------------
    def manifest(self, type_: str) -> str:
        """The Service's manifest for ``type_`` (same name, selector, port, cluster IP, node port)."""
        if type_ not in SERVICE_TYPES:
            raise ValueError(f"unknown Service type {type_!r} (one of {', '.join(SERVICE_TYPES)})")
        lines = ["apiVersion: v1", "kind: Service", f"metadata: {{name: {self.name}, namespace: {self.namespace}}}",
                 "spec:", f"  type: {type_}"]
        if type_ == "ExternalName":
            lines.append(f"  externalName: {self.external_name}")
            return "\n".join(lines) + "\n"
        if getattr(self, "cluster_ip", None):
            lines.append(f"  clusterIP: {self.cluster_ip}")
        sel = ", ".join(f"{k}: {v}" for k, v in sorted(self.selector.items()))
        lines.append(f"  selector: {{{sel}}}")
        port = f"port: {self.port}, targetPort: {self.target_port}"
        if type_ in ("NodePort", "LoadBalancer"):
            port += f", nodePort: {self.node_port}"
        lines.append(f"  ports: [{{{port}}}]")
        return "\n".join(lines) + "\n"

    def _node_ip(self) -> tuple[str, str]:
        nodes = viz_client(self.cluster).list("nodes")["items"]
        names = [n["metadata"]["name"] for n in nodes]
        pick = self.node or next((n for n in names if not n.endswith("control-plane")), names[0] if names else "")
        node = next((n for n in nodes if n["metadata"]["name"] == pick), None)
        ip = next((a["address"] for a in ((node or {}).get("status") or {}).get("addresses") or ()
                   if a.get("type") == "InternalIP"), "")
        return pick, ip

    def how(self) -> str:
        """How a client reaches the Service now (what :meth:`send` will do)."""
        target, source, why = self._target()
        return why if target is None else f"GET http://{target}{self.path} from {source}"

    def _target(self) -> tuple[str | None, str, str]:
        svc = _service(self.cluster, self.name, self.namespace) or {}
        spec = svc.get("spec") or {}
        t = spec.get("type", "ClusterIP")
        port = "" if self.port == 80 else f":{self.port}"
        if t in ("ClusterIP", "ExternalName"):
            return f"{self.name}{port}", f"pod/{self.client}", ""
        if t == "NodePort":
            _, ip = self._node_ip()
            np = next((p.get("nodePort") for p in spec.get("ports") or () if p.get("nodePort")), self.node_port)
            return f"{ip}:{np}", "outside", ""
        ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        if not ingress or not ingress[0].get("ip"):
            return None, "outside", ("EXTERNAL-IP is <pending>: no load balancer has given this Service an address, "
                                     "so an outside client has nothing to send to (it can still use a node's IP and "
                                     "the node port)")
        return f"{ingress[0]['ip']}{port}", "outside", ""

    # -- actions -----------------------------------------------------------------------------
    def _kubectl(self, command: str, stdin: str | None = None) -> str:
        res = self.cluster.kubectl(command, stdin)
        text = f"$ kubectl {command}\n" + (stdin or "") + res.output.rstrip()
        self.log.append(text)
        self.last_text = text
        return res.output

    def switch(self, type_: str) -> str:
        """Replace the Service by one of ``type_``; returns kubectl's output."""
        if type_ == self.type and _service(self.cluster, self.name, self.namespace) is not None:
            return ""
        out = self._kubectl("replace --force -f -", self.manifest(type_))
        self.cluster.run(self.settle)
        svc = _service(self.cluster, self.name, self.namespace) or {}
        self.type = (svc.get("spec") or {}).get("type", type_)
        self.last = None
        if self.widget is not None and self.toggle.value != self.type:
            self._quiet = True              # the buttons follow a switch made from code
            try:
                self.toggle.value = self.type
            finally:
                self._quiet = False
        self._refresh()
        return out

    def _on_toggle(self, change) -> None:
        if not self._quiet:
            self.switch(change["new"])

    def send(self):
        """Send one request as a client of the current type would; returns the RequestResult
        (``None`` when there is no address to send to)."""
        target, source, why = self._target()
        if target is None:
            self.last = None
            self.last_text = why
            self._refresh()
            return None
        self.last = self.cluster.request(f"http://{target}{self.path}", source, namespace=self.namespace)
        self.last_text = self.last.text()
        self._refresh()
        return self.last

    def try_type(self, type_: str) -> str:
        """Switch to ``type_`` and send a request: one line saying what happened."""
        self.switch(type_)
        res = self.send()
        return f"{type_:<13} {res.headline() if res is not None else self.last_text}"

    # -- display -------------------------------------------------------------------------------
    def _panel(self) -> str:
        e = html.escape
        return (f"<div style='font-family:sans-serif;font-size:13px'>service/{e(self.name)} is "
                f"<b>{e(self.type)}</b>; a client reaches it as: <code>{e(self.how())}</code></div>"
                + (f"<pre style='margin:2px 0;font-size:11px'>{e(self.last_text)}</pre>" if self.last_text else ""))

    def _refresh(self) -> None:
        if self.widget is not None:
            self.output.value = self._panel()

    def html(self) -> str:
        return self._panel() + ("<div style='color:#777;font-size:12px'>(type buttons and a send button in a "
                                "running notebook)</div>")

    def __repr__(self) -> str:
        return f"ServiceTypeSwitch(service/{self.name}, type={self.type})"

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {}
        if self.widget is not None:
            bundle.update(self.widget._repr_mimebundle_() or {})
        bundle["text/plain"] = repr(self)
        bundle["text/html"] = self.html()
        return bundle


def type_table(switch: ServiceTypeSwitch, types: Iterable[str] = SERVICE_TYPES) -> str:
    """Try each type in turn (switch, send) and return one line per type."""
    return "\n".join(switch.try_type(t) for t in types)


__all__ = ["RuleLine", "RuleListing", "ServiceTypeSwitch", "TextView", "ipvs_view", "request_path",
           "service_rules", "spread_chart", "type_table"]
