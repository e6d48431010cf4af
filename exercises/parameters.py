# Exercise file: replace each `raise NotImplementedError(...)` with your code, then run `make check`.
# (Generated from solutions/parameters.py by `make exercises`.)
"""Parameter management. Not graded yet: this section's solutions and checks are still to come.

The names and signatures below are final; the bodies are not written yet.
"""

import torch
from torch import nn


def layer_state(net: nn.Sequential, i: int) -> dict[str, torch.Tensor]:
    """The ``state_dict`` of layer ``i`` of a sequential ``net``."""
    raise NotImplementedError("parameters.layer_state is not written yet")


def parameter_shapes(net: nn.Module) -> list[tuple[str, tuple[int, ...]]]:
    """``[(name, shape), …]`` in ``named_parameters()`` order."""
    raise NotImplementedError("parameters.parameter_shapes is not written yet")


def count_parameters(net: nn.Module, trainable_only: bool = False) -> int:
    """The number of scalars in ``net``'s parameters; a shared parameter counts once."""
    raise NotImplementedError("parameters.count_parameters is not written yet")


def block1() -> nn.Sequential:
    """``Sequential(Linear(4, 8), ReLU(), Linear(8, 4), ReLU())``."""
    raise NotImplementedError("parameters.block1 is not written yet")


def block2(n: int = 4) -> nn.Sequential:
    """``n`` fresh ``block1()``s added as children named ``"block 0"`` … ``"block n-1"``."""
    raise NotImplementedError("parameters.block2 is not written yet")


def rgnet(n: int = 4) -> nn.Sequential:
    """``Sequential(block2(n), Linear(4, 1))``."""
    raise NotImplementedError("parameters.rgnet is not written yet")


def get_parameter(net: nn.Module, name: str) -> nn.Parameter:
    """The parameter for a dotted name such as ``"0.block 1.0.bias"``; ``KeyError`` otherwise."""
    raise NotImplementedError("parameters.get_parameter is not written yet")


def gradients(net: nn.Module, X: torch.Tensor, y: torch.Tensor, loss_fn) -> dict[str, torch.Tensor]:
    """One forward/backward pass; ``{name: gradient}`` for every trainable parameter."""
    raise NotImplementedError("parameters.gradients is not written yet")
