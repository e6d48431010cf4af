"""Finding what a submission holds: one folder of section files, or a class folder of such folders.

The parent only *reads* these files (as text, never imports them). Uploaded folders are untrusted:
symlinks and non-regular files are refused (the grader runs as root and would otherwise read any
file a link points to and echo it back in a syntax-error message), sizes are capped, and every
problem becomes a message for that section rather than an exception.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field

from grader import notebooks
from grader.curriculum import SECTIONS

MAX_SOURCE_BYTES = 1 << 20


@dataclass(frozen=True)
class SectionFile:
    """One section of one submission, as found on disk."""

    section: str
    """Section name, e.g. "modules"."""
    filename: str
    """File name shown to the student, e.g. "modules.py"."""
    text: str | None
    """The source, when it could be read."""
    problem: str | None = None
    """Why there is no usable source (missing, too large, not UTF-8, a broken notebook, a link)."""
    notes: tuple[str, ...] = ()
    """What the student should know about how it was read (notebooks: magics not run, ...)."""


@dataclass(frozen=True)
class SubmissionSource:
    """A submission: a name (student folder), where it is, and its sections."""

    name: str
    """Student identifier: the folder name in class mode."""
    root: str
    """The folder (or file) that was graded."""
    sections: dict[str, SectionFile] = field(default_factory=dict)
    """Every curriculum section, present or not."""

    @property
    def found(self) -> list[str]:
        """Sections with readable source."""
        return [s for s, f in self.sections.items() if f.text is not None]

    @property
    def problem(self) -> str | None:
        """Why nothing at all can be graded, if so."""
        if self.found:
            return None
        notes = [
            f.problem for f in self.sections.values() if f.problem and "not found" not in f.problem
        ]
        base = (
            f"no section file ({', '.join(s + '.py' for s in SECTIONS)}, or the same names "
            f"as .ipynb notebooks) found in {self.root}"
        )
        return base + (": " + "; ".join(notes) if notes else "")


def is_single_submission(path: str) -> bool:
    """A folder that directly holds at least one section file (or notebook)."""
    return any(
        os.path.lexists(os.path.join(path, f"{section}{ext}"))
        for section in SECTIONS
        for ext in (".py", ".ipynb")
    )


def discover(path: str) -> tuple[str, list[SubmissionSource]]:
    """("single" | "class", submissions). Raises FileNotFoundError if path does not exist."""
    if not os.path.lexists(path):
        raise FileNotFoundError(path)
    if os.path.isfile(path):
        return "single", [read_file_submission(path)]
    if is_single_submission(path):
        return "single", [read_submission(path, name=os.path.basename(os.path.abspath(path)))]
    students = sorted(
        entry
        for entry in os.listdir(path)
        if not entry.startswith(".") and not entry.startswith("__")
    )
    student_dirs = [
        e
        for e in students
        if os.path.isdir(os.path.join(path, e)) or os.path.islink(os.path.join(path, e))
    ]
    if student_dirs:
        return "class", [read_student(os.path.join(path, entry), entry) for entry in student_dirs]
    return "single", [read_submission(path, name=os.path.basename(os.path.abspath(path)))]


def read_student(path: str, name: str) -> SubmissionSource:
    if os.path.islink(path):
        problem = f"{name} is a symbolic link; submissions must be real folders"
        return SubmissionSource(
            name, path, {s: SectionFile(s, f"{s}.py", None, problem) for s in SECTIONS}
        )
    return read_submission(path, name)


def read_submission(path: str, name: str) -> SubmissionSource:
    return SubmissionSource(
        name, path, {section: read_section(path, section) for section in SECTIONS}
    )


def read_file_submission(path: str) -> SubmissionSource:
    """A single file given on the command line: grade just that section."""
    base = os.path.basename(path)
    section, ext = os.path.splitext(base)
    sections = {
        s: SectionFile(s, f"{s}.py", None, f"{s}.py not found in the submission") for s in SECTIONS
    }
    if section in SECTIONS and ext == ".ipynb":
        sections[section] = read_notebook_section(path, section)
    elif section in SECTIONS and ext == ".py":
        sections[section] = read_section(os.path.dirname(path) or ".", section)
    name = os.path.basename(os.path.dirname(os.path.abspath(path)))
    return SubmissionSource(name, path, sections)


def read_section(folder: str, section: str) -> SectionFile:
    """A section's module, or else its notebook (a module wins when both are there)."""
    filename = f"{section}.py"
    path = os.path.join(folder, filename)
    notebook = os.path.join(folder, f"{section}.ipynb")
    if not os.path.lexists(path):
        if os.path.lexists(notebook):
            return read_notebook_section(notebook, section)
        return SectionFile(section, filename, None, f"{filename} not found in the submission")
    text, problem = _read_text(path, filename, MAX_SOURCE_BYTES)
    return SectionFile(section, filename, text, problem)


def read_notebook_section(path: str, section: str) -> SectionFile:
    """A notebook read as JSON text (never executed): its code cells become a script that the
    child runs cell by cell (grader.notebooks)."""
    filename = f"{section}.ipynb"
    text, problem = _read_text(path, filename, notebooks.MAX_NOTEBOOK_BYTES)
    if text is None:
        return SectionFile(section, filename, None, problem)
    return notebook_section(text, section)


def _read_text(path: str, filename: str, limit: int) -> tuple[str | None, str | None]:
    """(text, None), or (None, why not): too large, not a regular file, or not UTF-8."""
    raw, problem = _read_bytes(path, filename, limit)
    if raw is None:
        return None, problem
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return None, f"{filename} is not UTF-8 text (byte {exc.start})"


def notebook_section(text: str, section: str) -> SectionFile:
    """A section from a notebook's JSON text."""
    filename = f"{section}.ipynb"
    try:
        parsed = notebooks.parse(text, filename)
    except notebooks.NotebookError as exc:
        return SectionFile(section, filename, None, str(exc))
    return SectionFile(section, filename, parsed.script(), None, parsed.notes)


def _read_bytes(path: str, filename: str, limit: int) -> tuple[bytes | None, str | None]:
    """(content, None) or (None, why not): no links, regular files only, at most ``limit`` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        reason = (
            "is a symbolic link" if os.path.islink(path) else f"cannot be read ({exc.strerror})"
        )
        return None, f"{filename} {reason}"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, f"{filename} is not a regular file"
        if info.st_size > limit:
            return None, f"{filename} is {info.st_size} bytes; the limit is {limit}"
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        raw = b"".join(chunks)
    finally:
        os.close(fd)
    if len(raw) > limit:
        return None, f"{filename} is more than {limit} bytes; the limit is {limit}"
    return raw, None
