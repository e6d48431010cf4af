"""Run the public checks the way ``make check`` does, under many seeds, on correct code only.

    python tests/public_seeds.py [--seeds N] [--offset K] [--sections modules ...]

Every seed is one ``make check --seed S``: each public check draws fresh examples from
``S + crc32(check name)``. The solutions run every public check; each correct variant in
tests/variants/ runs the public checks of its own item (the rest of its file is the solutions).
Nothing correct may ever fail. Prints one line per failure and exits 1 if there was any.

The checks are called directly (no pytest session per seed: one submission's process serves every
seed), with hypothesis's "check" profile and the plugin's per-check seed; shrinking is left out,
since the feedback of a failure here is for the kit's developers. ``tests/test_public_seeds.py``
runs this under at least 200 seeds.

Under one seed every case draws the same examples for a check (its seed depends on the seed and
the check's name only), so the variants replay the examples the solutions passed with
(grader/replay.py, as class grading does) instead of drawing them again: the same examples, the
same verdict (tests/test_replay.py), without the cost of drawing. An example a variant does not
pass sends the check back to hypothesis, which then decides as it would have.
"""

from __future__ import annotations

import argparse
import importlib
import json
import random
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import TESTS, all_solution_sources, metadata, with_appended, write_submission

REPORTED_SEEDS = (3, 6, 815875045, *range(100, 140))
"""Seeds on which the one-element-view bug of serialization's byte reader failed a correct save."""


def seeds(count: int, offset: int = 0) -> list[int]:
    """The reported seeds, then seeds drawn from a fixed generator: ``count`` in all (at least the
    reported ones), the first ``offset`` of that list left out (to split the work)."""
    drawn = random.Random(15)
    chosen = list(REPORTED_SEEDS)
    while len(chosen) < count:
        seed = drawn.getrandbits(31)
        if seed not in chosen:
            chosen.append(seed)
    return chosen[offset:count]


def public_checks(sections: list[str]) -> dict[str, list[tuple[str, Callable[..., Any], bool]]]:
    """{item: [(check name, hypothesis test, gpu_only)]} of the public checks of these sections,
    imported under the "check" profile (settings are fixed when a check's module is imported)."""
    from hypothesis import settings

    import grader.plugin  # registers the profiles

    settings.load_profile("check")
    found: dict[str, list[tuple[str, Callable[..., Any], bool]]] = {}
    for section in sections:
        module = importlib.import_module(f"grader.checks.test_{section}")
        for name, fn in vars(module).items():
            marks = [m for m in getattr(fn, "pytestmark", []) if m.name == grader.plugin.MARKER]
            if not name.startswith("test_") or not marks:
                continue
            kwargs = marks[0].kwargs
            if kwargs["visibility"] == "public":
                found.setdefault(kwargs["item"], []).append((name, fn, kwargs["gpu_only"]))
    return found


def cases(root: Path, sections: list[str]) -> list[tuple[str, Path, list[str] | None]]:
    """(name, folder, items) for the solutions (every item) and each variant (its own item)."""
    solutions = all_solution_sources()
    write_submission(root / "solutions", solutions)
    found: list[tuple[str, Path, list[str] | None]] = [("solutions", root / "solutions", None)]
    for path in sorted((TESTS / "variants").glob("*/*.py")):
        section = path.parent.name
        if section not in sections:
            continue
        name = f"variant-{section}-{path.stem}"
        folder = write_submission(root / name, {section: with_appended(path.read_text(), section)})
        found.append((name, folder, [metadata(path)["ITEM"]]))
    return found


def run_public_checks(
    plan: list[tuple[str, Path, list[str] | None]],
    seed_list: list[int],
    sections: list[str],
    *,
    first_failure_only: bool = False,
    out: Any = None,
    transport: str = "sandbox",
    replayed: bool = False,
) -> list[dict]:
    """Every public check of each case's items (None: every item of ``sections``) under every
    seed, as `make check --seed S` runs it; the failures, as data. With ``first_failure_only`` a
    case stops at its first failing check under a seed (enough to say it lost points).
    ``transport``: where the code runs (sandbox, or portable as `check` picks off Linux).
    ``replayed``: later cases replay the examples an earlier case passed under the same seed
    (correct code only: a miss falls back to hypothesis in the same process)."""
    from grader import curriculum, errors, frameworks, replay, sources, verdicts
    from grader.policy import SandboxPolicy
    from grader.runner import TransportOpener, start_spawner
    from grader.shrinking import RUNNING, budget_body
    from grader.submission import Submission

    zygote = start_spawner(transport, SandboxPolicy())
    import torch
    from hypothesis import Phase
    from hypothesis import settings as hsettings

    torch.set_num_threads(1)
    checks = public_checks(sections)
    for entries in checks.values():
        for _, fn, _ in entries:
            if not hasattr(fn, "hypothesis"):
                continue  # a plain check: no examples to draw
            frameworks.no_example_database(fn)
            if replayed:
                budget_body(fn)  # records examples
            frameworks.use_settings(
                fn,
                hsettings(frameworks.settings_of(fn), phases=(Phase.explicit, Phase.generate)),
            )
    zygote.ready()
    opener = TransportOpener(transport, "cpu", zygote=zygote)
    failures: list[dict] = []
    prepared = []
    try:
        for name, folder, items in plan:
            _, (source,) = sources.discover(str(folder))
            wanted = items or [i.id for i in curriculum.ITEMS if i.section in sections]
            prepared.append((name, Submission(source, opener(source), "cpu"), wanted))
        for seed in seed_list:
            started = time.monotonic()
            replay.forget()  # recordings are per seed
            for name, submission, wanted in prepared:
                failed = False
                for item in wanted:
                    section = curriculum.ITEMS_BY_ID[item].section
                    for check_name, fn, gpu_only in checks.get(item, []):
                        if gpu_only or (failed and first_failure_only):
                            continue
                        frameworks.fix_seed(fn, seed + zlib.crc32(check_name.encode()))
                        submission.begin_check()
                        try:
                            submission.load(section)
                            if not (replayed and _replay(fn, check_name, submission)):
                                fn(submission=submission)
                                if RUNNING.recorder is not None:
                                    RUNNING.recorder.keep()
                        except BaseException as exc:
                            if isinstance(exc, KeyboardInterrupt):
                                raise
                            failed = True
                            failure = verdicts.grading_failure(exc)
                            text = (
                                failure.feedback(public=True)
                                if isinstance(failure, errors.GradingFailure)
                                else f"{type(exc).__name__}: {exc}"
                            )
                            RUNNING.recorder = None
                            failures.append(
                                {"seed": seed, "case": name, "check": check_name, "text": text}
                            )
                            if out is not None:
                                print(json.dumps(failures[-1]), file=out, flush=True)
                if transport == "portable":
                    # Each portable child is a whole interpreter with torch (~150 MB, nothing
                    # shared as the zygote's forks share it): keep only this case's alive.
                    submission.transport.close()
            print(
                f"seed {seed}: {time.monotonic() - started:.1f} s, "
                f"{len(failures)} failure(s) so far",
                file=sys.stderr,
                flush=True,
            )
    finally:
        for _, submission, _ in prepared:
            submission.close()
        zygote.close()
    return failures


def _replay(fn: Callable[..., Any], check_name: str, submission: Any) -> bool:
    """Whether ``fn`` passed on the examples recorded for it under this seed. Without a recording
    yet: False, with a recorder set so that this run's examples are kept if it passes."""
    from grader import errors, replay
    from grader.shrinking import RUNNING, budgeted_body

    RUNNING.recorder = None
    inner = budgeted_body(fn)
    if inner is None:
        return False  # a plain check: nothing drawn
    key = (fn.__module__, check_name, "cpu")
    examples = replay.recorded(key)
    if examples is None:
        RUNNING.recorder = replay.Recorder(key, ["submission"])
        return False
    verdict = replay.replay(inner, {"submission": submission}, examples)
    if isinstance(verdict, errors.GradingFailure):
        raise verdict  # terminal: hypothesis would stop on it too
    return verdict


def run(seed_list: list[int], sections: list[str], *, out: Any = sys.stdout) -> list[dict]:
    """The solutions and every variant of ``sections`` under every seed; the failures."""
    with tempfile.TemporaryDirectory(prefix="public-seeds-") as scratch:
        plan = cases(Path(scratch), sections)
        return run_public_checks(plan, seed_list, sections, out=out, replayed=True)


def main(argv: list[str] | None = None) -> int:
    from grader.curriculum import SECTIONS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200, help="how many seeds in all")
    parser.add_argument("--offset", type=int, default=0, help="leave out the first K seeds")
    parser.add_argument("--sections", nargs="+", default=list(SECTIONS), choices=SECTIONS)
    args = parser.parse_args(argv)
    failures = run(seeds(args.seeds, args.offset), args.sections)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
