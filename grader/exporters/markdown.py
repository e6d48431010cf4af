"""Per-student feedback in Markdown: the points per item; for failing public checks what was tried
and what PyTorch gives (the counterexample); hidden checks only by name, pass/fail and points."""

from __future__ import annotations

import os
from collections.abc import Sequence

from grader.exporters import considered, counted, per_student_paths, write_text
from grader.results import GRADED, SubmissionResult


def _fence(text: str) -> str:
    longest = max((len(run) for run in text.split("\n") if set(run) == {"`"}), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text.rstrip()}\n{fence}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(result: SubmissionResult) -> str:
    lines = [f"# Feedback for {result.submission}", ""]
    lines.append(f"**Score: {result.score:g} / {result.max_score:g} points**")
    lines.append("")
    if not result.gradable:
        lines += [
            "**This submission could not be graded:** " + result.message,
            "",
            "Nothing was counted against you: fix the problem above and submit again.",
            "",
        ]
    items = considered(result)
    if items:
        lines += ["| item | points | status |", "|---|---:|---|"]
        for item in items:
            lines.append(
                f"| `{item.id}` | {item.score:g} / {item.max_score:g} | {_cell(item.status)} |"
            )
        lines.append("")
    for item in items:
        lines += [f"## {item.id}: {item.score:g} / {item.max_score:g}", ""]
        if item.status != GRADED and item.message:
            lines += [f"_{item.status}_: {item.message}", ""]
            continue
        for check in counted(item):
            mark = "✅" if check.passed else "❌"
            points = f"{check.points:g} / {check.max_points:g}"
            if check.visibility == "hidden":
                lines.append(f"- {mark} `{check.name}` (hidden check): {points}")
                continue
            lines.append(f"- {mark} `{check.name}`: {points}")
            if not check.passed and check.feedback:
                lines += ["", _fence(check.feedback), ""]
        lines.append("")
    lines.append(
        "Hidden checks show only whether they passed; run `make check` to see the public checks' "
        "examples on your own machine."
    )
    return "\n".join(lines).rstrip() + "\n"


def write_dir(directory: str, results: Sequence[SubmissionResult]) -> list[str]:
    """``directory/<student>.md`` for each result; returns the paths."""
    paths = per_student_paths(directory, results, ".md")
    for result, path in zip(results, paths):
        write_text(path, render(result))
    return [os.fspath(p) for p in paths]
