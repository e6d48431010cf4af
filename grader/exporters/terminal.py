"""Terminal output: a table of items and points per submission, a summary for a class."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.outcomes import Status
from grader.results import (
    GRADED,
    NOT_GRADED_YET,
    NOT_SELECTED,
    SKIPPED,
    ItemResult,
    SubmissionResult,
)

STATUS_STYLE = {
    Status.GRADED: "",
    Status.NOT_ATTEMPTED: "yellow",
    Status.MISSING: "red",
    Status.UNAVAILABLE: "red",
    Status.NOT_GRADED_YET: "dim",
    Status.NOT_SELECTED: "dim",
    Status.STOPPED: "red",
}


def _points(score: float, max_score: float) -> Text:
    text = f"{score:g} / {max_score:g}"
    if max_score == 0:
        return Text("—", style="dim")
    style = "green" if score == max_score else ("yellow" if score > 0 else "red")
    return Text(text, style=style)


def _protection(result: SubmissionResult) -> str:
    info = result.sandbox
    if not info:
        return ""
    if not info.get("protected", False):
        return f"UNPROTECTED ({info.get('transport', 'in-process')})"
    layers = info.get("layers", {})
    active = [name for name, status in layers.items() if status == "active"]
    weak = [name for name, status in layers.items() if status.startswith(("unavailable", "failed"))]
    text = f"sandbox: {len(active)} layers active"
    if weak:
        text += f"; missing: {', '.join(weak)}"
    return text


def _first_problem(item: ItemResult) -> str:
    """What the problem column says: the first failing check's headline (a public one) or name (a
    hidden one), or why the item was not graded; then any skipped checks with their reason."""
    lines = []
    failing = [c for c in item.checks if not c.passed and c.kind != SKIPPED]
    if item.status == GRADED and failing:
        first = failing[0]
        if first.visibility == "public":
            lines.append(first.feedback.splitlines()[0] if first.feedback else first.name)
        else:
            lines.append(f"hidden check {first.name} failed")
    elif item.status != GRADED:
        message = item.message.splitlines()[0] if item.message else ""
        lines.append(f"{item.status}: {message}" if message else item.status)
    for check in item.checks:
        if check.kind == SKIPPED:
            lines.append(f"skipped {check.name}: {check.feedback or 'not run'}")
    return "\n".join(lines)


def submission_table(result: SubmissionResult, *, show_checks: bool = False) -> Table:
    """One row per item: its id (never cut), points, and the first problem (folded to fit the
    terminal: 80 columns are enough). With ``show_checks`` one more row per check."""
    shown = [i for i in result.exercises if i.status not in (NOT_SELECTED, NOT_GRADED_YET)]
    table = Table(
        title=f"{result.submission}: {result.score:g} / {result.max_score:g} points",
        caption=_protection(result),
        box=box.SIMPLE_HEAVY,
        title_justify="left",
        caption_justify="left",
    )
    widest = max([len(i.id) for i in shown] + [len("item")])
    table.add_column("item", no_wrap=True, min_width=widest)
    table.add_column("points", justify="right", no_wrap=True)
    table.add_column("first problem", overflow="fold", ratio=1)
    not_yet: dict[str, int] = {}
    for item in result.exercises:
        if item.status == NOT_GRADED_YET:
            section = item.id.split(".", 1)[0]
            not_yet[section] = not_yet.get(section, 0) + 1
    for item in result.exercises:
        if item.status == NOT_SELECTED:
            continue
        if item.status == NOT_GRADED_YET:
            section = item.id.split(".", 1)[0]
            count = not_yet.pop(section, 0)
            if count:  # one row per section whose checks are not written yet
                table.add_row(
                    f"{section}.*",
                    _points(0, 0),
                    Text(f"{NOT_GRADED_YET} ({count} items)", style="dim"),
                )
            continue
        problem = _first_problem(item)
        table.add_row(
            item.id,
            _points(item.score, item.max_score),
            Text(problem, style=STATUS_STYLE.get(item.status, "")),
        )
        if show_checks:
            for c in item.checks:
                mark = "✓" if c.passed else ("–" if c.kind == SKIPPED else "✗")
                table.add_row(
                    Text(f"  {mark} {c.kind}", style="dim"),
                    _points(c.points, c.max_points),
                    Text(f"{c.name} ({c.visibility})", style="dim"),
                )
    return table


def class_table(results: Sequence[SubmissionResult]) -> Table:
    table = Table(title="class summary", box=box.SIMPLE_HEAVY, title_justify="left")
    table.add_column("submission")
    table.add_column("points", justify="right")
    table.add_column("note", overflow="fold", max_width=70)
    for result in results:
        note = "" if result.gradable else f"ungradable: {result.message}"
        table.add_row(result.submission, _points(result.score, result.max_score), note)
    return table


def print_results(
    results: Sequence[SubmissionResult], *, class_mode: bool, console: Console | None = None
) -> None:
    console = console or Console()
    if class_mode:
        console.print(class_table(results))
        return
    for result in results:
        console.print(submission_table(result))
        if not result.gradable:
            console.print(Text(f"ungradable: {result.message}", style="red"))


class ClassProgress:
    """Progress of a class run: a bar on a terminal, one plain line per submission otherwise
    (CI logs, files, pipes). Use as a context manager; call ``update`` as each result arrives."""

    def __init__(self, total: int, *, console: Console | None = None, bar: bool | None = None):
        self.total = total
        self.done = 0
        self.console = console or Console()
        self.bar = self.console.is_terminal if bar is None else bar
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> ClassProgress:
        if self.bar:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("grading"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("eta"),
                TimeRemainingColumn(),
                TextColumn("{task.description}"),
                console=self.console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("", total=self.total)
        return self

    def update(self, result: SubmissionResult, reused: bool = False) -> None:
        self.done += 1
        note = f"{result.score:g} / {result.max_score:g}"
        if not result.gradable:
            note += f" (ungradable: {result.message.splitlines()[0] if result.message else ''})"
        if reused:
            note += " (from the journal)"
        elif "seconds" in result.timing:
            note += f" in {result.timing['seconds']:.1f} s"
        if self._progress is not None:
            self._progress.update(self._task, advance=1, description=f"{result.submission}: {note}")
        else:
            width = len(str(self.total))
            self.console.print(
                f"[{self.done:>{width}}/{self.total}] {result.submission}: {note}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
