"""How checks reach the submission: the sandbox child, or the same process.

Checks never know which one they use. Both send a request through a ``grader.probes.dispatcher`` and
get back an encoded reply, which ``unwrap`` decodes and turns into a value or a GradingFailure.
"""

from __future__ import annotations

import shutil
import tempfile
import types
from collections.abc import Mapping
from typing import Any, Protocol

from grader import errors, schema, wire
from grader.files import MAX_FETCH_BYTES, FileUnreadable, read_without_links
from grader.outcomes import Kind
from grader.sources import SectionFile


class Transport(Protocol):
    """What a Submission needs from a transport."""

    protected: bool
    """False when submission code shares the grader's process (results are marked unprotected)."""

    def call(self, probe: str, args: dict[str, Any], *, seed: int, what: str) -> Any:
        """Run a probe; return its plain-data result or raise a GradingFailure."""

    def call_apart(self, probe: str, args: dict[str, Any], *, seed: int, what: str) -> Any:
        """``call`` in the phase's second process: it imports the code but serves only these
        calls, so what the main process kept in memory (what the code saved, say) is not there."""

    def load(self, section: str) -> None:
        """Make sure a section is loaded; raise SectionUnavailable if it cannot be."""

    def set_phase(self, phase: str, *, final: bool = False) -> None:
        """Checks of another phase (public, hidden) start in a new process: nothing the code saw
        in one phase can reach the other's feedback. ``final``: no phase comes after this one."""

    def restart(self) -> None:
        """Start over in a new process on the next call (nothing of the old one carries over)."""

    def fetch(self, name: str, *, what: str) -> bytes:
        """A file the code wrote in its exchange folder during the last call, read from outside
        its process; InvalidResult (saying why) when there is no usable file."""

    def verify(self, probe: str, args: dict[str, Any], *, what: str) -> Any:
        """Run a verifier probe (it calls no student code) where no student code ever ran."""

    @property
    def pristine(self) -> bool:
        """Whether the process has run no probe call since it started (loads do not count)."""

    @property
    def inherited(self) -> bool:
        """Whether a call of this phase ran in a process that served an earlier phase."""

    def close(self) -> None:
        """Release the child process, if any."""

    def describe(self) -> dict[str, Any]:
        """Plain data for the results: transport name, protections, layers."""


class ProbeFailed(errors.GradingFailure):
    """A probe itself failed (a bug in it, or a probe name no probe answers to): the grader's
    failure, never the student's zero. Reported as a grader error; the item is ungradable."""

    kind = errors.GRADER_ERROR_KIND
    terminal = True


class ProtocolViolation(errors.GradingFailure):
    """The child sent something that is not a valid reply; it was stopped."""

    kind = Kind.PROTOCOL_VIOLATION

    terminal = True


def unwrap(reply: Any, what: str, *, rid: str | None = None, probe: str | None = None) -> Any:
    """A decoded reply -> the value, or raise the matching GradingFailure.

    ``rid`` is the request's id, which the reply must echo (a reply queued in advance by student
    code does not fit); ``probe`` names the probe whose declared schema the value must match.
    """
    if not isinstance(reply, dict):
        raise ProtocolViolation(f"{what}: the reply is not in the expected form")
    reply = dict(reply)
    if rid is not None and reply.pop("id", None) != rid:
        raise ProtocolViolation(f"{what}: a reply that does not belong to the request arrived")
    reply.pop("id", None)
    if len(reply) != 1:
        raise ProtocolViolation(f"{what}: the reply is not in the expected form")
    if "ok" in reply:
        value = reply["ok"]
        if probe is not None:
            from grader import probes

            probes.import_all()
            try:
                schema.validate(value, probes.SCHEMAS[probe])
            except schema.SchemaError as exc:
                raise ProtocolViolation(
                    f"{what}: the reply has an unexpected form ({exc})"
                ) from None
        return value
    error = reply.get("error")
    if not isinstance(error, dict):
        raise ProtocolViolation(f"{what}: the reply is not in the expected form")
    try:
        kind = wire.ErrorKind(str(error.get("kind", "")))
    except ValueError:
        kind = wire.ErrorKind.INTERNAL  # a kind no probe sends: the grader's problem
    who = str(error.get("what") or what)
    message = str(error.get("message", ""))
    exc_type = str(error.get("type", ""))
    trace = str(error.get("trace", ""))
    if kind is wire.ErrorKind.STUDENT:
        raise errors.StudentCodeError(who, exc_type or "an exception", message, trace)
    if kind is wire.ErrorKind.NOT_ATTEMPTED:
        raise errors.NotAttempted(who)
    if kind is wire.ErrorKind.MISSING:
        section, _, name = who.partition(".")
        raise errors.MissingDefinition(section, name or who)
    if kind is wire.ErrorKind.SECTION:
        raise errors.SectionUnavailable(who, message, detail=trace)
    if kind is wire.ErrorKind.EXIT:
        raise errors.StudentCodeError(
            who, "SystemExit", message, hint="do not call exit() or quit() in your code"
        )
    if kind is wire.ErrorKind.INVALID:
        raise errors.InvalidResult(who, message)
    if kind is wire.ErrorKind.TAMPERED:
        raise errors.Tampered(who, message)
    if kind is wire.ErrorKind.INSPECT:
        raise errors.InvalidResult(
            who, f"the grader could not inspect what your code returned ({message})"
        )
    raise ProbeFailed(f"{who}: the grader's probe failed ({errors.clip(message, 200)})")


class InProcessTransport:
    """Runs probes in this very process: for notebook kernels and debugging. Unprotected: code in
    the same process can read expected values from the caller's frames or patch the comparison."""

    protected = False

    def __init__(
        self,
        sections: Mapping[str, types.ModuleType] | None = None,
        sources: Mapping[str, SectionFile] | None = None,
        device: str = "cpu",
    ) -> None:
        from grader import probes

        probes.import_all()
        self._probes = probes
        self.files = tempfile.mkdtemp(prefix="grader-exchange-")
        """The exchange folder probes write files in (ProbeContext.files)."""
        self._dispatch = probes.dispatcher(files=self.files)
        self.sections: dict[str, types.ModuleType] = dict(sections or {})
        self.sources = dict(sources or {})
        self.device = device
        self.failed: dict[str, errors.SectionUnavailable] = {}

    def fetch(self, name: str, *, what: str) -> bytes:
        """A file the code wrote in the exchange folder (read as the sandbox reads it)."""
        try:
            return read_without_links([self.files, name], MAX_FETCH_BYTES)
        except FileUnreadable as exc:
            raise errors.InvalidResult(what, f"the file it wrote cannot be read: {exc}") from None

    def verify(self, probe: str, args: dict[str, Any], *, what: str) -> Any:
        """A verifier probe, run here too: in-process grading is unprotected anyway."""
        if probe not in self._probes.VERIFIERS:
            raise ValueError(f"{probe} is not a verifier probe")
        return self.call(probe, args, seed=0, what=what)

    def _ensure_section(self, section: str) -> None:
        if section in self.sections:
            return
        if section in self.failed:
            raise self.failed[section]
        source = self.sources.get(section)
        if source is None or source.text is None:
            reason = source.problem if source is not None else errors.section_not_found(section)
            self.failed[section] = errors.SectionUnavailable(section, reason)
            raise self.failed[section]
        reply = wire.decode(
            self._dispatch(
                self.sections,
                {
                    "op": "load",
                    "section": section,
                    "filename": source.filename,
                    "source": source.text,
                },
                self.device,
            )
        )
        try:
            unwrap(reply, f"importing {source.filename}")
        except errors.GradingFailure as failure:
            if not isinstance(failure, errors.SectionUnavailable):
                failure = errors.SectionUnavailable(section, str(failure))
            self.failed[section] = failure
            raise

    def load(self, section: str) -> None:
        self._ensure_section(section)

    # One process: phases and restarts cannot be separated here (results say "unprotected").
    def set_phase(self, phase: str, *, final: bool = False) -> None:
        pass

    def restart(self) -> None:
        pass

    @property
    def pristine(self) -> bool:
        return True

    inherited = False

    def call(self, probe: str, args: dict[str, Any], *, seed: int, what: str) -> Any:
        if probe not in self._probes.VERIFIERS:
            self._ensure_section(probe.split(".", 1)[0])
        # Round-trip the arguments too, so a probe sees exactly what it would see in a child.
        request = wire.decode(
            wire.encode({"op": "call", "probe": probe, "args": args, "seed": seed, "id": "local"}),
            trusted=True,
        )
        reply = wire.decode(self._dispatch(self.sections, request, self.device))
        return unwrap(reply, what, rid="local", probe=probe)

    def call_apart(self, probe: str, args: dict[str, Any], *, seed: int, what: str) -> Any:
        return self.call(probe, args, seed=seed, what=what)  # one process (unprotected)

    def close(self) -> None:
        shutil.rmtree(self.files, ignore_errors=True)

    def describe(self) -> dict[str, Any]:
        from grader import boundary

        return {
            "transport": "in-process",
            "protected": False,
            "layers": {},
            "boundary": boundary.report(False),
        }
