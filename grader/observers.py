"""Observers of the student's calls that its code cannot reach or switch off (facts of kind (c)).

``gpus.norms`` counts reads back to the host with a ``TorchFunctionMode``. torch lets Python code
take modes off its stack, read them from it and switch its function handling off, so a plain mode
was a forgeable observer: student code cleared its ``reads`` through
``torch.overrides._get_current_function_mode_stack()`` and kept full marks (reproduced). Here:

- **The record lives in a generator's frame** (``_keeper``; the guard refuses ``gi_frame``). What
  the mode object offers can only add to it; the probe reads it by presenting the mode itself,
  which only the probe's frame holds. Each message the keeper takes is checked against the code
  of the frame that sent it, so code that reaches the keeper's ``send`` gains nothing by calling it.
- **A sealed mode is not on the stack as Python sees it.** torch's stack functions (in ``torch._C``
  and wherever a module imported them) are replaced in the zygote by gates: the length and the
  entries they report leave the sealed mode out, and popping it is refused except to
  ``torch.overrides.handle_torch_function``, which calls it and puts it back.
  (``with torch.device(...)`` still works: it moves only the modes it can see.)
- **Handling cannot be switched off while a mode is sealed**: ``torch._C.DisableTorchFunction``,
  ``_set_torch_function_state``, ``_skip_one_hop_torch_function`` and
  ``_set_skip_next_torch_function`` are refused then; the seal turns handling back on if earlier
  code left it off.
- **Calls are watched at every depth.** torch takes a mode off its stack while the mode handles a
  call, so code that call runs (a tensor subclass's ``__torch_function__``, a function handed to
  ``handle_torch_function``) was unwatched; the sealed mode puts itself back for the call and skips
  only its own hop (``_skip_one_hop_torch_function``, which also skips subclass handlers: within a
  sealed call, tensor subclasses behave as plain tensors).

- **Watched functions are watched wherever they are held.** ``initialization.by_hand`` records
  calls of nn.init's initialisers, ``modules.sequential`` those of nn.Sequential's and
  nn.ModuleList's ``__init__``. Wrapping them only while the probe ran left every reference
  taken earlier unwatched (a list kept at import time, the wrapper's ``__wrapped__``), and the
  record sat in the wrapper's closure, which student code emptied (both reproduced). ``watch``ed
  functions are replaced in the zygote, before any student code, in every module that holds them;
  the originals and the records live in the keeper.

- **Nothing runs out of its sight.** Code compiled by TorchScript or torch.compile runs where no
  torch function mode sees it, and torch._dynamo's frame evaluation callback hands Python every
  frame (arguments included) with no audit event: both were ways past the counter (reproduced).
  In the sandbox script/trace/compile hand back what they were given, compiling or loading
  TorchScript is refused, and the callback may only be switched off. ``torch._C._to_dlpack``
  exports a tensor's memory with no torch function call: its gate makes one first.
"""

from __future__ import annotations

import contextlib
import sys
import types
from collections.abc import Callable, Iterator
from typing import Any

_SEND: Callable[[Any], Any] | None = None
"""The keeper's ``send`` (one keeper per process, made by ``install``)."""

# torch._C's names that read, change or bypass the torch function mode stack.
GATED = (
    "_pop_torch_function_stack",
    "_get_function_stack_at",
    "_len_torch_function_stack",
    "_set_torch_function_state",
    "_skip_one_hop_torch_function",
    "_set_skip_next_torch_function",
    "DisableTorchFunction",
)


_WATCHED_CALLS: dict[str, Callable[..., Any]] = {}
"""Functions whose every call is recorded while a ``recording`` is on: key -> the function as it
was asked for (``watch``); replaced everywhere Python holds it by ``install``."""


_WATCHED_METHODS: dict[str, tuple[type, str]] = {}
"""Of those, the ones that are a class's method: key -> (class, attribute), set on the class."""


def watch(key: str, function: Callable[..., Any], owner: type | None = None) -> None:
    """Ask that calls of ``function`` be recorded as ``key`` (by probe modules, at import, before
    ``install``); ``owner``: the class whose method it is. The function is replaced before any
    student code runs, so no reference student code can hold (kept at import, a watcher's
    ``__wrapped__``) calls it unrecorded."""
    _WATCHED_CALLS.setdefault(key, function)
    if owner is not None:
        _WATCHED_METHODS.setdefault(key, (owner, function.__name__))


class ObserverRefused(RuntimeError):
    """What student code gets when it reaches for a sealed observer or out of its sight."""


def _ask(send: Callable[[Any], Any], message: tuple[Any, ...]) -> Any:
    """Send ``message`` to the keeper: its value, or its exception raised here."""
    ok, value = send(message)
    if not ok:
        raise value
    return value


def c_level_types() -> frozenset[type]:
    """The types of torch's C-level callables (builtins, slot wrappers, ops): they check for torch
    function handling themselves on entry, and their names are torch's to give."""
    import torch

    return frozenset(
        {
            types.BuiltinFunctionType,
            types.MethodDescriptorType,
            types.WrapperDescriptorType,
            types.MethodWrapperType,
            types.ClassMethodDescriptorType,
            types.GetSetDescriptorType,
            torch._ops.OpOverload,
            torch._ops.OpOverloadPacket,
        }
    )


def _refusal(what: str, watching: bool = True) -> ObserverRefused:
    if not watching:
        return ObserverRefused(f"the grader's sandbox does not allow {what}")
    return ObserverRefused(
        f"the grader's sandbox does not allow {what} while it watches your torch calls "
        "(it would hide calls from the grader)"
    )


# torch._C._dynamo.eval_frame's hooks that call Python for every frame about to run, handing it
# the frame (f_locals, f_back): stack walking no audit event sees. torch itself only ever passes
# None/False/True outside compilation (torch._dynamo.disable, optimizers), and nothing compiles in
# the sandbox (``OUT_OF_SIGHT``).
FRAME_HOOKS = ("set_eval_frame", "set_bytecode_debugger_callback")

# torch's C-level DLPack export: a capsule of a tensor's memory, made with no torch function call
# (torch.from_dlpack of it is a fresh tensor, read back unseen). Its gate first makes a call the
# transfer counter sees (Tensor.__dlpack_device__).
EXPORTS = ("_to_dlpack", "_to_dlpack_versioned")

# Entry points of TorchScript and torch.compile: code they compile runs where no torch function
# mode sees it. In the sandbox, script/trace/compile hand back what they were given (it runs as
# the Python it is, watched, as with PYTORCH_JIT=0), and loading or compiling TorchScript from
# source or bytes is refused.
PASS_THROUGH = {
    "torch.jit._script.script": lambda obj, *args, **kwargs: obj,
    "torch.jit._trace.trace": lambda func, *args, **kwargs: func,
    "torch.jit._trace.trace_module": lambda mod, *args, **kwargs: mod,
    "torch.compile": lambda model=None, **kwargs: model if model is not None else lambda m: m,
}
REFUSED_TORCHSCRIPT = (
    "CompilationUnit",
    "_create_function_from_trace",
    "_create_function_from_trace_with_dict",
    "_import_ir_module_from_package",
    "_jit_script_class_compile",
    "_jit_script_compile",
    "_jit_script_compile_overload",
    "_jit_script_interface_compile",
    "_jit_trace_graph",
    "_jit_trace_module",
    "_load_for_lite_interpreter",
    "_load_for_lite_interpreter_from_buffer",
    "import_ir_module",
    "import_ir_module_from_buffer",
)


Classify = Callable[[dict[str, Any], Any, tuple[Any, ...], dict[str, Any]], tuple[bool, bool]]
"""A probe's rule: (record, func, args, kwargs) -> (track the result, the call read it back).
It may add to ``record``; the keeper owns it."""
Track = Callable[[dict[str, Any], Any, bool], None]
"""After a tracked call: (record, result, read)."""


def _keeper(
    originals: dict[str, Any], codes: dict[str, Any], getframe: Callable[[int], Any]
) -> Iterator[Any]:
    """The one place that holds torch's originals and the sealed modes' records. Receives
    ``(kind, ...)`` tuples and answers ``(True, value)`` or ``(False, exception)``."""
    pop, get_at, length = (
        originals["_pop_torch_function_stack"],
        originals["_get_function_stack_at"],
        originals["_len_torch_function_stack"],
    )
    push = originals["push"]
    set_state, get_state = originals["_set_torch_function_state"], originals["get_state"]
    skip_hop, skip_next = (
        originals["_skip_one_hop_torch_function"],
        originals["_set_skip_next_torch_function"],
    )
    enabled, all_disabled = originals["ENABLED"], originals["ALL_DISABLED"]
    c_level = codes["c_level"]
    gate_codes, pass_through = codes["gates"], codes["pass_through"]
    keeper_code = codes["keeper"]
    sealed: dict[int, Any] = {}  # id -> mode
    records: dict[int, dict[str, Any]] = {}
    rules: dict[int, tuple[Classify, Track]] = {}
    states_before: dict[int, Any] = {}
    disabled: dict[int, Any] = {}  # id(DisableTorchFunction stand-in) -> state before it
    calling: list[Any] = []  # Python-level callables being called directly, innermost last
    watched = codes["watched"]  # key -> the original function
    recordings: dict[int, list[str]] = {}  # id(token) -> keys called while it is on
    reply: Any = None

    def real_stack() -> list[Any]:
        return [get_at(i) for i in range(length())]

    def visible() -> list[Any]:
        return [m for m in real_stack() if id(m) not in sealed]

    def callers(depth: int) -> list[Any]:
        """The code objects of the frames that sent this message, nearest first, gates and
        ``_ask`` left out (the only place here that touches frames)."""
        frame = getframe(1)
        while frame is not None and frame.f_code is not keeper_code:
            frame = frame.f_back
        frame = frame.f_back if frame is not None else None  # the caller of send
        found = []
        while frame is not None and len(found) < depth:
            if frame.f_code not in gate_codes:
                found.append(frame.f_code)
            frame = frame.f_back
        return found

    def gate(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if name in EXPORTS:
            return originals[name](*args, **kwargs)
        if name in FRAME_HOOKS:
            if not (args and (args[0] is None or args[0] is True or args[0] is False)):
                raise _refusal(
                    f"{name} with a callback (it hands Python every frame, the grader's too)",
                    watching=False,
                )
            return originals[name](*args)
        if not sealed:
            if name == "DisableTorchFunction.__enter__":
                disabled[id(args[0])] = get_state()
                return set_state(all_disabled)
            if name == "DisableTorchFunction.__exit__":
                return set_state(disabled.pop(id(args[0]), enabled))
            return originals[name](*args)
        if name == "_len_torch_function_stack":
            return len(visible())
        if name == "_get_function_stack_at":
            modes = visible()
            if not 0 <= args[0] < len(modes):
                raise IndexError("torch function mode stack index out of range")
            return modes[args[0]]
        if name == "_pop_torch_function_stack":
            if length() and id(get_at(length() - 1)) in sealed:
                chain = [c for c in callers(6) if c not in pass_through]
                if not chain or chain[0] is not codes["handle_torch_function"]:
                    raise _refusal("taking the grader's mode off torch's mode stack")
            return pop()
        if name == "DisableTorchFunction.__exit__" and id(args[0]) not in disabled:
            return None  # entered before the seal and already undone by it
        raise _refusal(f"torch._C.{name.split('.')[0]}")

    def seal(mode: Any, classify: Classify, track: Track, start: Callable[[], Any]) -> None:
        # The sealed mode goes to the bottom of the stack, under whatever earlier code left there.
        above = [pop() for _ in range(length())]
        push(mode)
        for m in reversed(above):
            push(m)
        sealed[id(mode)] = mode
        records[id(mode)] = {**start(), "disturbed": []}
        rules[id(mode)] = (classify, track)
        states_before[id(mode)] = get_state()
        set_state(enabled)
        skip_next(False)

    def unseal(mode: Any) -> dict[str, Any]:
        record = records.pop(id(mode))
        sealed.pop(id(mode))
        rules.pop(id(mode))
        set_state(states_before.pop(id(mode)))
        modes = real_stack()
        if not modes or modes[0] is not mode or sum(m is mode for m in modes) != 1:
            record["disturbed"].append("the grader's mode was moved on torch's mode stack")
        above = [pop() for _ in range(length())]
        for m in reversed(above):
            if m is not mode:
                push(m)
        return record

    while True:
        message = yield reply
        try:
            kind = message[0]
            if kind == "gate":
                value = gate(message[1], message[2], message[3] if len(message) > 3 else {})
            else:
                sent_by = callers(1)
                if not sent_by or sent_by[0] is not codes.get(kind):
                    raise _refusal("talking to the grader's observer")
                mode = message[1]
                if kind == "enter":
                    if id(mode) not in sealed or sealed[id(mode)] is not mode:
                        value = None
                    else:
                        record = records[id(mode)]
                        func = message[2]
                        again = bool(calling) and calling[-1] is func  # torch handing it back
                        track, read = (
                            (False, False) if again else rules[id(mode)][0](record, *message[2:])
                        )
                        # C-level callables check for torch function handling on entry, and so
                        # consume the skipped hop; so does a Python function torch hands back to
                        # the mode (it checks, then calls handle_torch_function). Others are
                        # called as they are, watched (a skipped hop would skip their first call).
                        direct = type(func) not in c_level and not again
                        if direct:
                            calling.append(func)
                        value = (push, pop, None if direct else skip_hop, track, read)
                elif kind == "leave":
                    if message[4] and calling:
                        calling.pop()
                    if sealed.get(id(mode)) is mode and message[3] is not None:
                        rules[id(mode)][1](records[id(mode)], message[2], message[3])
                    value = None
                elif kind == "disturbed":
                    if sealed.get(id(mode)) is mode:
                        records[id(mode)]["disturbed"].append(message[2])
                    value = None
                elif kind == "called":
                    for keys in recordings.values():
                        keys.append(message[1])
                    value = watched[message[1]]
                elif kind == "record":
                    recordings[id(mode)] = []
                    value = None
                elif kind == "stop":
                    value = recordings.pop(id(mode), [])
                elif kind == "seal":
                    seal(mode, message[2], message[3], message[4])
                    value = None
                elif kind == "unseal":
                    value = unseal(mode) if sealed.get(id(mode)) is mode else None
                else:
                    raise _refusal("talking to the grader's observer")
            reply = (True, value)
        except BaseException as error:  # handed back to the sender, never kept
            reply = (False, error)


def _observe(self: Any, func: Any, types: Any, args: Any, kwargs: Any, _send: Any) -> Any:
    """A sealed mode's ``__torch_function__``: ``_send`` is the keeper's."""
    if kwargs is None:
        kwargs = {}
    value = _ask(_send, ("enter", self, func, args, kwargs))
    if value is None:
        return func(*args, **kwargs)
    push, pop, skip_hop, track, read = value
    push(self)  # calls made by this call are watched too
    result = None
    try:
        result = func(*args, **kwargs) if skip_hop is None else skip_hop(func, types, args, kwargs)
    finally:
        if pop() is not self:
            _send(("disturbed", self, "code under a watched call changed torch's mode stack"))
        if track or skip_hop is None:
            _send(("leave", self, result, read if track else None, skip_hop is None))
    return result


def _make_gate(name: str, send: Callable[[Any], Any]) -> Callable[..., Any]:
    from torch import Tensor

    def gate(*args: Any, **kwargs: Any) -> Any:
        if name in EXPORTS and args and isinstance(args[0], Tensor):
            Tensor.__dlpack_device__(args[0])  # a call torch function modes see: the read
        return _ask(send, ("gate", name, args, kwargs))

    gate.__name__ = gate.__qualname__ = name
    return gate


def install() -> None:
    """Replace torch's mode-stack functions by gates, everywhere Python holds them (run in the
    zygote, before any student code; once per process)."""
    global _SEND
    if _SEND is not None:
        return
    import torch
    from torch import overrides
    from torch._C import _TorchFunctionState

    originals: dict[str, Any] = {name: getattr(torch._C, name) for name in GATED}
    originals["push"] = torch._C._push_on_torch_function_stack
    originals["get_state"] = torch._C._get_torch_function_state
    originals["ENABLED"] = _TorchFunctionState.ENABLED
    originals["ALL_DISABLED"] = _TorchFunctionState.ALL_DISABLED
    codes: dict[str, Any] = {
        "enter": _observe.__code__,
        "leave": _observe.__code__,
        "disturbed": _observe.__code__,
        "called": _make_watcher("", print, print).__code__,
        "record": recording.__wrapped__.__code__,  # type: ignore[attr-defined]
        "stop": recording.__wrapped__.__code__,  # type: ignore[attr-defined]
        "watched": dict(_WATCHED_CALLS),
        "seal": sealed.__wrapped__.__code__,  # type: ignore[attr-defined]
        "unseal": sealed.__wrapped__.__code__,  # type: ignore[attr-defined]
        "handle_torch_function": overrides.handle_torch_function.__code__,
        "c_level": c_level_types(),
        "pass_through": frozenset(
            {
                overrides._pop_mode.__code__,
                overrides._pop_mode_temporarily.__wrapped__.__code__,
                contextlib._GeneratorContextManager.__enter__.__code__,
            }
        ),
    }
    # Frames that only pass a message on; the keeper looks past them for the sender.
    codes["gates"] = frozenset({_make_gate("", print).__code__, _ask.__code__})
    codes["keeper"] = _keeper.__code__
    keeper = _keeper(originals, codes, sys._getframe)
    next(keeper)
    send = keeper.send
    gates: dict[str, Any] = {name: _make_gate(name, send) for name in GATED[:-1]}
    gates["DisableTorchFunction"] = _disable_class(send)
    _SEND = send
    replacements = [(originals[name], gates[name]) for name in GATED]
    eval_frame = torch._C._dynamo.eval_frame
    for owner, names in ((eval_frame, FRAME_HOOKS), (torch._C, EXPORTS)):
        for name in names:
            if hasattr(owner, name):
                originals[name] = getattr(owner, name)
                replacements.append((originals[name], _make_gate(name, send)))
    replacements += _out_of_sight(torch)
    for key, function in _WATCHED_CALLS.items():
        watcher = _make_watcher(key, function, send)
        if key in _WATCHED_METHODS:
            owner, attribute = _WATCHED_METHODS[key]
            setattr(owner, attribute, watcher)  # a subclass's super().__init__ finds it too
        else:
            replacements.append((function, watcher))
    # Wherever a module holds an original (torch._C, and modules that imported it), put the gate:
    # one pass over the modules' namespaces (gc.get_referrers per original walked every object,
    # over a second of the zygote's start-up for the 40 or so originals).
    by_id = {id(original): (original, replacement) for original, replacement in replacements}
    for module in list(sys.modules.values()):
        namespace = getattr(module, "__dict__", None)
        if type(namespace) is not dict:
            continue
        for key, value in list(namespace.items()):
            found = by_id.get(id(value))
            if found is not None and found[0] is value:
                namespace[key] = found[1]


def _out_of_sight(torch: Any) -> list[tuple[Any, Any]]:
    """(original, stand-in) for TorchScript's and torch.compile's entry points."""
    import importlib

    pairs: list[tuple[Any, Any]] = []
    for path, stand_in in PASS_THROUGH.items():
        module_name, name = path.rsplit(".", 1)
        original = getattr(importlib.import_module(module_name), name, None)
        if original is not None:
            stand_in.__name__ = stand_in.__qualname__ = name
            pairs.append((original, stand_in))
    for name in REFUSED_TORCHSCRIPT:
        original = getattr(torch._C, name, None)
        if original is not None:
            pairs.append((original, _refuser(f"TorchScript ({name})")))
    return pairs


def _refuser(what: str) -> Callable[..., Any]:
    def refused(*args: Any, **kwargs: Any) -> Any:
        raise _refusal(
            f"{what}: code it compiles runs where the grader cannot watch it", watching=False
        )

    return refused


def _make_watcher(
    key: str, function: Callable[..., Any], send: Callable[[Any], Any]
) -> Callable[..., Any]:
    """What stands in for a watched function: the keeper records the call and hands this frame
    (and no other) the original."""

    def watched(*args: Any, **kwargs: Any) -> Any:
        return _ask(send, ("called", key))(*args, **kwargs)

    for attribute in ("__module__", "__name__", "__qualname__", "__doc__"):
        setattr(watched, attribute, getattr(function, attribute, None))  # no __wrapped__
    return watched


def _disable_class(send: Callable[[Any], Any]) -> type:
    class DisableTorchFunction:
        """torch._C.DisableTorchFunction, through the grader's observer (refused while it
        watches)."""

        def __enter__(self) -> None:
            _ask(send, ("gate", "DisableTorchFunction.__enter__", (self,)))

        def __exit__(self, *exc: Any) -> None:
            _ask(send, ("gate", "DisableTorchFunction.__exit__", (self,)))

    return DisableTorchFunction


def mode_class() -> type:
    """A fresh ``TorchFunctionMode`` class for one sealed observation: made per use, so no code but
    the probe's frame can reach it (a class's methods can be replaced by anyone who holds it)."""
    from torch.overrides import TorchFunctionMode

    install()

    send = _SEND

    class SealedMode(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None, _send=send):
            return _observe(self, func, types, args, kwargs, _send)

    return SealedMode


@contextlib.contextmanager
def recording() -> Iterator[list[str]]:
    """Inside the block, calls of the ``watch``ed functions are recorded; the list is filled in
    with their keys, in order, when the block ends."""
    install()
    send = _SEND
    assert send is not None
    token = object()  # only this frame holds it: nobody else can stop the recording
    keys: list[str] = []
    _ask(send, ("record", token))
    try:
        yield keys
    finally:
        keys.extend(_ask(send, ("stop", token)))


@contextlib.contextmanager
def sealed(
    mode: Any,
    classify: Classify,
    track: Track,
    start: Callable[[], dict[str, Any]] = dict,
) -> Iterator[dict[str, Any]]:
    """Inside the block, ``mode`` (an instance of ``mode_class()``) watches every torch call and
    nobody can take it off or switch it off. The record starts as ``start()`` (made by the keeper,
    so the rules need not set keys up on every call) and is filled in when the block ends: what
    ``classify`` and ``track`` added, and ``disturbed`` (what went wrong with the seal)."""
    send = _SEND
    assert send is not None
    result: dict[str, Any] = {}
    _ask(send, ("seal", mode, classify, track, start))
    try:
        yield result
    finally:
        value = _ask(send, ("unseal", mode))
        result.update(value or {"disturbed": ["the grader's mode was unsealed early"]})
