"""The EndpointSlice controller (``pkg/controller/endpointslice`` with the reconciler of
``staging/src/k8s.io/endpointslice``): for every Service with a selector, EndpointSlices list the
matching pods that have an IP.

* One endpoint per pod: its IP, ``conditions`` (``serving`` = the pod's Ready condition,
  ``terminating`` = it has a deletionTimestamp, ``ready`` = serving and not terminating, or always
  true with ``publishNotReadyAddresses``), ``nodeName``, ``zone`` (the node's
  ``topology.kubernetes.io/zone`` label), ``hostname`` (pods whose ``subdomain`` names the
  Service) and a ``targetRef`` to the pod.  Terminating pods stay in the slice — with ready false —
  so that kube-proxy can fall back to them while nothing else serves.
* Ports are the Service's ports with ``targetPort`` resolved per pod (a named port is looked up
  in the pod's containers), so pods that resolve a name differently land in different slices.
* At most 100 endpoints per slice (``--max-endpoints-per-slice``); slices are named by the API
  server from ``generateName: <service>-``, carry the labels ``kubernetes.io/service-name`` and
  ``endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io`` and are owned by the
  Service.  A Service with no endpoints keeps one empty placeholder slice.
* Existing slices are changed in place where possible: endpoints that are no longer wanted are
  removed, changed ones replaced, new ones fill slices already being updated before new slices
  are created.

The helpers at the top (which pods belong in endpoints, named-port lookup, the trigger-time
tracker) are shared with the Endpoints controller, as upstream's ``endpointslice/util`` is.
"""
from __future__ import annotations

import ipaddress

from ...api import errors
from ...api.meta import deep_copy, new_controller_ref, parse_rfc3339
from ...client import Controller

LABEL_SERVICE_NAME = "kubernetes.io/service-name"
LABEL_MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
LABEL_HEADLESS = "service.kubernetes.io/headless"
LABEL_ZONE = "topology.kubernetes.io/zone"
CONTROLLER_NAME = "endpointslice-controller.k8s.io"
ANNOTATION_TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"
MAX_ENDPOINTS_PER_SLICE = 100


# ------------------------------------------------------------------------------------------
# shared helpers (endpointslice/util)
def is_pod_ready(pod: dict) -> bool:
    for cond in (pod.get("status") or {}).get("conditions") or ():
        if cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return False


def ready_transition_time(pod: dict) -> str | None:
    for cond in (pod.get("status") or {}).get("conditions") or ():
        if cond.get("type") == "Ready":
            return cond.get("lastTransitionTime")
    return None


def should_pod_be_in_endpoints(pod: dict, include_terminating: bool) -> bool:
    """``ShouldPodBeInEndpoints``: not terminal (Succeeded/Failed), has an IP, and — unless
    terminating pods are wanted — not being deleted."""
    status = pod.get("status") or {}
    if status.get("phase") in ("Succeeded", "Failed"):
        return False
    if not status.get("podIP") and not status.get("podIPs"):
        return False
    if not include_terminating and pod["metadata"].get("deletionTimestamp"):
        return False
    return True


def should_set_hostname(pod: dict, svc: dict) -> bool:
    """``ShouldSetHostname``: the pod has a hostname and its subdomain is this Service's name."""
    spec = pod.get("spec") or {}
    return bool(spec.get("hostname")) and spec.get("subdomain") == svc["metadata"]["name"] \
        and svc["metadata"].get("namespace") == pod["metadata"].get("namespace")


def find_port(pod: dict, svc_port: dict) -> int | None:
    """``FindPort``: a numeric targetPort as is; a named one looked up (with the same protocol)
    in the pod's containers, then in its sidecar init containers.  None when not found."""
    target = svc_port.get("targetPort", svc_port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    protocol = svc_port.get("protocol", "TCP")
    spec = pod.get("spec") or {}
    for c in spec.get("containers") or ():
        for p in c.get("ports") or ():
            if p.get("name") == target and p.get("protocol", "TCP") == protocol:
                return p.get("containerPort")
    for c in spec.get("initContainers") or ():
        if c.get("restartPolicy") != "Always":
            continue
        for p in c.get("ports") or ():
            if p.get("name") == target and p.get("protocol", "TCP") == protocol:
                return p.get("containerPort")
    return None


def selector_matches(selector: dict, labels: dict | None) -> bool:
    labels = labels or {}
    return all(labels.get(k) == v for k, v in selector.items())


def is_service_ip_set(svc: dict) -> bool:
    ip = (svc.get("spec") or {}).get("clusterIP") or ""
    return ip not in ("", "None")


def pod_ips_of_family(pod: dict, family: str) -> list[str]:
    out = []
    for entry in (pod.get("status") or {}).get("podIPs") or ():
        ip = entry.get("ip") or ""
        try:
            version = ipaddress.ip_address(ip).version
        except ValueError:
            continue
        if (version == 6) == (family == "IPv6"):
            out.append(str(ipaddress.ip_address(ip)))
    if not out and not (pod.get("status") or {}).get("podIPs") and (pod.get("status") or {}).get("podIP"):
        ip = pod["status"]["podIP"]
        try:
            if (ipaddress.ip_address(ip).version == 6) == (family == "IPv6"):
                out.append(ip)
        except ValueError:
            pass
    return out


def pod_endpoints_changed(old: dict, new: dict) -> tuple[bool, bool]:
    """``podEndpointsChanged``: (the pod changed in a way that matters to endpoints, its labels
    or hostname/subdomain changed)."""
    ospec, nspec = old.get("spec") or {}, new.get("spec") or {}
    labels_changed = (old["metadata"].get("labels") or {}) != (new["metadata"].get("labels") or {}) \
        or ospec.get("hostname") != nspec.get("hostname") or ospec.get("subdomain") != nspec.get("subdomain")
    if old["metadata"].get("deletionTimestamp") != new["metadata"].get("deletionTimestamp"):
        return True, labels_changed
    if is_pod_ready(old) != is_pod_ready(new):
        return True, labels_changed
    oips = [p.get("ip") for p in (old.get("status") or {}).get("podIPs") or ()]
    nips = [p.get("ip") for p in (new.get("status") or {}).get("podIPs") or ()]
    if oips != nips:
        return True, labels_changed
    ostat, nstat = old.get("status") or {}, new.get("status") or {}
    if (ostat.get("phase") in ("Succeeded", "Failed")) != (nstat.get("phase") in ("Succeeded", "Failed")):
        return True, labels_changed
    return False, labels_changed


class PodServiceIndex:
    """Which Services (``namespace/name`` keys) select a pod — ``GetPodServiceMemberships`` and
    ``GetServicesToUpdateOnPodChange`` over a Service informer."""

    def __init__(self, services):
        self.services = services

    def services_for(self, namespace: str, labels: dict | None) -> set[str]:
        out = set()
        for svc in self.services.by_index("namespace", namespace):
            selector = (svc.get("spec") or {}).get("selector")
            if selector is None:
                continue  # a nil selector selects nothing
            if selector_matches(selector, labels):
                out.add(f"{namespace}/{svc['metadata']['name']}")
        return out

    def on_pod_update(self, old: dict, new: dict) -> set[str]:
        if old["metadata"].get("resourceVersion") == new["metadata"].get("resourceVersion"):
            return set()
        pod_changed, labels_changed = pod_endpoints_changed(old, new)
        if not pod_changed and not labels_changed:
            return set()
        ns = new["metadata"].get("namespace", "")
        services = self.services_for(ns, new["metadata"].get("labels"))
        if labels_changed:
            old_services = self.services_for(ns, old["metadata"].get("labels"))
            if pod_changed:
                services |= old_services
            else:
                services = (services - old_services) | (old_services - services)
        return services


def namespace_index(obj: dict) -> list[str]:
    return [obj["metadata"].get("namespace", "")]


def ensure_index(informer, name: str, func) -> None:
    """Register an index once on a shared informer (several controllers ask for the same one)."""
    try:
        informer.by_index(name, "")
    except KeyError:
        informer.add_indexer(name, func)


class TriggerTimeTracker:
    """``TriggerTimeTracker``: the ``endpoints.kubernetes.io/last-change-trigger-time``
    annotation is the earliest of the changes seen since the last sync — a pod's Ready condition
    transition, or the Service's creation.  None when nothing changed."""

    def __init__(self):
        self._state: dict[str, tuple[dict[str, str], str | None]] = {}

    def compute(self, namespace: str, svc: dict, pods: list[dict]) -> str | None:
        key = f"{namespace}/{svc['metadata']['name']}"
        last_pods, last_svc = self._state.get(key, ({}, None))
        changed: list[str] = []
        pod_times: dict[str, str] = {}
        for pod in pods:
            t = ready_transition_time(pod)
            if t:
                pod_times[pod["metadata"]["name"]] = t
                prev = last_pods.get(pod["metadata"]["name"])
                if prev is None or parse_rfc3339(t) > parse_rfc3339(prev):
                    changed.append(t)
        svc_time = svc["metadata"].get("creationTimestamp")
        if svc_time and (last_svc is None or parse_rfc3339(svc_time) > parse_rfc3339(last_svc)):
            changed.append(svc_time)
        self._state[key] = (pod_times, svc_time)
        if not changed:
            return None
        return min(changed, key=parse_rfc3339)

    def delete_service(self, namespace: str, name: str) -> None:
        self._state.pop(f"{namespace}/{name}", None)


# ------------------------------------------------------------------------------------------
# desired endpoints
def pod_to_endpoint(pod: dict, node: dict | None, svc: dict, address_type: str) -> dict:
    """``podToEndpoint``: one EndpointSlice endpoint for a pod (fields in API order)."""
    serving = is_pod_ready(pod)
    terminating = bool(pod["metadata"].get("deletionTimestamp"))
    ready = bool((svc.get("spec") or {}).get("publishNotReadyAddresses")) or (serving and not terminating)
    ep: dict = {
        "addresses": pod_ips_of_family(pod, address_type),
        "conditions": {"ready": ready, "serving": serving, "terminating": terminating},
    }
    if should_set_hostname(pod, svc):
        ep["hostname"] = pod["spec"]["hostname"]
    md = pod["metadata"]
    ep["targetRef"] = {"kind": "Pod", "namespace": md.get("namespace", ""), "name": md["name"], "uid": md.get("uid", "")}
    node_name = (pod.get("spec") or {}).get("nodeName")
    if node_name:
        ep["nodeName"] = node_name
    zone = ((node or {}).get("metadata", {}).get("labels") or {}).get(LABEL_ZONE)
    if zone:
        ep["zone"] = zone
    return ep


def endpoint_ports(svc: dict, pod: dict) -> list[dict]:
    """``getEndpointPorts``: the Service's ports with targetPort resolved for this pod; ports a
    pod cannot resolve are left out."""
    spec = svc.get("spec") or {}
    out = []
    for sp in spec.get("ports") or ():
        num = find_port(pod, sp)
        if num is None:
            continue
        port = {"name": sp.get("name", ""), "port": num, "protocol": sp.get("protocol", "TCP")}
        if sp.get("appProtocol") is not None:
            port["appProtocol"] = sp["appProtocol"]
        out.append(port)
    return out


def port_map_key(ports: list[dict] | None) -> tuple:
    return tuple(sorted((p.get("name") or "", p.get("port") or 0, p.get("protocol") or "TCP", p.get("appProtocol") or "")
                        for p in ports or ()))


def endpoint_key(ep: dict) -> tuple:
    """``hashEndpoint``: addresses, hostname and the target pod identify an endpoint."""
    ref = ep.get("targetRef") or {}
    return (tuple(sorted(ep.get("addresses") or ())), ep.get("hostname") or "", ref.get("namespace", ""), ref.get("name", ""))


def endpoints_equal_beyond_hash(a: dict, b: dict) -> bool:
    def ref(e):
        r = dict(e.get("targetRef") or {})
        r.pop("resourceVersion", None)
        return r
    return (a.get("nodeName") == b.get("nodeName") and a.get("zone") == b.get("zone")
            and (a.get("conditions") or {}) == (b.get("conditions") or {}) and ref(a) == ref(b))


def address_types_for(svc: dict) -> list[str]:
    fams = (svc.get("spec") or {}).get("ipFamilies") or []
    out = [("IPv6" if f == "IPv6" else "IPv4") for f in fams if f in ("IPv4", "IPv6")]
    if out:
        return out
    ip = (svc.get("spec") or {}).get("clusterIP") or ""
    if ip and ip != "None":
        return ["IPv6" if ":" in ip else "IPv4"]
    return ["IPv4", "IPv6"]


def slice_labels(existing: dict | None, svc: dict, controller_name: str) -> tuple[dict, bool]:
    """``setEndpointSliceLabels``: the Service's labels plus the reserved ones; True when the
    non-reserved labels differ from the slice's."""
    reserved = (LABEL_SERVICE_NAME, LABEL_MANAGED_BY, LABEL_HEADLESS)
    cur = {k: v for k, v in ((existing or {}).get("metadata", {}).get("labels") or {}).items() if k not in reserved}
    labels = {k: v for k, v in (svc["metadata"].get("labels") or {}).items() if k not in reserved}
    updated = cur != labels
    if not is_service_ip_set(svc):
        labels[LABEL_HEADLESS] = ""
    labels[LABEL_SERVICE_NAME] = svc["metadata"]["name"]
    labels[LABEL_MANAGED_BY] = controller_name
    return labels, updated


def slice_prefix(service_name: str) -> str:
    """``getEndpointSlicePrefix``: ``<service>-`` unless that is no longer a valid name."""
    prefix = f"{service_name}-"
    return prefix if len(prefix) <= 253 else service_name


def owned_by(slice_: dict, svc: dict) -> bool:
    for ref in slice_["metadata"].get("ownerReferences") or ():
        if ref.get("uid") == svc["metadata"].get("uid") and ref.get("kind") == "Service" and ref.get("apiVersion") == "v1":
            return True
    return False


def new_slice(svc: dict, ports: list[dict] | None, address_type: str, controller_name: str) -> dict:
    labels, _ = slice_labels(None, svc, controller_name)
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"generateName": slice_prefix(svc["metadata"]["name"]),
                     "namespace": svc["metadata"].get("namespace", ""),
                     "labels": labels,
                     "ownerReferences": [new_controller_ref({**svc, "apiVersion": "v1", "kind": "Service"})]},
        "addressType": address_type,
        "endpoints": [],
        "ports": ports,
    }


# ------------------------------------------------------------------------------------------
class SliceTracker:
    """``EndpointSliceTracker``: the slices this controller wrote, so that a reconcile against an
    informer cache that has not caught up yet is retried instead of acting on stale data."""

    def __init__(self):
        self.expected: dict[str, dict[str, int]] = {}   # service key → slice name → rv (-1: deleted)

    def written(self, svc_key: str, slice_: dict) -> None:
        self.expected.setdefault(svc_key, {})[slice_["metadata"]["name"]] = int(slice_["metadata"]["resourceVersion"])

    def deleted(self, svc_key: str, name: str) -> None:
        self.expected.setdefault(svc_key, {})[name] = -1

    def stale(self, svc_key: str, cached: dict[str, dict]) -> bool:
        exp = self.expected.get(svc_key)
        if not exp:
            return False
        for name, rv in list(exp.items()):
            obj = cached.get(name)
            if rv < 0:
                if obj is not None:
                    return True
            elif obj is None or int(obj["metadata"]["resourceVersion"]) < rv:
                return True
            del exp[name]
        return False

    def forget(self, svc_key: str) -> None:
        self.expected.pop(svc_key, None)

    def observed_deletion(self, svc_key: str, name: str) -> None:
        """A slice was deleted (by us or by someone else): stop waiting to see it."""
        exp = self.expected.get(svc_key)
        if exp is not None:
            exp.pop(name, None)


class EndpointSliceController(Controller):
    name = "endpointslice"
    component = "endpoint-slice-controller"
    controller_name = CONTROLLER_NAME

    def __init__(self, client, informers, max_endpoints_per_slice: int = MAX_ENDPOINTS_PER_SLICE):
        super().__init__(client, informers)
        self.max_endpoints = max_endpoints_per_slice
        self.tracker = SliceTracker()
        self.trigger_times = TriggerTimeTracker()

    def start(self) -> None:
        self.services = self.informers.informer("services")
        ensure_index(self.services, "namespace", namespace_index)
        self.pods = self.informers.informer("pods")
        ensure_index(self.pods, "namespace", namespace_index)
        self.nodes = self.informers.informer("nodes")
        self.slices = self.informers.informer("endpointslices")
        ensure_index(self.slices, "service", self._slice_service_key)
        self.memberships = PodServiceIndex(self.services)
        self.services.add_handlers(self._on_service, lambda old, new: self._on_service(new), self._on_service)
        self.pods.add_handlers(self._on_pod, self._on_pod_update, self._on_pod)
        self.slices.add_handlers(self._on_slice, lambda old, new: self._on_slice(new), self._on_slice_deleted)

    def _on_slice_deleted(self, slice_: dict) -> None:
        for key in self._slice_service_key(slice_):
            self.tracker.observed_deletion(key, slice_["metadata"]["name"])
        self._on_slice(slice_)

    @staticmethod
    def _slice_service_key(slice_: dict) -> list[str]:
        labels = slice_["metadata"].get("labels") or {}
        name = labels.get(LABEL_SERVICE_NAME)
        return [f"{slice_['metadata'].get('namespace', '')}/{name}"] if name else []

    def _on_service(self, svc: dict) -> None:
        self.enqueue(f"{svc['metadata'].get('namespace', '')}/{svc['metadata']['name']}")

    def _on_pod(self, pod: dict) -> None:
        for key in sorted(self.memberships.services_for(pod["metadata"].get("namespace", ""), pod["metadata"].get("labels"))):
            self.enqueue(key)

    def _on_pod_update(self, old: dict, new: dict) -> None:
        for key in sorted(self.memberships.on_pod_update(old, new)):
            self.enqueue(key)

    def _on_slice(self, slice_: dict) -> None:
        labels = slice_["metadata"].get("labels") or {}
        if labels.get(LABEL_MANAGED_BY) != self.controller_name:
            return
        for key in self._slice_service_key(slice_):
            self.enqueue(key)

    # -------------------------------------------------------------------------------------
    def reconcile(self, key: str) -> None:
        ns, _, name = key.partition("/")
        svc = self.services.get(key)
        if svc is None:
            # the garbage collector removes the slices through their ownerReference
            self.tracker.forget(key)
            self.trigger_times.delete_service(ns, name)
            return
        spec = svc.get("spec") or {}
        mine = [s for s in self.slices.by_index("service", key)
                if (s["metadata"].get("labels") or {}).get(LABEL_MANAGED_BY) == self.controller_name]
        if self.tracker.stale(key, {s["metadata"]["name"]: s for s in mine}):
            self.queue.add_rate_limited(key)   # the informer has not seen our last writes yet
            return
        if spec.get("type") == "ExternalName":
            for s in mine:
                self._delete(key, s)
            return
        if spec.get("selector") is None:
            return  # selectorless Services get their slices from the mirroring controller
        pods = [p for p in self.pods.by_index("namespace", ns)
                if selector_matches(spec["selector"], p["metadata"].get("labels"))]
        pods.sort(key=lambda p: p["metadata"]["name"])
        trigger = self.trigger_times.compute(ns, svc, pods)
        existing = [s for s in mine if not s["metadata"].get("deletionTimestamp")]
        failures: list[str] = []
        try:
            self._reconcile(key, svc, pods, existing, trigger, failures)
        except errors.StatusError as e:
            self.recorder.event(svc, "Warning", "FailedToUpdateEndpointSlices",
                                f"Error updating Endpoint Slices for Service {key}: {e.message}")
            raise
        if failures:
            self.errors.extend(failures)
            self.queue.add_rate_limited(key)

    def _reconcile(self, key: str, svc: dict, pods: list[dict], existing: list[dict], trigger: str | None,
                   failures: list[str]) -> None:
        supported = address_types_for(svc)
        to_delete: list[dict] = []
        by_type: dict[str, list[dict]] = {}
        for s in existing:
            if s.get("addressType") not in supported:
                to_delete.append(s)
            else:
                by_type.setdefault(s["addressType"], []).append(s)
        for address_type in supported:
            self._reconcile_address_type(key, svc, pods, by_type.get(address_type, []), trigger, address_type, failures)
        for s in to_delete:
            self._delete(key, s)

    def _reconcile_address_type(self, key, svc, pods, existing, trigger, address_type, failures) -> None:
        spec = svc.get("spec") or {}
        to_create: list[dict] = []
        to_update: list[dict] = []
        to_delete: list[dict] = []
        existing_by_ports: dict[tuple, list[dict]] = {}
        for s in existing:
            if owned_by(s, svc):
                existing_by_ports.setdefault(port_map_key(s.get("ports")), []).append(s)
            else:
                to_delete.append(s)
        desired_meta: dict[tuple, list[dict]] = {}
        desired: dict[tuple, dict[tuple, dict]] = {}
        for pod in pods:
            if not should_pod_be_in_endpoints(pod, True):
                continue
            ports = endpoint_ports(svc, pod)
            pkey = port_map_key(ports)
            desired.setdefault(pkey, {})
            desired_meta.setdefault(pkey, ports)
            node_name = (pod.get("spec") or {}).get("nodeName") or ""
            node = self.nodes.get(node_name) if node_name else None
            if node is None and not spec.get("publishNotReadyAddresses"):
                failures.append(f"skipping Pod {pod['metadata']['name']} for Service {key}: "
                                f"Node {node_name} Not Found")
                continue
            ep = pod_to_endpoint(pod, node, svc, address_type)
            if ep["addresses"]:
                desired[pkey][endpoint_key(ep)] = ep
        for pkey, eps in desired.items():
            c, u, d = self._reconcile_ports(svc, existing_by_ports.get(pkey, []), eps, desired_meta[pkey], address_type)
            to_create += c
            to_update += u
            to_delete += d
        for pkey, slices in existing_by_ports.items():
            if pkey not in desired:
                to_delete.extend(slices)
        # a Service with no endpoints keeps one placeholder slice
        if len(existing) == len(to_delete) and not to_create:
            placeholder = new_slice(svc, None, address_type, self.controller_name)
            if len(to_delete) == 1 and self._is_placeholder_like(to_delete[0], placeholder):
                to_delete = []
            else:
                to_create.append(placeholder)
        self._finalize(key, svc, to_create, to_update, to_delete, trigger)

    @staticmethod
    def _is_placeholder_like(existing: dict, placeholder: dict) -> bool:
        return (not existing.get("endpoints") and not existing.get("ports")
                and existing.get("addressType") == placeholder["addressType"]
                and (existing["metadata"].get("labels") or {}) == placeholder["metadata"]["labels"])

    def _reconcile_ports(self, svc, existing, desired: dict[tuple, dict], ports, address_type):
        """``reconcileByPortMapping``: keep/replace/remove endpoints in existing slices, fill the
        slices being updated, then an unchanged slice that has room, then new slices."""
        by_name: dict[str, dict] = {}
        unchanged: list[str] = []
        to_update: list[str] = []
        to_delete: list[str] = []
        remaining = dict(desired)
        for s in existing:
            name = s["metadata"]["name"]
            by_name[name] = s
            kept = []
            updated = False
            for ep in s.get("endpoints") or ():
                got = remaining.pop(endpoint_key(ep), None)
                if got is not None:
                    kept.append(got)
                    if not endpoints_equal_beyond_hash(got, ep):
                        updated = True
            labels, labels_changed = slice_labels(s, svc, self.controller_name)
            if updated or len(kept) != len(s.get("endpoints") or ()):
                if not kept:
                    to_delete.append(name)
                else:
                    copy = deep_copy(s)
                    copy["endpoints"] = kept
                    copy["metadata"]["labels"] = labels
                    by_name[name] = copy
                    to_update.append(name)
            elif labels_changed:
                copy = deep_copy(s)
                copy["metadata"]["labels"] = labels
                by_name[name] = copy
                to_update.append(name)
            else:
                unchanged.append(name)
        pending = list(remaining.values())
        if pending and to_update:
            for name in sorted(to_update, key=lambda n: -len(by_name[n]["endpoints"])):
                s = by_name[name]
                while pending and len(s["endpoints"]) < self.max_endpoints:
                    s["endpoints"].append(pending.pop(0))
        to_create: list[dict] = []
        while pending:
            fill = None
            if len(pending) < self.max_endpoints and unchanged:
                best = self.max_endpoints
                for name in unchanged:
                    diff = self.max_endpoints - (len(pending) + len(by_name[name].get("endpoints") or ()))
                    if 0 <= diff < best:
                        best, fill = diff, name
                        if diff == 0:
                            break
            if fill is None:
                s = new_slice(svc, deep_copy(ports), address_type, self.controller_name)
            else:
                s = deep_copy(by_name[fill])
                s["endpoints"] = list(s.get("endpoints") or [])
                by_name[fill] = s
            while pending and len(s["endpoints"]) < self.max_endpoints:
                s["endpoints"].append(pending.pop(0))
            if fill is None:
                to_create.append(s)
            else:
                unchanged.remove(fill)
                to_update.append(fill)
        return to_create, [by_name[n] for n in to_update], [by_name[n] for n in to_delete]

    def _finalize(self, key, svc, to_create, to_update, to_delete, trigger) -> None:
        # creates become updates of slices that would otherwise be deleted
        i = 0
        while i < len(to_delete) and to_create:
            victim = to_delete[i]
            s = to_create[-1]
            if victim.get("addressType") == s["addressType"] and owned_by(victim, svc):
                s["metadata"] = {**deep_copy(victim["metadata"]), "labels": s["metadata"]["labels"]}
                to_create.pop()
                to_update.append(s)
                to_delete.pop(i)
            else:
                i += 1
        for s in to_create + to_update:
            # stored through protobuf, an empty list comes back as null
            s["endpoints"] = s["endpoints"] or None
            s["ports"] = s.get("ports") or None
        ns = svc["metadata"].get("namespace", "")
        if not svc["metadata"].get("deletionTimestamp"):
            for s in to_create:
                self._set_trigger(s, trigger)
                try:
                    out = self.client.create("endpointslices", s, ns, owned=True)
                except errors.StatusError as e:
                    if e.reason == "Forbidden" and "being terminated" in e.message:
                        return
                    raise
                self.tracker.written(key, out)
        for s in to_update:
            self._set_trigger(s, trigger)
            out = self.client.update("endpointslices", s, ns)
            self.tracker.written(key, out)
        for s in to_delete:
            self._delete(key, s)

    @staticmethod
    def _set_trigger(s: dict, trigger: str | None) -> None:
        ann = s["metadata"].get("annotations")
        if trigger:
            if ann is None:
                ann = s["metadata"]["annotations"] = {}
            ann[ANNOTATION_TRIGGER_TIME] = trigger  # whole seconds: RFC3339Nano prints …Z
        elif ann:
            ann.pop(ANNOTATION_TRIGGER_TIME, None)
            if not ann:
                del s["metadata"]["annotations"]

    def _delete(self, key: str, s: dict) -> None:
        try:
            self.client.delete("endpointslices", s["metadata"]["name"], s["metadata"].get("namespace", ""))
        except errors.StatusError as e:
            if e.reason != "NotFound":
                raise
        self.tracker.deleted(key, s["metadata"]["name"])
