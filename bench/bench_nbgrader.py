"""Ten notebook submissions through plain ``nbgrader autograde`` and through the secure path.

One course folder is released from ``solutions/`` (``nbgrader generate_assignment``); ten students
each hand in the reference solution of ``modules`` as a notebook (``--all-sections``: every section
that has checks). Then, in the same run so that both see the same machine load:

- ``nbgrader autograde`` — a kernel per notebook runs the student's cells and the test cells, which
  grade in the kernel (in-process transport);
- ``python -m grader nbgrader autograde --force`` — nbgrader's own autograde with the sandbox in
  place of its kernel: one zygote, a contained child per notebook.

Prints the wall time of each command and the time per submission; both fill the same gradebook.

    python bench/bench_nbgrader.py [--repeat N] [--students N] [--all-sections]
"""

from __future__ import annotations

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
        plain = [common.PYTHON, "-m", "nbgrader", "autograde", ASSIGNMENT, "--force"]
        secure = [common.PYTHON, "-m", "grader", "nbgrader", "autograde", ASSIGNMENT, "--force"]
        plain_times, secure_times = [], []
        try:
            for _ in range(args.repeat):
                shutil.rmtree(os.path.join(course, "autograded"), ignore_errors=True)
                plain_times.append(common.run_timed(plain, cwd=course))
                shutil.rmtree(os.path.join(course, "autograded"), ignore_errors=True)
                secure_times.append(common.run_timed(secure, cwd=course))
        except common.CommandFailed as exc:
            common.print_row("nbgrader autograde", "failed", 0, str(exc)[:200])
            return 1
    plain_median = common.median(plain_times)
    secure_median = common.median(secure_times)
    what = f"{args.students} submissions x {len(graded)} graded notebook(s)"
    common.print_row(
        "nbgrader autograde (in-kernel checks)",
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
