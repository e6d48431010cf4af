"""Does every probe a check asks for exist? (A misspelled name would otherwise cost every student,
the reference solutions included, the check; now it is at least a loud grader error, and this
test stops it before it ships.)"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from grader import probes

CHECKS = sorted((Path(__file__).parents[1] / "grader" / "checks").glob("test_*.py"))


def _probe_names(path: Path) -> list[tuple[str, int, str]]:
    """(probe name, line, how it is asked: "call" or "verify") of every probe the file names:
    the first argument of ``.call(...)``/``.verify(...)``, and string arguments given to a
    module-level helper in the place of its parameter named ``probe``."""
    tree = ast.parse(path.read_text())
    helpers: dict[str, int] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            names = [a.arg for a in node.args.args]
            if "probe" in names:
                helpers[node.name] = names.index("probe")
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in ("call", "verify") and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((first.value, node.lineno, func.attr))
        elif isinstance(func, ast.Name) and func.id in helpers:
            index = helpers[func.id]
            if index < len(node.args):
                arg = node.args[index]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.append((arg.value, node.lineno, "call"))
    return found


@pytest.mark.parametrize("path", CHECKS, ids=[p.stem for p in CHECKS])
def test_every_probe_a_check_names_is_registered(path: Path) -> None:
    """Is each probe named in this check file registered (and each verified one a verifier)?"""
    probes.import_all()
    names = _probe_names(path)
    assert names, f"{path.name} names no probe: the scan is broken"
    unknown = [f"{n} (line {line})" for n, line, _ in names if n not in probes.PROBES]
    assert unknown == [], f"{path.name} asks for probes that do not exist: {unknown}"
    not_verifiers = [
        f"{n} (line {line})"
        for n, line, how in names
        if how == "verify" and n not in probes.VERIFIERS
    ]
    assert not_verifiers == [], f"{path.name} verifies with probes that are not verifiers"


def test_the_scan_finds_a_misspelled_name(tmp_path: Path) -> None:
    """Can the test fail: is a misspelled probe name found?"""
    check = tmp_path / "test_x.py"
    check.write_text(
        "def test_x(submission):\n    submission.call('modules.mpl', what='MLP')\n"
        "def _call(submission, probe, what):\n    return submission.call(probe, what=what)\n"
        "def test_y(submission):\n    _call(submission, 'modules.nest_mpl', 'NestMLP')\n"
    )
    found = {name for name, _, _ in _probe_names(check)}
    assert found == {"modules.mpl", "modules.nest_mpl"}
    assert not found & set(probes.PROBES)
