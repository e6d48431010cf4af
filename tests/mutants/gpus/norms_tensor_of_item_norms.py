"""Does a norms_on_device that gathers its 0-d norms with torch.tensor([...]) (which reads each
one back to the host, one by one, inside PyTorch's C++ where no Python-level counter sees it) lose
points on norms_on_device only?"""

TARGET = "gpus.norms_on_device"
CAUGHT_BY = ["test_norms_read_back_to_the_host_once"]
PUBLIC = True


def norms_on_device(A, B, device):
    A = A.to(device)
    B = B.to(device)
    norms = [torch.linalg.matrix_norm(A[i] @ B[i]) for i in range(A.shape[0])]
    return torch.tensor(norms).to("cpu")
