"""Does a TensorReduction whose forward uses self.weight.data (no gradient reaches the weight) lose
points on TensorReduction only?"""

TARGET = "layers.TensorReduction"
CAUGHT_BY = ["test_tensor_reduction_gradients"]
PUBLIC = True


class TensorReduction(nn.Module):
    def __init__(self, i, k):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(i, i, k))

    def forward(self, X):
        return torch.einsum("...i,...j,ijk->...k", X, X, self.weight.data)
