"""The HorizontalPodAutoscaler controller (pkg/controller/podautoscaler, v1.32).

Three layers of tests:

* the replica calculation and the normalisation rules, as pure functions (tolerance, missing and
  unready pods, scale limits, behavior policies);
* the controller against a fake Resource Metrics API registered with the API server's aggregator
  (exact usage numbers; the pods come from the fake kubelet), for conditions, events, the sync
  period and the stabilization window;
* the HorizontalPodAutoscaler walkthrough end to end: php-apache, metrics-server, a busybox load
  loop, scale-up, and the scale-down after the 5-minute window.
"""
from __future__ import annotations

import math

import pytest
from conftest import deployment

from kube_lab import Cluster
from kube_lab.api.meta import rfc3339
from kube_lab.api.selectors import parse_selector
from kube_lab.controlplane.apiserver.aggregator import APIService, Aggregator
from kube_lab.controlplane.controllers.podautoscaler import (
    MetricsError, PodMetric, ReplicaCalculator, _ScaleEvent, calculate_pod_requests,
    convert_desired_replicas_with_rules, scale_down_limit_with_rules, scale_up_limit_with_rules)
from kube_lab.controlplane.metricsserver import RESOURCES

NOW = 1_000_000.0
UP_DEFAULT = {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
              "policies": [{"type": "Pods", "value": 4, "periodSeconds": 15},
                           {"type": "Percent", "value": 100, "periodSeconds": 15}]}
DOWN_DEFAULT = {"selectPolicy": "Max", "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}


# ---------------------------------------------------------------------------------------------
# the replica calculator
def _pod(name: str, request: str | None = "200m", phase: str = "Running", ready: bool = True,
         started: float = NOW - 600, ready_at: float | None = None, deleting: bool = False) -> dict:
    resources = {"requests": {"cpu": request}} if request is not None else {}
    status: dict = {"phase": phase}
    if phase != "Pending":
        status["startTime"] = rfc3339(0, started)
        status["conditions"] = [{"type": "Ready", "status": "True" if ready else "False",
                                 "lastTransitionTime": rfc3339(0, ready_at if ready_at is not None else started)}]
    md: dict = {"name": name, "namespace": "default", "labels": {"app": "web"}}
    if deleting:
        md["deletionTimestamp"] = rfc3339(0, NOW)
    return {"metadata": md, "spec": {"containers": [{"name": "app", "resources": resources}]}, "status": status}


class _Metrics:
    def __init__(self, usage: dict[str, int], timestamp: float = NOW - 5, window: float = 15.0):
        self.usage = usage
        self.timestamp = timestamp
        self.window = window

    def get_resource_metric(self, resource, namespace, selector, container):
        if not self.usage:
            raise MetricsError("no metrics returned from resource metrics API")
        return {n: PodMetric(v, self.timestamp, self.window) for n, v in self.usage.items()}, self.timestamp


def _calc(usage: dict[str, int], pods: list[dict], **metrics) -> ReplicaCalculator:
    return ReplicaCalculator(_Metrics(usage, **metrics), lambda ns, sel: pods, lambda: NOW)


SEL = parse_selector("app=web")


def test_within_tolerance_nothing_changes():
    pods = [_pod("a"), _pod("b"), _pod("c")]
    # 108 / 200 = 54 % of the request; 54 / 50 = 1.08, within the 0.1 tolerance
    replicas, util, raw, _ = _calc({"a": 108, "b": 108, "c": 108}, pods).get_resource_replicas(
        3, 50, "cpu", "default", SEL, "")
    assert (replicas, util, raw) == (3, 54, 108)
    # 112 / 200 = 56 %: 1.12 → ceil(1.12 × 3) = 4
    replicas, util, raw, _ = _calc({"a": 112, "b": 112, "c": 112}, pods).get_resource_replicas(
        3, 50, "cpu", "default", SEL, "")
    assert (replicas, util, raw) == (4, 56, 112)


def test_utilization_is_total_usage_over_total_requests_truncated():
    pods = [_pod("a", "100m"), _pod("b", "300m")]
    replicas, util, raw, _ = _calc({"a": 99, "b": 1}, pods).get_resource_replicas(2, 10, "cpu", "default", SEL, "")
    assert util == 25 and raw == 50          # 100 × 100 / 400; average 100 / 2
    assert replicas == math.ceil(25 / 10 * 2)


def test_missing_metrics_count_as_full_request_on_scale_down():
    pods = [_pod("a"), _pod("b"), _pod("c")]
    # a and b at 20 %, c without metrics: on a scale-down c counts as 100 % → (20+20+100)/3 = 46 %
    replicas, util, _, _ = _calc({"a": 40, "b": 40}, pods).get_resource_replicas(3, 50, "cpu", "default", SEL, "")
    assert util == 20 and replicas == 3


def test_missing_metrics_count_as_zero_on_scale_up():
    pods = [_pod("a"), _pod("b"), _pod("c")]
    # a and b at 100 %: ratio 2; c counts as 0 → 66 % / 50 = 1.33 → ceil(1.33 × 3) = 4
    replicas, util, _, _ = _calc({"a": 200, "b": 200}, pods).get_resource_replicas(3, 50, "cpu", "default", SEL, "")
    assert util == 100 and replicas == 4


def test_missing_metrics_never_reverse_the_direction():
    pods = [_pod("a"), _pod("b"), _pod("c"), _pod("d")]
    # a at 60 % of 50 → 1.2 up; three missing pods at 0 → 15 %: a scale-down, so nothing changes
    replicas, _, _, _ = _calc({"a": 120}, pods).get_resource_replicas(4, 50, "cpu", "default", SEL, "")
    assert replicas == 4


def test_unready_and_pending_pods_count_as_zero_when_scaling_up():
    pods = [_pod("a"), _pod("b"), _pod("p", phase="Pending"),
            _pod("u", ready=False, started=NOW - 20, ready_at=NOW - 20)]
    # a, b at 150 %; p pending and u not ready yet: 600m over 4 × 200m → 75 % / 50 = 1.5 → 6
    replicas, util, _, _ = _calc({"a": 300, "b": 300, "u": 300}, pods).get_resource_replicas(
        4, 50, "cpu", "default", SEL, "")
    assert util == 150 and replicas == 6
    # a pod that was ready once and is unready now (after the 30 s initial-readiness delay) still counts
    pods[3] = _pod("u", ready=False, ready_at=NOW - 10)
    replicas, util, _, _ = _calc({"a": 300, "b": 300, "u": 300}, pods).get_resource_replicas(
        4, 50, "cpu", "default", SEL, "")
    assert util == 150 and replicas == 9       # 900m over 4 × 200m = 112 % → ceil(2.25 × 4)


def test_cpu_samples_taken_before_readiness_plus_a_window_are_ignored():
    # started 60 s ago (inside the 5 min CPU initialization period), ready 10 s ago: a sample
    # from 5 s ago predates readiness + 15 s window → the pod is treated as unready
    young = _pod("young", started=NOW - 60, ready_at=NOW - 10)
    old = _pod("old")
    replicas, util, _, _ = _calc({"young": 400, "old": 100}, [young, old]).get_resource_replicas(
        2, 50, "cpu", "default", SEL, "")
    assert util == 50 and replicas == 2        # only "old" counts: 100/200 = 50 %
    # ignored pods (being deleted, failed) drop out entirely
    gone = _pod("gone", deleting=True)
    replicas, util, _, _ = _calc({"old": 100, "gone": 400}, [old, gone]).get_resource_replicas(
        2, 50, "cpu", "default", SEL, "")
    assert util == 50 and replicas == 2


@pytest.mark.parametrize("usage,pods,message", [
    ({"a": 1}, [], "no pods returned by selector while calculating replica count"),
    ({"a": 1}, [_pod("a", phase="Pending")], "did not receive metrics for targeted pods (pods might be unready)"),
    ({"a": 1}, [_pod("a", request=None)], "missing request for cpu in container app of Pod a"),
    ({}, [_pod("a")], "unable to get metrics for resource cpu: no metrics returned from resource metrics API"),
])
def test_calculation_errors_have_upstream_texts(usage, pods, message):
    with pytest.raises(MetricsError) as e:
        _calc(usage, pods).get_resource_replicas(1, 50, "cpu", "default", SEL, "")
    assert str(e.value) == message


def test_requests_include_restartable_init_containers():
    pod = _pod("a", "100m")
    pod["spec"]["initContainers"] = [{"name": "sidecar", "restartPolicy": "Always",
                                      "resources": {"requests": {"cpu": "50m"}}},
                                     {"name": "init", "resources": {"requests": {"cpu": "1"}}}]
    assert calculate_pod_requests([pod], "", "cpu") == {"a": 150}
    assert calculate_pod_requests([pod], "sidecar", "cpu") == {"a": 50}


def test_average_value_targets():
    pods = [_pod("a"), _pod("b")]
    replicas, usage, _ = _calc({"a": 300, "b": 100}, pods).get_raw_resource_replicas(2, 100, "cpu", "default",
                                                                                      SEL, "")
    assert (replicas, usage) == (4, 200)


# ---------------------------------------------------------------------------------------------
# normalisation
def test_without_behavior_scale_up_is_limited_to_double_or_four():
    assert convert_desired_replicas_with_rules(1, 10, 1, 10) == (
        4, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
    assert convert_desired_replicas_with_rules(3, 10, 1, 10)[0] == 6
    assert convert_desired_replicas_with_rules(8, 12, 1, 10) == (
        10, "TooManyReplicas", "the desired replica count is more than the maximum replica count")
    assert convert_desired_replicas_with_rules(3, 0, 1, 10) == (
        1, "TooFewReplicas", "the desired replica count is less than the minimum replica count")
    assert convert_desired_replicas_with_rules(3, 5, 1, 10) == (
        5, "DesiredWithinRange", "the desired count is within the acceptable range")


def test_default_behavior_policies():
    # scale up: max(+4 pods, +100 %) per 15 s
    assert scale_up_limit_with_rules(2, [], [], UP_DEFAULT, NOW) == 6
    assert scale_up_limit_with_rules(10, [], [], UP_DEFAULT, NOW) == 20
    # 4 pods were already added 10 s ago: the period started at 6 → max(6+4, 12)
    assert scale_up_limit_with_rules(10, [_ScaleEvent(4, NOW - 10)], [], UP_DEFAULT, NOW) == 12
    # an event older than the period no longer counts
    assert scale_up_limit_with_rules(10, [_ScaleEvent(4, NOW - 16)], [], UP_DEFAULT, NOW) == 20
    # scale down: -100 % per 15 s
    assert scale_down_limit_with_rules(10, [], [], DOWN_DEFAULT, NOW) == 0


def test_select_policy_min_and_disabled():
    rules = dict(UP_DEFAULT, selectPolicy="Min")
    assert scale_up_limit_with_rules(10, [], [], rules, NOW) == 14       # min(+4, +100 %)
    assert scale_up_limit_with_rules(10, [], [], dict(UP_DEFAULT, selectPolicy="Disabled"), NOW) == 10
    slow = {"selectPolicy": "Max", "policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]}
    assert scale_down_limit_with_rules(5, [], [_ScaleEvent(1, NOW - 30)], slow, NOW) == 5
    assert scale_down_limit_with_rules(5, [], [_ScaleEvent(1, NOW - 61)], slow, NOW) == 4


# ---------------------------------------------------------------------------------------------
# the controller, against a fake Resource Metrics API
class FakeMetricsAPI:
    """A metrics.k8s.io backend whose CPU usage per pod the test sets (milli-cores); pods with no
    entry have no metrics."""

    serving = True

    def __init__(self, cluster):
        self.cluster = cluster
        self.usage: dict[str, int] = {}

    def list(self, resource, namespace, label_selector, field_selector):
        items = []
        api = self.cluster.apiserver
        for pod in self.cluster.list("pods", namespace, selector=label_selector):
            name = pod["metadata"]["name"]
            if name not in self.usage:
                continue
            items.append({"kind": "PodMetrics", "apiVersion": "metrics.k8s.io/v1beta1",
                          "metadata": {"name": name, "namespace": pod["metadata"]["namespace"]},
                          "timestamp": rfc3339(api.epoch, self.cluster.now), "window": "15s",
                          "containers": [{"name": "nginx", "usage": {"cpu": f"{self.usage[name]}m",
                                                                     "memory": "10Mi"}}]})
        return {"kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": {}, "items": items}

    def get(self, resource, namespace, name):  # pragma: no cover - the HPA only lists
        raise AssertionError("not used")

    def set_all(self, milli: int) -> None:
        for pod in self.cluster.list("pods"):
            if not pod["metadata"].get("deletionTimestamp"):
                self.usage[pod["metadata"]["name"]] = milli


@pytest.fixture
def metrics(cluster):
    api = FakeMetricsAPI(cluster)
    user = cluster.client("test")
    user.create("services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "metrics-server"},
                             "spec": {"ports": [{"name": "https", "port": 443}]}}, "kube-system")
    user.create("endpoints", {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "metrics-server"},
                              "subsets": [{"addresses": [{"ip": "10.244.9.9"}],
                                           "ports": [{"name": "https", "port": 10250}]}]}, "kube-system")
    Aggregator.of(cluster.apiserver).register(APIService("metrics.k8s.io", "v1beta1", ("kube-system", "metrics-server"),
                                                         RESOURCES, api))
    return api


def _web(replicas: int = 2, cpu: str | None = "200m") -> dict:
    d = deployment("web", replicas=replicas)
    if cpu is not None:
        d["spec"]["template"]["spec"]["containers"][0]["resources"] = {"requests": {"cpu": cpu}}
    return d


def _hpa(name: str = "web", target: str = "web", min_replicas: int | None = 1, max_replicas: int = 10,
         cpu: int = 50, behavior: dict | None = None, kind: str = "Deployment") -> dict:
    spec: dict = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": kind, "name": target},
                  "maxReplicas": max_replicas,
                  "metrics": [{"type": "Resource", "resource": {
                      "name": "cpu", "target": {"type": "Utilization", "averageUtilization": cpu}}}]}
    if min_replicas is not None:
        spec["minReplicas"] = min_replicas
    if behavior is not None:
        spec["behavior"] = behavior
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": name},
            "spec": spec}


def _events(cluster, name: str = "web") -> list[tuple[str, str, str]]:
    return [(e["type"], e["reason"], e["message"]) for e in cluster.list("events")
            if e["involvedObject"]["kind"] == "HorizontalPodAutoscaler" and e["involvedObject"]["name"] == name]


def _conditions(hpa: dict) -> dict[str, tuple[str, str, str]]:
    return {c["type"]: (c["status"], c["reason"], c["message"]) for c in hpa["status"].get("conditions") or ()}


def _replicas(cluster, name: str = "web") -> int:
    return cluster.get("deployments", name)["spec"]["replicas"]


def test_first_sync_comes_one_sync_period_after_creation(cluster, kubelet, metrics):
    cluster.create(_web())
    cluster.run(20)
    metrics.set_all(100)                    # 50 % of the request: exactly on target
    cluster.create(_hpa())
    cluster.run(14.9)
    # untouched yet: what the API server stores for a new autoscaling/v2 HPA
    assert cluster.get("hpa", "web")["status"] == {"currentMetrics": None, "desiredReplicas": 0}
    cluster.run(0.2)
    hpa = cluster.get("hpa", "web")
    assert hpa["status"]["currentReplicas"] == 2 and hpa["status"]["desiredReplicas"] == 2
    assert hpa["status"]["currentMetrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "current": {"averageUtilization": 50, "averageValue": "100m"}}}]
    assert _conditions(hpa) == {
        "AbleToScale": ("True", "ReadyForNewScale", "recommended size matches current size"),
        "ScalingActive": ("True", "ValidMetricFound", "the HPA was able to successfully calculate a replica count "
                                                     "from cpu resource utilization (percentage of request)"),
        "ScalingLimited": ("False", "DesiredWithinRange", "the desired count is within the acceptable range"),
    }
    assert "lastScaleTime" not in hpa["status"]
    assert cluster.kubectl("get hpa").stdout.splitlines()[1].split()[:6] == [
        "web", "Deployment/web", "cpu:", "50%/50%", "1", "10"]


def test_scale_up_event_limit_and_last_scale_time(cluster, kubelet, metrics):
    cluster.create(_web(replicas=1))
    cluster.run(20)
    metrics.set_all(1000)                   # 500 % of the request → wants 10, limited to max(2, 4)
    cluster.create(_hpa())
    cluster.run(15.5)
    assert _replicas(cluster) == 4
    hpa = cluster.get("hpa", "web")
    assert hpa["status"]["lastScaleTime"] == cluster.apiserver.timestamp(-0.5)     # the sync's time
    assert _conditions(hpa)["ScalingLimited"] == (
        "True", "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
    assert _conditions(hpa)["AbleToScale"] == (
        "True", "SucceededRescale", "the HPA controller was able to update the target scale to 4")
    assert hpa["status"]["desiredReplicas"] == 4 and hpa["status"]["currentReplicas"] == 1
    assert ("Normal", "SuccessfulRescale",
            "New size: 4; reason: cpu resource utilization (percentage of request) above target") in _events(cluster)
    # the new pods report 500 % too, one window after becoming ready: the next syncs go to max
    cluster.run(16)
    metrics.set_all(1000)
    cluster.run(30)
    assert _replicas(cluster) == 10
    assert _conditions(cluster.get("hpa", "web"))["ScalingLimited"][1] == "TooManyReplicas"


def test_scale_down_waits_for_the_stabilization_window(cluster, kubelet, metrics):
    cluster.create(_web(replicas=4))
    cluster.run(20)
    metrics.set_all(100)
    cluster.create(_hpa())
    cluster.run(16)                                     # first sync: on target
    metrics.set_all(10)                                 # load gone: 5 % → wants 1
    cluster.run(15)
    hpa = cluster.get("hpa", "web")
    assert _replicas(cluster) == 4
    assert _conditions(hpa)["AbleToScale"] == (
        "True", "ScaleDownStabilized",
        "recent recommendations were higher than current one, applying the highest recent recommendation")
    # the recommendation of 4 made at the first sync holds for 300 s
    cluster.run(270)
    assert _replicas(cluster) == 4
    cluster.run(30)
    assert _replicas(cluster) == 1
    assert ("Normal", "SuccessfulRescale", "New size: 1; reason: All metrics below target") in _events(cluster)


def test_behavior_policies_limit_the_rate(cluster, kubelet, metrics):
    behavior = {"scaleUp": {"policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}]}}
    cluster.create(_web(replicas=1))
    cluster.run(20)
    metrics.set_all(1000)
    cluster.create(_hpa(behavior=behavior))
    cluster.run(15.5)
    assert _replicas(cluster) == 2
    hpa = cluster.get("hpa", "web")
    assert hpa["spec"]["behavior"]["scaleDown"] == DOWN_DEFAULT         # defaulted by the API server
    assert _conditions(hpa)["ScalingLimited"] == (
        "True", "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
    for _ in range(3):                       # one more pod per 60 s period: not at +15, +30, +45
        metrics.set_all(1000)
        cluster.run(15)
    assert _replicas(cluster) == 2
    metrics.set_all(1000)
    cluster.run(15)                          # the sync 60 s after the first scale-up
    assert _replicas(cluster) == 3


def test_bounds_apply_without_metrics(cluster, kubelet, metrics):
    cluster.create(_web(replicas=12))
    cluster.run(20)
    cluster.create(_hpa())
    cluster.run(16)
    assert _replicas(cluster) == 10
    assert ("Normal", "SuccessfulRescale",
            "New size: 10; reason: Current number of replicas above Spec.MaxReplicas") in _events(cluster)
    hpa = cluster.get("hpa", "web")
    assert hpa["status"]["desiredReplicas"] == 10 and hpa["status"]["currentReplicas"] == 12
    assert hpa["status"].get("currentMetrics") is None


def test_zero_replicas_disables_scaling(cluster, kubelet, metrics):
    cluster.create(_web(replicas=0))
    cluster.create(_hpa())
    cluster.run(16)
    assert _replicas(cluster) == 0
    assert _conditions(cluster.get("hpa", "web"))["ScalingActive"] == (
        "False", "ScalingDisabled", "scaling is disabled since the replica count of the target is zero")


def test_missing_metrics_api(cluster, kubelet):
    cluster.create(_web())
    cluster.create(_hpa())
    cluster.run(16)
    hpa = cluster.get("hpa", "web")
    err = ("failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from "
           "resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)")
    assert _conditions(hpa)["ScalingActive"] == (
        "False", "FailedGetResourceMetric", f"the HPA was unable to compute the replica count: {err}")
    assert _conditions(hpa)["AbleToScale"] == (
        "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale")
    assert hpa["status"]["currentMetrics"] == [{"type": ""}]
    assert ("Warning", "FailedGetResourceMetric", err) in _events(cluster)
    assert ("Warning", "FailedComputeMetricsReplicas",
            f"invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: {err}") \
        in _events(cluster)
    assert "cpu: <unknown>/50%" in cluster.kubectl("get hpa").stdout


def test_metrics_not_yet_available_and_missing_requests(cluster, kubelet, metrics):
    cluster.create(_web(cpu=None))
    cluster.create(_hpa())
    cluster.run(16)
    assert ("Warning", "FailedGetResourceMetric", "failed to get cpu utilization: unable to get metrics for resource "
            "cpu: no metrics returned from resource metrics API") in _events(cluster)
    metrics.set_all(50)
    cluster.run(15)
    pod = sorted(p["metadata"]["name"] for p in cluster.list("pods"))[0]
    assert ("Warning", "FailedGetResourceMetric",
            f"failed to get cpu utilization: missing request for cpu in container nginx of Pod {pod}") \
        in _events(cluster)


def test_missing_target_and_ambiguous_selectors(cluster, kubelet, metrics):
    cluster.create(_hpa(name="nope", target="nope"))
    cluster.run(16)
    hpa = cluster.get("hpa", "nope")
    assert _conditions(hpa)["AbleToScale"] == (
        "False", "FailedGetScale",
        'the HPA controller was unable to get the target\'s current scale: deployments.apps "nope" not found')
    assert ("Warning", "FailedGetScale", 'deployments.apps "nope" not found') in _events(cluster, "nope")
    cluster.create(_web())
    cluster.run(20)
    metrics.set_all(100)
    cluster.create(_hpa(name="one"))
    cluster.create(_hpa(name="two"))
    cluster.run(31)
    for name in ("one", "two"):
        status, reason, message = _conditions(cluster.get("hpa", name))["ScalingActive"]
        assert (status, reason) == ("False", "AmbiguousSelector")
        assert message == "pods by selector app=web are controlled by multiple HPAs: [default/one default/two]"


def test_deleted_hpa_stops_syncing(cluster, kubelet, metrics):
    cluster.create(_web(replicas=1))
    cluster.run(20)
    metrics.set_all(1000)
    cluster.create(_hpa())
    cluster.delete("hpa", "web")
    cluster.run(60)
    assert _replicas(cluster) == 1
    assert cluster.controller_manager["horizontal-pod-autoscaler"].recommendations == {}


# ---------------------------------------------------------------------------------------------
# the HorizontalPodAutoscaler walkthrough, end to end
PHP_APACHE = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: php-apache
spec:
  selector:
    matchLabels:
      run: php-apache
  template:
    metadata:
      labels:
        run: php-apache
    spec:
      containers:
      - name: php-apache
        image: registry.k8s.io/hpa-example
        ports:
        - containerPort: 80
        resources:
          limits:
            cpu: 500m
          requests:
            cpu: 200m
---
apiVersion: v1
kind: Service
metadata:
  name: php-apache
  labels:
    run: php-apache
spec:
  ports:
  - port: 80
  selector:
    run: php-apache
"""


def test_hpa_walkthrough():
    c = Cluster(nodes=2, seed=0, network_addons=True, metrics_server=True)
    assert c.apply(PHP_APACHE) == ["deployment.apps/php-apache created", "service/php-apache created"]
    c.run(40)
    out = c.kubectl("autoscale deployment php-apache --cpu-percent=50 --min=1 --max=10")
    assert out.stdout == "horizontalpodautoscaler.autoscaling/php-apache autoscaled\n"
    c.run(20)
    lines = c.kubectl("get hpa").stdout.splitlines()
    assert lines[0].split() == ["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"]
    assert lines[1].split()[:7] == ["php-apache", "Deployment/php-apache", "cpu:", "0%/50%", "1", "10", "1"]

    load = c.kubectl(["run", "load-generator", "--image=busybox:1.28", "--restart=Never", "--",
                      "/bin/sh", "-c", "while sleep 0.01; do wget -q -O- http://php-apache; done"])
    assert load.stdout == "pod/load-generator created\n"
    c.run_until(lambda cl: cl.get("deployments", "php-apache")["spec"]["replicas"] > 1, timeout=120)
    c.run(180)
    hpa = c.get("hpa", "php-apache")
    replicas = c.get("deployments", "php-apache")["spec"]["replicas"]
    assert 3 <= replicas <= 10
    util = hpa["status"]["currentMetrics"][0]["resource"]["current"]["averageUtilization"]
    # settled: the recommendation for the measured utilization is the current size
    assert hpa["status"]["desiredReplicas"] == replicas
    assert abs(util / 50 - 1) <= 0.1 or math.ceil(util / 50 * replicas) == replicas
    rescales = [m for _, r, m in _events(c, "php-apache") if r == "SuccessfulRescale"]
    assert rescales[0].endswith("; reason: cpu resource utilization (percentage of request) above target")
    # a later step may come only from a higher recommendation still in the window: upstream then
    # computes the reason from the unstabilized proposal, which equals the current size → ""
    assert all(m.endswith(("above target", "reason: ")) for m in rescales)
    busy = c.kubectl("top pod -l run=php-apache --no-headers").stdout.split()
    assert busy[1].endswith("m") and int(busy[1][:-1]) > 50

    c.delete("pods", "load-generator", grace_period=0)
    stop = c.now
    c.run(280)
    assert c.get("deployments", "php-apache")["spec"]["replicas"] == replicas   # the 5-minute window
    c.run_until(lambda cl: cl.get("deployments", "php-apache")["spec"]["replicas"] == 1, timeout=200)
    assert c.now - stop > 300
    assert ("Normal", "SuccessfulRescale", "New size: 1; reason: All metrics below target") in _events(c, "php-apache")
    c.run(30)
    assert c.kubectl("get hpa --no-headers").stdout.split()[2:7] == ["cpu:", "0%/50%", "1", "10", "1"]


def test_describe_hpa(cluster, kubelet, metrics):
    cluster.create(_web(replicas=1))
    cluster.run(20)
    metrics.set_all(1000)
    cluster.create(_hpa(behavior={"scaleDown": {"stabilizationWindowSeconds": 60}}))
    cluster.run(15.5)
    out = cluster.kubectl("describe hpa web").stdout
    head, _, tail = out.partition("Behavior:\n")
    assert head.splitlines()[5:9] == [
        "Reference:                                             Deployment/web",
        "Metrics:                                               ( current / target )",
        "  resource cpu on pods  (as a percentage of request):  500% (1) / 50%",
        "Min replicas:                                          1",
    ]
    assert tail.splitlines()[:12] == [
        "  Scale Up:",
        "    Stabilization Window: 0 seconds",
        "    Select Policy: Max",
        "    Policies:",
        "      - Type: Pods     Value: 4    Period: 15 seconds",
        "      - Type: Percent  Value: 100  Period: 15 seconds",
        "  Scale Down:",
        "    Stabilization Window: 60 seconds",
        "    Select Policy: Max",
        "    Policies:",
        "      - Type: Percent  Value: 100  Period: 15 seconds",
        "Deployment pods:       1 current / 5 desired",     # max(+4 pods, +100 %)
    ]
    assert "  ScalingLimited  True    ScaleUpLimit      the desired replica count is increasing faster than the " \
           "maximum scale rate" in out
    assert out.rstrip().endswith("horizontal-pod-autoscaler  New size: 5; reason: cpu resource utilization "
                                 "(percentage of request) above target")


def test_kubectl_autoscale(cluster, kubelet):
    cluster.create(_web())
    r = cluster.kubectl("autoscale deployment web --max=3 --cpu-percent=60 --dry-run=client -o yaml")
    assert r.stdout == ("apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata:\n"
                        "  creationTimestamp: null\n  name: web\nspec:\n  maxReplicas: 3\n  scaleTargetRef:\n"
                        "    apiVersion: apps/v1\n    kind: Deployment\n    name: web\n"
                        "  targetCPUUtilizationPercentage: 60\nstatus:\n  currentReplicas: 0\n  desiredReplicas: 0\n")
    assert cluster.kubectl("autoscale deploy/web --max=3").stdout == \
        "horizontalpodautoscaler.autoscaling/web autoscaled\n"
    hpa = cluster.get("hpa", "web")
    assert hpa["spec"]["minReplicas"] == 1 and hpa["spec"]["metrics"][0]["resource"]["target"] == {
        "type": "Utilization", "averageUtilization": 80}                  # the API server's defaults
    errors_ = {
        "autoscale deployment web": 'error: required flag(s) "max" not set\n',
        "autoscale deployment web --max=0": "error: --max=MAXPODS is required and must be at least 1, max: 0\n",
        "autoscale deployment web --max=2 --min=3":
            "error: --max=MAXPODS must be larger or equal to --min=MINPODS, max: 2, min: 3\n",
        "autoscale deploy/web --max=3":
            'Error from server (AlreadyExists): horizontalpodautoscalers.autoscaling "web" already exists\n',
        "autoscale svc/kubernetes --max=3": "error: cannot autoscale a Service: could not find scale subresource "
                                            "for /v1, Resource=services in discovery information\n",
    }
    for cmd, err in errors_.items():
        assert cluster.kubectl(cmd).stderr == err, cmd
