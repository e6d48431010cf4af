"""Does a to_device that returns a moved copy (copy.deepcopy(net).to(device)) lose points on to_device only?"""

import copy

TARGET = "gpus.to_device"
CAUGHT_BY = ["test_to_device_moves_net_itself"]
PUBLIC = True


def to_device(net, device):
    return copy.deepcopy(net).to(device)
