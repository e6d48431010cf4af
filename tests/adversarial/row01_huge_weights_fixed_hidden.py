"""Issue 12, row 1 (variation): finite but huge weights (1e30), so a halving loop on them would
run long: does the parent stay bounded and the wrong module gain nothing?"""

AFFECTS = ["modules.FixedHiddenMLP"]
KIND = None
FEEDBACK = "differs from PyTorch in linear.weight"


class FixedHiddenMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("rand_weight", torch.rand(20, 20))
        self.linear = nn.Linear(20, 20)
        with torch.no_grad():
            self.linear.weight.fill_(1e30)

    def forward(self, X):
        return torch.tensor(1.0)
