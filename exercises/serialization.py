# Exercise file: replace each `raise NotImplementedError(...)` with your code, then run `make check`.
# (Generated from solutions/serialization.py by `make exercises`.)
"""Saving and loading.

Trained weights are worth keeping: here you write tensors and networks to files and read them back.
PyTorch files are pickles inside a zip archive, and a pickle can name any Python function to call
while it is read. So a file from someone else must be read with ``torch.load(..., weights_only=True)``,
which accepts tensors, numbers, strings and containers, and refuses everything else.

Run ``make check`` to try your code against the public checks.
"""

import torch
from torch import nn


def save(obj, path: str) -> None:
    """Write ``obj`` to the file ``path``.

    ``obj`` is a tensor, or lists, tuples and dicts with string keys, nested in any way, holding
    tensors of any dtype and shape (empty tensors and non-contiguous views too). What ``load`` gives
    back must have the same structure (a tuple stays a tuple), and every tensor the same dtype, shape
    and values.

    Hint: ``torch.save`` already handles all of this.
    """
    raise NotImplementedError("save: write your code here")


def load(path: str, map_location=None):
    """Read back what ``save`` wrote, without ever running code stored in the file.

    ``map_location`` is passed on as in ``torch.load`` (e.g. ``"cpu"`` puts every tensor on the
    CPU; the checks also use ``"meta"``, a device every machine has, whose tensors have a shape and
    a dtype but no values). A file that holds anything but tensors and plain containers (for instance a pickled
    function call) must make ``load`` raise an exception, before that call can run.

    Hint: ``torch.load`` with ``weights_only=True``.
    """
    raise NotImplementedError("load: write your code here")


def save_params(net: nn.Module, path: str) -> None:
    """Save the parameters and buffers of ``net`` — its ``state_dict()`` — and nothing else.

    Save the dictionary, not the module object: a pickled module can only be read back with code
    execution allowed, and only if its class still exists under the same name.

    Hint: ``net.state_dict()`` maps names such as ``"0.weight"`` to tensors.
    """
    raise NotImplementedError("save_params: write your code here")


def load_params(net: nn.Module, path: str) -> nn.Module:
    """Fill the already built ``net`` with the values saved by ``save_params``; return ``net``.

    Loading is strict: if the file lacks an entry ``net`` has, or has one ``net`` lacks, raise
    ``RuntimeError`` naming those keys (PyTorch's own loading does this for you). Read the file
    without running code.

    Hint: ``net.load_state_dict(...)`` copies values into the existing parameters and buffers.
    """
    raise NotImplementedError("load_params: write your code here")


def transplant(src_state: dict[str, torch.Tensor], dst: nn.Module, n: int) -> nn.Module:
    """Copy the first ``n`` modules' entries of a saved sequential net into ``dst``; return ``dst``.

    ``src_state`` is the ``state_dict()`` of an ``nn.Sequential``: its keys start with the index of
    the module they belong to (``"0.weight"``, ``"3.running_mean"``, ``"10.bias"``). Copy every entry
    whose index is smaller than ``n`` into the entry of ``dst`` with the same key, parameters and
    buffers alike, and leave every other entry of ``dst`` as it was. Compare indices as numbers:
    module 10 is not among the first 2. If an entry to copy has another shape in ``dst``, raise
    ``ValueError`` naming its key (before copying anything).

    Hint: ``dst.load_state_dict(chosen_entries, strict=False)``.
    """
    raise NotImplementedError("transplant: write your code here")


def save_checkpoint(path: str, net: nn.Module, optimizer: torch.optim.Optimizer, step: int) -> None:
    """Save everything needed to resume training exactly where it stopped.

    That is: the model's ``state_dict``, the optimizer's ``state_dict`` (Adam's running averages,
    SGD's momentum), the ``step`` number, and the state of torch's global random number generator
    (dropout and shuffling draw from it) — and of every CUDA device's generator when CUDA is in use.
    Training k steps, saving, loading into new objects and training k more steps must then give
    bitwise the same weights as training 2k steps at once.

    Hint: ``torch.get_rng_state()``; ``torch.cuda.get_rng_state_all()`` when
    ``torch.cuda.is_initialized()``.
    """
    raise NotImplementedError("save_checkpoint: write your code here")


def load_checkpoint(path: str, net: nn.Module, optimizer: torch.optim.Optimizer) -> int:
    """Restore into ``net`` and ``optimizer`` what ``save_checkpoint`` saved; return the step.

    Also put the random number generators back in the saved state, so that training continues
    exactly as if it had never stopped.

    Hint: ``torch.set_rng_state``; ``torch.cuda.set_rng_state_all``.
    """
    raise NotImplementedError("load_checkpoint: write your code here")
