"""Does `make check` catch what the grade catches?

The learner-mistake catalogue is tests/mutants/: one file per realistic mistake, tagged with the
item it breaks (TARGET), the checks that must catch it in the grade (CAUGHT_BY) and whether the
public checks must catch it too (PUBLIC). tests/test_mutants.py holds the grade to every mistake;
this file holds `make check` to the ones tagged PUBLIC, and the catalogue to its size and share.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import MUTANTS
from support import PYTHON, REPO, TESTS, metadata

from grader.curriculum import ITEMS_BY_ID

MIN_MISTAKES = 90
MIN_PUBLIC_SHARE = 0.9


def test_the_catalogue_is_large_and_every_mistake_is_tagged() -> None:
    """Are there at least 90 mistakes, each naming a curriculum item and saying (True or False)
    whether the public checks must catch it, with at least 90% of them tagged PUBLIC?"""
    assert len(MUTANTS) >= MIN_MISTAKES
    for path in MUTANTS:
        meta = metadata(path)
        assert meta.get("TARGET") in ITEMS_BY_ID, path.name
        assert type(meta.get("PUBLIC")) is bool, f"{path.name}: PUBLIC = True or False"
    public = [p for p in MUTANTS if metadata(p)["PUBLIC"]]
    assert len(public) >= MIN_PUBLIC_SHARE * len(MUTANTS)


def test_every_item_has_a_mistake_the_public_checks_catch() -> None:
    """Does every item have at least one mistake tagged PUBLIC (its core behaviour is public)?"""
    tagged = {metadata(p)["TARGET"] for p in MUTANTS if metadata(p)["PUBLIC"]}
    assert sorted(set(ITEMS_BY_ID) - tagged) == []


@pytest.mark.slow
def test_public_checks_catch_every_mistake_tagged_public(tmp_path: Path) -> None:
    """Under `make check`'s own profile and two seeds, does every mistake tagged PUBLIC lose
    points on its item through the public checks alone, and do the public checks catch at least
    90% of the whole catalogue (mistakes whose check is PENDING elsewhere count as missed)?"""
    out = tmp_path / "verdicts.json"
    proc = subprocess.run(
        [PYTHON, str(TESTS / "public_catalogue.py"), "--json", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert out.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = {row["mistake"]: row for row in json.loads(out.read_text())}
    assert len(rows) == len(MUTANTS)
    pending = {f"{p.parent.name}-{p.stem}" for p in MUTANTS if "PENDING" in metadata(p)}
    missed = [
        name
        for name, row in rows.items()
        if row["public"] and not row["caught"] and name not in pending
    ]
    assert missed == [], proc.stdout[-3000:]
    caught = sum(row["caught"] for row in rows.values())
    assert caught >= MIN_PUBLIC_SHARE * len(rows)
