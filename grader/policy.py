"""What a submission's processes may do and use: the layers to ask for and the limits, as data.

Shared by every transport that runs code in a child (the Linux sandbox and the portable one);
nothing here is platform-specific.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

LAYER_SWITCHES = (
    "pid_namespace",
    "cgroup",
    "mount_namespace",
    "network_namespace",
    "ipc_uts_namespaces",
    "rlimits",
    "no_new_privs",
    "landlock",
    "capabilities",
    "seccomp",
    "guard",
)


@dataclass(frozen=True)
class SandboxPolicy:
    """Which containment layers to ask for, and the limits a child runs under."""

    disabled: frozenset[str] = frozenset()
    """Layers not to apply (for tests of the degraded path, or platforms that forbid them)."""
    uid_drop: str = "auto"
    """"auto": drop to an unprivileged uid only if Landlock is unavailable; "always"; "never"."""
    probe_timeout: float = 5.0
    """Wall-clock seconds one probe may take before the child is killed."""
    import_timeout: float = 10.0
    """Wall-clock seconds for importing one section file."""
    submission_timeout: float = 300.0
    """Wall-clock seconds for all of one submission: its code's running time and the grader's own
    work on its replies (enforced by ``Submission``)."""
    max_restarts: int = 25
    """Children a submission may use up (crashes, timeouts) before the rest is not graded."""
    memory_bytes: int = 512 << 20
    """Address space a child may add beyond the zygote's (this chapter's nets need a few MB)."""
    cpu_seconds: int = 600
    """CPU seconds per child (RLIMIT_CPU)."""
    file_bytes: int = 64 << 20
    """Largest file a child may write, output capture included (RLIMIT_FSIZE)."""
    open_files: int = 256
    """RLIMIT_NOFILE."""
    processes: int = 64
    """RLIMIT_NPROC (only effective after a uid drop) and the submission cgroup's pids limit."""
    tmp_bytes: int = 64 << 20
    """Size of the child's private /tmp."""
    max_reply_bytes: int = 256 << 20
    """Largest reply the parent accepts; a larger announced frame kills the child unread."""
    submission_memory_bytes: int = 2 << 30
    """Memory of all of one submission's processes together (its cgroup; swap off)."""
    cpus: float = 1.0
    """CPUs one submission's processes may use together (its cgroup's CPU quota)."""
    gpu_memory_fraction: float = 0.25
    """Share of the GPU's memory one child may hold (torch.cuda.set_per_process_memory_fraction)."""

    def __post_init__(self) -> None:
        unknown = set(self.disabled) - set(LAYER_SWITCHES)
        if unknown:
            raise ValueError(
                f"unknown sandbox layers: {', '.join(sorted(unknown))} (known: {', '.join(LAYER_SWITCHES)})"
            )
        if self.uid_drop not in ("auto", "always", "never"):
            raise ValueError(f"uid_drop must be auto, always or never, not {self.uid_drop!r}")

    def layers(self) -> dict[str, Any]:
        chosen: dict[str, Any] = {name: name not in self.disabled for name in LAYER_SWITCHES}
        chosen["uid_drop"] = self.uid_drop
        return chosen

    def limits(self) -> dict[str, float]:
        return {
            "memory_bytes": self.memory_bytes,
            "cpu_seconds": self.cpu_seconds,
            "file_bytes": self.file_bytes,
            "open_files": self.open_files,
            "processes": self.processes,
            "pids": self.processes,
            "tmp_bytes": self.tmp_bytes,
            "submission_memory_bytes": self.submission_memory_bytes,
            "cpus": self.cpus,
            "gpu_memory_fraction": self.gpu_memory_fraction,
        }

    def replace(self, **changes: Any) -> SandboxPolicy:
        return dataclasses.replace(self, **changes)
