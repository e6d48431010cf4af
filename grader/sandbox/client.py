"""The parent's side of the sandbox: start the zygote, spawn children, talk to them with deadlines.

Nothing here imports torch or the submission. Replies are decoded by ``grader.wire`` (never
unpickled); a child that hangs is killed when its probe's deadline passes, a child that dies is
reaped and replaced on the next call, and the failure costs only the check that was running.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from grader import errors, interrupts, wire
from grader.children import CapturedOutput, ChildTransport
from grader.files import FileUnreadable, read_without_links
from grader.policy import LAYER_SWITCHES, SandboxPolicy  # noqa: F401  (re-exported)
from grader.sandbox import containment
from grader.sources import SubmissionSource

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE_ROOT = os.path.dirname(PACKAGE_DIR)


def default_hide_paths() -> list[str]:
    """What a child must never see: the grader itself (hidden checks, probes: the child has
    imported what it needs before it forks), reference solutions, the kit's tests, history."""
    paths = [PACKAGE_DIR]
    for name in ("solutions", "tests", "bench", ".git", "build", "release"):
        candidate = os.path.join(SOURCE_ROOT, name)
        if os.path.exists(candidate):
            paths.append(candidate)
    return paths


def _clean_environment() -> dict[str, str]:
    """The zygote (and so every child) gets no secret from the grader's environment."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
        "LANG": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        # The grader package must import even when it is run from a source checkout.
        "PYTHONPATH": SOURCE_ROOT,
    }
    for name in ("CUDA_VISIBLE_DEVICES", "LD_LIBRARY_PATH"):
        if name in os.environ:
            env[name] = os.environ[name]
    return env


HONEST_CODE_LAYERS = ("honest_code", "cuda")
"""Layers whose failure means honest code cannot run in the child (a positive canary failed, or
CUDA did not start): the submission is then ungradable, never graded as zeros."""


class ZygoteError(errors.GraderError):
    """The zygote could not start or stopped answering."""


class Zygote:
    """A warm process that forks sandboxed children. One per grading process; thread-safe."""

    keep_output = False
    """Whether a stopped child's capture file stays (for a caller that reads it afterwards and
    then calls ``ChildProcess.discard_output``); by default it goes as the child stops."""

    def __init__(
        self,
        policy: SandboxPolicy | None = None,
        hide_paths: list[str] | None = None,
        *,
        warm: bool = False,
    ) -> None:
        self.policy = policy or SandboxPolicy()
        self.warm = warm
        self.hide_paths = list(hide_paths if hide_paths is not None else default_hide_paths())
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self._ready: dict[str, Any] | None = None
        self._listener: socket.socket | None = None
        self.rundir = ""
        self._serial = 0
        self._warmed = False
        self._ahead: list[AheadSpawn] = []
        """Spawns requested ahead whose answer the zygote has not been read for yet, in order."""

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> Zygote:
        """Start the zygote without waiting for it (its torch import overlaps with the parent's)."""
        if self._proc is not None:
            return self
        self.rundir = tempfile.mkdtemp(prefix="builders-grader-")
        os.chmod(self.rundir, 0o711)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._stderr_path = os.path.join(self.rundir, "zygote.log")
        with open(self._stderr_path, "wb") as log:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "grader.sandbox.zygote", str(theirs.fileno())],
                pass_fds=[theirs.fileno()],
                env=_clean_environment(),
                cwd="/",
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        theirs.close()
        self._control = ours
        # A TCP port no child may reach: the network canaries try to connect to it.
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(1)
        return self

    def ready(self, timeout: float = 180.0) -> dict[str, Any]:
        """Wait for the zygote's imports to finish; its ready message (pid, torch, Landlock ABI)."""
        with self._lock, interrupts.shielded():
            if self._ready is None:
                self.start()
                message = self._receive(timeout)
                if message.get("event") != "ready":
                    raise ZygoteError(f"the zygote sent {message!r} instead of 'ready'")
                self._ready = message
            return self._ready

    def close(self) -> None:
        with self._lock, interrupts.shielded():
            if self._control is not None:
                try:
                    self._control.sendall(wire.encode({"op": "exit"}))
                except OSError:
                    pass
                self._control.close()
                self._control = None
            if self._proc is not None:
                try:
                    self._proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    # Its children die with it (parent-death signal).
                    self._proc.kill()
                    self._proc.wait()
                from grader.sandbox import cgroups

                cgroups.sweep_base(self._proc.pid)  # whatever the zygote could not remove
                self._proc = None
            if self._listener is not None:
                self._listener.close()
                self._listener = None
            if self.rundir:
                shutil.rmtree(self.rundir, ignore_errors=True)
                self.rundir = ""

    def __enter__(self) -> Zygote:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- messages ------------------------------------------------------------------------------

    def _receive(self, timeout: float) -> dict[str, Any]:
        assert self._control is not None
        self._control.settimeout(timeout)
        try:
            data = self._control.recv(1 << 20)
        except TimeoutError as exc:
            raise ZygoteError(
                f"the zygote did not answer within {timeout:g} s{self._log_tail()}"
            ) from exc
        except OSError as exc:
            raise ZygoteError(f"the zygote is gone ({exc}){self._log_tail()}") from exc
        if not data:
            raise ZygoteError(f"the zygote exited{self._log_tail()}")
        message = wire.decode(data)
        if not isinstance(message, dict):
            raise ZygoteError("the zygote sent a malformed message")
        return message

    def _answer(self, timeout: float, expected: Any) -> dict[str, Any]:
        """The zygote's answer to the request just sent: the first message ``expected`` accepts.
        The zygote answers in order, so the answers to spawns requested ahead (``spawn_ahead``)
        and not collected yet come first: they are collected on the way. Anything else is a stale
        answer to an earlier request that was cut short (should a shield ever fail): dropped, and
        a child spawned for nobody is reaped, so it cannot be read as this request's answer."""
        if self._ahead:
            self._collect(self._ahead[-1])
        return self._next_answer(timeout, expected)

    def _next_answer(self, timeout: float, expected: Any) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            message = self._receive(max(0.001, deadline - time.monotonic()))
            if expected(message):
                return message
            if message.get("event") == "spawned" and self._control is not None:
                self._control.sendall(
                    wire.encode({"op": "reap", "pid": message.get("pid"), "reply": False})
                )

    def _log_tail(self) -> str:
        try:
            with open(self._stderr_path, "rb") as f:
                f.seek(max(0, os.path.getsize(self._stderr_path) - 2000))
                tail = f.read().decode("utf-8", "replace").strip()
        except OSError:
            return ""
        return f":\n{tail}" if tail else ""

    # -- children ------------------------------------------------------------------------------

    def transport(
        self, source: SubmissionSource, device: str, spawner: Any = None
    ) -> SandboxTransport:
        """A transport for one submission whose children come from this zygote (or from
        ``spawner``, a wrapper around it such as feedback.OutputRecorder)."""
        return SandboxTransport(spawner or self, source, device)

    def release(self, group: str) -> None:
        """Kill what is left of a submission's processes and remove its cgroup."""
        with self._lock, interrupts.shielded():
            if self._control is not None:
                try:
                    self._control.sendall(wire.encode({"op": "release", "group": group}))
                except OSError:
                    pass

    def spawn(
        self, device: str, extra_hide: list[str], group: str = "", *, proven: bool = False
    ) -> ChildProcess:
        """Fork a contained child, in the cgroup of ``group`` (one per submission); returns once
        it has reported its layers (or failed to). Shielded from the watchdog: interrupted, it would
        leave the zygote's answer unread for the next request, or a started child nobody owns.
        ``proven``: an earlier child of the group on this device ran the positive canaries (the
        same box, from the same zygote state: this one skips them and reports no honest_code)."""
        with interrupts.shielded():  # not between the two halves either: the fork would be lost
            return self.spawn_ahead(device, extra_hide, group, proven=proven).take()

    def spawn_ahead(
        self, device: str, extra_hide: list[str], group: str = "", *, proven: bool = False
    ) -> AheadSpawn:
        """Ask for a child as ``spawn`` does, without waiting for it: the zygote forks it and it
        contains itself while the caller goes on; ``take()`` then waits for what is left (or
        ``cancel()`` stops it unused). A submission's next process is so ready when it is needed."""
        with interrupts.shielded():
            self.ready()  # the zygote must have finished its imports
            with self._lock:
                self._serial += 1
                serial = self._serial
                request_r, request_w = os.pipe()
                reply_r, reply_w = os.pipe()
                fallback_workdir = os.path.join(self.rundir, f"work-{serial}")
                os.makedirs(fallback_workdir, mode=0o777, exist_ok=True)
                os.chmod(fallback_workdir, 0o777)
                output_path = os.path.join(self.rundir, f"output-{serial}.log")
                output_fd = os.open(output_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                config = {
                    "layers": self.policy.layers(),
                    "limits": self.policy.limits(),
                    "hide_paths": self.hide_paths + list(extra_hide),
                    "fallback_workdir": fallback_workdir,
                    "device": device,
                    "canary": self._canary(),
                    "group": group or f"child-{serial}",
                    "prove_honest": not proven,
                }
                ahead = AheadSpawn(self, device, request_w, reply_r, output_path, fallback_workdir)
                try:
                    assert self._control is not None
                    socket.send_fds(
                        self._control,
                        [wire.encode({"op": "spawn", "config": config})],
                        [request_r, reply_w, output_fd],
                    )
                except OSError as exc:
                    ahead.answer = {"event": "spawn_failed", "error": f"the zygote is gone ({exc})"}
                else:
                    self._ahead.append(ahead)
                finally:
                    for fd in (request_r, reply_w, output_fd):
                        os.close(fd)  # the zygote holds its own copies once sent
            return ahead

    def _collect(self, ahead: AheadSpawn) -> None:
        """Read the zygote's answers up to ``ahead``'s (under the lock)."""
        while ahead.answer is None and self._ahead:
            first = self._ahead.pop(0)
            try:
                first.answer = self._next_answer(30, _is_spawn_answer)
            except ZygoteError as exc:
                first.answer = {"event": "spawn_failed", "error": str(exc)}

    def _warm(self) -> None:
        """Ask the zygote to import what later children will want (it is idle while children work)."""
        with self._lock:
            self._warmed = True
            if self._control is not None:
                try:
                    self._control.sendall(wire.encode({"op": "warm", "modules": ["torch._dynamo"]}))
                except OSError:
                    pass

    def _canary(self) -> dict[str, Any]:
        hidden = ""
        for path in self.hide_paths:
            candidate = os.path.join(path, "__init__.py") if os.path.isdir(path) else path
            if os.path.isfile(candidate):
                hidden = candidate
                break
        denied = next(
            (p for p in ("/etc/hostname", "/etc/passwd", "/etc/os-release") if os.path.isfile(p)),
            "",
        )
        return {
            "parent_pid": os.getpid(),
            "hidden_file": hidden,
            "denied_file": denied,
            "tcp_port": self._listener.getsockname()[1] if self._listener else 0,
        }

    def reap(self, pid: int, grace: float, *, wait: bool = True) -> tuple[str, int | None]:
        """Have the zygote reap a child (killing it after ``grace`` s). With ``wait``: how it
        ended, and its exit code if it exited by itself."""
        with self._lock, interrupts.shielded():
            if self._control is None:
                return "grader shut down", None
            try:
                self._control.sendall(
                    wire.encode({"op": "reap", "pid": pid, "grace": grace, "reply": wait})
                )
                if not wait:
                    return "stopped by the grader", None
                answer = self._answer(
                    30, lambda m: m.get("event") == "reaped" and m.get("pid") == pid
                )
            except (OSError, ZygoteError) as exc:
                return f"unknown ({exc})", None
            code = answer.get("exit_code")
            return str(answer.get("status", "unknown")), code if type(code) is int else None


def _is_spawn_answer(message: dict[str, Any]) -> bool:
    return message.get("event") in ("spawned", "spawn_failed")


@dataclass
class AheadSpawn:
    """A child asked for with ``Zygote.spawn_ahead``: forked and containing itself until taken."""

    zygote: Zygote
    device: str
    request_fd: int
    reply_fd: int
    output_path: str
    workdir: str
    answer: dict[str, Any] | None = None
    """The zygote's answer (spawned or spawn_failed), once read."""

    def _child(self) -> ChildProcess:
        """The child as forked (not yet known to be contained); raises ZygoteError."""
        zygote = self.zygote
        with zygote._lock:
            zygote._collect(self)
        answer = self.answer or {"error": "no answer from the zygote"}
        if answer.get("event") != "spawned":
            for fd in (self.request_fd, self.reply_fd):
                os.close(fd)
            raise ZygoteError(f"could not start a child: {answer.get('error', answer)}")
        return ChildProcess(
            zygote,
            int(answer["pid"]),
            self.request_fd,
            self.reply_fd,
            self.output_path,
            self.workdir,
        )

    def take(self) -> ChildProcess:
        """Wait for the child to report its layers; raises ZygoteError when it could not start or
        could not contain itself. Shielded from the watchdog, like ``Zygote.spawn``."""
        with interrupts.shielded():
            child = self._child()
            try:
                hello = wire.decode(wire.recv_frame(child.reply_fd, time.monotonic() + 30, 1 << 20))
            except (wire.WireError, wire.PeerClosed, wire.WireTimeout) as exc:
                tail = child.output_tail()
                status = child.stop(grace=0.5, status=True)
                raise ZygoteError(f"a child did not start ({status}): {exc}\n{tail}") from exc
            if not isinstance(hello, dict) or not hello.get("ready"):
                child.stop()
                raise ZygoteError(
                    f"a child could not contain itself: {hello.get('error') if isinstance(hello, dict) else hello}"
                )
            child.layers = {str(k): str(v) for k, v in hello.get("layers", {}).items()}
            broken = {
                layer: status
                for layer, status in child.layers.items()
                if layer in HONEST_CODE_LAYERS and status.startswith("failed")
            }
            if broken:
                # The box would fail honest code: every check would be a zero the student did
                # not earn. The grader's failure, said as such (SandboxUnavailable: ungradable).
                child.stop()
                raise ZygoteError(
                    "the sandbox would break honest code: "
                    + "; ".join(f"{layer}: {status}" for layer, status in broken.items())
                )
            zygote = self.zygote
            if zygote.warm and not zygote._warmed:
                zygote._warm()
            return child

    def cancel(self) -> None:
        """Stop the child unused (it ran nothing). Only once it has contained itself (usually long
        done): killed in the middle, its canaries would leave their files behind."""
        try:
            self.take().stop()
        except ZygoteError:
            pass


@dataclass
class ChildProcess(CapturedOutput):
    """One sandboxed child, seen from the parent."""

    zygote: Zygote
    pid: int
    request_fd: int
    reply_fd: int
    output_path: str
    workdir: str
    layers: dict[str, str] = field(default_factory=dict)
    alive: bool = True
    exit_code: int | None = None
    """The code it exited with by itself, once reaped with ``stop(status=True)``."""

    def __post_init__(self) -> None:
        os.set_blocking(self.request_fd, False)
        os.set_blocking(self.reply_fd, False)

    def request(self, message: dict[str, Any], deadline: float, max_bytes: int) -> Any:
        """Send one request and wait for the decoded reply. Raises wire errors; the caller decides."""
        wire.send_frame(self.request_fd, wire.encode(message), deadline)
        return wire.decode(wire.recv_frame(self.reply_fd, deadline, max_bytes))

    def stop(self, grace: float = 0.0, *, status: bool = False) -> str:
        """Kill and reap. With ``status``, give a child that is already exiting ``grace`` seconds and
        return how it ended (for crash messages); otherwise kill at once and do not wait for the zygote."""
        if not self.alive:
            return "stopped"
        self.alive = False
        if status:
            result, self.exit_code = self.zygote.reap(self.pid, grace)
        else:
            try:
                os.kill(self.pid, signal.SIGKILL)  # the PID namespace's init: everything in it dies
            except OSError:
                pass
            result, _ = self.zygote.reap(self.pid, 0.0, wait=False)
        for fd in (self.request_fd, self.reply_fd):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.workdir, ignore_errors=True)
        if not self.zygote.keep_output:
            self.discard_output()
        return result

    def read_file(self, name: str, limit: int) -> bytes:
        """A file the child wrote in its exchange folder, read from outside it: through
        /proc/<pid>/root into its private /tmp (or, without a mount namespace, the folder on the
        grader's side), refusing a link at every step, anything but a regular file with one
        link, and more than ``limit`` bytes. Raises FileUnreadable saying why."""
        if not self.alive:
            raise FileUnreadable("the process that wrote it is gone")
        if self.layers.get("mount_namespace") == "active":
            steps = [f"/proc/{self.pid}/root", "tmp", containment.EXCHANGE_NAME, name]
        else:
            steps = [self.workdir, containment.EXCHANGE_NAME, name]
        return read_without_links(steps, limit)


class SandboxTransport(ChildTransport):
    """Runs one submission's probes in sandboxed children forked from the zygote."""

    name = "sandbox"
    protected = True
