"""``kubectl autoscale`` (k8s.io/kubectl/pkg/cmd/autoscale, v1.32): a HorizontalPodAutoscaler for
a deployment, replica set, stateful set or replication controller, printed as
``horizontalpodautoscaler.autoscaling/<name> autoscaled``.

kubectl 1.32 builds an ``autoscaling/v1`` object — ``scaleTargetRef`` (the target's group/version
and kind), ``maxReplicas``, ``minReplicas`` when ``--min`` > 0 and
``targetCPUUtilizationPercentage`` when ``--cpu-percent`` ≥ 0 — and the API server stores it as
``autoscaling/v2``.  kube-lab serves HPAs in ``autoscaling/v2`` only, so this command creates the
converted object directly: the CPU target becomes a ``Resource`` metric (``cpu``,
``Utilization``); without one the server's defaulting adds the 80 % default.  ``--dry-run=client``
prints kubectl's own ``autoscaling/v1`` object, as kubectl does.
"""
from __future__ import annotations

from ...api import errors as api_errors
from ..errors import aggregate
from ..parser import Command, CommandError, Flag
from ..resources import Builder
from ..typed import roundtrip
from . import (dry_run_flag, dry_run_strategy, field_manager_flag, filename_flags, operation_printer, output_flags,
               record_flag)


def command() -> Command:
    return Command("autoscale", short="Auto-scale a deployment, replica set, stateful set, or replication controller",
                   run=run, usage="kubectl autoscale (-f FILENAME | TYPE NAME | TYPE/NAME) [--min=MINPODS] "
                                  "--max=MAXPODS [--cpu-percent=CPU]",
                   flags=[*output_flags(), record_flag(), Flag("min", type="int32", default=-1),
                          Flag("max", type="int32", default=-1), Flag("cpu-percent", type="int32", default=-1),
                          Flag("name"), Flag("save-config", type="bool"),
                          *filename_flags("identifying the resource to autoscale."), dry_run_flag(),
                          field_manager_flag("kubectl-autoscale")])


def hpa_for(name: str, target: dict, max_replicas: int, min_replicas: int, cpu_percent: int) -> dict:
    """``createHorizontalPodAutoscaler``, converted to ``autoscaling/v2``."""
    spec: dict = {"scaleTargetRef": {"apiVersion": target.get("apiVersion", ""), "kind": target.get("kind", ""),
                                     "name": target["metadata"]["name"]},
                  "maxReplicas": max_replicas}
    if min_replicas > 0:
        spec["minReplicas"] = min_replicas
    if cpu_percent >= 0:
        spec["metrics"] = [{"type": "Resource", "resource": {
            "name": "cpu", "target": {"type": "Utilization", "averageUtilization": cpu_percent}}}]
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": name},
            "spec": spec}


def hpa_v1(name: str, target: dict, max_replicas: int, min_replicas: int, cpu_percent: int) -> dict:
    """The ``autoscaling/v1`` object kubectl itself builds (what ``--dry-run=client`` prints)."""
    spec: dict = {"scaleTargetRef": {"apiVersion": target.get("apiVersion", ""), "kind": target.get("kind", ""),
                                     "name": target["metadata"]["name"]}}
    if min_replicas > 0:
        spec["minReplicas"] = min_replicas
    spec["maxReplicas"] = max_replicas
    if cpu_percent >= 0:
        spec["targetCPUUtilizationPercentage"] = cpu_percent
    return {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
            "metadata": {"creationTimestamp": None, "name": name}, "spec": spec,
            "status": {"currentReplicas": 0, "desiredReplicas": 0}}


def run(inv) -> int:
    if not inv.given("max"):
        raise CommandError('error: required flag(s) "max" not set')
    strategy = dry_run_strategy(inv)
    max_replicas, min_replicas = inv.flag("max"), inv.flag("min")
    if max_replicas < 1:
        raise CommandError(f"error: --max=MAXPODS is required and must be at least 1, max: {max_replicas}")
    if max_replicas < min_replicas:
        raise CommandError(f"error: --max=MAXPODS must be larger or equal to --min=MINPODS, max: {max_replicas}, "
                           f"min: {min_replicas}")
    builder = Builder(inv).filenames_from(inv.flag("filename"), inv.flag("recursive"), inv.flag("kustomize"))
    builder.args(inv.args)
    errs: list[BaseException] = []
    count = 0
    for v in builder.visits():
        if v.kind == "error":
            errs.append(v.extra["error"])
            continue
        try:
            obj = inv.client.get(v.info.resource, v.name, v.namespace)
        except api_errors.StatusError as e:
            errs.append(e)
            continue
        if "scale" not in v.info.subresources:
            gv = v.info.api_version if "/" in v.info.api_version else f"/{v.info.api_version}"
            errs.append(CommandError(f"error: cannot autoscale a {v.info.kind}: could not find scale subresource for "
                                     f"{gv}, Resource={v.info.resource} in discovery information"))
            continue
        target = dict(obj, apiVersion=v.info.api_version, kind=v.info.kind)
        args = (inv.flag("name") or v.name, target, max_replicas, min_replicas, inv.flag("cpu-percent"))
        hpa = hpa_for(*args)
        if strategy == "client":
            count += 1
            shown = hpa_v1(*args)
            operation_printer(inv, "autoscaled", strategy).print_obj(shown, inv.out, typed=True)
            continue
        try:
            created = inv.client.create("horizontalpodautoscalers", hpa, v.namespace, field_validation="Strict",
                                        dry_run=strategy == "server")
        except api_errors.StatusError as e:
            errs.append(e)
            continue
        count += 1
        operation_printer(inv, "autoscaled", strategy).print_obj(roundtrip(created), inv.out, typed=True)
    err = aggregate(errs)
    if err is not None:
        raise err
    if count == 0:
        raise CommandError("error: no objects passed to autoscale")
    return 0
