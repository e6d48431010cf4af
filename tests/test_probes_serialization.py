"""The serialization probes' own helpers, run here without a sandbox."""

from __future__ import annotations

import pytest
import torch

from grader.objects import tensor_bytes

DTYPES = [
    torch.bool,
    torch.uint8,
    torch.int8,
    torch.int16,
    torch.int32,
    torch.int64,
    torch.float16,
    torch.bfloat16,
    torch.float32,
    torch.float64,
    torch.complex64,
    torch.complex128,
]


def _expected(view: torch.Tensor) -> bytes:
    """Row-major bytes through another path: a fresh contiguous tensor's untyped storage."""
    fresh = torch.empty(view.shape, dtype=view.dtype)
    fresh.copy_(view)
    return bytes(fresh.untyped_storage())


def _views(base: torch.Tensor) -> dict[str, torch.Tensor]:
    return {
        "one element, stride 2": base.reshape(-1)[::2][:1],
        "one element at an offset": base.reshape(-1)[3:4],
        "size-1 last dimension, stride 2": base.reshape(4, 2)[:, :1],
        "column (stride 2)": base.reshape(4, 2)[:, 0],
        "transpose": base.reshape(4, 2).t(),
        "expanded": base.reshape(-1)[:1].expand(3),
        "contiguous": base,
    }


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_tensor_bytes_of_any_view_are_its_row_major_bytes(dtype: torch.dtype) -> None:
    """Does tensor_bytes give the row-major bytes of one-element and non-contiguous views (the
    one-element view with stride 2 failed on a third of the random seeds)?"""
    generator = torch.Generator().manual_seed(0)
    raw = torch.randint(
        0,
        256,
        (8 * torch.empty(0, dtype=dtype).element_size(),),
        dtype=torch.uint8,
        generator=generator,
    )
    base = raw.view(dtype) if dtype is not torch.bool else raw % 2 == 1
    for name, view in _views(base).items():
        got = tensor_bytes(view)
        assert got.dtype == torch.uint8 and got.dim() == 1, name
        assert bytes(got.numpy().tobytes()) == _expected(view), name


def test_tensor_bytes_of_a_conjugated_view_resolves_the_conjugation() -> None:
    """Does a lazily conjugated complex view give the bytes of its conjugated values?"""
    z = torch.tensor([1 + 2j, 3 - 4j], dtype=torch.complex64)
    assert tensor_bytes(z.conj()[1:]).numpy().tobytes() == _expected(z.conj().resolve_conj()[1:])
