"""Issue 12, row 1: does a FixedHiddenMLP whose bias is infinite gain nothing and stop nobody?
(The parent used to halve an infinite reference forever: no one in the class got a result.)"""

AFFECTS = ["modules.FixedHiddenMLP"]
KIND = None
FEEDBACK = "differs from PyTorch in linear.bias"


class FixedHiddenMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("rand_weight", torch.rand(20, 20))
        self.linear = nn.Linear(20, 20)
        with torch.no_grad():
            self.linear.bias.fill_(float("inf"))

    def forward(self, X):
        return torch.tensor(0.5)
