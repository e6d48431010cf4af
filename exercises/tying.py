# Exercise file: replace each `raise NotImplementedError(...)` with your code, then run `make check`.
# (Generated from solutions/tying.py by `make exercises`.)
"""Shared (tied) parameters. Not graded yet: this section's solutions and checks are still to come.

The names and signatures below are final; the bodies are not written yet.
"""

import torch
from torch import nn


def tied_mlp(shared: nn.Linear | None = None) -> nn.Sequential:
    """``Sequential(LazyLinear(8), ReLU, shared, ReLU, shared, ReLU, LazyLinear(1))``."""
    raise NotImplementedError("tying.tied_mlp is not written yet")


class TiedAutoencoder(nn.Module):
    """An autoencoder whose decoder uses the encoder's weight, transposed."""

    def __init__(self, n_in: int, n_hidden: int) -> None:
        super().__init__()
        raise NotImplementedError("tying.TiedAutoencoder is not written yet")

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("tying.TiedAutoencoder is not written yet")


def tie(dst: nn.Module, src: nn.Module, name: str = "weight") -> None:
    """Make ``dst.<name>`` the very ``Parameter`` of ``src``; ``ValueError`` on a shape mismatch."""
    raise NotImplementedError("tying.tie is not written yet")
