"""Does a load_params that returns what load_state_dict returns (not the net) lose points on save_params only?"""

TARGET = "serialization.save_params"
CAUGHT_BY = ["test_load_params_fills_the_given_net"]
PUBLIC = True


def load_params(net, path):
    return net.load_state_dict(torch.load(path, weights_only=True))
