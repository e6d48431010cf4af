"""Does a MyLinear that keeps weight and bias as plain tensors (requires_grad, but not registered
as parameters) lose points on MyLinear only?"""

TARGET = "layers.MyLinear"
CAUGHT_BY = ["test_my_linear_registers_weight_and_bias"]
PUBLIC = True


class MyLinear(nn.Module):
    def __init__(self, in_units, units):
        super().__init__()
        self.weight = torch.randn(in_units, units, requires_grad=True)
        self.bias = torch.randn(units, requires_grad=True)

    def forward(self, X):
        return F.relu(X @ self.weight + self.bias)
