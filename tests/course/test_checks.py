"""The check framework: PASS/FAIL lines, hints, and grading that never changes the cluster."""
import pytest

from kube_lab import Cluster
from kube_lab.course import checks
from kube_lab.course.checks import Fail, Report, check, grade


@pytest.fixture()
def scratch_checks():
    before = dict(checks.REGISTRY)
    checks.EXERCISES["ex99"] = checks.Exercise("ex99", "scratch", "99_scratch.ipynb", __name__)

    @check("ex99.ok", 2, "always right", "nothing to do")
    def _ok(cluster):
        return True

    @check("ex99.bad", 1, "has a ConfigMap x", "kubectl create configmap x")
    def _bad(cluster):
        raise Fail("there is no ConfigMap x")

    @check("ex99.boom", 3, "breaks", "look at the check")
    def _boom(cluster):
        raise KeyError("spec")

    yield
    checks.REGISTRY.clear()
    checks.REGISTRY.update(before)
    del checks.EXERCISES["ex99"]


def test_report_lines_points_and_hints(scratch_checks):
    cluster = Cluster(nodes=0, seed=0, network_addons=False)
    rep = grade("ex99", cluster)
    assert isinstance(rep, Report) and (rep.points, rep.possible) == (2, 6)
    assert rep.text() == (
        "PASS ex99.ok    2/2  always right\n"
        "FAIL ex99.bad   0/1  has a ConfigMap x: there is no ConfigMap x\n"
        "     hint: kubectl create configmap x\n"
        "FAIL ex99.boom  0/3  breaks: the check could not run (KeyError: 'spec')\n"
        "     hint: look at the check\n"
        "score: 2/6")
    assert repr(grade("ex99.ok", cluster)) == "PASS ex99.ok  2/2  always right"


def test_grade_finds_the_notebooks_cluster(scratch_checks):
    cluster = Cluster(nodes=0, seed=0, network_addons=False)      # noqa: F841 - found through the caller's variables
    assert grade("ex99.ok").passed


def test_unknown_checks(scratch_checks):
    with pytest.raises(KeyError, match="no check 'ex99.nope'"):
        grade("ex99.nope")
    with pytest.raises(KeyError, match="no exercise 'ex77'"):
        grade("ex77")


def test_raise_mode_for_nbgrader(scratch_checks, monkeypatch):
    cluster = Cluster(nodes=0, seed=0, network_addons=False)
    monkeypatch.setenv("KUBE_LAB_GRADE_RAISE", "1")
    assert grade("ex99.ok", cluster).passed
    with pytest.raises(AssertionError, match="FAIL ex99.bad"):
        grade("ex99.bad", cluster)


@pytest.mark.parametrize("exercise", ["ex01", "ex02"])
def test_checks_fail_with_their_hint_on_an_empty_cluster_and_change_nothing(exercise):
    cluster = Cluster(nodes=2, seed=0, network_addons=False)
    now, rev = cluster.now, cluster.etcd.revision
    rep = grade(exercise, cluster)
    assert rep.points == 0 and rep.possible == 7
    for r, c in zip(rep.results, checks.load(exercise)):
        assert not r.passed and r.detail and r.hint == c.hint
        assert f"\n     hint: {c.hint}" in r.line()
    assert (cluster.now, cluster.etcd.revision) == (now, rev)       # grading only reads
    assert {r.component for r in cluster.trace.records[-20:] if r.verb in ("get", "list")} <= {"grader"}


def test_ex01_passes_on_a_cluster_that_did_the_work():
    c = Cluster(nodes=3, seed=1, network_addons=False)
    for cmd in ("create deployment hello --image=nginx:1.25 --replicas=3", "expose deployment hello --port 80",
                "create configmap hello-config '--from-literal=greeting=hello, kubernetes'"):
        assert c.kubectl(cmd).exit_code == 0, cmd
    c.run(30)
    c.kubectl("set env deployment/hello --from=configmap/hello-config")
    c.run(30)
    partial = grade("ex01", c)
    assert [r.passed for r in partial.results] == [True, True, True, False, False]
    c.kubectl("set image deployment/hello nginx=nginx:1.27")
    c.kubectl("rollout status deployment/hello")
    c.kubectl("delete " + c.kubectl("get pods -l app=hello -o name").stdout.split()[0])
    c.run(30)
    assert grade("ex01", c).points == 7
