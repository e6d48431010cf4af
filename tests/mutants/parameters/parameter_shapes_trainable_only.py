"""Does a parameter_shapes that leaves out frozen parameters lose points on parameter_shapes only?"""

TARGET = "parameters.parameter_shapes"
CAUGHT_BY = ["test_parameter_shapes_names_in_order"]
PUBLIC = True


def parameter_shapes(net):
    return [(name, tuple(p.shape)) for name, p in net.named_parameters() if p.requires_grad]
