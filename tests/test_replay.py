"""Replay of recorded examples (grader/replay.py): it happens, and it never changes a result."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import torch
from hypothesis.strategies import DataObject
from support import grade_catalogue

from grader import errors, replay
from grader.results import strip_timing

KEY = ("tests.example", "test_something", "cpu")


@pytest.fixture(autouse=True)
def no_recordings() -> Iterator[None]:
    replay.forget()
    yield
    replay.forget()


def _record(*examples: dict[str, Any]) -> list[dict[str, Any]]:
    recorder = replay.Recorder(KEY, ["submission"])
    for example in examples:
        recorder.record((), {"submission": "first", **example})
    recorder.keep()
    found = replay.recorded(KEY)
    assert found is not None
    return found


def test_each_replay_gets_its_own_copy_of_the_examples() -> None:
    """Catches: a check body that mutates its drawn arguments changing the next submission's."""
    drawn = [1, 2]
    recorder = replay.Recorder(KEY, ["submission"])
    recorder.record((), {"submission": "first", "xs": drawn})
    drawn.append(3)  # the first run mutates its arguments after they were recorded
    recorder.record((), {"submission": "first", "xs": [4]})
    recorder.keep()
    examples = replay.recorded(KEY)
    assert examples == [{"xs": [1, 2]}, {"xs": [4]}]  # fixtures are not recorded

    seen: list[tuple[str, list[int]]] = []

    def body(submission: str, xs: list[int]) -> None:
        seen.append((submission, list(xs)))
        xs.append(99)

    assert replay.replay(body, {"submission": "second"}, examples)
    assert replay.replay(body, {"submission": "third"}, examples)
    assert seen == [("second", [1, 2]), ("second", [4]), ("third", [1, 2]), ("third", [4])]


@dataclass(frozen=True)
class _Drawn:
    X: torch.Tensor
    name: str


def _layout(value: Any, seen: dict[int, int]) -> Any:
    """What deepcopy promises about a copy, as data: types, tensor bytes and layout, autograd,
    and which parts are one object (numbered in order of first appearance)."""
    if isinstance(value, (int, float, str, bool, type(None))):
        return value
    identity = seen.setdefault(id(value), len(seen))
    if isinstance(value, torch.Tensor):
        storage = value.untyped_storage()
        return (
            "tensor",
            identity,
            seen.setdefault(storage.data_ptr() or id(value), len(seen)),
            value.dtype,
            tuple(value.shape),
            value.stride(),
            value.storage_offset(),
            value.requires_grad,
            value.is_leaf,
            bytes(storage),
        )
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, identity, [_layout(v, seen) for v in value])
    if isinstance(value, dict):
        return ("dict", identity, [(k, _layout(v, seen)) for k, v in value.items()])
    return (type(value).__name__, identity, _layout(vars(value), seen))


def _storages(value: Any) -> set[int]:
    if isinstance(value, torch.Tensor):
        return {value.untyped_storage().data_ptr()} - {0}
    if isinstance(value, (list, tuple)):
        return set().union(*map(_storages, value)) if value else set()
    if isinstance(value, dict):
        return _storages(list(value.values()))
    if hasattr(value, "__dict__"):
        return _storages(vars(value))
    return set()


base = torch.arange(12.0)
shared_list = [1, 2]
FRESH_COPY_CASES = {
    "plain tensors, dataclass, nesting": {
        "x": torch.randn(3, 4),
        "ints": torch.arange(5),
        "flags": torch.tensor([True, False]),
        "empty": torch.empty(0, 3),
        "also empty": torch.empty(0),
        "drawn": _Drawn(torch.ones(2, dtype=torch.float64), "ones"),
        "nested": [{"a": (torch.zeros(2), 3.5, None)}],
    },
    "one list twice": {"a": shared_list, "b": shared_list},
    "one tensor twice": {"a": base, "b": base},
    "a view beside its base": {"a": base, "b": base[2:5], "c": base.view(3, 4).t()},
    "a tensor that needs grad": {"w": torch.randn(2, requires_grad=True)},
    "a non-contiguous tensor": {"t": torch.randn(3, 4).t()},
}


@pytest.mark.parametrize("example", FRESH_COPY_CASES.values(), ids=list(FRESH_COPY_CASES))
def test_fresh_copy_is_what_deepcopy_gives(example: dict[str, Any]) -> None:
    """replay.fresh_copy (its fast path: the copy of every example of every replayed check) gives
    what copy.deepcopy gives: same values, layout and autograd state, the same parts shared, and
    no memory shared with the original.
    Catches: views copied as separate tensors, empty tensors taken for one shared storage, a
    tensor that needs grad copied by clone() (no longer a leaf), a copy aliasing the example."""
    copied = replay.fresh_copy(example)
    assert _layout(copied, {}) == _layout(copy.deepcopy(example), {})
    assert not _storages(copied) & _storages(example)


@pytest.mark.parametrize(
    "raise_it",
    [
        lambda: (_ for _ in ()).throw(AssertionError("wrong")),
        lambda: pytest.fail("wrong"),
        lambda: pytest.skip("skipped"),
    ],
    ids=["exception", "pytest.fail", "pytest.skip"],
)
def test_the_first_example_that_does_not_pass_ends_the_replay_without_a_verdict(
    raise_it: Any,
) -> None:
    """Catches: a replay that reports its own failure (hypothesis must rerun it, to shrink it)."""
    examples = _record({"n": 1}, {"n": 2}, {"n": 3})
    ran: list[int] = []

    def body(submission: str, n: int) -> None:
        ran.append(n)
        if n == 2:
            raise_it()

    assert replay.replay(body, {"submission": "s"}, examples) is False
    assert ran == [1, 2]


def test_a_terminal_failure_is_the_verdict_and_ends_the_replay() -> None:
    """Catches: replay handing a not-attempted check back to hypothesis (which would only stop at
    the same example, unshrunk) or going on past it."""
    examples = _record({"n": 1}, {"n": 2}, {"n": 3})
    ran: list[int] = []
    failure = errors.NotAttempted("modules.MLP")

    def body(submission: str, n: int) -> None:
        ran.append(n)
        if n == 2:
            raise failure

    assert replay.replay(body, {"submission": "s"}, examples) is failure
    assert ran == [1, 2]


def test_an_interrupt_is_not_swallowed() -> None:
    examples = _record({"n": 1})

    def body(submission: str, n: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        replay.replay(body, {"submission": "s"}, examples)


def test_the_prngs_hypothesis_seeds_are_seeded_for_each_replayed_example() -> None:
    import random

    examples = _record({"n": 1}, {"n": 2})
    draws: list[float] = []
    replay.replay(
        lambda submission, n: draws.append(random.random()), {"submission": "s"}, examples
    )
    assert len(draws) == 2 and draws[0] == draws[1]


def _unreplayable_cases() -> list[tuple[str, tuple[Any, ...], dict[str, Any]]]:
    interactive = object.__new__(DataObject)
    non_leaf = torch.ones(2, requires_grad=True) * 2  # deepcopy refuses non-leaf tensors
    return [
        ("positional arguments", (1,), {}),
        ("an interactive draw", (), {"data": interactive}),
        ("a value that cannot be copied", (), {"x": non_leaf}),
    ]


@pytest.mark.parametrize("case", _unreplayable_cases(), ids=lambda c: c[0])
def test_checks_that_cannot_be_replayed_are_not_recorded(case: Any) -> None:
    """Catches: replaying a check whose examples are not fully captured by its arguments."""
    _, args, kwargs = case
    recorder = replay.Recorder(KEY, ["submission"])
    recorder.record((), {"submission": "s", "n": 1})
    recorder.record(args, {"submission": "s", **kwargs})
    recorder.record((), {"submission": "s", "n": 2})
    recorder.keep()
    assert replay.recorded(KEY) is None


def test_a_recording_has_a_size_limit() -> None:
    recorder = replay.Recorder(KEY, [])
    for n in range(replay.MAX_EXAMPLES + 1):
        recorder.record((), {"n": n})
    recorder.keep()
    assert replay.recorded(KEY) is None


def test_replayed_and_freshly_drawn_examples_grade_the_catalogue_alike(
    tmp_path: Path, catalogue: dict[str, dict[str, Any]]
) -> None:
    """Catches: a replay that passes what hypothesis would fail, or fails differently (another
    counterexample, another message). The modules and parameters catalogues (solutions, stubs,
    every mutant and variant) graded with --no-replay must give, item for item, what the
    catalogue's class runs (replay on, two workers, one run per section) gave them; and replay
    must actually have decided most checks of those runs."""
    sections = ("modules", "parameters")
    # Two workers, as the catalogue: which worker grades whom is tested elsewhere
    # (test_cli.py::test_workers_give_the_same_results_as_one_process).
    fresh = grade_catalogue(tmp_path, list(sections), "--no-replay", "--workers", "2")
    assert fresh and set(fresh) <= set(catalogue)

    def items_of(result: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            strip_timing(item)
            for item in result["exercises"]
            if item["id"].split(".", 1)[0] in sections
        ]

    for name, result in fresh.items():
        assert result["timing"]["replayed_checks"] == 0
        assert items_of(result) == items_of(catalogue[name]), name
    replayed = sum(result["timing"]["replayed_checks"] for result in catalogue.values())
    graded = sum(
        len(item["checks"])
        for result in catalogue.values()
        for item in result["exercises"]
        if item["status"] != "not selected"
    )
    assert replayed > graded // 2


@pytest.mark.parametrize(
    ("profile", "enabled", "expected"),
    [("grade", True, True), ("check", True, False), ("grade", False, False)],
)
def test_only_the_grade_profile_replays(profile: str, enabled: bool, expected: bool) -> None:
    """Catches: self-study ('check', fresh examples on purpose) or --no-replay replaying."""
    from grader import plugin

    def test_something() -> None: ...

    test_something.hypothesis = object()  # type: ignore[attr-defined]
    item = SimpleNamespace(obj=test_something, originalname="test_something", name="x[s]")
    item.module = SimpleNamespace(__name__="tests.example")
    grading = SimpleNamespace(profile=profile, replay=enabled, device="cpu")
    key = plugin._replay_key(grading, item)  # type: ignore[arg-type]
    assert (key == ("tests.example", "test_something", "cpu")) is expected
    assert key is None or expected
