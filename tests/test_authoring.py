"""Authoring as a feature: the generated curriculum document, and ``new-item`` scaffolding an
exercise that grades (grader/authoring.py, AUTHORING.md)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from support import PYTHON, REPO

from grader import authoring, checklist, curriculum


def test_the_curriculum_document_is_generated_from_the_code() -> None:
    """Is CURRICULUM.md exactly what `python -m grader curriculum` writes from the code now?"""
    assert not authoring.document_is_stale(), (
        "CURRICULUM.md is stale: run `python -m grader curriculum`"
    )


def test_the_document_lists_every_item_and_every_check() -> None:
    """Does the document have a heading per item and a row per check, whatever their number?"""
    text = authoring.curriculum_document()
    headings = re.findall(r"^### `([\w.]+)`$", text, flags=re.M)
    assert headings == [item.id for item in curriculum.ITEMS]
    rows = re.findall(r"^\| `(test_\w+)` \|", text, flags=re.M)
    assert sorted(rows) == sorted(c.name for c in checklist.listed_checks())
    assert all(c.summary for c in checklist.listed_checks()), "a check without a docstring"


def _tree(tmp_path: Path) -> Path:
    """A copy of the source tree (what git tracks and what is not ignored), as an author has it."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    root = tmp_path / "kit"
    for name in listed:
        source = REPO / name
        if source.is_file():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return root


def _grader(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "grader", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _submission(folder: Path, sources: dict[str, str]) -> None:
    folder.mkdir(parents=True)
    for name, text in sources.items():
        (folder / name).write_text(text)


@pytest.mark.slow
def test_a_scaffolded_item_grades_once_its_solution_and_reference_are_written(
    tmp_path: Path,
) -> None:
    """In a copy of the kit, does `new-item layers.Doubler` give an item whose stub grades zero
    at once, and which, once its solution and its check's reference are written, gives the
    solution full marks, the stub zero, and each scaffolded mutant less?"""
    root = _tree(tmp_path)
    made = _grader(root, "new-item", "layers.Doubler")
    assert made.returncode == 0, made.stderr
    for path in (
        "grader/curriculum.py",
        "solutions/layers.py",
        "exercises/layers.py",
        "grader/probes/layers.py",
        "grader/checks/test_layers.py",
        "tests/mutants/layers/doubler_returns_its_input.py",
        "tests/mutants/layers/doubler_returns_zeros.py",
        "tests/variants/layers/doubler_another_style.py",
        "CURRICULUM.md",
    ):
        assert path in made.stdout, path
    assert "`layers.Doubler`" in (root / "CURRICULUM.md").read_text()
    assert _grader(root, "curriculum", "--check").returncode == 0
    assert _grader(root, "exercises", "--check").returncode == 0

    solution = root / "solutions" / "layers.py"
    solution.write_text(
        solution.read_text().replace(
            'raise NotImplementedError("layers.Doubler: the reference solution is not written yet")',
            "return 2 * X",
        )
    )
    checks = root / "grader" / "checks" / "test_layers.py"
    filled, count = re.subn(
        r"    raise NotImplementedError\(\n        \"layers\.Doubler: write its reference[^\n]*\n    \)\n",
        "    return 2 * X\n",
        checks.read_text(),
    )
    assert count == 1, "the scaffold's reference placeholder changed: update this test"
    checks.write_text(filled)

    solutions = {p.name: p.read_text() for p in (root / "solutions").glob("*.py")}
    stubs = {p.name: p.read_text() for p in (root / "exercises").glob("*.py")}
    klass = tmp_path / "class"
    _submission(klass / "solution", solutions)
    _submission(klass / "stub", stubs)
    mutants = sorted((root / "tests" / "mutants" / "layers").glob("doubler_*.py"))
    assert len(mutants) == 2
    for mutant in mutants:
        _submission(
            klass / mutant.stem,
            {**solutions, "layers.py": solutions["layers.py"] + "\n\n" + mutant.read_text()},
        )
    out = tmp_path / "results.json"
    graded = _grader(
        root, "grade", str(klass), "--device", "cpu", "--only", "layers.Doubler", "--json", str(out)
    )
    assert graded.returncode == 0, graded.stderr
    results = {
        r["submission"]: next(e for e in r["exercises"] if e["id"] == "layers.Doubler")
        for r in json.loads(out.read_text())["submissions"]
    }
    assert results["solution"]["score"] == results["solution"]["max_score"] == 1
    assert results["stub"]["score"] == 0 and results["stub"]["status"] == "not attempted"
    for mutant in mutants:
        item = results[mutant.stem]
        assert item["score"] == 0, item
        assert [c["name"] for c in item["checks"] if not c["passed"]] == [
            "test_doubler_matches_its_reference"
        ]


def test_a_scaffold_before_its_reference_is_written_is_a_grader_error(tmp_path: Path) -> None:
    """Does an unwritten reference show as the grader's failure, never as a student's verdict?"""
    root = tmp_path / "kit"
    shutil.copytree(REPO / "grader", root / "grader")
    shutil.copytree(REPO / "solutions", root / "solutions")
    shutil.copytree(REPO / "exercises", root / "exercises")
    authoring.new_item("layers.Doubler", str(root))
    text = (root / "grader" / "checks" / "test_layers.py").read_text()
    assert 'raise NotImplementedError(\n        "layers.Doubler: write its reference' in text
    solution = (root / "solutions" / "layers.py").read_text()
    assert "### BEGIN SOLUTION" in solution.split("class Doubler", 1)[1]
    variant = (root / "tests" / "variants" / "layers" / "doubler_another_style.py").read_text()
    assert "raise NotImplementedError" in variant  # make test fails until it is written


@pytest.mark.parametrize(
    ("item", "said"),
    [
        ("layers.CenteredLayer", "already in grader/curriculum.py"),
        ("optics.Lens", "no section 'optics'"),
        ("layers.2fast", "not a public Python name"),
        ("layers", "give SECTION.NAME"),
    ],
)
def test_new_item_refuses_what_it_cannot_scaffold(tmp_path: Path, item: str, said: str) -> None:
    """Does new-item refuse an existing item, an unknown section or a bad name, writing nothing?"""
    root = tmp_path / "kit"
    shutil.copytree(REPO / "grader", root / "grader")
    shutil.copytree(REPO / "solutions", root / "solutions")
    before = {p: p.read_text() for p in root.rglob("*.py")}
    with pytest.raises(authoring.ScaffoldError, match=re.escape(said)):
        authoring.new_item(item, str(root))
    assert {p: p.read_text() for p in root.rglob("*.py")} == before
