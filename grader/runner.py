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
from grader.results import CheckResult, SubmissionResult, build_submission_result
from grader.sandbox.client import SandboxPolicy, SandboxTransport, Zygote
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
    """'sandbox' or 'in-process' (unprotected: runs student code in this process)."""
    seed: int = 0
    """Base seed for the 'check' profile."""
    policy: SandboxPolicy = field(default_factory=SandboxPolicy)
    """Containment layers and limits."""


def resolve_device(device: str) -> str:
    """'auto' -> 'cuda' if a CUDA device is visible, else 'cpu'. Raises GraderError for cuda without one."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise errors.GraderError(
            "--device cuda was given but this machine has no CUDA device (use --device cpu or auto)"
        )
    if device not in ("cpu", "cuda"):
        raise errors.GraderError(f"unknown device {device!r}: use cpu, cuda or auto")
    return device


class TransportOpener:
    """Makes a transport for each submission; owns the zygote for the sandbox."""

    def __init__(
        self,
        kind: str,
        device: str,
        policy: SandboxPolicy | None = None,
        zygote: Zygote | None = None,
    ) -> None:
        if kind not in ("sandbox", "in-process"):
            raise errors.GraderError(f"unknown transport {kind!r}: use sandbox or in-process")
        self.kind = kind
        self.device = device
        self.zygote = zygote
        if kind == "sandbox" and self.zygote is None:
            self.zygote = Zygote(policy or SandboxPolicy()).start()

    def __call__(self, source: SubmissionSource) -> Any:
        if self.kind == "sandbox":
            assert self.zygote is not None
            return SandboxTransport(self.zygote, source, self.device)
        from grader.transport import InProcessTransport

        return InProcessTransport(sources=source.sections, device=self.device)

    def close(self) -> None:
        if self.zygote is not None:
            self.zygote.close()


def grade(
    submissions: list[SubmissionSource],
    options: GradeOptions,
    *,
    on_result: Callable[[SubmissionResult], None] | None = None,
    on_check: Callable[[str, CheckResult], None] | None = None,
    zygote: Zygote | None = None,
) -> list[SubmissionResult]:
    """Grade submissions; one result each, in the given order. Raises GraderError if grading could not run."""
    own_zygote = zygote is None and options.transport == "sandbox"
    if own_zygote:
        # First: its import of torch overlaps with ours below. Warming (importing torch._dynamo for
        # later children) only pays off when there will be later children.
        zygote = Zygote(options.policy, warm=len(submissions) > 1).start()
    try:
        import pytest
        import torch

        from grader.plugin import GradingSession

        # One thread, as in the children: the references are small, the other core belongs to the
        # child (or another worker), and results do not depend on a thread count.
        torch.set_num_threads(1)
        device = resolve_device(options.device)
        opener = TransportOpener(options.transport, device, options.policy, zygote)
        if zygote is not None:
            zygote.ready()
        session = GradingSession(
            submissions,
            opener,
            device=device,
            profile=options.profile,
            only=options.only,
            visibility=options.visibility,
            seed=options.seed,
            on_result=on_result,
            on_check=on_check,
        )
        with tempfile.TemporaryDirectory(prefix="builders-grader-pytest-") as scratch:
            args = [
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
                "--capture=no",
                "--import-mode=importlib",
                "--basetemp",
                scratch,
            ]
            code = pytest.main(args, plugins=[session])
        if code not in (0, 1, 5):
            raise errors.GraderError(
                f"the checks could not run (pytest exit code {int(code)}); see the messages above"
            )
        for (
            name
        ) in session.order:  # submissions no check ran for (nothing selected) still get a result
            if name not in session.results:
                source = session.submissions[name]
                session.results[name] = build_submission_result(
                    name,
                    [],
                    registered=session.registered,
                    selected=session.selected,
                    section_problems={
                        s: f.problem or "" for s, f in source.sections.items() if f.text is None
                    },
                    device=device,
                    sandbox={},
                    timing={"seconds": 0.0},
                    problem=source.problem,
                )
                if on_result is not None:
                    on_result(session.results[name])
        results = [session.results[name] for name in session.order]
        if session.grader_errors:
            print(
                f"warning: {len(session.grader_errors)} grader problem(s), printed above; "
                "the checks they hit are marked 'grader error' in the results",
                file=sys.stderr,
            )
        return results
    finally:
        if own_zygote and zygote is not None:
            zygote.close()
