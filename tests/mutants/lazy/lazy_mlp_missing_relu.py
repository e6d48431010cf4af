"""Does a lazy_mlp without the ReLU between its two layers lose points on lazy_mlp only?"""

TARGET = "lazy.lazy_mlp"
CAUGHT_BY = ["test_lazy_mlp_output"]
PUBLIC = True


def lazy_mlp(hidden=256, out=10):
    return nn.Sequential(nn.LazyLinear(hidden), nn.Identity(), nn.LazyLinear(out))
