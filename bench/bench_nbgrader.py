"""Ten notebook submissions through nbgrader's in-kernel path and through the sandboxed one.

One course folder is released from ``solutions/`` (``nbgrader generate_assignment``); ten students
each hand in the reference solution of ``modules`` as a notebook (``--all-sections``: every section
that has checks). Then, in the same run so that both see the same machine load:

- ``nbgrader autograde --SandboxGrades.in_kernel=True`` — the in-kernel opt-in (what plain
  ``nbgrader autograde`` did before the course was secure by default): a kernel per notebook runs
  the student's cells and the test cells, which grade in the kernel (in-process transport);
- ``python -m grader nbgrader autograde --force`` — nbgrader's own autograde with the sandbox in
  place of its kernel: one zygote, a contained child per notebook;
- ``python -m grader grade CLASS --workers 2`` on the same notebooks (each student's folder of
  submitted notebooks), which is what the class-mode target compares against.

Prints the wall time of each command and the time per submission (start-up included: it is what
a course pays), and the ratio of plain nbgrader to ``grade --workers 2`` (issue 7: at least 6x).

    python bench/bench_nbgrader.py [--repeat N] [--students N] [--all-sections]
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile

import common

sys.path.insert(0, common.REPO)

ASSIGNMENT = "builders_guide"


def main() -> int:
    parser = common.parser(__doc__ or "", default_repeat=1)
    parser.add_argument("--students", type=int, default=10, metavar="N")
    parser.add_argument(
        "--all-sections", action="store_true", help="hand in every graded section, not modules"
    )
    args = parser.parse_args()
    common.check_repeat(args.repeat)
    if not args.no_header:
        common.print_header()
    try:
        import nbgrader  # noqa: F401
    except ImportError:
        common.print_row("nbgrader autograde", "skipped", 0, "nbgrader not installed")
        return 0
    from grader.nbgrader import handin, release

    env_path = release.tool_environment()["PATH"]
    os.environ["PATH"] = env_path
    with tempfile.TemporaryDirectory(prefix="bench-nbgrader-") as course:
        written = release.release(course, assignment=ASSIGNMENT, quiet=True)
        graded = [
            entry.section
            for entry in written
            if entry.checks and (args.all_sections or entry.section == "modules")
        ]
        notebooks = {}
        for section in graded:
            released = handin.load(os.path.join(course, "release", ASSIGNMENT, f"{section}.ipynb"))
            source = handin.load(os.path.join(course, "source", ASSIGNMENT, f"{section}.ipynb"))
            notebooks[section] = handin.answered(released, handin.solution_answers(source))
        for index in range(args.students):
            handin.hand_in(course, ASSIGNMENT, f"student{index:02d}", notebooks)
        class_dir = os.path.join(course, "class")
        for index in range(args.students):
            student = f"student{index:02d}"
            shutil.copytree(
                os.path.join(course, "submitted", student, ASSIGNMENT),
                os.path.join(class_dir, student),
            )
        plain = [
            common.PYTHON,
            "-m",
            "nbgrader",
            "autograde",
            ASSIGNMENT,
            "--force",
            "--SandboxGrades.in_kernel=True",
        ]
        secure = [common.PYTHON, "-m", "grader", "nbgrader", "autograde", ASSIGNMENT, "--force"]
        json_out = os.path.join(course, "grade.json")
        graded_class = common.grade_command(
            class_dir, "--device", "cpu", "--workers", "2", "--json", json_out
        )
        plain_times, secure_times, class_times = [], [], []
        speed_before = common.speed_reference()
        try:
            for _ in range(args.repeat):
                shutil.rmtree(os.path.join(course, "autograded"), ignore_errors=True)
                plain_times.append(common.run_timed(plain, cwd=course))
                shutil.rmtree(os.path.join(course, "autograded"), ignore_errors=True)
                secure_times.append(common.run_timed(secure, cwd=course))
                class_times.append(common.run_timed(graded_class))
        except common.CommandFailed as exc:
            common.print_row("nbgrader autograde", "failed", 0, str(exc)[:200])
            return 1
        speed_after = common.speed_reference()
        with open(json_out, encoding="utf-8") as f:
            scores = sorted(
                {f"{s['score']:g}/{s['max_score']:g}" for s in json.load(f)["submissions"]}
            )
    plain_median = common.median(plain_times)
    secure_median = common.median(secure_times)
    what = f"{args.students} submissions x {len(graded)} graded notebook(s)"
    common.print_row(
        "nbgrader autograde --SandboxGrades.in_kernel=True (in-kernel opt-in)",
        common.seconds(plain_median),
        args.repeat,
        f"{what}; {common.seconds(plain_median / args.students)} per submission",
    )
    common.print_row(
        "grader nbgrader autograde (sandbox)",
        common.seconds(secure_median),
        args.repeat,
        f"{common.seconds(secure_median / args.students)} per submission; "
        f"{secure_median / plain_median:.2f}x plain nbgrader",
    )
    class_median = common.median(class_times)
    ratio = plain_median / class_median
    common.print_row(
        "grader grade --workers 2 (same notebooks)",
        common.seconds(class_median),
        args.repeat,
        f"{common.seconds(class_median / args.students)} per submission (scores {', '.join(scores)}); "
        "plain nbgrader takes "
        f"{ratio:.1f}x as long; target ≥ 6x: {'met' if ratio >= 6 else 'MISSED'}",
    )
    common.print_row(
        "machine speed",
        common.seconds(max(speed_before, speed_after)),
        2,
        common.speed_note(speed_before, speed_after),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
