"""Does a NestMLP that stores its inner layers as self.layers (not self.net) lose points on NestMLP only?"""

TARGET = "modules.NestMLP"
CAUGHT_BY = ["test_nest_mlp_parameter_names_and_shapes"]
PUBLIC = True


class NestMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.LazyLinear(64), nn.ReLU(), nn.LazyLinear(32), nn.ReLU())
        self.linear = nn.LazyLinear(16)

    def forward(self, X):
        return self.linear(self.layers(X))
