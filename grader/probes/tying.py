"""Probes for the ``tying`` section (shared parameters). Run where the submission runs.

Identity is decided here, next to the objects (``is`` between modules and parameters), and sent
to the parent as booleans and indices; values travel as tensors for the parent's PyTorch reference.
"""

from __future__ import annotations

import io
from typing import Any

import torch
from torch import nn

from grader.probes import ProbeContext, probe
from grader.probes.common import attempt, require_tensor, safe_type
from grader.schema import TENSOR, ListOf, Optional, TupleOf, TupleOfAny

SECTION = "tying"

WEIGHT_AND_BIAS = TupleOf(TENSOR, Optional(TENSOR))
GRADS = TupleOf(Optional(TENSOR), Optional(TENSOR))


def _linear_values(module: Any) -> tuple[torch.Tensor, torch.Tensor | None] | None:
    if not isinstance(module, nn.Linear) or isinstance(
        module.weight, nn.parameter.UninitializedParameter
    ):
        return None
    bias = None if module.bias is None else module.bias.detach().clone()
    return module.weight.detach().clone(), bias


def _grads(module: Any) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    if not isinstance(module, nn.Linear):
        return None, None
    weight = None if module.weight.grad is None else module.weight.grad.clone()
    bias = None if module.bias is None or module.bias.grad is None else module.bias.grad.clone()
    return weight, bias


def _first_index(children: list[Any]) -> list[int]:
    """For each child, the position of the first child that is the very same object."""
    return [next(j for j, other in enumerate(children) if other is child) for child in children]


# -- tied_mlp ----------------------------------------------------------------------------------


@probe(
    "tying.tied_mlp",
    returns={
        "types": ListOf(str),
        "same_as": ListOf(int),
        "given_at": ListOf(int),
        "shared_shape": Optional(TupleOfAny(int)),
        "layers": ListOf(Optional(WEIGHT_AND_BIAS)),
        "output": TENSOR,
        "grads": ListOf(GRADS),
        "parameter_names": ListOf(str),
        "state_dict": ListOf(str),
        "write": Optional({"before": TENSOR, "middle": TENSOR, "other": TENSOR}),
    },
)
def tied_mlp(
    ctx: ProbeContext, X: torch.Tensor, shared: tuple[torch.Tensor, torch.Tensor] | None = None
) -> dict[str, Any]:
    """tied_mlp() or tied_mlp(Linear(8, 8) with the given weights): structure and identity before
    the first call; output and every Linear's gradient after output.sum().backward(); then whether
    an in-place change of layer 2's weight shows in layer 4's."""
    fn = ctx.definition(SECTION, "tied_mlp")
    given = None
    if shared is not None:
        given = nn.Linear(8, 8)
        with torch.no_grad():
            given.weight.copy_(shared[0])
            given.bias.copy_(shared[1])
    what = "tied_mlp()" if given is None else "tied_mlp(shared)"
    net = ctx.run(what, fn) if given is None else ctx.run(what, fn, given)
    if not isinstance(net, nn.Module):
        raise ctx.invalid(what, f"returned a {type(net).__name__}, expected an nn.Sequential")
    children = list(net._modules.values())
    middle = children[2] if len(children) > 2 else None
    report: dict[str, Any] = {
        "types": [type(c).__name__ for c in children],
        "same_as": _first_index(children),
        "given_at": [i for i, c in enumerate(children) if given is not None and c is given],
        "shared_shape": tuple(middle.weight.shape) if isinstance(middle, nn.Linear) else None,
    }
    ctx.run(f"{what}.to({ctx.device!r})", net.to, ctx.device)
    y = require_tensor(ctx, f"{what}.forward", ctx.run(f"{what}.forward", net, X.to(ctx.device)))
    if y.requires_grad:
        ctx.run(f"{what}(X).sum().backward()", y.sum().backward)
    report["output"] = y.detach().clone()
    report["layers"] = [_linear_values(c) for c in children]
    report["grads"] = [_grads(c) for c in children]
    report["parameter_names"] = [
        str(n)
        for n, _ in ctx.run(f"{what}.named_parameters()", lambda: list(net.named_parameters()))
    ]
    report["state_dict"] = [str(k) for k in ctx.run(f"{what}.state_dict()", net.state_dict)]
    # The parent compares: a submission can patch torch's comparisons in its own process.
    report["write"] = None
    if len(children) > 4 and isinstance(middle, nn.Linear) and isinstance(children[4], nn.Linear):
        other = children[4]
        with torch.no_grad():
            before = other.weight.detach().clone()
            middle.weight.add_(1.0)
            report["write"] = {
                "before": before,
                "middle": middle.weight.detach().clone(),
                "other": other.weight.detach().clone(),
            }
    return report


# -- TiedAutoencoder ---------------------------------------------------------------------------

PARAMS = TupleOf(TENSOR, TENSOR, TENSOR)  # encoder.weight, encoder.bias, decoder_bias


def _autoencoder_parts(ctx: ProbeContext, what: str, net: Any) -> tuple[nn.Linear, torch.Tensor]:
    encoder = getattr(net, "encoder", None)
    if not isinstance(encoder, nn.Linear) or encoder.bias is None:
        raise ctx.invalid(what, "has no attribute `encoder` that is an nn.Linear with a bias")
    bias = getattr(net, "decoder_bias", None)
    if not isinstance(bias, torch.Tensor):
        raise ctx.invalid(what, "has no tensor attribute `decoder_bias`")
    return encoder, bias


def _values(encoder: nn.Linear, bias: torch.Tensor) -> tuple[torch.Tensor, ...]:
    return (
        encoder.weight.detach().clone(),
        encoder.bias.detach().clone(),
        bias.detach().clone(),
    )


def _loss_and_grads(
    ctx: ProbeContext, what: str, net: nn.Module, X: torch.Tensor
) -> tuple[torch.Tensor, tuple[torch.Tensor | None, ...]]:
    """Output, and the gradients of encoder.weight, encoder.bias, decoder_bias for the loss
    ((net(X) - X) ** 2).sum(), starting from no gradient."""
    encoder, bias = _autoencoder_parts(ctx, what, net)
    tensors = (encoder.weight, encoder.bias, bias)
    for t in tensors:
        t.grad = None
    y = require_tensor(ctx, f"{what}.forward", ctx.run(f"{what}.forward", net, X))
    if y.requires_grad and y.shape == X.shape:
        ctx.run(f"{what}: loss.backward()", ((y - X) ** 2).sum().backward)
    grads = tuple(None if t.grad is None else t.grad.detach().clone() for t in tensors)
    return y.detach().clone(), grads


@probe(
    "tying.autoencoder",
    returns={
        "parameters": ListOf(TupleOf(str, TupleOfAny(int))),
        "distinct": int,
        "state_dict": ListOf(str),
        "initial": PARAMS,
        "output": TENSOR,
        "grads": TupleOf(Optional(TENSOR), Optional(TENSOR), Optional(TENSOR)),
        "trained": PARAMS,
        "trained_output": TENSOR,
        "loaded_output": TENSOR,
        "loaded_distinct": int,
        "loaded_grads": TupleOf(Optional(TENSOR), Optional(TENSOR), Optional(TENSOR)),
    },
)
def autoencoder(
    ctx: ProbeContext, n_in: int, n_hidden: int, X: torch.Tensor, steps: int, lr: float
) -> dict[str, Any]:
    """TiedAutoencoder(n_in, n_hidden): parameters; output and gradients for the loss
    ((out - X) ** 2).sum(); ``steps`` plain SGD steps over parameters() (what torch.optim.SGD does,
    without importing it); then a state_dict round trip through torch.save/torch.load into a fresh
    TiedAutoencoder, its output and gradients."""
    cls = ctx.definition(SECTION, "TiedAutoencoder")
    what = f"TiedAutoencoder({n_in}, {n_hidden})"
    net = ctx.run(what, cls, n_in, n_hidden)
    if not isinstance(net, nn.Module):
        raise ctx.invalid(what, f"is a {type(net).__name__}, not an nn.Module")
    ctx.run(f"{what}.to({ctx.device!r})", net.to, ctx.device)
    X = X.to(ctx.device)
    named = ctx.run(f"{what}.named_parameters()", lambda: list(net.named_parameters()))
    params = ctx.run(f"{what}.parameters()", lambda: list(net.parameters()))
    report: dict[str, Any] = {
        "parameters": [(str(n), tuple(p.shape)) for n, p in named],
        "distinct": len({id(p) for p in params}),
        "state_dict": [str(k) for k in ctx.run(f"{what}.state_dict()", net.state_dict)],
        "initial": _values(*_autoencoder_parts(ctx, what, net)),
    }
    report["output"], report["grads"] = _loss_and_grads(ctx, what, net, X)
    for _ in range(steps):
        for p in params:
            p.grad = None
        y = require_tensor(ctx, f"{what}.forward", ctx.run(f"{what}.forward", net, X))
        if not y.requires_grad or y.shape != X.shape:
            break
        ctx.run(f"{what}: loss.backward()", ((y - X) ** 2).sum().backward)
        with torch.no_grad():
            for p in params:
                if p.grad is not None:
                    p -= lr * p.grad
    report["trained"] = _values(*_autoencoder_parts(ctx, what, net))
    with torch.no_grad():
        trained_output = ctx.run(f"{what}.forward", net, X)
    report["trained_output"] = (
        require_tensor(ctx, f"{what}.forward", trained_output).detach().clone()
    )
    buffer = io.BytesIO()
    state = ctx.run(f"{what}.state_dict()", net.state_dict)
    torch.save(state, buffer)
    buffer.seek(0)
    fresh = ctx.run(what, cls, n_in, n_hidden)
    ctx.run(f"{what}.to({ctx.device!r})", fresh.to, ctx.device)
    loaded = torch.load(buffer, weights_only=True, map_location=ctx.device)
    ctx.run(f"{what}.load_state_dict(...)", fresh.load_state_dict, loaded)
    report["loaded_distinct"] = len(
        {id(p) for p in ctx.run(f"{what}.parameters()", lambda: list(fresh.parameters()))}
    )
    report["loaded_output"], report["loaded_grads"] = _loss_and_grads(ctx, what, fresh, X)
    return report


@probe(
    "tying.autoencoder_converted",
    returns={
        "double": PARAMS,
        "double_output": TENSOR,
        "assigned_output": TENSOR,
        "assigned_distinct": int,
    },
)
def autoencoder_converted(
    ctx: ProbeContext,
    n_in: int,
    n_hidden: int,
    X: torch.Tensor,
    state: dict[str, torch.Tensor],
) -> dict[str, Any]:
    """TiedAutoencoder(n_in, n_hidden).double(): its parameters and output on X in float64; then a
    fresh one loaded with load_state_dict(state, assign=True) (new Parameter objects): its output
    on X and how many distinct parameters it holds."""
    cls = ctx.definition(SECTION, "TiedAutoencoder")
    what = f"TiedAutoencoder({n_in}, {n_hidden})"
    net = ctx.run(what, cls, n_in, n_hidden)
    if not isinstance(net, nn.Module):
        raise ctx.invalid(what, f"is a {type(net).__name__}, not an nn.Module")
    ctx.run(f"{what}.to({ctx.device!r})", net.to, ctx.device)
    ctx.run(f"{what}.double()", net.double)
    with torch.no_grad():
        y = ctx.run(f"{what}.double()(X)", net, X.to(ctx.device, torch.float64))
    report: dict[str, Any] = {
        "double": _values(*_autoencoder_parts(ctx, f"{what}.double()", net)),
        "double_output": require_tensor(ctx, f"{what}.double()(X)", y).detach().clone(),
    }
    fresh = ctx.run(what, cls, n_in, n_hidden)
    ctx.run(f"{what}.to({ctx.device!r})", fresh.to, ctx.device)
    loaded = {key: value.to(ctx.device).clone() for key, value in state.items()}
    ctx.run(
        f"{what}.load_state_dict(state, assign=True)", fresh.load_state_dict, loaded, assign=True
    )
    with torch.no_grad():
        y = ctx.run(f"{what}(X) after load_state_dict(state, assign=True)", fresh, X.to(ctx.device))
    report["assigned_output"] = require_tensor(ctx, f"{what}.forward", y).detach().clone()
    report["assigned_distinct"] = len(
        {id(p) for p in ctx.run(f"{what}.parameters()", lambda: list(fresh.parameters()))}
    )
    return report


# -- tie ---------------------------------------------------------------------------------------


def _layer(shape: tuple[int, int], values: tuple[torch.Tensor, torch.Tensor] | None) -> nn.Linear:
    out_features, in_features = shape
    layer = nn.Linear(in_features, out_features)
    if values is not None:
        with torch.no_grad():
            layer.weight.copy_(values[0])
            layer.bias.copy_(values[1])
    return layer


@probe(
    "tying.tie",
    returns=ListOf(
        {
            "dst_holds_src": bool,
            "src_unchanged": bool,
            "dst_unchanged": bool,
            "raised": Optional(str),
            "is_value_error": bool,
            "message": str,
            "trace": str,
            "parameter_names": ListOf(str),
            "state_dict": ListOf(str),
            "output": Optional(TENSOR),
            "grads": ListOf(TupleOf(str, Optional(TENSOR))),
        }
    ),
)
def tie(ctx: ProbeContext, cases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For each case {"dst": (shape, values), "src": (shape, values), "name": str | None, "X"}:
    tie(dst, src[, name]); identity of dst.<name> with src's original parameter; and, when X is
    given (square layers), Sequential(src, Tanh(), dst)'s names, keys, output and gradients
    (named_parameters order) after output.sum().backward()."""
    fn = ctx.definition(SECTION, "tie")
    report = []
    for case in cases:
        dst = _layer(*case["dst"])
        src = _layer(*case["src"])
        name = case["name"] or "weight"
        original = getattr(src, name)
        old = getattr(dst, name)
        args = (dst, src) if case["name"] is None else (dst, src, case["name"])
        call = "tie(dst, src)" if case["name"] is None else f"tie(dst, src, {case['name']!r})"
        _, exc = attempt(ctx, call, fn, *args)
        entry: dict[str, Any] = {
            "dst_holds_src": getattr(dst, name, None) is original,
            "src_unchanged": getattr(src, name, None) is original,
            "dst_unchanged": getattr(dst, name, None) is old,
            "raised": None if exc is None else safe_type(exc),
            "is_value_error": isinstance(exc, ValueError),
            "message": "" if exc is None else ctx.exception_text(exc)[0],
            "trace": "" if exc is None else ctx.exception_text(exc)[1],
            "parameter_names": [],
            "state_dict": [],
            "output": None,
            "grads": [],
        }
        if case["X"] is not None and exc is None:
            net = nn.Sequential(src, nn.Tanh(), dst).to(ctx.device)
            entry["parameter_names"] = [n for n, _ in net.named_parameters()]
            entry["state_dict"] = list(net.state_dict())
            what = f"Sequential(src, Tanh(), dst) after {call}"
            y = require_tensor(ctx, what, ctx.run(what, net, case["X"].to(ctx.device)))
            if y.requires_grad:
                ctx.run(f"{what}: output.sum().backward()", y.sum().backward)
            entry["output"] = y.detach().clone()
            entry["grads"] = [
                (n, None if p.grad is None else p.grad.clone()) for n, p in net.named_parameters()
            ]
        report.append(entry)
    return report
