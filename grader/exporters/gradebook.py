"""Class gradebook CSV: one row per student, one column per graded item, the total.

Columns: ``submission, score, max_score, gradable``, then one column per item (points earned; the
header says the item's points possible, e.g. ``modules.MLP (4)``), then ``message`` (why a
submission is ungradable). Items outside ``--only`` or without checks yet get no column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from grader.curriculum import ITEMS
from grader.exporters import considered, write_text
from grader.results import SubmissionResult

FIXED = ("submission", "score", "max_score", "gradable")


def item_columns(results: Sequence[SubmissionResult]) -> list[tuple[str, float]]:
    """(item id, points possible) for every item graded in any result, in curriculum order."""
    possible: dict[str, float] = {}
    for result in results:
        for item in considered(result):
            possible[item.id] = max(possible.get(item.id, 0.0), item.max_score)
    return [(item.id, possible[item.id]) for item in ITEMS if item.id in possible]


def render(results: Sequence[SubmissionResult]) -> str:
    columns = item_columns(results)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*FIXED, *(f"{item} ({points:g})" for item, points in columns), "message"])
    for result in results:
        scores = {i.id: i.score for i in result.exercises}
        writer.writerow(
            [
                result.submission,
                f"{result.score:g}",
                f"{result.max_score:g}",
                "yes" if result.gradable else "no",
                *(f"{scores.get(item, 0.0):g}" for item, _ in columns),
                result.message,
            ]
        )
    return out.getvalue()


def write(path: str, results: Sequence[SubmissionResult]) -> None:
    write_text(path, render(results))
