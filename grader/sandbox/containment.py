"""The layers a child applies to itself between fork and the first line of student code.

Each layer is applied, then proven by a canary: a forbidden action that must now fail. A layer that
cannot be applied (no permission, old kernel, Docker blocking ``unshare``) is recorded as
"unavailable: <why>" and grading goes on with the rest; where a stronger layer is missing a weaker
stand-in takes over (no Landlock -> drop to an unprivileged uid; no PID namespace -> own process group).

The report is plain data: ``{layer: "active" | "disabled" | "unavailable: ..." | "failed canary: ..."}``.
It is produced before student code runs, so the child can still be trusted to tell the truth.
"""

from __future__ import annotations

import errno
import os
import resource
import signal
import socket
import sys
from collections.abc import Callable
from typing import Any

from grader.files import EXCHANGE_NAME
from grader.sandbox import linux

ACTIVE = "active"
DISABLED = "disabled"

WORKDIR = "/tmp/work"


def exchange_folder(layers: dict[str, str], fallback_workdir: str) -> str:
    """Where a child with these layers keeps its exchange folder (ChildProcess.read_file agrees)."""
    root = "/tmp" if layers.get("mount_namespace") == ACTIVE else fallback_workdir
    return os.path.join(root, EXCHANGE_NAME)


# What of /proc a child may read under Landlock: its own status and limits, and the machine's CPU
# and memory figures. Not /proc/self/mem (the process's memory, frames and secrets included),
# not environ, not other processes.
PROC_READABLE = (
    "/proc/self/status",
    "/proc/self/stat",
    "/proc/self/statm",
    "/proc/self/maps",
    "/proc/self/limits",
    "/proc/self/cgroup",
    "/proc/self/fd",
    "/proc/cpuinfo",
    "/proc/meminfo",
    "/proc/stat",
    "/proc/sys/kernel",
    "/proc/sys/vm",
    "/proc/driver/nvidia",
)
# Unprivileged uids for the fallback, one per child, so children cannot signal each other.
FALLBACK_UID_BASE = 200000
FALLBACK_UID_SPAN = 50000


class Report:
    """Collects each layer's status."""

    def __init__(self) -> None:
        self.layers: dict[str, str] = {}

    def set(self, layer: str, status: str) -> None:
        self.layers[layer] = status

    def active(self, layer: str) -> bool:
        return self.layers.get(layer) == ACTIVE

    def attempt(
        self, layer: str, enabled: bool, apply: Callable[[], None], canary: Callable[[], str | None]
    ) -> None:
        if not enabled:
            self.set(layer, DISABLED)
            return
        try:
            apply()
        except OSError as exc:
            self.set(layer, f"unavailable: {exc.strerror or exc}")
            return
        problem = canary()
        self.set(layer, ACTIVE if problem is None else f"failed canary: {problem}")


def _must_fail(action: Callable[[], Any], *expected: int) -> str | None:
    """Run a forbidden action; None if it failed with one of the expected errnos."""
    try:
        action()
    except OSError as exc:
        if not expected or exc.errno in expected:
            return None
        return f"failed with an unexpected error ({exc})"
    return "the forbidden action succeeded"


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read(1)


def apply(config: dict[str, Any]) -> dict[str, str]:
    """Apply every configured layer to the calling process. Returns the layer report."""
    layers = config["layers"]
    limits = config["limits"]
    canary = config["canary"]
    report = Report()

    in_pid_namespace = os.getpid() == 1
    report.set(
        "pid_namespace",
        ACTIVE
        if in_pid_namespace
        else (DISABLED if not layers["pid_namespace"] else "unavailable: zygote could not unshare"),
    )
    if in_pid_namespace:
        problem = _must_fail(lambda: os.kill(canary["parent_pid"], 0), errno.ESRCH, errno.EPERM)
        if problem:
            report.set("pid_namespace", f"failed canary: signalling the grader {problem}")
    # Our own session and process group, always: kill(0, sig) then reaches only what we started
    # (without it, a uid-0 child shares the grader's process group). Without a PID namespace this
    # is also how the parent kills everything the child started.
    os.setsid()

    cgroup = config.get("cgroup") or {}

    def join_cgroup() -> None:
        paths = cgroup.get("paths") or {}
        if not paths:
            raise OSError(errno.ENOENT, "no cgroup could be created")
        for path in set(paths.values()):
            with open(os.path.join(path, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))

    def cgroup_canary() -> str | None:
        with open("/proc/self/cgroup") as f:
            text = f.read()
        for path in set(cgroup["paths"].values()):
            if "/" + os.path.basename(path.rstrip("/")) not in text:
                return f"not listed in /proc/self/cgroup ({path})"
        missing = [c for c in ("memory", "pids", "cpu") if c not in cgroup.get("controllers", [])]
        return f"no {', '.join(missing)} limit" if missing else None

    report.attempt("cgroup", layers["cgroup"], join_cgroup, cgroup_canary)

    def mount_namespace() -> None:
        linux.unshare(linux.CLONE_NEWNS)
        linux.mount("none", "/", None, linux.MS_REC | linux.MS_PRIVATE)
        for path in config["hide_paths"]:
            _hide(path)
        tmp_opts = f"size={limits['tmp_bytes']},mode=1777"
        flags = linux.MS_NOSUID | linux.MS_NODEV
        # The Python installation may live under /tmp (a clone in /tmp, a CI runner's workspace):
        # the private /tmp would hide it, and every module not imported yet with it. Hold on to
        # those folders, then bind them back, read-only, over the private /tmp.
        kept = _open_under("/tmp", config["read_paths"])
        linux.mount("tmpfs", "/tmp", "tmpfs", flags, tmp_opts)
        _bind_back(kept)
        if os.path.isdir("/dev/shm"):
            linux.mount("tmpfs", "/dev/shm", "tmpfs", flags, tmp_opts)
        if in_pid_namespace:
            linux.mount("proc", "/proc", "proc", linux.MS_NOSUID | linux.MS_NODEV | linux.MS_NOEXEC)

    def mount_canary() -> str | None:
        path = canary.get("hidden_file")
        if not path:
            return None
        return _must_fail(lambda: _read(path), errno.ENOENT, errno.EACCES, errno.ENOTDIR)

    report.attempt("mount_namespace", layers["mount_namespace"], mount_namespace, mount_canary)

    def net_namespace() -> None:
        linux.unshare(linux.CLONE_NEWNET)

    def net_canary() -> str | None:
        names = [name for _, name in socket.if_nameindex()]
        if names not in ([], ["lo"]):
            return f"interfaces {names} visible"
        port = canary.get("tcp_port")
        if port:
            return _must_fail(lambda: _connect(port))
        return None

    report.attempt("network_namespace", layers["network_namespace"], net_namespace, net_canary)
    report.attempt(
        "ipc_uts_namespaces",
        layers["ipc_uts_namespaces"],
        lambda: linux.unshare(linux.CLONE_NEWIPC | linux.CLONE_NEWUTS),
        lambda: None,
    )

    workdir = WORKDIR if report.active("mount_namespace") else config["fallback_workdir"]
    os.makedirs(workdir, exist_ok=True)
    os.chdir(workdir)
    if report.active("mount_namespace"):
        # Canary: the working directory must be the private tmpfs of the configured size.
        stats = os.statvfs(workdir)
        size = stats.f_blocks * stats.f_frsize
        private = abs(size - limits["tmp_bytes"]) <= stats.f_frsize
        report.set(
            "private_workdir",
            ACTIVE if private else f"failed canary: {size} bytes, not a private tmpfs",
        )
    else:
        report.set(
            "private_workdir", "unavailable: a folder of the grader's temporary directory instead"
        )

    cuda = config["device"].startswith("cuda")
    if cuda:
        # CUDA here and not before: the zygote must never initialise it (children of a process
        # that did hang), and after Landlock and the rlimits it could not start (it reserves far
        # more address space than any RLIMIT_AS allows, and opens /dev/nvidia* with ioctls).
        report.set("cuda", _start_cuda(limits))
    else:
        report.set("cuda", DISABLED)

    def set_rlimits() -> None:
        vm = _vm_size_bytes()
        rlimits = {
            resource.RLIMIT_AS: vm + limits["memory_bytes"],
            resource.RLIMIT_CPU: limits["cpu_seconds"],
            resource.RLIMIT_FSIZE: limits["file_bytes"],
            resource.RLIMIT_NOFILE: limits["open_files"],
            resource.RLIMIT_CORE: 0,
            resource.RLIMIT_NPROC: limits["processes"],
        }
        if cuda:  # the submission's cgroup limits its memory instead
            del rlimits[resource.RLIMIT_AS]
        for which, value in rlimits.items():
            resource.setrlimit(which, (value, value))
        # Writing past RLIMIT_FSIZE then fails with EFBIG instead of killing the child.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    def rlimit_canary() -> str | None:
        if resource.getrlimit(resource.RLIMIT_FSIZE)[1] != limits["file_bytes"]:
            return "file size limit not in force"
        if not cuda and resource.getrlimit(resource.RLIMIT_AS)[1] == resource.RLIM_INFINITY:
            return "address space limit not in force"
        return None

    report.attempt("rlimits", layers["rlimits"], set_rlimits, rlimit_canary)
    # Output goes to a file the parent opened; RLIMIT_FSIZE caps it with every other file.
    report.set(
        "capped_output",
        ACTIVE if report.active("rlimits") else "unavailable: no file size limit without rlimits",
    )

    # The bounding set must go while we still hold CAP_SETPCAP, i.e. before a uid drop (which
    # clears the effective set); the remaining sets are emptied last, after Landlock.
    bounding_error: OSError | None = None
    if layers["capabilities"]:
        try:
            linux.drop_bounding_set()
        except OSError as exc:
            bounding_error = exc

    # Without Landlock a root child can read and write every root-owned file, and without a pids
    # cgroup nothing bounds a root fork bomb (RLIMIT_NPROC is not enforced for root): in either case
    # drop to an unprivileged uid of its own (modules not imported by the zygote then cannot load).
    landlock_abi = linux.landlock_abi() if layers["landlock"] else 0
    needed = landlock_abi == 0 or not report.active("cgroup")
    want_uid_drop = layers["uid_drop"] == "always" or (layers["uid_drop"] == "auto" and needed)
    uid = FALLBACK_UID_BASE + int(config.get("serial", 0)) % FALLBACK_UID_SPAN

    def drop_uid() -> None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)

    report.attempt(
        "uid_drop", want_uid_drop, drop_uid, lambda: None if os.getuid() == uid else "uid unchanged"
    )
    if report.layers["uid_drop"] == DISABLED and layers["uid_drop"] == "auto":
        report.set("uid_drop", "not needed (Landlock and a cgroup are active)")

    report.attempt(
        "no_new_privs",
        layers["no_new_privs"],
        linux.set_no_new_privs,
        lambda: None if linux.prctl(linux.PR_GET_NO_NEW_PRIVS) == 1 else "flag not set",
    )

    def landlock() -> None:
        if landlock_abi == 0:
            raise OSError(errno.ENOSYS, "Landlock is not supported by this kernel")
        writable = [workdir, "/dev/null"]
        if report.active("mount_namespace"):
            writable += ["/tmp", "/dev/shm"]
        readable = [p for p in config["read_paths"] if p != "/proc"] + [
            p for p in PROC_READABLE if os.path.exists(p)
        ]
        if cuda:
            readable += cuda_read_paths()
            writable += cuda_devices()  # read-write with ioctls: how the driver is spoken to
        linux.landlock_restrict(
            [*readable, "/dev/null", "/dev/zero", "/dev/urandom"], writable, landlock_abi
        )

    def landlock_canary() -> str | None:
        for path in (canary.get("denied_file"), "/proc/self/mem", "/proc/self/environ"):
            if path:
                problem = _must_fail(lambda path=path: _read(path), errno.EACCES)
                if problem:
                    return f"reading {path}: {problem}"
        port = canary.get("tcp_port")
        if port and landlock_abi >= 4:
            problem = _must_fail(lambda: _connect(port), errno.EACCES, errno.ENETUNREACH)
            if problem:
                return f"TCP connect: {problem}"
        return None

    report.attempt("landlock", layers["landlock"], landlock, landlock_canary)
    if report.active("landlock"):
        report.set("landlock", f"{ACTIVE}")
        report.layers["landlock_abi"] = str(landlock_abi)

    def caps_canary() -> str | None:
        with open("/proc/self/status") as f:
            status = dict(line.split(":", 1) for line in f if ":" in line)
        for key in ("CapEff", "CapPrm", "CapBnd", "CapAmb"):
            if int(status.get(key, "0").strip(), 16) != 0:
                return f"{key} is not empty"
        problem = _must_fail(
            lambda: linux.mount("tmpfs", workdir, "tmpfs", 0, "size=4k"), errno.EPERM, errno.EACCES
        )
        if problem:
            return f"mount: {problem}"
        if report.active("rlimits"):
            hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
            try:
                resource.setrlimit(resource.RLIMIT_FSIZE, (hard * 2, hard * 2))
            except (ValueError, OSError):
                return None
            return "raising a hard rlimit succeeded"
        return None

    def drop_capabilities() -> None:
        if bounding_error is not None:
            raise bounding_error
        linux.clear_capability_sets()

    report.attempt("capabilities", layers["capabilities"], drop_capabilities, caps_canary)
    return report.layers


def _start_cuda(limits: dict[str, Any]) -> str:
    """Initialise CUDA with one small allocation, and cap this child's share of GPU memory (one
    student cannot starve the next). The layer's status; a failure is the grader's (the parent
    then reports the submission ungradable, never zeros)."""
    try:
        import torch

        torch.cuda.init()
        torch.zeros(1, device="cuda").add_(1)
        torch.cuda.synchronize()
        torch.cuda.set_per_process_memory_fraction(limits["gpu_memory_fraction"])
    except Exception as exc:
        return f"failed: {type(exc).__name__}: {exc}"
    return ACTIVE


def cuda_devices() -> list[str]:
    """The NVIDIA device nodes (/dev/nvidia0, /dev/nvidiactl, /dev/nvidia-uvm, ...)."""
    try:
        names = sorted(os.listdir("/dev"))
    except OSError:
        return []
    paths = [os.path.join("/dev", n) for n in names if n.startswith("nvidia")]
    caps = "/dev/nvidia-caps"
    return paths + ([caps] if os.path.isdir(caps) else [])


def cuda_read_paths() -> list[str]:
    """What the CUDA driver reads after it started: its /proc and /sys entries and the folders it
    loads libraries from (wherever the machine keeps them: LD_LIBRARY_PATH, /usr/local/nvidia)."""
    candidates = [
        "/proc/driver/nvidia",
        "/sys",
        "/usr/local/nvidia",
        "/usr/local/cuda",
        "/etc/ld.so.conf.d",
        *(p for p in os.environ.get("LD_LIBRARY_PATH", "").split(":") if p),
    ]
    return [p for p in candidates if os.path.exists(p)]


def _open_under(root: str, paths: list[str]) -> list[tuple[str, int]]:
    """(path, O_PATH descriptor) for each of ``paths`` that lies under ``root`` (outermost only)."""
    inside = sorted({os.path.realpath(p) for p in paths if _is_within(os.path.realpath(p), root)})
    outermost = [p for p in inside if not any(q != p and _is_within(p, q) for q in inside)]
    return [(p, os.open(p, os.O_PATH | os.O_CLOEXEC)) for p in outermost if p != root]


def _bind_back(kept: list[tuple[str, int]]) -> None:
    """Bind each kept folder back at its own path (with what is mounted inside it: a hidden
    folder stays hidden), read-only."""
    for path, fd in kept:
        try:
            if os.path.isdir(f"/proc/self/fd/{fd}"):
                os.makedirs(path, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                open(path, "ab").close()
            linux.mount(f"/proc/self/fd/{fd}", path, None, linux.MS_BIND | linux.MS_REC)
            linux.mount(
                "none",
                path,
                None,
                linux.MS_BIND | linux.MS_REMOUNT | linux.MS_RDONLY | linux.MS_NOSUID,
            )
        finally:
            os.close(fd)


def _is_within(path: str, root: str) -> bool:
    path, root = os.path.normpath(path), os.path.normpath(root)
    return path == root or path.startswith(root.rstrip("/") + "/")


def _hide(path: str) -> None:
    """Cover a path with something empty and unreadable (a read-only tmpfs, or /dev/null for a file)."""
    if os.path.isdir(path):
        linux.mount(
            "tmpfs",
            path,
            "tmpfs",
            linux.MS_RDONLY | linux.MS_NOSUID | linux.MS_NODEV | linux.MS_NOEXEC,
            "size=4k,mode=000",
        )
    elif os.path.exists(path):
        linux.mount("/dev/null", path, None, 4096)  # MS_BIND


def _connect(port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        s.connect(("127.0.0.1", port))


def _vm_size_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def read_paths_for_python() -> list[str]:
    """What a child must be able to read to keep importing Python and torch modules lazily."""
    import site
    import sysconfig

    candidates = {
        sys.prefix,
        sys.base_prefix,
        sys.exec_prefix,
        sys.base_exec_prefix,
        *site.getsitepackages(),
        sysconfig.get_paths()["stdlib"],
        sysconfig.get_paths()["platstdlib"],
        "/usr/lib",
        "/usr/lib64",
        "/lib",
        "/lib64",
        "/usr/local/lib",
        "/usr/share/zoneinfo",
        "/etc/ld.so.cache",
        "/etc/localtime",
        "/proc",
        "/sys/devices/system/cpu",
    }
    try:
        import torch

        candidates.add(os.path.dirname(os.path.dirname(torch.__file__)))
    except ImportError:
        pass
    return sorted(path for path in candidates if path and os.path.exists(path))
