"""Does a layer_state that picks the keys of net.state_dict() starting with str(i) (so layer 1 also
gets layer 10's and 11's entries) lose points on layer_state only?"""

TARGET = "parameters.layer_state"
CAUGHT_BY = ["test_layer_state_matches_state_dict"]
PUBLIC = True


def layer_state(net, i):
    prefix = str(i)
    return {
        key[len(prefix) + 1 :]: value
        for key, value in net.state_dict().items()
        if key.startswith(prefix)
    }
