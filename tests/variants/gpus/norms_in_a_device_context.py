"""Does a norms_on_device that works inside ``with torch.device(device):`` (a torch function mode of
its own, which moves the grader's watching mode on torch's stack), builds its tensors there and
uses torch's Python-level functions (``torch.norm``, ``torch.einsum``) keep full marks?"""

ITEM = "gpus.norms_on_device"


def norms_on_device(A, B, device):
    with torch.device(device):
        A, B = A.to(device), B.to(device)
        out = torch.zeros(A.shape[0])
        for i in range(A.shape[0]):
            product = torch.einsum("ij,jk->ik", A[i], B[i]) if i % 2 else A[i] @ B[i]
            out[i] = torch.norm(product)
        assert torch.get_default_device().type == torch.device(device).type
    return out.to("cpu")
