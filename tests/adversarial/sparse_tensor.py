"""Does a sparse tensor in place of a dense one get a clear message and cost only its item?"""

AFFECTS = ["modules.FixedHiddenMLP"]
KIND = "invalid result"
FEEDBACK = "dense"


class FixedHiddenMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("rand_weight", torch.rand(20, 20))
        self.linear = nn.LazyLinear(20)

    def forward(self, X):
        X = self.linear(X)
        return X.to_sparse()
