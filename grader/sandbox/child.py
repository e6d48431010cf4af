"""The untrusted child: forked from the zygote, contains itself, then serves probe requests.

Order matters: close every inherited descriptor but its own pipes (the zygote's control socket
must never reach student code), redirect output into the capped capture file, apply containment
and run the canaries, report, and only then execute student code.
"""

from __future__ import annotations

import faulthandler
import os
import signal
import sys
import types
from collections.abc import Callable
from typing import Any

from grader import wire
from grader.sandbox import containment, guard, linux

REQUEST_FD = 3
REPLY_FD = 4


def main(
    config: dict[str, Any],
    request_fd: int,
    reply_fd: int,
    output_fd: int,
    cgroup: dict[str, Any] | None,
    snapshot: Any = None,
) -> None:
    """Never returns. ``snapshot``: the zygote's guard.Snapshot of the namespaces probes use."""
    try:
        linux.set_parent_death_signal(signal.SIGKILL)
        _arrange_descriptors(request_fd, reply_fd, output_fd)
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGPIPE):
            signal.signal(signum, signal.SIG_DFL)
        config = dict(config, cgroup=cgroup)
        layers = containment.apply(config)
        # Whatever student code forks must not speak our protocol: a copy of this process returning
        # from student code would otherwise answer requests. (A raw fork(2) skips this hook; _serve
        # checks the pid too; the seccomp filter refuses new processes anyway.)
        os.register_at_fork(after_in_child=_disown)
        _configure_runtime(config)
        files = containment.exchange_folder(layers, config["fallback_workdir"])
        os.makedirs(files, exist_ok=True)
        # Last: from here on nothing of the grader can be imported, and the probe table is the
        # dispatcher's private copy.
        dispatch = guard.install(config, layers, files, snapshot)
        wire.send_frame(REPLY_FD, wire.encode({"ready": True, "layers": layers}))
    except BaseException as exc:  # containment itself failed: say so, never run student code
        try:
            wire.send_frame(
                REPLY_FD, wire.encode({"ready": False, "error": f"{type(exc).__name__}: {exc}"})
            )
        finally:
            os._exit(71)
    _serve(dispatch, config["device"])


def _arrange_descriptors(request_fd: int, reply_fd: int, output_fd: int) -> None:
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    # Move our pipes to fixed numbers; dup2 onto an fd in use would close it, so go via a high fd.
    high_request = os.dup(request_fd)
    high_reply = os.dup(reply_fd)
    os.dup2(high_request, REQUEST_FD)
    os.dup2(high_reply, REPLY_FD)
    os.closerange(REPLY_FD + 1, _max_fd())
    for fd in (0, 1, 2, REQUEST_FD, REPLY_FD):
        os.set_inheritable(fd, fd <= 2)


def _max_fd() -> int:
    try:
        return max(int(name) for name in os.listdir("/proc/self/fd")) + 1
    except (OSError, ValueError):
        return 65536


def _configure_runtime(config: dict[str, Any]) -> None:
    import torch

    torch.set_num_threads(1)
    faulthandler.enable(file=sys.stderr, all_threads=False)
    # CUDA, on a GPU, was started by containment.apply (before Landlock and the rlimits).


def _disown() -> None:
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, REQUEST_FD)
    os.dup2(devnull, REPLY_FD)
    os.close(devnull)


def _serve(dispatch: Callable[..., bytes], device: str) -> None:
    sections: dict[str, types.ModuleType] = {}
    serving = os.getpid()
    decode, recv, send, exit_now, getpid = (
        wire.decode,
        wire.recv_frame,
        wire.send_frame,
        os._exit,
        os.getpid,
    )
    while True:
        try:
            request = decode(recv(REQUEST_FD), trusted=True)
        except (wire.PeerClosed, OSError):
            exit_now(0)
        except BaseException:
            exit_now(72)
        reply = dispatch(sections, request, device)
        if getpid() != serving:
            exit_now(0)  # a process forked inside student code came back here: nothing to say
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:
            pass
        try:
            send(REPLY_FD, reply)
        except BaseException:
            exit_now(73)
