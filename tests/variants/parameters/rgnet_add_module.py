"""Does an rgnet built by add_module keep full marks?"""

ITEM = "parameters.rgnet"


def rgnet(n=4):
    net = nn.Sequential()
    net.add_module("0", block2(n))
    net.add_module("1", nn.Linear(4, 1))
    return net
