"""Does a layer_state that counts layers over children() (which skips a layer used twice) lose
points on layer_state only?"""

TARGET = "parameters.layer_state"
CAUGHT_BY = ["test_layer_state_matches_state_dict"]
PUBLIC = True


def layer_state(net, i):
    return list(net.children())[i].state_dict()
