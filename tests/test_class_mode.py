"""Class mode as course staff run it: workers dealt one submission at a time, progress as results
arrive, a time limit per submission, one student's hang or crash costing nobody else, and a
journal that survives an interrupted run so ``--resume`` finishes the job."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from support import PYTHON, REPO, SOLUTIONS, grade, run_grader, with_appended, write_submission

from grader.results import strip_timing

pytestmark = pytest.mark.slow

HANG = """
class MySequential(nn.Module):
    def __init__(self, *args):
        super().__init__()
        for idx, module in enumerate(args):
            self.add_module(str(idx), module)

    def forward(self, X):
        while True:
            pass
"""

CRASH = """
import os as _os


class MySequential(nn.Module):
    def __init__(self, *args):
        super().__init__()
        for idx, module in enumerate(args):
            self.add_module(str(idx), module)

    def forward(self, X):
        _os._exit(3)
"""

MEMORY_HOG = """
class MySequential(nn.Module):
    def __init__(self, *args):
        super().__init__()
        for idx, module in enumerate(args):
            self.add_module(str(idx), module)
        self.hoard = bytearray(16 << 30)

    def forward(self, X):
        return X
"""

ONLY = ("--only", "modules.MySequential", "modules.MLP")


def _solution() -> dict[str, str]:
    return {"modules": (SOLUTIONS / "modules.py").read_text()}


def _by_name(data: dict) -> dict[str, dict]:
    return {s["submission"]: s for s in data["submissions"]}


def _comparable(data: dict) -> dict:
    """The results without timing (the only fields allowed to differ between two gradings)."""
    return strip_timing(data)


def test_a_hang_a_crash_and_a_memory_hog_cost_only_their_owners(tmp_path: Path) -> None:
    """With two workers, do the hang, the crash and the memory hog lose MySequential's points only,
    while the solutions next to them keep every point, and is the per-submission limit applied?"""
    root = tmp_path / "class"
    write_submission(root / "a-hang", {"modules": with_appended(HANG)})
    write_submission(root / "b-good", _solution())
    write_submission(root / "c-crash", {"modules": with_appended(CRASH)})
    write_submission(root / "d-hog", {"modules": with_appended(MEMORY_HOG)})
    write_submission(root / "e-good", _solution())
    out = tmp_path / "class.json"
    # Limits with room on both sides: a good submission, the first its worker grades (it draws
    # the examples the second one replays), took 2.2-2.6 s on a loaded 2-core machine while the
    # hang's child spun the other core, so 2.5 s once failed it; the hang's three public
    # MySequential checks alone take 3 x 2 s of timeouts, past the 5 s.
    data = grade(
        root,
        *ONLY,
        "--workers",
        "2",
        "--timeout",
        "2",
        "--submission-timeout",
        "5",
        json_path=out,
    )
    results = _by_name(data)
    assert list(results) == ["a-hang", "b-good", "c-crash", "d-hog", "e-good"]
    for good in ("b-good", "e-good"):
        assert results[good]["score"] == results[good]["max_score"] > 0, [
            (c["name"], c["kind"]) for i in results[good]["exercises"] for c in i["checks"]
        ]
    for bad in ("a-hang", "c-crash", "d-hog"):
        items = {i["id"]: i for i in results[bad]["exercises"]}
        assert items["modules.MySequential"]["score"] == 0, bad
        if bad == "a-hang":
            # Public checks run first: MLP's pass; its hidden check comes after the hanging
            # MySequential's public ones, when the 5 s are used up, so it is only "stopped".
            mlp = items["modules.MLP"]["checks"]
            assert all(c["passed"] or c["kind"] == "stopped" for c in mlp), mlp
            assert any(c["passed"] for c in mlp)
        else:
            assert items["modules.MLP"]["score"] == items["modules.MLP"]["max_score"] > 0, bad
    hang_kinds = {
        c["kind"]
        for i in results["a-hang"]["exercises"]
        if i["id"] == "modules.MySequential"
        for c in i["checks"]
    }
    assert "timeout" in hang_kinds
    assert "stopped" in hang_kinds  # 5 s used up: the rest is not run
    crash_kinds = {
        c["kind"]
        for i in results["c-crash"]["exercises"]
        if i["id"] == "modules.MySequential"
        for c in i["checks"]
    }
    assert "crash" in crash_kinds


def test_results_arrive_as_each_submission_finishes(tmp_path: Path) -> None:
    """Are submissions dealt one at a time (the slow first student holds up one worker, and its
    progress line comes last) with one plain progress line per submission off a terminal?"""
    root = tmp_path / "class"
    write_submission(root / "a-slow", {"modules": with_appended(HANG)})
    for name in ("b", "c", "d", "e"):
        write_submission(root / name, _solution())
    proc = run_grader(
        "grade", str(root), *ONLY, "--device", "cpu", "--workers", "2", "--timeout", "2"
    )
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.startswith("[")]
    assert len(lines) == 5, proc.stdout
    assert lines[-1].startswith("[5/5] a-slow:"), lines
    assert all(" in " in line for line in lines)


def test_submission_timeout_must_be_positive(tmp_path: Path) -> None:
    proc = run_grader("grade", str(SOLUTIONS), "--only", "modules", "--submission-timeout", "0")
    assert proc.returncode == 2
    assert "--submission-timeout" in proc.stderr


def test_resume_needs_a_journal(tmp_path: Path) -> None:
    write_submission(tmp_path / "class" / "alice", _solution())
    proc = run_grader("grade", str(tmp_path / "class"), "--resume")
    assert proc.returncode == 2
    assert "--resume" in proc.stderr


def test_an_interrupted_run_resumes_to_the_same_results(tmp_path: Path) -> None:
    """Kill the grader (SIGKILL, no clean-up) once two results are journalled; does ``--resume``
    keep those, grade the rest, and end with exactly the uninterrupted run's results? Does a
    submission changed since then get graded again?"""
    root = tmp_path / "class"
    stub = (REPO / "exercises" / "modules.py").read_text()
    for n in range(6):
        write_submission(root / f"s{n}", _solution() if n != 3 else {"modules": stub})
    args = ["grade", str(root), "--only", "modules.MLP", "--device", "cpu"]

    reference = tmp_path / "reference.json"
    done = run_grader(*args, "--json", str(reference))
    assert done.returncode == 0, done.stderr

    partial = tmp_path / "partial.json"
    journal = tmp_path / "partial.journal.jsonl"
    proc = subprocess.Popen(
        [PYTHON, "-m", "grader", *args, "--json", str(partial)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            if journal.exists() and len(journal.read_text().splitlines()) >= 2:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the run finished before it could be interrupted"
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    kept = [json.loads(line)["submission"] for line in journal.read_text().splitlines()]
    assert 2 <= len(kept) < 6
    assert not partial.exists()

    resumed = run_grader(*args, "--json", str(partial), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    reused = [line for line in resumed.stdout.splitlines() if "(from the journal)" in line]
    assert len(reused) == len(kept)
    assert _comparable(json.loads(partial.read_text())) == _comparable(
        json.loads(reference.read_text())
    )

    # A student who changes a file is graded again; the others come from the journal.
    write_submission(root / "s3", _solution())
    again = run_grader(*args, "--json", str(partial), "--resume")
    assert again.returncode == 0, again.stderr
    graded_again = [
        line for line in again.stdout.splitlines() if line.startswith("[") and "journal" not in line
    ]
    assert len(graded_again) == 1 and "s3:" in graded_again[0]
    s3 = _by_name(json.loads(partial.read_text()))["s3"]
    assert s3["score"] == s3["max_score"] > 0


@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_keeps_the_journal_and_says_how_to_resume(tmp_path: Path, workers: str) -> None:
    """Issue 14, problem 8: after Ctrl-C (SIGINT to the whole terminal's process group) does the
    grader exit 130 with one line saying what is kept and the command to resume, no traceback,
    and a journal holding only complete results (none cut short by the interruption)?"""
    root = tmp_path / "class"
    for n in range(5):
        write_submission(root / f"s{n}", _solution())
    out = tmp_path / "results.json"
    journal = tmp_path / "results.journal.jsonl"
    args = ["grade", str(root), "--only", "modules", "--device", "cpu", "--json", str(out)]
    proc = subprocess.Popen(
        [PYTHON, "-m", "grader", *args, "--workers", workers],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            if journal.exists() and journal.read_text().count("\n") >= 1:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the run finished before it could be interrupted"
        os.killpg(proc.pid, signal.SIGINT)
        _stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr and "leaked" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("interrupted: ") and f"kept in {journal}" in lines[0]
    assert lines[0].endswith(" --resume") and "resume with: " in lines[0]
    kept = [json.loads(line)["result"] for line in journal.read_text().splitlines()]
    assert kept and all(r["score"] == r["max_score"] == 26 for r in kept), kept
    assert f"{len(kept)} of 5 graded" in lines[0]
    assert not out.exists()


def test_a_students_result_does_not_depend_on_where_it_is_graded(tmp_path: Path) -> None:
    """Is a submission's result (examples drawn included) the same graded alone, first in a
    class, or late in a class with two workers? (Examples are seeded per check, never per slot.)"""
    mutant = (REPO / "tests" / "mutants" / "modules" / "chimera_wrong_order.py").read_text()
    sources = {"modules": with_appended(mutant)}
    alone = grade(write_submission(tmp_path / "alone" / "zed", sources), "--only", "modules")
    root = tmp_path / "class"
    for name in ("a", "b", "c"):
        write_submission(root / name, _solution())
    write_submission(root / "zed", sources)
    in_class = _by_name(grade(root, "--only", "modules", "--workers", "2"))["zed"]
    for data in (alone, in_class):
        data["sandbox"].pop("children", None)
    assert _comparable(in_class) == _comparable(alone)


def _worker_pids(parent: int) -> list[int]:
    """The grader's worker processes (spawned by multiprocessing), from /proc."""
    found = []
    for task in os.listdir(f"/proc/{parent}/task"):
        try:
            children = Path(f"/proc/{parent}/task/{task}/children").read_text().split()
        except OSError:
            continue
        for pid in map(int, children):
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            if b"multiprocessing" in cmdline:
                found.append(pid)
    return found


def test_a_worker_killed_mid_class_costs_nothing(tmp_path: Path) -> None:
    """SIGKILL one worker while it grades: is its submission dealt again to a new worker and does
    the class still end with every result, each equal to a run where nothing happened?"""
    root = tmp_path / "class"
    for n in range(6):
        write_submission(root / f"s{n}", _solution())
    args = ["grade", str(root), "--only", "modules", "--device", "cpu", "--workers", "2"]
    reference = tmp_path / "reference.json"
    assert run_grader(*args, "--json", str(reference)).returncode == 0
    out = tmp_path / "out.json"
    journal = tmp_path / "out.journal.jsonl"
    proc = subprocess.Popen(
        [PYTHON, "-m", "grader", *args, "--json", str(out)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 300
        killed = False
        while time.monotonic() < deadline and proc.poll() is None and not killed:
            if journal.exists() and journal.read_text().strip():
                workers = _worker_pids(proc.pid)
                if workers:
                    os.kill(workers[0], signal.SIGKILL)
                    killed = True
            time.sleep(0.05)
        assert killed, "no worker to kill before the run ended"
        _, stderr = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 0, stderr
    got, want = json.loads(out.read_text()), json.loads(reference.read_text())
    for data in (got, want):
        for s in data["submissions"]:
            s["sandbox"].pop("children", None)
    assert _comparable(got) == _comparable(want)
