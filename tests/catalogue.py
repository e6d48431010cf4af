"""Grade the mutant catalogue of a few sections and say what is wrong, without the whole test run.

    python tests/catalogue.py parameters tying          # one class run, then a verdict per case

Builds the same submissions as the ``catalogue`` fixture (solutions, stubs, each mutant or variant
appended to its own section), but only for the named sections and graded with ``--only`` them.
It prints one line per case and exits 1 if any case breaks the rules test_mutants.py enforces.
For developers writing checks; ``make test`` stays the authority.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from support import (
    by_submission,
    grade,
    items,
    metadata,
    write_catalogue,
)


def _line(item: dict) -> str:
    failed = [c["name"] for c in item["checks"] if not c["passed"]]
    return f"{item['score']:g}/{item['max_score']:g} failing: {failed}"


def main(sections: list[str]) -> int:
    root = Path(tempfile.mkdtemp(prefix="catalogue-"))
    cases = write_catalogue(root, sections)
    start = time.perf_counter()
    results = by_submission(grade(root, "--only", *sections))
    elapsed = time.perf_counter() - start
    bad = 0
    chosen = [s + "." for s in sections]

    def graded(result: dict) -> dict[str, dict]:
        return {k: v for k, v in items(result).items() if k.startswith(tuple(chosen))}

    for name in ("solutions", "stubs"):
        for item_id, item in graded(results[name]).items():
            full = item["score"] == item["max_score"] and item["max_score"] > 0
            ok = full if name == "solutions" else item["score"] == 0
            bad += not ok
            print(f"{'ok ' if ok else 'BAD'} {name:40} {item_id:36} {_line(item)}")
    for name, (kind, path) in cases.items():
        meta = metadata(path)
        result = graded(results[name])
        if kind == "mutant":
            target = meta["TARGET"]
            item = result[target]
            failed = {c["name"] for c in item["checks"] if not c["passed"]}
            others = [k for k, v in result.items() if k != target and v["score"] != v["max_score"]]
            missing = [c for c in meta["CAUGHT_BY"] if c not in failed]
            ok = item["score"] < item["max_score"] and not others and not missing
            extra = f" others lost: {others}" if others else ""
            extra += f" CAUGHT_BY not failing: {missing}" if missing else ""
            print(f"{'ok ' if ok else 'BAD'} {name:40} {target:36} {_line(item)}{extra}")
        else:
            lost = {k: _line(v) for k, v in result.items() if v["score"] != v["max_score"]}
            ok = not lost
            print(f"{'ok ' if ok else 'BAD'} {name:40} {meta['ITEM']:36} {lost or 'full'}")
        bad += not ok
    print(f"{len(results)} submissions graded in {elapsed:.1f} s; {bad} problem(s); in {root}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["modules"]))
