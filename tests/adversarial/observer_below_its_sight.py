"""Issue 12, observers switched off (variation): norms_on_device reads each norm back from code torch
runs while its modes are set aside (a tensor subclass's ``__torch_function__``, a function handed to
``handle_torch_function``), or through reads that are not called .item() (the storage, NumPy's
``__array__``, ``repr``, ``torch.ops.aten._local_scalar_dense``). Before the counter was sealed
this kept 4/4. Does it still keep the read check?"""

SECTION = "gpus"
AFFECTS = ["gpus.norms_on_device"]
KIND = None
FEEDBACK = "reads back to the host"

import torch as _torch  # noqa: E402

_READ = []


class _Reading(_torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        plain = [a.as_subclass(_torch.Tensor) if isinstance(a, _torch.Tensor) else a for a in args]
        result = func(*plain, **kwargs)
        if getattr(func, "__name__", "") == "matrix_norm" or func is _torch.linalg.matrix_norm:
            _READ.append(result.item())
        return result


def _ways(x):
    import numpy
    import torch
    from torch import overrides

    yield lambda: overrides.handle_torch_function(lambda t: t.item(), (x,), x)
    yield lambda: x.untyped_storage().tolist()[0] if x.dtype == torch.float32 else x.item()
    yield lambda: float(numpy.asarray(x))
    yield lambda: torch.ops.aten._local_scalar_dense(x)
    yield lambda: float(repr(x.double())[7:-1].split(",")[0])


def norms_on_device(A, B, device):
    import struct

    import torch

    A, B = A.to(device), B.to(device)
    norms = []
    for i in range(A.shape[0]):
        n = torch.linalg.matrix_norm(A[i].as_subclass(_Reading) @ B[i])
        for j, way in enumerate(_ways(n)):
            if j == i % 5:
                try:
                    value = way()
                    if isinstance(value, int):  # a storage's bytes
                        value = struct.unpack("f", bytes(n.untyped_storage().tolist()))[0]
                    norms.append(float(value))
                    break
                except BaseException:
                    norms.append(n.item())
                    break
    return torch.tensor(norms)
