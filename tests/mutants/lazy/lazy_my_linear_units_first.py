"""Does a LazyMyLinear with its weight laid out as (units, in), like nn.Linear's, lose points on
LazyMyLinear only?"""

TARGET = "lazy.LazyMyLinear"
CAUGHT_BY = ["test_lazy_my_linear_is_lazy_until_first_call"]
PUBLIC = True


class LazyMyLinear(nn.modules.lazy.LazyModuleMixin, nn.Module):
    def __init__(self, units):
        super().__init__()
        self.units = units
        self.weight = nn.parameter.UninitializedParameter()
        self.bias = nn.parameter.UninitializedParameter()

    def initialize_parameters(self, X):
        if self.has_uninitialized_params():
            with torch.no_grad():
                self.weight.materialize((self.units, X.shape[-1]))
                self.bias.materialize((self.units,))
                self.weight.normal_()
                self.bias.normal_()

    def forward(self, X):
        return F.relu(F.linear(X, self.weight, self.bias))
