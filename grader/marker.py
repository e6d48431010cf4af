"""The ``@check`` marker: which curriculum item a check grades, its points and visibility."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

from grader import curriculum
from grader.results import Check

MARKER = "grader_check"
VISIBILITIES = ("public", "hidden")


def check(
    item: str, *, points: float, visibility: str = "hidden", gpu_only: bool = False
) -> Callable[[Any], Any]:
    """Tag a check with the curriculum item it grades, its points and its visibility."""
    if item not in curriculum.ITEMS_BY_ID:
        raise ValueError(f"@check: unknown item {item!r}")
    if not points > 0:
        raise ValueError(f"@check({item!r}): points must be positive, not {points!r}")
    if visibility not in VISIBILITIES:
        raise ValueError(
            f"@check({item!r}): visibility must be 'public' or 'hidden', not {visibility!r}"
        )
    return pytest.mark.grader_check(
        item=item, points=float(points), visibility=visibility, gpu_only=gpu_only
    )


def check_spec(function: Any, marker: pytest.Mark) -> Check:
    doc = inspect.getdoc(function) or ""
    lines = [line.strip() for line in doc.splitlines() if line.strip()]
    catches = next(
        (line.removeprefix("Catches:").strip() for line in lines if line.startswith("Catches:")), ""
    )
    return Check(
        name=function.__name__,
        item=marker.kwargs["item"],
        points=marker.kwargs["points"],
        visibility=marker.kwargs["visibility"],
        description=lines[0] if lines else "",
        catches=catches,
        gpu_only=marker.kwargs.get("gpu_only", False),
    )
