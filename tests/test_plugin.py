"""The pytest plugin on its own (pytester): markers, selection, results as data, shrink budget,
profiles and usage errors. Checks here run through the in-process transport on a tiny submission."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import solution_source, write_submission

from grader.plugin import MSG_NEEDS_CUDA, MSG_NO_SUBMISSION, MSG_UNMARKED, SHRINK_BUDGET

pytest_plugins = ["pytester"]

HEADER = """
import os
import torch
from hypothesis import given, settings, strategies as st
from grader.plugin import check
from grader.compare import Expect


def run_once(name):
    path = os.environ["RUNS_FILE"]
    with open(path, "a") as f:
        f.write(name + "\\n")
"""


@pytest.fixture()
def submission_dir(tmp_path: Path) -> Path:
    return write_submission(tmp_path / "alice", {"modules": solution_source()})


def run_checks(
    pytester: pytest.Pytester, body: str, submission_dir: Path, *args: str
) -> tuple[pytest.RunResult, dict | None, list[str]]:
    pytester.makepyfile(test_checks=HEADER + body)
    results = pytester.path / "results.json"
    runs = pytester.path / "runs.txt"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RUNS_FILE", str(runs))
        outcome = pytester.runpytest_subprocess(
            "-p",
            "grader.plugin",
            "-p",
            "no:cacheprovider",
            "--grader-submission",
            str(submission_dir),
            "--grader-transport",
            "in-process",
            "--grader-device",
            "cpu",
            "--grader-json",
            str(results),
            *args,
        )
    data = json.loads(results.read_text()) if results.exists() else None
    return outcome, data, runs.read_text().split() if runs.exists() else []


def checks_of(data: dict, item: str) -> dict[str, dict]:
    (entry,) = [i for i in data["exercises"] if i["id"] == item]
    return {c["name"]: c for c in entry["checks"]}


PASS_AND_FAIL = """
@check("modules.MLP", points=2, visibility="public")
@settings(max_examples=3)
@given(n=st.integers(1, 4))
def test_output_shape(submission, n):
    run_once("shape")
    got = submission.call("modules.mlp", what="MLP", X=torch.zeros(n, 3), hidden=5, out=2)
    Expect("MLP").equal("shape", (n, 2), tuple(got["output"].shape))


@check("modules.MLP", points=1, visibility="hidden")
@settings(max_examples=5)
@given(n=st.integers(1, 4))
def test_always_wrong(submission, n):
    run_once("wrong")
    got = submission.call("modules.mlp", what="MLP", X=torch.zeros(n, 3), hidden=5, out=2)
    expect = Expect("MLP")
    expect.equal("shape", (n, 99), tuple(got["output"].shape))
    expect.verify()
"""


def test_results_are_recorded_per_check_with_points(pytester, submission_dir) -> None:
    """Does each check's outcome reach the results as data: passed, points, kind, feedback?"""
    outcome, data, _runs = run_checks(pytester, PASS_AND_FAIL, submission_dir)
    outcome.assert_outcomes(passed=1, failed=1)
    checks = checks_of(data, "modules.MLP")
    assert checks["test_output_shape"]["passed"] is True
    assert checks["test_output_shape"]["points"] == 2.0
    wrong = checks["test_always_wrong"]
    assert (wrong["passed"], wrong["points"], wrong["max_points"], wrong["kind"]) == (
        False,
        0.0,
        1.0,
        "mismatch",
    )
    assert "MLP differs from PyTorch" in wrong["feedback"]
    item = next(i for i in data["exercises"] if i["id"] == "modules.MLP")
    assert (item["score"], item["max_score"]) == (2.0, 3.0)
    assert data["sandbox"]["protected"] is False


def test_shrinking_is_capped_by_a_run_budget(pytester, submission_dir) -> None:
    """Does a failing check run at most max_examples + SHRINK_BUDGET (+1 for the final replay) times?"""
    _, _, runs = run_checks(pytester, PASS_AND_FAIL, submission_dir)
    assert 1 <= runs.count("wrong") <= 5 + SHRINK_BUDGET + 1


def test_a_failure_that_no_input_can_change_ends_the_check_at_once(pytester, tmp_path) -> None:
    """Does a 'not attempted' stub end its check after one run (no shrinking)?"""
    stubs = write_submission(
        tmp_path / "stub",
        {"modules": (Path(__file__).parents[1] / "exercises" / "modules.py").read_text()},
    )
    _, data, runs = run_checks(pytester, PASS_AND_FAIL, stubs)
    assert runs.count("wrong") == 1
    assert checks_of(data, "modules.MLP")["test_always_wrong"]["kind"] == "not attempted"


def test_public_visibility_runs_only_public_checks(pytester, submission_dir) -> None:
    """With --grader-visibility public, are hidden checks neither run nor listed?"""
    outcome, data, runs = run_checks(
        pytester, PASS_AND_FAIL, submission_dir, "--grader-visibility", "public"
    )
    outcome.assert_outcomes(passed=1)
    assert "wrong" not in runs
    assert set(checks_of(data, "modules.MLP")) == {"test_output_shape"}


def test_a_test_without_a_check_marker_is_a_usage_error(pytester, submission_dir) -> None:
    """Is an untagged test in the checks refused, naming the rule?"""
    outcome, _, _ = run_checks(
        pytester, "\ndef test_untagged(submission):\n    pass\n", submission_dir
    )
    assert outcome.ret == pytest.ExitCode.USAGE_ERROR
    outcome.stderr.fnmatch_lines([f"*{MSG_UNMARKED}*"])


def test_a_check_for_an_unknown_item_cannot_be_collected(pytester, submission_dir) -> None:
    """Does @check with an item not in the curriculum stop collection, naming the item?"""
    body = '\n@check("modules.Nope", points=1)\ndef test_x(submission):\n    pass\n'
    outcome, _, _ = run_checks(pytester, body, submission_dir)
    assert outcome.ret != 0
    assert "unknown item 'modules.Nope'" in outcome.stdout.str() + outcome.stderr.str()


def test_missing_submission_option_is_a_usage_error(pytester) -> None:
    """Standalone use without --grader-submission: a usage error that says what to pass?"""
    pytester.makepyfile(test_checks=HEADER)
    outcome = pytester.runpytest_subprocess("-p", "grader.plugin")
    assert outcome.ret == pytest.ExitCode.USAGE_ERROR
    outcome.stderr.fnmatch_lines([f"*{MSG_NO_SUBMISSION}*"])


SEEDED = """
@check("modules.MLP", points=1, visibility="public")
@settings(max_examples=3)
@given(n=st.integers(0, 10**9))
def test_records_examples(submission, n):
    run_once(str(n))
"""


def test_check_profile_seed_reproduces_examples(pytester, submission_dir) -> None:
    """Under the 'check' profile, does the same --grader-seed give the same examples and another seed others?"""
    args = ("--grader-profile", "check")
    _, _, first = run_checks(pytester, SEEDED, submission_dir, *args, "--grader-seed", "5")
    (pytester.path / "runs.txt").unlink()
    _, _, again = run_checks(pytester, SEEDED, submission_dir, *args, "--grader-seed", "5")
    (pytester.path / "runs.txt").unlink()
    _, _, other = run_checks(pytester, SEEDED, submission_dir, *args, "--grader-seed", "6")
    assert first == again
    assert first != other


def test_grade_profile_is_the_same_whatever_the_seed(pytester, submission_dir) -> None:
    """Under the 'grade' profile (derandomized), do two runs draw identical examples?"""
    _, _, first = run_checks(pytester, SEEDED, submission_dir)
    (pytester.path / "runs.txt").unlink()
    _, _, again = run_checks(pytester, SEEDED, submission_dir, "--grader-seed", "99")
    assert first == again


GPU_ONLY = """
@check("modules.MLP", points=3, visibility="public", gpu_only=True)
def test_on_the_gpu(submission):
    run_once("gpu")


@check("modules.MLP", points=1, visibility="public")
def test_anywhere(submission):
    run_once("cpu")
"""


def test_gpu_only_checks_are_skipped_on_the_cpu_and_say_why(pytester, submission_dir) -> None:
    """Grading on the CPU, is a GPU-only check skipped with its reason, and left out of the maximum?"""
    outcome, data, runs = run_checks(pytester, GPU_ONLY, submission_dir)
    outcome.assert_outcomes(passed=1, skipped=1)
    assert runs == ["cpu"]
    checks = checks_of(data, "modules.MLP")
    gpu = checks["test_on_the_gpu"]
    assert (gpu["kind"], gpu["points"], gpu["max_points"]) == ("skipped", 0.0, 0.0)
    assert MSG_NEEDS_CUDA in gpu["feedback"]
    item = next(i for i in data["exercises"] if i["id"] == "modules.MLP")
    assert (item["score"], item["max_score"]) == (1.0, 1.0)


def test_grade_seeds_do_not_depend_on_a_checks_source() -> None:
    """Is every check's seed under `grade` the one recorded for it (or crc32 of its name for a
    check recorded after), so that editing a check's docstring or renaming a helper it calls
    leaves the examples every submission is graded on as they were? And does every recorded
    name belong to a check that exists?"""
    import json
    import zlib

    from grader import checklist
    from grader.plugin import SEEDS_FILE, grade_seed

    with open(SEEDS_FILE, encoding="utf-8") as f:
        recorded = json.load(f)
    names = {c.name for c in checklist.listed_checks()}
    assert set(recorded) <= names, sorted(set(recorded) - names)
    for name, value in recorded.items():
        assert grade_seed(name) == int(value, 16)
    assert grade_seed("test_not_recorded_yet") == zlib.crc32(b"test_not_recorded_yet")
