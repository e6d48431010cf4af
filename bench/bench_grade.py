"""Wall time to grade solutions/ (modules section) through the CLI, against ``import torch``.

Measures, interleaved in the same run so that both see the same machine load:

- ``python -c "import torch"``: the floor any grader that uses torch pays;
- ``python -m grader grade solutions --device cpu --only modules --json FILE``: the whole command,
  from exec to exit (interpreter, zygote start, pytest collection, the checks, the report).

Prints the medians and their ratio (target ≤ 2.0x). The notes split the grading time into the
checks of the submission (``timing.seconds`` in the JSON: first child to last check) and the rest
(start-up and shut-down), to tell which phase dominates. One unmeasured run of each warms the page
cache first.

    python bench/bench_grade.py [--repeat N]
"""

from __future__ import annotations

import json
import os
import tempfile

import common

TARGET = 2.0


def main() -> int:
    args = common.parser(__doc__ or "", default_repeat=5).parse_args()
    common.check_repeat(args.repeat)
    if not args.no_header:
        common.print_header()
    import_torch = [common.PYTHON, "-c", "import torch"]
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as scratch:
        result_file = os.path.join(scratch, "results.json")
        grade = common.grade_command(
            common.SOLUTIONS, "--device", "cpu", "--only", "modules", "--json", result_file
        )
        try:
            common.run_timed(import_torch)
            common.run_timed(grade)
            torch_times, grade_times, check_times = [], [], []
            for _ in range(args.repeat):
                torch_times.append(common.run_timed(import_torch))
                grade_times.append(common.run_timed(grade))
                with open(result_file) as f:
                    check_times.append(float(json.load(f)["timing"]["seconds"]))
        except common.CommandFailed as exc:
            common.print_row("grade solutions (modules), CLI", "failed", 0, str(exc))
            return 1
    torch_median = common.median(torch_times)
    grade_median = common.median(grade_times)
    checks_median = common.median(check_times)
    rest_median = common.median([g - c for g, c in zip(grade_times, check_times)])
    ratio = grade_median / torch_median
    common.print_row(
        'python -c "import torch"', common.seconds(torch_median), args.repeat, "baseline"
    )
    common.print_row(
        "grade solutions --only modules (CLI)",
        common.seconds(grade_median),
        args.repeat,
        f"{ratio:.2f}x import torch; {common.verdict(ratio, TARGET, f'{TARGET:.1f}x')}; "
        f"checks {common.seconds(checks_median)}, "
        f"start-up+exit {common.seconds(rest_median)}",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
