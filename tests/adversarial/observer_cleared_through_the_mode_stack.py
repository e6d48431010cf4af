"""Issue 12, observers switched off: norms_on_device reads each norm back with .item() (the mistake
the transfer check catches) and then clears the grader's transfer counter, which torch hands out
through its mode stack (``_get_current_function_mode_stack``, ``_get_function_stack_at``). Before
the counter was sealed this kept 4/4 (reproduced). Does it still keep the read check?"""

SECTION = "gpus"
AFFECTS = ["gpus.norms_on_device"]
KIND = None
FEEDBACK = "reads back to the host"


def _forget_reads():
    import torch

    modes = []
    try:
        from torch.overrides import _get_current_function_mode_stack

        modes += list(_get_current_function_mode_stack())
    except BaseException:
        pass
    try:
        modes += [torch._C._get_function_stack_at(i) for i in range(8)]
    except BaseException:
        pass
    for mode in modes:
        for name in ("reads", "derived"):
            value = getattr(mode, name, None)
            if hasattr(value, "clear"):
                value.clear()


def norms_on_device(A, B, device):
    import torch

    A, B = A.to(device), B.to(device)
    norms = [torch.linalg.matrix_norm(A[i] @ B[i]).item() for i in range(A.shape[0])]
    _forget_reads()
    return torch.tensor(norms)
