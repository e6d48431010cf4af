"""Replay of a check's examples for the next submission, so a class pays for drawing them once.

Under the 'grade' profile a check's examples come from a seed fixed per check, no database and no
clock, so hypothesis walks the same sequence of examples for every submission until one of them
fails: what it generates next depends only on the seed and on how the earlier examples ended, and
until the first failure they all ended the same way (passed). The strategies draw in the parent
from private ``torch.Generator`` objects seeded by drawn integers, never from a global RNG.

So once a check has passed for one submission, the arguments hypothesis called it with are kept
(deep copies, taken before each call), and the next submission runs the check body on those same
arguments in a plain loop: no engine, no strategy drawing, no reference nets rebuilt. If every
example passes, that is the result hypothesis would have reached. If any example fails, raises or
asks to be rejected, the replay is abandoned without a verdict and the check runs under hypothesis
as usual, which meets the same failure on the same example and shrinks it: the grade and the
feedback are exactly those of a run without replay (tests/test_replay.py holds both to that).
One exception: a *terminal* failure (not attempted, a missing definition, a timeout, a crash)
ends a check under hypothesis at once, unshrunk, so replay reports it itself.

Only checks whose arguments can be deep-copied and that draw nothing interactively are recorded.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

from hypothesis.strategies import DataObject

from grader import frameworks
from grader.errors import GradingFailure

# Examples kept for a check: past this a recording is dropped (the check then always runs under
# hypothesis). Checks draw at most a few dozen; this bounds memory if one ever draws thousands.
MAX_EXAMPLES = 500

Key = tuple[str, str, str]
"""(check module, check name, device): one recording per check and device in this process."""

_recordings: dict[Key, list[dict[str, Any]]] = {}


class Recorder:
    """Collects the drawn arguments of one hypothesis run of one check."""

    def __init__(self, key: Key, fixture_names: Iterable[str]) -> None:
        self.key = key
        self.fixture_names = frozenset(fixture_names)
        self.examples: list[dict[str, Any]] | None = []

    def record(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        """Keep a copy of one call's drawn arguments (before the call, which may mutate them)."""
        if self.examples is None:
            return
        drawn = {k: v for k, v in kwargs.items() if k not in self.fixture_names}
        if args or len(self.examples) >= MAX_EXAMPLES:
            self.examples = None
            return
        if any(isinstance(v, DataObject) for v in drawn.values()):
            self.examples = None  # interactive draws depend on the run: cannot be replayed
            return
        try:
            self.examples.append(copy.deepcopy(drawn))
        except Exception:  # e.g. a non-leaf tensor: this check is not replayable
            self.examples = None

    def keep(self) -> None:
        """The run passed: its examples are the ones every passing submission would see."""
        if self.examples is not None:
            _recordings[self.key] = self.examples


def recorded(key: Key) -> list[dict[str, Any]] | None:
    return _recordings.get(key)


def forget() -> None:
    """Drop every recording (tests; a new grader version in the same process)."""
    _recordings.clear()


def replay(
    inner: Callable[..., Any], fixtures: dict[str, Any], examples: list[dict[str, Any]]
) -> bool | GradingFailure:
    """Run ``inner`` on every example. True if all passed; False at the first that did not; the
    failure itself if that example failed terminally (hypothesis would stop there too, unshrunk).

    False means "no verdict": the caller runs the check under hypothesis. The PRNGs hypothesis
    seeds for each example are seeded the same way here.
    """
    for example in examples:
        arguments = copy.deepcopy(example)
        try:
            with frameworks.seeded_like_an_example():
                inner(**fixtures, **arguments)
        except (KeyboardInterrupt, SystemExit):
            raise
        except GradingFailure as failure:
            return failure if failure.terminal else False
        except BaseException:  # a failure, a rejection, pytest.fail/skip: hypothesis decides
            return False
    return True
