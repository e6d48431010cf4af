"""Does a get_parameter that returns the parameter's .data (a new tensor) lose points on
get_parameter only?"""

TARGET = "parameters.get_parameter"
CAUGHT_BY = ["test_get_parameter_returns_the_very_parameter"]
PUBLIC = True

_get_parameter = get_parameter


def get_parameter(net, name):
    return _get_parameter(net, name).data
