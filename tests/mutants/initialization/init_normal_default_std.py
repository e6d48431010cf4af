"""Does init_normal calling nn.init.normal_ with its default std (1) lose points on init_normal only?"""

TARGET = "initialization.init_normal"
CAUGHT_BY = ["test_init_normal_draws_from_normal_with_std_001"]
PUBLIC = True


def init_normal(m):
    if type(m) is nn.Linear:
        nn.init.normal_(m.weight)
        nn.init.zeros_(m.bias)
