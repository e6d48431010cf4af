"""The mutant catalogue: each common mistake loses points on its own item and nowhere else, every check
catches at least one mistake, and correct variants keep full marks."""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import MUTANTS, VARIANTS, case_name
from support import failing_checks, items, metadata, question, registered_checks

GRADED_ITEMS = sorted(set(registered_checks().values()))


def _cases(paths: list) -> list:
    """A mistake tagged PENDING (a check still to be written elsewhere) is expected to keep full
    marks for now: strict, so the day it loses points the tag must go."""
    return [
        pytest.param(path, marks=pytest.mark.xfail(strict=True, reason=metadata(path)["PENDING"]))
        if "PENDING" in metadata(path)
        else path
        for path in paths
    ]


def _full_elsewhere(result: dict, *, except_item: str | None = None) -> list[str]:
    """Items other than except_item that did not get full marks."""
    return [
        f"{item_id}: {item['score']}/{item['max_score']} ({item['status']})"
        for item_id, item in items(result).items()
        if item_id != except_item and item["score"] != item["max_score"]
    ]


def test_solutions_get_full_marks(catalogue: dict) -> None:
    """Do the reference solutions get every point of every graded item?"""
    result = catalogue["solutions"]
    assert result["gradable"]
    assert result["max_score"] > 0
    assert _full_elsewhere(result) == []
    for item_id in GRADED_ITEMS:
        assert items(result)[item_id]["max_score"] > 0, f"{item_id} has no points"


def test_stubs_get_zero_and_say_not_attempted(catalogue: dict) -> None:
    """Do the generated stubs get zero on every graded item, reported as 'not attempted'?"""
    result = catalogue["stubs"]
    assert result["gradable"]
    assert result["score"] == 0
    for item_id in GRADED_ITEMS:
        item = items(result)[item_id]
        assert item["status"] == "not attempted", item
        # GPU-only checks are skipped on a CPU before anything is attempted.
        kinds = {c["kind"] for c in item["checks"]}
        assert "not attempted" in kinds and kinds <= {"not attempted", "skipped"}, item


@pytest.mark.parametrize("path", _cases(MUTANTS), ids=[case_name(p) for p in MUTANTS])
def test_mutant_loses_points_on_its_item_only(catalogue: dict, path) -> None:
    """(Each mutant file asks its own question; see its docstring.)"""
    meta = metadata(path)
    result = catalogue[f"mutant-{case_name(path)}"]
    target = items(result)[meta["TARGET"]]
    assert target["score"] < target["max_score"], (
        f"{question(path)}\nThe mutant kept full marks: {target}"
    )
    failed = {c["name"] for c in failing_checks(target)}
    for name in meta["CAUGHT_BY"]:
        assert name in failed, f"{name} should catch this mutant; failing checks: {sorted(failed)}"
    assert _full_elsewhere(result, except_item=meta["TARGET"]) == [], question(path)
    # A mistake is a mismatch or an error of the student's code, never the grader's own failure.
    assert all(c["kind"] != "grader error" for c in target["checks"])
    assert all(c["feedback"] for c in failing_checks(target))


@pytest.mark.parametrize("path", VARIANTS, ids=[case_name(p) for p in VARIANTS])
def test_variant_keeps_full_marks(catalogue: dict, path) -> None:
    """(Each variant file asks its own question; see its docstring.)"""
    result = catalogue[f"variant-{case_name(path)}"]
    assert _full_elsewhere(result) == [], question(path)


def test_every_check_catches_a_catalogued_mutant() -> None:
    """Does every registered check name at least one mutant that it catches?"""
    caught = {
        name
        for path in MUTANTS
        if "PENDING" not in metadata(path)
        for name in metadata(path)["CAUGHT_BY"]
    }
    missing = sorted(set(registered_checks()) - caught)
    assert missing == [], f"checks without a mutant in tests/mutants: {missing}"


def test_mutants_name_real_checks_of_their_target() -> None:
    """Does each mutant's CAUGHT_BY list only checks that exist and grade its TARGET?"""
    checks = registered_checks()
    for path in MUTANTS:
        meta = metadata(path)
        for name in meta["CAUGHT_BY"]:
            assert checks.get(name) == meta["TARGET"], (
                f"{path.name}: {name} does not grade {meta['TARGET']}"
            )


def test_every_graded_item_has_two_mutants_and_a_variant() -> None:
    """Does each graded item have at least two catalogued mistakes and one correct variant?"""
    mutants = Counter(metadata(path)["TARGET"] for path in MUTANTS)
    variants = Counter(metadata(path)["ITEM"] for path in VARIANTS)
    for item_id in GRADED_ITEMS:
        assert mutants[item_id] >= 2, f"{item_id} has {mutants[item_id]} mutant(s)"
        assert variants[item_id] >= 1, f"{item_id} has no variant"
