"""Helpers for the kit's own tests: build submissions, run the grader as a user would, read results."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "solutions"
EXERCISES = REPO / "exercises"
TESTS = REPO / "tests"
PYTHON = sys.executable


def run_grader(
    *args: str, timeout: float = 900, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m grader ARGS`` in a subprocess, as a user would run it."""
    return subprocess.run(
        [PYTHON, "-m", "grader", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def grade(path: Path | str, *extra: str, json_path: Path | None = None) -> dict[str, Any]:
    """Grade ``path`` through the command line; return the parsed JSON results."""
    out = (
        Path(json_path)
        if json_path is not None
        else Path(os.environ.get("TMPDIR", "/tmp"))
        / f"grade-{os.getpid()}-{abs(hash(str(path)))}.json"
    )
    proc = run_grader("grade", str(path), "--device", "cpu", "--json", str(out), *extra)
    assert proc.returncode == 0, (
        f"grader exited {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    )
    try:
        return json.loads(out.read_text())
    finally:
        if json_path is None:
            out.unlink(missing_ok=True)


def solution_source(section: str = "modules") -> str:
    return (SOLUTIONS / f"{section}.py").read_text()


def with_appended(code: str, section: str = "modules") -> str:
    """The reference solution with ``code`` appended: later definitions replace earlier ones."""
    return solution_source(section) + "\n\n# ---- appended by the kit's tests ----\n" + code


def write_submission(folder: Path, sources: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for section, text in sources.items():
        (folder / f"{section}.py").write_text(text)
    return folder


def metadata(path: Path) -> dict[str, Any]:
    """Top-level literal assignments (TARGET = ..., CAUGHT_BY = ...) of a file, read without running it."""
    text = path.read_text()
    try:
        tree = ast.parse(text)
    except SyntaxError:
        # Adversarial files may not parse: read the assignments line by line instead.
        values = {}
        for line in text.splitlines():
            if line and line[0].isupper() and " = " in line:
                name, _, value = line.partition(" = ")
                try:
                    values[name] = ast.literal_eval(value)
                except (ValueError, SyntaxError):
                    pass
        return values
    values = {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            name = node.targets[0].id
            if name.isupper():
                try:
                    values[name] = ast.literal_eval(node.value)
                except ValueError:
                    pass
    return values


def question(path: Path) -> str:
    """A case file's docstring (the question it asks)."""
    text = path.read_text()
    start = text.find('"""')
    return text[start + 3 : text.find('"""', start + 3)].strip()


def items(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in result["exercises"]}


def section_items(result: dict[str, Any], section: str = "modules") -> dict[str, dict[str, Any]]:
    return {k: v for k, v in items(result).items() if k.startswith(section + ".")}


def failing_checks(item: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in item["checks"] if not c["passed"]]


def by_submission(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["submission"]: r for r in results["submissions"]}


def registered_checks() -> dict[str, str]:
    """{check name: item id} for every @check in grader/checks, read with ast (nothing imported)."""
    found: dict[str, str] = {}
    for path in sorted((REPO / "grader" / "checks").glob("test_*.py")):
        for node in ast.parse(path.read_text()).body:
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", "") == "check":
                    found[node.name] = ast.literal_eval(decorator.args[0])
    return found


def all_solution_sources() -> dict[str, str]:
    return {path.stem: path.read_text() for path in sorted(SOLUTIONS.glob("*.py"))}


def write_catalogue(root: Path, sections: list[str] | None = None) -> dict[str, tuple[str, Path]]:
    """Write the catalogue class folder: solutions, stubs, and each mutant or variant of ``sections``
    (all when None) appended to its own section of the solutions. Returns {submission: (kind, file)},
    kind being "mutant" or "variant"; submissions are named ``<kind>-<section>-<file stem>``."""
    solutions = all_solution_sources()
    write_submission(root / "solutions", solutions)
    write_submission(root / "stubs", {p.stem: p.read_text() for p in EXERCISES.glob("*.py")})
    cases: dict[str, tuple[str, Path]] = {}
    for kind in ("mutant", "variant"):
        for path in sorted((TESTS / f"{kind}s").glob("*/*.py")):
            section = path.parent.name
            if sections is not None and section not in sections:
                continue
            name = f"{kind}-{section}-{path.stem}"
            write_submission(
                root / name, {**solutions, section: with_appended(path.read_text(), section)}
            )
            cases[name] = (kind, path)
    return cases


def grade_catalogue(root: Path, sections: list[str], *extra: str) -> dict[str, dict[str, Any]]:
    """The catalogue of ``sections``, one class run per section (``--only`` it, plus ``extra``
    options): {submission: result}. Each mutant or variant is graded on its own section, the
    section its code is appended to; the solutions and stubs, graded in every run, come back as
    one result holding each item from its own section's run (``merge_section_runs``).

    Why not every section for every case: the other sections of a case are the solutions, graded
    on the solutions' examples about 200 times over, and that was the suite's second-largest cost.
    A case's code can only reach another section's checks through global state (torch itself,
    which the tamper check refuses); the adversarial class run keeps covering that, on the whole
    curriculum."""
    runs: dict[str, list[dict[str, Any]]] = {}
    for section in sections:
        folder = root / section
        write_catalogue(folder, [section])
        for name, result in by_submission(grade(folder, "--only", section, *extra)).items():
            runs.setdefault(name, []).append(result)
    return {name: merge_section_runs(parts) for name, parts in runs.items()}


def merge_section_runs(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One submission's results from runs that each graded other items (``--only``): every item
    taken from the run that graded it, totals and timing summed."""
    if len(parts) == 1:
        return parts[0]
    chosen: dict[str, dict[str, Any]] = {}
    for part in parts:
        for item in part["exercises"]:
            if item["id"] not in chosen or chosen[item["id"]]["status"] == "not selected":
                chosen[item["id"]] = item
    exercises = [chosen[item["id"]] for item in parts[0]["exercises"]]
    return {
        **parts[0],
        "exercises": exercises,
        "score": sum(item["score"] for item in exercises),
        "max_score": sum(item["max_score"] for item in exercises),
        "gradable": all(part["gradable"] for part in parts),
        "message": " ".join(dict.fromkeys(p["message"] for p in parts if p["message"])),
        "timing": {key: sum(part["timing"][key] for part in parts) for key in parts[0]["timing"]},
    }


def living_processes(
    *, parent: int | None = None, group: int | None = None, wait: float = 5.0
) -> list[int]:
    """Processes with this parent pid or process group that have not ended (a zombie has), after
    waiting up to ``wait`` seconds for them to go (a SIGKILL takes a moment to land)."""
    deadline = time.monotonic() + wait
    while True:
        living = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            state, ppid, pgrp = fields[0], int(fields[1]), int(fields[2])
            if state != "Z" and (ppid == parent or pgrp == group):
                living.append(int(entry))
        if not living or time.monotonic() > deadline:
            return living
        time.sleep(0.05)
