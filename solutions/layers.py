"""Custom layers.

A layer is a module like any other: ``__init__`` creates its parameters (if it has any) and
``forward`` says what it computes. Here you write layers with and without parameters, including two
that PyTorch does not ship. Each must work with autograd: gradients flow to the input and to every
parameter.

Run ``make check`` to try your code against the public checks.
"""

import torch
from torch import nn
from torch.nn import functional as F


class CenteredLayer(nn.Module):
    """Subtract the mean: ``forward(X)`` returns ``X - X.mean()``, for ``X`` of any shape.

    The mean is taken over *all* elements, so the output's mean is zero (up to rounding). The output
    has ``X``'s shape and dtype (a float64 input gives a float64 output). The layer has no
    parameters.

    Hint: gradients must flow through the mean too; do not detach it.
    """

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        ### BEGIN SOLUTION
        return X - X.mean()
        ### END SOLUTION


class MyLinear(nn.Module):
    """A fully connected layer with a ReLU, written by hand: ``relu(X @ weight + bias)``.

    ``MyLinear(in_units, units)`` has two parameters, ``self.weight`` of shape ``(in_units, units)``
    and ``self.bias`` of shape ``(units,)`` (standard normal values are fine). ``forward`` maps
    ``(batch, in_units)`` to ``(batch, units)``. Both parameters must appear in
    ``named_parameters()`` and receive gradients when the output is used in a loss.

    Hint: wrap a tensor in ``nn.Parameter`` to register it; ``.data`` bypasses autograd.
    """

    def __init__(self, in_units: int, units: int) -> None:
        super().__init__()
        ### BEGIN SOLUTION
        self.weight = nn.Parameter(torch.randn(in_units, units))
        self.bias = nn.Parameter(torch.randn(units))
        ### END SOLUTION

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        ### BEGIN SOLUTION
        return F.relu(X @ self.weight + self.bias)
        ### END SOLUTION


class TensorReduction(nn.Module):
    """A quadratic layer: ``y[..., k] = Σ_i Σ_j weight[i, j, k] · x[..., i] · x[..., j]``.

    ``TensorReduction(i, k)`` has one parameter, ``self.weight`` of shape ``(i, i, k)``. ``forward``
    maps ``X`` of shape ``(..., i)`` — any number of leading batch dimensions — to ``(..., k)``.

    Hint: ``torch.einsum`` writes the formula almost literally; ``...`` stands for the batch
    dimensions.
    """

    def __init__(self, i: int, k: int) -> None:
        super().__init__()
        ### BEGIN SOLUTION
        self.weight = nn.Parameter(torch.randn(i, i, k))
        ### END SOLUTION

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        ### BEGIN SOLUTION
        return torch.einsum("...i,...j,ijk->...k", X, X, self.weight)
        ### END SOLUTION


class FourierHalf(nn.Module):
    """The first half of a signal's Fourier coefficients.

    For ``X`` of shape ``(..., n)`` return the first ``⌈n/2⌉`` coefficients of the discrete Fourier
    transform along the last axis, as ``torch.fft.fft`` computes them: a complex tensor of shape
    ``(..., ⌈n/2⌉)``, complex64 for a float32 ``X`` and complex128 for a float64 one. For a real signal the other coefficients are the complex conjugates of these,
    so they add nothing. ``n`` may be odd or even; there may be any number of batch dimensions.

    Hint: ``⌈n/2⌉`` is ``(n + 1) // 2``; ``torch.fft.rfft`` returns a different number of
    coefficients when ``n`` is even.
    """

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        ### BEGIN SOLUTION
        return torch.fft.fft(X)[..., : (X.shape[-1] + 1) // 2]
        ### END SOLUTION
