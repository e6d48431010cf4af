"""Does a to_device that reassigns p.data for each parameter (and forgets the buffers) lose points on to_device only?"""

TARGET = "gpus.to_device"
CAUGHT_BY = ["test_to_device_moves_parameters_and_buffers"]
PUBLIC = True


def to_device(net, device):
    for param in net.parameters():
        param.data = param.data.to(device)
    return net
