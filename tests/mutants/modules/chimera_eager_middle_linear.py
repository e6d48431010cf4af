"""Does a chimera with a non-lazy nn.Linear(16, 20) in the middle lose points on chimera only?"""

TARGET = "modules.chimera"
CAUGHT_BY = ["test_chimera_structure_and_names"]
PUBLIC = True


def chimera():
    return nn.Sequential(NestMLP(), nn.Linear(16, 20), FixedHiddenMLP())
