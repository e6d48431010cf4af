"""Issue 12, row 3 (variation): the tensor made a one-element view of itself in place
(as_strided_), keeping its storage: does it gain nothing?"""

SECTION = "initialization"
AFFECTS = [
    "initialization.xavier_uniform_",
    "initialization.kaiming_normal_",
    "initialization.mixture_uniform_",
]
KIND = None
FEEDBACK = "differs from PyTorch in"


def _one(t):
    with torch.no_grad():
        t.as_strided_((1,), (1,))
        t.fill_(0.0)
    return t


def xavier_uniform_(t, gain=1.0):
    return _one(t)


def kaiming_normal_(t, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    return _one(t)


def mixture_uniform_(t, components):
    return _one(t)
