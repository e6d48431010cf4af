"""Shrinking within a budget, and starting a check over: the wrapper around every check's body.

After a check first fails, hypothesis may run it SHRINK_BUDGET more times while shrinking the
counterexample. Shrinking is cut there (deterministically: a count, never a clock) and the last
failing example found is reported: a failing check costs tens of probe calls, not thousands.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from grader import errors, replay

SHRINK_BUDGET = 60


class StopShrinking(BaseException):
    """Raised inside hypothesis to end shrinking; a BaseException so hypothesis lets it through."""

    def __init__(self, failure: errors.GradingFailure) -> None:
        super().__init__(str(failure))
        self.failure = failure


class StartOver(BaseException):
    """Raised inside hypothesis at a check's first failure when its process had run other checks
    before it: the check is then run again, from the start, in a new process (see
    ``pytest_pyfunc_call``). A BaseException so hypothesis lets it through."""


class Budget:
    """Per running check: the last failure seen and how many runs came after the first."""

    def __init__(self, limit: int, *, start_over: bool = False) -> None:
        self.limit = limit
        self.failure: errors.GradingFailure | None = None
        self.runs_after_failure = 0
        self.start_over = start_over
        """At the first failure, raise StartOver instead of shrinking here."""
        self.inherited: Callable[[], bool] = lambda: False
        """Asked at the first failure too: whether the check ran in a process that served an
        earlier phase (the transport's ``inherited``), which is not a fresh one either."""


class RunningCheck:
    """The check running now: its shrink budget and its replay recorder. One per process, set by
    the plugin when a check begins and read by the wrapper around the check's body."""

    def __init__(self) -> None:
        self.budget: Budget | None = None
        self.recorder: replay.Recorder | None = None


RUNNING = RunningCheck()


def budgeted(inner: Callable[..., Any]) -> Callable[..., Any]:
    """``inner`` (a check's body as hypothesis calls it) recording its examples and keeping to the
    shrink budget of the check running now."""

    def run(*args: Any, **kwargs: Any) -> Any:
        if RUNNING.recorder is not None:
            RUNNING.recorder.record(args, kwargs)
        budget = RUNNING.budget
        if budget is not None and budget.failure is not None:
            budget.runs_after_failure += 1
            if budget.runs_after_failure > budget.limit:
                raise StopShrinking(budget.failure)
        try:
            return inner(*args, **kwargs)
        except errors.GradingFailure as failure:
            if failure.terminal:
                raise StopShrinking(failure) from None  # other inputs cannot change the outcome
            if budget is not None and (budget.start_over or budget.inherited()):
                raise StartOver() from None
            if budget is not None:
                budget.failure = (
                    failure  # shrinking only tries smaller inputs: the last is the best
                )
            raise

    run._grader_budgeted = True  # type: ignore[attr-defined]
    run._grader_inner = inner  # type: ignore[attr-defined]
    return run


def budget_body(test: Callable[..., Any]) -> None:
    """Run a ``@given`` check's body through ``budgeted`` from now on (once; a check without
    hypothesis has no body to wrap)."""
    handle = getattr(test, "hypothesis", None)
    if handle is not None and not getattr(handle.inner_test, "_grader_budgeted", False):
        handle.inner_test = budgeted(handle.inner_test)


def budgeted_body(test: Callable[..., Any]) -> Callable[..., Any] | None:
    """The check's own body under ``budgeted`` (what a replay calls), or None when it is not
    wrapped (a check without hypothesis)."""
    inner = getattr(getattr(test, "hypothesis", None), "inner_test", None)
    return getattr(inner, "_grader_inner", None)
