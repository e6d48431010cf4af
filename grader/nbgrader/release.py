"""``make release``: an nbgrader course folder generated from ``solutions/`` and ``grader/checks/``.

One source notebook per section: the module docstring and each definition's docstring become
markdown; each definition becomes a code cell (a *solution* cell when it holds ``### BEGIN
SOLUTION`` markers, a locked read-only cell otherwise); after the last definition of an item come
its autograder-test cells, one per check, worth the check's points. A public check's cell calls the
grader visibly; a hidden check's call sits between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN
TESTS``, which ``nbgrader generate_assignment`` removes from what students get and ``nbgrader
autograde`` puts back. The check code itself stays in ``grader/checks`` (never in a notebook).

Everything is derived at run time from what exists: sections without checks yet get notebooks
with no test cells. GPU-only checks are left out unless ``gpu=True`` (a test cell cannot be worth
0 of 0 points on a CPU-only grading machine the way a skipped check is).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import os
import shutil
import subprocess
import sys
import warnings
from dataclasses import dataclass

from grader import curriculum
from grader.nbgrader import tool_environment
from grader.results import Check

SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_ASSIGNMENT = "builders_guide"
COURSE_ID = "builders-guide"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}

# What `make release` wrote before the grader managed a block of its own (replaced as ours).
LEGACY_CONFIG = """\
# nbgrader configuration of the Builders' Guide course (written by `make release`).
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "{course_id}"
# Autograder test cells run the grader's checks in the notebook's kernel (in-process transport).
# The secure path (`python -m grader nbgrader autograde`) grades out of process instead.
c.Execute.timeout = 300
"""
CONFIG_HEADER = """\
# nbgrader configuration of the Builders' Guide course. `make release` keeps your own lines and
# rewrites only the block between the grader's BEGIN and END lines.
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "{course_id}"
"""
BLOCK_BEGIN = (
    "# --- BEGIN builders-guide grader (written by `make release`; edit outside this block) ---"
)
BLOCK_END = "# --- END builders-guide grader ---"
NOTEBOOK_INSTRUCTIONS = (
    "Write your code in the cells marked for you, then run the public test cell under each item: "
    "it runs the grader's public checks on your code and shows what it tried, what PyTorch gives "
    "and what your code gave. The test cells need the course's student package in your kernel "
    "(public checks only; your instructor gives you `builders_guide_student-*.whl`: run "
    "`%pip install builders_guide_student-*.whl` in a cell once). Hidden checks run only when "
    "your work is graded."
)


def config_block() -> str:
    """The grader's block of ``nbgrader_config.py``: plain ``nbgrader autograde`` and formgrader's
    button run nbgrader's own converter with the sandboxed steps (secure by default)."""
    from grader.nbgrader.autograde import secure_preprocessors

    sanitize, grading = secure_preprocessors()

    def listing(name: str, steps: list[str]) -> str:
        return f"c.Autograde.{name} = [\n" + "".join(f'    "{s}",\n' for s in steps) + "]\n"

    return (
        f"{BLOCK_BEGIN}\n"
        "c = get_config()  # noqa: F821\n"
        "# Secure by default: `nbgrader autograde` and formgrader's autograde button grade every\n"
        "# notebook with the grader's sandbox (nbgrader's own converter, the grader's step in place of\n"
        "# Execute): no student code runs in the grading process and no test cell is run, so a\n"
        "# notebook cannot award itself points, and an infinite loop costs one check, not the\n"
        "# submission. Students' own cell outputs are kept (nothing is re-run).\n"
        + listing("sanitize_preprocessors", sanitize)
        + listing("autograde_preprocessors", grading)
        + 'c.SandboxGrades.device = "cpu"  # cpu, cuda or auto\n'
        "c.SandboxGrades.timeout = 5.0  # seconds one probe may run\n"
        "c.Execute.timeout = 300  # only for the in-kernel opt-in below\n"
        "# The in-kernel path (checks run in the student's kernel, where the notebook can patch them)\n"
        "# is an explicit opt-in: put `c.SandboxGrades.in_kernel = True` after this block. Every run\n"
        "# then prints a warning and writes it into the graded notebooks' gradebook comments.\n"
        f"{BLOCK_END}\n"
    )


def write_config(course_dir: str) -> tuple[str, str]:
    """Write or merge ``nbgrader_config.py``; returns (status, message). Never overwrites lines
    it did not write: a new file gets the header and the block; a file with the block gets the
    block replaced; the file ``make release`` used to write is replaced; any other file gets the
    block appended, unless it sets Autograde's steps itself (then it is left alone, and the
    message says what to add)."""
    path = os.path.join(course_dir, "nbgrader_config.py")
    block = config_block()
    if not os.path.exists(path):
        with open(path, "w", encoding="utf-8") as f:
            f.write(CONFIG_HEADER.format(course_id=COURSE_ID) + "\n" + block)
        return "written", f"wrote {path}: plain `nbgrader autograde` grades in the sandbox"
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if text == LEGACY_CONFIG.format(course_id=COURSE_ID):
        with open(path, "w", encoding="utf-8") as f:
            f.write(CONFIG_HEADER.format(course_id=COURSE_ID) + "\n" + block)
        return (
            "replaced",
            f"replaced the nbgrader_config.py an earlier `make release` wrote ({path})",
        )
    if BLOCK_BEGIN in text and BLOCK_END in text:
        head, rest = text.split(BLOCK_BEGIN, 1)
        _, tail = rest.split(BLOCK_END, 1)
        merged = head + block.rstrip("\n") + tail
        if merged != text:
            with open(path, "w", encoding="utf-8") as f:
                f.write(merged)
        return "merged", f"updated the grader's block in {path}; your other lines are kept"
    if "autograde_preprocessors" in text or "sanitize_preprocessors" in text:
        return "left alone", (
            f"left {path} alone: it sets Autograde's steps itself. Plain `nbgrader autograde` is "
            "NOT sandboxed until you add the grader's block (print it with `python -m grader "
            "nbgrader config`); `python -m grader nbgrader autograde` is sandboxed either way"
        )
    with open(path, "a", encoding="utf-8") as f:
        f.write(("" if text.endswith("\n") else "\n") + "\n" + block)
    return "merged", f"appended the grader's block to {path}; your lines are kept"


@dataclass(frozen=True)
class SectionNotebook:
    """A generated source notebook and what its test cells are worth."""

    section: str
    notebook: dict
    checks: tuple[Check, ...]


def registered_checks(section: str, *, gpu: bool = False) -> list[Check]:
    """The checks of a section in file order, read from their ``@check`` markers (none yet: [])."""
    from grader.marker import MARKER, check_spec

    try:
        with warnings.catch_warnings():  # outside a grading run the check marker is unregistered
            warnings.simplefilter("ignore")
            module = importlib.import_module(f"grader.checks.test_{section}")
    except ModuleNotFoundError as exc:
        if exc.name == f"grader.checks.test_{section}":
            return []
        raise
    found: list[Check] = []
    for name, function in vars(module).items():
        if not name.startswith("test_") or not callable(function):
            continue
        marks = [m for m in getattr(function, "pytestmark", []) if m.name == MARKER]
        if not marks:
            continue
        spec = check_spec(function, marks[0])
        if spec.gpu_only and not gpu:
            continue
        found.append(spec)
    return found


def _cell_id(section: str, index: int) -> str:
    return f"{section}-{index:03d}"


def _lines(text: str) -> list[str]:
    """nbformat's list-of-lines form."""
    return text.splitlines(keepends=True)


def _markdown(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": _lines(text)}


def _code(text: str, nbgrader: dict | None = None, *, locked: bool = False) -> dict:
    metadata: dict = {}
    if locked:
        metadata.update({"deletable": False, "editable": False})
    if nbgrader is not None:
        metadata["nbgrader"] = {
            "grade": False,
            "locked": False,
            "schema_version": 3,
            "solution": False,
            "task": False,
            **nbgrader,
        }
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": metadata,
        "outputs": [],
        "source": _lines(text.rstrip("\n")),
    }


def test_cell_source(check: Check) -> str:
    """The code of a check's autograder-test cell (hidden checks: only the header stays visible)."""
    item = curriculum.ITEMS_BY_ID[check.item]
    points = f"{check.points:g} point{'s' if check.points != 1 else ''}"
    call = (
        "from grader.nbgrader.kernel import grade_check\n\n"
        f'grade_check("{check.item}", "{check.name}", globals())\n'
    )
    if check.visibility == "public":
        return f"# Public check of `{item.names[0]}` ({points}): {check.description}\n{call}"
    return (
        f"# Hidden check of `{item.names[0]}` ({points}).\n"
        f"### BEGIN HIDDEN TESTS\n{call}### END HIDDEN TESTS\n"
    )


def _docstring_span(node: ast.AST) -> tuple[int, int] | None:
    body = getattr(node, "body", None)
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        return body[0].lineno, body[0].end_lineno or body[0].lineno
    return None


def _end_line(node: ast.AST, lines: list[str]) -> int:
    """The node's last line, counting the indented comments after its last statement (a
    function's closing ``### END SOLUTION`` comes after its final ``return``)."""
    end = getattr(node, "end_lineno", None) or node.lineno
    column = getattr(node, "col_offset", 0)
    j = end
    while j < len(lines):
        line = lines[j]
        if line.strip() and not (
            line.lstrip().startswith("#") and len(line) - len(line.lstrip()) > column
        ):
            break
        j += 1
        if line.strip():
            end = j
    return end


def _signature(item_names: dict[str, str], name: str) -> str:
    return item_names.get(name, name)


def build_notebook(section: str, source: str, checks: list[Check]) -> dict:
    """The nbgrader source notebook of one section (nbformat 4.5 JSON, deterministic)."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    signatures = {
        name: signature
        for item in curriculum.items_in(section)
        for name, signature in zip(item.names, item.signatures)
    }
    # An item's tests go after the definition of its last name.
    tests_after: dict[str, list[Check]] = {}
    leftover: list[Check] = []
    defined = {
        node.name
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    }
    for check in checks:
        names = curriculum.ITEMS_BY_ID[check.item].names
        last = [n for n in names if n in defined]
        if last:
            order = [
                node.name
                for node in tree.body
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                and node.name in names
            ]
            tests_after.setdefault(order[-1], []).append(check)
        else:
            leftover.append(check)

    cells: list[dict] = []
    doc = ast.get_docstring(tree, clean=True) or section
    # The module text tells .py learners to run `make check`; a notebook learner cannot.
    doc = "\n".join(
        NOTEBOOK_INSTRUCTIONS if "make check" in line else line for line in doc.splitlines()
    )
    title, _, rest = doc.partition("\n")
    cells.append(_markdown(f"# {title.strip().rstrip('.')}\n\n{rest.strip()}\n".rstrip() + "\n"))
    pending: list[str] = []  # top-level statements between definitions
    hidden_counts: dict[str, int] = {}

    def flush() -> None:
        text = "".join(pending).strip("\n")
        pending.clear()
        if text:
            cells.append(
                _code(text, {"grade_id": f"setup_{len(cells)}", "locked": True}, locked=True)
            )

    previous_end = 0
    module_doc = _docstring_span(tree)
    for node in tree.body:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        gap = lines[previous_end : start - 1]
        previous_end = _end_line(node, lines)
        if module_doc and node is tree.body[0]:
            continue
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            pending.extend(gap)
            pending.extend(lines[start - 1 : previous_end])
            continue
        flush()
        comments = "".join(line for line in gap if line.strip().startswith("#"))
        span = _docstring_span(node)
        body = lines[start - 1 : previous_end]
        if span:
            first, last = span[0] - start, span[1] - start
            body = body[:first] + body[last + 1 :]
        docstring = inspect.cleandoc(ast.get_docstring(node, clean=False) or "")
        cells.append(_markdown(f"## `{_signature(signatures, node.name)}`\n\n{docstring}\n"))
        code = comments + "".join(body)
        if "### BEGIN SOLUTION" in code:
            cells.append(_code(code, {"grade_id": node.name, "solution": True}))
        else:
            cells.append(_code(code, {"grade_id": node.name, "locked": True}, locked=True))
        for check in tests_after.get(node.name, []):
            cells.append(_test_cell(check, hidden_counts))
    flush()
    for check in leftover:
        cells.append(_test_cell(check, hidden_counts))
    for index, cell in enumerate(cells):
        cell["id"] = _cell_id(section, index)
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": dict(KERNELSPEC),
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _test_cell(check: Check, hidden_counts: dict[str, int]) -> dict:
    """A public check's cell is named after the check; a hidden one's name says nothing of it."""
    if check.visibility == "public":
        grade_id = check.name
    else:
        name = curriculum.ITEMS_BY_ID[check.item].names[0]
        hidden_counts[name] = hidden_counts.get(name, 0) + 1
        grade_id = f"hidden_{name}_{hidden_counts[name]}"
    return _code(
        test_cell_source(check),
        {"grade": True, "grade_id": grade_id, "locked": True, "points": check.points},
        locked=True,
    )


def section_notebooks(solutions_dir: str, *, gpu: bool = False) -> list[SectionNotebook]:
    """Every section's source notebook, in curriculum order."""
    out = []
    for section in curriculum.SECTIONS:
        path = os.path.join(solutions_dir, f"{section}.py")
        with open(path, encoding="utf-8") as f:
            source = f.read()
        checks = registered_checks(section, gpu=gpu)
        out.append(SectionNotebook(section, build_notebook(section, source, checks), tuple(checks)))
    return out


CONFIG_OUTCOME: list[str] = ["", ""]
"""(status, message) of the last ``write_config`` by ``write_course``."""


def write_course(
    course_dir: str,
    *,
    assignment: str = DEFAULT_ASSIGNMENT,
    solutions_dir: str | None = None,
    gpu: bool = False,
) -> list[SectionNotebook]:
    """Write (or merge) ``nbgrader_config.py`` and ``source/<assignment>/<section>.ipynb`` (not
    released). What happened to the config is in ``CONFIG_OUTCOME``."""
    solutions_dir = solutions_dir or os.path.join(SOURCE_ROOT, "solutions")
    notebooks = section_notebooks(solutions_dir, gpu=gpu)
    course_dir = os.path.abspath(course_dir)
    os.makedirs(course_dir, exist_ok=True)
    CONFIG_OUTCOME[:] = write_config(course_dir)
    source = os.path.join(course_dir, "source", assignment)
    if os.path.isdir(source):
        shutil.rmtree(source)
    os.makedirs(source)
    for entry in notebooks:
        with open(os.path.join(source, f"{entry.section}.ipynb"), "w", encoding="utf-8") as f:
            json.dump(entry.notebook, f, indent=1, ensure_ascii=False)
            f.write("\n")
    return notebooks


def nbgrader(course_dir: str, *args: str, quiet: bool = False) -> subprocess.CompletedProcess:
    """Run the real ``nbgrader`` command (this Python's) in the course folder."""
    return subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course_dir,
        check=True,
        capture_output=quiet,
        text=True,
        env=tool_environment(),
    )


def release(
    course_dir: str,
    *,
    assignment: str = DEFAULT_ASSIGNMENT,
    solutions_dir: str | None = None,
    gpu: bool = False,
    quiet: bool = False,
) -> list[SectionNotebook]:
    """Write the course folder and run ``nbgrader generate_assignment`` on it."""
    notebooks = write_course(
        course_dir, assignment=assignment, solutions_dir=solutions_dir, gpu=gpu
    )
    nbgrader(course_dir, "generate_assignment", assignment, "--force", quiet=quiet)
    return notebooks


def protection_summary(course_dir: str, assignment: str, notebooks: list[SectionNotebook]) -> str:
    """What protects the grade in the course just written, for the instructor to read."""
    status, message = CONFIG_OUTCOME
    secure = status != "left alone"
    hidden = sum(1 for entry in notebooks for c in entry.checks if c.visibility == "hidden")
    lines = [
        "protection summary:",
        f"  nbgrader_config.py: {message}",
        "  `nbgrader autograde` and formgrader's button: "
        + (
            "sandboxed (student code out of process, test cells not run)"
            if secure
            else "NOT sandboxed by this config (see above); `python -m grader nbgrader autograde` is"
        ),
        "  in-kernel grading: opt-in only (c.SandboxGrades.in_kernel = True), warned and recorded",
        f"  released notebooks ({os.path.join(course_dir, 'release', assignment)}): no solution "
        f"code; {hidden} hidden test cells stripped (restored only when grading)",
        "  students' kernels: install the student package, public checks only (`make student`)",
    ]
    return "\n".join(lines)
