"""Exercise 07's checks judge what the Deployments did: each passes on the right behaviour and
fails, with its detail, on the usual mistakes."""
import pytest

from kube_lab import Cluster
from kube_lab.course import grade

WEB = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  annotations:
    kubernetes.io/change-cause: "first release: nginx 1.25"
spec:
  replicas: 4
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
"""

SHOP = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
spec:
  replicas: 4
  selector:
    matchLabels: {app: shop}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: %s, maxUnavailable: %s}
  template:
    metadata:
      labels: {app: shop}
    spec:
      containers:
      - name: hello-app
        image: gcr.io/google-samples/hello-app:1.0
"""


def run(c, *commands):
    for cmd in commands:
        r = c.kubectl(cmd)
        assert r.exit_code == 0 or cmd.startswith("rollout status") and "--timeout" in cmd, (cmd, r.output)


@pytest.fixture()
def web():
    c = Cluster(nodes=2, seed=7, network_addons=False)
    assert c.kubectl("apply -f -", stdin=WEB).exit_code == 0
    c.run(30)
    return c


def detail(c, check):
    rep = grade(check, c)
    assert not rep.passed
    return rep.results[0].detail


def test_change_cause_must_be_a_new_one(web):
    run(web, "set image deployment/web nginx=nginx:1.27", "rollout status deployment/web")
    assert detail(web, "ex07.change-cause") == (
        "revision 2 (nginx:1.27) still carries the change-cause of revision 1 ('first release: nginx 1.25'): "
        "the annotation is copied from the Deployment, so set a new one for each rollout")
    run(web, "annotate deployment/web kubernetes.io/change-cause=upgrade --overwrite")
    web.run(1)
    assert grade("ex07.change-cause", web).passed


def test_rollback_needs_the_old_revision_back(web):
    run(web, "set image deployment/web nginx=nginx:1.27", "rollout status deployment/web",
        "set image deployment/web nginx=nginx:1.99")
    web.run(60)
    assert detail(web, "ex07.rollback") == ("web's template still asks for nginx:1.99, the image that cannot be "
                                            "pulled: roll back to the previous revision")
    run(web, "set image deployment/web nginx=nginx:1.27.3", "rollout status deployment/web")
    assert detail(web, "ex07.rollback").startswith("after revision 3 (nginx:1.99) no earlier revision was brought back")


def test_rollback_passes_after_undo(web):
    run(web, "set image deployment/web nginx=nginx:1.27", "rollout status deployment/web",
        "set image deployment/web nginx=nginx:1.99")
    web.run(60)
    run(web, "rollout undo deployment/web", "rollout status deployment/web")
    assert grade("ex07.rollback", web).passed
    rs = {r["metadata"]["name"]: r for r in web.list("replicasets")}
    bad = [r for r in rs.values() if r["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.99"]
    assert bad and bad[0]["spec"]["replicas"] == 0


def test_floor_needs_the_strategy_and_a_clean_rollout():
    c = Cluster(nodes=2, seed=7, network_addons=False)
    assert c.kubectl("apply -f -", stdin=SHOP % ("25%", "25%")).exit_code == 0
    assert detail(c, "ex07.floor") == "shop's strategy allows maxSurge 1 and maxUnavailable 1 (for 4 replicas), not 1 and 0"
    assert c.kubectl("apply -f -", stdin=SHOP % (1, 0)).exit_code == 0
    c.run(30)
    assert detail(c, "ex07.floor") == "shop was not rolled out to a new version after its pods were up"
    run(c, "set image deployment/shop hello-app=gcr.io/google-samples/hello-app:2.0")
    old = sorted(p["metadata"]["name"] for p in c.list("pods", selector="app=shop")
                 if any(x["type"] == "Ready" and x["status"] == "True" for x in p["status"].get("conditions", ())))[0]
    run(c, f"delete pod {old} --wait=false", "rollout status deployment/shop")     # a pod lost mid-rollout
    assert "pod(s) of shop were available, below the floor 4" in detail(c, "ex07.floor")


def test_floor_passes_on_a_surge_only_rollout():
    c = Cluster(nodes=2, seed=7, network_addons=False)
    assert c.kubectl("apply -f -", stdin=SHOP % (1, 0)).exit_code == 0
    c.run(30)
    run(c, "set image deployment/shop hello-app=gcr.io/google-samples/hello-app:2.0", "rollout status deployment/shop")
    assert grade("ex07.floor", c).passed


def test_pause_groups_two_changes(web):
    run(web, "set image deployment/web nginx=nginx:1.27.3", "rollout status deployment/web",
        "set resources deployment/web -c=nginx --limits=memory=128Mi", "rollout status deployment/web")
    assert detail(web, "ex07.pause").startswith("revision 2 (nginx:1.27.3, memory limit none) rolled out only one")
    fresh = Cluster(nodes=2, seed=7, network_addons=False)
    assert fresh.kubectl("apply -f -", stdin=WEB).exit_code == 0
    fresh.run(30)
    run(fresh, "rollout pause deployment/web", "set image deployment/web nginx=nginx:1.27.3",
        "set resources deployment/web -c=nginx --limits=memory=128Mi")
    assert detail(fresh, "ex07.pause") == "web is still paused: nothing rolls out until you resume it"
    run(fresh, "rollout resume deployment/web", "rollout status deployment/web")
    assert grade("ex07.pause", fresh).passed


def test_every_check_fails_with_its_hint_on_an_untouched_cluster(web):
    rep = grade("ex07", web)
    assert (rep.points, rep.possible) == (0, 7)
    assert all(r.detail and r.hint for r in rep.results)
