"""The tamper check's own logic (grader.sandbox.guard.Snapshot), in this process: what it must
find whichever way a namespace is changed, with and without the PEP 509 version fast path."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Any

import pytest

from grader.sandbox import guard


def scratch_namespaces() -> tuple[types.ModuleType, type]:
    module = types.ModuleType("scratch_module")
    exec("def f(x):\n    return x\ndef g(x):\n    return -x\nstate = 0\n", module.__dict__)

    class Scratch:
        def method(self) -> int:
            return 1

        def other(self) -> int:
            return 2

    return module, Scratch


def snapshot(versions: bool) -> tuple[guard.Snapshot, types.ModuleType, type]:
    module, cls = scratch_namespaces()
    snap = guard.Snapshot([("scratch", module.__dict__, module), ("Scratch", cls.__dict__, cls)])
    if not versions:
        snap._versions = None  # the path every interpreter without PEP 509 versions takes
    return snap, module, cls


def test_this_interpreter_uses_dict_versions() -> None:
    """On CPython 3.11 (the version the kit runs on here) the fast path is taken: if this fails
    the tamper check still holds, but costs about 0.12 ms per student call instead of 5 µs."""
    snap, _, _ = snapshot(versions=True)
    if sys.implementation.name == "cpython" and sys.version_info[:2] <= (3, 11):
        assert snap.uses_versions
    else:
        assert not snap.uses_versions


def _replace(m: types.ModuleType, c: type) -> None:
    m.f = lambda x: x


def _delete(m: types.ModuleType, c: type) -> None:
    del m.g


def _update(m: types.ModuleType, c: type) -> None:
    vars(m).update(f=print)


def _clear(m: types.ModuleType, c: type) -> None:
    vars(m).clear()


def _pop(m: types.ModuleType, c: type) -> None:
    vars(m).pop("f")


def _class_attribute(m: types.ModuleType, c: type) -> None:
    c.method = lambda self: 2  # type: ignore[method-assign]


def _class_delete(m: types.ModuleType, c: type) -> None:
    del c.other


def _replace_after_state(m: types.ModuleType, c: type) -> None:
    m.state = 1
    m.f = print


CHANGES: dict[str, tuple[Callable[[types.ModuleType, type], None], set[str]]] = {
    "replaced": (_replace, {"scratch.f"}),
    "deleted": (_delete, {"scratch.g"}),
    "dict.update": (_update, {"scratch.f"}),
    "dict.clear": (_clear, {"scratch.f", "scratch.g"}),
    "dict.pop": (_pop, {"scratch.f"}),
    "a class attribute": (_class_attribute, {"Scratch.method"}),
    "a class attribute deleted": (_class_delete, {"Scratch.other"}),
    "replaced along with state": (_replace_after_state, {"scratch.f"}),
}


@pytest.mark.parametrize("versions", [True, False], ids=["versions", "identity"])
@pytest.mark.parametrize("change", list(CHANGES))
def test_every_kind_of_change_is_found_and_put_back(change: str, versions: bool) -> None:
    snap, module, cls = snapshot(versions)
    originals = (module.f, module.g, cls.__dict__["method"], cls.__dict__["other"])
    assert snap.changed() == []
    act, expected = CHANGES[change]
    act(module, cls)
    assert set(snap.changed()) == expected
    assert (module.f, module.g, cls.__dict__["method"], cls.__dict__["other"]) == originals
    assert snap.changed() == []  # put back: found once


@pytest.mark.parametrize("versions", [True, False], ids=["versions", "identity"])
def test_a_change_undone_before_the_check_is_not_a_change(versions: bool) -> None:
    snap, module, _ = snapshot(versions)
    f = module.f
    module.f = print
    module.f = f
    assert snap.changed() == []


@pytest.mark.parametrize("versions", [True, False], ids=["versions", "identity"])
def test_state_and_additions_are_not_changes(versions: bool) -> None:
    snap, module, cls = snapshot(versions)
    module.state = 5
    module.added = print
    cls.extra = 3
    assert snap.changed() == []
    module.f = print  # and a replacement after them is still found
    assert snap.changed() == ["scratch.f"]


@pytest.mark.parametrize("versions", [True, False], ids=["versions", "identity"])
def test_a_probes_own_replacement_is_allowed_only_while_it_lasts(versions: bool) -> None:
    snap, module, _ = snapshot(versions)
    original, watcher = module.f, (lambda x: x)
    allowed: dict[tuple[int, str], Any] = {(id(module), "f"): watcher}
    module.f = watcher
    assert snap.changed(allowed) == []
    module.g = print  # the student's change beside it
    assert snap.changed(allowed) == ["scratch.g"]
    module.f = original
    assert snap.changed({}) == []
    module.f = watcher  # the allowance is over
    assert snap.changed({}) == ["scratch.f"]


def test_versions_are_refused_where_a_namespace_has_no_dict_of_its_own() -> None:
    assert guard.dict_versions([{}, None]) is None
