"""PrairieLearn's external-grader results (``/grade/results/results.json``) for one submission.

``gradable`` (false when nothing could be graded: PrairieLearn then awards and deducts nothing and
does not count the attempt; the reason is in ``format_errors``), ``score`` in [0, 1], ``message``,
``output`` and ``tests[]`` with ``name``, ``description``, ``points``, ``max_points``, ``message`` and
``output``. Hidden checks give only their name and points. Text is cleaned and each test's output
cut to ``MAX_TEST_OUTPUT`` characters.
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
from grader.results import SubmissionResult

MAX_TEST_OUTPUT = 4000


def convert(result: SubmissionResult) -> dict[str, Any]:
    result = clean_result(result)
    if not result.gradable:
        return {
            "gradable": False,
            "score": 0.0,
            "format_errors": [result.message],
            "message": f"This submission could not be graded: {result.message}",
            "tests": [],
            "protections": protections(result),
        }
    tests = []
    for item in considered(result):
        for check in counted(item):
            public = check.visibility == "public"
            feedback = student_feedback(check, item)
            tests.append(
                {
                    "name": f"{item.id}: {check.name}",
                    "description": f"{humanize(check.name)} ({check.visibility} check)",
                    "points": float(check.points),
                    "max_points": float(check.max_points),
                    "message": "passed"
                    if check.passed
                    else clip((feedback.splitlines() or ["failed"])[0], 500),
                    "output": clip(feedback, MAX_TEST_OUTPUT)
                    if public
                    else ("hidden check" if not check.passed else ""),
                }
            )
    fraction = result.score / result.max_score if result.max_score > 0 else 0.0
    return {
        "gradable": True,
        "score": round(min(1.0, max(0.0, fraction)), 6),
        "message": f"{result.score:g} / {result.max_score:g} points",
        "output": "\n".join(
            f"{i.id}: {i.score:g} / {i.max_score:g} ({i.status})" for i in considered(result)
        ),
        "tests": tests,
        "protections": protections(result),
    }


def write(path: str, result: SubmissionResult, **_: Any) -> None:
    write_text(path, json.dumps(convert(result), indent=2) + "\n")
