"""Issue 12, observers switched off (variation): norms_on_device switches torch's function handling
off around each .item() (``torch._C.DisableTorchFunction``, ``_set_torch_function_state``,
``_set_skip_next_torch_function``, ``_skip_one_hop_torch_function``). Before the counter was
sealed this kept 4/4. Does it still keep the read check?"""

SECTION = "gpus"
AFFECTS = ["gpus.norms_on_device"]
KIND = None
FEEDBACK = "reads back to the host"


def _unwatched_item(x):
    import torch

    C = torch._C

    def disabled():
        with C.DisableTorchFunction():
            return x.item()

    def state():
        old = C._get_torch_function_state()
        C._set_torch_function_state(C._TorchFunctionState.ALL_DISABLED)
        try:
            return x.item()
        finally:
            C._set_torch_function_state(old)

    def skip_next():
        C._set_skip_next_torch_function(True)
        return x.item()

    def one_hop():
        return C._skip_one_hop_torch_function(torch.Tensor.item, (), (x,), {})

    for attempt in (disabled, state, skip_next, one_hop):
        try:
            return attempt()
        except BaseException:
            continue
    return x.item()


def norms_on_device(A, B, device):
    import torch

    A, B = A.to(device), B.to(device)
    norms = [_unwatched_item(torch.linalg.matrix_norm(A[i] @ B[i])) for i in range(A.shape[0])]
    return torch.tensor(norms)
