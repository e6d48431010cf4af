"""Does init_xavier using xavier_normal_ (same std, wrong shape) lose points on init_xavier only?"""

TARGET = "initialization.init_xavier"
CAUGHT_BY = ["test_init_xavier_matches_xavier_uniform"]
PUBLIC = True


def init_xavier(m):
    if type(m) is nn.Linear:
        nn.init.xavier_normal_(m.weight)
