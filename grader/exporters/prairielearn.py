"""PrairieLearn's external-grader results (``/grade/results/results.json``) for one submission.

``gradable`` (false when nothing could be graded: PrairieLearn then awards and deducts nothing and
does not count the attempt; the reason is in ``format_errors``), ``score`` in [0, 1], ``message``,
``output`` and ``tests[]`` with ``name``, ``description``, ``points``, ``max_points``, ``message`` and
``output``. Hidden checks give only their name and points.
"""

from __future__ import annotations

import json
from typing import Any

from grader.exporters import considered, counted, protections, student_feedback, write_text
from grader.results import SubmissionResult


def convert(result: SubmissionResult) -> dict[str, Any]:
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
                    "points": float(check.points),
                    "max_points": float(check.max_points),
                    "message": "passed"
                    if check.passed
                    else (feedback.splitlines() or ["failed"])[0],
                    "output": feedback if public else ("hidden check" if not check.passed else ""),
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


def write(path: str, result: SubmissionResult) -> None:
    write_text(path, json.dumps(convert(result), indent=2) + "\n")
