"""Does a materialize decorated with @torch.no_grad() (instead of a with block) keep full marks?"""

ITEM = "lazy.materialize"


@torch.no_grad()
def materialize(net, *example_inputs):
    net(*example_inputs)
    return net
