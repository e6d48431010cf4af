"""Run every benchmark in sequence and print their rows as one table (``make bench``).

Each bench_*.py runs in its own interpreter (this one, ``sys.executable``) with ``--no-header``;
their rows stream through as they are printed. The header line notes the machine's load, since
every number here is wall-clock time on a shared machine. Nothing is asserted: a missed target
shows as ``MISSED`` in its row. Exits 1 if a benchmark itself failed to run.

    python bench/run_all.py [--only grade transport spawn memory nbgrader class]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import common

BENCHES = ("grade", "transport", "spawn", "memory", "nbgrader", "class")
"""In order: (a) CLI wall time, (b) transports, (c) containment per child, (d) peak memory,
(e) ten notebook submissions through plain nbgrader autograde and through the secure path,
(f) a class of 100 submissions, sequential against 2 workers (minutes)."""


def main() -> int:
    parser = argparse.ArgumentParser(description="Run every benchmark; one table of rows.")
    parser.add_argument(
        "--only", nargs="+", choices=BENCHES, default=list(BENCHES), help="benchmarks to run"
    )
    args = parser.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    print(f"benchmarks: {', '.join(args.only)}; {sys.executable}; {common.load_note()}")
    common.print_header()
    started = time.perf_counter()
    failed = []
    for name in args.only:
        script = os.path.join(here, f"bench_{name}.py")
        done = subprocess.run([sys.executable, script, "--no-header"], cwd=common.REPO, check=False)
        if done.returncode != 0:
            failed.append(name)
    elapsed = time.perf_counter() - started
    print(
        f"ran {len(args.only)} benchmark(s) in {elapsed:.0f} s; {common.load_note()}"
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
