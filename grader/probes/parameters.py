"""Probes for the ``parameters`` section (parameter access). Run where the submission runs.

Most probes take a list of cases and answer them all in one round trip. Networks arrive as layer
specs (``grader.specs``) and are built here with ``nn.Sequential`` by ``build_net``, which the checks
also use to build the same network in the parent.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from grader import specs
from grader.probes import ProbeContext, probe
from grader.probes.common import attempt, require_tensor, safe_type
from grader.schema import TENSOR, ListOf, Optional, TupleOf, TupleOfAny

SECTION = "parameters"

STRUCTURE = {
    "type": str,
    "children": ListOf(TupleOf(str, str)),
    "parameters": ListOf(TupleOf(str, TupleOfAny(int))),
}
LINEAR = Optional(TupleOf(TENSOR, Optional(TENSOR)))
RAISED = {
    "type": Optional(str),
    "is_key_error": bool,
    "names_part": bool,
    "message": str,
    "trace": str,
}
"""What a call raised: its type (a safe name), and its message and the student's own lines (shown
in public feedback only)."""


def structure(module: Any) -> dict[str, Any]:
    """A module's type, its children (name, type) and its parameters (name, shape)."""
    if not isinstance(module, nn.Module):
        return {"type": type(module).__name__, "children": [], "parameters": []}
    return {
        "type": type(module).__name__,
        "children": [(str(n), type(m).__name__) for n, m in module._modules.items()],
        "parameters": [(str(n), tuple(p.shape)) for n, p in module.named_parameters()],
    }


def _linear(module: Any) -> tuple[torch.Tensor, torch.Tensor | None] | None:
    if not isinstance(module, nn.Linear):
        return None
    bias = None if module.bias is None else module.bias.detach().clone()
    return module.weight.detach().clone(), bias


def _forward(ctx: ProbeContext, what: str, module: Any, X: torch.Tensor) -> torch.Tensor:
    """``module(X)`` on the session's device, without autograd."""
    if isinstance(module, nn.Module) and ctx.device != "cpu":
        ctx.run(f"{what.removesuffix('.forward')}.to({ctx.device!r})", module.to, ctx.device)
    with torch.no_grad():
        return require_tensor(ctx, what, ctx.run(what, module, X)).detach().clone()


# -- layer_state, parameter_shapes, count_parameters -------------------------------------------


@probe(
    "parameters.layer_state",
    returns=ListOf(ListOf(TupleOf(str, TENSOR, bool))),
)
def layer_state(
    ctx: ProbeContext, nets: list[specs.Node], cases: list[dict[str, Any]]
) -> list[list[Any]]:
    """For each case {"net": index into ``nets``, "i": int}: layer_state(net, i) as (key, value,
    requires_grad). Each net is built once and asked for each of its layers in turn, as a learner
    would call it."""
    fn = ctx.definition(SECTION, "layer_state")
    built: dict[int, nn.Module] = {}
    report = []
    for case in cases:
        spec = nets[case["net"]]
        if case["net"] not in built:
            built[case["net"]] = specs.build_net(spec)[0]
        net = built[case["net"]]
        what = f"layer_state({specs.describe_net(spec)}, {case['i']})"
        state = ctx.run(what, fn, net, case["i"])
        if not isinstance(state, Mapping):
            raise ctx.invalid(what, f"returned a {type(state).__name__}, expected a dict")
        entries = []
        for key, value in ctx.run(what, list, state.items()):
            if not isinstance(key, str):
                raise ctx.invalid(what, f"has a key of type {type(key).__name__}")
            value = require_tensor(ctx, what, value)
            entries.append((key, value.detach().clone(), bool(value.requires_grad)))
        report.append(entries)
    return report


@probe(
    "parameters.parameter_shapes",
    returns=ListOf(ListOf(TupleOf(str, TupleOfAny(int), bool))),
)
def parameter_shapes(ctx: ProbeContext, nets: list[specs.Node]) -> list[list[Any]]:
    """For each net: parameter_shapes(net) as (name, shape, shape is a tuple)."""
    fn = ctx.definition(SECTION, "parameter_shapes")
    report = []
    for spec in nets:
        net, _ = specs.build_net(spec)
        what = f"parameter_shapes({specs.describe_net(spec)})"
        result = ctx.run(what, fn, net)
        if not isinstance(result, (list, tuple)):
            raise ctx.invalid(what, f"returned a {type(result).__name__}, expected a list")
        entries = []
        for entry in result:
            if not isinstance(entry, (list, tuple)) or len(entry) != 2:
                raise ctx.invalid(what, "has an entry that is not a (name, shape) pair")
            name, shape = entry
            if not isinstance(name, str) or not isinstance(shape, (tuple, list)):
                raise ctx.invalid(
                    what, f"has an entry ({type(name).__name__}, {type(shape).__name__})"
                )
            try:
                dims = tuple(operator.index(d) for d in shape)
            except TypeError:
                raise ctx.invalid(what, "has a shape whose sizes are not integers") from None
            entries.append((name, dims, isinstance(shape, tuple)))
        report.append(entries)
    return report


@probe("parameters.count_parameters", returns=ListOf(TupleOf(Optional(int), str)))
def count_parameters(ctx: ProbeContext, cases: list[dict[str, Any]]) -> list[Any]:
    """For each case {"net": spec, "trainable_only": bool | None}: (the count if integral, its type)."""
    fn = ctx.definition(SECTION, "count_parameters")
    report = []
    for case in cases:
        net, _ = specs.build_net(case["net"])
        flag = case["trainable_only"]
        args = (net,) if flag is None else (net, flag)
        call = "" if flag is None else f", trainable_only={flag}"
        value = ctx.run(f"count_parameters({specs.describe_net(case['net'])}{call})", fn, *args)
        count = None
        if not isinstance(value, bool):  # an int, or any integral (numpy, a 0-d integer tensor)
            try:
                count = operator.index(value)
            except Exception:
                count = None
        report.append((count, type(value).__name__))
    return report


# -- block1, block2, rgnet --------------------------------------------------------------------


def _shares_parameters(a: Any, b: Any) -> bool:
    if not isinstance(a, nn.Module) or not isinstance(b, nn.Module):
        return False
    ids = {id(p) for p in a.parameters()}
    return a is b or any(id(p) in ids for p in b.parameters())


@probe(
    "parameters.block1",
    returns={
        "structure": STRUCTURE,
        "fresh": bool,
        "layers": ListOf(LINEAR),
        "output": TENSOR,
    },
)
def block1(ctx: ProbeContext, X: torch.Tensor) -> dict[str, Any]:
    fn = ctx.definition(SECTION, "block1")
    net = ctx.run("block1()", fn)
    other = ctx.run("block1()", fn)
    children = list(net._modules.values()) if isinstance(net, nn.Module) else []
    return {
        "structure": structure(net),
        "fresh": not _shares_parameters(net, other),
        "layers": [_linear(m) for m in children],
        "output": _forward(ctx, "block1().forward", net, X.to(ctx.device)),
    }


@probe(
    "parameters.block2",
    returns={
        "is_sequential": bool,
        "names": ListOf(str),
        "children": ListOf(STRUCTURE),
        "block1": STRUCTURE,
        "block1_fresh": bool,
        "distinct_children": bool,
        "shared_parameters": bool,
        "output": Optional(TENSOR),
        "chained": Optional(TENSOR),
    },
)
def block2(ctx: ProbeContext, n: int | None, X: torch.Tensor) -> dict[str, Any]:
    """block2(n) next to the submission's own block1() (its children are compared with that)."""
    fn = ctx.definition(SECTION, "block2")
    make_block1 = ctx.definition(SECTION, "block1")
    what = "block2()" if n is None else f"block2({n})"
    net = ctx.run(what, fn) if n is None else ctx.run(what, fn, n)
    if not isinstance(net, nn.Module):
        raise ctx.invalid(what, f"returned a {type(net).__name__}, expected an nn.Sequential")
    reference = ctx.run("block1()", make_block1)
    another = ctx.run("block1()", make_block1)
    children = list(net._modules.values())
    params = [id(p) for c in children if isinstance(c, nn.Module) for p in c.parameters()]
    report: dict[str, Any] = {
        "is_sequential": isinstance(net, nn.Sequential),
        "names": [str(k) for k in net._modules],
        "children": [structure(c) for c in children],
        "block1": structure(reference),
        "block1_fresh": not _shares_parameters(reference, another),
        "distinct_children": len({id(c) for c in children}) == len(children),
        "shared_parameters": len(set(params)) != len(params),
        "output": None,
        "chained": None,
    }
    X = X.to(ctx.device)
    report["output"] = _forward(ctx, f"{what}.forward", net, X)
    chained = X
    for name, child in zip(report["names"], children):
        chained = _forward(ctx, f"{what}[{name!r}].forward", child, chained)
    report["chained"] = chained
    return report


@probe(
    "parameters.rgnet",
    returns={
        "is_sequential": bool,
        "parts": ListOf(str),
        "state_dict": ListOf(str),
        "block2_state_dict": ListOf(str),
        "head": LINEAR,
        "output": TENSOR,
        "part0_output": Optional(TENSOR),
    },
)
def rgnet(ctx: ProbeContext, n: int | None, X: torch.Tensor) -> dict[str, Any]:
    """rgnet(n) next to the submission's own block2(n) (its first part is compared with that)."""
    fn = ctx.definition(SECTION, "rgnet")
    make_block2 = ctx.definition(SECTION, "block2")
    args = () if n is None else (n,)
    what = f"rgnet({'' if n is None else n})"
    net = ctx.run(what, fn, *args)
    if not isinstance(net, nn.Module):
        raise ctx.invalid(what, f"returned a {type(net).__name__}, expected an nn.Sequential")
    own = ctx.run(f"block2({'' if n is None else n})", make_block2, *args)
    if not isinstance(own, nn.Module):
        raise ctx.invalid("block2", f"returned a {type(own).__name__}, expected an nn.Sequential")
    parts = list(net._modules.values())
    X = X.to(ctx.device)
    report: dict[str, Any] = {
        "is_sequential": isinstance(net, nn.Sequential),
        "parts": [type(p).__name__ for p in parts],
        "state_dict": [str(k) for k in ctx.run(f"{what}.state_dict()", net.state_dict)],
        "block2_state_dict": [str(k) for k in ctx.run("block2.state_dict()", own.state_dict)],
        "head": _linear(parts[1]) if len(parts) == 2 else None,
        "output": _forward(ctx, f"{what}.forward", net, X),
        "part0_output": None,
    }
    if parts:
        report["part0_output"] = _forward(ctx, f"{what}[0].forward", parts[0], X)
    return report


# -- get_parameter -----------------------------------------------------------------------------


@probe(
    "parameters.get_parameter",
    returns=ListOf(
        {
            "found": ListOf(TupleOf(str, bool, str)),
            "bad": ListOf(TupleOf(str, RAISED)),
        }
    ),
)
def get_parameter(ctx: ProbeContext, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each case {"net": spec, "names": [...], "bad": [(name, missing part), ...]}: whether
    get_parameter returns the very parameter (identity, decided here), and what bad names raise."""
    fn = ctx.definition(SECTION, "get_parameter")
    report = []
    for case in cases:
        net, _ = specs.build_net(case["net"])
        real = dict(net.named_parameters(remove_duplicate=False))
        found = []
        for name in case["names"]:
            got = ctx.run(f"get_parameter(net, {name!r})", fn, net, name)
            found.append((name, got is real.get(name), type(got).__name__))
        bad = []
        for name, part in case["bad"]:
            _, exc = attempt(ctx, f"get_parameter(net, {name!r})", fn, net, name)
            if exc is None:
                raised = {
                    "type": None,
                    "is_key_error": False,
                    "names_part": False,
                    "message": "",
                    "trace": "",
                }
            else:
                try:
                    message = str(exc)
                except Exception:
                    message = ""
                shown, trace = ctx.exception_text(exc)
                raised = {
                    "type": safe_type(exc),
                    "is_key_error": isinstance(exc, KeyError),
                    "names_part": part in message,
                    "message": shown,
                    "trace": trace,
                }
            bad.append((name, raised))
        report.append({"found": found, "bad": bad})
    return report


# -- gradients ---------------------------------------------------------------------------------


@probe(
    "parameters.gradients",
    returns=ListOf(
        {"returned": ListOf(TupleOf(str, Optional(TENSOR))), "after": ListOf(Optional(TENSOR))}
    ),
)
def gradients(ctx: ProbeContext, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each case {"net", "X", "y", "loss", "before"}: set every parameter's .grad to ``before``
    (in named_parameters() order), call gradients(net, X, y, loss_fn) in eval mode, and report what
    it returned (in its order) and every .grad afterwards."""
    fn = ctx.definition(SECTION, "gradients")
    report = []
    for case in cases:
        net, _ = specs.build_net(case["net"])
        net.to(ctx.device).eval()
        params = [p for _, p in net.named_parameters()]
        for param, grad in zip(params, case["before"]):
            param.grad = None if grad is None else grad.to(ctx.device).clone()
        what = f"gradients({specs.describe_net(case['net'])}, X, y, {case['loss']} loss)"
        X, y = case["X"].to(ctx.device), case["y"].to(ctx.device)
        result = ctx.run(what, fn, net, X, y, specs.LOSSES[case["loss"]])
        if not isinstance(result, Mapping):
            raise ctx.invalid(what, f"returned a {type(result).__name__}, expected a dict")
        returned = []
        for name, grad in ctx.run(what, list, result.items()):
            if not isinstance(name, str):
                raise ctx.invalid(what, f"has a key of type {type(name).__name__}")
            if grad is not None:
                grad = require_tensor(ctx, what, grad).detach().clone()
            returned.append((name, grad))
        after = [None if p.grad is None else p.grad.detach().clone() for p in params]
        report.append({"returned": returned, "after": after})
    return report
