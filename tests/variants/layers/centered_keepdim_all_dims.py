"""Does a CenteredLayer that takes the mean over every dimension with keepdim=True keep full
marks?"""

ITEM = "layers.CenteredLayer"


class CenteredLayer(nn.Module):
    def forward(self, X):
        return X - X.mean(dim=tuple(range(X.dim())), keepdim=True)
