"""The submission under grading, as a check sees it: a name, a device, and ``call``.

``call`` runs a probe through whichever transport grades this submission. A timeout or a crash
"poisons" the running check: later calls in the same check fail at once with the same failure, so
hypothesis's shrinking does not pay the timeout again and again — one hang costs one check.
"""

from __future__ import annotations

from typing import Any

from grader import errors
from grader.sources import SubmissionSource
from grader.transport import Transport


class Submission:
    """One submission, bound to a transport for the duration of its grading."""

    def __init__(self, source: SubmissionSource, transport: Transport, device: str = "cpu") -> None:
        self.source = source
        self.transport = transport
        self.device = device
        self._poison: errors.GradingFailure | None = None

    @property
    def name(self) -> str:
        return self.source.name

    def __repr__(self) -> str:  # shown by pytest/hypothesis; keep it short and free of paths
        return f"<submission {self.name}>"

    def begin_check(self) -> None:
        self._poison = None

    def load(self, section: str) -> None:
        """Make sure a section is importable; raises SectionUnavailable."""
        self.transport.load(section)

    def call(self, probe: str, /, *, what: str, seed: int = 0, **args: Any) -> Any:
        """Run ``probe`` with keyword ``args`` (plain data); ``what`` names the student code for messages."""
        if self._poison is not None:
            raise self._poison
        try:
            return self.transport.call(probe, args, seed=seed, what=what)
        except errors.GradingFailure as failure:
            if failure.terminal:
                self._poison = failure
            raise

    def close(self) -> None:
        self.transport.close()
