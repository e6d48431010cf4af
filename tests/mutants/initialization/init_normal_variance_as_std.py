"""Does init_normal with the variance 0.01² passed as the std lose points on init_normal only?"""

TARGET = "initialization.init_normal"
CAUGHT_BY = ["test_init_normal_draws_from_normal_with_std_001"]
PUBLIC = True


def init_normal(m):
    if type(m) is nn.Linear:
        nn.init.normal_(m.weight, mean=0, std=0.01**2)
        nn.init.zeros_(m.bias)
