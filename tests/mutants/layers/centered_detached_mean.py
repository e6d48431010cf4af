"""Does a CenteredLayer whose mean is detached from autograd (the input's gradient is then G, not
G - G.mean()) lose points on CenteredLayer only?"""

TARGET = "layers.CenteredLayer"
CAUGHT_BY = ["test_centered_layer_gradient"]
PUBLIC = True


class CenteredLayer(nn.Module):
    def forward(self, X):
        return X - X.mean().detach()
