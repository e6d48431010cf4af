"""The parent's side of the sandbox: start the zygote, spawn children, talk to them with deadlines.

Nothing here imports torch or the submission. Replies are decoded by ``grader.wire`` (never
unpickled); a child that hangs is killed when its probe's deadline passes, a child that dies is
reaped and replaced on the next call, and the failure costs only the check that was running.
"""

from __future__ import annotations

import dataclasses
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

from grader import boundary, errors, text, wire
from grader.files import MAX_FETCH_BYTES, FileUnreadable, read_without_links
from grader.sandbox import containment
from grader.sources import SubmissionSource
from grader.transport import ProtocolViolation, unwrap

PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE_ROOT = os.path.dirname(PACKAGE_DIR)

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
        with self._lock:
            if self._ready is None:
                self.start()
                message = self._receive(timeout)
                if message.get("event") != "ready":
                    raise ZygoteError(f"the zygote sent {message!r} instead of 'ready'")
                self._ready = message
            return self._ready

    def close(self) -> None:
        with self._lock:
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

    def _log_tail(self) -> str:
        try:
            with open(self._stderr_path, "rb") as f:
                f.seek(max(0, os.path.getsize(self._stderr_path) - 2000))
                tail = f.read().decode("utf-8", "replace").strip()
        except OSError:
            return ""
        return f":\n{tail}" if tail else ""

    # -- children ------------------------------------------------------------------------------

    def release(self, group: str) -> None:
        """Kill what is left of a submission's processes and remove its cgroup."""
        with self._lock:
            if self._control is not None:
                try:
                    self._control.sendall(wire.encode({"op": "release", "group": group}))
                except OSError:
                    pass

    def spawn(self, device: str, extra_hide: list[str], group: str = "") -> ChildProcess:
        """Fork a contained child, in the cgroup of ``group`` (one per submission); returns once
        it has reported its layers (or failed to)."""
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
            }
            try:
                assert self._control is not None
                socket.send_fds(
                    self._control,
                    [wire.encode({"op": "spawn", "config": config})],
                    [request_r, reply_w, output_fd],
                )
                answer = self._receive(30)
            finally:
                for fd in (request_r, reply_w, output_fd):
                    os.close(fd)
            if answer.get("event") != "spawned":
                os.close(request_w)
                os.close(reply_r)
                raise ZygoteError(f"could not start a child: {answer.get('error', answer)}")
            child = ChildProcess(
                self, int(answer["pid"]), request_w, reply_r, output_path, fallback_workdir
            )
        try:
            hello = wire.decode(wire.recv_frame(reply_r, time.monotonic() + 30, 1 << 20))
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
            # The box would fail honest code: every check would be a zero the student did not
            # earn. The grader's failure, said as such (SandboxUnavailable: ungradable).
            child.stop()
            raise ZygoteError(
                "the sandbox would break honest code: "
                + "; ".join(f"{layer}: {status}" for layer, status in broken.items())
            )
        if self.warm and not self._warmed:
            self._warm()
        return child

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
        with self._lock:
            if self._control is None:
                return "grader shut down", None
            try:
                self._control.sendall(
                    wire.encode({"op": "reap", "pid": pid, "grace": grace, "reply": wait})
                )
                if not wait:
                    return "stopped by the grader", None
                answer = self._receive(30)
            except (OSError, ZygoteError) as exc:
                return f"unknown ({exc})", None
            code = answer.get("exit_code")
            return str(answer.get("status", "unknown")), code if type(code) is int else None


@dataclass
class ChildProcess:
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

    def discard_output(self) -> None:
        """Remove the capture file: a stopped child's output takes no disk until the run ends."""
        try:
            os.unlink(self.output_path)
        except OSError:
            pass

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

    def output_since(self, mark: int, limit: int = 4000) -> tuple[str, int]:
        """What the child wrote to its capture file from byte ``mark`` on (the last ``limit``
        bytes of it), and the mark to pass next time (``check --show-output``)."""
        try:
            size = os.path.getsize(self.output_path)
            with open(self.output_path, "rb") as f:
                f.seek(max(mark, size - limit))
                return f.read(size - max(mark, size - limit)).decode("utf-8", "replace"), size
        except OSError:
            return "", mark

    def output_tail(self, limit: int = 1500) -> str:
        try:
            size = os.path.getsize(self.output_path)
            with open(self.output_path, "rb") as f:
                f.seek(max(0, size - limit))
                return text.clean(f.read().decode("utf-8", "replace"))
        except OSError:
            return ""


class SandboxTransport:
    """Runs one submission's probes in sandboxed children, one at a time, restarting after failures."""

    protected = True

    def __init__(self, zygote: Zygote, submission: SubmissionSource, device: str = "cpu") -> None:
        self.zygote = zygote
        self.policy = zygote.policy
        self.submission = submission
        self.device = device
        self.child: ChildProcess | None = None
        self.loaded: set[str] = set()
        self.failed: dict[str, errors.SectionUnavailable] = {}
        self.children_started = 0
        self.layers: dict[str, str] = {}
        self.failures = 0
        """Children lost to the code's own doing (a crash, a hang, a broken reply, tampering);
        past ``max_restarts`` the rest of the submission is not graded. Deliberate restarts (a new
        phase, a check starting over) do not count."""
        self.phase: str | None = None
        """The phase (public, hidden) the current child serves."""
        self.calls_on_child = 0
        """Probe calls the current child has answered (or been asked)."""
        self.verifier: ChildProcess | None = None
        """A child that runs verifier probes only (it never imports the submission)."""
        self.deadline: float | None = None
        """When the submission's whole time is up (set by ``Submission``); no probe waits past it."""
        self.exhausted: errors.SubmissionBudgetExhausted | None = None
        self.extra_hide = sorted(
            {os.path.abspath(submission.root), os.path.realpath(submission.root)}
        )
        self.group = f"submission-{os.urandom(6).hex()}"
        """All of this submission's children share one cgroup: memory, processes and CPU."""

    # -- public --------------------------------------------------------------------------------

    def call(self, probe: str, args: dict[str, Any], *, seed: int, what: str) -> Any:
        section = probe.split(".", 1)[0]
        self._ensure_section(section)
        self.calls_on_child += 1
        return self._exchange(
            {"op": "call", "probe": probe, "args": args, "seed": seed},
            self.policy.probe_timeout,
            what,
            probe,
        )

    def fetch(self, name: str, *, what: str) -> bytes:
        """A file the code wrote in its exchange folder during the last call, read from outside
        its process. Raises InvalidResult (saying why) when there is no usable file."""
        child = self.child
        if child is None:
            raise errors.InvalidResult(what, "the process that wrote the file is gone")
        try:
            return child.read_file(name, MAX_FETCH_BYTES)
        except FileUnreadable as exc:
            raise errors.InvalidResult(what, f"the file it wrote cannot be read: {exc}") from None

    def verify(self, probe: str, args: dict[str, Any], *, what: str) -> Any:
        """Run a verifier probe (one that calls no student code) in the submission's verifier: a
        process forked from the zygote that never imported the submission. A file that crashes
        or hangs it is the submission's failure (InvalidResult)."""
        from grader import probes

        probes.import_all()
        if probe not in probes.VERIFIERS:
            raise ValueError(f"{probe} is not a verifier probe")
        if self.verifier is None or not self.verifier.alive:
            try:
                # On the CPU: it reads files with map_location="cpu" and needs no CUDA context.
                self.verifier = self.zygote.spawn("cpu", self.extra_hide, self.group)
            except ZygoteError as exc:
                raise errors.SandboxUnavailable(
                    f"the grader could not start a process to read your files ({exc})"
                ) from None
            self.children_started += 1
        rid = os.urandom(8).hex()
        message = {"op": "call", "probe": probe, "args": args, "seed": 0, "id": rid}
        try:
            reply = self._talk(self.verifier, message, self.policy.probe_timeout, what)
            return unwrap(reply, what, rid=rid, probe=probe)
        except (errors.ProbeTimeout, errors.ChildDied, ProtocolViolation) as failure:
            raise errors.InvalidResult(
                what, f"reading its file with torch.load(weights_only=True) failed ({failure})"
            ) from None

    def _exchange(
        self, message: dict[str, Any], timeout: float, what: str, probe: str | None
    ) -> Any:
        """One request and its unwrapped reply; a child whose reply breaks the protocol is stopped."""
        rid = os.urandom(8).hex()
        reply = self._request({**message, "id": rid}, timeout, what)
        try:
            return unwrap(reply, what, rid=rid, probe=probe)
        except (ProtocolViolation, errors.Tampered):
            # A process that lied about its reply, or whose code changed torch or the grader,
            # serves no further call.
            self._lost(self.child)
            raise

    def load(self, section: str) -> None:
        self._ensure_section(section)

    def set_phase(self, phase: str) -> None:
        if phase != self.phase:
            self.restart()
            self.phase = phase

    def restart(self) -> None:
        if self.child is not None:
            self.child.stop()
            self.child = None

    def _lost(self, child: ChildProcess | None) -> None:
        """A child the code itself made unusable: stopped, and counted against max_restarts."""
        if child is not None:
            child.stop()
        self.failures += 1

    @property
    def pristine(self) -> bool:
        return self.child is None or not self.child.alive or self.calls_on_child == 0

    def close(self) -> None:
        self.restart()
        if self.verifier is not None:
            self.verifier.stop()
            self.verifier = None
        self.zygote.release(self.group)

    def describe(self) -> dict[str, Any]:
        return {
            "transport": "sandbox",
            "protected": True,
            "layers": dict(self.layers),
            "children": self.children_started,
            "boundary": boundary.report(True),
        }

    # -- internals -----------------------------------------------------------------------------

    def _ensure_child(self) -> ChildProcess:
        if self.child is not None and self.child.alive:
            return self.child
        if self.exhausted is not None:
            raise self.exhausted
        if self.failures > self.policy.max_restarts:
            self.exhausted = errors.SubmissionBudgetExhausted(
                f"grading stopped: your code crashed or hung {self.policy.max_restarts} times"
            )
            raise self.exhausted
        try:
            self.child = self.zygote.spawn(self.device, self.extra_hide, self.group)
        except ZygoteError as exc:
            self.exhausted = errors.SandboxUnavailable(
                f"the grader could not start a sandboxed process for your code ({exc})"
            )
            raise self.exhausted from None
        self.children_started += 1
        self.layers = self.child.layers
        self.loaded = set()
        self.calls_on_child = 0
        return self.child

    def _ensure_section(self, section: str) -> None:
        if section in self.failed:
            raise self.failed[section]
        child = self._ensure_child()
        if section in self.loaded:
            return
        source = self.submission.sections.get(section)
        if source is None or source.text is None:
            reason = (
                source.problem
                if source is not None and source.problem
                else f"{section}.py not found in the submission"
            )
            self.failed[section] = errors.SectionUnavailable(section, reason)
            raise self.failed[section]
        what = f"importing {source.filename}"
        try:
            self._exchange(
                {
                    "op": "load",
                    "section": section,
                    "filename": source.filename,
                    "source": source.text,
                },
                self.policy.import_timeout,
                what,
                None,
            )
        except errors.SectionUnavailable as failure:
            self.failed[section] = failure
            raise
        except (errors.SubmissionBudgetExhausted, errors.SandboxUnavailable):
            raise  # about the whole submission, not this section
        except errors.ProbeTimeout:
            failure = errors.SectionUnavailable(
                section,
                f"{what} did not finish within {self.policy.import_timeout:g} s (code at the top level of the file runs on import)",
            )
            self.failed[section] = failure
            raise failure from None
        except errors.ChildDied as died:
            failure = errors.SectionUnavailable(
                section, f"{what} ended the process ({died.status})", detail=died.output_tail
            )
            self.failed[section] = failure
            raise failure from None
        except errors.GradingFailure as other:
            failure = errors.SectionUnavailable(section, f"{what} failed: {other}")
            self.failed[section] = failure
            raise failure from None
        if child is self.child:
            self.loaded.add(section)

    def _request(self, message: dict[str, Any], timeout: float, what: str) -> Any:
        return self._talk(self._ensure_child(), message, timeout, what)

    def _talk(self, child: ChildProcess, message: dict[str, Any], timeout: float, what: str) -> Any:
        """Send one request to ``child`` and wait for its reply, within the probe's and the
        submission's time; a child that hangs, dies or sends garbage is stopped and counted."""
        started = time.monotonic()
        limit = timeout
        if self.deadline is not None:
            # Past the deadline the probe is stopped like a hang; Submission then says why.
            limit = max(0.0, min(timeout, self.deadline - started))
        try:
            return child.request(message, started + limit, self.policy.max_reply_bytes)
        except wire.WireTimeout:
            self._lost(child)
            raise errors.ProbeTimeout(what, limit) from None
        except wire.PeerClosed:
            tail = child.output_tail()
            status = child.stop(grace=0.5, status=True)
            self._lost(child)
            raise errors.ChildDied(what, status, tail, exit_code=child.exit_code) from None
        except wire.FrameTooLarge as exc:
            self._lost(child)
            raise ProtocolViolation(f"{what}: {exc}; the process was stopped") from None
        except wire.WireError as exc:
            self._lost(child)
            raise ProtocolViolation(
                f"{what}: the process sent an invalid reply ({exc}) and was stopped"
            ) from None
