# Exercise file: replace each `raise NotImplementedError(...)` with your code, then run `make check`.
# (Generated from solutions/gpus.py by `make exercises`.)
"""Devices (CPU and GPU). Not graded yet: this section's solutions and checks are still to come.

The names and signatures below are final; the bodies are not written yet.
"""

import torch
from torch import nn


def num_gpus() -> int:
    """The number of visible CUDA devices, asked of ``torch.cuda.device_count()`` at call time."""
    raise NotImplementedError("gpus.num_gpus is not written yet")


def try_gpu(i: int = 0) -> torch.device:
    """``torch.device(f"cuda:{i}")`` if it exists, else ``torch.device("cpu")``."""
    raise NotImplementedError("gpus.try_gpu is not written yet")


def try_all_gpus() -> list[torch.device]:
    """Every CUDA device, or ``[torch.device("cpu")]`` if there is none."""
    raise NotImplementedError("gpus.try_all_gpus is not written yet")


def to_device(net: nn.Module, device: torch.device) -> nn.Module:
    """Move parameters and buffers to ``device``; returns ``net``."""
    raise NotImplementedError("gpus.to_device is not written yet")


def norms_on_device(A: torch.Tensor, B: torch.Tensor, device: torch.device) -> torch.Tensor:
    """Frobenius norms of ``A[i] @ B[i]`` computed on ``device``, one transfer at the end."""
    raise NotImplementedError("gpus.norms_on_device is not written yet")
