"""Making nbgrader submissions from the released notebooks (for tests, benchmarks and demos).

``answered(released, answers)`` is a released notebook with its solution cells (by grade_id)
replaced by the given code, as a student would hand it in; ``solution_answers(source)`` takes the
answers from a source notebook (the reference solutions); ``hand_in`` puts notebooks where
``nbgrader collect`` would: ``submitted/<student>/<assignment>/<notebook>.ipynb`` with a timestamp.
"""

from __future__ import annotations

import copy
import json
import os

TIMESTAMP = "2026-01-01 12:00:00.000000 UTC"


def load(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return source if isinstance(source, str) else "".join(source)


def _grade_id(cell: dict) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def solution_answers(source_notebook: dict) -> dict[str, str]:
    """{grade_id: code} of every solution cell, with the solution markers' lines removed."""
    answers = {}
    for cell in source_notebook["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] == "code" and meta.get("solution"):
            lines = _source(cell).splitlines(keepends=True)
            kept = [
                line
                for line in lines
                if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")
            ]
            answers[meta["grade_id"]] = "".join(kept)
    return answers


def solution_cell_ids(notebook: dict) -> list[str]:
    return [
        _grade_id(cell)
        for cell in notebook["cells"]
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution")
    ]


def answered(released: dict, answers: dict[str, str]) -> dict:
    """The released notebook with the given solution cells answered (others left as stubs)."""
    notebook = copy.deepcopy(released)
    for cell in notebook["cells"]:
        grade_id = _grade_id(cell)
        if grade_id in answers and cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            cell["source"] = answers[grade_id]
    return notebook


def hand_in(course_dir: str, assignment: str, student: str, notebooks: dict[str, dict]) -> str:
    """Write ``submitted/<student>/<assignment>/<name>.ipynb`` for each notebook; the folder."""
    folder = os.path.join(course_dir, "submitted", student, assignment)
    os.makedirs(folder, exist_ok=True)
    for name, notebook in notebooks.items():
        with open(os.path.join(folder, f"{name}.ipynb"), "w", encoding="utf-8") as f:
            json.dump(notebook, f, indent=1, ensure_ascii=False)
    with open(os.path.join(folder, "timestamp.txt"), "w", encoding="utf-8") as f:
        f.write(TIMESTAMP)
    return folder
