"""Probes for the ``modules`` section (layers and modules). Run where the submission runs."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from grader import observers, specs
from grader.probes import ProbeContext, probe
from grader.probes.common import PARAMETER, parameter_report
from grader.schema import TENSOR, ListOf, Optional, TupleOf

SECTION = "modules"

# Reply shapes (validated in the parent before a check reads a reply).
LAZY_INFO = {"present": bool, "type": str, "lazy": bool, "out_features": Optional(int)}
WEIGHT_AND_BIAS = TupleOf(TENSOR, Optional(TENSOR))
IDENTITY = {
    "parameters": ListOf(TupleOf(str, int, str)),
    "children": ListOf(int),
    "state_dict": ListOf(str),
}
CONTAINERS = (nn.Sequential, nn.ModuleList)
"""What MySequential must be written without."""
CHIMERA_STRUCTURE = {
    "is_sequential": bool,
    "parts": ListOf(str),
    "first_is_nest": bool,
    "last_is_fixed": bool,
    "middle": Optional(LAZY_INFO),
}


def as_tensor(ctx: ProbeContext, what: str, value: Any) -> torch.Tensor:
    """The student's result if it is a tensor, else stop with a clear message."""
    if not isinstance(value, torch.Tensor):
        raise ctx.invalid(what, f"returned a {type(value).__name__}, expected a tensor")
    return value.detach()


def state_dict_keys(ctx: ProbeContext, what: str, module: nn.Module) -> list[str]:
    return [
        str(k) for k in ctx.run(f"{what}.state_dict()", lambda: list(module.state_dict().keys()))
    ]


_ABSENT = object()


def _lazy_linear_info(module: Any) -> dict[str, Any]:
    """A layer's type and laziness (``present`` False when the attribute does not exist)."""
    if module is _ABSENT:
        return {"present": False, "type": "", "lazy": False, "out_features": None}
    out_features = getattr(module, "out_features", None)
    lazy = isinstance(module, nn.modules.lazy.LazyModuleMixin) and module.has_uninitialized_params()
    return {
        "present": True,
        "type": type(module).__name__,
        "lazy": lazy is True,
        "out_features": out_features if type(out_features) is int else None,
    }


def _weight_and_bias(module: Any) -> tuple[torch.Tensor, torch.Tensor | None] | None:
    """A materialised Linear's weight and bias (None for anything else, uninitialised included)."""
    if not isinstance(module, nn.Linear) or isinstance(
        module.weight, nn.parameter.UninitializedParameter
    ):
        return None
    return (
        module.weight.detach().clone(),
        None if module.bias is None else module.bias.detach().clone(),
    )


@probe(
    "modules.mlp",
    returns={
        "before": {"hidden": LAZY_INFO, "out": LAZY_INFO},
        "after": ListOf(PARAMETER),
        "output": TENSOR,
        "layers": TupleOf(Optional(WEIGHT_AND_BIAS), Optional(WEIGHT_AND_BIAS)),
    },
)
def mlp(
    ctx: ProbeContext, X: torch.Tensor, hidden: int | None = None, out: int | None = None
) -> dict[str, Any]:
    cls = ctx.definition(SECTION, "MLP")
    args = () if hidden is None else (hidden, out)
    net = ctx.run("MLP(...)", cls, *args)
    before = {
        "hidden": _lazy_linear_info(getattr(net, "hidden", _ABSENT)),
        "out": _lazy_linear_info(getattr(net, "out", _ABSENT)),
    }
    y = as_tensor(ctx, "MLP.forward", ctx.run("MLP.forward", net, X))
    layers = (
        _weight_and_bias(getattr(net, "hidden", None)),
        _weight_and_bias(getattr(net, "out", None)),
    )
    return {
        "before": before,
        "after": parameter_report(ctx, "MLP", net),
        "output": y,
        "layers": layers,
    }


def _build_stack(ctx: ProbeContext, stack: specs.Node, name: str) -> tuple[nn.Module, list[Any]]:
    cls = ctx.definition(SECTION, name)
    registry: list[Any] = []

    def make(*modules: nn.Module) -> nn.Module:
        return ctx.run(f"{name}(...)", cls, *modules)

    return specs.build(stack, make, registry), registry


def _identity_report(
    ctx: ProbeContext, what: str, net: nn.Module, registry: list[Any]
) -> dict[str, Any]:
    owners = specs.parameter_owners(registry)
    named = ctx.run(f"{what}.named_parameters()", lambda: list(net.named_parameters()))
    children = ctx.run(f"{what}.children()", lambda: list(net.children()))
    return {
        "parameters": [(str(n), *owners.get(id(p), (-1, ""))) for n, p in named],
        "children": [specs.index_of(child, registry) for child in children],
        "state_dict": state_dict_keys(ctx, what, net),
    }


for _container in CONTAINERS:
    # Replaced in the zygote, before any student code (a subclass's __init__ calls theirs).
    observers.watch(f"nn.{_container.__name__}", _container.__dict__["__init__"], _container)
CONTAINER_KEYS = frozenset(f"nn.{c.__name__}" for c in CONTAINERS)
_MRO_OF = type.__dict__["__mro__"].__get__


@probe(
    "modules.sequential",
    returns={
        **IDENTITY,
        "output": TENSOR,
        "updated": Optional(ListOf(WEIGHT_AND_BIAS)),
        "containers": ListOf(str),
    },
)
def sequential(
    ctx: ProbeContext, stack: specs.Node, X: torch.Tensor, lr: float = 0.0
) -> dict[str, Any]:
    """Build the stack around MySequential, run it in eval mode; optionally take one SGD step.
    ``containers``: the nn.Sequential / nn.ModuleList classes MySequential built (or is)."""
    with observers.recording() as called:
        net, registry = _build_stack(ctx, stack, "MySequential")
        ctx.run("MySequential.eval()", net.eval)
        report = _identity_report(ctx, "MySequential", net, registry)
        y = ctx.run("MySequential.forward", net, X)
    # Also by inheritance (a subclass that never calls their __init__): the class's real MRO, read
    # past any metaclass (type's own descriptor), not what an attribute lookup would say.
    inherited = {f"nn.{c.__name__}" for c in CONTAINERS if c in _MRO_OF(type(net))}
    report["containers"] = sorted((set(called) & CONTAINER_KEYS) | inherited)
    report["output"] = as_tensor(ctx, "MySequential.forward", y)
    report["updated"] = None
    if lr:
        # What torch.optim.SGD does with net.parameters(), without constructing an optimizer (that
        # imports torch._dynamo, a second of start-up in every fresh child).
        params = ctx.run("MySequential.parameters()", lambda: list(net.parameters()))
        ctx.run("loss.backward()", lambda: y.sum().backward())
        with torch.no_grad():
            for param in params:
                if param.grad is not None:
                    param -= lr * param.grad
        linears = [m for m in registry if isinstance(m, nn.Linear)]
        report["updated"] = [_weight_and_bias(m) for m in linears]
    return report


@probe(
    "modules.fixed_hidden",
    returns={
        "rand_weight": TENSOR,
        "rand_weight_requires_grad": bool,
        "parameter_names": ListOf(str),
        "state_dict": ListOf(str),
        "output": TENSOR,
        "weight": TENSOR,
        "bias": Optional(TENSOR),
        "weight_grad": Optional(TENSOR),
        "bias_grad": Optional(TENSOR),
        "output_requires_grad": bool,
        "dtype_after_to": Optional(str),
    },
)
def fixed_hidden(ctx: ProbeContext, X: torch.Tensor) -> dict[str, Any]:
    cls = ctx.definition(SECTION, "FixedHiddenMLP")
    net = ctx.run("FixedHiddenMLP()", cls)
    rand_weight = getattr(net, "rand_weight", None)
    if not isinstance(rand_weight, torch.Tensor):
        raise ctx.invalid("FixedHiddenMLP", "has no tensor attribute `rand_weight`")
    linear = getattr(net, "linear", None)
    if not isinstance(linear, nn.Module):
        raise ctx.invalid("FixedHiddenMLP", "has no module attribute `linear`")
    param_names = [
        str(n) for n, _ in ctx.run("named_parameters()", lambda: list(net.named_parameters()))
    ]
    report: dict[str, Any] = {
        "rand_weight": rand_weight.detach().clone(),
        "rand_weight_requires_grad": bool(rand_weight.requires_grad),
        "parameter_names": param_names,
        "state_dict": state_dict_keys(ctx, "FixedHiddenMLP", net),
    }
    y = ctx.run("FixedHiddenMLP.forward", net, X)
    if not isinstance(y, torch.Tensor):
        raise ctx.invalid(
            "FixedHiddenMLP.forward", f"returned a {type(y).__name__}, expected a tensor"
        )
    report["output"] = y.detach().clone()
    weights = _weight_and_bias(linear)
    if weights is None:
        raise ctx.invalid("FixedHiddenMLP.linear", "is not an nn.Linear after the first call")
    report["weight"], report["bias"] = weights
    if y.requires_grad and y.numel() == 1:
        ctx.run("output.backward()", y.backward)
        report["weight_grad"] = None if linear.weight.grad is None else linear.weight.grad.clone()
        report["bias_grad"] = (
            None if linear.bias is None or linear.bias.grad is None else linear.bias.grad.clone()
        )
    else:
        report["weight_grad"] = report["bias_grad"] = None
    report["output_requires_grad"] = bool(y.requires_grad)
    ctx.run("FixedHiddenMLP.to(torch.float64)", net.to, torch.float64)
    moved = getattr(net, "rand_weight", None)
    report["dtype_after_to"] = str(moved.dtype) if isinstance(moved, torch.Tensor) else None
    return report


@probe(
    "modules.nest_mlp",
    returns={"after": ListOf(PARAMETER), "output": TENSOR},
)
def nest_mlp(ctx: ProbeContext, X: torch.Tensor) -> dict[str, Any]:
    cls = ctx.definition(SECTION, "NestMLP")
    net = ctx.run("NestMLP()", cls)
    y = as_tensor(ctx, "NestMLP.forward", ctx.run("NestMLP.forward", net, X))
    return {"after": parameter_report(ctx, "NestMLP", net), "output": y}


def _chimera(ctx: ProbeContext) -> tuple[nn.Module, list[nn.Module], dict[str, Any]]:
    build = ctx.definition(SECTION, "chimera")
    nest_cls = ctx.definition(SECTION, "NestMLP")
    fixed_cls = ctx.definition(SECTION, "FixedHiddenMLP")
    net = ctx.run("chimera()", build)
    if not isinstance(net, nn.Module):
        raise ctx.invalid("chimera()", f"returned a {type(net).__name__}, expected a module")
    parts = list(net._modules.values()) if isinstance(net, nn.Sequential) else []
    structure = {
        "is_sequential": isinstance(net, nn.Sequential),
        "parts": [type(p).__name__ for p in parts],
        "first_is_nest": bool(parts) and type(parts[0]) is nest_cls,
        "last_is_fixed": len(parts) == 3 and type(parts[2]) is fixed_cls,
        "middle": _lazy_linear_info(parts[1]) if len(parts) == 3 else None,
    }
    return net, parts, structure


@probe(
    "modules.chimera_structure",
    returns={
        "structure": CHIMERA_STRUCTURE,
        "names": ListOf(str),
        "part_names": ListOf(ListOf(str)),
    },
)
def chimera_structure(ctx: ProbeContext) -> dict[str, Any]:
    """What chimera() builds, before any call: part types, laziness, parameter names."""
    net, parts, structure = _chimera(ctx)
    return {
        "structure": structure,
        "names": [p["name"] for p in parameter_report(ctx, "chimera()", net)],
        "part_names": [
            [p["name"] for p in parameter_report(ctx, f"chimera()[{i}]", part)]
            for i, part in enumerate(parts)
        ],
    }


@probe(
    "modules.chimera",
    returns={
        "structure": CHIMERA_STRUCTURE,
        "output": TENSOR,
        "parts_outputs": Optional(TupleOf(TENSOR, TENSOR, TENSOR)),
        "middle_params": Optional(WEIGHT_AND_BIAS),
    },
)
def chimera(ctx: ProbeContext, X: torch.Tensor) -> dict[str, Any]:
    """chimera()'s output, and each part's output on the previous part's."""
    net, parts, structure = _chimera(ctx)
    y = ctx.run("chimera().forward", net, X)
    report: dict[str, Any] = {
        "structure": structure,
        "output": as_tensor(ctx, "chimera().forward", y),
    }
    report["parts_outputs"] = None
    report["middle_params"] = None
    if len(parts) == 3:
        with torch.no_grad():
            o1 = as_tensor(ctx, "chimera()[0]", ctx.run("chimera()[0].forward", parts[0], X))
            o2 = as_tensor(ctx, "chimera()[1]", ctx.run("chimera()[1].forward", parts[1], o1))
            o3 = as_tensor(ctx, "chimera()[2]", ctx.run("chimera()[2].forward", parts[2], o2))
        report["parts_outputs"] = (o1, o2, o3)
        report["middle_params"] = _weight_and_bias(parts[1])
    return report


@probe("modules.parallel", returns={**IDENTITY, "output": TENSOR})
def parallel(
    ctx: ProbeContext, net1: specs.Node, net2: specs.Node, X: torch.Tensor, dim: int | None = None
) -> dict[str, Any]:
    cls = ctx.definition(SECTION, "Parallel")
    registry: list[Any] = []
    first = specs.build(net1, nn.Sequential, registry)
    second = specs.build(net2, nn.Sequential, registry)
    args = (first, second) if dim is None else (first, second, dim)
    net = ctx.run("Parallel(...)", cls, *args)
    report = _identity_report(ctx, "Parallel", net, registry)
    y = ctx.run("Parallel.forward", net, X)
    report["output"] = as_tensor(ctx, "Parallel.forward", y)
    return report


@probe(
    "modules.replicate",
    returns={
        "is_sequential": bool,
        "children": ListOf(int),
        "distinct_parameters": int,
        "parameter_slots": int,
        "child_parameters": ListOf(ListOf(TENSOR)),
        "output": TENSOR,
    },
)
def replicate(ctx: ProbeContext, block: specs.Node, n: int, X: torch.Tensor) -> dict[str, Any]:
    """``block`` is built with PyTorch's default (random) initialisation on every factory() call."""
    fn = ctx.definition(SECTION, "replicate")
    made: list[nn.Module] = []

    def factory() -> nn.Module:
        registry: list[Any] = []
        module = specs.build(block, nn.Sequential, registry)
        for m in registry:
            if isinstance(m, nn.Linear):
                m.reset_parameters()  # independent instances differ, as real factories' do
        made.append(module)
        return module

    net = ctx.run("replicate(factory, n)", fn, factory, n)
    if not isinstance(net, nn.Module):
        raise ctx.invalid(
            "replicate(factory, n)", f"returned a {type(net).__name__}, expected an nn.Sequential"
        )
    children = list(net._modules.values())
    all_params = [p for child in children for p in child.parameters()]
    report: dict[str, Any] = {
        "is_sequential": isinstance(net, nn.Sequential),
        "children": [specs.index_of(child, made) for child in children],
        "distinct_parameters": len({id(p) for p in all_params}),
        "parameter_slots": len(all_params),
        "child_parameters": [
            [p.detach().clone() for p in child.parameters()] for child in children
        ],
    }
    y = ctx.run("replicate(factory, n).forward", net, X)
    report["output"] = as_tensor(ctx, "replicate(...).forward", y)
    return report
