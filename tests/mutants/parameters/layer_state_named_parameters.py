"""Does a layer_state that returns the layer's named_parameters() (no buffers, not detached) lose
points on layer_state only?"""

TARGET = "parameters.layer_state"
CAUGHT_BY = ["test_layer_state_matches_state_dict", "test_layer_state_values_are_detached"]
PUBLIC = True


def layer_state(net, i):
    return dict(net[i].named_parameters())
