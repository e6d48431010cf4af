"""Issue 12, row 3: do by-hand initialisers that shrink the given tensor to one element in place
(so a statistical test on the returned sample has n = 1) gain nothing?"""

SECTION = "initialization"
AFFECTS = [
    "initialization.xavier_uniform_",
    "initialization.kaiming_normal_",
    "initialization.mixture_uniform_",
]
KIND = None
FEEDBACK = "cannot resize variables that require grad"


def _one(t):
    with torch.no_grad():
        t.resize_(1)
        t.zero_()
    return t


def xavier_uniform_(t, gain=1.0):
    return _one(t)


def kaiming_normal_(t, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    return _one(t)


def mixture_uniform_(t, components):
    return _one(t)
