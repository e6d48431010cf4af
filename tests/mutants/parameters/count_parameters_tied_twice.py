"""Does a count_parameters that counts a tied parameter once per use lose points on
count_parameters only?"""

TARGET = "parameters.count_parameters"
CAUGHT_BY = ["test_count_parameters_counts_each_scalar_once"]
PUBLIC = True


def count_parameters(net, trainable_only=False):
    return sum(
        p.numel()
        for _, p in net.named_parameters(remove_duplicate=False)
        if p.requires_grad or not trainable_only
    )
