"""Gradescope's autograder ``results.json`` for one submission.

Follows Gradescope's autograder specification: top-level ``score`` (it overrides the sum of the
tests), ``execution_time``, ``output``, ``extra_data`` and ``tests[]``, each test with ``name``,
``score``, ``max_score``, ``status`` ("passed"/"failed"), ``output`` and ``visibility``
("visible": a hidden check's test shows only its name, status and points, never its feedback).

Gradescope has no "ungradable" result (an autograder that writes no results.json is reported as
failed, which students read as the course's fault). A submission where nothing could be graded
therefore scores 0 with a top-level ``output`` saying why and what to upload, one failed test named
"submission could not be graded", and ``extra_data.gradable = false`` for staff and scripts.
``extra_data.protections`` records which containment layers were active.
"""

from __future__ import annotations

import json
from typing import Any

from grader.exporters import considered, counted, protections, student_feedback, write_text
from grader.results import SubmissionResult

UNGRADABLE_TEST = "submission could not be graded"


def _summary(result: SubmissionResult) -> str:
    if not result.gradable:
        return (
            f"This submission could not be graded: {result.message}\n"
            "Upload your section files (modules.py, parameters.py, …) at the top level of the "
            "submission and submit again."
        )
    lines = [f"{result.score:g} / {result.max_score:g} points"]
    for item in considered(result):
        note = "" if item.status == "graded" else f" ({item.status})"
        lines.append(f"{item.id}: {item.score:g} / {item.max_score:g}{note}")
    return "\n".join(lines)


def convert(result: SubmissionResult) -> dict[str, Any]:
    tests: list[dict[str, Any]] = []
    if not result.gradable:
        tests.append(
            {
                "name": UNGRADABLE_TEST,
                "score": 0.0,
                "max_score": float(result.max_score),
                "status": "failed",
                "output": result.message,
                "visibility": "visible",
            }
        )
    else:
        for item in considered(result):
            for check in counted(item):
                output = student_feedback(check, item)
                if check.visibility == "hidden":
                    output = "\n".join(x for x in (output, "(hidden check)") if x)
                tests.append(
                    {
                        "name": f"{item.id}: {check.name}",
                        "score": float(check.points),
                        "max_score": float(check.max_points),
                        "status": "passed" if check.passed else "failed",
                        "output": output,
                        "visibility": "visible",
                    }
                )
    return {
        "score": float(result.score),
        "execution_time": round(float(result.timing.get("seconds", 0.0))),
        "output": _summary(result),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "extra_data": {
            "submission": result.submission,
            "max_score": float(result.max_score),
            "gradable": result.gradable,
            "device": result.device,
            "protections": protections(result),
        },
        "tests": tests,
    }


def write(path: str, result: SubmissionResult) -> None:
    write_text(path, json.dumps(convert(result), indent=2) + "\n")
