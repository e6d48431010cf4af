# Exercise file: replace each `raise NotImplementedError(...)` with your code, then run `make check`.
# (Generated from solutions/tying.py by `make exercises`.)
"""Shared (tied) parameters.

Two layers are *tied* when they hold the very same ``nn.Parameter`` object: changing one changes the
other, the parameter appears once in ``parameters()`` (but under every name in ``state_dict()``),
and its gradient is the sum of the gradients of all its uses. Inputs have shape
``(batch, features)`` throughout.

Run ``make check`` to try your code against the public checks.
"""

import torch
from torch import nn
from torch.nn import functional as F


def tied_mlp(shared: nn.Linear | None = None) -> nn.Sequential:
    """``Sequential(LazyLinear(8), ReLU(), shared, ReLU(), shared, ReLU(), LazyLinear(1))``.

    Layers 2 and 4 are the same module ``shared``: the one given, or, when ``shared`` is None, one new
    ``nn.Linear(8, 8)``. The network maps ``(batch, features)`` (any width) to ``(batch, 1)``.

    Hint: put the very same module object in the sequence twice; do not copy it.
    """
    raise NotImplementedError("tied_mlp: write your code here")


class TiedAutoencoder(nn.Module):
    """An autoencoder whose decoder uses the encoder's weight, transposed.

    ``self.encoder`` is ``nn.Linear(n_in, n_hidden)``; ``self.decoder_bias`` is a parameter of shape
    ``(n_in,)``, initialised to zeros. ``forward`` maps ``X`` of shape ``(batch, n_in)`` to
    ``(batch, n_in)``: ``F.linear(relu(encoder(X)), encoder.weight.T, decoder_bias)``. The model has
    exactly three parameters: the weight is shared, so it is trained by both its uses. It must stay
    tied through training, ``.double()``, ``.to(...)`` and ``load_state_dict`` (``assign=True``
    too, which puts new parameter objects in place).

    Hint: use ``self.encoder.weight`` itself in ``forward``, not a copy made in ``__init__``.
    """

    def __init__(self, n_in: int, n_hidden: int) -> None:
        super().__init__()
        raise NotImplementedError("TiedAutoencoder.__init__: write your code here")

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("TiedAutoencoder.forward: write your code here")


def tie(dst: nn.Module, src: nn.Module, name: str = "weight") -> None:
    """Make ``dst.<name>`` the very ``nn.Parameter`` that ``src.<name>`` is.

    Afterwards ``getattr(dst, name) is getattr(src, name)``, and ``src`` is unchanged. If the two
    parameters have different shapes, raise ``ValueError`` and change nothing.

    Hint: assigning an ``nn.Parameter`` to a module attribute registers it under that name.
    """
    raise NotImplementedError("tie: write your code here")
