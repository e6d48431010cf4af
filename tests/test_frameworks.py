"""The hypothesis and pytest internals the kit uses (grader/frameworks.py) still do what it needs,
with versions inside the ranges pyproject.toml pins."""

from __future__ import annotations

import random
import re
from importlib import metadata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from support import REPO

from grader import frameworks, student_package


def _pinned() -> dict[str, str]:
    text = (REPO / "pyproject.toml").read_text()
    found = {}
    for name in frameworks.TESTED:
        match = re.search(rf'"{name}([<>=!~][^"]*)"', text)
        assert match, f"pyproject.toml does not pin {name}"
        found[name] = match.group(1)
    return found


def test_pyproject_pins_the_tested_ranges_and_they_are_installed() -> None:
    """Does pyproject.toml pin exactly the ranges frameworks.py was tested with, with an upper
    bound, and is what is installed inside them?"""
    pinned = _pinned()
    assert pinned == frameworks.TESTED
    for name, spec in pinned.items():
        assert "<" in spec, f"{name}: no upper bound"
        assert metadata.version(name) in SpecifierSet(spec), (name, metadata.version(name))
        assert f"{name}{spec}" in student_package.REQUIRES  # students get the same ranges


def _draws(seed: int | None) -> list[int]:
    drawn: list[int] = []

    @settings(max_examples=8, database=None, derandomize=False)
    @given(st.integers(0, 10**9))
    def test(x: int) -> None:
        drawn.append(x)

    assert frameworks.fixed_seed(test) is None
    if seed is not None:
        frameworks.fix_seed(test, seed)
        assert frameworks.fixed_seed(test) == seed
    frameworks.no_example_database(test)
    test()
    return drawn


def test_a_fixed_seed_fixes_the_examples() -> None:
    """Does fix_seed make a @given test draw the same examples every time, and another seed
    others?"""
    assert _draws(7) == _draws(7)
    assert _draws(7) != _draws(8)


def test_examples_are_seeded_the_same_way_every_time() -> None:
    """Does seeded_like_an_example give the global random the same state each time, and put the
    state outside back?"""
    random.seed(123)
    outside = random.random()
    random.seed(123)
    with frameworks.seeded_like_an_example():
        first = random.random()
    with frameworks.seeded_like_an_example():
        second = random.random()
    assert first == second
    assert random.random() == outside


def test_settings_can_be_read_and_replaced() -> None:
    @settings(max_examples=3)
    @given(st.integers())
    def test(x: int) -> None:
        pass

    assert frameworks.settings_of(test).max_examples == 3
    frameworks.use_settings(test, settings(frameworks.settings_of(test), max_examples=5))
    assert frameworks.settings_of(test).max_examples == 5


def test_fixture_names_are_the_test_functions_own(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    assert frameworks.fixture_names(request.node) == ("request", "tmp_path")
    assert frameworks.fixture_names(object()) == ()


def test_a_failure_is_reported_as_its_one_line(tmp_path: Path) -> None:
    """Catches: pytest rendering (and filtering) a traceback for every failed check of a grading
    session again, when a new pytest no longer asks the item for its failure's text. A failure in
    the test and one in a fixture are each reported as the exception's one line; a skip keeps
    pytest's own report."""
    (tmp_path / "test_cases.py").write_text(
        "import pytest\n"
        "def deep(n):\n"
        "    if n == 0:\n"
        "        raise ValueError('boom')\n"
        "    deep(n - 1)\n"
        "@pytest.fixture\n"
        "def broken():\n"
        "    raise KeyError('no fixture')\n"
        "def test_fails():\n"
        "    deep(30)\n"
        "def test_setup_fails(broken):\n"
        "    pass\n"
        "def test_skips():\n"
        "    pytest.skip('not here')\n"
    )
    reports: dict[str, pytest.TestReport] = {}

    class OneLine:
        def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
            for item in items:
                frameworks.report_failures_as_one_line(item)

        def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
            if not report.passed:
                reports[report.nodeid.rsplit("::", 1)[1]] = report

    code = pytest.main(
        [str(tmp_path), "-q", "-p", "no:cacheprovider", "-p", "no:randomly"], plugins=[OneLine()]
    )
    assert code == 1
    assert reports["test_fails"].longrepr == "ValueError: boom"
    assert reports["test_setup_fails"].when == "setup"
    assert reports["test_setup_fails"].longrepr == "KeyError: 'no fixture'"
    assert reports["test_skips"].skipped
    assert reports["test_skips"].longrepr[2] == "Skipped: not here"
