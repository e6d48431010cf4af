"""Does a norms_on_device that writes each norm into a preallocated tensor on the device but reads
each one back with .item() inside the loop (to sum them, say) lose points on norms_on_device only?"""

TARGET = "gpus.norms_on_device"
CAUGHT_BY = ["test_norms_read_back_to_the_host_once"]
PUBLIC = True


def norms_on_device(A, B, device):
    A, B = A.to(device), B.to(device)
    out = torch.empty(A.shape[0], device=device)
    total = 0.0
    for i in range(A.shape[0]):
        out[i] = torch.linalg.matrix_norm(A[i] @ B[i])
        total += out[i].item()
    assert total >= 0
    return out.to("cpu")
