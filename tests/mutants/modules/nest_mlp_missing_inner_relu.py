"""Does a NestMLP without the ReLU after its second inner layer lose points on NestMLP only?"""

TARGET = "modules.NestMLP"
CAUGHT_BY = ["test_nest_mlp_output"]
PUBLIC = True


class NestMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.LazyLinear(64), nn.ReLU(), nn.LazyLinear(32), nn.Identity())
        self.linear = nn.LazyLinear(16)

    def forward(self, X):
        return self.linear(self.net(X))
