"""Does an object that pretends to be a tensor (and equal to everything) gain nothing?"""

AFFECTS = ["modules.Parallel"]
KIND = "invalid result"
FEEDBACK = "return a plain torch.Tensor"


class Impostor:
    @property
    def __class__(self):
        return torch.Tensor

    def __eq__(self, other):
        return True

    def detach(self):
        return self


class Parallel(nn.Module):
    def __init__(self, net1, net2, dim=-1):
        super().__init__()
        self.net1, self.net2, self.dim = net1, net2, dim

    def forward(self, X):
        return Impostor()
