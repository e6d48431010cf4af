"""Issue 12, observers avoided (variation): norms_on_device reads each norm back through a tensor
the counter did not know held it (written into a preallocated buffer, then .item() on the buffer),
through ``apply_`` (a Python function handed every value), or through a DLPack capsule made in C
(``torch.utils.dlpack.to_dlpack``, then ``torch.from_dlpack``: a fresh tensor). Before writes and
these exports were counted this kept 4/4. Does it still keep the read check?"""

SECTION = "gpus"
AFFECTS = ["gpus.norms_on_device"]
KIND = None
FEEDBACK = "reads back to the host"


def norms_on_device(A, B, device):
    import torch
    import torch.utils.dlpack

    A, B = A.to(device), B.to(device)
    buffer = torch.empty(A.shape[0], device=device)
    norms = []
    for i in range(A.shape[0]):
        norm = torch.linalg.matrix_norm(A[i] @ B[i])
        if i % 3 == 0:
            buffer[i] = norm
            norms.append(buffer[i].item())
        elif i % 3 == 1:
            seen = []
            norm.reshape(1).apply_(lambda v: seen.append(v) or v)
            norms.append(seen[0])
        else:
            copy = torch.from_dlpack(torch.utils.dlpack.to_dlpack(norm))
            norms.append(copy.item())
    return torch.tensor(norms)
