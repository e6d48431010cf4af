"""Issue 12, row 2 (variation, layers): does a MyLinear that returns NaN and poisons its own
weight and bias with NaN on every call gain nothing?"""

SECTION = "layers"
AFFECTS = ["layers.MyLinear"]
KIND = None
FEEDBACK = "MyLinear output differs from PyTorch"


class MyLinear(nn.Module):
    def __init__(self, in_units, units):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_units, units))
        self.bias = nn.Parameter(torch.randn(units))

    def forward(self, X):
        with torch.no_grad():
            self.weight.fill_(float("nan"))
            self.bias.fill_(float("nan"))
        return X @ self.weight + self.bias
