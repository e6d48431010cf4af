"""Hypothesis strategies for the checks: seeds, sizes, inputs and layer stacks.

Conventions: plural nouns; keyword-only ``min_*``/``max_*`` bounds with stated defaults, checked up
front and named in the error; valid values are built directly (no ``filter``/``assume``), so
shrinking goes straight to the smallest case (fewest layers, narrowest widths, batch 1). Tensors are
made from drawn integer seeds with a private ``torch.Generator``: cheap to draw, exact to reproduce.
The device never comes from a draw; it is the grading session's.
"""

from __future__ import annotations

import copy
import math
import warnings
from dataclasses import dataclass
from typing import Any

import torch
from hypothesis import strategies as st
from hypothesis.errors import HypothesisWarning
from torch import nn

from grader import specs

MAX_SEED = 2**31 - 1

# A failing example's repr is never shown (the feedback describes the input itself); a large one
# (nets of 16 layers with their weights) only made hypothesis warn on the learner's terminal.
warnings.filterwarnings("ignore", "Generating overly large repr", HypothesisWarning)


def _check_range(name: str, low: int, high: int, *, minimum: int = 0) -> None:
    if low < minimum:
        raise ValueError(f"min_{name}={low} is smaller than {minimum}")
    if low > high:
        raise ValueError(f"min_{name}={low} is larger than max_{name}={high}")


def seeds() -> st.SearchStrategy[int]:
    """Seeds for torch generators (in the parent) and for the child's global RNG."""
    return st.integers(0, MAX_SEED)


def batch_sizes(*, min_size: int = 1, max_size: int = 8) -> st.SearchStrategy[int]:
    """Batch sizes; default 1 to 8."""
    _check_range("size", min_size, max_size, minimum=1)
    return st.integers(min_size, max_size)


def widths(*, min_width: int = 1, max_width: int = 12) -> st.SearchStrategy[int]:
    """Feature counts; default 1 to 12."""
    _check_range("width", min_width, max_width, minimum=1)
    return st.integers(min_width, max_width)


def shapes(
    *, min_dims: int = 1, max_dims: int = 4, max_side: int = 5, last: int | None = None
) -> st.SearchStrategy[tuple[int, ...]]:
    """Tensor shapes of ``min_dims`` to ``max_dims`` dimensions (default 1 to 4), each side 1 to
    ``max_side`` (default 5); ``last`` fixes the last side."""
    _check_range("dims", min_dims, max_dims, minimum=1 if last is not None else 0)
    _check_range("side", 1, max_side, minimum=1)
    return st.composite(draw_shape)(
        min_dims=min_dims, max_dims=max_dims, max_side=max_side, last=last
    )


def draw_shape(
    draw: Any, *, min_dims: int, max_dims: int, max_side: int, last: int | None = None
) -> tuple[int, ...]:
    """One shape as ``shapes()`` draws it, drawn inside a composite strategy (its choices then
    belong to the caller's, as the layers' case builders have always drawn them)."""
    dims = draw(st.integers(min_dims, max_dims))
    shape = [draw(st.integers(1, max_side)) for _ in range(dims)]
    if last is not None:
        shape[-1] = last
    return tuple(shape)


def make_tensor(
    shape: tuple[int, ...], seed: int, *, dtype: torch.dtype = torch.float32, scale: float = 1.0
) -> torch.Tensor:
    """A standard normal tensor (times ``scale``) from a seed: the same seed, the same tensor."""
    generator = torch.Generator().manual_seed(seed)
    return (torch.randn(shape, generator=generator, dtype=torch.float64) * scale).to(dtype)


@dataclass(frozen=True)
class Input:
    """A drawn input tensor and how to describe it."""

    X: torch.Tensor

    def describe(self) -> str:
        return f"input of shape {tuple(self.X.shape)} ({str(self.X.dtype).removeprefix('torch.')})"


def inputs(
    *,
    features: int | None = None,
    min_batch: int = 1,
    max_batch: int = 8,
    min_width: int = 1,
    max_width: int = 12,
    scale: float = 1.0,
) -> st.SearchStrategy[Input]:
    """``(batch, features)`` float32 inputs; ``features`` fixed or drawn from the width bounds."""
    _check_range("batch", min_batch, max_batch, minimum=1)
    feature_counts = (
        st.just(features)
        if features is not None
        else widths(min_width=min_width, max_width=max_width)
    )
    return st.builds(
        lambda batch, width, seed: Input(make_tensor((batch, width), seed, scale=scale)),
        st.integers(min_batch, max_batch),
        feature_counts,
        seeds(),
    )


@dataclass(frozen=True)
class LayerStack:
    """A drawn stack of layers (a ``seq`` node) with its weights."""

    spec: specs.Node
    """The stack as plain data (see grader.specs)."""
    in_features: int
    """Input width it expects."""
    out_features: int
    """Output width it produces."""

    def describe(self, seq_name: str = "MySequential", *, root: str = "net") -> str:
        """The stack as code; a module used twice is named by its place under ``root``."""
        return specs.describe(self.spec, seq_name, root=root)

    def paths(self, root: str = "net") -> dict[int, str]:
        """Each module's place in the stack (``net[1][0]``), by its registry index."""
        return specs.module_paths(self.spec, root)

    def build_reference(self) -> tuple[nn.Module, list[nn.Module | None]]:
        """The same stack around nn.Sequential, with its pre-order registry."""
        registry: list[nn.Module | None] = []
        return specs.build(self.spec, nn.Sequential, registry), registry


@dataclass(frozen=True)
class _StackBounds:
    """The arguments of layer_stacks, checked once."""

    min_layers: int
    max_layers: int
    max_depth: int
    min_width: int
    max_width: int
    in_features: int | None
    out_features: int | None
    shared: bool
    dropout: bool
    activations: bool
    require_linear: bool


def layer_stacks(
    *,
    min_layers: int = 1,
    max_layers: int = 5,
    max_depth: int = 1,
    min_width: int = 1,
    max_width: int = 10,
    in_features: int | None = None,
    out_features: int | None = None,
    shared: bool = True,
    dropout: bool = True,
    activations: bool = True,
    require_linear: bool = False,
) -> st.SearchStrategy[LayerStack]:
    """Stacks of Linear, ReLU, Tanh, Dropout, nested stacks (up to ``max_depth`` deep) and, with
    ``shared``, a square Linear used a second time (the very same module, as in tied layers).

    Defaults: 1 to 5 layers per level, nesting 1 deep, widths 1 to 10. ``out_features`` appends a
    final Linear to that width; ``require_linear`` guarantees at least one Linear.
    """
    _check_range("layers", min_layers, max_layers, minimum=0)
    _check_range("width", min_width, max_width, minimum=1)
    if max_depth < 0:
        raise ValueError(f"max_depth={max_depth} is negative")
    bounds = _StackBounds(
        min_layers=min_layers,
        max_layers=max_layers,
        max_depth=max_depth,
        min_width=min_width,
        max_width=max_width,
        in_features=in_features,
        out_features=out_features,
        shared=shared,
        dropout=dropout,
        activations=activations,
        require_linear=require_linear,
    )
    return _layer_stacks(bounds)


@st.composite
def _layer_stacks(draw: Any, b: _StackBounds) -> LayerStack:
    generator = torch.Generator().manual_seed(draw(seeds()))
    counter = [0]
    squares: list[tuple[int, int]] = []  # (registry index, width) of square Linears built so far

    def linear(n_in: int, n_out: int) -> specs.Node:
        index = counter[0]
        counter[0] += 1
        bound = 1.0 / math.sqrt(n_in)
        weight = (torch.rand((n_out, n_in), generator=generator) * 2 - 1) * bound * 2
        bias = (torch.rand((n_out,), generator=generator) * 2 - 1) * bound
        if n_in == n_out:
            squares.append((index, n_in))
        return {"kind": "linear", "in": n_in, "out": n_out, "weight": weight, "bias": bias}

    def simple(kind: str, **extra: Any) -> specs.Node:
        counter[0] += 1
        return {"kind": kind, **extra}

    def stack(depth: int, width: int, low: int, high: int) -> tuple[specs.Node, int]:
        counter[0] += 1  # the container itself is built first in pre-order
        items: list[specs.Node] = []
        for _ in range(draw(st.integers(low, high))):
            kinds = ["linear", "square"]
            if b.activations:
                kinds += ["relu", "tanh"]
            if b.dropout:
                kinds.append("dropout")
            if depth < b.max_depth:
                kinds.append("seq")
            tied = [index for index, w in squares if w == width]
            if b.shared and tied:
                kinds.append("again")
            kind = draw(st.sampled_from(kinds))
            if kind == "linear":
                new_width = draw(widths(min_width=b.min_width, max_width=b.max_width))
                items.append(linear(width, new_width))
                width = new_width
            elif kind == "square":
                items.append(linear(width, width))
            elif kind in ("relu", "tanh"):
                items.append(simple(kind))
            elif kind == "dropout":
                items.append(simple("dropout", p=draw(st.sampled_from([0.5, 0.1, 0.9]))))
            elif kind == "seq":
                node, width = stack(depth + 1, width, 1, max(1, high - 1))
                items.append(node)
            else:
                items.append({"kind": "ref", "target": draw(st.sampled_from(tied))})
        return {"kind": "seq", "items": items}, width

    start = (
        b.in_features
        if b.in_features is not None
        else draw(widths(min_width=b.min_width, max_width=b.max_width))
    )
    spec, width = stack(0, start, b.min_layers, b.max_layers)
    if b.require_linear and not _has_linear(spec):
        spec["items"].append(linear(width, width))
    if b.out_features is not None:
        spec["items"].append(linear(width, b.out_features))
        width = b.out_features
    return LayerStack(spec, start, width)


def _has_linear(node: specs.Node) -> bool:
    if node["kind"] == "linear":
        return True
    return node["kind"] == "seq" and any(_has_linear(child) for child in node["items"])


# -- stacks with BatchNorm, frozen and shared layers -----------------------------------------------


def linear_node(n_in: int, n_out: int, generator: torch.Generator) -> specs.Node:
    bound = 1.0 / math.sqrt(n_in)
    weight = (torch.rand((n_out, n_in), generator=generator) * 2 - 1) * bound * 2
    bias = (torch.rand((n_out,), generator=generator) * 2 - 1) * bound
    return {"kind": "linear", "in": n_in, "out": n_out, "weight": weight, "bias": bias}


def _batchnorm_node(width: int, generator: torch.Generator) -> specs.Node:
    return {
        "kind": "batchnorm",
        "features": width,
        "weight": 1 + 0.2 * torch.randn(width, generator=generator),
        "bias": 0.2 * torch.randn(width, generator=generator),
        "running_mean": 0.5 * torch.randn(width, generator=generator),
        "running_var": 0.5 + torch.rand(width, generator=generator),
        "tracked": int(torch.randint(1, 100, (), generator=generator)),
    }


def _count(node: specs.Node) -> int:
    """Modules a node builds (its size in the pre-order registry)."""
    if node["kind"] == "ref":
        return 0
    if node["kind"] == "seq":
        return 1 + sum(_count(child) for child in node["items"])
    return 1


def _kinds(node: specs.Node) -> list[str]:
    if node["kind"] == "seq":
        return ["seq"] + [k for child in node["items"] for k in _kinds(child)]
    return [node["kind"] + ("-frozen" if node.get("frozen") else "")]


@st.composite
def mixed_stacks(
    draw: Any,
    *,
    batchnorm: bool = True,
    shared: bool = True,
    frozen: bool = True,
    out_features: int | None = None,
    max_depth: int = 2,
    min_layers: int = 1,
    max_layers: int = 4,
) -> LayerStack:
    """A nested stack (``layer_stacks``) where some activations become BatchNorm1d layers and some
    layers are frozen; each feature asked for occurs at least once (appended at the top level if the
    draw did not give it). ``out_features`` appends a final, trainable Linear. No Dropout."""
    stack = draw(
        layer_stacks(
            max_depth=max_depth,
            min_layers=min_layers,
            max_layers=max_layers,
            max_width=6,
            shared=shared,
            dropout=False,
            require_linear=True,
        )
    )
    spec = copy.deepcopy(stack.spec)
    generator = torch.Generator().manual_seed(draw(seeds()))

    def chance(p: float) -> bool:  # decided by the drawn seed: fewer hypothesis draws, faster
        return bool(torch.rand((), generator=generator) < p)

    def walk(node: specs.Node, width: int) -> int:
        for index, child in enumerate(node["items"]):
            kind = child["kind"]
            if kind == "seq":
                width = walk(child, width)
            elif kind == "linear":
                width = child["out"]
                if frozen and chance(0.25):
                    child["frozen"] = True
            elif kind in ("relu", "tanh") and batchnorm and chance(0.5):
                node["items"][index] = _batchnorm_node(width, generator)
                if frozen and chance(0.25):
                    node["items"][index]["frozen"] = True
        return width

    width = walk(spec, stack.in_features)
    kinds = _kinds(spec)
    items = spec["items"]
    if shared and "ref" not in kinds:
        target = _count(spec)
        items += [linear_node(width, width, generator), {"kind": "ref", "target": target}]
    if batchnorm and not any(k.startswith("batchnorm") for k in kinds):
        items.append(_batchnorm_node(width, generator))
    if frozen and not any(k.endswith("-frozen") for k in kinds):
        node = linear_node(width, width, generator)
        node["frozen"] = True
        items.append(node)
    if out_features is not None:
        items.append(linear_node(width, out_features, generator))
        width = out_features
    return LayerStack(spec, stack.in_features, width)


@st.composite
def batchnorm_stacks(draw: Any) -> tuple[LayerStack, Input]:
    """A layer stack that starts with a BatchNorm1d (parameters and running statistics), and an
    input for it."""
    width = draw(widths(min_width=2, max_width=6))
    stack = draw(
        layer_stacks(
            max_depth=1,
            shared=False,
            dropout=True,
            in_features=width,
            out_features=width,
            max_layers=3,
        )
    )
    generator = torch.Generator().manual_seed(draw(seeds()))
    stack.spec["items"].insert(
        0,
        {
            "kind": "batchnorm",
            "features": width,
            "weight": 1 + 0.1 * torch.randn((width,), generator=generator),
            "bias": 0.1 * torch.randn((width,), generator=generator),
            "running_mean": torch.randn((width,), generator=generator),
            "running_var": torch.rand((width,), generator=generator) + 0.5,
            "tracked": 3,
        },
    )
    x = draw(inputs(features=width, max_batch=4))
    return stack, x


@st.composite
def mixtures(draw: Any, max_components: int = 4) -> tuple[tuple[float, float, float], ...]:
    """Valid mixtures: 1 to 4 components with weights from small integer counts (summing to 1),
    bounds on a grid of quarters (exact in float32), about a third of them point masses."""
    size = draw(st.integers(1, max_components))
    counts = [draw(st.integers(1, 8)) for _ in range(size)]
    total = sum(counts)
    components = []
    for count in counts:
        low = draw(st.integers(-40, 40)) / 4
        width = draw(st.sampled_from([0, 0, 1, 2, 4, 8, 20, 40])) / 4
        components.append((count / total, low, low + width))
    return tuple(components)
