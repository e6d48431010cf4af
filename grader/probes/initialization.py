"""Probes for the ``initialization`` section. Run where the submission runs.

Statistical checks make one call that returns every sample they test; the parent decides.
"""

from __future__ import annotations

import functools
from typing import Any

import torch
from torch import nn

from grader import observers, specs
from grader.probes import ProbeContext, probe
from grader.schema import TENSOR, ListOf, Optional, TupleOf

SECTION = "initialization"
APPLY_ITEMS = ("init_normal", "init_constant", "init_xavier", "init_42", "my_init")
FILL_ITEMS = ("xavier_uniform_", "kaiming_normal_", "mixture_uniform_")
DTYPES = {"float32": torch.float32, "float64": torch.float64}

FILLED = {
    "values": TENSOR,
    "returned_same_object": bool,
    "same_storage": bool,
    "dtype": str,
    "device": str,
    "has_grad_fn": bool,
    "requires_grad": bool,
}


def _initialiser(ctx: ProbeContext, item: str, value: float | None) -> Any:
    if item not in APPLY_ITEMS:
        raise ctx.invalid(item, "is not an init_* function of this section")
    fn = ctx.definition(SECTION, item)
    return fn if value is None else functools.partial(fn, value=value)


def _apply(ctx: ProbeContext, item: str, net: nn.Module, fn: Any) -> None:
    ctx.run(f"net.apply({item})", net.apply, fn)


def _values(tensors: list[torch.Tensor | None]) -> list[torch.Tensor | None]:
    return [
        None
        if t is None or isinstance(t, nn.parameter.UninitializedParameter)
        else t.detach().clone()
        for t in tensors
    ]


@probe(
    "initialization.apply_linears",
    returns={"weights": ListOf(TENSOR), "biases": ListOf(TENSOR)},
)
def apply_linears(
    ctx: ProbeContext,
    item: str,
    layers: list[list[int]],
    biases: list[torch.Tensor],
    value: float | None = None,
) -> dict[str, Any]:
    """``net.apply(fn)`` on ``Sequential(Linear(in, out), ReLU, …)`` whose biases start as the
    parent sent them (so "untouched" is decided against the parent's own values); every weight
    and bias after."""
    fn = _initialiser(ctx, item, value)
    modules: list[nn.Module] = []
    linears = []
    for (n_in, n_out), bias in zip(layers, biases):
        linear = nn.Linear(n_in, n_out, device=ctx.device)
        with torch.no_grad():
            linear.bias.copy_(bias)
        linears.append(linear)
        modules += [linear, nn.ReLU()]
    net = nn.Sequential(*modules)
    _apply(ctx, item, net, fn)
    return {
        "weights": [_tensor_of(linear, "weight") for linear in linears],
        "biases": [_tensor_of(linear, "bias") for linear in linears],
    }


def _tensor_of(module: nn.Module, name: str) -> torch.Tensor:
    """The module's tensor attribute as it is now (an empty tensor when it is gone): the parent
    compares its shape with what it built."""
    value = getattr(module, name, None)
    if not isinstance(value, torch.Tensor) or isinstance(
        value, nn.parameter.UninitializedParameter
    ):
        return torch.empty(0)
    return value.detach().clone()


@probe(
    "initialization.apply_zoo",
    returns={"after": ListOf(ListOf(Optional(TENSOR))), "lazy_still_uninitialised": bool},
)
def apply_zoo(
    ctx: ProbeContext, item: str, values: list[list[torch.Tensor]], value: float | None = None
) -> dict[str, Any]:
    """``net.apply(fn)`` on ``specs.init_zoo``, every parameter starting from the parent's
    ``values`` (one list per module, in ``specs.zoo_entries`` order); every parameter after."""
    fn = _initialiser(ctx, item, value)
    net, lazy = specs.init_zoo(ctx.device)
    entries = specs.zoo_entries(net, lazy)
    with torch.no_grad():
        for (_, module, names), start in zip(entries, values):
            for name, tensor in zip(names, start):
                getattr(module, name).copy_(tensor)
    _apply(ctx, item, net, fn)
    still_lazy = isinstance(lazy.weight, nn.parameter.UninitializedParameter) and isinstance(
        lazy.bias, nn.parameter.UninitializedParameter
    )
    return {
        "after": [
            _values([getattr(module, n, None) for n in names]) for _, module, names in entries
        ],
        "lazy_still_uninitialised": still_lazy,
    }


def _filler(ctx: ProbeContext, what: str) -> Any:
    if what not in FILL_ITEMS:
        raise ctx.invalid(what, "is not a by-hand initialiser of this section")
    return ctx.definition(SECTION, what)


def _kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Wire data back to Python arguments: components as a list of tuples."""
    out = dict(kwargs)
    if "components" in out:
        out["components"] = [tuple(c) for c in out["components"]]
    return out


def _call_text(what: str, shape: list[int], kwargs: dict[str, Any]) -> str:
    args = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    return f"{what}(tensor of shape {tuple(shape)}{args})"


@probe("initialization.fill", returns=ListOf(FILLED))
def fill(ctx: ProbeContext, item: str, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each case ``{shape, dtype, kwargs, requires_grad}``: a NaN-filled tensor (a leaf that
    requires grad if asked) handed to the student's initialiser; what it holds afterwards, and
    whether the call worked in place, returned it, and left autograd alone."""
    fn = _filler(ctx, item)
    replies = []
    for case in cases:
        dtype = DTYPES[case["dtype"]]
        t = torch.full(tuple(case["shape"]), float("nan"), dtype=dtype, device=ctx.device)
        t.requires_grad_(bool(case["requires_grad"]))
        pointer = t.data_ptr()
        kwargs = _kwargs(case["kwargs"])
        result = ctx.run(_call_text(item, case["shape"], kwargs), fn, t, **kwargs)
        replies.append(
            {
                "values": t.detach().clone(),
                "returned_same_object": result is t,
                "same_storage": t.data_ptr() == pointer,
                "dtype": str(t.dtype).removeprefix("torch."),
                "device": t.device.type,
                "has_grad_fn": t.grad_fn is not None,
                "requires_grad": bool(t.requires_grad),
            }
        )
    return replies


@probe("initialization.raises", returns=ListOf(TupleOf(bool, str, str, str)))
def raises(
    ctx: ProbeContext, item: str, valid: dict[str, Any], cases: list[dict[str, Any]]
) -> list[tuple[bool, str, str, str]]:
    """One valid call first (through ``ctx.run``: a stub is "not attempted"), then each case:
    ``(raised a ValueError, name of the exception raised or "", its message, the student's own
    lines)`` (the last two are shown in public feedback only)."""
    fn = _filler(ctx, item)
    t = torch.empty(tuple(valid["shape"]), device=ctx.device)
    valid_kwargs = _kwargs(valid["kwargs"])
    ctx.run(_call_text(item, valid["shape"], valid_kwargs), fn, t, **valid_kwargs)
    out = []
    for case in cases:
        t = torch.empty(tuple(case["shape"]), device=ctx.device)
        try:
            fn(t, **_kwargs(case["kwargs"]))
        except Exception as exc:  # the student's exception is the answer, whatever it is
            message, trace = ctx.exception_text(exc)
            out.append((isinstance(exc, ValueError), type(exc).__name__[:60], message, trace))
        else:
            out.append((False, "", "", ""))
    return out


INITIALISERS = (
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "xavier_uniform",
    "xavier_normal",
    "kaiming_uniform",
    "kaiming_normal",
)
"""nn.init's functions that compute a bound or a std from the fans: what "by hand" leaves out."""


for _name in INITIALISERS:
    if hasattr(nn.init, _name):
        # Replaced in the zygote, before any student code: every reference to them is watched.
        observers.watch(f"nn.init.{_name}", getattr(nn.init, _name))


@probe("initialization.by_hand", returns=ListOf(str))
def by_hand(ctx: ProbeContext, item: str, cases: list[dict[str, Any]]) -> list[str]:
    """The student's initialiser on each case ``{shape, kwargs}``; which of nn.init's
    ``INITIALISERS`` it called (sorted, each once)."""
    fn = _filler(ctx, item)
    used: list[str] = []
    if fn in [getattr(nn.init, name, None) for name in INITIALISERS]:
        used.append(f"nn.init.{getattr(fn, '__name__', item)}")  # the name is nn.init's own
    with observers.recording() as called:
        for case in cases:
            t = torch.empty(tuple(case["shape"]), device=ctx.device)
            kwargs = _kwargs(case["kwargs"])
            ctx.run(_call_text(item, case["shape"], kwargs), fn, t, **kwargs)
    return sorted(set(used) | {key for key in called if key.startswith("nn.init.")})
