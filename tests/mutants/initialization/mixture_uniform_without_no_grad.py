"""Does mixture_uniform_ that copies into t outside torch.no_grad() lose points on mixture_uniform_ only?"""

TARGET = "initialization.mixture_uniform_"
CAUGHT_BY = ["test_mixture_uniform_works_in_place"]
PUBLIC = True

_checked = mixture_uniform_


def mixture_uniform_(t, components):
    values = _checked(torch.empty(t.shape, dtype=t.dtype, device=t.device), components)
    return t.copy_(values)
