"""nbgrader preprocessors that make the course's plain ``nbgrader autograde`` secure by default.

The ``nbgrader_config.py`` that ``make release`` writes (``grader.nbgrader.release.config_block``)
configures nbgrader's own ``Autograde`` converter with these in place of two of its steps, so the
command line and formgrader's "autograde" button (which runs the same converter inside the Jupyter
server) both grade in the sandbox:

- ``KeepStudentOutputs`` instead of ``ClearOutput`` (sanitising): the notebook is never executed,
  so the outputs the student's own run produced stay on their cells; test and locked cells are
  cleared as before (they are restored from the master copy).
- ``SandboxGrades`` instead of ``Execute``: grades the notebook with the grader's engine, out of
  process in the sandbox, and writes each check's outcome into its test cell (no output: full
  points; an error carrying the feedback: zero), which ``SaveAutoGrades`` puts in the gradebook.
  With ``c.SandboxGrades.in_kernel = True`` (the explicit opt-in) it runs nbgrader's ``Execute``
  instead, printing a warning each time.
- ``RecordGradingMode`` after ``SaveAutoGrades``: when the in-kernel opt-in graded a notebook, says
  so in the gradebook's comments of that notebook (formgrader and the feedback show them).

This module imports nbgrader: only the nbgrader extra and the config above reach it.
"""

from __future__ import annotations

from typing import Any

import nbformat
from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Bool, Float, Unicode

from grader import curriculum

IN_KERNEL_WARNING = (
    "graded in the student's kernel (the in-kernel opt-in, c.SandboxGrades.in_kernel = True): "
    "unprotected, a notebook can patch the test cells and award itself points"
)
MODE_KEY = "builders_guide_grading"


def _course_dir(obj: Any) -> str:
    """The nbgrader course folder of the converter this preprocessor works for."""
    import os

    seen = 0
    while obj is not None and seen < 10:
        coursedir = getattr(obj, "coursedir", None)
        if coursedir is not None and getattr(coursedir, "root", None):
            return os.path.abspath(coursedir.root)
        obj = getattr(obj, "parent", None)
        seen += 1
    return os.getcwd()


class KeepStudentOutputs(NbGraderPreprocessor):
    """nbgrader's ClearOutput for the cells that are restored from the master copy (test and
    locked cells) only: the student's own outputs stay on the cells they wrote."""

    def preprocess_cell(self, cell: Any, resources: dict, index: int) -> tuple[Any, dict]:
        if cell.cell_type == "code" and (
            utils.is_grade(cell) or (utils.is_locked(cell) and not utils.is_solution(cell))
        ):
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("collapsed", None)
            cell.metadata.pop("scrolled", None)
        return cell, resources


class SandboxGrades(NbGraderPreprocessor):
    """Replaces nbgrader's Execute: grade in the sandbox, write the outcomes into the test cells."""

    in_kernel = Bool(
        False,
        help="Opt in to running the notebook and its test cells in the student's kernel "
        "(nbgrader's Execute): unprotected; a warning is printed and recorded in the gradebook.",
    ).tag(config=True)
    device = Unicode("cpu", help="cpu, cuda or auto").tag(config=True)
    timeout = Float(5.0, help="seconds one probe may run in the sandbox").tag(config=True)

    def preprocess(self, nb: Any, resources: dict) -> tuple[Any, dict]:
        from grader.nbgrader import autograde

        info = resources["nbgrader"]
        if self.in_kernel:
            self.log.warning("%s/%s: %s", info["student"], info["notebook"], IN_KERNEL_WARNING)
            resources[MODE_KEY] = "in-kernel"
            return Execute(parent=self).preprocess(nb, resources)
        resources[MODE_KEY] = "sandbox"
        engine = autograde.engine(_course_dir(self), device=self.device, timeout=self.timeout)
        section, student = info["notebook"], info["student"]
        tests = [
            cell
            for cell in nb.cells
            if cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)
        ]
        results: dict[str, Any] = {}
        unknown = section not in curriculum.SECTIONS
        if tests and not unknown:  # a notebook without test cells has nothing to grade
            results = engine.grade(student, info["assignment"], section, nbformat.writes(nb))
        for cell in tests:
            cell.outputs = autograde.outputs_for(cell.source, results, unknown, section)
        autograde.attach_notes(nb, engine.notes.get((student, section), ()))
        return nb, resources


class RecordGradingMode(NbGraderPreprocessor):
    """After SaveAutoGrades: a notebook the in-kernel opt-in graded says so in its comments."""

    def preprocess(self, nb: Any, resources: dict) -> tuple[Any, dict]:
        if resources.get(MODE_KEY) != "in-kernel":
            return nb, resources
        info = resources["nbgrader"]
        note = f"Note: {IN_KERNEL_WARNING}."
        with Gradebook(info["db_url"]) as gb:
            notebook = gb.find_submission_notebook(
                info["notebook"], info["assignment"], info["student"]
            )
            for comment in notebook.comments:
                current = comment.auto_comment or ""
                if note not in current:
                    comment.auto_comment = (current + "\n\n" + note).strip()
            gb.db.commit()
        return nb, resources
