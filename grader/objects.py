"""Nested objects of tensors as plain data, built and described the same way on both sides.

The serialization checks draw an object (lists, tuples and str-keyed dicts of tensors of every
dtype, some of them non-contiguous views) as a tree of leaf indices plus each leaf's raw bytes,
dtype, shape and view. ``build_object`` turns that into the real object (in the child, for the
submission's ``save``; in the parent, for the file PyTorch writes for its ``load``), and
``describe_object`` turns whatever comes back into plain data again, bytes included, so that the
parent compares bit for bit. Nothing here runs student code.
"""

from __future__ import annotations

import collections
from typing import Any

import torch
from torch import nn

# Every dtype torch.save/torch.load(weights_only=True) round-trips (quantized dtypes excluded: they
# need a quantizer and are deprecated), as far as this torch has them. Tensors travel back as raw
# bytes (uint8), so the wire needs no dtype of its own for them.
_SAVABLE = (
    "float32",
    "float64",
    "float16",
    "bfloat16",
    "complex64",
    "complex128",
    "complex32",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "bool",
    "float8_e4m3fn",
    "float8_e4m3fnuz",
    "float8_e5m2",
    "float8_e5m2fnuz",
    "float8_e8m0fnu",
    "float4_e2m1fn_x2",
    "bits8",
    "bits16",
    "bits1x8",
    "bits2x4",
    "bits4x2",
)
SAVABLE_DTYPES = tuple(
    name for name in _SAVABLE if isinstance(getattr(torch, name, None), torch.dtype)
)
VIEWS = ("none", "transpose", "step", "offset", "expand")


def make_leaf(spec: dict[str, Any], device: str = "cpu") -> torch.Tensor:
    """A tensor of any dtype from raw bytes, then (maybe) a non-contiguous view of it."""
    dtype = getattr(torch, spec["dtype"])
    base = spec["raw"].to(device).view(dtype).reshape(tuple(spec["shape"]))
    view = spec["view"]
    if view == "transpose" and base.dim() >= 2:
        return base.transpose(0, -1)
    if view == "step" and base.dim() >= 1:
        return base[::2]
    if view == "offset" and base.dim() >= 1:
        return base[1:]
    if view == "expand":
        return base.unsqueeze(0).expand(2, *base.shape)
    return base


def build_object(tree: Any, leaves: list[dict[str, Any]], device: str = "cpu") -> Any:
    """Replace each int leaf of a nested list/tuple/dict by the tensor it indexes."""
    if type(tree) is int:
        return make_leaf(leaves[tree], device)
    if type(tree) is list:
        return [build_object(t, leaves, device) for t in tree]
    if type(tree) is tuple:
        return tuple(build_object(t, leaves, device) for t in tree)
    return {key: build_object(value, leaves, device) for key, value in tree.items()}


_SAME_SIZE_INT = {1: torch.uint8, 2: torch.int16, 4: torch.int32, 8: torch.int64}


def tensor_bytes(t: torch.Tensor) -> torch.Tensor:
    """The values of a tensor of any dtype as a flat uint8 tensor (row-major)."""
    t = t.detach()
    if t.is_complex():
        t = t.resolve_conj()
    if t.element_size() == 16:  # complex128: no integer type that wide
        t = torch.view_as_real(t)
    if t.numel() == 0:
        return torch.empty(0, dtype=torch.uint8)
    if t.dtype not in _SAME_SIZE_INT.values():
        t = t.view(_SAME_SIZE_INT[t.element_size()])  # same item size: fine for any strides
    # A fresh tensor of standard strides: .contiguous() keeps a one-element view's odd stride,
    # and .view(torch.uint8) of that reads the wrong bytes.
    flat = torch.empty(t.shape, dtype=t.dtype, device=t.device)
    flat.copy_(t)
    return flat.reshape(-1).view(torch.uint8).cpu()


def describe_object(obj: Any) -> tuple[Any, list[dict[str, Any]]]:
    """A loaded object as plain data: a tree of ["list", [...]], ["tuple", [...]],
    ["dict", [[key, ...], ...]] (["OrderedDict", ...] alike), ["tensor", index] and
    ["other", type name], with one report per tensor (type, dtype, shape, device and its bytes)."""
    leaves: list[dict[str, Any]] = []

    def walk(value: Any) -> Any:
        kind = type(value)
        if kind is list or kind is tuple:
            return [kind.__name__, [walk(v) for v in value]]
        if kind is dict or kind is collections.OrderedDict:
            name = "dict" if kind is dict else "OrderedDict"
            return [name, [[_key(k), walk(v)] for k, v in value.items()]]
        if isinstance(value, torch.Tensor) and kind in (torch.Tensor, nn.Parameter):
            leaves.append(
                {
                    "type": kind.__name__,
                    "dtype": str(value.dtype).removeprefix("torch."),
                    "shape": tuple(int(s) for s in value.shape),
                    "device": value.device.type,
                    "bytes": torch.empty(0, dtype=torch.uint8)
                    if value.is_meta
                    else tensor_bytes(value),
                }
            )
            return ["tensor", len(leaves) - 1]
        return ["other", kind.__name__]

    return walk(obj), leaves


def _key(key: Any) -> str:
    return key if type(key) is str else f"<{type(key).__name__} key>"
