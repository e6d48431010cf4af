"""Item statuses and check kinds are one enum each (grader/outcomes.py), and so are the kinds of
a probe's error reply (grader/wire.ErrorKind), used everywhere."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from support import REPO

from grader.outcomes import Kind, Status
from grader.results import CheckResult, ItemResult
from grader.wire import ErrorKind

WORDS = {m.value for m in Status} | {m.value for m in Kind} | {m.value for m in ErrorKind}


@pytest.mark.parametrize("member", [*Status, *Kind], ids=lambda m: m.name)
def test_a_member_is_its_word_wherever_text_is_made(member: Status | Kind) -> None:
    """Do str(), f-strings, format specs, JSON and comparison all see the member's word?"""
    assert str(member) == member.value
    assert f"{member}" == member.value
    assert f"{member:>20}" == f"{member.value:>20}"
    assert json.dumps(member) == json.dumps(member.value)
    assert member == member.value and hash(member) == hash(member.value)


def test_results_read_back_from_json_equal_the_results_written() -> None:
    check = CheckResult("test_x", "modules.MLP", False, 0.0, 1.0, "public", Kind.MISMATCH, "f")
    item = ItemResult("modules.MLP", 0.0, 1.0, Status.GRADED, "", (check,))
    text = json.dumps({"status": item.status, "kind": check.kind})
    assert json.loads(text) == {"status": "graded", "kind": "mismatch"}
    assert json.loads(text)["status"] == Status.GRADED


def _literal_comparisons(tree: ast.AST) -> list[tuple[int, str]]:
    """Places that compare ``.status``/``.kind`` (or a set of kinds) with a literal word, or set
    a ``kind`` class attribute to one."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            named = any(
                (isinstance(s, ast.Attribute) and s.attr in ("status", "kind"))
                or (isinstance(s, ast.Name) and s.id in ("status", "kind", "kinds"))
                for s in sides
            )
            words = [
                c.value
                for s in sides
                for c in ast.walk(s)
                if isinstance(c, ast.Constant) and isinstance(c.value, str) and c.value in WORDS
            ]
            if named and words:
                found.append((node.lineno, words[0]))
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if (
                isinstance(target, ast.Name)
                and target.id == "kind"
                and isinstance(node.value, ast.Constant)
                and node.value.value in WORDS
            ):
                found.append((node.lineno, node.value.value))
    return found


def test_no_module_spells_a_status_or_kind_itself() -> None:
    """Outside the modules that define them (grader/outcomes.py, grader/wire.py), does any grader
    module compare a status, a check's kind or a probe reply's error kind with a word, or give a
    failure class or probe signal its kind as a word?"""
    offenders = []
    for path in sorted((REPO / "grader").rglob("*.py")):
        relative = path.relative_to(REPO).as_posix()
        if relative in ("grader/outcomes.py", "grader/wire.py"):
            continue
        for line, word in _literal_comparisons(ast.parse(Path(path).read_text())):
            offenders.append(f"{relative}:{line}: {word!r}")
    assert offenders == []


def test_the_scan_finds_a_literal_comparison() -> None:
    """Can the scan above fail?"""
    tree = ast.parse('if item.status == "graded":\n    pass\nclass E:\n    kind = "timeout"\n')
    assert _literal_comparisons(tree) == [(1, "graded"), (4, "timeout")]
