"""Does init_normal written on .data with type(m) is nn.Linear, as in the chapter, keep full marks?"""

ITEM = "initialization.init_normal"


def init_normal(m):
    if type(m) is nn.Linear:
        m.weight.data.normal_(0, 0.01)
        m.bias.data.zero_()
