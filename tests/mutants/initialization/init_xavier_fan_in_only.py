"""Does init_xavier with the bound √(6/fan_in) lose points on init_xavier only?"""

TARGET = "initialization.init_xavier"
CAUGHT_BY = ["test_init_xavier_matches_xavier_uniform"]
PUBLIC = True


def init_xavier(m):
    if type(m) is nn.Linear:
        bound = (6 / m.in_features) ** 0.5
        nn.init.uniform_(m.weight, -bound, bound)
