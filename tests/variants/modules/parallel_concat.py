"""Does a Parallel written with torch.concat and a list keep full marks?"""

ITEM = "modules.Parallel"


class Parallel(nn.Module):
    def __init__(self, net1, net2, dim=-1):
        super().__init__()
        self.net1, self.net2, self.dim = net1, net2, dim

    def forward(self, X):
        outputs = [self.net1(X), self.net2(X)]
        return torch.concat(outputs, dim=self.dim)
