"""Does init_constant that always writes 1 (ignoring value) lose points on init_constant only?"""

TARGET = "initialization.init_constant"
CAUGHT_BY = ["test_init_constant_sets_value_and_zero_bias"]
PUBLIC = True


def init_constant(m, value=1.0):
    if type(m) is nn.Linear:
        nn.init.constant_(m.weight, 1)
        nn.init.zeros_(m.bias)
