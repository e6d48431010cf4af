"""Does init_42 setting the bias to 42 too lose points on init_42 only?"""

TARGET = "initialization.init_42"
CAUGHT_BY = ["test_init_42_sets_weight_to_42", "test_init_42_touches_only_linear_weights"]
PUBLIC = True


def init_42(m):
    if type(m) is nn.Linear:
        nn.init.constant_(m.weight, 42)
        nn.init.constant_(m.bias, 42)
