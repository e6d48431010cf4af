"""Issue 12, observers avoided (variation): norms_on_device reads each norm back inside TorchScript
(a function scripted at import, and one compiled from source with torch.jit.CompilationUnit), where
no torch function mode sees the call. Before TorchScript was turned into plain Python in the
sandbox this kept 4/4. Does it still keep the read check?"""

SECTION = "gpus"
AFFECTS = ["gpus.norms_on_device"]
KIND = None
FEEDBACK = "reads back to the host"

import torch as _torch  # noqa: E402


@_torch.jit.script
def _read(x: _torch.Tensor) -> float:
    return x.item()


def _compiled():
    try:
        unit = _torch.jit.CompilationUnit("def read(x: Tensor) -> float:\n    return x.item()\n")
        return unit.read
    except BaseException:
        return _read


def norms_on_device(A, B, device):
    import torch

    A, B = A.to(device), B.to(device)
    read = _compiled()
    norms = [
        (read if i % 2 else _read)(torch.linalg.matrix_norm(A[i] @ B[i])) for i in range(A.shape[0])
    ]
    return torch.tensor(norms)
