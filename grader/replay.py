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
import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

import torch
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
            self.examples.append(fresh_copy(drawn))
        except Exception:  # e.g. a non-leaf tensor: this check is not replayable
            self.examples = None

    def keep(self) -> None:
        """The run passed: its examples are the ones every passing submission would see."""
        if self.examples is not None:
            _recordings[self.key] = self.examples


_ATOMIC = frozenset({int, float, bool, str, bytes, type(None), complex})


class _NotPlain(Exception):
    """The example holds something only deepcopy copies exactly."""


def fresh_copy(example: dict[str, Any]) -> dict[str, Any]:
    """``copy.deepcopy(example)``, faster for what examples hold (a replayed submission copies
    every example of every check: ~0.2 s per submission through deepcopy, most of it tensors).

    The fast path knows containers, plain dataclasses and plain tensors that own their whole
    storage (offset 0, contiguous, no autograd, no attributes, none sharing memory with another);
    an example holding anything else is copied by deepcopy itself, so its semantics (which parts
    stay one object, what views and autograd become) are never approximated."""
    try:
        return _copy(example, {}, set())
    except _NotPlain:
        return copy.deepcopy(example)


def _copy(obj: Any, memo: dict[int, Any], storages: set[int]) -> Any:
    kind = type(obj)
    if kind in _ATOMIC:
        return obj
    found = memo.get(id(obj), memo)
    if found is not memo:
        return found
    if kind is list:
        copied: Any = []
        memo[id(obj)] = copied
        copied.extend(_copy(value, memo, storages) for value in obj)
    elif kind is dict:
        copied = {}
        memo[id(obj)] = copied
        for key, value in obj.items():
            copied[_copy(key, memo, storages)] = _copy(value, memo, storages)
    elif kind is tuple:
        copied = tuple(_copy(value, memo, storages) for value in obj)
    elif kind is torch.Tensor:
        if not _owns_its_storage(obj):
            raise _NotPlain
        pointer = obj.untyped_storage().data_ptr()
        if pointer:  # an empty tensor has no memory to share
            if pointer in storages:
                raise _NotPlain
            storages.add(pointer)
        copied = obj.clone()
    elif dataclasses.is_dataclass(kind) and _plain_dataclass(kind):
        copied = object.__new__(kind)
        memo[id(obj)] = copied
        copied.__dict__.update(_copy(obj.__dict__, memo, storages))
    else:
        raise _NotPlain
    memo[id(obj)] = copied
    return copied


def _owns_its_storage(tensor: torch.Tensor) -> bool:
    return (
        tensor.device.type == "cpu"
        and not tensor.requires_grad
        and tensor.grad_fn is None
        and tensor.layout == torch.strided
        and not tensor.is_conj()
        and not tensor.is_neg()
        and tensor.storage_offset() == 0
        and tensor.is_contiguous()
        and tensor.untyped_storage().nbytes() == tensor.numel() * tensor.element_size()
        and not getattr(tensor, "__dict__", None)
    )


def _plain_dataclass(kind: type) -> bool:
    """A dataclass deepcopy would rebuild from ``__new__`` and its ``__dict__``."""
    return (
        "__slots__" not in vars(kind)
        and getattr(kind, "__deepcopy__", None) is None
        and kind.__reduce_ex__ is object.__reduce_ex__
        and kind.__reduce__ is object.__reduce__
        and getattr(kind, "__setstate__", None) is None
    )


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
        arguments = fresh_copy(example)
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
