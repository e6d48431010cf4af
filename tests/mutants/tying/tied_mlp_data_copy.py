"""Does a tied_mlp whose second layer is a new Linear sharing only the storage (.data) of the first
lose points on tied_mlp only?"""

TARGET = "tying.tied_mlp"
CAUGHT_BY = [
    "test_tied_mlp_layers_2_and_4_are_one_module",
    "test_tied_mlp_shares_one_parameter",
    "test_tied_mlp_gradient_is_sum_of_both_uses",
]
PUBLIC = True


def tied_mlp(shared=None):
    if shared is None:
        shared = nn.Linear(8, 8)
    second = nn.Linear(8, 8)
    second.weight.data = shared.weight.data
    second.bias.data = shared.bias.data
    return nn.Sequential(
        nn.LazyLinear(8), nn.ReLU(), shared, nn.ReLU(), second, nn.ReLU(), nn.LazyLinear(1)
    )
