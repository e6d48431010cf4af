"""From a check's pytest outcome to its result: passed, skipped, the student's failure, or a
grader error (never a student's zero: it is said loudly, once per problem, on stderr)."""

from __future__ import annotations

import builtins
import sys
import traceback
from typing import Any

import pytest

from grader import errors
from grader.results import GRADER_ERROR, PASSED, SKIPPED, Check, CheckResult
from grader.session import GradingSession
from grader.shrinking import StopShrinking
from grader.submission import Submission

MSG_GRADER_ERROR = (
    "the grader itself failed on this check (not your fault); your instructor has the details"
)


def check_result(
    grading: GradingSession,
    spec: Check,
    call: pytest.CallInfo[None],
    report: pytest.TestReport,
    handle: Submission | None = None,
) -> CheckResult:
    public = spec.visibility == "public"
    if report.passed:
        return CheckResult(
            spec.name, spec.item, True, spec.points, spec.points, spec.visibility, PASSED
        )
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        return CheckResult(
            spec.name,
            spec.item,
            False,
            0.0,
            0.0,
            spec.visibility,
            SKIPPED,
            reason.removeprefix("Skipped: "),
        )
    exc = call.excinfo.value if call.excinfo is not None else None
    failure = grading_failure(exc)
    if failure is None and contains(exc, errors.OutOfTime) and isinstance(handle, Submission):
        failure = handle.out_of_time()
    if failure is not None:
        if failure.kind == GRADER_ERROR:
            note_grader_error(grading, str(failure))
        return CheckResult(
            spec.name,
            spec.item,
            False,
            0.0,
            spec.points,
            spec.visibility,
            failure.kind,
            failure.feedback(public=public),
        )
    detail = short_traceback(exc) if exc is not None else str(report.longrepr)
    note_grader_error(grading, f"{spec.name}: {detail}")
    return CheckResult(
        spec.name,
        spec.item,
        False,
        0.0,
        spec.points,
        spec.visibility,
        GRADER_ERROR,
        MSG_GRADER_ERROR,
    )


def note_grader_error(grading: GradingSession, text: str) -> None:
    """Tell the instructor (stderr) once per distinct problem; the result says it per check."""
    if text not in grading.grader_errors:
        grading.grader_errors.append(text)
        print(f"grader error: {text}", file=sys.stderr)


def short_traceback(exc: BaseException) -> str:
    """The exception with the grader's own frames only (pytest's and pluggy's are noise here)."""
    frames = [
        f
        for f in traceback.extract_tb(exc.__traceback__)
        if "/_pytest/" not in f.filename and "/pluggy/" not in f.filename
    ]
    lines = traceback.format_list(frames[-8:])
    return "".join(lines) + "".join(traceback.format_exception_only(type(exc), exc))


_EXCEPTION_GROUP: Any = getattr(builtins, "BaseExceptionGroup", None)
if _EXCEPTION_GROUP is None:  # Python 3.10: hypothesis depends on the backport
    from exceptiongroup import BaseExceptionGroup as _EXCEPTION_GROUP


def grading_failure(exc: BaseException | None) -> errors.GradingFailure | None:
    """The GradingFailure behind an exception, looking inside hypothesis's exception groups."""
    if isinstance(exc, errors.GradingFailure):
        return exc
    if isinstance(exc, StopShrinking):
        return exc.failure
    if _EXCEPTION_GROUP is not None and isinstance(exc, _EXCEPTION_GROUP):
        for inner in exc.exceptions:
            found = grading_failure(inner)
            if found is not None:
                return found
    cause = getattr(exc, "__cause__", None)
    if isinstance(cause, errors.GradingFailure):
        return cause
    return None


def contains(exc: BaseException | None, kind: type[BaseException]) -> bool:
    """Whether ``exc`` is a ``kind``, or holds one (in an exception group, or as its cause)."""
    if exc is None:
        return False
    if isinstance(exc, kind):
        return True
    if _EXCEPTION_GROUP is not None and isinstance(exc, _EXCEPTION_GROUP):
        return any(contains(inner, kind) for inner in exc.exceptions)
    return contains(exc.__cause__, kind) or contains(exc.__context__, kind)
