"""Does a FourierHalf that keeps n // 2 coefficients (one too few for odd n) lose points on
FourierHalf only?"""

TARGET = "layers.FourierHalf"
CAUGHT_BY = ["test_fourier_half_output", "test_fourier_half_batch_dims"]
PUBLIC = True


class FourierHalf(nn.Module):
    def forward(self, X):
        return torch.fft.fft(X)[..., : X.shape[-1] // 2]
