"""Issue 12, row 2: does a wrong MLP that sets its parameters to NaN after each call (so that a
reference built from them is NaN too) and returns NaN gain nothing?"""

AFFECTS = ["modules.MLP"]
KIND = None
FEEDBACK = "MLP output differs from PyTorch"


class MLP(nn.Module):
    def __init__(self, hidden=256, out=10):
        super().__init__()
        self.hidden = nn.LazyLinear(hidden)
        self.out = nn.LazyLinear(out)

    def forward(self, X):
        Y = self.out(self.hidden(X))  # wrong: no relu
        with torch.no_grad():
            for p in self.parameters():
                p.fill_(float("nan"))
        return Y * float("nan")
