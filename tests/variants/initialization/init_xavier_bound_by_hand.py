"""Does init_xavier written with nn.init.uniform_ and the bound computed by hand keep full marks?"""

ITEM = "initialization.init_xavier"


def init_xavier(m):
    if type(m) is nn.Linear:
        bound = math.sqrt(6.0 / (m.in_features + m.out_features))
        nn.init.uniform_(m.weight, -bound, bound)
