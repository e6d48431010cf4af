"""The box as a whole (issue 13): limits that hold for all of a submission's processes, a seccomp
filter, logs that do not pile up, an installation under /tmp, and failures of the grader that
are said as such instead of becoming the student's zeros."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from support import REPO, write_submission

from grader import errors
from grader.sandbox import cgroups, seccomp
from grader.sandbox.client import SandboxPolicy, SandboxTransport, Zygote, ZygoteError
from grader.sources import SectionFile, SubmissionSource

SOLUTIONS = REPO / "solutions"


def _in_subprocess(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


# -- (1) seccomp ---------------------------------------------------------------------------------


def test_seccomp_refuses_keyrings_namespaces_processes_and_signal_handlers() -> None:
    """Under the filter, do add_key/keyctl, unshare(CLONE_NEWUSER), fork, new threads and signal
    handlers fail with EPERM, while ordinary calls (files, getpid, torch) still work?"""
    proc = _in_subprocess(
        """
        import ctypes, errno, os, signal, threading
        from grader.sandbox import linux, seccomp
        linux.set_no_new_privs()
        seccomp.install(threads=False)
        libc = ctypes.CDLL(None, use_errno=True)
        out = {}
        for name, nr in (("add_key", 248), ("keyctl", 250), ("bpf", 321), ("ptrace", 101)):
            out[name] = (libc.syscall(nr, 0, 0, 0, 0, 0), ctypes.get_errno())
        try:
            linux.unshare(0x10000000)
            out["unshare"] = "allowed"
        except OSError as exc:
            out["unshare"] = exc.errno
        try:
            os.fork()
            out["fork"] = "allowed"
        except OSError as exc:
            out["fork"] = exc.errno
        try:
            threading.Thread(target=lambda: None).start()
            out["thread"] = "allowed"
        except RuntimeError:
            out["thread"] = "refused"
        try:
            signal.signal(signal.SIGUSR1, lambda *a: None)
            out["signal"] = "allowed"
        except OSError as exc:
            out["signal"] = exc.errno
        import torch
        out["torch"] = float(torch.ones(3).sum())
        out["active"] = seccomp.active()
        print(repr(out))
        """
    )
    assert proc.returncode == 0, proc.stderr
    out = eval(proc.stdout.strip().splitlines()[-1])
    if os.uname().machine in ("x86_64", "amd64"):
        for name in ("add_key", "keyctl", "bpf", "ptrace"):
            assert out[name] == (-1, errno.EPERM), (name, out)
    assert out["unshare"] == errno.EPERM
    assert out["fork"] == errno.EPERM
    assert out["thread"] == "refused"
    assert out["signal"] == errno.EPERM
    assert out["torch"] == 3.0 and out["active"] is True


def test_the_filter_allows_threads_only_when_asked() -> None:
    """With threads=True (CUDA needs them), does a thread start while a process still does not?"""
    proc = _in_subprocess(
        """
        import os, threading
        from grader.sandbox import linux, seccomp
        linux.set_no_new_privs()
        seccomp.install(threads=True)
        t = threading.Thread(target=lambda: None); t.start(); t.join()
        try:
            os.fork(); print("fork allowed")
        except OSError:
            print("fork refused")
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "fork refused"


def test_the_program_refuses_other_architectures_and_x32() -> None:
    """Does the program check the architecture first (another system call table is refused) and
    is a machine it does not know refused at build time?"""
    code = seccomp.program("x86_64", threads=False)
    assert len(code) % 8 == 0 and len(code) // 8 < 256
    with pytest.raises(OSError):
        seccomp.program("sparc64", threads=False)


# -- (2), (3) one cgroup for the whole submission ------------------------------------------------


def _cgroups_usable() -> bool:
    try:
        group = cgroups.Group.create(f"probe-{os.getpid()}", memory=64 << 20, pids=8, cpus=1.0)
    except Exception:
        return False
    if group is None:
        return False
    ok = set(group.controllers()) == set(cgroups.CONTROLLERS)
    group.destroy()
    return ok


needs_cgroups = pytest.mark.skipif(
    not _cgroups_usable(),
    reason="this machine gives no memory, pids and cpu cgroups to this process (the layer then "
    "reports itself unavailable; tests/test_sandbox.py checks that)",
)


@needs_cgroups
def test_memory_is_limited_for_all_processes_together() -> None:
    """Do several processes of one submission, each under the limit, get killed together once
    their sum passes the group's memory limit (seven forks once held 3.5 GB against 512 MB)?"""
    group = cgroups.Group.create(f"memtest-{os.getpid()}", memory=200 << 20, pids=64, cpus=1.0)
    assert group is not None
    procs = []
    try:
        for _ in range(4):  # 4 x 80 MB: each alone is fine, together they are not
            p = subprocess.Popen(
                [sys.executable, "-c", "import time; b = bytearray(80 << 20); time.sleep(20)"],
                preexec_fn=lambda: (group.join(os.getpid()), None)[1],
            )
            procs.append(p)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and all(p.poll() is None for p in procs):
            time.sleep(0.1)
        killed = [p for p in procs if p.poll() is not None and p.returncode < 0]
        assert killed, "no process was killed although the group's sum passed its limit"
    finally:
        for p in procs:
            p.kill()
            p.wait()
        group.destroy()


@needs_cgroups
def test_cpu_is_limited_for_the_submission() -> None:
    """Does a submission's cgroup get at most its share of CPU (busy processes in their own
    sessions once slowed another worker's student from 12.5 s to 42 s)?"""
    group = cgroups.Group.create(f"cputest-{os.getpid()}", memory=1 << 30, pids=64, cpus=0.2)
    assert group is not None
    try:
        spin = (
            "import os, time\n"
            "start = time.monotonic()\n"
            "while time.monotonic() - start < 1.5:\n"
            "    pass\n"
            "print(os.times().user + os.times().system)\n"
        )
        p = subprocess.run(
            [sys.executable, "-c", spin],
            preexec_fn=lambda: (group.join(os.getpid()), None)[1],
            capture_output=True,
            text=True,
            timeout=30,
        )
        used = float(p.stdout.strip())
        assert used < 0.75, f"1.5 s of spinning under a 0.2-CPU quota used {used:.2f} s of CPU"
    finally:
        group.destroy()


def test_shares_follow_the_kernels_weight_of_each_niceness() -> None:
    """Is a niceness turned into cgroup v1 shares as the kernel weighs a process at it (its table
    in kernel/sched/core.c: 1024 at 0, 820 at 1, 335 at 5, 110 at 10, 15 at 19)?"""
    kernel = {0: 1024, 1: 820, 5: 335, 10: 110, 15: 36, 19: 15, -5: 3121}
    assert {n: cgroups.shares_of_niceness(n) for n in kernel} == pytest.approx(kernel, abs=4)


@needs_cgroups
@pytest.mark.parametrize("niceness", [0, 19])
def test_a_niced_graders_cgroups_weigh_as_its_niceness(niceness: int) -> None:
    """Does a grader started with `nice` give its submissions' cgroups the weight of its own
    niceness, and one at niceness 0 leave the default? The scheduler weighs a cgroup as a whole,
    so without it `nice make grade` took a full share."""
    found = _in_subprocess(
        f"""
        import os
        os.nice({niceness})
        from grader.sandbox import cgroups
        base = cgroups.bases()["cpu"]
        try:
            for name in ("cpu.weight.nice", "cpu.shares"):
                if os.path.exists(os.path.join(base, name)):
                    with open(os.path.join(base, name)) as f:
                        print(name, f.read().strip())
                    break
        finally:
            cgroups.cleanup()
        """
    )
    assert found.returncode == 0, found.stderr
    expected = {0: (["cpu.weight.nice", "0"], ["cpu.shares", "1024"])}.get(
        niceness, (["cpu.weight.nice", "19"], ["cpu.shares", "15"])
    )
    assert found.stdout.split() in expected


def test_a_submissions_children_share_one_group_that_goes_with_it() -> None:
    """Do a submission's child and verifier sit in the same cgroup, and is it gone once the
    submission is closed?"""
    with Zygote(SandboxPolicy(probe_timeout=5.0)) as zygote:
        zygote.ready()
        code = (SOLUTIONS / "serialization.py").read_text()
        source = SubmissionSource(
            "s", "/nonexistent/s", {"serialization": SectionFile("serialization", "x.py", code)}
        )
        t = SandboxTransport(zygote, source)
        try:
            t.load("serialization")
            # A file the parent does not read itself (grader/torchfile.py): the verifier reads it.
            import io

            import torch

            unusual = io.BytesIO()
            torch.save({"a": torch.ones(2)}, unusual, pickle_protocol=3)
            t.verify("serialization.describe_files", {"files": [unusual.getvalue()]}, what="save")
            if t.layers.get("cgroup") != "active":
                pytest.skip(f"no cgroup here: {t.layers.get('cgroup')}")
            paths = [_cgroup_of(pid) for pid in (t.child.pid, t.verifier.pid)]
            assert paths[0] == paths[1]
        finally:
            t.close()
        time.sleep(0.5)
        leftovers = [
            root + paths[0]
            for root in ("/sys/fs/cgroup/memory", "/sys/fs/cgroup")
            if os.path.isdir(root + paths[0])
        ]
        assert leftovers == []


def _cgroup_of(pid: int) -> str:
    """The process's cgroup in the hierarchy that limits its memory (v1), or its v2 cgroup."""
    with open(f"/proc/{pid}/cgroup") as f:
        lines = [line.rstrip("\n").split(":", 2) for line in f]
    memory = [path for _, controllers, path in lines if "memory" in controllers.split(",")]
    return memory[0] if memory else next(path for _, c, path in lines if c == "")


# -- (4) logs --------------------------------------------------------------------------------------


def test_a_stopped_childs_output_log_is_deleted() -> None:
    """Is a child's capture file removed as the child stops (64 MB per crashed child stayed until
    the whole run ended)?"""
    with Zygote(SandboxPolicy(probe_timeout=5.0)) as zygote:
        zygote.ready()
        source = SubmissionSource(
            "s",
            "/nonexistent/s",
            {"modules": SectionFile("modules", "modules.py", "print('x' * 1000)\n")},
        )
        t = SandboxTransport(zygote, source)
        t.load("modules")
        path = t.child.output_path
        assert os.path.exists(path)
        t.restart()
        assert not os.path.exists(path)
        t.close()


# -- (7) an installation under /tmp -------------------------------------------------------------


def test_a_kit_installed_under_tmp_grades_the_solutions_in_full(tmp_path: Path) -> None:
    """With the kit and its virtualenv under /tmp (a clone in /tmp, a CI runner's workspace), the
    child's private /tmp once hid the installation: do the solutions still get full marks?"""
    if not str(tmp_path).startswith("/tmp/"):
        pytest.skip("the temporary folder is not under /tmp here")
    kit = tmp_path / "kit"
    shutil.copytree(
        REPO,
        kit,
        ignore=shutil.ignore_patterns(".venv", ".git", "build", "__pycache__", "*.egg-info"),
    )
    venv = Path(sys.prefix)
    # A hard-linked copy of the virtualenv (instant, no space): its modules now live under /tmp.
    subprocess.run(["cp", "-al", str(venv), str(kit / ".venv")], check=True)
    python = kit / ".venv" / "bin" / "python"
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [str(python), "-m", "grader", "grade", "solutions", "--device", "cpu", "--json", str(out)],
        cwd=kit,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(kit)},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(out.read_text())
    assert data["score"] == data["max_score"] > 0, [
        (i["id"], i["message"]) for i in data["exercises"] if i["score"] != i["max_score"]
    ]


# -- (8) a child that cannot start ----------------------------------------------------------------


def test_a_child_that_cannot_start_makes_the_submission_ungradable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When no child can start (CUDA that fails, a canary of honest code that fails), are the
    items 'ungradable' with grader errors (never graded zeros), the submission not gradable, and
    does grade exit 3 saying so?"""
    from grader import cli

    def cannot(self, *args, **kwargs):
        raise ZygoteError("CUDA could not be initialised (simulated)")

    monkeypatch.setattr(Zygote, "spawn", cannot)
    write_submission(tmp_path / "alice", {"modules": (SOLUTIONS / "modules.py").read_text()})
    out = tmp_path / "r.json"
    code = cli.main(
        [
            "grade",
            str(tmp_path / "alice"),
            "--device",
            "cpu",
            "--only",
            "modules",
            "--json",
            str(out),
        ]
    )
    assert code == cli.EXIT_GRADER_FAILED
    data = json.loads(out.read_text())
    items = [i for i in data["exercises"] if i["id"].startswith("modules.")]
    assert {i["status"] for i in items} == {"ungradable"}
    assert data["gradable"] is False
    assert all(c["kind"] == "grader error" for i in items for c in i["checks"])


def test_an_unknown_probe_is_a_grader_error_not_the_students() -> None:
    """Does a probe name nobody registered come back as a grader error (the item ungradable),
    not as a failure of the student's code?"""
    from grader.transport import InProcessTransport

    t = InProcessTransport(
        sources={
            "modules": SectionFile("modules", "modules.py", (SOLUTIONS / "modules.py").read_text())
        }
    )
    with pytest.raises(errors.GradingFailure) as info:
        t.call("modules.no_such_probe", {}, seed=0, what="MLP")
    assert info.value.kind == errors.GRADER_ERROR_KIND
    t.close()
