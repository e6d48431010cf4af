"""Does an MLP whose layers are called fc1/fc2 (not hidden/out) lose points on MLP only?"""

TARGET = "modules.MLP"
CAUGHT_BY = ["test_mlp_defaults_and_parameter_names"]
PUBLIC = True


class MLP(nn.Module):
    def __init__(self, hidden=256, out=10):
        super().__init__()
        self.fc1 = nn.LazyLinear(hidden)
        self.fc2 = nn.LazyLinear(out)

    def forward(self, X):
        return self.fc2(F.relu(self.fc1(X)))
