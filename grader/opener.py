"""Where a submission's code runs: the device, whether the Linux sandbox exists here, and the
transport opened for each submission (the sandbox's zygote, the portable spawner, or in-process).

Used by the runner, the plugin's standalone mode and the notebook kernel; it imports the
transports, none of them imports it.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from grader import errors
from grader.policy import SandboxPolicy
from grader.sources import SubmissionSource


def resolve_device(device: str) -> str:
    """'auto' -> 'cuda' if a CUDA device is visible, else 'cpu'. Raises GraderError for cuda without one."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise errors.GraderError(
            "--device cuda was given but this machine has no CUDA device (use --device cpu or auto)"
        )
    if device not in ("cpu", "cuda"):
        raise errors.GraderError(f"unknown device {device!r}: use cpu, cuda or auto")
    return device


TRANSPORTS = ("sandbox", "portable", "in-process")


def sandbox_unavailable() -> str | None:
    """Why the Linux sandbox cannot run on this machine (None: it can). Decided from the system
    alone, importing nothing Linux-specific unless the system is Linux."""
    if not sys.platform.startswith("linux"):
        return f"the sandbox needs Linux and this is {sys.platform}"
    import socket

    if not hasattr(socket, "SOCK_SEQPACKET") or not hasattr(os, "fork"):
        return "this Python has no SOCK_SEQPACKET sockets or fork"
    try:
        import grader.sandbox.linux  # noqa: F401  (loads libc through ctypes)
    except Exception as exc:
        return f"the sandbox's system interface does not load ({type(exc).__name__}: {exc})"
    return None


def start_spawner(kind: str, policy: SandboxPolicy, *, warm: bool = False) -> Any:
    """The process that makes a submission's children: the sandbox's zygote or the portable
    spawner (None for in-process). Started without waiting (its torch import overlaps ours)."""
    if kind == "sandbox":
        from grader.sandbox.client import Zygote

        return Zygote(policy, warm=warm).start()
    if kind == "portable":
        from grader.portable import PortableSpawner

        return PortableSpawner(policy).start()
    return None


class TransportOpener:
    """Makes a transport for each submission; owns the spawner (zygote) of child transports."""

    def __init__(
        self,
        kind: str,
        device: str,
        policy: SandboxPolicy | None = None,
        zygote: Any = None,
    ) -> None:
        if kind not in TRANSPORTS:
            raise errors.GraderError(
                f"unknown transport {kind!r}: use {', '.join(TRANSPORTS[:-1])} or {TRANSPORTS[-1]}"
            )
        self.kind = kind
        self.device = device
        self.zygote = zygote
        if kind != "in-process" and self.zygote is None:
            self.zygote = start_spawner(kind, policy or SandboxPolicy())

    def __call__(self, source: SubmissionSource) -> Any:
        if self.zygote is not None:
            return self.zygote.transport(source, self.device)
        from grader.transport import InProcessTransport

        return InProcessTransport(sources=source.sections, device=self.device)

    def close(self) -> None:
        if self.zygote is not None:
            self.zygote.close()
