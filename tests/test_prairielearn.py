"""The PrairieLearn package (issue 14, problem 7): what ``make prairielearn`` writes, and its entry
point run on a fake ``/grade`` tree as PrairieLearn's external grader would run it in the image:
the question's ``tests/`` and ``data/data.json``, the student's file in ``student/``, results in
``results/results.json``; in degraded containment (Docker blocks ``unshare``)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest
from support import EXERCISES, PYTHON, REPO, SOLUTIONS

from grader.curriculum import SECTIONS
from grader.prairielearn import ENTRYPOINT

pytestmark = pytest.mark.slow

BLOCKED = (
    "pid_namespace",
    "mount_namespace",
    "network_namespace",
    "ipc_uts_namespaces",
    "cgroup",
    "landlock",
)


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pl") / "prairielearn"
    proc = subprocess.run(
        [PYTHON, "-m", "grader.prairielearn", "build", "--out", str(out), "--image", "me/bg:1"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return out


def test_the_package_has_an_image_and_a_question_per_section(package: Path) -> None:
    dockerfile = (package / "image" / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "\nFROM " in dockerfile
    assert "pip install /tmp/builders-guide-kit" in dockerfile
    assert "python -I -m grader.deploy protect" in dockerfile
    assert "COPY run_prairielearn " + ENTRYPOINT in dockerfile
    entry = package / "image" / "run_prairielearn"
    assert os.access(entry, os.X_OK)
    kit = package / "image" / "kit"
    assert (kit / "pyproject.toml").exists() and (
        kit / "grader" / "checks" / "test_modules.py"
    ).exists()
    assert not (kit / "solutions").exists() and not (kit / "tests").exists()
    uuids = set()
    for section in SECTIONS:
        folder = package / "questions" / "BuildersGuide" / section
        info = json.loads((folder / "info.json").read_text())
        assert info["type"] == "v3" and info["gradingMethod"] == "External"
        options = info["externalGradingOptions"]
        assert options == {
            "enabled": True,
            "image": "me/bg:1",
            "entrypoint": ENTRYPOINT,
            "timeout": 600,
        }
        uuids.add(info["uuid"])
        html = (folder / "question.html").read_text()
        assert f'<pl-file-editor file-name="{section}.py"' in html
        assert f'source-file-name="initial_code/{section}.py"' in html
        assert "<pl-external-grader-results>" in html and "make check" not in html
        stub = (folder / "initial_code" / f"{section}.py").read_text()
        assert stub == (EXERCISES / f"{section}.py").read_text()
        assert json.loads((folder / "tests" / "grader.json").read_text()) == {"only": [section]}
    assert len(uuids) == len(SECTIONS)


def grade_tree(package: Path, root: Path, files: dict[str, str], section: str = "modules") -> dict:
    """A fake /grade: the question's tests/, data/data.json, student/; run the entry point."""
    question = package / "questions" / "BuildersGuide" / section
    (root / "tests").mkdir(parents=True)
    (root / "tests" / "grader.json").write_text((question / "tests" / "grader.json").read_text())
    (root / "data").mkdir()
    (root / "data" / "data.json").write_text(json.dumps({"params": {}, "submitted_answers": {}}))
    (root / "student").mkdir()
    for name, text in files.items():
        (root / "student" / name).write_text(text)
    env = {
        **os.environ,
        "PL_GRADE_ROOT": str(root),
        "GRADER_PYTHON": PYTHON,
        "PYTHONPATH": str(package / "image" / "kit"),  # the image's copy of the kit
        "GRADER_DISABLE_LAYERS": ",".join(BLOCKED),
    }
    started = time.monotonic()
    proc = subprocess.run(
        [str(package / "image" / "run_prairielearn")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    results = root / "results" / "results.json"
    assert results.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    data = json.loads(results.read_text())
    data["_seconds"] = time.monotonic() - started
    return data


def validate(data: dict) -> None:
    """PrairieLearn's external-grader results."""
    assert isinstance(data["gradable"], bool)
    assert isinstance(data["score"], float) and 0.0 <= data["score"] <= 1.0
    assert isinstance(data["message"], str)
    for test in data["tests"]:
        assert {"name", "points", "max_points", "message", "output"} <= set(test)
        assert 0 <= test["points"] <= test["max_points"]


def test_the_entry_point_grades_the_solution_on_a_fake_grade_tree(
    package: Path, tmp_path: Path
) -> None:
    data = grade_tree(
        package, tmp_path / "grade", {"modules.py": (SOLUTIONS / "modules.py").read_text()}
    )
    validate(data)
    assert data["gradable"] is True and data["score"] == 1.0
    assert data["tests"] and all(t["name"].startswith("modules.") for t in data["tests"])
    protections = data["protections"]
    assert protections["protected"] is True and "uid_drop" in protections["active"]
    assert protections["leftover_processes_killed"] == "not swept (not /grade)"
    print(f"PrairieLearn entry point, solutions: {data['_seconds']:.1f} s")


def test_the_entry_point_gives_the_stub_zero_and_an_empty_upload_no_attempt(
    package: Path, tmp_path: Path
) -> None:
    stub = grade_tree(
        package, tmp_path / "a", {"modules.py": (EXERCISES / "modules.py").read_text()}
    )
    validate(stub)
    assert stub["gradable"] is True and stub["score"] == 0.0
    empty = grade_tree(package, tmp_path / "b", {"notes.txt": "hello"})
    validate(empty)
    assert empty["gradable"] is False and "notes.txt" in empty["message"]
