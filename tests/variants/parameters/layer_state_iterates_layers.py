"""Does a layer_state that picks the layer from list(net) and detaches by hand keep full marks?"""

ITEM = "parameters.layer_state"


def layer_state(net, i):
    layer = list(net)[i]
    return {k: v.detach() for k, v in layer.state_dict(keep_vars=True).items()}
