"""Does replicate that adds each factory() result with add_module in a loop keep full marks?"""

ITEM = "modules.replicate"


def replicate(factory, n):
    net = nn.Sequential()
    for i in range(n):
        net.add_module(f"{i}", factory())
    return net
