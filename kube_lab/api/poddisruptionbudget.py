"""PodDisruptionBudget helpers shared by the API server's eviction subresource and the disruption
controller, as upstream shares ``k8s.io/component-helpers/apps/poddisruptionbudget``:

* :func:`update_disruption_allowed_condition` — ``UpdateDisruptionAllowedCondition``: the
  ``DisruptionAllowed`` condition is True/``SufficientPods`` while ``disruptionsAllowed`` > 0,
  else False/``InsufficientPods`` (with the status's ``observedGeneration``);
* :func:`conditions_are_up_to_date` — ``ConditionsAreUpToDate``;
* :func:`set_status_condition` — ``meta.SetStatusCondition`` for ``metav1.Condition``.
"""
from __future__ import annotations

# PodDisruptionBudgetStatus fields in the order Go serialises them
STATUS_ORDER = ("observedGeneration", "disruptedPods", "disruptionsAllowed", "currentHealthy", "desiredHealthy",
                "expectedPods", "conditions")


def set_status_condition(conditions: list[dict], new: dict, now: str) -> None:
    """Add or update a ``metav1.Condition`` (type, status, observedGeneration, lastTransitionTime,
    reason, message); the transition time moves only when the status changes."""
    for c in conditions:
        if c.get("type") == new["type"]:
            if c.get("status") != new["status"]:
                c["status"] = new["status"]
                c["lastTransitionTime"] = now
            c["reason"] = new["reason"]
            c["message"] = new.get("message", "")
            if new.get("observedGeneration"):
                c["observedGeneration"] = new["observedGeneration"]
            else:
                c.pop("observedGeneration", None)
            return
    cond = {"type": new["type"], "status": new["status"]}
    if new.get("observedGeneration"):
        cond["observedGeneration"] = new["observedGeneration"]
    cond.update({"lastTransitionTime": now, "reason": new["reason"], "message": new.get("message", "")})
    conditions.append(cond)


def update_disruption_allowed_condition(status: dict, now: str) -> None:
    conds = status.setdefault("conditions", [])
    if status.get("disruptionsAllowed", 0) > 0:
        new = {"type": "DisruptionAllowed", "status": "True", "reason": "SufficientPods"}
    else:
        new = {"type": "DisruptionAllowed", "status": "False", "reason": "InsufficientPods"}
    new["observedGeneration"] = status.get("observedGeneration", 0)
    set_status_condition(conds, new, now)


def conditions_are_up_to_date(pdb: dict) -> bool:
    st = pdb.get("status") or {}
    cond = next((c for c in st.get("conditions") or () if c.get("type") == "DisruptionAllowed"), None)
    if cond is None or st.get("observedGeneration", 0) != pdb["metadata"].get("generation", 0):
        return False
    if st.get("disruptionsAllowed", 0) > 0:
        return cond.get("status") == "True" and cond.get("reason") == "SufficientPods"
    return cond.get("status") == "False" and cond.get("reason") == "InsufficientPods"


def status_in_go_order(status: dict) -> dict:
    out = {k: status[k] for k in STATUS_ORDER if k in status}
    out.update({k: v for k, v in status.items() if k not in out})
    return out
