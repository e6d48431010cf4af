"""Parameter initialisation. Not graded yet: this section's solutions and checks are still to come.

The names and signatures below are final; the bodies are not written yet.
"""

import torch
from torch import nn


def init_normal(m: nn.Module) -> None:
    """For an ``nn.Linear``: weight ~ N(0, 0.01²), bias 0. Other modules untouched."""
    raise NotImplementedError("initialization.init_normal is not written yet")


def init_constant(m: nn.Module, value: float = 1.0) -> None:
    """For an ``nn.Linear``: weight = ``value``, bias 0."""
    raise NotImplementedError("initialization.init_constant is not written yet")


def init_xavier(m: nn.Module) -> None:
    """For an ``nn.Linear``: Xavier-uniform weight; bias untouched."""
    raise NotImplementedError("initialization.init_xavier is not written yet")


def init_42(m: nn.Module) -> None:
    """For an ``nn.Linear``: weight = 42; bias untouched."""
    raise NotImplementedError("initialization.init_42 is not written yet")


def my_init(m: nn.Module) -> None:
    """For an ``nn.Linear``: weight ~ U(5, 10) w.p. ¼, 0 w.p. ½, U(−10, −5) w.p. ¼."""
    raise NotImplementedError("initialization.my_init is not written yet")


def xavier_uniform_(t: torch.Tensor, gain: float = 1.0) -> torch.Tensor:
    """Xavier-uniform initialisation by hand, in place; returns ``t``."""
    raise NotImplementedError("initialization.xavier_uniform_ is not written yet")


def kaiming_normal_(
    t: torch.Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> torch.Tensor:
    """Kaiming-normal initialisation by hand, in place; returns ``t``."""
    raise NotImplementedError("initialization.kaiming_normal_ is not written yet")


def mixture_uniform_(t: torch.Tensor, components: list[tuple[float, float, float]]) -> torch.Tensor:
    """Fill ``t`` from a mixture of uniforms ``[(weight, low, high), …]``, in place; returns ``t``."""
    raise NotImplementedError("initialization.mixture_uniform_ is not written yet")
