"""The submission under grading, as a check sees it: a name, a device, and ``call``.

``call`` runs a probe through whichever transport grades this submission. A timeout or a crash
"poisons" the running check: later calls in the same check fail at once with the same failure, so
hypothesis's shrinking does not pay the timeout again and again — one hang costs one check.

A check that fails is decided in a process that has run nothing but that check (``start_over``),
and public and hidden checks run in separate processes (``begin_check``): a grade never depends on
what ran before in the same process, nor on who was graded before (replay), and nothing a hidden
check showed the code can come back in public feedback.

A submission also has a time budget for everything done for it: its code in the child *and* the
grader's own work on what it sent (references, comparisons, shrinking). ``watchdog`` enforces it
in the grading process itself, so that no reply, however crafted, can keep a class waiting.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from grader import errors, interrupts
from grader.sources import SubmissionSource
from grader.transport import Transport


@dataclass(frozen=True)
class ProcessEnded:
    """The answer of a ``call(..., may_end=True)`` during which the code's process ended."""

    exit_code: int | None
    """The code it exited with by itself; None when a signal (or the grader) ended it."""
    status: str
    """How it ended, in words."""


class Submission:
    """One submission, bound to a transport for the duration of its grading."""

    def __init__(
        self,
        source: SubmissionSource,
        transport: Transport,
        device: str = "cpu",
        *,
        budget: float | None = None,
    ) -> None:
        self.source = source
        self.transport = transport
        self.device = device
        self.budget = budget
        self.deadline = None if budget is None else time.monotonic() + budget
        self.exhausted: errors.SubmissionBudgetExhausted | None = None
        self._poison: errors.GradingFailure | None = None
        if self.deadline is not None and hasattr(transport, "deadline"):
            transport.deadline = self.deadline  # probe limits never reach past it

    @property
    def name(self) -> str:
        return self.source.name

    def __repr__(self) -> str:  # shown by pytest/hypothesis; keep it short and free of paths
        return f"<submission {self.name}>"

    def begin_check(self, phase: str = "public", *, final: bool = False) -> None:
        """A check starts: its phase's process (public and hidden checks never share the main one;
        the one that resumes checkpoints goes on into the final phase, ``ChildTransport.set_phase``).
        ``final``: no check of another phase comes after it."""
        self._poison = None
        self._check_time()
        self.transport.set_phase(phase, final=final)

    def load(self, section: str) -> None:
        """Make sure a section is importable; raises SectionUnavailable."""
        self._check_time()
        self.transport.load(section)

    @property
    def may_end_process(self) -> bool:
        """Whether the code runs in a process of its own, which may end without ending grading."""
        return bool(self.transport.protected)

    @property
    def pristine(self) -> bool:
        """Whether the code's process has run no probe call yet (only section imports)."""
        return self.transport.pristine

    @property
    def inherited(self) -> bool:
        """Whether a call of this phase ran in a process that served an earlier phase (the
        checkpoint-resuming one goes on into the final phase): a failure there is not fresh."""
        return self.transport.inherited

    def start_over(self, section: str) -> None:
        """Go on in a new process with only ``section`` imported: a check's failure is decided
        where nothing earlier (another check, another example) ran first."""
        self._poison = None
        self._check_time()
        self.transport.restart()
        self.transport.load(section)

    def call(
        self,
        probe: str,
        /,
        *,
        what: str,
        seed: int = 0,
        may_end: bool = False,
        apart: bool = False,
        **args: Any,
    ) -> Any:
        """Run ``probe`` with keyword ``args`` (plain data); ``what`` names the student code for
        messages. With ``may_end``, a process that ends during the call (as a file meant to end it
        makes it) is an answer: ``ProcessEnded``, not a failure of the check. With ``apart``, the
        call runs in the phase's second process, which imports the code but runs nothing else
        (it resumes from files the code saved in the main one: memory cannot stand in for them)."""
        if self._poison is not None:
            raise self._poison
        self._check_time()
        run = self.transport.call_apart if apart else self.transport.call
        try:
            return run(probe, args, seed=seed, what=what)
        except errors.ChildDied as died:
            if not may_end:
                self._poison = died
                raise
            return ProcessEnded(died.exit_code, died.status)
        except errors.GradingFailure as failure:
            if self.deadline is not None and time.monotonic() >= self.deadline:
                raise self.out_of_time() from None  # the probe was cut short by the deadline
            if failure.terminal:
                self._poison = failure
            if isinstance(failure, errors.SubmissionBudgetExhausted):
                self.exhausted = failure
            raise

    def fetch(self, name: str, *, what: str) -> bytes:
        """The bytes of a file the code wrote in its exchange folder during the last call, read
        from outside its process (a probe's ``ctx.files``); InvalidResult says why there are none."""
        self._check_time()
        return self.transport.fetch(name, what=what)

    def verify(self, probe: str, /, *, what: str, **args: Any) -> Any:
        """Run a verifier probe (one that calls no student code, e.g. describing a file the code
        wrote) in a process where no student code ever ran."""
        self._check_time()
        return self.transport.verify(probe, args, what=what)

    def out_of_time(self) -> errors.SubmissionBudgetExhausted:
        """The failure every check gets once the budget is used up (remembered)."""
        if self.exhausted is None:
            self.exhausted = errors.SubmissionBudgetExhausted(
                f"grading stopped: the submission used its {self.budget:g} s "
                "(your code's running time and the grader's work on its results)"
            )
        return self.exhausted

    def _check_time(self) -> None:
        if self.exhausted is not None:
            raise self.exhausted
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise self.out_of_time()

    @contextlib.contextmanager
    def watchdog(self) -> Iterator[None]:
        """Within the block, the grading process is interrupted (``errors.OutOfTime``) when the
        submission's time is up, wherever it is: waiting on the child, or computing a reference
        from the child's data. Only the main thread can take signals; elsewhere the budget is
        still checked at every call."""
        if self.deadline is None or threading.current_thread() is not threading.main_thread():
            yield
            return
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise self.out_of_time()

        def alarm(signum: int, frame: Any) -> None:
            # Held off while a request to the zygote is in flight (its reply must be read).
            interrupts.interrupt(errors.OutOfTime)

        previous = signal.signal(signal.SIGALRM, alarm)
        signal.setitimer(signal.ITIMER_REAL, remaining)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def close(self) -> None:
        self.transport.close()
