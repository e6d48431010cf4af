"""Does a count_parameters over state_dict() (buffers, a tied layer twice) lose points on
count_parameters only?"""

TARGET = "parameters.count_parameters"
CAUGHT_BY = ["test_count_parameters_counts_each_scalar_once"]
PUBLIC = True


def count_parameters(net, trainable_only=False):
    return sum(v.numel() for v in net.state_dict().values())
