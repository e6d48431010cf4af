"""Why a check failed, as the parent understands it, and how to say it to a student.

Every failure a check can end in is a ``GradingFailure``. Its ``feedback(public=...)`` is the text a
student reads. For hidden checks nothing that came from the child (exception messages, tracebacks,
exception class names outside a fixed list) is shown: a submission could echo hidden inputs there.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from grader.outcomes import Kind

_CASE: contextvars.ContextVar[str | None] = contextvars.ContextVar("grader_case", default=None)

# Exception names a hidden check may repeat: they cannot carry data chosen by the submission.
SAFE_EXCEPTION_NAMES = frozenset(
    {
        "ArithmeticError",
        "AssertionError",
        "AttributeError",
        "IndexError",
        "KeyError",
        "MemoryError",
        "NameError",
        "NotImplementedError",
        "OverflowError",
        "RecursionError",
        "RuntimeError",
        "StopIteration",
        "TypeError",
        "UnboundLocalError",
        "ValueError",
        "ZeroDivisionError",
        "OSError",
        "FileNotFoundError",
        "ImportError",
        "ModuleNotFoundError",
    }
)

MAX_CHILD_TEXT = 400


def clip(text: str, limit: int = MAX_CHILD_TEXT) -> str:
    """Shorten child-supplied text for display."""
    text = text.replace("\x00", "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


@contextlib.contextmanager
def describe(case: str) -> Iterator[None]:
    """Name the input being checked; failures raised inside carry it into the feedback."""
    token = _CASE.set(case)
    try:
        yield
    finally:
        _CASE.reset(token)


class GradingFailure(Exception):
    """A check failed for a reason the student can act on."""

    kind = Kind.FAILED

    terminal = False
    """If true, trying other inputs cannot change the outcome (not attempted, missing, a timeout or
    a crash): the check ends at once with this failure, so one hang costs one check."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.case = _CASE.get()

    def problem(self, *, public: bool) -> str:
        return str(self)

    def feedback(self, *, public: bool) -> str:
        """The problem's first line (what a table shows), then the input it was found on, then
        the rest of the problem."""
        problem = self.problem(public=public)
        if not self.case:
            return problem
        first, _, rest = problem.partition("\n")
        return f"{first}\n  tried: {self.case}" + (f"\n{rest}" if rest else "")


class SectionUnavailable(GradingFailure):
    """The section file is missing or could not be loaded."""

    kind = Kind.SECTION_UNAVAILABLE
    terminal = True

    def __init__(self, section: str, reason: str, *, detail: str = "") -> None:
        super().__init__(reason)
        self.section = section
        self.reason = reason
        self.detail = detail

    def problem(self, *, public: bool) -> str:
        if public and self.detail:
            return f"{self.reason}\n{clip(self.detail, 1200)}"
        return self.reason


class MissingDefinition(GradingFailure):
    """The section loaded but does not define a required name."""

    kind = Kind.MISSING_DEFINITION
    terminal = True

    def __init__(self, section: str, name: str) -> None:
        super().__init__(f"{section}.py defines no `{name}`")
        self.section = section
        self.name = name


class NotAttempted(GradingFailure):
    """The stub still raises NotImplementedError."""

    kind = Kind.NOT_ATTEMPTED
    terminal = True

    def __init__(self, what: str) -> None:
        super().__init__(f"not attempted: {what} still raises NotImplementedError")
        self.what = what


class StudentCodeError(GradingFailure):
    """The submission's code raised an exception."""

    kind = Kind.EXCEPTION

    def __init__(
        self, what: str, exc_type: str, message: str, trace: str = "", hint: str = ""
    ) -> None:
        super().__init__(f"{what} raised {exc_type}")
        self.what = what
        self.exc_type = exc_type
        self.message = message
        self.trace = trace
        self.hint = hint

    def problem(self, *, public: bool) -> str:
        if not public:
            name = self.exc_type if self.exc_type in SAFE_EXCEPTION_NAMES else "an exception"
            text = f"{self.what} raised {name}"
        else:
            text = f"{self.what} raised {clip(self.exc_type, 80)}"
            if self.message:
                text += f": {clip(self.message)}"
            if self.trace:
                text += f"\n{clip(self.trace, 800)}"
        return f"{text}\nHint: {self.hint}" if self.hint else text


class InvalidResult(GradingFailure):
    """The submission returned something the grader cannot use (wrong type, subclass, huge)."""

    kind = Kind.INVALID_RESULT

    def __init__(self, what: str, message: str) -> None:
        super().__init__(f"{what}: {message}")
        self.what = what
        self.message = message

    def problem(self, *, public: bool) -> str:
        return str(self) if public else f"{self.what} returned something the grader cannot use"


class Tampered(GradingFailure):
    """The submission's code replaced part of PyTorch, Python or the grader in its process: what
    the grader observed after that cannot be trusted, so the check fails (and the process goes)."""

    kind = Kind.TAMPERED
    terminal = True

    def __init__(self, what: str, message: str) -> None:
        super().__init__(f"{what}: {message}; the grader cannot trust what it observes after that")
        self.what = what


class ProbeTimeout(GradingFailure):
    """The submission's code did not finish in time (the child was killed)."""

    kind = Kind.TIMEOUT

    terminal = True

    def __init__(self, what: str, seconds: float) -> None:
        super().__init__(
            f"{what} did not finish within {seconds:g} s and was stopped (an infinite loop, or very slow code?)"
        )


class ChildDied(GradingFailure):
    """The process running the submission died."""

    kind = Kind.CRASH

    terminal = True

    def __init__(
        self, what: str, status: str, output_tail: str = "", *, exit_code: int | None = None
    ) -> None:
        super().__init__(f"the process running your code died while running {what} ({status})")
        self.status = status
        self.output_tail = output_tail
        self.exit_code = exit_code
        """The code it exited with by itself (None when a signal or the grader ended it)."""

    def problem(self, *, public: bool) -> str:
        text = str(self)
        if public and self.output_tail.strip():
            text += f"\nLast output:\n{clip(self.output_tail, 800)}"
        return text


class SubmissionBudgetExhausted(GradingFailure):
    """The submission used up its total time, or crashed too often; the rest is not run."""

    kind = Kind.STOPPED

    terminal = True


class OutOfTime(BaseException):
    """Raised in the grading process by the submission's watchdog when its whole time (the child's
    and the grader's own work on its replies) is used up, wherever the grader then is. A
    BaseException, so that hypothesis lets it through; the check becomes SubmissionBudgetExhausted."""


GRADER_ERROR_KIND = Kind.GRADER_ERROR
"""The kind of every failure that is the grader's, not the student's (results.GRADER_ERROR)."""


class SandboxUnavailable(GradingFailure):
    """No sandboxed process could be started for this submission (or the one started broke honest
    code): the grader's problem, not the student's. Reported as a grader error; the rest of the
    submission is not attempted."""

    kind = GRADER_ERROR_KIND
    terminal = True


class GraderError(Exception):
    """The grader itself could not do its job (not the student's fault)."""


def section_not_found(section: str) -> str:
    """The one wording of a section file the submission does not have (composed here only)."""
    return f"{section}.py not found in the submission"
