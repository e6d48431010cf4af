"""Does a norms_on_device that runs its loop under a ``TorchFunctionMode`` of its own (one that
counts calls, as a profiler would) keep full marks?"""

ITEM = "gpus.norms_on_device"


def norms_on_device(A, B, device):
    from torch.overrides import TorchFunctionMode

    class Counting(TorchFunctionMode):
        calls = 0

        def __torch_function__(self, func, types, args=(), kwargs=None):
            Counting.calls += 1
            return func(*args, **(kwargs or {}))

    A, B = A.to(device), B.to(device)
    with Counting():
        norms = torch.stack([torch.linalg.matrix_norm(A[i] @ B[i]) for i in range(A.shape[0])])
    return norms.cpu()
