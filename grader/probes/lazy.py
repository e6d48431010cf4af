"""Probes for the ``lazy`` section (lazy initialisation). Run where the submission runs.

Each probe takes a list of cases and answers them all in one round trip.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from grader import specs
from grader.probes import ProbeContext, probe
from grader.probes.common import PARAMETER, parameter_report
from grader.schema import TENSOR, ListOf, Optional, TupleOf

SECTION = "lazy"


def as_module(ctx: ProbeContext, what: str, value: Any) -> nn.Module:
    if not isinstance(value, nn.Module):
        raise ctx.invalid(what, f"returned a {type(value).__name__}, expected an nn.Module")
    return value


def as_tensor(ctx: ProbeContext, what: str, value: Any) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise ctx.invalid(what, f"returned a {type(value).__name__}, expected a tensor")
    return value.detach().clone()


# -- lazy_mlp ------------------------------------------------------------------------------------


@probe(
    "lazy.lazy_mlp",
    returns=ListOf(
        {
            "type": str,
            "children": ListOf(str),
            "before": ListOf(PARAMETER),
            "after": ListOf(PARAMETER),
            "output": TENSOR,
        }
    ),
)
def lazy_mlp(ctx: ProbeContext, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per case: build ``lazy_mlp(hidden, out)`` (defaults when None), report it, call it on X."""
    fn = ctx.definition(SECTION, "lazy_mlp")
    replies = []
    for case in cases:
        args = () if case["hidden"] is None else (case["hidden"], case["out"])
        net = as_module(ctx, "lazy_mlp(...)", ctx.run("lazy_mlp(...)", fn, *args))
        children = ctx.run("lazy_mlp(...).children()", lambda n=net: list(n.children()))
        kinds = [type(child).__name__ for child in children]
        before = parameter_report(ctx, "lazy_mlp(...)", net)
        ctx.run("lazy_mlp(...).to(device)", net.to, ctx.device)
        y = ctx.run("lazy_mlp(...)(X)", net, case["X"].to(ctx.device))
        replies.append(
            {
                "type": type(net).__name__,
                "children": kinds,
                "before": before,
                "after": parameter_report(ctx, "lazy_mlp(...)", net),
                "output": as_tensor(ctx, "lazy_mlp(...)(X)", y),
            }
        )
    return replies


# -- materialize ---------------------------------------------------------------------------------


def reseed(seed: int, device: str) -> None:
    torch.default_generator.manual_seed(seed)
    if device.startswith("cuda"):
        torch.cuda.manual_seed_all(seed)


@probe(
    "lazy.materialize",
    returns=ListOf(
        {
            "returned_net": bool,
            "returned": str,
            "grad_modes": ListOf(bool),
            "uninitialised": ListOf(str),
            "with_grad": ListOf(str),
            "inference": ListOf(str),
            "values": ListOf(TupleOf(str, Optional(TENSOR))),
        }
    ),
)
def materialize(ctx: ProbeContext, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per case: build the net under ``seed``, ``materialize`` it, and report its parameters and the
    autograd mode of every module call. The reference (an ordinary first call under the same
    seed) is built by the grader itself, never here."""
    fn = ctx.definition(SECTION, "materialize")
    replies = []
    for case in cases:
        inputs = [X.to(ctx.device) for X in case["inputs"]]
        reseed(case["seed"], ctx.device)
        net = specs.lazy_net(case["net"], ctx.device)
        grad_modes: list[bool] = []
        for module in net.modules():
            module.register_forward_pre_hook(
                lambda _module, _args, record=grad_modes.append: record(torch.is_grad_enabled())
            )
        returned = ctx.run("materialize(net, *inputs)", fn, net, *inputs)
        params = list(net.named_parameters())
        uninitialised = [
            name for name, p in params if isinstance(p, nn.parameter.UninitializedParameter)
        ]
        values = [
            (name, None if name in uninitialised else p.detach().clone()) for name, p in params
        ]
        reply = {
            "returned_net": returned is net,
            "returned": type(returned).__name__,
            "grad_modes": grad_modes,
            "uninitialised": uninitialised,
            "with_grad": [name for name, p in params if p.grad is not None],
            "inference": [
                name for name, p in params if name not in uninitialised and p.is_inference()
            ],
            "values": values,
        }
        replies.append(reply)
    return replies


# -- LazyMyLinear --------------------------------------------------------------------------------


@probe(
    "lazy.lazy_my_linear",
    returns=ListOf(
        {
            "is_lazy_module": bool,
            "before": ListOf(PARAMETER),
            "loaded": Optional(ListOf(PARAMETER)),
            "output": TENSOR,
            "after": ListOf(PARAMETER),
        }
    ),
)
def lazy_my_linear(ctx: ProbeContext, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per case: a fresh ``LazyMyLinear(units)``; with ``state`` given, ``load_state_dict(state)``
    first; then one call on X. Parameters are reported before, after loading and after the call."""
    cls = ctx.definition(SECTION, "LazyMyLinear")
    replies = []
    for case in cases:
        layer = as_module(
            ctx, "LazyMyLinear(units)", ctx.run("LazyMyLinear(units)", cls, case["units"])
        )
        reply: dict[str, Any] = {
            "is_lazy_module": isinstance(layer, nn.modules.lazy.LazyModuleMixin),
            "before": parameter_report(ctx, "LazyMyLinear", layer),
            "loaded": None,
        }
        ctx.run("LazyMyLinear.to(device)", layer.to, ctx.device)
        if case["state"] is not None:
            state = {k: v.to(ctx.device) for k, v in case["state"].items()}
            ctx.run("LazyMyLinear.load_state_dict(state)", layer.load_state_dict, state)
            reply["loaded"] = parameter_report(ctx, "LazyMyLinear", layer)
        y = ctx.run("LazyMyLinear(X)", layer, case["X"].to(ctx.device))
        reply["output"] = as_tensor(ctx, "LazyMyLinear(X)", y)
        reply["after"] = parameter_report(ctx, "LazyMyLinear", layer)
        replies.append(reply)
    return replies
