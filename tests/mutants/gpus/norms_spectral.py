"""Does a norms_on_device that takes the spectral norm (ord=2) instead of the Frobenius norm lose points on norms_on_device only?"""

TARGET = "gpus.norms_on_device"
CAUGHT_BY = ["test_norms_match_frobenius_norms_of_the_products"]
PUBLIC = True


def norms_on_device(A, B, device):
    A, B = A.to(device), B.to(device)
    norms = [torch.linalg.matrix_norm(A[i] @ B[i], ord=2) for i in range(A.shape[0])]
    return torch.stack(norms).cpu()
