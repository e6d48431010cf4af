"""Does a materialize that resets every layer's parameters after the pass (a second draw from the
random generator) lose points on materialize only?"""

TARGET = "lazy.materialize"
CAUGHT_BY = ["test_materialize_matches_an_ordinary_first_call"]
PUBLIC = True


def materialize(net, *example_inputs):
    with torch.no_grad():
        net(*example_inputs)
    for module in net.modules():
        if isinstance(module, nn.Linear):
            module.reset_parameters()
    return net
