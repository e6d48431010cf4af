"""Sandbox transport against in-process transport on the same checks (modules section).

Two views, each printed as a pair of rows with the sandbox/in-process ratio (target ≤ 1.3x):

1. Through the CLI: ``python -m grader grade solutions --device cpu --only modules
   [--transport in-process]``, the two transports interleaved, ``--repeat`` runs each. This
   includes everything: start-up (the sandbox's zygote), the checks, exit.
2. Steady state, inside one process: a class folder of ``--copies`` students, each holding a copy
   of solutions/modules.py, graded by ``grader.runner.grade`` with
   ``GradeOptions(device="cpu", only=["modules"], transport=...)``. Each transport runs in a fresh
   interpreter (this script with ``--inner``), which records when each submission's result
   arrives. The marginal time per submission is the median gap between consecutive results
   (the first submission, which pays for the first child and first-time imports, is left out);
   the notes give the start-up (``grade()`` called to first submission opened) and the first
   submission's own time. ``--steady-repeat`` fresh interpreters per transport, interleaved.

   As a diagnostic, the sandbox row's notes also give the marginal time of the sandbox transport
   with every containment layer disabled (``SandboxPolicy(disabled=<all>, uid_drop="never")``):
   what a child per submission costs without containment, i.e. how much of the sandbox's extra
   time is containment and how much is the process boundary (fresh child, encoded replies).

    python bench/bench_transport.py [--repeat N] [--copies N] [--steady-repeat N]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import common

TARGET = 1.3
TRANSPORTS = ("in-process", "sandbox")
NO_LAYERS = "sandbox-no-layers"
VARIANTS = (*TRANSPORTS, NO_LAYERS)


def inner(variant: str, copies: int) -> dict[str, object]:
    """Grade a class of ``copies`` solutions in this process; timings as plain data."""
    from grader import runner, sources
    from grader.sandbox.client import LAYER_SWITCHES, SandboxPolicy

    with tempfile.TemporaryDirectory(prefix="bench-transport-class-") as folder:
        for index in range(copies):
            student = os.path.join(folder, f"student{index:03d}")
            os.makedirs(student)
            shutil.copy(os.path.join(common.SOLUTIONS, "modules.py"), student)
        mode, submissions = sources.discover(folder)
        if mode != "class" or len(submissions) != copies:
            raise RuntimeError(f"expected a class of {copies}, found {mode} {len(submissions)}")
        arrived: list[float] = []
        options = runner.GradeOptions(device="cpu", only=["modules"], transport=variant)
        if variant == NO_LAYERS:
            options.transport = "sandbox"
            options.policy = SandboxPolicy(disabled=frozenset(LAYER_SWITCHES), uid_drop="never")
        started = time.perf_counter()
        results = runner.grade(
            submissions,
            options,
            on_result=lambda _result: arrived.append(time.perf_counter() - started),
        )
        total = time.perf_counter() - started
    own = [float(r.timing["seconds"]) for r in results]
    return {
        "variant": variant,
        "total": total,
        "arrived": arrived,
        "own": own,
        "scores": [r.score for r in results],
        "max_scores": [r.max_score for r in results],
    }


def run_inner(variant: str, copies: int) -> dict[str, object]:
    argv = [
        sys.executable,
        os.path.abspath(__file__),
        "--inner",
        variant,
        "--copies",
        str(copies),
    ]
    done = subprocess.run(
        argv, cwd=common.REPO, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False
    )
    if done.returncode != 0:
        raise common.CommandFailed(
            f"{' '.join(argv)} exited with status {done.returncode}:\n{done.stderr[-1500:]}"
        )
    last = done.stdout.strip().splitlines()[-1]
    return json.loads(last)


def cli_rows(repeat: int) -> None:
    times: dict[str, list[float]] = {t: [] for t in TRANSPORTS}
    base = common.grade_command(common.SOLUTIONS, "--device", "cpu", "--only", "modules")
    for _ in range(repeat):
        for transport in TRANSPORTS:
            times[transport].append(common.run_timed([*base, "--transport", transport]))
    in_process = common.median(times["in-process"])
    sandbox = common.median(times["sandbox"])
    ratio = sandbox / in_process
    common.print_row("CLI grade --only modules, in-process", common.seconds(in_process), repeat)
    common.print_row(
        "CLI grade --only modules, sandbox",
        common.seconds(sandbox),
        repeat,
        f"{ratio:.2f}x in-process ({sandbox - in_process:+.2f} s); "
        + common.verdict(ratio, TARGET, f"{TARGET:.1f}x"),
    )


def steady_rows(repeat: int, copies: int) -> None:
    gaps: dict[str, list[float]] = {v: [] for v in VARIANTS}
    startups: dict[str, list[float]] = {v: [] for v in VARIANTS}
    firsts: dict[str, list[float]] = {v: [] for v in VARIANTS}
    for _ in range(repeat):
        for variant in VARIANTS:
            data = run_inner(variant, copies)
            arrived = [float(x) for x in data["arrived"]]  # type: ignore[union-attr]
            own = [float(x) for x in data["own"]]  # type: ignore[union-attr]
            if data["scores"] != data["max_scores"]:
                print(f"warning: {variant}: solutions did not get full marks: {data['scores']}")
            gaps[variant].extend(b - a for a, b in itertools.pairwise(arrived))
            startups[variant].append(arrived[0] - own[0])
            firsts[variant].append(own[0])
    marginal = {v: common.median(gaps[v]) for v in VARIANTS}
    ratio = marginal["sandbox"] / marginal["in-process"]
    for transport in TRANSPORTS:
        notes = (
            f"start-up {common.seconds(common.median(startups[transport]))}, "
            f"first submission {common.seconds(common.median(firsts[transport]))}"
        )
        if transport == "sandbox":
            notes = (
                f"{ratio:.2f}x in-process; {common.verdict(ratio, TARGET, f'{TARGET:.1f}x')}; "
                + notes
                + f"; without layers {common.seconds(marginal[NO_LAYERS])}"
                + f" ({marginal[NO_LAYERS] / marginal['in-process']:.2f}x in-process)"
            )
        common.print_row(
            f"per submission (class of {copies}), {transport}",
            common.seconds(marginal[transport]),
            len(gaps[transport]),
            notes,
        )


def main() -> int:
    parser = common.parser(__doc__ or "", default_repeat=3)
    parser.add_argument(
        "--copies",
        type=int,
        default=6,
        metavar="N",
        help="students in the class graded in one process (default 6)",
    )
    parser.add_argument(
        "--steady-repeat",
        type=int,
        default=2,
        metavar="N",
        help="fresh interpreters per transport for the one-process class runs (default 2)",
    )
    parser.add_argument("--inner", choices=VARIANTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.copies < 2:
        raise SystemExit("error: --copies must be at least 2 (the first submission is left out)")
    if args.inner:
        print(json.dumps(inner(args.inner, args.copies)))
        return 0
    common.check_repeat(args.repeat)
    common.check_repeat(args.steady_repeat)
    if not args.no_header:
        common.print_header()
    try:
        cli_rows(args.repeat)
        steady_rows(args.steady_repeat, args.copies)
    except common.CommandFailed as exc:
        common.print_row("transport", "failed", 0, str(exc))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
