"""Does a CenteredLayer that subtracts the mean along the first dimension (X.mean(0)) instead of
the mean of all elements lose points on CenteredLayer only?"""

TARGET = "layers.CenteredLayer"
CAUGHT_BY = ["test_centered_layer_subtracts_the_mean_of_all_elements"]
PUBLIC = True


class CenteredLayer(nn.Module):
    def forward(self, X):
        return X - X.mean(0)
