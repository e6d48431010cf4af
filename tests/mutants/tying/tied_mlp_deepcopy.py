"""Does a tied_mlp whose second use is copy.deepcopy(shared) lose points on tied_mlp only?"""

import copy

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
    return nn.Sequential(
        nn.LazyLinear(8),
        nn.ReLU(),
        shared,
        nn.ReLU(),
        copy.deepcopy(shared),
        nn.ReLU(),
        nn.LazyLinear(1),
    )
