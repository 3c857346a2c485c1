"""The HorizontalPodAutoscaler controller (``pkg/controller/podautoscaler``, Kubernetes 1.32):
``horizontal.go``, ``replica_calculator.go`` and ``metrics/`` (the resource metrics client).

Every HPA is synced every ``--horizontal-pod-autoscaler-sync-period`` (15 s): its key is always
re-queued 15 s later (``NewDefaultHPARateLimiter``), the first sync coming 15 s after the HPA
appears.  A sync (``reconcileAutoscaler``):

1. reads the target's ``scale`` subresource (``FailedGetScale`` otherwise) — ``AbleToScale``
   True ``SucceededGetScale``;
2. with 0 replicas and minReplicas > 0, autoscaling is off (``ScalingDisabled``); above
   maxReplicas / below minReplicas it goes straight to the bound; otherwise each metric proposes
   a replica count and the largest wins (``computeReplicasForMetrics``).  For a ``Resource``
   metric the pods' usage comes from ``metrics.k8s.io`` (metrics-server) through the API
   server's aggregator: ``utilization = Σ usage × 100 / Σ requests`` over the pods with metrics;
   ``ratio = utilization / target``; within the tolerance (0.1) nothing changes; otherwise
   ``ceil(ratio × readyPods)`` — with upstream's treatment of pods without metrics (on a
   scale-down they count as using 100 % of their request, on a scale-up 0 %), of not-yet-ready
   pods (0 % on a scale-up; for CPU, pods in their first 5 min whose sample predates readiness +
   one window are treated as unready) and the re-check that such assumptions never reverse the
   direction;
3. stabilises and limits the proposal: without ``spec.behavior`` the highest recommendation of
   the last 5 min (``--horizontal-pod-autoscaler-downscale-stabilization``) and at most
   ``max(2 × current, 4)``; with a behavior, the scale-up/scale-down stabilization windows and the
   rate policies over their periods (``selectPolicy`` Max/Min/Disabled); then min/max — the
   ``AbleToScale`` and ``ScalingLimited`` conditions say which rule applied;
4. updates the scale (event ``SuccessfulRescale`` "New size: N; reason: cpu resource utilization
   (percentage of request) above target" / "All metrics below target") and writes the status
   (currentReplicas, desiredReplicas, currentMetrics, lastScaleTime, conditions) only when it
   changed.

Failures are events and conditions with upstream's reasons and texts (``FailedGetResourceMetric``,
``FailedComputeMetricsReplicas``, ``SelectorRequired``, ``AmbiguousSelector``, ``FailedRescale``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from ...api import errors
from ...api.meta import deep_copy, parse_rfc3339
from ...api.quantity import Quantity, QuantityError, parse_quantity
from ...api.registry import REGISTRY
from ...api.selectors import Selector, parse_selector
from ...client import Controller
from . import controller_utils as cu
from .job import Wakeups

SYNC_PERIOD = 15.0                       # --horizontal-pod-autoscaler-sync-period
DOWNSCALE_STABILISATION_WINDOW = 300.0   # --horizontal-pod-autoscaler-downscale-stabilization
TOLERANCE = 0.1                          # --horizontal-pod-autoscaler-tolerance
CPU_INITIALIZATION_PERIOD = 300.0        # --horizontal-pod-autoscaler-cpu-initialization-period
INITIAL_READINESS_DELAY = 30.0           # --horizontal-pod-autoscaler-initial-readiness-delay
SCALE_UP_LIMIT_FACTOR = 2.0
SCALE_UP_LIMIT_MINIMUM = 4.0
INT32_MAX = 2 ** 31 - 1
INT32_MIN = -(2 ** 31)


class MetricsError(Exception):
    """An error with the Go text upstream wraps and reports (``str()``)."""


@dataclass
class PodMetric:
    """``metricsclient.PodMetric``: a value in milli-units, its timestamp (Unix seconds) and
    window (seconds)."""
    value: int
    timestamp: float = 0.0
    window: float = 0.0


def _go_duration_seconds(text: str) -> float:
    total, num = 0.0, ""
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isdigit() or ch == ".":
            num += ch
            i += 1
            continue
        unit = next((u for u in ("ms", "us", "µs", "ns", "h", "m", "s") if text.startswith(u, i)), None)
        if unit is None or not num:
            return 0.0
        total += float(num) * units[unit]
        num = ""
        i += len(unit)
    return total


def _milli(value: Any) -> int:
    try:
        return parse_quantity(str(value)).milli_value()
    except (QuantityError, ValueError):
        return 0


class ResourceMetricsClient:
    """``resourceMetricsClient.GetResourceMetric``: PodMetrics listed through the aggregated
    ``metrics.k8s.io`` API (the API server's aggregator), as the controller's REST client does."""

    def __init__(self, client):
        self.client = client

    def _list(self, namespace: str, selector: str) -> dict:
        agg = getattr(self.client.apiserver, "aggregator", None)
        if agg is None:
            raise errors.status("NotFound", "the server could not find the requested resource "
                                            "(get pods.metrics.k8s.io)", code=404)
        return agg.list("pods.metrics.k8s.io", namespace, label_selector=selector or None,
                        component=self.client.component)

    def get_resource_metric(self, resource: str, namespace: str, selector: str,
                            container: str) -> tuple[dict[str, PodMetric], float]:
        try:
            lst = self._list(namespace, selector)
        except errors.StatusError as e:
            raise MetricsError(f"unable to fetch metrics from resource metrics API: {e.message}") from None
        items = lst.get("items") or []
        if not items:
            raise MetricsError("no metrics returned from resource metrics API")
        res: dict[str, PodMetric] = {}
        for m in items:
            ts = parse_rfc3339(m["timestamp"]) if m.get("timestamp") else 0.0
            window = _go_duration_seconds(m.get("window") or "")
            cs = m.get("containers") or []
            if container:
                found = next((c for c in cs if c.get("name") == container), None)
                if found is None:
                    raise MetricsError(f"failed to get container metrics: container {container} not present in "
                                       f"metrics for pod {namespace}/{m['metadata']['name']}")
                val = (found.get("usage") or {}).get(resource)
                if val is not None:
                    res[m["metadata"]["name"]] = PodMetric(_milli(val), ts, window)
                continue
            missing = len(cs) == 0
            total = 0
            for c in cs:
                val = (c.get("usage") or {}).get(resource)
                if val is None:
                    missing = True
                    break
                total += _milli(val)
            if not missing:
                res[m["metadata"]["name"]] = PodMetric(total, ts, window)
        ts0 = parse_rfc3339(items[0]["timestamp"]) if items[0].get("timestamp") else 0.0
        return res, ts0


# ---------------------------------------------------------------------------------------------
# replica_calculator.go
def group_pods(pods: list[dict], metrics: dict[str, PodMetric], resource: str, cpu_init: float,
               readiness_delay: float, now: float) -> tuple[int, set[str], set[str], set[str]]:
    """``groupPods``: (ready pod count, unready, missing, ignored)."""
    ready = 0
    unready: set[str] = set()
    missing: set[str] = set()
    ignored: set[str] = set()
    for pod in pods:
        name = pod["metadata"]["name"]
        status = pod.get("status") or {}
        if pod["metadata"].get("deletionTimestamp") or status.get("phase") == "Failed":
            ignored.add(name)
            continue
        if status.get("phase") == "Pending":
            unready.add(name)
            continue
        metric = metrics.get(name)
        if metric is None:
            missing.add(name)
            continue
        if resource == "cpu":
            cond = cu.ready_condition(pod)
            start = status.get("startTime")
            if cond is None or not start:
                is_unready = True
            else:
                started = parse_rfc3339(start)
                transition = parse_rfc3339(cond["lastTransitionTime"]) if cond.get("lastTransitionTime") else 0.0
                if started + cpu_init > now:
                    is_unready = cond.get("status") == "False" or metric.timestamp < transition + metric.window
                else:
                    is_unready = cond.get("status") == "False" and started + readiness_delay > transition
            if is_unready:
                unready.add(name)
                continue
        ready += 1
    return ready, unready, missing, ignored


def calculate_pod_requests(pods: list[dict], container: str, resource: str) -> dict[str, int]:
    """``calculatePodRequests``: each pod's request (milli-units), regular containers plus
    restartable init containers; a container without one is an error."""
    out: dict[str, int] = {}
    for pod in pods:
        spec = pod.get("spec") or {}
        total = 0
        cs = list(spec.get("containers") or ())
        cs += [c for c in spec.get("initContainers") or () if c.get("restartPolicy") == "Always"]
        for c in cs:
            if container and c.get("name") != container:
                continue
            req = ((c.get("resources") or {}).get("requests") or {}).get(resource)
            if req is None:
                raise MetricsError(f"missing request for {resource} in container {c.get('name', '')} of Pod "
                                   f"{pod['metadata']['name']}")
            total += _milli(req)
        out[pod["metadata"]["name"]] = total
    return out


def resource_utilization_ratio(metrics: dict[str, PodMetric], requests: dict[str, int],
                               target: int) -> tuple[float, int, int]:
    """``GetResourceUtilizationRatio``: (ratio, utilization %, raw average milli-value)."""
    metrics_total = requests_total = entries = 0
    for name, metric in metrics.items():
        if name not in requests:
            continue
        metrics_total += metric.value
        requests_total += requests[name]
        entries += 1
    if requests_total == 0:
        raise MetricsError("no metrics returned matched known pods")
    utilization = _int32(_go_div(metrics_total * 100, requests_total))
    return utilization / target, utilization, _go_div(metrics_total, entries)


def metric_usage_ratio(metrics: dict[str, PodMetric], target: int) -> tuple[float, int]:
    """``GetMetricUsageRatio``: (ratio, average usage)."""
    total = sum(m.value for m in metrics.values())
    usage = _go_div(total, len(metrics))
    return usage / target, usage


def _go_div(a: int, b: int) -> int:
    """Go's integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _int32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v & 0x80000000 else v


def _ceil32(x: float) -> int:
    return int(math.ceil(x))


class ReplicaCalculator:
    def __init__(self, metrics: ResourceMetricsClient, pod_lister: Callable[[str, Selector], list[dict]],
                 now: Callable[[], float], tolerance: float = TOLERANCE,
                 cpu_initialization_period: float = CPU_INITIALIZATION_PERIOD,
                 delay_of_initial_readiness_status: float = INITIAL_READINESS_DELAY):
        self.metrics = metrics
        self.pod_lister = pod_lister
        self.now = now
        self.tolerance = tolerance
        self.cpu_init = cpu_initialization_period
        self.readiness_delay = delay_of_initial_readiness_status

    def _pods(self, namespace: str, selector: Selector) -> list[dict]:
        pods = self.pod_lister(namespace, selector)
        if not pods:
            raise MetricsError("no pods returned by selector while calculating replica count")
        return pods

    def _grouped_metrics(self, resource: str, namespace: str, selector: Selector, container: str):
        """The preamble both calculations share upstream: fetch the pods' metrics, group the pods
        (``groupPods``) and keep the metrics of the ready ones; (metrics, timestamp, pods, ready
        count, unready names, missing names)."""
        try:
            metrics, timestamp = self.metrics.get_resource_metric(resource, namespace, str(selector), container)
        except MetricsError as e:
            raise MetricsError(f"unable to get metrics for resource {resource}: {e}") from None
        pods = self._pods(namespace, selector)
        ready, unready, missing, ignored = group_pods(pods, metrics, resource, self.cpu_init,
                                                      self.readiness_delay, self.now())
        for name in ignored | unready:
            metrics.pop(name, None)
        if not metrics:
            raise MetricsError("did not receive metrics for targeted pods (pods might be unready)")
        return metrics, timestamp, pods, ready, unready, missing

    def get_resource_replicas(self, current: int, target_utilization: int, resource: str, namespace: str,
                              selector: Selector, container: str) -> tuple[int, int, int, float]:
        """``GetResourceReplicas``: (replicas, utilization %, raw average, timestamp)."""
        metrics, timestamp, pods, ready, unready, missing = self._grouped_metrics(resource, namespace, selector,
                                                                                  container)
        requests = calculate_pod_requests(pods, container, resource)
        ratio, utilization, raw = resource_utilization_ratio(metrics, requests, target_utilization)
        scale_up_with_unready = bool(unready) and ratio > 1.0
        if not scale_up_with_unready and not missing:
            if abs(1.0 - ratio) <= self.tolerance:
                return current, utilization, raw, timestamp
            return _ceil32(ratio * ready), utilization, raw, timestamp
        if missing:
            if ratio < 1.0:
                fallback = max(100, target_utilization)
                for name in sorted(missing):
                    metrics[name] = PodMetric(_go_div(requests[name] * fallback, 100))
            elif ratio > 1.0:
                for name in sorted(missing):
                    metrics[name] = PodMetric(0)
        if scale_up_with_unready:
            for name in sorted(unready):
                metrics[name] = PodMetric(0)
        new_ratio, _, _ = resource_utilization_ratio(metrics, requests, target_utilization)
        if abs(1.0 - new_ratio) <= self.tolerance or (ratio < 1.0 < new_ratio) or (ratio > 1.0 > new_ratio):
            return current, utilization, raw, timestamp
        new_replicas = _ceil32(new_ratio * len(metrics))
        if (new_ratio < 1.0 and new_replicas > current) or (new_ratio > 1.0 and new_replicas < current):
            return current, utilization, raw, timestamp
        return new_replicas, utilization, raw, timestamp

    def get_raw_resource_replicas(self, current: int, target_usage: int, resource: str, namespace: str,
                                  selector: Selector, container: str) -> tuple[int, int, float]:
        """``GetRawResourceReplicas`` + ``calcPlainMetricReplicas``: (replicas, usage, timestamp)."""
        metrics, timestamp, _pods, ready, unready, missing = self._grouped_metrics(resource, namespace, selector,
                                                                                   container)
        ratio, usage = metric_usage_ratio(metrics, target_usage)
        scale_up_with_unready = bool(unready) and ratio > 1.0
        if not scale_up_with_unready and not missing:
            if abs(1.0 - ratio) <= self.tolerance:
                return current, usage, timestamp
            return _ceil32(ratio * ready), usage, timestamp
        if missing:
            for name in sorted(missing):
                metrics[name] = PodMetric(target_usage if ratio < 1.0 else 0)
        if scale_up_with_unready:
            for name in sorted(unready):
                metrics[name] = PodMetric(0)
        new_ratio, _ = metric_usage_ratio(metrics, target_usage)
        if abs(1.0 - new_ratio) <= self.tolerance or (ratio < 1.0 < new_ratio) or (ratio > 1.0 > new_ratio):
            return current, usage, timestamp
        new_replicas = _ceil32(new_ratio * len(metrics))
        if (new_ratio < 1.0 and new_replicas > current) or (new_ratio > 1.0 and new_replicas < current):
            return current, usage, timestamp
        return new_replicas, usage, timestamp


# ---------------------------------------------------------------------------------------------
# horizontal.go
class _Failure(Exception):
    """A metric that could not be computed: ``condition`` is the ScalingActive condition to set."""

    def __init__(self, message: str, condition: tuple[str, str, str, str]):
        super().__init__(message)
        self.condition = condition


@dataclass
class _Recommendation:
    replicas: int
    timestamp: float


@dataclass
class _ScaleEvent:
    change: int
    timestamp: float
    outdated: bool = False


def _longest_period(rules: dict) -> int:
    return max([p.get("periodSeconds", 0) for p in rules.get("policies") or ()] + [0])


def _changes_in_period(period: int, events: list[_ScaleEvent], now: float) -> int:
    cutoff = now - period
    return sum(e.change for e in events if e.timestamp > cutoff)


def scale_up_limit_with_rules(current: int, up: list[_ScaleEvent], down: list[_ScaleEvent], rules: dict,
                              now: float) -> int:
    """``calculateScaleUpLimitWithScalingRules``."""
    select = rules.get("selectPolicy") or "Max"
    if select == "Disabled":
        return current
    pick, result = (min, INT32_MAX) if select == "Min" else (max, INT32_MIN)
    for policy in rules.get("policies") or ():
        start = current - _changes_in_period(policy["periodSeconds"], up, now) + \
            _changes_in_period(policy["periodSeconds"], down, now)
        if policy["type"] == "Pods":
            proposed = start + policy["value"]
        else:
            proposed = int(math.ceil(start * (1 + policy["value"] / 100)))
        result = pick(result, proposed)
    return result


def scale_down_limit_with_rules(current: int, up: list[_ScaleEvent], down: list[_ScaleEvent], rules: dict,
                                now: float) -> int:
    """``calculateScaleDownLimitWithBehaviors``."""
    select = rules.get("selectPolicy") or "Max"
    if select == "Disabled":
        return current
    pick, result = (max, INT32_MIN) if select == "Min" else (min, INT32_MAX)
    for policy in rules.get("policies") or ():
        start = current - _changes_in_period(policy["periodSeconds"], up, now) + \
            _changes_in_period(policy["periodSeconds"], down, now)
        if policy["type"] == "Pods":
            proposed = start - policy["value"]
        else:
            proposed = int(start * (1 - policy["value"] / 100))
        result = pick(result, proposed)
    return result


def convert_desired_replicas_with_rules(current: int, desired: int, min_replicas: int,
                                        max_replicas: int) -> tuple[int, str, str]:
    """``convertDesiredReplicasWithRules`` (no behavior): at most max(2 × current, 4)."""
    scale_up_limit = int(max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM))
    if max_replicas > scale_up_limit:
        maximum, reason, message = (scale_up_limit, "ScaleUpLimit",
                                    "the desired replica count is increasing faster than the maximum scale rate")
    else:
        maximum, reason, message = (max_replicas, "TooManyReplicas",
                                    "the desired replica count is more than the maximum replica count")
    if desired < min_replicas:
        return min_replicas, "TooFewReplicas", "the desired replica count is less than the minimum replica count"
    if desired > maximum:
        return maximum, reason, message
    return desired, "DesiredWithinRange", "the desired count is within the acceptable range"


class HorizontalController(Controller):
    """``HorizontalController``: one reconcile per HPA every sync period."""

    name = "horizontal-pod-autoscaler"
    component = "horizontal-pod-autoscaler"

    def __init__(self, client, informers, *, sync_period: float = SYNC_PERIOD,
                 downscale_stabilisation_window: float = DOWNSCALE_STABILISATION_WINDOW,
                 tolerance: float = TOLERANCE, cpu_initialization_period: float = CPU_INITIALIZATION_PERIOD,
                 delay_of_initial_readiness_status: float = INITIAL_READINESS_DELAY):
        super().__init__(client, informers)
        self.apiserver = client.apiserver
        self.sync_period = sync_period
        self.downscale_window = downscale_stabilisation_window
        self.wakeups = Wakeups(self.loop, self.enqueue)
        self.replica_calc = ReplicaCalculator(ResourceMetricsClient(client), self._list_pods, self._unix_now,
                                              tolerance, cpu_initialization_period, delay_of_initial_readiness_status)
        self.recommendations: dict[str, list[_Recommendation]] = {}
        self.scale_up_events: dict[str, list[_ScaleEvent]] = {}
        self.scale_down_events: dict[str, list[_ScaleEvent]] = {}
        self.hpa_selectors: dict[str, Selector | None] = {}    # None: registered, selects nothing yet

    # wiring ----------------------------------------------------------------------------------
    def start(self) -> None:
        self.hpas = self.informers.informer("horizontalpodautoscalers")
        self.pods = self.informers.informer("pods")
        cu.ensure_index(self.pods, cu.INDEX_NAMESPACE, cu.namespace_index)
        self.hpas.add_handlers(self._enqueue_hpa, lambda old, cur: self._enqueue_hpa(cur), self._delete_hpa)

    @staticmethod
    def _key(hpa: dict) -> str:
        return f"{hpa['metadata'].get('namespace', '')}/{hpa['metadata']['name']}"

    def _enqueue_hpa(self, hpa: dict) -> None:
        """``enqueueHPA``: always ``AddRateLimited`` — the sync period later (a key already waiting
        keeps its earlier time); register the HPA with a selector that selects nothing yet."""
        key = self._key(hpa)
        self.wakeups.add_after(key, self.sync_period)
        self.hpa_selectors.setdefault(key, None)

    def _delete_hpa(self, hpa: dict) -> None:
        key = self._key(hpa)
        self.wakeups.forget(key)
        self.hpa_selectors.pop(key, None)

    def _unix_now(self) -> float:
        return self.apiserver.epoch + self.loop.now

    def _list_pods(self, namespace: str, selector: Selector) -> list[dict]:
        return [p for p in self.pods.by_index(cu.INDEX_NAMESPACE, namespace)
                if selector.matches(p["metadata"].get("labels") or {})]

    # the queue -------------------------------------------------------------------------------
    def reconcile(self, key: str) -> None:
        hpa = self.hpas.get(key)
        if hpa is None:
            self.recommendations.pop(key, None)
            self.scale_up_events.pop(key, None)
            self.scale_down_events.pop(key, None)
            return
        try:
            self.reconcile_autoscaler(hpa, key)
        except errors.StatusError as e:
            self.errors.append(f"{key}: {e.message}")
        except MetricsError as e:
            self.errors.append(f"{key}: {e}")
        # processNextWorkItem: every key comes back one sync period later
        self.wakeups.add_after(key, self.sync_period)

    # helpers ----------------------------------------------------------------------------------
    def _event(self, hpa: dict, type_: str, reason: str, message: str) -> None:
        self.recorder.event(hpa, type_, reason, message)

    def _set_condition(self, hpa: dict, ctype: str, status: str, reason: str, message: str) -> None:
        """``setCondition``: add or update; the transition time moves only when the status does."""
        conds = hpa["status"].setdefault("conditions", [])
        cond = next((c for c in conds if c.get("type") == ctype), None)
        if cond is None:
            cond = {"type": ctype}
            conds.append(cond)
        if cond.get("status") != status:
            cond["lastTransitionTime"] = self.apiserver.timestamp()
        cond["status"] = status
        cond["reason"] = reason
        cond["message"] = message
        order = ("type", "status", "lastTransitionTime", "reason", "message")
        items = dict(cond)
        cond.clear()
        cond.update({k: items[k] for k in order if k in items})

    def _unable_condition(self, hpa: dict, reason: str, err: str) -> tuple[str, str, str, str]:
        """``getUnableComputeReplicaCountCondition``: the warning event and the condition."""
        self._event(hpa, "Warning", reason, err)
        return ("ScalingActive", "False", reason, f"the HPA was unable to compute the replica count: {err}")

    # reconcileAutoscaler ----------------------------------------------------------------------
    def reconcile_autoscaler(self, shared: dict, key: str) -> None:
        hpa = deep_copy(shared)
        status = hpa.get("status") or {}
        original = deep_copy(status)
        hpa["status"] = status
        spec = hpa.get("spec") or {}
        ref = spec.get("scaleTargetRef") or {}
        ns = hpa["metadata"].get("namespace", "")
        reference = f"{ref.get('kind', '')}/{ns}/{ref.get('name', '')}"
        api_version = ref.get("apiVersion", "")

        def fail_scale(message: str) -> None:
            self._event(hpa, "Warning", "FailedGetScale", message)
            self._set_condition(hpa, "AbleToScale", "False", "FailedGetScale",
                                f"the HPA controller was unable to get the target's current scale: {message}")
            self._update_status_if_needed(original, hpa)

        if api_version.count("/") > 1:
            fail_scale(f"unexpected GroupVersion string: {api_version}")
            return
        group = api_version.rpartition("/")[0] if "/" in api_version else ""
        mappings = [info for info in REGISTRY if info.group == group and info.kind == ref.get("kind")]
        if not mappings:
            fail_scale(f"no matches for kind \"{ref.get('kind', '')}\" in group \"{group}\"")
            return
        scale = None
        target = None
        first_error: errors.StatusError | None = None
        for info in mappings:
            try:
                scale = self.client.get(info.resource, ref.get("name", ""), ns, subresource="scale")
                target = info
                break
            except errors.StatusError as e:
                first_error = first_error or e
        if scale is None or target is None:
            fail_scale(first_error.message if first_error is not None else "unrecognized resource")
            return
        self._set_condition(hpa, "AbleToScale", "True", "SucceededGetScale",
                            "the HPA controller was able to get the target's current scale")
        current = (scale.get("spec") or {}).get("replicas", 0) or 0
        self._record_initial_recommendation(current, key)

        metric_statuses: list[dict] | None = None
        desired = 0
        rescale_reason = ""
        min_replicas = spec.get("minReplicas")
        if min_replicas is None:
            min_replicas = 1
        max_replicas = spec.get("maxReplicas") or 0
        rescale = True
        if current == 0 and min_replicas != 0:
            desired = 0
            rescale = False
            self._set_condition(hpa, "ScalingActive", "False", "ScalingDisabled",
                                "scaling is disabled since the replica count of the target is zero")
        elif current > max_replicas:
            rescale_reason = "Current number of replicas above Spec.MaxReplicas"
            desired = max_replicas
        elif current < min_replicas:
            rescale_reason = "Current number of replicas below Spec.MinReplicas"
            desired = min_replicas
        else:
            proposal, metric_name, metric_statuses, error = self._compute_replicas_for_metrics(
                hpa, scale, spec.get("metrics") or [])
            if error is not None and proposal == -1:
                self._set_current_replicas_and_metrics(hpa, current, metric_statuses)
                self._update_status_if_needed(original, hpa)
                self._event(hpa, "Warning", "FailedComputeMetricsReplicas", error)
                return
            rescale_metric = ""
            if proposal > desired:
                desired = proposal
                rescale_metric = metric_name
            if desired > current:
                rescale_reason = f"{rescale_metric} above target"
            if desired < current:
                rescale_reason = "All metrics below target"
            if spec.get("behavior") is None:
                desired = self._normalize_desired_replicas(hpa, key, current, desired, min_replicas)
            else:
                desired = self._normalize_with_behaviors(hpa, key, current, desired, min_replicas)
            rescale = desired != current

        if rescale:
            new_scale = deep_copy(scale)
            new_scale.setdefault("spec", {})["replicas"] = desired
            try:
                self.client.update(target.resource, new_scale, ns, subresource="scale")
            except errors.StatusError as e:
                self._event(hpa, "Warning", "FailedRescale",
                            f"New size: {desired}; reason: {rescale_reason}; error: {e.message}")
                self._set_condition(hpa, "AbleToScale", "False", "FailedUpdateScale",
                                    f"the HPA controller was unable to update the target scale: {e.message}")
                self._set_current_replicas_and_metrics(hpa, current, metric_statuses)
                self._update_status_if_needed(original, hpa)
                return
            self._set_condition(hpa, "AbleToScale", "True", "SucceededRescale",
                                f"the HPA controller was able to update the target scale to {desired}")
            self._event(hpa, "Normal", "SuccessfulRescale", f"New size: {desired}; reason: {rescale_reason}")
            self._store_scale_event(spec.get("behavior"), key, current, desired)
        else:
            desired = current
        self._set_status(hpa, current, desired, metric_statuses, rescale)
        self._update_status_if_needed(original, hpa)

    # metrics ----------------------------------------------------------------------------------
    def _validate_selector(self, hpa: dict, selector_text: str) -> Selector:
        key = self._key(hpa)
        if not selector_text:
            self._event(hpa, "Warning", "SelectorRequired", "selector is required")
            self._set_condition(hpa, "ScalingActive", "False", "InvalidSelector",
                                "the HPA target's scale is missing a selector")
            raise _Failure("selector is required", ())
        try:
            selector = parse_selector(selector_text)
        except errors.StatusError as e:
            message = f"couldn't convert selector into a corresponding internal selector object: {e.message}"
            self._event(hpa, "Warning", "InvalidSelector", message)
            self._set_condition(hpa, "ScalingActive", "False", "InvalidSelector", message)
            raise _Failure(message, ()) from None
        if key in self.hpa_selectors:
            self.hpa_selectors[key] = selector
        ns = hpa["metadata"].get("namespace", "")
        pods = self._list_pods(ns, selector)
        selecting: set[str] = set()
        for pod in pods:
            labels = pod["metadata"].get("labels") or {}
            for other, sel in self.hpa_selectors.items():
                if sel is not None and other.split("/", 1)[0] == ns and sel.matches(labels):
                    selecting.add(other)
        if len(selecting) > 1:
            message = (f"pods by selector {selector_text} are controlled by multiple HPAs: "
                       f"[{' '.join(sorted(selecting))}]")
            self._event(hpa, "Warning", "AmbiguousSelector", message)
            self._set_condition(hpa, "ScalingActive", "False", "AmbiguousSelector", message)
            raise _Failure(message, ())
        return selector

    def _compute_replicas_for_metrics(self, hpa: dict, scale: dict,
                                      specs: list[dict]) -> tuple[int, str, list[dict] | None, str | None]:
        """``computeReplicasForMetrics``: (replicas or -1, metric name, statuses, error text)."""
        try:
            selector = self._validate_selector(hpa, (scale.get("status") or {}).get("selector") or "")
        except _Failure as f:
            return -1, "", None, str(f)
        spec_replicas = (scale.get("spec") or {}).get("replicas", 0) or 0
        status_replicas = (scale.get("status") or {}).get("replicas", 0) or 0
        statuses: list[dict] = [{"type": ""} for _ in specs]
        replicas, metric = 0, ""
        invalid = 0
        invalid_error = ""
        invalid_condition: tuple = ()
        for i, mspec in enumerate(specs):
            try:
                proposal, name, status = self._compute_replicas_for_metric(hpa, mspec, spec_replicas,
                                                                           status_replicas, selector)
            except _Failure as f:
                if invalid <= 0:
                    invalid_condition = f.condition
                    invalid_error = str(f)
                invalid += 1
                continue
            statuses[i] = status
            if replicas == 0 or proposal > replicas:
                replicas, metric = proposal, name
        error = None
        if invalid_error:
            error = f"invalid metrics ({invalid} invalid out of {len(specs)}), first error is: {invalid_error}"
        if invalid >= len(specs) or (invalid > 0 and replicas < spec_replicas):
            if invalid_condition:
                self._set_condition(hpa, *invalid_condition)
            return -1, "", statuses, error
        self._set_condition(hpa, "ScalingActive", "True", "ValidMetricFound",
                            f"the HPA was able to successfully calculate a replica count from {metric}")
        return replicas, metric, statuses, error

    def _compute_replicas_for_metric(self, hpa: dict, mspec: dict, spec_replicas: int, status_replicas: int,
                                     selector: Selector) -> tuple[int, str, dict]:
        mtype = mspec.get("type", "")
        ns = hpa["metadata"].get("namespace", "")
        if mtype in ("Resource", "ContainerResource"):
            container_metric = mtype == "ContainerResource"
            src = mspec.get("containerResource" if container_metric else "resource") or {}
            resource = src.get("name", "")
            container = src.get("container", "") if container_metric else ""
            reason = "FailedGetContainerResourceMetric" if container_metric else "FailedGetResourceMetric"
            try:
                replicas, value_status, name = self._resource_metric_generic(
                    spec_replicas, src.get("target") or {}, resource, ns, container, selector, container_metric)
            except MetricsError as e:
                condition = self._unable_condition(hpa, reason, str(e))
                what = f"{container} container" if container_metric else f"{resource} resource"
                raise _Failure(f"failed to get {what} metric value: {e}", condition) from None
            key = "containerResource" if container_metric else "resource"
            body: dict[str, Any] = {"name": resource}
            if container_metric:
                body["container"] = container
            body["current"] = value_status
            return replicas, name, {"type": mtype, key: body}
        if mtype == "Pods":
            metric = ((mspec.get("pods") or {}).get("metric") or {}).get("name", "")
            err = (f"unable to get metric {metric}: unable to fetch metrics from custom metrics API: no custom "
                   "metrics API (custom.metrics.k8s.io) registered")
            condition = self._unable_condition(hpa, "FailedGetPodsMetric", err)
            raise _Failure(f"failed to get pods metric value: {err}", condition)
        if mtype == "Object":
            src = mspec.get("object") or {}
            metric = (src.get("metric") or {}).get("name", "")
            obj = src.get("describedObject") or {}
            err = (f"unable to get metric {metric}: {obj.get('kind', '')} on {ns} {obj.get('name', '')}/unable to "
                   "fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered")
            condition = self._unable_condition(hpa, "FailedGetObjectMetric", err)
            raise _Failure(f"failed to get object metric value: {err}", condition)
        if mtype == "External":
            metric = (((mspec.get("external") or {}).get("metric")) or {}).get("name", "")
            err = (f"unable to fetch metrics from external metrics API: the server could not find the requested "
                   f"resource (get {metric}.external.metrics.k8s.io)")
            condition = self._unable_condition(hpa, "FailedGetExternalMetric", err)
            raise _Failure(f"failed to get {metric} external metric value: {err}", condition)
        err = f'unknown metric source type "{mtype}"'
        condition = self._unable_condition(hpa, "InvalidMetricSourceType", err)
        raise _Failure(err, condition)

    def _resource_metric_generic(self, current: int, target: dict, resource: str, ns: str, container: str,
                                 selector: Selector, container_metric: bool) -> tuple[int, dict, str]:
        """``computeStatusForResourceMetricGeneric``: (replicas, MetricValueStatus, metric name)."""
        if target.get("averageValue") is not None:
            try:
                replicas, raw, _ = self.replica_calc.get_raw_resource_replicas(
                    current, _milli(target["averageValue"]), resource, ns, selector, container)
            except MetricsError as e:
                raise MetricsError(f"failed to get {resource} usage: {e}") from None
            return replicas, {"averageValue": str(Quantity.from_milli(raw))}, f"{resource} resource"
        if target.get("averageUtilization") is None:
            raise MetricsError("invalid resource metric source: neither an average utilization target nor an "
                               "average value (usage) target was set")
        try:
            replicas, utilization, raw, _ = self.replica_calc.get_resource_replicas(
                current, target["averageUtilization"], resource, ns, selector, container)
        except MetricsError as e:
            raise MetricsError(f"failed to get {resource} utilization: {e}") from None
        kind = "container resource" if container_metric else "resource"
        return (replicas, {"averageUtilization": utilization, "averageValue": str(Quantity.from_milli(raw))},
                f"{resource} {kind} utilization (percentage of request)")

    # normalisation ----------------------------------------------------------------------------
    def _record_initial_recommendation(self, current: int, key: str) -> None:
        if not self.recommendations.get(key):
            self.recommendations[key] = [_Recommendation(current, self.loop.now)]

    def _stabilize_recommendation(self, key: str, prenormalized: int) -> int:
        """``stabilizeRecommendation``: the highest recommendation of the window."""
        now = self.loop.now
        cutoff = now - self.downscale_window
        highest = prenormalized
        recs = self.recommendations.setdefault(key, [])
        old = -1
        for i, rec in enumerate(recs):
            if rec.timestamp < cutoff:
                old = i
            elif rec.replicas > highest:
                highest = rec.replicas
        if old >= 0:
            recs[old] = _Recommendation(prenormalized, now)
        else:
            recs.append(_Recommendation(prenormalized, now))
        return highest

    def _normalize_desired_replicas(self, hpa: dict, key: str, current: int, prenormalized: int,
                                    min_replicas: int) -> int:
        stabilized = self._stabilize_recommendation(key, prenormalized)
        if stabilized != prenormalized:
            self._set_condition(hpa, "AbleToScale", "True", "ScaleDownStabilized",
                                "recent recommendations were higher than current one, applying the highest recent "
                                "recommendation")
        else:
            self._set_condition(hpa, "AbleToScale", "True", "ReadyForNewScale",
                                "recommended size matches current size")
        desired, reason, message = convert_desired_replicas_with_rules(current, stabilized, min_replicas,
                                                                       hpa["spec"].get("maxReplicas") or 0)
        self._set_condition(hpa, "ScalingLimited", "False" if desired == stabilized else "True", reason, message)
        return desired

    def _normalize_with_behaviors(self, hpa: dict, key: str, current: int, prenormalized: int,
                                  min_replicas: int) -> int:
        behavior = hpa["spec"]["behavior"]
        up = behavior.get("scaleUp") or {}
        down = dict(behavior.get("scaleDown") or {})
        if behavior.get("scaleDown") is not None and down.get("stabilizationWindowSeconds") is None:
            down["stabilizationWindowSeconds"] = int(self.downscale_window)   # maybeInitScaleDownStabilizationWindow
        max_replicas = hpa["spec"].get("maxReplicas") or 0
        stabilized, reason, message = self._stabilize_with_behaviors(key, up, down, current, prenormalized)
        if stabilized != prenormalized:
            self._set_condition(hpa, "AbleToScale", "True", reason, message)
        else:
            self._set_condition(hpa, "AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size")
        desired, reason, message = self._convert_with_behavior_rate(key, up, down, current, stabilized,
                                                                    min_replicas, max_replicas)
        self._set_condition(hpa, "ScalingLimited", "False" if desired == stabilized else "True", reason, message)
        return desired

    def _stabilize_with_behaviors(self, key: str, up: dict, down: dict, current: int,
                                  desired: int) -> tuple[int, str, str]:
        now = self.loop.now
        up_cutoff = now - (up.get("stabilizationWindowSeconds") or 0)
        down_cutoff = now - (down.get("stabilizationWindowSeconds") or 0)
        up_rec = down_rec = desired
        recs = self.recommendations.setdefault(key, [])
        old = -1
        for i, rec in enumerate(recs):
            if rec.timestamp > up_cutoff:
                up_rec = min(rec.replicas, up_rec)
            if rec.timestamp > down_cutoff:
                down_rec = max(rec.replicas, down_rec)
            if rec.timestamp < up_cutoff and rec.timestamp < down_cutoff:
                old = i
        recommendation = current
        if recommendation < up_rec:
            recommendation = up_rec
        if recommendation > down_rec:
            recommendation = down_rec
        if old >= 0:
            recs[old] = _Recommendation(desired, now)
        else:
            recs.append(_Recommendation(desired, now))
        if desired >= current:
            return (recommendation, "ScaleUpStabilized",
                    "recent recommendations were lower than current one, applying the lowest recent recommendation")
        return (recommendation, "ScaleDownStabilized",
                "recent recommendations were higher than current one, applying the highest recent recommendation")

    def _convert_with_behavior_rate(self, key: str, up: dict, down: dict, current: int, desired: int,
                                    min_replicas: int, max_replicas: int) -> tuple[int, str, str]:
        now = self.loop.now
        ups = self.scale_up_events.get(key, [])
        downs = self.scale_down_events.get(key, [])
        if desired > current:
            limit = max(scale_up_limit_with_rules(current, ups, downs, up, now), current)
            if max_replicas > limit:
                maximum, reason, message = (limit, "ScaleUpLimit", "the desired replica count is increasing "
                                                                   "faster than the maximum scale rate")
            else:
                maximum, reason, message = (max_replicas, "TooManyReplicas",
                                            "the desired replica count is more than the maximum replica count")
            if desired > maximum:
                return maximum, reason, message
        elif desired < current:
            limit = min(scale_down_limit_with_rules(current, ups, downs, down, now), current)
            if min_replicas < limit:
                minimum, reason, message = (limit, "ScaleDownLimit", "the desired replica count is decreasing "
                                                                     "faster than the maximum scale rate")
            else:
                minimum, reason, message = (min_replicas, "TooFewReplicas",
                                            "the desired replica count is less than the minimum replica count")
            if desired < minimum:
                return minimum, reason, message
        return desired, "DesiredWithinRange", "the desired count is within the acceptable range"

    def _store_scale_event(self, behavior: dict | None, key: str, previous: int, new: int) -> None:
        """``storeScaleEvent`` (only with a behavior): reuse an outdated slot or append."""
        if behavior is None:
            return
        now = self.loop.now
        if new > previous:
            rules, change = behavior.get("scaleUp") or {}, new - previous
            events = self.scale_up_events.setdefault(key, [])
        else:
            rules, change = behavior.get("scaleDown") or {}, previous - new
            events = self.scale_down_events.setdefault(key, [])
        cutoff = now - _longest_period(rules)
        old = -1
        for i, e in enumerate(events):
            if e.timestamp < cutoff:
                e.outdated = True
            if e.outdated:
                old = i
        if old >= 0:
            events[old] = _ScaleEvent(change, now)
        else:
            events.append(_ScaleEvent(change, now))

    # status -----------------------------------------------------------------------------------
    def _set_current_replicas_and_metrics(self, hpa: dict, current: int, statuses: list[dict] | None) -> None:
        self._set_status(hpa, current, hpa["status"].get("desiredReplicas", 0) or 0, statuses, False)

    def _set_status(self, hpa: dict, current: int, desired: int, statuses: list[dict] | None,
                    rescale: bool) -> None:
        old = hpa["status"]
        st: dict[str, Any] = {}
        last_scale = self.apiserver.timestamp() if rescale else old.get("lastScaleTime")
        if last_scale:
            st["lastScaleTime"] = last_scale
        if current:
            st["currentReplicas"] = current
        st["desiredReplicas"] = desired
        st["currentMetrics"] = statuses
        if old.get("conditions"):
            st["conditions"] = old["conditions"]
        hpa["status"] = st

    def _update_status_if_needed(self, original: dict, hpa: dict) -> None:
        if _semantic(original) == _semantic(hpa["status"]):
            return
        try:
            self.client.update_status("horizontalpodautoscalers", hpa, hpa["metadata"].get("namespace"))
        except errors.StatusError as e:
            self._event(hpa, "Warning", "FailedUpdateStatus", e.message)
            raise


def _semantic(status: dict) -> dict:
    """Status compared as ``apiequality.Semantic.DeepEqual`` would: absent, null and empty lists
    are the same, zero-valued scalars the same as absent ones."""
    out = {}
    for k, v in (status or {}).items():
        if v in (None, [], {}, 0, ""):
            continue
        out[k] = v
    return out


__all__ = ["HorizontalController", "MetricsError", "PodMetric", "ReplicaCalculator", "ResourceMetricsClient",
           "calculate_pod_requests", "convert_desired_replicas_with_rules", "group_pods",
           "resource_utilization_ratio", "scale_down_limit_with_rules", "scale_up_limit_with_rules"]
