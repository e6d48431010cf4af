"""The secure path: ``python -m grader nbgrader autograde ASSIGNMENT`` in an nbgrader course folder.

nbgrader's own ``Autograde`` converter does everything it always does — creates the students and
the submission in the gradebook, copies ``submitted/`` to ``autograded/``, clears outputs, puts the
master version of every locked cell back (hidden tests included), checks the cell metadata, saves
the scores (``SaveAutoGrades``), applies late penalties — with one preprocessor swapped: instead of
``Execute`` (which runs the notebook, student code and tests together, in one kernel)
``SandboxGrades`` grades the notebook with the grader's engine, out of process in the sandbox
child, and writes each check's outcome into its test cell as nbgrader expects it (no output: full
points; an error output carrying the feedback: zero). The grade is decided in this process, which
never runs student code; the test cells themselves are not run. Formgrader, ``nbgrader
generate_feedback`` and ``nbgrader export`` then work on the gradebook and ``autograded/`` as usual.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from grader import curriculum
from grader.results import SKIPPED, CheckResult

CALL = re.compile(r'grade_check\(\s*"([^"]+)"\s*,\s*"([^"]+)"')
"""How a test cell names its item and check (see release.test_cell_source)."""


@dataclass
class Engine:
    """The grader's side: one zygote for the whole run, one grading per notebook."""

    options: Any
    zygote: Any = None
    course_dir: str = "."
    graded: int = 0
    notes: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)

    def grade(
        self, student: str, assignment: str, section: str, notebook_json: str
    ) -> dict[str, CheckResult]:
        """{check name: result} for one notebook, graded in the sandbox (like ``grade``)."""
        from dataclasses import replace

        from grader import runner, sources

        file = sources.notebook_section(notebook_json, section)
        sections = {
            s: file
            if s == section
            else sources.SectionFile(s, f"{s}.ipynb", None, f"{s}.ipynb is another notebook")
            for s in curriculum.SECTIONS
        }
        # The student's folder under submitted/ is what the sandbox hides from the child.
        root = os.path.join(self.course_dir, "submitted", student, assignment)
        submission = sources.SubmissionSource(student, root, sections)
        options = replace(self.options, only=[section])
        (result,) = runner.grade([submission], options, zygote=self.zygote)
        self.graded += 1
        self.notes[(student, section)] = file.notes
        found: dict[str, CheckResult] = {}
        for item in result.exercises:
            for check in item.checks:
                found[check.name] = check
        return found


ENGINE: Engine | None = None


def _preprocessor_class() -> type:
    """Built on first use: nbgrader is an optional extra."""
    import nbformat
    from nbgrader import utils
    from nbgrader.preprocessors import NbGraderPreprocessor

    class SandboxGrades(NbGraderPreprocessor):
        """Replaces nbgrader's Execute: grade in the sandbox, write the outcomes into the cells."""

        def preprocess(self, nb: Any, resources: dict) -> tuple[Any, dict]:
            assert ENGINE is not None, "SandboxGrades runs only under grader.nbgrader.autograde"
            info = resources["nbgrader"]
            section, student = info["notebook"], info["student"]
            tests = [
                cell
                for cell in nb.cells
                if cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)
            ]
            results: dict[str, CheckResult] = {}
            unknown = section not in curriculum.SECTIONS
            if tests and not unknown:  # a notebook without test cells has nothing to grade
                results = ENGINE.grade(student, info["assignment"], section, nbformat.writes(nb))
            for cell in tests:
                cell.outputs = _outputs(cell.source, results, unknown, section)
            _attach_notes(nb, ENGINE.notes.get((student, section), ()))
            return nb, resources

    return SandboxGrades


def _outputs(source: str, results: dict[str, CheckResult], unknown: bool, section: str) -> list:
    from nbformat.v4 import new_output

    found = CALL.search(source)
    if unknown:
        return [_error(f"{section}.ipynb is not a section of this course; nothing was graded")]
    if found is None:
        return [_error("this test cell names no grader check; it was not graded")]
    item, name = found.groups()
    result = results.get(name)
    if result is None:
        return [_error(f"the grader has no check {name} for {item}; it was not graded")]
    if result.kind == SKIPPED:
        return [new_output("stream", name="stdout", text=f"skipped: {result.feedback}\n")]
    if not result.passed:
        return [_error(result.feedback or f"{name} failed")]
    points = f"{result.points:g} point{'s' if result.points != 1 else ''}"
    return [new_output("stream", name="stdout", text=f"passed ({points})\n")]


def _error(feedback: str) -> Any:
    from nbformat.v4 import new_output

    return new_output(
        "error", ename="CheckFailed", evalue=feedback, traceback=["CheckFailed: " + feedback]
    )


def _attach_notes(nb: Any, notes: tuple[str, ...]) -> None:
    """A note about a cell (an IPython line not run) goes under that cell, as stdout."""
    from nbformat.v4 import new_output

    by_cell: dict[int, list[str]] = {}
    for note in notes:
        found = re.match(r"cell (\d+): (.*)", note)
        if found:
            by_cell.setdefault(int(found.group(1)), []).append(found.group(2))
    for number, lines in by_cell.items():
        if 1 <= number <= len(nb.cells) and nb.cells[number - 1].cell_type == "code":
            cell = nb.cells[number - 1]
            text = "".join(f"grader: {line}\n" for line in lines)
            cell.outputs = [
                *cell.get("outputs", []),
                new_output("stream", name="stdout", text=text),
            ]


def autograde(
    assignment: str,
    *,
    course_dir: str = ".",
    students: list[str] | None = None,
    force: bool = False,
    options: Any = None,
) -> int:
    """Run nbgrader's Autograde with the sandbox in place of Execute. Returns an exit status."""
    global ENGINE
    from nbgrader.apps import AutogradeApp
    from nbgrader.preprocessors import Execute
    from traitlets.config import Config

    from grader.nbgrader.release import tool_environment
    from grader.runner import GradeOptions, resolve_device
    from grader.sandbox.client import Zygote

    options = options or GradeOptions()
    options.device = resolve_device(options.device)
    os.environ["PATH"] = tool_environment()["PATH"]  # nbgrader runs `alembic` as a command
    course_dir = os.path.abspath(course_dir)
    zygote = Zygote(options.policy, warm=True).start() if options.transport == "sandbox" else None
    ENGINE = Engine(options, zygote, course_dir)
    previous = os.getcwd()
    try:
        os.chdir(course_dir)
        app = AutogradeApp()
        argv = [assignment, f"--CourseDirectory.root={course_dir}"]
        if force:
            argv.append("--force")
        if students:
            argv.append(f"--CourseDirectory.student_id={students[0]}")
        app.initialize(argv)
        steps = list(app.config.Autograde.get("autograde_preprocessors", []) or [])
        if not steps:
            from nbgrader.converters import Autograde

            steps = list(Autograde().autograde_preprocessors)
        swapped = [_preprocessor_class() if step is Execute else step for step in steps]
        if swapped == steps:
            raise RuntimeError("nbgrader's Autograde has no Execute step to replace")
        config = Config()
        config.Autograde.autograde_preprocessors = swapped
        app.update_config(config)
        try:
            app.start()
        except SystemExit as exc:
            return int(exc.code or 0)
        return 0
    finally:
        os.chdir(previous)
        ENGINE = None
        if zygote is not None:
            zygote.close()


def main(argv: list[str]) -> int:
    import argparse

    from grader.runner import GradeOptions
    from grader.sandbox.client import SandboxPolicy

    parser = argparse.ArgumentParser(
        prog="python -m grader nbgrader autograde",
        description="grade nbgrader's submitted/ notebooks out of process (sandbox) and write the "
        "scores into nbgrader's gradebook",
    )
    parser.add_argument("assignment", help="the nbgrader assignment id, e.g. builders_guide")
    parser.add_argument("--course-dir", default=".", help="the nbgrader course folder (default .)")
    parser.add_argument("--student", action="append", help="only this student (repeatable)")
    parser.add_argument("--force", action="store_true", help="regrade already autograded ones")
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--timeout", type=float, default=5.0, metavar="SECONDS")
    args = parser.parse_args(argv)
    options = GradeOptions(device=args.device, policy=SandboxPolicy(probe_timeout=args.timeout))
    students = args.student or [None]
    status = 0
    for student in students:
        status = max(
            status,
            autograde(
                args.assignment,
                course_dir=args.course_dir,
                students=[student] if student else None,
                force=args.force,
                options=options,
            ),
        )
    print(
        f"graded {args.assignment} out of process; scores are in "
        f"{os.path.join(os.path.abspath(args.course_dir), 'gradebook.db')}",
        file=sys.stderr,
    )
    return status
