"""``python -m grader nbgrader release|autograde``: the nbgrader commands (needs the [nbgrader] extra).

python -m grader nbgrader release [--out build/release] [--assignment builders_guide] [--gpu]
python -m grader nbgrader autograde ASSIGNMENT [--course-dir DIR] [--student ID] [--force]
python -m grader nbgrader config      (print the grader's block of nbgrader_config.py)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from grader.nbgrader import release

USAGE = __doc__.split("\n\n", 1)[1]


def main(argv: list[str]) -> int:
    try:
        import nbgrader  # noqa: F401
    except ImportError:
        print(
            "error: nbgrader is not installed: pip install -e '.[nbgrader]' (make release does)",
            file=sys.stderr,
        )
        return 2
    if not argv or argv[0] not in ("release", "autograde", "config"):
        print(f"usage:\n{USAGE}", file=sys.stderr)
        return 2
    if argv[0] == "config":
        print(release.config_block(), end="")
        return 0
    if argv[0] == "autograde":
        from grader.nbgrader import autograde

        return autograde.main(argv[1:])
    parser = argparse.ArgumentParser(
        prog="python -m grader nbgrader release",
        description="write an nbgrader course folder from solutions/ and run "
        "nbgrader generate_assignment on it",
    )
    parser.add_argument("--out", default=os.path.join("build", "release"), help="course folder")
    parser.add_argument("--assignment", default=release.DEFAULT_ASSIGNMENT)
    parser.add_argument("--solutions", default=None, help="folder of solution modules")
    parser.add_argument(
        "--gpu", action="store_true", help="include GPU-only checks (grading machine has CUDA)"
    )
    args = parser.parse_args(argv[1:])
    try:
        written = release.release(
            args.out, assignment=args.assignment, solutions_dir=args.solutions, gpu=args.gpu
        )
    except subprocess.CalledProcessError as exc:
        print(f"error: nbgrader failed ({exc})", file=sys.stderr)
        return 2
    points = sum(c.points for entry in written for c in entry.checks)
    folder = os.path.join(args.out, "release", args.assignment)
    print(
        f"released {len(written)} notebooks ({points:g} points) to {folder}; "
        f"course folder {args.out} (run nbgrader there)"
    )
    print(release.protection_summary(args.out, args.assignment, written))
    return 0
