"""Issue 12, row 2 (variation): infinities instead of NaN: does a wrong NestMLP that sets its
parameters to +inf after the call and returns inf gain nothing?"""

AFFECTS = ["modules.NestMLP"]
KIND = None
FEEDBACK = "NestMLP output differs from PyTorch"


class NestMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.LazyLinear(64), nn.ReLU(), nn.LazyLinear(32), nn.ReLU())
        self.linear = nn.LazyLinear(16)

    def forward(self, X):
        Y = self.linear(self.net(X))
        with torch.no_grad():
            for p in self.parameters():
                p.fill_(float("inf"))
        return torch.full_like(Y, float("inf"))
