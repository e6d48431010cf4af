"""Helpers shared by the bench_*.py scripts: timing, a process-tree memory sampler, table rows.

Every script prints rows of one table, ``name | median | runs | ratio / notes``, so that
``bench/run_all.py`` can print the header once and the rows of all scripts under it. Nothing here
asserts anything: a missed target is printed next to the number, never raised.

Subprocesses run with this interpreter (``sys.executable``, the venv's python under ``make bench``)
and the repository root as working directory, so the scripts work from any directory.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
"""The repository root (the folder holding grader/, solutions/, bench/)."""
PYTHON = sys.executable
"""The interpreter every subprocess runs with."""
SOLUTIONS = os.path.join(REPO, "solutions")

NAME_WIDTH = 44
MEDIAN_WIDTH = 10
RUNS_WIDTH = 5


# -- arguments and table -------------------------------------------------------------------------


def parser(description: str, default_repeat: int) -> argparse.ArgumentParser:
    """An argument parser with the options every script takes: --repeat and --no-header."""
    result = argparse.ArgumentParser(description=description.strip().splitlines()[0])
    result.add_argument(
        "--repeat",
        type=int,
        default=default_repeat,
        metavar="N",
        help=f"measured runs of each variant (default {default_repeat})",
    )
    result.add_argument(
        "--no-header", action="store_true", help="print the rows only (run_all prints the header)"
    )
    return result


def check_repeat(value: int, minimum: int = 1) -> None:
    if value < minimum:
        raise SystemExit(f"error: --repeat must be at least {minimum}, not {value}")


def header() -> str:
    """The table's header line."""
    return (
        f"{'bench':<{NAME_WIDTH}} | {'median':>{MEDIAN_WIDTH}} | {'runs':>{RUNS_WIDTH}} "
        "| ratio / notes"
    )


def print_header() -> None:
    line = header()
    print(line)
    print("-" * len(line), flush=True)


def print_row(name: str, median: str, runs: int | str, notes: str = "") -> None:
    """One aligned row: ``name | median | runs | notes``."""
    print(
        f"{name:<{NAME_WIDTH}} | {median:>{MEDIAN_WIDTH}} | {runs!s:>{RUNS_WIDTH}} | {notes}",
        flush=True,
    )


def seconds(value: float) -> str:
    return f"{value:.2f} s"


def millis(value: float) -> str:
    """``value`` in seconds, shown in milliseconds."""
    return f"{value * 1000:.1f} ms"


def megabytes(value: float) -> str:
    """``value`` in bytes, shown in MB (2**20 bytes)."""
    return f"{value / (1 << 20):.0f} MB"


def verdict(value: float, target: float, shown: str) -> str:
    """``target ≤ 2.0x: met`` or ``target ≤ 2.0x: MISSED`` (``shown`` is the target as text)."""
    return f"target ≤ {shown}: {'met' if value <= target else 'MISSED'}"


# -- timing --------------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("median of no values")
    return statistics.median(values)


def timed(function: Callable[[], object], repeat: int, warmup: int = 0) -> list[float]:
    """Wall-clock seconds of ``repeat`` calls of ``function`` (after ``warmup`` unmeasured ones)."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


class CommandFailed(RuntimeError):
    """A measured command exited with a status other than 0."""


def _check(argv: Sequence[str], code: int, stderr: str) -> None:
    if code != 0:
        tail = stderr.strip()[-1500:]
        raise CommandFailed(f"{' '.join(argv)} exited with status {code}:\n{tail}")


def run_timed(argv: Sequence[str], *, cwd: str = REPO) -> float:
    """Run a command to completion (output discarded, stderr kept for errors); its wall seconds."""
    started = time.perf_counter()
    done = subprocess.run(
        list(argv),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    _check(argv, done.returncode, done.stderr)
    return elapsed


def grade_command(*args: str) -> list[str]:
    """``python -m grader grade ARGS...`` with this interpreter."""
    return [PYTHON, "-m", "grader", "grade", *args]


# -- process-tree memory -------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    """Direct children of ``pid`` (all its threads' children), from /proc."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                found.extend(int(p) for p in f.read().split())
        except (OSError, ValueError):
            continue
    return found


def tree(root: int) -> Iterator[tuple[int, int]]:
    """(pid, depth) for ``root`` and every descendant, root first (depth 0)."""
    stack = [(root, 0)]
    seen: set[int] = set()
    while stack:
        pid, depth = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        yield pid, depth
        stack.extend((child, depth + 1) for child in children(pid))


def rss_bytes(pid: int) -> int:
    """VmRSS of ``pid`` in bytes (0 when it is gone or has no memory, e.g. a zombie)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def pss_bytes(pid: int) -> int | None:
    """Proportional set size of ``pid`` in bytes; None when it cannot be read."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


@dataclass
class TreeSample:
    """One look at the process tree."""

    rss: int
    """Sum of VmRSS over the tree, bytes."""
    by_depth: dict[int, tuple[int, int]]
    """depth -> (processes, summed RSS bytes); 0 is the root, 1 its children, …"""


@dataclass
class TreeSampler:
    """Samples the summed RSS of a process and its descendants every ``interval`` seconds.

    Also sums PSS (shared pages divided among their users) every ``pss_every``-th sample:
    reading smaps_rollup walks page tables and costs more than reading status.
    """

    root: int
    interval: float = 0.01
    pss_every: int = 10
    samples: int = 0
    peak: TreeSample | None = None
    peak_pss: int = 0
    pss_unreadable: int = 0
    most_processes: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> TreeSampler:
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self) -> None:
        next_at = time.perf_counter()
        while not self._stop.is_set():
            self.sample()
            next_at += self.interval
            delay = next_at - time.perf_counter()
            if delay > 0:
                self._stop.wait(delay)
            else:
                next_at = time.perf_counter()

    def sample(self) -> TreeSample:
        members = [(pid, depth, rss_bytes(pid)) for pid, depth in tree(self.root)]
        by_depth: dict[int, tuple[int, int]] = {}
        total = 0
        for _, depth, rss in members:
            total += rss
            count, summed = by_depth.get(depth, (0, 0))
            by_depth[depth] = (count + int(rss > 0), summed + rss)
        current = TreeSample(total, by_depth)
        if self.peak is None or total > self.peak.rss:
            self.peak = current
        self.most_processes = max(self.most_processes, len(members))
        if self.samples % self.pss_every == 0:
            pss_total = 0
            for pid, _, rss in members:
                value = pss_bytes(pid)
                if value is None:
                    # A process that has just exited (a zombie has no RSS) is not a failure.
                    if rss > 0 and rss_bytes(pid) > 0:
                        self.pss_unreadable += 1
                else:
                    pss_total += value
            self.peak_pss = max(self.peak_pss, pss_total)
        self.samples += 1
        return current


@contextmanager
def sampling(root: int, interval: float = 0.01) -> Iterator[TreeSampler]:
    sampler = TreeSampler(root, interval).start()
    try:
        yield sampler
    finally:
        sampler.stop()


def run_sampled(argv: Sequence[str], *, cwd: str = REPO, interval: float = 0.01) -> TreeSampler:
    """Run a command to completion while sampling its process tree's memory; the sampler."""
    proc = subprocess.Popen(
        list(argv),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    with sampling(proc.pid, interval) as sampler:
        _, stderr = proc.communicate()
    _check(argv, proc.returncode, stderr)
    return sampler


def load_note() -> str:
    """The 1-minute load average and core count, for reading noisy numbers."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        return f"{os.cpu_count()} cores"
    return f"load {load:.1f} on {os.cpu_count()} cores"


# speed_reference() took 0.27 s at best on this kind of machine; the same loop has run up to 2.6x
# slower on the same machine an hour later (a shared VM: its speed varies more than any change
# measured here). Benches time it before and after their runs so that figures can be read
# against the machine's speed at the time.
REFERENCE_LOOP_QUIET = 0.27


def speed_reference() -> float:
    """Seconds for a fixed pure-Python loop (best of three, in this process)."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(3_000_000):
            total += i * i
        best = min(best, time.perf_counter() - started)
    return best * 2  # the 6-million-step loop the quiet figure was taken with


def speed_note(before: float, after: float) -> str:
    """How fast the machine was around a measurement, against the quiet figure."""
    slow = max(before, after) / REFERENCE_LOOP_QUIET
    return (
        f"reference loop {before:.2f} s before, {after:.2f} s after "
        f"(quiet machine: {REFERENCE_LOOP_QUIET:.2f} s; up to {slow:.1f}x slower now)"
    )
