"""The zygote: a warm process that has imported torch and the probes, and forks children on request.

Started by the parent as ``python -m grader.sandbox.zygote FD`` with one end of an anonymous
socketpair inherited as FD: no named socket exists, so no other process can ask it for anything.
It never runs a multithreaded torch op (OpenMP is not fork-safe) and never initialises CUDA.

Protocol (each message one SOCK_SEQPACKET datagram, ``grader.wire`` encoded):
  zygote -> parent  {"event": "ready", ...}                  once, after the imports
  parent -> zygote  {"op": "spawn", "config": {...}} + 3 fds  (request read end, reply write end, output)
  zygote -> parent  {"event": "spawned", "pid": P} | {"event": "spawn_failed", "error": ...}
  parent -> zygote  {"op": "warm", "modules": [...]}           import these now (no reply)
  parent -> zygote  {"op": "reap", "pid": P, "grace": s, "reply": b}  kill if alive after `grace`, reap
  parent -> zygote  {"op": "release", "group": G}             kill the submission's cgroup, remove it
  zygote -> parent  {"event": "reaped", "pid": P, "status": "...", "exit_code": int | None}
                                                               unless reply is false
  parent -> zygote  {"op": "exit"} or EOF                     kill every child and exit
"""

from __future__ import annotations

import gc
import os
import signal
import socket
import sys
import time
from typing import Any

# Before numpy/torch load: their thread pools must not start in a process that will fork.
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"

MAX_CONTROL_MESSAGE = 1 << 20

# Modules a submission may reasonably import at any time: imported here so that a child which
# cannot read the Python installation (uid-drop fallback) still has them.
PREIMPORT = (
    "collections",
    "copy",
    "dataclasses",
    "functools",
    "io",
    "itertools",
    "math",
    "numbers",
    "operator",
    "pathlib",
    "pickle",
    "random",
    "re",
    "statistics",
    "string",
    "tempfile",
    "typing",
    "warnings",
    "numpy",
    "torch",
    "torch.nn",
    "torch.nn.functional",
    "torch.nn.init",
    "torch.fft",
    "torch.linalg",
    "torch.optim",
    "torch.utils.data",
)


def main(argv: list[str]) -> int:
    control = socket.socket(fileno=int(argv[1]))
    from grader.sandbox import linux

    linux.set_parent_death_signal(signal.SIGKILL)  # die with the grader, children follow
    if os.getppid() == 1:
        return 1
    state, failed = prepare()
    import torch

    from grader import wire
    from grader.sandbox import cgroups, child

    _send(
        control,
        {
            "event": "ready",
            "pid": os.getpid(),
            "torch": str(torch.__version__),
            "landlock_abi": linux.landlock_abi(),
            "preimport_failed": failed,
        },
    )
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(control, MAX_CONTROL_MESSAGE, 8)
        except OSError:
            break
        if not data:
            break
        try:
            message = wire.decode(data, trusted=True)
        except wire.WireError:
            _close_all(fds)
            continue
        op = message.get("op")
        if op == "spawn":
            _spawn(control, state, message["config"], fds, child, cgroups)
        elif op == "warm":
            _close_all(fds)
            _warm(message.get("modules", []))
        elif op == "release":
            _close_all(fds)
            group = state.groups.pop(str(message.get("group")), None)
            if group is not None:
                group.destroy()  # whatever of the submission is still alive dies with it
        elif op == "reap":
            _close_all(fds)
            status, code = _reap(state, message["pid"], float(message.get("grace", 0.0)), cgroups)
            if message.get("reply", True):
                _send(
                    control,
                    {"event": "reaped", "pid": message["pid"], "status": status, "exit_code": code},
                )
        else:
            _close_all(fds)
            break
    for pid in list(state.children):
        _reap(state, pid, 0.0, cgroups)
    for group in state.groups.values():
        group.destroy()
    cgroups.cleanup()
    # Skip interpreter finalisation: with torch loaded it takes a noticeable fraction of a second.
    os._exit(0)


def prepare() -> tuple[_State, list[str]]:
    """Everything the zygote does before its first fork (and no more): the pre-imports, every
    probe module, the children's configuration. It must never touch CUDA (tests/test_devices.py
    spies on every call that would). Returns the state and the pre-imports that failed."""
    import importlib

    failed = []
    for name in PREIMPORT:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            failed.append(f"{name}: {exc}")
    import torch

    torch.set_num_threads(1)
    from grader import curriculum, observers, probes
    from grader.sandbox import child, containment, guard, seccomp  # noqa: F401  (for the child)

    probes.import_all()
    observers.install()  # before student code can hold torch's mode-stack functions
    guard.warm_up()  # before the snapshot: nothing it does may look like tampering
    state = _State(containment.read_paths_for_python())
    # Taken once here, inherited by every child: the namespaces as they are before any student
    # code (a child's tamper canary proves nothing changed on its way).
    state.snapshot = guard.snapshot(
        [m for n, m in sys.modules.items() if (n == "grader" or n.startswith("grader.")) and m]
    )
    guard.remember_known_types()  # none of these classes is ever the student's
    state.guard_config = {
        "trusted_roots": list(guard.trusted_roots()),
        "sections": list(curriculum.SECTIONS),
        "fresh_module": guard.fresh_module(),
    }
    return state, failed


# Imported on request, after the first child exists (they would delay the first spawn otherwise):
# creating any torch optimizer imports torch._dynamo, about a second in every child without it.
WARM_MODULES = ("torch._dynamo",)


def _warm(names: list[str]) -> None:
    import importlib

    for name in names:
        if name in WARM_MODULES:
            try:
                importlib.import_module(name)
            except Exception:  # warming is an optimisation only
                pass
    if "torch._dynamo" in sys.modules:
        from grader.sandbox import guard

        try:
            guard.warm_optimizers()
        except Exception:
            pass
        guard.remember_known_types()  # torch._dynamo's classes are not the student's either


class _State:
    def __init__(self, read_paths: list[str]) -> None:
        self.read_paths = read_paths
        self.children: dict[int, None] = {}
        self.groups: dict[str, Any] = {}  # the parent's group key -> cgroups.Group
        self.own_pid_ns = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)
        self.serial = 0
        self.guard_config: dict[str, Any] = {}
        self.snapshot: Any = None


def _send(control: socket.socket, message: dict[str, Any]) -> None:
    from grader import wire

    control.sendall(wire.encode(message))


def _close_all(fds: list[int]) -> None:
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def _spawn(
    control: socket.socket,
    state: _State,
    config: dict[str, Any],
    fds: list[int],
    child: Any,
    cgroups: Any,
) -> None:
    from grader.sandbox import linux

    if len(fds) != 3:
        _close_all(fds)
        _send(control, {"event": "spawn_failed", "error": "expected 3 descriptors"})
        return
    request_fd, reply_fd, output_fd = fds
    layers = config["layers"]
    state.serial += 1
    group = None
    if layers["cgroup"]:
        key = str(config.get("group", f"c{state.serial}"))
        group = state.groups.get(key)
        if group is None:
            limits = config["limits"]
            group = cgroups.Group.create(
                f"g{len(state.groups) + 1}-{state.serial}",
                memory=int(limits["submission_memory_bytes"]),
                pids=int(limits["pids"]),
                cpus=float(limits["cpus"]),
            )
            if group is not None:
                state.groups[key] = group
    cgroup = None if group is None else {"paths": group.paths, "controllers": group.controllers()}
    hide = _hideable(sorted(set(config["hide_paths"])), state.read_paths)
    config = dict(
        config,
        **state.guard_config,
        hide_paths=hide,
        read_paths=_without(state.read_paths, hide),
        serial=state.serial,
    )
    new_pid_ns = False
    if layers["pid_namespace"]:
        try:
            linux.unshare(linux.CLONE_NEWPID)
            new_pid_ns = True
        except OSError:
            pass
    # What the zygote holds now is never freed: frozen, a child's garbage collections skip it
    # instead of walking (and so copying on write) every object torch and the grader made.
    gc.freeze()
    try:
        pid = os.fork()
    except OSError as exc:
        if new_pid_ns:
            linux.setns(state.own_pid_ns, linux.CLONE_NEWPID)
        _close_all(fds)
        _send(control, {"event": "spawn_failed", "error": f"fork failed: {exc}"})
        return
    if pid == 0:
        try:
            control.detach()
            child.main(config, request_fd, reply_fd, output_fd, cgroup, state.snapshot)
        finally:
            os._exit(70)
    if new_pid_ns:
        linux.setns(state.own_pid_ns, linux.CLONE_NEWPID)
    _close_all(fds)
    state.children[pid] = None
    _send(control, {"event": "spawned", "pid": pid})


def _reap(state: _State, pid: int, grace: float, cgroups: Any) -> tuple[str, int | None]:
    """Kill (after ``grace``) and reap a child: how it ended, and its exit code if it exited."""
    if pid not in state.children:
        return "unknown child", None
    deadline = time.monotonic() + grace
    status = None
    while True:
        try:
            done, raw = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done, raw = pid, 0
        if done:
            status = raw
            break
        if time.monotonic() >= deadline:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _, status = os.waitpid(pid, 0)
            status = ("killed", status)
            break
        time.sleep(0.005)
    try:
        os.killpg(pid, signal.SIGKILL)  # without a PID namespace the child led its own group
    except OSError:
        pass
    state.children.pop(pid)
    if isinstance(status, tuple):
        return "stopped by the grader", None
    return describe_status(status), os.WEXITSTATUS(status) if os.WIFEXITED(status) else None


def describe_status(status: int) -> str:
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        try:
            name = signal.Signals(signum).name
        except ValueError:
            name = str(signum)
        return f"killed by signal {name}"
    if os.WIFEXITED(status):
        return f"exited with status {os.WEXITSTATUS(status)}"
    return f"status {status}"


def _hideable(hidden: list[str], read_paths: list[str]) -> list[str]:
    """Hidden paths, except that a folder holding the Python installation (say, a class folder
    that contains the venv) is replaced by its other entries: hiding it would break imports."""
    result: list[str] = []
    for path in hidden:
        keep = [r for r in read_paths if _is_within(r, path)]
        if not keep:
            result.append(path)
        elif not any(os.path.normpath(r) == os.path.normpath(path) for r in keep) and os.path.isdir(
            path
        ):
            try:
                entries = sorted(os.listdir(path))
            except OSError:
                continue
            result.extend(_hideable([os.path.join(path, e) for e in entries], read_paths))
    return result


def _without(read_paths: list[str], hidden: list[str]) -> list[str]:
    """Read paths with every hidden path carved out (Landlock can only allow, never subtract)."""
    result: list[str] = []
    for path in read_paths:
        result.extend(_carve(path, [h for h in hidden if _is_within(h, path)]))
    return result


def _carve(path: str, hidden: list[str]) -> list[str]:
    if not hidden:
        return [path]
    if any(os.path.normpath(h) == os.path.normpath(path) for h in hidden):
        return []
    if not os.path.isdir(path):
        return [path]
    parts: list[str] = []
    try:
        entries = sorted(os.listdir(path))
    except OSError:
        return []
    for entry in entries:
        sub = os.path.join(path, entry)
        parts.extend(_carve(sub, [h for h in hidden if _is_within(h, sub)]))
    return parts


def _is_within(path: str, root: str) -> bool:
    path, root = os.path.normpath(path), os.path.normpath(root)
    return path == root or path.startswith(root.rstrip("/") + "/")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
