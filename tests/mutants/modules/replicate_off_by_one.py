"""Does replicate that builds n - 1 copies lose points on replicate only?"""

TARGET = "modules.replicate"
CAUGHT_BY = [
    "test_replicate_builds_n_independent_instances",
    "test_replicate_output_chains_the_copies",
]
PUBLIC = True


def replicate(factory, n):
    return nn.Sequential(*(factory() for _ in range(1, n)))
