"""Does a NestMLP that fills self.net with add_module calls keep full marks?"""

ITEM = "modules.NestMLP"


class NestMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential()
        for i, layer in enumerate([nn.LazyLinear(64), nn.ReLU(), nn.LazyLinear(32), nn.ReLU()]):
            self.net.add_module(str(i), layer)
        self.linear = nn.LazyLinear(16)

    def forward(self, X):
        X = self.net(X)
        return self.linear(X)
