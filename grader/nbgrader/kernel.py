"""What nbgrader's autograder-test cells call, inside the student's notebook kernel.

``grade_check(item, check, globals())`` runs the grader's checks of ``item`` against the kernel's
namespace through the in-process transport — the same checks, probes and scoring as ``python -m
grader grade`` — and raises ``CheckFailed`` (an AssertionError carrying the check's feedback) when
``check`` fails, so nbgrader gives the cell its points or none. The checks of one item run once
(pytest, like the grader) and each test cell of the item reads its own result; they run again
only when the item's definitions change.

Unprotected, like nbgrader itself: code in the same kernel can patch this module or the
comparison. ``python -m grader nbgrader autograde`` grades the same notebooks out of process.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import types
import warnings
from collections.abc import Mapping
from typing import Any

from grader import curriculum
from grader.results import SKIPPED, CheckResult
from grader.sources import SectionFile, SubmissionSource

NAME = "notebook"
_CACHE: dict[str, tuple[tuple, dict[str, CheckResult]]] = {}


class CheckFailed(AssertionError):
    """A check failed; the message is its feedback."""


def grade_check(item_id: str, check: str, namespace: Mapping[str, Any]) -> None:
    """Pass (print a line) or raise CheckFailed with the feedback of ``check`` on ``item_id``."""
    results = grade_item(item_id, namespace)
    result = results.get(check)
    if result is None:
        raise CheckFailed(
            f"the grader has no check {check} for {item_id} (was the kit updated after release?)"
        )
    if result.kind == SKIPPED:
        print(f"skipped: {result.feedback}")
        return
    if not result.passed:
        raise CheckFailed(result.feedback or f"{check} failed") from None
    points = f"{result.points:g} point{'s' if result.points != 1 else ''}"
    print(f"passed ({points})")


def grade_item(item_id: str, namespace: Mapping[str, Any]) -> dict[str, CheckResult]:
    """{check name: result} of every check of ``item_id`` on the namespace (cached per item until
    the item's definitions change)."""
    if item_id not in curriculum.ITEMS_BY_ID:
        raise CheckFailed(f"unknown item {item_id}")
    key = _fingerprint(item_id, namespace)
    cached = _CACHE.get(item_id)
    if cached is not None and cached[0] == key:
        return cached[1]
    results = _run(item_id, namespace)
    _CACHE[item_id] = (key, results)
    return results


def _fingerprint(item_id: str, namespace: Mapping[str, Any]) -> tuple:
    """Identity of the definitions the item's checks may use (its names and the items it uses)."""
    names = list(curriculum.ITEMS_BY_ID[item_id].names)
    for used in curriculum.USES.get(item_id, ()):
        names.extend(curriculum.ITEMS_BY_ID[used].names)
    return tuple((name, id(namespace.get(name))) for name in names)


def _student_files(namespace: Mapping[str, Any]) -> set[str]:
    """The files (kernel cells) the namespace's functions and classes were defined in."""
    files: set[str] = set()

    def add(function: Any) -> None:
        code = getattr(function, "__code__", None)
        if code is not None:
            files.add(code.co_filename)

    for value in list(namespace.values()):
        if isinstance(value, type):
            for member in vars(value).values():
                add(getattr(member, "__func__", member))
        else:
            add(value)
    return {f for f in files if "site-packages" not in f and not f.startswith("<frozen")}


def _module(section: str, namespace: Mapping[str, Any]) -> types.ModuleType:
    module = types.ModuleType(section)
    module.__dict__.update(
        {k: v for k, v in namespace.items() if k not in ("__name__", "__builtins__")}
    )
    module.__file__ = f"{section}.ipynb"
    return module


def _run(item_id: str, namespace: Mapping[str, Any]) -> dict[str, CheckResult]:
    import pytest

    from grader import probes, runner
    from grader.session import GradingSession
    from grader.transport import InProcessTransport

    section = curriculum.ITEMS_BY_ID[item_id].section
    module = _module(section, namespace)
    probes.import_all()
    probes.STUDENT_FILES[module] = frozenset(_student_files(namespace))
    device = runner.resolve_device(os.environ.get("GRADER_DEVICE", "cpu"))
    sections = {
        s: SectionFile(s, f"{s}.ipynb", "" if s == section else None, None) for s in (section,)
    }
    source = SubmissionSource(NAME, "<notebook kernel>", sections)
    transport = InProcessTransport(sections={section: module}, device=device)
    session = GradingSession(
        [source], lambda _source: transport, device=device, profile="grade", only=[item_id]
    )
    with tempfile.TemporaryDirectory(prefix="builders-grader-kernel-") as scratch:
        args = runner.pytest_args(scratch)
        # nbgrader scores a test cell 0 when it writes to stderr: keep the checks' output apart.
        sink = io.StringIO()
        with (
            contextlib.redirect_stdout(sink),
            contextlib.redirect_stderr(sink),
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("ignore")
            code = pytest.main(args, plugins=[session])
    if code not in (0, 1, 5) or NAME not in session.results:
        raise CheckFailed(
            f"the grader could not run the checks of {item_id} (pytest exit code {int(code)})\n"
            + sink.getvalue()[-2000:]
        )
    found: dict[str, CheckResult] = {}
    for item in session.results[NAME].exercises:
        for result in item.checks:
            found[result.name] = result
    return found


__all__ = ["CheckFailed", "grade_check", "grade_item"]
