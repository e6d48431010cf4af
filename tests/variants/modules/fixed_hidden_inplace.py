"""Does a FixedHiddenMLP written with torch.mm, torch.relu and in-place halving keep full marks?"""

ITEM = "modules.FixedHiddenMLP"


class FixedHiddenMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.LazyLinear(20)
        self.register_buffer("rand_weight", torch.rand((20, 20)), persistent=True)

    def forward(self, X):
        X = self.linear(X)
        X = torch.relu(torch.mm(X, self.rand_weight) + 1)
        X = self.linear(X)
        while X.abs().sum() > 1:
            X /= 2
        return X.sum()
