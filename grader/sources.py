"""Finding what a submission holds: one folder of section files, or a class folder of such folders.

The parent only *reads* these files (as text, never imports them). Uploaded folders are untrusted:
symlinks, hard links and non-regular files are refused (the grader runs as root and would otherwise
read any file a link points to and echo it back in a syntax-error message), sizes are capped, and
every problem becomes a message for that section rather than an exception.

Names are matched without regard to case (``Layers.ipynb`` is the ``layers`` section); a file that
only resembles a section's name (``modules (1).ipynb``, ``Copy of modules.ipynb``) is not graded, but
the messages name it and say what to rename it to. Problems with the *folder* itself, which only the
instructor can fix, raise ``SourceError``: section files beside student folders at the top of a class
folder (is it one submission or a class?), or an nbgrader ``submitted/`` tree whose assignment is
ambiguous.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field

from grader import errors, notebooks
from grader.curriculum import SECTIONS

MAX_SOURCE_BYTES = 1 << 20
EXTENSIONS = (".py", ".ipynb")
_COPY_SUFFIX = re.compile(
    r"(\s*\(\d+\)|[-_ ]+\d+|[-_ ]+copy|\s*-\s*copy(\s*\(\d+\))?)$", re.IGNORECASE
)
_COPY_PREFIX = re.compile(r"^(copy of\s+)", re.IGNORECASE)


class SourceError(ValueError):
    """The folder given cannot be read as a submission or a class; the message says what to fix."""


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
    absent: bool = False
    """No file of this section was found (``problem`` then says so, and what was found instead)."""


@dataclass(frozen=True)
class SubmissionSource:
    """A submission: a name (student folder), where it is, and its sections."""

    name: str
    """Student identifier: the folder name in class mode."""
    root: str
    """The folder (or file) that was graded."""
    sections: dict[str, SectionFile] = field(default_factory=dict)
    """Every curriculum section, present or not."""
    stray: tuple[str, ...] = ()
    """Other files found at the top of the folder (not graded), to name in messages."""

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
        if notes:
            base += ": " + "; ".join(notes)
        if self.stray:
            base += "; " + found_instead(self.stray)
        return base


def found_instead(names: tuple[str, ...] | list[str], limit: int = 8) -> str:
    """What was there instead, with a rename suggestion for names that resemble a section."""
    shown = []
    for name in list(names)[:limit]:
        section = resembles(name)
        shown.append(f"{name} (rename it to {section}{_ext(name)})" if section else name)
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return "found instead: " + ", ".join(shown) + more


def _ext(name: str) -> str:
    return ".ipynb" if name.lower().endswith(".ipynb") else ".py"


def section_of(name: str) -> str | None:
    """The section a file name stands for, ignoring case: ``Layers.ipynb`` -> ``layers``."""
    stem, ext = os.path.splitext(name)
    if ext.lower() in EXTENSIONS and stem.lower() in SECTIONS:
        return stem.lower()
    return None


def resembles(name: str) -> str | None:
    """The section a misnamed upload was probably meant to be (``modules (1).ipynb``), else None."""
    stem, ext = os.path.splitext(name)
    if ext.lower() not in EXTENSIONS or section_of(name):
        return None
    cleaned = _COPY_PREFIX.sub("", _COPY_SUFFIX.sub("", stem.strip())).strip().lower()
    return cleaned if cleaned in SECTIONS else None


def _entries(folder: str) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return []


def section_entries(folder: str) -> dict[str, dict[str, list[str]]]:
    """{section: {".py": [names], ".ipynb": [names]}} of the section files directly in folder,
    matched without regard to case (an exact name first)."""
    found: dict[str, dict[str, list[str]]] = {}
    for entry in _entries(folder):
        section = section_of(entry)
        if section is None:
            continue
        ext = os.path.splitext(entry)[1].lower()
        names = found.setdefault(section, {}).setdefault(ext, [])
        if entry == f"{section}{ext}":
            names.insert(0, entry)
        else:
            names.append(entry)
    return found


def is_single_submission(path: str) -> bool:
    """A folder that directly holds at least one section file (or notebook), any case."""
    return bool(section_entries(path))


def _student_dirs(path: str) -> list[str]:
    return [
        e
        for e in _entries(path)
        if not e.startswith((".", "__"))
        and (os.path.isdir(os.path.join(path, e)) or os.path.islink(os.path.join(path, e)))
    ]


def discover(
    path: str, *, nbgrader_assignment: str | None = None
) -> tuple[str, list[SubmissionSource]]:
    """("single" | "class", submissions). Raises FileNotFoundError if path does not exist, and
    SourceError when the folder's layout is ambiguous (say what to fix).

    ``nbgrader_assignment``: read nbgrader's ``submitted/<student>/<assignment>/`` tree (``path``
    is the course folder or its ``submitted/``). Without it such a tree is still recognised when
    every student folder holds the same one assignment folder."""
    if not os.path.lexists(path):
        raise FileNotFoundError(path)
    if nbgrader_assignment is not None:
        return "class", read_nbgrader_submitted(path, nbgrader_assignment)
    if os.path.isfile(path):
        return "single", [read_file_submission(path)]
    students = _student_dirs(path)
    if is_single_submission(path):
        nested = [s for s in students if is_single_submission(os.path.join(path, s))]
        if nested:
            top = sorted(
                n for names in section_entries(path).values() for ns in names.values() for n in ns
            )
            raise SourceError(
                f"{path} holds both student folders ({', '.join(nested[:5])}"
                f"{', …' if len(nested) > 5 else ''}) and section files at its top "
                f"({', '.join(top)}): is it one submission or a class? Move the stray "
                f"file(s) {', '.join(top)} into a student folder (or out of the class folder) "
                "and grade again"
            )
        return "single", [read_submission(path, name=os.path.basename(os.path.abspath(path)))]
    assignment = detect_nbgrader_assignment(path)
    if assignment is not None:
        return "class", read_nbgrader_submitted(path, assignment)
    if students:
        return "class", [read_student(os.path.join(path, entry), entry) for entry in students]
    return "single", [read_submission(path, name=os.path.basename(os.path.abspath(path)))]


def _submitted_root(path: str) -> str:
    """The course folder's ``submitted/`` if given the course folder, else path itself."""
    candidate = os.path.join(path, "submitted")
    if os.path.isdir(candidate) and not os.path.islink(candidate):
        return candidate
    return path


def detect_nbgrader_assignment(path: str) -> str | None:
    """The assignment of an nbgrader ``submitted/`` tree (or course folder): no student folder
    holds section files itself, and each that holds anything gradable holds it in one subfolder,
    the same name for everyone. None when the folder is not such a tree; SourceError when the
    students' subfolders disagree."""
    root = _submitted_root(path)
    students = _student_dirs(root)
    if not students:
        return None
    names: set[str] = set()
    for student in students:
        folder = os.path.join(root, student)
        if os.path.islink(folder) or is_single_submission(folder):
            return None
        inner = [d for d in _student_dirs(folder) if is_single_submission(os.path.join(folder, d))]
        if len(inner) > 1:
            names.update(inner)
        elif inner:
            names.add(inner[0])
    if not names:
        return None
    if len(names) > 1:
        raise SourceError(
            f"{root} looks like nbgrader's submitted/ folder with several assignments "
            f"({', '.join(sorted(names))}): say which with --nbgrader-submitted ASSIGNMENT"
        )
    return names.pop()


def read_nbgrader_submitted(path: str, assignment: str) -> list[SubmissionSource]:
    """One submission per student of nbgrader's ``submitted/<student>/<assignment>/``."""
    root = _submitted_root(path)
    students = _student_dirs(root)
    if not students:
        raise SourceError(
            f"{root} holds no student folders: give the nbgrader course folder or its submitted/"
        )
    out = []
    for student in students:
        folder = os.path.join(root, student, assignment)
        if os.path.islink(os.path.join(root, student)) or not os.path.lexists(folder):
            problem = f"{student} handed in nothing for {assignment} (no {folder})"
            if os.path.islink(os.path.join(root, student)):
                problem = f"{student} is a symbolic link; submissions must be real folders"
            out.append(
                SubmissionSource(
                    student, folder, {s: SectionFile(s, f"{s}.py", None, problem) for s in SECTIONS}
                )
            )
        else:
            out.append(read_student(folder, student))
    return out


def read_student(path: str, name: str) -> SubmissionSource:
    if os.path.islink(path):
        problem = f"{name} is a symbolic link; submissions must be real folders"
        return SubmissionSource(
            name, path, {s: SectionFile(s, f"{s}.py", None, problem) for s in SECTIONS}
        )
    return read_submission(path, name)


def read_submission(path: str, name: str) -> SubmissionSource:
    entries = section_entries(path)
    used = {n for names in entries.values() for ns in names.values() for n in ns}
    stray = tuple(
        e for e in _entries(path) if e not in used and not e.startswith(".") and e != "__pycache__"
    )
    sections = {section: read_section(path, section, entries, stray) for section in SECTIONS}
    return SubmissionSource(name, path, sections, stray)


def read_file_submission(path: str) -> SubmissionSource:
    """A single file given on the command line: grade just that section."""
    base = os.path.basename(path)
    section = section_of(base)
    sections = {
        s: SectionFile(s, f"{s}.py", None, errors.section_not_found(s), absent=True)
        for s in SECTIONS
    }
    if section is not None and base.lower().endswith(".ipynb"):
        sections[section] = read_notebook_section(path, section, filename=base)
    elif section is not None:
        text, problem = _read_text(path, base, MAX_SOURCE_BYTES)
        sections[section] = SectionFile(section, base, text, problem)
    name = os.path.basename(os.path.dirname(os.path.abspath(path)))
    return SubmissionSource(name, path, sections, () if section else (base,))


def read_section(
    folder: str,
    section: str,
    entries: dict[str, dict[str, list[str]]] | None = None,
    stray: tuple[str, ...] = (),
) -> SectionFile:
    """A section's module, or else its notebook (a module wins when both are there). Names match
    without regard to case; two files differing only in case are refused (which one was meant?)."""
    entries = section_entries(folder) if entries is None else entries
    names = entries.get(section, {})
    for ext in EXTENSIONS:
        found = names.get(ext, [])
        if not found:
            continue
        if len(found) > 1 and found[0] != f"{section}{ext}":
            return SectionFile(
                section,
                found[0],
                None,
                f"{' and '.join(found)} differ only in case: keep one, named {section}{ext}",
            )
        name = found[0]
        path = os.path.join(folder, name)
        if ext == ".ipynb":
            return read_notebook_section(path, section, filename=name)
        text, problem = _read_text(path, name, MAX_SOURCE_BYTES)
        return SectionFile(section, name, text, problem)
    problem = errors.section_not_found(section)
    similar = [name for name in stray if resembles(name) == section]
    if similar:
        problem += f" ({found_instead(similar)})"
    return SectionFile(section, f"{section}.py", None, problem, absent=True)


def read_notebook_section(path: str, section: str, filename: str | None = None) -> SectionFile:
    """A notebook read as JSON text (never executed): its code cells become a script that the
    child runs cell by cell (grader.notebooks)."""
    filename = filename or f"{section}.ipynb"
    text, problem = _read_text(path, filename, notebooks.MAX_NOTEBOOK_BYTES)
    if text is None:
        return SectionFile(section, filename, None, problem)
    return notebook_section(text, section, filename)


def _read_text(path: str, filename: str, limit: int) -> tuple[str | None, str | None]:
    """(text, None), or (None, why not): too large, not a regular file, or not UTF-8."""
    raw, problem = _read_bytes(path, filename, limit)
    if raw is None:
        return None, problem
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return None, f"{filename} is not UTF-8 text (byte {exc.start})"


def notebook_section(text: str, section: str, filename: str | None = None) -> SectionFile:
    """A section from a notebook's JSON text."""
    filename = filename or f"{section}.ipynb"
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
        if info.st_nlink > 1:
            # A hard link can name a file the uploader could not read (the grader runs as root).
            return None, (
                f"{filename} is a hard link ({info.st_nlink} names for one file); submissions "
                "must be plain files: upload a copy"
            )
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
