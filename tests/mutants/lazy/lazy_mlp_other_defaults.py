"""Does a lazy_mlp with other default widths (hidden=64) lose points on lazy_mlp only?"""

TARGET = "lazy.lazy_mlp"
CAUGHT_BY = ["test_lazy_mlp_defaults_and_layers"]
PUBLIC = True


def lazy_mlp(hidden=64, out=10):
    return nn.Sequential(nn.LazyLinear(hidden), nn.ReLU(), nn.LazyLinear(out))
