"""Does a LazyMyLinear that is a plain nn.Module creating its parameters inside forward (so
load_state_dict on a fresh one fails) lose points on LazyMyLinear only?"""

TARGET = "lazy.LazyMyLinear"
CAUGHT_BY = [
    "test_lazy_my_linear_is_lazy_until_first_call",
    "test_lazy_my_linear_load_state_dict_materialises",
]
PUBLIC = True


class LazyMyLinear(nn.Module):
    def __init__(self, units):
        super().__init__()
        self.units = units
        self.weight = None
        self.bias = None

    def forward(self, X):
        if self.weight is None:
            self.weight = nn.Parameter(torch.randn(X.shape[-1], self.units))
            self.bias = nn.Parameter(torch.randn(self.units))
        return F.relu(X @ self.weight + self.bias)
