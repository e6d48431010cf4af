"""Does replicate that repeats one factory() result n times lose points on replicate only?"""

TARGET = "modules.replicate"
CAUGHT_BY = ["test_replicate_builds_n_independent_instances"]
PUBLIC = True


def replicate(factory, n):
    return nn.Sequential(*([factory()] * n))
