"""Does a materialize that runs under torch.inference_mode() (its parameters become inference
tensors that can never be trained) lose points on materialize only?"""

TARGET = "lazy.materialize"
CAUGHT_BY = ["test_materialize_initialises_every_parameter"]
PUBLIC = True


def materialize(net, *example_inputs):
    with torch.inference_mode():
        net(*example_inputs)
    return net
