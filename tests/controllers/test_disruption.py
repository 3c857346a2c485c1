"""PodDisruptionBudget status from the disruption controller, and the eviction subresource that
reads it."""
from __future__ import annotations

import pytest

from kube_lab import Cluster
from kube_lab.api import errors


def new_cluster(nodes: int = 2) -> Cluster:
    return Cluster(nodes=nodes, seed=0, network_addons=False, local_path_storage=False)


def pdb(name: str = "web", selector: dict | None = None, **spec) -> dict:
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": name},
            "spec": {"selector": {"matchLabels": {"app": "web"}} if selector is None else selector, **spec}}


def numbers(c, name: str = "web") -> tuple:
    st = c.get("poddisruptionbudgets", name)["status"]
    return (st["expectedPods"], st["desiredHealthy"], st["currentHealthy"], st["disruptionsAllowed"])


def condition(c, name: str = "web") -> tuple:
    cond = c.get("poddisruptionbudgets", name)["status"]["conditions"][0]
    return cond["type"], cond["status"], cond["reason"], cond["message"]


def evict(c, name: str, component: str = "kubectl", dry_run: bool = False) -> dict:
    body = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name, "namespace": "default"}}
    return c.client(component).create("pods", body, "default", subresource="eviction", name=name, dry_run=dry_run)


def web_pods(c) -> list[str]:
    return sorted(p["metadata"]["name"] for p in c.list("pods", selector="app=web")
                  if not p["metadata"].get("deletionTimestamp"))


def events(c, kind: str, name: str) -> list[tuple[str, str, str]]:
    evs = sorted((e for e in c.list("events") if e["involvedObject"]["kind"] == kind
                  and e["involvedObject"]["name"] == name), key=lambda e: e["metadata"]["name"])
    return [(e["type"], e["reason"], e["message"]) for e in evs]


@pytest.fixture
def web():
    c = new_cluster(2)
    c.kubectl("create deployment web --image=nginx:1.25 --replicas=4").check()
    c.settle()
    c.run(10)
    return c


def test_status_numbers_for_counts_and_percentages(web):
    c = web
    c.create(pdb("web", maxUnavailable="50%"))
    c.run(1)
    st = c.get("poddisruptionbudgets", "web")["status"]
    assert list(st) == ["observedGeneration", "disruptionsAllowed", "currentHealthy", "desiredHealthy",
                        "expectedPods", "conditions"]
    assert st["observedGeneration"] == 1
    assert numbers(c) == (4, 2, 4, 2)                    # expected from the Deployment's scale
    assert condition(c) == ("DisruptionAllowed", "True", "SufficientPods", "")
    assert st["conditions"][0]["observedGeneration"] == 1
    # scaling the Deployment moves expectedPods at once, currentHealthy as the new pod gets Ready
    c.kubectl("scale deployment web --replicas=5").check()
    c.run(0)
    assert numbers(c) == (5, 2, 4, 2)                    # 5 − ceil(50 % of 5)
    c.run(10)
    assert numbers(c) == (5, 2, 5, 3)
    # a new spec is observed: percentages of minAvailable round up too
    kubectl = c.client("kubectl")
    kubectl.patch("poddisruptionbudgets", "web", {"spec": {"maxUnavailable": None, "minAvailable": "60%"}},
                  "application/merge-patch+json", "default")
    c.run(1)
    assert c.get("poddisruptionbudgets", "web")["status"]["observedGeneration"] == 2
    assert numbers(c) == (5, 3, 5, 2)
    kubectl.patch("poddisruptionbudgets", "web", {"spec": {"minAvailable": 5}}, "application/merge-patch+json",
                  "default")
    c.run(1)
    assert numbers(c) == (5, 5, 5, 0)                    # an integer: expected is simply the pods matched
    assert condition(c) == ("DisruptionAllowed", "False", "InsufficientPods", "")
    assert c.get("poddisruptionbudgets", "web")["status"]["conditions"][0]["observedGeneration"] == 3
    assert c.kubectl("get pdb web --no-headers").stdout.split()[1:4] == ["5", "N/A", "0"]


def test_eviction_uses_the_budget_and_refuses_with_429(web):
    c = web
    c.create(pdb("web", minAvailable=3))
    c.run(1)
    first, second = web_pods(c)[:2]
    out = evict(c, first)
    assert out["status"] == "Success"
    st = c.get("poddisruptionbudgets", "web")["status"]
    assert st["disruptionsAllowed"] == 0 and list(st["disruptedPods"]) == [first]
    assert condition(c, "web")[1:3] == ("False", "InsufficientPods")
    p = c.get("pods", first)
    assert p["metadata"]["deletionTimestamp"]
    dt = next(x for x in p["status"]["conditions"] if x["type"] == "DisruptionTarget")
    assert (dt["status"], dt["reason"], dt["message"]) == ("True", "EvictionByEvictionAPI", "Eviction API: evicting")
    c.run(0)            # the disruption controller counts the evicted pod out (its replacement is Pending)
    assert numbers(c, "web") == (5, 3, 3, 0)
    with pytest.raises(errors.StatusError) as e:
        evict(c, second)
    assert e.value.status == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": "Cannot evict pod as it would violate the pod's disruption budget.",
        "reason": "TooManyRequests",
        "details": {"causes": [{"reason": "DisruptionBudget",
                                "message": "The disruption budget web needs 3 healthy pods and has 3 currently"}]},
        "code": 429}
    assert not c.get("pods", second)["metadata"].get("deletionTimestamp")
    # the evicted pod's replacement becomes Ready: one disruption is allowed again
    c.run(15)
    assert numbers(c, "web") == (4, 3, 4, 1) and "disruptedPods" not in c.get("poddisruptionbudgets", "web")["status"]
    assert evict(c, second)["status"] == "Success"
    rec = [r for r in c.trace if r.subresource == "eviction"]
    assert [(r.component, r.verb, r.code) for r in rec] == [("kubectl", "create", 201), ("kubectl", "create", 429),
                                                            ("kubectl", "create", 201)]


def test_eviction_without_budget_dry_run_and_pending_pods(web):
    c = web
    name = web_pods(c)[0]
    assert evict(c, name, dry_run=True)["status"] == "Success"
    assert not c.get("pods", name)["metadata"].get("deletionTimestamp")
    assert "DisruptionTarget" not in [x["type"] for x in c.get("pods", name)["status"]["conditions"]]
    c.create(pdb("web", minAvailable=4))
    c.run(1)
    with pytest.raises(errors.StatusError) as e:
        evict(c, name, dry_run=True)
    assert e.value.code == 429
    # a Pending pod disrupts nothing: its budget is not consulted
    c.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "waiting", "labels": {"app": "web"}},
              "spec": {"nodeSelector": {"disk": "none"}, "containers": [{"name": "c", "image": "nginx:1.25"}]}})
    c.run(1)
    assert evict(c, "waiting")["status"] == "Success"
    with pytest.raises(errors.StatusError) as e:
        evict(c, "missing")
    assert e.value.message == 'pods "missing" not found'
    body = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "other"}}
    with pytest.raises(errors.StatusError) as e:
        c.client("kubectl").create("pods", body, "default", subresource="eviction", name=name)
    assert (e.value.code, e.value.message) == (400, "name in URL does not match name in Eviction object")


def test_an_unready_pod_may_go_while_the_budget_is_met(web):
    c = web
    c.create(pdb("web", minAvailable=2))
    c.run(1)
    name = web_pods(c)[0]
    p = c.get("pods", name)
    body = {**p, "status": {**p["status"], "conditions": [
        {**x, "status": "False"} if x["type"] == "Ready" else x for x in p["status"]["conditions"]]}}
    c.client("test").update_status("pods", body, "default")
    c.run(0.5)
    assert numbers(c, "web") == (4, 2, 3, 1)
    assert evict(c, name)["status"] == "Success"
    assert c.get("poddisruptionbudgets", "web")["status"]["disruptionsAllowed"] == 1     # not used up


def test_a_pdb_not_yet_observed_refuses_evictions_with_retry_after():
    c = new_cluster(1)
    c.kubectl("create deployment web --image=nginx:1.25 --replicas=2").check()
    c.settle()
    c.run(10)
    c.create(pdb("web", maxUnavailable=1))
    # the controller has not run yet: observedGeneration 0 < generation 1
    with pytest.raises(errors.StatusError) as e:
        evict(c, web_pods(c)[0])
    assert e.value.status["details"] == {
        "causes": [{"reason": "DisruptionBudget",
                    "message": "The disruption budget web is still being processed by the server."}],
        "retryAfterSeconds": 10}


def test_pods_without_a_scalable_controller_make_a_percentage_budget_fail_safe():
    c = new_cluster(1)
    c.create({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "work"},
              "spec": {"template": {"metadata": {"labels": {"app": "work"}},
                                    "spec": {"restartPolicy": "Never",
                                             "containers": [{"name": "c", "image": "busybox:1.36",
                                                             "command": ["sleep", "600"]}]}}}})
    c.create(pdb("work", selector={"matchLabels": {"app": "work"}}, minAvailable="50%"))
    c.run(5)
    st = c.get("poddisruptionbudgets", "work")["status"]
    assert st["disruptionsAllowed"] == 0
    assert condition(c, "work") == ("DisruptionAllowed", "False", "SyncFailed",
                                    "jobs.batch does not implement the scale subresource")
    assert ("Warning", "CalculateExpectedPodCountFailed",
            "Failed to calculate the number of expected pods: jobs.batch does not implement the scale "
            "subresource") in events(c, "PodDisruptionBudget", "work")
    # bare pods with maxUnavailable: counted out, and reported
    c.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "solo", "labels": {"app": "solo"}},
              "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]}})
    c.create(pdb("solo", selector={"matchLabels": {"app": "solo"}}, maxUnavailable=1))
    c.create(pdb("none", selector={"matchLabels": {"app": "nothing"}}, minAvailable=1))
    c.run(10)
    assert numbers(c, "solo") == (0, 0, 1, 0)
    assert ("Warning", "UnmanagedPods",
            "Pods selected by this PodDisruptionBudget (selector: &LabelSelector{MatchLabels:map[string]string{app: "
            "solo,},MatchExpressions:[]LabelSelectorRequirement{},}) were found to be unmanaged. As a result, the "
            "status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account "
            "for these pods please set \".spec.minAvailable\" field of the PDB to an integer value.") in \
        events(c, "PodDisruptionBudget", "solo")
    assert numbers(c, "none") == (0, 1, 0, 0)
    assert ("Normal", "NoPods", "No matching pods found") in events(c, "PodDisruptionBudget", "none")


def test_two_budgets_for_one_pod():
    c = new_cluster(1)
    c.kubectl("create deployment web --image=nginx:1.25 --replicas=2").check()
    c.create(pdb("a", minAvailable=1))
    c.create(pdb("b", maxUnavailable=1))
    c.settle()
    c.run(10)
    name = web_pods(c)[0]
    with pytest.raises(errors.StatusError) as e:
        evict(c, name)
    assert (e.value.code, e.value.reason, e.value.message) == (
        500, "", "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.")
    assert ("Warning", "MultiplePodDisruptionBudgets",
            f'Pod "default"/"{name}" matches multiple PodDisruptionBudgets.  Chose "a" arbitrarily.') in \
        events(c, "Pod", name)
