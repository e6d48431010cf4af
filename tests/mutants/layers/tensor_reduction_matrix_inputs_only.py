"""Does a TensorReduction written for (batch, i) inputs only (einsum 'bi,bj,ijk->bk') lose points on
TensorReduction only?"""

TARGET = "layers.TensorReduction"
CAUGHT_BY = ["test_tensor_reduction_batch_dims"]
PUBLIC = True


class TensorReduction(nn.Module):
    def __init__(self, i, k):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(i, i, k))

    def forward(self, X):
        return torch.einsum("bi,bj,ijk->bk", X, X, self.weight)
