"""metrics-server v0.7.2 (kubernetes-sigs/metrics-server): the Resource Metrics API
``metrics.k8s.io/v1beta1`` that ``kubectl top`` and the HorizontalPodAutoscaler read.

metrics-server is an extension API server running as a pod (``kube-system/metrics-server``).
Every ``--metric-resolution`` (15 s in the released manifest; the binary's default is 60 s) it
scrapes every node's kubelet (``/metrics/resource``: cumulative CPU time and memory working set
per container and per node) and keeps the last two points of each (``pkg/storage``).  A
``NodeMetrics``/``PodMetrics`` is served only for what has two points with the same start time:
CPU usage is the rate between them (``resourceUsage``: Δcpu / Δt, in nanocores), memory the
last working set, ``window`` the time between them, ``timestamp`` the last point's time.  A
container seen for the first time 10 s – resolution after it started gets a synthetic first
point (start time, zero CPU), so young pods appear after one scrape.  The server reports ready
(``/readyz`` check ``metric-storage-ready``) once it holds two points of anything.

This class is the server's logic; the process that runs it is the pod's program
(:mod:`kube_lab.node.images.metricsserver`), which calls :meth:`attach` when it starts and
:meth:`tick` on every scrape.  The API is reached through the aggregator
(:mod:`kube_lab.controlplane.apiserver.aggregator`), which calls :meth:`get` and :meth:`list`.
"""
from __future__ import annotations

from typing import Any, Callable

from ..api import errors
from ..api.meta import rfc3339
from ..api.quantity import BINARY_SI, Quantity
from ..api.registry import ResourceInfo
from ..api.selectors import parse_selector
from ..client import Client, InformerFactory

GROUP = "metrics.k8s.io"
VERSION = "v1beta1"
API_VERSION = f"{GROUP}/{VERSION}"
#: the served resources, as ``kubectl api-resources`` lists them for a cluster with metrics-server
RESOURCES = (
    ResourceInfo(GROUP, VERSION, "NodeMetrics", "nodes", namespaced=False, verbs=("get", "list")),
    ResourceInfo(GROUP, VERSION, "PodMetrics", "pods", namespaced=True, verbs=("get", "list")),
)
#: a fresh container needs this long between its start and a point for a synthetic first point
FRESH_CONTAINER_MIN_RESOLUTION = 10.0
DEFAULT_RESOLUTION = 60.0


def go_duration(seconds: float) -> str:
    """Go's ``time.Duration.String()`` (``15s``, ``12.5s``, ``1m5s``)."""
    ns = int(round(seconds * 1e9))
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    if ns < 1_000_000_000:
        for unit, div in (("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
            if ns >= div:
                return sign + _frac(ns, div) + unit
    h, rest = divmod(ns, 3_600_000_000_000)
    m, rest = divmod(rest, 60_000_000_000)
    out = sign
    if h:
        out += f"{h}h"
    if h or m:
        out += f"{m}m"
    return out + _frac(rest, 1_000_000_000) + "s"


def _frac(value: int, div: int) -> str:
    whole, frac = divmod(value, div)
    if not frac:
        return str(whole)
    digits = len(str(div)) - 1
    return f"{whole}." + f"{frac:0{digits}d}".rstrip("0")


def _field_matches(selector: str | None, name: str, namespace: str) -> bool:
    """``filterPartialObjectMetadata``/``filterNodes``: a field selector over the object's
    ``metadata.name`` and ``metadata.namespace`` (other fields are empty, as metrics-server sees
    only metadata)."""
    if not selector:
        return True
    known = {"metadata.name": name, "metadata.namespace": namespace}
    for term in selector.split(","):
        term = term.strip()
        if not term:
            continue
        if "!=" in term:
            key, _, value = term.partition("!=")
            if known.get(key.strip(), "") == value.strip():
                return False
            continue
        key, _, value = term.partition("==") if "==" in term else term.partition("=")
        if known.get(key.strip(), "") != value.strip():
            return False
    return True


class ScrapeFailure:
    """One node that could not be scraped (what the program logs)."""

    def __init__(self, node: str, error: str, timeout: bool):
        self.node = node
        self.error = error
        self.timeout = timeout


class MetricsServer:
    """The scraper, the storage and the REST handlers of metrics-server.

    ``scrape(node_name, insecure_tls)`` reads one kubelet and returns a sample with ``.point``
    (the node's) and ``.pods`` (``{(namespace, name): {container: point}}``), points having
    ``start``, ``timestamp`` (virtual seconds), ``cpu`` (core-nanoseconds) and ``memory``
    (bytes); it raises an exception with ``.timeout`` when the kubelet cannot be reached."""

    def __init__(self, client: Client, scrape: Callable[[str, bool], Any]):
        self.client = client
        self.loop = client.loop
        self.scrape = scrape
        self.informers = InformerFactory(client)
        self.nodes = self.informers.informer("nodes")
        self.pods = self.informers.informer("pods")
        self.instance: Any = None           # the process running metrics-server now
        self.resolution = DEFAULT_RESOLUTION
        self.insecure_tls = False
        self.ticks = 0
        self._reset()

    def start(self) -> "MetricsServer":
        self.informers.start()
        return self

    def _reset(self) -> None:
        self.node_last: dict[str, Any] = {}
        self.node_prev: dict[str, Any] = {}
        self.pod_last: dict[tuple[str, str], dict[str, Any]] = {}
        self.pod_prev: dict[tuple[str, str], dict[str, Any]] = {}

    # the process ----------------------------------------------------------------------------
    def attach(self, proc: Any, resolution: float, insecure_tls: bool) -> None:
        """A metrics-server process started: it begins with empty storage."""
        self.instance = proc
        self.resolution = resolution
        self.insecure_tls = insecure_tls
        self._reset()

    @property
    def serving(self) -> bool:
        proc = self.instance
        return proc is not None and not proc.exited.done

    def ready(self, proc: Any = None) -> bool:
        """``storage.Ready()``: two points of some node or pod are stored."""
        if proc is not None and proc is not self.instance:
            return False
        return bool(self.node_prev) or bool(self.pod_prev)

    def tick(self, proc: Any = None) -> list[ScrapeFailure]:
        """One scrape of every node, stored; returns the nodes that failed."""
        if proc is not None and proc is not self.instance:
            return []
        self.ticks += 1
        failures: list[ScrapeFailure] = []
        nodes: dict[str, Any] = {}
        pods: dict[tuple[str, str], dict[str, Any]] = {}
        for key in sorted(self.nodes.keys()):
            name = self.nodes.cache[key]["metadata"]["name"]
            try:
                sample = self.scrape(name, self.insecure_tls)
            except Exception as e:  # noqa: BLE001 - a node that cannot be scraped is skipped
                failures.append(ScrapeFailure(name, str(e), bool(getattr(e, "timeout", False))))
                continue
            nodes[name] = sample.point
            for ref, containers in sample.pods.items():
                pods.setdefault(ref, {}).update(containers)
        self._store_nodes(nodes)
        self._store_pods(pods)
        return failures

    # storage (pkg/storage/node.go, pod.go) ---------------------------------------------------
    def _store_nodes(self, batch: dict[str, Any]) -> None:
        last, prev = {}, {}
        for name, point in batch.items():
            last[name] = point
            old = self.node_last.get(name)
            if old is None:
                continue
            if point.timestamp > old.timestamp:
                prev[name] = old
            else:
                older = self.node_prev.get(name)
                if older is not None and older.timestamp < point.timestamp:
                    prev[name] = older
        self.node_last, self.node_prev = last, prev

    def _store_pods(self, batch: dict[tuple[str, str], dict[str, Any]]) -> None:
        last: dict[tuple[str, str], dict[str, Any]] = {}
        prev: dict[tuple[str, str], dict[str, Any]] = {}
        for ref, containers in batch.items():
            new_last: dict[str, Any] = {}
            new_prev: dict[str, Any] = {}
            for cname, point in containers.items():
                new_last[cname] = point
                age = point.timestamp - point.start
                if point.start < point.timestamp and FRESH_CONTAINER_MIN_RESOLUTION <= age < self.resolution:
                    new_prev[cname] = type(point)(point.start, point.start, 0, point.memory)
                    continue
                old_pod = self.pod_last.get(ref)
                old = old_pod.get(cname) if old_pod else None
                if old is None or not point.start < old.timestamp:
                    continue
                if point.timestamp > old.timestamp:
                    new_prev[cname] = old
                else:
                    older = (self.pod_prev.get(ref) or {}).get(cname)
                    if older is not None and older.timestamp < point.timestamp:
                        new_prev[cname] = older
            if new_prev:
                prev[ref] = new_prev
            last[ref] = new_last
        self.pod_last, self.pod_prev = last, prev

    @staticmethod
    def _usage(last: Any, prev: Any) -> tuple[dict, float, float] | None:
        """``resourceUsage``: (usage, timestamp, window), None on a restart or counter reset."""
        if last.start < prev.start or last.cpu < prev.cpu:
            return None
        window = last.timestamp - prev.timestamp
        if window <= 0:
            return None
        nanocores = int((last.cpu - prev.cpu) / window)
        return ({"cpu": str(Quantity.from_scaled(nanocores, -9)),
                 "memory": str(Quantity.from_int(int(last.memory), BINARY_SI))}, last.timestamp, window)

    # the REST handlers (pkg/api/node.go, pod.go) -----------------------------------------------
    def _time(self, seconds: float) -> str:
        return rfc3339(self.client.apiserver.epoch, seconds)

    def _node_metrics(self, node: dict) -> dict | None:
        name = node["metadata"]["name"]
        last, prev = self.node_last.get(name), self.node_prev.get(name)
        if last is None or prev is None:
            return None
        got = self._usage(last, prev)
        if got is None:
            return None
        usage, ts, window = got
        md: dict[str, Any] = {"name": name, "creationTimestamp": self._time(self.loop.now)}
        if node["metadata"].get("labels"):
            md["labels"] = dict(node["metadata"]["labels"])
        return {"kind": "NodeMetrics", "apiVersion": API_VERSION, "metadata": md,
                "timestamp": self._time(ts), "window": go_duration(window), "usage": usage}

    def _pod_metrics(self, pod: dict) -> dict | None:
        md = pod["metadata"]
        ref = (md.get("namespace", ""), md["name"])
        last, prev = self.pod_last.get(ref), self.pod_prev.get(ref)
        if last is None or prev is None:
            return None
        containers = []
        earliest: tuple[float, float] | None = None
        for cname, point in last.items():
            old = prev.get(cname)
            if old is None:
                return None          # all containers must be present
            got = self._usage(point, old)
            if got is None:
                continue
            usage, ts, window = got
            containers.append({"name": cname, "usage": usage})
            if earliest is None or ts < earliest[0]:
                earliest = (ts, window)
        ts, window = earliest if earliest is not None else (0.0, 0.0)
        out_md: dict[str, Any] = {"name": md["name"], "namespace": md.get("namespace", ""),
                                  "creationTimestamp": self._time(self.loop.now)}
        if md.get("labels"):
            out_md["labels"] = dict(md["labels"])
        return {"kind": "PodMetrics", "apiVersion": API_VERSION, "metadata": out_md,
                "timestamp": self._time(ts), "window": go_duration(window), "containers": containers}

    def _selected(self, informer, namespace: str | None, label_selector: str | None,
                  field_selector: str | None) -> list[dict]:
        sel = parse_selector(label_selector) if label_selector else None
        out = []
        for key in sorted(informer.keys()):
            obj = informer.cache[key]
            md = obj["metadata"]
            if namespace and md.get("namespace", "") != namespace:
                continue
            if sel is not None and not sel.matches(md.get("labels") or {}):
                continue
            if not _field_matches(field_selector, md["name"], md.get("namespace", "")):
                continue
            out.append(obj)
        return out

    def list(self, resource: str, namespace: str | None, label_selector: str | None,
             field_selector: str | None) -> dict:
        if resource == "nodes":
            items = [m for n in self._selected(self.nodes, None, label_selector, field_selector)
                     if (m := self._node_metrics(n)) is not None]
            items.sort(key=lambda m: m["metadata"]["name"])
            return {"kind": "NodeMetricsList", "apiVersion": API_VERSION, "metadata": {}, "items": items}
        items = [m for p in self._selected(self.pods, namespace, label_selector, field_selector)
                 if (m := self._pod_metrics(p)) is not None]
        items.sort(key=lambda m: (m["metadata"]["namespace"], m["metadata"]["name"]))
        return {"kind": "PodMetricsList", "apiVersion": API_VERSION, "metadata": {}, "items": items}

    def get(self, resource: str, namespace: str | None, name: str) -> dict:
        if resource == "nodes":
            node = self.nodes.get(name)
            if node is None:
                raise errors.not_found("nodes", name)
            m = self._node_metrics(node)
            if m is None:
                raise errors.not_found("nodes", name, GROUP)
            return m
        ns = namespace or "default"
        pod = self.pods.get(f"{ns}/{name}")
        if pod is None:
            raise errors.not_found("pods", name)
        m = self._pod_metrics(pod)
        if m is None:
            raise errors.not_found("pods", f"{ns}/{name}", GROUP)
        return m


# ---------------------------------------------------------------------------------------------
# the released manifest (manifests/base + components/release, v0.7.2), as kubectl applies it
IMAGE = "registry.k8s.io/metrics-server/metrics-server:v0.7.2"
LABELS = {"k8s-app": "metrics-server"}


def manifests(kubelet_insecure_tls: bool = True) -> list[dict]:
    """The objects of ``components.yaml`` (without the APIService, which the aggregator
    registration stands for), with ``--kubelet-insecure-tls`` added as kind users do."""
    args = ["--cert-dir=/tmp", "--secure-port=10250",
            "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
            "--kubelet-use-node-status-port", "--metric-resolution=15s"]
    if kubelet_insecure_tls:
        args.append("--kubelet-insecure-tls")

    def meta(name: str, namespace: str | None = None, extra: dict | None = None) -> dict:
        md: dict[str, Any] = {"labels": {**LABELS, **(extra or {})}, "name": name}
        if namespace:
            md["namespace"] = namespace
        return md

    sa_subject = [{"kind": "ServiceAccount", "name": "metrics-server", "namespace": "kube-system"}]
    rbac = "rbac.authorization.k8s.io/v1"
    return [
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta("metrics-server", "kube-system")},
        {"apiVersion": rbac, "kind": "ClusterRole",
         "metadata": meta("system:aggregated-metrics-reader", extra={
             "rbac.authorization.k8s.io/aggregate-to-admin": "true",
             "rbac.authorization.k8s.io/aggregate-to-edit": "true",
             "rbac.authorization.k8s.io/aggregate-to-view": "true"}),
         "rules": [{"apiGroups": [GROUP], "resources": ["pods", "nodes"], "verbs": ["get", "list", "watch"]}]},
        {"apiVersion": rbac, "kind": "ClusterRole", "metadata": meta("system:metrics-server"),
         "rules": [{"apiGroups": [""], "resources": ["nodes/metrics"], "verbs": ["get"]},
                   {"apiGroups": [""], "resources": ["pods", "nodes"], "verbs": ["get", "list", "watch"]}]},
        {"apiVersion": rbac, "kind": "RoleBinding", "metadata": meta("metrics-server-auth-reader", "kube-system"),
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                     "name": "extension-apiserver-authentication-reader"}, "subjects": sa_subject},
        {"apiVersion": rbac, "kind": "ClusterRoleBinding", "metadata": meta("metrics-server:system:auth-delegator"),
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:auth-delegator"},
         "subjects": sa_subject},
        {"apiVersion": rbac, "kind": "ClusterRoleBinding", "metadata": meta("system:metrics-server"),
         "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:metrics-server"},
         "subjects": sa_subject},
        {"apiVersion": "v1", "kind": "Service", "metadata": meta("metrics-server", "kube-system"),
         "spec": {"ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": "https"}],
                  "selector": dict(LABELS)}},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta("metrics-server", "kube-system"),
         "spec": {"selector": {"matchLabels": dict(LABELS)},
                  "strategy": {"rollingUpdate": {"maxUnavailable": 0}},
                  "template": {"metadata": {"labels": dict(LABELS)}, "spec": {
                      "containers": [{
                          "args": args, "image": IMAGE, "imagePullPolicy": "IfNotPresent",
                          "livenessProbe": {"failureThreshold": 3, "httpGet": {
                              "path": "/livez", "port": "https", "scheme": "HTTPS"}, "periodSeconds": 10},
                          "name": "metrics-server",
                          "ports": [{"containerPort": 10250, "name": "https", "protocol": "TCP"}],
                          "readinessProbe": {"failureThreshold": 3, "httpGet": {
                              "path": "/readyz", "port": "https", "scheme": "HTTPS"},
                              "initialDelaySeconds": 20, "periodSeconds": 10},
                          "resources": {"requests": {"cpu": "100m", "memory": "200Mi"}},
                          "securityContext": {"allowPrivilegeEscalation": False,
                                              "capabilities": {"drop": ["ALL"]},
                                              "readOnlyRootFilesystem": True, "runAsNonRoot": True,
                                              "runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}},
                          "volumeMounts": [{"mountPath": "/tmp", "name": "tmp-dir"}]}],
                      "nodeSelector": {"kubernetes.io/os": "linux"},
                      "priorityClassName": "system-cluster-critical",
                      "serviceAccountName": "metrics-server",
                      "volumes": [{"emptyDir": {}, "name": "tmp-dir"}]}}}},
    ]


__all__ = ["API_VERSION", "GROUP", "IMAGE", "MetricsServer", "RESOURCES", "ScrapeFailure", "VERSION",
           "go_duration", "manifests"]
