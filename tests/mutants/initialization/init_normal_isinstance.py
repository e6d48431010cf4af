"""Does init_normal testing isinstance(m, nn.Linear) (subclasses, uninitialised LazyLinear) lose points on init_normal only?"""

TARGET = "initialization.init_normal"
CAUGHT_BY = ["test_init_normal_touches_only_linear_layers"]
PUBLIC = True


def init_normal(m):
    if isinstance(m, nn.Linear) and not isinstance(m.weight, nn.parameter.UninitializedParameter):
        nn.init.normal_(m.weight, mean=0, std=0.01)
        nn.init.zeros_(m.bias)
