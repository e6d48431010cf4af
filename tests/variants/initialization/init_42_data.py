"""Does init_42 written as m.weight.data.fill_(42) keep full marks?"""

ITEM = "initialization.init_42"


def init_42(m):
    if type(m) is nn.Linear:
        m.weight.data.fill_(42)
