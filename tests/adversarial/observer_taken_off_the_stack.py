"""Issue 12, observers switched off (variation): norms_on_device takes every torch function mode
off torch's stack around its .item() calls and puts them back afterwards (through
``_pop_mode_temporarily``, ``_pop_mode``, ``torch._C._pop_torch_function_stack``, and a mode of its
own whose ``__exit__`` is called once too often). Before the counter was sealed this
kept 4/4. Does it still keep the read check?"""

SECTION = "gpus"
AFFECTS = ["gpus.norms_on_device"]
KIND = None
FEEDBACK = "reads back to the host"


def _unwatched_item(x):
    import torch
    from torch import overrides

    attempts = [
        lambda: _through(overrides._pop_mode_temporarily, x),
        lambda: _popped(overrides._pop_mode, overrides._push_mode, x),
        lambda: _popped(
            torch._C._pop_torch_function_stack, torch._C._push_on_torch_function_stack, x
        ),
        lambda: _exited_twice(x),
    ]
    for attempt in attempts:
        try:
            return attempt()
        except BaseException:
            continue
    return x.item()


def _through(pop_temporarily, x):
    with pop_temporarily():
        return x.item()


def _popped(pop, push, x):
    modes = []
    while True:
        try:
            modes.append(pop())
        except BaseException:
            break
    if not modes:
        raise RuntimeError("nothing popped")
    try:
        return x.item()
    finally:
        for mode in reversed(modes):
            push(mode)


def _exited_twice(x):
    from torch.overrides import TorchFunctionMode

    class Mine(TorchFunctionMode):
        pass

    mine = Mine()
    mine.__enter__()
    mine.__exit__(None, None, None)
    mine.__exit__(None, None, None)  # pops whatever is below it
    value = x.item()
    Mine().__enter__()  # something for the grader to pop
    return value


def norms_on_device(A, B, device):
    import torch

    A, B = A.to(device), B.to(device)
    norms = [_unwatched_item(torch.linalg.matrix_norm(A[i] @ B[i])) for i in range(A.shape[0])]
    return torch.tensor(norms)
