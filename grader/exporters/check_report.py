"""Self-study output for ``python -m grader check``: per item, what passed, and for the first
failing public check the counterexample and a hint; with ``--show-output``, what the learner's own
code printed while each check ran."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from grader.checklist import hidden_checks_sentence
from grader.results import (
    GRADED,
    NOT_ATTEMPTED,
    NOT_GRADED_YET,
    NOT_SELECTED,
    SKIPPED,
    SubmissionResult,
)

OUTPUT_LIMIT = 2000
"""Characters of a check's printed output shown (the last ones)."""


def print_block(console: Console, text: str, *, indent: int, style: str = "") -> None:
    """Print ``text`` indented by ``indent``; a wrapped line keeps its indentation, and the text
    of a "- " or "Hint: " line hangs under its first word."""
    for line in text.splitlines() or [""]:
        stripped = line.lstrip(" ")
        lead = indent + len(line) - len(stripped)
        marker = next((m for m in ("- ", "Hint: ") if stripped.startswith(m)), "")
        grid = Table.grid(padding=0)
        if lead:
            grid.add_column(width=lead, no_wrap=True)
        if marker:
            grid.add_column(width=len(marker), no_wrap=True)
        grid.add_column(ratio=1, overflow="fold")
        cells = [""] * bool(lead) + [marker] * bool(marker) + [stripped[len(marker) :]]
        grid.add_row(*(Text(cell, style=style) for cell in cells))
        console.print(grid)


def print_check_report(
    result: SubmissionResult,
    *,
    seed: int,
    console: Console | None = None,
    hidden: Mapping[str, int] | None = None,
    outputs: Mapping[str, str] | None = None,
) -> None:
    """``hidden``: {item: how many hidden checks also grade it}; ``outputs``: {check name: what
    the learner's code printed while it ran} (``--show-output``), shown under its item."""
    console = console or Console()
    hidden = hidden or {}
    for item in result.exercises:
        if item.status in (NOT_SELECTED, NOT_GRADED_YET):
            continue
        ok = item.max_score > 0 and item.score == item.max_score
        mark = Text("✓ ", style="green") if ok else Text("✗ ", style="red")
        line = mark + Text(f"{item.id}  {item.score:g}/{item.max_score:g}")
        if item.status != GRADED:
            line += Text(f"  ({item.status})", style="yellow")
        if hidden.get(item.id):
            line += Text(f"  ({hidden_checks_sentence(hidden[item.id])})", style="dim")
        console.print(line)
        failing = [c for c in item.checks if not c.passed and c.kind != SKIPPED]
        if item.status == GRADED and failing:
            print_block(console, failing[0].feedback or failing[0].name, indent=4)
        elif item.status not in (GRADED, NOT_ATTEMPTED) and item.message:
            print_block(console, item.message, indent=4)
        for check in item.checks:
            if check.kind == SKIPPED:
                print_block(
                    console,
                    f"– skipped {check.name}: {check.feedback or 'not run here'}",
                    indent=4,
                    style="dim",
                )
        for check in item.checks:
            printed = (outputs or {}).get(check.name, "")
            if printed.strip():
                console.print(Text(f"    your code printed during {check.name}:", style="cyan"))
                print_block(console, printed.rstrip("\n"), indent=6)
    total = f"{result.score:g} / {result.max_score:g} points on the public checks"
    console.print(Text(total, style="bold"))
    console.print(
        Text(
            f"(random examples, seed {seed}: rerun with --seed {seed} to see the same ones)",
            style="dim",
        )
    )


class OutputRecorder:
    """Wraps a spawner (the sandbox's zygote or the portable one) and remembers the children it
    starts, so that what each check's run made the learner's code print can be read back from
    their capture files (``check --show-output``). Pass it to ``runner.grade(..., zygote=...,
    on_check=recorder.on_check)``."""

    def __init__(self, spawner: Any) -> None:
        self.spawner = spawner
        # The children's capture files outlive them until read (on_check).
        spawner.keep_output = True
        self.children: list[list[Any]] = []  # [child, bytes already read]
        self.outputs: dict[str, str] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.spawner, name)

    def start(self) -> OutputRecorder:
        self.spawner.start()
        return self

    def transport(self, source: Any, device: str, spawner: Any = None) -> Any:
        return self.spawner.transport(source, device, spawner or self)

    spawn_ahead = None
    """Every child is spawned through ``spawn`` here, so that each one's output is recorded."""

    def spawn(
        self, device: str, extra_hide: list[str], group: str = "", *, proven: bool = False
    ) -> Any:
        child = self.spawner.spawn(device, extra_hide, group, proven=proven)
        self.children.append([child, 0])
        return child

    def on_check(self, name: str, result: Any) -> None:
        """After each check: what every child wrote since the last check belongs to this one."""
        parts = []
        for entry in self.children:
            before = entry[1]
            text, entry[1] = entry[0].output_since(before, limit=OUTPUT_LIMIT)
            cut = entry[1] - before > len(text.encode("utf-8", "replace"))
            parts.append(("…" if cut else "") + text)
        for entry in [e for e in self.children if not e[0].alive]:
            entry[0].discard_output()  # read for the last time
            self.children.remove(entry)
        text = "".join(parts)
        if len(text) > OUTPUT_LIMIT:
            text = "…" + text[-OUTPUT_LIMIT:]
        if text:
            self.outputs[result.name] = self.outputs.get(result.name, "") + text
