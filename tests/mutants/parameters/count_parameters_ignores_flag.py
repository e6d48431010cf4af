"""Does a count_parameters that ignores trainable_only lose points on count_parameters only?"""

TARGET = "parameters.count_parameters"
CAUGHT_BY = ["test_count_parameters_trainable_only"]
PUBLIC = True


def count_parameters(net, trainable_only=False):
    return sum(p.numel() for p in net.parameters())
