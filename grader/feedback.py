"""Self-study output for ``python -m grader check``: per item, what passed, and for the first
failing public check the counterexample and a hint."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from grader.results import GRADED, NOT_GRADED_YET, NOT_SELECTED, SubmissionResult


def print_check_report(
    result: SubmissionResult, *, seed: int, console: Console | None = None
) -> None:
    console = console or Console()
    for item in result.exercises:
        if item.status in (NOT_SELECTED, NOT_GRADED_YET):
            continue
        ok = item.max_score > 0 and item.score == item.max_score
        mark = Text("✓ ", style="green") if ok else Text("✗ ", style="red")
        line = mark + Text(f"{item.id}  {item.score:g}/{item.max_score:g}")
        if item.status != GRADED:
            line += Text(f"  ({item.status})", style="yellow")
        console.print(line)
        failing = [c for c in item.checks if not c.passed and c.kind != "skipped"]
        if item.status == GRADED and failing:
            console.print(
                Text(
                    "    " + failing[0].feedback.replace("\n", "\n    "),
                    style="dim" if not failing[0].feedback else "",
                )
            )
        elif item.status not in (GRADED, "not attempted") and item.message:
            console.print(Text("    " + item.message.replace("\n", "\n    ")))
    total = f"{result.score:g} / {result.max_score:g} points on the public checks"
    console.print(Text(total, style="bold"))
    console.print(
        Text(
            f"(random examples, seed {seed}: rerun with --seed {seed} to see the same ones)",
            style="dim",
        )
    )
