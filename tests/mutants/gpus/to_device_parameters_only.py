"""Does a to_device that moves the parameters but forgets the buffers lose points on to_device only?"""

TARGET = "gpus.to_device"
CAUGHT_BY = [
    "test_to_device_moves_parameters_and_buffers",
    "test_to_device_output_is_unchanged_on_the_gpu",
]
PUBLIC = True


def to_device(net, device):
    for module in net.modules():
        for name, param in list(module._parameters.items()):
            if param is not None:
                moved = nn.Parameter(param.detach().to(device), requires_grad=param.requires_grad)
                module._parameters[name] = moved
    return net
