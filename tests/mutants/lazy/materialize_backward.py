"""Does a materialize that runs a training-style pass (autograd on, then backward), leaving .grad
on every parameter, lose points on materialize only?"""

TARGET = "lazy.materialize"
CAUGHT_BY = ["test_materialize_runs_without_autograd"]
PUBLIC = True


def materialize(net, *example_inputs):
    net(*example_inputs).sum().backward()
    return net
