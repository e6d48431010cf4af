"""Probes: small trusted functions that call student code and return plain data only.

They run where the submission runs (the sandbox child, or the notebook kernel for the in-process
transport). A probe gets a ``ProbeContext`` and keyword arguments decoded from the wire, calls the
student's definitions through ``ctx.run`` (so an exception is attributed to the student's code),
and returns values ``grader.wire`` can encode. ``dispatch`` turns one request into one reply and
never raises: every problem becomes an error reply the parent maps to a ``GradingFailure``.
"""

from __future__ import annotations

import contextlib
import functools
import linecache
import random
import sys
import types
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import torch

from grader import notebooks, wire

ProbeFunction = Callable[..., Any]
PROBES: dict[str, ProbeFunction] = {}
SCHEMAS: dict[str, Any] = {}
VERIFIERS: set[str] = set()
"""Probes that never call student code: they run in a verifier process (no student code there)
and decide facts about files the submission wrote (grader/boundary.py, kind (b))."""


def probe(
    name: str, *, returns: Any, verifier: bool = False
) -> Callable[[ProbeFunction], ProbeFunction]:
    """Register a probe under ``<section>.<what>`` with the shape of its reply (grader.schema)."""

    def register(fn: ProbeFunction) -> ProbeFunction:
        if name in PROBES:
            raise ValueError(f"probe {name} registered twice")
        PROBES[name] = fn
        SCHEMAS[name] = returns
        if verifier:
            VERIFIERS.add(name)
        return fn

    return register


# -- signals raised inside probes; dispatch turns them into error replies ----------------------


class ProbeSignal(Exception):
    """Base of the reasons a probe stops early."""

    kind = wire.ErrorKind.INTERNAL

    def __init__(self, what: str, message: str = "", exc_type: str = "", trace: str = "") -> None:
        super().__init__(message)
        self.what = what
        self.message = message
        self.exc_type = exc_type
        self.trace = trace


class StudentRaised(ProbeSignal):
    kind = wire.ErrorKind.STUDENT


class NotAttemptedSignal(ProbeSignal):
    kind = wire.ErrorKind.NOT_ATTEMPTED


class MissingSignal(ProbeSignal):
    kind = wire.ErrorKind.MISSING


class SectionSignal(ProbeSignal):
    kind = wire.ErrorKind.SECTION


class InvalidSignal(ProbeSignal):
    kind = wire.ErrorKind.INVALID


class ExitSignal(ProbeSignal):
    kind = wire.ErrorKind.EXIT


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)[:2000]
    except BaseException:  # a student exception whose __str__ itself fails
        return "<message could not be shown>"


def _traceback_places(exc: BaseException) -> list[tuple[str, int, str]]:
    """(file name, line number, function name) of each entry of the exception's traceback,
    outermost first: what ``traceback.extract_tb`` gives, read once per entry (it reads each
    frame three times and stats every file, and in the sandbox each frame read is an event the
    audit hook decides; this function is one of its safe consumers: it keeps no frame)."""
    places = []
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        places.append((code.co_filename, tb.tb_lineno, code.co_name))
        tb = tb.tb_next
    return places


def student_trace(exc: BaseException, filenames: set[str]) -> str:
    """The student's own frames of a traceback, innermost last, at most five."""
    places = [place for place in _traceback_places(exc) if place[0] in filenames]
    lines = [
        f"  {filename}, line {lineno}, in {name}: {linecache.getline(filename, lineno).strip()}"
        for filename, lineno, name in places[-5:]
    ]
    return "\n".join(lines)


class TamperedSignal(ProbeSignal):
    kind = wire.ErrorKind.TAMPERED


def exception_text(exc: BaseException, filenames: set[str]) -> tuple[str, str]:
    """(message, the student's own lines) of an exception student code raised on purpose or by
    mistake, for public feedback (the parent never shows them for a hidden check)."""
    return _safe_str(exc)[:400], student_trace(exc, filenames)


class ProbeContext:
    """What a probe may use: the loaded sections, the device, and ``run`` for student calls."""

    def __init__(
        self,
        sections: dict[str, types.ModuleType],
        device: str,
        *,
        tampered: Callable[..., list[str]] | None = None,
        files: str = "",
    ) -> None:
        self.sections = sections
        self.device = device
        self._tampered = tampered
        self._allowed: dict[tuple[int, str], Any] = {}
        self.files = files
        """The exchange folder: files the grader reads from outside this process after the call."""
        self.filenames = {getattr(m, "__file__", "") for m in sections.values()}
        for module in sections.values():
            self.filenames |= STUDENT_FILES.get(module, frozenset())

    def definition(self, section: str, name: str) -> Any:
        """The student's ``section.name``; stops the probe if the section or name is missing."""
        module = self.sections.get(section)
        if module is None:
            raise SectionSignal(section, f"{section}.py is not loaded")
        try:
            return getattr(module, name)
        except AttributeError:
            failed = FAILED_CELLS.get(module, {}).get(name)
            if failed is not None:  # the notebook cell meant to define it raised
                message, exc_type, trace = failed
                raise StudentRaised(
                    f"{section}.{name}", f"not defined, because {message}", exc_type, trace
                ) from None
            raise MissingSignal(f"{section}.{name}", f"{section}.py defines no `{name}`") from None
        except BaseException as exc:
            raise StudentRaised(f"{section}.{name}", _safe_str(exc), type(exc).__name__) from None

    def run(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call student code; any exception it raises is the student's, named by ``what``. Once
        it returns, nothing the probe relies on may have been replaced (``tampered``)."""
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:
            self._check_untampered(what)
            raise self._signal(what, exc) from None
        self._check_untampered(what)
        return result

    @contextlib.contextmanager
    def replacing(self, replacements: list[tuple[Any, str, Any]]) -> Iterator[None]:
        """Inside the block, each ``(owner, name, value)`` is set (a probe that watches what
        student code calls, or simulates GPUs), and the tamper check expects exactly these
        values there; everything is put back on the way out."""
        saved = [(owner, name, getattr(owner, name)) for owner, name, _ in replacements]
        try:
            for owner, name, value in replacements:
                setattr(owner, name, value)
                self._allowed[(id(owner), name)] = value
            yield
        finally:
            for owner, name, value in reversed(saved):
                setattr(owner, name, value)
                self._allowed.pop((id(owner), name), None)

    def _check_untampered(self, what: str) -> None:
        changed = self._tampered(self._allowed) if self._tampered is not None else []
        if changed:
            raise TamperedSignal(what, _changed_text(changed))

    def _signal(self, what: str, exc: BaseException) -> BaseException:
        """The signal an exception from student code becomes."""
        if isinstance(exc, ProbeSignal):
            return exc
        if isinstance(exc, (SystemExit, KeyboardInterrupt)):
            return ExitSignal(what, f"{type(exc).__name__} ({_safe_str(exc)})")
        if isinstance(exc, NotImplementedError) and self._raised_in_student_file(exc):
            return NotAttemptedSignal(what)
        return StudentRaised(
            what, _safe_str(exc), type(exc).__name__, student_trace(exc, self.filenames)
        )

    def _raised_in_student_file(self, exc: BaseException) -> bool:
        places = _traceback_places(exc)
        return bool(places) and places[-1][0] in self.filenames

    def exception_text(self, exc: BaseException) -> tuple[str, str]:
        """(message, the student's own lines) of an exception their code raised."""
        return exception_text(exc, self.filenames)

    def invalid(self, what: str, message: str) -> ProbeSignal:
        """Build the signal for a result the grader cannot use (raise it)."""
        return InvalidSignal(what, message)


# -- loading a section's source ---------------------------------------------------------------

STUDENT_FILES: weakref.WeakKeyDictionary[types.ModuleType, frozenset[str]] = (
    weakref.WeakKeyDictionary()
)
"""Code file names of a section beyond its ``__file__`` (one per notebook cell), so that errors
raised there count as the student's."""

FAILED_CELLS: weakref.WeakKeyDictionary[types.ModuleType, dict[str, tuple[str, str, str]]] = (
    weakref.WeakKeyDictionary()
)
"""For a notebook section: name -> (message, exception type, trace) of the cell that should have
defined it and raised instead."""


def load_section(
    sections: dict[str, types.ModuleType], section: str, filename: str, source: str
) -> dict[str, Any]:
    """Execute a section's source as a fresh module named after the section. Returns a reply."""
    if filename.endswith(".ipynb"):
        return load_notebook_section(sections, section, filename, source)
    module = types.ModuleType(section)
    module.__file__ = filename
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    try:
        code = compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError as exc:
        where = f"line {exc.lineno}" + (f", column {exc.offset}" if exc.offset else "")
        text = (exc.text or "").rstrip()
        return _error(
            wire.ErrorKind.SECTION,
            section,
            f"{filename} has a syntax error at {where}: {exc.msg}",
            "SyntaxError",
            text,
        )
    except (ValueError, RecursionError, MemoryError) as exc:
        return _error(
            wire.ErrorKind.SECTION,
            section,
            f"{filename} could not be compiled: {_safe_str(exc)}",
            type(exc).__name__,
        )
    previous = sys.modules.get(section)
    sys.modules[section] = module
    try:
        exec(code, module.__dict__)
    except (SystemExit, KeyboardInterrupt) as exc:
        sys.modules.pop(section, None)
        if previous is not None:
            sys.modules[section] = previous
        return _error(
            wire.ErrorKind.SECTION,
            section,
            f"{filename} called exit() while being imported",
            type(exc).__name__,
        )
    except BaseException as exc:
        sys.modules.pop(section, None)
        if previous is not None:
            sys.modules[section] = previous
        trace = student_trace(exc, {filename})
        return _error(
            wire.ErrorKind.SECTION,
            section,
            f"importing {filename} raised {type(exc).__name__}: {_safe_str(exc)}",
            type(exc).__name__,
            trace,
        )
    sections[section] = module
    return {"ok": {"section": section}}


def load_notebook_section(
    sections: dict[str, types.ModuleType], section: str, filename: str, script: str
) -> dict[str, Any]:
    """Run a notebook's code cells in order in one fresh module (``grader.notebooks`` made the
    script). A cell that raises does not stop the others: the names it should have defined are
    recorded with its error, so only the items that need them lose points."""
    module = types.ModuleType(section)
    module.__file__ = filename
    files: set[str] = set()
    failed: dict[str, tuple[str, str, str]] = {}
    previous = sys.modules.get(section)
    sys.modules[section] = module
    try:
        for number, code in notebooks.split_script(script):
            cell_file = f"{filename}, cell {number}"
            files.add(cell_file)
            linecache.cache[cell_file] = (len(code), None, code.splitlines(True), cell_file)
            problem = _run_cell(module, code, cell_file, number)
            if problem is not None:
                for name in notebooks.defined_names(code):
                    if name not in failed:
                        failed[name] = problem
    finally:
        sys.modules.pop(section, None)
        if previous is not None:
            sys.modules[section] = previous
    sections[section] = module
    STUDENT_FILES[module] = frozenset(files)
    FAILED_CELLS[module] = failed
    return {"ok": {"section": section}}


def _run_cell(
    module: types.ModuleType, code: str, cell_file: str, number: int
) -> tuple[str, str, str] | None:
    """Compile and run one cell in the module; (message, exception type, trace) if it raised."""
    skipped = " (its IPython-only lines were not run)" if "# not run: IPython-only" in code else ""
    try:
        compiled = compile(code, cell_file, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return (
            f"cell {number} has a syntax error at line {exc.lineno}: {exc.msg}{skipped}",
            "SyntaxError",
            (exc.text or "").rstrip(),
        )
    except (ValueError, RecursionError, MemoryError) as exc:
        return (f"cell {number} could not be compiled: {_safe_str(exc)}", type(exc).__name__, "")
    try:
        exec(compiled, module.__dict__)
    except (SystemExit, KeyboardInterrupt) as exc:
        return (f"cell {number} called exit()", type(exc).__name__, "")
    except BaseException as exc:
        return (
            f"cell {number} raised {type(exc).__name__}: {_safe_str(exc)}{skipped}",
            type(exc).__name__,
            student_trace(exc, {cell_file}),
        )
    return None


def _error(
    kind: wire.ErrorKind, what: str, message: str, exc_type: str = "", trace: str = ""
) -> dict[str, Any]:
    return {
        "error": {
            "kind": kind.value,  # the wire carries plain str
            "what": what,
            "message": message,
            "type": exc_type,
            "trace": trace,
        }
    }


# -- one request, one reply -------------------------------------------------------------------

Dispatch = Callable[[dict[str, types.ModuleType], dict[str, Any], str], bytes]


def dispatcher(*, tampered: Callable[..., list[str]] | None = None, files: str = "") -> Dispatch:
    """A dispatch function: one request in, one encoded reply out, tagged with the request's id;
    it never raises. Bound now to a private copy of the probe table and to the functions it
    calls, so that nothing rebound later in this package changes which probe answers.

    ``tampered`` (in the sandbox child, from ``grader.sandbox.guard``) lists what student code
    replaced in the namespaces probes rely on (and puts it back). It runs after every student call
    (``ProbeContext.run``) and before every reply; anything found turns the reply into a
    "tampered" error: what the probe saw after the change cannot be trusted. ``files`` is the
    exchange folder probes write and read files in (``ProbeContext.files``)."""
    table = types.MappingProxyType(dict(PROBES))
    encode, error, load, safe_str = wire.encode, _error, load_section, _safe_str
    context, seed_all, enable_grad = ProbeContext, _seed_everything, torch.enable_grad

    def call(sections: dict[str, types.ModuleType], request: dict[str, Any], device: str) -> Any:
        name = request["probe"]
        fn = table.get(name)
        if fn is None:
            return error(wire.ErrorKind.INTERNAL, name, f"no probe named {name}")
        seed_all(request.get("seed", 0), device)
        ctx = context(sections, device, tampered=tampered, files=files)
        try:
            with enable_grad():
                return {"ok": fn(ctx, **request.get("args", {}))}
        except ProbeSignal as signal:
            return error(signal.kind, signal.what, signal.message, signal.exc_type, signal.trace)
        except (SystemExit, KeyboardInterrupt) as exc:
            return error(
                wire.ErrorKind.EXIT, name, f"{type(exc).__name__} while inspecting the result"
            )
        except RecursionError:
            return error(
                wire.ErrorKind.INVALID, name, "the result is nested too deeply (recursion)"
            )
        except Exception as exc:
            # Outside ctx.run: usually a student object misbehaving when the probe inspects it.
            return error(
                wire.ErrorKind.INSPECT,
                name,
                f"{type(exc).__name__}: {safe_str(exc)}",
                type(exc).__name__,
            )

    def dispatch(
        sections: dict[str, types.ModuleType], request: dict[str, Any], device: str
    ) -> bytes:
        rid = request.get("id", "") if isinstance(request, dict) else ""
        try:
            op = request.get("op")
            if op == "load":
                reply = load(sections, request["section"], request["filename"], request["source"])
            elif op == "call":
                reply = call(sections, request, device)
            elif op == "ping":
                reply = {"ok": "pong"}
            else:
                reply = error(wire.ErrorKind.INTERNAL, str(op), f"unknown request {op!r}")
            changed = tampered({}) if tampered is not None else []
            if changed:
                reply = error(
                    wire.ErrorKind.TAMPERED, str(request.get("probe", op)), _changed_text(changed)
                )
            try:
                return encode({"id": rid, **reply})
            except wire.WireError as exc:
                return encode(
                    {
                        "id": rid,
                        **error(wire.ErrorKind.INVALID, request.get("probe", "probe"), str(exc)),
                    }
                )
        except BaseException as exc:  # a probe bug, or student code that escaped ctx.run
            return encode(
                {
                    "id": rid,
                    **error(
                        wire.ErrorKind.INTERNAL, "probe", f"{type(exc).__name__}: {safe_str(exc)}"
                    ),
                }
            )

    return dispatch


def _changed_text(changed: list[str]) -> str:
    shown = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
    return f"your code replaced {shown}"


def _seed_everything(seed: int, device: str) -> None:
    random.seed(seed)
    # Not torch.manual_seed: it also queues a lazy CUDA seeding that formats the whole stack (and
    # so reads every source file on it) on each call, which dominated the cost of a probe.
    torch.default_generator.manual_seed(seed)
    if device.startswith("cuda"):
        torch.cuda.manual_seed_all(seed)


@functools.cache
def import_all() -> None:
    """Import every section's probes (the zygote does this before forking). Cached: the parent
    calls it per reply to have every reply schema registered."""
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
