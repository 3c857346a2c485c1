"""The course machinery: grading checks, exercise release, the batch grader.

* ``grade("ex01")`` / ``grade("ex01.service")`` — run checks against the notebook's cluster and
  print PASS/FAIL lines with points and hints (:mod:`kube_lab.course.checks`);
* ``kube-lab course release`` — write ``exercises/`` from ``solutions/``
  (:mod:`kube_lab.course.release`);
* ``kube-lab grade SUBMISSION.ipynb …`` — run learners' notebooks in fresh kernels and print a
  score table (:mod:`kube_lab.course.grader`).
"""
from __future__ import annotations

from .checks import EXERCISES, Fail, Report, check, grade

__all__ = ["EXERCISES", "Fail", "Report", "check", "grade"]
