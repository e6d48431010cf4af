"""The Gradescope bundle: what ``make gradescope`` zips, and ``run_autograder`` run against a fake
``/autograder`` tree in degraded containment (as in Gradescope's container, which blocks
``unshare``), its results.json checked against Gradescope's specification.

The real ``setup.sh`` also runs, on a fake root of its own (``GRADESCOPE_ROOT``): it creates the venv,
installs the kit from the unpacked bundle and closes the checks. Only PyTorch and the other
dependencies come from this machine's venv (a ``.pth`` file in the fresh venv points at links to
them) instead of a download; everything else is what Gradescope's image build does. Then a sandbox
uid must be unable to read any installed check, and a submission that tries (in the uid-drop mode
Gradescope's container forces) must find nothing to show in a visible test's output."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile
from collections.abc import Iterator
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
    "cgroup",
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
    assert '/bin/pip" install' in setup and "TORCH_INDEX_URL" in setup
    assert "-m grader.deploy protect" in setup


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


# -- the real setup.sh on a fake root (issue 14, problem 1) --------------------------------------

LEAK_ATTEMPT = """

import glob as _glob

_LEAK = []
for _path in [
    *(s + "/grader/checks/test_modules.py" for s in _glob.glob("@ROOT@/venv/lib/python*/site-packages")),
    "@ROOT@/source/grader/checks/test_modules.py",
]:
    try:
        with open(_path) as _f:
            _LEAK.append(_path + ": " + _f.read())
    except OSError as _exc:
        _LEAK.append(_path + ": " + type(_exc).__name__ + " " + str(_exc.strerror))
_LEAK = " | ".join(_LEAK) or "no check file found"


class MLP(nn.Module):
    def __init__(self, hidden=256, out=10):
        super().__init__()
        raise RuntimeError("LEAK " + _LEAK)
"""
# A line of a hidden check's code (test_mlp_output_matches_linear_chain): never to reach a student.
HIDDEN_CODE = "reference = F.linear(F.relu(F.linear(x.X, w1, b1)), w2, b2)"
SKIP_DEPENDENCIES = (
    "pip",
    "setuptools",
    "_distutils_hack",
    "builders_guide_grader",
    "__editable__",
)


def _dependencies(folder: Path) -> Path:
    """Links to this venv's packages (torch, numpy, pytest, ...) but pip and the kit itself."""
    site = Path(sysconfig.get_paths()["purelib"])
    folder.mkdir()
    for entry in site.iterdir():
        if entry.name.startswith(SKIP_DEPENDENCIES) or entry.suffix == ".pth":
            continue
        (folder / entry.name).symlink_to(entry)
    return folder


@pytest.fixture(scope="module")
def installed(bundle: Path) -> Iterator[dict]:
    """A fake /autograder after the real setup.sh: {root, checks, setup_seconds, stdout}."""
    base = shutil.which("python3")
    if base is None or os.geteuid() != 0:
        pytest.skip("needs root and a python3 on PATH, as on Gradescope")
    version = subprocess.run(
        [base, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True
    ).stdout.strip()
    if version != str(sys.version_info[:2]):
        pytest.skip(
            f"python3 on PATH is {version}, this venv's packages are {sys.version_info[:2]}"
        )
    # Somewhere a sandbox uid can walk to (pytest's own tmp folders are root-only).
    scratch = Path(tempfile.mkdtemp(prefix="gradescope-root-"))
    scratch.chmod(0o755)
    try:
        root = scratch / "autograder"
        (root / "source").mkdir(parents=True)
        with zipfile.ZipFile(bundle) as z:
            z.extractall(root / "source")
        for info in zipfile.ZipFile(bundle).infolist():  # zipfile drops the modes: restore them
            (root / "source" / info.filename).chmod((info.external_attr >> 16) & 0o777)
        shutil.copy(root / "source" / "run_autograder", root / "run_autograder")
        subprocess.run([base, "-m", "venv", str(root / "venv")], check=True)
        deps = _dependencies(scratch / "deps")
        site = next((root / "venv" / "lib").glob("python*/site-packages"))
        (site / "zz_test_dependencies.pth").write_text(f"{deps}\n")
        (root / "control.txt").write_text("a file anyone may read\n")
        (root / "control.txt").chmod(0o644)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
        env.update({"GRADESCOPE_ROOT": str(root), "TORCH_INDEX_URL": ""})
        started = time.monotonic()
        proc = subprocess.run(
            ["bash", str(root / "source" / "setup.sh")],
            cwd=root / "source",  # where a careless `python -c 'import grader'` finds the copy
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        seconds = time.monotonic() - started
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        checks = subprocess.run(
            [
                str(root / "venv" / "bin" / "python"),
                "-I",
                "-c",
                "import grader.checks, os; print(os.path.dirname(grader.checks.__file__))",
            ],
            cwd="/",
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        yield {
            "root": root,
            "checks": Path(checks),
            "setup_seconds": seconds,
            "stdout": proc.stdout,
            "env": env,
        }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def test_setup_sh_leaves_no_installed_check_readable_by_a_sandbox_uid(installed: dict) -> None:
    """Does the real setup.sh install the kit into the venv and leave every installed check (and
    the source copy) unreadable to the uid student code runs under, while that uid can still read
    an ordinary file beside them (so the test itself can see)?"""
    from grader.deploy import readable_as
    from grader.sandbox.containment import FALLBACK_UID_BASE

    root, checks = installed["root"], installed["checks"]
    assert checks.is_relative_to(root / "venv"), checks  # the installed copy, not the source
    assert (checks / "test_modules.py").exists()
    assert "readable by root only" in installed["stdout"]
    assert readable_as(FALLBACK_UID_BASE, [str(root / "control.txt")]) == [
        str(root / "control.txt")
    ]
    assert readable_as(FALLBACK_UID_BASE, [str(checks), str(root / "source")]) == []
    for uid in (FALLBACK_UID_BASE + 1, 65534):
        assert readable_as(uid, [str(checks)]) == []


def test_a_submission_cannot_show_a_hidden_check_in_its_output(installed: dict) -> None:
    """The attack of issue 14, problem 1: in the uid-drop mode (namespaces and Landlock blocked),
    a submission reads the installed checks at import and raises their text in a public check's
    feedback. Is it denied, with nothing of the checks in results.json?"""
    root = installed["root"]
    submission = root / "submission"
    submission.mkdir()
    attack = (SOLUTIONS / "modules.py").read_text() + LEAK_ATTEMPT.replace("@ROOT@", str(root))
    (submission / "modules.py").write_text(attack)
    env = {**installed["env"], "GRADER_DISABLE_LAYERS": ",".join(BLOCKED)}
    started = time.monotonic()
    proc = subprocess.run(
        [str(root / "run_autograder")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    installed["run_seconds"] = time.monotonic() - started
    results = root / "results" / "results.json"
    assert results.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    data = json.loads(results.read_text())
    validate(data)
    assert "uid_drop" in data["extra_data"]["protections"]["active"]
    outputs = "\n".join(t["output"] for t in data["tests"])
    assert "LEAK" in outputs and "PermissionError" in outputs, outputs[:2000]
    assert "test_modules.py" in outputs  # it found the installed files ...
    assert HIDDEN_CODE not in json.dumps(data)  # ... and could read none of them
    assert "def test_" not in outputs
    print(
        f"setup.sh {installed['setup_seconds']:.1f} s, run_autograder "
        f"{installed['run_seconds']:.1f} s"
    )
