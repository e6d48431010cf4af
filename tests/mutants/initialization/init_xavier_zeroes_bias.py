"""Does init_xavier that also zeroes the bias lose points on init_xavier only?"""

TARGET = "initialization.init_xavier"
CAUGHT_BY = [
    "test_init_xavier_matches_xavier_uniform",
    "test_init_xavier_touches_only_linear_weights",
]
PUBLIC = True


def init_xavier(m):
    if type(m) is nn.Linear:
        nn.init.xavier_uniform_(m.weight)
        nn.init.zeros_(m.bias)
