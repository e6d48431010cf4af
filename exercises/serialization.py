# Exercise file: replace each `raise NotImplementedError(...)` with your code, then run `make check`.
# (Generated from solutions/serialization.py by `make exercises`.)
"""Saving and loading. Not graded yet: this section's solutions and checks are still to come.

The names and signatures below are final; the bodies are not written yet.
"""

import torch
from torch import nn


def save(obj, path: str) -> None:
    """Save tensors, lists/tuples and str-keyed dicts of tensors."""
    raise NotImplementedError("serialization.save is not written yet")


def load(path: str, map_location=None):
    """Load what ``save`` wrote, never running code (``weights_only``)."""
    raise NotImplementedError("serialization.load is not written yet")


def save_params(net: nn.Module, path: str) -> None:
    """Save ``net.state_dict()`` only."""
    raise NotImplementedError("serialization.save_params is not written yet")


def load_params(net: nn.Module, path: str) -> nn.Module:
    """Fill an already built ``net`` from a file written by ``save_params``; returns ``net``."""
    raise NotImplementedError("serialization.load_params is not written yet")


def transplant(src_state: dict[str, torch.Tensor], dst: nn.Module, n: int) -> nn.Module:
    """Copy into ``dst`` the entries of modules ``0 … n-1`` of a saved sequential state; returns ``dst``."""
    raise NotImplementedError("serialization.transplant is not written yet")


def save_checkpoint(path: str, net: nn.Module, optimizer: torch.optim.Optimizer, step: int) -> None:
    """Save model, optimizer state, step and RNG state."""
    raise NotImplementedError("serialization.save_checkpoint is not written yet")


def load_checkpoint(path: str, net: nn.Module, optimizer: torch.optim.Optimizer) -> int:
    """Restore what ``save_checkpoint`` saved; returns the step."""
    raise NotImplementedError("serialization.load_checkpoint is not written yet")
