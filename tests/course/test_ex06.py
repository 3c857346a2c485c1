"""Exercise 06's checks judge what the ReplicaSet controller did, and say what went wrong."""
import pytest

from kube_lab import Cluster
from kube_lab.course import grade


def rs(name="frontend", match_labels="{app: shop}", expressions="- {key: tier, operator: In, values: [web, edge]}",
       replicas=3):
    exprs = f"\n    matchExpressions:\n    {expressions}" if expressions else ""
    return f"""apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: {name}
spec:
  replicas: {replicas}
  selector:
    matchLabels: {match_labels}{exprs}
  template:
    metadata:
      labels: {{app: shop, tier: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
"""


def make(**kw):
    c = Cluster(nodes=2, seed=60, network_addons=False)
    assert c.kubectl("apply -f -", stdin=rs(**kw)).exit_code == 0
    c.run(20)
    return c


def relabel(c, tier="debug"):
    pod = c.kubectl("get pods -l app=shop -o name").stdout.split()[0]
    assert c.kubectl(f"label {pod} tier={tier} --overwrite").exit_code == 0
    c.run(20)
    return pod.split("/")[1]


def result(c, check):
    r = grade(check, c).results[0]
    return r.passed, r.detail


def test_the_whole_exercise_scores_full_marks_and_grading_changes_nothing():
    c = make()
    assert result(c, "ex06.set-based") == (True, "")
    relabel(c)
    assert result(c, "ex06.released") == (True, "")
    c.kubectl("delete rs frontend --cascade=orphan")
    c.kubectl("apply -f -", stdin=rs("frontend-v2"))
    c.run(10)
    now, rev = c.now, c.etcd.revision
    assert grade("ex06", c).points == 7
    assert (c.now, c.etcd.revision) == (now, rev)


@pytest.mark.parametrize("kw, detail", [
    (dict(match_labels="{app: shop, tier: web}", expressions=""),
     "frontend's selector (app=shop,tier=web) does not pick pods labelled app=shop,tier=edge"),
    (dict(expressions="- {key: tier, operator: NotIn, values: [debug]}"),
     "frontend's selector (app=shop,tier notin (debug)) also picks pods labelled app=shop"),
    (dict(replicas=2), "frontend asks for spec.replicas=2, not 3"),
])
def test_a_selector_that_picks_the_wrong_pods_or_too_few_replicas(kw, detail):
    assert result(make(**kw), "ex06.set-based") == (False, detail)


def test_a_pod_relabelled_within_the_selector_stays_owned():
    c = make()
    relabel(c, tier="edge")             # still tier in (web, edge): the ReplicaSet keeps it
    ok, detail = result(c, "ex06.released")
    assert not ok and "none was relabelled out" in detail


def test_orphaned_and_adopted_pods_are_not_released_ones():
    c = make()
    c.kubectl("delete rs frontend --cascade=orphan")
    c.run(5)
    assert result(c, "ex06.released") == (False, "there is no ReplicaSet named frontend")
    c.kubectl("apply -f -", stdin=rs("frontend-v2"))
    c.run(10)
    ok, detail = result(c, "ex06.released")
    assert not ok and "none was relabelled out" in detail
    assert result(c, "ex06.adopted") == (True, "")


def test_deleting_frontend_with_its_pods_leaves_nothing_to_adopt():
    c = make()
    c.kubectl("delete rs frontend")                 # cascades: the garbage collector deletes the pods
    c.run(40)
    c.kubectl("apply -f -", stdin=rs("frontend-v2"))
    c.run(20)
    ok, detail = result(c, "ex06.adopted")
    assert not ok and detail.startswith("frontend-v2 started 3 new pod(s) (frontend-v2-")


def test_frontend_must_be_gone_before_its_pods_can_be_adopted():
    c = make()
    c.kubectl("apply -f -", stdin=rs("frontend-v2"))
    c.run(10)
    assert result(c, "ex06.adopted") == (False, "ReplicaSet frontend still exists: its pods cannot be adopted "
                                                "while it controls them")
