"""Devices: CUDA stays untouched until a child is forked, and ``--device`` behaves as documented
on whatever machine runs the tests (GPU-only checks are skipped with a reason on a CPU)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

import pytest
import torch
from support import REPO, run_grader, solution_source

from grader.plugin import MSG_NEEDS_CUDA
from grader.sandbox.client import SandboxPolicy, SandboxTransport, Zygote
from grader.sources import SectionFile, SubmissionSource

HAS_CUDA = torch.cuda.is_available()

# Run in a fresh interpreter: spies on every entry point that initialises (or asks) the CUDA
# driver, then runs the zygote's whole start-up (grader.sandbox.zygote.prepare: pre-imports, every
# probe module, the children's configuration) and its warm-up. With "touch" as argument the
# script also calls torch.cuda.is_available() on purpose: the spies must see that (the test can
# fail on a CPU build too, where such a call initialises nothing).
SPY = """
import importlib, json, sys
import torch

queued_by_torch = len(getattr(torch.cuda, "_queued_calls", []))
calls = []

def spy_on(owner, name, label):
    original = getattr(owner, name, None)
    if original is None:
        return
    def spy(*args, **kwargs):
        calls.append(label)
        return original(*args, **kwargs)
    setattr(owner, name, spy)

for name in ("is_available", "device_count", "_lazy_init", "init", "current_device",
             "set_device", "synchronize", "get_device_name", "mem_get_info"):
    spy_on(torch.cuda, name, f"torch.cuda.{name}")
for name in ("_cuda_getDeviceCount", "_cuda_init", "_cuda_setDevice", "_cuda_getDevice"):
    spy_on(torch._C, name, f"torch._C.{name}")

from grader.sandbox import zygote
state, failed = zygote.prepare()
zygote._warm(list(zygote.WARM_MODULES))
if sys.argv[-1] == "touch":
    torch.cuda.is_available()
from grader import probes
print(json.dumps({
    "calls": calls,
    "initialized": torch.cuda.is_initialized(),
    "queued": len(getattr(torch.cuda, "_queued_calls", [])) - queued_by_torch,
    "probes": sorted(probes.PROBES),
}))
"""


def _spy(*args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", SPY, *args], cwd=REPO, capture_output=True, text=True, timeout=180
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def gpu_only_checks() -> set[str]:
    """Names of the checks marked gpu_only=True, read from the check files (nothing imported)."""
    names = set()
    for path in sorted((REPO / "grader" / "checks").glob("test_*.py")):
        for node in ast.parse(path.read_text()).body:
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and any(
                    k.arg == "gpu_only" and getattr(k.value, "value", False) is True
                    for k in decorator.keywords
                ):
                    names.add(node.name)
    return names


def test_the_zygotes_start_up_never_asks_cuda() -> None:
    """Does the zygote's whole start-up (pre-imports, every probe module, the children's
    configuration, the warm-up) leave CUDA alone: no call that asks or initialises the driver,
    nothing queued for it beyond what `import torch` queues? (A child forked from a process that
    initialised CUDA cannot use it.)"""
    report = _spy()
    assert "gpus.simulated" in report["probes"]  # the device probes were imported too
    assert report["calls"] == []
    assert report["initialized"] is False
    assert report["queued"] == 0


def test_the_spies_see_a_call_that_asks_the_driver() -> None:
    """Can the test above fail: is a torch.cuda.is_available() made during start-up seen?"""
    report = _spy("touch")
    assert "torch.cuda.is_available" in report["calls"]


def test_a_child_is_not_forked_from_a_cuda_process() -> None:
    """Does a sandboxed child find CUDA untouched by the zygote it was forked from (no 'bad fork')?"""
    source = SubmissionSource(
        "student",
        "/nonexistent/student",
        {"gpus": SectionFile("gpus", "gpus.py", solution_source("gpus"))},
    )
    with Zygote(SandboxPolicy(probe_timeout=5.0, import_timeout=10.0)) as zygote:
        zygote.ready()
        transport = SandboxTransport(zygote, source, "cpu")
        try:
            state = transport.call("gpus.cuda_state", {}, seed=0, what="cuda state")
        finally:
            transport.close()
    assert state == {"initialized": False, "bad_fork": False}


def test_the_simulated_gpus_are_restored_after_each_call() -> None:
    """Does torch.cuda report the real machine again after a probe simulated other device counts,
    even when the student's code raised (the in-process transport shares the grader's torch)?"""
    from grader.probes import ProbeContext
    from grader.probes.gpus import simulated

    real = torch.cuda.device_count(), torch.cuda.is_available()
    with pytest.raises(ZeroDivisionError), ProbeContext({}, "cpu").replacing(simulated(5)):
        assert torch.cuda.device_count() == 5 and torch.cuda.is_available()
        raise ZeroDivisionError
    assert (torch.cuda.device_count(), torch.cuda.is_available()) == real


@pytest.mark.skipif(HAS_CUDA, reason="this machine has a CUDA device")
def test_device_cuda_without_a_gpu_is_refused_with_a_clear_message() -> None:
    """Does --device cuda on a machine without CUDA stop with exit status 2 and say what to use?"""
    proc = run_grader("grade", "solutions", "--only", "gpus", "--device", "cuda")
    assert proc.returncode == 2
    message = proc.stdout + proc.stderr
    assert "no CUDA device" in message
    assert "--device cpu" in message


@pytest.mark.skipif(HAS_CUDA, reason="this machine has a CUDA device")
def test_device_auto_without_a_gpu_grades_on_the_cpu_and_skips_gpu_only_checks(tmp_path) -> None:
    """Does --device auto on a CPU machine grade every item in full, skipping exactly the GPU-only
    checks with the reason MSG_NEEDS_CUDA?"""
    out = tmp_path / "auto.json"
    sections = ["gpus"]
    proc = run_grader(
        "grade", "solutions", "--only", *sections, "--device", "auto", "--json", str(out)
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())
    assert result["device"] == "cpu"
    graded = [e for e in result["exercises"] if e["id"].split(".")[0] in sections]
    assert graded and all(e["score"] == e["max_score"] > 0 for e in graded)
    checks = [c for e in graded for c in e["checks"]]
    skipped = {c["name"] for c in checks if c["kind"] == "skipped"}
    assert skipped == {c["name"] for c in checks} & gpu_only_checks()
    assert skipped  # the sections do have GPU-only checks
    assert all(MSG_NEEDS_CUDA in c["feedback"] for c in checks if c["name"] in skipped)


@pytest.mark.skipif(not HAS_CUDA, reason="needs a CUDA device")
def test_device_cuda_grades_the_solutions_in_full(tmp_path) -> None:
    """On a GPU machine, do the solutions get full marks with --device cuda, GPU-only checks run?"""
    out = tmp_path / "cuda.json"
    sections = ["gpus", "serialization"]
    proc = run_grader(
        "grade", "solutions", "--only", *sections, "--device", "cuda", "--json", str(out)
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())
    assert result["device"] == "cuda"
    graded = [e for e in result["exercises"] if e["id"].split(".")[0] in sections]
    assert all(e["score"] == e["max_score"] > 0 for e in graded)
    assert not any(c["kind"] == "skipped" for e in graded for c in e["checks"])
