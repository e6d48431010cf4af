"""Issue 12, row 1 (variation, the issue's own case): an infinite bias on positive weights, so
that the reference's activations are +inf everywhere (no inf - inf makes them NaN, which would end
the halving loop) and halving them never brings the sum under 1: does the parent stay bounded
and the wrong module gain nothing?"""

AFFECTS = ["modules.FixedHiddenMLP"]
KIND = None
FEEDBACK = "differs from PyTorch in linear.bias"


class FixedHiddenMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("rand_weight", torch.rand(20, 20))
        self.linear = nn.Linear(20, 20)
        with torch.no_grad():
            self.linear.weight.fill_(0.05)
            self.linear.bias.fill_(float("inf"))

    def forward(self, X):
        return torch.tensor(0.5)
