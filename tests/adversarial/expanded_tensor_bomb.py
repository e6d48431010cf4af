"""Does a tiny tensor expanded to billions of elements get refused before it is copied?"""

AFFECTS = ["modules.NestMLP"]
KIND = "invalid result"
FEEDBACK = "larger than"


class NestMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.LazyLinear(64), nn.ReLU(), nn.LazyLinear(32), nn.ReLU())
        self.linear = nn.LazyLinear(16)

    def forward(self, X):
        self.linear(self.net(X))
        return torch.zeros(1).expand(2**31)
