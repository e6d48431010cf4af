"""Does a CenteredLayer that computes in float32 (X.float()), so a float64 input comes back as
float32, lose points on CenteredLayer only?"""

TARGET = "layers.CenteredLayer"
CAUGHT_BY = ["test_centered_layer_subtracts_the_mean_of_all_elements"]
PUBLIC = True


class CenteredLayer(nn.Module):
    def forward(self, X):
        X = X.float()
        return X - X.mean()
