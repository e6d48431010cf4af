# Exercise file: replace each `raise NotImplementedError(...)` with your code, then run `make check`.
# (Generated from solutions/modules.py by `make exercises`.)
"""Layers and modules.

Every network in this chapter is an ``nn.Module``: a thing that owns parameters (and other modules)
and maps inputs to outputs in ``forward``. Here you write a few modules by hand, including your own
version of ``nn.Sequential``. Inputs have shape ``(batch, features)`` throughout.

Run ``make check`` to try your code against the public checks.
"""

import torch
from torch import nn
from torch.nn import functional as F


class MLP(nn.Module):
    """A multilayer perceptron with one hidden layer, built from lazy layers.

    Create two ``nn.LazyLinear`` layers and store them as ``self.hidden`` (``hidden`` units) and
    ``self.out`` (``out`` units). ``forward`` maps ``X`` of shape ``(batch, features)`` to
    ``(batch, out)`` as ``out(relu(hidden(X)))``. Because the layers are lazy, ``features`` can be any
    width: it is read from the first input.

    Hint: a lazy layer only needs its number of output units.
    """

    def __init__(self, hidden: int = 256, out: int = 10) -> None:
        super().__init__()
        raise NotImplementedError("MLP.__init__: write your code here")

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("MLP.forward: write your code here")


class MySequential(nn.Module):
    """Your own ``nn.Sequential``, written without ``nn.Sequential`` or ``nn.ModuleList``.

    ``MySequential(m0, m1, m2)`` registers each module — the very object given, not a copy — as a
    child named ``"0"``, ``"1"``, ``"2"``, … so that PyTorch sees their parameters
    (``named_parameters``, ``state_dict``, optimizers, ``.eval()``).
    ``forward(X)`` passes ``X`` through every module in the order given. The same module may be passed
    twice (shared layers); it must then run twice, exactly as in ``nn.Sequential``.

    Hint: ``self.add_module(name, module)`` registers a child; ``self._modules`` holds them in order.
    """

    def __init__(self, *modules: nn.Module) -> None:
        super().__init__()
        raise NotImplementedError("MySequential.__init__: write your code here")

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("MySequential.forward: write your code here")


class FixedHiddenMLP(nn.Module):
    """A module with a constant (non-trained) weight and Python control flow in ``forward``.

    ``__init__``: a layer ``self.linear = nn.LazyLinear(20)`` (``nn.Linear(20, 20)`` is the same
    here: the input has 20 features) and a *buffer* ``rand_weight`` of shape
    ``(20, 20)`` drawn from U[0, 1) (``torch.rand``). A buffer is saved in ``state_dict`` and moves with
    ``.to(...)``, but it is not a parameter: no optimizer changes it.

    ``forward(X)`` with ``X`` of shape ``(batch, 20)``:
    apply ``self.linear``; then ``relu(X @ rand_weight + 1)``; then the *same* ``self.linear`` again;
    then halve ``X`` while ``X.abs().sum() > 1``; return ``X.sum()`` (a scalar).

    Hint: ``self.register_buffer(name, tensor)``.
    """

    def __init__(self) -> None:
        super().__init__()
        raise NotImplementedError("FixedHiddenMLP.__init__: write your code here")

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("FixedHiddenMLP.forward: write your code here")


class NestMLP(nn.Module):
    """Modules inside modules.

    ``self.net`` is ``nn.Sequential(LazyLinear(64), ReLU(), LazyLinear(32), ReLU())`` and
    ``self.linear`` is ``LazyLinear(16)``. ``forward`` maps ``(batch, features)`` to ``(batch, 16)`` as
    ``linear(net(X))``.

    Hint: the parameter names follow the attribute names: ``net.0.weight``, …, ``linear.bias``.
    """

    def __init__(self) -> None:
        super().__init__()
        raise NotImplementedError("NestMLP.__init__: write your code here")

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("NestMLP.forward: write your code here")


def chimera() -> nn.Sequential:
    """Mix and match: ``nn.Sequential(NestMLP(), nn.LazyLinear(20), FixedHiddenMLP())``.

    It maps ``(batch, features)`` to a scalar. Use your ``NestMLP`` and ``FixedHiddenMLP`` classes.

    Hint: modules compose like functions.
    """
    raise NotImplementedError("chimera: write your code here")


class Parallel(nn.Module):
    """Two networks side by side on the same input.

    Store ``net1`` and ``net2`` as ``self.net1`` and ``self.net2`` (so their parameters are registered
    as ``net1.…`` and ``net2.…``). ``forward(X)`` returns ``torch.cat((net1(X), net2(X)), dim)``: for
    the default ``dim=-1`` outputs of shape ``(batch, a)`` and ``(batch, b)`` give ``(batch, a + b)``.

    Hint: assigning a module to an attribute registers it.
    """

    def __init__(self, net1: nn.Module, net2: nn.Module, dim: int = -1) -> None:
        super().__init__()
        raise NotImplementedError("Parallel.__init__: write your code here")

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("Parallel.forward: write your code here")


def replicate(factory, n: int) -> nn.Sequential:
    """An ``nn.Sequential`` of ``n`` *independent* modules, each made by its own ``factory()`` call.

    ``factory`` takes no arguments and returns a new module whose output fits its own input (say a
    square ``Linear`` followed by ``ReLU``). No parameter may be shared between the ``n`` copies.

    Hint: ``[factory()] * n`` repeats one module ``n`` times — not what you want.
    """
    raise NotImplementedError("replicate: write your code here")
