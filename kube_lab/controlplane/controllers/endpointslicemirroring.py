"""The EndpointSlice mirroring controller (``pkg/controller/endpointslicemirroring``): a Service
without a selector gets its endpoints from a hand-written ``Endpoints`` object; this controller
copies them into EndpointSlices so that kube-proxy and DNS (which read only slices) see them.

* Only Endpoints whose Service exists and has no selector are mirrored, and not those labelled
  ``endpointslice.kubernetes.io/skip-mirror: "true"`` (the API server's own ``kubernetes``
  Endpoints) or carrying a leader-election record.
* Each subset becomes slices of its address type with the subset's ports; ``addresses`` are
  ready endpoints, ``notReadyAddresses`` not ready ones (only the ``ready`` condition is set).
  At most 1000 addresses of a subset are mirrored.
* Slices are named from ``generateName: <endpoints>-``, owned by the Endpoints object, carry its
  labels plus ``kubernetes.io/service-name`` and ``endpointslice.kubernetes.io/managed-by:
  endpointslicemirroring-controller.k8s.io``.
"""
from __future__ import annotations

import ipaddress

from ...api import errors
from ...api.meta import deep_copy, new_controller_ref
from ...client import Controller
from .endpointslice import LABEL_MANAGED_BY, LABEL_SERVICE_NAME, SliceTracker, ensure_index, port_map_key

CONTROLLER_NAME = "endpointslicemirroring-controller.k8s.io"
LABEL_SKIP_MIRROR = "endpointslice.kubernetes.io/skip-mirror"
LEADER_ELECTION_ANNOTATION = "control-plane.alpha.kubernetes.io/leader"
MAX_ENDPOINTS_PER_SUBSET = 1000
SKIPPED_ANNOTATIONS = ("endpoints.kubernetes.io/last-change-trigger-time",
                       "kubectl.kubernetes.io/last-applied-configuration")


def _address_type(ip: str) -> str | None:
    try:
        return "IPv6" if ipaddress.ip_address(ip).version == 6 else "IPv4"
    except ValueError:
        return None


def _endpoint(addr: dict, ready: bool) -> dict:
    ep: dict = {"addresses": [addr["ip"]], "conditions": {"ready": ready}}
    if addr.get("hostname"):
        ep["hostname"] = addr["hostname"]
    if addr.get("targetRef"):
        ep["targetRef"] = deep_copy(addr["targetRef"])
    if addr.get("nodeName"):
        ep["nodeName"] = addr["nodeName"]
    return ep


class EndpointSliceMirroringController(Controller):
    name = "endpointslice-mirroring"
    component = "endpoint-slice-mirroring-controller"

    def __init__(self, client, informers):
        super().__init__(client, informers)
        self.tracker = SliceTracker()

    def start(self) -> None:
        self.services = self.informers.informer("services")
        self.endpoints = self.informers.informer("endpoints")
        self.slices = self.informers.informer("endpointslices")
        ensure_index(self.slices, "service", self._slice_key)
        for inf in (self.services, self.endpoints):
            inf.add_handlers(self._on_object, lambda old, new: self._on_object(new), self._on_object)
        self.slices.add_handlers(self._on_slice, lambda old, new: self._on_slice(new), self._on_slice_deleted)

    @staticmethod
    def _slice_key(s: dict) -> list[str]:
        name = (s["metadata"].get("labels") or {}).get(LABEL_SERVICE_NAME)
        return [f"{s['metadata'].get('namespace', '')}/{name}"] if name else []

    def _on_object(self, obj: dict) -> None:
        self.enqueue(f"{obj['metadata'].get('namespace', '')}/{obj['metadata']['name']}")

    def _on_slice_deleted(self, s: dict) -> None:
        for key in self._slice_key(s):
            self.tracker.observed_deletion(key, s["metadata"]["name"])
        self._on_slice(s)

    def _on_slice(self, s: dict) -> None:
        if (s["metadata"].get("labels") or {}).get(LABEL_MANAGED_BY) == CONTROLLER_NAME:
            for key in self._slice_key(s):
                self.enqueue(key)

    def _should_mirror(self, ep: dict | None, svc: dict | None) -> bool:
        if ep is None or svc is None or (svc.get("spec") or {}).get("selector") is not None:
            return False
        if (ep["metadata"].get("labels") or {}).get(LABEL_SKIP_MIRROR) == "true":
            return False
        return LEADER_ELECTION_ANNOTATION not in (ep["metadata"].get("annotations") or {})

    def reconcile(self, key: str) -> None:
        ns = key.partition("/")[0]
        mine = [s for s in self.slices.by_index("service", key)
                if (s["metadata"].get("labels") or {}).get(LABEL_MANAGED_BY) == CONTROLLER_NAME]
        if self.tracker.stale(key, {s["metadata"]["name"]: s for s in mine}):
            self.queue.add_rate_limited(key)
            return
        ep, svc = self.endpoints.get(key), self.services.get(key)
        desired: list[dict] = []
        if self._should_mirror(ep, svc):
            desired = self._desired(ep)
        existing = {}
        for s in mine:
            existing.setdefault((s.get("addressType"), port_map_key(s.get("ports"))), []).append(s)
        for want in desired:
            group = existing.get((want["addressType"], port_map_key(want.get("ports"))))
            if group:
                cur = group.pop(0)
                if (cur.get("endpoints") or []) == (want["endpoints"] or []) and \
                        cur["metadata"].get("labels") == want["metadata"]["labels"] and \
                        (cur["metadata"].get("annotations") or {}) == (want["metadata"].get("annotations") or {}):
                    continue
                new = deep_copy(cur)
                new["endpoints"] = want["endpoints"]
                new["metadata"]["labels"] = want["metadata"]["labels"]
                if want["metadata"].get("annotations"):
                    new["metadata"]["annotations"] = want["metadata"]["annotations"]
                else:
                    new["metadata"].pop("annotations", None)
                self.tracker.written(key, self.client.update("endpointslices", new, ns))
            else:
                self.tracker.written(key, self.client.create("endpointslices", want, ns, owned=True))
        for group in existing.values():
            for s in group:
                try:
                    self.client.delete("endpointslices", s["metadata"]["name"], ns)
                except errors.StatusError as e:
                    if e.reason != "NotFound":
                        raise
                self.tracker.deleted(key, s["metadata"]["name"])

    def _desired(self, ep: dict) -> list[dict]:
        md = ep["metadata"]
        labels = dict(md.get("labels") or {})
        labels[LABEL_SERVICE_NAME] = md["name"]
        labels[LABEL_MANAGED_BY] = CONTROLLER_NAME
        annotations = {k: v for k, v in (md.get("annotations") or {}).items() if k not in SKIPPED_ANNOTATIONS}
        out = []
        for subset in ep.get("subsets") or ():
            ports = [{"name": p.get("name", ""), "port": p.get("port"), "protocol": p.get("protocol", "TCP"),
                      **({"appProtocol": p["appProtocol"]} if p.get("appProtocol") is not None else {})}
                     for p in subset.get("ports") or ()]
            by_type: dict[str, list[dict]] = {}
            count = 0
            for field, ready in (("addresses", True), ("notReadyAddresses", False)):
                for addr in subset.get(field) or ():
                    if count >= MAX_ENDPOINTS_PER_SUBSET:
                        break
                    at = _address_type(addr.get("ip", ""))
                    if at is None:
                        continue
                    by_type.setdefault(at, []).append(_endpoint(addr, ready))
                    count += 1
            for at in sorted(by_type):
                meta: dict = {"generateName": f"{md['name']}-", "namespace": md.get("namespace", ""),
                              "labels": dict(labels),
                              "ownerReferences": [new_controller_ref({**ep, "apiVersion": "v1", "kind": "Endpoints"})]}
                if annotations:
                    meta["annotations"] = dict(annotations)
                out.append({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": meta,
                            "addressType": at, "endpoints": by_type[at], "ports": deep_copy(ports) or None})
        return out
