"""Does a to_device that moves every parameter and buffer of every module by hand keep full marks?"""

ITEM = "gpus.to_device"


def to_device(net, device):
    for module in net.modules():
        for name, param in list(module._parameters.items()):
            if param is not None:
                moved = nn.Parameter(param.detach().to(device), requires_grad=param.requires_grad)
                module._parameters[name] = moved
        for name, buffer in list(module._buffers.items()):
            if buffer is not None:
                module._buffers[name] = buffer.to(device)
    return net
