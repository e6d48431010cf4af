"""Does a CenteredLayer that registers a (zero) learnable shift as a parameter lose points on
CenteredLayer only?"""

TARGET = "layers.CenteredLayer"
CAUGHT_BY = ["test_centered_layer_has_no_parameters"]
PUBLIC = True


class CenteredLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.shift = nn.Parameter(torch.zeros(()))

    def forward(self, X):
        return X - X.mean() + self.shift
