"""The portable transport: a submission's code in a plain child process, on any system.

For self-study where the Linux sandbox does not exist (macOS, Windows, a hosted notebook without
namespaces): a learner checking their own work needs no protection from themselves, only the same
checks, the same feedback and a hang that costs one check. So this keeps what the sandbox's
children do for grading and drops what they do for security:

- the same: the wire (requests and replies encoded by ``grader.wire``, never pickled), the probes
  and their dispatcher, one section import per child, per-probe and per-import deadlines, a child
  that hangs or dies stopped and replaced (``grader.children.ChildTransport``, shared with the
  sandbox), phases in separate children, files read by the parent or by the verifier (a child
  that never imported the code),
  files read from outside the child, the capture file for ``--show-output``;
- not here: containment (namespaces, Landlock, seccomp, rlimits, cgroups), the guard (audit hook,
  tamper check), hidden grader files. Results say ``"protected": false``; ``grade`` uses this only
  when asked (``--transport portable``).

The child is started with ``subprocess`` (a fresh interpreter, as ``spawn`` would) and talks over
its stdin and stdout; its own prints go to a capture file. Reading replies happens in a thread, so
that a deadline needs no ``poll`` on a pipe (which Windows lacks).

    python -m grader.portable DEVICE EXCHANGE_FOLDER     (the child; started by PortableSpawner)
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

from grader import errors, wire
from grader.children import CapturedOutput, ChildTransport
from grader.files import EXCHANGE_NAME, read_without_links
from grader.policy import SandboxPolicy
from grader.sources import SubmissionSource

SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STARTUP_TIMEOUT = 180.0
"""Seconds a child may take to import torch and the probes (a laptop's first import is slow)."""
CONTAINMENT = "none: a plain child process (portable transport, for self-study)"


class ChildStartFailed(errors.GraderError):
    """A portable child could not start (the grader's failure, never the student's)."""


class PortableTransport(ChildTransport):
    """One submission's probes in plain child processes (unprotected, marked so in results)."""

    name = "portable"
    protected = False


class PortableChild(CapturedOutput):
    """One plain child process, seen from the parent (the interface of the sandbox's ChildProcess)."""

    def __init__(
        self,
        spawner: PortableSpawner,
        proc: subprocess.Popen[bytes],
        workdir: str,
        output_path: str,
        max_bytes: int,
    ) -> None:
        self.spawner = spawner
        self.proc = proc
        self.pid = proc.pid
        self.workdir = workdir
        self.output_path = output_path
        self.layers = {"containment": CONTAINMENT}
        self.alive = True
        self.exit_code: int | None = None
        self._replies: queue.Queue[tuple[str, Any]] = queue.Queue()
        assert proc.stdout is not None and proc.stdin is not None
        self._reply_fd = proc.stdout.fileno()
        self._request_fd = proc.stdin.fileno()
        threading.Thread(target=self._read_replies, args=(max_bytes,), daemon=True).start()

    def _read_replies(self, max_bytes: int) -> None:
        """Every frame the child sends, in order; then why it stopped (EOF, too large)."""
        while True:
            try:
                frame = wire.recv_frame(self._reply_fd, None, max_bytes)
            except BaseException as exc:  # PeerClosed, FrameTooLarge, a closed descriptor
                self._replies.put(("error", exc))
                return
            self._replies.put(("frame", frame))

    def receive(self, deadline: float) -> Any:
        """The next decoded frame; raises WireTimeout, PeerClosed, FrameTooLarge or WireError."""
        try:
            kind, value = self._replies.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise wire.WireTimeout("deadline passed") from None
        if kind == "error":
            self._replies.put((kind, value))  # every later wait sees it too
            if isinstance(value, (wire.PeerClosed, wire.FrameTooLarge)):
                raise value
            raise wire.PeerClosed(f"the reply pipe failed ({value})")
        return wire.decode(value)

    def request(self, message: dict[str, Any], deadline: float, max_bytes: int) -> Any:
        """Send one request (from a thread: a child that stops reading cannot block us) and wait
        for the decoded reply until ``deadline``."""
        payload = wire.encode(message)

        def write() -> None:
            try:
                wire.send_frame(self._request_fd, payload)
            except (OSError, wire.PeerClosed):
                pass  # the reader sees the child gone

        threading.Thread(target=write, daemon=True).start()
        return self.receive(deadline)

    def stop(self, grace: float = 0.0, *, status: bool = False) -> str:
        """Kill (its whole process group, where there is one) and reap; with ``status``, give a
        child that is already exiting ``grace`` seconds and say how it ended."""
        if not self.alive:
            return "stopped"
        self.alive = False
        ended = None
        if status:
            try:
                ended = self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                ended = None
        _kill(self.proc)
        code = self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()  # type: ignore[union-attr]
            except OSError:
                pass
        shutil.rmtree(self.workdir, ignore_errors=True)
        if not self.spawner.keep_output:
            self.discard_output()
        self.spawner.forget(self)
        if ended is None:
            return "stopped by the grader"
        if code < 0:
            try:
                return f"killed by signal {signal.Signals(-code).name}"
            except ValueError:
                return f"killed by signal {-code}"
        self.exit_code = code
        return f"exited with status {code}"

    def read_file(self, name: str, limit: int) -> bytes:
        """A file the child wrote in its exchange folder, refused if a link, a hard link, not a
        regular file or over ``limit`` bytes (grader.files)."""
        return read_without_links([self.workdir, EXCHANGE_NAME, name], limit)


def _kill(proc: subprocess.Popen[bytes]) -> None:
    try:
        if os.name == "nt":
            proc.kill()
        else:
            os.killpg(proc.pid, signal.SIGKILL)  # it leads its own session: its children too
    except OSError:
        pass


class PortableSpawner:
    """Starts plain child processes for the portable transport (the zygote's interface: start,
    ready, spawn, release, transport, close). Nothing here is platform-specific."""

    keep_output = False
    """Whether a stopped child's capture file stays until ``discard_output`` (``--show-output``)."""

    def __init__(self, policy: SandboxPolicy | None = None) -> None:
        self.policy = policy or SandboxPolicy()
        self.rundir = ""
        self._serial = 0
        self._lock = threading.Lock()
        self._children: dict[str, list[PortableChild]] = {}

    def start(self) -> PortableSpawner:
        if not self.rundir:
            self.rundir = tempfile.mkdtemp(prefix="builders-grader-")
        return self

    def ready(self, timeout: float = STARTUP_TIMEOUT) -> dict[str, Any]:
        """Nothing to wait for: each child imports torch itself."""
        self.start()
        return {"event": "ready", "transport": "portable"}

    def transport(
        self, source: SubmissionSource, device: str, spawner: Any = None
    ) -> PortableTransport:
        return PortableTransport(spawner or self, source, device)

    def spawn(
        self, device: str, extra_hide: list[str], group: str = "", *, proven: bool = False
    ) -> PortableChild:
        """Start a child and wait for it to say it is ready (its imports done)."""
        self.start()
        with self._lock:
            self._serial += 1
            serial = self._serial
        workdir = os.path.join(self.rundir, f"child-{serial}")
        os.makedirs(os.path.join(workdir, EXCHANGE_NAME))
        output_path = os.path.join(self.rundir, f"child-{serial}.log")
        with open(output_path, "wb") as output:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "grader.portable",
                    device,
                    os.path.join(workdir, EXCHANGE_NAME),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=output,
                cwd=workdir,
                env=_child_environment(),
                **_own_group(),
            )
        child = PortableChild(self, proc, workdir, output_path, self.policy.max_reply_bytes)
        with self._lock:
            self._children.setdefault(group, []).append(child)
        try:
            hello = child.receive(time.monotonic() + STARTUP_TIMEOUT)
        except (wire.WireError, wire.WireTimeout, wire.PeerClosed) as exc:
            tail = child.output_tail()
            child.stop()
            raise ChildStartFailed(
                f"a child process could not start ({exc})" + (f":\n{tail}" if tail else "")
            ) from None
        if not isinstance(hello, dict) or hello.get("ready") is not True:
            child.stop()
            raise ChildStartFailed(f"a child process could not start: {hello!r}")
        return child

    def forget(self, child: PortableChild) -> None:
        with self._lock:
            for children in self._children.values():
                if child in children:
                    children.remove(child)

    def release(self, group: str) -> None:
        """Stop whatever of a submission's children is still running."""
        with self._lock:
            children = list(self._children.pop(group, []))
        for child in children:
            child.stop()

    def close(self) -> None:
        with self._lock:
            groups = list(self._children)
        for group in groups:
            self.release(group)
        if self.rundir:
            shutil.rmtree(self.rundir, ignore_errors=True)
            self.rundir = ""

    def __enter__(self) -> PortableSpawner:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def _child_environment() -> dict[str, str]:
    """The learner's own environment, plus: the grader importable from a source checkout, one
    thread per library (results must not depend on a thread count)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (SOURCE_ROOT, env.get("PYTHONPATH")) if p)
    env.update(
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONIOENCODING="utf-8",
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
    )
    return env


def _own_group() -> dict[str, Any]:
    """Start the child as the leader of its own process group, so that stopping it stops what it
    started too (a new session on POSIX, a new process group on Windows)."""
    if os.name == "nt":
        return {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}
    return {"start_new_session": True}


# -- the child ------------------------------------------------------------------------------------


def serve(device: str, files: str) -> None:
    """The child's life: keep the pipes, send prints to the capture file, import torch and the
    probes, say it is ready, answer requests until the parent closes the pipe."""
    request_fd = os.dup(0)
    reply_fd = os.dup(1)
    if os.name == "nt":
        import msvcrt

        for fd in (request_fd, reply_fd):
            msvcrt.setmode(fd, os.O_BINARY)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # the learner's prints go to the capture file, never into the replies
    import torch

    torch.set_num_threads(1)
    from grader import probes

    probes.import_all()
    dispatch = probes.dispatcher(files=files)
    os.makedirs(files, exist_ok=True)
    wire.send_frame(reply_fd, wire.encode({"ready": True}))
    sections: dict[str, Any] = {}
    while True:
        try:
            request = wire.decode(wire.recv_frame(request_fd), trusted=True)
        except (wire.PeerClosed, OSError):
            os._exit(0)
        reply = dispatch(sections, request, device)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        try:
            wire.send_frame(reply_fd, reply)
        except (wire.PeerClosed, OSError):
            os._exit(0)


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2])
