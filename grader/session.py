"""One grading run's state: the submissions, how to reach them, and what each check found.

The pytest plugin (grader/plugin.py) drives it through its hooks; the runner, the workers and the
notebook kernel build it. It holds no pytest logic of its own beyond being found in the config's
stash (``SESSION_KEY``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from grader import curriculum, errors
from grader.results import Check, CheckResult, SubmissionResult, build_submission_result
from grader.sources import SubmissionSource
from grader.submission import Submission

PROFILES = ("grade", "check")


class GradingSession:
    """State of one grading run: the submissions, how to reach them, and what was found."""

    def __init__(
        self,
        submissions: list[SubmissionSource],
        open_transport: Callable[[SubmissionSource], Any],
        *,
        device: str = "cpu",
        profile: str = "grade",
        only: list[str] | None = None,
        visibility: str = "all",
        seed: int = 0,
        on_result: Callable[[SubmissionResult], None] | None = None,
        on_check: Callable[[str, CheckResult], None] | None = None,
        replay_examples: bool = True,
        submission_budget: float | None = None,
    ) -> None:
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}: use one of {', '.join(PROFILES)}")
        if visibility not in ("all", "public"):
            raise ValueError(f"visibility must be 'all' or 'public', not {visibility!r}")
        names = [s.name for s in submissions]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise ValueError(f"two submissions share the name(s) {', '.join(sorted(duplicates))}")
        self.submissions = {s.name: s for s in submissions}
        self.order = names
        self.open_transport = open_transport
        self.device = device
        self.profile = profile
        self.selected = {item.id for item in curriculum.select(only)}
        self.visibility = visibility
        self.seed = seed
        self.on_result = on_result
        self.on_check = on_check
        self.registered: dict[str, list[Check]] = {}
        self.check_results: dict[str, list[CheckResult]] = {name: [] for name in names}
        self.results: dict[str, SubmissionResult] = {}
        self.active: dict[str, Submission] = {}
        self.started: dict[str, float] = {}
        self.replay = replay_examples
        self.replayed: dict[str, int] = {}
        """Checks per submission decided by replaying recorded examples (grader/replay.py)."""
        self.grader_errors: list[str] = []
        self.submission_budget = submission_budget
        """Seconds for everything done for one submission, the grader's own work included."""

    # pytest finds this hook on the object passed in plugins=[...]
    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[SESSION_KEY] = self

    # -- submissions ---------------------------------------------------------------------------

    def open(self, name: str) -> Submission:
        source = self.submissions[name]
        self.started[name] = time.monotonic()
        submission = Submission(
            source, self.open_transport(source), self.device, budget=self.submission_budget
        )
        self.active[name] = submission
        return submission

    def finish(self, name: str) -> SubmissionResult:
        submission = self.active.pop(name, None)
        info: dict[str, Any] = {}
        if submission is not None:
            info = submission.transport.describe()
            problems = _section_problems(submission)
            submission.close()
        else:
            problems = {}
        source = self.submissions[name]
        for section, file in source.sections.items():
            if file.text is None and section not in problems:
                problems[section] = file.problem or errors.section_not_found(section)
        elapsed = time.monotonic() - self.started.get(name, time.monotonic())
        result = build_submission_result(
            name,
            self.check_results[name],
            registered=self.registered,
            selected=self.selected,
            section_problems=problems,
            absent_sections={s for s, f in source.sections.items() if f.absent},
            device=self.device,
            sandbox=info,
            timing={"seconds": round(elapsed, 3), "replayed_checks": self.replayed.get(name, 0)},
            problem=source.problem,
        )
        self.results[name] = result
        if self.on_result is not None:
            self.on_result(result)
        return result

    def record(self, name: str, result: CheckResult) -> None:
        self.check_results[name].append(result)
        if self.on_check is not None:
            self.on_check(name, result)

    def note_replayed(self, name: str) -> None:
        self.replayed[name] = self.replayed.get(name, 0) + 1


def _section_problems(submission: Submission) -> dict[str, str]:
    failed = getattr(submission.transport, "failed", {})
    return {section: failure.reason for section, failure in failed.items()}


SESSION_KEY = pytest.StashKey[GradingSession]()
