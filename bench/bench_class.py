"""Grading a class: sequential against ``--workers 2``, marginal cost per submission, peak memory.

Builds a class of ``--size`` submissions (default 100) mixing the reference solutions, the stubs
and every mutant of ``tests/mutants`` (each mutant appended to its own section of an otherwise
complete solution, as the catalogue does), plus a small class of ``--small`` of the same kinds.
Then measures, in one run on the same machine load:

- the whole CLI (``python -m grader grade CLASS --device cpu``) on both classes, sequential and
  with ``--workers 2``;
- marginal seconds per submission: (big - small) / (size - small), which removes start-up;
- peak memory of the process tree (summed RSS, and PSS) of the big class with 2 workers.

Target (issue 7): at most 1 s marginal wall time per full-curriculum submission with 2 workers.
Nothing is asserted: a missed target shows as MISSED. ``--profile`` also grades the small class
in this process under cProfile and prints where the parent's time goes (time spent waiting for a
child shows under the wire's receive).

    python bench/bench_class.py [--size 100] [--small 4] [--only SECTION ...] [--profile]
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time

import common

TARGET = 1.0
TESTS = os.path.join(common.REPO, "tests")
EXERCISES = os.path.join(common.REPO, "exercises")


def section_sources(folder: str) -> dict[str, str]:
    return {
        name[:-3]: open(os.path.join(folder, name), encoding="utf-8").read()
        for name in sorted(os.listdir(folder))
        if name.endswith(".py") and not name.startswith("_")
    }


def kinds() -> list[tuple[str, dict[str, str]]]:
    """(name, sources) of every kind of submission: solutions, stubs, then each mutant."""
    solutions = section_sources(common.SOLUTIONS)
    found = [("solution", solutions), ("stub", section_sources(EXERCISES))]
    mutants = os.path.join(TESTS, "mutants")
    for section in sorted(os.listdir(mutants)) if os.path.isdir(mutants) else []:
        folder = os.path.join(mutants, section)
        if section not in solutions or not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".py"):
                continue
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                code = f.read()
            sources = dict(solutions)
            sources[section] = solutions[section] + "\n\n# ---- mutant ----\n" + code
            found.append((f"mutant-{section}-{name[:-3]}", sources))
    return found


def build_class(root: str, size: int) -> None:
    """``size`` student folders cycling through the kinds (solutions and stubs recur most)."""
    available = kinds()
    order = []
    mutants = available[2:]
    i = 0
    while len(order) < size:
        order.append(available[0])
        order.append(available[1])
        order.extend(mutants[i : i + 3] or available[:1])
        i = (i + 3) % max(1, len(mutants))
    for n, (name, sources) in enumerate(order[:size]):
        folder = os.path.join(root, f"{n:03d}-{name}")
        os.makedirs(folder)
        for section, text in sources.items():
            with open(os.path.join(folder, f"{section}.py"), "w", encoding="utf-8") as f:
                f.write(text)


def profile(root: str, only: list[str] | None) -> None:
    import cProfile
    import pstats

    sys.path.insert(0, common.REPO)
    from grader import runner, sources

    _, submissions = sources.discover(root)
    options = runner.GradeOptions(device="cpu", only=only)
    profiler = cProfile.Profile()
    profiler.enable()
    runner.grade(submissions, options)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    print(f"\nprofile of grading {len(submissions)} submissions in this process (parent side):")
    stats.sort_stats("tottime").print_stats(18)
    stats.sort_stats("cumulative").print_stats(30)


def main() -> int:
    parser = common.parser(__doc__ or "", default_repeat=1)
    parser.add_argument("--size", type=int, default=100, help="submissions in the big class")
    parser.add_argument("--small", type=int, default=4, help="submissions in the small class")
    parser.add_argument("--only", nargs="+", default=None, help="sections or items to grade")
    parser.add_argument("--profile", action="store_true", help="cProfile the small class")
    args = parser.parse_args()
    common.check_repeat(args.repeat)
    if not 0 < args.small < args.size:
        raise SystemExit("error: need 0 < --small < --size")
    if not args.no_header:
        common.print_header()
    only = ["--only", *args.only] if args.only else []
    scope = "only " + " ".join(args.only) if args.only else "full curriculum"
    scratch = tempfile.mkdtemp(prefix="bench-class-")
    speed_before = common.speed_reference()
    try:
        big, small = os.path.join(scratch, "big"), os.path.join(scratch, "small")
        build_class(big, args.size)
        build_class(small, args.small)
        walls: dict[tuple[str, int], float] = {}
        sampler = None
        for workers in (1, 2):
            for folder, size in ((small, args.small), (big, args.size)):
                argv = common.grade_command(
                    folder, "--device", "cpu", "--workers", str(workers), *only
                )
                times = []
                for _ in range(args.repeat):
                    if workers == 2 and folder == big and sampler is None:
                        started = time.perf_counter()
                        sampler = common.run_sampled(argv, interval=0.05)
                        times.append(time.perf_counter() - started)
                    else:
                        times.append(common.run_timed(argv))
                walls[(str(workers), size)] = common.median(times)
        for workers in ("1", "2"):
            whole = walls[(workers, args.size)]
            marginal = (whole - walls[(workers, args.small)]) / (args.size - args.small)
            label = "sequential" if workers == "1" else "--workers 2"
            common.print_row(
                f"class of {args.size}, {label}",
                common.seconds(whole),
                args.repeat,
                f"{whole / args.size:.2f} s per submission overall; {scope}",
            )
            notes = f"(class of {args.size} - class of {args.small}) / {args.size - args.small}"
            if workers == "2":
                notes += "; " + common.verdict(marginal, TARGET, "1 s")
            common.print_row(
                f"marginal per submission, {label}", common.seconds(marginal), args.repeat, notes
            )
        speedup = walls[("1", args.size)] / walls[("2", args.size)]
        common.print_row(
            "speed-up of --workers 2", f"{speedup:.2f}x", args.repeat, common.load_note()
        )
        speed_after = common.speed_reference()
        common.print_row(
            "machine speed",
            common.seconds(max(speed_before, speed_after)),
            2,
            common.speed_note(speed_before, speed_after),
        )
        if sampler is not None and sampler.peak is not None:
            common.print_row(
                f"peak memory, class of {args.size}, 2 workers",
                common.megabytes(sampler.peak.rss),
                1,
                f"summed RSS of {sampler.most_processes} processes at most; "
                f"PSS {common.megabytes(sampler.peak_pss)}",
            )
        if args.profile:
            profile(small, args.only)
    except common.CommandFailed as exc:
        common.print_row("grade a class", "failed", 0, str(exc))
        return 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
