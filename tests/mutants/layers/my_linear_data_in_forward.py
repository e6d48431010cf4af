"""Does a MyLinear whose forward uses self.weight.data and self.bias.data (so the parameters get no
gradient) lose points on MyLinear only?"""

TARGET = "layers.MyLinear"
CAUGHT_BY = ["test_my_linear_gradients"]
PUBLIC = True


class MyLinear(nn.Module):
    def __init__(self, in_units, units):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(in_units, units))
        self.bias = nn.Parameter(torch.randn(units))

    def forward(self, X):
        return F.relu(torch.matmul(X, self.weight.data) + self.bias.data)
