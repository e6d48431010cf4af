"""Does a TensorReduction that forms the outer product x xᵀ and multiplies by the weight reshaped
to (i·i, k) keep full marks?"""

ITEM = "layers.TensorReduction"


class TensorReduction(nn.Module):
    def __init__(self, i, k):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(i, i, k) * 0.1)

    def forward(self, X):
        i, k = self.weight.shape[1], self.weight.shape[2]
        outer = X.unsqueeze(-1) * X.unsqueeze(-2)
        return outer.reshape(*X.shape[:-1], i * i) @ self.weight.reshape(i * i, k)
