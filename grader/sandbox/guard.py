"""What keeps the child's own observations out of the submission's reach (facts of kind (c)).

Student code and probes share one process; a probe that looks at an object after student code ran
(is it the same object, was autograd on) must not be deceivable by that code. Applied in the child
after containment and before the first student line, each layer proven by a canary:

- **grader_unreachable**: every ``grader`` module leaves ``sys.modules`` (``__main__``, the zygote's
  script, is replaced by an empty module) and importing one is refused: student code finds no probe
  table, no reply encoder, no request to forge a reply to. The probes keep working through the
  references they already hold.
- **audit_hook**: ``sys.addaudithook`` with a hook Python code cannot remove or reach. While student
  code is on the stack it refuses what reads or rewrites the grader's running state: frames
  (``sys._getframe``, ``tb_frame``/``gi_frame``/``cr_frame``/``ag_frame``, ``f_code``,
  ``sys._current_frames``), the object graph (``gc.get_objects``/``get_referrers``/``get_referents``),
  ``ctypes``, building code or functions (``code.__new__``, ``function.__new__``, ``compile`` under
  a trusted file name), tracing and profiling, more audit hooks, and attribute changes on types and
  functions that are not the student's. Honest code keeps working: the decision is by who asks,
  not by the event alone — ``collections.namedtuple``, ``typing``, ``enum``, ``logging``,
  ``warnings`` and ``dataclasses`` look at their caller's frame and are allowed to
  (``SAFE_FRAME_CONSUMERS``); torch's lazy modules change their own class (``SAFE_SETATTR``).
- **tamper_check**: the namespaces probes rely on (``builtins``, torch and its ``nn`` modules, the
  standard modules probes use, the grader's own modules, the classes of tensors and modules) are
  snapshotted; after every student call and before every reply the child verifies nothing in them
  was replaced or removed. If something was, it is put back and the check fails ("your code
  replaced torch.nn.functional.linear"): what the probe saw afterwards cannot be trusted.

Frames also reach Python through signal handlers and other threads; the seccomp filter
(``grader.sandbox.seccomp``) refuses installing handlers and starting threads, and Landlock keeps
``/proc/self/mem`` unreadable. torch's frame evaluation callback (torch._dynamo's, which hands Python
every frame about to run with no audit event) is refused by ``grader.observers``. What remains
possible, and why it is not enough to change a grade, is in ``grader/boundary.py``.
"""

from __future__ import annotations

import operator
import os
import sys
import types
from collections.abc import Callable, Iterable
from typing import Any

from grader.observers import ObserverRefused

# Events watched while student code is on the stack (plus every "ctypes." event).
FRAME_EVENTS = frozenset(
    {"sys._getframe", "sys._current_frames", "sys._current_exceptions", "sys._getframemodulename"}
)
GRAPH_EVENTS = frozenset({"gc.get_objects", "gc.get_referrers", "gc.get_referents"})
CODE_EVENTS = frozenset({"code.__new__", "function.__new__"})
TRACE_EVENTS = frozenset(
    {
        "sys.settrace",
        "sys.setprofile",
        "sys.monitoring.register_callback",
        "sys.monitoring.use_tool_id",
    }
)
FRAME_ATTRIBUTES = frozenset(
    {"tb_frame", "gi_frame", "cr_frame", "ag_frame", "f_code", "gi_code", "cr_code", "ag_code"}
)
WATCHED = (
    FRAME_EVENTS
    | GRAPH_EVENTS
    | CODE_EVENTS
    | TRACE_EVENTS
    | {
        "object.__getattr__",
        "object.__setattr__",
        "object.__delattr__",
        "compile",
        "import",
        "sys.addaudithook",
    }
)
# Modules nobody may import once student code can run: the grader's own, and CPython's test
# helpers (they poke at interpreter internals).
REFUSED_IMPORTS = ("grader", "_testcapi", "_testinternalcapi", "_testbuffer", "_testmultiphase")

# Frame *returners*: library functions that hand a frame to their caller. Between the event and
# the code that gets the frame there may be several; the decision is about that code.
FRAME_RETURNERS = frozenset(
    {
        ("inspect.py", "currentframe"),
        ("inspect.py", "stack"),
        ("inspect.py", "getouterframes"),
        ("inspect.py", "trace"),
        ("inspect.py", "getinnerframes"),
        ("traceback.py", "walk_stack"),
        ("traceback.py", "walk_tb"),
        ("traceback.py", "format_stack"),  # it keeps text only; its caller decides
        ("traceback.py", "extract_stack"),
        ("traceback.py", "extract"),
        ("traceback.py", "_extract_from_extended_frame_gen"),
        ("traceback.py", "<genexpr>"),
        ("__init__.py", "<lambda>"),  # logging.currentframe
    }
)
# Code that reads its caller's frame for a module name or a source position and keeps nothing:
# allowed to, even while student code is on the stack (students use these honestly).
SAFE_FRAME_CONSUMERS = frozenset(
    {
        ("__init__.py", "namedtuple"),  # collections
        ("typing.py", "_caller"),
        ("typing_extensions.py", "_caller"),
        ("typing_extensions.py", "_has_generic_or_protocol_as_origin"),
        ("typing.py", "TypeVar"),
        ("typing.py", "__init__"),
        ("typing.py", "NamedTuple"),
        ("typing.py", "TypedDict"),
        ("typing.py", "NewType"),
        ("typing.py", "ParamSpec"),
        ("enum.py", "_create_"),
        ("enum.py", "__call__"),
        ("enum.py", "_make_class_unpicklable"),
        ("__init__.py", "findCaller"),  # logging
        ("warnings.py", "warn"),
        ("warnings.py", "_next_external_frame"),
        ("dataclasses.py", "make_dataclass"),
        ("abc.py", "__new__"),
        # torch.cuda queues its lazy seeding with the formatted stack (text, for an error
        # message): torch.manual_seed in honest code, on a machine with or without CUDA.
        ("__init__.py", "_lazy_call"),
        # The sealed observer checks which code sent it a message (grader.observers).
        ("observers.py", "callers"),
        # Probes name the student's lines of a traceback (grader.probes; text only).
        ("__init__.py", "_traceback_places"),
    }
)
# Library code that changes the class of an object of its own kind (a LazyLinear becomes a
# Linear, an UninitializedParameter a Parameter).
SAFE_CLASS_CHANGES = frozenset(
    {
        ("lazy.py", "_infer_parameters"),
        ("parameter.py", "materialize"),
        ("_config_module.py", "install_config_module"),  # torch._dynamo's config modules
    }
)
# __setattr__ methods an assignment passes through on its way to object.__setattr__.
SETATTR_PASS_THROUGH = frozenset({("module.py", "__setattr__")})


class Refused(RuntimeError):
    """What student code gets when it reaches for the grader's running state."""


def trusted_roots() -> tuple[str, ...]:
    """Folders whose code is the Python installation's, torch's or the grader's own."""
    import site
    import sysconfig

    paths = {
        sysconfig.get_paths()["stdlib"],
        sysconfig.get_paths()["platstdlib"],
        *site.getsitepackages(),
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))),  # the grader package
    }
    for name in ("torch", "numpy"):
        module = sys.modules.get(name)
        if module is not None and getattr(module, "__file__", None):
            paths.add(os.path.dirname(os.path.dirname(os.path.abspath(module.__file__))))
    roots = sorted({os.path.join(os.path.realpath(p), "") for p in paths if p})
    return (*roots, "<frozen ")


def _where(code: types.CodeType, _plain: Callable[[str], str] = str.__str__) -> tuple[str, str]:
    """(file's base name, function name) of ``code``, as plain strings. A code object compiled by
    student code may carry a ``str`` subclass as its file name, whose methods are the student's:
    ``str.__str__`` copies it into a plain ``str`` without calling any of them."""
    filename = _plain(code.co_filename)
    return filename[filename.rfind("/") + 1 :], _plain(code.co_name)


_KNOWN_TYPES: tuple[type, ...] = ()
"""Every class that existed when ``remember_known_types`` last ran (in the zygote, before its
forks): kept alive here, so that their ids stay theirs."""
_KNOWN_TYPE_IDS: frozenset[int] = frozenset()


def remember_known_types() -> None:
    """Record every class that exists now (torch's, the standard library's, the grader's): none of
    them is ever the student's, whatever its ``__module__`` says later."""
    global _KNOWN_TYPES, _KNOWN_TYPE_IDS
    seen: dict[int, type] = {}
    pending: list[type] = [object]
    while pending:
        cls = pending.pop()
        for sub in type.__subclasses__(cls):
            if id(sub) not in seen:
                seen[id(sub)] = sub
                pending.append(sub)
    seen[id(object)] = object
    _KNOWN_TYPES = tuple(seen.values())
    _KNOWN_TYPE_IDS = frozenset(seen)


def make_audit_hook(
    roots: tuple[str, ...], student_modules: frozenset[str]
) -> Callable[[str, tuple[Any, ...]], None]:
    """The hook. Everything it uses is bound here: nothing it reads can be changed from Python.

    It never hands control to student code: it looks at objects only through C-level accessors
    (``type(x) is``, ``issubclass`` on types, ``type``'s own ``__module__`` and ``__qualname__``
    getters, ``str.__str__`` for strings that may be subclasses), never through ``isinstance``
    (which asks the object for its ``__class__``), a metaclass's attributes or a string's methods.
    And should some student code still run while it decides (a ``__eq__`` met in a dictionary
    lookup), nothing watched is allowed to that code: only the hook's own ``sys._getframe`` and
    ``f_code`` reads pass while it decides. (Without both, code run inside the hook once reached
    its frames and marked itself trusted: the whole guard was off.)"""
    getframe = sys._getframe
    startswith = str.startswith
    plain = str.__str__
    is_subclass = issubclass
    where, refused_error = _where, Refused
    idle, framing, deciding = 0, 1, 2
    phase = [idle]
    trusted: dict[types.CodeType, bool] = {}
    places: dict[types.CodeType, tuple[str, str]] = {}
    watched = WATCHED
    frame_events = FRAME_EVENTS
    frame_attributes = FRAME_ATTRIBUTES
    refused_imports = REFUSED_IMPORTS
    returners = FRAME_RETURNERS
    safe_consumers = SAFE_FRAME_CONSUMERS
    safe_class_changes = SAFE_CLASS_CHANGES
    pass_through = SETATTR_PASS_THROUGH
    function_type, type_type, str_type = types.FunctionType, type, str
    type_of, identity, length = type, id, len  # not looked up in builtins, which code can replace
    module_of = type.__dict__["__module__"].__get__
    qualname_of = type.__dict__["__qualname__"].__get__
    if not _KNOWN_TYPE_IDS:
        remember_known_types()
    known_types = _KNOWN_TYPE_IDS

    def refuse(what: str, requester: Any = None) -> Refused:
        asked = ""
        if requester is not None:
            filename, function = where(requester.f_code)
            asked = f" (asked by {function} in {filename})"
        return refused_error(
            f"the grader's sandbox does not allow {what}{asked} while your code runs "
            "(it would let code read or change how the grader observes it)"
        )

    def text(value: Any) -> str:
        return plain(value) if is_subclass(type_of(value), str_type) else "?"

    def is_trusted(code: types.CodeType) -> bool:
        known = trusted.get(code)
        if known is None:
            known = trusted[code] = startswith(code.co_filename, roots)
        return known

    def place(code: types.CodeType) -> tuple[str, str]:
        """``where(code)``, worked out once per code object (the hook asks it of the same few
        frames again and again: a watched call's checks, a traceback walk)."""
        known = places.get(code)
        if known is None:
            known = places[code] = where(code)
        return known

    def student_on_stack(frame: Any) -> bool:
        while frame is not None:
            if not is_trusted(frame.f_code):
                return True
            frame = frame.f_back
        return False

    def consumer(frame: Any) -> Any:
        """The first frame above the frame returners (the code that ends up with the frame)."""
        while frame is not None and place(frame.f_code) in returners and is_trusted(frame.f_code):
            frame = frame.f_back
        return frame

    def student_owned(kind: type) -> bool:
        """A class the student's code made: not one that existed before it ran (whatever its
        ``__module__`` says now), and defined in one of its sections."""
        if identity(kind) in known_types:
            return False
        module = module_of(kind)
        return type_of(module) is str_type and module in student_modules

    def forbidden(event: str, args: tuple[Any, ...], requester: Any) -> str | None:
        """What the event would let student code do to the grader's state, or None where it is
        harmless whoever asks. Decided before the walk up the stack, which costs more."""
        if event == "object.__getattr__":
            if args[1] not in frame_attributes:
                return None
            event = f"reading .{args[1]}"
        elif event in ("object.__setattr__", "object.__delattr__"):
            # Raised for the attributes that change behaviour: a function's __code__,
            # __defaults__, __kwdefaults__; a class's __bases__, __class__ (its metaclass) and
            # names; an object's __class__.
            target, name = args[0], text(args[1])
            if type_of(target) is function_type:
                if not is_trusted(target.__code__):
                    return None  # the student's own function
                return f"changing {text(target.__qualname__)}.{name}"
            if is_subclass(type_of(target), type_type):
                if name == "__module__":
                    # A class made since (a namedtuple, an enum) may be named after the student's
                    # module; one that existed before may not become the student's.
                    return (
                        None
                        if identity(target) not in known_types
                        else f"changing {text(qualname_of(target))}.__module__"
                    )
                if name not in ("__bases__", "__class__") or student_owned(target):
                    return None
                return f"changing {text(qualname_of(target))}.{name}"
            if name != "__class__":
                return None
            setter = requester
            while (
                setter is not None
                and place(setter.f_code) in pass_through
                and is_trusted(setter.f_code)
            ):
                setter = setter.f_back
            if student_owned(type_of(target)) or (
                setter is not None
                and is_trusted(setter.f_code)
                and place(setter.f_code) in safe_class_changes
            ):
                return None
            return f"changing the class of a {text(qualname_of(type_of(target)))}"
        elif event == "compile":
            filename = text(args[1]) if length(args) > 1 else ""
            if not (startswith(filename, roots) and not is_trusted(requester.f_code)):
                return None
            if place(requester.f_code)[0].startswith("<frozen importlib"):
                return None
            return f"compiling code under the file name {filename}"
        if event in frame_events or event.startswith("reading"):
            taker = consumer(requester)
            if (
                taker is not None
                and is_trusted(taker.f_code)
                and place(taker.f_code) in safe_consumers
            ):
                return None
        return event

    def decide(event: str, args: tuple[Any, ...], requester: Any) -> None:
        if event == "import":
            name = text(args[0])
            if name.split(".", 1)[0] in refused_imports:
                raise refuse(f"importing {name}")
            return
        if event == "sys.addaudithook":
            raise refuse("another audit hook")
        what = forbidden(event, args, requester)
        if what is not None and student_on_stack(requester):
            raise refuse(what, requester)

    def hook(event: str, args: tuple[Any, ...]) -> None:
        now = phase[0]
        if now:
            # Raised while the hook itself works: its own sys._getframe (framing) and its reads
            # of frames' f_code (deciding) pass. Anything else watched comes from code the hook
            # did not mean to run: refused, whoever it is.
            if now == framing:
                return
            if event == "object.__getattr__" and (
                args[1] == "f_code" or args[1] not in frame_attributes
            ):
                return
            if event not in watched and not startswith(event, "ctypes."):
                return
            raise refused_error(
                f"the grader's sandbox does not allow {event} from code run while it checks "
                "another action"
            )
        if event not in watched and not startswith(event, "ctypes."):
            return
        if event == "object.__getattr__" and args[1] not in frame_attributes:
            return
        phase[0] = framing
        try:
            requester = getframe(1)
            phase[0] = deciding
            decide(event, args, requester)
        finally:
            phase[0] = idle

    return hook


# -- the probe table and the grader's modules --------------------------------------------------------


def hide_grader_modules() -> list[str]:
    """Take every grader module out of ``sys.modules`` (and the zygote's ``__main__``)."""
    gone = [name for name in sys.modules if name == "grader" or name.startswith("grader.")]
    for name in gone:
        del sys.modules[name]
    main = types.ModuleType("__main__")
    sys.modules["__main__"] = main
    return gone


# -- tamper checks ------------------------------------------------------------------------------

WATCHED_MODULES = (
    "builtins",
    "torch",
    "torch.nn",
    "torch.nn.functional",
    "torch.nn.init",
    "torch.nn.parameter",
    "torch.nn.modules.module",
    "torch.nn.modules.linear",
    "torch.nn.modules.lazy",
    "torch.nn.modules.container",
    "torch.nn.modules.activation",
    "torch.serialization",
    "torch.overrides",
    "torch.autograd",
    "torch.autograd.grad_mode",
    "torch.random",
    "torch.cuda",
    "torch._tensor",
    "torch.optim",
    "torch.optim.optimizer",
    # The standard modules probe code calls after student code ran.
    "os",
    "posixpath",
    "copy",
    "operator",
    "functools",
    "io",
    "contextlib",
    "traceback",
    "warnings",
)


def watched_types() -> list[type]:
    import torch
    from torch import nn

    return [
        torch.Tensor,
        nn.Parameter,
        nn.parameter.UninitializedParameter,
        nn.Module,
        nn.Linear,
        nn.LazyLinear,
        nn.modules.lazy.LazyModuleMixin,
        nn.Sequential,
        nn.ModuleList,
        nn.ModuleDict,
        nn.ReLU,
        nn.Tanh,
        nn.Dropout,
        nn.BatchNorm1d,
        nn.Conv2d,
        nn.Bilinear,
        torch.optim.Optimizer,
        torch.optim.SGD,
        torch.optim.Adam,
    ]


def _behaviour(value: Any) -> bool:
    """Whether a namespace entry is behaviour (a function, class or module) rather than state: a
    module's state (tempfile.tempdir, warnings.filters, torch.cuda._initialized) changes in
    honest use; its functions and classes do not."""
    return callable(value) or isinstance(value, types.ModuleType)


class Snapshot:
    """Identity snapshot of namespaces: ``changed()`` lists what was replaced or removed since
    (and puts it back). Additions are ignored: they change no existing lookup.

    The check runs after every student call. Where the interpreter keeps PEP 509 dictionary
    versions (CPython up to 3.11: every insertion, replacement and deletion gives the dict a new,
    never reused version), a namespace whose version has not moved since it was last found intact
    is skipped without reading its entries; any change at all (state too) sends it to the full
    identity comparison. Elsewhere every entry is compared every time."""

    def __init__(self, namespaces: Iterable[tuple[str, Any, Any]]) -> None:
        self._entries = []
        dicts = []
        for label, namespace, owner in namespaces:
            keys = tuple(k for k, v in namespace.items() if _behaviour(v))
            if not keys:
                continue
            values = [namespace[k] for k in keys]
            # One C call reads every watched entry (a tuple even for one key).
            read = operator.itemgetter(*keys, keys[0])
            self._entries.append((label, namespace, owner, keys, values, read))
            dicts.append(_underlying_dict(namespace))
        self._versions = dict_versions(dicts)
        """One reader per namespace (``.value``: its dict's version now), or None."""
        self._seen = [v.value for v in self._versions] if self._versions is not None else []
        """Each namespace's version when it was last found intact."""
        # Bound now: the check must not use what it checks.
        self._is, self._all, self._map, self._zip = operator.is_, all, map, zip
        self._setattr = type.__setattr__
        self._enumerate = enumerate
        self._torch_wrappers = _torch_wrappers()
        self._function = types.FunctionType

    @property
    def uses_versions(self) -> bool:
        return self._versions is not None

    def _torch_rewrap(self, now: Any, value: Any) -> bool:
        """Whether ``now`` is one of torch's own wrappers around ``value`` itself: importing
        ``torch._dynamo`` wraps ``torch.manual_seed`` (the zygote's warm-up does after the
        snapshot, honest code that steps an optimizer does too) and building an optimizer wraps
        its class's ``step``. A plain function with torch's wrapper code, torch's globals and the
        original in its closure is that wrapper: student code cannot build a function (the audit
        hook refuses it) and a function's globals cannot be changed."""
        if type(now) is not self._function:
            return False
        for code, namespace, cell in self._torch_wrappers:
            if now.__code__ is code and now.__globals__ is namespace:
                try:
                    return now.__closure__[cell].cell_contents is value
                except (TypeError, IndexError, ValueError):  # no closure, or an empty cell
                    return False
        return False

    def changed(self, allowed: dict[tuple[int, str], Any] | None = None) -> list[str]:
        """What was replaced or removed (each put back as it was). ``allowed``: (id of the
        module or class, name) -> the value a probe itself put there for the moment."""
        is_, all_, map_ = self._is, self._all, self._map
        versions, seen = self._versions, self._seen
        found: list[str] = []
        if versions is not None and [v.value for v in versions] == seen:
            return found  # no namespace changed at all (the usual answer): one pass, no entries
        for position, (label, namespace, holder, keys, values, read) in self._enumerate(
            self._entries
        ):
            if versions is not None:
                version = versions[position].value
                if version == seen[position]:
                    continue  # not modified at all since it was last found intact
            before = len(found)
            try:
                intact = all_(map_(is_, read(namespace), values))
            except KeyError:  # something was removed: the comparison below says what
                intact = False
            if not intact:
                self._compare(label, namespace, holder, keys, values, allowed, found)
            if versions is not None and len(found) == before:
                # Intact as of the version read before comparing: any later change moves it.
                seen[position] = version
        return found

    def _compare(
        self,
        label: str,
        namespace: Any,
        holder: Any,
        keys: tuple[str, ...],
        values: list[Any],
        allowed: dict[tuple[int, str], Any] | None,
        found: list[str],
    ) -> None:
        get = namespace.get
        for index, (key, value) in self._enumerate(self._zip(keys, values)):
            now = get(key)
            if now is value or (allowed and allowed.get((id(holder), key), value) is now):
                continue
            if self._torch_rewrap(now, value):
                values[index] = now  # torch's own change: the new entry is the one to keep
                continue
            found.append(f"{label}.{key}")
            if isinstance(holder, type):  # a class: through type.__setattr__ (we are grader code)
                self._setattr(holder, key, value)
            else:
                namespace[key] = value


def _underlying_dict(namespace: Any) -> dict[str, Any] | None:
    """The dict itself: a module's ``__dict__`` is one; a class's is a read-only proxy of one."""
    if type(namespace) is dict:
        return namespace
    import gc

    inner = [r for r in gc.get_referents(namespace) if type(r) is dict]
    return inner[0] if len(inner) == 1 else None


# PEP 509 (CPython 3.6-3.11): PyDictObject is {ob_refcnt, ob_type, ma_used, ma_version_tag, ...}.
_VERSION_OFFSET = 3 * 8


def dict_versions(dicts: list[dict[str, Any] | None]) -> list[Any] | None:
    """A reader of each dict's PEP 509 version, or None where this interpreter has none that can
    be trusted: not CPython 3.6-3.11, a layout other than the one expected, or a version that does
    not move on every kind of change (each proven on scratch dicts first). The readers are made
    here, in grader code before any student code runs; reading ``.value`` later raises no audit
    event."""
    import ctypes
    import platform

    if (
        platform.python_implementation() != "CPython"
        or not (3, 6) <= sys.version_info[:2] <= (3, 11)
        or ctypes.sizeof(ctypes.c_void_p) != 8
        or any(d is None for d in dicts)
    ):
        return None

    def reader(d: dict[str, Any]) -> Any:
        return ctypes.c_uint64.from_address(id(d) + _VERSION_OFFSET)

    def used(d: dict[str, Any]) -> int:
        return ctypes.c_ssize_t.from_address(id(d) + 2 * 8).value

    scratch: dict[str, Any] = {"a": 1, "b": 2}
    version = reader(scratch)
    seen = set()

    def moved() -> bool:
        now = version.value
        fresh = now not in seen and now != 0
        seen.add(now)
        return fresh

    moved()
    changes = (
        lambda: scratch.__setitem__("a", object()),  # replace
        lambda: scratch.__delitem__("b"),  # delete
        lambda: scratch.update(a=object()),  # update
        lambda: scratch.pop("a"),  # pop
        lambda: scratch.setdefault("c", object()),  # insert
        lambda: scratch.clear(),  # clear
    )
    for change in changes:
        change()
        if not moved() or used(scratch) != len(scratch):
            return None
    scratch["d"] = 1
    moved()
    scratch.get("d"), list(scratch.items()), "d" in scratch  # reads
    if version.value not in seen or version.value != max(seen):
        return None
    return [reader(d) for d in dicts]  # type: ignore[arg-type]


def _torch_wrappers() -> tuple[tuple[Any, Any, int], ...]:
    """The wrappers torch itself puts around its own functions in honest use, each as (code
    object, globals, index of the closure cell holding the wrapped function), found without side
    effects: ``torch._disable_dynamo``'s (importing ``torch._dynamo`` wraps ``torch.manual_seed``)
    and ``Optimizer.profile_hook_step``'s (building an optimizer wraps its class's ``step`` once)."""
    torch = sys.modules.get("torch")
    makers = (
        getattr(torch, "_disable_dynamo", None),
        getattr(
            getattr(getattr(torch, "optim", None), "Optimizer", None), "profile_hook_step", None
        ),
    )
    found = []
    for make in makers:
        try:
            sample = make(len)  # type: ignore[misc]
            cells = [cell.cell_contents for cell in sample.__closure__]
            found.append((sample.__code__, sample.__globals__, cells.index(len)))
        except Exception:  # another torch: no allowance for it, every change is reported
            pass
    return tuple(found)


def snapshot(grader_modules: Iterable[types.ModuleType]) -> Snapshot:
    namespaces: list[tuple[str, Any, Any]] = []
    for name in WATCHED_MODULES:
        module = sys.modules.get(name)
        if module is not None:
            namespaces.append((name, module.__dict__, module))
    for module in grader_modules:
        namespaces.append((module.__name__, module.__dict__, module))
    for cls in watched_types():
        namespaces.append((f"{cls.__module__}.{cls.__qualname__}", cls.__dict__, cls))
    return Snapshot(namespaces)


# -- installing it all in the child ---------------------------------------------------------------

CANARY_FILE = "<sandbox canary>"
"""The file name canary code runs under: outside every trusted root, so it counts as student code."""


_COMPILED: dict[str, types.CodeType] = {}
"""Canary code compiled in the zygote (warm_up): a child runs it without compiling it again."""


def _run_as_student(source: str) -> dict[str, Any]:
    """Run ``source`` the way a submission's code runs: in a module named like a section, from a
    file name outside every trusted root."""
    module = types.ModuleType("modules")
    previous = sys.modules.get("modules")
    sys.modules["modules"] = module
    code = _COMPILED.get(source)
    try:
        exec(code or compile(source, CANARY_FILE, "exec"), module.__dict__)
    finally:
        if previous is None:
            del sys.modules["modules"]
        else:
            sys.modules["modules"] = previous
    return module.__dict__


def _refused(source: str) -> str | None:
    """None if ``source``, run as student code, is refused by the guard; else what happened."""
    try:
        _run_as_student(source)
    except (Refused, ObserverRefused):
        return None
    except Exception as exc:
        return f"failed otherwise ({type(exc).__name__}: {exc})"
    return "was allowed"


# Forbidden actions the audit hook must refuse (negative canaries), and honest code it must
# let through (positive canaries).
HOOK_CANARIES = {
    "sys._getframe": "import sys\nsys._getframe()",
    "a traceback's frame": "import sys\ntry:\n    1 / 0\nexcept ZeroDivisionError as e:\n    e.__traceback__.tb_frame",
    "gc.get_objects": "import gc\ngc.get_objects()",
    "ctypes": "import ctypes\nctypes.string_at(id(0), 1)",
    "code construction": "(lambda: 0).__code__.replace(co_name='x')",
    "sys.settrace": "import sys\nsys.settrace(None)",
    "changing a torch function's code": "import torch.nn.functional as F\n"
    "F.relu.__code__ = (lambda x: x).__code__",
    "changing the class of a torch object": "import torch\n"
    "class T(torch.nn.Linear):\n    pass\n"
    "torch.nn.Linear(2, 2).weight.__class__ = T",
    "importing the grader": "import grader",
    "traceback.format_stack": "import traceback\ntraceback.format_stack()",
    # grader.observers: frames handed to Python by torch's frame evaluation callback, and
    # code compiled where no torch function mode sees it.
    "torch's frame evaluation callback": "import torch\n"
    "torch._C._dynamo.eval_frame.set_eval_frame(print)",
    "compiling TorchScript": "import torch\ntorch.jit.CompilationUnit('def f(x: int) -> int:\\n    return x\\n')",
}
HONEST_CANARIES = (
    "import collections\ncollections.namedtuple('Point', 'x y')",
    "import typing\ntyping.TypeVar('T')",
    "import dataclasses\n@dataclasses.dataclass\nclass D:\n    a: int = 1",
    "import enum\nenum.Enum('Colour', 'red green')",
    "import torch\nfrom torch import nn\nm = nn.LazyLinear(3)\nm(torch.zeros(2, 4))",
    "import torch\ntorch.manual_seed(0)",
)


REPORTED_AS = ("grader_unreachable", "audit_hook", "tamper_check")
"""The layers a child's report names for the one ``guard`` switch (each has its own canary)."""


def warm_up() -> None:
    """In the zygote, before its first fork: pay the first-use costs of what every child's canaries
    and probes run (lazy imports and caches behind a dataclass, a lazy module's first call,
    torch.manual_seed's stack formatting, torch.save/load, the layers probes build: see
    _torch_workload), once instead of in every child, and compile the canaries.
    A child's canaries then take the paths an honest submission's first use takes in that child:
    both inherit the same warm caches. Nothing is written to disk and CUDA is not touched; source
    lines of grader files read on the way are dropped again (children cannot read those files)."""
    import linecache
    import warnings

    import torch

    for source in (*HOOK_CANARIES.values(), *HONEST_CANARIES):
        _COMPILED[source] = compile(source, CANARY_FILE, "exec")
    state = torch.random.get_rng_state()
    queued = getattr(torch.cuda, "_queued_calls", None)
    pending = len(queued) if isinstance(queued, list) else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a lazy module's warning stays for the child to give
        for source in HONEST_CANARIES:
            try:
                _run_as_student(source)
            except Exception:  # the child's canary will say what is wrong
                pass
        _torch_workload(torch)
    torch.random.set_rng_state(state)
    if pending is not None:
        del queued[pending:]  # the lazy CUDA seeding manual_seed queued (with the zygote's stack)
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    grader_files = (os.path.join(package, ""), os.path.join(os.path.realpath(package), ""))
    for filename in list(linecache.cache):
        if filename.startswith(grader_files):
            linecache.cache.pop(filename, None)


def _torch_workload(torch: Any) -> None:
    """What probes and honest code do with torch in every child, once: the first call of each is
    several times slower than the next (lazy imports, dispatch caches, BatchNorm's and Conv2d's
    kernels: ~60 ms in all), and a child forked afterwards starts with them warm. Results do not
    depend on it: every probe call seeds the generators itself."""
    import copy
    import io

    from torch import nn

    X = torch.randn(5, 4)
    net = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.BatchNorm1d(6), nn.Tanh(), nn.Linear(6, 2))
    net(X).sum().backward()
    net.eval()
    with torch.no_grad():
        net(X)
    nn.Dropout(0.5)(X)
    nn.Bilinear(4, 4, 2)(X, X)
    nn.LazyLinear(3)(X)
    nn.Conv2d(1, 2, 3)(torch.randn(1, 1, 5, 5))
    nn.ModuleDict({"a": nn.ModuleList([copy.deepcopy(net)])})
    net.load_state_dict(net.state_dict())
    for init in (nn.init.xavier_uniform_, nn.init.kaiming_normal_, nn.init.kaiming_uniform_):
        init(torch.empty(3, 4))
    nn.init.normal_(torch.empty(3, 4), 0.0, 0.01)
    nn.init.constant_(torch.empty(3, 4), 1.0)
    nn.init.zeros_(torch.empty(2))
    buffer = io.BytesIO()
    torch.save({"state": net.state_dict(), "values": [torch.arange(3)]}, buffer)
    buffer.seek(0)
    torch.load(buffer, weights_only=True)


def warm_optimizers() -> None:
    """In the zygote, once torch._dynamo is imported (the zygote's warm step, after its first
    child: an optimizer imports it otherwise, a second in every child): build and step the
    optimizers honest code uses, so that children start with them warm. Building one wraps its
    class's ``step`` (torch's own wrapper, which the tamper check recognises)."""
    import torch
    from torch import nn

    state = torch.random.get_rng_state()
    net = nn.Linear(3, 2)
    for make in (torch.optim.SGD, torch.optim.Adam):
        optimizer = make(net.parameters(), lr=0.1)
        net(torch.randn(4, 3)).sum().backward()
        optimizer.step()
        optimizer.zero_grad()
        optimizer.load_state_dict(optimizer.state_dict())
    torch.random.set_rng_state(state)


def install(
    config: dict[str, Any], layers: dict[str, str], files: str, taken: Snapshot | None = None
) -> Any:
    """Seccomp, the grader out of reach, the tamper check and the audit hook, each with its canary
    (recorded in ``layers``). Returns the dispatch function the child serves requests with."""
    from grader import probes
    from grader.sandbox import seccomp

    switches = config["layers"]
    check = None
    if switches.get("guard", True):
        check = taken or snapshot(
            [m for n, m in sys.modules.items() if (n == "grader" or n.startswith("grader.")) and m]
        )
    dispatch = probes.dispatcher(tampered=check.changed if check is not None else None, files=files)

    if switches.get("seccomp", True):
        try:
            seccomp.install(threads=config["device"].startswith("cuda"))
        except OSError as exc:
            layers["seccomp"] = f"unavailable: {exc.strerror or exc}"
        else:
            layers["seccomp"] = _seccomp_canary()
    else:
        layers["seccomp"] = "disabled"

    if check is None:
        for layer in REPORTED_AS:
            layers[layer] = "disabled"
        return dispatch
    hide_grader_modules()
    sys.addaudithook(make_audit_hook(tuple(config["trusted_roots"]), frozenset(config["sections"])))
    layers["grader_unreachable"] = (
        "active"
        if not any(n == "grader" or n.startswith("grader.") for n in sys.modules)
        and _refused(HOOK_CANARIES["importing the grader"]) is None
        else "failed canary: a grader module can still be reached"
    )
    problems = [
        f"{what} {outcome}"
        for what, source in HOOK_CANARIES.items()
        if (outcome := _refused(source)) is not None
    ]
    layers["audit_hook"] = "active" if not problems else "failed canary: " + "; ".join(problems)
    layers["tamper_check"] = _tamper_canary(check)
    if config.get("prove_honest", True):
        # Positive canaries: the same box from the same zygote state gives the same answer, so
        # the transport asks for them in a submission's first child on each device only.
        layers["honest_code"] = honest_code_canary(
            files, config["device"], config.get("fresh_module")
        )
    return dispatch


# Torch submodules nothing imports on the way: the zygote names the first one it finds (and has
# not imported), and each child imports it, reading the installation from inside the box.
FRESH_MODULES = ("torch.utils.show_pickle", "torch.utils.bundled_inputs", "torch.utils.hipify")


def fresh_module() -> str | None:
    """For the zygote: a torch submodule that exists and is not imported yet."""
    import importlib.util

    for name in FRESH_MODULES:
        if name not in sys.modules and importlib.util.find_spec(name) is not None:
            return name
    return None


def honest_code_canary(files: str, device: str, fresh: str | None) -> str:
    """Positive canaries, run last: what honest code needs still works in the box. Honest code
    the audit hook must let through runs (``HONEST_CANARIES``); a not yet imported torch submodule
    imports; a tensor saves and loads in the private /tmp (and its exchange folder); under CUDA a
    tensor reaches the device and comes back. A failure makes the submission ungradable (the
    grader's failure), never a zero."""
    import importlib

    import torch

    for source in HONEST_CANARIES:
        try:
            _run_as_student(source)
        except Exception as exc:
            return f"failed canary: honest code refused ({source.splitlines()[-1]}: {exc})"
    try:
        if fresh is not None and fresh not in sys.modules:
            importlib.import_module(fresh)
        # A name of its own: without a mount namespace /tmp is the machine's, and a file left by
        # a child killed mid-canary (under another uid) must not fail every later child's canary.
        name = f".canary-{os.urandom(8).hex()}.pt"
        for folder in ("/tmp" if os.path.isdir("/tmp") else files, files):
            path = os.path.join(folder, name)
            torch.save(torch.arange(3), path)
            if not torch.equal(torch.load(path, weights_only=True), torch.arange(3)):
                return f"failed canary: a tensor saved in {folder} came back different"
            os.unlink(path)
        if device.startswith("cuda"):
            back = (torch.arange(3, device=device) * 2).cpu()
            if not torch.equal(back, torch.arange(3) * 2):
                return "failed canary: a tensor on the GPU came back different"
    except Exception as exc:
        return f"failed canary: {type(exc).__name__}: {exc}"
    return "active"


def _seccomp_canary() -> str:
    from grader.sandbox import linux

    problems = []
    for what, action in (
        ("unshare(CLONE_NEWUSER)", lambda: linux.unshare(0x10000000)),
        ("fork", os.fork),
    ):
        try:
            pid = action()
        except OSError:
            continue
        if pid == 0:  # a forked canary that got through: leave at once
            os._exit(0)
        problems.append(f"{what} succeeded")
    return "active" if not problems else "failed canary: " + "; ".join(problems)


def _tamper_canary(check: Snapshot) -> str:
    before = check.changed()
    if before:
        return "failed canary: namespaces changed before any student code ran: " + ", ".join(
            before[:5]
        )
    import torch.nn.functional as F

    relu = F.relu
    F.relu = lambda x: x  # type: ignore[assignment]
    found = check.changed()
    if F.relu is not relu or found != ["torch.nn.functional.relu"]:
        F.relu = relu
        return f"failed canary: a replaced torch.nn.functional.relu was not found ({found})"
    return "active"
