"""Does a FourierHalf that slices with [:, :m] (the last axis only for 2-D inputs) lose points on
FourierHalf only?"""

TARGET = "layers.FourierHalf"
CAUGHT_BY = ["test_fourier_half_batch_dims"]
# An edge case for the hidden checks: only inputs with two or more batch dimensions show it.
PUBLIC = False


class FourierHalf(nn.Module):
    def forward(self, X):
        m = (X.shape[-1] + 1) // 2
        Y = torch.fft.fft(X)
        return Y[:, :m] if Y.dim() > 1 else Y[:m]
