"""Job creation rules from the Job REST strategy (``pkg/registry/batch/job/strategy.go``).

Unless ``spec.manualSelector`` is true, the API server — not the user — picks a Job's selector:
it labels the pod template with the Job's uid and name and selects on the uid, so two Jobs can
never adopt each other's pods.
"""
from __future__ import annotations

CONTROLLER_UID = "batch.kubernetes.io/controller-uid"
JOB_NAME = "batch.kubernetes.io/job-name"
LEGACY_CONTROLLER_UID = "controller-uid"
LEGACY_JOB_NAME = "job-name"


def prepare_job(job: dict) -> None:
    spec = job.setdefault("spec", {})
    if spec.get("manualSelector"):
        return
    md = job["metadata"]
    uid, name = md["uid"], md["name"]
    tmpl_md = spec.setdefault("template", {}).setdefault("metadata", {})
    labels = dict(tmpl_md.get("labels") or {})
    labels.setdefault(CONTROLLER_UID, uid)
    labels.setdefault(JOB_NAME, name)
    labels.setdefault(LEGACY_CONTROLLER_UID, uid)
    labels.setdefault(LEGACY_JOB_NAME, name)
    tmpl_md["labels"] = labels
    if spec.get("selector") is None:
        spec["selector"] = {"matchLabels": {CONTROLLER_UID: uid}}
