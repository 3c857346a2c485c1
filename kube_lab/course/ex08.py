"""Exercise 08 — graceful termination (solutions/08_graceful_termination.ipynb).

A Deployment ``shop`` whose pods, deleted under load, keep serving until their endpoint is gone and
then end by themselves before their grace period runs out; a pod ``slow`` whose ``preStop`` hook
outlives its 10 s grace period, so that SIGKILL comes with the kubelet's 2 s extension; and a pod
``stuck`` removed from the API by a force deletion.  Each check reads what the cluster recorded —
the request trace, etcd's history of the pod (its grace period and the container state the kubelet
reported last) and the Events — through :func:`kube_lab.viz.termination.pod_termination`.  7 points."""
from __future__ import annotations

from . import inspect as k
from .checks import Fail, check

SHOP, SLOW, STUCK = "shop", "slow", "stuck"
SLOW_GRACE = 10
MIN_SERVING = 1.0        # seconds a deleted pod must keep running while kube-proxy catches up


def _termination(cluster, pod: str):
    from ..viz.termination import pod_termination

    return pod_termination(cluster, pod, client=k.client(cluster))


def _current_hash(cluster, dep: dict) -> str | None:
    """The pod-template-hash of the Deployment's newest ReplicaSet (its current template)."""
    def revision(rs: dict) -> int:
        value = (rs["metadata"].get("annotations") or {}).get("deployment.kubernetes.io/revision", "0")
        return int(value) if value.isdigit() else 0

    rss = sorted(k.replicasets_of(cluster, dep), key=revision)
    return (rss[-1]["metadata"].get("labels") or {}).get("pod-template-hash") if rss else None


# ------------------------------------------------------------------------------------------
@check("ex08.no-lost-requests", 3,
       "a shop pod deleted under load kept serving until its endpoint was gone, then ended before its deadline",
       "give the shop container a preStop hook that sleeps a few seconds (lifecycle.preStop.sleep.seconds) — or let "
       "the program drain with --delay-shutdown — in the Deployment's template, `kubectl rollout status "
       "deployment/shop`, then run the deletion under load again; viz.pod_termination(cluster, '<pod>').steps() "
       "shows how long the deleted pod kept running")
def no_lost_requests(cluster):
    dep = k.require(cluster, "deployments", SHOP, what="Deployment")
    deletes = [r for r in k.trace_records(cluster, verb="delete", resource="pods", component=k.USER_COMPONENTS)
               if r.name.startswith(SHOP + "-")]
    if not deletes:
        raise Fail("no pod of shop was ever deleted with kubectl")
    name = deletes[-1].name
    term = _termination(cluster, name)
    if term.deleted is None:
        raise Fail(f"no deletion of pod {name} is recorded")
    current = _current_hash(cluster, dep)
    if current and term.labels.get("pod-template-hash") not in (None, current):
        raise Fail(f"the last shop pod you deleted ({name}) ran an older template of shop: delete a pod of the "
                   "current template, after `kubectl rollout status deployment/shop`")
    if term.forced:
        raise Fail(f"pod {name} was force-deleted: it got no graceful termination at all")
    c = term.containers[0] if term.containers else None
    if c is None or c.exit_code is None or c.exited is None:
        raise Fail(f"pod {name} has not finished terminating yet: let the cluster run (cluster.run(10))")
    lasted = c.exited - term.deleted
    if c.killed:
        raise Fail(f"the container of {name} was ended by SIGKILL (exit code 137) {lasted:.1f} s after the deletion: "
                   f"its grace period ({term.grace} s) ran out before the program exited")
    if lasted < MIN_SERVING:
        raise Fail(f"the container of {name} stopped {lasted:.1f} s after the deletion (exit code {c.exit_code}), "
                   "while kube-proxy was still sending it requests and it was still answering others")
    if term.endpoint_terminating is not None and term.endpoint_terminating > c.exited:
        raise Fail(f"the container of {name} stopped before the Service withdrew its endpoint")
    return True


# ------------------------------------------------------------------------------------------
@check("ex08.extension", 2,
       "pod slow's preStop hook outlived its 10 s grace period: SIGTERM at +10 s, SIGKILL 2 s later",
       "a Pod slow (busybox:1.36, command [sleep, \"3600\"]) with terminationGracePeriodSeconds: 10 and a preStop "
       "hook that runs longer — an exec hook (the sleep action may not exceed the grace period); delete it with "
       "plain `kubectl delete pod slow`; its container's last state (exit code, finishedAt) tells when it ended")
def extension(cluster):
    term = _termination(cluster, SLOW)
    if term.deleted is None:
        if k.get(cluster, "pods", SLOW) is None:
            raise Fail("there is no pod slow, and none was deleted")
        raise Fail("pod slow was never deleted")
    if term.grace is None:
        raise Fail("pod slow was force-deleted: it got no grace period at all")
    if term.grace != SLOW_GRACE:
        raise Fail(f"pod slow was deleted with a grace period of {term.grace} s, not {SLOW_GRACE} s")
    c = term.containers[0] if term.containers else None
    if c is None or c.exit_code is None or c.exited is None:
        raise Fail("pod slow has not finished terminating yet: let the cluster run")
    if not c.has_prestop:
        raise Fail("the container of pod slow has no preStop hook")
    lasted = c.exited - term.deleted
    deadline = float(term.grace)
    if lasted < deadline - 0.5:
        raise Fail(f"the container ended by itself {lasted:.1f} s after the deletion (exit code {c.exit_code}): "
                   f"the preStop hook finished within the {term.grace} s")
    if lasted < deadline + 1.5:
        if c.killed:
            raise Fail(f"SIGKILL came at +{lasted:.1f} s, at the deadline itself: that is a program ignoring SIGTERM, "
                       "not a preStop hook still running when the grace period ended")
        raise Fail(f"the container exited (code {c.exit_code}) at +{lasted:.1f} s, as soon as SIGTERM came: the 2 s "
                   "extension left no trace — run a program that ignores SIGTERM (busybox sleep)")
    if not c.killed or abs(lasted - (deadline + 2)) > 0.5:
        raise Fail(f"the container ended {lasted:.1f} s after the deletion with exit code {c.exit_code}, not by "
                   f"SIGKILL at +{deadline + 2:g} s")
    return True


# ------------------------------------------------------------------------------------------
@check("ex08.force", 2,
       "pod stuck was force-deleted: removed from the API by your request, not by its kubelet",
       "`kubectl delete pod stuck --grace-period=0 --force` (both flags; kubectl turns --grace-period=0 alone "
       "into 1); `kubectl get pod stuck` should then say NotFound at once")
def force(cluster):
    term = _termination(cluster, STUCK)
    if term.deleted is None:
        if k.get(cluster, "pods", STUCK) is None:
            raise Fail("there is no pod stuck, and none was deleted")
        raise Fail("pod stuck was never deleted")
    if term.removed is None:
        pod = k.get(cluster, "pods", STUCK)
        grace = ((pod or {}).get("metadata") or {}).get("deletionGracePeriodSeconds")
        raise Fail(f"pod stuck is still Terminating (grace period {grace} s): the kubelet waits for it, and so does "
                   "the API")
    if not term.forced:
        raise Fail(f"pod stuck was removed by {term.removed_by} at the end of its termination, not by a force "
                   "deletion")
    if not term.node:
        raise Fail("pod stuck never ran on a node, so deleting it was immediate anyway: force-delete a running pod")
    return True
