"""The Gradescope bundle: what ``make gradescope`` zips, and ``run_autograder`` run against a fake
``/autograder`` tree in degraded containment (as in Gradescope's container, which blocks
``unshare``), its results.json checked against Gradescope's specification."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest
from support import EXERCISES, PYTHON, REPO, SOLUTIONS

pytestmark = pytest.mark.slow

# What Gradescope's container usually lacks; the sandbox must fall back to a uid drop.
BLOCKED = (
    "pid_namespace",
    "mount_namespace",
    "network_namespace",
    "ipc_uts_namespaces",
    "pids_cgroup",
    "landlock",
)
TEST_STATUSES = {"passed", "failed"}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle")
    proc = subprocess.run(
        [PYTHON, "-m", "grader.gradescope", "build", "--out", str(out), "--only", "modules"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return out / "autograder.zip"


def run_autograder(bundle: Path, root: Path, files: dict[str, str]) -> tuple[dict, str]:
    """Unpack the bundle into root/source, put files in root/submission, run run_autograder."""
    source = root / "source"
    source.mkdir(parents=True)
    with zipfile.ZipFile(bundle) as z:
        z.extractall(source)
    shutil.copy(source / "run_autograder", root / "run_autograder")  # as Gradescope does
    (root / "run_autograder").chmod(0o755)
    submission = root / "submission"
    for name, text in files.items():
        (submission / name).parent.mkdir(parents=True, exist_ok=True)
        (submission / name).write_text(text)
    submission.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "GRADESCOPE_ROOT": str(root),
        "GRADER_PYTHON": PYTHON,
        "PYTHONPATH": str(source),  # the bundle's own copy of the kit
        "GRADER_DISABLE_LAYERS": ",".join(BLOCKED),
    }
    proc = subprocess.run(
        [str(root / "run_autograder")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    results = root / "results" / "results.json"
    assert results.exists(), proc.stdout + proc.stderr
    return json.loads(results.read_text()), proc.stdout


def validate(data: dict) -> None:
    """The fields and types Gradescope's autograder specification gives for results.json."""
    assert isinstance(data["score"], float)
    assert isinstance(data.get("execution_time", 0), int)
    assert isinstance(data["output"], str)
    assert data.get("visibility", "visible") in VISIBILITIES
    assert data.get("stdout_visibility", "hidden") in VISIBILITIES
    assert isinstance(data["extra_data"], dict)
    for test in data["tests"]:
        assert isinstance(test["name"], str) and test["name"]
        assert isinstance(test["score"], float)
        assert isinstance(test["max_score"], float)
        assert 0 <= test["score"] <= test["max_score"]
        assert test["status"] in TEST_STATUSES
        assert isinstance(test["output"], str)
        assert test["visibility"] in VISIBILITIES
    json.dumps(data)  # plain JSON all the way down


def test_bundle_holds_the_scripts_and_the_kit_but_no_solutions(bundle: Path) -> None:
    with zipfile.ZipFile(bundle) as z:
        names = set(z.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in z.infolist()}
        config = z.read("config.sh").decode()
    assert {"setup.sh", "run_autograder", "config.sh", "pyproject.toml"} <= names
    assert "grader/checks/test_modules.py" in names and "grader/cli.py" in names
    for script in ("setup.sh", "run_autograder"):
        assert modes[script] & stat.S_IXUSR, script
    assert not any(n.startswith(("solutions/", "tests/", "bench/", ".git")) for n in names)
    assert not any("__pycache__" in n for n in names)
    assert "download.pytorch.org/whl/cpu" in config and "torch==" in config
    assert "GRADER_ONLY=modules" in config
    setup = (REPO / "grader" / "gradescope" / "setup.sh").read_text()
    assert "pip install" in setup and "TORCH_INDEX_URL" in setup


def test_run_autograder_grades_the_solutions_in_degraded_containment(
    bundle: Path, tmp_path: Path
) -> None:
    """Solutions uploaded inside a folder: full marks, valid results.json, the blocked layers
    reported inactive, a separate uid standing in, and nothing left running."""
    data, stdout = run_autograder(
        bundle,
        tmp_path / "autograder",
        {"homework/modules.py": (SOLUTIONS / "modules.py").read_text()},
    )
    validate(data)
    assert data["score"] == data["extra_data"]["max_score"] > 0
    assert data["score"] == sum(t["score"] for t in data["tests"])
    assert all(t["status"] == "passed" for t in data["tests"])
    assert data["extra_data"]["gradable"] is True
    protections = data["extra_data"]["protections"]
    assert protections["protected"] is True
    for layer in BLOCKED:
        assert layer in protections["inactive"], layer
    assert {"uid_drop", "rlimits", "no_new_privs", "capabilities"} <= set(protections["active"])
    # Killing leftover sandbox-uid processes happens only in a real /autograder container (here
    # other graders on the machine may own processes under those uids).
    assert protections["leftover_processes_killed"] == "not swept (not /autograder)"
    assert "wrote" in stdout


def test_stubs_score_zero_with_feedback_and_hidden_checks_stay_quiet(
    bundle: Path, tmp_path: Path
) -> None:
    data, _ = run_autograder(
        bundle, tmp_path / "autograder", {"modules.py": (EXERCISES / "modules.py").read_text()}
    )
    validate(data)
    assert data["score"] == 0.0 and data["extra_data"]["gradable"] is True
    assert all(t["status"] == "failed" for t in data["tests"])
    assert any(
        "NotImplementedError" in t["output"] or "not attempted" in t["output"]
        for t in data["tests"]
    )


def test_an_empty_upload_is_marked_ungradable(bundle: Path, tmp_path: Path) -> None:
    data, _ = run_autograder(bundle, tmp_path / "autograder", {"notes.txt": "hello"})
    validate(data)
    assert data["score"] == 0.0
    assert data["extra_data"]["gradable"] is False
    assert "could not be graded" in data["output"]
    assert [t["status"] for t in data["tests"]] == ["failed"]
