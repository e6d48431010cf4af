"""Does a layer_state that returns the parameters themselves (state_dict(keep_vars=True)) lose
points on layer_state only?"""

TARGET = "parameters.layer_state"
CAUGHT_BY = ["test_layer_state_values_are_detached"]
PUBLIC = True


def layer_state(net, i):
    return net[i].state_dict(keep_vars=True)
