"""``kubectl describe hpa`` (k8s.io/kubectl/pkg/describe ``describeHorizontalPodAutoscalerV2``,
v1.32): reference, each metric as ``( current / target )``, min/max replicas, the behavior when
one is set, ``<Kind> pods: N current / M desired``, the conditions table and the events.

:func:`describe_hpa` takes the :class:`~kube_lab.kubectl.describe.Describers` of the command (for
events and the clock); ``Describers._HorizontalPodAutoscaler = describe_hpa`` hooks it in.
"""
from __future__ import annotations

from typing import Any

from .describe import (PrefixWriter, describe_events, print_annotations_multiline, print_labels_multiline,
                       rfc1123z, tabbed)


def _current(statuses: list, i: int, key: str) -> dict | None:
    if i < len(statuses) and (statuses[i] or {}).get(key) is not None:
        return (statuses[i][key] or {}).get("current") or {}
    return None


def _metric_lines(w: PrefixWriter, specs: list, statuses: list) -> None:
    for i, m in enumerate(specs):
        mtype = m.get("type", "")
        if mtype == "External":
            src = m.get("external") or {}
            name, target = (src.get("metric") or {}).get("name", ""), src.get("target") or {}
            cur = _current(statuses, i, "external")
            if target.get("averageValue") is not None:
                current = str(cur["averageValue"]) if cur and cur.get("averageValue") is not None else "<unknown>"
                w.write(1, f'"{name}" (target average value):\t{current} / {target["averageValue"]}\n')
            else:
                current = str(cur.get("value", "0")) if cur is not None else "<unknown>"
                w.write(1, f'"{name}" (target value):\t{current} / {target.get("value", "0")}\n')
        elif mtype == "Pods":
            src = m.get("pods") or {}
            cur = _current(statuses, i, "pods")
            current = str(cur.get("averageValue", "0")) if cur is not None else "<unknown>"
            w.write(1, f'"{(src.get("metric") or {}).get("name", "")}" on pods:\t{current} / '
                       f'{(src.get("target") or {}).get("averageValue", "0")}\n')
        elif mtype == "Object":
            src = m.get("object") or {}
            obj = src.get("describedObject") or {}
            target = src.get("target") or {}
            w.write(1, f'"{(src.get("metric") or {}).get("name", "")}" on {obj.get("kind", "")}/{obj.get("name", "")} ')
            cur = _current(statuses, i, "object")
            if target.get("type") == "AverageValue":
                current = str(cur.get("averageValue", "0")) if cur is not None else "<unknown>"
                w.write(0, f"(target average value):\t{current} / {target.get('averageValue', '0')}\n")
            else:
                current = str(cur.get("value", "0")) if cur is not None else "<unknown>"
                w.write(0, f"(target value):\t{current} / {target.get('value', '0')}\n")
        elif mtype in ("Resource", "ContainerResource"):
            key = "resource" if mtype == "Resource" else "containerResource"
            src = m.get(key) or {}
            target = src.get("target") or {}
            if mtype == "Resource":
                w.write(1, f"resource {src.get('name', '')} on pods")
            else:
                w.write(1, f'resource {src.get("name", "")} of container "{src.get("container", "")}" on pods')
            cur = _current(statuses, i, key)
            if target.get("averageValue") is not None:
                current = str(cur.get("averageValue", "0")) if cur is not None else "<unknown>"
                w.write(0, f":\t{current} / {target['averageValue']}\n")
            else:
                current = "<unknown>"
                if cur is not None and cur.get("averageUtilization") is not None:
                    current = f"{cur['averageUtilization']}% ({cur.get('averageValue', '0')})"
                goal = f"{target['averageUtilization']}%" if target.get("averageUtilization") is not None else "<auto>"
                w.write(1, f"(as a percentage of request):\t{current} / {goal}\n")
        else:
            w.write(1, f'<unknown metric type "{mtype}">\n')


def _behavior(w: PrefixWriter, direction: str, rules: dict | None) -> None:
    """``printDirectionBehavior``."""
    if rules is None:
        return
    w.write(1, f"{direction}:\n")
    if rules.get("stabilizationWindowSeconds") is not None:
        w.write(2, f"Stabilization Window: {rules['stabilizationWindowSeconds']} seconds\n")
    policies = rules.get("policies") or []
    if policies:
        w.write(2, f"Select Policy: {rules.get('selectPolicy') or 'Max'}\n")
        w.write(2, "Policies:\n")
        for p in policies:
            w.write(3, f"- Type: {p.get('type', '')}\tValue: {p.get('value', 0)}\tPeriod: {p.get('periodSeconds', 0)} "
                       "seconds\n")


def describe_hpa(describers: Any, hpa: dict) -> str:
    md = hpa.get("metadata") or {}
    spec, status = hpa.get("spec") or {}, hpa.get("status") or {}
    ref = spec.get("scaleTargetRef") or {}
    events = describers.events_for(hpa)
    now = describers.now

    def body(w: PrefixWriter) -> None:
        w.write(0, f"Name:\t{md.get('name', '')}\n")
        w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
        print_labels_multiline(w, "Labels", md.get("labels"))
        print_annotations_multiline(w, "Annotations", md.get("annotations"))
        w.write(0, f"CreationTimestamp:\t{rfc1123z(md.get('creationTimestamp'))}\n")
        w.write(0, f"Reference:\t{ref.get('kind', '')}/{ref.get('name', '')}\n")
        w.write(0, "Metrics:\t( current / target )\n")
        _metric_lines(w, spec.get("metrics") or [], status.get("currentMetrics") or [])
        min_replicas = spec.get("minReplicas")
        w.write(0, f"Min replicas:\t{'<unset>' if min_replicas is None else min_replicas}\n")
        w.write(0, f"Max replicas:\t{spec.get('maxReplicas', 0)}\n")
        if spec.get("behavior") is not None:
            w.write(0, "Behavior:\n")
            _behavior(w, "Scale Up", spec["behavior"].get("scaleUp"))
            _behavior(w, "Scale Down", spec["behavior"].get("scaleDown"))
        w.write(0, f"{ref.get('kind', '')} pods:\t")
        w.write(0, f"{status.get('currentReplicas', 0)} current / {status.get('desiredReplicas', 0)} desired\n")
        if status.get("conditions"):
            w.write(0, "Conditions:\n")
            w.write(1, "Type\tStatus\tReason\tMessage\n")
            w.write(1, "----\t------\t------\t-------\n")
            for c in status["conditions"]:
                w.write(1, f"{c.get('type', '')}\t{c.get('status', '')}\t{c.get('reason', '')}\t"
                           f"{c.get('message', '')}\n")
        describe_events(events, w, now)

    return tabbed(body)


__all__ = ["describe_hpa"]
