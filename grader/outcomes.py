"""Every item status and every check outcome ("kind") the kit reports, as one enum each.

Results, feedback, the terminal table and every exporter compare these members, never message
text. A member is also its word (``Status.GRADED == "graded"``), so the JSON results and everything
read back from them keep the words they always had.
"""

from __future__ import annotations

from enum import Enum


class _Word(str, Enum):
    """A member that is its word wherever text is made of it (``str()``, f-strings, JSON)."""

    def __str__(self) -> str:
        return str.__str__(self)

    def __format__(self, spec: str) -> str:
        return str.__format__(str.__str__(self), spec)


class Status(_Word):
    """What became of an item for one submission, in the words the table shows."""

    GRADED = "graded"
    NOT_ATTEMPTED = "not attempted"
    """Every check met the stub's NotImplementedError."""
    MISSING = "missing"
    """The section's file is not in the submission."""
    UNAVAILABLE = "could not load"
    """The section's file is there but did not import."""
    NOT_GRADED_YET = "not graded yet"
    NOT_SELECTED = "not selected"
    STOPPED = "stopped"
    """The submission's time or restart budget ran out before this item."""
    UNGRADABLE = "ungradable"
    """A check of it ended in a grader error: the grader's failure, not a zero the student
    earned (``grade`` then exits with EXIT_GRADER_FAILED)."""


class Kind(_Word):
    """Why a check passed, was skipped or failed (``CheckResult.kind``)."""

    PASSED = "passed"
    SKIPPED = "skipped"
    GRADER_ERROR = "grader error"
    """The grader's own failure, never the student's."""
    FAILED = "failed"
    MISMATCH = "mismatch"
    """A result differs from PyTorch's (``compare.Expect``)."""
    SECTION_UNAVAILABLE = "section unavailable"
    MISSING_DEFINITION = "missing definition"
    NOT_ATTEMPTED = "not attempted"
    EXCEPTION = "exception"
    INVALID_RESULT = "invalid result"
    TAMPERED = "tampered"
    TIMEOUT = "timeout"
    CRASH = "crash"
    STOPPED = "stopped"
    PROTOCOL_VIOLATION = "protocol violation"
