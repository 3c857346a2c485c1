"""The batch grader runs notebooks in fresh kernels: every solution scores full marks, every
released exercise scores zero with each check's hint, and one bad submission never stops the
batch."""
import copy
import json
import os

import pytest

pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

from kube_lab.course import grader  # noqa: E402
from kube_lab.course.checks import EXERCISES, load  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.parametrize("exercise", sorted(EXERCISES))
def test_every_solution_scores_full_marks(exercise):
    sub = grader.grade_notebook(os.path.join(ROOT, "solutions", EXERCISES[exercise].notebook), timeout=120)
    assert sub.messages == []
    assert sub.exercise == exercise and sub.points == sub.possible == 7, sub.feedback()


@pytest.mark.parametrize("exercise", sorted(EXERCISES))
def test_every_released_exercise_scores_zero_with_every_hint(exercise):
    sub = grader.grade_notebook(os.path.join(ROOT, "exercises", EXERCISES[exercise].notebook), timeout=120)
    assert sub.messages == []          # the blank exercise runs top to bottom without an error
    assert (sub.points, sub.possible) == (0, 7)
    checks = load(exercise)
    assert [r["id"] for r in sub.results] == [c.id for c in checks]
    feedback = sub.feedback()
    for r, c in zip(sub.results, checks):
        assert r["earned"] == 0 and r["detail"] and r["hint"] == c.hint
        assert f"FAIL {c.id}" in feedback and f"hint: {c.hint}" in feedback


def _code(source):
    return {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": source}


def test_a_batch_with_correct_blank_crashing_looping_and_cheating_submissions(tmp_path, monkeypatch):
    sol = json.loads((open(os.path.join(ROOT, "solutions", "01_cloud_native.ipynb"), encoding="utf-8")).read())
    blank = json.loads((open(os.path.join(ROOT, "exercises", "01_cloud_native.ipynb"), encoding="utf-8")).read())
    crash = copy.deepcopy(sol)
    crash["cells"].insert(5, _code("1/0"))
    loop = copy.deepcopy(sol)
    loop["cells"].insert(5, _code("while True:\n    pass"))
    cheat = copy.deepcopy(blank)
    cheat["cells"] = [c for c in cheat["cells"] if "grade(" not in "".join(c["source"])]
    cheat["cells"].append(_code("def grade(*args):\n    print('PASS 7/7')\ngrade('ex01')"))
    folder = tmp_path / "submissions"
    folder.mkdir()
    for name, nb in (("alice", sol), ("bob", blank), ("carol", crash), ("dave", loop), ("eve", cheat)):
        (folder / f"{name}.ipynb").write_text(json.dumps(nb))
    (folder / "frank.ipynb").write_text("{not a notebook")
    monkeypatch.chdir(tmp_path)
    subs = grader.grade_all(["submissions"], timeout=15)
    assert grader.format_table(subs) == (
        "ex01: Cloud native: what Kubernetes gives you (7 points)\n"
        "submission               deployment  service  config  rollout  self-healing  total\n"
        "submissions/alice.ipynb  2/2         1/1      1/1     2/2      1/1           7/7\n"
        "submissions/bob.ipynb    0/2         0/1      0/1     0/2      0/1           0/7\n"
        "submissions/carol.ipynb  2/2         1/1      1/1     2/2      1/1           7/7\n"
        "submissions/dave.ipynb   2/2         0/1      0/1     0/2      0/1           2/7\n"
        "submissions/eve.ipynb    0/2         0/1      0/1     0/2      0/1           0/7\n"
        "\n"
        "not graded\n"
        "submissions/frank.ipynb  0/0\n"
        "\n"
        "notes:\n"
        "  submissions/carol.ipynb: cell 6 raised ZeroDivisionError: division by zero (the other cells still ran)\n"
        "  submissions/dave.ipynb: stopped: cell 6 was still running when the 15 s time limit ran out; graded on "
        "the cluster as it was then\n"
        "  submissions/frank.ipynb: not a readable notebook (Expecting property name enclosed in double quotes: "
        "line 1 column 2 (char 1))\n")
    report = tmp_path / "report.csv"
    grader.write_csv(subs, str(report))
    rows = report.read_text().splitlines()
    assert rows[0] == "submission,exercise,check,points,possible,detail"
    assert rows[6].endswith("alice.ipynb,ex01,total,7,7,")


def test_cli_prints_the_table(tmp_path, capsys):
    from kube_lab.cli import main

    path = tmp_path / "01_cloud_native.ipynb"
    path.write_text(open(os.path.join(ROOT, "exercises", "01_cloud_native.ipynb"), encoding="utf-8").read())
    assert main(["grade", str(path), "--csv", str(tmp_path / "r.csv"), "--feedback"]) == 0
    out = capsys.readouterr().out
    assert f"{path}  0/2         0/1      0/1     0/2      0/1           0/7" in out
    assert "FAIL ex01.deployment    0/2" in out and "score: 0/7" in out
    assert (tmp_path / "r.csv").exists()
