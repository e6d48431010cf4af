"""The parent's side of a submission's child processes, whatever makes them (grader/transport.py's
``Transport`` for code that runs in another process).

Nothing here imports torch or anything platform-specific. Replies are decoded by ``grader.wire``
(never unpickled); a child that hangs is stopped when its probe's deadline passes, a child that
dies is replaced on the next call, and the failure costs only the check that was running.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

from grader import boundary, errors, interrupts, text, wire
from grader.files import MAX_FETCH_BYTES, FileUnreadable
from grader.sources import SubmissionSource
from grader.transport import ProtocolViolation, unwrap


class CapturedOutput:
    """What a child wrote to its capture file (``output_path``): its prints, warnings and
    tracebacks, read by the parent for messages and ``check --show-output``."""

    output_path: str

    def discard_output(self) -> None:
        """Remove the capture file: a stopped child's output takes no disk until the run ends."""
        try:
            os.unlink(self.output_path)
        except OSError:
            pass

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


@dataclass
class PhaseProcess:
    """One of a phase's two processes as the transport sees it."""

    child: Any | None = None
    """None until started (and after ``stop``)."""
    loaded: set[str] = field(default_factory=set)
    """Sections imported in it."""
    calls: int = 0
    """Probe calls it has answered (or been asked) in this phase."""
    carried: bool = False
    """It served an earlier phase before this one (``ChildTransport.set_phase``)."""

    def started(self, child: Any) -> None:
        self.child, self.loaded, self.calls, self.carried = child, set(), 0, False

    @property
    def alive(self) -> bool:
        return self.child is not None and self.child.alive

    def stop(self) -> None:
        if self.child is not None:
            self.child.stop()
        self.child, self.carried = None, False

    @property
    def unused(self) -> bool:
        """Whether it has run no probe call (a process that only imported sections counts)."""
        return not self.alive or self.calls == 0


class ChildTransport:
    """Runs one submission's probes in child processes, one at a time, restarting after failures.

    The children come from a spawner: the Linux sandbox's zygote (``grader.sandbox.client``) or
    the portable one (``grader.portable``). Everything else (deadlines, restarts, sections that
    fail to load, the verifier, reading files from outside the child) is the same for both."""

    name = "child"
    protected = True

    def __init__(self, spawner: Any, submission: SubmissionSource, device: str = "cpu") -> None:
        self.spawner = spawner
        self.policy = spawner.policy
        self.submission = submission
        self.device = device
        self.main = PhaseProcess()
        """The phase's process for every call but ``call_apart``."""
        self.second = PhaseProcess()
        """The phase's second process: it imports the code and serves ``call_apart`` only (it
        resumes from files the main process's code wrote, never having run that code itself)."""
        self.current = self.main
        """The one calls go to now (``second`` within ``call_apart``)."""
        self.failed: dict[str, errors.SectionUnavailable] = {}
        self.children_started = 0
        self.layers: dict[str, str] = {}
        self.proven: dict[str, str] = {}
        """Device -> what the positive canaries said in this submission's first child there
        (``spawn``'s ``proven``): later children on it skip them and are reported with that."""
        self.failures = 0
        """Children lost to the code's own doing (a crash, a hang, a broken reply, tampering);
        past ``max_restarts`` the rest of the submission is not graded. Deliberate restarts (a new
        phase, a check starting over) do not count."""
        self.phase: str | None = None
        """The phase (public, hidden) the processes serve."""
        self.verifier: Any | None = None
        """A child that runs verifier probes only (it never imports the submission)."""
        self.deadline: float | None = None
        """When the submission's whole time is up (set by ``Submission``); no probe waits past it."""
        self.exhausted: errors.SubmissionBudgetExhausted | None = None
        self.extra_hide = sorted(
            {os.path.abspath(submission.root), os.path.realpath(submission.root)}
        )
        self.group = f"submission-{os.urandom(6).hex()}"
        """All of this submission's children share one cgroup: memory, processes and CPU."""
        self.final_phase = False
        """Whether no phase comes after the current one (``set_phase``)."""
        self.started_over = False
        """Whether a check of the current phase started over (``restart``): more may follow."""
        self.spare: Any | None = None
        """A child asked for ahead of need (``spawner.spawn_ahead``, where the spawner has it): it
        forks and contains itself while the current one works, so the next process this
        submission needs (the other phase's, a check's fresh start, the verifier) is ready when
        asked for. Same cgroup and hidden paths; it has run nothing, and counts once taken.
        On the CPU only."""

    # -- public --------------------------------------------------------------------------------

    def call(self, probe: str, args: dict[str, Any], *, seed: int, what: str) -> Any:
        section = probe.split(".", 1)[0]
        self._ensure_section(section)
        self.current.calls += 1
        return self._exchange(
            {"op": "call", "probe": probe, "args": args, "seed": seed},
            self.policy.probe_timeout,
            what,
            probe,
        )

    def call_apart(self, probe: str, args: dict[str, Any], *, seed: int, what: str) -> Any:
        """``call`` in the phase's second process (started, loaded, lost and counted by the same
        code as the main one)."""
        self.current = self.second
        try:
            return self.call(probe, args, seed=seed, what=what)
        finally:
            self.current = self.main

    @property
    def child(self) -> Any | None:
        """The process calls go to now."""
        return self.current.child

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
        """Run a verifier probe (one that calls no student code) where no student code ever ran:
        in this process, when ``grader.torchfile`` reads the files itself (what honest code
        writes), or else in the submission's verifier, a child that never imported the
        submission. A file that crashes or hangs that child is the submission's failure
        (InvalidResult)."""
        from grader import probes

        probes.import_all()
        if probe not in probes.VERIFIERS:
            raise ValueError(f"{probe} is not a verifier probe")
        here = self._verify_here(probe, args, what)
        if here is not None:
            return here[0]
        if self.verifier is None or not self.verifier.alive:
            try:
                # On the CPU: it reads files with map_location="cpu" and needs no CUDA context.
                self.verifier = self._new_child("cpu")
            except errors.GraderError as exc:
                raise errors.SandboxUnavailable(
                    f"the grader could not start a process to read your files ({exc})"
                ) from None
        rid = os.urandom(8).hex()
        message = {"op": "call", "probe": probe, "args": args, "seed": 0, "id": rid}
        try:
            reply = self._talk(self.verifier, message, self.policy.probe_timeout, what)
            return unwrap(reply, what, rid=rid, probe=probe)
        except (errors.ProbeTimeout, errors.ChildDied, ProtocolViolation) as failure:
            raise errors.InvalidResult(
                what, f"reading its file with torch.load(weights_only=True) failed ({failure})"
            ) from None

    def _verify_here(self, probe: str, args: dict[str, Any], what: str) -> tuple[Any] | None:
        """(the reply,) as the verifier would give it, decided in this process by
        ``grader.torchfile``; None when it does not read these files (the verifier decides).
        The reply goes through the wire and the probe's schema as the child's would, so that
        both give the same value (strings normalised alike, tuples alike)."""
        from grader import torchfile  # imports torch: not at this module's top

        local = torchfile.PARENT_VERIFIERS.get(probe)
        if local is None:
            return None
        try:
            value = local(**args)
            reply = wire.decode(wire.encode({"ok": value}))
            return (unwrap(reply, what, probe=probe),)
        except (torchfile.NotRead, wire.WireError, ProtocolViolation):
            return None

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

    def set_phase(self, phase: str, *, final: bool = False) -> None:
        if phase != self.phase:
            self.main.stop()
            # The second process goes on into the final phase: it only ever resumes from files
            # (what it served before were earlier checks' resumes), and nothing it sees there can
            # reach an earlier phase's feedback, which comes before it. Any other change of phase
            # (into one that is not final, or out of the final one) starts both anew.
            if final and not self.final_phase and self.phase is not None and self.second.alive:
                self.second.carried, self.second.calls = True, 0
            else:
                self.second.stop()
            self.phase = phase
            self.started_over = False
        self.final_phase = final

    def restart(self) -> None:
        """New processes on the next call: the main one, and the second one unless it was carried
        into this phase and has served none of its calls. Such a process is where it was when the
        phase began (it ran only earlier phases' resumes, which ``inherited`` reports once it
        serves a call of this one), so a new one would be the same child's start-up for nothing:
        checks that start over are mostly ones that never resume a checkpoint."""
        self.main.stop()
        if not (self.second.carried and self.second.calls == 0):
            self.second.stop()
        self.started_over = True

    def _lost(self, child: Any | None) -> None:
        """A child the code itself made unusable: stopped, and counted against max_restarts."""
        if child is not None:
            child.stop()
        self.failures += 1

    @property
    def pristine(self) -> bool:
        return self.main.unused and self.second.unused

    @property
    def inherited(self) -> bool:
        """Whether a call of this phase ran in a process that served an earlier one: a failure
        there was not decided where nothing ran before the check (``pristine`` cannot know, at
        a check's start, whether the check will use that process)."""
        return self.second.carried and self.second.calls > 0

    def close(self) -> None:
        for process in (self.main, self.second):
            process.stop()
        if self.spare is not None:
            self.spare.cancel()
            self.spare = None
        if self.verifier is not None:
            self.verifier.stop()
            self.verifier = None
        self.spawner.release(self.group)

    def describe(self) -> dict[str, Any]:
        return {
            "transport": self.name,
            "protected": self.protected,
            "layers": dict(self.layers),
            "children": self.children_started,
            "boundary": boundary.report(self.protected, self.name),
        }

    # -- internals -----------------------------------------------------------------------------

    def _ensure_child(self) -> Any:
        process = self.current
        if process.alive:
            return process.child
        if self.exhausted is not None:
            raise self.exhausted
        if self.failures > self.policy.max_restarts:
            self.exhausted = errors.SubmissionBudgetExhausted(
                f"grading stopped: your code crashed or hung {self.policy.max_restarts} times"
            )
            raise self.exhausted
        try:
            child = self._new_child(self.device)
        except errors.GraderError as exc:
            self.exhausted = errors.SandboxUnavailable(
                f"the grader could not start a sandboxed process for your code ({exc})"
            )
            raise self.exhausted from None
        layers = dict(child.layers)
        if "honest_code" not in layers and self.device in self.proven:
            layers["honest_code"] = self.proven[self.device]  # it skipped them (``proven``)
        self.layers = layers
        process.started(child)
        return child

    def _new_child(self, device: str) -> Any:
        """A started child on ``device``: the spare if it suits, and a new spare asked for."""
        # Shielded whole: a watchdog interrupt between asking for the next spare and keeping it
        # would leave a forked child nobody holds (it waits until the shield ends instead).
        with interrupts.shielded():
            return self._take_or_spawn(device)

    def _take_or_spawn(self, device: str) -> Any:
        spare, self.spare = self.spare, None
        child = None
        if spare is not None and spare.device == device:
            try:
                child = spare.take()
            except errors.GraderError:
                child = None  # lost while waiting (say, to the cgroup's OOM killer): start anew
        elif spare is not None:
            spare.cancel()
        if child is None:
            child = self.spawner.spawn(
                device, self.extra_hide, self.group, proven=device in self.proven
            )
        self.children_started += 1
        if "honest_code" in child.layers:
            self.proven[device] = child.layers["honest_code"]
        # Not under CUDA: a spare there would hold a CUDA context of its own (GPU memory, and
        # seconds to make one) that the verifier, on the CPU, would throw away. In the final
        # phase only after a check started over, and not once the phase has its second process
        # (taken now, or carried from the earlier phase): its first process is usually the last
        # one a submission needs (a stub's, a submission whose checks all pass), and an unused
        # spare costs a whole child's start-up. A check that starts over waits for its process
        # instead; failures come in runs, so the next one gets a spare.
        wanted = self.device == "cpu" and not (
            self.final_phase
            and (not self.started_over or self.current is self.second or self.second.alive)
        )
        ahead = getattr(self.spawner, "spawn_ahead", None) if wanted else None
        if ahead is not None:
            try:
                self.spare = ahead(
                    self.device, self.extra_hide, self.group, proven=self.device in self.proven
                )
            except errors.GraderError:
                self.spare = None  # the next spawn says what is wrong
        return child

    def _ensure_section(self, section: str) -> None:
        if section in self.failed:
            raise self.failed[section]
        child = self._ensure_child()
        if section in self.current.loaded:
            return
        source = self.submission.sections.get(section)
        if source is None or source.text is None:
            reason = (
                source.problem
                if source is not None and source.problem
                else errors.section_not_found(section)
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
        if child is self.current.child:
            self.current.loaded.add(section)

    def _request(self, message: dict[str, Any], timeout: float, what: str) -> Any:
        return self._talk(self._ensure_child(), message, timeout, what)

    def _talk(self, child: Any, message: dict[str, Any], timeout: float, what: str) -> Any:
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
