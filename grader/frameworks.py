"""The hypothesis and pytest internals the kit relies on, in one place.

Nothing else in the kit touches a private name of either: when a new version moves one, this module
and ``tests/test_frameworks.py`` are where it shows. The ranges tested are pinned in
``pyproject.toml``; ``tests/test_frameworks.py`` also fails when the installed versions are outside
them.

- hypothesis: the per-example PRNG seeding it does (replayed examples must see the same random
  state) and three attributes it reads off a test function: the fixed seed, the example-database
  key and the settings.
- pytest: a test item's fixture names, and how a failing item renders its report.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from hypothesis import settings as Settings
from hypothesis.internal.entropy import deterministic_PRNG

TESTED = {"hypothesis": ">=6.100,<7", "pytest": ">=8.0,<10"}
"""The version ranges this module was tested with; pyproject.toml pins the same."""


@contextlib.contextmanager
def seeded_like_an_example() -> Iterator[None]:
    """The global PRNGs (``random`` and the ones hypothesis registers) seeded as hypothesis seeds
    them around each example, and restored afterwards."""
    with deterministic_PRNG():
        yield


def fixed_seed(test: Callable[..., Any]) -> int | None:
    """The seed a ``@given`` test was fixed to (``@seed`` or ``fix_seed``), if any."""
    return getattr(test, "_hypothesis_internal_use_seed", None)


def fix_seed(test: Callable[..., Any], seed: int) -> None:
    """Draw this ``@given`` test's examples from ``seed`` (what ``@hypothesis.seed`` does)."""
    test._hypothesis_internal_use_seed = seed  # type: ignore[attr-defined]


def no_example_database(test: Callable[..., Any]) -> None:
    """No example database for this test, and no key derived for one at every run (inspect and
    tokenize of its source: about 2 ms per check and submission)."""
    test._hypothesis_internal_database_key = None  # type: ignore[attr-defined]


def settings_of(test: Callable[..., Any]) -> Settings:
    """The settings a ``@given`` test runs under (its ``@settings`` over the loaded profile)."""
    return test._hypothesis_internal_use_settings  # type: ignore[attr-defined]


def use_settings(test: Callable[..., Any], settings: Settings) -> None:
    test._hypothesis_internal_use_settings = settings  # type: ignore[attr-defined]


def fixture_names(item: Any) -> tuple[str, ...]:
    """The fixtures a pytest test function asks for, in its signature's order (empty for an item
    that is not a function)."""
    info = getattr(item, "_fixtureinfo", None)
    return tuple(info.argnames) if info is not None else ()


def report_failures_as_one_line(item: Any) -> None:
    """A failing ``item``'s pytest report says the exception's own line (``Type: message``) instead
    of a rendered traceback. pytest filters every frame of the traceback before it renders one, in
    any ``--tb`` style: through hypothesis's frames that cost ~40 ms per failed check, which
    grading paid for every mistake and missing section and never showed (results are built from
    the exception itself). Skipped items keep pytest's report (their reason is read from it)."""

    def one_line(excinfo: Any, *args: Any, **kwargs: Any) -> str:
        return excinfo.exconly()

    # pytest asks the item: repr_failure for the call phase, _repr_failure_py for setup/teardown.
    item.repr_failure = one_line
    item._repr_failure_py = one_line
