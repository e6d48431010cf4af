"""Grading nbgrader notebooks in the sandbox: what the course's plain ``nbgrader autograde`` (and
formgrader's button) runs by default through ``nbgrader_config.py`` (see
``grader.nbgrader.preprocessors``), and ``python -m grader nbgrader autograde ASSIGNMENT``, which
forces the same steps whatever the config says.

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
    layers: dict[str, str] = field(default_factory=dict)

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
        self.layers = dict((result.sandbox or {}).get("layers", {}) or {})
        self.notes[(student, section)] = file.notes
        found: dict[str, CheckResult] = {}
        for item in result.exercises:
            for check in item.checks:
                found[check.name] = check
        return found


ENGINE: Engine | None = None


def engine(course_dir: str, *, device: str = "cpu", timeout: float = 5.0) -> Engine:
    """The process's engine, started on first use (one zygote for every notebook this process
    grades: a command-line run or a long-lived formgrader server) and closed at exit."""
    global ENGINE
    if ENGINE is None:
        import atexit

        from grader.runner import GradeOptions, resolve_device
        from grader.sandbox.client import SandboxPolicy, Zygote

        options = GradeOptions(
            device=resolve_device(device), policy=SandboxPolicy(probe_timeout=timeout)
        )
        zygote = Zygote(options.policy, warm=True).start()
        ENGINE = Engine(options, zygote, course_dir)
        atexit.register(_close_engine)
    ENGINE.course_dir = course_dir
    return ENGINE


def _close_engine() -> None:
    global ENGINE
    if ENGINE is None:
        return
    if ENGINE.graded:
        print(protection_summary(ENGINE), file=sys.stderr)
    if ENGINE.zygote is not None:
        ENGINE.zygote.close()
    ENGINE = None


def protection_summary(current: Engine) -> str:
    """One line: how many notebooks were graded, and which sandbox layers held them."""
    layers = current.layers or {}
    active = sorted(k for k, v in layers.items() if v == "active")
    missing = sorted(k for k, v in layers.items() if str(v).startswith(("unavailable", "failed")))
    text = (
        f"grader: graded {current.graded} notebook(s) in the sandbox (no student code ran in "
        f"this process, no test cell was run); layers active: {', '.join(active) or 'none'}"
    )
    return text + (f"; not available here: {', '.join(missing)}" if missing else "")


def secure_preprocessors() -> tuple[list[str], list[str]]:
    """(sanitize, autograde) preprocessor lists for nbgrader's Autograde, as import strings:
    nbgrader's own defaults with ClearOutput -> KeepStudentOutputs, Execute -> SandboxGrades, and
    RecordGradingMode after SaveAutoGrades."""
    from nbgrader.converters import Autograde

    def name(step: Any) -> str:
        if isinstance(step, str):
            return step
        module = step.__module__
        for package in ("nbgrader.preprocessors", "nbconvert.preprocessors"):
            if module.startswith(package + "."):
                module = package
        return f"{module}.{step.__name__}"

    ours = "grader.nbgrader.preprocessors"
    defaults = Autograde.class_traits()
    sanitize = [name(s) for s in defaults["sanitize_preprocessors"].default()]
    grading = [name(s) for s in defaults["autograde_preprocessors"].default()]
    needed = {
        "nbgrader.preprocessors.ClearOutput": sanitize,
        "nbgrader.preprocessors.Execute": grading,
        "nbgrader.preprocessors.SaveAutoGrades": grading,
    }
    if any(step not in steps for step, steps in needed.items()):
        raise RuntimeError(
            "this nbgrader's Autograde steps are not the ones the grader replaces "
            f"(sanitize: {sanitize}; autograde: {grading})"
        )
    sanitize = [f"{ours}.KeepStudentOutputs" if s.endswith(".ClearOutput") else s for s in sanitize]
    grading = [f"{ours}.SandboxGrades" if s.endswith(".Execute") else s for s in grading]
    grading.insert(
        grading.index("nbgrader.preprocessors.SaveAutoGrades") + 1, f"{ours}.RecordGradingMode"
    )
    return sanitize, grading


def outputs_for(source: str, results: dict[str, CheckResult], unknown: bool, section: str) -> list:
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


def attach_notes(nb: Any, notes: tuple[str, ...]) -> None:
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
    """Run nbgrader's Autograde with the secure steps, whatever the course's config says (the
    in-kernel opt-in is switched off for this run). Returns an exit status."""
    global ENGINE
    from nbgrader.apps import AutogradeApp
    from traitlets.config import Config

    from grader.nbgrader import tool_environment
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
        sanitize, grading = secure_preprocessors()
        config = Config()
        config.Autograde.sanitize_preprocessors = sanitize
        config.Autograde.autograde_preprocessors = grading
        config.SandboxGrades.in_kernel = False
        app.update_config(config)
        try:
            app.start()
        except SystemExit as exc:
            return int(exc.code or 0)
        return 0
    finally:
        os.chdir(previous)
        if ENGINE is not None and ENGINE.graded:
            print(protection_summary(ENGINE), file=sys.stderr)
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
