"""Grade the learner-mistake catalogue with the public checks only, as `make check --seed S` would.

    python tests/public_catalogue.py [SECTION ...] [--seed S ...] [--workers N] [--json FILE]

The catalogue is tests/mutants/: one file per realistic mistake, tagged with the item it breaks
(``TARGET``) and whether the public checks must catch it (``PUBLIC``). Each mistake is graded as a
submission holding only its own section (the solutions with the mistake appended), with the
public checks, the "check" profile and the given seeds (the same examples a learner gets from
``make check --seed S``). A mistake is caught when its item loses points under every seed.

Prints one line per mistake and the figures; exits 1 if a mistake tagged PUBLIC got through.
``tests/test_learner_mistakes.py`` runs it; ``make test`` stays the authority.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import TESTS, metadata, solution_source, with_appended, write_submission

SEEDS = (1, 2)
"""The seeds the kit's test grades the catalogue under (any seed should do)."""


def mistakes(sections: list[str] | None = None) -> list[Path]:
    return [
        path
        for path in sorted((TESTS / "mutants").glob("*/*.py"))
        if sections is None or path.parent.name in sections
    ]


def write_folders(root: Path, paths: list[Path]) -> dict[str, Path]:
    """One submission per mistake: its own section only. Returns {submission name: mistake file}."""
    names = {}
    for path in paths:
        section = path.parent.name
        name = f"{section}-{path.stem}"
        write_submission(root / name, {section: with_appended(path.read_text(), section)})
        names[name] = path
    sections = sorted({p.parent.name for p in paths})
    write_submission(root / "~solutions", {s: solution_source(s) for s in sections})
    return names


def grade_public(root: Path, seed: int, workers: int) -> dict[str, dict[str, Any]]:
    """{submission: result JSON} of the public checks under one seed."""
    from grader import sources
    from grader import workers as class_workers
    from grader.runner import GradeOptions

    _, submissions = sources.discover(str(root))
    options = GradeOptions(device="cpu", profile="check", visibility="public", seed=seed)
    results = class_workers.grade_class(submissions, options, workers=workers)
    return {r.submission: r.to_json() for r in results}


def verdicts(
    names: dict[str, Path], graded: list[dict[str, dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Per mistake: its tags, and whether the public checks caught it under every seed."""
    rows = []
    for name, path in names.items():
        meta = metadata(path)
        caught = []
        failing: set[str] = set()
        for results in graded:
            item = next(i for i in results[name]["exercises"] if i["id"] == meta["TARGET"])
            caught.append(item["score"] < item["max_score"])
            failing |= {c["name"] for c in item["checks"] if not c["passed"]}
        rows.append(
            {
                "mistake": name,
                "item": meta["TARGET"],
                "public": meta.get("PUBLIC"),
                "caught": all(caught),
                "sometimes": any(caught) and not all(caught),
                "failing": sorted(failing),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sections", nargs="*")
    parser.add_argument("--seed", type=int, action="append", dest="seeds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", help="write the verdicts here")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="public-catalogue-"))
    names = write_folders(root, mistakes(args.sections or None))
    started = time.monotonic()
    graded = [grade_public(root, seed, args.workers) for seed in args.seeds or SEEDS]
    elapsed = time.monotonic() - started
    solutions = [r["~solutions"] for r in graded]
    rows = verdicts(names, graded)
    for row in rows:
        flag = "ok " if row["caught"] or not row["public"] else "BAD"
        seen = "caught" if row["caught"] else ("sometimes" if row["sometimes"] else "missed")
        print(f"{flag} {row['mistake']:58} public={row['public']!s:5} {seen:9} {row['failing']}")
    tagged = sum(bool(r["public"]) for r in rows)
    caught = sum(r["caught"] for r in rows)
    print(
        f"{len(rows)} mistakes: {tagged} tagged PUBLIC, {caught} caught by the public checks "
        f"({caught / max(1, len(rows)):.1%}); graded in {elapsed:.1f} s"
    )
    full = all(r["score"] == r["max_score"] for r in solutions)
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "solutions_full": full}, indent=1))
    bad = [r for r in rows if r["public"] and not r["caught"]]
    return 1 if bad or not full else 0


if __name__ == "__main__":
    sys.exit(main())
