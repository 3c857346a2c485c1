"""exercises/ is generated from solutions/: placeholders, cleared outputs, nbgrader metadata."""
import json
import os
import re

import pytest

from kube_lab.course import release as rel
from kube_lab.course.checks import EXERCISES, load

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SOLUTIONS = os.path.join(ROOT, "solutions")
EXERCISES_DIR = os.path.join(ROOT, "exercises")


def cell(source, cell_type="code", **nbgrader):
    md = {"nbgrader": {"schema_version": 3, "grade": False, "locked": False, "solution": False, **nbgrader}} if nbgrader else {}
    c = {"cell_type": cell_type, "metadata": md, "source": source}
    if cell_type == "code":
        c.update(outputs=[{"output_type": "stream", "name": "stdout", "text": "x"}], execution_count=3)
    return c


def test_python_region_becomes_an_indented_runnable_placeholder():
    c = cell("x = 1\nif x:\n    ### BEGIN SOLUTION\n    y = 2\n    ### END SOLUTION\nprint(x)", solution=True, grade_id="a")
    out = rel.clear_solution(c)
    assert out == "x = 1\nif x:\n    # YOUR CODE HERE\n    pass\nprint(x)"
    compile(out, "cell", "exec")


def test_kubectl_yaml_cell_keeps_its_magic_line():
    c = cell("%%kubectl apply -f -\n### BEGIN SOLUTION\napiVersion: v1\nkind: Namespace\n### END SOLUTION", solution=True, grade_id="b")
    assert rel.clear_solution(c) == "%%kubectl apply -f -\n# YOUR YAML HERE"


def test_markdown_answer_and_cells_without_markers():
    assert rel.clear_solution(cell("The answer is 42.", "markdown", solution=True, grade_id="c")) == "YOUR ANSWER HERE"
    assert rel.clear_solution(cell("y = 2", solution=True, grade_id="d")) == "# YOUR CODE HERE\npass"


@pytest.mark.parametrize("source, message", [
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "nested"),
    ("### BEGIN SOLUTION\ny = 1", "never closed"),
    ("y = 1\n### END SOLUTION", "without BEGIN"),
])
def test_broken_markers_are_errors(source, message):
    with pytest.raises(rel.ReleaseError, match=message):
        rel.clear_solution(cell(source, solution=True, grade_id="e"))


def test_markers_outside_a_solution_cell_are_errors():
    nb = {"cells": [cell("### BEGIN SOLUTION\nx\n### END SOLUTION")], "metadata": {}}
    with pytest.raises(rel.ReleaseError, match="not marked as a solution"):
        rel.release_notebook(nb)


def test_release_clears_outputs_hidden_tests_and_locks_cells():
    nb = {"metadata": {"widgets": {"state": {}}}, "cells": [
        cell("setup()", locked=True, grade_id="s"),
        cell("### BEGIN SOLUTION\nanswer()\n### END SOLUTION", solution=True, grade_id="a"),
        cell("grade('x')\n### BEGIN HIDDEN TESTS\nsecret()\n### END HIDDEN TESTS", grade=True, locked=True,
             grade_id="g", points=1),
    ]}
    out = rel.release_notebook(nb)
    setup, answer, test = out["cells"]
    assert [c["outputs"] for c in out["cells"]] == [[], [], []]
    assert all(c["execution_count"] is None for c in out["cells"])
    assert test["source"] == "grade('x')"
    assert setup["metadata"]["deletable"] is False and setup["metadata"]["editable"] is False
    assert answer["metadata"]["deletable"] is False and "editable" not in answer["metadata"]
    assert test["metadata"]["editable"] is False
    assert "widgets" not in out["metadata"]
    assert nb["cells"][1]["source"].startswith("### BEGIN")      # the solution is untouched


def test_exercises_are_in_sync_with_solutions():
    assert rel.solution_notebooks(SOLUTIONS), "no solution notebooks"
    assert rel.out_of_sync(SOLUTIONS, EXERCISES_DIR) == [], "run `kube-lab course release`"


def test_out_of_sync_notices_a_drift(tmp_path):
    ex = tmp_path / "exercises"
    rel.release(SOLUTIONS, str(ex))
    assert rel.out_of_sync(SOLUTIONS, str(ex)) == []
    first = sorted(ex.iterdir())[0]
    first.write_text(first.read_text().replace("YOUR CODE HERE", "my answer", 1))
    assert rel.out_of_sync(SOLUTIONS, str(ex)) == [str(first)]


@pytest.mark.parametrize("name", rel.solution_notebooks(SOLUTIONS))
def test_solution_metadata_matches_the_checks(name):
    with open(os.path.join(SOLUTIONS, name), encoding="utf-8") as f:
        nb = json.load(f)
    exercise = nb["metadata"]["kube_lab"]["exercise"]
    assert EXERCISES[exercise].notebook == name
    ids = [gid for gid, _ in rel.grade_ids(nb)]
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"[a-zA-Z0-9_\-]+", g) for g in ids)
    graded = {}
    for c in nb["cells"]:
        meta = c["metadata"].get("nbgrader")
        if not meta:
            continue
        assert meta["schema_version"] == 3 and {"grade", "solution", "locked", "grade_id"} <= set(meta)
        if meta["grade"]:
            source = "".join(c["source"])
            m = re.fullmatch(r'grade\("([^"]+)"\)', source.strip())
            assert m, source
            graded[m.group(1)] = meta["points"]
    assert graded == {c.id: c.points for c in load(exercise)}
    assert sum(graded.values()) == 7
    assert any(c["metadata"].get("nbgrader", {}).get("solution") for c in nb["cells"])
