"""A pids cgroup per child: caps how many processes and threads a submission can make.

RLIMIT_NPROC is not enforced for root, so a fork bomb in a uid-0 child is stopped here. Used by the
zygote (which runs as root). cgroup v1's pids hierarchy, or cgroup v2 where the pids controller can
be delegated; elsewhere (Docker, no permission) ``create`` returns None and the layer is reported
unavailable.
"""

from __future__ import annotations

import os
import signal
import time

_base: str | None = None
_base_tried = False


def _pids_root() -> str | None:
    """The directory under which this process may create pids cgroups."""
    try:
        with open("/proc/self/mountinfo") as f:
            mounts = [line.split() for line in f]
    except OSError:
        return None
    for fields in mounts:
        sep = fields.index("-")
        fstype, options = fields[sep + 1], fields[sep + 3] if len(fields) > sep + 3 else ""
        if fstype == "cgroup" and "pids" in options.split(","):
            mount_point = fields[4]
            own = _own_cgroup_v1("pids")
            return os.path.join(mount_point, own.lstrip("/")) if own is not None else mount_point
    for fields in mounts:
        sep = fields.index("-")
        if fields[sep + 1] == "cgroup2":
            mount_point = fields[4]
            own = _own_cgroup_v1("")
            path = os.path.join(mount_point, (own or "/").lstrip("/"))
            try:
                with open(os.path.join(path, "cgroup.controllers")) as f:
                    if "pids" in f.read().split():
                        return path
            except OSError:
                return None
    return None


def _own_cgroup_v1(controller: str) -> str | None:
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


def _base_name(pid: int) -> str:
    return f"builders-grader-{pid}"


def _ensure_base() -> str | None:
    global _base, _base_tried
    if _base_tried:
        return _base
    _base_tried = True
    root = _pids_root()
    if root is None:
        return None
    _sweep_stale(root)
    base = os.path.join(root, _base_name(os.getpid()))
    try:
        os.makedirs(base, exist_ok=True)
        controllers = os.path.join(base, "cgroup.subtree_control")
        if os.path.exists(controllers):  # cgroup v2: enable pids for the children
            with open(controllers, "w") as f:
                f.write("+pids")
    except OSError:
        return None
    _base = base
    return base


def create(name: str, pids_max: int) -> str | None:
    """Create a child cgroup limited to pids_max tasks; None if not possible here."""
    base = _ensure_base()
    if base is None:
        return None
    path = os.path.join(base, name)
    try:
        os.makedirs(path, exist_ok=True)
        with open(os.path.join(path, "pids.max"), "w") as f:
            f.write(str(pids_max))
    except OSError:
        return None
    return path


def destroy(path: str) -> None:
    """Kill whatever is left in the cgroup (daemons that escaped their process group) and remove it.
    A task just reaped can keep the cgroup busy for a moment, hence the retries (up to ~2 s)."""
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
    """Remove this process's base cgroup and anything still under it (call at exit)."""
    if _base:
        _sweep(_base)


def sweep_base(zygote_pid: int) -> None:
    """From the parent, after a zygote was killed: destroy what it left behind."""
    root = _pids_root()
    if root is None:
        return
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
            destroy(path)
    destroy(base)
