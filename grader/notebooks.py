"""Notebooks as submissions: read a ``.ipynb`` as JSON text and turn its code cells into a script.

The parent never executes a notebook: it parses the JSON, keeps the code cells in order and writes
them as one script with a marker line before each cell (``# %% [cell 3]``, the notebook's own cell
number, counting every cell from 1). The child splits the script at those markers again and runs
the cells one by one (``grader.probes.load_section``), so a cell that raises costs only what it
defines. IPython syntax is not Python and is never run: line magics (``%time``), cell magics
(``%%timeit``) and shell escapes (``!pip install``) become ``pass`` with a note, and the notes go into
the feedback. nbgrader's autograder-test cells (locked cells worth points, which call the grader
itself) are left out: the grader runs its own checks.

Only the standard library is used: the sandbox child imports this module before it is contained.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from typing import Any

MARKER = re.compile(r"^# %% \[cell (\d+)\]$")
"""The line the parent writes before each cell, and the child splits at."""

MAX_NOTEBOOK_BYTES = 32 << 20
"""A notebook file may be this large (outputs such as images are read and dropped)."""

MAX_CODE_CHARS = 1 << 20
"""The code extracted from a notebook may be this long (like a .py section file)."""

_ASSIGN_ESCAPE = re.compile(r"^\s*[A-Za-z_][\w.]*(\s*,\s*[A-Za-z_][\w.]*)*\s*=\s*[!%]")
_TOP_LEVEL_NAME = re.compile(
    r"^(?:async\s+def|def|class)\s+([A-Za-z_]\w*)|^([A-Za-z_]\w*)\s*(?::[^=]*)?=(?!=)"
)


class NotebookError(ValueError):
    """The file is not a notebook the grader can read; the message says why, for the student."""


@dataclass(frozen=True)
class Cell:
    """One code cell as it will run."""

    number: int
    """Position in the notebook, counting every cell (markdown too) from 1."""
    source: str
    """Python code: the cell's text with IPython-only lines replaced by ``pass``."""
    skipped: tuple[str, ...] = ()
    """The IPython-only lines that were not run, as written."""


@dataclass(frozen=True)
class Notebook:
    """The code of a notebook, ready to run cell by cell."""

    filename: str
    cells: tuple[Cell, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
    """What the student should know: magics and shell escapes not run, test cells left out."""

    def script(self) -> str:
        """The cells as one script with a marker line before each (what the child receives)."""
        parts = []
        for cell in self.cells:
            parts.append(f"# %% [cell {cell.number}]\n")
            text = cell.source if cell.source.endswith("\n") else cell.source + "\n"
            parts.append(text)
        return "".join(parts)


def _text(value: Any, where: str) -> str:
    """A cell's ``source``: a string or a list of strings (nbformat allows both)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(part, str) for part in value):
        return "".join(value)
    raise NotebookError(f"{where}: its source is neither text nor a list of lines")


def _is_test_cell(cell: dict[str, Any]) -> bool:
    """nbgrader's autograder tests: a code cell worth points that is not a solution."""
    meta = cell.get("metadata")
    nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
    return (
        isinstance(nbgrader, dict)
        and nbgrader.get("grade") is True
        and not nbgrader.get("solution", False)
    )


def _escape_markers(line: str) -> str:
    """A cell line that looks like our marker is made harmless (it is a comment either way)."""
    return "#" + line if MARKER.match(line.rstrip("\n")) else line


def strip_ipython(source: str) -> tuple[str, tuple[str, ...]]:
    """(Python code, IPython-only lines not run). Lines inside triple-quoted strings are kept."""
    lines = source.splitlines(keepends=True)
    if _is_python(source):
        # Valid Python has no IPython lines (a line may still start with % inside brackets).
        return "".join(_escape_markers(line) for line in lines), ()
    first = next((line for line in lines if line.strip()), "")
    if first.lstrip().startswith("%%"):
        # A cell magic: the whole cell is for IPython (%%timeit, %%bash, %%writefile, ...).
        return "pass\n", (first.strip(),)
    out: list[str] = []
    skipped: list[str] = []
    in_string: str | None = None
    for line in lines:
        stripped = line.lstrip()
        if in_string is None and (stripped.startswith(("%", "!")) or _ASSIGN_ESCAPE.match(line)):
            indent = line[: len(line) - len(stripped)]
            skipped.append(line.strip())
            out.append(f"{indent}pass  # not run: IPython-only line\n")
            continue
        out.append(_escape_markers(line))
        in_string = _track_strings(line, in_string)
    return "".join(out), tuple(skipped)


def _is_python(source: str) -> bool:
    """Whether the cell parses as Python (parsed only, never compiled or run)."""
    try:
        ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False
    return True


def _track_strings(line: str, in_string: str | None) -> str | None:
    """Whether a triple-quoted string is still open after ``line`` (a rough scan, good enough to
    not mistake a ``%`` at the start of a docstring line for a magic)."""
    i = 0
    while i < len(line):
        if in_string is not None:
            end = line.find(in_string, i)
            if end < 0:
                return in_string
            i = end + 3
            in_string = None
            continue
        char = line[i]
        if char == "#":
            return None
        if line.startswith(('"""', "'''"), i):
            in_string = line[i : i + 3]
            i += 3
            continue
        if char in "\"'":
            end = line.find(char, i + 1)
            while end > 0 and line[end - 1] == "\\":
                end = line.find(char, end + 1)
            if end < 0:
                return None
            i = end + 1
            continue
        i += 1
    return in_string


def parse(text: str, filename: str) -> Notebook:
    """Read a notebook's JSON text. Raises NotebookError with a message a student can act on."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotebookError(
            f"{filename} is not a valid notebook: the JSON is broken at line {exc.lineno}, "
            f"column {exc.colno} ({exc.msg}); open it in Jupyter and save it again"
        ) from None
    except RecursionError:
        raise NotebookError(
            f"{filename} is not a valid notebook: the JSON is nested too deeply"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise NotebookError(f"{filename} is not a notebook: it has no list of cells")
    cells: list[Cell] = []
    notes: list[str] = []
    tests = 0
    size = 0
    for number, cell in enumerate(data["cells"], start=1):
        where = f"{filename}, cell {number}"
        if not isinstance(cell, dict):
            raise NotebookError(f"{where} is not a cell (the notebook is damaged)")
        if cell.get("cell_type") != "code":
            continue
        if _is_test_cell(cell):
            tests += 1
            continue
        source, skipped = strip_ipython(_text(cell.get("source", ""), where))
        size += len(source)
        if size > MAX_CODE_CHARS:
            raise NotebookError(
                f"{filename} holds more than {MAX_CODE_CHARS} characters of code; the limit is "
                f"{MAX_CODE_CHARS}"
            )
        for line in skipped:
            kind = "a shell command" if "!" in line.split("%", 1)[0] else "an IPython magic"
            notes.append(f"cell {number}: `{_clip(line)}` is {kind} and was not run by the grader")
        cells.append(Cell(number, source, skipped))
    if tests:
        notes.append(
            f"{tests} autograder test cell(s) were not run: the grader runs its own checks"
        )
    return Notebook(filename, tuple(cells), tuple(notes))


def _clip(line: str, limit: int = 60) -> str:
    return line if len(line) <= limit else line[: limit - 1] + "…"


# -- the child's side ---------------------------------------------------------------------------


def split_script(script: str) -> list[tuple[int, str]]:
    """[(cell number, code)] from ``Notebook.script()``; code before the first marker is cell 0."""
    cells: list[tuple[int, list[str]]] = []
    for line in script.splitlines(keepends=True):
        found = MARKER.match(line.rstrip("\n"))
        if found:
            cells.append((int(found.group(1)), []))
        else:
            if not cells:
                cells.append((0, []))
            cells[-1][1].append(line)
    return [(number, "".join(lines)) for number, lines in cells]


def defined_names(source: str) -> set[str]:
    """Names a cell defines at its top level (def, class, simple assignment): a rough scan that
    also works on a cell that does not parse."""
    names = set()
    for line in source.splitlines():
        found = _TOP_LEVEL_NAME.match(line)
        if found:
            names.add(found.group(1) or found.group(2))
    return names


def submission_note(submission: Any) -> str | None:
    """One line about how a submission's notebooks were read (None when there is nothing to say):
    how many autograder test cells were left out, and which IPython-only lines were not run."""
    tests = 0
    skipped: list[str] = []
    for section in submission.sections.values():
        for note in getattr(section, "notes", ()):
            found = re.match(r"(\d+) autograder test cell", note)
            if found:
                tests += int(found.group(1))
            else:
                skipped.append(f"{section.filename} {note}")
    if not tests and not skipped:
        return None
    parts = []
    if skipped:
        shown = "; ".join(skipped[:3]) + (
            f"; and {len(skipped) - 3} more" if len(skipped) > 3 else ""
        )
        parts.append(f"{len(skipped)} IPython-only line(s) not run ({shown})")
    if tests:
        parts.append(f"{tests} autograder test cell(s) left out (the grader runs its own checks)")
    return f"note: {submission.name}: " + "; ".join(parts)


def print_notes(submissions: Any, file: Any = None) -> None:
    """Tell what was not run in notebook submissions (after the results table): one line per
    submission, however many notebooks it has (a class of 300 would otherwise get thousands)."""
    import sys

    for submission in submissions:
        line = submission_note(submission)
        if line is not None:
            print(line, file=file or sys.stdout)
