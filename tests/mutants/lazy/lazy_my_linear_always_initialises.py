"""Does a LazyMyLinear whose initialize_parameters draws new values even after load_state_dict
lose points on LazyMyLinear only?"""

TARGET = "lazy.LazyMyLinear"
CAUGHT_BY = ["test_lazy_my_linear_load_state_dict_materialises"]
PUBLIC = True


class LazyMyLinear(nn.modules.lazy.LazyModuleMixin, nn.Module):
    def __init__(self, units):
        super().__init__()
        self.units = units
        self.weight = nn.parameter.UninitializedParameter()
        self.bias = nn.parameter.UninitializedParameter()

    def initialize_parameters(self, X):
        with torch.no_grad():
            if self.has_uninitialized_params():
                self.weight.materialize((X.shape[-1], self.units))
                self.bias.materialize((self.units,))
            self.weight.normal_()
            self.bias.normal_()

    def forward(self, X):
        return F.relu(X @ self.weight + self.bias)
