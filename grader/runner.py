"""Grading runs: start the sandbox, run the checks under pytest, collect one result per submission.

The zygote is started before anything imports torch here, so its ``import torch`` overlaps with
the parent's (two cores, two imports, one wait).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from grader import errors
from grader.opener import (  # noqa: F401  (re-exported: how a run opens its transports)
    TRANSPORTS,
    TransportOpener,
    resolve_device,
    sandbox_unavailable,
    start_spawner,
)
from grader.policy import SandboxPolicy
from grader.results import CheckResult, SubmissionResult, build_submission_result
from grader.sources import SubmissionSource

CHECKS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "checks")


@dataclass
class GradeOptions:
    """How to grade (the command line's options, as data)."""

    device: str = "auto"
    """cpu, cuda, or auto."""
    only: list[str] | None = None
    """Item ids or section names to grade; None for all."""
    profile: str = "grade"
    """'grade' (derandomized) or 'check' (fresh random examples)."""
    visibility: str = "all"
    """'all' or 'public'."""
    transport: str = "sandbox"
    """'sandbox' (the Linux sandbox), 'portable' (a plain child process, unprotected: for
    self-study where the sandbox does not exist) or 'in-process' (unprotected: runs student code
    in this process)."""
    seed: int = 0
    """Base seed for the 'check' profile."""
    policy: SandboxPolicy = field(default_factory=SandboxPolicy)
    """Containment layers and limits."""
    replay: bool = True
    """Replay a check's recorded examples for the next submission (grader/replay.py); the
    results are the same either way, False only draws every example afresh (slower)."""


# A class is graded in pytest sessions of at most this many submission slots: the checks are
# collected once per session (slots x checks items), and a session ends early once the feed is dry.
SLOTS_PER_SESSION = 64


def grade(
    submissions: list[SubmissionSource],
    options: GradeOptions,
    *,
    on_result: Callable[[SubmissionResult], None] | None = None,
    on_check: Callable[[str, CheckResult], None] | None = None,
    zygote: Any = None,
) -> list[SubmissionResult]:
    """Grade submissions; one result each, in the given order. Raises GraderError if grading could not run."""
    names = [s.name for s in submissions]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ValueError(f"two submissions share the name(s) {', '.join(sorted(duplicates))}")
    pending = list(submissions)
    pending.reverse()
    by_name: dict[str, SubmissionResult] = {}

    def collect(result: SubmissionResult) -> None:
        by_name[result.submission] = result
        if on_result is not None:
            on_result(result)

    grade_feed(
        lambda: pending.pop() if pending else None,
        options,
        expected=len(submissions),
        on_result=collect,
        on_check=on_check,
        zygote=zygote,
    )
    return [by_name[name] for name in names]


def grade_feed(
    next_submission: Callable[[], SubmissionSource | None],
    options: GradeOptions,
    *,
    expected: int,
    on_result: Callable[[SubmissionResult], None],
    on_check: Callable[[str, CheckResult], None] | None = None,
    zygote: Any = None,
) -> None:
    """Grade submissions as ``next_submission()`` hands them out (None: no more), each one's result
    passed to ``on_result`` as soon as its last check is done. ``expected`` (how many there will be
    at most) sizes the sessions. One zygote and one pytest collection serve many submissions.
    Raises GraderError if grading could not run."""
    own_zygote = zygote is None and options.transport != "in-process"
    if own_zygote:
        # First: its import of torch overlaps with ours below. Warming (importing torch._dynamo for
        # later children) only pays off when there will be later children.
        zygote = start_spawner(options.transport, options.policy, warm=expected > 1)
    try:
        import torch

        # One thread, as in the children: the references are small, the other core belongs to the
        # child (or another worker), and results do not depend on a thread count.
        torch.set_num_threads(1)
        device = resolve_device(options.device)
        opener = TransportOpener(options.transport, device, options.policy, zygote)
        if zygote is not None:
            zygote.ready()
        # Everything imported so far lives as long as the process: keep the collector from walking it
        # again on every collection (torch alone is hundreds of thousands of objects).
        import gc

        import grader.plugin  # noqa: F401  (imported before the freeze, as pytest would)

        gc.freeze()
        grader_errors: list[str] = []
        handed_out = 0
        while True:
            session = _feed_session(
                next_submission,
                slots=max(1, min(expected, SLOTS_PER_SESSION)),
                open_transport=opener,
                device=device,
                profile=options.profile,
                only=options.only,
                visibility=options.visibility,
                seed=options.seed,
                on_result=on_result,
                on_check=on_check,
                replay_examples=options.replay,
                submission_budget=options.policy.submission_timeout,
            )
            _run_checks(session)
            grader_errors.extend(e for e in session.grader_errors if e not in grader_errors)
            handed_out += len(session.bound)
            if session.drained or (session.bound and handed_out >= expected):
                break
            if not session.bound:
                # No check ran at all (nothing selected has checks): every submission still gets
                # a result, with each selected item "not graded yet".
                _finish_unchecked(session, next_submission, device, on_result)
                break
        if grader_errors:
            print(
                f"warning: {len(grader_errors)} grader problem(s), printed above; "
                "the checks they hit are marked 'grader error' in the results",
                file=sys.stderr,
            )
    finally:
        if own_zygote and zygote is not None:
            zygote.close()


def pytest_args(scratch: str) -> list[str]:
    """pytest's command line for running the checks (class runs and the notebook kernel alike)."""
    return [
        CHECKS_DIR,
        "-p",
        "grader.plugin",
        "-c",
        os.path.join(CHECKS_DIR, "pytest.ini"),
        "--rootdir",
        CHECKS_DIR,
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "-p",
        "no:warnings",
        "-p",
        "no:terminal",
        # Per-session and per-check costs the grader does not need: a forced gc.collect() at
        # the end of each session (a big heap with torch loaded), log capture around every
        # phase, assertion rewriting (checks compare with grader.compare), and pytest's own
        # long tracebacks of failing checks (results are built from the exceptions; a class
        # session sets the "value" style, whose option --tb belongs to the terminal plugin).
        "-p",
        "no:unraisableexception",
        "-p",
        "no:threadexception",
        "-p",
        "no:logging",
        "--assert=plain",
        "--capture=no",
        "--import-mode=importlib",
        "--basetemp",
        scratch,
    ]


def _run_checks(session: Any) -> None:
    import pytest

    with tempfile.TemporaryDirectory(prefix="builders-grader-pytest-") as scratch:
        code = pytest.main(pytest_args(scratch), plugins=[session])
    if code not in (0, 1, 5):
        raise errors.GraderError(
            f"the checks could not run (pytest exit code {int(code)}); see the messages above"
        )


def _finish_unchecked(
    session: Any,
    next_submission: Callable[[], SubmissionSource | None],
    device: str,
    on_result: Callable[[SubmissionResult], None],
) -> None:
    while (source := next_submission()) is not None:
        on_result(
            build_submission_result(
                source.name,
                [],
                registered=session.registered,
                selected=session.selected,
                section_problems={
                    s: f.problem or "" for s, f in source.sections.items() if f.text is None
                },
                absent_sections={s for s, f in source.sections.items() if f.absent},
                device=device,
                sandbox={},
                timing={"seconds": 0.0},
                problem=source.problem,
            )
        )


def _feed_session_class() -> type:
    """GradingSession whose submission slots are bound to whatever the feed hands out next."""
    import pytest

    from grader import frameworks
    from grader.session import GradingSession

    class FeedSession(GradingSession):
        def __init__(
            self, feed: Callable[[], SubmissionSource | None], *, slots: int, **kwargs: Any
        ) -> None:
            open_transport = kwargs.pop("open_transport")
            super().__init__([], open_transport, **kwargs)
            self.order = [f"slot-{i}" for i in range(slots)]
            self.feed = feed
            self.bound: dict[str, str] = {}
            self.drained = False

        def pytest_configure(self, config: pytest.Config) -> None:
            super().pytest_configure(config)
            # Results leave as data (grader.verdicts.check_result), never as pytest's text report:
            # what pytest still renders itself (a checks module that fails to import) is the
            # exception's message alone. Failed checks: see pytest_collection_modifyitems.
            config.option.tbstyle = "value"

        @pytest.hookimpl(trylast=True)
        def pytest_collection_modifyitems(self, items: list[Any]) -> None:
            # In any --tb style pytest filters the whole traceback of a failed check before it
            # renders it (~40 ms each, through hypothesis's frames): its one line is all a result
            # is ever built from.
            for item in items:
                frameworks.report_failures_as_one_line(item)

        def bind(self, slot: str) -> str | None:
            """The submission in this slot, taking the next one from the feed on first use."""
            if slot not in self.bound and not self.drained:
                source = self.feed()
                if source is None:
                    self.drained = True
                    return None
                if source.name in self.submissions:
                    raise ValueError(f"two submissions share the name {source.name}")
                self.bound[slot] = source.name
                self.submissions[source.name] = source
                self.check_results[source.name] = []
            return self.bound.get(slot)

        def open(self, name: str) -> Any:
            bound = self.bind(name)
            if bound is None:  # not reached: the protocol hook skips unbound slots
                pytest.skip("no submission left")
            return super().open(bound)

        def finish(self, name: str) -> SubmissionResult:
            return super().finish(self.bound[name])

        def record(self, name: str, result: CheckResult) -> None:
            super().record(self.bound[name], result)

        def note_replayed(self, name: str) -> None:
            super().note_replayed(self.bound[name])

        @pytest.hookimpl(tryfirst=True)
        def pytest_runtest_protocol(self, item: Any, nextitem: Any) -> bool | None:
            callspec = getattr(item, "callspec", None)
            slot = callspec.params.get("submission") if callspec is not None else None
            if slot is not None and self.bind(slot) is None:
                return True  # the feed is dry: the remaining slots' checks do not run
            return None

    return FeedSession


_FEED_SESSION: type | None = None


def _feed_session(feed: Callable[[], SubmissionSource | None], **kwargs: Any) -> Any:
    global _FEED_SESSION
    if _FEED_SESSION is None:
        _FEED_SESSION = _feed_session_class()
    return _FEED_SESSION(feed, **kwargs)
