"""Lesson 06's pictures: which pods a selector picks (and who owns them), and a controller's
desired vs actual replicas replayed from etcd's history."""
import pytest

from kube_lab import Cluster, viz
from kube_lab.api.selectors import SelectorError

RS = """apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
    matchExpressions:
    - {key: release, operator: In, values: [stable]}
  template:
    metadata:
      labels: {app: web, release: stable}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
"""


@pytest.fixture()
def cluster():
    c = Cluster(nodes=1, seed=3, network_addons=False)
    assert c.kubectl("apply -f -", stdin=RS).exit_code == 0
    assert c.kubectl("run canary --image=nginx:1.25 --labels=app=web,release=canary").exit_code == 0
    c.run(15)
    return c


def test_the_matrix_marks_selected_owned_and_unselected_pods(cluster):
    m = viz.selector_matrix(cluster, ["app=web", "release notin (stable)", "replicaset/web", "!app"])
    rows = {pod: marks for pod, _, marks in m.rows}
    assert len(rows) == 3 and rows["canary"] == ("✓", "✓", "·", "·")
    owned = [pod for pod in rows if pod != "canary"]
    assert all(rows[p] == ("✓", "·", "●", "·") for p in owned)
    assert m.selected("replicaset/web") == owned and m.selected(0) == sorted(rows)
    text = m.text()
    assert text.splitlines()[0] == "pods in namespace 'default' at t=15s"
    canary = next(line for line in text.splitlines() if line.startswith("canary "))
    assert canary.split() == ["canary", "app=web,release=canary", "✓", "✓", "·", "·"]
    assert "replicaset/web selects app=web,release in (stable)" in text
    assert "<table" in m._repr_mimebundle_()["text/html"] and repr(m) == text


def test_a_released_pod_is_selected_by_nobody_and_owned_by_nobody(cluster):
    pod = cluster.kubectl("get pods -l release=stable -o name").stdout.split()[0].split("/")[1]
    cluster.kubectl(f"label pod {pod} release=debug --overwrite")
    cluster.run(10)
    m = viz.selector_matrix(cluster, ["replicaset/web", "rs/web"])
    rows = {p: marks for p, _, marks in m.rows}
    assert rows[pod] == ("·", "·")
    assert sum(marks == ("●", "●") for marks in rows.values()) == 2       # a replacement was made


def test_services_and_controllers_that_do_not_exist(cluster):
    cluster.kubectl("create service clusterip web --tcp=80:80")         # selector app=web
    m = viz.selector_matrix(cluster, ["service/web", "rc/missing"])
    assert all(marks[0] == "✓" for _, _, marks in m.rows)               # a Service selects, never owns
    assert all(marks[1] == "·" for _, _, marks in m.rows)
    assert "rc/missing: not found (selects nothing)" in m.text()


def test_a_malformed_selector_is_refused_with_the_parsers_message(cluster):
    with pytest.raises(SelectorError, match=r"found 'stable' expected: '\('"):
        viz.selector_matrix(cluster, ["release in stable"])


def test_replica_history_follows_desired_and_actual(cluster):
    cluster.kubectl("scale rs web --replicas=4")
    scaled = cluster.now
    cluster.run(15)
    h = viz.replica_history(cluster, "replicaset/web", markers=[(scaled, "scale")])
    counts = [(p.desired, p.current, p.ready) for p in h.points]
    assert counts[0] == (2, 0, 0) and counts[-1] == (4, 4, 4)
    assert (4, 2, 2) in counts                      # the spec changed before the status caught up
    assert [p.time for p in h.points] == sorted(p.time for p in h.points)
    lines = h.text().splitlines()
    assert lines[0] == f"replicaset/web: desired vs actual replicas, t=0s to t={cluster.now:g}s"
    assert lines[-1] == f"  at t={scaled:g}s: scale"
    cluster.kubectl("delete rs web")
    cluster.run(5)
    assert viz.replica_history(cluster, "rs/web").points[-1].desired is None


def test_replica_history_from_a_later_start_and_bad_names(cluster):
    start = cluster.now
    cluster.kubectl("scale rs web --replicas=3")
    cluster.run(10)
    h = viz.replica_history(cluster, "rs/web", since=start)
    assert [(p.time, p.desired, p.current, p.ready) for p in h.points][:2] == [(start, 2, 2, 2), (start, 3, 2, 2)]
    assert all(p.time >= start for p in h.points) and h.points[-1].ready == 3
    with pytest.raises(ValueError, match="not a workload"):
        viz.replica_history(cluster, "service/web")
