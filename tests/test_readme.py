"""README.md: do the figures it gives agree with the curriculum and the checks?"""

from __future__ import annotations

import re

from support import REPO

from grader.checklist import listed_checks
from grader.curriculum import ITEMS, SECTIONS

NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}


def _number(text: str) -> float:
    return float(NUMBERS.get(text.lower(), text))


def test_the_readme_counts_items_checks_and_points_as_they_are():
    """Does the README's sentence on what is graded give the number of sections, items, checks,
    points, public checks and points, GPU-only checks and the CPU total as the checks make them?"""
    text = " ".join((REPO / "README.md").read_text().split())
    found = re.search(
        r"All (\w+) sections are graded: (\d+) items, (\d+) checks, (\d+) points; (\d+) of the "
        r"checks \((\d+) points\) are public\. (\w+) checks \((\d+) points\) need a CUDA device .*?"
        r"gives (\d+)/(\d+)",
        text,
    )
    assert found, "the README's sentence on what is graded has changed: update this test"
    listed = listed_checks()
    public = [c for c in listed if c.visibility == "public"]
    gpu = [c for c in listed if c.gpu_only]
    cpu_points = sum(c.points for c in listed if not c.gpu_only)
    expected = [
        len(SECTIONS),
        len(ITEMS),
        len(listed),
        sum(c.points for c in listed),
        len(public),
        sum(c.points for c in public),
        len(gpu),
        sum(c.points for c in gpu),
        cpu_points,
        cpu_points,
    ]
    assert [_number(g) for g in found.groups()] == expected
