"""Does a materialize that passes only the first example input lose points on materialize only?"""

TARGET = "lazy.materialize"
CAUGHT_BY = [
    "test_materialize_initialises_every_parameter",
    "test_materialize_runs_without_autograd",
    "test_materialize_matches_an_ordinary_first_call",
]
PUBLIC = True


def materialize(net, *example_inputs):
    with torch.no_grad():
        net(example_inputs[0])
    return net
