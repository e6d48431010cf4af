"""Does a materialize that switches autograd off with torch.set_grad_enabled(False) keep full
marks?"""

ITEM = "lazy.materialize"


def materialize(net, *example_inputs):
    with torch.set_grad_enabled(False):
        net(*example_inputs)
    return net
