"""The Endpoints controller (``pkg/controller/endpoint``): the classic ``Endpoints`` object of a
Service with a selector, named like the Service.

* Pods that match the selector and have an IP are listed; terminating pods only with
  ``publishNotReadyAddresses``.  Ready pods go to ``addresses``, the others to
  ``notReadyAddresses`` (all to ``addresses`` with ``publishNotReadyAddresses``).  A pod being
  deleted leaves at once — at the deletionTimestamp, not after its grace period.
* Each Service port becomes an endpoint port with ``targetPort`` resolved per pod (a named port is
  looked up in the pod's containers); pods that offer the same ports share one subset
  (``RepackSubsets``).
* Labels are the Service's plus ``service.kubernetes.io/headless`` for headless Services; the
  ``endpoints.kubernetes.io/last-change-trigger-time`` annotation records the change that caused
  the write; more than 1000 addresses are truncated and annotated ``over-capacity: truncated``.
* Services without a selector (and ExternalName Services) are left alone: their Endpoints are
  written by hand.  When a Service goes, its Endpoints object is deleted.
"""
from __future__ import annotations

import math

from ...api import errors
from ...api.meta import deep_copy
from ...client import Controller
from .endpointslice import (LABEL_HEADLESS, ANNOTATION_TRIGGER_TIME, PodServiceIndex, TriggerTimeTracker,
                            ensure_index, find_port, is_pod_ready, is_service_ip_set, namespace_index, pod_ips_of_family,
                            selector_matches, should_pod_be_in_endpoints, should_set_hostname)

MAX_CAPACITY = 1000
ANNOTATION_OVER_CAPACITY = "endpoints.kubernetes.io/over-capacity"
LEADER_ELECTION_ANNOTATION = "control-plane.alpha.kubernetes.io/leader"


def pod_address(svc: dict, pod: dict) -> dict | None:
    """``podToEndpointAddressForService``: the pod IP of the Service's first IP family."""
    fams = (svc.get("spec") or {}).get("ipFamilies") or []
    family = fams[0] if fams else ("IPv6" if ":" in ((svc.get("spec") or {}).get("clusterIP") or "") else "IPv4")
    ips = pod_ips_of_family(pod, family)
    if not ips:
        return None
    md = pod["metadata"]
    addr: dict = {"ip": ips[0]}
    if should_set_hostname(pod, svc):
        addr["hostname"] = pod["spec"]["hostname"]
    addr["nodeName"] = (pod.get("spec") or {}).get("nodeName", "")
    addr["targetRef"] = {"kind": "Pod", "namespace": md.get("namespace", ""), "name": md["name"], "uid": md.get("uid", "")}
    return addr


def repack_subsets(entries: list[tuple[dict, bool, dict | None]]) -> list[dict]:
    """``RepackSubsets``: (address, ready, port) triples grouped so that addresses offering the
    same set of ports share a subset.  Addresses are sorted by IP then pod uid; ports and subsets
    are ordered deterministically (upstream orders them by an object hash)."""
    def port_key(p):
        return (p.get("name", ""), p.get("port", 0), p.get("protocol", ""), p.get("appProtocol", ""))

    addr_ports: dict[tuple, tuple[dict, bool, dict]] = {}   # address key → (addr, ready, {port key: port})
    for addr, ready, port in entries:
        akey = (addr["ip"], (addr.get("targetRef") or {}).get("uid", ""))
        cur = addr_ports.get(akey)
        if cur is None:
            cur = addr_ports[akey] = (addr, ready, {})
        elif ready and not cur[1]:
            cur = addr_ports[akey] = (cur[0], True, cur[2])
        if port is not None:
            cur[2][port_key(port)] = port
    groups: dict[tuple, list[tuple[dict, bool]]] = {}
    ports_of: dict[tuple, list[dict]] = {}
    for akey in addr_ports:
        addr, ready, ports = addr_ports[akey]
        pk = tuple(sorted(ports))
        groups.setdefault(pk, []).append((addr, ready))
        ports_of[pk] = [ports[k] for k in sorted(ports)]
    subsets = []
    for pk in sorted(groups):
        members = sorted(groups[pk], key=lambda ar: (ar[0]["ip"], (ar[0].get("targetRef") or {}).get("uid", "")))
        ready = [a for a, r in members if r]
        not_ready = [a for a, r in members if not r]
        subset: dict = {}
        if ready:
            subset["addresses"] = ready
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        if ports_of[pk]:
            subset["ports"] = ports_of[pk]
        subsets.append(subset)
    return subsets


def truncate(subsets: list[dict]) -> bool:
    """``truncateEndpoints``: keep at most 1000 addresses, ready ones first, each subset keeping
    its share.  True when something was cut."""
    total_ready = sum(len(s.get("addresses") or ()) for s in subsets)
    total_not_ready = sum(len(s.get("notReadyAddresses") or ()) for s in subsets)
    if total_ready + total_not_ready <= MAX_CAPACITY:
        return False
    truncate_ready = total_ready > MAX_CAPACITY
    limit = MAX_CAPACITY if truncate_ready else MAX_CAPACITY - total_ready
    num_total = total_ready if truncate_ready else total_not_ready
    can_add = limit
    for s in subsets:
        n = len(s.get("addresses" if truncate_ready else "notReadyAddresses") or ())
        to_add = min(int(math.ceil(n / num_total * limit)), can_add) if num_total else 0
        if truncate_ready:
            s["addresses"] = (s.get("addresses") or [])[:to_add]
            s.pop("notReadyAddresses", None)
            can_add -= len(s["addresses"])
        else:
            s["notReadyAddresses"] = (s.get("notReadyAddresses") or [])[:to_add]
            can_add -= len(s["notReadyAddresses"])
    return True


def _subsets_equal(a: list | None, b: list | None) -> bool:
    """Equality that ignores the pods' resourceVersion in targetRefs."""
    def strip(subsets):
        out = deep_copy(subsets or [])
        for s in out:
            for field in ("addresses", "notReadyAddresses"):
                for addr in s.get(field) or ():
                    (addr.get("targetRef") or {}).pop("resourceVersion", None)
        return out
    return strip(a) == strip(b)


class EndpointsController(Controller):
    name = "endpoint"
    component = "endpoint-controller"

    def __init__(self, client, informers):
        super().__init__(client, informers)
        self.trigger_times = TriggerTimeTracker()

    def start(self) -> None:
        self.services = self.informers.informer("services")
        ensure_index(self.services, "namespace", namespace_index)
        self.pods = self.informers.informer("pods")
        ensure_index(self.pods, "namespace", namespace_index)
        self.endpoints = self.informers.informer("endpoints")
        self.memberships = PodServiceIndex(self.services)
        self.services.add_handlers(self._on_object, lambda old, new: self._on_object(new), self._on_object)
        self.pods.add_handlers(self._on_pod, self._on_pod_update, self._on_pod)
        # a deleted Endpoints object is put back
        self.endpoints.add_handlers(None, None, self._on_object)
        self.loop.call_soon(self._check_leftovers)

    def _key(self, obj: dict) -> str:
        return f"{obj['metadata'].get('namespace', '')}/{obj['metadata']['name']}"

    def _on_object(self, obj: dict) -> None:
        self.enqueue(self._key(obj))

    def _check_leftovers(self) -> None:
        """``checkLeftoverEndpoints``, once at start-up: Endpoints whose Service went while the
        controller was down are queued (and deleted); leader-election records are left alone."""
        for ep in self.endpoints.list():
            if LEADER_ELECTION_ANNOTATION in (ep["metadata"].get("annotations") or {}):
                continue
            self.enqueue(self._key(ep))

    def _on_pod(self, pod: dict) -> None:
        for key in sorted(self.memberships.services_for(pod["metadata"].get("namespace", ""), pod["metadata"].get("labels"))):
            self.enqueue(key)

    def _on_pod_update(self, old: dict, new: dict) -> None:
        for key in sorted(self.memberships.on_pod_update(old, new)):
            self.enqueue(key)

    def reconcile(self, key: str) -> None:
        ns, _, name = key.partition("/")
        svc = self.services.get(key)
        if svc is None:
            try:
                self.client.delete("endpoints", name, ns)
            except errors.StatusError as e:
                if e.reason != "NotFound":
                    raise
            self.trigger_times.delete_service(ns, name)
            return
        spec = svc.get("spec") or {}
        if spec.get("type") == "ExternalName" or spec.get("selector") is None:
            return
        publish = bool(spec.get("publishNotReadyAddresses"))
        pods = [p for p in self.pods.by_index("namespace", ns)
                if selector_matches(spec["selector"], p["metadata"].get("labels"))]
        pods.sort(key=lambda p: p["metadata"]["name"])
        trigger = self.trigger_times.compute(ns, svc, pods)
        entries: list[tuple[dict, bool, dict | None]] = []
        ports = spec.get("ports") or []
        for pod in pods:
            if not should_pod_be_in_endpoints(pod, publish):
                continue
            addr = pod_address(svc, pod)
            if addr is None:
                continue
            ready = publish or is_pod_ready(pod)
            if not ports:
                if spec.get("clusterIP") == "None":
                    entries.append((addr, ready, None))   # headless Services may have no ports
                continue
            for sp in ports:
                num = find_port(pod, sp)
                if num is None:
                    continue
                port = {"port": num, "protocol": sp.get("protocol", "TCP")}
                if sp.get("name"):
                    port = {"name": sp["name"], **port}
                if sp.get("appProtocol") is not None:
                    port["appProtocol"] = sp["appProtocol"]
                entries.append((addr, ready, port))
        subsets = repack_subsets(entries)

        current = self.endpoints.get(key)
        svc_labels = svc["metadata"].get("labels") or {}
        if current is not None:
            cur_labels = {k: v for k, v in (current["metadata"].get("labels") or {}).items() if k != LABEL_HEADLESS}
            n = sum(len(s.get("addresses") or ()) + len(s.get("notReadyAddresses") or ()) for s in current.get("subsets") or ())
            over = ANNOTATION_OVER_CAPACITY in (current["metadata"].get("annotations") or {})
            capacity_ok = n <= MAX_CAPACITY and not over
            if _subsets_equal(current.get("subsets"), subsets) and cur_labels == svc_labels and capacity_ok:
                return
            new = deep_copy(current)
        else:
            new = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name, "namespace": ns}}
        if subsets:
            new["subsets"] = subsets
        else:
            new.pop("subsets", None)   # omitempty: no subsets at all
        md = new["metadata"]
        annotations = dict(md.get("annotations") or {})
        if trigger:
            annotations[ANNOTATION_TRIGGER_TIME] = trigger
        else:
            annotations.pop(ANNOTATION_TRIGGER_TIME, None)
        if truncate(new.get("subsets") or []):
            annotations[ANNOTATION_OVER_CAPACITY] = "truncated"
        else:
            annotations.pop(ANNOTATION_OVER_CAPACITY, None)
        if annotations:
            md["annotations"] = annotations
        else:
            md.pop("annotations", None)
        labels = dict(svc_labels)
        if not is_service_ip_set(svc):
            labels[LABEL_HEADLESS] = ""
        if labels:
            md["labels"] = labels
        else:
            md.pop("labels", None)
        try:
            if current is None:
                self.client.create("endpoints", new, ns, owned=True)
            else:
                self.client.update("endpoints", new, ns)
        except errors.StatusError as e:
            if current is None and e.reason == "Forbidden" and "being terminated" in e.message:
                return  # the namespace is terminating
            if current is None:
                self.recorder.event(new, "Warning", "FailedToCreateEndpoint",
                                    f"Failed to create endpoint for service {ns}/{name}: {e.message}")
            else:
                self.recorder.event(new, "Warning", "FailedToUpdateEndpoint",
                                    f"Failed to update endpoint {ns}/{name}: {e.message}")
            raise
