"""Shared fixtures: whole class folders graded once per session through the command line."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support import (
    REPO,
    TESTS,
    all_solution_sources,
    by_submission,
    grade_catalogue,
    metadata,
    run_grader,
    with_appended,
    write_submission,
)

from grader.curriculum import SECTIONS

MUTANTS = sorted((TESTS / "mutants").glob("*/*.py"))
VARIANTS = sorted((TESTS / "variants").glob("*/*.py"))
ADVERSARIAL = sorted((TESTS / "adversarial").glob("*.py"))


def case_name(path: Path) -> str:
    return (
        f"{path.parent.name}-{path.stem}"
        if path.parent.parent.name in ("mutants", "variants")
        else path.stem
    )


@pytest.fixture(scope="session")
def catalogue(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Solutions, stubs, every mutant and every variant, graded in one class run per section.

    Each submission holds every section of the solutions, with the mutant's or variant's code
    appended to its own section only; it is graded on that section (support.grade_catalogue says
    why), so "loses points nowhere else" covers every other item of its section. The solutions
    and stubs are graded on every section.
    """
    root = tmp_path_factory.mktemp("catalogue")
    # Two workers: the catalogue is the largest class the suite grades (about 200 submissions).
    return grade_catalogue(root, list(SECTIONS), "--workers", "2")


@dataclass
class AdversarialRun:
    """What one class run of the adversarial suite left behind."""

    results: dict[str, dict[str, Any]]
    proc: subprocess.CompletedProcess[str]
    results_path: Path
    results_text: str
    listener: socket.socket
    class_dir: Path


@pytest.fixture(scope="session")
def adversarial(tmp_path_factory: pytest.TempPathFactory) -> AdversarialRun:
    """Every adversarial case (plus an untouched control submission) graded in one class run,
    with a 1 s probe timeout. Placeholders in the cases point at this run's real paths and port.
    Two workers, as a course grades a class: cases then also run beside one another, and most of
    the run is waiting on hangs, which two workers overlap."""
    root = tmp_path_factory.mktemp("adversarial")
    class_dir = root / "class"
    results_path = root / "results.json"
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    solutions = all_solution_sources()
    write_submission(class_dir / "control", solutions)
    for path in ADVERSARIAL:
        code = (
            path.read_text()
            .replace("@REPO@", str(REPO))
            .replace("@PORT@", str(port))
            .replace("@RESULTS@", str(results_path))
            .replace("@CLASS@", str(class_dir))
        )
        section = metadata(path).get("SECTION", "modules")  # the section the case attacks
        write_submission(
            class_dir / path.stem, {**solutions, section: with_appended(code, section)}
        )
    proc = run_grader(
        "grade",
        str(class_dir),
        "--device",
        "cpu",
        "--json",
        str(results_path),
        "--timeout",
        "1",
        "--workers",
        "2",
    )
    assert proc.returncode == 0, f"grader exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    time.sleep(1.0)  # a surviving daemon would have overwritten the results by now
    text = results_path.read_text()
    return AdversarialRun(
        results=by_submission(json.loads(text)),
        proc=proc,
        results_path=results_path,
        results_text=text,
        listener=listener,
        class_dir=class_dir,
    )
