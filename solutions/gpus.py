"""Devices: the CPU and CUDA GPUs.

Every tensor lives on a device, and an operation runs where its inputs live. Here you write the
helpers that find the GPUs, move a network onto one, and compute there without pulling every
intermediate result back to the CPU. They must also work on a machine without a GPU: then the CPU
stands in.

Run ``make check`` to try your code against the public checks.
"""

import torch
from torch import nn


def num_gpus() -> int:
    """The number of CUDA devices this process can see, as an ``int``.

    Ask PyTorch each time the function is called (the answer can change between calls, for instance
    when ``CUDA_VISIBLE_DEVICES`` changes in a test): do not store it when the module is imported.

    Hint: ``torch.cuda.device_count()``.
    """
    ### BEGIN SOLUTION
    return torch.cuda.device_count()
    ### END SOLUTION


def try_gpu(i: int = 0) -> torch.device:
    """GPU number ``i`` as a ``torch.device`` if it exists, else the CPU.

    With 2 GPUs, ``try_gpu(0)`` is ``torch.device("cuda:0")``, ``try_gpu(1)`` is
    ``torch.device("cuda:1")`` and ``try_gpu(2)`` is ``torch.device("cpu")``.

    Hint: GPUs are numbered from 0 to ``torch.cuda.device_count() - 1``.
    """
    ### BEGIN SOLUTION
    if i < torch.cuda.device_count():
        return torch.device(f"cuda:{i}")
    return torch.device("cpu")
    ### END SOLUTION


def try_all_gpus() -> list[torch.device]:
    """A list with every GPU as a ``torch.device``, in order; ``[torch.device("cpu")]`` if there is none.

    Hint: never return an empty list: code that puts one model copy on each device needs at least one.
    """
    ### BEGIN SOLUTION
    devices = [torch.device(f"cuda:{i}") for i in range(torch.cuda.device_count())]
    return devices if devices else [torch.device("cpu")]
    ### END SOLUTION


def to_device(net: nn.Module, device: torch.device) -> nn.Module:
    """Move every parameter *and* every buffer of ``net`` (e.g. BatchNorm's running statistics,
    non-persistent buffers too) to ``device``, in place, and return ``net`` itself.

    Parameters must stay registered ``nn.Parameter``s of ``net``, so that an optimizer built on
    ``net.parameters()`` afterwards trains the moved weights. The checks move nets to
    ``torch.device("meta")`` (a device every machine has: tensors with a shape but no values) and,
    where there is one, to a GPU.

    Hint: ``nn.Module.to`` moves both.
    """
    ### BEGIN SOLUTION
    return net.to(device)
    ### END SOLUTION


def norms_on_device(A: torch.Tensor, B: torch.Tensor, device: torch.device) -> torch.Tensor:
    """The Frobenius norms of the products ``A[i] @ B[i]``, computed on ``device``.

    ``A`` and ``B`` have shape ``(n, s, s)``. For each ``i`` compute one product and its norm on
    ``device``, and keep the norms there: reading a value back to the CPU inside the loop
    (``.item()``, ``float(...)``, ``.tolist()``, ``.cpu()``) makes the CPU wait for the GPU at every
    step. Copy the ``n`` norms to the CPU once, at the end, and return them as a tensor of shape
    ``(n,)``.

    Hint: ``torch.linalg.matrix_norm`` computes the Frobenius norm; ``torch.stack`` joins the norms.
    """
    ### BEGIN SOLUTION
    A = A.to(device)
    B = B.to(device)
    norms = [torch.linalg.matrix_norm(A[i] @ B[i]) for i in range(A.shape[0])]
    return torch.stack(norms).to("cpu")
    ### END SOLUTION
