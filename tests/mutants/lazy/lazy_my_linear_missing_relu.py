"""Does a LazyMyLinear without the ReLU lose points on LazyMyLinear only?"""

TARGET = "lazy.LazyMyLinear"
CAUGHT_BY = ["test_lazy_my_linear_output", "test_lazy_my_linear_load_state_dict_materialises"]
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
                self.weight.materialize((X.shape[-1], self.units))
                self.bias.materialize((self.units,))
                self.weight.normal_()
                self.bias.normal_()

    def forward(self, X):
        return X @ self.weight + self.bias
