"""grader/student_package.py: what students install holds the public checks and nothing hidden.

Issue 14, problem 4: the released notebooks' public test cells import ``grader``, and installing
the kit on the student hub shipped ``grader/checks`` with every hidden check, readable with
``inspect.getsource``. ``make student`` builds a package (folder and wheel) with public checks only:
no hidden check's name, docstring or code, none of the helpers only hidden checks used, no
solution code and none of the instructor's tools; and it still runs ``check`` and the notebooks'
public test cells."""

from __future__ import annotations

import ast
import importlib
import os
import subprocess
import zipfile
from pathlib import Path

import pytest
from support import PYTHON, REPO, SOLUTIONS

from grader import student_package

CHECKS = REPO / "grader" / "checks"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("student")
    proc = subprocess.run(
        [PYTHON, "-m", "grader.student_package", "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    folder = out / "builders_guide_student"
    [wheel] = out.glob("*.whl")
    installed = out / "installed"
    pip = subprocess.run(
        [
            PYTHON,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(installed),
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert pip.returncode == 0, pip.stderr
    return {"folder": folder, "wheel": wheel, "installed": installed}


def hidden_checks() -> dict[str, ast.FunctionDef]:
    """{name: node} of every hidden check in the kit (read with ast, nothing imported)."""
    found = {}
    for path in sorted(CHECKS.glob("test_*.py")):
        for node in ast.parse(path.read_text()).body:
            if student_package._visibility(node) not in (None, "public"):
                found[node.name] = node
    return found


def hidden_by_markers() -> set[str]:
    """Names of the checks whose @check marker (the imported module's) is not public."""
    found = set()
    for path in sorted(CHECKS.glob("test_*.py")):
        module = importlib.import_module(f"grader.checks.{path.stem}")
        for name, function in vars(module).items():
            for mark in getattr(function, "pytestmark", []):
                if mark.name == "grader_check" and mark.kwargs["visibility"] != "public":
                    found.add(name)
    return found


def hidden_code_lines() -> set[str]:
    """Distinctive lines of hidden checks that no public part of the kit also has."""
    public_text = ""
    hidden: set[str] = set()
    for path in sorted(CHECKS.glob("test_*.py")):
        text = path.read_text()
        lines = text.splitlines()
        kept, _ = student_package.public_only(text)
        public_text += kept
        for node in ast.parse(text).body:
            if student_package._visibility(node) not in (None, "public"):
                for line in lines[node.lineno - 1 : node.end_lineno]:
                    if len(line.strip()) >= 30:
                        hidden.add(line.strip())
    elsewhere = "\n".join(  # the rest of the kit (probes, strategies) may share a generic line
        p.read_text() for p in (REPO / "grader").rglob("*.py") if p.parent != CHECKS
    )
    return {line for line in hidden if line not in public_text and line not in elsewhere}


def every_text(root: Path) -> str:
    return "\n".join(
        p.read_text(errors="replace")
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.suffix in (".py", ".ini", ".txt", "")
    )


def test_the_package_holds_no_hidden_check(built: dict[str, Path]) -> None:
    """Is no hidden check (name, docstring, code) in any file of the folder or the wheel?"""
    hidden = hidden_checks()
    # The ast reading must find exactly what the checks' own markers say is hidden (a reading that
    # missed some would let them leak unnoticed), and there must be some to look for.
    assert set(hidden) == hidden_by_markers() and hidden
    lines = hidden_code_lines()
    assert len(lines) > 100
    with zipfile.ZipFile(built["wheel"]) as z:
        wheel_text = "\n".join(z.read(n).decode(errors="replace") for n in z.namelist())
    for text in (every_text(built["folder"]), wheel_text):
        for name, node in hidden.items():
            assert name not in text, name
            doc = (ast.get_docstring(node) or "").splitlines()[0]
            assert doc not in text, doc
        leaked = [line for line in lines if line in text]
        assert not leaked, leaked[:3]


def test_the_package_holds_public_checks_and_no_instructor_tools(built: dict[str, Path]) -> None:
    grader = built["folder"] / "grader"
    names = {p.relative_to(grader).as_posix() for p in grader.rglob("*") if p.is_file()}
    assert "checks/test_modules.py" in names and "nbgrader/kernel.py" in names
    for tool in (
        "gradescope/setup.sh",
        "nbgrader/release.py",
        "nbgrader/autograde.py",
        "deploy.py",
    ):
        assert tool not in names
    public = {
        node.name
        for path in CHECKS.glob("test_*.py")
        for node in ast.parse(path.read_text()).body
        if student_package._visibility(node) == "public"
    }
    text = every_text(built["folder"])
    assert all(f"def {name}(" in text for name in public)


def test_the_package_holds_no_solution_code(built: dict[str, Path]) -> None:
    """Is no line of the reference solutions in the package, but where the public checks' own
    code has it (PyTorch is the oracle: a reference such as ``sum(p.numel() for p in ...)`` may
    read like a solution line, and a hint may quote one)?"""
    from grader.stubs import find_blocks

    hints = "\n".join(
        student_package.public_only(p.read_text())[0] for p in CHECKS.glob("test_*.py")
    )
    text = every_text(built["folder"])
    for path in sorted(SOLUTIONS.glob("*.py")):
        source = path.read_text()
        lines = source.splitlines()
        for block in find_blocks(source, path.name):
            for line in lines[block.begin : block.end - 1]:
                if len(line.strip()) >= 30 and line.strip() not in hints:
                    assert line.strip() not in text, (path.name, line)


def _run(installed: Path, *args: str, code: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(installed)}
    command = [PYTHON, "-c", code] if code is not None else [PYTHON, *args]
    return subprocess.run(command, cwd="/", env=env, capture_output=True, text=True, timeout=600)


def test_the_installed_wheel_runs_check_and_the_notebook_cells(built: dict[str, Path]) -> None:
    """Does the installed wheel (not the kit) run `check` on the solutions with every public check
    passing, and a notebook's public test cell (grade_check in the kernel), while a hidden check
    is nowhere to be found by `inspect`?"""
    installed = built["installed"]
    where = _run(installed, code="import grader.checks; print(grader.checks.__file__)")
    assert where.stdout.strip().startswith(str(installed)), where.stdout + where.stderr
    check = _run(
        installed, "-m", "grader", "check", str(SOLUTIONS / "modules.py"), "--only", "modules"
    )
    assert check.returncode == 0, check.stdout[-2000:] + check.stderr[-2000:]
    hidden = sorted(n for n in hidden_checks() if n.startswith("test_mlp"))
    public = next(
        node.name
        for node in ast.parse((CHECKS / "test_modules.py").read_text()).body
        if student_package._visibility(node) == "public" and node.name.startswith("test_mlp")
    )
    cell = (
        "import importlib, inspect\n"
        f"namespace = {{}}\nexec(open({str(SOLUTIONS / 'modules.py')!r}).read(), namespace)\n"
        "from grader.nbgrader.kernel import grade_check\n"
        f"grade_check('modules.MLP', {public!r}, namespace)\n"
        "module = importlib.import_module('grader.checks.test_modules')\n"
        f"print('hidden found:', [n for n in {hidden!r} if hasattr(module, n)])\n"
    )
    run = _run(installed, code=cell)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert "passed (" in run.stdout and "hidden found: []" in run.stdout
