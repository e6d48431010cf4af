"""Does a FixedHiddenMLP that halves once (`if`) instead of while the sum is above 1 lose points on
FixedHiddenMLP only?"""

TARGET = "modules.FixedHiddenMLP"
CAUGHT_BY = ["test_fixed_hidden_value"]
PUBLIC = True


class FixedHiddenMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("rand_weight", torch.rand(20, 20))
        self.linear = nn.LazyLinear(20)

    def forward(self, X):
        X = self.linear(X)
        X = F.relu(X @ self.rand_weight + 1)
        X = self.linear(X)
        if X.abs().sum() > 1:
            X = X / 2
        return X.sum()
