"""A MetalLB-like load balancer for ``type: LoadBalancer`` Services (MetalLB's controller and
its layer-2 speaker), as people install on kind.

Off by default — then nothing fills ``status.loadBalancer`` and ``kubectl get svc`` shows
EXTERNAL-IP ``<pending>``, exactly as on a bare kind or minikube cluster.  Switched on with an
address pool (``172.18.255.200-172.18.255.250``, a slice of kind's docker network), each
LoadBalancer Service gets the lowest free address of the pool in
``status.loadBalancer.ingress[0].ip`` (a requested ``spec.loadBalancerIP`` or
``metallb.universe.tf/loadBalancerIPs`` annotation is honoured), with MetalLB's events:
``IPAllocated`` "Assigned IP ["…"]" from metallb-controller, ``nodeAssigned`` "announcing from node
"…" with protocol "layer2"" from metallb-speaker, ``AllocationFailed`` when the pool is exhausted.

The announcing node (the one answering ARP for the address, where outside traffic enters) is
chosen as MetalLB's layer-2 speakers agree on it: among the eligible nodes — ready, not labelled
``node.kubernetes.io/exclude-from-external-load-balancers``, and with
``externalTrafficPolicy: Local`` only nodes with a ready endpoint — the one whose
sha256("<node>#<ip>") sorts first.  Services with a ``loadBalancerClass`` are left to others.
"""
from __future__ import annotations

import hashlib
import ipaddress

from ..api import errors
from ..api.meta import deep_copy
from ..client import Client, Controller, EventRecorder, InformerFactory

DEFAULT_POOL = "172.18.255.200-172.18.255.250"
ANNOTATION_IPS = "metallb.universe.tf/loadBalancerIPs"
EXCLUDE_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers"


def parse_pool(pool: str | list[str]) -> list[str]:
    """Addresses of a pool given as ``a.b.c.d-e.f.g.h`` ranges and/or CIDRs (in order)."""
    out: list[str] = []
    for part in [pool] if isinstance(pool, str) else pool:
        for piece in part.split(","):
            piece = piece.strip()
            if not piece:
                continue
            if "-" in piece:
                lo, hi = (ipaddress.ip_address(x.strip()) for x in piece.split("-", 1))
                out += [str(ipaddress.ip_address(i)) for i in range(int(lo), int(hi) + 1)]
            else:
                out += [str(a) for a in ipaddress.ip_network(piece, strict=False)]
    return out


def announcing_node(ip: str, nodes: list[str]) -> str | None:
    """MetalLB layer 2: the node whose sha256(node + "#" + ip) sorts first."""
    if not nodes:
        return None
    return min(nodes, key=lambda n: hashlib.sha256(f"{n}#{ip}".encode()).digest())


class LoadBalancerController(Controller):
    """MetalLB's controller (address allocation) and speakers (layer-2 announcement).

    ``LoadBalancerController(client, pool=None)`` then :meth:`start`; :meth:`enable` with a pool
    switches it on, :meth:`disable` stops new assignments."""

    name = "metallb"
    component = "metallb-controller"

    def __init__(self, client: Client, pool: str | list[str] | None = None, *, pool_name: str = "default"):
        super().__init__(client, InformerFactory(client))
        self.speaker = EventRecorder(Client(client.apiserver, "metallb-speaker"), "metallb-speaker")
        self.pool_name = pool_name
        self.addresses: list[str] = parse_pool(pool) if pool else []
        self.enabled = pool is not None
        self.assigned: dict[str, str] = {}            # service key → ip
        self.owner: dict[str, str] = {}               # ip → service key
        self.announcer: dict[str, str] = {}           # service key → node announcing it

    def start(self) -> "LoadBalancerController":
        self.services = self.informers.informer("services")
        self.nodes = self.informers.informer("nodes")
        self.slices = self.informers.informer("endpointslices")
        self.slices.add_indexer("metallb/service", self._slice_service)
        self.services.add_handlers(self._on_service, lambda old, new: self._on_service(new), self._on_service)
        self.nodes.add_handlers(self._all, lambda old, new: self._all(), self._all)
        self.slices.add_handlers(self._on_slice, lambda old, new: self._on_slice(new), self._on_slice)
        self.informers.start()
        return self

    def enable(self, pool: str | list[str] = DEFAULT_POOL) -> None:
        """Switch on with an IPAddressPool (and an L2Advertisement for it)."""
        self.addresses = parse_pool(pool)
        self.enabled = True
        self._all()

    def disable(self) -> None:
        self.enabled = False

    @staticmethod
    def _slice_service(s: dict) -> list[str]:
        name = (s["metadata"].get("labels") or {}).get("kubernetes.io/service-name")
        return [f"{s['metadata'].get('namespace', '')}/{name}"] if name else []

    def _key(self, svc: dict) -> str:
        return f"{svc['metadata'].get('namespace', '')}/{svc['metadata']['name']}"

    def _on_service(self, svc: dict) -> None:
        self.enqueue(self._key(svc))

    def _on_slice(self, s: dict) -> None:
        for key in self._slice_service(s):
            self.enqueue(key)

    def _all(self, *_args) -> None:
        if hasattr(self, "services"):
            for key in self.services.keys():
                self.enqueue(key)

    # -------------------------------------------------------------------------------------
    def reconcile(self, key: str) -> None:
        svc = self.services.get(key)
        spec = (svc or {}).get("spec") or {}
        if svc is None or spec.get("type") != "LoadBalancer" or spec.get("loadBalancerClass"):
            self._release(key, svc)
            return
        if not self.enabled:
            return
        ip = self.assigned.get(key)
        current = [i.get("ip") for i in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or ()]
        if ip is None and current and current[0] in self.addresses and self.owner.get(current[0]) in (None, key):
            ip = current[0]                                 # already ours (after a restart)
            self._take(key, ip)
        wanted = self._requested(svc)
        if ip is not None and wanted and ip not in wanted:
            self._release(key, None)
            ip = None
        if ip is None:
            try:
                ip = self._allocate(key, wanted)
            except ValueError as e:
                self.recorder.event(svc, "Warning", "AllocationFailed", f'Failed to allocate IP for "{key}": {e}')
                return
            self._take(key, ip)
            self.recorder.event(svc, "Normal", "IPAllocated", f'Assigned IP ["{ip}"]')
        if current != [ip]:
            body = deep_copy(svc)
            body.setdefault("status", {})["loadBalancer"] = {"ingress": [{"ip": ip, "ipMode": "VIP"}]}
            try:
                self.client.update_status("services", body, svc["metadata"].get("namespace"))
            except errors.StatusError as e:
                if e.reason == "NotFound":
                    return
                raise
        node = announcing_node(ip, self._eligible_nodes(svc))
        if node and self.announcer.get(key) != node:
            self.announcer[key] = node
            # two recorders writing in one virtual instant must not pick the same event name
            self.speaker._last_nanos = max(self.speaker._last_nanos, self.recorder._last_nanos)
            self.speaker.event(svc, "Normal", "nodeAssigned", f'announcing from node "{node}" with protocol "layer2"')
            self.recorder._last_nanos = max(self.speaker._last_nanos, self.recorder._last_nanos)
        elif node is None:
            self.announcer.pop(key, None)

    def _requested(self, svc: dict) -> list[str]:
        ann = (svc["metadata"].get("annotations") or {}).get(ANNOTATION_IPS)
        if ann:
            return [a.strip() for a in ann.split(",") if a.strip()]
        ip = (svc.get("spec") or {}).get("loadBalancerIP")
        return [ip] if ip else []

    def _allocate(self, key: str, wanted: list[str]) -> str:
        if wanted:
            for ip in wanted:
                if ip not in self.addresses:
                    raise ValueError(f'["{ip}"] is not allowed in config')
                holder = self.owner.get(ip)
                if holder not in (None, key):
                    raise ValueError(f'can\'t change sharing key for "{key}", address also in use by {holder}')
                return ip
        for ip in self.addresses:
            if ip not in self.owner:
                return ip
        raise ValueError("no available IPs")

    def _take(self, key: str, ip: str) -> None:
        self.assigned[key] = ip
        self.owner[ip] = key

    def _release(self, key: str, svc: dict | None) -> None:
        ip = self.assigned.pop(key, None)
        self.announcer.pop(key, None)
        if ip is None:
            return
        self.owner.pop(ip, None)
        if svc is not None and ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress"):
            body = deep_copy(svc)
            body["status"]["loadBalancer"] = {}
            try:
                self.client.update_status("services", body, svc["metadata"].get("namespace"))
            except errors.StatusError as e:
                if e.reason != "NotFound":
                    raise

    def _eligible_nodes(self, svc: dict) -> list[str]:
        nodes = []
        for node in self.nodes.list():
            labels = node["metadata"].get("labels") or {}
            if EXCLUDE_LABEL in labels:
                continue
            ready = any(c.get("type") == "Ready" and c.get("status") == "True"
                        for c in (node.get("status") or {}).get("conditions") or ())
            if ready:
                nodes.append(node["metadata"]["name"])
        if (svc.get("spec") or {}).get("externalTrafficPolicy") == "Local":
            with_endpoints = set()
            for s in self.slices.by_index("metallb/service", self._key(svc)):
                for ep in s.get("endpoints") or ():
                    if (ep.get("conditions") or {}).get("ready") is not False and ep.get("nodeName"):
                        with_endpoints.add(ep["nodeName"])
            nodes = [n for n in nodes if n in with_endpoints]
        return nodes

    def announcing(self, namespace: str, name: str) -> str | None:
        """The node currently answering ARP for the Service's address."""
        return self.announcer.get(f"{namespace}/{name}")
