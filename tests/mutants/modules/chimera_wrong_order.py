"""Does a chimera that puts FixedHiddenMLP first lose points on chimera only?"""

TARGET = "modules.chimera"
CAUGHT_BY = ["test_chimera_structure_and_names", "test_chimera_output_chains_its_parts"]
PUBLIC = True


def chimera():
    return nn.Sequential(FixedHiddenMLP(), nn.LazyLinear(20), NestMLP())
