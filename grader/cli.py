"""``python -m grader``: grade submissions, check your own work, regenerate the exercises.

    python -m grader grade SUBMISSION [--json FILE] [--device cpu|cuda|auto] [--only ID ...] [--workers N]
    python -m grader check [SUBMISSION] [--only ID ...]
    python -m grader exercises [--check]

Exit status: 0 whenever grading worked (whatever the score), 2 for a usage error or when the grader
could not run. ``check`` exits 1 while any public check fails, so a learner can loop on it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from grader import __version__

HELP_SUBMISSION = "a folder with section files (modules.py, …), a class folder of such folders, or one section file"
HELP_JSON = "write the results to FILE as JSON"
HELP_DEVICE = "device the checks run on (default: auto, which uses CUDA when available)"
HELP_ONLY = "grade only these items or sections (e.g. modules.MySequential, or modules)"
HELP_WORKERS = "grade a class folder with N worker processes (default 1)"
HELP_TIMEOUT = "seconds one probe may run before the submission's process is stopped (default 5)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m grader", description="Builders' Guide exercises and autograder"
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    grade = sub.add_parser("grade", help="grade one submission or a class folder")
    grade.add_argument("submission", help=HELP_SUBMISSION)
    grade.add_argument("--json", metavar="FILE", help=HELP_JSON)
    grade.add_argument(
        "--device", default="auto", choices=["cpu", "cuda", "auto"], help=HELP_DEVICE
    )
    grade.add_argument("--only", nargs="+", metavar="ID", help=HELP_ONLY)
    grade.add_argument("--workers", type=int, default=1, metavar="N", help=HELP_WORKERS)
    grade.add_argument("--timeout", type=float, default=5.0, metavar="SECONDS", help=HELP_TIMEOUT)
    grade.add_argument("--details", action="store_true", help="list every check in the table")
    grade.add_argument(
        "--transport",
        default="sandbox",
        choices=["sandbox", "in-process"],
        help="in-process runs student code inside the grader: unprotected, for debugging and benchmarks",
    )
    grade.add_argument(
        "--disable-layer", action="append", default=[], metavar="LAYER", help=argparse.SUPPRESS
    )

    check = sub.add_parser("check", help="run the public checks on your own work, with hints")
    check.add_argument(
        "submission", nargs="?", default="exercises", help=HELP_SUBMISSION + " (default: exercises)"
    )
    check.add_argument("--only", nargs="+", metavar="ID", help=HELP_ONLY)
    check.add_argument(
        "--device", default="auto", choices=["cpu", "cuda", "auto"], help=HELP_DEVICE
    )
    check.add_argument(
        "--seed", type=int, default=None, help="seed for the random examples (default: a new one)"
    )
    check.add_argument("--timeout", type=float, default=5.0, metavar="SECONDS", help=HELP_TIMEOUT)

    exercises = sub.add_parser("exercises", help="regenerate exercises/ from solutions/")
    exercises.add_argument(
        "--check", action="store_true", help="only report whether exercises/ is up to date"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "exercises":
        from grader import exercises

        return exercises.main(check_only=args.check)
    if args.command == "grade":
        return _grade(args)
    return _check(args)


def _options(args: argparse.Namespace, **overrides: object):
    from grader import curriculum
    from grader.runner import GradeOptions
    from grader.sandbox.client import SandboxPolicy

    if args.only:
        curriculum.select(args.only)  # validate before starting anything
    if args.timeout <= 0:
        raise ValueError(f"--timeout must be positive, not {args.timeout}")
    policy = SandboxPolicy(
        disabled=frozenset(getattr(args, "disable_layer", []) or []),
        probe_timeout=args.timeout,
    )
    return GradeOptions(device=args.device, only=args.only, policy=policy, **overrides)


def _grade(args: argparse.Namespace) -> int:
    from grader import errors, report, results, runner, sources

    if args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    try:
        mode, submissions = sources.discover(args.submission)
    except FileNotFoundError:
        print(f"error: {args.submission} does not exist", file=sys.stderr)
        return 2
    try:
        options = _options(args, transport=args.transport)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.transport == "in-process":
        print(
            "warning: --transport in-process runs student code inside the grader; results are marked unprotected",
            file=sys.stderr,
        )
    started = time.monotonic()
    try:
        if args.workers > 1 and mode == "class":
            from grader import workers

            graded = workers.grade_in_parallel(submissions, options, args.workers)
        else:
            graded = runner.grade(submissions, options)
    except errors.GraderError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        results.write_json(args.json, graded, class_mode=mode == "class")
    report.print_results(graded, class_mode=mode == "class")
    if mode == "single" and args.details:
        from rich.console import Console

        Console().print(report.submission_table(graded[0], show_checks=True))
    elapsed = time.monotonic() - started
    print(
        f"graded {len(graded)} submission(s) in {elapsed:.1f} s"
        + (f"; results in {args.json}" if args.json else "")
    )
    return 0


def _check(args: argparse.Namespace) -> int:
    from grader import errors, feedback, runner, sources

    try:
        mode, submissions = sources.discover(args.submission)
    except FileNotFoundError:
        print(f"error: {args.submission} does not exist", file=sys.stderr)
        return 2
    if mode == "class":
        print(
            f"error: {args.submission} holds several submissions; check one folder at a time",
            file=sys.stderr,
        )
        return 2
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "little") >> 1
    try:
        options = _options(args, profile="check", visibility="public", seed=seed)
        graded = runner.grade(submissions, options)
    except (ValueError, errors.GraderError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    feedback.print_check_report(graded[0], seed=seed)
    return 0 if graded[0].score == graded[0].max_score and graded[0].max_score > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
