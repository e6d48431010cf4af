"""Does a parameter_shapes read from state_dict() (buffers, a shared layer twice) lose points on
parameter_shapes only?"""

TARGET = "parameters.parameter_shapes"
CAUGHT_BY = ["test_parameter_shapes_names_in_order"]
PUBLIC = True


def parameter_shapes(net):
    return [(name, tuple(value.shape)) for name, value in net.state_dict().items()]
