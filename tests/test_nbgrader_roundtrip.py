"""The real nbgrader round trip, no mocks: release, hand in, autograde every way, read the gradebook.

Students: the reference solutions (one of their cells carrying an output of the student's own run),
the untouched stubs, one mutant of ``modules`` (a known mistake written into its item's solution
cell), a cheat whose first solution cell patches what the test cells call so that every in-kernel
check "passes", and (handed in after the in-kernel run) one whose MLP loops forever.

The course is the one ``make release`` writes, so plain ``nbgrader autograde`` is secure by default
(the sandboxed steps, through ``nbgrader_config.py``); the in-kernel path runs only as the explicit
opt-in (``--SandboxGrades.in_kernel=True``); ``python -m grader nbgrader autograde`` and ``python -m
grader grade --nbgrader-submitted`` grade the same notebooks. All must agree on every honest
submission, item by item; the cheat gains nothing but under the opt-in; the loop costs only its
item; the in-kernel opt-in is warned about and recorded in the gradebook's comments.

Slow (a kernel per notebook for the opt-in): run it alone with ``pytest -m nbgrader_roundtrip``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import REPO, TESTS, by_submission, grade, metadata

pytest.importorskip(
    "nbgrader", reason="nbgrader is an optional extra: pip install -e '.[nbgrader]'"
)

from grader import curriculum
from grader.nbgrader import handin, release, tool_environment

pytestmark = pytest.mark.nbgrader_roundtrip

ASSIGNMENT = "builders_guide"
MUTANT = TESTS / "mutants" / "modules" / "parallel_ignores_dim.py"
CHEAT = (
    "import grader.nbgrader.kernel as _kernel\n"
    "_kernel.grade_check = lambda *args, **kwargs: None  # every test cell now 'passes'\n"
)
CALL = re.compile(r'grade_check\(\s*"([^"]+)"')
LOOP = """

class MLP(nn.Module):
    def __init__(self, hidden=256, out=10):
        super().__init__()
        self.hidden = nn.LazyLinear(hidden)
        self.out = nn.LazyLinear(out)

    def forward(self, X):
        while True:
            pass
"""
STUDENT_OUTPUT = "hello from the student's own run\n"


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The plain ``nbgrader`` command, as an instructor types it in the course folder."""
    return finished(nbgrader_started(course, *args))


def nbgrader_started(course: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=tool_environment(),
    )


def finished(run: subprocess.Popen[str]) -> subprocess.CompletedProcess[str]:
    try:
        stdout, stderr = run.communicate(timeout=1800)
    except subprocess.TimeoutExpired:
        run.kill()
        raise
    assert run.returncode == 0, stderr[-4000:]
    return subprocess.CompletedProcess(run.args, run.returncode, stdout, stderr)


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
    """{student: {"total": score, "items": {item: (score, max)}, "comments": [...]}} read through
    nbgrader's API."""
    from nbgrader.api import Gradebook

    items_of = cell_items(course)
    out: dict[str, dict[str, Any]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for student in gb.students:
            try:
                submission = gb.find_submission(ASSIGNMENT, student.id)
            except Exception:
                continue
            per_item: dict[str, list[float]] = {}
            comments = []
            for notebook in submission.notebooks:
                comments.extend(c.auto_comment or "" for c in notebook.comments)
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
                "comments": comments,
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
    # The student's own output on a solution cell: autograding must keep it (nothing is re-run).
    for cell in students["solutions"]["modules"]["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("solution"):
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": STUDENT_OUTPUT}]
            cell["execution_count"] = 1
            break
    for student, notebooks in students.items():
        handin.hand_in(str(course), ASSIGNMENT, student, notebooks)
    times: dict[str, float] = {}

    # 1. The in-kernel path, only as the explicit opt-in (every notebook run in a kernel). It runs
    # in a copy of the course, beside steps 2-5 (half of the round trip's time, one core each).
    kernel_course = course.parent / "course-in-kernel"
    shutil.copytree(course, kernel_course)
    kernel_started = time.monotonic()
    opt_in_run = nbgrader_started(
        kernel_course, "autograde", ASSIGNMENT, "--SandboxGrades.in_kernel=True"
    )

    try:
        # 2. A student whose MLP never returns, handed in now (in a kernel it would hang the cell).
        loop_answers = dict(answers["modules"])
        loop_answers["MLP"] = loop_answers["MLP"] + LOOP
        students["loop"] = {"modules": handin.answered(released["modules"], loop_answers)}
        handin.hand_in(str(course), ASSIGNMENT, "loop", students["loop"])

        # 3. Plain `nbgrader autograde`, as an instructor types it: secure by default.
        started = time.monotonic()
        plain_run = nbgrader(course, "autograde", ASSIGNMENT, "--force")
        times["plain nbgrader autograde"] = time.monotonic() - started
        plain = gradebook(course)
        shutil.copytree(course / "autograded", course / "autograded-plain")

        # 4. The explicit secure command.
        started = time.monotonic()
        secure(course, "--force")
        times["python -m grader nbgrader autograde"] = time.monotonic() - started
        safe = gradebook(course)

        # 5. The same notebooks through `python -m grader grade`, straight from submitted/.
        started = time.monotonic()
        cli = by_submission(
            grade(course, "--nbgrader-submitted", ASSIGNMENT, json_path=course / "cli.json")
        )
        times["grade --nbgrader-submitted"] = time.monotonic() - started
    except BaseException:
        opt_in_run.kill()  # steps 2-5 failed: the opt-in's result is not needed
        opt_in_run.wait()
        raise
    opt_in = finished(opt_in_run)
    times["in-kernel opt-in (beside the others)"] = time.monotonic() - kernel_started
    in_kernel = gradebook(kernel_course)
    shutil.copytree(kernel_course / "autograded", course / "autograded-in-kernel")
    print("round trip times: " + ", ".join(f"{k} {v:.0f} s" for k, v in times.items()))
    return {
        "course": course,
        "in_kernel": in_kernel,
        "plain": plain,
        "secure": safe,
        "cli": cli,
        "opt_in_stderr": opt_in.stderr,
        "plain_stderr": plain_run.stderr,
        "target": target,
        "graded": graded,
        "points": sum(c.points for entry in written for c in entry.checks),
        "written": written,
        "times": times,
    }


PATHS = ("plain", "secure", "in_kernel")


def cli_items(result: dict[str, Any], sections: list[str]) -> dict[str, tuple[float, float]]:
    return {
        item["id"]: (item["score"], item["max_score"])
        for item in result["exercises"]
        if item["id"].split(".")[0] in sections and item["max_score"] > 0
    }


def solution_lines(section: str) -> set[str]:
    """Distinctive lines written between the solution markers of solutions/<section>.py."""
    from grader.stubs import find_blocks

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
    for path in PATHS:
        solutions = roundtrip[path]["solutions"]
        assert solutions["total"] == solutions["max"] == roundtrip["points"] > 0, (
            path,
            solutions["failures"],
        )
        for item, (score, max_score) in solutions["items"].items():
            assert score == max_score > 0, (path, item, solutions["failures"])


def test_stubs_get_zero_both_ways(roundtrip):
    """Do the released stubs, handed in untouched, score zero on both paths?"""
    for path in PATHS:
        assert roundtrip[path]["stubs"]["total"] == 0, path


def test_the_mutant_loses_its_item_only_on_both_paths(roundtrip):
    """Does the mutant lose points on its target item, and only there, on both paths?"""
    target = roundtrip["target"]
    for path in PATHS:
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
        for path in PATHS:
            items = {
                k: v
                for k, v in roundtrip[path][student]["items"].items()
                if k.split(".")[0] in graded
            }
            if student == "mutant":  # handed in only the graded sections
                items = {k: v for k, v in items.items() if k in cli}
            assert items == cli, (student, path, roundtrip[path][student]["failures"])


def test_plain_nbgrader_autograde_is_secure_by_default(roundtrip):
    """Issue 14, problem 3: does the cheat that patches the test cells' function gain nothing on
    plain `nbgrader autograde` in the released course (and on the secure command), while the
    in-kernel path it exists against, run only as the opt-in, falls for it?"""
    assert roundtrip["in_kernel"]["cheat"]["total"] > 0
    assert roundtrip["plain"]["cheat"]["total"] == 0
    assert roundtrip["secure"]["cheat"]["total"] == 0
    assert "graded" in roundtrip["plain_stderr"] and "in the sandbox" in roundtrip["plain_stderr"]
    assert "in-kernel" not in roundtrip["plain_stderr"]


def test_an_infinite_loop_costs_only_its_item(roundtrip):
    """Issue 14, problem 3: does a notebook whose MLP loops forever get a result in the gradebook
    on plain `nbgrader autograde`, losing MLP's points only (in a kernel it hung the cell for 300 s
    and the whole submission had no autograded result)?"""
    for path in ("plain", "secure"):
        loop = roundtrip[path]["loop"]["items"]
        score, max_score = loop["modules.MLP"]
        assert score < max_score, path
        for item, (score, max_score) in loop.items():
            if item.startswith("modules.") and item != "modules.MLP":
                assert score == max_score > 0, (path, item)


def test_the_in_kernel_opt_in_is_warned_and_recorded(roundtrip):
    """Does the in-kernel opt-in print its warning and write it into every graded notebook's
    gradebook comments, and do the secure runs leave no such comment?"""
    assert "graded in the student's kernel" in roundtrip["opt_in_stderr"]
    comments = roundtrip["in_kernel"]["solutions"]["comments"]
    assert comments and all("graded in the student's kernel" in c for c in comments)
    for path in ("plain", "secure"):
        for student in roundtrip[path].values():
            assert not any("student's kernel" in c for c in student["comments"])


def test_autograded_notebooks_keep_the_students_outputs(roundtrip):
    """Does the autograded copy keep the output the student's own run left on a solution cell
    (the secure steps run nothing, so clearing it would leave the cell blank)?"""
    path = roundtrip["course"] / "autograded-plain" / "solutions" / ASSIGNMENT / "modules.ipynb"
    outputs = [
        "".join(o.get("text", ""))
        for cell in handin.load(str(path))["cells"]
        if cell["metadata"].get("nbgrader", {}).get("solution")
        for o in cell.get("outputs", [])
    ]
    assert STUDENT_OUTPUT in outputs


def test_the_released_course_tells_notebook_students_what_works_in_a_notebook(roundtrip):
    """Issue 14, problem 8: do the released notebooks never tell students to run `make check`,
    and say how to run the public checks in the notebook instead?"""
    course = roundtrip["course"]
    for entry in roundtrip["written"]:
        text = (course / "release" / ASSIGNMENT / f"{entry.section}.ipynb").read_text()
        assert "make check" not in text
        assert "public test cell" in text


def test_the_course_config_is_the_secure_one(roundtrip):
    """Is the course's nbgrader_config.py the one with the grader's block, its steps importable?"""
    import importlib

    text = (roundtrip["course"] / "nbgrader_config.py").read_text()
    assert release.BLOCK_BEGIN in text and "grader.nbgrader.preprocessors.SandboxGrades" in text
    for step in re.findall(r'"((?:grader|nbgrader|nbconvert)\.[\w.]+)"', text):
        module, _, name = step.rpartition(".")
        assert hasattr(importlib.import_module(module), name), step


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
