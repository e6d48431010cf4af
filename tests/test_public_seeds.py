"""Does every correct submission pass the public checks whatever the seed of `make check`?

The 200 seeds cost more CPU than the rest of the suite leaves idle, so they do not wait for their
turn: conftest.py starts them (``start``) as soon as collection has selected the test, at the
lowest CPU priority, and moves the test itself to the end of the session, where it waits for them
(``collect``). Meanwhile they use the CPU the rest of the suite leaves idle (many tests grade one
submission at a time, or wait on a child), and they take the whole machine once the other tests are
done. Niced (their cgroups too, grader/sandbox/cgroups.py), they still slow the other tests by about
a fifth (memory and caches are shared), but the suite ends sooner: 1674 s against 2010 s on this
2-core machine. A probe of theirs may wait long for the CPU, so their probe timeout is long: this
test asks about verdicts, not speed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from typing import IO

import pytest
from support import PYTHON, REPO, TESTS

SEEDS = int(os.environ.get("GRADER_PUBLIC_SEEDS", "200"))
PROCESSES = 2
NICENESS = 19
"""The lowest priority: the other tests get the CPU whenever they want it."""
PROBE_TIMEOUT = 600.0
"""Seconds a probe or an import of the niced run may take (the policy's 5 s measures a probe that
has a core; these may wait minutes for one while the other tests run)."""


@dataclass
class BackgroundSeeds:
    """The public-seeds processes started when collection ended, and where they write."""

    runs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    outputs: list[tuple[IO[bytes], IO[bytes]]] = field(default_factory=list)

    def stop(self) -> None:
        """Kill what is still running (an interrupted or failed session) and close the files."""
        for run in self.runs:
            if run.poll() is None:
                try:
                    os.killpg(run.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                run.wait()
        for out, err in self.outputs:
            out.close()
            err.close()


def start() -> BackgroundSeeds:
    """Start the processes that share the seeds, niced, each in its own process group."""
    background = BackgroundSeeds()
    share = -(-SEEDS // PROCESSES)
    for begin in range(0, SEEDS, share):
        out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
        background.outputs.append((out, err))
        background.runs.append(
            subprocess.Popen(
                [
                    PYTHON,
                    str(TESTS / "public_seeds.py"),
                    "--seeds",
                    str(min(SEEDS, begin + share)),
                    "--offset",
                    str(begin),
                    "--probe-timeout",
                    str(PROBE_TIMEOUT),
                ],
                cwd=REPO,
                stdout=out,
                stderr=err,
                start_new_session=True,
                preexec_fn=lambda: os.nice(NICENESS),
            )
        )
    return background


def collect(background: BackgroundSeeds, timeout: float = 3600) -> tuple[list[dict], list[str]]:
    """Wait for every process; (the failures they printed, what went wrong with a process)."""
    failures: list[dict] = []
    problems: list[str] = []
    for run, (out, err) in zip(background.runs, background.outputs):
        run.wait(timeout=timeout)
        out.seek(0)
        err.seek(0)
        mine = [
            json.loads(line)
            for line in out.read().decode(errors="replace").splitlines()
            if line.startswith("{")
        ]
        failures += mine
        if run.returncode not in (0, 1) or (run.returncode == 1 and not mine):
            problems.append(err.read().decode(errors="replace")[-3000:])
    return failures, problems


@pytest.mark.slow
@pytest.mark.background
def test_public_checks_never_fail_correct_code_under_200_seeds(background: BackgroundSeeds) -> None:
    """Do the solutions and every correct variant pass every public check under at least 200
    seeds (the reported failing seeds 3, 6, 815875045 and 100-139 among them), as `make check`
    draws them? Two processes share the seeds, started when collection ended."""
    assert SEEDS >= 200 or "GRADER_PUBLIC_SEEDS" in os.environ
    failures, problems = collect(background)
    assert problems == []
    assert failures == [], "\n".join(
        f"seed {f['seed']} {f['case']} {f['check']}: {f['text'][:400]}" for f in failures[:10]
    )
