"""Does a lazy_mlp built by appending layers to an empty nn.Sequential keep full marks?"""

ITEM = "lazy.lazy_mlp"


def lazy_mlp(hidden=256, out=10):
    net = nn.Sequential()
    net.append(nn.LazyLinear(hidden))
    net.append(nn.ReLU())
    net.append(nn.LazyLinear(out))
    return net
