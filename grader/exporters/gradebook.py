"""Class gradebook CSV: one row per student, identity columns, one column per graded item, the total.

Two layouts:

- ``default`` (spreadsheets, Moodle's "Import grades from CSV"): ``student_id, name, email,
  score, max_score, gradable``, then one column per item (points earned; the header says the
  item's points possible, e.g. ``modules.MLP (4)``), then ``message`` (why a submission is
  ungradable). Items outside ``--only`` or without checks yet get no column.
- ``canvas`` (Canvas's gradebook import): ``Student, ID, SIS User ID, SIS Login ID, Section`` and one
  assignment column holding the total, with Canvas's "Points Possible" row first. Canvas matches
  rows by ID, SIS User ID or SIS Login ID: give a roster to fill them; without one the student id
  (the folder name, nbgrader's student id) goes into SIS Login ID.

``student_id`` is the submission's name (its folder). A roster (``--roster FILE``, CSV) adds the
rest: a ``student_id`` column (also accepted: ``id``, ``student``, ``submission``, ``username``,
``login``) and any of ``name``, ``email``, ``canvas_id``, ``sis_user_id``, ``sis_login_id``,
``section``. Every text cell is cleaned and a cell that would start a formula in a spreadsheet
(``=``, ``+``, ``-``, ``@``, tab, carriage return) gets a leading apostrophe; numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from grader.curriculum import ITEMS
from grader.exporters.common import clean, clean_result, considered, write_text
from grader.results import SubmissionResult

LAYOUTS = ("default", "canvas")
IDENTITY = ("student_id", "name", "email")
FIXED = (*IDENTITY, "score", "max_score", "gradable")
CANVAS_FIXED = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
DEFAULT_ASSIGNMENT = "Builders' Guide"
ROSTER_KEYS = ("student_id", "id", "student", "submission", "username", "login")
ROSTER_FIELDS = ("name", "email", "canvas_id", "sis_user_id", "sis_login_id", "section")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text_cell(value: object) -> str:
    """A text cell a spreadsheet shows as text: cleaned, never starting a formula (OWASP)."""
    text = clean(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def number_cell(value: float) -> str:
    return f"{value:g}"


def read_roster(path: str) -> dict[str, dict[str, str]]:
    """{student_id: {field: value}} from a roster CSV (see the module docstring)."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return {}
    columns = {name.strip().lower(): name for name in rows[0] if name}
    key = next((columns[k] for k in ROSTER_KEYS if k in columns), None)
    if key is None:
        raise ValueError(
            f"{path}: a roster needs a student_id column (or one of {', '.join(ROSTER_KEYS[1:])})"
        )
    roster = {}
    for row in rows:
        student = (row.get(key) or "").strip()
        if student:
            roster[student] = {
                field: (row.get(columns[field]) or "").strip()
                for field in ROSTER_FIELDS
                if field in columns
            }
    return roster


def item_columns(results: Sequence[SubmissionResult]) -> list[tuple[str, float]]:
    """(item id, points possible) for every item graded in any result, in curriculum order."""
    possible: dict[str, float] = {}
    for result in results:
        for item in considered(result):
            possible[item.id] = max(possible.get(item.id, 0.0), item.max_score)
    return [(item.id, possible[item.id]) for item in ITEMS if item.id in possible]


def render(
    results: Sequence[SubmissionResult],
    *,
    layout: str = "default",
    roster: dict[str, dict[str, str]] | None = None,
    assignment: str | None = None,
) -> str:
    if layout not in LAYOUTS:
        raise ValueError(f"unknown CSV layout {layout!r}: use {' or '.join(LAYOUTS)}")
    roster = roster or {}
    results = [clean_result(r) for r in results]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if layout == "canvas":
        _canvas(writer, results, roster, assignment or DEFAULT_ASSIGNMENT)
        return out.getvalue()
    columns = item_columns(results)
    writer.writerow([*FIXED, *(text_cell(f"{i} ({p:g})") for i, p in columns), "message"])
    for result in results:
        who = roster.get(result.submission, {})
        scores = {i.id: i.score for i in result.exercises}
        writer.writerow(
            [
                text_cell(result.submission),
                text_cell(who.get("name", "")),
                text_cell(who.get("email", "")),
                number_cell(result.score),
                number_cell(result.max_score),
                "yes" if result.gradable else "no",
                *(number_cell(scores.get(item, 0.0)) for item, _ in columns),
                text_cell(result.message),
            ]
        )
    return out.getvalue()


def _canvas(
    writer: csv.writer,  # type: ignore[valid-type]
    results: Sequence[SubmissionResult],
    roster: dict[str, dict[str, str]],
    assignment: str,
) -> None:
    possible = max((r.max_score for r in results), default=0.0)
    writer.writerow([*CANVAS_FIXED, text_cell(assignment)])
    writer.writerow(["Points Possible", "", "", "", "", number_cell(possible)])
    for result in results:
        who = roster.get(result.submission, {})
        writer.writerow(
            [
                text_cell(who.get("name", "")),
                text_cell(who.get("canvas_id", "")),
                text_cell(who.get("sis_user_id", "")),
                text_cell(who.get("sis_login_id", "") or result.submission),
                text_cell(who.get("section", "")),
                number_cell(result.score),
            ]
        )


def write(
    path: str,
    results: Sequence[SubmissionResult],
    *,
    layout: str = "default",
    roster: dict[str, dict[str, str]] | None = None,
    assignment: str | None = None,
) -> None:
    write_text(path, render(results, layout=layout, roster=roster, assignment=assignment))
