"""Per-student feedback in Markdown: the points per item; for failing public checks what was tried
and what PyTorch gives (the counterexample); hidden checks only by name, pass/fail and points.

Student text never escapes its place: a counterexample sits in a code fence longer than any run
of backticks inside it, and text outside fences has Markdown's and HTML's active characters
escaped."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from grader.exporters.common import clean_result, considered, counted, per_student_paths, write_text
from grader.results import GRADED, SubmissionResult

_ACTIVE = re.compile(r"([\\`*_\[\]<>|&~])")

HOW_TO_CHECK = (
    "Hidden checks show only whether they passed. To see the public checks' examples yourself: "
    "in a notebook, run its public test cells again (each prints what it tried); with the "
    "`.py` files, run `python -m grader check` in the folder that holds them."
)


def _fence(text: str) -> str:
    """A fenced block no line of ``text`` can close: longer than its longest backtick run."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text.rstrip()}\n{fence}"


def _inline(text: str) -> str:
    """Text outside a fence: one line, Markdown's and HTML's active characters escaped."""
    return _ACTIVE.sub(r"\\\1", " ".join(text.split()))


def _cell(text: str) -> str:
    return _inline(text)


def render(result: SubmissionResult) -> str:
    result = clean_result(result)
    lines = [f"# Feedback for {_inline(result.submission)}", ""]
    lines.append(f"**Score: {result.score:g} / {result.max_score:g} points**")
    lines.append("")
    if not result.gradable:
        lines += [
            "**This submission could not be graded:** " + _inline(result.message),
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
            lines += [f"_{item.status}_: {_inline(item.message)}", ""]
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
    lines.append(HOW_TO_CHECK)
    return "\n".join(lines).rstrip() + "\n"


def write_dir(directory: str, results: Sequence[SubmissionResult]) -> list[str]:
    """``directory/<student>.md`` for each result; returns the paths."""
    paths = per_student_paths(directory, results, ".md")
    for result, path in zip(results, paths):
        write_text(path, render(result))
    return [os.fspath(p) for p in paths]
