"""Lazy initialisation.

A lazy layer does not know its input width when it is built: its parameters start as
``nn.parameter.UninitializedParameter`` placeholders without a shape, and the first input that
flows through the layer fixes the shape and draws the initial values. Here you use PyTorch's lazy
layers, force them to initialise, and write a lazy layer of your own.

Run ``make check`` to try your code against the public checks.
"""

import torch
from torch import nn
from torch.nn import functional as F


def lazy_mlp(hidden: int = 256, out: int = 10) -> nn.Sequential:
    """An MLP whose input width is read from its first input.

    Return ``nn.Sequential(LazyLinear(hidden), ReLU(), LazyLinear(out))``. Before the first call its
    weights have no shape yet; after a first call on ``X`` of shape ``(batch, features)`` the first
    weight is ``(hidden, features)`` and the output is ``(batch, out)``, whatever ``features`` was.

    Hint: ``nn.LazyLinear`` takes only the number of output units.
    """
    ### BEGIN SOLUTION
    return nn.Sequential(nn.LazyLinear(hidden), nn.ReLU(), nn.LazyLinear(out))
    ### END SOLUTION


def materialize(net: nn.Module, *example_inputs: torch.Tensor) -> nn.Module:
    """Give every lazy parameter of ``net`` its shape and initial values, and return ``net`` itself.

    Run ``net`` once on ``example_inputs`` (all of them, in order: some networks take more than one
    input). This is bookkeeping, not training: the pass must not record anything for autograd, and
    afterwards no parameter has a ``.grad``. The parameters must come out exactly as an ordinary first
    call ``net(*example_inputs)`` would have made them under the same random seed, and stay
    trainable (ordinary tensors that require grad).

    Hint: ``torch.no_grad()`` switches autograd off for a block (``torch.inference_mode()`` goes
    further: the tensors it creates can never be trained).
    """
    ### BEGIN SOLUTION
    with torch.no_grad():
        net(*example_inputs)
    return net
    ### END SOLUTION


class LazyMyLinear(nn.modules.lazy.LazyModuleMixin, nn.Module):
    """A lazy fully connected layer with a ReLU: ``relu(X @ weight + bias)``.

    ``LazyMyLinear(units)`` stores ``units`` and two placeholders, ``self.weight`` and ``self.bias``,
    both ``nn.parameter.UninitializedParameter()``. ``initialize_parameters(X)`` is called by
    PyTorch just before the first ``forward``: if the parameters are still uninitialised, it gives
    ``weight`` the shape ``(in, units)`` (``in = X.shape[-1]``) and ``bias`` the shape ``(units,)``,
    and fills them (e.g. standard normal values). ``forward(X)`` maps ``(batch, in)`` to
    ``(batch, units)``.

    Parameters loaded with ``load_state_dict`` before the first call take their shapes from the
    state dict; the first call must then keep the loaded values.

    Hint: ``param.materialize(shape)`` turns a placeholder into a real parameter; check
    ``self.has_uninitialized_params()`` before initialising.
    """

    def __init__(self, units: int) -> None:
        super().__init__()
        ### BEGIN SOLUTION
        self.units = units
        self.weight = nn.parameter.UninitializedParameter()
        self.bias = nn.parameter.UninitializedParameter()
        ### END SOLUTION

    def initialize_parameters(self, X: torch.Tensor) -> None:
        ### BEGIN SOLUTION
        if self.has_uninitialized_params():
            with torch.no_grad():
                self.weight.materialize((X.shape[-1], self.units))
                self.bias.materialize((self.units,))
                self.weight.normal_()
                self.bias.normal_()
        ### END SOLUTION

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        ### BEGIN SOLUTION
        return F.relu(X @ self.weight + self.bias)
        ### END SOLUTION
