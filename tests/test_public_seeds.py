"""Does every correct submission pass the public checks whatever the seed of `make check`?"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from support import PYTHON, REPO, TESTS

SEEDS = int(os.environ.get("GRADER_PUBLIC_SEEDS", "200"))
PROCESSES = 2


@pytest.mark.slow
def test_public_checks_never_fail_correct_code_under_200_seeds() -> None:
    """Do the solutions and every correct variant pass every public check under at least 200
    seeds (the reported failing seeds 3, 6, 815875045 and 100-139 among them), as `make check`
    draws them? Two processes share the seeds."""
    assert SEEDS >= 200 or "GRADER_PUBLIC_SEEDS" in os.environ
    share = -(-SEEDS // PROCESSES)
    runs = [
        subprocess.Popen(
            [
                PYTHON,
                str(TESTS / "public_seeds.py"),
                "--seeds",
                str(min(SEEDS, start + share)),
                "--offset",
                str(start),
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for start in range(0, SEEDS, share)
    ]
    failures, problems = [], []
    for run in runs:
        out, err = run.communicate(timeout=3600)
        failures += [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        if run.returncode not in (0, 1) or (run.returncode == 1 and not failures):
            problems.append(err[-3000:])
    assert problems == []
    assert failures == [], "\n".join(
        f"seed {f['seed']} {f['case']} {f['check']}: {f['text'][:400]}" for f in failures[:10]
    )
