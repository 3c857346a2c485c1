"""Exercise 08's checks judge how pods ended: each passes on the right behaviour and fails, with its
detail, on the usual mistakes — and grading neither moves time nor writes anything."""
import pytest

from kube_lab import Cluster
from kube_lab.course import grade

AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.53"


def shop(lifecycle: str = "", grace: int = 30, image: str = AGNHOST, args: str = "[netexec, --http-port=8080]") -> str:
    hook = f"\n        lifecycle: {lifecycle}" if lifecycle else ""
    return f"""apiVersion: apps/v1
kind: Deployment
metadata: {{name: shop}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: shop}}}}
  template:
    metadata: {{labels: {{app: shop}}}}
    spec:
      terminationGracePeriodSeconds: {grace}
      containers:
      - name: shop
        image: {image}
        args: {args}{hook}
---
apiVersion: v1
kind: Service
metadata: {{name: shop}}
spec:
  selector: {{app: shop}}
  ports: [{{port: 80, targetPort: 8080}}]
"""


def delete_a_shop_pod(c: Cluster) -> None:
    c.kubectl("rollout status deployment/shop")
    c.run(5)
    victim = c.kubectl("get pods -l app=shop -o name").stdout.split()[0]
    assert c.kubectl(f"delete {victim} --wait=false").exit_code == 0
    c.run(40)


def result(c: Cluster, check: str):
    now, rev = c.now, c.etcd.revision
    r = grade(check, c).results[0]
    assert (c.now, c.etcd.revision) == (now, rev)          # grading only reads
    return r


@pytest.fixture()
def lab():
    return Cluster(nodes=1, seed=0, network_addons=False)


def test_no_lost_requests_passes_with_a_prestop_sleep(lab):
    lab.apply(shop("{preStop: {sleep: {seconds: 3}}}"))
    delete_a_shop_pod(lab)
    assert result(lab, "ex08.no-lost-requests").passed


def test_no_lost_requests_passes_with_a_draining_program(lab):
    lab.apply(shop(args="[netexec, --http-port=8080, --delay-shutdown=3]"))
    delete_a_shop_pod(lab)
    assert result(lab, "ex08.no-lost-requests").passed


def test_no_lost_requests_fails_when_the_program_stops_at_once(lab):
    lab.apply(shop())
    delete_a_shop_pod(lab)
    r = result(lab, "ex08.no-lost-requests")
    assert not r.passed and "stopped 0.0 s after the deletion (exit code 0)" in r.detail


def test_no_lost_requests_fails_on_sigkill(lab):
    lab.apply(shop("{preStop: {sleep: {seconds: 2}}}", grace=4, image="busybox:1.36",
                   args='[sh, -c, "sleep 3600"]').replace("args:", "command:"))
    delete_a_shop_pod(lab)
    r = result(lab, "ex08.no-lost-requests")
    assert not r.passed and "ended by SIGKILL (exit code 137)" in r.detail and "(4 s) ran out" in r.detail


def test_no_lost_requests_wants_a_pod_of_the_current_template(lab):
    lab.apply(shop())
    delete_a_shop_pod(lab)
    lab.apply(shop("{preStop: {sleep: {seconds: 3}}}"))
    lab.kubectl("rollout status deployment/shop")
    r = result(lab, "ex08.no-lost-requests")
    assert not r.passed and "older template" in r.detail


def test_no_lost_requests_without_any_deletion(lab):
    r = result(lab, "ex08.no-lost-requests")
    assert not r.passed and r.detail == "there is no Deployment named shop"
    lab.apply(shop())
    assert result(lab, "ex08.no-lost-requests").detail == "no pod of shop was ever deleted with kubectl"


SLOW = """apiVersion: v1
kind: Pod
metadata: {name: slow}
spec:
  terminationGracePeriodSeconds: 10
  containers:
  - name: app
    image: busybox:1.36
    command: [sleep, "3600"]%s
"""


@pytest.mark.parametrize("hook, passed, detail", [
    ("\n    lifecycle: {preStop: {exec: {command: [sleep, \"60\"]}}}", True, ""),
    ("\n    lifecycle: {preStop: {sleep: {seconds: 4}}}", False,      # SIGTERM at +4 s, ignored: SIGKILL at +10 s
     "SIGKILL came at +10.0 s, at the deadline itself"),
    ("", False, "the container of pod slow has no preStop hook"),
])
def test_extension(lab, hook, passed, detail):
    lab.apply(SLOW % hook)
    lab.run(15)
    lab.kubectl("delete pod slow")
    r = result(lab, "ex08.extension")
    assert r.passed is passed and detail in r.detail


def test_extension_wants_the_pods_own_grace_period(lab):
    lab.apply(SLOW % "\n    lifecycle: {preStop: {exec: {command: [sleep, \"60\"]}}}")
    lab.run(15)
    lab.kubectl("delete pod slow --grace-period=5")
    r = result(lab, "ex08.extension")
    assert not r.passed and r.detail == "pod slow was deleted with a grace period of 5 s, not 10 s"


STUCK = """apiVersion: v1
kind: Pod
metadata: {name: stuck}
spec:
  terminationGracePeriodSeconds: %d
  containers: [{name: app, image: "busybox:1.36", command: [sleep, "36000"]}]
"""


def test_force(lab):
    lab.apply(STUCK % 3600)
    lab.run(15)
    lab.kubectl("delete pod stuck --wait=false")
    lab.run(30)
    r = result(lab, "ex08.force")
    assert not r.passed and r.detail.startswith("pod stuck is still Terminating (grace period 3600 s)")
    lab.kubectl("delete pod stuck --grace-period=0")            # kubectl makes it 1 s: the kubelet finishes it
    lab.run(5)
    r = result(lab, "ex08.force")
    assert not r.passed and "removed by kubelet/kind-worker at the end of its termination" in r.detail
    lab.apply(STUCK % 3600)
    lab.run(15)
    assert lab.kubectl("delete pod stuck --grace-period=0 --force").exit_code == 0
    assert result(lab, "ex08.force").passed
