"""Does a CenteredLayer that computes the mean as X.sum() / X.numel() (other rounding) keep full
marks?"""

ITEM = "layers.CenteredLayer"


class CenteredLayer(nn.Module):
    def forward(self, X):
        return X - X.sum() / X.numel()
