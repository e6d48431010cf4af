"""Gradescope's autograder ``results.json`` for one submission.

Follows Gradescope's autograder specification: top-level ``score`` (it overrides the sum of the
tests), ``execution_time``, ``output``, ``visibility``, ``stdout_visibility``, ``extra_data`` and
``tests[]``, each test with ``name``, ``score``, ``max_score``, ``status`` ("passed"/"failed"),
``output`` and ``visibility``.

Tests read as a student would: ``modules.MLP · mlp is lazy until first call (public)``. A public
check's test is ``visible`` with its feedback; a hidden check's test has the visibility chosen
for hidden checks (``hidden``, ``after_due_date``, ``after_published`` — the default — or
``visible``), its name, status and points only, never its feedback. The top-level ``output``, which
students see at once, counts only what is visible at once: the public checks' points per item, and
how many hidden checks (and points) will be shown when. ``stdout_visibility`` is ``hidden`` (the
grader's log names every check). Each test's ``output`` is cut to ``MAX_TEST_OUTPUT`` characters and
the whole file kept under ``MAX_FILE_BYTES``, well inside Gradescope's limits.

Gradescope has no "ungradable" result (an autograder that writes no results.json is reported as
failed, which students read as the course's fault). A submission where nothing could be graded
therefore scores 0 with a top-level ``output`` saying why and what to upload, one failed test named
"submission could not be graded", and ``extra_data.gradable = false`` for staff and scripts.
``extra_data.protections`` records which containment layers were active.
"""

from __future__ import annotations

import json
from typing import Any

from grader.exporters.common import (
    clean_result,
    clip,
    considered,
    counted,
    humanize,
    protections,
    student_feedback,
    write_text,
)
from grader.outcomes import Status
from grader.results import SubmissionResult

UNGRADABLE_TEST = "submission could not be graded"
VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
DEFAULT_HIDDEN_VISIBILITY = "after_published"
MAX_TEST_OUTPUT = 4000
MAX_SUMMARY_OUTPUT = 8000
MAX_FILE_BYTES = 512 * 1024
_WHEN = {
    "hidden": "are not shown to students",
    "after_due_date": "are shown after the due date",
    "after_published": "are shown when grades are published",
}


def test_name(item_id: str, check_name: str, visibility: str) -> str:
    kind = "public" if visibility == "public" else "hidden"
    return f"{item_id} · {humanize(check_name)} ({kind})"


def _summary(result: SubmissionResult, hidden_visibility: str) -> str:
    if not result.gradable:
        return clip(
            f"This submission could not be graded: {result.message}\n"
            "Upload your section files (modules.py, parameters.py, …, or the same names as "
            ".ipynb notebooks) at the top level of the submission and submit again.",
            MAX_SUMMARY_OUTPUT,
        )
    show_hidden = hidden_visibility == "visible"
    lines = []
    shown = possible = 0.0
    hidden_count, hidden_points = 0, 0.0
    for item in considered(result):
        checks = counted(item)
        visible = [c for c in checks if show_hidden or c.visibility == "public"]
        hidden = [c for c in checks if not show_hidden and c.visibility != "public"]
        hidden_count += len(hidden)
        hidden_points += sum(c.max_points for c in hidden)
        score = sum(c.points for c in visible)
        top = sum(c.max_points for c in visible)
        shown, possible = shown + score, possible + top
        note = "" if item.status == Status.GRADED else f" ({item.status})"
        if top or note:
            lines.append(f"{item.id}: {score:g} / {top:g}{note}")
    what = "points" if show_hidden else "points of the public checks"
    head = [f"{shown:g} / {possible:g} {what}"]
    if hidden_count:
        head.append(
            f"{hidden_count} hidden check(s) worth {hidden_points:g} points "
            f"{_WHEN.get(hidden_visibility, 'are shown later')}."
        )
    return clip("\n".join(head + lines), MAX_SUMMARY_OUTPUT)


def convert(
    result: SubmissionResult, *, hidden_visibility: str = DEFAULT_HIDDEN_VISIBILITY
) -> dict[str, Any]:
    if hidden_visibility not in VISIBILITIES:
        raise ValueError(
            f"unknown Gradescope visibility {hidden_visibility!r}: use {', '.join(VISIBILITIES)}"
        )
    result = clean_result(result)
    tests: list[dict[str, Any]] = []
    if not result.gradable:
        tests.append(
            {
                "name": UNGRADABLE_TEST,
                "score": 0.0,
                "max_score": float(result.max_score),
                "status": "failed",
                "output": clip(result.message, MAX_TEST_OUTPUT),
                "visibility": "visible",
            }
        )
    else:
        for item in considered(result):
            for check in counted(item):
                public = check.visibility == "public"
                output = student_feedback(check, item)
                if not public:
                    output = "\n".join(x for x in (output, "(hidden check)") if x)
                tests.append(
                    {
                        "name": test_name(item.id, check.name, check.visibility),
                        "score": float(check.points),
                        "max_score": float(check.max_points),
                        "status": "passed" if check.passed else "failed",
                        "output": clip(output, MAX_TEST_OUTPUT),
                        "visibility": "visible" if public else hidden_visibility,
                    }
                )
    data = {
        "score": float(result.score),
        "execution_time": round(float(result.timing.get("seconds", 0.0))),
        "output": _summary(result, hidden_visibility),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {
            "submission": result.submission,
            "max_score": float(result.max_score),
            "gradable": result.gradable,
            "device": result.device,
            "hidden_visibility": hidden_visibility,
            "protections": protections(result),
        },
        "tests": tests,
    }
    return fit(data)


def fit(data: dict[str, Any], limit: int = MAX_FILE_BYTES) -> dict[str, Any]:
    """Cut the tests' outputs (longest first, halving) until the file is under ``limit`` bytes."""
    budget = MAX_TEST_OUTPUT
    while len(json.dumps(data).encode()) > limit and budget > 64:
        budget //= 2
        for test in data["tests"]:
            test["output"] = clip(test["output"], budget)
    return data


def write(
    path: str, result: SubmissionResult, *, hidden_visibility: str = DEFAULT_HIDDEN_VISIBILITY
) -> None:
    write_text(
        path, json.dumps(convert(result, hidden_visibility=hidden_visibility), indent=2) + "\n"
    )
