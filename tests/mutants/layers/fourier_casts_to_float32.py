"""Does a FourierHalf that converts its input to float32 first (so float64 signals come back as
complex64) lose points on FourierHalf only?"""

TARGET = "layers.FourierHalf"
CAUGHT_BY = ["test_fourier_half_output", "test_fourier_half_batch_dims"]
PUBLIC = True


class FourierHalf(nn.Module):
    def forward(self, X):
        n = X.shape[-1]
        return torch.fft.fft(X.float())[..., : (n + 1) // 2]
