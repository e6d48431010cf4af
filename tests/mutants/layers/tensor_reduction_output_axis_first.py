"""Does a TensorReduction with its weight laid out as (k, i, i) lose points on TensorReduction
only?"""

TARGET = "layers.TensorReduction"
CAUGHT_BY = ["test_tensor_reduction_weight_is_a_parameter", "test_tensor_reduction_output"]
PUBLIC = True


class TensorReduction(nn.Module):
    def __init__(self, i, k):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(k, i, i))

    def forward(self, X):
        return torch.einsum("...i,...j,kij->...k", X, X, self.weight)
