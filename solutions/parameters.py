"""Parameter access.

Every ``nn.Module`` knows its parameters by dotted names such as ``"0.weight"`` (module ``"0"``, its
``weight``). Here you read them, count them, build a nested network and find parameters by name, and
compute gradients without disturbing the network. Inputs have shape ``(batch, features)`` throughout.

Run ``make check`` to try your code against the public checks.
"""

import torch
from torch import nn


def layer_state(net: nn.Sequential, i: int) -> dict[str, torch.Tensor]:
    """The ``state_dict`` of layer ``i`` of a sequential ``net``.

    The keys are the layer's own names (``"weight"``, ``"bias"``, and for a ``BatchNorm1d`` also its
    buffers ``"running_mean"``, …), without the ``"i."`` prefix. The values are the layer's tensors,
    detached from autograd (``requires_grad`` is False), exactly as ``state_dict`` gives them.

    Hint: ``net[i]`` is layer ``i``; every module has a ``state_dict()``.
    """
    ### BEGIN SOLUTION
    return net[i].state_dict()
    ### END SOLUTION


def parameter_shapes(net: nn.Module) -> list[tuple[str, tuple[int, ...]]]:
    """``[(name, shape), …]`` for every parameter of ``net``, in ``named_parameters()`` order.

    ``shape`` is a plain tuple of ints, e.g. ``("0.weight", (8, 4))``. Buffers (such as a BatchNorm's
    running statistics) are not parameters; a layer used twice contributes its parameters once;
    frozen parameters (``requires_grad=False``) are parameters too.

    Hint: ``tuple(param.shape)``.
    """
    ### BEGIN SOLUTION
    return [(name, tuple(param.shape)) for name, param in net.named_parameters()]
    ### END SOLUTION


def count_parameters(net: nn.Module, trainable_only: bool = False) -> int:
    """The number of scalars in ``net``'s parameters (an ``int``).

    A ``Linear(4, 8)`` has 4·8 + 8 = 40. A parameter shared by two layers counts once. With
    ``trainable_only=True`` count only parameters with ``requires_grad``. Buffers do not count.

    Hint: ``net.parameters()`` yields each parameter once; ``param.numel()`` is its size.
    """
    ### BEGIN SOLUTION
    return sum(p.numel() for p in net.parameters() if p.requires_grad or not trainable_only)
    ### END SOLUTION


def block1() -> nn.Sequential:
    """A small block: ``Sequential(Linear(4, 8), ReLU(), Linear(8, 4), ReLU())``.

    It maps ``(batch, 4)`` to ``(batch, 4)``; each call returns a new block with fresh parameters.

    Hint: ``nn.Sequential(...)`` with the four layers in this order.
    """
    ### BEGIN SOLUTION
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4), nn.ReLU())
    ### END SOLUTION


def block2(n: int = 4) -> nn.Sequential:
    """An ``nn.Sequential`` of ``n`` blocks, each a fresh ``block1()``, named ``"block 0"`` … ``"block n-1"``.

    Its parameters are then called ``"block 0.0.weight"``, …; it maps ``(batch, 4)`` to ``(batch, 4)``
    by passing the input through the blocks in order.

    Hint: start from an empty ``nn.Sequential()`` and use ``add_module(name, module)``.
    """
    ### BEGIN SOLUTION
    net = nn.Sequential()
    for i in range(n):
        net.add_module(f"block {i}", block1())
    return net
    ### END SOLUTION


def rgnet(n: int = 4) -> nn.Sequential:
    """``Sequential(block2(n), Linear(4, 1))``: ``(batch, 4)`` to ``(batch, 1)``.

    Nesting shows in the names: ``rgnet().state_dict()`` has keys such as ``"0.block 1.0.bias"``
    (module ``0`` is the ``block2``, in it ``"block 1"``, in that layer ``0``, its ``bias``).

    Hint: use your ``block2``.
    """
    ### BEGIN SOLUTION
    return nn.Sequential(block2(n), nn.Linear(4, 1))
    ### END SOLUTION


def get_parameter(net: nn.Module, name: str) -> nn.Parameter:
    """The parameter of ``net`` called ``name``, a dotted name such as ``"0.block 1.0.bias"``.

    Return the very ``nn.Parameter`` object the network holds (not a copy, not ``.data``), so that
    changing it changes the network. Every name ``net.named_parameters()`` yields must work, and so
    must the other path to a layer that is used twice. If a part of the name does not exist, raise
    ``KeyError`` with that part in the message (for ``"0.block 9.0.bias"`` in ``rgnet()``:
    ``"block 9"``).

    Hint: split the name at the dots; every module keeps its children in ``_modules`` and its own
    parameters in ``_parameters``, both dicts.
    """
    ### BEGIN SOLUTION
    *path, last = name.split(".")
    module = net
    for part in path:
        if part not in module._modules or module._modules[part] is None:
            raise KeyError(f"no submodule {part!r} in {name!r}")
        module = module._modules[part]
    if module._parameters.get(last) is None:
        raise KeyError(f"no parameter {last!r} in {name!r}")
    return module._parameters[last]
    ### END SOLUTION


def gradients(net: nn.Module, X: torch.Tensor, y: torch.Tensor, loss_fn) -> dict[str, torch.Tensor]:
    """One forward and backward pass; ``{name: gradient}`` for every trainable parameter.

    Compute ``loss_fn(net(X), y)``, back-propagate once and return a copy of the gradient of each
    parameter with ``requires_grad``, keyed by name, in ``named_parameters()`` order (a shared
    parameter once). Frozen parameters are left out. Leave the network as you found it: every
    ``.grad`` afterwards is what it was before the call (``None`` stays ``None``, an existing
    gradient keeps its values).

    Hint: ``torch.autograd.grad(loss, params)`` returns gradients without touching ``.grad``.
    """
    ### BEGIN SOLUTION
    named = [(name, p) for name, p in net.named_parameters() if p.requires_grad]
    loss = loss_fn(net(X), y)
    grads = torch.autograd.grad(loss, [p for _, p in named])
    return {name: grad.detach().clone() for (name, _), grad in zip(named, grads)}
    ### END SOLUTION
