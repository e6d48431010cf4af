"""Does a materialize that runs its pass with autograd on (no torch.no_grad()) lose points on
materialize only?"""

TARGET = "lazy.materialize"
CAUGHT_BY = ["test_materialize_runs_without_autograd"]
PUBLIC = True


def materialize(net, *example_inputs):
    net(*example_inputs)
    return net
