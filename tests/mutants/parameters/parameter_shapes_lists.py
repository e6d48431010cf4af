"""Does a parameter_shapes that gives shapes as lists lose points on parameter_shapes only?"""

TARGET = "parameters.parameter_shapes"
CAUGHT_BY = ["test_parameter_shapes_are_tuples"]
PUBLIC = True


def parameter_shapes(net):
    return [(name, list(p.shape)) for name, p in net.named_parameters()]
