"""Does a norms_on_device that calls .item() on each norm inside the loop lose points on norms_on_device only?"""

TARGET = "gpus.norms_on_device"
CAUGHT_BY = ["test_norms_read_back_to_the_host_once"]
PUBLIC = True


def norms_on_device(A, B, device):
    A, B = A.to(device), B.to(device)
    norms = [torch.linalg.matrix_norm(A[i] @ B[i]).item() for i in range(A.shape[0])]
    return torch.tensor(norms)
