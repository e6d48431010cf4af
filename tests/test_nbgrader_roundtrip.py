"""The real nbgrader round trip, no mocks: release, hand in, autograde both ways, read the gradebook.

Students: the reference solutions, the untouched stubs, one mutant of ``modules`` (a known mistake
written into its item's solution cell), and a cheat whose first solution cell patches what the test
cells call so that every in-kernel check "passes". Plain ``nbgrader autograde`` (checks in the
student's kernel) and the secure path (``python -m grader nbgrader autograde``: the sandbox) must
agree on every honest submission, item by item, with ``python -m grader grade`` on the same
notebooks; the cheat must gain nothing on the secure path.

Slow (a kernel per notebook): run it alone with ``pytest -m nbgrader_roundtrip``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import REPO, TESTS, by_submission, grade, metadata

pytest.importorskip(
    "nbgrader", reason="nbgrader is an optional extra: pip install -e '.[nbgrader]'"
)

from grader import curriculum
from grader.nbgrader import handin, release

pytestmark = pytest.mark.nbgrader_roundtrip

ASSIGNMENT = "builders_guide"
MUTANT = TESTS / "mutants" / "modules" / "parallel_ignores_dim.py"
CHEAT = (
    "import grader.nbgrader.kernel as _kernel\n"
    "_kernel.grade_check = lambda *args, **kwargs: None  # every test cell now 'passes'\n"
)
CALL = re.compile(r'grade_check\(\s*"([^"]+)"')


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course,
        capture_output=True,
        text=True,
        env=release.tool_environment(),
        timeout=1800,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return proc


def secure(course: Path, *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "grader", "nbgrader", "autograde", ASSIGNMENT, *args],
        cwd=course,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return proc


def cell_items(course: Path) -> dict[tuple[str, str], str]:
    """{(notebook, grade_id): item id} of every test cell, from the master (source) notebooks."""
    found = {}
    for path in sorted((course / "source" / ASSIGNMENT).glob("*.ipynb")):
        for cell in handin.load(str(path))["cells"]:
            meta = cell["metadata"].get("nbgrader", {})
            if meta.get("grade") and not meta.get("solution"):
                item = CALL.search("".join(cell["source"]))
                found[(path.stem, meta["grade_id"])] = item.group(1)
    return found


def gradebook(course: Path) -> dict[str, dict[str, Any]]:
    """{student: {"total": score, "items": {item: (score, max)}}} read through nbgrader's API."""
    from nbgrader.api import Gradebook

    items_of = cell_items(course)
    out: dict[str, dict[str, Any]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in gb.students:
            submission = gb.find_submission(ASSIGNMENT, student.id)
            per_item: dict[str, list[float]] = {}
            for notebook in submission.notebooks:
                for grade_ in notebook.grades:
                    item = items_of[(notebook.name, grade_.name)]
                    score = per_item.setdefault(item, [0.0, 0.0])
                    score[0] += grade_.score
                    score[1] += grade_.max_score
            out[student.id] = {
                "total": submission.score,
                "max": submission.max_score,
                "items": {k: tuple(v) for k, v in per_item.items()},
                "failures": failures(course, student.id),
            }
    return out


def failures(course: Path, student: str) -> dict[str, str]:
    """{notebook/grade_id: feedback} of every test cell that failed (read from autograded/)."""
    found = {}
    for path in sorted((course / "autograded" / student / ASSIGNMENT).glob("*.ipynb")):
        for cell in handin.load(str(path))["cells"]:
            meta = cell["metadata"].get("nbgrader", {})
            errors = [
                o.get("evalue", "") for o in cell.get("outputs", []) if o["output_type"] == "error"
            ]
            if meta.get("grade") and errors:
                found[f"{path.stem}/{meta['grade_id']}"] = errors[0][:500]
    return found


@pytest.fixture(scope="module")
def roundtrip() -> Iterator[dict[str, Any]]:
    # A folder of its own, not pytest's tmp_path: other pytest runs on the machine may prune
    # pytest's numbered folders while this long fixture is still using one.
    with tempfile.TemporaryDirectory(prefix="nbgrader-roundtrip-") as scratch:
        yield _roundtrip(Path(scratch) / "course")


def _roundtrip(course: Path) -> dict[str, Any]:
    course.mkdir()
    written = release.release(str(course), assignment=ASSIGNMENT, quiet=True)
    released = {
        entry.section: handin.load(str(course / "release" / ASSIGNMENT / f"{entry.section}.ipynb"))
        for entry in written
    }
    answers = {
        entry.section: handin.solution_answers(
            handin.load(str(course / "source" / ASSIGNMENT / f"{entry.section}.ipynb"))
        )
        for entry in written
    }
    graded = [entry.section for entry in written if entry.checks]
    students = {
        "solutions": {s: handin.answered(released[s], answers[s]) for s in released},
        "stubs": {s: released[s] for s in graded},
    }
    # The mutant: its code appended to the solution cell of its target item.
    target = metadata(MUTANT)["TARGET"]
    section = target.split(".", 1)[0]
    mutant_answers = dict(answers[section])
    last = curriculum.ITEMS_BY_ID[target].names[-1]
    mutant_answers[last] = mutant_answers[last] + "\n\n" + MUTANT.read_text()
    students["mutant"] = {
        s: handin.answered(released[s], mutant_answers if s == section else answers[s])
        for s in graded
    }
    # The cheat: stubs, but the first solution cell of modules patches the test cells' function.
    first = handin.solution_cell_ids(released["modules"])[0]
    stub = next(
        "".join(c["source"])
        for c in released["modules"]["cells"]
        if c["metadata"].get("nbgrader", {}).get("grade_id") == first
    )
    cheat = {first: stub.rstrip("\n") + "\n\n" + CHEAT}
    students["cheat"] = {"modules": handin.answered(released["modules"], cheat)}
    for student, notebooks in students.items():
        handin.hand_in(str(course), ASSIGNMENT, student, notebooks)

    nbgrader(course, "autograde", ASSIGNMENT)
    plain = gradebook(course)
    shutil.copytree(course / "autograded", course / "autograded-plain")
    secure(course, "--force")
    safe = gradebook(course)

    # The same notebooks through `python -m grader grade` (a class folder of notebook folders).
    class_dir = course / "class"
    for student in students:
        shutil.copytree(course / "submitted" / student / ASSIGNMENT, class_dir / student)
    cli = by_submission(grade(class_dir, json_path=course / "cli.json"))
    return {
        "course": course,
        "plain": plain,
        "secure": safe,
        "cli": cli,
        "target": target,
        "graded": graded,
        "points": sum(c.points for entry in written for c in entry.checks),
        "written": written,
    }


def cli_items(result: dict[str, Any], sections: list[str]) -> dict[str, tuple[float, float]]:
    return {
        item["id"]: (item["score"], item["max_score"])
        for item in result["exercises"]
        if item["id"].split(".")[0] in sections and item["max_score"] > 0
    }


def solution_lines(section: str) -> set[str]:
    """Distinctive lines written between the solution markers of solutions/<section>.py."""
    from grader.exercises import find_blocks

    text = (REPO / "solutions" / f"{section}.py").read_text()
    lines = text.splitlines()
    inside: set[int] = set()
    for block in find_blocks(text, f"{section}.py"):
        inside.update(range(block.begin, block.end - 1))  # 0-based lines strictly inside
    outside = {lines[i].strip() for i in range(len(lines)) if i not in inside}
    return {
        lines[i].strip()
        for i in inside
        if len(lines[i].strip()) >= 15 and lines[i].strip() not in outside
    }


def test_released_notebooks_hold_no_solution_and_no_hidden_check(roundtrip):
    """Do the notebooks students get contain none of the solution code and none of the hidden
    checks (names, docstrings, code), while every public check is called visibly?"""
    course = roundtrip["course"]
    checks_code = [
        line.strip()
        for path in (REPO / "grader" / "checks").glob("test_*.py")
        for line in path.read_text().splitlines()
        if len(line.strip()) >= 25
        and any(mark in line for mark in ("submission.call(", "expect.", "describe(", "@given("))
    ]
    for entry in roundtrip["written"]:
        text = (course / "release" / ASSIGNMENT / f"{entry.section}.ipynb").read_text()
        code = "\n".join(
            "".join(c["source"]) for c in json.loads(text)["cells"] if c["cell_type"] == "code"
        )
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
        leaked = [line for line in solution_lines(entry.section) if line in code]
        assert not leaked, f"{entry.section}: solution code released: {leaked[:3]}"
        for check in entry.checks:
            if check.visibility == "hidden":
                assert check.name not in text and check.description not in text
            else:
                assert f'"{check.name}"' in code
        leaked = [line for line in checks_code if line in code]
        assert not leaked, f"{entry.section}: check code released: {leaked[:3]}"


def test_solutions_get_full_marks_both_ways(roundtrip):
    """Does the reference solution get every point on plain nbgrader and on the secure path?"""
    for path in ("plain", "secure"):
        solutions = roundtrip[path]["solutions"]
        assert solutions["total"] == solutions["max"] == roundtrip["points"] > 0, (
            path,
            solutions["failures"],
        )
        for item, (score, max_score) in solutions["items"].items():
            assert score == max_score > 0, (path, item, solutions["failures"])


def test_stubs_get_zero_both_ways(roundtrip):
    """Do the released stubs, handed in untouched, score zero on both paths?"""
    for path in ("plain", "secure"):
        assert roundtrip[path]["stubs"]["total"] == 0, path


def test_the_mutant_loses_its_item_only_on_both_paths(roundtrip):
    """Does the mutant lose points on its target item, and only there, on both paths?"""
    target = roundtrip["target"]
    for path in ("plain", "secure"):
        items = roundtrip[path]["mutant"]["items"]
        score, max_score = items[target]
        assert score < max_score, (path, target)
        for item, (score, max_score) in items.items():
            if item != target and item.split(".")[0] in roundtrip["graded"]:
                assert score == max_score, (path, item)


def test_honest_submissions_score_alike_on_every_path(roundtrip):
    """Do plain nbgrader, the secure path and `python -m grader grade` on the same notebooks give
    the same score for every item of every honest submission?"""
    graded = roundtrip["graded"]
    for student in ("solutions", "stubs", "mutant"):
        cli = cli_items(roundtrip["cli"][student], graded)
        for path in ("plain", "secure"):
            items = {
                k: v
                for k, v in roundtrip[path][student]["items"].items()
                if k.split(".")[0] in graded
            }
            if student == "mutant":  # handed in only the graded sections
                items = {k: v for k, v in items.items() if k in cli}
            assert items == cli, (student, path, roundtrip[path][student]["failures"])


def test_the_cheat_gains_nothing_on_the_secure_path(roundtrip):
    """Does patching the test cells' function in the kernel fool plain nbgrader (the reason for
    the secure path) but earn nothing on the secure path?"""
    assert roundtrip["plain"]["cheat"]["total"] > 0
    assert roundtrip["secure"]["cheat"]["total"] == 0


def test_feedback_and_export_work_on_the_secure_results(roundtrip):
    """Do `nbgrader generate_feedback` and `nbgrader export` run on what the secure path wrote, the
    feedback showing the mutant's failing check?"""
    course = roundtrip["course"]
    nbgrader(course, "generate_feedback", ASSIGNMENT, "--student", "mutant")
    html = (course / "feedback" / "mutant" / ASSIGNMENT / "modules.html").read_text()
    assert "CheckFailed" in html
    nbgrader(course, "export", "--to", str(course / "grades.csv"))
    rows = (course / "grades.csv").read_text().splitlines()
    assert any(row.split(",")[3] == "solutions" for row in rows[1:])
