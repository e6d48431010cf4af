"""The words the ``gpus`` section's checks (parent) and probes (child) share: which calls read a
tensor back to the host, which constructors copy, and how a device-ish result is shown."""

from __future__ import annotations

from typing import Any

import torch

HOST_READS = {
    "item",
    "tolist",
    "numpy",
    "cpu",
    "__float__",
    "__int__",
    "__bool__",
    "__index__",
    "__complex__",
    # Other ways to the values on the host: each waits for the device as much as .item() does.
    "_local_scalar_dense",  # torch.ops.aten's .item()
    "untyped_storage",
    "storage",
    "_typed_storage",
    "__array__",
    "__dlpack__",
    "__reduce_ex__",
    "__repr__",
    "__str__",
    "__format__",
    "equal",
    "allclose",
    "is_nonzero",
    "__contains__",
    "apply_",  # CPU tensors only: hand each value to a Python function
    "map_",
    "map2_",
    "__dlpack_device__",  # announced by the grader's gate on torch._C._to_dlpack
    "__cuda_array_interface__",
    "__reduce__",
    "__getstate__",
}
# Constructors that copy their data through the host: given device tensors (torch.tensor of a list
# of 0-d norms), they read each one back, inside PyTorch's C++, one read per tensor.
COPYING_CONSTRUCTORS = {"tensor", "as_tensor", "asarray", "new_tensor"}


def render(value: Any) -> str:
    """A result as plain text: 'torch.device("cuda:1")', 'int 3', 'list [...]', 'str "cuda:0"'."""
    kind = type(value)
    if kind is torch.device:
        return f'torch.device("{value}")'
    if kind is int:
        return f"int {value}"
    if kind is list or kind is tuple:
        return f"{kind.__name__} [" + ", ".join(render(v) for v in value[:20]) + "]"
    if kind is str:
        return f"str {value[:40]!r}"
    if kind is bool:
        return f"bool {value}"
    return f"a {kind.__name__}"
