"""Does a get_parameter that looks names up in dict(named_parameters()) (which lacks the second
path to a shared layer) lose points on get_parameter only?"""

TARGET = "parameters.get_parameter"
CAUGHT_BY = ["test_get_parameter_returns_the_very_parameter"]
PUBLIC = True


def get_parameter(net, name):
    params = dict(net.named_parameters())
    if name not in params:
        raise KeyError(name)
    return params[name]
