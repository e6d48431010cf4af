"""One cgroup per submission: every process of it (its children, its verifier) together limited in
memory (all of it summed, swap off), processes and CPU, and killed together at the end.

Used by the zygote (which runs as root). cgroup v2 where its controllers can be delegated to us,
else cgroup v1's memory, pids and cpu hierarchies, each where mounted and writable. Where neither
works (Docker, no permission) ``Group.create`` returns None and the layer is reported unavailable;
the per-process rlimits and the seccomp filter (no new processes) still hold.

Limits: ``pids.max``; memory ``memory.max`` + ``memory.swap.max = 0`` (v2) or
``memory.limit_in_bytes`` + ``memory.memsw.limit_in_bytes`` (v1); CPU ``cpu.max`` (v2) or
``cpu.cfs_quota_us`` / ``cpu.cfs_period_us`` (v1).

Priority: the scheduler weighs a cgroup as a whole against the processes beside it, whatever the
niceness of the processes inside. So that ``nice make grade`` yields the CPU as its user expects,
the zygote's folder gets the weight of a process at the zygote's own niceness
(``cpu.weight.nice`` under v2, ``cpu.shares`` under v1); at niceness 0 nothing is written.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass, field

CONTROLLERS = ("memory", "pids", "cpu")
PERIOD_US = 100_000
NICE_0_SHARES = 1024
"""cgroup v1's ``cpu.shares`` of a process at niceness 0 (each step of niceness: x1.25 less)."""

_bases: dict[str, str] | None = None


def _mounts() -> list[list[str]]:
    try:
        with open("/proc/self/mountinfo") as f:
            return [line.split() for line in f]
    except OSError:
        return []


def _own_path(controller: str) -> str | None:
    """This process's cgroup in a v1 hierarchy holding ``controller`` ("" for v2)."""
    try:
        with open("/proc/self/cgroup") as f:
            for line in f:
                _, controllers, path = line.rstrip("\n").split(":", 2)
                if controller and controller in controllers.split(","):
                    return path
                if not controller and controllers == "":
                    return path
    except OSError:
        return None
    return None


def _roots() -> dict[str, str]:
    """controller -> folder under which this process may create cgroups for it. A v2 folder (all
    three controllers delegated) is preferred; else each v1 hierarchy that is mounted."""
    mounts = _mounts()
    for fields_ in mounts:
        sep = fields_.index("-")
        if fields_[sep + 1] == "cgroup2":
            path = os.path.join(fields_[4], (_own_path("") or "/").lstrip("/"))
            try:
                with open(os.path.join(path, "cgroup.controllers")) as f:
                    available = set(f.read().split())
            except OSError:
                continue
            if set(CONTROLLERS) <= available:
                return dict.fromkeys(CONTROLLERS, path)
    found: dict[str, str] = {}
    for fields_ in mounts:
        sep = fields_.index("-")
        options = fields_[sep + 3].split(",") if len(fields_) > sep + 3 else []
        if fields_[sep + 1] != "cgroup":
            continue
        for controller in CONTROLLERS:
            if controller in options and controller not in found:
                own = _own_path(controller)
                found[controller] = os.path.join(fields_[4], (own or "/").lstrip("/"))
    return found


def _base_name(pid: int) -> str:
    return f"builders-grader-{pid}"


def bases() -> dict[str, str]:
    """controller -> this zygote's own folder (created on first use, stale ones swept)."""
    global _bases
    if _bases is not None:
        return _bases
    _bases = {}
    for controller, root in _roots().items():
        _sweep_stale(root)
        base = os.path.join(root, _base_name(os.getpid()))
        try:
            os.makedirs(base, exist_ok=True)
            subtree = os.path.join(base, "cgroup.subtree_control")
            if os.path.exists(subtree):  # v2: the children get the controllers
                with open(subtree, "w") as f:
                    f.write(" ".join(f"+{c}" for c in CONTROLLERS))
        except OSError:
            continue
        _bases[controller] = base
        if controller == "cpu":
            _weigh_as_niceness(base, os.getpriority(os.PRIO_PROCESS, 0))
    return _bases


def shares_of_niceness(niceness: int) -> int:
    """cgroup v1 ``cpu.shares`` that weigh like one process at ``niceness`` (the kernel's own
    table, to within a few shares: 1024 at 0, 15 at 19, at least 2)."""
    return max(2, round(NICE_0_SHARES / 1.25**niceness))


def _weigh_as_niceness(folder: str, niceness: int) -> None:
    """Give ``folder`` the CPU weight of one process at ``niceness`` (nothing at 0)."""
    if niceness == 0:
        return
    for name, value in (
        ("cpu.weight.nice", str(niceness)),
        ("cpu.shares", str(shares_of_niceness(niceness))),
    ):
        try:
            with open(os.path.join(folder, name), "w") as f:
                f.write(value)
            return
        except OSError:
            continue


@dataclass
class Group:
    """One submission's cgroup: a folder per hierarchy (one folder for all under v2)."""

    name: str
    paths: dict[str, str] = field(default_factory=dict)
    """controller -> folder."""

    @classmethod
    def create(cls, name: str, *, memory: int, pids: int, cpus: float) -> Group | None:
        group = cls(name)
        for controller, base in bases().items():
            path = os.path.join(base, name)
            try:
                os.makedirs(path, exist_ok=True)
            except OSError:
                continue
            group.paths[controller] = path
        if not group.paths:
            return None
        group._write("pids", ["pids.max"], str(pids))
        if not group._write("memory", ["memory.max"], str(memory)):
            group._write("memory", ["memory.limit_in_bytes"], str(memory))
        # No swap: memory counts in full (absent files: no swap accounting, nothing to do).
        group._write("memory", ["memory.swap.max"], "0")
        group._write("memory", ["memory.memsw.limit_in_bytes"], str(memory))
        quota = max(1000, int(cpus * PERIOD_US))
        if not group._write("cpu", ["cpu.max"], f"{quota} {PERIOD_US}"):
            group._write("cpu", ["cpu.cfs_period_us"], str(PERIOD_US))
            group._write("cpu", ["cpu.cfs_quota_us"], str(quota))
        return group

    def _write(self, controller: str, names: list[str], value: str) -> bool:
        path = self.paths.get(controller)
        if path is None:
            return False
        for name in names:
            try:
                with open(os.path.join(path, name), "w") as f:
                    f.write(value)
                return True
            except OSError:
                continue
        return False

    def controllers(self) -> list[str]:
        """The controllers whose limit is in force (for the layer report)."""
        checks = {
            "memory": ("memory.max", "memory.limit_in_bytes"),
            "pids": ("pids.max",),
            "cpu": ("cpu.max", "cpu.cfs_quota_us"),
        }
        return [
            c
            for c in CONTROLLERS
            if c in self.paths
            and any(os.path.exists(os.path.join(self.paths[c], n)) for n in checks[c])
        ]

    def join(self, pid: int) -> list[str]:
        """Put ``pid`` in every hierarchy of the group; the controllers it could join."""
        joined = []
        for controller, path in self.paths.items():
            try:
                with open(os.path.join(path, "cgroup.procs"), "w") as f:
                    f.write(str(pid))
                joined.append(controller)
            except OSError:
                continue
        return joined

    def destroy(self) -> None:
        """Kill whatever is left in it and remove it. A task just reaped can keep a cgroup busy
        for a moment, hence the retries (up to ~2 s)."""
        for path in set(self.paths.values()):
            _destroy(path)


def _destroy(path: str) -> None:
    for _ in range(200):
        try:
            with open(os.path.join(path, "cgroup.procs")) as f:
                pids = [int(line) for line in f if line.strip()]
        except OSError:
            pids = []
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.01)


def cleanup() -> None:
    """Remove this process's base folders and anything still under them (call at exit)."""
    if _bases:
        for base in set(_bases.values()):
            _sweep(base)


def sweep_base(zygote_pid: int) -> None:
    """From the parent, after a zygote was killed: destroy what it left behind."""
    for root in set(_roots().values()):
        _sweep(os.path.join(root, _base_name(zygote_pid)))


def _sweep_stale(root: str) -> None:
    """Remove what zygotes that no longer exist left behind (a grader killed with SIGKILL)."""
    prefix = _base_name(0)[:-1]
    try:
        entries = os.listdir(root)
    except OSError:
        return
    for entry in entries:
        pid = entry[len(prefix) :]
        if entry.startswith(prefix) and pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
            _sweep(os.path.join(root, entry))


def _sweep(base: str) -> None:
    if not os.path.isdir(base):
        return
    for entry in os.listdir(base):
        path = os.path.join(base, entry)
        if os.path.isdir(path):
            _destroy(path)
    _destroy(base)
