"""Does a MyLinear with its weight laid out as (units, in_units), like nn.Linear's, lose points on
MyLinear only?"""

TARGET = "layers.MyLinear"
CAUGHT_BY = ["test_my_linear_registers_weight_and_bias", "test_my_linear_output"]
PUBLIC = True


class MyLinear(nn.Module):
    def __init__(self, in_units, units):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(units, in_units))
        self.bias = nn.Parameter(torch.randn(units))

    def forward(self, X):
        return F.relu(F.linear(X, self.weight, self.bias))
