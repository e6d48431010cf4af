"""Does a materialize that forgets `return net` lose points on materialize only?"""

TARGET = "lazy.materialize"
CAUGHT_BY = ["test_materialize_initialises_every_parameter"]
PUBLIC = True


def materialize(net, *example_inputs):
    with torch.no_grad():
        net(*example_inputs)
