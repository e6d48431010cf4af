"""Grade the learner-mistake catalogue with the public checks only, as `make check --seed S` would.

    python tests/public_catalogue.py [SECTION ...] [--seed S ...] [--json FILE] [--transport T]

The catalogue is tests/mutants/: one file per realistic mistake, tagged with the item it breaks
(``TARGET``) and whether the public checks must catch it (``PUBLIC``). Each mistake is the
solutions' section with the mistake appended; it runs the public checks of its own item, with the
"check" profile and each given seed (the examples a learner gets from ``make check --seed S``).
A mistake is caught when its item loses points under every seed. A mistake tagged ``PENDING``
waits for a check to be written elsewhere: it is expected to get through for now.

Prints one line per mistake and the figures; exits 1 if a mistake tagged PUBLIC got through.
``tests/test_learner_mistakes.py`` runs it; the grade's side (every mistake loses points there)
is tests/test_mutants.py's.
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

from public_seeds import run_public_checks
from support import TESTS, metadata, with_appended, write_submission

SEEDS = (1, 2)
"""The seeds the kit's test grades the catalogue under (any seed should do)."""


def mistakes(sections: list[str] | None = None) -> list[Path]:
    return [
        path
        for path in sorted((TESTS / "mutants").glob("*/*.py"))
        if sections is None or path.parent.name in sections
    ]


def verdicts(paths: list[Path], failures: list[dict], seeds: list[int]) -> list[dict[str, Any]]:
    """Per mistake: its tags, and whether the public checks caught it under every seed."""
    rows = []
    for path in paths:
        name = f"{path.parent.name}-{path.stem}"
        meta = metadata(path)
        mine = [f for f in failures if f["case"] == name]
        caught = [any(f["seed"] == seed for f in mine) for seed in seeds]
        rows.append(
            {
                "mistake": name,
                "item": meta["TARGET"],
                "public": meta.get("PUBLIC"),
                "pending": "PENDING" in meta,
                "caught": all(caught),
                "sometimes": any(caught) and not all(caught),
                "failing": sorted({f["check"] for f in mine}),
            }
        )
    return rows


def run(
    sections: list[str] | None, seeds: list[int], transport: str = "sandbox"
) -> list[dict[str, Any]]:
    paths = mistakes(sections)
    with tempfile.TemporaryDirectory(prefix="public-catalogue-") as scratch:
        plan = []
        for path in paths:
            section = path.parent.name
            name = f"{section}-{path.stem}"
            folder = write_submission(
                Path(scratch) / name, {section: with_appended(path.read_text(), section)}
            )
            plan.append((name, folder, [metadata(path)["TARGET"]]))
        chosen = sorted({p.parent.name for p in paths})
        failures = run_public_checks(
            plan, seeds, chosen, first_failure_only=True, transport=transport
        )
    return verdicts(paths, failures, seeds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sections", nargs="*")
    parser.add_argument("--seed", type=int, action="append", dest="seeds")
    parser.add_argument("--json", help="write the verdicts here")
    parser.add_argument(
        "--transport", default="sandbox", choices=["sandbox", "portable"], help="where code runs"
    )
    args = parser.parse_args(argv)
    seeds = args.seeds or list(SEEDS)
    started = time.monotonic()
    rows = run(args.sections or None, seeds, args.transport)
    elapsed = time.monotonic() - started
    for row in rows:
        flag = "ok " if row["caught"] or not row["public"] else "BAD"
        flag = "pending" if row["pending"] and not row["caught"] else flag
        seen = "caught" if row["caught"] else ("sometimes" if row["sometimes"] else "missed")
        print(f"{flag} {row['mistake']:58} public={row['public']!s:5} {seen:9} {row['failing']}")
    tagged = sum(bool(r["public"]) for r in rows)
    caught = sum(r["caught"] for r in rows)
    print(
        f"{len(rows)} mistakes: {tagged} tagged PUBLIC, {caught} caught by the public checks "
        f"({caught / max(1, len(rows)):.1%}) under seeds {seeds}; {elapsed:.1f} s"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 1 if any(r["public"] and not r["caught"] and not r["pending"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
