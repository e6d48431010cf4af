# Exercise file: replace each `raise NotImplementedError(...)` with your code, then run `make check`.
# (Generated from solutions/layers.py by `make exercises`.)
"""Custom layers. Not graded yet: this section's solutions and checks are still to come.

The names and signatures below are final; the bodies are not written yet.
"""

import torch
from torch import nn


class CenteredLayer(nn.Module):
    """``X - X.mean()``; no parameters."""

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("layers.CenteredLayer is not written yet")


class MyLinear(nn.Module):
    """Parameters ``weight (in_units, units)`` and ``bias (units,)``; ``relu(X @ W + b)``."""

    def __init__(self, in_units: int, units: int) -> None:
        super().__init__()
        raise NotImplementedError("layers.MyLinear is not written yet")


class TensorReduction(nn.Module):
    """Parameter ``weight (i, i, k)``; ``y[..., k] = Σ_ij W[i, j, k] · x[i] · x[j]``."""

    def __init__(self, i: int, k: int) -> None:
        super().__init__()
        raise NotImplementedError("layers.TensorReduction is not written yet")


class FourierHalf(nn.Module):
    """The first ``⌈n/2⌉`` coefficients of ``torch.fft.fft`` along the last axis."""

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("layers.FourierHalf is not written yet")
