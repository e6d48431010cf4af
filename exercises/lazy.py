# Exercise file: replace each `raise NotImplementedError(...)` with your code, then run `make check`.
# (Generated from solutions/lazy.py by `make exercises`.)
"""Lazy initialisation. Not graded yet: this section's solutions and checks are still to come.

The names and signatures below are final; the bodies are not written yet.
"""

import torch
from torch import nn


def lazy_mlp(hidden: int = 256, out: int = 10) -> nn.Sequential:
    """``Sequential(LazyLinear(hidden), ReLU(), LazyLinear(out))``."""
    raise NotImplementedError("lazy.lazy_mlp is not written yet")


def materialize(net: nn.Module, *example_inputs: torch.Tensor) -> nn.Module:
    """One forward pass without autograd so every lazy parameter gets its shape; returns ``net``."""
    raise NotImplementedError("lazy.materialize is not written yet")


class LazyMyLinear(nn.modules.lazy.LazyModuleMixin, nn.Module):
    """A lazy version of ``MyLinear``: weight ``(in, units)``, bias ``(units,)``, ``relu(X @ W + b)``."""

    def __init__(self, units: int) -> None:
        super().__init__()
        raise NotImplementedError("lazy.LazyMyLinear is not written yet")
