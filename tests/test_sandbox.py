"""The sandbox engine itself: containment layers and their canaries, timeouts, crashes, restarts,
limits on replies, and what a child can and cannot see."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest
import torch
from support import living_processes, solution_source, with_appended

from grader import errors
from grader.sandbox import cgroups, linux
from grader.sandbox.client import SandboxPolicy, SandboxTransport, Zygote
from grader.sources import SectionFile, SubmissionSource
from grader.submission import Submission
from grader.transport import InProcessTransport, ProtocolViolation

SECRET = "builders-secret-7f3a"


def submission(code: str = "", name: str = "student") -> SubmissionSource:
    source = with_appended(code) if code else solution_source()
    return SubmissionSource(
        name, f"/nonexistent/{name}", {"modules": SectionFile("modules", "modules.py", source)}
    )


@pytest.fixture(scope="module")
def zygote():
    os.environ["BUILDERS_GRADER_TEST_SECRET"] = SECRET  # must never reach a child
    with Zygote(SandboxPolicy(probe_timeout=1.0, import_timeout=5.0)) as z:
        z.ready()
        yield z
    os.environ.pop("BUILDERS_GRADER_TEST_SECRET", None)


def transport(zygote: Zygote, code: str = "") -> SandboxTransport:
    return SandboxTransport(zygote, submission(code))


def call_mlp(t, X=None):
    X = torch.randn(3, 5) if X is None else X
    return t.call("modules.mlp", {"X": X, "hidden": 4, "out": 2}, seed=1, what="MLP")


def _namespaces_supported() -> bool:
    code = (
        "from grader.sandbox import linux;"
        "linux.unshare(linux.CLONE_NEWNS|linux.CLONE_NEWNET|linux.CLONE_NEWIPC|linux.CLONE_NEWUTS|linux.CLONE_NEWPID)"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def _cgroups_supported() -> bool:
    """Whether this machine lets us make cgroups with all three controllers (memory, pids, cpu)."""
    roots = cgroups._roots()
    if set(roots) != set(cgroups.CONTROLLERS):
        return False
    for root in set(roots.values()):
        probe = os.path.join(root, f"builders-grader-probe-{os.getpid()}")
        try:
            os.mkdir(probe)
            os.rmdir(probe)
        except OSError:
            return False
    return True


def test_every_layer_this_machine_supports_is_active(zygote) -> None:
    """Is every containment layer the kernel and our privileges allow reported active (each proven by
    its canary), judged independently of the grader's own report?"""
    t = transport(zygote)
    try:
        call_mlp(t)
        layers = t.describe()["layers"]
    finally:
        t.close()
    expected = ["rlimits", "no_new_privs", "capabilities"]
    if _namespaces_supported():
        expected += ["pid_namespace", "mount_namespace", "network_namespace", "ipc_uts_namespaces"]
    if linux.landlock_abi() > 0:
        expected.append("landlock")
    if _cgroups_supported():
        expected.append("cgroup")
    assert {layer: layers[layer] for layer in expected} == dict.fromkeys(expected, "active")


def test_the_child_environment_has_no_secrets(zygote) -> None:
    """Does a child see none of the grader's environment variables?"""
    t = transport(
        zygote,
        "import os\nclass MLP(nn.Module):\n    def __init__(self, *a):\n        super().__init__()\n        raise RuntimeError(repr(dict(os.environ)))\n",
    )
    try:
        with pytest.raises(errors.StudentCodeError) as info:
            call_mlp(t)
    finally:
        t.close()
    assert "PYTHONHASHSEED" in info.value.message  # the message really is the environment
    assert SECRET not in info.value.message


def test_a_child_holds_only_its_own_pipes(zygote) -> None:
    """Are the zygote's control socket and every other inherited descriptor closed in the child?"""
    code = "import os\nclass MLP(nn.Module):\n    def __init__(self, *a):\n        super().__init__()\n        raise RuntimeError(' '.join(sorted(os.listdir('/proc/self/fd'))))\n"
    t = transport(zygote, code)
    try:
        with pytest.raises(errors.StudentCodeError) as info:
            call_mlp(t)
    finally:
        t.close()
    fds = {int(fd) for fd in info.value.message.split()}
    assert fds - {0, 1, 2, 3, 4} <= {max(fds)}  # the one extra is listdir's own directory fd


def test_a_hang_costs_one_call_and_the_next_call_gets_a_new_child(zygote) -> None:
    """Is a child that loops forever stopped at the time limit, and is the next probe served by a fresh child?"""
    code = "class NestMLP(nn.Module):\n    def forward(self, X):\n        while True:\n            pass\n"
    t = transport(zygote, code)
    try:
        started = time.monotonic()
        with pytest.raises(errors.ProbeTimeout):
            t.call("modules.nest_mlp", {"X": torch.randn(2, 3)}, seed=0, what="NestMLP")
        assert time.monotonic() - started < 5
        assert call_mlp(t)["output"].shape == (3, 2)
        assert t.children_started == 2
    finally:
        t.close()


COUNTING_MLP = """
CALLS = [0]


class MLP(nn.Module):
    def __init__(self, *args):
        super().__init__()

    def forward(self, X):
        CALLS[0] += 1
        return torch.full((X.shape[0], 2), float(CALLS[0]))
"""


def counted(t: SandboxTransport, apart: bool = False) -> float:
    """COUNTING_MLP's count of calls in the process that answered (call_apart: the second one)."""
    run = t.call_apart if apart else t.call
    reply = run("modules.mlp", {"X": torch.randn(3, 5)}, seed=1, what="MLP")
    return float(reply["output"][0, 0])


def test_calls_apart_share_a_second_process_that_never_sees_the_main_ones_memory(zygote) -> None:
    """Does call_apart (where a checkpoint is resumed) run in a second process of the phase, kept
    between apart calls, with none of the main process's memory; and do a restart (a check
    starting over) and a new phase replace both processes?
    Catches: resuming in the process that saved (memory stands in for the file), or a second
    process that outlives a start-over or a phase (a failing check decided after other checks)."""
    t = transport(zygote, COUNTING_MLP)

    def count(apart: bool = False) -> float:
        return counted(t, apart)

    try:
        t.set_phase("public")
        assert [count(), count(), count(apart=True), count(apart=True), count()] == [1, 2, 1, 2, 3]
        assert t.children_started == 2 and not t.pristine
        t.restart()
        assert t.pristine
        assert [count(apart=True), count()] == [1, 1]
        t.set_phase("hidden")
        assert [count(apart=True), count()] == [1, 1]
        assert t.children_started == 6
    finally:
        t.close()


def test_the_second_process_goes_on_into_the_final_phase_only(zygote) -> None:
    """Does the process that resumes checkpoints (call_apart) go on from an earlier phase into
    the final one, and only there: a new main process, the same second one; a change into a
    phase that is not final, or out of the final one, replaces both? And is a call of the final
    phase in the carried process reported (``inherited``), so that a check failing there starts
    over rather than being decided after other checks?
    Catches: a process that served the final (hidden) phase going on to serve another (hidden
    inputs could reach that phase's feedback), a carried process taken for a fresh one (a
    failure decided after earlier checks), or one child more per submission than needed."""
    t = transport(zygote, COUNTING_MLP)

    def count(apart: bool = False) -> float:
        return counted(t, apart)

    try:
        t.set_phase("public")
        assert [count(), count(apart=True)] == [1, 1]
        carried = t.second.child
        t.set_phase("hidden", final=True)
        assert t.pristine and not t.inherited  # it served nothing of this phase yet
        assert count() == 1
        t.restart()  # a check starting over before the carried one served this phase: it stays
        assert t.second.child is carried and t.main.child is None and t.pristine
        assert [count(), count(apart=True)] == [1, 2] and t.second.child is carried
        assert t.inherited and t.children_started == 4
        t.restart()  # a check starting over after it served this phase: both anew
        assert [count(), count(apart=True)] == [1, 1] and not t.inherited
        t.set_phase("public")  # out of the final phase: both anew
        assert [count(), count(apart=True)] == [1, 1] and not t.inherited
        t.set_phase("hidden")  # into a phase that is not final: both anew
        assert [count(), count(apart=True)] == [1, 1]
        t.set_phase("hidden", final=True)  # the same phase: nothing changes
        assert [count(), count(apart=True)] == [2, 2] and not t.inherited
        assert t.children_started == 10
    finally:
        t.close()


def test_the_final_phase_asks_for_a_spare_only_after_a_check_started_over(zygote) -> None:
    """Are the final phase's processes (usually the last ones a submission needs: a stub's, a
    passing submission's) taken without a spare asked for behind them, while other phases keep
    theirs; once a check of the final phase started over (failures come in runs), is a spare
    asked for, but not behind its second process; and does a check that starts over still get
    its processes?
    Catches: an unused child forked and contained for every submission (a whole child's start-up
    for nothing), or a final phase left unable to start over."""
    t = transport(zygote, COUNTING_MLP)

    def count(apart: bool = False) -> float:
        return counted(t, apart)

    try:
        t.set_phase("public")
        assert count() == 1 and t.spare is not None  # public is not final: more will be needed
        t.set_phase("hidden", final=True)  # no second process to carry
        assert count() == 1 and t.spare is None
        assert count(apart=True) == 1 and t.spare is None
        t.restart()
        assert count() == 1 and t.spare is not None  # a check started over: more may
        assert count(apart=True) == 1 and t.spare is None and t.children_started == 5
        t.set_phase("public")
        assert [count(), count(apart=True)] == [1, 1] and t.spare is not None
        t.set_phase("hidden", final=True)  # the second one is carried: nothing else is needed
        assert [count(), count(apart=True)] == [1, 2] and t.spare is None
        assert t.children_started == 8
    finally:
        t.close()


def test_positive_canaries_run_once_per_device_and_every_report_keeps_them(zygote) -> None:
    """Does the first child of a submission run the positive canaries, do later ones (spares
    included) skip them, and does the transport still report what the first one found?
    Catches: the positive canaries paid in every child (about 9 ms each), or a report that loses
    honest_code (the JSON would change) once a later child is the one reporting."""
    t = transport(zygote, COUNTING_MLP)
    try:
        t.set_phase("public")
        call_mlp(t)
        first = t.main.child
        assert first is not None and first.layers["honest_code"] == "active"
        assert t.proven == {"cpu": "active"}
        t.set_phase("hidden")
        call_mlp(t)
        later = t.main.child
        assert later is not None and later is not first and "honest_code" not in later.layers
        assert later.layers["audit_hook"] == "active"  # the negative canaries still run
        assert t.describe()["layers"]["honest_code"] == "active"
        assert list(t.describe()["layers"])[-1] == "honest_code"  # where the first put it
    finally:
        t.close()
    skipped = zygote.spawn("cpu", [], proven=True)
    try:
        assert "honest_code" not in skipped.layers
    finally:
        skipped.stop()


def test_the_next_process_is_started_ahead_and_has_run_nothing(zygote) -> None:
    """Is the process a submission needs next (here: the hidden phase's) asked for ahead, taken
    when needed as a process that ran nothing, counted only once taken, and stopped at close?
    Catches: a spare that served calls before it was taken (state carried into the next phase),
    a spare counted as a started child (results would change), or one left running."""
    t = transport(zygote, COUNTING_MLP)

    def count() -> float:
        reply = t.call("modules.mlp", {"X": torch.randn(3, 5)}, seed=1, what="MLP")
        return float(reply["output"][0, 0])

    try:
        t.set_phase("public")
        assert [count(), count()] == [1, 2]
        spare = t.spare
        assert spare is not None and t.children_started == 1
        t.set_phase("hidden")
        assert count() == 1 and t.children_started == 2
        assert t.main.child is not None and t.main.child.pid == int(spare.answer["pid"])
        left = t.spare
        assert left is not None
    finally:
        t.close()
    assert t.spare is None
    assert zygote._proc is not None
    assert int(left.answer["pid"]) not in living_processes(parent=zygote._proc.pid)
    on_gpu = SandboxTransport(zygote, submission(COUNTING_MLP), "cuda")
    assert on_gpu._new_child("cpu") is not None and on_gpu.spare is None  # no CUDA spare
    on_gpu.close()


def test_answers_to_spawns_asked_ahead_are_never_read_as_another_requests(zygote) -> None:
    """With a spawn asked for ahead and not taken yet, do a plain spawn and a reap that waits get
    their own answers, and the spawn asked ahead its own child? (The zygote answers in order; an
    answer read by the wrong request would hand one submission's process to another.)"""
    ahead = zygote.spawn_ahead("cpu", [])
    plain = zygote.spawn("cpu", [])
    status = plain.stop(grace=0.2, status=True)
    taken = ahead.take()
    try:
        assert taken.alive and taken.pid != plain.pid and taken.pid == int(ahead.answer["pid"])
        assert status == "stopped by the grader"  # the reap's own answer, not a spawn's
        reply = taken.request({"op": "ping", "id": "x"}, time.monotonic() + 5, 1 << 20)
        assert reply == {"id": "x", "ok": "pong"}
    finally:
        taken.stop()
    cancelled = zygote.spawn_ahead("cpu", [])
    cancelled.cancel()
    again = zygote.spawn("cpu", [])
    assert again.alive
    again.stop()


def test_canary_files_in_a_shared_tmp_are_never_in_a_later_childs_way() -> None:
    """Without a mount namespace a child's /tmp is the machine's. With a canary file left there by
    another uid (a child killed mid-canary), does a new child's honest-code canary still pass, and
    does a spare cancelled at once leave none of its own behind?
    Catches: one fixed name (/tmp/.canary.pt): after one child was killed mid-canary, every later
    child's canary failed with Permission denied on that machine (the whole class ungradable)."""
    leftover = "/tmp/.canary.pt"
    before = set(os.listdir("/tmp"))
    # As in a container that forbids namespaces, cgroups and Landlock (PrairieLearn's): the
    # children drop to a uid of their own and write in the machine's /tmp.
    blocked = {"pid_namespace", "mount_namespace", "network_namespace", "ipc_uts_namespaces"}
    made = not os.path.exists(leftover)
    if made:
        with open(leftover, "wb") as f:
            f.write(b"left by a child killed mid-canary")
        os.chmod(leftover, 0o600)
    try:
        with Zygote(SandboxPolicy(disabled=frozenset({*blocked, "cgroup", "landlock"}))) as z:
            z.ready()
            for _ in range(3):
                z.spawn_ahead("cpu", []).cancel()
            child = z.spawn("cpu", [])
            assert child.layers["honest_code"] == "active", child.layers
            assert child.layers["uid_drop"].startswith("active"), child.layers
            child.stop()
    finally:
        if made:
            os.unlink(leftover)
    left = {name for name in set(os.listdir("/tmp")) - before if name.startswith(".canary")}
    assert left == set()


def test_a_crash_is_reported_with_its_signal(zygote) -> None:
    """Does a segfault in student code surface as ChildDied naming SIGSEGV?"""
    code = "import faulthandler\nclass MLP(nn.Module):\n    def __init__(self, *a):\n        super().__init__()\n        faulthandler._read_null()\n"
    t = transport(zygote, code)
    try:
        with pytest.raises(errors.ChildDied) as info:
            call_mlp(t)
    finally:
        t.close()
    assert "SIGSEGV" in info.value.status


def test_a_section_that_cannot_load_fails_fast_afterwards(zygote) -> None:
    """Is a section whose import raises reported with its error, and not imported again?"""
    t = transport(zygote, "raise ValueError('broken at import')\n")
    try:
        with pytest.raises(errors.SectionUnavailable) as first:
            call_mlp(t)
        with pytest.raises(errors.SectionUnavailable) as second:
            call_mlp(t)
    finally:
        t.close()
    assert "broken at import" in first.value.reason
    assert second.value is first.value


def test_repeated_crashes_stop_the_submission(zygote) -> None:
    """After max_restarts children died, does the rest of the submission fail at once?"""
    code = "import os\nclass MLP(nn.Module):\n    def __init__(self, *a):\n        super().__init__()\n        os._exit(9)\n"
    t = transport(zygote, code)
    t.policy = t.policy.replace(max_restarts=2)
    try:
        for _ in range(3):
            with pytest.raises(errors.ChildDied):
                call_mlp(t)
        with pytest.raises(errors.SubmissionBudgetExhausted):
            call_mlp(t)
    finally:
        t.close()


def test_the_submission_time_budget_is_enforced(zygote) -> None:
    """Once a submission has used its total time, do further probes fail without running?"""
    code = "import time\nclass NestMLP(nn.Module):\n    def forward(self, X):\n        time.sleep(0.3)\n        return X\n"
    t = transport(zygote, code)
    sub = Submission(t.submission, t, budget=0.5)
    try:
        with pytest.raises(errors.SubmissionBudgetExhausted, match=r"used its 0\.5 s"):
            for _ in range(5):
                sub.call("modules.nest_mlp", X=torch.randn(2, 3), what="NestMLP")
        with pytest.raises(errors.SubmissionBudgetExhausted):
            sub.call("modules.mlp", X=torch.randn(2, 3), what="MLP")
    finally:
        sub.close()


def test_the_watchdog_stops_the_graders_own_work(zygote) -> None:
    """Does the budget also cover the grader's own computing on a reply (a reference that never
    ends), interrupting it instead of letting one submission stop the class?"""
    t = transport(zygote, "")
    sub = Submission(t.submission, t, budget=0.3)
    started = time.monotonic()
    try:
        with pytest.raises(errors.OutOfTime), sub.watchdog():
            while True:  # a parent-side loop on crafted data
                pass
        assert time.monotonic() - started < 2.0
        with pytest.raises(errors.SubmissionBudgetExhausted):
            sub.begin_check()
    finally:
        sub.close()


def test_the_watchdog_never_cuts_a_request_to_the_zygote_in_half(zygote) -> None:
    """When the budget runs out while the grader waits for the zygote (here: reaping a child that
    gets a grace period), is the interrupt held until the answer is read, so the next request (the
    next submission's spawn) gets its own answer, not a stale one? (Class mode once charged a
    student a grader error for the submission graded before hers running out of time.)"""
    t = transport(zygote, "")
    child = zygote.spawn("cpu", [])
    sub = Submission(t.submission, t, budget=0.05)
    started = time.monotonic()
    try:
        with pytest.raises(errors.OutOfTime), sub.watchdog():
            child.stop(grace=0.4, status=True)  # the zygote answers after the 0.4 s grace
        assert time.monotonic() - started >= 0.35  # raised after the answer, not in the middle
        fresh = zygote.spawn("cpu", [])
        assert fresh.alive and fresh.pid != child.pid
        fresh.stop()
    finally:
        child.stop()
        sub.close()


def test_the_zygotes_warm_up_leaves_no_grader_source_in_the_child(zygote) -> None:
    """The zygote runs the canaries once before forking (guard.warm_up) so that children start
    faster; does no line of the grader's source read on the way reach a child's linecache (the
    grader's files are hidden from the box), while the children's canaries still run?"""
    package = os.path.dirname(os.path.abspath(errors.__file__))
    code = f"""
import linecache as _linecache
_Solution = MLP


class MLP(_Solution):
    def forward(self, X):
        seen = [  # entries holding lines (a lazy entry, one element, holds none)
            f
            for f, entry in list(_linecache.cache.items())
            if str(f).startswith({package!r}) and len(entry) > 2 and entry[2]
        ]
        return super().forward(X) * 0 + float(len(seen))
"""
    t = transport(zygote, code)
    try:
        output = call_mlp(t)["output"]
        assert output.shape == (3, 2) and float(output.abs().sum()) == 0.0, output
        layers = t.describe()["layers"]
        assert layers["audit_hook"] == layers["honest_code"] == "active"
    finally:
        t.close()


def test_a_reply_over_the_size_limit_is_refused_unread(zygote) -> None:
    """Is a reply larger than max_reply_bytes refused (the child stopped) instead of read?"""
    code = "class MLP(nn.Module):\n    def __init__(self, *a):\n        super().__init__()\n    def forward(self, X):\n        return torch.zeros(512, 512)\n"
    t = transport(zygote, code)
    t.policy = t.policy.replace(max_reply_bytes=100_000)
    try:
        with pytest.raises(ProtocolViolation, match="exceeds the limit"):
            call_mlp(t)
        assert t.child is None or not t.child.alive
    finally:
        t.close()


def test_a_forked_copy_of_the_child_cannot_answer(zygote) -> None:
    """If student code forks and both copies return, does the parent still get exactly one reply per
    request (the copy is disowned; under seccomp the fork is refused), so later calls stay in step?"""
    code = (
        "import os\n"
        "class NestMLP(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.net = nn.Sequential(nn.LazyLinear(64), nn.ReLU(), nn.LazyLinear(32), nn.ReLU())\n"
        "        self.linear = nn.LazyLinear(16)\n"
        "    def forward(self, X):\n"
        "        try:\n"
        "            os.fork()\n"
        "        except OSError:\n"
        "            pass\n"
        "        return self.linear(self.net(X))\n"
    )
    t = transport(zygote, code)
    try:
        for _ in range(3):
            got = t.call("modules.nest_mlp", {"X": torch.randn(2, 3)}, seed=0, what="NestMLP")
            assert got["output"].shape == (2, 16)
        assert t.children_started == 1
    finally:
        t.close()


def test_in_process_and_sandbox_give_the_same_replies(zygote) -> None:
    """Do the two transports return identical results for the same probe, input and seed?"""
    X = torch.randn(4, 6)
    t = transport(zygote)
    try:
        sandboxed = call_mlp(t, X)
    finally:
        t.close()
    local = call_mlp(InProcessTransport(sources=submission().sections), X)
    assert torch.equal(sandboxed["output"], local["output"])
    assert [p["name"] for p in sandboxed["after"]] == [p["name"] for p in local["after"]]
    assert all(
        torch.equal(a["value"], b["value"]) for a, b in zip(sandboxed["after"], local["after"])
    )


# Building and stepping an optimizer imports torch._dynamo, which wraps torch.manual_seed in
# torch's own dynamo-disabling wrapper: honest code, and what the zygote's warm-up does after the
# snapshot (which made every later child's tamper canary fail, and class results depend on order).
OPTIMIZER_AT_IMPORT = (
    "import torch\n"
    "_w = torch.zeros(2, requires_grad=True)\n"
    "_opt = torch.optim.SGD([_w], lr=0.1)\n"
    "_w.sum().backward()\n"
    "_opt.step()\n"
)


def test_torchs_own_wrapping_on_importing_dynamo_is_not_tampering(zygote) -> None:
    """Does a section that builds and steps a torch optimizer at import (torch then wraps
    torch.manual_seed itself) keep working, in every child, with the tamper check active?"""
    zygote._warm()  # later children inherit torch._dynamo imported after the snapshot
    for _ in range(2):
        t = transport(zygote, OPTIMIZER_AT_IMPORT)
        try:
            reply = call_mlp(t)
            layers = t.describe()["layers"]
        finally:
            t.close()
        assert reply["output"].shape == (3, 2)
        assert layers["tamper_check"] == "active", layers


FORGED_WRAPPERS = {
    "torch's wrapper around another function": (
        "import torch\ntorch.manual_seed = torch._disable_dynamo(print)\n"
    ),
    "the student's function given torch's wrapper code": (
        "import torch\n"
        "def _make(fn, recursive):\n"
        "    def inner(*args, **kwargs):\n"
        "        return fn, recursive\n"
        "    return inner\n"
        "_fake = _make(print, True)\n"
        "_fake.__code__ = torch._disable_dynamo(len).__code__\n"
        "_fake.__wrapped__ = torch.manual_seed\n"
        "torch.manual_seed = _fake\n"
    ),
}


@pytest.mark.parametrize("code", FORGED_WRAPPERS.values(), ids=list(FORGED_WRAPPERS))
def test_a_forged_torch_wrapper_is_tampering(zygote, code: str) -> None:
    """Is torch.manual_seed replaced by something that only looks like torch's own wrapper of it
    (around another function, or the student's own function given the wrapper's code) found?"""
    t = transport(zygote, code)
    try:
        with pytest.raises(errors.SectionUnavailable) as raised:
            call_mlp(t)
    finally:
        t.close()
    assert "torch.manual_seed" in raised.value.reason or "refused" in raised.value.reason


# Code that makes the guard's audit hook call it while the hook decides about another action
# (a str subclass's method, a __class__ property, a metaclass property, a dict key's __eq__).
# Inside the hook that code once ran unwatched: it reached the hook's frames, marked its own code
# as trusted, and the whole guard was off. Each vector records whether its code got a frame.
_HOOK_VECTOR_PRELUDE = """
import sys as _sys
import torch as _torch

_REACHED = []


def _inside():
    try:
        _sys._getframe(0)
        _REACHED.append(1)
    except BaseException:
        pass


class _Text(str):
    def rfind(self, *a, **k):
        _inside()
        return str.rfind(self, *a, **k)

    def startswith(self, *a, **k):
        _inside()
        return str.startswith(self, *a, **k)

    def split(self, *a, **k):
        _inside()
        return str.split(self, *a, **k)

    def __str__(self):
        _inside()
        return str.__str__(self)

    def __eq__(self, other):
        _inside()
        return str.__eq__(self, other)

    __hash__ = str.__hash__


def _attack():
    try:
{attack}
    except BaseException:
        pass


_Solution = MLP


class MLP(_Solution):
    def forward(self, X):
        _attack()
        return super().forward(X) * 0 + float(len(_REACHED))
"""

HOOK_VECTORS = {
    # the hook took a code object's file name apart with the string's own methods
    "file name of compiled code": (
        "        exec(compile('import sys\\nsys._getframe()', _Text('/tmp/s.py'), 'exec'), {})"
    ),
    # isinstance(target, ...) asks a non-matching object for its __class__
    "__class__ property": (
        "        class Liar:\n"
        "            @property\n"
        "            def __class__(self):\n"
        "                _inside()\n"
        "                return Liar\n"
        "        object.__dict__['__class__'].__set__(Liar(), type('L2', (), {}))"
    ),
    # type.__getattribute__(cls, '__module__') finds a metaclass's property first
    "metaclass __module__": (
        "        class Meta(type):\n"
        "            @property\n"
        "            def __module__(cls):\n"
        "                _inside()\n"
        "                return 'torch'\n"
        "        Odd = Meta('Odd', (), {})\n"
        "        object.__dict__['__class__'].__set__(Odd(), type('O2', (), {}))"
    ),
    # str(name) of an import by a str subclass
    "import name": "        __import__(_Text('colorsys'))",
    # a class dict whose '__module__' key is a str subclass: its __eq__ runs in the lookup
    "dict key __eq__": (
        "        class Meta(type):\n"
        "            @classmethod\n"
        "            def __prepare__(mcs, name, bases):\n"
        "                return {_Text('__module__'): 'modules'}\n"
        "        class Odd(metaclass=Meta):\n"
        "            pass\n"
        "        object.__dict__['__class__'].__set__(Odd(), type('O3', (), {}))"
    ),
}


@pytest.mark.parametrize("vector", sorted(HOOK_VECTORS))
def test_code_the_hook_runs_by_mistake_gets_no_frame(zygote, vector: str) -> None:
    """When an action makes the audit hook touch a student object whose methods are the student's,
    does that code never reach a frame (nothing runs unwatched inside the hook)?"""
    code = _HOOK_VECTOR_PRELUDE.replace("{attack}", HOOK_VECTORS[vector])
    t = transport(zygote, code)
    try:
        output = call_mlp(t)["output"]
        assert float(output.abs().sum()) == 0.0, f"{vector}: code run inside the hook got a frame"
    finally:
        t.close()


TORCH_CLASS_CHANGES = {
    # torch.nn.Parameter's metaclass is a Python class: swapping it would let the student answer
    # isinstance and construction for every Parameter
    "metaclass swap": (
        "class Meta(type(torch.nn.Parameter)):\n"
        "    def __instancecheck__(cls, obj):\n"
        "        return True\n"
        "torch.nn.Parameter.__class__ = Meta"
    ),
    # relabelling a torch class as the student's made its __bases__ the student's to change
    "relabel then rebase": (
        "import functools\n"
        "def f():\n"
        "    pass\n"
        "f.__module__ = 'modules'\n"
        "functools.update_wrapper(torch.nn.Tanh, f, assigned=('__module__',), updated=())\n"
        "torch.nn.Tanh.__bases__ = (torch.nn.Module,)"
    ),
}


@pytest.mark.parametrize("change", sorted(TORCH_CLASS_CHANGES))
def test_a_torch_class_cannot_become_the_students(zygote, change: str) -> None:
    """Is changing a torch class's metaclass, or renaming its module to the student's (and so
    taking its bases), refused?"""
    attempt = textwrap.indent(TORCH_CLASS_CHANGES[change], " " * 12)
    code = f"""
_Solution = MLP


class MLP(_Solution):
    def forward(self, X):
        try:
{attempt}
            changed = 1.0
        except RuntimeError as exc:
            changed = 0.0 if "does not allow" in str(exc) else 2.0
        return super().forward(X) * 0 + changed
"""
    t = transport(zygote, code)
    try:
        output = call_mlp(t)["output"]
        assert float(output.abs().sum()) == 0.0, f"{change}: not refused ({output.flatten()[0]})"
    finally:
        t.close()


def _saved(obj, **options) -> bytes:
    import io

    buffer = io.BytesIO()
    torch.save(obj, buffer, **options)
    return buffer.getvalue()


def test_files_the_parent_reads_need_no_verifier_and_others_get_the_same_answer(zygote) -> None:
    """Are the files honest code writes (torch.save's default format) described in the parent
    (grader/torchfile.py) with no verifier child started; is a file it leaves to the verifier
    (pickle protocol 3) described there, as the parent describes the same object; and is a file
    torch.load refuses still the verifier's verdict?
    Catches: a verifier child started for every submission (a whole child's start-up), or two
    paths that disagree (a grade that depends on how the student's torch.save was called)."""
    obj = {"w": torch.randn(3, 2).t(), "b": [torch.arange(4)[1:], torch.ones((), dtype=torch.bool)]}
    t = transport(zygote)
    try:
        here = t.verify("serialization.describe_files", {"files": [_saved(obj)]}, what="save")
        assert t.verifier is None and t.children_started == 0
        there = t.verify(
            "serialization.describe_files",
            {"files": [_saved(obj, pickle_protocol=3)]},
            what="save",
        )
        assert t.verifier is not None and t.children_started == 1
        assert here[0]["tree"] == there[0]["tree"] and here[0]["error"] is None
        for mine, theirs in zip(here[0]["leaves"], there[0]["leaves"], strict=True):
            assert {k: v for k, v in mine.items() if k != "bytes"} == {
                k: v for k, v in theirs.items() if k != "bytes"
            }
            assert torch.equal(mine["bytes"], theirs["bytes"])
        (refused,) = t.verify(
            "serialization.describe_files", {"files": [_saved(torch.nn.Linear(2, 2))]}, what="save"
        )
        assert refused["error"]["type"] == "UnpicklingError" and refused["tree"] is None
    finally:
        t.close()
