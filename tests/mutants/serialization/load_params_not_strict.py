"""Does a load_params with strict=False (silently skipping keys that do not match) lose points on save_params only?"""

TARGET = "serialization.save_params"
CAUGHT_BY = ["test_load_params_is_strict"]
PUBLIC = True


def load_params(net, path):
    net.load_state_dict(torch.load(path, weights_only=True), strict=False)
    return net
