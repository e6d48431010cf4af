"""Peak memory of a grading run: the grader, its zygote and the sandboxed children together.

Runs ``python -m grader grade solutions --device cpu`` (every section) ``--repeat`` times. While
each run lasts, a thread samples every ~10 ms the process tree rooted at the grader (children found
through ``/proc/<pid>/task/*/children``) and sums ``VmRSS`` from ``/proc/<pid>/status``. Prints the
median of the runs' peaks (target ≤ 768 MB).

A summed RSS counts a page shared by several processes once per process: the children are forked
from the zygote and share its torch pages copy-on-write, so the sum overstates what the machine
really uses. The notes therefore also give the peak summed PSS (shared pages divided among their
users, from ``smaps_rollup``, read every ~100 ms) and how the RSS peak splits between the grader,
the zygote and the children.

    python bench/bench_memory.py [--repeat N]
"""

from __future__ import annotations

import common

TARGET_BYTES = 768 << 20
ROLES = {0: "grader", 1: "zygote"}


def breakdown(sample: common.TreeSample) -> str:
    parts = []
    for depth in sorted(sample.by_depth):
        count, rss = sample.by_depth[depth]
        if depth in ROLES:
            role = ROLES[depth]
        else:
            role = "child" + ("ren" if count != 1 else "") if depth == 2 else f"depth {depth}"
        shown = f"{count} {role}" if depth >= 2 else role
        parts.append(f"{shown} {common.megabytes(rss)}")
    return " + ".join(parts)


def main() -> int:
    args = common.parser(__doc__ or "", default_repeat=2).parse_args()
    common.check_repeat(args.repeat)
    if not args.no_header:
        common.print_header()
    command = common.grade_command(common.SOLUTIONS, "--device", "cpu")
    samplers = []
    try:
        for _ in range(args.repeat):
            samplers.append(common.run_sampled(command, interval=0.01))
    except common.CommandFailed as exc:
        common.print_row("peak RSS, grade solutions", "failed", 0, str(exc))
        return 1
    peaks = [s.peak.rss for s in samplers if s.peak is not None]
    peak = common.median(peaks)
    worst = max(samplers, key=lambda s: s.peak.rss if s.peak is not None else 0)
    assert worst.peak is not None
    pss = common.median([s.peak_pss for s in samplers])
    notes = (
        common.verdict(peak, TARGET_BYTES, "768 MB")
        + f"; max {common.megabytes(worst.peak.rss)} = {breakdown(worst.peak)}"
        + f"; peak PSS {common.megabytes(pss)}"
        + f"; up to {max(s.most_processes for s in samplers)} processes"
        + f"; {sum(s.samples for s in samplers) // len(samplers)} samples/run"
    )
    if any(s.pss_unreadable for s in samplers):
        notes += " (PSS partly unreadable)"
    common.print_row(
        "peak RSS sum, grade solutions (all)", common.megabytes(peak), len(peaks), notes
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
