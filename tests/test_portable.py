"""The portable transport (grader/portable.py): self-study where the Linux sandbox does not exist.

Issue 17: `check` must work on macOS, Windows and hosted notebooks with the same checks and
feedback as the sandbox, and a hang must cost one check. These run on Linux and would fail on the
others' gaps: the transport forced on the solutions, the stubs, a sample of the mistake catalogue
(same public verdicts as the sandbox) and a hang; and the `check` path loaded with every Linux-only
module unimportable and ``sys.platform`` set to darwin or win32.
"""

from __future__ import annotations

import os
import subprocess
import textwrap
import time
from pathlib import Path

import pytest
import torch
from public_catalogue import verdicts
from public_seeds import run_public_checks
from support import (
    EXERCISES,
    PYTHON,
    REPO,
    SOLUTIONS,
    TESTS,
    grade,
    living_processes,
    metadata,
    run_grader,
    with_appended,
    write_submission,
)

from grader import errors
from grader.policy import SandboxPolicy
from grader.portable import PortableSpawner
from grader.sources import SectionFile, SubmissionSource

PORTABLE_LINE = "Your code ran in a plain child process"

pytestmark = pytest.mark.slow


def test_check_forced_portable_gives_the_solutions_full_public_marks() -> None:
    """Does `check --transport portable` give the solutions every public point and say where
    the code ran?"""
    proc = run_grader("check", str(SOLUTIONS), "--transport", "portable", "--seed", "3")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert PORTABLE_LINE in proc.stdout


def test_check_forced_portable_gives_the_stubs_nothing() -> None:
    """Do the untouched stubs get 0 public points under the portable transport (exit 1)?"""
    proc = run_grader("check", str(EXERCISES), "--transport", "portable", "--seed", "3")
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "\n0 / " in proc.stdout and PORTABLE_LINE in proc.stdout


def test_grade_portable_gives_the_sandboxs_scores_marked_unprotected() -> None:
    """Does `grade --transport portable` give the solutions the sandbox's score on every item,
    files included (serialization reads them from outside the child), marked unprotected?"""
    sections = ("modules", "serialization")
    portable = grade(SOLUTIONS, "--only", *sections, "--transport", "portable")
    sandboxed = grade(SOLUTIONS, "--only", *sections)
    assert portable["sandbox"]["protected"] is False
    assert portable["sandbox"]["transport"] == "portable"
    assert portable["sandbox"]["boundary"]["holds"].startswith("no")
    scores = [(i["id"], i["score"], i["max_score"]) for i in portable["exercises"]]
    assert scores == [(i["id"], i["score"], i["max_score"]) for i in sandboxed["exercises"]]
    assert portable["score"] == portable["max_score"] > 0


def _sample_of_the_catalogue() -> list[Path]:
    """The first two mistakes of every section (sixteen, each section's checks exercised)."""
    paths = sorted((TESTS / "mutants").glob("*/*.py"))
    sample: list[Path] = []
    for section in sorted({p.parent.name for p in paths}):
        sample += [p for p in paths if p.parent.name == section][:2]
    return sample


def test_portable_and_sandbox_give_the_catalogue_the_same_public_verdicts(tmp_path: Path) -> None:
    """On a sample of the mistake catalogue, under one seed, do the public checks reach the same
    verdict (caught or not) with the same failing checks under both transports?"""
    paths = _sample_of_the_catalogue()
    plan = []
    for path in paths:
        section = path.parent.name
        name = f"{section}-{path.stem}"
        folder = write_submission(
            tmp_path / name, {section: with_appended(path.read_text(), section)}
        )
        plan.append((name, folder, [metadata(path)["TARGET"]]))
    sections = sorted({p.parent.name for p in paths})
    by_transport = {
        transport: verdicts(
            paths,
            run_public_checks(plan, [1], sections, first_failure_only=True, transport=transport),
            [1],
        )
        for transport in ("sandbox", "portable")
    }
    assert by_transport["portable"] == by_transport["sandbox"]
    assert sum(row["caught"] for row in by_transport["portable"]) >= len(paths) - 1


def _submission(code: str) -> SubmissionSource:
    return SubmissionSource(
        "learner",
        "/nonexistent/learner",
        {"modules": SectionFile("modules", "modules.py", with_appended(code))},
    )


def test_a_hang_costs_one_call_and_leaves_nothing_running() -> None:
    """Is a child that loops forever stopped at the time limit (with what it started), is the
    next call served by a fresh child, and is nothing left running at the end?"""
    code = textwrap.dedent(
        """
        import subprocess, sys
        class NestMLP(nn.Module):
            def forward(self, X):
                subprocess.Popen([sys.executable, "-c", "while True: pass"])
                while True:
                    pass
        """
    )
    with PortableSpawner(SandboxPolicy(probe_timeout=1.0, import_timeout=60.0)) as spawner:
        t = spawner.transport(_submission(code), "cpu")
        try:
            t.call(
                "modules.mlp", {"X": torch.randn(3, 5), "hidden": 4, "out": 2}, seed=1, what="MLP"
            )
            hung = t.child
            started = time.monotonic()
            with pytest.raises(errors.ProbeTimeout):
                t.call("modules.nest_mlp", {"X": torch.randn(2, 3)}, seed=0, what="NestMLP")
            assert time.monotonic() - started < 5
            assert hung.proc.poll() is not None
            reply = t.call(
                "modules.mlp", {"X": torch.randn(3, 5), "hidden": 4, "out": 2}, seed=1, what="MLP"
            )
            assert reply["output"].shape == (3, 2)
            assert t.children_started == 2
        finally:
            t.close()
        group = hung.pid  # the child led its own process group, with what it started
    assert living_processes(group=group) == []


# Loaded in every interpreter of the run (the check's and its children) through PYTHONPATH:
# Linux-only modules cannot be imported, and sys.platform says another system. Torch, rich and the
# standard modules whose import reads sys.platform are imported first (on the real system they
# would take that system's branches, which this machine cannot run): what is tested is the kit's
# own platform decisions and imports.
PRETEND = textwrap.dedent(
    """
    import importlib.abc, os, socket, subprocess, sys, sysconfig, threading
    import rich.console, torch  # they read sys.platform at import (rich's Windows console API)

    sysconfig.get_config_vars()  # cached now: it reads sys.platform to find its data module

    BLOCKED = ("grader.sandbox",)

    class _Refuse(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if any(name == b or name.startswith(b + ".") for b in BLOCKED):
                raise ImportError(f"{name} does not exist on this system (test)")
            return None

    for name in [m for m in sys.modules if any(m == b or m.startswith(b + ".") for b in BLOCKED)]:
        del sys.modules[name]
    sys.meta_path.insert(0, _Refuse())
    if hasattr(socket, "SOCK_SEQPACKET"):
        del socket.SOCK_SEQPACKET
    sys.platform = os.environ["PRETEND_PLATFORM"]
    """
)

RUN_CHECK = textwrap.dedent(
    """
    import sys
    from grader.cli import main
    code = main(sys.argv[1:])
    leaked = [m for m in sys.modules if m.startswith("grader.sandbox")]
    assert not leaked, leaked
    sys.exit(code)
    """
)


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_check_runs_where_the_sandbox_cannot_be_imported(tmp_path: Path, platform: str) -> None:
    """With the sandbox's modules unimportable and sys.platform another system's, does `check`
    pick the portable transport by itself and pass the solutions, and does `grade` refuse to fall
    back silently (exit 2, naming --transport portable)?"""
    (tmp_path / "sitecustomize.py").write_text(PRETEND)
    env = {
        **os.environ,
        "PRETEND_PLATFORM": platform,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO)]),
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [PYTHON, "-c", RUN_CHECK, *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    checked = run("check", str(SOLUTIONS), "--only", "modules", "--seed", "2")
    assert checked.returncode == 0, checked.stdout[-3000:] + checked.stderr[-3000:]
    assert PORTABLE_LINE in checked.stdout
    refused = run("grade", str(SOLUTIONS), "--only", "modules", "--device", "cpu")
    assert refused.returncode == 2, refused.stdout[-2000:] + refused.stderr[-2000:]
    assert platform in refused.stderr and "--transport portable" in refused.stderr


STUDY_CELL = (
    "import runpy, sys\n"
    "import grader.study\n"
    "namespace = runpy.run_path(sys.argv[1])  # what a notebook's cells would have defined\n"
    "sys.exit(0 if grader.study.check(namespace, only=['modules']) else 1)\n"
)


@pytest.mark.parametrize(("folder", "code"), [(SOLUTIONS, 0), (EXERCISES, 1)])
def test_one_cell_checks_a_notebooks_own_definitions(folder: Path, code: int) -> None:
    """Does grader.study.check(globals()) pass the solutions' definitions and fail the stubs'
    (saying "not attempted"), in the notebook's own process?"""
    proc = subprocess.run(
        [PYTHON, "-c", STUDY_CELL, str(folder / "modules.py")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == code, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "modules.MLP" in proc.stdout and "points on the public checks" in proc.stdout
    if code:
        assert "not attempted" in proc.stdout


@pytest.mark.parametrize("reader", ["read_without_links", "_read_checked_steps"])
def test_both_file_readers_refuse_links_hard_links_and_large_files(
    tmp_path: Path, reader: str
) -> None:
    """Does the reader without O_PATH (macOS, Windows: the portable transport's) refuse what the
    Linux one refuses: a symbolic link, a hard link, a file over the limit; and read a plain file?"""
    from grader import files

    read = getattr(files, reader)
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "plain").write_bytes(b"xyz")
    (folder / "large").write_bytes(b"x" * 11)
    (folder / "link").symlink_to(folder / "plain")
    (folder / "original").write_bytes(b"abc")
    os.link(folder / "original", folder / "hard")
    assert read([str(tmp_path), "files", "plain"], 10) == b"xyz"
    for name, reason in (("link", "link"), ("hard", "hard link"), ("large", "more than")):
        with pytest.raises(files.FileUnreadable, match=reason):
            read([str(tmp_path), "files", name], 10)
