"""Does a FixedHiddenMLP that draws rand_weight from N(0, 1) instead of U[0, 1) lose points on
FixedHiddenMLP only?"""

TARGET = "modules.FixedHiddenMLP"
CAUGHT_BY = ["test_fixed_hidden_rand_weight_is_a_persistent_buffer"]
PUBLIC = True


class FixedHiddenMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("rand_weight", torch.randn(20, 20))
        self.linear = nn.LazyLinear(20)

    def forward(self, X):
        X = self.linear(X)
        X = F.relu(X @ self.rand_weight + 1)
        X = self.linear(X)
        while X.abs().sum() > 1:
            X = X / 2
        return X.sum()
