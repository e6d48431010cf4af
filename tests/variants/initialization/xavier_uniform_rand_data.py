"""Does xavier_uniform_ written with torch.rand on .data and its own fan computation keep full marks?"""

ITEM = "initialization.xavier_uniform_"


def xavier_uniform_(t, gain=1.0):
    if t.ndim < 2:
        raise ValueError("xavier_uniform_ needs at least 2 dimensions")
    receptive = 1
    for size in t.shape[2:]:
        receptive *= size
    bound = gain * (6.0 / ((t.size(0) + t.size(1)) * receptive)) ** 0.5
    t.data.copy_((torch.rand(t.shape, dtype=t.dtype, device=t.device) * 2 - 1) * bound)
    return t
