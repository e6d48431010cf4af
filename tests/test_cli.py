"""The command line as course staff and learners use it: python -m grader grade / check."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support import (
    EXERCISES,
    SOLUTIONS,
    grade,
    items,
    registered_checks,
    run_grader,
    section_items,
    with_appended,
    write_submission,
)

from grader.checklist import listed_checks
from grader.curriculum import ITEMS
from grader.results import strip_timing

GRADED_ITEMS = sorted(set(registered_checks().values()))
TOP_KEYS = {
    "submission",
    "score",
    "max_score",
    "device",
    "gradable",
    "message",
    "exercises",
    "sandbox",
    "timing",
}
ITEM_KEYS = {"id", "score", "max_score", "status", "message", "checks"}
CHECK_KEYS = {"name", "item", "passed", "points", "max_points", "visibility", "kind", "feedback"}


@pytest.fixture(scope="module")
def solutions_result() -> dict:
    return grade(SOLUTIONS, "--only", "modules")


def test_solutions_get_full_marks_on_modules(solutions_result: dict) -> None:
    """Does `grade solutions` give every modules item all its points, through the sandbox?"""
    modules = section_items(solutions_result)
    assert len(modules) == 7
    for item in modules.values():
        assert item["status"] == "graded"
        assert item["score"] == item["max_score"] > 0
    assert solutions_result["sandbox"]["transport"] == "sandbox"
    assert solutions_result["sandbox"]["protected"] is True


def test_results_follow_the_schema(solutions_result: dict) -> None:
    """Does the JSON have DESIGN.md's fields, with every curriculum item in curriculum order?"""
    assert TOP_KEYS <= set(solutions_result)
    assert [i["id"] for i in solutions_result["exercises"]] == [item.id for item in ITEMS]
    for item in solutions_result["exercises"]:
        assert ITEM_KEYS <= set(item)
        for check in item["checks"]:
            assert CHECK_KEYS <= set(check)
            assert check["visibility"] in ("public", "hidden")
    assert solutions_result["device"] == "cpu"


def test_items_outside_only_are_marked_not_selected(solutions_result: dict) -> None:
    """With --only modules, are the other sections' items present but 'not selected' (0 of 0)?"""
    others = [i for i in solutions_result["exercises"] if not i["id"].startswith("modules.")]
    assert others and all(i["status"] == "not selected" and i["max_score"] == 0 for i in others)


def test_stubs_get_zero_without_crashing() -> None:
    """Does `grade exercises` (the untouched stubs) give 0 everywhere, 'not attempted', gradable?"""
    result = grade(EXERCISES)
    assert result["score"] == 0
    assert result["gradable"] is True
    for item_id in GRADED_ITEMS:
        assert items(result)[item_id]["status"] == "not attempted"
    ungraded = [i for i in result["exercises"] if i["id"] not in GRADED_ITEMS]
    assert all(i["status"] == "not graded yet" and i["max_score"] == 0 for i in ungraded)


def test_grading_twice_gives_identical_results(tmp_path: Path) -> None:
    """Is grading reproducible: the same submission twice gives the same JSON apart from timing,
    counterexamples (shrunk failing inputs) included?"""
    mutant = (
        Path(__file__).parent / "mutants" / "modules" / "mysequential_iterates_children.py"
    ).read_text()
    folder = write_submission(tmp_path / "alice", {"modules": with_appended(mutant)})
    first = grade(folder, "--only", "modules")
    second = grade(folder, "--only", "modules")
    assert first["score"] < first["max_score"]
    assert strip_timing(first) == strip_timing(second)


def test_unknown_only_is_a_usage_error() -> None:
    """Does --only with an unknown id exit 2 and name it?"""
    proc = run_grader("grade", str(SOLUTIONS), "--only", "modules.Nope")
    assert proc.returncode == 2
    assert "modules.Nope" in proc.stderr


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    """Does grading a path that does not exist exit 2 with a message (and no traceback)?"""
    proc = run_grader("grade", str(tmp_path / "typo"))
    assert proc.returncode == 2
    assert "does not exist" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_empty_folder_is_ungradable(tmp_path: Path) -> None:
    """Does an empty submission folder grade (exit 0) as ungradable, with zero and a reason?"""
    (tmp_path / "empty").mkdir()
    result = grade(tmp_path / "empty")
    assert result["gradable"] is False
    assert result["score"] == 0
    assert "no section file" in result["message"]
    assert all(items(result)[i]["status"] == "missing" for i in GRADED_ITEMS)


def test_a_notebook_is_graded_like_a_module(tmp_path: Path) -> None:
    """Is a modules.ipynb (given as the file to grade) graded like modules.py?"""
    folder = tmp_path / "nb"
    folder.mkdir()
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None}
    (folder / "modules.ipynb").write_text(
        json.dumps(
            {
                "cells": [{**cell, "source": (SOLUTIONS / "modules.py").read_text()}],
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )
    result = grade(folder / "modules.ipynb", "--only", "modules.MLP")
    item = items(result)["modules.MLP"]
    assert item["score"] == item["max_score"] > 0


def test_a_single_section_file_can_be_graded(tmp_path: Path) -> None:
    """Does `grade path/modules.py` grade that one file?"""
    folder = write_submission(tmp_path / "bob", {"modules": (SOLUTIONS / "modules.py").read_text()})
    result = grade(folder / "modules.py", "--only", "modules.MLP")
    assert items(result)["modules.MLP"]["score"] == items(result)["modules.MLP"]["max_score"] > 0


def test_class_folder_gives_one_result_per_student(tmp_path: Path) -> None:
    """Does a folder of student folders give {"submissions": [...]} in name order, each graded on its own?"""
    class_dir = tmp_path / "class"
    write_submission(class_dir / "b-stub", {"modules": (EXERCISES / "modules.py").read_text()})
    write_submission(class_dir / "a-full", {"modules": (SOLUTIONS / "modules.py").read_text()})
    (class_dir / "c-empty").mkdir()
    data = grade(class_dir, "--only", "modules.MLP")
    names = [r["submission"] for r in data["submissions"]]
    assert names == ["a-full", "b-stub", "c-empty"]
    full, stub, empty = data["submissions"]
    assert items(full)["modules.MLP"]["score"] == items(full)["modules.MLP"]["max_score"]
    assert items(stub)["modules.MLP"]["status"] == "not attempted"
    assert empty["gradable"] is False


def test_workers_give_the_same_results_as_one_process(tmp_path: Path) -> None:
    """Does --workers 2 give exactly the results of a single worker, in class order?"""
    class_dir = tmp_path / "class"
    for name in ("x", "y", "z"):
        write_submission(class_dir / name, {"modules": (SOLUTIONS / "modules.py").read_text()})
    one = grade(class_dir, "--only", "modules.MLP", "modules.NestMLP")
    two = grade(class_dir, "--only", "modules.MLP", "modules.NestMLP", "--workers", "2")
    assert strip_timing(one) == strip_timing(two)


def test_in_process_transport_gives_the_same_scores_marked_unprotected() -> None:
    """Does --transport in-process reach the same per-item scores, marked unprotected?"""
    sandboxed = grade(SOLUTIONS, "--only", "modules")
    unprotected = grade(SOLUTIONS, "--only", "modules", "--transport", "in-process")
    assert unprotected["sandbox"]["protected"] is False
    assert [(i["id"], i["score"]) for i in unprotected["exercises"]] == [
        (i["id"], i["score"]) for i in sandboxed["exercises"]
    ]


def test_table_is_printed_for_a_single_submission() -> None:
    """Does `grade` print a table with items, points and statuses?"""
    proc = run_grader("grade", str(EXERCISES), "--only", "modules", "--device", "cpu")
    assert proc.returncode == 0
    assert "modules.MySequential" in proc.stdout
    assert "not attempted" in proc.stdout


def test_check_exits_nonzero_while_anything_fails() -> None:
    """Does `check` (public checks, random examples) exit 1 on the stubs and 0 on the solutions?"""
    stubs = run_grader("check", str(EXERCISES), "--only", "modules", "--device", "cpu")
    assert stubs.returncode == 1
    assert "seed" in stubs.stdout
    solutions = run_grader("check", str(SOLUTIONS), "--only", "modules", "--device", "cpu")
    assert solutions.returncode == 0, solutions.stdout + solutions.stderr


def test_degraded_sandbox_still_grades_and_says_so(tmp_path: Path) -> None:
    """Without namespaces, cgroup and Landlock (as on many Docker hosts), do the solutions still get
    full marks, with the missing layers reported and a uid drop standing in?"""
    disabled = [
        "pid_namespace",
        "mount_namespace",
        "network_namespace",
        "ipc_uts_namespaces",
        "cgroup",
        "landlock",
    ]
    extra = [arg for layer in disabled for arg in ("--disable-layer", layer)]
    result = grade(SOLUTIONS, "--only", "modules", *extra)
    layers = result["sandbox"]["layers"]
    for layer in disabled:
        assert layers[layer] == "disabled"
    assert layers["uid_drop"] == "active"
    assert layers["capabilities"] == "active"
    modules = section_items(result)
    assert all(item["score"] == item["max_score"] > 0 for item in modules.values())


def test_hidden_feedback_never_repeats_what_the_child_said(tmp_path: Path) -> None:
    """Is a message raised by student code shown for public checks but never for hidden ones?"""
    code = """
class MySequential(nn.Module):
    def __init__(self, *modules):
        super().__init__()
        for index, module in enumerate(modules):
            self.add_module(str(index), module)

    def forward(self, X):
        raise ValueError(f"LEAK {X.shape}")
"""
    folder = write_submission(tmp_path / "leaky", {"modules": with_appended(code)})
    result = grade(folder, "--only", "modules.MySequential")
    checks = items(result)["modules.MySequential"]["checks"]
    public = [c for c in checks if c["visibility"] == "public"]
    hidden = [c for c in checks if c["visibility"] == "hidden"]
    assert public and hidden
    assert all("LEAK" in c["feedback"] for c in public)
    assert all("LEAK" not in c["feedback"] and "ValueError" in c["feedback"] for c in hidden)


def test_check_gives_one_hint_per_failing_item_from_public_checks_only(tmp_path: Path) -> None:
    """Does `check` on a known mistake name the failing item once, with the input it tried, what
    PyTorch gives and a hint; use fresh random examples (a new seed each run) that `--seed`
    reproduces; and never name a hidden check (it only counts them per item)?"""
    mutant = (Path(__file__).parent / "mutants" / "modules" / "chimera_wrong_order.py").read_text()
    folder = write_submission(tmp_path / "learner", {"modules": with_appended(mutant)})
    args = ("check", str(folder), "--only", "modules", "--device", "cpu")
    first = run_grader(*args)
    assert first.returncode == 1, first.stdout + first.stderr
    lines = first.stdout.splitlines()
    failing = [line for line in lines if line.startswith("✗")]
    assert len(failing) == 1 and "modules.chimera" in failing[0]
    assert first.stdout.count("Hint:") == 1
    assert "PyTorch gives" in first.stdout
    hidden = [c.name for c in listed_checks() if c.visibility == "hidden"]
    assert not [name for name in hidden if name in first.stdout]
    seeds = re.findall(r"--seed (\d+)", first.stdout)
    assert seeds
    again = run_grader(*args, "--seed", seeds[0])
    assert again.stdout == first.stdout


def test_section_files_beside_student_folders_stop_the_run(tmp_path: Path) -> None:
    """Issue 13, gap 6: is a class folder with a stray modules.py at its top refused (exit 2, the
    stray file named) rather than graded as one submission?"""
    write_submission(tmp_path / "alice", {"modules": "x = 1\n"})
    (tmp_path / "modules.py").write_text("x = 1\n")
    proc = run_grader("grade", str(tmp_path), "--device", "cpu")
    assert proc.returncode == 2
    assert "modules.py" in proc.stderr and "student folders" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_nbgrader_submitted_tree_is_graded_per_student(tmp_path: Path) -> None:
    """Issue 14, problem 5: does `grade` on an nbgrader course folder grade
    submitted/<student>/<assignment>/ per student (it used to call every student ungradable)?"""
    from grader.nbgrader.release import build_notebook

    notebook = build_notebook("modules", (SOLUTIONS / "modules.py").read_text(), [])
    course = tmp_path / "course"
    for student in ("alice", "bob"):
        folder = course / "submitted" / student / "ps1"
        folder.mkdir(parents=True)
        (folder / "modules.ipynb").write_text(json.dumps(notebook))
        (folder / "timestamp.txt").write_text("2026-01-01 12:00:00 UTC")
    for args in ((), ("--nbgrader-submitted", "ps1")):
        data = grade(course, "--only", "modules.MLP", *args)
        results = {r["submission"]: r for r in data["submissions"]}
        assert sorted(results) == ["alice", "bob"]
        for result in results.values():
            assert result["gradable"] and result["score"] == result["max_score"] > 0
