"""Does init_constant written with fill_ under torch.no_grad() keep full marks?"""

ITEM = "initialization.init_constant"


def init_constant(m, value=1.0):
    if m.__class__ is nn.Linear:
        with torch.no_grad():
            m.weight.fill_(value)
            m.bias.fill_(0)
