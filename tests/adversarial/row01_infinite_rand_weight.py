"""Issue 12, row 1 (variation): an infinite buffer (rand_weight) instead of an infinite bias:
does the parent's reference stay bounded and the wrong module gain nothing?"""

AFFECTS = ["modules.FixedHiddenMLP"]
KIND = None
FEEDBACK = "differs from PyTorch in rand_weight"


class FixedHiddenMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("rand_weight", torch.full((20, 20), float("inf")))
        self.linear = nn.LazyLinear(20)

    def forward(self, X):
        self.linear(X)
        return torch.tensor(0.25)
