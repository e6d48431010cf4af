"""``python -m grader``: grade submissions, check your own work, regenerate the exercises.

    python -m grader grade SUBMISSION [--json FILE] [--device cpu|cuda|auto] [--only ID ...] [--workers N]
    python -m grader check [SUBMISSION] [--only ID ...] [--seed N] [--show-output]
    python -m grader export RESULTS.json [--csv FILE] [--feedback DIR] [--gradescope FILE] ...
    python -m grader exercises [--check]
    python -m grader curriculum [--check]              (write CURRICULUM.md from the code)
    python -m grader new-item SECTION.NAME            (scaffold a new exercise; AUTHORING.md)
    python -m grader nbgrader release|autograde ...   (nbgrader course folder; see README)

Exit status: 0 whenever grading worked (whatever the score), 2 for a usage error or when the grader
could not run. ``check`` exits 1 while any public check fails, so a learner can loop on it.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
import time

from grader import __version__

HELP_SUBMISSION = "a folder with section files (modules.py, …), a class folder of such folders, or one section file"
HELP_JSON = "write the results to FILE as JSON"
HELP_DEVICE = "device the checks run on (default: auto, which uses CUDA when available)"
HELP_ONLY = "grade only these items or sections (e.g. modules.MySequential, or modules)"
HELP_NBGRADER_SUBMITTED = (
    "SUBMISSION is an nbgrader course folder (or its submitted/): grade "
    "submitted/<student>/ASSIGNMENT/ for every student (found by itself when there is one assignment)"
)
HELP_WORKERS = "grade a class folder with N worker processes (default 1)"
HELP_TIMEOUT = "seconds one probe may run before the submission's process is stopped (default 5)"
HELP_SUBMISSION_TIMEOUT = "seconds of running time one submission may use in all; the rest is then scored zero (default 300)"
HELP_RESUME = (
    "class mode: reuse the journal's results of students whose files and grader are unchanged"
)
HELP_NO_REPLAY = (
    "draw every check's examples afresh for each submission instead of replaying the ones the "
    "first passing submission drew (same results, slower; for auditing the replay)"
)
HELP_SHOW_OUTPUT = "show what your code printed (print, warnings) while each check ran"
HELP_JOURNAL = "class mode: append each result to FILE as it finishes (default: next to --json)"
EXPORT_HELP = {
    "csv": ("FILE", "write the class gradebook (one row per student, one column per item) as CSV"),
    "feedback": ("DIR", "write DIR/<student>.md: per-student feedback in Markdown"),
    "gradescope": (
        "FILE",
        "write Gradescope's results.json (a class: FILE is a folder of <student>.json)",
    ),
    "prairielearn": (
        "FILE",
        "write PrairieLearn's external-grader results.json (a class: a folder of <student>.json)",
    ),
    "junit": ("FILE", "write JUnit XML (one testsuite per student, one testcase per check)"),
}


TRANSPORT_LINES = {
    "sandbox": "Your code ran in the Linux sandbox (as it will when graded).",
    "portable": "Your code ran in a plain child process (the portable transport: the same checks "
    "and feedback as the sandbox, without its protections).",
}


def _add_export_options(parser: argparse.ArgumentParser) -> None:
    for name, (metavar, text) in EXPORT_HELP.items():
        parser.add_argument(f"--{name}", metavar=metavar, help=text)
    parser.add_argument(
        "--csv-layout",
        default="default",
        choices=["default", "canvas"],
        help="CSV columns: default (student_id, name, email, score, items; spreadsheets and "
        "Moodle) or canvas (Canvas's gradebook import: Student, ID, SIS User ID, SIS Login ID, "
        "Section, one assignment column)",
    )
    parser.add_argument(
        "--roster",
        metavar="FILE",
        help="CSV of identities for the gradebook: a student_id column (the folder name) and any "
        "of name, email, canvas_id, sis_user_id, sis_login_id, section",
    )
    parser.add_argument(
        "--assignment-title",
        metavar="TITLE",
        help="the assignment column's title in the Canvas layout (default: Builders' Guide)",
    )
    parser.add_argument(
        "--gradescope-hidden",
        default="after_published",
        choices=["hidden", "after_due_date", "after_published", "visible"],
        help="visibility of hidden checks' tests in Gradescope's results (default after_published)",
    )


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
    grade.add_argument(
        "--nbgrader-submitted", metavar="ASSIGNMENT", default=None, help=HELP_NBGRADER_SUBMITTED
    )
    grade.add_argument("--workers", type=int, default=1, metavar="N", help=HELP_WORKERS)
    grade.add_argument("--timeout", type=float, default=5.0, metavar="SECONDS", help=HELP_TIMEOUT)
    grade.add_argument(
        "--submission-timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help=HELP_SUBMISSION_TIMEOUT,
    )
    grade.add_argument("--details", action="store_true", help="list every check in the table")
    _add_export_options(grade)
    grade.add_argument("--no-replay", action="store_true", help=HELP_NO_REPLAY)
    grade.add_argument("--journal", metavar="FILE", help=HELP_JOURNAL)
    grade.add_argument("--resume", action="store_true", help=HELP_RESUME)
    grade.add_argument(
        "--transport",
        default="sandbox",
        choices=["sandbox", "portable", "in-process"],
        help="sandbox (default; Linux): each submission's code in a contained child; portable: "
        "a plain child process, unprotected, where the sandbox does not exist; in-process: "
        "student code inside the grader, unprotected, for debugging and benchmarks",
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
    check.add_argument("--show-output", action="store_true", help=HELP_SHOW_OUTPUT)
    check.add_argument(
        "--transport",
        default="auto",
        choices=["auto", "sandbox", "portable"],
        help="where your code runs: auto (default) picks the Linux sandbox where it works and a "
        "plain child process (portable) elsewhere",
    )

    export = sub.add_parser(
        "export", help="convert a results JSON (from grade --json) to other formats"
    )
    export.add_argument("results", metavar="RESULTS.json", help="a file written by grade --json")
    _add_export_options(export)

    exercises = sub.add_parser("exercises", help="regenerate exercises/ from solutions/")
    exercises.add_argument(
        "--check", action="store_true", help="only report whether exercises/ is up to date"
    )
    curriculum = sub.add_parser(
        "curriculum", help="write CURRICULUM.md (items and checks) from the code"
    )
    curriculum.add_argument(
        "--check", action="store_true", help="only report whether CURRICULUM.md is up to date"
    )
    new_item = sub.add_parser(
        "new-item", help="scaffold a new exercise: curriculum row, solution, probe, check, mutants"
    )
    new_item.add_argument("item", metavar="SECTION.NAME", help="e.g. layers.Doubler")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["nbgrader"]:  # release / autograde: own parser, needs the [nbgrader] extra
        try:
            from grader.nbgrader.cli import main as nbgrader_main
        except ModuleNotFoundError as exc:
            if not (exc.name or "").startswith("grader."):
                raise
            print(
                "error: the nbgrader commands are part of the instructor's kit, not the "
                "students' package",
                file=sys.stderr,
            )
            return 2
        return nbgrader_main(argv[1:])
    args = build_parser().parse_args(argv)
    if args.command == "exercises":
        from grader import stubs

        return stubs.main(check_only=args.check)
    if args.command in ("curriculum", "new-item"):
        from grader import authoring

        if args.command == "curriculum":
            return authoring.curriculum_main(check_only=args.check)
        return authoring.new_item_main(args.item)
    if args.command == "grade":
        args.argv = argv
        return _grade(args)
    if args.command == "export":
        return _export(args)
    return _check(args)


def _options(args: argparse.Namespace, **overrides: object):
    from grader import curriculum
    from grader.policy import SandboxPolicy
    from grader.runner import GradeOptions

    if args.only:
        curriculum.select(args.only)  # validate before starting anything
    if args.timeout <= 0:
        raise ValueError(f"--timeout must be positive, not {args.timeout}")
    submission_timeout = getattr(args, "submission_timeout", 300.0)
    if submission_timeout <= 0:
        raise ValueError(f"--submission-timeout must be positive, not {submission_timeout}")
    policy = SandboxPolicy(
        disabled=frozenset(getattr(args, "disable_layer", []) or []),
        probe_timeout=args.timeout,
        submission_timeout=submission_timeout,
    )
    return GradeOptions(device=args.device, only=args.only, policy=policy, **overrides)


def _grade(args: argparse.Namespace) -> int:
    from grader import errors, exporters, results, runner, sources
    from grader.exporters import terminal as report

    if args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    try:
        mode, submissions = sources.discover(
            args.submission, nbgrader_assignment=args.nbgrader_submitted
        )
    except FileNotFoundError:
        print(f"error: {args.submission} does not exist", file=sys.stderr)
        return 2
    except sources.SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        options = _options(args, transport=args.transport, replay=not args.no_replay)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.transport == "sandbox" and (why := runner.sandbox_unavailable()) is not None:
        # Never a silent fall back: a course's grades must say they were protected or not.
        print(
            f"error: {why}. To grade here anyway, unprotected, give --transport portable "
            '(results say "protected": false)',
            file=sys.stderr,
        )
        return 2
    if args.transport != "sandbox":
        print(
            f"warning: --transport {args.transport} runs student code without the sandbox; "
            "results are marked unprotected",
            file=sys.stderr,
        )
    if args.resume and mode != "class":
        print("error: --resume is for a class folder", file=sys.stderr)
        return 2
    journal = args.journal
    if journal is None and mode == "class" and args.json:
        from grader.workers import journal_path_for

        journal = journal_path_for(args.json)
    if args.resume and not journal:
        print(
            "error: --resume needs the journal of the earlier run: give --json or --journal",
            file=sys.stderr,
        )
        return 2
    started = time.monotonic()
    done: list[str] = []
    interrupted = False

    def on_interrupt(signum: int, frame: object) -> None:
        nonlocal interrupted
        interrupted = True
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        if mode == "class":
            from grader import workers

            with report.ClassProgress(len(submissions)) as progress:

                def finished(result: object, reused: bool = False) -> None:
                    done.append(getattr(result, "submission", ""))
                    progress.update(exporters.terminal_safe([result])[0], reused)

                graded = workers.grade_class(
                    submissions,
                    options,
                    workers=args.workers,
                    journal=journal,
                    resume=args.resume,
                    on_result=finished,
                    cancelled=lambda: interrupted,
                )
        else:
            graded = runner.grade(submissions, options)
    except KeyboardInterrupt:
        interrupted = True
    except errors.GraderError as exc:
        if not interrupted:  # pytest turns Ctrl-C into an exit code, and so into a GraderError
            print(f"error: {exc}", file=sys.stderr)
            return 2
    finally:
        signal.signal(signal.SIGINT, previous)
    if interrupted:
        _release_queues()
        kept = _journalled(journal, {s.name for s in submissions}) if journal else len(done)
        print(_interrupted_message(args, kept, len(submissions), journal), file=sys.stderr)
        return 130
    if args.json:
        os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
        results.write_json(args.json, graded, class_mode=mode == "class")
    try:
        _write_exports(args, graded, class_mode=mode == "class")
    except (OSError, ValueError) as exc:  # a roster that cannot be read, a folder not writable
        print(
            f"error: the results are in the JSON file but an export failed: {exc}", file=sys.stderr
        )
        return 2
    report.print_results(exporters.terminal_safe(graded), class_mode=mode == "class")
    from grader.notebooks import print_notes

    print_notes(submissions)  # notebooks: magics and shell escapes that were not run
    if mode == "single" and args.details:
        from rich.console import Console

        Console().print(
            report.submission_table(exporters.terminal_safe(graded)[0], show_checks=True)
        )
    elapsed = time.monotonic() - started
    print(
        f"graded {len(graded)} submission(s) in {elapsed:.1f} s"
        + (f"; results in {args.json}" if args.json else "")
    )
    failed = [r.submission for r in graded if results.grader_failed(r)]
    if failed:
        shown = ", ".join(failed[:10]) + (
            f" and {len(failed) - 10} more" if len(failed) > 10 else ""
        )
        print(
            f"error: the grader itself failed on {len(failed)} submission(s) ({shown}): their "
            "affected items are 'ungradable', not zeros the students earned; see the grader "
            "errors above, fix the cause and grade them again (--resume regrades only these)",
            file=sys.stderr,
        )
        return EXIT_GRADER_FAILED
    return 0


EXIT_GRADER_FAILED = 3
"""grade's exit status when grading ran but the grader itself failed on some submission (a child
that could not start, a canary of honest code that failed, a probe that broke): their items are
ungradable, and the run must not pass for a clean one."""


def _release_queues() -> None:
    """The interrupted class run's queues: released now (python -m grader ends with os._exit,
    which would leave multiprocessing's tracker to report them as leaked)."""
    import gc

    gc.collect()
    try:
        from multiprocessing import util

        util._run_finalizers(0)  # what a normal interpreter exit runs: unlinks the semaphores
    except Exception:
        pass


def _journalled(journal: str, names: set[str]) -> int:
    """How many of these students' results the journal holds (what --resume will reuse)."""
    import json

    found = set()
    try:
        with open(journal, encoding="utf-8") as f:
            for line in f:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if isinstance(entry, dict) and entry.get("submission") in names:
                    found.add(entry["submission"])
    except OSError:
        return 0
    return len(found)


def _interrupted_message(
    args: argparse.Namespace, done: int, total: int, journal: str | None
) -> str:
    """One line after Ctrl-C: what is kept and the command that finishes the job."""
    if not journal:
        return (
            f"interrupted: {done} of {total} graded; nothing was kept (a class run with --json "
            "keeps a journal that --resume continues)"
        )
    argv = list(getattr(args, "argv", None) or sys.argv[1:])
    if "--resume" not in argv:
        argv.append("--resume")
    command = shlex.join([os.path.basename(sys.executable), "-m", "grader", *argv])
    return f"interrupted: {done} of {total} graded and kept in {journal}; resume with: {command}"


def _write_exports(args: argparse.Namespace, graded: list, *, class_mode: bool) -> list[str]:
    from grader import exporters

    requested = {name: getattr(args, name, None) for name in exporters.FORMATS}
    if not any(requested.values()):
        return []
    return exporters.export(
        graded,
        class_mode=class_mode,
        csv_layout=getattr(args, "csv_layout", "default"),
        roster=getattr(args, "roster", None),
        assignment=getattr(args, "assignment_title", None),
        gradescope_hidden=getattr(args, "gradescope_hidden", None),
        **requested,
    )


def _export(args: argparse.Namespace) -> int:
    from grader import exporters, results

    if not any(getattr(args, name, None) for name in exporters.FORMATS):
        print(
            "error: say what to write: " + ", ".join(f"--{n}" for n in exporters.FORMATS),
            file=sys.stderr,
        )
        return 2
    try:
        class_mode, graded = results.read_json(args.results)
    except FileNotFoundError:
        print(f"error: {args.results} does not exist", file=sys.stderr)
        return 2
    except (ValueError, KeyError, TypeError) as exc:
        print(
            f"error: {args.results} is not a results file written by grade --json ({exc})",
            file=sys.stderr,
        )
        return 2
    try:
        written = _write_exports(args, graded, class_mode=class_mode)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"wrote {path}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from grader import checklist, errors, runner, sources
    from grader.exporters import check_report as feedback

    try:
        mode, submissions = sources.discover(args.submission)
    except FileNotFoundError:
        print(f"error: {args.submission} does not exist", file=sys.stderr)
        return 2
    except sources.SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if mode == "class":
        print(
            f"error: {args.submission} holds several submissions; check one folder at a time",
            file=sys.stderr,
        )
        return 2
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "little") >> 1
    transport = args.transport
    if transport == "auto":
        transport = "sandbox" if runner.sandbox_unavailable() is None else "portable"
    elif transport == "sandbox" and (why := runner.sandbox_unavailable()) is not None:
        print(f"error: {why} (use --transport portable or auto)", file=sys.stderr)
        return 2
    recorder = None
    try:
        options = _options(
            args, profile="check", visibility="public", seed=seed, transport=transport
        )
        if args.show_output:
            recorder = feedback.OutputRecorder(runner.start_spawner(transport, options.policy))
            graded = runner.grade(submissions, options, zygote=recorder, on_check=recorder.on_check)
        else:
            graded = runner.grade(submissions, options)
    except (ValueError, errors.GraderError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if recorder is not None:
            recorder.close()
    feedback.print_check_report(
        graded[0],
        seed=seed,
        hidden=checklist.hidden_counts(),
        outputs=recorder.outputs if recorder is not None else None,
    )
    print(TRANSPORT_LINES[transport])
    return 0 if graded[0].score == graded[0].max_score and graded[0].max_score > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
