"""Does a block1 built by add_module with names "0" … "3" keep full marks?"""

ITEM = "parameters.block1"


def block1():
    net = nn.Sequential()
    for i, layer in enumerate([nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4), nn.ReLU()]):
        net.add_module(str(i), layer)
    return net
