"""Does a tied_mlp built from a repeated list (one ReLU object reused too) keep full marks?"""

ITEM = "tying.tied_mlp"


def tied_mlp(shared=None):
    shared = shared if shared is not None else nn.Linear(8, 8)
    relu = nn.ReLU()
    layers = [nn.LazyLinear(8), relu] + [shared, relu] * 2 + [nn.LazyLinear(1)]
    return nn.Sequential(*layers)
