"""The training loop of the checkpoint checks, the same on both sides.

The child trains k steps, checkpoints with the submission's ``save_checkpoint``, and a new child
loads the checkpoint into new objects and trains k more; the parent runs the same 2k steps in one
go. Both build the net from a ``grader.specs`` stack and use PyTorch's own optimizers (without the
dynamo wrappers that would cost a second of imports in every fresh child).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch
from torch import nn

from grader import specs


def build_net(spec: specs.Node, device: str) -> nn.Module:
    return specs.build(spec, nn.Sequential, []).to(device).train()


def _undecorated(function: Any) -> Any:
    return getattr(function, "__wrapped__", function)


def _without_dynamo(cls: type[torch.optim.Optimizer]) -> type[torch.optim.Optimizer]:
    """PyTorch's own optimizer class with the dynamo wrappers taken off its methods.

    Each public method of ``torch.optim.Optimizer`` is wrapped so that its first call imports
    ``torch._dynamo`` (about a second in every fresh child, and once more in the grader). The
    arithmetic, the ``state_dict`` format and ``isinstance`` stay PyTorch's: only the wrappers go.
    """
    base = torch.optim.Optimizer
    return type(
        cls.__name__,
        (cls,),
        {
            "__module__": __name__,
            "__qualname__": cls.__name__,
            "add_param_group": _undecorated(base.add_param_group),
            "state_dict": _undecorated(base.state_dict),
            "load_state_dict": _undecorated(base.load_state_dict),
            "zero_grad": _undecorated(base.zero_grad),
            "step": torch.no_grad()(_undecorated(cls.step)),
        },
    )


Adam = _without_dynamo(torch.optim.Adam)
SGD = _without_dynamo(torch.optim.SGD)


def make_optimizer(kind: str, net: nn.Module) -> torch.optim.Optimizer:
    """Optimizers with state: Adam's running averages, SGD's momentum buffers."""
    if kind == "adam":
        return Adam(net.parameters(), lr=0.01)
    if kind == "momentum":
        return SGD(net.parameters(), lr=0.05, momentum=0.9)
    return SGD(net.parameters(), lr=0.05)


def seed_rng(seed: int, device: str) -> None:
    torch.default_generator.manual_seed(seed)
    if device.startswith("cuda"):
        torch.cuda.manual_seed_all(seed)


def train(
    net: nn.Module,
    optimizer: torch.optim.Optimizer,
    steps: int,
    data: tuple[torch.Tensor, torch.Tensor],
    batch: int,
    random_batches: bool,
    start: int = 0,
) -> None:
    """Steps ``start`` to ``start + steps - 1`` of MSE training; dropout (if any) and random batches
    draw from the global RNG, fixed batches go through the data in order."""
    X, Y = data
    with one_thread():
        _train(net, optimizer, range(start, start + steps), X, Y, batch, random_batches)


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Reductions (BatchNorm's backward) round differently with more threads: train with one, on
    both sides, so that the grader's uninterrupted run and the child's agree bit for bit."""
    threads = torch.get_num_threads()
    if threads != 1:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if threads != 1:
            torch.set_num_threads(threads)


def _train(
    net: nn.Module,
    optimizer: torch.optim.Optimizer,
    steps: range,
    X: torch.Tensor,
    Y: torch.Tensor,
    batch: int,
    random_batches: bool,
) -> None:
    for step in steps:
        if random_batches:
            index = torch.randint(0, X.shape[0], (batch,)).to(X.device)
        else:
            index = torch.arange(step * batch, (step + 1) * batch, device=X.device) % X.shape[0]
        optimizer.zero_grad()
        loss = ((net(X[index]) - Y[index]) ** 2).mean()
        loss.backward()
        optimizer.step()


def disturb_rng(device: str) -> None:
    """Draw from every generator in use: a checkpoint that does not restore them now diverges."""
    torch.rand(7)
    if device.startswith("cuda"):
        torch.rand(7, device=device)
