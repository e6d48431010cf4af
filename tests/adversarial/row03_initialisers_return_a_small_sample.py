"""Issue 12, row 3 (variation): only the first element filled, and a one-element view of it
returned (a different object from the tensor asked for): does it gain nothing?"""

SECTION = "initialization"
AFFECTS = [
    "initialization.xavier_uniform_",
    "initialization.kaiming_normal_",
    "initialization.mixture_uniform_",
]
KIND = None
FEEDBACK = "(returned a copy)"


def _one(t):
    with torch.no_grad():
        flat = t.view(-1)
        flat.zero_()
        return flat[:1]


def xavier_uniform_(t, gain=1.0):
    return _one(t)


def kaiming_normal_(t, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    return _one(t)


def mixture_uniform_(t, components):
    return _one(t)
