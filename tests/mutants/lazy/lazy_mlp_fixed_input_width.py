"""Does a lazy_mlp whose first layer is nn.Linear(20, hidden), fixed to 20 input features, lose
points on lazy_mlp only?"""

TARGET = "lazy.lazy_mlp"
CAUGHT_BY = ["test_lazy_mlp_is_lazy_until_first_call", "test_lazy_mlp_defaults_and_layers"]
PUBLIC = True


def lazy_mlp(hidden=256, out=10):
    return nn.Sequential(nn.Linear(20, hidden), nn.ReLU(), nn.LazyLinear(out))
