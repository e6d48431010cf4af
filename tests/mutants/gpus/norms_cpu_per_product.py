"""Does a norms_on_device that copies each product to the CPU and takes its norm there lose points on norms_on_device only?"""

TARGET = "gpus.norms_on_device"
CAUGHT_BY = ["test_norms_read_back_to_the_host_once", "test_norms_are_computed_on_the_gpu"]
PUBLIC = True


def norms_on_device(A, B, device):
    A, B = A.to(device), B.to(device)
    return torch.stack([torch.linalg.matrix_norm((A[i] @ B[i]).cpu()) for i in range(A.shape[0])])
