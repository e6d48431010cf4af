"""Probes for the ``layers`` section (custom layers). Run where the submission runs.

Each probe takes a list of cases and answers them all in one round trip. A case carries the input
``X`` and an upstream gradient ``G`` of the output's shape: the probe calls the layer, takes
``loss = Re Σ output · conj(G)`` (for a real output simply ``Σ output · G``), runs ``backward`` and
reports the gradients of the input and of the layer's tensors.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from grader.probes import ProbeContext, probe
from grader.schema import TENSOR, ListOf, Optional, TupleOfAny

SECTION = "layers"

PARAMETER = {"name": str, "type": str, "shape": TupleOfAny(int), "requires_grad": bool}
"""One entry of named_parameters()."""

GRADIENTS = {"input": Optional(TENSOR), "weight": Optional(TENSOR), "bias": Optional(TENSOR)}
"""``.grad`` of the input and of the layer's ``weight``/``bias`` attributes (None when absent)."""

CASE = {
    "parameters": ListOf(PARAMETER),
    "state_dict": ListOf(str),
    "weight": Optional(TENSOR),
    "bias": Optional(TENSOR),
    "output": TENSOR,
    "grads": Optional(GRADIENTS),
}


def _tensor_attribute(module: nn.Module, name: str) -> torch.Tensor | None:
    value = getattr(module, name, None)
    return value if isinstance(value, torch.Tensor) else None


def _grad(t: torch.Tensor | None) -> torch.Tensor | None:
    grad = None if t is None else t.grad
    return grad.detach().clone() if isinstance(grad, torch.Tensor) else None


def run_layer(
    ctx: ProbeContext, what: str, make: Any, X: torch.Tensor, G: torch.Tensor
) -> dict[str, Any]:
    """Build a layer with ``make()`` and move it to the device, report its parameters and tensors,
    call it on X (which requires grad), backpropagate G and report the gradients."""
    layer = ctx.run(f"{what}(...)", make)
    if not isinstance(layer, nn.Module):
        raise ctx.invalid(what, f"is a {type(layer).__name__}, expected an nn.Module")
    ctx.run(f"{what}.to(device)", layer.to, ctx.device)
    named = ctx.run(f"{what}.named_parameters()", lambda: list(layer.named_parameters()))
    keys = ctx.run(f"{what}.state_dict()", lambda: list(layer.state_dict().keys()))
    weight, bias = _tensor_attribute(layer, "weight"), _tensor_attribute(layer, "bias")
    report: dict[str, Any] = {
        "parameters": [
            {
                "name": str(name),
                "type": type(p).__name__,
                "shape": tuple(p.shape),
                "requires_grad": bool(p.requires_grad),
            }
            for name, p in named
        ],
        "state_dict": [str(k) for k in keys],
        "weight": None if weight is None else weight.detach().clone(),
        "bias": None if bias is None else bias.detach().clone(),
    }
    X = X.to(ctx.device).requires_grad_(True)
    y = ctx.run(f"{what}(X)", layer, X)
    if not isinstance(y, torch.Tensor):
        raise ctx.invalid(f"{what}(X)", f"returned a {type(y).__name__}, expected a tensor")
    report["output"] = y.detach().clone()
    report["grads"] = None
    G = G.to(ctx.device)
    if y.requires_grad and y.shape == G.shape:

        def backward() -> None:
            product = y * (G.conj() if G.is_complex() else G)
            (product.real if product.is_complex() else product).sum().backward()

        ctx.run(f"backward through {what}", backward)
        report["grads"] = {"input": _grad(X), "weight": _grad(weight), "bias": _grad(bias)}
    return report


def _run_cases(
    ctx: ProbeContext, name: str, cases: list[dict[str, Any]], args: tuple[str, ...]
) -> list[dict[str, Any]]:
    cls = ctx.definition(SECTION, name)
    return [
        run_layer(ctx, name, lambda c=case: cls(*(c[a] for a in args)), case["X"], case["G"])
        for case in cases
    ]


@probe("layers.centered", returns=ListOf(CASE))
def centered(ctx: ProbeContext, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return _run_cases(ctx, "CenteredLayer", cases, ())


@probe("layers.my_linear", returns=ListOf(CASE))
def my_linear(ctx: ProbeContext, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return _run_cases(ctx, "MyLinear", cases, ("in_units", "units"))


@probe("layers.tensor_reduction", returns=ListOf(CASE))
def tensor_reduction(ctx: ProbeContext, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return _run_cases(ctx, "TensorReduction", cases, ("i", "k"))


@probe("layers.fourier_half", returns=ListOf(CASE))
def fourier_half(ctx: ProbeContext, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return _run_cases(ctx, "FourierHalf", cases, ())
