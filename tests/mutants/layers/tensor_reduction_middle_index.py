"""Does a TensorReduction that reads weight[i, k, j] (the output index on the middle axis) lose
points on TensorReduction only? With i == k it runs and gives other numbers (the weight is not
symmetric in its last two axes)."""

TARGET = "layers.TensorReduction"
CAUGHT_BY = ["test_tensor_reduction_output"]
PUBLIC = True


class TensorReduction(nn.Module):
    def __init__(self, i, k):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(i, i, k))

    def forward(self, X):
        return torch.einsum("...i,...j,ikj->...k", X, X, self.weight)
