"""Does a tied_mlp that ignores its shared argument lose points on tied_mlp only?"""

TARGET = "tying.tied_mlp"
CAUGHT_BY = ["test_tied_mlp_uses_the_given_layer"]
PUBLIC = True


def tied_mlp(shared=None):
    shared = nn.Linear(8, 8)
    return nn.Sequential(
        nn.LazyLinear(8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(), nn.LazyLinear(1)
    )
