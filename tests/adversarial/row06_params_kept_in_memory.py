"""Issue 12, row 6 (variation): save_params writes an empty file and keeps the state_dict in
memory; load_params restores from memory: does save_params gain nothing?"""

SECTION = "serialization"
AFFECTS = ["serialization.save_params"]
KIND = None
FEEDBACK = "the file save_params wrote differs from PyTorch"

_KEPT = {}


def save_params(net, path):
    import copy

    _KEPT[path] = copy.deepcopy(net.state_dict())
    open(path, "wb").close()


def load_params(net, path):
    net.load_state_dict(_KEPT[path])
    return net
