"""Does init_constant setting the bias to value as well lose points on init_constant only?"""

TARGET = "initialization.init_constant"
CAUGHT_BY = [
    "test_init_constant_sets_value_and_zero_bias",
    "test_init_constant_touches_only_linear_layers",
]
PUBLIC = True


def init_constant(m, value=1.0):
    if type(m) is nn.Linear:
        nn.init.constant_(m.weight, value)
        nn.init.constant_(m.bias, value)
