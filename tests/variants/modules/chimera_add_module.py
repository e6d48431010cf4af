"""Does a chimera assembled with add_module on an empty nn.Sequential keep full marks?"""

ITEM = "modules.chimera"


def chimera():
    net = nn.Sequential()
    net.add_module("0", NestMLP())
    net.add_module("1", nn.LazyLinear(20))
    net.add_module("2", FixedHiddenMLP())
    return net
