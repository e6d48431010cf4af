"""Does a get_parameter that lets nn.Module.get_parameter's AttributeError through lose points on
get_parameter only?"""

TARGET = "parameters.get_parameter"
CAUGHT_BY = ["test_get_parameter_bad_name_raises_key_error"]
PUBLIC = True


def get_parameter(net, name):
    return net.get_parameter(name)
