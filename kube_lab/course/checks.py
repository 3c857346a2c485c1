"""Grading checks: small functions over the cluster's state that say what is right or wrong.

A check inspects behaviour — pods Ready, endpoints serving, rollout history, the request trace —
never the text a learner typed.  It returns ``(passed, detail)`` (or raises :class:`Fail`), and
the framework prints one line per check:

    PASS ex01.deployment  2/2  Deployment hello runs 3 Ready nginx:1.25 pods
    FAIL ex01.service     0/1  Service hello sends traffic to the 3 pods: no Service named hello
         hint: expose the Deployment: kubectl expose deployment hello --port 80

``grade("ex01.service")`` runs one check, ``grade("ex01")`` all of an exercise; the cluster is
the one the notebook made last (as for ``%kubectl``).  Checks only read: grading never moves
virtual time or changes the cluster.
"""
from __future__ import annotations

import importlib
import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # pragma: no cover
    from ..cluster import Cluster


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    notebook: str           # file name under solutions/ and exercises/
    module: str             # the module that registers its checks


EXERCISES: dict[str, Exercise] = {
    "ex01": Exercise("ex01", "Cloud native: what Kubernetes gives you", "01_cloud_native.ipynb",
                     "kube_lab.course.ex01"),
    "ex02": Exercise("ex02", "Architecture: components, watches, etcd", "02_architecture.ipynb",
                     "kube_lab.course.ex02"),
    "ex03": Exercise("ex03", "Pods, nodes and scheduling", "03_pods.ipynb", "kube_lab.course.ex03"),
    "ex04": Exercise("ex04", "Pod networking: hostPort, localhost, hostNetwork, addresses", "04_pod_networking.ipynb", "kube_lab.course.ex04"),
    "ex06": Exercise("ex06", "Labels, selectors and ReplicaSets", "06_labels_replicasets.ipynb", "kube_lab.course.ex06"),
    "ex09": Exercise("ex09", "kubectl: get, labels, logs, exec, expose, scale", "09_kubectl.ipynb", "kube_lab.course.ex09"),
    "ex07": Exercise("ex07", "Rolling updates: history, rollback, strategy, pause", "07_rolling_updates.ipynb", "kube_lab.course.ex07"),
    "ex05": Exercise("ex05", "Services: ClusterIP, NodePort, headless, externalTrafficPolicy", "05_services.ipynb", "kube_lab.course.ex05"),
    "ex10": Exercise("ex10", "StatefulSets and storage: claims, stable identity, kustomize Secrets", "10_statefulsets_storage.ipynb", "kube_lab.course.ex10"),
    "ex08": Exercise("ex08", "Graceful termination: preStop, grace period, force deletion", "08_graceful_termination.ipynb", "kube_lab.course.ex08"),
}


class Fail(Exception):
    """Raised by a check to fail with a detail message."""


@dataclass(frozen=True)
class Check:
    id: str
    points: int
    title: str
    hint: str
    func: Callable[["Cluster"], Any]

    @property
    def exercise(self) -> str:
        return self.id.split(".", 1)[0]


REGISTRY: dict[str, Check] = {}


def check(id: str, points: int, title: str, hint: str):
    """Register a check: ``@check("ex01.service", 1, "what is checked", "what to look at")``.
    The function gets the cluster (and, if it takes a second argument, every cluster the
    notebook made, oldest first) and returns ``True``/``False``, ``(ok, detail)``, or raises
    :class:`Fail` with the detail."""
    def register(func):
        REGISTRY[id] = Check(id, points, title, hint, func)
        return func
    return register


def _wants_all(func) -> bool:
    import inspect

    try:
        return len(inspect.signature(func).parameters) >= 2
    except (TypeError, ValueError):  # pragma: no cover
        return False


@dataclass
class CheckResult:
    id: str
    title: str
    points: int
    earned: int
    detail: str = ""
    hint: str = ""

    @property
    def passed(self) -> bool:
        return self.earned == self.points

    def line(self, width: int = 0) -> str:
        head = f"{'PASS' if self.passed else 'FAIL'} {self.id:<{width}}  {self.earned}/{self.points}  {self.title}"
        if self.passed:
            return head
        out = head + (f": {self.detail}" if self.detail else "")
        if self.hint:
            out += f"\n     hint: {self.hint}"
        return out

    def as_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "points": self.points, "earned": self.earned,
                "detail": self.detail, "hint": self.hint}


@dataclass
class Report:
    """The results of one or more checks; its text is the PASS/FAIL lines and the total."""
    results: list[CheckResult] = field(default_factory=list)
    note: str = ""

    @property
    def points(self) -> int:
        return sum(r.earned for r in self.results)

    @property
    def possible(self) -> int:
        return sum(r.points for r in self.results)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    def text(self) -> str:
        width = max((len(r.id) for r in self.results), default=0)
        lines = ([self.note] if self.note else []) + [r.line(width) for r in self.results]
        if len(self.results) > 1:
            lines.append(f"score: {self.points}/{self.possible}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.text()

    def __str__(self) -> str:
        return self.text()


def load(exercise: str) -> list[Check]:
    """The checks of an exercise (importing the module that defines them)."""
    ex = EXERCISES.get(exercise)
    if ex is None:
        raise KeyError(f"no exercise {exercise!r} (known: {', '.join(EXERCISES)})")
    importlib.import_module(ex.module)
    return [c for c in REGISTRY.values() if c.exercise == exercise]


def _resolve(target: str) -> list[Check]:
    exercise = target.split(".", 1)[0]
    checks = load(exercise)
    if "." not in target:
        return checks
    found = [c for c in checks if c.id == target]
    if not found:
        raise KeyError(f"no check {target!r} (checks of {exercise}: {', '.join(c.id for c in checks)})")
    return found


def run_check(c: Check, cluster: "Cluster | None", clusters: list | None = None) -> CheckResult:
    if cluster is None:
        return CheckResult(c.id, c.title, c.points, 0, "no cluster found in this notebook",
                           "run the notebook from the top: its first cell makes the cluster")
    try:
        if _wants_all(c.func):
            everyone = list(clusters or [])
            if not any(x is cluster for x in everyone):
                everyone.append(cluster)
            out = c.func(cluster, everyone)
        else:
            out = c.func(cluster)
    except Fail as e:
        return CheckResult(c.id, c.title, c.points, 0, str(e), c.hint)
    except Exception as e:      # a broken cluster must not break grading
        return CheckResult(c.id, c.title, c.points, 0, f"the check could not run ({type(e).__name__}: {e})", c.hint)
    ok, detail = (out if isinstance(out, tuple) else (bool(out), ""))
    return CheckResult(c.id, c.title, c.points, c.points if ok else 0, "" if ok else detail, "" if ok else c.hint)


def find_cluster(namespace: dict | None = None) -> "Cluster | None":
    """The cluster a notebook works with: the one ``%kubectl`` uses (the newest seen)."""
    from ..kubectl.magics import current_cluster

    if namespace is None:
        namespace = _user_namespace()
    return current_cluster(namespace)


def find_clusters(namespace: dict | None = None) -> list:
    """Every cluster the notebook's variables hold, in the order they were assigned."""
    from ..cluster import Cluster

    if namespace is None:
        namespace = _user_namespace()
    out: list = []
    for v in list((namespace or {}).values()):
        if isinstance(v, Cluster) and not any(v is x for x in out):
            out.append(v)
    return out


def _user_namespace() -> dict | None:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        get_ipython = None
    ip = get_ipython() if get_ipython else None
    if ip is not None:
        return ip.user_ns
    main = sys.modules.get("__main__")
    return vars(main) if main is not None else None


def grade(target: str, cluster: "Cluster | None" = None) -> Report:
    """Run a check (``"ex01.service"``) or all checks of an exercise (``"ex01"``) against
    ``cluster`` (default: the notebook's cluster) and show one PASS/FAIL line per check.

    With the environment variable ``KUBE_LAB_GRADE_RAISE=1`` a failing check also raises
    ``AssertionError``, so that nbgrader's autograder scores the cell as failed."""
    checks = _resolve(target)
    frame = sys._getframe(1)
    namespace = {**frame.f_globals, **frame.f_locals} if frame else _user_namespace()
    if cluster is None:
        cluster = find_cluster(namespace)
    clusters = find_clusters(namespace)
    report = Report([run_check(c, cluster, clusters) for c in checks])
    if os.environ.get("KUBE_LAB_GRADE_RAISE") == "1" and not report.passed:
        raise AssertionError(report.text())
    return report


def results(exercise: str, namespace: dict | None = None) -> dict:
    """Every check of ``exercise`` against the notebook's cluster, as plain data (what the batch
    grader reads back from the kernel)."""
    if namespace is None:
        namespace = _user_namespace()
    cluster = find_cluster(namespace)
    clusters = find_clusters(namespace)
    rep = Report([run_check(c, cluster, clusters) for c in load(exercise)])
    return {"exercise": exercise, "points": rep.points, "possible": rep.possible,
            "results": [r.as_dict() for r in rep.results]}
