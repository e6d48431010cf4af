"""Does a MyLinear that registers its parameters with register_parameter, initialises them
uniformly and computes with torch.addmm and clamp keep full marks?"""

ITEM = "layers.MyLinear"


class MyLinear(nn.Module):
    def __init__(self, in_units, units):
        super().__init__()
        bound = 1 / in_units**0.5
        self.register_parameter(
            "weight", nn.Parameter(torch.empty(in_units, units).uniform_(-bound, bound))
        )
        self.register_parameter("bias", nn.Parameter(torch.empty(units).uniform_(-bound, bound)))

    def forward(self, X):
        return torch.addmm(self.bias, X, self.weight).clamp(min=0)
